/* gw_scenario_run.h -- one call runs an automation-impact scenario from the fitted models and the
 * data: the library's front door to analyses/gw_scenario.h for the C API, the command line
 * (`goodwork scenario`) and the Python and R packages.
 *
 * gw_scenario_file reads the models from a results file (goodwork fit --out) and the data from
 * a CSV or goodwork HDF5 file; gw_scenario_table takes fits and tables already in memory. Both
 * then do the same work: parse the shock specifications (gw_shock_parse), check that every model
 * is linear and rebuild its regressors from its stored formula (io/gw_eqframe.h), take the rows
 * of the scenario year as the areas (one per area identifier), align the areas' occupation
 * shares for shift-share shocks, run the Monte Carlo draws (gw_scenario_run) and summarise the
 * changes nationally and by each grouping variable (gw_scenario_summarise). The report answers
 * through the accessors below and writes itself into a results file as an analysis group
 * (gw_scenario_report_write).
 *
 * Options are the command line's, by the same names, and so are the messages (they name the
 * command's flags: "--id", "--by"); docs/scenario.md documents them. Thread safety: calls on
 * different reports are independent; the draws run on gw_threads_set threads (OpenMP) and the
 * bytes of every result do not depend on their number. */
#ifndef GW_SCENARIO_RUN_H
#define GW_SCENARIO_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "gw_export.h"
#include "gw_hdf5.h"
#include "gw_result.h"
#include "gw_scenario.h"
#include "gw_status.h"
#include "gw_table.h"

#define GW_SCENARIO_DEFAULT_SEED 20250101u
/* Largest number of draws accepted: draws x outcomes x areas doubles are kept (8 GB for ten
 * million draws of one outcome in a hundred areas), so a typo cannot exhaust memory for hours. */
#define GW_SCENARIO_MAX_DRAWS 10000000u

/* Flags of gw_scenario_run_opts. */
enum {
    GW_SCENARIO_NO_COEF_DRAWS = 1u << 0,    /* every draw uses the point estimates               */
    GW_SCENARIO_RESIDUAL_NOISE = 1u << 1,   /* add N(0, rmse^2) per model, area and draw         */
    GW_SCENARIO_SEED_SET = 1u << 2,         /* use opts.seed (else GW_SCENARIO_DEFAULT_SEED)     */
    GW_SCENARIO_PASS_THROUGH_SET = 1u << 3, /* use opts.pass_through (else the default 0.5)     */
    GW_SCENARIO_YEAR_SET = 1u << 4,         /* use opts.year (else the latest year of the data) */
    GW_SCENARIO_STRICT = 1u << 5, /* a value after the shock outside its bounds or the observed
                                   * range is an error (GW_EFORMAT), not only reported */
    /* Coefficient draws (docs/scenario.md, "Uncertainty"). Neither flag: joint draws from the
     * covariance of the stacked estimators when every model is a least-squares fit clustered on
     * the same variable and fitted on the same rows of the data (its stored vcov rebuilt from
     * the data to GWI_JOINT_TOL), independent draws per model otherwise, the reason recorded
     * (gw_scenario_settings.coef_draws_note). */
    GW_SCENARIO_JOINT_DRAWS = 1u << 6,      /* joint draws, or GW_EINVAL saying why not        */
    GW_SCENARIO_INDEPENDENT_DRAWS = 1u << 7 /* each model from its own stored vcov             */
};

/* How to run. All-zero means the defaults; strings are borrowed. */
typedef struct {
    const char *models;    /* gw_scenario_file: "a,b,c", the models to use (NULL: every model in
                            * the file, in its order); must be NULL for gw_scenario_table */
    const char *const *by; /* nby grouping specs, each "VAR" or "VAR1,VAR2": summaries by group;
                            * an item "@NAME" or "@NAME:SELECTOR" groups by the stored analysis
                            * /analyses/NAME of the results file (`analyses`): the communities of
                            * a cluster analysis (":ward": its Ward assignment) or the quintiles
                            * of an index (":quartile", ":decile"), docs/scenario.md */
    size_t nby;
    size_t draws;           /* Monte Carlo draws, 1..GW_SCENARIO_MAX_DRAWS; 0: 1000 */
    uint64_t seed;          /* with GW_SCENARIO_SEED_SET */
    double pass_through;    /* with GW_SCENARIO_PASS_THROUGH_SET: finite, >= 0 */
    double year;            /* with GW_SCENARIO_YEAR_SET: finite; the year to shock */
    const char *emp;        /* the employment variable (NULL: "emp_rate") */
    const char *id;         /* area identifier (NULL: "la_id") */
    const char *time;       /* time variable (NULL: "year" when the data has it, else every row
                             * is an area; a name the data lacks is an error) */
    const char *table;      /* gw_scenario_file, HDF5 data: the table's group (NULL: "/data") */
    const char *occupation; /* gw_scenario_file: group of the occupation table ("/occupation") */
    const char *shares;     /* gw_scenario_file: group of the occupation shares ("/shares") */
    char delim;             /* gw_scenario_file, CSV data: the delimiter (0: detected) */
    /* nbounds "VAR=LO:HI" bounds of outcomes (either side may be empty: unbounded; "VAR=none":
     * no bounds), over the defaults: [0, 100] for names ending in _rate or _share or starting
     * with share_ (percentages). */
    const char *const *bounds;
    size_t nbounds;
    /* A distribution of the pass-through, "beta(A,B)" (A, B > 0) or "uniform(LO,HI)"
     * (0 <= LO < HI), drawn anew in each draw (NULL: fixed); the point result then uses the
     * distribution's mean. */
    const char *pass_through_dist;
    unsigned flags;         /* GW_SCENARIO_* */
    /* A numeric column of the data (NULL: unweighted): the national and by-group mean changes
     * are weighted by its value in the scenario year (docs/scenario.md, "Linking steps"); areas
     * with a missing or zero weight are left out, a negative or infinite one is an error. */
    const char *weight;
    /* The results file whose analyses `by` items "@NAME" read (NULL: gw_scenario_file's
     * results file; gw_scenario_table has none unless it is given). */
    const char *analyses;
    /* Progress of the draws (NULL: none): called with done = 0 when the draws start, then from
     * one thread as they complete (done <= total, repeats possible). */
    void (*progress)(void *ctx, size_t done, size_t total);
    /* Called once when the draws are over, with their status and wall time in seconds, before
     * the summaries (NULL: none); not called when a failure stops the work earlier. */
    void (*draws_done)(void *ctx, gw_status s, double seconds);
    void *progress_ctx;
    /* NULL, or a cache shared by runs made one after another with the same models, seed and
     * draws (gw_scenario_opts.cache; the horizon's years and named scenarios use one of their
     * own): the same bytes, less work. With it, the report's per-draw changes
     * (gw_scenario_result.draw_change) go back to the cache once summarised, and are NULL. */
    gw_scenario_cache *cache;
} gw_scenario_run_opts;

/* The in-memory data of gw_scenario_table (borrowed). */
typedef struct {
    const gw_table *table;      /* the panel (or one row per area): every variable the models and
                                 * shocks read, the area identifier and the time variable */
    const gw_table *occupation; /* shift-share shocks: numeric p_auto (and ai_exposure for ai:)
                                 * per occupation; else may be NULL */
    const gw_table *shares;     /* shift-share shocks: the identifier (and time) and one share
                                 * column per occupation, in occupation order; else NULL */
    const gw_table *observed;   /* the rows whose ranges the plausibility check uses (NULL: the
                                 * table; a horizon passes the panel without its projection) */
} gw_scenario_data;

/* The resolved settings of a run (borrowed from the report). */
typedef struct {
    uint64_t seed;
    size_t draws;
    double pass_through;
    double year;           /* the scenario year; NaN when there is no time variable */
    const char *id;        /* the area identifier variable */
    const char *time;      /* the time variable, NULL when every row is an area */
    const char *results;   /* gw_scenario_file's results path; NULL from gw_scenario_table */
    int coefficient_draws; /* 0 with GW_SCENARIO_NO_COEF_DRAWS */
    int residual_noise;    /* 1 with GW_SCENARIO_RESIDUAL_NOISE */
    const char *pass_through_dist; /* as given, or NULL */
    const char *weight;            /* the --weight variable, or NULL (unweighted) */
    /* Coefficient draws of two or more models: 1 when drawn jointly (the cluster variable, and
     * the eigenvalues of the joint vcov clipped to zero); else the reason they are independent
     * when joint draws were considered and not possible (NULL otherwise). */
    int coef_draws_joint;
    const char *coef_draws_cluster;
    size_t coef_draws_clipped;
    const char *coef_draws_note;
} gw_scenario_settings;

/* A scenario's report (opaque): made by gw_scenario_file / gw_scenario_table, freed by
 * gw_scenario_report_free. */
typedef struct gw_scenario_report gw_scenario_report;

/* gw_scenario_file -- run a scenario with the models of the results file `results` on the data
 * file `data`.
 *   shocks  in, borrowed: nshocks specifications (gw_shock_parse grammar), applied in order.
 *   opts    in, borrowed, may be NULL (defaults).
 *   out     out, owned: gw_scenario_report_free; NULL on failure.
 * Work and failures, in this order (each status with a message):
 *   GW_EINVAL   NULL arguments; opts out of range (draws, pass_through, year).
 *   GW_ESYNTAX  a bad shock specification.
 *   GW_EINVAL   an empty item in opts->models or opts->by ("bad --models 'a,,b': empty item").
 *   the results file's statuses (GW_EIO, GW_EFORMAT), GW_EINVAL when it holds no model,
 *   GW_ENOVAR for a model it does not have (the message lists those it has), GW_EINVAL for a
 *   non-linear model (logit, probit, poisson) or one without a stored formula, the formula's
 *   statuses (gw_eqframe_new, prefixed with the model's name).
 *   the data file's statuses (gw_data_load: GW_EIO, GW_EFORMAT with file:line:col).
 *   GW_ENOVAR   an unknown --id or --time variable; GW_EINVAL a categorical time variable;
 *   GW_EFORMAT  no rows in the scenario year.
 *   shift-share shocks: the occupation and shares groups' statuses (prefixed "shift-share
 *   shocks need the occupation table and shares"; a CSV file gives GW_EFORMAT); GW_EFORMAT when
 *   p_auto (ai_exposure) is missing or not numeric, when the shares lack a numeric identifier,
 *   lack an area of the scenario year or do not have one column per occupation.
 *   gw_scenario_run's statuses, prefixed "scenario" (cycles, unknown shocked variables, log of
 *   a non-positive value after the shock, ...).
 *   GW_ENOVAR an unknown --by variable; GW_EFORMAT a --by variable missing in every area.
 *   GW_EINVAL a bad opts->bounds item; with GW_SCENARIO_STRICT, GW_EFORMAT when an outcome
 *   leaves its bounds or the observed range in some area (the first such area is named).
 *   GW_ENOMEM ("out of memory").
 * Complexity: reading the files, then gw_scenario_run's O(draws * sum_m (build_m + n k_m)). */
GW_API gw_status gw_scenario_file(const char *results, const char *data, const char *const *shocks,
                                  size_t nshocks, const gw_scenario_run_opts *opts,
                                  gw_scenario_report **out);

/* gw_scenario_table -- the same on data in memory with the fits given: nfits linear fits
 * (borrowed; each with its stored formula and, unless GW_SCENARIO_NO_COEF_DRAWS, its vcov)
 * called names[m]. The tables are left unchanged. opts->models must be NULL (pass the fits to
 * use) and the file options (table, occupation, shares, delim) are ignored. Statuses as
 * gw_scenario_file without the files'; GW_EINVAL for nfits == 0, NULL fits, names or
 * data->table, opts->models set, or shift-share shocks without data->occupation and
 * data->shares. Messages name the data "the data". */
GW_API gw_status gw_scenario_table(const gw_scenario_data *data, const gw_result *const *fits,
                                   const char *const *names, size_t nfits,
                                   const char *const *shocks, size_t nshocks,
                                   const gw_scenario_run_opts *opts, gw_scenario_report **out);

/* Plausibility of one outcome after the shock (gw_scenario_report_plausibility): each area's
 * value after the shock, base + point change (the propagation with the point estimates), set
 * against the outcome's bounds and against the range observed over every row of the data (all
 * years): beyond that range the linear equations extrapolate. */
enum {
    GW_SCENARIO_BELOW = 1u,   /* below the lower bound */
    GW_SCENARIO_ABOVE = 2u,   /* above the upper bound */
    GW_SCENARIO_OUTSIDE = 4u  /* outside the observed range */
};
typedef struct {
    double lo, hi;                   /* bounds; -inf / inf: none on that side */
    double observed_lo, observed_hi; /* finite values over the data's rows; NaN when none */
    size_t below, above, outside;    /* areas with each flag */
    const unsigned char *flag;       /* n_areas: GW_SCENARIO_BELOW | ABOVE | OUTSIDE bits */
} gw_scenario_plausibility;

/* The report. Every pointer is borrowed and valid until gw_scenario_report_free; indexes must
 * be below the matching count. */
GW_API const gw_scenario_settings *gw_scenario_report_settings(const gw_scenario_report *r);
/* The shock specifications as given. */
GW_API size_t gw_scenario_report_nshocks(const gw_scenario_report *r);
GW_API const char *gw_scenario_report_shock(const gw_scenario_report *r, size_t h);
/* The models in the order given (gw_scenario_report_result(r)->order is the propagation order
 * and ->clipped[m] refers to this order): name and stored formula. */
GW_API size_t gw_scenario_report_nmodels(const gw_scenario_report *r);
GW_API const char *gw_scenario_report_model(const gw_scenario_report *r, size_t m);
GW_API const char *gw_scenario_report_formula(const gw_scenario_report *r, size_t m);
/* Per-area results: outcomes, base values, changes over the draws, ranks (gw_scenario.h). */
GW_API const gw_scenario_result *gw_scenario_report_result(const gw_scenario_report *r);
/* The areas: the data's rows of the scenario year (every column), and each area's identifier
 * as text ("%.10g" for a number, the level of a categorical one, "NA" when missing; at most
 * 127 bytes). */
GW_API const gw_table *gw_scenario_report_areas(const gw_scenario_report *r);
GW_API const char *gw_scenario_report_area(const gw_scenario_report *r, size_t i);
/* The national summary (one group: every area). */
GW_API const gw_scenario_summary *gw_scenario_report_national(const gw_scenario_report *r);
/* The grouping variables (every VAR of opts->by, in order), their summaries and the groups'
 * names: categorical levels, or the distinct numeric values in increasing order ("%.10g"). */
GW_API size_t gw_scenario_report_nby(const gw_scenario_report *r);
GW_API const char *gw_scenario_report_by_var(const gw_scenario_report *r, size_t b);
GW_API const gw_scenario_summary *gw_scenario_report_by(const gw_scenario_report *r, size_t b);
GW_API const char *gw_scenario_report_by_level(const gw_scenario_report *r, size_t b, size_t g);

/* The plausibility of outcome o (gw_scenario_report_result(r)->outcomes[o]). */
GW_API const gw_scenario_plausibility *gw_scenario_report_plausibility(const gw_scenario_report *r,
                                                                       size_t o);

/* gw_scenario_report_render -- r as `goodwork scenario` prints it: the text summary (json 0) or
 * one line of JSON (json 1; with areas 1 it adds each area's results, as --areas does), each
 * ending in a newline. out: owned (gw_free); NULL on failure. Returns GW_OK, GW_EINVAL for NULL
 * r or out, GW_ENOMEM. */
GW_API gw_status gw_scenario_report_render(const gw_scenario_report *r, int json, int areas,
                                           char **out);

/* gw_scenario_report_write -- store the report as the analysis group `group` (e.g.
 * "/analyses/scenario") of the results file path, replacing a group of that name, atomically
 * (gw_results_append_group). Datasets: area, outcome, local_shock, base, point, mean, median,
 * q05, q95, rank_base, rank_after, rank_change (outcomes x areas), national/{mean_change, q05,
 * q50, q95, point}, national_draws (outcomes x draws) and, for the first six grouping variables,
 * by/VAR/{levels, mean_change, q05, q50, q95, point, draws}. Attributes: shock (joined by "; "),
 * models (propagation order, joined by ","), results (when read from a file), draws,
 * pass_through, year, id, coefficient_draws, residual_noise. prov: borrowed, may be NULL.
 * Returns gw_results_append_group's statuses (GW_EINVAL, GW_EIO), GW_ENOMEM. */
GW_API gw_status gw_scenario_report_write(const gw_scenario_report *r, const char *path,
                                          const char *group, const gw_provenance *prov);

/* gw_scenario_report_free -- release r; NULL-safe. */
GW_API void gw_scenario_report_free(gw_scenario_report *r);

/* ---- several scenarios compared (common random numbers) ---------------------------------- */

/* One named scenario: its shocks, applied in order (gw_shock_parse grammar). Borrowed. */
typedef struct {
    const char *name; /* letters, digits, '_', '-', '.'; unique among the scenarios */
    const char *const *shocks;
    size_t nshocks;
} gw_scenario_def;

/* A comparison (opaque): made by gw_scenario_compare_file, freed by
 * gw_scenario_comparison_free. */
typedef struct gw_scenario_comparison gw_scenario_comparison;

/* gw_scenario_compare_file -- run nscen >= 2 scenarios with the same models, data and opts (so
 * the same seed: draw d of every scenario uses the same coefficients and residual noise, and
 * differences between scenarios carry only the spread of the difference) and summarise each
 * scenario's difference from scenario `reference` (an index): national and by group, the point
 * difference, the mean of the per-draw differences and their 5/50/95% quantiles. Outcomes are
 * matched by name (an outcome the reference lacks has NaN differences).
 * Returns GW_OK; GW_EINVAL (NULL arguments, nscen < 2, reference out of range, a bad or repeated
 * name); every status of gw_scenario_file, prefixed "scenario NAME". As in
 * gw_scenario_path_file, the reports' draw_change is NULL. */
GW_API gw_status gw_scenario_compare_file(const char *results, const char *data,
                                          const gw_scenario_def *defs, size_t nscen,
                                          size_t reference, const gw_scenario_run_opts *opts,
                                          gw_scenario_comparison **out);

/* The scenarios (in the order given), the reference, each scenario's report, and its
 * difference from the reference: national (one group) and by the b-th grouping variable (the
 * levels are those of the reports, gw_scenario_report_by_level). NULL for the reference. */
GW_API size_t gw_scenario_comparison_n(const gw_scenario_comparison *c);
GW_API size_t gw_scenario_comparison_reference(const gw_scenario_comparison *c);
GW_API const char *gw_scenario_comparison_name(const gw_scenario_comparison *c, size_t s);
GW_API const gw_scenario_report *gw_scenario_comparison_report(const gw_scenario_comparison *c,
                                                               size_t s);
GW_API const gw_scenario_summary *gw_scenario_comparison_diff(const gw_scenario_comparison *c,
                                                              size_t s);
GW_API const gw_scenario_summary *gw_scenario_comparison_diff_by(const gw_scenario_comparison *c,
                                                                 size_t s, size_t b);

/* gw_scenario_comparison_render -- as `goodwork scenario --scenario ...` prints it: text (json 0)
 * or one line of JSON, ending in a newline. out: owned (gw_free). GW_EINVAL, GW_ENOMEM. */
GW_API gw_status gw_scenario_comparison_render(const gw_scenario_comparison *c, int json,
                                               char **out);

/* gw_scenario_comparison_write -- store c as the analysis group `group` of path, atomically,
 * replacing a group of that name: `scenario` (names), `outcome` (the reference's outcomes),
 * for each scenario SNAME `SNAME/national/{mean_change, q05, q50, q95, point}` and
 * `SNAME/national_draws`, and for each but the reference `diff/SNAME/national/{...}`,
 * `diff/SNAME/national_draws` and `diff/SNAME/by/VAR/{levels, mean_change, q05, q50, q95,
 * point}`; attributes `reference`, `shock` (per scenario "SNAME: SPEC; SPEC" joined by " | "),
 * `models`, `draws`, `pass_through`, `year`, `id`. Statuses of gw_results_append_group. */
GW_API gw_status gw_scenario_comparison_write(const gw_scenario_comparison *c, const char *path,
                                              const char *group, const gw_provenance *prov);

/* gw_scenario_comparison_free -- release c; NULL-safe. */
GW_API void gw_scenario_comparison_free(gw_scenario_comparison *c);

/* ---- specification uncertainty ---------------------------------------------------------- */

/* One specification: a named set of the results file's models ("pay,autonomy,life"). */
typedef struct {
    const char *name;
    const char *models;
} gw_scenario_variant;

/* The national result of several specifications of one scenario (gw_scenario_variants_file):
 * for each outcome of the first specification, the draws of every specification pooled (each
 * specification weighted equally: the same number of draws), their mean and quantiles, and the
 * variance of the pooled draws split into within (mean of the specifications' variances) and
 * between (variance of their means, divisor nvar): total = within + between. */
typedef struct {
    size_t nvar, n_outcomes;
    char **outcomes;
    double *mean, *q05, *q50, *q95;      /* n_outcomes, over the pooled draws */
    double *var_within, *var_between;    /* n_outcomes */
} gw_scenario_pooled;

typedef struct gw_scenario_variants gw_scenario_variants;

/* gw_scenario_variants_file -- run the scenario (shocks) once per specification with the same
 * opts (seed, draws) but that specification's models, and pool them. Returns GW_OK; GW_EINVAL
 * (NULL arguments, fewer than two variants, bad or repeated names, opts->models set);
 * gw_scenario_file's statuses prefixed "variant NAME". As in gw_scenario_path_file, the
 * reports' draw_change is NULL. */
GW_API gw_status gw_scenario_variants_file(const char *results, const char *data,
                                           const char *const *shocks, size_t nshocks,
                                           const gw_scenario_variant *v, size_t nvar,
                                           const gw_scenario_run_opts *opts,
                                           gw_scenario_variants **out);
GW_API size_t gw_scenario_variants_n(const gw_scenario_variants *v);
GW_API const char *gw_scenario_variants_name(const gw_scenario_variants *v, size_t k);
GW_API const gw_scenario_report *gw_scenario_variants_report(const gw_scenario_variants *v,
                                                             size_t k);
GW_API const gw_scenario_pooled *gw_scenario_variants_pooled(const gw_scenario_variants *v);
/* Text (json 0) or one line of JSON, ending in a newline. */
GW_API gw_status gw_scenario_variants_render(const gw_scenario_variants *v, int json, char **out);
GW_API void gw_scenario_variants_free(gw_scenario_variants *v);

/* ---- paths over a horizon ---------------------------------------------------------------- */

/* The horizon of gw_scenario_path_file. */
typedef struct {
    double from, to;    /* years, from <= to, at most 200 of them */
    double ramp;        /* NaN: every shock at full size from `from`; else each reaches its full
                         * size linearly at year ramp (from <= ramp <= to): the fraction
                         * (y - from + 1) / (ramp - from + 1) of it in year y before then */
    size_t trend_years; /* the baseline's area trends over the last trend_years observed years
                         * (0: all) */
} gw_scenario_horizon;

/* A scenario path (opaque): gw_scenario_path_file makes it, gw_scenario_path_free frees it. */
typedef struct gw_scenario_path gw_scenario_path;

/* gw_scenario_path_file -- nscen >= 1 scenarios over the horizon's years. The baseline of a year
 * after the data's last is the panel projected by area trends (docs/scenario.md, "Horizon");
 * a year the data has is taken as observed. Each year's scenario is the static comparison of
 * that year's baseline with the same year after the (ramped) shocks: the deviation from the
 * baseline, per area, nationally and by group, with the same draws in every year and scenario
 * (common random numbers: the difference between scenarios and between years is paired). opts
 * as gw_scenario_file (its year is ignored; models selects the models). Returns GW_OK; GW_EINVAL
 * (NULL arguments, a bad horizon, bad or repeated names); the statuses of gw_scenario_file,
 * prefixed "YEAR scenario NAME". The reports keep every summary and per-area statistic but
 * not the per-area changes of each draw (gw_scenario_result.draw_change is NULL): one buffer
 * serves every year and scenario (gw_scenario_run_opts.cache; with a cache of the caller's,
 * that one). */
GW_API gw_status gw_scenario_path_file(const char *results, const char *data,
                                       const gw_scenario_def *defs, size_t nscen,
                                       size_t reference, const gw_scenario_horizon *h,
                                       const gw_scenario_run_opts *opts, gw_scenario_path **out);

/* The years, and each year's comparison (its reports and differences; with one scenario, no
 * differences). */
GW_API size_t gw_scenario_path_nyears(const gw_scenario_path *p);
GW_API double gw_scenario_path_year(const gw_scenario_path *p, size_t k);
GW_API const gw_scenario_comparison *gw_scenario_path_at(const gw_scenario_path *p, size_t k);

/* gw_scenario_path_render -- text (json 0) or one line of JSON, ending in a newline. */
GW_API gw_status gw_scenario_path_render(const gw_scenario_path *p, int json, char **out);

/* gw_scenario_path_write -- store p as analysis group `group`, atomically: `year`, `scenario`,
 * per scenario SNAME `scenarios/SNAME/outcome` and
 * `scenarios/SNAME/path/{mean_change, q05, q50, q95, point}`
 * (years x outcomes, national), and for each but the reference `diff/SNAME/path/{...}`;
 * attributes `reference`, `horizon` ("FROM-TO"), `ramp`, `trend_years`, `draws`. Statuses of
 * gw_results_append_group. */
GW_API gw_status gw_scenario_path_write(const gw_scenario_path *p, const char *path,
                                        const char *group, const gw_provenance *prov);

GW_API void gw_scenario_path_free(gw_scenario_path *p);

#endif
