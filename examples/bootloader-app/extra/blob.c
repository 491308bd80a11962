/* The extra image's only content, placed at its partition's start. */
#include "extra_blob.h"

__attribute__((section(".vectors"), used)) const struct extra_blob blob = {
    .magic = EXTRA_BLOB_MAGIC,
    .message = EXTRA_MESSAGE,
};
