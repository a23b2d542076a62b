/* report_int.h -- goodwork run's report: DIR/report.md with the tables of every step and SVG plots
 * (gw_plot.h) next to it, read from the steps' JSON (DIR/steps/NAME.json) and the results file. */
#ifndef GW_REPORT_INT_H
#define GW_REPORT_INT_H

#include "pipeline_int.h"

/* report_write -- write outdir/report.md and its plots for the pipeline p whose steps wrote
 * results (their JSON in outdir/steps); shown is the directory named in the report's text (the
 * output directory as the user gave it, which outdir becomes when renamed); seconds[i] is the
 * run time of step i (may be NULL), total the whole run's.
 * GW_EIO (message recorded) when report.md cannot be written. */
gw_status report_write(const pl_pipeline *p, const char *outdir, const char *shown,
                       const char *results, const double *seconds, double total);

#endif
