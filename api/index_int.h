/* index_int.h -- what the index's front door shares between its files (index_run.c,
 * index_render.c, index_goalposts.c): the --goalposts text both ways. Never installed. */
#ifndef GW_INDEX_INT_H
#define GW_INDEX_INT_H

#include "gw_index.h"
#include "gw_index_run.h"
#include "gw_status.h"

/* gwi_index_goalposts -- the --goalposts text (gw_index_run_opts.goalposts; NULL: none) for the
 * spec's indicators into io (goal, base_from/base_to, or goal_a/goal_b pointing at *a and *b,
 * owned by the caller, gw_free; NULL unless fixed). Reads the file of "fixed:FILE". Needs
 * io->norm and io->within_time set. Returns GW_OK; GW_EINVAL (syntax, an unknown or missing
 * indicator, fixed with rank, with within_time, a results file normalised otherwise);
 * GW_ENOVAR (a results file without fixed goalposts in that group); GW_EIO, GW_EFORMAT (the
 * file); GW_ENOMEM. */
gw_status gwi_index_goalposts(const char *text, const gw_index_spec *spec, gw_index_opts *io,
                              double **a, double **b);

/* gwi_index_goalposts_text -- the goalposts x used as a list "NAME=A:B,..." that "fixed:" takes
 * back exactly, into *out (owned, gw_free); *out NULL when x has none or they are rank's (no
 * two numbers). GW_OK or GW_ENOMEM. */
gw_status gwi_index_goalposts_text(const gw_index *x, const gw_index_spec *spec, char **out);

#endif
