/* linalg_qr.c -- column-pivoted Householder QR with power-of-two column scaling, and TSQR.
 *
 * n <= GW_BLOCK_ROWS: dgeqp3 on a copy of sqrt(W)X whose columns are scaled by powers of two
 * to norms in [0.5, 1) (style.md, Numerics), then dormqr on sqrt(W)y.
 *
 * n > GW_BLOCK_ROWS (TSQR): each row block of [sqrt(W)X, sqrt(W)y] is reduced to its
 * (p+1) x (p+1) R factor by dgeqrf in its own slot (in parallel), and the slots are combined
 * in block order by QR of the stacked pair [R_acc; R_b]. The combined R = [R_X z; 0 rho]
 * satisfies R_X'R_X = X'WX and R_X'z = X'Wy. Unpivoted Householder QR commutes exactly with
 * power-of-two column scaling, so scaling R_X's columns afterwards equals scaling X first;
 * dgeqp3 of the scaled R_X and dormqr on z then give the same rank-revealing factorisation
 * as dgeqp3 on the scaled X (the classic "QR, then RRQR of R" scheme).
 *
 * Both end in the same tail: rank from the scaled R's diagonal, dtrtrs on R11, bread by
 * dtrtri + dlauum (U U'), rcond by dtrcon, then unscaling and unpermuting. */
#include <cblas.h>
#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <omp.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_par.h"
#include "linalg_int.h"

/* Workspace size for dgeqrf on at most rows x cols (queried once). */
static size_t geqrf_lwork(size_t rows, size_t cols)
{
    double q = 0.0;
    lapack_int info = LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, (lapack_int)rows, (lapack_int)cols,
                                          NULL, (lapack_int)rows, NULL, &q, -1);
    size_t lw = (info == 0 && q > 0.0) ? (size_t)q : cols * 64;
    return lw < cols ? cols : lw;
}

/* Copies block rows [f, f+c) of [sqrt(W)X, sqrt(W)y] into B (c x (p+1), ld c); returns the
 * sum of x*0 (NaN iff the block has a non-finite X value). */
static double copy_block(const gw_design *d, size_t f, size_t c, double *B)
{
    size_t n = d->n, p = d->p;
    double bad = 0.0;
    for (size_t j = 0; j <= p; j++) {
        const double *x = (j == p) ? d->y + f : d->X + j * n + f;
        double *z = B + j * c;
        if (d->w) {
            for (size_t i = 0; i < c; i++) {
                z[i] = sqrt(d->w[f + i]) * x[i];
                bad += x[i] * 0.0;
            }
        } else {
            for (size_t i = 0; i < c; i++) {
                z[i] = x[i];
                bad += x[i] * 0.0;
            }
        }
    }
    return bad;
}

/* Upper triangle of the min(rows, k) x k leading part of A (ld lda) into R (k x k, ld k),
 * zeros elsewhere. */
static void take_r(const double *A, size_t lda, size_t rows, size_t k, double *R)
{
    memset(R, 0, k * k * sizeof(double));
    for (size_t j = 0; j < k; j++)
        for (size_t i = 0; i <= j && i < rows; i++)
            R[i + j * k] = A[i + j * lda];
}

/* TSQR over the row blocks: Raug ((p+1) x (p+1)) = R of [sqrt(W)X, sqrt(W)y]. */
static gw_status tsqr(const gw_design *d, double *Raug, double *bad_out)
{
    gw_status rc = GW_OK;
    size_t n = d->n, k = d->p + 1, nb = gw_nblocks(n);
    int nt = gwi_nthreads();
    size_t lw = geqrf_lwork(GW_BLOCK_ROWS > 2 * k ? GW_BLOCK_ROWS : 2 * k, k);
    size_t tlen = GW_BLOCK_ROWS * k + 2 * k * k + k + lw;
    double *slots = gw_alloc_array(nb * k * k, sizeof(double));
    double *bad = gw_alloc_array(nb, sizeof(double));
    double *work = gw_alloc_array((size_t)nt * tlen, sizeof(double));
    int *fail = gw_calloc(nb, sizeof(int));
    if (slots == NULL || bad == NULL || work == NULL || fail == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate TSQR workspace (%zu blocks)", nb);
        goto done;
    }
    long nbl = (long)nb;
#pragma omp parallel for schedule(dynamic, 2)
    for (long b = 0; b < nbl; b++) {
        size_t f, c;
        gw_block_range(n, (size_t)b, &f, &c);
        double *B = work + (size_t)omp_get_thread_num() * tlen;
        double *tau = B + GW_BLOCK_ROWS * k + 2 * k * k;
        double *wk = tau + k;
        bad[b] = copy_block(d, f, c, B);
        lapack_int info = LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, (lapack_int)c, (lapack_int)k, B,
                                              (lapack_int)c, tau, wk, (lapack_int)lw);
        fail[b] = info != 0;
        take_r(B, c, c, k, slots + (size_t)b * k * k);
    }
    /* Combine in block order: QR of [R_acc; R_b] (2k x k). */
    double *S = work, *tau = S + 2 * k * k, *wk = tau + k;
    double badsum = 0.0;
    memcpy(Raug, slots, k * k * sizeof(double));
    for (size_t b = 0; b < nb; b++) {
        badsum += bad[b];
        if (fail[b]) {
            rc = gwi_fail(GW_EINTERNAL, "dgeqrf failed on block %zu", b);
            goto done;
        }
        if (b == 0)
            continue;
        const double *Rb = slots + b * k * k;
        for (size_t j = 0; j < k; j++) {
            memcpy(S + j * 2 * k, Raug + j * k, k * sizeof(double));
            memcpy(S + j * 2 * k + k, Rb + j * k, k * sizeof(double));
        }
        lapack_int info = LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, (lapack_int)(2 * k), (lapack_int)k,
                                              S, (lapack_int)(2 * k), tau, wk, (lapack_int)lw);
        if (info != 0) {
            rc = gwi_fail(GW_EINTERNAL, "dgeqrf: info %d combining block %zu", (int)info, b);
            goto done;
        }
        take_r(S, 2 * k, 2 * k, k, Raug);
    }
    *bad_out = badsum;
done:
    gw_free(fail);
    gw_free(work);
    gw_free(bad);
    gw_free(slots);
    return rc;
}

/* Rank deficiency: which columns are aliased, in formula order. The pivoted QR chose the r
 * columns it kept by size, which for `inv ~ value + capital + I(value^1)` keeps the later
 * duplicate; R (dqrdc2's limited pivoting) and economists expect a column to be dropped when
 * it lies in the span of EARLIER columns. Since A P = Q R, the matrix R P' (kmin x p) has the
 * same Gram as the scaled X in original column order, and Q'y is already in v; so an
 * unpivoted Householder QR of R P' that takes the columns in order, skipping a column whose
 * remaining norm is <= thresh (tol |R11| of the scaled R: the rank rule, so units do not
 * matter), gives the kept set K and the triangular factor of X_K in original order, and
 * applying the same reflectors to v gives the right-hand side. At most *r columns are kept
 * (the pivoted rank; the sequential rule may keep fewer). On return the leading *r x *r of A
 * (ld lda) is that factor, v[0..*r) its right-hand side, and jpvt (1-based) lists K in order,
 * then the aliased columns in order. GW_ENOMEM. Cost O(p^3), independent of n. */
static gw_status alias_in_order(double *A, size_t lda, size_t p, size_t kmin, double *v,
                                lapack_int *jpvt, double thresh, size_t *r)
{
    double *C = gw_calloc(kmin * p + kmin, sizeof(double));
    size_t *kept = gw_alloc_array(p, sizeof(size_t));
    int *is_kept = gw_calloc(p, sizeof(int));
    if (C == NULL || kept == NULL || is_kept == NULL) {
        gw_free(is_kept);
        gw_free(kept);
        gw_free(C);
        return gwi_fail(GW_ENOMEM, "cannot allocate the aliasing workspace (%zu)", p);
    }
    double *z = C + kmin * p;
    for (size_t i = 0; i < p; i++) {
        size_t col = (size_t)jpvt[i] - 1;
        for (size_t l = 0; l <= i && l < kmin; l++)
            C[l + col * kmin] = A[l + i * lda];
    }
    memcpy(z, v, kmin * sizeof(double));
    size_t kr = 0;
    for (size_t j = 0; j < p && kr < *r && kr < kmin; j++) {
        double *x = C + kr + j * kmin;
        size_t len = kmin - kr;
        double nrm = cblas_dnrm2((int)len, x, 1);
        if (!(nrm > thresh))
            continue; /* in the span of the columns kept before it: aliased */
        double tau = 0.0;
        (void)LAPACKE_dlarfg_work((lapack_int)len, x, x + 1, 1, &tau);
        double beta = x[0];
        x[0] = 1.0;
        /* H = I - tau x x' applied to the later columns and to z. */
        for (size_t jj = j + 1; jj <= p; jj++) {
            double *c = jj < p ? C + kr + jj * kmin : z + kr;
            double sdot = 0.0;
            for (size_t l = 0; l < len; l++)
                sdot += x[l] * c[l];
            sdot *= tau;
            for (size_t l = 0; l < len; l++)
                c[l] -= sdot * x[l];
        }
        x[0] = beta;
        is_kept[j] = 1;
        kept[kr++] = j;
    }
    for (size_t t = 0; t < kr; t++)
        for (size_t l = 0; l <= t; l++)
            A[l + t * lda] = C[l + kept[t] * kmin];
    memcpy(v, z, kr * sizeof(double));
    size_t m = 0;
    for (size_t t = 0; t < kr; t++)
        jpvt[m++] = (lapack_int)kept[t] + 1;
    for (size_t j = 0; j < p; j++)
        if (!is_kept[j])
            jpvt[m++] = (lapack_int)j + 1;
    *r = kr;
    gw_free(is_kept);
    gw_free(kept);
    gw_free(C);
    return GW_OK;
}

/* The matrix dgeqp3 factors and its right-hand side: [R y'] from TSQR over the blocks
 * (is_tsqr: A, v are p x p and p), or the one block's sqrt(W)X and sqrt(W)y. GW_ENONFINITE
 * names the first non-finite entry of X. Raug: (p + 1) x (p + 1) with TSQR. */
static gw_status qr_load(const gw_design *d, int is_tsqr, double *Raug, double *A, double *v)
{
    const size_t n = d->n, p = d->p;
    double bad = 0.0;
    gw_status rc;
    if (is_tsqr) {
        rc = tsqr(d, Raug, &bad);
        if (rc != GW_OK)
            return rc;
        for (size_t j = 0; j < p; j++)
            memcpy(A + j * p, Raug + j * (p + 1), p * sizeof(double));
        memcpy(v, Raug + p * (p + 1), p * sizeof(double));
    } else {
        /* One block: A = sqrt(W)X, v = sqrt(W)y. copy_block writes [A v] contiguously. */
        double *B = gw_alloc_array(n * (p + 1), sizeof(double));
        if (B == NULL)
            return gwi_fail(GW_ENOMEM, "cannot allocate a copy of X (%zu x %zu)", n, p);
        bad = copy_block(d, 0, n, B);
        memcpy(A, B, n * p * sizeof(double));
        memcpy(v, B + n * p, n * sizeof(double));
        gw_free(B);
    }
    if (isnan(bad)) {
        size_t k = gwi_nonfinite_index(d->X, n * p);
        return gwi_fail(GW_ENONFINITE, "X[%zu, %zu] is not finite", k % n, k / n);
    }
    return GW_OK;
}

/* Pivoted QR of A (rows x p, scaled here column by column by powers of two, exponents in e)
 * with Q'v applied; the LAPACK workspace it sizes is returned in *wk_out (the caller's to free,
 * reused by the triangular routines after). */
static gw_status qr_factor(size_t rows, size_t p, size_t kmin, double *A, double *v,
                           lapack_int *jpvt, double *tau, int *e, double **wk_out)
{
    /* Power-of-two scaling to column norms in [0.5, 1): exact, so it changes no digit of the
     * data, only the pivoting and the rank decision (which then ignore units). */
    for (size_t j = 0; j < p; j++) {
        double nrm = cblas_dnrm2((int)rows, A + j * rows, 1);
        e[j] = 0;
        if (nrm > 0.0 && isfinite(nrm))
            (void)frexp(nrm, &e[j]);
        for (size_t i = 0; i < rows; i++)
            A[i + j * rows] = ldexp(A[i + j * rows], -e[j]);
        jpvt[j] = 0;
    }
    double q = 0.0;
    lapack_int info = LAPACKE_dgeqp3_work(LAPACK_COL_MAJOR, (lapack_int)rows, (lapack_int)p, A,
                                          (lapack_int)rows, jpvt, tau, &q, -1);
    size_t lw = (info == 0 && q > 0.0) ? (size_t)q : 3 * p + 1;
    double q2 = 0.0;
    info = LAPACKE_dormqr_work(LAPACK_COL_MAJOR, 'L', 'T', (lapack_int)rows, 1, (lapack_int)kmin, A,
                               (lapack_int)rows, tau, v, (lapack_int)rows, &q2, -1);
    if (info == 0 && (size_t)q2 > lw)
        lw = (size_t)q2;
    if (lw < 3 * p + 1)
        lw = 3 * p + 1;
    double *wk = *wk_out = gw_alloc_array(lw, sizeof(double));
    if (wk == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate LAPACK workspace (%zu)", lw);
    info = LAPACKE_dgeqp3_work(LAPACK_COL_MAJOR, (lapack_int)rows, (lapack_int)p, A,
                               (lapack_int)rows, jpvt, tau, wk, (lapack_int)lw);
    if (info == 0)
        info =
            LAPACKE_dormqr_work(LAPACK_COL_MAJOR, 'L', 'T', (lapack_int)rows, 1, (lapack_int)kmin,
                                A, (lapack_int)rows, tau, v, (lapack_int)rows, wk, (lapack_int)lw);
    if (info != 0)
        return gwi_fail(GW_EINTERNAL, "dgeqp3/dormqr: info %d", (int)info);
    return GW_OK;
}

/* Least squares by pivoted QR (linalg_int.h): load, factor, rank, then the triangular solve
 * and the bread, unscaled and unpermuted. */
gw_status gwi_ls_qr(const gw_design *d, double rank_tol, gw_ls *ls, int *is_tsqr)
{
    gw_status rc = GW_OK;
    size_t n = d->n, p = d->p, nb = gw_nblocks(n);
    size_t rows = nb <= 1 ? n : p; /* rows of the matrix dgeqp3 factors */
    size_t kmin = rows < p ? rows : p;
    double *A = NULL, *v = NULL, *tau = NULL, *wk = NULL, *Raug = NULL, *Ri = NULL;
    lapack_int *jpvt = NULL, *iwork = NULL;
    int *e = NULL;

    *is_tsqr = nb > 1;
    A = gw_alloc_array(rows * p, sizeof(double));
    v = gw_alloc_array(rows > p ? rows : p, sizeof(double));
    tau = gw_alloc_array(p, sizeof(double));
    jpvt = gw_alloc_array(p, sizeof(lapack_int));
    iwork = gw_alloc_array(p, sizeof(lapack_int));
    e = gw_alloc_array(p, sizeof(int));
    Ri = gw_alloc_array(p * p, sizeof(double));
    if (*is_tsqr)
        Raug = gw_alloc_array((p + 1) * (p + 1), sizeof(double));
    if (A == NULL || v == NULL || tau == NULL || jpvt == NULL || iwork == NULL || e == NULL ||
        Ri == NULL || (*is_tsqr && Raug == NULL)) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the QR workspace (%zu x %zu)", rows, p);
        goto done;
    }
    if ((rc = qr_load(d, *is_tsqr, Raug, A, v)) != GW_OK ||
        (rc = qr_factor(rows, p, kmin, A, v, jpvt, tau, e, &wk)) != GW_OK)
        goto done;

    /* Rank on the scaled R: |R_kk| > tol |R_11|. */
    double tol = rank_tol > 0.0 ? rank_tol : (double)(n > p ? n : p) * DBL_EPSILON;
    double r11 = kmin > 0 ? fabs(A[0]) : 0.0;
    size_t r = 0;
    while (r < kmin && r11 > 0.0 && fabs(A[r + r * rows]) > tol * r11)
        r++;
    if (r > 0 && r < p) {
        rc = alias_in_order(A, rows, p, kmin, v, jpvt, tol * r11, &r);
        if (rc != GW_OK)
            goto done;
    }
    ls->rank = r;
    for (size_t j = 0; j < p; j++) {
        ls->pivots[j] = (int)jpvt[j] - 1;
        ls->aliased[j] = 1;
        ls->coef[j] = NAN;
    }
    for (size_t j = 0; j < p * p; j++)
        ls->bread[j] = NAN;
    ls->rcond = 0.0;
    if (r == 0)
        goto done;
    for (size_t j = 0; j < r; j++)
        ls->aliased[jpvt[j] - 1] = 0;

    lapack_int info = LAPACKE_dtrcon_work(LAPACK_COL_MAJOR, '1', 'U', 'N', (lapack_int)r, A,
                                          (lapack_int)rows, &ls->rcond, wk, iwork);
    if (info == 0)
        info = LAPACKE_dtrtrs_work(LAPACK_COL_MAJOR, 'U', 'N', 'N', (lapack_int)r, 1, A,
                                   (lapack_int)rows, v, (lapack_int)(rows > p ? rows : p));
    /* R11^-1 then U U' = (R11'R11)^-1: the scaled bread without forming X'X. */
    for (size_t j = 0; j < r; j++)
        for (size_t i = 0; i < r; i++)
            Ri[i + j * r] = i <= j ? A[i + j * rows] : 0.0;
    if (info == 0)
        info = LAPACKE_dtrtri_work(LAPACK_COL_MAJOR, 'U', 'N', (lapack_int)r, Ri, (lapack_int)r);
    if (info == 0)
        info = LAPACKE_dlauum_work(LAPACK_COL_MAJOR, 'U', (lapack_int)r, Ri, (lapack_int)r);
    if (info != 0) {
        rc = gwi_fail(GW_EINTERNAL, "dtrcon/dtrtrs/dtrtri/dlauum: info %d", (int)info);
        goto done;
    }
    /* Unscale (X_s = X 2^-e, so b = b_s 2^-e and bread = 2^-e bread_s 2^-e) and unpermute. */
    for (size_t i = 0; i < r; i++) {
        size_t ci = (size_t)jpvt[i] - 1;
        ls->coef[ci] = ldexp(v[i], -e[ci]);
        for (size_t k = 0; k < r; k++) {
            size_t ck = (size_t)jpvt[k] - 1;
            double val = i <= k ? Ri[i + k * r] : Ri[k + i * r];
            ls->bread[ci + ck * p] = ldexp(val, -e[ci] - e[ck]);
        }
    }
done:
    gw_free(wk);
    gw_free(Raug);
    gw_free(Ri);
    gw_free(e);
    gw_free(iwork);
    gw_free(jpvt);
    gw_free(tau);
    gw_free(v);
    gw_free(A);
    return rc;
}
