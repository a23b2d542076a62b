/* cli_mpi.h -- goodwork under an MPI launcher (mpirun -np P goodwork fit ...).
 *
 * The same goodwork binary runs alone or as one of P ranks. MPI is initialised only when the
 * process was started by an MPI launcher (Open MPI's OMPI_COMM_WORLD_SIZE, or the PMI/PMIx
 * variables of MPICH, Slurm and PRRTE are set), so that a plain `goodwork ...` never touches
 * MPI (no singleton start-up, nothing changes for the test suite). Builds without MPI
 * (GW_HAVE_MPI undefined) compile every function here to its single-process answer.
 *
 * Under a launcher with P > 1 only `goodwork fit` runs (distributed, cli/fit_mpi.c); the other
 * commands are refused with exit 2. Ranks other than 0 print nothing: standard output goes to
 * /dev/null and cli_error is silent there; errors are gathered to rank 0 and printed once. */
#ifndef GW_CLI_MPI_H
#define GW_CLI_MPI_H

#include <stddef.h>

#include "gw_status.h"

/* Returned by a command on ranks other than 0 when it has nothing to print or store itself;
 * cli_mpi_finish replaces it by rank 0's exit code. Not an exit code of the contract. */
#define CLI_MPI_QUIET 100

/* cli_mpi_start -- called first by main: initialises MPI when launched by an MPI launcher.
 * Returns GW_EXIT_OK, or an exit code after printing the reason (MPI could not start). */
int cli_mpi_start(int *argc, char ***argv);

/* cli_mpi_active -- 1 when MPI was initialised (launched by mpirun, any P), else 0. */
int cli_mpi_active(void);

/* cli_mpi_rank / cli_mpi_size -- this process's rank and the number of ranks (0 and 1 when
 * MPI is not active). */
int cli_mpi_rank(void);
int cli_mpi_size(void);

/* cli_mpi_quiet -- 1 on ranks other than 0 (they print nothing). */
int cli_mpi_quiet(void);

/* cli_mpi_command_ok -- 0 after printing the reason (once, on rank 0) when command cannot run
 * under this launch (P > 1 and not "fit"); 1 otherwise. */
int cli_mpi_command_ok(const char *command);

/* cli_mpi_finish -- called last by main with this rank's exit code: every rank leaves with
 * rank 0's code (CLI_MPI_QUIET on other ranks is replaced by it), then MPI is finalised.
 * Returns the exit code to leave with. Without MPI returns rc unchanged. */
int cli_mpi_finish(int rc);

#endif
