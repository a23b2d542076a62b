/* cmd_verify.c -- goodwork verify RESULTS.h5: re-run every step recorded under /pipeline into a
 * temporary results file and compare each step's group with the stored one bit for bit.
 * Exit 0 when everything is reproduced; 5 naming the first step that differs (a changed input
 * file, a failed re-run, or the first dataset/attribute that differs). */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "gw_alloc.h"
#include "gw_hdf5.h"
#include "gw_sha256.h"
#include "pipeline.h"
#include "progress.h"

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

/* Attributes that legitimately differ between runs: the write time, the command as typed, the
 * BLAS description (thread count), and the path of the results file a scenario read its models
 * from (the re-run reads the temporary file; its models are compared as steps of their own). */
static const char *const ignored[] = {"created_utc", "command_line", "blas", "results"};

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int cmd_verify(int argc, char **argv)
{
    const char *results = NULL;
    int quiet = 0, rc = GW_EXIT_OK;
    pl_pipeline p = {0};
    char tmpdir[PATH_MAX] = "", tmpres[PATH_MAX + 32], out[PATH_MAX + 300], err[PATH_MAX + 300];
    char where[1024];
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
    if ((rc = pl_load(results, &p)) != GW_EXIT_OK)
        goto done;
    for (size_t i = 0; i < p.nsteps; i++) {
        char hex[65];
        const pl_step *s = &p.steps[i];
        if (gw_sha256_file(s->input, hex) != GW_OK) {
            cli_error("step %s: input %s cannot be read: %s", s->name, s->input, gw_last_error());
            rc = GW_EXIT_VERIFY;
            goto done;
        }
        if (strcmp(hex, s->sha256) != 0) {
            cli_error("step %s: input %s changed (sha256 %s, recorded %s)", s->name, s->input, hex,
                      s->sha256);
            rc = GW_EXIT_VERIFY;
            goto done;
        }
    }
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/goodwork-verify.XXXXXX", base && base[0] ? base : "/tmp");
    if (mkdtemp(tmpdir) == NULL) {
        cli_error("verify: cannot create a temporary directory %s", tmpdir);
        tmpdir[0] = '\0';
        rc = GW_EXIT_OTHER;
        goto done;
    }
    snprintf(tmpres, sizeof tmpres, "%s/results.h5", tmpdir);
    cli_progress prog;
    cli_progress_begin(&prog, "goodwork verify", p.nsteps, quiet);
    for (size_t i = 0; i < p.nsteps; i++) {
        const pl_step *s = &p.steps[i];
        cli_progress_update(&prog, i, s->name);
        snprintf(out, sizeof out, "%s/step%zu.json", tmpdir, i);
        snprintf(err, sizeof err, "%s/step%zu.log", tmpdir, i);
        int src = pl_run_step(s, tmpres, out, err);
        if (src != GW_EXIT_OK) {
            char *log = pl_slurp(err, NULL);
            cli_error("step %s: the re-run failed (exit %d)%s%s", s->name, src,
                      log && log[0] ? ": " : "", log ? log : "");
            gw_free(log);
            rc = GW_EXIT_VERIFY;
            goto done;
        }
        int equal = 0;
        gw_status st =
            gw_h5_compare_group(results, tmpres, s->group, ignored,
                                sizeof ignored / sizeof ignored[0], &equal, where, sizeof where);
        if (st != GW_OK) {
            cli_error("step %s: %s", s->name, gw_last_error());
            rc = st == GW_ENOVAR ? GW_EXIT_VERIFY : cli_exit_code(st);
            goto done;
        }
        if (!equal) {
            cli_error("step %s: not reproduced: %s", s->name, where);
            rc = GW_EXIT_VERIFY;
            goto done;
        }
    }
    cli_progress_update(&prog, p.nsteps, NULL);
    cli_progress_end(&prog);
    printf("goodwork verify: %zu steps of %s reproduced bit for bit\n", p.nsteps, results);
done:
    if (tmpdir[0] != '\0')
        nftw(tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    pl_free(&p);
    return rc;
}
