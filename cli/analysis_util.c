/* analysis_util.c -- helpers shared by the analysis commands (analysis_util.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis_util.h"
#include "cli.h"
#include "gw_alloc.h"
#include "gw_par.h"
#include "gw_sha256.h"
#include "gw_vars.h"

void an_list_free(an_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        gw_free(l->s[i]);
    gw_free(l->s);
    l->s = NULL;
    l->n = 0;
}

int an_split(const char *text, const char *what, an_list *out)
{
    out->s = NULL;
    out->n = 0;
    size_t cnt = 1;
    for (const char *c = text; *c; c++)
        cnt += *c == ',';
    if ((out->s = gw_calloc(cnt, sizeof *out->s)) == NULL) {
        cli_error("out of memory");
        return GW_EXIT_OTHER;
    }
    const char *p = text;
    for (size_t k = 0; k < cnt; k++) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 0) {
            cli_error("bad %s '%s': empty item", what, text);
            an_list_free(out);
            return GW_EXIT_USAGE;
        }
        if ((out->s[k] = gw_malloc(len + 1)) == NULL) {
            cli_error("out of memory");
            an_list_free(out);
            return GW_EXIT_OTHER;
        }
        memcpy(out->s[k], p, len);
        out->s[k][len] = '\0';
        out->n = k + 1;
        p = e ? e + 1 : p + len;
    }
    return GW_EXIT_OK;
}

void an_vars_free(an_var *v, size_t n)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        gw_free(v[i].base);
    gw_free(v);
}

int an_vars_parse(const an_list *l, an_var **out)
{
    an_var *v = gw_calloc(l->n ? l->n : 1, sizeof *v);
    if (v == NULL) {
        cli_error("out of memory");
        return GW_EXIT_OTHER;
    }
    for (size_t i = 0; i < l->n; i++) {
        v[i].spec = l->s[i];
        if (gw_var_parse(l->s[i], &v[i].base, &v[i].log) != GW_OK) {
            an_vars_free(v, l->n);
            cli_error("out of memory");
            return GW_EXIT_OTHER;
        }
    }
    *out = v;
    return GW_EXIT_OK;
}

int an_parse_size(const char *s, int allow_zero, size_t *out)
{
    if (s == NULL || *s < '0' || *s > '9')
        return 0;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > 100000000ull || (!allow_zero && v == 0))
        return 0;
    *out = (size_t)v;
    return 1;
}

int an_parse_u64(const char *s, uint64_t *out)
{
    if (s == NULL || *s < '0' || *s > '9')
        return 0;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return 0;
    *out = (uint64_t)v;
    return 1;
}

int an_parse_double(const char *s, double *out)
{
    if (s == NULL || *s == '\0')
        return 0;
    errno = 0;
    char *end = NULL;
    double v = strtod(s, &end);
    if (errno != 0 || *end != '\0' || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

int an_write_stdout(const char *text)
{
    size_t n = strlen(text);
    if (fwrite(text, 1, n, stdout) != n || fflush(stdout) != 0) {
        cli_error("cannot write to standard output");
        return GW_EXIT_OTHER;
    }
    return GW_EXIT_OK;
}

int an_write_file(const char *path, const char *text, const char *cmd)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp) {
        cli_error("%s: --out path too long", cmd);
        return GW_EXIT_USAGE;
    }
    FILE *f = fopen(tmp, "wx");
    size_t n = strlen(text);
    int ok = f != NULL && fwrite(text, 1, n, f) == n && fflush(f) == 0 && fsync(fileno(f)) == 0;
    if (f != NULL && fclose(f) != 0)
        ok = 0;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        if (f != NULL)
            (void)unlink(tmp);
        cli_error("%s: cannot write: %s", path, strerror(e));
        return GW_EXIT_OTHER;
    }
    return GW_EXIT_OK;
}

int an_lib_error(int status, const char *context)
{
    gw_status s = (gw_status)status;
    const char *detail = gw_last_error();
    if (detail[0] == '\0')
        detail = gw_status_str(s);
    if (context != NULL)
        cli_error("%s: %s", context, detail);
    else
        cli_error("%s", detail);
    return cli_exit_code(s);
}

int an_provenance(const char *data, int has_seed, uint64_t seed, char hex[65], gw_provenance *prov)
{
    gw_status s = gw_sha256_file(data, hex);
    if (s != GW_OK) {
        cli_error("%s", gw_last_error());
        return GW_EXIT_OTHER;
    }
    memset(prov, 0, sizeof *prov);
    prov->command_line = cli_command_line;
    prov->data_sha256 = hex;
    prov->blas = gw_blas_info();
    prov->has_seed = has_seed;
    prov->seed = seed;
    return GW_EXIT_OK;
}

int an_store_error(gw_status s)
{
    cli_error("%s", gw_last_error());
    return s == GW_EINVAL ? GW_EXIT_USAGE : GW_EXIT_OTHER;
}

int an_store(const char *out, const char *data, const char *group, const gw_h5_item *items,
             size_t nitems, const gw_h5_attr *attrs, size_t nattrs, int has_seed, uint64_t seed)
{
    char hex[65];
    gw_provenance prov;
    int rc = an_provenance(data, has_seed, seed, hex, &prov);
    if (rc != GW_EXIT_OK)
        return rc;
    gw_status s = gw_results_append_group(out, group, items, nitems, attrs, nattrs, &prov,
                                          GW_RESULTS_REPLACE);
    return s == GW_OK ? GW_EXIT_OK : an_store_error(s);
}


int an_check_output_opts(const char *format, const char *threads, const char *name, const char *out,
                         int *json, size_t *nthreads)
{
    if (format != NULL && strcmp(format, "text") != 0 && strcmp(format, "json") != 0) {
        cli_error("bad --format '%s' (expected text or json)", format);
        return GW_EXIT_USAGE;
    }
    *json = format != NULL && strcmp(format, "json") == 0;
    if (threads != NULL && !an_parse_size(threads, 0, nthreads)) {
        cli_error("bad --threads '%s' (expected a positive integer)", threads);
        return GW_EXIT_USAGE;
    }
    if (name != NULL && (out == NULL || name[0] == '\0' || strchr(name, '/') != NULL)) {
        cli_error("bad --name '%s' (needs --out; non-empty, without '/')", name);
        return GW_EXIT_USAGE;
    }
    return GW_EXIT_OK;
}

int an_missing(const char *value, int allow_empty, const char *what, const char *cmd)
{
    if (value != NULL && (allow_empty || value[0] != '\0'))
        return 0;
    cli_error("missing %s (try goodwork %s --help)", what, cmd);
    return 1;
}
