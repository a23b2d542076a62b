/* status.c -- status texts and the thread-local error detail (style.md, Errors). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core_int.h"
#include "gw_status.h"

/* Indexed by gw_status with designated initialisers so that codes and texts cannot drift. */
static const char *const status_text[GW_NSTATUS] = {
    [GW_OK] = "success",
    [GW_EINVAL] = "invalid argument",
    [GW_EDIM] = "dimension mismatch",
    [GW_ENOMEM] = "out of memory",
    [GW_ENONFINITE] = "non-finite value",
    [GW_ERANK] = "rank deficient",
    [GW_ENOTPD] = "matrix not positive definite",
    [GW_EILLCOND] = "too ill-conditioned",
    [GW_ENOCONV] = "did not converge",
    [GW_EIO] = "input/output error",
    [GW_EFORMAT] = "malformed data",
    [GW_EUNSUPPORTED] = "unsupported",
    [GW_EINTERNAL] = "internal error",
    [GW_ESYNTAX] = "syntax error",
    [GW_ENOVAR] = "unknown variable",
    [GW_ENODATA] = "no observations",
};

/* 1 KiB holds every message the library writes; longer ones are truncated, never overrun. */
static _Thread_local char last_error[1024];

const char *gw_status_str(gw_status s)
{
    if ((int)s < 0 || s >= GW_NSTATUS || status_text[s] == NULL)
        return "unknown status";
    return status_text[s];
}

const char *gw_last_error(void) { return last_error; }

void gw_clear_error(void) { last_error[0] = '\0'; }

gw_status gwi_fail(gw_status s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return s;
}

gw_status gwi_fail_keep(gw_status s)
{
    if (last_error[0] == '\0')
        snprintf(last_error, sizeof last_error, "%s", gw_status_str(s));
    return s;
}

void gwi_prefix_error(const char *fmt, ...)
{
    char buf[sizeof last_error];
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(buf, sizeof buf - 2, fmt, ap);
    va_end(ap);
    size_t plen = len < 0 ? 0 : ((size_t)len < sizeof buf - 3 ? (size_t)len : sizeof buf - 3);
    buf[plen++] = ':';
    buf[plen++] = ' ';
    size_t rest = sizeof buf - plen - 1, old = strlen(last_error);
    memcpy(buf + plen, last_error, old < rest ? old : rest);
    buf[plen + (old < rest ? old : rest)] = '\0';
    memcpy(last_error, buf, sizeof buf);
}
