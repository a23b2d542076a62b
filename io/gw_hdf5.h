/* gw_hdf5.h -- HDF5 as the home of data tables and fitted results.
 *
 * Layouts (fixed by docs/reference/output.md, "HDF5 results files" and "HDF5 data tables"):
 *
 * Data table: a group (default "/data") holding one 1-D dataset per column, all of the same
 * length: float64 (NaN = missing) for numeric columns, int32 codes (-1 = missing) with an
 * attribute `levels` (variable-length UTF-8 strings) for categorical ones. The group carries an
 * attribute `columns` (the names in table order) and tracks link creation order, so both
 * goodwork and outside tools (h5py, R hdf5r, HDF5.jl) see the columns in order. A numeric
 * column whose values are all integers (no NaN, no -0, |v| < 2^53) is written as an int32
 * dataset when every value fits, else int64, with the string attribute `kind` = "numeric" (it
 * is numbers, not codes: it has no `levels`); every reader returns it as the same doubles.
 * Datasets are chunked by GW_H5_CHUNK_ROWS rows; each is compressed with shuffle + deflate
 * level GW_H5_DEFLATE_LEVEL only when that saves at least GW_H5_MIN_SAVING_PCT percent on a
 * sample of its chunks, and stored unfiltered otherwise (random doubles: see
 * io/hdf5_table.c for the measurements behind these numbers). Only HDF5's built-in filters
 * are used, so any HDF5 reads the files without plugins.
 *
 * Results: /models/NAME/ holds datasets `terms` (strings), `estimate`, `std_error`,
 * `statistic`, `p_value`, `ci_low`, `ci_high` (k each), `vcov` (k x k; element [i][j] is
 * V(i,j)), `fixed_effects` (names) with `fixed_effects_levels` (uint64),
 * `dropped_collinear` (names), and optional `residuals` and `fitted` (nobs each); attributes
 * for every scalar of the JSON output under its JSON name (nobs, nobs_dropped_missing,
 * singletons_dropped, df_resid, n_clusters, r2, adj_r2, r2_within, rmse, rss, loglik, f_stat,
 * f_p_value, iterations, converged) plus formula, vcov_type, estimator, response, weights and
 * every other
 * field of gw_result (tss, f_df1, f_df2, conf_level, stat_is_z, df_inference, rank, rcond,
 * near_singular, solver). A double that is NaN and a count that is GW_RESULT_NA are not stored
 * (absent attribute = does not apply). The provenance (gw_provenance) is stored on the root
 * (describing the latest write) and also on each model group (describing that model's write),
 * so appending never loses the provenance of earlier models.
 *
 * Atomicity: every write builds a private temporary file "<dir>/.<name>.tmp.<pid>" in the
 * target's directory (for an append, a byte copy of the existing file), fsyncs it and renames it
 * over the target, then fsyncs the directory. A process killed at any point leaves either the
 * old file or the new one, never a mixture; it may leave its temporary, which the next write to
 * the same target deletes (the pid is checked to be dead); gw_cleanup_on_signal (gw_cleanup.h)
 * removes it from a signal handler. Writers of one target are serialised: each holds an
 * exclusive flock on "<dir>/.<name>.lock" from before the copy until after the rename, so two
 * processes (or threads) appending at once both keep their models; a writer waits up to
 * GW_LOCK_TIMEOUT seconds (environment variable, default 60) and then fails with GW_EIO
 * ("<path>: results file busy ..."). The kernel drops the lock of a process that dies.
 *
 * Format version: the root attribute "format_version" ("MAJOR.MINOR", GW_RESULTS_FORMAT_*).
 *
 * Errors: HDF5's automatic error printing is silenced during each call (and restored after), so
 * nothing reaches stderr; failures are returned as statuses with a message naming the file and
 * the object, with HDF5's innermost reason appended. The first call also asks HDF5 not to
 * install its atexit handler (H5dont_atexit; a no-op if the host already initialised HDF5):
 * every function here closes its files before returning, and the handler would otherwise print
 * "HDF5: infinite loop closing library" at exit after a corrupt file failed to close. Not
 * thread-safe unless HDF5 itself was built thread-safe (Debian's serial build is not): call
 * from one thread at a time.
 *
 * Known limit: HDF5's global heap (where variable-length strings live) carries no checksum,
 * and libhdf5 1.10.8 can crash inside H5HG_read on a file whose heap bytes were deliberately
 * corrupted (about 1 in 300 random 1-8 byte corruptions of a small table file; truncation and
 * corruption of checksummed metadata are always reported as GW_EFORMAT). */
#ifndef GW_HDF5_H
#define GW_HDF5_H

#include <stddef.h>
#include <stdint.h>

#include "gw_diff.h"
#include "gw_export.h"
#include "gw_result.h"
#include "gw_status.h"
#include "gw_table.h"

/* Rows per chunk of a column dataset: 64 Ki rows = 512 KiB of float64, which fits HDF5's
 * default 1 MiB per-dataset chunk cache with room for the compressed copy, is large enough that
 * deflate works well and per-chunk overhead is negligible (a 10^7-row column is 153 chunks),
 * and small enough that reading a short table wastes little. Columns shorter than this are
 * stored as one chunk of their own length. */
#define GW_H5_CHUNK_ROWS ((size_t)65536)

/* Deflate level and the smallest saving (percent of the raw bytes, measured on a sample of the
 * column's chunks) for which a column is compressed; see io/hdf5_table.c. */
#define GW_H5_DEFLATE_LEVEL 4u
#define GW_H5_MIN_SAVING_PCT 15u

/* Default group of a data table. */
#define GW_H5_DEFAULT_GROUP "/data"

/* Flags of gw_h5_table_write_ex. */
#define GW_H5_APPEND 1u /* keep the other objects of an existing file; the group must not exist */

/* gw_h5_table_read -- read a data table from group `group` of the HDF5 file path.
 *
 * group: NULL means "/data". columns: the names to read, in the order wanted (borrowed);
 * NULL or ncolumns == 0 reads every column in the file's order (the group's `columns` attribute,
 * else link creation order when tracked, else name order). Only the requested datasets are read;
 * the lengths and ranks of all of them are checked. Float datasets of any width are read as
 * double; integer datasets with a `levels` attribute as categorical codes (each -1 or a valid
 * level index), integer datasets without it as numeric. Other objects in the group (subgroups)
 * are ignored. out: owned, gw_table_free; NULL on failure. The chunks of the columns are
 * decoded on gw_threads_get() threads (HDF5 itself is called from the calling thread only);
 * the values do not depend on the thread count.
 *
 * Returns GW_OK; GW_EIO (the file cannot be opened: missing, unreadable); GW_EFORMAT (not HDF5,
 * truncated or corrupt, no such group, a dataset that is not 1-D, lengths that differ, a
 * string or other non-numeric dataset, codes out of range, `levels` or `columns` not strings);
 * GW_ENOVAR (a requested column is not in the group); GW_EINVAL (duplicate requested names,
 * NULL path); GW_ENOMEM.
 *
 * Complexity: O(rows x requested columns) time and memory, plus decompression. */
GW_API gw_status gw_h5_table_read(const char *path, const char *group, const char *const *columns,
                                  size_t ncolumns, gw_table **out);

/* gw_h5_table_write -- write t as group `group` (NULL: "/data", intermediate groups created)
 * of a new HDF5 file path, replacing any file of that name atomically (see the top of this
 * header: an existing file is never truncated by a failed run). Same as
 * gw_h5_table_write_ex(t, path, group, 0).
 *
 * Returns GW_OK; GW_EIO (cannot create, write, sync or rename; or, with GW_H5_APPEND, the
 * existing file cannot be opened as HDF5); GW_EINVAL (NULL arguments; with GW_H5_APPEND, the
 * group exists already); GW_ENOMEM. Complexity: O(rows x columns) plus compression. */
GW_API gw_status gw_h5_table_write(const gw_table *t, const char *path, const char *group);

/* gw_h5_table_write_ex -- as gw_h5_table_write; flags GW_H5_APPEND adds the group to an existing
 * file (kept whole otherwise; the file is created if absent) instead of replacing the file, so
 * several tables (e.g. /data, /meta) can be written to one file by successive calls. */
GW_API gw_status gw_h5_table_write_ex(const gw_table *t, const char *path, const char *group,
                                      unsigned flags);

/* How gw_h5_table_write_opts compresses columns. */
typedef enum {
    GW_H5_COMPRESS_AUTO = 0, /* per column: shuffle + deflate when it saves GW_H5_MIN_SAVING_PCT */
    GW_H5_COMPRESS_NONE,     /* every column chunked and unfiltered                            */
    GW_H5_COMPRESS_ALWAYS    /* every column shuffle + deflate (the layout of goodwork <= 0.1)  */
} gw_h5_compress;

/* Options of gw_h5_table_write_opts; all-zero means the documented defaults. */
typedef struct {
    size_t chunk_rows;          /* 0: GW_H5_CHUNK_ROWS                                           */
    gw_h5_compress compress;    /* 0: GW_H5_COMPRESS_AUTO                                        */
    unsigned deflate_level;     /* 0: GW_H5_DEFLATE_LEVEL; else 1-9                              */
    unsigned flags;             /* GW_H5_APPEND, GW_H5_FLOAT_ONLY                                */
    const char *const *factors; /* numeric columns to store as categorical codes (borrowed)  */
    size_t nfactors;
} gw_h5_write_opts;

/* Flag of gw_h5_write_opts: every numeric column as float64 (no integer datasets). */
#define GW_H5_FLOAT_ONLY 2u

/* gw_h5_table_write_opts -- gw_h5_table_write_ex with the storage chosen by opts (NULL: the
 * defaults). Each column named in opts->factors is stored as a categorical column: its levels
 * are its distinct non-NaN values sorted by value (-0 counted as 0), each named by its shortest
 * round-trip decimal text ("3", "0.5", "1e+20"), and its codes index them (NaN: -1), so a
 * grouping on it numbers the groups exactly as on the numeric column; a name of a column that
 * is categorical already is accepted and changes nothing. Same statuses as
 * gw_h5_table_write_ex, and GW_ENOVAR (a factors name that is not a column), GW_EINVAL
 * (chunk_rows or deflate_level out of range, duplicate factors names, more than INT32_MAX
 * levels). Complexity: O(rows x columns), plus O(rows log rows) per factor column. */
GW_API gw_status gw_h5_table_write_opts(const gw_table *t, const char *path, const char *group,
                                        const gw_h5_write_opts *opts);

/* gw_h5_link_soft -- add to the existing HDF5 file path a soft link `link` (an absolute path in
 * the file; missing intermediate groups are created) that points to `target` (an absolute path,
 * not checked: HDF5 soft links may dangle), so that opening `link` opens the target, e.g.
 * gw_h5_table_read(path, "/panel", ...) reads the table of "/data". Atomic like
 * GW_H5_APPEND: the file is copied, changed and renamed over path.
 * Returns GW_OK; GW_EIO (path missing or not HDF5, cannot write, sync or rename); GW_EINVAL
 * (NULL arguments, or `link` exists already); GW_ENOMEM. Complexity: O(file size) for the copy. */
GW_API gw_status gw_h5_link_soft(const char *path, const char *link, const char *target);

/* gw_h5_attr_set_str -- set (create or replace) the string attribute `name` of the object
 * `object` ("/" for the root) of the existing HDF5 file path to value, atomically like
 * gw_h5_link_soft (the file is copied, changed and renamed over path).
 * Returns GW_OK; GW_EINVAL (NULL arguments); GW_EIO (path missing or not HDF5, cannot write,
 * sync or rename); GW_ENOVAR (no such object); GW_ENOMEM. Complexity: O(file size). */
GW_API gw_status gw_h5_attr_set_str(const char *path, const char *object, const char *name,
                                    const char *value);

/* ---- results ------------------------------------------------------------------------------ */

/* Where a result came from. Every string is borrowed; NULL means unknown (not stored), except
 * version, where NULL means gw_version() (the library writing the file), and created_utc, where
 * NULL means "now" (ISO 8601 "YYYY-MM-DDTHH:MM:SSZ"). */
typedef struct {
    const char *version;      /* goodwork_version, e.g. "0.1.0"                                 */
    const char *created_utc;  /* NULL: the time of the write                                    */
    const char *command_line; /* the command as typed                                          */
    const char *data_sha256;  /* 64 lowercase hex digits of the input file's bytes              */
    const char *blas;         /* BLAS library and thread count, e.g. "OpenBLAS 0.3.21, 1 thread" */
    uint64_t seed;            /* the random seed, stored only when has_seed                     */
    int has_seed;
} gw_provenance;

/* Flags of gw_results_append_ex. */
#define GW_RESULTS_REPLACE 1u /* a model of the same name is replaced instead of GW_EINVAL */

/* gw_results_append -- store r as model `name` in the results file path, creating the file or
 * keeping every model already in it (atomically: see the top of this header).
 * Same as gw_results_append_ex(path, name, r, prov, 0, NULL, 0).
 *
 * name: NULL picks the first free "model1", "model2", ...; otherwise non-empty, without '/'
 * and not "." or "..". prov: borrowed; NULL stores no provenance but the creation time. r:
 * borrowed; its terms must all be non-NULL; residuals/fitted, when set, have nobs entries.
 *
 * Returns GW_OK; GW_EINVAL (bad name, a model of that name exists, r inconsistent: NULL term,
 * residuals without nobs; GW_LOCK_TIMEOUT malformed); GW_EIO (cannot create, copy, write, sync or
 * rename; the existing file is not an HDF5 file, or has /models that is not a group; another
 * writer held the file's lock past GW_LOCK_TIMEOUT: "results file busy"); GW_EFORMAT (the
 * existing file's format_version is malformed or of a newer major); GW_ENOMEM.
 * Complexity: O(size of the existing file) for the copy, plus O(k^2 + nobs) to write. */
GW_API gw_status gw_results_append(const char *path, const char *name, const gw_result *r,
                                   const gw_provenance *prov);

/* gw_results_append_ex -- as gw_results_append; flags GW_RESULTS_REPLACE replaces a model of the
 * same name. name_out (may be NULL) receives the name used (NUL-terminated, truncated to
 * name_out_size - 1 bytes). */
GW_API gw_status gw_results_append_ex(const char *path, const char *name, const gw_result *r,
                                      const gw_provenance *prov, unsigned flags, char *name_out,
                                      size_t name_out_size);

/* gw_results_append_many -- store the n results rs[0..n-1] as models names[0..n-1] (names NULL,
 * or a NULL entry: the first free "modelK" each, in order) in one atomic write: either every
 * model is in the file afterwards or none (`goodwork fit` with several models). Every model
 * carries the provenance prov; flags as gw_results_append_ex. Returns as gw_results_append, and
 * GW_EINVAL when n is 0, a result is NULL or a name is given twice.
 * Complexity: one copy of the existing file, plus the models' writes. */
GW_API gw_status gw_results_append_many(const char *path, size_t n, const char *const *names,
                                        const gw_result *const *rs, const gw_provenance *prov,
                                        unsigned flags);

/* The results-file format this library writes, as the root attribute "format_version" =
 * "MAJOR.MINOR". Minor versions only add (a reader of 1.x reads every 1.y file, and an append
 * keeps the file's newer minor); a new major may change what is there, so readers and appenders
 * refuse a file of a major newer than theirs (GW_EFORMAT). A file without the attribute (written
 * before it existed) is 1.0. */
#define GW_RESULTS_FORMAT_MAJOR 1
#define GW_RESULTS_FORMAT_MINOR 0

/* An open results file (opaque). */
typedef struct gw_results gw_results;

/* gw_results_open -- open a results file for reading; the list of models (in the order they
 * were added) and the provenance are read at once, models on demand with gw_results_get.
 * out: owned, gw_results_close. Returns GW_OK; GW_EIO (cannot open the file); GW_EFORMAT (not
 * HDF5, truncated, a format_version that is not "MAJOR.MINOR" or whose major is newer than
 * GW_RESULTS_FORMAT_MAJOR, or no /models group); GW_ENOMEM. */
GW_API gw_status gw_results_open(const char *path, gw_results **out);

/* gw_results_format_version -- the format version of an open file (1.0 when it has no
 * format_version attribute). */
GW_API void gw_results_format_version(const gw_results *res, unsigned *major, unsigned *minor);

/* gw_results_nmodels / gw_results_model_name -- the models of an open file; the name is
 * borrowed (valid until gw_results_close); i < gw_results_nmodels. */
GW_API size_t gw_results_nmodels(const gw_results *res);
GW_API const char *gw_results_model_name(const gw_results *res, size_t i);

/* gw_results_get -- read model `name` back as a gw_result whose every stored field is
 * bit-identical to what was written (absent attributes come back as NaN / GW_RESULT_NA /
 * converged -1, as gw_result_new sets them). out: owned, gw_result_free; NULL on failure.
 * Returns GW_OK; GW_ENOVAR (no model of that name); GW_EFORMAT (a dataset is missing, has the
 * wrong type or shape, or lengths disagree); GW_ENOMEM. Complexity: O(k^2 + nobs). */
GW_API gw_status gw_results_get(const gw_results *res, const char *name, gw_result **out);

/* gw_results_provenance -- the provenance stored on the root (name NULL: the latest write) or
 * on model `name`; strings are borrowed, valid until gw_results_close, NULL where not stored.
 * Returns GW_OK; GW_ENOVAR (no model of that name). */
GW_API gw_status gw_results_provenance(const gw_results *res, const char *name, gw_provenance *out);

/* gw_results_close -- close the file and free res; NULL-safe. */
GW_API void gw_results_close(gw_results *res);

/* ---- analysis groups ---------------------------------------------------------------------- */

/* Element types of an analysis group's datasets and attributes. */
typedef enum { GW_H5_F64 = 0, GW_H5_I64, GW_H5_STR } gw_h5_kind;

/* One dataset of an analysis group. name: a relative path inside the group ("weights",
 * "by_period/pre/r"); intermediate groups are created. cols == 0: 1-D of rows; otherwise a
 * rows x cols 2-D dataset read from row-major memory (element [i][j] at i*cols + j). Exactly
 * the pointer of `kind` is used (f64: NaN = missing; str: non-NULL strings). Borrowed. */
typedef struct {
    const char *name;
    gw_h5_kind kind;
    size_t rows, cols;
    const double *f64;
    const int64_t *i64;
    const char *const *str;
} gw_h5_item;

/* One scalar attribute of an analysis group (borrowed); the member of `kind` is used. */
typedef struct {
    const char *name;
    gw_h5_kind kind;
    double f64;
    int64_t i64;
    const char *str;
} gw_h5_attr;

/* gw_results_append_group -- store an analysis (index, correlations, clustering ...) as the
 * group `group` (an absolute path such as "/analyses/index"; missing parents are created) of
 * the results file path, creating the file or keeping everything already in it, atomically
 * (see the top of this header). The group receives the nitems datasets and the nattrs
 * attributes, and the provenance attributes (goodwork_version, created_utc, command_line,
 * data_sha256, blas and seed when prov->has_seed), which are also written on the root as by
 * gw_results_append. flags GW_RESULTS_REPLACE replaces an existing group of that name.
 * A file holding only analysis groups has no /models group (gw_results_open reads models only).
 *
 * Returns GW_OK; GW_EINVAL (NULL path or group, a group path that is not absolute or has an
 * empty, "." or ".." component, the group exists and no GW_RESULTS_REPLACE, an item or
 * attribute without a name or data, a NULL string); GW_EIO (cannot create, copy, write, sync or
 * rename; the existing file is not HDF5; a dataset name collides); GW_ENOMEM.
 * Complexity: O(size of the existing file) for the copy, plus the data written. */
GW_API gw_status gw_results_append_group(const char *path, const char *group,
                                         const gw_h5_item *items, size_t nitems,
                                         const gw_h5_attr *attrs, size_t nattrs,
                                         const gw_provenance *prov, unsigned flags);

/* ---- comparison and generic reading (goodwork verify) ------------------------------------- */

/* gw_h5_compare_group -- compare the group `group` (absolute path, "/" for the whole file) of
 * the HDF5 files path_a (the reference) and path_b bit for bit: the same members (by name,
 * recursively), each dataset with the same element class, shape and bytes of its native values
 * (strings by content), and every attribute of the groups and datasets alike, except those whose
 * name is in ignore (nignore names, borrowed; e.g. "created_utc", "command_line", "blas").
 * out: *equal 1 when all agree, else 0 and where (where_size bytes, may be NULL) receives the
 * first difference found ("/models/m1/estimate: values differ"; members visited in name order).
 * A group missing from path_b is a difference; missing from path_a is GW_ENOVAR.
 * Returns GW_OK; GW_EINVAL (NULL arguments); GW_EIO (a file cannot be opened); GW_EFORMAT (not
 * HDF5, an object that cannot be read); GW_ENOVAR; GW_ENOMEM.
 * Complexity: O(bytes of the group's data) time, O(largest dataset) memory. */
GW_API gw_status gw_h5_compare_group(const char *path_a, const char *path_b, const char *group,
                                     const char *const *ignore, size_t nignore, int *equal,
                                     char *where, size_t where_size);

/* gw_h5_compare_group_ex -- as gw_h5_compare_group, but every member is visited and each
 * difference recorded in d (zero-initialised by the caller; it accumulates over calls): the
 * float64 values of datasets and attributes pair by pair with tol (NULL: bit for bit; see
 * gw_diff.h), giving the largest absolute, relative and ULP differences and where (OBJECT[i],
 * i the row-major element index); everything else (members, types, shapes, strings, integers)
 * as differences no tolerance covers. Same statuses as gw_h5_compare_group. */
GW_API gw_status gw_h5_compare_group_ex(const char *path_a, const char *path_b, const char *group,
                                        const char *const *ignore, size_t nignore,
                                        const gw_tol *tol, gw_diff *d);

/* gw_h5_read_strings -- read the strings of the 1-D (or scalar) string dataset `object` of the
 * HDF5 file path, or, when attr is not NULL, of attribute attr of object `object` ("/" for the
 * root). out: *out an owned array of *n owned strings (gw_h5_strings_free). Returns GW_OK;
 * GW_EINVAL (NULL arguments); GW_EIO; GW_EFORMAT (not HDF5, not a string object); GW_ENOVAR
 * (no such object or attribute); GW_ENOMEM. Complexity: O(total string length). */
GW_API gw_status gw_h5_read_strings(const char *path, const char *object, const char *attr,
                                    char ***out, size_t *n);

/* gw_h5_strings_free -- free what gw_h5_read_strings returned; NULL-safe. */
GW_API void gw_h5_strings_free(char **s, size_t n);

#endif
