#ifndef CHEMFLOW_CHDF5_SHIM_H
#define CHEMFLOW_CHDF5_SHIM_H
#include <hdf5.h>
/* HDF5's constants are function-like macros over library globals: wrap them. */
static inline hid_t chdf5_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t chdf5_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t chdf5_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t chdf5_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t chdf5_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t chdf5_c_s1(void) { return H5T_C_S1; }
static inline hid_t chdf5_p_default(void) { return H5P_DEFAULT; }
static inline hid_t chdf5_p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t chdf5_p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t chdf5_s_all(void) { return H5S_ALL; }
static inline unsigned chdf5_f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned chdf5_f_acc_excl(void) { return H5F_ACC_EXCL; }
static inline unsigned chdf5_f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned chdf5_f_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline hsize_t chdf5_s_unlimited(void) { return H5S_UNLIMITED; }
static inline size_t chdf5_variable(void) { return H5T_VARIABLE; }
/* Added for the Datasets module (SWMR, error handling, selections, strings). */
static inline hid_t chdf5_e_default(void) { return H5E_DEFAULT; }
static inline void chdf5_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
/* Error-stack settings are per thread in thread-safe builds: silence each thread once. */
static inline void chdf5_quiet(void) {
    static __thread int quiet = 0;
    if (!quiet) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); quiet = 1; }
}
static inline unsigned chdf5_f_acc_swmr_write(void) { return H5F_ACC_SWMR_WRITE; }
static inline unsigned chdf5_f_acc_swmr_read(void) { return H5F_ACC_SWMR_READ; }
static inline H5F_libver_t chdf5_libver_latest(void) { return H5F_LIBVER_LATEST; }
static inline H5F_libver_t chdf5_libver_earliest(void) { return H5F_LIBVER_EARLIEST; }
static inline hid_t chdf5_native_int8(void) { return H5T_NATIVE_INT8; }
static inline hid_t chdf5_native_hsize(void) { return H5T_NATIVE_HSIZE; }
static inline hid_t chdf5_p_dataset_xfer(void) { return H5P_DATASET_XFER; }
static inline hid_t chdf5_p_file_create(void) { return H5P_FILE_CREATE; }
static inline hid_t chdf5_p_attribute_create(void) { return H5P_ATTRIBUTE_CREATE; }
static inline hid_t chdf5_p_link_create(void) { return H5P_LINK_CREATE; }
static inline hid_t chdf5_p_group_create(void) { return H5P_GROUP_CREATE; }
#endif
