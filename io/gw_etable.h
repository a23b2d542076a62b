/* gw_etable.h -- several fitted models side by side: the regression table of papers (fixest's
 * etable, Stata's esttab).
 *
 * Layout (every format): a header of two rows, the response variable of each model (row label
 * "Dependent var.:") above its name; one row per term (the union of the models' terms in order of
 * first appearance) with the estimate and its significance stars, and the standard error in
 * parentheses on the row beneath (empty where a model lacks the term); a Yes/No row per
 * fixed-effect name when any model has fixed effects; then the rows "VCOV type", "Observations"
 * (N), "R2" and "Within R2" (the latter only when some model has it); and the legend "Signif.
 * codes: *** p<0.01, ** p<0.05, * p<0.1". Stars come from each coefficient's stored p_value (none
 * when it is NaN).
 *
 * Numbers show 4 significant digits in fixed notation (scientific below 1e-4 or from 1e7 on);
 * the JSON format instead writes every number so that it reads back bit-identical. */
#ifndef GW_ETABLE_H
#define GW_ETABLE_H

#include <stddef.h>

#include "gw_export.h"
#include "gw_output.h"
#include "gw_result.h"
#include "gw_status.h"

/* gw_etable_render -- render nmodels results side by side in format fmt.
 *
 * in: models (borrowed, nmodels non-NULL results with allocated k arrays as gw_result_new
 *     makes them), names (borrowed column headers; NULL gives "(1)", "(2)", ...), fmt:
 *     GW_OUT_TEXT (aligned columns, rules of '-'), GW_OUT_MARKDOWN (a GitHub table, stars and
 *     special characters escaped), GW_OUT_LATEX (a booktabs tabular: \toprule, \midrule,
 *     \bottomrule; needs \usepackage{booktabs}; special characters escaped), GW_OUT_CSV (the
 *     same grid, RFC 4180 quoting, no rules), GW_OUT_JSON (an object {"models": [...],
 *     "terms": [...], "signif_codes": {...}} with each model's name, response, estimator,
 *     vcov_type, nobs, r2, r2_within, fixed_effects and coefficients (term, estimate,
 *     std_error, p_value, stars); NaN as null).
 * out: *out, NUL-terminated, owned by the caller (gw_free); NULL on failure.
 * Returns GW_OK; GW_EINVAL (nmodels == 0, a NULL model, fmt outside the enum); GW_ENOMEM.
 * Complexity: O(nmodels x number of distinct terms x (terms per model)). */
GW_API gw_status gw_etable_render(const gw_result *const *models, const char *const *names,
                                  size_t nmodels, gw_output_format fmt, char **out);

/* gw_etable_stars -- "***" for p < 0.01, "**" for p < 0.05, "*" for p < 0.1, else "" (NaN
 * included). Static text. */
GW_API const char *gw_etable_stars(double p);

#endif
