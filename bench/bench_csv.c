/* bench_csv.c -- the CSV reader against the cost of reading the file's bytes.
 *
 * usage: bench_csv [N] [--digits D] [--reps R] [--file PATH | PATH.csv] [--threads N]
 *   N       rows to generate (default 1000000; 10000000 for the large case)
 *   D       significant digits of the generated numbers: 17 (what gw_csv_write_file and %.17g
 *           writers produce, about 200 bytes a row) or fewer (survey-style data); default: both
 *           17 and 6, one case each
 *   R       repetitions, the median is reported (default 5)
 *   PATH    read this existing CSV instead of generating one (N is then its row count)
 * The generated file has y, x1..x10 (normal draws) and cid (an integer cluster id, N/100
 * clusters), in $TMPDIR (default /tmp); it is removed at the end.
 * Prints one machine-readable line per case:
 *   case=<name> n=<rows> bytes=<file bytes> median_s=<s> mb_s=<MB/s> ratio_to_read=<r>
 * where MB = 10^6 bytes and ratio_to_read = median time / median time of read() of the bytes
 * into a fresh malloc'd buffer (case read_bytes, the floor of a reader that copies). Case
 * read_bytes_thp is the same read() into a buffer advised for transparent huge pages; case
 * mmap_bytes maps the file with MAP_POPULATE and touches one byte a page (the floor of a reader
 * that maps, which gw_csv_read_file does). Cases gw_csv_read_file_tN and gw_csv_read_mem_tN
 * time the whole read and the parser alone (bytes already in memory) on N = 1 and 2 threads
 * (and --threads N). Cases numbers_strtod and numbers_fast convert 10^6 %.17g strings of
 * normal draws with strtod and with the reader's number conversion (Clinger, Eisel-Lemire),
 * reporting million numbers per second in mnum_s. */
#define _DEFAULT_SOURCE 1 /* MADV_HUGEPAGE */
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "csv_int.h"
#include "gw_csv.h"
#include "gw_par.h"
#include "gw_table.h"

static double median(double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, bench_cmp_double);
    return n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static double unif(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return ((double)(rng_state >> 11) + 0.5) * 0x1p-53;
}
static double normal(void) { return sqrt(-2.0 * log(unif())) * cos(6.283185307179586 * unif()); }

static int generate(const char *path, size_t n, int digits)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    fputs("y,x1,x2,x3,x4,x5,x6,x7,x8,x9,x10,cid\n", f);
    size_t groups = n / 100 ? n / 100 : 1;
    for (size_t i = 0; i < n; i++) {
        double x[10], y = 1.0;
        for (int j = 0; j < 10; j++) {
            x[j] = normal();
            y += 0.1 * (j + 1) * x[j];
        }
        y += normal();
        fprintf(f, "%.*g", digits, y);
        for (int j = 0; j < 10; j++)
            fprintf(f, ",%.*g", digits, x[j]);
        fprintf(f, ",%zu\n", (size_t)(unif() * (double)groups));
    }
    return fclose(f);
}

/* read() of the whole file into a fresh buffer; with thp, the buffer is advised for
 * transparent huge pages first, as gw_csv_read_file does with its own buffer. */
static double time_read(const char *path, size_t *bytes, int thp)
{
    double t0 = bench_now();
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0)
        return -1.0;
    size_t len = (size_t)st.st_size, got = 0;
    char *buf = malloc(len + 1);
#ifdef MADV_HUGEPAGE
    if (thp && buf != NULL && len > ((size_t)8 << 20)) {
        uintptr_t a = ((uintptr_t)buf + 4095) & ~(uintptr_t)4095;
        uintptr_t b = ((uintptr_t)buf + len) & ~(uintptr_t)4095;
        (void)madvise((void *)a, (size_t)(b - a), MADV_HUGEPAGE);
    }
#else
    (void)thp;
#endif
    while (buf != NULL && got < len) {
        ssize_t r = read(fd, buf + got, len - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    volatile char sink = buf != NULL && len ? buf[len / 2] : 0;
    (void)sink;
    free(buf);
    *bytes = got;
    return bench_now() - t0;
}

/* mmap of the whole file with MAP_POPULATE, one byte read per page: the floor of a mapping reader.
 */
static double time_mmap(const char *path)
{
    double t0 = bench_now();
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size == 0)
        return -1.0;
    size_t len = (size_t)st.st_size;
    char *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return -1.0;
    unsigned sum = 0;
    for (size_t i = 0; i < len; i += 4096)
        sum += (unsigned char)m[i];
    volatile unsigned sink = sum;
    (void)sink;
    munmap(m, len);
    return bench_now() - t0;
}

/* Number conversion alone: 10^6 %.17g strings, converted by strtod and by gwi_csv_number. */
static void bench_numbers(int reps)
{
    const size_t n = 1000000;
    char *text = malloc(n * 32);
    size_t *len = malloc(n * sizeof *len);
    double tf[64], ts[64], sink = 0.0;
    if (text == NULL || len == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        len[i] = (size_t)snprintf(text + 32 * i, 32, "%.17g", normal());
    for (int r = 0; r < reps; r++) {
        double t0 = bench_now();
        for (size_t i = 0; i < n; i++)
            sink += strtod(text + 32 * i, NULL);
        ts[r] = bench_now() - t0;
        t0 = bench_now();
        for (size_t i = 0; i < n; i++) {
            double v = 0.0;
            (void)gwi_csv_number(text + 32 * i, len[i], &v, NULL);
            sink += v;
        }
        tf[r] = bench_now() - t0;
    }
    double ms = median(ts, reps), mf = median(tf, reps);
    printf("case=numbers_strtod n=%zu median_s=%.4f mnum_s=%.1f\n", n, ms, (double)n / ms * 1e-6);
    printf("case=numbers_fast n=%zu median_s=%.4f mnum_s=%.1f speedup=%.2f sink=%g\n", n, mf,
           (double)n / mf * 1e-6, ms / mf, sink);
    free(text);
    free(len);
}

/* The file's bytes in a malloc'd buffer, for timing the parser alone. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    if (f != NULL && fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        rewind(f);
        buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
        if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        }
        *len = n >= 0 ? (size_t)n : 0;
    }
    if (f != NULL)
        fclose(f);
    return buf;
}

static void line(const char *name, size_t rows, size_t bytes, double t, double tread)
{
    printf("case=%s n=%zu bytes=%zu median_s=%.4f mb_s=%.0f gb_s=%.3f ratio_to_read=%.2f\n", name,
           rows, bytes, t, (double)bytes / t * 1e-6, (double)bytes / t * 1e-9, t / tread);
}

/* Times every case on path; threads[0..nthr) are the thread counts of the parse cases. */
static int run_case(const char *name, const char *path, int reps, const int *threads, int nthr)
{
    double tr[64], th[64], tmm[64], tc[4][64], tm[4][64];
    size_t bytes = 0, rows = 0, len = 0;
    char *mem = slurp(path, &len);
    if (mem == NULL) {
        fprintf(stderr, "bench_csv: cannot read %s\n", path);
        return 1;
    }
    for (int r = 0; r < reps; r++) {
        tr[r] = time_read(path, &bytes, 0);
        th[r] = time_read(path, &bytes, 1);
        tmm[r] = time_mmap(path);
        for (int k = 0; k < nthr; k++) {
            gw_table *m = NULL;
            double t1 = bench_now();
            gw_status rm = gwi_csv_read_mem_ex(mem, len, path, NULL, threads[k], 0, &m);
            tm[k][r] = bench_now() - t1;
            gw_table_free(m);
            gw_threads_set(threads[k]);
            gw_table *t = NULL;
            double t0 = bench_now();
            gw_status rc = gw_csv_read_file(path, NULL, &t);
            tc[k][r] = bench_now() - t0;
            if (rc != GW_OK || rm != GW_OK) {
                fprintf(stderr, "bench_csv: %s\n", gw_last_error());
                free(mem);
                return 1;
            }
            rows = gw_table_nrows(t);
            gw_table_free(t);
        }
    }
    free(mem);
    double mr = median(tr, reps);
    line("read_bytes", rows, bytes, mr, mr);
    line("read_bytes_thp", rows, bytes, median(th, reps), mr);
    line("mmap_bytes", rows, bytes, median(tmm, reps), mr);
    for (int k = 0; k < nthr; k++) {
        char nm[128];
        snprintf(nm, sizeof nm, "%s_t%d", name, threads[k]);
        line(nm, rows, bytes, median(tc[k], reps), mr);
        snprintf(nm, sizeof nm, "gw_csv_read_mem_t%d", threads[k]);
        line(nm, rows, bytes, median(tm[k], reps), mr);
    }
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    size_t n = 1000000;
    int reps = 5, digits = 0, rc = 0;
    const char *file = NULL;
    int threads[3] = {1, 2, 0}, nthr = 2;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--digits") == 0 && i + 1 < argc)
            digits = atoi(argv[++i]);
        else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--file") == 0 && i + 1 < argc)
            file = argv[++i];
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads[nthr < 3 ? nthr++ : 2] = atoi(argv[++i]);
        else if (strstr(argv[i], ".csv") != NULL)
            file = argv[i];
        else
            n = (size_t)strtod(argv[i], NULL);
    }
    if (reps < 1 || reps > 64 || (digits != 0 && (digits < 1 || digits > 17))) {
        fprintf(stderr, "usage: bench_csv [N] [--digits 1..17] [--reps 1..64] [--file PATH]\n");
        return 2;
    }
    bench_numbers(reps);
    if (file != NULL)
        return run_case("gw_csv_read_file", file, reps, threads, nthr);
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char path[4096];
    int list[2] = {digits ? digits : 17, 6};
    int ncase = digits ? 1 : 2;
    for (int c = 0; c < ncase && rc == 0; c++) {
        char name[64];
        snprintf(path, sizeof path, "%s/bench_csv_%ld_%d.csv", dir, (long)getpid(), list[c]);
        if (generate(path, n, list[c]) != 0) {
            fprintf(stderr, "bench_csv: cannot write %s\n", path);
            return 1;
        }
        snprintf(name, sizeof name, "gw_csv_read_file_digits%d", list[c]);
        rc = run_case(name, path, reps, threads, nthr);
        unlink(path);
    }
    return rc;
}
