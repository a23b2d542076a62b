/* analysis_int.h -- what the analyses' front doors (api/mediate_run.c, synergy_run.c ...) share:
 * variables given as "x" or "log(x)" read as columns of doubles, and lists of owned names.
 * Never installed. */
#ifndef GW_ANALYSIS_INT_H
#define GW_ANALYSIS_INT_H

#include <stddef.h>

#include "gw_status.h"
#include "gw_table.h"

/* gwi_var_base -- the column of a variable spec: "log(x)" gives "x" and *take_log = 1, any
 * other spec itself and 0. Owned (gw_free); NULL when out of memory. */
char *gwi_var_base(const char *spec, int *take_log);

/* gwi_column -- column `name` of t as n = gw_table_nrows(t) doubles into out: numeric values
 * as they are (with take_log, the log of positive values and NaN for the rest), a categorical
 * column as its codes (missing: NaN). Returns GW_ENOVAR ("unknown variable 'x'"), GW_EINVAL
 * (take_log on a categorical column: "log(x): 'x' is not numeric"). */
gw_status gwi_column(const gw_table *t, const char *name, int take_log, double *out);

/* gwi_strv_free -- release n owned strings and their array (either may be NULL). */
void gwi_strv_free(char **v, size_t n);

#endif
