#include <cblas.h>

/* LAPACK routines that OpenBLAS exports (Fortran calling convention, 32-bit integers), declared here
   because Debian's libopenblas-dev ships no LAPACK header on the default include path. */
void sgeqrf_(const int *m, const int *n, float *a, const int *lda, float *tau, float *work, const int *lwork,
             int *info);
void sorgqr_(const int *m, const int *n, const int *k, float *a, const int *lda, const float *tau, float *work,
             const int *lwork, int *info);
