/* test_scenario_joint.c -- joint coefficient draws of goodwork scenario (api/scenario_joint.c):
 * the stacked covariance of the default pipeline's three equations against R
 * (scripts/ref/scenario_joint_ref.R -> datasets/generated/scenario_joint_ref.csv), each diagonal
 * block against the fit's own stored vcov, the fall-backs to independent draws, and the draws
 * themselves: correlated as the joint covariance says on data built with correlated errors,
 * the same stream as independent draws, the same bytes on 1 and 2 threads. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_alloc.h"
#include "gw_fit.h"
#include "gw_load.h"
#include "gw_par.h"
#include "gw_scenario_run.h"
#include "gw_test.h"
#include "scenario_joint_int.h"

#define NEQ 3
static const char *const names[NEQ] = {"life_sat", "autonomy", "log_pay"};
static const char *const formulas[NEQ] = {
    "life_sat ~ emp_rate + autonomy_share + log(median_hourly_pay) + auto_exposure | la_id + year",
    "autonomy_share ~ share_prof + emp_rate + auto_exposure | la_id + year",
    "log(median_hourly_pay) ~ emp_rate + share_prof | la_id + year"};

static gw_table *panel(void)
{
    gw_table *t = NULL;
    assert_int_equal(gw_data_load(gwt_source_path("datasets/uk_la_panel.csv"), NULL, &t), GW_OK);
    return t;
}

static void fit_all(const gw_table *t, const char *vcov, gw_result **fits)
{
    gw_fit_opts o;
    memset(&o, 0, sizeof o);
    o.vcov = vcov;
    for (size_t m = 0; m < NEQ; m++)
        assert_int_equal(gw_fit_table(t, formulas[m], &o, &fits[m]), GW_OK);
}

static void free_all(gw_result **fits, size_t n)
{
    for (size_t m = 0; m < n; m++)
        gw_result_free(fits[m]);
}

/* The R values, one "MODEL:TERM,MODEL:TERM,value" line each after the header. */
static double ref_value(const char *row, const char *col)
{
    char key[512];
    snprintf(key, sizeof key, "%s,%s,", row, col);
    return gwt_ref_key("datasets/generated/scenario_joint_ref.csv", key);
}

/* (1) each diagonal block equals the stored vcov to 1e-12 relative; (2) every entry equals R's
 * stacked covariance. The R demeaning is exact (dummy-variable least squares); goodwork's
 * converges to GW_HDFE_TOL (1.2e-10) relative on the demeaned columns, which bounds the
 * agreement: 1e-10 relative to sqrt(V_aa V_bb) (5e-13 measured, December 2026). */
static void test_joint_vs_r(void **state)
{
    (void)state;
    gw_table *t = panel();
    gw_result *fits[NEQ];
    fit_all(t, "cluster:la_id", fits);
    double *V = NULL;
    gwi_joint_info info;
    assert_int_equal(
        gwi_scenario_joint_vcov(t, (const gw_result *const *)fits, names, NEQ, &V, &info), GW_OK);
    assert_true(info.ok);
    assert_string_equal(info.cluster, "la_id");
    assert_int_equal(info.K, 9);
    assert_true(info.diag_rel < 1e-12);
    size_t K = info.K, off = 0;
    for (size_t m = 0; m < NEQ; off += fits[m]->k, m++) /* diagonal blocks, again by hand */
        for (size_t a = 0; a < fits[m]->k; a++)
            for (size_t b = 0; b < fits[m]->k; b++) {
                double s = fits[m]->vcov[a + b * fits[m]->k];
                double sc =
                    sqrt(fits[m]->vcov[a * (fits[m]->k + 1)] * fits[m]->vcov[b * (fits[m]->k + 1)]);
                assert_true(fabs(V[(off + a) + (off + b) * K] - s) <= 1e-12 * sc);
            }
    char lab[NEQ * 8][128];
    size_t at = 0, nref = 0;
    for (size_t m = 0; m < NEQ; m++)
        for (size_t a = 0; a < fits[m]->k; a++)
            snprintf(lab[at++], sizeof lab[0], "%s:%s", names[m], fits[m]->terms[a]);
    double worst = 0.0, cross_max = 0.0;
    for (size_t a = 0; a < K; a++)
        for (size_t b = 0; b < K; b++) {
            double r = ref_value(lab[a], lab[b]);
            assert_true(r == r); /* found */
            nref++;
            double sc = sqrt(V[a * (K + 1)] * V[b * (K + 1)]);
            double d = fabs(V[a + b * K] - r) / sc;
            worst = d > worst ? d : worst;
            if (strncmp(lab[a], lab[b], 4) != 0) /* a cross-equation entry */
                cross_max = fabs(r) / sc > cross_max ? fabs(r) / sc : cross_max;
        }
    printf("joint vcov vs R: %zu entries, largest difference %.3g of sqrt(V_aa V_bb); largest "
           "cross-equation correlation %.3f; diagonal blocks vs stored %.3g\n",
           nref, worst, cross_max, info.diag_rel);
    assert_int_equal(nref, 81);
    assert_true(worst < 1e-10);
    assert_true(cross_max > 0.05); /* the cross blocks are not zero: something to test */
    gw_free(V);
    free_all(fits, NEQ);
    gw_table_free(t);
}

/* Whatever makes joint draws impossible is reported, never an error. */
static void test_not_joint(void **state)
{
    (void)state;
    gw_table *t = panel();
    gw_result *fits[NEQ];
    fit_all(t, "cluster:la_id", fits);
    double *V = NULL;
    gwi_joint_info info;
    gw_fit_opts o;
    memset(&o, 0, sizeof o);
    gw_result *other = NULL;
    const struct {
        const char *vcov, *formula, *why;
    } cases[] = {
        {"iid", formulas[1], "model autonomy has vcov iid, not cluster:VAR"},
        {"cluster:year", formulas[1], "model autonomy is clustered by year, not la_id"},
        {"cluster:la_id+year", formulas[1], "model autonomy has vcov cluster:la_id+year"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        o.vcov = cases[c].vcov;
        assert_int_equal(gw_fit_table(t, cases[c].formula, &o, &other), GW_OK);
        const gw_result *f2[NEQ] = {fits[0], other, fits[2]};
        assert_int_equal(gwi_scenario_joint_vcov(t, f2, names, NEQ, &V, &info), GW_OK);
        assert_false(info.ok);
        assert_null(V);
        assert_non_null(strstr(info.why, cases[c].why));
        gw_result_free(other);
    }
    /* Other data than the fit's: one value changed. */
    ptrdiff_t j = gw_table_find(t, "share_prof");
    gw_table_numeric_mut(t, (size_t)j)[17] += 1.0;
    assert_int_equal(
        gwi_scenario_joint_vcov(t, (const gw_result *const *)fits, names, NEQ, &V, &info), GW_OK);
    assert_false(info.ok);
    assert_non_null(strstr(info.why, "not reproduced from the data"));
    free_all(fits, NEQ);
    gw_table_free(t);
}

/* Two equations whose errors share a component within each cluster: y1 = x + u + e1,
 * y2 = x + u + e2 (u per cluster and row, e small), OLS with an intercept (no absorbed
 * effects), clustered by g. Their slopes are strongly correlated. */
static gw_table *correlated(size_t n, size_t G)
{
    gw_table *t = NULL;
    gwt_rng r;
    gwt_rng_seed(&r, 7);
    double *x = gw_alloc_array(n, sizeof *x), *y1 = gw_alloc_array(n, sizeof *y1),
           *y2 = gw_alloc_array(n, sizeof *y2), *g = gw_alloc_array(n, sizeof *g);
    double *id = gw_alloc_array(n, sizeof *id), *yr = gw_alloc_array(n, sizeof *yr);
    for (size_t i = 0; i < n; i++) {
        g[i] = (double)(i % G);
        id[i] = (double)i;
        yr[i] = 2024.0;
        x[i] = gwt_rng_norm(&r);
        double u = (1.0 + x[i] * x[i]) * gwt_rng_norm(&r); /* heteroskedastic: slopes move */
        y1[i] = x[i] + u + 0.3 * gwt_rng_norm(&r);
        y2[i] = 2.0 * x[i] + u + 0.3 * gwt_rng_norm(&r);
    }
    assert_int_equal(gw_table_new(n, &t), GW_OK);
    assert_int_equal(gw_table_add_numeric_take(t, "x", x), GW_OK);
    assert_int_equal(gw_table_add_numeric_take(t, "y1", y1), GW_OK);
    assert_int_equal(gw_table_add_numeric_take(t, "y2", y2), GW_OK);
    assert_int_equal(gw_table_add_numeric_take(t, "g", g), GW_OK);
    assert_int_equal(gw_table_add_numeric_take(t, "id", id), GW_OK);
    assert_int_equal(gw_table_add_numeric_take(t, "year", yr), GW_OK);
    return t;
}

/* National change of y1 and y2 in each draw under x += 1: their draws are the slopes, so the
 * correlation of the draws is that of the slopes: the joint vcov's with joint draws, zero with
 * independent ones. Also the first equation's draws are the same in both (the factor's first
 * block is its own Cholesky factor, the normals the same), and joint draws do not depend on
 * the thread count. */
static void test_joint_draws(void **state)
{
    (void)state;
    const size_t n = 2000, G = 200, D = 2000;
    gw_table *t = correlated(n, G);
    gw_fit_opts fo;
    memset(&fo, 0, sizeof fo);
    fo.vcov = "cluster:g";
    gw_result *fits[2];
    const char *nm[2] = {"one", "two"};
    assert_int_equal(gw_fit_table(t, "y1 ~ x", &fo, &fits[0]), GW_OK);
    assert_int_equal(gw_fit_table(t, "y2 ~ x", &fo, &fits[1]), GW_OK);
    double *V = NULL;
    gwi_joint_info info;
    assert_int_equal(gwi_scenario_joint_vcov(t, (const gw_result *const *)fits, nm, 2, &V, &info),
                     GW_OK);
    assert_true(info.ok);
    assert_true(info.diag_rel < 1e-12);
    double rho = V[1 + 3 * 4] / sqrt(V[1 + 1 * 4] * V[3 + 3 * 4]); /* slope of one, of two */
    assert_true(rho > 0.5);
    const char *shock[1] = {"x+=1"};
    gw_scenario_data data = {t, NULL, NULL, NULL};
    gw_scenario_run_opts o;
    memset(&o, 0, sizeof o);
    o.draws = D;
    o.id = "id";
    double corr[2];
    const double *dr[2][2];
    gw_scenario_report *rep[2];
    for (int mode = 0; mode < 2; mode++) {
        o.flags = mode ? GW_SCENARIO_INDEPENDENT_DRAWS : GW_SCENARIO_JOINT_DRAWS;
        assert_int_equal(gw_scenario_table(&data, (const gw_result *const *)fits, nm, 2, shock, 1,
                                           &o, &rep[mode]),
                         GW_OK);
        const gw_scenario_settings *st = gw_scenario_report_settings(rep[mode]);
        assert_int_equal(st->coef_draws_joint, mode == 0);
        assert_null(st->coef_draws_note);
        const gw_scenario_summary *s = gw_scenario_report_national(rep[mode]);
        assert_int_equal(s->n_outcomes, 3); /* x, y1, y2 */
        dr[mode][0] = s->draw_mean + 1 * D;
        dr[mode][1] = s->draw_mean + 2 * D;
        double m0 = 0, m1 = 0, s00 = 0, s11 = 0, s01 = 0;
        for (size_t d = 0; d < D; d++) {
            m0 += dr[mode][0][d] / (double)D;
            m1 += dr[mode][1][d] / (double)D;
        }
        for (size_t d = 0; d < D; d++) {
            double a = dr[mode][0][d] - m0, b = dr[mode][1][d] - m1;
            s00 += a * a;
            s01 += a * b;
            s11 += b * b;
        }
        corr[mode] = s01 / sqrt(s00 * s11);
    }
    printf("slopes' correlation %.3f; draws: joint %.3f, independent %.3f\n", rho, corr[0],
           corr[1]);
    /* Sampling error of a correlation over 2000 draws: below 0.03 at these values. */
    assert_true(fabs(corr[0] - rho) < 0.05);
    assert_true(fabs(corr[1]) < 0.08);
    for (size_t d = 0; d < D; d++) /* equation one: the same draws in both modes */
        assert_true(fabs(dr[0][0][d] - dr[1][0][d]) <= 1e-12 * fabs(dr[1][0][d]) + 1e-15);
    /* Auto picks joint here; the same bytes on 1 and 2 threads. */
    int nt = gw_threads_get();
    gw_scenario_report *r1 = NULL, *r2 = NULL;
    o.flags = 0;
    gw_threads_set(1);
    assert_int_equal(
        gw_scenario_table(&data, (const gw_result *const *)fits, nm, 2, shock, 1, &o, &r1), GW_OK);
    gw_threads_set(2);
    assert_int_equal(
        gw_scenario_table(&data, (const gw_result *const *)fits, nm, 2, shock, 1, &o, &r2), GW_OK);
    gw_threads_set(nt);
    assert_true(gw_scenario_report_settings(r1)->coef_draws_joint);
    const gw_scenario_summary *a = gw_scenario_report_national(r1),
                              *b = gw_scenario_report_national(r2);
    assert_memory_equal(a->draw_mean, b->draw_mean, 3 * D * sizeof(double));
    assert_memory_equal(a->draw_mean, gw_scenario_report_national(rep[0])->draw_mean,
                        3 * D * sizeof(double));
    gw_scenario_report_free(r1);
    gw_scenario_report_free(r2);
    gw_scenario_report_free(rep[0]);
    gw_scenario_report_free(rep[1]);
    gw_free(V);
    free_all(fits, 2);
    gw_table_free(t);
}

/* --coef-draws joint when it is impossible: an error naming the reason; auto: a note. */
static void test_joint_refused(void **state)
{
    (void)state;
    gw_table *t = correlated(400, 40);
    gw_fit_opts fo;
    memset(&fo, 0, sizeof fo);
    gw_result *fits[2];
    const char *nm[2] = {"one", "two"};
    fo.vcov = "cluster:g";
    assert_int_equal(gw_fit_table(t, "y1 ~ x", &fo, &fits[0]), GW_OK);
    fo.vcov = "hc1";
    assert_int_equal(gw_fit_table(t, "y2 ~ x", &fo, &fits[1]), GW_OK);
    const char *shock[1] = {"x+=1"};
    gw_scenario_data data = {t, NULL, NULL, NULL};
    gw_scenario_run_opts o;
    memset(&o, 0, sizeof o);
    o.draws = 20;
    o.id = "id";
    o.flags = GW_SCENARIO_JOINT_DRAWS;
    gw_scenario_report *rep = NULL;
    assert_int_equal(
        gw_scenario_table(&data, (const gw_result *const *)fits, nm, 2, shock, 1, &o, &rep),
        GW_EINVAL);
    assert_string_equal(gw_last_error(),
                        "--coef-draws joint: model two has vcov hc1, not cluster:VAR");
    o.flags = 0;
    assert_int_equal(
        gw_scenario_table(&data, (const gw_result *const *)fits, nm, 2, shock, 1, &o, &rep), GW_OK);
    assert_false(gw_scenario_report_settings(rep)->coef_draws_joint);
    assert_string_equal(gw_scenario_report_settings(rep)->coef_draws_note,
                        "model two has vcov hc1, not cluster:VAR");
    gw_scenario_report_free(rep);
    o.flags = GW_SCENARIO_JOINT_DRAWS | GW_SCENARIO_INDEPENDENT_DRAWS;
    assert_int_equal(
        gw_scenario_table(&data, (const gw_result *const *)fits, nm, 2, shock, 1, &o, &rep),
        GW_EINVAL);
    free_all(fits, 2);
    gw_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_joint_vs_r),
        cmocka_unit_test(test_not_joint),
        cmocka_unit_test(test_joint_draws),
        cmocka_unit_test(test_joint_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
