/* cmd_synergy.c -- goodwork synergy: correlation matrices of good-work dimensions and
 * wellbeing by year and by period, partial correlations, correlations of changes, and the
 * links that switched sign between periods (models/gw_synergy.h has the conventions). Parses
 * the flags, runs the analysis with gw_synergy_run_file (api/gw_synergy_run.h), renders the
 * result as text or JSON with gw_synergy_run_render, stores it with gw_synergy_run_save and
 * prints. */
#include <string.h>

#include "analysis_util.h"
#include "cli.h"
#include "gw_alloc.h"
#include "gw_etable.h"
#include "gw_par.h"
#include "gw_synergy_run.h"

static const char synergy_usage[] =
    "usage: goodwork synergy --data FILE --vars a,b,c --time VAR [--id VAR] [options]\n"
    "\n"
    "Correlations of the chosen variables (\"synergies\" between the dimensions of good work\n"
    "and wellbeing): by year, by period (pooled, within-year demeaned by default), partial\n"
    "correlations controlling for --controls, correlations of year-on-year changes within\n"
    "each --id, each with a Fisher-z confidence interval and a t-test p-value; and the links\n"
    "that switched sign between periods (significant in both with opposite signs).\n"
    "\n"
    "required:\n"
    "  --data FILE          .csv or .h5 data table (--table PATH picks the HDF5 group)\n"
    "  --vars LIST          comma-separated columns (at least 2); log(x) takes logs\n"
    "  --time VAR           time variable (year)\n"
    "\n"
    "options:\n"
    "  --id VAR             area identifier (enables the correlations of changes)\n"
    "  --controls LIST      control variables for partial correlations\n"
    "  --cluster VAR        clustered inference: p-values and intervals of every matrix from\n"
    "                       the regression of the standardised variables with a CR1 variance\n"
    "                       clustered by VAR, t(G - 1) (rows without VAR left out)\n"
    "  --breaks LIST        period breaks (default 2020,2022: pre-2020, 2020-2021, 2022+)\n"
    "  --raw                pool periods on raw values (default: demeaned within year, so\n"
    "                       that common trends do not create correlation)\n"
    "  --conf LEVEL         confidence level (default 0.95); also the significance used for\n"
    "                       sign switches (p < 1 - LEVEL)\n"
    "  --by-year            also print every year's matrix in the text output\n"
    "  --stars T,..         p-value thresholds of the text's stars (default 0.1,0.05,0.01, as\n"
    "                       goodwork table; none: no stars)\n"
    "  --format F           text (default) or json\n"
    "  --out RESULTS.h5     also store the matrices as /analyses/NAME (with provenance)\n"
    "  --name NAME          the group's name (default synergy)\n"
    "  --threads N          accepted; the computation is sequential\n"
    "  --quiet              print nothing on success\n"
    "  --help               show this help\n"
    "\n"
    "Rows with any of the variables missing are left out of a matrix (listwise). Stars: *\n"
    "p < 0.1, ** p < 0.05, *** p < 0.01. Exit codes: 0 success, 2 usage, 3 data,\n"
    "4 numerical, 1 anything else.\n";

typedef struct {
    const char *data, *vars, *time, *id, *controls, *breaks, *conf, *format, *out, *name, *threads,
        *table, *stars, *cluster;
    int raw, by_year, quiet, help;
} syn_args;

/* Parses argv into a; returns an exit code. */
static int parse_args(int argc, char **argv, syn_args *a)
{
    const cli_option opts[] = {
        {"--data", &a->data, NULL, NULL},
        {"--vars", &a->vars, NULL, NULL},
        {"--time", &a->time, NULL, NULL},
        {"--id", &a->id, NULL, NULL},
        {"--controls", &a->controls, NULL, NULL},
        {"--breaks", &a->breaks, NULL, NULL},
        {"--conf", &a->conf, NULL, NULL},
        {"--format", &a->format, NULL, NULL},
        {"--out", &a->out, NULL, NULL},
        {"--name", &a->name, NULL, NULL},
        {"--threads", &a->threads, NULL, NULL},
        {"--table", &a->table, NULL, NULL},
        {"--stars", &a->stars, NULL, NULL},
        {"--cluster", &a->cluster, NULL,
         "correlations are clustered by one variable (no two-way clustering)"},
        {"--raw", NULL, &a->raw, NULL},
        {"--by-year", NULL, &a->by_year, NULL},
        {"--quiet", NULL, &a->quiet, NULL},
        {"--help", NULL, &a->help, NULL},
        {"-h", NULL, &a->help, NULL},
    };
    memset(a, 0, sizeof *a);
    return cli_parse_options(argc, argv, opts, sizeof opts / sizeof opts[0], "synergy");
}

/* The usage checks, before reading anything: required flags, output flags, --conf and
 * --breaks (into o and breaks, which o then borrows). Prints the problem; returns an exit code.
 */
static int check_flags(const syn_args *a, gw_synergy_run_opts *o, double *breaks, int *json,
                       size_t *threads)
{
    if (an_missing(a->data, 0, "--data FILE", "synergy") ||
        an_missing(a->vars, 1, "--vars a,b,c", "synergy") ||
        an_missing(a->time, 0, "--time VAR", "synergy"))
        return GW_EXIT_USAGE;
    if (an_check_output_opts(a->format, a->threads, a->name, a->out, json, threads) != GW_EXIT_OK)
        return GW_EXIT_USAGE;
    o->conf_level = 0.95;
    if (a->conf != NULL && (!an_parse_double(a->conf, &o->conf_level) || !(o->conf_level > 0.0) ||
                            !(o->conf_level < 1.0))) {
        cli_error("bad --conf '%s' (expected a number between 0 and 1)", a->conf);
        return GW_EXIT_USAGE;
    }
    o->raw = a->raw;
    if (a->breaks == NULL)
        return GW_EXIT_OK;
    an_list bl = {0};
    int rc = an_split(a->breaks, "--breaks", &bl);
    if (rc == GW_EXIT_OK && bl.n > GW_SYNERGY_MAX_BREAKS) {
        cli_error("--breaks: at most %d breaks", GW_SYNERGY_MAX_BREAKS);
        rc = GW_EXIT_USAGE;
    }
    for (size_t j = 0; rc == GW_EXIT_OK && j < bl.n; j++)
        if (!an_parse_double(bl.s[j], &breaks[j]) || (j > 0 && !(breaks[j] > breaks[j - 1]))) {
            cli_error("bad --breaks '%s' (expected increasing numbers)", a->breaks);
            rc = GW_EXIT_USAGE;
        }
    o->breaks = breaks;
    o->nbreaks = bl.n;
    an_list_free(&bl);
    return rc;
}

/* Stores r under --out with its provenance; returns an exit code. */
static int store(const syn_args *a, const gw_synergy_run *r)
{
    char hex[65];
    gw_provenance prov;
    int rc = an_provenance(a->data, 0, 0, hex, &prov);
    if (rc != GW_EXIT_OK)
        return rc;
    gw_status s = gw_synergy_run_save(r, a->out, a->name, &prov);
    return s != GW_OK ? an_store_error(s) : GW_EXIT_OK;
}

int cmd_synergy(int argc, char **argv)
{
    syn_args a;
    an_list vl = {0}, cl = {0};
    gw_synergy_run_opts o = {0};
    gw_synergy_run *r = NULL;
    double breaks[GW_SYNERGY_MAX_BREAKS];
    char *text = NULL;
    size_t threads = 0, nstars = 0;
    double stars[GW_ETABLE_MAXSTARS];
    int json = 0;
    int rc = parse_args(argc, argv, &a);
    if (rc != GW_EXIT_OK)
        goto done;
    if (a.help) {
        rc = an_write_stdout(synergy_usage);
        goto done;
    }
    if ((rc = check_flags(&a, &o, breaks, &json, &threads)) != GW_EXIT_OK ||
        (rc = an_split(a.vars, "--vars", &vl)) != GW_EXIT_OK)
        goto done;
    if (a.stars != NULL && gw_etable_stars_parse(a.stars, stars, &nstars) != GW_OK) {
        cli_error("%s", gw_last_error());
        rc = GW_EXIT_USAGE;
        goto done;
    }
    if (vl.n < 2) {
        cli_error("--vars needs at least 2 variables");
        rc = GW_EXIT_USAGE;
        goto done;
    }
    if (a.controls != NULL && (rc = an_split(a.controls, "--controls", &cl)) != GW_EXIT_OK)
        goto done;
    gw_synergy_run_spec spec = {
        (const char *const *)vl.s, vl.n, (const char *const *)cl.s, cl.n, a.time, a.id};
    o.group = a.table;
    o.cluster = a.cluster;
    o.delim = cli_delim();
    gw_threads_set((int)threads);
    gw_status s = gw_synergy_run_file(a.data, &spec, &o, &r);
    if (s != GW_OK) {
        rc = an_lib_error((int)s, NULL);
        goto done;
    }
    s = gw_synergy_run_render_stars(r, json ? GW_OUT_JSON : GW_OUT_TEXT, a.by_year,
                                    a.stars ? stars : NULL, nstars, &text);
    if (s != GW_OK) {
        rc = an_lib_error((int)s, NULL);
        goto done;
    }
    if (a.out != NULL && (rc = store(&a, r)) != GW_EXIT_OK)
        goto done;
    rc = a.quiet ? GW_EXIT_OK : an_write_stdout(text);
done:
    gw_free(text);
    gw_synergy_run_free(r);
    an_list_free(&vl);
    an_list_free(&cl);
    return rc;
}
