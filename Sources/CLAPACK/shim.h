// Fortran-77 BLAS/LAPACK entry points used by Counterfactual.
//
// Declared here directly (rather than through cblas.h/lapack.h) so that the module builds
// against any conforming implementation selected by Debian alternatives: reference BLAS and
// LAPACK (libblas-dev, liblapack-dev) or OpenBLAS. All arguments are passed by reference,
// matrices are column-major, and each CHARACTER argument carries a hidden length argument
// at the end of the list (gfortran ABI).
#ifndef COUNTERFACTUAL_CLAPACK_SHIM_H
#define COUNTERFACTUAL_CLAPACK_SHIM_H

#include <stddef.h>

typedef size_t cf_fortran_strlen;

// C := alpha * A' * A + beta * C (trans = 'T') or alpha * A * A' + beta * C (trans = 'N').
void dsyrk_(const char *uplo, const char *trans, const int *n, const int *k,
            const double *alpha, const double *a, const int *lda,
            const double *beta, double *c, const int *ldc,
            cf_fortran_strlen uplo_len, cf_fortran_strlen trans_len);

// y := alpha * op(A) * x + beta * y.
void dgemv_(const char *trans, const int *m, const int *n, const double *alpha,
            const double *a, const int *lda, const double *x, const int *incx,
            const double *beta, double *y, const int *incy, cf_fortran_strlen trans_len);

// C := alpha * op(A) * op(B) + beta * C.
void dgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
            const double *alpha, const double *a, const int *lda, const double *b, const int *ldb,
            const double *beta, double *c, const int *ldc,
            cf_fortran_strlen transa_len, cf_fortran_strlen transb_len);

// Cholesky factorisation of a symmetric positive-definite matrix.
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info,
             cf_fortran_strlen uplo_len);

// Solve A X = B given the Cholesky factor from dpotrf.
void dpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a, const int *lda,
             double *b, const int *ldb, int *info, cf_fortran_strlen uplo_len);

// Inverse of a symmetric positive-definite matrix from its Cholesky factor.
void dpotri_(const char *uplo, const int *n, double *a, const int *lda, int *info,
             cf_fortran_strlen uplo_len);

// Reciprocal condition number estimate (1-norm) of a Cholesky-factored matrix.
void dpocon_(const char *uplo, const int *n, const double *a, const int *lda,
             const double *anorm, double *rcond, double *work, int *iwork, int *info,
             cf_fortran_strlen uplo_len);

#endif
