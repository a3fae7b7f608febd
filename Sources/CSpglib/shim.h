#ifndef CHEMFLOW_CSPGLIB_SHIM_H
#define CHEMFLOW_CSPGLIB_SHIM_H
#include <spglib.h>
#endif
