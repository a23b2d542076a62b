/* gw_test.c -- test support implementation. */
#include "gw_test.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gw_alloc.h"
#include "gw_csv.h"
#include "gw_frame.h"

double gwt_lre(double actual, double certified)
{
    double err = fabs(actual - certified);
    if (certified != 0.0)
        err /= fabs(certified);
    if (err == 0.0)
        return 17.0;
    double lre = -log10(err);
    return lre > 17.0 ? 17.0 : lre;
}

void gwt_assert_close(double actual, double expected, double rtol, double atol, const char *expr,
                      const char *file, int line)
{
    if (isnan(actual) && isnan(expected))
        return;
    if (!isfinite(actual) || !isfinite(expected) ||
        !(fabs(actual - expected) <= atol + rtol * fabs(expected))) {
        fail_msg("%s:%d: %s = %.17g, expected %.17g (rtol %g, atol %g)", file, line, expr, actual,
                 expected, rtol, atol);
    }
}

void gwt_assert_lre(double actual, double certified, double min_digits, const char *expr,
                    const char *file, int line)
{
    double lre = gwt_lre(actual, certified);
    if (!(lre >= min_digits))
        fail_msg("%s:%d: %s = %.17g, certified %.17g: LRE %.2f < %.2f", file, line, expr, actual,
                 certified, lre, min_digits);
}

/* Reads everything from two pipes at once so that neither child stream can block. */
static void drain(int fdo, int fde, char **out, char **err)
{
    size_t cap[2] = {4096, 4096}, len[2] = {0, 0};
    char *buf[2] = {malloc(cap[0]), malloc(cap[1])};
    struct pollfd pfd[2] = {{fdo, POLLIN, 0}, {fde, POLLIN, 0}};
    int open_n = 2;
    while (open_n > 0) {
        if (poll(pfd, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int k = 0; k < 2; k++) {
            if (pfd[k].fd < 0 || !(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            if (len[k] + 4096 + 1 > cap[k]) {
                cap[k] = 2 * cap[k] + 4096;
                buf[k] = realloc(buf[k], cap[k]);
            }
            ssize_t got = read(pfd[k].fd, buf[k] + len[k], 4096);
            if (got <= 0) {
                pfd[k].fd = -1;
                open_n--;
            } else {
                len[k] += (size_t)got;
            }
        }
    }
    buf[0][len[0]] = '\0';
    buf[1][len[1]] = '\0';
    *out = buf[0];
    *err = buf[1];
}

gwt_run_result gwt_run(const char *const *argv)
{
    gwt_run_result r = {-1, NULL, NULL};
    int po[2], pe[2];
    if (pipe(po) != 0 || pipe(pe) != 0)
        fail_msg("pipe failed");
    pid_t pid = fork();
    if (pid == 0) {
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        close(po[1]);
        close(pe[1]);
        char *args[256];
        size_t k = 0;
        for (; argv[k] != NULL && k < 255; k++)
            args[k] = strdup(argv[k]);
        args[k] = NULL;
        execv(args[0], args);
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    drain(po[0], pe[0], &r.out, &r.err);
    close(po[0]);
    close(pe[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

gwt_run_result gwt_run_cli(const char *arg0, ...)
{
    const char *argv[256];
    int n = 0;
    argv[n++] = GW_CLI;
    va_list ap;
    va_start(ap, arg0);
    for (const char *a = arg0; a != NULL && n < 255; a = va_arg(ap, const char *))
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    return gwt_run(argv);
}

void gwt_run_free(gwt_run_result *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

const char *gwt_tmpdir(void)
{
    static char dir[256];
    if (dir[0] == '\0') {
        snprintf(dir, sizeof dir, "/tmp/gwtest.XXXXXX");
        if (mkdtemp(dir) == NULL)
            fail_msg("mkdtemp failed");
    }
    return dir;
}

const char *gwt_write_file(const char *name, const char *text)
{
    static char paths[64][512];
    static int next;
    char *p = paths[next++ % 64];
    snprintf(p, 512, "%s/%s", gwt_tmpdir(), name);
    FILE *f = fopen(p, "wb");
    if (f == NULL)
        fail_msg("cannot write %s", p);
    fputs(text, f);
    fclose(f);
    return p;
}

const char *gwt_source_path(const char *rel)
{
    static char paths[16][1024];
    static int next;
    char *p = paths[next++ % 16];
    snprintf(p, 1024, "%s/%s", GW_SOURCE_DIR, rel);
    return p;
}

const char *gwt_tmp_path(const char *name)
{
    static char paths[16][1024];
    static int next;
    char *p = paths[next++ % 16];
    snprintf(p, 1024, "%s/%s", gwt_tmpdir(), name);
    return p;
}

char *gwt_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    if (fread(s, 1, (size_t)n, f) != (size_t)n)
        fail_msg("cannot read %s", path);
    s[n] = '\0';
    fclose(f);
    if (len != NULL)
        *len = (size_t)n;
    return s;
}

char *gwt_read_file_or_fail(const char *path, size_t *len)
{
    char *s = gwt_read_file(path, len);
    if (s == NULL)
        fail_msg("cannot open %s", path);
    return s;
}

void gwt_copy_file(const char *from, const char *to)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    if (a == NULL || b == NULL)
        fail_msg("cannot copy %s to %s", from, to);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, a)) > 0)
        assert_int_equal(fwrite(buf, 1, n, b), n);
    assert_int_equal(ferror(a), 0);
    fclose(a);
    assert_int_equal(fclose(b), 0);
}

void gwt_expect_in(const char *text, const char *needle)
{
    if (strstr(text, needle) == NULL)
        fail_msg("expected '%s' in:\n%.4000s", needle, text);
}

/* ------------------------------------------------------------------------------------------ */
/* Hand-made tables and formulas.                                                             */

void gwt_table_add_num(gw_table *t, const char *name, const double *v, size_t n)
{
    double *c = gw_alloc_array(n, sizeof *c);
    assert_non_null(c);
    memcpy(c, v, n * sizeof *c);
    assert_int_equal(gw_table_add_numeric_take(t, name, c), GW_OK);
}

void gwt_table_add_cat(gw_table *t, const char *name, const int32_t *codes, size_t n,
                       const char *const *levels, size_t nl)
{
    int32_t *c = gw_alloc_array(n, sizeof *c);
    char **l = gw_calloc(nl, sizeof *l);
    assert_non_null(c);
    assert_non_null(l);
    memcpy(c, codes, n * sizeof *c);
    for (size_t k = 0; k < nl; k++)
        l[k] = gw_strdup(levels[k]);
    assert_int_equal(gw_table_add_categorical_take(t, name, c, l, nl), GW_OK);
}

gw_formula *gwt_formula_parse_ok(const char *text)
{
    gw_formula *f = NULL;
    gw_status rc = gw_formula_parse(text, &f);
    if (rc != GW_OK)
        fail_msg("'%s' does not parse: %s", text, gw_last_error());
    assert_non_null(f);
    return f;
}

long gwt_caret_column(const char *msg)
{
    const char *nl = strrchr(msg, '\n');
    if (nl == NULL || strncmp(nl + 1, "  ", 2) != 0)
        return -1;
    const char *c = strchr(nl + 1, '^');
    if (c == NULL || c[1] != '\0')
        return -1;
    for (const char *s = nl + 1; s < c; s++)
        if (*s != ' ')
            return -1;
    return (long)(c - nl - 1) - 2;
}

void gwt_formula_syntax_error(const char *text, long caret, const char *why)
{
    gw_formula *f = (gw_formula *)(uintptr_t)1;
    gw_clear_error();
    gw_status rc = gw_formula_parse(text, &f);
    const char *msg = gw_last_error();
    if (rc != GW_ESYNTAX)
        fail_msg("'%s': status %d (%s), expected GW_ESYNTAX", text, (int)rc, msg);
    assert_null(f);
    if (strstr(msg, why) == NULL)
        fail_msg("'%s': message '%s' lacks '%s'", text, msg, why);
    long col = gwt_caret_column(msg);
    if (col != caret)
        fail_msg("'%s': caret at %ld, expected %ld in\n%s", text, col, caret, msg);
    /* The formula is echoed on the line above the caret, indented by two spaces. */
    const char *first_nl = strchr(msg, '\n');
    assert_non_null(first_nl);
    assert_memory_equal(first_nl + 1, "  ", 2);
}

void gwt_design_expect_names(const gw_design *d, const char *const *want)
{
    size_t p = 0;
    while (want[p] != NULL)
        p++;
    if (d->p != p)
        fail_msg("p = %zu, expected %zu", d->p, p);
    for (size_t j = 0; j < p; j++)
        assert_string_equal(d->terms[j], want[j]);
}

gw_design *gwt_design_csv(const char *csv, const char *formula, const char *weights,
                          const char *cluster)
{
    gw_table *t = NULL;
    gw_formula *f = NULL;
    gw_design *d = NULL;
    gw_frame_opts fo = {0};
    fo.weights = weights;
    fo.cluster[0] = cluster;
    assert_int_equal(gw_csv_read_file(gwt_source_path(csv), NULL, &t), GW_OK);
    assert_int_equal(gw_formula_parse(formula, &f), GW_OK);
    assert_int_equal(gw_frame_build(t, f, &fo, &d), GW_OK);
    gw_formula_free(f);
    gw_table_free(t);
    return d;
}

void gwt_formula_parse_oom(const char *text)
{
    gw_formula *f = NULL;
    for (long k = 0; k < 1000; k++) {
        gw_alloc_fail_after(k);
        gw_status rc = gw_formula_parse(text, &f);
        int failed = gw_alloc_failed();
        gw_alloc_fail_after(-1);
        if (rc == GW_OK) {
            assert_non_null(f);
            gw_formula_free(f);
            if (!failed)
                break;
        } else {
            assert_int_equal(rc, GW_ENOMEM);
            assert_null(f);
        }
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Reference tables.                                                                          */

void gwt_ref_load(const char *rel, gwt_ref_table *t)
{
    FILE *f = fopen(gwt_source_path(rel), "r");
    char line[1024];
    size_t cap = t->n;
    int header = 1;
    if (f == NULL)
        fail_msg("cannot read %s", rel);
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        if (header) {
            header = 0;
            continue;
        }
        if (t->n == cap) {
            cap = cap ? 2 * cap : 1024;
            gwt_ref_row *rows = realloc(t->rows, cap * sizeof *t->rows);
            if (rows == NULL)
                fail_msg("out of memory");
            t->rows = rows;
        }
        gwt_ref_row *r = &t->rows[t->n];
        char *fields[5], *s = line;
        for (int k = 0; k < 5; k++) {
            fields[k] = s;
            if (k < 4) {
                s = strchr(s, ',');
                if (s == NULL)
                    fail_msg("%s: short line", rel);
                *s++ = '\0';
            }
        }
        fields[4][strcspn(fields[4], "\r\n")] = '\0';
        snprintf(r->model, sizeof r->model, "%.63s", fields[0]);
        snprintf(r->vcov, sizeof r->vcov, "%.63s", fields[1]);
        snprintf(r->what, sizeof r->what, "%.63s", fields[2]);
        snprintf(r->term, sizeof r->term, "%.63s", fields[3]);
        r->value = strcmp(fields[4], "NA") == 0 ? (double)NAN : strtod(fields[4], NULL);
        t->n++;
    }
    fclose(f);
}

double gwt_ref_get(const gwt_ref_table *t, const char *model, const char *vcov, const char *what,
                   const char *term)
{
    for (size_t i = 0; i < t->n; i++) {
        const gwt_ref_row *r = &t->rows[i];
        if (strcmp(r->model, model) == 0 && strcmp(r->vcov, vcov) == 0 &&
            strcmp(r->what, what) == 0 && strcmp(r->term, term) == 0)
            return r->value;
    }
    fail_msg("no reference %s/%s/%s/%s", model, vcov, what, term);
    return NAN;
}

size_t gwt_ref_count(const gwt_ref_table *t, const char *model, const char *vcov, const char *what)
{
    size_t c = 0;
    for (size_t i = 0; i < t->n; i++)
        c += strcmp(t->rows[i].model, model) == 0 && strcmp(t->rows[i].vcov, vcov) == 0 &&
             strcmp(t->rows[i].what, what) == 0;
    return c;
}

void gwt_ref_free(gwt_ref_table *t)
{
    free(t->rows);
    t->rows = NULL;
    t->n = 0;
}

double gwt_ref_file(const char *rel, const char *model, const char *vcov, const char *what,
                    const char *term)
{
    static struct {
        char rel[256];
        gwt_ref_table t;
    } cache[16];
    static size_t ncache;
    size_t i = 0;
    while (i < ncache && strcmp(cache[i].rel, rel) != 0)
        i++;
    if (i == ncache) {
        if (ncache == 16)
            fail_msg("too many reference files");
        snprintf(cache[i].rel, sizeof cache[i].rel, "%.255s", rel);
        gwt_ref_load(rel, &cache[i].t);
        ncache++;
    }
    return gwt_ref_get(&cache[i].t, model, vcov, what, term);
}

double gwt_ref_key(const char *rel, const char *key)
{
    FILE *f = fopen(gwt_source_path(rel), "r");
    char line[1024];
    double v = NAN;
    if (f == NULL)
        fail_msg("cannot read %s", rel);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, strlen(key)) == 0) {
            v = strtod(line + strlen(key), NULL);
            break;
        }
    fclose(f);
    if (isnan(v))
        fail_msg("no reference %s in %s", key, rel);
    return v;
}

/* ------------------------------------------------------------------------------------------ */
/* Worst agreement.                                                                           */

static struct {
    char what[128];
    double lre;
} worst[128];
static size_t nworst;

void gwt_note_lre(const char *what, double actual, double expected)
{
    double lre = gwt_lre(actual, expected);
    for (size_t i = 0; i < nworst; i++)
        if (strcmp(worst[i].what, what) == 0) {
            if (lre < worst[i].lre)
                worst[i].lre = lre;
            return;
        }
    if (nworst < 128) {
        snprintf(worst[nworst].what, sizeof worst[nworst].what, "%.127s", what);
        worst[nworst++].lre = lre;
    }
}

void gwt_print_worst_lre(const char *against)
{
    if (nworst == 0)
        return;
    printf("[ worst LRE vs %s ] ", against);
    for (size_t i = 0; i < nworst; i++)
        printf("%s %.1f%s", worst[i].what, worst[i].lre, i + 1 < nworst ? ", " : "\n");
}

/* ------------------------------------------------------------------------------------------ */
/* Random numbers.                                                                            */

void gwt_rng_seed(gwt_rng *r, uint64_t s) { r->state = s * 2654435761u + 0x9E3779B97F4A7C15ull; }

uint64_t gwt_rng_next(gwt_rng *r)
{
    r->state ^= r->state >> 12;
    r->state ^= r->state << 25;
    r->state ^= r->state >> 27;
    return r->state * 2685821657736338717ull;
}

double gwt_rng_unif(gwt_rng *r) { return (double)(gwt_rng_next(r) >> 11) * 0x1.0p-53; }

double gwt_rng_norm(gwt_rng *r)
{
    double u = gwt_rng_unif(r), v = gwt_rng_unif(r);
    return sqrt(-2.0 * log(u + 1e-300)) * cos(6.283185307179586 * v);
}

/* ------------------------------------------------------------------------------------------ */
/* The CLI's JSON.                                                                            */

gwt_run_result gwt_run_cli_argv(const char *const *args)
{
    const char *argv[40] = {GW_CLI};
    size_t n = 0;
    while (args[n] != NULL && n + 2 < 40) {
        argv[n + 1] = args[n];
        n++;
    }
    argv[n + 1] = NULL;
    return gwt_run(argv);
}

cJSON *gwt_cli_json(const char *const *args)
{
    gwt_run_result r = gwt_run_cli_argv(args);
    if (r.exit_code != 0 || r.err[0] != '\0')
        fail_msg("exit %d\nstdout: %s\nstderr: %s", r.exit_code, r.out, r.err);
    cJSON *o = cJSON_Parse(r.out);
    if (o == NULL)
        fail_msg("not JSON:\n%s", r.out);
    gwt_run_free(&r);
    return o;
}

double gwt_json_num(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!cJSON_IsNumber(v))
        fail_msg("no number %s", name);
    return v->valuedouble;
}

const char *gwt_json_str(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!cJSON_IsString(v))
        fail_msg("no string %s", name);
    return v->valuestring;
}

size_t gwt_term_index(const gw_result *r, const char *term)
{
    for (size_t j = 0; j < r->k; j++)
        if (strcmp(r->terms[j], term) == 0)
            return j;
    fail_msg("no term %s", term);
    return 0;
}

void gwt_assert_same_result(const gw_result *a, const gw_result *b)
{
    assert_int_equal(a->k, b->k);
    assert_int_equal(a->nobs, b->nobs);
    for (size_t j = 0; j < a->k; j++)
        assert_string_equal(a->terms[j], b->terms[j]);
    assert_memory_equal(a->estimate, b->estimate, a->k * sizeof(double));
    assert_memory_equal(a->std_error, b->std_error, a->k * sizeof(double));
    assert_memory_equal(a->vcov, b->vcov, a->k * a->k * sizeof(double));
}

void gwt_assert_grunfeld_m1(const gw_result *r, const char *vcov)
{
    static const char ref[] = "datasets/generated/grunfeld_ref.csv";
    assert_int_equal(r->k, 3);
    for (size_t j = 0; j < 3; j++) {
        gw_assert_close(r->estimate[j], gwt_ref_file(ref, "m1", vcov, "estimate", r->terms[j]),
                        1e-10, 0.0);
        gw_assert_close(r->std_error[j], gwt_ref_file(ref, "m1", vcov, "std_error", r->terms[j]),
                        1e-10, 0.0);
    }
    assert_string_equal(r->formula, "inv ~ value + capital");
    assert_string_equal(r->vcov_type, vcov);
    assert_string_equal(r->estimator, "ols");
}

void gwt_mpi_env(void)
{
    /* mpirun as root (CI containers) and more ranks than cores. */
    setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
    setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
    setenv("OMPI_MCA_rmaps_base_oversubscribe", "1", 1);
    /* One node: shared memory only, no probing of network transports (UCX, libfabric), which
     * costs about a second per mpirun on the CI machine. */
    setenv("OMPI_MCA_pml", "ob1", 1);
    setenv("OMPI_MCA_btl", "self,vader", 1);
    setenv("OMPI_MCA_osc", "^ucx", 1);
    setenv("OMPI_MCA_mtl", "^ofi", 1);
#if defined(__SANITIZE_ADDRESS__)
    /* Sanitizer builds: Open MPI's own start-up allocations, kept until exit, are not ours to
     * report. The suppressions name Open MPI's libraries, which LeakSanitizer sees only with
     * full stacks (its fast unwinder stops in libraries built without frame pointers) and
     * with the components kept loaded (not dlclose'd). goodwork's allocations stay checked. */
    static char lsan[4300];
    snprintf(lsan, sizeof lsan, "suppressions=%s:fast_unwind_on_malloc=0",
             gwt_source_path("tests/cli/mpi_lsan.supp"));
    setenv("LSAN_OPTIONS", lsan, 1);
    setenv("ASAN_OPTIONS", "fast_unwind_on_malloc=0", 0);
    setenv("OMPI_MCA_mca_base_component_disable_dlclose", "1", 1);
#endif
}

char *gwt_hdf5_leak_env_push(void)
{
    static char supp[4096 + 64], asan[4096 + 64];
    char *asan_was = getenv("ASAN_OPTIONS");
    snprintf(supp, sizeof supp, "suppressions=%s/tests/fuzz/lsan_hdf5.supp", GW_SOURCE_DIR);
    setenv("LSAN_OPTIONS", supp, 1);
    /* the suppression needs full stacks through libhdf5, which has no frame pointers */
    snprintf(asan, sizeof asan, "%s%sfast_unwind_on_malloc=0", asan_was ? asan_was : "",
             asan_was && asan_was[0] ? ":" : "");
    asan_was = asan_was ? gw_strdup(asan_was) : NULL;
    setenv("ASAN_OPTIONS", asan, 1);
    return asan_was;
}

void gwt_hdf5_leak_env_pop(char *saved)
{
    unsetenv("LSAN_OPTIONS");
    if (saved != NULL)
        setenv("ASAN_OPTIONS", saved, 1);
    else
        unsetenv("ASAN_OPTIONS");
    gw_free(saved);
}
