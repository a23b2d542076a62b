/* test_index.c -- the composite index on a hand-made panel with answers worked out by hand,
 * PCA weights on the bundled panel against base R (datasets/generated/analyses_ref.csv),
 * and the sensitivity analysis's determinism (same seed, 1 vs 2 threads). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_alloc.h"
#include "gw_csv.h"
#include "gw_index.h"
#include "gw_par.h"
#include "gw_test.h"

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

/* 3 areas x 2 years, indicators a and b; area 3 misses a in year 2. */
static const double X6[12] = {0, 5, 10, 10, 5, NAN, /* a */ 10, 30, 20, 30, 10, 20 /* b */};
static const double ID6[6] = {1, 2, 3, 1, 2, 3};
static const double T6[6] = {1, 1, 1, 2, 2, 2};

static void test_index_minmax_equal_by_hand(void **state)
{
    (void)state;
    gw_index *x = NULL;
    assert_int_equal(gw_index_compute(6, 2, X6, ID6, T6, NULL, &x), GW_OK);
    const double v[5] = {0.0, 0.75, 0.75, 1.0, 0.25};
    for (int i = 0; i < 5; i++)
        gw_assert_close(x->value[i], v[i], 0.0, 1e-15);
    assert_true(isnan(x->value[5]) && isnan(x->rank[5]));
    assert_int_equal(x->nused, 5);
    /* competition ranking within year: ties share the best rank */
    gw_assert_close(x->rank[0], 3.0, 0.0, 0.0);
    gw_assert_close(x->rank[1], 1.0, 0.0, 0.0);
    gw_assert_close(x->rank[2], 1.0, 0.0, 0.0);
    gw_assert_close(x->rank[3], 1.0, 0.0, 0.0);
    gw_assert_close(x->rank[4], 2.0, 0.0, 0.0);
    gw_assert_close(x->rank_change[3], 2.0, 0.0, 0.0);  /* 3 -> 1 */
    gw_assert_close(x->rank_change[4], -1.0, 0.0, 0.0); /* 1 -> 2 */
    assert_true(isnan(x->rank_change[0]) && isnan(x->rank_change[5]));
    gw_assert_close(x->weights[0], 0.5, 0.0, 0.0);
    gw_index_free(x);
}

static void test_index_invert_user_geometric_z(void **state)
{
    (void)state;
    gw_index *x = NULL;
    int inv[2] = {0, 1};
    double uw[2] = {1.0, 3.0};
    gw_index_opts o = {0};
    o.invert = inv;
    assert_int_equal(gw_index_compute(6, 2, X6, ID6, T6, &o, &x), GW_OK);
    const double v[5] = {0.5, 0.25, 0.75, 0.5, 0.75};
    for (int i = 0; i < 5; i++)
        gw_assert_close(x->value[i], v[i], 0.0, 1e-15);
    gw_index_free(x);

    o.invert = NULL;
    o.weighting = GW_WEIGHTS_USER;
    o.user_weights = uw;
    assert_int_equal(gw_index_compute(6, 2, X6, ID6, T6, &o, &x), GW_OK);
    gw_assert_close(x->weights[1], 0.75, 0.0, 0.0);
    gw_assert_close(x->value[1], 0.25 * 0.5 + 0.75 * 1.0, 0.0, 1e-15);
    gw_index_free(x);

    o.weighting = GW_WEIGHTS_EQUAL;
    o.agg = GW_AGG_GEOMETRIC;
    assert_int_equal(gw_index_compute(6, 2, X6, ID6, T6, &o, &x), GW_OK);
    gw_assert_close(x->value[1], sqrt(1.5 * 2.0), 1e-15, 0.0);
    gw_assert_close(x->value[0], 1.0, 1e-15, 0.0);
    gw_index_free(x);

    o.agg = GW_AGG_ARITHMETIC;
    o.norm = GW_NORM_Z;
    assert_int_equal(gw_index_compute(6, 2, X6, ID6, T6, &o, &x), GW_OK);
    /* a over used rows 0,5,10,10,5: mean 6, var 70/4; b 10,30,20,30,10: mean 20, var 400/4 */
    gw_assert_close(x->norm[0], -6.0 / sqrt(17.5), 1e-14, 0.0);
    gw_assert_close(x->value[0], 0.5 * (-6.0 / sqrt(17.5)) + 0.5 * (-10.0 / 10.0), 1e-14, 0.0);
    gw_index_free(x);

    o.norm = GW_NORM_RANK;
    o.within_time = 1;
    assert_int_equal(gw_index_compute(6, 2, X6, ID6, T6, &o, &x), GW_OK);
    /* year 1: a ranks 0, .5, 1; b ranks 0, 1, .5. year 2 (two rows): a 1, 0; b 1, 0 */
    gw_assert_close(x->value[1], 0.75, 0.0, 1e-15);
    gw_assert_close(x->value[3], 1.0, 0.0, 1e-15);
    gw_index_free(x);
}

static void test_index_pca_matches_r(void **state)
{
    (void)state;
    gw_table *t = NULL;
    assert_int_equal(gw_csv_read_file(gwt_source_path("datasets/uk_la_panel.csv"), NULL, &t),
                     GW_OK);
    const char *names[6] = {"emp_rate",          "share_prof",     "sat_hours",
                            "median_hourly_pay", "autonomy_share", "deroutinisation"};
    const char *rn[6] = {"pca_w_emp_rate", "pca_w_share_prof",     "pca_w_sat_hours",
                         "pca_w_lpay",     "pca_w_autonomy_share", "pca_w_deroutinisation"};
    size_t n = gw_table_nrows(t);
    double *X = gw_alloc_array(6 * n, sizeof *X), *id = gw_alloc_array(n, sizeof *id);
    double *tm = gw_alloc_array(n, sizeof *tm);
    for (size_t j = 0; j < 6; j++) {
        const double *c = gw_table_numeric(t, (size_t)gw_table_find(t, names[j]));
        for (size_t i = 0; i < n; i++)
            X[i + j * n] = j == 3 ? log(c[i]) : c[i];
    }
    memcpy(id, gw_table_numeric(t, (size_t)gw_table_find(t, "la_id")), n * sizeof *id);
    memcpy(tm, gw_table_numeric(t, (size_t)gw_table_find(t, "year")), n * sizeof *tm);
    gw_index_opts o = {0};
    o.weighting = GW_WEIGHTS_PCA;
    gw_index *x = NULL;
    assert_int_equal(gw_index_compute(n, 6, X, id, tm, &o, &x), GW_OK);
    double s = 0.0;
    for (int j = 0; j < 6; j++) {
        gw_assert_close(x->weights[j], ref(rn[j]), 1e-10, 0.0);
        s += x->weights[j];
    }
    gw_assert_close(s, 1.0, 1e-14, 0.0);
    gw_assert_close(x->pca_share, ref("pca_share"), 1e-12, 0.0);
    gw_index_free(x);

    /* Sensitivity: same seed -> same bits; 1 vs 2 threads identical. */
    o.draws = 100;
    o.seed = 42;
    gw_index *a = NULL, *b = NULL;
    gw_threads_set(1);
    assert_int_equal(gw_index_compute(n, 6, X, id, tm, &o, &a), GW_OK);
    gw_threads_set(2);
    assert_int_equal(gw_index_compute(n, 6, X, id, tm, &o, &b), GW_OK);
    assert_memory_equal(a->sens_median, b->sens_median, n * sizeof(double));
    assert_memory_equal(a->sens_q05, b->sens_q05, n * sizeof(double));
    assert_memory_equal(a->sens_q95, b->sens_q95, n * sizeof(double));
    for (size_t i = 0; i < n; i++)
        assert_true(a->sens_q05[i] <= a->sens_median[i] && a->sens_median[i] <= a->sens_q95[i]);
    gw_index_free(b);
    o.seed = 43;
    assert_int_equal(gw_index_compute(n, 6, X, id, tm, &o, &b), GW_OK);
    assert_true(memcmp(a->sens_q95, b->sens_q95, n * sizeof(double)) != 0);
    gw_index_free(a);
    gw_index_free(b);
    gw_threads_set(0);
    gw_free(X);
    gw_free(id);
    gw_free(tm);
    gw_table_free(t);
}

static void test_index_errors(void **state)
{
    (void)state;
    gw_index *x = (gw_index *)1;
    assert_int_equal(gw_index_compute(0, 2, X6, NULL, NULL, NULL, &x), GW_EDIM);
    assert_null(x);
    assert_int_equal(gw_index_compute(6, 2, NULL, NULL, NULL, NULL, &x), GW_EINVAL);
    double C[4] = {1, 1, 2, 3};
    assert_int_equal(gw_index_compute(2, 2, C, NULL, NULL, NULL, &x), GW_EILLCOND);
    assert_true(gw_last_error()[0] != '\0');
    double M[4] = {1, NAN, 2, 3};
    assert_int_equal(gw_index_compute(2, 2, M, NULL, NULL, NULL, &x), GW_ENODATA);
    gw_index_opts o = {0};
    double neg[2] = {-1.0, 2.0};
    o.weighting = GW_WEIGHTS_USER;
    o.user_weights = neg;
    o.agg = GW_AGG_GEOMETRIC;
    assert_int_equal(gw_index_compute(6, 2, X6, ID6, T6, &o, &x), GW_EINVAL);
    o.user_weights = NULL;
    assert_int_equal(gw_index_compute(6, 2, X6, ID6, T6, &o, &x), GW_EINVAL);
    o = (gw_index_opts){0};
    o.concentration = -1.0;
    assert_int_equal(gw_index_compute(6, 2, X6, ID6, T6, &o, &x), GW_EINVAL);
    /* pca of two perfectly opposed indicators: the loadings sum to zero */
    double Y[6] = {1, 2, 3, 3, 2, 1};
    o = (gw_index_opts){0};
    o.weighting = GW_WEIGHTS_PCA;
    assert_int_equal(gw_index_compute(3, 2, Y, NULL, NULL, &o, &x), GW_EILLCOND);
    assert_null(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_minmax_equal_by_hand),
        cmocka_unit_test(test_index_invert_user_geometric_z),
        cmocka_unit_test(test_index_pca_matches_r),
        cmocka_unit_test(test_index_errors),
    };
    return cmocka_run_group_tests_name("index", tests, NULL, NULL);
}
