/* cleanup.c -- the table of in-progress temporaries and child processes (gw_cleanup.h).
 *
 * Why process-global state in a library that otherwise has none: a signal handler has no other
 * way to learn which files the interrupted write was making. The table is a fixed array of
 * slots, claimed with an atomic compare-and-swap (threads may write different files at once) and
 * read by the handler without locks; a slot's path is complete before the slot is marked armed,
 * so the handler never sees half a name. A table that is full only means that a temporary is
 * not removed on a signal (the next write to the target removes it), never a failed write. */
#define _GNU_SOURCE 1 /* syscall(SYS_getdents64) */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core_int.h"
#include "gw_cleanup.h"

enum { NSLOTS = 32, PATH_BYTES = 4096 };
enum { FREE = 0, FILLING, ARMED_FILE, ARMED_CHILD, ARMED_TREE };

static struct {
    atomic_int state;
    pid_t pid;
    char path[PATH_BYTES];
} slots[NSLOTS];

/* Claims a free slot (FILLING) or returns -1 when all are taken. */
static int claim(void)
{
    for (int i = 0; i < NSLOTS; i++) {
        int expect = FREE;
        if (atomic_compare_exchange_strong(&slots[i].state, &expect, FILLING))
            return i;
    }
    return -1;
}

int gwi_cleanup_add_file(const char *path)
{
    if (path == NULL || strlen(path) >= PATH_BYTES)
        return -1;
    int i = claim();
    if (i < 0)
        return -1;
    memcpy(slots[i].path, path, strlen(path) + 1);
    atomic_store(&slots[i].state, ARMED_FILE);
    return i;
}

int gwi_cleanup_add_tree(const char *path)
{
    int i = gwi_cleanup_add_file(path);
    if (i >= 0)
        atomic_store(&slots[i].state, ARMED_TREE);
    return i;
}

int gwi_cleanup_add_child(pid_t pid)
{
    int i = claim();
    if (i < 0)
        return -1;
    slots[i].pid = pid;
    atomic_store(&slots[i].state, ARMED_CHILD);
    return i;
}

void gwi_cleanup_remove(int slot)
{
    if (slot >= 0 && slot < NSLOTS)
        atomic_store(&slots[slot].state, FREE);
}

/* Removes the directory open as dfd's entries, descending `depth` more levels, with system
 * calls a handler may make (getdents64 through syscall(2): readdir may allocate). */
static void clear_dir(int dfd, int depth)
{
    char buf[4096];
    long n;
    while ((n = syscall(SYS_getdents64, dfd, buf, sizeof buf)) > 0) {
        for (long off = 0; off < n;) {
            struct {
                unsigned long long ino;
                long long off;
                unsigned short reclen;
                unsigned char type;
                char name[];
            } *e = (void *)(buf + off);
            off += e->reclen;
            if (strcmp(e->name, ".") == 0 || strcmp(e->name, "..") == 0)
                continue;
            if (e->type == DT_DIR && depth > 0) {
                int sub = openat(dfd, e->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sub >= 0) {
                    clear_dir(sub, depth - 1);
                    close(sub);
                }
                unlinkat(dfd, e->name, AT_REMOVEDIR);
            } else {
                unlinkat(dfd, e->name, 0);
            }
        }
    }
}

void gw_cleanup_on_signal(int sig)
{
    int saved = errno; /* a handler must leave errno as it found it */
    /* Children first: a step writing into the pipeline's results file must be gone before that
     * file is removed, or it could recreate it. */
    for (int i = 0; i < NSLOTS; i++)
        if (atomic_load(&slots[i].state) == ARMED_CHILD) {
            pid_t pid = slots[i].pid;
            if (pid > 0 && kill(pid, sig) == 0)
                while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                    ;
        }
    for (int i = 0; i < NSLOTS; i++)
        if (atomic_load(&slots[i].state) == ARMED_FILE)
            unlink(slots[i].path);
    for (int i = 0; i < NSLOTS; i++) /* a run's directory under construction: two levels */
        if (atomic_load(&slots[i].state) == ARMED_TREE) {
            int dfd = open(slots[i].path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (dfd >= 0) {
                clear_dir(dfd, 2);
                close(dfd);
            }
            rmdir(slots[i].path);
        }
    errno = saved;
}
