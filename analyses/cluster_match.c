/* cluster_match.c -- the assignment problem (gw_hungarian) and matching centroids to a
 * reference clustering (gw_cluster_match), used to follow communities from year to year.
 *
 * The Hungarian method in its shortest-augmenting-path form with row and column potentials
 * (Kuhn 1955, Munkres 1957; the O(k^3) formulation of Jonker and Volgenant 1987): each row is
 * added in turn and an augmenting path of least reduced cost found by a Dijkstra-like scan. */
#include <math.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_cluster.h"

gw_status gw_hungarian(size_t k, const double *cost, int *col)
{
    if (cost == NULL || col == NULL || k == 0)
        return gwi_fail(GW_EINVAL, "gw_hungarian: NULL argument or k == 0");
    for (size_t i = 0; i < k * k; i++)
        if (!isfinite(cost[i]))
            return gwi_fail(GW_ENONFINITE, "assignment: cost %zu is not finite", i);
    /* 1-based arrays of the classic formulation; index 0 is the virtual start. */
    double *u = gw_calloc(k + 1, sizeof *u), *v = gw_calloc(k + 1, sizeof *v);
    double *minv = gw_alloc_array(k + 1, sizeof *minv);
    size_t *pm = gw_calloc(k + 1, sizeof *pm), *way = gw_calloc(k + 1, sizeof *way);
    unsigned char *used = gw_alloc_array(k + 1, 1);
    if (u == NULL || v == NULL || minv == NULL || pm == NULL || way == NULL || used == NULL) {
        gw_free(u);
        gw_free(v);
        gw_free(minv);
        gw_free(pm);
        gw_free(way);
        gw_free(used);
        return gwi_fail(GW_ENOMEM, "assignment: out of memory");
    }
    for (size_t i = 1; i <= k; i++) {
        pm[0] = i;
        size_t j0 = 0;
        for (size_t j = 0; j <= k; j++) {
            minv[j] = INFINITY;
            used[j] = 0;
        }
        do {
            used[j0] = 1;
            size_t i0 = pm[j0], j1 = 0;
            double delta = INFINITY;
            for (size_t j = 1; j <= k; j++) {
                if (used[j])
                    continue;
                double cur = cost[(i0 - 1) * k + (j - 1)] - u[i0] - v[j];
                if (cur < minv[j]) {
                    minv[j] = cur;
                    way[j] = j0;
                }
                if (minv[j] < delta) {
                    delta = minv[j];
                    j1 = j;
                }
            }
            for (size_t j = 0; j <= k; j++) {
                if (used[j]) {
                    u[pm[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
        } while (pm[j0] != 0);
        do {
            size_t j1 = way[j0];
            pm[j0] = pm[j1];
            j0 = j1;
        } while (j0 != 0);
    }
    for (size_t j = 1; j <= k; j++)
        col[pm[j] - 1] = (int)(j - 1);
    gw_free(u);
    gw_free(v);
    gw_free(minv);
    gw_free(pm);
    gw_free(way);
    gw_free(used);
    return GW_OK;
}

gw_status gw_cluster_match(size_t k, size_t p, const double *ref, const double *centers, int *perm)
{
    if (ref == NULL || centers == NULL || perm == NULL || k == 0)
        return gwi_fail(GW_EINVAL, "gw_cluster_match: NULL argument or k == 0");
    double *cost = gw_alloc_array(k * k, sizeof *cost);
    if (cost == NULL)
        return gwi_fail(GW_ENOMEM, "matching: out of memory");
    for (size_t c = 0; c < k; c++)
        for (size_t r = 0; r < k; r++) {
            double s = 0.0;
            for (size_t j = 0; j < p; j++) {
                double d = centers[c + j * k] - ref[r + j * k];
                s += d * d;
            }
            cost[c * k + r] = s;
        }
    gw_status rc = gw_hungarian(k, cost, perm);
    gw_free(cost);
    return rc;
}
