/* gw_index_run.h -- the composite Good Work index of a data table or a data file in one call:
 * what `goodwork index` runs, for the C API and the Python and R packages.
 *
 * The call reads the indicators ("x" or "log(x)"), the area identifier and the time variable,
 * computes the index with analyses/gw_index.h (normalisation, weights, aggregation, ranks, the
 * sensitivity analysis; see there for the method) and returns it with what is needed to name
 * its rows (the identifiers, the time values). gw_index_run_store writes it to a results file
 * as the command line always has (/analyses/NAME). Messages name the command's options
 * ("--invert", "--indicators") as gw_fit.h's do. Safe to call from several threads at once on
 * different data (the engine uses OpenMP inside). */
#ifndef GW_INDEX_RUN_H
#define GW_INDEX_RUN_H

#include <stddef.h>

#include "gw_export.h"
#include "gw_hdf5.h"
#include "gw_index.h"
#include "gw_output.h"
#include "gw_status.h"
#include "gw_table.h"
#include "gw_vars.h"

/* What to index. Strings are borrowed. */
typedef struct {
    const char *const *indicators; /* p variable specs: "x" or "log(x)" (x > 0), distinct */
    size_t p;
    const char *id;   /* area identifier column (numeric or categorical) */
    const char *time; /* time column (ranks per time value), or NULL: one cross-section */
} gw_index_spec;

/* How. All-zero means the documented defaults of gw_index_opts. */
typedef struct {
    gw_index_opts index;      /* the engine's options (invert and user_weights: p entries)   */
    const char *weights_text; /* the weights as the user wrote them, stored as the results
                               * file's "weighting" attribute; NULL: the weighting's name  */
    const char *group;        /* gw_index_run_file on an HDF5 table: its group (NULL: /data) */
    char delim;               /* gw_index_run_file on CSV: the delimiter (0: detected)       */
    const char *goalposts;    /* NULL: none (index.goal is used as given); else the text of
                               * --goalposts, which sets index.goal (see below)              */
} gw_index_run_opts;

/* Goalposts (gw_index.h, step 7: adding a year then never changes earlier values):
 *   "base:2015", "base:2010-2015"     min/max (mean/sd, rank distribution) of a base period;
 *   "fixed:emp_rate=40:90,life_sat=0:10"  one NAME=LO:HI per indicator, NAME as in the spec
 *                                     (minmax: min:max; z: mean:sd; not rank);
 *   "fixed:FILE"                      FILE holds such a list (commas or new lines; '#' starts
 *                                     a comment line), or FILE is a results file: its
 *                                     /analyses/index's goalposts_fixed ("fixed:R.h5:NAME":
 *                                     /analyses/NAME's), which must have the same normalisation.
 * A text containing '=' after "fixed:" is a list, anything else a file. */

/* The result (transparent, read-only; released by gw_index_run_free). */
typedef struct {
    gw_index *index; /* the engine's result: n rows in the table's row order (owned)       */
    double *time;    /* n time values (owned), or NULL when the spec has no time variable  */
    gw_var_keys id;  /* the n rows' identifiers (owned)                                    */
} gw_index_run;

/* gw_index_spec_check -- the checks of a spec that need no data: indicators given (p > 0, no
 * NULL), an id, no indicator twice. Returns GW_EINVAL "indicator 'x' given twice" (and the
 * like), or GW_OK. */
GW_API gw_status gw_index_spec_check(const gw_index_spec *spec);

/* gw_index_run_table -- the index of table t (borrowed, unchanged). out: owned
 * (gw_index_run_free), NULL on failure. Returns GW_EINVAL (the spec, as gw_index_spec_check;
 * "indicator 'x' is not numeric"; "log(x): 'x' is not numeric"), GW_ENOVAR ("unknown variable
 * 'x'"), GW_ENOMEM, the goalposts' (GW_EINVAL for their text, an unknown or missing
 * indicator, fixed goalposts with rank, goalposts with within_time, a base period without a time
 * variable; GW_EIO, GW_EFORMAT, GW_ENOVAR for a goalposts file; checked before the data are read)
 * and gw_index_compute's statuses with its message prefixed "index: " (GW_ENODATA, GW_EILLCOND
 * naming the indicator and the time value, GW_EINVAL for weights). */
GW_API gw_status gw_index_run_table(const gw_table *t, const gw_index_spec *spec,
                                    const gw_index_run_opts *opts, gw_index_run **out);

/* gw_index_run_file -- read the columns the spec names from path (gw_data_load: CSV or goodwork
 * HDF5) and index them as gw_index_run_table. Statuses as gw_index_run_table and the reader's
 * (GW_EIO, GW_EFORMAT with the place). The spec is checked before the file is opened. */
GW_API gw_status gw_index_run_file(const char *path, const gw_index_spec *spec,
                                   const gw_index_run_opts *opts, gw_index_run **out);

/* gw_index_run_store -- write r as the analysis group `group` ("/analyses/NAME") of the results
 * file path, replacing a group of that name: datasets indicators, weights, id, value, rank,
 * rank_change (time with a time variable; rank_median, rank_q05, rank_q95 with draws) and the
 * attributes analysis, normalise, normalise_over, weighting, aggregate, sensitivity_draws, with
 * the provenance prov (borrowed; its seed is the caller's). With goalposts also the attributes
 * goalposts (opts->goalposts), goalposts_fixed (minmax and z: the list "fixed:" reads back),
 * goalposts_base_from/_to (base) and the datasets goalpost_min/_max (minmax) or
 * goalpost_mean/_sd (z). spec and opts: those of the run.
 * Returns gw_results_append_group's statuses (GW_EINVAL, GW_EIO), GW_ENOMEM. */
GW_API gw_status gw_index_run_store(const gw_index_run *r, const gw_index_spec *spec,
                                    const gw_index_run_opts *opts, const char *path,
                                    const char *group, const gw_provenance *prov);

/* gw_index_run_render -- r as `goodwork index` prints it, into *out (owned, gw_free; NULL on
 * failure). fmt GW_OUT_TEXT: the methods, the weights, then the top and bottom 10 areas of the
 * latest time value (with the sensitivity's median rank and 5%-95% interval when r has draws);
 * GW_OUT_JSON: one line (newline-terminated) with the version, the weights, the methods, the
 * inverted indicators, the counts, the sensitivity's settings, the goalposts (with goalposts)
 * and every row (id, time, value, rank, rank_change, rank_median, rank_q05, rank_q95; NaN as
 * null). The text shows the goalposts after the weights. spec and opts: those of the
 * run (opts NULL: the defaults), which name the indicators and methods. Returns GW_EINVAL (NULL
 * r, spec or out; spec with another number of indicators; fmt other than text or json),
 * GW_ENOMEM. */
GW_API gw_status gw_index_run_render(const gw_index_run *r, const gw_index_spec *spec,
                                     const gw_index_run_opts *opts, gw_output_format fmt,
                                     char **out);

/* Names of the engine's options, as the command line takes them and the results file stores
 * them ("minmax", "z", "rank"; "equal", "pca", "user"; "arithmetic", "geometric"); static. */
GW_API const char *gw_index_norm_name(gw_index_norm n);
GW_API const char *gw_index_weighting_name(gw_index_weighting w);
GW_API const char *gw_index_agg_name(gw_index_agg a);

/* gw_index_run_free -- release r; NULL-safe. */
GW_API void gw_index_run_free(gw_index_run *r);

#endif
