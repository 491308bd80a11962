#![no_main]
//! cargo fuzz run yaml (nightly). The body is `partition_solver::fuzzing::yaml`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| partition_solver::fuzzing::yaml(data));
