/* The little of QEMU's mps2-an385 board (Cortex-M3) the example images use. */
#ifndef BOARD_H
#define BOARD_H

#include <stdint.h>

/* System control block: vector table offset register. */
#define SCB_VTOR (*(volatile uint32_t *)0xE000ED08u)

/* The board's RAM (SSRAM2/3), where a valid initial stack pointer must point. */
#define BOARD_RAM_START 0x20000000u
#define BOARD_RAM_END 0x20400000u

void uart_puts(const char *s);
void uart_put_hex32(uint32_t value);

/* Ends the emulation through semihosting: status 0 is a clean exit. */
void semihosting_exit(int status) __attribute__((noreturn));

#endif
