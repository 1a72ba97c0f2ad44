// GNU MP rational arithmetic (Debian libgmp-dev) used by PaymentRules.ExactRational.
//
// gmp.h spells its public names as macros (`#define mpq_add __gmpq_add`) and a few operations
// as function-like macros (`mpq_sgn`, `mpq_numref`), which Swift does not import. These static
// inline wrappers give each operation we use one plain C name, `cf_` + the GMP name.
#ifndef COUNTERFACTUAL_CGMP_SHIM_H
#define COUNTERFACTUAL_CGMP_SHIM_H

#include <gmp.h>
#include <string.h>

static inline void cf_mpq_init(mpq_ptr q) { mpq_init(q); }
static inline void cf_mpq_clear(mpq_ptr q) { mpq_clear(q); }
static inline void cf_mpq_set(mpq_ptr r, mpq_srcptr a) { mpq_set(r, a); }
static inline void cf_mpq_set_si(mpq_ptr q, long numerator, unsigned long denominator) {
    mpq_set_si(q, numerator, denominator);
}
// numerator / denominator with any signs (denominator != 0), then canonical form.
static inline void cf_mpq_set_fraction(mpq_ptr q, long numerator, long denominator) {
    mpz_set_si(mpq_numref(q), numerator);
    mpz_set_si(mpq_denref(q), denominator);
    mpq_canonicalize(q);
}
// digits / 10^exponent when exponent >= 0, digits * 10^-exponent otherwise, canonical.
static inline void cf_mpq_set_decimal(mpq_ptr q, long digits, long exponent) {
    mpz_set_si(mpq_numref(q), digits);
    if (exponent >= 0) {
        mpz_ui_pow_ui(mpq_denref(q), 10, (unsigned long)exponent);
    } else {
        mpz_t scale;
        mpz_init(scale);
        mpz_ui_pow_ui(scale, 10, (unsigned long)(-exponent));
        mpz_mul(mpq_numref(q), mpq_numref(q), scale);
        mpz_clear(scale);
        mpz_set_ui(mpq_denref(q), 1);
    }
    mpq_canonicalize(q);
}
static inline void cf_mpq_set_d(mpq_ptr q, double d) { mpq_set_d(q, d); }
static inline double cf_mpq_get_d(mpq_srcptr q) { return mpq_get_d(q); }
static inline void cf_mpq_add(mpq_ptr r, mpq_srcptr a, mpq_srcptr b) { mpq_add(r, a, b); }
static inline void cf_mpq_sub(mpq_ptr r, mpq_srcptr a, mpq_srcptr b) { mpq_sub(r, a, b); }
static inline void cf_mpq_mul(mpq_ptr r, mpq_srcptr a, mpq_srcptr b) { mpq_mul(r, a, b); }
static inline void cf_mpq_div(mpq_ptr r, mpq_srcptr a, mpq_srcptr b) { mpq_div(r, a, b); }
static inline void cf_mpq_neg(mpq_ptr r, mpq_srcptr a) { mpq_neg(r, a); }
static inline int cf_mpq_cmp(mpq_srcptr a, mpq_srcptr b) { return mpq_cmp(a, b); }
static inline int cf_mpq_equal(mpq_srcptr a, mpq_srcptr b) { return mpq_equal(a, b); }
static inline int cf_mpq_sgn(mpq_srcptr q) { return mpq_sgn(q); }

// floor (mode < 0), ceiling (mode > 0) or truncation (mode == 0) of q; returns 1 and sets *out
// when the integer fits a long, 0 otherwise.
static inline int cf_mpq_round_to_long(mpq_srcptr q, int mode, long *out) {
    mpz_t z;
    mpz_init(z);
    if (mode < 0) mpz_fdiv_q(z, mpq_numref(q), mpq_denref(q));
    else if (mode > 0) mpz_cdiv_q(z, mpq_numref(q), mpq_denref(q));
    else mpz_tdiv_q(z, mpq_numref(q), mpq_denref(q));
    int fits = mpz_fits_slong_p(z);
    if (fits) *out = mpz_get_si(z);
    mpz_clear(z);
    return fits;
}

// Numerator and denominator when both fit a long (returns 1), else 0.
static inline int cf_mpq_get_fraction(mpq_srcptr q, long *numerator, long *denominator) {
    if (!mpz_fits_slong_p(mpq_numref(q)) || !mpz_fits_slong_p(mpq_denref(q))) return 0;
    *numerator = mpz_get_si(mpq_numref(q));
    *denominator = mpz_get_si(mpq_denref(q));
    return 1;
}

// Base-10 text "n" or "n/d" into a buffer from GMP's allocator; free with cf_free_string.
static inline char *cf_mpq_get_str(mpq_srcptr q) { return mpq_get_str(NULL, 10, q); }
static inline void cf_free_string(char *s) {
    void (*free_function)(void *, size_t);
    mp_get_memory_functions(NULL, NULL, &free_function);
    free_function(s, strlen(s) + 1);
}

#endif
