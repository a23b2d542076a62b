/* analysis_data.c -- lists of owned names for the analyses' front doors (analysis_int.h). */
#include <string.h>

#include "analysis_int.h"
#include "core_int.h"
#include "gw_alloc.h"

void gwi_strv_free(char **v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        gw_free(v[i]);
    gw_free(v);
}
