/* design.c -- allocation and release of model designs. */
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_design.h"

gw_status gw_design_new(size_t n, size_t p, gw_design **out)
{
    gw_status rc = gwi_design_new_uninit(n, p, out);
    if (rc != GW_OK)
        return rc;
    memset((*out)->X, 0, n * p * sizeof(double));
    memset((*out)->y, 0, n * sizeof(double));
    return GW_OK;
}

/* The frame builder writes every element it does not zero itself: zeroing 10^7 x 10 doubles
 * that are overwritten at once cost a tenth of a second and the page faults twice over. */
gw_status gwi_design_new_uninit(size_t n, size_t p, gw_design **out)
{
    gw_design *d = gw_calloc(1, sizeof *d);
    *out = NULL;
    if (d == NULL)
        goto nomem;
    d->n = n;
    d->p = p;
    d->X = gw_alloc_array(n * (p ? p : 1), sizeof(double));
    d->y = gw_alloc_array(n ? n : 1, sizeof(double));
    d->terms = gw_calloc(p ? p : 1, sizeof(char *));
    if (d->X == NULL || d->y == NULL || d->terms == NULL || (p && n * p / p != n))
        goto nomem;
    *out = d;
    return GW_OK;
nomem:
    gw_design_free(d);
    return gwi_fail(GW_ENOMEM, "cannot allocate a design of %zu x %zu", n, p);
}

gw_status gwi_design_new_adopt(size_t n, size_t p, double *block, double *y, double *X,
                               gw_design **out)
{
    gw_design *d = gw_calloc(1, sizeof *d);
    *out = NULL;
    if (d == NULL || (d->terms = gw_calloc(p ? p : 1, sizeof(char *))) == NULL) {
        gw_free(d);
        return gwi_fail(GW_ENOMEM, "cannot allocate a design of %zu x %zu", n, p);
    }
    d->n = n;
    d->p = p;
    d->block = block;
    d->y = y;
    d->X = X;
    *out = d;
    return GW_OK;
}

void gw_factor_free_fields(gw_factor *f)
{
    if (f == NULL)
        return;
    gw_free(f->name);
    gw_free(f->codes);
    memset(f, 0, sizeof *f);
}

static void free_names(char **names, size_t k)
{
    if (names == NULL)
        return;
    for (size_t j = 0; j < k; j++)
        gw_free(names[j]);
    gw_free(names);
}

static void free_factors(gw_factor *f, size_t k)
{
    if (f == NULL)
        return;
    for (size_t j = 0; j < k; j++)
        gw_factor_free_fields(&f[j]);
    gw_free(f);
}

void gw_design_free(gw_design *d)
{
    if (d == NULL)
        return;
    if (d->block != NULL) {
        gw_free(d->block);
    } else {
        gw_free(d->X);
        gw_free(d->y);
    }
    gw_free(d->Xlo);
    gw_free(d->w);
    free_names(d->terms, d->p);
    gw_free(d->response);
    for (size_t g = 0; d->fe_levels != NULL && g < d->nfe; g++)
        gwi_strv_free(d->fe_levels[g], d->fe != NULL ? d->fe[g].nlevels : 0);
    gw_free(d->fe_levels);
    free_factors(d->fe, d->nfe);
    free_factors(d->cluster, d->ncluster);
    free_factors(d->panel_id, d->panel_id ? 1 : 0);
    gw_free(d->panel_time);
    gw_free(d->Z);
    free_names(d->inst_terms, d->q);
    gw_free(d->row_index);
    gwi_strv_free(d->level_names, d->n_level_names);
    gw_poly_coefs_free(d->poly, d->npoly);
    gw_free(d);
}

void gw_poly_coefs_free(gw_poly_coefs *p, size_t n)
{
    for (size_t i = 0; p != NULL && i < n; i++) {
        gw_free(p[i].term);
        gw_free(p[i].alpha);
        gw_free(p[i].norm2);
    }
    gw_free(p);
}

gw_status gw_poly_coefs_copy(const gw_poly_coefs *src, size_t n, gw_poly_coefs **out)
{
    *out = NULL;
    if (n == 0)
        return GW_OK;
    gw_poly_coefs *p = gw_calloc(n, sizeof *p);
    if (p == NULL)
        return gwi_fail(GW_ENOMEM, "cannot copy %zu poly() terms", n);
    for (size_t i = 0; i < n; i++) {
        size_t d = src[i].degree;
        p[i].degree = src[i].degree;
        p[i].term = gw_strdup(src[i].term);
        p[i].alpha = gw_alloc_array(d ? d : 1, sizeof *p[i].alpha);
        p[i].norm2 = gw_alloc_array(d + 2, sizeof *p[i].norm2);
        if (p[i].term == NULL || p[i].alpha == NULL || p[i].norm2 == NULL) {
            gw_poly_coefs_free(p, i + 1);
            return gwi_fail(GW_ENOMEM, "cannot copy %zu poly() terms", n);
        }
        memcpy(p[i].alpha, src[i].alpha, d * sizeof *p[i].alpha);
        memcpy(p[i].norm2, src[i].norm2, (d + 2) * sizeof *p[i].norm2);
    }
    *out = p;
    return GW_OK;
}
