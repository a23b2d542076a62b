/* gw_fit.h -- one call fits a formula on a data table or a data file: the library's front door
 * for the C API, the command line (`goodwork fit`) and the Python and R packages.
 *
 * gw_fit_file reads only the columns the model uses (CSV or goodwork HDF5, io/gw_load.h),
 * builds the model frame and dispatches to the estimator the options ask for: least squares,
 * the within estimator with absorbed fixed effects, the panel estimators (random effects, first
 * differences, between; Driscoll-Kraay and Newey-West variances; the Hausman test), two-stage
 * least squares when the formula has an IV part, logit, probit and Poisson. The result
 * (core/gw_result.h) answers by name, renders to the JSON the command line prints
 * (io/gw_output.h) and writes itself to a results file (io/gw_hdf5.h).
 *
 * Options are the command line's, by the same names, and so are the messages (they name the
 * command's flags: "--vcov", "--panel"); docs/reference/commands.md documents them.
 *
 * Out of core: with gw_fit_opts.memory_limit, gw_fit_file streams an HDF5 table whose in-core
 * fit would need more memory than the limit (api/fit_stream.c says how): the same results, in
 * memory that does not grow with the rows. Callers that serve rows themselves (the command
 * line's distributed fits under MPI, a binding's own source) fit a row-block source with
 * gw_fit_stream; io/gw_h5source.h is the HDF5 one. */
#ifndef GW_FIT_H
#define GW_FIT_H

#include <stddef.h>

#include "gw_export.h"
#include "gw_frame.h"
#include "gw_glm.h"
#include "gw_ols.h"
#include "gw_result.h"
#include "gw_status.h"
#include "gw_stream.h"
#include "gw_table.h"

/* Largest IRLS iteration limit accepted: far beyond what IRLS ever needs (it converges
 * quadratically), small enough that a typo cannot make a fit spin for hours. */
#define GW_FIT_MAXITER_CAP 100000UL

/* Flags of gw_fit_opts. */
enum {
    GW_FIT_AME = 1u << 0,             /* logit/probit: average marginal effects too        */
    GW_FIT_HAUSMAN = 1u << 1,         /* with a panel: the Hausman test (FE against RE)    */
    GW_FIT_KEEP_SINGLETONS = 1u << 2, /* absorbed fixed effects: keep singleton groups     */
    GW_FIT_KEEP_RESIDUALS = 1u << 3,  /* keep residuals and fitted values in the result    */
    GW_FIT_DROP_INVALID = 1u << 4,    /* drop (and count) rows where a transform of the
                                       * formula is undefined, instead of GW_EFORMAT       */
    GW_FIT_SAVE_FE = 1u << 5          /* OLS/WLS with absorbed fixed effects: their estimates
                                       * too (gw_fixef.h; result->fixed_effects[g].effects) */
};

/* What to fit. All-zero means ordinary least squares with iid errors. Strings are borrowed. */
typedef struct {
    const char *estimator; /* NULL or "ols"; "re", "fd", "between"; "logit", "probit", "poisson" */
    const char *vcov;      /* NULL or "iid"; "hc0".."hc3"; "cluster:V" or "cluster:V1+V2";
                            * "dk:LAGS", "nw:LAGS" (Driscoll-Kraay, Newey-West: need a panel);
                            * kinds in any case, "robust"/"hetero" = "hc1" */
    const char *weights;   /* analytic weights variable, or NULL */
    const char *panel_id;  /* panel identifier and time variables: both or neither */
    const char *panel_time;
    gw_ssc ssc;        /* small-sample conventions with fixed effects (0: goodwork's) */
    double fe_tol;     /* absorbed fixed effects: demeaning tolerance in (0, 1); 0: default */
    size_t fe_maxiter; /* absorbed fixed effects: demeaning iteration limit; 0: default */
    size_t maxiter;    /* logit/probit/poisson: IRLS iteration limit; 0: default */
    double tol;        /* logit/probit/poisson: IRLS tolerance in (0, 1); 0: default */
    unsigned flags;    /* GW_FIT_* */
    const char *group; /* gw_fit_file on an HDF5 table: its group (NULL: "/data") */
    char delim;        /* gw_fit_file on CSV: the field delimiter (0: detected) */
    /* gw_fit_file: bytes the in-core fit may use (0: no limit). An HDF5 table whose in-core
     * fit would need more (rows x (used columns + fixed effects + clusters) x 8 x 3) is
     * streamed; a CSV file of more than a third of the limit is GW_EUNSUPPORTED (convert it). */
    double memory_limit;
    const char *memory_limit_text; /* NULL, or the limit as the caller wrote it ("512M"), for
                                    * messages (NULL: they give it in bytes) */
    const char *scratch; /* NULL, or a writable directory for the streamed fit's blocks, read
                          * back by the passes after the first instead of rebuilt (ignored
                          * without memory_limit) */
    /* gw_fit_table: the rows to consider, one byte per table row (gw_frame_opts.keep: a row
     * with keep[r] == 0 is left out before anything else, counted apart from missing values);
     * NULL: every row. Borrowed. `fit --split` fits one group at a time with it. gw_fit_file
     * refuses it (GW_EINVAL): a file's rows are not known before it is read. */
    const unsigned char *keep;
    /* NULL, or a condition over the table's columns (io/gw_expr.h): only the rows where it is
     * true are used (R's subset=; a missing or undefined condition leaves the row out). The
     * result records it (gw_result.subset) and the rows it left out (nobs_dropped_subset). */
    const char *subset;
    double level;        /* confidence level of the intervals (ci_low, ci_high; also the marginal
                          * effects'), in (0, 1); 0: 0.95. The estimates, standard errors and tests do
                          * not depend on it. */
} gw_fit_opts;

/* Seconds spent in each stage of gw_fit_file (factorise is part of frame's wall time: the
 * coding of grouping variables, reported on its own). */
typedef struct {
    double read, factorise, frame, estimate;
    int streamed;       /* 1: the table was streamed (memory_limit): reading, frame and
                         * estimation interleave, all counted in estimate. Also set by a
                         * failure of the out-of-core path (deciding or fitting). */
    int scratch_failed; /* 1: the streamed fit failed writing or reading its scratch file (a
                         * GW_EIO of the machine's disk, not of the data) */
} gw_fit_timings;

/* The options resolved for the estimators: what gw_fit_table passes down, for callers that
 * drive an estimator themselves (gw_fit_stream; the command line's distributed fits). */
typedef struct {
    gw_ols_opts ols;     /* variance, small-sample profile, demeaning options, flags */
    gw_frame_opts frame; /* weights, clusters, panel (strings borrowed from opts and from here) */
    gw_glm_opts glm;     /* the GLM options when is_glm */
    int is_glm;          /* estimator logit, probit or poisson */
    int is_panel;        /* a panel estimator or a HAC variance (or the Hausman test) */
    char *cluster[GW_FRAME_MAX_CLUSTER]; /* owned copies of the cluster names */
    struct gw_expr *subset;              /* owned: opts->subset parsed, or NULL */
    char *vcov; /* owned: opts->vcov in canonical form (gw_fit_vcov_canonical); NULL: iid */
} gw_fit_prep;

/* gw_fit_vcov_canonical -- the canonical form of a vcov text, the one every caller and the
 * estimators read: the kind is case-insensitive ("HC1", "Cluster:worker", "DK:2"), "robust" and
 * "hetero" are "hc1" (as Stata and fixest); variable names and LAGS stay as written. A text
 * that names no known kind is returned unchanged (gw_fit_prepare then names it in its
 * message). text NULL gives *out NULL. *out: owned (gw_free). GW_EINVAL (out NULL), GW_ENOMEM. */
GW_API gw_status gw_fit_vcov_canonical(const char *text, char **out);

/* gw_fit_prepare -- check the options against each other (no data, no formula) and resolve
 * them into *p (gw_fit_prep_clear releases it, also after a failure). Returns GW_EINVAL with a
 * message naming the option (an unknown estimator, a malformed vcov, a panel estimator without
 * a panel, GLM options with a linear estimator, ...), GW_ESYNTAX (a subset that does not parse:
 * "bad --subset: ..." with a caret), GW_ENOMEM. */
GW_API gw_status gw_fit_prepare(const gw_fit_opts *opts, gw_fit_prep *p);
GW_API void gw_fit_prep_clear(gw_fit_prep *p);

/* gw_fit_check_formula -- the checks that need the formula too (demeaning options without
 * absorbed fixed effects). GW_EINVAL with a message. */
GW_API gw_status gw_fit_check_formula(const gw_formula *f, const gw_fit_opts *opts);

/* gw_fit_columns -- the columns a fit of f with p reads, in the order that lets the frame take
 * the regressors without a copy (main terms, endogenous ones, the response, then the rest; the
 * subset's variables last).
 * *names: owned array of borrowed strings (gw_free), *n its length. GW_ENOMEM. */
GW_API gw_status gw_fit_columns(const gw_formula *f, const gw_fit_prep *p, const char ***names,
                                size_t *n);

/* gw_fit_label -- set the result's formula (as written), and its vcov_type, estimator ("ols")
 * and weights from opts where the estimator left them unset: what gw_fit_table does after the
 * fit, for callers that drive an estimator themselves. GW_ENOMEM. */
GW_API gw_status gw_fit_label(gw_result *r, const char *formula, const gw_fit_opts *opts);

/* gw_fit_design -- estimate on a model frame built with p: the dispatch of gw_fit_table. The
 * design may be modified (demeaned in place). out: owned (gw_result_free). Returns the
 * estimator's status; GW_EINVAL for a model without regressors, GW_ERANK when every regressor
 * is collinear. Sets the result's estimator, vcov_type and weights names. */
GW_API gw_status gw_fit_design(gw_design *d, const gw_fit_opts *opts, const gw_fit_prep *p,
                               gw_result **out);

/* gw_fit_table -- fit formula on table t (borrowed, unchanged). out: owned (gw_result_free),
 * with formula, estimator and vcov_type set. Returns GW_ESYNTAX (the formula), GW_EINVAL and
 * GW_ENOVAR (options, unknown variables), GW_EFORMAT / GW_ENONFINITE (bad values), GW_ENODATA,
 * GW_ERANK, GW_ENOCONV and the estimators' other statuses, each with a message. */
GW_API gw_status gw_fit_table(const gw_table *t, const char *formula, const gw_fit_opts *opts,
                              gw_result **out);

/* gw_fit_file -- read the columns the model uses from path (gw_data_load) and fit as
 * gw_fit_table, releasing the data as the frame takes it; or, when opts->memory_limit is given
 * and an HDF5 table's in-core fit would exceed it, stream the table (gw_fit_opts). tm: NULL, or
 * the stage timings (and whether the fit streamed). Statuses as gw_fit_table, and the reader's
 * (GW_EIO, GW_EFORMAT with file:line:col). With memory_limit also GW_EINVAL (scratch is not a
 * writable directory), GW_EUNSUPPORTED (a CSV file too large for the limit; a streamed fit of
 * what streaming cannot do: gw_fit_stream_check, instruments, a panel, the Hausman test, kept
 * residuals, dk/nw variances, more than 4 fixed-effect and cluster variables, HC2/HC3 with two
 * or more fixed-effect sets, a factor of more than 100,000 levels), GW_ERANK (streamed, every
 * regressor collinear), GW_EIO (the scratch file: tm->scratch_failed).
 * Memory when streamed: O(65,536 rows x used columns + p^2 + levels p), whatever the rows. */
GW_API gw_status gw_fit_file(const char *path, const char *formula, const gw_fit_opts *opts,
                             gw_result **out, gw_fit_timings *tm);

/* gw_fit_stream_check -- whether the estimator of opts can be fitted from row blocks
 * (gw_fit_stream) with formula f: ols (with or without absorbed fixed effects), and logit,
 * probit and poisson with absorbed fixed effects and without GW_FIT_AME; never with a subset,
 * GW_FIT_DROP_INVALID or arithmetic inside a formula term (GW_FF_EXPR). Returns GW_OK, or
 * GW_EUNSUPPORTED whose message is the reason as a phrase naming the option, for the caller's
 * sentence ("--estimator re (ols, poisson, logit and probit can)", "--estimator poisson without
 * absorbed fixed effects", "--ame (average marginal effects)"); GW_EINVAL for a NULL f. */
GW_API gw_status gw_fit_stream_check(const gw_formula *f, const gw_fit_opts *opts);

/* gw_fit_stream -- fit the estimator p resolved (gw_fit_prepare) over the blocks of src:
 * gw_stream_glm_fit with p->glm for logit, probit and poisson, gw_stream_fit with p->ols
 * otherwise. src, p, so: borrowed for the call (so NULL: one process over all rows). out: owned
 * (gw_result_free), NULL on failure; not labelled (gw_fit_label). Returns the engine's status
 * (stream/gw_stream.h, stream/gw_glm_stream.h), GW_EINVAL for NULL src, p or out. A result
 * with k == 0 (every regressor collinear) is returned as it is. */
GW_API gw_status gw_fit_stream(const gw_stream_source *src, const gw_fit_prep *p,
                               const gw_stream_opts *so, gw_result **out);

#endif
