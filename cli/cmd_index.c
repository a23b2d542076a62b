/* cmd_index.c -- goodwork index: the composite Good Work index per area and time.
 *
 * Parse the options, run gw_index_run_file (api/gw_index_run.h), render with
 * gw_index_run_render, print. Order of work (as goodwork fit): options (exit 2 before touching
 * a file), data (exit 3, unknown variables exit 2), computation (exit 4 for numerical
 * failures), rendering, results file, then standard output, written once at the end. */
#include <stdio.h>
#include <string.h>

#include "analysis_util.h"
#include "cli.h"
#include "gw_alloc.h"
#include "gw_hdf5.h"
#include "gw_index_run.h"
#include "gw_par.h"

static const char index_usage[] =
    "usage: goodwork index --data FILE --indicators a,b,c --id VAR [--time VAR] [options]\n"
    "\n"
    "A composite Good Work index per area (and year): each indicator normalised, turned so\n"
    "that higher is better, weighted and aggregated; ranks per year (1 = best) and year-on-year\n"
    "rank changes; optionally a Monte Carlo sensitivity analysis of the ranks to the weights.\n"
    "\n"
    "required:\n"
    "  --data FILE            .csv or .h5 data table (--table PATH picks the HDF5 group)\n"
    "  --indicators LIST      comma-separated columns; log(x) takes logs (x > 0)\n"
    "  --id VAR               area identifier\n"
    "\n"
    "options:\n"
    "  --time VAR             time variable (ranks are per time value)\n"
    "  --invert LIST          indicators where lower is better (e.g. anxiety)\n"
    "  --normalise N          minmax (default), z or rank\n"
    "  --within-time          normalise within each time value (default: over the pooled\n"
    "                         panel, so that changes over time show in the index)\n"
    "  --goalposts G          fix the normalisation so that adding a year never changes\n"
    "                         earlier values: base:2015 or base:2010-2015 (min/max, mean/sd\n"
    "                         or ranks of a base period), fixed:emp_rate=40:90,life_sat=0:10\n"
    "                         (minmax min:max or z mean:sd per indicator), or fixed:FILE (such\n"
    "                         a list, or RESULTS.h5[:NAME]: the goalposts an earlier run stored)\n"
    "  --weights W            equal (default), pca (first principal component of the\n"
    "                         normalised indicators' correlations, sign fixed so that the\n"
    "                         weights sum to 1), or a list of numbers (normalised to sum 1)\n"
    "  --aggregate A          arithmetic (default) or geometric (indicators shifted to a\n"
    "                         minimum of 1 first)\n"
    "  --sensitivity N        N Monte Carlo draws of Dirichlet-perturbed weights: each\n"
    "                         area-year's median rank and 5%-95% rank interval\n"
    "  --concentration C      Dirichlet concentration (default 20; larger = smaller changes)\n"
    "  --seed S               random seed of the sensitivity analysis (default 1)\n"
    "  --format F             text (default) or json\n"
    "  --out RESULTS.h5       also store the index as /analyses/NAME (with provenance)\n"
    "  --name NAME            the group's name (default index)\n"
    "  --threads N            worker threads; results do not depend on N\n"
    "  --quiet                print nothing on success\n"
    "  --help                 show this help\n"
    "\n"
    "An area-year with any indicator missing gets a null index (never imputed). Exit codes:\n"
    "0 success, 2 usage, 3 data, 4 numerical, 1 anything else.\n";

typedef struct {
    const char *data, *indicators, *invert, *normalise, *weights, *aggregate, *id, *time,
        *sensitivity, *concentration, *seed, *format, *out, *name, *threads, *table, *goalposts;
    int within, quiet, help;
} index_args;

/* What the options resolve to: the lists (owned) and the library call's spec and options. */
typedef struct {
    an_list ind, inv, wl;
    an_var *v;
    int *invert;
    double *uw;
    int json;
    size_t threads;
    gw_index_spec spec;
    gw_index_run_opts ro;
} index_cmd;

static void index_cmd_free(index_cmd *c)
{
    gw_free(c->uw);
    gw_free(c->invert);
    an_vars_free(c->v, c->ind.n);
    an_list_free(&c->ind);
    an_list_free(&c->inv);
    an_list_free(&c->wl);
}

/* --normalise and --aggregate; prints and returns 2 on a bad name. */
static int parse_methods(const index_args *a, gw_index_opts *io)
{
    if (a->normalise == NULL || strcmp(a->normalise, "minmax") == 0)
        io->norm = GW_NORM_MINMAX;
    else if (strcmp(a->normalise, "z") == 0)
        io->norm = GW_NORM_Z;
    else if (strcmp(a->normalise, "rank") == 0)
        io->norm = GW_NORM_RANK;
    else {
        cli_error("bad --normalise '%s' (expected minmax, z or rank)", a->normalise);
        return GW_EXIT_USAGE;
    }
    if (a->aggregate == NULL || strcmp(a->aggregate, "arithmetic") == 0)
        io->agg = GW_AGG_ARITHMETIC;
    else if (strcmp(a->aggregate, "geometric") == 0)
        io->agg = GW_AGG_GEOMETRIC;
    else {
        cli_error("bad --aggregate '%s' (expected arithmetic or geometric)", a->aggregate);
        return GW_EXIT_USAGE;
    }
    io->within_time = a->within;
    return GW_EXIT_OK;
}

/* --invert (names of indicators) and --weights (equal, pca or p numbers). */
static int parse_invert_weights(const index_args *a, index_cmd *c)
{
    size_t p = c->ind.n;
    int rc;
    if (a->invert != NULL) {
        if ((rc = an_split(a->invert, "--invert", &c->inv)) != GW_EXIT_OK)
            return rc;
        for (size_t k = 0; k < c->inv.n; k++) {
            size_t j = 0;
            while (j < p && strcmp(c->ind.s[j], c->inv.s[k]) != 0 &&
                   strcmp(c->v[j].base, c->inv.s[k]) != 0)
                j++;
            if (j == p) {
                cli_error("--invert '%s' is not one of the --indicators", c->inv.s[k]);
                return GW_EXIT_USAGE;
            }
            c->invert[j] = 1;
        }
    }
    c->ro.index.invert = c->invert;
    if (a->weights == NULL || strcmp(a->weights, "equal") == 0)
        c->ro.index.weighting = GW_WEIGHTS_EQUAL;
    else if (strcmp(a->weights, "pca") == 0)
        c->ro.index.weighting = GW_WEIGHTS_PCA;
    else {
        if ((rc = an_split(a->weights, "--weights", &c->wl)) != GW_EXIT_OK)
            return rc;
        if (c->wl.n != p) {
            cli_error("--weights has %zu numbers for %zu indicators (or use equal or pca)", c->wl.n,
                      p);
            return GW_EXIT_USAGE;
        }
        for (size_t j = 0; j < p; j++)
            if (!an_parse_double(c->wl.s[j], &c->uw[j]) || c->uw[j] < 0.0) {
                cli_error("bad --weights '%s': '%s' is not a non-negative number", a->weights,
                          c->wl.s[j]);
                return GW_EXIT_USAGE;
            }
        c->ro.index.weighting = GW_WEIGHTS_USER;
        c->ro.index.user_weights = c->uw;
    }
    c->ro.weights_text = a->weights;
    return GW_EXIT_OK;
}

/* Every option into c, in the order the checks have always run; prints and returns an exit
 * code. */
static int parse_index(const index_args *a, index_cmd *c)
{
    int rc;
    if (an_missing(a->data, 0, "--data FILE", "index") ||
        an_missing(a->indicators, 1, "--indicators a,b,c", "index") ||
        an_missing(a->id, 0, "--id VAR", "index"))
        return GW_EXIT_USAGE;
    if (an_check_output_opts(a->format, a->threads, a->name, a->out, &c->json, &c->threads) !=
            GW_EXIT_OK ||
        parse_methods(a, &c->ro.index) != GW_EXIT_OK)
        return GW_EXIT_USAGE;
    if ((rc = an_split(a->indicators, "--indicators", &c->ind)) != GW_EXIT_OK ||
        (rc = an_vars_parse(&c->ind, &c->v)) != GW_EXIT_OK)
        return rc;
    c->spec = (gw_index_spec){(const char *const *)c->ind.s, c->ind.n, a->id, a->time};
    gw_status s = gw_index_spec_check(&c->spec);
    if (s != GW_OK) {
        cli_error("%s", gw_last_error());
        return cli_exit_code(s);
    }
    if ((c->invert = gw_calloc(c->ind.n, sizeof *c->invert)) == NULL ||
        (c->uw = gw_calloc(c->ind.n, sizeof *c->uw)) == NULL) {
        cli_error("out of memory");
        return GW_EXIT_OTHER;
    }
    if ((rc = parse_invert_weights(a, c)) != GW_EXIT_OK)
        return rc;
    gw_index_opts *io = &c->ro.index;
    if (a->sensitivity != NULL && !an_parse_size(a->sensitivity, 1, &io->draws)) {
        cli_error("bad --sensitivity '%s' (expected a number of draws, 0..100000000)",
                  a->sensitivity);
        return GW_EXIT_USAGE;
    }
    io->seed = 1;
    if (a->seed != NULL && !an_parse_u64(a->seed, &io->seed)) {
        cli_error("bad --seed '%s' (expected a non-negative integer)", a->seed);
        return GW_EXIT_USAGE;
    }
    if (a->concentration != NULL &&
        (!an_parse_double(a->concentration, &io->concentration) || !(io->concentration > 0.0))) {
        cli_error("bad --concentration '%s' (expected a positive number)", a->concentration);
        return GW_EXIT_USAGE;
    }
    c->ro.goalposts = a->goalposts;
    c->ro.group = a->table;
    c->ro.delim = cli_delim();
    return GW_EXIT_OK;
}

/* Appends the index to --out with its provenance. */
static int store_index(const index_args *a, const index_cmd *c, const gw_index_run *r)
{
    char group[300], hex[65];
    gw_provenance prov;
    snprintf(group, sizeof group, "/analyses/%s", a->name ? a->name : "index");
    int rc = an_provenance(a->data, c->ro.index.draws > 0, c->ro.index.seed, hex, &prov);
    if (rc != GW_EXIT_OK)
        return rc;
    gw_status s = gw_index_run_store(r, &c->spec, &c->ro, a->out, group, &prov);
    return s != GW_OK ? an_store_error(s) : GW_EXIT_OK;
}

int cmd_index(int argc, char **argv)
{
    index_args a;
    memset(&a, 0, sizeof a);
    const cli_option opts[] = {
        {"--data", &a.data, NULL, NULL},
        {"--indicators", &a.indicators, NULL, NULL},
        {"--invert", &a.invert, NULL, NULL},
        {"--normalise", &a.normalise, NULL, NULL},
        {"--normalize", &a.normalise, NULL, NULL},
        {"--weights", &a.weights, NULL, NULL},
        {"--aggregate", &a.aggregate, NULL, NULL},
        {"--id", &a.id, NULL, NULL},
        {"--time", &a.time, NULL, NULL},
        {"--sensitivity", &a.sensitivity, NULL, NULL},
        {"--concentration", &a.concentration, NULL, NULL},
        {"--seed", &a.seed, NULL, NULL},
        {"--format", &a.format, NULL, NULL},
        {"--out", &a.out, NULL, NULL},
        {"--name", &a.name, NULL, NULL},
        {"--threads", &a.threads, NULL, NULL},
        {"--table", &a.table, NULL, NULL},
        {"--goalposts", &a.goalposts, NULL, NULL},
        {"--within-time", NULL, &a.within, NULL},
        {"--quiet", NULL, &a.quiet, NULL},
        {"--help", NULL, &a.help, NULL},
        {"-h", NULL, &a.help, NULL},
    };
    index_cmd c;
    memset(&c, 0, sizeof c);
    gw_index_run *r = NULL;
    char *text = NULL;
    int rc = cli_parse_options(argc, argv, opts, sizeof opts / sizeof opts[0], "index");
    if (rc != GW_EXIT_OK)
        goto done;
    if (a.help) {
        rc = an_write_stdout(index_usage);
        goto done;
    }
    if ((rc = parse_index(&a, &c)) != GW_EXIT_OK)
        goto done;
    gw_threads_set((int)c.threads);
    gw_status s = gw_index_run_file(a.data, &c.spec, &c.ro, &r);
    if (s != GW_OK) {
        cli_error("%s", gw_last_error());
        rc = cli_exit_code(s);
        goto done;
    }
    s = gw_index_run_render(r, &c.spec, &c.ro, c.json ? GW_OUT_JSON : GW_OUT_TEXT, &text);
    if (s != GW_OK) {
        cli_error("%s", gw_last_error());
        rc = cli_exit_code(s);
        goto done;
    }
    if (a.out != NULL && (rc = store_index(&a, &c, r)) != GW_EXIT_OK)
        goto done;
    rc = a.quiet ? GW_EXIT_OK : an_write_stdout(text);
done:
    gw_free(text);
    gw_index_run_free(r);
    index_cmd_free(&c);
    return rc;
}
