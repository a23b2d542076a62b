/* csv_int.h -- internals of the CSV reader shared with its tests; never installed. */
#ifndef GW_CSV_INT_H
#define GW_CSV_INT_H

#include <stddef.h>

#include "gw_csv.h"

/* Results of gwi_csv_number. */
#define GWI_NUM_OK 1     /* a number; *v is set                                 */
#define GWI_NUM_TEXT 0   /* not a number by the grammar of gw_csv.h             */
#define GWI_NUM_RANGE -1 /* a number whose magnitude overflows a double          */
#define GWI_NUM_NOMEM -2 /* no memory for the copy strtod needs (long numbers)   */

/* gwi_csv_number -- convert the len bytes at s (no trimming, need not be NUL-terminated) by the
 * number grammar of gw_csv.h. *fast (may be NULL) is set to 1 when Clinger's fast path or the
 * Eisel-Lemire algorithm gave the result and 0 when strtod did. strtod reads the thread's locale:
 * the readers switch to "C" first; a caller with another LC_NUMERIC must do the same. */
int gwi_csv_number(const char *s, size_t len, double *v, int *fast);

/* gwi_csv_read_mem_ex -- gw_csv_read_mem on nthreads threads (<= 0: gw_threads_get()) with
 * chunks of chunk_bytes bytes (0: the default, 1 MiB). Inputs of at most one chunk after the
 * header are parsed serially. The result and any message are the same for every nthreads and
 * chunk_bytes; tests use small chunks to put chunk boundaries everywhere. */
gw_status gwi_csv_read_mem_ex(const char *buf, size_t len, const char *name,
                              const gw_csv_opts *opts, int nthreads, size_t chunk_bytes,
                              gw_table **out);

/* What the readers accept, for the end of "not a CSV file" messages. */
#define GWI_READS "goodwork reads CSV (.csv, .csv.gz, .tsv) and goodwork HDF5 data tables (.h5)"

/* gwi_data_sniff -- a description ("a Stata .dta file") of the file format whose magic bytes
 * start b[0..n) (and, for formats with a trailing mark, end tail[0..ntail)), for formats that are
 * not CSV text; NULL when the file may be CSV. Static text. */
const char *gwi_data_sniff(const unsigned char *b, size_t n, const unsigned char *tail,
                           size_t ntail);

/* gwi_gz_inflate -- decompresses the gzip data in[0..inlen) (one or more members) into *out
 * (owned, gw_free; *outlen bytes). path is for messages. Returns GW_OK; GW_EFORMAT for corrupt
 * or truncated data ("PATH: truncated gzip data ..."); GW_ENOMEM. (io/csv_gz.c) */
gw_status gwi_gz_inflate(const char *path, const unsigned char *in, size_t inlen, char **out,
                         size_t *outlen);

#endif
