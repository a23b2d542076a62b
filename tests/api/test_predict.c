/* test_predict.c -- gw_predict_table (api/gw_predict.h) and gw_fixef_estimate (api/gw_fixef.h)
 * on exact data, against values known in closed form: y = 1 + 2 [g=b] + 3 [g=c] + 0.5 x is fitted
 * exactly, so every prediction is known; the new table has the levels in another order, lacks the
 * fit's reference level, has a level the fit never saw and a missing value. The fixed effects of
 * y = a_i + c_t + 0.5 x are recovered with the documented normalisation (first level of the
 * second set at 0). */
#include <math.h>
#include <string.h>

#include "gw_alloc.h"
#include "gw_fit.h"
#include "gw_fixef.h"
#include "gw_frame.h"
#include "gw_predict.h"
#include "gw_test.h"

/* A table of n rows: a categorical column g (levels given, codes) and numeric x (and y). */
static gw_table *make_table(size_t n, const char *const *levels, size_t nl, const int32_t *codes,
                            const double *x, const double *y)
{
    gw_table *t = NULL;
    assert_int_equal(gw_table_new(n, &t), GW_OK);
    char **lv = gw_alloc_array(nl, sizeof *lv);
    int32_t *c = gw_alloc_array(n, sizeof *c);
    double *xv = gw_alloc_array(n, sizeof *xv);
    for (size_t l = 0; l < nl; l++)
        lv[l] = gw_strdup(levels[l]);
    memcpy(c, codes, n * sizeof *c);
    memcpy(xv, x, n * sizeof *xv);
    assert_int_equal(gw_table_add_categorical_take(t, "g", c, lv, nl), GW_OK);
    assert_int_equal(gw_table_add_numeric_take(t, "x", xv), GW_OK);
    if (y != NULL) {
        double *yv = gw_alloc_array(n, sizeof *yv);
        memcpy(yv, y, n * sizeof *yv);
        assert_int_equal(gw_table_add_numeric_take(t, "y", yv), GW_OK);
    }
    return t;
}

static double truth(int level, double x)
{
    return 1.0 + (level == 1 ? 2.0 : level == 2 ? 3.0 : 0.0) + 0.5 * x;
}

static void test_levels_by_name(void **state)
{
    (void)state;
    static const char *const lv[] = {"a", "b", "c"};
    enum { N = 12 };
    int32_t codes[N];
    double x[N], y[N];
    for (int i = 0; i < N; i++) {
        codes[i] = i % 3;
        x[i] = (double)(i * i % 7) - 2.5;
        y[i] = truth(i % 3, x[i]);
    }
    gw_table *t = make_table(N, lv, 3, codes, x, y);
    gw_result *r = NULL;
    assert_int_equal(gw_fit_table(t, "y ~ g + x", NULL, &r), GW_OK);
    assert_int_equal(r->nfactor_levels, 3); /* g=a (the reference), g=b, g=c */
    /* New data: levels in another order, no "a" except once, an unseen "z", a missing x. */
    static const char *const nlv[] = {"c", "z", "b", "a"};
    const int32_t nc[] = {0, 2, 1, 3, 0, 2};
    const double nx[] = {2.0, -1.0, 0.0, 4.0, NAN, 0.25};
    gw_table *nt = make_table(6, nlv, 4, nc, nx, NULL);
    gw_prediction *p = NULL;
    gw_predict_opts o = {0.9, GW_PREDICT_SE};
    assert_int_equal(gw_predict_table(r, nt, &o, &p), GW_OK);
    const int map[] = {2, -1, 1, 0}; /* new code -> fit level */
    for (size_t i = 0; i < 6; i++) {
        if (nc[i] == 1 || isnan(nx[i])) {
            assert_true(isnan(p->fit[i]));
            continue;
        }
        gw_assert_close(p->fit[i], truth(map[nc[i]], nx[i]), 1e-12, 1e-12);
        assert_true(p->se[i] >= 0.0 && p->lo[i] <= p->fit[i] && p->hi[i] >= p->fit[i]);
    }
    assert_int_equal(p->n_missing, 1);
    assert_int_equal(p->n_unseen, 1);
    assert_int_equal(p->n_unseen_names, 1);
    assert_string_equal(p->unseen[0], "g=z");
    gw_prediction_free(p);
    /* The response scale is for GLMs only. */
    o.flags = GW_PREDICT_RESPONSE;
    assert_int_equal(gw_predict_table(r, nt, &o, &p), GW_EINVAL);
    assert_null(p);
    gw_table_free(nt);
    gw_result_free(r);
    gw_table_free(t);
}

/* y = a_g + c_t + 0.5 x exactly (g: 3 levels, t = x's integer part used as a second set). */
static void test_fixef_exact(void **state)
{
    (void)state;
    static const char *const lv[] = {"a", "b", "c"};
    enum { N = 18 };
    int32_t codes[N];
    double x[N], y[N], tt[N];
    const double ag[] = {1.0, -2.0, 0.5}, ct[] = {0.0, 0.75, -1.25};
    for (int i = 0; i < N; i++) {
        codes[i] = i % 3;
        tt[i] = (double)((i / 3) % 3);
        x[i] = (double)((i * 5) % 11) * 0.5;
        y[i] = ag[i % 3] + ct[(i / 3) % 3] + 0.5 * x[i];
    }
    gw_table *t = make_table(N, lv, 3, codes, x, y);
    double *tv = gw_alloc_array(N, sizeof *tv);
    memcpy(tv, tt, sizeof tt);
    assert_int_equal(gw_table_add_numeric_take(t, "t", tv), GW_OK);
    gw_fit_opts fo = {0};
    fo.flags = GW_FIT_SAVE_FE;
    gw_result *r = NULL;
    assert_int_equal(gw_fit_table(t, "y ~ x | g + t", &fo, &r), GW_OK);
    gw_assert_close(r->estimate[0], 0.5, 1e-12, 0.0);
    assert_int_equal(r->fixed_effects[0].neffects, 3);
    assert_int_equal(r->fixed_effects[1].neffects, 3);
    for (size_t l = 0; l < 3; l++) {
        gw_assert_close(r->fixed_effects[0].effects[l], ag[l] + ct[0], 1e-11, 1e-11);
        gw_assert_close(r->fixed_effects[1].effects[l], ct[l] - ct[0], 1e-11, 1e-11);
    }
    assert_string_equal(r->fixed_effects[1].level_names[2], "2");
    /* Predictions through the effects reproduce y. */
    gw_prediction *p = NULL;
    assert_int_equal(gw_predict_table(r, t, NULL, &p), GW_OK);
    for (size_t i = 0; i < N; i++)
        gw_assert_close(p->fit[i], y[i], 1e-11, 1e-11);
    gw_prediction_free(p);
    gw_predict_opts o = {0.0, GW_PREDICT_SE};
    assert_int_equal(gw_predict_table(r, t, &o, &p), GW_EUNSUPPORTED);
    gw_result_free(r);
    /* --save-fe without fixed effects, and gw_fixef_estimate's argument checks. */
    assert_int_equal(gw_fit_table(t, "y ~ x", &fo, &r), GW_EINVAL);
    assert_int_equal(gw_fixef_estimate(NULL, NULL, 0), GW_EINVAL);
    gw_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levels_by_name),
        cmocka_unit_test(test_fixef_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
