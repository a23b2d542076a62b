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

#endif
