/* fit_stream.h -- the single-process out-of-core fit (cli/fit_stream.c): its checks and its
 * HDF5 row-block source, for the callers that drive gw_stream_fit themselves.
 *
 * cli_stream_open checks what an out-of-core fit cannot do (usage errors), then opens the
 * --data table as the shared row-range source of cli/h5_source.h owning all rows (chunks of
 * 65,536 rows built by the in-core frame builder, factor dummies with the whole table's levels,
 * global fixed-effect and cluster codes) and fills *src. Any block range may be read
 * (gw_stream_opts.row_begin/row_end), in increasing order within a pass. src borrows from
 * *out: keep it open while fitting. Prints its errors and returns a GW_EXIT_* code; on
 * GW_EXIT_OK *out is the caller's (cli_stream_close). */
#ifndef GW_FIT_STREAM_H
#define GW_FIT_STREAM_H

#include "fit_ext.h"
#include "gw_stream.h"

typedef struct cli_stream cli_stream;

int cli_stream_open(const fit_args *a, const gw_formula *f, const gw_frame_opts *fo,
                    const gw_ols_opts *oo, cli_stream **out, gw_stream_source *src);

/* cli_stream_estimator_unsupported -- why a->estimator cannot be fitted from a stream of
 * blocks (text for a message: other estimators than ols/poisson/logit/probit, a GLM without
 * absorbed fixed effects, --ame), or NULL when it can. nfe: the formula's absorbed sets. The
 * text may live in a static buffer (one call at a time). */
const char *cli_stream_estimator_unsupported(const fit_args *a, size_t nfe);

/* cli_stream_fit_src -- the fit of a->estimator over src (gw_stream_glm_fit for a GLM, with the
 * options of cli_glm_opts; gw_stream_fit otherwise) with so (NULL: one process). Returns a
 * GW_EXIT_* code for option errors (printed); otherwise GW_EXIT_OK with the library's status in
 * *st (not printed) and, on GW_OK, the result in *out. */
int cli_stream_fit_src(const fit_args *a, const gw_ols_opts *oo, const gw_stream_source *src,
                       const gw_stream_opts *so, gw_result **out, gw_status *st);

/* cli_stream_close -- release what cli_stream_open made; NULL-safe. */
void cli_stream_close(cli_stream *cs);

/* cli_parse_memory_size -- --memory-limit SIZE: a positive number with an optional K, M, G or T
 * suffix (powers of 1024) and an optional B, into bytes in *out; 0 (and *out untouched) when
 * text is not one. Shared with cli/fit_mpi.c. */
int cli_parse_memory_size(const char *text, double *out);

#endif
