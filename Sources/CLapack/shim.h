#ifndef CHEMFLOW_CLAPACK_SHIM_H
#define CHEMFLOW_CLAPACK_SHIM_H
#include <cblas.h>
#include <lapacke.h>
/* Threads used by OpenBLAS (chemflow parallelises over molecules and pins this to 1). */
void openblas_set_num_threads(int num_threads);
#endif
