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
 * Since the perf rework every meat is a "plan" (gwi_meat, models_int.h) evaluated block by
 * block inside gw_ls_fit's residual pass (gw_ls_hook), so that a fit reads X twice in all
 * (Gram pass + fused residual/meat pass) and stores no residuals; gwi_vcov runs the same
 * block functions over stored residuals, so both agree to the bit. Each term of a meat picks
 * one of three strategies (meat_term below): ROWS (HC, and two-way intersections that are all
 * singletons: the HC0 meat), RUNS (clusters whose rows are contiguous, the panel layout: no
 * G x k array, the outer products of complete runs are summed per block and the runs cut by
 * block edges joined in block order), HASH (any layout). Measured at N = 10^7, K = 11 on the
 * shared 2-core machine (bench/bench_ols, load 3-5, medians of 5, ratio to one pass over X at
 * the same thread count), before -> after: cluster panel 1 thread 49 -> 3.8, 2 threads 12 ->
 * 4.5; cluster random G = 1000: 11 -> 5.1 and 8.9 -> 3.5; two-way firm x year: 55 -> 11 and
 * 260 -> 16 (the n-cell intersection no longer builds an n x k score array).
 *
 * HASH, the general path: cluster scores s_g = sum_{i in g} w_i e_i x_i (kept columns only). A
 * block of rows touches an unknown set of groups, anything from one (data sorted by cluster)
 * to 4,096 (clusters assigned at random). Each block first maps its groups to local slots with
 * a small open-addressing hash table (8,192 entries, per thread, cleared after each block by
 * the list of positions it used; a row with the code of the row before reuses its slot without
 * hashing), in order of first occurrence, then sums its rows into a
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
/* Cluster codes.                                                                             */

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
/* Meats: one plan, evaluated block by block (inside gw_ls_fit's residual pass, or by         */
/* gwi_vcov's own loop).                                                                      */

/* How one term of a meat sum_g s_g s_g' is accumulated.
 *  ROWS  every row its own group (HC meats, and a two-way intersection whose cells are all
 *        singletons, as in a firm x year panel): per block Z = u o X_b and one register-blocked
 *        Z'Z (gw_kernel_syrk_tn) into the block's slot.
 *  RUNS  every group's rows are contiguous (checked: the number of runs of equal codes equals
 *        the number of groups; the usual panel layout). Per block, segmented sums of u x over
 *        each run; the outer products of the block's interior runs go into its slot, the first
 *        and last runs' partial scores are kept aside (they may continue across the block
 *        boundary) and joined in block order at the end. No G x k array at all.
 *  HASH  any layout: per block, groups mapped to local slots by a small hash table (a run of
 *        equal codes reuses the previous row's slot without hashing), partial scores summed,
 *        then added into the G x k score array S in block order (the merge callback, an
 *        OpenMP ordered pipeline); the meat is S'S by blocks of groups.
 * All three sum in an order fixed by the data and GW_BLOCK_ROWS only. */
enum { MEAT_ROWS, MEAT_RUNS, MEAT_HASH };

#define MAX_TERMS 3

typedef struct {
    int strat;
    const int32_t *codes; /* RUNS, HASH                                  */
    size_t G;             /* HASH: levels (rows of S)                    */
    double coef;          /* the term's factor, e.g. +G/(G-1)            */
    double *Mb;           /* ROWS, RUNS: nb x kk lower-triangle partials */
    double *head, *tail;  /* RUNS: nb x k partial scores of edge runs    */
    int32_t *hcode, *tcode;
    size_t *nruns;
    double *S; /* HASH: G x k scores, row-major                         */
} meat_term;

/* Per-thread workspace. */
typedef struct {
    double *Z, *T, *u, *h, *sc;
    score_ws *hs[MAX_TERMS];
} meat_tws;

struct gwi_meat {
    const gw_design *d;
    gw_vcov_kind kind;
    size_t n, p, nb, nt, k, nterms;
    size_t *keep; /* p, of which k used     */
    double *B;    /* k x k bread (leverage) */
    size_t *bad;  /* nb: first row with leverage one, or SIZE_MAX (HC2/HC3) */
    int32_t *codes12;
    meat_term t[MAX_TERMS];
    meat_tws *tws;
    double *tmem;
};

/* The block's score weights u_i = w_i e_i. */
static void score_weights(const gw_design *d, const double *resid, size_t first, size_t count,
                          double *u)
{
    const double *w = d->w;
    if (w == NULL)
        memcpy(u, resid, count * sizeof *u);
    else
        for (size_t i = 0; i < count; i++)
            u[i] = w[first + i] * resid[i];
}

/* Leverage h_i = w_i x_i' B x_i of the block and the HC2/HC3 weights; returns the first row
 * (absolute) whose leverage is one, or SIZE_MAX. A leverage within sqrt(eps) of one leaves
 * (1 - h) with less than half its digits, and (1 - h)^-2 meaningless: that is the contract's
 * "clear error" (gw_ols.h). T = X_b B by axpys, then a row-wise dot product with X_b. */
static size_t hc_leverage(const gwi_meat *m, size_t first, size_t count, meat_tws *ws)
{
    const size_t n = m->n, k = m->k;
    const double *w = m->d->w, *X = m->d->X, *B = m->B;
    const double tol = sqrt(DBL_EPSILON);
    double *T = ws->T, *h = ws->h, *u = ws->u;
    for (size_t j = 0; j < k; j++) {
        double *tj = T + j * count;
        memset(tj, 0, count * sizeof *tj);
        for (size_t l = 0; l < k; l++) {
            double bl = B[l + j * k];
            const double *xl = X + m->keep[l] * n + first;
            for (size_t i = 0; i < count; i++)
                tj[i] += xl[i] * bl;
        }
    }
    memset(h, 0, count * sizeof *h);
    for (size_t j = 0; j < k; j++) {
        const double *xj = X + m->keep[j] * n + first, *tj = T + j * count;
        for (size_t i = 0; i < count; i++)
            h[i] += tj[i] * xj[i];
    }
    for (size_t i = 0; i < count; i++) {
        double one_minus_h = 1.0 - (w ? w[first + i] : 1.0) * h[i];
        if (!(one_minus_h > tol))
            return first + i;
        u[i] /= (m->kind == GW_VCOV_HC2) ? sqrt(one_minus_h) : one_minus_h;
    }
    return SIZE_MAX;
}

/* ROWS: P += sum_i u_i^2 x_i x_i' (lower) through Z = u o X_b. */
static void rows_block(const gwi_meat *m, size_t first, size_t count, const double *u, meat_tws *ws,
                       double *P)
{
    const size_t n = m->n, k = m->k;
    for (size_t j = 0; j < k; j++) {
        const double *xj = m->d->X + m->keep[j] * n + first;
        double *zj = ws->Z + j * count;
        for (size_t i = 0; i < count; i++)
            zj[i] = xj[i] * u[i];
    }
    gw_kernel_syrk_tn(count, k, ws->Z, count, P);
}

/* P (lower) += s s'. */
static void outer_add(size_t k, const double *s, double *P)
{
    for (size_t b = 0; b < k; b++)
        for (size_t a = b; a < k; a++)
            P[a + b * k] += s[a] * s[b];
}

/* RUNS: segmented sums of u x over the block's runs of equal codes (see meat_term). */
static void runs_block(const gwi_meat *m, meat_term *t, size_t b, size_t first, size_t count,
                       const double *u, meat_tws *ws)
{
    const size_t n = m->n, k = m->k;
    const int32_t *c = t->codes + first;
    double *P = t->Mb + b * k * k, *head = t->head + b * k, *tail = t->tail + b * k;
    size_t nr = 0;
    for (size_t s = 0; s < count;) {
        size_t e = s + 1;
        while (e < count && c[e] == c[s])
            e++;
        double *sc = nr == 0 ? head : ws->sc;
        for (size_t j = 0; j < k; j++) {
            const double *xj = m->d->X + m->keep[j] * n + first;
            double acc = 0.0;
            for (size_t i = s; i < e; i++)
                acc += xj[i] * u[i];
            sc[j] = acc;
        }
        if (nr == 0) {
            t->hcode[b] = c[s];
        } else {
            if (nr > 1) /* the previous run was interior */
                outer_add(k, tail, P);
            memcpy(tail, sc, k * sizeof *sc);
            t->tcode[b] = c[s];
        }
        nr++;
        s = e;
    }
    t->nruns[b] = nr;
}

/* HASH: the block's partial scores by group into ws (see the file comment). */
static void hash_block(const gwi_meat *m, const int32_t *codes, size_t first, size_t count,
                       const double *u, score_ws *ws)
{
    const size_t n = m->n, k = m->k;
    size_t nd = 0;
    int32_t prev = -1, prev_slot = 0;
    for (size_t i = 0; i < count; i++) {
        int32_t c = codes[first + i];
        if (c == prev) { /* run-length fast path: sorted or nearly sorted clusters */
            ws->slot[i] = prev_slot;
            continue;
        }
        size_t h = hash_code(c);
        while (ws->keys[h] != -1 && ws->keys[h] != c)
            h = (h + 1) & (HASH_SIZE - 1);
        if (ws->keys[h] == -1) {
            ws->keys[h] = c;
            ws->vals[h] = (int32_t)nd;
            ws->used[nd] = (int32_t)h;
            ws->ids[nd++] = c;
        }
        ws->slot[i] = prev_slot = ws->vals[h];
        prev = c;
    }
    for (size_t s = 0; s < nd; s++)
        ws->keys[ws->used[s]] = -1;
    memset(ws->P, 0, nd * k * sizeof *ws->P);
    for (size_t j = 0; j < k; j++) {
        const double *xj = m->d->X + m->keep[j] * n + first;
        double *pj = ws->P + j * nd;
        for (size_t i = 0; i < count; i++)
            pj[ws->slot[i]] += xj[i] * u[i];
    }
    ws->nd = nd;
}

void gwi_meat_block(gwi_meat *m, size_t b, size_t first, size_t count, const double *resid, int tid)
{
    meat_tws *ws = &m->tws[tid];
    const size_t kk = m->k * m->k;
    score_weights(m->d, resid, first, count, ws->u);
    if (m->bad != NULL) {
        m->bad[b] = hc_leverage(m, first, count, ws);
        if (m->bad[b] != SIZE_MAX)
            return;
    }
    for (size_t q = 0; q < m->nterms; q++) {
        meat_term *t = &m->t[q];
        switch (t->strat) {
        case MEAT_ROWS:
            memset(t->Mb + b * kk, 0, kk * sizeof(double));
            rows_block(m, first, count, ws->u, ws, t->Mb + b * kk);
            break;
        case MEAT_RUNS:
            memset(t->Mb + b * kk, 0, kk * sizeof(double));
            runs_block(m, t, b, first, count, ws->u, ws);
            break;
        default:
            hash_block(m, t->codes, first, count, ws->u, ws->hs[q]);
            break;
        }
    }
}

int gwi_meat_needs_merge(const gwi_meat *m)
{
    for (size_t q = 0; q < m->nterms; q++)
        if (m->t[q].strat == MEAT_HASH)
            return 1;
    return 0;
}

void gwi_meat_merge(gwi_meat *m, size_t b, int tid)
{
    (void)b;
    const size_t k = m->k;
    for (size_t q = 0; q < m->nterms; q++) {
        if (m->t[q].strat != MEAT_HASH)
            continue;
        const score_ws *my = m->tws[tid].hs[q];
        double *S = m->t[q].S;
        const size_t nd = my->nd;
        for (size_t s = 0; s < nd; s++) {
            double *sg = S + (size_t)my->ids[s] * k;
            PREFETCH_SCORES(S, my->ids, s + PREFETCH_AHEAD, nd, k);
            for (size_t j = 0; j < k; j++)
                sg[j] += my->P[j * nd + s];
        }
    }
}

void gwi_meat_free(gwi_meat *m)
{
    if (m == NULL)
        return;
    for (size_t q = 0; q < MAX_TERMS; q++) {
        meat_term *t = &m->t[q];
        gw_free(t->Mb);
        gw_free(t->head);
        gw_free(t->tail);
        gw_free(t->hcode);
        gw_free(t->tcode);
        gw_free(t->nruns);
        gw_free(t->S);
    }
    if (m->tws != NULL)
        for (size_t t = 0; t < m->nt; t++)
            for (size_t q = 0; q < MAX_TERMS; q++)
                gw_free(m->tws[t].hs[q]);
    gw_free(m->tws);
    gw_free(m->tmem);
    gw_free(m->codes12);
    gw_free(m->bad);
    gw_free(m->B);
    gw_free(m->keep);
    gw_free(m);
}

/* Whether every group of codes[0..n) occupies one contiguous run, given G groups occur. */
static int is_contiguous(const int32_t *codes, size_t n, size_t G)
{
    size_t runs = n > 0;
    for (size_t i = 1; i < n; i++)
        runs += codes[i] != codes[i - 1];
    return runs == G;
}

static gw_status term_alloc(gwi_meat *m, meat_term *t, int strat, const int32_t *codes, size_t G,
                            double coef)
{
    const size_t nb = m->nb, p = m->p;
    t->strat = strat;
    t->codes = codes;
    t->G = G;
    t->coef = coef;
    if (strat == MEAT_ROWS || strat == MEAT_RUNS)
        if ((t->Mb = gw_alloc_array(nb, p * p * sizeof(double))) == NULL)
            goto nomem;
    if (strat == MEAT_RUNS) {
        t->head = gw_alloc_array(nb, p * sizeof(double));
        t->tail = gw_alloc_array(nb, p * sizeof(double));
        t->hcode = gw_alloc_array(nb, sizeof(int32_t));
        t->tcode = gw_alloc_array(nb, sizeof(int32_t));
        t->nruns = gw_alloc_array(nb, sizeof(size_t));
        if (t->head == NULL || t->tail == NULL || t->hcode == NULL || t->tcode == NULL ||
            t->nruns == NULL)
            goto nomem;
    }
    if (strat == MEAT_HASH) {
        if ((t->S = gw_alloc_array(G, p * sizeof(double))) == NULL)
            goto nomem;
        size_t q = (size_t)(t - m->t);
        for (size_t th = 0; th < m->nt; th++) {
            score_ws *ws = gw_alloc_array(1, sizeof *ws);
            if (ws == NULL)
                goto nomem;
            m->tws[th].hs[q] = ws;
            for (size_t h = 0; h < HASH_SIZE; h++)
                ws->keys[h] = -1;
            ws->P = NULL;
        }
    }
    return GW_OK;
nomem:
    return gwi_fail(GW_ENOMEM, "cannot allocate the meat of %zu blocks x %zu columns", nb, p);
}

gw_status gwi_meat_new(const gw_design *d, gw_vcov_kind kind, const gwi_vcov_info *info,
                       gwi_meat **out)
{
    gw_status rc = GW_OK;
    const size_t n = d->n, p = d->p, nt = max_threads();
    gwi_meat *m = gw_calloc(1, sizeof *m);
    *out = NULL;
    if (m == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate a meat plan");
    m->d = d;
    m->kind = kind;
    m->n = n;
    m->p = p;
    m->nb = gw_nblocks(n);
    m->nt = nt;
    /* Per thread: Z, T (p columns each), u, h, sc, and one hash partial P per HASH term. */
    const size_t per = GW_BLOCK_ROWS * (2 * p + 2) + p + MAX_TERMS * GW_BLOCK_ROWS * p;
    m->keep = gw_alloc_array(p, sizeof(size_t));
    m->B = gw_alloc_array(p * p, sizeof(double));
    m->tws = gw_calloc(nt, sizeof(meat_tws));
    m->tmem = gw_alloc_array(nt, per * sizeof(double));
    if (m->keep == NULL || m->B == NULL || m->tws == NULL || m->tmem == NULL ||
        per > SIZE_MAX / sizeof(double) / nt)
        goto nomem;
    for (size_t t = 0; t < nt; t++) {
        meat_tws *ws = &m->tws[t];
        ws->Z = m->tmem + t * per;
        ws->T = ws->Z + GW_BLOCK_ROWS * p;
        ws->u = ws->T + GW_BLOCK_ROWS * p;
        ws->h = ws->u + GW_BLOCK_ROWS;
        ws->sc = ws->h + GW_BLOCK_ROWS;
    }
    if (kind == GW_VCOV_HC2 || kind == GW_VCOV_HC3)
        if ((m->bad = gw_alloc_array(m->nb ? m->nb : 1, sizeof(size_t))) == NULL)
            goto nomem;
    if (kind >= GW_VCOV_HC0 && kind <= GW_VCOV_HC3) {
        m->nterms = 1;
        if ((rc = term_alloc(m, &m->t[0], MEAT_ROWS, NULL, 0, 1.0)) != GW_OK)
            goto done;
    } else if (kind == GW_VCOV_CLUSTER) {
        for (size_t v = 0; v < info->nvars; v++) {
            const gw_factor *f = &d->cluster[v];
            double g = (double)info->ngroups[v];
            int strat = is_contiguous(f->codes, n, info->ngroups[v]) ? MEAT_RUNS : MEAT_HASH;
            if ((rc = term_alloc(m, &m->t[v], strat, f->codes, f->nlevels, g / (g - 1.0))) != GW_OK)
                goto done;
        }
        m->nterms = info->nvars;
        if (info->nvars == 2) {
            /* The intersection: G12 == n (every cell a singleton, a firm x year panel) is the
             * HC0 meat, which needs neither codes nor an n x k score array. */
            size_t G12 = 0;
            if ((rc = intersect(&d->cluster[0], &d->cluster[1], n, &m->codes12, &G12)) != GW_OK)
                goto done;
            /* G12 == 1 would need both factors constant, which the check rules out. */
            double g12 = (double)G12;
            int strat = G12 == n                            ? MEAT_ROWS
                        : is_contiguous(m->codes12, n, G12) ? MEAT_RUNS
                                                            : MEAT_HASH;
            if ((rc = term_alloc(m, &m->t[2], strat, m->codes12, G12, -g12 / (g12 - 1.0))) != GW_OK)
                goto done;
            m->nterms = 3;
        }
    }
    for (size_t q = 0; q < m->nterms; q++)
        if (m->t[q].strat == MEAT_HASH)
            for (size_t t = 0; t < nt; t++)
                m->tws[t].hs[q]->P =
                    m->tws[t].Z + (GW_BLOCK_ROWS * (2 * p + 2) + p) + q * GW_BLOCK_ROWS * p;
    *out = m;
    m = NULL;
    goto done;
nomem:
    rc = gwi_fail(GW_ENOMEM, "cannot allocate the variance workspace (p = %zu)", p);
done:
    gwi_meat_free(m);
    return rc;
}

gw_status gwi_meat_begin(gwi_meat *m, const size_t *keep, size_t k, const double *B)
{
    m->k = k;
    memcpy(m->keep, keep, k * sizeof *keep);
    memcpy(m->B, B, k * k * sizeof *B);
    for (size_t q = 0; q < m->nterms; q++)
        if (m->t[q].strat == MEAT_HASH)
            memset(m->t[q].S, 0, m->t[q].G * k * sizeof(double));
    return GW_OK;
}

/* RUNS: join the blocks' partials in block order into P (lower; see meat_term). */
static void runs_finish(const gwi_meat *m, const meat_term *t, double *P, double *carry)
{
    const size_t k = m->k, kk = k * k;
    int open = 0;
    int32_t code = 0;
    for (size_t b = 0; b < m->nb; b++) {
        const double *head = t->head + b * k;
        if (open && t->hcode[b] == code) {
            for (size_t j = 0; j < k; j++)
                carry[j] += head[j];
        } else {
            if (open)
                outer_add(k, carry, P);
            memcpy(carry, head, k * sizeof *carry);
            code = t->hcode[b];
            open = 1;
        }
        if (t->nruns[b] > 1) {
            outer_add(k, carry, P);
            for (size_t j = 0; j < kk; j++)
                P[j] += t->Mb[b * kk + j];
            memcpy(carry, t->tail + b * k, k * sizeof *carry);
            code = t->tcode[b];
        }
    }
    if (open)
        outer_add(k, carry, P);
}

/* HASH: P (lower) = S'S by blocks of groups in parallel, partials added in order. */
static gw_status hash_finish(const gwi_meat *m, const meat_term *t, double *P)
{
    const size_t k = m->k, kk = k * k, G = t->G;
    const size_t nbg = gw_nblocks(G), Wg = wave_size(nbg, kk * sizeof(double));
    double *mpart = gw_alloc_array(Wg ? Wg : 1, kk * sizeof(double));
    if (mpart == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate the cluster meat workspace (k = %zu)", k);
    for (size_t w0 = 0; w0 < nbg; w0 += Wg) {
        const size_t nw = (nbg - w0 < Wg) ? nbg - w0 : Wg;
#pragma omp parallel for schedule(static)
        for (size_t bb = 0; bb < nw; bb++) {
            size_t first, count;
            gw_block_range(G, w0 + bb, &first, &count);
            double *Q = mpart + bb * kk;
            memset(Q, 0, kk * sizeof *Q);
            gw_kernel_syrk_nt(count, k, t->S + first * k, k, Q);
        }
        for (size_t bb = 0; bb < nw; bb++)
            for (size_t j = 0; j < kk; j++)
                P[j] += mpart[bb * kk + j];
    }
    gw_free(mpart);
    return GW_OK;
}

gw_status gwi_meat_finish(gwi_meat *m, double *M)
{
    const size_t k = m->k, kk = k * k;
    gw_status rc = GW_OK;
    if (m->bad != NULL)
        for (size_t b = 0; b < m->nb; b++)
            if (m->bad[b] != SIZE_MAX)
                return gwi_fail(GW_EILLCOND, "observation %zu has leverage 1; HC2/HC3 undefined",
                                m->bad[b]);
    double *P = gw_alloc_array(kk + k + 1, sizeof(double));
    if (P == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu x %zu meat", k, k);
    memset(M, 0, kk * sizeof *M);
    for (size_t q = 0; q < m->nterms; q++) {
        const meat_term *t = &m->t[q];
        memset(P, 0, kk * sizeof *P);
        if (t->strat == MEAT_ROWS) {
            for (size_t b = 0; b < m->nb; b++)
                for (size_t j = 0; j < kk; j++)
                    P[j] += t->Mb[b * kk + j];
        } else if (t->strat == MEAT_RUNS) {
            runs_finish(m, t, P, P + kk);
        } else if ((rc = hash_finish(m, t, P)) != GW_OK) {
            break;
        }
        for (size_t j = 0; j < kk; j++)
            M[j] += t->coef * P[j];
    }
    fill_upper(k, M);
    gw_free(P);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */

/* The meat of (kind, d) from stored residuals, by the same block functions as the fused
 * pass (so gwi_vcov and gw_ols_fit agree to the bit). */
static gw_status meat_from_resid(const gw_design *d, const double *resid, gw_vcov_kind kind,
                                 const gwi_vcov_info *info, const size_t *keep, size_t k,
                                 const double *B, double *M)
{
    gwi_meat *m = NULL;
    gw_status rc = gwi_meat_new(d, kind, info, &m);
    if (rc != GW_OK)
        return rc;
    (void)gwi_meat_begin(m, keep, k, B);
    const size_t n = d->n;
    const long nbl = (long)m->nb;
    if (gwi_meat_needs_merge(m)) {
#pragma omp parallel for ordered schedule(static, 1)
        for (long b = 0; b < nbl; b++) {
            size_t first, count;
            int tid = omp_get_thread_num();
            gw_block_range(n, (size_t)b, &first, &count);
            gwi_meat_block(m, (size_t)b, first, count, resid + first, tid);
#pragma omp ordered
            gwi_meat_merge(m, (size_t)b, tid);
        }
    } else {
#pragma omp parallel for schedule(dynamic, 4)
        for (long b = 0; b < nbl; b++) {
            size_t first, count;
            gw_block_range(n, (size_t)b, &first, &count);
            gwi_meat_block(m, (size_t)b, first, count, resid + first, omp_get_thread_num());
        }
    }
    rc = gwi_meat_finish(m, M);
    gwi_meat_free(m);
    return rc;
}

gw_status gwi_vcov_from_meat(const gw_design *d, const gwi_ls_view *ls, gw_vcov_kind kind,
                             const size_t *keep, size_t k, const double *Min, double *V,
                             gwi_vcov_info *info)
{
    const size_t n = d->n, kk = k * k;
    gw_status rc = GW_OK;
    double *B = NULL, *M = NULL, *T = NULL;
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
    T = gw_alloc_array(kk, sizeof *T);
    if (B == NULL || M == NULL || T == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu x %zu variance workspace", k, k);
        goto done;
    }
    for (size_t j = 0; j < k; j++)
        for (size_t i = 0; i < k; i++)
            B[i + j * k] = ls->bread[keep[i] + keep[j] * ls->p];
    const double dfr = (double)n - (double)k;
    if (kind == GW_VCOV_IID) {
        double s2 = ls->rss / dfr;
        for (size_t j = 0; j < kk; j++)
            V[j] = s2 * B[j];
        for (size_t j = 0; j < k; j++) /* the bread may carry rounding asymmetry */
            for (size_t i = j + 1; i < k; i++)
                V[j + i * k] = V[i + j * k];
        goto done;
    }
    if (kind < GW_VCOV_HC0 || kind > GW_VCOV_CLUSTER) {
        rc = gwi_fail(GW_EINVAL, "unknown variance estimator %d", (int)kind);
        goto done;
    }
    if (Min != NULL)
        memcpy(M, Min, kk * sizeof *M);
    else if ((rc = meat_from_resid(d, ls->resid, kind, info, keep, k, B, M)) != GW_OK)
        goto done;
    /* The term factors G/(G-1) are in M; B M B is linear in M, so one sandwich suffices. */
    double c = kind == GW_VCOV_HC1       ? (double)n / dfr
               : kind == GW_VCOV_CLUSTER ? ((double)n - 1.0) / dfr
                                         : 1.0;
    sandwich(k, B, M, c, T, V);
done:
    gw_free(T);
    gw_free(M);
    gw_free(B);
    return rc;
}

gw_status gwi_vcov(const gw_design *d, const gwi_ls_view *ls, gw_vcov_kind kind, const size_t *keep,
                   size_t k, double *V, gwi_vcov_info *info)
{
    return gwi_vcov_from_meat(d, ls, kind, keep, k, NULL, V, info);
}
