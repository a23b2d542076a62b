/* gw_h5read.h -- reading any group of a results file back into memory, as the items and
 * attributes gw_results_append_group wrote (gw_hdf5.h), for export and comparison of stored
 * models and analyses (api/gw_tidy.h, api/gw_rdiff.h).
 *
 * A group is read whole: every dataset below it (recursively, with its path relative to the
 * group: "estimate", "by/nation/levels") and the group's own attributes. Float datasets come
 * back as double (GW_H5_F64), integer datasets of any width and sign as int64 (GW_H5_I64),
 * strings (variable or fixed length) as owned C strings (GW_H5_STR). Datasets of more than two
 * dimensions, compound or other types are data errors. Scalar datasets and attributes read as
 * one value. The libhdf5 global heap check of gw_hdf5.h guards every read of strings. */
#ifndef GW_H5READ_H
#define GW_H5READ_H

#include <stddef.h>
#include <stdint.h>

#include "gw_export.h"
#include "gw_hdf5.h"
#include "gw_status.h"

/* One dataset or attribute read back. Exactly the pointer of `kind` is set (rows * max(cols, 1)
 * values, row-major: element [i][j] at i * cols + j). */
typedef struct {
    char *name;        /* relative path inside the group (a dataset) or the attribute's name */
    gw_h5_kind kind;   /* GW_H5_F64, GW_H5_I64 or GW_H5_STR                                  */
    size_t rows, cols; /* cols 0: 1-D (a scalar is one row)                                   */
    double *f64;
    int64_t *i64;
    char **str;
} gw_h5_data;

/* A group read back (owned; gw_h5_group_free). Datasets in name order, depth first. */
typedef struct {
    gw_h5_data *items;
    size_t nitems;
    gw_h5_data *attrs;
    size_t nattrs;
} gw_h5_group;

/* gw_h5_group_read -- read the group `group` (an absolute path) of the HDF5 file path: its
 * datasets, recursively, and its own attributes (not those of sub-groups or datasets).
 * out: owned, gw_h5_group_free. Returns GW_OK; GW_EINVAL (NULL argument); GW_EIO (cannot open
 * the file); GW_EFORMAT (not HDF5, corrupt, an object that is not a group, a dataset of another
 * type or rank); GW_ENOVAR (no such group); GW_ENOMEM. Complexity: O(bytes of the group). */
GW_API gw_status gw_h5_group_read(const char *path, const char *group, gw_h5_group **out);

/* gw_h5_group_item / gw_h5_group_attr -- the dataset or attribute of that name, or NULL
 * (borrowed, valid until gw_h5_group_free). */
GW_API const gw_h5_data *gw_h5_group_item(const gw_h5_group *g, const char *name);
GW_API const gw_h5_data *gw_h5_group_attr(const gw_h5_group *g, const char *name);

/* gw_h5_group_free -- release g; NULL-safe. */
GW_API void gw_h5_group_free(gw_h5_group *g);

/* gw_h5_list_groups -- the names of the sub-groups of `group` in the HDF5 file path (creation
 * order where the file tracks it, else name order; hard links only). A group that does not
 * exist has none (*n 0, GW_OK). out: *names owned (gw_h5_strings_free). Returns GW_OK;
 * GW_EINVAL; GW_EIO; GW_EFORMAT (not HDF5, `group` not a group); GW_ENOMEM. */
GW_API gw_status gw_h5_list_groups(const char *path, const char *group, char ***names, size_t *n);

#endif
