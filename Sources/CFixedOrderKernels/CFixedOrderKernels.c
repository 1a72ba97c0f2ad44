// See include/CFixedOrderKernels.h. The only instructions are 128- and 256-bit loads, 128-bit
// insertions, multiplications and additions of doubles: no fused multiply-add (the FMA feature is
// not enabled for these functions, so the compiler cannot contract `a * b + c`, and contraction is
// switched off besides), no reassociation (the C compiler never reassociates floating-point
// arithmetic unless told to).
#include "CFixedOrderKernels.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <cpuid.h>
#include <immintrin.h>

#pragma clang fp contract(off)

int cf_fixed_order_avx2_available(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    // AVX, and the operating system saving the 256-bit registers (OSXSAVE, then XCR0 bits 1-2).
    if (!((c >> 27) & 1) || !((c >> 28) & 1)) return 0;
    unsigned xcr0_low, xcr0_high;
    __asm__ volatile("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
    (void)xcr0_high;
    if ((xcr0_low & 6) != 6) return 0;
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    return (b >> 5) & 1;  // AVX2
}

// A register holds two sums of one u column, side by side: (j, k) lanes 0 and 1 in its low half and
// (j, k + 1) lanes 0 and 1 in its high half. Row pair t multiplies (u[j][2t], u[j][2t + 1]) repeated
// into both halves with (v[k][2t], v[k][2t + 1], v[k + 1][2t], v[k + 1][2t + 1]) and adds the
// product: each lane gets what the portable kernel's SIMD2 lane gets.
#define CF_TARGET __attribute__((target("avx2"), always_inline)) static inline

// `nu` (1-4) columns of u against `nv` (2 or 4) columns of v, over all rows.
CF_TARGET void tile(const double *const *u, int nu, const double *const *v, int nv, ptrdiff_t rows,
                    double *sums, ptrdiff_t v_count) {
    __m256d acc[4][2];
    const int pairs = nv / 2;
    for (int a = 0; a < nu; a++) {
        for (int b = 0; b < pairs; b++) {
            acc[a][b] = _mm256_loadu_pd(sums + 2 * (a * v_count + 2 * b));
        }
    }
    const ptrdiff_t half = rows / 2;
    for (ptrdiff_t t = 0; t < half; t++) {
        const ptrdiff_t at = 2 * t;
        __m256d x[2];
        for (int b = 0; b < pairs; b++) {
            x[b] = _mm256_loadu2_m128d(v[2 * b + 1] + at, v[2 * b] + at);
        }
        for (int a = 0; a < nu; a++) {
            const __m128d w2 = _mm_loadu_pd(u[a] + at);
            const __m256d w = _mm256_set_m128d(w2, w2);
            for (int b = 0; b < pairs; b++) {
                acc[a][b] = _mm256_add_pd(acc[a][b], _mm256_mul_pd(w, x[b]));
            }
        }
    }
    for (int a = 0; a < nu; a++) {
        for (int b = 0; b < pairs; b++) {
            _mm256_storeu_pd(sums + 2 * (a * v_count + 2 * b), acc[a][b]);
        }
    }
    if (rows % 2 == 1) {
        const ptrdiff_t r = rows - 1;
        for (int a = 0; a < nu; a++) {
            for (int c = 0; c < nv; c++) {
                double *lane0 = sums + 2 * (a * v_count + c);
                const double product = u[a][r] * v[c][r];
                *lane0 = *lane0 + product;
            }
        }
    }
}

// `nu` (1-4) columns of u against one column of v. Here a register holds the sums of two u
// columns, (j, k) in its low half and (j + 1, k) in its high half, against (v[k][2t], v[k][2t + 1])
// repeated: each running sum is one chain of additions whatever the layout, so packing two sums a
// register halves the number of chains the processor waits on (a lone odd column uses a 128-bit
// register).
CF_TARGET void column(const double *const *u, int nu, const double *v, ptrdiff_t rows, double *sums,
                      ptrdiff_t v_count) {
    __m256d acc[2];
    __m128d last = _mm_setzero_pd();
    const int pairs = nu / 2;
    for (int a = 0; a < pairs; a++) {
        acc[a] = _mm256_loadu2_m128d(sums + 2 * ((2 * a + 1) * v_count), sums + 2 * (2 * a * v_count));
    }
    if (nu % 2 == 1) last = _mm_loadu_pd(sums + 2 * ((nu - 1) * v_count));
    const ptrdiff_t half = rows / 2;
    for (ptrdiff_t t = 0; t < half; t++) {
        const ptrdiff_t at = 2 * t;
        const __m128d x2 = _mm_loadu_pd(v + at);
        const __m256d x = _mm256_set_m128d(x2, x2);
        for (int a = 0; a < pairs; a++) {
            const __m256d w = _mm256_loadu2_m128d(u[2 * a + 1] + at, u[2 * a] + at);
            acc[a] = _mm256_add_pd(acc[a], _mm256_mul_pd(w, x));
        }
        if (nu % 2 == 1) last = _mm_add_pd(last, _mm_mul_pd(_mm_loadu_pd(u[nu - 1] + at), x2));
    }
    for (int a = 0; a < pairs; a++) {
        _mm256_storeu2_m128d(sums + 2 * ((2 * a + 1) * v_count), sums + 2 * (2 * a * v_count), acc[a]);
    }
    if (nu % 2 == 1) _mm_storeu_pd(sums + 2 * ((nu - 1) * v_count), last);
    if (rows % 2 == 1) {
        const ptrdiff_t r = rows - 1;
        for (int a = 0; a < nu; a++) {
            double *lane0 = sums + 2 * (a * v_count);
            const double product = u[a][r] * v[r];
            *lane0 = *lane0 + product;
        }
    }
}

#define CF_COLUMN(NU) column(u + j, NU, v[k], rows, sums + 2 * (j * v_count + k), v_count)

#define CF_TILE(NU, NV) tile(u + j, NU, v + k, NV, rows, sums + 2 * (j * v_count + k), v_count)

__attribute__((target("avx2")))
void cf_fixed_order_cross_products_avx2(const double *const *u, ptrdiff_t u_count,
                                        const double *const *v, ptrdiff_t v_count,
                                        ptrdiff_t rows, double *sums) {
    if (rows <= 0) return;
    for (ptrdiff_t j = 0; j < u_count; j += 4) {
        const ptrdiff_t nu = u_count - j < 4 ? u_count - j : 4;
        ptrdiff_t k = j;
        // Four columns of v at a time, then two, then one; each call is specialised by its constant
        // sizes once inlined.
        for (; k + 4 <= v_count; k += 4) {
            switch (nu) {
            case 4: CF_TILE(4, 4); break;
            case 3: CF_TILE(3, 4); break;
            case 2: CF_TILE(2, 4); break;
            default: CF_TILE(1, 4); break;
            }
        }
        if (k + 2 <= v_count) {
            switch (nu) {
            case 4: CF_TILE(4, 2); break;
            case 3: CF_TILE(3, 2); break;
            case 2: CF_TILE(2, 2); break;
            default: CF_TILE(1, 2); break;
            }
            k += 2;
        }
        if (k < v_count) {
            switch (nu) {
            case 4: CF_COLUMN(4); break;
            case 3: CF_COLUMN(3); break;
            case 2: CF_COLUMN(2); break;
            default: CF_COLUMN(1); break;
            }
        }
    }
}

#else

int cf_fixed_order_avx2_available(void) { return 0; }

void cf_fixed_order_cross_products_avx2(const double *const *u, ptrdiff_t u_count,
                                        const double *const *v, ptrdiff_t v_count,
                                        ptrdiff_t rows, double *sums) {
    (void)u; (void)u_count; (void)v; (void)v_count; (void)rows; (void)sums;
}

#endif
