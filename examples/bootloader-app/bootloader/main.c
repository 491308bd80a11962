/* Bootloader: validates the application's vector table and jumps to it. */
#include <stdint.h>

#include "board.h"

/* APP_ADDRESS and APP_SIZE come from the layout (PM_APP_ADDRESS, PM_APP_SIZE). */

static int vector_table_is_valid(const uint32_t *table)
{
    uint32_t sp = table[0];
    uint32_t pc = table[1];
    int sp_ok = sp > BOARD_RAM_START && sp <= BOARD_RAM_END && (sp & 3u) == 0;
    /* A Thumb entry point (bit 0 set) inside the application's partition. */
    int pc_ok = (pc & 1u) == 1u && pc - 1u >= APP_ADDRESS && pc - 1u < APP_ADDRESS + APP_SIZE;
    return sp_ok && pc_ok;
}

int main(void)
{
    const uint32_t *app = (const uint32_t *)APP_ADDRESS;
    if (!vector_table_is_valid(app)) {
        uart_puts("BOOT: no valid application image at ");
        uart_put_hex32(APP_ADDRESS);
        uart_puts("\n");
        return 1;
    }
    uart_puts("BOOT: hello from the bootloader, jumping to app at ");
    uart_put_hex32(APP_ADDRESS);
    uart_puts("\n");

    SCB_VTOR = APP_ADDRESS;
    __asm__ volatile("msr msp, %0\n"
                     "bx %1\n"
                     :
                     : "r"(app[0]), "r"(app[1])
                     : "memory");
    return 1; /* not reached */
}
