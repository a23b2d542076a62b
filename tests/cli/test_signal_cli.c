/* test_signal_cli.c -- SIGINT or SIGTERM during a long command leaves no partial output (issue
 * 17, "Soak"; cli/main.c's handler, gw_cleanup.h).
 *
 * A fit whose --data is a FIFO nobody writes to is stopped at a known point, with its handlers
 * installed: ended there by SIGTERM or SIGINT, it dies of that signal and leaves its --out file
 * byte for byte as it was, with no temporary beside it. A pipeline whose second step is a long
 * mediation (a million bootstrap draws) is ended by SIGTERM sent to `goodwork run` alone, once
 * the first step has stored its model in results.h5.partial and the second is running: the step
 * process is ended too (it would otherwise go on and write), results.h5.partial, the running
 * step's outputs and every temporary are removed, and the previous results.h5 is untouched.
 * The middle of a write (a temporary present) is tests/io/test_results_lock.c's. */
#define _DEFAULT_SOURCE /* usleep */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gw_test.h"

static const char *tpath(const char *name)
{
    static char paths[16][1024];
    static int next;
    char *p = paths[next++ % 16];
    snprintf(p, 1024, "%s/%s", gwt_tmpdir(), name);
    return p;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void assert_same_bytes(const char *path, const char *bytes, size_t len)
{
    size_t n = 0;
    char *now = gwt_read_file(path, &n);
    if (now == NULL || n != len || memcmp(now, bytes, len) != 0)
        fail_msg("%s changed", path);
    free(now);
}

/* Names in dir that contain needle (hidden ones included). */
static int count_in_dir(const char *dir, const char *needle)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strstr(e->d_name, needle) != NULL;
    closedir(d);
    return n;
}

/* Starts goodwork with args (NULL-terminated), its output to /dev/null. */
static pid_t start(const char *const *args)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        const char *argv[40] = {GW_CLI};
        for (int i = 0; args[i] != NULL && i < 38; i++)
            argv[i + 1] = args[i];
        execv(GW_CLI, (char *const *)(void *)argv);
        _exit(127);
    }
    return pid;
}

/* The state letter of pid in /proc (0 when it cannot be read). */
static char proc_state(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *close_paren = strrchr(buf, ')');
    return close_paren != NULL && close_paren[1] == ' ' ? close_paren[2] : 0;
}

/* A child of parent (scanning /proc), or -1. */
static pid_t child_of(pid_t parent)
{
    DIR *d = opendir("/proc");
    pid_t found = -1;
    struct dirent *e;
    while (d != NULL && found < 0 && (e = readdir(d)) != NULL) {
        char path[300], buf[512];
        long pid = strtol(e->d_name, NULL, 10);
        if (pid <= 0)
            continue;
        snprintf(path, sizeof path, "/proc/%ld/stat", pid);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        const char *p = strrchr(buf, ')');
        long ppid = 0;
        char state;
        if (p != NULL && sscanf(p + 1, " %c %ld", &state, &ppid) == 2 && ppid == (long)parent)
            found = (pid_t)pid;
    }
    if (d != NULL)
        closedir(d);
    return found;
}

/* Waits (up to 30 s) until cond(arg) holds. */
static int wait_for(int (*cond)(const void *), const void *arg)
{
    for (int i = 0; i < 3000; i++) {
        if (cond(arg))
            return 1;
        usleep(10000);
    }
    return 0;
}

static int is_sleeping(const void *arg) { return proc_state(*(const pid_t *)arg) == 'S'; }

static void fit_blocked_on_fifo_then(int sig)
{
    const char *csv = gwt_source_path("tests/io/fixtures/results_v1_0.csv");
    char out[1100], fifo[1100];
    snprintf(out, sizeof out, "%s", tpath(sig == SIGTERM ? "term.h5" : "int.h5"));
    snprintf(fifo, sizeof fifo, "%s", tpath(sig == SIGTERM ? "term.csv" : "int.csv"));
    gwt_run_result r = gwt_run_cli("fit", "--data", csv, "--model", "y ~ x", "--out", out, NULL);
    assert_int_equal(r.exit_code, 0);
    gwt_run_free(&r);
    size_t len = 0;
    char *before = gwt_read_file(out, &len);
    assert_non_null(before);
    unlink(fifo);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    pid_t pid = start((const char *const[]){"fit", "--data", fifo, "--model", "y ~ x", "--out", out,
                                            "--name", "second", NULL});
    /* Asleep in open() of the FIFO: past main's set-up, handlers installed. */
    if (!wait_for(is_sleeping, &pid))
        fail_msg("the fit never blocked on its FIFO");
    usleep(50000);
    kill(pid, sig);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != sig)
        fail_msg("status %d: expected death by signal %d", status, sig);
    assert_same_bytes(out, before, len);
    const char *base = strrchr(out, '/') + 1;
    char tmp_prefix[64];
    snprintf(tmp_prefix, sizeof tmp_prefix, ".%s.tmp.", base);
    assert_int_equal(count_in_dir(gwt_tmpdir(), tmp_prefix), 0);
    free(before);
    unlink(fifo);
}

static void test_fit_sigterm_leaves_results_file_as_it_was(void **state)
{
    (void)state;
    fit_blocked_on_fifo_then(SIGTERM);
}

static void test_fit_sigint_leaves_results_file_as_it_was(void **state)
{
    (void)state;
    fit_blocked_on_fifo_then(SIGINT);
}

/* The run builds its output in a directory of its own beside --outdir (".run.tmp.PID.K"),
 * renamed into place only when every step succeeded: step two has started when that
 * directory's steps/slow.json exists. */
static int step_two_started(const void *arg)
{
    (void)arg;
    DIR *d = opendir(gwt_tmpdir());
    int found = 0;
    struct dirent *e;
    while (d != NULL && !found && (e = readdir(d)) != NULL) {
        char p[4096];
        if (strncmp(e->d_name, ".run.tmp.", 9) != 0)
            continue;
        snprintf(p, sizeof p, "%s/%s/steps/slow.json", gwt_tmpdir(), e->d_name);
        found = exists(p);
    }
    if (d != NULL)
        closedir(d);
    return found;
}

static void test_run_sigterm_ends_the_step_and_leaves_no_partial(void **state)
{
    (void)state;
    char ini[4096], outdir[1100], results[1200], partial[1200], step_out[1200], step_log[1200];
    snprintf(ini, sizeof ini,
             "[pipeline]\nseed = 1\n\n[data]\nfile = %s\n\n[model quick]\nmodel = life_sat ~ "
             "emp_rate\n\n[mediate slow]\ntreatment = emp_rate\nmediator = autonomy_share\n"
             "outcome = life_sat\nboot = 1000000\n",
             gwt_source_path("datasets/uk_la_panel.csv"));
    const char *ini_path = gwt_write_file("slow.ini", ini);
    snprintf(outdir, sizeof outdir, "%s", tpath("run"));
    assert_int_equal(mkdir(outdir, 0777), 0);
    snprintf(results, sizeof results, "%s/results.h5", outdir);
    snprintf(partial, sizeof partial, "%s/results.h5.partial", outdir);
    snprintf(step_out, sizeof step_out, "%s/steps/slow.json", outdir);
    snprintf(step_log, sizeof step_log, "%s/steps/slow.log", outdir);
    /* The previous run's results.h5: any results file will do. */
    size_t len = 0;
    char *before = gwt_read_file(gwt_source_path("tests/io/fixtures/results_v1_0.h5"), &len);
    assert_non_null(before);
    FILE *f = fopen(results, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(before, 1, len, f), len);
    fclose(f);

    pid_t pid = start((const char *const[]){"run", ini_path, "--outdir", outdir, NULL});
    if (!wait_for(step_two_started, NULL))
        fail_msg("the pipeline's second step never started");
    pid_t step = -1;
    for (int i = 0; i < 300 && step < 0; i++, usleep(10000))
        step = child_of(pid);
    assert_true(step > 0);
    kill(pid, SIGTERM); /* the runner alone, as `kill PID` would */
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGTERM)
        fail_msg("status %d: expected death by SIGTERM", status);
    /* The step was ended and reaped before the runner died: it no longer exists. */
    if (kill(step, 0) == 0 || errno != ESRCH) {
        kill(step, SIGKILL); /* not left running after a failure */
        fail_msg("the running step (pid %ld) outlived the pipeline", (long)step);
    }
    /* The old output as it was, and nothing of the interrupted run: no results file under
     * construction, no step output, no directory beside it. */
    assert_same_bytes(results, before, len);
    assert_false(exists(partial));
    assert_false(exists(step_out));
    assert_false(exists(step_log));
    assert_int_equal(count_in_dir(outdir, ".tmp"), 0);
    assert_int_equal(count_in_dir(gwt_tmpdir(), ".run.tmp."), 0);
    free(before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fit_sigterm_leaves_results_file_as_it_was),
        cmocka_unit_test(test_fit_sigint_leaves_results_file_as_it_was),
        cmocka_unit_test(test_run_sigterm_ends_the_step_and_leaves_no_partial),
    };
    return cmocka_run_group_tests_name("signal_cli", tests, NULL, NULL);
}
