//! Large synthetic inputs for benchmarks and scaling tests, shaped like the corpus's
//! `gen_synthetic.py` cases (one complex `flash_primary` region, partitions `p00000`...).

use crate::model::{DomainInput, Fragment, Region, Strategy};
use std::fmt::Write as _;

/// The shape of a synthetic case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `p0` after start, each next one after the previous; `app` takes the rest.
    Chain,
    /// The last one before end, each one before the next.
    ChainBefore,
    /// All `before: end` with distinct sizes (identical placements: tie-break by name).
    Independent,
    /// Like `Chain`, each 0x900 bytes with `align: {start: 0x1000}` (one padding each).
    Aligned,
    /// Like `Chain`, plus one container per 10 consecutive partitions.
    Spans,
}

/// The `pm.yml` text and region of a synthetic case with `n` partitions.
pub fn generate(kind: Kind, n: usize) -> DomainInput {
    let part_size = if kind == Kind::Aligned { 0x900 } else { 0x1000 };
    let need = (n as u128) * 0x2000 * 2;
    let flash = (0x100000u128).max(need.next_power_of_two());
    let mut t = String::with_capacity(n * 64);
    for i in 0..n {
        let _ = writeln!(t, "p{i:05}:");
        match kind {
            Kind::Chain | Kind::Aligned | Kind::Spans => {
                let anchor = if i == 0 {
                    "start".to_string()
                } else {
                    format!("p{:05}", i - 1)
                };
                let _ = writeln!(
                    t,
                    "  size: {part_size:#x}\n  placement:\n    after: [{anchor}]"
                );
                if kind == Kind::Aligned {
                    let _ = writeln!(t, "    align: {{start: 0x1000}}");
                }
            }
            Kind::ChainBefore => {
                let anchor = if i + 1 == n {
                    "end".to_string()
                } else {
                    format!("p{:05}", i + 1)
                };
                let _ = writeln!(
                    t,
                    "  size: {part_size:#x}\n  placement:\n    before: [{anchor}]"
                );
            }
            Kind::Independent => {
                let _ = writeln!(
                    t,
                    "  size: {:#x}\n  placement: {{before: [end]}}",
                    part_size + 0x100 * (i % 7)
                );
            }
        }
    }
    if kind == Kind::Spans {
        for g in 0..n / 10 {
            let members: Vec<String> = (g * 10..g * 10 + 10).map(|i| format!("p{i:05}")).collect();
            let _ = writeln!(t, "group{g:04}:\n  span: [{}]", members.join(", "));
        }
    }
    let mut region = Region::new("flash_primary", flash as i128);
    region.strategy = Strategy::Complex;
    region.device = "flash_controller".into();
    region.default_driver_kconfig = "CONFIG_SOC_FLASH_NRF".into();
    DomainInput {
        fragments: vec![Fragment::new("pm.yml", t)],
        static_config: None,
        regions: vec![region],
    }
}
