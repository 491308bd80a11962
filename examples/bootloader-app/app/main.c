/* Application: reports where it runs (the VTOR the bootloader set) and exits. */
#include <stdint.h>

#include "board.h"
#include "extra_blob.h"

int main(void)
{
    uart_puts("APP: hello from the application, VTOR=");
    uart_put_hex32(SCB_VTOR);
    uart_puts("\n");
#ifdef EXTRA_ADDRESS
    const struct extra_blob *blob = (const struct extra_blob *)EXTRA_ADDRESS;
    if (blob->magic != EXTRA_BLOB_MAGIC) {
        uart_puts("APP: no extra image at ");
        uart_put_hex32(EXTRA_ADDRESS);
        uart_puts("\n");
        return 1;
    }
    uart_puts("APP: extra image says: ");
    uart_puts(blob->message);
    uart_puts("\n");
#endif
    return 0;
}
