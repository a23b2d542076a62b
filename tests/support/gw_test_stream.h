/* gw_test_stream.h -- an in-memory row-block source for the out-of-core tests: the rows of a
 * generated data set served as gw_stream_source blocks (rows with a NaN response are dropped by
 * the source and counted), and the in-core gw_design of the same rows, so that a streamed fit
 * can be compared with the in-core one. */
#ifndef GW_TEST_STREAM_H
#define GW_TEST_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "gw_design.h"
#include "gw_stream.h"

/* All source rows, column-major; y NaN marks a missing row. The test fills it. */
typedef struct {
    size_t nrows, p, nfe, ncl;
    int weighted, has_intercept;
    double *y, *X, *w; /* nrows; nrows x p; nrows (weighted only) */
    int32_t *fe[2], *cl[2];
    size_t fe_levels[2], cl_levels[2];
    const char *terms[8];
    const char *fe_names[2], *cl_names[2];
} gwt_stream_data;

/* gwt_stream_read -- the source's read callback (ctx: the gwt_stream_data). */
gw_status gwt_stream_read(void *ctx, size_t b, unsigned need, gw_stream_block *blk);

/* gwt_stream_source -- a source over d (borrowed: keep d alive while it is used). */
gw_stream_source gwt_stream_source(gwt_stream_data *d);

/* gwt_stream_design -- the in-core design of d's non-missing rows (gw_design_free). Fails the
 * test on allocation failure. */
gw_design *gwt_stream_design(const gwt_stream_data *d);

/* gwt_stream_data_free -- free the arrays of d (allocated with gw_alloc_array by the test). */
void gwt_stream_data_free(gwt_stream_data *d);

#endif
