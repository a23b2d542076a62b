/* stream_fold.c -- R factors of row blocks and ordered folds (stream_int.h).
 *
 * The R of a block comes from gw_kernel_block_r (LAPACK dgeqrf through core/, the only place
 * that may call LAPACK): ~5x faster than the plain-C unblocked Householder loop kept below
 * (gwi_house_qr) for the r = p + 1 <= a few dozen columns of a model (bench/bench_tsqr.c).
 * Every R is normalised to a non-negative diagonal, so that it does not depend on the kernel's
 * sign convention; the combination of R factors is the TSQR scheme of core/linalg_qr.c. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_linalg.h"
#include "gw_par.h"
#include "stream_int.h"

/* The 2-norm of x[0..m) with scaling (LAPACK dnrm2's idea: no overflow or underflow). */
static double nrm2(const double *x, size_t m)
{
    double amax = 0.0;
    for (size_t i = 0; i < m; i++) {
        double a = fabs(x[i]);
        if (a > amax)
            amax = a;
    }
    if (amax == 0.0 || !isfinite(amax))
        return amax;
    /* Scale by a power of two near amax: exact, and keeps the squares in range. */
    int e;
    (void)frexp(amax, &e);
    double s = 0.0;
    for (size_t i = 0; i < m; i++) {
        double t = ldexp(x[i], -e);
        s += t * t;
    }
    return ldexp(sqrt(s), e);
}

void gwi_house_qr(double *A, size_t lda, size_t m, size_t n)
{
    const size_t kmax = m < n ? m : n;
    for (size_t j = 0; j < kmax; j++) {
        double *v = A + j + j * lda;
        const size_t len = m - j;
        double norm = nrm2(v, len);
        if (norm == 0.0)
            continue;
        double alpha = v[0];
        double beta = alpha >= 0.0 ? -norm : norm;
        double tau = (beta - alpha) / beta, scal = 1.0 / (alpha - beta);
        for (size_t i = 1; i < len; i++)
            v[i] *= scal;
        v[0] = 1.0;
        for (size_t c = j + 1; c < n; c++) {
            double *a = A + j + c * lda;
            double s = 0.0;
            for (size_t i = 0; i < len; i++)
                s += v[i] * a[i];
            s *= tau;
            for (size_t i = 0; i < len; i++)
                a[i] -= s * v[i];
        }
        v[0] = beta;
    }
}

void gwi_house_r(double *A, size_t lda, size_t m, size_t n, double *R)
{
    if (gw_kernel_block_r(A, lda, m, n, R) == GW_OK)
        return;
    /* Only for dimensions beyond LAPACK's int (never a block of the engine): the plain QR. */
    gwi_house_r_plain(A, lda, m, n, R);
}

void gwi_house_r_plain(double *A, size_t lda, size_t m, size_t n, double *R)
{
    gwi_house_qr(A, lda, m, n);
    memset(R, 0, n * n * sizeof *R);
    for (size_t i = 0; i < n && i < m; i++) {
        const double s = A[i + i * lda] < 0.0 ? -1.0 : 1.0;
        for (size_t j = i; j < n; j++)
            R[i + j * n] = s * A[i + j * lda];
    }
}

void gwi_r_combine(double *acc, const double *Rb, size_t n, double *work)
{
    const size_t ld = 2 * n;
    for (size_t j = 0; j < n; j++) {
        memcpy(work + j * ld, acc + j * n, n * sizeof *work);
        memcpy(work + j * ld + n, Rb + j * n, n * sizeof *work);
    }
    gwi_house_r(work, ld, ld, n, acc);
}

gw_status gwi_stream_reduce(const gw_stream_reducer *red, double *buf, size_t n, gw_status rc)
{
    buf[n] = rc != GW_OK ? 1.0 : 0.0;
    if (red != NULL && red->sum != NULL && red->nranks > 1) {
        gw_status rs = red->sum(red->ctx, buf, n + 1);
        if (rs != GW_OK)
            return rc != GW_OK ? rc : gwi_fail_keep(rs);
    }
    if (rc != GW_OK)
        return rc;
    if (buf[n] != 0.0)
        return gwi_fail(GW_EIO, "the fit failed on another process");
    return GW_OK;
}

gw_status gwi_stream_gather(const gw_stream_reducer *red, unsigned char *buf, size_t nbytes,
                            gw_status rc, unsigned char **recv, size_t *counts)
{
    unsigned char hdr[GWI_GATHER_HDR];
    uint64_t flag = rc != GW_OK ? 1u : 0u;
    void *all = NULL;
    *recv = NULL;
    if (buf == NULL || rc != GW_OK) {
        buf = hdr;
        nbytes = GWI_GATHER_HDR;
    }
    memcpy(buf, &flag, sizeof flag);
    gw_status rg = red->gather(red->ctx, buf, nbytes, &all, counts);
    if (rg != GW_OK) {
        gw_free(all);
        return rc != GW_OK ? rc : gwi_fail_keep(rg);
    }
    if (rc != GW_OK) {
        gw_free(all);
        return rc;
    }
    /* Check every header, then drop them (payloads move down, in place). */
    const size_t P = (size_t)red->nranks;
    unsigned char *a = all;
    if (a == NULL)
        return gwi_fail(GW_EINTERNAL, "the gather returned no buffer");
    size_t in = 0, outp = 0;
    int failed = 0, bad = 0;
    for (size_t q = 0; q < P; q++) {
        if (counts[q] < GWI_GATHER_HDR) {
            bad = 1;
            break;
        }
        uint64_t f;
        memcpy(&f, a + in, sizeof f);
        failed |= f != 0;
        size_t m = counts[q] - GWI_GATHER_HDR;
        if (m > 0)
            memmove(a + outp, a + in + GWI_GATHER_HDR, m);
        in += counts[q];
        outp += m;
        counts[q] = m;
    }
    if (bad || failed) {
        gw_free(all);
        return bad ? gwi_fail(GW_EINTERNAL, "the gather lost a process's header")
                   : gwi_fail(GW_EIO, "the fit failed on another process");
    }
    *recv = a;
    return GW_OK;
}

gw_status gwi_ofold_init(gwi_ofold *f, size_t m, size_t nblocks, size_t b0, int rank, int nranks,
                         gwi_fold_fn fn, void *ctx)
{
    memset(f, 0, sizeof *f);
    f->m = m;
    f->b0 = b0;
    f->rank = rank;
    f->nranks = nranks > 1 ? nranks : 1;
    f->fn = fn;
    f->ctx = ctx;
    f->ngroups = (nblocks + GW_STREAM_GROUP_BLOCKS - 1) / GW_STREAM_GROUP_BLOCKS;
    f->nslots = f->ngroups + (size_t)f->nranks;
    f->slots = gw_calloc(f->nslots * (m + 2) + 1, sizeof(double));
    f->acc = gw_calloc(m ? m : 1, sizeof(double));
    if (f->slots == NULL || f->acc == NULL) {
        gwi_ofold_free(f);
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu fold slots of %zu values", f->nslots, m);
    }
    return GW_OK;
}

/* Store acc (group f->cur, first block f->first) in its slot. */
static void flush(gwi_ofold *f)
{
    if (!f->have)
        return;
    size_t slot = (f->first % GW_STREAM_GROUP_BLOCKS == 0) ? f->cur : f->ngroups + (size_t)f->rank;
    double *s = f->slots + slot * (f->m + 2);
    s[0] = 1.0;
    s[1] = (double)f->cur;
    memcpy(s + 2, f->acc, f->m * sizeof(double));
    f->have = 0;
}

void gwi_ofold_add(gwi_ofold *f, size_t b, const double *part)
{
    size_t g = b / GW_STREAM_GROUP_BLOCKS;
    if (f->have && g != f->cur)
        flush(f);
    if (!f->have) {
        memcpy(f->acc, part, f->m * sizeof(double));
        f->cur = g;
        f->first = b;
        f->have = 1;
        return;
    }
    f->fn(f->acc, part, f->m, f->ctx);
}

gw_status gwi_ofold_finish(gwi_ofold *f, const gw_stream_reducer *red, gw_status rc, double *out,
                           int *have)
{
    const size_t m = f->m, sz = m + 2;
    flush(f);
    *have = 0;
    if ((rc = gwi_stream_reduce(red, f->slots, f->nslots * sz, rc)) != GW_OK)
        return rc;
    for (size_t g = 0; g < f->ngroups; g++) {
        const double *s = f->slots + g * sz;
        for (int q = -1; q < f->nranks; q++) {
            if (q >= 0) {
                s = f->slots + (f->ngroups + (size_t)q) * sz;
                if (!(s[0] != 0.0 && (size_t)s[1] == g))
                    continue;
            } else if (s[0] == 0.0) {
                continue;
            }
            if (!*have) {
                memcpy(out, s + 2, m * sizeof(double));
                *have = 1;
            } else {
                f->fn(out, s + 2, m, f->ctx);
            }
        }
    }
    return GW_OK;
}

void gwi_ofold_free(gwi_ofold *f)
{
    gw_free(f->slots);
    gw_free(f->acc);
    f->slots = f->acc = NULL;
}
