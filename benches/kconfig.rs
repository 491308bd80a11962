//! Criterion benches of the kconfig-parser crate: loading whole trees from
//! disk (Zephyr qemu_x86 with its replay table, BusyBox, and Linux 6.12
//! x86_64 when its extracted tree is available, see
//! kconfig-parser/tests/linux_parse.rs).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use kconfig_parser::generate::{generate, Fragment, GenOptions};
use kconfig_parser::{load, HostFunctions, LoadOptions, ReplayFunctions};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

fn kcorpus() -> PathBuf {
    test_support::corpus_dir().join("kconfig")
}

fn zephyr_options(trace: &ReplayFunctions) -> LoadOptions {
    let board = "qemu_x86";
    let z = kcorpus().join("zephyr");
    let b = kcorpus()
        .join("zephyr-golden")
        .join(board)
        .join("Kconfig-generated");
    let env_json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(kcorpus().join("zephyr-golden").join(board).join("env.json"))
            .unwrap(),
    )
    .unwrap();
    let sub = |s: &str| {
        s.replace("$ZEPHYR_BASE", &z.to_string_lossy())
            .replace("$KCONFIG_BINARY_DIR", &b.to_string_lossy())
    };
    let mut env = HashMap::new();
    for (k, v) in env_json["env"].as_object().unwrap() {
        env.insert(k.clone(), sub(v.as_str().unwrap()));
    }
    let mut o = LoadOptions::new(sub(env_json["kconfig"].as_str().unwrap()));
    o.srctree = Some(z.clone());
    o.env = env;
    o.host = Some(Box::new(trace.clone()));
    o
}

/// `$(shell,…)` results cached across loads, as a build tool would cache
/// compiler probes; the bench measures parsing, not gcc.
#[derive(Clone, Default)]
struct CachedShell(Arc<Mutex<HashMap<String, String>>>);

impl HostFunctions for CachedShell {
    fn arity(&self, name: &str) -> Option<(usize, Option<usize>)> {
        (name == "shell").then_some((1, Some(1)))
    }
    /// Linux's `$(shell)` calls are compiler probes: they write nothing the
    /// tree sources, so files read ahead of them stay valid.
    fn is_pure(&self, _: &str) -> bool {
        true
    }

    fn call(&mut self, _: &str, args: &[String], _: &str, _: u32) -> Result<String, String> {
        let mut m = self.0.lock().unwrap();
        if let Some(v) = m.get(&args[0]) {
            return Ok(v.clone());
        }
        let out = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(&args[0])
            .output()
            .map_err(|e| e.to_string())?;
        let s = String::from_utf8_lossy(&out.stdout);
        let v = s.lines().collect::<Vec<_>>().join(" ");
        m.insert(args[0].clone(), v.clone());
        Ok(v)
    }
}

fn linux_root() -> Option<PathBuf> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| test_support::repo_root().join("target"));
    let root = target.join("linux-kconfig-6.12").join("linux-source-6.12");
    root.join("Kconfig").exists().then_some(root)
}

fn bench(c: &mut Criterion) {
    let trace = ReplayFunctions::from_json(
        &std::fs::read_to_string(
            kcorpus().join("zephyr-golden/qemu_x86/expected/functions_trace.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let mut g = c.benchmark_group("kconfig_parse");
    g.sample_size(20);
    // Options are built, and trees freed, outside the measured time.
    g.bench_function("zephyr_qemu_x86_whole_tree", |b| {
        b.iter_batched(
            || zephyr_options(&trace),
            |o| load(o).unwrap(),
            BatchSize::SmallInput,
        )
    });
    let z = kcorpus().join("zephyr");
    let fragments: Vec<Fragment> = [
        "boards/qemu/x86/qemu_x86_defconfig",
        "samples/philosophers/prj.conf",
    ]
    .iter()
    .map(|f| Fragment {
        name: f.to_string(),
        text: std::fs::read_to_string(z.join(f)).unwrap(),
    })
    .collect();
    g.bench_function("zephyr_qemu_x86_full_evaluation", |b| {
        b.iter(|| {
            let kc = load(zephyr_options(&trace)).unwrap();
            generate(&kc, &fragments, &GenOptions::default()).unwrap()
        })
    });
    g.bench_function("busybox", |b| {
        b.iter(|| {
            let dir = kcorpus().join("busybox");
            let mut o = LoadOptions::new("Config.in");
            o.srctree = Some(dir.clone());
            o.base_dir = Some(dir);
            load(o).unwrap()
        })
    });
    if let Some(root) = linux_root() {
        let shell = CachedShell::default();
        g.bench_function("linux_6_12_x86_64_whole_tree", |b| {
            b.iter_batched(
                || {
                    let mut o = LoadOptions::new("Kconfig");
                    o.srctree = Some(root.clone());
                    o.base_dir = Some(root.clone());
                    for (k, v) in [
                        ("ARCH", "x86"),
                        ("SRCARCH", "x86"),
                        ("CC", "gcc"),
                        ("LD", "ld"),
                        ("HOSTCC", "gcc"),
                    ] {
                        o.env.insert(k.into(), v.into());
                    }
                    o.env
                        .insert("srctree".into(), root.to_string_lossy().into_owned());
                    o.host = Some(Box::new(shell.clone()));
                    o
                },
                |o| load(o).unwrap(),
                BatchSize::SmallInput,
            )
        });
    } else {
        eprintln!(
            "NOTICE: Linux tree not extracted (run the linux_parse test first); skipping its bench"
        );
    }
    g.finish();
}

/// The API's incremental case (spec target: < 1 ms): the Zephyr qemu_x86
/// tree loaded and evaluated once with its two fragments, then per
/// iteration one user value changes and the whole `.config` is rendered
/// again. Only the values depending on the changed symbol are recomputed,
/// and only as far as values change: MULTITHREADING reaches nearly every
/// symbol but changes no value here; NETWORKING changes 103 values, the
/// second most of all visible bool symbols of this tree.
fn bench_incremental(c: &mut Criterion) {
    let trace = ReplayFunctions::from_json(
        &std::fs::read_to_string(
            kcorpus().join("zephyr-golden/qemu_x86/expected/functions_trace.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let kc = load(zephyr_options(&trace)).unwrap();
    let z = kcorpus().join("zephyr");
    let mut cfg = kconfig_parser::Config::new(&kc);
    for (i, f) in [
        "boards/qemu/x86/qemu_x86_defconfig",
        "samples/philosophers/prj.conf",
    ]
    .iter()
    .enumerate()
    {
        let text = std::fs::read_to_string(z.join(f)).unwrap();
        cfg.load_config(&text, f, i == 0);
    }
    let _ = cfg.config_text("");
    let mut g = c.benchmark_group("kconfig_api");
    for name in ["BOOT_BANNER", "MULTITHREADING", "NETWORKING"] {
        let sym = cfg.lookup(name).unwrap();
        let mut on = false;
        g.bench_function(format!("zephyr_set_{name}_then_config_text"), |b| {
            b.iter(|| {
                on = !on;
                cfg.set_value(sym, if on { "y" } else { "n" });
                cfg.config_text("")
            })
        });
        cfg.unset_value(sym);
    }
    g.finish();
}

criterion_group!(benches, bench, bench_incremental);
criterion_main!(benches);
