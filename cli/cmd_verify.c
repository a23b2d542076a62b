/* cmd_verify.c -- goodwork verify RESULTS.h5 [--tolerance rel:X|ulps:N]: re-run every step
 * recorded under /pipeline into a temporary directory and compare each step's group, its JSON
 * (steps/NAME.json) and the tables of report.md with the stored ones (gw_pipeline_verify_ex).
 * Exit 0 when everything is reproduced bit for bit; 6 when every number is within the
 * tolerance but not all bit for bit; 5 naming the first difference beyond it (a changed input
 * file, a failed re-run, or a number, text or member that differs). The largest differences
 * (absolute, relative, ULPs, and where) are always reported, and the BLAS when the run's
 * differs from this one's. */
#define _XOPEN_SOURCE 700
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "gw_diff.h"
#include "gw_pipeline.h"
#include "pipeline.h"

static const char verify_usage[] =
    "usage: goodwork verify RESULTS.h5 [--tolerance rel:X|ulps:N] [--quiet]\n"
    "\n"
    "Re-runs the pipeline steps recorded in RESULTS.h5 (/pipeline, written by goodwork run)\n"
    "into a temporary directory and compares every dataset and attribute of each step's\n"
    "results, each step's JSON (steps/NAME.json) and the tables of report.md with the stored\n"
    "ones (the write time, command line, BLAS description, the path of a scenario's results\n"
    "file and the report's run times are not compared). Input files are first checked against\n"
    "their recorded sha256 (found beside RESULTS.h5 as recorded relative to the pipeline file,\n"
    "else at their recorded absolute path). The largest difference is always reported.\n"
    "Exit 0: every number reproduced bit for bit; 6: every number within --tolerance, not all\n"
    "bit for bit; 5: something differs beyond it (the first difference is named).\n"
    "\n"
    "options:\n"
    "  --tolerance T  rel:X (|a - b| <= X max(|a|,|b|), 0 <= X < 1) or ulps:N (at most N\n"
    "                 representable doubles apart); text, integers and structure stay exact\n"
    "  --quiet        no progress on standard error\n"
    "  --help         show this help\n";

/* What was compared and the largest differences, on standard output. */
static void print_outcome(const char *results, const char *tol_text, const gw_pipeline_result *res)
{
    char sum[4 * GW_DIFF_WHERE];
    if (res->identical)
        printf("goodwork verify: %zu steps of %s reproduced bit for bit\n", res->nsteps, results);
    else
        printf("goodwork verify: %zu steps of %s reproduced within --tolerance %s, not bit for "
               "bit\n",
               res->nsteps, results, tol_text);
    printf("  compared: every step's results, %zu of %zu steps/*.json, %s\n", res->njson,
           res->nsteps,
           res->report_checked ? "the tables of report.md" : "no report.md (none beside it)");
    printf("  %s\n", gw_diff_summary(&res->diff, sum, sizeof sum));
    if (res->blas_recorded != NULL)
        printf("  the BLAS differs: run with %s, now %s\n", res->blas_recorded,
               res->blas_now ? res->blas_now : "?");
}

int cmd_verify(int argc, char **argv)
{
    const char *results = NULL, *tol_text = NULL;
    int quiet = 0, rc = GW_EXIT_OK;
    char exe[PATH_MAX];
    gw_pipeline_verify_opts opts = {0};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(verify_usage, stdout);
            return GW_EXIT_OK;
        } else if (strcmp(argv[i], "--quiet") == 0) {
            quiet = 1;
        } else if (strcmp(argv[i], "--tolerance") == 0 && i + 1 < argc) {
            tol_text = argv[++i];
        } else if (strncmp(argv[i], "--tolerance=", 12) == 0) {
            tol_text = argv[i] + 12;
        } else if (argv[i][0] == '-' || results != NULL) {
            cli_error("verify: unexpected argument '%s' (see goodwork verify --help)", argv[i]);
            return GW_EXIT_USAGE;
        } else {
            results = argv[i];
        }
    }
    if (results == NULL) {
        cli_error("verify: which results file? (goodwork verify RESULTS.h5)");
        return GW_EXIT_USAGE;
    }
    if (tol_text != NULL && gw_tol_parse(tol_text, &opts.tol) != GW_OK) {
        cli_error("verify: --tolerance: %s", gw_last_error());
        return GW_EXIT_USAGE;
    }
    if (cli_self_exe(exe, sizeof exe) != 0)
        return GW_EXIT_OTHER;
    cli_pipeline_progress_state prog = {.label = "goodwork verify", .quiet = quiet};
    gw_pipeline_result res;
    gw_status st = gw_pipeline_verify_ex(results, exe, &opts, cli_pipeline_progress, &prog, &res);
    if (st != GW_OK) {
        cli_error("%s", gw_last_error());
        /* Every failure to reproduce (a changed input, a failed re-run, a difference) is 5. */
        if (res.stage == GW_PIPELINE_MISMATCH || res.stage == GW_PIPELINE_STEP)
            rc = GW_EXIT_VERIFY;
        else if (res.stage == GW_PIPELINE_OUTPUT)
            rc = GW_EXIT_OTHER;
        else
            rc = cli_exit_code(st);
    } else {
        print_outcome(results, tol_text, &res);
        rc = res.identical ? GW_EXIT_OK : GW_EXIT_WITHIN;
    }
    gw_pipeline_result_free(&res);
    return rc;
}
