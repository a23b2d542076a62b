/* cmd_table.c -- goodwork table: saved models side by side.
 *
 *   goodwork table RESULTS.h5 [--models A,B,..] [--format F] [--out FILE] [table options]
 *
 * The options translate into gw_etable_opts (io/gw_etable.h), which decides everything; the
 * table goes to standard output only once it is complete, or to --out atomically. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_util.h"
#include "cli.h"
#include "gw_alloc.h"
#include "gw_etable.h"
#include "gw_hdf5.h"
#include "gw_output.h"
#include "gw_strbuf.h"

static const char table_usage[] =
    "usage: goodwork table RESULTS.h5 [--models A,B,..] [--format F] [--out FILE] [options]\n"
    "\n"
    "Prints the models saved in RESULTS.h5 side by side: column numbers, model names, the\n"
    "dependent variable and the estimator; coefficients with standard errors in parentheses\n"
    "beneath and significance stars (*** p<0.01, ** p<0.05, * p<0.1); fixed effects; the\n"
    "variance (Clustered (worker), ...), N, R2 and within R2 per model.\n"
    "\n"
    "options:\n"
    "  --models A,B,..     the models to show, in this order (default: all, in the order saved)\n"
    "  --format F          text (default), markdown, latex (booktabs), csv, html or json\n"
    "  --out FILE          write FILE (replaced atomically) instead of standard output; the\n"
    "                      format from its extension (.txt .md .tex .csv .html .json) unless\n"
    "                      --format is given\n"
    "  --rename a=b,..     show term a as b\n"
    "  --labels FILE       a CSV with a header row: term name, label (--rename wins)\n"
    "  --keep P,..         only terms matching a pattern: a name, or a POSIX extended\n"
    "                      regular expression found in it (^year:: for i(year))\n"
    "  --drop P,..         leave out the terms matching a pattern\n"
    "  --order P,..        terms matching the first pattern first, then the second, ...\n"
    "  --stats S,..        statistic rows, in order: n, n_clusters, df, r2, adj_r2, r2_within,\n"
    "                      pseudo_r2, loglik, aic, bic, f, rmse, first_stage_f, mean_y\n"
    "                      (default: n, r2, and r2_within when a model has it)\n"
    "  --se | --tstat | --ci   beneath each estimate: standard error (default), t statistic,\n"
    "                      or confidence interval\n"
    "  --level L           the level of --ci intervals (default: as stored, 0.95)\n"
    "  --digits N          significant digits (default 4); rN: N decimals\n"
    "  --stars T,..        p-value thresholds (default 0.1,0.05,0.01; none: no stars)\n"
    "  --add-row \"L: a, b\" a row labelled L with one value per model (repeatable)\n"
    "  --title T           a title (LaTeX: a table float with \\caption)\n"
    "  --notes T           a note under the table\n"
    "  --help              this text\n";

/* The values of the options, as typed. */
typedef struct {
    const char *path, *models, *format, *out, *rename, *labels, *keep, *drop, *order, *stats;
    const char *level, *digits, *stars, *title, *notes;
    const char **add_rows;
    size_t nadd;
    int below_set;
    gw_etable_below below;
} table_args;

static int parse_args(int argc, char **argv, table_args *a)
{
    const struct {
        const char *name;
        const char **slot;
    } vals[] = {{"--models", &a->models}, {"--format", &a->format}, {"--out", &a->out},
                {"--rename", &a->rename}, {"--labels", &a->labels}, {"--keep", &a->keep},
                {"--drop", &a->drop},     {"--order", &a->order},   {"--stats", &a->stats},
                {"--level", &a->level},   {"--digits", &a->digits}, {"--stars", &a->stars},
                {"--title", &a->title},   {"--notes", &a->notes}};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *v = NULL;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(table_usage, stdout);
            return -1;
        }
        int matched = 0;
        for (size_t k = 0; k < sizeof vals / sizeof vals[0] && !matched; k++)
            if (cli_option_at(argc, argv, &i, vals[k].name, &v)) {
                matched = 1;
                if (v == NULL) {
                    cli_error("table: %s needs a value", vals[k].name);
                    return GW_EXIT_USAGE;
                }
                if (cli_option_value(vals[k].name, vals[k].slot, v, NULL, "table") != GW_EXIT_OK)
                    return GW_EXIT_USAGE;
            }
        if (!matched && cli_option_at(argc, argv, &i, "--add-row", &v)) {
            if (v == NULL) {
                cli_error("table: --add-row needs a value");
                return GW_EXIT_USAGE;
            }
            a->add_rows[a->nadd++] = v;
            matched = 1;
        }
        const char *sw[] = {"--se", "--tstat", "--ci"};
        for (size_t k = 0; k < 3 && !matched; k++)
            if (strcmp(arg, sw[k]) == 0) {
                if (a->below_set && a->below != (gw_etable_below)k) {
                    cli_error("table: --se, --tstat and --ci exclude each other");
                    return GW_EXIT_USAGE;
                }
                a->below = (gw_etable_below)k;
                a->below_set = matched = 1;
            }
        if (matched)
            continue;
        if (arg[0] == '-' && arg[1] != '\0') {
            cli_error("table: unknown option '%s' (try goodwork table --help)", arg);
            return GW_EXIT_USAGE;
        } else if (a->path == NULL) {
            a->path = arg;
        } else {
            cli_error("table: more than one results file ('%s', '%s')", a->path, arg);
            return GW_EXIT_USAGE;
        }
    }
    if (a->path == NULL) {
        cli_error("table: expected a RESULTS.h5 file (try goodwork table --help)");
        return GW_EXIT_USAGE;
    }
    return GW_EXIT_OK;
}

/* What the options own once translated. */
typedef struct {
    gw_etable_opts o;
    gw_etable_format fmt;
    double stars[GW_ETABLE_MAXSTARS];
    char **rename, **labels, **keep, **drop, **order, **stats;
    size_t nrename, nlabels, nkeep, ndrop, norder, nstats;
    const char **pairs; /* rename pairs, then label pairs */
} table_opts;

static void table_opts_free(table_opts *t)
{
    gw_etable_labels_free(t->rename, t->nrename);
    gw_etable_labels_free(t->labels, t->nlabels);
    gw_etable_list_free(t->keep, t->nkeep);
    gw_etable_list_free(t->drop, t->ndrop);
    gw_etable_list_free(t->order, t->norder);
    gw_etable_list_free(t->stats, t->nstats);
    gw_free(t->pairs);
}

/* A number option: the whole text must be a number. */
static int number_arg(const char *name, const char *text, double *v)
{
    char *end;
    *v = strtod(text, &end);
    if (end == text || *end != '\0') {
        cli_error("table: %s '%s': expected a number", name, text);
        return 0;
    }
    return 1;
}

/* Translates a into t->o; prints the problem and returns the exit code on failure. */
static int make_opts(const table_args *a, table_opts *t)
{
    gw_status s = GW_OK;
    t->o.below = a->below;
    t->o.add_rows = a->add_rows;
    t->o.nadd_rows = a->nadd;
    t->o.title = a->title;
    t->o.notes = a->notes;
    if (a->format != NULL)
        s = gw_etable_format_parse(a->format, &t->fmt);
    else if (a->out != NULL)
        s = gw_etable_format_from_path(a->out, &t->fmt);
    else
        t->fmt = GW_ETABLE_TEXT;
    if (s == GW_OK && a->stars != NULL &&
        (s = gw_etable_stars_parse(a->stars, t->stars, &t->o.nstars)) == GW_OK)
        t->o.stars = t->stars;
    const struct {
        const char *text;
        char ***items;
        size_t *n;
    } lists[] = {{a->keep, &t->keep, &t->nkeep},
                 {a->drop, &t->drop, &t->ndrop},
                 {a->order, &t->order, &t->norder},
                 {a->stats, &t->stats, &t->nstats}};
    for (size_t k = 0; s == GW_OK && k < 4; k++)
        if (lists[k].text != NULL)
            s = gw_etable_split_list(lists[k].text, lists[k].items, lists[k].n);
    if (s == GW_OK && a->rename != NULL)
        s = gw_etable_rename_parse(a->rename, &t->rename, &t->nrename);
    if (s != GW_OK) {
        cli_error("table: %s", gw_last_error());
        return cli_exit_code(s);
    }
    if (a->labels != NULL && (s = gw_etable_labels_read(a->labels, &t->labels, &t->nlabels))) {
        cli_error("%s", gw_last_error());
        return s == GW_EINVAL ? GW_EXIT_USAGE : cli_exit_code(s);
    }
    size_t np = t->nrename + t->nlabels;
    if ((t->pairs = gw_calloc(2 * np + 1, sizeof *t->pairs)) == NULL) {
        cli_error("out of memory");
        return GW_EXIT_OTHER;
    }
    for (size_t i = 0; i < 2 * t->nrename; i++)
        t->pairs[i] = t->rename[i];
    for (size_t i = 0; i < 2 * t->nlabels; i++)
        t->pairs[2 * t->nrename + i] = t->labels[i];
    t->o.rename = t->pairs;
    t->o.nrename = np;
    t->o.keep = (const char *const *)t->keep;
    t->o.nkeep = t->nkeep;
    t->o.drop = (const char *const *)t->drop;
    t->o.ndrop = t->ndrop;
    t->o.order = (const char *const *)t->order;
    t->o.norder = t->norder;
    if (a->stats != NULL) {
        t->o.stats = (const char *const *)t->stats;
        t->o.nstats = t->nstats;
    }
    double v;
    if (a->level != NULL) {
        if (!number_arg("--level", a->level, &v))
            return GW_EXIT_USAGE;
        t->o.level = v;
    }
    if (a->digits != NULL) {
        const char *d = a->digits;
        t->o.fixed = d[0] == 'r';
        if (!number_arg("--digits", d + t->o.fixed, &v))
            return GW_EXIT_USAGE;
        if (!(v >= 1 && v <= 15 && v == (int)v)) {
            cli_error("table: --digits '%s': expected 1 to 15 (or r1 to r15)", d);
            return GW_EXIT_USAGE;
        }
        t->o.digits = (int)v;
    }
    return GW_EXIT_OK;
}

int cmd_table(int argc, char **argv)
{
    int rc = GW_EXIT_OK;
    gw_results *res = NULL;
    gw_result **fits = NULL;
    const char **names = NULL;
    char *list = NULL, *text = NULL;
    size_t n = 0;
    gw_status s;
    table_args a;
    table_opts t;
    memset(&a, 0, sizeof a);
    memset(&t, 0, sizeof t);
    a.add_rows = gw_calloc((size_t)argc + 1, sizeof *a.add_rows);
    if (a.add_rows == NULL) {
        cli_error("out of memory");
        return GW_EXIT_OTHER;
    }
    if ((rc = parse_args(argc, argv, &a)) != GW_EXIT_OK || (rc = make_opts(&a, &t)) != GW_EXIT_OK) {
        rc = rc < 0 ? GW_EXIT_OK : rc;
        goto done;
    }
    const char *path = a.path, *models_arg = a.models;
    if ((s = gw_results_open(path, &res)) != GW_OK) {
        cli_error("%s", gw_last_error());
        rc = cli_exit_code(s);
        goto done;
    }
    size_t total = gw_results_nmodels(res);
    size_t cap = total;
    if (models_arg != NULL) {
        cap = 1;
        for (const char *p = models_arg; *p; p++)
            cap += *p == ',';
    }
    fits = gw_calloc(cap ? cap : 1, sizeof *fits);
    names = gw_calloc(cap ? cap : 1, sizeof *names);
    if (fits == NULL || names == NULL || (models_arg && (list = gw_strdup(models_arg)) == NULL)) {
        cli_error("out of memory");
        rc = GW_EXIT_OTHER;
        goto done;
    }
    if (models_arg == NULL) {
        for (size_t i = 0; i < total; i++)
            names[n++] = gw_results_model_name(res, i);
    } else {
        for (char *tok = list, *next; tok != NULL; tok = next) {
            next = strchr(tok, ',');
            if (next != NULL)
                *next++ = '\0';
            if (*tok == '\0') {
                cli_error("table: empty name in --models '%s'", models_arg);
                rc = GW_EXIT_USAGE;
                goto done;
            }
            names[n++] = tok;
        }
    }
    if (n == 0) {
        cli_error("%s: holds no models", path);
        rc = GW_EXIT_DATA;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if ((s = gw_results_get(res, names[i], &fits[i])) != GW_OK) {
            if (s == GW_ENOVAR) {
                /* Name the models that do exist, so the user can pick. */
                char avail[1024] = "";
                size_t len = 0;
                for (size_t j = 0; j < total && len + 2 < sizeof avail; j++)
                    len += (size_t)snprintf(avail + len, sizeof avail - len, "%s%s", j ? ", " : "",
                                            gw_results_model_name(res, j));
                cli_error("%s (it has: %s)", gw_last_error(), total ? avail : "none");
            } else {
                cli_error("%s", gw_last_error());
            }
            rc = cli_exit_code(s);
            goto done;
        }
    }
    s = gw_etable_render_ex((const gw_result *const *)fits, names, n, t.fmt, &t.o, &text);
    if (s != GW_OK) {
        cli_error("%s", gw_last_error());
        rc = s == GW_EINVAL ? GW_EXIT_USAGE : cli_exit_code(s);
        goto done;
    }
    if (a.out != NULL) {
        if ((s = gw_etable_write_file(a.out, text)) != GW_OK) {
            cli_error("%s", gw_last_error());
            rc = GW_EXIT_OTHER;
        }
        goto done;
    }
    rc = an_write_stdout(text);
done:
    for (size_t i = 0; fits != NULL && i < n; i++)
        gw_result_free(fits[i]);
    gw_free(fits);
    gw_free(names);
    gw_free(list);
    gw_free(text);
    gw_results_close(res);
    table_opts_free(&t);
    gw_free(a.add_rows);
    return rc;
}
