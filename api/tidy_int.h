/* tidy_int.h -- the pieces of api/tidy.c that goodwork diff (api/rdiff.c) shares: an object's
 * group read once (gw_h5read.h) and turned into each of its tables. Never installed. */
#ifndef GW_TIDY_INT_H
#define GW_TIDY_INT_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "gw_h5read.h"
#include "gw_table.h"
#include "gw_tidy.h"

/* gwi_tidy_is_provenance -- 1 for the attributes that describe a write (goodwork_version,
 * created_utc, command_line, data_sha256, blas, seed) or name the file read (results). */
int gwi_tidy_is_provenance(const char *attr);

/* gwi_tidy_kind_of -- the kind of the object read from group. */
gw_tidy_kind gwi_tidy_kind_of(const gw_h5_group *g, const char *group);

/* gwi_tidy_parts -- the parts of g besides its main table (owned, gwi_strv_free). GW_ENOMEM. */
gw_status gwi_tidy_parts(const gw_h5_group *g, gw_tidy_kind kind, char ***parts, size_t *n);

/* gwi_tidy_build -- table `part` ("" or NULL: the main one) of g (read from group); as
 * gw_tidy_read. */
gw_status gwi_tidy_build(const gw_h5_group *g, const char *group, const char *part, gw_table **out,
                         size_t *nkey);

/* gwi_tidy_list_objects -- the groups of the objects of path (models, analyses, /pipeline),
 * owned (gwi_strv_free). */
gw_status gwi_tidy_list_groups(const char *path, char ***groups, size_t *n);

/* gwi_json_exact -- a JSON number whose text reads back as exactly v (gw_output_number; cJSON's
 * own printing can lose the last bit), or null for NaN and infinities. */
cJSON *gwi_json_exact(double v);

#endif
