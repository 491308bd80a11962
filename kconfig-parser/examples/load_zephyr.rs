//! Loads the Zephyr qemu_x86 tree of the test corpus repeatedly and prints
//! the load time (min and median), for profiling without criterion:
//! `cargo run --release -p kconfig-parser --example load_zephyr -- [runs]`
//! (`valgrind --tool=callgrind` over it with `1` counts one load).

use kconfig_parser::{load, LoadOptions, ReplayFunctions};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(30);
    let k = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus/kconfig");
    let golden = k.join("zephyr-golden/qemu_x86");
    let z = k.join("zephyr");
    let b = golden.join("Kconfig-generated");
    let trace = ReplayFunctions::from_json(
        &std::fs::read_to_string(golden.join("expected/functions_trace.json")).unwrap(),
    )
    .unwrap();
    let env_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(golden.join("env.json")).unwrap()).unwrap();
    let sub = |s: &str| {
        s.replace("$ZEPHYR_BASE", &z.to_string_lossy())
            .replace("$KCONFIG_BINARY_DIR", &b.to_string_lossy())
    };
    let mut times = Vec::with_capacity(runs);
    let mut files = 0;
    for _ in 0..runs {
        let mut env = HashMap::new();
        for (key, v) in env_json["env"].as_object().unwrap() {
            env.insert(key.clone(), sub(v.as_str().unwrap()));
        }
        let mut o = LoadOptions::new(sub(env_json["kconfig"].as_str().unwrap()));
        o.srctree = Some(z.clone());
        o.env = env;
        o.host = Some(Box::new(trace.clone()));
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
