/* ini.c -- the pipeline file's syntax (pipeline_int.h, pl_ini_parse; docs/pipeline.md, "The
 * pipeline file"). A small line parser of our own rather than inih: inih cannot say on which
 * line a key or a section header stands, merges two sections of the same name when they follow
 * each other, knows only ';' as an inline comment, and (Debian's build) cuts lines at 200 bytes
 * and section and key names at 50 -- all of which a pipeline file must report instead.
 *
 * Every key is checked against the keys its section kind takes: a step's keys are the flags of
 * its command (without --out, --name, --format and --help, which the runner sets), so a
 * misspelt key is an error with the nearest known key rather than a flag the command rejects
 * later or, for a key whose value is "false", nothing at all. tests/pipeline checks the lists
 * against each command's --help. */
#define _XOPEN_SOURCE 700
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "pipeline_int.h"

/* The keys of each section kind, NULL-terminated. */
static const char *const keys_model[] = {
    "data",           "model",   "formula", "estimator",       "vcov",
    "weights",        "panel",   "hausman", "keep-singletons", "ssc",
    "save-residuals", "threads", "table",   "delim",           "ame",
    "maxiter",        "tol",     "fe-tol",  "fe-maxiter",      "memory-limit",
    "scratch",        "timings", "subset",  "drop-invalid",    "save-fe",
    "level",          "quiet",   "replace", NULL};
static const char *const keys_index[] = {
    "data",    "indicators", "id",          "time",          "invert", "normalise", "within-time",
    "weights", "aggregate",  "sensitivity", "concentration", "seed",   "threads",   "quiet",
    "table",   "goalposts",  NULL};
static const char *const keys_synergy[] = {"data",   "vars",  "time",  "id",      "controls",
                                           "breaks", "raw",   "conf",  "by-year", "threads",
                                           "quiet",  "table", "stars", "cluster", NULL};
static const char *const keys_cluster[] = {
    "data",     "vars",     "id",   "time", "at",      "k",     "kmax",  "method", "truth",
    "restarts", "max-iter", "seed", "boot", "threads", "quiet", "table", NULL};
static const char *const keys_mediate[] = {
    "data",    "treatment", "mediator", "outcome", "controls", "mediator-controls", "fe",
    "cluster", "boot",      "seed",     "ci",      "level",    "keep-singletons",   "threads",
    "quiet",   "table",     NULL};
static const char *const keys_scenario[] = {
    "results", "data",    "shock",        "models", "draws",          "by",
    "seed",    "threads", "pass-through", "emp",    "residual-noise", "no-coef-draws",
    "id",      "time",    "year",         "table",  "areas",          "occupation",
    "shares",  "quiet",   "bound",        "strict", "scenario",       "reference",
    "horizon", "ramp",    "trend-years",  "plot",   "param",          "variant",
    "weight",  "coef-draws", NULL};
static const char *const keys_pipeline[] = {"seed", NULL};
static const char *const keys_data[] = {"file", NULL};
static const char *const keys_report[] = {"title", "top", NULL};

static const struct {
    const char *kind;
    const char *const *keys;
    int step; /* 1: a step, which needs a name; 0: a settings section, without one */
} sections[] = {
    {"model", keys_model, 1},       {"index", keys_index, 1},     {"synergy", keys_synergy, 1},
    {"cluster", keys_cluster, 1},   {"mediate", keys_mediate, 1}, {"scenario", keys_scenario, 1},
    {"pipeline", keys_pipeline, 0}, {"data", keys_data, 0},       {"report", keys_report, 0},
};
#define PL_NKINDS (sizeof sections / sizeof sections[0])

size_t pl_edit_distance(const char *a, const char *b)
{
    /* Optimal string alignment: Levenshtein plus the swap of two neighbours ("titel"), on the
     * short names of keys and sections (longer strings are compared on their first 63 bytes). */
    enum { M = 64 };
    size_t la = strlen(a), lb = strlen(b), d[M][M];
    la = la < M ? la : M - 1;
    lb = lb < M ? lb : M - 1;
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[la][lb];
}

/* The known name nearest to word when it is close enough to be a likely typo (one edit for
 * words of up to 4 letters, two for longer ones: "foo" is not "boot"), else NULL. */
static const char *nearest(const char *word, const char *const *known, size_t nknown)
{
    const char *best = NULL;
    size_t bd = (size_t)-1, len = strlen(word);
    for (size_t i = 0; i < nknown && known[i] != NULL; i++) {
        size_t dist = pl_edit_distance(word, known[i]);
        if (dist < bd) {
            bd = dist;
            best = known[i];
        }
    }
    return bd <= (len <= 4 ? 1u : 2u) ? best : NULL;
}

static int kind_index(const char *kind)
{
    for (size_t k = 0; k < PL_NKINDS; k++)
        if (strcmp(sections[k].kind, kind) == 0)
            return (int)k;
    return -1;
}

const char *const *pl_section_keys(const char *kind)
{
    int k = kind_index(kind);
    return k < 0 ? NULL : sections[k].keys;
}

int pl_known_key(const char *kind, const char *key)
{
    int k = kind_index(kind);
    for (size_t i = 0; k >= 0 && sections[k].keys[i] != NULL; i++)
        if (strcmp(sections[k].keys[i], key) == 0)
            return 1;
    return 0;
}

/* Strips blanks at both ends of s[0..n) in place; returns the new start, *n updated. */
static char *trim(char *s, size_t *n)
{
    while (*n > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        (*n)--;
    }
    while (*n > 0 && (s[*n - 1] == ' ' || s[*n - 1] == '\t' || s[*n - 1] == '\r'))
        (*n)--;
    s[*n] = '\0';
    return s;
}

/* The length of line before its comment: a line whose first non-blank byte is ';' or '#' is
 * all comment, and elsewhere ';' or '#' preceded by a blank starts one. */
static size_t before_comment(const char *line, size_t n)
{
    size_t i = 0;
    while (i < n && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i < n && (line[i] == ';' || line[i] == '#'))
        return 0;
    for (; i < n; i++)
        if ((line[i] == ';' || line[i] == '#') && i > 0 &&
            (line[i - 1] == ' ' || line[i - 1] == '\t'))
            return i;
    return n;
}

void pl_ini_free(pl_ini *ini)
{
    for (size_t i = 0; i < ini->nsecs; i++) {
        pl_section *s = &ini->secs[i];
        gw_free(s->section);
        gw_free(s->kind);
        gw_free(s->name);
        for (size_t k = 0; k < s->nkv; k++) {
            gw_free(s->kv[k].key);
            gw_free(s->kv[k].val);
        }
        gw_free(s->kv);
    }
    gw_free(ini->secs);
    memset(ini, 0, sizeof *ini);
}

/* Adds the section header text hdr (between the brackets, trimmed) met at line. */
static gw_status add_section(const char *path, int line, const char *hdr, pl_ini *ini)
{
    char kind[64], known[256] = "";
    size_t kl = strcspn(hdr, " \t");
    const char *name = hdr + kl;
    while (*name == ' ' || *name == '\t')
        name++;
    if (kl == 0 || kl >= sizeof kind)
        return gwi_fail(GW_ESYNTAX, "%s:%d: malformed section header [%s]", path, line, hdr);
    memcpy(kind, hdr, kl);
    kind[kl] = '\0';
    int k = kind_index(kind);
    if (k < 0) {
        const char *names[PL_NKINDS + 1];
        for (size_t i = 0; i < PL_NKINDS; i++) {
            names[i] = sections[i].kind;
            snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", i ? ", " : "",
                     names[i]);
        }
        names[PL_NKINDS] = NULL;
        const char *near = nearest(kind, names, PL_NKINDS);
        if (near != NULL)
            return gwi_fail(GW_EINVAL, "%s:%d: unknown section [%s] (did you mean [%s%s%s]?)", path,
                            line, hdr, near, name[0] ? " " : "", name);
        return gwi_fail(GW_EINVAL, "%s:%d: unknown section [%s] (%s)", path, line, hdr, known);
    }
    if (sections[k].step && (name[0] == '\0' || strchr(name, '/') != NULL))
        return gwi_fail(GW_EINVAL, "%s:%d: [%s] needs a name without '/' ([%s NAME])", path, line,
                        hdr, kind);
    if (!sections[k].step && name[0] != '\0')
        return gwi_fail(GW_EINVAL, "%s:%d: [%s] takes no name ([%s])", path, line, hdr, kind);
    for (size_t i = 0; i < ini->nsecs; i++) {
        const pl_section *o = &ini->secs[i];
        /* Step names are the names of results groups: [model a] and [cluster a] would both
         * be fine as groups, but the steps' JSON files (steps/a.json) would collide. */
        int same = strcmp(o->kind, kind) == 0 && strcmp(o->name ? o->name : "", name) == 0;
        if (same)
            return gwi_fail(GW_EINVAL, "%s:%d: section [%s] appears twice (first at line %d)", path,
                            line, hdr, o->line);
        if (sections[k].step && o->name != NULL && strcmp(o->name, name) == 0)
            return gwi_fail(GW_EINVAL,
                            "%s:%d: step name '%s' is used twice ([%s] at line %d, [%s] here)",
                            path, line, name, o->section, o->line, hdr);
    }
    pl_section *p = gw_realloc(ini->secs, (ini->nsecs + 1) * sizeof *p);
    if (p == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    ini->secs = p;
    pl_section *s = &p[ini->nsecs++];
    memset(s, 0, sizeof *s);
    s->line = line;
    s->section = gw_strdup(hdr);
    s->kind = gw_strdup(kind);
    s->name = name[0] ? gw_strdup(name) : NULL;
    if (s->section == NULL || s->kind == NULL || (name[0] && s->name == NULL))
        return gwi_fail(GW_ENOMEM, "out of memory");
    return GW_OK;
}

/* Adds key = val met at line to the last section. */
static gw_status add_key(const char *path, int line, const char *key, const char *val, pl_ini *ini)
{
    if (ini->nsecs == 0)
        return gwi_fail(GW_ESYNTAX, "%s:%d: '%s' is outside a section (start one with [KIND NAME])",
                        path, line, key);
    pl_section *s = &ini->secs[ini->nsecs - 1];
    int k = kind_index(s->kind);
    if (key[0] == '\0')
        return gwi_fail(GW_ESYNTAX, "%s:%d: a value without a key", path, line);
    if (sections[k].step &&
        (strcmp(key, "out") == 0 || strcmp(key, "name") == 0 || strcmp(key, "format") == 0))
        return gwi_fail(GW_EINVAL, "%s:%d: [%s]: '%s' is set by the pipeline", path, line,
                        s->section, key);
    if (!pl_known_key(s->kind, key)) {
        size_t nk = 0;
        while (sections[k].keys[nk] != NULL)
            nk++;
        const char *near = nearest(key, sections[k].keys, nk);
        if (near != NULL)
            return gwi_fail(GW_EINVAL, "%s:%d: [%s]: unknown key '%s' (did you mean '%s'?)", path,
                            line, s->section, key, near);
        char list[1024] = "";
        for (size_t i = 0; i < nk; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                     sections[k].keys[i]);
        return gwi_fail(GW_EINVAL, "%s:%d: [%s]: unknown key '%s' (known: %s)", path, line,
                        s->section, key, list);
    }
    if (!sections[k].step)
        for (size_t i = 0; i < s->nkv; i++)
            if (strcmp(s->kv[i].key, key) == 0)
                return gwi_fail(GW_EINVAL, "%s:%d: [%s]: '%s' given twice (first at line %d)", path,
                                line, s->section, key, s->kv[i].line);
    pl_kv *p = gw_realloc(s->kv, (s->nkv + 1) * sizeof *p);
    if (p == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    s->kv = p;
    p[s->nkv] = (pl_kv){gw_strdup(key), gw_strdup(val), line};
    if (p[s->nkv++].key == NULL || p[s->nkv - 1].val == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    return GW_OK;
}

/* Parses one line (a writable copy, n bytes, no newline) numbered line. */
static gw_status parse_line(const char *path, int line, char *s, size_t n, pl_ini *ini)
{
    n = before_comment(s, n);
    s = trim(s, &n);
    if (n == 0)
        return GW_OK;
    if (s[0] == '[') {
        if (s[n - 1] != ']')
            return gwi_fail(GW_ESYNTAX, "%s:%d: section header without its closing ']'", path,
                            line);
        s[n - 1] = '\0';
        size_t hn = n - 2;
        return add_section(path, line, trim(s + 1, &hn), ini);
    }
    /* key = value; as with inih (and Python's configparser) "key: value" too, the separator
     * being whichever of '=' and ':' comes first. */
    size_t eq = strcspn(s, "=:");
    if (s[eq] == '\0')
        return gwi_fail(GW_ESYNTAX, "%s:%d: malformed line (expected 'key = value' or [KIND NAME])",
                        path, line);
    size_t kn = eq, vn = n - eq - 1;
    char *val = trim(s + eq + 1, &vn);
    return add_key(path, line, trim(s, &kn), val, ini);
}

gw_status pl_ini_parse(const char *path, const char *text, size_t len, pl_ini *out)
{
    memset(out, 0, sizeof *out);
    const char *p = text, *nul = memchr(text, '\0', len);
    if (nul != NULL) {
        int line = 1;
        for (const char *c = text; c < nul; c++)
            line += *c == '\n';
        return gwi_fail(GW_ESYNTAX, "%s:%d: a NUL byte (not a text file?)", path, line);
    }
    if ((unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF)
        p += 3; /* a UTF-8 byte-order mark, as editors on Windows write */
    gw_status rc = GW_OK;
    for (int line = 1; *p != '\0' && rc == GW_OK; line++) {
        size_t n = strcspn(p, "\n");
        char *copy = gw_malloc(n + 1);
        if (copy == NULL) {
            rc = gwi_fail(GW_ENOMEM, "out of memory");
            break;
        }
        memcpy(copy, p, n);
        copy[n] = '\0';
        rc = parse_line(path, line, copy, n, out);
        gw_free(copy);
        p += n + (p[n] == '\n');
    }
    if (rc != GW_OK)
        pl_ini_free(out);
    return rc;
}
