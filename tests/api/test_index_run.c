/* test_index_run.c -- the Good Work index in one call (api/gw_index_run.h): base R's PCA
 * weights on the bundled panel, the same numbers as `goodwork index --format json`, the same
 * bytes from a file and from a table in memory, storing into a results file, every failure
 * as a status with a message, and goalposts stored, rendered and read back (results file, text
 * file, list) to the same bits. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_alloc.h"
#include "gw_csv.h"
#include "gw_hdf5.h"
#include "gw_index_run.h"
#include "gw_test.h"

#define PANEL "datasets/uk_la_panel.csv"

/* A value of datasets/generated/analyses_ref.csv (name,value; base R, see its script). */
static double ref(const char *name)
{
    char key[64];
    snprintf(key, sizeof key, "%s,", name);
    return gwt_ref_key("datasets/generated/analyses_ref.csv", key);
}

static const char *const PCA_VARS[6] = {"emp_rate",       "share_prof",
                                        "sat_hours",      "log(median_hourly_pay)",
                                        "autonomy_share", "deroutinisation"};

/* tests/models/test_index.c's R reference, through the file entry point. */
static void test_index_run_file_pca_matches_r(void **state)
{
    (void)state;
    const char *rn[6] = {"pca_w_emp_rate", "pca_w_share_prof",     "pca_w_sat_hours",
                         "pca_w_lpay",     "pca_w_autonomy_share", "pca_w_deroutinisation"};
    gw_index_spec spec = {PCA_VARS, 6, "la_id", "year"};
    gw_index_run_opts o = {0};
    o.index.weighting = GW_WEIGHTS_PCA;
    gw_index_run *r = NULL;
    if (gw_index_run_file(gwt_source_path(PANEL), &spec, &o, &r) != GW_OK)
        fail_msg("%s", gw_last_error());
    for (int j = 0; j < 6; j++)
        gw_assert_close(r->index->weights[j], ref(rn[j]), 1e-10, 0.0);
    gw_assert_close(r->index->pca_share, ref("pca_share"), 1e-12, 0.0);
    assert_non_null(r->time);
    assert_int_equal(r->id.n, r->index->n);
    assert_null(r->id.levels);
    gw_index_run_free(r);
}

/* Every row's value and ranks as the command line prints them (cJSON prints 15 significant
 * digits when they read back to within its own epsilon, hence 1e-14), with a categorical id,
 * an inverted indicator and draws. */
static void test_index_run_same_as_cli(void **state)
{
    (void)state;
    const char *args[] = {"index",
                          "--data",
                          gwt_source_path(PANEL),
                          "--indicators",
                          "emp_rate,share_prof,anxiety",
                          "--id",
                          "la_code",
                          "--time",
                          "year",
                          "--invert",
                          "anxiety",
                          "--sensitivity",
                          "20",
                          "--seed",
                          "5",
                          "--format",
                          "json",
                          NULL};
    cJSON *o = gwt_cli_json(args);
    const char *vars[3] = {"emp_rate", "share_prof", "anxiety"};
    int inv[3] = {0, 0, 1};
    gw_index_spec spec = {vars, 3, "la_code", "year"};
    gw_index_run_opts ro = {0};
    ro.index.invert = inv;
    ro.index.draws = 20;
    ro.index.seed = 5;
    gw_index_run *r = NULL;
    if (gw_index_run_file(gwt_source_path(PANEL), &spec, &ro, &r) != GW_OK)
        fail_msg("%s", gw_last_error());
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(o, "index");
    assert_int_equal((size_t)cJSON_GetArraySize(rows), r->index->n);
    assert_non_null(r->id.levels);
    char key[GW_VAR_KEY_MAX];
    for (size_t i = 0; i < r->index->n; i++) {
        const cJSON *row = cJSON_GetArrayItem(rows, (int)i);
        assert_string_equal(gwt_json_str(row, "id"), gw_var_keys_text(&r->id, i, key, sizeof key));
        const char *f[4] = {"value", "rank", "rank_median", "rank_q95"};
        const double *v[4] = {r->index->value, r->index->rank, r->index->sens_median,
                              r->index->sens_q95};
        for (int k = 0; k < 4; k++) {
            const cJSON *it = cJSON_GetObjectItemCaseSensitive(row, f[k]);
            if (isnan(v[k][i]))
                assert_true(cJSON_IsNull(it));
            else
                gw_assert_close(it->valuedouble, v[k][i], 1e-14, 0.0);
        }
    }
    cJSON_Delete(o);
    gw_index_run_free(r);
}

/* A table in memory gives the bytes of the file (and stays usable for a second run). */
static void test_index_run_table_same_bytes(void **state)
{
    (void)state;
    gw_table *t = NULL;
    assert_int_equal(gw_csv_read_file(gwt_source_path(PANEL), NULL, &t), GW_OK);
    gw_index_spec spec = {PCA_VARS, 6, "la_code", NULL};
    gw_index_run_opts o = {0};
    o.index.agg = GW_AGG_GEOMETRIC;
    o.index.norm = GW_NORM_RANK;
    gw_index_run *a = NULL, *b = NULL, *c = NULL;
    assert_int_equal(gw_index_run_file(gwt_source_path(PANEL), &spec, &o, &a), GW_OK);
    assert_int_equal(gw_index_run_table(t, &spec, &o, &b), GW_OK);
    assert_int_equal(gw_index_run_table(t, &spec, &o, &c), GW_OK);
    size_t n = a->index->n;
    assert_null(a->time);
    assert_memory_equal(a->index->value, b->index->value, n * sizeof(double));
    assert_memory_equal(a->index->rank, b->index->rank, n * sizeof(double));
    assert_memory_equal(b->index->value, c->index->value, n * sizeof(double));
    /* Stored as /analyses/NAME; a relative group is the writer's GW_EINVAL. */
    char path[512];
    snprintf(path, sizeof path, "%s/index_run.h5", gwt_tmpdir());
    gw_provenance prov = {0};
    prov.command_line = "test_index_run";
    prov.data_sha256 = "0";
    prov.blas = "test";
    assert_int_equal(gw_index_run_store(a, &spec, &o, path, "/analyses/ix", &prov), GW_OK);
    assert_int_equal(gw_index_run_store(a, &spec, &o, path, "/analyses/ix", &prov), GW_OK);
    assert_int_equal(gw_index_run_store(a, &spec, &o, path, "ix", &prov), GW_EINVAL);
    assert_true(gw_last_error()[0] != '\0');
    gw_index_run_free(a);
    gw_index_run_free(b);
    gw_index_run_free(c);
    gw_table_free(t);
}

/* Each failure: its status, a message that says what, and no result. */
static void test_index_run_errors(void **state)
{
    (void)state;
    static const char *const twice[2] = {"emp_rate", "emp_rate"};
    static const char *const nosuch[2] = {"emp_rate", "nosuch"};
    static const char *const logcat[2] = {"emp_rate", "log(nation)"};
    static const char *const cat[2] = {"emp_rate", "nation"};
    static const char *const covid[2] = {"emp_rate", "covid"};
    static const char *const ok[2] = {"emp_rate", "share_prof"};
    static const double zero[2] = {0.0, 0.0};
    const struct {
        const char *label, *path;
        gw_index_spec spec;
        gw_index_run_opts opts;
        gw_status expected;
        const char *needle;
    } cases[] = {
        {"twice", PANEL, {twice, 2, "la_id", NULL}, {.group = NULL}, GW_EINVAL, "given twice"},
        {"no id", PANEL, {ok, 2, NULL, NULL}, {.group = NULL}, GW_EINVAL, "id"},
        {"no indicators", PANEL, {ok, 0, "la_id", NULL}, {.group = NULL}, GW_EINVAL, "indicators"},
        {"unknown",
         PANEL,
         {nosuch, 2, "la_id", NULL},
         {.group = NULL},
         GW_ENOVAR,
         "unknown variable 'nosuch'"},
        {"unknown id",
         PANEL,
         {ok, 2, "nosuch", NULL},
         {.group = NULL},
         GW_ENOVAR,
         "unknown variable"},
        {"unknown time",
         PANEL,
         {ok, 2, "la_id", "nosuch"},
         {.group = NULL},
         GW_ENOVAR,
         "unknown variable"},
        {"log categorical",
         PANEL,
         {logcat, 2, "la_id", NULL},
         {.group = NULL},
         GW_EINVAL,
         "not numeric"},
        {"categorical",
         PANEL,
         {cat, 2, "la_id", NULL},
         {.group = NULL},
         GW_EINVAL,
         "indicator 'nation' is not numeric"},
        {"constant",
         PANEL,
         {covid, 2, "la_id", "year"},
         {.index = {.within_time = 1}},
         GW_EILLCOND,
         "index: indicator covid has no variation in 2010 (all 0): cannot normalise within time"},
        {"zero weights",
         PANEL,
         {ok, 2, "la_id", NULL},
         {.index = {.weighting = GW_WEIGHTS_USER, .user_weights = zero}},
         GW_EINVAL,
         "index: index: user weights"},
        {"no file",
         "/nonexistent/x.csv",
         {ok, 2, "la_id", NULL},
         {.group = NULL},
         GW_EIO,
         "cannot open"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        gw_index_run *r = (gw_index_run *)1;
        const char *path = cases[c].path[0] == '/' ? cases[c].path : gwt_source_path(PANEL);
        gw_status s = gw_index_run_file(path, &cases[c].spec, &cases[c].opts, &r);
        if (s != cases[c].expected || strstr(gw_last_error(), cases[c].needle) == NULL)
            fail_msg("%s: status %d (expected %d), message '%s'", cases[c].label, (int)s,
                     (int)cases[c].expected, gw_last_error());
        assert_null(r);
    }
    gw_index_run *r = (gw_index_run *)1;
    gw_index_spec spec = {ok, 2, "la_id", NULL};
    assert_int_equal(gw_index_run_table(NULL, &spec, NULL, &r), GW_EINVAL);
    assert_null(r);
    assert_int_equal(gw_index_run_file(NULL, &spec, NULL, &r), GW_EINVAL);
    assert_int_equal(gw_index_run_file(gwt_source_path(PANEL), NULL, NULL, &r), GW_EINVAL);
    assert_int_equal(gw_index_run_file(gwt_source_path(PANEL), &spec, NULL, NULL), GW_EINVAL);
    assert_true(gw_last_error()[0] != '\0');
}

/* ---- goalposts -------------------------------------------------------------------------- */

static const char *const GP_VARS[5] = {"emp_rate", "share_prof", "sat_hours",
                                       "log(real_hourly_pay)", "anxiety"};

static gw_index_run *gp_run(const char *goalposts, gw_index_norm norm, gw_status expect)
{
    static const int inv[5] = {0, 0, 0, 0, 1};
    gw_index_spec spec = {GP_VARS, 5, "la_code", "year"};
    gw_index_run_opts o = {0};
    o.index.invert = inv;
    o.index.norm = norm;
    o.goalposts = goalposts;
    gw_index_run *r = NULL;
    gw_status s = gw_index_run_file(gwt_source_path(PANEL), &spec, &o, &r);
    if (s != expect)
        fail_msg("--goalposts %s: status %d, expected %d (%s)", goalposts, (int)s, (int)expect,
                 gw_last_error());
    return r;
}

static void gp_same(const gw_index_run *a, const gw_index_run *b)
{
    size_t n = a->index->n;
    assert_memory_equal(a->index->value, b->index->value, n * sizeof(double));
    assert_memory_equal(a->index->rank, b->index->rank, n * sizeof(double));
}

/* Goalposts are stored (attributes and datasets), rendered (JSON, text) and read back: a run
 * given the stored goalposts (results file, text file, the JSON's list) computes the base
 * run's values bit for bit. */
static void test_index_run_goalposts_round_trip(void **state)
{
    (void)state;
    gw_index_spec spec = {GP_VARS, 5, "la_code", "year"};
    static const int inv[5] = {0, 0, 0, 0, 1};
    gw_index_run_opts o = {0};
    o.index.invert = inv;
    o.goalposts = "base:2015";
    gw_index_run *a = gp_run("base:2015", GW_NORM_MINMAX, GW_OK);
    char path[512];
    snprintf(path, sizeof path, "%s/goalposts.h5", gwt_tmpdir());
    remove(path);
    gw_provenance prov = {0};
    assert_int_equal(gw_index_run_store(a, &spec, &o, path, "/analyses/index", &prov), GW_OK);
    assert_int_equal(gw_index_run_store(a, &spec, &o, path, "/analyses/other", &prov), GW_OK);

    char **v = NULL;
    size_t nv = 0;
    assert_int_equal(gw_h5_read_strings(path, "/analyses/index", "goalposts", &v, &nv), GW_OK);
    assert_string_equal(v[0], "base:2015");
    gw_h5_strings_free(v, nv);
    assert_int_equal(gw_h5_read_strings(path, "/analyses/index", "goalposts_fixed", &v, &nv),
                     GW_OK);
    char *fixed = strdup(v[0]);
    gw_h5_strings_free(v, nv);
    /* the 2015 minimum and maximum of emp_rate, read from the data here */
    gw_table *t = NULL;
    assert_int_equal(gw_csv_read_file(gwt_source_path(PANEL), NULL, &t), GW_OK);
    const double *er = gw_table_numeric(t, (size_t)gw_table_find(t, "emp_rate"));
    const double *yr = gw_table_numeric(t, (size_t)gw_table_find(t, "year"));
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < gw_table_nrows(t); i++)
        if (yr[i] == 2015 && !isnan(er[i])) {
            lo = fmin(lo, er[i]);
            hi = fmax(hi, er[i]);
        }
    gw_table_free(t);
    char want[64];
    snprintf(want, sizeof want, "emp_rate=%.10g:%.10g,", lo, hi);
    if (strncmp(fixed, want, strlen(want)) != 0)
        fail_msg("goalposts_fixed '%s' does not start with '%s'", fixed, want);
    /* The datasets goalpost_min and goalpost_max are there (numbers: not strings; their values
     * are those of goalposts_fixed, checked above, gw_h5_table_read wanting equal lengths). */
    assert_int_equal(gw_h5_read_strings(path, "/analyses/index/goalpost_min", NULL, &v, &nv),
                     GW_EFORMAT);
    assert_int_equal(gw_h5_read_strings(path, "/analyses/index/goalpost_max", NULL, &v, &nv),
                     GW_EFORMAT);
    assert_int_equal(gw_h5_read_strings(path, "/analyses/index/goalpost_mean", NULL, &v, &nv),
                     GW_ENOVAR);

    /* read back: the results file (default and named group), a text file, the list itself */
    char src[700], *list = NULL;
    const char *srcs[4];
    snprintf(src, sizeof src, "fixed:%s", path);
    srcs[0] = src;
    static char named[720];
    snprintf(named, sizeof named, "fixed:%s:other", path);
    srcs[1] = named;
    list = malloc(strlen(fixed) * 2 + 64);
    strcpy(list, "# goalposts of the 2015 base\n");
    for (const char *c = fixed; *c; c++) {
        size_t l = strlen(list);
        list[l] = *c == ',' ? '\n' : *c;
        list[l + 1] = '\0';
    }
    static char file[720];
    snprintf(file, sizeof file, "fixed:%s", gwt_write_file("goalposts.txt", list));
    srcs[2] = file;
    static char inl[2048];
    snprintf(inl, sizeof inl, "fixed:%s", fixed);
    srcs[3] = inl;
    for (int k = 0; k < 4; k++) {
        gw_index_run *b = gp_run(srcs[k], GW_NORM_MINMAX, GW_OK);
        gp_same(a, b);
        assert_int_equal(b->index->goal, GW_GOAL_FIXED);
        gw_index_run_free(b);
    }

    /* JSON: the goalposts object; text: the goalposts table */
    char *out = NULL;
    assert_int_equal(gw_index_run_render(a, &spec, &o, GW_OUT_JSON, &out), GW_OK);
    cJSON *j = cJSON_Parse(out);
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(j, "goalposts");
    assert_string_equal(gwt_json_str(g, "kind"), "base");
    assert_string_equal(gwt_json_str(g, "spec"), "base:2015");
    assert_string_equal(gwt_json_str(g, "fixed"), fixed);
    gw_assert_close(gwt_json_num(g, "base_from"), 2015, 0, 0);
    const cJSON *ge = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(g, "indicators"), "emp_rate");
    gw_assert_close(gwt_json_num(ge, "min"), lo, 0, 0);
    gw_assert_close(gwt_json_num(ge, "max"), hi, 0, 0);
    cJSON_Delete(j);
    gw_free(out);
    assert_int_equal(gw_index_run_render(a, &spec, &o, GW_OUT_TEXT, &out), GW_OK);
    assert_non_null(strstr(out, "goalposts: base period 2015"));
    gw_free(out);
    /* without goalposts: no goalposts in the JSON */
    gw_index_run *d = gp_run(NULL, GW_NORM_MINMAX, GW_OK);
    assert_int_equal(gw_index_run_render(d, &spec, NULL, GW_OUT_JSON, &out), GW_OK);
    assert_null(strstr(out, "goalposts"));
    gw_free(out);
    gw_index_run_free(d);

    /* rank: a base period only; nothing fixed to store */
    gw_index_run *rk = gp_run("base:2015", GW_NORM_RANK, GW_OK);
    assert_true(isnan(rk->index->goal_a[0]));
    gw_index_run_free(rk);
    assert_null(gp_run(src, GW_NORM_Z, GW_EINVAL)); /* stored minmax, asked z */
    assert_non_null(strstr(gw_last_error(), "normalised by minmax, this run by z"));
    free(list);
    free(fixed);
    gw_index_run_free(a);
}

/* --goalposts texts that are refused before the data are read, and files that are not there. */
static void test_index_run_goalposts_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        gw_index_norm norm;
        gw_status expected;
        const char *needle;
    } cases[] = {
        {"2015", GW_NORM_MINMAX, GW_EINVAL, "bad --goalposts '2015'"},
        {"base:", GW_NORM_MINMAX, GW_EINVAL, "expected base:YEAR"},
        {"base:2015-", GW_NORM_MINMAX, GW_EINVAL, "expected base:YEAR"},
        {"base:2016-2015", GW_NORM_MINMAX, GW_EINVAL, "ends before it starts"},
        {"base:2030", GW_NORM_MINMAX, GW_ENODATA, "base period 2030 has 0 rows"},
        {"fixed:emp_rate=1:2", GW_NORM_MINMAX, GW_EINVAL,
         "no goalposts for indicator 'share_prof'"},
        {"fixed:emp_rate=1:2,emp_rate=1:2", GW_NORM_MINMAX, GW_EINVAL, "given twice"},
        {"fixed:pay=1:2", GW_NORM_MINMAX, GW_EINVAL, "'pay' is not one of the --indicators"},
        {"fixed:emp_rate=1", GW_NORM_MINMAX, GW_EINVAL, "expected NAME=LO:HI"},
        {"fixed:emp_rate=a:2", GW_NORM_MINMAX, GW_EINVAL, "must be numbers"},
        {"fixed:emp_rate=1:2", GW_NORM_RANK, GW_EINVAL, "rank normalisation has no fixed"},
        {"fixed:/nonexistent/gp.txt", GW_NORM_MINMAX, GW_EIO, "cannot open"},
        {"fixed:/nonexistent/r.h5:index", GW_NORM_MINMAX, GW_EIO, "cannot open"},
        {"fixed:emp_rate=2:1,share_prof=0:1,sat_hours=0:1,log(real_hourly_pay)=0:1,anxiety=0:1",
         GW_NORM_MINMAX, GW_EINVAL, "bad goalposts for indicator emp_rate: 2:1"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        assert_null(gp_run(cases[c].text, cases[c].norm, cases[c].expected));
        if (strstr(gw_last_error(), cases[c].needle) == NULL)
            fail_msg("%s: message '%s' lacks '%s'", cases[c].text, gw_last_error(),
                     cases[c].needle);
    }
    /* within time, and a base period without time: before any data are read */
    gw_index_spec spec = {GP_VARS, 5, "la_code", NULL};
    gw_index_run_opts o = {0};
    o.goalposts = "base:2015";
    gw_index_run *r = NULL;
    assert_int_equal(gw_index_run_file("/nonexistent/x.csv", &spec, &o, &r), GW_EINVAL);
    assert_non_null(strstr(gw_last_error(), "needs --time"));
    spec.time = "year";
    o.index.within_time = 1;
    assert_int_equal(gw_index_run_file("/nonexistent/x.csv", &spec, &o, &r), GW_EINVAL);
    assert_non_null(strstr(gw_last_error(), "exclude each other"));
    /* a results file without goalposts */
    char path[512];
    snprintf(path, sizeof path, "%s/nogoal.h5", gwt_tmpdir());
    remove(path);
    gw_index_run *d = gp_run(NULL, GW_NORM_MINMAX, GW_OK);
    gw_provenance prov = {0};
    gw_index_spec sp = {GP_VARS, 5, "la_code", "year"};
    assert_int_equal(gw_index_run_store(d, &sp, NULL, path, "/analyses/index", &prov), GW_OK);
    gw_index_run_free(d);
    char text[600];
    snprintf(text, sizeof text, "fixed:%s", path);
    assert_null(gp_run(text, GW_NORM_MINMAX, GW_ENOVAR));
    assert_non_null(strstr(gw_last_error(), "has no /analyses/index with fixed goalposts"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_run_file_pca_matches_r),
        cmocka_unit_test(test_index_run_same_as_cli),
        cmocka_unit_test(test_index_run_table_same_bytes),
        cmocka_unit_test(test_index_run_errors),
        cmocka_unit_test(test_index_run_goalposts_round_trip),
        cmocka_unit_test(test_index_run_goalposts_errors),
    };
    return cmocka_run_group_tests_name("index_run", tests, NULL, NULL);
}
