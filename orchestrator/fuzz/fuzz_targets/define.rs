#![no_main]
//! Fuzzes the define parser; the checks live in `orchestrator::fuzzing` so that a
//! normal test runs the same body over seed inputs.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| orchestrator::fuzzing::define(data));
