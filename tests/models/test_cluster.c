/* test_cluster.c -- k-means, Ward, silhouette, ARI, Hungarian and bootstrap on hand-made data
 * with known answers, and the communities of the bundled panel: k-means and Ward recover the
 * five true clusters (Ward's ARI equals R's hclust(ward.D2), datasets/generated/analyses_ref.csv),
 * deterministic for a seed and the same with 1 and 2 threads. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_alloc.h"
#include "gw_cluster.h"
#include "gw_csv.h"
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

/* Three tight blobs of 4 points in the plane, rows interleaved so that order does not help:
 * blob A around (0,0), B around (10,0), C around (0,10); offsets +-0.5. */
static void blobs(double *X, int *truth)
{
    const double cx[3] = {0, 10, 0}, cy[3] = {0, 0, 10};
    const double ox[4] = {-0.5, 0.5, -0.5, 0.5}, oy[4] = {-0.5, -0.5, 0.5, 0.5};
    for (int i = 0; i < 12; i++) {
        int b = i % 3, q = i / 3;
        X[i] = cx[b] + ox[q];
        X[i + 12] = cy[b] + oy[q];
        truth[i] = b;
    }
}

static void test_kmeans_blobs_known_answer(void **state)
{
    (void)state;
    double X[24];
    int truth[12];
    blobs(X, truth);
    gw_kmeans *km = NULL;
    gw_kmeans_opts o = {0};
    o.restarts = 10;
    o.seed = 3;
    assert_int_equal(gw_kmeans_fit(12, 2, X, 3, &o, &km), GW_OK);
    /* canonical labels: row 0 is in cluster 0, row 1 in 1, row 2 in 2 */
    for (int i = 0; i < 12; i++)
        assert_int_equal(km->assign[i], truth[i]);
    /* each blob: 4 points at squared distance 0.5 from the centre */
    gw_assert_close(km->within_ss, 6.0, 1e-14, 0.0);
    assert_true(km->converged);
    gw_assert_close(km->centers[1 + 0 * 3], 10.0, 1e-14, 0.0);
    double ari = 0.0;
    assert_int_equal(gw_ari(12, truth, km->assign, &ari), GW_OK);
    gw_assert_close(ari, 1.0, 0.0, 1e-15);
    int w[12];
    assert_int_equal(gw_ward(12, 2, X, 3, w, NULL), GW_OK);
    for (int i = 0; i < 12; i++)
        assert_int_equal(w[i], truth[i]);
    double mj[3] = {0, 0, 0}, mari = 0.0;
    assert_int_equal(gw_cluster_bootstrap(12, 2, X, 3, km->assign, 20, &o, &mari, mj), GW_OK);
    assert_true(mari > 0.8); /* a resample may miss a blob entirely: not always exactly 1 */
    gw_kmeans_free(km);
}

static void test_ari_by_hand(void **state)
{
    (void)state;
    int a[6] = {0, 0, 0, 1, 1, 1}, b[6] = {0, 0, 1, 1, 2, 2}, c[6] = {5, 5, 5, 2, 2, 2};
    double ari = 0.0;
    /* contingency [[2,1,0],[0,1,2]]: sum C(nij,2) = 2, rows 3+3 = 6, cols 1+1+1 = 3,
     * expected 6*3/15 = 1.2, max 4.5: (2 - 1.2)/(4.5 - 1.2) = 0.8/3.3 = 8/33 */
    assert_int_equal(gw_ari(6, a, b, &ari), GW_OK);
    gw_assert_close(ari, 8.0 / 33.0, 1e-15, 0.0);
    gw_assert_close(ari, ref("ari_hand_example"), 1e-15, 0.0);
    assert_int_equal(gw_ari(6, a, c, &ari), GW_OK); /* same partition, other names */
    gw_assert_close(ari, 1.0, 0.0, 1e-15);
    int one[3] = {0, 0, 0};
    assert_int_equal(gw_ari(3, one, one, &ari), GW_OK);
    assert_true(isnan(ari));
}

static void test_silhouette_by_hand(void **state)
{
    (void)state;
    double X[4] = {0, 1, 10, 11};
    int lab[4] = {0, 0, 1, 1};
    double mean = 0.0, s[4];
    assert_int_equal(gw_silhouette(4, 1, X, lab, 2, &mean, s), GW_OK);
    gw_assert_close(s[0], 9.5 / 10.5, 1e-15, 0.0);
    gw_assert_close(s[1], 8.5 / 9.5, 1e-15, 0.0);
    gw_assert_close(mean, 0.5 * (9.5 / 10.5 + 8.5 / 9.5), 1e-15, 0.0);
    lab[3] = 2;
    assert_int_equal(gw_silhouette(4, 1, X, lab, 2, &mean, s), GW_EINVAL);
}

static void test_hungarian_known(void **state)
{
    (void)state;
    /* optimal: row0->col1 (1), row1->col0 (2), row2->col2 (2): total 5 */
    double cost[9] = {4, 1, 3, 2, 0, 5, 3, 2, 2};
    int col[3];
    assert_int_equal(gw_hungarian(3, cost, col), GW_OK);
    assert_int_equal(col[0], 1);
    assert_int_equal(col[1], 0);
    assert_int_equal(col[2], 2);
    double bad[1] = {NAN};
    assert_int_equal(gw_hungarian(1, bad, col), GW_ENONFINITE);
}

static void test_cluster_errors(void **state)
{
    (void)state;
    double X[4] = {0, 1, NAN, 3};
    gw_kmeans *km = (gw_kmeans *)1;
    int lab[2];
    assert_int_equal(gw_kmeans_fit(2, 2, X, 1, NULL, &km), GW_ENONFINITE);
    assert_null(km);
    assert_int_equal(gw_kmeans_fit(0, 2, X, 1, NULL, &km), GW_EDIM);
    assert_int_equal(gw_kmeans_fit(2, 1, X, 3, NULL, &km), GW_EINVAL);
    assert_int_equal(gw_ward(2, 1, X, 3, lab, NULL), GW_EINVAL);
    assert_int_equal(gw_ward(2, 2, X, 1, lab, NULL), GW_ENONFINITE);
    double C[3] = {1, 1, 1};
    assert_int_equal(gw_standardise(3, 1, C, C, NULL, NULL), GW_EILLCOND);
    assert_true(gw_last_error()[0] != '\0');
}

/* Standardised 15-year means of 7 indicators per LA (LAs with an all-missing indicator left
 * out, as the CLI does) and their true clusters. */
static size_t panel_means(double **Z, int **truth)
{
    gw_table *t = NULL;
    assert_int_equal(gw_csv_read_file(gwt_source_path("datasets/uk_la_panel.csv"), NULL, &t),
                     GW_OK);
    const char *v[7] = {"emp_rate",  "share_prof", "median_hourly_pay", "autonomy_share",
                        "sat_hours", "unemp_rate", "life_sat"};
    size_t n = gw_table_nrows(t), N = 360, m = 0;
    const double *la = gw_table_numeric(t, (size_t)gw_table_find(t, "la_id"));
    const double *ct = gw_table_numeric(t, (size_t)gw_table_find(t, "cluster_true"));
    double *S = gw_calloc(N * 7, sizeof *S), *C = gw_calloc(N * 7, sizeof *C);
    int *tr = gw_calloc(N, sizeof *tr);
    for (size_t j = 0; j < 7; j++) {
        const double *x = gw_table_numeric(t, (size_t)gw_table_find(t, v[j]));
        for (size_t i = 0; i < n; i++)
            if (!isnan(x[i])) {
                S[(size_t)la[i] + j * N] += j == 2 ? log(x[i]) : x[i];
                C[(size_t)la[i] + j * N] += 1.0;
            }
    }
    for (size_t i = 0; i < n; i++)
        tr[(size_t)la[i]] = (int)ct[i];
    *Z = gw_alloc_array(N * 7, sizeof **Z);
    *truth = gw_alloc_array(N, sizeof **truth);
    for (size_t a = 0; a < N; a++) {
        int ok = 1;
        for (size_t j = 0; j < 7; j++)
            ok = ok && C[a + j * N] > 0;
        if (!ok)
            continue;
        (*truth)[m] = tr[a];
        for (size_t j = 0; j < 7; j++)
            S[m + j * N] = S[a + j * N] / C[a + j * N];
        m++;
    }
    for (size_t j = 0; j < 7; j++)
        memcpy(*Z + j * m, S + j * N, m * sizeof **Z);
    assert_int_equal(gw_standardise(m, 7, *Z, *Z, NULL, NULL), GW_OK);
    gw_free(S);
    gw_free(C);
    gw_free(tr);
    gw_table_free(t);
    return m;
}

static void test_cluster_panel_recovers_communities(void **state)
{
    (void)state;
    double *Z = NULL;
    int *truth = NULL;
    size_t m = panel_means(&Z, &truth);
    assert_int_equal(m, (size_t)ref("ward_k5_n"));
    gw_kmeans_opts o = {0};
    o.restarts = 50;
    o.seed = 1;
    gw_kmeans *a = NULL, *b = NULL;
    gw_threads_set(1);
    assert_int_equal(gw_kmeans_fit(m, 7, Z, 5, &o, &a), GW_OK);
    gw_threads_set(2);
    assert_int_equal(gw_kmeans_fit(m, 7, Z, 5, &o, &b), GW_OK);
    assert_memory_equal(a->assign, b->assign, m * sizeof(int));
    assert_memory_equal(&a->within_ss, &b->within_ss, sizeof(double));
    double ari = 0.0, ariw = 0.0, sil = 0.0;
    assert_int_equal(gw_ari(m, truth, a->assign, &ari), GW_OK);
    printf("  k-means k=5 ARI vs cluster_true: %.4f\n", ari);
    assert_true(ari > 0.8); /* chance is 0; measured 0.855 */
    int *w = gw_alloc_array(m, sizeof *w);
    assert_int_equal(gw_ward(m, 7, Z, 5, w, NULL), GW_OK);
    assert_int_equal(gw_ari(m, truth, w, &ariw), GW_OK);
    printf("  Ward k=5 ARI vs cluster_true: %.4f\n", ariw);
    gw_assert_close(ariw, ref("ward_k5_ari_truth"), 1e-12, 0.0); /* same partition as R */
    double *h = gw_alloc_array(m, sizeof *h);
    assert_int_equal(gw_ward(m, 7, Z, 1, w, h), GW_OK);
    gw_assert_close(h[m - 2], ref("ward_top_height"), 1e-10, 0.0);
    for (size_t k = 2; k <= 6; k++) {
        gw_kmeans *c = NULL;
        assert_int_equal(gw_kmeans_fit(m, 7, Z, k, &o, &c), GW_OK);
        assert_int_equal(gw_silhouette(m, 7, Z, c->assign, k, &sil, NULL), GW_OK);
        printf("  silhouette k=%zu: %.4f\n", k, sil);
        assert_true(sil > 0.2 && sil < 0.6);
        gw_kmeans_free(c);
    }
    gw_threads_set(0);
    gw_kmeans_free(a);
    gw_kmeans_free(b);
    gw_free(w);
    gw_free(h);
    gw_free(Z);
    gw_free(truth);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kmeans_blobs_known_answer),
        cmocka_unit_test(test_ari_by_hand),
        cmocka_unit_test(test_silhouette_by_hand),
        cmocka_unit_test(test_hungarian_known),
        cmocka_unit_test(test_cluster_errors),
        cmocka_unit_test(test_cluster_panel_recovers_communities),
    };
    return cmocka_run_group_tests_name("cluster", tests, NULL, NULL);
}
