/* pipeline.c -- parsing, running and recording pipeline steps (pipeline_int.h). */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_hdf5.h"
#include "gw_par.h"
#include "gw_sha256.h"
#include "pipeline_int.h"

extern char **environ;

#define PL_DEFAULT_SEED 20250101u
static const struct {
    const char *section, *command, *prefix;
    int seeded;
} kinds[] = {
    {"model", "fit", "/models/", 0},         {"index", "index", "/analyses/", 0},
    {"synergy", "synergy", "/analyses/", 0}, {"cluster", "cluster", "/analyses/", 1},
    {"mediate", "mediate", "/analyses/", 1}, {"scenario", "scenario", "/analyses/", 1},
};

char *pl_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *s = NULL;
    size_t n = 0, cap = 0;
    if (f == NULL)
        return NULL;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = (n + 4096 + 1) * 2;
            char *p = gw_realloc(s, cap);
            if (p == NULL) {
                gw_free(s);
                fclose(f);
                return NULL;
            }
            s = p;
        }
        size_t got = fread(s + n, 1, 4096, f);
        n += got;
        if (got < 4096)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        gw_free(s);
        return NULL;
    }
    s[n] = '\0';
    if (len != NULL)
        *len = n;
    return s;
}

static const char *sec_get(const pl_section *s, const char *key)
{
    for (size_t k = 0; k < s->nkv; k++)
        if (strcmp(s->kv[k].key, key) == 0)
            return s->kv[k].val;
    return NULL;
}

/* The absolute path of file, relative to dir when not absolute; NULL (message recorded) when
 * it does not exist. Owned. */
static char *resolve(const char *dir, const char *file, const char *ini, int line)
{
    char joined[2 * PATH_MAX + 2], real[PATH_MAX];
    int len = file[0] == '/' ? snprintf(joined, sizeof joined, "%s", file)
                             : snprintf(joined, sizeof joined, "%s/%s", dir, file);
    if (len < 0 || (size_t)len >= PATH_MAX) {
        gwi_fail(GW_EIO, "%s:%d: data file path too long", ini, line);
        return NULL;
    }
    if (realpath(joined, real) == NULL) {
        gwi_fail(GW_EIO, "%s:%d: data file %s: %s", ini, line, joined, strerror(errno));
        return NULL;
    }
    return gw_strdup(real);
}

/* A step seed derived from the pipeline seed and the step name (splitmix64 of the pair),
 * kept below 2^31 so that every command accepts it. */
static uint64_t derive_seed(uint64_t seed, const char *name)
{
    uint64_t h = 1469598103934665603u;
    for (const char *c = name; *c; c++)
        h = (h ^ (unsigned char)*c) * 1099511628211u;
    uint64_t z = seed ^ h;
    z += 0x9e3779b97f4a7c15u;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    z ^= z >> 31;
    return (z >> 33) + 1;
}

static int push(pl_step *s, size_t *cap, const char *arg)
{
    if (s->argc + 2 > *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        char **p = gw_realloc(s->argv, nc * sizeof *p);
        if (p == NULL)
            return 0;
        s->argv = p;
        *cap = nc;
    }
    if ((s->argv[s->argc] = gw_strdup(arg)) == NULL)
        return 0;
    s->argv[++s->argc] = NULL;
    return 1;
}

/* Builds step s from section sec. */
static gw_status build_step(const pl_pipeline *p, const pl_section *sec, size_t ki, const char *dir,
                            pl_step *s)
{
    char buf[64];
    size_t cap = 0;
    int ok = 1;
    const pl_kv *data = NULL;
    for (size_t k = 0; k < sec->nkv; k++)
        if (strcmp(sec->kv[k].key, "data") == 0)
            data = &sec->kv[k];
    s->name = gw_strdup(sec->name);
    s->kind = gw_strdup(kinds[ki].command);
    s->input = data ? resolve(dir, data->val, p->ini_path, data->line) : gw_strdup(p->data);
    if (data != NULL && s->input == NULL)
        return gwi_fail_keep(GW_EIO);
    size_t gl = strlen(kinds[ki].prefix) + strlen(sec->name) + 1;
    if ((s->group = gw_malloc(gl)) == NULL || s->name == NULL || s->kind == NULL ||
        s->input == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    snprintf(s->group, gl, "%s%s", kinds[ki].prefix, sec->name);
    ok = push(s, &cap, s->kind) && push(s, &cap, "--data") && push(s, &cap, s->input);
    for (size_t k = 0; k < sec->nkv && ok; k++) {
        const char *key = sec->kv[k].key, *val = sec->kv[k].val;
        if (strcmp(key, "data") == 0 || strcmp(val, "false") == 0)
            continue;
        if (strcmp(key, "formula") == 0)
            key = "model";
        char flag[128];
        snprintf(flag, sizeof flag, "--%s", key);
        ok = push(s, &cap, flag) && (strcmp(val, "true") == 0 || push(s, &cap, val));
        if (strcmp(key, "seed") == 0) {
            s->has_seed = 1;
            s->seed = strtoull(val, NULL, 10);
        }
    }
    if (ok && strcmp(s->kind, "scenario") == 0 && sec_get(sec, "results") == NULL)
        ok = push(s, &cap, "--results") && push(s, &cap, PL_RESULTS_TOKEN);
    ok = ok && push(s, &cap, "--out") && push(s, &cap, PL_RESULTS_TOKEN) &&
         push(s, &cap, "--name") && push(s, &cap, s->name) && push(s, &cap, "--format") &&
         push(s, &cap, "json");
    if (ok && !s->has_seed && (kinds[ki].seeded || sec_get(sec, "sensitivity") != NULL)) {
        s->has_seed = 1;
        s->seed = derive_seed(p->seed, s->name);
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)s->seed);
        ok = push(s, &cap, "--seed") && push(s, &cap, buf);
    }
    return ok ? GW_OK : gwi_fail(GW_ENOMEM, "out of memory");
}

/* The settings sections: [data] file, [pipeline] seed, [report] title and top. */
static gw_status read_settings(const pl_ini *ini, const char *path, const char *dir,
                               pl_pipeline *out)
{
    for (size_t i = 0; i < ini->nsecs; i++) {
        const pl_section *sec = &ini->secs[i];
        for (size_t k = 0; k < sec->nkv; k++) {
            const char *key = sec->kv[k].key, *v = sec->kv[k].val;
            int line = sec->kv[k].line;
            if (strcmp(sec->kind, "data") == 0 && strcmp(key, "file") == 0) {
                gw_free(out->data);
                if ((out->data = resolve(dir, v, path, line)) == NULL)
                    return gwi_fail_keep(GW_EIO);
            } else if (strcmp(sec->kind, "pipeline") == 0 && strcmp(key, "seed") == 0) {
                char *end;
                out->seed = strtoull(v, &end, 10);
                if (*end != '\0' || v[0] == '\0' || v[0] == '-')
                    return gwi_fail(GW_EINVAL,
                                    "%s:%d: [pipeline] seed '%s' is not a non-negative integer",
                                    path, line, v);
            } else if (strcmp(sec->kind, "report") == 0 && strcmp(key, "title") == 0) {
                gw_free(out->report.title);
                if ((out->report.title = gw_strdup(v)) == NULL)
                    return gwi_fail(GW_ENOMEM, "out of memory");
            } else if (strcmp(sec->kind, "report") == 0 && strcmp(key, "top") == 0) {
                long t = strtol(v, NULL, 10);
                out->report.top = t > 0 && t < 1000 ? (size_t)t : 10;
            }
        }
    }
    if (out->report.title == NULL && (out->report.title = gw_strdup("goodwork report")) == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    return GW_OK;
}

gw_status pl_parse(const char *path, pl_pipeline *out)
{
    pl_ini ini = {0};
    char dir[PATH_MAX];
    size_t len = 0;
    gw_status rc = GW_OK;
    memset(out, 0, sizeof *out);
    out->seed = PL_DEFAULT_SEED;
    out->report.top = 10;
    if ((out->ini_path = gw_strdup(path)) == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    if ((out->ini_text = pl_slurp(path, &len)) == NULL)
        return gwi_fail(GW_EIO, "%s: cannot read: %s", path, strerror(errno));
    if ((rc = pl_ini_parse(path, out->ini_text, len, &ini)) != GW_OK)
        return rc;
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == NULL)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    char real[PATH_MAX];
    if (realpath(dir, real) == NULL || (out->ini_dir = gw_strdup(real)) == NULL) {
        rc = gwi_fail(GW_EIO, "%s: cannot resolve its directory: %s", path, strerror(errno));
        goto done;
    }
    if ((rc = read_settings(&ini, path, dir, out)) != GW_OK)
        goto done;
    for (size_t i = 0; i < ini.nsecs && rc == GW_OK; i++) {
        const pl_section *sec = &ini.secs[i];
        size_t ki = sizeof kinds / sizeof kinds[0];
        for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
            if (strcmp(sec->kind, kinds[k].section) == 0)
                ki = k;
        if (ki == sizeof kinds / sizeof kinds[0])
            continue; /* [data], [pipeline], [report]: read above (pl_ini_parse knows no other) */
        if (out->data == NULL && sec_get(sec, "data") == NULL) {
            rc = gwi_fail(GW_EINVAL, "%s:%d: [%s] has no data: add [data] file = ...", path,
                          sec->line, sec->section);
            break;
        }
        pl_step *ns = gw_realloc(out->steps, (out->nsteps + 1) * sizeof *ns);
        if (ns == NULL) {
            rc = gwi_fail(GW_ENOMEM, "out of memory");
            break;
        }
        out->steps = ns;
        memset(&ns[out->nsteps], 0, sizeof *ns);
        rc = build_step(out, sec, ki, dir, &ns[out->nsteps++]);
    }
    if (rc == GW_OK && out->nsteps == 0) {
        rc = gwi_fail(GW_EINVAL, "%s: no steps (add sections such as [model NAME])", path);
    }
done:
    pl_ini_free(&ini);
    return rc;
}

static void step_free(pl_step *s)
{
    for (size_t i = 0; i < s->argc; i++)
        gw_free(s->argv[i]);
    gw_free(s->argv);
    gw_free(s->name);
    gw_free(s->kind);
    gw_free(s->group);
    gw_free(s->input);
    gw_free(s->input_rel);
    gw_free(s->sha256);
}

void pl_free(pl_pipeline *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->nsteps; i++)
        step_free(&p->steps[i]);
    gw_free(p->steps);
    gw_free(p->ini_path);
    gw_free(p->ini_text);
    gw_free(p->data);
    gw_free(p->ini_dir);
    gw_free(p->report.title);
    memset(p, 0, sizeof *p);
}

gw_status pl_hash_inputs(pl_pipeline *p)
{
    for (size_t i = 0; i < p->nsteps; i++) {
        char hex[65];
        if (gw_sha256_file(p->steps[i].input, hex) != GW_OK) {
            gwi_prefix_error("step %s", p->steps[i].name);
            return GW_EIO;
        }
        gw_free(p->steps[i].sha256);
        if ((p->steps[i].sha256 = gw_strdup(hex)) == NULL)
            return gwi_fail(GW_ENOMEM, "out of memory");
    }
    return GW_OK;
}

int pl_run_step(const char *exe, const pl_step *s, const char *results, int threads,
                const char *stdout_path, const char *stderr_path)
{
    char **argv = gw_calloc(s->argc + 4, sizeof *argv), nthreads[32];
    posix_spawn_file_actions_t fa;
    int rc = -1, status = 0;
    pid_t pid;
    if (argv == NULL) {
        gwi_fail(GW_ENOMEM, "out of memory");
        return -1;
    }
    size_t n = 0;
    argv[n++] = (char *)(uintptr_t)exe;
    for (size_t i = 0; i < s->argc; i++) {
        /* The run's thread count replaces a section's own "threads" key (the step would refuse
         * --threads twice); it is the machine's to choose, and no result depends on it. */
        if (threads > 0 && strcmp(s->argv[i], "--threads") == 0) {
            if (i + 1 < s->argc && strncmp(s->argv[i + 1], "--", 2) != 0)
                i++; /* its value ("threads = true" has none) */
            continue;
        }
        if (threads > 0 && strncmp(s->argv[i], "--threads=", 10) == 0)
            continue;
        argv[n++] =
            strcmp(s->argv[i], PL_RESULTS_TOKEN) == 0 ? (char *)(uintptr_t)results : s->argv[i];
    }
    if (threads > 0) {
        snprintf(nthreads, sizeof nthreads, "%d", threads);
        argv[n++] = (char *)(uintptr_t) "--threads";
        argv[n++] = nthreads;
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, stdout_path ? stdout_path : "/dev/null",
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, stderr_path ? stderr_path : "/dev/null",
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    /* The step's outputs are partial until it ends: a signal removes them, and ends the step
     * first (gw_cleanup_on_signal). The signals are blocked from the spawn until the child is
     * recorded, so that none can end this process in between and leave the step running; the
     * child starts with the caller's mask. */
    int slots[3] = {-1, -1, -1};
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setsigmask(&attr, &old);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
    if (stdout_path != NULL)
        slots[0] = gwi_cleanup_add_file(stdout_path);
    if (stderr_path != NULL)
        slots[1] = gwi_cleanup_add_file(stderr_path);
    fflush(NULL);
    int e = posix_spawn(&pid, exe, &fa, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    if (e == 0)
        slots[2] = gwi_cleanup_add_child(pid);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e != 0) {
        gwi_fail(GW_EIO, "step %s: cannot start %s: %s", s->name, exe, strerror(e));
    } else {
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        rc = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
    }
    for (int i = 2; i >= 0; i--)
        gwi_cleanup_remove(slots[i]);
    gw_free(argv);
    return rc;
}

char *pl_argv_text(const pl_step *s, const char *results)
{
    size_t len = 16;
    for (size_t i = 0; i < s->argc; i++)
        len += 3 + 4 * strlen(strcmp(s->argv[i], PL_RESULTS_TOKEN) == 0 && results ? results
                                                                                   : s->argv[i]);
    char *t = gw_malloc(len), *w = t;
    if (t == NULL)
        return NULL;
    w += sprintf(w, "goodwork");
    for (size_t i = 0; i < s->argc; i++) {
        const char *a = strcmp(s->argv[i], PL_RESULTS_TOKEN) == 0 && results ? results : s->argv[i];
        int plain = a[0] != '\0';
        for (const char *c = a; *c; c++)
            if (!(strchr("-_./,=:+@", *c) || (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') ||
                  (*c >= 'A' && *c <= 'Z')))
                plain = 0;
        *w++ = ' ';
        if (plain) {
            w += sprintf(w, "%s", a);
            continue;
        }
        *w++ = '\'';
        for (const char *c = a; *c; c++) {
            if (*c == '\'')
                w += sprintf(w, "'\\''");
            else
                *w++ = *c;
        }
        *w++ = '\'';
    }
    *w = '\0';
    return t;
}

/* ---- /pipeline in the results file -------------------------------------------------------- */

/* The datasets of /pipeline; the last, step_input_rel, is absent from files written before it
 * was added (then the absolute step_input is used). */
static const char *const pl_fields[] = {"step_name", "step_kind",     "step_group",
                                        "step_argv", "step_input",    "step_input_sha256",
                                        "step_seed", "step_input_rel"};
#define PL_NWRITE (sizeof pl_fields / sizeof pl_fields[0])
#define PL_NFIELDS (PL_NWRITE - 1)

char *pl_relpath(const char *from, const char *to)
{
    const char *f = from, *t = to;
    for (;;) { /* past the leading components the two share */
        while (*f == '/')
            f++;
        while (*t == '/')
            t++;
        size_t lf = strcspn(f, "/"), lt = strcspn(t, "/");
        if (lf == 0 || lf != lt || strncmp(f, t, lf) != 0)
            break;
        f += lf;
        t += lt;
    }
    size_t ups = 0;
    for (const char *c = f; *c != '\0'; c += strcspn(c, "/")) {
        while (*c == '/')
            c++;
        if (*c == '\0')
            break;
        ups++;
    }
    size_t tl = strlen(t);
    while (tl > 0 && t[tl - 1] == '/')
        tl--;
    char *out = gw_malloc(3 * ups + tl + 2), *w = out;
    if (out == NULL)
        return NULL;
    for (size_t k = 0; k < ups; k++)
        w += sprintf(w, "..%s", k + 1 < ups || tl > 0 ? "/" : "");
    memcpy(w, t, tl);
    w[tl] = '\0';
    if (out[0] == '\0')
        sprintf(out, ".");
    return out;
}

gw_status pl_record(const pl_pipeline *p, const char *results, const char *final_dir,
                    const char *command_line)
{
    size_t n = p->nsteps;
    char **cols[PL_NWRITE] = {0};
    char *pdir = p->ini_dir && final_dir ? pl_relpath(final_dir, p->ini_dir) : gw_strdup("");
    char seedtext[32];
    gw_status rc = GW_ENOMEM;
    if (pdir == NULL)
        goto done;
    for (size_t f = 0; f < PL_NWRITE; f++)
        if ((cols[f] = gw_calloc(n, sizeof(char *))) == NULL)
            goto done;
    for (size_t i = 0; i < n; i++) {
        const pl_step *s = &p->steps[i];
        cJSON *a = cJSON_CreateArray();
        for (size_t j = 0; a != NULL && j < s->argc; j++)
            cJSON_AddItemToArray(a, cJSON_CreateString(s->argv[j]));
        snprintf(seedtext, sizeof seedtext, "%llu", (unsigned long long)s->seed);
        cols[0][i] = gw_strdup(s->name);
        cols[1][i] = gw_strdup(s->kind);
        cols[2][i] = gw_strdup(s->group);
        char *js = a ? cJSON_PrintUnformatted(a) : NULL;
        cols[3][i] = gw_strdup(js);
        free(js);
        cJSON_Delete(a);
        cols[4][i] = gw_strdup(s->input);
        cols[5][i] = gw_strdup(s->sha256 ? s->sha256 : "");
        cols[6][i] = gw_strdup(s->has_seed ? seedtext : "");
        cols[7][i] = p->ini_dir ? pl_relpath(p->ini_dir, s->input) : gw_strdup("");
        for (size_t f = 0; f < PL_NWRITE; f++)
            if (cols[f][i] == NULL)
                goto done;
    }
    gw_h5_item items[PL_NWRITE];
    for (size_t f = 0; f < PL_NWRITE; f++)
        items[f] =
            (gw_h5_item){pl_fields[f], GW_H5_STR, n, 0, NULL, NULL, (const char *const *)cols[f]};
    gw_h5_attr attrs[] = {
        {"ini_text", GW_H5_STR, 0.0, 0, p->ini_text},
        {"ini_path", GW_H5_STR, 0.0, 0, p->ini_path},
        {"pipeline_dir", GW_H5_STR, 0.0, 0, pdir},
        {"nsteps", GW_H5_I64, 0.0, (int64_t)n, NULL},
    };
    gw_provenance prov = {0};
    prov.command_line = command_line;
    /* The pipeline seed is the provenance seed (a plain attribute "seed" would be removed by
     * the provenance writer, which deletes "seed" when the provenance has none). */
    prov.seed = p->seed;
    prov.has_seed = 1;
    prov.blas = gw_blas_info();
    prov.data_sha256 = n ? p->steps[0].sha256 : NULL;
    gw_status s =
        gw_results_append_group(results, "/pipeline", items, PL_NWRITE, attrs,
                                sizeof attrs / sizeof attrs[0], &prov, GW_RESULTS_REPLACE);
    rc = s != GW_OK ? gwi_fail_keep(s) : GW_OK;
done:
    for (size_t f = 0; f < PL_NWRITE; f++) {
        for (size_t i = 0; cols[f] != NULL && i < n; i++)
            gw_free(cols[f][i]);
        gw_free(cols[f]);
    }
    gw_free(pdir);
    return rc == GW_ENOMEM ? gwi_fail(rc, "out of memory") : rc;
}

/* The [report] options of a loaded pipeline, read from its recorded text (the defaults when it
 * has none or it no longer parses). */
static void load_report_opts(pl_pipeline *p)
{
    pl_ini ini = {0};
    p->report.top = 10;
    if (p->ini_text != NULL &&
        pl_ini_parse("(recorded pipeline)", p->ini_text, strlen(p->ini_text), &ini) == GW_OK) {
        for (size_t i = 0; i < ini.nsecs; i++)
            for (size_t k = 0; strcmp(ini.secs[i].kind, "report") == 0 && k < ini.secs[i].nkv;
                 k++) {
                const pl_kv *kv = &ini.secs[i].kv[k];
                if (strcmp(kv->key, "title") == 0) {
                    gw_free(p->report.title);
                    p->report.title = gw_strdup(kv->val);
                } else if (strcmp(kv->key, "top") == 0) {
                    long t = strtol(kv->val, NULL, 10);
                    p->report.top = t > 0 && t < 1000 ? (size_t)t : 10;
                }
            }
        pl_ini_free(&ini);
    }
}

gw_status pl_load(const char *results, pl_pipeline *out)
{
    char **cols[PL_NFIELDS] = {0};
    size_t ns[PL_NFIELDS] = {0};
    char **ini = NULL, **rel = NULL;
    size_t nini = 0, nrel = 0;
    gw_status rc = GW_EIO;
    memset(out, 0, sizeof *out);
    for (size_t f = 0; f < PL_NFIELDS; f++) {
        char obj[64];
        snprintf(obj, sizeof obj, "/pipeline/%s", pl_fields[f]);
        if (gw_h5_read_strings(results, obj, NULL, &cols[f], &ns[f]) != GW_OK) {
            char why[1024]; /* a copy: gwi_fail rewrites the message it would read */
            snprintf(why, sizeof why, "%s", gw_last_error());
            rc = gwi_fail(GW_EIO, "%s: no recorded pipeline (%s)", results, why);
            goto done;
        }
        if (ns[f] != ns[0]) {
            rc = gwi_fail(GW_EFORMAT, "%s: /pipeline: %s has %zu entries, expected %zu", results,
                          pl_fields[f], ns[f], ns[0]);
            goto done;
        }
    }
    if (gw_h5_read_strings(results, "/pipeline", "ini_text", &ini, &nini) == GW_OK && nini == 1)
        out->ini_text = gw_strdup(ini[0]);
    gw_h5_strings_free(ini, nini);
    ini = NULL;
    nini = 0;
    if (gw_h5_read_strings(results, "/pipeline", "pipeline_dir", &ini, &nini) == GW_OK &&
        nini == 1 && ini[0][0] != '\0')
        out->ini_dir = gw_strdup(ini[0]);
    /* Optional: absent from files written before it was recorded. */
    if (gw_h5_read_strings(results, "/pipeline/step_input_rel", NULL, &rel, &nrel) != GW_OK ||
        nrel != ns[0]) {
        gw_h5_strings_free(rel, nrel);
        rel = NULL;
        nrel = 0;
    }
    load_report_opts(out);
    rc = GW_ENOMEM;
    if ((out->steps = gw_calloc(ns[0] ? ns[0] : 1, sizeof *out->steps)) == NULL)
        goto done;
    out->nsteps = ns[0];
    for (size_t i = 0; i < ns[0]; i++) {
        pl_step *s = &out->steps[i];
        size_t cap = 0;
        s->name = gw_strdup(cols[0][i]);
        s->kind = gw_strdup(cols[1][i]);
        s->group = gw_strdup(cols[2][i]);
        s->input = gw_strdup(cols[4][i]);
        s->input_rel = rel != NULL && rel[i][0] != '\0' ? gw_strdup(rel[i]) : NULL;
        s->sha256 = gw_strdup(cols[5][i]);
        s->has_seed = cols[6][i][0] != '\0';
        s->seed = strtoull(cols[6][i], NULL, 10);
        cJSON *a = cJSON_Parse(cols[3][i]);
        if (!cJSON_IsArray(a)) {
            cJSON_Delete(a);
            rc =
                gwi_fail(GW_EFORMAT, "%s: /pipeline: step %s: malformed argv", results, cols[0][i]);
            goto done;
        }
        int ok = 1;
        const cJSON *it;
        cJSON_ArrayForEach(it, a) ok = ok && cJSON_IsString(it) && push(s, &cap, it->valuestring);
        cJSON_Delete(a);
        if (!ok || s->name == NULL || s->kind == NULL || s->group == NULL || s->input == NULL ||
            s->sha256 == NULL || s->argc == 0)
            goto done;
    }
    rc = GW_OK;
done:
    for (size_t f = 0; f < PL_NFIELDS; f++)
        gw_h5_strings_free(cols[f], ns[f]);
    gw_h5_strings_free(ini, nini);
    gw_h5_strings_free(rel, nrel);
    if (rc != GW_OK)
        pl_free(out);
    return rc == GW_ENOMEM ? gwi_fail(rc, "out of memory") : rc;
}
