/* mpi_env.c -- start and finish MPI for goodwork under a launcher (cli_mpi.h).
 *
 * Why MPI is initialised only under a launcher: Open MPI's MPI_Init in a process started
 * without mpirun ("singleton") forks a helper daemon and reads the machine's topology, costing
 * tens of milliseconds and failing in some containers; a command-line tool run thousands of
 * times by the test suite and pipelines must not pay that, nor depend on it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_mpi.h"

#ifdef GW_HAVE_MPI
#include <mpi.h>
#endif

static int mpi_active = 0;
static int mpi_rank = 0;
static int mpi_size = 1;

/* 1 when an MPI launcher started this process: Open MPI (mpirun/orterun), PMIx launchers
 * (prterun, srun --mpi=pmix) and PMI-1/2 launchers (MPICH's hydra, srun). */
static int launched_by_mpi(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v != NULL && v[0] != '\0')
            return 1;
    }
    return 0;
}

int cli_mpi_start(int *argc, char ***argv)
{
#ifdef GW_HAVE_MPI
    if (!launched_by_mpi())
        return GW_EXIT_OK;
    /* MPI is called by the main thread only; OpenMP threads compute between calls. */
    int provided = 0;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        cli_error("cannot initialise MPI");
        return GW_EXIT_OTHER;
    }
    mpi_active = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &mpi_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &mpi_size);
    /* Ranks other than 0 print nothing on standard output (errors: cli_mpi_quiet). */
    if (mpi_rank != 0 && freopen("/dev/null", "w", stdout) == NULL)
        return GW_EXIT_OTHER;
    return GW_EXIT_OK;
#else
    (void)argc;
    (void)argv;
    (void)launched_by_mpi;
    return GW_EXIT_OK;
#endif
}

int cli_mpi_active(void) { return mpi_active; }
int cli_mpi_rank(void) { return mpi_rank; }
int cli_mpi_size(void) { return mpi_size; }
int cli_mpi_quiet(void) { return mpi_rank != 0; }

int cli_mpi_command_ok(const char *command)
{
    if (mpi_size <= 1 || strcmp(command, "fit") == 0)
        return 1;
    cli_error("only 'goodwork fit' runs on several MPI ranks; run '%s' without mpirun", command);
    return 0;
}

int cli_mpi_finish(int rc)
{
#ifdef GW_HAVE_MPI
    if (!mpi_active)
        return rc;
    /* Every rank leaves with rank 0's code: rank 0 alone renders and stores the results, and
     * the ranks agreed on any earlier failure collectively (cli/fit_mpi.c). */
    int code = rc;
    MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (code == CLI_MPI_QUIET) /* cannot happen on rank 0; kept defensive */
        code = GW_EXIT_OTHER;
    MPI_Finalize();
    mpi_active = 0;
    return code;
#else
    return rc;
#endif
}
