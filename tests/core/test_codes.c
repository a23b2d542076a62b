/* test_codes.c -- gw_codes_from_double (core/codes.c): codes and levels equal to those of an
 * independent sort-and-search reference on both paths (direct table for integer identifiers,
 * hashing otherwise), -0/+0 as one level, row subsets, identical results for 1, 2 and 3
 * threads, NaN refused, empty input, allocation failure. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gw_alloc.h"
#include "gw_codes.h"
#include "gw_par.h"
#include "gw_test.h"

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Reference: sort a copy, unique, then binary search each value. */
static void reference(const double *x, const size_t *rows, size_t n, int32_t *codes,
                      double *lev, size_t *nlev)
{
    double *v = malloc((n ? n : 1) * sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < n; i++) {
        double t = rows ? x[rows[i]] : x[i];
        v[i] = t == 0.0 ? 0.0 : t;
    }
    qsort(v, n, sizeof *v, cmp_d);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || v[i] != v[k - 1])
            v[k++] = v[i];
    for (size_t i = 0; i < n; i++) {
        double t = rows ? x[rows[i]] : x[i];
        t = t == 0.0 ? 0.0 : t;
        double *hit = bsearch(&t, v, k, sizeof *v, cmp_d);
        assert_non_null(hit);
        codes[i] = (int32_t)(hit - v);
    }
    memcpy(lev, v, k * sizeof *v);
    *nlev = k;
    free(v);
}

/* Codes and levels of x (through rows, or not) against the reference, for 1, 2 and 3 threads. */
static void check_against_reference(const double *x, const size_t *rows, size_t n)
{
    int32_t *want = malloc((n ? n : 1) * sizeof *want), *got = malloc((n ? n : 1) * sizeof *got);
    double *wlev = malloc((n ? n : 1) * sizeof *wlev);
    assert_true(want && got && wlev);
    size_t wn = 0;
    reference(x, rows, n, want, wlev, &wn);
    for (int th = 1; th <= 3; th++) {
        gw_threads_set(th);
        double *lev = NULL;
        size_t nl = 0;
        memset(got, 0x55, (n ? n : 1) * sizeof *got);
        assert_int_equal(gw_codes_from_double(x, rows, n, got, &lev, &nl), GW_OK);
        assert_int_equal(nl, wn);
        assert_memory_equal(got, want, n * sizeof *got);
        for (size_t l = 0; l < nl; l++) {
            assert_true(lev[l] == wlev[l]);
            assert_false(signbit(lev[l]) && lev[l] == 0.0); /* +0, never -0 */
        }
        gw_free(lev);
    }
    gw_threads_set(0);
    free(want);
    free(got);
    free(wlev);
}

static unsigned long lcg(unsigned long *s)
{
    *s = *s * 6364136223846793005UL + 1442695040888963407UL;
    return *s >> 33;
}

static void test_codes_dense_integers(void **state)
{
    (void)state;
    size_t n = 300000;
    double *x = malloc(n * sizeof *x);
    unsigned long s = 7;
    for (size_t i = 0; i < n; i++) /* random ids in [-5000, 95000), some never drawn */
        x[i] = (double)((long)(lcg(&s) % 100000) - 5000);
    x[17] = -0.0; /* -0 and +0: one level */
    x[18] = 0.0;
    check_against_reference(x, NULL, n);
    free(x);
}

static void test_codes_hash_path(void **state)
{
    (void)state;
    size_t n = 200000;
    double *x = malloc(n * sizeof *x);
    unsigned long s = 11;
    /* Non-integers, huge integers (a range far beyond n: hashed), infinities, and -0. */
    for (size_t i = 0; i < n; i++) {
        unsigned long r = lcg(&s);
        switch (r % 5) {
        case 0: x[i] = (double)(r % 977) / 8.0 - 60.0; break;
        case 1: x[i] = 1e15 * (double)(r % 313); break;
        case 2: x[i] = ldexp(1.0, (int)(r % 2000) - 1000); break;
        case 3: x[i] = (r & 64) ? INFINITY : -INFINITY; break;
        default: x[i] = (r & 128) ? -0.0 : 0.0; break;
        }
    }
    x[0] = 9007199254740993.0; /* 2^53 + 1 rounds to 2^53: not "exactly integral" territory */
    check_against_reference(x, NULL, n);
    free(x);
}

static void test_codes_rows_subset(void **state)
{
    (void)state;
    size_t n = 100000, m = 0;
    double *x = malloc(n * sizeof *x);
    size_t *rows = malloc(n * sizeof *rows);
    unsigned long s = 3;
    for (size_t i = 0; i < n; i++) {
        x[i] = (double)(lcg(&s) % 5000);
        if (i % 3 != 1)
            rows[m++] = n - 1 - i; /* any order, not all rows */
    }
    check_against_reference(x, rows, m);
    /* Two distinct values far apart: the direct table would be huge, so the hash path. */
    double two[4] = {-4e9, 4e9, -4e9, 4e9};
    check_against_reference(two, NULL, 4);
    free(x);
    free(rows);
}

static void test_codes_errors_and_edges(void **state)
{
    (void)state;
    int32_t c[3];
    double *lev = (double *)1;
    size_t nl = 99;
    assert_int_equal(gw_codes_from_double(NULL, NULL, 0, NULL, &lev, &nl), GW_OK);
    assert_int_equal(nl, 0);
    gw_free(lev);
    double bad[3] = {1.0, NAN, 2.0};
    assert_int_equal(gw_codes_from_double(bad, NULL, 3, c, NULL, &nl), GW_EINVAL);
    assert_int_equal(gw_codes_from_double(bad, NULL, 3, c, NULL, NULL), GW_EINVAL);
    double one[3] = {4.5, 4.5, 4.5};
    assert_int_equal(gw_codes_from_double(one, NULL, 3, c, NULL, &nl), GW_OK);
    assert_int_equal(nl, 1);
    assert_int_equal(c[0] + c[1] + c[2], 0);
#ifdef GW_FAULT_INJECTION
    double x[64];
    int32_t cc[64];
    for (size_t i = 0; i < 64; i++)
        x[i] = i % 2 ? (double)i * 1e12 : (double)i / 3.0; /* the hash path */
    for (long k = 0; k < 8; k++) {
        gw_alloc_fail_after(k);
        double *lv = NULL;
        gw_status st = gw_codes_from_double(x, NULL, 64, cc, &lv, &nl);
        gw_alloc_fail_after(-1);
        assert_true(st == GW_OK || st == GW_ENOMEM);
        gw_free(lv);
    }
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes_dense_integers),
        cmocka_unit_test(test_codes_hash_path),
        cmocka_unit_test(test_codes_rows_subset),
        cmocka_unit_test(test_codes_errors_and_edges),
    };
    return cmocka_run_group_tests_name("codes", tests, NULL, NULL);
}
