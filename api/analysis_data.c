/* analysis_data.c -- variables of the analyses read as columns of doubles, and lists of owned
 * names (analysis_int.h). */
#include <math.h>
#include <string.h>

#include "analysis_int.h"
#include "core_int.h"
#include "gw_alloc.h"

char *gwi_var_base(const char *spec, int *take_log)
{
    size_t len = strlen(spec);
    *take_log = len > 5 && strncmp(spec, "log(", 4) == 0 && spec[len - 1] == ')';
    if (!*take_log)
        return gw_strdup(spec);
    char *base = gw_malloc(len - 4);
    if (base != NULL) {
        memcpy(base, spec + 4, len - 5);
        base[len - 5] = '\0';
    }
    return base;
}

gw_status gwi_column(const gw_table *t, const char *name, int take_log, double *out)
{
    ptrdiff_t j = gw_table_find(t, name);
    if (j < 0)
        return gwi_fail(GW_ENOVAR, "unknown variable '%s'", name);
    size_t n = gw_table_nrows(t);
    const double *x = gw_table_numeric(t, (size_t)j);
    if (x != NULL) {
        for (size_t i = 0; i < n; i++)
            out[i] = take_log ? (x[i] > 0.0 ? log(x[i]) : (double)NAN) : x[i];
        return GW_OK;
    }
    if (take_log)
        return gwi_fail(GW_EINVAL, "log(%s): '%s' is not numeric", name, name);
    const int32_t *c = gw_table_codes(t, (size_t)j);
    for (size_t i = 0; i < n; i++)
        out[i] = c[i] < 0 ? (double)NAN : (double)c[i];
    return GW_OK;
}

void gwi_strv_free(char **v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        gw_free(v[i]);
    gw_free(v);
}
