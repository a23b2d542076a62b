/* test_index.c -- the composite index on a hand-made panel with answers worked out by hand,
 * PCA weights on the bundled panel against base R (datasets/generated/analyses_ref.csv),
 * the sensitivity analysis's determinism (same seed, 1 vs 2 threads) and its intervals against
 * a computation from the definition, and goalposts: adding 2024 to 2010-2023 moves the earlier
 * values without them and leaves them bit for bit with them; messages naming indicator and
 * year. */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort_double.h>
#include <gsl/gsl_statistics_double.h>
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

/* ---- goalposts (gw_index.h, step 7) --------------------------------------------------- */

/* The bundled panel's indicators of the example (log pay; anxiety inverted). */
static const char *const GP_NAMES[5] = {"emp_rate", "share_prof", "sat_hours",
                                        "log(real_hourly_pay)", "anxiety"};
static const int GP_INV[5] = {0, 0, 0, 0, 1};

typedef struct {
    size_t n;
    double *X, *id, *tm;
    size_t *src; /* row of the whole panel */
} gp_panel;

/* The panel's rows with year <= last (every row: last = INFINITY), in the file's order. */
static gp_panel gp_load(const gw_table *t, double last)
{
    size_t N = gw_table_nrows(t), n = 0;
    const double *year = gw_table_numeric(t, (size_t)gw_table_find(t, "year"));
    const double *la = gw_table_numeric(t, (size_t)gw_table_find(t, "la_id"));
    const char *cols[5] = {"emp_rate", "share_prof", "sat_hours", "real_hourly_pay", "anxiety"};
    gp_panel g = {0};
    g.X = gw_alloc_array(5 * N, sizeof *g.X);
    g.id = gw_alloc_array(N, sizeof *g.id);
    g.tm = gw_alloc_array(N, sizeof *g.tm);
    g.src = gw_alloc_array(N, sizeof *g.src);
    assert_non_null(g.X);
    for (size_t i = 0; i < N; i++)
        if (year[i] <= last)
            g.src[n++] = i;
    for (size_t j = 0; j < 5; j++) {
        const double *c = gw_table_numeric(t, (size_t)gw_table_find(t, cols[j]));
        for (size_t k = 0; k < n; k++)
            g.X[k + j * n] = j == 3 ? log(c[g.src[k]]) : c[g.src[k]];
    }
    for (size_t k = 0; k < n; k++) {
        g.id[k] = la[g.src[k]];
        g.tm[k] = year[g.src[k]];
    }
    g.n = n;
    return g;
}

static void gp_free(gp_panel *g)
{
    gw_free(g->X);
    gw_free(g->id);
    gw_free(g->tm);
    gw_free(g->src);
}

static gw_index *gp_run(const gp_panel *g, gw_index_opts o)
{
    gw_index *x = NULL;
    o.invert = GP_INV;
    o.names = GP_NAMES;
    if (gw_index_compute(g->n, 5, g->X, g->id, g->tm, &o, &x) != GW_OK)
        fail_msg("%s", gw_last_error());
    return x;
}

/* How many of a's rows (the short panel s) differ from b's (the long panel l) in value or rank,
 * bit for bit (NaN equal to NaN); the largest value difference into *dmax. */
static size_t gp_diff(const gp_panel *s, const gw_index *a, const gw_index *b, double *dmax)
{
    size_t nd = 0;
    *dmax = 0.0;
    for (size_t k = 0; k < s->n; k++) {
        size_t i = s->src[k]; /* the long panel holds every row, in the file's order */
        if (memcmp(&a->value[k], &b->value[i], sizeof(double)) != 0 ||
            memcmp(&a->rank[k], &b->rank[i], sizeof(double)) != 0 ||
            memcmp(&a->rank_change[k], &b->rank_change[i], sizeof(double)) != 0)
            nd++;
        if (!isnan(a->value[k]) && fabs(a->value[k] - b->value[i]) > *dmax)
            *dmax = fabs(a->value[k] - b->value[i]);
    }
    return nd;
}

/* The problem and its fix: the index of 2010-2023 and of 2010-2024 agree on 2010-2023
 * bit for bit with goalposts (every normalisation, pca weights, geometric mean, sensitivity
 * intervals), and differ without them. */
static void test_index_goalposts_adding_a_year(void **state)
{
    (void)state;
    gw_table *t = NULL;
    assert_int_equal(gw_csv_read_file(gwt_source_path("datasets/uk_la_panel.csv"), NULL, &t),
                     GW_OK);
    gp_panel s = gp_load(t, 2023), l = gp_load(t, INFINITY);
    assert_int_equal(l.n, gw_table_nrows(t));
    assert_int_equal(s.n, l.n / 15 * 14);
    double dmax;

    /* Without goalposts: values and ranks of 2010-2023 move when 2024 comes. */
    gw_index *a = gp_run(&s, (gw_index_opts){0}), *b = gp_run(&l, (gw_index_opts){0});
    size_t moved = gp_diff(&s, a, b, &dmax);
    size_t rank_moved = 0;
    for (size_t k = 0; k < s.n; k++)
        rank_moved += !isnan(a->rank[k]) && a->rank[k] != b->rank[s.src[k]];
    printf("  without goalposts: %zu of %zu rows change, %zu ranks, max |d value| %.3g\n", moved,
           s.n, rank_moved, dmax);
    assert_true(rank_moved > 100 && dmax > 1e-3);
    gw_index_free(a);
    gw_index_free(b);

    const gw_index_opts cases[] = {
        {.goal = GW_GOAL_BASE, .base_from = 2015, .base_to = 2015},
        {.norm = GW_NORM_Z, .goal = GW_GOAL_BASE, .base_from = 2010, .base_to = 2015},
        {.norm = GW_NORM_RANK, .goal = GW_GOAL_BASE, .base_from = 2015, .base_to = 2015},
        {.agg = GW_AGG_GEOMETRIC, .goal = GW_GOAL_BASE, .base_from = 2012, .base_to = 2016},
        {.norm = GW_NORM_RANK,
         .agg = GW_AGG_GEOMETRIC,
         .goal = GW_GOAL_BASE,
         .base_from = 2015,
         .base_to = 2015},
        {.weighting = GW_WEIGHTS_PCA, .goal = GW_GOAL_BASE, .base_from = 2010, .base_to = 2012},
        {.draws = 40, .seed = 7, .goal = GW_GOAL_BASE, .base_from = 2015, .base_to = 2015},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        a = gp_run(&s, cases[c]);
        b = gp_run(&l, cases[c]);
        if (gp_diff(&s, a, b, &dmax) != 0)
            fail_msg("case %zu: 2010-2023 moved by up to %g with goalposts", c, dmax);
        assert_memory_equal(a->weights, b->weights, 5 * sizeof(double));
        assert_memory_equal(a->goal_a, b->goal_a, 5 * sizeof(double));
        assert_memory_equal(a->goal_b, b->goal_b, 5 * sizeof(double));
        for (size_t k = 0; cases[c].draws && k < s.n; k++) {
            size_t i = s.src[k];
            assert_memory_equal(&a->sens_q05[k], &b->sens_q05[i], sizeof(double));
            assert_memory_equal(&a->sens_median[k], &b->sens_median[i], sizeof(double));
            assert_memory_equal(&a->sens_q95[k], &b->sens_q95[i], sizeof(double));
        }
        if (cases[c].norm != GW_NORM_RANK && cases[c].weighting != GW_WEIGHTS_PCA) {
            /* The goalposts a run used, given back as fixed goalposts, give its values. */
            gw_index_opts f = cases[c];
            f.goal = GW_GOAL_FIXED;
            f.goal_a = a->goal_a;
            f.goal_b = a->goal_b;
            gw_index *fx = gp_run(&l, f);
            if (gp_diff(&s, a, fx, &dmax) != 0)
                fail_msg("case %zu: fixed goalposts differ from the base's by %g", c, dmax);
            gw_index_free(fx);
        }
        gw_index_free(a);
        gw_index_free(b);
    }

    /* A base period covering every year is the default, bit for bit. */
    const gw_index_opts same[] = {
        {.norm = GW_NORM_MINMAX},  {.norm = GW_NORM_Z},
        {.norm = GW_NORM_RANK},    {.weighting = GW_WEIGHTS_PCA},
        {.agg = GW_AGG_GEOMETRIC}, {.norm = GW_NORM_RANK, .agg = GW_AGG_GEOMETRIC}};
    for (size_t c = 0; c < sizeof same / sizeof same[0]; c++) {
        gw_index_opts o = same[c];
        a = gp_run(&l, o);
        o.goal = GW_GOAL_BASE;
        o.base_from = 2010;
        o.base_to = 2024;
        b = gp_run(&l, o);
        assert_memory_equal(a->value, b->value, l.n * sizeof(double));
        assert_memory_equal(a->rank, b->rank, l.n * sizeof(double));
        assert_memory_equal(a->norm, b->norm, 5 * l.n * sizeof(double));
        assert_memory_equal(a->weights, b->weights, 5 * sizeof(double));
        assert_null(a->goal_a);
        assert_non_null(b->goal_a);
        gw_index_free(a);
        gw_index_free(b);
    }
    gp_free(&s);
    gp_free(&l);
    gw_table_free(t);
}

/* Goalposts on the hand-made panel X6 (a: 0 5 10 | 10 5 NaN; b: 10 30 20 | 30 10 20). */
static void test_index_goalposts_by_hand(void **state)
{
    (void)state;
    gw_index *x = NULL;
    /* fixed a 0:20, b 0:40: v = (a/20 + b/40) / 2 */
    const double ga[2] = {0, 0}, gb[2] = {20, 40};
    gw_index_opts o = {.goal = GW_GOAL_FIXED, .goal_a = ga, .goal_b = gb};
    assert_int_equal(gw_index_compute(6, 2, X6, ID6, T6, &o, &x), GW_OK);
    const double v[5] = {0.125, 0.5, 0.5, 0.625, 0.25};
    for (int i = 0; i < 5; i++)
        gw_assert_close(x->value[i], v[i], 0.0, 1e-15);
    assert_true(isnan(x->value[5]));
    gw_assert_close(x->goal_b[1], 40.0, 0.0, 0.0);
    gw_index_free(x);
    /* geometric: y = 1 + v, not shifted by the data's minimum (b's is 0.25 here) */
    o.agg = GW_AGG_GEOMETRIC;
    assert_int_equal(gw_index_compute(6, 2, X6, ID6, T6, &o, &x), GW_OK);
    gw_assert_close(x->value[0], sqrt(1.0 * 1.25), 1e-15, 0.0);
    gw_assert_close(x->value[3], sqrt(1.5 * 1.75), 1e-15, 0.0);
    gw_index_free(x);

    /* base year 2 (rows 3, 4; a 10 5, b 30 10): year 1's a = 0 lies below: (0-5)/5 = -1 */
    o = (gw_index_opts){.goal = GW_GOAL_BASE, .base_from = 2, .base_to = 2};
    assert_int_equal(gw_index_compute(6, 2, X6, ID6, T6, &o, &x), GW_OK);
    gw_assert_close(x->norm[0], -1.0, 0.0, 0.0);
    gw_assert_close(x->value[0], 0.5 * (-1.0 + 0.0), 0.0, 1e-15);
    gw_assert_close(x->value[1], 0.5 * (0.0 + 1.0), 0.0, 1e-15);
    gw_assert_close(x->goal_a[0], 5.0, 0.0, 0.0);
    gw_assert_close(x->goal_b[0], 10.0, 0.0, 0.0);
    gw_assert_close(x->base_from, 2.0, 0.0, 0.0);
    gw_index_free(x);

    /* z, base year 1: a mean 5 sd 5, b mean 20 sd 10; year 2's a = 10 -> 1, b = 30 -> 1 */
    o = (gw_index_opts){.norm = GW_NORM_Z, .goal = GW_GOAL_BASE, .base_from = 1, .base_to = 1};
    assert_int_equal(gw_index_compute(6, 2, X6, ID6, T6, &o, &x), GW_OK);
    gw_assert_close(x->value[3], 1.0, 1e-15, 0.0);
    gw_assert_close(x->goal_b[0], 5.0, 1e-15, 0.0);
    gw_index_free(x);

    /* rank against base {1, 2, 3}: 0 -> -0.5/2, 2 -> 0.5, 2.5 -> (2*2 - 1)/2/2, 9 -> 2.5/2 */
    double X2[10] = {1, 2, 3, 0, 9, /* a */ 0, 1, 2, 3, 4 /* b */};
    const double TR[5] = {1, 1, 1, 2, 2};
    o = (gw_index_opts){.norm = GW_NORM_RANK, .goal = GW_GOAL_BASE, .base_from = 1, .base_to = 1};
    assert_int_equal(gw_index_compute(5, 2, X2, NULL, TR, &o, &x), GW_OK);
    gw_assert_close(x->norm[3], -0.25, 0.0, 0.0);
    gw_assert_close(x->norm[4], 1.25, 0.0, 0.0);
    gw_assert_close(x->norm[1], 0.5, 0.0, 0.0);
    gw_assert_close(x->norm[5 + 3], 1.25, 0.0, 0.0); /* b: base {0, 1, 2}, 3 above all */
    assert_true(isnan(x->goal_a[0]));
    gw_index_free(x);
    X2[3] = 2.5;
    assert_int_equal(gw_index_compute(5, 2, X2, NULL, TR, &o, &x), GW_OK);
    gw_assert_close(x->norm[3], 0.75, 0.0, 0.0);
    gw_index_free(x);
}

/* Messages name the indicator and the time value; option conflicts are GW_EINVAL. */
static void test_index_goalposts_errors(void **state)
{
    (void)state;
    gw_index *x = (gw_index *)1;
    const char *const names[2] = {"emp_rate", "life_sat"};
    /* life_sat constant (7.5) in year 2 */
    const double C[8] = {60, 70, 65, 75, 7.1, 7.4, 7.5, 7.5};
    const double T[4] = {2012, 2012, 2013, 2013};
    gw_index_opts o = {.within_time = 1, .names = names};
    assert_int_equal(gw_index_compute(4, 2, C, NULL, T, &o, &x), GW_EILLCOND);
    assert_null(x);
    assert_string_equal(gw_last_error(), "indicator life_sat has no variation in 2013 (all 7.5): "
                                         "cannot normalise within time");
    o.names = NULL;
    assert_int_equal(gw_index_compute(4, 2, C, NULL, T, &o, &x), GW_EILLCOND);
    assert_non_null(strstr(gw_last_error(), "indicator 2 has no variation in 2013"));
    o = (gw_index_opts){.goal = GW_GOAL_BASE, .base_from = 2013, .base_to = 2013, .names = names};
    assert_int_equal(gw_index_compute(4, 2, C, NULL, T, &o, &x), GW_EILLCOND);
    assert_string_equal(gw_last_error(), "indicator life_sat has no variation in the base period "
                                         "2013 (all 7.5): cannot set goalposts");
    o.base_from = 2014;
    o.base_to = 2020;
    assert_int_equal(gw_index_compute(4, 2, C, NULL, T, &o, &x), GW_ENODATA);
    assert_non_null(strstr(gw_last_error(), "base period 2014-2020 has 0 rows"));
    /* a year with one complete row: the indicator missing there is named */
    const double M[8] = {60, 70, 65, 75, 7.1, 7.4, NAN, 7.5};
    o = (gw_index_opts){.within_time = 1, .names = names};
    assert_int_equal(gw_index_compute(4, 2, M, NULL, T, &o, &x), GW_ENODATA);
    assert_string_equal(gw_last_error(), "2013 has 1 row with every indicator present (indicator "
                                         "life_sat is missing in 1 of 2): cannot normalise within "
                                         "time (need 2)");
    /* geometric with minmax goalposts: emp_rate 60 is 2 ranges below 70:75 (v = -2) */
    const double ga[2] = {70, 7}, gb[2] = {75, 8};
    o = (gw_index_opts){
        .goal = GW_GOAL_FIXED, .goal_a = ga, .goal_b = gb, .agg = GW_AGG_GEOMETRIC, .names = names};
    assert_int_equal(gw_index_compute(4, 2, C, NULL, T, &o, &x), GW_EILLCOND);
    assert_non_null(strstr(gw_last_error(), "indicator emp_rate in 2012 lies so far beyond"));
    const gw_index_opts bad[] = {
        {.goal = GW_GOAL_BASE, .base_from = 2012, .base_to = 2013, .within_time = 1},
        {.goal = GW_GOAL_BASE, .base_from = 2013, .base_to = 2012},
        {.goal = GW_GOAL_BASE, .base_from = NAN, .base_to = 2012},
        {.goal = GW_GOAL_FIXED},
        {.goal = GW_GOAL_FIXED, .goal_a = gb, .goal_b = ga},
        {.goal = GW_GOAL_FIXED, .goal_a = ga, .goal_b = gb, .norm = GW_NORM_RANK},
        {.goal = GW_GOAL_FIXED, .goal_a = ga, .goal_b = gb, .weighting = GW_WEIGHTS_PCA},
        {.goal = GW_GOAL_BASE,
         .base_from = 2012,
         .base_to = 2013,
         .norm = GW_NORM_Z,
         .agg = GW_AGG_GEOMETRIC},
        {.goal = (gw_index_goal)7},
    };
    for (size_t c = 0; c < sizeof bad / sizeof bad[0]; c++)
        if (gw_index_compute(4, 2, C, NULL, T, &bad[c], &x) != GW_EINVAL)
            fail_msg("case %zu: not GW_EINVAL (%s)", c, gw_last_error());
    o = (gw_index_opts){.goal = GW_GOAL_BASE, .base_from = 2012, .base_to = 2012};
    assert_int_equal(gw_index_compute(4, 2, C, NULL, NULL, &o, &x), GW_EINVAL);
    const double zs[2] = {70, -1};
    o = (gw_index_opts){.goal = GW_GOAL_FIXED, .goal_a = ga, .goal_b = zs, .norm = GW_NORM_Z};
    assert_int_equal(gw_index_compute(4, 2, C, NULL, T, &o, &x), GW_EINVAL);
    assert_null(x);
}

/* The sensitivity's intervals against a computation written here from gw_index.h's step 6:
 * the same Dirichlet draws (gamma(c w_j) normalised, one mt19937 seeded with the seed), the
 * ranks per year by counting, GSL's interpolated quantiles. */
static void test_index_sensitivity_by_definition(void **state)
{
    (void)state;
    gw_index *x = NULL;
    double uw[2] = {1.0, 3.0};
    gw_index_opts o = {.weighting = GW_WEIGHTS_USER,
                       .user_weights = uw,
                       .draws = 200,
                       .seed = 11,
                       .concentration = 5.0};
    assert_int_equal(gw_index_compute(6, 2, X6, ID6, T6, &o, &x), GW_OK);
    enum { D = 200 };
    /* used rows 0..4; normalised (pooled minmax): a 0 .5 1 1 .5, b 0 1 .5 1 0 */
    const double za[5] = {0, 0.5, 1, 1, 0.5}, zb[5] = {0, 1, 0.5, 1, 0};
    static double rk[5][D];
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 11);
    for (int d = 0; d < D; d++) {
        double g1 = gsl_ran_gamma(rng, 5.0 * 0.25, 1.0), g2 = gsl_ran_gamma(rng, 5.0 * 0.75, 1.0);
        double w1 = g1 / (g1 + g2), w2 = g2 / (g1 + g2), v[5];
        for (int u = 0; u < 5; u++)
            v[u] = w1 * za[u] + w2 * zb[u];
        for (int u = 0; u < 5; u++) {
            int lo = u < 3 ? 0 : 3, hi = u < 3 ? 3 : 5, better = 0;
            for (int k = lo; k < hi; k++)
                better += v[k] > v[u];
            rk[u][d] = 1.0 + better;
        }
    }
    gsl_rng_free(rng);
    for (int u = 0; u < 5; u++) {
        gsl_sort(rk[u], 1, D);
        gw_assert_close(x->sens_q05[u], gsl_stats_quantile_from_sorted_data(rk[u], 1, D, 0.05), 0.0,
                        0.0);
        gw_assert_close(x->sens_median[u], gsl_stats_median_from_sorted_data(rk[u], 1, D), 0.0,
                        0.0);
        gw_assert_close(x->sens_q95[u], gsl_stats_quantile_from_sorted_data(rk[u], 1, D, 0.95), 0.0,
                        0.0);
    }
    /* area 1 in year 1 (a 0.5, b 1) is first unless b's weight falls below a half */
    assert_true(x->sens_q05[1] == 1.0 && x->sens_q95[1] >= 1.0);
    assert_true(isnan(x->sens_q05[5]));
    gw_index_free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_minmax_equal_by_hand),
        cmocka_unit_test(test_index_invert_user_geometric_z),
        cmocka_unit_test(test_index_pca_matches_r),
        cmocka_unit_test(test_index_errors),
        cmocka_unit_test(test_index_goalposts_adding_a_year),
        cmocka_unit_test(test_index_goalposts_by_hand),
        cmocka_unit_test(test_index_goalposts_errors),
        cmocka_unit_test(test_index_sensitivity_by_definition),
    };
    return cmocka_run_group_tests_name("index", tests, NULL, NULL);
}
