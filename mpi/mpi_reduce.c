/* mpi_reduce.c -- deterministic reductions across MPI ranks (mpi_reduce.h). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "mpi_reduce.h"

#ifdef GW_HAVE_MPI
#include <mpi.h>

/* Bytes of each rank's failure message in the exchange of gwi_mpi_red_agree. */
#define MSG_BYTES 480

gw_status gwi_mpi_red_init(gwi_mpi_red *r)
{
    memset(r, 0, sizeof *r);
    MPI_Comm_rank(MPI_COMM_WORLD, &r->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &r->nranks);
    r->counts = gw_alloc_array((size_t)r->nranks * 4, sizeof *r->counts);
    if (r->counts == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory (reducer of %d ranks)", r->nranks);
    const char *chunk = getenv("GW_MPI_GATHER_CHUNK"); /* testing knob (mpi_reduce.h) */
    if (chunk != NULL) {
        char *end = NULL;
        unsigned long long v = strtoull(chunk, &end, 10);
        if (end != chunk && *end == '\0' && v > 0)
            r->gather_chunk = (size_t)v;
    }
    return GW_OK;
}

void gwi_mpi_red_free(gwi_mpi_red *r)
{
    gw_free(r->work);
    gw_free(r->counts);
    r->work = NULL;
    r->counts = NULL;
    r->work_cap = 0;
}

/* The status step that opens every collective operation: all ranks learn whether any failed
 * and whether they all passed the same length. Returns GW_OK, GW_EIO (a rank failed; r->agreed
 * is set) or GW_EINTERNAL (lengths differ; also agreed). */
static gw_status status_step(gwi_mpi_red *r, int failed, size_t n)
{
    int64_t v[3] = {failed ? 1 : 0, (int64_t)n, -(int64_t)n};
    int64_t m[3];
    MPI_Allreduce(v, m, 3, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD);
    if (m[0] != 0) {
        r->agreed = 1;
        r->peer_failed = !failed;
        return gwi_fail(GW_EIO, "another rank failed");
    }
    if (m[1] != -m[2]) {
        r->agreed = 1;
        return gwi_fail(GW_EINTERNAL,
                        "ranks reduce vectors of different lengths (%lld to %lld doubles)",
                        (long long)-m[2], (long long)m[1]);
    }
    return GW_OK;
}

/* First element of segment s of n elements split over P ranks. */
static size_t seg_lo(size_t n, int s, int P)
{
    return (size_t)(((uint64_t)n * (uint64_t)s) / (uint64_t)P);
}

gw_status gwi_mpi_red_sum(void *ctx, double *buf, size_t n)
{
    gwi_mpi_red *r = ctx;
    const int P = r->nranks, me = r->rank;
    double t0 = MPI_Wtime();
    gw_status rc = GW_OK;
    if (r->agreed)
        return gwi_fail(GW_EIO, "another rank failed");
    /* Local preparation, before the status step so that its failure is agreed. */
    size_t lo = seg_lo(n, me, P), m = seg_lo(n, me + 1, P) - lo;
    int local_fail = 0;
    if (n > (size_t)INT_MAX)
        local_fail = 1; /* the same on every rank with the same n */
    else if (P > 1 && (size_t)P * m > r->work_cap) {
        double *w = gw_alloc_array((size_t)P * m, sizeof *w);
        if (w == NULL) {
            local_fail = 1;
        } else {
            gw_free(r->work);
            r->work = w;
            r->work_cap = (size_t)P * m;
        }
    }
    if (P > 1 && (rc = status_step(r, local_fail, n)) != GW_OK && !local_fail)
        goto done;
    if (local_fail) {
        r->agreed = 1;
        rc = n > (size_t)INT_MAX
                 ? gwi_fail(GW_EINTERNAL, "a reduction of %zu doubles exceeds MPI's counts", n)
                 : gwi_fail(GW_ENOMEM, "out of memory (reduction of %zu doubles)", n);
        goto done;
    }
    r->calls++;
    r->doubles += n;
    if (n > r->max_doubles)
        r->max_doubles = n;
    size_t h = 0;
    while (h < r->nhist && r->hist_n[h] != n)
        h++;
    if (h < 16) {
        r->hist_n[h] = n;
        r->hist_c[h]++;
        if (h == r->nhist)
            r->nhist++;
    }
    if (P == 1 || n == 0)
        goto done;
    /* Reduce-scatter: rank s receives segment s from every rank, in rank order. */
    int *sc = r->counts, *sd = sc + P, *rcnt = sd + P, *rd = rcnt + P;
    for (int s = 0; s < P; s++) {
        size_t slo = seg_lo(n, s, P);
        sc[s] = (int)(seg_lo(n, s + 1, P) - slo);
        sd[s] = (int)slo;
        rcnt[s] = (int)m;
        rd[s] = (int)(m * (size_t)s);
    }
    MPI_Alltoallv(buf, sc, sd, MPI_DOUBLE, r->work, rcnt, rd, MPI_DOUBLE, MPI_COMM_WORLD);
    /* The fixed order: p_0 + p_1 + ... + p_{P-1}, left to right, for every element. */
    for (size_t i = 0; i < m; i++) {
        double t = r->work[i];
        for (int s = 1; s < P; s++)
            t += r->work[(size_t)s * m + i];
        buf[lo + i] = t;
    }
    /* Allgather: every rank receives every segment's total. */
    MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, sc, sd, MPI_DOUBLE, MPI_COMM_WORLD);
    r->bytes_sent +=
        (uint64_t)(n - m) * sizeof(double) + (uint64_t)m * (uint64_t)(P - 1) * sizeof(double);
done:
    r->seconds += MPI_Wtime() - t0;
    return rc;
}

gw_status gwi_mpi_red_allmax(gwi_mpi_red *r, double *v, size_t n)
{
    double t0 = MPI_Wtime();
    gw_status rc = GW_OK;
    if (r->agreed)
        return gwi_fail(GW_EIO, "another rank failed");
    if (r->nranks > 1 && (rc = status_step(r, n > (size_t)INT_MAX, n)) != GW_OK &&
        n <= (size_t)INT_MAX)
        goto done;
    if (n > (size_t)INT_MAX) {
        r->agreed = 1;
        rc = gwi_fail(GW_EINTERNAL, "a reduction of %zu doubles exceeds MPI's counts", n);
        goto done;
    }
    if (r->nranks > 1 && n > 0) {
        MPI_Allreduce(MPI_IN_PLACE, v, (int)n, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        r->bytes_sent += (uint64_t)n * sizeof(double) * 2u;
    }
done:
    r->seconds += MPI_Wtime() - t0;
    return rc;
}

gw_status gwi_mpi_red_gather(void *ctx, const void *send, size_t nbytes, void **recv,
                             size_t *counts)
{
    gwi_mpi_red *r = ctx;
    const int P = r->nranks;
    const size_t PP = (size_t)P;
    double t0 = MPI_Wtime();
    gw_status rc = GW_OK;
    int64_t *sizes = NULL;
    unsigned char *out = NULL, *stage = NULL;
    *recv = NULL;
    if (r->agreed)
        return gwi_fail(GW_EIO, "another rank failed");
    sizes = gw_alloc_array(PP, sizeof *sizes);
    int local_fail = sizes == NULL || nbytes > (size_t)INT64_MAX;
    if (P > 1 && (rc = status_step(r, local_fail, 0)) != GW_OK && !local_fail)
        goto done;
    if (local_fail) {
        r->agreed = 1;
        rc = gwi_fail(GW_ENOMEM, "out of memory (gather of %d sizes)", P);
        goto done;
    }
    int64_t mine = (int64_t)nbytes;
    if (P > 1)
        MPI_Allgather(&mine, 1, MPI_INT64_T, sizes, 1, MPI_INT64_T, MPI_COMM_WORLD);
    else
        sizes[0] = mine;
    /* Rounds of at most c bytes per rank: a round's counts and displacements fit an int. */
    size_t c = (size_t)INT_MAX / PP, total = 0, maxsz = 0;
    if (r->gather_chunk > 0 && r->gather_chunk < c)
        c = r->gather_chunk;
    int overflow = 0;
    for (int q = 0; q < P; q++) {
        size_t sz = (size_t)sizes[q];
        counts[q] = sz;
        overflow |= total > SIZE_MAX - sz;
        total += sz;
        if (sz > maxsz)
            maxsz = sz;
    }
    const size_t rounds = (maxsz + c - 1) / c;
    const size_t stage_sz = rounds > 1 ? (total < PP * c ? total : PP * c) : 0;
    if (!overflow) {
        out = gw_malloc(total ? total : 1);
        if (stage_sz > 0)
            stage = gw_malloc(stage_sz);
    }
    local_fail = out == NULL || (stage_sz > 0 && stage == NULL);
    if (P > 1 && (rc = status_step(r, local_fail, 0)) != GW_OK && !local_fail)
        goto done;
    if (local_fail) {
        r->agreed = 1;
        rc = gwi_fail(GW_ENOMEM, "out of memory (gather of %zu bytes)", total);
        goto done;
    }
    r->gathers++;
    if (P == 1) {
        if (nbytes > 0)
            memcpy(out, send, nbytes);
        goto done;
    }
    int *cnt = r->counts, *dsp = cnt + P;
    for (size_t t = 0; t < rounds; t++) {
        const size_t off = t * c;
        size_t acc = 0;
        for (int q = 0; q < P; q++) {
            size_t sz = counts[q], m = sz > off ? sz - off : 0;
            if (m > c)
                m = c;
            cnt[q] = (int)m;
            dsp[q] = (int)acc;
            acc += m;
        }
        const unsigned char *sp = (const unsigned char *)send + (nbytes > off ? off : 0);
        unsigned char *dst = rounds == 1 ? out : stage;
        MPI_Allgatherv(cnt[r->rank] > 0 ? sp : out, cnt[r->rank], MPI_BYTE, dst, cnt, dsp, MPI_BYTE,
                       MPI_COMM_WORLD);
        r->gather_rounds++;
        r->bytes_sent += (uint64_t)cnt[r->rank] * (uint64_t)(P - 1);
        if (rounds > 1) {
            size_t base = 0;
            for (int q = 0; q < P; q++) {
                if (cnt[q] > 0)
                    memcpy(out + base + off, stage + dsp[q], (size_t)cnt[q]);
                base += counts[q];
            }
        }
    }
done:
    if (rc != GW_OK) {
        gw_free(out);
        out = NULL;
    }
    *recv = out;
    gw_free(stage);
    gw_free(sizes);
    r->seconds += MPI_Wtime() - t0;
    return rc;
}

/* 1 when the current message says that this rank failed only because another one did (this
 * reducer's "another rank failed", the streaming engine's "... failed on another process"). */
static int peer_message(void)
{
    const char *m = gw_last_error();
    return strstr(m, "another rank") != NULL || strstr(m, "another process") != NULL;
}

gw_status gwi_mpi_red_agree(gwi_mpi_red *r, gw_status local)
{
    const int P = r->nranks;
    if (r->settled)
        return gwi_fail((gw_status)r->settled_status, "%s", r->settled_msg);
    /* This rank's own message, before the status step can overwrite it. */
    char msg[MSG_BYTES];
    snprintf(msg, sizeof msg, "%s", gw_last_error());
    int own = local != GW_OK && !r->peer_failed && !peer_message();
    if (!r->agreed) {
        if (P == 1 || status_step(r, local != GW_OK, 0) == GW_OK)
            return local == GW_OK ? GW_OK : gwi_fail(local, "%s", msg);
    }
    if (P == 1)
        return gwi_fail(local, "%s", msg);
    /* Every rank is here now, having seen the failure: the lowest-ranked rank that failed on
     * its own broadcasts its status and message (no allocation: nothing can fail here). When
     * no rank reports its own failure (cannot happen unless messages were reworded), rank 0's
     * is used. The message names the rank unless every rank failed alike (a usage error). */
    int cand[2] = {own ? r->rank : P, own ? 1 : 0}, first = P, nown = 0;
    MPI_Allreduce(&cand[0], &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(&cand[1], &nown, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (first >= P)
        first = 0;
    int code = local != GW_OK ? (int)local : (int)GW_EIO;
    MPI_Bcast(&code, 1, MPI_INT, first, MPI_COMM_WORLD);
    MPI_Bcast(msg, MSG_BYTES, MPI_CHAR, first, MPI_COMM_WORLD);
    msg[MSG_BYTES - 1] = '\0';
    r->settled = 1;
    r->settled_status = code;
    if (nown == P)
        snprintf(r->settled_msg, sizeof r->settled_msg, "%s", msg);
    else
        snprintf(r->settled_msg, sizeof r->settled_msg, "rank %d of %d: %s", first, P, msg);
    return gwi_fail((gw_status)code, "%s", r->settled_msg);
}

#else /* no MPI: single-process answers (gw_mpi_fit refuses to run) */

gw_status gwi_mpi_red_init(gwi_mpi_red *r)
{
    memset(r, 0, sizeof *r);
    r->nranks = 1;
    return GW_OK;
}

void gwi_mpi_red_free(gwi_mpi_red *r) { (void)r; }

gw_status gwi_mpi_red_sum(void *ctx, double *buf, size_t n)
{
    gwi_mpi_red *r = ctx;
    (void)buf;
    r->calls++;
    r->doubles += n;
    return GW_OK;
}

gw_status gwi_mpi_red_gather(void *ctx, const void *send, size_t nbytes, void **recv,
                             size_t *counts)
{
    (void)ctx;
    unsigned char *out = gw_malloc(nbytes ? nbytes : 1);
    *recv = out;
    if (out == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory (gather of %zu bytes)", nbytes);
    if (nbytes > 0)
        memcpy(out, send, nbytes);
    counts[0] = nbytes;
    return GW_OK;
}

gw_status gwi_mpi_red_allmax(gwi_mpi_red *r, double *v, size_t n)
{
    (void)r;
    (void)v;
    (void)n;
    return GW_OK;
}

gw_status gwi_mpi_red_agree(gwi_mpi_red *r, gw_status local)
{
    (void)r;
    return local;
}

#endif
