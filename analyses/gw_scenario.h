/* gw_scenario.h -- automation-impact scenarios: a shock propagated through a recursive system
 * of fitted linear equations, with Monte Carlo uncertainty from the fits' sampling
 * distributions (goodwork scenario; docs/reference/dataset.md, "Scenarios").
 *
 * The system. Each equation m is a stored linear fit y_m = f(X_m) b_m (+ absorbed effects),
 * where X_m are regressor columns computed from table variables (x, log(x), a:b ...) and the
 * response is a variable y_m or log(y_m). The equations are put in topological order (an
 * equation whose response another reads comes first); a cycle or two equations for the same
 * variable are errors. The library does not parse formulas or read files: each equation
 * comes with the variables its regressors read and a callback that builds its regressor
 * design from a table (io/gw_eqframe.h provides one from a stored formula).
 *
 * The areas. One table row per area (the CLI takes each area's latest year): the scenario is a
 * static comparative one, the change from the data as observed to the data after the shock,
 * with everything else (absorbed fixed effects, year effects, other variables) unchanged.
 *
 * Shocks, applied in the order given, to the base values (conditions are evaluated on the base
 * data, before any shock):
 * - shift-share (Bartik): occupation shocks g_o = -kappa p_auto_o (displacement) or
 *   -kappa p_auto_o + rho max(ai_o, 0) (AI augmentation) give the local shock
 *   L_i = sum_o s_io g_o (a fraction of jobs; s_io the area's occupation shares, fractions
 *   summing to one), and the employment variable (a rate: jobs per 100 residents) changes by
 *   pass_through * rate_i * L_i percentage points, rate_i its value before any shock
 *   (pass-through 0.5 by default: with kappa = 0.10 and a typical p_auto of 0.45, L = -0.045
 *   and a rate of 75 falls by 1.69 points). kappa must be in [0, 1] and rho >= 0 (g_o is then
 *   at most the whole of occupation o's jobs). Several shift-share shocks add up.
 * - per-occupation: g_o = G for the listed occupations, 0 for the others (G >= -1: a loss of
 *   at most all of the occupation's jobs), then as a shift-share shock.
 * - direct: VAR += v, -= v, *= v, /= v or = v, where v is a number or, with +=, -= and =, the
 *   number times another numeric variable X of the area (v_i = NUMBER * X_i, X read before
 *   any shock; a missing X_i makes the area's VAR missing).
 * Every shock applies everywhere or only where a condition on one variable holds (VAR op
 * NUMBER, VAR op qNN for the NN-th percentile of VAR over the areas (type 7), VAR == LEVEL /
 * != LEVEL for a categorical VAR); a shift-share shock's L_i is 0 where it does not hold.
 * Propagation, equation by equation in order: delta_i = sum_k (X1_ik - X0_ik) b_k over the
 * stored terms ("(Intercept)" and absorbed effects cancel; factor dummies never change as
 * categorical variables cannot be shocked), X0 the regressors over the base data and X1 over
 * the data changed so far; then y_i += delta_i, or y_i *= exp(delta_i) for a log response, and
 * the changed y feeds the later equations. A zero shock gives X1 == X0 bit for bit and every
 * change is exactly 0.
 *
 * Uncertainty. Draw d (0..draws-1) uses its own gsl_rng_mt19937 seeded from (seed, d) only
 * (gw_scenario_stream_seed), so the bytes do not depend on the thread count: for each equation
 * in the order given, b = b_hat + L z with z ~ N(0, I) (gsl_ran_gaussian_ziggurat) and L L' =
 * the stored vcov (gw_mvn_factor: Cholesky, eigenvalue clip when not positive definite), or,
 * with gw_scenario_opts.coef_factor, all equations' coefficients at once from the same normals
 * and the factor of their joint covariance; then, with residual noise, one N(0, rmse^2) per
 * equation and area, added to delta. The point result uses b_hat and no noise. */
#ifndef GW_SCENARIO_H
#define GW_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "gw_design.h"
#include "gw_export.h"
#include "gw_result.h"
#include "gw_status.h"
#include "gw_table.h"

#define GW_SHOCK_NAME_MAX 128
#define GW_SCENARIO_DEFAULT_DRAWS 1000
#define GW_SCENARIO_DEFAULT_PASS_THROUGH 0.5

typedef enum {
    GW_SHOCK_DISPLACEMENT = 0, /* "displacement:KAPPA"                          */
    GW_SHOCK_AI,               /* "ai:KAPPA,RHO"                                */
    GW_SHOCK_DIRECT,           /* "VAR op VALUE [@ COND]"                       */
    GW_SHOCK_OCCUPATION        /* "occupation:OCC[,OCC...]=G"                   */
} gw_shock_kind;

typedef enum { GW_SHOCK_ADD = 0, GW_SHOCK_MUL, GW_SHOCK_SET } gw_shock_op;

typedef enum {
    GW_COND_NONE = 0,
    GW_COND_EQ,
    GW_COND_NE,
    GW_COND_LT,
    GW_COND_LE,
    GW_COND_GT,
    GW_COND_GE
} gw_cond_op;

/* Work that runs with the same equations, seed and draws share (gw_scenario_opts.cache). */
typedef struct gw_scenario_cache gw_scenario_cache;

/* Distributions of scenario parameters (gw_scenario_opts.pt_dist). */
enum { GW_DIST_NONE = 0, GW_DIST_BETA, GW_DIST_UNIFORM };

/* One shock (gw_shock_parse fills it). */
typedef struct {
    gw_shock_kind kind;
    double kappa, rho;           /* shift-share                                   */
    char var[GW_SHOCK_NAME_MAX]; /* direct: the variable changed                  */
    gw_shock_op op;              /* direct: x += value, x *= value, x = value     */
    double value;                /* "-= v" is stored as += -v, "/= v" as *= 1/v;
                                    occupation: G                                 */
    char expr_var[GW_SHOCK_NAME_MAX]; /* direct: "" or X, the value being value * X_i */
    char occ[GW_SHOCK_NAME_MAX];      /* occupation: the list as written, "a,b"      */
    gw_cond_op cond;             /* GW_COND_NONE: every area                      */
    char cond_var[GW_SHOCK_NAME_MAX];
    double cond_value; /* a number, or a quantile in [0, 1]             */
    int cond_quantile; /* 1: cond_value is a quantile of cond_var       */
    int cond_is_text;  /* 1: compare a categorical level, cond_level     */
    char cond_level[GW_SHOCK_NAME_MAX];
} gw_shock;

/* gw_shock_parse -- parse one shock specification (white space is free):
 *   displacement:KAPPA          g_o = -KAPPA p_auto_o
 *   ai:KAPPA,RHO                g_o = -KAPPA p_auto_o + RHO max(ai_o, 0)
 *   occupation:OCC[,OCC...]=G   g_o = G for the listed occupations (G >= -1), 0 elsewhere;
 *                               OCC: socN or N (the occupation whose soc is N) or a level of
 *                               the occupations' `occupation` column (a name without blanks)
 *   VAR+=V  VAR-=V  VAR*=V  VAR/=V  VAR=V      V a NUMBER; with +=, -= and = also an
 *                               expression X, NUMBER*X or X*NUMBER (X a numeric variable)
 *   ... @COND  or  ... where COND              COND := VAR (==|!=|<|<=|>|>=) (NUMBER|qNN|LEVEL)
 * (qNN: the NN-th percentile, 0 <= NN <= 100; LEVEL: any other text, only with == and !=).
 * Every kind takes a condition. out: caller's. Returns GW_OK; GW_ESYNTAX (the message quotes
 * the spec and says what is wrong: unknown kind, bad number, missing operator, names longer
 * than GW_SHOCK_NAME_MAX-1, "/= 0", a non-finite number, kappa outside [0, 1], a negative rho,
 * G < -1, an occupation listed twice, an expression with *= or /=); GW_EINVAL (NULL
 * argument). The occupations and variables are looked up by gw_scenario_run. O(length). */
GW_API gw_status gw_shock_parse(const char *spec, gw_shock *out);

/* Builds the regressor design of equation eq over table t (owned by the caller of the
 * callback: gw_design_free). Must be thread-safe: called concurrently from draws. */
typedef gw_status (*gw_scenario_build_fn)(void *ctx, size_t eq, const gw_table *t, gw_design **out);

/* One equation of the system. Everything borrowed. */
typedef struct {
    const char *name;        /* the model's name (messages, outputs)                  */
    const gw_result *fit;    /* terms, estimate, vcov (k x k), rmse (residual noise)  */
    const char *response;    /* the variable the equation explains                     */
    int response_log;        /* 1: the fitted response is log(response)               */
    const char *const *uses; /* the variables the regressor columns read               */
    size_t nuses;
} gw_scenario_eq;

/* Occupation data of the shift-share shocks (borrowed). */
typedef struct {
    size_t nocc;
    const double *p_auto; /* nocc automation probabilities                             */
    const double *ai;     /* nocc AI exposures (NULL: only displacement shocks allowed)  */
    const double *shares; /* n_areas x nocc, row-major: s_io, fractions                 */
    /* NULL, or nocc rows naming the occupations for per-occupation shocks: a numeric column
     * `soc` (socN and N name the row whose soc is N) and/or a categorical `occupation`. */
    const gw_table *names;
} gw_scenario_occ;

typedef struct {
    size_t draws; /* Monte Carlo draws; 0: GW_SCENARIO_DEFAULT_DRAWS            */
    uint64_t seed;
    int no_coef_draws;   /* 1: every draw uses b_hat (no coefficient uncertainty)      */
    int residual_noise;  /* 1: add N(0, rmse^2) per equation and area                  */
    double pass_through; /* employment pass-through; NaN or < 0: the default 0.5       */
    /* A distribution of the pass-through (GW_DIST_NONE: fixed): each draw takes its own value,
     * from a stream of its own seeded from (seed, d), so the coefficient draws are those of a
     * run without it (common random numbers); the point result uses pass_through. */
    int pt_dist;         /* GW_DIST_NONE, GW_DIST_BETA (a, b > 0), GW_DIST_UNIFORM (a < b) */
    double pt_a, pt_b;
    const char *emp_var; /* the employment variable; NULL: "emp_rate"                 */
    void (*progress)(void *ctx, size_t done, size_t total); /* NULL, or called by thread 0  */
    void *progress_ctx;
    /* NULL, or a cache shared by consecutive runs (the years of a horizon, named scenarios;
     * never by two runs at once): without residual noise, a run whose equations' estimates and
     * covariance factors, seed, draws and coefficient-draw setting equal those of the run that
     * filled it takes each draw's coefficients from it instead of drawing them again (the same
     * numbers: they depend on nothing else); and a draws buffer that gw_scenario_cache_recycle
     * gave back is reused for draw_change (no fresh pages to fault in). Results are the same
     * bytes with or without it. */
    gw_scenario_cache *cache;
    /* Joint coefficient draws (NULL: each equation from its own stored vcov): a factor L of the
     * joint covariance of every equation's coefficients (K x K column-major, borrowed; K the sum
     * of the equations' k, in input order, each in its stored order). Draw d then takes
     * b = b_hat + L z with the K normals z that independent draws take, in the same order from
     * the same stream, so the rest of the stream (residual noise) and the pass-through stream
     * are unchanged (api/scenario_joint_int.h builds L). */
    const double *coef_factor;
} gw_scenario_opts;

/* The result. Arrays of outcomes x areas are indexed [o * n_areas + i]. */
typedef struct {
    size_t n_areas, n_outcomes, draws, neq;
    char **outcomes;     /* n_outcomes variable names: shocked variables in shock order,
                            then equation responses in propagation order                */
    size_t *order;       /* neq: the equations in propagation order (input indexes)     */
    size_t *clipped;     /* neq: eigenvalues clipped in each vcov (0: Cholesky or zero) */
    double *local_shock; /* n_areas: the shift-share local shock L_i (0 without one)    */
    double *base;        /* outcomes x areas: the value before the shock                */
    double *point;       /* outcomes x areas: change with b_hat, no noise                */
    double *mean, *median, *q05, *q95; /* outcomes x areas: over the draws               */
    double *rank_base, *rank_after, *rank_change; /* outcomes x areas: rank 1 = highest,
                               ties share their average rank (x.5 possible); after = base +
                               mean change; change = base rank - after rank (positive: moved
                               up); NaN where the value is missing                         */
    double *draw_change; /* draws x outcomes x areas: [(d * n_outcomes + o) * n_areas + i];
                            NULL after gw_scenario_cache_recycle                        */
    uint64_t seed;
} gw_scenario_result;

/* gw_scenario_run -- run the scenario (see the file comment).
 *   areas   in, borrowed: one row per area, every variable the equations and shocks read.
 *   eqs     in, borrowed: neq >= 1 equations; build: their design callback (ctx passed on).
 *   shocks  in, borrowed: nshocks >= 0 (none: every change is 0).
 *   occ     in, borrowed: needed by shift-share shocks, else may be NULL.
 *   opts    in, borrowed, may be NULL (defaults).
 *   out     out, owned: gw_scenario_free; NULL on failure.
 * Returns GW_OK or:
 *   GW_EINVAL    NULL arguments, neq == 0; two equations for one variable; the equations form
 *                a cycle (named); a shift-share shock without occ (or an AI one without ai;
 *                a per-occupation one without occ->names or with an occupation named twice);
 *                a shocked, condition or expression variable that is categorical where a
 *                number is needed; a term in an equation's fit that its design lacks; a vcov
 *                that is missing with coefficient draws on.
 *   GW_ENOVAR    a shocked, condition, expression or employment variable the table does not
 *                have, a condition level the categorical variable does not have, or an
 *                occupation occ->names does not name.
 *   GW_ENONFINITE a non-finite estimate or vcov entry.
 *   statuses of the build callback (prefixed with the equation's name), e.g. GW_EFORMAT when
 *   a shock makes log(x) undefined; GW_ENOMEM.
 * Complexity: O(draws * sum_m (cost of build_m + n k_m)) time, parallel over draws (OpenMP),
 * where an equation whose regressors read no reached equation's response (nor the employment
 * variable under a pass-through distribution) is built once, not per draw (its design is the
 * same in every draw); the per-area statistics O(draws * outcomes * areas), parallel over
 * blocks of areas; O(draws * outcomes * areas) memory for draw_change. */
GW_API gw_status gw_scenario_run(const gw_table *areas, const gw_scenario_eq *eqs, size_t neq,
                                 gw_scenario_build_fn build, void *ctx, const gw_shock *shocks,
                                 size_t nshocks, const gw_scenario_occ *occ,
                                 const gw_scenario_opts *opts, gw_scenario_result **out);

/* gw_scenario_free -- release r; NULL-safe. */
GW_API void gw_scenario_free(gw_scenario_result *r);

/* gw_scenario_cache_new -- an empty cache (gw_scenario_opts.cache). out: owned,
 * gw_scenario_cache_free. GW_EINVAL (NULL out), GW_ENOMEM. */
GW_API gw_status gw_scenario_cache_new(gw_scenario_cache **out);

/* gw_scenario_cache_recycle -- hands r->draw_change to the cache for the next run's draws and
 * sets it to NULL (the summaries, gw_scenario_summarise, need it: call this after them). Either
 * argument may be NULL (then nothing happens). */
GW_API void gw_scenario_cache_recycle(gw_scenario_cache *cache, gw_scenario_result *r);

/* gw_scenario_cache_free -- release c; NULL-safe. */
GW_API void gw_scenario_cache_free(gw_scenario_cache *c);

/* Summary of the change by group: arrays groups x outcomes, [g * n_outcomes + o]. */
typedef struct {
    size_t ngroups, n_outcomes;
    size_t *n_areas;         /* ngroups: areas in the group                                  */
    double *point;           /* the group mean change with b_hat                             */
    double *mean_change;     /* mean over draws of the group mean change                     */
    double *q05, *q50, *q95; /* quantiles (type 7) over draws of the group mean change       */
    size_t draws;
    double *draw_mean; /* groups x outcomes x draws: [(g * n_outcomes + o) * draws + d],
                          the group mean change of each draw (fan and violin plots)    */
} gw_scenario_summary;

/* gw_scenario_summarise -- group summaries: the group mean change of each draw is the
 * unweighted mean over the group's areas with a non-missing change; its mean and quantiles
 * over draws are reported (the national "outcomes" are the one group of all areas: codes
 * NULL). codes: n_areas group codes in 0..ngroups-1, or -1 to leave an area out.
 * Returns GW_OK; GW_EINVAL (NULL r or out, ngroups == 0, a code out of range); GW_ENOMEM.
 * Complexity: O(draws (areas + groups log draws) outcomes). */
GW_API gw_status gw_scenario_summarise(const gw_scenario_result *r, const int32_t *codes,
                                       size_t ngroups, gw_scenario_summary **out);

/* gw_scenario_summarise_ex -- the same with area weights w (NULL: unweighted, exactly
 * gw_scenario_summarise): the group mean change of a draw is then sum_i w_i x_i / sum_i w_i over
 * the group's areas with a non-missing change x_i and a weight w_i > 0 (a population or an
 * employment count: the change of the group's aggregate rate). Areas with a NaN or zero weight
 * are left out, and n_areas counts the areas with a positive weight. w: n_areas values,
 * borrowed. Returns as gw_scenario_summarise, and GW_EINVAL for a negative or infinite weight
 * (the message names the area's index). */
GW_API gw_status gw_scenario_summarise_ex(const gw_scenario_result *r, const int32_t *codes,
                                          size_t ngroups, const double *w,
                                          gw_scenario_summary **out);

/* gw_scenario_diff -- the paired difference a - ref of two summaries of scenarios run with the
 * same models, seed and draws (common random numbers: draw d of both used the same
 * coefficients and noise, so the spread of the difference is that of the difference, not of
 * two independent runs) and the same groups. ref_outcome[o]: ref's index of a's outcome o, or
 * SIZE_MAX when ref lacks it (NaN then). out: a summary shaped as a (n_areas from a), with the
 * per-draw differences in draw_mean and their mean and quantiles (type 7). Returns GW_OK;
 * GW_EINVAL (NULL arguments; groups, group sizes or draws that differ); GW_ENOMEM. */
GW_API gw_status gw_scenario_diff(const gw_scenario_summary *a, const gw_scenario_summary *ref,
                                  const size_t *ref_outcome, gw_scenario_summary **out);

/* gw_scenario_summary_free -- release s; NULL-safe. */
GW_API void gw_scenario_summary_free(gw_scenario_summary *s);

/* gw_scenario_stream_seed -- the mt19937 seed of draw d: splitmix64-mixed (seed, d), 32 bits. */
GW_API uint32_t gw_scenario_stream_seed(uint64_t seed, uint64_t d);

#endif
