/* cmd_test.c -- goodwork test: Wald tests and linear combinations of a stored model
 * (api/gw_wald.h does the work; this file reads the command line, the model, and prints). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_util.h"
#include "cli.h"
#include "gw_alloc.h"
#include "gw_hdf5.h"
#include "gw_result.h"
#include "gw_wald.h"

static const char test_usage[] =
    "usage: goodwork test --results R.h5 --name M [RESTRICTION ...] [--lincom EXPR ...]\n"
    "\n"
    "Joint Wald test of linear restrictions on a stored model's coefficients, with the fit's\n"
    "own variance: F(m, df) when the fit used t inference, chi2(m) when it used z (GLMs).\n"
    "\n"
    "  RESTRICTION          e.g. \"x1 = x2\", \"x3 = 0\", \"2*x1 + x2 = 1\" (coefficients by\n"
    "                       the names the fit prints, numbers, + - *, one =; no = means = 0)\n"
    "  --results R.h5       the results file (goodwork fit --out)\n"
    "  --name M             the model (default: the file's only model)\n"
    "  --lincom EXPR        a linear combination (e.g. \"x1 + x2\") with its standard error,\n"
    "                       test against 0 and interval; may be repeated\n"
    "  --level L            interval level of --lincom, in (0, 1) (default 0.95)\n"
    "  --format F           text (default) or json\n"
    "  --help               show this help\n"
    "\n"
    "Exit codes: 0 success, 2 usage (bad option, unknown model or coefficient, a restriction\n"
    "that does not parse), 3 unreadable results file, 4 numerical (dependent restrictions,\n"
    "singular variance), 1 anything else.\n";

typedef struct {
    const char *results, *name, *level, *format;
    const char **restr; /* positional arguments */
    size_t m;
    const char **lincom; /* --lincom values */
    size_t nlincom;
    int help;
} test_args;

/* Positional restrictions and repeated --lincom into a (arrays sized argc, owned by a). */
static int parse_args(int argc, char **argv, test_args *a)
{
    a->restr = gw_calloc((size_t)argc, sizeof *a->restr);
    a->lincom = gw_calloc((size_t)argc, sizeof *a->lincom);
    if (a->restr == NULL || a->lincom == NULL) {
        cli_error("out of memory");
        return GW_EXIT_OTHER;
    }
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            a->help = 1;
            continue;
        }
        const struct {
            const char *name;
            const char **slot;
        } one[] = {{"--results", &a->results},
                   {"--name", &a->name},
                   {"--level", &a->level},
                   {"--format", &a->format}};
        int done = 0;
        for (size_t k = 0; k < sizeof one / sizeof one[0] && !done; k++) {
            if (!cli_option_at(argc, argv, &i, one[k].name, &v))
                continue;
            done = 1;
            if (v == NULL) {
                cli_error("%s needs a value", one[k].name);
                return GW_EXIT_USAGE;
            }
            if (cli_option_value(one[k].name, one[k].slot, v, NULL, "test") != GW_EXIT_OK)
                return GW_EXIT_USAGE;
        }
        if (done)
            continue;
        if (cli_option_at(argc, argv, &i, "--lincom", &v)) {
            if (v == NULL) {
                cli_error("--lincom needs a value");
                return GW_EXIT_USAGE;
            }
            a->lincom[a->nlincom++] = v;
        } else if (strncmp(arg, "--", 2) == 0) {
            cli_error("unknown option '%s' (try goodwork test --help)", arg);
            return GW_EXIT_USAGE;
        } else {
            a->restr[a->m++] = arg;
        }
    }
    return GW_EXIT_OK;
}

/* --level L: a number in (0, 1), nothing after it. */
static int parse_level(const char *s, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !(v > 0.0 && v < 1.0))
        return 0;
    *out = v;
    return 1;
}

int cli_read_model(const char *path, const char *name, gw_result **out, char **used)
{
    gw_results *res = NULL;
    gw_status s = gw_results_open(path, &res);
    if (s != GW_OK)
        return an_lib_error((int)s, NULL);
    int rc = GW_EXIT_OK;
    if (name == NULL && gw_results_nmodels(res) != 1) {
        cli_error("%s holds %zu models: choose one with --name", path, gw_results_nmodels(res));
        rc = GW_EXIT_USAGE;
    } else {
        if (name == NULL)
            name = gw_results_model_name(res, 0);
        if ((*used = gw_strdup(name)) == NULL) {
            cli_error("out of memory");
            rc = GW_EXIT_OTHER;
        } else if ((s = gw_results_get(res, name, out)) != GW_OK) {
            if (s == GW_ENOVAR) {
                cli_error("no model '%s' in %s (models:", name, path);
                for (size_t k = 0; k < gw_results_nmodels(res); k++)
                    fprintf(stderr, " %s", gw_results_model_name(res, k));
                fprintf(stderr, ")\n");
                rc = GW_EXIT_USAGE;
            } else {
                rc = an_lib_error((int)s, NULL);
            }
        }
    }
    gw_results_close(res);
    return rc;
}

static int run(const test_args *a, double level, int json)
{
    gw_result *r = NULL;
    gw_wald w;
    gw_lincom *lc = gw_calloc(a->nlincom ? a->nlincom : 1, sizeof *lc);
    char *text = NULL, *name = NULL;
    gw_status s = GW_OK;
    int rc = lc != NULL ? cli_read_model(a->results, a->name, &r, &name) : GW_EXIT_OTHER;
    if (lc == NULL)
        cli_error("out of memory");
    if (rc == GW_EXIT_OK && a->m > 0 && (s = gw_wald_test(r, a->restr, a->m, &w)) != GW_OK)
        rc = an_lib_error((int)s, NULL);
    for (size_t i = 0; rc == GW_EXIT_OK && i < a->nlincom; i++)
        if ((s = gw_lincom_compute(r, a->lincom[i], level, &lc[i])) != GW_OK)
            rc = an_lib_error((int)s, NULL);
    if (rc == GW_EXIT_OK) {
        gw_wald_report rep = {name, a->restr, a->m, &w, a->lincom, lc, a->nlincom};
        if ((s = gw_wald_render(&rep, json, &text)) != GW_OK)
            rc = an_lib_error((int)s, NULL);
    }
    if (rc == GW_EXIT_OK)
        rc = an_write_stdout(text);
    gw_free(text);
    gw_free(name);
    gw_free(lc);
    gw_result_free(r);
    return rc;
}

int cmd_test(int argc, char **argv)
{
    test_args a;
    memset(&a, 0, sizeof a);
    double level = 0.95;
    int json = 0;
    int rc = parse_args(argc, argv, &a);
    if (rc == GW_EXIT_OK && a.help) {
        fputs(test_usage, stdout);
    } else if (rc == GW_EXIT_OK) {
        if (a.results == NULL) {
            cli_error("missing --results R.h5 (try goodwork test --help)");
            rc = GW_EXIT_USAGE;
        } else if (a.m == 0 && a.nlincom == 0) {
            cli_error("nothing to test: give restrictions (\"x1 = x2\") or --lincom EXPR");
            rc = GW_EXIT_USAGE;
        } else if (a.level != NULL && !parse_level(a.level, &level)) {
            cli_error("bad --level '%s' (expected a number between 0 and 1, e.g. 0.9)", a.level);
            rc = GW_EXIT_USAGE;
        } else if (a.format != NULL && strcmp(a.format, "text") != 0 &&
                   strcmp(a.format, "json") != 0) {
            cli_error("bad --format '%s' (expected text or json)", a.format);
            rc = GW_EXIT_USAGE;
        } else {
            json = a.format != NULL && strcmp(a.format, "json") == 0;
            rc = run(&a, level, json);
        }
    }
    gw_free(a.restr);
    gw_free(a.lincom);
    return rc;
}
