/* test_fit_stream.c -- out-of-core fits behind the library's front door (api/gw_fit.h:
 * gw_fit_opts.memory_limit and scratch, gw_fit_stream, gw_fit_stream_check): a table larger
 * than the limit is streamed and gives R's numbers (and the in-core fit's), a scratch directory
 * changes no byte, a table within the limit is fitted in core, and every refusal of the
 * out-of-core path is a status with the command line's message, before anything is fitted. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gw_alloc.h"
#include "gw_fit.h"
#include "gw_h5source.h"
#include "gw_hdf5.h"
#include "gw_load.h"
#include "gw_test.h"

#define GRUNFELD "datasets/grunfeld.csv"
#define TINY 1024.0 /* bytes: every table here exceeds it */

static char h5[4096];

/* Grunfeld as an HDF5 table (200 rows), written once. */
static int setup(void **state)
{
    (void)state;
    gw_table *t = NULL;
    snprintf(h5, sizeof h5, "%s", gwt_write_file("grunfeld_stream.h5", ""));
    if (gw_data_load(gwt_source_path(GRUNFELD), NULL, &t) != GW_OK ||
        gw_h5_table_write(t, h5, NULL) != GW_OK)
        return -1;
    gw_table_free(t);
    return 0;
}

/* a and b agree to rtol in every estimate, standard error and vcov entry. */
static void assert_near_result(const gw_result *a, const gw_result *b, double rtol)
{
    assert_int_equal(a->k, b->k);
    assert_int_equal(a->nobs, b->nobs);
    for (size_t j = 0; j < a->k; j++) {
        assert_string_equal(a->terms[j], b->terms[j]);
        gw_assert_close(a->estimate[j], b->estimate[j], rtol, 0.0);
        gw_assert_close(a->std_error[j], b->std_error[j], rtol, 0.0);
    }
}

/* R 4.2.2 lm + sandwich::vcovCL (datasets/generated/grunfeld_ref.csv, model m1), streamed:
 * the numbers of `goodwork fit --memory-limit 1K` (tests/cli/test_stream_cli.c compares that
 * with the in-core fit), with the labels the command line prints. */
static void test_fit_file_streamed_matches_r(void **state)
{
    (void)state;
    gw_fit_opts o = {.vcov = "cluster:firm", .memory_limit = TINY};
    gw_result *r = NULL;
    gw_fit_timings tm;
    if (gw_fit_file(h5, "inv ~ value + capital", &o, &r, &tm) != GW_OK)
        fail_msg("%s", gw_last_error());
    assert_int_equal(tm.streamed, 1);
    assert_int_equal(tm.scratch_failed, 0);
    assert_true(tm.read == 0.0 && tm.frame == 0.0 && tm.estimate > 0.0);
    assert_string_equal(r->solver, "stream-tsqr");
    gwt_assert_grunfeld_m1(r, "cluster:firm");
    gw_result_free(r);
}

/* Within (two sets, tight demeaning), weighted OLS with HC1 and Poisson with a fixed effect:
 * streamed as the in-core fit. A scratch directory changes no byte and leaves no file. */
static void test_fit_file_streamed_as_in_core(void **state)
{
    (void)state;
    static const struct {
        const char *formula;
        gw_fit_opts o;
    } cases[] = {
        {"inv ~ value + capital | firm + year",
         {.vcov = "cluster:firm", .ssc = GW_SSC_STATA, .fe_tol = 1e-14}},
        {"inv ~ value + capital", {.vcov = "hc1", .weights = "capital"}},
        {"inv ~ value + capital | firm", {.estimator = "poisson", .tol = 1e-13, .fe_tol = 1e-14}},
    };
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/fit_stream_scratch", gwt_tmpdir());
    mkdir(dir, 0700);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        gw_fit_opts o = cases[k].o;
        gw_result *core = NULL, *s1 = NULL, *s2 = NULL;
        gw_fit_timings tm;
        if (gw_fit_file(h5, cases[k].formula, &o, &core, &tm) != GW_OK)
            fail_msg("case %zu in core: %s", k, gw_last_error());
        assert_int_equal(tm.streamed, 0);
        o.memory_limit = TINY;
        if (gw_fit_file(h5, cases[k].formula, &o, &s1, &tm) != GW_OK)
            fail_msg("case %zu streamed: %s", k, gw_last_error());
        assert_int_equal(tm.streamed, 1);
        o.scratch = dir;
        if (gw_fit_file(h5, cases[k].formula, &o, &s2, NULL) != GW_OK)
            fail_msg("case %zu with scratch: %s", k, gw_last_error());
        assert_near_result(s1, core, 1e-9);
        gwt_assert_same_result(s1, s2);
        assert_string_equal(s1->estimator, core->estimator);
        gw_result_free(core);
        gw_result_free(s1);
        gw_result_free(s2);
    }
    assert_int_equal(rmdir(dir), 0); /* empty: the scratch file never had a name there */
}

/* A table within the limit, and a CSV within it: the in-core fit, the same bytes. */
static void test_fit_file_within_limit_in_core(void **state)
{
    (void)state;
    gw_fit_opts o = {.vcov = "hc1"}, lim = {.vcov = "hc1", .memory_limit = 1e9};
    gw_result *a = NULL, *b = NULL, *c = NULL;
    gw_fit_timings tm;
    assert_int_equal(gw_fit_file(h5, "inv ~ value + capital | firm", &o, &a, NULL), GW_OK);
    assert_int_equal(gw_fit_file(h5, "inv ~ value + capital | firm", &lim, &b, &tm), GW_OK);
    assert_int_equal(tm.streamed, 0);
    assert_int_equal(
        gw_fit_file(gwt_source_path(GRUNFELD), "inv ~ value + capital | firm", &lim, &c, &tm),
        GW_OK);
    assert_int_equal(tm.streamed, 0);
    gwt_assert_same_result(a, b);
    gwt_assert_same_result(a, c);
    gw_result_free(a);
    gw_result_free(b);
    gw_result_free(c);
}

/* Every refusal: a status, the command line's message, no result. */
static void test_fit_file_stream_errors(void **state)
{
    (void)state;
    static const struct {
        const char *formula;
        gw_fit_opts o;
        int csv, streamed;
        gw_status want;
        const char *msg;
    } cases[] = {
        {"inv ~ value", {.memory_limit = -1.0}, 0, 0, GW_EINVAL, "bad --memory-limit"},
        {"inv ~ value", {.memory_limit = NAN}, 0, 0, GW_EINVAL, "bad --memory-limit"},
        {"inv ~ value",
         {.memory_limit = TINY, .scratch = "/nonexistent/dir"},
         0,
         0,
         GW_EINVAL,
         "--scratch '/nonexistent/dir' is not a directory"},
        {"inv ~ value",
         {.memory_limit = 10.0},
         1,
         0,
         GW_EUNSUPPORTED,
         "more than --memory-limit 10; CSV files are not streamed: convert it first (goodwork "
         "convert"},
        {"inv ~ value",
         {.memory_limit = 10.0, .memory_limit_text = "10B"},
         1,
         0,
         GW_EUNSUPPORTED,
         "more than --memory-limit 10B;"},
        {"inv ~ value",
         {.memory_limit = TINY, .estimator = "re", .panel_id = "firm", .panel_time = "year"},
         0,
         1,
         GW_EUNSUPPORTED,
         "--estimator re (ols, poisson, logit and probit can) cannot run out of core; raise "
         "--memory-limit"},
        {"inv ~ value",
         {.memory_limit = TINY, .estimator = "poisson"},
         0,
         1,
         GW_EUNSUPPORTED,
         "--estimator poisson without absorbed fixed effects cannot run out of core"},
        {"inv ~ value | firm",
         {.memory_limit = TINY, .estimator = "logit", .flags = GW_FIT_AME},
         0,
         1,
         GW_EUNSUPPORTED,
         "--ame (average marginal effects) cannot run out of core"},
        {"inv ~ capital | value ~ year",
         {.memory_limit = TINY},
         0,
         1,
         GW_EUNSUPPORTED,
         "instrumental variables cannot run out of core; raise --memory-limit"},
        {"inv ~ value",
         {.memory_limit = TINY, .panel_id = "firm", .panel_time = "year"},
         0,
         1,
         GW_EUNSUPPORTED,
         "--panel cannot be used out of core; raise --memory-limit"},
        {"inv ~ value",
         {.memory_limit = TINY, .flags = GW_FIT_KEEP_RESIDUALS},
         0,
         1,
         GW_EUNSUPPORTED,
         "--save-residuals cannot be used out of core"},
        {"inv ~ value | firm + year",
         {.memory_limit = TINY, .vcov = "hc3"},
         0,
         1,
         GW_EUNSUPPORTED,
         "--vcov hc3 with two or more absorbed fixed effects is not available (use hc1 or "
         "cluster)"},
        {"inv ~ value | firm + year + capital",
         {.memory_limit = TINY, .vcov = "cluster:firm+year"},
         0,
         1,
         GW_EUNSUPPORTED,
         "too many fixed effects and cluster variables for an out-of-core fit"},
        {"inv ~ nosuch", {.memory_limit = TINY}, 0, 1, GW_ENOVAR, "nosuch"},
        {"inv ~ year | year",
         {.memory_limit = TINY},
         0,
         1,
         GW_ERANK,
         "no estimable coefficient: every regressor is exactly collinear"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        gw_result *r = (gw_result *)&r; /* not NULL: the call must clear it */
        gw_fit_timings tm;
        const char *path = cases[k].csv ? gwt_source_path(GRUNFELD) : h5;
        gw_status s = gw_fit_file(path, cases[k].formula, &cases[k].o, &r, &tm);
        if (s != cases[k].want || strstr(gw_last_error(), cases[k].msg) == NULL)
            fail_msg("case %zu: status %d (%s), expected %d with '%s'", k, (int)s, gw_last_error(),
                     (int)cases[k].want, cases[k].msg);
        assert_null(r);
        assert_int_equal(tm.streamed, cases[k].streamed);
        assert_int_equal(tm.scratch_failed, 0);
    }
}

/* gw_fit_stream over the HDF5 source: the bytes of gw_fit_file's streamed fit (after the
 * labels); gw_fit_stream_check's reasons; NULL arguments. */
static void test_fit_stream_source(void **state)
{
    (void)state;
    const char *model = "inv ~ value + capital | firm";
    gw_fit_opts o = {.estimator = "poisson", .vcov = "cluster:firm", .memory_limit = TINY};
    gw_fit_prep p;
    gw_formula *f = NULL;
    gw_h5source *hs = NULL;
    gw_stream_source src;
    gw_result *a = NULL, *b = NULL;
    assert_int_equal(gw_fit_prepare(&o, &p), GW_OK);
    assert_int_equal(gw_formula_parse(model, &f), GW_OK);
    assert_int_equal(gw_fit_stream_check(f, &o), GW_OK);
    assert_int_equal(gw_h5source_open(h5, NULL, f, &p.frame, 0, NULL, NULL, &hs, &src), GW_OK);
    assert_int_equal(gw_fit_stream(&src, &p, NULL, &a), GW_OK);
    assert_int_equal(gw_fit_label(a, model, &o), GW_OK);
    assert_int_equal(gw_fit_file(h5, model, &o, &b, NULL), GW_OK);
    gwt_assert_same_result(a, b);
    assert_string_equal(a->estimator, "poisson");
    gw_result_free(a);
    gw_result_free(b);
    gw_h5source_close(hs);

    o.flags = GW_FIT_AME;
    o.estimator = "logit";
    assert_int_equal(gw_fit_stream_check(f, &o), GW_EUNSUPPORTED);
    assert_string_equal(gw_last_error(), "--ame (average marginal effects)");
    o.estimator = "between";
    assert_int_equal(gw_fit_stream_check(f, &o), GW_EUNSUPPORTED);
    assert_string_equal(gw_last_error(),
                        "--estimator between (ols, poisson, logit and probit can)");
    assert_int_equal(gw_fit_stream_check(f, NULL), GW_OK);
    assert_int_equal(gw_fit_stream_check(NULL, &o), GW_EINVAL);
    gw_formula_free(f);
    /* poly() (over all the rows used at once) and i() (reference levels) do not stream. */
    static const char *const calls[] = {"inv ~ poly(value, 2)", "inv ~ i(year, ref = 1940)",
                                        "inv ~ factor(year, ref = 1940)"};
    for (size_t c = 0; c < 3; c++) {
        assert_int_equal(gw_formula_parse(calls[c], &f), GW_OK);
        assert_int_equal(gw_fit_stream_check(f, NULL), GW_EUNSUPPORTED);
        assert_non_null(strstr(gw_last_error(), "the term "));
        gw_formula_free(f);
    }

    a = (gw_result *)&a;
    assert_int_equal(gw_fit_stream(NULL, &p, NULL, &a), GW_EINVAL);
    assert_null(a);
    assert_true(gw_last_error()[0] != '\0');
    assert_int_equal(gw_fit_stream(&src, &p, NULL, NULL), GW_EINVAL);
    gw_fit_prep_clear(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fit_file_streamed_matches_r),
        cmocka_unit_test(test_fit_file_streamed_as_in_core),
        cmocka_unit_test(test_fit_file_within_limit_in_core),
        cmocka_unit_test(test_fit_file_stream_errors),
        cmocka_unit_test(test_fit_stream_source),
    };
    return cmocka_run_group_tests_name("fit_stream", tests, setup, NULL);
}
