/* linalg_refine.c -- iterative refinement of least squares in double-double arithmetic.
 *
 * Why: pivoted QR in double loses about log10(kappa) digits in the coefficients plus
 * log10(kappa^2 ||r|| / (||X|| ||b||)) for problems with large residuals (Wampler5: ~6 digits
 * left; Filip, kappa of the scaled R ~ 1e9-1e10: ~7), and the bread R^-1 R^-T loses about
 * log10(kappa) digits too. The remedy measured on the NIST StRD (tests/core/test_linalg.c):
 *
 *  1. G = X'WX of the r non-aliased columns accumulated in double-double from X + Xlo
 *     (products exact to ~2^-104, per-block partial sums added in block order), scaled by
 *     powers of two to a near-unit diagonal (exact) and factored by a double-double Cholesky
 *     G = L L'. Its error is ~kappa(G) * 2^-104 ~ 1e-12 even for Filip (kappa(G) ~ 1e20).
 *  2. Refinement of b (started from the QR solution): r = y - (X + Xlo) b and g = X'W r in
 *     double-double, db = G^-1 g, b += db. The fixed point is X'W(y - Xb) = 0 evaluated to
 *     double-double accuracy, so the limiting accuracy is ~kappa(G) * 2^-104 relative, far
 *     below double rounding; each step contracts the error by ~kappa(G) * 2^-104. Stops when
 *     every |db_j| <= 2^-60 |b_j|, when the correction stops shrinking by half, or after
 *     GW_LS_MAXREFINE steps.
 *  3. The bread is G^-1 = L^-T L^-1 in double-double. This is what brings the standard
 *     errors of Filip from ~7 to ~13 digits; a double-precision R^-1 cannot.
 *
 * Forming G is allowed here although style.md forbids inverting X'X in double: in
 * double-double the squaring of kappa costs 2*log10(kappa) of 32 digits, not of 16. */
#include <float.h>
#include <math.h>
#include <omp.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_dd.h"
#include "gw_par.h"
#include "linalg_int.h"

/* Row i of the kept columns as double-doubles. */
static void load_row(const gw_design *d, const size_t *K, size_t r, size_t i, gw_dd *x)
{
    size_t n = d->n;
    for (size_t j = 0; j < r; j++) {
        size_t o = i + K[j] * n;
        x[j] = (gw_dd){d->X[o], d->Xlo ? d->Xlo[o] : 0.0};
    }
}

/* Per-block double-double Gram (packed upper, column by column: (j,k), j <= k at
 * j + k(k+1)/2). */
static void gram_dd_block(const gw_design *d, const size_t *K, size_t r, size_t f, size_t c,
                          gw_dd *x, gw_dd *G)
{
    size_t np = r * (r + 1) / 2;
    for (size_t t = 0; t < np; t++)
        G[t] = gw_dd_from(0.0);
    for (size_t i = f; i < f + c; i++) {
        load_row(d, K, r, i, x);
        if (d->w)
            for (size_t j = 0; j < r; j++)
                x[r + j] = gw_dd_mul_d(x[j], d->w[i]);
        const gw_dd *wx = d->w ? x + r : x;
        for (size_t k = 0; k < r; k++)
            for (size_t j = 0; j <= k; j++)
                G[j + k * (k + 1) / 2] = gw_dd_add(G[j + k * (k + 1) / 2], gw_dd_mul(wx[j], x[k]));
    }
}

/* Per-block g = X'W(y - Xb), everything in double-double. */
static void resid_dd_block(const gw_design *d, const size_t *K, size_t r, size_t f, size_t c,
                           const gw_dd *b, gw_dd *x, gw_dd *g)
{
    for (size_t j = 0; j < r; j++)
        g[j] = gw_dd_from(0.0);
    for (size_t i = f; i < f + c; i++) {
        load_row(d, K, r, i, x);
        gw_dd s = gw_dd_from(d->y[i]);
        for (size_t j = 0; j < r; j++)
            s = gw_dd_sub(s, gw_dd_mul(x[j], b[j]));
        if (d->w)
            s = gw_dd_mul_d(s, d->w[i]);
        for (size_t j = 0; j < r; j++)
            g[j] = gw_dd_add(g[j], gw_dd_mul(x[j], s));
    }
}

/* Cholesky G = L L' of the packed upper G into the dense lower L (r x r). 0 if not PD. */
static int chol_dd(const gw_dd *G, size_t r, gw_dd *L)
{
    for (size_t j = 0; j < r; j++) {
        gw_dd s = G[j + j * (j + 1) / 2];
        for (size_t k = 0; k < j; k++)
            s = gw_dd_sub(s, gw_dd_mul(L[j + k * r], L[j + k * r]));
        if (!(s.hi > 0.0))
            return 0;
        gw_dd ljj = gw_dd_sqrt(s);
        L[j + j * r] = ljj;
        for (size_t i = j + 1; i < r; i++) {
            gw_dd t = G[j + i * (i + 1) / 2];
            for (size_t k = 0; k < j; k++)
                t = gw_dd_sub(t, gw_dd_mul(L[i + k * r], L[j + k * r]));
            L[i + j * r] = gw_dd_div(t, ljj);
        }
    }
    return 1;
}

/* Solves L L' z = z in place. */
static void chol_solve_dd(const gw_dd *L, size_t r, gw_dd *z)
{
    for (size_t i = 0; i < r; i++) {
        gw_dd t = z[i];
        for (size_t k = 0; k < i; k++)
            t = gw_dd_sub(t, gw_dd_mul(L[i + k * r], z[k]));
        z[i] = gw_dd_div(t, L[i + i * r]);
    }
    for (size_t i = r; i-- > 0;) {
        gw_dd t = z[i];
        for (size_t k = i + 1; k < r; k++)
            t = gw_dd_sub(t, gw_dd_mul(L[k + i * r], z[k]));
        z[i] = gw_dd_div(t, L[i + i * r]);
    }
}

gw_status gwi_ls_refine(const gw_design *d, gw_ls *ls, int *done_out)
{
    gw_status rc = GW_OK;
    size_t n = d->n, p = d->p, r = ls->rank, nb = gw_nblocks(n);
    size_t np = r * (r + 1) / 2;
    int nt = gwi_nthreads();
    size_t tlen = 2 * r;
    size_t *K = NULL;
    int *e = NULL;
    gw_dd *Gb = NULL, *gb = NULL, *tmp = NULL, *L = NULL, *b = NULL, *z = NULL, *Li = NULL;

    *done_out = 0;
    if (d->Xlo != NULL) {
        size_t k = gwi_nonfinite_index(d->Xlo, n * p);
        if (k < n * p)
            return gwi_fail(GW_ENONFINITE, "Xlo[%zu, %zu] is not finite", k % n, k / n);
    }
    K = gw_alloc_array(r, sizeof(size_t));
    e = gw_alloc_array(r, sizeof(int));
    Gb = gw_alloc_array(nb * np, sizeof(gw_dd));
    gb = gw_alloc_array(nb * r, sizeof(gw_dd));
    tmp = gw_alloc_array((size_t)nt * tlen, sizeof(gw_dd));
    L = gw_alloc_array(r * r, sizeof(gw_dd));
    Li = gw_alloc_array(r * r, sizeof(gw_dd));
    b = gw_alloc_array(r, sizeof(gw_dd));
    z = gw_alloc_array(r, sizeof(gw_dd));
    if (K == NULL || e == NULL || Gb == NULL || gb == NULL || tmp == NULL || L == NULL ||
        Li == NULL || b == NULL || z == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate double-double refinement (%zu x %zu)", n, r);
        goto done;
    }
    for (size_t j = 0; j < r; j++) {
        K[j] = (size_t)ls->pivots[j];
        b[j] = gw_dd_from(ls->coef[K[j]]);
    }

    long nbl = (long)nb;
#pragma omp parallel for schedule(dynamic, 2)
    for (long bl = 0; bl < nbl; bl++) {
        size_t f, c;
        gw_block_range(n, (size_t)bl, &f, &c);
        gram_dd_block(d, K, r, f, c, tmp + (size_t)omp_get_thread_num() * tlen,
                      Gb + (size_t)bl * np);
    }
    for (size_t bl = 1; bl < nb; bl++)
        for (size_t t = 0; t < np; t++)
            Gb[t] = gw_dd_add(Gb[t], Gb[bl * np + t]);

    /* Exact power-of-two equilibration: Gs = S G S, S = diag(2^-e_j). */
    for (size_t j = 0; j < r; j++) {
        double gjj = Gb[j + j * (j + 1) / 2].hi;
        e[j] = 0;
        if (gjj > 0.0 && isfinite(gjj))
            (void)frexp(sqrt(gjj), &e[j]);
    }
    for (size_t k = 0; k < r; k++)
        for (size_t j = 0; j <= k; j++) {
            gw_dd *t = &Gb[j + k * (k + 1) / 2];
            t->hi = ldexp(t->hi, -e[j] - e[k]);
            t->lo = ldexp(t->lo, -e[j] - e[k]);
        }
    if (!chol_dd(Gb, r, L))
        goto done; /* not positive definite in double-double: keep the QR answer */

    size_t it = 0;
    double prev = INFINITY;
    for (it = 0; it < GW_LS_MAXREFINE;) {
#pragma omp parallel for schedule(dynamic, 2)
        for (long bl = 0; bl < nbl; bl++) {
            size_t f, c;
            gw_block_range(n, (size_t)bl, &f, &c);
            resid_dd_block(d, K, r, f, c, b, tmp + (size_t)omp_get_thread_num() * tlen,
                           gb + (size_t)bl * r);
        }
        for (size_t j = 0; j < r; j++) {
            gw_dd s = gb[j];
            for (size_t bl = 1; bl < nb; bl++)
                s = gw_dd_add(s, gb[bl * r + j]);
            z[j] = (gw_dd){ldexp(s.hi, -e[j]), ldexp(s.lo, -e[j])};
        }
        chol_solve_dd(L, r, z);
        /* db = S z; convergence measured componentwise and in the scaled norm. */
        int small = 1;
        double zmax = 0.0;
        for (size_t j = 0; j < r; j++) {
            gw_dd db = {ldexp(z[j].hi, -e[j]), ldexp(z[j].lo, -e[j])};
            b[j] = gw_dd_add(b[j], db);
            if (fabs(db.hi) > ldexp(fabs(b[j].hi), -60))
                small = 0;
            zmax = fmax(zmax, fabs(z[j].hi));
        }
        it++;
        if (small || zmax > 0.5 * prev)
            break;
        prev = zmax;
    }
    ls->iterations = it;

    /* Bread: G^-1 = S L^-T L^-1 S. Li = L^-1 (lower). */
    memset(Li, 0, r * r * sizeof(gw_dd));
    for (size_t j = 0; j < r; j++) {
        Li[j + j * r] = gw_dd_div(gw_dd_from(1.0), L[j + j * r]);
        for (size_t i = j + 1; i < r; i++) {
            gw_dd t = gw_dd_from(0.0);
            for (size_t k = j; k < i; k++)
                t = gw_dd_add(t, gw_dd_mul(L[i + k * r], Li[k + j * r]));
            Li[i + j * r] = gw_dd_div(gw_dd_neg(t), L[i + i * r]);
        }
    }
    for (size_t k = 0; k < r; k++)
        for (size_t j = 0; j <= k; j++) {
            gw_dd t = gw_dd_from(0.0);
            for (size_t l = k; l < r; l++)
                t = gw_dd_add(t, gw_dd_mul(Li[l + j * r], Li[l + k * r]));
            double v = ldexp(gw_dd_to_double(t), -e[j] - e[k]);
            ls->bread[K[j] + K[k] * p] = v;
            ls->bread[K[k] + K[j] * p] = v;
        }
    for (size_t j = 0; j < r; j++)
        ls->coef[K[j]] = gw_dd_to_double(b[j]);
    *done_out = 1;
done:
    gw_free(z);
    gw_free(b);
    gw_free(Li);
    gw_free(L);
    gw_free(tmp);
    gw_free(gb);
    gw_free(Gb);
    gw_free(e);
    gw_free(K);
    return rc;
}
