/* Polled output on the CMSDK APB UART0 of mps2-an385, and the semihosting exit. */
#include "board.h"

#define UART0_BASE 0x40004000u
#define UART_DATA (*(volatile uint32_t *)(UART0_BASE + 0x00u))
#define UART_STATE (*(volatile uint32_t *)(UART0_BASE + 0x04u))
#define UART_CTRL (*(volatile uint32_t *)(UART0_BASE + 0x08u))
#define UART_BAUDDIV (*(volatile uint32_t *)(UART0_BASE + 0x10u))
#define UART_STATE_TX_FULL 0x1u
#define UART_CTRL_TX_EN 0x1u

static void uart_init(void)
{
    if ((UART_CTRL & UART_CTRL_TX_EN) == 0) {
        UART_BAUDDIV = 16;
        UART_CTRL = UART_CTRL_TX_EN;
    }
}

static void uart_putc(char c)
{
    while (UART_STATE & UART_STATE_TX_FULL) {
    }
    UART_DATA = (uint32_t)(unsigned char)c;
}

void uart_puts(const char *s)
{
    uart_init();
    while (*s) {
        uart_putc(*s++);
    }
}

void uart_put_hex32(uint32_t value)
{
    static const char digits[] = "0123456789ABCDEF";
    char text[11] = "0x";
    for (int i = 0; i < 8; i++) {
        text[2 + i] = digits[(value >> (28 - 4 * i)) & 0xFu];
    }
    text[10] = '\0';
    uart_puts(text);
}

/* ARM semihosting SYS_EXIT (0x18) with ADP_Stopped_ApplicationExit (0x20026)
 * for success, ADP_Stopped_RunTimeErrorUnknown (0x20024) otherwise. */
void semihosting_exit(int status)
{
    register uint32_t op __asm__("r0") = 0x18u;
    register uint32_t arg __asm__("r1") = status == 0 ? 0x20026u : 0x20024u;
    for (;;) {
        __asm__ volatile("bkpt 0xAB" : : "r"(op), "r"(arg) : "memory");
    }
}
