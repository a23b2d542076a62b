/* bench_tsqr.c -- the per-block R factor of the out-of-core TSQR: plain C against LAPACK.
 *
 * Usage: bench_tsqr [reps]   (default 15 repetitions of each timing)
 * For r = 3, 6, 11, 21, 31 columns, times on the same GW_BLOCK_ROWS x r block (in cache; a
 * fresh copy of it before each call, the copy's time subtracted) and with one thread
 * (gw_threads_set(1)):
 *  - plain: the plain-C unblocked Householder QR (gwi_house_qr, models/stream/stream_fold.c) plus
 *    the extraction of R: the engine's gwi_house_r;
 *  - lapack: gw_kernel_block_r (LAPACK dgeqrf, diagonal made non-negative), its replacement;
 * and the same two for the combination of two R factors (a 2r x r block, gwi_r_combine's QR).
 * Each timing is the median of reps repetitions of a loop of calls, the three (copy, plain,
 * lapack) interleaved in each repetition; ratio is the median of the per-repetition ratios. The R
 * factors are checked to agree: max |R_lapack - R_plain| / ||A||_F after the plain R's rows are
 * given a non-negative diagonal. One line per case: name=block rows=<m> r=<r> plain_us=<median>
 * lapack_us=<median> ratio=<plain/lapack> plain_gflops=<> lapack_gflops=<> rel_diff=<> (flops
 * counted as 2 r^2 (m - r/3)) plus OpenBLAS's configuration for provenance. Not part of ctest. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "gw_alloc.h"
#include "gw_linalg.h"
#include "gw_par.h"
#include "stream_int.h"

static double median(double *t, int k)
{
    qsort(t, (size_t)k, sizeof *t, bench_cmp_double);
    return t[k / 2];
}

/* Seconds per call of kind (0: copy only, 1: plain, 2: lapack) on the m x n A0, over calls
 * calls (NaN when the kernel fails). */
static double time_kind(int kind, const double *A0, double *A, size_t m, size_t n, double *R,
                        int calls)
{
    int ok = 1;
    double t0 = bench_now();
    for (int q = 0; q < calls; q++) {
        memcpy(A, A0, m * n * sizeof *A);
        if (kind == 1)
            gwi_house_r_plain(A, m, m, n, R);
        else if (kind == 2)
            ok &= gw_kernel_block_r(A, m, m, n, R) == GW_OK;
    }
    return ok ? (bench_now() - t0) / calls : (double)NAN;
}

/* One case: the m x n block A0; prints a line. Returns 0, or 1 on failure. */
static int run_case(const char *name, const double *A0, size_t m, size_t n, int reps)
{
    double *A = gw_alloc_array(m * n, sizeof *A);
    double *Rp = gw_alloc_array(n * n, sizeof *Rp), *Rl = gw_alloc_array(n * n, sizeof *Rl);
    if (A == NULL || Rp == NULL || Rl == NULL)
        return 1;
    const double flops = 2.0 * (double)n * (double)n * ((double)m - (double)n / 3.0);
    /* About 40 ms of plain work per repetition. */
    int calls = (int)(4e7 / flops) + 1;
    /* The three timings interleaved within each repetition, so that a change of the machine's
     * load hits them alike; medians over repetitions, and the median of the ratios. */
    double *t = gw_alloc_array(4 * (size_t)reps, sizeof *t);
    if (t == NULL)
        return 1;
    double *tp_r = t, *tl_r = t + reps, *ratio_r = t + 2 * reps;
    for (int k = 0; k < reps; k++) {
        double tc = time_kind(0, A0, A, m, n, Rp, calls);
        tp_r[k] = time_kind(1, A0, A, m, n, Rp, calls) - tc;
        tl_r[k] = time_kind(2, A0, A, m, n, Rl, calls) - tc;
        ratio_r[k] = tp_r[k] / tl_r[k];
    }
    double tp = median(tp_r, reps), tl = median(tl_r, reps), ratio = median(ratio_r, reps);
    gw_free(t);
    /* Agreement. */
    double fro = 0.0, dmax = 0.0;
    for (size_t i = 0; i < m * n; i++)
        fro += A0[i] * A0[i];
    fro = sqrt(fro);
    memcpy(A, A0, m * n * sizeof *A);
    gwi_house_r_plain(A, m, m, n, Rp);
    memcpy(A, A0, m * n * sizeof *A);
    int ok = gw_kernel_block_r(A, m, m, n, Rl) == GW_OK;
    for (size_t i = 0; i < n * n; i++)
        dmax = fmax(dmax, fabs(Rl[i] - Rp[i]));
    printf("name=%s rows=%zu r=%zu calls=%d plain_us=%.2f lapack_us=%.2f ratio=%.2f "
           "plain_gflops=%.2f lapack_gflops=%.2f rel_diff=%.3g\n",
           name, m, n, calls, tp * 1e6, tl * 1e6, ratio, flops / tp * 1e-9, flops / tl * 1e-9,
           ok ? dmax / fro : (double)NAN);
    gw_free(A);
    gw_free(Rp);
    gw_free(Rl);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 15;
    if (reps < 1)
        reps = 1;
    gw_threads_set(1);
    printf("openblas=\"%s\" reps=%d\n", gw_blas_info(), reps);
    static const size_t rs[] = {3, 6, 11, 21, 31};
    const size_t m = GW_BLOCK_ROWS;
    int fail = 0;
    bench_rng g = {BENCH_RNG_SEED};
    for (size_t c = 0; c < sizeof rs / sizeof rs[0]; c++) {
        const size_t n = rs[c];
        double *A0 = gw_alloc_array(m * n, sizeof *A0);
        if (A0 == NULL)
            return 1;
        /* Columns: an intercept, then shifted and scaled normals (like sqrt(w) [X~, y~]). */
        for (size_t j = 0; j < n; j++)
            for (size_t i = 0; i < m; i++)
                A0[i + j * m] = j == 0 ? 1.0 : (double)j + (double)(j + 1) * bench_gauss(&g);
        fail |= run_case("block", A0, m, n, reps);
        /* The combination of two R factors: the QR of a 2r x r stack of two triangles. */
        double *S = gw_alloc_array(2 * n * n, sizeof *S), *Rt = gw_alloc_array(n * n, sizeof *Rt);
        if (S == NULL || Rt == NULL)
            return 1;
        for (size_t half = 0; half < 2; half++) {
            double *Ab = gw_alloc_array(m * n, sizeof *Ab);
            if (Ab == NULL)
                return 1;
            memcpy(Ab, A0, m * n * sizeof *Ab);
            if (half == 1)
                for (size_t i = 0; i < m * n; i++)
                    Ab[i] *= 1.0 + 0.5 * bench_unif(&g);
            gwi_house_r(Ab, m, m, n, Rt);
            for (size_t j = 0; j < n; j++)
                memcpy(S + j * 2 * n + half * n, Rt + j * n, n * sizeof *S);
            gw_free(Ab);
        }
        fail |= run_case("combine", S, 2 * n, n, reps);
        gw_free(S);
        gw_free(Rt);
        gw_free(A0);
    }
    return fail;
}
