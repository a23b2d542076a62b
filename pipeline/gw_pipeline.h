/* gw_pipeline.h -- run a pipeline file and verify its results: the library behind `goodwork
 * run` and `goodwork verify` (docs/pipeline.md).
 *
 * A pipeline file (INI) lists steps, each one goodwork command (fit, index, synergy, cluster,
 * mediate, scenario). gw_pipeline_run runs each as a child process of the goodwork executable
 * (its path is a parameter: the library cannot know which binary to spawn), stores every result
 * and the recorded steps in OUTDIR/results.h5 (/pipeline), each step's JSON in
 * OUTDIR/steps/NAME.json, and writes OUTDIR/report.md with its SVG plots. gw_pipeline_verify
 * re-runs the recorded steps into a temporary directory and compares each step's results, JSON
 * and report tables bit for bit or within a tolerance.
 *
 * Nothing is printed: progress comes back through a callback, and the outcome (including a
 * failed step's exit code and its standard error) through gw_pipeline_result. */
#ifndef GW_PIPELINE_H
#define GW_PIPELINE_H

#include <stddef.h>

#include "gw_diff.h"
#include "gw_status.h"

/* Called before step i (0-based) starts, name its section name, and once with i == total and
 * name NULL when every step has run. */
typedef void (*gw_pipeline_progress_fn)(void *ctx, size_t i, size_t total, const char *name);

/* Where a run or a verification stopped. */
typedef enum {
    GW_PIPELINE_OK = 0,   /* finished */
    GW_PIPELINE_INPUT,    /* the pipeline file, its data or the recorded /pipeline */
    GW_PIPELINE_STEP,     /* a step exited non-zero (run) or could not be re-run (verify) */
    GW_PIPELINE_OUTPUT,   /* a directory, results.h5 or report.md could not be written */
    GW_PIPELINE_MISMATCH, /* verify: an input changed, or a step's results are not reproduced */
} gw_pipeline_stage;

/* The outcome of gw_pipeline_run / gw_pipeline_verify. Strings are owned: free with
 * gw_pipeline_result_free. */
typedef struct {
    gw_pipeline_stage stage;
    size_t nsteps;      /* steps in the pipeline (0 when it could not be read) */
    char *ini_path;     /* run: the pipeline file as given */
    char *results;      /* run: OUTDIR/results.h5 */
    double seconds;     /* run: the whole run, parsing included */
    char *step;         /* GW_PIPELINE_STEP: the failed step's name */
    int step_exit;      /* GW_PIPELINE_STEP: its exit code */
    char *step_log;     /* GW_PIPELINE_STEP: its standard error (may be empty) */
    char *step_command; /* GW_PIPELINE_STEP: its command line, shell-quoted */
    /* verify: what differs, over every step's group, steps/NAME.json and report.md's tables
     * (diff.first_beyond names the first difference beyond the tolerance, diff_step its step
     * or "report.md"); identical is 1 when nothing differs at all. */
    gw_diff diff;
    char *diff_step;
    int identical;
    size_t njson;        /* verify: steps/NAME.json files found beside the results and compared */
    int report_checked;  /* verify: 1 when report.md was found beside the results and compared */
    char *blas_recorded; /* verify: the run's BLAS (library and kernel), when it differs from */
    char *blas_now;      /* the BLAS of this process (both NULL otherwise)                   */
} gw_pipeline_result;

/* Options of gw_pipeline_verify_ex; all-zero means bit for bit. */
typedef struct {
    gw_tol tol; /* numbers within tol count as reproduced (gw_diff.h) */
} gw_pipeline_verify_opts;

/* gw_pipeline_run -- run the pipeline file ini_path into outdir with the goodwork executable
 * exe; command_line is recorded as the provenance of /pipeline. progress may be NULL.
 * Everything is built in a new directory beside outdir (.NAME.tmp.PID.K) that replaces outdir
 * only when every step, results.h5 and report.md succeeded; a failure leaves an existing outdir
 * as it was and removes the temporary one. An existing outdir that is not empty and holds no
 * results.h5 is not replaced (GW_EINVAL). Returns GW_OK, or a status with a message
 * (gw_last_error) and res->stage saying where it stopped; when a step fails the status is
 * GW_EIO and res->step* describe it. */
gw_status gw_pipeline_run(const char *ini_path, const char *outdir, const char *exe,
                          const char *command_line, gw_pipeline_progress_fn progress, void *ctx,
                          gw_pipeline_result *res);

/* gw_pipeline_run_ex -- gw_pipeline_run with every step run with "--threads threads" (in place
 * of a section's own threads key) when threads > 0; threads <= 0: as gw_pipeline_run (each
 * step's own setting, default all cores). The thread count is not recorded in /pipeline: no
 * result depends on it, and verify re-runs with the default. */
gw_status gw_pipeline_run_ex(const char *ini_path, const char *outdir, const char *exe,
                             const char *command_line, int threads,
                             gw_pipeline_progress_fn progress, void *ctx, gw_pipeline_result *res);

/* gw_pipeline_verify -- re-run the steps recorded in results_path with the goodwork executable
 * exe into a temporary directory under $TMPDIR (default /tmp) and compare every step's group
 * (the write time, command line, BLAS description and a scenario's results path excepted).
 * GW_OK when everything is reproduced; otherwise a status with a message and res->stage
 * (GW_PIPELINE_MISMATCH for a changed input or a result that differs, GW_PIPELINE_STEP with
 * res->step* for a re-run that failed). */
gw_status gw_pipeline_verify(const char *results_path, const char *exe,
                             gw_pipeline_progress_fn progress, void *ctx, gw_pipeline_result *res);

/* gw_pipeline_verify_ex -- gw_pipeline_verify with options (NULL: bit for bit). Every step is
 * re-run even after a difference, so that res->diff holds the largest differences (absolute,
 * relative, ULPs, and where) over all of them; the steps' JSON (steps/NAME.json beside
 * results_path) and the tables of report.md are compared too (report_write on the re-run).
 * Inputs are looked for first at the recorded pipeline_dir/step_input_rel relative to
 * results_path's directory, then at the recorded absolute path. GW_OK when every number is
 * within opts->tol and nothing else differs (res->identical says whether bit for bit);
 * GW_EFORMAT with stage GW_PIPELINE_MISMATCH and the first difference beyond the tolerance
 * otherwise. res->blas_recorded/blas_now are set when the BLAS differs. */
gw_status gw_pipeline_verify_ex(const char *results_path, const char *exe,
                                const gw_pipeline_verify_opts *opts,
                                gw_pipeline_progress_fn progress, void *ctx,
                                gw_pipeline_result *res);

void gw_pipeline_result_free(gw_pipeline_result *res);

#endif
