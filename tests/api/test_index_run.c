/* test_index_run.c -- the Good Work index in one call (api/gw_index_run.h): base R's PCA
 * weights on the bundled panel, the same numbers as `goodwork index --format json`, the same
 * bytes from a file and from a table in memory, storing into a results file, and every failure
 * as a status with a message. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_csv.h"
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_run_file_pca_matches_r),
        cmocka_unit_test(test_index_run_same_as_cli),
        cmocka_unit_test(test_index_run_table_same_bytes),
        cmocka_unit_test(test_index_run_errors),
    };
    return cmocka_run_group_tests_name("index_run", tests, NULL, NULL);
}
