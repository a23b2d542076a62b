/* cmd_scenario.c -- goodwork scenario: an automation shock propagated through fitted equations
 * stored in a results file, with Monte Carlo uncertainty (models/gw_scenario.h).
 *
 * The command reads the models (--results, --models), rebuilds each one's regressors from its
 * stored formula (io/gw_eqframe.h), takes the rows of the latest year of --data as the areas
 * (one per --id), reads the occupation table and shares for shift-share shocks, runs
 * gw_scenario_run and summarises nationally and by each --by variable. Order of work as in
 * goodwork fit: usage errors (exit 2) before reading data, data errors (3), numerical (4);
 * standard output written once at the end. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "analysis_util.h"
#include "cli.h"
#include "gw_alloc.h"
#include "gw_eqframe.h"
#include "gw_hdf5.h"
#include "gw_par.h"
#include "gw_scenario.h"
#include "gw_strbuf.h"
#include "gw_version.h"
#include "progress.h"

#define SCEN_DEFAULT_SEED 20250101u
#define SCEN_NAN ((double)NAN)
#define SCEN_MAX_SHOCKS 64
#define SCEN_MAX_BY 16

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
    "      displacement:K        occupation shock g_o = -K p_auto_o\n"
    "      ai:K,R                g_o = -K p_auto_o + R max(ai_exposure_o, 0)\n"
    "                            local shock L_i = sum_o share_io g_o (fraction of jobs);\n"
    "                            the employment variable changes by P * 100 * L_i points\n"
    "      VAR+=V VAR-=V VAR*=V VAR/=V VAR=V   a direct change, everywhere or\n"
    "      ... @COND | ... where COND          COND: VAR (==|!=|<|<=|>|>=) (NUMBER|qNN|LEVEL)\n"
    "                            (qNN: NN-th percentile over the areas; LEVEL: categorical)\n"
    "      e.g. displacement:0.10   emp_rate-=2   autonomy_share+=5@auto_exposure>=q80\n"
    "\n"
    "options:\n"
    "  --models a,b,c          the models to use (default: every model in R.h5)\n"
    "  --draws N               Monte Carlo draws (default 1000)\n"
    "  --by VAR[,VAR]          also summarise by group (repeatable), e.g. cluster_true,nation\n"
    "  --seed S                random seed (default 20250101); same seed, same bytes\n"
    "  --threads N             worker threads; results do not depend on N\n"
    "  --pass-through P        employment pass-through of the local shock (default 0.5)\n"
    "  --emp VAR               the employment variable (default emp_rate)\n"
    "  --residual-noise        add N(0, rmse^2) to each equation's change per area and draw\n"
    "  --no-coef-draws         use the point estimates in every draw\n"
    "  --id VAR                area identifier (default la_id)\n"
    "  --time VAR              time variable (default year; absent: every row is an area)\n"
    "  --year Y                the year to shock (default: the latest)\n"
    "  --table G  --occupation G  --shares G   HDF5 groups (default /data, /occupation, /shares)\n"
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
        *table, *occ, *shares, *format, *out, *name;
    int quiet, help, noise, no_coef, areas;
} scen_args;

typedef struct {
    gw_eqframe **ef;
} build_ctx;

static gw_status build_cb(void *ctx, size_t eq, const gw_table *t, gw_design **out)
{
    build_ctx *b = ctx;
    return gw_eqframe_build(b->ef[eq], t, out);
}

typedef struct {
    cli_progress p;
} prog_ctx;

static void progress_cb(void *ctx, size_t done, size_t total)
{
    prog_ctx *pc = ctx;
    (void)total;
    cli_progress_update(&pc->p, done, NULL);
}

/* Rows of t where keep[i] (a new table). */
static gw_status table_rows(const gw_table *t, const unsigned char *keep, gw_table **out)
{
    size_t nr = gw_table_nrows(t), n = 0;
    gw_table *a = NULL;
    for (size_t i = 0; i < nr; i++)
        n += keep[i] != 0;
    gw_status s = gw_table_new(n, &a);
    for (size_t j = 0; j < gw_table_ncols(t) && s == GW_OK; j++) {
        size_t m = 0;
        if (gw_table_coltype(t, j) == GW_COL_NUMERIC) {
            double *v = gw_alloc_array(n ? n : 1, sizeof *v);
            if (v == NULL) {
                s = GW_ENOMEM;
                break;
            }
            for (size_t i = 0; i < nr; i++)
                if (keep[i])
                    v[m++] = gw_table_numeric(t, j)[i];
            s = gw_table_add_numeric_take(a, gw_table_colname(t, j), v);
        } else {
            size_t nl = gw_table_nlevels(t, j);
            int32_t *c = gw_alloc_array(n ? n : 1, sizeof *c);
            char **lev = gw_calloc(nl ? nl : 1, sizeof *lev);
            int bad = c == NULL || lev == NULL;
            for (size_t l = 0; l < nl && !bad; l++)
                bad = (lev[l] = gw_strdup(gw_table_level(t, j, l))) == NULL;
            if (bad) {
                for (size_t l = 0; lev && l < nl; l++)
                    gw_free(lev[l]);
                gw_free(lev);
                gw_free(c);
                s = GW_ENOMEM;
                break;
            }
            for (size_t i = 0; i < nr; i++)
                if (keep[i])
                    c[m++] = gw_table_codes(t, j)[i];
            s = gw_table_add_categorical_take(a, gw_table_colname(t, j), c, lev, nl);
        }
    }
    if (s != GW_OK) {
        gw_table_free(a);
        a = NULL;
    }
    *out = a;
    return s;
}

/* Group codes of column var over the areas: categorical levels, or the distinct numeric
 * values in increasing order. names: owned level texts. Returns an exit code. */
static int group_codes(const gw_table *t, const char *var, int32_t *codes, char ***names,
                       size_t *ng)
{
    ptrdiff_t j = gw_table_find(t, var);
    size_t n = gw_table_nrows(t);
    *names = NULL;
    *ng = 0;
    if (j < 0) {
        cli_error("unknown --by variable '%s'", var);
        return GW_EXIT_USAGE;
    }
    if (gw_table_coltype(t, (size_t)j) == GW_COL_CATEGORICAL) {
        size_t nl = gw_table_nlevels(t, (size_t)j);
        const int32_t *c = gw_table_codes(t, (size_t)j);
        if ((*names = gw_calloc(nl ? nl : 1, sizeof **names)) == NULL)
            return GW_EXIT_OTHER;
        for (size_t l = 0; l < nl; l++)
            if (((*names)[l] = gw_strdup(gw_table_level(t, (size_t)j, l))) == NULL)
                return GW_EXIT_OTHER;
        *ng = nl;
        memcpy(codes, c, n * sizeof *codes);
        return GW_EXIT_OK;
    }
    const double *x = gw_table_numeric(t, (size_t)j);
    double *u = gw_alloc_array(n ? n : 1, sizeof *u);
    if (u == NULL)
        return GW_EXIT_OTHER;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]))
            u[m++] = x[i];
    for (size_t i = 1; i < m; i++) /* insertion sort: a few hundred areas */
        for (size_t k = i; k > 0 && u[k - 1] > u[k]; k--) {
            double tt = u[k];
            u[k] = u[k - 1];
            u[k - 1] = tt;
        }
    size_t g = 0;
    for (size_t i = 0; i < m; i++)
        if (g == 0 || u[i] != u[g - 1])
            u[g++] = u[i];
    if ((*names = gw_calloc(g ? g : 1, sizeof **names)) == NULL) {
        gw_free(u);
        return GW_EXIT_OTHER;
    }
    for (size_t k = 0; k < g; k++) {
        char buf[64];
        snprintf(buf, sizeof buf, "%.10g", u[k]);
        if (((*names)[k] = gw_strdup(buf)) == NULL) {
            gw_free(u);
            return GW_EXIT_OTHER;
        }
    }
    *ng = g;
    for (size_t i = 0; i < n; i++) {
        codes[i] = -1;
        for (size_t k = 0; k < g && isfinite(x[i]); k++)
            if (u[k] == x[i])
                codes[i] = (int32_t)k;
    }
    gw_free(u);
    return GW_EXIT_OK;
}

static cJSON *stat_json(const gw_scenario_summary *g, size_t gi, size_t o)
{
    size_t at = gi * g->n_outcomes + o;
    cJSON *x = cJSON_CreateObject();
    cJSON_AddItemToObject(x, "mean_change", an_num(g->mean_change[at]));
    cJSON_AddItemToObject(x, "q05", an_num(g->q05[at]));
    cJSON_AddItemToObject(x, "q50", an_num(g->q50[at]));
    cJSON_AddItemToObject(x, "q95", an_num(g->q95[at]));
    cJSON_AddItemToObject(x, "point", an_num(g->point[at]));
    cJSON_AddNumberToObject(x, "n_areas", (double)g->n_areas[gi]);
    return x;
}

/* Text output is built in a core/gw_strbuf.h buffer (lines of any length). */
typedef gw_strbuf tbuf;
#define tb_printf gw_strbuf_printf

/* Shares of the areas (n x nocc) aligned by (id, time); returns an exit code. */
static int align_shares(const gw_table *areas, const gw_table *sh, const char *id, const char *time,
                        const char *path, size_t *nocc_out, double **out)
{
    size_t n = gw_table_nrows(areas), ns = gw_table_nrows(sh), nc = gw_table_ncols(sh);
    ptrdiff_t ja = gw_table_find(areas, id), js = gw_table_find(sh, id);
    ptrdiff_t ta = time ? gw_table_find(areas, time) : -1;
    ptrdiff_t ts = time ? gw_table_find(sh, time) : -1;
    if (js < 0 || gw_table_coltype(sh, (size_t)js) != GW_COL_NUMERIC ||
        gw_table_coltype(areas, (size_t)ja) != GW_COL_NUMERIC) {
        cli_error("%s: the shares table needs a numeric '%s' column like the data", path, id);
        return GW_EXIT_DATA;
    }
    size_t nocc = 0;
    for (size_t j = 0; j < nc; j++)
        if ((ptrdiff_t)j != js && (ptrdiff_t)j != ts)
            nocc++;
    double *s = gw_alloc_array(n * nocc > 0 ? n * nocc : 1, sizeof *s);
    if (s == NULL) {
        cli_error("out of memory");
        return GW_EXIT_OTHER;
    }
    const double *ida = gw_table_numeric(areas, (size_t)ja),
                 *ids = gw_table_numeric(sh, (size_t)js);
    const double *tma = ta >= 0 ? gw_table_numeric(areas, (size_t)ta) : NULL;
    const double *tms = ts >= 0 ? gw_table_numeric(sh, (size_t)ts) : NULL;
    for (size_t i = 0; i < n; i++) {
        size_t hit = SIZE_MAX;
        for (size_t r = 0; r < ns && hit == SIZE_MAX; r++)
            if (ids[r] == ida[i] && (tma == NULL || tms == NULL || tms[r] == tma[i]))
                hit = r;
        if (hit == SIZE_MAX) {
            cli_error("%s: no occupation shares for %s %.10g%s", path, id, ida[i],
                      tma ? " in the scenario year" : "");
            gw_free(s);
            return GW_EXIT_DATA;
        }
        size_t o = 0;
        for (size_t j = 0; j < nc; j++) {
            if ((ptrdiff_t)j == js || (ptrdiff_t)j == ts)
                continue;
            const double *v = gw_table_numeric(sh, j);
            s[i * nocc + o++] = v != NULL ? v[hit] : SCEN_NAN;
        }
    }
    *nocc_out = nocc;
    *out = s;
    return GW_EXIT_OK;
}

int cmd_scenario(int argc, char **argv)
{
    scen_args a;
    memset(&a, 0, sizeof a);
    const char *specs[SCEN_MAX_SHOCKS];
    const char *byspec[SCEN_MAX_BY];
    size_t nspec = 0, nbyspec = 0;
    char **rest = NULL;
    an_list mlist = {0}, bylist = {0};
    gw_shock shocks[SCEN_MAX_SHOCKS];
    gw_results *res = NULL;
    gw_result **fits = NULL;
    gw_eqframe **ef = NULL;
    gw_scenario_eq *eqs = NULL;
    gw_table *data = NULL, *areas = NULL, *occt = NULL, *sht = NULL;
    unsigned char *keep = NULL;
    double *shares = NULL;
    const double *p_auto = NULL, *ai = NULL;
    gw_scenario_result *r = NULL;
    gw_scenario_summary *nat = NULL, **bys = NULL;
    int32_t **bycodes = NULL;
    char ***bynames = NULL;
    size_t *byng = NULL;
    cJSON *root = NULL;
    char *js = NULL;
    tbuf text = {0};
    size_t draws = GW_SCENARIO_DEFAULT_DRAWS, threads = 0, nocc = 0, neq = 0;
    uint64_t seed = SCEN_DEFAULT_SEED;
    double pt = GW_SCENARIO_DEFAULT_PASS_THROUGH, year = SCEN_NAN;
    int json = 0, any_ss = 0, any_ai = 0;
    gw_status s;
    int rc = GW_EXIT_USAGE;

    /* --shock and --by repeat: take them out before the common parser. */
    if ((rest = gw_calloc((size_t)argc + 1, sizeof *rest)) == NULL)
        goto nomem;
    int nrest = 0;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        int is_shock = strcmp(arg, "--shock") == 0, is_by = strcmp(arg, "--by") == 0;
        const char *val = NULL;
        if (i > 0 && (is_shock || is_by)) {
            if (i + 1 >= argc) {
                cli_error("option %s needs a value", arg);
                goto done;
            }
            val = argv[++i];
        } else if (i > 0 && strncmp(arg, "--shock=", 8) == 0) {
            is_shock = 1;
            val = arg + 8;
        } else if (i > 0 && strncmp(arg, "--by=", 5) == 0) {
            is_by = 1;
            val = arg + 5;
        }
        if (val != NULL && is_shock) {
            if (nspec == SCEN_MAX_SHOCKS) {
                cli_error("too many --shock options (at most %d)", SCEN_MAX_SHOCKS);
                goto done;
            }
            specs[nspec++] = val;
        } else if (val != NULL && is_by) {
            if (nbyspec == SCEN_MAX_BY) {
                cli_error("too many --by options (at most %d)", SCEN_MAX_BY);
                goto done;
            }
            byspec[nbyspec++] = val;
        } else {
            rest[nrest++] = argv[i];
        }
    }
    const an_option opts[] = {
        {"--results", &a.results, NULL},
        {"--data", &a.data, NULL},
        {"--models", &a.models, NULL},
        {"--draws", &a.draws, NULL},
        {"--seed", &a.seed, NULL},
        {"--threads", &a.threads, NULL},
        {"--pass-through", &a.pt, NULL},
        {"--emp", &a.emp, NULL},
        {"--id", &a.id, NULL},
        {"--time", &a.time, NULL},
        {"--year", &a.year, NULL},
        {"--table", &a.table, NULL},
        {"--occupation", &a.occ, NULL},
        {"--shares", &a.shares, NULL},
        {"--format", &a.format, NULL},
        {"--out", &a.out, NULL},
        {"--name", &a.name, NULL},
        {"--quiet", NULL, &a.quiet},
        {"--residual-noise", NULL, &a.noise},
        {"--no-coef-draws", NULL, &a.no_coef},
        {"--areas", NULL, &a.areas},
        {"--help", NULL, &a.help},
        {"-h", NULL, &a.help},
    };
    rc = an_parse(nrest, rest, opts, sizeof opts / sizeof opts[0], "scenario");
    if (rc != GW_EXIT_OK)
        goto done;
    if (a.help) {
        rc = an_write_stdout(scenario_usage);
        goto done;
    }

    /* Usage checks, before reading anything. */
    rc = GW_EXIT_USAGE;
    if (an_missing(a.results, 0, "--results R.h5", "scenario") ||
        an_missing(a.data, 0, "--data FILE", "scenario"))
        goto done;
    if (nspec == 0) {
        cli_error("missing --shock SPEC (e.g. --shock displacement:0.10; try goodwork scenario "
                  "--help)");
        goto done;
    }
    if (a.format != NULL && strcmp(a.format, "json") != 0 && strcmp(a.format, "text") != 0) {
        cli_error("bad --format '%s' (expected text or json)", a.format);
        goto done;
    }
    json = a.format != NULL && strcmp(a.format, "json") == 0;
    if (a.draws != NULL && (!an_parse_size(a.draws, 0, &draws) || draws > 10000000u)) {
        cli_error("bad --draws '%s' (expected a positive integer)", a.draws);
        goto done;
    }
    if (a.seed != NULL && !an_parse_u64(a.seed, &seed)) {
        cli_error("bad --seed '%s' (expected a non-negative integer)", a.seed);
        goto done;
    }
    if (a.threads != NULL && !an_parse_size(a.threads, 0, &threads)) {
        cli_error("bad --threads '%s' (expected a positive integer)", a.threads);
        goto done;
    }
    if (a.pt != NULL && (!an_parse_double(a.pt, &pt) || !(pt >= 0.0) || !isfinite(pt))) {
        cli_error("bad --pass-through '%s' (expected a number >= 0)", a.pt);
        goto done;
    }
    if (a.year != NULL && (!an_parse_double(a.year, &year) || !isfinite(year))) {
        cli_error("bad --year '%s' (expected a number)", a.year);
        goto done;
    }
    if (a.name != NULL && a.out == NULL) {
        cli_error("--name needs --out RESULTS.h5");
        goto done;
    }
    if (a.name != NULL && (a.name[0] == '\0' || strchr(a.name, '/') != NULL)) {
        cli_error("bad --name '%s' (a non-empty name without '/')", a.name);
        goto done;
    }
    for (size_t h = 0; h < nspec; h++) {
        if ((s = gw_shock_parse(specs[h], &shocks[h])) != GW_OK) {
            rc = an_lib_error(s, NULL);
            goto done;
        }
        any_ss |= shocks[h].kind != GW_SHOCK_DIRECT;
        any_ai |= shocks[h].kind == GW_SHOCK_AI;
    }
    if (a.models && (rc = an_split(a.models, "--models", &mlist)) != GW_EXIT_OK)
        goto done;
    for (size_t b = 0; b < nbyspec; b++) {
        an_list one = {0};
        if ((rc = an_split(byspec[b], "--by", &one)) != GW_EXIT_OK)
            goto done;
        for (size_t k = 0; k < one.n; k++) {
            char **p = gw_realloc(bylist.s, (bylist.n + 1) * sizeof *p);
            if (p == NULL) {
                an_list_free(&one);
                goto nomem;
            }
            bylist.s = p;
            bylist.s[bylist.n++] = one.s[k];
            one.s[k] = NULL;
        }
        an_list_free(&one);
    }
    rc = GW_EXIT_USAGE;
    if (threads > 0)
        gw_threads_set((int)threads);

    /* The models. */
    if ((s = gw_results_open(a.results, &res)) != GW_OK) {
        rc = an_lib_error(s, NULL);
        goto done;
    }
    neq = mlist.n ? mlist.n : gw_results_nmodels(res);
    if (neq == 0) {
        cli_error("%s holds no model (fit some with goodwork fit --out)", a.results);
        goto done;
    }
    fits = gw_calloc(neq, sizeof *fits);
    ef = gw_calloc(neq, sizeof *ef);
    eqs = gw_calloc(neq, sizeof *eqs);
    if (!fits || !ef || !eqs)
        goto nomem;
    for (size_t m = 0; m < neq; m++) {
        const char *nm = mlist.n ? mlist.s[m] : gw_results_model_name(res, m);
        s = gw_results_get(res, nm, &fits[m]);
        if (s == GW_ENOVAR) {
            tbuf av = {0};
            for (size_t k = 0; k < gw_results_nmodels(res); k++)
                tb_printf(&av, "%s%s", k ? ", " : "", gw_results_model_name(res, k));
            cli_error("no model '%s' in %s (models: %s)", nm, a.results, av.s ? av.s : "none");
            gw_free(av.s);
            rc = GW_EXIT_USAGE;
            goto done;
        }
        if (s != GW_OK) {
            rc = an_lib_error(s, a.results);
            goto done;
        }
        const char *est = fits[m]->estimator ? fits[m]->estimator : "ols";
        if (strcmp(est, "logit") == 0 || strcmp(est, "probit") == 0 ||
            strcmp(est, "poisson") == 0) {
            cli_error("model %s: estimator %s is not linear; a scenario propagates linear models "
                      "only",
                      nm, est);
            goto done;
        }
        if (fits[m]->formula == NULL) {
            cli_error("model %s has no stored formula", nm);
            goto done;
        }
        if ((s = gw_eqframe_new(fits[m]->formula, &ef[m])) != GW_OK) {
            rc = an_lib_error(s, nm);
            goto done;
        }
        const char **uses = gw_calloc(gw_eqframe_nvars(ef[m]) + 1, sizeof *uses);
        if (uses == NULL)
            goto nomem;
        for (size_t v = 0; v < gw_eqframe_nvars(ef[m]); v++)
            uses[v] = gw_eqframe_var(ef[m], v);
        eqs[m].name = nm;
        eqs[m].fit = fits[m];
        eqs[m].response = gw_eqframe_response(ef[m]);
        eqs[m].response_log = gw_eqframe_response_log(ef[m]);
        eqs[m].uses = uses;
        eqs[m].nuses = gw_eqframe_nvars(ef[m]);
    }

    /* The data and the areas (rows of the scenario year). */
    if ((rc = cli_load_table(a.data, a.table, NULL, 0, &data)) != GW_EXIT_OK)
        goto done;
    rc = GW_EXIT_USAGE;
    const char *idv = a.id ? a.id : "la_id";
    const char *tv = a.time ? a.time : "year";
    ptrdiff_t jid = gw_table_find(data, idv), jt = gw_table_find(data, tv);
    if (jid < 0) {
        cli_error("unknown --id variable '%s' in %s", idv, a.data);
        goto done;
    }
    if (jt < 0 && a.time != NULL) {
        cli_error("unknown --time variable '%s' in %s", tv, a.data);
        goto done;
    }
    if (jt >= 0 && gw_table_coltype(data, (size_t)jt) != GW_COL_NUMERIC) {
        cli_error("--time variable '%s' must be numeric", tv);
        goto done;
    }
    size_t nr = gw_table_nrows(data);
    if ((keep = gw_calloc(nr ? nr : 1, 1)) == NULL)
        goto nomem;
    if (jt >= 0) {
        const double *tt = gw_table_numeric(data, (size_t)jt);
        if (a.year == NULL) {
            year = -INFINITY;
            for (size_t i = 0; i < nr; i++)
                if (isfinite(tt[i]) && tt[i] > year)
                    year = tt[i];
        }
        for (size_t i = 0; i < nr; i++)
            keep[i] = tt[i] == year;
    } else {
        memset(keep, 1, nr);
        tv = NULL;
    }
    size_t nkeep = 0;
    for (size_t i = 0; i < nr; i++)
        nkeep += keep[i];
    if (nkeep == 0) {
        cli_error("no rows of %s in %s %.10g", a.data, tv ? tv : "the data", year);
        rc = GW_EXIT_DATA;
        goto done;
    }
    if (table_rows(data, keep, &areas) != GW_OK)
        goto nomem;

    /* Occupations and shares for shift-share shocks. */
    if (any_ss) {
        const char *og = a.occ ? a.occ : "/occupation", *sg = a.shares ? a.shares : "/shares";
        if ((s = gw_h5_table_read(a.data, og, NULL, 0, &occt)) != GW_OK ||
            (s = gw_h5_table_read(a.data, sg, NULL, 0, &sht)) != GW_OK) {
            rc = an_lib_error(s, "shift-share shocks need the occupation table and shares");
            goto done;
        }
        ptrdiff_t jp = gw_table_find(occt, "p_auto"), jai = gw_table_find(occt, "ai_exposure");
        if (jp < 0 || gw_table_coltype(occt, (size_t)jp) != GW_COL_NUMERIC ||
            (any_ai && (jai < 0 || gw_table_coltype(occt, (size_t)jai) != GW_COL_NUMERIC))) {
            cli_error("%s %s: needs numeric columns p_auto%s", a.data, og,
                      any_ai ? " and ai_exposure" : "");
            rc = GW_EXIT_DATA;
            goto done;
        }
        if ((rc = align_shares(areas, sht, idv, tv, a.data, &nocc, &shares)) != GW_EXIT_OK)
            goto done;
        rc = GW_EXIT_USAGE;
        if (nocc != gw_table_nrows(occt)) {
            cli_error("%s: %zu share columns but %zu occupations", a.data, nocc,
                      gw_table_nrows(occt));
            rc = GW_EXIT_DATA;
            goto done;
        }
        p_auto = gw_table_numeric(occt, (size_t)jp);
        ai = jai >= 0 && gw_table_coltype(occt, (size_t)jai) == GW_COL_NUMERIC
                 ? gw_table_numeric(occt, (size_t)jai)
                 : NULL;
    }

    /* Run. */
    {
        gw_scenario_occ occ = {nocc, p_auto, ai, shares};
        gw_scenario_opts so;
        prog_ctx pc;
        memset(&so, 0, sizeof so);
        so.draws = draws;
        so.seed = seed;
        so.no_coef_draws = a.no_coef;
        so.residual_noise = a.noise;
        so.pass_through = pt;
        so.emp_var = a.emp;
        cli_progress_begin(&pc.p, "goodwork scenario: draws", draws, a.quiet);
        so.progress = progress_cb;
        so.progress_ctx = &pc;
        build_ctx bc = {ef};
        double t0 = cli_now();
        s = gw_scenario_run(areas, eqs, neq, build_cb, &bc, shocks, nspec, any_ss ? &occ : NULL,
                            &so, &r);
        cli_progress_end(&pc.p);
        if (s != GW_OK) {
            rc = an_lib_error(s, "scenario");
            goto done;
        }
        double el = cli_now() - t0;
        if (!a.quiet && el > 2.0)
            fprintf(stderr, "goodwork scenario: %zu draws in %.1f s (%.0f draws/s)\n", draws, el,
                    (double)draws / el);
    }
    if ((s = gw_scenario_summarise(r, NULL, 1, &nat)) != GW_OK) {
        rc = an_lib_error(s, NULL);
        goto done;
    }
    size_t n = r->n_areas, no = r->n_outcomes, nby = bylist.n;
    bys = gw_calloc(nby + 1, sizeof *bys);
    bycodes = gw_calloc(nby + 1, sizeof *bycodes);
    bynames = gw_calloc(nby + 1, sizeof *bynames);
    byng = gw_calloc(nby + 1, sizeof *byng);
    if (!bys || !bycodes || !bynames || !byng)
        goto nomem;
    for (size_t b = 0; b < nby; b++) {
        if ((bycodes[b] = gw_alloc_array(n ? n : 1, sizeof(int32_t))) == NULL)
            goto nomem;
        if ((rc = group_codes(areas, bylist.s[b], bycodes[b], &bynames[b], &byng[b])) !=
            GW_EXIT_OK) {
            if (rc == GW_EXIT_OTHER)
                goto nomem;
            goto done;
        }
        if (byng[b] == 0) {
            cli_error("--by %s: every value is missing", bylist.s[b]);
            rc = GW_EXIT_DATA;
            goto done;
        }
        if ((s = gw_scenario_summarise(r, bycodes[b], byng[b], &bys[b])) != GW_OK) {
            rc = an_lib_error(s, NULL);
            goto done;
        }
    }

    if (json) {
        root = cJSON_CreateObject();
        if (root == NULL)
            goto nomem;
        cJSON_AddStringToObject(root, "goodwork_version", gw_version());
        cJSON_AddStringToObject(root, "command", "scenario");
        cJSON *sj = cJSON_AddArrayToObject(root, "shock");
        for (size_t h = 0; h < nspec; h++)
            cJSON_AddItemToArray(sj, cJSON_CreateString(specs[h]));
        cJSON *mj = cJSON_AddArrayToObject(root, "models");
        for (size_t q = 0; q < neq; q++)
            cJSON_AddItemToArray(mj, cJSON_CreateString(eqs[r->order[q]].name));
        cJSON_AddNumberToObject(root, "seed", (double)seed);
        cJSON_AddNumberToObject(root, "draws", (double)draws);
        cJSON_AddNumberToObject(root, "pass_through", pt);
        cJSON_AddItemToObject(root, "year", an_num(tv ? year : SCEN_NAN));
        cJSON_AddNumberToObject(root, "n_areas", (double)n);
        cJSON_AddBoolToObject(root, "coefficient_draws", !a.no_coef);
        cJSON_AddBoolToObject(root, "residual_noise", a.noise);
        cJSON *cl = cJSON_AddObjectToObject(root, "vcov_clipped");
        for (size_t m = 0; m < neq; m++)
            cJSON_AddNumberToObject(cl, eqs[m].name, (double)r->clipped[m]);
        cJSON *oj = cJSON_AddObjectToObject(root, "outcomes");
        for (size_t o = 0; o < no; o++)
            cJSON_AddItemToObject(oj, r->outcomes[o], stat_json(nat, 0, o));
        cJSON *bj = cJSON_AddObjectToObject(root, "by");
        cJSON *bvj = cJSON_AddObjectToObject(root, "by_var");
        for (size_t b = 0; b < nby; b++) {
            cJSON *vj = cJSON_AddObjectToObject(bvj, bylist.s[b]);
            for (size_t gi = 0; gi < byng[b]; gi++) {
                for (int twice = 0; twice < 2; twice++) {
                    cJSON *gj = cJSON_CreateObject();
                    for (size_t o = 0; o < no; o++)
                        cJSON_AddItemToObject(gj, r->outcomes[o], stat_json(bys[b], gi, o));
                    if (twice == 0) {
                        cJSON_AddItemToObject(vj, bynames[b][gi], gj);
                    } else {
                        char key[300];
                        if (nby == 1)
                            snprintf(key, sizeof key, "%s", bynames[b][gi]);
                        else
                            snprintf(key, sizeof key, "%s=%s", bylist.s[b], bynames[b][gi]);
                        cJSON_AddItemToObject(bj, key, gj);
                    }
                }
            }
        }
        if (a.areas) {
            cJSON *aj = cJSON_AddArrayToObject(root, "areas");
            for (size_t i = 0; i < n; i++) {
                cJSON *x = cJSON_CreateObject();
                cJSON_AddItemToObject(x, "id", an_key_json(areas, idv, i));
                cJSON_AddItemToObject(x, "local_shock", an_num(r->local_shock[i]));
                for (size_t o = 0; o < no; o++) {
                    size_t at = o * n + i;
                    cJSON *y = cJSON_AddObjectToObject(x, r->outcomes[o]);
                    cJSON_AddItemToObject(y, "base", an_num(r->base[at]));
                    cJSON_AddItemToObject(y, "point", an_num(r->point[at]));
                    cJSON_AddItemToObject(y, "mean", an_num(r->mean[at]));
                    cJSON_AddItemToObject(y, "median", an_num(r->median[at]));
                    cJSON_AddItemToObject(y, "q05", an_num(r->q05[at]));
                    cJSON_AddItemToObject(y, "q95", an_num(r->q95[at]));
                    cJSON_AddItemToObject(y, "rank_base", an_num(r->rank_base[at]));
                    cJSON_AddItemToObject(y, "rank_after", an_num(r->rank_after[at]));
                    cJSON_AddItemToObject(y, "rank_change", an_num(r->rank_change[at]));
                }
                cJSON_AddItemToArray(aj, x);
            }
        }
        js = cJSON_PrintUnformatted(root);
        if (js == NULL)
            goto nomem;
        gw_strbuf_cat(&text, js);
        gw_strbuf_cat(&text, "\n");
    } else {
        tb_printf(&text, "Scenario:");
        for (size_t h = 0; h < nspec; h++)
            tb_printf(&text, "%s%s", h ? "; " : " ", specs[h]);
        tb_printf(&text, "\n  models, in propagation order:");
        for (size_t q = 0; q < neq; q++)
            tb_printf(&text, "%s%s (%s)", q ? "," : " ", eqs[r->order[q]].name,
                      fits[r->order[q]]->formula);
        tb_printf(&text,
                  "\n  areas: %zu (%s %s%.10g); draws %zu, seed %llu; pass-through %g; "
                  "%s%s\n",
                  n, idv, tv ? "in " : "", tv ? year : 0.0, draws, (unsigned long long)seed, pt,
                  a.no_coef ? "point estimates only" : "coefficients drawn from N(b, V)",
                  a.noise ? " + residual noise" : "");
        for (size_t m = 0; m < neq; m++)
            if (r->clipped[m] > 0)
                tb_printf(&text,
                          "  note: the vcov of %s is not positive definite; %zu eigenvalue(s) "
                          "clipped to zero\n",
                          eqs[m].name, r->clipped[m]);
        tb_printf(&text, "\n  Mean change over areas (mean over draws, 90%% interval):\n");
        tb_printf(&text, "  %-26s %12s %12s  %-27s\n", "outcome", "point", "mean", "[q05, q95]");
        for (size_t o = 0; o < no; o++)
            tb_printf(&text, "  %-26s %12.5g %12.5g  [%11.5g, %11.5g]\n", r->outcomes[o],
                      nat->point[o], nat->mean_change[o], nat->q05[o], nat->q95[o]);
        for (size_t b = 0; b < nby; b++) {
            tb_printf(&text, "\n  By %s: mean change [q05, q95]\n  %-14s %5s", bylist.s[b],
                      bylist.s[b], "areas");
            for (size_t o = 0; o < no; o++)
                tb_printf(&text, " %34s", r->outcomes[o]);
            tb_printf(&text, "\n");
            for (size_t gi = 0; gi < byng[b]; gi++) {
                tb_printf(&text, "  %-14.14s %5zu", bynames[b][gi], bys[b]->n_areas[gi]);
                for (size_t o = 0; o < no; o++) {
                    size_t at = gi * no + o;
                    tb_printf(&text, " %10.4g [%10.4g, %10.4g]", bys[b]->mean_change[at],
                              bys[b]->q05[at], bys[b]->q95[at]);
                }
                tb_printf(&text, "\n");
            }
        }
        /* Largest rank changes in the last outcome (the final equation). */
        if (no > 0 && n > 0) {
            size_t o = no - 1, best_up = SIZE_MAX, best_dn = SIZE_MAX;
            for (size_t i = 0; i < n; i++) {
                double rcg = r->rank_change[o * n + i];
                if (!isfinite(rcg))
                    continue;
                if (best_up == SIZE_MAX || rcg > r->rank_change[o * n + best_up])
                    best_up = i;
                if (best_dn == SIZE_MAX || rcg < r->rank_change[o * n + best_dn])
                    best_dn = i;
            }
            if (best_up != SIZE_MAX)
                tb_printf(&text,
                          "\n  Ranks in %s (1 = highest): largest rise %s %s (%+.0f), largest "
                          "fall %s %s (%+.0f)\n",
                          r->outcomes[o], idv, an_key_text(areas, idv, best_up),
                          r->rank_change[o * n + best_up], idv, an_key_text(areas, idv, best_dn),
                          r->rank_change[o * n + best_dn]);
        }
    }
    if (text.oom)
        goto nomem;

    if (a.out != NULL) {
        char group[300];
        const char **ids = NULL, **outn = NULL;
        gw_h5_item items[64];
        gw_h5_attr at[16];
        char *shockjoin = NULL, *modeljoin = NULL;
        size_t ni = 0, na = 0;
        char(*names)[96] = NULL;
        tbuf sj = {0}, mj = {0};
        memset(items, 0, sizeof items);
        memset(at, 0, sizeof at);
        snprintf(group, sizeof group, "/analyses/%s", a.name ? a.name : "scenario");
        ids = gw_calloc(n ? n : 1, sizeof *ids);
        outn = gw_calloc(no ? no : 1, sizeof *outn);
        char **idown = gw_calloc(n ? n : 1, sizeof *idown);
        names = gw_calloc(nby * 12 + 1, sizeof *names);
        int ok = ids && outn && idown && names;
        for (size_t i = 0; i < n && ok; i++) {
            idown[i] = gw_strdup(an_key_text(areas, idv, i));
            ids[i] = idown[i];
            ok = idown[i] != NULL;
        }
        for (size_t o = 0; o < no; o++)
            outn[o] = r->outcomes[o];
        for (size_t h = 0; h < nspec; h++)
            tb_printf(&sj, "%s%s", h ? "; " : "", specs[h]);
        for (size_t q = 0; q < neq; q++)
            tb_printf(&mj, "%s%s", q ? "," : "", eqs[r->order[q]].name);
        shockjoin = sj.s;
        modeljoin = mj.s;
        ok = ok && !sj.oom && !mj.oom;
        if (ok) {
#define ITEM_STR(nm, rows_, p)                                                                     \
    do {                                                                                           \
        items[ni].name = (nm);                                                                     \
        items[ni].kind = GW_H5_STR;                                                                \
        items[ni].rows = (rows_);                                                                  \
        items[ni++].str = (p);                                                                     \
    } while (0)
#define ITEM_F64(nm, rows_, cols_, p)                                                              \
    do {                                                                                           \
        items[ni].name = (nm);                                                                     \
        items[ni].kind = GW_H5_F64;                                                                \
        items[ni].rows = (rows_);                                                                  \
        items[ni].cols = (cols_);                                                                  \
        items[ni++].f64 = (p);                                                                     \
    } while (0)
            ITEM_STR("area", n, ids);
            ITEM_STR("outcome", no, outn);
            ITEM_F64("local_shock", n, 0, r->local_shock);
            ITEM_F64("base", no, n, r->base);
            ITEM_F64("point", no, n, r->point);
            ITEM_F64("mean", no, n, r->mean);
            ITEM_F64("median", no, n, r->median);
            ITEM_F64("q05", no, n, r->q05);
            ITEM_F64("q95", no, n, r->q95);
            ITEM_F64("rank_base", no, n, r->rank_base);
            ITEM_F64("rank_after", no, n, r->rank_after);
            ITEM_F64("rank_change", no, n, r->rank_change);
            ITEM_F64("national/mean_change", no, 0, nat->mean_change);
            ITEM_F64("national/q05", no, 0, nat->q05);
            ITEM_F64("national/q50", no, 0, nat->q50);
            ITEM_F64("national/q95", no, 0, nat->q95);
            ITEM_F64("national/point", no, 0, nat->point);
            ITEM_F64("national_draws", no, draws, nat->draw_mean);
            for (size_t b = 0; b < nby && ni + 8 <= sizeof items / sizeof items[0]; b++) {
                static const char *const parts[] = {"levels", "mean_change", "q05",  "q50",
                                                    "q95",    "point",       "draws"};
                for (size_t k = 0; k < 7; k++)
                    snprintf(names[b * 12 + k], 96, "by/%s/%s", bylist.s[b], parts[k]);
                size_t G = byng[b];
                ITEM_STR(names[b * 12 + 0], G, (const char *const *)bynames[b]);
                ITEM_F64(names[b * 12 + 1], G, no, bys[b]->mean_change);
                ITEM_F64(names[b * 12 + 2], G, no, bys[b]->q05);
                ITEM_F64(names[b * 12 + 3], G, no, bys[b]->q50);
                ITEM_F64(names[b * 12 + 4], G, no, bys[b]->q95);
                ITEM_F64(names[b * 12 + 5], G, no, bys[b]->point);
                ITEM_F64(names[b * 12 + 6], G * no, draws, bys[b]->draw_mean);
            }
#undef ITEM_STR
#undef ITEM_F64
            at[na].name = "shock";
            at[na].kind = GW_H5_STR;
            at[na++].str = shockjoin;
            at[na].name = "models";
            at[na].kind = GW_H5_STR;
            at[na++].str = modeljoin;
            at[na].name = "results";
            at[na].kind = GW_H5_STR;
            at[na++].str = a.results;
            at[na].name = "draws";
            at[na].kind = GW_H5_I64;
            at[na++].i64 = (int64_t)draws;
            at[na].name = "pass_through";
            at[na].kind = GW_H5_F64;
            at[na++].f64 = pt;
            at[na].name = "year";
            at[na].kind = GW_H5_F64;
            at[na++].f64 = tv ? year : SCEN_NAN;
            at[na].name = "id";
            at[na].kind = GW_H5_STR;
            at[na++].str = idv;
            at[na].name = "coefficient_draws";
            at[na].kind = GW_H5_I64;
            at[na++].i64 = !a.no_coef;
            at[na].name = "residual_noise";
            at[na].kind = GW_H5_I64;
            at[na++].i64 = a.noise;
            rc = an_store(a.out, a.data, group, items, ni, at, na, 1, seed);
        }
        for (size_t i = 0; idown && i < n; i++)
            gw_free(idown[i]);
        gw_free(idown);
        gw_free(ids);
        gw_free(outn);
        gw_free(names);
        gw_free(shockjoin);
        gw_free(modeljoin);
        if (!ok)
            goto nomem;
        if (rc != GW_EXIT_OK)
            goto done;
    }
    rc = an_write_stdout(text.s);
    goto done;
nomem:
    cli_error("out of memory");
    rc = GW_EXIT_OTHER;
done:
    for (size_t b = 0; bys && b < bylist.n; b++) {
        gw_scenario_summary_free(bys[b]);
        gw_free(bycodes[b]);
        for (size_t gi = 0; bynames[b] && gi < byng[b]; gi++)
            gw_free(bynames[b][gi]);
        gw_free(bynames[b]);
    }
    gw_free(bys);
    gw_free(bycodes);
    gw_free(bynames);
    gw_free(byng);
    gw_scenario_summary_free(nat);
    gw_scenario_free(r);
    if (js != NULL)
        cJSON_free(js);
    cJSON_Delete(root);
    gw_free(text.s);
    gw_free(shares);
    gw_free(keep);
    gw_table_free(areas);
    gw_table_free(data);
    gw_table_free(occt);
    gw_table_free(sht);
    for (size_t m = 0; m < neq; m++) {
        if (eqs)
            gw_free((void *)(uintptr_t)eqs[m].uses);
        if (ef)
            gw_eqframe_free(ef[m]);
        if (fits)
            gw_result_free(fits[m]);
    }
    gw_free(eqs);
    gw_free(ef);
    gw_free(fits);
    gw_results_close(res);
    an_list_free(&mlist);
    an_list_free(&bylist);
    gw_free(rest);
    return rc;
}
