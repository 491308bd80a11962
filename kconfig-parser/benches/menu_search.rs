//! `kconfig menuconfig`'s search on Zephyr's whole tree (qemu_x86 golden,
//! 22,811 symbols): one query per keystroke must stay well under a 16 ms
//! frame. Typing "boot banner" one key at a time, plus a word found only
//! in help texts and a miss.

use criterion::{criterion_group, criterion_main, Criterion};
use kconfig_parser::menuconfig::search::SearchIndex;
use kconfig_parser::{load, Config, LoadOptions, ReplayFunctions};
use std::collections::HashMap;
use std::path::PathBuf;

fn zephyr() -> kconfig_parser::Kconfig {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus/kconfig");
    let z = corpus.join("zephyr");
    let g = corpus.join("zephyr-golden/qemu_x86");
    let b = g.join("Kconfig-generated");
    let sub = |s: &str| {
        s.replace("$ZEPHYR_BASE", &z.to_string_lossy())
            .replace("$KCONFIG_BINARY_DIR", &b.to_string_lossy())
    };
    let env_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(g.join("env.json")).unwrap()).unwrap();
    let mut env = HashMap::new();
    for (k, v) in env_json["env"].as_object().unwrap() {
        env.insert(k.clone(), sub(v.as_str().unwrap()));
    }
    let mut o = LoadOptions::new(sub(env_json["kconfig"].as_str().unwrap()));
    o.srctree = Some(z.clone());
    o.env = env;
    let trace = std::fs::read_to_string(g.join("expected/functions_trace.json")).unwrap();
    o.host = Some(Box::new(ReplayFunctions::from_json(&trace).unwrap()));
    load(o).unwrap()
}

fn bench(c: &mut Criterion) {
    let kc = zephyr();
    let cfg = Config::new(&kc);
    let mut g = c.benchmark_group("menuconfig_search");
    g.bench_function("zephyr_index_build", |b| b.iter(|| SearchIndex::new(&cfg)));
    let ix = SearchIndex::new(&cfg);
    let typed = "boot banner";
    g.bench_function("zephyr_typing_boot_banner_11_keys", |b| {
        b.iter(|| {
            let mut n = 0;
            for i in 1..=typed.len() {
                n += ix.search(&typed[..i]).len();
            }
            n
        })
    });
    for q in ["b", "uart", "CONFIG_GPIO", "watchdog timeout", "zzzzqqq"] {
        g.bench_function(format!("zephyr_query_{}", q.replace(' ', "_")), |b| {
            b.iter(|| ix.search(q).len())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
