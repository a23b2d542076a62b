/* test_synergy.c -- correlation matrices by year and period, partial correlations, changes,
 * and the employment-pay sign switch on the bundled panel, against base R
 * (datasets/generated/analyses_ref.csv, made by scripts/ref/analyses_ref.R). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_alloc.h"
#include "gw_csv.h"
#include "gw_synergy.h"
#include "gw_test.h"

/* The value called name in the reference file (fails the test when absent). */
static double ref(const char *name)
{
    FILE *f = fopen(gwt_source_path("datasets/generated/analyses_ref.csv"), "r");
    char line[256];
    double v = NAN;
    size_t len = strlen(name);
    assert_non_null(f);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, name, len) == 0 && line[len] == ',')
            v = strtod(line + len + 1, NULL);
    fclose(f);
    if (isnan(v))
        fail_msg("no reference value %s", name);
    return v;
}

typedef struct {
    gw_table *t;
    size_t n;
    double *X, *C, *id, *time;
} panel;

static const double *col(const gw_table *t, const char *name)
{
    ptrdiff_t j = gw_table_find(t, name);
    assert_true(j >= 0);
    return gw_table_numeric(t, (size_t)j);
}

/* vars: emp_rate, log(median_hourly_pay) [, autonomy_share, life_sat]; control share_prof. */
static void load(panel *P, size_t p)
{
    assert_int_equal(gw_csv_read_file(gwt_source_path("datasets/uk_la_panel.csv"), NULL, &P->t),
                     GW_OK);
    size_t n = P->n = gw_table_nrows(P->t);
    P->X = gw_alloc_array(n * p, sizeof(double));
    P->C = gw_alloc_array(n, sizeof(double));
    P->id = gw_alloc_array(n, sizeof(double));
    P->time = gw_alloc_array(n, sizeof(double));
    const double *e = col(P->t, "emp_rate"), *w = col(P->t, "median_hourly_pay");
    for (size_t i = 0; i < n; i++) {
        P->X[i] = e[i];
        P->X[i + n] = log(w[i]);
        if (p == 4) {
            P->X[i + 2 * n] = col(P->t, "autonomy_share")[i];
            P->X[i + 3 * n] = col(P->t, "life_sat")[i];
        }
        P->C[i] = col(P->t, "share_prof")[i];
        P->id[i] = col(P->t, "la_id")[i];
        P->time[i] = col(P->t, "year")[i];
    }
}

static void unload(panel *P)
{
    gw_table_free(P->t);
    gw_free(P->X);
    gw_free(P->C);
    gw_free(P->id);
    gw_free(P->time);
}

static void test_synergy_panel_matches_r(void **state)
{
    (void)state;
    panel P;
    load(&P, 2);
    gw_synergy *s = NULL;
    assert_int_equal(gw_synergy_compute(P.n, 2, P.X, 1, P.C, P.id, P.time, NULL, &s), GW_OK);
    assert_int_equal(s->nperiod, 3);
    assert_int_equal(s->ntime, 15);
    const char *per[3] = {"pre", "covid", "post"};
    const char *lab[3] = {"pre-2020", "2020-2021", "2022+"};
    char name[64];
    for (int q = 0; q < 3; q++) {
        const gw_cormat *c = &s->by_period[q];
        assert_string_equal(c->label, lab[q]);
        snprintf(name, sizeof name, "period_%s_n", per[q]);
        assert_int_equal(c->n, (size_t)ref(name));
        snprintf(name, sizeof name, "period_%s_emp_lpay_r", per[q]);
        gw_assert_close(c->r[1], ref(name), 1e-12, 0.0);
        gw_assert_close(c->r[2], ref(name), 1e-12, 0.0); /* symmetric */
        snprintf(name, sizeof name, "period_%s_emp_lpay_p", per[q]);
        gw_assert_close(c->p_value[1], ref(name), 1e-8, 0.0);
        snprintf(name, sizeof name, "period_%s_emp_lpay_ci_low", per[q]);
        gw_assert_close(c->ci_low[1], ref(name), 1e-12, 0.0);
        snprintf(name, sizeof name, "period_%s_emp_lpay_ci_high", per[q]);
        gw_assert_close(c->ci_high[1], ref(name), 1e-12, 0.0);
        snprintf(name, sizeof name, "partial_%s_emp_lpay_r", per[q]);
        gw_assert_close(s->partial[q].r[1], ref(name), 1e-10, 0.0);
    }
    /* by year: 2015 is index 5, 2020 index 10 (raw cross-section) */
    assert_string_equal(s->by_time[5].label, "2015");
    gw_assert_close(s->by_time[5].r[1], ref("year_2015_emp_lpay_r"), 1e-12, 0.0);
    gw_assert_close(s->by_time[5].p_value[1], ref("year_2015_emp_lpay_p"), 1e-8, 0.0);
    gw_assert_close(s->by_time[10].r[1], ref("year_2020_emp_lpay_r"), 1e-12, 0.0);
    gw_assert_close(s->by_time[10].p_value[1], ref("year_2020_emp_lpay_p"), 1e-8, 0.0);
    /* changes */
    assert_int_equal(s->changes[0].n, (size_t)ref("changes_pre_n"));
    gw_assert_close(s->changes[0].r[1], ref("changes_pre_emp_lpay_r"), 1e-10, 0.0);
    /* The sign switch: positive before 2020, negative in 2020-21, flagged. */
    assert_true(s->by_period[0].r[1] > 0.3 && s->by_period[1].r[1] < -0.3);
    int found = 0;
    for (size_t q = 0; q < s->nswitches; q++)
        found |= s->switches[q].i == 0 && s->switches[q].j == 1 && s->switches[q].a == 0 &&
                 s->switches[q].b == 1;
    assert_true(found);
    gw_synergy_free(s);
    unload(&P);
}

static void test_synergy_listwise_four_vars(void **state)
{
    (void)state;
    panel P;
    load(&P, 4);
    gw_synergy *s = NULL;
    gw_synergy_opts o = {0};
    o.no_changes = 1;
    assert_int_equal(gw_synergy_compute(P.n, 4, P.X, 0, NULL, P.id, P.time, &o, &s), GW_OK);
    assert_null(s->changes);
    assert_null(s->partial);
    const char *per[3] = {"pre", "covid", "post"};
    char name[64];
    for (int q = 0; q < 3; q++) {
        snprintf(name, sizeof name, "period4_%s_n", per[q]);
        assert_int_equal(s->by_period[q].n, (size_t)ref(name));
        snprintf(name, sizeof name, "period4_%s_aut_life_r", per[q]);
        gw_assert_close(s->by_period[q].r[2 * 4 + 3], ref(name), 1e-12, 0.0);
    }
    gw_synergy_free(s);
    unload(&P);
}

static void test_synergy_raw_and_breaks(void **state)
{
    (void)state;
    /* Two series, perfectly related in levels but with opposite within-year deviations. */
    double X[8] = {1, 2, 11, 12, /* x */ 2, 1, 12, 11 /* y */};
    double t[4] = {1, 1, 2, 2};
    double br[1] = {2};
    gw_synergy_opts o = {0};
    o.breaks = br;
    o.nbreaks = 1;
    o.demean_time = -1;
    gw_synergy *s = NULL;
    assert_int_equal(gw_synergy_compute(4, 2, X, 0, NULL, NULL, t, &o, &s), GW_OK);
    assert_int_equal(s->nperiod, 2);
    assert_string_equal(s->by_period[0].label, "pre-2");
    assert_string_equal(s->by_period[1].label, "2+");
    /* raw pooled: R cor(c(1,2,11,12), c(2,1,12,11)) = 99/101 */
    gw_assert_close(s->all.r[1], 99.0 / 101.0, 1e-14, 0.0);
    gw_synergy_free(s);
    o.demean_time = 0;
    assert_int_equal(gw_synergy_compute(4, 2, X, 0, NULL, NULL, t, &o, &s), GW_OK);
    gw_assert_close(s->all.r[1], -1.0, 0.0, 1e-15);
    assert_true(isnan(s->by_period[0].p_value[1])); /* n = 2: no test */
    gw_synergy_free(s);
}

static void test_synergy_errors(void **state)
{
    (void)state;
    double X[6] = {1, 2, 3, 4, 5, NAN}, t[3] = {1, 1, 1}, bad[2] = {3, 2};
    gw_synergy *s = (gw_synergy *)1;
    assert_int_equal(gw_synergy_compute(3, 1, X, 0, NULL, NULL, t, NULL, &s), GW_EDIM);
    assert_null(s);
    assert_int_equal(gw_synergy_compute(3, 2, NULL, 0, NULL, NULL, t, NULL, &s), GW_EINVAL);
    assert_true(gw_last_error()[0] != '\0');
    gw_synergy_opts o = {0};
    o.breaks = bad;
    o.nbreaks = 2;
    assert_int_equal(gw_synergy_compute(3, 2, X, 0, NULL, NULL, t, &o, &s), GW_EINVAL);
    o.nbreaks = 0;
    o.breaks = NULL;
    o.conf_level = 1.5;
    assert_int_equal(gw_synergy_compute(3, 2, X, 0, NULL, NULL, t, &o, &s), GW_EINVAL);
    double Y[4] = {NAN, NAN, 1, 2};
    assert_int_equal(gw_synergy_compute(2, 2, Y, 0, NULL, NULL, t, NULL, &s), GW_ENODATA);
    assert_null(s);
}

static void test_cor_test_values(void **state)
{
    (void)state;
    double pv, lo, hi;
    /* r = 0.5, n = 28: t = 0.5 sqrt(26 / 0.75) = 2.943920288775949; CI tanh(atanh(.5) -+
     * 1.959963984540054 / 5). */
    gw_cor_test(0.5, 28, 0, 0.95, &pv, &lo, &hi);
    gw_assert_close(lo, tanh(atanh(0.5) - 1.959963984540054 / 5.0), 1e-12, 0.0);
    gw_assert_close(hi, tanh(atanh(0.5) + 1.959963984540054 / 5.0), 1e-12, 0.0);
    gw_assert_close(pv, 0.0067408961377353254, 1e-9, 0.0); /* R: 2*pt(-2.9439..., 26) */
    gw_cor_test(0.5, 3, 0, 0.95, &pv, &lo, &hi);
    assert_true(isnan(pv) && isnan(lo));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_synergy_panel_matches_r),
        cmocka_unit_test(test_synergy_listwise_four_vars),
        cmocka_unit_test(test_synergy_raw_and_breaks),
        cmocka_unit_test(test_synergy_errors),
        cmocka_unit_test(test_cor_test_values),
    };
    return cmocka_run_group_tests_name("synergy", tests, NULL, NULL);
}
