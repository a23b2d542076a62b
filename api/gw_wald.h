/* gw_wald.h -- tests after a fit: joint Wald tests of linear restrictions on the coefficients
 * and linear combinations with their standard errors (`goodwork test`).
 *
 * Both work on a fitted model (core/gw_result.h: terms, estimate, vcov, stat_is_z,
 * df_inference), typically one read back from a results file (gw_results_get), and use the
 * fit's own variance, so a clustered or robust fit is tested with its clustered or robust
 * variance.
 *
 * Restriction language (gw_wald_parse). A restriction is `EXPR = EXPR` or `EXPR` (meaning
 * `EXPR = 0`); EXPR is a sum of terms separated by `+` or `-` (a leading sign allowed), each term
 * a product (`*`) of numbers and at most one coefficient. Coefficients are named exactly as the
 * fit names them (`x1`, `log(x)`, `a:b`, `region=North`, `(Intercept)`); white space between
 * tokens is ignored. Names may contain characters that are operators elsewhere (`=`, `-`,
 * `*`, `(`): at each place the longest coefficient name that matches is taken, so
 * `region=North = 0` reads as the coefficient `region=North` restricted to 0. Numbers are
 * decimal (`2`, `0.5`, `1e-3`). Every restriction becomes a row R_j and a constant so that it
 * reads R_j b = q_j.
 *
 * Inference, as the fit's: a fit whose coefficients use t (stat_is_z == 0) is tested with
 * F = W / m on (m, df_inference) degrees of freedom (df_inference is N - K, N - K - D with
 * absorbed effects, or G - 1 when clustered), and a linear combination with t(df_inference);
 * a fit with z statistics (GLMs) with chi2(m) = W and the normal. W = (R b - q)' (R V R')^-1
 * (R b - q), m the number of restrictions. This is R's car::linearHypothesis(test = "F") with
 * the fit's vcov and df, and Stata's `test` / `lincom` after regress / reghdfe.
 *
 * Thread-safety: every call is safe from several threads at once (no shared state). */
#ifndef GW_WALD_H
#define GW_WALD_H

#include <stddef.h>

#include "gw_export.h"
#include "gw_result.h"
#include "gw_status.h"

/* gw_wald_parse -- read one restriction (allow_eq: 1) or one linear combination (allow_eq: 0,
 * where `=` is a syntax error) over the coefficients of r.
 *   r     in, borrowed: the fit (terms, k).
 *   text  in, borrowed.
 *   row   out: r->k doubles, the coefficient of each term (left side minus right side).
 *   cst   out: the constant of (left side minus right side); the restriction is
 *         row . b + cst = 0, the combination's value row . b + cst.
 * Returns GW_OK; GW_ESYNTAX with the text and a caret under the offending place ("expected a
 * coefficient or a number", "two coefficients multiplied (the restriction must be linear)",
 * "'=' given twice", ...); GW_ENOVAR for a name that is not a coefficient, with the caret and the
 * list of the fit's coefficients (a name the fit dropped as collinear is said so); GW_EINVAL
 * (NULL argument, an empty text). O(length x k x name length). */
GW_API gw_status gw_wald_parse(const gw_result *r, const char *text, int allow_eq, double *row,
                               double *cst);

/* A joint test of m restrictions. */
typedef struct {
    size_t m;       /* restrictions                                                     */
    double wald;    /* W = (R b - q)' (R V R')^-1 (R b - q)                             */
    double stat;    /* F = W / m (is_f), or chi2 = W                                    */
    double df1;     /* m                                                                */
    double df2;     /* F: the fit's df_inference; chi2: NaN                             */
    double p_value; /* upper tail of F(df1, df2) or chi2(df1)                           */
    int is_f;       /* 1: F (the fit used t), 0: chi2 (the fit used z)                  */
} gw_wald;

/* gw_wald_test -- the joint Wald test of the m restrictions texts[0..m-1] (gw_wald_parse) on r.
 *   out  out: the test.
 * Returns GW_OK; gw_wald_parse's statuses (the message names the restriction by its number when
 * m > 1); GW_EINVAL (m == 0, NULL arguments; a restriction that involves no coefficient, such
 * as `x1 = x1`); GW_ERANK when R V R' is not positive definite to working precision (the
 * restrictions are linearly dependent, or the variance is singular in their direction: a
 * clustered variance of rank G - 1 < m); GW_ENODATA when a needed quantity is missing (a NaN
 * estimate or variance, no degrees of freedom for F); GW_ENOMEM.
 * Numerical notes: R V R' is scaled to a unit diagonal before its Cholesky factorisation, so
 * the rank decision (a pivot at or below 64 m DBL_EPSILON) does not depend on units.
 * Complexity: O(m k^2 + m^3). */
GW_API gw_status gw_wald_test(const gw_result *r, const char *const *texts, size_t m, gw_wald *out);

/* A linear combination a' b + c of the coefficients. */
typedef struct {
    double estimate, std_error; /* a' b + c and sqrt(a' V a)                              */
    double statistic, p_value;  /* estimate / std_error; two-sided, t(df) or normal       */
    double ci_low, ci_high;     /* estimate -/+ crit std_error at level                   */
    double df;                  /* t: the fit's df_inference; z: NaN                      */
    double level;               /* of the interval                                        */
    int is_z;                   /* 1: normal (the fit used z), 0: t                       */
} gw_lincom;

/* gw_lincom_compute -- the linear combination text (gw_wald_parse with allow_eq 0) on r, with
 * a level interval (0 means 0.95; otherwise in (0, 1)).
 * Returns GW_OK; gw_wald_parse's statuses; GW_EINVAL (NULL arguments, level outside (0, 1));
 * GW_ENODATA (a NaN estimate or variance involved, or no degrees of freedom for t).
 * Complexity: O(k^2). */
GW_API gw_status gw_lincom_compute(const gw_result *r, const char *text, double level,
                                   gw_lincom *out);

/* What `goodwork test` prints: a joint test and linear combinations of one model. Strings and
 * arrays are borrowed. */
typedef struct {
    const char *model;               /* the model's name                                     */
    const char *const *restrictions; /* m restriction texts, as given                        */
    size_t m;                        /* 0: no joint test                                     */
    const gw_wald *wald;             /* the joint test (m > 0)                               */
    const char *const *lincom_texts; /* nlincom combination texts                            */
    const gw_lincom *lincom;         /* nlincom combinations                                 */
    size_t nlincom;
} gw_wald_report;

/* gw_wald_render -- the report as text (json 0) or as one JSON object (json 1):
 *   {"model": M, "test": {"restrictions": [...], "type": "F" | "chi2", "statistic": S,
 *    "df1": m, "df2": d | null, "p_value": p, "wald": W},
 *    "lincom": [{"expression": E, "estimate": .., "std_error": .., "statistic": ..,
 *    "statistic_type": "t" | "z", "df": d | null, "p_value": .., "conf_level": L,
 *    "ci_low": .., "ci_high": ..}, ...]}
 * ("test" is omitted without restrictions, "lincom" without combinations). Numbers are
 * printed with 17 significant digits (they read back bit for bit), NaN as null. The text form
 * prints 6 significant digits (p-values 2). out: owned (gw_free). GW_EINVAL (NULL arguments),
 * GW_ENOMEM. */
GW_API gw_status gw_wald_render(const gw_wald_report *rep, int json, char **out);

#endif
