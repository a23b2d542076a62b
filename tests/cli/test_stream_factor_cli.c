/* test_stream_factor_cli.c -- factor() terms and categorical regressors in streamed fits
 * (io/gw_h5source.h): `goodwork fit --memory-limit 1K` (out of core, chunks of 65,536 rows) and
 * `mpirun -np 2 goodwork fit` (two ranks) against the in-core fit of the same HDF5 table.
 *
 * The table (NROWS = 140,000 rows: chunks [0, 65536), [65536, 131072), [131072, 140000)) has
 * a categorical `cat` (levels North, South, East, West, Centre, Nowhere: Centre occurs only in
 * the last chunk, Nowhere never), an integer-valued numeric `k` used as factor(k) (levels 1-5
 * everywhere, 8 only in the last chunk, 7 only in rows whose response is missing, so that it
 * is no level), a non-integer numeric `kf` (factor(kf)), a numeric fixed effect `fe` (0..49),
 * weights `w` (some zero), a sparse integer `big` (50 values spread over 5e7) and missing
 * values in y and cat. Every model's term names must be
 * identical and every coefficient and standard error equal to 1e-12 relative (the in-core fit
 * solves by Cholesky, the streamed one by TSQR: the data are well conditioned so that both are
 * accurate to about 1e-14); nobs and the dropped counts exactly.
 *
 * The distributed fits run when goodwork was built with MPI (the build then defines GW_MPIEXEC;
 * otherwise they are skipped with a message). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_alloc.h"
#include "gw_hdf5.h"
#include "gw_table.h"
#include "gw_test.h"

#define NROWS 140000
#define LAST_CHUNK 131072
#define RTOL 1e-12

static char data_path[4096];
static char mpiexec[4096];

static char **names(const char *const *src, size_t n)
{
    char **v = gw_alloc_array(n, sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < n; i++)
        assert_non_null(v[i] = gw_strdup(src[i]));
    return v;
}

static int make_data(void **state)
{
    (void)state;
    static const char *const cat_levels[] = {"North", "South", "East", "West", "Centre", "Nowhere"};
    gwt_rng r;
    gwt_rng_seed(&r, 20261128u);
    size_t n = NROWS;
    double *y = gw_alloc_array(n, sizeof *y), *x = gw_alloc_array(n, sizeof *x);
    double *k = gw_alloc_array(n, sizeof *k), *kf = gw_alloc_array(n, sizeof *kf);
    double *fe = gw_alloc_array(n, sizeof *fe), *w = gw_alloc_array(n, sizeof *w);
    double *big = gw_alloc_array(n, sizeof *big);
    int32_t *cat = gw_alloc_array(n, sizeof *cat);
    assert_true(y && x && k && kf && fe && w && cat && big);
    static const double kf_values[] = {0.5, 1.25, -2.0, 3.75};
    for (size_t i = 0; i < n; i++) {
        int last = i >= LAST_CHUNK;
        x[i] = gwt_rng_norm(&r);
        k[i] = (double)(1 + gwt_rng_next(&r) % 5);
        cat[i] = (int32_t)(gwt_rng_next(&r) % 4);
        if (last && i % 3 == 0)
            k[i] = 8.0; /* a level of factor(k) only in the last chunk */
        if (last && i % 3 == 1)
            cat[i] = 4; /* Centre: only in the last chunk */
        kf[i] = kf_values[gwt_rng_next(&r) % 4];
        fe[i] = (double)(gwt_rng_next(&r) % 50);
        big[i] = 1000003.0 * (double)(gwt_rng_next(&r) % 50) - 7.0;
        w[i] = i % 1009 == 11 ? 0.0 : 0.5 + gwt_rng_unif(&r);
        y[i] = 0.5 * x[i] + 0.1 * k[i] + 0.2 * (double)cat[i] + 0.05 * kf[i] + 0.01 * fe[i] +
               gwt_rng_norm(&r);
        if (i % 1013 == 7) {
            y[i] = (double)NAN;
            k[i] = 7.0; /* occurs only in dropped rows: no level */
        }
        if (i % 2003 == 5)
            cat[i] = -1;
    }
    gw_table *t = NULL;
    assert_int_equal(gw_table_new(n, &t), GW_OK);
    assert_int_equal(gw_table_add_numeric_take(t, "y", y), GW_OK);
    assert_int_equal(gw_table_add_numeric_take(t, "x", x), GW_OK);
    assert_int_equal(gw_table_add_numeric_take(t, "k", k), GW_OK);
    assert_int_equal(gw_table_add_numeric_take(t, "kf", kf), GW_OK);
    assert_int_equal(gw_table_add_numeric_take(t, "fe", fe), GW_OK);
    assert_int_equal(gw_table_add_numeric_take(t, "w", w), GW_OK);
    assert_int_equal(gw_table_add_numeric_take(t, "big", big), GW_OK);
    assert_int_equal(gw_table_add_categorical_take(t, "cat", cat, names(cat_levels, 6), 6), GW_OK);
    snprintf(data_path, sizeof data_path, "%s/factors140k.h5", gwt_tmpdir());
    assert_int_equal(gw_h5_table_write(t, data_path, NULL), GW_OK);
    gw_table_free(t);
#ifdef GW_MPIEXEC
    snprintf(mpiexec, sizeof mpiexec, "%s", GW_MPIEXEC);
#endif
    gwt_mpi_env();
    return 0;
}

/* goodwork fit --data TABLE --format json EXTRA... under mpiexec -np np (np 0: directly).
 * NULL when np > 0 and goodwork turns out to be built without MPI. */
static cJSON *fit(int np, const char *const *extra)
{
    const char *argv[48];
    size_t a = 0;
    if (np > 0) {
        argv[a++] = mpiexec;
        argv[a++] = "-np";
        argv[a++] = np == 2 ? "2" : "1";
        argv[a++] = "--oversubscribe";
    }
    argv[a++] = GW_CLI;
    argv[a++] = "fit";
    argv[a++] = "--data";
    argv[a++] = data_path;
    argv[a++] = "--format";
    argv[a++] = "json";
    for (size_t i = 0; extra[i] != NULL && a + 1 < 48; i++)
        argv[a++] = extra[i];
    argv[a] = NULL;
    if (np > 0)
        setenv("GW_MPI_STATS", "1", 1);
    gwt_run_result r = gwt_run(argv);
    unsetenv("GW_MPI_STATS");
    if (r.exit_code != 0)
        fail_msg("np %d: exit %d\nstderr: %s", np, r.exit_code, r.err);
    if (np > 0 && strstr(r.err, "goodwork: mpi: ranks=2") == NULL) {
        print_message("goodwork runs without MPI (no GW_MPI_STATS line): not compared\n");
        gwt_run_free(&r);
        return NULL;
    }
    cJSON *o = cJSON_Parse(r.out);
    if (o == NULL)
        fail_msg("np %d: not one JSON object:\n%s", np, r.out);
    gwt_run_free(&r);
    return o;
}

/* Term names identical, estimates and standard errors to RTOL, counts exactly. */
static void agree(const cJSON *a, const cJSON *b, const char *what)
{
    static const char *const counts[] = {"nobs", "nobs_dropped_missing", "df_resid"};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        gw_assert_close(gwt_json_num(b, counts[i]), gwt_json_num(a, counts[i]), 0.0, 0.0);
    const cJSON *ca = cJSON_GetObjectItemCaseSensitive(a, "coefficients");
    const cJSON *cb = cJSON_GetObjectItemCaseSensitive(b, "coefficients");
    assert_int_equal(cJSON_GetArraySize(ca), cJSON_GetArraySize(cb));
    double worst = 0.0;
    for (int i = 0; i < cJSON_GetArraySize(ca); i++) {
        const cJSON *x = cJSON_GetArrayItem(ca, i), *y = cJSON_GetArrayItem(cb, i);
        assert_string_equal(gwt_json_str(x, "term"), gwt_json_str(y, "term"));
        static const char *const nums[] = {"estimate", "std_error"};
        for (size_t q = 0; q < 2; q++) {
            double u = gwt_json_num(x, nums[q]), v = gwt_json_num(y, nums[q]);
            double rel = u == v ? 0.0 : fabs(u - v) / fmax(fabs(u), fabs(v));
            worst = fmax(worst, rel);
            gw_assert_close(v, u, RTOL, 0.0);
        }
    }
    print_message("%s: %d terms, max relative difference %.3g\n", what, cJSON_GetArraySize(ca),
                  worst);
}

/* Asserts that the term names of the in-core fit include each of want (NULL-terminated) and
 * none of unwanted. */
static void has_terms(const cJSON *o, const char *const *want, const char *const *unwanted)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "coefficients");
    for (size_t q = 0; want[q] != NULL; q++) {
        int found = 0;
        for (int i = 0; i < cJSON_GetArraySize(c); i++)
            found |= strcmp(gwt_json_str(cJSON_GetArrayItem(c, i), "term"), want[q]) == 0;
        if (!found)
            fail_msg("term %s missing", want[q]);
    }
    for (size_t q = 0; unwanted[q] != NULL; q++)
        for (int i = 0; i < cJSON_GetArraySize(c); i++)
            if (strcmp(gwt_json_str(cJSON_GetArrayItem(c, i), "term"), unwanted[q]) == 0)
                fail_msg("term %s present", unwanted[q]);
}

/* In core, streamed (--memory-limit 1K) and, with MPI, on two ranks. */
static void compare(const char *const *extra, int with_mpi, int check_levels)
{
    const char *streamed[40];
    size_t a = 0;
    for (; extra[a] != NULL; a++)
        streamed[a] = extra[a];
    streamed[a++] = "--memory-limit";
    streamed[a++] = "1K";
    streamed[a] = NULL;
    cJSON *core = fit(0, extra);
    static const char *const want[] = {"factor(k)=8", "cat=Centre", NULL};
    static const char *const unwanted[] = {"factor(k)=7", "cat=Nowhere", "cat=North", NULL};
    if (check_levels)
        has_terms(core, want, unwanted);
    cJSON *s = fit(0, streamed);
    assert_string_equal(gwt_json_str(s, "solver"), "stream-tsqr");
    agree(core, s, "--memory-limit 1K vs in-core");
    cJSON_Delete(s);
    if (with_mpi && mpiexec[0] != '\0') {
        cJSON *d = fit(2, extra);
        if (d != NULL)
            agree(core, d, "mpiexec -np 2 vs in-core");
        cJSON_Delete(d);
    } else if (with_mpi) {
        print_message("no mpiexec found: distributed fit not compared\n");
    }
    cJSON_Delete(core);
}

static void test_factor_and_categorical(void **state)
{
    (void)state;
    const char *extra[] = {"--model", "y ~ x + factor(k) + cat", NULL};
    compare(extra, 1, 1);
}

static void test_factors_fixed_effect_weights(void **state)
{
    (void)state;
    const char *extra[] = {
        "--model", "y ~ x + factor(k) + cat | fe", "--weights", "w", "--vcov", "hc1", NULL};
    compare(extra, 1, 1);
}

static void test_factor_interactions(void **state)
{
    (void)state;
    const char *extra[] = {"--model", "y ~ x + factor(k) + cat + factor(kf) + factor(k):x",
                           "--vcov", "cluster:fe", NULL};
    compare(extra, 1, 1);
}

/* Grouping codes of non-integer (kf) and sparse integer (big: 50 values over 5e7) columns: the
 * sorted-distinct map, read whole by every rank. */
static void test_noninteger_sparse_groups(void **state)
{
    (void)state;
    const char *extra[] = {"--model", "y ~ x + factor(k) | kf", "--vcov", "cluster:big", NULL};
    compare(extra, 1, 0);
}

/* A factor with too many levels for dummies is a usage error when streaming. */
static void test_factor_too_many_levels(void **state)
{
    (void)state;
    const char *args[] = {"fit",           "--data",         data_path, "--model",
                          "y ~ factor(x)", "--memory-limit", "1K",      NULL};
    gwt_run_result r = gwt_run_cli_argv(args);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "factor(x) has more than"));
    gwt_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_factor_and_categorical),
        cmocka_unit_test(test_factors_fixed_effect_weights),
        cmocka_unit_test(test_factor_interactions),
        cmocka_unit_test(test_noninteger_sparse_groups),
        cmocka_unit_test(test_factor_too_many_levels),
    };
    return cmocka_run_group_tests_name("stream_factor_cli", tests, make_data, NULL);
}
