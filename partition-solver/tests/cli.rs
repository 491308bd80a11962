//! `pm-solve` as a drop-in: same arguments and exit codes as `partition_manager.py` /
//! `partition_manager_output.py`, outputs compared with the corpus.

use partition_solver::yaml;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn case(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/corpus/pm")
        .join(name)
}

fn inputs(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir.join("inputs"))
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    v.sort();
    v
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pm-solve"))
}

const ROOT_ARGS: &[&str] = &[
    "--regions",
    "sram_primary",
    "otp",
    "flash_primary",
    "--sram_primary-size",
    "0x80000",
    "--sram_primary-base-address",
    "0x20000000",
    "--sram_primary-placement-strategy",
    "complex",
    "--sram_primary-dynamic-partition",
    "sram_primary",
    "--otp-size",
    "0x2fc",
    "--otp-base-address",
    "0xff8100",
    "--otp-placement-strategy",
    "start_to_end",
    "--flash_primary-size",
    "0x100000",
    "--flash_primary-base-address",
    "0x0",
    "--flash_primary-placement-strategy",
    "complex",
    "--flash_primary-device",
    "flash_controller",
    "--flash_primary-default-driver-kconfig",
    "CONFIG_SOC_FLASH_NRF",
];

#[test]
fn drop_in_two_domains_and_output() {
    let c = case("nrf5340_app_and_netcore");
    let tmp = tempfile::tempdir().unwrap();
    let out = |n: &str| tmp.path().join(n).display().to_string();
    let st = bin()
        .arg("--input-files")
        .args(inputs(&c))
        .arg("--autoconf")
        .arg(c.join("autoconf.h"))
        .args([
            "--output-partitions",
            &out("partitions.yml"),
            "--output-regions",
            &out("regions.yml"),
        ])
        .args(ROOT_ARGS)
        .status()
        .unwrap();
    assert!(st.success());
    let d = c.join("domains/CPUNET");
    let st = bin()
        .arg("--input-files")
        .args(inputs(&d))
        .arg("--autoconf")
        .arg(d.join("autoconf.h"))
        .args([
            "--output-partitions",
            &out("partitions_CPUNET.yml"),
            "--output-regions",
            &out("regions_CPUNET.yml"),
        ])
        .args([
            "--flash_primary-dynamic-partition",
            "ipc_radio",
            "--regions",
            "sram_primary",
            "flash_primary",
        ])
        .args([
            "--sram_primary-size",
            "0x10000",
            "--sram_primary-base-address",
            "0x21000000",
            "--sram_primary-placement-strategy",
            "complex",
            "--sram_primary-dynamic-partition",
            "sram_primary",
        ])
        .args([
            "--flash_primary-size",
            "0x40000",
            "--flash_primary-base-address",
            "0x1000000",
            "--flash_primary-placement-strategy",
            "complex",
            "--flash_primary-device",
            "flash_controller",
            "--flash_primary-default-driver-kconfig",
            "CONFIG_SOC_FLASH_NRF",
        ])
        .status()
        .unwrap();
    assert!(st.success());
    for (ours, theirs) in [
        ("regions.yml", "expected_regions.yml"),
        ("regions_CPUNET.yml", "expected_regions_CPUNET.yml"),
    ] {
        assert_eq!(
            yaml::load(&fs::read_to_string(tmp.path().join(ours)).unwrap()).unwrap(),
            yaml::load(&fs::read_to_string(c.join(theirs)).unwrap()).unwrap()
        );
    }
    fs::create_dir_all(tmp.path().join("CPUNET/ipc_radio")).unwrap();
    let st = bin()
        .args([
            "output",
            "--input-partitions",
            &out("partitions.yml"),
            &out("partitions_CPUNET.yml"),
        ])
        .args([
            "--input-regions",
            &out("regions.yml"),
            &out("regions_CPUNET.yml"),
        ])
        .args(["--config-file", &out("pm_CPUNET.config")])
        .args([
            "--images",
            "CPUNET:ipc_radio",
            "--header-files",
            &out("CPUNET/ipc_radio/pm_config.h"),
        ])
        .status()
        .unwrap();
    assert!(st.success());
    let h = fs::read_to_string(tmp.path().join("CPUNET/ipc_radio/pm_config.h")).unwrap();
    let e = fs::read_to_string(c.join("expected_pm_config_CPUNET_ipc_radio.h")).unwrap();
    assert_eq!(h.split_once('\n').unwrap().1, e.split_once('\n').unwrap().1);
    // A CPUNET-only pm.config.
    let st = bin()
        .args([
            "output",
            "--input-partitions",
            &out("partitions_CPUNET.yml"),
            "--input-regions",
            &out("regions_CPUNET.yml"),
            "--config-file",
            &out("only.config"),
        ])
        .status()
        .unwrap();
    assert!(st.success());
    assert_eq!(
        fs::read_to_string(tmp.path().join("only.config")).unwrap(),
        fs::read_to_string(c.join("expected_pm_CPUNET.config")).unwrap()
    );
}

#[test]
fn failure_exits_1_and_leaves_outputs_alone() {
    let c = case("fail_static_two_gaps");
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("partitions.yml");
    fs::write(&p, "old").unwrap();
    let o = bin()
        .arg("--input-files")
        .args(inputs(&c))
        .arg("--static-config")
        .arg(c.join("pm_static.yml"))
        .args([
            "--output-partitions",
            &p.display().to_string(),
            "--output-regions",
            &tmp.path().join("r.yml").display().to_string(),
        ])
        .args([
            "--regions",
            "flash_primary",
            "--flash_primary-size",
            "0x100000",
            "--flash_primary-placement-strategy",
            "complex",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("Incorrect amount of gaps"));
    assert_eq!(fs::read_to_string(&p).unwrap(), "old");
    assert!(!tmp.path().join("r.yml").exists());
}

#[test]
fn argument_errors_exit_2() {
    let o = bin()
        .args([
            "--input-files",
            "x",
            "--output-partitions",
            "a",
            "--output-regions",
            "b",
            "--regions",
            "foo",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let o = bin()
        .args([
            "--input-files",
            "x",
            "--output-partitions",
            "a",
            "--output-regions",
            "b",
            "--bogus",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn json_and_report() {
    let c = case("alignment_synthetic");
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("partitions.yml").display().to_string();
    let o = bin()
        .arg("--input-files")
        .args(inputs(&c))
        .args([
            "--output-partitions",
            &p,
            "--output-regions",
            &tmp.path().join("regions.yml").display().to_string(),
        ])
        .args([
            "--regions",
            "flash_primary",
            "--flash_primary-size",
            "0x10000",
            "--flash_primary-placement-strategy",
            "complex",
            "--json",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v.get("partitions").is_some() || v.get("error").is_some());
    if o.status.success() {
        let svg = tmp.path().join("m.svg");
        let r = bin()
            .args(["report", "-i", &p, "--svg", &svg.display().to_string()])
            .output()
            .unwrap();
        assert!(r.status.success());
        assert!(String::from_utf8_lossy(&r.stdout).contains("flash_primary"));
        assert!(fs::read_to_string(svg).unwrap().starts_with("<svg"));
    }
}

/// Region settings are looked up by name prefix (spec §4.1): each region takes every
/// `--<name>...` setting whose argparse name starts with its own name and strips every
/// `<name>_` from it. A region `flash` listed with `flash_primary` therefore also carries
/// `flash_primary`'s settings (as `primary_size`, `primary_device`, ...), which end up in
/// `regions.yml`; its own settings are unchanged.
#[test]
fn region_settings_by_name_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("pm.yml");
    fs::write(
        &input,
        // In region `flash`: a partition of `flash_primary` would be taken by `flash` as
        // well (a region takes every partition whose region name contains its own name),
        // an error of its own (tests/issue17.rs).
        "boot: {size: 0x1000, region: flash}\n",
    )
    .unwrap();
    let regions = dir.path().join("regions.yml");
    let st = bin()
        .args(["--input-files", input.to_str().unwrap()])
        .args([
            "--output-partitions",
            dir.path().join("p.yml").to_str().unwrap(),
        ])
        .args(["--output-regions", regions.to_str().unwrap()])
        .args(["--regions", "flash_primary", "flash"])
        .args([
            "--flash_primary-size",
            "0x10000",
            "--flash_primary-placement-strategy",
            "complex",
        ])
        .args(["--flash_primary-device", "flash_controller"])
        .args(["--flash-size", "0x2000", "--flash-base-address", "0x100000"])
        .status()
        .unwrap();
    assert!(st.success());
    let r = yaml::load(&fs::read_to_string(&regions).unwrap()).unwrap();
    let flash = r.as_map().unwrap()["flash"].as_map().unwrap();
    let keys: Vec<&str> = flash.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "base_address",
            "default_driver_kconfig",
            "device",
            "dynamic_partition",
            "name",
            "placement_strategy",
            "primary_base_address",
            "primary_default_driver_kconfig",
            "primary_device",
            "primary_dynamic_partition",
            "primary_placement_strategy",
            "primary_size",
            "size",
        ]
    );
    assert_eq!(flash["size"].as_int(), Some(0x2000));
    assert_eq!(flash["base_address"].as_int(), Some(0x100000));
    assert_eq!(flash["device"].as_str(), Some(""));
    assert_eq!(flash["primary_size"].as_int(), Some(0x10000));
    assert_eq!(flash["primary_base_address"].as_int(), Some(0));
    assert_eq!(flash["primary_device"].as_str(), Some("flash_controller"));
    assert_eq!(
        flash["primary_placement_strategy"].as_str(),
        Some("complex")
    );
    assert!(matches!(
        flash["primary_dynamic_partition"],
        yaml::Value::Null
    ));
    let fp = r.as_map().unwrap()["flash_primary"].as_map().unwrap();
    assert_eq!(
        fp.len(),
        7,
        "flash_primary does not start with 'flash_' + its own name"
    );
}

/// A region listed twice is an argument error (exit 2), as argparse's conflicting option
/// strings are, not a crash.
#[test]
fn region_listed_twice_is_an_argument_error() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("pm.yml");
    fs::write(&input, "b: {size: 0x10}\n").unwrap();
    let out = bin()
        .args(["--input-files", input.to_str().unwrap()])
        .args([
            "--output-partitions",
            dir.path().join("p.yml").to_str().unwrap(),
        ])
        .args([
            "--output-regions",
            dir.path().join("r.yml").to_str().unwrap(),
        ])
        .args(["--regions", "a", "a", "--a-size", "0x100"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("listed twice"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!dir.path().join("p.yml").exists());
}
