/* vcov.c -- variance estimators of linear models: iid, HC0-HC3 and one- or two-way CR1.
 *
 * The formulas are documented in gw_ols.h; this file explains how they are computed.
 *
 * Every meat is a sum over observations, computed as a reduction over GW_BLOCK_ROWS-row blocks
 * whose partials are added in block order by one thread, so that the result never depends on
 * the number of threads. Blocks are processed in "waves" of up to WAVE_BLOCKS blocks: the
 * blocks of a wave run in parallel, each into its own slot, and the slots are then added to
 * the running total in block order. The wave size bounds the memory in flight; it cannot
 * change the result, because the additions happen in the same order whatever it is.
 *
 * Cluster scores s_g = sum_{i in g} w_i e_i x_i (kept columns only) are the delicate part: a
 * block of rows touches an unknown set of groups, anything from one (data sorted by cluster)
 * to 4,096 (clusters assigned at random). Each block first maps its groups to local slots with
 * a small open-addressing hash table (8,192 entries, per thread, cleared after each block by
 * the list of positions it used), in order of first occurrence, then sums its rows into a
 * compact nd x k partial, column by column (a scatter into at most 32 KiB per column, in L1).
 * The partials are added to the G x k score array in block order by an OpenMP "ordered"
 * pipeline: blocks are dealt round-robin, each thread computes its block's partial in
 * parallel with the others and then waits for its turn to add it. So s_g is always the sum,
 * in block order, of the in-block row-order sums, whatever the number of threads, X is read
 * once in all, and no G-sized table is needed per thread. The serial part is the merge: nd k
 * adds per block, negligible when groups are few or sorted, and one scatter of N K adds when
 * clusters are many and scattered at random (it then bounds the speed-up). Two alternatives
 * were measured and rejected: partitioning the groups among threads that each sweep all rows
 * (no speed-up: every thread reads all of X) and a counting sort of the rows by group (turns
 * the pass over column-major X into random gathers). The meat S'S is then one dsyrk per block
 * of groups, combined in block order. */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_kernels.h"
#include "gw_par.h"
#include "models_int.h"

/* Blocks in flight per wave (memory only; see above). Halved while a wave would need more than
 * WAVE_BYTES, never below the number of threads. */
#define WAVE_BLOCKS ((size_t)32)
#define WAVE_BYTES ((size_t)1 << 27)

static size_t max_threads(void)
{
    int t = omp_get_max_threads();
    return t > 0 ? (size_t)t : 1;
}

/* Number of blocks per wave for slots of slot_bytes each. */
static size_t wave_size(size_t nb, size_t slot_bytes)
{
    size_t w = WAVE_BLOCKS, t = max_threads();
    while (w > t && w * slot_bytes > WAVE_BYTES)
        w /= 2;
    if (w < 1)
        w = 1;
    return w < nb ? w : nb;
}

/* ------------------------------------------------------------------------------------------ */
/* Validation and names.                                                                      */

/* Check one cluster factor over n rows and count the codes that occur. */
static gw_status check_factor(const gw_factor *f, size_t n, size_t *G)
{
    if (f->name == NULL || f->codes == NULL)
        return gwi_fail(GW_EINVAL, "cluster variable has no %s", f->name ? "codes" : "name");
    if (f->nlevels == 0 || f->nlevels > (size_t)INT32_MAX)
        return gwi_fail(GW_EINVAL, "cluster variable %s has %zu levels", f->name, f->nlevels);
    unsigned char *seen = gw_calloc(f->nlevels, 1);
    if (seen == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu cluster flags", f->nlevels);
    size_t count = 0;
    gw_status rc = GW_OK;
    for (size_t i = 0; i < n; i++) {
        int32_t c = f->codes[i];
        if (c < 0 || (size_t)c >= f->nlevels) {
            rc = gwi_fail(GW_EINVAL, "cluster variable %s: row %zu has code %ld outside 0..%zu",
                          f->name, i, (long)c, f->nlevels - 1);
            goto done;
        }
        count += !seen[c];
        seen[c] = 1;
    }
    if (count < 2)
        rc = gwi_fail(GW_EINVAL, "cluster variable %s has %zu cluster%s; at least 2 are needed",
                      f->name, count, count == 1 ? "" : "s");
    *G = count;
done:
    gw_free(seen);
    return rc;
}

gw_status gwi_vcov_check(const gw_design *d, gw_vcov_kind kind, gwi_vcov_info *info)
{
    memset(info, 0, sizeof *info);
    info->df = NAN;
    if ((int)kind < 0 || kind >= GW_VCOV_NKINDS)
        return gwi_fail(GW_EINVAL, "unknown variance estimator %d", (int)kind);
    if (kind != GW_VCOV_CLUSTER)
        return GW_OK;
    if (d->ncluster == 0 || d->cluster == NULL)
        return gwi_fail(GW_EINVAL, "cluster variance requested but no cluster variable given");
    if (d->ncluster > 2)
        return gwi_fail(GW_EUNSUPPORTED, "%zu cluster variables; at most 2 are supported",
                        d->ncluster);
    for (size_t v = 0; v < d->ncluster; v++) {
        gw_status rc = check_factor(&d->cluster[v], d->n, &info->ngroups[v]);
        if (rc != GW_OK)
            return rc;
    }
    info->nvars = d->ncluster;
    return GW_OK;
}

gw_status gwi_vcov_name(const gw_design *d, gw_vcov_kind kind, char *buf, size_t len)
{
    static const char *const names[] = {"iid", "hc0", "hc1", "hc2", "hc3"};
    int m;
    if (kind != GW_VCOV_CLUSTER)
        m = snprintf(buf, len, "%s", names[kind]);
    else if (d->ncluster == 1)
        m = snprintf(buf, len, "cluster:%s", d->cluster[0].name);
    else
        m = snprintf(buf, len, "cluster:%s+%s", d->cluster[0].name, d->cluster[1].name);
    if (m < 0 || (size_t)m >= len)
        return gwi_fail(GW_EINVAL, "cluster variable names too long (%d bytes)", m);
    return GW_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Small dense helpers (k x k, column-major).                                                 */

/* Mirror the lower triangle of the k x k matrix A into its upper triangle. */
static void fill_upper(size_t k, double *A)
{
    for (size_t j = 0; j < k; j++)
        for (size_t i = j + 1; i < k; i++)
            A[j + i * k] = A[i + j * k];
}

/* V = c * B M B for symmetric B and M (M full); V exactly symmetric. T: k*k workspace. The
 * product is formed as T = B M, then V = T B column by column (axpy order, vectorisable), and
 * the two triangles are averaged so that rounding leaves no asymmetry. */
static void sandwich(size_t k, const double *B, const double *M, double c, double *T, double *V)
{
    for (size_t j = 0; j < k; j++) {
        double *tj = T + j * k;
        memset(tj, 0, k * sizeof *tj);
        for (size_t l = 0; l < k; l++) {
            double m = M[l + j * k];
            const double *bl = B + l * k;
            for (size_t i = 0; i < k; i++)
                tj[i] += bl[i] * m;
        }
    }
    for (size_t j = 0; j < k; j++) {
        double *vj = V + j * k;
        memset(vj, 0, k * sizeof *vj);
        for (size_t l = 0; l < k; l++) {
            double b = B[l + j * k];
            const double *tl = T + l * k;
            for (size_t i = 0; i < k; i++)
                vj[i] += tl[i] * b;
        }
    }
    for (size_t j = 0; j < k; j++) {
        V[j + j * k] *= c;
        for (size_t i = j + 1; i < k; i++) {
            double v = 0.5 * (V[i + j * k] + V[j + i * k]) * c;
            V[i + j * k] = V[j + i * k] = v;
        }
    }
}

/* ------------------------------------------------------------------------------------------ */
/* HC meats.                                                                                  */

/* Per-thread workspace of the HC pass. */
typedef struct {
    double *Z; /* GW_BLOCK_ROWS x k: the block's kept columns times the score weight */
    double *T; /* GW_BLOCK_ROWS x k: X_b B (leverage only)                           */
    double *u; /* GW_BLOCK_ROWS score weights                                          */
} hc_ws;

/* Fill Z for block [first, first+count) and return the first row (absolute) whose leverage is
 * one, or SIZE_MAX. */
static size_t hc_block(const gw_design *d, const double *resid, gw_vcov_kind kind,
                       const size_t *keep, size_t k, const double *B, size_t first, size_t count,
                       hc_ws *ws)
{
    const size_t n = d->n;
    const double *w = d->w;
    double *u = ws->u;
    for (size_t i = 0; i < count; i++)
        u[i] = (w ? w[first + i] : 1.0) * resid[first + i];
    if (kind == GW_VCOV_HC2 || kind == GW_VCOV_HC3) {
        /* h_i = w_i x_i' B x_i, from T = X_b B (count x k) and a row-wise dot product. A
         * leverage within sqrt(eps) of one leaves (1 - h) with less than half its digits, and
         * (1 - h)^-2 meaningless: that is the contract's "clear error" (gw_ols.h). */
        const double tol = sqrt(DBL_EPSILON);
        double *T = ws->T;
        for (size_t j = 0; j < k; j++) {
            double *tj = T + j * count;
            memset(tj, 0, count * sizeof *tj);
            for (size_t l = 0; l < k; l++) {
                double bl = B[l + j * k];
                const double *xl = d->X + keep[l] * n + first;
                for (size_t i = 0; i < count; i++)
                    tj[i] += xl[i] * bl;
            }
        }
        double *h = ws->Z; /* column 0 of Z is free until Z is built below */
        memset(h, 0, count * sizeof *h);
        for (size_t j = 0; j < k; j++) {
            const double *xj = d->X + keep[j] * n + first, *tj = T + j * count;
            for (size_t i = 0; i < count; i++)
                h[i] += tj[i] * xj[i];
        }
        for (size_t i = 0; i < count; i++) {
            double one_minus_h = 1.0 - (w ? w[first + i] : 1.0) * h[i];
            if (!(one_minus_h > tol))
                return first + i;
            u[i] /= (kind == GW_VCOV_HC2) ? sqrt(one_minus_h) : one_minus_h;
        }
    }
    for (size_t j = 0; j < k; j++) {
        const double *xj = d->X + keep[j] * n + first;
        double *zj = ws->Z + j * count;
        for (size_t i = 0; i < count; i++)
            zj[i] = xj[i] * u[i];
    }
    return SIZE_MAX;
}

/* M (k x k, full) = sum_i u_i^2 x_i x_i' with the HC score weights of kind. */
static gw_status hc_meat(const gw_design *d, const double *resid, gw_vcov_kind kind,
                         const size_t *keep, size_t k, const double *B, double *M)
{
    const size_t n = d->n, nb = gw_nblocks(n), kk = k * k;
    const size_t nt = max_threads();
    const int lev = (kind == GW_VCOV_HC2 || kind == GW_VCOV_HC3);
    const size_t W = wave_size(nb, kk * sizeof(double));
    gw_status rc = GW_OK;
    double *part = gw_alloc_array(W * kk, sizeof(double));
    size_t *bad = gw_alloc_array(W, sizeof(size_t));
    size_t per = GW_BLOCK_ROWS * (k + 1) + (lev ? GW_BLOCK_ROWS * k : 0);
    double *wsmem = gw_alloc_array(nt * per, sizeof(double));
    if (part == NULL || bad == NULL || wsmem == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the HC meat workspace (k = %zu)", k);
        goto done;
    }
    memset(M, 0, kk * sizeof *M);
    for (size_t w0 = 0; w0 < nb; w0 += W) {
        const size_t nw = (nb - w0 < W) ? nb - w0 : W;
#pragma omp parallel for schedule(static)
        for (size_t bb = 0; bb < nw; bb++) {
            size_t tid = (size_t)omp_get_thread_num(), first, count;
            double *base = wsmem + tid * per;
            hc_ws ws = {base, lev ? base + GW_BLOCK_ROWS * (k + 1) : NULL,
                        base + GW_BLOCK_ROWS * k};
            gw_block_range(n, w0 + bb, &first, &count);
            double *P = part + bb * kk;
            memset(P, 0, kk * sizeof *P);
            bad[bb] = hc_block(d, resid, kind, keep, k, B, first, count, &ws);
            if (bad[bb] == SIZE_MAX)
                gw_kernel_syrk_tn(count, k, ws.Z, count, P);
        }
        for (size_t bb = 0; bb < nw; bb++)
            if (bad[bb] != SIZE_MAX) {
                rc = gwi_fail(GW_EILLCOND, "observation %zu has leverage 1; HC2/HC3 undefined",
                              bad[bb]);
                goto done;
            }
        for (size_t bb = 0; bb < nw; bb++) {
            const double *P = part + bb * kk;
            for (size_t j = 0; j < k; j++)
                for (size_t i = j; i < k; i++)
                    M[i + j * k] += P[i + j * k];
        }
    }
    fill_upper(k, M);
done:
    gw_free(wsmem);
    gw_free(bad);
    gw_free(part);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Cluster meats.                                                                             */

/* The per-block hash table of cluster codes: twice GW_BLOCK_ROWS entries, so at most half full. */
#define HASH_BITS 13
#define HASH_SIZE ((size_t)1 << HASH_BITS)

/* Per-thread workspace of the score pass: the hash table of the block's codes, and the block's
 * partial scores (nd groups in order of first occurrence, nd x k sums, column-major). */
typedef struct {
    int32_t keys[HASH_SIZE];     /* cluster code, or -1 for empty        */
    int32_t vals[HASH_SIZE];     /* local slot of the code               */
    int32_t used[GW_BLOCK_ROWS]; /* table positions filled in this block */
    int32_t slot[GW_BLOCK_ROWS]; /* local slot of each row of the block  */
    int32_t ids[GW_BLOCK_ROWS];  /* the block's groups                   */
    double u[GW_BLOCK_ROWS];     /* w_i e_i of the block                 */
    size_t nd;                   /* groups in the block                  */
    double *P;                   /* GW_BLOCK_ROWS x k partial sums       */
} score_ws;

/* The merge scatters into S at random when clusters are many and unsorted; with S larger than
 * the cache each add waits for memory unless the rows a few entries ahead are requested early
 * (measured: G = 10^5 random clusters, N = 10^7, k = 11). */
#define PREFETCH_AHEAD 8
#if defined(__GNUC__)
#define PREFETCH_SCORES(S, ids, s2, nd, k)                                                         \
    do {                                                                                           \
        if ((s2) < (nd)) {                                                                         \
            const double *pf_ = (S) + (size_t)(ids)[s2] * (k);                                     \
            __builtin_prefetch(pf_, 1);                                                            \
            __builtin_prefetch(pf_ + (k)-1, 1);                                                    \
        }                                                                                          \
    } while (0)
#else
#define PREFETCH_SCORES(S, ids, s2, nd, k) ((void)0)
#endif

static size_t hash_code(int32_t c)
{
    return (size_t)(((uint32_t)c * 2654435761u) >> (32 - HASH_BITS));
}

/* Sum block [first, first+count) into ws->P by group, rows in order (see the file comment). */
static void score_block(const gw_design *d, const double *resid, const int32_t *codes,
                        const size_t *keep, size_t k, size_t first, size_t count, score_ws *ws)
{
    const size_t n = d->n;
    const double *w = d->w;
    size_t nd = 0;
    for (size_t i = 0; i < count; i++) {
        int32_t c = codes[first + i];
        size_t h = hash_code(c);
        while (ws->keys[h] != -1 && ws->keys[h] != c)
            h = (h + 1) & (HASH_SIZE - 1);
        if (ws->keys[h] == -1) {
            ws->keys[h] = c;
            ws->vals[h] = (int32_t)nd;
            ws->used[nd] = (int32_t)h;
            ws->ids[nd++] = c;
        }
        ws->slot[i] = ws->vals[h];
    }
    for (size_t s = 0; s < nd; s++)
        ws->keys[ws->used[s]] = -1;
    for (size_t i = 0; i < count; i++)
        ws->u[i] = (w ? w[first + i] : 1.0) * resid[first + i];
    memset(ws->P, 0, nd * k * sizeof *ws->P);
    for (size_t j = 0; j < k; j++) {
        const double *xj = d->X + keep[j] * n + first;
        double *pj = ws->P + j * nd;
        for (size_t i = 0; i < count; i++)
            pj[ws->slot[i]] += xj[i] * ws->u[i];
    }
    ws->nd = nd;
}

/* M (k x k, full) = S'S, S the G x k scores (row-major) of the factor `codes` over G levels:
 * block partials in parallel, added to S in block order (an ordered pipeline; file comment). */
static gw_status cluster_meat(const gw_design *d, const double *resid, const int32_t *codes,
                              size_t G, const size_t *keep, size_t k, double *M)
{
    const size_t n = d->n, nb = gw_nblocks(n), kk = k * k, nt = max_threads();
    gw_status rc = GW_OK;
    double *S = gw_alloc_array(G * k, sizeof(double));
    double *pmem = gw_alloc_array(nt * GW_BLOCK_ROWS * k, sizeof(double));
    score_ws *ws = gw_alloc_array(nt, sizeof *ws);
    double *mpart = NULL;
    if (S == NULL || pmem == NULL || ws == NULL || (G != 0 && G * k / G != k)) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate cluster scores (%zu clusters x %zu)", G, k);
        goto done;
    }
    memset(S, 0, G * k * sizeof *S);
    for (size_t t = 0; t < nt; t++) {
        for (size_t h = 0; h < HASH_SIZE; h++)
            ws[t].keys[h] = -1;
        ws[t].P = pmem + t * GW_BLOCK_ROWS * k;
    }
#pragma omp parallel for ordered schedule(static, 1)
    for (size_t b = 0; b < nb; b++) {
        score_ws *my = &ws[omp_get_thread_num()];
        size_t first, count;
        gw_block_range(n, b, &first, &count);
        score_block(d, resid, codes, keep, k, first, count, my);
#pragma omp ordered
        {
            const size_t nd = my->nd;
            for (size_t s = 0; s < nd; s++) {
                double *sg = S + (size_t)my->ids[s] * k;
                PREFETCH_SCORES(S, my->ids, s + PREFETCH_AHEAD, nd, k);
                for (size_t j = 0; j < k; j++)
                    sg[j] += my->P[j * nd + s];
            }
        }
    }
    /* M = S'S: S row-major G x k is column-major k x G with ld = k; blocks of groups. */
    const size_t nbg = gw_nblocks(G), Wg = wave_size(nbg, kk * sizeof(double));
    mpart = gw_alloc_array(Wg * kk, sizeof(double));
    if (mpart == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the cluster meat workspace (k = %zu)", k);
        goto done;
    }
    memset(M, 0, kk * sizeof *M);
    for (size_t w0 = 0; w0 < nbg; w0 += Wg) {
        const size_t nw = (nbg - w0 < Wg) ? nbg - w0 : Wg;
#pragma omp parallel for schedule(static)
        for (size_t bb = 0; bb < nw; bb++) {
            size_t first, count;
            gw_block_range(G, w0 + bb, &first, &count);
            double *P = mpart + bb * kk;
            memset(P, 0, kk * sizeof *P);
            gw_kernel_syrk_nt(count, k, S + first * k, k, P);
        }
        for (size_t bb = 0; bb < nw; bb++) {
            const double *P = mpart + bb * kk;
            for (size_t j = 0; j < k; j++)
                for (size_t i = j; i < k; i++)
                    M[i + j * k] += P[i + j * k];
        }
    }
    fill_upper(k, M);
done:
    gw_free(mpart);
    gw_free(ws);
    gw_free(pmem);
    gw_free(S);
    return rc;
}

/* The codes of the non-empty intersections of two factors a and b (pair key a * nb + b).
 * When the key space is at most 4n, by a dense table: presence flags (each thread marks the
 * keys it owns, key mod 64 as above, so no two threads write one flag), a prefix sum that
 * numbers the present keys in key order, and a parallel look-up. Otherwise by a sequential
 * open-addressing hash, numbering in order of first occurrence. Either numbering depends on
 * the data only. out: owned, n codes; *G12: the number of intersections. */
static gw_status intersect(const gw_factor *a, const gw_factor *b, size_t n, int32_t **out,
                           size_t *G12)
{
    const uint64_t nbl = (uint64_t)b->nlevels, space = (uint64_t)a->nlevels * nbl;
    gw_status rc = GW_OK;
    uint64_t *keys = NULL;
    int32_t *vals = NULL, *codes = gw_alloc_array(n, sizeof *codes);
    if (codes == NULL)
        goto nomem;
    if (space <= 4 * (uint64_t)n && space < (uint64_t)INT32_MAX) {
        const size_t m = (size_t)space;
        if ((vals = gw_alloc_array(m, sizeof *vals)) == NULL)
            goto nomem;
        memset(vals, 0, m * sizeof *vals);
#pragma omp parallel
        {
            const unsigned T = (unsigned)omp_get_num_threads(), t = (unsigned)omp_get_thread_num();
            for (size_t i = 0; i < n; i++) {
                size_t key = (size_t)a->codes[i] * (size_t)nbl + (size_t)b->codes[i];
                if ((unsigned)(key & 63) % T == t)
                    vals[key] = 1;
            }
        }
        size_t count = 0;
        for (size_t key = 0; key < m; key++) {
            int32_t present = vals[key];
            vals[key] = (int32_t)count;
            count += (size_t)present;
        }
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++)
            codes[i] = vals[(size_t)a->codes[i] * (size_t)nbl + (size_t)b->codes[i]];
        *G12 = count;
    } else {
        size_t cap = 2;
        while (cap < 2 * n)
            cap *= 2;
        keys = gw_alloc_array(cap, sizeof *keys);
        vals = gw_alloc_array(cap, sizeof *vals);
        if (keys == NULL || vals == NULL)
            goto nomem;
        memset(keys, 0xff, cap * sizeof *keys);
        size_t count = 0;
        for (size_t i = 0; i < n; i++) {
            uint64_t key = (uint64_t)a->codes[i] * nbl + (uint64_t)b->codes[i];
            size_t h = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & (cap - 1);
            while (keys[h] != UINT64_MAX && keys[h] != key)
                h = (h + 1) & (cap - 1);
            if (keys[h] == UINT64_MAX) {
                keys[h] = key;
                vals[h] = (int32_t)count++;
            }
            codes[i] = vals[h];
        }
        *G12 = count;
    }
    *out = codes;
    codes = NULL;
    goto done;
nomem:
    rc = gwi_fail(GW_ENOMEM, "cannot allocate the cluster intersection of %zu rows", n);
done:
    gw_free(codes);
    gw_free(vals);
    gw_free(keys);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */

gw_status gwi_vcov(const gw_design *d, const gwi_ls_view *ls, gw_vcov_kind kind, const size_t *keep,
                   size_t k, double *V, gwi_vcov_info *info)
{
    const size_t n = d->n, kk = k * k;
    gw_status rc = GW_OK;
    double *B = NULL, *M = NULL, *M2 = NULL, *T = NULL;
    int32_t *codes12 = NULL;
    info->df = (double)n - (double)k;
    if (kind == GW_VCOV_CLUSTER) {
        size_t gmin = info->ngroups[0];
        if (info->nvars == 2 && info->ngroups[1] < gmin)
            gmin = info->ngroups[1];
        info->df = (double)gmin - 1.0;
    }
    if (k == 0)
        return GW_OK;
    if (n <= k) {
        for (size_t j = 0; j < kk; j++)
            V[j] = NAN;
        return GW_OK;
    }
    B = gw_alloc_array(kk, sizeof *B);
    M = gw_alloc_array(kk, sizeof *M);
    M2 = gw_alloc_array(kk, sizeof *M2);
    T = gw_alloc_array(kk, sizeof *T);
    if (B == NULL || M == NULL || M2 == NULL || T == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu x %zu variance workspace", k, k);
        goto done;
    }
    for (size_t j = 0; j < k; j++)
        for (size_t i = 0; i < k; i++)
            B[i + j * k] = ls->bread[keep[i] + keep[j] * ls->p];
    const double dfr = (double)n - (double)k;
    switch (kind) {
    case GW_VCOV_IID: {
        double s2 = ls->rss / dfr;
        for (size_t j = 0; j < kk; j++)
            V[j] = s2 * B[j];
        for (size_t j = 0; j < k; j++) /* the bread may carry rounding asymmetry */
            for (size_t i = j + 1; i < k; i++)
                V[j + i * k] = V[i + j * k];
        break;
    }
    case GW_VCOV_HC0:
    case GW_VCOV_HC1:
    case GW_VCOV_HC2:
    case GW_VCOV_HC3:
        if ((rc = hc_meat(d, ls->resid, kind, keep, k, B, M)) != GW_OK)
            goto done;
        sandwich(k, B, M, kind == GW_VCOV_HC1 ? (double)n / dfr : 1.0, T, V);
        break;
    case GW_VCOV_CLUSTER: {
        const double c0 = ((double)n - 1.0) / dfr;
        const gw_factor *f = d->cluster;
        double g0 = (double)info->ngroups[0];
        if ((rc = cluster_meat(d, ls->resid, f[0].codes, f[0].nlevels, keep, k, M)) != GW_OK)
            goto done;
        for (size_t j = 0; j < kk; j++)
            M[j] *= g0 / (g0 - 1.0);
        if (info->nvars == 2) {
            /* M = c1 M1 + c2 M2 - c12 M12; B M B is linear in M, so one sandwich suffices. */
            size_t G12 = 0;
            double g1 = (double)info->ngroups[1];
            rc = cluster_meat(d, ls->resid, f[1].codes, f[1].nlevels, keep, k, M2);
            if (rc != GW_OK)
                goto done;
            for (size_t j = 0; j < kk; j++)
                M[j] += g1 / (g1 - 1.0) * M2[j];
            if ((rc = intersect(&f[0], &f[1], n, &codes12, &G12)) != GW_OK)
                goto done;
            if ((rc = cluster_meat(d, ls->resid, codes12, G12, keep, k, M2)) != GW_OK)
                goto done;
            /* G12 == 1 would need both factors constant, which the check rules out. */
            double g12 = (double)G12;
            for (size_t j = 0; j < kk; j++)
                M[j] -= g12 / (g12 - 1.0) * M2[j];
        }
        sandwich(k, B, M, c0, T, V);
        break;
    }
    default:
        rc = gwi_fail(GW_EINVAL, "unknown variance estimator %d", (int)kind);
        goto done;
    }
done:
    gw_free(codes12);
    gw_free(T);
    gw_free(M2);
    gw_free(M);
    gw_free(B);
    return rc;
}
