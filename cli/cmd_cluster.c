/* cmd_cluster.c -- goodwork cluster: "good work communities".
 *
 * The units clustered are areas: the rows of one time value (--at T), or each area's mean
 * over time (--time without --at), or the rows as given (no --time). Variables are
 * standardised (z-scores over the units) before clustering; profiles are reported in the
 * variables' own units. k-means (k-means++ starts, --restarts, --seed) is the main method;
 * Ward is always computed as a check (its ARI against k-means is reported). k is chosen by the
 * largest mean silhouette over k = 2..kmax unless --k is given. With --time, every time value
 * is also clustered on its own (standardised within that time), its clusters matched to the
 * main solution's centroids by the Hungarian algorithm (least total squared distance), and
 * the year-to-year transition matrices of membership counted. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_util.h"
#include "cli.h"
#include "gw_alloc.h"
#include "gw_cluster.h"
#include "gw_par.h"
#include "gw_strbuf.h"
#include "gw_version.h"

static const char cluster_usage[] =
    "usage: goodwork cluster --data FILE --vars a,b,c --id VAR [options]\n"
    "\n"
    "\"Good work communities\": k-means clustering of areas on standardised indicators, with\n"
    "k chosen by the silhouette, Ward's hierarchical clustering as a check, bootstrap\n"
    "stability, the adjusted Rand index against a known labelling, cluster profiles, and\n"
    "year-to-year transition matrices of membership.\n"
    "\n"
    "required:\n"
    "  --data FILE        .csv or .h5 data table (--table PATH picks the HDF5 group)\n"
    "  --vars LIST        comma-separated indicators; log(x) takes logs\n"
    "  --id VAR           area identifier\n"
    "\n"
    "options:\n"
    "  --time VAR         time variable: without --at, areas are clustered on their means\n"
    "                     over time, and every year is clustered for the transition matrices\n"
    "  --at T             cluster the areas' values at time T\n"
    "  --k K              number of clusters (default: the best silhouette for 2..kmax)\n"
    "  --kmax K           largest k of the silhouette curve (default 8)\n"
    "  --method M         kmeans (default) or ward: which partition is reported\n"
    "  --truth VAR        a known labelling: adjusted Rand index against it\n"
    "  --restarts R       k-means++ starts (default 50); the best within-SS wins\n"
    "  --max-iter N       Lloyd iterations per start (default 100)\n"
    "  --seed S           random seed (default 1); same seed -> same output\n"
    "  --boot B           bootstrap replicates for stability (mean ARI, Jaccard per cluster)\n"
    "  --format F         text (default) or json\n"
    "  --out RESULTS.h5   also store the clustering as /analyses/NAME (with provenance)\n"
    "  --name NAME        the group's name (default cluster)\n"
    "  --threads N        worker threads; results do not depend on N\n"
    "  --quiet            print nothing on success\n"
    "  --help             show this help\n"
    "\n"
    "Areas with a variable missing (or, for means, with no value) are left out and counted.\n"
    "Exit codes: 0 success, 2 usage, 3 data, 4 numerical, 1 anything else.\n";

typedef struct {
    const char *data, *vars, *id, *time, *at, *k, *kmax, *method, *truth, *restarts, *max_iter,
        *seed, *boot, *format, *out, *name, *threads, *table;
    int quiet, help;
} cl_args;

/* Text output is built in a core/gw_strbuf.h buffer. */
typedef gw_strbuf sbuf;
#define sb_put gw_strbuf_printf

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

/* Everything the command computes, released by cl_free. */
typedef struct {
    size_t m, p, k, kmax, nts;
    size_t *unit_row;   /* m: representative table row of each unit (for its id)          */
    double *Xu, *Z;     /* m x p unit values (own units) and standardised                 */
    double *truth;      /* m or NULL                                                      */
    int *assign, *ward; /* m each                                                         */
    double *sil;        /* kmax + 1 (index k)                                             */
    double *centers;    /* k x p standardised (main k-means)                               */
    double *prof;       /* k x p                                                          */
    size_t *sizes;      /* k                                                              */
    double *jac;        /* k or NULL                                                      */
    double *ts;         /* nts time values                                                */
    size_t *trans;      /* (nts - 1) x k x k                                              */
    int *ylab;          /* nts x nid labels by time (-1 = absent)                          */
    double *uid;        /* nid sorted unique ids                                           */
    size_t nid;
} cl_work;

static void cl_free(cl_work *w)
{
    gw_free(w->unit_row);
    gw_free(w->Xu);
    gw_free(w->Z);
    gw_free(w->truth);
    gw_free(w->assign);
    gw_free(w->ward);
    gw_free(w->sil);
    gw_free(w->centers);
    gw_free(w->prof);
    gw_free(w->sizes);
    gw_free(w->jac);
    gw_free(w->ts);
    gw_free(w->trans);
    gw_free(w->ylab);
    gw_free(w->uid);
}

/* Clusters every time value and counts transitions (see the top of this file). */
static gw_status transitions(size_t n, size_t p, const double *X, const double *id,
                             const double *time, const gw_kmeans_opts *ko, cl_work *w)
{
    gw_status rc = GW_OK;
    size_t k = w->k;
    double *tv = gw_alloc_array(n, sizeof *tv), *Zt = gw_alloc_array(n * p, sizeof *Zt);
    size_t *rows = gw_alloc_array(n, sizeof *rows);
    double *ids = gw_alloc_array(n, sizeof *ids);
    gw_kmeans *km = NULL;
    if (tv == NULL || Zt == NULL || rows == NULL || ids == NULL)
        goto oom;
    size_t nt = 0, ni = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isnan(time[i]))
            tv[nt++] = time[i];
        if (!isnan(id[i]))
            ids[ni++] = id[i];
    }
    qsort(tv, nt, sizeof *tv, cmp_dbl);
    qsort(ids, ni, sizeof *ids, cmp_dbl);
    size_t u = 0;
    for (size_t i = 0; i < nt; i++)
        if (u == 0 || tv[i] != tv[u - 1])
            tv[u++] = tv[i];
    nt = u;
    u = 0;
    for (size_t i = 0; i < ni; i++)
        if (u == 0 || ids[i] != ids[u - 1])
            ids[u++] = ids[i];
    ni = u;
    w->nts = nt;
    w->nid = ni;
    w->ts = tv;
    w->uid = ids;
    tv = NULL;
    ids = NULL;
    w->ylab = gw_alloc_array(nt * ni + 1, sizeof *w->ylab);
    w->trans = gw_calloc((nt ? nt - 1 : 0) * k * k + 1, sizeof *w->trans);
    if (w->ylab == NULL || w->trans == NULL)
        goto oom;
    for (size_t q = 0; q < nt * ni; q++)
        w->ylab[q] = -1;
    for (size_t q = 0; q < nt; q++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            int ok = time[i] == w->ts[q] && !isnan(id[i]);
            for (size_t j = 0; ok && j < p; j++)
                ok = !isnan(X[i + j * n]);
            if (ok)
                rows[m++] = i;
        }
        if (m < k || m < 2)
            continue; /* too few areas this year: no labels (absent from transitions) */
        for (size_t j = 0; j < p; j++)
            for (size_t r = 0; r < m; r++)
                Zt[r + j * m] = X[rows[r] + j * n];
        /* A variable constant in one year (deroutinisation is 0 in the first year by
         * definition) cannot be standardised: that year gets no labels. */
        rc = gw_standardise(m, p, Zt, Zt, NULL, NULL);
        if (rc == GW_EILLCOND || rc == GW_ENODATA) {
            rc = GW_OK;
            continue;
        }
        if (rc != GW_OK)
            goto done;
        gw_kmeans_opts o = *ko;
        o.seed = gw_seed_stream(ko->seed ^ 0x7EA5ull, q);
        if ((rc = gw_kmeans_fit(m, p, Zt, k, &o, &km)) != GW_OK)
            goto done;
        int perm[1024];
        if ((rc = gw_cluster_match(k, p, w->centers, km->centers, perm)) != GW_OK)
            goto done;
        for (size_t r = 0; r < m; r++) {
            size_t at = find_key(w->uid, ni, id[rows[r]]);
            w->ylab[q * ni + at] = perm[km->assign[r]];
        }
        gw_kmeans_free(km);
        km = NULL;
    }
    for (size_t q = 0; q + 1 < nt; q++)
        for (size_t a = 0; a < ni; a++) {
            int f = w->ylab[q * ni + a], g = w->ylab[(q + 1) * ni + a];
            if (f >= 0 && g >= 0)
                w->trans[(q * k + (size_t)f) * k + (size_t)g]++;
        }
    goto done;
oom:
    gw_clear_error();
    rc = GW_ENOMEM;
done:
    gw_kmeans_free(km);
    gw_free(tv);
    gw_free(ids);
    gw_free(Zt);
    gw_free(rows);
    return rc;
}

static cJSON *matrix_json(const size_t *m, size_t k)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < k; i++) {
        cJSON *row = cJSON_CreateArray();
        for (size_t j = 0; row && j < k; j++)
            cJSON_AddItemToArray(row, cJSON_CreateNumber((double)m[i * k + j]));
        cJSON_AddItemToArray(a, row);
    }
    return a;
}

int cmd_cluster(int argc, char **argv)
{
    cl_args a;
    memset(&a, 0, sizeof a);
    const an_option opts[] = {
        {"--data", &a.data, NULL},
        {"--vars", &a.vars, NULL},
        {"--id", &a.id, NULL},
        {"--time", &a.time, NULL},
        {"--at", &a.at, NULL},
        {"--k", &a.k, NULL},
        {"--kmax", &a.kmax, NULL},
        {"--method", &a.method, NULL},
        {"--truth", &a.truth, NULL},
        {"--restarts", &a.restarts, NULL},
        {"--max-iter", &a.max_iter, NULL},
        {"--seed", &a.seed, NULL},
        {"--boot", &a.boot, NULL},
        {"--format", &a.format, NULL},
        {"--out", &a.out, NULL},
        {"--name", &a.name, NULL},
        {"--threads", &a.threads, NULL},
        {"--table", &a.table, NULL},
        {"--quiet", NULL, &a.quiet},
        {"--help", NULL, &a.help},
        {"-h", NULL, &a.help},
    };
    an_list vl = {0};
    an_var *v = NULL;
    gw_table *t = NULL;
    gw_kmeans *km = NULL, *kk = NULL;
    cl_work w;
    memset(&w, 0, sizeof w);
    double *X = NULL, *id = NULL, *time = NULL, *truth = NULL, at = NAN;
    const char **cols = NULL;
    keyrow *kr = NULL;
    sbuf sb = {0};
    size_t threads = 0, n = 0, p = 0, kfix = 0, kmax = 8, boot = 0;
    gw_kmeans_opts ko = {0};
    int json = 0, ward_main = 0;
    double ari = NAN, ari_km = NAN, ari_ward = NAN, ari_kw = NAN, boot_ari = NAN;
    gw_status st;
    int rc = an_parse(argc, argv, opts, sizeof opts / sizeof opts[0], "cluster");
    if (rc != GW_EXIT_OK)
        goto done;
    if (a.help) {
        rc = an_write_stdout(cluster_usage);
        goto done;
    }
    rc = GW_EXIT_USAGE;
    if (an_missing(a.data, 0, "--data FILE", "cluster"))
        goto done;
    if (an_missing(a.vars, 1, "--vars a,b,c", "cluster"))
        goto done;
    if (an_missing(a.id, 0, "--id VAR", "cluster"))
        goto done;
    if (an_check_output_opts(a.format, a.threads, a.name, a.out, &json, &threads) != GW_EXIT_OK)
        goto done;
    if (a.at != NULL && (a.time == NULL || !an_parse_double(a.at, &at))) {
        cli_error(a.time == NULL ? "--at needs --time VAR" : "bad --at '%s' (expected a number)",
                  a.at);
        goto done;
    }
    if (a.method != NULL && strcmp(a.method, "kmeans") != 0 && strcmp(a.method, "ward") != 0) {
        cli_error("bad --method '%s' (expected kmeans or ward)", a.method);
        goto done;
    }
    ward_main = a.method != NULL && strcmp(a.method, "ward") == 0;
    if (a.k != NULL && (!an_parse_size(a.k, 0, &kfix) || kfix < 2 || kfix > 100)) {
        cli_error("bad --k '%s' (expected 2..100)", a.k);
        goto done;
    }
    if (a.kmax != NULL && (!an_parse_size(a.kmax, 0, &kmax) || kmax < 2 || kmax > 100)) {
        cli_error("bad --kmax '%s' (expected 2..100)", a.kmax);
        goto done;
    }
    if (a.restarts != NULL && !an_parse_size(a.restarts, 0, &ko.restarts)) {
        cli_error("bad --restarts '%s' (expected a positive integer)", a.restarts);
        goto done;
    }
    if (a.max_iter != NULL && !an_parse_size(a.max_iter, 0, &ko.max_iter)) {
        cli_error("bad --max-iter '%s' (expected a positive integer)", a.max_iter);
        goto done;
    }
    ko.seed = 1;
    if (a.seed != NULL && !an_parse_u64(a.seed, &ko.seed)) {
        cli_error("bad --seed '%s' (expected a non-negative integer)", a.seed);
        goto done;
    }
    if (a.boot != NULL && !an_parse_size(a.boot, 1, &boot)) {
        cli_error("bad --boot '%s' (expected a number of replicates)", a.boot);
        goto done;
    }
    if ((rc = an_split(a.vars, "--vars", &vl)) != GW_EXIT_OK ||
        (rc = an_vars_parse(&vl, &v)) != GW_EXIT_OK)
        goto done;
    p = vl.n;
    gw_threads_set((int)threads);

    if ((cols = gw_calloc(p + 3, sizeof *cols)) == NULL)
        goto oom;
    size_t nc = 0;
    for (size_t j = 0; j < p; j++)
        cols[nc++] = v[j].base;
    cols[nc++] = a.id;
    if (a.time)
        cols[nc++] = a.time;
    if (a.truth)
        cols[nc++] = a.truth;
    if ((rc = cli_load_table(a.data, a.table, cols, nc, &t)) != GW_EXIT_OK)
        goto done;
    n = gw_table_nrows(t);
    X = gw_alloc_array(n * p + 1, sizeof *X);
    id = gw_alloc_array(n + 1, sizeof *id);
    time = gw_alloc_array(n + 1, sizeof *time);
    truth = gw_alloc_array(n + 1, sizeof *truth);
    kr = gw_alloc_array(n + 1, sizeof *kr);
    if (X == NULL || id == NULL || time == NULL || truth == NULL || kr == NULL)
        goto oom;
    for (size_t j = 0; j < p; j++)
        if ((rc = an_column(t, v[j].base, v[j].log, X + j * n)) != GW_EXIT_OK)
            goto done;
    if ((rc = an_column(t, a.id, 0, id)) != GW_EXIT_OK ||
        (a.time && (rc = an_column(t, a.time, 0, time)) != GW_EXIT_OK) ||
        (a.truth && (rc = an_column(t, a.truth, 0, truth)) != GW_EXIT_OK))
        goto done;

    /* The units: rows at --at, area means over time, or rows as given. */
    size_t nk = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(id[i]) || (a.at && time[i] != at))
            continue;
        kr[nk++] = (keyrow){id[i], i};
    }
    qsort(kr, nk, sizeof *kr, cmp_keyrow);
    w.p = p;
    w.unit_row = gw_alloc_array(nk + 1, sizeof *w.unit_row);
    w.Xu = gw_alloc_array(nk * p + 1, sizeof *w.Xu);
    w.truth = gw_alloc_array(nk + 1, sizeof *w.truth);
    if (w.unit_row == NULL || w.Xu == NULL || w.truth == NULL)
        goto oom;
    size_t m = 0, dropped = 0;
    for (size_t s0 = 0; s0 < nk;) {
        size_t e = s0;
        while (e < nk && kr[e].key == kr[s0].key)
            e++;
        if (a.at == NULL && a.time == NULL && e - s0 > 1) {
            cli_error("%s '%s' has %zu rows: give --time VAR (and --at T) for panel data", a.id,
                      an_key_text(t, a.id, kr[s0].row), e - s0);
            rc = GW_EXIT_USAGE;
            goto done;
        }
        int ok = 1;
        double tr = NAN;
        for (size_t j = 0; j < p; j++) {
            double sum = 0.0;
            size_t c = 0;
            for (size_t q = s0; q < e; q++)
                if (!isnan(X[kr[q].row + j * n])) {
                    sum += X[kr[q].row + j * n];
                    c++;
                }
            ok = ok && c > 0;
            w.Xu[m + j * nk] = c ? sum / (double)c : (double)NAN;
        }
        for (size_t q = s0; a.truth && q < e && isnan(tr); q++)
            tr = truth[kr[q].row];
        if (ok) {
            w.unit_row[m] = kr[s0].row;
            w.truth[m] = tr;
            m++;
        } else {
            dropped++;
        }
        s0 = e;
    }
    /* Compact the unit matrix from leading dimension nk to m. */
    for (size_t j = 1; j < p; j++)
        memmove(w.Xu + j * m, w.Xu + j * nk, m * sizeof *w.Xu);
    w.m = m;
    if (m < 3) {
        cli_error("only %zu areas with every variable present (need at least 3)", m);
        rc = GW_EXIT_NUMERIC;
        goto done;
    }
    if (kmax > m - 1)
        kmax = m - 1;
    if (kfix > m) {
        cli_error("--k %zu is more than the %zu areas", kfix, m);
        rc = GW_EXIT_USAGE;
        goto done;
    }
    w.kmax = kmax;
    w.Z = gw_alloc_array(m * p, sizeof *w.Z);
    w.sil = gw_alloc_array(kmax + 1, sizeof *w.sil);
    w.assign = gw_alloc_array(m, sizeof *w.assign);
    w.ward = gw_alloc_array(m, sizeof *w.ward);
    int *tmp = gw_alloc_array(m, sizeof *tmp);
    if (w.Z == NULL || w.sil == NULL || w.assign == NULL || w.ward == NULL || tmp == NULL) {
        gw_free(tmp);
        goto oom;
    }
    if ((st = gw_standardise(m, p, w.Xu, w.Z, NULL, NULL)) != GW_OK) {
        gw_free(tmp);
        rc = an_lib_error(st, "cluster");
        goto done;
    }
    /* Silhouette curve. */
    size_t best_k = 2;
    for (size_t k = 0; k <= kmax; k++)
        w.sil[k] = NAN;
    for (size_t k = 2; k <= kmax; k++) {
        if (ward_main)
            st = gw_ward(m, p, w.Z, k, tmp, NULL);
        else if ((st = gw_kmeans_fit(m, p, w.Z, k, &ko, &kk)) == GW_OK)
            memcpy(tmp, kk->assign, m * sizeof *tmp);
        gw_kmeans_free(kk);
        kk = NULL;
        if (st == GW_OK)
            st = gw_silhouette(m, p, w.Z, tmp, k, &w.sil[k], NULL);
        if (st != GW_OK) {
            gw_free(tmp);
            rc = an_lib_error(st, "cluster");
            goto done;
        }
        if (w.sil[k] > w.sil[best_k])
            best_k = k;
    }
    gw_free(tmp);
    size_t k = kfix ? kfix : best_k;
    w.k = k;
    if ((st = gw_kmeans_fit(m, p, w.Z, k, &ko, &km)) != GW_OK ||
        (st = gw_ward(m, p, w.Z, k, w.ward, NULL)) != GW_OK ||
        (st = gw_ari(m, km->assign, w.ward, &ari_kw)) != GW_OK) {
        rc = an_lib_error(st, "cluster");
        goto done;
    }
    memcpy(w.assign, ward_main ? w.ward : km->assign, m * sizeof *w.assign);
    w.centers = gw_alloc_array(k * p, sizeof *w.centers);
    w.prof = gw_alloc_array(k * p, sizeof *w.prof);
    w.sizes = gw_alloc_array(k, sizeof *w.sizes);
    w.jac = boot ? gw_alloc_array(k, sizeof *w.jac) : NULL;
    if (w.centers == NULL || w.prof == NULL || w.sizes == NULL || (boot && w.jac == NULL))
        goto oom;
    /* Centres of the reported partition (k-means centres, or Ward cluster means). */
    if ((st = gw_cluster_profiles(m, p, w.Z, w.assign, k, w.sizes, w.centers)) != GW_OK ||
        (st = gw_cluster_profiles(m, p, w.Xu, w.assign, k, w.sizes, w.prof)) != GW_OK) {
        rc = an_lib_error(st, "cluster");
        goto done;
    }
    if (a.truth) {
        int *tl = gw_alloc_array(m, sizeof *tl);
        if (tl == NULL)
            goto oom;
        for (size_t i = 0; i < m; i++)
            tl[i] = isnan(w.truth[i]) || w.truth[i] < 0 || w.truth[i] > 1e6 ? -1 : (int)w.truth[i];
        st = gw_ari(m, tl, w.assign, &ari);
        if (st == GW_OK)
            st = gw_ari(m, tl, km->assign, &ari_km);
        if (st == GW_OK)
            st = gw_ari(m, tl, w.ward, &ari_ward);
        gw_free(tl);
        if (st != GW_OK) {
            rc = an_lib_error(st, "cluster");
            goto done;
        }
    }
    if (boot > 0) {
        gw_kmeans_opts bo = ko;
        if ((st = gw_cluster_bootstrap(m, p, w.Z, k, km->assign, boot, &bo, &boot_ari, w.jac)) !=
            GW_OK) {
            rc = an_lib_error(st, "cluster bootstrap");
            goto done;
        }
    }
    if (a.time != NULL && a.at == NULL && (st = transitions(n, p, X, id, time, &ko, &w)) != GW_OK) {
        rc = an_lib_error(st, "cluster transitions");
        goto done;
    }

    /* Output. */
    if (json) {
        cJSON *root = cJSON_CreateObject();
        if (root == NULL)
            goto oom;
        cJSON_AddStringToObject(root, "goodwork_version", gw_version());
        cJSON_AddStringToObject(root, "method", ward_main ? "ward" : "kmeans");
        cJSON *vars = cJSON_AddArrayToObject(root, "variables");
        for (size_t j = 0; vars && j < p; j++)
            cJSON_AddItemToArray(vars, cJSON_CreateString(v[j].spec));
        cJSON_AddStringToObject(root, "units", a.at ? "time" : a.time ? "means" : "rows");
        if (a.at)
            cJSON_AddNumberToObject(root, "at", at);
        cJSON_AddNumberToObject(root, "n", (double)m);
        cJSON_AddNumberToObject(root, "n_dropped", (double)dropped);
        cJSON_AddNumberToObject(root, "k", (double)k);
        cJSON *sil = cJSON_AddObjectToObject(root, "silhouette");
        for (size_t q = 2; sil && q <= kmax; q++) {
            char key[32];
            snprintf(key, sizeof key, "%zu", q);
            cJSON_AddItemToObject(sil, key, an_num(w.sil[q]));
        }
        cJSON *as = cJSON_AddArrayToObject(root, "assignments");
        for (size_t i = 0; as && i < m; i++) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddItemToObject(o, "id", an_key_json(t, a.id, w.unit_row[i]));
            cJSON_AddNumberToObject(o, "cluster", (double)(w.assign[i] + 1));
            cJSON_AddItemToArray(as, o);
        }
        if (a.truth) {
            cJSON_AddItemToObject(root, "ari", an_num(ari));
            cJSON_AddItemToObject(root, "ari_kmeans", an_num(ari_km));
            cJSON_AddItemToObject(root, "ari_ward", an_num(ari_ward));
        }
        cJSON_AddItemToObject(root, "ari_kmeans_vs_ward", an_num(ari_kw));
        cJSON_AddNumberToObject(root, "within_ss", km->within_ss);
        cJSON_AddNumberToObject(root, "total_ss", km->total_ss);
        cJSON_AddNumberToObject(root, "iterations", (double)km->iterations);
        cJSON_AddBoolToObject(root, "converged", km->converged);
        cJSON_AddNumberToObject(root, "restarts", (double)(ko.restarts ? ko.restarts : 50));
        cJSON_AddNumberToObject(root, "restarts_converged", (double)km->n_converged);
        cJSON_AddNumberToObject(root, "seed", (double)ko.seed);
        cJSON *pr = cJSON_AddArrayToObject(root, "profiles");
        for (size_t c = 0; pr && c < k; c++) {
            cJSON *o = cJSON_CreateObject(), *mn = cJSON_CreateObject();
            cJSON_AddNumberToObject(o, "cluster", (double)(c + 1));
            cJSON_AddNumberToObject(o, "size", (double)w.sizes[c]);
            for (size_t j = 0; mn && j < p; j++)
                cJSON_AddItemToObject(mn, v[j].spec, an_num(w.prof[c + j * k]));
            cJSON_AddItemToObject(o, "means", mn);
            if (w.jac)
                cJSON_AddItemToObject(o, "jaccard", an_num(w.jac[c]));
            cJSON_AddItemToArray(pr, o);
        }
        if (boot) {
            cJSON *bs = cJSON_AddObjectToObject(root, "stability");
            cJSON_AddNumberToObject(bs, "replicates", (double)boot);
            cJSON_AddItemToObject(bs, "mean_ari", an_num(boot_ari));
        }
        if (w.nts > 1) {
            cJSON *tr = cJSON_AddArrayToObject(root, "transitions");
            for (size_t q = 0; tr && q + 1 < w.nts; q++) {
                cJSON *o = cJSON_CreateObject();
                cJSON_AddNumberToObject(o, "from", w.ts[q]);
                cJSON_AddNumberToObject(o, "to", w.ts[q + 1]);
                cJSON_AddItemToObject(o, "matrix", matrix_json(w.trans + q * k * k, k));
                cJSON_AddItemToArray(tr, o);
            }
        }
        char *js = cJSON_PrintUnformatted(root);
        cJSON_Delete(root);
        if (js == NULL)
            goto oom;
        sb_put(&sb, "%s\n", js);
        cJSON_free(js);
    } else {
        sb_put(&sb, "Good work communities: %s on %zu standardised variables, %zu areas (%s)",
               ward_main ? "Ward" : "k-means", p, m,
               a.at     ? "values at --at"
               : a.time ? "means over time"
                        : "rows");
        if (dropped)
            sb_put(&sb, ", %zu dropped for missing values", dropped);
        sb_put(&sb, "\n\nSilhouette by k (mean width; higher is better):\n");
        for (size_t q = 2; q <= kmax; q++)
            sb_put(&sb, "  k = %2zu  %.4f%s\n", q, w.sil[q], q == best_k ? "  <- best" : "");
        sb_put(&sb,
               "\nk = %zu%s; k-means: %zu restarts (seed %llu), best within-SS %.4g of "
               "total %.4g (%.1f%% between), %s after %zu iterations\n",
               k, kfix ? " (given)" : " (best silhouette)", ko.restarts ? ko.restarts : 50,
               (unsigned long long)ko.seed, km->within_ss, km->total_ss,
               100.0 * (1.0 - km->within_ss / km->total_ss),
               km->converged ? "converged" : "NOT converged", km->iterations);
        sb_put(&sb, "Ward vs k-means: adjusted Rand index %.4f\n", ari_kw);
        if (a.truth)
            sb_put(&sb, "Against %s: adjusted Rand index %.4f (k-means %.4f, Ward %.4f)\n", a.truth,
                   ari, ari_km, ari_ward);
        if (boot)
            sb_put(&sb, "Bootstrap stability (%zu replicates): mean ARI %.4f\n", boot, boot_ari);
        sb_put(&sb, "\nCluster profiles (means in the variables' own units)\n%-8s %6s", "cluster",
               "size");
        for (size_t j = 0; j < p; j++)
            sb_put(&sb, " %12.12s", v[j].spec);
        if (w.jac)
            sb_put(&sb, " %8s", "jaccard");
        sb_put(&sb, "\n");
        for (size_t c = 0; c < k; c++) {
            sb_put(&sb, "%-8zu %6zu", c + 1, w.sizes[c]);
            for (size_t j = 0; j < p; j++)
                sb_put(&sb, " %12.4g", w.prof[c + j * k]);
            if (w.jac)
                sb_put(&sb, " %8.3f", w.jac[c]);
            sb_put(&sb, "\n");
        }
        if (w.nts > 1) {
            sb_put(&sb, "\nMembership transitions (each year clustered, matched to these "
                        "clusters): share staying in the same cluster\n");
            for (size_t q = 0; q + 1 < w.nts; q++) {
                size_t stay = 0, tot = 0;
                for (size_t f = 0; f < k; f++)
                    for (size_t g = 0; g < k; g++) {
                        tot += w.trans[(q * k + f) * k + g];
                        stay += f == g ? w.trans[(q * k + f) * k + g] : 0;
                    }
                sb_put(&sb, "  %.10g -> %.10g: %.3f (%zu areas)\n", w.ts[q], w.ts[q + 1],
                       tot ? (double)stay / (double)tot : (double)NAN, tot);
            }
        }
    }
    if (sb.oom)
        goto oom;
    if (a.out != NULL) {
        const char **ids = gw_calloc(m + 1, sizeof *ids), **vn = gw_calloc(p, sizeof *vn);
        char *idbuf = gw_malloc(m * 128 + 1);
        int64_t *lab = gw_alloc_array(m + 1, sizeof *lab), *wl = gw_alloc_array(m + 1, sizeof *wl);
        double *sz = gw_alloc_array(k, sizeof *sz), *prt = gw_alloc_array(k * p, sizeof *prt);
        double *trd = w.nts > 1 ? gw_alloc_array((w.nts - 1) * k * k, sizeof *trd) : NULL;
        int ok = ids && vn && idbuf && lab && wl && sz && prt && (w.nts <= 1 || trd);
        if (ok) {
            for (size_t i = 0; i < m; i++) {
                snprintf(idbuf + i * 128, 128, "%s", an_key_text(t, a.id, w.unit_row[i]));
                ids[i] = idbuf + i * 128;
                lab[i] = w.assign[i] + 1;
                wl[i] = w.ward[i] + 1;
            }
            for (size_t j = 0; j < p; j++)
                vn[j] = v[j].spec;
            for (size_t c = 0; c < k; c++) {
                sz[c] = (double)w.sizes[c];
                for (size_t j = 0; j < p; j++)
                    prt[c * p + j] = w.prof[c + j * k]; /* row-major k x p */
            }
            for (size_t q = 0; trd && q < (w.nts - 1) * k * k; q++)
                trd[q] = (double)w.trans[q];
            gw_h5_item items[9] = {
                {"variables", GW_H5_STR, p, 0, NULL, NULL, vn},
                {"id", GW_H5_STR, m, 0, NULL, NULL, ids},
                {"cluster", GW_H5_I64, m, 0, NULL, lab, NULL},
                {"cluster_ward", GW_H5_I64, m, 0, NULL, wl, NULL},
                {"silhouette", GW_H5_F64, kmax + 1, 0, w.sil, NULL, NULL},
                {"sizes", GW_H5_F64, k, 0, sz, NULL, NULL},
                {"profiles", GW_H5_F64, k, p, prt, NULL, NULL},
                {"transition_times", GW_H5_F64, w.nts, 0, w.ts, NULL, NULL},
                {"transitions", GW_H5_F64, w.nts > 1 ? (w.nts - 1) * k : 0, k, trd, NULL, NULL},
            };
            gw_h5_attr at5[7] = {
                {"analysis", GW_H5_STR, 0, 0, "cluster"},
                {"method", GW_H5_STR, 0, 0, ward_main ? "ward" : "kmeans"},
                {"k", GW_H5_I64, 0, (int64_t)k, NULL},
                {"ari", GW_H5_F64, ari, 0, NULL},
                {"ari_kmeans_vs_ward", GW_H5_F64, ari_kw, 0, NULL},
                {"within_ss", GW_H5_F64, km->within_ss, 0, NULL},
                {"bootstrap_mean_ari", GW_H5_F64, boot_ari, 0, NULL},
            };
            char group[300];
            snprintf(group, sizeof group, "/analyses/%s", a.name ? a.name : "cluster");
            rc = an_store(a.out, a.data, group, items, w.nts > 1 ? 9 : 7, at5, 7, 1, ko.seed);
        } else {
            cli_error("out of memory");
            rc = GW_EXIT_OTHER;
        }
        gw_free(ids);
        gw_free(vn);
        gw_free(idbuf);
        gw_free(lab);
        gw_free(wl);
        gw_free(sz);
        gw_free(prt);
        gw_free(trd);
        if (rc != GW_EXIT_OK)
            goto done;
    }
    rc = a.quiet ? GW_EXIT_OK : an_write_stdout(sb.s);
    goto done;
oom:
    cli_error("out of memory");
    rc = GW_EXIT_OTHER;
done:
    gw_free(sb.s);
    gw_kmeans_free(km);
    gw_kmeans_free(kk);
    cl_free(&w);
    gw_free(X);
    gw_free(id);
    gw_free(time);
    gw_free(truth);
    gw_free(kr);
    gw_free(cols);
    gw_table_free(t);
    an_vars_free(v, vl.n);
    an_list_free(&vl);
    return rc;
}
