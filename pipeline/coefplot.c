/* coefplot.c -- coefficient and event-study plots of saved models (gw_coefplot.h). The
 * intervals follow goodwork table's rule (gw_etable_interval); the drawing is gw_plot.h's. */
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_coefplot.h"
#include "gw_etable.h"
#include "gw_plot.h"

/* Runs draw into a temporary beside path and renames it over path (a reader never sees half a
 * file); 0 or -1. */
typedef int (*draw_fn)(const char *tmp, void *arg);

static gw_status write_atomic(const char *path, draw_fn draw, void *arg)
{
    size_t len = strlen(path) + 64;
    char *tmp = gw_malloc(len);
    if (tmp == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    snprintf(tmp, len, "%s.tmp.%ld", path, (long)getpid());
    int slot = gwi_cleanup_add_file(tmp);
    int ok = draw(tmp, arg) == 0 && rename(tmp, path) == 0;
    if (!ok)
        (void)unlink(tmp);
    gwi_cleanup_remove(slot);
    gw_free(tmp);
    return ok ? GW_OK : gwi_fail(GW_EIO, "%s: cannot write the plot", path);
}

static gw_status check_level(double level)
{
    if (level != 0.0 && !(level > 0.0 && level < 1.0))
        return gwi_fail(GW_EINVAL, "--level %g: expected a number in (0, 1) such as 0.90", level);
    return GW_OK;
}

/* ---- coefficients ------------------------------------------------------------------------- */

typedef struct {
    const char *title;
    size_t nt, nm;
    const char **terms;
    const char *const *names;
    double *est, *lo, *hi;
} coef_data;

static int draw_coef(const char *tmp, void *arg)
{
    const coef_data *d = arg;
    return plot_coef_models(tmp, d->title, d->nt, d->terms, d->nm, d->names, d->est, d->lo, d->hi);
}

/* 1 when term t is drawn. */
static int term_kept(const char *t, const gw_coefplot_opts *o, const regex_t *re, int re_ok)
{
    if (!o->intercept && strcmp(t, "(Intercept)") == 0)
        return 0;
    if (o->keep == NULL || strcmp(o->keep, t) == 0)
        return 1;
    return re_ok && regexec(re, t, 0, NULL, 0) == 0;
}

gw_status gw_coefplot_write(const gw_result *const *fits, const char *const *names, size_t n,
                            const gw_coefplot_opts *opts, const char *path)
{
    static const gw_coefplot_opts none;
    const gw_coefplot_opts *o = opts ? opts : &none;
    gw_status rc;
    if (fits == NULL || names == NULL || n == 0 || path == NULL)
        return gwi_fail(GW_EINVAL, "gw_coefplot_write: no models or no path");
    if ((rc = check_level(o->level)) != GW_OK)
        return rc;
    regex_t re;
    int re_ok = o->keep != NULL && regcomp(&re, o->keep, REG_EXTENDED | REG_NOSUB) == 0;
    size_t cap = 0;
    for (size_t m = 0; m < n; m++)
        cap += fits[m]->k;
    coef_data d = {NULL, 0, n, NULL, names, NULL, NULL, NULL};
    d.terms = gw_calloc(cap + 1, sizeof *d.terms);
    if (d.terms == NULL) {
        rc = gwi_fail(GW_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t m = 0; m < n; m++)
        for (size_t j = 0; j < fits[m]->k; j++) {
            const char *t = fits[m]->terms[j];
            size_t i = 0;
            while (i < d.nt && strcmp(d.terms[i], t) != 0)
                i++;
            if (i == d.nt && term_kept(t, o, &re, re_ok))
                d.terms[d.nt++] = t;
        }
    if (d.nt == 0) {
        rc = gwi_fail(GW_EINVAL, "--keep '%s' matches no term of the models",
                      o->keep ? o->keep : "");
        goto done;
    }
    d.est = gw_calloc(3 * n * d.nt, sizeof *d.est);
    if (d.est == NULL) {
        rc = gwi_fail(GW_ENOMEM, "out of memory");
        goto done;
    }
    d.lo = d.est + n * d.nt;
    d.hi = d.lo + n * d.nt;
    for (size_t m = 0; m < n; m++)
        for (size_t t = 0; t < d.nt; t++) {
            size_t i = m * d.nt + t;
            ptrdiff_t j = gw_result_term(fits[m], d.terms[t]);
            d.est[i] = d.lo[i] = d.hi[i] = NAN;
            if (j >= 0) {
                d.est[i] = fits[m]->estimate[j];
                gw_etable_interval(fits[m], (size_t)j, o->level, &d.lo[i], &d.hi[i]);
            }
        }
    char title[160];
    snprintf(title, sizeof title, "Coefficients with %g%% confidence intervals",
             100.0 * (o->level != 0.0 ? o->level : 0.95));
    d.title = o->title ? o->title : title;
    rc = write_atomic(path, draw_coef, &d);
done:
    if (re_ok)
        regfree(&re);
    gw_free(d.terms);
    gw_free(d.est);
    return rc;
}

/* ---- event studies ------------------------------------------------------------------------ */

typedef struct {
    const char *title, *xlabel;
    size_t n, nref;
    double *x, *est, *lo, *hi;
    const double *ref;
} event_data;

static int draw_event(const char *tmp, void *arg)
{
    const event_data *d = arg;
    return plot_event(tmp, d->title, d->xlabel, d->n, d->x, d->est, d->lo, d->hi, d->nref, d->ref);
}

/* When term is "VAR::LEVEL", or "VAR::LEVEL:BY" as i(VAR, BY) names its terms, with a numeric
 * LEVEL, VAR equal to var (NULL: any) and the tail after LEVEL ("" or ":BY") equal to tail
 * (NULL: any): 1, *level, the VAR's length in *varlen and the tail in *rest. */
static int event_term(const char *term, const char *var, const char *tail, size_t *varlen,
                      double *level, const char **rest)
{
    const char *sep = strstr(term, "::");
    if (sep == NULL || sep == term)
        return 0;
    if (var != NULL && (strlen(var) != (size_t)(sep - term) || strncmp(term, var, strlen(var))))
        return 0;
    char *end;
    *level = strtod(sep + 2, &end);
    if (end == sep + 2 || (*end != '\0' && *end != ':') || !isfinite(*level))
        return 0;
    if (tail != NULL && strcmp(end, tail) != 0)
        return 0;
    *varlen = (size_t)(sep - term);
    *rest = end;
    return 1;
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The one level missing from the evenly spaced run of the sorted levels x[0..n), if exactly
 * one is missing: the period i() left out. */
static size_t infer_ref(const double *x, size_t n, double *ref)
{
    double *s = gw_calloc(n ? n : 1, sizeof *s);
    size_t found = 0;
    if (s == NULL || n < 2) {
        gw_free(s);
        return 0;
    }
    memcpy(s, x, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_dbl);
    double step = INFINITY;
    for (size_t i = 1; i < n; i++)
        step = fmin(step, s[i] - s[i - 1]);
    for (size_t i = 1; step > 0 && i < n && found < 2; i++) {
        double gap = (s[i] - s[i - 1]) / step;
        if (fabs(gap - 2.0) < 1e-9) {
            *ref = s[i - 1] + step;
            found++;
        } else if (fabs(gap - 1.0) > 1e-9) {
            found = 2; /* uneven: no guess */
        }
    }
    gw_free(s);
    return found == 1;
}

gw_status gw_eventplot_write(const gw_result *fit, const char *name, const gw_eventplot_opts *opts,
                             const char *path)
{
    static const gw_eventplot_opts none;
    const gw_eventplot_opts *o = opts ? opts : &none;
    gw_status rc;
    if (fit == NULL || path == NULL)
        return gwi_fail(GW_EINVAL, "gw_eventplot_write: no model or no path");
    if ((rc = check_level(o->level)) != GW_OK)
        return rc;
    char var[128] = "", tail[128] = "";
    size_t vl;
    double lev;
    const char *rest;
    for (size_t j = 0; j < fit->k && var[0] == '\0'; j++)
        if (event_term(fit->terms[j], o->var, NULL, &vl, &lev, &rest)) {
            snprintf(var, sizeof var, "%.*s", (int)vl, fit->terms[j]);
            snprintf(tail, sizeof tail, "%s", rest);
        }
    if (var[0] == '\0')
        return gwi_fail(GW_EINVAL,
                        "%s has no event-study terms %s::LEVEL with a numeric LEVEL (as "
                        "i(%s, ref = v) makes them)",
                        name ? name : "the model", o->var ? o->var : "VAR",
                        o->var ? o->var : "VAR");
    event_data d = {NULL, var, 0, 0, NULL, NULL, NULL, NULL, NULL};
    double inferred, *stored;
    d.x = gw_calloc(4 * fit->k + o->nstored_ref + 1, sizeof *d.x);
    if (d.x == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    d.est = d.x + fit->k;
    d.lo = d.est + fit->k;
    d.hi = d.lo + fit->k;
    stored = d.hi + fit->k;
    for (size_t j = 0; j < fit->k; j++)
        if (event_term(fit->terms[j], var, tail, &vl, &lev, &rest)) {
            d.x[d.n] = lev;
            d.est[d.n] = fit->estimate[j];
            gw_etable_interval(fit, j, o->level, &d.lo[d.n], &d.hi[d.n]);
            d.n++;
        }
    /* The stored references of VAR are named "VAR::LEVEL" whatever the BY (see i_ref). */
    size_t nstored = 0;
    for (size_t i = 0; i < o->nstored_ref; i++)
        if (o->stored_ref[i] != NULL && event_term(o->stored_ref[i], var, "", &vl, &lev, &rest))
            stored[nstored++] = lev;
    if (o->nref > 0) {
        d.ref = o->ref;
        d.nref = o->nref;
    } else if (nstored > 0) {
        d.ref = stored;
        d.nref = nstored;
    } else if (infer_ref(d.x, d.n, &inferred)) {
        d.ref = &inferred;
        d.nref = 1;
    }
    char title[256];
    snprintf(title, sizeof title, "%s: coefficients of %s%s (%g%% intervals)",
             name ? name : "model", var, tail, 100.0 * (o->level != 0.0 ? o->level : 0.95));
    d.title = o->title ? o->title : title;
    rc = write_atomic(path, draw_event, &d);
    gw_free(d.x);
    return rc;
}
