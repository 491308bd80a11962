#![no_main]
//! cargo fuzz run solve (nightly). The body is `partition_solver::fuzzing::solve`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| partition_solver::fuzzing::solve(data));
