/* Application: reports its Kconfig greeting, where it runs (the VTOR the
 * bootloader set) and the partitions it knows of, and exits. */
#include <stdint.h>

#include "board.h"
#include "extra_blob.h"

/* From autoconf.h (forced include). */
#ifndef CONFIG_APP_MESSAGE
#error "CONFIG_APP_MESSAGE is not defined: the Kconfig output did not reach the build"
#endif

int main(void)
{
    uart_puts("APP: " CONFIG_APP_MESSAGE ", VTOR=");
    uart_put_hex32(SCB_VTOR);
    uart_puts("\n");
#ifdef PM_STORAGE_ADDRESS
    /* From pm_config.h (forced include), when the layout was solved. */
    uart_puts("APP: storage partition at ");
    uart_put_hex32(PM_STORAGE_ADDRESS);
    uart_puts(", size ");
    uart_put_hex32(PM_STORAGE_SIZE);
    uart_puts("\n");
#endif
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
