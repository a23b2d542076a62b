/* etable.c -- side-by-side regression tables (gw_etable.h).
 *
 * Every format is drawn from one grid of cells (row labels in column 0, one column per model),
 * built once; the formats differ only in how they align, quote and escape cells and where they
 * draw rules. JSON is the exception: it is written from the results directly so that numbers
 * keep every bit. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_etable.h"
#include "gw_strbuf.h"

static const char legend_text[] = "Signif. codes: *** p<0.01, ** p<0.05, * p<0.1";

const char *gw_etable_stars(double p)
{
    if (p < 0.01)
        return "***";
    if (p < 0.05)
        return "**";
    if (p < 0.1)
        return "*";
    return "";
}

/* ---- a growing string: core/gw_strbuf.h ---------------------------------------------- */

typedef gw_strbuf sbuf;
#define sb_put gw_strbuf_put
#define sb_cat gw_strbuf_cat
#define sb_rep gw_strbuf_rep
#define sb_printf gw_strbuf_printf

/* ---- numbers ------------------------------------------------------------------------------ */

/* 4 significant digits, fixed notation for 1e-4 <= |x| < 1e7, else %.3e; "NA" for NaN. */
static void fmt_num(double x, char *buf, size_t n)
{
    double a = fabs(x);
    if (isnan(x)) {
        snprintf(buf, n, "NA");
    } else if (isinf(x)) {
        snprintf(buf, n, "%s", x > 0 ? "Inf" : "-Inf");
    } else if (a == 0.0) {
        snprintf(buf, n, "0");
    } else if (a >= 1e-4 && a < 1e7) {
        int e = (int)floor(log10(a));
        int dec = 3 - e;
        snprintf(buf, n, "%.*f", dec > 0 ? dec : 0, x);
    } else {
        snprintf(buf, n, "%.3e", x);
    }
}

/* ---- the grid ----------------------------------------------------------------------------- */

typedef enum { ROW_RESPONSE, ROW_NAME, ROW_COEF, ROW_SE, ROW_FE, ROW_STAT } row_kind;

typedef struct {
    row_kind kind;
    int rule_before; /* a rule (text '-', LaTeX \midrule) precedes this row */
    char **cells;    /* 1 + m strings; cells[0] is the label */
} grid_row;

typedef struct {
    size_t m, nrows, cap;
    grid_row *rows;
    int oom;
} grid;

/* Adds a row of empty cells and returns it (NULL when out of memory). */
static grid_row *grid_add(grid *g, row_kind kind, const char *label)
{
    if (g->oom)
        return NULL;
    if (g->nrows == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 32;
        grid_row *p = gw_realloc(g->rows, cap * sizeof *p);
        if (p == NULL) {
            g->oom = 1;
            return NULL;
        }
        g->rows = p;
        g->cap = cap;
    }
    grid_row *r = &g->rows[g->nrows];
    r->kind = kind;
    r->rule_before = 0;
    r->cells = gw_calloc(g->m + 1, sizeof *r->cells);
    if (r->cells == NULL) {
        g->oom = 1;
        return NULL;
    }
    g->nrows++;
    r->cells[0] = gw_strdup(label ? label : "");
    if (r->cells[0] == NULL)
        g->oom = 1;
    return r;
}

static void grid_set(grid *g, grid_row *r, size_t col, const char *text)
{
    if (r == NULL)
        return;
    gw_free(r->cells[col]);
    r->cells[col] = gw_strdup(text ? text : "");
    if (r->cells[col] == NULL)
        g->oom = 1;
}

static void grid_free(grid *g)
{
    for (size_t i = 0; i < g->nrows; i++) {
        for (size_t j = 0; j <= g->m; j++)
            gw_free(g->rows[i].cells[j]);
        gw_free(g->rows[i].cells);
    }
    gw_free(g->rows);
}

static const char *cell(const grid_row *r, size_t j) { return r->cells[j] ? r->cells[j] : ""; }

/* Index of term t in model r, or -1. */
static ptrdiff_t term_index(const gw_result *r, const char *t)
{
    for (size_t j = 0; j < r->k; j++)
        if (r->terms[j] != NULL && strcmp(r->terms[j], t) == 0)
            return (ptrdiff_t)j;
    return -1;
}

/* A list of distinct strings in order of first appearance (borrowed pointers). */
typedef struct {
    const char **v;
    size_t n, cap;
} strset;

static int strset_add(strset *s, const char *x)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], x) == 0)
            return 0;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        const char **p = gw_realloc(s->v, cap * sizeof *p);
        if (p == NULL)
            return -1;
        s->v = p;
        s->cap = cap;
    }
    s->v[s->n++] = x;
    return 0;
}

static int has_fe(const gw_result *r, const char *name)
{
    for (size_t j = 0; j < r->nfe; j++)
        if (r->fixed_effects[j].name && strcmp(r->fixed_effects[j].name, name) == 0)
            return 1;
    return 0;
}

/* Builds the grid; stars are kept in the cell after the number (formats restyle them). */
static gw_status build_grid(const gw_result *const *models, const char *const *names, size_t m,
                            const strset *terms, const strset *fes, grid *g)
{
    char num[64], txt[96];
    g->m = m;
    /* Reserve every row now: rows are referred to by pointer while the grid fills. */
    g->cap = 2 + 2 * terms->n + fes->n + 4;
    if ((g->rows = gw_calloc(g->cap, sizeof *g->rows)) == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate the table");
    grid_row *resp = grid_add(g, ROW_RESPONSE, "Dependent var.:");
    grid_row *nm = grid_add(g, ROW_NAME, "");
    for (size_t c = 0; c < m && !g->oom; c++) {
        grid_set(g, resp, c + 1, models[c]->response ? models[c]->response : "");
        if (names != NULL && names[c] != NULL) {
            grid_set(g, nm, c + 1, names[c]);
        } else {
            snprintf(txt, sizeof txt, "(%zu)", c + 1);
            grid_set(g, nm, c + 1, txt);
        }
    }
    for (size_t t = 0; t < terms->n && !g->oom; t++) {
        grid_row *rc = grid_add(g, ROW_COEF, terms->v[t]);
        grid_row *rs = grid_add(g, ROW_SE, "");
        if (rc == NULL || rs == NULL)
            break;
        rc->rule_before = t == 0;
        for (size_t c = 0; c < m; c++) {
            ptrdiff_t j = term_index(models[c], terms->v[t]);
            if (j < 0)
                continue;
            fmt_num(models[c]->estimate[j], num, sizeof num);
            snprintf(txt, sizeof txt, "%s%s", num, gw_etable_stars(models[c]->p_value[j]));
            grid_set(g, rc, c + 1, txt);
            fmt_num(models[c]->std_error[j], num, sizeof num);
            snprintf(txt, sizeof txt, "(%s)", num);
            grid_set(g, rs, c + 1, txt);
        }
    }
    for (size_t f = 0; f < fes->n && !g->oom; f++) {
        grid_row *r = grid_add(g, ROW_FE, fes->v[f]);
        if (r == NULL)
            break;
        r->rule_before = f == 0;
        for (size_t c = 0; c < m; c++)
            grid_set(g, r, c + 1, has_fe(models[c], fes->v[f]) ? "Yes" : "No");
    }
    int any_within = 0;
    for (size_t c = 0; c < m; c++)
        any_within |= !isnan(models[c]->r2_within);
    grid_row *vr = grid_add(g, ROW_STAT, "VCOV type");
    grid_row *nr = grid_add(g, ROW_STAT, "Observations");
    grid_row *r2 = grid_add(g, ROW_STAT, "R2");
    grid_row *rw = any_within ? grid_add(g, ROW_STAT, "Within R2") : NULL;
    if (vr != NULL)
        vr->rule_before = 1;
    for (size_t c = 0; c < m && !g->oom; c++) {
        const gw_result *r = models[c];
        grid_set(g, vr, c + 1, r->vcov_type ? r->vcov_type : "");
        if (r->nobs != GW_RESULT_NA) {
            snprintf(txt, sizeof txt, "%zu", r->nobs);
            grid_set(g, nr, c + 1, txt);
        }
        if (!isnan(r->r2)) {
            fmt_num(r->r2, num, sizeof num);
            grid_set(g, r2, c + 1, num);
        }
        if (rw != NULL && !isnan(r->r2_within)) {
            fmt_num(r->r2_within, num, sizeof num);
            grid_set(g, rw, c + 1, num);
        }
    }
    return g->oom ? gwi_fail(GW_ENOMEM, "cannot allocate the table") : GW_OK;
}

/* Splits a coefficient cell into number and stars (stars are a suffix of '*'). */
static size_t star_split(const char *s)
{
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '*')
        n--;
    return n;
}

/* ---- text -------------------------------------------------------------------------------- */

/* Display width: UTF-8 continuation bytes take no column (R² and similar labels). */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

static void render_text(const grid *g, sbuf *b)
{
    size_t m = g->m;
    size_t w[1 + 64], *wp = m < 64 ? w : gw_calloc(m + 1, sizeof *wp);
    if (wp == NULL) {
        b->oom = 1;
        return;
    }
    for (size_t j = 0; j <= m; j++) {
        wp[j] = j == 0 ? width("Signif.") : 0;
        for (size_t i = 0; i < g->nrows; i++) {
            size_t cw = width(cell(&g->rows[i], j));
            if (cw > wp[j])
                wp[j] = cw;
        }
    }
    size_t total = wp[0];
    for (size_t j = 1; j <= m; j++)
        total += 2 + wp[j];
    for (size_t i = 0; i < g->nrows; i++) {
        const grid_row *r = &g->rows[i];
        if (r->rule_before) {
            sb_rep(b, '-', total);
            sb_cat(b, "\n");
        }
        const char *lab = cell(r, 0);
        sb_cat(b, lab);
        sb_rep(b, ' ', wp[0] - width(lab));
        for (size_t j = 1; j <= m; j++) {
            /* Centre each cell; an odd spare column goes to the right. */
            const char *s = cell(r, j);
            size_t spare = wp[j] - width(s);
            sb_rep(b, ' ', 2 + spare / 2);
            sb_cat(b, s);
            sb_rep(b, ' ', spare - spare / 2);
        }
        /* No trailing blanks. */
        while (b->len > 0 && b->s[b->len - 1] == ' ')
            b->s[--b->len] = '\0';
        sb_cat(b, "\n");
    }
    sb_rep(b, '-', total);
    sb_cat(b, "\n");
    sb_cat(b, legend_text);
    sb_cat(b, "\n");
    if (wp != w)
        gw_free(wp);
}

/* ---- markdown ---------------------------------------------------------------------------- */

static void md_escape(sbuf *b, const char *s)
{
    for (; *s; s++) {
        if (strchr("\\`*_{}[]<>|~", *s) != NULL)
            sb_cat(b, "\\");
        sb_put(b, s, 1);
    }
}

static void render_markdown(const grid *g, sbuf *b)
{
    for (size_t i = 0; i < g->nrows; i++) {
        const grid_row *r = &g->rows[i];
        sb_cat(b, "|");
        for (size_t j = 0; j <= g->m; j++) {
            sb_cat(b, " ");
            md_escape(b, cell(r, j));
            sb_cat(b, " |");
        }
        sb_cat(b, "\n");
        if (i == 0) {
            sb_cat(b, "|:---|");
            for (size_t j = 1; j <= g->m; j++)
                sb_cat(b, ":---:|");
            sb_cat(b, "\n");
        }
    }
    sb_cat(b, "\n");
    md_escape(b, legend_text);
    sb_cat(b, "\n");
}

/* ---- LaTeX ------------------------------------------------------------------------------- */

static void tex_escape(sbuf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '\\':
            sb_cat(b, "\\textbackslash{}");
            break;
        case '^':
            sb_cat(b, "\\textasciicircum{}");
            break;
        case '~':
            sb_cat(b, "\\textasciitilde{}");
            break;
        case '<':
            sb_cat(b, "\\textless{}");
            break;
        case '>':
            sb_cat(b, "\\textgreater{}");
            break;
        case '|':
            sb_cat(b, "\\textbar{}");
            break;
        case '_':
        case '%':
        case '&':
        case '#':
        case '$':
        case '{':
        case '}':
            sb_put(b, "\\", 1);
            sb_put(b, s, 1);
            break;
        default:
            sb_put(b, s, 1);
        }
    }
}

/* A number cell: a leading minus becomes a math minus, stars a superscript. */
static void tex_number(sbuf *b, const char *s, int paren)
{
    size_t n = star_split(s);
    size_t i = 0;
    if (paren && s[0] == '(') {
        sb_cat(b, "(");
        i = 1;
    }
    if (s[i] == '-') {
        sb_cat(b, "$-$");
        i++;
    }
    sb_put(b, s + i, n - i);
    if (n < strlen(s))
        sb_printf(b, "$^{%s}$", s + n);
}

static void render_latex(const grid *g, sbuf *b)
{
    size_t m = g->m;
    sb_printf(b, "\\begin{tabular}{l*{%zu}{c}}\n\\toprule\n", m);
    for (size_t i = 0; i < g->nrows; i++) {
        const grid_row *r = &g->rows[i];
        if (r->rule_before)
            sb_cat(b, "\\midrule\n");
        if (r->kind == ROW_STAT && strcmp(cell(r, 0), "R2") == 0)
            sb_cat(b, "$R^2$");
        else if (r->kind == ROW_STAT && strcmp(cell(r, 0), "Within R2") == 0)
            sb_cat(b, "Within $R^2$");
        else if (r->kind == ROW_FE)
            tex_escape(b, cell(r, 0));
        else
            tex_escape(b, cell(r, 0));
        for (size_t j = 1; j <= m; j++) {
            sb_cat(b, " & ");
            const char *s = cell(r, j);
            if (r->kind == ROW_COEF || r->kind == ROW_SE ||
                (r->kind == ROW_STAT && r->cells[0] && strcmp(r->cells[0], "VCOV type") != 0))
                tex_number(b, s, r->kind == ROW_SE);
            else
                tex_escape(b, s);
        }
        sb_cat(b, " \\\\\n");
    }
    sb_cat(b, "\\bottomrule\n");
    sb_printf(b,
              "\\multicolumn{%zu}{l}{\\footnotesize Signif. codes: $^{***}$ $p<0.01$, "
              "$^{**}$ $p<0.05$, $^{*}$ $p<0.1$} \\\\\n",
              m + 1);
    sb_cat(b, "\\end{tabular}\n");
}

/* ---- CSV --------------------------------------------------------------------------------- */

static void csv_field(sbuf *b, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        sb_cat(b, s);
        return;
    }
    sb_cat(b, "\"");
    for (; *s; s++) {
        if (*s == '"')
            sb_cat(b, "\"");
        sb_put(b, s, 1);
    }
    sb_cat(b, "\"");
}

static void render_csv(const grid *g, sbuf *b)
{
    for (size_t i = 0; i < g->nrows; i++) {
        for (size_t j = 0; j <= g->m; j++) {
            if (j)
                sb_cat(b, ",");
            csv_field(b, cell(&g->rows[i], j));
        }
        sb_cat(b, "\n");
    }
    csv_field(b, legend_text);
    sb_cat(b, "\n");
}

/* ---- JSON -------------------------------------------------------------------------------- */

static void json_str(sbuf *b, const char *s)
{
    sb_cat(b, "\"");
    for (; s && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            sb_printf(b, "\\%c", ch);
        else if (ch < 0x20)
            sb_printf(b, "\\u%04x", ch);
        else
            sb_put(b, s, 1);
    }
    sb_cat(b, "\"");
}

static void json_num(sbuf *b, double x)
{
    char buf[GW_OUTPUT_NUMLEN];
    sb_cat(b, gw_output_number(x, buf));
}

static void render_json(const gw_result *const *models, const char *const *names, size_t m,
                        const strset *terms, sbuf *b)
{
    sb_cat(b, "{\"models\": [");
    for (size_t c = 0; c < m; c++) {
        const gw_result *r = models[c];
        char nm[32];
        snprintf(nm, sizeof nm, "(%zu)", c + 1);
        sb_cat(b, c ? ",\n  {" : "\n  {");
        sb_cat(b, "\"name\": ");
        json_str(b, names && names[c] ? names[c] : nm);
        const struct {
            const char *key, *val;
        } strs[] = {
            {"response", r->response}, {"estimator", r->estimator}, {"vcov_type", r->vcov_type}};
        for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
            sb_printf(b, ", \"%s\": ", strs[i].key);
            if (strs[i].val)
                json_str(b, strs[i].val);
            else
                sb_cat(b, "null");
        }
        sb_cat(b, ", \"nobs\": ");
        if (r->nobs == GW_RESULT_NA)
            sb_cat(b, "null");
        else
            sb_printf(b, "%zu", r->nobs);
        sb_cat(b, ", \"r2\": ");
        json_num(b, r->r2);
        sb_cat(b, ", \"r2_within\": ");
        json_num(b, r->r2_within);
        sb_cat(b, ", \"fixed_effects\": [");
        for (size_t f = 0; f < r->nfe; f++) {
            if (f)
                sb_cat(b, ", ");
            json_str(b, r->fixed_effects[f].name);
        }
        sb_cat(b, "], \"coefficients\": [");
        for (size_t j = 0; j < r->k; j++) {
            sb_cat(b, j ? ",\n    {" : "\n    {");
            sb_cat(b, "\"term\": ");
            json_str(b, r->terms[j]);
            sb_cat(b, ", \"estimate\": ");
            json_num(b, r->estimate[j]);
            sb_cat(b, ", \"std_error\": ");
            json_num(b, r->std_error[j]);
            sb_cat(b, ", \"p_value\": ");
            json_num(b, r->p_value[j]);
            sb_cat(b, ", \"stars\": ");
            json_str(b, gw_etable_stars(r->p_value[j]));
            sb_cat(b, "}");
        }
        sb_cat(b, "]}");
    }
    sb_cat(b, "\n],\n\"terms\": [");
    for (size_t t = 0; t < terms->n; t++) {
        if (t)
            sb_cat(b, ", ");
        json_str(b, terms->v[t]);
    }
    sb_cat(b, "],\n\"signif_codes\": {\"***\": 0.01, \"**\": 0.05, \"*\": 0.1}}\n");
}

/* ---- entry point ------------------------------------------------------------------------- */

gw_status gw_etable_render(const gw_result *const *models, const char *const *names, size_t nmodels,
                           gw_output_format fmt, char **out)
{
    gw_status rc = GW_OK;
    strset terms = {NULL, 0, 0}, fes = {NULL, 0, 0};
    grid g = {0, 0, 0, NULL, 0};
    sbuf b = {NULL, 0, 0, 0};
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "gw_etable_render: NULL out");
    *out = NULL;
    if (models == NULL || nmodels == 0)
        return gwi_fail(GW_EINVAL, "gw_etable_render: no models");
    if ((unsigned)fmt > (unsigned)GW_OUT_CSV)
        return gwi_fail(GW_EINVAL, "gw_etable_render: unknown format %d", (int)fmt);
    for (size_t c = 0; c < nmodels; c++)
        if (models[c] == NULL)
            return gwi_fail(GW_EINVAL, "gw_etable_render: model %zu is NULL", c + 1);
    for (size_t c = 0; c < nmodels; c++) {
        const gw_result *r = models[c];
        for (size_t j = 0; j < r->k; j++)
            if (r->terms[j] != NULL && strset_add(&terms, r->terms[j]) != 0)
                rc = GW_ENOMEM;
        for (size_t f = 0; f < r->nfe; f++)
            if (r->fixed_effects[f].name != NULL && strset_add(&fes, r->fixed_effects[f].name))
                rc = GW_ENOMEM;
    }
    if (rc != GW_OK) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the list of terms");
        goto done;
    }
    if (fmt == GW_OUT_JSON) {
        render_json(models, names, nmodels, &terms, &b);
    } else {
        if ((rc = build_grid(models, names, nmodels, &terms, &fes, &g)) != GW_OK)
            goto done;
        if (fmt == GW_OUT_TEXT)
            render_text(&g, &b);
        else if (fmt == GW_OUT_MARKDOWN)
            render_markdown(&g, &b);
        else if (fmt == GW_OUT_LATEX)
            render_latex(&g, &b);
        else
            render_csv(&g, &b);
    }
    if (b.oom || b.s == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the rendered table");
        goto done;
    }
    *out = b.s;
    b.s = NULL;
done:
    gw_free(b.s);
    grid_free(&g);
    gw_free(terms.v);
    gw_free(fes.v);
    return rc;
}
