/* report.h -- goodwork run's report: DIR/report.md with the tables of every step and SVG plots
 * (plot.h) next to it, read from the steps' JSON (DIR/steps/NAME.json) and the results file. */
#ifndef GW_CLI_REPORT_H
#define GW_CLI_REPORT_H

#include "pipeline.h"

/* report_write -- write outdir/report.md and its plots for the pipeline p whose steps wrote
 * results; seconds[i] is the run time of step i (may be NULL), total the whole run's.
 * Prints errors; returns an exit code (1 when a file cannot be written). */
int report_write(const pl_pipeline *p, const char *outdir, const char *results,
                 const double *seconds, double total);

#endif
