/* test_convert_cli.c -- goodwork convert: integer columns and --factor.
 *
 * A CSV with integer ids is converted twice, plainly (the ids become int32 numeric datasets)
 * and with --factor (the ids become categorical codes whose levels are the sorted values);
 * `goodwork fit` must print the same JSON from the CSV and from both HDF5 files for models that
 * use the ids as fixed effects, clusters and factor() terms: the frame numbers the groups of a
 * numeric column by sorted value and those of a categorical column by level order, which
 * --factor makes the same. Also: usage errors of --factor exit 2 with one clear line and leave
 * no output file; the help text documents --factor. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gsl/gsl_errno.h>

#include "gw_test.h"

static char csv_path[4096], num_path[4096], fac_path[4096];

/* A deterministic CSV of n rows: y, x, id a (37 groups, values 10, 20, ..., some negative),
 * b (non-integer levels 0.5, 1.5, ... with a few missing), cluster cl (12 groups), z (an
 * integer that the fits use as a number). */
static void write_csv(const char *path, size_t n)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("y,x,a,b,cl,z\n", f);
    gwt_rng rng = {0xC0FFEEu};
    for (size_t i = 0; i < n; i++) {
        long a = (long)(gwt_rng_next(&rng) % 37) * 10 - 100;
        unsigned b = (unsigned)(gwt_rng_next(&rng) % 9);
        long cl = (long)(gwt_rng_next(&rng) % 12);
        long z = (long)(gwt_rng_next(&rng) % 5);
        double x = gwt_rng_norm(&rng);
        double y =
            0.5 * x + 0.01 * (double)a + 0.3 * (double)b + 0.2 * (double)z + gwt_rng_norm(&rng);
        if (i % 101 == 7)
            fprintf(f, "%.17g,%.17g,%ld,,%ld,%ld\n", y, x, a, cl, z);
        else
            fprintf(f, "%.17g,%.17g,%ld,%u.5,%ld,%ld\n", y, x, a, b, cl, z);
    }
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    gsl_set_error_handler_off();
    snprintf(csv_path, sizeof csv_path, "%s/conv.csv", gwt_tmpdir());
    snprintf(num_path, sizeof num_path, "%s/conv_num.h5", gwt_tmpdir());
    snprintf(fac_path, sizeof fac_path, "%s/conv_fac.h5", gwt_tmpdir());
    write_csv(csv_path, 3000);
    gwt_run_result r = gwt_run_cli("convert", csv_path, num_path, NULL);
    if (r.exit_code != 0)
        fail_msg("convert: exit %d, %s", r.exit_code, r.err);
    gwt_run_free(&r);
    r = gwt_run_cli("convert", csv_path, fac_path, "--factor", "a,b,cl", NULL);
    if (r.exit_code != 0)
        fail_msg("convert --factor: exit %d, %s", r.exit_code, r.err);
    gwt_run_free(&r);
    return 0;
}

/* The fit's stdout for data file `data`, failing unless it exits 0 with an empty stderr. */
static char *fit_json(const char *data, const char *model, const char *vcov)
{
    gwt_run_result r = gwt_run_cli("fit", "--data", data, "--model", model, "--vcov", vcov,
                                   "--format", "json", NULL);
    if (r.exit_code != 0 || r.err[0] != '\0')
        fail_msg("fit %s on %s: exit %d, %s", model, data, r.exit_code, r.err);
    char *out = r.out;
    r.out = NULL;
    gwt_run_free(&r);
    return out;
}

/* The same JSON, byte for byte, from the CSV, the numeric table and the factor table. */
static void test_convert_factor_fits_identical(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"y ~ x + z | a + b", "cluster:cl"},
        {"y ~ x + factor(a)", "hc1"},
        {"y ~ x + factor(b) | cl", "cluster:a"},
        {"y ~ x | a", "cluster:cl+b"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char *ref = fit_json(csv_path, cases[c][0], cases[c][1]);
        char *num = fit_json(num_path, cases[c][0], cases[c][1]);
        char *fac = fit_json(fac_path, cases[c][0], cases[c][1]);
        if (strcmp(ref, num) != 0)
            fail_msg("%s: CSV and int-column HDF5 differ:\n%s\n%s", cases[c][0], ref, num);
        if (strcmp(ref, fac) != 0)
            fail_msg("%s: numeric and --factor HDF5 differ:\n%s\n%s", cases[c][0], ref, fac);
        free(ref);
        free(num);
        free(fac);
    }
}

/* The factor table stores a, b, cl as categorical codes with sorted numeric levels; the plain
 * table stores a, cl, z as integer datasets and b (missing values) as float64. */
static void test_convert_layout(void **state)
{
    (void)state;
    gwt_run_result r = gwt_run((const char *const[]){"/usr/bin/h5dump", "-H", num_path, NULL});
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "DATASET \"a\" {\n         DATATYPE  H5T_STD_I32LE"));
    assert_non_null(strstr(r.out, "DATASET \"b\" {\n         DATATYPE  H5T_IEEE_F64LE"));
    assert_non_null(strstr(r.out, "ATTRIBUTE \"kind\""));
    assert_null(strstr(r.out, "ATTRIBUTE \"levels\""));
    gwt_run_free(&r);
    r = gwt_run((const char *const[]){"/usr/bin/h5dump", "-A", "-d", "/data/b", fac_path, NULL});
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "\"0.5\", \"1.5\", \"2.5\""));
    gwt_run_free(&r);
    r = gwt_run((const char *const[]){"/usr/bin/h5dump", "-A", "-d", "/data/a", fac_path, NULL});
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "\"-100\", \"-90\", \"-80\""));
    gwt_run_free(&r);
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Usage errors: exit 2, one line naming the problem, no output file. */
static void test_convert_factor_errors(void **state)
{
    (void)state;
    char out[4200], outcsv[4200];
    snprintf(out, sizeof out, "%s/conv_never.h5", gwt_tmpdir());
    snprintf(outcsv, sizeof outcsv, "%s/conv_never.csv", gwt_tmpdir());
    static const struct {
        const char *list, *needle;
        int csv;
    } cases[] = {
        {"a,nosuch", "'nosuch' is not a column", 0},
        {"a,,b", "column names separated by commas", 0},
        {"a,a", "names 'a' twice", 0},
        {"a", "only when writing HDF5", 1},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const char *dst = cases[c].csv ? outcsv : out;
        const char *src = cases[c].csv ? num_path : csv_path;
        gwt_run_result r = gwt_run_cli("convert", src, dst, "--factor", cases[c].list, NULL);
        if (r.exit_code != 2 || strstr(r.err, cases[c].needle) == NULL ||
            strchr(r.err, '\n') != r.err + strlen(r.err) - 1)
            fail_msg("--factor %s: exit %d, stderr '%s'", cases[c].list, r.exit_code, r.err);
        assert_false(exists(dst));
        gwt_run_free(&r);
    }
    gwt_run_result r = gwt_run_cli("convert", csv_path, out, "--factor", NULL);
    assert_int_equal(r.exit_code, 2);
    gwt_run_free(&r);
    r = gwt_run_cli("convert", "--help", NULL);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "--factor A,B,..."));
    assert_non_null(strstr(r.out, "sorted numerically"));
    gwt_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_convert_factor_fits_identical),
        cmocka_unit_test(test_convert_layout),
        cmocka_unit_test(test_convert_factor_errors),
    };
    return cmocka_run_group_tests_name("convert_cli", tests, setup, NULL);
}
