/* gw_split.h -- the groups of `fit --split VAR`: one sample per value of a variable, as fixest's
 * `split` argument, handed to the model frame as a row mask (gw_frame_opts.keep).
 *
 * Groups: a categorical VAR's levels that occur in the table, in the table's level order (a
 * level no row has gives no group); a numeric VAR's distinct values in increasing order. Rows
 * where VAR is missing (NaN, or code -1) belong to no group. A group's label is the level's text,
 * or for a number the shortest decimal text that reads back to the same double (the names
 * factor(VAR) gives its levels, gw_frame.h): "1", "0.5", "1976". */
#ifndef GW_SPLIT_H
#define GW_SPLIT_H

#include <stddef.h>

#include "gw_export.h"
#include "gw_status.h"
#include "gw_table.h"

typedef struct gw_split gw_split; /* opaque; gw_split_new, gw_split_free */

/* gw_split_new -- the groups of column var of t.
 *   t, var  in, borrowed (not retained).
 *   out     out, owned: release with gw_split_free; NULL on failure.
 * Returns GW_OK; GW_ENOVAR ("unknown --split variable 'v'"); GW_ENODATA (every value of var is
 * missing); GW_EINVAL (NULL or empty arguments); GW_ENOMEM.
 * Complexity: O(n log n) time for a numeric var, O(n + levels) for a categorical one; memory
 * O(n) (one int32 per row). Thread-safe on distinct outputs. */
GW_API gw_status gw_split_new(const gw_table *t, const char *var, gw_split **out);

/* gw_split_ngroups -- the number of groups (>= 1). */
GW_API size_t gw_split_ngroups(const gw_split *s);

/* gw_split_label -- group g's label (borrowed, valid until gw_split_free); g < ngroups. */
GW_API const char *gw_split_label(const gw_split *s, size_t g);

/* gw_split_var -- the variable's name as given (borrowed, valid until gw_split_free). */
GW_API const char *gw_split_var(const gw_split *s);

/* gw_split_mask -- keep[r] = 1 for the table's rows in group g, 0 for the others (keep: the
 * caller's, one byte per table row). Returns the number of rows in the group. */
GW_API size_t gw_split_mask(const gw_split *s, size_t g, unsigned char *keep);

/* gw_split_free -- release s; NULL-safe. */
GW_API void gw_split_free(gw_split *s);

#endif
