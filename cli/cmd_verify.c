/* cmd_verify.c -- goodwork verify RESULTS.h5: re-run every step recorded under /pipeline into a
 * temporary results file and compare each step's group with the stored one bit for bit.
 * Exit 0 when everything is reproduced; 5 naming the first step that differs (a changed input
 * file, a failed re-run, or the first dataset/attribute that differs). */
#define _XOPEN_SOURCE 700
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "gw_pipeline.h"
#include "pipeline.h"

static const char verify_usage[] =
    "usage: goodwork verify RESULTS.h5 [--quiet]\n"
    "\n"
    "Re-runs the pipeline steps recorded in RESULTS.h5 (/pipeline, written by goodwork run)\n"
    "into a temporary file and compares every dataset and attribute of each step's results bit\n"
    "for bit (the write time, command line, BLAS description and the path of a scenario's\n"
    "results file are not compared). Input files\n"
    "are first checked against their recorded sha256.\n"
    "Exit 0: every stored number reproduced; 5: the first step that differs is named.\n"
    "\n"
    "options:\n"
    "  --quiet   no progress on standard error\n"
    "  --help    show this help\n";

int cmd_verify(int argc, char **argv)
{
    const char *results = NULL;
    int quiet = 0, rc = GW_EXIT_OK;
    char exe[PATH_MAX];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(verify_usage, stdout);
            return GW_EXIT_OK;
        } else if (strcmp(argv[i], "--quiet") == 0) {
            quiet = 1;
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
    if (cli_self_exe(exe, sizeof exe) != 0)
        return GW_EXIT_OTHER;
    cli_pipeline_progress_state prog = {.label = "goodwork verify", .quiet = quiet};
    gw_pipeline_result res;
    gw_status st = gw_pipeline_verify(results, exe, cli_pipeline_progress, &prog, &res);
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
        printf("goodwork verify: %zu steps of %s reproduced bit for bit\n", res.nsteps, results);
    }
    gw_pipeline_result_free(&res);
    return rc;
}
