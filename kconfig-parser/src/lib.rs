//! Kconfig language parser and evaluator (Kconfiglib-compatible `.config` / `autoconf.h` output).
