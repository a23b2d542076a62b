/* fit_stream.c -- goodwork fit --memory-limit SIZE: out-of-core fits of HDF5 tables. */
#include "cli.h"
#include "fit_ext.h"

int cli_fit_stream(const fit_args *a, const gw_formula *f, const gw_frame_opts *fo,
                   const gw_ols_opts *oo, int *handled, gw_result **out)
{
    (void)f;
    (void)fo;
    (void)oo;
    *handled = 0;
    *out = NULL;
    if (a->memory_limit != NULL) {
        cli_error("--memory-limit is not supported yet");
        return GW_EXIT_USAGE;
    }
    return GW_EXIT_OK;
}
