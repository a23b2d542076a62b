/* vars.c -- variable specs, columns as doubles and row keys (gw_vars.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_vars.h"

gw_status gw_var_parse(const char *spec, char **base, int *take_log)
{
    if (spec == NULL || base == NULL || take_log == NULL)
        return gwi_fail(GW_EINVAL, "gw_var_parse: NULL argument");
    size_t len = strlen(spec);
    *take_log = len > 5 && strncmp(spec, "log(", 4) == 0 && spec[len - 1] == ')';
    if (*take_log) {
        if ((*base = gw_malloc(len - 4)) != NULL) {
            memcpy(*base, spec + 4, len - 5);
            (*base)[len - 5] = '\0';
        }
    } else {
        *base = gw_strdup(spec);
    }
    return *base != NULL ? GW_OK : gwi_fail(GW_ENOMEM, "out of memory");
}

gw_status gw_var_column(const gw_table *t, const char *name, int take_log, double *out)
{
    if (t == NULL || name == NULL || out == NULL)
        return gwi_fail(GW_EINVAL, "gw_var_column: NULL argument");
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

char *gw_var_key_text(const gw_table *t, const char *name, size_t i, char *buf, size_t cap)
{
    ptrdiff_t j = gw_table_find(t, name);
    if (j < 0) {
        buf[0] = '\0';
        return buf;
    }
    const double *x = gw_table_numeric(t, (size_t)j);
    if (x != NULL) {
        snprintf(buf, cap, "%.10g", x[i]);
        return buf;
    }
    int32_t c = gw_table_codes(t, (size_t)j)[i];
    snprintf(buf, cap, "%s", c < 0 ? "NA" : gw_table_level(t, (size_t)j, (size_t)c));
    return buf;
}

void gw_var_keys_clear(gw_var_keys *k)
{
    if (k == NULL)
        return;
    for (size_t l = 0; k->levels != NULL && l < k->nlevels; l++)
        gw_free(k->levels[l]);
    gw_free(k->levels);
    gw_free(k->value);
    memset(k, 0, sizeof *k);
}

gw_status gw_var_keys_take(const gw_table *t, const char *name, const size_t *rows, size_t n,
                           gw_var_keys *out)
{
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "gw_var_keys_take: NULL argument");
    memset(out, 0, sizeof *out);
    if (t == NULL || name == NULL)
        return gwi_fail(GW_EINVAL, "gw_var_keys_take: NULL argument");
    ptrdiff_t j = gw_table_find(t, name);
    if (j < 0)
        return gwi_fail(GW_ENOVAR, "unknown variable '%s'", name);
    const double *x = gw_table_numeric(t, (size_t)j);
    const int32_t *c = gw_table_codes(t, (size_t)j);
    size_t nl = x != NULL ? 0 : gw_table_nlevels(t, (size_t)j);
    out->n = n;
    if ((out->value = gw_alloc_array(n + 1, sizeof *out->value)) == NULL ||
        (x == NULL && (out->levels = gw_calloc(nl + 1, sizeof *out->levels)) == NULL))
        goto oom;
    out->nlevels = nl;
    for (size_t l = 0; l < nl; l++)
        if ((out->levels[l] = gw_strdup(gw_table_level(t, (size_t)j, l))) == NULL)
            goto oom;
    for (size_t i = 0; i < n; i++) {
        size_t r = rows != NULL ? rows[i] : i;
        out->value[i] = x != NULL ? x[r] : c[r] < 0 ? (double)NAN : (double)c[r];
    }
    return GW_OK;
oom:
    gw_var_keys_clear(out);
    return gwi_fail(GW_ENOMEM, "out of memory");
}

const char *gw_var_keys_level(const gw_var_keys *k, size_t i)
{
    if (k->levels == NULL || isnan(k->value[i]))
        return NULL;
    return k->levels[(size_t)k->value[i]];
}

char *gw_var_keys_text(const gw_var_keys *k, size_t i, char *buf, size_t cap)
{
    if (k->levels == NULL)
        snprintf(buf, cap, "%.10g", k->value[i]);
    else
        snprintf(buf, cap, "%s", isnan(k->value[i]) ? "NA" : k->levels[(size_t)k->value[i]]);
    return buf;
}
