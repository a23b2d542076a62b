/* analysis_int.h -- what the analyses' front doors (api/mediate_run.c, synergy_run.c ...) share
 * beyond io/gw_vars.h (variables as columns of doubles): lists of owned names. Never
 * installed. */
#ifndef GW_ANALYSIS_INT_H
#define GW_ANALYSIS_INT_H

#include <stddef.h>

#include "gw_status.h"
#include "gw_table.h"

/* gwi_strv_free -- release n owned strings and their array (either may be NULL). */
void gwi_strv_free(char **v, size_t n);

#endif
