/* stream.c -- out-of-core least squares with absorbed fixed effects (gw_stream.h).
 *
 * The engine never holds the rows: every quantity is a reduction over the source's blocks,
 * read once per pass. Design choices (numbers measured in docs/scale.md):
 *  - The solve is TSQR, as the in-core fit's TSQR path: R of [sqrt(W)X~, sqrt(W)y~] by
 *    Householder QR of each block, combined in block order (stream_fold.c), then gw_ls_fit's
 *    pivoted QR on the (p+1) x p combined factor with the in-core rank tolerance
 *    max(N, p) eps. Same rank rule, aliasing order (R's limited pivoting) and bread as the
 *    in-core fit; no double-double refinement (it needs the rows again; the in-core fit refines
 *    only when rcond(R11)^2 < eps^(1/3), where the two differ by ~kappa eps).
 *  - The residual pass fuses everything that needs the solution: RSS (block sums added in
 *    double-double), the fit sums of ols.c (per-block weighted means and co-moments merged by
 *    Chan, Golub and LeVeque), the HC meat with the leverage from the bread, cluster scores.
 *  - Fixed effects are held as coefficients alpha_g (L_g x (p+1)); the demeaned columns are
 *    recomputed as x - sum_g alpha_g[code_g] whenever a pass needs them. One set: exact group
 *    means plus one correcting pass (the corrected two-pass mean of hdfe.c). Several sets:
 *    alternating projections (Gauss-Seidel over the sets), one pass per set and sweep, with
 *    hdfe.c's relative criterion and absorbed-column rule evaluated per column.
 * The result is then assembled with the in-core fit's own pieces (gwi_vcov_from_meat for the
 * sandwich and its factors, gwi_fill_inference, gwi_wald_f, gwi_vcov_name) and the same
 * formulas as ols.c (ols_result) and hdfe_ols.c (the degrees-of-freedom profiles). */
#include <float.h>
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_cdf.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_dd.h"
#include "gw_hdfe.h"
#include "gw_linalg.h"
#include "gw_par.h"
#include "gw_stream.h"
#include "hdfe_int.h"
#include "models_int.h"
#include "stream_int.h"

/* log(2 pi), to 36 digits (as ols.c). */
#define LOG_2PI 1.83787706640934548356065947281123527
#define BR GW_BLOCK_ROWS

typedef struct {
    const gw_stream_source *src;
    const gw_ols_opts *o;
    const gw_stream_reducer *red; /* NULL: single process */
    int rank, nranks;
    size_t b0, b1, nball; /* this process's blocks; all blocks */
    size_t p, r, S, C;    /* regressors, p + 1, fixed-effect sets, cluster variables */
    gw_vcov_kind kind, kind_eff;
    gw_stream_block blk;
    double *dmem;
    int32_t *imem;
    gw_stream_stats *st;
    double t0, c0;
    /* Counts. */
    size_t ntot, nobs, ndropped, singletons;
    /* Singleton bitmap over this process's design rows (NULL: none dropped). */
    unsigned char *drop;
    size_t lrow, nlocal;
    /* Fixed effects (compacted levels). */
    int32_t **map; /* S: global code -> compacted level, -1 when absent */
    size_t *L, *off, Ltot;
    double *Wl;    /* Ltot level weights */
    double *alpha; /* Ltot x r */
    double *norm0; /* r: ||x||_W of the raw columns */
    int *absorbed; /* r */
    size_t D, *dset;
    int fe_ready;
    int warm; /* start the alternating projections from alpha as loaded (fe_alpha) */
    size_t iterations;
    int converged;
    double tss_full;
} eng;

/* ------------------------------------------------------------------------------------------ */
/* Passes and blocks.                                                                         */

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void pass_start(eng *e)
{
    e->t0 = omp_get_wtime();
    e->c0 = cpu_now();
}

static void pass_end(eng *e, const char *name)
{
    gw_stream_stats *st = e->st;
    if (st == NULL)
        return;
    double dt = omp_get_wtime() - e->t0, dc = cpu_now() - e->c0;
    size_t i = st->npasses < GW_STREAM_MAX_PASSES ? st->npasses : GW_STREAM_MAX_PASSES - 1;
    if (st->npasses < GW_STREAM_MAX_PASSES) {
        st->pass_name[i] = name;
        st->pass_seconds[i] = dt;
        st->pass_cpu[i] = dc;
    } else {
        st->pass_seconds[i] += dt;
        st->pass_cpu[i] += dc;
    }
    st->npasses++;
}

/* Codes of block b in 0..levels-1 ("block b: <what><name> code c outside 0..levels-1"). */
static gw_status check_codes(size_t b, const char *what, const char *name, const int32_t *codes,
                             size_t n, size_t levels)
{
    for (size_t i = 0; i < n; i++)
        if (codes[i] < 0 || (size_t)codes[i] >= levels)
            return gwi_fail(GW_EINVAL, "block %zu: %s%s code %ld outside 0..%zu", b, what, name,
                            (long)codes[i], levels - 1);
    return GW_OK;
}

/* Read block b, check it, drop singleton rows, map fixed-effect codes to compacted levels.
 * On return e->blk.n is the number of working rows. */
static gw_status get_block(eng *e, size_t b, unsigned need)
{
    const gw_stream_source *src = e->src;
    gw_stream_block *k = &e->blk;
    size_t first = b * BR, rows = (src->nrows - first < BR) ? src->nrows - first : BR;
    k->n = 0;
    k->ndropped = 0;
    double t = e->st ? omp_get_wtime() : 0.0;
    gw_status rc = src->read(src->ctx, b, need, k);
    if (e->st) {
        e->st->read_seconds += omp_get_wtime() - t;
        e->st->rows_read += k->n;
    }
    if (rc != GW_OK)
        return gwi_fail_keep(rc);
    const size_t n = k->n;
    if (n + k->ndropped > rows)
        return gwi_fail(GW_EINVAL, "block %zu: %zu rows and %zu dropped exceed its %zu rows", b, n,
                        k->ndropped, rows);
    if (need & GW_STREAM_NEED_Y)
        for (size_t i = 0; i < n; i++)
            if (!isfinite(k->y[i]))
                return gwi_fail(GW_ENONFINITE, "block %zu: y is not finite at row %zu", b, i);
    if (need & GW_STREAM_NEED_X)
        for (size_t j = 0; j < e->p; j++)
            for (size_t i = 0; i < n; i++)
                if (!isfinite(k->X[j * BR + i]))
                    return gwi_fail(GW_ENONFINITE, "block %zu: X[%zu, %zu] is not finite", b, i, j);
    if (k->w != NULL && (need & GW_STREAM_NEED_W))
        for (size_t i = 0; i < n; i++)
            if (!(k->w[i] > 0.0) || !isfinite(k->w[i]))
                return gwi_fail(GW_EINVAL, "block %zu: weight %g at row %zu is not positive", b,
                                k->w[i], i);
    if (need & GW_STREAM_NEED_FE)
        for (size_t g = 0; g < e->S && rc == GW_OK; g++)
            rc = check_codes(b, "", src->fe_names[g], k->fe + g * BR, n, src->fe_levels[g]);
    if (need & GW_STREAM_NEED_CLUSTER)
        for (size_t v = 0; v < e->C && rc == GW_OK; v++)
            rc = check_codes(b, "cluster ", src->cluster_names[v], k->cluster + v * BR, n,
                             src->cluster_levels[v]);
    if (rc != GW_OK)
        return rc;
    /* Singleton rows: compact every column in place (stable). */
    if (e->drop != NULL) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            size_t lr = e->lrow + i;
            if (e->drop[lr >> 3] & (1u << (lr & 7)))
                continue;
            if (m != i) {
                k->y[m] = k->y[i];
                for (size_t j = 0; j < e->p; j++)
                    k->X[j * BR + m] = k->X[j * BR + i];
                if (k->w)
                    k->w[m] = k->w[i];
                for (size_t g = 0; g < e->S; g++)
                    k->fe[g * BR + m] = k->fe[g * BR + i];
                for (size_t v = 0; v < e->C; v++)
                    k->cluster[v * BR + m] = k->cluster[v * BR + i];
            }
            m++;
        }
        k->n = m;
    }
    e->lrow += n;
    if (e->fe_ready && (need & GW_STREAM_NEED_FE))
        for (size_t g = 0; g < e->S; g++)
            for (size_t i = 0; i < k->n; i++)
                k->fe[g * BR + i] = e->map[g][k->fe[g * BR + i]];
    return GW_OK;
}

/* Z (BR x r, columns X~ then y~) of the working rows of the current block: the demeaned
 * columns with fixed effects (absorbed columns zero), the raw ones without. */
static void make_z(const eng *e, double *Z)
{
    const gw_stream_block *k = &e->blk;
    const size_t n = k->n, p = e->p, r = e->r;
    for (size_t j = 0; j < r; j++) {
        const double *x = j < p ? k->X + j * BR : k->y;
        double *z = Z + j * BR;
        if (e->absorbed != NULL && e->absorbed[j]) {
            memset(z, 0, n * sizeof *z);
            continue;
        }
        memcpy(z, x, n * sizeof *z);
        for (size_t g = 0; g < e->S; g++) {
            const int32_t *c = k->fe + g * BR;
            const double *a = e->alpha + e->off[g] * r + j;
            for (size_t i = 0; i < n; i++)
                z[i] -= a[(size_t)c[i] * r];
        }
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Folds.                                                                                     */

static void fold_add(double *acc, const double *part, size_t m, void *ctx)
{
    (void)ctx;
    for (size_t i = 0; i < m; i++)
        acc[i] += part[i];
}

static void fold_qr(double *acc, const double *part, size_t m, void *ctx)
{
    eng *e = ctx;
    (void)m;
    gwi_r_combine(acc, part, e->r, e->dmem); /* dmem: the block workspace, free between blocks */
}

/* Double-double sums: part = (hi, lo) pairs. */
static void fold_dd(double *acc, const double *part, size_t m, void *ctx)
{
    (void)ctx;
    for (size_t i = 0; i + 1 < m; i += 2) {
        gw_dd s = gw_dd_add((gw_dd){acc[i], acc[i + 1]}, (gw_dd){part[i], part[i + 1]});
        acc[i] = s.hi;
        acc[i + 1] = s.lo;
    }
}

/* Fit sums (gwi_fit_part's layout); ctx: &centre. */
static void fold_fit(double *a, const double *b, size_t m, void *ctx)
{
    (void)m;
    gwi_fit_part_merge(a, b, *(const int *)ctx);
}

/* Pairwise sum of x[0..n). */
static double psum(const double *x, size_t n)
{
    if (n <= 16) {
        double s = 0.0;
        for (size_t i = 0; i < n; i++)
            s += x[i];
        return s;
    }
    size_t h = n / 2;
    return psum(x, h) + psum(x + h, n - h);
}

/* ------------------------------------------------------------------------------------------ */
/* Union-find (degrees of freedom of two or more fixed-effect sets).                         */

static size_t uf_find(size_t *par, size_t x)
{
    while (par[x] != x) {
        par[x] = par[par[x]];
        x = par[x];
    }
    return x;
}

static void uf_union(size_t *par, size_t a, size_t b)
{
    a = uf_find(par, a);
    b = uf_find(par, b);
    if (a != b) {
        if (a < b)
            par[b] = a;
        else
            par[a] = b;
    }
}

/* Merge the partitions of all processes: each process's root of every node is gathered (by
 * sums into per-rank slots) and unioned on every process alike. */
static gw_status uf_merge(eng *e, size_t *par, size_t nodes)
{
    if (e->red == NULL || e->nranks <= 1)
        return GW_OK;
    const size_t P = (size_t)e->nranks;
    double *buf = gw_calloc(P * nodes + 1, sizeof *buf);
    if (buf == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu x %zu component labels", P, nodes);
    for (size_t x = 0; x < nodes; x++)
        buf[(size_t)e->rank * nodes + x] = (double)uf_find(par, x);
    gw_status rc = gwi_stream_reduce(e->red, buf, P * nodes, GW_OK);
    if (rc == GW_OK) {
        for (size_t x = 0; x < nodes; x++)
            par[x] = x;
        for (size_t q = 0; q < P; q++)
            for (size_t x = 0; x < nodes; x++)
                uf_union(par, x, (size_t)buf[q * nodes + x]);
    }
    gw_free(buf);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Fixed effects: counts and singletons, statistics, demeaning.                              */

/* Level counts over the working rows (singleton rows already dropped by get_block). */
static gw_status fe_counts(eng *e, double *cnt, size_t ncnt, const size_t *goff, int first)
{
    gw_status rc = GW_OK;
    memset(cnt, 0, (ncnt + 3) * sizeof *cnt);
    e->lrow = 0;
    pass_start(e);
    for (size_t b = e->b0; b < e->b1 && rc == GW_OK; b++) {
        if ((rc = get_block(e, b, GW_STREAM_NEED_FE)) != GW_OK)
            break;
        const gw_stream_block *k = &e->blk;
        for (size_t g = 0; g < e->S; g++)
            for (size_t i = 0; i < k->n; i++)
                cnt[goff[g] + (size_t)k->fe[g * BR + i]] += 1.0;
        cnt[ncnt] += (double)k->n;
        cnt[ncnt + 1] += (double)k->ndropped;
    }
    if (first)
        e->nlocal = e->lrow;
    rc = gwi_stream_reduce(e->red, cnt, ncnt + 2, rc);
    pass_end(e, "fe-counts");
    return rc;
}

/* One round of singleton dropping: rows with a level of count 1 (counts as at the start of
 * the round) are marked in the bitmap and their levels' counts decremented after the pass.
 * Rounds repeat until no level has count 1: the result is the unique largest subset in which
 * every level has at least two rows, whatever the order (gw_hdfe.h). */
static gw_status fe_singleton_round(eng *e, double *cnt, double *delta, size_t ncnt,
                                    const size_t *goff, size_t *dropped)
{
    gw_status rc = GW_OK;
    memset(delta, 0, (ncnt + 1) * sizeof *delta);
    unsigned char *bits = e->drop;
    e->drop = NULL; /* read raw rows: this pass indexes the bitmap itself */
    e->lrow = 0;
    size_t nd = 0;
    pass_start(e);
    for (size_t b = e->b0; b < e->b1 && rc == GW_OK; b++) {
        size_t base = e->lrow;
        if ((rc = get_block(e, b, GW_STREAM_NEED_FE)) != GW_OK)
            break;
        const gw_stream_block *k = &e->blk;
        for (size_t i = 0; i < k->n; i++) {
            size_t lr = base + i;
            if (bits[lr >> 3] & (1u << (lr & 7)))
                continue;
            int single = 0;
            for (size_t g = 0; g < e->S && !single; g++)
                single = cnt[goff[g] + (size_t)k->fe[g * BR + i]] == 1.0;
            if (!single)
                continue;
            bits[lr >> 3] = (unsigned char)(bits[lr >> 3] | (1u << (lr & 7)));
            nd++;
            for (size_t g = 0; g < e->S; g++)
                delta[goff[g] + (size_t)k->fe[g * BR + i]] -= 1.0;
        }
    }
    e->drop = bits;
    delta[ncnt] = (double)nd;
    rc = gwi_stream_reduce(e->red, delta, ncnt + 1, rc);
    pass_end(e, "singletons");
    if (rc != GW_OK)
        return rc;
    for (size_t i = 0; i < ncnt; i++)
        cnt[i] += delta[i];
    *dropped += (size_t)delta[ncnt];
    return GW_OK;
}

static int any_count_one(const double *cnt, size_t ncnt)
{
    for (size_t i = 0; i < ncnt; i++)
        if (cnt[i] == 1.0)
            return 1;
    return 0;
}

/* Counts, singletons, compacted levels. */
static gw_status fe_levels(eng *e)
{
    gw_status rc = GW_OK;
    const size_t S = e->S;
    size_t *goff = gw_calloc(S + 1, sizeof *goff);
    double *cnt = NULL, *delta = NULL;
    if (goff == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate level offsets");
    for (size_t g = 0; g < S; g++)
        goff[g + 1] = goff[g] + e->src->fe_levels[g];
    const size_t ncnt = goff[S];
    cnt = gw_alloc_array(ncnt + 3, sizeof *cnt);
    delta = gw_alloc_array(ncnt + 3, sizeof *delta);
    if (cnt == NULL || delta == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu level counts", ncnt);
        goto done;
    }
    if ((rc = fe_counts(e, cnt, ncnt, goff, 1)) != GW_OK)
        goto done;
    e->ntot = (size_t)cnt[ncnt];
    e->ndropped = (size_t)cnt[ncnt + 1];
    if (e->ntot == 0) {
        rc = gwi_fail(GW_ENODATA, "no observations");
        goto done;
    }
    if (!(e->o->flags & GW_OLS_KEEP_SINGLETONS) && any_count_one(cnt, ncnt)) {
        if ((e->drop = gw_calloc(e->nlocal / 8 + 1, 1)) == NULL) {
            rc = gwi_fail(GW_ENOMEM, "cannot allocate the singleton bitmap (%zu rows)", e->nlocal);
            goto done;
        }
        while (any_count_one(cnt, ncnt))
            if ((rc = fe_singleton_round(e, cnt, delta, ncnt, goff, &e->singletons)) != GW_OK)
                goto done;
    }
    e->nobs = e->ntot - e->singletons;
    if (e->nobs == 0) {
        rc = gwi_fail(GW_ENODATA, "every observation is a singleton of some fixed effect");
        goto done;
    }
    e->Ltot = 0;
    for (size_t g = 0; g < S; g++) {
        size_t nl = e->src->fe_levels[g], m = 0;
        if ((e->map[g] = gw_alloc_array(nl ? nl : 1, sizeof(int32_t))) == NULL) {
            rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu level codes", nl);
            goto done;
        }
        for (size_t l = 0; l < nl; l++)
            e->map[g][l] = cnt[goff[g] + l] > 0.0 ? (int32_t)m++ : -1;
        e->L[g] = m;
        e->off[g] = e->Ltot;
        e->Ltot += m;
    }
    e->off[S] = e->Ltot;
    e->fe_ready = 1;
done:
    gw_free(delta);
    gw_free(cnt);
    gw_free(goff);
    return rc;
}

/* Nesting state of a level in a cluster variable: -1 no row yet, -2 rows in several clusters,
 * else the one cluster code. */
static double nest_merge(double a, double b)
{
    if (a == -1.0)
        return b;
    if (b == -1.0 || a == b)
        return a;
    return -2.0;
}

/* The statistics pass: level weights, group sums (the first set's become its means), raw
 * column norms, the full model's TSS, union-find of every pair of sets, nesting. Then D. */
static gw_status fe_stats(eng *e, double *nest, size_t *nestoff)
{
    gw_status rc = GW_OK;
    const size_t S = e->S, r = e->r, Lt = e->Ltot;
    const int want_nest = e->kind == GW_VCOV_CLUSTER;
    const size_t nsum = Lt + Lt * r + r;
    double *buf = gw_calloc(nsum + 1, sizeof *buf), part[GWI_FIT_PART], tss6[GWI_FIT_PART];
    size_t **par = gw_calloc(S * S, sizeof *par);
    gwi_ofold tf;
    int centre = 1, have = 0;
    memset(&tf, 0, sizeof tf);
    if (buf == NULL || par == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu level sums", nsum);
        goto done;
    }
    for (size_t g = 1; g < S; g++)
        for (size_t h = 0; h < g; h++) {
            size_t nodes = e->L[h] + e->L[g];
            if ((par[h * S + g] = gw_alloc_array(nodes ? nodes : 1, sizeof(size_t))) == NULL) {
                rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu union-find nodes", nodes);
                goto done;
            }
            for (size_t x = 0; x < nodes; x++)
                par[h * S + g][x] = x;
        }
    if ((rc = gwi_ofold_init(&tf, GWI_FIT_PART, e->nball, e->b0, e->rank, e->nranks, fold_fit,
                             &centre)) != GW_OK)
        goto done;
    double *Wl = buf, *gs = buf + Lt, *n0 = buf + Lt + Lt * r;
    unsigned need = GW_STREAM_NEED_ALL & ~(want_nest ? 0u : GW_STREAM_NEED_CLUSTER);
    e->lrow = 0;
    pass_start(e);
    for (size_t b = e->b0; b < e->b1 && rc == GW_OK; b++) {
        if ((rc = get_block(e, b, need)) != GW_OK)
            break;
        const gw_stream_block *k = &e->blk;
        const size_t n = k->n;
        if (n == 0)
            continue;
        for (size_t i = 0; i < n; i++) {
            const double wi = k->w ? k->w[i] : 1.0;
            for (size_t g = 0; g < S; g++) {
                size_t l = e->off[g] + (size_t)k->fe[g * BR + i];
                Wl[l] += wi;
                double *s = gs + l * r;
                for (size_t j = 0; j < e->p; j++)
                    s[j] += wi * k->X[j * BR + i];
                s[e->p] += wi * k->y[i];
            }
            for (size_t j = 0; j < e->p; j++)
                n0[j] += wi * k->X[j * BR + i] * k->X[j * BR + i];
            n0[e->p] += wi * k->y[i] * k->y[i];
            for (size_t g = 1; g < S; g++)
                for (size_t h = 0; h < g; h++)
                    uf_union(par[h * S + g], (size_t)k->fe[h * BR + i],
                             e->L[h] + (size_t)k->fe[g * BR + i]);
            if (want_nest)
                for (size_t g = 0; g < S; g++)
                    for (size_t v = 0; v < e->C; v++) {
                        double *s = nest + nestoff[g * e->C + v] + (size_t)k->fe[g * BR + i];
                        *s = nest_merge(*s, (double)k->cluster[v * BR + i]);
                    }
        }
        gwi_fit_part(k->y, k->y, k->w, n, 1, part);
        gwi_ofold_add(&tf, b, part);
    }
    rc = gwi_stream_reduce(e->red, buf, nsum, rc);
    rc = gwi_ofold_finish(&tf, e->red, rc, tss6, &have);
    pass_end(e, "fe-stats");
    if (rc != GW_OK)
        goto done;
    e->tss_full = have ? tss6[3] : 0.0;
    memcpy(e->Wl, Wl, Lt * sizeof *Wl);
    for (size_t j = 0; j < r; j++)
        e->norm0[j] = sqrt(n0[j]);
    /* The first set's coefficients: its weighted group means. */
    for (size_t l = 0; l < e->L[0]; l++)
        for (size_t j = 0; j < r; j++)
            e->alpha[l * r + j] = gs[l * r + j] / Wl[l];
    /* Degrees of freedom (gw_hdfe.h): d_1 = L_1, d_g = L_g - max_{h<g} C(h, g). */
    e->D = e->dset[0] = e->L[0];
    for (size_t g = 1; g < S; g++) {
        size_t cmax = 0;
        for (size_t h = 0; h < g; h++) {
            size_t nodes = e->L[h] + e->L[g], comps = 0;
            if ((rc = uf_merge(e, par[h * S + g], nodes)) != GW_OK)
                goto done;
            for (size_t x = 0; x < nodes; x++)
                comps += uf_find(par[h * S + g], x) == x;
            if (comps > cmax)
                cmax = comps;
        }
        e->dset[g] = e->L[g] - cmax;
        e->D += e->dset[g];
    }
    if (want_nest && e->red != NULL && e->nranks > 1) {
        /* Gather every process's nesting states and merge them in rank order. */
        const size_t P = (size_t)e->nranks, m = nestoff[S * e->C];
        double *all = gw_calloc(P * m + 1, sizeof *all);
        if (all == NULL) {
            rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu nesting states", P * m);
            goto done;
        }
        memcpy(all + (size_t)e->rank * m, nest, m * sizeof *all);
        for (size_t q = 0; q < P; q++)
            if ((int)q != e->rank)
                for (size_t x = 0; x < m; x++)
                    all[q * m + x] = 0.0;
        /* States are stored +2 so that the sum of zeros elsewhere leaves them intact. */
        for (size_t x = 0; x < m; x++)
            all[(size_t)e->rank * m + x] += 2.0;
        rc = gwi_stream_reduce(e->red, all, P * m, GW_OK);
        if (rc == GW_OK)
            for (size_t x = 0; x < m; x++) {
                double s = -1.0;
                for (size_t q = 0; q < P; q++)
                    s = nest_merge(s, all[q * m + x] - 2.0);
                nest[x] = s;
            }
        gw_free(all);
    }
done:
    gwi_ofold_free(&tf);
    if (par != NULL)
        for (size_t i = 0; i < S * S; i++)
            gw_free(par[i]);
    gw_free(par);
    gw_free(buf);
    return rc;
}

/* One demeaning pass for set g: sums_g[l][j] = sum w (x~_j) over level l of the current
 * demeaned columns (alpha as it stands), s2[j] = ||x~_j||_W^2. buf: L_g r + r (+1). */
static gw_status fe_pass(eng *e, size_t g, double *buf, const char *name)
{
    gw_status rc = GW_OK;
    const size_t r = e->r, Lg = e->L[g];
    double *sums = buf, *s2 = buf + Lg * r, *Z = e->dmem + 3 * BR * r;
    memset(buf, 0, (Lg * r + r + 1) * sizeof *buf);
    e->lrow = 0;
    pass_start(e);
    for (size_t b = e->b0; b < e->b1 && rc == GW_OK; b++) {
        if ((rc = get_block(e, b, GW_STREAM_NEED_ALL & ~GW_STREAM_NEED_CLUSTER)) != GW_OK)
            break;
        const gw_stream_block *k = &e->blk;
        const size_t n = k->n;
        int *ab = e->absorbed;
        e->absorbed = NULL; /* the pass sees every column */
        make_z(e, Z);
        e->absorbed = ab;
        const int32_t *c = k->fe + g * BR;
        for (size_t j = 0; j < r; j++) {
            const double *z = Z + j * BR;
            double acc = 0.0;
            for (size_t i = 0; i < n; i++) {
                double wz = k->w ? k->w[i] * z[i] : z[i];
                sums[(size_t)c[i] * r + j] += wz;
                acc += wz * z[i];
            }
            s2[j] += acc;
        }
    }
    rc = gwi_stream_reduce(e->red, buf, Lg * r + r, rc);
    pass_end(e, name);
    return rc;
}

/* The demeaning: alpha such that x~ = x - sum_g alpha_g[code_g] meets hdfe.c's criterion. */
static gw_status fe_demean(eng *e)
{
    gw_status rc = GW_OK;
    const size_t r = e->r, S = e->S;
    const double tol = e->o->fe_tol > 0.0 ? e->o->fe_tol : GW_HDFE_TOL;
    const size_t maxiter = e->o->fe_maxiter > 0 ? e->o->fe_maxiter : GW_HDFE_MAXITER;
    size_t Lmax = 0;
    for (size_t g = 0; g < S; g++)
        if (e->L[g] > Lmax)
            Lmax = e->L[g];
    double *buf = gw_alloc_array(Lmax * r + r + 1, sizeof *buf);
    double *crit = gw_alloc_array(r, sizeof *crit), *s2 = gw_alloc_array(r, sizeof *s2);
    int *done = gw_calloc(r, sizeof *done);
    if (buf == NULL || crit == NULL || s2 == NULL || done == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the demeaning workspace");
        goto done;
    }
    const double floor_rel = 16.0 * (double)S * DBL_EPSILON;
    if (S == 1) {
        /* Exact means (from the statistics pass) and one correcting pass. */
        if ((rc = fe_pass(e, 0, buf, "fe-correct")) != GW_OK)
            goto done;
        e->iterations = 1;
        for (size_t j = 0; j < r; j++) {
            double rz = 0.0, nrm = sqrt(buf[e->L[0] * r + j]);
            for (size_t l = 0; l < e->L[0]; l++) {
                double sl = buf[l * r + j];
                rz += sl * sl / e->Wl[l];
                e->alpha[l * r + j] += sl / e->Wl[l];
            }
            if (nrm <= GW_HDFE_COLLIN * e->norm0[j])
                e->absorbed[j] = 1;
            else if (sqrt(rz) > fmax(tol * nrm, floor_rel * e->norm0[j]))
                e->iterations = 2;
        }
        e->converged = 1;
        goto done;
    }
    /* Alternating projections. Cold: the first set's means are in place (sweep 1, set 0), so
     * sweep 1 is incomplete (its criterion misses set 0's update) and convergence is tested
     * from sweep 2. Warm: alpha is the caller's start and every sweep, the first included, is
     * a full sweep over sets 0..S-1, whose update size is the criterion: tested from sweep 1
     * (a start that is already converged costs one sweep). */
    size_t sweep = 1;
    const size_t min_sweep = e->warm ? 1 : 2;
    for (;;) {
        for (size_t j = 0; j < r; j++)
            crit[j] = 0.0;
        for (size_t g = (sweep == 1 && !e->warm ? 1 : 0); g < S; g++) {
            if ((rc = fe_pass(e, g, buf, "fe-sweep")) != GW_OK)
                goto done;
            const size_t o = e->off[g];
            for (size_t j = 0; j < r; j++) {
                s2[j] = buf[e->L[g] * r + j];
                if (done[j])
                    continue;
                for (size_t l = 0; l < e->L[g]; l++) {
                    double sl = buf[l * r + j];
                    crit[j] += sl * sl / e->Wl[o + l];
                    e->alpha[(o + l) * r + j] += sl / e->Wl[o + l];
                }
            }
        }
        if (e->st)
            e->st->sweeps = sweep;
        int all = 1;
        for (size_t j = 0; j < r; j++) {
            if (done[j])
                continue;
            double nrm = sqrt(s2[j]);
            if (nrm <= GW_HDFE_COLLIN * e->norm0[j]) {
                e->absorbed[j] = done[j] = 1;
            } else if (sweep >= min_sweep &&
                       sqrt(crit[j]) <= fmax(tol * nrm, floor_rel * e->norm0[j])) {
                done[j] = 1;
            } else {
                all = 0;
            }
        }
        e->iterations = sweep;
        if (all)
            break;
        if (sweep >= maxiter) {
            size_t j = 0;
            while (done[j])
                j++;
            rc = gwi_fail(GW_ENOCONV, "column %zu: no convergence after %zu sweeps", j, sweep);
            goto done;
        }
        sweep++;
    }
    e->converged = 1;
done:
    gw_free(done);
    gw_free(s2);
    gw_free(crit);
    gw_free(buf);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* TSQR, solve, residual pass.                                                                */

/* The shift of the TSQR pass (OLS with an intercept): c_j = the mean of column j over block
 * 0's rows (0 for the intercept), the same on every process (block 0's owner computes it, the
 * others add zeros). QR of [1, X - 1c'] instead of [1, X] removes the condition the columns'
 * means add (kappa grows like (mean / sd)^2); the solution and bread are transformed back
 * exactly in shift_back. cbuf: p + 1 doubles. */
static gw_status tsqr_shift(eng *e, double *c)
{
    gw_status rc = GW_OK;
    memset(c, 0, (e->p + 1) * sizeof *c);
    if (!(e->src->has_intercept && e->S == 0 && e->p > 1))
        return GW_OK;
    if (e->b0 == 0 && e->b1 > 0) {
        e->lrow = 0;
        rc = get_block(e, 0, GW_STREAM_NEED_X);
        const size_t n = e->blk.n;
        for (size_t j = 1; rc == GW_OK && j < e->p && n > 0; j++)
            c[j] = psum(e->blk.X + j * BR, n) / (double)n;
    }
    return gwi_stream_reduce(e->red, c, e->p, rc);
}

/* b and B of [1, X] from those of the shifted problem [1, X - 1c']: X = X_s M with
 * M = [1 c'; 0 I], so b = M^-1 b_s (b_0 = b_s0 - c'b_s) and B = M^-1 B_s M^-T (row and
 * column 0 become v'B_s and B_s v, v = (1, -c)). Aliased columns (NaN) are skipped. */
static void shift_back(size_t p, const double *c, const int *al, double *b, double *B)
{
    double b0 = b[0];
    for (size_t j = 1; j < p; j++)
        if (!al[j])
            b0 -= c[j] * b[j];
    b[0] = b0;
    for (size_t k = 1; k < p; k++) { /* row 0 of M^-1 B_s (columns k >= 1) */
        if (al[k])
            continue;
        double t = B[0 + k * p];
        for (size_t j = 1; j < p; j++)
            if (!al[j])
                t -= c[j] * B[j + k * p];
        B[0 + k * p] = t;
    }
    double t00 = B[0];
    for (size_t j = 1; j < p; j++)
        if (!al[j])
            t00 -= c[j] * B[j];
    /* (M^-1 B_s)[0, 0] = t00 before the right factor; now the right factor M^-T: column 0 of
     * the result is T v, T = M^-1 B_s (row 0 updated above, and T[0][0] = t00). */
    for (size_t i = 1; i < p; i++) {
        if (al[i])
            continue;
        double t = B[i];
        for (size_t j = 1; j < p; j++)
            if (!al[j])
                t -= c[j] * B[i + j * p];
        B[i] = t;
    }
    double v00 = t00;
    for (size_t j = 1; j < p; j++)
        if (!al[j])
            v00 -= c[j] * B[0 + j * p];
    B[0] = v00;
    for (size_t k = 1; k < p; k++)
        if (!al[k])
            B[0 + k * p] = B[k]; /* exact symmetry */
}

static gw_status tsqr_pass(eng *e, double *R, int *have, const double *shift)
{
    gw_status rc = GW_OK;
    const size_t r = e->r;
    double *Z = e->dmem + 3 * BR * r, *A = e->dmem + BR * r, *Rb = e->dmem + 2 * BR * r;
    double cnt[3] = {0.0, 0.0, 0.0};
    gwi_ofold f;
    if ((rc = gwi_ofold_init(&f, r * r, e->nball, e->b0, e->rank, e->nranks, fold_qr, e)) != GW_OK)
        return rc;
    e->lrow = 0;
    pass_start(e);
    for (size_t b = e->b0; b < e->b1 && rc == GW_OK; b++) {
        if ((rc = get_block(e, b, GW_STREAM_NEED_ALL & ~GW_STREAM_NEED_CLUSTER)) != GW_OK)
            break;
        const gw_stream_block *k = &e->blk;
        const size_t n = k->n;
        cnt[0] += (double)n;
        cnt[1] += (double)k->ndropped;
        if (n == 0)
            continue;
        make_z(e, Z);
        for (size_t j = 0; j < r; j++) {
            const double cj = shift[j];
            for (size_t i = 0; i < n; i++)
                A[j * n + i] = k->w ? sqrt(k->w[i]) * (Z[j * BR + i] - cj) : Z[j * BR + i] - cj;
        }
        gwi_house_r(A, n, n, r, Rb);
        gwi_ofold_add(&f, b, Rb);
    }
    rc = gwi_stream_reduce(e->red, cnt, 2, rc);
    if (rc == GW_OK && e->S == 0) {
        e->nobs = (size_t)cnt[0];
        e->ndropped = (size_t)cnt[1];
    }
    rc = gwi_ofold_finish(&f, e->red, rc, R, have);
    pass_end(e, "tsqr");
    gwi_ofold_free(&f);
    return rc;
}

/* A growing open-addressing table of the two-way intersection cells: key -> index. */
typedef struct {
    uint64_t *keys;
    size_t *vals;
    size_t cap, count;
    double *S; /* count x k scores */
    size_t k, scap;
} cell_map;

static gw_status cell_index(cell_map *m, uint64_t key, size_t *out)
{
    if (2 * (m->count + 1) > m->cap) {
        size_t nc = m->cap ? 2 * m->cap : 1024;
        uint64_t *nk = gw_alloc_array(nc, sizeof *nk);
        size_t *nv = gw_alloc_array(nc, sizeof *nv);
        if (nk == NULL || nv == NULL) {
            gw_free(nk);
            gw_free(nv);
            return gwi_fail(GW_ENOMEM, "cannot grow the cluster intersection table (%zu)", nc);
        }
        memset(nk, 0xff, nc * sizeof *nk);
        for (size_t i = 0; i < m->cap; i++) {
            if (m->keys[i] == UINT64_MAX)
                continue;
            size_t h = (size_t)((m->keys[i] * 0x9E3779B97F4A7C15ull) >> 20) & (nc - 1);
            while (nk[h] != UINT64_MAX)
                h = (h + 1) & (nc - 1);
            nk[h] = m->keys[i];
            nv[h] = m->vals[i];
        }
        gw_free(m->keys);
        gw_free(m->vals);
        m->keys = nk;
        m->vals = nv;
        m->cap = nc;
    }
    size_t h = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & (m->cap - 1);
    while (m->keys[h] != UINT64_MAX && m->keys[h] != key)
        h = (h + 1) & (m->cap - 1);
    if (m->keys[h] == UINT64_MAX) {
        if (m->count == m->scap) {
            size_t ns = m->scap ? 2 * m->scap : 1024;
            double *S2 = gw_realloc(m->S, ns * m->k * sizeof(double) + sizeof(double));
            if (S2 == NULL)
                return gwi_fail(GW_ENOMEM, "cannot grow the intersection scores (%zu)", ns);
            m->S = S2;
            m->scap = ns;
        }
        memset(m->S + m->count * m->k, 0, m->k * sizeof(double));
        m->keys[h] = key;
        m->vals[h] = m->count++;
    }
    *out = m->vals[h];
    return GW_OK;
}

/* Two-way clustering across processes: every process sends its cells (key, k score sums),
 * all gather, and every process rebuilds the table from all cells in rank order (each
 * process's cells in its insertion order), adding the sums of a cell that several processes
 * hold in rank order: the same table, bit for bit, on every process. With ranks owning
 * increasing row ranges the cells end up in the order of their first row, as with one process,
 * so the intersection meat is added in the same order. The cell sums are plain sums (unlike the
 * cluster sums, dd_acc): a cell has fewer rows than either of its clusters, and double-double
 * cells cost twice the memory and more than doubled the pass (measured: 2M rows, 1.6M cells).
 * m: this process's cells on entry, the global ones on GW_OK. counts: nranks entries. */
static gw_status cells_merge(eng *e, cell_map *m, gw_status rc, size_t *counts)
{
    const size_t k = m->k, csz = sizeof(uint64_t) + k * sizeof(double);
    unsigned char *send = NULL, *all = NULL;
    if (rc == GW_OK) {
        if (m->count > (SIZE_MAX - GWI_GATHER_HDR) / csz ||
            (send = gw_malloc(GWI_GATHER_HDR + m->count * csz)) == NULL)
            rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu intersection cells to send", m->count);
    }
    size_t nbytes = 0;
    if (send != NULL) {
        /* Cells in index (insertion) order: walk the slots, place each at its index. */
        for (size_t h = 0; h < m->cap; h++) {
            if (m->keys[h] == UINT64_MAX)
                continue;
            unsigned char *c = send + GWI_GATHER_HDR + m->vals[h] * csz;
            memcpy(c, &m->keys[h], sizeof(uint64_t));
            memcpy(c + sizeof(uint64_t), m->S + m->vals[h] * k, k * sizeof(double));
        }
        nbytes = GWI_GATHER_HDR + m->count * csz;
    }
    /* The local table is no longer needed: free it before the gather (memory). */
    gw_free(m->keys);
    gw_free(m->vals);
    gw_free(m->S);
    m->keys = NULL;
    m->vals = NULL;
    m->S = NULL;
    m->cap = m->count = m->scap = 0;
    rc = gwi_stream_gather(e->red, send, nbytes, rc, &all, counts);
    gw_free(send);
    if (rc != GW_OK)
        return rc;
    size_t off = 0;
    double *sc = gw_alloc_array(k ? k : 1, sizeof *sc);
    if (sc == NULL)
        rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu scores", k);
    for (size_t q = 0; q < (size_t)e->nranks && rc == GW_OK; q++) {
        if (counts[q] % csz != 0) {
            rc = gwi_fail(GW_EINTERNAL, "process %zu sent %zu bytes of cells", q, counts[q]);
            break;
        }
        for (size_t i = 0; i < counts[q] / csz && rc == GW_OK; i++) {
            const unsigned char *c = all + off + i * csz;
            uint64_t key;
            size_t idx = 0;
            memcpy(&key, c, sizeof key);
            memcpy(sc, c + sizeof key, k * sizeof(double));
            if ((rc = cell_index(m, key, &idx)) != GW_OK)
                break;
            double *sg = m->S + idx * k;
            for (size_t a = 0; a < k; a++)
                sg[a] += sc[a];
        }
        off += counts[q];
    }
    gw_free(sc);
    gw_free(all);
    return rc;
}

/* Cluster score sums in double-double: s[0..k) the high parts, s[k..2k) the low parts; add
 * u Z[keep[a]][i] to sum a. The sums are then accurate to about eps relative whatever the
 * order of the rows and however the rows are split among processes, which keeps the two-way
 * meat M_1 + M_2 - M_12 (whose terms nearly cancel) the same for any P to ~7e-14 with
 * group-aligned ranges (measured; with plain sums 1.1e-12 on 1.2M rows). */
static void dd_acc(double *s, size_t k, double u, const double *Z, const size_t *keep, size_t i)
{
    for (size_t a = 0; a < k; a++) {
        gw_dd t = gw_dd_add_d((gw_dd){s[a], s[k + a]}, u * Z[keep[a] * BR + i]);
        s[a] = t.hi;
        s[k + a] = t.lo;
    }
}

/* G rows of 2k (high, low) -> G rows of k (hi + lo), in place. */
static void dd_compress(double *S, size_t G, size_t k)
{
    for (size_t g = 0; g < G; g++)
        for (size_t a = 0; a < k; a++)
            S[g * k + a] = S[g * 2 * k + a] + S[g * 2 * k + k + a];
}

/* What the residual pass computes. */
typedef struct {
    const size_t *keep;
    size_t k;
    const double *B; /* k x k bread of the kept columns */
    const double *b; /* p coefficients (NaN where aliased) */
} resid_in;

/* S'S of G score rows of k, added with factor c into M (k x k, kept symmetric). */
static gw_status add_ss(const double *S, size_t G, size_t k, double c, double *M)
{
    double *P = gw_calloc(k * k + 1, sizeof *P);
    if (P == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate a %zu x %zu meat", k, k);
    for (size_t g = 0; g < G; g++) {
        const double *s = S + g * k;
        for (size_t j = 0; j < k; j++)
            for (size_t i = j; i < k; i++)
                P[i + j * k] += s[i] * s[j];
    }
    for (size_t j = 0; j < k; j++)
        for (size_t i = j; i < k; i++) {
            M[i + j * k] += c * P[i + j * k];
            if (i != j)
                M[j + i * k] = M[i + j * k];
        }
    gw_free(P);
    return GW_OK;
}

/* The residual pass's accumulators, shared by its pieces: the ordered folds of the RSS, the fit
 * sums and the HC meat, and the cluster scores (one-way per variable, two-way per cell). */
typedef struct {
    size_t k, kk, C;
    int hc, lev, clus; /* HC0-HC3 meat; HC2/HC3 leverage; cluster scores */
    int cen;           /* the fit sums' context (kept by the fold): centre on the mean */
    gwi_ofold ff, fr, fm;
    cell_map cm;
    double *Mb;            /* kk: one block's meat, then the folded meat */
    double *Sc[2];         /* per cluster variable: levels x 2k double-double scores */
    double *seen;          /* nseen: 1 for each cluster level met */
    size_t nseen, soff[3]; /* offsets of the variables' levels in seen */
    size_t *gcounts;       /* two-way cells per process (several processes) */
    size_t bad;            /* the first working row with leverage 1 (SIZE_MAX: none) */
} rp_acc;

static void rp_free(rp_acc *A)
{
    gwi_ofold_free(&A->ff);
    gwi_ofold_free(&A->fr);
    gwi_ofold_free(&A->fm);
    gw_free(A->cm.keys);
    gw_free(A->cm.vals);
    gw_free(A->cm.S);
    gw_free(A->gcounts);
    gw_free(A->seen);
    gw_free(A->Sc[0]);
    gw_free(A->Sc[1]);
    gw_free(A->Mb);
}

static gw_status rp_nomem(const rp_acc *A)
{
    return gwi_fail(GW_ENOMEM, "cannot allocate the residual-pass workspace (k = %zu)", A->k);
}

/* The folds (in block order across processes) and the score accumulators the variance needs. */
static gw_status rp_init(eng *e, rp_acc *A)
{
    const size_t k = A->k, C = A->C;
    gw_status rc;
    A->cen = e->src->has_intercept != 0;
    if ((rc = gwi_ofold_init(&A->ff, GWI_FIT_PART, e->nball, e->b0, e->rank, e->nranks, fold_fit,
                             &A->cen)) != GW_OK ||
        (rc = gwi_ofold_init(&A->fr, 2, e->nball, e->b0, e->rank, e->nranks, fold_dd, NULL)) !=
            GW_OK)
        return rc;
    if (A->hc && (rc = gwi_ofold_init(&A->fm, A->kk, e->nball, e->b0, e->rank, e->nranks, fold_add,
                                      NULL)) != GW_OK)
        return rc;
    if ((A->Mb = gw_calloc(A->kk + 1, sizeof *A->Mb)) == NULL)
        return rp_nomem(A);
    if (A->clus) {
        for (size_t v = 0; v < C; v++) {
            A->soff[v + 1] = A->soff[v] + e->src->cluster_levels[v];
            if ((A->Sc[v] = gw_calloc(e->src->cluster_levels[v] * 2 * k + 1, sizeof(double))) ==
                NULL)
                return rp_nomem(A);
        }
        A->nseen = A->soff[C];
        if ((A->seen = gw_calloc(A->nseen + 1, sizeof *A->seen)) == NULL)
            return rp_nomem(A);
        A->cm.k = k;
        if (C == 2 && e->red != NULL && e->nranks > 1 &&
            (A->gcounts = gw_alloc_array((size_t)e->nranks, sizeof *A->gcounts)) == NULL)
            return rp_nomem(A);
    }
    return GW_OK;
}

/* HC2/HC3: the scores u of one block (n rows, Z its demeaned columns) divided by
 * (1 - h_i)^(1 or 1/2) with the leverage h_i from the bread (plus w_i / W_g with one absorbed
 * set); a row of leverage 1 gets u = 0 and is remembered in A->bad (row0: working rows before
 * the block). */
static void rp_leverage(const eng *e, const resid_in *in, rp_acc *A, const double *Z,
                        const double *w, size_t n, size_t row0, double *u)
{
    const size_t k = A->k;
    const double tol = sqrt(DBL_EPSILON);
    for (size_t i = 0; i < n; i++) {
        double hw = 0.0;
        for (size_t a = 0; a < k; a++) {
            double t = 0.0;
            for (size_t c = 0; c < k; c++)
                t += in->B[a + c * k] * Z[in->keep[c] * BR + i];
            hw += t * Z[in->keep[a] * BR + i];
        }
        double wi = w ? w[i] : 1.0, h = wi * hw;
        if (e->S == 1)
            h += wi / e->Wl[(size_t)e->blk.fe[i]];
        double om = 1.0 - h;
        if (!(om > tol)) {
            if (A->bad == SIZE_MAX)
                A->bad = row0 + i;
            u[i] = 0.0;
            continue;
        }
        u[i] = e->kind == GW_VCOV_HC3 ? u[i] / om : u[i] / sqrt(om);
    }
}

/* One block's contribution to the meat: sum_i u_i^2 x_i x_i' (HC) folded in block order, or the
 * scores u_i x_i added to their clusters' (and two-way cells') sums. tmp: BR scratch. */
static gw_status rp_block_meat(const eng *e, const resid_in *in, rp_acc *A, size_t b,
                               const double *Z, const double *u, size_t n, double *tmp)
{
    const size_t k = A->k, C = A->C;
    const gw_stream_block *kb = &e->blk;
    gw_status rc = GW_OK;
    if (A->hc) {
        /* Mb = sum_i u_i^2 x_i x_i' over the kept columns */
        double *Mb = A->Mb;
        memset(Mb, 0, A->kk * sizeof *Mb);
        for (size_t a = 0; a < k; a++) {
            const double *xa = Z + in->keep[a] * BR;
            for (size_t i = 0; i < n; i++)
                tmp[i] = u[i] * u[i] * xa[i];
            for (size_t c = a; c < k; c++) {
                const double *xc = Z + in->keep[c] * BR;
                double s2 = 0.0;
                for (size_t i = 0; i < n; i++)
                    s2 += tmp[i] * xc[i];
                Mb[c + a * k] = s2;
            }
        }
        gwi_ofold_add(&A->fm, b, Mb);
    } else if (A->clus) {
        for (size_t v = 0; v < C; v++) {
            const int32_t *cc = kb->cluster + v * BR;
            for (size_t i = 0; i < n; i++) {
                double *sg = A->Sc[v] + (size_t)cc[i] * 2 * k;
                A->seen[A->soff[v] + (size_t)cc[i]] = 1.0;
                dd_acc(sg, k, u[i], Z, in->keep, i);
            }
        }
        if (C == 2) {
            const int32_t *c0 = kb->cluster, *c1 = kb->cluster + BR;
            const uint64_t nb1 = e->src->cluster_levels[1];
            for (size_t i = 0; i < n && rc == GW_OK; i++) {
                size_t idx = 0;
                if ((rc = cell_index(&A->cm, (uint64_t)c0[i] * nb1 + (uint64_t)c1[i], &idx)) !=
                    GW_OK)
                    break;
                double *sg = A->cm.S + idx * k;
                for (size_t a = 0; a < k; a++)
                    sg[a] += u[i] * Z[in->keep[a] * BR + i];
            }
        }
    }
    return rc;
}

/* One block: fitted values and residuals (aliased coefficients count as zero), its RSS and fit
 * sums, and unless the variance is iid its scores u_i = w_i e_i (scaled for HC2/HC3) and their
 * meat. */
static gw_status rp_block(eng *e, const resid_in *in, rp_acc *A, size_t b, size_t row0)
{
    const size_t p = e->p, r = e->r;
    const gw_stream_block *kb = &e->blk;
    const size_t n = kb->n;
    const double *w = kb->w;
    double *Z = e->dmem + 3 * BR * r, *ev = e->dmem, *fv = e->dmem + BR, *u = e->dmem + 2 * BR;
    double *tmp = e->dmem + 3 * BR;
    double part[GWI_FIT_PART], dd[2];
    make_z(e, Z);
    /* fitted and residuals (aliased coefficients count as zero) */
    memset(fv, 0, n * sizeof *fv);
    for (size_t j = 0; j < p; j++) {
        double bj = in->b[j];
        if (isnan(bj))
            continue;
        const double *z = Z + j * BR;
        for (size_t i = 0; i < n; i++)
            fv[i] += bj * z[i];
    }
    const double *y = Z + p * BR;
    for (size_t i = 0; i < n; i++) {
        ev[i] = y[i] - fv[i];
        tmp[i] = (w ? w[i] : 1.0) * ev[i] * ev[i];
    }
    gw_dd s = gw_dd_from(psum(tmp, n));
    dd[0] = s.hi;
    dd[1] = s.lo;
    gwi_ofold_add(&A->fr, b, dd);
    gwi_fit_part(y, fv, w, n, e->src->has_intercept != 0, part);
    gwi_ofold_add(&A->ff, b, part);
    if (e->kind == GW_VCOV_IID)
        return GW_OK;
    /* scores u_i = w_i e_i, scaled for HC2/HC3 by the leverage */
    for (size_t i = 0; i < n; i++)
        u[i] = (w ? w[i] : 1.0) * ev[i];
    if (A->lev)
        rp_leverage(e, in, A, Z, w, n, row0, u);
    return rp_block_meat(e, in, A, b, Z, u, n, tmp);
}

/* The cluster meat once the scores are summed over the processes: the cluster counts G (at
 * least 2 each), then M = sum over the variables of G/(G-1) S'S, minus the cells' term for
 * two-way clustering. */
static gw_status rp_cluster_meat(eng *e, rp_acc *A, gw_status rc, double *M, size_t *G)
{
    const size_t k = A->k, C = A->C;
    /* Scores and cluster counts are per-process sums; then M = sum of the terms. */
    for (size_t v = 0; v < C; v++)
        rc = gwi_stream_reduce(e->red, A->Sc[v], e->src->cluster_levels[v] * 2 * k, rc);
    rc = gwi_stream_reduce(e->red, A->seen, A->nseen, rc);
    if (C == 2 && e->red != NULL && e->nranks > 1)
        rc = cells_merge(e, &A->cm, rc, A->gcounts);
    if (rc != GW_OK)
        return rc;
    for (size_t v = 0; v < C; v++) {
        size_t cnt = 0;
        for (size_t l = 0; l < e->src->cluster_levels[v]; l++)
            cnt += A->seen[A->soff[v] + l] != 0.0;
        G[v] = cnt;
        if (cnt < 2)
            return gwi_fail(GW_EINVAL,
                            "cluster variable %s has %zu cluster%s; at least 2 are "
                            "needed",
                            e->src->cluster_names[v], cnt, cnt == 1 ? "" : "s");
        double gg = (double)cnt;
        dd_compress(A->Sc[v], e->src->cluster_levels[v], k);
        if ((rc = add_ss(A->Sc[v], e->src->cluster_levels[v], k, gg / (gg - 1.0), M)) != GW_OK)
            return rc;
    }
    if (C == 2) {
        double g12 = (double)A->cm.count;
        G[2] = A->cm.count;
        if ((rc = add_ss(A->cm.S, A->cm.count, k, -g12 / (g12 - 1.0), M)) != GW_OK)
            return rc;
    }
    return GW_OK;
}

/* The residual pass: RSS, fit sums, meat M (k x k) and the cluster counts G. */
static gw_status resid_pass(eng *e, const resid_in *in, double *rss, double *fs, double *M,
                            size_t *G)
{
    gw_status rc = GW_OK;
    const size_t k = in->k, kk = k * k;
    const gw_vcov_kind kind = e->kind_eff;
    rp_acc A;
    memset(&A, 0, sizeof A);
    A.k = k;
    A.kk = kk;
    A.C = e->C;
    A.hc = kind >= GW_VCOV_HC0 && kind <= GW_VCOV_HC3;
    A.lev = e->kind == GW_VCOV_HC2 || e->kind == GW_VCOV_HC3;
    A.clus = kind == GW_VCOV_CLUSTER;
    A.bad = SIZE_MAX;
    double dd[2];
    int have = 0;
    if ((rc = rp_init(e, &A)) != GW_OK)
        goto done;
    unsigned need = GW_STREAM_NEED_ALL & ~(A.clus ? 0u : GW_STREAM_NEED_CLUSTER);
    e->lrow = 0;
    size_t row0 = 0; /* working rows before this block (for leverage messages) */
    pass_start(e);
    for (size_t b = e->b0; b < e->b1 && rc == GW_OK; b++) {
        if ((rc = get_block(e, b, need)) != GW_OK)
            break;
        if (e->blk.n == 0)
            continue;
        rc = rp_block(e, in, &A, b, row0);
        row0 += e->blk.n;
    }
    {
        const size_t bad = A.bad;
        double flag[2] = {bad != SIZE_MAX ? 1.0 : 0.0, 0.0};
        rc = gwi_stream_reduce(e->red, flag, 1, rc);
        if (rc == GW_OK && flag[0] != 0.0)
            rc =
                bad != SIZE_MAX
                    ? gwi_fail(GW_EILLCOND, "observation %zu%s has leverage 1%s; HC2/HC3 undefined",
                               bad, e->S ? " (after dropping singletons)" : "",
                               e->S ? " in the model with fixed effects" : "")
                    : gwi_fail(GW_EILLCOND, "an observation has leverage 1; HC2/HC3 undefined");
    }
    rc = gwi_ofold_finish(&A.fr, e->red, rc, dd, &have);
    *rss = have ? dd[0] + dd[1] : 0.0;
    rc = gwi_ofold_finish(&A.ff, e->red, rc, fs, &have);
    if (!have)
        memset(fs, 0, GWI_FIT_PART * sizeof *fs);
    memset(M, 0, kk * sizeof *M);
    if (A.hc) {
        rc = gwi_ofold_finish(&A.fm, e->red, rc, A.Mb, &have);
        if (rc == GW_OK && have)
            for (size_t a = 0; a < k; a++)
                for (size_t c = a; c < k; c++)
                    M[c + a * k] = M[a + c * k] = A.Mb[c + a * k];
    }
    if (A.clus && (rc = rp_cluster_meat(e, &A, rc, M, G)) != GW_OK)
        goto done;
    pass_end(e, "residuals");
done:
    rp_free(&A);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* The result (ols.c's ols_result and hdfe_ols.c's profile, on the streamed sums).            */

static gw_status copy_names(char **dst, const gw_stream_source *src, const int *aliased, int want)
{
    size_t m = 0;
    for (size_t j = 0; j < src->p; j++)
        if ((aliased[j] != 0) == want)
            if ((dst[m++] = gw_strdup(src->terms[j])) == NULL)
                return gwi_fail(GW_ENOMEM, "cannot copy term names");
    return GW_OK;
}

static gw_status build_result(eng *e, const gwi_ls_view *ls, const size_t *keep, const double *M,
                              const double *fs, const size_t *G, const double *nest,
                              const size_t *nestoff, gw_result **out)
{
    const gw_stream_source *src = e->src;
    const gw_ols_opts *o = e->o;
    const size_t n = e->nobs, p = e->p, k = ls->rank;
    gw_status rc = GW_OK;
    gw_result *r = NULL;
    gw_design dd;
    gw_factor cl[2];
    char vname[512];
    size_t *idx = NULL;
    double *work = NULL;
    memset(&dd, 0, sizeof dd);
    memset(cl, 0, sizeof cl);
    dd.n = n;
    dd.p = p;
    for (size_t v = 0; v < e->C; v++) {
        cl[v].name = (char *)(uintptr_t)src->cluster_names[v]; /* read only */
        cl[v].nlevels = src->cluster_levels[v];
    }
    dd.cluster = e->C ? cl : NULL;
    dd.ncluster = e->C;
    gwi_vcov_info info;
    memset(&info, 0, sizeof info);
    if (e->kind == GW_VCOV_CLUSTER) {
        info.nvars = e->C;
        info.ngroups[0] = G[0];
        info.ngroups[1] = e->C > 1 ? G[1] : 0;
    }
    if ((rc = gw_result_new(k, &r)) != GW_OK)
        goto done;
    if ((rc = gwi_vcov_name(&dd, e->kind, vname, sizeof vname)) != GW_OK ||
        (rc = gw_result_set_str(&r->estimator, "ols")) != GW_OK ||
        (rc = gw_result_set_str(&r->vcov_type, vname)) != GW_OK ||
        (rc = gw_result_set_str(&r->response, src->response)) != GW_OK ||
        (rc = gw_result_set_str(&r->solver, "stream-tsqr")) != GW_OK)
        goto done;
    if ((rc = copy_names(r->terms, src, ls->aliased, 0)) != GW_OK)
        goto done;
    if (p > k) {
        if ((r->dropped_collinear = gw_calloc(p - k, sizeof(char *))) == NULL) {
            rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu names", p - k);
            goto done;
        }
        r->ndropped = p - k;
        if ((rc = copy_names(r->dropped_collinear, src, ls->aliased, 1)) != GW_OK)
            goto done;
    }
    if ((rc = gwi_ols_fill_inference(r, &dd, ls, e->kind_eff, keep,
                                     e->kind == GW_VCOV_IID ? NULL : M, n, e->ndropped,
                                     o->conf_level, &info)) != GW_OK)
        goto done;
    const double nn = (double)n, dfr = nn - (double)k, icpt = src->has_intercept ? 1.0 : 0.0;
    const double tss = fs[3], mss = fs[4];
    r->rss = ls->rss;
    r->tss = tss;
    r->r2 = mss / (mss + ls->rss);
    r->adj_r2 = dfr > 0.0 ? 1.0 - (1.0 - r->r2) * ((nn - icpt) / dfr) : (double)NAN;
    r->rmse = dfr > 0.0 ? sqrt(ls->rss / dfr) : (double)NAN;
    r->loglik = 0.5 * (fs[5] - nn * (LOG_2PI + 1.0 - log(nn) + log(ls->rss)));
    /* The F test of every slope (ols.c's f_test). */
    idx = gw_alloc_array(k ? k : 1, sizeof *idx);
    work = gw_alloc_array(2 * k * k + k + 1, sizeof *work);
    if (idx == NULL || work == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the F test workspace");
        goto done;
    }
    size_t q = 0;
    for (size_t j = 0; j < k; j++)
        if (!(src->has_intercept && keep[j] == 0))
            idx[q++] = j;
    r->f_df1 = (double)q;
    r->f_df2 = r->df_inference;
    double F = NAN;
    if (q > 0 && dfr > 0.0) {
        if (e->kind_eff == GW_VCOV_IID)
            F = (mss / (double)q) / (ls->rss / dfr);
        else if (!(e->kind_eff == GW_VCOV_CLUSTER && (double)q > r->df_inference))
            F = gwi_wald_f(r, idx, q, work);
    }
    r->f_stat = F;
    r->f_p_value = (isfinite(F) && F >= 0.0 && r->f_df2 > 0.0)
                       ? gsl_cdf_fdist_Q(F, (double)q, r->f_df2)
                       : (double)NAN;
    r->rank = k;
    r->rcond = ls->rcond;
    r->near_singular = ls->near_singular;
    r->iterations = 1;
    r->converged = 1;

    if (e->S > 0) {
        /* hdfe_ols.c: rescale to the profile's degrees of freedom. */
        const size_t S = e->S, D = e->D;
        gwi_fe_nesting nst = {0, 0, 0, 0, 1};
        for (size_t g = 0; g < S; g++) {
            int nested = 0;
            for (size_t c = 0; e->kind == GW_VCOV_CLUSTER && c < e->C && !nested; c++) {
                nested = 1;
                const double *s = nest + nestoff[g * e->C + c];
                for (size_t l = 0; l < e->L[g] && nested; l++)
                    nested = s[l] != -2.0;
            }
            nst.sumL += e->L[g];
            if (nested) {
                nst.any_nested = 1;
                nst.nested_excess += e->L[g] - 1;
            } else {
                nst.all_nested = 0;
                nst.Dn += e->dset[g];
            }
        }
        double Diid = 0.0, Dcl = 0.0;
        gwi_fe_ssc_df(o->ssc, S, D, &nst, &Diid, &Dcl);
        gwi_fe_rescale(r, e->kind, nn, Diid, Dcl, e->tss_full);
        r->singletons_dropped = e->singletons;
        r->iterations = e->iterations;
        r->converged = e->converged;
        if ((r->fixed_effects = gw_calloc(S, sizeof *r->fixed_effects)) == NULL) {
            rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu fixed-effect records", S);
            goto done;
        }
        r->nfe = S;
        for (size_t g = 0; g < S; g++) {
            r->fixed_effects[g].levels = e->L[g];
            if ((rc = gw_result_set_str(&r->fixed_effects[g].name, src->fe_names[g])) != GW_OK)
                goto done;
        }
    }
    *out = r;
    r = NULL;
done:
    gw_free(work);
    gw_free(idx);
    gw_result_free(r);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Fixed effects in and out (gw_stream_opts.fe_coef, fe_alpha): by global code, the exposed
 * column order [y, x_1..x_p] (internal: [x_1..x_p, y]). */

/* Column j of the internal order in the exposed one. */
static size_t ext_col(size_t j, size_t p) { return j == p ? 0 : j + 1; }

/* alpha <- the caller's start (codes with no kept row ignored; non-finite entries: 0). */
static void warm_load(eng *e, const double *fa)
{
    const size_t r = e->r, p = e->p;
    size_t base = 0;
    for (size_t g = 0; g < e->S; g++) {
        const size_t nl = e->src->fe_levels[g];
        for (size_t c = 0; c < nl; c++) {
            int32_t l = e->map[g][c];
            if (l < 0)
                continue;
            double *a = e->alpha + (e->off[g] + (size_t)l) * r;
            const double *in = fa + base + c * r;
            for (size_t j = 0; j < r; j++) {
                double v = in[ext_col(j, p)];
                a[j] = isfinite(v) ? v : 0.0;
            }
        }
        base += nl * r;
    }
    e->warm = 1;
}

/* fe_coef and fe_alpha out; b: the p coefficients (NaN where aliased, al). */
static void fe_out(const eng *e, const double *b, const int *al, const gw_stream_opts *so)
{
    const size_t r = e->r, p = e->p;
    size_t base = 0;
    for (size_t g = 0; g < e->S; g++) {
        const size_t nl = e->src->fe_levels[g];
        for (size_t c = 0; c < nl; c++) {
            int32_t l = e->map[g][c];
            const double *a = l >= 0 ? e->alpha + (e->off[g] + (size_t)l) * r : NULL;
            if (so->fe_coef != NULL && so->fe_coef[g] != NULL) {
                double d = NAN;
                if (a != NULL) {
                    d = a[p];
                    for (size_t j = 0; j < p; j++)
                        if (!al[j])
                            d -= a[j] * b[j];
                }
                so->fe_coef[g][c] = d;
            }
            if (so->fe_alpha != NULL) {
                double *o = so->fe_alpha + base + c * r;
                for (size_t j = 0; j < r; j++)
                    o[ext_col(j, p)] = a != NULL ? a[j] : (double)NAN;
            }
        }
        base += nl * r;
    }
}

/* ------------------------------------------------------------------------------------------ */

static gw_status check_args(const gw_stream_source *src, const gw_ols_opts *o,
                            const gw_stream_opts *so)
{
    if (src == NULL || src->read == NULL)
        return gwi_fail(GW_EINVAL, "no source");
    if (src->p == 0)
        return gwi_fail(GW_EINVAL, "the model has no regressors");
    if (src->terms == NULL || src->response == NULL)
        return gwi_fail(GW_EINVAL, "the source has no term names or response name");
    for (size_t j = 0; j < src->p; j++)
        if (src->terms[j] == NULL)
            return gwi_fail(GW_EINVAL, "column %zu of the design has no name", j);
    if (src->nfe > 0 && (src->fe_names == NULL || src->fe_levels == NULL))
        return gwi_fail(GW_EINVAL, "fixed effects without names or levels");
    for (size_t g = 0; g < src->nfe; g++)
        if (src->fe_names[g] == NULL || src->fe_levels[g] == 0 ||
            src->fe_levels[g] > (size_t)INT32_MAX)
            return gwi_fail(GW_EINVAL, "fixed effect %zu has no name or no levels", g);
    if (src->nfe > 0 && src->has_intercept)
        return gwi_fail(GW_EINVAL, "an intercept column with absorbed fixed effects");
    if ((int)o->vcov < 0 || o->vcov >= GW_VCOV_NKINDS)
        return gwi_fail(GW_EINVAL, "unknown variance estimator %d", (int)o->vcov);
    if (o->conf_level != 0.0 && !(o->conf_level > 0.0 && o->conf_level < 1.0))
        return gwi_fail(GW_EINVAL, "confidence level %g is not in (0, 1)", o->conf_level);
    if ((int)o->ssc < 0 || o->ssc >= GW_SSC_NPROFILES)
        return gwi_fail(GW_EINVAL, "unknown small-sample profile %d", (int)o->ssc);
    if (o->fe_tol != 0.0 && !(o->fe_tol > 0.0 && o->fe_tol < 1.0))
        return gwi_fail(GW_EINVAL, "demeaning tolerance %g is not in (0, 1)", o->fe_tol);
    if (o->flags & (GW_OLS_KEEP_RESIDUALS | GW_OLS_KEEP_FITTED))
        return gwi_fail(GW_EUNSUPPORTED,
                        "out-of-core fits do not keep residuals or fitted values (n values)");
    if (o->vcov == GW_VCOV_CLUSTER) {
        if (src->ncluster == 0 || src->cluster_names == NULL || src->cluster_levels == NULL)
            return gwi_fail(GW_EINVAL, "cluster variance requested but no cluster variable given");
        if (src->ncluster > 2)
            return gwi_fail(GW_EUNSUPPORTED, "%zu cluster variables; at most 2 are supported",
                            src->ncluster);
        for (size_t v = 0; v < src->ncluster; v++)
            if (src->cluster_names[v] == NULL || src->cluster_levels[v] == 0 ||
                src->cluster_levels[v] > (size_t)INT32_MAX)
                return gwi_fail(GW_EINVAL, "cluster variable %zu has no name or no levels", v);
        if (src->nfe > 0 && o->ssc == GW_SSC_FIXEST && src->ncluster == 2)
            return gwi_fail(GW_EUNSUPPORTED,
                            "two-way clustering with the fixest profile (min(G) adjustment) is "
                            "not implemented");
    }
    if ((o->vcov == GW_VCOV_HC2 || o->vcov == GW_VCOV_HC3) && src->nfe > 1)
        return gwi_fail(GW_EUNSUPPORTED,
                        "HC2/HC3 with %zu absorbed fixed effects: the full model's leverage is "
                        "only computed for one set (use hc1 or cluster)",
                        src->nfe);
    if (src->nfe > 0 && so->fe_warm && so->fe_alpha == NULL)
        return gwi_fail(GW_EINVAL, "a warm start (fe_warm) without fe_alpha");
    if (so->row_end != 0 || so->row_begin != 0) {
        if (so->row_begin > so->row_end || so->row_end > src->nrows ||
            so->row_begin % GW_BLOCK_ROWS != 0 ||
            (so->row_end % GW_BLOCK_ROWS != 0 && so->row_end != src->nrows))
            return gwi_fail(GW_EINVAL, "row range [%zu, %zu) is not block-aligned within %zu rows",
                            so->row_begin, so->row_end, src->nrows);
    }
    return GW_OK;
}

/* What gw_stream_fit allocates besides the engine, released in one place (sf_free). */
typedef struct {
    gw_ls *ls;       /* the small solve on R */
    gw_design *sd;   /* R as a (p+1) x p design */
    double *R;       /* r x r: the combined TSQR factor */
    double *shift;   /* r: the column shifts of the TSQR pass */
    double *coef;    /* p: coefficients, shifted back */
    double *bread;   /* p x p */
    double *nest;    /* nesting states of fixed effects in clusters */
    size_t *nestoff; /* S x C + 1 offsets into nest */
    size_t *keep;    /* the columns not aliased */
    double *B, *M;   /* bread of the kept columns; meat */
} sf_mem;

static void sf_free(eng *e, sf_mem *mm)
{
    if (e->map != NULL)
        for (size_t g = 0; g < e->S; g++)
            gw_free(e->map[g]);
    gw_free(e->map);
    gw_free(e->L);
    gw_free(e->off);
    gw_free(e->dset);
    gw_free(e->norm0);
    gw_free(e->absorbed);
    gw_free(e->Wl);
    gw_free(e->alpha);
    gw_free(e->drop);
    gw_free(e->dmem);
    gw_free(e->imem);
    gw_free(mm->nest);
    gw_free(mm->nestoff);
    gw_free(mm->keep);
    gw_free(mm->B);
    gw_free(mm->M);
    gw_free(mm->R);
    gw_free(mm->shift);
    gw_free(mm->coef);
    gw_free(mm->bread);
    gw_design_free(mm->sd);
    gw_ls_free(mm->ls);
}

/* The engine: this process's blocks (the whole table, or so's row range), the sizes, the
 * variance computed (HC0 for HC2/HC3 with fixed effects, which rescale its scores), and the
 * block buffers. */
static gw_status eng_setup(eng *e, const gw_stream_source *src, const gw_ols_opts *opts,
                           const gw_stream_opts *so)
{
    e->src = src;
    e->o = opts;
    e->red = (so->reducer != NULL && so->reducer->sum != NULL && so->reducer->nranks > 1)
                 ? so->reducer
                 : NULL;
    e->rank = e->red ? e->red->rank : 0;
    e->nranks = e->red ? e->red->nranks : 1;
    e->nball = gw_nblocks(src->nrows);
    size_t rb = so->row_begin, re = so->row_end;
    if (rb == 0 && re == 0)
        re = src->nrows;
    e->b0 = rb / GW_BLOCK_ROWS;
    e->b1 = gw_nblocks(re);
    e->p = src->p;
    e->r = src->p + 1;
    e->S = src->nfe;
    e->C = opts->vcov == GW_VCOV_CLUSTER ? src->ncluster : 0;
    e->kind = opts->vcov;
    e->kind_eff =
        (e->S > 0 && (e->kind == GW_VCOV_HC2 || e->kind == GW_VCOV_HC3)) ? GW_VCOV_HC0 : e->kind;
    if (e->C == 2 && e->red != NULL && e->red->gather == NULL)
        return gwi_fail(GW_EUNSUPPORTED,
                        "two-way clustering across processes needs the reducer's gather");
    e->st = so->stats;
    if (e->st != NULL)
        memset(e->st, 0, sizeof *e->st);
    const size_t p = e->p, r = e->r, S = e->S;
    /* Block buffers: y, X, w and four BR x r work matrices (ev/fv/u/tmp, A, Rb, Z). */
    e->dmem = gw_calloc(BR * (p + 2) + 4 * BR * r + 2 * r * r, sizeof(double));
    e->imem = gw_calloc(BR * (S + src->ncluster) + 1, sizeof(int32_t));
    if (e->dmem == NULL || e->imem == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate block buffers (p = %zu)", p);
    double *base = e->dmem + 4 * BR * r + 2 * r * r;
    e->blk.y = base;
    e->blk.X = base + BR;
    e->blk.w = src->weighted ? base + BR * (p + 1) : NULL;
    e->blk.fe = e->imem;
    e->blk.cluster = e->imem + BR * S;
    return GW_OK;
}

/* Fixed effects: the levels present and their statistics (with the nesting in the cluster
 * variables), the warm start if given, and the demeaning passes that find alpha. */
static gw_status eng_fixed_effects(eng *e, const gw_stream_opts *so, sf_mem *mm)
{
    const size_t r = e->r, S = e->S;
    gw_status rc;
    e->map = gw_calloc(S, sizeof *e->map);
    e->L = gw_calloc(S, sizeof *e->L);
    e->off = gw_calloc(S + 1, sizeof *e->off);
    e->dset = gw_calloc(S, sizeof *e->dset);
    e->norm0 = gw_calloc(r, sizeof *e->norm0);
    e->absorbed = gw_calloc(r, sizeof *e->absorbed);
    if (e->map == NULL || e->L == NULL || e->off == NULL || e->dset == NULL || e->norm0 == NULL ||
        e->absorbed == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate fixed-effect records");
    if ((rc = fe_levels(e)) != GW_OK)
        return rc;
    e->Wl = gw_calloc(e->Ltot + 1, sizeof *e->Wl);
    e->alpha = gw_calloc(e->Ltot * r + 1, sizeof *e->alpha);
    if ((mm->nestoff = gw_calloc(S * e->C + 1, sizeof *mm->nestoff)) == NULL || e->Wl == NULL ||
        e->alpha == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu x %zu fixed-effect coefficients", e->Ltot,
                        r);
    size_t *nestoff = mm->nestoff;
    for (size_t g = 0; g < S; g++)
        for (size_t v = 0; v < e->C; v++)
            nestoff[g * e->C + v + 1] = nestoff[g * e->C + v] + e->L[g];
    if ((mm->nest = gw_alloc_array(nestoff[S * e->C] + 1, sizeof *mm->nest)) == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate nesting states");
    for (size_t x = 0; x < nestoff[S * e->C]; x++)
        mm->nest[x] = -1.0;
    if ((rc = fe_stats(e, mm->nest, nestoff)) != GW_OK)
        return rc;
    if (S >= 2 && so->fe_warm && so->fe_alpha != NULL)
        warm_load(e, so->fe_alpha);
    return fe_demean(e);
}

/* TSQR and the small solve: R of the shifted, demeaned [X, y] over all blocks, then gw_ls_fit's
 * pivoted QR on R with the in-core rank tolerance; the coefficients and bread shifted back. */
static gw_status eng_solve(eng *e, const gw_ols_opts *opts, sf_mem *mm)
{
    const size_t p = e->p, r = e->r;
    gw_status rc;
    mm->R = gw_calloc(r * r + 1, sizeof *mm->R);
    if (mm->R == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate R");
    int have = 0;
    if ((mm->shift = gw_calloc(r + 1, sizeof *mm->shift)) == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate the shift");
    if ((rc = tsqr_shift(e, mm->shift)) != GW_OK ||
        (rc = tsqr_pass(e, mm->R, &have, mm->shift)) != GW_OK)
        return rc;
    if (e->nobs == 0 || !have)
        return gwi_fail(GW_ENODATA, "no observations");
    if ((rc = gw_design_new(r, p, &mm->sd)) != GW_OK)
        return rc;
    gw_design *sd = mm->sd;
    for (size_t j = 0; j < p; j++)
        memcpy(sd->X + j * r, mm->R + j * r, r * sizeof(double));
    memcpy(sd->y, mm->R + p * r, r * sizeof(double));
    sd->has_intercept = 0;
    gw_ls_opts lo = {0};
    lo.method = GW_LS_QRP;
    lo.rank_tol = opts->ls.rank_tol > 0.0 ? opts->ls.rank_tol
                                          : (double)(e->nobs > p ? e->nobs : p) * DBL_EPSILON;
    lo.flags =
        (opts->ls.flags & GW_LS_STRICT_RANK) | GW_LS_NO_REFINE | GW_LS_NO_FITTED | GW_LS_NO_RESID;
    if ((rc = gw_ls_fit(sd, lo, &mm->ls)) != GW_OK)
        return gwi_fail_keep(rc);
    mm->coef = gw_alloc_array(p, sizeof *mm->coef);
    mm->bread = gw_alloc_array(p * p, sizeof *mm->bread);
    if (mm->coef == NULL || mm->bread == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate the solution (p = %zu)", p);
    memcpy(mm->coef, gw_ls_coef(mm->ls), p * sizeof *mm->coef);
    memcpy(mm->bread, gw_ls_bread(mm->ls), p * p * sizeof *mm->bread);
    shift_back(p, mm->shift, gw_ls_aliased(mm->ls), mm->coef, mm->bread);
    return GW_OK;
}

/* The residual pass on the solution and the result built from its sums; then the fixed
 * effects out (fe_coef, fe_alpha) when asked for. */
static gw_status eng_infer(eng *e, const gw_stream_opts *so, sf_mem *mm, gw_result **out)
{
    const size_t p = e->p;
    gw_status rc;
    const size_t k = gw_ls_rank(mm->ls);
    const int *al = gw_ls_aliased(mm->ls);
    mm->keep = gw_alloc_array(p, sizeof *mm->keep);
    mm->B = gw_alloc_array(p * p + 1, sizeof *mm->B);
    mm->M = gw_alloc_array(p * p + 1, sizeof *mm->M);
    if (mm->keep == NULL || mm->B == NULL || mm->M == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate the fit workspace (p = %zu)", p);
    size_t *keep = mm->keep;
    size_t m = 0;
    for (size_t j = 0; j < p; j++)
        if (!al[j])
            keep[m++] = j;
    for (size_t j = 0; j < k; j++)
        for (size_t i = 0; i < k; i++)
            mm->B[i + j * k] = mm->bread[keep[i] + keep[j] * p];
    resid_in in = {keep, k, mm->B, mm->coef};
    double rss = 0.0, fs[GWI_FIT_PART];
    size_t G[3] = {0, 0, 0};
    if ((rc = resid_pass(e, &in, &rss, fs, mm->M, G)) != GW_OK)
        return rc;
    gwi_ls_view v = {e->nobs,
                     p,
                     k,
                     mm->coef,
                     NULL,
                     NULL,
                     mm->bread,
                     al,
                     rss,
                     gw_ls_rcond(mm->ls),
                     gw_ls_near_singular(mm->ls),
                     "stream-tsqr"};
    rc = build_result(e, &v, keep, mm->M, fs, G, mm->nest, mm->nestoff, out);
    if (rc == GW_OK && e->S > 0)
        fe_out(e, mm->coef, al, so);
    return rc;
}

/* One fit of checked arguments. */
static gw_status stream_fit_once(const gw_stream_source *src, const gw_ols_opts *opts,
                                 const gw_stream_opts *so, gw_result **out)
{
    gw_status rc;
    eng e;
    sf_mem mm;
    memset(&e, 0, sizeof e);
    memset(&mm, 0, sizeof mm);
    if ((rc = eng_setup(&e, src, opts, so)) == GW_OK &&
        (e.S == 0 || (rc = eng_fixed_effects(&e, so, &mm)) == GW_OK) &&
        (rc = eng_solve(&e, opts, &mm)) == GW_OK)
        rc = eng_infer(&e, so, &mm, out);
    sf_free(&e, &mm);
    return rc;
}

/* Extreme scales (gw_ols.h, "Scale"; scale.c). A streaming fit cannot scan its rows for free
 * (a pass is a read of the data set), so it does as gw_ols_fit does: fit the rows as they come,
 * and only when the result looks damaged by underflow or overflow (or the fit failed on a
 * numerical status) make one scanning pass for the largest magnitude of y and of each column
 * (combined over processes) and, when one is outside the safe window, fit again through a
 * source that scales every block by powers of two as it is read. */
static gw_status scaled_read(void *ctx, size_t b, unsigned need, gw_stream_block *blk)
{
    const gwi_stream_scaled_ctx *s = ctx;
    gw_status rc = s->src->read(s->src->ctx, b, need, blk);
    if (rc == GW_OK)
        gwi_scale_block(s->sc, blk->n, (need & GW_STREAM_NEED_Y) ? blk->y : NULL,
                        (need & GW_STREAM_NEED_X) ? blk->X : NULL, BR);
    return rc;
}

gw_stream_source gwi_stream_scaled(const gw_stream_source *src, const gwi_scale *sc,
                                   gwi_stream_scaled_ctx *ctx)
{
    gw_stream_source s = *src;
    ctx->src = src;
    ctx->sc = sc;
    s.read = scaled_read;
    s.ctx = ctx;
    return s;
}

/* The scanning pass (stream_int.h): the maxima are combined over processes through the
 * reducer's sum (each rank writes its own slot of an nranks x (p + 1) buffer, the rest zero, so
 * the sum is a gather; a trailing status slot makes a failure on one rank fail every rank). */
gw_status gwi_stream_scan(const gw_stream_source *src, const gw_stream_opts *so, int scale_y,
                          gwi_scale *sc, int *need)
{
    eng e;
    memset(&e, 0, sizeof e);
    gw_ols_opts o = {0};
    const gw_stream_opts sdef = {0};
    memset(sc, 0, sizeof *sc);
    *need = 0;
    gw_status rc = eng_setup(&e, src, &o, so != NULL ? so : &sdef);
    const size_t p = src->p, np = (size_t)e.nranks * (p + 1) + 1;
    double *m = gw_calloc(np, sizeof *m);
    sc->p = p;
    sc->xterms = src->terms;
    sc->ex = gw_calloc(p, sizeof *sc->ex);
    if (rc == GW_OK && (m == NULL || sc->ex == NULL))
        rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu scan maxima", np);
    double *mine = m != NULL ? m + (size_t)e.rank * (p + 1) : NULL;
    for (size_t b = e.b0; rc == GW_OK && b < e.b1; b++) {
        e.blk.n = 0;
        if ((rc = src->read(src->ctx, b, GW_STREAM_NEED_Y | GW_STREAM_NEED_X, &e.blk)) != GW_OK)
            break;
        mine[0] = fmax(mine[0], gwi_max_abs(e.blk.y, e.blk.n));
        for (size_t j = 0; j < p; j++)
            mine[j + 1] = fmax(mine[j + 1], gwi_max_abs(e.blk.X + j * BR, e.blk.n));
    }
    if (e.red != NULL && m != NULL) {
        m[np - 1] = rc != GW_OK ? 1.0 : 0.0;
        gw_status rs = e.red->sum(e.red->ctx, m, np);
        if (rc == GW_OK && rs != GW_OK)
            rc = rs;
        if (rc == GW_OK && m[np - 1] != 0.0)
            rc = gwi_fail(GW_EIO, "the scan for extreme scales failed on another process");
    }
    if (rc == GW_OK) {
        for (int q = 1; q < e.nranks; q++)
            for (size_t j = 0; j <= p; j++)
                m[j] = fmax(m[j], m[(size_t)q * (p + 1) + j]);
        /* As gwi_scale_plan: only a column outside the safe window is scaled. */
        for (size_t j = 0; j <= p; j++) {
            int ej = gwi_scale_exp(m[j]);
            ej = gwi_scale_outside(ej) && (j > 0 || scale_y) ? ej : 0;
            *need |= ej != 0;
            if (j == 0)
                sc->ey = ej;
            else
                sc->ex[j - 1] = ej;
        }
    }
    gw_free(m);
    sf_mem none;
    memset(&none, 0, sizeof none);
    sf_free(&e, &none);
    return rc;
}

/* The fixed-effect outputs of a scaled fit back in the data's units: d_g in y's, alpha's
 * columns [y, x_1..x_p] each in its own. */
static void unscale_fe_out(const gw_stream_source *src, const gw_stream_opts *so,
                           const gwi_scale *sc)
{
    const size_t r = src->p + 1;
    size_t base = 0;
    for (size_t g = 0; g < src->nfe; g++) {
        const size_t nl = src->fe_levels[g];
        for (size_t c = 0; c < nl; c++) {
            if (so->fe_coef != NULL && so->fe_coef[g] != NULL)
                so->fe_coef[g][c] = ldexp(so->fe_coef[g][c], sc->ey);
            for (size_t j = 0; so->fe_alpha != NULL && j < r; j++)
                so->fe_alpha[base + c * r + j] =
                    ldexp(so->fe_alpha[base + c * r + j], j == 0 ? sc->ey : sc->ex[j - 1]);
        }
        base += nl * r;
    }
}

gw_status gwi_stream_refit(const gw_stream_source *src, const gw_stream_opts *so, int scale_y,
                           gwi_unscale_kind kind, gwi_stream_fit_fn fit, void *ctx, gw_status rc,
                           gw_result **out, gwi_scale *sc, int *scaled)
{
    int need = 0;
    *scaled = 0;
    gw_status rs = gwi_stream_scan(src, so, scale_y, sc, &need);
    if (rs == GW_OK && !need)
        return rc; /* nothing to scale: the first answer stands */
    gw_result_free(*out);
    *out = NULL;
    if (rs != GW_OK)
        return rs;
    gwi_stream_scaled_ctx ss;
    gw_stream_source s2 = gwi_stream_scaled(src, sc, &ss);
    *scaled = 1;
    if ((rc = fit(ctx, &s2, sc->ey, out)) == GW_OK &&
        (rc = gwi_scale_unscale(*out, sc, kind, src->has_intercept)) != GW_OK) {
        gw_result_free(*out);
        *out = NULL;
    }
    return rc;
}

/* gwi_stream_refit's callback: ctx is the options, with a cold start (a warm start is in the data's
 * units; any start reaches the same answer). */
typedef struct {
    const gw_ols_opts *opts;
    gw_stream_opts so;
} refit_ctx;

static gw_status refit_once(void *ctx, const gw_stream_source *src, int yexp, gw_result **out)
{
    const refit_ctx *c = ctx;
    (void)yexp;
    return stream_fit_once(src, c->opts, &c->so, out);
}

gw_status gw_stream_fit(const gw_stream_source *src, const gw_ols_opts *opts,
                        const gw_stream_opts *so, gw_result **out)
{
    const gw_ols_opts defaults = {0};
    const gw_stream_opts sdef = {0};
    gwi_scale sc;
    int scaled = 0;
    gw_status rc;
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "no output pointer");
    *out = NULL;
    if (opts == NULL)
        opts = &defaults;
    if (so == NULL)
        so = &sdef;
    if ((rc = check_args(src, opts, so)) != GW_OK)
        return rc;
    (void)gw_threads_get();
    rc = stream_fit_once(src, opts, so, out);
    if (!gwi_scale_retry_status(rc) || (rc == GW_OK && !gwi_result_suspect(*out)))
        return rc;
    refit_ctx c = {opts, *so};
    c.so.fe_warm = 0;
    rc = gwi_stream_refit(src, so, 1, GWI_UNSCALE_LINEAR, refit_once, &c, rc, out, &sc, &scaled);
    if (rc == GW_OK && scaled && src->nfe > 0)
        unscale_fe_out(src, so, &sc);
    gwi_scale_free(&sc);
    return rc;
}
