/* wald_render.c -- the text and JSON of `goodwork test` (gw_wald_render, gw_wald.h). */
#include <math.h>
#include <stdio.h>

#include "core_int.h"
#include "gw_strbuf.h"
#include "gw_wald.h"
#include "io_int.h"

/* JSON: "name":value with 17 significant digits (reads back bit for bit), NaN as null. */
static void js_num(gw_strbuf *b, const char *name, double v, int comma)
{
    gw_strbuf_printf(b, "%s\"%s\":", comma ? "," : "", name);
    if (isfinite(v))
        gw_strbuf_printf(b, "%.17g", v);
    else
        gw_strbuf_cat(b, "null");
}

static void json_report(gw_strbuf *b, const gw_wald_report *rep)
{
    gw_strbuf_cat(b, "{\"model\":");
    gwi_json_str(b, rep->model != NULL ? rep->model : "");
    if (rep->m > 0 && rep->wald != NULL) {
        const gw_wald *w = rep->wald;
        gw_strbuf_cat(b, ",\"test\":{\"restrictions\":[");
        for (size_t i = 0; i < rep->m; i++) {
            gw_strbuf_cat(b, i ? "," : "");
            gwi_json_str(b, rep->restrictions[i]);
        }
        gw_strbuf_printf(b, "],\"type\":\"%s\"", w->is_f ? "F" : "chi2");
        js_num(b, "statistic", w->stat, 1);
        js_num(b, "df1", w->df1, 1);
        js_num(b, "df2", w->df2, 1);
        js_num(b, "p_value", w->p_value, 1);
        js_num(b, "wald", w->wald, 1);
        gw_strbuf_cat(b, "}");
    }
    if (rep->nlincom > 0) {
        gw_strbuf_cat(b, ",\"lincom\":[");
        for (size_t i = 0; i < rep->nlincom; i++) {
            const gw_lincom *l = &rep->lincom[i];
            gw_strbuf_cat(b, i ? ",{\"expression\":" : "{\"expression\":");
            gwi_json_str(b, rep->lincom_texts[i]);
            js_num(b, "estimate", l->estimate, 1);
            js_num(b, "std_error", l->std_error, 1);
            js_num(b, "statistic", l->statistic, 1);
            gw_strbuf_printf(b, ",\"statistic_type\":\"%s\"", l->is_z ? "z" : "t");
            js_num(b, "df", l->df, 1);
            js_num(b, "p_value", l->p_value, 1);
            js_num(b, "conf_level", l->level, 1);
            js_num(b, "ci_low", l->ci_low, 1);
            js_num(b, "ci_high", l->ci_high, 1);
            gw_strbuf_cat(b, "}");
        }
        gw_strbuf_cat(b, "]");
    }
    gw_strbuf_cat(b, "}\n");
}

static void text_report(gw_strbuf *b, const gw_wald_report *rep)
{
    char pb[32];
    if (rep->m > 0 && rep->wald != NULL) {
        const gw_wald *w = rep->wald;
        gw_strbuf_printf(b, "Wald test (model %s)\n", rep->model != NULL ? rep->model : "");
        for (size_t i = 0; i < rep->m; i++)
            gw_strbuf_printf(b, "  (%zu)  %s\n", i + 1, rep->restrictions[i]);
        if (w->is_f)
            gw_strbuf_printf(b, "F(%g, %g) = %.6g    Prob > F = %s\n", w->df1, w->df2, w->stat,
                             gwi_fmt_p(w->p_value, pb, sizeof pb));
        else
            gw_strbuf_printf(b, "chi2(%g) = %.6g    Prob > chi2 = %s\n", w->df1, w->stat,
                             gwi_fmt_p(w->p_value, pb, sizeof pb));
    }
    for (size_t i = 0; i < rep->nlincom; i++) {
        const gw_lincom *l = &rep->lincom[i];
        if (i > 0 || rep->m > 0)
            gw_strbuf_cat(b, "\n");
        gw_strbuf_printf(b, "Linear combination (model %s): %s\n",
                         rep->model != NULL ? rep->model : "", rep->lincom_texts[i]);
        gw_strbuf_printf(b, "  %12s %12s %12s %12s   [%g%% Conf. Interval]\n", "Estimate",
                         "Std. Error", l->is_z ? "z" : "t", l->is_z ? "P>|z|" : "P>|t|",
                         100.0 * l->level);
        gw_strbuf_printf(b, "  %12.6g %12.6g %12.2f %12s %12.6g %12.6g\n", l->estimate,
                         l->std_error, l->statistic, gwi_fmt_p(l->p_value, pb, sizeof pb),
                         l->ci_low, l->ci_high);
        if (!l->is_z)
            gw_strbuf_printf(b, "  (t with %g df)\n", l->df);
    }
}

gw_status gw_wald_render(const gw_wald_report *rep, int json, char **out)
{
    if (rep == NULL || out == NULL)
        return gwi_fail(GW_EINVAL, "gw_wald_render: NULL argument");
    *out = NULL;
    gw_strbuf b = {0};
    if (json)
        json_report(&b, rep);
    else
        text_report(&b, rep);
    gw_status s = gw_strbuf_finish(&b, out);
    return s == GW_OK ? GW_OK : gwi_fail(s, "out of memory");
}
