//! Whole-process wall time of `pm-solve` (build it first: `cargo build --release -p
//! partition-solver`), min and median of several runs: the biggest realistic corpus case
//! (nRF9160 b0 + MCUboot + TF-M, preprocessed natively with `--autoconf`) and synthetic
//! `chain` / `aligned` cases of 100 .. 100,000 partitions.
//!
//! `cargo run --release -p partition-solver --example process_timing`

use partition_solver::synthetic::{generate, Kind};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

fn time(cmd: &mut Command, runs: usize) -> (f64, f64) {
    let mut t: Vec<f64> = (0..runs)
        .map(|_| {
            let s = Instant::now();
            let st = cmd
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .unwrap();
            assert!(st.success(), "{cmd:?} failed");
            s.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    t.sort_by(f64::total_cmp);
    (t[0], t[t.len() / 2])
}

fn main() {
    let exe = std::env::current_exe().unwrap();
    let bin: PathBuf = exe.parent().unwrap().parent().unwrap().join("pm-solve");
    assert!(bin.exists(), "build pm-solve first: {}", bin.display());
    let tmp = std::env::temp_dir().join(format!("pm-solve-timing-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let out = |n: &str| tmp.join(n).display().to_string();
    let case =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus/pm/nrf9160_b0_mcuboot_tfm");
    let mut inputs: Vec<String> = std::fs::read_dir(case.join("inputs"))
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    inputs.sort();
    let mut real = Command::new(&bin);
    real.arg("--input-files")
        .args(&inputs)
        .arg("--autoconf")
        .arg(case.join("autoconf.h"));
    real.args([
        "--output-partitions",
        &out("p.yml"),
        "--output-regions",
        &out("r.yml"),
    ]);
    real.args(["--regions", "sram_primary", "otp", "flash_primary"]);
    real.args([
        "--sram_primary-size",
        "0x40000",
        "--sram_primary-base-address",
        "0x20000000",
        "--sram_primary-placement-strategy",
        "complex",
        "--sram_primary-dynamic-partition",
        "sram_primary",
    ]);
    real.args([
        "--otp-size",
        "0x2f4",
        "--otp-base-address",
        "0xff8108",
        "--otp-placement-strategy",
        "start_to_end",
    ]);
    real.args([
        "--flash_primary-size",
        "0x100000",
        "--flash_primary-placement-strategy",
        "complex",
        "--flash_primary-device",
        "flash_controller",
        "--flash_primary-default-driver-kconfig",
        "CONFIG_SOC_FLASH_NRF",
    ]);
    let (min, med) = time(&mut real, 30);
    println!("| nrf9160_b0_mcuboot_tfm | {min:.2} ms | {med:.2} ms |");
    let (min, med) = time(&mut Command::new("true"), 30);
    println!("| `true` (process floor) | {min:.2} ms | {med:.2} ms |");
    for (kind, name) in [(Kind::Chain, "chain"), (Kind::Aligned, "aligned")] {
        for n in [100usize, 1_000, 10_000, 100_000] {
            let input = generate(kind, n);
            let f = out(&format!("{name}{n}.yml"));
            std::fs::write(&f, &input.fragments[0].text).unwrap();
            let mut c = Command::new(&bin);
            c.args([
                "--input-files",
                &f,
                "--output-partitions",
                &out("p.yml"),
                "--output-regions",
                &out("r.yml"),
            ]);
            c.args([
                "--regions",
                "flash_primary",
                "--flash_primary-size",
                &format!("{:#x}", input.regions[0].size),
            ]);
            c.args([
                "--flash_primary-placement-strategy",
                "complex",
                "--flash_primary-device",
                "flash_controller",
            ]);
            let (min, med) = time(&mut c, if n >= 100_000 { 3 } else { 9 });
            println!("| {name} {n} | {min:.1} ms | {med:.1} ms |");
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
}
