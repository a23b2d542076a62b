/* etable_out.c -- the regression table's grid (etable_int.h) drawn as text, Markdown, LaTeX, CSV
 * and HTML; the labels file; writing a table to a file atomically. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core_int.h"
#include "etable_int.h"
#include "gw_alloc.h"
#include "gw_csv.h"
#include "io_int.h"

typedef gw_strbuf sbuf;
#define sb_put gw_strbuf_put
#define sb_cat gw_strbuf_cat
#define sb_rep gw_strbuf_rep
#define sb_printf gw_strbuf_printf

/* Rows whose cells are numbers (LaTeX and HTML restyle minus signs, exponents and stars). */
static int numeric_row(const etab_row *r)
{
    return r->kind == ROW_COEF || r->kind == ROW_BELOW || r->kind == ROW_STAT;
}

/* The number at s: [-]digits[.digits][e[+-]digits]; its length (0 when none). *exp_at: the
 * offset of 'e' or 0. */
static size_t number_at(const char *s, size_t *exp_at)
{
    size_t i = 0;
    *exp_at = 0;
    if (s[i] == '-')
        i++;
    if (s[i] < '0' || s[i] > '9')
        return 0;
    while ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')
        i++;
    if ((s[i] == 'e' || s[i] == 'E') && (s[i + 1] == '+' || s[i + 1] == '-') && s[i + 2] >= '0' &&
        s[i + 2] <= '9') {
        *exp_at = i;
        i += 2;
        while (s[i] >= '0' && s[i] <= '9')
            i++;
    }
    return i;
}

/* The exponent of "e-05" as an integer's text ("-5"). */
static void exponent_text(const char *e, size_t len, char *buf, size_t n)
{
    int sign = e[1] == '-';
    size_t i = 2;
    while (i + 1 < len && e[i] == '0')
        i++;
    snprintf(buf, n, "%s%.*s", sign ? "-" : "", (int)(len - i), e + i);
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

void gwi_etab_text(const etab_grid *g, sbuf *b)
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
            size_t cw = width(gwi_etab_cell(&g->rows[i], j));
            if (cw > wp[j])
                wp[j] = cw;
        }
    }
    size_t total = wp[0];
    for (size_t j = 1; j <= m; j++)
        total += 2 + wp[j];
    if (g->title != NULL)
        sb_printf(b, "%s\n", g->title);
    for (size_t i = 0; i < g->nrows; i++) {
        const etab_row *r = &g->rows[i];
        if (r->rule_before) {
            sb_rep(b, '-', total);
            sb_cat(b, "\n");
        }
        const char *lab = gwi_etab_cell(r, 0);
        sb_cat(b, lab);
        sb_rep(b, ' ', wp[0] - width(lab));
        for (size_t j = 1; j <= m; j++) {
            /* Centre each cell; an odd spare column goes to the right. */
            const char *s = gwi_etab_cell(r, j);
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
    if (g->legend[0] != '\0')
        sb_printf(b, "%s\n", g->legend);
    if (g->notes != NULL)
        sb_printf(b, "%s\n", g->notes);
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

void gwi_etab_markdown(const etab_grid *g, sbuf *b)
{
    if (g->title != NULL) {
        sb_cat(b, "**");
        md_escape(b, g->title);
        sb_cat(b, "**\n\n");
    }
    for (size_t i = 0; i < g->nrows; i++) {
        const etab_row *r = &g->rows[i];
        sb_cat(b, "|");
        for (size_t j = 0; j <= g->m; j++) {
            sb_cat(b, " ");
            md_escape(b, gwi_etab_cell(r, j));
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
    if (g->legend[0] != '\0') {
        sb_cat(b, "\n");
        md_escape(b, g->legend);
        sb_cat(b, "\n");
    }
    if (g->notes != NULL) {
        sb_cat(b, "\n");
        md_escape(b, g->notes);
        sb_cat(b, "\n");
    }
}

/* ---- LaTeX ------------------------------------------------------------------------------- */

/* A number cell: each number keeps its digits; a minus sign becomes a math minus ("$-$0.12",
 * as before), a number in scientific notation becomes "$-3.481\times 10^{-5}$", and stars a
 * superscript; other characters ("(", ", ", "[") are escaped text. */
static void tex_number(sbuf *b, const char *s)
{
    size_t n = gwi_etab_star_split(s), i = 0, e;
    char ex[32];
    while (i < n) {
        size_t len = number_at(s + i, &e);
        if (len == 0) {
            char c[2] = {s[i], '\0'};
            gwi_tex_escape(b, c, 0);
            i++;
        } else if (e != 0) {
            exponent_text(s + i + e, len - e, ex, sizeof ex);
            sb_printf(b, "$%.*s\\times 10^{%s}$", (int)e, s + i, ex);
            i += len;
        } else {
            if (s[i] == '-') {
                sb_cat(b, "$-$");
                i++;
                len--;
            }
            sb_put(b, s + i, len);
            i += len;
        }
    }
    if (n < strlen(s))
        sb_printf(b, "$^{%s}$", s + n);
}

void gwi_etab_latex(const etab_grid *g, sbuf *b)
{
    size_t m = g->m;
    if (g->title != NULL) {
        sb_cat(b, "\\begin{table}[htbp]\n\\centering\n\\caption{");
        gwi_tex_escape(b, g->title, 0);
        sb_cat(b, "}\n");
    }
    sb_printf(b, "\\begin{tabular}{l*{%zu}{c}}\n\\toprule\n", m);
    for (size_t i = 0; i < g->nrows; i++) {
        const etab_row *r = &g->rows[i];
        if (r->rule_before)
            sb_cat(b, "\\midrule\n");
        if (r->tex_label != NULL)
            sb_cat(b, r->tex_label);
        else
            gwi_tex_escape(b, gwi_etab_cell(r, 0), 0);
        for (size_t j = 1; j <= m; j++) {
            sb_cat(b, " & ");
            if (numeric_row(r))
                tex_number(b, gwi_etab_cell(r, j));
            else
                gwi_tex_escape(b, gwi_etab_cell(r, j), 0);
        }
        sb_cat(b, " \\\\\n");
    }
    sb_cat(b, "\\bottomrule\n");
    if (g->tex_legend[0] != '\0')
        sb_printf(b, "\\multicolumn{%zu}{l}{\\footnotesize %s} \\\\\n", m + 1, g->tex_legend);
    if (g->notes != NULL) {
        sb_printf(b, "\\multicolumn{%zu}{l}{\\footnotesize ", m + 1);
        gwi_tex_escape(b, g->notes, 0);
        sb_cat(b, "} \\\\\n");
    }
    sb_cat(b, "\\end{tabular}\n");
    if (g->title != NULL)
        sb_cat(b, "\\end{table}\n");
}

/* ---- CSV --------------------------------------------------------------------------------- */

static void csv_field(sbuf *b, const char *s, size_t n)
{
    if (strcspn(s, ",\"\r\n") >= n) {
        sb_put(b, s, n);
        return;
    }
    sb_cat(b, "\"");
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            sb_cat(b, "\"");
        sb_put(b, s + i, 1);
    }
    sb_cat(b, "\"");
}

/* Each model takes two columns: its cell, then the stars of a coefficient row (the header of
 * the second is "stars" on the first row), so that a spreadsheet reads plain numbers. */
void gwi_etab_csv(const etab_grid *g, sbuf *b)
{
    if (g->title != NULL) {
        csv_field(b, g->title, strlen(g->title));
        sb_cat(b, "\n");
    }
    for (size_t i = 0; i < g->nrows; i++) {
        const etab_row *r = &g->rows[i];
        csv_field(b, gwi_etab_cell(r, 0), strlen(gwi_etab_cell(r, 0)));
        for (size_t j = 1; j <= g->m; j++) {
            const char *s = gwi_etab_cell(r, j);
            size_t n = r->kind == ROW_COEF ? gwi_etab_star_split(s) : strlen(s);
            sb_cat(b, ",");
            csv_field(b, s, n);
            sb_cat(b, ",");
            if (i == 0)
                sb_cat(b, "stars");
            else
                sb_cat(b, s + n);
        }
        sb_cat(b, "\n");
    }
    if (g->legend[0] != '\0') {
        csv_field(b, g->legend, strlen(g->legend));
        sb_cat(b, "\n");
    }
    if (g->notes != NULL) {
        csv_field(b, g->notes, strlen(g->notes));
        sb_cat(b, "\n");
    }
}

/* ---- HTML -------------------------------------------------------------------------------- */

static void html_escape(sbuf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n && s[i]; i++) {
        switch (s[i]) {
        case '&':
            sb_cat(b, "&amp;");
            break;
        case '<':
            sb_cat(b, "&lt;");
            break;
        case '>':
            sb_cat(b, "&gt;");
            break;
        case '"':
            sb_cat(b, "&quot;");
            break;
        default:
            sb_put(b, s + i, 1);
        }
    }
}

/* Numbers as in LaTeX: a true minus sign, "3.481&times;10<sup>-5</sup>", stars superscript. */
static void html_number(sbuf *b, const char *s)
{
    size_t n = gwi_etab_star_split(s), i = 0, e;
    char ex[32];
    while (i < n) {
        size_t len = number_at(s + i, &e);
        if (len == 0) {
            html_escape(b, s + i, 1);
            i++;
            continue;
        }
        size_t mant = e != 0 ? e : len;
        if (s[i] == '-') {
            sb_cat(b, "&minus;");
            sb_put(b, s + i + 1, mant - 1);
        } else {
            sb_put(b, s + i, mant);
        }
        if (e != 0) {
            exponent_text(s + i + e, len - e, ex, sizeof ex);
            sb_printf(b, "&times;10<sup>%s</sup>", ex);
        }
        i += len;
    }
    if (n < strlen(s))
        sb_printf(b, "<sup>%s</sup>", s + n);
}

void gwi_etab_html(const etab_grid *g, sbuf *b)
{
    size_t first_body = 0;
    while (first_body < g->nrows && g->rows[first_body].kind < ROW_COEF)
        first_body++;
    sb_cat(b, "<table class=\"goodwork-table\">\n");
    if (g->title != NULL) {
        sb_cat(b, "<caption>");
        html_escape(b, g->title, strlen(g->title));
        sb_cat(b, "</caption>\n");
    }
    for (size_t i = 0; i < g->nrows; i++) {
        const etab_row *r = &g->rows[i];
        const char *tag = i < first_body ? "th" : "td";
        if (i == 0)
            sb_cat(b, "<thead>\n");
        if (i == first_body)
            sb_cat(b, "<tbody>\n");
        sb_cat(b, r->rule_before && i != first_body ? "<tr class=\"rule\">" : "<tr>");
        for (size_t j = 0; j <= g->m; j++) {
            const char *s = gwi_etab_cell(r, j);
            sb_printf(b, "<%s>", j == 0 ? "th" : tag);
            if (j > 0 && numeric_row(r))
                html_number(b, s);
            else
                html_escape(b, s, strlen(s));
            sb_printf(b, "</%s>", j == 0 ? "th" : tag);
        }
        sb_cat(b, "</tr>\n");
        if (i + 1 == first_body)
            sb_cat(b, "</thead>\n");
    }
    if (first_body < g->nrows)
        sb_cat(b, "</tbody>\n");
    if (g->legend[0] != '\0' || g->notes != NULL) {
        sb_cat(b, "<tfoot>\n");
        const char *foot[2] = {g->legend[0] != '\0' ? g->legend : NULL, g->notes};
        for (size_t k = 0; k < 2; k++)
            if (foot[k] != NULL) {
                sb_printf(b, "<tr><td colspan=\"%zu\">", g->m + 1);
                html_escape(b, foot[k], strlen(foot[k]));
                sb_cat(b, "</td></tr>\n");
            }
        sb_cat(b, "</tfoot>\n");
    }
    sb_cat(b, "</table>\n");
}

/* ---- the labels file ---------------------------------------------------------------------- */

void gw_etable_labels_free(char **pairs, size_t n)
{
    for (size_t i = 0; pairs != NULL && i < 2 * n; i++)
        gw_free(pairs[i]);
    gw_free(pairs);
}

gw_status gw_etable_labels_read(const char *path, char ***pairs, size_t *n)
{
    gw_table *t = NULL;
    *pairs = NULL;
    *n = 0;
    gw_status rc = gw_csv_read_file(path, NULL, &t);
    if (rc != GW_OK)
        return rc;
    size_t rows = gw_table_nrows(t);
    if (gw_table_ncols(t) < 2) {
        gw_table_free(t);
        return gwi_fail(GW_EFORMAT, "%s: a labels file has two columns, the name and the label",
                        path);
    }
    for (size_t j = 0; j < 2; j++)
        if (rows > 0 && gw_table_coltype(t, j) != GW_COL_CATEGORICAL) {
            gw_status rc2 =
                gwi_fail(GW_EFORMAT, "%s: column '%s' holds numbers; names and labels are text",
                         path, gw_table_colname(t, j));
            gw_table_free(t);
            return rc2;
        }
    char **p = gw_calloc(2 * rows + 1, sizeof *p);
    if (p == NULL) {
        gw_table_free(t);
        return gwi_fail(GW_ENOMEM, "out of memory");
    }
    size_t k = 0;
    for (size_t i = 0; i < rows; i++) {
        int32_t a = gw_table_codes(t, 0)[i], c = gw_table_codes(t, 1)[i];
        if (a < 0)
            continue; /* no name: nothing to label */
        p[2 * k] = gw_strdup(gw_table_level(t, 0, (size_t)a));
        p[2 * k + 1] = gw_strdup(c < 0 ? "" : gw_table_level(t, 1, (size_t)c));
        if (p[2 * k] == NULL || p[2 * k + 1] == NULL) {
            gw_etable_labels_free(p, k + 1);
            gw_table_free(t);
            return gwi_fail(GW_ENOMEM, "out of memory");
        }
        k++;
    }
    gw_table_free(t);
    *pairs = p;
    *n = k;
    return GW_OK;
}

/* ---- writing ------------------------------------------------------------------------------ */

gw_status gw_etable_write_file(const char *path, const char *text)
{
    static _Thread_local unsigned counter;
    char err[128];
    if (path == NULL || text == NULL)
        return gwi_fail(GW_EINVAL, "gw_etable_write_file: NULL argument");
    size_t tlen = strlen(path) + 64;
    char *tmp = gw_malloc(tlen);
    if (tmp == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    int fd = -1;
    for (int attempt = 0; attempt < 100 && fd < 0; attempt++) {
        snprintf(tmp, tlen, "%s.tmp.%ld.%u", path, (long)getpid(), counter++);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        strerror_r(errno, err, sizeof err);
        gw_free(tmp);
        return gwi_fail(GW_EIO, "%s: cannot create a temporary file: %s", path, err);
    }
    int slot = gwi_cleanup_add_file(tmp);
    size_t n = strlen(text), done = 0;
    int e = 0;
    while (done < n && e == 0) {
        ssize_t w = write(fd, text + done, n - done);
        if (w < 0 && errno != EINTR)
            e = errno;
        else if (w > 0)
            done += (size_t)w;
    }
    if (e == 0 && fsync(fd) != 0)
        e = errno;
    if (close(fd) != 0 && e == 0)
        e = errno;
    if (e == 0 && rename(tmp, path) != 0)
        e = errno;
    if (e != 0)
        (void)unlink(tmp);
    gwi_cleanup_remove(slot);
    gw_free(tmp);
    if (e != 0) {
        strerror_r(e, err, sizeof err);
        return gwi_fail(GW_EIO, "%s: cannot write: %s", path, err);
    }
    return GW_OK;
}

/* ---- lists -------------------------------------------------------------------------------- */

void gw_etable_list_free(char **items, size_t n)
{
    for (size_t i = 0; items != NULL && i < n; i++)
        gw_free(items[i]);
    gw_free(items);
}

/* The end of the item starting at s: the first c (',' or '=') outside brackets, or the NUL. */
static const char *item_end(const char *s, char c)
{
    int depth = 0;
    for (; *s; s++) {
        if (*s == '(' || *s == '[' || *s == '{')
            depth++;
        else if ((*s == ')' || *s == ']' || *s == '}') && depth > 0)
            depth--;
        else if (*s == c && depth == 0)
            break;
    }
    return s;
}

static char *trimmed_copy(const char *s, size_t n)
{
    while (n > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    char *c = gw_malloc(n + 1);
    if (c != NULL) {
        memcpy(c, s, n);
        c[n] = '\0';
    }
    return c;
}

gw_status gw_etable_split_list(const char *text, char ***items, size_t *n)
{
    size_t cap = 1;
    *items = NULL;
    *n = 0;
    for (const char *p = text; *p; p++)
        cap += *p == ',';
    char **v = gw_calloc(cap, sizeof *v);
    if (v == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    size_t k = 0;
    for (const char *p = text;;) {
        const char *e = item_end(p, ',');
        if (k == cap || (v[k] = trimmed_copy(p, (size_t)(e - p))) == NULL) {
            gw_etable_list_free(v, k);
            return gwi_fail(GW_ENOMEM, "out of memory");
        }
        if (v[k++][0] == '\0') {
            gw_etable_list_free(v, k);
            return gwi_fail(GW_EINVAL, "empty item in the list '%s'", text);
        }
        if (*e == '\0')
            break;
        p = e + 1;
    }
    *items = v;
    *n = k;
    return GW_OK;
}

gw_status gw_etable_rename_parse(const char *text, char ***pairs, size_t *n)
{
    char **items = NULL;
    size_t ni = 0;
    *pairs = NULL;
    *n = 0;
    gw_status rc = gw_etable_split_list(text, &items, &ni);
    if (rc != GW_OK)
        return rc;
    char **p = gw_calloc(2 * ni + 1, sizeof *p);
    if (p == NULL)
        rc = gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t i = 0; rc == GW_OK && i < ni; i++) {
        /* The last '=' outside brackets: terms such as "union=yes" hold one themselves. */
        const char *eq = item_end(items[i], '='), *next;
        while (*eq != '\0' && *(next = item_end(eq + 1, '=')) != '\0')
            eq = next;
        if (*eq == '\0' || eq == items[i] || eq[1] == '\0') {
            rc = gwi_fail(GW_EINVAL, "--rename '%s': expected old=new", items[i]);
            break;
        }
        p[2 * i] = trimmed_copy(items[i], (size_t)(eq - items[i]));
        p[2 * i + 1] = trimmed_copy(eq + 1, strlen(eq + 1));
        if (p[2 * i] == NULL || p[2 * i + 1] == NULL)
            rc = gwi_fail(GW_ENOMEM, "out of memory");
    }
    gw_etable_list_free(items, ni);
    if (rc != GW_OK) {
        gw_etable_labels_free(p, ni);
        return rc;
    }
    *pairs = p;
    *n = ni;
    return GW_OK;
}
