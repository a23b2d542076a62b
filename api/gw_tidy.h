/* gw_tidy.h -- the objects of a results file as tidy tables (goodwork export, goodwork diff).
 *
 * A results file (docs/reference/output.md) holds models (/models/NAME), analyses
 * (/analyses/NAME: index, cluster, synergy, mediate, scenario) and the pipeline's record
 * (/pipeline). Each is an object with a main table and named parts, all gw_tables with one row
 * per observation unit and the identifying ("key") columns first:
 *
 *   kind      part (""= main)  rows                     key columns, then values
 *   model     ""               coefficient              term | estimate std_error statistic
 *                                                       p_value ci_low ci_high (broom::tidy)
 *             vcov             coefficient pair         term term2 | covariance
 *   index     ""               area (and time)          id [time] | value rank rank_change
 *                                                       [rank_median rank_q05 rank_q95]
 *             weights          indicator                indicator | weight
 *   cluster   ""               area                     id | cluster cluster_ward
 *             profiles         community                cluster | size, one per variable
 *             silhouette       k = 2..kmax              k | silhouette
 *             transitions      (period, from, to)       from_time to_time from_cluster
 *                                                       to_cluster | count
 *   scenario  ""               area x outcome           area outcome | local_shock base point
 *                                                       mean median q05 q95 rank_base
 *                                                       rank_after rank_change
 *             national         outcome                  outcome | mean_change q05 q50 q95 point
 *             by/VAR           level x outcome          VAR outcome | the same
 *             draws            draw x outcome           draw outcome | mean_change
 *   mediate   ""               effect                   effect | estimate ci_low ci_high ...
 *             replicates       replicate x effect       replicate effect | estimate
 *   synergy   ""               scope x pair (i < j)     scope var1 var2 | r ci_low ci_high
 *                                                       p_value n
 *   pipeline  ""               step                     step_name | step_kind step_group ...
 *   other     ""               the 1-D datasets of the most common length (first string
 *                              dataset as key); a goodwork data table (a group with the
 *                              `columns` attribute) is read by gw_h5_table_read instead
 *   every     glance           one row                  the object's attributes except the
 *                                                       provenance (broom::glance)
 *
 * Strings become categorical columns (levels in order of first appearance), numbers numeric
 * columns (integers as doubles); values are the stored ones, bit for bit. Kinds are recognised
 * by the `analysis` attribute where it is stored, else by the datasets present, so a file
 * written by an older goodwork reads too; datasets a part does not know are left out of it. */
#ifndef GW_TIDY_H
#define GW_TIDY_H

#include <stddef.h>

#include "gw_export.h"
#include "gw_output.h"
#include "gw_status.h"
#include "gw_table.h"

typedef enum {
    GW_TIDY_MODEL = 0,
    GW_TIDY_INDEX,
    GW_TIDY_CLUSTER,
    GW_TIDY_SCENARIO,
    GW_TIDY_MEDIATE,
    GW_TIDY_SYNERGY,
    GW_TIDY_PIPELINE,
    GW_TIDY_OTHER
} gw_tidy_kind;

/* One object of a results file (gw_tidy_list). */
typedef struct {
    char *name;        /* "models/life_sat", "analyses/good_work", "pipeline"   */
    char *group;       /* its HDF5 group: "/models/life_sat"                    */
    gw_tidy_kind kind; /* what it is; gw_tidy_kind_name gives the word           */
    size_t rows;       /* rows of its main table                                 */
    char **parts;      /* its parts other than the main table ("vcov", "glance") */
    size_t nparts;
} gw_tidy_object;

/* gw_tidy_kind_name -- "model", "index", "cluster", "scenario", "mediate", "synergy",
 * "pipeline" or "other" (static). */
GW_API const char *gw_tidy_kind_name(gw_tidy_kind k);

/* gw_tidy_list -- the objects of the results file path: the models (in the order they were
 * added), the analyses (likewise), then /pipeline when present. out: *objs owned
 * (gw_tidy_list_free) and *n. Returns GW_OK; GW_EINVAL (NULL argument); GW_EIO (cannot open);
 * GW_EFORMAT (not HDF5, an unreadable object); GW_ENOMEM. Complexity: reads every object. */
GW_API gw_status gw_tidy_list(const char *path, gw_tidy_object **objs, size_t *n);

/* gw_tidy_list_free -- release what gw_tidy_list returned; NULL-safe. */
GW_API void gw_tidy_list_free(gw_tidy_object *objs, size_t n);

/* gw_tidy_find -- resolve a name as a user types it: "life_sat", "models/life_sat",
 * "/models/life_sat", "analyses/good_work", "pipeline". A bare name is looked up among the
 * models and the analyses. *index receives the position in objs. Returns GW_OK; GW_ENOVAR (no
 * such object, or a bare name that is both a model and an analysis; the message lists what the
 * file holds, or the two full names); GW_EINVAL (NULL argument). */
GW_API gw_status gw_tidy_find(const gw_tidy_object *objs, size_t n, const char *name,
                              size_t *index);

/* gw_tidy_read -- the table `part` ("" or NULL: the main table) of object `name` (resolved as by
 * gw_tidy_find) of the results file path. *nkey (may be NULL) receives the number of key
 * columns at the front. out: owned, gw_table_free. Returns GW_OK; GW_ENOVAR (no such object or
 * part; the message lists what there is); GW_EIO; GW_EFORMAT (not HDF5, or datasets whose
 * lengths do not fit the layout); GW_EINVAL; GW_ENOMEM. Complexity: O(bytes of the object). */
GW_API gw_status gw_tidy_read(const char *path, const char *name, const char *part, gw_table **out,
                              size_t *nkey);

/* gw_tidy_render -- t as CSV (GW_OUT_CSV: gw_csv_write_text's dialect, NaN as an empty field)
 * or JSON (GW_OUT_JSON: an array of one object per row, keys the column names, numbers that
 * read back bit-identical, NaN as null; one line and a newline). out: owned, gw_free.
 * Returns GW_OK; GW_EINVAL (NULL argument, another format, a table without columns);
 * GW_ENONFINITE (an infinity in CSV); GW_ENOMEM. */
GW_API gw_status gw_tidy_render(const gw_table *t, gw_output_format fmt, char **out);

#endif
