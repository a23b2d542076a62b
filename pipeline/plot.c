/* plot.c -- SVG plots with cairo (gw_plot.h). */
#include <cairo-svg.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <math.h>
#include <stdio.h>

#include "gw_plot.h"

#define PLOT_W 720.0
#define ROW_H 20.0
#define LEFT 190.0
#define RIGHT 30.0
#define FONT 11.0
#define PLOT_PI 3.14159265358979323846

static cairo_t *open_svg(const char *path, double h, cairo_surface_t **surf)
{
    *surf = cairo_svg_surface_create(path, PLOT_W, h);
    if (cairo_surface_status(*surf) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(*surf);
        return NULL;
    }
    cairo_t *cr = cairo_create(*surf);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, FONT);
    return cr;
}

static int close_svg(cairo_t *cr, cairo_surface_t *surf)
{
    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_finish(surf);
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(surf);
    cairo_surface_destroy(surf);
    return st == CAIRO_STATUS_SUCCESS ? 0 : -1;
}

/* Text at (x, y) aligned by ax (0 left, 0.5 centre, 1 right), vertically centred. */
static void text(cairo_t *cr, double x, double y, double ax, const char *s)
{
    cairo_text_extents_t e;
    cairo_text_extents(cr, s, &e);
    cairo_move_to(cr, x - ax * e.x_advance, y + 0.35 * FONT);
    cairo_show_text(cr, s);
}

static void title_text(cairo_t *cr, const char *title)
{
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_font_size(cr, FONT + 3);
    text(cr, PLOT_W / 2, 16, 0.5, title);
    cairo_set_font_size(cr, FONT);
}

/* Tidy axis range and step covering [lo, hi]. */
static void axis(double *lo, double *hi, double *step)
{
    if (!(*hi > *lo)) {
        *lo -= 1;
        *hi += 1;
    }
    double span = *hi - *lo, raw = span / 5, mag = pow(10, floor(log10(raw)));
    double f = raw / mag;
    *step = (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
    *lo = floor(*lo / *step) * *step;
    *hi = ceil(*hi / *step) * *step;
}

/* Draws an x axis for [lo, hi] at height y between LEFT and PLOT_W - RIGHT. */
static void x_axis(cairo_t *cr, double lo, double hi, double step, double ytop, double ybot)
{
    double w = PLOT_W - LEFT - RIGHT;
    char buf[32];
    cairo_set_line_width(cr, 0.5);
    for (double v = lo; v <= hi + step * 1e-9; v += step) {
        double x = LEFT + (v - lo) / (hi - lo) * w;
        cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
        cairo_move_to(cr, x, ytop);
        cairo_line_to(cr, x, ybot);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        snprintf(buf, sizeof buf, "%g", fabs(v) < step * 1e-9 ? 0.0 : v);
        text(cr, x, ybot + 10, 0.5, buf);
    }
}

/* The extent of row i: the largest magnitude among its point and interval ends (0 if none). */
static double row_extent(const plot_panel *pa, size_t i)
{
    double e = 0, v[3] = {pa->est[i], pa->lo[i], pa->hi[i]};
    for (size_t k = 0; k < 3; k++)
        if (isfinite(v[k]))
            e = fmax(e, fabs(v[k]));
    return e;
}

size_t plot_scale_groups(const plot_panel *pa, double ratio, size_t *group)
{
    size_t ng = 0;
    for (size_t i = 0; i < pa->n; i++)
        group[i] = (size_t)-1;
    /* Largest extent first: each group takes every unassigned row within ratio of its
     * largest, so a row is never more than ratio times smaller than its axis. */
    for (;;) {
        size_t top = (size_t)-1;
        for (size_t i = 0; i < pa->n; i++) {
            int larger = top == (size_t)-1 || row_extent(pa, i) > row_extent(pa, top);
            if (group[i] == (size_t)-1 && larger)
                top = i;
        }
        if (top == (size_t)-1)
            break;
        double lim = row_extent(pa, top) / ratio;
        for (size_t i = 0; i < pa->n; i++)
            if (group[i] == (size_t)-1 && (row_extent(pa, i) >= lim || lim == 0))
                group[i] = ng;
        ng++;
    }
    return ng;
}

int plot_intervals(const char *path, const char *title, const plot_panel *panels, size_t npanels)
{
    double h = 30;
    for (size_t p = 0; p < npanels; p++)
        h += 24 + ROW_H * (double)panels[p].n + 28;
    cairo_surface_t *surf;
    cairo_t *cr = open_svg(path, h, &surf);
    if (cr == NULL)
        return -1;
    title_text(cr, title);
    double y = 30, w = PLOT_W - LEFT - RIGHT;
    for (size_t p = 0; p < npanels; p++) {
        const plot_panel *pa = &panels[p];
        double lo = 0, hi = 0, step;
        for (size_t i = 0; i < pa->n; i++) {
            double a = isfinite(pa->lo[i]) ? pa->lo[i] : pa->est[i];
            double b = isfinite(pa->hi[i]) ? pa->hi[i] : pa->est[i];
            lo = fmin(lo, fmin(a, pa->est[i]));
            hi = fmax(hi, fmax(b, pa->est[i]));
        }
        axis(&lo, &hi, &step);
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
        text(cr, 10, y + 10, 0, pa->title);
        cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
        double top = y + 22, bot = top + ROW_H * (double)pa->n;
        x_axis(cr, lo, hi, step, top, bot);
        double x0 = LEFT + (0 - lo) / (hi - lo) * w;
        cairo_set_source_rgb(cr, 0.5, 0.5, 0.5);
        cairo_set_line_width(cr, 1);
        cairo_move_to(cr, x0, top);
        cairo_line_to(cr, x0, bot);
        cairo_stroke(cr);
        for (size_t i = 0; i < pa->n; i++) {
            double yy = top + ROW_H * ((double)i + 0.5);
            cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
            text(cr, LEFT - 8, yy, 1, pa->labels[i]);
            cairo_set_source_rgb(cr, 0.13, 0.35, 0.65);
            if (isfinite(pa->lo[i]) && isfinite(pa->hi[i])) {
                cairo_set_line_width(cr, 2);
                cairo_move_to(cr, LEFT + (pa->lo[i] - lo) / (hi - lo) * w, yy);
                cairo_line_to(cr, LEFT + (pa->hi[i] - lo) / (hi - lo) * w, yy);
                cairo_stroke(cr);
            }
            cairo_arc(cr, LEFT + (pa->est[i] - lo) / (hi - lo) * w, yy, 4, 0, 2 * PLOT_PI);
            cairo_fill(cr);
        }
        y = bot + 28;
    }
    return close_svg(cr, surf);
}

/* The heat map's colour of v in [-1, 1]: white at 0, red towards 1, blue towards -1 (white
 * when not finite). */
static void heat_colour(cairo_t *cr, double v)
{
    double a = isfinite(v) ? fmin(1, fabs(v)) : 0;
    if (!(v < 0))
        cairo_set_source_rgb(cr, 1, 1 - 0.75 * a, 1 - 0.8 * a);
    else
        cairo_set_source_rgb(cr, 1 - 0.8 * a, 1 - 0.6 * a, 1);
}

/* The colour legend under the heat map: a bar from -1 to 1 drawn in the cells' colours, with
 * ticks and labels every 0.5, so that a cell's shade reads as a value. */
static void heat_legend(cairo_t *cr, double y)
{
    const double x0 = LEFT, w = 300, bh = 14;
    const int steps = 200;
    for (int k = 0; k < steps; k++) {
        double v = -1 + 2 * ((double)k + 0.5) / steps;
        heat_colour(cr, v);
        cairo_rectangle(cr, x0 + w * k / steps, y, w / steps + 0.5, bh);
        cairo_fill(cr);
    }
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    cairo_set_line_width(cr, 0.5);
    cairo_rectangle(cr, x0, y, w, bh);
    cairo_stroke(cr);
    char buf[16];
    for (int t = 0; t <= 4; t++) {
        double v = -1 + 0.5 * t, x = x0 + w * (v + 1) / 2;
        cairo_move_to(cr, x, y + bh);
        cairo_line_to(cr, x, y + bh + 4);
        cairo_stroke(cr);
        snprintf(buf, sizeof buf, "%g", v);
        text(cr, x, y + bh + 11, 0.5, buf);
    }
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    text(cr, x0 - 8, y + bh / 2, 1, "correlation");
}

int plot_heatmap(const char *path, const char *title, size_t n, const char *const *labels,
                 const double *m)
{
    double cell = fmin(60, (PLOT_W - LEFT - RIGHT) / (double)(n ? n : 1));
    double top = 40, h = top + cell * (double)n + 150 + 44; /* labels, then the legend */
    cairo_surface_t *surf;
    cairo_t *cr = open_svg(path, h, &surf);
    char buf[32];
    if (cr == NULL)
        return -1;
    title_text(cr, title);
    for (size_t i = 0; i < n; i++) {
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        text(cr, LEFT - 8, top + cell * ((double)i + 0.5), 1, labels[i]);
        for (size_t j = 0; j < n; j++) {
            double v = m[i * n + j];
            double x = LEFT + cell * (double)j, y = top + cell * (double)i;
            heat_colour(cr, v);
            cairo_rectangle(cr, x, y, cell - 1, cell - 1);
            cairo_fill(cr);
            cairo_set_source_rgb(cr, 0, 0, 0);
            snprintf(buf, sizeof buf, isfinite(v) ? "%.2f" : "-", v);
            text(cr, x + cell / 2, y + cell / 2, 0.5, buf);
        }
    }
    for (size_t j = 0; j < n; j++) {
        cairo_save(cr);
        cairo_move_to(cr, LEFT + cell * ((double)j + 0.5) + 4, top + cell * (double)n + 6);
        cairo_rotate(cr, PLOT_PI / 2.6);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        cairo_show_text(cr, labels[j]);
        cairo_restore(cr);
    }
    heat_legend(cr, top + cell * (double)n + 150);
    return close_svg(cr, surf);
}

int plot_bars(const char *path, const char *title, size_t n, const char *const *labels,
              const double *v)
{
    double top = 40, h = top + ROW_H * (double)n + 30, w = PLOT_W - LEFT - RIGHT;
    cairo_surface_t *surf;
    cairo_t *cr = open_svg(path, h, &surf);
    char buf[32];
    if (cr == NULL)
        return -1;
    title_text(cr, title);
    double lo = 0, hi = 0, step;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) {
            lo = fmin(lo, v[i]);
            hi = fmax(hi, v[i]);
        }
    axis(&lo, &hi, &step);
    x_axis(cr, lo, hi, step, top, top + ROW_H * (double)n);
    double x0 = LEFT + (0 - lo) / (hi - lo) * w;
    for (size_t i = 0; i < n; i++) {
        double y = top + ROW_H * (double)i;
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        text(cr, LEFT - 8, y + ROW_H / 2, 1, labels[i]);
        if (!isfinite(v[i]))
            continue;
        double x1 = LEFT + (v[i] - lo) / (hi - lo) * w;
        cairo_set_source_rgb(cr, 0.2, 0.5, 0.35);
        cairo_rectangle(cr, fmin(x0, x1), y + 3, fabs(x1 - x0), ROW_H - 6);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        snprintf(buf, sizeof buf, "%.3f", v[i]);
        text(cr, fmax(x0, x1) + 4, y + ROW_H / 2, 0, buf);
    }
    return close_svg(cr, surf);
}

/* A tick label in %g; a tick that is zero but for the rounding of summed steps (-3.5e-18 on an
 * axis from -0.05 to 0 by 0.01) is printed as 0. */
static void tick_label(char *buf, size_t len, double v, double step)
{
    snprintf(buf, len, "%g", fabs(v) < step * 1e-9 ? 0.0 : v);
}

/* The horizontal grid lines of a value axis from lo to hi by step, each labelled at the left of
 * the plot area box = {left, top, width, height}: lines in grey (0..1), labels in ink; a log
 * axis (logv) labels 10^v. One loop for the line plots and the event-study plot. */
static void y_grid(cairo_t *cr, const double box[4], double lo, double hi, double step, int logv,
                   double grey, double ink)
{
    const double L = box[0], T = box[1], w = box[2], h = box[3];
    char buf[32];
    for (double v = lo; v <= hi + step * 1e-9; v += step) {
        const double y = T + h - (v - lo) / (hi - lo) * h;
        cairo_set_source_rgb(cr, grey, grey, grey);
        cairo_move_to(cr, L, y);
        cairo_line_to(cr, L + w, y);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, ink, ink, ink);
        tick_label(buf, sizeof buf, logv ? pow(10, v) : v, logv ? 0.0 : step);
        text(cr, L - 4, y, 1.0, buf);
    }
}

/* The colours of models and series (tab10), shared by the plots that tell several apart. */
static const double series_colours[8][3] = {
    {0.12, 0.47, 0.71}, {1.00, 0.50, 0.05}, {0.17, 0.63, 0.17}, {0.84, 0.15, 0.16},
    {0.58, 0.40, 0.74}, {0.55, 0.34, 0.29}, {0.89, 0.47, 0.76}, {0.50, 0.50, 0.50}};

int plot_lines(const char *path, const char *title, const char *xlabel, const char *ylabel,
               const plot_series *series, size_t nseries, int logx, int logy)
{
    const double H = 420.0, L = 70.0, R = 200.0, T = 36.0, B = 50.0;
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    for (size_t s = 0; s < nseries; s++)
        for (size_t i = 0; i < series[s].n; i++) {
            double x = series[s].x[i], y = series[s].y[i];
            if (!isfinite(x) || !isfinite(y) || (logx && x <= 0) || (logy && y <= 0))
                continue;
            x = logx ? log10(x) : x;
            y = logy ? log10(y) : y;
            xlo = fmin(xlo, x);
            xhi = fmax(xhi, x);
            ylo = fmin(ylo, y);
            yhi = fmax(yhi, y);
        }
    if (!(xhi >= xlo)) {
        xlo = ylo = 0;
        xhi = yhi = 1;
    }
    double xs, ys;
    if (logx) {
        xlo = floor(xlo);
        xhi = ceil(xhi) > xlo ? ceil(xhi) : xlo + 1;
        xs = 1;
    } else {
        axis(&xlo, &xhi, &xs);
    }
    if (logy) {
        ylo = floor(ylo);
        yhi = ceil(yhi) > ylo ? ceil(yhi) : ylo + 1;
        ys = 1;
    } else {
        axis(&ylo, &yhi, &ys);
    }
    cairo_surface_t *surf;
    cairo_t *cr = open_svg(path, H, &surf);
    if (cr == NULL)
        return -1;
    title_text(cr, title);
    const double w = PLOT_W - L - R, h = H - T - B;
#define PX(v) (L + ((v)-xlo) / (xhi - xlo) * w)
#define PY(v) (T + h - ((v)-ylo) / (yhi - ylo) * h)
    char buf[32];
    cairo_set_line_width(cr, 0.5);
    for (double v = xlo; v <= xhi + xs * 1e-9; v += xs) {
        cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
        cairo_move_to(cr, PX(v), T);
        cairo_line_to(cr, PX(v), T + h);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        tick_label(buf, sizeof buf, logx ? pow(10, v) : v, logx ? 0.0 : xs);
        text(cr, PX(v), T + h + 12, 0.5, buf);
    }
    y_grid(cr, (double[4]){L, T, w, h}, ylo, yhi, ys, logy, 0.85, 0.0);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_rectangle(cr, L, T, w, h);
    cairo_stroke(cr);
    text(cr, L + w / 2, H - 14, 0.5, xlabel);
    cairo_save(cr);
    cairo_translate(cr, 14, T + h / 2);
    cairo_rotate(cr, -PLOT_PI / 2);
    text(cr, 0, 0, 0.5, ylabel);
    cairo_restore(cr);
    for (size_t s = 0; s < nseries; s++) {
        const double *c = series_colours[s % 8];
        cairo_set_source_rgb(cr, c[0], c[1], c[2]);
        cairo_set_line_width(cr, 1.5);
        int started = 0;
        for (size_t i = 0; i < series[s].n; i++) {
            double x = series[s].x[i], y = series[s].y[i];
            if (!isfinite(x) || !isfinite(y) || (logx && x <= 0) || (logy && y <= 0))
                continue;
            x = PX(logx ? log10(x) : x);
            y = PY(logy ? log10(y) : y);
            if (started)
                cairo_line_to(cr, x, y);
            else
                cairo_move_to(cr, x, y);
            started = 1;
        }
        cairo_stroke(cr);
        for (size_t i = 0; i < series[s].n; i++) {
            double x = series[s].x[i], y = series[s].y[i];
            if (!isfinite(x) || !isfinite(y) || (logx && x <= 0) || (logy && y <= 0))
                continue;
            cairo_arc(cr, PX(logx ? log10(x) : x), PY(logy ? log10(y) : y), 2.5, 0, 2 * PLOT_PI);
            cairo_fill(cr);
        }
        double ly = T + 8 + 16.0 * (double)s;
        cairo_move_to(cr, L + w + 10, ly);
        cairo_line_to(cr, L + w + 30, ly);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        text(cr, L + w + 34, ly, 0, series[s].label ? series[s].label : "");
    }
#undef PX
#undef PY
    return close_svg(cr, surf);
}

void plot_shutdown(void)
{
    cairo_debug_reset_static_data();
    FcFini();
}

int plot_coef_models(const char *path, const char *title, size_t nterms, const char *const *labels,
                     size_t nmodels, const char *const *models, const double *est, const double *lo,
                     const double *hi)
{
    const double legend_h = 18.0 * (double)nmodels + 8.0;
    const double row = ROW_H * fmax(1.0, 0.45 * (double)nmodels + 0.55);
    double top = 30 + legend_h, h = top + row * (double)nterms + 30, w = PLOT_W - LEFT - RIGHT;
    cairo_surface_t *surf;
    cairo_t *cr = open_svg(path, h, &surf);
    if (cr == NULL)
        return -1;
    title_text(cr, title);
    double xlo = 0, xhi = 0, step;
    for (size_t i = 0; i < nterms * nmodels; i++) {
        double v[3] = {est[i], lo[i], hi[i]};
        for (size_t k = 0; k < 3; k++)
            if (isfinite(v[k])) {
                xlo = fmin(xlo, v[k]);
                xhi = fmax(xhi, v[k]);
            }
    }
    axis(&xlo, &xhi, &step);
    double bot = top + row * (double)nterms;
    x_axis(cr, xlo, xhi, step, top, bot);
    double x0 = LEFT + (0 - xlo) / (xhi - xlo) * w;
    cairo_set_source_rgb(cr, 0.5, 0.5, 0.5);
    cairo_set_line_width(cr, 1);
    cairo_move_to(cr, x0, top);
    cairo_line_to(cr, x0, bot);
    cairo_stroke(cr);
    for (size_t m = 0; m < nmodels; m++) {
        const double *c = series_colours[m % 8];
        double ly = 30 + 18.0 * (double)m + 6;
        cairo_set_source_rgb(cr, c[0], c[1], c[2]);
        cairo_arc(cr, LEFT + 6, ly, 4, 0, 2 * PLOT_PI);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        text(cr, LEFT + 16, ly, 0, models[m] ? models[m] : "");
    }
    for (size_t t = 0; t < nterms; t++) {
        double yc = top + row * ((double)t + 0.5);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        text(cr, LEFT - 8, yc, 1, labels[t]);
        for (size_t m = 0; m < nmodels; m++) {
            size_t i = m * nterms + t;
            if (!isfinite(est[i]))
                continue; /* the model lacks the term */
            /* Models side by side within the term's row, in the legend's order. */
            double yy = yc + 7.0 * ((double)m - ((double)nmodels - 1) / 2);
            const double *c = series_colours[m % 8];
            cairo_set_source_rgb(cr, c[0], c[1], c[2]);
            if (isfinite(lo[i]) && isfinite(hi[i])) {
                cairo_set_line_width(cr, 2);
                cairo_move_to(cr, LEFT + (lo[i] - xlo) / (xhi - xlo) * w, yy);
                cairo_line_to(cr, LEFT + (hi[i] - xlo) / (xhi - xlo) * w, yy);
                cairo_stroke(cr);
            }
            cairo_arc(cr, LEFT + (est[i] - xlo) / (xhi - xlo) * w, yy, 3.5, 0, 2 * PLOT_PI);
            cairo_fill(cr);
        }
    }
    return close_svg(cr, surf);
}

int plot_event(const char *path, const char *title, const char *xlabel, size_t n, const double *x,
               const double *est, const double *lo, const double *hi, size_t nref,
               const double *ref)
{
    const double H = 420.0, L = 70.0, R = 30.0, T = 36.0, B = 50.0;
    double xlo = INFINITY, xhi = -INFINITY, ylo = 0, yhi = 0, xs, ys;
    for (size_t i = 0; i < n + nref; i++) {
        double xv = i < n ? x[i] : ref[i - n];
        xlo = fmin(xlo, xv);
        xhi = fmax(xhi, xv);
        for (size_t k = 0; i < n && k < 3; k++) {
            double v = k == 0 ? est[i] : k == 1 ? lo[i] : hi[i];
            if (isfinite(v)) {
                ylo = fmin(ylo, v);
                yhi = fmax(yhi, v);
            }
        }
    }
    if (!(xhi >= xlo))
        xlo = xhi = 0;
    /* Half a period of margin on each side, so that the first and last intervals show. */
    xlo -= 0.5;
    xhi += 0.5;
    axis(&ylo, &yhi, &ys);
    xs = fmax(1.0, ceil((xhi - xlo) / 12.0));
    cairo_surface_t *surf;
    cairo_t *cr = open_svg(path, H, &surf);
    if (cr == NULL)
        return -1;
    title_text(cr, title);
    const double w = PLOT_W - L - R, h = H - T - B;
#define EX(v) (L + ((v)-xlo) / (xhi - xlo) * w)
#define EY(v) (T + h - ((v)-ylo) / (yhi - ylo) * h)
    char buf[32];
    cairo_set_line_width(cr, 0.5);
    y_grid(cr, (double[4]){L, T, w, h}, ylo, yhi, ys, 0, 0.88, 0.3);
    for (double v = ceil(xlo); v <= xhi; v += xs) {
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        snprintf(buf, sizeof buf, "%g", v);
        text(cr, EX(v), T + h + 12, 0.5, buf);
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_rectangle(cr, L, T, w, h);
    cairo_stroke(cr);
    text(cr, L + w / 2, H - 14, 0.5, xlabel);
    cairo_set_source_rgb(cr, 0.5, 0.5, 0.5);
    cairo_set_line_width(cr, 1);
    cairo_move_to(cr, L, EY(0));
    cairo_line_to(cr, L + w, EY(0));
    cairo_stroke(cr);
    /* The reference period(s): a dashed vertical line and a hollow marker at 0. */
    for (size_t r = 0; r < nref; r++) {
        const double dash[2] = {4, 3};
        cairo_set_source_rgb(cr, 0.84, 0.15, 0.16);
        cairo_set_dash(cr, dash, 2, 0);
        cairo_move_to(cr, EX(ref[r]), T);
        cairo_line_to(cr, EX(ref[r]), T + h);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        cairo_set_line_width(cr, 1.5);
        cairo_arc(cr, EX(ref[r]), EY(0), 4, 0, 2 * PLOT_PI);
        cairo_stroke(cr);
        cairo_set_line_width(cr, 1);
    }
    const double *c = series_colours[0];
    cairo_set_source_rgb(cr, c[0], c[1], c[2]);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(est[i]))
            continue;
        if (isfinite(lo[i]) && isfinite(hi[i])) {
            cairo_set_line_width(cr, 2);
            cairo_move_to(cr, EX(x[i]), EY(lo[i]));
            cairo_line_to(cr, EX(x[i]), EY(hi[i]));
            cairo_stroke(cr);
        }
        cairo_arc(cr, EX(x[i]), EY(est[i]), 4, 0, 2 * PLOT_PI);
        cairo_fill(cr);
    }
#undef EX
#undef EY
    return close_svg(cr, surf);
}
