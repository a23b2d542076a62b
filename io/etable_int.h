/* etable_int.h -- the grid shared by io/etable.c (which builds it from the models and options)
 * and io/etable_out.c (which draws it in each format). */
#ifndef GW_ETABLE_INT_H
#define GW_ETABLE_INT_H

#include <stddef.h>

#include "gw_etable.h"
#include "gw_strbuf.h"

typedef enum {
    ROW_NUM,      /* (1), (2), ...                                                            */
    ROW_NAME,     /* model names                                                              */
    ROW_RESPONSE, /* Dependent var.:                                                          */
    ROW_EST,      /* Estimator                                                                */
    ROW_COEF,     /* estimate with stars                                                      */
    ROW_BELOW,    /* (se), (t) or [lo, hi]                                                    */
    ROW_FE,       /* Yes / No                                                                 */
    ROW_ADD,      /* the caller's rows                                                        */
    ROW_VCOV,     /* the variance's readable name                                             */
    ROW_STAT      /* a statistic (numbers)                                                    */
} etab_row_kind;

typedef struct {
    etab_row_kind kind;
    int rule_before;       /* a rule (text '-', LaTeX \midrule) precedes this row */
    const char *tex_label; /* NULL, or the label as LaTeX source (R2 -> $R^2$), unescaped */
    char **cells;          /* 1 + m strings; cells[0] is the label */
} etab_row;

typedef struct {
    size_t m, nrows, cap;
    etab_row *rows;
    int oom;
    char legend[160];     /* "Signif. codes: ..." or "" without stars */
    char tex_legend[256]; /* the same in LaTeX */
    const char *title, *notes;
} etab_grid;

/* Index of the first byte of the star suffix of a coefficient cell ("0.12***" -> 4). */
size_t gwi_etab_star_split(const char *s);
/* The cell (never NULL). */
const char *gwi_etab_cell(const etab_row *r, size_t j);

void gwi_etab_text(const etab_grid *g, gw_strbuf *b);
void gwi_etab_markdown(const etab_grid *g, gw_strbuf *b);
void gwi_etab_latex(const etab_grid *g, gw_strbuf *b);
void gwi_etab_csv(const etab_grid *g, gw_strbuf *b);
void gwi_etab_html(const etab_grid *g, gw_strbuf *b);

#endif
