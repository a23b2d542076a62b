/* hdf5_compare.c -- bit-for-bit comparison of a group of two HDF5 files, and reading a list of
 * strings back (gw_h5_compare_group, gw_h5_read_strings in gw_hdf5.h). Used by goodwork verify. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_diff.h"
#include "gw_hdf5.h"
#include "hdf5_int.h"

/* State of one comparison: the ignore list, the tolerance and the differences found. Every
 * member is visited even after a difference, so that the largest one is found. */
typedef struct {
    const char *const *ignore;
    size_t nignore;
    const gw_tol *tol;
    gw_diff *d;
} cmp_state;

#define differ(c, ...) gw_diff_other((c)->d, __VA_ARGS__)

static int ignored(const cmp_state *c, const char *name)
{
    for (size_t i = 0; i < c->nignore; i++)
        if (strcmp(c->ignore[i], name) == 0)
            return 1;
    return 0;
}

/* Compares two datasets (is_attr 0) or attributes (1) a and b, bytes of their native values
 * (strings by content). what names the object in the difference message. */
static gw_status cmp_data(cmp_state *c, hid_t a, hid_t b, int is_attr, const char *what)
{
    gw_status rc = GW_OK;
    hid_t ta = -1, tb = -1, sa = -1, sb = -1, mt = -1;
    unsigned char *ba = NULL, *bb = NULL;
    char **stra = NULL, **strb = NULL;
    size_t na = 0, nb = 0;
    ta = is_attr ? H5Aget_type(a) : H5Dget_type(a);
    tb = is_attr ? H5Aget_type(b) : H5Dget_type(b);
    sa = is_attr ? H5Aget_space(a) : H5Dget_space(a);
    sb = is_attr ? H5Aget_space(b) : H5Dget_space(b);
    if (ta < 0 || tb < 0 || sa < 0 || sb < 0) {
        rc = gwi_h5_fail(GW_EFORMAT, "%s: cannot read its type or shape", what);
        goto done;
    }
    H5T_class_t ca = H5Tget_class(ta), cb = H5Tget_class(tb);
    if (ca != cb) {
        differ(c, "%s: element types differ", what);
        goto done;
    }
    int ra = H5Sget_simple_extent_ndims(sa), rb = H5Sget_simple_extent_ndims(sb);
    hsize_t da[H5S_MAX_RANK], db[H5S_MAX_RANK];
    if (ra < 0 || rb < 0 || H5Sget_simple_extent_dims(sa, da, NULL) < 0 ||
        H5Sget_simple_extent_dims(sb, db, NULL) < 0) {
        rc = gwi_h5_fail(GW_EFORMAT, "%s: cannot read its shape", what);
        goto done;
    }
    if (ra != rb || memcmp(da, db, (size_t)ra * sizeof da[0]) != 0) {
        differ(c, "%s: shapes differ", what);
        goto done;
    }
    if (ca == H5T_STRING) {
        if ((rc = gwi_read_strs(a, is_attr, what, &stra, &na)) != GW_OK ||
            (rc = gwi_read_strs(b, is_attr, what, &strb, &nb)) != GW_OK)
            goto done;
        for (size_t i = 0; i < na && i < nb; i++)
            if (strcmp(stra[i], strb[i]) != 0) {
                differ(c, "%s: string differs ('%s', re-run '%s')", what, stra[i], strb[i]);
                goto done;
            }
        if (na != nb)
            differ(c, "%s: lengths differ", what);
        goto done;
    }
    hssize_t np = H5Sget_simple_extent_npoints(sa);
    if (np < 0 || (mt = H5Tget_native_type(ta, H5T_DIR_DEFAULT)) < 0) {
        rc = gwi_h5_fail(GW_EFORMAT, "%s: cannot read its size", what);
        goto done;
    }
    size_t bytes = (size_t)np * H5Tget_size(mt);
    if ((ba = gw_malloc(bytes ? bytes : 1)) == NULL ||
        (bb = gw_malloc(bytes ? bytes : 1)) == NULL) {
        rc = gwi_fail(GW_ENOMEM, "%s: cannot allocate %zu bytes", what, bytes);
        goto done;
    }
    if (bytes > 0) {
        herr_t ea =
            is_attr ? H5Aread(a, mt, ba) : H5Dread(a, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, ba);
        herr_t eb =
            is_attr ? H5Aread(b, mt, bb) : H5Dread(b, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, bb);
        if (ea < 0 || eb < 0) {
            rc = gwi_h5_fail(GW_EFORMAT, "%s: cannot read its values", what);
            goto done;
        }
        if (H5Tget_class(mt) == H5T_FLOAT && H5Tget_size(mt) == sizeof(double)) {
            /* Numbers: each pair measured, so that a rounding difference has its size. */
            for (size_t i = 0; i < (size_t)np; i++) {
                double x, y;
                memcpy(&x, ba + i * sizeof x, sizeof x);
                memcpy(&y, bb + i * sizeof y, sizeof y);
                gw_diff_num(c->d, c->tol, x, y, what, np == 1 && ra == 0 ? (size_t)-1 : i);
            }
        } else if (memcmp(ba, bb, bytes) != 0) {
            differ(c, "%s: values differ", what);
        }
    }
done:
    gwi_strv_free(stra, na);
    gwi_strv_free(strb, nb);
    gw_free(ba);
    gw_free(bb);
    if (mt >= 0)
        H5Tclose(mt);
    if (ta >= 0)
        H5Tclose(ta);
    if (tb >= 0)
        H5Tclose(tb);
    if (sa >= 0)
        H5Sclose(sa);
    if (sb >= 0)
        H5Sclose(sb);
    return rc;
}

/* Compares the attributes of objects a and b (path: their name in messages), both ways. */
static gw_status cmp_attrs(cmp_state *c, hid_t a, hid_t b, const char *path)
{
    gw_status rc = GW_OK;
    for (int pass = 0; pass < 2 && rc == GW_OK; pass++) {
        hid_t x = pass ? b : a, y = pass ? a : b;
        int na = H5Aget_num_attrs(x);
        for (int i = 0; i < na && rc == GW_OK; i++) {
            char name[256], what[1024];
            hid_t ax = H5Aopen_by_idx(x, ".", H5_INDEX_NAME, H5_ITER_INC, (hsize_t)i, H5P_DEFAULT,
                                      H5P_DEFAULT),
                  ay = -1;
            if (ax < 0 || H5Aget_name(ax, sizeof name, name) < 0) {
                rc = gwi_h5_fail(GW_EFORMAT, "%s: cannot read an attribute", path);
            } else if (!ignored(c, name)) {
                snprintf(what, sizeof what, "%s attribute %s", path, name);
                if (H5Aexists(y, name) <= 0)
                    differ(c, "%s: missing in %s", what, pass ? "the stored file" : "the re-run");
                else if (!pass && (ay = H5Aopen(y, name, H5P_DEFAULT)) < 0)
                    rc = gwi_h5_fail(GW_EFORMAT, "%s: cannot open", what);
                else if (!pass)
                    rc = cmp_data(c, ax, ay, 1, what);
            }
            if (ay >= 0)
                H5Aclose(ay);
            if (ax >= 0)
                H5Aclose(ax);
        }
    }
    return rc;
}

/* Compares group a with group b (path: its name), recursively. */
static gw_status cmp_group(cmp_state *c, hid_t a, hid_t b, const char *path)
{
    gw_status rc = cmp_attrs(c, a, b, path);
    H5G_info_t ia, ib;
    if (rc != GW_OK)
        return rc;
    if (H5Gget_info(a, &ia) < 0 || H5Gget_info(b, &ib) < 0)
        return gwi_h5_fail(GW_EFORMAT, "%s: cannot list the group", path);
    for (hsize_t i = 0; i < ia.nlinks && rc == GW_OK; i++) {
        char name[256], sub[1024];
        hid_t oa = -1, ob = -1;
        if (H5Lget_name_by_idx(a, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name,
                               H5P_DEFAULT) < 0)
            return gwi_h5_fail(GW_EFORMAT, "%s: cannot read a member name", path);
        snprintf(sub, sizeof sub, "%s/%s", strcmp(path, "/") == 0 ? "" : path, name);
        if (H5Lexists(b, name, H5P_DEFAULT) <= 0) {
            differ(c, "%s: missing in %s", sub, "the re-run");
            continue;
        }
        oa = H5Oopen(a, name, H5P_DEFAULT);
        ob = H5Oopen(b, name, H5P_DEFAULT);
        H5I_type_t ta = oa >= 0 ? H5Iget_type(oa) : H5I_BADID,
                   tb = ob >= 0 ? H5Iget_type(ob) : H5I_BADID;
        if (oa < 0 || ob < 0)
            rc = gwi_h5_fail(GW_EFORMAT, "%s: cannot open", sub);
        else if (ta != tb)
            differ(c, "%s: object kinds differ%s", sub, "");
        else if (ta == H5I_GROUP)
            rc = cmp_group(c, oa, ob, sub);
        else if (ta == H5I_DATASET) {
            rc = cmp_attrs(c, oa, ob, sub);
            if (rc == GW_OK)
                rc = cmp_data(c, oa, ob, 0, sub);
        }
        if (oa >= 0)
            H5Oclose(oa);
        if (ob >= 0)
            H5Oclose(ob);
    }
    if (rc == GW_OK && ia.nlinks != ib.nlinks)
        differ(c, "%s: the re-run has a different number of members", path);
    return rc;
}

gw_status gw_h5_compare_group_ex(const char *path_a, const char *path_b, const char *group,
                                 const char *const *ignore, size_t nignore, const gw_tol *tol,
                                 gw_diff *d)
{
    gw_status rc = GW_OK;
    gwi_h5_quiet q;
    hid_t fa = -1, fb = -1, ga = -1, gb = -1;
    cmp_state c = {ignore, nignore, tol, d};
    if (path_a == NULL || path_b == NULL || group == NULL || d == NULL)
        return gwi_fail(GW_EINVAL, "gw_h5_compare_group: NULL argument");
    gwi_h5_quiet_begin(&q);
    if ((rc = gwi_h5_open_read(path_a, &fa)) != GW_OK ||
        (rc = gwi_h5_open_read(path_b, &fb)) != GW_OK ||
        (rc = gwi_h5_check_global_heaps(path_a, path_a)) != GW_OK ||
        (rc = gwi_h5_check_global_heaps(path_b, path_b)) != GW_OK)
        goto done;
    htri_t ea = H5Lexists(fa, group, H5P_DEFAULT) > 0 ? 1 : 0;
    htri_t eb = H5Lexists(fb, group, H5P_DEFAULT) > 0 ? 1 : 0;
    if (strcmp(group, "/") != 0 && (!ea || !eb)) {
        if (!ea) {
            rc = gwi_fail(GW_ENOVAR, "%s: no group %s", path_a, group);
            goto done;
        }
        differ(&c, "%s: missing in %s", group, "the re-run");
        goto done;
    }
    if ((ga = H5Gopen2(fa, group, H5P_DEFAULT)) < 0 ||
        (gb = H5Gopen2(fb, group, H5P_DEFAULT)) < 0) {
        rc = gwi_h5_fail(GW_EFORMAT, "%s is not a group", group);
        goto done;
    }
    rc = cmp_group(&c, ga, gb, group);
done:
    if (ga >= 0)
        H5Gclose(ga);
    if (gb >= 0)
        H5Gclose(gb);
    if (fa >= 0)
        H5Fclose(fa);
    if (fb >= 0)
        H5Fclose(fb);
    gwi_h5_quiet_end(&q);
    return rc;
}

gw_status gw_h5_compare_group(const char *path_a, const char *path_b, const char *group,
                              const char *const *ignore, size_t nignore, int *equal, char *where,
                              size_t where_size)
{
    gw_diff d = {0};
    if (equal != NULL)
        *equal = 0;
    if (where != NULL && where_size > 0)
        where[0] = '\0';
    if (equal == NULL)
        return gwi_fail(GW_EINVAL, "gw_h5_compare_group: NULL argument");
    gw_status rc = gw_h5_compare_group_ex(path_a, path_b, group, ignore, nignore, NULL, &d);
    if (rc == GW_OK) {
        *equal = gw_diff_identical(&d);
        if (where != NULL && where_size > 0)
            snprintf(where, where_size, "%s", d.first);
    }
    return rc;
}

gw_status gw_h5_read_strings(const char *path, const char *object, const char *attr, char ***out,
                             size_t *n)
{
    gw_status rc = GW_OK;
    gwi_h5_quiet q;
    hid_t f = -1, o = -1, a = -1;
    if (out == NULL || n == NULL)
        return gwi_fail(GW_EINVAL, "gw_h5_read_strings: NULL argument");
    *out = NULL;
    *n = 0;
    if (path == NULL || object == NULL)
        return gwi_fail(GW_EINVAL, "gw_h5_read_strings: NULL argument");
    gwi_h5_quiet_begin(&q);
    if ((rc = gwi_h5_open_read(path, &f)) != GW_OK ||
        (rc = gwi_h5_check_global_heaps(path, path)) != GW_OK)
        goto done;
    if (H5Lexists(f, object, H5P_DEFAULT) <= 0 && strcmp(object, "/") != 0) {
        rc = gwi_fail(GW_ENOVAR, "%s: no object %s", path, object);
        goto done;
    }
    if ((o = H5Oopen(f, object, H5P_DEFAULT)) < 0) {
        rc = gwi_h5_fail(GW_EFORMAT, "%s: cannot open %s", path, object);
        goto done;
    }
    if (attr != NULL) {
        if (H5Aexists(o, attr) <= 0) {
            rc = gwi_fail(GW_ENOVAR, "%s: %s has no attribute %s", path, object, attr);
            goto done;
        }
        if ((a = H5Aopen(o, attr, H5P_DEFAULT)) < 0) {
            rc = gwi_h5_fail(GW_EFORMAT, "%s: cannot open attribute %s", path, attr);
            goto done;
        }
        rc = gwi_read_strs(a, 1, attr, out, n);
    } else {
        if (H5Iget_type(o) != H5I_DATASET) {
            rc = gwi_fail(GW_EFORMAT, "%s: %s is not a dataset", path, object);
            goto done;
        }
        rc = gwi_read_strs(o, 0, object, out, n);
    }
done:
    if (a >= 0)
        H5Aclose(a);
    if (o >= 0)
        H5Oclose(o);
    if (f >= 0)
        H5Fclose(f);
    gwi_h5_quiet_end(&q);
    return rc;
}

void gw_h5_strings_free(char **s, size_t n) { gwi_strv_free(s, n); }
