/* cmd_export.c -- goodwork export: a stored model or analysis as a tidy table.
 *
 *   goodwork export RESULTS.h5                      list the objects and their parts
 *   goodwork export RESULTS.h5 NAME [--part P] [--format csv|json] [--out PATH]
 *
 * The tables are the library's (api/gw_tidy.h); this file parses the flags, prints and writes.
 * --out writes through a temporary file renamed into place, as every goodwork output. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "analysis_util.h"
#include "cli.h"
#include "gw_alloc.h"
#include "gw_csv.h"
#include "gw_tidy.h"

static const char export_usage[] =
    "usage: goodwork export RESULTS.h5 [NAME] [--part PART] [--format csv|json] [--out PATH]\n"
    "\n"
    "Writes a model or an analysis stored in RESULTS.h5 as a tidy table: one row per\n"
    "coefficient (term, estimate, std_error, statistic, p_value, ci_low, ci_high), per area\n"
    "(index, cluster), per area and outcome (scenario), ... with the identifying columns first.\n"
    "Without NAME, lists the objects of the file with their kind, rows and parts.\n"
    "\n"
    "  NAME          a model or analysis: life_sat, models/life_sat, analyses/good_work, pipeline\n"
    "  --part PART   another table of the object: vcov, glance (its attributes as one row),\n"
    "                weights (index), profiles, silhouette, transitions (cluster), national,\n"
    "                by/VAR, draws (scenario), replicates (mediate), a sub-model\n"
    "  --format F    csv (default) or json (an array of one object per row)\n"
    "  --out PATH    write to PATH (replaced atomically) instead of standard output\n"
    "  --help        this text\n";

/* The listing: one line per object, "NAME  KIND  ROWS rows  parts: a, b". */
static int list_objects(const char *file)
{
    gw_tidy_object *o = NULL;
    size_t n = 0;
    gw_status s = gw_tidy_list(file, &o, &n);
    if (s != GW_OK) {
        cli_error("%s", gw_last_error());
        return s == GW_ENOMEM ? GW_EXIT_OTHER : GW_EXIT_DATA;
    }
    size_t w = 4;
    for (size_t i = 0; i < n; i++)
        w = strlen(o[i].name) > w ? strlen(o[i].name) : w;
    int rc = GW_EXIT_OK;
    for (size_t i = 0; i < n && rc == GW_EXIT_OK; i++) {
        char line[2048];
        int len = snprintf(line, sizeof line, "%-*s  %-8s  %6zu rows  parts:", (int)w, o[i].name,
                           gw_tidy_kind_name(o[i].kind), o[i].rows);
        for (size_t p = 0; p < o[i].nparts && len > 0 && (size_t)len < sizeof line; p++)
            len += snprintf(line + len, sizeof line - (size_t)len, "%s %s", p ? "," : "",
                            o[i].parts[p]);
        if (printf("%s\n", line) < 0)
            rc = GW_EXIT_OTHER;
    }
    if (n == 0 && printf("%s holds no models or analyses\n", file) < 0)
        rc = GW_EXIT_OTHER;
    gw_tidy_list_free(o, n);
    if (rc != GW_EXIT_OK || fflush(stdout) != 0) {
        cli_error("cannot write to standard output");
        return GW_EXIT_OTHER;
    }
    return rc;
}

static int export_one(const char *file, const char *name, const char *part, int json,
                      const char *out)
{
    gw_table *t = NULL;
    char *text = NULL;
    gw_status s = gw_tidy_read(file, name, part, &t, NULL);
    if (s != GW_OK) {
        cli_error("%s", gw_last_error());
        /* An object or part the file does not have is a usage error (exit 2) like an unknown
         * model of goodwork table; an unreadable file is a data error. */
        return s == GW_ENOMEM ? GW_EXIT_OTHER : cli_exit_code(s);
    }
    if (out != NULL && !json)
        s = gw_csv_write_file(t, out);
    else
        s = gw_tidy_render(t, json ? GW_OUT_JSON : GW_OUT_CSV, &text);
    gw_table_free(t);
    int rc = GW_EXIT_OK;
    if (s != GW_OK) {
        cli_error("%s", gw_last_error());
        rc = s == GW_ENONFINITE ? GW_EXIT_DATA : GW_EXIT_OTHER;
    } else if (text != NULL) {
        rc = out != NULL ? an_write_file(out, text, "export") : an_write_stdout(text);
    }
    gw_free(text);
    return rc;
}

int cmd_export(int argc, char **argv)
{
    const char *pos[2] = {NULL, NULL}, *part = NULL, *out = NULL, *fmt = "csv";
    size_t npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(export_usage, stdout);
            return GW_EXIT_OK;
        } else if (strcmp(a, "--part") == 0 || strcmp(a, "--format") == 0 ||
                   strcmp(a, "--out") == 0) {
            if (i + 1 >= argc) {
                cli_error("export: %s needs a value", a);
                return GW_EXIT_USAGE;
            }
            const char **dst = a[2] == 'p' ? &part : a[2] == 'f' ? &fmt : &out;
            *dst = argv[++i];
        } else if (a[0] == '-' && a[1] != '\0') {
            cli_error("export: unknown option '%s' (try goodwork export --help)", a);
            return GW_EXIT_USAGE;
        } else if (npos < 2) {
            pos[npos++] = a;
        } else {
            cli_error("export: unexpected argument '%s'", a);
            return GW_EXIT_USAGE;
        }
    }
    if (npos == 0) {
        cli_error("export: missing RESULTS.h5 (try goodwork export --help)");
        return GW_EXIT_USAGE;
    }
    if (strcmp(fmt, "csv") != 0 && strcmp(fmt, "json") != 0) {
        cli_error("export: bad --format '%s' (expected csv or json)", fmt);
        return GW_EXIT_USAGE;
    }
    if (npos == 1) {
        if (part != NULL || out != NULL) {
            cli_error("export: %s needs NAME", part != NULL ? "--part" : "--out");
            return GW_EXIT_USAGE;
        }
        return list_objects(pos[0]);
    }
    return export_one(pos[0], pos[1], part, strcmp(fmt, "json") == 0, out);
}
