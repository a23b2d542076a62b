/* cmd_cluster.c -- goodwork cluster: "good work communities".
 *
 * Parse the options, run gw_cluster_run_file (api/gw_cluster_run.h, which says what is
 * computed), render with gw_cluster_run_render, print. Order of work: options (exit 2 before
 * touching a file), data, units and clustering, rendering, results file, then standard output,
 * written once at the end. */
#include <stdio.h>
#include <string.h>

#include "analysis_util.h"
#include "cli.h"
#include "gw_alloc.h"
#include "gw_cluster_run.h"
#include "gw_par.h"

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
    const cli_option opts[] = {
        {"--data", &a.data, NULL, NULL},
        {"--vars", &a.vars, NULL, NULL},
        {"--id", &a.id, NULL, NULL},
        {"--time", &a.time, NULL, NULL},
        {"--at", &a.at, NULL, NULL},
        {"--k", &a.k, NULL, NULL},
        {"--kmax", &a.kmax, NULL, NULL},
        {"--method", &a.method, NULL, NULL},
        {"--truth", &a.truth, NULL, NULL},
        {"--restarts", &a.restarts, NULL, NULL},
        {"--max-iter", &a.max_iter, NULL, NULL},
        {"--seed", &a.seed, NULL, NULL},
        {"--boot", &a.boot, NULL, NULL},
        {"--format", &a.format, NULL, NULL},
        {"--out", &a.out, NULL, NULL},
        {"--name", &a.name, NULL, NULL},
        {"--threads", &a.threads, NULL, NULL},
        {"--table", &a.table, NULL, NULL},
        {"--quiet", NULL, &a.quiet, NULL},
        {"--help", NULL, &a.help, NULL},
        {"-h", NULL, &a.help, NULL},
    };
    cl_cmd c;
    memset(&c, 0, sizeof c);
    gw_cluster_run *r = NULL;
    char *text = NULL;
    int rc = cli_parse_options(argc, argv, opts, sizeof opts / sizeof opts[0], "cluster");
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
    s = gw_cluster_run_render(r, &c.spec, &c.ro, c.json ? GW_OUT_JSON : GW_OUT_TEXT, &text);
    if (s != GW_OK) {
        cli_error("%s", gw_last_error());
        rc = cli_exit_code(s);
        goto done;
    }
    if (a.out != NULL && (rc = store_cluster(&a, &c, r)) != GW_EXIT_OK)
        goto done;
    rc = a.quiet ? GW_EXIT_OK : an_write_stdout(text);
done:
    gw_free(text);
    gw_cluster_run_free(r);
    an_vars_free(c.v, c.vl.n);
    an_list_free(&c.vl);
    return rc;
}
