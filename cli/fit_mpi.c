/* fit_mpi.c -- goodwork fit distributed over MPI ranks (mpirun -np P goodwork fit ...): the
 * command's side of gw_mpi_fit (mpi/gw_mpi.h), which fits on every rank and agrees on the
 * outcome. Rank 0 hands the result to cmd_fit, which renders it and writes --out; the other
 * ranks print nothing and return CLI_MPI_QUIET (main leaves with rank 0's exit code). On
 * failure every rank returns the same exit code and rank 0 prints the library's message (the
 * first failing rank's).
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

#include "cli.h"
#include "cli_mpi.h"
#include "fit_ext.h"
#include "gw_fit.h"
#include "gw_load.h"
#include "gw_mpi.h"

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

/* The line of GW_MPI_STATS (rank 0): communication and memory figures of the fit. */
static void print_stats(const gw_mpi_stats *m)
{
    fprintf(stderr,
            "goodwork: mpi: ranks=%d rows=%zu rows_rank0=%zu cached=%d fit_s=%.3f passes=%zu "
            "sweeps=%zu read_s_rank0=%.3f reductions=%llu doubles_reduced=%llu "
            "bytes_sent_rank0=%llu max_vector=%llu",
            m->nranks, m->rows, m->rows_rank, m->cached, m->fit_seconds, m->passes, m->sweeps,
            m->read_seconds, (unsigned long long)m->reductions, (unsigned long long)m->doubles,
            (unsigned long long)m->bytes_sent, (unsigned long long)m->max_vector);
    fputs(" vectors=", stderr);
    for (size_t h = 0; h < m->nhist; h++)
        fprintf(stderr, "%s%zux%llu", h ? "," : "", m->hist_n[h], (unsigned long long)m->hist_c[h]);
    fputs(" reduce_s=", stderr);
    for (int q = 0; q < m->nshown; q++)
        fprintf(stderr, "%s%.3f", q ? "," : "", m->reduce_seconds[q]);
    fputs(" cpu_s=", stderr);
    for (int q = 0; q < m->nshown; q++)
        fprintf(stderr, "%s%.1f", q ? "," : "", m->cpu_seconds[q]);
    fputs(" peak_rss_mb=", stderr);
    for (int q = 0; q < m->nshown; q++)
        fprintf(stderr, "%s%.0f", q ? "," : "", m->peak_rss_mb[q]);
    fputc('\n', stderr);
}

/* 1 when rank 0 is asked for the statistics line (GW_MPI_STATS set, not "0"). */
static int want_stats(void)
{
    const char *e = getenv("GW_MPI_STATS");
    return cli_mpi_rank() == 0 && e != NULL && e[0] != '\0' && strcmp(e, "0") != 0;
}

int cli_fit_mpi(const fit_args *a, const gw_formula *f, const gw_fit_opts *o, const gw_fit_prep *p,
                int *handled, gw_result **out)
{
    *handled = 0;
    *out = NULL;
    if (!cli_mpi_active())
        return GW_EXIT_OK;
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
    static gw_mpi_stats stats; /* large (per-rank arrays): not on the stack */
    gw_mpi_opts mo = {a->data, a->table, f, p, budget, a->scratch, want_stats() ? &stats : NULL};
    gw_result *res = NULL;
    gw_status s = gw_mpi_fit(&mo, &res);
    if (s != GW_OK) {
        cli_error("%s", gw_last_error()); /* rank 0 only (cli_mpi_quiet) */
        return cli_exit_code(s);
    }
    if (mo.stats != NULL)
        print_stats(mo.stats);
    *handled = 1;
    if (cli_mpi_rank() != 0) {
        gw_result_free(res);
        return CLI_MPI_QUIET;
    }
    *out = res;
    return GW_EXIT_OK;
}
