// Whether autograd records operations, per thread (like torch.is_grad_enabled): a data-loader thread
// or a second training thread never sees another thread's no-grad region. Thread-local storage is one
// load per op, which a Swift thread dictionary is not.
#include "include/ckernels.h"

static _Thread_local int grad_disabled;

int pretext_grad_enabled(void) { return !grad_disabled; }

void pretext_set_grad_enabled(int enabled) { grad_disabled = !enabled; }
