/* test_results_lock.c -- writers of one results file are serialised (issue 17, "Serialised
 * appends") and a signal leaves no partial output (gw_cleanup.h).
 *
 * The lock is taken here by hand (open + flock of "<dir>/.<base>.lock", the documented lock
 * file), so these tests hold the library to the protocol rather than to its own code: a second
 * writer waits and then appends to the file the first one left; it gives up after
 * GW_LOCK_TIMEOUT with "results file busy"; a lock holder killed by SIGKILL blocks nobody; a
 * writer ended by SIGTERM in the middle of a write (its handler calling gw_cleanup_on_signal)
 * leaves neither its temporary nor a changed target. The many-process stress test is
 * tests/cli/test_lock_cli.c. */
#define _DEFAULT_SOURCE /* usleep */
#include "gw_test.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core_int.h"
#include "gw_cleanup.h"
#include "gw_hdf5.h"
#include "gw_result.h"
#include "hdf5_int.h"

static const char *tpath(const char *name)
{
    static char paths[8][1024];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, 1024, "%s/%s", gwt_tmpdir(), name);
    return p;
}

/* A one-coefficient result whose estimate is v. */
static gw_result *result_with(double v)
{
    gw_result *r = NULL;
    assert_int_equal(gw_result_new(1, &r), GW_OK);
    gw_result_set_str(&r->estimator, "ols");
    gw_result_set_str(&r->formula, "y ~ 0 + x");
    gw_result_set_str(&r->terms[0], "x");
    r->estimate[0] = v;
    r->std_error[0] = 1;
    r->vcov[0] = 1;
    r->nobs = 10;
    return r;
}

static int append(const char *path, const char *name, double v)
{
    gw_result *r = result_with(v);
    gw_status s = gw_results_append(path, name, r, NULL);
    gw_result_free(r);
    return (int)s;
}

/* The estimate of model name in path (NaN when the file or model is missing). */
static double estimate_of(const char *path, const char *name)
{
    gw_results *res = NULL;
    gw_result *r = NULL;
    double v = NAN;
    if (gw_results_open(path, &res) != GW_OK)
        return v;
    if (gw_results_get(res, name, &r) == GW_OK)
        v = r->estimate[0];
    gw_result_free(r);
    gw_results_close(res);
    return v;
}

static size_t nmodels(const char *path)
{
    gw_results *res = NULL;
    if (gw_results_open(path, &res) != GW_OK)
        return 0;
    size_t n = gw_results_nmodels(res);
    gw_results_close(res);
    return n;
}

/* Takes the lock of path the way another writer would; returns its descriptor. */
static int hold_lock(const char *dir_base_lock)
{
    int fd = open(dir_base_lock, O_RDONLY | O_CREAT, 0666);
    assert_true(fd >= 0);
    assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
    return fd;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* While another process holds the lock, a writer waits; meanwhile the holder replaces the file
 * (as its commit would), and the waiter's model lands in that new file, next to the holder's. */
static void test_append_waits_then_appends_to_new_file(void **state)
{
    (void)state;
    const char *path = tpath("wait.h5"), *other = tpath("wait-first.h5");
    assert_int_equal(append(path, "old", 1.0), GW_OK);
    int fd = hold_lock(tpath(".wait.h5.lock"));
    setenv("GW_LOCK_TIMEOUT", "20", 1);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fd); /* the inherited descriptor shares the parent's lock */
        int s = append(path, "second", 2.0);
        if (s != GW_OK)
            fprintf(stderr, "child: %s\n", gw_last_error());
        _exit(s == GW_OK ? 0 : 1);
    }
    usleep(300000); /* the child is waiting by now (and must not have written) */
    assert_int_equal(nmodels(path), 1);
    /* The first writer's commit: a file holding "old" and "first" renamed over path. */
    assert_int_equal(append(other, "old", 1.0), GW_OK);
    assert_int_equal(append(other, "first", 3.0), GW_OK);
    assert_int_equal(rename(other, path), 0);
    close(fd);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(nmodels(path), 3);
    assert_true(estimate_of(path, "first") == 3.0);
    assert_true(estimate_of(path, "second") == 2.0);
    unsetenv("GW_LOCK_TIMEOUT");
}

/* A lock held past GW_LOCK_TIMEOUT: GW_EIO "results file busy", nothing written. */
static void test_append_busy_after_timeout(void **state)
{
    (void)state;
    const char *path = tpath("busy.h5");
    assert_int_equal(append(path, "a", 1.0), GW_OK);
    struct stat before;
    assert_int_equal(stat(path, &before), 0);
    int fd = hold_lock(tpath(".busy.h5.lock"));
    setenv("GW_LOCK_TIMEOUT", "0.3", 1);
    double t0 = gwi_seconds();
    assert_int_equal(append(path, "b", 2.0), GW_EIO);
    double waited = gwi_seconds() - t0;
    if (strstr(gw_last_error(), "results file busy") == NULL)
        fail_msg("message: %s", gw_last_error());
    if (waited < 0.3 || waited > 5)
        fail_msg("waited %.3f s for a 0.3 s timeout", waited);
    struct stat after;
    assert_int_equal(stat(path, &after), 0);
    assert_true(after.st_ino == before.st_ino && after.st_size == before.st_size);
    assert_int_equal(nmodels(path), 1);
    setenv("GW_LOCK_TIMEOUT", "soon", 1);
    assert_int_equal(append(path, "b", 2.0), GW_EINVAL);
    assert_non_null(strstr(gw_last_error(), "GW_LOCK_TIMEOUT"));
    close(fd);
    setenv("GW_LOCK_TIMEOUT", "0", 1); /* free now: no wait needed */
    assert_int_equal(append(path, "b", 2.0), GW_OK);
    assert_int_equal(nmodels(path), 2);
    unsetenv("GW_LOCK_TIMEOUT");
}

/* A holder killed by SIGKILL releases the lock with its death. */
static void test_killed_holder_blocks_nobody(void **state)
{
    (void)state;
    const char *path = tpath("killed.h5"), *lock = tpath(".killed.h5.lock");
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(lock, O_RDONLY | O_CREAT, 0666);
        if (fd < 0 || flock(fd, LOCK_EX) != 0 || write(ready[1], "r", 1) != 1)
            _exit(1);
        for (;;)
            pause();
    }
    char byte;
    assert_int_equal(read(ready[0], &byte, 1), 1);
    setenv("GW_LOCK_TIMEOUT", "0", 1);
    assert_int_equal(append(path, "a", 1.0), GW_EIO); /* held */
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    assert_int_equal(append(path, "a", 1.0), GW_OK);
    assert_true(estimate_of(path, "a") == 1.0);
    unsetenv("GW_LOCK_TIMEOUT");
    close(ready[0]);
    close(ready[1]);
}

static void on_term(int sig)
{
    gw_cleanup_on_signal(sig);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* SIGTERM in the middle of a write (temporary made, lock held): the handler's
 * gw_cleanup_on_signal removes the temporary, the target keeps its bytes, the lock goes. */
static void test_signal_mid_write_leaves_nothing(void **state)
{
    (void)state;
    const char *path = tpath("sig.h5");
    assert_int_equal(append(path, "a", 1.0), GW_OK);
    struct stat before;
    assert_int_equal(stat(path, &before), 0);
    char tmp[1100];
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGTERM, on_term);
        gwi_atomic w = GWI_ATOMIC_INIT;
        int existed = 0;
        if (gwi_atomic_begin(&w, path, "results file", 1, &existed) != GW_OK || !existed ||
            write(ready[1], "r", 1) != 1)
            _exit(1);
        for (;;)
            pause();
    }
    char byte;
    assert_int_equal(read(ready[0], &byte, 1), 1);
    snprintf(tmp, sizeof tmp, "%s/.sig.h5.tmp.%ld", gwt_tmpdir(), (long)pid);
    assert_true(exists(tmp)); /* the write is under way */
    kill(pid, SIGTERM);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
    assert_false(exists(tmp));
    struct stat after;
    assert_int_equal(stat(path, &after), 0);
    assert_true(after.st_ino == before.st_ino && after.st_size == before.st_size &&
                after.st_mtime == before.st_mtime);
    setenv("GW_LOCK_TIMEOUT", "0", 1);
    assert_int_equal(append(path, "b", 2.0), GW_OK);
    assert_int_equal(nmodels(path), 2);
    unsetenv("GW_LOCK_TIMEOUT");
    close(ready[0]);
    close(ready[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_waits_then_appends_to_new_file),
        cmocka_unit_test(test_append_busy_after_timeout),
        cmocka_unit_test(test_killed_holder_blocks_nobody),
        cmocka_unit_test(test_signal_mid_write_leaves_nothing),
    };
    return cmocka_run_group_tests_name("results_lock", tests, NULL, NULL);
}
