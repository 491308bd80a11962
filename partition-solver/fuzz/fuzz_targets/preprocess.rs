#![no_main]
//! cargo fuzz run preprocess (nightly). The body is `partition_solver::fuzzing::preprocess`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| partition_solver::fuzzing::preprocess(data));
