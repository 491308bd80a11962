//! Loads the Zephyr qemu_x86 tree of the test corpus repeatedly and prints
//! the load time (min and median), for profiling without criterion:
//! `cargo run --release -p kconfig-parser --example load_zephyr -- [runs]`
//! (`valgrind --tool=callgrind` over it with `1` counts one load).

// The Zephyr golden's load options, as the tests build them.
#[path = "../tests/common/mod.rs"]
mod common;

use kconfig_parser::load;
use std::time::Instant;

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(30);
    let mut times = Vec::with_capacity(runs);
    let mut files = 0;
    for _ in 0..runs {
        let (o, _) = common::zephyr_options("qemu_x86");
        let t = Instant::now();
        let kc = load(o).unwrap_or_else(|e| panic!("{e}"));
        times.push(t.elapsed().as_secs_f64() * 1e3);
        files = kc.reads.len();
        drop(kc);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{runs} loads of {files} files: min {:.2} ms, median {:.2} ms",
        times[0],
        times[runs / 2]
    );
}
