/* test_coefplot.c -- goodwork plot coef / event (pipeline/gw_coefplot.h): well-formed SVG with
 * the expected number of points and intervals, atomic files, and the command's errors. */
#include "gw_test.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw_alloc.h"
#include "gw_coefplot.h"
#include "gw_hdf5.h"
#include "gw_plot.h"

static size_t count(const char *s, const char *needle)
{
    size_t c = 0;
    for (const char *p = s; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        c++;
    return c;
}

/* Well-formed enough for a browser: the XML prolog, one <svg> root closed at the end, and
 * every element either self-closed or closed (counted for the elements cairo writes). */
static void check_svg(const char *s)
{
    assert_true(strncmp(s, "<?xml", 5) == 0);
    assert_int_equal(count(s, "<svg"), 1);
    assert_non_null(strstr(s, "</svg>"));
    assert_int_equal(count(s, "<g") - count(s, "<g/>"), count(s, "</g>"));
    const char *t[] = {"<symbol", "<defs"};
    char close[32];
    for (size_t i = 0; i < 2; i++) {
        snprintf(close, sizeof close, "</%s>", t[i] + 1);
        assert_int_equal(count(s, t[i]), count(s, close));
    }
}

/* Filled circles and interval strokes in cairo's style for the colour of series m (tab10). */
static const char *const fills[] = {"fill:rgb(12%,47%,71%)", "fill:rgb(100%,50%,5%)"};
static const char *const strokes[] = {"stroke-width:2;stroke-linecap:butt;stroke-linejoin:miter;"
                                      "stroke:rgb(12%,47%,71%)",
                                      "stroke-width:2;stroke-linecap:butt;stroke-linejoin:miter;"
                                      "stroke:rgb(100%,50%,5%)"};

/* A model with terms[k], estimates b and standard errors se (t with 100 df). */
static gw_result *model(size_t k, const char *const *terms, const double *b, const double *se)
{
    gw_result *r = NULL;
    assert_int_equal(gw_result_new(k, &r), GW_OK);
    gw_result_set_str(&r->response, "y");
    gw_result_set_str(&r->estimator, "ols");
    gw_result_set_str(&r->vcov_type, "iid");
    gw_result_set_str(&r->formula, "y ~ x");
    r->nobs = 102;
    r->df_resid = r->df_inference = 100;
    r->stat_is_z = 0;
    for (size_t j = 0; j < k; j++) {
        gw_result_set_str(&r->terms[j], terms[j]);
        r->estimate[j] = b[j];
        r->std_error[j] = se[j];
        r->ci_low[j] = b[j] - 1.98 * se[j];
        r->ci_high[j] = b[j] + 1.98 * se[j];
        r->p_value[j] = 0.5;
    }
    return r;
}

static void test_coefplot_models_side_by_side(void **state)
{
    (void)state;
    const char *t1[] = {"(Intercept)", "a", "b"}, *t2[] = {"(Intercept)", "b", "c", "d"};
    const double b1[] = {10, 1, 2}, s1[] = {1, 0.1, 0.2}, b2[] = {9, 1.5, -1, 0.5},
                 s2[] = {1, 0.1, 0.2, 0.3};
    gw_result *m[2] = {model(3, t1, b1, s1), model(4, t2, b2, s2)};
    const char *names[] = {"first", "second"};
    const char *path = gwt_tmp_path("coef.svg");
    assert_int_equal(gw_coefplot_write((const gw_result *const *)m, names, 2, NULL, path), GW_OK);
    char *s = gwt_read_file_or_fail(path, NULL);
    check_svg(s);
    /* Intercept dropped: model 1 draws a, b (+ its legend dot); model 2 b, c, d (+ legend). */
    assert_int_equal(count(s, fills[0]), 2 + 1);
    assert_int_equal(count(s, fills[1]), 3 + 1);
    assert_int_equal(count(s, strokes[0]), 2);
    assert_int_equal(count(s, strokes[1]), 3);
    free(s);

    gw_coefplot_opts o = {"^(a|c)$", 0.9, 1, "T"};
    assert_int_equal(gw_coefplot_write((const gw_result *const *)m, names, 2, &o, path), GW_OK);
    s = gwt_read_file_or_fail(path, NULL);
    check_svg(s);
    assert_int_equal(count(s, fills[0]), 1 + 1);
    assert_int_equal(count(s, fills[1]), 1 + 1);
    free(s);
    o.keep = "(Intercept)"; /* by name (an invalid expression would match by name only) */
    assert_int_equal(gw_coefplot_write((const gw_result *const *)m, names, 2, &o, path), GW_OK);
    o.keep = "zzz";
    assert_int_equal(gw_coefplot_write((const gw_result *const *)m, names, 2, &o, path), GW_EINVAL);
    o.keep = NULL;
    o.level = 1.5;
    assert_int_equal(gw_coefplot_write((const gw_result *const *)m, names, 2, &o, path), GW_EINVAL);
    assert_int_equal(gw_coefplot_write((const gw_result *const *)m, names, 2, NULL,
                                       gwt_tmp_path("no/such/dir.svg")),
                     GW_EIO);
    gw_result_free(m[0]);
    gw_result_free(m[1]);
}

/* An event study as i(year, ref = 2015) names its terms: year::2012 .. year::2019 without 2015,
 * plus a control. */
static gw_result *event_model(void)
{
    const char *t[] = {"year::2012", "year::2013", "year::2014", "year::2016",
                       "year::2017", "year::2018", "year::2019", "x"};
    const double b[] = {0.1, -0.05, 0.02, 0.5, 0.7, 0.8, 0.9, 3},
                 se[] = {.1, .1, .1, .1, .1, .1, .1, .1};
    return model(8, t, b, se);
}

static void test_eventplot(void **state)
{
    (void)state;
    gw_result *m = event_model();
    const char *path = gwt_tmp_path("event.svg");
    assert_int_equal(gw_eventplot_write(m, "es", NULL, path), GW_OK);
    char *s = gwt_read_file_or_fail(path, NULL);
    check_svg(s);
    /* 7 event terms (x is not one), each a dot and a vertical interval; the inferred reference
     * 2015 a dashed line and a hollow circle. */
    assert_int_equal(count(s, fills[0]), 7);
    assert_int_equal(count(s, strokes[0]), 7);
    assert_int_equal(count(s, "stroke-dasharray"), 1);
    free(s);
    double ref[2] = {2015, 2011};
    gw_eventplot_opts o = {.var = "year", .ref = ref, .nref = 2, .level = 0.9};
    assert_int_equal(gw_eventplot_write(m, "es", &o, path), GW_OK);
    s = gwt_read_file_or_fail(path, NULL);
    assert_int_equal(count(s, "stroke-dasharray"), 2);
    free(s);
    o.var = "age";
    assert_int_equal(gw_eventplot_write(m, "es", &o, path), GW_EINVAL);
    assert_non_null(strstr(gw_last_error(), "age::LEVEL"));
    gw_result_free(m);
}

/* The x of each reference line (cairo's dashed "M X T L X B" paths) into x[0..max), their count
 * returned. */
static size_t dashed_x(const char *s, double *x, size_t max)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, "stroke-dasharray")) != NULL && n < max; p++) {
        const char *d = strstr(p, "d=\"M ");
        assert_non_null(d);
        x[n++] = strtod(d + 4, NULL);
    }
    return n;
}

/* Where plot_event puts level v on an axis of levels lo..hi: 70 px of left margin, 620 px of
 * plot, half a period of margin on each side (pipeline/plot.c). */
static double event_x(double v, double lo, double hi)
{
    return 70.0 + (v - (lo - 0.5)) / (hi - lo + 1.0) * 620.0;
}

/* i(year, treated, ref = c(2013, 2016)) names its terms year::LEVEL:treated; the references
 * come from the stored i_ref (two gaps: the guess alone would mark none), other variables' and
 * malformed stored references are ignored, and ref overrides them. */
static void test_eventplot_stored_ref(void **state)
{
    (void)state;
    const char *t[] = {"year::2012:treated", "year::2014:treated", "year::2015:treated",
                       "year::2017:treated", "x"};
    const double b[] = {0.1, 0.2, 0.3, 0.4, 3}, se[] = {.1, .1, .1, .1, .1};
    gw_result *m = model(5, t, b, se);
    const char *path = gwt_tmp_path("event_by.svg");
    const char *stored[] = {"nation::1", "year::2013", "year::x", "year::2016"};
    gw_eventplot_opts o = {.stored_ref = stored, .nstored_ref = 4};
    assert_int_equal(gw_eventplot_write(m, "es", &o, path), GW_OK);
    char *s = gwt_read_file_or_fail(path, NULL);
    check_svg(s);
    assert_int_equal(count(s, fills[0]), 4);
    double x[4];
    assert_int_equal(dashed_x(s, x, 4), 2);
    assert_float_equal(x[0], event_x(2013, 2012, 2017), 0.01);
    assert_float_equal(x[1], event_x(2016, 2012, 2017), 0.01);
    free(s);
    double ref = 2018;
    o.ref = &ref;
    o.nref = 1;
    assert_int_equal(gw_eventplot_write(m, "es", &o, path), GW_OK);
    s = gwt_read_file_or_fail(path, NULL);
    assert_int_equal(dashed_x(s, x, 4), 1);
    assert_float_equal(x[0], event_x(2018, 2012, 2018), 0.01);
    free(s);
    /* Without stored references of year, the guess: none here (two levels are missing). */
    o = (gw_eventplot_opts){.stored_ref = stored, .nstored_ref = 1};
    assert_int_equal(gw_eventplot_write(m, "es", &o, path), GW_OK);
    s = gwt_read_file_or_fail(path, NULL);
    assert_int_equal(count(s, "stroke-dasharray"), 0);
    free(s);
    gw_result_free(m);
}

/* A real fit: i(year, ai_exposure, ref = ...) on the bundled panel stores i_ref, and plot event
 * marks those years without --ref; --ref overrides them. */
static void test_plot_event_from_fit(void **state)
{
    (void)state;
    char res[1024], data[1024];
    snprintf(res, sizeof res, "%s", gwt_tmp_path("event_fit.h5"));
    snprintf(data, sizeof data, "%s", gwt_source_path("datasets/uk_la_panel.csv"));
    const char *svg = gwt_tmp_path("event_fit.svg");
    unlink(res);
    const char *fit1[] = {"fit",
                          "--data",
                          data,
                          "--model",
                          "emp_rate ~ i(year, ai_exposure, ref = 2015) | la_id + year",
                          "--out",
                          res,
                          "--name",
                          "one",
                          "--quiet",
                          NULL};
    gwt_run_result r = gwt_run_cli_argv(fit1);
    if (r.exit_code != 0)
        fail_msg("exit %d: %s", r.exit_code, r.err);
    gwt_run_free(&r);
    const char *fit2[] = {
        "fit",   "--data", data,     "--model", "emp_rate ~ i(year, ref = c(2012, 2019)) | la_id",
        "--out", res,      "--name", "two",     "--quiet",
        NULL};
    r = gwt_run_cli_argv(fit2);
    assert_int_equal(r.exit_code, 0);
    gwt_run_free(&r);
    const struct {
        const char *name, *ref;
        size_t n;
        double x[2];
    } cases[] = {
        {"one", NULL, 1, {2015}}, {"two", NULL, 2, {2012, 2019}}, {"one", "2020", 1, {2020}}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *a[] = {"plot",       "event",  "--results",
                           res,          "--name", cases[i].name,
                           "--out",      svg,      cases[i].ref ? "--ref" : NULL,
                           cases[i].ref, NULL};
        r = gwt_run_cli_argv(a);
        if (r.exit_code != 0)
            fail_msg("case %zu: exit %d: %s", i, r.exit_code, r.err);
        gwt_run_free(&r);
        char *s = gwt_read_file_or_fail(svg, NULL);
        check_svg(s);
        /* 2010..2024 less the references: one point per year left. */
        assert_int_equal(count(s, fills[0]), 15 - (cases[i].ref ? 1 : cases[i].n));
        double x[4];
        assert_int_equal(dashed_x(s, x, 4), cases[i].n);
        for (size_t k = 0; k < cases[i].n; k++)
            assert_float_equal(x[k], event_x(cases[i].x[k], 2010, 2024), 0.01);
        free(s);
    }
    unlink(res);
}

/* The command on a results file: goodwork plot coef / event, and its usage errors. */
static void test_plot_cli(void **state)
{
    (void)state;
    const char *res = gwt_tmp_path("plots.h5"), *svg = gwt_tmp_path("cli.svg");
    unlink(res);
    gw_provenance prov = {"0.1.0",
                          NULL,
                          "test_coefplot",
                          "0000000000000000000000000000000000000000000000000000000000000000",
                          "OpenBLAS, 1 thread",
                          0,
                          0};
    gw_result *m = event_model();
    assert_int_equal(gw_results_append(res, "es", m, &prov), GW_OK);
    gw_result_free(m);
    gwt_run_result r = gwt_run_cli("plot", "event", "--results", res, "--name", "es", "--out", svg,
                                   "--ref", "2015", NULL);
    if (r.exit_code != 0)
        fail_msg("exit %d: %s", r.exit_code, r.err);
    gwt_run_free(&r);
    char *s = gwt_read_file_or_fail(svg, NULL);
    check_svg(s);
    assert_int_equal(count(s, fills[0]), 7);
    free(s);
    r = gwt_run_cli("plot", "coef", "--results", res, "--keep", "^year::201[2-4]$", "--out", svg,
                    NULL);
    assert_int_equal(r.exit_code, 0);
    gwt_run_free(&r);
    s = gwt_read_file_or_fail(svg, NULL);
    assert_int_equal(count(s, fills[0]), 3 + 1);
    free(s);
    /* No temporary left beside the outputs. */
    DIR *d = opendir(gwt_tmpdir());
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL)
        assert_null(strstr(e->d_name, ".tmp."));
    if (d != NULL)
        closedir(d);

    const struct {
        int code;
        const char *a[10];
    } bad[] = {{2, {"plot", "bar", NULL}},
               {2, {"plot", "coef", "--results", res, NULL}},
               {2, {"plot", "event", "--results", res, NULL}},
               {2, {"plot", "coef", "--results", res, "--out", svg, "--level", "x", NULL}},
               {2, {"plot", "coef", "--results", res, "--out", svg, "--keep", "zzz", NULL}},
               {2, {"plot", "event", "--results", res, "--name", "es", "--var", "age", NULL}},
               {2, {"plot", "event", "--results", res, "--name", "nope", NULL}},
               {3, {"plot", "coef", "--results", gwt_tmp_path("missing.h5"), "--out", svg, NULL}},
               {1, {"plot", "coef", "--results", res, "--out", gwt_tmp_path("no/dir.svg"), NULL}}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *const *a = bad[i].a;
        r = gwt_run_cli(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]);
        if (r.exit_code != bad[i].code || strncmp(r.err, "goodwork: error: ", 17) != 0)
            fail_msg("case %zu: exit %d, stderr '%s'", i, r.exit_code, r.err);
        gwt_run_free(&r);
    }
    r = gwt_run_cli("plot", "--help", NULL);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "goodwork plot coef"));
    gwt_run_free(&r);
    r = gwt_run_cli("--help", NULL);
    assert_non_null(strstr(r.out, "  plot "));
    gwt_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_coefplot_models_side_by_side),
        cmocka_unit_test(test_eventplot),
        cmocka_unit_test(test_eventplot_stored_ref),
        cmocka_unit_test(test_plot_event_from_fit),
        cmocka_unit_test(test_plot_cli),
    };
    int rc = cmocka_run_group_tests_name("coefplot", tests, NULL, NULL);
    plot_shutdown();
    return rc;
}
