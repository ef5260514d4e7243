#include <cblas.h>
#include <stddef.h>

/* LAPACK routines that OpenBLAS exports (Fortran calling convention, 32-bit integers), declared here
   because Debian's libopenblas-dev ships no LAPACK header on the default include path. */
void sgeqrf_(const int *m, const int *n, float *a, const int *lda, float *tau, float *work, const int *lwork,
             int *info);
void sorgqr_(const int *m, const int *n, const int *k, float *a, const int *lda, const float *tau, float *work,
             const int *lwork, int *info);
/* The symmetric eigensolver; the two trailing lengths are gfortran's hidden lengths of the character
   arguments. */
void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
            double *work, const int *lwork, int *info, size_t jobz_len, size_t uplo_len);
