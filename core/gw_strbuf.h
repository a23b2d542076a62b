/* gw_strbuf.h -- a growing text buffer for renderers (tables, JSON, reports).
 *
 * Zero-initialise a gw_strbuf, append to it, then take the text with gw_strbuf_finish. An
 * allocation failure sets `oom` and turns every later append into a no-op, so renderers append
 * freely and check once at the end (gw_strbuf_finish reports GW_ENOMEM). `s` is always
 * NUL-terminated once anything was appended. */
#ifndef GW_STRBUF_H
#define GW_STRBUF_H

#include <stddef.h>

#include "gw_export.h"
#include "gw_status.h"

typedef struct {
    char *s;         /* owned text, NUL-terminated (NULL until the first append) */
    size_t len, cap; /* bytes used (without the NUL) and allocated             */
    int oom;         /* 1 after an allocation failed                            */
} gw_strbuf;

/* gw_strbuf_put -- append n bytes of text. */
GW_API void gw_strbuf_put(gw_strbuf *b, const char *text, size_t n);
/* gw_strbuf_cat -- append a NUL-terminated string. */
GW_API void gw_strbuf_cat(gw_strbuf *b, const char *text);
/* gw_strbuf_rep -- append n copies of c. */
GW_API void gw_strbuf_rep(gw_strbuf *b, char c, size_t n);
/* gw_strbuf_printf -- append printf-formatted text (any length). */
GW_API void gw_strbuf_printf(gw_strbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* gw_strbuf_finish -- hand the text to the caller (*out owned, gw_free; "" if nothing was
 * appended) and reset b. GW_ENOMEM (and *out NULL, b released) if an append had failed. */
GW_API gw_status gw_strbuf_finish(gw_strbuf *b, char **out);
/* gw_strbuf_free -- release the text and reset b; NULL-safe. */
GW_API void gw_strbuf_free(gw_strbuf *b);

/* gw_str_ends_with_ci -- 1 when s ends with suffix, ASCII letters compared without case (file
 * extensions: ".csv", ".csv.gz", ".h5"); 0 otherwise or when either is NULL. */
GW_API int gw_str_ends_with_ci(const char *s, const char *suffix);

/* gw_str_to_count -- *out = the decimal integer s when s is digits only (no sign, no space,
 * nothing after) and at most max; returns 1, else 0 (*out unchanged). For option values such
 * as thread counts, lags and iteration limits. */
GW_API int gw_str_to_count(const char *s, unsigned long long max, unsigned long long *out);

#endif
