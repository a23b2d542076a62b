/* cmd_table.c -- goodwork table: saved models side by side.
 *
 *   goodwork table RESULTS.h5 [--models A,B,..] [--format text|markdown|latex|csv|json]
 *
 * The table goes to standard output only once it is complete. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "gw_alloc.h"
#include "gw_etable.h"
#include "gw_hdf5.h"
#include "gw_output.h"

static const char table_usage[] =
    "usage: goodwork table RESULTS.h5 [--models A,B,..] [--format F]\n"
    "\n"
    "Prints the models saved in RESULTS.h5 side by side: coefficients with standard errors in\n"
    "parentheses beneath, significance stars (*** p<0.01, ** p<0.05, * p<0.1), fixed effects,\n"
    "variance type, N, R2 and within R2 per model.\n"
    "\n"
    "options:\n"
    "  --models A,B,..  the models to show, in this order (default: all, in the order saved)\n"
    "  --format F       text (default), markdown, latex (booktabs), csv or json\n"
    "  --help           this text\n";

int cmd_table(int argc, char **argv)
{
    const char *path = NULL, *models_arg = NULL, *format = NULL;
    int rc = GW_EXIT_OK;
    gw_results *res = NULL;
    gw_result **fits = NULL;
    const char **names = NULL;
    char *list = NULL, *text = NULL;
    size_t n = 0;
    gw_status s;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(table_usage, stdout);
            return GW_EXIT_OK;
        } else if (strcmp(a, "--models") == 0 || strcmp(a, "--format") == 0) {
            if (i + 1 >= argc) {
                cli_error("table: %s needs a value", a);
                return GW_EXIT_USAGE;
            }
            int is_models = strcmp(a, "--models") == 0;
            if (cli_option_value(a, is_models ? &models_arg : &format, argv[++i], NULL, "table") !=
                GW_EXIT_OK)
                return GW_EXIT_USAGE;
        } else if (strncmp(a, "--models=", 9) == 0 || strncmp(a, "--format=", 9) == 0) {
            int is_models = a[2] == 'm';
            if (cli_option_value(is_models ? "--models" : "--format",
                                 is_models ? &models_arg : &format, a + 9, NULL,
                                 "table") != GW_EXIT_OK)
                return GW_EXIT_USAGE;
        } else if (a[0] == '-' && a[1] != '\0') {
            cli_error("table: unknown option '%s' (try goodwork table --help)", a);
            return GW_EXIT_USAGE;
        } else if (path == NULL) {
            path = a;
        } else {
            cli_error("table: more than one results file ('%s', '%s')", path, a);
            return GW_EXIT_USAGE;
        }
    }
    if (path == NULL) {
        cli_error("table: expected a RESULTS.h5 file (try goodwork table --help)");
        return GW_EXIT_USAGE;
    }
    if (format == NULL)
        format = "text";
    gw_output_format fmt;
    if (gw_output_format_parse(format, &fmt) != GW_OK) {
        cli_error("table: %s", gw_last_error());
        return GW_EXIT_USAGE;
    }
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
    if ((s = gw_etable_render((const gw_result *const *)fits, names, n, fmt, &text)) != GW_OK) {
        cli_error("%s", gw_last_error());
        rc = cli_exit_code(s);
        goto done;
    }
    fputs(text, stdout);
    if (fflush(stdout) != 0) {
        cli_error("cannot write to standard output");
        rc = GW_EXIT_OTHER;
    }
done:
    for (size_t i = 0; fits != NULL && i < n; i++)
        gw_result_free(fits[i]);
    gw_free(fits);
    gw_free(names);
    gw_free(list);
    gw_free(text);
    gw_results_close(res);
    return rc;
}
