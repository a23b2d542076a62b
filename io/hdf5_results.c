/* hdf5_results.c -- fitted models in an HDF5 results file (gw_hdf5.h, "Results").
 *
 * A gw_result is stored field by field so that reading it back gives the same bits: arrays as
 * datasets, scalars as attributes named after the JSON field (or after the gw_result member
 * where the JSON output has none). The tables below drive both directions, so a field cannot
 * be written under one name and read under another. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_formula.h"
#include "gw_hdf5.h"
#include "gw_version.h"
#include "hdf5_int.h"

/* The field tables are core/result_fields.c's (gwi_result_*, core_int.h). */
typedef gwi_result_field field;
#define NFIELDS(a) (sizeof(a) / sizeof(a)[0])
/* Pointer-typed members go through these names so that "const type *" adds const at the right
 * level (char *const *, not const char **). */
typedef char *str_ptr;
typedef double *dbl_ptr;
#define FIELD_C(r, type, f) (*(const type *)(const void *)((const char *)(r) + (f).off))
#define FIELD(r, type, f) (*(type *)(void *)((char *)(r) + (f).off))

/* ---- writing ------------------------------------------------------------------------------ */

/* Writes a float64 dataset: 1-D of rows when cols == 0, else rows x cols. */
static herr_t write_f64_ds(hid_t loc, const char *name, const double *v, size_t rows, size_t cols,
                           int two_d)
{
    hsize_t dims[2] = {rows, cols};
    hid_t s = H5Screate_simple(two_d ? 2 : 1, dims, NULL);
    if (s < 0)
        return -1;
    hid_t d = H5Dcreate2(loc, name, H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    herr_t st = d < 0 ? -1 : 0;
    if (st == 0 && rows > 0 && (!two_d || cols > 0))
        st = H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    if (d >= 0 && H5Dclose(d) < 0)
        st = -1;
    H5Sclose(s);
    return st;
}

static herr_t write_u64_ds(hid_t loc, const char *name, const uint64_t *v, size_t n)
{
    hsize_t dims[1] = {n};
    hid_t s = H5Screate_simple(1, dims, NULL);
    if (s < 0)
        return -1;
    hid_t d = H5Dcreate2(loc, name, H5T_STD_U64LE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    herr_t st = d < 0 ? -1 : 0;
    if (st == 0 && n > 0)
        st = H5Dwrite(d, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    if (d >= 0 && H5Dclose(d) < 0)
        st = -1;
    H5Sclose(s);
    return st;
}

static herr_t write_str_ds(hid_t loc, const char *name, const char *const *v, size_t n)
{
    hsize_t dims[1] = {n};
    hid_t t = gwi_h5_vlen_str_type(), s = H5Screate_simple(1, dims, NULL), d = -1;
    herr_t st = -1;
    if (t >= 0 && s >= 0)
        d = H5Dcreate2(loc, name, t, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (d >= 0)
        st = n > 0 ? H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) : 0;
    if (d >= 0 && H5Dclose(d) < 0)
        st = -1;
    if (s >= 0)
        H5Sclose(s);
    if (t >= 0)
        H5Tclose(t);
    return st;
}

/* Writes the provenance attributes on loc. */
static herr_t write_provenance(hid_t loc, const gw_provenance *prov, const char *created)
{
    static const gw_provenance none = {NULL, NULL, NULL, NULL, NULL, 0, 0};
    if (gwi_attr_str(loc, "created_utc", created) < 0)
        return -1;
    if (prov == NULL)
        prov = &none;
    const struct {
        const char *name, *value;
    } s[] = {{"goodwork_version", prov->version ? prov->version : gw_version()},
             {"command_line", prov->command_line},
             {"data_sha256", prov->data_sha256},
             {"blas", prov->blas}};
    for (size_t i = 0; i < NFIELDS(s); i++) {
        if (s[i].value != NULL && gwi_attr_str(loc, s[i].name, s[i].value) < 0)
            return -1;
        /* A root attribute left from an earlier write that this one does not set would
         * describe the wrong run: remove it. */
        if (s[i].value == NULL && H5Aexists(loc, s[i].name) > 0 && H5Adelete(loc, s[i].name) < 0)
            return -1;
    }
    if (prov->has_seed)
        return gwi_attr_u64s(loc, "seed", &prov->seed, 1);
    if (H5Aexists(loc, "seed") > 0 && H5Adelete(loc, "seed") < 0)
        return -1;
    return 0;
}

/* The creation time of a write: the caller's, or now in ISO 8601 UTC ("unknown" if the clock
 * cannot be read). created holds 32 bytes. */
static void created_utc(const gw_provenance *prov, char created[32])
{
    if (prov != NULL && prov->created_utc != NULL) {
        snprintf(created, 32, "%s", prov->created_utc);
        return;
    }
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm) == NULL || strftime(created, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(created, 32, "unknown");
}

/* ---- format version ------------------------------------------------------------------------ */

static gw_status read_str_attr(hid_t loc, const char *name, const char *what, char **dst);

/* Parses "MAJOR.MINOR" (decimal digits only, each at most 65535). */
static int parse_version(const char *v, unsigned *major, unsigned *minor)
{
    unsigned part[2] = {0, 0};
    const char *c = v;
    for (int i = 0; i < 2; i++) {
        if (*c < '0' || *c > '9')
            return 0;
        for (; *c >= '0' && *c <= '9'; c++)
            if ((part[i] = 10 * part[i] + (unsigned)(*c - '0')) > 65535)
                return 0;
        if (i == 0 && *c++ != '.')
            return 0;
    }
    *major = part[0];
    *minor = part[1];
    return *c == '\0';
}

/* The format version of the open file (1.0 and *present 0 without the attribute). GW_EFORMAT
 * when it is malformed or of a major newer than this code reads: what a later major changes,
 * this code cannot know, so it neither reads nor appends to such a file. */
static gw_status read_format_version(hid_t file, const char *path, unsigned *major, unsigned *minor,
                                     int *present)
{
    char what[1200], *v = NULL;
    snprintf(what, sizeof what, "%s: /", gwi_base(path));
    *major = 1;
    *minor = 0;
    *present = 0;
    gw_status rc = read_str_attr(file, "format_version", what, &v);
    if (rc != GW_OK || v == NULL)
        return rc;
    *present = 1;
    if (!parse_version(v, major, minor))
        rc = gwi_fail(GW_EFORMAT, "%s: format_version '%s' is not MAJOR.MINOR", path, v);
    else if (*major > GW_RESULTS_FORMAT_MAJOR)
        rc = gwi_fail(GW_EFORMAT,
                      "%s: results file format %u.%u is newer than this goodwork (%s) reads "
                      "(%d.x); use a later goodwork",
                      path, *major, *minor, gw_version(), GW_RESULTS_FORMAT_MAJOR);
    gw_free(v);
    return rc;
}

/* Sets the root's format_version to this code's, unless the file has it or a later minor. */
static herr_t write_format_version(hid_t file, hid_t root, const char *path)
{
    unsigned major = 0, minor = 0;
    int present = 0;
    if (read_format_version(file, path, &major, &minor, &present) != GW_OK)
        return -1;
    /* Each part is at most 65535 (parse_version), so this orders versions. */
    unsigned long have = 65536ul * major + minor,
                  ours = 65536ul * GW_RESULTS_FORMAT_MAJOR + GW_RESULTS_FORMAT_MINOR;
    if (present && have >= ours)
        return 0;
    char v[32];
    snprintf(v, sizeof v, "%d.%d", GW_RESULTS_FORMAT_MAJOR, GW_RESULTS_FORMAT_MINOR);
    return gwi_attr_str(root, "format_version", v);
}

/* Finishes a write: the provenance on the new group *g and on the root, then closes *g and
 * *file (set to -1) and commits the write w (renaming its temporary over path).
 * Every other handle on the file must be closed already, so that closing flushes it. */
static gw_status seal_write(hid_t *file, hid_t *g, const gw_provenance *prov, const char *created,
                            const char *what, const char *path, gwi_atomic *w)
{
    if (write_provenance(*g, prov, created) < 0)
        return gwi_h5_fail(GW_EIO, "%s: cannot write its provenance", what);
    hid_t root = H5Gopen2(*file, "/", H5P_DEFAULT);
    herr_t st = root < 0 ? -1 : write_provenance(root, prov, created);
    if (st >= 0)
        st = write_format_version(*file, root, path);
    if (root >= 0)
        H5Gclose(root);
    if (st < 0)
        return gwi_h5_fail(GW_EIO, "%s: cannot write the root provenance", path);
    H5Gclose(*g);
    *g = -1;
    st = H5Fclose(*file);
    *file = -1;
    if (st < 0)
        return gwi_h5_fail(GW_EIO, "%s: cannot finish writing", path);
    return gwi_atomic_commit(w, path);
}

/* Writes every set field of r into the (new, empty) group g. */
static gw_status write_model(hid_t g, const gw_result *r, const char *what);

/* Writes r as the group NAME under g (a first stage, the marginal effects). */
static gw_status write_sub(hid_t g, const char *name, const gw_result *r, const char *what)
{
    char buf[1300];
    snprintf(buf, sizeof buf, "%s/%s", what, name);
    hid_t sub = H5Gcreate2(g, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (sub < 0)
        return gwi_h5_fail(GW_EIO, "%s: cannot create the group", buf);
    gw_status rc = write_model(sub, r, buf);
    if (H5Gclose(sub) < 0 && rc == GW_OK)
        rc = gwi_h5_fail(GW_EIO, "%s: cannot close the group", buf);
    return rc;
}

/* The IV and GLM arrays and sub-results of r (the scalars are in the field tables). */
static gw_status write_iv_glm(hid_t g, const gw_result *r, const char *what)
{
    gw_status rc = GW_OK;
    if (r->nobs_separated != GW_RESULT_NA &&
        write_str_ds(g, "dropped_separated", (const char *const *)r->dropped_separated,
                     r->ndropped_separated) < 0)
        return gwi_h5_fail(GW_EIO, "%s: cannot write dropped_separated", what);
    if (r->margins != NULL && (rc = write_sub(g, "marginal_effects", r->margins, what)) != GW_OK)
        return rc;
    if (r->n_endog == 0)
        return GW_OK;
    if (write_str_ds(g, "endogenous", (const char *const *)r->endog_terms, r->n_endog) < 0 ||
        write_str_ds(g, "instruments", (const char *const *)r->inst_terms, r->n_inst) < 0)
        return gwi_h5_fail(GW_EIO, "%s: cannot write the IV terms", what);
    for (size_t i = 0; i < gwi_result_nfs; i++)
        if (write_f64_ds(g, gwi_result_fs[i].name, FIELD_C(r, dbl_ptr, gwi_result_fs[i]),
                         r->n_endog, 0, 0) < 0)
            return gwi_h5_fail(GW_EIO, "%s: cannot write %s", what, gwi_result_fs[i].name);
    for (size_t j = 0; r->first_stage != NULL && j < r->n_endog; j++) {
        char name[48];
        snprintf(name, sizeof name, "first_stage_%zu", j);
        if (r->first_stage[j] != NULL &&
            (rc = write_sub(g, name, r->first_stage[j], what)) != GW_OK)
            return rc;
    }
    return GW_OK;
}

/* "row_index": the 1-based input row of each residual, as uint64 (gw_result.row_index). */
static herr_t write_row_index(hid_t g, const gw_result *r)
{
    uint64_t *u = gw_alloc_array(r->nobs ? r->nobs : 1, sizeof *u);
    if (u == NULL)
        return -1;
    for (size_t i = 0; i < r->nobs; i++)
        u[i] = (uint64_t)r->row_index[i];
    herr_t st = write_u64_ds(g, "row_index", u, r->nobs);
    gw_free(u);
    return st;
}

/* fit --save-fe: group "fixef" with one subgroup per absorbed set, named by its index ("0",
 * "1", ...; variable names may hold '/'), holding the attribute "name" and the datasets
 * "level" (strings) and "effect" (float64). Nothing without estimates. */
static herr_t write_fixef(hid_t g, const gw_result *r)
{
    int any = 0;
    for (size_t j = 0; j < r->nfe; j++)
        any |= r->fixed_effects[j].effects != NULL;
    if (!any)
        return 0;
    hid_t fx = H5Gcreate2(g, "fixef", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    herr_t st = fx < 0 ? -1 : 0;
    for (size_t j = 0; st >= 0 && j < r->nfe; j++) {
        const gw_result_fe *e = &r->fixed_effects[j];
        if (e->effects == NULL)
            continue;
        char name[32];
        snprintf(name, sizeof name, "%zu", j);
        hid_t s = H5Gcreate2(fx, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        st = s < 0 || gwi_attr_str(s, "name", e->name) < 0 ||
                     write_str_ds(s, "level", (const char *const *)e->level_names, e->neffects) <
                         0 ||
                     write_f64_ds(s, "effect", e->effects, e->neffects, 0, 0) < 0
                 ? -1
                 : 0;
        if (s >= 0)
            H5Gclose(s);
    }
    if (fx >= 0)
        H5Gclose(fx);
    return st;
}

/* The constants of the orthogonal poly() terms (gw_result.poly), as three datasets: poly_terms
 * (the terms' names), poly_degree (their degrees d) and poly_coefs (per term in order: alpha,
 * d values, then norm2, d + 2 values). Written only when the fit has such terms. */
static herr_t write_poly(hid_t g, const gw_result *r)
{
    size_t m = 0;
    if (r->npoly == 0)
        return 0;
    for (size_t i = 0; i < r->npoly; i++)
        m += 2 * (size_t)r->poly[i].degree + 2;
    const char **names = gw_calloc(r->npoly, sizeof *names);
    uint64_t *deg = gw_calloc(r->npoly, sizeof *deg);
    double *v = gw_alloc_array(m, sizeof *v);
    herr_t st = names == NULL || deg == NULL || v == NULL ? -1 : 0;
    for (size_t i = 0, o = 0; st >= 0 && i < r->npoly; i++) {
        const gw_poly_coefs *c = &r->poly[i];
        names[i] = c->term;
        deg[i] = c->degree;
        memcpy(v + o, c->alpha, c->degree * sizeof *v);
        memcpy(v + o + c->degree, c->norm2, (c->degree + 2) * sizeof *v);
        o += 2 * (size_t)c->degree + 2;
    }
    if (st >= 0 && (write_str_ds(g, "poly_terms", names, r->npoly) < 0 ||
                    write_u64_ds(g, "poly_degree", deg, r->npoly) < 0 ||
                    write_f64_ds(g, "poly_coefs", v, m, 0, 0) < 0))
        st = -1;
    gw_free(names);
    gw_free(deg);
    gw_free(v);
    return st;
}

/* The reference levels of the model's i() terms, as the attribute i_ref: one string
 * "VAR::LEVEL" per reference level, named as the dummies are ("year::2015", "rel::-1"), so that
 * a plot of the VAR::LEVEL coefficients (goodwork plot event) can mark the reference periods.
 * Read from the stored formula; written only when some i() has references. */
static gw_status write_i_refs(hid_t g, const gw_result *r, const char *what)
{
    gw_formula *f = NULL;
    char **refs = NULL;
    size_t n = 0, m = 0;
    gw_status rc = GW_OK;
    if (r->formula == NULL || gw_formula_parse(r->formula, &f) != GW_OK)
        return GW_OK; /* results made otherwise (a formula goodwork did not parse): none */
    for (int pass = 0; pass < 2 && rc == GW_OK; pass++) { /* count, then write */
        if (pass == 1 && (m == 0 || (refs = gw_calloc(m, sizeof *refs)) == NULL)) {
            rc = m == 0 ? GW_OK : gwi_fail(GW_ENOMEM, "%s: cannot allocate i_ref", what);
            break;
        }
        for (size_t k = 0; k < gw_formula_nterms(f); k++) {
            const gw_formula_term *t = gw_formula_term_at(f, k);
            for (size_t j = 0; j < t->nfactors; j++) {
                const gw_formula_factor *ff = &t->factors[j];
                for (size_t q = 0; ff->kind == GW_FF_I && q < ff->nref && rc == GW_OK; q++) {
                    size_t len = strlen(ff->var) + strlen(ff->refs[q].text) + 3;
                    if (pass == 0)
                        m++;
                    else if ((refs[n] = gw_malloc(len)) == NULL)
                        rc = gwi_fail(GW_ENOMEM, "%s: cannot allocate i_ref", what);
                    else
                        snprintf(refs[n++], len, "%s::%s", ff->var, ff->refs[q].text);
                }
            }
        }
    }
    if (rc == GW_OK && n > 0 && gwi_attr_strs(g, "i_ref", (const char *const *)refs, n) < 0)
        rc = gwi_h5_fail(GW_EIO, "%s: cannot write i_ref", what);
    for (size_t i = 0; i < n; i++)
        gw_free(refs[i]);
    gw_free(refs);
    gw_formula_free(f);
    return rc;
}

static gw_status write_model(hid_t g, const gw_result *r, const char *what)
{
    gw_status rc = GW_OK;
    size_t k = r->k;
    double *vt = NULL;
    const char **names = NULL;
    uint64_t *u = NULL;
    size_t nfe = r->nfe;
    for (size_t i = 0; i < gwi_result_nstr; i++) {
        const char *v = FIELD_C(r, str_ptr, gwi_result_str[i]);
        if (v != NULL && gwi_attr_str(g, gwi_result_str[i].name, v) < 0)
            goto h5fail;
    }
    for (size_t i = 0; i < gwi_result_ndbl; i++) {
        double v = FIELD_C(r, double, gwi_result_dbl[i]);
        if (!isnan(v) && gwi_attr_f64(g, gwi_result_dbl[i].name, v) < 0)
            goto h5fail;
    }
    for (size_t i = 0; i < gwi_result_ncnt; i++) {
        size_t v = FIELD_C(r, size_t, gwi_result_cnt[i]);
        uint64_t v64 = (uint64_t)v;
        if (v != GW_RESULT_NA && gwi_attr_u64s(g, gwi_result_cnt[i].name, &v64, 1) < 0)
            goto h5fail;
    }
    if (r->n_cluster_vars > 0) {
        uint64_t nc[2] = {(uint64_t)r->n_clusters[0], (uint64_t)r->n_clusters[1]};
        if (gwi_attr_u64s(g, "n_clusters", nc, r->n_cluster_vars) < 0)
            goto h5fail;
    }
    if (gwi_attr_i32(g, "stat_is_z", (int32_t)r->stat_is_z) < 0 ||
        gwi_attr_i32(g, "near_singular", (int32_t)r->near_singular) < 0 ||
        (r->converged != -1 && gwi_attr_i32(g, "converged", (int32_t)r->converged) < 0))
        goto h5fail;
    if ((rc = write_i_refs(g, r, what)) != GW_OK)
        goto done;

    if (write_str_ds(g, "terms", (const char *const *)r->terms, k) < 0)
        goto h5fail;
    for (size_t i = 0; i < gwi_result_ncoef; i++)
        if (write_f64_ds(g, gwi_result_coef[i].name, FIELD_C(r, dbl_ptr, gwi_result_coef[i]), k, 0,
                         0) < 0)
            goto h5fail;
    /* vcov is column-major in memory; HDF5 is row-major, so element [i][j] = V(i,j) needs the
     * transpose (V is symmetric in practice, but the round trip must be exact regardless). */
    if ((vt = gw_alloc_array(k > 0 ? k * k : 1, sizeof *vt)) == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate a %zu x %zu vcov", k, k);
        goto done;
    }
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++)
            vt[i * k + j] = r->vcov[i + j * k];
    if (write_f64_ds(g, "vcov", vt, k, k, 1) < 0)
        goto h5fail;

    names = gw_calloc(nfe ? nfe : 1, sizeof *names);
    u = gw_calloc(nfe ? nfe : 1, sizeof *u);
    if (names == NULL || u == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu fixed effects", nfe);
        goto done;
    }
    for (size_t j = 0; j < nfe; j++) {
        names[j] = r->fixed_effects[j].name;
        u[j] = (uint64_t)r->fixed_effects[j].levels;
    }
    if (write_str_ds(g, "fixed_effects", names, nfe) < 0 ||
        write_u64_ds(g, "fixed_effects_levels", u, nfe) < 0 ||
        write_str_ds(g, "dropped_collinear", (const char *const *)r->dropped_collinear,
                     r->ndropped) < 0)
        goto h5fail;
    if (r->residuals != NULL && write_f64_ds(g, "residuals", r->residuals, r->nobs, 0, 0) < 0)
        goto h5fail;
    if (r->fitted != NULL && write_f64_ds(g, "fitted", r->fitted, r->nobs, 0, 0) < 0)
        goto h5fail;
    if (r->row_index != NULL && write_row_index(g, r) < 0)
        goto h5fail;
    if (write_fixef(g, r) < 0 || write_poly(g, r) < 0)
        goto h5fail;
    if (r->nfactor_levels > 0 &&
        write_str_ds(g, "factor_levels", (const char *const *)r->factor_levels, r->nfactor_levels) <
            0)
        goto h5fail;
    rc = write_iv_glm(g, r, what);
    goto done;
h5fail:
    rc = gwi_h5_fail(GW_EIO, "%s: cannot write the model", what);
done:
    gw_free(vt);
    gw_free(names);
    gw_free(u);
    return rc;
}

static gw_status check_result(const gw_result *r, const char *name)
{
    if (r == NULL)
        return gwi_fail(GW_EINVAL, "gw_results_append: NULL result");
    for (size_t j = 0; j < r->k; j++)
        if (r->terms == NULL || r->terms[j] == NULL)
            return gwi_fail(GW_EINVAL, "model '%s': term %zu has no name", name, j + 1);
    for (size_t j = 0; j < r->nfe; j++)
        if (r->fixed_effects[j].name == NULL)
            return gwi_fail(GW_EINVAL, "model '%s': fixed effect %zu has no name", name, j + 1);
    for (size_t j = 0; j < r->ndropped; j++)
        if (r->dropped_collinear[j] == NULL)
            return gwi_fail(GW_EINVAL, "model '%s': dropped term %zu has no name", name, j + 1);
    if ((r->residuals != NULL || r->fitted != NULL || r->row_index != NULL) &&
        r->nobs == GW_RESULT_NA)
        return gwi_fail(GW_EINVAL, "model '%s': residuals or fitted values without nobs", name);
    if (r->n_cluster_vars > 2)
        return gwi_fail(GW_EINVAL, "model '%s': %zu cluster variables (at most 2)", name,
                        r->n_cluster_vars);
    return GW_OK;
}

static int valid_name(const char *name)
{
    return name[0] != '\0' && strchr(name, '/') == NULL && strcmp(name, ".") != 0 &&
           strcmp(name, "..") != 0;
}

/* The start of every append: under path's lock, a temporary copy of path (or a new file) opened
 * read-write. w: the write begun (the caller's gwi_atomic_abort on failure). *fapl and *file are
 * the caller's to close (negative when not opened). */
static gw_status open_for_append(const char *path, gwi_atomic *w, int *existed, hid_t *fapl,
                                 hid_t *file)
{
    gw_status rc = gwi_atomic_begin(w, path, "results file", 1, existed);
    if (rc != GW_OK)
        return rc;
    if ((*fapl = gwi_h5_fapl()) < 0)
        return gwi_h5_fail(GW_EIO, "%s: cannot make a file access property list", path);
    /* libhdf5 1.10.8 hangs on a corrupt global heap (strings): check before opening. */
    if (*existed && (rc = gwi_h5_check_global_heaps(w->tmp, path)) != GW_OK)
        return rc;
    *file = *existed ? H5Fopen(w->tmp, H5F_ACC_RDWR, *fapl)
                     : H5Fcreate(w->tmp, H5F_ACC_TRUNC, H5P_DEFAULT, *fapl);
    if (*file < 0)
        return gwi_h5_fail(GW_EIO, "%s: cannot %s", path,
                           *existed ? "open the existing file as HDF5" : "create");
    unsigned major = 0, minor = 0;
    int present = 0;
    return read_format_version(*file, path, &major, &minor, &present);
}

/* A replaced model keeps its place in the file's order (the order of `table` and of the
 * readers): the models created after it (order[], the names before the replacement) are
 * re-linked after the new group, in their order. Re-linking moves names only: the objects, and
 * so the other models' bytes, are untouched. */
static gw_status keep_position(hid_t models, const char *name, char **order, size_t n,
                               const char *what)
{
    static const char tmp[] = ".goodwork-relink";
    size_t at = 0;
    while (at < n && strcmp(order[at], name) != 0)
        at++;
    for (size_t i = at + 1; i < n; i++)
        if (H5Lmove(models, order[i], models, tmp, H5P_DEFAULT, H5P_DEFAULT) < 0 ||
            H5Lmove(models, tmp, models, order[i], H5P_DEFAULT, H5P_DEFAULT) < 0)
            return gwi_h5_fail(GW_EIO, "%s: cannot keep the order of the models", what);
    return GW_OK;
}

/* Creates model `name` (NULL: the first free "modelK") under models and writes r into it; the
 * group is left open in *g. used: the name taken (at least 32 bytes). */
static gw_status add_model(hid_t models, const char *name, const gw_result *r, unsigned flags,
                           const char *path, hid_t *g, char *used, size_t used_size)
{
    char auto_name[32], what[1200];
    if (name == NULL) {
        for (unsigned long i = 1;; i++) {
            snprintf(auto_name, sizeof auto_name, "model%lu", i);
            htri_t ex = H5Lexists(models, auto_name, H5P_DEFAULT);
            if (ex < 0)
                return gwi_h5_fail(GW_EIO, "%s: cannot list /models", path);
            if (ex == 0)
                break;
        }
        name = auto_name;
    }
    snprintf(used, used_size, "%s", name);
    snprintf(what, sizeof what, "%s: /models/%s", gwi_base(path), name);
    htri_t ex = H5Lexists(models, name, H5P_DEFAULT);
    if (ex > 0 && !(flags & GW_RESULTS_REPLACE))
        return gwi_fail(GW_EINVAL, "%s exists already (choose another --name, or --replace it)",
                        what);
    char **order = NULL; /* replacing: the models in the file's order, before the replacement */
    size_t norder = 0;
    gw_status rc = GW_OK;
    if (ex > 0 && (rc = gwi_h5_list_members(models, H5I_GROUP, what, &order, &norder)) != GW_OK)
        return rc;
    if (ex > 0 && H5Ldelete(models, name, H5P_DEFAULT) < 0)
        rc = gwi_h5_fail(GW_EIO, "%s: cannot replace", what);
    else if ((*g = H5Gcreate2(models, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) < 0)
        rc = gwi_h5_fail(GW_EIO, "%s: cannot create the group", what);
    else if ((rc = write_model(*g, r, what)) == GW_OK && order != NULL)
        rc = keep_position(models, name, order, norder, what);
    gwi_strv_free(order, norder);
    return rc;
}

/* gw_results_append_ex and gw_results_append_many: n models in one atomic write. */
static gw_status append_models(const char *path, size_t n, const char *const *names,
                               const gw_result *const *rs, const gw_provenance *prov,
                               unsigned flags, char *name_out, size_t name_out_size)
{
    gw_status rc = GW_OK;
    gwi_h5_quiet q;
    gwi_atomic w = GWI_ATOMIC_INIT;
    char created[32], what[1200], used[1024] = "";
    hid_t fapl = -1, file = -1, models = -1, gcpl = -1, g = -1;
    int existed = 0;
    if (name_out != NULL && name_out_size > 0)
        name_out[0] = '\0';
    if (path == NULL)
        return gwi_fail(GW_EINVAL, "gw_results_append: NULL path");
    if (n == 0 || rs == NULL)
        return gwi_fail(GW_EINVAL, "gw_results_append: no model");
    for (size_t i = 0; i < n; i++) {
        const char *name = names != NULL ? names[i] : NULL;
        if (name != NULL && !valid_name(name))
            return gwi_fail(GW_EINVAL, "model name '%s' is empty or contains '/'", name);
        for (size_t j = 0; name != NULL && j < i; j++)
            if (names[j] != NULL && strcmp(names[j], name) == 0)
                return gwi_fail(GW_EINVAL, "model name '%s' given twice", name);
        if ((rc = check_result(rs[i], name ? name : "(next)")) != GW_OK)
            return rc;
    }
    created_utc(prov, created);

    gwi_h5_quiet_begin(&q);
    if ((rc = open_for_append(path, &w, &existed, &fapl, &file)) != GW_OK)
        goto done;
    htri_t has = H5Lexists(file, "models", H5P_DEFAULT);
    if (has > 0) {
        models = H5Gopen2(file, "models", H5P_DEFAULT);
    } else if (has == 0) {
        if ((gcpl = H5Pcreate(H5P_GROUP_CREATE)) < 0 ||
            H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0)
            models = -1;
        else
            models = H5Gcreate2(file, "models", H5P_DEFAULT, gcpl, H5P_DEFAULT);
    }
    if (models < 0) {
        rc = gwi_h5_fail(GW_EIO, "%s: /models is not a group", path);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if ((rc = add_model(models, names ? names[i] : NULL, rs[i], flags, path, &g, used,
                            sizeof used)) != GW_OK)
            goto done;
        if (i + 1 == n)
            break;
        /* Every model carries its provenance; the last one's is written by seal_write. */
        snprintf(what, sizeof what, "%s: /models/%s", gwi_base(path), used);
        if (write_provenance(g, prov, created) < 0) {
            rc = gwi_h5_fail(GW_EIO, "%s: cannot write its provenance", what);
            goto done;
        }
        H5Gclose(g);
        g = -1;
    }
    H5Gclose(models);
    models = -1;
    snprintf(what, sizeof what, "%s: /models/%s", gwi_base(path), used);
    rc = seal_write(&file, &g, prov, created, what, path, &w);
    if (rc == GW_OK && name_out != NULL && name_out_size > 0)
        snprintf(name_out, name_out_size, "%s", used);
done:
    if (g >= 0)
        H5Gclose(g);
    if (gcpl >= 0)
        H5Pclose(gcpl);
    if (models >= 0)
        H5Gclose(models);
    if (file >= 0)
        H5Fclose(file);
    if (fapl >= 0)
        H5Pclose(fapl);
    if (rc != GW_OK)
        gwi_atomic_abort(&w);
    gwi_h5_quiet_end(&q);
    return rc;
}

gw_status gw_results_append_ex(const char *path, const char *name, const gw_result *r,
                               const gw_provenance *prov, unsigned flags, char *name_out,
                               size_t name_out_size)
{
    if (name_out != NULL && name_out_size > 0)
        name_out[0] = '\0';
    if (r == NULL)
        return gwi_fail(GW_EINVAL, "gw_results_append: NULL result");
    return append_models(path, 1, name != NULL ? &name : NULL, &r, prov, flags, name_out,
                         name_out_size);
}

gw_status gw_results_append_many(const char *path, size_t n, const char *const *names,
                                 const gw_result *const *rs, const gw_provenance *prov,
                                 unsigned flags)
{
    for (size_t i = 0; rs != NULL && i < n; i++)
        if (rs[i] == NULL)
            return gwi_fail(GW_EINVAL, "gw_results_append_many: model %zu is NULL", i + 1);
    return append_models(path, n, names, rs, prov, flags, NULL, 0);
}

gw_status gw_results_append(const char *path, const char *name, const gw_result *r,
                            const gw_provenance *prov)
{
    return gw_results_append_ex(path, name, r, prov, 0, NULL, 0);
}

/* ---- reading ------------------------------------------------------------------------------ */

/* Owned copies of a provenance record. */
typedef struct {
    char *s[5]; /* version, created_utc, command_line, data_sha256, blas */
    uint64_t seed;
    int has_seed;
} prov_store;

static const char *const prov_names[5] = {"goodwork_version", "created_utc", "command_line",
                                          "data_sha256", "blas"};

struct gw_results {
    hid_t file;
    unsigned format_major, format_minor;
    char *path;
    char **names;
    size_t n;
    prov_store root;
    prov_store *models;
};

/* Reads string attribute name of loc into *dst (left NULL when absent). */
static gw_status read_str_attr(hid_t loc, const char *name, const char *what, char **dst)
{
    char buf[1300], **v = NULL;
    size_t n = 0;
    htri_t ex = H5Aexists(loc, name);
    if (ex == 0)
        return GW_OK;
    snprintf(buf, sizeof buf, "%s attribute '%s'", what, name);
    hid_t a = ex > 0 ? H5Aopen(loc, name, H5P_DEFAULT) : -1;
    if (a < 0)
        return gwi_h5_fail(GW_EFORMAT, "%s: cannot open", buf);
    gw_status rc = gwi_read_strs(a, 1, buf, &v, &n);
    H5Aclose(a);
    if (rc != GW_OK)
        return rc;
    if (n != 1) {
        gwi_strv_free(v, n);
        return gwi_fail(GW_EFORMAT, "%s holds %zu strings; expected one", buf, n);
    }
    gw_free(*dst);
    *dst = v[0];
    gw_free(v);
    return GW_OK;
}

/* Reads numeric attribute name of loc (n values converted to mem type) if present; *found
 * tells whether it was. */
static gw_status read_num_attr(hid_t loc, const char *name, const char *what, hid_t mtype,
                               void *dst, size_t maxn, size_t *found)
{
    gw_status rc = GW_OK;
    hid_t a = -1, s = -1, t = -1;
    *found = 0;
    htri_t ex = H5Aexists(loc, name);
    if (ex == 0)
        return GW_OK;
    if (ex < 0 || (a = H5Aopen(loc, name, H5P_DEFAULT)) < 0 || (s = H5Aget_space(a)) < 0 ||
        (t = H5Aget_type(a)) < 0) {
        rc = gwi_h5_fail(GW_EFORMAT, "%s attribute '%s': cannot open", what, name);
        goto done;
    }
    H5T_class_t cls = H5Tget_class(t);
    hssize_t np = H5Sget_simple_extent_npoints(s);
    if ((cls != H5T_INTEGER && cls != H5T_FLOAT) || np < 1 || (size_t)np > maxn) {
        rc = gwi_fail(GW_EFORMAT, "%s attribute '%s' is not %s number%s", what, name,
                      maxn > 1 ? "1 or 2" : "a", maxn > 1 ? "s" : "");
        goto done;
    }
    if (H5Aread(a, mtype, dst) < 0) {
        rc = gwi_h5_fail(GW_EFORMAT, "%s attribute '%s': cannot read", what, name);
        goto done;
    }
    *found = (size_t)np;
done:
    if (t >= 0)
        H5Tclose(t);
    if (s >= 0)
        H5Sclose(s);
    if (a >= 0)
        H5Aclose(a);
    return rc;
}

static void prov_free(prov_store *p)
{
    for (size_t i = 0; i < 5; i++)
        gw_free(p->s[i]);
    memset(p, 0, sizeof *p);
}

static gw_status read_provenance(hid_t loc, const char *what, prov_store *p)
{
    gw_status rc = GW_OK;
    size_t found = 0;
    for (size_t i = 0; i < 5 && rc == GW_OK; i++)
        rc = read_str_attr(loc, prov_names[i], what, &p->s[i]);
    if (rc == GW_OK)
        rc = read_num_attr(loc, "seed", what, H5T_NATIVE_UINT64, &p->seed, 1, &found);
    p->has_seed = found > 0;
    return rc;
}

void gw_results_close(gw_results *res)
{
    if (res == NULL)
        return;
    gwi_h5_quiet q;
    gwi_h5_quiet_begin(&q);
    if (res->file >= 0)
        H5Fclose(res->file);
    gwi_h5_quiet_end(&q);
    for (size_t i = 0; i < res->n; i++) {
        if (res->models)
            prov_free(&res->models[i]);
        gw_free(res->names[i]);
    }
    gw_free(res->names);
    gw_free(res->models);
    prov_free(&res->root);
    gw_free(res->path);
    gw_free(res);
}

gw_status gw_results_open(const char *path, gw_results **out)
{
    gw_status rc = GW_OK;
    gwi_h5_quiet q;
    gw_results *res = NULL;
    hid_t models = -1;
    char what[1200];
    *out = NULL;
    if (path == NULL)
        return gwi_fail(GW_EINVAL, "gw_results_open: NULL path");
    gwi_h5_quiet_begin(&q);
    if ((res = gw_calloc(1, sizeof *res)) == NULL || (res->path = gw_strdup(path)) == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate a results handle");
        goto done;
    }
    res->file = -1;
    int present = 0;
    if ((rc = gwi_h5_open_read(path, &res->file)) != GW_OK ||
        (rc = gwi_h5_check_global_heaps(path, path)) != GW_OK ||
        (rc = read_format_version(res->file, path, &res->format_major, &res->format_minor,
                                  &present)) != GW_OK)
        goto done;
    if ((models = H5Gopen2(res->file, "models", H5P_DEFAULT)) < 0) {
        rc = gwi_h5_fail(GW_EFORMAT, "%s: no group /models (not a goodwork results file)", path);
        goto done;
    }
    snprintf(what, sizeof what, "%s: /models", gwi_base(path));
    if ((rc = gwi_h5_list_members(models, H5I_GROUP, what, &res->names, &res->n)) != GW_OK)
        goto done;
    if ((res->models = gw_calloc(res->n ? res->n : 1, sizeof *res->models)) == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu provenance records", res->n);
        goto done;
    }
    snprintf(what, sizeof what, "%s: /", gwi_base(path));
    if ((rc = read_provenance(res->file, what, &res->root)) != GW_OK)
        goto done;
    for (size_t i = 0; i < res->n; i++) {
        snprintf(what, sizeof what, "%s: /models/%s", gwi_base(path), res->names[i]);
        hid_t g = H5Gopen2(models, res->names[i], H5P_DEFAULT);
        if (g < 0) {
            rc = gwi_h5_fail(GW_EFORMAT, "%s: cannot open", what);
            goto done;
        }
        rc = read_provenance(g, what, &res->models[i]);
        H5Gclose(g);
        if (rc != GW_OK)
            goto done;
    }
done:
    if (models >= 0)
        H5Gclose(models);
    gwi_h5_quiet_end(&q);
    if (rc != GW_OK) {
        gw_results_close(res);
        return rc;
    }
    *out = res;
    return GW_OK;
}

size_t gw_results_nmodels(const gw_results *res) { return res->n; }

void gw_results_format_version(const gw_results *res, unsigned *major, unsigned *minor)
{
    *major = res->format_major;
    *minor = res->format_minor;
}

const char *gw_results_model_name(const gw_results *res, size_t i) { return res->names[i]; }

static ptrdiff_t find_model(const gw_results *res, const char *name)
{
    for (size_t i = 0; i < res->n; i++)
        if (name != NULL && strcmp(res->names[i], name) == 0)
            return (ptrdiff_t)i;
    return -1;
}

static void prov_view(const prov_store *p, gw_provenance *out)
{
    out->version = p->s[0];
    out->created_utc = p->s[1];
    out->command_line = p->s[2];
    out->data_sha256 = p->s[3];
    out->blas = p->s[4];
    out->seed = p->seed;
    out->has_seed = p->has_seed;
}

gw_status gw_results_provenance(const gw_results *res, const char *name, gw_provenance *out)
{
    memset(out, 0, sizeof *out);
    if (name == NULL) {
        prov_view(&res->root, out);
        return GW_OK;
    }
    ptrdiff_t i = find_model(res, name);
    if (i < 0)
        return gwi_fail(GW_ENOVAR, "%s has no model '%s'", gwi_base(res->path), name);
    prov_view(&res->models[i], out);
    return GW_OK;
}

/* Reads the 1-D (two_d == 0) or rows x cols float dataset name of g into dst, checking shape. */
static gw_status read_f64_ds(hid_t g, const char *name, const char *what, size_t rows, size_t cols,
                             int two_d, double *dst)
{
    gw_status rc = GW_OK;
    hid_t d = -1, s = -1, t = -1;
    hsize_t dims[2] = {0, 0};
    if ((d = H5Dopen2(g, name, H5P_DEFAULT)) < 0 || (s = H5Dget_space(d)) < 0 ||
        (t = H5Dget_type(d)) < 0) {
        rc = gwi_h5_fail(GW_EFORMAT, "%s/%s: missing or unreadable", what, name);
        goto done;
    }
    int rank = H5Sget_simple_extent_ndims(s);
    if (rank != (two_d ? 2 : 1) || H5Sget_simple_extent_dims(s, dims, NULL) < 0 ||
        dims[0] != rows || (two_d && dims[1] != cols)) {
        if (two_d)
            rc = gwi_fail(GW_EFORMAT, "%s/%s: expected shape %zu x %zu", what, name, rows, cols);
        else
            rc = gwi_fail(GW_EFORMAT, "%s/%s: expected %zu values", what, name, rows);
        goto done;
    }
    H5T_class_t cls = H5Tget_class(t);
    if (cls != H5T_FLOAT && cls != H5T_INTEGER) {
        rc = gwi_fail(GW_EFORMAT, "%s/%s is not numeric", what, name);
        goto done;
    }
    if (rows > 0 && (!two_d || cols > 0) &&
        H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, dst) < 0)
        rc = gwi_h5_fail(GW_EFORMAT, "%s/%s: cannot read", what, name);
done:
    if (t >= 0)
        H5Tclose(t);
    if (s >= 0)
        H5Sclose(s);
    if (d >= 0)
        H5Dclose(d);
    return rc;
}

/* The length of 1-D dataset name of g (GW_EFORMAT when absent or not 1-D). */
static gw_status ds_len(hid_t g, const char *name, const char *what, size_t *n)
{
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT), s = -1;
    gw_status rc = GW_OK;
    hsize_t dims[1] = {0};
    if (d < 0 || (s = H5Dget_space(d)) < 0)
        rc = gwi_h5_fail(GW_EFORMAT, "%s/%s: missing or unreadable", what, name);
    else if (H5Sget_simple_extent_ndims(s) != 1 || H5Sget_simple_extent_dims(s, dims, NULL) < 0)
        rc = gwi_fail(GW_EFORMAT, "%s/%s is not 1-D", what, name);
    *n = (size_t)dims[0];
    if (s >= 0)
        H5Sclose(s);
    if (d >= 0)
        H5Dclose(d);
    return rc;
}

/* Reads string dataset name of g, expecting n entries (n == GW_RESULT_NA: any). */
static gw_status read_str_ds(hid_t g, const char *name, const char *what, size_t n, char ***out,
                             size_t *got)
{
    char buf[1300];
    snprintf(buf, sizeof buf, "%s/%s", what, name);
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    if (d < 0)
        return gwi_h5_fail(GW_EFORMAT, "%s: missing", buf);
    gw_status rc = gwi_read_strs(d, 0, buf, out, got);
    H5Dclose(d);
    if (rc == GW_OK && n != GW_RESULT_NA && *got != n) {
        gwi_strv_free(*out, *got);
        *out = NULL;
        return gwi_fail(GW_EFORMAT, "%s has %zu entries; expected %zu", buf, *got, n);
    }
    return rc;
}

/* poly_terms, poly_degree and poly_coefs (write_poly) into r->poly; none when absent. */
static gw_status read_poly(hid_t g, const char *what, gw_result *r)
{
    char **names = NULL;
    size_t n = 0, nd = 0, m = 0, need = 0;
    uint64_t *deg = NULL;
    double *v = NULL;
    gw_status rc;
    if (H5Lexists(g, "poly_terms", H5P_DEFAULT) <= 0)
        return GW_OK;
    if ((rc = read_str_ds(g, "poly_terms", what, GW_RESULT_NA, &names, &n)) != GW_OK ||
        (rc = ds_len(g, "poly_degree", what, &nd)) != GW_OK ||
        (rc = ds_len(g, "poly_coefs", what, &m)) != GW_OK)
        goto done;
    if (nd != n || n == 0) {
        rc = gwi_fail(GW_EFORMAT, "%s: %zu poly_terms but %zu poly_degree", what, n, nd);
        goto done;
    }
    if ((deg = gw_calloc(n, sizeof *deg)) == NULL ||
        (v = gw_alloc_array(m ? m : 1, sizeof *v)) == NULL ||
        (r->poly = gw_calloc(n, sizeof *r->poly)) == NULL) {
        rc = gwi_fail(GW_ENOMEM, "%s: cannot allocate poly()'s constants", what);
        goto done;
    }
    hid_t d = H5Dopen2(g, "poly_degree", H5P_DEFAULT);
    herr_t st = d < 0 ? -1 : H5Dread(d, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, deg);
    if (d >= 0)
        H5Dclose(d);
    for (size_t i = 0; st >= 0 && i < n; i++)
        need += deg[i] > 0 && deg[i] <= GW_FORMULA_MAX_EXPONENT ? 2 * (size_t)deg[i] + 2 : m + 1;
    if (st < 0 || need != m) {
        rc = gwi_h5_fail(GW_EFORMAT, "%s/poly_degree: does not match poly_coefs", what);
        goto done;
    }
    if ((rc = read_f64_ds(g, "poly_coefs", what, m, 0, 0, v)) != GW_OK)
        goto done;
    for (size_t i = 0, o = 0; i < n; i++) {
        gw_poly_coefs *c = &r->poly[i];
        size_t dg = (size_t)deg[i];
        r->npoly = i + 1;
        c->term = names[i];
        names[i] = NULL;
        c->degree = (unsigned)dg;
        c->alpha = gw_alloc_array(dg, sizeof *c->alpha);
        c->norm2 = gw_alloc_array(dg + 2, sizeof *c->norm2);
        if (c->alpha == NULL || c->norm2 == NULL) {
            rc = gwi_fail(GW_ENOMEM, "%s: cannot allocate poly()'s constants", what);
            goto done;
        }
        memcpy(c->alpha, v + o, dg * sizeof *v);
        memcpy(c->norm2, v + o + dg, (dg + 2) * sizeof *v);
        o += 2 * dg + 2;
    }
done:
    gwi_strv_free(names, n);
    gw_free(deg);
    gw_free(v);
    return rc;
}

static gw_status read_model(hid_t g, const char *what, gw_result **out);

/* Reads the group NAME under g as a sub-result into *out (left NULL when absent). */
static gw_status read_sub(hid_t g, const char *name, const char *what, gw_result **out)
{
    char buf[1300];
    snprintf(buf, sizeof buf, "%s/%s", what, name);
    htri_t ex = H5Lexists(g, name, H5P_DEFAULT);
    if (ex <= 0)
        return GW_OK;
    hid_t sub = H5Gopen2(g, name, H5P_DEFAULT);
    if (sub < 0)
        return gwi_h5_fail(GW_EFORMAT, "%s: cannot open the group", buf);
    gw_status rc = read_model(sub, buf, out);
    H5Gclose(sub);
    return rc;
}

/* The IV and GLM arrays and sub-results (see write_iv_glm). */
static gw_status read_iv_glm(hid_t g, const char *what, gw_result *r)
{
    gw_status rc = GW_OK;
    char **endog = NULL, **inst = NULL;
    size_t ne = 0, ni = 0;
    if (r->nobs_separated != GW_RESULT_NA &&
        (rc = read_str_ds(g, "dropped_separated", what, GW_RESULT_NA, &r->dropped_separated,
                          &r->ndropped_separated)) != GW_OK)
        goto done;
    if ((rc = read_sub(g, "marginal_effects", what, &r->margins)) != GW_OK)
        goto done;
    if (H5Lexists(g, "endogenous", H5P_DEFAULT) <= 0)
        goto done;
    if ((rc = read_str_ds(g, "endogenous", what, GW_RESULT_NA, &endog, &ne)) != GW_OK ||
        (rc = read_str_ds(g, "instruments", what, GW_RESULT_NA, &inst, &ni)) != GW_OK ||
        (rc = gw_result_alloc_iv(r, ne, ni)) != GW_OK)
        goto done;
    for (size_t j = 0; j < ne; j++) {
        r->endog_terms[j] = endog[j];
        endog[j] = NULL;
    }
    for (size_t j = 0; j < ni; j++) {
        r->inst_terms[j] = inst[j];
        inst[j] = NULL;
    }
    for (size_t i = 0; i < gwi_result_nfs && rc == GW_OK; i++)
        rc = read_f64_ds(g, gwi_result_fs[i].name, what, ne, 0, 0,
                         FIELD(r, dbl_ptr, gwi_result_fs[i]));
    for (size_t j = 0; j < ne && rc == GW_OK; j++) {
        char name[48];
        snprintf(name, sizeof name, "first_stage_%zu", j);
        rc = read_sub(g, name, what, &r->first_stage[j]);
    }
done:
    gwi_strv_free(endog, ne);
    gwi_strv_free(inst, ni);
    return rc;
}

/* "row_index" when present: nobs uint64 values (write_row_index). */
static gw_status read_row_index(hid_t g, const char *what, gw_result *r)
{
    if (H5Lexists(g, "row_index", H5P_DEFAULT) <= 0)
        return GW_OK;
    size_t n = 0;
    gw_status rc = ds_len(g, "row_index", what, &n);
    if (rc != GW_OK)
        return rc;
    if (r->nobs == GW_RESULT_NA || n != r->nobs)
        return gwi_fail(GW_EFORMAT, "%s/row_index: %zu values for %zu observations", what, n,
                        r->nobs);
    uint64_t *u = gw_alloc_array(n ? n : 1, sizeof *u);
    r->row_index = gw_alloc_array(n ? n : 1, sizeof *r->row_index);
    if (u == NULL || r->row_index == NULL) {
        gw_free(u);
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu row indices", n);
    }
    hid_t d = H5Dopen2(g, "row_index", H5P_DEFAULT);
    herr_t st = d < 0 ? -1
                : n   ? H5Dread(d, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, u)
                      : 0;
    if (d >= 0)
        H5Dclose(d);
    for (size_t i = 0; st >= 0 && i < n; i++)
        r->row_index[i] = (size_t)u[i];
    gw_free(u);
    return st < 0 ? gwi_h5_fail(GW_EFORMAT, "%s/row_index: cannot read", what) : GW_OK;
}

/* "fixef" when present (write_fixef): the estimates of each set that has them. */
static gw_status read_fixef(hid_t g, const char *what, gw_result *r)
{
    if (H5Lexists(g, "fixef", H5P_DEFAULT) <= 0)
        return GW_OK;
    gw_status rc = GW_OK;
    for (size_t j = 0; j < r->nfe && rc == GW_OK; j++) {
        char name[48], sub[1400];
        snprintf(name, sizeof name, "fixef/%zu", j);
        if (H5Lexists(g, "fixef", H5P_DEFAULT) <= 0 || H5Lexists(g, name, H5P_DEFAULT) <= 0)
            continue;
        hid_t s = H5Gopen2(g, name, H5P_DEFAULT);
        if (s < 0)
            return gwi_h5_fail(GW_EFORMAT, "%s/%s: cannot open", what, name);
        gw_result_fe *e = &r->fixed_effects[j];
        snprintf(sub, sizeof sub, "%s/%s", what, name);
        rc = read_str_ds(s, "level", sub, GW_RESULT_NA, &e->level_names, &e->neffects);
        if (rc == GW_OK &&
            (e->effects = gw_alloc_array(e->neffects ? e->neffects : 1, sizeof(double))) == NULL)
            rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu effects", e->neffects);
        if (rc == GW_OK)
            rc = read_f64_ds(s, "effect", sub, e->neffects, 0, 0, e->effects);
        H5Gclose(s);
    }
    return rc;
}

static gw_status read_model(hid_t g, const char *what, gw_result **out)
{
    gw_status rc = GW_OK;
    gw_result *r = NULL;
    size_t k = 0, n = 0, nfe = 0, found = 0;
    char **terms = NULL, **fe = NULL;
    uint64_t *felev = NULL;
    double *tmp = NULL;
    if ((rc = ds_len(g, "estimate", what, &k)) != GW_OK || (rc = gw_result_new(k, &r)) != GW_OK)
        goto done;
    for (size_t i = 0; i < gwi_result_nstr && rc == GW_OK; i++)
        rc = read_str_attr(g, gwi_result_str[i].name, what, &FIELD(r, str_ptr, gwi_result_str[i]));
    for (size_t i = 0; i < gwi_result_ndbl && rc == GW_OK; i++)
        rc = read_num_attr(g, gwi_result_dbl[i].name, what, H5T_NATIVE_DOUBLE,
                           &FIELD(r, double, gwi_result_dbl[i]), 1, &found);
    for (size_t i = 0; i < gwi_result_ncnt && rc == GW_OK; i++) {
        uint64_t v = 0;
        rc = read_num_attr(g, gwi_result_cnt[i].name, what, H5T_NATIVE_UINT64, &v, 1, &found);
        if (found)
            FIELD(r, size_t, gwi_result_cnt[i]) = (size_t)v;
    }
    if (rc != GW_OK)
        goto done;
    uint64_t nc[2] = {0, 0};
    if ((rc = read_num_attr(g, "n_clusters", what, H5T_NATIVE_UINT64, nc, 2, &found)) != GW_OK)
        goto done;
    r->n_cluster_vars = found;
    r->n_clusters[0] = (size_t)nc[0];
    r->n_clusters[1] = (size_t)nc[1];
    const struct {
        const char *name;
        int *dst;
    } ints[] = {{"stat_is_z", &r->stat_is_z},
                {"near_singular", &r->near_singular},
                {"converged", &r->converged}};
    for (size_t i = 0; i < NFIELDS(ints); i++) {
        int32_t v = 0;
        if ((rc = read_num_attr(g, ints[i].name, what, H5T_NATIVE_INT32, &v, 1, &found)) != GW_OK)
            goto done;
        if (found)
            *ints[i].dst = (int)v;
    }

    if ((rc = read_str_ds(g, "terms", what, k, &terms, &n)) != GW_OK)
        goto done;
    for (size_t j = 0; j < k; j++) {
        r->terms[j] = terms[j];
        terms[j] = NULL;
    }
    for (size_t i = 0; i < gwi_result_ncoef && rc == GW_OK; i++)
        rc = read_f64_ds(g, gwi_result_coef[i].name, what, k, 0, 0,
                         FIELD(r, dbl_ptr, gwi_result_coef[i]));
    if (rc != GW_OK)
        goto done;
    if ((tmp = gw_alloc_array(k > 0 ? k * k : 1, sizeof *tmp)) == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate a %zu x %zu vcov", k, k);
        goto done;
    }
    if ((rc = read_f64_ds(g, "vcov", what, k, k, 1, tmp)) != GW_OK)
        goto done;
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++)
            r->vcov[i + j * k] = tmp[i * k + j];

    if ((rc = read_str_ds(g, "fixed_effects", what, GW_RESULT_NA, &fe, &nfe)) != GW_OK)
        goto done;
    if ((felev = gw_calloc(nfe ? nfe : 1, sizeof *felev)) == NULL ||
        (r->fixed_effects = gw_calloc(nfe ? nfe : 1, sizeof *r->fixed_effects)) == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu fixed effects", nfe);
        goto done;
    }
    size_t nlev = 0;
    if ((rc = ds_len(g, "fixed_effects_levels", what, &nlev)) != GW_OK)
        goto done;
    if (nlev != nfe) {
        rc = gwi_fail(GW_EFORMAT, "%s: %zu fixed effects but %zu level counts", what, nfe, nlev);
        goto done;
    }
    hid_t d = H5Dopen2(g, "fixed_effects_levels", H5P_DEFAULT);
    herr_t st = d < 0 ? -1
                : nfe ? H5Dread(d, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, felev)
                      : 0;
    if (d >= 0)
        H5Dclose(d);
    if (st < 0) {
        rc = gwi_h5_fail(GW_EFORMAT, "%s/fixed_effects_levels: cannot read", what);
        goto done;
    }
    for (size_t j = 0; j < nfe; j++) {
        r->fixed_effects[j].name = fe[j];
        r->fixed_effects[j].levels = (size_t)felev[j];
        fe[j] = NULL;
    }
    r->nfe = nfe;
    if ((rc = read_str_ds(g, "dropped_collinear", what, GW_RESULT_NA, &r->dropped_collinear,
                          &r->ndropped)) != GW_OK)
        goto done;

    const struct {
        const char *name;
        double **dst;
    } opt[] = {{"residuals", &r->residuals}, {"fitted", &r->fitted}};
    for (size_t i = 0; i < NFIELDS(opt); i++) {
        htri_t ex = H5Lexists(g, opt[i].name, H5P_DEFAULT);
        if (ex <= 0)
            continue;
        if (r->nobs == GW_RESULT_NA) {
            rc = gwi_fail(GW_EFORMAT, "%s has %s but no nobs", what, opt[i].name);
            goto done;
        }
        if ((*opt[i].dst = gw_alloc_array(r->nobs, sizeof(double))) == NULL) {
            rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu %s", r->nobs, opt[i].name);
            goto done;
        }
        if ((rc = read_f64_ds(g, opt[i].name, what, r->nobs, 0, 0, *opt[i].dst)) != GW_OK)
            goto done;
    }
    if ((rc = read_row_index(g, what, r)) != GW_OK || (rc = read_fixef(g, what, r)) != GW_OK)
        goto done;
    if (H5Lexists(g, "factor_levels", H5P_DEFAULT) > 0 &&
        (rc = read_str_ds(g, "factor_levels", what, GW_RESULT_NA, &r->factor_levels,
                          &r->nfactor_levels)) != GW_OK)
        goto done;
    if ((rc = read_poly(g, what, r)) != GW_OK)
        goto done;
    rc = read_iv_glm(g, what, r);
done:
    gwi_strv_free(terms, n);
    gwi_strv_free(fe, nfe);
    gw_free(felev);
    gw_free(tmp);
    if (rc != GW_OK) {
        gw_result_free(r);
        return rc;
    }
    *out = r;
    return GW_OK;
}

gw_status gw_results_get(const gw_results *res, const char *name, gw_result **out)
{
    gw_status rc = GW_OK;
    gwi_h5_quiet q;
    char what[1200];
    *out = NULL;
    if (find_model(res, name) < 0)
        return gwi_fail(GW_ENOVAR, "%s has no model '%s'", gwi_base(res->path),
                        name ? name : "(null)");
    snprintf(what, sizeof what, "%s: /models/%s", gwi_base(res->path), name);
    gwi_h5_quiet_begin(&q);
    hid_t models = H5Gopen2(res->file, "models", H5P_DEFAULT);
    hid_t g = models >= 0 ? H5Gopen2(models, name, H5P_DEFAULT) : -1;
    if (g < 0)
        rc = gwi_h5_fail(GW_EFORMAT, "%s: cannot open", what);
    else
        rc = read_model(g, what, out);
    if (g >= 0)
        H5Gclose(g);
    if (models >= 0)
        H5Gclose(models);
    gwi_h5_quiet_end(&q);
    return rc;
}

/* ---- analysis groups ------------------------------------------------------------------------ */

/* An absolute path with non-empty components other than "." and "..". */
static int valid_group_path(const char *g)
{
    if (g == NULL || g[0] != '/' || g[1] == '\0')
        return 0;
    const char *p = g + 1;
    while (*p != '\0') {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
            return 0;
        p += len;
        if (*p == '/')
            p++;
        if (slash != NULL && *p == '\0')
            return 0; /* trailing slash */
    }
    return 1;
}

static gw_status check_items(const gw_h5_item *items, size_t n, const gw_h5_attr *attrs, size_t na,
                             const char *group)
{
    if (n > 0 && items == NULL)
        return gwi_fail(GW_EINVAL, "%s: NULL item list", group);
    if (na > 0 && attrs == NULL)
        return gwi_fail(GW_EINVAL, "%s: NULL attribute list", group);
    for (size_t i = 0; i < n; i++) {
        const gw_h5_item *it = &items[i];
        size_t cnt = it->rows * (it->cols ? it->cols : 1);
        if (it->name == NULL || it->name[0] == '\0' || it->name[0] == '/')
            return gwi_fail(GW_EINVAL, "%s: dataset %zu has no (relative) name", group, i + 1);
        int has = (it->kind == GW_H5_F64 && it->f64 != NULL) ||
                  (it->kind == GW_H5_I64 && it->i64 != NULL) ||
                  (it->kind == GW_H5_STR && it->str != NULL);
        if (cnt > 0 && !has)
            return gwi_fail(GW_EINVAL, "%s: dataset '%s' has no data", group, it->name);
        if (it->kind == GW_H5_STR)
            for (size_t k = 0; k < cnt; k++)
                if (it->str[k] == NULL)
                    return gwi_fail(GW_EINVAL, "%s: dataset '%s': string %zu is NULL", group,
                                    it->name, k);
    }
    for (size_t i = 0; i < na; i++)
        if (attrs[i].name == NULL || attrs[i].name[0] == '\0' ||
            (attrs[i].kind == GW_H5_STR && attrs[i].str == NULL))
            return gwi_fail(GW_EINVAL, "%s: attribute %zu has no name or value", group, i + 1);
    return GW_OK;
}

/* Writes one item below g, creating intermediate groups of its name. */
static herr_t write_item(hid_t g, const gw_h5_item *it)
{
    hsize_t dims[2] = {it->rows, it->cols};
    int rank = it->cols ? 2 : 1;
    size_t cnt = it->rows * (it->cols ? it->cols : 1);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE), s = -1, t = -1, d = -1;
    herr_t st = -1;
    if (lcpl < 0 || H5Pset_create_intermediate_group(lcpl, 1) < 0)
        goto out;
    if ((s = H5Screate_simple(rank, dims, NULL)) < 0)
        goto out;
    hid_t ftype = it->kind == GW_H5_F64   ? H5T_IEEE_F64LE
                  : it->kind == GW_H5_I64 ? H5T_STD_I64LE
                                          : (t = gwi_h5_vlen_str_type());
    hid_t mtype = it->kind == GW_H5_F64   ? H5T_NATIVE_DOUBLE
                  : it->kind == GW_H5_I64 ? H5T_NATIVE_INT64
                                          : t;
    if (ftype < 0)
        goto out;
    if ((d = H5Dcreate2(g, it->name, ftype, s, lcpl, H5P_DEFAULT, H5P_DEFAULT)) < 0)
        goto out;
    const void *buf = it->kind == GW_H5_F64   ? (const void *)it->f64
                      : it->kind == GW_H5_I64 ? (const void *)it->i64
                                              : (const void *)it->str;
    st = cnt > 0 ? H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) : 0;
out:
    if (d >= 0 && H5Dclose(d) < 0)
        st = -1;
    if (t >= 0)
        H5Tclose(t);
    if (s >= 0)
        H5Sclose(s);
    if (lcpl >= 0)
        H5Pclose(lcpl);
    return st;
}

static herr_t write_group_attr(hid_t g, const gw_h5_attr *a)
{
    if (a->kind == GW_H5_STR)
        return gwi_attr_str(g, a->name, a->str);
    if (a->kind == GW_H5_F64)
        return gwi_attr_f64(g, a->name, a->f64);
    hid_t s = H5Screate(H5S_SCALAR), at = -1;
    herr_t st = -1;
    if (s >= 0 && H5Aexists(g, a->name) > 0)
        H5Adelete(g, a->name);
    if (s >= 0)
        at = H5Acreate2(g, a->name, H5T_STD_I64LE, s, H5P_DEFAULT, H5P_DEFAULT);
    if (at >= 0)
        st = H5Awrite(at, H5T_NATIVE_INT64, &a->i64);
    if (at >= 0 && H5Aclose(at) < 0)
        st = -1;
    if (s >= 0)
        H5Sclose(s);
    return st;
}

gw_status gw_results_append_group(const char *path, const char *group, const gw_h5_item *items,
                                  size_t nitems, const gw_h5_attr *attrs, size_t nattrs,
                                  const gw_provenance *prov, unsigned flags)
{
    gw_status rc = GW_OK;
    gwi_h5_quiet q;
    gwi_atomic w = GWI_ATOMIC_INIT;
    char created[32], what[1200];
    hid_t fapl = -1, file = -1, lcpl = -1, g = -1;
    int existed = 0;
    if (path == NULL || group == NULL)
        return gwi_fail(GW_EINVAL, "gw_results_append_group: NULL path or group");
    if (!valid_group_path(group))
        return gwi_fail(GW_EINVAL, "group '%s' is not an absolute path of named components", group);
    if ((rc = check_items(items, nitems, attrs, nattrs, group)) != GW_OK)
        return rc;
    created_utc(prov, created);
    snprintf(what, sizeof what, "%s: %s", gwi_base(path), group);

    gwi_h5_quiet_begin(&q);
    if ((rc = open_for_append(path, &w, &existed, &fapl, &file)) != GW_OK)
        goto done;
    /* H5Lexists fails on a path whose parent is missing; walk it a component at a time. */
    htri_t ex = 1;
    {
        char part[1024];
        size_t len = strlen(group);
        for (size_t i = 1; i <= len && ex > 0; i++) {
            if (group[i] != '/' && group[i] != '\0')
                continue;
            if (i >= sizeof part) {
                ex = -1;
                break;
            }
            memcpy(part, group, i);
            part[i] = '\0';
            ex = H5Lexists(file, part, H5P_DEFAULT);
        }
    }
    if (ex > 0 && !(flags & GW_RESULTS_REPLACE)) {
        rc = gwi_fail(GW_EINVAL, "%s exists already", what);
        goto done;
    }
    if (ex > 0 && H5Ldelete(file, group, H5P_DEFAULT) < 0) {
        rc = gwi_h5_fail(GW_EIO, "%s: cannot replace", what);
        goto done;
    }
    if ((lcpl = H5Pcreate(H5P_LINK_CREATE)) < 0 || H5Pset_create_intermediate_group(lcpl, 1) < 0 ||
        (g = H5Gcreate2(file, group, lcpl, H5P_DEFAULT, H5P_DEFAULT)) < 0) {
        rc = gwi_h5_fail(GW_EIO, "%s: cannot create the group", what);
        goto done;
    }
    for (size_t i = 0; i < nitems; i++)
        if (write_item(g, &items[i]) < 0) {
            rc = gwi_h5_fail(GW_EIO, "%s: cannot write dataset '%s'", what, items[i].name);
            goto done;
        }
    for (size_t i = 0; i < nattrs; i++)
        if (write_group_attr(g, &attrs[i]) < 0) {
            rc = gwi_h5_fail(GW_EIO, "%s: cannot write attribute '%s'", what, attrs[i].name);
            goto done;
        }
    rc = seal_write(&file, &g, prov, created, what, path, &w);
done:
    if (g >= 0)
        H5Gclose(g);
    if (lcpl >= 0)
        H5Pclose(lcpl);
    if (file >= 0)
        H5Fclose(file);
    if (fapl >= 0)
        H5Pclose(fapl);
    if (rc != GW_OK)
        gwi_atomic_abort(&w);
    gwi_h5_quiet_end(&q);
    return rc;
}
