/* fit_mpi.c -- goodwork fit distributed over MPI ranks (mpirun -np P goodwork fit ...). */
#include "cli.h"
#include "fit_ext.h"

int cli_fit_mpi(const fit_args *a, const gw_formula *f, const gw_frame_opts *fo,
                const gw_ols_opts *oo, int *handled, gw_result **out)
{
    (void)a;
    (void)f;
    (void)fo;
    (void)oo;
    *handled = 0;
    *out = NULL;
    return GW_EXIT_OK;
}
