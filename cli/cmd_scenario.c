/* cmd_scenario.c -- goodwork scenario: an automation shock propagated through fitted equations
 * stored in a results file, with Monte Carlo uncertainty (api/gw_scenario_run.h).
 *
 * Parse the flags, run the scenario with one library call (gw_scenario_file: it reads the
 * models and the data, runs the draws and summarises), render the report as text or JSON
 * (gw_scenario_report_render) and store it with --out. Order of work as in goodwork fit: usage
 * errors (exit 2) before reading data, data errors (3), numerical (4); standard output written
 * once at the end. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_util.h"
#include "cli.h"
#include "gw_alloc.h"
#include "gw_par.h"
#include "gw_plot.h"
#include "gw_scenario_run.h"
#include "progress.h"

#define SCEN_MAX_SHOCKS 64
#define SCEN_MAX_BY 16
#define SCEN_MAX_BOUNDS 64
#define SCEN_MAX_SCEN 16

static const char scenario_usage[] =
    "usage: goodwork scenario --results R.h5 --data F --shock SPEC [--shock SPEC ...] [options]\n"
    "\n"
    "Propagates a shock through the recursive system of linear models stored in R.h5 (each\n"
    "model's response feeds the models that use it as a regressor), area by area over the\n"
    "latest year of the data, with coefficient uncertainty drawn from each model's stored vcov.\n"
    "\n"
    "required:\n"
    "  --results R.h5          the fitted models (goodwork fit --out)\n"
    "  --data F                .h5 or .csv data (shift-share shocks need .h5 with /occupation\n"
    "                          and /shares, as written by goodwork generate)\n"
    "  --shock SPEC            repeatable; applied in order, conditions on the unshocked data:\n"
    "      displacement:K        occupation shock g_o = -K p_auto_o (K in [0, 1])\n"
    "      ai:K,R                g_o = -K p_auto_o + R max(ai_exposure_o, 0)\n"
    "      occupation:OCC[,OCC]=G  g_o = G (>= -1) for the occupations named (socN or N,\n"
    "                            N the soc code in /occupation, or a level of occupation)\n"
    "                            local shock L_i = sum_o share_io g_o (fraction of jobs);\n"
    "                            the employment rate E_i changes by P * E_i * L_i points\n"
    "      VAR+=V VAR-=V VAR*=V VAR/=V VAR=V   a direct change; with +=, -= and = the value\n"
    "                            may use a numeric variable X: X, NUMBER*X or X*NUMBER\n"
    "      ... @COND | ... where COND   any shock only where COND holds,\n"
    "                            COND: VAR (==|!=|<|<=|>|>=) (NUMBER|qNN|LEVEL)\n"
    "                            (qNN: NN-th percentile over the areas; LEVEL: categorical)\n"
    "      e.g. displacement:0.10   displacement:0.10@nation==W   occupation:soc9=-0.10\n"
    "           emp_rate-=2   emp_rate-=0.05*share_prof   autonomy_share+=5@auto_exposure>=q80\n"
    "\n"
    "options:\n";
/* The rest of the help (one string would pass C99's 4095-character limit). */
static const char scenario_usage_options[] =
    ""
    "  --models a,b,c          the models to use (default: every model in R.h5)\n"
    "  --draws N               Monte Carlo draws (default 1000)\n"
    "  --by VAR[,VAR]          also summarise by group (repeatable), e.g. cluster_true,nation;\n"
    "                          @NAME: the groups of /analyses/NAME in R.h5, the communities of\n"
    "                          goodwork cluster (@NAME:ward) or the quintiles of goodwork index\n"
    "                          (@NAME:quartile, @NAME:decile; 1 = lowest), areas matched by id\n"
    "  --weight VAR            national and group means weighted by VAR in the scenario year\n"
    "                          (a population or employment count; default: unweighted)\n"
    "  --seed S                random seed (default 20250101); same seed, same bytes\n"
    "  --threads N             worker threads; results do not depend on N\n"
    "  --pass-through P        employment pass-through of the local shock (default 0.5)\n"
    "  --param pass_through=beta(A,B)|uniform(LO,HI)   the pass-through drawn in each draw\n"
    "  --emp VAR               the employment variable (default emp_rate)\n"
    "  --residual-noise        add N(0, rmse^2) to each equation's change per area and draw\n"
    "  --no-coef-draws         use the point estimates in every draw\n"
    "  --coef-draws auto|joint|independent   coefficients of all models drawn jointly (the\n"
    "                          covariance of the stacked estimators: models clustered on one\n"
    "                          variable and fitted on the same rows) or per model; auto\n"
    "                          (default): joint when possible, else independent with a note\n"
    "  --id VAR                area identifier (default la_id)\n"
    "  --time VAR              time variable (default year; absent: every row is an area)\n"
    "  --year Y                the year to shock (default: the latest)\n"
    "  --table G  --occupation G  --shares G   HDF5 groups (default /data, /occupation, /shares)\n"
    "  --bound VAR=LO:HI       bounds of an outcome (repeatable; a side may be empty; VAR=none:\n"
    "                          none); default [0, 100] for *_rate, *_share and share_*\n"
    "  --strict                values after the shock outside their bounds or the range\n"
    "                          observed in the data are an error (exit 3), not only reported\n"
    "  --scenario NAME=SPEC[;SPEC...]  instead of --shock: a named scenario (repeatable, at\n"
    "                          least two); all run with the same draws (common random numbers)\n"
    "                          and are compared with the reference: differences with intervals\n"
    "  --reference NAME        the scenario the others are compared with (default: the first)\n"
    "  --variant NAME=m1,m2    a specification of the system: the scenario under each (at least\n"
    "                          two), same draws, pooled with the variance within and between\n"
    "  --horizon FROM-TO       paths over the years FROM..TO: deviations from a baseline that\n"
    "                          continues each area's linear trend (years after the data's last)\n"
    "  --ramp YEAR             shocks reach full size linearly in YEAR (default: from FROM)\n"
    "  --trend-years K         the baseline trends over the last K observed years (default all)\n"
    "  --plot PREFIX           write PREFIX_paths.svg and PREFIX_diff.svg (with --horizon)\n"
    "  --areas                 JSON: add the per-area results\n"
    "  --format text|json      output (default text)\n"
    "  --out RESULTS.h5        also store /analyses/NAME (per area, national, by group, draws)\n"
    "  --name NAME             group name under /analyses (default scenario)\n"
    "  --quiet                 no progress on standard error\n"
    "  --help                  show this help\n"
    "\n"
    "Output: for each outcome (shocked variables and model responses) the national mean change\n"
    "over areas: mean over draws (mean_change), 5/50/95% quantiles over draws (q05, q50, q95)\n"
    "and the change with the point estimates (point); the same by group.\n";

typedef struct {
    const char *results, *data, *models, *draws, *seed, *threads, *pt, *emp, *id, *time, *year,
        *table, *occ, *shares, *format, *out, *name, *weight, *coef;
    int quiet, help, noise, no_coef, areas;
    const char *specs[SCEN_MAX_SHOCKS]; /* --shock, repeatable */
    size_t nspec;
    const char *byspec[SCEN_MAX_BY]; /* --by, repeatable */
    size_t nbyspec;
    const char *bounds[SCEN_MAX_BOUNDS]; /* --bound, repeatable */
    size_t nbounds;
    const char *scen[SCEN_MAX_SCEN]; /* --scenario NAME=SPEC[;SPEC...], repeatable */
    size_t nscen;
    const char *variant[SCEN_MAX_SCEN]; /* --variant NAME=m1,m2, repeatable */
    size_t nvariant;
    const char *reference, *horizon, *ramp, *trend, *plot, *param;
    int strict;
} scen_args;

/* Progress of the draws on standard error: the bar starts when the draws do. */
typedef struct {
    cli_progress p;
    int started, quiet;
} prog_ctx;

static void progress_cb(void *ctx, size_t done, size_t total)
{
    prog_ctx *pc = ctx;
    if (!pc->started) {
        cli_progress_begin(&pc->p, "goodwork scenario: draws", total, pc->quiet);
        pc->started = 1;
    }
    cli_progress_update(&pc->p, done, NULL);
}

static void draws_done_cb(void *ctx, gw_status s, double seconds)
{
    prog_ctx *pc = ctx;
    if (pc->started)
        cli_progress_end(&pc->p);
    if (s == GW_OK && !pc->quiet && seconds > 2.0)
        fprintf(stderr, "goodwork scenario: %zu draws in %.1f s (%.0f draws/s)\n", pc->p.total,
                seconds, (double)pc->p.total / seconds);
}

/* --shock and --by repeat: they are taken out of argv (into a) before the common parser sees
 * the rest. Prints the problem and returns an exit code. */
static int parse_args(int argc, char **argv, scen_args *a)
{
    memset(a, 0, sizeof *a);
    char **rest = gw_calloc((size_t)argc + 1, sizeof *rest);
    int nrest = 0, rc = GW_EXIT_USAGE;
    if (rest == NULL) {
        cli_error("out of memory");
        return GW_EXIT_OTHER;
    }
    struct {
        const char *flag;
        const char **vals;
        size_t *n, max;
    } rep[] = {{"--shock", a->specs, &a->nspec, SCEN_MAX_SHOCKS},
               {"--by", a->byspec, &a->nbyspec, SCEN_MAX_BY},
               {"--bound", a->bounds, &a->nbounds, SCEN_MAX_BOUNDS},
               {"--scenario", a->scen, &a->nscen, SCEN_MAX_SCEN},
               {"--variant", a->variant, &a->nvariant, SCEN_MAX_SCEN}};
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i], *val = NULL;
        size_t r = 0, nrep = sizeof rep / sizeof rep[0];
        for (; i > 0 && val == NULL && r < nrep; r++) {
            size_t fl = strlen(rep[r].flag);
            if (strcmp(arg, rep[r].flag) == 0) {
                if (i + 1 >= argc) {
                    cli_error("option %s needs a value", arg);
                    goto done;
                }
                val = argv[++i];
            } else if (strncmp(arg, rep[r].flag, fl) == 0 && arg[fl] == '=') {
                val = arg + fl + 1;
            }
        }
        if (val == NULL) {
            rest[nrest++] = argv[i];
            continue;
        }
        r--;
        if (*rep[r].n == rep[r].max) {
            cli_error("too many %s options (at most %zu)", rep[r].flag, rep[r].max);
            goto done;
        }
        rep[r].vals[(*rep[r].n)++] = val;
    }
    const cli_option opts[] = {
        {"--results", &a->results, NULL, NULL},
        {"--data", &a->data, NULL, NULL},
        {"--models", &a->models, NULL, NULL},
        {"--draws", &a->draws, NULL, NULL},
        {"--seed", &a->seed, NULL, NULL},
        {"--threads", &a->threads, NULL, NULL},
        {"--pass-through", &a->pt, NULL, NULL},
        {"--emp", &a->emp, NULL, NULL},
        {"--id", &a->id, NULL, NULL},
        {"--time", &a->time, NULL, NULL},
        {"--year", &a->year, NULL, NULL},
        {"--table", &a->table, NULL, NULL},
        {"--occupation", &a->occ, NULL, NULL},
        {"--shares", &a->shares, NULL, NULL},
        {"--format", &a->format, NULL, NULL},
        {"--out", &a->out, NULL, NULL},
        {"--name", &a->name, NULL, NULL},
        {"--reference", &a->reference, NULL, NULL},
        {"--horizon", &a->horizon, NULL, NULL},
        {"--ramp", &a->ramp, NULL, NULL},
        {"--trend-years", &a->trend, NULL, NULL},
        {"--plot", &a->plot, NULL, NULL},
        {"--param", &a->param, NULL, NULL},
        {"--weight", &a->weight, NULL, NULL},
        {"--coef-draws", &a->coef, NULL, NULL},
        {"--quiet", NULL, &a->quiet, NULL},
        {"--residual-noise", NULL, &a->noise, NULL},
        {"--no-coef-draws", NULL, &a->no_coef, NULL},
        {"--areas", NULL, &a->areas, NULL},
        {"--strict", NULL, &a->strict, NULL},
        {"--help", NULL, &a->help, NULL},
        {"-h", NULL, &a->help, NULL},
    };
    rc = cli_parse_options(nrest, rest, opts, sizeof opts / sizeof opts[0], "scenario");
done:
    gw_free(rest);
    return rc;
}

/* The usage checks, before anything is read, and the library's options from the flags (the
 * library checks the shocks and lists itself, in the same order as before). Prints the problem
 * and returns an exit code. */
static int scenario_options(const scen_args *a, gw_scenario_run_opts *o, int *json, size_t *threads)
{
    memset(o, 0, sizeof *o);
    if (an_missing(a->results, 0, "--results R.h5", "scenario") ||
        an_missing(a->data, 0, "--data FILE", "scenario"))
        return GW_EXIT_USAGE;
    if (a->nspec == 0 && a->nscen == 0) {
        cli_error("missing --shock SPEC (e.g. --shock displacement:0.10; try goodwork scenario "
                  "--help)");
        return GW_EXIT_USAGE;
    }
    if (a->nspec > 0 && a->nscen > 0) {
        cli_error("--shock and --scenario do not go together (give each scenario's shocks in "
                  "its --scenario NAME=SPEC;SPEC)");
        return GW_EXIT_USAGE;
    }
    if (a->nvariant > 0 && (a->nvariant < 2 || a->nscen || a->horizon || a->models || a->out ||
                            a->areas)) {
        cli_error("%s", a->nvariant < 2 ? "--variant: give at least two specifications"
                                        : "--variant goes with --shock only (not with "
                                          "--scenario, --horizon, --models, --out or --areas)");
        return GW_EXIT_USAGE;
    }
    if (a->horizon == NULL && (a->ramp || a->trend || a->plot)) {
        cli_error("%s needs --horizon FROM-TO",
                  a->ramp ? "--ramp" : a->trend ? "--trend-years" : "--plot");
        return GW_EXIT_USAGE;
    }
    if (a->horizon != NULL && (a->areas || a->year)) {
        cli_error("%s does not go with --horizon (each year of the horizon is shocked)",
                  a->areas ? "--areas" : "--year");
        return GW_EXIT_USAGE;
    }
    if ((a->nscen == 1 && a->horizon == NULL) || (a->reference != NULL && a->nscen == 0)) {
        cli_error("%s", a->nscen == 1 ? "one --scenario: compare at least two, or use --shock"
                                      : "--reference needs --scenario");
        return GW_EXIT_USAGE;
    }
    if (a->nscen > 0 && a->areas) {
        cli_error("--areas does not go with --scenario (run one scenario for its areas)");
        return GW_EXIT_USAGE;
    }
    if (a->format != NULL && strcmp(a->format, "json") != 0 && strcmp(a->format, "text") != 0) {
        cli_error("bad --format '%s' (expected text or json)", a->format);
        return GW_EXIT_USAGE;
    }
    *json = a->format != NULL && strcmp(a->format, "json") == 0;
    if (a->draws != NULL &&
        (!an_parse_size(a->draws, 0, &o->draws) || o->draws > GW_SCENARIO_MAX_DRAWS)) {
        cli_error("bad --draws '%s' (expected a positive integer)", a->draws);
        return GW_EXIT_USAGE;
    }
    if (a->seed != NULL && !an_parse_u64(a->seed, &o->seed)) {
        cli_error("bad --seed '%s' (expected a non-negative integer)", a->seed);
        return GW_EXIT_USAGE;
    }
    if (a->threads != NULL && !an_parse_size(a->threads, 0, threads)) {
        cli_error("bad --threads '%s' (expected a positive integer)", a->threads);
        return GW_EXIT_USAGE;
    }
    if (a->pt != NULL && (!an_parse_double(a->pt, &o->pass_through) || !(o->pass_through >= 0.0) ||
                          !isfinite(o->pass_through))) {
        cli_error("bad --pass-through '%s' (expected a number >= 0)", a->pt);
        return GW_EXIT_USAGE;
    }
    if (a->year != NULL && (!an_parse_double(a->year, &o->year) || !isfinite(o->year))) {
        cli_error("bad --year '%s' (expected a number)", a->year);
        return GW_EXIT_USAGE;
    }
    if (a->name != NULL && a->out == NULL) {
        cli_error("--name needs --out RESULTS.h5");
        return GW_EXIT_USAGE;
    }
    if (a->name != NULL && (a->name[0] == '\0' || strchr(a->name, '/') != NULL)) {
        cli_error("bad --name '%s' (a non-empty name without '/')", a->name);
        return GW_EXIT_USAGE;
    }
    o->models = a->models;
    o->by = a->byspec;
    o->nby = a->nbyspec;
    o->emp = a->emp;
    o->weight = a->weight;
    o->id = a->id;
    o->time = a->time;
    o->table = a->table;
    o->occupation = a->occ;
    o->shares = a->shares;
    o->delim = cli_delim();
    if (a->param != NULL && strncmp(a->param, "pass_through=", 13) != 0) {
        cli_error("bad --param '%s' (expected pass_through=beta(A,B) or "
                  "pass_through=uniform(LO,HI): the pass-through is the parameter with a "
                  "distribution)",
                  a->param);
        return GW_EXIT_USAGE;
    }
    if (a->param != NULL && a->pt != NULL) {
        cli_error("--param pass_through=... and --pass-through do not go together");
        return GW_EXIT_USAGE;
    }
    o->pass_through_dist = a->param != NULL ? a->param + 13 : NULL;
    o->bounds = a->bounds;
    o->nbounds = a->nbounds;
    o->flags = (a->no_coef ? GW_SCENARIO_NO_COEF_DRAWS : 0u) |
               (a->noise ? GW_SCENARIO_RESIDUAL_NOISE : 0u) |
               (a->seed ? GW_SCENARIO_SEED_SET : 0u) | (a->pt ? GW_SCENARIO_PASS_THROUGH_SET : 0u) |
               (a->year ? GW_SCENARIO_YEAR_SET : 0u) | (a->strict ? GW_SCENARIO_STRICT : 0u);
    if (a->coef != NULL && strcmp(a->coef, "auto") != 0 && strcmp(a->coef, "joint") != 0 &&
        strcmp(a->coef, "independent") != 0) {
        cli_error("bad --coef-draws '%s' (expected auto, joint or independent)", a->coef);
        return GW_EXIT_USAGE;
    }
    if (a->coef != NULL && a->no_coef && strcmp(a->coef, "auto") != 0) {
        cli_error("--coef-draws %s and --no-coef-draws do not go together", a->coef);
        return GW_EXIT_USAGE;
    }
    if (a->coef != NULL && strcmp(a->coef, "joint") == 0)
        o->flags |= GW_SCENARIO_JOINT_DRAWS;
    if (a->coef != NULL && strcmp(a->coef, "independent") == 0)
        o->flags |= GW_SCENARIO_INDEPENDENT_DRAWS;
    return GW_EXIT_OK;
}

/* The reason joint coefficient draws were not possible under --coef-draws auto, on standard
 * error (not in the outputs, which stay those of independent draws; --quiet silences it). */
static void coef_note(const scen_args *a, const gw_scenario_report *rep)
{
    const char *why = rep != NULL ? gw_scenario_report_settings(rep)->coef_draws_note : NULL;
    if (why != NULL && !a->quiet)
        fprintf(stderr,
                "goodwork scenario: note: coefficients drawn per model, not jointly: %s "
                "(--coef-draws independent to choose this)\n",
                why);
}

/* Stores the report as /analyses/NAME of --out, with the provenance of --data and the seed. */
static int store(const scen_args *a, const gw_scenario_report *rep)
{
    char group[300], hex[65];
    gw_provenance prov;
    snprintf(group, sizeof group, "/analyses/%s", a->name ? a->name : "scenario");
    int rc = an_provenance(a->data, 1, gw_scenario_report_settings(rep)->seed, hex, &prov);
    if (rc != GW_EXIT_OK)
        return rc;
    gw_status s = gw_scenario_report_write(rep, a->out, group, &prov);
    return s == GW_OK ? GW_EXIT_OK : an_store_error(s);
}

/* The scenarios of --scenario NAME=SPEC;SPEC...: each spec copied into buf[k] and split at ';'
 * in place (specs[k] its pieces). Prints the problem and returns an exit code. */
typedef struct {
    gw_scenario_def def[SCEN_MAX_SCEN];
    char *buf[SCEN_MAX_SCEN];
    const char *specs[SCEN_MAX_SCEN][SCEN_MAX_SHOCKS];
    size_t ref;
} scen_defs;

static int parse_defs(const scen_args *a, scen_defs *d)
{
    memset(d, 0, sizeof *d);
    for (size_t k = 0; k < a->nscen; k++) {
        const char *eq = strchr(a->scen[k], '=');
        /* "emp_rate-=1" is a shock without a name, not scenario "emp_rate-". */
        if (eq == NULL || eq == a->scen[k] || eq[1] == '\0' || strchr("+-*/", eq[-1]) != NULL) {
            cli_error("bad --scenario '%s' (expected NAME=SPEC[;SPEC...], e.g. "
                      "policy=displacement:0.10;autonomy_share+=5@auto_exposure>=q80)",
                      a->scen[k]);
            return GW_EXIT_USAGE;
        }
        if ((d->buf[k] = gw_strdup(a->scen[k])) == NULL) {
            cli_error("out of memory");
            return GW_EXIT_OTHER;
        }
        char *name = d->buf[k], *rest = name + (eq - a->scen[k]);
        *rest++ = '\0';
        d->def[k].name = name;
        d->def[k].shocks = d->specs[k];
        for (char *tok = rest; tok != NULL;) {
            char *semi = strchr(tok, ';');
            if (semi != NULL)
                *semi = '\0';
            if (d->def[k].nshocks == SCEN_MAX_SHOCKS) {
                cli_error("--scenario %s: too many shocks (at most %d)", name, SCEN_MAX_SHOCKS);
                return GW_EXIT_USAGE;
            }
            d->specs[k][d->def[k].nshocks++] = tok;
            tok = semi != NULL ? semi + 1 : NULL;
        }
        if (a->reference != NULL && strcmp(a->reference, name) == 0)
            d->ref = k + 1; /* + 1: found */
    }
    if (a->reference != NULL && d->ref == 0) {
        cli_error("--reference %s is not one of the --scenario names", a->reference);
        return GW_EXIT_USAGE;
    }
    d->ref = d->ref ? d->ref - 1 : 0;
    return GW_EXIT_OK;
}

/* goodwork scenario --scenario ... : the comparison, printed and (with --out) stored. */
static int run_compare(const scen_args *a, const gw_scenario_run_opts *o, int json)
{
    scen_defs d;
    gw_scenario_comparison *c = NULL;
    char *text = NULL;
    int rc = parse_defs(a, &d);
    if (rc == GW_EXIT_OK) {
        gw_status s = gw_scenario_compare_file(a->results, a->data, d.def, a->nscen, d.ref, o, &c);
        if (s != GW_OK)
            rc = an_lib_error(s, NULL);
    }
    if (rc == GW_EXIT_OK)
        coef_note(a, gw_scenario_comparison_report(c, 0));
    if (rc == GW_EXIT_OK && gw_scenario_comparison_render(c, json, &text) != GW_OK) {
        cli_error("out of memory");
        rc = GW_EXIT_OTHER;
    }
    if (rc == GW_EXIT_OK && a->out != NULL) {
        char group[300], hex[65];
        gw_provenance prov;
        const gw_scenario_settings *st =
            gw_scenario_report_settings(gw_scenario_comparison_report(c, 0));
        snprintf(group, sizeof group, "/analyses/%s", a->name ? a->name : "scenario");
        rc = an_provenance(a->data, 1, st->seed, hex, &prov);
        gw_status s = rc == GW_EXIT_OK ? gw_scenario_comparison_write(c, a->out, group, &prov)
                                       : GW_OK;
        if (s != GW_OK)
            rc = an_store_error(s);
    }
    if (rc == GW_EXIT_OK)
        rc = an_write_stdout(text);
    gw_free(text);
    gw_scenario_comparison_free(c);
    for (size_t k = 0; k < a->nscen; k++)
        gw_free(d.buf[k]);
    return rc;
}

/* --horizon FROM-TO, --ramp YEAR, --trend-years K into h. Prints the problem. */
static int parse_horizon(const scen_args *a, gw_scenario_horizon *h)
{
    char *end = NULL;
    memset(h, 0, sizeof *h);
    h->ramp = (double)NAN;
    h->from = strtod(a->horizon, &end);
    if (end == a->horizon || *end != '-' || (h->to = strtod(end + 1, &end), *end != '\0')) {
        cli_error("bad --horizon '%s' (expected FROM-TO, e.g. 2025-2035)", a->horizon);
        return GW_EXIT_USAGE;
    }
    if (a->ramp != NULL && !an_parse_double(a->ramp, &h->ramp)) {
        cli_error("bad --ramp '%s' (expected a year)", a->ramp);
        return GW_EXIT_USAGE;
    }
    if (a->trend != NULL && !an_parse_size(a->trend, 2, &h->trend_years)) {
        cli_error("bad --trend-years '%s' (expected an integer >= 2)", a->trend);
        return GW_EXIT_USAGE;
    }
    return GW_EXIT_OK;
}

/* --plot PREFIX: PREFIX_paths.svg (each scenario's national mean change of the last outcome,
 * by year) and, with several scenarios, PREFIX_diff.svg (each difference from the reference
 * with its 5% and 95% quantiles over draws). */
static int plot_path(const char *prefix, const gw_scenario_path *p)
{
    const gw_scenario_comparison *c0 = gw_scenario_path_at(p, 0);
    size_t n = gw_scenario_comparison_n(c0), ref = gw_scenario_comparison_reference(c0);
    size_t ny = gw_scenario_path_nyears(p), ns = 0, nd = 0;
    const gw_scenario_result *rr =
        gw_scenario_report_result(gw_scenario_comparison_report(c0, ref));
    const char *var = rr->n_outcomes ? rr->outcomes[rr->n_outcomes - 1] : "";
    double *buf = gw_calloc((4 * n + 1) * ny, sizeof *buf), *x = buf;
    plot_series *sp = gw_calloc(n, sizeof *sp), *sd = gw_calloc(3 * n, sizeof *sd);
    char (*lab)[160] = gw_calloc(3 * n, sizeof *lab), path[4096], title[256];
    int rc = buf && sp && sd && lab ? GW_EXIT_OK : GW_EXIT_OTHER;
    for (size_t k = 0; rc == GW_EXIT_OK && k < ny; k++)
        x[k] = gw_scenario_path_year(p, k);
    for (size_t s = 0; rc == GW_EXIT_OK && s < n; s++) {
        const gw_scenario_result *r =
            gw_scenario_report_result(gw_scenario_comparison_report(c0, s));
        size_t o = 0;
        while (o < r->n_outcomes && strcmp(r->outcomes[o], var) != 0)
            o++;
        double *y = buf + (1 + 4 * s) * ny;
        for (size_t k = 0; k < ny; k++) {
            const gw_scenario_comparison *c = gw_scenario_path_at(p, k);
            const gw_scenario_summary *g =
                gw_scenario_report_national(gw_scenario_comparison_report(c, s));
            const gw_scenario_summary *d = gw_scenario_comparison_diff(c, s);
            y[k] = o < r->n_outcomes ? g->mean_change[o] : (double)NAN;
            for (int q = 0; d != NULL && q < 3; q++)
                y[(size_t)(q + 1) * ny + k] =
                    o < r->n_outcomes ? (q == 0 ? d->mean_change : q == 1 ? d->q05 : d->q95)[o]
                                      : (double)NAN;
        }
        sp[ns++] = (plot_series){gw_scenario_comparison_name(c0, s), ny, x, y};
        for (int q = 0; s != ref && q < 3; q++) {
            snprintf(lab[nd], sizeof lab[nd], "%s - %s%s", gw_scenario_comparison_name(c0, s),
                     gw_scenario_comparison_name(c0, ref), q == 0 ? "" : q == 1 ? " q05" : " q95");
            sd[nd] = (plot_series){lab[nd], ny, x, y + (size_t)(q + 1) * ny};
            nd++;
        }
    }
    snprintf(title, sizeof title, "Change in %s from the baseline (mean over draws)", var);
    snprintf(path, sizeof path, "%s_paths.svg", prefix);
    if (rc == GW_EXIT_OK && plot_lines(path, title, "year", var, sp, ns, 0, 0) != 0)
        rc = GW_EXIT_OTHER;
    snprintf(title, sizeof title, "Difference in %s from %s (common draws; 90%% interval)", var,
             gw_scenario_comparison_name(c0, ref));
    snprintf(path, sizeof path, "%s_diff.svg", prefix);
    if (rc == GW_EXIT_OK && nd > 0 && plot_lines(path, title, "year", var, sd, nd, 0, 0) != 0)
        rc = GW_EXIT_OTHER;
    if (rc != GW_EXIT_OK)
        cli_error("cannot write the plots %s_*.svg", prefix);
    plot_shutdown();
    gw_free(buf);
    gw_free(sp);
    gw_free(sd);
    gw_free(lab);
    return rc;
}

/* goodwork scenario --horizon ...: the paths of one scenario (--shock) or several
 * (--scenario), printed, stored with --out, plotted with --plot. */
static int run_path(const scen_args *a, const gw_scenario_run_opts *o, int json)
{
    scen_defs d;
    gw_scenario_horizon h;
    gw_scenario_path *p = NULL;
    char *text = NULL;
    int rc = a->nscen > 0 ? parse_defs(a, &d) : GW_EXIT_OK;
    if (a->nscen == 0) {
        memset(&d, 0, sizeof d);
        d.def[0] = (gw_scenario_def){"scenario", a->specs, a->nspec};
    }
    if (rc == GW_EXIT_OK)
        rc = parse_horizon(a, &h);
    if (rc == GW_EXIT_OK) {
        gw_status s = gw_scenario_path_file(a->results, a->data, d.def,
                                            a->nscen ? a->nscen : 1, d.ref, &h, o, &p);
        if (s != GW_OK)
            rc = an_lib_error(s, NULL);
    }
    if (rc == GW_EXIT_OK && gw_scenario_path_render(p, json, &text) != GW_OK) {
        cli_error("out of memory");
        rc = GW_EXIT_OTHER;
    }
    if (rc == GW_EXIT_OK && a->out != NULL) {
        char group[300], hex[65];
        gw_provenance prov;
        const gw_scenario_report *r0 = gw_scenario_comparison_report(gw_scenario_path_at(p, 0), 0);
        snprintf(group, sizeof group, "/analyses/%s", a->name ? a->name : "scenario");
        rc = an_provenance(a->data, 1, gw_scenario_report_settings(r0)->seed, hex, &prov);
        gw_status s = rc == GW_EXIT_OK ? gw_scenario_path_write(p, a->out, group, &prov) : GW_OK;
        if (s != GW_OK)
            rc = an_store_error(s);
    }
    if (rc == GW_EXIT_OK && a->plot != NULL)
        rc = plot_path(a->plot, p);
    if (rc == GW_EXIT_OK)
        rc = an_write_stdout(text);
    gw_free(text);
    gw_scenario_path_free(p);
    for (size_t k = 0; k < a->nscen; k++)
        gw_free(d.buf[k]);
    return rc;
}

/* goodwork scenario --variant NAME=m1,m2 ...: one scenario under several specifications. */
static int run_variants(const scen_args *a, const gw_scenario_run_opts *o, int json)
{
    gw_scenario_variant v[SCEN_MAX_SCEN];
    char *buf[SCEN_MAX_SCEN] = {0};
    gw_scenario_variants *res = NULL;
    char *text = NULL;
    int rc = GW_EXIT_OK;
    for (size_t k = 0; k < a->nvariant && rc == GW_EXIT_OK; k++) {
        const char *eq = strchr(a->variant[k], '=');
        if (eq == NULL || eq == a->variant[k] || eq[1] == '\0') {
            cli_error("bad --variant '%s' (expected NAME=MODEL,MODEL,...)", a->variant[k]);
            rc = GW_EXIT_USAGE;
        } else if ((buf[k] = gw_strdup(a->variant[k])) == NULL) {
            cli_error("out of memory");
            rc = GW_EXIT_OTHER;
        } else {
            buf[k][eq - a->variant[k]] = '\0';
            v[k] = (gw_scenario_variant){buf[k], buf[k] + (eq - a->variant[k]) + 1};
        }
    }
    if (rc == GW_EXIT_OK) {
        gw_status s = gw_scenario_variants_file(a->results, a->data, a->specs, a->nspec, v,
                                                a->nvariant, o, &res);
        if (s != GW_OK)
            rc = an_lib_error(s, NULL);
    }
    if (rc == GW_EXIT_OK && gw_scenario_variants_render(res, json, &text) != GW_OK) {
        cli_error("out of memory");
        rc = GW_EXIT_OTHER;
    }
    if (rc == GW_EXIT_OK)
        rc = an_write_stdout(text);
    gw_free(text);
    gw_scenario_variants_free(res);
    for (size_t k = 0; k < a->nvariant; k++)
        gw_free(buf[k]);
    return rc;
}

int cmd_scenario(int argc, char **argv)
{
    scen_args a;
    gw_scenario_run_opts o;
    prog_ctx pc;
    gw_scenario_report *rep = NULL;
    char *text = NULL;
    int json = 0;
    size_t threads = 0;
    memset(&pc, 0, sizeof pc);
    int rc = parse_args(argc, argv, &a);
    if (rc != GW_EXIT_OK)
        goto done;
    if (a.help) {
        rc = an_write_stdout(scenario_usage);
        if (rc == GW_EXIT_OK)
            rc = an_write_stdout(scenario_usage_options);
        goto done;
    }
    if ((rc = scenario_options(&a, &o, &json, &threads)) != GW_EXIT_OK)
        goto done;
    if (threads > 0)
        gw_threads_set((int)threads);
    pc.quiet = a.quiet;
    o.progress = progress_cb;
    o.draws_done = draws_done_cb;
    o.progress_ctx = &pc;
    if (a.horizon != NULL || a.nscen > 0 || a.nvariant > 0) {
        rc = a.horizon != NULL ? run_path(&a, &o, json)
             : a.nscen > 0     ? run_compare(&a, &o, json)
                               : run_variants(&a, &o, json);
        goto done;
    }
    gw_status s = gw_scenario_file(a.results, a.data, a.specs, a.nspec, &o, &rep);
    if (s != GW_OK) {
        rc = an_lib_error(s, NULL);
        goto done;
    }
    coef_note(&a, rep);
    if (gw_scenario_report_render(rep, json, a.areas, &text) != GW_OK) {
        cli_error("out of memory"); /* its only failure with a report in hand */
        rc = GW_EXIT_OTHER;
        goto done;
    }
    /* The results file is written before anything is printed, so a failed write leaves no
     * half-reported run. */
    if (a.out != NULL && (rc = store(&a, rep)) != GW_EXIT_OK)
        goto done;
    rc = an_write_stdout(text);
done:
    gw_free(text);
    gw_scenario_report_free(rep);
    return rc;
}
