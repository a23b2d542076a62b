/* gw_plot.h -- the report's plots, drawn with cairo as SVG files (goodwork run's report and
 * `goodwork bench --plot`). Each function writes one file and returns 0, or -1 when cairo
 * cannot create or finish it. Labels and values are borrowed. */
#ifndef GW_PLOT_H
#define GW_PLOT_H

#include <stddef.h>

/* One panel of a dot-and-whisker plot: n rows with a point and an interval each. */
typedef struct {
    const char *title;
    size_t n;
    const char *const *labels;
    const double *est, *lo, *hi;
} plot_panel;

/* plot_intervals -- panels stacked vertically, each with its own x axis and a line at zero
 * (coefficient plots with 95% intervals; scenario quantiles per group). */
int plot_intervals(const char *path, const char *title, const plot_panel *panels, size_t npanels);

/* plot_scale_groups -- groups the rows of a panel by scale, so that rows of very different
 * magnitudes can go to panels with axes of their own: group[i] (caller's, pa->n entries) is the
 * group of row i, 0 for the largest magnitudes; a row's magnitude is the largest of |est|,
 * |lo|, |hi| (finite ones), and each group holds the rows within a factor ratio (> 1) of its
 * largest. Returns the number of groups (0 when pa->n is 0). */
size_t plot_scale_groups(const plot_panel *pa, double ratio, size_t *group);

/* plot_heatmap -- an n x n matrix (row-major, values in [-1, 1]) as coloured cells with the
 * value written in each (correlation heat map; blue negative, red positive) and a colour legend
 * (a bar from -1 to 1 with labels) under the column labels. */
int plot_heatmap(const char *path, const char *title, size_t n, const char *const *labels,
                 const double *m);

/* plot_bars -- horizontal bars, one per label, in the order given (index ranking). */
int plot_bars(const char *path, const char *title, size_t n, const char *const *labels,
              const double *v);

/* One line of a line plot: n points (x[i], y[i]) joined in order, with a legend label. */
typedef struct {
    const char *label;
    size_t n;
    const double *x, *y;
} plot_series;

/* plot_lines -- series on common axes, each its own colour, with a legend on the right;
 * logx / logy: log10 axes (values <= 0 or non-finite are skipped). Scaling plots of
 * `goodwork bench --plot` (time vs rows, time vs threads). */
int plot_lines(const char *path, const char *title, const char *xlabel, const char *ylabel,
               const plot_series *series, size_t nseries, int logx, int logy);

/* plot_coef_models -- several models' coefficients on one x axis (goodwork plot coef): a row
 * per term (labels, nterms), within it one point and interval per model, side by side in the
 * models' colours, with a legend of the model names above; est/lo/hi are nmodels x nterms,
 * model-major (est[m * nterms + t]); NaN est: the model lacks the term (nothing drawn). Each
 * model's points are filled circles of its colour, one per term it has. */
int plot_coef_models(const char *path, const char *title, size_t nterms,
                     const char *const *labels, size_t nmodels, const char *const *models,
                     const double *est, const double *lo, const double *hi);

/* plot_event -- an event-study plot (goodwork plot event): n points (x[i], est[i]) with
 * vertical intervals [lo[i], hi[i]] as filled circles of one colour, a line at 0, and each of
 * the nref reference periods ref[] marked by a dashed vertical line and a hollow circle at 0. */
int plot_event(const char *path, const char *title, const char *xlabel, size_t n, const double *x,
               const double *est, const double *lo, const double *hi, size_t nref,
               const double *ref);

/* plot_shutdown -- release cairo's static caches (fonts) once every plot is written, so that
 * leak checkers see a clean exit. */
void plot_shutdown(void);

#endif
