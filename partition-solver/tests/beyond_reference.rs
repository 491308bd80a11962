//! Layouts the reference tool writes silently broken (spec §6 last row, §7) are errors by
//! default, warnings with `compat`; messages name partitions, files and bytes.

use partition_solver::{solve, DomainInput, Error, Fragment, Options, Region, Strategy};

fn flash(size: i128) -> Region {
    let mut r = Region::new("flash_primary", size);
    r.strategy = Strategy::Complex;
    r.device = "flash_controller".into();
    r
}

fn ext(size: i128) -> Region {
    let mut r = Region::new("external_flash", size);
    r.device = "DT_CHOSEN(nordic_pm_ext_flash)".into();
    r
}

fn run(pm: &str, stat: Option<&str>, regions: Vec<Region>) -> (Result<(), Error>, Vec<String>) {
    let input = DomainInput {
        fragments: vec![Fragment::new("app/pm.yml", pm)],
        static_config: stat.map(|s| Fragment::new("app/pm_static.yml", s)),
        regions,
    };
    let strict = solve(&input, &Options::default()).map(|_| ());
    let compat = solve(&input, &Options { compat: true })
        .map(|s| s.warnings)
        .unwrap_or_default();
    (strict, compat)
}

fn message(r: Result<(), Error>) -> String {
    match r {
        Err(e @ Error::Layout(_)) => e.to_string(),
        other => panic!("expected a layout error, got {other:?}"),
    }
}

#[test]
fn stale_external_flash_free_space_pushes_partitions_out() {
    // sdk-nrf PR #17255: the static file holds the free-space partition of the whole device.
    let stat = "external_flash: {address: 0x0, size: 0x800000, region: external_flash}\n";
    let pm = "modem_trace: {size: 0x100000, region: external_flash}\n";
    let (r, warnings) = run(pm, Some(stat), vec![flash(0x100000), ext(0x800000)]);
    let m = message(r);
    assert!(
        m.contains("modem_trace") && m.contains("outside region 'external_flash'"),
        "{m}"
    );
    assert!(m.contains("app/pm.yml"), "{m}");
    assert!(!warnings.is_empty());
}

#[test]
fn overlapping_static_partitions() {
    let stat = "a: {address: 0x0, size: 0x3000}\nb: {address: 0x2000, size: 0x2000}\n";
    let (r, _) = run("", Some(stat), vec![flash(0x10000)]);
    let m = message(r);
    assert!(
        m.contains("'a'") && m.contains("'b'") && m.contains("overlap by 0x1000"),
        "{m}"
    );
}

#[test]
fn over_subscribed_simple_region() {
    let pm = "a: {size: 0x300, region: otp}\nb: {size: 0x100, region: otp}\n";
    let (r, _) = run(pm, None, vec![flash(0x10000), Region::new("otp", 0x2fc)]);
    let m = message(r);
    assert!(
        m.contains("over-subscribed") && m.contains("0x104 short"),
        "{m}"
    );
}

#[test]
fn user_partition_named_like_padding() {
    // One name contains "EMPTY", so the first padding is numbered EMPTY_1 and replaces it.
    let pm = "EMPTY_1: {size: 0x100, placement: {after: [start]}}\nx: {size: 0x100, placement: {after: [EMPTY_1], align: {start: 0x1000}}}\n";
    let input = DomainInput {
        fragments: vec![Fragment::new("c/pm.yml", pm)],
        static_config: None,
        regions: vec![flash(0x10000)],
    };
    let m = solve(&input, &Options::default()).unwrap_err().to_string();
    assert!(
        m.contains("generated padding 'EMPTY_1'")
            && m.contains("(from c/pm.yml)")
            && m.contains("rename that partition"),
        "{m}"
    );
}

#[test]
fn unsatisfiable_order_names_the_rules_and_files() {
    let pm =
        "x: {size: 0x100, placement: {before: [y]}}\ny: {size: 0x100, placement: {before: [x]}}\n";
    let input = DomainInput {
        fragments: vec![Fragment::new("a/pm.yml", pm)],
        static_config: None,
        regions: vec![flash(0x10000)],
    };
    let m = solve(&input, &Options::default()).unwrap_err().to_string();
    assert!(
        m.contains("'x' (from a/pm.yml) before 'y'")
            && m.contains("'y' (from a/pm.yml) before 'x'"),
        "{m}"
    );
}

#[test]
fn bad_values_name_file_line_and_column() {
    let pm = "ok: {size: 0x100, placement: {after: [start]}}\nbad:\n  size: CONFIG_FOO\n";
    let input = DomainInput {
        fragments: vec![Fragment::new("b/pm.yml", pm)],
        static_config: None,
        regions: vec![flash(0x10000)],
    };
    let m = solve(&input, &Options::default()).unwrap_err().to_string();
    assert!(
        m.starts_with("b/pm.yml:2:1:") && m.contains("CONFIG_FOO") && m.contains("autoconf.h"),
        "{m}"
    );
}
