#![no_main]
//! Fuzzes the whole loader on one in-memory file: any input must give a
//! tree or a located error, never a panic.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    kconfig_parser::fuzzing::parse_bytes(data);
});
