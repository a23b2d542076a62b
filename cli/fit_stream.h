/* fit_stream.h -- the HDF5 row-block source of the out-of-core fit (cli/fit_stream.c), for the
 * fits that drive gw_stream_fit themselves (the distributed fit of cli/fit_mpi.c).
 *
 * cli_stream_open checks what an out-of-core fit cannot do (usage errors), opens the --data
 * table, maps numeric grouping variables to codes (one read of each such column), derives the
 * design's shape (terms, intercept) and fills *src: a gw_stream_source whose blocks are the
 * table's GW_BLOCK_ROWS-row blocks, each built by the in-core frame builder from chunks of
 * 65,536 rows. Any block range may be read (gw_stream_opts.row_begin/row_end), in increasing
 * order within a pass. src borrows from *out: keep it open while fitting. Prints its errors
 * and returns a GW_EXIT_* code; on GW_EXIT_OK *out is the caller's (cli_stream_close). */
#ifndef GW_FIT_STREAM_H
#define GW_FIT_STREAM_H

#include "fit_ext.h"
#include "gw_stream.h"

typedef struct cli_stream cli_stream;

int cli_stream_open(const fit_args *a, const gw_formula *f, const gw_frame_opts *fo,
                    const gw_ols_opts *oo, cli_stream **out, gw_stream_source *src);

/* cli_stream_close -- release what cli_stream_open made; NULL-safe. */
void cli_stream_close(cli_stream *cs);

/* cli_parse_memory_size -- --memory-limit SIZE: a positive number with an optional K, M, G or T
 * suffix (powers of 1024) and an optional B, into bytes in *out; 0 (and *out untouched) when
 * text is not one. Shared with cli/fit_mpi.c. */
int cli_parse_memory_size(const char *text, double *out);

#endif
