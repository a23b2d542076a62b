/* gw_output.h -- renderers of one fitted model: text, JSON, Markdown, LaTeX and CSV.
 *
 * Each renderer reads a gw_result (core/gw_result.h) and returns one NUL-terminated string that
 * the caller writes wherever it likes (the CLI prints it to standard output only after the
 * whole fit succeeded). Nothing is printed here. The JSON object is the one of
 * docs/reference/output.md ("goodwork fit": the contract's fields and a few diagnostic ones). */
#ifndef GW_OUTPUT_H
#define GW_OUTPUT_H

#include <stddef.h>

#include "gw_export.h"
#include "gw_result.h"
#include "gw_status.h"

typedef enum {
    GW_OUT_TEXT = 0, /* a regression printout (Stata regress / R summary.lm style)            */
    GW_OUT_JSON,     /* one JSON object, numbers that read back bit-identical               */
    GW_OUT_MARKDOWN, /* GitHub tables: coefficients, then the fit statistics                */
    GW_OUT_LATEX,    /* a booktabs tabular (needs \usepackage{booktabs})                    */
    GW_OUT_CSV       /* one row per coefficient, %.17g numbers                              */
} gw_output_format;

/* Buffer size that holds any number written by gw_output_number, NUL included. */
#define GW_OUTPUT_NUMLEN 32

/* gw_output_format_parse -- the format called name ("text", "json", "markdown" (or "md"),
 * "latex" (or "tex"), "csv"; case-sensitive).
 * in: name (borrowed). out: *fmt, unchanged on failure.
 * Returns GW_OK, or GW_EINVAL for NULL or an unknown name (the detail lists the valid ones). */
GW_API gw_status gw_output_format_parse(const char *name, gw_output_format *fmt);

/* gw_output_format_name -- the canonical name of fmt ("text", "json", ...); static text,
 * "unknown" for a value outside the enum. */
GW_API const char *gw_output_format_name(gw_output_format fmt);

/* gw_output_number -- the shortest decimal text of x that strtod reads back as exactly x
 * (tries 15, 16 and 17 significant digits; -0 keeps its sign), or "null" for NaN and
 * infinities (JSON has neither). buf must hold GW_OUTPUT_NUMLEN bytes. Returns buf.
 * Complexity: at most three snprintf/strtod round trips. */
GW_API char *gw_output_number(double x, char *buf);

/* gw_output_render -- render r in format fmt.
 * in: r (borrowed; its k arrays must be allocated as gw_result_new does; terms may hold NULL,
 *     printed as ""). out: *out, a NUL-terminated string, owned by the caller (gw_free); NULL
 *     on failure.
 * Returns GW_OK; GW_EINVAL for a NULL r or out, or fmt outside the enum; GW_ENOMEM.
 *
 * What each format shows:
 * - text: header (estimator, formula, N and dropped rows, variance type with clusters, fixed
 *   effects), the coefficient table (estimate, std. error, t or z, p, confidence interval,
 *   aligned, %.6g-style numbers), the fit statistics that apply (R², adjusted and within R²,
 *   root MSE, RSS, log-likelihood, F(df1, df2) and Prob > F), and notes for dropped collinear
 *   terms, near-singular fits and non-convergence.
 * - json: the object of docs/reference/output.md. Numbers are written by gw_output_number, so
 *   they read back bit-identical (cJSON's own printer is not round-trip: it accepts a 1-ulp
 *   error at 15 digits). A double that is NaN is null; a count that is GW_RESULT_NA is null;
 *   "n_clusters" is present only for clustered variances. Extra fields: "response", "tss",
 *   "f_df1", "f_df2", "df_inference", "statistic_type" ("t"/"z"), "conf_level", "rank", "rcond",
 *   "near_singular", "solver". The text ends with a newline.
 * - markdown: a GitHub table of the coefficients, then a table of the statistics; characters
 *   that Markdown would interpret in term names are backslash-escaped.
 * - latex: a booktabs tabular (\toprule, \midrule, \bottomrule) with the coefficients and the
 *   statistics; \ _ % & # $ { } ^ ~ < > | in names are escaped.
 * - csv: header term,estimate,std_error,statistic,p_value,ci_low,ci_high, one row per
 *   coefficient, numbers as %.17g, NaN as an empty field, RFC 4180 quoting of terms.
 * Complexity: O(k²) (the JSON variance matrix), O(k) otherwise. */
GW_API gw_status gw_output_render(const gw_result *r, gw_output_format fmt, char **out);

#endif
