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

#endif
