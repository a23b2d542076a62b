/* test_table_cli.c -- goodwork table and goodwork convert, end to end, on Grunfeld fits. */
#include "gw_test.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
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
    const char *path = gwt_tmp_path("grunfeld_results.h5");
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
    const char *needles[] = {"inv",
                             "pooled",
                             "robust",
                             "cluster",
                             "(Intercept)",
                             "value",
                             "capital",
                             "year",
                             "VCOV",
                             "IID",
                             "Heteroskedasticity-robust (HC1)",
                             "Clustered (firm)",
                             "(1)",
                             "(2)",
                             "(3)",
                             "Estimator",
                             "Observations",
                             "200",
                             "R2",
                             "Signif. codes: *** p<0.01, ** p<0.05, * p<0.1"};
    for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++)
        gwt_expect_in(r.out, needles[i]);
    /* Grunfeld pooled OLS: value 0.1156 (s.e. 0.005836 iid), capital 0.2307 (0.02548). */
    gwt_expect_in(r.out, "0.1156***");
    gwt_expect_in(r.out, "(0.005836)");
    gwt_expect_in(r.out, "0.2307***");
    gwt_expect_in(r.out, "(0.02548)");
    print_message("%s", r.out);
    gwt_run_free(&r);

    r = gwt_run_cli("table", path, "--format", "latex", NULL);
    assert_int_equal(r.exit_code, 0);
    gwt_expect_in(r.out, "\\toprule");
    gwt_expect_in(r.out, "\\midrule");
    gwt_expect_in(r.out, "\\bottomrule");
    gwt_expect_in(r.out, "value & 0.1156$^{***}$ & 0.1156$^{***}$ &");
    gwt_expect_in(r.out, " & (0.005836) & ");
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
    gwt_expect_in(r.out, "|  | (1) | (2) |");
    gwt_expect_in(r.out, "|  | cluster | pooled |");
    assert_null(strstr(r.out, "robust"));
    gwt_run_free(&r);

    r = gwt_run_cli("table", path, "--format=csv", "--models=robust", NULL);
    assert_int_equal(r.exit_code, 0);
    gwt_expect_in(r.out,
                  ",(1),stars\n,robust,\nDependent var.:,inv,\nEstimator,OLS,\n(Intercept),");
    gwt_run_free(&r);

    r = gwt_run_cli("table", path, "--format", "json", NULL);
    assert_int_equal(r.exit_code, 0);
    gwt_expect_in(r.out, "\"name\": \"pooled\"");
    gwt_expect_in(r.out, "\"vcov_type\": \"cluster:firm\"");
    gwt_run_free(&r);

    r = gwt_run_cli("table", "--help", NULL);
    assert_int_equal(r.exit_code, 0);
    gwt_expect_in(r.out, "usage: goodwork table");
    gwt_run_free(&r);
}

/* 1 when the test's directory holds a file whose name contains ".tmp." (a left temporary). */
static int temporary_left(void)
{
    DIR *d = opendir(gwt_tmpdir());
    struct dirent *e;
    int found = 0;
    while (d != NULL && (e = readdir(d)) != NULL)
        found |= strstr(e->d_name, ".tmp.") != NULL;
    if (d != NULL)
        closedir(d);
    return found;
}

/* The table options end to end on the Grunfeld fits; reference values from R (lm on
 * datasets/grunfeld.csv): value 0.1155621564 (s.e. 0.005835709557, t 19.802588739, 90% interval
 * 0.1059179156 to 0.1252063971), intercept p 1.207356541e-05, mean(inv) 145.95825, N 200,
 * df 197, 10 firms. */
static void test_table_cli_options(void **state)
{
    (void)state;
    const char *path = grunfeld_results();
    gwt_run_result r = gwt_run_cli("table", path, "--models", "pooled,cluster", "--ci", "--level",
                                   "0.9", "--stats", "n,n_clusters,df,mean_y", NULL);
    if (r.exit_code != 0)
        fail_msg("exit %d: %s", r.exit_code, r.err);
    gwt_expect_in(r.out, "[0.1059, 0.1252]");
    gwt_expect_in(r.out, "Mean of dep. var.");
    gwt_expect_in(r.out, "Residual df");
    gwt_expect_in(r.out, "197");
    gwt_expect_in(r.out, "Clusters");
    /* Counts print as integers, never in e-notation or with decimals. */
    assert_null(strstr(r.out, "e+0"));
    assert_null(strstr(r.out, "200.0"));
    assert_null(strstr(r.out, "R2")); /* --stats replaces the default rows */
    const char *cl = strstr(r.out, "\nClusters");
    assert_non_null(cl);
    gwt_expect_in(cl, "10\n");
    gwt_run_free(&r);

    /* mean_y is stored by goodwork fit (the models above are fitted by the library directly). */
    const char *fitted = gwt_tmp_path("fit_mean_y.h5");
    unlink(fitted);
    r = gwt_run_cli("fit", "--data", gwt_source_path("datasets/grunfeld.csv"), "--model",
                    "inv ~ value + capital", "--out", fitted, "--format", "json", NULL);
    assert_int_equal(r.exit_code, 0);
    gwt_run_free(&r);
    r = gwt_run_cli("table", fitted, "--stats", "mean_y", "--digits", "8", NULL);
    assert_int_equal(r.exit_code, 0);
    gwt_expect_in(r.out, "145.95825");
    gwt_run_free(&r);

    /* A within fit that drops a singleton group (g = c): the mean over the 6 rows kept,
     * (1 + 2 + 4 + 3 + 5 + 9) / 6 = 4, not over all 7 rows (124 / 7). */
    const char *small = gwt_write_file("singleton.csv", "y,x,g\n1,1,a\n2,3,a\n4,2,a\n3,1,b\n"
                                                        "5,2,b\n9,5,b\n100,1,c\n");
    const char *fe_res = gwt_tmp_path("fit_mean_y_fe.h5");
    unlink(fe_res);
    r = gwt_run_cli("fit", "--data", small, "--model", "y ~ x | g", "--out", fe_res, "--format",
                    "json", NULL);
    assert_int_equal(r.exit_code, 0);
    gwt_run_free(&r);
    r = gwt_run_cli("table", fe_res, "--stats", "n,mean_y", NULL);
    assert_int_equal(r.exit_code, 0);
    gwt_expect_in(r.out, "Mean of dep. var.   4.000\n");
    const char *obs = strstr(r.out, "\nObservations ");
    assert_non_null(obs);
    assert_true(strncmp(strchr(obs + 1, '\n') - 2, " 6", 2) == 0);
    gwt_run_free(&r);
    /* The dependent variable and the fixed-effect rows take the labels of terms too. */
    r = gwt_run_cli("table", fe_res, "--rename", "y=Outcome,g=Group FE", NULL);
    assert_int_equal(r.exit_code, 0);
    gwt_expect_in(r.out, "Dependent var.:  Outcome\n");
    gwt_expect_in(r.out, "\nGroup FE ");
    assert_null(strstr(r.out, "\ng "));
    gwt_run_free(&r);

    r = gwt_run_cli("table", path, "--models", "pooled", "--tstat", "--digits", "r2", NULL);
    assert_int_equal(r.exit_code, 0);
    gwt_expect_in(r.out, "(19.80)");
    gwt_expect_in(r.out, "0.12***");
    gwt_run_free(&r);

    /* One threshold below the intercept's p-value: no star for it, one for value. */
    r = gwt_run_cli("table", path, "--models", "pooled", "--stars", "0.00001", NULL);
    assert_int_equal(r.exit_code, 0);
    gwt_expect_in(r.out, "-42.71\n");
    gwt_expect_in(r.out, "0.1156*\n");
    gwt_expect_in(r.out, "Signif. codes: * p<1e-05");
    gwt_run_free(&r);

    const char *labels = gwt_write_file("labels.csv", "name,label\ncapital,\"Capital, stock\"\n");
    r = gwt_run_cli("table", path, "--models", "pooled", "--labels", labels, "--rename",
                    "value=Firm value", "--drop", "Intercept", "--order", "^cap", "--add-row",
                    "Controls: Yes", "--add-row", "Sample: all", "--title", "Investment", "--notes",
                    "Grunfeld (1958).", NULL);
    assert_int_equal(r.exit_code, 0);
    gwt_expect_in(r.out, "Investment\n");
    gwt_expect_in(r.out, "Capital, stock");
    gwt_expect_in(r.out, "Firm value");
    gwt_expect_in(r.out, "Controls");
    gwt_expect_in(r.out, "Sample");
    gwt_expect_in(r.out, "Grunfeld (1958).\n");
    assert_null(strstr(r.out, "Intercept"));
    assert_true(strstr(r.out, "Capital, stock") < strstr(r.out, "Firm value"));
    gwt_run_free(&r);

    r = gwt_run_cli("table", path, "--keep", "^value$,capital", "--format", "csv", NULL);
    assert_int_equal(r.exit_code, 0);
    gwt_expect_in(r.out, "\nvalue,0.1156,***,0.1156,***,");
    assert_null(strstr(r.out, "Intercept"));
    assert_null(strstr(r.out, "\nyear,"));
    gwt_run_free(&r);
}

/* --out: the format from the extension, the file replaced atomically (no temporary left). */
static void test_table_cli_out_and_formats(void **state)
{
    (void)state;
    const char *path = grunfeld_results();
    const char *tex = gwt_tmp_path("table.tex"), *html = gwt_tmp_path("table.html");
    gwt_run_result r = gwt_run_cli("table", path, "--out", tex, "--title", "A & B", NULL);
    assert_int_equal(r.exit_code, 0);
    assert_string_equal(r.out, "");
    gwt_run_free(&r);
    char *t = gwt_read_file(tex, NULL);
    assert_non_null(t);
    gwt_expect_in(t, "\\begin{table}[htbp]\n\\centering\n\\caption{A \\& B}\n");
    gwt_expect_in(t, "\\begin{tabular}{l*{3}{c}}\n\\toprule\n & (1) & (2) & (3) \\\\\n");
    gwt_expect_in(t, "VCOV & IID & Heteroskedasticity-robust (HC1) & Clustered (firm) \\\\\n");
    gwt_expect_in(t, "Observations & 200 & 200 & 200 \\\\\n");
    gwt_expect_in(t, "\\end{tabular}\n\\end{table}\n");
    free(t);

    r = gwt_run_cli("table", path, "--out", html, NULL);
    assert_int_equal(r.exit_code, 0);
    gwt_run_free(&r);
    t = gwt_read_file(html, NULL);
    assert_non_null(t);
    size_t open = 0, close = 0;
    for (const char *p = t; (p = strstr(p, "<tr")) != NULL; p++)
        open++;
    for (const char *p = t; (p = strstr(p, "</tr>")) != NULL; p++)
        close++;
    assert_int_equal(open, close);
    assert_true(open > 10);
    gwt_expect_in(t, "<table class=\"goodwork-table\">\n<thead>\n");
    gwt_expect_in(t, "<td>&minus;42.71<sup>***</sup></td>");
    gwt_expect_in(t, "</tbody>\n<tfoot>\n");
    gwt_expect_in(t, "</table>\n");
    free(t);
    assert_false(temporary_left());

    /* Usage errors: exit 2, with the reason where one is named. */
    const struct {
        const char *opt, *val, *why;
    } bad[] = {
        {"--out", gwt_tmp_path("table.docx"), "extension"},
        {"--stats", "n,bogus", "unknown statistic 'bogus'"},
        {"--stars", "0.1,2", ""},
        {"--se", "--ci", ""},
        {"--add-row", "no colon", ""},
        {"--keep", "nothing_matches", ""},
        {"--digits", "0", ""},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        r = gwt_run_cli("table", path, bad[k].opt, bad[k].val, NULL);
        assert_int_equal(r.exit_code, 2);
        gwt_expect_in(r.err, bad[k].why);
        gwt_run_free(&r);
    }
}

/* One default for the stars of every command: synergy's legend is the table's, and synergy
 * takes --stars too (the pooled correlations of the bundled panel have p-values near 0). */
static void test_synergy_stars_same_default(void **state)
{
    (void)state;
    const char *data = gwt_source_path("datasets/uk_la_panel.csv");
    gwt_run_result r = gwt_run_cli("synergy", "--data", data, "--vars", "emp_rate,life_sat",
                                   "--time", "year", NULL);
    assert_int_equal(r.exit_code, 0);
    gwt_expect_in(r.out, "Signif. codes: *** p<0.01, ** p<0.05, * p<0.1 (t test of r = 0)\n");
    gwt_expect_in(r.out, "***");
    gwt_run_free(&r);
    r = gwt_run_cli("synergy", "--data", data, "--vars", "emp_rate,life_sat", "--time", "year",
                    "--stars", "0.5", NULL);
    assert_int_equal(r.exit_code, 0);
    gwt_expect_in(r.out, "Signif. codes: * p<0.5");
    assert_null(strstr(r.out, "**"));
    gwt_run_free(&r);
    r = gwt_run_cli("synergy", "--data", data, "--vars", "emp_rate,life_sat", "--time", "year",
                    "--stars", "none", NULL);
    assert_int_equal(r.exit_code, 0);
    assert_null(strstr(r.out, "*"));
    gwt_run_free(&r);
    r = gwt_run_cli("synergy", "--data", data, "--vars", "emp_rate,life_sat", "--time", "year",
                    "--stars", "0.1,x", NULL);
    assert_int_equal(r.exit_code, 2);
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
    r = gwt_run_cli("table", gwt_tmp_path("missing.h5"), NULL);
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
    gwt_expect_in(r.out, "usage: goodwork convert");
    gwt_run_free(&r);
}

/* CSV -> HDF5 (goodwork convert) -> fit gives the same bits as the fit of the CSV; and
 * HDF5 -> CSV gives back the same table. */
static void test_convert_then_fit_bit_identical(void **state)
{
    (void)state;
    const char *csv = gwt_source_path("datasets/grunfeld.csv");
    const char *h5 = gwt_tmp_path("grunfeld.h5"), *csv2 = gwt_tmp_path("grunfeld2.csv");
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
        cmocka_unit_test(test_table_cli_options),
        cmocka_unit_test(test_table_cli_out_and_formats),
        cmocka_unit_test(test_synergy_stars_same_default),
        cmocka_unit_test(test_convert_then_fit_bit_identical),
    };
    return cmocka_run_group_tests_name("table_cli", tests, NULL, NULL);
}
