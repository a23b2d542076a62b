/* frame_terms.c -- the numbers of the formula calls of issue 19 that need more than one row at
 * a time: lags and leads over a panel (l(), f(), d()) and orthogonal polynomials (poly()). The
 * model frame (io/frame.c) calls them; they read plain arrays and know nothing of formulas. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_codes.h"
#include "io_int.h"

/* One table row of the panel: its id (a categorical code or a numeric value), time and row. */
typedef struct {
    double id, t;
    size_t row;
} id_time;

static int cmp_id_time(const void *a, const void *b)
{
    const id_time *x = a, *y = b;
    if (x->id != y->id)
        return (x->id > y->id) - (x->id < y->id);
    if (x->t != y->t)
        return (x->t > y->t) - (x->t < y->t);
    return (x->row > y->row) - (x->row < y->row);
}

struct gwi_panel_order {
    id_time *q; /* the rows with an id and a time, sorted by (id, time) */
    size_t n;
};

/* Sorts q[0..n) by (t, row): insertion sort for the short runs of a panel id (a few dozen
 * periods), qsort beyond. */
static void sort_times(id_time *q, size_t n)
{
    if (n > 32) {
        qsort(q, n, sizeof *q, cmp_id_time);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        id_time v = q[i];
        size_t j = i;
        while (j > 0 && cmp_id_time(&q[j - 1], &v) > 0) {
            q[j] = q[j - 1];
            j--;
        }
        q[j] = v;
    }
}

gw_status gwi_panel_order_new(const double *idnum, const int32_t *idcode, const double *time,
                              size_t nrows, const char *idname, gwi_panel_order **out)
{
    gwi_panel_order *o = gw_calloc(1, sizeof *o);
    size_t *rows = gw_alloc_array(nrows ? nrows : 1, sizeof *rows), m = 0, L = 0;
    int32_t *code = gw_alloc_array(nrows ? nrows : 1, sizeof *code);
    size_t *start = NULL;
    gw_status rc = GW_OK;
    *out = NULL;
    if (o == NULL || rows == NULL || code == NULL ||
        (o->q = gw_alloc_array(nrows ? nrows : 1, sizeof *o->q)) == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the (id, time) order of %zu rows", nrows);
        goto done;
    }
    for (size_t r = 0; r < nrows; r++)
        if (!(idcode != NULL ? idcode[r] < 0 : isnan(idnum[r])) && !isnan(time[r]))
            rows[m++] = r;
    /* The ids as codes 0..L-1 (O(n), gw_codes.h), then a counting sort by id that keeps the
     * rows of one id in table order, then each id's rows sorted by time: O(n + sum g log g)
     * for ids of g rows, not O(n log n) over all rows. */
    if (idcode != NULL) {
        for (size_t i = 0; i < m; i++) {
            code[i] = idcode[rows[i]];
            L = (size_t)code[i] + 1 > L ? (size_t)code[i] + 1 : L;
        }
    } else if (m > 0 && (rc = gw_codes_from_double(idnum, rows, m, code, NULL, &L)) != GW_OK) {
        rc = gwi_fail(rc, "cannot code the panel ids '%.200s'", idname);
        goto done;
    }
    if ((start = gw_calloc(L + 1, sizeof *start)) == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu panel ids", L);
        goto done;
    }
    for (size_t i = 0; i < m; i++)
        start[code[i] + 1]++;
    for (size_t l = 0; l < L; l++)
        start[l + 1] += start[l];
    for (size_t i = 0; i < m; i++) {
        size_t at = start[code[i]]++;
        o->q[at] = (id_time){(double)code[i], time[rows[i]], rows[i]};
    }
    o->n = m;
    for (size_t g0 = 0, g1; g0 < m; g0 = g1) {
        for (g1 = g0 + 1; g1 < m && o->q[g1].id == o->q[g0].id;)
            g1++;
        sort_times(o->q + g0, g1 - g0);
    }
    for (size_t a = 1; a < m && rc == GW_OK; a++)
        if (o->q[a].id == o->q[a - 1].id && o->q[a].t == o->q[a - 1].t) {
            char tt[32];
            gwi_fmt_shortest(o->q[a].t, tt, sizeof tt);
            rc = gwi_fail(GW_EINVAL,
                          "lags need one row per panel id and time: rows %zu and %zu have the "
                          "same '%.200s' and time %s",
                          o->q[a - 1].row + 1, o->q[a].row + 1, idname, tt);
        }
done:
    gw_free(start);
    gw_free(code);
    gw_free(rows);
    if (rc != GW_OK) {
        gwi_panel_order_free(o);
        return rc;
    }
    *out = o;
    return GW_OK;
}

void gwi_panel_order_free(gwi_panel_order *o)
{
    if (o == NULL)
        return;
    gw_free(o->q);
    gw_free(o);
}

void gwi_panel_lag(const gwi_panel_order *o, const double *x, size_t nrows, long k, int diff,
                   double *out)
{
    const id_time *q = o->q;
    const double dk = (double)k;
    for (size_t r = 0; r < nrows; r++)
        out[r] =
            (double)NAN; /* rows without an id or a time, and rows whose (id, t - k) is absent */
    /* Within one id the times increase, and so do the targets t - k: one pointer j walks
     * forward with i, O(n) per lag. */
    for (size_t g0 = 0, g1; g0 < o->n; g0 = g1) {
        for (g1 = g0 + 1; g1 < o->n && q[g1].id == q[g0].id;)
            g1++;
        size_t j = g0;
        for (size_t i = g0; i < g1; i++) {
            double target = q[i].t - dk;
            while (j < g1 && q[j].t < target)
                j++;
            if (j == g1)
                break;
            if (q[j].t == target) {
                double v = x[q[j].row];
                out[q[i].row] = diff ? x[q[i].row] - v : v;
            }
        }
    }
}

gw_status gwi_poly_ortho(const double *x, size_t n, unsigned d, double *dst, size_t ld,
                         double *alpha, double *norm2)
{
    double mean = 0.0, *xc = gw_alloc_array(n ? n : 1, sizeof *xc);
    if (xc == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate poly()'s scratch of %zu rows", n);
    for (size_t i = 0; i < n; i++)
        mean += x[i];
    mean /= (double)n;
    double corr = 0.0; /* a second pass, as R's mean(), so that xc has mean 0 to rounding */
    for (size_t i = 0; i < n; i++)
        corr += x[i] - mean;
    mean += corr / (double)n;
    for (size_t i = 0; i < n; i++)
        xc[i] = x[i] - mean;
    /* Stieltjes: Z_0 = 1, Z_{j+1} = (xc - a_j) Z_j - (nrm_j / nrm_{j-1}) Z_{j-1}, with
     * a_j = sum xc Z_j^2 / nrm_j and nrm_j = sum Z_j^2: the monic orthogonal polynomials that
     * R's poly() gets from the QR of [1, xc, ..., xc^d]; column j is Z_j / sqrt(nrm_j). The
     * unnormalised Z_j live in dst and are scaled at the end. */
    double nprev = 1.0, ncur = (double)n, a = 0.0;
    for (size_t i = 0; i < n; i++)
        a += xc[i];
    a /= (double)n;
    norm2[0] = 1.0;
    norm2[1] = ncur;
    for (unsigned j = 0; j < d; j++) {
        double *zn = dst + (size_t)j * ld, s = 0.0, s2 = 0.0;
        const double *zc = j > 0 ? dst + (size_t)(j - 1) * ld : NULL;
        const double *zp = j > 1 ? dst + (size_t)(j - 2) * ld : NULL;
        double beta = j > 0 ? ncur / nprev : 0.0; /* Z_{-1} = 0; Z_0 = 1 */
        for (size_t i = 0; i < n; i++) {
            double zi = zc != NULL ? zc[i] : 1.0, zpi = zp != NULL ? zp[i] : 1.0;
            double v = (xc[i] - a) * zi - beta * zpi;
            zn[i] = v;
            s += v * v;
            s2 += xc[i] * v * v;
        }
        alpha[j] = a + mean;
        if (!(s > 0.0) || !isfinite(s)) { /* the caller checked d < distinct values */
            gw_free(xc);
            return gwi_fail(GW_EFORMAT,
                            "poly() of degree %u: the polynomial of degree %u "
                            "vanishes or overflows on the rows used",
                            d, j + 1);
        }
        nprev = ncur;
        ncur = s;
        norm2[j + 2] = s;
        a = s2 / s;
    }
    for (unsigned j = 0; j < d; j++) {
        double *z = dst + (size_t)j * ld, sc = 1.0 / sqrt(norm2[j + 2]);
        for (size_t i = 0; i < n; i++)
            z[i] *= sc;
    }
    gw_free(xc);
    return GW_OK;
}
