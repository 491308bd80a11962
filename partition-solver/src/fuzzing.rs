//! Bodies of the cargo-fuzz targets in `partition-solver/fuzz/`, kept in the library so
//! that a normal test runs them over the corpus (the fuzzer itself needs nightly). Each
//! must return normally on every input: errors are fine, panics are bugs.

use crate::model::{DomainInput, Fragment, Options, Region, Strategy};
use crate::preprocess::Preprocessor;

/// YAML readers: the fast subset reader and the general parser must agree whenever the
/// fast one accepts the text, and a loaded value must survive a dump/load round trip.
pub fn yaml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let general = crate::yaml::load_general(text);
    if let Some((fast, _)) = crate::yaml_fast::load(text) {
        if let Ok((g, _)) = &general {
            assert!(
                fast == *g,
                "fast and general YAML readers disagree on {text:?}"
            );
        }
    }
    if let Ok((v, _)) = general {
        let dumped = crate::yaml::dump(&v, crate::yaml::IntStyle::Hex);
        let back = crate::yaml::load(&dumped).expect("a dumped value must load again");
        let has_float = dumped.contains(".nan") || dumped.contains('.');
        assert!(has_float || back == v, "round trip changed {text:?}");
    }
}

/// The preprocessor on arbitrary text, with a small `autoconf.h`.
pub fn preprocess(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let pp = Preprocessor::new()
        .with_autoconf("#define CONFIG_A 0x1000\n#define CONFIG_B 1\n#define CONFIG_C\n");
    let _ = pp.run("fuzz.yml", text);
}

/// The whole solver and output writers on an arbitrary `pm.yml`, in a flash, RAM and OTP
/// region, with and without `--compat`.
pub fn solve(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut flash = Region::new("flash_primary", 0x100000);
    flash.strategy = Strategy::Complex;
    flash.device = "flash_controller".into();
    let mut ram = Region::new("sram_primary", 0x40000);
    ram.base_address = 0x2000_0000;
    ram.strategy = Strategy::Complex;
    ram.dynamic_partition = Some("sram_primary".into());
    let otp = Region::new("otp", 0x2fc);
    let input = DomainInput {
        fragments: vec![Fragment::new("fuzz.yml", text)],
        static_config: None,
        regions: vec![ram, otp, flash],
    };
    for compat in [false, true] {
        if let Ok(sol) = crate::solve(&input, &Options { compat }) {
            let _ = sol.partitions_yaml();
            let layouts = [crate::output::DomainLayout::from_solution("", &sol)];
            let _ = crate::output::pm_config(&layouts);
            let _ = crate::output::pm_config_h(&layouts, "", "app", "pm_config.h", "fuzz");
        }
    }
}
