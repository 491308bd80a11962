//! Issue 17: partition-solver on real NCS inputs. One test per fixed item; the layouts
//! themselves are compared with the reference's recordings in `tests/differential.rs`.

use partition_solver::{solve, DomainInput, Fragment, Options, Region, Strategy};
use proptest::prelude::*;
use std::fs;
use std::path::Path;

fn flash(size: i128) -> Region {
    let mut r = Region::new("flash_primary", size);
    r.strategy = Strategy::Complex;
    r
}

const MCUBOOT: &str = "mcuboot: {size: 0xc000, placement: {before: [mcuboot_primary]}}
mcuboot_pad: {size: 0x200, placement: {before: [mcuboot_primary_app]}}
mcuboot_primary_app: {span: [app]}
mcuboot_primary: {span: [mcuboot_pad, mcuboot_primary_app]}
";

/// Item 2: `share_size` of a container spanning `app` plus an own `size`: the reference
/// subtracts the size once before splitting; the linear cross-check must model that
/// instead of stopping with "internal check failed".
#[test]
fn share_size_with_own_size_passes_the_cross_check() {
    let text = format!(
        "{MCUBOOT}x: {{share_size: [mcuboot_primary], size: 0x1000, placement: {{before: [y]}}}}
y: {{size: 0x1100, placement: {{before: [end], align: {{start: 0x1000}}}}}}
"
    );
    let input = DomainInput {
        fragments: vec![Fragment::new("pm.yml", text)],
        static_config: None,
        regions: vec![flash(0x100000)],
    };
    let sol = solve(&input, &Options::default()).unwrap_or_else(|e| panic!("{e}"));
    // The sharer is its source less its own size (what the reference computes).
    let primary = sol.size("mcuboot_primary").unwrap();
    assert_eq!(sol.size("x").unwrap(), primary - 0x1000);
}

/// MCUboot's secondary slot: a second sharer of `mcuboot_primary`, without an own size.
const SECONDARY: &str =
    "mcuboot_secondary: {share_size: [mcuboot_primary], placement: {after: [mcuboot_primary]}}\n";

/// Item 2 with a second sharer (generated case gen/148 has this shape): the reference takes
/// the own size from the whole dynamic space once and gives every sharer of the source the
/// same part, so the sharer with an own size is as large as the one without. The linear
/// cross-check modelled each sharer as its source less its own size and stopped.
#[test]
fn two_sharers_one_with_own_size_pass_the_cross_check() {
    let text = format!(
        "{MCUBOOT}{SECONDARY}x: {{share_size: [mcuboot_primary], size: 0x900, placement: {{before: [end]}}}}\n"
    );
    let input = DomainInput {
        fragments: vec![Fragment::new("pm.yml", text)],
        static_config: None,
        regions: vec![flash(0x100000)],
    };
    let sol = solve(&input, &Options::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sol.size("x"), sol.size("mcuboot_secondary"));
}

/// Sharers of two different containers that both span `app` each divide the whole dynamic
/// space (gen/292): the reference's layout leaves `app` a fraction of its sharers' size;
/// rejected with the property named (a sharer larger than its source).
#[test]
fn sharers_of_two_containers_of_app_are_rejected() {
    let text = format!(
        "{MCUBOOT}{SECONDARY}x: {{share_size: [mcuboot_primary_app], size: 0x8000, placement: {{before: [mcuboot_pad]}}}}\n"
    );
    let input = DomainInput {
        fragments: vec![Fragment::new("pm.yml", text)],
        static_config: None,
        regions: vec![flash(0x100000)],
    };
    let e = solve(&input, &Options::default()).unwrap_err().to_string();
    assert!(e.contains("more than its source"), "{e}");
    assert!(e.contains("'x' shares 'mcuboot_primary_app'"), "{e}");
}

/// Item 1: every restart of the address passes inserts a padding; the number of restarts
/// is bounded by the aligned partitions, so no input makes the solver spin. Random
/// `share_size` + `size` + `align` combinations all end (with a layout or an error) without
/// a timing assertion: the bound is what guarantees it.
fn sharer_case(
    own: u32,
    align_x: u32,
    y_size: u32,
    align_y: u32,
    y_first: bool,
    secondary: bool,
) -> DomainInput {
    let ax = match align_x {
        0 => String::new(),
        a => format!(
            ", align: {{{}: {:#x}}}",
            if a % 2 == 0 { "start" } else { "end" },
            0x1000 << (a % 4)
        ),
    };
    let ay = format!(
        "{}: {:#x}",
        if align_y.is_multiple_of(2) {
            "start"
        } else {
            "end"
        },
        0x1000 << (align_y % 4)
    );
    let (xp, yp) = if y_first {
        ("before: [end]", "before: [x]")
    } else {
        ("before: [y]", "before: [end]")
    };
    let mut text = format!(
        "{MCUBOOT}x: {{share_size: [mcuboot_primary], size: {:#x}, placement: {{{xp}{ax}}}}}
y: {{size: {y_size:#x}, placement: {{{yp}, align: {{{ay}}}}}}}
",
        own * 4
    );
    if secondary {
        text.push_str(SECONDARY);
    }
    DomainInput {
        fragments: vec![Fragment::new("pm.yml", text)],
        static_config: None,
        regions: vec![flash(0x100000)],
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn share_size_size_align_terminates(
        own in 0u32..0x4000,
        align_x in 0u32..8,
        y_size in prop::sample::select(vec![0x900u32, 0x1000, 0x1100, 0x2000, 0x3300]),
        align_y in 0u32..8,
        y_first in any::<bool>(),
        secondary in any::<bool>(),
    ) {
        let input = sharer_case(own, align_x, y_size, align_y, y_first, secondary);
        for compat in [false, true] {
            // Terminates: an Ok layout or an error, never a panic, and never the linear
            // cross-check's internal error (item 2: the model describes the reference's
            // split, a second sharer of the same source included).
            if let Err(e) = solve(&input, &Options { compat }) {
                prop_assert!(!e.to_string().contains("internal check"), "{}", e);
            }
        }
    }
}

#[test]
fn restart_limit_grows_with_aligned_partitions() {
    let sol: Vec<String> = (0..10).map(|i| format!("p{i}")).collect();
    let l = partition_solver::sizes::restart_limit(&sol, |p| p < "p5");
    assert_eq!(l, 4 * 5 + 16);
}

fn ncs(path: &str) -> String {
    fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/corpus/pm/ncs/nrf")
            .join(path),
    )
    .unwrap()
}

fn ncs_case(path: &str) -> DomainInput {
    partition_solver::cases::ncs_static(path, &ncs(path), false)
        .unwrap()
        .input
}

/// Item 3: a static container larger than its members (the `mcuboot_primary_2` entry of
/// the NCS nRF70 layouts) is sound and accepted by default.
#[test]
fn static_container_larger_than_members_is_accepted() {
    for f in [
        "samples/matter/lock/pm_static_nrf7002dk_nrf5340_cpuapp.yml",
        "samples/matter/lock/pm_static_nrf7002dk_nrf5340_cpuapp_nrf7001.yml",
    ] {
        let sol = solve(&ncs_case(f), &Options::default()).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert!(sol.warnings.is_empty());
    }
}

/// Item 3, the other side: a container that a new partition moved into is still broken.
#[test]
fn static_container_covering_a_new_partition_is_rejected() {
    let f = "samples/dfu/dfu_target/pm_static_nrf52840dk_nrf52840.yml";
    let case = partition_solver::cases::ncs_static(f, &ncs(f), true).unwrap();
    let e = solve(&case.input, &Options::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("mcuboot_primary") && e.contains("settings_storage"),
        "{e}"
    );
}

/// Item 4: a static `app` entry is ignored (its space is recomputed) and takes no part in
/// the overlap checks.
#[test]
fn static_app_entry_is_not_an_overlap() {
    for f in [
        "samples/bluetooth/mesh/dfu/target/pm_static_nrf52840dongle_nrf52840.yml",
        "samples/dfu/dfu_target/pm_static_nrf54l15dk_nrf54l15_cpuapp.yml",
    ] {
        solve(&ncs_case(f), &Options::default()).unwrap_or_else(|e| panic!("{f}: {e}"));
    }
}

/// A size sharer placed first and a padding inserted later (gen/55's shape): the padding
/// shrinks every dynamic partition, the first one included, so every address behind it
/// moves. The solver resumed without recomputing them and failed its own address check
/// ("invalid address"); the reference starts over, and so does the solver now. The layout
/// itself is compared with the reference's recording of gen/55 in `tests/differential.rs`.
#[test]
fn padding_behind_a_sharer_placed_first_moves_what_follows_it() {
    // (`after: [mcuboot]` in place of `before: [end]` the reference rejects too: its
    // padding leaves sizes that do not tile the area.)
    {
        let y_place = "before: [end]";
        let text = format!(
            "{MCUBOOT}{SECONDARY}first: {{share_size: [mcuboot_secondary], placement: {{after: [start], align: {{start: 0x1000}}}}}}
y: {{size: 0x1100, placement: {{{y_place}, align: {{start: 0x1000}}}}}}
"
        );
        let input = DomainInput {
            fragments: vec![Fragment::new("pm.yml", text)],
            static_config: None,
            regions: vec![flash(0x100000)],
        };
        let sol = solve(&input, &Options::default()).unwrap_or_else(|e| panic!("{y_place}: {e}"));
        assert_eq!(sol.address("first"), Some(0));
        assert_eq!(sol.address("y").map(|a| a % 0x1000), Some(0), "{y_place}");
    }
}

/// Item 7: a RAM partition sharing the size of a flash partition makes the reference solve
/// RAM after flash, and its RAM region's auxiliary `app` container then replaces the
/// image's flash `app` (gen/189). The sound layout is written, never silently: a warning
/// says how and why it differs from the reference's.
#[test]
fn ram_sharer_of_flash_partition_warns_about_the_kept_app() {
    let mut ram = Region::new("sram_primary", 0x80000);
    ram.strategy = Strategy::Complex;
    ram.base_address = 0x2000_0000;
    ram.dynamic_partition = Some("sram_primary".into());
    let input = DomainInput {
        fragments: vec![Fragment::new(
            "pm.yml",
            "settings_storage: {size: 0x6000, placement: {before: [end]}}
ram1_sram: {share_size: [settings_storage], placement: {after: [start]}}
",
        )],
        static_config: None,
        regions: vec![ram, flash(0x100000)],
    };
    let sol = solve(&input, &Options::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        sol.partitions["app"].as_map().unwrap()["region"].as_str(),
        Some("flash_primary")
    );
    assert_eq!(sol.warnings.len(), 1, "{:?}", sol.warnings);
    let w = &sol.warnings[0];
    assert!(
        w.contains("partition_manager.py")
            && w.contains("'ram1_sram' shares the size of 'settings_storage'"),
        "{w}"
    );
}

/// Item 6: a partition name YAML 1.1 reads as another type than a string (the reference
/// crashes, or names a partition `True`) is a located error that suggests quoting; quoted,
/// the same name is an ordinary partition.
#[test]
fn non_string_partition_names_are_located_errors() {
    for (key, kind) in [
        ("123", "integer"),
        ("on", "boolean"),
        ("yes", "boolean"),
        ("0x10", "integer"),
        ("~", "null"),
        ("1.5", "float"),
    ] {
        let text = format!("ok: {{size: 0x1000, placement: {{after: [start]}}}}\n{key}:\n  size: 0x1000\n  placement: {{before: [end]}}\n");
        for static_file in [false, true] {
            let f = Fragment::new("p/pm.yml", text.clone());
            let input = DomainInput {
                fragments: if static_file { vec![] } else { vec![f.clone()] },
                static_config: static_file.then_some(f),
                regions: vec![flash(0x100000)],
            };
            let e = solve(&input, &Options::default()).unwrap_err().to_string();
            assert!(e.starts_with("p/pm.yml:2:1: "), "{key}: {e}");
            assert!(
                e.contains(kind) && e.contains(&format!("'{key}':")),
                "{key}: {e}"
            );
        }
        let quoted = format!("'{key}':\n  size: 0x1000\n  placement: {{before: [end]}}\n");
        let input = DomainInput {
            fragments: vec![Fragment::new("pm.yml", quoted)],
            static_config: None,
            regions: vec![flash(0x100000)],
        };
        let sol = solve(&input, &Options::default()).unwrap_or_else(|e| panic!("{key}: {e}"));
        assert_eq!(sol.size(key), Some(0x1000));
    }
}

fn region(name: &str, size: i128, base: i128) -> Region {
    let mut r = Region::new(name, size);
    r.base_address = base;
    r
}

/// Item 8: partitions both tools leave out or misplace without a word. A partition whose
/// region was not passed (or was passed as `ext-flash`, which the command line turns into
/// `ext_flash`) is dropped with a warning naming it and the rule; a partition that two
/// regions take (`flash` beside `flash_primary`: a region takes every partition whose
/// region name contains its own) is an error naming both (a warning with `compat`).
#[test]
fn silently_dropped_partitions_are_named() {
    let input = |text: &str, extra: Region| DomainInput {
        fragments: vec![Fragment::new("pm.yml", text)],
        static_config: None,
        regions: vec![flash(0x100000), extra],
    };
    // Region not passed.
    let sol = solve(
        &input(
            "data: {size: 0x1000, region: external_flash}\n",
            region("otp", 0x100, 0),
        ),
        &Options::default(),
    )
    .unwrap();
    assert!(sol.partitions.get("data").is_none());
    assert_eq!(sol.warnings.len(), 1, "{:?}", sol.warnings);
    assert!(sol.warnings[0].contains("'data'") && sol.warnings[0].contains("'external_flash'"));
    // `ext-flash` on the command line is region `ext_flash`.
    let sol = solve(
        &input(
            "data: {size: 0x1000, region: ext-flash}\n",
            region("ext_flash", 0x10000, 0x200000),
        ),
        &Options::default(),
    )
    .unwrap();
    assert!(
        sol.warnings[0].contains("write 'region: ext_flash'"),
        "{:?}",
        sol.warnings
    );
    // `flash` takes `flash_primary`'s partitions too.
    let doubled = input(
        "boot: {size: 0x1000, placement: {after: [start]}}\n",
        region("flash", 0x2000, 0x100000),
    );
    let e = solve(&doubled, &Options::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("'boot'") && e.contains("rename region 'flash'"),
        "{e}"
    );
    let sol = solve(&doubled, &Options { compat: true }).unwrap();
    assert!(sol.warnings.iter().any(|w| w.contains("'boot'")));
}
