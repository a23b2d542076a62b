/* cmd_diff.c -- goodwork diff: what changed between two results files.
 *
 *   goodwork diff A.h5 B.h5 [--tolerance rel:X|abs:X|ulps:N] [--format text|json] [--brief]
 *
 * The comparison is the library's (api/gw_diff.h). Exit 0 when the files hold the same objects
 * with the same results, GW_EXIT_VERIFY (5, "a stored result differs") when anything differs,
 * and the usual codes for errors (a missing file is 3). */
#include <stdio.h>
#include <string.h>

#include "analysis_util.h"
#include "cli.h"
#include "gw_alloc.h"
#include "gw_filediff.h"

static const char diff_usage[] =
    "usage: goodwork diff A.h5 B.h5 [--tolerance rel:X|abs:X|ulps:N] [--format text|json] "
    "[--brief]\n"
    "\n"
    "Compares two results files object by object (models, index, communities, synergy,\n"
    "mediation, scenarios, the pipeline record): only in A, only in B, equal, or changed; for a\n"
    "changed object, each of its tables (goodwork export) with its rows in A and B, the rows only\n"
    "in one file, and per column the rows that differ with the largest absolute and relative\n"
    "difference and where. Provenance (times, command lines, BLAS, seeds) is not compared.\n"
    "\n"
    "  --tolerance T   rel:X, abs:X and/or ulps:N (comma separated): numbers that close count\n"
    "                  as equal (default: bit for bit)\n"
    "  --format F      text (default) or json\n"
    "  --brief         text: one line per changed table instead of one per column\n"
    "  --help          this text\n"
    "\n"
    "exit status: 0 equal, 5 different, 2 usage, 3 a file missing or unreadable, 1 other.\n";

int cmd_diff(int argc, char **argv)
{
    const char *files[2] = {NULL, NULL}, *fmt = "text";
    size_t nfiles = 0;
    int brief = 0;
    gw_filediff_opts opts = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(diff_usage, stdout);
            return GW_EXIT_OK;
        } else if (strcmp(a, "--brief") == 0) {
            brief = 1;
        } else if (strcmp(a, "--tolerance") == 0 || strcmp(a, "--format") == 0) {
            if (i + 1 >= argc) {
                cli_error("diff: %s needs a value", a);
                return GW_EXIT_USAGE;
            }
            const char *v = argv[++i];
            if (a[2] == 'f') {
                fmt = v;
            } else if (gw_filediff_parse_tolerance(v, &opts) != GW_OK) {
                cli_error("diff: %s", gw_last_error());
                return GW_EXIT_USAGE;
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            cli_error("diff: unknown option '%s' (try goodwork diff --help)", a);
            return GW_EXIT_USAGE;
        } else if (nfiles < 2) {
            files[nfiles++] = a;
        } else {
            cli_error("diff: unexpected argument '%s'", a);
            return GW_EXIT_USAGE;
        }
    }
    if (nfiles < 2) {
        cli_error("diff: needs two results files (try goodwork diff --help)");
        return GW_EXIT_USAGE;
    }
    if (strcmp(fmt, "text") != 0 && strcmp(fmt, "json") != 0) {
        cli_error("diff: bad --format '%s' (expected text or json)", fmt);
        return GW_EXIT_USAGE;
    }
    gw_filediff *d = NULL;
    char *text = NULL;
    gw_status s = gw_filediff_files(files[0], files[1], &opts, &d);
    if (s == GW_OK && brief && strcmp(fmt, "text") == 0)
        s = gw_filediff_render_brief(d, &text);
    else if (s == GW_OK)
        s = gw_filediff_render(d, strcmp(fmt, "json") == 0 ? GW_OUT_JSON : GW_OUT_TEXT, &text);
    if (s != GW_OK) {
        cli_error("%s", gw_last_error());
        gw_filediff_free(d);
        /* Reading: a file that cannot be read is a data error whatever the status says. */
        return s == GW_ENOMEM ? GW_EXIT_OTHER : s == GW_EINVAL ? GW_EXIT_USAGE : GW_EXIT_DATA;
    }
    int rc = an_write_stdout(text);
    if (rc == GW_EXIT_OK && !d->equal)
        rc = GW_EXIT_VERIFY;
    gw_free(text);
    gw_filediff_free(d);
    return rc;
}
