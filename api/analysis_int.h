/* analysis_int.h -- what the analyses' front doors (api/mediate_run.c, synergy_run.c ...) share
 * beyond io/gw_vars.h (variables as columns of doubles) and core_int.h (gwi_strv_free): the
 * pieces of their renderers (the command line's text and JSON, analysis_render.c). Never
 * installed. */
#ifndef GW_ANALYSIS_INT_H
#define GW_ANALYSIS_INT_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "core_int.h"
#include "gw_output.h"
#include "gw_status.h"
#include "gw_table.h"
#include "gw_vars.h"

/* gwi_render_check -- the argument checks every analysis renderer shares: r and out not NULL,
 * fmt text or json (the formats the commands have). Sets *out = NULL when out is given. Returns
 * GW_EINVAL with a message naming what ("index: ..."), or GW_OK. */
gw_status gwi_render_check(const void *r, gw_output_format fmt, char **out, const char *what);

/* gwi_json_num -- a cJSON number, or null for NaN and infinities (the analyses' JSON numbers
 * are cJSON's, unlike gw_output_number's round-trip text of goodwork fit). */
cJSON *gwi_json_num(double v);
/* gwi_json_key -- the JSON value of key i: its level for a categorical column (null when
 * missing), else the number (null for NaN). */
cJSON *gwi_json_key(const gw_var_keys *k, size_t i);

/* gwi_json_finish -- root as one line of JSON and a newline into *out (owned, gw_free); root is
 * deleted (NULL-safe). GW_ENOMEM (*out NULL) when root is NULL or cannot be printed. */
gw_status gwi_json_finish(cJSON *root, char **out);
/* gwi_render_null -- a render call's answer to a NULL argument: *out = NULL (when out is not
 * NULL) and GW_EINVAL naming the call. */
gw_status gwi_render_null(char **out, const char *call);

#endif
