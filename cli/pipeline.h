/* pipeline.h -- what goodwork run and goodwork verify share on the command's side of
 * gw_pipeline.h: the progress line on standard error and the path of the running executable,
 * which the library spawns for every step. */
#ifndef GW_CLI_PIPELINE_H
#define GW_CLI_PIPELINE_H

#include <stddef.h>

#include "progress.h"

/* The state behind cli_pipeline_progress: begin with {.label = ..., .quiet = ...}. */
typedef struct {
    const char *label;
    int quiet, begun;
    cli_progress prog;
} cli_pipeline_progress_state;

/* cli_pipeline_progress -- a gw_pipeline_progress_fn drawing the progress line (ctx: a
 * cli_pipeline_progress_state); the line starts at the first step and ends after the last. */
void cli_pipeline_progress(void *ctx, size_t i, size_t total, const char *name);

/* cli_self_exe -- the path of this goodwork binary into buf (size n): 0, or -1 after printing
 * an error when it cannot be found. */
int cli_self_exe(char *buf, size_t n);

#endif
