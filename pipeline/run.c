/* run.c -- gw_pipeline_run and gw_pipeline_verify (gw_pipeline.h): the steps of a pipeline
 * run one after the other as child processes, their results checked or compared. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_hdf5.h"
#include "gw_pipeline.h"
#include "gw_sha256.h"
#include "pipeline_int.h"
#include "report_int.h"

/* Attributes that legitimately differ between runs: the write time, the command as typed, the
 * BLAS description (thread count), and the path of the results file a scenario read its models
 * from (the re-run reads the temporary file; its models are compared as steps of their own). */
static const char *const ignored[] = {"created_utc", "command_line", "blas", "results"};

void gw_pipeline_result_free(gw_pipeline_result *res)
{
    if (res == NULL)
        return;
    gw_free(res->ini_path);
    gw_free(res->results);
    gw_free(res->step);
    gw_free(res->step_log);
    gw_free(res->step_command);
    memset(res, 0, sizeof *res);
}

static void progress_to(gw_pipeline_progress_fn fn, void *ctx, size_t i, size_t n, const char *name)
{
    if (fn != NULL)
        fn(ctx, i, n, name);
}

static gw_status make_dir(const char *path)
{
    if (mkdir(path, 0777) == 0 || errno == EEXIST)
        return GW_OK;
    return gwi_fail(GW_EIO, "%s: cannot create the directory: %s", path, strerror(errno));
}

/* Records the failed step s (exit code rc, standard error in log_path) in res. */
static gw_status step_failed(gw_pipeline_result *res, const pl_step *s, int rc,
                             const char *log_path, const char *results)
{
    res->stage = GW_PIPELINE_STEP;
    res->step_exit = rc;
    res->step = gw_strdup(s->name);
    res->step_log = pl_slurp(log_path, NULL);
    res->step_command = pl_argv_text(s, results);
    return gwi_fail(GW_EIO, "step %s failed (exit %d)", s->name, rc);
}

/* Runs every step of p into outdir/results.h5.partial; secs[i] receives step i's time. */
static gw_status run_steps(const pl_pipeline *p, const char *outdir, const char *exe, int threads,
                           const char *partial, double *secs, gw_pipeline_progress_fn progress,
                           void *ctx, gw_pipeline_result *res)
{
    char out[PATH_MAX], err[PATH_MAX];
    for (size_t i = 0; i < p->nsteps; i++) {
        const pl_step *s = &p->steps[i];
        progress_to(progress, ctx, i, p->nsteps, s->name);
        snprintf(out, sizeof out, "%s/steps/%s.json", outdir, s->name);
        snprintf(err, sizeof err, "%s/steps/%s.log", outdir, s->name);
        double ts = gwi_seconds();
        int src = pl_run_step(exe, s, partial, threads, out, err);
        secs[i] = gwi_seconds() - ts;
        if (src < 0) {
            res->stage = GW_PIPELINE_STEP;
            return gwi_fail_keep(GW_EIO);
        }
        if (src != 0) {
            gw_status st = step_failed(res, s, src, err, partial);
            unlink(partial);
            return st;
        }
        unlink(err);
    }
    progress_to(progress, ctx, p->nsteps, p->nsteps, NULL);
    return GW_OK;
}

gw_status gw_pipeline_run(const char *ini_path, const char *outdir, const char *exe,
                          const char *command_line, gw_pipeline_progress_fn progress, void *ctx,
                          gw_pipeline_result *res)
{
    return gw_pipeline_run_ex(ini_path, outdir, exe, command_line, 0, progress, ctx, res);
}

gw_status gw_pipeline_run_ex(const char *ini_path, const char *outdir, const char *exe,
                             const char *command_line, int threads,
                             gw_pipeline_progress_fn progress, void *ctx, gw_pipeline_result *res)
{
    pl_pipeline p = {0};
    double *secs = NULL;
    char results[PATH_MAX], partial[PATH_MAX], steps[PATH_MAX];
    gw_status st;
    int slot = -1;
    memset(res, 0, sizeof *res);
    if (ini_path == NULL || outdir == NULL || exe == NULL)
        return gwi_fail(GW_EINVAL, "run: NULL argument");
    if (outdir[0] == '\0')
        return gwi_fail(GW_EINVAL, "run: --outdir is empty");
    double t0 = gwi_seconds();
    res->stage = GW_PIPELINE_INPUT;
    if ((st = pl_parse(ini_path, &p)) != GW_OK || (st = pl_hash_inputs(&p)) != GW_OK)
        goto done;
    res->nsteps = p.nsteps;
    res->stage = GW_PIPELINE_OUTPUT;
    snprintf(steps, sizeof steps, "%s/steps", outdir);
    if ((st = make_dir(outdir)) != GW_OK || (st = make_dir(steps)) != GW_OK)
        goto done;
    snprintf(results, sizeof results, "%s/results.h5", outdir);
    snprintf(partial, sizeof partial, "%s/results.h5.partial", outdir);
    unlink(partial);
    /* Partial until renamed: a signal removes it (after ending the running step). */
    slot = gwi_cleanup_add_file(partial);
    if ((secs = gw_calloc(p.nsteps, sizeof *secs)) == NULL) {
        st = gwi_fail(GW_ENOMEM, "out of memory");
        goto done;
    }
    if ((st = run_steps(&p, outdir, exe, threads, partial, secs, progress, ctx, res)) != GW_OK)
        goto done;
    res->stage = GW_PIPELINE_OUTPUT;
    if ((st = pl_record(&p, partial, command_line ? command_line : "")) != GW_OK)
        goto done;
    if (rename(partial, results) != 0) {
        st = gwi_fail(GW_EIO, "%s: cannot rename into place: %s", results, strerror(errno));
        goto done;
    }
    gwi_cleanup_remove(slot);
    slot = -1;
    if ((st = report_write(&p, outdir, results, secs, gwi_seconds() - t0)) != GW_OK)
        goto done;
    res->ini_path = gw_strdup(p.ini_path);
    res->results = gw_strdup(results);
    if (res->ini_path == NULL || res->results == NULL) {
        st = gwi_fail(GW_ENOMEM, "out of memory");
        goto done;
    }
    res->stage = GW_PIPELINE_OK;
    res->seconds = gwi_seconds() - t0;
done:
    gwi_cleanup_remove(slot);
    gw_free(secs);
    pl_free(&p);
    return st;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Checks every step's input against its recorded sha256. */
static gw_status check_inputs(const pl_pipeline *p, gw_pipeline_result *res)
{
    for (size_t i = 0; i < p->nsteps; i++) {
        char hex[65];
        const pl_step *s = &p->steps[i];
        res->stage = GW_PIPELINE_MISMATCH;
        if (gw_sha256_file(s->input, hex) != GW_OK) {
            gwi_prefix_error("step %s: input %s cannot be read", s->name, s->input);
            return GW_EIO;
        }
        if (strcmp(hex, s->sha256) != 0)
            return gwi_fail(GW_EFORMAT, "step %s: input %s changed (sha256 %s, recorded %s)",
                            s->name, s->input, hex, s->sha256);
    }
    res->stage = GW_PIPELINE_OK;
    return GW_OK;
}

/* Re-runs step i of p into tmpdir/results.h5 and compares its group with results. */
static gw_status verify_step(const pl_pipeline *p, size_t i, const char *results,
                             const char *tmpdir, const char *exe, gw_pipeline_result *res)
{
    char tmpres[PATH_MAX + 32], out[PATH_MAX + 300], err[PATH_MAX + 300], where[1024];
    const pl_step *s = &p->steps[i];
    snprintf(tmpres, sizeof tmpres, "%s/results.h5", tmpdir);
    snprintf(out, sizeof out, "%s/step%zu.json", tmpdir, i);
    snprintf(err, sizeof err, "%s/step%zu.log", tmpdir, i);
    int src = pl_run_step(exe, s, tmpres, 0, out, err);
    if (src < 0) {
        res->stage = GW_PIPELINE_STEP;
        return gwi_fail_keep(GW_EIO);
    }
    if (src != 0) {
        step_failed(res, s, src, err, tmpres);
        char *log = res->step_log;
        return gwi_fail(GW_EIO, "step %s: the re-run failed (exit %d)%s%s", s->name, src,
                        log && log[0] ? ": " : "", log ? log : "");
    }
    int equal = 0;
    gw_status st =
        gw_h5_compare_group(results, tmpres, s->group, ignored, sizeof ignored / sizeof ignored[0],
                            &equal, where, sizeof where);
    if (st != GW_OK) {
        /* A step group missing from the stored file is not reproduced, not a usage error. */
        res->stage = st == GW_ENOVAR ? GW_PIPELINE_MISMATCH : GW_PIPELINE_INPUT;
        gwi_prefix_error("step %s", s->name);
        return st;
    }
    if (!equal) {
        res->stage = GW_PIPELINE_MISMATCH;
        return gwi_fail(GW_EFORMAT, "step %s: not reproduced: %s", s->name, where);
    }
    return GW_OK;
}

gw_status gw_pipeline_verify(const char *results_path, const char *exe,
                             gw_pipeline_progress_fn progress, void *ctx, gw_pipeline_result *res)
{
    pl_pipeline p = {0};
    char tmpdir[PATH_MAX] = "";
    gw_status st;
    memset(res, 0, sizeof *res);
    if (results_path == NULL || exe == NULL)
        return gwi_fail(GW_EINVAL, "verify: NULL argument");
    res->stage = GW_PIPELINE_INPUT;
    if ((st = pl_load(results_path, &p)) != GW_OK)
        goto done;
    res->nsteps = p.nsteps;
    if ((st = check_inputs(&p, res)) != GW_OK)
        goto done;
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/goodwork-verify.XXXXXX", base && base[0] ? base : "/tmp");
    if (mkdtemp(tmpdir) == NULL) {
        st = gwi_fail(GW_EIO, "verify: cannot create a temporary directory %s", tmpdir);
        res->stage = GW_PIPELINE_OUTPUT;
        tmpdir[0] = '\0';
        goto done;
    }
    for (size_t i = 0; i < p.nsteps; i++) {
        progress_to(progress, ctx, i, p.nsteps, p.steps[i].name);
        if ((st = verify_step(&p, i, results_path, tmpdir, exe, res)) != GW_OK)
            goto done;
    }
    progress_to(progress, ctx, p.nsteps, p.nsteps, NULL);
    res->stage = GW_PIPELINE_OK;
done:
    if (tmpdir[0] != '\0')
        nftw(tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    pl_free(&p);
    return st;
}
