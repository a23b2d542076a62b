/* hdfe.c -- singletons, degrees of freedom and the within transformation (gw_hdfe.h).
 *
 * Why the solver works on the L fixed-effect coefficients rather than on the n-vector (as
 * plain alternating projections do): a CG step then reads only the int32 codes (and weights),
 * never the column, and writes only L-sized vectors that stay in cache for moderate L; the
 * column itself is read and written once per refinement (twice in all when the first solve
 * meets the criterion). Columns are independent problems, so threads take whole columns: no
 * reduction crosses threads and the result cannot depend on their number.
 *
 * The CG iteration on A g = b (A = D'WD, b = D'Wy~, M = diag(A) = level weights) is the
 * textbook preconditioned one (Saad, Iterative Methods, alg. 9.1). A is singular (a constant
 * can move between sets) but b lies in its range, so CG from g = 0 stays in the range and
 * converges; the demeaned column does not depend on which solution is reached. Inside a solve
 * the norm of the current demeaned column is tracked without touching the data,
 * ||y~ - Dg||^2 = ||y~||^2 - g'(b + r) (r = b - Ag), to stop at tol/4 of it; the criterion
 * proper is then checked on the column recomputed from the data. */
#include <float.h>
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_hdfe.h"
#include "gw_par.h"

struct gw_hdfe {
    size_t n_in, n, nfe, L;
    int32_t **codes;    /* nfe arrays of n compacted codes             */
    unsigned char *own; /* nfe flags: codes[g] owned (else borrowed) */
    int own_w;          /* w owned (else borrowed)                   */
    size_t *levels;     /* L_g                                          */
    size_t *offset;     /* first coefficient of set g                   */
    size_t *dfset;      /* d_g                                          */
    double *wsum;       /* L level weights (counts when unweighted)     */
    double *w;          /* n compacted weights, or NULL                 */
    size_t *rows;       /* n kept row indices                           */
    size_t singletons, passes, df;
    double tol;
    size_t maxiter;
    /* The CG product's row order (two or more sets): rows sorted stably by the set with the
     * most levels, `big`, so that its coefficients are read and written as runs (start[l] ..
     * start[l+1]) and only the smaller sets are accessed at random. */
    size_t big;
    size_t *start;    /* L_big + 1 run starts                       */
    int32_t **pcodes; /* nfe arrays (NULL for big): codes, sorted   */
    double *pw;       /* weights, sorted, or NULL                    */
    /* Two or more sets: one level per connected component and set g >= 1 is held at 0 in CG
     * (its preconditioned residual zeroed), which removes the null space of D'WD: the
     * S - 1 vectors per component that add c to set 1 and subtract it from set g. Without the
     * anchors, rounding leaves r slightly inconsistent and CG pushed x along the null space
     * (6.6e15 in 25 steps at fe_tol 1e-14) until D x lost every digit. */
    unsigned char *anchor; /* L flags, or NULL (one set) */
};

/* ------------------------------------------------------------------------------------------ */
/* Construction.                                                                              */

/* Union-find with path halving over int32 parents. */
static int32_t uf_find(int32_t *par, int32_t a)
{
    while (par[a] != a) {
        par[a] = par[par[a]];
        a = par[a];
    }
    return a;
}

/* Number of connected components of the bipartite graph (levels of a) + (levels of b) with an
 * edge for each row; par: la + lb int32 scratch. */
static size_t components(const int32_t *a, size_t la, const int32_t *b, size_t lb, size_t n,
                         int32_t *par)
{
    size_t comps = la + lb;
    for (size_t v = 0; v < la + lb; v++)
        par[v] = (int32_t)v;
    for (size_t i = 0; i < n; i++) {
        int32_t ra = uf_find(par, a[i]), rb = uf_find(par, (int32_t)la + b[i]);
        if (ra != rb) {
            par[ra < rb ? rb : ra] = ra < rb ? ra : rb;
            comps--;
        }
    }
    return comps;
}

/* The same count for the big set and set o, in the sorted order: the big level's root stays
 * in cache along its run. */
static size_t components_sorted(const gw_hdfe *h, size_t o, int32_t *par)
{
    const size_t lb = h->levels[h->big], lo = h->levels[o];
    const int32_t *c = h->pcodes[o];
    size_t comps = lb + lo;
    for (size_t v = 0; v < lb + lo; v++)
        par[v] = (int32_t)v;
    for (size_t l = 0; l < lb; l++)
        for (size_t k = h->start[l]; k < h->start[l + 1]; k++) {
            int32_t ra = uf_find(par, (int32_t)l), rb = uf_find(par, (int32_t)lb + c[k]);
            if (ra != rb) {
                par[ra < rb ? rb : ra] = ra < rb ? ra : rb;
                comps--;
            }
        }
    return comps;
}

/* The anchors (struct gw_hdfe): the components of the graph of all levels with one edge per
 * row and set g >= 1 (joining the row's set-0 and set-g levels), then, for every set g >= 1
 * and component, its first level of set g. */
static gw_status make_anchors(gw_hdfe *h)
{
    const size_t L = h->L, n = h->n;
    int32_t *par = gw_alloc_array(L, sizeof *par), *mark = gw_alloc_array(L, sizeof *mark);
    if ((h->anchor = gw_calloc(L, 1)) == NULL || par == NULL || mark == NULL) {
        gw_free(par);
        gw_free(mark);
        return gwi_fail(GW_ENOMEM, "cannot allocate the fixed-effect anchors (%zu levels)", L);
    }
    for (size_t v = 0; v < L; v++) {
        par[v] = (int32_t)v;
        mark[v] = -1;
    }
    for (size_t g = 1; g < h->nfe; g++)
        for (size_t i = 0; i < n; i++) {
            int32_t ra = uf_find(par, (int32_t)(h->offset[0] + (size_t)h->codes[0][i]));
            int32_t rb = uf_find(par, (int32_t)(h->offset[g] + (size_t)h->codes[g][i]));
            if (ra != rb)
                par[ra < rb ? rb : ra] = ra < rb ? ra : rb;
        }
    for (size_t g = 1; g < h->nfe; g++)
        for (size_t l = h->offset[g]; l < h->offset[g] + h->levels[g]; l++) {
            int32_t root = uf_find(par, (int32_t)l);
            if (mark[root] != (int32_t)g) {
                mark[root] = (int32_t)g;
                h->anchor[l] = 1;
            }
        }
    gw_free(par);
    gw_free(mark);
    return GW_OK;
}

/* Threads for a pass that keeps a histogram of nl counters per row block: as many as the
 * library uses while their histograms stay small beside the n rows (n/8 counters in all), else
 * fewer. The results of these passes are integers, the same for any number of blocks. */
static int hist_blocks(size_t n, size_t nl)
{
    int nb = gw_threads_get();
    while (nb > 1 && (size_t)nb * nl > n / 8)
        nb--;
    return nb > 0 ? nb : 1;
}

/* Rows [r0, r1) of block b of nb over n. */
static void block_rows(size_t n, int nb, int b, size_t *r0, size_t *r1)
{
    *r0 = n / (size_t)nb * (size_t)b + (n % (size_t)nb < (size_t)b ? n % (size_t)nb : (size_t)b);
    *r1 = *r0 + n / (size_t)nb + ((size_t)b < n % (size_t)nb);
}

/* Histograms of codes c over the rows i < n with keep[i] (every row when keep is NULL): hist
 * holds nb rows of nl counters, row b for block b of the rows (block_rows), counted on the
 * library's threads. */
static void block_hist(const int32_t *c, const unsigned char *keep, size_t n, size_t nl, int nb,
                       size_t *hist)
{
#pragma omp parallel for schedule(static, 1) num_threads(nb)
    for (int b = 0; b < nb; b++) {
        size_t r0, r1, *hc = hist + (size_t)b * nl;
        block_rows(n, nb, b, &r0, &r1);
        memset(hc, 0, nl * sizeof *hc);
        if (keep == NULL)
            for (size_t i = r0; i < r1; i++)
                hc[c[i]]++;
        else
            for (size_t i = r0; i < r1; i++)
                hc[c[i]] += keep[i];
    }
}

/* cnt[l]: the rows i < n with keep[i] (every row when keep is NULL) and c[i] == l. Per-block
 * histograms when scratch allows (else one block), summed in block order: exact integers. */
static void count_codes(const int32_t *c, const unsigned char *keep, size_t n, size_t nl,
                        size_t *cnt)
{
    int nb = hist_blocks(n, nl);
    size_t *hist = nb > 1 ? gw_alloc_array((size_t)nb * nl, sizeof *hist) : NULL;
    if (hist == NULL) {
        block_hist(c, keep, n, nl, 1, cnt);
        return;
    }
    block_hist(c, keep, n, nl, nb, hist);
#pragma omp parallel for schedule(static)
    for (size_t l = 0; l < nl; l++) {
        size_t sum = 0;
        for (int b = 0; b < nb; b++)
            sum += hist[(size_t)b * nl + l];
        cnt[l] = sum;
    }
    gw_free(hist);
}

/* Marks singleton rows in keep (n flags) until none is left; returns the number dropped and
 * the passes that dropped any. cnt: scratch of max nlevels size_t. Within one pass the sets are
 * processed in turn, each counting over the rows still kept, so a chain can unravel by up to one
 * link per set and pass; the fixed point does not depend on that order (it is the largest subset
 * with no singleton). Counting and marking run on the library's threads. */
static size_t drop_singletons(const gw_factor *fe, size_t nfe, size_t n, unsigned char *keep,
                              size_t *cnt, size_t *passes)
{
    size_t dropped = 0;
    *passes = 0;
    for (;;) {
        size_t now = 0;
        for (size_t g = 0; g < nfe; g++) {
            const int32_t *c = fe[g].codes;
            count_codes(c, keep, n, fe[g].nlevels, cnt);
#pragma omp parallel for schedule(static) reduction(+ : now)
            for (size_t i = 0; i < n; i++)
                if (keep[i] && cnt[c[i]] == 1) {
                    keep[i] = 0;
                    now++;
                }
        }
        if (now == 0)
            break;
        dropped += now;
        ++*passes;
        if (nfe == 1)
            break; /* one set: a second pass cannot find more */
    }
    return dropped;
}

/* Compacted codes of set g over the kept rows, levels renumbered in their original order, and
 * the level weights wl (nl doubles, zero on entry). When nothing was dropped and every level
 * occurs, the caller's codes are used as they are; unweighted level weights are counts
 * (count_codes, on threads). map, cnt: scratch of nl. Sets h->codes[g] and h->levels[g]. */
static gw_status compact_set(gw_hdfe *h, const gw_factor *f, size_t g, const double *w, double *wl,
                             int32_t *map, size_t *cnt)
{
    const int32_t *c = f->codes;
    const size_t nl = f->nlevels, n = h->n_in;
    int32_t next = 0;
    if (h->n == n) {
        if (w == NULL) {
            count_codes(c, NULL, n, nl, cnt);
            for (size_t l = 0; l < nl; l++)
                wl[l] = (double)cnt[l];
        } else {
            for (size_t i = 0; i < n; i++) /* in row order: the sums do not depend on threads */
                wl[c[i]] += w[i];
        }
        for (size_t l = 0; l < nl; l++)
            next += wl[l] > 0.0;
    }
    if (h->n == n && (size_t)next == nl) {
        h->codes[g] = (int32_t *)(uintptr_t)c; /* identity renumbering: borrowed */
        h->levels[g] = nl;
        return GW_OK;
    }
    for (size_t l = 0; l < nl; l++)
        map[l] = -1;
    for (size_t i = 0; i < h->n; i++)
        map[c[h->rows ? h->rows[i] : i]] = 0;
    next = 0;
    for (size_t l = 0; l < nl; l++)
        if (map[l] == 0)
            map[l] = next++;
    if ((h->codes[g] = gw_alloc_array(h->n, sizeof(int32_t))) == NULL)
        return GW_ENOMEM;
    h->own[g] = 1;
    memset(wl, 0, nl * sizeof(double));
    for (size_t i = 0; i < h->n; i++) {
        int32_t k = map[c[h->rows ? h->rows[i] : i]];
        h->codes[g][i] = k;
        wl[k] += h->w ? h->w[i] : 1.0;
    }
    h->levels[g] = (size_t)next;
    return GW_OK;
}

/* The CG product's row order: rows sorted stably by the set `big` (h->start, h->pcodes,
 * h->pw). A counting sort on threads: each block of rows counts its levels, the run of level
 * l gives each block its stretch in block order, and each block scatters its own rows; the
 * order is the stable one whatever the number of blocks. */
static gw_status sort_by_big(gw_hdfe *h)
{
    const size_t nfe = h->nfe, big = h->big, Lb = h->levels[big], n = h->n;
    const int32_t *cb = h->codes[big];
    h->start = gw_calloc(Lb + 1, sizeof *h->start);
    h->pcodes = gw_calloc(nfe, sizeof *h->pcodes);
    if (h->start == NULL || h->pcodes == NULL)
        return GW_ENOMEM;
    for (size_t g = 0; g < nfe; g++)
        if (g != big && (h->pcodes[g] = gw_alloc_array(n, sizeof(int32_t))) == NULL)
            return GW_ENOMEM;
    if (h->w != NULL && (h->pw = gw_alloc_array(n, sizeof(double))) == NULL)
        return GW_ENOMEM;
    int nb = hist_blocks(n, Lb);
    size_t *pos = gw_alloc_array((size_t)nb * (Lb ? Lb : 1), sizeof *pos);
    if (pos == NULL)
        return GW_ENOMEM;
    block_hist(cb, NULL, n, Lb, nb, pos);
    for (size_t l = 0, acc = 0; l < Lb; l++) { /* counts -> each block's next position */
        h->start[l] = acc;
        for (int b = 0; b < nb; b++) {
            size_t k = pos[(size_t)b * Lb + l];
            pos[(size_t)b * Lb + l] = acc;
            acc += k;
        }
    }
    h->start[Lb] = n;
#pragma omp parallel for schedule(static, 1) num_threads(nb)
    for (int b = 0; b < nb; b++) {
        size_t r0, r1, *next = pos + (size_t)b * Lb;
        block_rows(n, nb, b, &r0, &r1);
        for (size_t i = r0; i < r1; i++) {
            size_t p = next[cb[i]]++;
            for (size_t g = 0; g < nfe; g++)
                if (g != big)
                    h->pcodes[g][p] = h->codes[g][i];
            if (h->pw)
                h->pw[p] = h->w[i];
        }
    }
    gw_free(pos);
    return GW_OK;
}

/* gw_hdfe_new's argument checks: sets, codes in range (the first bad row, on threads), weights
 * positive and finite; *maxl = the most levels of any set. */
static gw_status check_inputs(const gw_factor *fe, size_t nfe, size_t n, const double *w,
                              const gw_hdfe_opts *opts, size_t *maxl)
{
    if (fe == NULL || nfe == 0)
        return gwi_fail(GW_EINVAL, "no fixed effects");
    if (n == 0)
        return gwi_fail(GW_ENODATA, "no observations");
    if (opts->tol != 0.0 && !(opts->tol > 0.0 && opts->tol < 1.0))
        return gwi_fail(GW_EINVAL, "fixed-effect tolerance %g is not in (0, 1)", opts->tol);
    for (size_t g = 0; g < nfe; g++) {
        if (fe[g].codes == NULL || fe[g].nlevels == 0 || fe[g].nlevels > (size_t)INT32_MAX / 2)
            return gwi_fail(GW_EINVAL, "fixed effect %s has no codes or %zu levels",
                            fe[g].name ? fe[g].name : "?", fe[g].nlevels);
        const int32_t *c = fe[g].codes;
        const size_t nl = fe[g].nlevels;
        size_t bad = SIZE_MAX; /* the first row with a code out of range */
#pragma omp parallel for schedule(static) reduction(min : bad)
        for (size_t i = 0; i < n; i++)
            if ((c[i] < 0 || (size_t)c[i] >= nl) && i < bad)
                bad = i;
        if (bad != SIZE_MAX)
            return gwi_fail(GW_EINVAL, "fixed effect %s: row %zu has code %ld outside 0..%zu",
                            fe[g].name ? fe[g].name : "?", bad, (long)c[bad], nl - 1);
        if (fe[g].nlevels > *maxl)
            *maxl = fe[g].nlevels;
    }
    if (w != NULL)
        for (size_t i = 0; i < n; i++)
            if (!(w[i] > 0.0) || !isfinite(w[i]))
                return gwi_fail(GW_EINVAL, "weight %g at row %zu is not positive and finite", w[i],
                                i);
    return GW_OK;
}

gw_status gw_hdfe_new(const gw_factor *fe, size_t nfe, size_t n, const double *w,
                      const gw_hdfe_opts *opts, gw_hdfe **out)
{
    const gw_hdfe_opts defaults = {0};
    gw_status rc = GW_OK;
    gw_hdfe *h = NULL;
    unsigned char *keep = NULL;
    size_t *cnt = NULL;
    int32_t *map = NULL, *par = NULL;
    double **wl = NULL;
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "no output pointer");
    *out = NULL;
    if (opts == NULL)
        opts = &defaults;
    size_t maxl = 1;
    if ((rc = check_inputs(fe, nfe, n, w, opts, &maxl)) != GW_OK)
        return rc;
    h = gw_calloc(1, sizeof *h);
    keep = gw_alloc_array(n, 1);
    cnt = gw_alloc_array(maxl, sizeof *cnt);
    map = gw_alloc_array(maxl, sizeof *map);
    if (h == NULL || keep == NULL || cnt == NULL || map == NULL)
        goto nomem;
    h->n_in = n;
    h->nfe = nfe;
    h->tol = opts->tol != 0.0 ? opts->tol : GW_HDFE_TOL;
    h->maxiter = opts->maxiter != 0 ? opts->maxiter : GW_HDFE_MAXITER;
    memset(keep, 1, n);
    if (!(opts->flags & GW_HDFE_KEEP_SINGLETONS))
        h->singletons = drop_singletons(fe, nfe, n, keep, cnt, &h->passes);
    h->n = n - h->singletons;
    if (h->n == 0) {
        rc = gwi_fail(GW_ENODATA, "no observations left after dropping %zu singletons", n);
        goto done;
    }
    /* Rows kept: NULL for all of them (saves 8 n bytes and a pass). */
    h->rows = h->n < n ? gw_alloc_array(h->n, sizeof *h->rows) : NULL;
    h->codes = gw_calloc(nfe, sizeof *h->codes);
    h->levels = gw_calloc(nfe, sizeof *h->levels);
    h->offset = gw_calloc(nfe + 1, sizeof *h->offset);
    h->dfset = gw_calloc(nfe, sizeof *h->dfset);
    h->own = gw_calloc(nfe, 1);
    if ((h->rows == NULL && h->n < n) || h->codes == NULL || h->levels == NULL ||
        h->offset == NULL || h->dfset == NULL || h->own == NULL)
        goto nomem;
    if (h->rows != NULL)
        for (size_t i = 0, m = 0; i < n; i++)
            if (keep[i])
                h->rows[m++] = i;
    /* Nothing dropped: the caller's weights and (below) codes are used in place, which saves
     * O(n S) memory at the scale where it matters. */
    if (w != NULL && h->n == n) {
        h->w = (double *)(uintptr_t)w; /* never written */
    } else if (w != NULL) {
        if ((h->w = gw_alloc_array(h->n, sizeof *h->w)) == NULL)
            goto nomem;
        h->own_w = 1;
        gw_hdfe_compact(h, w, h->w);
    }
    /* Compacted codes and level weights, then the CG product's row order. */
    wl = gw_calloc(nfe, sizeof *wl);
    if (wl == NULL)
        goto nomem;
    for (size_t g = 0; g < nfe; g++) {
        if ((wl[g] = gw_calloc(fe[g].nlevels, sizeof(double))) == NULL ||
            compact_set(h, &fe[g], g, w, wl[g], map, cnt) != GW_OK)
            goto nomem;
        h->offset[g + 1] = h->offset[g] + h->levels[g];
    }
    h->L = h->offset[nfe];
    if ((h->wsum = gw_alloc_array(h->L ? h->L : 1, sizeof *h->wsum)) == NULL)
        goto nomem;
    for (size_t g = 0; g < nfe; g++)
        memcpy(h->wsum + h->offset[g], wl[g], h->levels[g] * sizeof(double));
    if (nfe > 1) {
        for (size_t g = 1; g < nfe; g++)
            if (h->levels[g] > h->levels[h->big])
                h->big = g;
        if (sort_by_big(h) != GW_OK)
            goto nomem;
    }
    /* Degrees of freedom: d_1 = L_1, d_g = L_g - max_{h<g} C(h, g). Each C(h, g) is a
     * union-find over the L_h + L_g levels with one union per row (near-linear; path halving,
     * the smaller root wins so that the numbering never matters). Pairs with the big set run in
     * its sorted order, where the big level's root stays in cache along its run. */
    h->dfset[0] = h->levels[0];
    if (nfe > 1) {
        size_t pmax = 0;
        for (size_t g = 0; g < nfe; g++)
            for (size_t k = g + 1; k < nfe; k++)
                if (h->levels[g] + h->levels[k] > pmax)
                    pmax = h->levels[g] + h->levels[k];
        if ((par = gw_alloc_array(pmax, sizeof *par)) == NULL)
            goto nomem;
    }
    for (size_t g = 1; g < nfe; g++) {
        size_t cmax = 0;
        for (size_t k = 0; k < g; k++) {
            size_t c =
                (k == h->big || g == h->big)
                    ? components_sorted(h, k == h->big ? g : k, par)
                    : components(h->codes[k], h->levels[k], h->codes[g], h->levels[g], h->n, par);
            if (c > cmax)
                cmax = c;
        }
        h->dfset[g] = h->levels[g] - cmax;
    }
    for (size_t g = 0; g < nfe; g++)
        h->df += h->dfset[g];
    if (nfe > 1 && (rc = make_anchors(h)) != GW_OK)
        goto done;
    *out = h;
    h = NULL;
    goto done;
nomem:
    rc = gwi_fail(GW_ENOMEM, "cannot allocate the fixed-effect structures (%zu rows)", n);
done:
    if (wl)
        for (size_t g = 0; g < nfe; g++)
            gw_free(wl[g]);
    gw_free(wl);
    gw_free(par);
    gw_free(map);
    gw_free(cnt);
    gw_free(keep);
    gw_hdfe_free(h);
    return rc;
}

void gw_hdfe_free(gw_hdfe *h)
{
    if (h == NULL)
        return;
    if (h->codes && h->own)
        for (size_t g = 0; g < h->nfe; g++)
            if (h->own[g])
                gw_free(h->codes[g]);
    gw_free(h->own);
    if (h->pcodes)
        for (size_t g = 0; g < h->nfe; g++)
            gw_free(h->pcodes[g]);
    gw_free(h->pcodes);
    gw_free(h->start);
    gw_free(h->pw);
    gw_free(h->anchor);
    gw_free(h->codes);
    gw_free(h->levels);
    gw_free(h->offset);
    gw_free(h->dfset);
    gw_free(h->wsum);
    if (h->own_w)
        gw_free(h->w);
    gw_free(h->rows);
    gw_free(h);
}

gw_status gw_hdfe_set_weights(gw_hdfe *h, const double *w)
{
    if (h == NULL || w == NULL)
        return gwi_fail(GW_EINVAL, "no fixed-effect structure or no weights");
    const size_t n = h->n;
    for (size_t i = 0; i < n; i++)
        if (!(w[i] > 0.0) || !isfinite(w[i]))
            return gwi_fail(GW_EINVAL, "weight %g at kept row %zu is not positive and finite", w[i],
                            i);
    /* Allocate everything first, so that a failure leaves h as it was. */
    double *wn = h->own_w ? h->w : gw_alloc_array(n, sizeof *wn);
    double *pwn = (h->nfe > 1 && h->pw == NULL) ? gw_alloc_array(n, sizeof *pwn) : h->pw;
    size_t *next = NULL;
    if (h->nfe > 1)
        next = gw_alloc_array(h->levels[h->big] ? h->levels[h->big] : 1, sizeof *next);
    if (wn == NULL || (h->nfe > 1 && (pwn == NULL || next == NULL))) {
        if (wn != h->w)
            gw_free(wn);
        if (pwn != h->pw)
            gw_free(pwn);
        gw_free(next);
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu weights", n);
    }
    if (wn != w)
        memcpy(wn, w, n * sizeof *wn);
    h->w = wn;
    h->own_w = 1;
    h->pw = pwn;
    memset(h->wsum, 0, (h->L ? h->L : 1) * sizeof *h->wsum);
    for (size_t g = 0; g < h->nfe; g++) {
        const int32_t *c = h->codes[g];
        double *ws = h->wsum + h->offset[g];
        for (size_t i = 0; i < n; i++)
            ws[c[i]] += wn[i];
    }
    if (h->nfe > 1) { /* the product's row order: the same stable counting sort as gw_hdfe_new */
        const int32_t *cb = h->codes[h->big];
        memcpy(next, h->start, h->levels[h->big] * sizeof *next);
        for (size_t i = 0; i < n; i++)
            pwn[next[cb[i]]++] = wn[i];
        gw_free(next);
    }
    return GW_OK;
}

size_t gw_hdfe_nobs(const gw_hdfe *h) { return h->n; }
size_t gw_hdfe_singletons(const gw_hdfe *h) { return h->singletons; }
size_t gw_hdfe_singleton_passes(const gw_hdfe *h) { return h->passes; }
size_t gw_hdfe_nfe(const gw_hdfe *h) { return h->nfe; }
size_t gw_hdfe_levels(const gw_hdfe *h, size_t g) { return g < h->nfe ? h->levels[g] : 0; }
size_t gw_hdfe_df(const gw_hdfe *h) { return h->df; }
size_t gw_hdfe_df_set(const gw_hdfe *h, size_t g) { return g < h->nfe ? h->dfset[g] : 0; }
const size_t *gw_hdfe_rows(const gw_hdfe *h) { return h->rows; }
const int32_t *gw_hdfe_codes(const gw_hdfe *h, size_t g) { return g < h->nfe ? h->codes[g] : NULL; }
const double *gw_hdfe_weights(const gw_hdfe *h) { return h->w; }

void gw_hdfe_compact(const gw_hdfe *h, const double *src, double *dst)
{
    /* rows[i] >= i, so a forward copy is safe in place. */
    if (h->rows == NULL) {
        if (dst != src)
            memcpy(dst, src, h->n * sizeof *dst);
        return;
    }
    for (size_t i = 0; i < h->n; i++)
        dst[i] = src[h->rows[i]];
}

int gw_hdfe_nested(const gw_hdfe *h, size_t g, const int32_t *codes, size_t nlevels)
{
    if (g >= h->nfe || codes == NULL)
        return 0;
    int32_t *first = gw_alloc_array(h->levels[g], sizeof *first);
    if (first == NULL)
        return -1;
    const int32_t *c = h->codes[g];
    int nested = 1;
    for (size_t l = 0; l < h->levels[g]; l++)
        first[l] = -1;
    for (size_t i = 0; i < h->n && nested; i++) {
        int32_t k = codes[i];
        if (k < 0 || (size_t)k >= nlevels)
            nested = 0;
        else if (first[c[i]] < 0)
            first[c[i]] = k;
        else if (first[c[i]] != k)
            nested = 0;
    }
    gw_free(first);
    return nested;
}

/* ------------------------------------------------------------------------------------------ */
/* The within transformation.                                                                 */

/* Columns are demeaned in groups of up to GROUP_MAX: the L-sized vectors of a group are stored
 * level-major (v[l * nc + j]), so one pass over the codes serves every column of the group and
 * the per-row work is a short contiguous vector. Every operation on column j reads and writes
 * only column j's entries, in the same order whatever the group: the grouping (which follows
 * the thread count) cannot change a bit of the result. */
#define GROUP_MAX 16

/* The passes over the data scatter into (and gather from) the L-sized sums at random when the
 * rows are not sorted by a set with many levels (10^5 levels x 6 columns = 4.8 MB, beyond L2):
 * the entries PF_AHEAD rows ahead are requested early. */
#define PF_AHEAD 16
#if defined(__GNUC__)
#define PREFETCH_ROW(h, base, i, nc)                                                               \
    do {                                                                                           \
        if ((i) + PF_AHEAD < (h)->n)                                                               \
            for (size_t g_ = 0; g_ < (h)->nfe; g_++)                                               \
                __builtin_prefetch(                                                                \
                    (base) + ((h)->offset[g_] + (size_t)(h)->codes[g_][(i) + PF_AHEAD]) * (nc),    \
                    1);                                                                            \
    } while (0)
#else
#define PREFETCH_ROW(h, base, i, nc) ((void)0)
#endif

/* The passes over the data, row-wise over the group's columns so that each row touches one run
 * of nc contiguous sums per set. Inlined with nc, S and `weighted` constant where they are
 * small (pass_dispatch), as the product below. With sub == 0: r = D'W y (r zeroed here) and
 * s2[j] = y_j'W y_j. With sub == 1: y_j <- y_j - D x[:, j] for the columns with act[j], then r
 * and s2 of the result (unchanged columns are only read). */
#if defined(__GNUC__)
#define GW_ALWAYS_INLINE static inline __attribute__((always_inline))
#else
#define GW_ALWAYS_INLINE static inline
#endif
GW_ALWAYS_INLINE void pass_kernel(const gw_hdfe *h, const double *x, double *const *cols,
                                  const int *act, double *r, double *s2, size_t nc, size_t S,
                                  int weighted, int sub)
{
    const size_t n = h->n;
    const double *w = h->w;
    double v[GROUP_MAX], ss[GROUP_MAX];
    const int32_t *cg[3];
    size_t off[3];
    for (size_t g = 0; g < S && g < 3; g++) {
        cg[g] = h->codes[g];
        off[g] = h->offset[g];
    }
    memset(r, 0, h->L * nc * sizeof *r);
    for (size_t j = 0; j < nc; j++)
        ss[j] = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double wi = weighted ? w[i] : 1.0;
        PREFETCH_ROW(h, r, i, nc);
        if (sub)
            PREFETCH_ROW(h, x, i, nc);
        for (size_t j = 0; j < nc; j++)
            v[j] = cols[j][i];
        if (sub) {
            for (size_t g = 0; g < S; g++) {
                const double *xg = x + (off[g] + (size_t)cg[g][i]) * nc;
                for (size_t j = 0; j < nc; j++)
                    v[j] -= xg[j];
            }
            for (size_t j = 0; j < nc; j++) {
                if (act[j])
                    cols[j][i] = v[j];
                else
                    v[j] = cols[j][i];
            }
        }
        for (size_t j = 0; j < nc; j++) {
            const double wv = weighted ? wi * v[j] : v[j];
            ss[j] += wv * v[j];
            v[j] = wv;
        }
        for (size_t g = 0; g < S; g++) {
            double *rg = r + (off[g] + (size_t)cg[g][i]) * nc;
            for (size_t j = 0; j < nc; j++)
                rg[j] += v[j];
        }
    }
    for (size_t j = 0; j < nc; j++)
        s2[j] = ss[j];
}

/* The general case (any S): the same arithmetic, codes read through h. */
static void pass_general(const gw_hdfe *h, const double *x, double *const *cols, const int *act,
                         double *r, double *s2, size_t nc, int sub)
{
    const size_t n = h->n, S = h->nfe;
    const double *w = h->w;
    double v[GROUP_MAX], ss[GROUP_MAX];
    memset(r, 0, h->L * nc * sizeof *r);
    for (size_t j = 0; j < nc; j++)
        ss[j] = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double wi = w ? w[i] : 1.0;
        PREFETCH_ROW(h, r, i, nc);
        if (sub)
            PREFETCH_ROW(h, x, i, nc);
        for (size_t j = 0; j < nc; j++)
            v[j] = cols[j][i];
        if (sub) {
            for (size_t g = 0; g < S; g++) {
                const double *xg = x + (h->offset[g] + (size_t)h->codes[g][i]) * nc;
                for (size_t j = 0; j < nc; j++)
                    v[j] -= xg[j];
            }
            for (size_t j = 0; j < nc; j++) {
                if (act[j])
                    cols[j][i] = v[j];
                else
                    v[j] = cols[j][i];
            }
        }
        for (size_t j = 0; j < nc; j++) {
            const double wv = w ? wi * v[j] : v[j];
            ss[j] += wv * v[j];
            v[j] = wv;
        }
        for (size_t g = 0; g < S; g++) {
            double *rg = r + (h->offset[g] + (size_t)h->codes[g][i]) * nc;
            for (size_t j = 0; j < nc; j++)
                rg[j] += v[j];
        }
    }
    for (size_t j = 0; j < nc; j++)
        s2[j] = ss[j];
}

#define PASS_CASE(N, SS)                                                                           \
    case N:                                                                                        \
        if (h->w)                                                                                  \
            pass_kernel(h, x, cols, act, r, s2, N, SS, 1, sub);                                    \
        else                                                                                       \
            pass_kernel(h, x, cols, act, r, s2, N, SS, 0, sub);                                    \
        return;

#define PASS_SWITCH(SS)                                                                            \
    switch (nc) {                                                                                  \
        PASS_CASE(1, SS)                                                                           \
        PASS_CASE(2, SS)                                                                           \
        PASS_CASE(3, SS)                                                                           \
        PASS_CASE(4, SS)                                                                           \
        PASS_CASE(5, SS)                                                                           \
        PASS_CASE(6, SS)                                                                           \
        PASS_CASE(7, SS)                                                                           \
        PASS_CASE(8, SS)                                                                           \
    default:                                                                                       \
        break;                                                                                     \
    }

static void pass_dispatch(const gw_hdfe *h, const double *x, double *const *cols, const int *act,
                          double *r, double *s2, size_t nc, int sub)
{
    if (h->nfe == 1) {
        PASS_SWITCH(1)
    } else if (h->nfe == 2) {
        PASS_SWITCH(2)
    }
    pass_general(h, x, cols, act, r, s2, nc, sub);
}

static void sums_group(const gw_hdfe *h, double *const *cols, size_t nc, double *r, double *s2)
{
    pass_dispatch(h, NULL, cols, NULL, r, s2, nc, 0);
}

static void subtract_group(const gw_hdfe *h, const double *x, double *const *cols, size_t nc,
                           const int *act, double *r, double *s2)
{
    pass_dispatch(h, x, cols, act, r, s2, nc, 1);
}

/* The two-set product's inner loop. Inlined with nc and `weighted` constant (mv2 dispatches on
 * them), so that the run's coefficients and sums stay in registers and the loop over columns
 * unrolls: with the baseline x86-64 instruction set this is the hot loop of the demeaning. */
GW_ALWAYS_INLINE void mv2_kernel(const size_t *start, size_t Lb, const int32_t *c, const double *pw,
                                 const double *pb, const double *po, double *qb, double *qo,
                                 size_t nc, int weighted)
{
    double acc[GROUP_MAX], pl[GROUP_MAX];
    for (size_t l = 0; l < Lb; l++) {
        for (size_t j = 0; j < nc; j++) {
            acc[j] = 0.0;
            pl[j] = pb[l * nc + j];
        }
        for (size_t k = start[l]; k < start[l + 1]; k++) {
            const double *restrict pk = po + (size_t)c[k] * nc;
            double *restrict qk = qo + (size_t)c[k] * nc;
            const double wk = weighted ? pw[k] : 1.0;
            for (size_t j = 0; j < nc; j++) {
                double vv = weighted ? (pl[j] + pk[j]) * wk : pl[j] + pk[j];
                acc[j] += vv;
                qk[j] += vv;
            }
        }
        for (size_t j = 0; j < nc; j++)
            qb[l * nc + j] = acc[j];
    }
}

#define MV2_CASE(N)                                                                                \
    case N:                                                                                        \
        if (pw)                                                                                    \
            mv2_kernel(start, Lb, c, pw, pb, po, qb, qo, N, 1);                                    \
        else                                                                                       \
            mv2_kernel(start, Lb, c, pw, pb, po, qb, qo, N, 0);                                    \
        break;

static void mv2(const size_t *start, size_t Lb, const int32_t *c, const double *pw,
                const double *pb, const double *po, double *qb, double *qo, size_t nc)
{
    switch (nc) {
        MV2_CASE(1)
        MV2_CASE(2)
        MV2_CASE(3)
        MV2_CASE(4)
        MV2_CASE(5)
        MV2_CASE(6)
        MV2_CASE(7)
        MV2_CASE(8)
    default:
        mv2_kernel(start, Lb, c, pw, pb, po, qb, qo, nc, pw != NULL);
        break;
    }
}

/* q = A p = D'W D p for the nc columns of a group, in the sorted row order: the big set's
 * entries are run sums (q_big[l] accumulates in registers), the others scattered. */
static void matvec_group(const gw_hdfe *h, const double *p, double *q, size_t nc)
{
    const size_t S = h->nfe, big = h->big, Lb = h->levels[big];
    const double *pw = h->pw;
    const double *pb = p + h->offset[big] * nc;
    double *qb = q + h->offset[big] * nc;
    /* The big set's entries are assigned below; only the others accumulate. */
    memset(q, 0, h->offset[big] * nc * sizeof *q);
    memset(q + h->offset[big + 1] * nc, 0, (h->L - h->offset[big + 1]) * nc * sizeof *q);
    double v[GROUP_MAX], acc[GROUP_MAX];
    if (S == 2) {
        const size_t o = 1 - big;
        mv2(h->start, Lb, h->pcodes[o], pw, pb, p + h->offset[o] * nc, qb, q + h->offset[o] * nc,
            nc);
        return;
    }
    for (size_t l = 0; l < Lb; l++) {
        for (size_t j = 0; j < nc; j++)
            acc[j] = 0.0;
        for (size_t k = h->start[l]; k < h->start[l + 1]; k++) {
            const double wk = pw ? pw[k] : 1.0;
            for (size_t j = 0; j < nc; j++)
                v[j] = pb[l * nc + j];
            for (size_t g = 0; g < S; g++) {
                if (g == big)
                    continue;
                const double *pg = p + (h->offset[g] + (size_t)h->pcodes[g][k]) * nc;
                for (size_t j = 0; j < nc; j++)
                    v[j] += pg[j];
            }
            for (size_t j = 0; j < nc; j++) {
                v[j] *= wk;
                acc[j] += v[j];
            }
            for (size_t g = 0; g < S; g++) {
                if (g == big)
                    continue;
                double *qg = q + (h->offset[g] + (size_t)h->pcodes[g][k]) * nc;
                for (size_t j = 0; j < nc; j++)
                    qg[j] += v[j];
            }
        }
        for (size_t j = 0; j < nc; j++)
            qb[l * nc + j] = acc[j];
    }
}

/* z = M^-1 r (0 at the anchors); rz[j] = r[:, j]'z[:, j]. */
static void precond_group(const gw_hdfe *h, const double *r, double *z, size_t nc, double *rz)
{
    for (size_t j = 0; j < nc; j++)
        rz[j] = 0.0;
    for (size_t l = 0; l < h->L; l++) {
        const double inv = (h->anchor != NULL && h->anchor[l]) ? 0.0 : 1.0 / h->wsum[l];
        for (size_t j = 0; j < nc; j++) {
            double zz = r[l * nc + j] * inv;
            z[l * nc + j] = zz;
            rz[j] += r[l * nc + j] * zz;
        }
    }
}

/* Column outcome. */
typedef struct {
    size_t iterations;
    double crit; /* final criterion / its bound */
    int converged, absorbed, nonfinite, done;
} col_result;

/* Demean the nc columns cols[0..nc-1] in place; ws: 6 L nc doubles. */
static void demean_group(const gw_hdfe *h, double *const *cols, size_t nc, double *ws,
                         col_result *res)
{
    const size_t L = h->L, S = h->nfe, Ln = L * nc;
    double *r = ws, *z = ws + Ln, *p = ws + 2 * Ln, *q = ws + 3 * Ln, *x = ws + 4 * Ln,
           *r0 = ws + 5 * Ln;
    const double tol = h->tol;
    double s2[GROUP_MAX], norm0[GROUP_MAX], flo[GROUP_MAX], rz[GROUP_MAX], rzn[GROUP_MAX];
    double alpha[GROUP_MAX], beta[GROUP_MAX], pq[GROUP_MAX], est[GROUP_MAX];
    int act[GROUP_MAX], inner[GROUP_MAX];
    memset(res, 0, nc * sizeof *res);
    sums_group(h, cols, nc, r, s2);
    for (size_t j = 0; j < nc; j++) {
        norm0[j] = sqrt(s2[j]);
        flo[j] = 16.0 * (double)S * DBL_EPSILON * norm0[j];
        if (!isfinite(s2[j]))
            res[j].nonfinite = res[j].done = 1;
    }
    for (;;) {
        int any = 0;
        precond_group(h, r, z, nc, rz);
        for (size_t j = 0; j < nc; j++) {
            act[j] = 0;
            if (res[j].done)
                continue;
            double bound = fmax(tol * sqrt(s2[j]), flo[j]);
            res[j].crit = bound > 0.0 ? sqrt(rz[j]) / bound : 0.0;
            if (res[j].iterations > 0 && sqrt(s2[j]) <= GW_HDFE_COLLIN * norm0[j]) {
                memset(cols[j], 0, h->n * sizeof(double)); /* absorbed by the fixed effects */
                res[j].absorbed = res[j].converged = res[j].done = 1;
            } else if (sqrt(rz[j]) <= bound) {
                res[j].converged = res[j].done = 1;
            } else if (res[j].iterations >= h->maxiter) {
                res[j].done = 1;
            } else {
                act[j] = any = 1;
            }
        }
        if (!any)
            break;
        /* One set: A is diagonal, so M^-1 r (the group means of the current column) is the exact
         * solution and the subtraction below is the corrected two-pass mean: the second check
         * (on the data) passes at once unless the means were computed with large cancellation,
         * in which case a second correction runs, still exactly. */
        if (S == 1) {
            /* Exact: x = the weighted group means of the residual column. */
            for (size_t l = 0; l < L; l++)
                for (size_t j = 0; j < nc; j++)
                    x[l * nc + j] = act[j] ? z[l * nc + j] : 0.0;
            for (size_t j = 0; j < nc; j++)
                res[j].iterations += (size_t)act[j];
        } else {
            /* CG from x = 0 on A x = r (r = D'W y~ of the current column). Columns leave the
             * inner loop one by one (their alpha and beta become 0 and their p 0, so the shared
             * product leaves them unchanged); the loop ends when none is left. The stopping
             * test uses the tracked norm ||y~ - Dx||^2 = s2 - x'(r0 + r) at a quarter of the
             * tolerance, so that the check on the data that follows usually passes first time. */
            memcpy(r0, r, Ln * sizeof *r0);
            memset(x, 0, Ln * sizeof *x);
            for (size_t l = 0; l < L; l++)
                for (size_t j = 0; j < nc; j++)
                    p[l * nc + j] = act[j] ? z[l * nc + j] : 0.0;
            for (size_t j = 0; j < nc; j++) {
                inner[j] = act[j];
            }
            for (;;) {
                for (size_t j = 0; j < nc; j++)
                    res[j].iterations += (size_t)inner[j];
                matvec_group(h, p, q, nc);
                for (size_t j = 0; j < nc; j++)
                    pq[j] = 0.0;
                for (size_t l = 0; l < L; l++)
                    for (size_t j = 0; j < nc; j++)
                        pq[j] += p[l * nc + j] * q[l * nc + j];
                for (size_t j = 0; j < nc; j++) {
                    if (inner[j] && !(pq[j] > 0.0))
                        inner[j] = 0;
                    alpha[j] = inner[j] ? rz[j] / pq[j] : 0.0;
                }
                for (size_t l = 0; l < L; l++)
                    for (size_t j = 0; j < nc; j++)
                        if (inner[j]) {
                            x[l * nc + j] += alpha[j] * p[l * nc + j];
                            r[l * nc + j] -= alpha[j] * q[l * nc + j];
                        }
                precond_group(h, r, z, nc, rzn);
                for (size_t j = 0; j < nc; j++)
                    est[j] = s2[j];
                for (size_t l = 0; l < L; l++)
                    for (size_t j = 0; j < nc; j++)
                        est[j] -= x[l * nc + j] * (r0[l * nc + j] + r[l * nc + j]);
                int more = 0;
                for (size_t j = 0; j < nc; j++) {
                    beta[j] = 0.0;
                    if (!inner[j])
                        continue;
                    if (sqrt(rzn[j]) <= fmax(0.25 * tol * sqrt(fmax(est[j], 0.0)), 0.25 * flo[j]) ||
                        res[j].iterations >= h->maxiter) {
                        inner[j] = 0;
                        continue;
                    }
                    beta[j] = rzn[j] / rz[j];
                    rz[j] = rzn[j];
                    more = 1;
                }
                if (!more)
                    break;
                for (size_t l = 0; l < L; l++)
                    for (size_t j = 0; j < nc; j++)
                        p[l * nc + j] = inner[j] ? z[l * nc + j] + beta[j] * p[l * nc + j] : 0.0;
            }
        }
        subtract_group(h, x, cols, nc, act, r, s2);
    }
}

/* Columns are split into one group per thread (at most GROUP_MAX each), so that every thread
 * has one group and the codes are read once per group and iteration. The result of a column
 * does not depend on its group (demean_group), hence not on the thread count. */
gw_status gw_hdfe_demean(const gw_hdfe *h, double *const *cols, size_t ncol, gw_hdfe_stats *stats)
{
    gw_status rc = GW_OK;
    int nt = omp_get_max_threads();
    size_t T = nt > 0 ? (size_t)nt : 1;
    if (T > ncol)
        T = ncol ? ncol : 1;
    /* Groups: at least one per thread, at most GROUP_MAX columns each. */
    size_t ngroups = T, per = ncol ? (ncol + T - 1) / T : 1;
    if (per > GROUP_MAX) {
        per = GROUP_MAX;
        ngroups = (ncol + per - 1) / per;
    } else if (ncol) {
        ngroups = (ncol + per - 1) / per;
    }
    double *ws = gw_alloc_array(T * 6 * h->L * per, sizeof(double));
    col_result *res = gw_alloc_array(ncol ? ncol : 1, sizeof *res);
    if (stats)
        memset(stats, 0, sizeof *stats);
    if (ws == NULL || res == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the demeaning workspace (%zu levels)", h->L);
        goto done;
    }
#pragma omp parallel for schedule(dynamic, 1) num_threads((int)T)
    for (size_t gi = 0; gi < ngroups; gi++) {
        size_t t = (size_t)omp_get_thread_num(), j0 = gi * per;
        size_t nc = ncol - j0 < per ? ncol - j0 : per;
        demean_group(h, cols + j0, nc, ws + t * 6 * h->L * per, res + j0);
    }
    size_t itmax = 0, absorbed = 0;
    for (size_t j = 0; j < ncol; j++) {
        if (res[j].nonfinite) {
            rc = gwi_fail(GW_ENONFINITE, "column %zu has a NaN or infinite value", j);
            goto done;
        }
        if (res[j].iterations > itmax)
            itmax = res[j].iterations;
        absorbed += (size_t)res[j].absorbed;
    }
    if (stats) {
        stats->iterations = itmax;
        stats->absorbed = absorbed;
        stats->converged = 1;
    }
    for (size_t j = 0; j < ncol; j++)
        if (!res[j].converged) {
            if (stats)
                stats->converged = 0;
            rc = gwi_fail(GW_ENOCONV,
                          "demeaning: column %zu did not converge after %zu iterations "
                          "(criterion %.3g times the tolerance %.3g)",
                          j, res[j].iterations, res[j].crit, h->tol);
            goto done;
        }
done:
    gw_free(res);
    gw_free(ws);
    return rc;
}
