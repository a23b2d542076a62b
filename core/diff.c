/* diff.c -- distances between numbers for goodwork verify (gw_diff.h). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_int.h"
#include "gw_diff.h"

/* The double's bits mapped to an integer line on which neighbouring doubles are neighbours
 * (negative numbers mirrored below zero; -0 and +0 both map to 0). */
static int64_t ordered(double x)
{
    int64_t i;
    memcpy(&i, &x, sizeof i);
    return i < 0 ? INT64_MIN - i : i;
}

uint64_t gw_ulp_distance(double a, double b)
{
    if (a == b)
        return 0;
    if (isnan(a) || isnan(b))
        return memcmp(&a, &b, sizeof a) == 0 ? 0 : UINT64_MAX;
    int64_t ia = ordered(a), ib = ordered(b);
    return ia > ib ? (uint64_t)ia - (uint64_t)ib : (uint64_t)ib - (uint64_t)ia;
}

/* Element names are cut to leave room for the values in a GW_DIFF_WHERE message. */
#define PLACE_MAX (GW_DIFF_WHERE - 96)

static void place_n(char *buf, size_t n, const char *obj, size_t index)
{
    if (index == (size_t)-1)
        snprintf(buf, n, "%s", obj);
    else
        snprintf(buf, n, "%s[%zu]", obj, index);
}

#define place(buf, obj, index)                                                                     \
    place_n(buf, sizeof(buf) < PLACE_MAX ? sizeof(buf) : PLACE_MAX, obj, index)

int gw_diff_num(gw_diff *d, const gw_tol *tol, double a, double b, const char *obj, size_t index)
{
    d->ncompared++;
    if (memcmp(&a, &b, sizeof a) == 0)
        return 1;
    d->ndiffer++;
    if (d->first[0] == '\0') {
        char w[PLACE_MAX];
        place(w, obj, index);
        snprintf(d->first, sizeof d->first, "%s: values differ (%.17g, re-run %.17g)", w, a, b);
    }
    if (!isfinite(a) || !isfinite(b)) {
        /* A NaN or an infinity against anything else: not a rounding difference. */
        char w[PLACE_MAX];
        place(w, obj, index);
        gw_diff_other(d, "%s: %.17g, re-run %.17g", w, a, b);
        d->max_ulps = UINT64_MAX;
        place(d->where_ulps, obj, index);
        d->ulps_a = a;
        d->ulps_b = b;
        return 0;
    }
    double abs = fabs(a - b), big = fmax(fabs(a), fabs(b));
    double rel = big > 0.0 ? abs / big : 0.0;
    uint64_t ulps = gw_ulp_distance(a, b);
    if (abs > d->max_abs) {
        d->max_abs = abs;
        place(d->where_abs, obj, index);
    }
    if (rel > d->max_rel) {
        d->max_rel = rel;
        place(d->where_rel, obj, index);
    }
    if (ulps > d->max_ulps) {
        d->max_ulps = ulps;
        d->ulps_a = a;
        d->ulps_b = b;
        place(d->where_ulps, obj, index);
    }
    int within = tol != NULL && ((tol->kind == GW_TOL_REL && rel <= tol->rel) ||
                                 (tol->kind == GW_TOL_ULPS && ulps <= tol->ulps));
    if (!within) {
        d->nbeyond++;
        if (d->first_beyond[0] == '\0') {
            char w[PLACE_MAX];
            place(w, obj, index);
            snprintf(d->first_beyond, sizeof d->first_beyond,
                     "%s: values differ (%.17g, re-run %.17g)", w, a, b);
        }
    }
    return within;
}

void gw_diff_other(gw_diff *d, const char *fmt, ...)
{
    char msg[GW_DIFF_WHERE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    d->nother++;
    if (d->first[0] == '\0')
        snprintf(d->first, sizeof d->first, "%s", msg);
    if (d->first_beyond[0] == '\0')
        snprintf(d->first_beyond, sizeof d->first_beyond, "%s", msg);
}

int gw_diff_identical(const gw_diff *d) { return d->ndiffer == 0 && d->nother == 0; }

int gw_diff_within(const gw_diff *d) { return d->nbeyond == 0 && d->nother == 0; }

gw_status gw_tol_parse(const char *text, gw_tol *out)
{
    char *end = NULL;
    memset(out, 0, sizeof *out);
    if (text != NULL && strncmp(text, "rel:", 4) == 0 && text[4] != '\0') {
        errno = 0;
        double x = strtod(text + 4, &end);
        if (*end == '\0' && errno == 0 && x >= 0.0 && x < 1.0) {
            out->kind = GW_TOL_REL;
            out->rel = x;
            return GW_OK;
        }
    } else if (text != NULL && strncmp(text, "ulps:", 5) == 0 && text[5] >= '0' && text[5] <= '9') {
        errno = 0;
        unsigned long long n = strtoull(text + 5, &end, 10);
        if (*end == '\0' && errno == 0) {
            out->kind = GW_TOL_ULPS;
            out->ulps = (uint64_t)n;
            return GW_OK;
        }
    }
    return gwi_fail(GW_EINVAL,
                    "bad tolerance '%s' (expected rel:X with 0 <= X < 1, e.g. rel:1e-12, or "
                    "ulps:N, e.g. ulps:64)",
                    text ? text : "(null)");
}

char *gw_diff_summary(const gw_diff *d, char *buf, size_t n)
{
    if (d->ndiffer == 0) {
        snprintf(buf, n, "no numbers differ (%zu compared)", d->ncompared);
        return buf;
    }
    char ulps[64];
    if (d->max_ulps == UINT64_MAX)
        snprintf(ulps, sizeof ulps, "a NaN or infinity");
    else
        snprintf(ulps, sizeof ulps, "%llu ULP%s", (unsigned long long)d->max_ulps,
                 d->max_ulps == 1 ? "" : "s");
    snprintf(buf, n,
             "%zu of %zu numbers differ; largest: %.3g absolute at %s, %.3g relative at %s, "
             "%s at %s (%.17g, re-run %.17g)",
             d->ndiffer, d->ncompared, d->max_abs, d->where_abs[0] ? d->where_abs : "-", d->max_rel,
             d->where_rel[0] ? d->where_rel : "-", ulps, d->where_ulps, d->ulps_a, d->ulps_b);
    return buf;
}
