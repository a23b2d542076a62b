/* cmd_run.c -- goodwork run [PIPELINE.ini] [--outdir DIR]: run every step of a pipeline file
 * (pipeline.h), record them in DIR/results.h5 under /pipeline and write DIR/report.md with its
 * plots (report.h). Without a file, the bundled datasets/default.ini (docs/pipeline.md). */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "gw_alloc.h"
#include "pipeline.h"
#include "progress.h"
#include "report.h"

#ifndef GW_SOURCE_DIR
#define GW_SOURCE_DIR "."
#endif

static const char run_usage[] =
    "usage: goodwork run [PIPELINE.ini] [--outdir DIR] [--quiet]\n"
    "\n"
    "Runs every step of the pipeline file (one goodwork command per [model NAME], [index NAME],\n"
    "[synergy NAME], [cluster NAME], [mediate NAME], [scenario NAME] section), stores all results\n"
    "and the recorded steps in DIR/results.h5, each step's JSON in DIR/steps/NAME.json, and\n"
    "writes DIR/report.md with its SVG plots. Without a file: the bundled default pipeline\n"
    "datasets/default.ini on the bundled panel. `goodwork verify DIR/results.h5` re-runs it.\n"
    "\n"
    "options:\n"
    "  --outdir DIR   output directory (default goodwork-out; created)\n"
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

static int make_dir(const char *path)
{
    if (mkdir(path, 0777) == 0 || errno == EEXIST)
        return 0;
    cli_error("%s: cannot create the directory: %s", path, strerror(errno));
    return -1;
}

/* Prints the step's standard error (its own error message) after a failure. */
static void show_log(const char *path)
{
    char *text = pl_slurp(path, NULL);
    if (text != NULL && text[0] != '\0')
        fputs(text, stderr);
    gw_free(text);
}

int cmd_run(int argc, char **argv)
{
    const char *file = NULL, *outdir = "goodwork-out";
    int quiet = 0, rc = GW_EXIT_OK;
    char *deflt = NULL;
    double *secs = NULL;
    pl_pipeline p = {0};
    char results[PATH_MAX], partial[PATH_MAX], out[PATH_MAX], err[PATH_MAX];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(run_usage, stdout);
            return GW_EXIT_OK;
        } else if (strcmp(argv[i], "--quiet") == 0) {
            quiet = 1;
        } else if (strcmp(argv[i], "--outdir") == 0 && i + 1 < argc) {
            outdir = argv[++i];
        } else if (strncmp(argv[i], "--outdir=", 9) == 0) {
            outdir = argv[i] + 9;
        } else if (argv[i][0] == '-' || file != NULL) {
            cli_error("run: unexpected argument '%s' (see goodwork run --help)", argv[i]);
            return GW_EXIT_USAGE;
        } else {
            file = argv[i];
        }
    }
    if (outdir[0] == '\0') {
        cli_error("run: --outdir is empty");
        return GW_EXIT_USAGE;
    }
    if (file == NULL) {
        if ((deflt = default_pipeline()) == NULL) {
            cli_error("run: the bundled pipeline datasets/default.ini was not found "
                      "(give a pipeline file)");
            return GW_EXIT_USAGE;
        }
        file = deflt;
    }
    double t0 = cli_now();
    if ((rc = pl_parse(file, &p)) != GW_EXIT_OK || (rc = pl_hash_inputs(&p)) != GW_EXIT_OK)
        goto done;
    snprintf(out, sizeof out, "%s/steps", outdir);
    if (make_dir(outdir) != 0 || make_dir(out) != 0) {
        rc = GW_EXIT_OTHER;
        goto done;
    }
    snprintf(results, sizeof results, "%s/results.h5", outdir);
    snprintf(partial, sizeof partial, "%s/results.h5.partial", outdir);
    unlink(partial);
    if ((secs = gw_calloc(p.nsteps, sizeof *secs)) == NULL) {
        rc = GW_EXIT_OTHER;
        goto done;
    }
    cli_progress prog;
    cli_progress_begin(&prog, "goodwork run", p.nsteps, quiet);
    for (size_t i = 0; i < p.nsteps; i++) {
        const pl_step *s = &p.steps[i];
        cli_progress_update(&prog, i, s->name);
        snprintf(out, sizeof out, "%s/steps/%s.json", outdir, s->name);
        snprintf(err, sizeof err, "%s/steps/%s.log", outdir, s->name);
        double ts = cli_now();
        int src = pl_run_step(s, partial, out, err);
        secs[i] = cli_now() - ts;
        if (src != GW_EXIT_OK) {
            show_log(err);
            char *cmd = pl_argv_text(s, partial);
            cli_error("run: step %s failed (exit %d): %s", s->name, src, cmd ? cmd : s->kind);
            gw_free(cmd);
            unlink(partial);
            rc = src;
            goto done;
        }
        unlink(err);
    }
    cli_progress_update(&prog, p.nsteps, NULL);
    cli_progress_end(&prog);
    if ((rc = pl_record(&p, partial)) != GW_EXIT_OK)
        goto done;
    if (rename(partial, results) != 0) {
        cli_error("%s: cannot rename into place: %s", results, strerror(errno));
        rc = GW_EXIT_OTHER;
        goto done;
    }
    if ((rc = report_write(&p, outdir, results, secs, cli_now() - t0)) != GW_EXIT_OK)
        goto done;
    printf("goodwork run: %zu steps of %s in %.1f s\n  results: %s\n  report:  %s/report.md\n",
           p.nsteps, p.ini_path, cli_now() - t0, results, outdir);
done:
    gw_free(secs);
    pl_free(&p);
    gw_free(deflt);
    return rc;
}
