/* gw_synergy_run.h -- one call computes the "synergies" of a data file or table: the library's
 * front door for `goodwork synergy`, the C API and the Python and R packages.
 *
 * The call reads the variables (x, or log(x): the log of positive values, other values
 * missing), the controls, the time variable and the area identifier as columns of doubles (a
 * categorical column as its codes, missing as NaN) and runs gw_synergy_compute
 * (models/gw_synergy.h documents the matrices and their conventions). The result keeps the
 * variables' names as given next to the matrices: what the command line prints and what
 * gw_synergy_run_save writes to a results file.
 *
 * Order of work: the spec, the data, the columns, the computation. Safe to call from several
 * threads at once on different arguments. */
#ifndef GW_SYNERGY_RUN_H
#define GW_SYNERGY_RUN_H

#include <stddef.h>

#include "gw_export.h"
#include "gw_hdf5.h"
#include "gw_output.h"
#include "gw_status.h"
#include "gw_synergy.h"
#include "gw_table.h"

/* What to correlate. Every string is borrowed. */
typedef struct {
    const char *const *vars; /* "x" or "log(x)"; at least 2 */
    size_t nvars;
    const char *const *controls; /* for partial correlations ("x" or "log(x)"); may be none */
    size_t ncontrols;
    const char *time; /* the time variable (year); required */
    const char *id;   /* the area identifier; NULL: no correlations of changes */
} gw_synergy_run_spec;

/* How. All-zero means the documented defaults. */
typedef struct {
    const double *breaks; /* borrowed period breaks, ascending; NULL/0: 2020, 2022 */
    size_t nbreaks;       /* at most GW_SYNERGY_MAX_BREAKS */
    int raw;              /* 1: pool periods on raw values; 0: demeaned within each time */
    double conf_level;    /* 0: 0.95; otherwise in (0, 1) */
    const char *group;    /* gw_synergy_run_file on an HDF5 table: its group (NULL: "/data") */
    char delim;           /* gw_synergy_run_file on CSV: the field delimiter (0: detected) */
    const char *cluster;  /* NULL, or the variable of a clustered inference (the p-values and
                           * intervals of every matrix; gw_synergy.h, "Clustered") */
} gw_synergy_run_opts;

/* The result: a plain record (every pointer owned; gw_synergy_run_free). */
typedef struct {
    gw_synergy *cor; /* the matrices (models/gw_synergy.h) */
    char **vars;     /* the variables as given ("log(x)") */
    size_t nvars;
    char **controls; /* the controls as given */
    size_t ncontrols;
    int raw; /* periods pooled on raw values (1) or demeaned within time (0) */
    char *cluster; /* the cluster variable of the inference, or NULL (iid t tests) */
} gw_synergy_run;

/* gw_synergy_run_table -- the correlation matrices of spec's variables on table t (borrowed,
 * unchanged). spec, opts: borrowed (opts NULL: defaults). out: owned (gw_synergy_run_free);
 * NULL on failure. Returns GW_OK, or:
 *   GW_EINVAL   NULL arguments, no time variable, fewer than 2 variables ("--vars needs at
 *               least 2 variables"); log() of a categorical column; gw_synergy_compute's
 *               GW_EINVAL ("synergy: ...": breaks not ascending, more than
 *               GW_SYNERGY_MAX_BREAKS, conf_level outside (0, 1)).
 *   GW_ENOVAR   a variable, control, time or id column is not in the table.
 *   GW_EDIM, GW_ENODATA  gw_synergy_compute's ("synergy: ...": no row with every variable).
 *   GW_ENOMEM.
 * Complexity: that of gw_synergy_compute, plus one pass over the columns used. */
GW_API gw_status gw_synergy_run_table(const gw_table *t, const gw_synergy_run_spec *spec,
                                      const gw_synergy_run_opts *opts, gw_synergy_run **out);

/* gw_synergy_run_file -- read the columns the analysis uses from path (gw_data_load, with
 * opts->group and opts->delim) and run as gw_synergy_run_table. Statuses as that, and the
 * reader's (GW_EIO, GW_EFORMAT with file:line:col). */
GW_API gw_status gw_synergy_run_file(const char *path, const gw_synergy_run_spec *spec,
                                     const gw_synergy_run_opts *opts, gw_synergy_run **out);

/* gw_synergy_run_pooling -- "raw" or "demeaned_within_time": how r pooled its periods, as the
 * results file and the command line's JSON name it. Static text. */
GW_API const char *gw_synergy_run_pooling(const gw_synergy_run *r);

/* gw_synergy_run_save -- store r in the results file path as the group /analyses/NAME (name
 * NULL: "synergy"), replacing a group of that name: the datasets variables and controls
 * (names), and for each matrix a p x p dataset per statistic (r, ci_low, ci_high, p_value) and
 * its n, under all/, by_year/TIME/, by_period/LABEL/, partial/LABEL/ and changes/LABEL/; the
 * attributes analysis ("synergy"), conf_level, pooling and sign_switches (and cluster, the
 * cluster variable's name, when the inference was clustered); and the provenance
 * prov (borrowed). Returns gw_results_append_group's statuses, GW_EINVAL for NULL r or path,
 * GW_ENOMEM. */
GW_API gw_status gw_synergy_run_save(const gw_synergy_run *r, const char *path, const char *name,
                                     const gw_provenance *prov);

/* gw_synergy_run_render -- r as `goodwork synergy` prints it, into *out (owned, gw_free; NULL
 * on failure). fmt GW_OUT_TEXT: a lower-triangular table with significance stars per period
 * (* p<0.1, ** p<0.05, *** p<0.01, as goodwork table; gw_synergy_run_render_stars for others)
 * (then the partial correlations and those of changes when r has them, then every year's with
 * by_year) and the links that switched sign; GW_OUT_JSON (by_year ignored: the JSON always
 * has every year): one line (newline-terminated) with the version, variables, controls,
 * conf_level, pooling, every matrix (r, ci_low, ci_high, p_value; NaN as null) and the sign
 * switches; with a cluster variable also "cluster" (its name) and each matrix's "n_clusters".
 * Returns GW_EINVAL (NULL r or out; fmt other than text or json), GW_ENOMEM. */
GW_API gw_status gw_synergy_run_render(const gw_synergy_run *r, gw_output_format fmt, int by_year,
                                       char **out);

/* gw_synergy_run_render_stars -- gw_synergy_run_render with the text's star thresholds
 * (nstars, decreasing, as gw_etable_stars_parse gives them; stars NULL: the default of every
 * command, 0.1, 0.05, 0.01; nstars 0: no stars and no legend). */
GW_API gw_status gw_synergy_run_render_stars(const gw_synergy_run *r, gw_output_format fmt,
                                             int by_year, const double *stars, size_t nstars,
                                             char **out);

/* gw_synergy_run_free -- release r; NULL-safe. */
GW_API void gw_synergy_run_free(gw_synergy_run *r);

#endif
