#ifndef CHEMFLOW_CFFTW_SHIM_H
#define CHEMFLOW_CFFTW_SHIM_H
#include <fftw3.h>
/* FFTW's sign and planner flags are macros: expose them as functions. */
static inline int cfftw_forward(void) { return FFTW_FORWARD; }
static inline int cfftw_backward(void) { return FFTW_BACKWARD; }
static inline unsigned cfftw_estimate(void) { return FFTW_ESTIMATE; }
static inline unsigned cfftw_measure(void) { return FFTW_MEASURE; }
#endif
