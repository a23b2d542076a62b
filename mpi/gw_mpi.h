/* gw_mpi.h -- a fit distributed over MPI ranks, for a C program started by an MPI launcher
 * (mpirun -np P prog ...; goodwork fit is one, cli/fit_mpi.c).
 *
 * Every rank reads its own row range of an HDF5 data table (mpi/mpi_source.h over
 * io/gw_h5source.h), the streaming engine (models/stream/gw_stream.h) runs its passes over
 * those rows on every rank, and each reduction is combined across ranks in a fixed rank order
 * (mpi/mpi_reduce.h), so that every rank holds the same result, bit for bit.
 *
 * No rank is ever left waiting: each phase (open and check, fit) ends with a collective status
 * agreement, the engine carries a status in every reduction, and on failure every rank returns
 * the same status with the first failing rank's message in gw_last_error() ("rank R of P: ..."
 * unless every rank failed alike).
 *
 * The caller initialises MPI (MPI_Init_thread with at least MPI_THREAD_FUNNELED: MPI is called
 * by the main thread only, OpenMP threads compute between calls) and finalises it; every rank
 * of MPI_COMM_WORLD calls gw_mpi_fit with the same arguments. This library (gw_mpi) is linked
 * with MPI when the build found it; libgoodwork never is. Built without MPI, gw_mpi_fit is
 * GW_EUNSUPPORTED. Nothing here prints. */
#ifndef GW_MPI_H
#define GW_MPI_H

#include <stddef.h>
#include <stdint.h>

#include "gw_export.h"
#include "gw_fit.h"
#include "gw_formula.h"
#include "gw_result.h"
#include "gw_status.h"

/* Ranks whose figures gw_mpi_stats holds (the first ones when there are more). */
#define GW_MPI_STATS_RANKS 256

/* Communication and memory figures of a distributed fit (gw_mpi_opts.stats), filled on rank 0
 * (the per-rank arrays for ranks 0 .. min(nranks, GW_MPI_STATS_RANKS) - 1); other ranks get
 * their own counters only. */
typedef struct {
    int nranks;
    size_t rows;        /* rows of the whole table                                  */
    size_t rows_rank;   /* this rank's rows                                         */
    int cached;         /* 1: this rank's blocks were kept in memory after pass one  */
    double fit_seconds; /* wall time of the fit (after the open)                    */
    size_t passes;      /* passes over the data and demeaning sweeps (engine)       */
    size_t sweeps;
    double read_seconds; /* this rank's time reading and building blocks             */
    uint64_t reductions; /* this rank's reductions, doubles reduced, bytes sent, and  */
    uint64_t doubles;    /* the longest vector reduced                               */
    uint64_t bytes_sent;
    uint64_t max_vector;
    size_t nhist; /* the distinct vector lengths reduced (the first 16) ...    */
    size_t hist_n[16];
    uint64_t hist_c[16]; /* ... and how often each                                   */
    int nshown;          /* ranks in the arrays below (rank 0 only)                  */
    double reduce_seconds[GW_MPI_STATS_RANKS]; /* per rank: time inside reductions,   */
    double cpu_seconds[GW_MPI_STATS_RANKS];    /* CPU time (user + system),           */
    double peak_rss_mb[GW_MPI_STATS_RANKS];    /* peak resident memory (MiB)          */
} gw_mpi_stats;

/* What to fit and how. All-zero is not valid: path, f and prep are needed. */
typedef struct {
    const char *path;        /* the HDF5 data file                                     */
    const char *group;       /* its table (NULL: "/data")                              */
    const gw_formula *f;     /* the model (borrowed)                                   */
    const gw_fit_prep *prep; /* the options resolved by gw_fit_prepare (borrowed)      */
    size_t budget;           /* bytes each rank may keep of its blocks (0: re-read every
                              * pass; SIZE_MAX: keep all, the in-memory distributed fit) */
    const char *scratch;     /* NULL, or a directory for each rank's spill file         */
    gw_mpi_stats *stats;     /* NULL, or filled after a successful fit (collective:
                              * whether rank 0 passed one decides, every rank follows)  */
} gw_mpi_opts;

/* gw_mpi_fit -- fit opts->f on the table over every rank of MPI_COMM_WORLD (collective).
 * out: owned (gw_result_free) on every rank, the same numbers everywhere; not labelled
 * (gw_fit_label). The request must be one gw_fit_stream can fit (gw_fit_stream_check) without
 * instruments. Returns the same status on every rank: GW_OK; what gw_h5source_open and
 * gw_fit_stream return (GW_ENOVAR, GW_EINVAL, GW_EUNSUPPORTED, GW_EIO, GW_EFORMAT, GW_ERANK,
 * GW_ENOMEM, ...); GW_EIO "another rank failed" only if no rank's own failure could be found;
 * GW_EINVAL for missing arguments or MPI not initialised; GW_EUNSUPPORTED when built without
 * MPI. */
GW_API gw_status gw_mpi_fit(const gw_mpi_opts *opts, gw_result **out);

#endif
