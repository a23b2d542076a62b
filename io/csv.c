/* csv.c -- the CSV reader (the format is specified in gw_csv.h; the writer is csv_write.c).
 *
 * The reader takes the whole input as one buffer. The header is parsed first; the records are
 * then parsed in chunks of about 1 MiB on the project's threads (gw_threads_get), as R's
 * data.table::fread does: each chunk starts at a line feed from which the next records have the
 * header's field count (a quote-aware guess, chunk_start), is parsed by one thread into its own
 * small buffers (one pass, each field scanned once and converted while scanned), and the chunks
 * are merged in file order by whichever thread holds the next chunk (no thread waits for
 * another's parse, which matters on a machine shared with other work): the merge accepts a chunk
 * only when it started exactly where the previous one ended and with the column kinds the table had
 * there, and parses it again otherwise (a start inside a quoted field with line breaks; a column
 * whose first value was in a chunk still being parsed). The result, level order and the first error
 * in file order are therefore those of one serial pass for every thread count and chunk size
 * (tests/io/test_csv.c, test_read_parallel_*). Time is linear in the input whatever the shape
 * (a 10 MB line, 100,000 columns). Places for error messages (line and column) are computed
 * only when an error is reported, by counting newlines from the start of the buffer.
 *
 * Decimal conversion: Clinger's fast path (a mantissa of at most 2^53 and |exponent| <= 22: one
 * correctly rounded IEEE multiply or divide; W. D. Clinger, "How to read floating point numbers
 * accurately", PLDI 1990), then the Eisel-Lemire algorithm for every other mantissa of up to 19
 * digits (num_eisel_lemire), and strtod only where Eisel-Lemire cannot decide (exact halfway
 * cases, subnormal results, overflow: none of 4*10^6 random %.17g numbers between 1e-11 and 1e10,
 * 1 in 2000 of random bit patterns, which are then subnormal) and for
 * numbers of more than 19 significant digits whose two bracketing 19-digit truncations round
 * differently. The fast paths exist because strtod was the bottleneck: on this machine
 * (bench_csv, 300,000 rows x 12 columns, built with -DGW_CSV_STRTOD_ONLY to send every number to
 * strtod) the reader took 0.63 s with strtod and 0.17 s with the fast paths on 6-digit numbers
 * (32 MB), 1.19 s and 0.34 s on 17-digit numbers (68 MB); bench_csv reports the number
 * conversion rates alone (case numbers_strtod, numbers_fast). The fast paths assume
 * round-to-nearest double arithmetic (SSE2). tests/io/test_csv.c compares them with strtod on
 * millions of random strings and random doubles printed with %.17g, bit for bit. */
/* MADV_HUGEPAGE is a Linux extension that the project's _POSIX_C_SOURCE hides. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1
#endif
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <omp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core_int.h"
#include "csv_int.h"
#include "gw_alloc.h"
#include "gw_strbuf.h"
#include "gw_csv.h"
#include "gw_par.h"

/* ------------------------------------------------------------------------------------------ */
/* Numbers                                                                                     */

/* 10^0 .. 10^22: every one is exactly representable in a double (5^22 < 2^53). */
static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

#define TWO53 ((uint64_t)1 << 53)

/* The per-field helpers of the hot loop, forced inline (a few per cent of user time). */
#if defined(__GNUC__)
#define GW_INLINE static inline __attribute__((always_inline))
#else
#define GW_INLINE static inline
#endif

/* A decimal number split by num_scan: value = (-1)^neg * m * 10^exp10, exactly unless trunc
 * (nonzero digits beyond the 19 kept in m were dropped). */
typedef struct {
    uint64_t m;
    int64_t exp10;
    int neg, trunc;
} decimal;

/* Eight digits at once (SWAR, as in simdjson and fast_float): once the first significant digit
 * is in m, runs of eight digits are taken in one step; per-digit work was half of the user time
 * of bench_csv on 17-digit numbers. Loads are memcpy'd (no alignment or aliasing assumptions);
 * the byte order is fixed by assembling the word explicitly. */
static uint64_t load8(const char *p)
{
    unsigned char b[8];
    memcpy(b, p, 8);
    uint64_t x = 0;
    for (int i = 7; i >= 0; i--)
        x = (x << 8) | b[i]; /* b[0] in the low byte: little-endian order on any machine */
    return x;
}

static int eight_digits(const char *p)
{
    uint64_t x = load8(p);
    return ((x & 0xF0F0F0F0F0F0F0F0u) | (((x + 0x0606060606060606u) & 0xF0F0F0F0F0F0F0F0u) >> 4)) ==
           0x3333333333333333u;
}

static uint64_t parse_eight(const char *p)
{
    uint64_t x = load8(p) - 0x3030303030303030u;
    x = (x * 10) + (x >> 8); /* pairs */
    x = (((x & 0x000000FF000000FFu) * (100 + (1000000ULL << 32))) +
         (((x >> 16) & 0x000000FF000000FFu) * (1 + (10000ULL << 32)))) >>
        32;
    return x;
}

/* Scans the longest prefix of [p, e) that the number grammar of gw_csv.h accepts. Returns 1 and
 * *stop (the first byte after it) when there is one, 0 when p does not start a number. A
 * dangling exponent ("1e", "1e+") ends the number before the 'e'. */
GW_INLINE int num_scan(const char *p, const char *e, decimal *d, const char **stop)
{
    uint64_t m = 0;
    int64_t exp10 = 0;
    int nsig = 0, trunc = 0, neg = 0;
    size_t ndig = 0;
    if (p < e && (*p == '+' || *p == '-')) {
        neg = (*p == '-');
        p++;
    }
    for (; p < e && (unsigned char)(*p - '0') < 10; p++, ndig++) {
        unsigned dig = (unsigned)(*p - '0');
        if (m != 0 && nsig <= 11 && e - p >= 8 && eight_digits(p)) {
            m = m * 100000000 + parse_eight(p);
            nsig += 8;
            p += 7;
            ndig += 7;
        } else if (nsig < 19) {
            m = m * 10 + dig;
            nsig += (m != 0); /* leading zeros are not significant */
        } else {
            exp10++;
            trunc |= (dig != 0);
        }
    }
    if (p < e && *p == '.') {
        p++;
        for (; p < e && (unsigned char)(*p - '0') < 10; p++, ndig++) {
            unsigned dig = (unsigned)(*p - '0');
            if (m != 0 && nsig <= 11 && e - p >= 8 && eight_digits(p)) {
                m = m * 100000000 + parse_eight(p);
                nsig += 8;
                exp10 -= 8;
                p += 7;
                ndig += 7;
            } else if (nsig < 19) {
                m = m * 10 + dig;
                nsig += (m != 0);
                exp10--;
            } else {
                trunc |= (dig != 0);
            }
        }
    }
    if (ndig == 0)
        return 0;
    if (p < e && (*p == 'e' || *p == 'E')) {
        const char *q = p + 1;
        int eneg = 0;
        if (q < e && (*q == '+' || *q == '-')) {
            eneg = (*q == '-');
            q++;
        }
        if (q < e && (unsigned char)(*q - '0') < 10) {
            int64_t x = 0;
            for (; q < e && (unsigned char)(*q - '0') < 10; q++)
                if (x < 100000000) /* beyond this, over- or underflow is certain anyway */
                    x = x * 10 + (*q - '0');
            exp10 += eneg ? -x : x;
            p = q;
        }
    }
    d->m = m;
    d->exp10 = exp10;
    d->neg = neg;
    d->trunc = trunc;
    *stop = p;
    return 1;
}

/* 128-bit products: the compiler's type where there is one, else four 32-bit products. */
#if defined(__SIZEOF_INT128__)
__extension__ typedef unsigned __int128 u128;
GW_INLINE void mul128(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
    u128 p = (u128)a * b;
    *hi = (uint64_t)(p >> 64);
    *lo = (uint64_t)p;
}
#else
static void mul128(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
    uint64_t a0 = a & 0xFFFFFFFFu, a1 = a >> 32, b0 = b & 0xFFFFFFFFu, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & 0xFFFFFFFFu) + (p10 & 0xFFFFFFFFu);
    *lo = (mid << 32) | (p00 & 0xFFFFFFFFu);
    *hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}
#endif

GW_INLINE int clz64(uint64_t x) /* x != 0 */
{
#if defined(__GNUC__)
    return __builtin_clzll(x);
#else
    int n = 0;
    while (!(x >> 63)) {
        x <<= 1;
        n++;
    }
    return n;
#endif
}

#include "csv_pow5.h"

/* The Eisel-Lemire algorithm (D. Lemire, "Number parsing at a gigabyte per second", Software:
 * Practice and Experience 51(8), 2021; N. Tao's formulation in Go's strconv/eisel_lemire.go,
 * followed line by line here). w * 10^q, w < 2^64, is approximated by w times the 128-bit
 * truncated 5^q of csv_pow5.h, shifted; the top 54 bits of the product are then the correctly
 * rounded significand plus one rounding bit unless the product's discarded bits show that the
 * truncation error could cross a rounding boundary, or the value is exactly halfway between two
 * doubles. In those cases (and for results that would be subnormal or overflow, which this
 * formulation does not round) it returns 0 and strtod decides; otherwise 1 and the magnitude in
 * *v. Exact: no input where it returns 1 gives a result other than strtod's (the argument is
 * the paper's; tests/io/test_csv.c checks millions of random inputs bit for bit). */
GW_INLINE int num_eisel_lemire(uint64_t w, int64_t q, double *v)
{
    if (w == 0 || q < GW_POW5_MIN_Q) { /* (2^64 - 1) * 10^-343 < 2^-1075: rounds to zero */
        *v = 0.0;
        return 1;
    }
    if (q > GW_POW5_MAX_Q) /* >= 10^309: overflow, which strtod reports as inf */
        return 0;
    int lz = clz64(w);
    w <<= lz;
    const uint64_t *p5 = gw_pow5_128[q - GW_POW5_MIN_Q];
    /* floor(q * log2(10)) by the fixed-point 217706 / 2^16, kept non-negative for the shift. */
    int64_t log2_10q = (int64_t)((uint64_t)(217706 * q + ((int64_t)2048 << 16)) >> 16) - 2048;
    int64_t exp2 = log2_10q + 64 + 1023 - lz;
    uint64_t hi, lo;
    mul128(w, p5[0], &hi, &lo);
    if ((hi & 0x1FF) == 0x1FF && lo + w < w) { /* the low product may carry into hi */
        uint64_t hi2, lo2;
        mul128(w, p5[1], &hi2, &lo2);
        uint64_t mhi = hi, mlo = lo + hi2;
        if (mlo < lo)
            mhi++;
        if ((mhi & 0x1FF) == 0x1FF && mlo + 1 == 0 && lo2 + w < w)
            return 0; /* still undecided: strtod */
        hi = mhi;
        lo = mlo;
    }
    uint64_t msb = hi >> 63, mant = hi >> (msb + 9);
    exp2 -= (int64_t)(1 ^ msb);
    if (lo == 0 && (hi & 0x1FF) == 0 && (mant & 3) == 1)
        return 0; /* exactly halfway: round-to-even needs the exact value */
    mant += mant & 1;
    mant >>= 1;
    if (mant >> 53) {
        mant >>= 1;
        exp2++;
    }
    if (exp2 <= 0 || exp2 >= 0x7FF)
        return 0; /* subnormal or overflow: strtod */
    uint64_t bits = ((uint64_t)exp2 << 52) | (mant & (((uint64_t)1 << 52) - 1));
    memcpy(v, &bits, sizeof bits);
    return 1;
}

/* 1 and *v when d converts without strtod: Clinger's fast path, then Eisel-Lemire. */
GW_INLINE int num_fast(const decimal *d, double *v)
{
    double x;
#ifdef GW_CSV_STRTOD_ONLY /* for measuring what the fast paths save (bench_csv) */
    if (d->m != 0)
        return 0;
#endif
    if (d->m == 0) {
        x = 0.0;
    } else if (!d->trunc && d->m <= TWO53 && d->exp10 >= -22 && d->exp10 <= 22) {
        x = d->exp10 >= 0 ? (double)d->m * pow10_exact[d->exp10]
                          : (double)d->m / pow10_exact[-d->exp10];
    } else if (!d->trunc) {
        if (!num_eisel_lemire(d->m, d->exp10, &x))
            return 0;
    } else {
        /* More than 19 significant digits: the value lies in [m, m + 1) * 10^exp10, so when
         * both ends round to the same double, so does the value (m + 1 <= 10^19 < 2^64). */
        double x1;
        if (!num_eisel_lemire(d->m, d->exp10, &x) || !num_eisel_lemire(d->m + 1, d->exp10, &x1) ||
            memcmp(&x, &x1, sizeof x) != 0)
            return 0;
    }
    *v = d->neg ? -x : x;
    return 1;
}

/* strtod on a NUL-terminated copy of [s, s+len), which num_scan has accepted entirely. */
static int num_slow(const char *s, size_t len, double *v)
{
    char small[128], *buf = small, *end = NULL;
    if (len >= sizeof small) {
        buf = gw_malloc(len + 1);
        if (buf == NULL)
            return GWI_NUM_NOMEM;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    double x = strtod(buf, &end);
    int ok = (end == buf + len);
    if (buf != small)
        gw_free(buf);
    if (!ok) /* cannot happen for input num_scan accepted; be safe rather than wrong */
        return GWI_NUM_TEXT;
    if (isinf(x))
        return GWI_NUM_RANGE;
    *v = x;
    return GWI_NUM_OK;
}

int gwi_csv_number(const char *s, size_t len, double *v, int *fast)
{
    decimal d;
    const char *stop = NULL;
    if (fast != NULL)
        *fast = 0;
    if (!num_scan(s, s + len, &d, &stop) || stop != s + len)
        return GWI_NUM_TEXT;
    if (num_fast(&d, v)) {
        if (fast != NULL)
            *fast = 1;
        return GWI_NUM_OK;
    }
    return num_slow(s, len, v);
}

/* ------------------------------------------------------------------------------------------ */
/* Reader state                                                                                */

enum { K_UNKNOWN = 0, K_NUM, K_CAT };
enum { C_DELIM = 1, C_LF = 2, C_CR = 4, C_QUOTE = 8 };

/* One column being read. Levels are kept in order of first appearance with an open-addressing
 * hash index (slot = level index + 1, 0 = empty) and sorted when the input ends. */
typedef struct {
    size_t src;        /* the column's index in the file */
    int kind;          /* K_UNKNOWN until the first non-missing value */
    const char *first; /* that first value (for messages) */
    double *v;         /* K_UNKNOWN, K_NUM: the values, capacity of the owning rows */
    int dirty;         /* a NaN (missing) or an infinity is among the values (the fast path of
                        * parse_rows gives only finite ones) */
    int in_block;      /* v is a slice of the rows' block (not freed on its own) */
    int32_t *codes;    /* K_CAT: provisional codes (order of first appearance) */
    char **lv;
    size_t *lvlen;
    uint64_t *lvhash;
    const char **lvat; /* where each level first appears (for the too-many-levels message) */
    size_t nlv, caplv;
    uint32_t *slots;
    size_t nslots;
} ccol;

/* The rows read from one stretch of the input: the whole table (serial reads, and the merged
 * result of parallel ones) or one chunk of a parallel read. */
typedef struct {
    ccol *cols;        /* nsel columns */
    size_t nrows, cap; /* rows held and room in every column */
    char *scratch;     /* unescaped quoted fields */
    size_t scap;
    const char *stop;  /* where parsing stopped: the first record start at or after the
                          limit, or the end of the input */
    gw_status rc;      /* of the chunk's parse (parallel reads) */
    char msg[1024];    /* gw_last_error() of rc, copied on the thread that failed */
    const char *start; /* parallel reads: where the chunk's parse started (NULL: none) */
    int parsed;        /* parallel reads: parsed from start with the kinds in snap */
    ccol *snap;        /* parallel reads: the table's kinds when the chunk was claimed */
    double *block;     /* the whole table of a column subset: every column's values in one
                        * allocation, slot 1 + request rank, stride cap (block_init) */
} rows;

typedef struct {
    const char *name;       /* for messages */
    const char *base, *end; /* the input after any byte order mark */
    char delim;
    unsigned char cls[256]; /* C_* class of each byte */
    char *scratch;          /* unescaped quoted header names */
    size_t scap;
    char **names; /* header names (owned) */
    const char **name_at;
    size_t ncols, capnames;
    ptrdiff_t *sel; /* file column -> index in the rows' cols, or -1 when not read */
    size_t nsel;
    size_t *req;    /* a column subset: index in the rows' cols -> its place in the request */
    locale_t loc; /* the "C" LC_NUMERIC locale for strtod, on every parsing thread */
} parser;

/* The 1-based line and byte column of position at. O(at - base); called on errors only. */
static void locate(const parser *P, const char *at, size_t *line, size_t *col)
{
    const char *p = P->base, *bol = P->base;
    size_t l = 1;
    while (p < at) {
        const char *nl = memchr(p, '\n', (size_t)(at - p));
        if (nl == NULL)
            break;
        l++;
        bol = p = nl + 1;
    }
    *line = l;
    *col = (size_t)(at - bol) + 1;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
/* Records "NAME:LINE:COL: what" for the place at and returns GW_EFORMAT. */
static gw_status
perr(const parser *P, const char *at, const char *fmt, ...)
{
    char msg[768];
    size_t line, col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    locate(P, at, &line, &col);
    return gwi_fail(GW_EFORMAT, "%s:%zu:%zu: %s", P->name, line, col, msg);
}

/* At most this many bytes of a field are quoted in a message. */
#define SHOW 40
static int show_len(size_t n) { return (int)(n < SHOW ? n : SHOW); }

/* Scans an unquoted field from p; *fe is its end (a delimiter, a line end or the input's end). */
static gw_status scan_unquoted(const parser *P, const char *p, const char **fe)
{
    const char *e = P->end;
    const char delim = P->delim;
    for (; p < e; p++) {
        unsigned char c = (unsigned char)*p;
        if (P->cls[c] == 0)
            continue;
        if (c == (unsigned char)delim || c == '\n')
            break;
        if (c == '\r') {
            if (p + 1 < e && p[1] == '\n')
                break;
            return perr(P, p, "carriage return not followed by a line feed");
        }
        return perr(P, p, "quote character inside an unquoted field (quote the whole field)");
    }
    *fe = p;
    return GW_OK;
}

/* Scans the quoted field whose opening quote is at p. *after is the byte after the closing
 * quote. When want, [*cs, *cs + *cn) is the content with "" unescaped (in the input when there
 * is nothing to unescape, else in P->scratch). Linear: memchr from quote to quote. */
static gw_status scan_quoted(const parser *P, char **scratch, size_t *scap, const char *p, int want,
                             const char **cs, size_t *cn, const char **after)
{
    const char *e = P->end, *s = p + 1, *q = s;
    int esc = 0;
    for (;;) {
        const char *r = memchr(q, '"', (size_t)(e - q));
        if (r == NULL)
            return perr(P, p, "unterminated quoted field (no closing quote)");
        if (r + 1 < e && r[1] == '"') {
            esc = 1;
            q = r + 2;
            continue;
        }
        q = r;
        break;
    }
    *after = q + 1;
    if (!want)
        return GW_OK;
    if (!esc) {
        *cs = s;
        *cn = (size_t)(q - s);
        return GW_OK;
    }
    size_t need = (size_t)(q - s) + 1;
    if (need > *scap) {
        char *b = gw_realloc(*scratch, need);
        if (b == NULL)
            return gwi_fail(GW_ENOMEM, "%s: cannot allocate %zu bytes for a field", P->name, need);
        *scratch = b;
        *scap = need;
    }
    size_t n = 0;
    for (const char *t = s; t < q; t++) {
        (*scratch)[n++] = *t;
        if (*t == '"')
            t++; /* the second quote of "" */
    }
    *cs = *scratch;
    *cn = n;
    return GW_OK;
}

/* What follows a field at a: *eor = 0 for a delimiter, 1 for the end of the record; *next is
 * where the next field or record starts. Anything else (only possible after a closing quote)
 * is an error. */
GW_INLINE gw_status field_end(const parser *P, const char *a, int *eor, const char **next)
{
    const char *e = P->end;
    if (a == e) {
        *eor = 1;
        *next = a;
    } else if (*a == P->delim) {
        *eor = 0;
        *next = a + 1;
    } else if (*a == '\n') {
        *eor = 1;
        *next = a + 1;
    } else if (*a == '\r' && a + 1 < e && a[1] == '\n') {
        *eor = 1;
        *next = a + 2;
    } else {
        return perr(P, a, "unexpected character after a closing quote");
    }
    return GW_OK;
}

/* The byte offset of the first invalid UTF-8 sequence in s[0..n), or n if it is valid
 * (rejecting overlong forms, surrogates and code points above U+10FFFF). */
static size_t utf8_check(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t k;
        unsigned lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            k = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            k = 2;
            if (c == 0xE0)
                lo = 0xA0;
            if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 3;
            if (c == 0xF0)
                lo = 0x90;
            if (c == 0xF4)
                hi = 0x8F;
        } else {
            return i;
        }
        if (n - i <= k)
            return i;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return i;
        for (size_t t = 2; t <= k; t++)
            if (s[i + t] < 0x80 || s[i + t] > 0xBF)
                return i;
        i += k + 1;
    }
    return n;
}

/* ------------------------------------------------------------------------------------------ */
/* Header                                                                                      */

typedef struct {
    const char *s;
    size_t idx;
} name_ref;

static int cmp_name_ref(const void *a, const void *b)
{
    const name_ref *x = a, *y = b;
    int c = strcmp(x->s, y->s);
    return c != 0 ? c : (x->idx < y->idx ? -1 : x->idx > y->idx);
}

static gw_status push_name(parser *P, const char *s, size_t n, const char *at)
{
    if (P->ncols == P->capnames) {
        size_t cap = P->capnames ? 2 * P->capnames : 16;
        char **nn = gw_realloc(P->names, cap * sizeof *nn);
        if (nn == NULL)
            return gwi_fail(GW_ENOMEM, "%s: cannot allocate the header", P->name);
        P->names = nn;
        const char **na = gw_realloc(P->name_at, cap * sizeof *na);
        if (na == NULL)
            return gwi_fail(GW_ENOMEM, "%s: cannot allocate the header", P->name);
        P->name_at = na;
        P->capnames = cap;
    }
    char *c = gw_malloc(n + 1);
    if (c == NULL)
        return gwi_fail(GW_ENOMEM, "%s: cannot allocate a column name", P->name);
    memcpy(c, s, n);
    c[n] = '\0';
    P->names[P->ncols] = c;
    P->name_at[P->ncols] = at;
    P->ncols++;
    return GW_OK;
}

/* Parses and checks the header record at *pp; on success *pp is the first data record. */
static gw_status parse_header(parser *P, const char **pp)
{
    const char *p = *pp;
    name_ref *refs = NULL;
    gw_status rc = GW_OK;
    for (;;) {
        const char *f = p, *a = NULL, *cs = NULL;
        size_t cn = 0;
        int eor = 0;
        if (f < P->end && *f == '"') {
            rc = scan_quoted(P, &P->scratch, &P->scap, f, 1, &cs, &cn, &a);
        } else {
            rc = scan_unquoted(P, f, &a);
            cs = f;
            cn = (size_t)(a - f);
        }
        if (rc != GW_OK)
            goto done;
        if (cn == 0) {
            rc = perr(P, f, "empty column name (column %zu of the header)", P->ncols + 1);
            goto done;
        }
        size_t bad = utf8_check((const unsigned char *)cs, cn);
        if (bad < cn) {
            rc = perr(P, f, "column name is not valid UTF-8 (byte %zu of the name)", bad + 1);
            goto done;
        }
        rc = push_name(P, cs, cn, f);
        if (rc != GW_OK)
            goto done;
        rc = field_end(P, a, &eor, &p);
        if (rc != GW_OK)
            goto done;
        if (eor)
            break;
    }
    /* Duplicates: sort (name, index) pairs; O(p log p) for p columns. */
    refs = gw_alloc_array(P->ncols, sizeof *refs);
    if (refs == NULL) {
        rc = gwi_fail(GW_ENOMEM, "%s: cannot allocate the header", P->name);
        goto done;
    }
    for (size_t j = 0; j < P->ncols; j++)
        refs[j] = (name_ref){P->names[j], j};
    qsort(refs, P->ncols, sizeof *refs, cmp_name_ref);
    for (size_t j = 1; j < P->ncols; j++) {
        if (strcmp(refs[j - 1].s, refs[j].s) == 0) {
            rc = perr(P, P->name_at[refs[j].idx],
                      "duplicate column name '%.*s' (columns %zu and %zu of the header)",
                      show_len(strlen(refs[j].s)), refs[j].s, refs[j - 1].idx + 1, refs[j].idx + 1);
            goto done;
        }
    }
    *pp = p;
done:
    gw_free(refs);
    return rc;
}

/* Chooses the columns to read: all, or those named in opts (in file order either way). */
/* Numbers the selected columns in file order (P->sel, P->nsel) and, for a subset of nreq
 * requested names, ranks each by its place in the request (P->sel held 1 + that place) into
 * P->req, 0..nsel-1: the order of the table block. */
static gw_status number_selected(parser *P, int all, size_t nreq)
{
    size_t nsel = 0, *at = NULL;
    for (size_t j = 0; j < P->ncols; j++)
        nsel += P->sel[j] >= 0;
    if (!all && nsel > 0) {
        P->req = gw_alloc_array(nsel, sizeof *P->req);
        at = gw_alloc_array(nreq, sizeof *at);
        if (P->req == NULL || at == NULL) {
            gw_free(at);
            return gwi_fail(GW_ENOMEM, "%s: cannot allocate the column map", P->name);
        }
        for (size_t r = 0; r < nreq; r++)
            at[r] = SIZE_MAX;
    }
    nsel = 0;
    for (size_t j = 0; j < P->ncols; j++)
        if (P->sel[j] >= 0) {
            if (at != NULL)
                at[P->sel[j] - 1] = nsel; /* request place -> column */
            P->sel[j] = (ptrdiff_t)nsel++;
        }
    for (size_t r = 0, rank = 0; at != NULL && r < nreq; r++)
        if (at[r] != SIZE_MAX)
            P->req[at[r]] = rank++;
    gw_free(at);
    P->nsel = nsel;
    return GW_OK;
}

static gw_status select_columns(parser *P, const gw_csv_opts *opts)
{
    P->sel = gw_alloc_array(P->ncols, sizeof *P->sel);
    if (P->sel == NULL)
        return gwi_fail(GW_ENOMEM, "%s: cannot allocate the column map", P->name);
    int all = (opts == NULL || opts->columns == NULL);
    for (size_t j = 0; j < P->ncols; j++)
        P->sel[j] = all ? 0 : -1;
    if (!all) {
        /* A linear search per requested name would be O(k p); sorting keeps 100,000 columns
         * with a long request list cheap. */
        name_ref *refs = gw_alloc_array(P->ncols, sizeof *refs);
        if (refs == NULL)
            return gwi_fail(GW_ENOMEM, "%s: cannot allocate the column map", P->name);
        for (size_t j = 0; j < P->ncols; j++)
            refs[j] = (name_ref){P->names[j], j};
        qsort(refs, P->ncols, sizeof *refs, cmp_name_ref);
        for (size_t k = 0; k < opts->ncolumns; k++) {
            const char *want = opts->columns[k];
            size_t lo = 0, hi = P->ncols;
            if (want == NULL) {
                gw_free(refs);
                return gwi_fail(GW_EINVAL, "%s: column list entry %zu is NULL", P->name, k);
            }
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (strcmp(refs[mid].s, want) < 0)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (lo == P->ncols || strcmp(refs[lo].s, want) != 0) {
                gw_status rc = gwi_fail(GW_ENOVAR, "%s: no column '%s'", P->name, want);
                gw_free(refs);
                return rc;
            }
            if (P->sel[refs[lo].idx] < 0) /* a name asked twice keeps its first place */
                P->sel[refs[lo].idx] = 1 + (ptrdiff_t)k;
        }
        gw_free(refs);
    }
    return number_selected(P, all, all ? 0 : opts->ncolumns);
}

/* ------------------------------------------------------------------------------------------ */
/* Cells                                                                                       */

/* Room for cap rows in every column of R (growth by 3/2: amortised O(1) per row). Both arrays of
 * a column are kept at the same capacity when both exist (a reused chunk may hold both).
 * No transparent-huge-page advice on these columns: with the kernel's defrag=madvise each
 * huge-page fault compacts memory, and `goodwork convert r7.csv` (10^7 rows) took 7.5 s with
 * it against 6.3 s without (system time 3.8 against 1.5 s; commit 817257b, 3 runs each). */
static gw_status block_detach(const parser *P, rows *R);

static gw_status grow_rows(const parser *P, rows *R, size_t cap)
{
    gw_status rc = R->block != NULL ? block_detach(P, R) : GW_OK;
    if (rc != GW_OK)
        return rc;
    for (size_t k = 0; k < P->nsel; k++) {
        ccol *c = &R->cols[k];
        if (c->kind == K_CAT || c->codes != NULL) {
            int32_t *x = gw_realloc(c->codes, cap * sizeof *x);
            if (x == NULL)
                return gwi_fail(GW_ENOMEM, "%s: cannot allocate %zu rows", P->name, cap);
            c->codes = x;
        }
        if (c->kind != K_CAT || c->v != NULL) {
            double *x = gw_realloc(c->v, cap * sizeof *x);
            if (x == NULL)
                return gwi_fail(GW_ENOMEM, "%s: cannot allocate %zu rows", P->name, cap);
            c->v = x;
        }
    }
    R->cap = cap;
    return GW_OK;
}

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211u;
    }
    return h;
}

/* The provisional code of level [s, s+n) in c, adding it if new (at: its place, for messages). */
static gw_status level_code(const parser *P, ccol *c, const char *s, size_t n, const char *at,
                            int32_t *code)
{
    uint64_t h = hash_bytes(s, n);
    if (2 * (c->nlv + 1) > c->nslots) {
        size_t ns = c->nslots ? 2 * c->nslots : 64;
        uint32_t *sl = gw_calloc(ns, sizeof *sl);
        if (sl == NULL)
            return gwi_fail(GW_ENOMEM, "%s: cannot allocate the level index", P->name);
        for (size_t k = 0; k < c->nlv; k++) {
            size_t i = (size_t)c->lvhash[k] & (ns - 1);
            while (sl[i] != 0)
                i = (i + 1) & (ns - 1);
            sl[i] = (uint32_t)(k + 1);
        }
        gw_free(c->slots);
        c->slots = sl;
        c->nslots = ns;
    }
    size_t mask = c->nslots - 1, i = (size_t)h & mask;
    while (c->slots[i] != 0) {
        size_t k = c->slots[i] - 1;
        if (c->lvhash[k] == h && c->lvlen[k] == n && memcmp(c->lv[k], s, n) == 0) {
            *code = (int32_t)k;
            return GW_OK;
        }
        i = (i + 1) & mask;
    }
    if (c->nlv >= (size_t)INT32_MAX)
        return perr(P, at, "column '%s' has more than %d levels", P->names[c->src], INT32_MAX);
    if (c->nlv == c->caplv) {
        size_t cap = c->caplv ? 2 * c->caplv : 16;
        char **lv = gw_realloc(c->lv, cap * sizeof *lv);
        if (lv != NULL)
            c->lv = lv;
        size_t *ll = gw_realloc(c->lvlen, cap * sizeof *ll);
        if (ll != NULL)
            c->lvlen = ll;
        uint64_t *lh = gw_realloc(c->lvhash, cap * sizeof *lh);
        if (lh != NULL)
            c->lvhash = lh;
        const char **la = gw_realloc(c->lvat, cap * sizeof *la);
        if (la != NULL)
            c->lvat = la;
        if (lv == NULL || ll == NULL || lh == NULL || la == NULL)
            return gwi_fail(GW_ENOMEM, "%s: cannot allocate levels", P->name);
        c->caplv = cap;
    }
    char *copy = gw_malloc(n + 1);
    if (copy == NULL)
        return gwi_fail(GW_ENOMEM, "%s: cannot allocate a level", P->name);
    memcpy(copy, s, n);
    copy[n] = '\0';
    c->lv[c->nlv] = copy;
    c->lvlen[c->nlv] = n;
    c->lvhash[c->nlv] = h;
    c->lvat[c->nlv] = at;
    c->slots[i] = (uint32_t)(c->nlv + 1);
    *code = (int32_t)c->nlv++;
    return GW_OK;
}

/* Turns a column that has been all missing so far (rows 0..row-1) into a categorical one whose
 * code array has room for cap rows. */
static gw_status make_categorical(const parser *P, ccol *c, size_t cap, size_t row)
{
    if (c->codes == NULL) {
        c->codes = gw_malloc((cap ? cap : 1) * sizeof *c->codes);
        if (c->codes == NULL)
            return gwi_fail(GW_ENOMEM, "%s: cannot allocate %zu rows", P->name, cap);
    }
    for (size_t i = 0; i < row; i++)
        c->codes[i] = GW_CODE_MISSING;
    if (!c->in_block)
        gw_free(c->v);
    c->v = NULL;
    c->in_block = 0;
    c->kind = K_CAT;
    return GW_OK;
}

static int is_blank(char ch) { return ch == ' ' || ch == '\t'; }

/* Stores one cell of row `row` of R: content [s, s+n) of the field starting at f. The general
 * path; numbers in unquoted fields of numeric columns normally take the fast path in
 * parse_rows. */
static gw_status store_cell(const parser *P, rows *R, ccol *c, size_t row, const char *f,
                            const char *s, size_t n, int quoted)
{
    const char *ts = s, *te = s + n;
    while (ts < te && is_blank(*ts))
        ts++;
    while (te > ts && is_blank(te[-1]))
        te--;
    size_t tn = (size_t)(te - ts);
    int missing = quoted ? (n == 0)
                         : (tn == 0 || (tn == 2 && memcmp(ts, "NA", 2) == 0) ||
                            (tn == 3 && memcmp(ts, "NaN", 3) == 0) || (tn == 1 && *ts == '.'));
    if (missing) {
        if (c->kind == K_CAT) {
            c->codes[row] = GW_CODE_MISSING;
        } else {
            c->v[row] = (double)NAN;
            c->dirty = 1;
        }
        return GW_OK;
    }
    if (c->kind == K_UNKNOWN && quoted) {
        gw_status rc = make_categorical(P, c, R->cap, row);
        if (rc != GW_OK)
            return rc;
        c->first = f;
    }
    if (c->kind == K_CAT)
        return level_code(P, c, s, n, f, &c->codes[row]);
    double x = 0.0;
    int r = gwi_csv_number(ts, tn, &x, NULL);
    if (r == GWI_NUM_OK) {
        if (c->kind == K_UNKNOWN) {
            c->kind = K_NUM;
            c->first = f;
        }
        c->v[row] = x;
        c->dirty |= !isfinite(x);
        return GW_OK;
    }
    if (r == GWI_NUM_NOMEM)
        return gwi_fail(GW_ENOMEM, "%s: cannot allocate a number's copy", P->name);
    if (r == GWI_NUM_RANGE)
        return perr(P, f, "number '%.*s' is out of the range of a double (column '%s')",
                    show_len(tn), ts, P->names[c->src]);
    if (c->kind == K_UNKNOWN) {
        gw_status rc = make_categorical(P, c, R->cap, row);
        if (rc != GW_OK)
            return rc;
        c->first = f;
        return level_code(P, c, s, n, f, &c->codes[row]);
    }
    size_t fl, fc;
    locate(P, c->first, &fl, &fc);
    return perr(P, f,
                "text in numeric column '%s': '%.*s%s' (its first value, at line %zu, is "
                "a number)",
                P->names[c->src], show_len(n), s, n > SHOW ? "..." : "", fl);
}

/* Reports a record with the wrong number of fields; rec is its start, at the place. */
static gw_status ragged(const parser *P, const char *rec, const char *at, size_t nfields)
{
    size_t line, col;
    locate(P, rec, &line, &col);
    return perr(P, at, "line %zu has %zu field%s, the header has %zu", line, nfields,
                nfields == 1 ? "" : "s", P->ncols);
}

/* An estimate of the number of records in [p, end) from its first 64 KiB, bounded by the fact
 * that a non-empty record takes at least max(2, ncols) bytes. Only a starting capacity. */
static size_t estimate_rows(const parser *P, const char *p, const char *end)
{
    size_t bytes = (size_t)(end - p), sample = bytes < 65536 ? bytes : 65536, nl = 0;
    for (const char *q = p; (q = memchr(q, '\n', (size_t)(p + sample - q))) != NULL; q++)
        nl++;
    size_t bound = bytes / (P->ncols > 2 ? P->ncols : 2) + 1;
    size_t est = nl == 0 ? 16 : (size_t)((double)bytes / (double)sample * (double)nl * 1.02) + 16;
    return est < bound ? est : bound;
}

/* Is a (the byte after a number) the end of a field? */
GW_INLINE int at_field_end(const parser *P, const char *a)
{
    return a == P->end || *a == P->delim || *a == '\n' ||
           (*a == '\r' && a + 1 < P->end && a[1] == '\n');
}

/* Counts the fields of a record that has too many, from extra (after field ncols) to its end,
 * and reports it (linear; error path only). */
static gw_status too_many_fields(const parser *P, rows *R, const char *rec, const char *extra)
{
    const char *p = extra, *a = NULL;
    size_t nf = P->ncols;
    int eor = 0;
    while (!eor) {
        gw_status rc;
        if (p < P->end && *p == '"')
            rc = scan_quoted(P, &R->scratch, &R->scap, p, 0, NULL, NULL, &a);
        else
            rc = scan_unquoted(P, p, &a);
        if (rc == GW_OK)
            rc = field_end(P, a, &eor, &p);
        if (rc != GW_OK)
            return rc;
        nf++;
    }
    return ragged(P, rec, extra, nf);
}

/* The data records that start in [p, limit), appended to R (a record that starts before limit
 * is read to its end, wherever that is). R->stop is set to where the next record would start.
 * With the kinds R's columns have on entry, the result is that of reading the same records as
 * part of the whole input: this is what makes chunked parallel reads exact. */
static gw_status parse_rows(const parser *P, rows *R, const char *p, const char *limit)
{
    gw_status rc = GW_OK;
    const char *e = P->end;
    while (p < limit) {
        if (*p == '\n') { /* empty line */
            p++;
            continue;
        }
        if (*p == '\r' && p + 1 < e && p[1] == '\n') {
            p += 2;
            continue;
        }
        if (R->nrows == R->cap) {
            rc = grow_rows(P, R, R->cap + R->cap / 2 + 16);
            if (rc != GW_OK)
                return rc;
        }
        const size_t row = R->nrows;
        const char *rec = p;
        for (size_t j = 0;; j++) {
            const char *f = p, *a = NULL;
            ptrdiff_t k = P->sel[j];
            ccol *c = k >= 0 ? &R->cols[k] : NULL;
            int eor = 0;
            /* Fast path: an unquoted number in a numeric or untyped column. */
            if (c != NULL && c->kind != K_CAT && f < e && *f != '"') {
                decimal d;
                double x;
                if (num_scan(f, e, &d, &a) && at_field_end(P, a) && num_fast(&d, &x)) {
                    c->v[row] = x;
                    if (c->kind == K_UNKNOWN) {
                        c->kind = K_NUM;
                        c->first = f;
                    }
                    goto next_field;
                }
            }
            if (f < e && *f == '"') {
                const char *cs = NULL;
                size_t cn = 0;
                rc = scan_quoted(P, &R->scratch, &R->scap, f, c != NULL, &cs, &cn, &a);
                if (rc == GW_OK && c != NULL)
                    rc = store_cell(P, R, c, row, f, cs, cn, 1);
            } else {
                rc = scan_unquoted(P, f, &a);
                if (rc == GW_OK && c != NULL)
                    rc = store_cell(P, R, c, row, f, f, (size_t)(a - f), 0);
            }
            if (rc != GW_OK)
                return rc;
        next_field:
            rc = field_end(P, a, &eor, &p);
            if (rc != GW_OK)
                return rc;
            if (eor) {
                if (j + 1 < P->ncols)
                    return ragged(P, rec, a, j + 1);
                break;
            }
            if (j + 1 == P->ncols)
                return too_many_fields(P, R, rec, p);
        }
        R->nrows++;
    }
    R->stop = p;
    return GW_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Rows: setting up, reusing, freeing                                                          */

static void col_free_levels(ccol *c)
{
    for (size_t l = 0; l < c->nlv; l++)
        gw_free(c->lv[l]);
    c->nlv = 0;
    if (c->slots != NULL)
        memset(c->slots, 0, c->nslots * sizeof *c->slots);
}

static void rows_free(const parser *P, rows *R)
{
    for (size_t k = 0; R->cols != NULL && k < P->nsel; k++) {
        ccol *c = &R->cols[k];
        if (!c->in_block)
            gw_free(c->v);
        gw_free(c->codes);
        col_free_levels(c);
        gw_free(c->lv);
        gw_free(c->lvlen);
        gw_free(c->lvhash);
        gw_free(c->lvat);
        gw_free(c->slots);
    }
    gw_free(R->cols);
    gw_free(R->scratch);
    gw_free(R->block);
    memset(R, 0, sizeof *R);
}

/* The table block (a column subset read whole: with_block): the values of every selected column
 * in one allocation of 1 + nsel slots of cap rows, slot 0 free (room for an intercept) and
 * column k at slot 1 + its place in the request, so that build_table can hand the block to the
 * table with the regressors side by side in model order and the model frame can take it as the
 * design without a copy (gw_frame_build_consume). Slots of columns that turn out categorical are
 * never written, so their pages cost nothing. */
static gw_status block_init(const parser *P, rows *R, size_t cap)
{
    size_t slots = 1 + P->nsel;
    if (cap == 0 || slots > SIZE_MAX / sizeof(double) / cap ||
        (R->block = gw_alloc_array(slots * cap, sizeof(double))) == NULL)
        return grow_rows(P, R, cap); /* no block: columns of their own */
    for (size_t k = 0; k < P->nsel; k++) {
        R->cols[k].v = R->block + (1 + P->req[k]) * cap;
        R->cols[k].in_block = 1;
    }
    R->cap = cap;
    return GW_OK;
}

/* Gives every column of R its own copy of its values and frees the block: the table outgrew the
 * estimate the block was sized by (rare: the estimate is 2% high). */
static gw_status block_detach(const parser *P, rows *R)
{
    for (size_t k = 0; k < P->nsel; k++) {
        ccol *c = &R->cols[k];
        if (!c->in_block)
            continue;
        double *v = gw_alloc_array(R->cap ? R->cap : 1, sizeof *v);
        if (v == NULL)
            return gwi_fail(GW_ENOMEM, "%s: cannot allocate %zu rows", P->name, R->cap);
        memcpy(v, c->v, R->nrows * sizeof *v);
        c->v = v;
        c->in_block = 0;
    }
    gw_free(R->block);
    R->block = NULL;
    return GW_OK;
}

static gw_status rows_init(const parser *P, rows *R, size_t cap, int with_block)
{
    memset(R, 0, sizeof *R);
    R->cols = gw_calloc(P->nsel ? P->nsel : 1, sizeof *R->cols);
    if (R->cols == NULL)
        return gwi_fail(GW_ENOMEM, "%s: cannot allocate %zu columns", P->name, P->nsel);
    for (size_t j = 0; j < P->ncols; j++)
        if (P->sel[j] >= 0)
            R->cols[P->sel[j]].src = j;
    return with_block && P->req != NULL ? block_init(P, R, cap) : grow_rows(P, R, cap);
}

/* Empties R for the next chunk and gives its columns the kinds (and first values) of `from`,
 * the state of the table just before the chunk. Level dictionaries start empty: codes are
 * local to the chunk until it is merged. */
static gw_status rows_reset(const parser *P, rows *R, const ccol *from)
{
    R->nrows = 0;
    R->stop = NULL;
    R->rc = GW_OK;
    for (size_t k = 0; k < P->nsel; k++) {
        ccol *c = &R->cols[k];
        col_free_levels(c);
        c->dirty = 0;
        c->kind = from[k].kind;
        c->first = from[k].first;
        if (c->kind == K_CAT && c->codes == NULL) {
            c->codes = gw_malloc(R->cap * sizeof *c->codes);
            if (c->codes == NULL)
                return gwi_fail(GW_ENOMEM, "%s: cannot allocate %zu rows", P->name, R->cap);
        } else if (c->kind != K_CAT && c->v == NULL) {
            c->v = gw_malloc(R->cap * sizeof *c->v);
            if (c->v == NULL)
                return gwi_fail(GW_ENOMEM, "%s: cannot allocate %zu rows", P->name, R->cap);
        }
    }
    return GW_OK;
}

/* Appends chunk C to the table T: kinds that C settled become T's, C's levels are looked up in
 * (or added to) T's dictionary in C's order of first appearance, which is file order, and the
 * codes are translated. map is scratch owned by the caller. Runs in chunk order. */
static gw_status rows_append(const parser *P, rows *T, rows *C, int32_t **map, size_t *mapcap)
{
    gw_status rc = GW_OK;
    if (T->nrows + C->nrows > T->cap) {
        size_t want = T->cap + T->cap / 2 + 16;
        rc = grow_rows(P, T, want > T->nrows + C->nrows ? want : T->nrows + C->nrows);
        if (rc != GW_OK)
            return rc;
    }
    for (size_t k = 0; k < P->nsel; k++) {
        ccol *t = &T->cols[k], *c = &C->cols[k];
        if (c->kind != K_CAT) {
            if (t->kind == K_UNKNOWN && c->kind == K_NUM) {
                t->kind = K_NUM;
                t->first = c->first;
            }
            memcpy(t->v + T->nrows, c->v, C->nrows * sizeof *c->v);
            t->dirty |= c->dirty;
            continue;
        }
        if (t->kind != K_CAT) {
            rc = make_categorical(P, t, T->cap, T->nrows);
            if (rc != GW_OK)
                return rc;
            t->first = c->first;
        }
        if (c->nlv > *mapcap) {
            int32_t *m = gw_realloc(*map, c->nlv * sizeof *m);
            if (m == NULL)
                return gwi_fail(GW_ENOMEM, "%s: cannot allocate a level map", P->name);
            *map = m;
            *mapcap = c->nlv;
        }
        for (size_t l = 0; l < c->nlv; l++) {
            rc = level_code(P, t, c->lv[l], c->lvlen[l], c->lvat[l], &(*map)[l]);
            if (rc != GW_OK)
                return rc;
        }
        int32_t *dst = t->codes + T->nrows;
        for (size_t i = 0; i < C->nrows; i++)
            dst[i] = c->codes[i] < 0 ? GW_CODE_MISSING : (*map)[c->codes[i]];
    }
    T->nrows += C->nrows;
    return GW_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Parallel reads                                                                              */

/* Chunks of this many bytes are parsed by one thread each. 1 MiB of text holds 4,000-100,000
 * rows, whose columns (a chunk's working set) stay in L2 cache; a 2.3 GB file gives 2,200
 * chunks, so that the last ones balance the threads. Measured with bench_csv (see its header). */
#define CHUNK_BYTES ((size_t)1 << 20)

/* The fields of the record at p when it is well-formed by the rules of scan_quoted,
 * scan_unquoted and field_end, else 0; *next is where the next record starts. Scanning stops
 * (returning SIZE_MAX, "no evidence") at lim. No messages: this only ranks chunk starts. */
static size_t count_fields(const parser *P, const char *p, const char *lim, const char **next)
{
    size_t nf = 0;
    for (;;) {
        nf++;
        if (p < lim && *p == '"') {
            for (p++;; p += 2) {
                const char *q = memchr(p, '"', (size_t)(lim - p));
                if (q == NULL)
                    return SIZE_MAX;
                p = q;
                if (!(q + 1 < lim && q[1] == '"'))
                    break;
            }
            p++;
        } else {
            while (p < lim && P->cls[(unsigned char)*p] == 0)
                p++;
            if (p < lim && *p == '"')
                return 0;
        }
        if (p == lim)
            return SIZE_MAX;
        if (*p == P->delim) {
            p++;
        } else if (*p == '\n') {
            *next = p + 1;
            return nf;
        } else if (*p == '\r' && p + 1 < lim && p[1] == '\n') {
            *next = p + 2;
            return nf;
        } else {
            return 0;
        }
    }
}

/* A likely record start of the chunk [b, b1) (b > start of the data): the byte after a line
 * feed in [b - 1, b1 - 1) from which the next few records have the header's field count
 * (fread's test; quote-aware, so that a start inside a quoted field with line breaks is
 * skipped), else the first such byte, else NULL. Only a guess: the merge checks that it is
 * where the previous chunk ended and reparses the chunk otherwise, so a wrong guess costs time,
 * never correctness. Scans at most 64 KiB past b1. */
static const char *chunk_start(const parser *P, const char *b, const char *b1)
{
    const char *lim = (size_t)(P->end - b1) > 65536 ? b1 + 65536 : P->end, *first = NULL;
    for (const char *q = b - 1; q < b1 - 1;) {
        const char *nl = memchr(q, '\n', (size_t)(b1 - 1 - q));
        if (nl == NULL)
            break;
        const char *s = nl + 1, *r = s;
        if (first == NULL)
            first = s;
        int good = 1;
        for (int k = 0; k < 4 && good && r < lim; k++) {
            while (r < lim && (*r == '\n' || (*r == '\r' && r + 1 < lim && r[1] == '\n')))
                r += (*r == '\n') ? 1 : 2; /* empty lines */
            if (r == lim)
                break;
            size_t nf = count_fields(P, r, lim, &r);
            if (nf == SIZE_MAX)
                break;
            good = (nf == P->ncols);
        }
        if (good)
            return s;
        q = s;
    }
    return first;
}

static int same_kinds(const parser *P, const ccol *a, const ccol *b)
{
    for (size_t k = 0; k < P->nsel; k++)
        if (a[k].kind != b[k].kind || a[k].first != b[k].first)
            return 0;
    return 1;
}

static void save_error(rows *C) { snprintf(C->msg, sizeof C->msg, "%s", gw_last_error()); }

/* Shared state of a parallel read, guarded by mu except where noted. Chunks are claimed in
 * order together with a free buffer from the pool; a parsed chunk is parked in ready[i] and the
 * thread that finds the next chunk to merge parked (and no merge running) merges every parked
 * chunk in order, with mu released during each merge. No thread ever waits for another's parse
 * except when the pool is empty (then it sleeps on cond): under load from other processes, a
 * descheduled thread does not stall the others as OpenMP's ordered construct did (measured:
 * 2 threads were slower than 1 with a busy machine). */
typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    rows **pool; /* free buffers */
    size_t npool;
    rows **ready;  /* ready[i]: chunk i parsed and parked, not yet merged */
    size_t next;   /* the next chunk to claim */
    size_t merged; /* chunks merged so far (the next to merge) */
    int merging;
    atomic_int stop, nul;
    /* Touched only by the merging thread (one at a time, in chunk order): */
    rows *T;
    ccol *cur;          /* the table's kinds and first values, for snapshots (under mu) */
    const char *expect; /* where the next chunk must start: the end of the last merged one */
    int32_t *map;
    size_t mapcap;
    gw_status rc;
    char msg[1024];
} merge_state;

/* The merge of chunk C, [b0, b1): C holds the thread's parse of it from C->start (NULL when
 * none) with starting kinds C->snap. Accept it when it started where the previous chunk ended
 * and with the kinds the table had there; otherwise parse it again from there (rare: a wrong
 * start guess, or a column whose kind was settled by a chunk still being parsed). Then
 * append. */
static void merge_chunk(const parser *P, merge_state *M, rows *C, const char *b1)
{
    if (M->expect >= b1)
        return; /* covered by the previous chunk's last record */
    if (!C->parsed || C->start != M->expect || !same_kinds(P, C->snap, M->T->cols)) {
        C->rc = rows_reset(P, C, M->T->cols);
        if (C->rc == GW_OK)
            C->rc = parse_rows(P, C, M->expect, b1);
        if (C->rc != GW_OK)
            save_error(C);
    }
    if (C->rc == GW_OK) {
        C->rc = rows_append(P, M->T, C, &M->map, &M->mapcap);
        if (C->rc != GW_OK)
            save_error(C);
    }
    if (C->rc != GW_OK) {
        M->rc = C->rc;
        memcpy(M->msg, C->msg, sizeof M->msg);
        atomic_store(&M->stop, 1);
        return;
    }
    M->expect = C->stop;
}

/* One thread's work: claim a buffer and a chunk, parse it, park it, merge what is in order. */
static void parallel_worker(const parser *P, merge_state *M, const char *p0, size_t cb, size_t nch)
{
    locale_t old = uselocale(P->loc);
    for (;;) {
        pthread_mutex_lock(&M->mu);
        while (M->npool == 0 && M->next < nch)
            pthread_cond_wait(&M->cond, &M->mu);
        if (M->next >= nch) {
            pthread_mutex_unlock(&M->mu);
            break;
        }
        rows *C = M->pool[--M->npool];
        size_t i = M->next++;
        for (size_t k = 0; k < P->nsel; k++) {
            C->snap[k].kind = M->cur[k].kind;
            C->snap[k].first = M->cur[k].first;
        }
        pthread_mutex_unlock(&M->mu);

        const char *b0 = p0 + i * cb, *b1 = i + 1 == nch ? P->end : b0 + cb;
        C->parsed = 0;
        C->start = NULL;
        if (!atomic_load_explicit(&M->stop, memory_order_relaxed)) {
            if (memchr(b0, '\0', (size_t)(b1 - b0)) != NULL) {
                atomic_store(&M->nul, 1);
                atomic_store(&M->stop, 1);
            } else if ((C->start = i == 0 ? p0 : chunk_start(P, b0, b1)) != NULL) {
                C->rc = rows_reset(P, C, C->snap);
                if (C->rc == GW_OK)
                    C->rc = parse_rows(P, C, C->start, b1);
                if (C->rc != GW_OK)
                    save_error(C);
                C->parsed = 1;
            }
        }

        pthread_mutex_lock(&M->mu);
        M->ready[i] = C;
        if (!M->merging) {
            M->merging = 1;
            while (M->merged < nch && M->ready[M->merged] != NULL) {
                size_t j = M->merged;
                rows *D = M->ready[j];
                M->ready[j] = NULL;
                pthread_mutex_unlock(&M->mu);
                const char *e1 = j + 1 == nch ? P->end : p0 + (j + 1) * cb;
                if (!atomic_load(&M->stop))
                    merge_chunk(P, M, D, e1);
                pthread_mutex_lock(&M->mu);
                for (size_t k = 0; k < P->nsel; k++) {
                    M->cur[k].kind = M->T->cols[k].kind;
                    M->cur[k].first = M->T->cols[k].first;
                }
                M->pool[M->npool++] = D;
                M->merged++;
                pthread_cond_broadcast(&M->cond);
            }
            M->merging = 0;
        }
        pthread_mutex_unlock(&M->mu);
    }
    uselocale(old);
}

/* Reads the records from p0 to the end into T (initialised here) on nt threads in chunks of cb
 * bytes, with the result of parse_rows over the whole range whatever nt and cb: each chunk is
 * parsed into a buffer of its own, and the chunks are merged in order (fread's design: M. Dowle
 * and others, data.table). The first error in file order is the one reported. *nul is set when
 * a chunk holds a NUL byte (the caller reports the first one; parsing stops). */
static gw_status parse_parallel(const parser *P, rows *T, const char *p0, int nt, size_t cb,
                                int *nul)
{
    gw_status rc = GW_OK;
    const size_t len = (size_t)(P->end - p0), nch = (len + cb - 1) / cb, ns = P->nsel ? P->nsel : 1;
    const size_t nbuf = 2 * (size_t)nt + 2; /* enough that threads rarely wait for a buffer */
    merge_state M;
    memset(&M, 0, sizeof M);
    rows *bufs = gw_calloc(nbuf, sizeof *bufs);
    M.pool = gw_calloc(nbuf, sizeof *M.pool);
    M.ready = gw_calloc(nch, sizeof *M.ready);
    M.cur = gw_calloc(ns, sizeof *M.cur);
    M.T = T;
    M.expect = p0;
    atomic_init(&M.stop, 0);
    atomic_init(&M.nul, 0);
    if (bufs == NULL || M.pool == NULL || M.ready == NULL || M.cur == NULL) {
        rc = gwi_fail(GW_ENOMEM, "%s: cannot allocate %d threads' buffers", P->name, nt);
        goto done;
    }
    rc = rows_init(P, T, estimate_rows(P, p0, P->end), 1);
    for (size_t b = 0; b < nbuf && rc == GW_OK; b++) {
        rc = rows_init(P, &bufs[b], estimate_rows(P, p0, p0 + cb), 0);
        if (rc == GW_OK && (bufs[b].snap = gw_calloc(ns, sizeof *bufs[b].snap)) == NULL)
            rc = gwi_fail(GW_ENOMEM, "%s: cannot allocate a chunk", P->name);
        M.pool[M.npool++] = &bufs[b];
    }
    if (rc != GW_OK)
        goto done;
    if (pthread_mutex_init(&M.mu, NULL) != 0) {
        rc = gwi_fail(GW_ENOMEM, "%s: cannot create a mutex", P->name);
        goto done;
    }
    if (pthread_cond_init(&M.cond, NULL) != 0) {
        pthread_mutex_destroy(&M.mu);
        rc = gwi_fail(GW_ENOMEM, "%s: cannot create a condition variable", P->name);
        goto done;
    }
#pragma omp parallel num_threads(nt)
    parallel_worker(P, &M, p0, cb, nch);
    pthread_cond_destroy(&M.cond);
    pthread_mutex_destroy(&M.mu);
    *nul = atomic_load(&M.nul);
    if (M.rc != GW_OK && !*nul)
        rc = gwi_fail(M.rc, "%s", M.msg);
done:
    for (size_t b = 0; bufs != NULL && b < nbuf; b++) {
        gw_free(bufs[b].snap);
        rows_free(P, &bufs[b]);
    }
    gw_free(bufs);
    gw_free(M.pool);
    gw_free(M.ready);
    gw_free(M.cur);
    gw_free(M.map);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Building the table                                                                          */

typedef struct {
    const char *s;
    size_t n, idx;
} level_ref;

static int cmp_level_ref(const void *a, const void *b)
{
    const level_ref *x = a, *y = b;
    size_t n = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->s, y->s, n);
    if (c != 0)
        return c;
    return x->n < y->n ? -1 : x->n > y->n;
}

/* Sorts c's levels in byte order and recodes its nrows codes; on success c->lv is the sorted
 * array. */
static gw_status sort_levels(const parser *P, ccol *c, size_t nrows)
{
    gw_status rc = GW_OK;
    level_ref *refs = gw_alloc_array(c->nlv ? c->nlv : 1, sizeof *refs);
    int32_t *remap = gw_alloc_array(c->nlv ? c->nlv : 1, sizeof *remap);
    char **sorted = gw_malloc((c->nlv ? c->nlv : 1) * sizeof *sorted);
    if (refs == NULL || remap == NULL || sorted == NULL) {
        rc = gwi_fail(GW_ENOMEM, "%s: cannot sort levels", P->name);
        goto done;
    }
    for (size_t k = 0; k < c->nlv; k++)
        refs[k] = (level_ref){c->lv[k], c->lvlen[k], k};
    qsort(refs, c->nlv, sizeof *refs, cmp_level_ref);
    for (size_t r = 0; r < c->nlv; r++) {
        remap[refs[r].idx] = (int32_t)r;
        sorted[r] = c->lv[refs[r].idx];
    }
    for (size_t i = 0; i < nrows; i++)
        if (c->codes[i] >= 0)
            c->codes[i] = remap[c->codes[i]];
    gw_free(c->lv);
    c->lv = sorted;
    sorted = NULL;
done:
    gw_free(sorted);
    gw_free(remap);
    gw_free(refs);
    return rc;
}

/* The block of T (block_init) made the table's: the numeric columns moved down, in request
 * order, from stride cap to stride nrows (each to a lower address than any column not yet
 * moved, so ascending order is safe; a pass over the data without fresh pages, where a copy
 * into the design would fault in a new n x p), then slot[k] = column k's slot (0: categorical). */
static gw_status adopt_block(const parser *P, rows *T, gw_table *t, size_t *slot)
{
    size_t n = T->nrows, m = 0;
    size_t *ord = gw_alloc_array(P->nsel, sizeof *ord);
    if (ord == NULL)
        return gwi_fail(GW_ENOMEM, "%s: cannot allocate the column map", P->name);
    for (size_t k = 0; k < P->nsel; k++)
        ord[P->req[k]] = k;
    for (size_t r = 0; r < P->nsel; r++) {
        ccol *c = &T->cols[ord[r]];
        slot[ord[r]] = 0;
        if (!c->in_block)
            continue;
        slot[ord[r]] = 1 + m;
        memmove(T->block + (1 + m++) * n, c->v, n * sizeof(double));
        c->v = NULL;
        c->in_block = 0;
    }
    gw_free(ord);
    gw_status rc = gwi_table_block_adopt(t, T->block, 1 + m, 1);
    T->block = NULL; /* the table's now (or freed) */
    return rc;
}

static gw_status build_table(const parser *P, rows *T, gw_table **out)
{
    gw_table *t = NULL;
    size_t *slot = NULL;
    gw_status rc = gw_table_new(T->nrows, &t);
    if (rc != GW_OK)
        return rc;
    if (T->block != NULL && T->nrows > 0) {
        if ((slot = gw_alloc_array(P->nsel, sizeof *slot)) == NULL)
            rc = gwi_fail(GW_ENOMEM, "%s: cannot allocate the column map", P->name);
        if (rc == GW_OK)
            rc = adopt_block(P, T, t, slot);
    } else if (T->block != NULL) {
        rc = block_detach(P, T); /* no rows: plain empty columns */
    }
    size_t n = T->nrows ? T->nrows : 1;
    for (size_t k = 0; k < P->nsel && rc == GW_OK; k++) {
        ccol *c = &T->cols[k];
        const char *name = P->names[c->src];
        if (c->kind == K_CAT) {
            rc = sort_levels(P, c, T->nrows);
            if (rc != GW_OK)
                break;
            int32_t *codes = gw_realloc(c->codes, n * sizeof *codes); /* shrink */
            if (codes != NULL)
                c->codes = codes;
            codes = c->codes;
            char **lv = c->lv;
            size_t nlv = c->nlv;
            c->codes = NULL;
            c->lv = NULL;
            c->nlv = 0;
            rc = gw_table_add_categorical_take(t, name, codes, lv, nlv);
        } else if (slot != NULL) {
            rc = gwi_table_add_numeric_slot(t, name, slot[k]);
            if (rc == GW_OK && !c->dirty)
                gwi_table_set_clean(t, gw_table_ncols(t) - 1);
        } else {
            double *v = gw_realloc(c->v, n * sizeof *v);
            if (v != NULL)
                c->v = v;
            v = c->v;
            c->v = NULL;
            rc = gw_table_add_numeric_take(t, name, v);
            if (rc == GW_OK && !c->dirty && T->nrows > 0)
                gwi_table_set_clean(t, gw_table_ncols(t) - 1);
        }
    }
    gw_free(slot);
    if (rc != GW_OK) {
        gw_table_free(t);
        return rc;
    }
    *out = t;
    return GW_OK;
}

static void parser_free(parser *P)
{
    gw_free(P->sel);
    gw_free(P->req);
    for (size_t j = 0; j < P->ncols; j++)
        gw_free(P->names[j]);
    gw_free(P->names);
    gw_free(P->name_at);
    gw_free(P->scratch);
}

/* A delimiter that could be part of a number, a quote or a line end would make the grammar
 * ambiguous. A tab is allowed: blanks are trimmed only inside a field, and a tab delimiter
 * never is inside one. */
static int bad_delimiter(char d)
{
    return d == '"' || d == '\r' || d == '\n' || d == '\0' || d == ' ' || (d >= '0' && d <= '9') ||
           d == '+' || d == '-' || d == '.' || d == 'e' || d == 'E';
}

/* The delimiter of a file whose caller gave none: the one of ',', '\t', ';' and '|' that occurs
 * most often outside quotes in the header record (ties in that order), ',' when none does. */
static char detect_delimiter(const char *p, const char *e)
{
    static const char cand[4] = {',', '\t', ';', '|'};
    size_t count[4] = {0, 0, 0, 0};
    int inq = 0;
    for (; p < e && (inq || *p != '\n'); p++) {
        if (*p == '"')
            inq = !inq;
        else if (!inq)
            for (int k = 0; k < 4; k++)
                count[k] += (*p == cand[k]);
    }
    int best = 0;
    for (int k = 1; k < 4; k++)
        if (count[k] > count[best])
            best = k;
    return cand[best];
}

gw_status gwi_csv_read_mem_ex(const char *buf, size_t len, const char *name,
                              const gw_csv_opts *opts, int nthreads, size_t chunk_bytes,
                              gw_table **out)
{
    parser P;
    rows T;
    gw_status rc = GW_OK;
    locale_t old = (locale_t)0;
    int nul = 0;
    memset(&P, 0, sizeof P);
    memset(&T, 0, sizeof T);
    if (out != NULL)
        *out = NULL;
    if (out == NULL || (buf == NULL && len > 0))
        return gwi_fail(GW_EINVAL, "gw_csv_read_mem: NULL argument");
    P.name = name != NULL ? name : "<memory>";
    if (buf == NULL)
        buf = "";
    P.base = buf;
    P.end = buf + len;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        P.base += 3;
    if (opts != NULL && opts->delimiter != 0) {
        P.delim = opts->delimiter;
        if (bad_delimiter(P.delim))
            return gwi_fail(GW_EINVAL, "%s: delimiter 0x%02x is not allowed", P.name,
                            (unsigned)(unsigned char)P.delim);
    } else {
        P.delim = detect_delimiter(P.base, P.end);
    }
    P.cls[(unsigned char)P.delim] = C_DELIM;
    P.cls['\n'] = C_LF;
    P.cls['\r'] = C_CR;
    P.cls['"'] = C_QUOTE;
    if (chunk_bytes == 0)
        chunk_bytes = CHUNK_BYTES;
    if (nthreads <= 0)
        nthreads = gw_threads_get();

    /* strtod (the slow path) follows LC_NUMERIC: pin the parsing threads to "C" for the call. */
    P.loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (P.loc == (locale_t)0)
        return gwi_fail(GW_ENOMEM, "%s: cannot create the C locale", P.name);
    old = uselocale(P.loc);

    if (P.base == P.end) {
        rc = perr(&P, P.base, "empty file (no header row)");
        goto done;
    }
    const char *p = P.base;
    rc = parse_header(&P, &p);
    if (rc == GW_OK)
        rc = select_columns(&P, opts);
    if (rc == GW_OK && (size_t)(P.end - p) > chunk_bytes) {
        rc = parse_parallel(&P, &T, p, nthreads, chunk_bytes, &nul);
    } else if (rc == GW_OK) {
        rc = rows_init(&P, &T, estimate_rows(&P, p, P.end), 1);
        if (rc == GW_OK)
            rc = parse_rows(&P, &T, p, P.end);
        nul = rc == GW_OK && memchr(p, '\0', (size_t)(P.end - p)) != NULL;
    }
    /* A NUL byte anywhere is the error, before any other (the input is then not text); the
     * header's bytes were not checked above. */
    if (rc != GW_OK || nul || memchr(P.base, '\0', (size_t)(p - P.base)) != NULL) {
        const char *z = memchr(P.base, '\0', (size_t)(P.end - P.base));
        if (z != NULL)
            rc = perr(&P, z, "NUL byte in the input");
    }
    if (rc == GW_OK)
        rc = build_table(&P, &T, out);
done:
    uselocale(old);
    freelocale(P.loc);
    rows_free(&P, &T);
    parser_free(&P);
    return rc;
}

gw_status gw_csv_read_mem(const char *buf, size_t len, const char *name, const gw_csv_opts *opts,
                          gw_table **out)
{
    return gwi_csv_read_mem_ex(buf, len, name, opts, 0, 0, out);
}

/* ------------------------------------------------------------------------------------------ */
/* Files                                                                                       */

/* Magic bytes of the formats people give a CSV reader by mistake. Each test needs bytes that a
 * UTF-8 text file cannot start with (control bytes, invalid UTF-8) or, for formats with text
 * magic, a second mark (Parquet's and Arrow's trailing magic, SPSS's binary header), so that no
 * CSV file is refused. */
const char *gwi_data_sniff(const unsigned char *b, size_t n, const unsigned char *tail,
                           size_t ntail)
{
#define MAGIC(s) (n >= sizeof(s) - 1 && memcmp(b, s, sizeof(s) - 1) == 0)
    if (MAGIC("<stata_dta>"))
        return "a Stata .dta file";
    /* Stata formats 102-115: version byte, byte order 1 (MSF) or 2 (LSF), file type 1, 0. */
    if (n >= 4 && b[0] >= 0x66 && b[0] <= 0x73 && (b[1] == 1 || b[1] == 2) && b[2] == 1 &&
        b[3] == 0)
        return "a Stata .dta file";
    if (MAGIC("PK\x03\x04") || MAGIC("PK\x05\x06"))
        return "a zip archive (an Excel .xlsx workbook, or another zipped file)";
    if (MAGIC("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"))
        return "an OLE2 compound file (an Excel .xls workbook or similar)";
    if (MAGIC("PAR1") && ntail >= 4 && memcmp(tail + ntail - 4, "PAR1", 4) == 0)
        return "a Parquet file";
    if (MAGIC("ARROW1") && ntail >= 6 && memcmp(tail + ntail - 6, "ARROW1", 6) == 0)
        return "an Arrow/Feather file";
    if ((MAGIC("$FL2") || MAGIC("$FL3")) && n >= 176 && memchr(b, 0, 176) != NULL)
        return "an SPSS .sav file";
    if (n >= 32 && memcmp(b + 12, "\xC2\xEA\x81\x60\xB3\x14\x11\xCF", 8) == 0)
        return "a SAS .sas7bdat file";
    if (MAGIC("HEADER RECORD*******LIBRARY HEADER RECORD"))
        return "a SAS transport (.xpt) file";
    if (MAGIC("\x89HDF\r\n\x1a\n"))
        return "an HDF5 file (give it the .h5 extension to read it as a goodwork data table)";
    if (MAGIC("\x1f\x8b"))
        return "a gzip-compressed file (name it .csv.gz to read it)";
    if (MAGIC("BZh") && n >= 10 && memcmp(b + 4, "1AY&SY", 6) == 0)
        return "a bzip2-compressed file";
    if (MAGIC("\xFD"
              "7zXZ"))
        return "an xz-compressed file";
    if (MAGIC("\x28\xB5\x2F\xFD"))
        return "a zstd-compressed file";
    if (MAGIC("7z\xBC\xAF\x27\x1C"))
        return "a 7-Zip archive";
    if (MAGIC("%PDF-"))
        return "a PDF file";
    if (MAGIC("RDX2\n") || MAGIC("RDX3\n"))
        return "an R data file";
    if (MAGIC("SQLite format 3\0"))
        return "an SQLite database";
    if (MAGIC("\xFF\xFE") || MAGIC("\xFE\xFF"))
        return "UTF-16 text (save it as UTF-8)";
#undef MAGIC
    return NULL;
}

/* Reads or maps the whole of the open file fd. Regular files are mapped (MAP_POPULATE: the page
 * cache's pages are mapped in one call, nothing is copied or zeroed), which bench_csv measured
 * at a fraction of the cost of read() into fresh memory on this machine (case read_bytes vs
 * mmap_bytes). Other files (pipes, devices) are read. *mapped says which, for release_bytes. */
static gw_status load_bytes(const char *path, int fd, const struct stat *st, char **out,
                            size_t *len, int *mapped)
{
    char err[128];
    char *buf = NULL;
    size_t n = 0, cap = 0;
    *out = NULL;
    *len = 0;
    *mapped = 0;
    if (S_ISREG(st->st_mode) && st->st_size > 0) {
        void *m = mmap(NULL, (size_t)st->st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        if (m != MAP_FAILED) {
            *out = m;
            *len = (size_t)st->st_size;
            *mapped = 1;
            return GW_OK;
        }
    }
    cap = (S_ISREG(st->st_mode) && st->st_size > 0) ? (size_t)st->st_size + 1 : 65536;
    buf = gw_malloc(cap);
    if (buf == NULL)
        return gwi_fail(GW_ENOMEM, "%s: cannot allocate %zu bytes", path, cap);
    for (;;) {
        if (n == cap) {
            size_t nc = cap * 2;
            char *b = gw_realloc(buf, nc);
            if (b == NULL) {
                gw_free(buf);
                return gwi_fail(GW_ENOMEM, "%s: cannot allocate %zu bytes", path, nc);
            }
            buf = b;
            cap = nc;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            strerror_r(e, err, sizeof err);
            gw_free(buf);
            return gwi_fail(GW_EIO, "%s: cannot read: %s", path, err);
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    *out = buf;
    *len = n;
    return GW_OK;
}

static void release_bytes(char *buf, size_t len, int mapped)
{
    if (mapped)
        munmap(buf, len);
    else
        gw_free(buf);
}

gw_status gw_csv_check_file(const char *path)
{
    unsigned char head[512], tail[8];
    ssize_t nh = 0, nt = 0;
    struct stat st;
    if (path == NULL)
        return gwi_fail(GW_EINVAL, "gw_csv_check_file: NULL argument");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return GW_OK; /* the read reports it */
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        nh = pread(fd, head, sizeof head, 0);
        if (st.st_size >= (off_t)sizeof tail)
            nt = pread(fd, tail, sizeof tail, st.st_size - (off_t)sizeof tail);
    }
    close(fd);
    if (nh <= 0)
        return GW_OK;
    const char *what = gwi_data_sniff(head, (size_t)nh, tail, nt > 0 ? (size_t)nt : 0);
    if (what == NULL)
        return GW_OK;
    if (head[0] == 0x1f && nh >= 2 && head[1] == 0x8b && gw_str_ends_with_ci(path, ".gz"))
        return GW_OK; /* gw_csv_read_file decompresses it (and checks what is inside) */
    return gwi_fail(GW_EFORMAT, "%s: %s; %s", path, what, GWI_READS);
}

gw_status gw_csv_read_file(const char *path, const gw_csv_opts *opts, gw_table **out)
{
    char err[128];
    char *buf = NULL, *text = NULL;
    size_t len = 0, tlen = 0;
    int mapped = 0;
    struct stat st;
    gw_status rc = GW_OK;
    if (out != NULL)
        *out = NULL;
    if (path == NULL || out == NULL)
        return gwi_fail(GW_EINVAL, "gw_csv_read_file: NULL argument");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        strerror_r(e, err, sizeof err);
        return gwi_fail(GW_EIO, "%s: cannot open: %s", path, err);
    }
    if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        int e = S_ISDIR(st.st_mode) ? EISDIR : errno;
        strerror_r(e, err, sizeof err);
        close(fd);
        return gwi_fail(GW_EIO, "%s: cannot read: %s", path, err);
    }
    rc = load_bytes(path, fd, &st, &buf, &len, &mapped);
    close(fd);
    if (rc != GW_OK)
        return rc;
    const unsigned char *u = (const unsigned char *)buf;
    int gz = len >= 2 && u[0] == 0x1f && u[1] == 0x8b;
    if (gz && gw_str_ends_with_ci(path, ".gz")) {
        rc = gwi_gz_inflate(path, u, len, &text, &tlen);
        release_bytes(buf, len, mapped);
        buf = NULL;
        if (rc == GW_OK) {
            const unsigned char *t = (const unsigned char *)text;
            const char *what = gwi_data_sniff(t, tlen, t, tlen);
            if (what != NULL)
                rc = gwi_fail(GW_EFORMAT, "%s: compressed %s; %s", path, what, GWI_READS);
            else
                rc = gw_csv_read_mem(text, tlen, path, opts, out);
        }
        gw_free(text);
        return rc;
    }
    const char *what = gwi_data_sniff(u, len, u, len);
    if (what != NULL)
        rc = gwi_fail(GW_EFORMAT, "%s: %s; %s", path, what, GWI_READS);
    else
        rc = gw_csv_read_mem(buf, len, path, opts, out);
    release_bytes(buf, len, mapped);
    return rc;
}
