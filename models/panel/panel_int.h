/* panel_int.h -- declarations shared between the panel files of models/ (panel.c,
 * panel_hac.c, panel_hausman.c); never installed. */
#ifndef GW_PANEL_INT_H
#define GW_PANEL_INT_H

#include <stddef.h>
#include <stdint.h>

#include "gw_design.h"
#include "gw_linalg.h"
#include "gw_panel.h"
#include "gw_result.h"
#include "gw_status.h"

/* gwi_panel_time_pos -- the position of each of the n times among the sorted distinct values
 * (pos: out, n entries in 0..*T-1; T: out, the number of distinct values). GW_ENONFINITE for
 * a NaN or infinite time (naming its 0-based row), GW_ENOMEM. O(n log n). */
gw_status gwi_panel_time_pos(const double *time, size_t n, size_t *pos, size_t *T);

/* gwi_panel_check_id -- d->panel_id present, with a name, codes, nlevels >= 1 and every code
 * in 0..nlevels-1; what names the caller for the message ("random effects"). GW_EINVAL. */
gw_status gwi_panel_check_id(const gw_design *d, const char *what);

/* The random-effects transformation of a design, shared by gw_panel_fit and the Hausman
 * test. All arrays owned (gwi_panel_re_free). */
typedef struct {
    size_t ng;             /* groups                                                   */
    size_t *Ti;            /* ng rows per group                                         */
    double *Xbar, *ybar;   /* ng x p (ld ng) and ng group means                         */
    unsigned char *varies; /* p flags: the column is not constant within every group    */
    double *Xs, *ys;       /* n x p and n: x - theta_i xbar_i, y - theta_i ybar_i         */
    double *Xw, *yw;       /* n x p and n: x - xbar_i, y - ybar_i (column 0 unused)       */
    double *theta;         /* ng                                                        */
    size_t kw;             /* slopes of the within fit (its rank)                        */
} gwi_panel_re;

/* gwi_panel_re_new -- group means, within fit, weighted between fit, Swamy-Arora components
 * (into info) and the quasi-demeaned data of d (intercept in column 0, panel_id checked).
 * ls_opts: the solver of the auxiliary fits. Statuses of gw_panel_fit for GW_PANEL_RE. */
gw_status gwi_panel_re_new(const gw_design *d, gw_ls_opts ls_opts, gw_panel_info *info,
                           gwi_panel_re *re);
void gwi_panel_re_free(gwi_panel_re *re);

/* gwi_panel_group_means -- the group means of x (n) by codes id into m (ng), two-pass: the
 * plain mean, then the mean deviation added as a correction; sums in row order. c: ng scratch. */
void gwi_panel_group_means(const double *x, const int32_t *id, size_t n, size_t ng,
                           const size_t *Ti, double *m, double *c);

#endif
