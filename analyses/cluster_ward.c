/* cluster_ward.c -- Ward's hierarchical clustering by the nearest-neighbour chain (gw_ward).
 *
 * Why the chain: the textbook "find the closest pair, merge, repeat" is O(n^3); Ward's
 * criterion is reducible (merging i and j never brings the union closer to a third cluster
 * than the nearer of i and j was), so the nearest-neighbour chain finds the same merges in
 * O(n^2) (Murtagh 1983; Muellner 2011, "Modern hierarchical, agglomerative clustering
 * algorithms", which R's fastcluster and scipy use). The chain produces merges out of height
 * order; sorting them (stably) gives the dendrogram, and cutting at k applies the n - k lowest. */
#include <math.h>
#include <stdlib.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_cluster.h"

/* Index of pair (i, j), i != j, in the packed strict lower triangle. */
static size_t tri(size_t i, size_t j)
{
    if (i < j) {
        size_t t = i;
        i = j;
        j = t;
    }
    return i * (i - 1) / 2 + j;
}

typedef struct {
    size_t a, b;
    double h;
    size_t order;
} merge_rec;

static int cmp_merge(const void *x, const void *y)
{
    const merge_rec *m = x, *n = y;
    if (m->h != n->h)
        return m->h < n->h ? -1 : 1;
    return (m->order > n->order) - (m->order < n->order);
}

static size_t uf_find(size_t *parent, size_t i)
{
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}

gw_status gw_ward(size_t n, size_t p, const double *X, size_t k, int *assign, double *heights)
{
    gw_status rc = GW_OK;
    double *D = NULL;
    size_t *size = NULL, *chain = NULL, *parent = NULL;
    unsigned char *active = NULL;
    merge_rec *mr = NULL;
    if (X == NULL || assign == NULL)
        return gwi_fail(GW_EINVAL, "gw_ward: NULL argument");
    if (n == 0 || p == 0 || n > 46340)
        return gwi_fail(GW_EDIM, "Ward: %zu rows and %zu variables (rows 1..46340)", n, p);
    for (size_t i = 0; i < n * p; i++)
        if (!isfinite(X[i]))
            return gwi_fail(GW_ENONFINITE, "Ward: row %zu, variable %zu is not finite", i % n + 1,
                            i / n + 1);
    if (k == 0 || k > n)
        return gwi_fail(GW_EINVAL, "Ward: k = %zu with %zu rows", k, n);
    size_t npair = n * (n - 1) / 2;
    D = gw_alloc_array(npair ? npair : 1, sizeof *D);
    size = gw_alloc_array(n, sizeof *size);
    chain = gw_alloc_array(n, sizeof *chain);
    parent = gw_alloc_array(n, sizeof *parent);
    active = gw_alloc_array(n, 1);
    mr = gw_alloc_array(n, sizeof *mr);
    if (D == NULL || size == NULL || chain == NULL || parent == NULL || active == NULL ||
        mr == NULL) {
        rc = gwi_fail(GW_ENOMEM, "Ward: out of memory (%zu rows)", n);
        goto done;
    }
    for (size_t i = 1; i < n; i++)
        for (size_t j = 0; j < i; j++) {
            double s = 0.0;
            for (size_t c = 0; c < p; c++) {
                double d = X[i + c * n] - X[j + c * n];
                s += d * d;
            }
            D[tri(i, j)] = s;
        }
    for (size_t i = 0; i < n; i++) {
        size[i] = 1;
        active[i] = 1;
    }
    size_t len = 0, nm = 0;
    while (nm + 1 < n) {
        if (len == 0) {
            size_t first = 0;
            while (!active[first])
                first++;
            chain[len++] = first;
        }
        size_t a = chain[len - 1];
        size_t prev = len >= 2 ? chain[len - 2] : n;
        /* Nearest active neighbour of a; the previous chain element wins ties (that is what
         * guarantees the chain ends in a reciprocal pair), then the lowest index. */
        size_t b = n;
        double bd = INFINITY;
        if (prev < n) {
            b = prev;
            bd = D[tri(a, prev)];
        }
        for (size_t c = 0; c < n; c++) {
            if (!active[c] || c == a)
                continue;
            double d = D[tri(a, c)];
            if (d < bd) {
                bd = d;
                b = c;
            }
        }
        if (b != prev) {
            chain[len++] = b;
            continue;
        }
        /* a and b are reciprocal nearest neighbours: merge into the lower index. */
        len -= 2;
        size_t lo = a < b ? a : b, hi = a < b ? b : a;
        double dab = D[tri(a, b)];
        for (size_t c = 0; c < n; c++) {
            if (!active[c] || c == lo || c == hi)
                continue;
            double nl = (double)size[lo], nh = (double)size[hi], nc = (double)size[c];
            D[tri(c, lo)] =
                ((nl + nc) * D[tri(c, lo)] + (nh + nc) * D[tri(c, hi)] - nc * dab) / (nl + nh + nc);
        }
        size[lo] += size[hi];
        active[hi] = 0;
        mr[nm] = (merge_rec){lo, hi, sqrt(dab > 0.0 ? dab : 0.0), nm};
        nm++;
    }
    qsort(mr, nm, sizeof *mr, cmp_merge);
    if (heights != NULL)
        for (size_t m = 0; m < nm; m++)
            heights[m] = mr[m].h;
    for (size_t i = 0; i < n; i++)
        parent[i] = i;
    for (size_t m = 0; m + k < n; m++) {
        size_t ra = uf_find(parent, mr[m].a), rb = uf_find(parent, mr[m].b);
        if (ra != rb)
            parent[ra > rb ? ra : rb] = ra < rb ? ra : rb;
    }
    /* Labels: roots numbered by first appearance. */
    for (size_t i = 0; i < n; i++)
        chain[i] = n;
    int next = 0;
    for (size_t i = 0; i < n; i++) {
        size_t r = uf_find(parent, i);
        if (chain[r] == n)
            chain[r] = (size_t)next++;
        assign[i] = (int)chain[r];
    }
done:
    gw_free(D);
    gw_free(size);
    gw_free(chain);
    gw_free(parent);
    gw_free(active);
    gw_free(mr);
    return rc;
}
