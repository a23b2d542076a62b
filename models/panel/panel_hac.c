/* panel_hac.c -- Driscoll-Kraay and panel Newey-West variances (gw_panel_vcov_hac).
 *
 * The formulas and conventions are in gw_panel.h; this file explains the computation.
 *
 * Periods are the positions of the times among their sorted distinct values, so that a lag is
 * "l distinct periods earlier" (plm's and sandwich's convention), whatever the spacing of the
 * time values.
 *
 * Driscoll-Kraay: the rows are ordered by period with a stable counting sort, and the score
 * sum S_s of each period is added over its rows in row order. Periods are independent, so they
 * run in parallel, and each S_s is one fixed sequence of additions: the result cannot depend
 * on the thread count. The meat is then a serial O(T k^2 (L+1)) loop over the T x k scores.
 *
 * Newey-West: the rows are ordered by id (stable counting sort) and, within an id, by period;
 * an id's contribution needs only its own rows. Ids are processed in fixed chunks of
 * NW_CHUNK consecutive codes, each chunk accumulating into its own k x k partial in id order;
 * the partials are added in chunk order. The chunking depends on the data only. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_panel.h"
#include "panel_int.h"

/* Ids per Newey-West chunk: enough work per chunk to amortise the k x k partial, few enough
 * chunks for a fair split over threads. Any value gives the same numbers per chunk layout;
 * changing it changes only the order of the final additions (tests do not pin it). */
#define NW_CHUNK ((size_t)64)

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

gw_status gwi_panel_time_pos(const double *time, size_t n, size_t *pos, size_t *T)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(time[i]))
            return gwi_fail(GW_ENONFINITE, "panel time is %g at observation %zu", time[i], i + 1);
    double *s = gw_alloc_array(n ? n : 1, sizeof *s);
    if (s == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu sorted times", n);
    memcpy(s, time, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || s[i] != s[m - 1])
            s[m++] = s[i];
    for (size_t i = 0; i < n; i++) {
        size_t lo = 0, hi = m; /* s[lo..hi) holds time[i] */
        while (hi - lo > 1) {
            size_t mid = lo + (hi - lo) / 2;
            if (s[mid] <= time[i])
                lo = mid;
            else
                hi = mid;
        }
        pos[i] = lo;
    }
    *T = m;
    gw_free(s);
    return GW_OK;
}

/* Stable counting sort of n rows by key (0..nkeys-1): start (nkeys+1) and order (n). */
static void counting_sort(const size_t *key, size_t n, size_t nkeys, size_t *start, size_t *order)
{
    memset(start, 0, (nkeys + 1) * sizeof *start);
    for (size_t i = 0; i < n; i++)
        start[key[i] + 1]++;
    for (size_t g = 0; g < nkeys; g++)
        start[g + 1] += start[g];
    for (size_t i = 0; i < n; i++)
        order[start[key[i]]++] = i;
    for (size_t g = nkeys; g > 0; g--)
        start[g] = start[g - 1];
    start[0] = 0;
}

/* A += c (a b' + b a') on the full k x k A. */
static void add_sym_outer(size_t k, double c, const double *a, const double *b, double *A)
{
    for (size_t j = 0; j < k; j++)
        for (size_t i = 0; i < k; i++)
            A[i + j * k] += c * (a[i] * b[j] + b[i] * a[j]);
}

/* The score weight u_r = w_r e_r. */
static double score_weight(const gw_panel_hac_data *in, size_t r)
{
    return in->w ? in->w[r] * in->resid[r] : in->resid[r];
}

static gw_status dk_meat(const gw_panel_hac_data *in, const size_t *pos, size_t T, size_t lags,
                         double *M)
{
    const size_t n = in->n, k = in->k;
    size_t *start = gw_alloc_array(T + 1, sizeof *start);
    size_t *order = gw_alloc_array(n, sizeof *order);
    double *S = gw_calloc(T * k, sizeof *S);
    gw_status rc = GW_OK;
    if (start == NULL || order == NULL || S == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the scores of %zu periods", T);
        goto done;
    }
    counting_sort(pos, n, T, start, order);
#pragma omp parallel for schedule(dynamic, 16)
    for (size_t s = 0; s < T; s++) {
        double *Ss = S + s * k;
        for (size_t rr = start[s]; rr < start[s + 1]; rr++) {
            size_t r = order[rr];
            double u = score_weight(in, r);
            for (size_t j = 0; j < k; j++)
                Ss[j] += u * in->X[r + in->keep[j] * n];
        }
    }
    memset(M, 0, k * k * sizeof *M);
    for (size_t s = 0; s < T; s++)
        for (size_t j = 0; j < k; j++)
            for (size_t i = 0; i < k; i++)
                M[i + j * k] += S[s * k + i] * S[s * k + j];
    for (size_t l = 1; l <= lags && l < T; l++) {
        double wl = 1.0 - (double)l / ((double)lags + 1.0);
        for (size_t s = l; s < T; s++)
            add_sym_outer(k, wl, S + s * k, S + (s - l) * k, M);
    }
done:
    gw_free(S);
    gw_free(order);
    gw_free(start);
    return rc;
}

typedef struct {
    size_t pos, row;
} pos_row;

static int cmp_pos_row(const void *a, const void *b)
{
    const pos_row *x = a, *y = b;
    if (x->pos != y->pos)
        return (x->pos > y->pos) - (x->pos < y->pos);
    return (x->row > y->row) - (x->row < y->row);
}

static gw_status nw_meat(const gw_panel_hac_data *in, const size_t *pos, size_t lags, double *M)
{
    const size_t n = in->n, k = in->k, G = in->n_ids;
    const size_t nchunk = (G + NW_CHUNK - 1) / NW_CHUNK;
    size_t *key = gw_alloc_array(n, sizeof *key);
    size_t *start = gw_alloc_array(G + 1, sizeof *start);
    size_t *order = gw_alloc_array(n, sizeof *order);
    pos_row *pr = gw_alloc_array(n, sizeof *pr);
    double *part = gw_calloc(nchunk * k * k, sizeof *part);
    gw_status rc = GW_OK;
    if (key == NULL || start == NULL || order == NULL || pr == NULL || part == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the Newey-West workspace (%zu rows)", n);
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        key[i] = (size_t)in->id[i];
    counting_sort(key, n, G, start, order);
    size_t Tmax = 0;
    for (size_t g = 0; g < G; g++) {
        size_t m = start[g + 1] - start[g];
        pos_row *q = pr + start[g];
        for (size_t a = 0; a < m; a++) {
            q[a].row = order[start[g] + a];
            q[a].pos = pos[q[a].row];
        }
        qsort(q, m, sizeof *q, cmp_pos_row);
        for (size_t a = 1; a < m; a++)
            if (q[a].pos == q[a - 1].pos) {
                rc = gwi_fail(GW_EINVAL,
                              "panel id code %zu has two observations (%zu and %zu) at the same "
                              "time; Newey-West needs one observation per id and time",
                              g, q[a - 1].row + 1, q[a].row + 1);
                goto done;
            }
        if (m > Tmax)
            Tmax = m;
    }
    int fail = 0;
#pragma omp parallel
    {
        double *H = gw_alloc_array(Tmax * k > 0 ? Tmax * k : 1, sizeof *H);
        if (H == NULL) {
#pragma omp atomic write
            fail = 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (size_t c = 0; c < nchunk; c++) {
            if (H == NULL)
                continue;
            double *P = part + c * k * k;
            size_t g1 = (c + 1) * NW_CHUNK < G ? (c + 1) * NW_CHUNK : G;
            for (size_t g = c * NW_CHUNK; g < g1; g++) {
                size_t m = start[g + 1] - start[g];
                const pos_row *q = pr + start[g];
                for (size_t a = 0; a < m; a++) {
                    double u = score_weight(in, q[a].row);
                    for (size_t j = 0; j < k; j++)
                        H[a * k + j] = u * in->X[q[a].row + in->keep[j] * n];
                }
                for (size_t a = 0; a < m; a++) {
                    const double *ha = H + a * k;
                    for (size_t j = 0; j < k; j++)
                        for (size_t i = 0; i < k; i++)
                            P[i + j * k] += ha[i] * ha[j];
                    for (size_t b = a; b-- > 0;) {
                        size_t l = q[a].pos - q[b].pos;
                        if (l > lags)
                            break;
                        add_sym_outer(k, 1.0 - (double)l / ((double)lags + 1.0), ha, H + b * k, P);
                    }
                }
            }
        }
        gw_free(H);
    }
    if (fail) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the Newey-West scores of %zu rows", Tmax);
        goto done;
    }
    memset(M, 0, k * k * sizeof *M);
    for (size_t c = 0; c < nchunk; c++)
        for (size_t e = 0; e < k * k; e++)
            M[e] += part[c * k * k + e];
done:
    gw_free(part);
    gw_free(pr);
    gw_free(order);
    gw_free(start);
    gw_free(key);
    return rc;
}

gw_status gw_panel_vcov_hac(const gw_panel_hac_data *in, gw_panel_hac kind, size_t lags,
                            gw_panel_ssc ssc, double *V, size_t *n_periods)
{
    if (in == NULL || V == NULL)
        return gwi_fail(GW_EINVAL, "no %s", in == NULL ? "fit pieces" : "output matrix");
    if (kind != GW_PANEL_HAC_DK && kind != GW_PANEL_HAC_NW)
        return gwi_fail(GW_EINVAL, "unknown panel variance kind %d", (int)kind);
    if ((int)ssc < 0 || ssc >= GW_PANEL_SSC_NKINDS)
        return gwi_fail(GW_EINVAL, "unknown small-sample correction %d", (int)ssc);
    if (in->X == NULL || in->resid == NULL || in->bread == NULL || in->keep == NULL ||
        in->time == NULL || (kind == GW_PANEL_HAC_NW && in->id == NULL))
        return gwi_fail(GW_EINVAL, "missing fit pieces (X, residuals, bread, columns, %s)",
                        kind == GW_PANEL_HAC_NW ? "panel id or time" : "time");
    if (in->k == 0 || in->n == 0)
        return gwi_fail(GW_EINVAL, "no %s", in->k == 0 ? "coefficients" : "observations");
    for (size_t j = 0; j < in->k; j++)
        if (in->keep[j] >= in->p)
            return gwi_fail(GW_EINVAL, "column %zu outside the %zu columns", in->keep[j], in->p);
    if (kind == GW_PANEL_HAC_NW)
        for (size_t i = 0; i < in->n; i++)
            if (in->id[i] < 0 || (size_t)in->id[i] >= in->n_ids)
                return gwi_fail(GW_EINVAL, "panel id code %ld outside 0..%zu at observation %zu",
                                (long)in->id[i], in->n_ids ? in->n_ids - 1 : 0, i + 1);
    const size_t n = in->n, k = in->k, p = in->p;
    size_t T = 0;
    gw_status rc = GW_OK;
    size_t *pos = gw_alloc_array(n, sizeof *pos);
    double *M = gw_alloc_array(3 * k * k, sizeof *M);
    if (pos == NULL || M == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the panel variance workspace");
        goto done;
    }
    double *B = M + k * k, *Tm = M + 2 * k * k;
    if ((rc = gwi_panel_time_pos(in->time, n, pos, &T)) != GW_OK)
        goto done;
    rc = kind == GW_PANEL_HAC_DK ? dk_meat(in, pos, T, lags, M) : nw_meat(in, pos, lags, M);
    if (rc != GW_OK)
        goto done;
    for (size_t j = 0; j < k; j++)
        for (size_t i = 0; i < k; i++)
            B[i + j * k] = in->bread[in->keep[i] + in->keep[j] * p];
    const double N = (double)n, K = in->dof_k;
    const double G = kind == GW_PANEL_HAC_DK ? (double)T : N;
    double c = 1.0;
    if (ssc == GW_PANEL_SSC_HC1)
        c = N > K ? N / (N - K) : (double)NAN;
    else if (ssc == GW_PANEL_SSC_SSS)
        c = (N > K && G > 1.0) ? G / (G - 1.0) * ((N - 1.0) / (N - K)) : (double)NAN;
    /* Tm = B M, V = Tm B, then the triangles averaged (exact symmetry). */
    for (size_t j = 0; j < k; j++)
        for (size_t i = 0; i < k; i++) {
            double s = 0.0;
            for (size_t l = 0; l < k; l++)
                s += B[i + l * k] * M[l + j * k];
            Tm[i + j * k] = s;
        }
    for (size_t j = 0; j < k; j++)
        for (size_t i = 0; i < k; i++) {
            double s = 0.0;
            for (size_t l = 0; l < k; l++)
                s += Tm[i + l * k] * B[l + j * k];
            V[i + j * k] = s;
        }
    for (size_t j = 0; j < k; j++) {
        V[j + j * k] *= c;
        for (size_t i = j + 1; i < k; i++) {
            double v = 0.5 * (V[i + j * k] + V[j + i * k]) * c;
            V[i + j * k] = V[j + i * k] = v;
        }
    }
    if (n_periods)
        *n_periods = T;
done:
    gw_free(M);
    gw_free(pos);
    return rc;
}
