#pragma once
// oneDNN (Debian libdnnl-dev) for its row-major sgemm, and libgomp's thread-count control: oneDNN's Debian
// build parallelises with OpenMP, and the workbench splits products over its own threads instead.
#include <dnnl.h>
void omp_set_num_threads(int num_threads);
int omp_get_max_threads(void);
