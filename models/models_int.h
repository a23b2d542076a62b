/* models_int.h -- declarations shared between the files of models/; never installed.
 *
 * The variance estimators (vcov.c) and the inference helpers work on a plain view of a
 * least-squares solution rather than on gw_ls itself, so that tests can drive them with any
 * solution and later estimators (within, IV, GLM scores) can reuse them. */
#ifndef GW_MODELS_INT_H
#define GW_MODELS_INT_H

#include <stddef.h>

#include "gw_design.h"
#include "gw_ols.h"
#include "gw_result.h"
#include "gw_status.h"

/* What the variance estimators need from a least-squares solution (all borrowed). */
typedef struct {
    size_t n, p;          /* observations, columns of the design                         */
    size_t rank;          /* columns not aliased                                          */
    const double *coef;   /* p; NaN where aliased                                         */
    const double *resid;  /* n; y - Xb, unweighted                                        */
    const double *fitted; /* n; Xb                                                        */
    const double *bread;  /* p x p column-major (X'WX)^-1; NaN rows/columns where aliased */
    const int *aliased;   /* p flags                                                      */
    double rss;           /* sum w_i r_i^2                                                */
    double rcond;         /* of the scaled R                                              */
    int near_singular;
    const char *method; /* solver name                                                  */
} gwi_ls_view;

/* What gwi_vcov computes besides V. */
typedef struct {
    size_t ngroups[2]; /* clusters of each cluster variable (cluster kinds)             */
    size_t nvars;      /* 0 (iid, HC) or the number of cluster variables               */
    double df;         /* degrees of freedom for t and F: N - K or min(G) - 1          */
} gwi_vcov_info;

/* gwi_vcov_check -- validate d and kind before any work: kind in range; for clusters, one or
 * two cluster variables with names, codes in 0..nlevels-1 and at least 2 clusters each. Fills
 * info->nvars and info->ngroups (the number of codes that occur). Returns GW_EINVAL,
 * GW_EUNSUPPORTED (more than 2 cluster variables) or GW_ENOMEM. */
gw_status gwi_vcov_check(const gw_design *d, gw_vcov_kind kind, gwi_vcov_info *info);

/* gwi_vcov -- the k x k variance matrix V (column-major, exactly symmetric) of the kept
 * coefficients keep[0..k-1] (indices into the design's columns, k = ls->rank) by the estimator
 * `kind` of gw_ols.h. d supplies X, w and cluster; ls the residuals and the bread. info: in,
 * as filled by gwi_vcov_check for the same d and kind; out: info->df. Returns GW_EILLCOND
 * (leverage one under HC2/HC3) or GW_ENOMEM. With N <= K every entry of V is NaN. ls->resid
 * must be present for the HC and cluster kinds.
 * Deterministic for any thread count (see vcov.c). */
gw_status gwi_vcov(const gw_design *d, const gwi_ls_view *ls, gw_vcov_kind kind, const size_t *keep,
                   size_t k, double *V, gwi_vcov_info *info);

/* gwi_ols_fill_inference -- the part of an OLS/WLS result that the in-core fit (ols.c) and the
 * streaming engine (stream.c) fill alike, r->k = k kept columns: estimate[j] = ls->coef[keep[j]],
 * the k x k vcov of kind from the meat M (NULL: from ls->resid; gwi_vcov_from_meat), nobs = n,
 * nobs_dropped_missing, df_resid = n - k, the clusters of *info, conf_level (0: 0.95), t
 * inference with info->df (gwi_fill_inference). Same statuses as gwi_vcov_from_meat. */
gw_status gwi_ols_fill_inference(gw_result *r, const gw_design *d, const gwi_ls_view *ls,
                                 gw_vcov_kind kind, const size_t *keep, const double *M, size_t n,
                                 size_t ndropped, double conf_level, gwi_vcov_info *info);

/* gwi_vcov_from_meat -- gwi_vcov with the meat already computed: M (k x k, full, the term
 * factors G/(G-1) applied, as gwi_meat_finish returns it), or NULL to compute it from
 * ls->resid. Same statuses as gwi_vcov. */
gw_status gwi_vcov_from_meat(const gw_design *d, const gwi_ls_view *ls, gw_vcov_kind kind,
                             const size_t *keep, size_t k, const double *M, double *V,
                             gwi_vcov_info *info);

/* The meat of a sandwich variance, accumulated block by block so that it can run inside the
 * last pass over the rows (gw_ls_hook of gw_ls_fit) while each block of X is in cache; a
 * later within (FE) estimator or a reader of HDF5 chunks drives it the same way. Protocol:
 *   gwi_meat_new (before the fit: allocates everything; for two-way clustering also the
 *   intersection codes) -> gwi_meat_begin (the kept columns and their bread) -> for every row
 *   block b, concurrently: gwi_meat_block(b, ..., tid); and if gwi_meat_needs_merge, in block
 *   order and serialised: gwi_meat_merge(b, tid) -> gwi_meat_finish -> gwi_meat_free.
 * tid is the OpenMP thread number, < omp_get_max_threads() as it was at gwi_meat_new. The
 * result depends on the data and GW_BLOCK_ROWS only, never on the thread count. */
typedef struct gwi_meat gwi_meat;

/* gwi_meat_new -- plan the meat of kind for d (IID has none: *out is a plan with no terms).
 * info as filled by gwi_vcov_check. GW_ENOMEM. out: owned, gwi_meat_free. */
gw_status gwi_meat_new(const gw_design *d, gw_vcov_kind kind, const gwi_vcov_info *info,
                       gwi_meat **out);
/* gwi_meat_begin -- the k kept columns keep[0..k) and their k x k bread B (copied). GW_OK. */
gw_status gwi_meat_begin(gwi_meat *m, const size_t *keep, size_t k, const double *B);
/* gwi_meat_block -- block b = rows [first, first + count) with their residuals resid[0..count)
 * (borrowed for the call). Writes only block- and thread-owned memory. */
void gwi_meat_block(gwi_meat *m, size_t b, size_t first, size_t count, const double *resid,
                    int tid);
int gwi_meat_needs_merge(const gwi_meat *m);
void gwi_meat_merge(gwi_meat *m, size_t b, int tid);
/* gwi_meat_finish -- M (k x k, full) = sum of the terms, each with its factor (+G/(G-1), and
 * -G12/(G12-1) for the two-way intersection). GW_EILLCOND (HC2/HC3 leverage one, the first
 * such row in row order), GW_ENOMEM. */
gw_status gwi_meat_finish(gwi_meat *m, double *M);
void gwi_meat_free(gwi_meat *m); /* NULL-safe */

/* gwi_vcov_name -- the contract's vcov_type text for kind and d ("iid", "hc1",
 * "cluster:firm+year") into buf of size len; GW_EINVAL if it does not fit. */
gw_status gwi_vcov_name(const gw_design *d, gw_vcov_kind kind, char *buf, size_t len);

/* gwi_fill_inference -- from r->estimate and r->vcov (k x k) fill std_error, statistic,
 * p_value, ci_low and ci_high, using t with r->df_inference degrees of freedom, or the normal
 * when r->stat_is_z, at r->conf_level. Entries whose variance is negative or NaN, or with
 * df_inference <= 0 or NaN for t, are NaN. Never fails (GSL is only given valid arguments). */
void gwi_fill_inference(gw_result *r);

/* gwi_wald_f -- the Wald statistic F = b_s' V_ss^-1 b_s / q of the q coefficients idx[0..q-1]
 * of r (estimate, vcov); NaN when q == 0 or V_ss is not numerically positive definite
 * (Cholesky of the correlation form, pivots <= 64 q DBL_EPSILON). work: 2 q^2 + q doubles. */
double gwi_wald_f(const gw_result *r, const size_t *idx, size_t q, double *work);

/* Goodness-of-fit sums of a range of rows, mergeable in block order (ols.c): o[0] = sum of
 * weights W, o[1], o[2] = weighted means of y and of the fitted values f (0 without centre),
 * o[3], o[4] = weighted sums of squares of y and f around those means, o[5] = sum log w.
 * gwi_fit_part_merge folds b (the range after a's) into a with the pairwise update of the
 * centred sums (Chan, Golub and LeVeque). Shared by gw_ols_fit and the streaming engine, so
 * both compute R2, TSS and loglik with the same arithmetic. */
#define GWI_FIT_PART 6
void gwi_fit_part(const double *y, const double *f, const double *w, size_t n, int centre,
                  double *o);
void gwi_fit_part_merge(double *a, const double *b, int centre);

/* gwi_ols_check -- the argument validation of gw_ols_fit (everything that can be checked
 * before solving; gw_ols.h lists the statuses); opts non-NULL. Fills info (gwi_vcov_check). */
gw_status gwi_ols_check(const gw_design *d, const gw_ols_opts *opts, gwi_vcov_info *info);

/* gwi_ols_from_ls -- the body of gw_ols_fit after the least-squares solution: fills a new
 * result from d, opts and info (as checked by gwi_ols_check) and the solution ls. Same
 * statuses as gwi_vcov. out: owned on success, NULL on failure. */
gw_status gwi_ols_from_ls(const gw_design *d, const gw_ols_opts *opts, const gwi_ls_view *ls,
                          const gwi_vcov_info *info, gw_result **out);

/* Power-of-two rescaling of extreme data (scale.c), shared by every estimator: OLS, the within
 * estimator, 2SLS, the GLMs and the streaming fits. The least-squares kernel (gw_ls_fit) cannot
 * do it alone: its outputs (bread (X'WX)^-1, RSS, residuals, the meats built from them) are in
 * the data's units, and at 1e+-300 they are outside the double range whatever the solver does.
 * So the rescaling wraps a whole fit, design in and result out: the columns of X, y and the
 * instruments are multiplied by 2^-e (ldexp: exact), the estimator runs on the scaled copy,
 * and the result is mapped back exactly (gwi_scale_unscale). A column whose largest magnitude
 * has a binary exponent within [-GWI_SCALE_EXP, GWI_SCALE_EXP] is never scaled, so ordinary
 * data give bit-identical results; when some columns are outside the window only those are
 * scaled (see gwi_scale_plan). */
#define GWI_SCALE_EXP 100

typedef struct {
    size_t p, q;               /* columns of X; instruments                                */
    int *ex;                   /* p: column j of X was multiplied by 2^-ex[j]                */
    int *ez;                   /* q: instrument j by 2^-ez[j] (NULL when q == 0)             */
    int ey;                    /* y by 2^-ey (0: y not scaled)                               */
    const char *const *xterms; /* p names of X's columns, borrowed (term -> exponent)        */
    const char *const *zterms; /* q instrument names, borrowed                               */
    size_t n_endog;            /* IV: the last n_endog columns of X are the first stages' y  */
} gwi_scale;

/* gwi_max_abs -- largest |x[i]| over x[0..len) (NaN ignored), a blocked max: thread-free. */
double gwi_max_abs(const double *x, size_t len);
/* gwi_scale_exp -- the exponent e that brings maxabs into [1, 2) (ilogb), 0 for 0 or non-finite. */
int gwi_scale_exp(double maxabs);
/* gwi_scale_outside -- whether exponent e is outside the safe window [-GWI_SCALE_EXP, +]. */
int gwi_scale_outside(int e);
/* gwi_scale_plan -- s <- the exponents of d's X columns, of y (only when scale_y; else 0) and of
 * its instruments, each 0 unless the column is outside the window; *need = 1 when one is.
 * GW_ENOMEM. s owns ex/ez (gwi_scale_free), borrows d's names. */
gw_status gwi_scale_plan(const gw_design *d, int scale_y, gwi_scale *s, int *need);
void gwi_scale_free(gwi_scale *s); /* ex, ez; NULL-safe fields */
/* gwi_scale_copy -- sd <- a shallow copy of d whose X, Xlo, y and Z are gw_alloc'd copies scaled
 * by s (free with gwi_scale_copy_free, also after a failure). GW_ENOMEM. */
gw_status gwi_scale_copy(const gw_design *d, const gwi_scale *s, gw_design *sd);
void gwi_scale_copy_free(gw_design *sd);
/* gwi_scale_inplace -- scale d->X, d->Xlo, d->y and d->Z in place by s (the in-place fits,
 * whose data are the caller's to overwrite). */
void gwi_scale_inplace(gw_design *d, const gwi_scale *s);
/* gwi_scale_block -- scale n rows of a row block (y, X with column stride ld; either may be NULL:
 * not scaled) by s. */
void gwi_scale_block(const gwi_scale *s, size_t n, double *y, double *X, size_t ld);

/* How a result maps back. LINEAR: coefficient of a column with exponent e scales by
 * 2^(ey - e), sums of squares by 2^(2 ey) (OLS, within, 2SLS and its first stages, logit and
 * probit with ey = 0). LOGLINK: Poisson with log link, mu = exp(x'b): y times 2^ey multiplies
 * every mu by 2^ey, which the intercept (or the absorbed effects) takes up as + ey log 2; a slope
 * scales by 2^-e; deviances by 2^ey; statistics and p-values do not change except the
 * intercept's (recomputed). */
typedef enum { GWI_UNSCALE_LINEAR = 0, GWI_UNSCALE_LOGLINK } gwi_unscale_kind;

/* gwi_scale_unscale -- map r, fitted to data scaled by s, back to the original units (estimates,
 * standard errors, intervals, vcov, RSS, TSS, rmse, Gaussian loglik, residuals, fitted values,
 * deviances, IV first stages, GLM margins). Coefficients are matched to columns by term name.
 * has_intercept: the design's; the LOGLINK intercept shift applies to the term named like
 * xterms[0] then. GW_ENOMEM (more than 64 coefficients and no memory for their factors). */
gw_status gwi_scale_unscale(gw_result *r, const gwi_scale *s, gwi_unscale_kind kind,
                            int has_intercept);

/* gwi_scale_fit -- the pattern every estimator that scans first uses: plan (gwi_scale_plan with
 * scale_y), and when nothing is outside the window fit(ctx, d, NULL, 0, out); otherwise fit a
 * scaled copy, fit(ctx, copy, copy, ey, out) (the copy is the callee's to overwrite, e.g. to
 * demean in place), and map the result back with kind (gwi_scale_unscale). d must have passed
 * the estimator's validation (X, y non-NULL, n, p > 0). Returns fit's status, or GW_ENOMEM. */
typedef gw_status (*gwi_scale_fit_fn)(void *ctx, const gw_design *d, gw_design *own, int yexp,
                                      gw_result **out);
gw_status gwi_scale_fit(const gw_design *d, int scale_y, gwi_unscale_kind kind,
                        gwi_scale_fit_fn fit, void *ctx, gw_result **out);

/* gwi_result_suspect -- whether a result may have lost numbers to underflow or overflow: a sum
 * of squares (RSS, TSS for linear fits; the deviance for GLMs) outside [2^-900, 2^900], or an
 * estimate, standard error or variance that is not finite, or zero. O(k). */
int gwi_result_suspect(const gw_result *r);
/* gwi_scale_retry_status -- whether a failed first fit's status may be numerical (worth a
 * rescaled retry): not ENOMEM, EINVAL, EDIM, ENODATA, EUNSUPPORTED or EINTERNAL. */
int gwi_scale_retry_status(gw_status rc);

#endif
