/* linalg_meat.c -- the cross-product kernels of gw_kernels.h (Gram matrices and sandwich
 * meats of one row block).
 *
 * Why a hand-written kernel instead of OpenBLAS dsyrk: the blocks of this library are tall and
 * thin (4,096 x 10-20), and for that shape dsyrk spends most of its time packing. Measured on
 * the benchmark machine (AMD EPYC, OpenBLAS 0.3 Haswell kernels, one thread, block in cache,
 * /tmp microbenchmark kept in the perf report): 4096 x 12, dsyrk 42.5 us, dgemm 47 us, this
 * kernel 14.3 us; 4096 x 11, dsyrk 61.7 us, kernel 15.2 us; 4096 x 21, dsyrk 116 us, kernel
 * 54 us. A first try with a 2 x 4 tile in a local array was slower than dsyrk (94 us): the
 * accumulators must stay in registers. Beyond ~32 columns dsyrk's blocking wins, so the
 * kernel is used only up to KERNEL_MAX_COLS columns.
 *
 * The kernel computes 4 x 4 tiles of A'A with 16 four-wide accumulators (one per entry, each
 * summing rows i = l mod 4 in row order), reduced as (s0 + s1) + (s2 + s3) at the end, plus the
 * < 4 leftover rows in order. The summation order depends only on m, never on the thread
 * count or the data, so results are reproducible; the GCC target_clones build picks AVX-512,
 * AVX2 or SSE2 code once per process (results may differ between machines, as OpenBLAS's do). */
#include <cblas.h>
#include <string.h>

#include "gw_kernels.h"

#define KERNEL_MAX_COLS 32

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define GW_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define GW_CLONES
#endif

/* Four doubles as one vector (GNU vector extension); loads by memcpy are unaligned-safe. The
 * helpers are macros, not functions, so that no vector crosses a function boundary (which
 * would change the ABI between the clones). */
typedef double gw_v4 __attribute__((vector_size(32)));
#define LD4(dst, p) memcpy(&(dst), (p), sizeof(gw_v4))
#define HSUM(v) (((v)[0] + (v)[1]) + ((v)[2] + (v)[3]))

/* C[j + k ldc] += sum_i A[i + j lda] A[i + k lda] for j >= k (lower), m rows, ncol columns. */
GW_CLONES
static void gram_lower(size_t m, size_t ncol, const double *A, size_t lda, double *C, size_t ldc)
{
    const size_t m4 = m & ~(size_t)3;
    for (size_t k0 = 0; k0 < ncol; k0 += 4) {
        for (size_t j0 = k0; j0 < ncol; j0 += 4) {
            const double *a[4], *b[4];
            for (size_t t = 0; t < 4; t++) {
                a[t] = A + (j0 + t < ncol ? j0 + t : ncol - 1) * lda;
                b[t] = A + (k0 + t < ncol ? k0 + t : ncol - 1) * lda;
            }
            gw_v4 s00 = {0}, s01 = {0}, s02 = {0}, s03 = {0}, s10 = {0}, s11 = {0}, s12 = {0},
                  s13 = {0}, s20 = {0}, s21 = {0}, s22 = {0}, s23 = {0}, s30 = {0}, s31 = {0},
                  s32 = {0}, s33 = {0};
            for (size_t i = 0; i < m4; i += 4) {
                gw_v4 a0, a1, a2, a3, x;
                LD4(a0, a[0] + i);
                LD4(a1, a[1] + i);
                LD4(a2, a[2] + i);
                LD4(a3, a[3] + i);
                LD4(x, b[0] + i);
                s00 += a0 * x, s10 += a1 * x, s20 += a2 * x, s30 += a3 * x;
                LD4(x, b[1] + i);
                s01 += a0 * x, s11 += a1 * x, s21 += a2 * x, s31 += a3 * x;
                LD4(x, b[2] + i);
                s02 += a0 * x, s12 += a1 * x, s22 += a2 * x, s32 += a3 * x;
                LD4(x, b[3] + i);
                s03 += a0 * x, s13 += a1 * x, s23 += a2 * x, s33 += a3 * x;
            }
            double r[4][4] = {{HSUM(s00), HSUM(s01), HSUM(s02), HSUM(s03)},
                              {HSUM(s10), HSUM(s11), HSUM(s12), HSUM(s13)},
                              {HSUM(s20), HSUM(s21), HSUM(s22), HSUM(s23)},
                              {HSUM(s30), HSUM(s31), HSUM(s32), HSUM(s33)}};
            for (size_t i = m4; i < m; i++)
                for (size_t s = 0; s < 4; s++)
                    for (size_t t = 0; t < 4; t++)
                        r[s][t] += a[s][i] * b[t][i];
            for (size_t s = 0; s < 4 && j0 + s < ncol; s++)
                for (size_t t = 0; t < 4 && k0 + t < ncol; t++)
                    if (j0 + s >= k0 + t)
                        C[(j0 + s) + (k0 + t) * ldc] += r[s][t];
        }
    }
}

void gw_kernel_syrk_tn(size_t m, size_t k, const double *A, size_t lda, double *C)
{
    if (m == 0 || k == 0)
        return;
    if (k <= KERNEL_MAX_COLS) {
        gram_lower(m, k, A, lda, C, k);
        return;
    }
    cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, (int)k, (int)m, 1.0, A, (int)lda, 1.0, C,
                (int)k);
}

void gw_kernel_syrk_nt(size_t m, size_t k, const double *A, size_t lda, double *C)
{
    if (m == 0 || k == 0)
        return;
    cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, (int)k, (int)m, 1.0, A, (int)lda, 1.0, C,
                (int)k);
}

void gw_kernel_gemm_nn(size_t m, const double *A, const double *B, double *C)
{
    if (m == 0)
        return;
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)m, (int)m, 1.0, A, (int)m,
                B, (int)m, 1.0, C, (int)m);
}
