/* test_predict_poly_cli.c -- goodwork predict with an orthogonal poly() term: new rows get the
 * fit's polynomials, evaluated with the recurrence constants stored with the fit (poly_terms,
 * poly_degree, poly_coefs), as R's predict() does with poly()'s "coefs". Checked against
 * predict(lm(lwage ~ poly(experience, 2) + education), newdata, se.fit = TRUE) on the worker
 * panel to 1e-10 (scripts/ref/predict_poly_ref.R, values below); against the same model with
 * raw powers (the same column space: the same predictions); and a results file without the
 * constants (written before they were stored) is refused with exit 2. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_hdf5.h"
#include "gw_test.h"

/* scripts/ref/predict_poly_ref.R: experience, education, fit, se.fit. */
static const double REF[][4] = {
    {1, 12, 6.1367083004545666, 0.021095644144057228},
    {7.5, 16, 6.6933229196455688, 0.01167524016561366},
    {20, 9, 6.4724214516816145, 0.01238618498345917},
    {45, 14, 6.8019879320156589, 0.026833240314380769},
    {60, 11, 6.1092417627003623, 0.073374543294951772},
    {0, 4, 5.4828023899176097, 0.031706673423709593},
};
#define NREF (sizeof REF / sizeof REF[0])

static char results[4200];

static void fit(const char *name, const char *formula)
{
    const char *data = gwt_source_path("datasets/psid7682.csv");
    gwt_run_result r = gwt_run_cli("fit", "--data", data, "--model", formula, "--out", results,
                                   "--name", name, "--quiet", NULL);
    if (r.exit_code != 0)
        fail_msg("fit %s: exit %d\n%s", name, r.exit_code, r.err);
    gwt_run_free(&r);
}

static const char *new_rows(void)
{
    char csv[512] = "experience,education\n";
    for (size_t i = 0; i < NREF; i++)
        snprintf(csv + strlen(csv), sizeof csv - strlen(csv), "%.17g,%.17g\n", REF[i][0],
                 REF[i][1]);
    return gwt_write_file("poly_new.csv", csv);
}

/* predict --se of model name on the new rows: fit[i] and se[i]. */
static void predict(const char *name, double *fitv, double *se)
{
    gwt_run_result r = gwt_run_cli("predict", "--results", results, "--name", name, "--data",
                                   new_rows(), "--se", NULL);
    if (r.exit_code != 0)
        fail_msg("predict %s: exit %d\n%s", name, r.exit_code, r.err);
    const char *p = strchr(r.out, '\n');
    for (size_t i = 0; i < NREF; i++) {
        assert_non_null(p);
        char *end;
        assert_int_equal(strtoul(p + 1, &end, 10), i + 1);
        fitv[i] = strtod(end + 1, &end);
        se[i] = strtod(end + 1, &end);
        p = strchr(end, '\n');
    }
    gwt_run_free(&r);
}

static void close_to(double got, double want, double tol, const char *what, size_t i)
{
    if (!(fabs(got - want) <= tol * fmax(1.0, fabs(want))))
        fail_msg("%s row %zu: %.17g, expected %.17g", what, i + 1, got, want);
}

static void test_predict_poly_against_r(void **state)
{
    (void)state;
    double f[NREF], s[NREF], fr[NREF], sr[NREF];
    predict("orth", f, s);
    for (size_t i = 0; i < NREF; i++) {
        close_to(f[i], REF[i][2], 1e-10, "fit", i);
        close_to(s[i], REF[i][3], 1e-10, "se", i);
    }
    /* Raw powers span the same columns: the same predictions, from another basis. */
    predict("raw", fr, sr);
    for (size_t i = 0; i < NREF; i++) {
        close_to(fr[i], REF[i][2], 1e-10, "raw fit", i);
        close_to(sr[i], REF[i][3], 1e-10, "raw se", i);
    }
}

/* A model stored without the constants (a file written before they were): exit 2, saying why. */
static void test_predict_poly_without_constants(void **state)
{
    (void)state;
    gw_results *res = NULL;
    gw_result *m = NULL;
    assert_int_equal(gw_results_open(results, &res), GW_OK);
    assert_int_equal(gw_results_get(res, "orth", &m), GW_OK);
    gw_results_close(res);
    assert_int_equal(m->npoly, 1);
    assert_string_equal(m->poly[0].term, "poly(experience,2)");
    gw_poly_coefs_free(m->poly, m->npoly);
    m->poly = NULL;
    m->npoly = 0;
    assert_int_equal(gw_results_append(results, "old", m, NULL), GW_OK);
    gw_result_free(m);
    gwt_run_result r =
        gwt_run_cli("predict", "--results", results, "--name", "old", "--data", new_rows(), NULL);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "poly(experience,2) has no stored constants"));
    gwt_run_free(&r);
}

static int setup(void **state)
{
    (void)state;
    snprintf(results, sizeof results, "%s/poly.h5", gwt_tmpdir());
    remove(results);
    fit("orth", "lwage ~ poly(experience, 2) + education");
    fit("raw", "lwage ~ poly(experience, 2, raw = TRUE) + education");
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_predict_poly_against_r),
        cmocka_unit_test(test_predict_poly_without_constants),
    };
    return cmocka_run_group_tests_name("predict_poly_cli", tests, setup, NULL);
}
