/* index_goalposts.c -- the --goalposts text of goodwork index (gw_index_run.h) into the engine's
 * goalposts (gw_index.h, step 7), and the goalposts a run used back into text that a later run
 * can give again.
 *
 * The text is parsed here, in the library, so that the command line, Python and R accept the
 * same forms with the same messages. Fixed goalposts round-trip exactly: they are written as
 * the shortest decimal that reads back as the same double (gw_output_number), so a run given the
 * goalposts of an earlier run computes the earlier run's values bit for bit. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_hdf5.h"
#include "gw_index_run.h"
#include "gw_output.h"
#include "gw_strbuf.h"
#include "index_int.h"

/* A goalposts file is a short list; anything larger is not one. */
#define GOALPOSTS_FILE_MAX (1u << 20)

static const char hdf5_signature[8] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};

/* A finite number filling [s, e) exactly. */
static int parse_num(const char *s, const char *e, double *v)
{
    char buf[64];
    size_t len = (size_t)(e - s);
    if (len == 0 || len >= sizeof buf)
        return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end = NULL;
    errno = 0;
    *v = strtod(buf, &end);
    return end == buf + len && errno == 0 && isfinite(*v);
}

/* "base:A" or "base:A-B" (A <= B; time values, usually years). */
static gw_status parse_base(const char *text, gw_index_opts *io)
{
    const char *s = text + 5, *dash = strchr(s + (*s == '-'), '-');
    const char *e = s + strlen(s);
    double a, b;
    if (dash == NULL ? !parse_num(s, e, &a)
                     : !parse_num(s, dash, &a) || !parse_num(dash + 1, e, &b))
        return gwi_fail(GW_EINVAL,
                        "bad --goalposts '%s' (expected base:YEAR or base:FROM-TO, e.g. "
                        "base:2015 or base:2010-2015)",
                        text);
    if (dash == NULL)
        b = a;
    if (a > b)
        return gwi_fail(GW_EINVAL, "bad --goalposts '%s': the base period ends before it starts",
                        text);
    io->goal = GW_GOAL_BASE;
    io->base_from = a;
    io->base_to = b;
    return GW_OK;
}

/* Reads a text file of goalposts (at most GOALPOSTS_FILE_MAX bytes) into *out (owned). */
static gw_status read_text(const char *path, FILE *f, char **out)
{
    char *s = gw_malloc(GOALPOSTS_FILE_MAX + 1);
    if (s == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    size_t n = fread(s, 1, GOALPOSTS_FILE_MAX + 1, f);
    if (ferror(f) || n > GOALPOSTS_FILE_MAX) {
        gw_free(s);
        return gwi_fail(ferror(f) ? GW_EIO : GW_EFORMAT, "--goalposts file '%s': %s", path,
                        ferror(f) ? "cannot be read" : "larger than 1 MiB, not a list");
    }
    s[n] = '\0';
    *out = s;
    return GW_OK;
}

/* The fixed goalposts stored in group (/analyses/NAME) of the results file path, which must
 * have been made with normalisation norm (minmax min:max and z mean:sd do not mix). */
static gw_status read_results(const char *path, const char *name, gw_index_norm norm, char **out)
{
    char group[300];
    char **v = NULL;
    size_t nv = 0;
    snprintf(group, sizeof group, "/analyses/%s", name);
    gw_status s = gw_h5_read_strings(path, group, "normalise", &v, &nv);
    if (s == GW_OK && (nv != 1 || strcmp(v[0], gw_index_norm_name(norm)) != 0))
        s = gwi_fail(GW_EINVAL, "--goalposts: %s %s was normalised by %s, this run by %s", path,
                     group, nv == 1 ? v[0] : "?", gw_index_norm_name(norm));
    gw_h5_strings_free(v, nv);
    v = NULL;
    nv = 0;
    if (s == GW_OK)
        s = gw_h5_read_strings(path, group, "goalposts_fixed", &v, &nv);
    if (s == GW_ENOVAR)
        return gwi_fail(GW_ENOVAR,
                        "--goalposts: %s has no %s with fixed goalposts (an index stored with "
                        "--goalposts and minmax or z normalisation has them)",
                        path, group);
    if (s == GW_OK && nv != 1)
        s = gwi_fail(GW_EFORMAT, "--goalposts: %s %s: goalposts_fixed is not one text", path,
                     group);
    if (s == GW_OK && (*out = gw_strdup(v[0])) == NULL)
        s = gwi_fail(GW_ENOMEM, "out of memory");
    gw_h5_strings_free(v, nv);
    return s;
}

/* "fixed:FILE": a text file holding the list, or a goodwork results file, whole
 * ("fixed:R.h5": its /analyses/index) or with the analysis's name ("fixed:R.h5:NAME"). */
static gw_status read_fixed_source(const char *src, gw_index_norm norm, char **out)
{
    char sig[8] = {0};
    FILE *f = fopen(src, "rb");
    if (f != NULL) {
        size_t got = fread(sig, 1, sizeof sig, f);
        gw_status s = GW_OK;
        if (got == sizeof sig && memcmp(sig, hdf5_signature, sizeof sig) == 0)
            s = read_results(src, "index", norm, out);
        else if (fseek(f, 0, SEEK_SET) != 0)
            s = gwi_fail(GW_EIO, "--goalposts file '%s' cannot be read", src);
        else
            s = read_text(src, f, out);
        fclose(f);
        return s;
    }
    const char *colon = strrchr(src, ':');
    if (colon != NULL && colon[1] != '\0' && strchr(colon, '/') == NULL) {
        char *path = gw_strdup(src);
        if (path == NULL)
            return gwi_fail(GW_ENOMEM, "out of memory");
        path[colon - src] = '\0';
        gw_status s = GW_OK;
        if ((f = fopen(path, "rb")) == NULL)
            s = gwi_fail(GW_EIO, "--goalposts: cannot open '%s'", path);
        else if (fread(sig, 1, sizeof sig, f) != sizeof sig ||
                 memcmp(sig, hdf5_signature, sizeof sig) != 0)
            s = gwi_fail(GW_EFORMAT, "--goalposts: '%s' is not a goodwork results file (HDF5)",
                         path);
        if (f != NULL)
            fclose(f);
        if (s == GW_OK)
            s = read_results(path, colon + 1, norm, out);
        gw_free(path);
        return s;
    }
    return gwi_fail(GW_EIO, "--goalposts: cannot open '%s'", src);
}

/* One "NAME=A:B" item [s, e) of a list (spaces around it already trimmed) into a[j], b[j]. */
static gw_status parse_item(const char *s, const char *e, const gw_index_spec *spec, double *a,
                            double *b, int *seen)
{
    const char *eq = NULL, *colon = NULL;
    for (const char *c = s; c < e; c++)
        if (*c == '=')
            eq = c;
    for (const char *c = eq ? eq + 1 : e; c < e; c++)
        if (*c == ':' && colon == NULL)
            colon = c;
    int len = (int)(e - s);
    if (eq == NULL || colon == NULL)
        return gwi_fail(GW_EINVAL, "bad --goalposts item '%.*s' (expected NAME=LO:HI)", len, s);
    size_t j = 0, nl = (size_t)(eq - s);
    while (j < spec->p &&
           (strlen(spec->indicators[j]) != nl || strncmp(spec->indicators[j], s, nl) != 0))
        j++;
    if (j == spec->p)
        return gwi_fail(GW_EINVAL, "--goalposts: '%.*s' is not one of the --indicators", (int)nl,
                        s);
    if (seen[j])
        return gwi_fail(GW_EINVAL, "--goalposts: indicator '%s' given twice", spec->indicators[j]);
    if (!parse_num(eq + 1, colon, &a[j]) || !parse_num(colon + 1, e, &b[j]))
        return gwi_fail(GW_EINVAL, "bad --goalposts item '%.*s': LO and HI must be numbers", len,
                        s);
    seen[j] = 1;
    return GW_OK;
}

/* A list "NAME=A:B,NAME=A:B" (commas or new lines between items; in a file, '#' starts a
 * comment line) covering every indicator, into a and b (p each). */
static gw_status parse_list(const char *list, const gw_index_spec *spec, double *a, double *b)
{
    int *seen = gw_calloc(spec->p, sizeof *seen);
    gw_status s = GW_OK;
    if (seen == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    for (const char *c = list; *c != '\0' && s == GW_OK;) {
        const char *e = c;
        while (*e != '\0' && *e != ',' && *e != '\n')
            e++;
        const char *t = e;
        while (c < t && (*c == ' ' || *c == '\t' || *c == '\r'))
            c++;
        while (t > c && (t[-1] == ' ' || t[-1] == '\t' || t[-1] == '\r'))
            t--;
        if (t > c && *c != '#')
            s = parse_item(c, t, spec, a, b, seen);
        c = *e != '\0' ? e + 1 : e;
    }
    for (size_t j = 0; j < spec->p && s == GW_OK; j++)
        if (!seen[j])
            s = gwi_fail(GW_EINVAL, "--goalposts: no goalposts for indicator '%s'",
                         spec->indicators[j]);
    gw_free(seen);
    return s;
}

gw_status gwi_index_goalposts(const char *text, const gw_index_spec *spec, gw_index_opts *io,
                              double **a, double **b)
{
    *a = *b = NULL;
    if (text == NULL)
        return GW_OK;
    if (io->within_time)
        return gwi_fail(GW_EINVAL, "--goalposts and --within-time exclude each other (within "
                                   "time, a year is never normalised by another)");
    if (strncmp(text, "base:", 5) == 0 && spec->time == NULL)
        return gwi_fail(GW_EINVAL, "--goalposts %s: a base period needs --time", text);
    if (strncmp(text, "base:", 5) == 0)
        return parse_base(text, io);
    if (strncmp(text, "fixed:", 6) != 0)
        return gwi_fail(GW_EINVAL,
                        "bad --goalposts '%s' (expected base:YEAR, base:FROM-TO, "
                        "fixed:NAME=LO:HI,... or fixed:FILE)",
                        text);
    if (io->norm == GW_NORM_RANK)
        return gwi_fail(GW_EINVAL, "--goalposts fixed: rank normalisation has no fixed goalposts "
                                   "(its reference is a distribution): use base:PERIOD");
    const char *body = text + 6;
    char *own = NULL;
    gw_status s = GW_OK;
    if (strchr(body, '=') == NULL && (s = read_fixed_source(body, io->norm, &own)) != GW_OK)
        return s;
    *a = gw_alloc_array(spec->p, sizeof **a);
    *b = gw_alloc_array(spec->p, sizeof **b);
    if (*a == NULL || *b == NULL)
        s = gwi_fail(GW_ENOMEM, "out of memory");
    if (s == GW_OK)
        s = parse_list(own != NULL ? own : body, spec, *a, *b);
    gw_free(own);
    if (s != GW_OK) {
        gw_free(*a);
        gw_free(*b);
        *a = *b = NULL;
        return s;
    }
    io->goal = GW_GOAL_FIXED;
    io->goal_a = *a;
    io->goal_b = *b;
    return GW_OK;
}

gw_status gwi_index_goalposts_text(const gw_index *x, const gw_index_spec *spec, char **out)
{
    gw_strbuf sb = {0};
    char na[GW_OUTPUT_NUMLEN], nb[GW_OUTPUT_NUMLEN];
    *out = NULL;
    if (x->goal_a == NULL || isnan(x->goal_a[0]))
        return GW_OK; /* none, or rank's (a distribution, not two numbers) */
    for (size_t j = 0; j < x->p; j++)
        gw_strbuf_printf(&sb, "%s%s=%s:%s", j ? "," : "", spec->indicators[j],
                         gw_output_number(x->goal_a[j], na), gw_output_number(x->goal_b[j], nb));
    return gw_strbuf_finish(&sb, out) == GW_OK ? GW_OK : gwi_fail(GW_ENOMEM, "out of memory");
}
