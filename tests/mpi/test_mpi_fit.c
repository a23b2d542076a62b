/* test_mpi_fit.c -- gw_mpi_fit (mpi/gw_mpi.h), a fit distributed over MPI ranks, called by a C
 * program of its own: run by ctest under mpiexec -np 1 when goodwork is built with MPI (the
 * ranks' agreement with P > 1 is tests/cli/test_mpi_cli.c's), it gives R's numbers and the same
 * bytes as the single-process streamed fit (gw_fit_file with a memory limit), and every failure
 * is a status with the command line's message. Built without MPI, gw_mpi_fit is
 * GW_EUNSUPPORTED with a message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_fit.h"
#include "gw_hdf5.h"
#include "gw_load.h"
#include "gw_mpi.h"
#include "gw_test.h"

#ifdef GW_HAVE_MPI
#include <mpi.h>
#endif

static char h5[4096];

/* Grunfeld as an HDF5 table (200 rows), written once. */
static int setup(void **state)
{
    (void)state;
    gw_table *t = NULL;
    snprintf(h5, sizeof h5, "%s", gwt_write_file("grunfeld_mpi.h5", ""));
    if (gw_data_load(gwt_source_path("datasets/grunfeld.csv"), NULL, &t) != GW_OK ||
        gw_h5_table_write(t, h5, NULL) != GW_OK)
        return -1;
    gw_table_free(t);
    return 0;
}

/* gw_mpi_fit of formula with o; fails the test on an error. stats: NULL or filled. */
static gw_result *mpi_fit(const char *formula, const gw_fit_opts *o, gw_mpi_stats *stats)
{
    gw_fit_prep p;
    gw_formula *f = NULL;
    gw_result *r = NULL;
    if (gw_fit_prepare(o, &p) != GW_OK || gw_formula_parse(formula, &f) != GW_OK)
        fail_msg("%s", gw_last_error());
    gw_mpi_opts mo = {h5, NULL, f, &p, SIZE_MAX, NULL, stats};
    gw_status s = gw_mpi_fit(&mo, &r);
    if (s == GW_OK)
        s = gw_fit_label(r, formula, o);
    if (s != GW_OK)
        fail_msg("%s: %s", formula, gw_last_error());
    gw_formula_free(f);
    gw_fit_prep_clear(&p);
    return r;
}

#ifdef GW_HAVE_MPI
/* R 4.2.2 lm + sandwich::vcovCL (datasets/generated/grunfeld_ref.csv, model m1), with the
 * labels the command line prints; and the figures of GW_MPI_STATS. */
static void test_mpi_fit_matches_r(void **state)
{
    (void)state;
    gw_fit_opts o = {.vcov = "cluster:firm"};
    gw_mpi_stats st;
    gw_result *r = mpi_fit("inv ~ value + capital", &o, &st);
    gwt_assert_grunfeld_m1(r, "cluster:firm");
    assert_int_equal(st.nranks, 1);
    assert_int_equal(st.rows, 200);
    assert_int_equal(st.rows_rank, 200);
    assert_int_equal(st.cached, 1);
    assert_int_equal(st.nshown, 1);
    /* One rank: the engine does not call the reducer. */
    assert_true(st.passes >= 1 && st.reductions == 0 && st.bytes_sent == 0 && st.nhist == 0);
    gw_result_free(r);
}

/* The same bytes as the single-process streamed fit, for least squares with two fixed-effect
 * sets, weighted HC1 and Poisson with a fixed effect. */
static void test_mpi_fit_as_streamed(void **state)
{
    (void)state;
    static const struct {
        const char *formula;
        gw_fit_opts o;
    } cases[] = {
        {"inv ~ value + capital | firm + year", {.vcov = "cluster:firm", .ssc = GW_SSC_STATA}},
        {"inv ~ value + capital", {.vcov = "hc1", .weights = "capital"}},
        {"inv ~ value + capital | firm", {.estimator = "poisson"}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        gw_fit_opts o = cases[c].o;
        gw_result *a = mpi_fit(cases[c].formula, &o, NULL), *b = NULL;
        o.memory_limit = 1024.0; /* streamed */
        if (gw_fit_file(h5, cases[c].formula, &o, &b, NULL) != GW_OK)
            fail_msg("%s: %s", cases[c].formula, gw_last_error());
        gwt_assert_same_result(a, b);
        gw_result_free(a);
        gw_result_free(b);
    }
}

/* Failures: a status and the message goodwork fit prints, and no result. */
static void test_mpi_fit_errors(void **state)
{
    (void)state;
    static const struct {
        const char *path, *group, *formula;
        gw_status status;
        const char *msg; /* a part of the message */
    } cases[] = {
        {NULL, NULL, "inv ~ nope + capital", GW_ENOVAR, "nope"},
        {NULL, "/nope", "inv ~ value + capital", GW_EFORMAT, "/nope"},
        {"/nonexistent/x.h5", NULL, "inv ~ value + capital", GW_EIO, "x.h5"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        gw_fit_opts o = {0};
        gw_fit_prep p;
        gw_formula *f = NULL;
        gw_result *r = (gw_result *)&o; /* set to NULL by the failure */
        assert_int_equal(gw_fit_prepare(&o, &p), GW_OK);
        assert_int_equal(gw_formula_parse(cases[c].formula, &f), GW_OK);
        gw_mpi_opts mo = {
            cases[c].path ? cases[c].path : h5, cases[c].group, f, &p, SIZE_MAX, NULL, NULL};
        gw_status s = gw_mpi_fit(&mo, &r);
        if (s != cases[c].status || strstr(gw_last_error(), cases[c].msg) == NULL)
            fail_msg("%s: status %d, '%s'", cases[c].formula, (int)s, gw_last_error());
        assert_null(r);
        gw_formula_free(f);
        gw_fit_prep_clear(&p);
    }
    gw_result *r = NULL;
    assert_int_equal(gw_mpi_fit(NULL, &r), GW_EINVAL);
    assert_non_null(strstr(gw_last_error(), "NULL"));
}
#else
/* Without MPI: GW_EUNSUPPORTED with a message, and no result. */
static void test_mpi_fit_without_mpi(void **state)
{
    (void)state;
    gw_fit_opts o = {0};
    gw_fit_prep p;
    gw_formula *f = NULL;
    gw_result *r = (gw_result *)&o;
    assert_int_equal(gw_fit_prepare(&o, &p), GW_OK);
    assert_int_equal(gw_formula_parse("inv ~ value + capital", &f), GW_OK);
    gw_mpi_opts mo = {h5, NULL, f, &p, SIZE_MAX, NULL, NULL};
    assert_int_equal(gw_mpi_fit(&mo, &r), GW_EUNSUPPORTED);
    assert_non_null(strstr(gw_last_error(), "built without MPI"));
    assert_null(r);
    gw_formula_free(f);
    gw_fit_prep_clear(&p);
}
#endif

int main(int argc, char **argv)
{
#ifdef GW_HAVE_MPI
    /* Before MPI is initialised: refused with a message. */
    gw_result *r = NULL;
    if (gw_mpi_fit(NULL, &r) != GW_EINVAL || strstr(gw_last_error(), "not initialised") == NULL) {
        fprintf(stderr, "gw_mpi_fit before MPI_Init: '%s'\n", gw_last_error());
        return 1;
    }
    /* Not started by mpiexec (the plain ctest entry): no singleton MPI start-up (cli_mpi.h
     * says why); the fits run in the _np1 entry. */
    if (getenv("OMPI_COMM_WORLD_SIZE") == NULL && getenv("PMIX_RANK") == NULL &&
        getenv("PMI_RANK") == NULL)
        return 0;
    int provided = 0;
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mpi_fit_matches_r),
        cmocka_unit_test(test_mpi_fit_as_streamed),
        cmocka_unit_test(test_mpi_fit_errors),
    };
    int rc = cmocka_run_group_tests_name("mpi_fit", tests, setup, NULL);
    MPI_Finalize();
    return rc;
#else
    (void)argc;
    (void)argv;
    (void)mpi_fit;
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_mpi_fit_without_mpi)};
    return cmocka_run_group_tests_name("mpi_fit", tests, setup, NULL);
#endif
}
