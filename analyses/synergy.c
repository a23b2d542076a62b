/* synergy.c -- correlation matrices by year, by period, partial and of changes (gw_synergy.h).
 *
 * Every matrix is made by the same steps (make_set): select the rows of a time range that have
 * every variable, copy them into a dense block, optionally demean within time, optionally
 * residualise on the controls, then correlate. Keeping one path means the by-year, by-period,
 * partial and change matrices differ only in their inputs, which is what the tests check. */
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_linalg.h"
#include "gw_synergy.h"

/* The inputs shared by every matrix. */
typedef struct {
    size_t n, p, k;
    const double *X, *C, *time;
    double conf;
    const double *cl; /* cluster keys (NaN: the row is not used), or NULL: iid inference */
} syn_ctx;

void gw_cor_test(double r, size_t n, size_t k, double conf_level, double *p_value, double *ci_low,
                 double *ci_high)
{
    *p_value = *ci_low = *ci_high = NAN;
    if (isnan(r) || n < k + 4)
        return;
    double df = (double)(n - 2 - k);
    if (fabs(r) >= 1.0) {
        *p_value = 0.0;
        *ci_low = *ci_high = r;
        return;
    }
    double t = r * sqrt(df / (1.0 - r * r));
    *p_value = 2.0 * gsl_cdf_tdist_Q(fabs(t), df);
    double q = gsl_cdf_ugaussian_Pinv(0.5 + 0.5 * conf_level);
    double z = atanh(r), se = 1.0 / sqrt((double)(n - 3 - k));
    *ci_low = tanh(z - q * se);
    *ci_high = tanh(z + q * se);
}

static gw_status cormat_alloc(gw_cormat *cm, size_t p)
{
    memset(cm, 0, sizeof *cm);
    cm->r = gw_alloc_array(p * p, sizeof(double));
    cm->ci_low = gw_alloc_array(p * p, sizeof(double));
    cm->ci_high = gw_alloc_array(p * p, sizeof(double));
    cm->p_value = gw_alloc_array(p * p, sizeof(double));
    if (cm->r == NULL || cm->ci_low == NULL || cm->ci_high == NULL || cm->p_value == NULL)
        return gwi_fail(GW_ENOMEM, "correlations: out of memory (%zu variables)", p);
    for (size_t i = 0; i < p * p; i++)
        cm->r[i] = cm->ci_low[i] = cm->ci_high[i] = cm->p_value[i] = NAN;
    return GW_OK;
}

static void cormat_clear(gw_cormat *cm)
{
    if (cm == NULL)
        return;
    gw_free(cm->r);
    gw_free(cm->ci_low);
    gw_free(cm->ci_high);
    gw_free(cm->p_value);
    memset(cm, 0, sizeof *cm);
}

/* Row order by (id, time, row) for the first differences. */
typedef struct {
    double id, t;
    size_t row;
} key3;

static int cmp_key3(const void *a, const void *b)
{
    const key3 *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

/* Subtracts from each of the q columns of Z (m x q) its mean within each distinct value of
 * t[0..m). O(m log m + m q). */
static gw_status demean_within(size_t m, size_t q, double *Z, const double *t)
{
    size_t *ord = gw_alloc_array(m ? m : 1, sizeof *ord);
    key3 *ks = gw_alloc_array(m ? m : 1, sizeof *ks);
    if (ord == NULL || ks == NULL) {
        gw_free(ord);
        gw_free(ks);
        return gwi_fail(GW_ENOMEM, "correlations: out of memory");
    }
    /* Rows sorted by (time, row): the groups are runs, and the order (hence the sums) is
     * fixed by the data alone. */
    for (size_t i = 0; i < m; i++)
        ks[i] = (key3){t[i], 0.0, i};
    qsort(ks, m, sizeof *ks, cmp_key3);
    for (size_t i = 0; i < m; i++)
        ord[i] = ks[i].row;
    gw_free(ks);
    for (size_t s = 0; s < m;) {
        size_t e = s;
        while (e < m && t[ord[e]] == t[ord[s]])
            e++;
        for (size_t j = 0; j < q; j++) {
            double *z = Z + j * m, sum = 0.0;
            for (size_t i = s; i < e; i++)
                sum += z[ord[i]];
            double mean = sum / (double)(e - s), corr = 0.0;
            for (size_t i = s; i < e; i++)
                corr += z[ord[i]] - mean;
            mean += corr / (double)(e - s);
            for (size_t i = s; i < e; i++)
                z[ord[i]] -= mean;
        }
        s = e;
    }
    gw_free(ord);
    return GW_OK;
}

/* Replaces each of the p columns of Z (m x p) by its residual from an OLS fit on an intercept
 * and the k columns of W (m x k). */
static gw_status residualise(size_t m, size_t p, double *Z, size_t k, const double *W)
{
    gw_status rc = GW_OK;
    gw_design d;
    memset(&d, 0, sizeof d);
    d.n = m;
    d.p = k + 1;
    d.has_intercept = 1;
    d.X = gw_alloc_array(m * (k + 1), sizeof(double));
    if (d.X == NULL)
        return gwi_fail(GW_ENOMEM, "partial correlations: out of memory");
    for (size_t i = 0; i < m; i++)
        d.X[i] = 1.0;
    memcpy(d.X + m, W, m * k * sizeof(double));
    for (size_t j = 0; j < p && rc == GW_OK; j++) {
        gw_ls *ls = NULL;
        d.y = Z + j * m;
        gw_ls_opts o = {0};
        o.flags = GW_LS_NO_FITTED;
        if ((rc = gw_ls_fit(&d, o, &ls)) == GW_OK)
            memcpy(Z + j * m, gw_ls_resid(ls), m * sizeof(double));
        gw_ls_free(ls);
    }
    gw_free(d.X);
    return rc;
}

/* Fills cm from the m x p centred-or-not data Z (correlation is location-free: centred here). */
static void correlate(size_t m, size_t p, const double *Z, size_t k, double conf, gw_cormat *cm)
{
    cm->n = m;
    if (m < 2)
        return;
    double *mean = gw_alloc_array(p, sizeof *mean);
    double *ss = gw_alloc_array(p, sizeof *ss);
    if (mean == NULL || ss == NULL) { /* leave NaN: the caller's memory check failed first */
        gw_free(mean);
        gw_free(ss);
        return;
    }
    for (size_t j = 0; j < p; j++) {
        double s = 0.0;
        for (size_t i = 0; i < m; i++)
            s += Z[i + j * m];
        mean[j] = s / (double)m;
        double c = 0.0, q = 0.0;
        for (size_t i = 0; i < m; i++) {
            double d = Z[i + j * m] - mean[j];
            c += d;
            q += d * d;
        }
        mean[j] += c / (double)m;
        ss[j] = q - c * c / (double)m;
    }
    for (size_t a = 0; a < p; a++) {
        cm->r[a * p + a] = 1.0;
        for (size_t b = a + 1; b < p; b++) {
            double s = 0.0;
            for (size_t i = 0; i < m; i++)
                s += (Z[i + a * m] - mean[a]) * (Z[i + b * m] - mean[b]);
            double r = (ss[a] > 0.0 && ss[b] > 0.0) ? s / sqrt(ss[a] * ss[b]) : (double)NAN;
            if (r > 1.0)
                r = 1.0;
            if (r < -1.0)
                r = -1.0;
            double pv, lo, hi;
            gw_cor_test(r, m, k, conf, &pv, &lo, &hi);
            cm->r[a * p + b] = cm->r[b * p + a] = r;
            cm->p_value[a * p + b] = cm->p_value[b * p + a] = pv;
            cm->ci_low[a * p + b] = cm->ci_low[b * p + a] = lo;
            cm->ci_high[a * p + b] = cm->ci_high[b * p + a] = hi;
        }
    }
    gw_free(mean);
    gw_free(ss);
}

static int cmp_double(const void *a, const void *b);

/* The cluster-robust standard error of the slope r of y on x (with an intercept; x and y
 * standardised, so the slope is r and the intercept 0): CR1 as sandwich::vcovCL(type =
 * "HC1"), c (sum_g s_g^2) / (x'x)^2 with s_g = sum_{i in g} x_i (y_i - r x_i) (the bread is
 * diagonal: x is centred). S: G sums of scratch. */
static double cluster_se(size_t m, const double *x, const double *y, double r, const size_t *code,
                         size_t G, double c, double *S)
{
    double sxx = 0.0, M = 0.0;
    memset(S, 0, G * sizeof *S);
    for (size_t i = 0; i < m; i++) {
        S[code[i]] += x[i] * (y[i] - r * x[i]);
        sxx += x[i] * x[i];
    }
    for (size_t g = 0; g < G; g++)
        M += S[g] * S[g];
    return sqrt(c * M) / sxx;
}

/* Cluster-robust inference for every off-diagonal r of cm (gw_synergy.h, "Clustered"): the
 * t test of the slope in the regression of one standardised variable on the other with the CR1
 * variance, t(G - 1); of the two directions the larger standard error (a symmetric, order-free
 * and conservative choice); the interval r -+ t_{G-1} se, clipped to [-1, 1]. Z: the m x p
 * columns as correlated; g: the rows' cluster keys. */
static gw_status cluster_inference(size_t m, size_t p, const double *Z, const double *g,
                                   double conf, gw_cormat *cm)
{
    double *keys = gw_alloc_array(m + 1, sizeof *keys), *zs = gw_alloc_array(m * p + 1, sizeof *zs);
    size_t *code = gw_alloc_array(m + 1, sizeof *code);
    if (keys == NULL || zs == NULL || code == NULL) {
        gw_free(keys);
        gw_free(zs);
        gw_free(code);
        return gwi_fail(GW_ENOMEM, "correlations: out of memory (%zu rows)", m);
    }
    memcpy(keys, g, m * sizeof *keys);
    qsort(keys, m, sizeof *keys, cmp_double);
    size_t G = 0;
    for (size_t i = 0; i < m; i++)
        if (G == 0 || keys[i] != keys[G - 1])
            keys[G++] = keys[i];
    for (size_t i = 0; i < m; i++) {
        const double *hit = bsearch(&g[i], keys, G, sizeof *keys, cmp_double);
        code[i] = (size_t)(hit - keys);
    }
    cm->n_clusters = G;
    for (size_t j = 0; j < p; j++) { /* standardised columns, as R's scale() */
        double s = 0.0, q = 0.0;
        for (size_t i = 0; i < m; i++)
            s += Z[i + j * m];
        const double mu = s / (double)m;
        for (size_t i = 0; i < m; i++)
            q += (Z[i + j * m] - mu) * (Z[i + j * m] - mu);
        const double sd = sqrt(q / (double)(m - 1));
        for (size_t i = 0; i < m; i++)
            zs[i + j * m] = (Z[i + j * m] - mu) / sd;
    }
    const double df = (double)G - 1.0;
    const double c = (double)G / df * ((double)m - 1.0) / ((double)m - 2.0);
    const double tq = G >= 2 ? gsl_cdf_tdist_Pinv(0.5 + 0.5 * conf, df) : (double)NAN;
    for (size_t a = 0; a < p; a++)
        for (size_t b = a + 1; b < p; b++) {
            const double r = cm->r[a * p + b];
            double pv = NAN, lo = NAN, hi = NAN;
            if (!isnan(r) && G >= 2 && m >= 3) {
                /* keys is free now: the cluster sums' scratch */
                double se1 = cluster_se(m, zs + a * m, zs + b * m, r, code, G, c, keys);
                double se2 = cluster_se(m, zs + b * m, zs + a * m, r, code, G, c, keys);
                double se = se1 > se2 ? se1 : se2;
                pv = se > 0.0 ? 2.0 * gsl_cdf_tdist_Q(fabs(r / se), df) : 0.0;
                lo = r - tq * se < -1.0 ? -1.0 : r - tq * se;
                hi = r + tq * se > 1.0 ? 1.0 : r + tq * se;
            }
            cm->p_value[a * p + b] = cm->p_value[b * p + a] = pv;
            cm->ci_low[a * p + b] = cm->ci_low[b * p + a] = lo;
            cm->ci_high[a * p + b] = cm->ci_high[b * p + a] = hi;
        }
    gw_free(keys);
    gw_free(zs);
    gw_free(code);
    return GW_OK;
}

/* One matrix over the rows with lo <= time <= hi (NaN bounds: unbounded). */
static gw_status make_set(const syn_ctx *c, const double *X, double lo, double hi, int demean,
                          int controls, gw_cormat *cm)
{
    gw_status rc = GW_OK;
    size_t n = c->n, p = c->p, k = controls ? c->k : 0, m = 0;
    double *Z = NULL, *t = NULL;
    if ((rc = cormat_alloc(cm, p)) != GW_OK)
        return rc;
    cm->from = lo;
    cm->to = hi;
    for (size_t i = 0; i < n; i++) {
        double ti = c->time[i];
        int ok = !isnan(ti) && !(ti < lo) && !(ti > hi);
        for (size_t j = 0; ok && j < p; j++)
            ok = !isnan(X[i + j * n]);
        for (size_t j = 0; ok && j < k; j++)
            ok = !isnan(c->C[i + j * n]);
        ok = ok && (c->cl == NULL || !isnan(c->cl[i]));
        m += (size_t)ok;
    }
    if (m == 0)
        return GW_OK;
    Z = gw_alloc_array(m * (p + k), sizeof *Z);
    t = gw_alloc_array(2 * m, sizeof *t); /* time, then the cluster keys */
    if (Z == NULL || t == NULL) {
        rc = gwi_fail(GW_ENOMEM, "correlations: out of memory (%zu rows)", m);
        goto done;
    }
    size_t r = 0;
    for (size_t i = 0; i < n; i++) {
        double ti = c->time[i];
        int ok = !isnan(ti) && !(ti < lo) && !(ti > hi);
        for (size_t j = 0; ok && j < p; j++)
            ok = !isnan(X[i + j * n]);
        for (size_t j = 0; ok && j < k; j++)
            ok = !isnan(c->C[i + j * n]);
        ok = ok && (c->cl == NULL || !isnan(c->cl[i]));
        if (!ok)
            continue;
        for (size_t j = 0; j < p; j++)
            Z[r + j * m] = X[i + j * n];
        for (size_t j = 0; j < k; j++)
            Z[r + (p + j) * m] = c->C[i + j * n];
        t[m + r] = c->cl != NULL ? c->cl[i] : 0.0;
        t[r++] = ti;
    }
    if (demean && (rc = demean_within(m, p + k, Z, t)) != GW_OK)
        goto done;
    if (k > 0 && (rc = residualise(m, p, Z, k, Z + p * m)) != GW_OK)
        goto done;
    correlate(m, p, Z, k, c->conf, cm);
    if (c->cl != NULL)
        rc = cluster_inference(m, p, Z, t + m, c->conf, cm);
done:
    gw_free(Z);
    gw_free(t);
    return rc;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* dX (n x p): x_it - x_i,t-1 where the same id has time t - 1, else NaN. */
static gw_status differences(size_t n, size_t p, const double *X, const double *id,
                             const double *time, double *dX)
{
    key3 *ks = gw_alloc_array(n, sizeof *ks);
    if (ks == NULL)
        return gwi_fail(GW_ENOMEM, "changes: out of memory");
    size_t m = 0;
    for (size_t i = 0; i < n * p; i++)
        dX[i] = NAN;
    for (size_t i = 0; i < n; i++)
        if (!isnan(id[i]) && !isnan(time[i]))
            ks[m++] = (key3){id[i], time[i], i};
    qsort(ks, m, sizeof *ks, cmp_key3);
    for (size_t a = 1; a < m; a++) {
        if (ks[a].id != ks[a - 1].id || ks[a].t - ks[a - 1].t != 1.0)
            continue;
        size_t i = ks[a].row, h = ks[a - 1].row;
        for (size_t j = 0; j < p; j++)
            dX[i + j * n] = X[i + j * n] - X[h + j * n];
    }
    gw_free(ks);
    return GW_OK;
}

void gw_synergy_free(gw_synergy *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->ntime; i++)
        cormat_clear(&s->by_time[i]);
    for (size_t i = 0; i < s->nperiod; i++) {
        if (s->by_period)
            cormat_clear(&s->by_period[i]);
        if (s->partial)
            cormat_clear(&s->partial[i]);
        if (s->changes)
            cormat_clear(&s->changes[i]);
    }
    cormat_clear(&s->all);
    gw_free(s->by_time);
    gw_free(s->by_period);
    gw_free(s->partial);
    gw_free(s->changes);
    gw_free(s->switches);
    gw_free(s);
}

/* Period labels: "pre-2020", "2020-2021" (integer breaks; else "[a, b)"), "2022+". */
static void period_label(char *buf, size_t size, const double *br, size_t nb, size_t j)
{
    if (nb == 0)
        snprintf(buf, size, "all");
    else if (j == 0)
        snprintf(buf, size, "pre-%.10g", br[0]);
    else if (j == nb)
        snprintf(buf, size, "%.10g+", br[nb - 1]);
    else if (br[j - 1] == floor(br[j - 1]) && br[j] == floor(br[j]))
        snprintf(buf, size, "%.10g-%.10g", br[j - 1], br[j] - 1.0);
    else
        snprintf(buf, size, "[%.10g,%.10g)", br[j - 1], br[j]);
}

gw_status gw_synergy_compute(size_t n, size_t p, const double *X, size_t ncontrols, const double *C,
                             const double *id, const double *time, const gw_synergy_opts *opts,
                             gw_synergy **out)
{
    static const double default_breaks[2] = {2020.0, 2022.0};
    gw_status rc = GW_OK;
    gw_synergy *s = NULL;
    double *times = NULL, *dX = NULL;
    gw_synergy_opts o = {0};
    if (out != NULL)
        *out = NULL;
    if (opts != NULL)
        o = *opts;
    if (X == NULL || time == NULL || out == NULL || (ncontrols > 0 && C == NULL))
        return gwi_fail(GW_EINVAL, "gw_synergy_compute: NULL argument");
    if (p < 2 || n == 0)
        return gwi_fail(GW_EDIM, "correlations need at least 2 variables and 1 row (%zu, %zu)", p,
                        n);
    const double *br = o.breaks ? o.breaks : default_breaks;
    size_t nb = o.breaks ? o.nbreaks : 2;
    if (nb > GW_SYNERGY_MAX_BREAKS)
        return gwi_fail(GW_EINVAL, "%zu period breaks (at most %d)", nb, GW_SYNERGY_MAX_BREAKS);
    for (size_t j = 0; j < nb; j++)
        if (!isfinite(br[j]) || (j > 0 && !(br[j] > br[j - 1])))
            return gwi_fail(GW_EINVAL, "period breaks must be finite and increasing");
    double conf = o.conf_level == 0.0 ? 0.95 : o.conf_level;
    if (!(conf > 0.0 && conf < 1.0))
        return gwi_fail(GW_EINVAL, "confidence level %g outside (0, 1)", conf);
    int demean = o.demean_time >= 0;

    syn_ctx c = {n, p, ncontrols, X, C, time, conf, o.cluster};
    if ((s = gw_calloc(1, sizeof *s)) == NULL ||
        (times = gw_alloc_array(n, sizeof *times)) == NULL) {
        rc = gwi_fail(GW_ENOMEM, "correlations: out of memory");
        goto done;
    }
    s->p = p;
    s->ncontrols = ncontrols;
    s->conf_level = conf;
    if ((rc = make_set(&c, X, (double)NAN, (double)NAN, demean, 0, &s->all)) != GW_OK)
        goto done;
    if (s->all.n == 0) {
        rc = gwi_fail(GW_ENODATA, "no row has every variable present");
        goto done;
    }
    snprintf(s->all.label, sizeof s->all.label, "all");

    /* Distinct time values, ascending. */
    size_t nt = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(time[i]))
            times[nt++] = time[i];
    qsort(times, nt, sizeof *times, cmp_double);
    size_t u = 0;
    for (size_t i = 0; i < nt; i++)
        if (u == 0 || times[i] != times[u - 1])
            times[u++] = times[i];
    if ((s->by_time = gw_calloc(u ? u : 1, sizeof *s->by_time)) == NULL) {
        rc = gwi_fail(GW_ENOMEM, "correlations: out of memory");
        goto done;
    }
    for (size_t i = 0; i < u; i++) {
        s->ntime = i + 1;
        if ((rc = make_set(&c, X, times[i], times[i], 0, 0, &s->by_time[i])) != GW_OK)
            goto done;
        snprintf(s->by_time[i].label, sizeof s->by_time[i].label, "%.10g", times[i]);
    }

    size_t np = nb + 1;
    s->by_period = gw_calloc(np, sizeof *s->by_period);
    s->partial = ncontrols ? gw_calloc(np, sizeof *s->partial) : NULL;
    int do_changes = id != NULL && !o.no_changes;
    s->changes = do_changes ? gw_calloc(np, sizeof *s->changes) : NULL;
    dX = do_changes ? gw_alloc_array(n * p, sizeof *dX) : NULL;
    if (s->by_period == NULL || (ncontrols && s->partial == NULL) ||
        (do_changes && (s->changes == NULL || dX == NULL))) {
        rc = gwi_fail(GW_ENOMEM, "correlations: out of memory");
        goto done;
    }
    s->nperiod = np;
    if (do_changes && (rc = differences(n, p, X, id, time, dX)) != GW_OK)
        goto done;
    for (size_t j = 0; j < np; j++) {
        /* Period j covers [br[j-1], br[j]); as inclusive bounds on time values that are
         * compared with <, the upper bound is the largest value below br[j]. */
        double lo = j == 0 ? (double)NAN : br[j - 1];
        double hi = j == nb ? (double)NAN : nextafter(br[j], -INFINITY);
        char label[48];
        period_label(label, sizeof label, br, nb, j);
        if ((rc = make_set(&c, X, lo, hi, demean, 0, &s->by_period[j])) != GW_OK)
            goto done;
        snprintf(s->by_period[j].label, sizeof label, "%s", label);
        if (ncontrols) {
            if ((rc = make_set(&c, X, lo, hi, demean, 1, &s->partial[j])) != GW_OK)
                goto done;
            snprintf(s->partial[j].label, sizeof label, "%s", label);
        }
        if (do_changes) {
            if ((rc = make_set(&c, dX, lo, hi, demean, 0, &s->changes[j])) != GW_OK)
                goto done;
            snprintf(s->changes[j].label, sizeof label, "%s", label);
        }
    }
    /* Inclusive "to" of integer-valued periods reads better as the last year. */
    for (size_t j = 0; j < np; j++) {
        gw_cormat *cm = &s->by_period[j];
        if (!isnan(cm->to) && j < nb && br[j] == floor(br[j]))
            cm->to = br[j] - 1.0;
    }

    /* Sign switches between periods: significant at 1 - conf in both, opposite signs. */
    double alpha = 1.0 - conf;
    size_t cap = 0;
    for (size_t i = 0; i < p; i++)
        for (size_t k = i + 1; k < p; k++)
            for (size_t a = 0; a < np; a++)
                for (size_t b = a + 1; b < np; b++) {
                    const gw_cormat *A = &s->by_period[a], *B = &s->by_period[b];
                    double ra = A->r[i * p + k], rb = B->r[i * p + k];
                    double pa = A->p_value[i * p + k], pb = B->p_value[i * p + k];
                    if (!(pa < alpha && pb < alpha && ra * rb < 0.0))
                        continue;
                    if (s->nswitches == cap) {
                        cap = cap ? 2 * cap : 8;
                        gw_sign_switch *q = gw_realloc(s->switches, cap * sizeof *q);
                        if (q == NULL) {
                            rc = gwi_fail(GW_ENOMEM, "correlations: out of memory");
                            goto done;
                        }
                        s->switches = q;
                    }
                    s->switches[s->nswitches++] = (gw_sign_switch){i, k, a, b, ra, rb, pa, pb};
                }
    *out = s;
    s = NULL;
done:
    gw_free(times);
    gw_free(dX);
    gw_synergy_free(s);
    return rc;
}
