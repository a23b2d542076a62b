/* test_mpi_cli.c -- `mpirun -np P goodwork fit` (distributed fits, cli/fit_mpi.c) against the
 * in-core fit on a generated 50,000-row HDF5 table with two fixed effects, weights, missing
 * values and a cluster variable, for P = 1, 2 and 4.
 *
 * What is compared: every number of the JSON output (coefficients, standard errors, t, p,
 * intervals, vcov, R^2, RSS, F, counts) except solver, rcond and iterations (different
 * algorithms: the streaming TSQR, sweeps of alternating projections); covariances relative to
 * sqrt(V_ii V_jj). Distributed fits of any P agree with each other to 1e-12 relative (measured
 * 1.1e-15; docs/scale.md explains the orders of summation), and with the in-core fit to 1e-12
 * without fixed effects or with one set (measured 4e-14). With two sets both fits demean
 * iteratively to the default GW_HDFE_TOL = 1.2e-10, so that comparison allows 1e-8 (measured
 * up to 2.5e-11); with --fe-tol 1e-14 on both sides it is held to 1e-12 again, p-values
 * included (measured 1.1e-14, p-values 8.5e-14). Otherwise p-values are held to 1e-8: in the
 * far tail (1e-100) a p-value's relative error is about t^2 times that of t (measured 1.7e-10).
 *
 * Each mpirun costs 1.5-3 s of Open MPI start-up here, so the cases share out the ranks; the
 * whole test takes about 20 s (about 6 minutes in sanitizer builds, where LeakSanitizer needs
 * full stacks to suppress Open MPI's own start-up allocations).
 *
 * Runs only when goodwork was built with MPI (GW_MPIEXEC, set by the top CMakeLists.txt when
 * MPI is found); otherwise every test is skipped with a message. Open MPI refuses to run as
 * root (CI) unless told, and needs --oversubscribe for 4 ranks on 2 cores: both are set here. */
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

#define NROWS 50000
#define NFE1 500 /* categorical fixed effect */
#define NFE2 40  /* numeric (integer-valued) fixed effect */
#define NCL 97   /* categorical cluster; fe1 is nested in it */

static char data_path[4096];

#ifdef GW_MPIEXEC
/* splitmix64: a fixed, portable stream of numbers (seed printed on failure: 20261128). */
static uint64_t rng_state = 20261128u;
static uint64_t next_u64(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}
static double unif(void) { return ((double)(next_u64() >> 11) + 0.5) / 9007199254740992.0; }
static double normal(void) { return sqrt(-2.0 * log(unif())) * cos(6.283185307179586 * unif()); }

static char **level_names(const char *prefix, size_t n)
{
    char **lv = gw_alloc_array(n, sizeof *lv);
    assert_non_null(lv);
    for (size_t i = 0; i < n; i++) {
        lv[i] = gw_malloc(32);
        assert_non_null(lv[i]);
        snprintf(lv[i], 32, "%s%zu", prefix, i);
    }
    return lv;
}

#endif

/* Writes the table: y, x1..x3, w, fe1 (categorical), fe2 (numeric ids 7..46), cl
 * (categorical), with x2 missing in 1 row of 997 and w zero in 1 row of 1009. */
static int make_data(void **state)
{
    (void)state;
#ifdef GW_MPIEXEC
    size_t n = NROWS;
    double *y = gw_alloc_array(n, sizeof *y), *x1 = gw_alloc_array(n, sizeof *x1);
    double *x2 = gw_alloc_array(n, sizeof *x2), *x3 = gw_alloc_array(n, sizeof *x3);
    double *w = gw_alloc_array(n, sizeof *w), *fe2 = gw_alloc_array(n, sizeof *fe2);
    double *cnt = gw_alloc_array(n, sizeof *cnt);
    int32_t *fe1 = gw_alloc_array(n, sizeof *fe1), *cl = gw_alloc_array(n, sizeof *cl);
    double a1[NFE1], a2[NFE2];
    for (size_t g = 0; g < NFE1; g++)
        a1[g] = normal();
    for (size_t g = 0; g < NFE2; g++)
        a2[g] = normal();
    for (size_t i = 0; i < n; i++) {
        fe1[i] = (int32_t)(next_u64() % NFE1);
        size_t g2 = (size_t)(next_u64() % NFE2);
        fe2[i] = (double)(g2 + 7);
        cl[i] = fe1[i] % NCL;
        x1[i] = normal() + 0.3 * a1[fe1[i]];
        x2[i] = i % 997 == 5 ? (double)NAN : normal() - 0.2 * a2[g2];
        x3[i] = 0.5 * normal() + 1.0;
        w[i] = i % 1009 == 11 ? 0.0 : 0.5 + unif();
        y[i] = 0.7 * x1[i] - 0.4 * (isnan(x2[i]) ? 0.0 : x2[i]) + 0.25 * x3[i] + a1[fe1[i]] +
               a2[g2] + normal() * (1.0 + 0.5 * fabs(x3[i]));
        /* a count for the Poisson fits (Knuth's draw); level 0 of fe1 all zero: separated */
        const double mu = exp(0.1 * x1[i] + 0.2 * x3[i] + 0.3 * a1[fe1[i]] + 0.2 * a2[g2]);
        double k = 0.0, prod = unif();
        while (prod > exp(-mu)) {
            k += 1.0;
            prod *= unif();
        }
        cnt[i] = fe1[i] == 0 ? 0.0 : k;
    }
    gw_table *t = NULL;
    assert_int_equal(gw_table_new(n, &t), GW_OK);
    assert_int_equal(gw_table_add_numeric_take(t, "y", y), GW_OK);
    assert_int_equal(gw_table_add_numeric_take(t, "x1", x1), GW_OK);
    assert_int_equal(gw_table_add_numeric_take(t, "x2", x2), GW_OK);
    assert_int_equal(gw_table_add_numeric_take(t, "x3", x3), GW_OK);
    assert_int_equal(gw_table_add_numeric_take(t, "w", w), GW_OK);
    assert_int_equal(gw_table_add_numeric_take(t, "cnt", cnt), GW_OK);
    assert_int_equal(gw_table_add_categorical_take(t, "fe1", fe1, level_names("f", NFE1), NFE1),
                     GW_OK);
    assert_int_equal(gw_table_add_numeric_take(t, "fe2", fe2), GW_OK);
    assert_int_equal(gw_table_add_categorical_take(t, "cl", cl, level_names("c", NCL), NCL), GW_OK);
    snprintf(data_path, sizeof data_path, "%s/mpi50k.h5", gwt_tmpdir());
    assert_int_equal(gw_h5_table_write(t, data_path, NULL), GW_OK);
    gw_table_free(t);
    gwt_mpi_env();
#endif
    return 0;
}

#ifdef GW_MPIEXEC
/* Runs goodwork fit on the table (np 0: without mpirun) with the extra arguments. */
static gwt_run_result run_fit(int np, const char *const *extra)
{
    const char *argv[48];
    size_t k = 0;
    char npbuf[16];
    snprintf(npbuf, sizeof npbuf, "%d", np);
    if (np > 0) {
        argv[k++] = GW_MPIEXEC;
        argv[k++] = "-np";
        argv[k++] = npbuf;
        argv[k++] = "--oversubscribe";
    }
    argv[k++] = GW_CLI;
    argv[k++] = "fit";
    argv[k++] = "--data";
    argv[k++] = data_path;
    for (size_t i = 0; extra[i] != NULL && k + 1 < 48; i++)
        argv[k++] = extra[i];
    argv[k] = NULL;
    return gwt_run(argv);
}

static cJSON *fit_json(int np, const char *const *extra)
{
    gwt_run_result r = run_fit(np, extra);
    if (r.exit_code != 0)
        fail_msg("np %d: exit %d\nstderr: %s", np, r.exit_code, r.err);
    cJSON *o = cJSON_Parse(r.out);
    if (o == NULL)
        fail_msg("np %d: not one JSON object:\n%s", np, r.out);
    gwt_run_free(&r);
    return o;
}

/* The worst relative difference between the numbers of a and b (same structure). */
typedef struct {
    double rel, a, b;
    char where[256];
} worst;

/* The worst difference of the p-values (p_value, f_p_value) and of every other number. */
typedef struct {
    worst num, p;
} worsts;

static void walk(const cJSON *a, const cJSON *b, const char *path, worsts *ws)
{
    static const char *const skip[] = {"solver", "rcond", "iterations", "vcov"};
    char sub[256];
    if (cJSON_IsObject(a)) {
        const cJSON *c;
        cJSON_ArrayForEach(c, a)
        {
            int skipped = 0;
            for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++)
                skipped |= strcmp(c->string, skip[i]) == 0;
            if (skipped)
                continue;
            const cJSON *d = cJSON_GetObjectItemCaseSensitive(b, c->string);
            if (d == NULL)
                fail_msg("%s/%s: missing in the second output", path, c->string);
            snprintf(sub, sizeof sub, "%s/%s", path, c->string);
            walk(c, d, sub, ws);
        }
    } else if (cJSON_IsArray(a)) {
        assert_int_equal(cJSON_GetArraySize(a), cJSON_GetArraySize(b));
        for (int i = 0; i < cJSON_GetArraySize(a); i++) {
            snprintf(sub, sizeof sub, "%s[%d]", path, i);
            walk(cJSON_GetArrayItem(a, i), cJSON_GetArrayItem(b, i), sub, ws);
        }
    } else if (cJSON_IsNumber(a)) {
        if (!cJSON_IsNumber(b))
            fail_msg("%s: a number and a non-number", path);
        double x = a->valuedouble, y = b->valuedouble;
        double scale = fmax(fabs(x), fabs(y));
        double rel = x == y ? 0.0 : fabs(x - y) / scale;
        size_t len = strlen(path);
        worst *w = len >= 7 && strcmp(path + len - 7, "p_value") == 0 ? &ws->p : &ws->num;
        if (rel > w->rel) {
            w->rel = rel;
            w->a = x;
            w->b = y;
            snprintf(w->where, sizeof w->where, "%s", path);
        }
    } else if (cJSON_IsString(a)) {
        if (!cJSON_IsString(b) || strcmp(a->valuestring, b->valuestring) != 0)
            fail_msg("%s: \"%s\" and \"%s\"", path, a->valuestring,
                     cJSON_IsString(b) ? b->valuestring : "(not a string)");
    }
}

/* Asserts that the numbers of a and b agree to rtol, their p-values to prtol (1e-8 unless the
 * fits are known to agree closely). A p-value far in the tail (1e-100) is ill-conditioned: its
 * relative error is about t^2 times that of t. */
static void agree(const cJSON *a, const cJSON *b, double rtol, double prtol, const char *what)
{
    worsts ws = {0};
    walk(a, b, "", &ws);
    /* vcov entries against sqrt(V_ii V_jj) of a: an off-diagonal covariance near zero is not
     * known to 1e-12 of itself, only of the variances. */
    const cJSON *va = cJSON_GetObjectItemCaseSensitive(a, "vcov");
    const cJSON *vb = cJSON_GetObjectItemCaseSensitive(b, "vcov");
    int k = cJSON_GetArraySize(va);
    assert_int_equal(k, cJSON_GetArraySize(vb));
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++) {
            double x = cJSON_GetArrayItem(cJSON_GetArrayItem(va, i), j)->valuedouble;
            double y = cJSON_GetArrayItem(cJSON_GetArrayItem(vb, i), j)->valuedouble;
            double dii = cJSON_GetArrayItem(cJSON_GetArrayItem(va, i), i)->valuedouble;
            double djj = cJSON_GetArrayItem(cJSON_GetArrayItem(va, j), j)->valuedouble;
            double rel = fabs(x - y) / sqrt(fabs(dii * djj));
            if (rel > ws.num.rel) {
                /* expressed as a pair whose relative difference is rel */
                ws.num.rel = rel;
                ws.num.a = 1.0;
                ws.num.b = 1.0 + rel;
                snprintf(ws.num.where, sizeof ws.num.where, "/vcov[%d][%d] (scaled)", i, j);
            }
        }
    print_message("%s: max relative difference %.3g at %s, p-values %.3g\n", what, ws.num.rel,
                  ws.num.where[0] ? ws.num.where : "-", ws.p.rel);
    gw_assert_close(ws.num.b, ws.num.a, rtol, 0.0);
    gw_assert_close(ws.p.b, ws.p.a, prtol, 0.0);
}

/* Fits with extra in core and under mpirun -np nps[0], nps[1], ... (0-terminated); asserts
 * that each distributed fit agrees with the in-core one to rtol_core (p-values to prtol_core)
 * and with the first distributed one to 1e-12 (p-values 1e-8). (Each mpirun costs 1.5-3 s of Open
 * MPI start-up on 2 cores, so the cases share out the ranks: every P of 1, 2, 4 is run against
 * in-core at least twice.) */
static void compare(const char *const *extra, double rtol_core, double prtol_core, const int *nps)
{
    cJSON *core = fit_json(0, extra), *first = NULL;
    char what[64];
    for (size_t i = 0; nps[i] != 0; i++) {
        cJSON *d = fit_json(nps[i], extra);
        snprintf(what, sizeof what, "np %d vs in-core", nps[i]);
        agree(core, d, rtol_core, prtol_core, what);
        if (first == NULL) {
            first = d;
            continue;
        }
        snprintf(what, sizeof what, "np %d vs np %d", nps[i], nps[0]);
        agree(first, d, 1e-12, 1e-8, what);
        cJSON_Delete(d);
    }
    cJSON_Delete(first);
    cJSON_Delete(core);
}
#endif

#define NEED_MPI()                                                                                 \
    do {                                                                                           \
        if (data_path[0] == '\0') {                                                                \
            print_message("goodwork was built without MPI: distributed fits not tested\n");        \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

/* The case: two fixed effects, clustered, P = 1, 2, 4. */
static void test_mpi_two_fe_cluster(void **state)
{
    (void)state;
    NEED_MPI();
#ifdef GW_MPIEXEC
    const char *extra[] = {
        "--model", "y ~ x1 + x2 + x3 | fe1 + fe2", "--vcov", "cluster:cl", "--format", "json",
        NULL};
    static const int nps[] = {1, 2, 4, 0};
    /* Both fits demean iteratively to GW_HDFE_TOL (1.2e-10): the in-core CG and the streaming
     * alternating projections stop at different points within it (measured up to 2.5e-11);
     * test_mpi_two_fe_tight runs the same model at --fe-tol 1e-14. */
    compare(extra, 1e-8, 1e-8, nps);
#endif
}

/* The same model with --fe-tol 1e-14 on every side: the demeanings then stop far below the
 * 1e-12 asked of the results, so every number (coefficients, SE, t, intervals, R^2, RSS, F,
 * vcov) of P = 2 and 4 agrees with the in-core fit to 1e-12 relative, the p-values too
 * (measured 1.1e-14, p-values 8.5e-14). */
static void test_mpi_two_fe_tight(void **state)
{
    (void)state;
    NEED_MPI();
#ifdef GW_MPIEXEC
    const char *extra[] = {"--model",  "y ~ x1 + x2 + x3 | fe1 + fe2",
                           "--vcov",   "cluster:cl",
                           "--fe-tol", "1e-14",
                           "--format", "json",
                           NULL};
    static const int nps[] = {2, 4, 0};
    compare(extra, 1e-12, 1e-12, nps);
#endif
}

/* Poisson (PPML) with both fixed effects, distributed (models/stream/gw_glm_stream.h): every rank
 * runs the same IRLS on reduced sums; at --fe-tol 1e-14 --tol 1e-13 on both sides P = 2 and 4 agree
 * with the in-core fit to 1e-12 (measured 1.3e-13; p-values 4.4e-13, held to 1e-10) and with
 * each other to 1e-12. */
static void test_mpi_poisson_two_fe(void **state)
{
    (void)state;
    NEED_MPI();
#ifdef GW_MPIEXEC
    const char *extra[] = {"--model",     "cnt ~ x1 + x2 + x3 | fe1 + fe2",
                           "--estimator", "poisson",
                           "--vcov",      "cluster:cl",
                           "--fe-tol",    "1e-14",
                           "--tol",       "1e-13",
                           "--format",    "json",
                           NULL};
    static const int nps[] = {2, 4, 0};
    compare(extra, 1e-12, 1e-10, nps);
#endif
}

/* OLS with leverage (HC3) and with one-way clustering; WLS with one fixed effect (HC1). */
static void test_mpi_ols_variances(void **state)
{
    (void)state;
    NEED_MPI();
#ifdef GW_MPIEXEC
    static const int four[] = {4, 0}, two[] = {2, 0}, one[] = {1, 0};
    const char *hc3[] = {"--model", "y ~ x1 + x2 + I(x3^2)", "--vcov", "hc3", "--format", "json",
                         NULL};
    compare(hc3, 1e-12, 1e-8, four);
    const char *cl[] = {"--model", "y ~ x1 + x2 + x3", "--vcov", "cluster:cl", "--weights",
                        "w",       "--format",         "json",   NULL};
    compare(cl, 1e-12, 1e-8, two);
    const char *fe[] = {
        "--model", "y ~ x1 + x2 + x3 | fe1", "--weights", "w", "--vcov", "hc1", "--format", "json",
        NULL};
    compare(fe, 1e-12, 1e-8, one);
#endif
}

/* Rank 0 alone writes --out and prints; the file holds the distributed fit. */
static void test_mpi_out_written_once(void **state)
{
    (void)state;
    NEED_MPI();
#ifdef GW_MPIEXEC
    char out[4200];
    snprintf(out, sizeof out, "%s/mpi_results.h5", gwt_tmpdir());
    remove(out);
    const char *extra[] = {"--model", "y ~ x1 + x2 | fe1", "--out", out, "--name", "dist", NULL};
    gwt_run_result r = run_fit(2, extra);
    assert_int_equal(r.exit_code, 0);
    /* The text table is printed once (by rank 0): one "x1" row. */
    const char *p = strstr(r.out, " x1 |"), *q = p ? strstr(p + 1, " x1 |") : NULL;
    assert_non_null(p);
    assert_null(q);
    gwt_run_free(&r);
    gw_results *res = NULL;
    assert_int_equal(gw_results_open(out, &res), GW_OK);
    assert_int_equal(gw_results_nmodels(res), 1);
    gw_result *m = NULL;
    assert_int_equal(gw_results_get(res, "dist", &m), GW_OK);
    assert_int_equal(m->k, 2);
    gw_result_free(m);
    gw_results_close(res);
#endif
}

/* Errors: reported once (rank 0), the same exit code from every rank, no hang. */
static void test_mpi_errors_once(void **state)
{
    (void)state;
    NEED_MPI();
#ifdef GW_MPIEXEC
    static const struct {
        const char *model, *vcov;
        int code;
    } cases[] = {
        {"y ~ x1 | fe1", "cluster:nosuch", 2}, /* unknown cluster variable */
        {"y ~ x3 | fe1 | x1 ~ x2", "iid", 2},  /* not supported distributed (factor() now is) */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const char *extra[] = {"--model", cases[c].model, "--vcov", cases[c].vcov, NULL};
        gwt_run_result r = run_fit(2, extra);
        print_message("%s: exit %d, %s", cases[c].model, r.exit_code, r.err);
        assert_int_equal(r.exit_code, cases[c].code);
        const char *e = strstr(r.err, "goodwork: error:");
        assert_non_null(e);
        assert_null(strstr(e + 1, "goodwork: error:"));
        assert_string_equal(r.out, "");
        gwt_run_free(&r);
    }
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mpi_two_fe_cluster), cmocka_unit_test(test_mpi_two_fe_tight),
        cmocka_unit_test(test_mpi_ols_variances),  cmocka_unit_test(test_mpi_out_written_once),
        cmocka_unit_test(test_mpi_errors_once),    cmocka_unit_test(test_mpi_poisson_two_fe),
    };
    return cmocka_run_group_tests_name("mpi_cli", tests, make_data, NULL);
}
