/* mpi_fit.c -- a fit distributed over MPI ranks (gw_mpi.h): open each rank's rows, fit with the
 * streaming engine through the rank-ordered reducer, agree on the outcome after each phase. */
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>

#include "core_int.h"
#include "gw_mpi.h"
#include "gw_stream.h"
#include "mpi_reduce.h"
#include "mpi_source.h"

#ifdef GW_HAVE_MPI
#include <mpi.h>

/* The figures of st and red into *out, with every rank's time, CPU and memory gathered to rank
 * 0 (the first GW_MPI_STATS_RANKS ranks). Collective when any rank asked (rank 0 decides). */
static void gather_stats(const gwi_mpi_red *red, const gwi_mpi_source *src,
                         const gw_stream_stats *st, double fit_s, gw_mpi_stats *out)
{
    int want = out != NULL;
    MPI_Bcast(&want, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (!want)
        return;
    gw_mpi_stats local;
    gw_mpi_stats *o = out != NULL ? out : &local;
    memset(o, 0, sizeof *o);
    struct rusage ru;
    double mine[3] = {0.0, red->seconds, 0.0};
    if (getrusage(RUSAGE_SELF, &ru) == 0) {
        mine[0] = (double)ru.ru_maxrss / 1024.0; /* kilobytes on Linux */
        mine[2] = (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
                  (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
    }
    double all[3 * GW_MPI_STATS_RANKS];
    int P = red->nranks > GW_MPI_STATS_RANKS ? GW_MPI_STATS_RANKS : red->nranks;
    if (red->nranks > GW_MPI_STATS_RANKS) { /* a stack buffer: the first ranks only */
        MPI_Comm sub;
        MPI_Comm_split(MPI_COMM_WORLD, red->rank < GW_MPI_STATS_RANKS ? 0 : MPI_UNDEFINED,
                       red->rank, &sub);
        if (sub != MPI_COMM_NULL) {
            MPI_Gather(mine, 3, MPI_DOUBLE, all, 3, MPI_DOUBLE, 0, sub);
            MPI_Comm_free(&sub);
        }
    } else {
        MPI_Gather(mine, 3, MPI_DOUBLE, all, 3, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    }
    size_t b0, b1;
    gwi_mpi_source_range(src, &b0, &b1);
    o->nranks = red->nranks;
    o->rows = gwi_mpi_source_nrows(src);
    o->rows_rank = b1 - b0;
    o->cached = gwi_mpi_source_cached(src);
    o->fit_seconds = fit_s;
    o->passes = st->npasses;
    o->sweeps = st->sweeps;
    o->read_seconds = st->read_seconds;
    o->reductions = red->calls;
    o->doubles = red->doubles;
    o->bytes_sent = red->bytes_sent;
    o->max_vector = red->max_doubles;
    o->nhist = red->nhist;
    memcpy(o->hist_n, red->hist_n, sizeof o->hist_n);
    memcpy(o->hist_c, red->hist_c, sizeof o->hist_c);
    if (red->rank != 0)
        return;
    o->nshown = P;
    for (int q = 0; q < P; q++) {
        o->peak_rss_mb[q] = all[3 * q];
        o->reduce_seconds[q] = all[3 * q + 1];
        o->cpu_seconds[q] = all[3 * q + 2];
    }
}

gw_status gw_mpi_fit(const gw_mpi_opts *opts, gw_result **out)
{
    if (out != NULL)
        *out = NULL;
    int init = 0;
    MPI_Initialized(&init);
    if (!init)
        return gwi_fail(GW_EINVAL, "gw_mpi_fit: MPI is not initialised");
    if (opts == NULL || opts->path == NULL || opts->f == NULL || opts->prep == NULL || out == NULL)
        return gwi_fail(GW_EINVAL, "gw_mpi_fit: NULL options, path, formula, prep or out");
    gwi_mpi_red red;
    gwi_mpi_source *ms = NULL;
    gw_stream_source src;
    gw_result *res = NULL;
    gw_stream_stats st;
    memset(&st, 0, sizeof st);
    gw_status s = gwi_mpi_red_init(&red);
    /* Phase 1: open, check, global codes (agreed inside gwi_mpi_source_open and here). */
    if (s == GW_OK)
        s = gwi_mpi_source_open(opts->path, opts->group, opts->f, &opts->prep->frame, opts->budget,
                                opts->scratch, &red, &ms, &src);
    s = gwi_mpi_red_agree(&red, s);
    if (s != GW_OK)
        goto done;
    /* Phase 2: the fit; every reduction carries the engine's status. */
    gw_stream_reducer reducer = {gwi_mpi_red_sum, &red, red.rank, red.nranks, gwi_mpi_red_gather};
    gw_stream_opts so;
    memset(&so, 0, sizeof so);
    gwi_mpi_source_range(ms, &so.row_begin, &so.row_end);
    so.reducer = &reducer;
    so.stats = &st;
    double t0 = MPI_Wtime();
    s = gw_fit_stream(&src, opts->prep, &so, &res);
    double fit_s = MPI_Wtime() - t0;
    s = gwi_mpi_red_agree(&red, s);
    if (s != GW_OK)
        goto done;
    gather_stats(&red, ms, &st, fit_s, opts->stats);
    *out = res;
    res = NULL;
done:
    gw_result_free(res);
    gwi_mpi_source_close(ms);
    gwi_mpi_red_free(&red);
    return s;
}

#else /* built without MPI */

gw_status gw_mpi_fit(const gw_mpi_opts *opts, gw_result **out)
{
    (void)opts;
    if (out != NULL)
        *out = NULL;
    return gwi_fail(GW_EUNSUPPORTED, "gw_mpi_fit: goodwork was built without MPI");
}

#endif
