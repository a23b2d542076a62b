/* test_table_cli.c -- goodwork table and goodwork convert, end to end, on Grunfeld fits. */
#include "gw_test.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gw_alloc.h"
#include "gw_csv.h"
#include "gw_formula.h"
#include "gw_frame.h"
#include "gw_hdf5.h"
#include "gw_ols.h"
#include "gw_sha256.h"

static const char *tmp_path(const char *name)
{
    static char buf[16][512];
    static int next;
    char *p = buf[next++ % 16];
    snprintf(p, 512, "%s/%s", gwt_tmpdir(), name);
    return p;
}

static void expect_in(const char *text, const char *needle)
{
    if (strstr(text, needle) == NULL)
        fail_msg("expected '%s' in:\n%s", needle, text);
}

/* Fits formula on t by OLS with variance v (clustered by cluster when given). */
static gw_result *fit(const gw_table *t, const char *formula, gw_vcov_kind v, const char *cluster)
{
    gw_formula *f = NULL;
    gw_design *d = NULL;
    gw_result *r = NULL;
    gw_frame_opts fo = {0};
    fo.cluster[0] = cluster;
    gw_ols_opts oo = {0};
    oo.vcov = v;
    if (gw_formula_parse(formula, &f) != GW_OK || gw_frame_build(t, f, &fo, &d) != GW_OK ||
        gw_ols_fit(d, &oo, &r) != GW_OK)
        fail_msg("fit of '%s' failed: %s", formula, gw_last_error());
    assert_int_equal(gw_result_set_str(&r->formula, formula), GW_OK);
    gw_design_free(d);
    gw_formula_free(f);
    return r;
}

/* Three Grunfeld models in a results file: iid, HC1 and clustered by firm. */
static const char *grunfeld_results(void)
{
    const char *path = tmp_path("grunfeld_results.h5");
    gw_table *t = NULL;
    unlink(path);
    assert_int_equal(gw_csv_read_file(gwt_source_path("datasets/grunfeld.csv"), NULL, &t), GW_OK);
    const struct {
        const char *name, *formula, *cluster;
        gw_vcov_kind v;
    } m[] = {{"pooled", "inv ~ value + capital", NULL, GW_VCOV_IID},
             {"robust", "inv ~ value + capital", NULL, GW_VCOV_HC1},
             {"cluster", "inv ~ value + capital + year", "firm", GW_VCOV_CLUSTER}};
    char hex[65];
    assert_int_equal(gw_sha256_file(gwt_source_path("datasets/grunfeld.csv"), hex), GW_OK);
    gw_provenance prov = {"0.1.0", NULL, "test_table_cli", hex, "OpenBLAS, 1 thread", 0, 0};
    for (size_t i = 0; i < 3; i++) {
        gw_result *r = fit(t, m[i].formula, m[i].v, m[i].cluster);
        assert_int_equal(gw_results_append(path, m[i].name, r, &prov), GW_OK);
        gw_result_free(r);
    }
    gw_table_free(t);
    return path;
}

static void test_table_cli_text_and_latex(void **state)
{
    (void)state;
    const char *path = grunfeld_results();
    gwt_run_result r = gwt_run_cli("table", path, NULL);
    if (r.exit_code != 0)
        fail_msg("exit %d: %s", r.exit_code, r.err);
    assert_string_equal(r.err, "");
    const char *needles[] = {
        "inv",          "pooled", "robust",  "cluster",
        "(Intercept)",  "value",  "capital", "year",
        "VCOV type",    "iid",    "hc1",     "cluster:firm",
        "Observations", "200",    "R2",      "Signif. codes: *** p<0.01, ** p<0.05, * p<0.1"};
    for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++)
        expect_in(r.out, needles[i]);
    /* Grunfeld pooled OLS: value 0.1156 (s.e. 0.005836 iid), capital 0.2307 (0.02548). */
    expect_in(r.out, "0.1156***");
    expect_in(r.out, "(0.005836)");
    expect_in(r.out, "0.2307***");
    expect_in(r.out, "(0.02548)");
    print_message("%s", r.out);
    gwt_run_free(&r);

    r = gwt_run_cli("table", path, "--format", "latex", NULL);
    assert_int_equal(r.exit_code, 0);
    expect_in(r.out, "\\toprule");
    expect_in(r.out, "\\midrule");
    expect_in(r.out, "\\bottomrule");
    expect_in(r.out, "value & 0.1156$^{***}$ & 0.1156$^{***}$ &");
    expect_in(r.out, " & (0.005836) & ");
    print_message("%s", r.out);
    gwt_run_free(&r);
}

static void test_table_cli_models_and_formats(void **state)
{
    (void)state;
    const char *path = grunfeld_results();
    gwt_run_result r =
        gwt_run_cli("table", path, "--models", "cluster,pooled", "--format", "markdown", NULL);
    assert_int_equal(r.exit_code, 0);
    expect_in(r.out, "|  | cluster | pooled |");
    assert_null(strstr(r.out, "robust"));
    gwt_run_free(&r);

    r = gwt_run_cli("table", path, "--format=csv", "--models=robust", NULL);
    assert_int_equal(r.exit_code, 0);
    expect_in(r.out, "Dependent var.:,inv\n,robust\n(Intercept),");
    gwt_run_free(&r);

    r = gwt_run_cli("table", path, "--format", "json", NULL);
    assert_int_equal(r.exit_code, 0);
    expect_in(r.out, "\"name\": \"pooled\"");
    expect_in(r.out, "\"vcov_type\": \"cluster:firm\"");
    gwt_run_free(&r);

    r = gwt_run_cli("table", "--help", NULL);
    assert_int_equal(r.exit_code, 0);
    expect_in(r.out, "usage: goodwork table");
    gwt_run_free(&r);
}

static void one_error_line(const gwt_run_result *r, int code, const char *needle)
{
    size_t lines = 0;
    for (const char *p = r->err; *p; p++)
        lines += *p == '\n';
    if (r->exit_code != code || lines != 1 || strncmp(r->err, "goodwork: error: ", 17) != 0 ||
        strstr(r->err, needle) == NULL)
        fail_msg("exit %d (expected %d), stderr '%s' (expected '%s')", r->exit_code, code, r->err,
                 needle);
    assert_string_equal(r->out, "");
}

static void test_table_cli_errors(void **state)
{
    (void)state;
    const char *path = grunfeld_results();
    gwt_run_result r = gwt_run_cli("table", path, "--models", "pooled,nope", NULL);
    one_error_line(&r, 2, "no model 'nope' (it has: pooled, robust, cluster)");
    gwt_run_free(&r);
    r = gwt_run_cli("table", path, "--format", "docx", NULL);
    one_error_line(&r, 2, "docx");
    gwt_run_free(&r);
    r = gwt_run_cli("table", path, "--bogus", NULL);
    one_error_line(&r, 2, "--bogus");
    gwt_run_free(&r);
    r = gwt_run_cli("table", NULL);
    one_error_line(&r, 2, "RESULTS.h5");
    gwt_run_free(&r);
    r = gwt_run_cli("table", tmp_path("missing.h5"), NULL);
    one_error_line(&r, 3, "missing.h5");
    gwt_run_free(&r);
    r = gwt_run_cli("table", gwt_write_file("text.h5", "not hdf5\n"), NULL);
    one_error_line(&r, 3, "not an HDF5 file");
    gwt_run_free(&r);
    r = gwt_run_cli("convert", "a.txt", "b.h5", NULL);
    one_error_line(&r, 2, "direction");
    gwt_run_free(&r);
    r = gwt_run_cli("convert", "a.csv", NULL);
    one_error_line(&r, 2, "IN and OUT");
    gwt_run_free(&r);
    r = gwt_run_cli("convert", "--help", NULL);
    assert_int_equal(r.exit_code, 0);
    expect_in(r.out, "usage: goodwork convert");
    gwt_run_free(&r);
}

/* CSV -> HDF5 (goodwork convert) -> fit gives the same bits as the fit of the CSV; and
 * HDF5 -> CSV gives back the same table. */
static void test_convert_then_fit_bit_identical(void **state)
{
    (void)state;
    const char *csv = gwt_source_path("datasets/grunfeld.csv");
    const char *h5 = tmp_path("grunfeld.h5"), *csv2 = tmp_path("grunfeld2.csv");
    gwt_run_result r = gwt_run_cli("convert", csv, h5, "--table", "/panel", NULL);
    if (r.exit_code != 0)
        fail_msg("convert: %s", r.err);
    gwt_run_free(&r);
    r = gwt_run_cli("convert", h5, csv2, "--table", "/panel", NULL);
    assert_int_equal(r.exit_code, 0);
    gwt_run_free(&r);

    gw_table *tc = NULL, *th = NULL, *tc2 = NULL;
    assert_int_equal(gw_csv_read_file(csv, NULL, &tc), GW_OK);
    const char *cols[] = {"inv", "value", "capital", "firm"};
    assert_int_equal(gw_h5_table_read(h5, "/panel", cols, 4, &th), GW_OK);
    assert_int_equal(gw_csv_read_file(csv2, NULL, &tc2), GW_OK);
    assert_int_equal(gw_table_ncols(tc2), gw_table_ncols(tc));
    for (size_t j = 0; j < gw_table_ncols(tc); j++)
        assert_memory_equal(gw_table_numeric(tc, j), gw_table_numeric(tc2, j),
                            gw_table_nrows(tc) * sizeof(double));

    gw_result *a = fit(tc, "inv ~ value + capital", GW_VCOV_CLUSTER, "firm");
    gw_result *b = fit(th, "inv ~ value + capital", GW_VCOV_CLUSTER, "firm");
    assert_int_equal(a->k, b->k);
    assert_memory_equal(a->estimate, b->estimate, a->k * sizeof(double));
    assert_memory_equal(a->std_error, b->std_error, a->k * sizeof(double));
    assert_memory_equal(a->vcov, b->vcov, a->k * a->k * sizeof(double));
    assert_memory_equal(&a->r2, &b->r2, sizeof(double));
    gw_result_free(a);
    gw_result_free(b);
    gw_table_free(tc);
    gw_table_free(th);
    gw_table_free(tc2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_cli_text_and_latex),
        cmocka_unit_test(test_table_cli_models_and_formats),
        cmocka_unit_test(test_table_cli_errors),
        cmocka_unit_test(test_convert_then_fit_bit_identical),
    };
    return cmocka_run_group_tests_name("table_cli", tests, NULL, NULL);
}
