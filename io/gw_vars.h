/* gw_vars.h -- variables of a data table as the analyses name them: a column "x" or its log
 * "log(x)", read as doubles, and the text of a row's key (an area's identifier).
 *
 * The analysis calls (api/gw_cluster_run.h, api/gw_index_run.h) and the command line share
 * these, so that a variable is read, and an identifier written, the same way everywhere. */
#ifndef GW_VARS_H
#define GW_VARS_H

#include <stddef.h>

#include "gw_export.h"
#include "gw_status.h"
#include "gw_table.h"

/* Size of a key's text buffer (gw_var_key_text): longer texts are cut to GW_VAR_KEY_MAX - 1
 * bytes, as the results files have always stored them. */
#define GW_VAR_KEY_MAX 128

/* gw_var_parse -- split a variable spec: "log(x)" gives base "x" and *take_log 1; anything
 * else is its own base with *take_log 0. *base: owned (gw_free). Returns GW_EINVAL (NULL
 * argument), GW_ENOMEM. */
GW_API gw_status gw_var_parse(const char *spec, char **base, int *take_log);

/* gw_var_column -- the n = gw_table_nrows(t) values of column name into out (caller's n
 * doubles): numeric as is (take_log: log, non-positive values NaN), categorical as its codes
 * (missing NaN). Returns GW_ENOVAR "unknown variable 'name'", GW_EINVAL "log(name): 'name' is
 * not numeric" (take_log on a categorical column), GW_EINVAL (NULL argument). */
GW_API gw_status gw_var_column(const gw_table *t, const char *name, int take_log, double *out);

/* gw_var_key_text -- the text of row i of column name into buf (cap bytes, cut to fit): a
 * number as "%.10g", a categorical level, "NA" for a missing level; "" when the column does
 * not exist. Returns buf. */
GW_API char *gw_var_key_text(const gw_table *t, const char *name, size_t i, char *buf, size_t cap);

/* The keys (identifiers) of chosen rows of one column, kept after the table is gone: what an
 * analysis result needs to name its units in text, JSON and results files. */
typedef struct {
    size_t n;
    double *value; /* n: the number, or the level's code for a categorical column; NaN missing */
    char **levels; /* categorical: the column's nlevels level texts (owned); numeric: NULL     */
    size_t nlevels;
} gw_var_keys;

/* gw_var_keys_take -- copy the keys of rows[0..n) (rows NULL: rows 0..n-1) of column name into
 * *out (gw_var_keys_clear releases it, also after a failure). Returns GW_ENOVAR (no such
 * column), GW_EINVAL (NULL argument), GW_ENOMEM. */
GW_API gw_status gw_var_keys_take(const gw_table *t, const char *name, const size_t *rows, size_t n,
                                  gw_var_keys *out);

/* gw_var_keys_text -- key i as gw_var_key_text writes it ("%.10g", the level, or "NA") into
 * buf (cap bytes, cut to fit). Returns buf. */
GW_API char *gw_var_keys_text(const gw_var_keys *k, size_t i, char *buf, size_t cap);

/* gw_var_keys_level -- key i's level text (borrowed; full length), or NULL when the column is
 * numeric or the key is missing. */
GW_API const char *gw_var_keys_level(const gw_var_keys *k, size_t i);

/* gw_var_keys_clear -- release k's arrays and zero it; NULL-safe. */
GW_API void gw_var_keys_clear(gw_var_keys *k);

#endif
