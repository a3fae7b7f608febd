#ifndef CHEMFLOW_CLAPACK_SHIM_H
#define CHEMFLOW_CLAPACK_SHIM_H
#include <cblas.h>
#include <lapacke.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif
/* Threads used by OpenBLAS (chemflow parallelises over molecules and pins this to 1). */
void openblas_set_num_threads(int num_threads);
/* OpenBLAS's run-time kernel choice, present in DYNAMIC_ARCH builds such as Debian's (weak, so
   that other builds still link): `quit` forgets the chosen kernel table, `init` chooses again,
   reading OPENBLAS_CORETYPE first. */
void gotoblas_dynamic_init(void) __attribute__((weak));
void gotoblas_dynamic_quit(void) __attribute__((weak));

/* Runs OpenBLAS's kernel choice again (after OPENBLAS_CORETYPE was set); 0 when this OpenBLAS
   has no run-time choice. */
static inline int chemflow_openblas_choose_kernels_again(void) {
    if (!gotoblas_dynamic_init || !gotoblas_dynamic_quit) return 0;
    gotoblas_dynamic_quit();
    gotoblas_dynamic_init();
    return 1;
}

/* x86-64 vector extensions the CPU has and the operating system saves the registers of
   (CPUID and XCR0, as OpenBLAS's own checks): bit 0 AVX, bit 1 AVX2 with FMA, bit 2 AVX-512F.
   0 on other architectures. */
static inline int chemflow_x86_vector_extensions(void) {
#if defined(__x86_64__)
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int hasFMA = (c >> 12) & 1, hasOSXSAVE = (c >> 27) & 1, hasAVX = (c >> 28) & 1;
    if (!hasOSXSAVE || !hasAVX) return 0;
    unsigned int xcr0, xcr0High;
    __asm__ volatile("xgetbv" : "=a"(xcr0), "=d"(xcr0High) : "c"(0));
    if ((xcr0 & 0x6) != 0x6) return 0;              /* XMM and YMM state */
    int extensions = 1;
    if (__get_cpuid_max(0, 0) < 7) return extensions;
    __cpuid_count(7, 0, a, b, c, d);
    if (((b >> 5) & 1) && hasFMA) extensions |= 2;
    if (((b >> 16) & 1) && (xcr0 & 0xe0) == 0xe0) extensions |= 4;  /* AVX-512F; opmask, ZMM state */
    return extensions;
#else
    return 0;
#endif
}
#endif
