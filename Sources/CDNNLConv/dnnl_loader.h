// oneDNN's entry points, resolved with dlopen at first use instead of linked (see dnnl_loader.c), so a
// machine without libdnnl still runs (on Pretext's own convolutions). Include after <oneapi/dnnl/dnnl.h>: every
// dnnl_* call below then goes through a pointer that pretext_dnnl_load() fills.
#ifndef PRETEXT_DNNL_LOADER_H
#define PRETEXT_DNNL_LOADER_H

#include <oneapi/dnnl/dnnl.h>

#define PRETEXT_DNNL_FUNCTIONS(X)                                                                        \
    X(dnnl_engine_create) X(dnnl_stream_create) X(dnnl_stream_wait) X(dnnl_get_effective_cpu_isa)        \
    X(dnnl_memory_desc_init_by_tag) X(dnnl_memory_desc_equal) X(dnnl_memory_desc_get_size)              \
    X(dnnl_memory_create) X(dnnl_memory_destroy) X(dnnl_memory_get_memory_desc)                         \
    X(dnnl_memory_set_data_handle) X(dnnl_dilated_convolution_forward_desc_init)                        \
    X(dnnl_dilated_convolution_backward_data_desc_init) X(dnnl_dilated_convolution_backward_weights_desc_init) \
    X(dnnl_primitive_desc_create) X(dnnl_primitive_desc_destroy) X(dnnl_primitive_desc_query)           \
    X(dnnl_primitive_desc_query_md) X(dnnl_reorder_primitive_desc_create) X(dnnl_primitive_create)      \
    X(dnnl_primitive_destroy) X(dnnl_primitive_execute)

#define PRETEXT_DNNL_DECLARE(name) extern __typeof__(&name) pretext_p_##name;
PRETEXT_DNNL_FUNCTIONS(PRETEXT_DNNL_DECLARE)
#undef PRETEXT_DNNL_DECLARE

/// Opens libdnnl once (later calls return the first result): 1 when every entry point resolved, else 0.
int pretext_dnnl_load(void);
/// omp_set_num_threads of the OpenMP runtime oneDNN uses (no-op before a successful load).
void pretext_dnnl_omp_set_num_threads(int threads);

#ifndef PRETEXT_DNNL_LOADER_IMPL
#define dnnl_engine_create pretext_p_dnnl_engine_create
#define dnnl_stream_create pretext_p_dnnl_stream_create
#define dnnl_stream_wait pretext_p_dnnl_stream_wait
#define dnnl_get_effective_cpu_isa pretext_p_dnnl_get_effective_cpu_isa
#define dnnl_memory_desc_init_by_tag pretext_p_dnnl_memory_desc_init_by_tag
#define dnnl_memory_desc_equal pretext_p_dnnl_memory_desc_equal
#define dnnl_memory_desc_get_size pretext_p_dnnl_memory_desc_get_size
#define dnnl_memory_create pretext_p_dnnl_memory_create
#define dnnl_memory_destroy pretext_p_dnnl_memory_destroy
#define dnnl_memory_get_memory_desc pretext_p_dnnl_memory_get_memory_desc
#define dnnl_memory_set_data_handle pretext_p_dnnl_memory_set_data_handle
#define dnnl_dilated_convolution_forward_desc_init pretext_p_dnnl_dilated_convolution_forward_desc_init
#define dnnl_dilated_convolution_backward_data_desc_init pretext_p_dnnl_dilated_convolution_backward_data_desc_init
#define dnnl_dilated_convolution_backward_weights_desc_init pretext_p_dnnl_dilated_convolution_backward_weights_desc_init
#define dnnl_primitive_desc_create pretext_p_dnnl_primitive_desc_create
#define dnnl_primitive_desc_destroy pretext_p_dnnl_primitive_desc_destroy
#define dnnl_primitive_desc_query pretext_p_dnnl_primitive_desc_query
#define dnnl_primitive_desc_query_md pretext_p_dnnl_primitive_desc_query_md
#define dnnl_reorder_primitive_desc_create pretext_p_dnnl_reorder_primitive_desc_create
#define dnnl_primitive_create pretext_p_dnnl_primitive_create
#define dnnl_primitive_destroy pretext_p_dnnl_primitive_destroy
#define dnnl_primitive_execute pretext_p_dnnl_primitive_execute
#endif

#endif
