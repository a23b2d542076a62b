/* gw_cluster_run.h -- "good work communities" of a data table or a data file in one call: what
 * `goodwork cluster` runs, for the C API and the Python and R packages.
 *
 * The units clustered are areas: the rows of one time value (has_at), or each area's mean over
 * time (a time variable without has_at), or the rows as given (no time variable; then each id
 * must have one row). Areas with a variable missing (or, for means, with no value) are left
 * out and counted. Variables are standardised (z-scores over the units) before clustering;
 * profiles are reported in the variables' own units. k-means (analyses/gw_cluster.h: k-means++
 * starts, restarts, seed) is the main method; Ward is always computed as a check (its adjusted
 * Rand index against k-means is reported). k is the largest mean silhouette over k = 2..kmax
 * unless given. With a time variable and no has_at, every time value is also clustered on its
 * own (standardised within that time), its clusters matched to the main solution's centroids by
 * the Hungarian algorithm (least total squared distance), and the year-to-year transition
 * matrices of membership counted. Optional: the ARI against a known labelling (truth) and
 * bootstrap stability (mean ARI, Jaccard per cluster).
 *
 * Messages name the command's options ("--k", "--time") as gw_fit.h's do. Safe to call from
 * several threads at once on different data (the engines use OpenMP inside). */
#ifndef GW_CLUSTER_RUN_H
#define GW_CLUSTER_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "gw_cluster.h"
#include "gw_export.h"
#include "gw_hdf5.h"
#include "gw_output.h"
#include "gw_status.h"
#include "gw_table.h"
#include "gw_vars.h"

/* Largest k (and kmax) accepted. */
#define GW_CLUSTER_RUN_KMAX 100

/* Default largest k of the silhouette curve. */
#define GW_CLUSTER_RUN_KMAX_DEFAULT 8

typedef enum { GW_CLUSTER_KMEANS = 0, GW_CLUSTER_WARD } gw_cluster_method;

/* What to cluster. Strings are borrowed. */
typedef struct {
    const char *const *vars; /* p variable specs: "x" or "log(x)"                             */
    size_t p;
    const char *id;    /* area identifier column (numeric or categorical)                    */
    const char *time;  /* time column, or NULL: the rows as given                            */
    int has_at;        /* 1: the rows at time value `at` (needs time); 0: means over time    */
    double at;         /* the time value of has_at                                       */
    const char *truth; /* a known labelling (codes 0..1e6) for the ARI, or NULL              */
} gw_cluster_spec;

/* How. All-zero means: k by silhouette over 2..8, k-means reported, the engine's k-means
 * defaults (50 restarts, 100 iterations, seed 0), no bootstrap. */
typedef struct {
    size_t k;                 /* 0: best silhouette; else 2..GW_CLUSTER_RUN_KMAX            */
    size_t kmax;              /* 0: GW_CLUSTER_RUN_KMAX_DEFAULT; else 2..GW_CLUSTER_RUN_KMAX */
    gw_cluster_method method; /* the partition reported (and scored by the silhouette)      */
    gw_kmeans_opts kmeans;    /* restarts, iterations, seed                                 */
    size_t boot;              /* bootstrap replicates for stability; 0: none                */
    const char *group;        /* gw_cluster_run_file on an HDF5 table: its group (NULL: /data) */
    char delim;               /* gw_cluster_run_file on CSV: the delimiter (0: detected)    */
} gw_cluster_run_opts;

/* The result (transparent, read-only; released by gw_cluster_run_free). Arrays over units have
 * m entries in the order of the units' ids (ascending number or level code). */
typedef struct {
    size_t m, p;            /* units clustered, variables                                  */
    size_t n_dropped;       /* units left out for a missing variable                       */
    size_t k, kmax, best_k; /* k used; the silhouette curve's last k (<= m - 1); its best  */
    int k_given;            /* 1 when opts.k chose k                                       */
    gw_cluster_method method;
    gw_var_keys id;              /* the m units' identifiers                                    */
    double *silhouette;          /* kmax + 1, indexed by k (NaN for k < 2)                      */
    int *assign;                 /* m labels 0..k-1 of the reported partition                   */
    int *ward;                   /* m labels of Ward's partition                                */
    gw_kmeans *kmeans;           /* the main k-means fit at k (within_ss, total_ss, ...)        */
    size_t *sizes;               /* k cluster sizes of the reported partition                   */
    double *profiles;            /* k x p column-major (ld k): cluster means in own units       */
    double *jaccard;             /* k bootstrap Jaccard per cluster, or NULL without bootstrap  */
    double ari;                  /* reported partition against truth (NaN without truth)        */
    double ari_kmeans, ari_ward; /* k-means and Ward against truth (NaN without truth)     */
    double ari_kmeans_vs_ward;
    double boot_mean_ari; /* NaN without bootstrap                                       */
    size_t nts;           /* time values of the transitions (0 without them)             */
    double *ts;           /* nts sorted time values                                      */
    size_t *transitions;  /* (nts - 1) x k x k counts: [(q k + from) k + to]             */
} gw_cluster_run;

/* gw_cluster_spec_check -- the checks of a spec that need no data: variables given (p > 0, no
 * NULL), an id, has_at only with a time variable. GW_EINVAL with a message, or GW_OK. */
GW_API gw_status gw_cluster_spec_check(const gw_cluster_spec *spec);

/* gw_cluster_run_table -- cluster the units of table t (borrowed, unchanged). out: owned
 * (gw_cluster_run_free), NULL on failure. Returns GW_EINVAL (the spec or options; an id with
 * several rows and no time variable; k more than the units; "log(x): 'x' is not numeric"),
 * GW_ENOVAR ("unknown variable 'x'"), GW_ENODATA (fewer than 3 complete units), GW_ENOMEM, and
 * the engines' statuses with their messages prefixed "cluster: " (standardising, k-means,
 * Ward, silhouettes, ARI), "cluster bootstrap: " or "cluster transitions: ". */
GW_API gw_status gw_cluster_run_table(const gw_table *t, const gw_cluster_spec *spec,
                                      const gw_cluster_run_opts *opts, gw_cluster_run **out);

/* gw_cluster_run_file -- read the columns the spec names from path (gw_data_load: CSV or
 * goodwork HDF5) and cluster as gw_cluster_run_table. Statuses as gw_cluster_run_table and the
 * reader's (GW_EIO, GW_EFORMAT with the place). The spec and options are checked first. */
GW_API gw_status gw_cluster_run_file(const char *path, const gw_cluster_spec *spec,
                                     const gw_cluster_run_opts *opts, gw_cluster_run **out);

/* gw_cluster_run_store -- write r as the analysis group `group` ("/analyses/NAME") of the
 * results file path, replacing a group of that name: datasets variables (spec's specs), id,
 * cluster and cluster_ward (1-based), silhouette, sizes, profiles (k x p), and with transitions
 * transition_times and transitions ((nts - 1) k x k); attributes analysis, method, k, ari,
 * ari_kmeans_vs_ward, within_ss, bootstrap_mean_ari; and the provenance prov (borrowed).
 * Returns gw_results_append_group's statuses (GW_EINVAL, GW_EIO), GW_ENOMEM. */
GW_API gw_status gw_cluster_run_store(const gw_cluster_run *r, const gw_cluster_spec *spec,
                                      const char *path, const char *group,
                                      const gw_provenance *prov);

/* gw_cluster_run_render -- r as `goodwork cluster` prints it, into *out (owned, gw_free; NULL
 * on failure). fmt GW_OUT_TEXT: the silhouette curve, the k-means summary, the ARIs, the
 * bootstrap stability, the cluster profiles and the share staying in their cluster year to
 * year; GW_OUT_JSON: one line (newline-terminated) with the version, method, variables, units,
 * counts, silhouettes, assignments, ARIs (against truth only with spec->truth), the k-means
 * summary, restarts and seed, profiles, stability and transition matrices (NaN as null).
 * spec and opts: those of the run (opts NULL: the defaults), which name the variables and the
 * settings reported. Returns GW_EINVAL (NULL r, spec or out; spec with another number of
 * variables; fmt other than text or json), GW_ENOMEM. */
GW_API gw_status gw_cluster_run_render(const gw_cluster_run *r, const gw_cluster_spec *spec,
                                       const gw_cluster_run_opts *opts, gw_output_format fmt,
                                       char **out);

/* gw_cluster_run_free -- release r; NULL-safe. */
GW_API void gw_cluster_run_free(gw_cluster_run *r);

#endif
