/* test_panel.c -- gw_panel_fit, gw_panel_vcov_hac and gw_panel_hausman_test against R plm.
 *
 * References: datasets/generated/grunfeld_panel_ref.csv (R plm 2.6.2 + sandwich 3.0.2, made
 * by scripts/ref/grunfeld_panel_ref.R) on Grunfeld (balanced, 10 firms x 20 years) and on
 * Grunfeld without rows 5, 6, 47, 100, 101, 102, 170 (unbalanced, with time gaps; models
 * "*_u"). Every reference row of a (model, variance) pair is compared: estimates, standard
 * errors and every vcov entry (relative to sqrt(Vii Vjj)), nobs, df_resid, rss, r2, adj_r2;
 * RE variance components and theta; Hausman statistics. Tolerance: 1e-9 relative (the
 * worst agreement in digits is printed at the end). Also: thread independence (1 vs 2 threads,
 * bit for bit) on a generated panel of several row blocks, the time-position convention of
 * DK/NW, FD with GW_PANEL_FD_UNIT_GAP, and a table of failing inputs. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "gw_alloc.h"
#include "gw_design.h"
#include "gw_panel.h"
#include "gw_par.h"
#include "gw_result.h"
#include "gw_test.h"

#define GRUNFELD_N 200
static double g_firm[GRUNFELD_N], g_year[GRUNFELD_N], g_inv[GRUNFELD_N], g_value[GRUNFELD_N],
    g_capital[GRUNFELD_N];
/* 0-based rows dropped for the unbalanced panel (R's 5, 6, 47, 100, 101, 102, 170). */
static const size_t unbal_drop[] = {4, 5, 46, 99, 100, 101, 169};

static gwt_ref_table refs;
static double worst_lre = 17.0;
static char worst_what[160] = "";

static void load_grunfeld(void)
{
    FILE *f = fopen(gwt_source_path("datasets/grunfeld.csv"), "r");
    char line[256];
    size_t i = 0;
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    assert_string_equal(line, "firm,year,inv,value,capital\n");
    while (fgets(line, sizeof line, f) && i < GRUNFELD_N) {
        char *s = line;
        g_firm[i] = strtod(s, &s);
        g_year[i] = strtod(s + 1, &s);
        g_inv[i] = strtod(s + 1, &s);
        g_value[i] = strtod(s + 1, &s);
        g_capital[i] = strtod(s + 1, &s);
        i++;
    }
    fclose(f);
    assert_int_equal(i, GRUNFELD_N);
}

static int group_setup(void **state)
{
    (void)state;
    gsl_set_error_handler_off();
    load_grunfeld();
    gwt_ref_load("datasets/generated/grunfeld_panel_ref.csv", &refs);
    assert_true(refs.n > 1000);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    printf("[ worst LRE vs plm ] %.1f digits (%s)\n", worst_lre, worst_what);
    gwt_ref_free(&refs);
    return 0;
}

static double ref_value(const char *model, const char *vcov, const char *what, const char *term)
{
    return gwt_ref_get(&refs, model, vcov, what, term);
}

/* Compare actual with expected to rtol relative to scale (expected itself when scale is 0). */
static void check(double actual, double expected, double scale, double rtol, const char *label)
{
    double s = scale != 0.0 ? scale : fabs(expected);
    double err = fabs(actual - expected) / s;
    double lre = err > 0.0 ? -log10(err) : 17.0;
    if (lre < worst_lre) {
        worst_lre = lre;
        snprintf(worst_what, sizeof worst_what, "%s", label);
    }
    gw_assert_close(actual, expected, 0.0, rtol * s);
}

/* ------------------------------------------------------------------------------------------ */
/* Designs.                                                                                   */

/* inv ~ value + capital on Grunfeld (unbalanced: without unbal_drop), panel firm/year;
 * cluster by firm when `cluster`. */
static gw_design *grunfeld_panel(int unbalanced, int cluster)
{
    size_t rows[GRUNFELD_N], n = 0, nd = sizeof unbal_drop / sizeof unbal_drop[0];
    for (size_t i = 0; i < GRUNFELD_N; i++) {
        int drop = 0;
        for (size_t a = 0; unbalanced && a < nd; a++)
            drop |= unbal_drop[a] == i;
        if (!drop)
            rows[n++] = i;
    }
    gw_design *d = NULL;
    assert_int_equal(gw_design_new(n, 3, &d), GW_OK);
    d->has_intercept = 1;
    d->response = gw_strdup("inv");
    const char *t[] = {"(Intercept)", "value", "capital"};
    for (size_t j = 0; j < 3; j++)
        d->terms[j] = gw_strdup(t[j]);
    d->panel_id = gw_calloc(1, sizeof(gw_factor));
    assert_non_null(d->panel_id);
    d->panel_id->name = gw_strdup("firm");
    d->panel_id->codes = gw_alloc_array(n, sizeof(int32_t));
    d->panel_id->nlevels = 10;
    d->panel_time = gw_alloc_array(n, sizeof(double));
    assert_non_null(d->panel_time);
    for (size_t i = 0; i < n; i++) {
        size_t r = rows[i];
        d->y[i] = g_inv[r];
        d->X[i] = 1.0;
        d->X[n + i] = g_value[r];
        d->X[2 * n + i] = g_capital[r];
        d->panel_id->codes[i] = (int32_t)(g_firm[r] - 1.0);
        d->panel_time[i] = g_year[r];
    }
    if (cluster) {
        d->cluster = gw_calloc(1, sizeof(gw_factor));
        d->ncluster = 1;
        d->cluster[0].name = gw_strdup("firm");
        d->cluster[0].codes = gw_alloc_array(n, sizeof(int32_t));
        memcpy(d->cluster[0].codes, d->panel_id->codes, n * sizeof(int32_t));
        d->cluster[0].nlevels = 10;
    }
    return d;
}

/* Options from a reference variance name: "iid", "cluster:firm", "dkL", "nwL", "dkL_sss"... */
static gw_panel_opts opts_for(gw_panel_model model, const char *vcov)
{
    gw_panel_opts o = {0};
    o.model = model;
    if (!strcmp(vcov, "cluster:firm"))
        o.ols.vcov = GW_VCOV_CLUSTER;
    if (!strncmp(vcov, "dk", 2) || !strncmp(vcov, "nw", 2)) {
        o.hac = vcov[0] == 'd' ? GW_PANEL_HAC_DK : GW_PANEL_HAC_NW;
        char *end;
        o.lags = (size_t)strtoul(vcov + 2, &end, 10);
        if (!strcmp(end, "_sss"))
            o.ssc = GW_PANEL_SSC_SSS;
        else if (!strcmp(end, "_hc1"))
            o.ssc = GW_PANEL_SSC_HC1;
    }
    return o;
}

/* Fit (refmodel, vcov) and compare every reference row of it. */
static void check_model(const char *refmodel, gw_panel_model model, int unbalanced,
                        const char *vcov)
{
    gw_design *d = grunfeld_panel(unbalanced, !strcmp(vcov, "cluster:firm"));
    gw_panel_opts o = opts_for(model, vcov);
    gw_result *r = NULL;
    gw_panel_info info;
    gw_status st = gw_panel_fit(d, &o, &r, &info);
    if (st != GW_OK)
        fail_msg("%s/%s: %s (%s)", refmodel, vcov, gw_status_str(st), gw_last_error());
    size_t compared = 0;
    char label[160];
    for (size_t i = 0; i < refs.n; i++) {
        const gwt_ref_row *f = &refs.rows[i];
        if (strcmp(f->model, refmodel) || strcmp(f->vcov, vcov))
            continue;
        snprintf(label, sizeof label, "%s/%s/%s/%s", refmodel, vcov, f->what, f->term);
        if (!strcmp(f->what, "estimate")) {
            check(r->estimate[gwt_term_index(r, f->term)], f->value, 0.0, 1e-9, label);
        } else if (!strcmp(f->what, "std_error")) {
            check(r->std_error[gwt_term_index(r, f->term)], f->value, 0.0, 1e-9, label);
        } else if (!strcmp(f->what, "vcov")) {
            char a[64];
            const char *bar = strchr(f->term, '|');
            snprintf(a, sizeof a, "%.*s", (int)(bar - f->term), f->term);
            size_t ia = gwt_term_index(r, a), ib = gwt_term_index(r, bar + 1), k = r->k;
            double scale = sqrt(r->vcov[ia + ia * k] * r->vcov[ib + ib * k]);
            check(r->vcov[ia + ib * k], f->value, scale, 1e-9, label);
        } else if (!strcmp(f->what, "nobs")) {
            assert_int_equal(r->nobs, (size_t)f->value);
        } else if (!strcmp(f->what, "df_resid")) {
            check(r->df_resid, f->value, 0.0, 0.0, label);
        } else if (!strcmp(f->what, "rss")) {
            check(r->rss, f->value, 0.0, 1e-10, label);
        } else if (!strcmp(f->what, "r2")) {
            check(r->r2, f->value, 0.0, 1e-10, label);
        } else if (!strcmp(f->what, "adj_r2")) {
            check(r->adj_r2, f->value, 0.0, 1e-10, label);
        } else if (!strcmp(f->what, "sigma2_e")) {
            check(info.sigma2_e, f->value, 0.0, 1e-10, label);
        } else if (!strcmp(f->what, "sigma2_u")) {
            check(info.sigma2_u, f->value, 0.0, 1e-10, label);
        } else if (!strcmp(f->what, "theta")) {
            if (f->term[0] == '\0') {
                check(info.theta_min, f->value, 0.0, 1e-12, label);
                check(info.theta_max, f->value, 0.0, 1e-12, label);
            } else {
                /* Per firm: theta of that firm's T_i. */
                size_t firm = (size_t)strtoul(f->term, NULL, 10) - 1, Ti = 0;
                for (size_t a = 0; a < d->n; a++)
                    Ti += (size_t)d->panel_id->codes[a] == firm;
                check(gw_panel_re_theta(&info, Ti), f->value, 0.0, 1e-12, label);
            }
        } else {
            fail_msg("unknown reference quantity %s", f->what);
        }
        compared++;
    }
    assert_true(compared >= 6);
    /* Conventions that the reference does not carry. */
    static const char *const est[] = {"ols", "re", "fd", "between", "within"};
    assert_string_equal(r->estimator, est[model]);
    if (o.hac != GW_PANEL_HAC_NONE) {
        char name[32];
        snprintf(name, sizeof name, "%s:%zu", o.hac == GW_PANEL_HAC_DK ? "dk" : "nw", o.lags);
        assert_string_equal(r->vcov_type, name);
        check(r->df_inference, (double)r->nobs - (double)r->k, 0.0, 0.0, "df_inference");
        assert_int_equal(info.n_periods, model == GW_PANEL_FD ? 19 : 20);
    }
    assert_int_equal(info.n_groups, 10);
    assert_int_equal(info.balanced, !unbalanced);
    gw_result_free(r);
    gw_design_free(d);
}

static void check_all_vcov(const char *refmodel, gw_panel_model model, int unbalanced)
{
    static const char *const kinds[] = {"iid",     "dk0",     "dk2",     "dk4",
                                        "nw0",     "nw2",     "nw4",     "dk2_sss",
                                        "dk2_hc1", "nw2_sss", "nw2_hc1", "cluster:firm"};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        if (model == GW_PANEL_WITHIN && !strcmp(kinds[k], "cluster:firm"))
            continue;
        check_model(refmodel, model, unbalanced, kinds[k]);
    }
}

static void test_panel_fit_pooling(void **state)
{
    (void)state;
    check_all_vcov("pool", GW_PANEL_POOLING, 0);
    check_all_vcov("pool_u", GW_PANEL_POOLING, 1);
}

static void test_panel_fit_re(void **state)
{
    (void)state;
    check_all_vcov("re", GW_PANEL_RE, 0);
    check_all_vcov("re_u", GW_PANEL_RE, 1);
}

static void test_panel_fit_fd(void **state)
{
    (void)state;
    check_all_vcov("fd", GW_PANEL_FD, 0);
    check_all_vcov("fd_u", GW_PANEL_FD, 1);
}

static void test_panel_fit_between(void **state)
{
    (void)state;
    check_model("between", GW_PANEL_BETWEEN, 0, "iid");
    check_model("between_u", GW_PANEL_BETWEEN, 1, "iid");
}

static void test_panel_fit_within(void **state)
{
    (void)state;
    check_all_vcov("within", GW_PANEL_WITHIN, 0);
    check_all_vcov("within_u", GW_PANEL_WITHIN, 1);
}

static void check_hausman(int unbalanced)
{
    const char *m = unbalanced ? "hausman_u" : "hausman";
    gw_design *d = grunfeld_panel(unbalanced, 0);
    gw_panel_hausman h;
    gw_status st = gw_panel_hausman_test(d, NULL, &h);
    if (st != GW_OK)
        fail_msg("%s: %s (%s)", m, gw_status_str(st), gw_last_error());
    check(h.chisq, ref_value(m, "iid", "chisq", ""), 0.0, 1e-9, "hausman chisq");
    check(h.df, ref_value(m, "iid", "df", ""), 0.0, 0.0, "hausman df");
    check(h.p_value, ref_value(m, "iid", "p_value", ""), 0.0, 1e-8, "hausman p");
    assert_int_equal(h.vdiff_not_pd, 0);
    /* Regression form: our quasi-demeaned constant (aux_theta, computed with lm + sandwich in
     * the script); on the balanced panel also plm's phtest(method = "aux"). */
    check(h.chisq_aux, ref_value(m, "aux_theta", "chisq", ""), 0.0, 1e-9, "aux chisq");
    check(h.chisq_robust, ref_value(m, "aux_theta_cluster", "chisq", ""), 0.0, 1e-9,
          "aux cluster chisq");
    check(h.df_aux, 2.0, 0.0, 0.0, "aux df");
    if (!unbalanced) {
        check(h.chisq_aux, ref_value(m, "aux", "chisq", ""), 0.0, 1e-9, "plm aux chisq");
        check(h.p_value_aux, ref_value(m, "aux", "p_value", ""), 0.0, 1e-8, "plm aux p");
        check(h.chisq_robust, ref_value(m, "aux_cluster", "chisq", ""), 0.0, 1e-9,
              "plm aux_cluster chisq");
        check(h.p_value_robust, ref_value(m, "aux_cluster", "p_value", ""), 0.0, 1e-8,
              "plm aux_cluster p");
    }
    assert_int_equal(h.n_groups, 10);
    gw_design_free(d);
}

static void test_panel_hausman_grunfeld(void **state)
{
    (void)state;
    check_hausman(0);
    check_hausman(1);
}

/* FD with GW_PANEL_FD_UNIT_GAP on the unbalanced panel: firms 1 (1938 -> 1941), 3 (1940 ->
 * 1942) and 9 (1943 -> 1945) each lose one difference; plm's row-wise FD keeps them. */
static void test_panel_fit_fd_unit_gap(void **state)
{
    (void)state;
    gw_design *d = grunfeld_panel(1, 0);
    gw_panel_opts o = {.model = GW_PANEL_FD};
    gw_result *r = NULL;
    gw_panel_info info;
    assert_int_equal(gw_panel_fit(d, &o, &r, &info), GW_OK);
    assert_int_equal(r->nobs, 183);
    assert_int_equal(info.fd_gaps, 0);
    gw_result_free(r);
    o.flags = GW_PANEL_FD_UNIT_GAP;
    assert_int_equal(gw_panel_fit(d, &o, &r, &info), GW_OK);
    assert_int_equal(r->nobs, 180);
    assert_int_equal(info.fd_gaps, 3);
    assert_int_equal(info.nobs_input, 193);
    gw_result_free(r);
    gw_design_free(d);
}

/* Lags are positions among the distinct times: any increasing map of the time values gives the
 * same variance, bit for bit. */
static void test_panel_vcov_hac_time_positions(void **state)
{
    (void)state;
    for (int kind = GW_PANEL_HAC_DK; kind <= GW_PANEL_HAC_NW; kind++) {
        gw_design *d = grunfeld_panel(1, 0);
        gw_panel_opts o = {.hac = (gw_panel_hac)kind, .lags = 3};
        gw_result *r0 = NULL, *r1 = NULL;
        assert_int_equal(gw_panel_fit(d, &o, &r0, NULL), GW_OK);
        for (size_t i = 0; i < d->n; i++)
            d->panel_time[i] = exp(d->panel_time[i] - 1930.0); /* uneven spacing */
        assert_int_equal(gw_panel_fit(d, &o, &r1, NULL), GW_OK);
        assert_memory_equal(r0->vcov, r1->vcov, r0->k * r0->k * sizeof(double));
        gw_result_free(r0);
        gw_result_free(r1);
        gw_design_free(d);
    }
}

/* A generated unbalanced panel of several row blocks (ids in random order of rows). */
static gw_design *generated_panel(size_t ng, size_t T)
{
    size_t n = 0, cap = ng * T;
    gw_design *d = NULL;
    assert_int_equal(gw_design_new(cap, 3, &d), GW_OK);
    d->has_intercept = 1;
    d->response = gw_strdup("y");
    const char *t[] = {"(Intercept)", "x1", "x2"};
    for (size_t j = 0; j < 3; j++)
        d->terms[j] = gw_strdup(t[j]);
    d->panel_id = gw_calloc(1, sizeof(gw_factor));
    d->panel_id->name = gw_strdup("id");
    d->panel_id->codes = gw_alloc_array(cap, sizeof(int32_t));
    d->panel_id->nlevels = ng;
    d->panel_time = gw_alloc_array(cap, sizeof(double));
    unsigned long long s = 12345;
    double *X = d->X;
    /* Rows in time-major order (each period lists the ids), with about 10% missing. */
    for (size_t t0 = 0; t0 < T; t0++)
        for (size_t g = 0; g < ng; g++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            double u = (double)(s >> 11) / 9007199254740992.0;
            if (u < 0.1)
                continue;
            double a = sin((double)g * 1.7), x1 = cos((double)(g * 31 + t0 * 7)) + a;
            double x2 = sin((double)(t0 * 13 + g * 3)) * 2.0 + u;
            X[n] = 1.0;
            X[cap + n] = x1;
            X[2 * cap + n] = x2;
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            double e = (double)(s >> 11) / 9007199254740992.0 - 0.5;
            d->y[n] = 1.0 + 0.5 * x1 - 0.25 * x2 + 2.0 * a + e;
            d->panel_id->codes[n] = (int32_t)g;
            d->panel_time[n] = 2000.0 + (double)t0;
            n++;
        }
    /* Compact the columns to n rows. */
    memmove(X + n, X + cap, n * sizeof(double));
    memmove(X + 2 * n, X + 2 * cap, n * sizeof(double));
    d->n = n;
    return d;
}

static void test_panel_fit_threads(void **state)
{
    (void)state;
    gw_design *d = generated_panel(700, 12); /* ~7,560 rows: two row blocks */
    assert_true(d->n > GW_BLOCK_ROWS);
    const int saved = gw_threads_get();
    const struct {
        gw_panel_model model;
        gw_panel_hac hac;
    } cases[] = {{GW_PANEL_RE, GW_PANEL_HAC_DK},     {GW_PANEL_RE, GW_PANEL_HAC_NW},
                 {GW_PANEL_FD, GW_PANEL_HAC_NW},     {GW_PANEL_POOLING, GW_PANEL_HAC_DK},
                 {GW_PANEL_WITHIN, GW_PANEL_HAC_NW}, {GW_PANEL_BETWEEN, GW_PANEL_HAC_NONE}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        gw_panel_opts o = {.model = cases[c].model, .hac = cases[c].hac, .lags = 2};
        gw_result *r1 = NULL, *r2 = NULL;
        gw_panel_info i1, i2;
        gw_threads_set(1);
        assert_int_equal(gw_panel_fit(d, &o, &r1, &i1), GW_OK);
        gw_threads_set(2);
        assert_int_equal(gw_panel_fit(d, &o, &r2, &i2), GW_OK);
        assert_int_equal(r1->k, r2->k);
        assert_memory_equal(r1->estimate, r2->estimate, r1->k * sizeof(double));
        assert_memory_equal(r1->vcov, r2->vcov, r1->k * r1->k * sizeof(double));
        assert_memory_equal(&r1->r2, &r2->r2, sizeof(double));
        assert_memory_equal(&i1.sigma2_u, &i2.sigma2_u, sizeof(double));
        /* The generating slopes are recovered (a sanity check of the transformations). */
        if (cases[c].model == GW_PANEL_WITHIN || cases[c].model == GW_PANEL_FD)
            gw_assert_close(r1->estimate[gwt_term_index(r1, "x1")], 0.5, 0.0, 0.05);
        gw_result_free(r1);
        gw_result_free(r2);
    }
    gw_panel_hausman h1, h2;
    gw_threads_set(1);
    assert_int_equal(gw_panel_hausman_test(d, NULL, &h1), GW_OK);
    gw_threads_set(2);
    assert_int_equal(gw_panel_hausman_test(d, NULL, &h2), GW_OK);
    assert_memory_equal(&h1.chisq, &h2.chisq, sizeof(double));
    assert_memory_equal(&h1.chisq_robust, &h2.chisq_robust, sizeof(double));
    gw_threads_set(saved);
    gw_design_free(d);
}

/* The DK of gw_panel_vcov_hac by a direct, unsorted computation on the generated panel. */
static void test_panel_vcov_hac_direct(void **state)
{
    (void)state;
    gw_design *d = generated_panel(40, 9);
    gw_panel_opts o = {.hac = GW_PANEL_HAC_DK, .lags = 3};
    gw_result *r = NULL;
    assert_int_equal(gw_panel_fit(d, &o, &r, NULL), GW_OK);
    const size_t n = d->n, k = 3, T = 9;
    /* Residuals from the result's estimates; bread by Gauss-Jordan on X'X. */
    double S[9][3] = {{0}}, XtX[3][6] = {{0}}, M[3][3] = {{0}}, V[3][3] = {{0}};
    for (size_t i = 0; i < n; i++) {
        double e = d->y[i];
        for (size_t j = 0; j < k; j++)
            e -= d->X[i + j * n] * r->estimate[j];
        size_t t = (size_t)(d->panel_time[i] - 2000.0);
        for (size_t j = 0; j < k; j++) {
            S[t][j] += e * d->X[i + j * n];
            for (size_t l = 0; l < k; l++)
                XtX[j][l] += d->X[i + j * n] * d->X[i + l * n];
        }
    }
    for (size_t j = 0; j < k; j++)
        XtX[j][k + j] = 1.0;
    for (size_t c = 0; c < k; c++) {
        double piv = XtX[c][c];
        for (size_t l = 0; l < 2 * k; l++)
            XtX[c][l] /= piv;
        for (size_t i = 0; i < k; i++)
            if (i != c) {
                double f = XtX[i][c];
                for (size_t l = 0; l < 2 * k; l++)
                    XtX[i][l] -= f * XtX[c][l];
            }
    }
    for (size_t l = 0; l <= 3; l++) {
        double w = l == 0 ? 1.0 : 1.0 - (double)l / 4.0;
        for (size_t t = l; t < T; t++)
            for (size_t a = 0; a < k; a++)
                for (size_t b = 0; b < k; b++)
                    M[a][b] += w * (l == 0 ? S[t][a] * S[t][b]
                                           : S[t][a] * S[t - l][b] + S[t - l][a] * S[t][b]);
    }
    for (size_t a = 0; a < k; a++)
        for (size_t b = 0; b < k; b++)
            for (size_t c = 0; c < k; c++)
                for (size_t e = 0; e < k; e++)
                    V[a][b] += XtX[a][k + c] * M[c][e] * XtX[e][k + b];
    for (size_t a = 0; a < k; a++)
        for (size_t b = 0; b < k; b++)
            gw_assert_close(r->vcov[a + b * k], V[a][b], 0.0, 1e-9 * sqrt(V[a][a] * V[b][b]));
    gw_result_free(r);
    gw_design_free(d);
}

/* Every failing status, with *out NULL and a message. */
static void test_panel_fit_errors(void **state)
{
    (void)state;
    enum {
        NO_ID,
        NO_TIME,
        NOINT,
        WEIGHTS,
        DUP_TIME,
        NAN_TIME,
        BETWEEN_DK,
        BAD_MODEL,
        BAD_HAC,
        FD_SINGLE,
        BAD_CODE,
        FE,
        EMPTY,
        WITHIN_HC1
    };
    const struct {
        const char *label;
        int kind;
        gw_panel_model model;
        gw_panel_hac hac;
        gw_status expected;
    } cases[] = {
        {"RE without panel id", NO_ID, GW_PANEL_RE, GW_PANEL_HAC_NONE, GW_EINVAL},
        {"FD without time", NO_TIME, GW_PANEL_FD, GW_PANEL_HAC_NONE, GW_EINVAL},
        {"DK without time", NO_TIME, GW_PANEL_POOLING, GW_PANEL_HAC_DK, GW_EINVAL},
        {"NW without id", NO_ID, GW_PANEL_POOLING, GW_PANEL_HAC_NW, GW_EINVAL},
        {"RE without intercept", NOINT, GW_PANEL_RE, GW_PANEL_HAC_NONE, GW_EINVAL},
        {"RE with weights", WEIGHTS, GW_PANEL_RE, GW_PANEL_HAC_NONE, GW_EUNSUPPORTED},
        {"FD duplicate time", DUP_TIME, GW_PANEL_FD, GW_PANEL_HAC_NONE, GW_EINVAL},
        {"NW duplicate time", DUP_TIME, GW_PANEL_POOLING, GW_PANEL_HAC_NW, GW_EINVAL},
        {"DK NaN time", NAN_TIME, GW_PANEL_POOLING, GW_PANEL_HAC_DK, GW_ENONFINITE},
        {"FD NaN time", NAN_TIME, GW_PANEL_FD, GW_PANEL_HAC_NONE, GW_ENONFINITE},
        {"between with DK", BETWEEN_DK, GW_PANEL_BETWEEN, GW_PANEL_HAC_DK, GW_EUNSUPPORTED},
        {"bad model", BAD_MODEL, GW_PANEL_NMODELS, GW_PANEL_HAC_NONE, GW_EINVAL},
        {"bad hac", BAD_HAC, GW_PANEL_POOLING, GW_PANEL_HAC_NKINDS, GW_EINVAL},
        {"FD one row per id", FD_SINGLE, GW_PANEL_FD, GW_PANEL_HAC_NONE, GW_ENODATA},
        {"RE one row per id", FD_SINGLE, GW_PANEL_RE, GW_PANEL_HAC_NONE, GW_ENODATA},
        {"panel code out of range", BAD_CODE, GW_PANEL_RE, GW_PANEL_HAC_NONE, GW_EINVAL},
        {"absorbed effects", FE, GW_PANEL_RE, GW_PANEL_HAC_NONE, GW_EUNSUPPORTED},
        {"no observations", EMPTY, GW_PANEL_RE, GW_PANEL_HAC_NONE, GW_ENODATA},
        {"within with HC1", WITHIN_HC1, GW_PANEL_WITHIN, GW_PANEL_HAC_NONE, GW_EUNSUPPORTED},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        gw_design *d = grunfeld_panel(0, 0);
        gw_panel_opts o = {.model = cases[c].model, .hac = cases[c].hac, .lags = 1};
        gw_factor fe = {0};
        size_t n0 = d->n;
        switch (cases[c].kind) {
        case NO_ID:
            gw_factor_free_fields(d->panel_id);
            gw_free(d->panel_id);
            d->panel_id = NULL;
            break;
        case NO_TIME:
            gw_free(d->panel_time);
            d->panel_time = NULL;
            break;
        case NOINT:
            d->has_intercept = 0;
            break;
        case WEIGHTS:
            d->w = gw_alloc_array(d->n, sizeof(double));
            for (size_t i = 0; i < d->n; i++)
                d->w[i] = 1.0;
            break;
        case DUP_TIME:
            d->panel_time[1] = d->panel_time[0];
            break;
        case NAN_TIME:
            d->panel_time[7] = NAN;
            break;
        case FD_SINGLE:
            for (size_t i = 0; i < d->n; i++)
                d->panel_id->codes[i] = (int32_t)i;
            d->panel_id->nlevels = d->n;
            break;
        case BAD_CODE:
            d->panel_id->codes[3] = 10;
            break;
        case FE:
            d->fe = &fe;
            d->nfe = 1;
            break;
        case EMPTY:
            d->n = 0;
            break;
        case WITHIN_HC1:
            o.ols.vcov = GW_VCOV_HC1;
            break;
        default:
            break;
        }
        gw_result *r = (gw_result *)(void *)&o; /* any non-NULL value */
        gw_clear_error();
        gw_status st = gw_panel_fit(d, &o, &r, NULL);
        if (st != cases[c].expected)
            fail_msg("%s: %s, expected %s (%s)", cases[c].label, gw_status_str(st),
                     gw_status_str(cases[c].expected), gw_last_error());
        assert_null(r);
        assert_true(gw_last_error()[0] != '\0');
        if (cases[c].kind == FE) {
            d->fe = NULL;
            d->nfe = 0;
        }
        d->n = n0;
        gw_design_free(d);
    }
    /* gw_panel_vcov_hac and gw_panel_hausman_test argument checks. */
    double V[9];
    assert_int_equal(gw_panel_vcov_hac(NULL, GW_PANEL_HAC_DK, 1, GW_PANEL_SSC_HC0, V, NULL),
                     GW_EINVAL);
    gw_panel_hac_data hd = {0};
    assert_int_equal(gw_panel_vcov_hac(&hd, GW_PANEL_HAC_NONE, 1, GW_PANEL_SSC_HC0, V, NULL),
                     GW_EINVAL);
    assert_int_equal(gw_panel_vcov_hac(&hd, GW_PANEL_HAC_DK, 1, GW_PANEL_SSC_HC0, V, NULL),
                     GW_EINVAL);
    gw_panel_hausman h;
    assert_int_equal(gw_panel_hausman_test(NULL, NULL, &h), GW_EINVAL);
    assert_true(isnan(h.chisq));
    gw_design *d = grunfeld_panel(0, 0);
    d->has_intercept = 0;
    assert_int_equal(gw_panel_hausman_test(d, NULL, &h), GW_EINVAL);
    gw_design_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_panel_fit_pooling),
        cmocka_unit_test(test_panel_fit_re),
        cmocka_unit_test(test_panel_fit_fd),
        cmocka_unit_test(test_panel_fit_between),
        cmocka_unit_test(test_panel_fit_within),
        cmocka_unit_test(test_panel_hausman_grunfeld),
        cmocka_unit_test(test_panel_fit_fd_unit_gap),
        cmocka_unit_test(test_panel_vcov_hac_time_positions),
        cmocka_unit_test(test_panel_vcov_hac_direct),
        cmocka_unit_test(test_panel_fit_threads),
        cmocka_unit_test(test_panel_fit_errors),
    };
    return cmocka_run_group_tests_name("panel", tests, group_setup, group_teardown);
}
