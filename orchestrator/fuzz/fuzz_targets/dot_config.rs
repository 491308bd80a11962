#![no_main]
//! Fuzzes the `.config` reader of the Kconfig step; the checks live in
//! `orchestrator::fuzzing` so that a normal test runs the same body over seed inputs.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| orchestrator::fuzzing::dot_config(data));
