/* How fast the propensity model's cross-product kernel runs on one core when its rows are already in
 * cache: CFixedOrderKernels' AVX2 kernel (compiled here from the package's own source) on tiles of
 * 512 rows, u = 20 columns and v = 21 (the intercept and 19 design columns of the issue-10 run, and
 * the working response): the 230 sums a row an IRLS pass needs (the kernel forms 260). Compare with
 * one streaming pass over the model's memory (Benchmarks/memory-floor) and with the propensity stage
 * of `match --timings` divided by its passes. Built and run by Benchmarks/kernel-rates; not part of
 * the package. */
#include "CFixedOrderKernels.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    const int u_count = argc > 1 ? atoi(argv[1]) : 20, v_count = u_count + 1, tile = 512;
    const long repeats = 20000;
    if (u_count < 1 || u_count > 64) { fprintf(stderr, "kernel-rates: COLUMNS must be 1-64\n"); return 64; }
    if (!cf_fixed_order_avx2_available()) { printf("no AVX2 here: the portable Swift kernel runs instead\n"); return 0; }
    const double *u[64], *v[65];
    for (int j = 0; j < u_count; j++) {
        double *c = malloc(tile * sizeof(double));
        for (int i = 0; i < tile; i++) c[i] = (double)((i * 7 + j) % 13) * 0.1;
        u[j] = c;
    }
    for (int k = 0; k < v_count; k++) {
        double *c = malloc(tile * sizeof(double));
        for (int i = 0; i < tile; i++) c[i] = (double)((i * 3 + k) % 11) * 0.2;
        v[k] = c;
    }
    double *sums = calloc((size_t)(2 * u_count * v_count), sizeof(double));
    // The sums a row the model uses (j <= k), and those the kernel forms: it takes u in blocks of four
    // columns and each block from its first column's k on, so some below the diagonal too.
    const long sum_count = (long)u_count * v_count - (long)u_count * (u_count - 1) / 2;
    long formed = 0;
    for (int j = 0; j < u_count; j += 4) formed += (long)(u_count - j < 4 ? u_count - j : 4) * (v_count - j);
    double best = 1e30;
    for (int round = 0; round < 5; round++) {
        double start = now();
        for (long r = 0; r < repeats; r++) cf_fixed_order_cross_products_avx2(u, u_count, v, v_count, tile, sums);
        double ns = (now() - start) / ((double)repeats * tile) * 1e9;
        if (ns < best) best = ns;
    }
    printf("cross products, %d x %d columns (%ld sums a row used, %ld formed), rows in cache, one core: best of 5 "
           "%.2f ns a row (%.2f G multiply-add pairs a second formed)\n", u_count, v_count, sum_count, formed, best,
           (double)formed / best);
    return sums[0] == -1.0;
}
