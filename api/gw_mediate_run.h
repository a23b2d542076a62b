/* gw_mediate_run.h -- one call runs a mediation analysis on a data file or table: the library's
 * front door for `goodwork mediate`, the C API and the Python and R packages.
 *
 * The call names the roles by variable (outcome, treatment, mediators, controls, fixed effects,
 * cluster), writes the formula "Y ~ T + M1 + .. + C1 + .. | FE1 + FE2" from them, reads only
 * the columns it uses, builds one model frame (so that controls may be log(x), factor(x), ...),
 * finds the columns of the treatment and the mediators and runs the engine, gw_mediate_fit
 * (models/gw_mediate.h, which documents the model, the bootstrap and the intervals). The result
 * keeps the names as fitted next to the engine's numbers, which is what the command line prints
 * and what gw_mediate_run_save writes to a results file.
 *
 * Messages name the command line's flags where a flag is at fault ("--mediator-controls: 'x' is
 * not a control"), as gw_fit.h does. Order of work, so that every failure is reported before
 * anything is computed: the roles (usage errors before reading data), the formula, the data,
 * the model frame, the columns, the fit. Safe to call from several threads at once on
 * different arguments (gw_threads_set is the caller's, as for every fit). */
#ifndef GW_MEDIATE_RUN_H
#define GW_MEDIATE_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "gw_export.h"
#include "gw_hdf5.h"
#include "gw_mediate.h"
#include "gw_status.h"
#include "gw_table.h"

/* The seed of the bootstrap when opts.seed_set is 0: a fixed, documented value, so that two
 * runs without a seed give the same bytes. */
#define GW_MEDIATE_RUN_DEFAULT_SEED 20250101u

/* The roles. Every string is borrowed; terms are written as in a formula (x, log(x), and for
 * controls factor(x) too); white space inside a term is ignored. Outcome, treatment, each
 * mediator and each control must be distinct. */
typedef struct {
    const char *outcome;
    const char *treatment; /* one numeric column: x or log(x) */
    const char *const *mediators;
    size_t nmediators; /* >= 1; each one numeric column */
    const char *const *controls;
    size_t ncontrols; /* controls of every equation (of the outcome equation when
                       * separate_mediator_controls) */
    const char *const *mediator_controls;
    size_t nmediator_controls;      /* controls of the mediator equations, when */
    int separate_mediator_controls; /* 1 (then possibly none); 0: they use controls */
    const char *const *fe;
    size_t nfe;          /* absorbed fixed effects (none: an intercept) */
    const char *cluster; /* bootstrap and SE cluster; NULL: fe[0], or the rows without fe */
    /* The fixed effects as the caller wrote them, for the text summary (the command line's
     * --fe accepts "A+B" and "A,B"); NULL: fe joined by '+'. */
    const char *fe_text;
} gw_mediate_run_spec;

/* How to run it. All-zero means the documented defaults. */
typedef struct {
    size_t boot;       /* replications; 0: GW_MEDIATE_DEFAULT_BOOT, or none with ci DELTA */
    uint64_t seed;     /* the bootstrap's seed, when seed_set */
    int seed_set;      /* 0: GW_MEDIATE_RUN_DEFAULT_SEED */
    gw_mediate_ci ci;  /* the interval of ci_low/ci_high; 0: percentile */
    double conf_level; /* 0: 0.95; otherwise in (0, 1) */
    unsigned flags;    /* GW_MED_KEEP_SINGLETONS, GW_MED_KEEP_REPLICATES (gw_mediate.h) */
    /* Progress of the bootstrap (gw_mediate_opts.progress); NULL: none. */
    void (*progress)(void *ctx, size_t done, size_t total);
    void *progress_ctx;
    const char *group; /* gw_mediate_run_file on an HDF5 table: its group (NULL: "/data") */
    char delim;        /* gw_mediate_run_file on CSV: the field delimiter (0: detected) */
} gw_mediate_run_opts;

/* The result: a plain record, like the engine's (every pointer owned; gw_mediate_run_free). */
typedef struct {
    gw_mediate_result *fit;    /* the engine's effects, paths and replicates */
    char *formula;             /* the model formula that was fitted */
    char *treatment, *outcome; /* the terms, white space removed (as in the formula) */
    char **mediators;
    size_t nmediators;
    char **controls;
    size_t ncontrols;
    char **mediator_controls; /* when separate_mediator_controls */
    size_t nmediator_controls;
    int separate_mediator_controls;
    char **fe; /* the fixed effects as given */
    size_t nfe;
    char *cluster;               /* the cluster variable; NULL: the rows (observations) */
    size_t nobs_dropped_missing; /* rows of the data left out for missing values */
    char *mediator_list;         /* the mediators as given, joined by commas */
    char *mediator_control_list; /* the same for the mediator controls (when separate) */
    char *control_list;          /* the controls as given, joined by commas */
    char *fe_list;               /* spec.fe_text, or the fixed effects joined by '+' */
} gw_mediate_run;

/* gw_mediate_run_table -- mediation of spec's treatment through its mediators to its outcome
 * on table t (borrowed, unchanged). spec, opts: borrowed (opts NULL: defaults). out: owned
 * (gw_mediate_run_free); NULL on failure. Returns GW_OK, or:
 *   GW_EINVAL   NULL arguments, no mediator; two roles with the same name; a mediator control
 *               that is the outcome, the treatment or a mediator; the treatment or a mediator
 *               not a single numeric column (categorical, or not a term of the frame); the
 *               model frame's and the engine's GW_EINVAL (fewer than 2 clusters, ...).
 *   GW_ESYNTAX  a role is not a valid term ("bad variable specification: ...").
 *   GW_ENOVAR   a variable, fixed effect or cluster variable is not in the table.
 *   GW_EFORMAT, GW_ENONFINITE  bad values (log of a non-positive number, ...).
 *   GW_ENODATA, GW_ERANK, GW_ENOCONV, GW_EUNSUPPORTED  the engine's ("mediation: ...").
 *   GW_ENOMEM.
 * Complexity: that of gw_mediate_fit, plus one pass over the columns used. */
GW_API gw_status gw_mediate_run_table(const gw_table *t, const gw_mediate_run_spec *spec,
                                      const gw_mediate_run_opts *opts, gw_mediate_run **out);

/* gw_mediate_run_file -- read the columns the analysis uses from path (gw_data_load, with
 * opts->group and opts->delim) and run as gw_mediate_run_table. Statuses as that, and the
 * reader's (GW_EIO, GW_EFORMAT with file:line:col), reported after the role checks. */
GW_API gw_status gw_mediate_run_file(const char *path, const gw_mediate_run_spec *spec,
                                     const gw_mediate_run_opts *opts, gw_mediate_run **out);

/* gw_mediate_run_save -- store r in the results file path as the group /analyses/NAME (name
 * NULL: "mediate"), replacing a group of that name: the datasets effect (names), estimate,
 * ci_low, ci_high, se_delta, boot_se, pct_low, pct_high, bca_low, bca_high, delta_low,
 * delta_high (one row per effect) and replicates (B x effects, when r->fit kept them), the
 * attributes formula, treatment, outcome, mediators, cluster, method, conf_level, boot,
 * boot_failed, nobs, n_clusters (and mediator_controls), and the provenance prov (borrowed;
 * its seed is the caller's to set). Returns gw_results_append_group's statuses, GW_EINVAL for
 * NULL r or path, GW_ENOMEM. */
GW_API gw_status gw_mediate_run_save(const gw_mediate_run *r, const char *path, const char *name,
                                     const gw_provenance *prov);

/* gw_mediate_run_render -- r as `goodwork mediate` prints it: the text summary (json 0) or
 * one line of JSON (json 1), each ending in a newline. out: owned (gw_free); NULL on failure.
 * Returns GW_OK, GW_EINVAL for NULL r, r->fit or out, GW_ENOMEM. */
GW_API gw_status gw_mediate_run_render(const gw_mediate_run *r, int json, char **out);

/* gw_mediate_run_ci_name -- "percentile", "bca" or "delta": the name of an interval method in
 * the results file and in the command line's output. Static text. */
GW_API const char *gw_mediate_run_ci_name(gw_mediate_ci ci);

/* gw_mediate_run_free -- release r; NULL-safe. */
GW_API void gw_mediate_run_free(gw_mediate_run *r);

#endif
