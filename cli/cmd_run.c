/* cmd_run.c -- goodwork run [PIPELINE.ini] [--outdir DIR]: run every step of a pipeline file,
 * record them in DIR/results.h5 under /pipeline and write DIR/report.md with its plots
 * (gw_pipeline_run, pipeline/gw_pipeline.h). Without a file, the bundled datasets/default.ini
 * (docs/pipeline.md). */
#define _XOPEN_SOURCE 700
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "gw_alloc.h"
#include "gw_par.h"
#include "gw_pipeline.h"
#include "gw_strbuf.h"
#include "pipeline.h"

#ifndef GW_SOURCE_DIR
#define GW_SOURCE_DIR "."
#endif

static const char run_usage[] =
    "usage: goodwork run [PIPELINE.ini] [--outdir DIR] [--threads N] [--quiet]\n"
    "\n"
    "Runs every step of the pipeline file (one goodwork command per [model NAME], [index NAME],\n"
    "[synergy NAME], [cluster NAME], [mediate NAME], [scenario NAME] section), stores all results\n"
    "and the recorded steps in DIR/results.h5, each step's JSON in DIR/steps/NAME.json, and\n"
    "writes DIR/report.md with its SVG plots. Without a file: the bundled default pipeline\n"
    "datasets/default.ini on the bundled panel. `goodwork verify DIR/results.h5` re-runs it.\n"
    "\n"
    "options:\n"
    "  --outdir DIR   output directory (default goodwork-out); built beside it and put in its\n"
    "                 place only when the whole run succeeded (a failed run leaves it as it\n"
    "                 was); an existing DIR must hold a previous run or be empty\n"
    "  --threads N    worker threads of every step (default: all cores, or a step's own\n"
    "                 threads key); results do not depend on N\n"
    "  --quiet        no progress on standard error\n"
    "  --help         show this help\n";

/* The bundled default pipeline: next to the binary's source tree (build dirs inside the tree),
 * else the source tree the binary was built from. Owned; NULL when none exists. */
static char *default_pipeline(void)
{
    char exe[PATH_MAX], cand[PATH_MAX + 64];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash != NULL)
            *slash = '\0';
        static const char *const rel[] = {"/../../datasets/default.ini", "/../datasets/default.ini",
                                          "/../share/goodwork/default.ini"};
        for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
            snprintf(cand, sizeof cand, "%s%s", exe, rel[i]);
            char real[PATH_MAX];
            if (access(cand, R_OK) == 0 && realpath(cand, real) != NULL)
                return gw_strdup(real);
        }
    }
    snprintf(cand, sizeof cand, "%s/datasets/default.ini", GW_SOURCE_DIR);
    return access(cand, R_OK) == 0 ? gw_strdup(cand) : NULL;
}

/* The exit code of a failed run: a failed step's own, 1 when an output cannot be written. */
static int run_exit(gw_status st, const gw_pipeline_result *res)
{
    if (res->stage == GW_PIPELINE_STEP)
        return res->step_exit != 0 ? res->step_exit : GW_EXIT_OTHER;
    if (res->stage == GW_PIPELINE_OUTPUT)
        return GW_EXIT_OTHER;
    return cli_exit_code(st);
}

/* Prints why the run stopped: a failed step's standard error (its own message) first. */
static void run_error(const gw_pipeline_result *res)
{
    if (res->stage != GW_PIPELINE_STEP || res->step == NULL) {
        cli_error("%s", gw_last_error());
        return;
    }
    if (res->step_log != NULL && res->step_log[0] != '\0')
        fputs(res->step_log, stderr);
    cli_error("run: step %s failed (exit %d): %s", res->step, res->step_exit,
              res->step_command ? res->step_command : res->step);
}

/* The value of option name at argv[*i] into *slot (cli_option_at, cli_option_value). 0:
 * argv[*i] is not that option, or the option is last with no value (a stray argument, as
 * before); 1: taken; -1: given twice (printed). */
static int take_value(int argc, char **argv, int *i, const char *name, const char **slot)
{
    const char *v = NULL;
    int at = *i;
    if (!cli_option_at(argc, argv, i, name, &v) || v == NULL) {
        *i = at;
        return 0;
    }
    return cli_option_value(name, slot, v, NULL, "run") == GW_EXIT_OK ? 1 : -1;
}

int cmd_run(int argc, char **argv)
{
    const char *file = NULL, *outdir = NULL, *threads = NULL;
    int quiet = 0, rc = GW_EXIT_OK, t = 0;
    char *deflt = NULL, exe[PATH_MAX];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(run_usage, stdout);
            return GW_EXIT_OK;
        } else if (strcmp(argv[i], "--quiet") == 0) {
            quiet = 1;
        } else if ((t = take_value(argc, argv, &i, "--outdir", &outdir)) != 0 ||
                   (t = take_value(argc, argv, &i, "--threads", &threads)) != 0) {
            if (t < 0)
                return GW_EXIT_USAGE;
        } else if (argv[i][0] == '-' || file != NULL) {
            cli_error("run: unexpected argument '%s' (see goodwork run --help)", argv[i]);
            return GW_EXIT_USAGE;
        } else {
            file = argv[i];
        }
    }
    if (outdir == NULL)
        outdir = "goodwork-out";
    if (outdir[0] == '\0') {
        cli_error("run: --outdir is empty");
        return GW_EXIT_USAGE;
    }
    /* The same check as every other command's --threads, before any step starts. */
    unsigned long long nthreads = 0;
    if (threads != NULL && (!gw_str_to_count(threads, INT_MAX, &nthreads) || nthreads < 1)) {
        cli_error("bad --threads '%s' (expected a positive integer)", threads);
        return GW_EXIT_USAGE;
    }
    if (nthreads > 0)
        gw_threads_set((int)nthreads);
    if (file == NULL) {
        if ((deflt = default_pipeline()) == NULL) {
            cli_error("run: the bundled pipeline datasets/default.ini was not found "
                      "(give a pipeline file)");
            return GW_EXIT_USAGE;
        }
        file = deflt;
    }
    if (cli_self_exe(exe, sizeof exe) != 0) {
        gw_free(deflt);
        return GW_EXIT_OTHER;
    }
    cli_pipeline_progress_state prog = {.label = "goodwork run", .quiet = quiet};
    gw_pipeline_result res;
    gw_status st = gw_pipeline_run_ex(file, outdir, exe, cli_command_line, (int)nthreads,
                                      cli_pipeline_progress, &prog, &res);
    if (st != GW_OK) {
        run_error(&res);
        rc = run_exit(st, &res);
    } else {
        printf("goodwork run: %zu steps of %s in %.1f s\n  results: %s\n  report:  %s/report.md\n",
               res.nsteps, res.ini_path, res.seconds, res.results, outdir);
    }
    gw_pipeline_result_free(&res);
    gw_free(deflt);
    return rc;
}
