/* text_esc.c -- escaping and number formats that several renderers share (io_int.h): the fit's
 * text, Markdown and LaTeX (io/output.c), goodwork table (io/etable.c, io/etable_out.c) and
 * goodwork test (api/wald_render.c). One copy each, so that the outputs cannot drift apart. */
#include <math.h>
#include <stdio.h>

#include "io_int.h"

const char *gwi_fmt_p(double p, char *buf, size_t size)
{
    if (isnan(p))
        snprintf(buf, size, "NA");
    else if (p >= 1e-4 || p == 0.0)
        snprintf(buf, size, "%.4f", p);
    else
        snprintf(buf, size, "%.1e", p);
    return buf;
}

void gwi_json_str(gw_strbuf *b, const char *s)
{
    gw_strbuf_cat(b, "\"");
    for (; s != NULL && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            gw_strbuf_printf(b, "\\%c", ch);
        else if (ch < 0x20)
            gw_strbuf_printf(b, "\\u%04x", ch);
        else
            gw_strbuf_put(b, s, 1);
    }
    gw_strbuf_cat(b, "\"");
}

void gwi_tex_escape(gw_strbuf *b, const char *s, int newline_space)
{
    for (; *s; s++) {
        switch (*s) {
        case '_':
        case '%':
        case '&':
        case '#':
        case '$':
        case '{':
        case '}':
            gw_strbuf_put(b, "\\", 1);
            gw_strbuf_put(b, s, 1);
            break;
        case '\\':
            gw_strbuf_cat(b, "\\textbackslash{}");
            break;
        case '^':
            gw_strbuf_cat(b, "\\textasciicircum{}");
            break;
        case '~':
            gw_strbuf_cat(b, "\\textasciitilde{}");
            break;
        case '<':
            gw_strbuf_cat(b, "\\textless{}");
            break;
        case '>':
            gw_strbuf_cat(b, "\\textgreater{}");
            break;
        case '|':
            gw_strbuf_cat(b, "\\textbar{}");
            break;
        case '\n':
        case '\r':
            if (newline_space) {
                gw_strbuf_cat(b, " ");
                break;
            }
            gw_strbuf_put(b, s, 1);
            break;
        default:
            gw_strbuf_put(b, s, 1);
        }
    }
}
