/* gw_load.h -- reading a data table from a file, the reader chosen by the file's extension.
 *
 * The one place where a command, a binding or a C program turns a path into a gw_table: .h5,
 * .hdf5 and .he5 are goodwork HDF5 data tables (io/gw_hdf5.h), anything else CSV (io/gw_csv.h;
 * .csv.gz too). See docs/contract.md, "Reading data". */
#ifndef GW_LOAD_H
#define GW_LOAD_H

#include <stddef.h>

#include "gw_export.h"
#include "gw_status.h"
#include "gw_table.h"

/* What to read. All-zero means every column, the default group, a detected delimiter. */
typedef struct {
    const char *const *columns; /* the columns wanted (NULL or ncolumns 0: all) */
    size_t ncolumns;
    const char *group; /* HDF5: the table's group (NULL: "/data") */
    char delim;        /* CSV: the field delimiter (0: detected from the header line) */
} gw_load_opts;

/* gw_data_load -- read the table at path. Only the named columns are converted; a named column
 * the file does not have is left out (not an error), so that the model frame can report it with
 * its context (the formula with a caret under the name). opts: NULL means the defaults.
 * out: owned (gw_table_free); NULL on failure. Returns GW_EINVAL (no path), GW_EFORMAT (not a
 * CSV file or goodwork table, malformed; the message names the place, file:line:col), GW_EIO,
 * GW_ENOMEM, or the reader's other statuses. */
GW_API gw_status gw_data_load(const char *path, const gw_load_opts *opts, gw_table **out);

/* gw_data_is_h5 -- 1 when path names an HDF5 table by its extension (.h5, .hdf5, .he5, any
 * case), as gw_data_load decides. */
GW_API int gw_data_is_h5(const char *path);

#endif
