/* test_reliab_memory.c -- resource behaviour of the estimators and readers (issue 7).
 *
 * 1. Memory: a fit of n rows x k columns allocates O(n k) at most once. gw_ols_fit's peak of
 *    live bytes beyond the design (gw_alloc_peak_bytes, core/alloc.c) is measured for every
 *    variance estimator and must stay within the figure stated in models/linear/gw_ols.h:
 *    0.1 n k 8 + 40 n + 8 T B (5 k + 8) + 16 (n / B) (k + 2)^2 + 16 G k + 256 KiB bytes
 *    (T threads, B = GW_BLOCK_ROWS, G clusters, the G12 cells of a two-way clustering's
 *    intersection included): no copy of X, O(n) vectors (HC leverage,
 *    two-way intersection codes), per-thread block buffers and per-block k x k partials; and
 *    one copy of X more (1.1 n k 8 + ...) for data at extreme scales (models/linear/ols.c scales a
 *    copy by powers of two).
 * 2. Allocation failure (fault-injection builds, -DGW_FAULT_INJECTION=ON): the i-th allocation
 *    is made to fail for every i up to the call's total count, through gw_ols_fit (HC3, one-way
 *    cluster), gw_ols_fit_fe_inplace, gw_csv_read_mem and gw_frame_build: each must return
 *    GW_ENOMEM (or recover and succeed), free everything (live bytes back to where they were;
 *    LeakSanitizer in the sanitizer build) and never crash. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "gw_alloc.h"
#include "gw_csv.h"
#include "gw_design.h"
#include "gw_formula.h"
#include "gw_frame.h"
#include "gw_hdfe.h"
#include "gw_ols.h"
#include "gw_par.h"
#include "gw_result.h"
#include "gw_table.h"
#include "gw_test.h"

/* A design of n rows: intercept and k-1 Gaussian regressors, y linear plus noise, cluster codes
 * g1 (G1 levels) and g2 (G2 levels), fe fixed effects (0, 1 or 2) from g1 and g2. */
static gw_design *make_design(size_t n, size_t k, size_t G1, size_t G2, int nclust, int nfe,
                              double scale)
{
    gw_design *d = NULL;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    gsl_rng_set(rng, 11);
    assert_int_equal(gw_design_new(n, k, &d), GW_OK);
    int32_t *c1 = gw_alloc_array(n, sizeof(int32_t)), *c2 = gw_alloc_array(n, sizeof(int32_t));
    assert_non_null(c1);
    assert_non_null(c2);
    for (size_t i = 0; i < n; i++) {
        c1[i] = (int32_t)gsl_rng_uniform_int(rng, G1);
        c2[i] = (int32_t)(i % G2);
        double yi = 1.0 + 0.3 * (double)c1[i] / (double)G1;
        d->X[i] = 1.0;
        for (size_t j = 1; j < k; j++) {
            double x = gsl_ran_gaussian(rng, 1.0);
            d->X[j * n + i] = scale * x;
            yi += 0.1 * (double)j * x;
        }
        d->y[i] = scale * (yi + gsl_ran_gaussian(rng, 1.0));
    }
    gsl_rng_free(rng);
    for (size_t j = 0; j < k; j++) {
        char name[24];
        snprintf(name, sizeof name, j ? "x%zu" : "(Intercept)", j);
        d->terms[j] = gw_strdup(name);
    }
    d->response = gw_strdup("y");
    d->has_intercept = 1;
    gw_factor f1 = {gw_strdup("g1"), c1, G1}, f2 = {gw_strdup("g2"), c2, G2};
    if (nfe > 0) {
        /* absorbed effects: no intercept column of their own (the design keeps column 0 = 1
         * only for the plain fits) */
        d->fe = gw_calloc(2, sizeof(gw_factor));
        d->fe[0] = f1;
        d->nfe = 1;
        if (nfe > 1) {
            d->fe[1] = f2;
            d->nfe = 2;
        } else {
            gw_factor_free_fields(&f2);
        }
        return d;
    }
    d->cluster = gw_calloc(2, sizeof(gw_factor));
    d->cluster[0] = f1;
    d->cluster[1] = f2;
    d->ncluster = (size_t)nclust;
    if (nclust < 2)
        gw_factor_free_fields(&d->cluster[1]);
    if (nclust < 1) {
        gw_factor_free_fields(&d->cluster[0]);
        gw_free(d->cluster);
        d->cluster = NULL;
    }
    return d;
}

/* ---- 1. peak memory ------------------------------------------------------------------------ */

#if defined(__SANITIZE_ADDRESS__)
#define MEM_N 30000 /* AddressSanitizer: smaller, same bound */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MEM_N 30000
#endif
#endif
#ifndef MEM_N
#define MEM_N 100000
#endif
#define MEM_K 40
#define MEM_G1 500
#define MEM_G2 40

static double peak_of_fit(const gw_design *d, gw_vcov_kind kind)
{
    gw_ols_opts o = {0};
    gw_result *r = NULL;
    o.vcov = kind;
    size_t live0 = gw_alloc_live_bytes();
    gw_alloc_peak_reset();
    assert_int_equal(gw_ols_fit(d, &o, &r), GW_OK);
    size_t peak = gw_alloc_peak_bytes();
    gw_result_free(r);
    assert_int_equal(gw_alloc_live_bytes(), live0); /* nothing leaked */
    return (double)(peak - live0);
}

static void check_peaks(double scale, double copies)
{
    static const char *const names[] = {"iid", "hc1", "hc3", "cluster", "cluster2"};
    const double n = MEM_N, k = MEM_K, X = n * k * 8.0;
    const double T = (double)gw_threads_get(), B = 4096.0, nb = ceil(n / B);
    for (int v = 0; v < 5; v++) {
        gw_design *d = make_design(MEM_N, MEM_K, MEM_G1, MEM_G2, v == 4 ? 2 : 1, 0, scale);
        if (gw_alloc_live_bytes() == 0) {
            gw_design_free(d);
            skip(); /* no allocation statistics on this platform */
        }
        /* G: every cluster of the meat, the two-way intersection's cells included */
        double G = MEM_G1;
        if (v == 4) {
            static unsigned char seen[MEM_G1 * MEM_G2];
            memset(seen, 0, sizeof seen);
            double G12 = 0.0;
            for (size_t i = 0; i < MEM_N; i++) {
                size_t c = (size_t)d->cluster[0].codes[i] * MEM_G2 + (size_t)d->cluster[1].codes[i];
                G12 += seen[c] == 0;
                seen[c] = 1;
            }
            G += MEM_G2 + G12;
        }
        /* Cluster meats also hold, per thread, the block's partial scores of the groups it
         * touches (at most min(B, G) rows of k), double-buffered for the ordered merge. */
        const double cl = v >= 3 ? 16.0 * T * fmin(B, G) * k : 0.0;
        const double bound = copies * X + 40.0 * n + 8.0 * T * B * (5.0 * k + 8.0) +
                             16.0 * nb * (k + 2.0) * (k + 2.0) + 16.0 * G * k + cl + 262144.0;
        gw_vcov_kind kind = v == 0   ? GW_VCOV_IID
                            : v == 1 ? GW_VCOV_HC1
                            : v == 2 ? GW_VCOV_HC3
                                     : GW_VCOV_CLUSTER;
        double extra = peak_of_fit(d, kind);
        print_message("peak beyond the design, %s, n = %d, k = %d, scale %g: %.0f bytes = %.3f "
                      "copies of X (bound %.3f)\n",
                      names[v], MEM_N, MEM_K, scale, extra, extra / X, bound / X);
        if (extra > bound)
            fail_msg("%s: %.0f bytes beyond the design, bound %.0f", names[v], extra, bound);
        gw_design_free(d);
    }
}

static void test_peak_memory_ols(void **state)
{
    (void)state;
    check_peaks(1.0, 0.1);
}

static void test_peak_memory_ols_extreme_scale(void **state)
{
    (void)state;
    check_peaks(1e300, 1.1);
}

/* ---- 2. allocation failure sweeps -------------------------------------------------------- */

#ifdef GW_FAULT_INJECTION
typedef gw_status (*sweep_fn)(void *ctx, void **out);
typedef void (*free_fn)(void *out);

/* Runs fn once to count its allocations (A), then for i = 0..A-1 with the i-th allocation
 * failing: the status must be GW_ENOMEM with a message (or GW_OK if the code recovered), the
 * output NULL on failure, and the live bytes back to their value before the call. */
static void sweep(const char *label, sweep_fn fn, void *ctx, free_fn fr)
{
    void *out = NULL;
    unsigned long c0 = gw_alloc_count();
    assert_int_equal(fn(ctx, &out), GW_OK);
    unsigned long total = gw_alloc_count() - c0;
    fr(out);
    size_t nomem = 0, recovered = 0;
    for (unsigned long i = 0; i < total; i++) {
        size_t live0 = gw_alloc_live_bytes();
        out = NULL;
        gw_alloc_fail_after((long)i);
        gw_status rc = fn(ctx, &out);
        int failed = gw_alloc_failed();
        gw_alloc_fail_after(-1);
        if (rc == GW_OK) {
            recovered += failed != 0;
            fr(out);
        } else {
            if (rc != GW_ENOMEM)
                fail_msg("%s: allocation %lu of %lu failed: status %s (%s), not GW_ENOMEM", label,
                         i, total, gw_status_str(rc), gw_last_error());
            if (out != NULL)
                fail_msg("%s: allocation %lu failed but an output was returned", label, i);
            if (gw_last_error()[0] == '\0')
                fail_msg("%s: GW_ENOMEM without a message", label);
            nomem++;
        }
        if (gw_alloc_live_bytes() != live0)
            fail_msg("%s: allocation %lu of %lu failed: %zu bytes leaked", label, i, total,
                     gw_alloc_live_bytes() - live0);
    }
    print_message("alloc sweep %s: %lu allocations, %zu GW_ENOMEM, %zu recovered\n", label, total,
                  nomem, recovered);
    assert_true(total > 0);
    assert_true(nomem > 0);
}

typedef struct {
    gw_design *d;
    gw_vcov_kind kind;
} fit_ctx;

static gw_status do_fit(void *ctx, void **out)
{
    fit_ctx *c = ctx;
    gw_ols_opts o = {0};
    o.vcov = c->kind;
    return gw_ols_fit(c->d, &o, (gw_result **)out);
}

static void free_result(void *r) { gw_result_free(r); }

/* gw_ols_fit_fe_inplace works in place: each call gets a fresh copy of the design (made
 * before the countdown starts). */
static gw_design *copy_fe_design(const gw_design *s)
{
    gw_design *d = NULL;
    assert_int_equal(gw_design_new(s->n, s->p, &d), GW_OK);
    memcpy(d->X, s->X, s->n * s->p * sizeof(double));
    memcpy(d->y, s->y, s->n * sizeof(double));
    for (size_t j = 0; j < s->p; j++)
        d->terms[j] = gw_strdup(s->terms[j]);
    d->response = gw_strdup(s->response);
    d->fe = gw_calloc(s->nfe, sizeof(gw_factor));
    for (size_t g = 0; g < s->nfe; g++) {
        d->fe[g].name = gw_strdup(s->fe[g].name);
        d->fe[g].codes = gw_alloc_array(s->n, sizeof(int32_t));
        memcpy(d->fe[g].codes, s->fe[g].codes, s->n * sizeof(int32_t));
        d->fe[g].nlevels = s->fe[g].nlevels;
    }
    d->nfe = s->nfe;
    return d;
}

typedef struct {
    const gw_design *src;
    gw_design *work;
} fe_ctx;

static gw_status do_fit_fe(void *ctx, void **out)
{
    fe_ctx *c = ctx;
    gw_ols_opts o = {0};
    o.vcov = GW_VCOV_HC1;
    return gw_ols_fit_fe_inplace(c->work, &o, (gw_result **)out);
}

static void test_alloc_sweep_ols(void **state)
{
    (void)state;
    int t0 = gw_threads_get();
    gw_threads_set(1); /* fault injection is per thread */
    gw_design *d = make_design(300, 4, 12, 5, 1, 0, 1.0);
    fit_ctx c = {d, GW_VCOV_HC3};
    sweep("gw_ols_fit hc3", do_fit, &c, free_result);
    c.kind = GW_VCOV_CLUSTER;
    sweep("gw_ols_fit cluster", do_fit, &c, free_result);
    gw_design_free(d);
    d = make_design(300, 4, 12, 5, 2, 0, 1e300);
    c = (fit_ctx){d, GW_VCOV_CLUSTER};
    sweep("gw_ols_fit two-way cluster, scaled", do_fit, &c, free_result);
    gw_design_free(d);
    gw_threads_set(t0);
}

static void test_alloc_sweep_fe(void **state)
{
    (void)state;
    int t0 = gw_threads_get();
    gw_threads_set(1);
    gw_design *src = make_design(300, 4, 12, 7, 0, 2, 1.0);
    /* the within estimator takes no intercept column: drop column 0 */
    gw_design *s2 = NULL;
    assert_int_equal(gw_design_new(src->n, src->p - 1, &s2), GW_OK);
    memcpy(s2->X, src->X + src->n, src->n * (src->p - 1) * sizeof(double));
    memcpy(s2->y, src->y, src->n * sizeof(double));
    for (size_t j = 1; j < src->p; j++)
        s2->terms[j - 1] = gw_strdup(src->terms[j]);
    s2->response = gw_strdup("y");
    s2->fe = src->fe;
    s2->nfe = src->nfe;
    src->fe = NULL;
    src->nfe = 0;
    gw_design_free(src);

    void *out = NULL;
    fe_ctx c = {s2, copy_fe_design(s2)};
    unsigned long c0 = gw_alloc_count();
    assert_int_equal(do_fit_fe(&c, &out), GW_OK);
    unsigned long total = gw_alloc_count() - c0;
    gw_result_free(out);
    gw_design_free(c.work);
    size_t nomem = 0, recovered = 0;
    for (unsigned long i = 0; i < total; i++) {
        c.work = copy_fe_design(s2);
        size_t live0 = gw_alloc_live_bytes();
        out = NULL;
        gw_alloc_fail_after((long)i);
        gw_status rc = do_fit_fe(&c, &out);
        int failed = gw_alloc_failed();
        gw_alloc_fail_after(-1);
        if (rc == GW_OK) {
            recovered += failed != 0;
            gw_result_free(out);
        } else {
            if (rc != GW_ENOMEM)
                fail_msg("fe: allocation %lu of %lu failed: status %s (%s)", i, total,
                         gw_status_str(rc), gw_last_error());
            assert_null(out);
            nomem++;
        }
        if (gw_alloc_live_bytes() != live0)
            fail_msg("fe: allocation %lu of %lu failed: %zu bytes leaked", i, total,
                     gw_alloc_live_bytes() - live0);
        gw_design_free(c.work);
    }
    print_message("alloc sweep gw_ols_fit_fe_inplace hc1 (2 fe): %lu allocations, %zu "
                  "GW_ENOMEM, %zu recovered\n",
                  total, nomem, recovered);
    assert_true(nomem > 0);
    gw_design_free(s2);
    gw_threads_set(t0);
}

static const char sweep_csv[] = "y,x,g,w,t\n"
                                "1.5,2,a,1,1\n"
                                "2.25,3.5,b,2,2\n"
                                "\"3\",,a,1,3\n"
                                "4.75,1e3,c,0.5,1\n"
                                "5,2.5,b,1,2\n"
                                "6.125,-4,c,1,3\n"
                                "7,8,a,3,1\n"
                                "NA,9,b,1,2\n"
                                "9.5,10,c,1,3\n";

static gw_status do_csv(void *ctx, void **out)
{
    (void)ctx;
    return gw_csv_read_mem(sweep_csv, sizeof sweep_csv - 1, "sweep.csv", NULL, (gw_table **)out);
}

static void free_table(void *t) { gw_table_free(t); }

typedef struct {
    gw_table *t;
    gw_formula *f;
} frame_ctx;

static gw_status do_frame(void *ctx, void **out)
{
    frame_ctx *c = ctx;
    gw_frame_opts o = {.weights = "w", .cluster = {"g", NULL}, .panel_id = "g", .panel_time = "t"};
    return gw_frame_build(c->t, c->f, &o, (gw_design **)out);
}

static void free_design(void *d) { gw_design_free(d); }

static void test_alloc_sweep_readers(void **state)
{
    (void)state;
    sweep("gw_csv_read_mem", do_csv, NULL, free_table);
    frame_ctx c = {NULL, NULL};
    assert_int_equal(gw_csv_read_mem(sweep_csv, sizeof sweep_csv - 1, "s.csv", NULL, &c.t), GW_OK);
    assert_int_equal(gw_formula_parse("log(y) ~ x + I(x^2) + factor(g) + x:factor(g)", &c.f),
                     GW_OK);
    sweep("gw_frame_build", do_frame, &c, free_design);
    gw_formula_free(c.f);
    gw_table_free(c.t);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_peak_memory_ols),
        cmocka_unit_test(test_peak_memory_ols_extreme_scale),
#ifdef GW_FAULT_INJECTION
        cmocka_unit_test(test_alloc_sweep_ols),
        cmocka_unit_test(test_alloc_sweep_fe),
        cmocka_unit_test(test_alloc_sweep_readers),
#endif
    };
    return cmocka_run_group_tests_name("reliab_memory", tests, NULL, NULL);
}
