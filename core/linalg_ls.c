/* linalg_ls.c -- gw_ls_fit: validation, choice of solver, residual pass and accessors.
 *
 * The solvers live in linalg_chol.c (blocked normal equations), linalg_qr.c (pivoted QR and
 * TSQR) and linalg_refine.c (double-double refinement). This file decides between them by
 * the condition estimates they return (gw_linalg.h explains the bounds) and owns the one
 * pass that recomputes residuals from the data. */
/* madvise(MADV_HUGEPAGE) is a Linux extension. */
#define _DEFAULT_SOURCE 1
#include <float.h>
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_dd.h"
#include "gw_linalg.h"
#include "gw_par.h"
#include "linalg_int.h"

size_t gwi_nonfinite_index(const double *x, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!isfinite(x[i]))
            return i;
    return len;
}

int gwi_nthreads(void)
{
    int t = omp_get_max_threads();
    return t < 1 ? 1 : t;
}

/* Scans X (and reports) only on failure paths, where the order of validation requires
 * knowing whether X is finite before reporting a later check. */
static gw_status check_x_finite(const gw_design *d)
{
    size_t len = d->n * d->p;
    size_t k = gwi_nonfinite_index(d->X, len);
    if (k < len)
        return gwi_fail(GW_ENONFINITE, "X[%zu, %zu] is not finite", k % d->n, k / d->n);
    return GW_OK;
}

void gw_ls_free(gw_ls *ls)
{
    if (ls == NULL)
        return;
    gw_free(ls->coef);
    gw_free(ls->resid);
    gw_free(ls->fitted);
    gw_free(ls->bread);
    gw_free(ls->aliased);
    gw_free(ls->pivots);
    gw_free(ls);
}

/* Asks for transparent huge pages on a large output array. Why: the residual and fitted
 * vectors are fresh memory on every fit, and first-touch page faults dominated the tall-data
 * fit on the benchmark machine (80 MB touched: 0.26 s with 4 KiB pages, 0.014-0.05 s with
 * huge pages; bench/bench_ls.c). A hint only: failure is ignored. */
static void advise_huge(void *ptr, size_t bytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    const uintptr_t page = 4096;
    uintptr_t s = ((uintptr_t)ptr + page - 1) & ~(page - 1);
    uintptr_t e = ((uintptr_t)ptr + bytes) & ~(page - 1);
    if (bytes >= ((size_t)2 << 20) && e > s)
        (void)madvise((void *)s, (size_t)(e - s), MADV_HUGEPAGE);
#else
    (void)ptr;
    (void)bytes;
#endif
}

static gw_ls *ls_new(size_t n, size_t p, unsigned flags)
{
    gw_ls *ls = gw_calloc(1, sizeof *ls);
    if (ls == NULL)
        return NULL;
    ls->n = n;
    ls->p = p;
    ls->coef = gw_alloc_array(p, sizeof(double));
    int keep_r = !(flags & GW_LS_NO_RESID), keep_f = !(flags & GW_LS_NO_FITTED);
    if (keep_r)
        ls->resid = gw_alloc_array(n, sizeof(double));
    if (keep_f)
        ls->fitted = gw_alloc_array(n, sizeof(double));
    ls->bread = gw_alloc_array(p * p, sizeof(double));
    ls->aliased = gw_calloc(p, sizeof(int));
    ls->pivots = gw_calloc(p, sizeof(int));
    if (ls->coef == NULL || (keep_r && ls->resid == NULL) || (keep_f && ls->fitted == NULL) ||
        ls->bread == NULL || ls->aliased == NULL || ls->pivots == NULL || (p * p) / p != p) {
        gw_ls_free(ls);
        return NULL;
    }
    if (keep_r)
        advise_huge(ls->resid, n * sizeof(double));
    if (keep_f)
        advise_huge(ls->fitted, n * sizeof(double));
    ls->method = "none";
    return ls;
}

/* Validation in the documented order: dims, finiteness, weights, options. The finiteness of
 * X is left to the first pass over X unless a later check fails (then X is scanned first so
 * that the status is the one the documented order gives). */
static gw_status validate(const gw_design *d, gw_ls_opts opts)
{
    size_t n = d->n, p = d->p;
    if (n == 0 || p == 0)
        return gwi_fail(GW_EDIM, "least squares needs n >= 1 and p >= 1 (n = %zu, p = %zu)", n, p);
    if (d->X == NULL || d->y == NULL)
        return gwi_fail(GW_EINVAL, "design has no %s", d->X == NULL ? "X" : "y");
    if (p > ((size_t)-1) / n / sizeof(double))
        return gwi_fail(GW_EDIM, "design of %zu x %zu is too large", n, p);
    size_t k = gwi_nonfinite_index(d->y, n);
    if (k < n) {
        gw_status rc = check_x_finite(d);
        return rc != GW_OK ? rc : gwi_fail(GW_ENONFINITE, "y[%zu] is not finite", k);
    }
    if (d->w != NULL) {
        k = gwi_nonfinite_index(d->w, n);
        if (k < n) {
            gw_status rc = check_x_finite(d);
            return rc != GW_OK ? rc : gwi_fail(GW_ENONFINITE, "w[%zu] is not finite", k);
        }
        for (k = 0; k < n && d->w[k] > 0.0; k++)
            ;
        if (k < n) {
            gw_status rc = check_x_finite(d);
            return rc != GW_OK
                       ? rc
                       : gwi_fail(GW_EINVAL, "weight w[%zu] = %g is not positive", k, d->w[k]);
        }
    }
    int bad_opt =
        (opts.method != GW_LS_AUTO && opts.method != GW_LS_QRP && opts.method != GW_LS_CHOL) ||
        !(opts.rank_tol >= 0.0) || !isfinite(opts.rank_tol);
    int bad_icept = 0;
    if (d->has_intercept) {
        for (k = 1; k < n && d->X[k] == d->X[0]; k++)
            ;
        bad_icept = k < n || d->X[0] == 0.0 || !isfinite(d->X[0]);
    }
    if (bad_opt || bad_icept) {
        gw_status rc = check_x_finite(d);
        if (rc != GW_OK)
            return rc;
        if (bad_opt)
            return gwi_fail(GW_EINVAL, "invalid gw_ls_opts (method %d, rank_tol %g)",
                            (int)opts.method, opts.rank_tol);
        return gwi_fail(GW_EINVAL, "has_intercept is set but column 0 is not a nonzero "
                                   "constant");
    }
    return GW_OK;
}

gw_status gw_ls_fit(const gw_design *d, gw_ls_opts opts, gw_ls **out)
{
    gw_status rc = GW_OK;
    gw_ls *ls = NULL;
    int accepted = 0, tsqr = 0, refined = 0;

    if (out == NULL)
        return gwi_fail(GW_EINVAL, "gw_ls_fit: out is NULL");
    *out = NULL;
    if (d == NULL)
        return gwi_fail(GW_EINVAL, "gw_ls_fit: design is NULL");
    rc = validate(d, opts);
    if (rc != GW_OK)
        return rc;
    /* Pins OpenBLAS to one thread on first use (gw_par.h), so BLAS calls inside blocks
     * neither oversubscribe nor depend on the thread count. */
    (void)gw_threads_get();

    ls = ls_new(d->n, d->p, opts.flags);
    if (ls == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate a least-squares result of %zu x %zu", d->n, d->p);
        goto done;
    }

    if (opts.method == GW_LS_AUTO || opts.method == GW_LS_CHOL) {
        rc = gwi_ls_chol(d, opts.method == GW_LS_CHOL, ls, &accepted);
        if (rc != GW_OK)
            goto done;
    }
    if (!accepted) {
        rc = gwi_ls_qr(d, opts.rank_tol, ls, &tsqr);
        if (rc != GW_OK)
            goto done;
        ls->method = tsqr ? "tsqr" : "qrp";
    } else {
        ls->method = "chol";
    }
    if ((opts.flags & GW_LS_STRICT_RANK) && ls->rank < ls->p) {
        rc = gwi_fail(GW_ERANK, "X has rank %zu < %zu columns", ls->rank, ls->p);
        goto done;
    }

    /* Refinement: forced, or when the QR error term kappa^2 eps exceeds eps^(2/3). */
    int want = (opts.flags & GW_LS_REFINE) != 0 ||
               (!accepted && ls->rank > 0 && ls->rcond * ls->rcond < GW_LS_CHOL_RCOND_MIN);
    if (opts.flags & GW_LS_NO_REFINE)
        want = 0;
    if (want && ls->rank > 0) {
        rc = gwi_ls_refine(d, ls, &refined);
        if (rc != GW_OK)
            goto done;
        if (refined)
            ls->method = accepted ? "chol+dd" : tsqr ? "tsqr+dd" : "qrp+dd";
    }
    if (opts.hook != NULL && opts.hook->begin != NULL) {
        rc = opts.hook->begin(opts.hook->ctx, ls);
        if (rc != GW_OK)
            goto done;
    }
    rc = gwi_ls_residuals(d, ls, refined, opts.hook);
    if (rc != GW_OK)
        goto done;
    ls->near_singular = ls->rcond < sqrt(DBL_EPSILON);
    *out = ls;
    ls = NULL;
done:
    gw_ls_free(ls);
    return rc;
}

/* Pairwise sum of x[0..len) (Higham, Accuracy and Stability, 4.2): error <= ~log2(len)
 * eps sum|x|, i.e. about 12 eps for a block of non-negative squares; fixed order. */
static double pairwise_sum(const double *x, size_t len)
{
    if (len <= 32) {
        double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
        size_t i = 0;
        for (; i + 4 <= len; i += 4) {
            s0 += x[i];
            s1 += x[i + 1];
            s2 += x[i + 2];
            s3 += x[i + 3];
        }
        for (; i < len; i++)
            s0 += x[i];
        return (s0 + s1) + (s2 + s3);
    }
    size_t h = len / 2;
    return pairwise_sum(x, h) + pairwise_sum(x + h, len - h);
}

/* One block of the residual pass into fit[0..c) and res[0..c); returns the block's sum of
 * w r^2 (as a double-double). In double mode fitted_i accumulates X_ij b_j column by column
 * (one read of X, vectorisable) and the block's w r^2 are summed pairwise (q: c doubles of
 * scratch); in double-double mode each row's sum is formed with exact products of
 * (X + Xlo)_ij and b_j, and w r^2 is accumulated in double-double. */
static gw_dd resid_block(const gw_design *d, const double *b, int use_dd, size_t f, size_t c,
                         double *fit, double *res, double *q)
{
    const size_t n = d->n, p = d->p;
    const double *X = d->X, *Xlo = d->Xlo, *y = d->y + f, *w = d->w ? d->w + f : NULL;
    gw_dd acc = gw_dd_from(0.0);
    if (!use_dd) {
        for (size_t i = 0; i < c; i++)
            fit[i] = 0.0;
        for (size_t j = 0; j < p; j++) {
            const double *xj = X + j * n + f;
            double bj = b[j];
            if (bj == 0.0)
                continue;
            for (size_t i = 0; i < c; i++)
                fit[i] += xj[i] * bj;
        }
        for (size_t i = 0; i < c; i++) {
            double r = y[i] - fit[i];
            res[i] = r;
            q[i] = w ? w[i] * r * r : r * r;
        }
        return gw_dd_from(pairwise_sum(q, c));
    }
    for (size_t i = 0; i < c; i++) {
        gw_dd s = gw_dd_from(0.0);
        for (size_t j = 0; j < p; j++) {
            if (b[j] == 0.0)
                continue;
            size_t o = f + i + j * n;
            gw_dd x = {X[o], Xlo ? Xlo[o] : 0.0};
            s = gw_dd_add(s, gw_dd_mul_d(x, b[j]));
        }
        gw_dd r = gw_dd_sub(gw_dd_from(y[i]), s);
        fit[i] = gw_dd_to_double(s);
        res[i] = gw_dd_to_double(r);
        gw_dd r2 = gw_dd_mul(r, r);
        acc = gw_dd_add(acc, w ? gw_dd_mul_d(r2, w[i]) : r2);
    }
    return acc;
}

/* The residual pass. Each block writes its own rows of fitted/resid (or a per-thread buffer
 * when they are not kept) and one rss slot, then hands the block to the hook; the slots are
 * summed in double-double in block order. With a merge hook the blocks are dealt round-robin
 * and merged in an ordered pipeline (as measured for cluster scores, models/linear/vcov.c). */
gw_status gwi_ls_residuals(const gw_design *d, gw_ls *ls, int use_dd, const gw_ls_hook *hook)
{
    size_t n = d->n, p = d->p, nb = gw_nblocks(n);
    int nt = gwi_nthreads();
    gw_dd *slot = gw_alloc_array(nb, sizeof(gw_dd));
    double *b = gw_alloc_array(p, sizeof(double));
    /* Per thread: squares, and fitted/resid buffers when those are not kept. */
    double *sq = gw_alloc_array((size_t)nt * 3 * GW_BLOCK_ROWS, sizeof(double));
    if (slot == NULL || b == NULL || sq == NULL) {
        gw_free(slot);
        gw_free(b);
        gw_free(sq);
        return gwi_fail(GW_ENOMEM, "cannot allocate the residual pass for %zu blocks", nb);
    }
    for (size_t j = 0; j < p; j++)
        b[j] = isnan(ls->coef[j]) ? 0.0 : ls->coef[j];
    void (*blk)(void *, const gw_ls *, size_t, size_t, size_t, const double *, const double *,
                int) = hook ? hook->block : NULL;
    void (*mrg)(void *, size_t, int) = hook ? hook->merge : NULL;
    void *ctx = hook ? hook->ctx : NULL;
    double *fit_all = ls->fitted, *res_all = ls->resid;
    const gw_ls *cls = ls;
    long nbl = (long)nb;

    if (mrg == NULL) {
#pragma omp parallel for schedule(dynamic, 4)
        for (long bl = 0; bl < nbl; bl++) {
            size_t f, c;
            int tid = omp_get_thread_num();
            double *q = sq + (size_t)tid * 3 * GW_BLOCK_ROWS;
            gw_block_range(n, (size_t)bl, &f, &c);
            double *ft = fit_all ? fit_all + f : q + GW_BLOCK_ROWS;
            double *rs = res_all ? res_all + f : q + 2 * GW_BLOCK_ROWS;
            slot[bl] = resid_block(d, b, use_dd, f, c, ft, rs, q);
            if (blk != NULL)
                blk(ctx, cls, (size_t)bl, f, c, ft, rs, tid);
        }
    } else {
#pragma omp parallel for ordered schedule(static, 1)
        for (long bl = 0; bl < nbl; bl++) {
            size_t f, c;
            int tid = omp_get_thread_num();
            double *q = sq + (size_t)tid * 3 * GW_BLOCK_ROWS;
            gw_block_range(n, (size_t)bl, &f, &c);
            double *ft = fit_all ? fit_all + f : q + GW_BLOCK_ROWS;
            double *rs = res_all ? res_all + f : q + 2 * GW_BLOCK_ROWS;
            slot[bl] = resid_block(d, b, use_dd, f, c, ft, rs, q);
            if (blk != NULL)
                blk(ctx, cls, (size_t)bl, f, c, ft, rs, tid);
#pragma omp ordered
            mrg(ctx, (size_t)bl, tid);
        }
    }
    gw_dd rss = gw_dd_from(0.0);
    for (size_t bl = 0; bl < nb; bl++)
        rss = gw_dd_add(rss, slot[bl]);
    ls->rss = gw_dd_to_double(rss);
    gw_free(sq);
    gw_free(slot);
    gw_free(b);
    return GW_OK;
}

size_t gw_ls_n(const gw_ls *ls) { return ls->n; }
size_t gw_ls_p(const gw_ls *ls) { return ls->p; }
size_t gw_ls_rank(const gw_ls *ls) { return ls->rank; }
const double *gw_ls_coef(const gw_ls *ls) { return ls->coef; }
const double *gw_ls_resid(const gw_ls *ls) { return ls->resid; }
const double *gw_ls_fitted(const gw_ls *ls) { return ls->fitted; }
const double *gw_ls_bread(const gw_ls *ls) { return ls->bread; }
const int *gw_ls_aliased(const gw_ls *ls) { return ls->aliased; }
const int *gw_ls_pivots(const gw_ls *ls) { return ls->pivots; }
double gw_ls_rss(const gw_ls *ls) { return ls->rss; }
double gw_ls_rcond(const gw_ls *ls) { return ls->rcond; }
int gw_ls_near_singular(const gw_ls *ls) { return ls->near_singular; }
const char *gw_ls_method_used(const gw_ls *ls) { return ls->method; }
size_t gw_ls_refine_iterations(const gw_ls *ls) { return ls->iterations; }
