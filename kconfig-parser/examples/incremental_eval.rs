//! The API's incremental case on the Zephyr qemu_x86 tree of the test
//! corpus: load and evaluate once (two fragments), then repeatedly change
//! one user value and read back every value (`.config` text). Prints the
//! cost of each evaluation phase and min/median of the incremental step:
//! `cargo run --release -p kconfig-parser --example incremental_eval -- [runs]`

// The Zephyr golden's load options, as the tests build them.
#[path = "../tests/common/mod.rs"]
mod common;

use kconfig_parser::{load, Config};
use std::time::Instant;

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

fn stats(mut v: Vec<f64>) -> String {
    v.sort_by(f64::total_cmp);
    format!("min {:.3} ms, median {:.3} ms", v[0], v[v.len() / 2])
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let (o, _) = common::zephyr_options("qemu_x86");
    let z = common::corpus().join("zephyr");
    let t = Instant::now();
    let kc = load(o).unwrap_or_else(|e| panic!("{e}"));
    println!("load: {:.2} ms", ms(t));
    let fragments: Vec<(String, String)> = [
        "boards/qemu/x86/qemu_x86_defconfig",
        "samples/philosophers/prj.conf",
    ]
    .iter()
    .map(|f| (f.to_string(), std::fs::read_to_string(z.join(f)).unwrap()))
    .collect();
    // Evaluation recurses along dependency chains: use a big stack, as
    // `generate` does.
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(1 << 30)
            .spawn_scoped(s, || {
                // The one-off phases, min/median of 15 (the machine is shared).
                let (mut fin, mut dl) = (Vec::new(), Vec::new());
                for _ in 0..15 {
                    let t = Instant::now();
                    let mut cfg = Config::new(&kc);
                    fin.push(ms(t));
                    let t = Instant::now();
                    assert!(cfg.dependency_loop().is_none());
                    dl.push(ms(t));
                }
                println!("finalize (Config::new): {}", stats(fin));
                println!("dependency-loop check: {}", stats(dl));
                let mut cfg = Config::new(&kc);
                let t = Instant::now();
                for (i, (name, text)) in fragments.iter().enumerate() {
                    cfg.load_config(text, name, i == 0);
                }
                println!("two fragments: {:.2} ms", ms(t));
                let t = Instant::now();
                let first = cfg.config_text("");
                println!("first .config: {:.2} ms", ms(t));
                let t = Instant::now();
                let again = cfg.config_text("");
                println!("cached .config: {:.3} ms", ms(t));
                assert_eq!(first, again);
                let t = Instant::now();
                let _ = cfg.autoconf_text("");
                println!("autoconf.h: {:.2} ms", ms(t));
                let t = Instant::now();
                let _ = cfg.min_config_text("");
                println!("defconfig: {:.2} ms", ms(t));
                // One user value toggled, then everything read back.
                let all: Vec<_> = cfg.unique_defined_symbols().to_vec();
                // The first change builds the "is read by" graph once.
                let banner = cfg.lookup("BOOT_BANNER").expect("defined");
                let t = Instant::now();
                cfg.set_value(banner, "n");
                println!(
                    "first change (builds the dependency graph): {:.2} ms",
                    ms(t)
                );
                cfg.unset_value(banner);
                // MULTITHREADING reaches nearly every symbol through
                // dependencies but changes no value here; NETWORKING and
                // WIFI_NM_WPA_SUPPLICANT change the most values of all
                // visible bool symbols of this tree (103 and 167 with these fragments).
                for name in [
                    "BOOT_BANNER",
                    "PRINTK",
                    "MULTITHREADING",
                    "NETWORKING",
                    "WIFI_NM_WPA_SUPPLICANT",
                ] {
                    let sym = cfg.lookup(name).expect("defined");
                    let before: Vec<_> = all.iter().map(|&s| cfg.sym_str(s)).collect();
                    let flipped = if &*cfg.sym_str(sym) == "y" { "n" } else { "y" };
                    cfg.set_value(sym, flipped);
                    let changed = all
                        .iter()
                        .zip(&before)
                        .filter(|(&s, b)| cfg.sym_str(s) != **b)
                        .count();
                    cfg.unset_value(sym);
                    println!("{name}={flipped} changes {changed} values");
                    let mut one = Vec::new();
                    let mut values = Vec::new();
                    let mut config = Vec::new();
                    for i in 0..runs {
                        let v = if i % 2 == 0 { "n" } else { "y" };
                        let t = Instant::now();
                        assert!(cfg.set_value(sym, v));
                        let _ = cfg.sym_str(sym);
                        one.push(ms(t));
                        let v = if i % 2 == 0 { "y" } else { "n" };
                        let t = Instant::now();
                        assert!(cfg.set_value(sym, v));
                        for &s in &all {
                            let _ = cfg.sym_str(s);
                        }
                        values.push(ms(t));
                        let v = if i % 2 == 0 { "n" } else { "y" };
                        let t = Instant::now();
                        assert!(cfg.set_value(sym, v));
                        let text = cfg.config_text("");
                        config.push(ms(t));
                        assert!(!text.is_empty());
                    }
                    println!("{name}: set_value + its value: {}", stats(one));
                    println!(
                        "{name}: set_value + all {} values: {}",
                        all.len(),
                        stats(values)
                    );
                    println!("{name}: set_value + whole .config: {}", stats(config));
                    cfg.unset_value(sym);
                }
                let t = Instant::now();
                cfg.unset_values();
                let back = cfg.config_text("");
                println!("unset_values + .config: {:.2} ms", ms(t));
                let _ = back;
            })
            .unwrap()
            .join()
            .unwrap()
    });
}
