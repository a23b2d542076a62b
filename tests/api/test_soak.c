/* test_soak.c -- many fits in one process through the public C API (gw_fit_table, gw_fit_file,
 * gw_output_render) leave the resident set where it was: nothing is kept from one fit to the
 * next (issue 17, "Soak").
 *
 * A small generated panel (30 groups x 10 periods) is fitted over and over with a rotation of
 * model kinds: OLS (iid, HC1, one- and two-way clustered, weighted), absorbed fixed effects, IV
 * (with and without fixed effects), Poisson (clustered, with fixed effects), logit with average
 * marginal effects, random effects, and two failing calls (an unknown variable, a formula that
 * does not parse), one in eleven fits read from the CSV file and one in eleven from its HDF5
 * copy, the others on the table in memory; every result is rendered as JSON and freed. Each
 * fit's coefficients must equal the first fit of its kind bit for bit (a fit that reused freed
 * memory would not).
 *
 * The resident set (/proc/self/statm) is sampled after a warm-up of SOAK_WARMUP fits (which
 * lets malloc's arenas, one per thread, its mmap threshold and the libraries' one-time buffers
 * reach their working size), then ten times until the end: each time as it is ("raw") and
 * after malloc_trim(0) has given the free pages of every arena back ("trimmed"). The raw
 * figure swings by up to ~600 KiB without any leak (measured over 10,000 fits: it alternates
 * between two levels as the arenas keep or return freed memory), so the check is on the
 * trimmed one, which moved by at most 80 KiB over 10,000 fits here, all of it in the first
 * few thousand: its end may exceed its start by at most SOAK_TOL_KIB = 512 KiB. A leak of one
 * result per fit (2-3 KiB here) grows it by ~5 MiB in 2,000 fits (checked: the test then
 * fails); the 2,000 fits of the suite catch a leak of 256 bytes per fit, the 10,000 of
 * scripts/soak.sh 52 bytes. Smaller leaks are for LeakSanitizer: in the sanitizer build the
 * resident set is reported but not checked (ASan's quarantine holds freed memory on purpose)
 * and a leak fails the run at exit.
 *
 * GW_SOAK_FITS sets the number of fits after the warm-up (default 400, about a second;
 * scripts/soak.sh runs 10,000). The samples go to standard output. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "gw_alloc.h"
#include "gw_fit.h"
#include "gw_hdf5.h"
#include "gw_load.h"
#include "gw_output.h"
#include "gw_par.h"
#include "gw_test.h"

#if defined(__SANITIZE_ADDRESS__)
#define SOAK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SOAK_ASAN 1
#endif
#endif
#ifndef SOAK_ASAN
#define SOAK_ASAN 0
#endif

#define SOAK_WARMUP 100
#define SOAK_DEFAULT_FITS 2000
#define SOAK_TOL_KIB 512
#define SOAK_SAMPLES 10

/* The resident set in KiB (statm's second field, in pages); trim: after malloc_trim(0). */
static long rss_kib(int trim)
{
    long pages = 0, resident = 0;
#if defined(__GLIBC__)
    if (trim)
        malloc_trim(0);
#else
    (void)trim;
#endif
    FILE *f = fopen("/proc/self/statm", "r");
    assert_non_null(f);
    assert_int_equal(fscanf(f, "%ld %ld", &pages, &resident), 2);
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* The panel as CSV text: groups g 1..30, periods t 1..10; y linear with group effects, x1
 * endogenous (correlated with the error, instrumented by z), cnt a Poisson-like count, d a
 * binary outcome, w positive weights. A fixed xorshift stream: the same text on every run. */
static char *panel_csv(void)
{
    size_t cap = 64 * 1024, len = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    len += (size_t)snprintf(s, cap, "g,t,y,x1,x2,x3,z,cnt,d,w\n");
    uint64_t st = 0x9e3779b97f4a7c15u;
    for (int g = 1; g <= 30; g++) {
        for (int t = 1; t <= 10; t++) {
            double u[5];
            for (int k = 0; k < 5; k++) {
                st ^= st << 13;
                st ^= st >> 7;
                st ^= st << 17;
                u[k] = (double)(st >> 11) / 9007199254740992.0 - 0.5;
            }
            double z = u[0], e = u[1], x2 = u[2] + 0.1 * t, x1 = 0.8 * z + 0.5 * e + u[3];
            double y = 1.0 + 0.5 * x1 - 0.25 * x2 + 0.05 * g + e;
            int cnt = (int)((1.5 + x1 + u[4]) * 3.0 + 3.0);
            len += (size_t)snprintf(
                s + len, cap - len, "%d,%d,%.17g,%.17g,%.17g,%.17g,%.17g,%d,%d,%.17g\n", g, t, y,
                x1, x2, 1.5 + u[4], z, cnt < 0 ? 0 : cnt, y > 1.6 ? 1 : 0, 1.0 + (g % 3));
            assert_true(len < cap);
        }
    }
    return s;
}

typedef struct {
    const char *formula;
    gw_fit_opts o;
    gw_status expect; /* GW_OK, or the failure the call must return */
} soak_model;

static const soak_model models[] = {
    {"y ~ x1 + x2", {0}, GW_OK},
    {"y ~ x1 + x2 + log(x3)", {.vcov = "hc1"}, GW_OK},
    {"y ~ x1 + x2", {.vcov = "cluster:g"}, GW_OK},
    {"y ~ x1 + x2", {.vcov = "cluster:g+t", .weights = "w"}, GW_OK},
    {"y ~ x1 + x2 | g + t", {.vcov = "cluster:g"}, GW_OK},
    {"y ~ x2 | 0 | x1 ~ z", {.vcov = "hc1"}, GW_OK},
    {"y ~ x2 | g | x1 ~ z", {.vcov = "cluster:g"}, GW_OK},
    {"cnt ~ x1 + x2", {.estimator = "poisson", .vcov = "cluster:g"}, GW_OK},
    {"cnt ~ x1 + x2 | g", {.estimator = "poisson"}, GW_OK},
    {"d ~ x1 + x2", {.estimator = "logit", .flags = GW_FIT_AME}, GW_OK},
    {"y ~ x1 + x2", {.estimator = "re", .panel_id = "g", .panel_time = "t"}, GW_OK},
    {"y ~ x1 + nosuch", {0}, GW_ENOVAR},
    {"y ~ x1 +", {0}, GW_ESYNTAX},
};
#define NMODELS (sizeof models / sizeof models[0])

/* Fit number i: model i mod NMODELS, from the table, the CSV file or the HDF5 file. Checks the
 * status, renders, and compares with the first fit of the kind (first[m], owned here). */
static void soak_fit(size_t i, const gw_table *t, const char *csv, const char *h5, double **first)
{
    size_t m = i % NMODELS;
    gw_result *r = NULL;
    gw_status s;
    if (i % 11 == 3)
        s = gw_fit_file(csv, models[m].formula, &models[m].o, &r, NULL);
    else if (i % 11 == 8)
        s = gw_fit_file(h5, models[m].formula, &models[m].o, &r, NULL);
    else
        s = gw_fit_table(t, models[m].formula, &models[m].o, &r);
    if (s != models[m].expect)
        fail_msg("fit %zu (%s): status %d, expected %d: %s", i, models[m].formula, (int)s,
                 (int)models[m].expect, gw_last_error());
    if (s != GW_OK) {
        assert_null(r);
        return;
    }
    char *json = NULL;
    assert_int_equal(gw_output_render(r, GW_OUT_JSON, &json), GW_OK);
    assert_true(strlen(json) > 100);
    gw_free(json);
    if (first[m] == NULL) {
        first[m] = calloc(2 * r->k + 1, sizeof **first);
        assert_non_null(first[m]);
        first[m][0] = (double)r->k;
        memcpy(first[m] + 1, r->estimate, r->k * sizeof(double));
        memcpy(first[m] + 1 + r->k, r->std_error, r->k * sizeof(double));
    } else if ((size_t)first[m][0] != r->k ||
               memcmp(first[m] + 1, r->estimate, r->k * sizeof(double)) != 0 ||
               memcmp(first[m] + 1 + r->k, r->std_error, r->k * sizeof(double)) != 0) {
        fail_msg("fit %zu (%s): coefficients differ from the first fit of the kind", i,
                 models[m].formula);
    }
    gw_result_free(r);
}

static void test_soak_fits(void **state)
{
    (void)state;
    size_t nfits = SOAK_DEFAULT_FITS;
    const char *env = getenv("GW_SOAK_FITS");
    if (env != NULL && env[0] != '\0')
        nfits = (size_t)strtoull(env, NULL, 10);
    assert_true(nfits >= SOAK_SAMPLES);
    /* Two threads, so that the worker threads' buffers are soaked too; set once, as a program
     * would (changing the count between fits restarts OpenBLAS's and OpenMP's pools, which is
     * slow and not what a long-running caller does). */
    gw_threads_set(2);

    char *text = panel_csv();
    const char *csv = gwt_write_file("soak.csv", text);
    free(text);
    char h5[4096];
    snprintf(h5, sizeof h5, "%s/soak.h5", gwt_tmpdir());
    gw_table *t = NULL;
    assert_int_equal(gw_data_load(csv, NULL, &t), GW_OK);
    assert_int_equal(gw_h5_table_write(t, h5, NULL), GW_OK);
    double *first[NMODELS] = {NULL};

    for (size_t i = 0; i < SOAK_WARMUP; i++)
        soak_fit(i, t, csv, h5, first);
    long raw[SOAK_SAMPLES + 1], trimmed[SOAK_SAMPLES + 1];
    size_t ns = 0;
    raw[ns] = rss_kib(0);
    trimmed[ns++] = rss_kib(1);
    for (size_t i = 0; i < nfits; i++) {
        soak_fit(SOAK_WARMUP + i, t, csv, h5, first);
        if ((i + 1) % (nfits / SOAK_SAMPLES) == 0 && ns <= SOAK_SAMPLES) {
            raw[ns] = rss_kib(0);
            trimmed[ns++] = rss_kib(1);
        }
    }
    long start = trimmed[0], end = trimmed[ns - 1];
    printf("soak: %zu fits after a warm-up of %d; resident set (KiB) then and every %zu fits\n"
           "  raw:    ",
           nfits, SOAK_WARMUP, nfits / SOAK_SAMPLES);
    for (size_t k = 0; k < ns; k++)
        printf(" %ld", raw[k]);
    printf("\n  trimmed:");
    for (size_t k = 0; k < ns; k++)
        printf(" %ld", trimmed[k]);
    printf("\n  trimmed: start %ld, end %ld, growth %+ld KiB (tolerance %d KiB%s); raw: start "
           "%ld, end %ld\n",
           start, end, end - start, SOAK_TOL_KIB,
           SOAK_ASAN ? ", not checked under AddressSanitizer" : "", raw[0], raw[ns - 1]);
    fflush(stdout);

    for (size_t m = 0; m < NMODELS; m++)
        free(first[m]);
    gw_table_free(t);
    unlink(h5);
    if (!SOAK_ASAN && end - start > SOAK_TOL_KIB)
        fail_msg("the resident set grew by %ld KiB over %zu fits (%ld -> %ld KiB)", end - start,
                 nfits, start, end);
}

int main(int argc, char **argv)
{
    /* Waiting OpenMP threads sleep instead of spinning (unless the caller chose): on a machine
     * busy with other work, two spinning threads make a fit of 300 rows some 50 times slower,
     * which is all this test would measure. The OpenMP runtime reads the variable when it is
     * loaded, before main: hence the re-execution. */
    (void)argc;
    if (getenv("OMP_WAIT_POLICY") == NULL) {
        setenv("OMP_WAIT_POLICY", "passive", 1);
        execv("/proc/self/exe", argv);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_soak_fits),
    };
    return cmocka_run_group_tests_name("soak", tests, NULL, NULL);
}
