/* test_results_cli.c -- goodwork fit with HDF5 data (--data x.h5) and results (--out). */
#include "gw_test.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gw_hdf5.h"

/* The Grunfeld CSV converted to an HDF5 data table, once per process. */
static const char *grunfeld_h5(void)
{
    const char *h5 = gwt_tmp_path("grunfeld.h5");
    struct stat st;
    if (stat(h5, &st) == 0)
        return h5;
    gwt_run_result r =
        gwt_run_cli("convert", gwt_source_path("datasets/grunfeld.csv"), h5, (char *)NULL);
    assert_int_equal(r.exit_code, 0);
    gwt_run_free(&r);
    return h5;
}

/* The same model from CSV and from HDF5 input prints byte-identical JSON. */
static void test_fit_h5_data_equals_csv(void **state)
{
    (void)state;
    const char *model = "inv ~ log(value) + capital + I(capital^2) + factor(firm)";
    gwt_run_result a = gwt_run_cli("fit", "--data", gwt_source_path("datasets/grunfeld.csv"),
                                   "--model", model, "--vcov", "cluster:firm+year", "--format",
                                   "json", (char *)NULL);
    gwt_run_result b = gwt_run_cli("fit", "--data", grunfeld_h5(), "--model", model, "--vcov",
                                   "cluster:firm+year", "--format", "json", (char *)NULL);
    assert_int_equal(a.exit_code, 0);
    assert_int_equal(b.exit_code, 0);
    assert_string_equal(a.out, b.out);
    gwt_run_free(&a);
    gwt_run_free(&b);
}

/* --out stores the fit; reading it back gives the JSON's numbers bit for bit; a second model
 * is appended; reusing a name is a usage error that leaves the file byte-identical. */
static void test_fit_out_appends_and_reads_back(void **state)
{
    (void)state;
    const char *out = gwt_tmp_path("results.h5");
    const char *csv = gwt_source_path("datasets/grunfeld.csv");
    unlink(out);
    gwt_run_result r = gwt_run_cli("fit", "--data", csv, "--model", "inv ~ value + capital",
                                   "--vcov", "hc1", "--format", "json", "--out", out, "--name",
                                   "robust", "--save-residuals", (char *)NULL);
    assert_int_equal(r.exit_code, 0);
    cJSON *o = cJSON_Parse(r.out);
    assert_non_null(o);
    gwt_run_result r2 = gwt_run_cli("fit", "--data", grunfeld_h5(), "--model",
                                    "inv ~ value + capital", "--out", out, (char *)NULL);
    assert_int_equal(r2.exit_code, 0);

    gw_results *res = NULL;
    assert_int_equal(gw_results_open(out, &res), GW_OK);
    assert_int_equal(gw_results_nmodels(res), 2);
    assert_string_equal(gw_results_model_name(res, 0), "robust");
    gw_result *m = NULL;
    assert_int_equal(gw_results_get(res, "robust", &m), GW_OK);
    const cJSON *coefs = cJSON_GetObjectItemCaseSensitive(o, "coefficients");
    assert_int_equal((size_t)cJSON_GetArraySize(coefs), m->k);
    for (size_t j = 0; j < m->k; j++) {
        const cJSON *c = cJSON_GetArrayItem(coefs, (int)j);
        double est = cJSON_GetObjectItemCaseSensitive(c, "estimate")->valuedouble;
        double se = cJSON_GetObjectItemCaseSensitive(c, "std_error")->valuedouble;
        assert_memory_equal(&est, &m->estimate[j], sizeof est);
        assert_memory_equal(&se, &m->std_error[j], sizeof se);
    }
    assert_non_null(m->residuals);
    assert_non_null(m->fitted);
    assert_string_equal(m->vcov_type, "hc1");
    gw_provenance prov;
    assert_int_equal(gw_results_provenance(res, "robust", &prov), GW_OK);
    assert_non_null(prov.data_sha256);
    assert_int_equal(strlen(prov.data_sha256), 64);
    assert_non_null(strstr(prov.command_line, "--name robust"));
    assert_non_null(strstr(prov.blas, "OpenBLAS"));
    gw_result_free(m);
    gw_results_close(res);

    size_t n1, n2;
    char *before = gwt_read_file_or_fail(out, &n1);
    gwt_run_result r3 = gwt_run_cli("fit", "--data", csv, "--model", "inv ~ value", "--out", out,
                                    "--name", "robust", (char *)NULL);
    assert_int_equal(r3.exit_code, 2);
    assert_non_null(strstr(r3.err, "exists already"));
    assert_string_equal(r3.out, "");
    char *after = gwt_read_file_or_fail(out, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(before, after, n1);
    free(before);
    free(after);
    cJSON_Delete(o);
    gwt_run_free(&r);
    gwt_run_free(&r2);
    gwt_run_free(&r3);
}

/* A variable the HDF5 table lacks is reported by the formula, with its caret (exit 2). */
static void test_fit_h5_unknown_variable(void **state)
{
    (void)state;
    gwt_run_result r = gwt_run_cli("fit", "--data", grunfeld_h5(), "--model",
                                   "inv ~ valu + capital", (char *)NULL);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "unknown variable 'valu'"));
    assert_non_null(strstr(r.err, "^"));
    gwt_run_free(&r);
    r = gwt_run_cli("fit", "--data", grunfeld_h5(), "--table", "/nope", "--model",
                    "inv ~ value", (char *)NULL);
    assert_int_equal(r.exit_code, 3);
    assert_string_equal(r.out, "");
    gwt_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fit_h5_data_equals_csv),
        cmocka_unit_test(test_fit_out_appends_and_reads_back),
        cmocka_unit_test(test_fit_h5_unknown_variable),
    };
    return cmocka_run_group_tests_name("results_cli", tests, NULL, NULL);
}
