/* test_scenario_run.c -- the scenario front door (api/gw_scenario_run.h): gw_scenario_file gives
 * the numbers `goodwork scenario` prints (compared bit for bit with its JSON, and with the
 * employment change stored from it), gw_scenario_table the same bytes from fits and tables in
 * memory (which it leaves unchanged), gw_scenario_report_write stores what the report holds,
 * gw_scenario_report_render prints the command line's bytes (the command is run on the same
 * results file and its output compared whole), and every failure is a status with a message and
 * no report (no text). Draw counts are small because the suite also runs under ASan. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <hdf5.h>

#include "gw_alloc.h"
#include "gw_fit.h"
#include "gw_hdf5.h"
#include "gw_load.h"
#include "gw_scenario_run.h"
#include "gw_test.h"

#define PANEL "datasets/uk_la_panel.h5"
#define SHOCK_POLICY "autonomy_share+=5@auto_exposure>=q80"

/* `goodwork scenario --shock displacement:0.10` on the bundled panel: the national mean change
 * of emp_rate in the point propagation (no coefficient enters it), mean over the 360 areas of
 * 2024 of 0.5 * emp_rate_i * L_i, L_i = sum_o share_io * (-0.10 * p_auto_o). Computed apart
 * from goodwork with h5py and numpy from /data, /shares and /occupation of the panel (the note
 * of issue 18 gives the script); the old units (0.5 * 100 * L_i) gave -2.110731521767683. */
#define EMP_CHANGE_DISPLACEMENT_010 (-1.5835128087433539)

static const char *const model_names[] = {"pay", "autonomy", "life"};
static const char *const model_formulas[] = {
    "log(median_hourly_pay) ~ emp_rate | la_id + year",
    "autonomy_share ~ emp_rate + share_prof + auto_exposure | la_id + year",
    "life_sat ~ emp_rate + autonomy_share + log(median_hourly_pay) | la_id + year"};

static char results_path[1024];

/* The models, fitted with gw_fit_file and stored as `goodwork fit --out` stores them. */
static int fit_models(void **state)
{
    (void)state;
    gw_fit_opts o = {.vcov = "cluster:la_id"};
    snprintf(results_path, sizeof results_path, "%s/scenario_run_results.h5", gwt_tmpdir());
    unlink(results_path);
    for (size_t m = 0; m < 3; m++) {
        gw_result *r = NULL;
        if (gw_fit_file(gwt_source_path(PANEL), model_formulas[m], &o, &r, NULL) != GW_OK ||
            gw_results_append(results_path, model_names[m], r, NULL) != GW_OK) {
            fprintf(stderr, "fit %s: %s\n", model_names[m], gw_last_error());
            gw_result_free(r);
            return -1;
        }
        gw_result_free(r);
    }
    return 0;
}

static const gw_scenario_run_opts *policy_opts(void)
{
    static const char *const by[] = {"nation"};
    static gw_scenario_run_opts o;
    memset(&o, 0, sizeof o);
    o.by = by;
    o.nby = 1;
    o.draws = 40;
    o.seed = 7;
    o.flags = GW_SCENARIO_SEED_SET | GW_SCENARIO_RESIDUAL_NOISE;
    return &o;
}

static const char *const policy_shocks[] = {"displacement:0.10", SHOCK_POLICY};

/* A non-NULL report pointer, to see that a failure sets *out to NULL. */
static gw_scenario_report *sentinel(void)
{
    static int x;
    return (gw_scenario_report *)(void *)&x;
}

static void assert_same(double a, double b) { gw_assert_close(a, b, 0.0, 0.0); }

/* A number of the command line's JSON against the report's: cJSON prints 15 significant digits
 * when they read back within DBL_EPSILON (relative), else 17, so they agree to that; JSON null is
 * NaN in the report. */
static void assert_json_same(const cJSON *o, const char *name, double v)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, name);
    if (cJSON_IsNull(x) && isnan(v))
        return;
    gw_assert_close(gwt_json_num(o, name), v, 2.0 * DBL_EPSILON, 0.0);
}

/* The report's numbers are those the command line prints. */
static void test_scenario_file_matches_cli(void **state)
{
    (void)state;
    gw_scenario_report *rep = NULL;
    if (gw_scenario_file(results_path, gwt_source_path(PANEL), policy_shocks, 2, policy_opts(),
                         &rep) != GW_OK)
        fail_msg("%s", gw_last_error());
    const char *args[] = {"scenario",
                          "--results",
                          results_path,
                          "--data",
                          gwt_source_path(PANEL),
                          "--shock",
                          policy_shocks[0],
                          "--shock",
                          policy_shocks[1],
                          "--draws",
                          "40",
                          "--seed",
                          "7",
                          "--by",
                          "nation",
                          "--residual-noise",
                          "--areas",
                          "--format",
                          "json",
                          "--quiet",
                          NULL};
    cJSON *js = gwt_cli_json(args);
    const gw_scenario_settings *st = gw_scenario_report_settings(rep);
    const gw_scenario_result *r = gw_scenario_report_result(rep);
    const gw_scenario_summary *nat = gw_scenario_report_national(rep);
    assert_int_equal(st->draws, 40);
    assert_int_equal(st->seed, 7);
    assert_same(st->year, gwt_json_num(js, "year"));
    assert_same(st->year, 2024.0);
    assert_int_equal(r->n_areas, (size_t)gwt_json_num(js, "n_areas"));
    assert_int_equal(r->n_areas, 360);
    assert_string_equal(st->id, "la_id");
    assert_string_equal(st->time, "year");
    assert_string_equal(st->results, results_path);
    assert_true(st->coefficient_draws && st->residual_noise);
    const cJSON *models = cJSON_GetObjectItemCaseSensitive(js, "models");
    assert_int_equal(cJSON_GetArraySize(models), 3);
    for (size_t q = 0; q < 3; q++)
        assert_string_equal(cJSON_GetArrayItem(models, (int)q)->valuestring,
                            gw_scenario_report_model(rep, r->order[q]));
    assert_string_equal(gw_scenario_report_formula(rep, 2), model_formulas[2]);
    const cJSON *outs = cJSON_GetObjectItemCaseSensitive(js, "outcomes");
    assert_int_equal(cJSON_GetArraySize(outs), r->n_outcomes);
    for (size_t o = 0; o < r->n_outcomes; o++) {
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(outs, r->outcomes[o]);
        assert_non_null(x);
        assert_json_same(x, "mean_change", nat->mean_change[o]);
        assert_json_same(x, "q05", nat->q05[o]);
        assert_json_same(x, "q50", nat->q50[o]);
        assert_json_same(x, "q95", nat->q95[o]);
        assert_json_same(x, "point", nat->point[o]);
    }
    /* Groups: the levels of nation, each with its areas' summaries. */
    assert_int_equal(gw_scenario_report_nby(rep), 1);
    assert_string_equal(gw_scenario_report_by_var(rep, 0), "nation");
    const gw_scenario_summary *g = gw_scenario_report_by(rep, 0);
    const cJSON *bv =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(js, "by_var"), "nation");
    assert_int_equal(cJSON_GetArraySize(bv), g->ngroups);
    for (size_t gi = 0; gi < g->ngroups; gi++) {
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(bv, gw_scenario_report_by_level(rep, 0, gi)),
            "life_sat");
        assert_json_same(x, "mean_change", g->mean_change[gi * r->n_outcomes + r->n_outcomes - 1]);
    }
    /* Areas: identifiers and per-area numbers. */
    const cJSON *areas = cJSON_GetObjectItemCaseSensitive(js, "areas");
    assert_int_equal(cJSON_GetArraySize(areas), r->n_areas);
    for (size_t i = 0; i < r->n_areas; i += 37) {
        const cJSON *a = cJSON_GetArrayItem(areas, (int)i);
        char id[64];
        snprintf(id, sizeof id, "%.10g", gwt_json_num(a, "id"));
        assert_string_equal(id, gw_scenario_report_area(rep, i));
        assert_json_same(a, "local_shock", r->local_shock[i]);
        for (size_t o = 0; o < r->n_outcomes; o++) {
            const cJSON *y = cJSON_GetObjectItemCaseSensitive(a, r->outcomes[o]);
            size_t at = o * r->n_areas + i;
            assert_json_same(y, "point", r->point[at]);
            assert_json_same(y, "mean", r->mean[at]);
            assert_json_same(y, "q95", r->q95[at]);
            assert_json_same(y, "rank_change", r->rank_change[at]);
        }
    }
    cJSON_Delete(js);
    gw_scenario_report_free(rep);

    /* The stored reference: displacement alone moves emp_rate by the command line's number. */
    static const char *const disp[] = {"displacement:0.10"};
    gw_scenario_run_opts o = {.draws = 5};
    assert_int_equal(gw_scenario_file(results_path, gwt_source_path(PANEL), disp, 1, &o, &rep),
                     GW_OK);
    r = gw_scenario_report_result(rep);
    assert_string_equal(r->outcomes[0], "emp_rate");
    gw_assert_close(gw_scenario_report_national(rep)->point[0], EMP_CHANGE_DISPLACEMENT_010,
                    1e-13, 0.0);
    assert_true(gw_scenario_report_national(rep)->mean_change[r->n_outcomes - 1] < 0.0);
    assert_int_equal(gw_scenario_report_settings(rep)->seed, GW_SCENARIO_DEFAULT_SEED);
    gw_scenario_report_free(rep);
}

typedef struct {
    int calls, starts, done_calls;
    size_t last, total;
    double seconds;
} progress_log;

static void log_progress(void *ctx, size_t done, size_t total)
{
    progress_log *p = ctx;
    p->calls++;
    p->starts += done == 0;
    p->last = done;
    p->total = total;
}

static void log_done(void *ctx, gw_status s, double seconds)
{
    progress_log *p = ctx;
    assert_int_equal(s, GW_OK);
    p->done_calls++;
    p->seconds = seconds;
}

static void assert_same_arrays(const double *a, const double *b, size_t n)
{
    assert_memory_equal(a, b, n * sizeof *a);
}

/* From fits and tables in memory: the same bytes as from the files, the tables unchanged; the
 * progress calls start at 0 and end with one draws_done. */
static void test_scenario_table_same_bytes(void **state)
{
    (void)state;
    gw_results *res = NULL;
    gw_result *fits[3] = {NULL, NULL, NULL};
    gw_table *t = NULL, *occ = NULL, *sh = NULL;
    gw_scenario_report *rf = NULL, *rt = NULL;
    const char *panel = gwt_source_path(PANEL);
    assert_int_equal(gw_results_open(results_path, &res), GW_OK);
    for (size_t m = 0; m < 3; m++)
        assert_int_equal(gw_results_get(res, model_names[m], &fits[m]), GW_OK);
    assert_int_equal(gw_data_load(panel, NULL, &t), GW_OK);
    assert_int_equal(gw_h5_table_read(panel, "/occupation", NULL, 0, &occ), GW_OK);
    assert_int_equal(gw_h5_table_read(panel, "/shares", NULL, 0, &sh), GW_OK);
    size_t jemp = (size_t)gw_table_find(t, "emp_rate"), nr = gw_table_nrows(t);
    double *emp = gw_alloc_array(nr, sizeof *emp);
    assert_non_null(emp);
    memcpy(emp, gw_table_numeric(t, jemp), nr * sizeof *emp);

    gw_scenario_run_opts o = *policy_opts();
    progress_log pl = {0};
    o.progress = log_progress;
    o.draws_done = log_done;
    o.progress_ctx = &pl;
    gw_scenario_data d = {t, occ, sh, NULL};
    assert_int_equal(gw_scenario_file(results_path, panel, policy_shocks, 2, &o, &rf), GW_OK);
    assert_true(pl.starts == 1 && pl.done_calls == 1 && pl.last == 40 && pl.total == 40);
    assert_true(pl.seconds >= 0.0);
    if (gw_scenario_table(&d, (const gw_result *const *)fits, model_names, 3, policy_shocks, 2, &o,
                          &rt) != GW_OK)
        fail_msg("%s", gw_last_error());
    assert_int_equal(pl.done_calls, 2);

    const gw_scenario_result *a = gw_scenario_report_result(rf), *b = gw_scenario_report_result(rt);
    size_t cells = a->n_outcomes * a->n_areas;
    assert_int_equal(a->n_outcomes, b->n_outcomes);
    assert_int_equal(a->n_areas, b->n_areas);
    assert_same_arrays(a->point, b->point, cells);
    assert_same_arrays(a->mean, b->mean, cells);
    assert_same_arrays(a->rank_change, b->rank_change, cells);
    assert_same_arrays(a->draw_change, b->draw_change, cells * a->draws);
    assert_same_arrays(a->local_shock, b->local_shock, a->n_areas);
    const gw_scenario_summary *ga = gw_scenario_report_by(rf, 0),
                              *gb = gw_scenario_report_by(rt, 0);
    assert_same_arrays(ga->draw_mean, gb->draw_mean, ga->ngroups * a->n_outcomes * a->draws);
    assert_null(gw_scenario_report_settings(rt)->results);
    assert_int_equal(gw_table_nrows(t), nr);
    assert_memory_equal(gw_table_numeric(t, jemp), emp, nr * sizeof *emp);

    gw_free(emp);
    gw_scenario_report_free(rf);
    gw_scenario_report_free(rt);
    gw_table_free(t);
    gw_table_free(occ);
    gw_table_free(sh);
    for (size_t m = 0; m < 3; m++)
        gw_result_free(fits[m]);
    gw_results_close(res);
}

/* What gw_scenario_report_write stores is what the report holds. */
static void test_scenario_write_reads_back(void **state)
{
    (void)state;
    char out[1024];
    gw_scenario_report *rep = NULL;
    gw_table *nat = NULL;
    snprintf(out, sizeof out, "%s/scenario_run_out.h5", gwt_tmpdir());
    unlink(out);
    assert_int_equal(gw_scenario_file(results_path, gwt_source_path(PANEL), policy_shocks, 2,
                                      policy_opts(), &rep),
                     GW_OK);
    if (gw_scenario_report_write(rep, out, "/analyses/policy", NULL) != GW_OK)
        fail_msg("%s", gw_last_error());
    /* Written twice: the group is replaced. */
    assert_int_equal(gw_scenario_report_write(rep, out, "/analyses/policy", NULL), GW_OK);
    assert_int_equal(gw_h5_table_read(out, "/analyses/policy/national", NULL, 0, &nat), GW_OK);
    const gw_scenario_summary *s = gw_scenario_report_national(rep);
    size_t no = gw_scenario_report_result(rep)->n_outcomes;
    assert_int_equal(gw_table_nrows(nat), no);
    assert_same_arrays(gw_table_numeric(nat, (size_t)gw_table_find(nat, "mean_change")),
                       s->mean_change, no);
    assert_same_arrays(gw_table_numeric(nat, (size_t)gw_table_find(nat, "q95")), s->q95, no);
    gw_status st = gw_scenario_report_write(rep, out, "relative/group", NULL);
    assert_int_equal(st, GW_EINVAL);
    assert_true(gw_last_error()[0] != '\0');
    gw_table_free(nat);
    gw_scenario_report_free(rep);
}

/* gw_scenario_file's failures, in the order of work: a status with a message, no report. */
static void test_scenario_file_errors(void **state)
{
    (void)state;
    static const char *const by_none[] = {"nosuch"};
    static const char *const by_empty[] = {",x"};
    const char *panel = gwt_source_path(PANEL), *csv = gwt_source_path("datasets/uk_la_panel.csv");
    static const char *const direct[] = {"emp_rate-=1"}, *const robots[] = {"robots:1"},
                             *const unknown[] = {"robots+=1"}, *const disp[] = {"displacement:1"},
                             *const undefined[] = {"median_hourly_pay = -1"};
    const struct {
        const char *results, *data;
        const char *const *shocks;
        gw_scenario_run_opts o;
        gw_status want;
        const char *msg;
    } cases[] = {
        {NULL, panel, direct, {0}, GW_EINVAL, "NULL results or data"},
        {results_path, panel, direct, {.draws = 20000000}, GW_EINVAL, "bad --draws"},
        {results_path,
         panel,
         direct,
         {.pass_through = -1.0, .flags = GW_SCENARIO_PASS_THROUGH_SET},
         GW_EINVAL,
         "bad --pass-through"},
        {results_path,
         panel,
         direct,
         {.year = INFINITY, .flags = GW_SCENARIO_YEAR_SET},
         GW_EINVAL,
         "bad --year"},
        {results_path, panel, robots, {0}, GW_ESYNTAX, "unknown kind 'robots'"},
        {results_path,
         panel,
         direct,
         {.models = "pay,,life"},
         GW_EINVAL,
         "bad --models 'pay,,life': empty item"},
        {results_path,
         panel,
         direct,
         {.by = by_empty, .nby = 1},
         GW_EINVAL,
         "bad --by ',x': empty item"},
        {"/nonexistent/r.h5", panel, direct, {0}, GW_EIO, "cannot open"},
        {results_path, panel, direct, {.models = "pay,nosuch"}, GW_ENOVAR, "no model 'nosuch' in"},
        {results_path, "/nonexistent/d.h5", direct, {0}, GW_EIO, "cannot open"},
        {results_path, panel, direct, {.id = "nosuch"}, GW_ENOVAR, "unknown --id variable"},
        {results_path, panel, direct, {.time = "nosuch"}, GW_ENOVAR, "unknown --time variable"},
        {results_path, panel, direct, {.time = "nation"}, GW_EINVAL, "must be numeric"},
        {results_path,
         panel,
         direct,
         {.year = 1900.0, .flags = GW_SCENARIO_YEAR_SET},
         GW_EFORMAT,
         "in year 1900"},
        {results_path,
         csv,
         disp,
         {0},
         GW_EFORMAT,
         "shift-share shocks need the occupation table and shares: "},
        {results_path,
         panel,
         disp,
         {.occupation = "/shares"},
         GW_EFORMAT,
         "needs numeric columns p_auto"},
        {results_path,
         panel,
         disp,
         {.shares = "/occupation"},
         GW_EFORMAT,
         "the shares table needs a numeric 'la_id' column"},
        {results_path, panel, disp, {.shares = "/data"}, GW_EFORMAT, "share columns but"},
        {results_path, panel, unknown, {0}, GW_ENOVAR, "scenario: unknown variable 'robots'"},
        {results_path,
         panel,
         undefined,
         {.draws = 2},
         GW_EFORMAT,
         "scenario: model life after the shock: log(median_hourly_pay)"},
        {results_path,
         panel,
         direct,
         {.draws = 2, .by = by_none, .nby = 1},
         GW_ENOVAR,
         "unknown --by variable 'nosuch'"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        gw_scenario_report *rep = sentinel(); /* overwritten with NULL */
        gw_status s = gw_scenario_file(cases[k].results, cases[k].data, cases[k].shocks, 1,
                                       &cases[k].o, &rep);
        if (s != cases[k].want || strstr(gw_last_error(), cases[k].msg) == NULL)
            fail_msg("case %zu: status %d (%s), expected %d with '%s'", k, (int)s, gw_last_error(),
                     (int)cases[k].want, cases[k].msg);
        assert_null(rep);
    }
    assert_int_equal(gw_scenario_file(results_path, panel, direct, 1, NULL, NULL), GW_EINVAL);
}

/* gw_scenario_table's own failures: arguments, a non-linear model, missing occupation data, a
 * grouping variable missing everywhere. */
static void test_scenario_table_errors(void **state)
{
    (void)state;
    gw_table *t = NULL;
    gw_result *lin = NULL, *logit = NULL;
    assert_int_equal(gw_data_load(gwt_source_path(PANEL), NULL, &t), GW_OK);
    gw_fit_opts lo = {.estimator = "logit"};
    assert_int_equal(gw_fit_table(t, model_formulas[2], NULL, &lin), GW_OK);
    assert_int_equal(gw_fit_table(t, "covid ~ emp_rate", &lo, &logit), GW_OK);
    double *na = gw_alloc_array(gw_table_nrows(t), sizeof *na);
    assert_non_null(na);
    for (size_t i = 0; i < gw_table_nrows(t); i++)
        na[i] = (double)NAN;
    assert_int_equal(gw_table_add_numeric_take(t, "allna", na), GW_OK);
    static const char *const by_na[] = {"allna"};
    static const char *const direct[] = {"emp_rate-=1"}, *const disp[] = {"displacement:1"};
    static const char *const names[] = {"m"};
    const gw_result *one[] = {lin}, *bad[] = {logit}, *none[] = {NULL};
    gw_scenario_data d = {t, NULL, NULL, NULL}, nod = {NULL, NULL, NULL, NULL};
    const struct {
        const gw_scenario_data *d;
        const gw_result *const *fits;
        size_t nfits;
        const char *const *shocks;
        gw_scenario_run_opts o;
        gw_status want;
        const char *msg;
    } cases[] = {
        {&nod, one, 1, direct, {0}, GW_EINVAL, "NULL data"},
        {&d, one, 0, direct, {0}, GW_EINVAL, "no model"},
        {&d, one, 1, direct, {.models = "m"}, GW_EINVAL, "opts->models"},
        {&d, none, 1, direct, {0}, GW_EINVAL, "model 0 is NULL"},
        {&d, bad, 1, direct, {0}, GW_EINVAL, "model m: estimator logit is not linear"},
        {&d, one, 1, disp, {0}, GW_EINVAL, "need the occupation table and shares"},
        {&d,
         one,
         1,
         direct,
         {.draws = 2, .by = by_na, .nby = 1},
         GW_EFORMAT,
         "--by allna: every value is missing"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        gw_scenario_report *rep = sentinel();
        gw_status s = gw_scenario_table(cases[k].d, cases[k].fits, names, cases[k].nfits,
                                        cases[k].shocks, 1, &cases[k].o, &rep);
        if (s != cases[k].want || strstr(gw_last_error(), cases[k].msg) == NULL)
            fail_msg("case %zu: status %d (%s), expected %d with '%s'", k, (int)s, gw_last_error(),
                     (int)cases[k].want, cases[k].msg);
        assert_null(rep);
    }
    /* No shocks at all is not an error: every change is exactly 0. */
    gw_scenario_report *rep = NULL;
    gw_scenario_run_opts o = {.draws = 3};
    assert_int_equal(gw_scenario_table(&d, one, names, 1, NULL, 0, &o, &rep), GW_OK);
    const gw_scenario_result *r = gw_scenario_report_result(rep);
    for (size_t i = 0; i < r->n_outcomes * r->n_areas; i++)
        if (!isnan(r->point[i]))
            assert_same(r->point[i], 0.0);
    gw_scenario_report_free(rep);
    gw_result_free(lin);
    gw_result_free(logit);
    gw_table_free(t);
}

/* ---- gw_scenario_report_render: the bytes the command line prints ---- */

/* Runs the shocks with opts through the library, renders (json, areas) and compares with the
 * command line run with the flags args (the same run). */
static void assert_renders_as_cli(const char *const *shocks, size_t nshocks,
                                  const gw_scenario_run_opts *opts, int json, int areas,
                                  const char *const *args)
{
    gw_scenario_report *rep = NULL;
    char *text = NULL;
    if (gw_scenario_file(results_path, gwt_source_path(PANEL), shocks, nshocks, opts, &rep) !=
        GW_OK)
        fail_msg("%s", gw_last_error());
    if (gw_scenario_report_render(rep, json, areas, &text) != GW_OK)
        fail_msg("%s", gw_last_error());
    gwt_run_result cli = gwt_run_cli_argv(args);
    if (cli.exit_code != 0)
        fail_msg("goodwork scenario failed (%d): %s", cli.exit_code, cli.err);
    assert_string_equal(cli.err, "");
    assert_string_equal(text, cli.out);
    gwt_run_free(&cli);
    gw_free(text);
    gw_scenario_report_free(rep);
}

#define BASE "scenario", "--results", results_path, "--data", gwt_source_path(PANEL), "--quiet"

/* A shift-share and a conditional shock, residual noise, two grouping variables: the text
 * (by-group tables, largest rank changes) and the JSON (by, by_var). */
static void test_scenario_render_by_groups(void **state)
{
    (void)state;
    static const char *const by[] = {"nation", "cluster_true"};
    static const char *const shocks[] = {"displacement:0.10",
                                         "autonomy_share+=5@auto_exposure>=q80"};
    gw_scenario_run_opts o = {.by = by, .nby = 2, .draws = 20, .seed = 7};
    o.flags = GW_SCENARIO_SEED_SET | GW_SCENARIO_RESIDUAL_NOISE;
    for (int json = 0; json < 2; json++) {
        const char *args[] = {BASE,
                              "--shock",
                              shocks[0],
                              "--shock",
                              shocks[1],
                              "--by",
                              "nation",
                              "--by",
                              "cluster_true",
                              "--draws",
                              "20",
                              "--seed",
                              "7",
                              "--residual-noise",
                              "--format",
                              json ? "json" : "text",
                              NULL};
        assert_renders_as_cli(shocks, 2, &o, json, 0, args);
    }
}

/* Point estimates only, a chosen year and pass-through, the per-area results (--areas). */
static void test_scenario_render_areas(void **state)
{
    (void)state;
    static const char *const shocks[] = {"emp_rate-=2"};
    gw_scenario_run_opts o = {.draws = 10, .pass_through = 0.3, .year = 2015};
    o.flags = GW_SCENARIO_NO_COEF_DRAWS | GW_SCENARIO_PASS_THROUGH_SET | GW_SCENARIO_YEAR_SET;
    const char *text_args[] = {BASE,   "--shock",         shocks[0], "--draws",
                               "10",   "--pass-through",  "0.3",     "--year",
                               "2015", "--no-coef-draws", NULL};
    assert_renders_as_cli(shocks, 1, &o, 0, 0, text_args);
    const char *json_args[] = {
        BASE,     "--shock", shocks[0],         "--draws", "10",       "--pass-through", "0.3",
        "--year", "2015",    "--no-coef-draws", "--areas", "--format", "json",           NULL};
    assert_renders_as_cli(shocks, 1, &o, 1, 1, json_args);
}

/* Bounds and observed ranges: emp_rate -= D moves every area's rate by exactly -D (no model
 * explains emp_rate), so the areas flagged are those whose 2024 rate, less D, falls below 0 or
 * below the lowest rate of any year, counted here from the panel itself. */
static void count_expected(double d, size_t *below, size_t *outside)
{
    gw_table *t = NULL;
    assert_int_equal(gw_data_load(gwt_source_path(PANEL), NULL, &t), GW_OK);
    const double *e = gw_table_numeric(t, (size_t)gw_table_find(t, "emp_rate"));
    const double *y = gw_table_numeric(t, (size_t)gw_table_find(t, "year"));
    double lo = INFINITY, last = -INFINITY;
    for (size_t i = 0; i < gw_table_nrows(t); i++) {
        lo = e[i] < lo ? e[i] : lo;
        last = y[i] > last ? y[i] : last;
    }
    *below = *outside = 0;
    for (size_t i = 0; i < gw_table_nrows(t); i++) {
        if (y[i] != last)
            continue;
        *below += e[i] - d < 0.0;
        *outside += e[i] - d < lo;
    }
    gw_table_free(t);
}

static void test_scenario_plausibility(void **state)
{
    (void)state;
    static const char *const mild[] = {"emp_rate-=6"}, *const wild[] = {"emp_rate-=80"};
    gw_scenario_run_opts o = {.draws = 3};
    gw_scenario_report *rep = NULL;
    size_t below, outside;
    for (int k = 0; k < 2; k++) {
        double d = k ? 80.0 : 6.0;
        count_expected(d, &below, &outside);
        assert_int_equal(gw_scenario_file(results_path, gwt_source_path(PANEL), k ? wild : mild,
                                          1, &o, &rep),
                         GW_OK);
        const gw_scenario_plausibility *p = gw_scenario_report_plausibility(rep, 0);
        assert_string_equal(gw_scenario_report_result(rep)->outcomes[0], "emp_rate");
        gw_assert_close(p->lo, 0.0, 0.0, 0.0);
        gw_assert_close(p->hi, 100.0, 0.0, 0.0);
        assert_int_equal(p->below, below);
        assert_int_equal(p->above, 0);
        assert_int_equal(p->outside, outside);
        assert_true(k ? below > 0 : outside > 0); /* both cases flag something */
        char *text = NULL;
        assert_int_equal(gw_scenario_report_render(rep, 0, 0, &text), GW_OK);
        assert_non_null(strstr(text, "Plausibility (value after the shock"));
        gw_free(text);
        gw_scenario_report_free(rep);
    }
    /* --bound emp_rate=none: nothing below; --strict: an error naming the first area. */
    static const char *const none[] = {"emp_rate=none"};
    o.bounds = none;
    o.nbounds = 1;
    assert_int_equal(gw_scenario_file(results_path, gwt_source_path(PANEL), wild, 1, &o, &rep),
                     GW_OK);
    assert_int_equal(gw_scenario_report_plausibility(rep, 0)->below, 0);
    gw_scenario_report_free(rep);
    o.flags = GW_SCENARIO_STRICT;
    rep = sentinel();
    assert_int_equal(gw_scenario_file(results_path, gwt_source_path(PANEL), mild, 1, &o, &rep),
                     GW_EFORMAT);
    assert_null(rep);
    assert_non_null(strstr(gw_last_error(), "--strict: emp_rate after the shock is"));
    /* Malformed bounds: usage errors before any file is read. */
    static const char *const bad[] = {"emp_rate", "=0:1", "emp_rate=5:1", "emp_rate=a:b",
                                      "emp_rate=0"};
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
        o.bounds = &bad[b];
        assert_int_equal(gw_scenario_file("/nonexistent.h5", "/nonexistent.h5", mild, 1, &o, &rep),
                         GW_EINVAL);
        assert_non_null(strstr(gw_last_error(), "bad --bound"));
    }
}

/* Common random numbers: the comparison's per-draw differences are those of the two reports,
 * draw by draw, and the interval of "policy minus displacement" is narrower than that of the
 * same difference between runs with independent draws (another seed for the policy). */
static void test_scenario_compare_common_draws(void **state)
{
    (void)state;
    static const char *const disp[] = {"displacement:0.10"};
    static const char *const by[] = {"nation"};
    const gw_scenario_def defs[] = {{"displacement", disp, 1}, {"policy", policy_shocks, 2}};
    gw_scenario_run_opts o = {.draws = 200, .by = by, .nby = 1};
    gw_scenario_comparison *c = NULL;
    char out[1024];
    if (gw_scenario_compare_file(results_path, gwt_source_path(PANEL), defs, 2, 0, &o, &c) !=
        GW_OK)
        fail_msg("%s", gw_last_error());
    assert_int_equal(gw_scenario_comparison_n(c), 2);
    assert_null(gw_scenario_comparison_diff(c, 0));
    const gw_scenario_summary *d = gw_scenario_comparison_diff(c, 1);
    const gw_scenario_summary *a = gw_scenario_report_national(gw_scenario_comparison_report(c, 1));
    const gw_scenario_summary *r = gw_scenario_report_national(gw_scenario_comparison_report(c, 0));
    const gw_scenario_result *ra = gw_scenario_report_result(gw_scenario_comparison_report(c, 1));
    size_t no = ra->n_outcomes, D = 200, ol = no - 1, rl = r->n_outcomes - 1;
    assert_string_equal(ra->outcomes[ol], "life_sat");
    for (size_t k = 0; k < D; k++)
        assert_same(d->draw_mean[ol * D + k], a->draw_mean[ol * D + k] - r->draw_mean[rl * D + k]);
    assert_same(d->point[ol], a->point[ol] - r->point[rl]);
    /* emp_rate moves alike in both: a difference of exactly 0 in every draw. */
    assert_string_equal(ra->outcomes[0], "emp_rate");
    assert_same(d->q05[0], 0.0);
    assert_same(d->q95[0], 0.0);
    /* Independent draws: the policy with another seed, differenced draw by draw. */
    gw_scenario_report *ind = NULL;
    gw_scenario_run_opts o2 = o;
    o2.seed = 99;
    o2.flags = GW_SCENARIO_SEED_SET;
    assert_int_equal(gw_scenario_file(results_path, gwt_source_path(PANEL), policy_shocks, 2, &o2,
                                      &ind),
                     GW_OK);
    const gw_scenario_summary *ai = gw_scenario_report_national(ind);
    double lo = INFINITY, hi = -INFINITY, dlo = INFINITY, dhi = -INFINITY;
    for (size_t k = 0; k < D; k++) {
        double v = ai->draw_mean[ol * D + k] - r->draw_mean[rl * D + k];
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
        dlo = d->draw_mean[ol * D + k] < dlo ? d->draw_mean[ol * D + k] : dlo;
        dhi = d->draw_mean[ol * D + k] > dhi ? d->draw_mean[ol * D + k] : dhi;
    }
    assert_true(2.0 * (dhi - dlo) < hi - lo);
    gw_scenario_report_free(ind);
    /* Stored and read back. */
    snprintf(out, sizeof out, "%s/scenario_compare.h5", gwt_tmpdir());
    unlink(out);
    gw_table *t = NULL;
    assert_int_equal(gw_scenario_comparison_write(c, out, "/analyses/cmp", NULL), GW_OK);
    assert_int_equal(gw_h5_table_read(out, "/analyses/cmp/diff/policy/national", NULL, 0, &t),
                     GW_OK);
    assert_int_equal(gw_table_nrows(t), no);
    assert_same(gw_table_numeric(t, (size_t)gw_table_find(t, "q95"))[ol], d->q95[ol]);
    gw_table_free(t);
    char *text = NULL;
    assert_int_equal(gw_scenario_comparison_render(c, 0, &text), GW_OK);
    assert_non_null(strstr(text, "policy minus displacement"));
    gw_free(text);
    gw_scenario_comparison_free(c);
}

static void test_scenario_compare_errors(void **state)
{
    (void)state;
    static const char *const disp[] = {"displacement:0.10"}, *const bad[] = {"robots:1"};
    gw_scenario_comparison *c = (gw_scenario_comparison *)(void *)&c;
    const char *panel = gwt_source_path(PANEL);
    const gw_scenario_def one[] = {{"a", disp, 1}}, twice[] = {{"a", disp, 1}, {"a", disp, 1}},
                          badname[] = {{"a b", disp, 1}, {"b", disp, 1}},
                          badshock[] = {{"a", disp, 1}, {"b", bad, 1}};
    assert_int_equal(gw_scenario_compare_file(results_path, panel, one, 1, 0, NULL, &c), GW_EINVAL);
    assert_null(c);
    assert_int_equal(gw_scenario_compare_file(results_path, panel, twice, 2, 0, NULL, &c),
                     GW_EINVAL);
    assert_non_null(strstr(gw_last_error(), "given twice"));
    assert_int_equal(gw_scenario_compare_file(results_path, panel, badname, 2, 0, NULL, &c),
                     GW_EINVAL);
    assert_int_equal(gw_scenario_compare_file(results_path, panel, twice, 2, 2, NULL, &c),
                     GW_EINVAL);
    assert_int_equal(gw_scenario_compare_file(results_path, panel, badshock, 2, 0, NULL, &c),
                     GW_ESYNTAX);
    assert_non_null(strstr(gw_last_error(), "scenario b: bad shock"));
    assert_null(c);
}

/* A horizon stored with --out under the default scenario name "scenario", which is also the
 * name of the group's list of names: the paths live under scenarios/ (they collided before). */
static void test_scenario_path_write(void **state)
{
    (void)state;
    static const char *const shock[] = {"emp_rate-=2"};
    const gw_scenario_def def = {"scenario", shock, 1};
    gw_scenario_run_opts o = {.draws = 5};
    gw_scenario_horizon h = {.from = 2024, .to = 2025, .ramp = NAN, .trend_years = 0};
    gw_scenario_path *p = NULL;
    if (gw_scenario_path_file(results_path, gwt_source_path(PANEL), &def, 1, 0, &h, &o, &p) !=
        GW_OK)
        fail_msg("%s", gw_last_error());
    const char *out = gwt_tmp_path("path_out.h5");
    unlink(out);
    if (gw_scenario_path_write(p, out, "/analyses/scenario", NULL) != GW_OK)
        fail_msg("%s", gw_last_error());
    hid_t f = H5Fopen(out, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    assert_true(H5Lexists(f, "/analyses/scenario/scenario", H5P_DEFAULT) > 0);
    assert_true(H5Lexists(f, "/analyses/scenario/scenarios", H5P_DEFAULT) > 0);
    assert_true(H5Lexists(f, "/analyses/scenario/scenarios/scenario", H5P_DEFAULT) > 0);
    assert_true(H5Lexists(f, "/analyses/scenario/scenarios/scenario/path", H5P_DEFAULT) > 0);
    assert_true(H5Lexists(f, "/analyses/scenario/scenarios/scenario/path/mean_change",
                          H5P_DEFAULT) > 0);
    H5Fclose(f);
    gw_scenario_path_free(p);
}

/* A horizon: a year the data has is the static run of that year, bit for bit; a direct shock
 * ramped over three years is a third, two thirds and all of itself; the baseline of a year
 * after the data is each area's OLS line on the year, computed here from the panel. */
static void test_scenario_path(void **state)
{
    (void)state;
    static const char *const shock[] = {"emp_rate-=2"};
    const gw_scenario_def def = {"s", shock, 1};
    gw_scenario_run_opts o = {.draws = 20};
    gw_scenario_horizon h = {.from = 2024, .to = 2026, .ramp = 2026, .trend_years = 0};
    gw_scenario_path *p = NULL;
    gw_scenario_report *st = NULL;
    if (gw_scenario_path_file(results_path, gwt_source_path(PANEL), &def, 1, 0, &h, &o, &p) !=
        GW_OK)
        fail_msg("%s", gw_last_error());
    assert_int_equal(gw_scenario_path_nyears(p), 3);
    for (size_t k = 0; k < 3; k++) {
        const gw_scenario_report *r =
            gw_scenario_comparison_report(gw_scenario_path_at(p, k), 0);
        const gw_scenario_result *res = gw_scenario_report_result(r);
        assert_string_equal(res->outcomes[0], "emp_rate");
        for (size_t i = 0; i < res->n_areas; i++) /* (e + d) - e: rounding of the level */
            gw_assert_close(res->point[i], -2.0 * (double)(k + 1) / 3.0, 0.0, 1e-13);
    }
    /* 2024 at full size (no ramp) against the static run of 2024. */
    gw_scenario_path_free(p);
    h.ramp = NAN;
    h.to = 2025;
    assert_int_equal(
        gw_scenario_path_file(results_path, gwt_source_path(PANEL), &def, 1, 0, &h, &o, &p),
        GW_OK);
    o.year = 2024;
    o.flags = GW_SCENARIO_YEAR_SET;
    assert_int_equal(gw_scenario_file(results_path, gwt_source_path(PANEL), shock, 1, &o, &st),
                     GW_OK);
    const gw_scenario_summary *a =
        gw_scenario_report_national(gw_scenario_comparison_report(gw_scenario_path_at(p, 0), 0));
    const gw_scenario_summary *b = gw_scenario_report_national(st);
    assert_same_arrays(a->draw_mean, b->draw_mean, a->n_outcomes * a->draws);
    gw_scenario_report_free(st);
    /* The baseline of 2025: area trends of emp_rate over 2010-2024. */
    gw_table *t = NULL;
    assert_int_equal(gw_data_load(gwt_source_path(PANEL), NULL, &t), GW_OK);
    const double *id = gw_table_numeric(t, (size_t)gw_table_find(t, "la_id"));
    const double *yr = gw_table_numeric(t, (size_t)gw_table_find(t, "year"));
    const double *e = gw_table_numeric(t, (size_t)gw_table_find(t, "emp_rate"));
    const gw_scenario_report *r25 = gw_scenario_comparison_report(gw_scenario_path_at(p, 1), 0);
    const gw_table *areas = gw_scenario_report_areas(r25);
    const double *aid = gw_table_numeric(areas, (size_t)gw_table_find(areas, "la_id"));
    const gw_scenario_result *res = gw_scenario_report_result(r25);
    for (size_t i = 0; i < res->n_areas; i++) {
        double sy = 0, se = 0, syy = 0, sye = 0, m = 0;
        for (size_t r = 0; r < gw_table_nrows(t); r++)
            if (id[r] == aid[i] && isfinite(e[r])) {
                sy += yr[r];
                se += e[r];
                syy += yr[r] * yr[r];
                sye += yr[r] * e[r];
                m += 1;
            }
        double slope = (sye - sy * se / m) / (syy - sy * sy / m);
        gw_assert_close(res->base[i], se / m + slope * (2025.0 - sy / m), 1e-9, 1e-9);
    }
    gw_table_free(t);
    gw_scenario_path_free(p);
    /* A bad horizon. */
    h.from = 2030;
    h.to = 2025;
    assert_int_equal(
        gw_scenario_path_file(results_path, gwt_source_path(PANEL), &def, 1, 0, &h, &o, &p),
        GW_EINVAL);
    assert_non_null(strstr(gw_last_error(), "bad --horizon"));
}

/* A ramp scales the new forms of shock (api/scenario_path.c, scale_spec): at half size in 2024
 * (ramp 2025) a conditional displacement shock, a per-occupation shock, and a setting to a
 * value that uses another column (kept under "where") give the bytes of the static run of 2024
 * with the halves written out by hand. */
static void test_scenario_path_new_shocks(void **state)
{
    (void)state;
    static const char *const shocks[] = {"displacement:0.10@nation==W",
                                         "occupation:soc9,soc2=-0.05 @ nation != W",
                                         "autonomy_share = 0.5*share_prof where share_prof >= q50"};
    static const char *const halves[] = {
        "displacement:0.05@nation==W", "occupation:soc9,soc2=-0.025@nation!=W",
        "autonomy_share*=0.5@share_prof>=q50", "autonomy_share+=0.25*share_prof@share_prof>=q50"};
    const gw_scenario_def def = {"s", shocks, 3};
    gw_scenario_run_opts o = {.draws = 20};
    gw_scenario_horizon h = {.from = 2024, .to = 2025, .ramp = 2025, .trend_years = 0};
    gw_scenario_path *p = NULL;
    gw_scenario_report *st = NULL;
    if (gw_scenario_path_file(results_path, gwt_source_path(PANEL), &def, 1, 0, &h, &o, &p) !=
        GW_OK)
        fail_msg("%s", gw_last_error());
    o.year = 2024;
    o.flags = GW_SCENARIO_YEAR_SET;
    if (gw_scenario_file(results_path, gwt_source_path(PANEL), halves, 4, &o, &st) != GW_OK)
        fail_msg("%s", gw_last_error());
    const gw_scenario_report *r24 = gw_scenario_comparison_report(gw_scenario_path_at(p, 0), 0);
    const gw_scenario_result *a = gw_scenario_report_result(r24);
    const gw_scenario_result *b = gw_scenario_report_result(st);
    assert_int_equal(a->n_outcomes, b->n_outcomes);
    assert_same_arrays(a->local_shock, b->local_shock, a->n_areas);
    assert_same_arrays(a->point, b->point, a->n_outcomes * a->n_areas);
    /* The path keeps the per-area statistics over the draws, not the draws (its buffer is
     * reused from year to year), and its national draws. */
    assert_null(a->draw_change);
    assert_same_arrays(a->mean, b->mean, a->n_outcomes * a->n_areas);
    assert_same_arrays(a->q05, b->q05, a->n_outcomes * a->n_areas);
    assert_same_arrays(a->median, b->median, a->n_outcomes * a->n_areas);
    assert_same_arrays(a->q95, b->q95, a->n_outcomes * a->n_areas);
    assert_same_arrays(gw_scenario_report_national(r24)->draw_mean,
                       gw_scenario_report_national(st)->draw_mean, a->n_outcomes * a->draws);
    /* Every area has a local shock: displacement in Wales, the occupations' elsewhere. */
    for (size_t i = 0; i < a->n_areas; i++)
        assert_true(a->local_shock[i] < 0.0);
    gw_scenario_report_free(st);
    gw_scenario_path_free(p);
}

/* A pass-through distribution: each draw's national emp_rate change is P_d times that at
 * P = 1 (no coefficient enters it), with P_d inside uniform(0.2, 0.8) and averaging 0.5. */
static void test_scenario_pass_through_dist(void **state)
{
    (void)state;
    static const char *const disp[] = {"displacement:0.10"};
    gw_scenario_run_opts o = {.draws = 2000, .pass_through_dist = "uniform(0.2,0.8)"};
    gw_scenario_report *r = NULL;
    assert_int_equal(gw_scenario_file(results_path, gwt_source_path(PANEL), disp, 1, &o, &r),
                     GW_OK);
    const gw_scenario_summary *g = gw_scenario_report_national(r);
    double unit = EMP_CHANGE_DISPLACEMENT_010 / 0.5, sum = 0.0;
    gw_assert_close(g->point[0], EMP_CHANGE_DISPLACEMENT_010, 1e-13, 0.0); /* the mean's */
    for (size_t d = 0; d < g->draws; d++) {
        double P = g->draw_mean[d] / unit;
        assert_true(P > 0.2 - 1e-12 && P < 0.8 + 1e-12);
        sum += P;
    }
    gw_assert_close(sum / (double)g->draws, 0.5, 0.0, 0.01); /* sd of the mean: 0.004 */
    gw_scenario_report_free(r);
    o.pass_through_dist = "beta(0,1)";
    assert_int_equal(gw_scenario_file(results_path, gwt_source_path(PANEL), disp, 1, &o, &r),
                     GW_EINVAL);
    assert_non_null(strstr(gw_last_error(), "bad pass-through distribution 'beta(0,1)'"));
}

/* Specifications pooled: the pooled mean is the mean of the variants' means, the between
 * variance their variance and the within variance the mean of their draws' variances (divisor
 * D), recomputed here from each variant's own draws. The two specifications are the same models
 * in two orders: the coefficient stream follows the order given, so their draws differ. */
static void test_scenario_variants(void **state)
{
    (void)state;
    static const char *const disp[] = {"displacement:0.10"};
    const gw_scenario_variant v[] = {{"a", "pay,autonomy,life"}, {"b", "life,autonomy,pay"}};
    gw_scenario_run_opts o = {.draws = 100};
    gw_scenario_variants *res = NULL;
    if (gw_scenario_variants_file(results_path, gwt_source_path(PANEL), disp, 1, v, 2, &o, &res) !=
        GW_OK)
        fail_msg("%s", gw_last_error());
    const gw_scenario_pooled *p = gw_scenario_variants_pooled(res);
    for (size_t q = 0; q < p->n_outcomes; q++) {
        double m[2], w = 0.0;
        for (size_t k = 0; k < 2; k++) {
            const gw_scenario_report *r = gw_scenario_variants_report(res, k);
            const gw_scenario_result *rr = gw_scenario_report_result(r);
            size_t at = 0;
            while (strcmp(rr->outcomes[at], p->outcomes[q]) != 0)
                at++;
            const double *x = gw_scenario_report_national(r)->draw_mean + at * 100;
            double sum = 0.0, ss = 0.0;
            for (size_t d = 0; d < 100; d++)
                sum += x[d];
            m[k] = sum / 100.0;
            for (size_t d = 0; d < 100; d++)
                ss += (x[d] - m[k]) * (x[d] - m[k]);
            w += ss / 100.0 / 2.0;
        }
        double gm = 0.5 * (m[0] + m[1]);
        gw_assert_close(p->mean[q], gm, 1e-12, 1e-15);
        double between = 0.5 * ((m[0] - gm) * (m[0] - gm) + (m[1] - gm) * (m[1] - gm));
        gw_assert_close(p->var_between[q], between, 1e-9, 1e-20);
        gw_assert_close(p->var_within[q], w, 1e-9, 1e-20);
    }
    gw_scenario_variants_free(res);
    const gw_scenario_variant bad[] = {{"a", "pay"}, {"a", "pay"}};
    assert_int_equal(
        gw_scenario_variants_file(results_path, gwt_source_path(PANEL), disp, 1, bad, 2, &o, &res),
        GW_EINVAL);
    assert_int_equal(
        gw_scenario_variants_file(results_path, gwt_source_path(PANEL), disp, 1, v, 1, &o, &res),
        GW_EINVAL);
}

static void test_scenario_render_errors(void **state)
{
    (void)state;
    static char mark[] = "sentinel"; /* to see that a failure sets *out to NULL */
    char *text = mark;
    assert_int_equal(gw_scenario_report_render(NULL, 0, 0, &text), GW_EINVAL);
    assert_null(text);
    assert_non_null(strstr(gw_last_error(), "NULL argument"));
    static const char *const shocks[] = {"emp_rate-=1"};
    gw_scenario_run_opts o = {.draws = 2};
    gw_scenario_report *rep = NULL;
    if (gw_scenario_file(results_path, gwt_source_path(PANEL), shocks, 1, &o, &rep) != GW_OK)
        fail_msg("%s", gw_last_error());
    assert_int_equal(gw_scenario_report_render(rep, 1, 0, NULL), GW_EINVAL);
    gw_scenario_report_free(rep);
}

/* Column name of t (numeric), or fail. */
static const double *num_col(const gw_table *t, const char *name)
{
    ptrdiff_t j = gw_table_find(t, name);
    assert_true(j >= 0);
    const double *x = gw_table_numeric(t, (size_t)j);
    assert_non_null(x);
    return x;
}

/* Linking steps: --by @NAME takes the communities of `goodwork cluster` (by la_id; two areas it
 * dropped are left out) and the quintiles of `goodwork index` (by la_code, matched to the
 * scenario's la_id through the data), --weight n_aps weights every mean. Each group's mean is
 * recomputed here from the per-area point changes, the assignments and index values the two
 * commands print, and the areas' weights; quintiles by counting values below. */
static void test_scenario_linked_groups(void **state)
{
    (void)state;
    const char *cl[] = {"cluster",
                        "--data",
                        gwt_source_path(PANEL),
                        "--vars",
                        "emp_rate,share_prof,life_sat",
                        "--id",
                        "la_id",
                        "--time",
                        "year",
                        "--k",
                        "4",
                        "--out",
                        results_path,
                        "--name",
                        "communities",
                        "--format",
                        "json",
                        NULL};
    const char *ix[] = {"index",
                        "--data",
                        gwt_source_path(PANEL),
                        "--indicators",
                        "emp_rate,share_prof,sat_hours",
                        "--id",
                        "la_code",
                        "--time",
                        "year",
                        "--out",
                        results_path,
                        "--name",
                        "good_work",
                        "--format",
                        "json",
                        NULL};
    cJSON *cj = gwt_cli_json(cl), *ij = gwt_cli_json(ix);
    static const char *const by[] = {"@communities,@good_work", "nation"};
    gw_scenario_run_opts o = {.by = by, .nby = 2, .draws = 20, .weight = "n_aps"};
    gw_scenario_report *rep = NULL;
    if (gw_scenario_file(results_path, gwt_source_path(PANEL), policy_shocks, 1, &o, &rep) != GW_OK)
        fail_msg("%s", gw_last_error());
    const gw_scenario_result *r = gw_scenario_report_result(rep);
    const gw_table *areas = gw_scenario_report_areas(rep);
    size_t n = r->n_areas, no = r->n_outcomes, o1 = no - 1;
    const double *w = num_col(areas, "n_aps"), *lid = num_col(areas, "la_id");
    ptrdiff_t jc = gw_table_find(areas, "la_code");
    assert_true(jc >= 0);
    assert_int_equal(gw_scenario_report_nby(rep), 3);
    assert_string_equal(gw_scenario_report_by_var(rep, 0), "@communities");
    assert_string_equal(gw_scenario_report_settings(rep)->weight, "n_aps");
    /* Each area's community and quintile, from the commands' JSON. */
    double *comm = gw_alloc_array(n, sizeof *comm), *quin = gw_alloc_array(n, sizeof *quin);
    const cJSON *as = cJSON_GetObjectItemCaseSensitive(cj, "assignments"), *a;
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(ij, "index");
    size_t m = 0;
    cJSON_ArrayForEach(a, rows) m += gwt_json_num(a, "time") == 2024.0;
    for (size_t i = 0; i < n; i++) {
        comm[i] = quin[i] = NAN;
        cJSON_ArrayForEach(a, as) if (gwt_json_num(a, "id") == lid[i]) comm[i] =
            gwt_json_num(a, "cluster");
        const char *code =
            gw_table_level(areas, (size_t)jc, (size_t)gw_table_codes(areas, (size_t)jc)[i]);
        const cJSON *mine = NULL, *b;
        cJSON_ArrayForEach(b, rows) if (gwt_json_num(b, "time") == 2024.0 &&
                                        strcmp(gwt_json_str(b, "id"), code) == 0) mine = b;
        assert_non_null(mine);
        size_t below = 0;
        cJSON_ArrayForEach(b, rows) below += gwt_json_num(b, "time") == 2024.0 &&
                                             gwt_json_num(b, "value") < gwt_json_num(mine, "value");
        quin[i] = 1.0 + floor(5.0 * (double)below / (double)m);
    }
    const double *lab[2] = {comm, quin};
    for (size_t b = 0; b < 2; b++) {
        const gw_scenario_summary *g = gw_scenario_report_by(rep, b);
        size_t total = 0;
        assert_int_equal(g->ngroups, b == 0 ? 4 : 5);
        for (size_t gi = 0; gi < g->ngroups; gi++) {
            double level = atof(gw_scenario_report_by_level(rep, b, gi)), sw = 0.0, swx = 0.0;
            size_t cnt = 0;
            assert_true(level == (double)(gi + 1));
            for (size_t i = 0; i < n; i++)
                if (lab[b][i] == level) {
                    sw += w[i];
                    swx += w[i] * r->point[o1 * n + i];
                    cnt++;
                }
            assert_int_equal(g->n_areas[gi], cnt);
            gw_assert_close(g->point[gi * no + o1], swx / sw, 1e-12, 0.0);
            total += cnt;
        }
        assert_int_equal(total, b == 0 ? 358 : 360); /* the cluster left two areas out */
    }
    double sw = 0.0, swx = 0.0;
    for (size_t i = 0; i < n; i++) {
        sw += w[i];
        swx += w[i] * r->point[o1 * n + i];
    }
    gw_assert_close(gw_scenario_report_national(rep)->point[o1], swx / sw, 1e-12, 0.0);
    gw_free(comm);
    gw_free(quin);
    gw_scenario_report_free(rep);
    cJSON_Delete(cj);
    cJSON_Delete(ij);
    /* Failures: each a status and a message, before the draws. */
    static const struct {
        const char *by, *weight;
        gw_status s;
        const char *msg;
    } bad[] = {
        {"@nope", NULL, GW_ENOVAR, "has no analysis /analyses/nope (analyses: communities"},
        {"@communities:decile", NULL, GW_EINVAL, "is a cluster analysis"},
        {"@good_work:ward", NULL, GW_EINVAL, "is an index analysis"},
        {"@good_work:tercile", NULL, GW_EINVAL, "unknown selector 'tercile'"},
        {"@", NULL, GW_EINVAL, "bad --by '@'"},
        {"nation", "nation", GW_EINVAL, "--weight nation is categorical"},
        {"nation", "no_such", GW_ENOVAR, "unknown --weight variable 'no_such'"},
        {"nation", "unemp_rate", GW_OK, NULL},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        const char *b1[] = {bad[k].by};
        gw_scenario_run_opts ob = {.by = b1, .nby = 1, .draws = 2, .weight = bad[k].weight};
        rep = sentinel();
        assert_int_equal(
            gw_scenario_file(results_path, gwt_source_path(PANEL), policy_shocks, 1, &ob, &rep),
            bad[k].s);
        if (bad[k].msg != NULL) {
            assert_null(rep);
            if (strstr(gw_last_error(), bad[k].msg) == NULL)
                fail_msg("%s: %s", bad[k].by, gw_last_error());
        }
        gw_scenario_report_free(rep);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scenario_file_matches_cli),
        cmocka_unit_test(test_scenario_table_same_bytes),
        cmocka_unit_test(test_scenario_write_reads_back),
        cmocka_unit_test(test_scenario_file_errors),
        cmocka_unit_test(test_scenario_table_errors),
        cmocka_unit_test(test_scenario_render_by_groups),
        cmocka_unit_test(test_scenario_render_areas),
        cmocka_unit_test(test_scenario_render_errors),
        cmocka_unit_test(test_scenario_plausibility),
        cmocka_unit_test(test_scenario_compare_common_draws),
        cmocka_unit_test(test_scenario_compare_errors),
        cmocka_unit_test(test_scenario_path),
        cmocka_unit_test(test_scenario_path_write),
        cmocka_unit_test(test_scenario_path_new_shocks),
        cmocka_unit_test(test_scenario_pass_through_dist),
        cmocka_unit_test(test_scenario_variants),
        cmocka_unit_test(test_scenario_linked_groups),
    };
    return cmocka_run_group_tests_name("scenario_run", tests, fit_models, NULL);
}
