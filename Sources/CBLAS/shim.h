// OpenBLAS's CBLAS interface (Debian: libopenblas-dev puts cblas.h on the default include path).
#include <cblas.h>
// Thread control lives in OpenBLAS's own header, declared here so the shim does not depend on its location.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
