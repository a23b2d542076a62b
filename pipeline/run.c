/* run.c -- gw_pipeline_run and gw_pipeline_verify (gw_pipeline.h): the steps of a pipeline
 * run one after the other as child processes, their results checked or compared. */
#define _XOPEN_SOURCE 700
#include <dirent.h>
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
#include "gw_par.h"
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
    gw_free(res->diff_step);
    gw_free(res->blas_recorded);
    gw_free(res->blas_now);
    memset(res, 0, sizeof *res);
}

static void progress_to(gw_pipeline_progress_fn fn, void *ctx, size_t i, size_t n, const char *name)
{
    if (fn != NULL)
        fn(ctx, i, n, name);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_tree(const char *dir)
{
    if (dir[0] != '\0')
        nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Where a run builds its output: the temporary directory beside outdir and the names needed
 * to put it in outdir's place. */
typedef struct {
    char parent[PATH_MAX]; /* outdir's parent directory, as given ("." when none)           */
    char base[PATH_MAX];   /* outdir's last component                                         */
    char final_abs[2 * PATH_MAX + 2]; /* outdir's absolute path (its parent canonical)    */
    char tmp[2 * PATH_MAX + 64];      /* parent/.base.tmp.PID.K                            */
} run_dirs;

/* An existing outdir is replaced only when it is a directory that holds a previous run (or
 * nothing): a directory of other files given by mistake is never deleted. */
static gw_status check_outdir(const char *outdir)
{
    struct stat st;
    char res[PATH_MAX + 16];
    if (stat(outdir, &st) != 0)
        return GW_OK;
    if (!S_ISDIR(st.st_mode))
        return gwi_fail(GW_EINVAL, "%s exists and is not a directory", outdir);
    snprintf(res, sizeof res, "%s/results.h5", outdir);
    if (access(res, F_OK) == 0)
        return GW_OK;
    DIR *d = opendir(outdir);
    struct dirent *e;
    int empty = 1;
    while (d != NULL && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            empty = 0;
    if (d != NULL)
        closedir(d);
    if (!empty)
        return gwi_fail(GW_EINVAL,
                        "%s exists, is not empty and holds no results.h5: not replaced by the "
                        "run (remove it or choose another --outdir)",
                        outdir);
    return GW_OK;
}

static gw_status prepare_dirs(const char *outdir, run_dirs *d)
{
    char real[PATH_MAX];
    size_t n = strlen(outdir);
    while (n > 1 && outdir[n - 1] == '/')
        n--;
    if (n >= PATH_MAX)
        return gwi_fail(GW_EINVAL, "--outdir: path too long");
    memcpy(d->parent, outdir, n);
    d->parent[n] = '\0';
    char *slash = strrchr(d->parent, '/');
    snprintf(d->base, sizeof d->base, "%s", slash ? slash + 1 : d->parent);
    if (slash == NULL)
        snprintf(d->parent, sizeof d->parent, ".");
    else if (slash == d->parent)
        d->parent[1] = '\0';
    else
        *slash = '\0';
    if (d->base[0] == '\0' || strcmp(d->base, ".") == 0 || strcmp(d->base, "..") == 0)
        return gwi_fail(GW_EINVAL, "--outdir %s: name a directory that the run can replace",
                        outdir);
    gw_status st = check_outdir(outdir);
    if (st != GW_OK)
        return st;
    /* mkdir with 0777 rather than mkdtemp (0700), so that the output directory gets the
     * permissions the umask gives, as a directory the run created itself always had. */
    int made = -1, e = 0;
    for (unsigned k = 0; k < 1000 && made != 0; k++) {
        snprintf(d->tmp, sizeof d->tmp, "%s/.%s.tmp.%ld.%u", d->parent, d->base, (long)getpid(), k);
        made = mkdir(d->tmp, 0777);
        e = errno;
        if (made != 0 && e != EEXIST)
            break;
    }
    if (made != 0 || realpath(d->parent, real) == NULL) {
        e = made != 0 ? e : errno;
        if (made == 0)
            rmdir(d->tmp);
        d->tmp[0] = '\0';
        return gwi_fail(GW_EIO, "%s: cannot create the directory: %s", outdir, strerror(e));
    }
    snprintf(d->final_abs, sizeof d->final_abs, "%s/%s", strcmp(real, "/") ? real : "", d->base);
    char steps[sizeof d->tmp + 8];
    snprintf(steps, sizeof steps, "%s/steps", d->tmp);
    if (mkdir(steps, 0777) != 0)
        return gwi_fail(GW_EIO, "%s: cannot create the directory: %s", steps, strerror(errno));
    return GW_OK;
}

/* Puts the finished d->tmp in outdir's place: an existing outdir is first renamed away (and
 * renamed back if the second rename fails), then removed. */
static gw_status commit_dirs(const char *outdir, run_dirs *d)
{
    char old[2 * PATH_MAX + 32] = "";
    struct stat st;
    if (lstat(outdir, &st) == 0) {
        snprintf(old, sizeof old, "%s/.%s.old.XXXXXX", d->parent, d->base);
        /* rename() replaces an empty directory, so the unique name mkdtemp made can be the
         * target. */
        if (mkdtemp(old) == NULL || rename(outdir, old) != 0) {
            int e = errno;
            if (old[0] != '\0')
                rmdir(old);
            return gwi_fail(GW_EIO, "%s: cannot move the previous output away: %s", outdir,
                            strerror(e));
        }
    }
    if (rename(d->tmp, outdir) != 0) {
        int e = errno;
        if (old[0] != '\0')
            rename(old, outdir);
        return gwi_fail(GW_EIO, "%s: cannot rename %s into place: %s", outdir, d->tmp, strerror(e));
    }
    d->tmp[0] = '\0';
    if (old[0] != '\0')
        rm_tree(old);
    return GW_OK;
}

/* A scenario step read its models from the temporary results file; its `results` attribute
 * is set to the file's final name. */
static gw_status fix_results_attrs(const pl_pipeline *p, const char *tmpres, const char *shown)
{
    for (size_t i = 0; i < p->nsteps; i++) {
        const pl_step *s = &p->steps[i];
        for (size_t a = 0; a + 1 < s->argc; a++)
            if (strcmp(s->argv[a], "--results") == 0 &&
                strcmp(s->argv[a + 1], PL_RESULTS_TOKEN) == 0) {
                gw_status st = gw_h5_attr_set_str(tmpres, s->group, "results", shown);
                if (st != GW_OK)
                    return st;
                break;
            }
    }
    return GW_OK;
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

/* Runs every step of p into the results file partial, each one's output in outdir/steps;
 * secs[i] receives step i's time. A failed step's command line names the results file shown
 * (its final name, as the user would run the step) rather than the temporary one. */
static gw_status run_steps(const pl_pipeline *p, const char *outdir, const char *exe, int threads,
                           const char *partial, const char *shown, double *secs,
                           gw_pipeline_progress_fn progress, void *ctx, gw_pipeline_result *res)
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
        if (src != 0)
            return step_failed(res, s, src, err, shown);
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
    run_dirs d = {0};
    char tmpres[sizeof d.tmp + 16], shown[PATH_MAX + 16];
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
    if ((st = prepare_dirs(outdir, &d)) != GW_OK) {
        if (st == GW_EINVAL)
            res->stage = GW_PIPELINE_INPUT;
        goto done;
    }
    snprintf(tmpres, sizeof tmpres, "%s/results.h5", d.tmp);
    snprintf(shown, sizeof shown, "%s/results.h5", outdir);
    /* The run's directory being built: a signal removes it (after ending the running step). */
    slot = gwi_cleanup_add_tree(d.tmp);
    if ((secs = gw_calloc(p.nsteps, sizeof *secs)) == NULL) {
        st = gwi_fail(GW_ENOMEM, "out of memory");
        goto done;
    }
    if ((st = run_steps(&p, d.tmp, exe, threads, tmpres, shown, secs, progress, ctx, res)) !=
        GW_OK)
        goto done;
    res->stage = GW_PIPELINE_OUTPUT;
    if ((st = pl_record(&p, tmpres, d.final_abs, command_line ? command_line : "")) != GW_OK ||
        (st = fix_results_attrs(&p, tmpres, shown)) != GW_OK ||
        (st = report_write(&p, d.tmp, outdir, tmpres, secs, gwi_seconds() - t0)) != GW_OK ||
        (st = commit_dirs(outdir, &d)) != GW_OK)
        goto done;
    res->ini_path = gw_strdup(p.ini_path);
    res->results = gw_strdup(shown);
    if (res->ini_path == NULL || res->results == NULL) {
        st = gwi_fail(GW_ENOMEM, "out of memory");
        goto done;
    }
    res->stage = GW_PIPELINE_OK;
    res->seconds = gwi_seconds() - t0;
done:
    gwi_cleanup_remove(slot);
    rm_tree(d.tmp);
    gw_free(secs);
    pl_free(&p);
    return st;
}

/* The directory part of path into dir ("." when none). */
static void dir_of(const char *path, char *dir, size_t n)
{
    snprintf(dir, n, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == NULL)
        snprintf(dir, n, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
}

/* Looks for each step's input where a folder moved as a whole has it -- the recorded
 * pipeline_dir and step_input_rel, relative to the results file's directory rdir -- before the
 * recorded absolute path; a step read from there has the path in its argv replaced too. */
static gw_status locate_inputs(pl_pipeline *p, const char *rdir)
{
    for (size_t i = 0; i < p->nsteps && p->ini_dir != NULL; i++) {
        pl_step *s = &p->steps[i];
        char cand[3 * PATH_MAX], real[PATH_MAX];
        if (s->input_rel == NULL)
            continue;
        snprintf(cand, sizeof cand, "%s/%s/%s", rdir, p->ini_dir, s->input_rel);
        if (realpath(cand, real) == NULL || strcmp(real, s->input) == 0)
            continue;
        for (size_t a = 0; a < s->argc; a++)
            if (strcmp(s->argv[a], s->input) == 0) {
                char *c = gw_strdup(real);
                if (c == NULL)
                    return gwi_fail(GW_ENOMEM, "out of memory");
                gw_free(s->argv[a]);
                s->argv[a] = c;
            }
        char *c = gw_strdup(real);
        if (c == NULL)
            return gwi_fail(GW_ENOMEM, "out of memory");
        gw_free(s->input);
        s->input = c;
    }
    return GW_OK;
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

/* Notes in res the step (or "report.md") during which the first difference beyond the
 * tolerance was found, had is whether one was known before it. */
static gw_status note_step(gw_pipeline_result *res, int had, const char *what)
{
    if (had || res->diff.first_beyond[0] == '\0' || res->diff_step != NULL)
        return GW_OK;
    return (res->diff_step = gw_strdup(what)) ? GW_OK : gwi_fail(GW_ENOMEM, "out of memory");
}

/* Re-runs step i of p into tmpdir/results.h5 (its JSON into tmpdir/steps) and compares its
 * group with results and its JSON with rdir/steps/NAME.json, into res->diff. */
static gw_status verify_step(const pl_pipeline *p, size_t i, const char *results, const char *rdir,
                             const char *tmpdir, const char *exe, const gw_tol *tol,
                             gw_pipeline_result *res)
{
    char tmpres[PATH_MAX + 32], out[2 * PATH_MAX], err[2 * PATH_MAX], stored[2 * PATH_MAX],
        label[PATH_MAX];
    const pl_step *s = &p->steps[i];
    snprintf(tmpres, sizeof tmpres, "%s/results.h5", tmpdir);
    snprintf(out, sizeof out, "%s/steps/%s.json", tmpdir, s->name);
    snprintf(err, sizeof err, "%s/steps/%s.log", tmpdir, s->name);
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
    int had = res->diff.first_beyond[0] != '\0';
    gw_status st = gw_h5_compare_group_ex(results, tmpres, s->group, ignored,
                                          sizeof ignored / sizeof ignored[0], tol, &res->diff);
    if (st != GW_OK) {
        /* A step group missing from the stored file is not reproduced, not a usage error. */
        res->stage = st == GW_ENOVAR ? GW_PIPELINE_MISMATCH : GW_PIPELINE_INPUT;
        gwi_prefix_error("step %s", s->name);
        return st;
    }
    snprintf(stored, sizeof stored, "%s/steps/%s.json", rdir, s->name);
    snprintf(label, sizeof label, "steps/%s.json", s->name);
    int found = 0;
    if ((st = pl_compare_json(stored, out, label, tol, &res->diff, &found)) != GW_OK) {
        res->stage = GW_PIPELINE_MISMATCH;
        gwi_prefix_error("step %s", s->name);
        return st;
    }
    res->njson += found != 0;
    return note_step(res, had, s->name);
}

/* The BLAS library and kernel of a provenance text, without its thread count (which may
 * differ without changing a result). */
static void blas_kernel(const char *text, char *out, size_t n)
{
    snprintf(out, n, "%s", text);
    char *t = strstr(out, "; threads=");
    if (t != NULL)
        *t = '\0';
}

/* Sets res->blas_recorded/blas_now when the run's BLAS differs from this process's. */
static void compare_blas(const char *results, gw_pipeline_result *res)
{
    char **v = NULL, a[512], b[512];
    size_t n = 0;
    if (gw_h5_read_strings(results, "/pipeline", "blas", &v, &n) == GW_OK && n == 1) {
        blas_kernel(v[0], a, sizeof a);
        blas_kernel(gw_blas_info(), b, sizeof b);
        if (strcmp(a, b) != 0) {
            res->blas_recorded = gw_strdup(a);
            res->blas_now = gw_strdup(b);
        }
    }
    gw_h5_strings_free(v, n);
}

/* The message of a verification that failed on res->diff. */
static gw_status mismatch(const gw_pipeline_result *res)
{
    char sum[4 * GW_DIFF_WHERE];
    gw_diff_summary(&res->diff, sum, sizeof sum);
    const char *step = res->diff_step ? res->diff_step : "?";
    if (res->blas_recorded != NULL)
        return gwi_fail(GW_EFORMAT,
                        "%s%s: not reproduced: %s; %s; the BLAS differs: run with %s, now %s",
                        strcmp(step, "report.md") ? "step " : "", step, res->diff.first_beyond, sum,
                        res->blas_recorded, res->blas_now ? res->blas_now : "?");
    return gwi_fail(GW_EFORMAT, "%s%s: not reproduced: %s; %s",
                    strcmp(step, "report.md") ? "step " : "", step, res->diff.first_beyond, sum);
}

gw_status gw_pipeline_verify(const char *results_path, const char *exe,
                             gw_pipeline_progress_fn progress, void *ctx, gw_pipeline_result *res)
{
    return gw_pipeline_verify_ex(results_path, exe, NULL, progress, ctx, res);
}

gw_status gw_pipeline_verify_ex(const char *results_path, const char *exe,
                                const gw_pipeline_verify_opts *opts,
                                gw_pipeline_progress_fn progress, void *ctx,
                                gw_pipeline_result *res)
{
    pl_pipeline p = {0};
    char tmpdir[PATH_MAX] = "", rdir[PATH_MAX], path[2 * PATH_MAX], stored[2 * PATH_MAX];
    const gw_tol *tol = opts ? &opts->tol : NULL;
    gw_status st;
    memset(res, 0, sizeof *res);
    if (results_path == NULL || exe == NULL)
        return gwi_fail(GW_EINVAL, "verify: NULL argument");
    res->stage = GW_PIPELINE_INPUT;
    dir_of(results_path, rdir, sizeof rdir);
    if ((st = pl_load(results_path, &p)) != GW_OK)
        goto done;
    res->nsteps = p.nsteps;
    if ((st = locate_inputs(&p, rdir)) != GW_OK || (st = check_inputs(&p, res)) != GW_OK)
        goto done;
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/goodwork-verify.XXXXXX", base && base[0] ? base : "/tmp");
    if (mkdtemp(tmpdir) == NULL) {
        st = gwi_fail(GW_EIO, "verify: cannot create a temporary directory %s", tmpdir);
        res->stage = GW_PIPELINE_OUTPUT;
        tmpdir[0] = '\0';
        goto done;
    }
    snprintf(path, sizeof path, "%s/steps", tmpdir);
    if (mkdir(path, 0777) != 0) {
        st = gwi_fail(GW_EIO, "verify: cannot create %s: %s", path, strerror(errno));
        res->stage = GW_PIPELINE_OUTPUT;
        goto done;
    }
    compare_blas(results_path, res);
    for (size_t i = 0; i < p.nsteps; i++) {
        progress_to(progress, ctx, i, p.nsteps, p.steps[i].name);
        st = verify_step(&p, i, results_path, rdir, tmpdir, exe, tol, res);
        if (st != GW_OK)
            goto done;
    }
    /* The report's tables, from the re-run's results and JSON (no timings: NULL seconds). */
    int had = res->diff.first_beyond[0] != '\0';
    snprintf(path, sizeof path, "%s/results.h5", tmpdir);
    if ((st = report_write(&p, tmpdir, rdir, path, NULL, 0.0)) != GW_OK) {
        res->stage = GW_PIPELINE_OUTPUT;
        goto done;
    }
    snprintf(path, sizeof path, "%s/report.md", tmpdir);
    snprintf(stored, sizeof stored, "%s/report.md", rdir);
    if ((st = pl_compare_report(stored, path, tol, &res->diff, &res->report_checked)) != GW_OK ||
        (st = note_step(res, had, "report.md")) != GW_OK) {
        res->stage = GW_PIPELINE_OUTPUT;
        goto done;
    }
    progress_to(progress, ctx, p.nsteps, p.nsteps, NULL);
    res->identical = gw_diff_identical(&res->diff);
    if (!gw_diff_within(&res->diff)) {
        res->stage = GW_PIPELINE_MISMATCH;
        st = mismatch(res);
        goto done;
    }
    res->stage = GW_PIPELINE_OK;
done:
    rm_tree(tmpdir);
    pl_free(&p);
    return st;
}
