/* goodwork.h -- the whole public C API of libgoodwork in one include.
 *
 * Start with gw_fit.h (a formula fitted on a data file or table: gw_fit_file, gw_fit_table),
 * gw_result.h (what a fit answers, by name) and gw_hdf5.h (results files with provenance). The
 * Good Work analyses are one call each too: gw_index_run.h, gw_synergy_run.h, gw_cluster_run.h,
 * gw_mediate_run.h and gw_scenario_run.h (an automation-impact scenario over fitted models);
 * the index, cluster and synergy runs also render the text or JSON their command prints
 * (gw_index_run_render, ...), so that a binding prints the same bytes. gw_tidy.h reads any
 * stored model or analysis back as a tidy table and gw_filediff.h compares two results files.
 * The layers below, for programs that drive the pieces themselves: io/ (data tables, CSV and
 * HDF5, formulas, model frames, output tables), analyses/ (the Good Work analyses), models/ (the
 * estimators) and core/ (status codes, tables, designs, linear algebra, threads).
 * docs/reference/ is the user reference; docs/develop.md describes the layout. */
#ifndef GOODWORK_H
#define GOODWORK_H

#include "gw_status.h"
#include "gw_version.h"
#include "gw_alloc.h"
#include "gw_cleanup.h"
#include "gw_par.h"
#include "gw_diff.h"
#include "gw_table.h"
#include "gw_design.h"
#include "gw_result.h"
#include "gw_rowblock.h"

#include "gw_csv.h"
#include "gw_hdf5.h"
#include "gw_h5stream.h"
#include "gw_h5source.h"
#include "gw_load.h"
#include "gw_formula.h"
#include "gw_stepwise.h"
#include "gw_split.h"
#include "gw_frame.h"
#include "gw_output.h"
#include "gw_etable.h"
#include "gw_vars.h"
#include "gw_h5read.h"

#include "gw_ols.h"
#include "gw_hdfe.h"
#include "gw_panel.h"
#include "gw_iv.h"
#include "gw_glm.h"
#include "gw_stream.h"
#include "gw_index.h"
#include "gw_synergy.h"
#include "gw_cluster.h"
#include "gw_mediate.h"
#include "gw_scenario.h"

#include "gw_fit.h"
#include "gw_index_run.h"
#include "gw_cluster_run.h"
#include "gw_scenario_run.h"
#include "gw_mediate_run.h"
#include "gw_synergy_run.h"
#include "gw_tidy.h"
#include "gw_filediff.h"
#include "gw_predict.h"
#include "gw_wald.h"

#endif
