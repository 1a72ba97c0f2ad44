// The cross-product kernel of LinearAlgebra.FixedOrderKernels written for AVX2 (x86-64 processors
// from 2013 on), chosen at run time. Each sum receives exactly the operations of the portable Swift
// kernel, in the same order (see FixedOrderKernels.accumulateCrossProducts): only more of the sums
// are advanced by one instruction, so the results are the same bits on every machine.
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

#endif
