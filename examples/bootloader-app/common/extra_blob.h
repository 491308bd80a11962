/* Layout of the data-only `extra` image that the application reads. */
#ifndef EXTRA_BLOB_H
#define EXTRA_BLOB_H

#include <stdint.h>

#define EXTRA_BLOB_MAGIC 0x45585452u /* "EXTR" */

struct extra_blob {
    uint32_t magic;
    char message[60];
};

#endif
