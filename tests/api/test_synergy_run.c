/* test_synergy_run.c -- the synergy front door (api/gw_synergy_run.h): the numbers
 * `goodwork synergy` printed before the analysis moved out of the command line (stored below),
 * the same bytes from a file and from a table, the results file, and every error as a status
 * with a message and no result. */
#include <stdio.h>
#include <string.h>

#include "gw_alloc.h"
#include "gw_load.h"
#include "gw_synergy_run.h"
#include "gw_test.h"

#define PANEL "datasets/uk_la_panel.csv"

static const char *const vars[] = {"emp_rate", "log(median_hourly_pay)", "life_sat",
                                   "autonomy_share"};
static const char *const controls[] = {"share_prof"};

static gw_synergy_run_spec base_spec(void)
{
    gw_synergy_run_spec sp = {vars, 4, controls, 1, "year", "la_id"};
    return sp;
}

/* goodwork synergy --data datasets/uk_la_panel.csv --vars
 * 'emp_rate,log(median_hourly_pay),life_sat,autonomy_share' --time year --id la_id --controls
 * share_prof --format json, printed by the command line before this front door existed. */
static void test_synergy_run_file_matches_cli(void **state)
{
    (void)state;
    gw_synergy_run_spec sp = base_spec();
    gw_synergy_run *r = NULL;
    if (gw_synergy_run_file(gwt_source_path(PANEL), &sp, NULL, &r) != GW_OK)
        fail_msg("%s", gw_last_error());
    const gw_synergy *s = r->cor;
    const size_t p = 4;
    assert_int_equal(s->all.n, 5370);
    gw_assert_close(s->all.r[1 * p + 0], 0.24028193553977234, 1e-15, 0.0);
    assert_string_equal(s->by_period[0].label, "pre-2020");
    gw_assert_close(s->by_period[0].r[2 * p + 0], 0.752958839662735, 1e-15, 0.0);
    gw_assert_close(s->by_period[1].ci_low[2 * p + 0], 0.4998227225820962, 1e-15, 0.0);
    gw_assert_close(s->partial[1].r[3 * p + 1], -0.1612220782751406, 1e-15, 0.0);
    assert_int_equal(s->changes[0].n, 3222);
    gw_assert_close(s->changes[2].p_value[2 * p + 1], 0.006840529497340093, 1e-15, 0.0);
    assert_int_equal(s->nswitches, 2);
    assert_int_equal(s->ntime, 15);
    assert_string_equal(r->vars[1], "log(median_hourly_pay)");
    assert_string_equal(r->controls[0], "share_prof");
    assert_string_equal(gw_synergy_run_pooling(r), "demeaned_within_time");
    gw_synergy_run_free(r);
}

/* --breaks 2015,2020 --raw --conf 0.9, from a file and from the table in memory. */
static void test_synergy_run_options_file_and_table(void **state)
{
    (void)state;
    static const char *const v3[] = {"emp_rate", "life_sat", "region"};
    static const double breaks[] = {2015, 2020};
    gw_synergy_run_spec sp = {v3, 3, NULL, 0, "year", NULL};
    gw_synergy_run_opts o = {.breaks = breaks, .nbreaks = 2, .raw = 1, .conf_level = 0.9};
    gw_synergy_run *rf = NULL, *rt = NULL;
    gw_table *t = NULL;
    if (gw_synergy_run_file(gwt_source_path(PANEL), &sp, &o, &rf) != GW_OK)
        fail_msg("%s", gw_last_error());
    assert_string_equal(rf->cor->by_period[0].label, "pre-2015");
    gw_assert_close(rf->cor->by_period[1].r[2 * 3 + 1], 0.1462723666140109, 1e-15, 0.0);
    assert_string_equal(gw_synergy_run_pooling(rf), "raw");
    assert_null(rf->cor->changes);
    assert_null(rf->cor->partial);
    assert_int_equal(gw_data_load(gwt_source_path(PANEL), NULL, &t), GW_OK);
    if (gw_synergy_run_table(t, &sp, &o, &rt) != GW_OK)
        fail_msg("%s", gw_last_error());
    assert_int_equal(rf->cor->nperiod, rt->cor->nperiod);
    for (size_t q = 0; q < rf->cor->nperiod; q++)
        assert_memory_equal(rf->cor->by_period[q].r, rt->cor->by_period[q].r, 9 * sizeof(double));
    const char *path = gwt_write_file("synergy_run.h5", "");
    remove(path);
    gw_provenance prov = {0};
    if (gw_synergy_run_save(rt, path, NULL, &prov) != GW_OK)
        fail_msg("%s", gw_last_error());
    assert_int_equal(gw_synergy_run_save(rt, path, "a/../b", &prov), GW_EINVAL);
    assert_int_equal(gw_synergy_run_save(NULL, path, NULL, &prov), GW_EINVAL);
    gw_synergy_run_free(rf);
    gw_synergy_run_free(rt);
    gw_table_free(t);
}

/* Every failure: a status, a message, no result. */
static void test_synergy_run_errors(void **state)
{
    (void)state;
    static const char *const nope[] = {"emp_rate", "nope"};
    static const char *const logcat[] = {"emp_rate", "log(la_code)"};
    static const char *const one[] = {"emp_rate"};
    static const double down[] = {2020, 2015};
    struct {
        const char *label;
        const char *const *vars;
        size_t nvars;
        const char *time, *id, *path, *msg;
        const double *breaks;
        gw_status want;
    } cases[] = {
        {"unknown variable", nope, 2, "year", NULL, NULL, "unknown variable 'nope'", NULL,
         GW_ENOVAR},
        {"log of categorical", logcat, 2, "year", NULL, NULL, "not numeric", NULL, GW_EINVAL},
        {"one variable", one, 1, "year", NULL, NULL, "at least 2", NULL, GW_EINVAL},
        {"unknown time", vars, 2, "nope", NULL, NULL, "'nope'", NULL, GW_ENOVAR},
        {"unknown id", vars, 2, "year", "nope", NULL, "'nope'", NULL, GW_ENOVAR},
        {"no file", vars, 2, "year", NULL, "/nonexistent/x.csv", "x.csv", NULL, GW_EIO},
        {"breaks", vars, 2, "year", NULL, NULL, "synergy: ", down, GW_EINVAL},
        {"no time", vars, 2, NULL, NULL, NULL, "time", NULL, GW_EINVAL},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        gw_synergy_run_spec sp = {cases[c].vars, cases[c].nvars, NULL, 0,
                                  cases[c].time, cases[c].id};
        gw_synergy_run_opts o = {.breaks = cases[c].breaks, .nbreaks = cases[c].breaks ? 2 : 0};
        gw_synergy_run *r = (gw_synergy_run *)&sp; /* must be reset to NULL */
        gw_clear_error();
        gw_status s = gw_synergy_run_file(cases[c].path ? cases[c].path : gwt_source_path(PANEL),
                                          &sp, &o, &r);
        if (s != cases[c].want || r != NULL || strstr(gw_last_error(), cases[c].msg) == NULL)
            fail_msg("%s: status %d (want %d), message '%s'", cases[c].label, (int)s,
                     (int)cases[c].want, gw_last_error());
    }
    gw_synergy_run *r = NULL;
    gw_synergy_run_spec sp = base_spec();
    assert_int_equal(gw_synergy_run_table(NULL, &sp, NULL, &r), GW_EINVAL);
    assert_null(r);
    assert_int_equal(gw_synergy_run_file(NULL, &sp, NULL, &r), GW_EINVAL);
    assert_int_equal(gw_synergy_run_file(gwt_source_path(PANEL), NULL, NULL, &r), GW_EINVAL);
    assert_int_equal(gw_synergy_run_file(gwt_source_path(PANEL), &sp, NULL, NULL), GW_EINVAL);
    assert_true(gw_last_error()[0] != '\0');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_synergy_run_file_matches_cli),
        cmocka_unit_test(test_synergy_run_options_file_and_table),
        cmocka_unit_test(test_synergy_run_errors),
    };
    return cmocka_run_group_tests_name("synergy_run", tests, NULL, NULL);
}
