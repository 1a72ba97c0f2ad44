// See include/CFixedOrderKernels.h. The arithmetic is IEEE double multiplication, addition,
// subtraction and division, each rounded on its own (besides loads, stores, broadcasts, insertions,
// blends and comparisons): no fused multiply-add (the FMA feature is not enabled for these functions,
// so the compiler cannot contract `a * b + c`, and contraction is switched off besides, before any
// header, so the intrinsics' own bodies are covered too), no reassociation (the C compiler never
// reassociates floating-point arithmetic unless told to). SwiftPM compiles this file with clang.
#if defined(__clang__)
#pragma clang fp contract(off)
#endif
#include "CFixedOrderKernels.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <cpuid.h>
#include <immintrin.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

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

// ---- The logit link's rows (Propensity.LogitRows.work), four at a time ----
//
// FixedOrderMath.exp and FixedOrderMath.log (Sources/Propensity/FixedOrderMath.swift) with the
// same constants and the same operations in the same order on each lane; the Swift code does them
// two lanes at a time, this code four. Every operation is an IEEE-754 addition, subtraction,
// multiplication or division (correctly rounded, so the same bits on one lane or four), a
// comparison, a lane selection or an integer operation on the bits.

static const double cf_ln2_hi = 6.93147180369123816490e-01;
static const double cf_ln2_lo = 1.90821492927058770002e-10;
static const double cf_log2e = 1.4426950408889634;
static const double cf_sqrt2 = 1.4142135623730951;
static const double cf_rounding_shift = 6755399441055744.0;  // 1.5 * 2^52
static const double cf_exponent_bias = 4503599627371519.0;   // 2^52 + 1023

CF_TARGET __m256d cf_exp4(__m256d x) {
    const __m256d shift = _mm256_set1_pd(cf_rounding_shift);
    const __m256d shifted = _mm256_add_pd(_mm256_mul_pd(x, _mm256_set1_pd(cf_log2e)), shift);
    const __m256d k = _mm256_sub_pd(shifted, shift);
    const __m256d r = _mm256_sub_pd(_mm256_sub_pd(x, _mm256_mul_pd(k, _mm256_set1_pd(cf_ln2_hi))),
                                    _mm256_mul_pd(k, _mm256_set1_pd(cf_ln2_lo)));
    __m256d p = _mm256_set1_pd(1.6059043836821613e-10);
    p = _mm256_add_pd(_mm256_mul_pd(p, r), _mm256_set1_pd(2.08767569878681e-09));
    p = _mm256_add_pd(_mm256_mul_pd(p, r), _mm256_set1_pd(2.505210838544172e-08));
    p = _mm256_add_pd(_mm256_mul_pd(p, r), _mm256_set1_pd(2.755731922398589e-07));
    p = _mm256_add_pd(_mm256_mul_pd(p, r), _mm256_set1_pd(2.7557319223985893e-06));
    p = _mm256_add_pd(_mm256_mul_pd(p, r), _mm256_set1_pd(2.48015873015873e-05));
    p = _mm256_add_pd(_mm256_mul_pd(p, r), _mm256_set1_pd(0.0001984126984126984));
    p = _mm256_add_pd(_mm256_mul_pd(p, r), _mm256_set1_pd(0.001388888888888889));
    p = _mm256_add_pd(_mm256_mul_pd(p, r), _mm256_set1_pd(0.008333333333333333));
    p = _mm256_add_pd(_mm256_mul_pd(p, r), _mm256_set1_pd(0.041666666666666664));
    p = _mm256_add_pd(_mm256_mul_pd(p, r), _mm256_set1_pd(0.16666666666666666));
    p = _mm256_add_pd(_mm256_mul_pd(p, r), _mm256_set1_pd(0.5));
    p = _mm256_add_pd(_mm256_mul_pd(p, r), _mm256_set1_pd(1.0));
    p = _mm256_add_pd(_mm256_mul_pd(p, r), _mm256_set1_pd(1.0));
    const __m256i bits = _mm256_castpd_si256(shifted);
    const __m256i exponent = _mm256_add_epi64(
        _mm256_sub_epi64(bits, _mm256_castpd_si256(shift)), _mm256_set1_epi64x(1023));
    const __m256d scale = _mm256_castsi256_pd(_mm256_slli_epi64(exponent, 52));
    return _mm256_mul_pd(p, scale);
}

// e ln 2 + log m, for m in [sqrt(1/2), sqrt(2)] (FixedOrderMath.logReduced).
#define CF_LOG_REDUCED(ADD, SUB, MUL, DIV, SET, m, e, out)                                \
    do {                                                                                  \
        const __typeof__(m) s_ = DIV(SUB(m, SET(1.0)), ADD(m, SET(1.0)));                 \
        const __typeof__(m) s2_ = MUL(s_, s_);                                            \
        __typeof__(m) p_ = SET(0.043478260869565216);                                     \
        p_ = ADD(MUL(p_, s2_), SET(0.047619047619047616));                                \
        p_ = ADD(MUL(p_, s2_), SET(0.05263157894736842));                                 \
        p_ = ADD(MUL(p_, s2_), SET(0.058823529411764705));                                \
        p_ = ADD(MUL(p_, s2_), SET(0.06666666666666667));                                 \
        p_ = ADD(MUL(p_, s2_), SET(0.07692307692307693));                                 \
        p_ = ADD(MUL(p_, s2_), SET(0.09090909090909091));                                 \
        p_ = ADD(MUL(p_, s2_), SET(0.1111111111111111));                                  \
        p_ = ADD(MUL(p_, s2_), SET(0.14285714285714285));                                 \
        p_ = ADD(MUL(p_, s2_), SET(0.2));                                                 \
        p_ = ADD(MUL(p_, s2_), SET(0.3333333333333333));                                  \
        const __typeof__(m) two_s_ = MUL(SET(2.0), s_);                                   \
        const __typeof__(m) log_m_ = ADD(two_s_, MUL(two_s_, MUL(s2_, p_)));              \
        out = ADD(MUL(e, SET(cf_ln2_hi)), ADD(log_m_, MUL(e, SET(cf_ln2_lo))));           \
    } while (0)

static inline double cf_add(double a, double b) { return a + b; }
static inline double cf_sub(double a, double b) { return a - b; }
static inline double cf_mul(double a, double b) { return a * b; }
static inline double cf_div(double a, double b) { return a / b; }
static inline double cf_set(double a) { return a; }

static inline double cf_bits_to_double(uint64_t b) { double d; memcpy(&d, &b, 8); return d; }
static inline uint64_t cf_double_to_bits(double d) { uint64_t b; memcpy(&b, &d, 8); return b; }

// FixedOrderMath.log(_: Double), including logOutsideNormalRange.
double cf_fixed_order_log(double x) {
    if (!(x >= DBL_MIN) || !(x <= DBL_MAX)) {
        if (isnan(x) || x < 0) return NAN;
        if (x == 0) return -INFINITY;
        if (x == INFINITY) return x;
        return (cf_fixed_order_log(x * 0x1p54) - 54 * cf_ln2_hi) - 54 * cf_ln2_lo;
    }
    const uint64_t bits = cf_double_to_bits(x);
    double e = cf_bits_to_double((bits >> 52) | 0x4330000000000000ULL) - cf_exponent_bias;
    double m = cf_bits_to_double((bits & 0x000FFFFFFFFFFFFFULL) | 0x3FF0000000000000ULL);
    if (m > cf_sqrt2) { m = m * 0.5; e = e + 1; }
    double out;
    CF_LOG_REDUCED(cf_add, cf_sub, cf_mul, cf_div, cf_set, m, e, out);
    return out;
}

// FixedOrderMath.log on four lanes: the vector way when every lane is a positive, normal, finite
// double, else lane by lane (the same bits either way).
CF_TARGET __m256d cf_log4(__m256d x) {
    const __m256d normal = _mm256_and_pd(_mm256_cmp_pd(x, _mm256_set1_pd(DBL_MIN), _CMP_GE_OQ),
                                         _mm256_cmp_pd(x, _mm256_set1_pd(DBL_MAX), _CMP_LE_OQ));
    if (_mm256_movemask_pd(normal) != 0xF) {
        double lanes[4];
        _mm256_storeu_pd(lanes, x);
        for (int i = 0; i < 4; i++) lanes[i] = cf_fixed_order_log(lanes[i]);
        return _mm256_loadu_pd(lanes);
    }
    const __m256i bits = _mm256_castpd_si256(x);
    __m256d e = _mm256_sub_pd(
        _mm256_castsi256_pd(_mm256_or_si256(_mm256_srli_epi64(bits, 52), _mm256_set1_epi64x(0x4330000000000000LL))),
        _mm256_set1_pd(cf_exponent_bias));
    __m256d m = _mm256_castsi256_pd(_mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi64x(0x000FFFFFFFFFFFFFLL)),
                                                    _mm256_set1_epi64x(0x3FF0000000000000LL)));
    const __m256d big = _mm256_cmp_pd(m, _mm256_set1_pd(cf_sqrt2), _CMP_GT_OQ);
    m = _mm256_blendv_pd(m, _mm256_mul_pd(m, _mm256_set1_pd(0.5)), big);
    e = _mm256_blendv_pd(e, _mm256_add_pd(e, _mm256_set1_pd(1.0)), big);
    __m256d out;
    CF_LOG_REDUCED(_mm256_add_pd, _mm256_sub_pd, _mm256_mul_pd, _mm256_div_pd, _mm256_set1_pd, m, e, out);
    return out;
}

__attribute__((target("avx2")))
void cf_fixed_order_exp_log_avx2(const double *x, double *exp_out, double *log_out, ptrdiff_t count) {
    for (ptrdiff_t i = 0; i + 4 <= count; i += 4) {
        const __m256d v = _mm256_loadu_pd(x + i);
        _mm256_storeu_pd(exp_out + i, cf_exp4(v));
        _mm256_storeu_pd(log_out + i, cf_log4(v));
    }
}

__attribute__((target("avx2")))
ptrdiff_t cf_logit_rows_avx2(const double *eta, const double *y, double *mu, double *w, double *z,
                             ptrdiff_t count, int weights, double threshold, double *deviance) {
    const __m256d eps = _mm256_set1_pd(DBL_EPSILON), one = _mm256_set1_pd(1.0), zero = _mm256_setzero_pd();
    const __m256d upper = _mm256_set1_pd(threshold), lower = _mm256_set1_pd(-threshold);
    const __m256d inverse_eps = _mm256_set1_pd(1.0 / DBL_EPSILON), two = _mm256_set1_pd(2.0);
    __m128d dev = _mm_loadu_pd(deviance);
    const ptrdiff_t done = count & ~(ptrdiff_t)3;
    for (ptrdiff_t i = 0; i < done; i += 4) {
        const __m256d e = _mm256_loadu_pd(eta + i);
        const __m256d yy = _mm256_loadu_pd(y + i);
        const __m256d low = _mm256_cmp_pd(e, lower, _CMP_LT_OQ), high = _mm256_cmp_pd(e, upper, _CMP_GT_OQ);
        __m256d s = cf_exp4(e);
        s = _mm256_blendv_pd(s, eps, low);
        s = _mm256_blendv_pd(s, inverse_eps, high);
        const __m256d opexp = _mm256_add_pd(one, s);
        const __m256d m = _mm256_div_pd(s, opexp);
        __m256d d = _mm256_div_pd(s, _mm256_mul_pd(opexp, opexp));
        d = _mm256_blendv_pd(d, eps, _mm256_or_pd(low, high));
        _mm256_storeu_pd(mu + i, m);
        const __m256d one_minus_m = _mm256_sub_pd(one, m);
        __m256d ratio = _mm256_div_pd(_mm256_sub_pd(one, yy), one_minus_m);
        ratio = _mm256_blendv_pd(ratio, _mm256_div_pd(yy, m), _mm256_cmp_pd(yy, zero, _CMP_GT_OQ));
        const __m256d terms = _mm256_mul_pd(two, cf_log4(ratio));
        dev = _mm_add_pd(dev, _mm256_castpd256_pd128(terms));
        dev = _mm_add_pd(dev, _mm256_extractf128_pd(terms, 1));
        if (weights) {
            _mm256_storeu_pd(w + i, _mm256_div_pd(_mm256_mul_pd(d, d), _mm256_mul_pd(m, one_minus_m)));
            _mm256_storeu_pd(z + i, _mm256_add_pd(e, _mm256_div_pd(_mm256_sub_pd(yy, m), d)));
        }
    }
    _mm_storeu_pd(deviance, dev);
    return done;
}

// out[i] = constant, then out[i] = out[i] + c[j] * x[j][i] for j = 0, 1, ... in order: four rows in a
// register while every column's term is added, so `out` is written once (the portable kernel adds
// four columns per sweep over `out`; each element receives the same operations in the same order).
__attribute__((target("avx2")))
void cf_linear_combination_avx2(const double *const *x, ptrdiff_t count, const double *c, double constant,
                                ptrdiff_t rows, double *out) {
    const __m256d start = _mm256_set1_pd(constant);
    ptrdiff_t i = 0;
    for (; i + 8 <= rows; i += 8) {
        __m256d a = start, b = start;
        for (ptrdiff_t j = 0; j < count; j++) {
            const __m256d cj = _mm256_set1_pd(c[j]);
            a = _mm256_add_pd(a, _mm256_mul_pd(cj, _mm256_loadu_pd(x[j] + i)));
            b = _mm256_add_pd(b, _mm256_mul_pd(cj, _mm256_loadu_pd(x[j] + i + 4)));
        }
        _mm256_storeu_pd(out + i, a);
        _mm256_storeu_pd(out + i + 4, b);
    }
    for (; i < rows; i++) {
        double sum = constant;
        for (ptrdiff_t j = 0; j < count; j++) sum = cf_add(sum, cf_mul(c[j], x[j][i]));
        out[i] = sum;
    }
}

// out[j][i] = w[i] * x[j][i]: one rounded product per element, four rows an instruction.
__attribute__((target("avx2")))
void cf_scale_columns_avx2(const double *w, const double *const *x, ptrdiff_t count, ptrdiff_t rows,
                           double *const *out) {
    for (ptrdiff_t j = 0; j < count; j++) {
        const double *xj = x[j];
        double *o = out[j];
        ptrdiff_t i = 0;
        for (; i + 8 <= rows; i += 8) {
            _mm256_storeu_pd(o + i, _mm256_mul_pd(_mm256_loadu_pd(w + i), _mm256_loadu_pd(xj + i)));
            _mm256_storeu_pd(o + i + 4, _mm256_mul_pd(_mm256_loadu_pd(w + i + 4), _mm256_loadu_pd(xj + i + 4)));
        }
        for (; i < rows; i++) o[i] = cf_mul(w[i], xj[i]);
    }
}

#else

int cf_fixed_order_avx2_available(void) { return 0; }

void cf_fixed_order_cross_products_avx2(const double *const *u, ptrdiff_t u_count,
                                        const double *const *v, ptrdiff_t v_count,
                                        ptrdiff_t rows, double *sums) {
    (void)u; (void)u_count; (void)v; (void)v_count; (void)rows; (void)sums;
}

double cf_fixed_order_log(double x) { (void)x; return 0; }

void cf_fixed_order_exp_log_avx2(const double *x, double *exp_out, double *log_out, ptrdiff_t count) {
    (void)x; (void)exp_out; (void)log_out; (void)count;
}

ptrdiff_t cf_logit_rows_avx2(const double *eta, const double *y, double *mu, double *w, double *z,
                             ptrdiff_t count, int weights, double threshold, double *deviance) {
    (void)eta; (void)y; (void)mu; (void)w; (void)z; (void)count; (void)weights; (void)threshold; (void)deviance;
    return 0;
}

void cf_linear_combination_avx2(const double *const *x, ptrdiff_t count, const double *c, double constant,
                                ptrdiff_t rows, double *out) {
    (void)x; (void)count; (void)c; (void)constant; (void)rows; (void)out;
}

void cf_scale_columns_avx2(const double *w, const double *const *x, ptrdiff_t count, ptrdiff_t rows,
                           double *const *out) {
    (void)w; (void)x; (void)count; (void)rows; (void)out;
}

#endif
