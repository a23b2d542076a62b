/* stepwise.c -- several formulas from one text: sw(), csw(), sw0(), csw0() and several
 * responses (gw_stepwise.h). A scanner over the text that knows only parentheses, backquoted
 * names, "~", "|", "+" and commas: everything else is the formula parser's business. */
#include <stdio.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_formula.h"
#include "gw_stepwise.h"
#include "gw_strbuf.h"

/* Characters of the formula shown in an error message, as gw_formula_parse shows them. */
#define GW_STEPWISE_SHOWN GW_FORMULA_CARET_WIDTH

typedef struct {
    size_t a, b; /* the bytes [a, b) of the text */
} span;

typedef enum { SW = 0, CSW, SW0, CSW0 } sw_kind;
static const char *const sw_names[] = {"sw", "csw", "sw0", "csw0"};

/* A list of pieces of text (spans) that grows. */
typedef struct {
    span *v;
    size_t n, cap;
} span_list;

static int spans_add(span_list *l, span s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        span *v = gw_realloc(l->v, cap * sizeof *v);
        if (v == NULL)
            return 0;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = s;
    return 1;
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static int is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.';
}

/* s without the white space at both ends. */
static span trim(const char *t, span s)
{
    while (s.a < s.b && is_space(t[s.a]))
        s.a++;
    while (s.b > s.a && is_space(t[s.b - 1]))
        s.b--;
    return s;
}

/* A syntax error with the text and a caret under byte pos, as gw_formula_parse reports. */
static gw_status fail_at(const char *t, size_t pos, const char *what)
{
    char line[GW_STEPWISE_SHOWN + 1], caret[GW_STEPWISE_SHOWN + 1];
    size_t len = strlen(t), from = 0;
    if (len > GW_STEPWISE_SHOWN && pos > GW_STEPWISE_SHOWN / 2)
        from = pos - GW_STEPWISE_SHOWN / 2; /* a window around the caret */
    size_t k = 0;
    for (; k < GW_STEPWISE_SHOWN && from + k < len; k++) {
        char c = t[from + k];
        line[k] = (unsigned char)c < 32 ? ' ' : c;
        caret[k] = ' ';
    }
    line[k] = '\0';
    size_t at = pos - from < k ? pos - from : k;
    caret[at] = '^';
    caret[at + 1] = '\0';
    return gwi_fail(GW_ESYNTAX, "%s\n  %s\n  %s", what, line, caret);
}

/* Marks in depth0, for each byte of t[s.a, s.b), whether it stands at parenthesis depth 0
 * outside backquotes (parentheses and backquotes themselves are not marked). Returns 0 when
 * parentheses or backquotes do not balance within the span (the map is filled all the same). */
static int depth_map(const char *t, span s, unsigned char *depth0)
{
    int depth = 0, quoted = 0, ok = 1;
    for (size_t i = s.a; i < s.b; i++) {
        char c = t[i];
        int top = !quoted && depth == 0 && c != '(' && c != ')' && c != '`';
        if (quoted)
            quoted = c != '`';
        else if (c == '`')
            quoted = 1;
        else if (c == '(')
            depth++;
        else if (c == ')' && depth-- == 0) {
            ok = 0;
            depth = 0;
        }
        depth0[i - s.a] = (unsigned char)top;
    }
    return ok && depth == 0 && !quoted;
}

/* The pieces of t[s.a, s.b) between top-level separators sep, trimmed. */
static int split_top(const char *t, span s, char sep, span_list *out)
{
    unsigned char *d0 = gw_malloc(s.b - s.a + 1);
    if (d0 == NULL || !depth_map(t, s, d0)) {
        gw_free(d0);
        return d0 == NULL ? -1 : 0;
    }
    size_t from = s.a;
    int ok = 1;
    for (size_t i = s.a; ok && i <= s.b; i++)
        if (i == s.b || (d0[i - s.a] && t[i] == sep)) {
            ok = spans_add(out, trim(t, (span){from, i}));
            from = i + 1;
        }
    gw_free(d0);
    return ok ? 1 : -1;
}

/* The one stepwise call of the right-hand side r (r.a is the "~"): its kind, the whole call
 * [call.a, call.b) and its argument list (inside the parentheses). found 0: none. */
typedef struct {
    int found;
    sw_kind kind;
    span call, inside;
} sw_call;

/* Recognises a stepwise function name ending just before the "(" at open. */
static int call_name(const char *t, size_t from, size_t open, sw_kind *kind, size_t *start)
{
    size_t e = open;
    while (e > from && is_space(t[e - 1]))
        e--;
    size_t b = e;
    while (b > from && is_name_char(t[b - 1]))
        b--;
    for (int k = 0; k < 4; k++)
        if (e - b == strlen(sw_names[k]) && strncmp(t + b, sw_names[k], e - b) == 0) {
            *kind = (sw_kind)k;
            *start = b;
            return 1;
        }
    return 0;
}

/* Finds the stepwise call of t[r.a, r.b): at most one, a term of its own, not in an instruments'
 * part. Returns GW_OK (c->found 0 when there is none) or GW_ESYNTAX. */
static gw_status find_call(const char *t, span r, sw_call *c)
{
    memset(c, 0, sizeof *c);
    int depth = 0, quoted = 0;
    size_t open = 0;
    for (size_t i = r.a; i < r.b; i++) {
        char ch = t[i];
        if (quoted) {
            quoted = ch != '`';
            continue;
        }
        if (ch == '`') {
            quoted = 1;
        } else if (ch == '(') {
            sw_kind kind;
            size_t start;
            if (depth == 0 && call_name(t, r.a, i, &kind, &start)) {
                if (c->found)
                    return fail_at(t, start,
                                   "at most one stepwise function (sw, csw, sw0, csw0) per "
                                   "formula");
                c->found = 1;
                c->kind = kind;
                c->call.a = start;
                open = i;
            }
            depth++;
        } else if (ch == ')' && depth > 0 && --depth == 0 && c->found && c->call.b == 0) {
            c->call.b = i + 1;
            c->inside = (span){open + 1, i};
        }
    }
    if (c->found && c->call.b == 0) {
        char msg[64];
        snprintf(msg, sizeof msg, "no closing parenthesis for %s(", sw_names[c->kind]);
        return fail_at(t, c->call.a, msg);
    }
    return GW_OK;
}

/* The call stands as a term of its own: "~", "+" or "|" (or nothing) before, "+", "|" or the
 * end after, and its part of the formula is not the instruments' one. */
static gw_status check_place(const char *t, span r, const sw_call *c)
{
    size_t p = c->call.a, q = c->call.b;
    while (p > r.a && is_space(t[p - 1]))
        p--;
    while (q < r.b && is_space(t[q]))
        q++;
    char before = p > r.a ? t[p - 1] : '~', after = q < r.b ? t[q] : '\0';
    char msg[80];
    if ((before != '~' && before != '+' && before != '|') ||
        (after != '\0' && after != '+' && after != '|')) {
        snprintf(msg, sizeof msg, "%s() must be a term of its own, joined with +",
                 sw_names[c->kind]);
        return fail_at(t, c->call.a, msg);
    }
    /* The part the call is in: between the top-level "|" around it. An instruments' part has
     * its own "~"; the right-hand side starts at r.a, the main "~". */
    unsigned char *d0 = gw_malloc(r.b - r.a + 1);
    if (d0 == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    depth_map(t, r, d0);
    size_t a = c->call.a, b = c->call.b;
    while (a > r.a && !(d0[a - 1 - r.a] && t[a - 1] == '|'))
        a--;
    while (b < r.b && !(d0[b - r.a] && t[b] == '|'))
        b++;
    int iv = 0;
    for (size_t i = a; i < b; i++)
        iv |= i > r.a && d0[i - r.a] && t[i] == '~';
    gw_free(d0);
    if (iv)
        return fail_at(t, c->call.a, "a stepwise function cannot stand in the instruments' part");
    return GW_OK;
}

/* The right-hand side r without the call (sw0, csw0: the model without the term) into b. */
static void put_without(gw_strbuf *b, const char *t, span r, span call)
{
    size_t p = call.a, q = call.b;
    while (p > r.a && is_space(t[p - 1]))
        p--;
    while (q < r.b && is_space(t[q]))
        q++;
    char before = p > r.a ? t[p - 1] : '~', after = q < r.b ? t[q] : '\0';
    if (before == '+') { /* "x + sw0(a) ..." -> "x ..." */
        size_t e = p - 1;
        while (e > r.a && is_space(t[e - 1]))
            e--;
        gw_strbuf_put(b, t + r.a, e - r.a);
        gw_strbuf_put(b, t + call.b, r.b - call.b);
    } else if (after == '+') { /* "~ sw0(a) + x" -> "~ x" */
        size_t s = q + 1;
        while (s < r.b && is_space(t[s]))
            s++;
        gw_strbuf_put(b, t + r.a, call.a - r.a);
        gw_strbuf_put(b, t + s, r.b - s);
    } else if (before == '~') { /* "~ sw0(a) | fe" -> "~ 1 | fe" */
        gw_strbuf_put(b, t + r.a, call.a - r.a);
        gw_strbuf_cat(b, "1");
        gw_strbuf_put(b, t + call.b, r.b - call.b);
    } else if (after == '|') { /* "| sw0(fe) | d ~ z" -> "| 0 | d ~ z" */
        gw_strbuf_put(b, t + r.a, call.a - r.a);
        gw_strbuf_cat(b, "0");
        gw_strbuf_put(b, t + call.b, r.b - call.b);
    } else { /* "x | sw0(fe)" -> "x": the fixed-effects part goes with its "|" */
        size_t e = p - 1;
        while (e > r.a && is_space(t[e - 1]))
            e--;
        gw_strbuf_put(b, t + r.a, e - r.a);
        gw_strbuf_put(b, t + call.b, r.b - call.b);
    }
}

/* Appends model number v of the call (0-based, the model without the term first for sw0/csw0)
 * of right-hand side r to b. */
static void put_variant(gw_strbuf *b, const char *t, span r, const sw_call *c,
                        const span_list *args, size_t v)
{
    int zero = c->kind == SW0 || c->kind == CSW0;
    if (zero && v == 0) {
        put_without(b, t, r, c->call);
        return;
    }
    size_t k = zero ? v - 1 : v;
    gw_strbuf_put(b, t + r.a, c->call.a - r.a);
    int cumulative = c->kind == CSW || c->kind == CSW0;
    for (size_t j = cumulative ? 0 : k; j <= k; j++) {
        if (j > (cumulative ? 0 : k))
            gw_strbuf_cat(b, " + ");
        gw_strbuf_put(b, t + args->v[j].a, args->v[j].b - args->v[j].a);
    }
    gw_strbuf_put(b, t + c->call.b, r.b - c->call.b);
}

/* The responses of the left-hand side t[0, tilde): several when split at top-level "+" or given
 * as c(...); none (resp->n == 0) when it is a single response, kept verbatim. */
static gw_status responses(const char *t, size_t tilde, span_list *resp)
{
    span l = trim(t, (span){0, tilde});
    int rc;
    if (l.b - l.a > 2 && t[l.a] == 'c' && t[l.b - 1] == ')') {
        size_t o = l.a + 1;
        while (o < l.b && is_space(t[o]))
            o++;
        if (o < l.b && t[o] == '(') {
            span in = {o + 1, l.b - 1};
            unsigned char *d0 = gw_malloc(in.b - in.a + 1);
            if (d0 == NULL)
                return gwi_fail(GW_ENOMEM, "out of memory");
            int whole = depth_map(t, in, d0); /* "c(a) + c(b)" is not one call */
            gw_free(d0);
            if (whole) {
                if ((rc = split_top(t, in, ',', resp)) < 0)
                    return gwi_fail(GW_ENOMEM, "out of memory");
                goto check;
            }
        }
    }
    if ((rc = split_top(t, l, '+', resp)) < 0)
        return gwi_fail(GW_ENOMEM, "out of memory");
    if (rc == 0 || resp->n == 1) {
        resp->n = 0; /* one response (or not ours to judge): verbatim */
        return GW_OK;
    }
check:
    for (size_t i = 0; i < resp->n; i++)
        if (resp->v[i].a == resp->v[i].b)
            return fail_at(t, resp->v[i].a, "empty response");
    return GW_OK;
}

/* The top-level "~" of t (strlen(t) when there is none or parentheses do not balance before it). */
static size_t main_tilde(const char *t)
{
    int depth = 0, quoted = 0;
    size_t i = 0;
    for (; t[i] != '\0'; i++) {
        char c = t[i];
        if (quoted)
            quoted = c != '`';
        else if (c == '`')
            quoted = 1;
        else if (c == '(')
            depth++;
        else if (c == ')')
            depth--;
        else if (c == '~' && depth == 0)
            return i;
    }
    return i;
}

/* The argument list of the call, checked: at least one, none empty. */
static gw_status call_args(const char *t, const sw_call *c, span_list *args)
{
    char msg[64];
    if (trim(t, c->inside).a == c->inside.b) {
        snprintf(msg, sizeof msg, "%s() has no argument", sw_names[c->kind]);
        return fail_at(t, c->call.a, msg);
    }
    if (split_top(t, c->inside, ',', args) < 0)
        return gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t i = 0; i < args->n; i++)
        if (args->v[i].a == args->v[i].b) {
            snprintf(msg, sizeof msg, "empty argument of %s()", sw_names[c->kind]);
            return fail_at(t, args->v[i].a, msg);
        }
    return GW_OK;
}

gw_status gw_stepwise_expand(const char *text, char ***out, size_t *n)
{
    if (out == NULL || n == NULL)
        return gwi_fail(GW_EINVAL, "gw_stepwise_expand: NULL argument");
    *out = NULL;
    *n = 0;
    if (text == NULL)
        return gwi_fail(GW_EINVAL, "gw_stepwise_expand: NULL formula");
    span_list resp = {0}, args = {0};
    sw_call c = {0};
    char **list = NULL;
    size_t len = strlen(text), tilde = main_tilde(text), nm = 0;
    span r = {tilde, len};
    gw_status s = GW_OK;
    if (tilde < len && (s = find_call(text, r, &c)) == GW_OK && c.found &&
        (s = check_place(text, r, &c)) == GW_OK)
        s = call_args(text, &c, &args);
    if (s == GW_OK && tilde < len)
        s = responses(text, tilde, &resp);
    if (s != GW_OK)
        goto done;
    size_t nv = tilde < len && c.found ? args.n + (c.kind == SW0 || c.kind == CSW0) : 1;
    size_t nr = resp.n ? resp.n : 1;
    if ((list = gw_calloc(nr * nv, sizeof *list)) == NULL) {
        s = gwi_fail(GW_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nr && s == GW_OK; i++)
        for (size_t v = 0; v < nv && s == GW_OK; v++) {
            gw_strbuf b = {0};
            if (resp.n) {
                gw_strbuf_put(&b, text + resp.v[i].a, resp.v[i].b - resp.v[i].a);
                gw_strbuf_cat(&b, " ");
            } else {
                gw_strbuf_put(&b, text, tilde);
            }
            if (tilde < len && c.found)
                put_variant(&b, text, r, &c, &args, v);
            else
                gw_strbuf_put(&b, text + tilde, len - tilde);
            s = gw_strbuf_finish(&b, &list[nm]);
            nm += s == GW_OK;
        }
done:
    gw_free(resp.v);
    gw_free(args.v);
    if (s != GW_OK) {
        gw_stepwise_free(list, nm);
        return s == GW_ENOMEM ? gwi_fail(GW_ENOMEM, "out of memory") : s;
    }
    *out = list;
    *n = nm;
    return GW_OK;
}

void gw_stepwise_free(char **list, size_t n)
{
    if (list == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        gw_free(list[i]);
    gw_free(list);
}
