/* compare.c -- goodwork verify's checks of the text a run leaves beside results.h5: each
 * step's JSON (steps/NAME.json) and the tables of report.md, against a re-run's
 * (pipeline_int.h). Numbers are compared with the verification's tolerance (gw_diff.h), text
 * exactly. */
#define _XOPEN_SOURCE 700
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "pipeline_int.h"

static void json_walk(const cJSON *a, const cJSON *b, char *path, size_t cap, const gw_tol *tol,
                      gw_diff *d)
{
    size_t len = strlen(path);
    if ((a->type & 0xFF) != (b->type & 0xFF)) {
        gw_diff_other(d, "%s: kinds of value differ", path);
        return;
    }
    if (cJSON_IsNumber(a)) {
        gw_diff_num(d, tol, a->valuedouble, b->valuedouble, path, (size_t)-1);
    } else if (cJSON_IsString(a)) {
        if (strcmp(a->valuestring, b->valuestring) != 0)
            gw_diff_other(d, "%s: '%s', re-run '%s'", path, a->valuestring, b->valuestring);
    } else if (cJSON_IsBool(a)) {
        if (cJSON_IsTrue(a) != cJSON_IsTrue(b))
            gw_diff_other(d, "%s: true/false differ", path);
    } else if (cJSON_IsArray(a)) {
        int na = cJSON_GetArraySize(a), nb = cJSON_GetArraySize(b);
        if (na != nb)
            gw_diff_other(d, "%s: %d elements, re-run %d", path, na, nb);
        const cJSON *x = a->child, *y = b->child;
        for (int i = 0; x != NULL && y != NULL; i++, x = x->next, y = y->next) {
            snprintf(path + len, cap - len, "[%d]", i);
            json_walk(x, y, path, cap, tol, d);
        }
    } else if (cJSON_IsObject(a)) {
        const cJSON *x;
        cJSON_ArrayForEach(x, a)
        {
            const cJSON *y = cJSON_GetObjectItemCaseSensitive(b, x->string);
            snprintf(path + len, cap - len, ".%s", x->string);
            if (y == NULL)
                gw_diff_other(d, "%s: missing in the re-run", path);
            else
                json_walk(x, y, path, cap, tol, d);
        }
        cJSON_ArrayForEach(x, b)
        {
            if (cJSON_GetObjectItemCaseSensitive(a, x->string) == NULL) {
                snprintf(path + len, cap - len, ".%s", x->string);
                gw_diff_other(d, "%s: only in the re-run", path);
            }
        }
    }
    path[len] = '\0';
}

gw_status pl_compare_json(const char *stored, const char *rerun, const char *label,
                          const gw_tol *tol, gw_diff *d, int *found)
{
    *found = access(stored, F_OK) == 0;
    if (!*found)
        return GW_OK;
    char *ta = pl_slurp(stored, NULL), *tb = pl_slurp(rerun, NULL);
    cJSON *a = ta ? cJSON_Parse(ta) : NULL, *b = tb ? cJSON_Parse(tb) : NULL;
    gw_status rc = GW_OK;
    if (ta == NULL)
        gw_diff_other(d, "%s: unreadable in the stored run", label);
    else if (a == NULL)
        gw_diff_other(d, "%s: not JSON in the stored run", label);
    else if (b == NULL)
        rc = gwi_fail(GW_EFORMAT, "%s: the re-run's output is not JSON", label);
    else {
        char path[GW_DIFF_WHERE];
        snprintf(path, sizeof path, "%s:", label);
        json_walk(a, b, path, sizeof path, tol, d);
    }
    cJSON_Delete(a);
    cJSON_Delete(b);
    gw_free(ta);
    gw_free(tb);
    return rc;
}

/* ---- report.md tables --------------------------------------------------------------------- */

/* Does a number start at s (a digit, or a sign or point followed by one)? */
static int number_at(const char *s)
{
    if (isdigit((unsigned char)s[0]))
        return 1;
    if ((s[0] == '-' || s[0] == '+') && (isdigit((unsigned char)s[1]) || s[1] == '.'))
        return isdigit((unsigned char)s[1]) || isdigit((unsigned char)s[2]);
    return s[0] == '.' && isdigit((unsigned char)s[1]);
}

/* Compares one table cell: the text around the numbers exactly, the numbers with tol. */
static void cell_compare(const char *a, const char *b, const char *where, const gw_tol *tol,
                         gw_diff *d)
{
    const char *x = a, *y = b;
    size_t k = 0;
    while (*x != '\0' || *y != '\0') {
        if (number_at(x) && number_at(y)) {
            char *ex, *ey;
            double va = strtod(x, &ex), vb = strtod(y, &ey);
            gw_diff_num(d, tol, va, vb, where, k++);
            x = ex;
            y = ey;
        } else if (*x == *y) {
            x++;
            y++;
        } else {
            gw_diff_other(d, "%s: '%s', re-run '%s'", where, a, b);
            return;
        }
    }
}

/* The table lines ('|' first) of text with their line numbers, in place (text is cut). */
static size_t table_lines(char *text, char **lines, int *nums, size_t max)
{
    size_t n = 0;
    int line = 1;
    for (char *p = text; p != NULL && *p != '\0'; line++) {
        char *nl = strchr(p, '\n');
        if (nl != NULL)
            *nl = '\0';
        if (p[0] == '|' && n < max) {
            lines[n] = p;
            nums[n++] = line;
        }
        p = nl ? nl + 1 : NULL;
    }
    return n;
}

/* Splits a table row into its cells (in place, trimmed); returns their number. */
static size_t cells(char *row, char **out, size_t max)
{
    size_t n = 0;
    char *p = row + 1; /* after the leading '|' */
    while (*p != '\0' && n < max) {
        char *bar = strchr(p, '|');
        if (bar == NULL)
            break;
        *bar = '\0';
        while (*p == ' ')
            p++;
        size_t l = strlen(p);
        while (l > 0 && p[l - 1] == ' ')
            p[--l] = '\0';
        out[n++] = p;
        p = bar + 1;
    }
    return n;
}

gw_status pl_compare_report(const char *stored, const char *rerun, const gw_tol *tol, gw_diff *d,
                            int *found)
{
    *found = access(stored, F_OK) == 0;
    if (!*found)
        return GW_OK;
    enum { MAXL = 4096, MAXC = 64 };
    char *ta = pl_slurp(stored, NULL), *tb = pl_slurp(rerun, NULL);
    char **la = gw_calloc(2 * MAXL, sizeof *la);
    int *na = gw_calloc(2 * MAXL, sizeof *na);
    gw_status rc = GW_OK;
    if (la == NULL || na == NULL) {
        rc = gwi_fail(GW_ENOMEM, "out of memory");
        goto done;
    }
    if (ta == NULL) {
        gw_diff_other(d, "report.md: unreadable in the stored run");
        goto done;
    }
    if (tb == NULL) {
        rc = gwi_fail(GW_EIO, "report.md: the re-run's report cannot be read");
        goto done;
    }
    size_t nla = table_lines(ta, la, na, MAXL), nlb = table_lines(tb, la + MAXL, na + MAXL, MAXL);
    if (nla != nlb)
        gw_diff_other(d, "report.md: %zu table rows, re-run %zu", nla, nlb);
    /* The header row of the current table, to leave out the "seconds" column (run times). */
    char hdr[4096] = "", *hcell[MAXC];
    size_t nh = 0;
    for (size_t i = 0; i < nla && i < nlb; i++) {
        char *ca[MAXC], *cb[MAXC], where[GW_DIFF_WHERE];
        int first = i == 0 || na[i - 1] != na[i] - 1;
        if (first) {
            snprintf(hdr, sizeof hdr, "%s", la[i]);
            nh = cells(hdr, hcell, MAXC);
        }
        size_t nca = cells(la[i], ca, MAXC), ncb = cells(la[MAXL + i], cb, MAXC);
        if (nca != ncb) {
            gw_diff_other(d, "report.md:%d: %zu cells, re-run %zu", na[i], nca, ncb);
            continue;
        }
        for (size_t j = 0; j < nca; j++) {
            if (j < nh && strcmp(hcell[j], "seconds") == 0)
                continue;
            snprintf(where, sizeof where, "report.md:%d column %zu", na[i], j + 1);
            cell_compare(ca[j], cb[j], where, tol, d);
        }
    }
done:
    gw_free(la);
    gw_free(na);
    gw_free(ta);
    gw_free(tb);
    return rc;
}
