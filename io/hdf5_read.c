/* hdf5_read.c -- a group of a results file read back whole (gw_h5read.h). */
#include <stdio.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_h5read.h"
#include "hdf5_int.h"

/* A growing list of gw_h5_data. */
typedef struct {
    gw_h5_data *v;
    size_t n, cap;
} data_list;

static gw_h5_data *list_push(data_list *l)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        gw_h5_data *p = gw_realloc(l->v, cap * sizeof *p);
        if (p == NULL)
            return NULL;
        l->v = p;
        l->cap = cap;
    }
    memset(&l->v[l->n], 0, sizeof l->v[0]);
    return &l->v[l->n++];
}

static void data_free(gw_h5_data *d)
{
    gw_free(d->name);
    gw_free(d->f64);
    gw_free(d->i64);
    gwi_strv_free(d->str, d->str ? (d->cols ? d->rows * d->cols : d->rows) : 0);
}

/* Reads dataset (is_attr 0) or attribute obj into d (name already set); what names it. */
static gw_status read_data(hid_t obj, int is_attr, const char *what, gw_h5_data *d)
{
    gw_status rc = GW_OK;
    hid_t t = is_attr ? H5Aget_type(obj) : H5Dget_type(obj);
    hid_t s = is_attr ? H5Aget_space(obj) : H5Dget_space(obj);
    hsize_t dims[H5S_MAX_RANK] = {0};
    int rank = s >= 0 ? H5Sget_simple_extent_ndims(s) : -1;
    if (t < 0 || rank < 0 || H5Sget_simple_extent_dims(s, dims, NULL) < 0) {
        rc = gwi_h5_fail(GW_EFORMAT, "%s: cannot read its type or shape", what);
        goto done;
    }
    if (rank > 2) {
        rc = gwi_fail(GW_EFORMAT, "%s has %d dimensions (at most 2 can be read)", what, rank);
        goto done;
    }
    int null_space = H5Sget_simple_extent_type(s) == H5S_NULL;
    d->rows = null_space ? 0 : rank == 0 ? 1 : (size_t)dims[0];
    d->cols = rank == 2 ? (size_t)dims[1] : 0;
    size_t n = d->cols ? d->rows * d->cols : d->rows;
    H5T_class_t cls = H5Tget_class(t);
    if (cls == H5T_STRING) {
        d->kind = GW_H5_STR;
        if (d->cols) {
            rc = gwi_fail(GW_EFORMAT, "%s: a 2-D string dataset cannot be read", what);
            goto done;
        }
        rc = gwi_read_strs(obj, is_attr, what, &d->str, &n);
        d->rows = n;
    } else if (cls == H5T_FLOAT || cls == H5T_INTEGER) {
        int fl = cls == H5T_FLOAT;
        hid_t mt = fl ? H5T_NATIVE_DOUBLE : H5T_NATIVE_INT64;
        void *buf = fl ? (void *)(d->f64 = gw_alloc_array(n ? n : 1, sizeof(double)))
                       : (void *)(d->i64 = gw_alloc_array(n ? n : 1, sizeof(int64_t)));
        d->kind = fl ? GW_H5_F64 : GW_H5_I64;
        if (buf == NULL) {
            rc = gwi_fail(GW_ENOMEM, "%s: cannot allocate %zu values", what, n);
            goto done;
        }
        herr_t e = n == 0    ? 0
                   : is_attr ? H5Aread(obj, mt, buf)
                             : H5Dread(obj, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
        if (e < 0)
            rc = gwi_h5_fail(GW_EFORMAT, "%s: cannot read its values", what);
    } else {
        rc = gwi_fail(GW_EFORMAT, "%s: neither numbers nor strings", what);
    }
done:
    if (t >= 0)
        H5Tclose(t);
    if (s >= 0)
        H5Sclose(s);
    return rc;
}

/* Appends the datasets below grp (prefix: their relative path so far, "" at the top). */
static gw_status read_members(hid_t grp, const char *group, const char *prefix, data_list *l,
                              int depth)
{
    H5G_info_t info;
    if (depth > 32)
        return gwi_fail(GW_EFORMAT, "%s/%s: groups nested too deeply", group, prefix);
    if (H5Gget_info(grp, &info) < 0)
        return gwi_h5_fail(GW_EFORMAT, "%s/%s: cannot list the group", group, prefix);
    gw_status rc = GW_OK;
    for (hsize_t i = 0; i < info.nlinks && rc == GW_OK; i++) {
        char name[256], rel[1024], what[1536];
        H5L_info_t li;
        if (H5Lget_name_by_idx(grp, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name,
                               H5P_DEFAULT) < 0)
            return gwi_h5_fail(GW_EFORMAT, "%s: cannot read a member name", group);
        if (H5Lget_info(grp, name, &li, H5P_DEFAULT) < 0 || li.type != H5L_TYPE_HARD)
            continue; /* soft and external links (e.g. /panel -> /data) are not copies */
        snprintf(rel, sizeof rel, "%s%s%s", prefix, prefix[0] ? "/" : "", name);
        snprintf(what, sizeof what, "%s/%s", strcmp(group, "/") == 0 ? "" : group, rel);
        hid_t o = H5Oopen(grp, name, H5P_DEFAULT);
        if (o < 0)
            return gwi_h5_fail(GW_EFORMAT, "%s: cannot open", what);
        H5I_type_t ty = H5Iget_type(o);
        if (ty == H5I_GROUP) {
            rc = read_members(o, group, rel, l, depth + 1);
        } else if (ty == H5I_DATASET) {
            gw_h5_data *d = list_push(l);
            if (d == NULL || (d->name = gw_strdup(rel)) == NULL)
                rc = gwi_fail(GW_ENOMEM, "out of memory");
            else
                rc = read_data(o, 0, what, d);
        }
        H5Oclose(o);
    }
    return rc;
}

static gw_status read_attrs(hid_t grp, const char *group, data_list *l)
{
    int na = H5Aget_num_attrs(grp);
    gw_status rc = GW_OK;
    for (int i = 0; i < na && rc == GW_OK; i++) {
        char name[256], what[1024];
        hid_t a = H5Aopen_by_idx(grp, ".", H5_INDEX_NAME, H5_ITER_INC, (hsize_t)i, H5P_DEFAULT,
                                 H5P_DEFAULT);
        if (a < 0 || H5Aget_name(a, sizeof name, name) < 0) {
            rc = gwi_h5_fail(GW_EFORMAT, "%s: cannot read an attribute", group);
        } else {
            gw_h5_data *d = list_push(l);
            snprintf(what, sizeof what, "%s attribute %s", group, name);
            if (d == NULL || (d->name = gw_strdup(name)) == NULL)
                rc = gwi_fail(GW_ENOMEM, "out of memory");
            else
                rc = read_data(a, 1, what, d);
        }
        if (a >= 0)
            H5Aclose(a);
    }
    return rc;
}

/* Opens path read-only after the heap check; *f negative on failure. */
static gw_status open_checked(const char *path, hid_t *f)
{
    gw_status rc = gwi_h5_open_read(path, f);
    if (rc == GW_OK)
        rc = gwi_h5_check_global_heaps(path, path);
    return rc;
}

/* Releases the contents of g (not g itself, which may be on the stack). */
static void group_clear(gw_h5_group *g)
{
    for (size_t i = 0; i < g->nitems; i++)
        data_free(&g->items[i]);
    for (size_t i = 0; i < g->nattrs; i++)
        data_free(&g->attrs[i]);
    gw_free(g->items);
    gw_free(g->attrs);
}

gw_status gw_h5_group_read(const char *path, const char *group, gw_h5_group **out)
{
    if (out != NULL)
        *out = NULL;
    if (path == NULL || group == NULL || out == NULL)
        return gwi_fail(GW_EINVAL, "gw_h5_group_read: NULL argument");
    gwi_h5_quiet q;
    hid_t f = -1, g = -1;
    data_list items = {0}, attrs = {0};
    gwi_h5_quiet_begin(&q);
    gw_status rc = open_checked(path, &f);
    if (rc != GW_OK)
        goto done;
    if (strcmp(group, "/") != 0 && H5Lexists(f, group, H5P_DEFAULT) <= 0) {
        rc = gwi_fail(GW_ENOVAR, "%s: no group %s", path, group);
        goto done;
    }
    if ((g = H5Oopen(f, group, H5P_DEFAULT)) < 0 || H5Iget_type(g) != H5I_GROUP) {
        rc = gwi_fail(GW_EFORMAT, "%s: %s is not a group", path, group);
        goto done;
    }
    if ((rc = read_members(g, group, "", &items, 0)) != GW_OK ||
        (rc = read_attrs(g, group, &attrs)) != GW_OK)
        goto done;
    gw_h5_group *r = gw_calloc(1, sizeof *r);
    if (r == NULL) {
        rc = gwi_fail(GW_ENOMEM, "out of memory");
        goto done;
    }
    *r = (gw_h5_group){items.v, items.n, attrs.v, attrs.n};
    items = (data_list){0};
    attrs = (data_list){0};
    *out = r;
done:
    if (g >= 0)
        H5Oclose(g);
    if (f >= 0)
        H5Fclose(f);
    gwi_h5_quiet_end(&q);
    group_clear(&(gw_h5_group){items.v, items.n, attrs.v, attrs.n});
    return rc;
}

static const gw_h5_data *find(const gw_h5_data *v, size_t n, const char *name)
{
    for (size_t i = 0; v != NULL && name != NULL && i < n; i++)
        if (strcmp(v[i].name, name) == 0)
            return &v[i];
    return NULL;
}

const gw_h5_data *gw_h5_group_item(const gw_h5_group *g, const char *name)
{
    return g != NULL ? find(g->items, g->nitems, name) : NULL;
}

const gw_h5_data *gw_h5_group_attr(const gw_h5_group *g, const char *name)
{
    return g != NULL ? find(g->attrs, g->nattrs, name) : NULL;
}

void gw_h5_group_free(gw_h5_group *g)
{
    if (g == NULL)
        return;
    group_clear(g);
    gw_free(g);
}

gw_status gw_h5_list_groups(const char *path, const char *group, char ***names, size_t *n)
{
    if (names != NULL)
        *names = NULL;
    if (n != NULL)
        *n = 0;
    if (path == NULL || group == NULL || names == NULL || n == NULL)
        return gwi_fail(GW_EINVAL, "gw_h5_list_groups: NULL argument");
    gwi_h5_quiet q;
    hid_t f = -1, g = -1;
    gwi_h5_quiet_begin(&q);
    gw_status rc = gwi_h5_open_read(path, &f);
    if (rc != GW_OK || (strcmp(group, "/") != 0 && H5Lexists(f, group, H5P_DEFAULT) <= 0))
        goto done;
    if ((g = H5Oopen(f, group, H5P_DEFAULT)) < 0 || H5Iget_type(g) != H5I_GROUP) {
        rc = gwi_fail(GW_EFORMAT, "%s: %s is not a group", path, group);
        goto done;
    }
    rc = gwi_h5_list_members(g, H5I_GROUP, group, names, n);
done:
    if (g >= 0)
        H5Oclose(g);
    if (f >= 0)
        H5Fclose(f);
    gwi_h5_quiet_end(&q);
    return rc;
}
