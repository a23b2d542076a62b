/* test_tidy.c -- gw_tidy (stored objects as tables) and gw_filediff (two results files compared)
 * on small groups written here with gw_results_append_group, so that every expected value is
 * known: a scenario (2 outcomes x 3 areas, a by-group), a cluster result with a model and an
 * analysis of the same name, a layout that does not fit (a format error naming the group), and
 * the differences gw_filediff reports between two such files (sizes, rows only in one file, largest
 * absolute and relative difference and where, tolerance). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gw_alloc.h"
#include "gw_filediff.h"
#include "gw_hdf5.h"
#include "gw_test.h"
#include "gw_tidy.h"

static const char *const AREA[3] = {"a1", "a2", "a3"};
static const char *const OUT[2] = {"y1", "y2"};
static const char *const LV[2] = {"N", "S"};

/* A scenario group: point[o][i] = 10 o + i + shift, by/region of 2 levels. */
static void write_scenario(const char *path, double shift, size_t nareas)
{
    double point[6], mc[4] = {1, 2, 3, 4};
    for (size_t o = 0; o < 2; o++)
        for (size_t i = 0; i < nareas; i++)
            point[o * nareas + i] = 10.0 * (double)o + (double)i + shift;
    gw_h5_item items[] = {
        {"area", GW_H5_STR, nareas, 0, NULL, NULL, AREA},
        {"outcome", GW_H5_STR, 2, 0, NULL, NULL, OUT},
        {"point", GW_H5_F64, 2, nareas, point, NULL, NULL},
        {"by/region/levels", GW_H5_STR, 2, 0, NULL, NULL, LV},
        {"by/region/mean_change", GW_H5_F64, 2, 2, mc, NULL, NULL},
    };
    gw_h5_attr at[] = {{"draws", GW_H5_I64, 0, 49, NULL}, {"shock", GW_H5_STR, 0, 0, "x-=1"}};
    assert_int_equal(
        gw_results_append_group(path, "/analyses/sc", items, 5, at, 2, NULL, GW_RESULTS_REPLACE),
        GW_OK);
}

static const char *tmp(const char *name)
{
    static char p[4][4200];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", gwt_tmpdir(), name);
    remove(p[k]);
    return p[k];
}

static void test_tidy_scenario_tables(void **state)
{
    (void)state;
    const char *path = tmp("sc.h5");
    write_scenario(path, 0.5, 3);
    gw_table *t = NULL;
    size_t nkey = 0;
    assert_int_equal(gw_tidy_read(path, "sc", NULL, &t, &nkey), GW_OK);
    assert_int_equal(nkey, 2);
    assert_int_equal(gw_table_nrows(t), 6);
    /* rows area-major: (a1,y1) (a1,y2) (a2,y1) ... ; point = 10 o + i + 0.5 */
    for (size_t i = 0; i < 3; i++)
        for (size_t o = 0; o < 2; o++) {
            size_t r = i * 2 + o;
            assert_string_equal(gw_table_level(t, 0, (size_t)gw_table_codes(t, 0)[r]), AREA[i]);
            assert_string_equal(gw_table_level(t, 1, (size_t)gw_table_codes(t, 1)[r]), OUT[o]);
            assert_true(gw_table_numeric(t, 2)[r] == 10.0 * (double)o + (double)i + 0.5);
        }
    gw_table_free(t);
    assert_int_equal(gw_tidy_read(path, "analyses/sc", "by/region", &t, &nkey), GW_OK);
    assert_int_equal(gw_table_nrows(t), 4);
    assert_string_equal(gw_table_colname(t, 0), "region");
    assert_true(gw_table_numeric(t, 2)[3] == 4.0); /* S, y2 */
    gw_table_free(t);
    assert_int_equal(gw_tidy_read(path, "sc", "glance", &t, NULL), GW_OK);
    assert_int_equal(gw_table_nrows(t), 1);
    assert_true(gw_table_numeric(t, (size_t)gw_table_find(t, "draws"))[0] == 49.0);
    gw_table_free(t);
    /* CSV and JSON of the national-free layout */
    char *csv = NULL;
    assert_int_equal(gw_tidy_read(path, "sc", NULL, &t, NULL), GW_OK);
    assert_int_equal(gw_tidy_render(t, GW_OUT_CSV, &csv), GW_OK);
    assert_string_equal(csv, "area,outcome,point\na1,y1,0.5\na1,y2,10.5\na2,y1,1.5\na2,y2,11.5\n"
                             "a3,y1,2.5\na3,y2,12.5\n");
    gw_free(csv);
    assert_int_equal(gw_tidy_render(t, GW_OUT_JSON, &csv), GW_OK);
    assert_non_null(strstr(csv, "[{\"area\":\"a1\",\"outcome\":\"y1\",\"point\":0.5},"));
    gw_free(csv);
    assert_int_equal(gw_tidy_render(t, GW_OUT_TEXT, &csv), GW_EINVAL);
    gw_table_free(t);
}

static void test_tidy_list_find_and_errors(void **state)
{
    (void)state;
    const char *path = tmp("both.h5");
    write_scenario(path, 0, 3);
    /* "sc" also as a cluster analysis would be a replacement; use a second group /analyses/x
     * and a group /models/x laid out like a model: "x" is then ambiguous. */
    const char *terms[2] = {"(Intercept)", "z"};
    double est[2] = {1, 2}, v[4] = {1, 0, 0, 1};
    gw_h5_item m[] = {{"terms", GW_H5_STR, 2, 0, NULL, NULL, terms},
                      {"estimate", GW_H5_F64, 2, 0, est, NULL, NULL},
                      {"vcov", GW_H5_F64, 2, 2, v, NULL, NULL}};
    const char *ids[2] = {"p", "q"};
    int64_t cl[2] = {1, 2};
    gw_h5_item c[] = {{"id", GW_H5_STR, 2, 0, NULL, NULL, ids},
                      {"cluster", GW_H5_I64, 2, 0, NULL, cl, NULL}};
    assert_int_equal(gw_results_append_group(path, "/models/x", m, 3, NULL, 0, NULL, 0), GW_OK);
    assert_int_equal(gw_results_append_group(path, "/analyses/x", c, 2, NULL, 0, NULL, 0), GW_OK);
    gw_tidy_object *o = NULL;
    size_t n = 0, at = 0;
    assert_int_equal(gw_tidy_list(path, &o, &n), GW_OK);
    assert_int_equal(n, 3);
    assert_string_equal(o[0].name, "models/x");
    assert_int_equal(o[0].kind, GW_TIDY_MODEL);
    assert_int_equal(o[0].rows, 2);
    assert_int_equal(gw_tidy_find(o, n, "sc", &at), GW_OK);
    assert_int_equal(o[at].kind, GW_TIDY_SCENARIO);
    assert_int_equal(gw_tidy_find(o, n, "/analyses/x", &at), GW_OK);
    assert_int_equal(o[at].kind, GW_TIDY_CLUSTER);
    assert_int_equal(gw_tidy_find(o, n, "x", &at), GW_ENOVAR);
    assert_non_null(strstr(gw_last_error(), "ambiguous"));
    assert_int_equal(gw_tidy_find(o, n, "nope", &at), GW_ENOVAR);
    assert_non_null(strstr(gw_last_error(), "analyses/sc"));
    gw_tidy_list_free(o, n);
    gw_table *t = NULL;
    assert_int_equal(gw_tidy_read(path, "models/x", "vcov", &t, NULL), GW_OK);
    assert_int_equal(gw_table_nrows(t), 4);
    gw_table_free(t);
    assert_int_equal(gw_tidy_read(path, "models/x", "nope", &t, NULL), GW_ENOVAR);
    assert_non_null(strstr(gw_last_error(), "vcov, glance"));
    assert_int_equal(gw_tidy_read(tmp("missing.h5"), "x", NULL, &t, NULL), GW_EIO);
    assert_null(t);
    /* a scenario whose point is not outcomes x areas: an error naming the group */
    double bad[4] = {0};
    gw_h5_item b[] = {{"area", GW_H5_STR, 3, 0, NULL, NULL, AREA},
                      {"outcome", GW_H5_STR, 2, 0, NULL, NULL, OUT},
                      {"point", GW_H5_F64, 2, 2, bad, NULL, NULL},
                      {"by/region/levels", GW_H5_STR, 2, 0, NULL, NULL, LV}};
    assert_int_equal(gw_results_append_group(path, "/analyses/bad", b, 4, NULL, 0, NULL, 0), GW_OK);
    assert_int_equal(gw_tidy_read(path, "bad", NULL, &t, NULL), GW_EFORMAT);
    assert_non_null(strstr(gw_last_error(), "/analyses/bad"));
}

static void test_diff_reports_changes(void **state)
{
    (void)state;
    const char *a = tmp("da.h5"), *b = tmp("db.h5"), *c = tmp("dc.h5");
    write_scenario(a, 0, 3);
    write_scenario(b, 0, 3);
    write_scenario(c, 0, 2); /* one area fewer, then a3's rows are only in A */
    gw_filediff *d = NULL;
    assert_int_equal(gw_filediff_files(a, b, NULL, &d), GW_OK);
    assert_true(d->equal);
    assert_int_equal(d->nobjs, 1);
    assert_int_equal(d->objs[0].rows_a, 6);
    gw_filediff_free(d);
    /* B: area a2's y2 moved by 0.25 (the largest absolute change), a1's y1 by 1e-15 */
    double point[6] = {0 + 1e-15, 1, 2, 10, 11.25, 12};
    gw_h5_item items[] = {{"area", GW_H5_STR, 3, 0, NULL, NULL, AREA},
                          {"outcome", GW_H5_STR, 2, 0, NULL, NULL, OUT},
                          {"point", GW_H5_F64, 2, 3, point, NULL, NULL}};
    assert_int_equal(
        gw_results_append_group(b, "/analyses/sc", items, 3, NULL, 0, NULL, GW_RESULTS_REPLACE),
        GW_OK);
    assert_int_equal(gw_filediff_files(a, b, NULL, &d), GW_OK);
    assert_false(d->equal);
    const gw_filediff_object *o = &d->objs[0];
    assert_int_equal(o->state, GW_DIFF_CHANGED);
    assert_string_equal(o->parts[0].part, "");
    const gw_filediff_column *col = &o->parts[0].cols[0];
    assert_string_equal(col->column, "point");
    assert_int_equal(col->changed, 2);
    assert_true(col->max_abs == 0.25);
    assert_string_equal(col->where_abs, "area=a2, outcome=y2");
    assert_true(col->abs_a == 11.0 && col->abs_b == 11.25);
    assert_string_equal(col->where_rel, "area=a1, outcome=y1"); /* 0 -> 1e-15: relative 1 */
    /* the by-group and glance parts exist in A only (B was rewritten without them) */
    int by_only_a = 0;
    for (size_t p = 0; p < o->nparts; p++)
        by_only_a |=
            strcmp(o->parts[p].part, "by/region") == 0 && o->parts[p].state == GW_DIFF_ONLY_A;
    assert_true(by_only_a);
    gw_filediff_free(d);
    /* rows only in one file */
    if (gw_filediff_files(a, c, NULL, &d) != GW_OK)
        fail_msg("%s", gw_last_error());
    assert_int_equal(d->objs[0].parts[0].only_a, 2);
    assert_string_equal(d->objs[0].parts[0].first_only_a, "area=a3, outcome=y1");
    assert_int_equal(d->objs[0].parts[0].ncols, 0);
    gw_filediff_free(d);
    /* a tolerance: relative 0.1 covers neither change (1e-15 vs 0 is relative 1), absolute
     * 0.3 covers both */
    gw_filediff_opts opts = {0};
    assert_int_equal(gw_filediff_parse_tolerance("abs:0.3", &opts), GW_OK);
    write_scenario(b, 0, 3);
    assert_int_equal(
        gw_results_append_group(b, "/analyses/sc", items, 3, NULL, 0, NULL, GW_RESULTS_REPLACE),
        GW_OK);
    write_scenario(c, 0, 3);
    gw_h5_item items2[] = {
        items[0],
        items[1],
        items[2],
        {"by/region/levels", GW_H5_STR, 2, 0, NULL, NULL, LV},
        {"by/region/mean_change", GW_H5_F64, 2, 2, (double[]){1, 2, 3, 4}, NULL, NULL}};
    gw_h5_attr at[] = {{"draws", GW_H5_I64, 0, 49, NULL}, {"shock", GW_H5_STR, 0, 0, "x-=1"}};
    assert_int_equal(
        gw_results_append_group(c, "/analyses/sc", items2, 5, at, 2, NULL, GW_RESULTS_REPLACE),
        GW_OK);
    assert_int_equal(gw_filediff_files(a, c, &opts, &d), GW_OK);
    assert_true(d->equal);
    assert_true(d->objs[0].within_tolerance);
    gw_filediff_free(d);
    opts = (gw_filediff_opts){.rel = 0.1};
    assert_int_equal(gw_filediff_files(a, c, &opts, &d), GW_OK);
    assert_false(d->equal);
    assert_int_equal(d->objs[0].parts[0].cols[0].changed, 1); /* 11 -> 11.25 is within 0.1 */
    gw_filediff_free(d);
    /* ulps: 11 -> 11.25 is 2^47 doubles apart (the ulp of 11 is 2^-49), 0 -> 1e-15 far more */
    opts = (gw_filediff_opts){0};
    assert_int_equal(gw_filediff_parse_tolerance("ulps:140737488355328", &opts), GW_OK);
    assert_int_equal(gw_filediff_files(a, c, &opts, &d), GW_OK);
    assert_false(d->equal);
    assert_int_equal(d->objs[0].parts[0].cols[0].changed, 1);
    gw_filediff_free(d);
    assert_int_equal(gw_filediff_parse_tolerance("rel:1e-9,ulps:4", &opts), GW_OK);
    assert_true(opts.rel == 1e-9 && opts.ulps == 4);
    assert_int_equal(gw_filediff_parse_tolerance("rel:1e-9,", &opts), GW_EINVAL);
    assert_int_equal(gw_filediff_parse_tolerance("rel:x", &opts), GW_EINVAL);
    assert_int_equal(gw_filediff_parse_tolerance("ulp:3", &opts), GW_EINVAL);
    assert_int_equal(gw_filediff_files(a, tmp("none.h5"), NULL, &d), GW_EIO);
    assert_null(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tidy_scenario_tables),
        cmocka_unit_test(test_tidy_list_find_and_errors),
        cmocka_unit_test(test_diff_reports_changes),
    };
    return cmocka_run_group_tests_name("tidy", tests, NULL, NULL);
}
