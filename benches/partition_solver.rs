//! Criterion benches of the partition solver, in process: the biggest realistic corpus case
//! (nRF9160 b0 + MCUboot + TF-M: preprocessing, placement and all outputs) and synthetic
//! chains (`chain`, `aligned`, `spans`) of 100 / 1,000 / 10,000 / 100,000 partitions
//! (YAML parsing, placement, checks and `partitions.yml` writing). Whole-process timings of
//! `pm-solve` are in `benches/RESULTS.md`.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use partition_solver::output::{pm_config, pm_config_h, DomainLayout};
use partition_solver::preprocess::Preprocessor;
use partition_solver::synthetic::{generate, Kind};
use partition_solver::{solve, DomainInput, Fragment, Options, Region, Strategy};

fn nrf9160() -> (Preprocessor, Vec<(String, String)>, Vec<Region>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/pm/nrf9160_b0_mcuboot_tfm");
    let pp = Preprocessor::new()
        .with_autoconf(&std::fs::read_to_string(dir.join("autoconf.h")).unwrap());
    let mut files: Vec<_> = std::fs::read_dir(dir.join("inputs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let texts = files
        .iter()
        .map(|p| (p.display().to_string(), std::fs::read_to_string(p).unwrap()))
        .collect();
    let mut sram = Region::new("sram_primary", 0x40000);
    sram.base_address = 0x2000_0000;
    sram.strategy = Strategy::Complex;
    sram.dynamic_partition = Some("sram_primary".into());
    let mut otp = Region::new("otp", 756);
    otp.base_address = 0xff8108;
    let mut flash = Region::new("flash_primary", 0x100000);
    flash.strategy = Strategy::Complex;
    flash.device = "flash_controller".into();
    flash.default_driver_kconfig = "CONFIG_SOC_FLASH_NRF".into();
    (pp, texts, vec![sram, otp, flash])
}

fn realistic(c: &mut Criterion) {
    let (pp, texts, regions) = nrf9160();
    c.bench_function("pm/nrf9160_b0_mcuboot_tfm/full", |b| {
        b.iter(|| {
            let fragments = texts
                .iter()
                .map(|(n, t)| Fragment::new(n.clone(), pp.run(n, t).unwrap()))
                .collect();
            let input = DomainInput {
                fragments,
                static_config: None,
                regions: regions.clone(),
            };
            let sol = solve(&input, &Options::default()).unwrap();
            let p = sol.partitions_yaml();
            let r = sol.regions_yaml();
            let layouts = [DomainLayout::from_solution("", &sol)];
            let cfg = pm_config(&layouts).unwrap();
            let h = pm_config_h(&layouts, "", "app", "pm_config.h", "bench").unwrap();
            black_box((p, r, cfg, h));
        })
    });
}

fn synthetic(c: &mut Criterion) {
    for (kind, name) in [
        (Kind::Chain, "chain"),
        (Kind::Aligned, "aligned"),
        (Kind::Spans, "spans"),
    ] {
        let mut group = c.benchmark_group(format!("pm/{name}"));
        for n in [100usize, 1_000, 10_000, 100_000] {
            let input: DomainInput = generate(kind, n);
            group.throughput(Throughput::Elements(n as u64));
            if n >= 10_000 {
                group.sample_size(10);
            }
            group.bench_with_input(BenchmarkId::from_parameter(n), &input, |b, input| {
                b.iter(|| {
                    let sol = solve(input, &Options::default()).unwrap();
                    black_box(sol.partitions_yaml());
                })
            });
        }
        group.finish();
    }
}

criterion_group!(benches, realistic, synthetic);
criterion_main!(benches);
