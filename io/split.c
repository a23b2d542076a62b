/* split.c -- the groups of `fit --split VAR` (gw_split.h): one code per row, the groups' labels. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_split.h"
#include "io_int.h"

struct gw_split {
    char *var;
    size_t nrows, ngroups;
    int32_t *code; /* nrows: the row's group, -1 for none (VAR missing) */
    char **labels; /* ngroups */
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* A numeric column: its distinct non-missing values sorted, each row's index among them. */
static gw_status numeric_groups(gw_split *s, const double *v)
{
    double *u = gw_malloc((s->nrows ? s->nrows : 1) * sizeof *u);
    if (u == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    size_t m = 0;
    for (size_t r = 0; r < s->nrows; r++)
        if (!isnan(v[r]))
            u[m++] = v[r];
    qsort(u, m, sizeof *u, cmp_double);
    size_t k = 0;
    for (size_t i = 0; i < m; i++)
        if (k == 0 || u[i] != u[k - 1])
            u[k++] = u[i];
    s->ngroups = k;
    gw_status rc = GW_OK;
    if (k > 0 && (s->labels = gw_calloc(k, sizeof *s->labels)) == NULL)
        rc = gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t g = 0; rc == GW_OK && g < k; g++) {
        char buf[40];
        gwi_fmt_shortest(u[g], buf, sizeof buf);
        if ((s->labels[g] = gw_strdup(buf)) == NULL)
            rc = gwi_fail(GW_ENOMEM, "out of memory");
    }
    for (size_t r = 0; rc == GW_OK && r < s->nrows; r++) {
        s->code[r] = -1;
        if (isnan(v[r]))
            continue;
        size_t lo = 0, hi = k; /* u[lo] == v[r]: binary search */
        while (hi - lo > 1) {
            size_t mid = lo + (hi - lo) / 2;
            if (u[mid] <= v[r])
                lo = mid;
            else
                hi = mid;
        }
        s->code[r] = (int32_t)lo;
    }
    gw_free(u);
    return rc;
}

/* A categorical column: the levels that occur, in level order. */
static gw_status level_groups(gw_split *s, const gw_table *t, size_t j)
{
    const int32_t *c = gw_table_codes(t, j);
    size_t nl = gw_table_nlevels(t, j);
    int32_t *map = gw_malloc((nl ? nl : 1) * sizeof *map);
    if (map == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t l = 0; l < nl; l++)
        map[l] = -1;
    for (size_t r = 0; r < s->nrows; r++)
        if (c[r] >= 0 && (size_t)c[r] < nl)
            map[c[r]] = 0;
    size_t k = 0;
    for (size_t l = 0; l < nl; l++)
        if (map[l] == 0)
            map[l] = (int32_t)k++;
    s->ngroups = k;
    gw_status rc = GW_OK;
    if (k > 0 && (s->labels = gw_calloc(k, sizeof *s->labels)) == NULL)
        rc = gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t l = 0; rc == GW_OK && l < nl; l++)
        if (map[l] >= 0 && (s->labels[map[l]] = gw_strdup(gw_table_level(t, j, l))) == NULL)
            rc = gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t r = 0; r < s->nrows; r++)
        s->code[r] = c[r] >= 0 && (size_t)c[r] < nl ? map[c[r]] : -1;
    gw_free(map);
    return rc;
}

gw_status gw_split_new(const gw_table *t, const char *var, gw_split **out)
{
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "gw_split_new: out is NULL");
    *out = NULL;
    if (t == NULL || var == NULL || var[0] == '\0')
        return gwi_fail(GW_EINVAL, "gw_split_new: %s", t == NULL ? "NULL table" : "no variable");
    ptrdiff_t j = gw_table_find(t, var);
    if (j < 0)
        return gwi_fail(GW_ENOVAR, "unknown --split variable '%s'", var);
    gw_split *s = gw_calloc(1, sizeof *s);
    if (s == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    s->nrows = gw_table_nrows(t);
    gw_status rc = GW_OK;
    if ((s->var = gw_strdup(var)) == NULL ||
        (s->code = gw_malloc((s->nrows ? s->nrows : 1) * sizeof *s->code)) == NULL)
        rc = gwi_fail(GW_ENOMEM, "out of memory");
    else if (gw_table_coltype(t, (size_t)j) == GW_COL_CATEGORICAL)
        rc = level_groups(s, t, (size_t)j);
    else
        rc = numeric_groups(s, gw_table_numeric(t, (size_t)j));
    if (rc == GW_OK && s->ngroups == 0)
        rc = gwi_fail(GW_ENODATA, "--split variable '%s' has only missing values", var);
    if (rc != GW_OK) {
        gw_split_free(s);
        return rc;
    }
    *out = s;
    return GW_OK;
}

size_t gw_split_ngroups(const gw_split *s) { return s->ngroups; }

const char *gw_split_label(const gw_split *s, size_t g) { return s->labels[g]; }

const char *gw_split_var(const gw_split *s) { return s->var; }

size_t gw_split_mask(const gw_split *s, size_t g, unsigned char *keep)
{
    size_t n = 0;
    for (size_t r = 0; r < s->nrows; r++) {
        keep[r] = (unsigned char)(s->code[r] == (int32_t)g);
        n += keep[r];
    }
    return n;
}

void gw_split_free(gw_split *s)
{
    if (s == NULL)
        return;
    for (size_t g = 0; s->labels != NULL && g < s->ngroups; g++)
        gw_free(s->labels[g]);
    gw_free(s->labels);
    gw_free(s->code);
    gw_free(s->var);
    gw_free(s);
}
