#ifndef CHEMFLOW_CLIBXC_SHIM_H
#define CHEMFLOW_CLIBXC_SHIM_H
#include <xc.h>
#include <xc_funcs.h>

/* libxc's family and spin constants are macros; expose them as functions. */
static inline int cxc_unpolarized(void) { return XC_UNPOLARIZED; }
static inline int cxc_polarized(void) { return XC_POLARIZED; }
static inline int cxc_family_lda(void) { return XC_FAMILY_LDA; }
static inline int cxc_family_gga(void) { return XC_FAMILY_GGA; }
static inline int cxc_family_mgga(void) { return XC_FAMILY_MGGA; }
static inline int cxc_family_hyb_gga(void) {
#ifdef XC_FAMILY_HYB_GGA
  return XC_FAMILY_HYB_GGA;
#else
  return -1;
#endif
}
static inline int cxc_family_hyb_lda(void) {
#ifdef XC_FAMILY_HYB_LDA
  return XC_FAMILY_HYB_LDA;
#else
  return -1;
#endif
}
/* Family of an initialised functional (the struct layout differs between libxc versions). */
static inline int cxc_func_family(const xc_func_type *f) { return f->info->family; }
static inline int cxc_func_kind(const xc_func_type *f) { return f->info->kind; }
/* Whether libxc was built with second derivatives for this functional. */
static inline int cxc_func_has_fxc(const xc_func_type *f) { return (f->info->flags & XC_FLAGS_HAVE_FXC) != 0; }
static inline const char *cxc_func_name(const xc_func_type *f) { return f->info->name; }
#endif
