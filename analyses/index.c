/* index.c -- the composite Good Work index (gw_index.h).
 *
 * The work happens in "used-row space": the rows with every indicator present, sorted by
 * (time, row) so that each time value is a contiguous run. Normalisation, aggregation and
 * ranking then work run by run, and the sensitivity draws reuse the normalised block. */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort_double.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_eig.h"
#include "gw_index.h"

/* Default Dirichlet concentration (gw_index.h, step 6). */
#define DEFAULT_CONCENTRATION 20.0

typedef struct {
    double v;
    size_t u;
} vkey;

/* Descending value, then ascending position: a total order fixed by the data. */
static int cmp_vkey_desc(const void *a, const void *b)
{
    const vkey *x = a, *y = b;
    if (x->v != y->v)
        return x->v > y->v ? -1 : 1;
    return (x->u > y->u) - (x->u < y->u);
}

static int cmp_vkey_asc(const void *a, const void *b)
{
    const vkey *x = a, *y = b;
    if (x->v != y->v)
        return x->v < y->v ? -1 : 1;
    return (x->u > y->u) - (x->u < y->u);
}

/* Ranks (1 = highest, competition ranking) of val[s..e) into rank[s..e); keys is scratch. */
static void rank_run(const double *val, size_t s, size_t e, vkey *keys, double *rank)
{
    size_t m = e - s;
    for (size_t i = 0; i < m; i++)
        keys[i] = (vkey){val[s + i], s + i};
    qsort(keys, m, sizeof *keys, cmp_vkey_desc);
    for (size_t i = 0; i < m; i++) {
        size_t first = i;
        while (first > 0 && keys[first - 1].v == keys[i].v)
            first--;
        rank[keys[i].u] = (double)(first + 1);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Normalises z[s..e) (one indicator) in place against the reference rows z[rs..re), which
 * either are [s, e) or hold z[s..e)'s reference (a base period inside it): minmax and z take
 * their parameters from the reference and return them in a, b (rank: NaN); rank places each
 * value among the reference's sorted values (ref: scratch of re - rs). The direction is not
 * turned here. GW_EILLCOND (no message) when the reference is constant. */
static gw_status normalise_ref(double *z, size_t s, size_t e, size_t rs, size_t re,
                               gw_index_norm norm, double *ref, double *a, double *b)
{
    size_t m = re - rs;
    *a = *b = NAN;
    if (norm == GW_NORM_RANK) {
        memcpy(ref, z + rs, m * sizeof *ref);
        qsort(ref, m, sizeof *ref, cmp_double);
        if (ref[0] == ref[m - 1])
            return GW_EILLCOND;
        for (size_t i = s; i < e; i++) {
            /* lo = #{ref < z}, hi = #{ref <= z}: the tie's 0-based ranks are lo..hi-1, their
             * average (lo + hi - 1) / 2, an exact integer or half in double. */
            size_t lo = 0, hi = m;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (ref[mid] < z[i])
                    lo = mid + 1;
                else
                    hi = mid;
            }
            size_t up = lo;
            hi = m;
            while (up < hi) {
                size_t mid = up + (hi - up) / 2;
                if (ref[mid] <= z[i])
                    up = mid + 1;
                else
                    hi = mid;
            }
            z[i] = 0.5 * ((double)(lo + up) - 1.0) / (double)(m - 1);
        }
        return GW_OK;
    }
    if (norm == GW_NORM_MINMAX) {
        double lo = z[rs], hi = z[rs];
        for (size_t i = rs; i < re; i++) {
            lo = z[i] < lo ? z[i] : lo;
            hi = z[i] > hi ? z[i] : hi;
        }
        if (!(hi > lo))
            return GW_EILLCOND;
        *a = lo;
        *b = hi;
    } else {
        double sum = 0.0, c = 0.0, q = 0.0;
        for (size_t i = rs; i < re; i++)
            sum += z[i];
        double mean = sum / (double)m;
        for (size_t i = rs; i < re; i++) {
            double d = z[i] - mean;
            c += d;
            q += d * d;
        }
        mean += c / (double)m;
        double var = (q - c * c / (double)m) / (double)(m - 1);
        if (!(var > 0.0))
            return GW_EILLCOND;
        *a = mean;
        *b = sqrt(var);
    }
    /* The parameters are final before any value is overwritten (the reference may lie in
     * [s, e)). */
    for (size_t i = s; i < e; i++)
        z[i] = norm == GW_NORM_MINMAX ? (z[i] - *a) / (*b - *a) : (z[i] - *a) / *b;
    return GW_OK;
}

/* Turns z[s..e) round for a "lower is better" indicator (step 1). */
static void turn(double *z, size_t s, size_t e, gw_index_norm norm)
{
    for (size_t i = s; i < e; i++)
        z[i] = norm == GW_NORM_Z ? -z[i] : 1.0 - z[i];
}

/* Index values of the nu used rows from the normalised block Z (nu x p) and weights w. For
 * the geometric mean Y holds the shifted values (1 + v - min v). */
static void aggregate(size_t nu, size_t p, const double *Z, const double *w, gw_index_agg agg,
                      double *val)
{
    for (size_t u = 0; u < nu; u++) {
        double s = 0.0;
        if (agg == GW_AGG_ARITHMETIC) {
            for (size_t j = 0; j < p; j++)
                s += w[j] * Z[u + j * nu];
            val[u] = s;
        } else {
            for (size_t j = 0; j < p; j++)
                if (w[j] != 0.0)
                    s += w[j] * log(Z[u + j * nu]);
            val[u] = exp(s);
        }
    }
}

/* First principal component weights of the correlation matrix of the m rows of Z (p columns,
 * leading dimension ld: all the rows used, or the base period's). */
static gw_status pca_weights(size_t m, size_t ld, size_t p, const double *Z, double *w,
                             double *share)
{
    gw_status rc = GW_OK;
    double *R = gw_alloc_array(p * p, sizeof *R), *ev = gw_alloc_array(p, sizeof *ev);
    double *V = gw_alloc_array(p * p, sizeof *V), *mean = gw_alloc_array(p, sizeof *mean);
    if (R == NULL || ev == NULL || V == NULL || mean == NULL) {
        rc = gwi_fail(GW_ENOMEM, "index: out of memory");
        goto done;
    }
    for (size_t j = 0; j < p; j++) {
        double s = 0.0;
        for (size_t u = 0; u < m; u++)
            s += Z[u + j * ld];
        mean[j] = s / (double)m;
    }
    for (size_t a = 0; a < p; a++)
        for (size_t b = 0; b <= a; b++) {
            double s = 0.0;
            for (size_t u = 0; u < m; u++)
                s += (Z[u + a * ld] - mean[a]) * (Z[u + b * ld] - mean[b]);
            R[a + b * p] = R[b + a * p] = s;
        }
    for (size_t a = 0; a < p; a++)
        for (size_t b = 0; b < p; b++)
            if (a != b)
                R[a + b * p] /= sqrt(R[a + a * p] * R[b + b * p]);
    for (size_t a = 0; a < p; a++)
        R[a + a * p] = 1.0;
    if ((rc = gw_eig_sym(p, R, ev, V)) != GW_OK)
        goto done;
    const double *v = V + (p - 1) * p; /* eigenvalues ascend: the last is the largest */
    double sum = 0.0, l1 = 0.0;
    for (size_t j = 0; j < p; j++) {
        sum += v[j];
        l1 += fabs(v[j]);
    }
    /* Weights are v / sum(v): sum(v) near zero (relative to ||v||_1) has no direction. */
    if (fabs(sum) <= 1e-8 * l1) {
        rc = gwi_fail(GW_EILLCOND, "pca weights: the first principal component's loadings sum "
                                   "to about zero, so it gives no weights (use equal weights)");
        goto done;
    }
    for (size_t j = 0; j < p; j++)
        w[j] = v[j] / sum;
    *share = ev[p - 1] / (double)p;
done:
    gw_free(R);
    gw_free(ev);
    gw_free(V);
    gw_free(mean);
    return rc;
}

void gw_index_free(gw_index *x)
{
    if (x == NULL)
        return;
    gw_free(x->weights);
    gw_free(x->value);
    gw_free(x->rank);
    gw_free(x->rank_change);
    gw_free(x->norm);
    gw_free(x->sens_median);
    gw_free(x->sens_q05);
    gw_free(x->sens_q95);
    gw_free(x->goal_a);
    gw_free(x->goal_b);
    gw_free(x);
}

typedef struct {
    double id, t;
    size_t row;
} idkey;

static int cmp_idkey(const void *a, const void *b)
{
    const idkey *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

/* Monte Carlo over Dirichlet weight perturbations (gw_index.h, step 6). */
static gw_status sensitivity(gw_index *x, size_t nu, const size_t *row, const size_t *gs, size_t ng,
                             const double *Z, const gw_index_opts *o)
{
    gw_status rc = GW_OK;
    size_t p = x->p, D = o->draws;
    double c = o->concentration > 0.0 ? o->concentration : DEFAULT_CONCENTRATION;
    int nth = omp_get_max_threads();
    double *W = gw_alloc_array(D * p, sizeof *W), *R = gw_alloc_array(D * nu, sizeof *R);
    double *val = gw_alloc_array((size_t)nth * nu, sizeof *val);
    vkey *keys = gw_alloc_array((size_t)nth * nu, sizeof *keys);
    double *col = gw_alloc_array(D, sizeof *col);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    x->sens_median = gw_alloc_array(x->n, sizeof(double));
    x->sens_q05 = gw_alloc_array(x->n, sizeof(double));
    x->sens_q95 = gw_alloc_array(x->n, sizeof(double));
    if (W == NULL || R == NULL || val == NULL || keys == NULL || col == NULL || rng == NULL ||
        x->sens_median == NULL || x->sens_q05 == NULL || x->sens_q95 == NULL) {
        rc = gwi_fail(GW_ENOMEM, "index sensitivity: out of memory (%zu draws)", D);
        goto done;
    }
    gsl_rng_set(rng, (unsigned long)o->seed);
    for (size_t d = 0; d < D; d++) {
        double *w = W + d * p, s = 0.0;
        for (size_t j = 0; j < p; j++) {
            w[j] = x->weights[j] > 0.0 ? gsl_ran_gamma(rng, c * x->weights[j], 1.0) : 0.0;
            s += w[j];
        }
        for (size_t j = 0; j < p; j++)
            w[j] = s > 0.0 ? w[j] / s : x->weights[j];
    }
    long Dl = (long)D;
#pragma omp parallel for schedule(static)
    for (long dl = 0; dl < Dl; dl++) {
        size_t d = (size_t)dl, t = (size_t)omp_get_thread_num();
        double *v = val + t * nu;
        aggregate(nu, p, Z, W + d * p, o->agg, v);
        for (size_t g = 0; g < ng; g++)
            rank_run(v, gs[g], gs[g + 1], keys + t * nu, R + d * nu);
    }
    for (size_t i = 0; i < x->n; i++)
        x->sens_median[i] = x->sens_q05[i] = x->sens_q95[i] = NAN;
    for (size_t u = 0; u < nu; u++) {
        for (size_t d = 0; d < D; d++)
            col[d] = R[d * nu + u];
        gsl_sort(col, 1, D);
        size_t i = row[u];
        x->sens_median[i] = gsl_stats_quantile_from_sorted_data(col, 1, D, 0.5);
        x->sens_q05[i] = gsl_stats_quantile_from_sorted_data(col, 1, D, 0.05);
        x->sens_q95[i] = gsl_stats_quantile_from_sorted_data(col, 1, D, 0.95);
    }
done:
    gsl_rng_free(rng);
    gw_free(W);
    gw_free(R);
    gw_free(val);
    gw_free(keys);
    gw_free(col);
    return rc;
}

/* The name of indicator j for messages: opts->names[j], else "indicator j" (in buf). */
static const char *ind_name(const gw_index_opts *o, size_t j, char *buf, size_t size)
{
    if (o->names != NULL && o->names[j] != NULL)
        snprintf(buf, size, "%s", o->names[j]);
    else
        snprintf(buf, size, "%zu", j + 1);
    return buf;
}

/* The base period as text: "2015" or "2010-2015" (in buf). */
static const char *base_text(const gw_index_opts *o, char *buf, size_t size)
{
    if (o->base_from == o->base_to)
        snprintf(buf, size, "%.10g", o->base_from);
    else
        snprintf(buf, size, "%.10g-%.10g", o->base_from, o->base_to);
    return buf;
}

/* The goalpost checks of gw_index_compute (step 7). */
static gw_status check_goalposts(size_t p, const gw_index_opts *o, const double *time)
{
    char nb[128];
    if (o->goal == GW_GOAL_NONE)
        return GW_OK;
    if ((unsigned)o->goal > GW_GOAL_FIXED)
        return gwi_fail(GW_EINVAL, "index: unknown kind of goalposts");
    if (o->within_time)
        return gwi_fail(GW_EINVAL, "goalposts and normalisation within time exclude each other "
                                   "(within time never looks at other years)");
    if (o->agg == GW_AGG_GEOMETRIC && o->norm == GW_NORM_Z)
        return gwi_fail(GW_EINVAL, "geometric aggregation with z goalposts has no fixed minimum "
                                   "to shift by: use minmax or rank with goalposts");
    if (o->goal == GW_GOAL_BASE) {
        if (time == NULL)
            return gwi_fail(GW_EINVAL, "goalposts from a base period need a time variable");
        if (!isfinite(o->base_from) || !isfinite(o->base_to) || o->base_from > o->base_to)
            return gwi_fail(GW_EINVAL, "bad base period %g-%g", o->base_from, o->base_to);
        return GW_OK;
    }
    if (o->norm == GW_NORM_RANK)
        return gwi_fail(GW_EINVAL, "rank normalisation has no fixed goalposts (its reference is "
                                   "a distribution): use a base period");
    if (o->weighting == GW_WEIGHTS_PCA)
        return gwi_fail(GW_EINVAL, "pca weights with fixed goalposts would move with every added "
                                   "year: give the weights, or use a base period");
    if (o->goal_a == NULL || o->goal_b == NULL)
        return gwi_fail(GW_EINVAL, "fixed goalposts requested but none given");
    for (size_t j = 0; j < p; j++) {
        double a = o->goal_a[j], b = o->goal_b[j];
        if (!isfinite(a) || !isfinite(b) || !(o->norm == GW_NORM_Z ? b > 0.0 : a < b))
            return gwi_fail(GW_EINVAL, "bad goalposts for indicator %s: %g:%g (%s)",
                            ind_name(o, j, nb, sizeof nb), a, b,
                            o->norm == GW_NORM_Z ? "mean:sd with sd > 0"
                                                 : "min:max with min < max");
    }
    return GW_OK;
}

/* The option checks of gw_index_compute, before anything is allocated. */
static gw_status check_opts(size_t n, size_t p, const gw_index_opts *o, const double *time)
{
    if (n == 0 || p == 0)
        return gwi_fail(GW_EDIM, "index: %zu rows and %zu indicators", n, p);
    if ((unsigned)o->norm > GW_NORM_RANK || (unsigned)o->weighting > GW_WEIGHTS_USER ||
        (unsigned)o->agg > GW_AGG_GEOMETRIC)
        return gwi_fail(GW_EINVAL, "index: unknown normalisation, weighting or aggregation");
    if (!(o->concentration >= 0.0) || !isfinite(o->concentration))
        return gwi_fail(GW_EINVAL, "index: Dirichlet concentration %g is not >= 0",
                        o->concentration);
    return check_goalposts(p, o, time);
}

/* A result for n rows and p indicators (arrays allocated, not filled) into *out. */
static gw_status index_new(size_t n, size_t p, int goal, gw_index **out)
{
    gw_index *x = gw_calloc(1, sizeof *x);
    if (x == NULL)
        return gwi_fail(GW_ENOMEM, "index: out of memory");
    x->n = n;
    x->p = p;
    x->pca_share = NAN;
    x->weights = gw_alloc_array(p, sizeof(double));
    x->value = gw_alloc_array(n, sizeof(double));
    x->rank = gw_alloc_array(n, sizeof(double));
    x->rank_change = gw_alloc_array(n, sizeof(double));
    x->norm = gw_alloc_array(n * p, sizeof(double));
    if (goal) {
        x->goal_a = gw_alloc_array(p, sizeof(double));
        x->goal_b = gw_alloc_array(p, sizeof(double));
    }
    if (x->weights == NULL || x->value == NULL || x->rank == NULL || x->rank_change == NULL ||
        x->norm == NULL || (goal && (x->goal_a == NULL || x->goal_b == NULL))) {
        gw_index_free(x);
        return gwi_fail(GW_ENOMEM, "index: out of memory (%zu rows)", n);
    }
    *out = x;
    return GW_OK;
}

/* Equal or user weights (normalised to sum 1) into w; pca weights come after normalisation. */
static gw_status initial_weights(size_t p, const gw_index_opts *o, double *w)
{
    if (o->weighting != GW_WEIGHTS_USER) {
        for (size_t j = 0; j < p; j++)
            w[j] = 1.0 / (double)p;
        return GW_OK;
    }
    double s = 0.0;
    if (o->user_weights == NULL)
        return gwi_fail(GW_EINVAL, "index: user weights requested but none given");
    for (size_t j = 0; j < p; j++)
        s += o->user_weights[j];
    if (!isfinite(s) || !(s > 0.0))
        return gwi_fail(GW_EINVAL, "index: user weights must be finite with a positive sum");
    for (size_t j = 0; j < p; j++)
        w[j] = o->user_weights[j] / s;
    return GW_OK;
}

/* The base period's used rows [*bs, *be): contiguous, as the used rows are sorted by time.
 * GW_ENODATA when fewer than 2. */
static gw_status base_rows(size_t nu, const size_t *row, const double *time, const gw_index_opts *o,
                           size_t *bs, size_t *be)
{
    size_t u = 0;
    while (u < nu && time[row[u]] < o->base_from)
        u++;
    *bs = u;
    while (u < nu && time[row[u]] <= o->base_to)
        u++;
    *be = u;
    if (*be - *bs >= 2)
        return GW_OK;
    char per[80];
    return gwi_fail(GW_ENODATA,
                    "the base period %s has %zu row%s with every indicator present: cannot set "
                    "goalposts (need 2)",
                    base_text(o, per, sizeof per), *be - *bs, *be - *bs == 1 ? "" : "s");
}

/* The used rows (every indicator present, and the time), sorted by (time, row) into row[0..nu)
 * with each time value a run [gs[g], gs[g+1]) of the ng runs; x's row arrays start as NaN.
 * keys is scratch of n. GW_ENODATA when fewer than 2 rows are used. */
static gw_status used_rows(gw_index *x, const double *X, const double *time, vkey *keys,
                           size_t *row, size_t *gs, size_t *ng)
{
    size_t n = x->n, p = x->p, nu = 0;
    for (size_t i = 0; i < n; i++) {
        x->value[i] = x->rank[i] = x->rank_change[i] = NAN;
        int ok = time == NULL || !isnan(time[i]);
        for (size_t j = 0; ok && j < p; j++)
            ok = !isnan(X[i + j * n]);
        for (size_t j = 0; j < p; j++)
            x->norm[i + j * n] = NAN;
        if (ok)
            keys[nu++] = (vkey){time ? time[i] : 0.0, i};
    }
    x->nused = nu;
    if (nu < 2)
        return gwi_fail(GW_ENODATA, "index: %zu rows with every indicator present (need 2)", nu);
    qsort(keys, nu, sizeof *keys, cmp_vkey_asc);
    *ng = 0;
    for (size_t u = 0; u < nu; u++) {
        row[u] = keys[u].u;
        if (u == 0 || keys[u].v != keys[u - 1].v)
            gs[(*ng)++] = u;
    }
    gs[*ng] = nu;
    return GW_OK;
}

/* The message of a time value with fewer than 2 complete rows (within time): the count, and
 * the indicator missing most often at that time, which is usually the reason. */
static gw_status few_rows_error(const gw_index *x, const double *X, const double *time, double t,
                                size_t have, const gw_index_opts *o)
{
    size_t worst = 0, most = 0, rows = 0;
    char nb[128];
    for (size_t j = 0; j < x->p; j++) {
        size_t miss = 0;
        rows = 0;
        for (size_t i = 0; i < x->n; i++)
            if (time[i] == t) {
                rows++;
                miss += isnan(X[i + j * x->n]) ? 1u : 0u;
            }
        if (miss > most) {
            most = miss;
            worst = j;
        }
    }
    if (most == 0)
        return gwi_fail(GW_ENODATA,
                        "%.10g has %zu row with every indicator present: cannot normalise "
                        "within time (need 2)",
                        t, have);
    return gwi_fail(GW_ENODATA,
                    "%.10g has %zu row%s with every indicator present (indicator %s is missing "
                    "in %zu of %zu): cannot normalise within time (need 2)",
                    t, have, have == 1 ? "" : "s", ind_name(o, worst, nb, sizeof nb), most, rows);
}

/* Normalises indicator j's column z (nu used rows) within each time value (step 2). */
static gw_status normalise_within(const gw_index *x, const double *X, const double *time,
                                  const size_t *row, const size_t *gs, size_t ng,
                                  const gw_index_opts *o, size_t j, double *ref, double *z)
{
    char nb[128];
    for (size_t g = 0; g < ng; g++) {
        double a, b, t = time[row[gs[g]]];
        if (gs[g + 1] - gs[g] < 2)
            return few_rows_error(x, X, time, t, gs[g + 1] - gs[g], o);
        if (normalise_ref(z, gs[g], gs[g + 1], gs[g], gs[g + 1], o->norm, ref, &a, &b) != GW_OK)
            return gwi_fail(GW_EILLCOND,
                            "indicator %s has no variation in %.10g (all %g): cannot normalise "
                            "within time",
                            ind_name(o, j, nb, sizeof nb), t, z[gs[g]]);
    }
    return GW_OK;
}

/* The normalised block Z (nu x p) of the used rows, turned so that higher is better (steps 2
 * and 7 of gw_index.h), copied into x->norm as well, with the goalposts used into x->goal_a and
 * x->goal_b. [bs, be) are the base period's used rows. ref is scratch of nu. */
static gw_status normalise_block(gw_index *x, const double *X, const double *time,
                                 const size_t *row, const size_t *gs, size_t ng, size_t bs,
                                 size_t be, const gw_index_opts *o, double *ref, double *Z)
{
    size_t n = x->n, p = x->p, nu = x->nused;
    char nb[128];
    for (size_t j = 0; j < p; j++) {
        double *z = Z + j * nu, a = NAN, b = NAN;
        for (size_t u = 0; u < nu; u++)
            z[u] = X[row[u] + j * n];
        if (o->within_time) {
            gw_status s = normalise_within(x, X, time, row, gs, ng, o, j, ref, z);
            if (s != GW_OK)
                return s;
        } else if (o->goal == GW_GOAL_FIXED) {
            a = o->goal_a[j];
            b = o->goal_b[j];
            for (size_t u = 0; u < nu; u++)
                z[u] = o->norm == GW_NORM_MINMAX ? (z[u] - a) / (b - a) : (z[u] - a) / b;
        } else if (o->goal == GW_GOAL_BASE) {
            double v0 = z[bs];
            char per[80];
            if (normalise_ref(z, 0, nu, bs, be, o->norm, ref, &a, &b) != GW_OK)
                return gwi_fail(GW_EILLCOND,
                                "indicator %s has no variation in the base period %s (all %g): "
                                "cannot set goalposts",
                                ind_name(o, j, nb, sizeof nb), base_text(o, per, sizeof per), v0);
        } else if (normalise_ref(z, 0, nu, 0, nu, o->norm, ref, &a, &b) != GW_OK) {
            return gwi_fail(GW_EILLCOND, "indicator %s has no variation (all %g): cannot normalise",
                            ind_name(o, j, nb, sizeof nb), z[0]);
        }
        if (o->invert != NULL && o->invert[j])
            turn(z, 0, nu, o->norm);
        if (x->goal_a != NULL) {
            x->goal_a[j] = a;
            x->goal_b[j] = b;
        }
        for (size_t u = 0; u < nu; u++)
            x->norm[row[u] + j * n] = z[u];
    }
    return GW_OK;
}

/* Geometric aggregation: each indicator shifted so that its smallest value is 1 (step 4); with
 * goalposts y = 1 + v (step 7), which must stay positive. */
static gw_status shift_geometric(size_t nu, size_t p, double *Z, const gw_index_opts *o,
                                 const size_t *row, const double *time)
{
    char nb[128];
    for (size_t j = 0; j < p; j++) {
        double lo = Z[j * nu];
        for (size_t u = 0; u < nu; u++)
            lo = Z[u + j * nu] < lo ? Z[u + j * nu] : lo;
        if (o->goal != GW_GOAL_NONE) {
            /* The shift is fixed by the goalposts, so that it cannot move with a new year. */
            if (!(1.0 + lo > 0.0)) {
                size_t u = 0;
                while (Z[u + j * nu] != lo)
                    u++;
                char tb[64] = "";
                if (time != NULL)
                    snprintf(tb, sizeof tb, " in %.10g", time[row[u]]);
                return gwi_fail(GW_EILLCOND,
                                "indicator %s%s lies so far beyond its goalposts (normalised "
                                "%g) that the geometric mean cannot take it (needs 1 + v > 0)",
                                ind_name(o, j, nb, sizeof nb), tb, lo);
            }
            lo = 0.0;
        }
        for (size_t u = 0; u < nu; u++)
            Z[u + j * nu] = 1.0 + (Z[u + j * nu] - lo);
    }
    return GW_OK;
}

/* Rank changes: the same id at exactly t - 1 (step 5). */
static gw_status rank_changes(gw_index *x, const size_t *row, const double *id, const double *time)
{
    size_t nu = x->nused, m = 0;
    idkey *ik = gw_alloc_array(nu, sizeof *ik);
    if (ik == NULL)
        return gwi_fail(GW_ENOMEM, "index: out of memory");
    for (size_t u = 0; u < nu; u++)
        if (!isnan(id[row[u]]))
            ik[m++] = (idkey){id[row[u]], time[row[u]], row[u]};
    qsort(ik, m, sizeof *ik, cmp_idkey);
    for (size_t a = 1; a < m; a++)
        if (ik[a].id == ik[a - 1].id && ik[a].t - ik[a - 1].t == 1.0)
            x->rank_change[ik[a].row] = x->rank[ik[a - 1].row] - x->rank[ik[a].row];
    gw_free(ik);
    return GW_OK;
}

gw_status gw_index_compute(size_t n, size_t p, const double *X, const double *id,
                           const double *time, const gw_index_opts *opts, gw_index **out)
{
    gw_status rc = GW_OK;
    gw_index *x = NULL;
    gw_index_opts o = {0};
    size_t *row = NULL, *gs = NULL, ng = 0, nu = 0, bs = 0, be = 0;
    double *Z = NULL, *val = NULL, *rk = NULL;
    vkey *keys = NULL;
    if (out != NULL)
        *out = NULL;
    if (opts != NULL)
        o = *opts;
    if (X == NULL || out == NULL)
        return gwi_fail(GW_EINVAL, "gw_index_compute: NULL argument");
    if ((rc = check_opts(n, p, &o, time)) != GW_OK ||
        (rc = index_new(n, p, o.goal != GW_GOAL_NONE, &x)) != GW_OK)
        return rc;
    x->goal = o.goal;
    x->base_from = o.goal == GW_GOAL_BASE ? o.base_from : (double)NAN;
    x->base_to = o.goal == GW_GOAL_BASE ? o.base_to : (double)NAN;
    row = gw_alloc_array(n, sizeof *row);
    gs = gw_alloc_array(n + 1, sizeof *gs);
    keys = gw_alloc_array(n, sizeof *keys);
    if (row == NULL || gs == NULL || keys == NULL) {
        rc = gwi_fail(GW_ENOMEM, "index: out of memory (%zu rows)", n);
        goto done;
    }
    if ((rc = initial_weights(p, &o, x->weights)) != GW_OK ||
        (rc = used_rows(x, X, time, keys, row, gs, &ng)) != GW_OK)
        goto done;
    nu = x->nused;
    be = nu; /* without a base period every used row is the reference */
    if (o.goal == GW_GOAL_BASE && (rc = base_rows(nu, row, time, &o, &bs, &be)) != GW_OK)
        goto done;
    if ((Z = gw_alloc_array(nu * p, sizeof *Z)) == NULL ||
        (val = gw_alloc_array(nu, sizeof *val)) == NULL ||
        (rk = gw_alloc_array(nu, sizeof *rk)) == NULL) {
        rc = gwi_fail(GW_ENOMEM, "index: out of memory (%zu rows)", nu);
        goto done;
    }
    /* val is free until aggregation: the normalisation's scratch */
    if ((rc = normalise_block(x, X, time, row, gs, ng, bs, be, &o, val, Z)) != GW_OK)
        goto done;
    if (o.weighting == GW_WEIGHTS_PCA &&
        (rc = pca_weights(be - bs, nu, p, Z + bs, x->weights, &x->pca_share)) != GW_OK)
        goto done;
    for (size_t j = 0; j < p; j++)
        if (x->weights[j] < 0.0 && (o.agg == GW_AGG_GEOMETRIC || o.draws > 0)) {
            rc = gwi_fail(GW_EINVAL,
                          "index: weight %zu is negative (%g); geometric aggregation "
                          "and the sensitivity analysis need weights >= 0",
                          j + 1, x->weights[j]);
            goto done;
        }
    if (o.agg == GW_AGG_GEOMETRIC && (rc = shift_geometric(nu, p, Z, &o, row, time)) != GW_OK)
        goto done;
    aggregate(nu, p, Z, x->weights, o.agg, val);
    for (size_t g = 0; g < ng; g++)
        rank_run(val, gs[g], gs[g + 1], keys, rk);
    for (size_t u = 0; u < nu; u++) {
        x->value[row[u]] = val[u];
        x->rank[row[u]] = rk[u];
    }
    if (id != NULL && time != NULL && (rc = rank_changes(x, row, id, time)) != GW_OK)
        goto done;
    if (o.draws > 0 && (rc = sensitivity(x, nu, row, gs, ng, Z, &o)) != GW_OK)
        goto done;
    *out = x;
    x = NULL;
done:
    gw_index_free(x);
    gw_free(row);
    gw_free(gs);
    gw_free(keys);
    gw_free(Z);
    gw_free(val);
    gw_free(rk);
    return rc;
}
