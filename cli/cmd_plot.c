/* cmd_plot.c -- goodwork plot: coefficient and event-study plots of saved models.
 *
 *   goodwork plot coef  --results R.h5 [--models A,B] [--keep RE] [--level L] [--intercept]
 *                       --out F.svg
 *   goodwork plot event --results R.h5 --name M [--var VAR] [--ref V,..] [--level L]
 *                       [--out F.svg]
 *
 * The options translate into pipeline/gw_coefplot.h's calls, which decide and draw. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gw_alloc.h"
#include "gw_coefplot.h"
#include "gw_etable.h"
#include "gw_hdf5.h"
#include "gw_plot.h"

static const char plot_usage[] =
    "usage: goodwork plot coef  --results R.h5 [--models A,B,..] [--keep RE] [--level L]\n"
    "                           [--intercept] [--title T] --out F.svg\n"
    "       goodwork plot event --results R.h5 --name M [--var VAR] [--ref V,..] [--level L]\n"
    "                           [--title T] [--out F.svg]\n"
    "\n"
    "coef: the models' coefficients side by side on one axis, each with its interval\n"
    "(the intercept left out unless --intercept). event: the coefficients of the event-study\n"
    "terms VAR::LEVEL of model M (fixest's i(VAR, ref = v)) against LEVEL, the reference\n"
    "period marked at 0.\n"
    "\n"
    "options:\n"
    "  --results R.h5   the results file (goodwork fit --out)\n"
    "  --models A,B,..  coef: the models, in this order (default: all, in the order saved)\n"
    "  --keep RE        coef: only terms equal to RE or matching it (POSIX extended regex)\n"
    "  --intercept      coef: draw (Intercept) too\n"
    "  --name M         event: the model\n"
    "  --var VAR        event: the event variable (default: the first VAR::LEVEL term's)\n"
    "  --ref V,..       event: the reference level(s) (default: those the fit stored for\n"
    "                   VAR's i(VAR, ref = v), else the one level missing from the evenly\n"
    "                   spaced levels)\n"
    "  --level L        interval level (default: as stored, 0.95)\n"
    "  --title T        the plot's title\n"
    "  --out F.svg      the SVG file, replaced atomically (event default: event_M.svg)\n"
    "  --help           this text\n";

typedef struct {
    const char *results, *models, *keep, *name, *var, *ref, *level, *title, *out;
    int intercept;
} plot_args;

static int parse_plot_args(int argc, char **argv, int event, plot_args *a)
{
    const cli_option coef_opts[] = {
        {"--results", &a->results, NULL, NULL},    {"--models", &a->models, NULL, NULL},
        {"--keep", &a->keep, NULL, NULL},          {"--level", &a->level, NULL, NULL},
        {"--title", &a->title, NULL, NULL},        {"--out", &a->out, NULL, NULL},
        {"--intercept", NULL, &a->intercept, NULL}};
    const cli_option event_opts[] = {
        {"--results", &a->results, NULL, NULL}, {"--name", &a->name, NULL, NULL},
        {"--var", &a->var, NULL, NULL},         {"--ref", &a->ref, NULL, NULL},
        {"--level", &a->level, NULL, NULL},     {"--title", &a->title, NULL, NULL},
        {"--out", &a->out, NULL, NULL}};
    int rc = event ? cli_parse_options(argc, argv, event_opts, 7, "plot")
                   : cli_parse_options(argc, argv, coef_opts, 7, "plot");
    if (rc != GW_EXIT_OK)
        return rc;
    if (a->results == NULL) {
        cli_error("plot: --results R.h5 is required (try goodwork plot --help)");
        return GW_EXIT_USAGE;
    }
    if (event && a->name == NULL) {
        cli_error("plot event: --name MODEL is required");
        return GW_EXIT_USAGE;
    }
    if (!event && a->out == NULL) {
        cli_error("plot coef: --out F.svg is required");
        return GW_EXIT_USAGE;
    }
    return GW_EXIT_OK;
}

static int number_list(const char *name, const char *text, double *v, size_t max, size_t *n)
{
    char **items = NULL;
    size_t ni = 0;
    *n = 0;
    if (gw_etable_split_list(text, &items, &ni) != GW_OK || ni > max) {
        gw_etable_list_free(items, ni);
        cli_error("plot: %s '%s': expected at most %zu numbers", name, text, max);
        return GW_EXIT_USAGE;
    }
    for (size_t i = 0; i < ni; i++) {
        char *end;
        v[i] = strtod(items[i], &end);
        if (end == items[i] || *end != '\0') {
            cli_error("plot: %s '%s': '%s' is not a number", name, text, items[i]);
            gw_etable_list_free(items, ni);
            return GW_EXIT_USAGE;
        }
    }
    *n = ni;
    gw_etable_list_free(items, ni);
    return GW_EXIT_OK;
}

/* Reads the models of names[0..n) (all when list is NULL) into fits. */
static int read_models(gw_results *res, const char *path, char **list, size_t nlist,
                       gw_result ***fits, const char ***names, size_t *n)
{
    size_t total = gw_results_nmodels(res), want = list ? nlist : total;
    *fits = gw_calloc(want + 1, sizeof **fits);
    *names = gw_calloc(want + 1, sizeof **names);
    *n = 0;
    if (*fits == NULL || *names == NULL) {
        cli_error("out of memory");
        return GW_EXIT_OTHER;
    }
    if (want == 0) {
        cli_error("%s: holds no models", path);
        return GW_EXIT_DATA;
    }
    for (size_t i = 0; i < want; i++) {
        const char *nm = list ? list[i] : gw_results_model_name(res, i);
        gw_status s = gw_results_get(res, nm, &(*fits)[i]);
        if (s != GW_OK) {
            cli_error("%s", gw_last_error());
            return cli_exit_code(s);
        }
        (*names)[i] = nm;
        *n = i + 1;
    }
    return GW_EXIT_OK;
}

/* The reference levels stored with model name (the attribute i_ref that fits with
 * i(x, ref = v) write), into *refs; none when the model has no such attribute. */
static int stored_refs(const char *path, const char *name, char ***refs, size_t *n)
{
    size_t len = strlen(name) + sizeof "/models/";
    char *obj = gw_malloc(len);
    if (obj == NULL) {
        cli_error("out of memory");
        return GW_EXIT_OTHER;
    }
    snprintf(obj, len, "/models/%s", name);
    gw_status s = gw_h5_read_strings(path, obj, "i_ref", refs, n);
    gw_free(obj);
    if (s == GW_ENOVAR)
        return GW_EXIT_OK;
    if (s != GW_OK) {
        cli_error("%s", gw_last_error());
        return cli_exit_code(s);
    }
    return GW_EXIT_OK;
}

static int plot_level(const plot_args *a, double *level)
{
    char *end;
    *level = 0.0;
    if (a->level == NULL)
        return GW_EXIT_OK;
    *level = strtod(a->level, &end);
    if (end == a->level || *end != '\0') {
        cli_error("plot: --level '%s': expected a number such as 0.90", a->level);
        return GW_EXIT_USAGE;
    }
    return GW_EXIT_OK;
}

int cmd_plot(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(plot_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? GW_EXIT_USAGE : GW_EXIT_OK;
    }
    int event = strcmp(argv[1], "event") == 0;
    if (!event && strcmp(argv[1], "coef") != 0) {
        cli_error("plot: unknown plot '%s' (expected coef or event)", argv[1]);
        return GW_EXIT_USAGE;
    }
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0) {
            fputs(plot_usage, stdout);
            return GW_EXIT_OK;
        }
    plot_args a;
    memset(&a, 0, sizeof a);
    int rc = parse_plot_args(argc - 1, argv + 1, event, &a);
    double level = 0.0, ref[64];
    size_t nref = 0, nlist = 0, n = 0;
    char **list = NULL, **iref = NULL, out_default[512];
    size_t niref = 0;
    gw_results *res = NULL;
    gw_result **fits = NULL;
    const char **names = NULL;
    gw_status s = GW_OK;
    if (rc == GW_EXIT_OK)
        rc = plot_level(&a, &level);
    if (rc == GW_EXIT_OK && a.ref != NULL)
        rc = number_list("--ref", a.ref, ref, 64, &nref);
    if (rc == GW_EXIT_OK && a.models != NULL && gw_etable_split_list(a.models, &list, &nlist)) {
        cli_error("plot: --models: %s", gw_last_error());
        rc = GW_EXIT_USAGE;
    }
    if (rc == GW_EXIT_OK && (s = gw_results_open(a.results, &res)) != GW_OK) {
        cli_error("%s", gw_last_error());
        rc = cli_exit_code(s);
    }
    if (rc == GW_EXIT_OK) {
        char *one[1] = {(char *)(uintptr_t)a.name};
        rc = event ? read_models(res, a.results, one, 1, &fits, &names, &n)
                   : read_models(res, a.results, list, list ? nlist : 0, &fits, &names, &n);
    }
    if (rc == GW_EXIT_OK && event && nref == 0) /* --ref overrides what the fit stored */
        rc = stored_refs(a.results, a.name, &iref, &niref);
    if (rc == GW_EXIT_OK && event) {
        if (a.out == NULL)
            snprintf(out_default, sizeof out_default, "event_%s.svg", a.name);
        gw_eventplot_opts eo = {.var = a.var,
                                .ref = nref ? ref : NULL,
                                .nref = nref,
                                .level = level,
                                .title = a.title,
                                .stored_ref = (const char *const *)iref,
                                .nstored_ref = niref};
        s = gw_eventplot_write(fits[0], a.name, &eo, a.out ? a.out : out_default);
    } else if (rc == GW_EXIT_OK) {
        gw_coefplot_opts co = {a.keep, level, a.intercept, a.title};
        s = gw_coefplot_write((const gw_result *const *)fits, names, n, &co, a.out);
    }
    if (rc == GW_EXIT_OK && s != GW_OK) {
        cli_error("%s", gw_last_error());
        /* The results file was read: an I/O failure now is the plot's file (exit 1). */
        rc = s == GW_EINVAL ? GW_EXIT_USAGE : s == GW_EIO ? GW_EXIT_OTHER : cli_exit_code(s);
    }
    for (size_t i = 0; fits != NULL && i < n; i++)
        gw_result_free(fits[i]);
    gw_free(fits);
    gw_free(names);
    gw_etable_list_free(list, nlist);
    gw_h5_strings_free(iref, niref);
    gw_results_close(res);
    plot_shutdown();
    return rc;
}
