/* cmd_mediate.c -- goodwork mediate: product-of-coefficients mediation with cluster-bootstrap
 * confidence intervals. Parses the flags, runs the analysis with gw_mediate_run_file
 * (api/gw_mediate_run.h: the formula, the data, the model frame and the engine), renders the
 * result as text or JSON with gw_mediate_run_render and stores it with gw_mediate_run_save.
 * Order of work as in goodwork fit: usage errors (exit 2) before reading data, data errors (3),
 * numerical (4); standard output written once at the end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analysis_util.h"
#include "cli.h"
#include "gw_alloc.h"
#include "gw_mediate_run.h"
#include "gw_par.h"

static const char mediate_usage[] =
    "usage: goodwork mediate --data FILE --treatment T --mediator M[,M2..] --outcome Y\n"
    "                        [--controls a,b] [--fe A+B] [--cluster VAR] [--boot B] [options]\n"
    "\n"
    "Mediation of T through the mediators to Y by the product of coefficients:\n"
    "  M_j ~ T + controls | FE   (a_j)     Y ~ T + M_1 + .. + controls | FE   (c', b_j)\n"
    "indirect = sum a_j b_j, direct = c', total = direct + indirect, proportion = indirect/total,\n"
    "with cluster-bootstrap confidence intervals (clusters resampled with replacement; fixed\n"
    "effects nested in the cluster re-labelled per drawn copy) and delta-method SEs.\n"
    "\n"
    "required:\n"
    "  --data FILE             .csv or .h5 data table (--table PATH picks the HDF5 group)\n"
    "  --treatment T           the treatment (a numeric term: x or log(x))\n"
    "  --mediator M[,M2]       one or more mediators\n"
    "  --outcome Y             the outcome\n"
    "\n"
    "options:\n"
    "  --controls a,b          controls of every equation (terms: x, log(x), factor(x), ...)\n"
    "  --mediator-controls a,b controls of the mediator equations instead of --controls (to\n"
    "                          show omitted-variable bias; total = direct + indirect then no\n"
    "                          longer equals the total-effect regression); \"\" for none\n"
    "  --fe A+B                absorbed fixed effects (within estimator)\n"
    "  --cluster VAR           bootstrap and SE cluster (default: the first --fe variable;\n"
    "                          without --fe: observations)\n"
    "  --boot B                bootstrap replications (default 999)\n"
    "  --seed S                random seed (default 20250101); same seed, same bytes\n"
    "  --ci percentile|bca|delta  interval reported as ci_low/ci_high (default percentile;\n"
    "                          bca adds a delete-one-cluster jackknife)\n"
    "  --level L               confidence level (default 0.95)\n"
    "  --keep-singletons       keep singleton fixed-effect groups\n"
    "  --format text|json      output (default text)\n"
    "  --out RESULTS.h5        also store /analyses/NAME (effects, paths, replicates)\n"
    "  --name NAME             group name under /analyses (default mediate)\n"
    "  --threads N             worker threads; results do not depend on N\n"
    "  --quiet                 no progress on standard error\n"
    "  --help                  show this help\n";

typedef struct {
    const char *data, *treatment, *mediator, *outcome, *controls, *mcontrols, *fe, *cluster, *boot,
        *seed, *ci, *level, *format, *out, *name, *threads, *table;
    int quiet, help, keep_singletons;
} med_args;

/* Progress on stderr: a carriage-return line on a terminal (at most 5 per second), otherwise
 * a plain line every 5 seconds; nothing in the first 2 seconds. */
typedef struct {
    double t0, last;
    int tty, printed;
} progress_state;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void progress_cb(void *ctx, size_t done, size_t total)
{
    progress_state *p = ctx;
    double t = now_s();
    if (t - p->t0 < 2.0 && done < total)
        return;
    if (!p->printed && done == total)
        return; /* finished quickly: nothing to report */
    if (t - p->last < (p->tty ? 0.2 : 5.0) && done < total)
        return;
    p->last = t;
    p->printed = 1;
    if (p->tty)
        fprintf(stderr, "\rgoodwork mediate: bootstrap %zu/%zu (%.0f s)%s", done, total, t - p->t0,
                done == total ? "\n" : "");
    else
        fprintf(stderr, "goodwork mediate: bootstrap %zu/%zu (%.0f s)\n", done, total, t - p->t0);
    fflush(stderr);
}

/* The comma lists of the flags, split (an_split: an empty item is a usage error). */
typedef struct {
    an_list meds, ctrls, mctrls, fes;
} med_lists;

static void lists_free(med_lists *l)
{
    an_list_free(&l->meds);
    an_list_free(&l->ctrls);
    an_list_free(&l->mctrls);
    an_list_free(&l->fes);
}

/* Parses argv into a; returns an exit code. */
static int parse_args(int argc, char **argv, med_args *a)
{
    const cli_option opts[] = {
        {"--data", &a->data, NULL, NULL},
        {"--treatment", &a->treatment, NULL, NULL},
        {"--mediator", &a->mediator, NULL, NULL},
        {"--mediators", &a->mediator, NULL, NULL},
        {"--outcome", &a->outcome, NULL, NULL},
        {"--controls", &a->controls, NULL, NULL},
        {"--mediator-controls", &a->mcontrols, NULL, NULL},
        {"--fe", &a->fe, NULL, NULL},
        {"--cluster", &a->cluster, NULL, NULL},
        {"--boot", &a->boot, NULL, NULL},
        {"--seed", &a->seed, NULL, NULL},
        {"--ci", &a->ci, NULL, NULL},
        {"--level", &a->level, NULL, NULL},
        {"--format", &a->format, NULL, NULL},
        {"--out", &a->out, NULL, NULL},
        {"--name", &a->name, NULL, NULL},
        {"--threads", &a->threads, NULL, NULL},
        {"--table", &a->table, NULL, NULL},
        {"--quiet", NULL, &a->quiet, NULL},
        {"--keep-singletons", NULL, &a->keep_singletons, NULL},
        {"--help", NULL, &a->help, NULL},
        {"-h", NULL, &a->help, NULL},
    };
    memset(a, 0, sizeof *a);
    return cli_parse_options(argc, argv, opts, sizeof opts / sizeof opts[0], "mediate");
}

/* The usage checks of single flags, before reading anything, into *o, *json and *threads.
 * Prints the problem; returns an exit code. */
static int check_flags(const med_args *a, gw_mediate_run_opts *o, int *json, size_t *threads)
{
    if (an_missing(a->data, 0, "--data FILE", "mediate"))
        return GW_EXIT_USAGE;
    if (a->treatment == NULL || a->mediator == NULL || a->outcome == NULL) {
        cli_error("missing --%s (try goodwork mediate --help)", a->treatment == NULL ? "treatment T"
                                                                : a->mediator == NULL
                                                                    ? "mediator M"
                                                                    : "outcome Y");
        return GW_EXIT_USAGE;
    }
    if (a->format != NULL && strcmp(a->format, "json") != 0 && strcmp(a->format, "text") != 0) {
        cli_error("bad --format '%s' (expected text or json)", a->format);
        return GW_EXIT_USAGE;
    }
    *json = a->format != NULL && strcmp(a->format, "json") == 0;
    if (a->boot != NULL && !an_parse_size(a->boot, 0, &o->boot)) {
        cli_error("bad --boot '%s' (expected a positive integer)", a->boot);
        return GW_EXIT_USAGE;
    }
    o->seed_set = a->seed != NULL;
    if (a->seed != NULL && !an_parse_u64(a->seed, &o->seed)) {
        cli_error("bad --seed '%s' (expected a non-negative integer)", a->seed);
        return GW_EXIT_USAGE;
    }
    if (a->ci != NULL) {
        static const gw_mediate_ci cis[] = {GW_MED_CI_PERCENTILE, GW_MED_CI_BCA, GW_MED_CI_DELTA};
        size_t k = 0;
        while (k < 3 && strcmp(a->ci, gw_mediate_run_ci_name(cis[k])) != 0)
            k++;
        if (k == 3) {
            cli_error("bad --ci '%s' (expected percentile, bca or delta)", a->ci);
            return GW_EXIT_USAGE;
        }
        o->ci = cis[k];
    }
    o->conf_level = 0.95;
    if (a->level != NULL && (!an_parse_double(a->level, &o->conf_level) ||
                             !(o->conf_level > 0.0 && o->conf_level < 1.0))) {
        cli_error("bad --level '%s' (expected a number in (0, 1))", a->level);
        return GW_EXIT_USAGE;
    }
    if (a->threads != NULL && !an_parse_size(a->threads, 0, threads)) {
        cli_error("bad --threads '%s' (expected a positive integer)", a->threads);
        return GW_EXIT_USAGE;
    }
    if (a->name != NULL && a->out == NULL) {
        cli_error("--name needs --out RESULTS.h5");
        return GW_EXIT_USAGE;
    }
    return GW_EXIT_OK;
}

/* Splits the list flags into l and points the spec at them. Returns an exit code. */
static int split_lists(const med_args *a, med_lists *l, gw_mediate_run_spec *sp)
{
    int rc;
    if ((rc = an_split(a->mediator, "--mediator", &l->meds)) != GW_EXIT_OK ||
        (a->controls && (rc = an_split(a->controls, "--controls", &l->ctrls)) != GW_EXIT_OK) ||
        (a->mcontrols && a->mcontrols[0] != '\0' &&
         (rc = an_split(a->mcontrols, "--mediator-controls", &l->mctrls)) != GW_EXIT_OK))
        return rc;
    if (a->fe != NULL) {
        /* "A+B" (commas accepted too). */
        char *tmp = gw_strdup(a->fe);
        if (tmp == NULL) {
            cli_error("out of memory");
            return GW_EXIT_OTHER;
        }
        for (char *p = tmp; *p; p++)
            if (*p == '+')
                *p = ',';
        rc = an_split(tmp, "--fe", &l->fes);
        gw_free(tmp);
        if (rc != GW_EXIT_OK)
            return rc;
    }
    memset(sp, 0, sizeof *sp);
    sp->outcome = a->outcome;
    sp->treatment = a->treatment;
    sp->mediators = (const char *const *)l->meds.s;
    sp->nmediators = l->meds.n;
    sp->controls = (const char *const *)l->ctrls.s;
    sp->ncontrols = l->ctrls.n;
    sp->mediator_controls = (const char *const *)l->mctrls.s;
    sp->nmediator_controls = l->mctrls.n;
    sp->separate_mediator_controls = a->mcontrols != NULL;
    sp->fe = (const char *const *)l->fes.s;
    sp->nfe = l->fes.n;
    sp->cluster = a->cluster;
    sp->fe_text = a->fe;
    return GW_EXIT_OK;
}

/* Stores r under --out with its provenance (the seed included); returns an exit code. */
static int store(const med_args *a, const gw_mediate_run *r)
{
    char hex[65];
    gw_provenance prov;
    int rc = an_provenance(a->data, 1, r->fit->seed, hex, &prov);
    if (rc != GW_EXIT_OK)
        return rc;
    gw_status s = gw_mediate_run_save(r, a->out, a->name, &prov);
    return s != GW_OK ? an_store_error(s) : GW_EXIT_OK;
}

int cmd_mediate(int argc, char **argv)
{
    med_args a;
    med_lists lists = {0};
    gw_mediate_run_spec spec;
    gw_mediate_run_opts o = {0};
    gw_mediate_run *r = NULL;
    char *text = NULL;
    size_t threads = 0;
    int json = 0;
    int rc = parse_args(argc, argv, &a);
    if (rc != GW_EXIT_OK)
        goto done;
    if (a.help) {
        rc = an_write_stdout(mediate_usage);
        goto done;
    }
    if ((rc = check_flags(&a, &o, &json, &threads)) != GW_EXIT_OK ||
        (rc = split_lists(&a, &lists, &spec)) != GW_EXIT_OK)
        goto done;
    progress_state ps = {0};
    ps.t0 = ps.last = now_s();
    ps.tty = isatty(2);
    if (!a.quiet) {
        o.progress = progress_cb;
        o.progress_ctx = &ps;
    }
    o.flags = (a.keep_singletons ? GW_MED_KEEP_SINGLETONS : 0u) |
              (a.out != NULL ? GW_MED_KEEP_REPLICATES : 0u);
    o.group = a.table;
    o.delim = cli_delim();
    gw_threads_set((int)threads);
    gw_status s = gw_mediate_run_file(a.data, &spec, &o, &r);
    if (s != GW_OK) {
        rc = an_lib_error((int)s, NULL);
        goto done;
    }
    if (gw_mediate_run_render(r, json, &text) != GW_OK) {
        cli_error("out of memory"); /* its only failure with a result in hand */
        rc = GW_EXIT_OTHER;
        goto done;
    }
    if (a.out != NULL && (rc = store(&a, r)) != GW_EXIT_OK)
        goto done;
    rc = an_write_stdout(text);
done:
    gw_free(text);
    gw_mediate_run_free(r);
    lists_free(&lists);
    return rc;
}
