// The kernels of LinearAlgebra.FixedOrderKernels (cross products, linear predictor, weighted
// columns) and the logit link's rows of Propensity's IRLS passes, written for AVX2 (x86-64 processors
// from 2013 on), chosen at run time. Each number receives exactly the operations of the portable
// Swift code, in the same order (see FixedOrderKernels.accumulateCrossProducts, .linearCombination,
// .scaleColumns and LogitRows.work): only more numbers are advanced by one instruction, so the
// results are the same bits on every machine.
#ifndef CFIXEDORDERKERNELS_H
#define CFIXEDORDERKERNELS_H

#include <stddef.h>

/// 1 when this processor and operating system run AVX2 code, else 0.
int cf_fixed_order_avx2_available(void);

/// Adds `sum_i u[j][i] * v[k][i]` to `sums[2 * (j * v_count + k) + lane]`, for every `j < u_count`
/// and `k` in `j ..< v_count`, in two lanes by row parity: lane 0 takes rows 0, 2, 4, ..., lane 1
/// rows 1, 3, 5, ..., each in increasing row order, one rounded product and one rounded addition per
/// row (no fused multiply-add); an odd last row is added to lane 0 last. Entries with `k < j` may be
/// written too. Call only when `cf_fixed_order_avx2_available()` is 1.
void cf_fixed_order_cross_products_avx2(const double *const *u, ptrdiff_t u_count,
                                        const double *const *v, ptrdiff_t v_count,
                                        ptrdiff_t rows, double *sums);

/// FixedOrderMath.log (Propensity) of one double: the same bits. (Used by the AVX2 code for lanes
/// that are not positive, normal and finite, and by the tests.)
double cf_fixed_order_log(double x);

/// FixedOrderMath.exp and .log of `x[0 ..< count & ~3]`, four at a time (for the tests). Call only
/// when `cf_fixed_order_avx2_available()` is 1.
void cf_fixed_order_exp_log_avx2(const double *x, double *exp_out, double *log_out, ptrdiff_t count);

/// Propensity.LogitRows.work for a tile with 0/1 responses and a new linear predictor: the first
/// `count & ~3` rows, four at a time, with the same operations on each row as the Swift code. Writes
/// `mu`, and `w` and `z` when `weights` is nonzero; adds each pair of rows' deviance terms to the
/// two lanes of `deviance` in row order (rows 4t and 4t + 1, then 4t + 2 and 4t + 3), as the Swift
/// loop over pairs does. Returns the number of rows done. Call only when
/// `cf_fixed_order_avx2_available()` is 1.
ptrdiff_t cf_logit_rows_avx2(const double *eta, const double *y, double *mu, double *w, double *z,
                             ptrdiff_t count, int weights, double threshold, double *deviance);

/// LinearAlgebra.FixedOrderKernels.linearCombination: `out[i]` = `constant`, then `+ c[j] * x[j][i]` for
/// `j` in `0 ..< count` in order, each product and sum rounded (no fused multiply-add), for every row
/// `i < rows`: the same bits as the portable Swift code. Call only when
/// `cf_fixed_order_avx2_available()` is 1.
void cf_linear_combination_avx2(const double *const *x, ptrdiff_t count, const double *c, double constant,
                                ptrdiff_t rows, double *out);

/// `out[j][i] = w[i] * x[j][i]` for `j < count`, `i < rows` (the weighted design columns of an IRLS
/// pass; one rounded product each, so the same bits as any other loop). Call only when
/// `cf_fixed_order_avx2_available()` is 1.
void cf_scale_columns_avx2(const double *w, const double *const *x, ptrdiff_t count, ptrdiff_t rows,
                           double *const *out);

#endif
