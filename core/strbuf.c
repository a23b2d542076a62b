/* strbuf.c -- the growing text buffer shared by every renderer (it used to be written four
 * times, once per renderer). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_strbuf.h"

/* Makes room for extra more bytes plus the NUL, doubling; sets oom on failure. */
static int reserve(gw_strbuf *b, size_t extra)
{
    if (b->oom)
        return 0;
    if (b->s != NULL && b->len + extra + 1 <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = gw_realloc(b->s, cap);
    if (p == NULL) {
        b->oom = 1;
        return 0;
    }
    b->s = p;
    b->cap = cap;
    return 1;
}

void gw_strbuf_put(gw_strbuf *b, const char *text, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->s + b->len, text, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void gw_strbuf_cat(gw_strbuf *b, const char *text) { gw_strbuf_put(b, text, strlen(text)); }

void gw_strbuf_rep(gw_strbuf *b, char c, size_t n)
{
    if (!reserve(b, n))
        return;
    memset(b->s + b->len, c, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void gw_strbuf_printf(gw_strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = 1;
        return;
    }
    if (!reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

gw_status gw_strbuf_finish(gw_strbuf *b, char **out)
{
    *out = NULL;
    if (!b->oom && b->s == NULL)
        reserve(b, 0);
    if (b->oom) {
        gw_strbuf_free(b);
        return gwi_fail(GW_ENOMEM, "cannot allocate the rendered text");
    }
    b->s[b->len] = '\0';
    *out = b->s;
    *b = (gw_strbuf){0};
    return GW_OK;
}

void gw_strbuf_free(gw_strbuf *b)
{
    if (b == NULL)
        return;
    gw_free(b->s);
    *b = (gw_strbuf){0};
}

int gw_str_ends_with_ci(const char *s, const char *suffix)
{
    if (s == NULL || suffix == NULL)
        return 0;
    size_t n = strlen(s), m = strlen(suffix);
    if (n < m)
        return 0;
    for (size_t i = 0; i < m; i++) {
        char c = s[n - m + i], d = suffix[i];
        c = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
        d = d >= 'A' && d <= 'Z' ? (char)(d - 'A' + 'a') : d;
        if (c != d)
            return 0;
    }
    return 1;
}

int gw_str_to_count(const char *s, unsigned long long max, unsigned long long *out)
{
    unsigned long long v = 0;
    if (s == NULL || *s == '\0')
        return 0;
    for (; *s; s++) {
        unsigned long long d = (unsigned long long)(*s - '0');
        if (*s < '0' || *s > '9' || d > max || v > (max - d) / 10)
            return 0;
        v = 10 * v + d;
    }
    *out = v;
    return 1;
}
