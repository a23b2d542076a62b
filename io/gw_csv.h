/* gw_csv.h -- reading and writing data tables as CSV.
 *
 * Input format (docs/reference/commands.md, "Data files"):
 * - The first record is the header: one name per column. Names are kept verbatim (no trimming);
 *   each must be non-empty, valid UTF-8 and unique.
 * - Fields are separated by the delimiter and records end with "\n" or "\r\n". The delimiter is
 *   the caller's (gw_csv_opts.delimiter) or else detected from the header record: whichever of
 *   ',', tab, ';' and '|' occurs most often in it outside quotes (ties in that order), ',' when
 *   none occurs.
 *   RFC 4180 quoting: a field that starts with '"' runs to the next lone '"'; "" inside it is one
 *   '"'; delimiters and newlines inside it are data. A '"' inside an unquoted field, any byte
 *   other than a delimiter or a line end after a closing quote, and a carriage return not
 *   followed by "\n" (outside quotes) are errors. A UTF-8 byte order mark at the start is skipped.
 *   Empty lines are skipped (so a one-column table's missing values must be written NA).
 * - Missing values: an unquoted field that is empty, NA, NaN or "." (spaces and tabs around it
 *   ignored), and the quoted empty field "". A quoted "NA" is the text NA, not a missing value.
 * - Numbers: [+-]? (D+ | D+ "." D* | "." D+) ([eE] [+-]? D+)?, D a decimal digit, with optional
 *   spaces and tabs around it. Rejected (they are text): hexadecimal ("0x1p3"), "inf",
 *   "infinity", "nan" other than the missing spellings, thousands separators ("1,000" is two
 *   fields; "1 000" is text), decimal commas, a lone sign or "e". A number too large for a double
 *   (1e400) is an error; one too small rounds to a subnormal or (signed) zero. Conversion is
 *   correctly rounded (round-to-nearest-even), the same as strtod in the "C" locale, whatever the
 *   caller's locale.
 * - Column types come from the data. The first non-missing value of a column decides: an
 *   unquoted number makes it numeric (double, NaN = missing); anything else (text, or any quoted
 *   value) makes it categorical. In a numeric column every later non-missing value must be a
 *   number (quoted numbers are accepted there); anything else is the error "text in numeric
 *   column". In a categorical column every value is a level string, numbers included. Levels are
 *   sorted in byte order (memcmp) and coded 0..L-1, missing -1. An all-missing column is numeric,
 *   all NaN. Level strings are not checked for UTF-8.
 * - Places in messages are "NAME:LINE:COL: what": LINE is the 1-based physical line (newlines
 *   inside quoted fields count), COL the 1-based byte offset within that line (a skipped byte
 *   order mark is not counted). NAME is the path (gw_csv_read_file) or the name given to
 *   gw_csv_read_mem. A header-only file gives a table with 0 rows.
 *
 * Output format (gw_csv_write_file): the same dialect. Numbers are written with the fewest of 15,
 * 16 or 17 significant digits ("%.*g", "C" locale) that read back to the identical double
 * (negative zero and subnormals included); NaN is written as an empty field (as NA in a
 * one-column table, so that the line is not empty); infinities cannot be written. Names are
 * quoted when they contain ',', '"', CR or LF. Level strings are quoted when they contain one of
 * those, start or end with a space or tab, are empty, look like a number, or spell a missing
 * value, so that a categorical column reads back categorical with the same levels. What CSV cannot
 * carry: the empty level "" reads back as missing, levels that no row uses are lost, and a
 * categorical column with no non-missing value reads back as a numeric all-NaN column (use HDF5 for
 * an exact copy). */
#ifndef GW_CSV_H
#define GW_CSV_H

#include <stddef.h>

#include "gw_export.h"
#include "gw_status.h"
#include "gw_table.h"

/* Options of the CSV reader; all-zero (or a NULL pointer) means the defaults. */
typedef struct {
    const char *const *columns; /* NULL: read every column; otherwise the names of the columns
                                   to read (borrowed, ncolumns of them; repeats are ignored).
                                   Unread columns are still checked for well-formed quoting and
                                   field counts, but their values are not converted.           */
    size_t ncolumns;            /* number of names in columns                                   */
    char delimiter;             /* 0: detect from the header (',', '\t', ';' or '|'; see above).
                                   Otherwise the delimiter; it must not be '"', CR, LF, NUL, a
                                   space, a digit, '+', '-', '.', 'e' or 'E'.                   */
} gw_csv_opts;

/* gw_csv_read_mem -- parse a CSV held in memory into a table.
 * in: buf (borrowed, len bytes, need not be NUL-terminated), name (borrowed; the file name used
 *     in messages; NULL means "<memory>"), opts (borrowed; NULL = defaults).
 * out: *out (owned, gw_table_free), NULL on failure.
 * Returns GW_OK; GW_EFORMAT for malformed input, with "NAME:LINE:COL: what" in gw_last_error()
 * (empty input, NUL byte, unterminated quote, stray quote, bare CR, ragged record, empty,
 * duplicate or non-UTF-8 column name, text in a numeric column, a number out of range, more
 * than INT32_MAX levels); GW_ENOVAR when opts->columns names a column the header lacks
 * ("NAME: no column 'x'"); GW_EINVAL for a NULL argument or a forbidden delimiter;
 * GW_ENOMEM.
 * Numerical notes: decimal to double by Clinger's fast path (a mantissa of at most 2^53 scaled by
 * an exact power of ten, |exponent| <= 22, one correctly rounded multiply or divide), else the
 * Eisel-Lemire algorithm (a 64-bit mantissa times a 128-bit power of five; Lemire 2021), else
 * strtod where that cannot decide; all are correctly rounded, so the result is exact.
 * Threads: the records are parsed in chunks of about 1 MiB on gw_threads_get() threads (OpenMP);
 * the table, the level order and codes, and the message of the first error in file order are the
 * same for every thread count. Safe to call from several threads at once.
 * Complexity: O(len) time in one pass (chunks whose start was guessed wrong are parsed again);
 * memory the table plus O(threads * (1 MiB of rows) + number of columns + levels). No input
 * gives quadratic time (long lines, long fields and many columns are linear). */
GW_API gw_status gw_csv_read_mem(const char *buf, size_t len, const char *name,
                                 const gw_csv_opts *opts, gw_table **out);

/* gw_csv_read_file -- read the CSV file at path (mapped, or read whole) into a table.
 * in: path (borrowed), opts (borrowed; NULL = defaults). out: *out (owned), NULL on failure.
 * A file that starts with the gzip magic and whose name ends in .gz is decompressed first (zlib;
 * places in messages then refer to the decompressed text). A regular file is mapped (mmap), not
 * copied; it must not be truncated by another process during the call.
 * Returns what gw_csv_read_mem returns, with path as NAME; GW_EIO when the file cannot be
 * opened or read ("PATH: cannot open: <OS error>"); GW_EFORMAT when gw_csv_check_file refuses
 * it, or for corrupt or truncated gzip data ("PATH: truncated gzip data ...").
 * Complexity: as gw_csv_read_mem; memory also holds the file's bytes during the call. */
GW_API gw_status gw_csv_read_file(const char *path, const gw_csv_opts *opts, gw_table **out);

/* gw_csv_check_file -- whether the file at path is, by its magic bytes, another format that
 * people give a CSV reader by mistake (Stata .dta, Excel .xlsx/.xls, Parquet, Arrow, SPSS .sav,
 * SAS .sas7bdat/.xpt, HDF5, gzip without a .gz name, bzip2, xz, zstd, 7-Zip, PDF, R data,
 * SQLite, UTF-16 text). gw_csv_read_file makes the same check; this lets a caller that reads
 * only the header first (to choose columns) give the same message.
 * in: path (borrowed).
 * Returns GW_OK when the file may be CSV (or cannot be opened: reading reports that);
 * GW_EFORMAT with "PATH: a Stata .dta file; goodwork reads CSV (.csv, .csv.gz, .tsv) and goodwork
 * HDF5 data tables (.h5)" in gw_last_error() otherwise; GW_EINVAL for a NULL path.
 * Complexity: two small reads (the first 512 and the last 8 bytes). */
GW_API gw_status gw_csv_check_file(const char *path);

/* gw_csv_write_file -- write t as CSV (header row, ',' delimiter, "\n" line ends) to path,
 * atomically: into a new temporary file in the same directory ("PATH.tmp.PID.N"), which is
 * fsync'd and then renamed over path. On any failure the temporary is removed and an existing
 * file at path is left untouched. The new file's mode is 0666 less the umask.
 * in: t (borrowed), path (borrowed).
 * Returns GW_OK; GW_EINVAL for a NULL argument; GW_ENONFINITE when a numeric value is infinite
 * (CSV has no spelling for it; the message names column and row); GW_EIO when creating,
 * writing, syncing or renaming fails (the OS error in the message); GW_ENOMEM.
 * Numerical notes: every finite double reads back bit-identical through gw_csv_read_*.
 * Complexity: O(rows * columns) with up to three formatting attempts per number. */
GW_API gw_status gw_csv_write_file(const gw_table *t, const char *path);

/* gw_csv_write_text -- the text gw_csv_write_file would write, into memory (*out owned,
 * gw_free; NULL on failure), for callers that print it or write it themselves.
 * Returns GW_OK; GW_EINVAL (NULL argument, no columns); GW_ENONFINITE (an infinite value, as
 * gw_csv_write_file); GW_ENOMEM. Complexity: as gw_csv_write_file. */
GW_API gw_status gw_csv_write_text(const gw_table *t, char **out);

#endif
