//! Cases for the differential comparison with the reference tool (issue 17): every NCS
//! static layout alone and with a settings partition added ([`ncs_static`]), and a seeded
//! generator of realistic `pm.yml` sets ([`generated`]).
//!
//! Why here and not in a test: the recording script (`scripts/record-pm-reference`) runs
//! the reference tool on exactly these cases (written out by the `pm_cases` example), and
//! the test `tests/differential.rs` rebuilds them to compare with the recordings. One
//! definition serves both, and each case carries a [`fingerprint`] of its inputs so that a
//! changed generator is caught instead of comparing against recordings of other inputs.

use crate::model::{DomainInput, Fragment, Region, Strategy};
use crate::yaml::{self, Map, Value};
use std::fmt::Write as _;

/// One case: a name (stable, used to find its recording) and a domain's inputs.
#[derive(Debug, Clone)]
pub struct Case {
    /// `ncs/<path>[+settings]` or `gen/<seed>`.
    pub name: String,
    /// Regions, fragments and static configuration.
    pub input: DomainInput,
}

/// The NCS build's settings fragment (`pm.yml.settings`) as it reads after preprocessing for
/// a typical board: the partition added to every static layout.
pub const SETTINGS_FRAGMENT: &str =
    "settings_storage:\n  placement:\n    before: [tfm_storage, end]\n  size: 0x2000\n";

/// Regions of one NCS static layout, as the NCS build would pass them for the board the file
/// was written for: every region the file names, sized to the extent of its entries (the
/// files are copies of finished layouts, which fill their regions). `flash_primary` and
/// `sram_primary` are complex (the latter with itself as dynamic partition), every other
/// region `start_to_end`; the order is the NCS CMake order (`cmake/sysbuild/partition_manager.cmake`). `None` when the file is not a
/// mapping of partitions with integer addresses and sizes.
pub fn ncs_regions(static_text: &str) -> Option<Vec<Region>> {
    let v = yaml::load(static_text).ok()?;
    let m = v.as_map()?;
    let mut extent: Vec<(String, i128, i128)> = Vec::new();
    for (_, e) in m.iter() {
        let e = e.as_map()?;
        let region = e
            .get("region")
            .and_then(Value::as_str)
            .unwrap_or("flash_primary")
            .to_string();
        let (Some(a), Some(s)) = (
            e.get("address").and_then(Value::as_int),
            e.get("size").and_then(Value::as_int),
        ) else {
            continue;
        };
        match extent.iter_mut().find(|x| x.0 == region) {
            Some(x) => {
                x.1 = x.1.min(a);
                x.2 = x.2.max(a + s);
            }
            None => extent.push((region, a, a + s)),
        }
    }
    if !extent.iter().any(|x| x.0 == "flash_primary") {
        return None;
    }
    // A file without an `sram_primary` entry froze only some RAM partitions: the SoC's RAM
    // is larger than their extent (at least 256 KiB on every NCS SoC with a static file).
    if !m.contains_key("sram_primary") {
        if let Some(x) = extent.iter_mut().find(|x| x.0 == "sram_primary") {
            let size = ((x.2 - x.1) as u128).next_power_of_two().max(0x40000) as i128;
            x.2 = x.1 + size;
        }
    }
    const ORDER: [&str; 6] = [
        "sram_primary",
        "otp",
        "bootconf",
        "flash_primary",
        "external_flash",
        "ram_flash",
    ];
    let rank = |n: &str| ORDER.iter().position(|o| *o == n).unwrap_or(ORDER.len());
    extent.sort_by_key(|x| (rank(&x.0), x.0.clone()));
    Some(
        extent
            .into_iter()
            .map(|(name, lo, hi)| {
                let mut r = Region::new(&name, hi - lo);
                r.base_address = lo;
                match name.as_str() {
                    "flash_primary" => {
                        r.strategy = Strategy::Complex;
                        r.device = "flash_controller".into();
                        r.default_driver_kconfig = "CONFIG_SOC_FLASH_NRF".into();
                    }
                    "sram_primary" => {
                        r.strategy = Strategy::Complex;
                        r.dynamic_partition = Some("sram_primary".into());
                    }
                    "ram_flash" => {
                        r.device = "nordic_ram_flash_controller".into();
                        r.default_driver_kconfig = "CONFIG_FLASH_SIMULATOR".into();
                    }
                    "external_flash" => {
                        r.device = "DT_CHOSEN(nordic_pm_ext_flash)".into();
                        r.default_driver_kconfig = "CONFIG_PM_EXTERNAL_FLASH_HAS_DRIVER".into();
                    }
                    _ => {}
                }
                r
            })
            .collect(),
    )
}

/// The case of NCS static layout `path` (its text `text`), alone or with
/// [`SETTINGS_FRAGMENT`] added. `None` when [`ncs_regions`] finds no regions.
pub fn ncs_static(path: &str, text: &str, with_settings: bool) -> Option<Case> {
    let regions = ncs_regions(text)?;
    let fragments = if with_settings {
        vec![Fragment::new("settings.yml", SETTINGS_FRAGMENT)]
    } else {
        vec![Fragment::new("empty.yml", "")]
    };
    Some(Case {
        name: format!("ncs/{path}{}", if with_settings { "+settings" } else { "" }),
        input: DomainInput {
            fragments,
            static_config: Some(Fragment::new("pm_static.yml", text)),
            regions,
        },
    })
}

/// Every static layout under `root` (file names containing `pm_static`), sorted by path,
/// each alone and then with the settings partition: the NCS half of the comparison.
pub fn ncs_cases(root: &std::path::Path) -> std::io::Result<Vec<Case>> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
        for e in std::fs::read_dir(dir)? {
            let p = e?.path();
            if p.is_dir() {
                walk(&p, out)?;
            } else if p
                .file_name()
                .is_some_and(|n| n.to_string_lossy().contains("pm_static"))
            {
                out.push(p);
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    walk(root, &mut files)?;
    files.sort();
    let mut out = Vec::new();
    for f in &files {
        let rel = f
            .strip_prefix(root)
            .unwrap_or(f)
            .to_string_lossy()
            .into_owned();
        let text = std::fs::read_to_string(f)?;
        for with_settings in [false, true] {
            out.extend(ncs_static(&rel, &text, with_settings));
        }
    }
    Ok(out)
}

/// A small deterministic generator (SplitMix64): the cases must be the same on every
/// machine and every run, and no dependency is worth it for this.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn map(entries: Vec<(&str, Value)>) -> Value {
    let mut m = Map::default();
    for (k, v) in entries {
        m.insert(k.to_string(), v);
    }
    Value::from(m)
}

fn list(names: &[&str]) -> Value {
    Value::Seq(names.iter().map(|n| Value::Str(n.to_string())).collect())
}

fn int(i: i128) -> Value {
    Value::Int(i)
}

/// A random alignment (`{start: n}` or `{end: n}`), as NCS writes them.
fn align(r: &mut Rng) -> Value {
    let key = if r.chance(75) { "start" } else { "end" };
    map(vec![(key, int(*r.pick(&[0x1000, 0x2000, 0x4000, 0x8000])))])
}

/// One generated case: regions, `pm.yml` fragments and sometimes a static configuration,
/// built from the parts NCS builds combine (MCUboot with its slots, b0 with `one_of`
/// spans, settings, storage in internal or external flash, RAM partitions, OTP) plus free
/// partitions with every placement feature (`before`/`after`, `align`, `align_next`,
/// `inside`, `share_size` with and without `size`, containers).
pub fn generated(seed: u64) -> Case {
    let mut r = Rng(seed.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ 0x5eed);
    let flash_size = *r.pick(&[0x80000i128, 0x100000, 0x100000, 0x100000, 0x200000]);
    let with_sram = r.chance(60);
    let with_ext = r.chance(30);
    let with_otp = r.chance(15);
    let mut regions = Vec::new();
    if with_sram {
        let mut s = Region::new("sram_primary", *r.pick(&[0x40000i128, 0x80000]));
        s.base_address = 0x2000_0000;
        s.strategy = Strategy::Complex;
        s.dynamic_partition = Some("sram_primary".into());
        regions.push(s);
    }
    if with_otp {
        let mut o = Region::new("otp", 0x2fc);
        o.base_address = 0xff8100;
        regions.push(o);
    }
    let mut f = Region::new("flash_primary", flash_size);
    f.strategy = Strategy::Complex;
    f.device = "flash_controller".into();
    f.default_driver_kconfig = "CONFIG_SOC_FLASH_NRF".into();
    regions.push(f);
    if with_ext {
        let mut e = Region::new("external_flash", 0x800000);
        e.device = "DT_CHOSEN(nordic_pm_ext_flash)".into();
        e.default_driver_kconfig = "CONFIG_PM_EXTERNAL_FLASH_HAS_DRIVER".into();
        regions.push(e);
    }

    let mut files: Vec<(String, Map)> = Vec::new();
    let mut names: Vec<String> = vec!["app".into()];
    let mut containers: Vec<String> = Vec::new();
    let add = |files: &mut Vec<(String, Map)>, file: &str, name: &str, v: Value| match files
        .iter_mut()
        .find(|(n, _)| n == file)
    {
        Some((_, m)) => {
            m.insert(name.to_string(), v);
        }
        None => {
            let mut m = Map::default();
            m.insert(name.to_string(), v);
            files.push((file.to_string(), m));
        }
    };

    let with_b0 = r.chance(25);
    if with_b0 {
        add(
            &mut files,
            "10_b0.yml",
            "b0",
            map(vec![
                ("size", int(*r.pick(&[0x8000, 0x7000]))),
                ("placement", map(vec![("after", list(&["start"]))])),
            ]),
        );
        add(
            &mut files,
            "10_b0.yml",
            "s0_pad",
            map(vec![
                ("share_size", list(&["mcuboot_pad"])),
                (
                    "placement",
                    map(vec![
                        ("after", list(&["b0"])),
                        ("align", map(vec![("start", int(0x1000))])),
                    ]),
                ),
            ]),
        );
        add(
            &mut files,
            "10_b0.yml",
            "s0_image",
            map(vec![(
                "span",
                map(vec![("one_of", list(&["mcuboot", "app"]))]),
            )]),
        );
        add(
            &mut files,
            "10_b0.yml",
            "s0",
            map(vec![("span", list(&["s0_pad", "s0_image"]))]),
        );
        add(
            &mut files,
            "10_b0.yml",
            "s1_image",
            map(vec![
                (
                    "share_size",
                    map(vec![("one_of", list(&["mcuboot", "s0_image"]))]),
                ),
                (
                    "placement",
                    map(vec![
                        ("after", list(&["s1_pad", "s0"])),
                        ("align", map(vec![("start", int(0x1000))])),
                    ]),
                ),
            ]),
        );
        names.extend(["b0", "s0_pad", "s1_image"].map(String::from));
        containers.extend(["s0_image", "s0"].map(String::from));
    }

    let with_mcuboot = r.chance(70);
    if with_mcuboot {
        let mut mcuboot = vec![("size", int(*r.pick(&[0xc000, 0x10000, 0x8000, 0xc000])))];
        let mut pl = vec![("before", list(&["mcuboot_primary"]))];
        if r.chance(20) {
            pl.push(("align", map(vec![("end", int(0x8000))])));
        }
        if with_b0 {
            pl.push(("after", list(&["s0_pad"])));
        }
        mcuboot.push(("placement", map(pl)));
        add(&mut files, "20_mcuboot.yml", "mcuboot", map(mcuboot));
        add(
            &mut files,
            "20_mcuboot.yml",
            "mcuboot_pad",
            map(vec![
                ("size", int(*r.pick(&[0x200, 0x800, 0x200]))),
                (
                    "placement",
                    map(vec![("before", list(&["mcuboot_primary_app"]))]),
                ),
            ]),
        );
        add(
            &mut files,
            "20_mcuboot.yml",
            "mcuboot_primary_app",
            map(vec![("span", list(&["app"]))]),
        );
        add(
            &mut files,
            "20_mcuboot.yml",
            "mcuboot_primary",
            map(vec![(
                "span",
                list(&["mcuboot_pad", "mcuboot_primary_app"]),
            )]),
        );
        let mut sec = vec![("share_size", list(&["mcuboot_primary"]))];
        let mut spl = vec![("after", list(&["mcuboot_primary"]))];
        if r.chance(50) {
            spl.push(("align", map(vec![("start", int(0x1000))])));
        }
        if with_ext && r.chance(50) {
            sec.push(("region", Value::Str("external_flash".into())));
            spl = vec![("before", list(&["end"]))];
        }
        sec.push(("placement", map(spl)));
        add(&mut files, "20_mcuboot.yml", "mcuboot_secondary", map(sec));
        names.extend(["mcuboot", "mcuboot_pad", "mcuboot_secondary"].map(String::from));
        containers.extend(["mcuboot_primary_app", "mcuboot_primary"].map(String::from));
        if r.chance(15) {
            add(
                &mut files,
                "20_mcuboot.yml",
                "mcuboot_scratch",
                map(vec![
                    ("size", int(0x1e000)),
                    (
                        "placement",
                        map(vec![
                            ("after", list(&["app"])),
                            ("align", map(vec![("start", int(0x1000))])),
                        ]),
                    ),
                ]),
            );
            names.push("mcuboot_scratch".into());
        }
    }

    if r.chance(60) {
        let mut pl = vec![("before", list(&["tfm_storage", "end"]))];
        if r.chance(30) {
            pl.push((
                "align",
                map(vec![("start", int(*r.pick(&[0x1000, 0x8000])))]),
            ));
        }
        add(
            &mut files,
            "30_settings.yml",
            "settings_storage",
            map(vec![
                ("size", int(*r.pick(&[0x2000, 0x4000, 0x6000]))),
                ("placement", map(pl)),
            ]),
        );
        names.push("settings_storage".into());
    }
    if with_ext && r.chance(60) {
        add(
            &mut files,
            "40_storage.yml",
            "littlefs_storage",
            map(vec![
                ("size", int(0x100000)),
                ("region", Value::Str("external_flash".into())),
                ("placement", map(vec![("before", list(&["end"]))])),
            ]),
        );
    }
    if with_otp {
        add(
            &mut files,
            "40_storage.yml",
            "provision",
            map(vec![
                ("size", int(0x280)),
                ("region", Value::Str("otp".into())),
            ]),
        );
    }
    if with_sram {
        for i in 0..r.below(3) {
            let name = format!("ram{i}_sram");
            let anchor = if r.chance(50) { "after" } else { "before" };
            let end = if anchor == "after" { "start" } else { "end" };
            let mut e = vec![
                ("size", int(*r.pick(&[0x1000, 0x2000, 0x8000, 0x10000]))),
                ("placement", map(vec![(anchor, list(&[end]))])),
            ];
            if r.chance(5) && names.iter().any(|n| n == "settings_storage") {
                // A RAM partition sized like a flash partition (issue 17 item 7).
                e = vec![
                    ("share_size", list(&["settings_storage"])),
                    ("placement", map(vec![(anchor, list(&[end]))])),
                ];
            }
            add(&mut files, "50_ram.yml", &name, map(e));
        }
    }

    // Free partitions with every placement feature.
    let n_free = r.below(5);
    let mut free_names: Vec<String> = Vec::new();
    for i in 0..n_free {
        let name = format!("part{i}");
        let mut e: Vec<(&str, Value)> = Vec::new();
        let sized = r.chance(80);
        if sized {
            e.push((
                "size",
                int(*r.pick(&[0x1000, 0x2000, 0x4000, 0x1100, 0x900, 0x8000, 0x20000])),
            ));
        }
        if !sized || r.chance(15) {
            // Not `app` itself: the reference crashes on that (KeyError), a known case.
            let mut pool: Vec<&str> = names[1..].iter().map(String::as_str).collect();
            pool.extend(containers.iter().map(String::as_str));
            let src = if pool.is_empty() {
                "mcuboot_primary".to_string()
            } else {
                r.pick(&pool).to_string()
            };
            e.push(("share_size", list(&[&src])));
        }
        let mut pl: Vec<(&str, Value)> = Vec::new();
        let dir = if r.chance(50) { "before" } else { "after" };
        let mut anchors: Vec<&str> = vec![if dir == "before" { "end" } else { "start" }, "app"];
        anchors.extend(names.iter().map(String::as_str));
        anchors.extend(free_names.iter().map(String::as_str));
        let a = r.pick(&anchors).to_string();
        if r.chance(90) {
            pl.push((dir, list(&[&a])));
        }
        if r.chance(30) {
            pl.push(("align", align(&mut r)));
        }
        if r.chance(10) {
            pl.push(("align_next", int(*r.pick(&[0x1000, 0x2000]))));
        }
        if !pl.is_empty() {
            e.push(("placement", map(pl)));
        }
        if r.chance(8) && !containers.is_empty() {
            let c = r.pick(&containers).to_string();
            e.push(("inside", list(&[&c])));
        }
        add(&mut files, "60_extra.yml", &name, map(e));
        free_names.push(name);
    }
    if free_names.len() >= 2 && r.chance(30) {
        let a = free_names[0].clone();
        let b = free_names[1].clone();
        add(
            &mut files,
            "60_extra.yml",
            "extra_container",
            map(vec![("span", list(&[&a, &b]))]),
        );
    }

    // A static subset: a bootloader frozen at the start of flash, sometimes settings at the
    // end and the region's `app` entry as NCS files have it.
    let mut static_config = None;
    if with_mcuboot && r.chance(25) {
        let mcuboot_size = 0xc000;
        let mut st = Map::default();
        st.insert(
            "mcuboot".into(),
            map(vec![
                ("address", int(0)),
                ("size", int(mcuboot_size)),
                ("region", Value::Str("flash_primary".into())),
            ]),
        );
        let mut top = flash_size;
        if r.chance(50) {
            top -= 0x2000;
            st.insert(
                "settings_storage".into(),
                map(vec![
                    ("address", int(top)),
                    ("size", int(0x2000)),
                    ("region", Value::Str("flash_primary".into())),
                ]),
            );
        }
        if r.chance(30) {
            st.insert(
                "app".into(),
                map(vec![
                    ("address", int(mcuboot_size + 0x200)),
                    ("size", int(top - mcuboot_size - 0x200)),
                    ("region", Value::Str("flash_primary".into())),
                ]),
            );
        }
        static_config = Some(Fragment::new(
            "pm_static.yml",
            yaml::dump(&Value::from(st), yaml::IntStyle::Hex),
        ));
    }

    if files.is_empty() {
        files.push(("00_empty.yml".into(), Map::default()));
    }
    let fragments = files
        .into_iter()
        .map(|(name, m)| Fragment::new(name, yaml::dump(&Value::from(m), yaml::IntStyle::Hex)))
        .collect();
    Case {
        name: format!("gen/{seed}"),
        input: DomainInput {
            fragments,
            static_config,
            regions,
        },
    }
}

/// The case as JSON: what the recording script needs to run the reference tool (regions
/// with every setting, fragment texts in order, static configuration text) and the
/// [`fingerprint`] to store beside the outcome.
pub fn to_json(case: &Case) -> serde_json::Value {
    let mut v = inputs_json(case);
    v["fingerprint"] = serde_json::Value::String(fingerprint(case));
    v
}

fn inputs_json(case: &Case) -> serde_json::Value {
    let regions: Vec<serde_json::Value> = case
        .input
        .regions
        .iter()
        .map(|r| {
            serde_json::json!({
                "name": r.name,
                "size": r.size as i64,
                "base_address": r.base_address as i64,
                "placement_strategy": r.strategy.as_str(),
                "device": r.device,
                "default_driver_kconfig": r.default_driver_kconfig,
                "dynamic_partition": r.dynamic_partition,
            })
        })
        .collect();
    let frag = |f: &Fragment| serde_json::json!({"name": f.name, "text": f.text});
    serde_json::json!({
        "name": case.name,
        "regions": regions,
        "inputs": case.input.fragments.iter().map(frag).collect::<Vec<_>>(),
        "static_config": case.input.static_config.as_ref().map(frag),
    })
}

/// FNV-1a (64 bits) of the case's inputs in JSON: equal fingerprints mean the recording was
/// made on these very inputs.
pub fn fingerprint(case: &Case) -> String {
    let text = inputs_json(case).to_string();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let mut s = String::new();
    let _ = write!(s, "{h:016x}");
    s
}
