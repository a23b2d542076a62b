/* stream_int.h -- internals shared by models/stream*.c (out-of-core fits); never installed.
 *
 * The small dense kernels of the streaming engine (Householder QR of a row block, the
 * combination of two R factors) and the "ordered fold", the one device that makes a reduction
 * over row blocks independent of how the blocks are split among processes (gw_stream.h). */
#ifndef GW_STREAM_INT_H
#define GW_STREAM_INT_H

#include <stddef.h>

#include "gw_status.h"
#include "gw_stream.h"
#include "models_int.h"

/* gwi_house_qr -- plain-C unblocked Householder QR of the m x n column-major A (ld lda), in place:
 * on return the upper triangle of the leading min(m, n) x n part is R (the reflectors below it are
 * garbage). Column norms are computed with scaling (no overflow for finite data). */
void gwi_house_qr(double *A, size_t lda, size_t m, size_t n);

/* gwi_house_r -- R (n x n, column-major, zeros below the diagonal and in rows >= m, diagonal
 * >= 0) of the m x n block A (ld lda; destroyed; R must not overlap it): gw_kernel_block_r
 * (LAPACK dgeqrf), or gwi_house_qr for dimensions above INT_MAX. Never allocates. */
void gwi_house_r(double *A, size_t lda, size_t m, size_t n, double *R);

/* gwi_house_r_plain -- the same R by gwi_house_qr (plain C; gwi_house_r's fallback, and the
 * baseline of bench/bench_tsqr.c). */
void gwi_house_r_plain(double *A, size_t lda, size_t m, size_t n, double *R);

/* gwi_r_combine -- acc <- R of [acc; Rb] (both n x n upper triangular). work: 2 n^2 doubles. */
void gwi_r_combine(double *acc, const double *Rb, size_t n, double *work);

/* Fold operations: acc <- acc (+) part, parts of m doubles, part after acc in block order. */
typedef void (*gwi_fold_fn)(double *acc, const double *part, size_t m, void *ctx);

/* An ordered fold over the blocks [b0, b1) of this process, in groups of
 * GW_STREAM_GROUP_BLOCKS blocks: parts are folded in block order within a group; each group's
 * result goes to a slot (the group's own slot when this process holds the group's first block,
 * else this process's "extra" slot, which only the first group of a range can need); slots are
 * summed over processes (each slot is written by exactly one process, so the sum is exact) and
 * folded in group order, extras of one group in rank order after the group's own slot. */
typedef struct {
    size_t m, ngroups, nslots, b0;
    int rank, nranks;
    gwi_fold_fn fn;
    void *ctx;
    double *slots; /* nslots x (m + 2): present, group, data; + 1 status slot */
    double *acc;   /* m */
    size_t cur;    /* group of acc */
    size_t first;  /* first block folded into acc */
    int have;
} gwi_ofold;

gw_status gwi_ofold_init(gwi_ofold *f, size_t m, size_t nblocks, size_t b0, int rank, int nranks,
                         gwi_fold_fn fn, void *ctx);
/* gwi_ofold_add -- fold part (m doubles) of block b (blocks in increasing order). */
void gwi_ofold_add(gwi_ofold *f, size_t b, const double *part);
/* gwi_ofold_finish -- sum the slots with red (NULL: single process; local status rc is
 * carried in the status slot) and fold them into out (m doubles); *have = 0 when no process
 * folded anything. Returns rc, the reducer's status, or GW_EIO when another process failed. */
gw_status gwi_ofold_finish(gwi_ofold *f, const gw_stream_reducer *red, gw_status rc, double *out,
                           int *have);
void gwi_ofold_free(gwi_ofold *f);

/* gwi_stream_reduce -- buf[0..n) summed over processes in place (buf holds n + 1 doubles: the
 * last carries the status). Returns rc when it is not GW_OK, the reducer's failure, or GW_EIO
 * ("another process failed") when some other process reported a failure. */
gw_status gwi_stream_reduce(const gw_stream_reducer *red, double *buf, size_t n, gw_status rc);

/* Bytes reserved at the front of a gwi_stream_gather send buffer (the status header). */
#define GWI_GATHER_HDR ((size_t)8)

/* gwi_stream_gather -- all-gather of byte buffers with the reducer's gather (red non-NULL,
 * nranks > 1, gather non-NULL). buf: nbytes bytes whose first GWI_GATHER_HDR are the engine's
 * (the local status rc goes there), or NULL (then only the header is sent: a local failure
 * that left nothing to send). On GW_OK *recv (gw_free; never NULL) holds the payloads (headers
 * removed) of every process in rank order, counts[q] (nranks entries) the payload bytes of
 * process q. Returns rc when it is not GW_OK, the gather's failure, or GW_EIO ("another
 * process failed") when some other process's header reports a failure; *recv is then NULL. */
gw_status gwi_stream_gather(const gw_stream_reducer *red, unsigned char *buf, size_t nbytes,
                            gw_status rc, unsigned char **recv, size_t *counts);

/* Extreme scales in the streaming fits (gw_stream.h, "Scale"; models/scale.c).
 * gwi_stream_scan -- one pass over this process's blocks of src (so's row range) for the largest
 * magnitude of y (only when scale_y; else ey = 0) and of each column, the maxima combined over
 * processes with so's reducer (so NULL: one process, all rows); sc <- the exponents of those
 * outside the safe window (others 0; sc->ex owned: gwi_scale_free, also after a failure);
 * *need = 1 when there is one. Returns the source's or the reducer's status, GW_EIO (another
 * process failed), GW_ENOMEM. */
gw_status gwi_stream_scan(const gw_stream_source *src, const gw_stream_opts *so, int scale_y,
                          gwi_scale *sc, int *need);

/* gwi_stream_scaled -- a source that reads src and scales the y and X of every block by sc as
 * they arrive; ctx (the caller's, alive while the source is used) holds the two pointers. */
typedef struct {
    const gw_stream_source *src;
    const gwi_scale *sc;
} gwi_stream_scaled_ctx;
gw_stream_source gwi_stream_scaled(const gw_stream_source *src, const gwi_scale *sc,
                                   gwi_stream_scaled_ctx *ctx);

/* gwi_stream_refit -- the second half of a streaming fit's rescaling, after a first fit that
 * returned rc and *out and that the caller judged damaged: scan (gwi_stream_scan with scale_y);
 * when nothing is outside the window return rc with the first *out; otherwise release *out, fit
 * again with fit(ctx, scaling source, sc->ey, out) and map the result back with kind. sc receives
 * the scaling (the caller frees it with gwi_scale_free, and may use it, e.g. for outputs beside
 * the result); *scaled says whether the refit ran. A failed scan returns its status with *out
 * NULL. */
typedef gw_status (*gwi_stream_fit_fn)(void *ctx, const gw_stream_source *src, int yexp,
                                       gw_result **out);
gw_status gwi_stream_refit(const gw_stream_source *src, const gw_stream_opts *so, int scale_y,
                           gwi_unscale_kind kind, gwi_stream_fit_fn fit, void *ctx, gw_status rc,
                           gw_result **out, gwi_scale *sc, int *scaled);

#endif
