/* Reset handler and vector table shared by the example images (Cortex-M3). */
#include <stdint.h>

#include "board.h"

extern uint32_t __data_start[], __data_end[], __data_load[];
extern uint32_t __bss_start[], __bss_end[];
extern uint32_t __stack_top[];

int main(void);

void reset_handler(void)
{
    uint32_t *src = __data_load;
    for (uint32_t *dst = __data_start; dst < __data_end;) {
        *dst++ = *src++;
    }
    for (uint32_t *dst = __bss_start; dst < __bss_end;) {
        *dst++ = 0;
    }
    int status = main();
    semihosting_exit(status);
}

static void fault_handler(void)
{
    uart_puts("FAULT\n");
    semihosting_exit(1);
}

/* Initial stack pointer, then the exception handlers up to SysTick. */
__attribute__((section(".vectors"), used)) static const void *const vectors[16] = {
    __stack_top,   reset_handler, fault_handler, fault_handler,
    fault_handler, fault_handler, fault_handler, 0,
    0,             0,             0,             fault_handler,
    fault_handler, 0,             fault_handler, fault_handler,
};
