/* test_cluster_run.c -- good work communities in one call (api/gw_cluster_run.h): Ward's
 * partition of the bundled panel's area means against R, the same numbers as `goodwork cluster
 * --format json` (silhouettes, assignments, ARIs, profiles, bootstrap, transitions), the same
 * bytes from a file and from a table in memory, storing, and every failure as a status with a
 * message. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_cluster_run.h"
#include "gw_csv.h"
#include "gw_test.h"

#define PANEL "datasets/uk_la_panel.csv"

/* A value of datasets/generated/analyses_ref.csv (name,value; base R, see its script). */
static double ref(const char *name)
{
    char key[64];
    snprintf(key, sizeof key, "%s,", name);
    return gwt_ref_key("datasets/generated/analyses_ref.csv", key);
}

static const char *const VARS[7] = {"emp_rate",       "share_prof", "log(median_hourly_pay)",
                                    "autonomy_share", "sat_hours",  "unemp_rate",
                                    "life_sat"};

/* cJSON prints 15 significant digits when they read back to within its epsilon. */
static void assert_json_num(const cJSON *o, const char *name, double v)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);
    if (isnan(v))
        assert_true(cJSON_IsNull(it));
    else
        gw_assert_close(gwt_json_num(o, name), v, 1e-14, 0.0);
}

/* tests/models/test_cluster.c's R reference (Ward at k = 5 on the area means, ARI against the
 * true communities), through the file entry point. */
static void test_cluster_run_file_ward_matches_r(void **state)
{
    (void)state;
    gw_cluster_spec spec = {VARS, 7, "la_id", "year", 0, 0.0, "cluster_true"};
    gw_cluster_run_opts o = {.k = 5, .kmax = 3, .kmeans = {.seed = 1}};
    gw_cluster_run *r = NULL;
    if (gw_cluster_run_file(gwt_source_path(PANEL), &spec, &o, &r) != GW_OK)
        fail_msg("%s", gw_last_error());
    assert_int_equal(r->m, (size_t)ref("ward_k5_n"));
    gw_assert_close(r->ari_ward, ref("ward_k5_ari_truth"), 1e-12, 0.0);
    assert_true(r->ari > 0.8);
    assert_int_equal(r->k, 5);
    assert_true(r->k_given);
    assert_int_equal(r->kmax, 3);
    assert_true(r->nts > 1);
    assert_null(r->jaccard);
    assert_true(isnan(r->boot_mean_ari));
    gw_cluster_run_free(r);
}

/* Everything `goodwork cluster --format json` prints, from the library's result. */
static void test_cluster_run_same_as_cli(void **state)
{
    (void)state;
    const char *args[] = {"cluster",
                          "--data",
                          gwt_source_path(PANEL),
                          "--vars",
                          "emp_rate,share_prof,log(median_hourly_pay),autonomy_share,"
                          "sat_hours,unemp_rate,life_sat",
                          "--id",
                          "la_id",
                          "--time",
                          "year",
                          "--truth",
                          "cluster_true",
                          "--boot",
                          "5",
                          "--seed",
                          "3",
                          "--format",
                          "json",
                          NULL};
    cJSON *o = gwt_cli_json(args);
    gw_cluster_spec spec = {VARS, 7, "la_id", "year", 0, 0.0, "cluster_true"};
    gw_cluster_run_opts ro = {.boot = 5, .kmeans = {.seed = 3}};
    gw_cluster_run *r = NULL;
    if (gw_cluster_run_file(gwt_source_path(PANEL), &spec, &ro, &r) != GW_OK)
        fail_msg("%s", gw_last_error());
    gw_assert_close(gwt_json_num(o, "k"), (double)r->k, 0.0, 0.0);
    gw_assert_close(gwt_json_num(o, "n"), (double)r->m, 0.0, 0.0);
    const cJSON *sil = cJSON_GetObjectItemCaseSensitive(o, "silhouette");
    for (size_t k = 2; k <= r->kmax; k++) {
        char key[8];
        snprintf(key, sizeof key, "%zu", k);
        assert_json_num(sil, key, r->silhouette[k]);
    }
    const cJSON *as = cJSON_GetObjectItemCaseSensitive(o, "assignments");
    assert_int_equal((size_t)cJSON_GetArraySize(as), r->m);
    for (size_t i = 0; i < r->m; i++) {
        const cJSON *a = cJSON_GetArrayItem(as, (int)i);
        gw_assert_close(gwt_json_num(a, "id"), r->id.value[i], 0.0, 0.0);
        gw_assert_close(gwt_json_num(a, "cluster"), r->assign[i] + 1.0, 0.0, 0.0);
    }
    assert_json_num(o, "ari", r->ari);
    assert_json_num(o, "ari_ward", r->ari_ward);
    assert_json_num(o, "ari_kmeans_vs_ward", r->ari_kmeans_vs_ward);
    assert_json_num(o, "within_ss", r->kmeans->within_ss);
    const cJSON *pr = cJSON_GetObjectItemCaseSensitive(o, "profiles");
    for (size_t c = 0; c < r->k; c++) {
        const cJSON *pc = cJSON_GetArrayItem(pr, (int)c);
        gw_assert_close(gwt_json_num(pc, "size"), (double)r->sizes[c], 0.0, 0.0);
        assert_json_num(pc, "jaccard", r->jaccard[c]);
        const cJSON *mn = cJSON_GetObjectItemCaseSensitive(pc, "means");
        for (size_t j = 0; j < 7; j++)
            assert_json_num(mn, VARS[j], r->profiles[c + j * r->k]);
    }
    assert_json_num(cJSON_GetObjectItemCaseSensitive(o, "stability"), "mean_ari", r->boot_mean_ari);
    const cJSON *tr = cJSON_GetObjectItemCaseSensitive(o, "transitions");
    assert_int_equal((size_t)cJSON_GetArraySize(tr), r->nts - 1);
    for (size_t q = 0; q + 1 < r->nts; q++) {
        const cJSON *mx =
            cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(tr, (int)q), "matrix");
        for (size_t f = 0; f < r->k; f++)
            for (size_t g = 0; g < r->k; g++)
                gw_assert_close(
                    cJSON_GetArrayItem(cJSON_GetArrayItem(mx, (int)f), (int)g)->valuedouble,
                    (double)r->transitions[(q * r->k + f) * r->k + g], 0.0, 0.0);
    }
    cJSON_Delete(o);
    gw_cluster_run_free(r);
}

/* A table in memory gives the bytes of the file; the values at one time value, categorical
 * ids; stored as /analyses/NAME. */
static void test_cluster_run_table_same_bytes(void **state)
{
    (void)state;
    gw_table *t = NULL;
    assert_int_equal(gw_csv_read_file(gwt_source_path(PANEL), NULL, &t), GW_OK);
    gw_cluster_spec spec = {VARS, 4, "la_code", "year", 1, 2019.0, NULL};
    gw_cluster_run_opts o = {.kmax = 5, .method = GW_CLUSTER_WARD, .kmeans = {.seed = 1}};
    gw_cluster_run *a = NULL, *b = NULL;
    assert_int_equal(gw_cluster_run_file(gwt_source_path(PANEL), &spec, &o, &a), GW_OK);
    assert_int_equal(gw_cluster_run_table(t, &spec, &o, &b), GW_OK);
    assert_int_equal(a->m, b->m);
    assert_int_equal(a->k, b->k);
    assert_int_equal(a->nts, 0);
    assert_non_null(a->id.levels);
    assert_memory_equal(a->assign, b->assign, a->m * sizeof(int));
    assert_memory_equal(a->ward, a->assign, a->m * sizeof(int)); /* Ward is reported */
    assert_memory_equal(a->silhouette + 2, b->silhouette + 2, (a->kmax - 1) * sizeof(double));
    assert_memory_equal(a->profiles, b->profiles, a->k * 4 * sizeof(double));
    char path[512];
    snprintf(path, sizeof path, "%s/cluster_run.h5", gwt_tmpdir());
    gw_provenance prov = {0};
    prov.command_line = "test_cluster_run";
    prov.data_sha256 = "0";
    prov.blas = "test";
    assert_int_equal(gw_cluster_run_store(a, &spec, path, "/analyses/cl", &prov), GW_OK);
    assert_int_equal(gw_cluster_run_store(a, &spec, path, "cl", &prov), GW_EINVAL);
    assert_true(gw_last_error()[0] != '\0');
    gw_cluster_run_free(a);
    gw_cluster_run_free(b);
    gw_table_free(t);
}

/* Each failure: its status, a message that says what, and no result. */
static void test_cluster_run_errors(void **state)
{
    (void)state;
    static const char *const two[2] = {"emp_rate", "share_prof"};
    static const char *const nosuch[2] = {"emp_rate", "nosuch"};
    static const char *const logcat[1] = {"log(nation)"};
    static const char *const covid[2] = {"emp_rate", "covid"};
    static const char *const grun[3] = {"inv", "value", "capital"};
    const gw_cluster_run_opts none = {.kmeans = {.seed = 1}};
    const struct {
        const char *label, *path;
        gw_cluster_spec spec;
        gw_cluster_run_opts opts;
        gw_status expected;
        const char *needle;
    } cases[] = {
        {"no id", PANEL, {two, 2, NULL, NULL, 0, 0, NULL}, none, GW_EINVAL, "id"},
        {"no vars", PANEL, {two, 0, "la_id", NULL, 0, 0, NULL}, none, GW_EINVAL, "variables"},
        {"at without time",
         PANEL,
         {two, 2, "la_id", NULL, 1, 2019, NULL},
         none,
         GW_EINVAL,
         "--at needs --time"},
        {"k 1", PANEL, {two, 2, "la_id", "year", 0, 0, NULL}, {.k = 1}, GW_EINVAL, "--k"},
        {"kmax 101",
         PANEL,
         {two, 2, "la_id", "year", 0, 0, NULL},
         {.kmax = 101},
         GW_EINVAL,
         "--kmax"},
        {"method",
         PANEL,
         {two, 2, "la_id", "year", 0, 0, NULL},
         {.method = (gw_cluster_method)7},
         GW_EINVAL,
         "method"},
        {"unknown",
         PANEL,
         {nosuch, 2, "la_id", "year", 0, 0, NULL},
         none,
         GW_ENOVAR,
         "unknown variable 'nosuch'"},
        {"unknown truth",
         PANEL,
         {two, 2, "la_id", "year", 0, 0, "nosuch"},
         none,
         GW_ENOVAR,
         "unknown variable 'nosuch'"},
        {"log categorical",
         PANEL,
         {logcat, 1, "la_id", "year", 0, 0, NULL},
         none,
         GW_EINVAL,
         "not numeric"},
        {"panel without time",
         PANEL,
         {two, 2, "la_id", NULL, 0, 0, NULL},
         none,
         GW_EINVAL,
         "la_id '0' has 15 rows"},
        {"no units",
         "datasets/grunfeld.csv",
         {grun, 3, "firm", "year", 1, 3000, NULL},
         none,
         GW_ENODATA,
         "only 0 areas"},
        {"k above units",
         "datasets/grunfeld.csv",
         {grun, 3, "firm", "year", 1, 1940, NULL},
         {.k = 11},
         GW_EINVAL,
         "--k 11 is more than the 10 areas"},
        {"constant",
         PANEL,
         {covid, 2, "la_id", "year", 1, 2019, NULL},
         none,
         GW_EILLCOND,
         "cluster: standardise"},
        {"no file",
         "/nonexistent/x.csv",
         {two, 2, "la_id", NULL, 0, 0, NULL},
         none,
         GW_EIO,
         "cannot open"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        gw_cluster_run *r = (gw_cluster_run *)1;
        const char *path = cases[c].path[0] == '/' ? cases[c].path : gwt_source_path(cases[c].path);
        gw_status s = gw_cluster_run_file(path, &cases[c].spec, &cases[c].opts, &r);
        if (s != cases[c].expected || strstr(gw_last_error(), cases[c].needle) == NULL)
            fail_msg("%s: status %d (expected %d), message '%s'", cases[c].label, (int)s,
                     (int)cases[c].expected, gw_last_error());
        assert_null(r);
    }
    gw_cluster_run *r = (gw_cluster_run *)1;
    gw_cluster_spec spec = {two, 2, "la_id", "year", 0, 0, NULL};
    assert_int_equal(gw_cluster_run_table(NULL, &spec, NULL, &r), GW_EINVAL);
    assert_null(r);
    assert_int_equal(gw_cluster_run_file(NULL, &spec, NULL, &r), GW_EINVAL);
    assert_int_equal(gw_cluster_run_file(gwt_source_path(PANEL), NULL, NULL, &r), GW_EINVAL);
    assert_int_equal(gw_cluster_run_file(gwt_source_path(PANEL), &spec, NULL, NULL), GW_EINVAL);
    assert_true(gw_last_error()[0] != '\0');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cluster_run_file_ward_matches_r),
        cmocka_unit_test(test_cluster_run_same_as_cli),
        cmocka_unit_test(test_cluster_run_table_same_bytes),
        cmocka_unit_test(test_cluster_run_errors),
    };
    return cmocka_run_group_tests_name("cluster_run", tests, NULL, NULL);
}
