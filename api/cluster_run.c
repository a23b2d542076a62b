/* cluster_run.c -- gw_cluster_run_table, gw_cluster_run_file and gw_cluster_run_store
 * (gw_cluster_run.h).
 *
 * Order of work, as `goodwork cluster` has always reported failures: spec and options (before
 * touching a file), the data (unknown variables), the units (an id with several rows, too few
 * complete units, k more than the units), then the engines, whose messages carry the stage as
 * a prefix ("cluster: ", "cluster bootstrap: ", "cluster transitions: "). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_cluster_run.h"
#include "gw_load.h"

static const gw_cluster_run_opts no_opts;

/* The data read from the table: n rows of the p variables (column-major), id, time, truth. */
typedef struct {
    size_t n, p;
    double *X, *id, *time, *truth;
} cl_data;

/* The units: m rows of Xu (own units, ld m), their standardised values Z, the table row that
 * names each (unit_row), their truth labels, and the main centres (k x p, standardised). */
typedef struct {
    size_t *unit_row;
    double *Xu, *Z, *truth, *centers;
} cl_units;

typedef struct {
    double key;
    size_t row;
} keyrow;

static int cmp_keyrow(const void *a, const void *b)
{
    const keyrow *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Index of key in the sorted unique array u[0..m), or m. */
static size_t find_key(const double *u, size_t m, double key)
{
    size_t lo = 0, hi = m;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (u[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < m && u[lo] == key ? lo : m;
}

/* Records the engine's failure s with the stage's prefix ("cluster: detail"). */
static gw_status stage_fail(gw_status s, const char *stage)
{
    gwi_fail_keep(s);
    gwi_prefix_error("%s", stage);
    return s;
}

void gw_cluster_run_free(gw_cluster_run *r)
{
    if (r == NULL)
        return;
    gw_var_keys_clear(&r->id);
    gw_free(r->silhouette);
    gw_free(r->assign);
    gw_free(r->ward);
    gw_kmeans_free(r->kmeans);
    gw_free(r->sizes);
    gw_free(r->profiles);
    gw_free(r->jaccard);
    gw_free(r->ts);
    gw_free(r->transitions);
    gw_free(r);
}

gw_status gw_cluster_spec_check(const gw_cluster_spec *spec)
{
    if (spec == NULL || spec->vars == NULL || spec->p == 0 || spec->id == NULL)
        return gwi_fail(GW_EINVAL, "cluster: the variables and the id variable must be given");
    for (size_t j = 0; j < spec->p; j++)
        if (spec->vars[j] == NULL)
            return gwi_fail(GW_EINVAL, "cluster: variable %zu is NULL", j + 1);
    if (spec->has_at && spec->time == NULL)
        return gwi_fail(GW_EINVAL, "--at needs --time VAR");
    return GW_OK;
}

static gw_status check_opts(const gw_cluster_run_opts *o)
{
    if (o->k != 0 && (o->k < 2 || o->k > GW_CLUSTER_RUN_KMAX))
        return gwi_fail(GW_EINVAL, "bad --k '%zu' (expected 2..100)", o->k);
    if (o->kmax != 0 && (o->kmax < 2 || o->kmax > GW_CLUSTER_RUN_KMAX))
        return gwi_fail(GW_EINVAL, "bad --kmax '%zu' (expected 2..100)", o->kmax);
    if ((unsigned)o->method > (unsigned)GW_CLUSTER_WARD)
        return gwi_fail(GW_EINVAL, "cluster: unknown method %d", (int)o->method);
    return GW_OK;
}

/* Reads the variables, id, time and truth of t into d (in the order the command line always
 * has, so that the first unknown variable is the one reported). */
static gw_status read_data(const gw_table *t, const gw_cluster_spec *spec, cl_data *d)
{
    size_t n = gw_table_nrows(t), p = spec->p;
    gw_status s = GW_OK;
    d->n = n;
    d->p = p;
    d->X = gw_alloc_array(n * p + 1, sizeof *d->X);
    d->id = gw_alloc_array(n + 1, sizeof *d->id);
    d->time = gw_alloc_array(n + 1, sizeof *d->time);
    d->truth = gw_alloc_array(n + 1, sizeof *d->truth);
    if (d->X == NULL || d->id == NULL || d->time == NULL || d->truth == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t j = 0; j < p && s == GW_OK; j++) {
        char *base = NULL;
        int take_log = 0;
        if ((s = gw_var_parse(spec->vars[j], &base, &take_log)) == GW_OK)
            s = gw_var_column(t, base, take_log, d->X + j * n);
        gw_free(base);
    }
    if (s == GW_OK)
        s = gw_var_column(t, spec->id, 0, d->id);
    if (s == GW_OK && spec->time != NULL)
        s = gw_var_column(t, spec->time, 0, d->time);
    if (s == GW_OK && spec->truth != NULL)
        s = gw_var_column(t, spec->truth, 0, d->truth);
    return s;
}

/* The units: rows at `at`, area means over time, or rows as given (one per id). Fills u's
 * unit_row, Xu and truth, and r->m, r->n_dropped. */
static gw_status build_units(const gw_table *t, const gw_cluster_spec *spec, const cl_data *d,
                             cl_units *u, gw_cluster_run *r)
{
    size_t n = d->n, p = d->p, nk = 0, m = 0, dropped = 0;
    gw_status s = GW_OK;
    keyrow *kr = gw_alloc_array(n + 1, sizeof *kr);
    if (kr == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if (isnan(d->id[i]) || (spec->has_at && d->time[i] != spec->at))
            continue;
        kr[nk++] = (keyrow){d->id[i], i};
    }
    qsort(kr, nk, sizeof *kr, cmp_keyrow);
    u->unit_row = gw_alloc_array(nk + 1, sizeof *u->unit_row);
    u->Xu = gw_alloc_array(nk * p + 1, sizeof *u->Xu);
    u->truth = gw_alloc_array(nk + 1, sizeof *u->truth);
    if (u->unit_row == NULL || u->Xu == NULL || u->truth == NULL) {
        gw_free(kr);
        return gwi_fail(GW_ENOMEM, "out of memory");
    }
    for (size_t s0 = 0; s0 < nk;) {
        size_t e = s0;
        while (e < nk && kr[e].key == kr[s0].key)
            e++;
        if (!spec->has_at && spec->time == NULL && e - s0 > 1) {
            char key[GW_VAR_KEY_MAX];
            s = gwi_fail(
                GW_EINVAL, "%s '%s' has %zu rows: give --time VAR (and --at T) for panel data",
                spec->id, gw_var_key_text(t, spec->id, kr[s0].row, key, sizeof key), e - s0);
            break;
        }
        int ok = 1;
        double tr = NAN;
        for (size_t j = 0; j < p; j++) {
            double sum = 0.0;
            size_t c = 0;
            for (size_t q = s0; q < e; q++)
                if (!isnan(d->X[kr[q].row + j * n])) {
                    sum += d->X[kr[q].row + j * n];
                    c++;
                }
            ok = ok && c > 0;
            u->Xu[m + j * nk] = c ? sum / (double)c : (double)NAN;
        }
        for (size_t q = s0; spec->truth && q < e && isnan(tr); q++)
            tr = d->truth[kr[q].row];
        if (ok) {
            u->unit_row[m] = kr[s0].row;
            u->truth[m] = tr;
            m++;
        } else {
            dropped++;
        }
        s0 = e;
    }
    gw_free(kr);
    /* Compact the unit matrix from leading dimension nk to m. */
    for (size_t j = 1; s == GW_OK && j < p; j++)
        memmove(u->Xu + j * m, u->Xu + j * nk, m * sizeof *u->Xu);
    r->m = m;
    r->n_dropped = dropped;
    return s;
}

/* The silhouette curve over k = 2..kmax of the method's partitions; sets r->best_k. */
static gw_status silhouette_curve(gw_cluster_run *r, const double *Z, const gw_kmeans_opts *ko)
{
    size_t m = r->m, p = r->p;
    gw_status st = GW_OK;
    gw_kmeans *kk = NULL;
    int *tmp = gw_alloc_array(m, sizeof *tmp);
    if (tmp == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    r->best_k = 2;
    for (size_t k = 0; k <= r->kmax; k++)
        r->silhouette[k] = NAN;
    for (size_t k = 2; k <= r->kmax; k++) {
        if (r->method == GW_CLUSTER_WARD)
            st = gw_ward(m, p, Z, k, tmp, NULL);
        else if ((st = gw_kmeans_fit(m, p, Z, k, ko, &kk)) == GW_OK)
            memcpy(tmp, kk->assign, m * sizeof *tmp);
        gw_kmeans_free(kk);
        kk = NULL;
        if (st == GW_OK)
            st = gw_silhouette(m, p, Z, tmp, k, &r->silhouette[k], NULL);
        if (st != GW_OK)
            break;
        if (r->silhouette[k] > r->silhouette[r->best_k])
            r->best_k = k;
    }
    gw_free(tmp);
    return st != GW_OK ? stage_fail(st, "cluster") : GW_OK;
}

/* The adjusted Rand indices of the reported, k-means and Ward partitions against truth. */
static gw_status truth_ari(gw_cluster_run *r, const double *truth)
{
    size_t m = r->m;
    int *tl = gw_alloc_array(m, sizeof *tl);
    if (tl == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t i = 0; i < m; i++)
        tl[i] = isnan(truth[i]) || truth[i] < 0 || truth[i] > 1e6 ? -1 : (int)truth[i];
    gw_status st = gw_ari(m, tl, r->assign, &r->ari);
    if (st == GW_OK)
        st = gw_ari(m, tl, r->kmeans->assign, &r->ari_kmeans);
    if (st == GW_OK)
        st = gw_ari(m, tl, r->ward, &r->ari_ward);
    gw_free(tl);
    return st != GW_OK ? stage_fail(st, "cluster") : GW_OK;
}

/* The main partition at k (k-means and Ward), its centres and profiles, the ARIs, bootstrap. */
static gw_status main_partition(gw_cluster_run *r, cl_units *u, const gw_cluster_spec *spec,
                                const gw_cluster_run_opts *o)
{
    size_t m = r->m, p = r->p, k = r->k;
    gw_status st;
    if ((st = gw_kmeans_fit(m, p, u->Z, k, &o->kmeans, &r->kmeans)) != GW_OK ||
        (st = gw_ward(m, p, u->Z, k, r->ward, NULL)) != GW_OK ||
        (st = gw_ari(m, r->kmeans->assign, r->ward, &r->ari_kmeans_vs_ward)) != GW_OK)
        return stage_fail(st, "cluster");
    memcpy(r->assign, r->method == GW_CLUSTER_WARD ? r->ward : r->kmeans->assign,
           m * sizeof *r->assign);
    u->centers = gw_alloc_array(k * p, sizeof *u->centers);
    r->profiles = gw_alloc_array(k * p, sizeof *r->profiles);
    r->sizes = gw_alloc_array(k, sizeof *r->sizes);
    r->jaccard = o->boot ? gw_alloc_array(k, sizeof *r->jaccard) : NULL;
    if (u->centers == NULL || r->profiles == NULL || r->sizes == NULL ||
        (o->boot && r->jaccard == NULL))
        return gwi_fail(GW_ENOMEM, "out of memory");
    /* Centres of the reported partition (k-means centres, or Ward cluster means). */
    if ((st = gw_cluster_profiles(m, p, u->Z, r->assign, k, r->sizes, u->centers)) != GW_OK ||
        (st = gw_cluster_profiles(m, p, u->Xu, r->assign, k, r->sizes, r->profiles)) != GW_OK)
        return stage_fail(st, "cluster");
    if (spec->truth != NULL && (st = truth_ari(r, u->truth)) != GW_OK)
        return st;
    if (o->boot > 0) {
        gw_kmeans_opts bo = o->kmeans;
        if ((st = gw_cluster_bootstrap(m, p, u->Z, k, r->kmeans->assign, o->boot, &bo,
                                       &r->boot_mean_ari, r->jaccard)) != GW_OK)
            return stage_fail(st, "cluster bootstrap");
    }
    return GW_OK;
}

/* Sorted unique non-NaN values of v[0..n) into out (caller's n), their number in *nu. */
static void sorted_unique(const double *v, size_t n, double *out, size_t *nu)
{
    size_t c = 0, w = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i]))
            out[c++] = v[i];
    qsort(out, c, sizeof *out, cmp_dbl);
    for (size_t i = 0; i < c; i++)
        if (w == 0 || out[i] != out[w - 1])
            out[w++] = out[i];
    *nu = w;
}

/* Labels, matched to the main centres, of the areas of time value ts[q] (ylab row q); a year
 * with too few areas or a variable constant in it gets none. */
static gw_status label_year(const cl_data *d, const cl_units *u, const gw_kmeans_opts *ko, size_t k,
                            size_t q, double tq, const double *uid, size_t ni, size_t *rows,
                            double *Zt, int *ylab)
{
    size_t n = d->n, p = d->p, m = 0;
    gw_kmeans *km = NULL;
    for (size_t i = 0; i < n; i++) {
        int ok = d->time[i] == tq && !isnan(d->id[i]);
        for (size_t j = 0; ok && j < p; j++)
            ok = !isnan(d->X[i + j * n]);
        if (ok)
            rows[m++] = i;
    }
    if (m < k || m < 2)
        return GW_OK; /* too few areas this year: no labels (absent from transitions) */
    for (size_t j = 0; j < p; j++)
        for (size_t r = 0; r < m; r++)
            Zt[r + j * m] = d->X[rows[r] + j * n];
    /* A variable constant in one year (deroutinisation is 0 in the first year by definition)
     * cannot be standardised: that year gets no labels. */
    gw_status rc = gw_standardise(m, p, Zt, Zt, NULL, NULL);
    if (rc == GW_EILLCOND || rc == GW_ENODATA)
        return GW_OK;
    if (rc != GW_OK)
        return rc;
    gw_kmeans_opts o = *ko;
    o.seed = gw_seed_stream(ko->seed ^ 0x7EA5ull, q);
    if ((rc = gw_kmeans_fit(m, p, Zt, k, &o, &km)) != GW_OK)
        return rc;
    int perm[1024];
    if ((rc = gw_cluster_match(k, p, u->centers, km->centers, perm)) == GW_OK)
        for (size_t r = 0; r < m; r++)
            ylab[find_key(uid, ni, d->id[rows[r]])] = perm[km->assign[r]];
    gw_kmeans_free(km);
    return rc;
}

/* Clusters every time value and counts transitions (see the top of gw_cluster_run.h). */
static gw_status transitions(const cl_data *d, const cl_units *u, const gw_kmeans_opts *ko,
                             gw_cluster_run *r)
{
    gw_status rc = GW_OK;
    size_t n = d->n, p = d->p, k = r->k, nt = 0, ni = 0;
    double *Zt = gw_alloc_array(n * p, sizeof *Zt), *uid = gw_alloc_array(n, sizeof *uid);
    size_t *rows = gw_alloc_array(n, sizeof *rows);
    int *ylab = NULL;
    r->ts = gw_alloc_array(n, sizeof *r->ts);
    if (r->ts == NULL || Zt == NULL || rows == NULL || uid == NULL)
        goto oom;
    sorted_unique(d->time, n, r->ts, &nt);
    sorted_unique(d->id, n, uid, &ni);
    r->nts = nt;
    ylab = gw_alloc_array(nt * ni + 1, sizeof *ylab);
    r->transitions = gw_calloc((nt ? nt - 1 : 0) * k * k + 1, sizeof *r->transitions);
    if (ylab == NULL || r->transitions == NULL)
        goto oom;
    for (size_t q = 0; q < nt * ni; q++)
        ylab[q] = -1;
    for (size_t q = 0; q < nt && rc == GW_OK; q++)
        rc = label_year(d, u, ko, k, q, r->ts[q], uid, ni, rows, Zt, ylab + q * ni);
    for (size_t q = 0; rc == GW_OK && q + 1 < nt; q++)
        for (size_t a = 0; a < ni; a++) {
            int f = ylab[q * ni + a], g = ylab[(q + 1) * ni + a];
            if (f >= 0 && g >= 0)
                r->transitions[(q * k + (size_t)f) * k + (size_t)g]++;
        }
    goto done;
oom:
    gw_clear_error();
    rc = GW_ENOMEM;
done:
    gw_free(ylab);
    gw_free(uid);
    gw_free(Zt);
    gw_free(rows);
    return rc != GW_OK ? stage_fail(rc, "cluster transitions") : GW_OK;
}

/* Everything after the data is read: units, checks, standardising, the silhouette curve, the
 * main partition and the transitions. */
static gw_status run_units(const gw_table *t, const gw_cluster_spec *spec,
                           const gw_cluster_run_opts *o, const cl_data *d, gw_cluster_run *r)
{
    cl_units u = {0};
    gw_status st = build_units(t, spec, d, &u, r);
    size_t m = r->m, p = r->p;
    if (st == GW_OK && m < 3)
        st =
            gwi_fail(GW_ENODATA, "only %zu areas with every variable present (need at least 3)", m);
    r->kmax = o->kmax ? o->kmax : GW_CLUSTER_RUN_KMAX_DEFAULT;
    if (st == GW_OK && r->kmax > m - 1)
        r->kmax = m - 1;
    if (st == GW_OK && o->k > m)
        st = gwi_fail(GW_EINVAL, "--k %zu is more than the %zu areas", o->k, m);
    if (st == GW_OK) {
        u.Z = gw_alloc_array(m * p, sizeof *u.Z);
        r->silhouette = gw_alloc_array(r->kmax + 1, sizeof *r->silhouette);
        r->assign = gw_alloc_array(m, sizeof *r->assign);
        r->ward = gw_alloc_array(m, sizeof *r->ward);
        if (u.Z == NULL || r->silhouette == NULL || r->assign == NULL || r->ward == NULL)
            st = gwi_fail(GW_ENOMEM, "out of memory");
    }
    if (st == GW_OK && (st = gw_standardise(m, p, u.Xu, u.Z, NULL, NULL)) != GW_OK)
        stage_fail(st, "cluster");
    if (st == GW_OK)
        st = silhouette_curve(r, u.Z, &o->kmeans);
    if (st == GW_OK) {
        r->k_given = o->k != 0;
        r->k = o->k ? o->k : r->best_k;
        st = main_partition(r, &u, spec, o);
    }
    if (st == GW_OK && spec->time != NULL && !spec->has_at)
        st = transitions(d, &u, &o->kmeans, r);
    if (st == GW_OK)
        st = gw_var_keys_take(t, spec->id, u.unit_row, m, &r->id);
    gw_free(u.unit_row);
    gw_free(u.Xu);
    gw_free(u.Z);
    gw_free(u.truth);
    gw_free(u.centers);
    return st;
}

static gw_status run_table(const gw_table *t, const gw_cluster_spec *spec,
                           const gw_cluster_run_opts *o, gw_cluster_run **out)
{
    cl_data d = {0};
    gw_cluster_run *r = gw_calloc(1, sizeof *r);
    gw_status st = r != NULL ? read_data(t, spec, &d) : gwi_fail(GW_ENOMEM, "out of memory");
    if (st == GW_OK) {
        r->p = spec->p;
        r->method = o->method;
        r->ari = r->ari_kmeans = r->ari_ward = r->ari_kmeans_vs_ward = NAN;
        r->boot_mean_ari = NAN;
        st = run_units(t, spec, o, &d, r);
    }
    if (st == GW_OK) {
        *out = r;
        r = NULL;
    }
    gw_cluster_run_free(r);
    gw_free(d.X);
    gw_free(d.id);
    gw_free(d.time);
    gw_free(d.truth);
    return st;
}

/* Both entry points: spec and options, then (path != NULL) the file, then the clustering. */
static gw_status run_common(const gw_table *t, const char *path, const gw_cluster_spec *spec,
                            const gw_cluster_run_opts *opts, gw_cluster_run **out)
{
    const gw_cluster_run_opts *o = opts != NULL ? opts : &no_opts;
    gw_table *own = NULL;
    gw_status s = gw_cluster_spec_check(spec);
    if (s == GW_OK)
        s = check_opts(o);
    if (s == GW_OK && path != NULL) {
        size_t p = spec->p, nc = 0;
        char **bases = gw_calloc(p + 1, sizeof *bases);
        const char **cols = gw_calloc(p + 3, sizeof *cols);
        if (bases == NULL || cols == NULL)
            s = gwi_fail(GW_ENOMEM, "out of memory");
        for (size_t j = 0; s == GW_OK && j < p; j++) {
            int take_log;
            if ((s = gw_var_parse(spec->vars[j], &bases[j], &take_log)) == GW_OK)
                cols[nc++] = bases[j];
        }
        if (s == GW_OK) {
            cols[nc++] = spec->id;
            if (spec->time)
                cols[nc++] = spec->time;
            if (spec->truth)
                cols[nc++] = spec->truth;
            gw_load_opts lo = {cols, nc, o->group, o->delim};
            s = gw_data_load(path, &lo, &own);
            t = own;
        }
        for (size_t j = 0; bases != NULL && j < p; j++)
            gw_free(bases[j]);
        gw_free(bases);
        gw_free(cols);
    }
    if (s == GW_OK)
        s = run_table(t, spec, o, out);
    gw_table_free(own);
    return s;
}

gw_status gw_cluster_run_table(const gw_table *t, const gw_cluster_spec *spec,
                               const gw_cluster_run_opts *opts, gw_cluster_run **out)
{
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "gw_cluster_run_table: out is NULL");
    *out = NULL;
    if (t == NULL)
        return gwi_fail(GW_EINVAL, "gw_cluster_run_table: the table is NULL");
    return run_common(t, NULL, spec, opts, out);
}

gw_status gw_cluster_run_file(const char *path, const gw_cluster_spec *spec,
                              const gw_cluster_run_opts *opts, gw_cluster_run **out)
{
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "gw_cluster_run_file: out is NULL");
    *out = NULL;
    if (path == NULL)
        return gwi_fail(GW_EINVAL, "gw_cluster_run_file: the path is NULL");
    return run_common(NULL, path, spec, opts, out);
}

gw_status gw_cluster_run_store(const gw_cluster_run *r, const gw_cluster_spec *spec,
                               const char *path, const char *group, const gw_provenance *prov)
{
    if (r == NULL || spec == NULL)
        return gwi_fail(GW_EINVAL, "gw_cluster_run_store: NULL argument");
    size_t m = r->m, p = r->p, k = r->k, nts = r->nts;
    gw_status s = GW_OK;
    /* Identifiers as fixed-size texts: the results files have always cut them there. */
    const char **ids = gw_calloc(m + 1, sizeof *ids);
    char *idbuf = gw_malloc(m * GW_VAR_KEY_MAX + 1);
    int64_t *lab = gw_alloc_array(m + 1, sizeof *lab), *wl = gw_alloc_array(m + 1, sizeof *wl);
    double *sz = gw_alloc_array(k, sizeof *sz), *prt = gw_alloc_array(k * p, sizeof *prt);
    double *trd = nts > 1 ? gw_alloc_array((nts - 1) * k * k, sizeof *trd) : NULL;
    if (ids == NULL || idbuf == NULL || lab == NULL || wl == NULL || sz == NULL || prt == NULL ||
        (nts > 1 && trd == NULL)) {
        s = gwi_fail(GW_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < m; i++) {
        ids[i] = gw_var_keys_text(&r->id, i, idbuf + i * GW_VAR_KEY_MAX, GW_VAR_KEY_MAX);
        lab[i] = r->assign[i] + 1;
        wl[i] = r->ward[i] + 1;
    }
    for (size_t c = 0; c < k; c++) {
        sz[c] = (double)r->sizes[c];
        for (size_t j = 0; j < p; j++)
            prt[c * p + j] = r->profiles[c + j * k]; /* row-major k x p */
    }
    for (size_t q = 0; trd && q < (nts - 1) * k * k; q++)
        trd[q] = (double)r->transitions[q];
    gw_h5_item items[9] = {
        {"variables", GW_H5_STR, p, 0, NULL, NULL, spec->vars},
        {"id", GW_H5_STR, m, 0, NULL, NULL, ids},
        {"cluster", GW_H5_I64, m, 0, NULL, lab, NULL},
        {"cluster_ward", GW_H5_I64, m, 0, NULL, wl, NULL},
        {"silhouette", GW_H5_F64, r->kmax + 1, 0, r->silhouette, NULL, NULL},
        {"sizes", GW_H5_F64, k, 0, sz, NULL, NULL},
        {"profiles", GW_H5_F64, k, p, prt, NULL, NULL},
        {"transition_times", GW_H5_F64, nts, 0, r->ts, NULL, NULL},
        {"transitions", GW_H5_F64, nts > 1 ? (nts - 1) * k : 0, k, trd, NULL, NULL},
    };
    gw_h5_attr at[7] = {
        {"analysis", GW_H5_STR, 0, 0, "cluster"},
        {"method", GW_H5_STR, 0, 0, r->method == GW_CLUSTER_WARD ? "ward" : "kmeans"},
        {"k", GW_H5_I64, 0, (int64_t)k, NULL},
        {"ari", GW_H5_F64, r->ari, 0, NULL},
        {"ari_kmeans_vs_ward", GW_H5_F64, r->ari_kmeans_vs_ward, 0, NULL},
        {"within_ss", GW_H5_F64, r->kmeans->within_ss, 0, NULL},
        {"bootstrap_mean_ari", GW_H5_F64, r->boot_mean_ari, 0, NULL},
    };
    s = gw_results_append_group(path, group, items, nts > 1 ? 9 : 7, at, 7, prov,
                                GW_RESULTS_REPLACE);
done:
    gw_free(ids);
    gw_free(idbuf);
    gw_free(lab);
    gw_free(wl);
    gw_free(sz);
    gw_free(prt);
    gw_free(trd);
    return s;
}
