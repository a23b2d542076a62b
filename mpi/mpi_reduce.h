/* mpi_reduce.h -- reductions across MPI ranks for distributed fits (mpi/mpi_fit.c, gw_mpi.h).
 *
 * A gwi_mpi_red is the context of the streaming engine's reducer (gw_stream_reducer.sum of
 * stream/gw_stream.h): gwi_mpi_red_sum turns this rank's partial sums into the global totals,
 * the same bytes on every rank.
 *
 * Order of summation (fixed for a given P; documented in docs/scale.md): element i of the total
 * is ((p_0[i] + p_1[i]) + p_2[i]) + ... + p_{P-1}[i], p_r being rank r's partial, whatever the
 * message timing. It is computed by one rank (the owner of the segment holding i: segment s of
 * n elements is [s n / P, (s+1) n / P)) and sent to all (reduce-scatter by MPI_Alltoallv, then
 * MPI_Allgatherv: 2 n (P-1)/P doubles sent per rank, the bandwidth-optimal amount), so that every
 * rank holds identical totals. MPI_Allreduce is not used because MPI does not promise that its
 * result is the same on every rank nor in which order it adds.
 *
 * Failure without hanging: every collective step starts with an MPI_Allreduce of a small status
 * vector (failed flag, length n, -n). A rank that failed on its own (a read error) calls
 * gwi_mpi_red_agree with its status instead of the next reduction; its status collective matches
 * the others' next one, they see the failure, return GW_EIO ("another rank failed") from the
 * reduction, and the engine unwinds on every rank. gwi_mpi_red_agree then gathers the first
 * failing rank's status and message, the same on every rank. Lengths that differ between ranks
 * (a bug) are GW_EINTERNAL on every rank.
 *
 * Counters: calls, doubles reduced (sum of n over calls) and bytes sent by this rank, for the
 * communication volume of docs/scale.md.
 *
 * gwi_mpi_red_gather is the engine's gather (gw_stream_reducer.gather): an all-gather of
 * byte buffers of different sizes (the two-way clustering's intersection cells). MPI counts and
 * displacements are ints, so the bytes are moved in rounds of at most INT_MAX / P bytes per
 * rank (GW_MPI_GATHER_CHUNK in the environment, read by gwi_mpi_red_init, lowers that limit:
 * a testing knob for the chunked path). */
#ifndef GW_MPI_REDUCE_H
#define GW_MPI_REDUCE_H

#include <stddef.h>
#include <stdint.h>

#include "gw_status.h"

typedef struct {
    int rank, nranks;
    int agreed;         /* 1 once a collective step reported a failure on some rank      */
    int peer_failed;    /* 1 when that failure was another rank's, not this rank's       */
    int settled;        /* 1 once gwi_mpi_red_agree exchanged the failure's message      */
    int settled_status; /* that failure's status and message (returned again)            */
    char settled_msg[512];
    uint64_t calls;       /* reductions done                                               */
    uint64_t doubles;     /* doubles reduced (the vectors' lengths, summed over calls)     */
    uint64_t bytes_sent;  /* bytes this rank sent in reductions                            */
    uint64_t max_doubles; /* the longest vector reduced                                    */
    double seconds;       /* wall time inside reductions (communication and waiting)      */
    size_t hist_n[16];    /* the distinct lengths reduced (the first 16) ...              */
    uint64_t hist_c[16];  /* ... and how often each                                       */
    size_t nhist;
    double *work; /* owned: P x segment receive buffer                             */
    size_t work_cap;
    int *counts;            /* owned: 4 P ints (counts and displacements)                    */
    uint64_t gathers;       /* gathers done                                                  */
    uint64_t gather_rounds; /* MPI_Allgatherv rounds of those gathers                      */
    size_t gather_chunk;    /* bytes per rank and round (0: INT_MAX / P)                     */
} gwi_mpi_red;

/* gwi_mpi_red_init -- a reducer for MPI_COMM_WORLD (MPI initialised). GW_ENOMEM. */
gw_status gwi_mpi_red_init(gwi_mpi_red *r);

/* gwi_mpi_red_free -- release r's buffers (not r). */
void gwi_mpi_red_free(gwi_mpi_red *r);

/* gwi_mpi_red_sum -- buf (n doubles, this rank's partial) becomes the global total, identical
 * on every rank. ctx: a gwi_mpi_red. Returns GW_OK; GW_EIO (another rank failed: the caller
 * must unwind without further collective calls); GW_EINTERNAL (ranks passed different n, or n
 * too large for MPI's int counts); GW_ENOMEM (here: on every rank, agreed). */
gw_status gwi_mpi_red_sum(void *ctx, double *buf, size_t n);

/* gwi_mpi_red_gather -- all-gather (gw_stream_reducer.gather): *recv (gw_malloc'd, the caller
 * gw_frees it; NULL on failure) receives every rank's send[0..nbytes) concatenated in rank
 * order, counts[q] (P entries, caller array) the bytes from rank q; identical on every rank.
 * nbytes may differ between ranks. ctx: a gwi_mpi_red. Collective, with the failure protocol
 * of gwi_mpi_red_sum: a status step first (so that a rank that failed elsewhere and called
 * gwi_mpi_red_agree is seen), the sizes (MPI_Allgather), a second status step after the
 * receive buffers are allocated (an allocation failure on one rank is GW_ENOMEM there and
 * GW_EIO elsewhere, nobody waits), then the data by MPI_Allgatherv in rounds of at most
 * min(INT_MAX / P, gather_chunk) bytes per rank (so any total size works; rounds beyond the
 * first go through a staging buffer of at most P such chunks). Returns GW_OK, GW_EIO (another
 * rank failed), GW_ENOMEM. */
gw_status gwi_mpi_red_gather(void *ctx, const void *send, size_t nbytes, void **recv,
                             size_t *counts);

/* gwi_mpi_red_agree -- the last collective step of a phase: every rank passes its local status
 * (GW_OK, or the failure it met outside a reduction, with gw_last_error() holding its message).
 * Returns the status of the lowest-ranked rank that failed on its own (GW_OK if none), with its
 * message in gw_last_error() on every rank, prefixed "rank R: " when P > 1. Collective unless a
 * reduction has already reported a failure, in which case only the message exchange (also
 * collective: every rank is then here) is done; once that exchange is done, later calls return
 * the same failure without communicating. Ranks whose message mentions "another rank" or
 * "another process" count as having failed because of another (the streaming engine's status
 * slot makes every rank fail together, the others with "the fit failed on another process"). */
gw_status gwi_mpi_red_agree(gwi_mpi_red *r, gw_status local);

/* gwi_mpi_red_allmax -- v[0..n-1] becomes the element-wise maximum over ranks (exact, so order
 * does not matter); with the same failure protocol as gwi_mpi_red_sum. For counts (as doubles
 * holding integers) and flags. */
gw_status gwi_mpi_red_allmax(gwi_mpi_red *r, double *v, size_t n);

#endif
