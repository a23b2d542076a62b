/* cluster.c -- k-means with k-means++ starts, silhouettes, ARI, profiles, bootstrap stability
 * (gw_cluster.h). Ward is in cluster_ward.c, the assignment problem in cluster_match.c. */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <omp.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_cluster.h"

#define DEFAULT_RESTARTS 50
#define DEFAULT_MAX_ITER 100

unsigned long gw_seed_stream(uint64_t seed, uint64_t index)
{
    uint64_t z = seed + 0x9E3779B97F4A7C15ull * (index + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    unsigned long s = (unsigned long)(z & 0xFFFFFFFFu);
    return s ? s : 1ul;
}

void gw_canonical_labels(size_t n, size_t k, int *assign)
{
    int map[1024];
    int *m = k <= 1024 ? map : NULL;
    if (m == NULL) /* k > 1024 labels: keep as is (never reached by the CLI, kmax <= 100) */
        return;
    for (size_t c = 0; c < k; c++)
        m[c] = -1;
    int next = 0;
    for (size_t i = 0; i < n; i++) {
        int a = assign[i];
        if (a < 0 || (size_t)a >= k)
            continue;
        if (m[a] < 0)
            m[a] = next++;
        assign[i] = m[a];
    }
}

static double sqdist_row_center(size_t n, size_t p, const double *X, size_t i, size_t k,
                                const double *C, size_t c)
{
    double s = 0.0;
    for (size_t j = 0; j < p; j++) {
        double d = X[i + j * n] - C[c + j * k];
        s += d * d;
    }
    return s;
}

/* One start: k-means++ then Lloyd. Writes assign (n), C (k x p), returns within-SS. */
typedef struct {
    double wss;
    size_t iter;
    int converged;
    gw_status st;
} start_result;

static start_result one_start(size_t n, size_t p, const double *X, size_t k, size_t max_iter,
                              unsigned long seed, int *assign, double *C)
{
    start_result res = {INFINITY, 0, 0, GW_OK};
    double *d2 = gw_alloc_array(n, sizeof *d2);
    size_t *cnt = gw_alloc_array(k, sizeof *cnt);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (d2 == NULL || cnt == NULL || rng == NULL) {
        res.st = GW_ENOMEM;
        goto done;
    }
    gsl_rng_set(rng, seed);
    /* k-means++ seeding. */
    size_t first = (size_t)gsl_rng_uniform_int(rng, (unsigned long)n);
    for (size_t j = 0; j < p; j++)
        C[0 + j * k] = X[first + j * n];
    for (size_t i = 0; i < n; i++)
        d2[i] = sqdist_row_center(n, p, X, i, k, C, 0);
    for (size_t c = 1; c < k; c++) {
        double sum = 0.0;
        for (size_t i = 0; i < n; i++)
            sum += d2[i];
        size_t pick = n - 1;
        if (sum > 0.0) {
            double u = gsl_rng_uniform(rng) * sum, acc = 0.0;
            for (size_t i = 0; i < n; i++) {
                acc += d2[i];
                if (u < acc && d2[i] > 0.0) {
                    pick = i;
                    break;
                }
            }
        } else {
            pick = (size_t)gsl_rng_uniform_int(rng, (unsigned long)n);
        }
        for (size_t j = 0; j < p; j++)
            C[c + j * k] = X[pick + j * n];
        for (size_t i = 0; i < n; i++) {
            double d = sqdist_row_center(n, p, X, i, k, C, c);
            d2[i] = d < d2[i] ? d : d2[i];
        }
    }
    for (size_t i = 0; i < n; i++)
        assign[i] = -1;
    /* Lloyd iterations. */
    for (size_t it = 0; it < max_iter; it++) {
        size_t changed = 0;
        for (size_t i = 0; i < n; i++) {
            size_t best = 0;
            double bd = sqdist_row_center(n, p, X, i, k, C, 0);
            for (size_t c = 1; c < k; c++) {
                double d = sqdist_row_center(n, p, X, i, k, C, c);
                if (d < bd) {
                    bd = d;
                    best = c;
                }
            }
            d2[i] = bd;
            if (assign[i] != (int)best) {
                assign[i] = (int)best;
                changed++;
            }
        }
        res.iter = it + 1;
        if (changed == 0) {
            res.converged = 1;
            break;
        }
        /* Empty clusters take the row farthest from its centre (one row each). */
        memset(cnt, 0, k * sizeof *cnt);
        for (size_t i = 0; i < n; i++)
            cnt[assign[i]]++;
        for (size_t c = 0; c < k; c++) {
            if (cnt[c] > 0)
                continue;
            size_t far = 0;
            double fd = -1.0;
            for (size_t i = 0; i < n; i++)
                if (cnt[assign[i]] > 1 && d2[i] > fd) {
                    fd = d2[i];
                    far = i;
                }
            cnt[assign[far]]--;
            assign[far] = (int)c;
            cnt[c] = 1;
            d2[far] = 0.0;
        }
        for (size_t j = 0; j < p; j++) {
            for (size_t c = 0; c < k; c++)
                C[c + j * k] = 0.0;
            for (size_t i = 0; i < n; i++)
                C[(size_t)assign[i] + j * k] += X[i + j * n];
            for (size_t c = 0; c < k; c++)
                C[c + j * k] /= (double)cnt[c];
        }
    }
    double w = 0.0;
    for (size_t i = 0; i < n; i++)
        w += sqdist_row_center(n, p, X, i, k, C, (size_t)assign[i]);
    res.wss = w;
done:
    gsl_rng_free(rng);
    gw_free(d2);
    gw_free(cnt);
    return res;
}

void gw_kmeans_free(gw_kmeans *km)
{
    if (km == NULL)
        return;
    gw_free(km->assign);
    gw_free(km->centers);
    gw_free(km->sizes);
    gw_free(km);
}

static gw_status check_data(size_t n, size_t p, const double *X)
{
    if (n == 0 || p == 0)
        return gwi_fail(GW_EDIM, "clustering: %zu rows and %zu variables", n, p);
    for (size_t i = 0; i < n * p; i++)
        if (!isfinite(X[i]))
            return gwi_fail(GW_ENONFINITE, "clustering: row %zu, variable %zu is not finite",
                            i % n + 1, i / n + 1);
    return GW_OK;
}

gw_status gw_kmeans_fit(size_t n, size_t p, const double *X, size_t k, const gw_kmeans_opts *opts,
                        gw_kmeans **out)
{
    gw_status rc = GW_OK;
    gw_kmeans *km = NULL;
    int *A = NULL;
    double *CC = NULL;
    start_result *res = NULL;
    if (out != NULL)
        *out = NULL;
    if (X == NULL || out == NULL)
        return gwi_fail(GW_EINVAL, "gw_kmeans_fit: NULL argument");
    if ((rc = check_data(n, p, X)) != GW_OK)
        return rc;
    if (k == 0 || k > n)
        return gwi_fail(GW_EINVAL, "k-means: k = %zu with %zu rows", k, n);
    gw_kmeans_opts o = {0};
    if (opts != NULL)
        o = *opts;
    size_t R = o.restarts ? o.restarts : DEFAULT_RESTARTS;
    size_t maxit = o.max_iter ? o.max_iter : DEFAULT_MAX_ITER;
    A = gw_alloc_array(R * n, sizeof *A);
    CC = gw_alloc_array(R * k * p, sizeof *CC);
    res = gw_alloc_array(R, sizeof *res);
    km = gw_calloc(1, sizeof *km);
    if (A == NULL || CC == NULL || res == NULL || km == NULL) {
        rc = gwi_fail(GW_ENOMEM, "k-means: out of memory (%zu starts)", R);
        goto done;
    }
    long Rl = (long)R;
#pragma omp parallel for schedule(dynamic, 1)
    for (long rl = 0; rl < Rl; rl++) {
        size_t r = (size_t)rl;
        res[r] = one_start(n, p, X, k, maxit, gw_seed_stream(o.seed, r), A + r * n, CC + r * k * p);
    }
    size_t best = 0;
    for (size_t r = 0; r < R; r++) {
        if (res[r].st != GW_OK) {
            rc = gwi_fail(res[r].st, "k-means: out of memory in start %zu", r + 1);
            goto done;
        }
        if (res[r].wss < res[best].wss)
            best = r;
        km->n_converged += (size_t)res[r].converged;
    }
    km->n = n;
    km->p = p;
    km->k = k;
    km->assign = gw_alloc_array(n, sizeof *km->assign);
    km->centers = gw_alloc_array(k * p, sizeof *km->centers);
    km->sizes = gw_calloc(k, sizeof *km->sizes);
    if (km->assign == NULL || km->centers == NULL || km->sizes == NULL) {
        rc = gwi_fail(GW_ENOMEM, "k-means: out of memory");
        goto done;
    }
    /* Canonical labels: perm[old] = new, centres moved along. */
    int perm[1024];
    if (k > 1024) {
        rc = gwi_fail(GW_EINVAL, "k-means: k = %zu (at most 1024)", k);
        goto done;
    }
    for (size_t c = 0; c < k; c++)
        perm[c] = -1;
    int next = 0;
    const int *ab = A + best * n;
    for (size_t i = 0; i < n; i++)
        if (perm[ab[i]] < 0)
            perm[ab[i]] = next++;
    for (size_t c = 0; c < k; c++)
        if (perm[c] < 0)
            perm[c] = next++; /* cannot happen: no cluster is left empty */
    for (size_t i = 0; i < n; i++) {
        km->assign[i] = perm[ab[i]];
        km->sizes[km->assign[i]]++;
    }
    const double *cb = CC + best * k * p;
    for (size_t c = 0; c < k; c++)
        for (size_t j = 0; j < p; j++)
            km->centers[(size_t)perm[c] + j * k] = cb[c + j * k];
    km->within_ss = res[best].wss;
    km->iterations = res[best].iter;
    km->converged = res[best].converged;
    km->best_restart = best;
    double tss = 0.0;
    for (size_t j = 0; j < p; j++) {
        double m = 0.0;
        for (size_t i = 0; i < n; i++)
            m += X[i + j * n];
        m /= (double)n;
        for (size_t i = 0; i < n; i++)
            tss += (X[i + j * n] - m) * (X[i + j * n] - m);
    }
    km->total_ss = tss;
    *out = km;
    km = NULL;
done:
    gw_kmeans_free(km);
    gw_free(A);
    gw_free(CC);
    gw_free(res);
    return rc;
}

gw_status gw_silhouette(size_t n, size_t p, const double *X, const int *assign, size_t k,
                        double *mean, double *s)
{
    if (X == NULL || assign == NULL || mean == NULL)
        return gwi_fail(GW_EINVAL, "gw_silhouette: NULL argument");
    if (n == 0 || p == 0)
        return gwi_fail(GW_EDIM, "silhouette: %zu rows and %zu variables", n, p);
    if (k < 2)
        return gwi_fail(GW_EINVAL, "silhouette: needs k >= 2 (k = %zu)", k);
    for (size_t i = 0; i < n; i++)
        if (assign[i] < 0 || (size_t)assign[i] >= k)
            return gwi_fail(GW_EINVAL, "silhouette: label %d of row %zu outside 0..%zu", assign[i],
                            i + 1, k - 1);
    int nth = omp_get_max_threads();
    double *sum = gw_alloc_array((size_t)nth * k, sizeof *sum);
    double *w = gw_alloc_array(n, sizeof *w);
    size_t *cnt = gw_calloc(k, sizeof *cnt);
    if (sum == NULL || w == NULL || cnt == NULL) {
        gw_free(sum);
        gw_free(w);
        gw_free(cnt);
        return gwi_fail(GW_ENOMEM, "silhouette: out of memory");
    }
    for (size_t i = 0; i < n; i++)
        cnt[assign[i]]++;
    long nl = (long)n;
#pragma omp parallel for schedule(static)
    for (long il = 0; il < nl; il++) {
        size_t i = (size_t)il;
        double *sm = sum + (size_t)omp_get_thread_num() * k;
        for (size_t c = 0; c < k; c++)
            sm[c] = 0.0;
        for (size_t h = 0; h < n; h++) {
            double d = 0.0;
            for (size_t j = 0; j < p; j++) {
                double e = X[i + j * n] - X[h + j * n];
                d += e * e;
            }
            sm[assign[h]] += sqrt(d);
        }
        size_t own = (size_t)assign[i];
        if (cnt[own] < 2) {
            w[i] = 0.0;
            continue;
        }
        double a = sm[own] / (double)(cnt[own] - 1), b = INFINITY;
        for (size_t c = 0; c < k; c++)
            if (c != own && cnt[c] > 0 && sm[c] / (double)cnt[c] < b)
                b = sm[c] / (double)cnt[c];
        double mx = a > b ? a : b;
        w[i] = (isfinite(b) && mx > 0.0) ? (b - a) / mx : 0.0;
    }
    double tot = 0.0;
    for (size_t i = 0; i < n; i++)
        tot += w[i];
    *mean = tot / (double)n;
    if (s != NULL)
        memcpy(s, w, n * sizeof *w);
    gw_free(sum);
    gw_free(w);
    gw_free(cnt);
    return GW_OK;
}

gw_status gw_ari(size_t n, const int *a, const int *b, double *ari)
{
    if (a == NULL || b == NULL || ari == NULL)
        return gwi_fail(GW_EINVAL, "gw_ari: NULL argument");
    *ari = NAN;
    int ka = 0, kb = 0;
    for (size_t i = 0; i < n; i++)
        if (a[i] >= 0 && b[i] >= 0) {
            ka = a[i] + 1 > ka ? a[i] + 1 : ka;
            kb = b[i] + 1 > kb ? b[i] + 1 : kb;
        }
    double *T = gw_calloc((size_t)ka * (size_t)kb + 1, sizeof *T);
    double *ra = gw_calloc((size_t)ka + 1, sizeof *ra), *rb = gw_calloc((size_t)kb + 1, sizeof *rb);
    if (T == NULL || ra == NULL || rb == NULL) {
        gw_free(T);
        gw_free(ra);
        gw_free(rb);
        return gwi_fail(GW_ENOMEM, "ARI: out of memory (%d x %d table)", ka, kb);
    }
    double m = 0.0;
    for (size_t i = 0; i < n; i++)
        if (a[i] >= 0 && b[i] >= 0) {
            T[(size_t)a[i] * (size_t)kb + (size_t)b[i]] += 1.0;
            ra[a[i]] += 1.0;
            rb[b[i]] += 1.0;
            m += 1.0;
        }
    /* Pair counts: sum over cells of C(n_ij, 2), and of the margins. */
    double sij = 0.0, sa = 0.0, sb = 0.0;
    for (size_t c = 0; c < (size_t)ka * (size_t)kb; c++)
        sij += T[c] * (T[c] - 1.0) / 2.0;
    for (int c = 0; c < ka; c++)
        sa += ra[c] * (ra[c] - 1.0) / 2.0;
    for (int c = 0; c < kb; c++)
        sb += rb[c] * (rb[c] - 1.0) / 2.0;
    double pairs = m * (m - 1.0) / 2.0;
    if (pairs > 0.0) {
        double expct = sa * sb / pairs, mx = 0.5 * (sa + sb);
        if (mx != expct)
            *ari = (sij - expct) / (mx - expct);
    }
    gw_free(T);
    gw_free(ra);
    gw_free(rb);
    return GW_OK;
}

gw_status gw_standardise(size_t n, size_t p, const double *X, double *Z, double *mean, double *sd)
{
    if (X == NULL || Z == NULL)
        return gwi_fail(GW_EINVAL, "gw_standardise: NULL argument");
    for (size_t j = 0; j < p; j++) {
        const double *x = X + j * n;
        double s = 0.0, m = 0.0;
        size_t cnt = 0;
        for (size_t i = 0; i < n; i++)
            if (!isnan(x[i])) {
                s += x[i];
                cnt++;
            }
        if (cnt < 2)
            return gwi_fail(GW_ENODATA, "standardise: variable %zu has %zu values", j + 1, cnt);
        m = s / (double)cnt;
        double c = 0.0, q = 0.0;
        for (size_t i = 0; i < n; i++)
            if (!isnan(x[i])) {
                c += x[i] - m;
                q += (x[i] - m) * (x[i] - m);
            }
        m += c / (double)cnt;
        double v = (q - c * c / (double)cnt) / (double)(cnt - 1);
        if (!(v > 0.0))
            return gwi_fail(GW_EILLCOND, "standardise: variable %zu is constant", j + 1);
        double sdj = sqrt(v);
        for (size_t i = 0; i < n; i++)
            Z[i + j * n] = (x[i] - m) / sdj;
        if (mean != NULL)
            mean[j] = m;
        if (sd != NULL)
            sd[j] = sdj;
    }
    return GW_OK;
}

gw_status gw_cluster_profiles(size_t n, size_t p, const double *X, const int *assign, size_t k,
                              size_t *sizes, double *means)
{
    if (X == NULL || assign == NULL || sizes == NULL || means == NULL)
        return gwi_fail(GW_EINVAL, "gw_cluster_profiles: NULL argument");
    for (size_t c = 0; c < k; c++)
        sizes[c] = 0;
    for (size_t i = 0; i < n; i++)
        if (assign[i] >= 0 && (size_t)assign[i] < k)
            sizes[assign[i]]++;
    for (size_t j = 0; j < p; j++)
        for (size_t c = 0; c < k; c++) {
            double s = 0.0;
            size_t m = 0;
            for (size_t i = 0; i < n; i++)
                if ((size_t)assign[i] == c && !isnan(X[i + j * n])) {
                    s += X[i + j * n];
                    m++;
                }
            means[c + j * k] = m ? s / (double)m : (double)NAN;
        }
    return GW_OK;
}

/* One bootstrap replicate: ARI and per-cluster best Jaccard (jac, k entries). */
static gw_status boot_one(size_t n, size_t p, const double *X, size_t k, const int *ref,
                          const gw_kmeans_opts *o, size_t b, double *ari, double *jac)
{
    gw_status rc = GW_OK;
    double *Xb = gw_alloc_array(n * p, sizeof *Xb);
    int *lab = gw_alloc_array(n, sizeof *lab);
    size_t *inter = gw_calloc(k * k, sizeof *inter), *ca = gw_calloc(k, sizeof *ca);
    size_t *cb = gw_calloc(k, sizeof *cb);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gw_kmeans *km = NULL;
    if (Xb == NULL || lab == NULL || inter == NULL || ca == NULL || cb == NULL || rng == NULL) {
        rc = GW_ENOMEM;
        goto done;
    }
    gsl_rng_set(rng, gw_seed_stream(o->seed ^ 0xB0075742A9ull, 2 * b));
    for (size_t i = 0; i < n; i++) {
        size_t h = (size_t)gsl_rng_uniform_int(rng, (unsigned long)n);
        for (size_t j = 0; j < p; j++)
            Xb[i + j * n] = X[h + j * n];
    }
    gw_kmeans_opts ob = *o;
    ob.seed = gw_seed_stream(o->seed ^ 0xB0075742A9ull, 2 * b + 1);
    /* k distinct rows are needed; a resample with fewer than k distinct rows is a degenerate
     * replicate, scored by k-means' empty-cluster rule like any other. */
    if ((rc = gw_kmeans_fit(n, p, Xb, k, &ob, &km)) != GW_OK)
        goto done;
    for (size_t i = 0; i < n; i++) {
        size_t best = 0;
        double bd = sqdist_row_center(n, p, X, i, k, km->centers, 0);
        for (size_t c = 1; c < k; c++) {
            double d = sqdist_row_center(n, p, X, i, k, km->centers, c);
            if (d < bd) {
                bd = d;
                best = c;
            }
        }
        lab[i] = (int)best;
        inter[(size_t)ref[i] * k + best]++;
        ca[ref[i]]++;
        cb[best]++;
    }
    if ((rc = gw_ari(n, ref, lab, ari)) != GW_OK)
        goto done;
    for (size_t c = 0; c < k; c++) {
        double bestj = 0.0;
        for (size_t d = 0; d < k; d++) {
            size_t un = ca[c] + cb[d] - inter[c * k + d];
            double jj = un ? (double)inter[c * k + d] / (double)un : 0.0;
            bestj = jj > bestj ? jj : bestj;
        }
        jac[c] = bestj;
    }
done:
    gw_kmeans_free(km);
    gsl_rng_free(rng);
    gw_free(Xb);
    gw_free(lab);
    gw_free(inter);
    gw_free(ca);
    gw_free(cb);
    return rc;
}

gw_status gw_cluster_bootstrap(size_t n, size_t p, const double *X, size_t k, const int *ref,
                               size_t B, const gw_kmeans_opts *opts, double *mean_ari,
                               double *jaccard)
{
    gw_status rc = GW_OK;
    if (X == NULL || ref == NULL || mean_ari == NULL)
        return gwi_fail(GW_EINVAL, "gw_cluster_bootstrap: NULL argument");
    if ((rc = check_data(n, p, X)) != GW_OK)
        return rc;
    if (B == 0 || k < 1 || k > n)
        return gwi_fail(GW_EINVAL, "bootstrap: B = %zu, k = %zu, n = %zu", B, k, n);
    for (size_t i = 0; i < n; i++)
        if (ref[i] < 0 || (size_t)ref[i] >= k)
            return gwi_fail(GW_EINVAL, "bootstrap: reference label of row %zu outside 0..%zu",
                            i + 1, k - 1);
    gw_kmeans_opts o = {0};
    if (opts != NULL)
        o = *opts;
    double *ar = gw_alloc_array(B, sizeof *ar), *jc = gw_alloc_array(B * k, sizeof *jc);
    gw_status *st = gw_alloc_array(B, sizeof *st);
    if (ar == NULL || jc == NULL || st == NULL) {
        rc = gwi_fail(GW_ENOMEM, "bootstrap: out of memory (%zu replicates)", B);
        goto done;
    }
    long Bl = (long)B;
#pragma omp parallel for schedule(dynamic, 1)
    for (long bl = 0; bl < Bl; bl++) {
        size_t b = (size_t)bl;
        st[b] = boot_one(n, p, X, k, ref, &o, b, &ar[b], jc + b * k);
    }
    double s = 0.0;
    for (size_t b = 0; b < B; b++) {
        if (st[b] != GW_OK) {
            rc = gwi_fail(st[b], "bootstrap: replicate %zu failed (%s)", b + 1,
                          gw_status_str(st[b]));
            goto done;
        }
        s += isnan(ar[b]) ? 0.0 : ar[b];
    }
    *mean_ari = s / (double)B;
    if (jaccard != NULL)
        for (size_t c = 0; c < k; c++) {
            double t = 0.0;
            for (size_t b = 0; b < B; b++)
                t += jc[b * k + c];
            jaccard[c] = t / (double)B;
        }
done:
    gw_free(ar);
    gw_free(jc);
    gw_free(st);
    return rc;
}
