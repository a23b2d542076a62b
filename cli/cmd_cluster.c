/* cmd_cluster.c -- goodwork cluster: "good work communities".
 *
 * Parse the options, run gw_cluster_run_file (api/gw_cluster_run.h, which says what is
 * computed), print. Order of work: options (exit 2 before touching a file), data, units and
 * clustering, results file, then standard output, written once at the end. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_util.h"
#include "cli.h"
#include "gw_alloc.h"
#include "gw_cluster_run.h"
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

/* What the options resolve to: the variable list (owned) and the library call's arguments. */
typedef struct {
    an_list vl;
    an_var *v;
    int json;
    size_t threads;
    gw_cluster_spec spec;
    gw_cluster_run_opts ro;
} cl_cmd;

/* Text output is built in a core/gw_strbuf.h buffer. */
typedef gw_strbuf sbuf;
#define sb_put gw_strbuf_printf

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

/* The numeric options, in the order their checks have always run; prints and returns 2. */
static int parse_numbers(const cl_args *a, cl_cmd *c)
{
    gw_cluster_run_opts *o = &c->ro;
    if (a->at != NULL && (a->time == NULL || !an_parse_double(a->at, &c->spec.at))) {
        cli_error(a->time == NULL ? "--at needs --time VAR" : "bad --at '%s' (expected a number)",
                  a->at);
        return GW_EXIT_USAGE;
    }
    c->spec.has_at = a->at != NULL;
    if (a->method != NULL && strcmp(a->method, "kmeans") != 0 && strcmp(a->method, "ward") != 0) {
        cli_error("bad --method '%s' (expected kmeans or ward)", a->method);
        return GW_EXIT_USAGE;
    }
    o->method =
        a->method != NULL && strcmp(a->method, "ward") == 0 ? GW_CLUSTER_WARD : GW_CLUSTER_KMEANS;
    if (a->k != NULL &&
        (!an_parse_size(a->k, 0, &o->k) || o->k < 2 || o->k > GW_CLUSTER_RUN_KMAX)) {
        cli_error("bad --k '%s' (expected 2..100)", a->k);
        return GW_EXIT_USAGE;
    }
    o->kmax = GW_CLUSTER_RUN_KMAX_DEFAULT;
    if (a->kmax != NULL &&
        (!an_parse_size(a->kmax, 0, &o->kmax) || o->kmax < 2 || o->kmax > GW_CLUSTER_RUN_KMAX)) {
        cli_error("bad --kmax '%s' (expected 2..100)", a->kmax);
        return GW_EXIT_USAGE;
    }
    if (a->restarts != NULL && !an_parse_size(a->restarts, 0, &o->kmeans.restarts)) {
        cli_error("bad --restarts '%s' (expected a positive integer)", a->restarts);
        return GW_EXIT_USAGE;
    }
    if (a->max_iter != NULL && !an_parse_size(a->max_iter, 0, &o->kmeans.max_iter)) {
        cli_error("bad --max-iter '%s' (expected a positive integer)", a->max_iter);
        return GW_EXIT_USAGE;
    }
    o->kmeans.seed = 1;
    if (a->seed != NULL && !an_parse_u64(a->seed, &o->kmeans.seed)) {
        cli_error("bad --seed '%s' (expected a non-negative integer)", a->seed);
        return GW_EXIT_USAGE;
    }
    if (a->boot != NULL && !an_parse_size(a->boot, 1, &o->boot)) {
        cli_error("bad --boot '%s' (expected a number of replicates)", a->boot);
        return GW_EXIT_USAGE;
    }
    return GW_EXIT_OK;
}

/* Every option into c; prints and returns an exit code. */
static int parse_cluster(const cl_args *a, cl_cmd *c)
{
    int rc;
    if (an_missing(a->data, 0, "--data FILE", "cluster") ||
        an_missing(a->vars, 1, "--vars a,b,c", "cluster") ||
        an_missing(a->id, 0, "--id VAR", "cluster") ||
        an_check_output_opts(a->format, a->threads, a->name, a->out, &c->json, &c->threads) !=
            GW_EXIT_OK ||
        parse_numbers(a, c) != GW_EXIT_OK)
        return GW_EXIT_USAGE;
    if ((rc = an_split(a->vars, "--vars", &c->vl)) != GW_EXIT_OK ||
        (rc = an_vars_parse(&c->vl, &c->v)) != GW_EXIT_OK)
        return rc;
    c->spec.vars = (const char *const *)c->vl.s;
    c->spec.p = c->vl.n;
    c->spec.id = a->id;
    c->spec.time = a->time;
    c->spec.truth = a->truth;
    c->ro.group = a->table;
    c->ro.delim = cli_delim();
    return GW_EXIT_OK;
}

/* The JSON report (one line). */
static void render_json(const cl_args *a, const cl_cmd *c, const gw_cluster_run *r, sbuf *sb)
{
    size_t p = r->p, k = r->k;
    const gw_kmeans *km = r->kmeans;
    cJSON *root = cJSON_CreateObject();
    if (root == NULL) {
        sb->oom = 1;
        return;
    }
    cJSON_AddStringToObject(root, "goodwork_version", gw_version());
    cJSON_AddStringToObject(root, "method", r->method == GW_CLUSTER_WARD ? "ward" : "kmeans");
    cJSON *vars = cJSON_AddArrayToObject(root, "variables");
    for (size_t j = 0; vars && j < p; j++)
        cJSON_AddItemToArray(vars, cJSON_CreateString(c->v[j].spec));
    cJSON_AddStringToObject(root, "units", a->at ? "time" : a->time ? "means" : "rows");
    if (a->at)
        cJSON_AddNumberToObject(root, "at", c->spec.at);
    cJSON_AddNumberToObject(root, "n", (double)r->m);
    cJSON_AddNumberToObject(root, "n_dropped", (double)r->n_dropped);
    cJSON_AddNumberToObject(root, "k", (double)k);
    cJSON *sil = cJSON_AddObjectToObject(root, "silhouette");
    for (size_t q = 2; sil && q <= r->kmax; q++) {
        char key[32];
        snprintf(key, sizeof key, "%zu", q);
        cJSON_AddItemToObject(sil, key, an_num(r->silhouette[q]));
    }
    cJSON *as = cJSON_AddArrayToObject(root, "assignments");
    for (size_t i = 0; as && i < r->m; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "id", an_keys_json(&r->id, i));
        cJSON_AddNumberToObject(o, "cluster", (double)(r->assign[i] + 1));
        cJSON_AddItemToArray(as, o);
    }
    if (a->truth) {
        cJSON_AddItemToObject(root, "ari", an_num(r->ari));
        cJSON_AddItemToObject(root, "ari_kmeans", an_num(r->ari_kmeans));
        cJSON_AddItemToObject(root, "ari_ward", an_num(r->ari_ward));
    }
    cJSON_AddItemToObject(root, "ari_kmeans_vs_ward", an_num(r->ari_kmeans_vs_ward));
    cJSON_AddNumberToObject(root, "within_ss", km->within_ss);
    cJSON_AddNumberToObject(root, "total_ss", km->total_ss);
    cJSON_AddNumberToObject(root, "iterations", (double)km->iterations);
    cJSON_AddBoolToObject(root, "converged", km->converged);
    size_t restarts = c->ro.kmeans.restarts;
    cJSON_AddNumberToObject(root, "restarts", (double)(restarts ? restarts : 50));
    cJSON_AddNumberToObject(root, "restarts_converged", (double)km->n_converged);
    cJSON_AddNumberToObject(root, "seed", (double)c->ro.kmeans.seed);
    cJSON *pr = cJSON_AddArrayToObject(root, "profiles");
    for (size_t cl = 0; pr && cl < k; cl++) {
        cJSON *o = cJSON_CreateObject(), *mn = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "cluster", (double)(cl + 1));
        cJSON_AddNumberToObject(o, "size", (double)r->sizes[cl]);
        for (size_t j = 0; mn && j < p; j++)
            cJSON_AddItemToObject(mn, c->v[j].spec, an_num(r->profiles[cl + j * k]));
        cJSON_AddItemToObject(o, "means", mn);
        if (r->jaccard)
            cJSON_AddItemToObject(o, "jaccard", an_num(r->jaccard[cl]));
        cJSON_AddItemToArray(pr, o);
    }
    if (c->ro.boot) {
        cJSON *bs = cJSON_AddObjectToObject(root, "stability");
        cJSON_AddNumberToObject(bs, "replicates", (double)c->ro.boot);
        cJSON_AddItemToObject(bs, "mean_ari", an_num(r->boot_mean_ari));
    }
    if (r->nts > 1) {
        cJSON *tr = cJSON_AddArrayToObject(root, "transitions");
        for (size_t q = 0; tr && q + 1 < r->nts; q++) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddNumberToObject(o, "from", r->ts[q]);
            cJSON_AddNumberToObject(o, "to", r->ts[q + 1]);
            cJSON_AddItemToObject(o, "matrix", matrix_json(r->transitions + q * k * k, k));
            cJSON_AddItemToArray(tr, o);
        }
    }
    char *js = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (js == NULL) {
        sb->oom = 1;
        return;
    }
    sb_put(sb, "%s\n", js);
    cJSON_free(js);
}

/* The text report: silhouettes, the k-means summary, ARIs, profiles, transitions. */
static void render_text(const cl_args *a, const cl_cmd *c, const gw_cluster_run *r, sbuf *sb)
{
    size_t p = r->p, k = r->k, restarts = c->ro.kmeans.restarts;
    const gw_kmeans *km = r->kmeans;
    sb_put(sb, "Good work communities: %s on %zu standardised variables, %zu areas (%s)",
           r->method == GW_CLUSTER_WARD ? "Ward" : "k-means", p, r->m,
           a->at     ? "values at --at"
           : a->time ? "means over time"
                     : "rows");
    if (r->n_dropped)
        sb_put(sb, ", %zu dropped for missing values", r->n_dropped);
    sb_put(sb, "\n\nSilhouette by k (mean width; higher is better):\n");
    for (size_t q = 2; q <= r->kmax; q++)
        sb_put(sb, "  k = %2zu  %.4f%s\n", q, r->silhouette[q], q == r->best_k ? "  <- best" : "");
    sb_put(sb,
           "\nk = %zu%s; k-means: %zu restarts (seed %llu), best within-SS %.4g of "
           "total %.4g (%.1f%% between), %s after %zu iterations\n",
           k, r->k_given ? " (given)" : " (best silhouette)", restarts ? restarts : 50,
           (unsigned long long)c->ro.kmeans.seed, km->within_ss, km->total_ss,
           100.0 * (1.0 - km->within_ss / km->total_ss),
           km->converged ? "converged" : "NOT converged", km->iterations);
    sb_put(sb, "Ward vs k-means: adjusted Rand index %.4f\n", r->ari_kmeans_vs_ward);
    if (a->truth)
        sb_put(sb, "Against %s: adjusted Rand index %.4f (k-means %.4f, Ward %.4f)\n", a->truth,
               r->ari, r->ari_kmeans, r->ari_ward);
    if (c->ro.boot)
        sb_put(sb, "Bootstrap stability (%zu replicates): mean ARI %.4f\n", c->ro.boot,
               r->boot_mean_ari);
    sb_put(sb, "\nCluster profiles (means in the variables' own units)\n%-8s %6s", "cluster",
           "size");
    for (size_t j = 0; j < p; j++)
        sb_put(sb, " %12.12s", c->v[j].spec);
    if (r->jaccard)
        sb_put(sb, " %8s", "jaccard");
    sb_put(sb, "\n");
    for (size_t cl = 0; cl < k; cl++) {
        sb_put(sb, "%-8zu %6zu", cl + 1, r->sizes[cl]);
        for (size_t j = 0; j < p; j++)
            sb_put(sb, " %12.4g", r->profiles[cl + j * k]);
        if (r->jaccard)
            sb_put(sb, " %8.3f", r->jaccard[cl]);
        sb_put(sb, "\n");
    }
    if (r->nts > 1) {
        sb_put(sb, "\nMembership transitions (each year clustered, matched to these "
                   "clusters): share staying in the same cluster\n");
        for (size_t q = 0; q + 1 < r->nts; q++) {
            size_t stay = 0, tot = 0;
            for (size_t f = 0; f < k; f++)
                for (size_t g = 0; g < k; g++) {
                    tot += r->transitions[(q * k + f) * k + g];
                    stay += f == g ? r->transitions[(q * k + f) * k + g] : 0;
                }
            sb_put(sb, "  %.10g -> %.10g: %.3f (%zu areas)\n", r->ts[q], r->ts[q + 1],
                   tot ? (double)stay / (double)tot : (double)NAN, tot);
        }
    }
}

/* Appends the clustering to --out with its provenance. */
static int store_cluster(const cl_args *a, const cl_cmd *c, const gw_cluster_run *r)
{
    char group[300], hex[65];
    gw_provenance prov;
    snprintf(group, sizeof group, "/analyses/%s", a->name ? a->name : "cluster");
    int rc = an_provenance(a->data, 1, c->ro.kmeans.seed, hex, &prov);
    if (rc != GW_EXIT_OK)
        return rc;
    gw_status s = gw_cluster_run_store(r, &c->spec, a->out, group, &prov);
    return s != GW_OK ? an_store_error(s) : GW_EXIT_OK;
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
    cl_cmd c;
    memset(&c, 0, sizeof c);
    gw_cluster_run *r = NULL;
    sbuf sb = {0};
    int rc = an_parse(argc, argv, opts, sizeof opts / sizeof opts[0], "cluster");
    if (rc != GW_EXIT_OK)
        goto done;
    if (a.help) {
        rc = an_write_stdout(cluster_usage);
        goto done;
    }
    if ((rc = parse_cluster(&a, &c)) != GW_EXIT_OK)
        goto done;
    gw_threads_set((int)c.threads);
    gw_status s = gw_cluster_run_file(a.data, &c.spec, &c.ro, &r);
    if (s != GW_OK) {
        cli_error("%s", gw_last_error());
        rc = cli_exit_code(s);
        goto done;
    }
    if (c.json)
        render_json(&a, &c, r, &sb);
    else
        render_text(&a, &c, r, &sb);
    if (sb.oom) {
        cli_error("out of memory");
        rc = GW_EXIT_OTHER;
        goto done;
    }
    if (a.out != NULL && (rc = store_cluster(&a, &c, r)) != GW_EXIT_OK)
        goto done;
    rc = a.quiet ? GW_EXIT_OK : an_write_stdout(sb.s);
done:
    gw_free(sb.s);
    gw_cluster_run_free(r);
    an_vars_free(c.v, c.vl.n);
    an_list_free(&c.vl);
    return rc;
}
