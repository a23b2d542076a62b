/* bench_util.h -- small helpers shared by the benchmark programs (bench/bench_*.c): clocks,
 * qsort comparison, the process's memory high-water mark and a fixed-seed generator.
 *
 * Header-only (static inline): every bench/bench_*.c is its own executable (bench/CMakeLists.txt)
 * and no other source is compiled there. Benchmarks only, never the library. */
#ifndef GW_BENCH_UTIL_H
#define GW_BENCH_UTIL_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* bench_now -- wall-clock seconds (CLOCK_MONOTONIC). */
static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* bench_cpu_now -- CPU seconds of the process, all threads (CLOCK_PROCESS_CPUTIME_ID). */
static inline double bench_cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* bench_cmp_double -- ascending order of doubles, for qsort (medians). */
static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* bench_proc_bytes -- the /proc/self/status field key ("VmHWM", "VmRSS"), in bytes; NaN when
 * it cannot be read. */
static inline double bench_proc_bytes(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    double kb = NAN;
    size_t kl = strlen(key);
    if (f == NULL)
        return NAN;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, kl) == 0)
            kb = strtod(line + kl + 1, NULL);
    fclose(f);
    return kb * 1024.0;
}

/* A xorshift64 generator (13, 7, 17) with a fixed seed: bench_rng r = {BENCH_RNG_SEED}. */
#define BENCH_RNG_SEED 88172645463325252ull
typedef struct {
    uint64_t s;
} bench_rng;

static inline uint64_t bench_rng_next(bench_rng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return r->s;
}

/* bench_unif -- uniform on [0, 1) with 53 random bits. */
static inline double bench_unif(bench_rng *r)
{
    return (double)(bench_rng_next(r) >> 11) * 0x1.0p-53;
}

/* bench_gauss -- standard normal by Box-Muller (one draw per two uniforms). */
static inline double bench_gauss(bench_rng *r)
{
    return sqrt(-2.0 * log(bench_unif(r) + 1e-300)) * cos(6.283185307179586 * bench_unif(r));
}

#endif
