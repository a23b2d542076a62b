/* gw_etable.h -- several fitted models side by side: the regression table of papers (fixest's
 * etable, Stata's esttab).
 *
 * Layout (every format but JSON): the title (when given); a header of the column numbers
 * "(1)", "(2)", ..., the model names (when given), the response variable of each model (row
 * label "Dependent var.:") and its estimator ("Estimator": OLS, 2SLS, Logit, ...); one row per
 * term (the union of the models' terms in order of first appearance, then kept, dropped,
 * ordered and renamed as the options say) with the estimate and its significance stars, and on
 * the row beneath the standard error in parentheses (or the t statistic in parentheses, or the
 * interval in brackets), empty where a model lacks the term; a Yes/No row per fixed-effect name
 * when any model has fixed effects; the rows added by the caller ("Controls: Yes, No"); then the
 * variance row ("VCOV": IID, Heteroskedasticity-robust (HC1), Clustered (worker), Driscoll-Kraay
 * (2 lags), ...) and the statistics rows (default: Observations, R2, and Within R2 when some
 * model has it); the legend "Signif. codes: *** p<0.01, ** p<0.05, * p<0.1"; the notes. Stars
 * come from each coefficient's stored p_value (none when it is NaN): a coefficient gets one
 * star per threshold its p-value is below.
 *
 * Numbers show 4 significant digits in fixed notation (scientific below 1e-4 or from 1e7 on:
 * 3.481e-05 in text, Markdown and CSV; $3.481\times 10^{-5}$ in LaTeX and 3.481&times;10<sup>-5
 * </sup> in HTML, so that LaTeX never shows raw e-notation); counts (observations, clusters,
 * residual degrees of freedom) print as integers in every format. The JSON format instead writes
 * every number so that it reads back bit-identical. */
#ifndef GW_ETABLE_H
#define GW_ETABLE_H

#include <stddef.h>

#include "gw_export.h"
#include "gw_output.h"
#include "gw_result.h"
#include "gw_status.h"

/* The formats of a table: gw_output_format's, and HTML. */
typedef enum {
    GW_ETABLE_TEXT = 0, /* aligned columns, rules of '-'                                      */
    GW_ETABLE_MARKDOWN, /* a GitHub table, stars and special characters escaped               */
    GW_ETABLE_LATEX,    /* a booktabs tabular (\usepackage{booktabs}); in a table float with
                           \caption when there is a title                                     */
    GW_ETABLE_CSV,      /* the same grid, RFC 4180 quoting, no rules; stars in a column of
                           their own after each model's column                                */
    GW_ETABLE_HTML,     /* a <table> with <thead>, <tbody> and <tfoot> (legend and notes)     */
    GW_ETABLE_JSON      /* the numbers of every model (see gw_etable_render)                  */
} gw_etable_format;

/* What goes on the line beneath each estimate. */
typedef enum {
    GW_ETABLE_SE = 0, /* the standard error, "(0.0123)"                                       */
    GW_ETABLE_TSTAT,  /* the t (or z) statistic, "(4.56)"                                     */
    GW_ETABLE_CI      /* the confidence interval at opts.level, "[0.01, 0.05]"                */
} gw_etable_below;

#define GW_ETABLE_MAXSTARS 4

/* Options of gw_etable_render_ex; all-zero means the defaults. Strings are borrowed. */
typedef struct {
    gw_etable_below below;     /* GW_ETABLE_SE by default                                        */
    double level;              /* GW_ETABLE_CI: interval level in (0, 1); 0: each model's stored
                                  interval (conf_level, 0.95 unless the fit said otherwise); any
                                  other level is computed as estimate -/+ q * std_error, q the
                                  quantile of the fit's reference distribution (t with
                                  df_inference, or normal)                                       */
    int digits;                /* significant digits of estimates and statistics (0: 4; at most
                                  15)                                                            */
    int fixed;                 /* 1: digits counts decimals instead ("%.3f"; fixest's "r3")      */
    const double *stars;       /* nstars thresholds in (0, 1), strictly decreasing (as
                                  gw_etable_stars_parse gives them); NULL: 0.1, 0.05, 0.01       */
    size_t nstars;             /* with stars != NULL; 0 means no stars and no legend             */
    const char *const *rename; /* nrename pairs (old, new): 2 * nrename strings; the first pair
                                 whose old is a term gives its label                            */
    size_t nrename;
    const char *const *keep; /* nkeep patterns: only terms that match one are shown            */
    size_t nkeep;
    const char *const *drop; /* ndrop patterns: terms that match one are not shown             */
    size_t ndrop;
    const char *const *order; /* norder patterns: the terms matching the first come first (in
                                 their own order), then those matching the second, ..., then
                                 the rest                                                       */
    size_t norder;
    const char *const *stats; /* nstats statistic keys, rows in this order (gw_etable_stat_keys);
                                 NULL: n, r2, and r2_within when some model has it. A requested
                                 row is shown even where no model has the statistic (empty)    */
    size_t nstats;
    const char *const *add_rows; /* nadd_rows rows "Label: a, b, ...", one value per model
                                 (fewer: the rest empty), after the fixed-effect rows           */
    size_t nadd_rows;
    const char *title; /* NULL: none                                                     */
    const char *notes; /* NULL: none; printed after the legend                           */
} gw_etable_opts;

/* Patterns (keep, drop, order): a pattern matches a term when it equals the term's name or its
 * label, or when it is a POSIX extended regular expression found in the name or the label
 * ("value" matches "value" and "log(value)"; "^value$" only the first; "^year::" every level of
 * i(year)). A pattern that is not a valid expression matches by equality only. */

/* gw_etable_render_ex -- render nmodels results side by side.
 *
 * in: models (borrowed, nmodels non-NULL results with allocated k arrays as gw_result_new
 *     makes them), names (borrowed model names, a header row under the column numbers; NULL:
 *     no names row), fmt, opts (borrowed; NULL: the defaults). GW_ETABLE_JSON: an object
 *     {"models": [...], "terms": [...], "signif_codes": {...}} with each model's name (or
 *     "(i)"), response, estimator, vcov_type, nobs, r2, r2_within, fixed_effects and
 *     coefficients (term, estimate, std_error, p_value, stars); NaN as null; of the options
 *     only the stars apply (the JSON carries every term, under its own name).
 * out: *out, NUL-terminated, owned by the caller (gw_free); NULL on failure.
 * Returns GW_OK; GW_EINVAL (nmodels == 0, a NULL model, fmt outside the enum, an unknown
 * statistic key, stars not strictly decreasing in (0, 1) or more than GW_ETABLE_MAXSTARS, a
 * level outside (0, 1), digits outside 0..15, an added row without "Label:" or with more values
 * than models, keep/drop leaving no term); GW_ENOMEM.
 * Complexity: O(nmodels x number of distinct terms x (terms per model + patterns)). */
GW_API gw_status gw_etable_render_ex(const gw_result *const *models, const char *const *names,
                                     size_t nmodels, gw_etable_format fmt,
                                     const gw_etable_opts *opts, char **out);

/* gw_etable_render -- gw_etable_render_ex with the default options, names as given, and fmt
 * one of gw_output_format's (text, JSON, Markdown, LaTeX, CSV). Kept for callers that print the
 * default table (goodwork run's report). */
GW_API gw_status gw_etable_render(const gw_result *const *models, const char *const *names,
                                  size_t nmodels, gw_output_format fmt, char **out);

/* gw_etable_interval -- the interval of coefficient j of r at level (0: the stored interval at
 * r->conf_level): the stored ci_low/ci_high when the level is the stored one and they are
 * finite, else estimate -/+ q * std_error with q the (1 + level) / 2 quantile of t with
 * r->df_inference degrees of freedom (the normal when r->stat_is_z or df_inference is not
 * positive). The one rule of goodwork table's --ci and goodwork plot's intervals. */
GW_API void gw_etable_interval(const gw_result *r, size_t j, double level, double *lo, double *hi);

/* gw_etable_format_parse -- "text", "markdown" (or "md"), "latex" (or "tex"), "csv", "html",
 * "json" into *fmt. GW_EINVAL (message lists the names). */
GW_API gw_status gw_etable_format_parse(const char *name, gw_etable_format *fmt);

/* gw_etable_format_from_path -- the format of a file name's extension: .txt, .md, .tex, .csv,
 * .html/.htm, .json (ASCII case ignored). GW_EINVAL for any other (message names the
 * extensions). */
GW_API gw_status gw_etable_format_from_path(const char *path, gw_etable_format *fmt);

/* gw_etable_stat_keys -- the statistic keys opts.stats accepts, in a static NULL-terminated
 * array: n, n_clusters, df, r2, adj_r2, r2_within, pseudo_r2, loglik, aic, bic, f, rmse,
 * first_stage_f (one row per endogenous regressor when models have several), mean_y (stored
 * by goodwork fit since issue 19; empty for older results files). */
GW_API const char *const *gw_etable_stat_keys(void);

/* gw_etable_stars -- "***" for p < 0.01, "**" for p < 0.05, "*" for p < 0.1, else "" (NaN
 * included). Static text. */
GW_API const char *gw_etable_stars(double p);

/* gw_etable_stars_ex -- one '*' per threshold of thr[0..n) that p is below (static text; ""
 * for NaN). thr as gw_etable_stars_parse gives it. */
GW_API const char *gw_etable_stars_ex(double p, const double *thr, size_t n);

/* gw_etable_stars_parse -- "0.1,0.05,0.01" (thresholds in any order; "none" or "" for no
 * stars) into thr (caller's, GW_ETABLE_MAXSTARS entries), sorted decreasing, and *n.
 * GW_EINVAL (not a number, outside (0, 1), repeated, more than GW_ETABLE_MAXSTARS). The one
 * parser of every command's --stars. */
GW_API gw_status gw_etable_stars_parse(const char *text, double *thr, size_t *n);

/* gw_etable_stars_legend -- "*** p<0.01, ** p<0.05, * p<0.1" for thr[0..n) into buf (len
 * bytes; truncated to fit). Returns buf. */
GW_API char *gw_etable_stars_legend(const double *thr, size_t n, char *buf, size_t len);

/* gw_etable_labels_read -- the labels file path: a CSV with a header row and two columns, the
 * term's name and its label (further columns are ignored). *pairs (owned, 2 * *n strings:
 * name, label, ...) for gw_etable_opts.rename; free with gw_etable_labels_free.
 * Returns the CSV reader's statuses (GW_EIO, GW_EFORMAT), GW_EFORMAT when the file has fewer
 * than two columns or a numeric column (labels are text), GW_ENOMEM. */
GW_API gw_status gw_etable_labels_read(const char *path, char ***pairs, size_t *n);
GW_API void gw_etable_labels_free(char **pairs, size_t n);

/* gw_etable_split_list -- "a,b,poly(x,2)" into items at the commas outside (), [] and {}
 * (so that terms and regular expressions keep theirs); blanks around items are removed.
 * *items owned (gw_etable_list_free).
 * GW_EINVAL for an empty item ("a,,b"), GW_ENOMEM. */
GW_API gw_status gw_etable_split_list(const char *text, char ***items, size_t *n);
GW_API void gw_etable_list_free(char **items, size_t n);

/* gw_etable_rename_parse -- "old=new,old2=new2" (split as gw_etable_split_list, each item at
 * its last '=' outside brackets, so that "union=yes=Union member" renames the term union=yes) into *pairs (owned, 2 * *n strings: old, new, ...; free with
 * gw_etable_labels_free). GW_EINVAL for an item without '=' or with an empty side. */
GW_API gw_status gw_etable_rename_parse(const char *text, char ***pairs, size_t *n);

/* gw_etable_write_file -- write text to path atomically: a temporary file in the same
 * directory, flushed to disk and renamed over path, so that a reader sees the old file or the
 * new one. GW_EIO (with the system's reason), GW_EINVAL, GW_ENOMEM. */
GW_API gw_status gw_etable_write_file(const char *path, const char *text);

#endif
