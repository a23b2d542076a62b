/* fit_mpi.c -- goodwork fit distributed over MPI ranks (mpirun -np P goodwork fit ...).
 *
 * Every rank reads its own row range of the HDF5 table (cli/mpi_source.h), the streaming engine
 * (models/stream/gw_stream.h) runs its passes over those rows on every rank, and each reduction is
 * combined across ranks by cli/mpi_reduce.h in a fixed rank order, so that every rank holds the
 * same result. Rank 0 hands it to cmd_fit, which renders it and writes --out; the other ranks
 * print nothing and return CLI_MPI_QUIET (main leaves with rank 0's exit code).
 *
 * No rank is ever left waiting: each phase (open and check, fit) ends with a collective status
 * agreement (cli_mpi_red_agree), the engine carries a status in every reduction, and on failure
 * every rank returns the same exit code while rank 0 prints the first failing rank's message.
 *
 * Under mpirun -np 1 the same path runs (it is the P = 1 case of the tests) when the request is
 * one it supports; otherwise the in-core fit follows. With P > 1 an unsupported request is a
 * usage error (exit 2), the same decision on every rank.
 *
 * GW_MPI_STATS=1 in rank 0's environment: rank 0 prints one line of communication and memory
 * figures to standard error after a successful fit (scripts/bench_mpi.sh reads it). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cli.h"
#include "cli_mpi.h"
#include "fit_ext.h"
#include "gw_alloc.h"
#include "gw_fit.h"
#include "gw_load.h"
#include "gw_stream.h"
#include "mpi_reduce.h"
#include "mpi_source.h"

#ifdef GW_HAVE_MPI
#include <mpi.h>
#endif

/* What the distributed path cannot fit, as text for the message (why: room for the library's
 * reason); NULL when it can. */
static const char *unsupported(const fit_args *a, const gw_formula *f, const gw_fit_opts *o,
                               const gw_ols_opts *oo, char *why, size_t len)
{
    if (!gw_data_is_h5(a->data))
        return "a CSV data file (convert it: goodwork convert IN.csv OUT.h5)";
    if (gw_fit_stream_check(f, o) != GW_OK) {
        snprintf(why, len, "%s", gw_last_error());
        return why;
    }
    if (a->panel != NULL || a->hausman)
        return "--panel / --hausman";
    if (a->vcov != NULL && (strncmp(a->vcov, "dk:", 3) == 0 || strncmp(a->vcov, "nw:", 3) == 0))
        return "dk/nw variances";
    if (oo->flags & (GW_OLS_KEEP_RESIDUALS | GW_OLS_KEEP_FITTED))
        return "--save-residuals";
    if (gw_formula_has_iv(f))
        return "instrumental variables";
    return NULL;
}

/* SIZE with an optional K/M/G/T suffix (powers of 1024) into bytes; 0 on a bad value. */
static size_t parse_bytes(const char *s)
{
    double v = 0.0;
    if (!cli_parse_memory_size(s, &v) || v >= 1.8e19)
        return 0;
    return (size_t)v;
}

#ifdef GW_HAVE_MPI
/* Rank 0 prints the communication and memory figures of the fit (GW_MPI_STATS). Collective. */
static void print_stats(const cli_mpi_red *red, const mpi_source *src, const gw_stream_stats *st,
                        double fit_s)
{
    int want = 0;
    if (red->rank == 0) {
        const char *e = getenv("GW_MPI_STATS");
        want = e != NULL && e[0] != '\0' && strcmp(e, "0") != 0;
    }
    MPI_Bcast(&want, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (!want)
        return;
    struct rusage ru;
    double mine[3] = {0.0, red->seconds, 0.0};
    if (getrusage(RUSAGE_SELF, &ru) == 0) {
        mine[0] = (double)ru.ru_maxrss / 1024.0; /* kilobytes on Linux */
        mine[2] = (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
                  (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
    }
    double all[3 * 256];
    int P = red->nranks > 256 ? 256 : red->nranks;
    if (red->nranks > 256) { /* keep the stack buffer: only the first 256 ranks are shown */
        MPI_Comm sub;
        MPI_Comm_split(MPI_COMM_WORLD, red->rank < 256 ? 0 : MPI_UNDEFINED, red->rank, &sub);
        if (sub != MPI_COMM_NULL) {
            MPI_Gather(mine, 3, MPI_DOUBLE, all, 3, MPI_DOUBLE, 0, sub);
            MPI_Comm_free(&sub);
        }
    } else {
        MPI_Gather(mine, 3, MPI_DOUBLE, all, 3, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    }
    if (red->rank != 0)
        return;
    size_t b0, b1;
    mpi_source_range(src, &b0, &b1);
    fprintf(stderr,
            "goodwork: mpi: ranks=%d rows=%zu rows_rank0=%zu cached=%d fit_s=%.3f passes=%zu "
            "sweeps=%zu read_s_rank0=%.3f reductions=%llu doubles_reduced=%llu "
            "bytes_sent_rank0=%llu max_vector=%llu",
            red->nranks, mpi_source_nrows(src), b1 - b0, mpi_source_cached(src), fit_s, st->npasses,
            st->sweeps, st->read_seconds, (unsigned long long)red->calls,
            (unsigned long long)red->doubles, (unsigned long long)red->bytes_sent,
            (unsigned long long)red->max_doubles);
    fputs(" vectors=", stderr);
    for (size_t h = 0; h < red->nhist; h++)
        fprintf(stderr, "%s%zux%llu", h ? "," : "", red->hist_n[h],
                (unsigned long long)red->hist_c[h]);
    fputs(" reduce_s=", stderr);
    for (int q = 0; q < P; q++)
        fprintf(stderr, "%s%.3f", q ? "," : "", all[3 * q + 1]);
    fputs(" cpu_s=", stderr);
    for (int q = 0; q < P; q++)
        fprintf(stderr, "%s%.1f", q ? "," : "", all[3 * q + 2]);
    fputs(" peak_rss_mb=", stderr);
    for (int q = 0; q < P; q++)
        fprintf(stderr, "%s%.0f", q ? "," : "", all[3 * q]);
    fputc('\n', stderr);
}
#endif

int cli_fit_mpi(const fit_args *a, const gw_formula *f, const gw_fit_opts *o, const gw_fit_prep *p,
                int *handled, gw_result **out)
{
    *handled = 0;
    *out = NULL;
    if (!cli_mpi_active())
        return GW_EXIT_OK;
#ifdef GW_HAVE_MPI
    const int P = cli_mpi_size();
    char reason[256];
    const char *why = unsupported(a, f, o, &p->ols, reason, sizeof reason);
    if (why != NULL) {
        if (P == 1)
            return GW_EXIT_OK; /* mpirun -np 1: the in-core fit */
        cli_error("%s is not supported by distributed fits (mpirun -np %d); run without mpirun",
                  why, P);
        return GW_EXIT_USAGE;
    }
    size_t budget = SIZE_MAX; /* without --memory-limit every rank keeps its rows in memory */
    if (a->memory_limit != NULL && (budget = parse_bytes(a->memory_limit)) == 0) {
        cli_error("bad --memory-limit '%s' (expected e.g. 512M or 4G)", a->memory_limit);
        return GW_EXIT_USAGE;
    }
    cli_mpi_red red;
    mpi_source *ms = NULL;
    gw_stream_source src;
    gw_result *res = NULL;
    gw_stream_stats st;
    memset(&st, 0, sizeof st);
    int rc = GW_EXIT_OK;
    gw_status s = cli_mpi_red_init(&red);
    /* Phase 1: open, check, global codes (agreed inside mpi_source_open and here). */
    if (s == GW_OK)
        s = mpi_source_open(a->data, a->table, f, &p->frame, budget, a->scratch, &red, &ms, &src);
    s = cli_mpi_red_agree(&red, s);
    if (s != GW_OK)
        goto fail;
    /* Phase 2: the fit; every reduction carries the engine's status. */
    gw_stream_reducer reducer = {cli_mpi_red_sum, &red, red.rank, red.nranks, cli_mpi_red_gather};
    gw_stream_opts so;
    memset(&so, 0, sizeof so);
    mpi_source_range(ms, &so.row_begin, &so.row_end);
    so.reducer = &reducer;
    so.stats = &st;
    double t0 = MPI_Wtime();
    s = gw_fit_stream(&src, p, &so, &res);
    double fit_s = MPI_Wtime() - t0;
    s = cli_mpi_red_agree(&red, s);
    if (s != GW_OK)
        goto fail;
    print_stats(&red, ms, &st, fit_s);
    *handled = 1;
    if (red.rank == 0) {
        *out = res;
        res = NULL;
    } else {
        rc = CLI_MPI_QUIET;
    }
    goto done;
fail:
    cli_error("%s", gw_last_error()); /* rank 0 only (cli_mpi_quiet) */
    rc = cli_exit_code(s);
done:
    gw_result_free(res);
    mpi_source_close(ms);
    cli_mpi_red_free(&red);
    return rc;
#else
    (void)a;
    (void)f;
    (void)o;
    (void)p;
    (void)unsupported;
    (void)parse_bytes;
    return GW_EXIT_OK;
#endif
}
