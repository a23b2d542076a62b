/* hdf5_int.h -- helpers shared by the HDF5 files of io/ (hdf5_table.c, hdf5_results.c).
 *
 * Only io/ files that own HDF5 code include this header (it includes hdf5.h). It gathers the
 * three things both stores need: silencing HDF5's automatic error printer for the duration of a
 * public call and turning its error stack into our detail message; the atomic-replace protocol
 * (temporary file in the same directory, fsync, rename, fsync of the directory); and small
 * attribute and string-dataset helpers. Never installed. */
#ifndef GW_HDF5_INT_H
#define GW_HDF5_INT_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

#include "gw_status.h"

/* The automatic error printer saved by gwi_h5_quiet_begin and restored by gwi_h5_quiet_end. */
typedef struct {
    H5E_auto2_t func;
    void *data;
} gwi_h5_quiet;

/* gwi_h5_quiet_begin -- save HDF5's automatic error printer and silence it, so that no HDF5
 * error stack ever reaches stderr; gwi_h5_quiet_end restores what was saved. */
void gwi_h5_quiet_begin(gwi_h5_quiet *q);
void gwi_h5_quiet_end(const gwi_h5_quiet *q);

/* gwi_h5_fail -- record "fmt...: <innermost HDF5 error description>" (the HDF5 part omitted when
 * the default error stack is empty) and return s. Call right after the failing HDF5 call,
 * before any other HDF5 call clears the stack. */
gw_status gwi_h5_fail(gw_status s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* gwi_h5_fapl -- a file access property list: libver bounds (v1.8, v1.8) so that files stay
 * readable by any HDF5 >= 1.8 (h5py, R hdf5r, HDF5.jl) while allowing dense attribute storage
 * (more than 8 attributes, attributes over 64 KiB); file locking that is ignored where the file
 * system does not support it. Negative on failure. Caller closes with H5Pclose. */
hid_t gwi_h5_fapl(void);

/* gwi_h5_open_read -- open path read-only. GW_EIO when the file cannot be opened at all (the
 * errno text), GW_EFORMAT when it is not an HDF5 file or is truncated/corrupt. *file is
 * negative on failure. */
gw_status gwi_h5_open_read(const char *path, hid_t *file);

/* gwi_h5_check_global_heaps -- scan the file at path for global heap collections (signature
 * "GCOL", where HDF5 keeps variable-length strings) and walk each one's object headers as
 * libhdf5 does, without reading any string. Why: libhdf5 1.10.8 loops forever in H5HG_read on a
 * collection whose object header gives a zero step (index 0, size 0), and reads past the
 * collection on one whose step overruns it; such a file must give an error, not a hang
 * (tests/fuzz/known_hdf5/timeout-H5HG_read-*.h5). A collection is checked only when its header is
 * plausible (version 1, reserved bytes zero, size >= 4096 and inside the file), so data that
 * happens to hold "GCOL" is ignored. Reads the whole file once (sequentially, 1 MiB at a time).
 * GW_EFORMAT "<what>: corrupt global heap at byte N", GW_EIO (cannot read), GW_ENOMEM. */
gw_status gwi_h5_check_global_heaps(const char *path, const char *what);

/* gwi_h5_check_global_heaps_except -- gwi_h5_check_global_heaps over the bytes of the file
 * outside the ranges skip[2k] (offset), skip[2k+1] (length), k < nskip: raw data that the caller
 * has located through HDF5 (dataset chunks), which libhdf5 never parses as a heap. A range that
 * is empty, not inside the file or overlapping an earlier one (after sorting by offset) is
 * scanned anyway. Cost: reading the bytes outside the ranges (metadata and heaps, when the
 * ranges cover a table's columns), independent of the amount of numeric data; plus the walk of
 * each collection. Same statuses as gwi_h5_check_global_heaps. */
gw_status gwi_h5_check_global_heaps_except(const char *path, const char *what, const uint64_t *skip,
                                           size_t nskip);

/* gwi_h5_check_group_heaps -- gwi_h5_check_global_heaps_except over the file at path, leaving
 * out the raw data (chunks or contiguous storage, located through HDF5 without reading any
 * attribute or string) of the 1-D numeric datasets of group grp. Why: a table's columns are
 * almost all of its file, and scanning them for heap signatures cost as much as reading them;
 * the remaining bytes are the metadata and the strings. Same statuses. */
gw_status gwi_h5_check_group_heaps(hid_t grp, const char *path, const char *what);

/* gwi_h5_read_column -- read the whole 1-D dataset ds (n rows) of file into dst, as double
 * (want_codes 0: dst holds n doubles) or as int32 codes (want_codes 1: n int32), decoding its
 * chunks on the gw_par.h worker threads (hdf5_chunks.c). Only the calling thread calls HDF5.
 * Handles chunked little-endian float64/int32/int64 datasets filtered by shuffle and/or deflate
 * or not at all, in a file opened through the default (sec2) driver without a user block;
 * returns GW_EUNSUPPORTED, without a message, for anything else, which the caller then reads
 * with H5Dread. GW_EFORMAT (a chunk whose size, place or deflate stream is wrong; what/name
 * name the column in the message), GW_EIO (a chunk cannot be read), GW_ENOMEM. The bytes
 * written are those H5Dread would give, whatever the thread count. *finite: 1 when the column
 * was read as doubles and every value is finite (found while each chunk was in the cache). */
gw_status gwi_h5_read_column(hid_t file, hid_t ds, size_t n, int want_codes, void *dst,
                             const char *what, const char *name, int *finite);

/* gwi_base -- the final component of path (borrowed, inside path), used in messages. */
const char *gwi_base(const char *path);

/* The atomic-replace protocol, serialised between writers of one target.
 * gwi_atomic_begin first takes an exclusive advisory lock (flock) on the lock file
 * "<dir>/.<base>.lock" beside path, waiting up to GW_LOCK_TIMEOUT seconds (environment; default
 * 60, 0 = do not wait); only then (so that a writer that waited works on the file its
 * predecessor left) does it delete stale temporaries of the same target left by processes that
 * no longer exist, make the temporary name "<dir>/.<base>.tmp.<pid>" (recorded for
 * gw_cleanup_on_signal) and, when copy_existing is set and path exists, copy path's bytes into it
 * (keeping its permission bits). gwi_atomic_commit fsyncs the temporary, renames it over path,
 * fsyncs the directory and releases the lock; gwi_atomic_abort unlinks the temporary and
 * releases the lock. Both are no-ops on a w already committed or aborted, and begin cleans up
 * after its own failure. noun names the kind of file in the busy message ("results file").
 * Statuses: GW_EIO (with the errno text; "<path>: <noun> busy: ..." after the wait),
 * GW_EINVAL (GW_LOCK_TIMEOUT is not a number of seconds), GW_ENOMEM. */
#define GWI_PATH_MAX 4096
typedef struct {
    char tmp[GWI_PATH_MAX]; /* the temporary's name; "" when there is none (any more) */
    int lock_fd;            /* the lock file's descriptor while the lock is held, else -1 */
    int slot;               /* the gwi_cleanup_add_file slot of tmp, else -1 */
} gwi_atomic;
#define GWI_ATOMIC_INIT {"", -1, -1}
gw_status gwi_atomic_begin(gwi_atomic *w, const char *path, const char *noun, int copy_existing,
                           int *existed);
gw_status gwi_atomic_commit(gwi_atomic *w, const char *path);
void gwi_atomic_abort(gwi_atomic *w);

/* gwi_h5_vlen_str_type -- a variable-length UTF-8 string type (caller closes with H5Tclose). */
hid_t gwi_h5_vlen_str_type(void);

/* gwi_h5_list_members -- the names of the members of grp that are objects of `type`
 * (H5I_GROUP or H5I_DATASET), by creation order when grp tracks it, else by name; hard links
 * only. out: *names (owned, gwi_strv_free) and *n. GW_EFORMAT ("<what>: cannot list its
 * members") or GW_ENOMEM. */
gw_status gwi_h5_list_members(hid_t grp, H5I_type_t type, const char *what, char ***names,
                              size_t *n);

/* Attribute writers (an existing attribute of the same name is replaced). Negative on failure,
 * with the HDF5 stack left for gwi_h5_fail. */
herr_t gwi_attr_str(hid_t loc, const char *name, const char *value);
herr_t gwi_attr_strs(hid_t loc, const char *name, const char *const *values, size_t n);
herr_t gwi_attr_f64(hid_t loc, const char *name, double value);
herr_t gwi_attr_u64s(hid_t loc, const char *name, const uint64_t *values, size_t n);
herr_t gwi_attr_i32(hid_t loc, const char *name, int32_t value);

/* gwi_read_strs -- read the strings of an attribute (is_attr != 0) or dataset obj, whether
 * variable-length or fixed-length, into a gw_alloc'd array of n gw_alloc'd strings. GW_EFORMAT
 * (not a 1-D/scalar string object; what names it in messages), GW_ENOMEM. */
gw_status gwi_read_strs(hid_t obj, int is_attr, const char *what, char ***out, size_t *n);
/* (release with gwi_strv_free, core_int.h) */

#endif
