/* hdf5_table.c -- data tables in HDF5: one 1-D dataset per column (gw_hdf5.h). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_codes.h"
#include "gw_hdf5.h"
#include "hdf5_int.h"
#include "io_int.h"

/* ---- writing ------------------------------------------------------------------------------ */

/* Choice of filters, chunk size and integer datasets, by measurement (bench/bench_h5read.c:
 * `bench_h5read filters --rows 2e6 --reps 3 --real datasets/uk_la_panel.h5`, one column of 2e6
 * rows, page cache warm, 2 shared cores; write seconds, saving against 8 bytes a value, median
 * read seconds on 1 / 2 threads through gw_h5_table_read):
 *
 *   column                storage        write    saving   read 1T / 2T
 *   N(0,1) doubles        none           0.025 s  (-1.6%)  0.004-0.009 s
 *                         shuffle+defl 1 0.32 s   10.6%    0.035 / 0.019 s
 *                         shuffle+defl 4 0.38 s   11.5%    0.035 / 0.039 s
 *                         shuffle+defl 6 0.61 s   11.7%    0.048 / 0.036 s
 *   integers 0..99,999    float64, sd4   0.35 s   70.4%    0.064 / 0.070 s
 *                         int32, none    0.04 s   49.2%    0.005-0.010 s
 *                         int32, sd1/4/6 0.20/0.68/0.52 s  72.0/72.7/72.9%  0.03-0.09 s
 *   uk_la_panel /data     float64, sd1/4/6                 52.4/53.6/58.5%
 *   (26 columns x 5,400)  ints as int32, sd4               53.7% (none: 3.6%)
 *
 * Decisions. (1) Random doubles gain only 11-12% from shuffle + deflate at any level, for 13-25
 * times the write time and several times the read time (inflate runs at ~0.5 GB/s a core; an
 * unfiltered chunk is a copy from the page cache): a column is compressed only when a sample of
 * its chunks saves at least GW_H5_MIN_SAVING_PCT = 15%, between the 12% of noise and the 50-70%
 * of integers, counts, rates and shares (the real panel's float columns save 17-64% each).
 * (2) Integer-valued columns without NaN are stored as int32 (int64 beyond): half the bytes
 * before compression, a slightly better ratio after it (72.7% against 70.4%), and half the bytes
 * to inflate when read. (3) Deflate level 4: level 1 loses 1-4 points of saving, level 6 gains
 * at most 5 points on real data at up to 1.6 times the write time; reads do not depend on it.
 * (4) Chunks of 64 Ki rows: 256 Ki and 1 Mi rows save at most 0.5 point more, waste up to a
 * whole chunk at the end of an unfiltered column (+3% for 2e6 rows at 1 Mi), make the sample
 * of worth_compressing 4-16 times dearer, and overflow the 1 MiB chunk cache of the streaming
 * reader (gw_h5stream), which then inflates a chunk once per range it reads. */

/* How a numeric column is stored: float64, or an integer dataset when every value is an
 * integer that the integer type holds and that converts back to the same double (no NaN, no
 * -0, |v| < 2^53: int64 -> double is exact there). */
typedef enum { ST_F64, ST_I32, ST_I64 } num_storage;

static num_storage numeric_storage(const double *v, size_t n)
{
    const double lim = 9007199254740992.0; /* 2^53 */
    int fits32 = 1;
    for (size_t i = 0; i < n; i++) {
        double x = v[i];
        if (!(x > -lim && x < lim) || x != (double)(int64_t)x || (x == 0 && signbit(x)))
            return ST_F64;
        if (x < (double)INT32_MIN || x > (double)INT32_MAX)
            fits32 = 0;
    }
    return n == 0 ? ST_F64 : fits32 ? ST_I32 : ST_I64;
}

/* 1 when shuffle + deflate at `level` saves at least GW_H5_MIN_SAVING_PCT percent of the raw
 * bytes of up to three chunks of the column (first, middle, last), the way HDF5 would compress
 * them; 0 otherwise; -1 when there is no memory to try (GW_ENOMEM for the caller, like any
 * other allocation, so that fault-injection sweeps see it). */
static int worth_compressing(const unsigned char *data, size_t n, size_t esize, size_t chunk,
                             unsigned level)
{
    size_t nch = (n + chunk - 1) / chunk, pick[3] = {0, nch / 2, nch ? nch - 1 : 0};
    size_t bytes = chunk * esize;
    uLong bound = compressBound((uLong)bytes);
    unsigned char *shuf = gw_malloc(bytes), *z = gw_malloc(bound);
    uint64_t raw = 0, packed = 0;
    if (shuf == NULL || z == NULL) {
        gw_free(z);
        gw_free(shuf);
        return -1;
    }
    int ok = 1;
    for (size_t t = 0; ok && t < 3; t++) {
        if (t > 0 && pick[t] == pick[t - 1])
            continue;
        /* The first chunk decides when it is far from the threshold (saving below 2/3 of it or
         * above twice it): random doubles (11-12%) and integers (50-73%) cost one trial, not
         * three; only a column near the line is sampled at its middle and end too. */
        if (t == 1 && raw > 0 &&
            (packed * 100 >= raw * (100 - 2 * GW_H5_MIN_SAVING_PCT / 3) ||
             packed * 100 <= raw * (100 - 2 * GW_H5_MIN_SAVING_PCT)))
            break;
        size_t first = pick[t] * chunk, m = n - first < chunk ? n - first : chunk;
        const unsigned char *src = data + first * esize;
        for (size_t i = 0; i < m; i++) /* HDF5's shuffle: byte b of element i at b*m + i */
            for (size_t b = 0; b < esize; b++)
                shuf[b * m + i] = src[i * esize + b];
        uLongf zlen = bound;
        ok = compress2(z, &zlen, shuf, (uLong)(m * esize), (int)level) == Z_OK;
        raw += m * esize;
        packed += zlen;
    }
    gw_free(z);
    gw_free(shuf);
    return ok && raw > 0 && packed * 100 <= raw * (100 - GW_H5_MIN_SAVING_PCT);
}

/* The dataset creation property list of a column of n rows. */
static hid_t column_dcpl(size_t n, size_t chunk_rows, int compress, unsigned level)
{
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (dcpl < 0)
        return dcpl;
    hsize_t chunk[1] = {n < chunk_rows ? (n ? n : 1) : chunk_rows};
    /* No modification times: the same table must give the same bytes (reproducible files). */
    if (H5Pset_obj_track_times(dcpl, 0) < 0 || H5Pset_chunk(dcpl, 1, chunk) < 0 ||
        (compress && (H5Pset_shuffle(dcpl) < 0 || H5Pset_deflate(dcpl, level) < 0))) {
        H5Pclose(dcpl);
        return -1;
    }
    return dcpl;
}

/* The categorical form of numeric values v[0..n): levels = the distinct non-NaN values in
 * increasing order (-0 as 0) named by gwi_fmt_shortest, codes = their indices (NaN: -1). In
 * O(n) by gw_codes_from_double (a sort of the n values was a fifth of `convert --factor`). */
static gw_status factor_codes(const double *v, size_t n, const char *name, int32_t **codes,
                              char ***levels, size_t *nl)
{
    gw_status rc = GW_OK;
    size_t m = 0, k = 0, *rows = NULL;
    double *u = NULL;
    int32_t *c = NULL;
    *levels = NULL;
    *nl = 0;
    for (size_t i = 0; i < n; i++)
        m += isnan(v[i]) ? 0u : 1u;
    if ((*codes = gw_alloc_array(n ? n : 1, sizeof **codes)) == NULL ||
        (m < n && ((rows = gw_alloc_array(m ? m : 1, sizeof *rows)) == NULL ||
                   (c = gw_alloc_array(m ? m : 1, sizeof *c)) == NULL))) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the levels of %s", name);
        goto done;
    }
    if (m < n)
        for (size_t i = 0, j = 0; i < n; i++)
            if (!isnan(v[i]))
                rows[j++] = i;
    rc = gw_codes_from_double(v, rows, m, m < n ? c : *codes, &u, &k);
    if (rc == GW_EINVAL)
        rc = gwi_fail(GW_EINVAL, "column %s has more than %ld distinct values (a factor's limit)",
                      name, (long)INT32_MAX);
    if (rc != GW_OK)
        goto done;
    if (m < n) {
        for (size_t i = 0; i < n; i++)
            (*codes)[i] = GW_CODE_MISSING;
        for (size_t j = 0; j < m; j++)
            (*codes)[rows[j]] = c[j];
    }
    if ((*levels = gw_calloc(k ? k : 1, sizeof **levels)) == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the levels of %s", name);
        goto done;
    }
    for (*nl = 0; *nl < k; (*nl)++) {
        char buf[40];
        gwi_fmt_shortest(u[*nl], buf, sizeof buf);
        if (((*levels)[*nl] = gw_strdup(buf)) == NULL) {
            rc = gwi_fail(GW_ENOMEM, "cannot allocate the levels of %s", name);
            goto done;
        }
    }
done:
    gw_free(u);
    gw_free(rows);
    gw_free(c);
    if (rc != GW_OK) {
        gwi_strv_free(*levels, *nl);
        gw_free(*codes);
        *levels = NULL;
        *codes = NULL;
        *nl = 0;
    }
    return rc;
}

/* What one column becomes in the file: its element types, its values in memory (borrowed from
 * the table or owned here), and for categorical columns its levels. */
typedef struct {
    hid_t ftype, mtype;
    size_t esize;
    const void *data;
    void *owned;         /* converted values or codes (gw_free) */
    const char **levels; /* level names (borrowed), categorical only */
    char **own_levels;   /* levels made by factor_codes */
    size_t nlevels;
    int categorical;
    int integer; /* an integer dataset of a numeric column */
} col_data;

static void col_data_free(col_data *c)
{
    gw_free(c->owned);
    gw_free(c->levels);
    gwi_strv_free(c->own_levels, c->nlevels);
}

/* Fills c for column j of t: categorical as it is, or made so when factor is set; numeric as
 * float64 or, unless float_only, as integers when numeric_storage allows. */
static gw_status column_data(const gw_table *t, size_t j, int factor, int float_only, col_data *c)
{
    size_t n = gw_table_nrows(t);
    const char *name = gw_table_colname(t, j);
    memset(c, 0, sizeof *c);
    c->ftype = H5T_IEEE_F64LE;
    c->mtype = H5T_NATIVE_DOUBLE;
    c->esize = 8;
    c->data = gw_table_numeric(t, j);
    if (gw_table_coltype(t, j) == GW_COL_CATEGORICAL || factor) {
        c->categorical = 1;
        c->ftype = H5T_STD_I32LE;
        c->mtype = H5T_NATIVE_INT32;
        c->esize = 4;
        if (gw_table_coltype(t, j) == GW_COL_CATEGORICAL) {
            c->data = gw_table_codes(t, j);
            c->nlevels = gw_table_nlevels(t, j);
        } else {
            int32_t *codes = NULL;
            gw_status rc = factor_codes(c->data, n, name, &codes, &c->own_levels, &c->nlevels);
            if (rc != GW_OK)
                return rc;
            c->data = c->owned = codes;
        }
        if ((c->levels = gw_calloc(c->nlevels ? c->nlevels : 1, sizeof *c->levels)) == NULL)
            return gwi_fail(GW_ENOMEM, "cannot allocate %zu levels", c->nlevels);
        for (size_t l = 0; l < c->nlevels; l++)
            c->levels[l] = c->own_levels ? c->own_levels[l] : gw_table_level(t, j, l);
        return GW_OK;
    }
    num_storage st = float_only ? ST_F64 : numeric_storage(c->data, n);
    if (st == ST_F64)
        return GW_OK;
    const double *v = c->data;
    c->integer = 1;
    c->esize = st == ST_I32 ? 4 : 8;
    c->ftype = st == ST_I32 ? H5T_STD_I32LE : H5T_STD_I64LE;
    c->mtype = st == ST_I32 ? H5T_NATIVE_INT32 : H5T_NATIVE_INT64;
    if ((c->owned = gw_alloc_array(n, c->esize)) == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu integers for %s", n, name);
    if (st == ST_I32)
        for (size_t i = 0; i < n; i++)
            ((int32_t *)c->owned)[i] = (int32_t)v[i];
    else
        for (size_t i = 0; i < n; i++)
            ((int64_t *)c->owned)[i] = (int64_t)v[i];
    c->data = c->owned;
    return GW_OK;
}

/* The options with defaults filled in. */
typedef struct {
    size_t chunk_rows;
    gw_h5_compress compress;
    unsigned level, flags;
    const char *const *factors;
    size_t nfactors;
} write_cfg;

/* Writes column j of t as dataset `name` of grp. */
static gw_status write_column(hid_t grp, const gw_table *t, size_t j, const write_cfg *cfg,
                              const char *path, const char *group)
{
    gw_status rc = GW_OK;
    size_t n = gw_table_nrows(t);
    const char *name = gw_table_colname(t, j);
    hsize_t dims[1] = {n};
    hid_t space = -1, dcpl = -1, ds = -1;
    col_data c;
    int factor = 0;
    for (size_t f = 0; f < cfg->nfactors; f++)
        factor |= strcmp(cfg->factors[f], name) == 0;
    if ((rc = column_data(t, j, factor, (cfg->flags & GW_H5_FLOAT_ONLY) != 0, &c)) != GW_OK)
        goto done;
    int compress = cfg->compress == GW_H5_COMPRESS_ALWAYS;
    if (cfg->compress == GW_H5_COMPRESS_AUTO && n > 0) {
        size_t chunk = n < cfg->chunk_rows ? n : cfg->chunk_rows;
        if ((compress = worth_compressing(c.data, n, c.esize, chunk, cfg->level)) < 0) {
            rc = gwi_fail(GW_ENOMEM, "cannot allocate a trial chunk for %s", name);
            goto done;
        }
    }
    if ((space = H5Screate_simple(1, dims, NULL)) < 0 ||
        (dcpl = column_dcpl(n, cfg->chunk_rows, compress, cfg->level)) < 0) {
        rc = gwi_h5_fail(GW_EIO, "%s: cannot set up %s/%s", path, group, name);
        goto done;
    }
    if ((ds = H5Dcreate2(grp, name, c.ftype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT)) < 0) {
        rc = gwi_h5_fail(GW_EIO, "%s: cannot create %s/%s", path, group, name);
        goto done;
    }
    if (n > 0 && H5Dwrite(ds, c.mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, c.data) < 0) {
        rc = gwi_h5_fail(GW_EIO, "%s: cannot write %s/%s", path, group, name);
        goto done;
    }
    if (c.categorical && gwi_attr_strs(ds, "levels", c.levels, c.nlevels) < 0) {
        rc = gwi_h5_fail(GW_EIO, "%s: cannot write the levels of %s/%s", path, group, name);
        goto done;
    }
    if (c.integer && gwi_attr_str(ds, "kind", "numeric") < 0) {
        rc = gwi_h5_fail(GW_EIO, "%s: cannot write the kind of %s/%s", path, group, name);
        goto done;
    }
done:
    col_data_free(&c);
    if (ds >= 0 && H5Dclose(ds) < 0 && rc == GW_OK)
        rc = gwi_h5_fail(GW_EIO, "%s: cannot close %s/%s", path, group, name);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

/* Writes t as group `group` into the open file. */
static gw_status write_group(hid_t file, const gw_table *t, const write_cfg *cfg, const char *path,
                             const char *group, int append)
{
    gw_status rc = GW_OK;
    hid_t lcpl = -1, gcpl = -1, grp = -1;
    const char **names = NULL;
    size_t p = gw_table_ncols(t);
    if (append && strcmp(group, "/") != 0) {
        /* H5Lexists fails on missing intermediate groups; an H5Oexists-like walk is overkill
         * here, so a failed open of the object is taken as "absent". */
        hid_t o = H5Oopen(file, group, H5P_DEFAULT);
        if (o >= 0) {
            H5Oclose(o);
            rc = gwi_fail(GW_EINVAL, "%s: %s exists already", path, group);
            goto done;
        }
        H5Eclear2(H5E_DEFAULT);
    }
    if ((lcpl = H5Pcreate(H5P_LINK_CREATE)) < 0 || H5Pset_create_intermediate_group(lcpl, 1) < 0 ||
        (gcpl = H5Pcreate(H5P_GROUP_CREATE)) < 0 || H5Pset_obj_track_times(gcpl, 0) < 0 ||
        H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0) {
        rc = gwi_h5_fail(GW_EIO, "%s: cannot make property lists", path);
        goto done;
    }
    if (strcmp(group, "/") == 0)
        grp = H5Gopen2(file, "/", H5P_DEFAULT);
    else
        grp = H5Gcreate2(file, group, lcpl, gcpl, H5P_DEFAULT);
    if (grp < 0) {
        rc = gwi_h5_fail(GW_EIO, "%s: cannot create group %s", path, group);
        goto done;
    }
    if ((names = gw_calloc(p ? p : 1, sizeof *names)) == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu column names", p);
        goto done;
    }
    for (size_t j = 0; j < p; j++) {
        names[j] = gw_table_colname(t, j);
        if (strchr(names[j], '/') != NULL || strcmp(names[j], ".") == 0) {
            rc = gwi_fail(GW_EINVAL, "%s: column name '%s' cannot be an HDF5 dataset name", path,
                          names[j]);
            goto done;
        }
    }
    if (gwi_attr_strs(grp, "columns", names, p) < 0) {
        rc = gwi_h5_fail(GW_EIO, "%s: cannot write the columns attribute of %s", path, group);
        goto done;
    }
    for (size_t j = 0; j < p && rc == GW_OK; j++)
        rc = write_column(grp, t, j, cfg, path, group);
done:
    gw_free(names);
    if (grp >= 0 && H5Gclose(grp) < 0 && rc == GW_OK)
        rc = gwi_h5_fail(GW_EIO, "%s: cannot close group %s", path, group);
    if (gcpl >= 0)
        H5Pclose(gcpl);
    if (lcpl >= 0)
        H5Pclose(lcpl);
    return rc;
}

/* Fills cfg from opts (NULL: defaults) and checks it against t. */
static gw_status write_config(const gw_table *t, const gw_h5_write_opts *opts, write_cfg *cfg)
{
    gw_h5_write_opts o = opts ? *opts : (gw_h5_write_opts){0};
    cfg->chunk_rows = o.chunk_rows ? o.chunk_rows : GW_H5_CHUNK_ROWS;
    cfg->compress = o.compress;
    cfg->level = o.deflate_level ? o.deflate_level : GW_H5_DEFLATE_LEVEL;
    cfg->flags = o.flags;
    cfg->factors = o.nfactors ? o.factors : NULL;
    cfg->nfactors = cfg->factors ? o.nfactors : 0;
    if (cfg->level > 9 || (unsigned)cfg->compress > GW_H5_COMPRESS_ALWAYS ||
        cfg->chunk_rows > ((size_t)1 << 27))
        return gwi_fail(GW_EINVAL,
                        "gw_h5_table_write_opts: deflate level %u, compression %d or "
                        "chunk of %zu rows out of range",
                        cfg->level, (int)cfg->compress, cfg->chunk_rows);
    for (size_t f = 0; f < cfg->nfactors; f++) {
        if (cfg->factors[f] == NULL || gw_table_find(t, cfg->factors[f]) < 0)
            return gwi_fail(GW_ENOVAR, "no column '%s' to store as a factor",
                            cfg->factors[f] ? cfg->factors[f] : "(null)");
        for (size_t g = 0; g < f; g++)
            if (strcmp(cfg->factors[f], cfg->factors[g]) == 0)
                return gwi_fail(GW_EINVAL, "factor column '%s' named twice", cfg->factors[f]);
    }
    return GW_OK;
}

gw_status gw_h5_table_write_opts(const gw_table *t, const char *path, const char *group,
                                 const gw_h5_write_opts *opts)
{
    gw_status rc = GW_OK;
    gwi_h5_quiet q;
    gwi_atomic w = GWI_ATOMIC_INIT;
    hid_t fapl = -1, fcpl = -1, file = -1;
    write_cfg cfg;
    if (t == NULL || path == NULL)
        return gwi_fail(GW_EINVAL, "gw_h5_table_write: NULL table or path");
    if ((rc = write_config(t, opts, &cfg)) != GW_OK)
        return rc;
    int existed = 0, append = (cfg.flags & GW_H5_APPEND) != 0;
    if (group == NULL)
        group = GW_H5_DEFAULT_GROUP;
    gwi_h5_quiet_begin(&q);
    if ((rc = gwi_atomic_begin(&w, path, "data file", append, &existed)) != GW_OK)
        goto done;
    if ((fapl = gwi_h5_fapl()) < 0) {
        rc = gwi_h5_fail(GW_EIO, "%s: cannot make a file access property list", path);
        goto done;
    }
    /* The root group, too, without modification times. */
    if ((fcpl = H5Pcreate(H5P_FILE_CREATE)) < 0 || H5Pset_obj_track_times(fcpl, 0) < 0) {
        rc = gwi_h5_fail(GW_EIO, "%s: cannot make a file creation property list", path);
        goto done;
    }
    if (append && existed)
        file = H5Fopen(w.tmp, H5F_ACC_RDWR, fapl);
    else
        file = H5Fcreate(w.tmp, H5F_ACC_TRUNC, fcpl, fapl);
    if (file < 0) {
        rc = gwi_h5_fail(GW_EIO, "%s: cannot %s", path,
                         append && existed ? "open the existing file as HDF5" : "create");
        goto done;
    }
    rc = write_group(file, t, &cfg, path, group, append && existed);
    herr_t st = H5Fclose(file);
    file = -1;
    if (st < 0 && rc == GW_OK)
        rc = gwi_h5_fail(GW_EIO, "%s: cannot finish writing", path);
    if (rc == GW_OK)
        rc = gwi_atomic_commit(&w, path);
done:
    if (file >= 0)
        H5Fclose(file);
    if (fcpl >= 0)
        H5Pclose(fcpl);
    if (fapl >= 0)
        H5Pclose(fapl);
    if (rc != GW_OK)
        gwi_atomic_abort(&w);
    gwi_h5_quiet_end(&q);
    return rc;
}

gw_status gw_h5_table_write_ex(const gw_table *t, const char *path, const char *group,
                               unsigned flags)
{
    gw_h5_write_opts o = {.flags = flags & GW_H5_APPEND};
    return gw_h5_table_write_opts(t, path, group, &o);
}

gw_status gw_h5_table_write(const gw_table *t, const char *path, const char *group)
{
    return gw_h5_table_write_ex(t, path, group, 0);
}

/* Changes the existing HDF5 file path atomically: edit(file, path, ctx) works on a copy
 * opened read-write, which is then renamed over path (gw_h5_link_soft, gw_h5_attr_set_str). */
static gw_status edit_existing(const char *path, gw_status (*edit)(hid_t, const char *, void *),
                               void *ctx)
{
    gw_status rc = GW_OK;
    gwi_h5_quiet q;
    gwi_atomic w = GWI_ATOMIC_INIT;
    hid_t fapl = -1, file = -1;
    int existed = 0;
    gwi_h5_quiet_begin(&q);
    if ((rc = gwi_atomic_begin(&w, path, "data file", 1, &existed)) != GW_OK)
        goto done;
    if (!existed) {
        rc = gwi_fail(GW_EIO, "%s: no such file", path);
        goto done;
    }
    if ((fapl = gwi_h5_fapl()) < 0 || (file = H5Fopen(w.tmp, H5F_ACC_RDWR, fapl)) < 0) {
        rc = gwi_h5_fail(GW_EIO, "%s: cannot open the existing file as HDF5", path);
        goto done;
    }
    if ((rc = edit(file, path, ctx)) != GW_OK)
        goto done;
    herr_t st = H5Fclose(file);
    file = -1;
    if (st < 0) {
        rc = gwi_h5_fail(GW_EIO, "%s: cannot finish writing", path);
        goto done;
    }
    rc = gwi_atomic_commit(&w, path);
done:
    if (file >= 0)
        H5Fclose(file);
    if (fapl >= 0)
        H5Pclose(fapl);
    if (rc != GW_OK)
        gwi_atomic_abort(&w);
    gwi_h5_quiet_end(&q);
    return rc;
}

static gw_status add_soft_link(hid_t file, const char *path, void *ctx)
{
    const char *const *lt = ctx; /* link, target */
    gw_status rc = GW_OK;
    hid_t lcpl = -1;
    /* As in write_group: a failed open of the object is taken as "absent". */
    hid_t o = H5Oopen(file, lt[0], H5P_DEFAULT);
    if (o >= 0 || H5Lexists(file, lt[0], H5P_DEFAULT) > 0) {
        if (o >= 0)
            H5Oclose(o);
        return gwi_fail(GW_EINVAL, "%s: %s exists already", path, lt[0]);
    }
    H5Eclear2(H5E_DEFAULT);
    if ((lcpl = H5Pcreate(H5P_LINK_CREATE)) < 0 || H5Pset_create_intermediate_group(lcpl, 1) < 0 ||
        H5Lcreate_soft(lt[1], file, lt[0], lcpl, H5P_DEFAULT) < 0)
        rc = gwi_h5_fail(GW_EIO, "%s: cannot link %s to %s", path, lt[0], lt[1]);
    if (lcpl >= 0)
        H5Pclose(lcpl);
    return rc;
}

gw_status gw_h5_link_soft(const char *path, const char *link, const char *target)
{
    if (path == NULL || link == NULL || target == NULL)
        return gwi_fail(GW_EINVAL, "gw_h5_link_soft: NULL argument");
    const char *lt[2] = {link, target};
    return edit_existing(path, add_soft_link, (void *)lt);
}

static gw_status set_str_attr(hid_t file, const char *path, void *ctx)
{
    const char *const *ov = ctx; /* object, name, value */
    gw_status rc = GW_OK;
    hid_t o = -1;
    if ((strcmp(ov[0], "/") != 0 && H5Lexists(file, ov[0], H5P_DEFAULT) <= 0) ||
        (o = H5Oopen(file, ov[0], H5P_DEFAULT)) < 0)
        rc = gwi_fail(GW_ENOVAR, "%s: no object %s", path, ov[0]);
    else if (gwi_attr_str(o, ov[1], ov[2]) < 0)
        rc = gwi_h5_fail(GW_EIO, "%s: cannot write attribute %s of %s", path, ov[1], ov[0]);
    if (o >= 0)
        H5Oclose(o);
    return rc;
}

gw_status gw_h5_attr_set_str(const char *path, const char *object, const char *name,
                             const char *value)
{
    if (path == NULL || object == NULL || name == NULL || value == NULL)
        return gwi_fail(GW_EINVAL, "gw_h5_attr_set_str: NULL argument");
    const char *ov[3] = {object, name, value};
    return edit_existing(path, set_str_attr, (void *)ov);
}

/* ---- reading ------------------------------------------------------------------------------ */

/* Lists the columns of grp: the names of its `columns` attribute first, in that order, then any
 * dataset the attribute does not name (one added by another tool), by creation order when the
 * group tracks it, else by name. Every name listed by the attribute must be a dataset (checked
 * by the caller when it opens it). */
static gw_status list_columns(hid_t grp, const char *what, char ***names, size_t *n)
{
    gw_status rc = GW_OK;
    char **attr = NULL;
    size_t nattr = 0;
    char **found = NULL;
    size_t nfound = 0;
    *names = NULL;
    *n = 0;
    htri_t has = H5Aexists(grp, "columns");
    if (has < 0)
        return gwi_h5_fail(GW_EFORMAT, "%s: cannot read its attributes", what);
    if (has > 0) {
        char buf[1200];
        snprintf(buf, sizeof buf, "%s attribute 'columns'", what);
        hid_t a = H5Aopen(grp, "columns", H5P_DEFAULT);
        if (a < 0)
            return gwi_h5_fail(GW_EFORMAT, "%s: cannot open", buf);
        rc = gwi_read_strs(a, 1, buf, &attr, &nattr);
        H5Aclose(a);
        if (rc != GW_OK)
            return rc;
    }
    if ((rc = gwi_h5_list_members(grp, H5I_DATASET, what, &found, &nfound)) != GW_OK)
        goto done;
    /* Merge: the attribute's names, then the unlisted datasets (moved, not copied). */
    char **all = gw_calloc(nattr + nfound + 1, sizeof *all);
    if (all == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot list %zu columns", nattr + nfound);
        goto done;
    }
    size_t m = 0;
    for (size_t i = 0; i < nattr; i++) {
        for (size_t j = 0; j < i; j++)
            if (strcmp(attr[i], all[j]) == 0) {
                gwi_strv_free(all, m);
                rc = gwi_fail(GW_EFORMAT, "%s attribute 'columns' names '%s' twice", what, attr[i]);
                goto done;
            }
        all[m++] = attr[i];
        attr[i] = NULL;
    }
    for (size_t j = 0; j < nfound; j++) {
        size_t i = 0;
        while (i < nattr && strcmp(all[i], found[j]) != 0)
            i++;
        if (i == nattr) {
            all[m++] = found[j];
            found[j] = NULL;
        }
    }
    *names = all;
    *n = m;
done:
    gwi_strv_free(attr, nattr);
    gwi_strv_free(found, nfound);
    return rc;
}

/* Checks that dataset `name` of grp is 1-D and returns its length. */
static gw_status column_length(hid_t grp, const char *name, const char *what, size_t *len)
{
    gw_status rc = GW_OK;
    hid_t ds = H5Dopen2(grp, name, H5P_DEFAULT);
    hid_t space = -1;
    if (ds < 0) {
        rc = gwi_h5_fail(GW_EFORMAT, "%s/%s: no such dataset", what, name);
        goto done;
    }
    if ((space = H5Dget_space(ds)) < 0) {
        rc = gwi_h5_fail(GW_EFORMAT, "%s/%s: cannot read its shape", what, name);
        goto done;
    }
    int rank = H5Sget_simple_extent_ndims(space);
    if (rank != 1) {
        rc =
            gwi_fail(GW_EFORMAT, "%s/%s has %d dimensions; a column must be 1-D", what, name, rank);
        goto done;
    }
    hsize_t dims[1] = {0};
    H5Sget_simple_extent_dims(space, dims, NULL);
    *len = (size_t)dims[0];
done:
    if (space >= 0)
        H5Sclose(space);
    if (ds >= 0)
        H5Dclose(ds);
    return rc;
}

/* Reads all n rows of ds as doubles (codes 0) or int32 codes (codes 1) into dst: chunk by
 * chunk on the worker threads where hdf5_chunks.c handles the layout, else by one H5Dread. */
static gw_status read_data(hid_t file, hid_t ds, size_t n, int codes, void *dst, const char *what,
                           const char *name, int *finite)
{
    gw_status rc = gwi_h5_read_column(file, ds, n, codes, dst, what, name, finite);
    if (rc != GW_EUNSUPPORTED)
        return rc;
    if (n > 0 && H5Dread(ds, codes ? H5T_NATIVE_INT32 : H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                         H5P_DEFAULT, dst) < 0)
        return gwi_h5_fail(GW_EFORMAT, "%s/%s: cannot read (truncated or corrupt?)", what, name);
    return GW_OK;
}

/* Reads dataset `name` of grp (n rows) and adds it to t. */
static gw_status read_column(hid_t file, hid_t grp, const char *name, const char *what, size_t n,
                             gw_table *t)
{
    gw_status rc = GW_OK;
    hid_t ds = -1, ftype = -1, la = -1;
    double *values = NULL;
    int32_t *codes = NULL;
    char **levels = NULL;
    size_t nl = 0;
    int finite = 0;
    char lwhat[1200];
    if ((ds = H5Dopen2(grp, name, H5P_DEFAULT)) < 0 || (ftype = H5Dget_type(ds)) < 0) {
        rc = gwi_h5_fail(GW_EFORMAT, "%s/%s: cannot open", what, name);
        goto done;
    }
    H5T_class_t cls = H5Tget_class(ftype);
    htri_t has_levels = H5Aexists(ds, "levels");
    if (cls == H5T_INTEGER && has_levels > 0) {
        snprintf(lwhat, sizeof lwhat, "%s/%s attribute 'levels'", what, name);
        if ((la = H5Aopen(ds, "levels", H5P_DEFAULT)) < 0) {
            rc = gwi_h5_fail(GW_EFORMAT, "%s: cannot open", lwhat);
            goto done;
        }
        if ((rc = gwi_read_strs(la, 1, lwhat, &levels, &nl)) != GW_OK)
            goto done;
        if ((codes = gw_alloc_array(n, sizeof *codes)) == NULL) {
            rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu codes for %s", n, name);
            goto done;
        }
        if ((rc = read_data(file, ds, n, 1, codes, what, name, &finite)) != GW_OK)
            goto done;
        size_t bad = SIZE_MAX; /* the first row with a code out of range */
#pragma omp parallel for schedule(static) reduction(min : bad)
        for (size_t i = 0; i < n; i++)
            if ((codes[i] < -1 || (codes[i] >= 0 && (size_t)codes[i] >= nl)) && i < bad)
                bad = i;
        if (bad != SIZE_MAX) {
            rc = gwi_fail(GW_EFORMAT, "%s/%s: code %ld at row %zu is not -1 or 0..%zu", what, name,
                          (long)codes[bad], bad + 1, nl ? nl - 1 : 0);
            goto done;
        }
        rc = gw_table_add_categorical_take(t, name, codes, levels, nl);
        codes = NULL;
        levels = NULL;
        goto done;
    }
    if (cls != H5T_INTEGER && cls != H5T_FLOAT) {
        rc = gwi_fail(GW_EFORMAT,
                      "%s/%s is a %s dataset; a column must be float64 or int32 codes with "
                      "'levels'",
                      what, name,
                      cls == H5T_STRING     ? "string"
                      : cls == H5T_COMPOUND ? "compound"
                      : cls == H5T_ENUM     ? "enum"
                                            : "non-numeric");
        goto done;
    }
    double *slot = gwi_table_block_next(t); /* the table's block, when it has room */
    if (slot != NULL) {
        if ((rc = read_data(file, ds, n, 0, slot, what, name, &finite)) == GW_OK)
            rc = gwi_table_add_numeric_block(t, name);
        goto marked;
    }
    if ((values = gw_alloc_array(n, sizeof *values)) == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu values for %s", n, name);
        goto done;
    }
    if ((rc = read_data(file, ds, n, 0, values, what, name, &finite)) != GW_OK)
        goto done;
    rc = gw_table_add_numeric_take(t, name, values);
    values = NULL;
marked:
    if (rc == GW_OK && finite)
        gwi_table_set_clean(t, gw_table_ncols(t) - 1);
done:
    gw_free(values);
    gw_free(codes);
    gwi_strv_free(levels, nl);
    if (la >= 0)
        H5Aclose(la);
    if (ftype >= 0)
        H5Tclose(ftype);
    if (ds >= 0)
        H5Dclose(ds);
    return rc;
}

gw_status gw_h5_table_read(const char *path, const char *group, const char *const *columns,
                           size_t ncolumns, gw_table **out)
{
    gw_status rc = GW_OK;
    gwi_h5_quiet q;
    hid_t file = -1, grp = -1;
    char **names = NULL;
    size_t nnames = 0, nrows = 0;
    gw_table *t = NULL;
    char what[1100];
    *out = NULL;
    if (path == NULL)
        return gwi_fail(GW_EINVAL, "gw_h5_table_read: NULL path");
    if (group == NULL)
        group = GW_H5_DEFAULT_GROUP;
    if (columns == NULL)
        ncolumns = 0;
    for (size_t a = 0; a < ncolumns; a++)
        for (size_t b = 0; b < a; b++)
            if (strcmp(columns[a], columns[b]) == 0)
                return gwi_fail(GW_EINVAL, "column '%s' requested twice", columns[a]);
    snprintf(what, sizeof what, "%s: %s%s", gwi_base(path), group[0] == '/' ? "" : "/", group);
    gwi_h5_quiet_begin(&q);
    if ((rc = gwi_h5_open_read(path, &file)) != GW_OK)
        goto done;
    if ((grp = H5Gopen2(file, group, H5P_DEFAULT)) < 0) {
        rc = gwi_h5_fail(GW_EFORMAT, "%s: no such group (not a goodwork data table?)", what);
        goto done;
    }
    /* Before any string is read: libhdf5 1.10.8 hangs on a corrupt global heap. The columns'
     * raw data is left out of the scan (it was a full extra pass over the file). */
    if ((rc = gwi_h5_check_group_heaps(grp, path, what)) != GW_OK)
        goto done;
    if ((rc = list_columns(grp, what, &names, &nnames)) != GW_OK)
        goto done;
    /* All columns must be 1-D and of one length, requested or not: a malformed table is
     * reported as such whichever columns a model happens to use. */
    const char *first = NULL;
    for (size_t j = 0; j < nnames; j++) {
        size_t len = 0;
        if ((rc = column_length(grp, names[j], what, &len)) != GW_OK)
            goto done;
        if (first == NULL) {
            first = names[j];
            nrows = len;
        } else if (len != nrows) {
            rc = gwi_fail(GW_EFORMAT, "%s/%s has %zu rows, %s/%s has %zu", what, first, nrows,
                          what + strlen(gwi_base(path)) + 2, names[j], len);
            goto done;
        }
    }
    if ((rc = gw_table_new(nrows, &t)) != GW_OK)
        goto done;
    if (ncolumns == 0) {
        for (size_t j = 0; j < nnames && rc == GW_OK; j++)
            rc = read_column(file, grp, names[j], what, nrows, t);
    } else {
        /* The requested numeric columns go into one block, in the order asked, after a free
         * slot: a model frame can then take the regressors (and an intercept column in the
         * free slot) as its design without copying them (gw_frame_build_consume). Slots a
         * categorical column does not use are never touched, so they cost no memory. */
        rc = nrows > 0 ? gwi_table_block_reserve(t, ncolumns, 1) : GW_OK;
        for (size_t c = 0; c < ncolumns && rc == GW_OK; c++) {
            size_t j = 0;
            while (j < nnames && strcmp(names[j], columns[c]) != 0)
                j++;
            if (j == nnames)
                rc = gwi_fail(GW_ENOVAR, "%s has no column '%s'", what, columns[c]);
            else
                rc = read_column(file, grp, names[j], what, nrows, t);
        }
    }
done:
    gwi_strv_free(names, nnames);
    if (grp >= 0)
        H5Gclose(grp);
    if (file >= 0)
        H5Fclose(file);
    gwi_h5_quiet_end(&q);
    if (rc != GW_OK) {
        gw_table_free(t);
        return rc;
    }
    *out = t;
    return GW_OK;
}
