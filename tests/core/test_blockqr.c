/* test_blockqr.c -- gw_kernel_block_r: the R factor of one row block (core/linalg_blockqr.c):
 * exact small cases, R'R = A'A on a tall random block, the sign normalisation (R does not
 * change when the rows of A are permuted), short and empty blocks, determinism, errors. */
#include <math.h>
#include <string.h>

#include "gw_alloc.h"
#include "gw_linalg.h"
#include "gw_test.h"

/* max |(R'R - A'A)_jk| / ||A||_F^2, A m x n (ld m), R n x n. */
static double gram_err(const double *A, size_t m, size_t n, const double *R)
{
    double fro2 = 0.0, emax = 0.0;
    for (size_t i = 0; i < m * n; i++)
        fro2 += A[i] * A[i];
    for (size_t j = 0; j < n; j++)
        for (size_t k = 0; k < n; k++) {
            double g = 0.0, h = 0.0;
            for (size_t i = 0; i < m; i++)
                g += A[i + j * m] * A[i + k * m];
            for (size_t i = 0; i < n; i++)
                h += R[i + j * n] * R[i + k * n];
            emax = fmax(emax, fabs(g - h));
        }
    return fro2 > 0.0 ? emax / fro2 : emax;
}

/* Upper triangular with a non-negative diagonal and zero rows from row m. */
static void assert_shape(const double *R, size_t m, size_t n)
{
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < n; i++) {
            if (i > j || i >= m)
                gw_assert_close(R[i + j * n], 0.0, 0.0, 0.0);
            else if (i == j)
                assert_true(R[i + i * n] >= 0.0);
        }
}

static void test_blockqr_exact(void **state)
{
    (void)state;
    /* [-3; -4]: R = 5 (LAPACK's own sign would be -5). */
    double a[2] = {-3.0, -4.0}, r1[1] = {-1.0};
    assert_int_equal(gw_kernel_block_r(a, 2, 2, 1, r1), GW_OK);
    gw_assert_close(r1[0], 5.0, 1e-15, 0.0);
    /* Orthogonal columns [1 1 1]', [-1 0 1]': R = diag(sqrt 3, sqrt 2). */
    double b[6] = {1.0, 1.0, 1.0, -1.0, 0.0, 1.0}, R[4];
    memset(R, 0xff, sizeof R);
    assert_int_equal(gw_kernel_block_r(b, 3, 3, 2, R), GW_OK);
    gw_assert_close(R[0], sqrt(3.0), 1e-15, 0.0);
    gw_assert_close(R[2], 0.0, 0.0, 1e-15);
    gw_assert_close(R[3], sqrt(2.0), 1e-15, 0.0);
    assert_shape(R, 3, 2);
}

static void fill(double *A, size_t m, size_t n, uint64_t seed)
{
    gwt_rng g;
    gwt_rng_seed(&g, seed);
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < m; i++)
            A[i + j * m] = j == 0 ? 1.0 : (double)j + (double)(j + 1) * gwt_rng_norm(&g);
}

static void test_blockqr_tall(void **state)
{
    (void)state;
    const size_t m = 4096, n = 11;
    double *A0 = gw_alloc_array(m * n, sizeof *A0), *A = gw_alloc_array(m * n, sizeof *A);
    double *R = gw_alloc_array(n * n, sizeof *R), *R2 = gw_alloc_array(n * n, sizeof *R2);
    assert_non_null(A0);
    assert_non_null(A);
    assert_non_null(R);
    assert_non_null(R2);
    fill(A0, m, n, 7);
    memcpy(A, A0, m * n * sizeof *A);
    assert_int_equal(gw_kernel_block_r(A, m, m, n, R), GW_OK);
    assert_shape(R, m, n);
    gw_assert_close(gram_err(A0, m, n, R), 0.0, 0.0, 1e-13);
    /* Deterministic: the same input gives the same bits. */
    memcpy(A, A0, m * n * sizeof *A);
    assert_int_equal(gw_kernel_block_r(A, m, m, n, R2), GW_OK);
    assert_memory_equal(R, R2, n * n * sizeof *R);
    /* Rows reversed (an orthogonal transformation): the same R to rounding, signs included,
     * and in a larger leading dimension. */
    const size_t lda = m + 5;
    double *B = gw_alloc_array(lda * n, sizeof *B);
    assert_non_null(B);
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < m; i++)
            B[i + j * lda] = A0[(m - 1 - i) + j * m];
    assert_int_equal(gw_kernel_block_r(B, lda, m, n, R2), GW_OK);
    for (size_t i = 0; i < n * n; i++)
        gw_assert_close(R2[i], R[i], 0.0, 1e-12 * R[0]);
    gw_free(B);
    gw_free(A0);
    gw_free(A);
    gw_free(R);
    gw_free(R2);
}

static void test_blockqr_short_and_empty(void **state)
{
    (void)state;
    const size_t m = 2, n = 4;
    double A0[8], A[8], R[16];
    fill(A0, m, n, 3);
    memcpy(A, A0, sizeof A);
    memset(R, 0xff, sizeof R);
    assert_int_equal(gw_kernel_block_r(A, m, m, n, R), GW_OK);
    assert_shape(R, m, n);
    gw_assert_close(gram_err(A0, m, n, R), 0.0, 0.0, 1e-14);
    /* m == 0: R = 0. */
    memset(R, 0xff, sizeof R);
    assert_int_equal(gw_kernel_block_r(A, 1, 0, n, R), GW_OK);
    for (size_t i = 0; i < n * n; i++)
        gw_assert_close(R[i], 0.0, 0.0, 0.0);
    /* n == 0: nothing to do. */
    assert_int_equal(gw_kernel_block_r(NULL, 1, 5, 0, NULL), GW_OK);
    /* A zero first column: no reflection (R[0][0] = 0, row 0 is A's), then the rest. */
    double Z[6] = {0.0, 0.0, 0.0, 1.0, 2.0, 2.0}, Rz[4];
    assert_int_equal(gw_kernel_block_r(Z, 3, 3, 2, Rz), GW_OK);
    gw_assert_close(Rz[0], 0.0, 0.0, 0.0);
    gw_assert_close(Rz[2], 1.0, 1e-15, 0.0);
    gw_assert_close(Rz[3], sqrt(8.0), 1e-15, 0.0);
}

static void test_blockqr_errors(void **state)
{
    (void)state;
    double A[6] = {1, 2, 3, 4, 5, 6}, R[4];
    assert_int_equal(gw_kernel_block_r(NULL, 3, 3, 2, R), GW_EINVAL);
    assert_int_equal(gw_kernel_block_r(A, 3, 3, 2, NULL), GW_EINVAL);
    assert_int_equal(gw_kernel_block_r(A, 2, 3, 2, R), GW_EINVAL);
    assert_int_equal(gw_kernel_block_r(A, 0, 0, 2, R), GW_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blockqr_exact),
        cmocka_unit_test(test_blockqr_tall),
        cmocka_unit_test(test_blockqr_short_and_empty),
        cmocka_unit_test(test_blockqr_errors),
    };
    return cmocka_run_group_tests_name("blockqr", tests, NULL, NULL);
}
