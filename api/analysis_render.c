/* analysis_render.c -- the pieces the analyses' renderers share (analysis_int.h): argument
 * checks, JSON numbers and keys, and the one-line JSON document the commands print. */
#include <math.h>
#include <string.h>

#include "analysis_int.h"
#include "core_int.h"
#include "gw_alloc.h"

gw_status gwi_render_check(const void *r, gw_output_format fmt, char **out, const char *what)
{
    if (out != NULL)
        *out = NULL;
    if (r == NULL || out == NULL)
        return gwi_fail(GW_EINVAL, "%s: NULL argument", what);
    if (fmt != GW_OUT_TEXT && fmt != GW_OUT_JSON)
        return gwi_fail(GW_EINVAL, "%s: cannot render as %s (text or json)", what,
                        gw_output_format_name(fmt));
    return GW_OK;
}

cJSON *gwi_json_num(double v) { return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull(); }

cJSON *gwi_json_key(const gw_var_keys *k, size_t i)
{
    if (k->levels == NULL)
        return gwi_json_num(k->value[i]);
    const char *level = gw_var_keys_level(k, i);
    return level == NULL ? cJSON_CreateNull() : cJSON_CreateString(level);
}

gw_status gwi_render_null(char **out, const char *call)
{
    if (out != NULL)
        *out = NULL;
    return gwi_fail(GW_EINVAL, "%s: NULL argument", call);
}

gw_status gwi_json_finish(cJSON *root, char **out)
{
    *out = NULL;
    char *js = root != NULL ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (js == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    size_t len = strlen(js);
    char *text = gw_malloc(len + 2);
    if (text != NULL) {
        memcpy(text, js, len);
        text[len] = '\n';
        text[len + 1] = '\0';
    }
    cJSON_free(js);
    if (text == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    *out = text;
    return GW_OK;
}
