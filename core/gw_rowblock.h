/* gw_rowblock.h -- the row-block source: the interface between what reads a data set in blocks
 * of rows (io/gw_h5source.h reads an HDF5 table; a caller may serve its own data) and what
 * fits a model over those blocks without holding the rows (stream/gw_stream.h: gw_stream_fit,
 * stream/gw_glm_stream.h: gw_stream_glm_fit). It lives in core/ so that the readers (io/) and
 * the estimators (models/) both depend on it and not on each other.
 *
 * Block b covers SOURCE rows [b GW_BLOCK_ROWS, min(nrows, (b+1) GW_BLOCK_ROWS)); the source
 * fills it with the design rows among them (rows with a missing value or a zero weight are left
 * out and counted in gw_stream_block.ndropped). The consumer reads the blocks of its range in
 * increasing order, once per pass, and may ask for the same block several times: the source
 * must return the same rows each time. Fixed-effect and cluster codes are GLOBAL codes in
 * 0..levels-1 (the same level has the same code in every block). models/stream/gw_stream.h says how
 * the passes use them. */
#ifndef GW_ROWBLOCK_H
#define GW_ROWBLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "gw_par.h"
#include "gw_status.h"

/* Blocks per group of the ordered folds (stream/gw_stream.h, "Distributed use"): 256 blocks, 2^20
 * rows. */
#define GW_STREAM_GROUP_BLOCKS ((size_t)256)
#define GW_STREAM_GROUP_ROWS (GW_STREAM_GROUP_BLOCKS * GW_BLOCK_ROWS)

/* What a pass needs from a block (the source may fill more; the engine allocates every
 * buffer of gw_stream_block whatever it asks for). */
#define GW_STREAM_NEED_Y 0x1u        /* y                                                    */
#define GW_STREAM_NEED_X 0x2u        /* X                                                    */
#define GW_STREAM_NEED_W 0x4u        /* w (weighted sources)                                 */
#define GW_STREAM_NEED_FE 0x8u       /* fixed-effect codes                                   */
#define GW_STREAM_NEED_CLUSTER 0x10u /* cluster codes                                       */
#define GW_STREAM_NEED_ALL 0x1fu

/* One block as the source fills it. The buffers are the engine's (allocated for
 * GW_BLOCK_ROWS rows); the source writes the first n entries of each column. */
typedef struct {
    size_t n;         /* out: design rows of the block, 0..GW_BLOCK_ROWS                     */
    size_t ndropped;  /* out: source rows of the block dropped (missing values, zero weight) */
    double *y;        /* n values                                                           */
    double *X;        /* p columns, column j at X + j GW_BLOCK_ROWS                          */
    double *w;        /* n weights > 0; NULL when the source is unweighted                   */
    int32_t *fe;      /* nfe columns of global codes, column g at fe + g GW_BLOCK_ROWS       */
    int32_t *cluster; /* ncluster columns of global codes, likewise                          */
} gw_stream_block;

/* The source: the design's shape and the block callback. Strings borrowed for the call. */
typedef struct {
    size_t nrows;             /* source rows: blocks cover [0, nrows)                        */
    size_t p;                 /* columns of X (>= 1)                                         */
    const char *const *terms; /* p term names                                                */
    const char *response;     /* the response's name                                         */
    int has_intercept;        /* column 0 is the constant (never with fixed effects)         */
    int weighted;             /* 1: blocks carry weights                                      */
    size_t nfe;               /* absorbed fixed-effect sets (0: OLS)                          */
    const char *const *fe_names;
    const size_t *fe_levels; /* nfe: codes of set g are in 0..fe_levels[g]-1                */
    size_t ncluster;         /* cluster variables (0, 1 or 2; GW_VCOV_CLUSTER)               */
    const char *const *cluster_names;
    const size_t *cluster_levels;
    /* read -- fill blk (n, ndropped and the columns of `need`) with block b. Called from the
     * calling thread only, blocks in increasing order within a pass. A status other than GW_OK
     * (with a gwi_fail-style detail message, gw_last_error) stops the fit, which returns it. */
    gw_status (*read)(void *ctx, size_t b, unsigned need, gw_stream_block *blk);
    void *ctx;
} gw_stream_source;

#endif
