//! Region settings from the command line, looked up the way the reference tool does it
//! (spec §4.1, §7 item 4).
//!
//! `partition_manager.py` declares `--<r>-size`, `--<r>-base-address`,
//! `--<r>-placement-strategy`, `--<r>-device`, `--<r>-default-driver-kconfig` and
//! `--<r>-dynamic-partition` for every region `r` of `--regions`; argparse stores them under
//! destination names with `-` turned into `_` (`flash_primary_size`). The settings of region
//! `x` (its name with `-` turned into `_`) are then **every** destination that starts with
//! `x`, renamed by removing every occurrence of `x_`, in declaration order, a later one
//! replacing an earlier one of the same new name. So a region `flash` listed with
//! `flash_primary` also gets `primary_size`, `primary_device`, ... (harmless, but written to
//! `regions.yml`), and a region `a` listed with `a_a` gets `a_a`'s size (`a_a_size` loses
//! both `a_`). This module reproduces exactly that.

use crate::error::{Error, Result};
use crate::model::{Region, Setting, Strategy};
use indexmap::IndexMap;

/// The per-region options, in the order the reference declares them.
pub const OPTIONS: [&str; 6] = [
    "size",
    "base-address",
    "placement-strategy",
    "device",
    "default-driver-kconfig",
    "dynamic-partition",
];

/// argparse's destination name of `--<region>-<option>`: `flash_primary_size`.
pub fn dest(region: &str, option: &str) -> String {
    format!("{region}-{option}").replace('-', "_")
}

/// argparse's default of an option that was not given (`size` has none: it is required).
pub fn default_setting(option: &str) -> Setting {
    match option {
        "base-address" => Setting::Int(0),
        "placement-strategy" => Setting::Str("start_to_end".into()),
        "device" | "default-driver-kconfig" => Setting::Str(String::new()),
        _ => Setting::None,
    }
}

/// The settings the reference collects for region `name` from `namespace` (every option's
/// destination and value, in declaration order): `(new name, value)` in its dict order.
pub fn settings_of(name: &str, namespace: &[(String, Setting)]) -> Vec<(String, Setting)> {
    let x = name.replace('-', "_");
    let strip = format!("{x}_");
    let mut out: IndexMap<String, Setting> = IndexMap::new();
    for (k, v) in namespace {
        if k.starts_with(&x) {
            out.insert(k.replace(&strip, ""), v.clone());
        }
    }
    out.into_iter().collect()
}

/// The regions of `--regions` (in that order) with their settings, looked up in `namespace`
/// as [`settings_of`] does. A region whose own setting got lost in the lookup (a region named
/// `base` loses `base_base_address` to `address`) is an error naming it; the reference
/// crashes there.
///
/// ```
/// use partition_solver::region_args::{dest, regions_from_namespace};
/// use partition_solver::model::Setting;
/// let ns = vec![
///     (dest("flash_primary", "size"), Setting::Int(0x100000)),
///     (dest("flash_primary", "base-address"), Setting::Int(0)),
///     (dest("flash_primary", "placement-strategy"), Setting::Str("complex".into())),
///     (dest("flash_primary", "device"), Setting::Str("flash_controller".into())),
///     (dest("flash_primary", "default-driver-kconfig"), Setting::Str(String::new())),
///     (dest("flash_primary", "dynamic-partition"), Setting::None),
///     (dest("flash", "size"), Setting::Int(0x1000)),
///     (dest("flash", "base-address"), Setting::Int(0x200000)),
///     (dest("flash", "placement-strategy"), Setting::Str("start_to_end".into())),
///     (dest("flash", "device"), Setting::Str(String::new())),
///     (dest("flash", "default-driver-kconfig"), Setting::Str(String::new())),
///     (dest("flash", "dynamic-partition"), Setting::None),
/// ];
/// let r = regions_from_namespace(&["flash_primary".into(), "flash".into()], &ns).unwrap();
/// assert_eq!(r[1].size, 0x1000);
/// assert_eq!(r[1].extra_settings[0], ("primary_size".to_string(), Setting::Int(0x100000)));
/// assert!(r[0].extra_settings.is_empty());
/// ```
pub fn regions_from_namespace(
    names: &[String],
    namespace: &[(String, Setting)],
) -> Result<Vec<Region>> {
    let mut regions = Vec::with_capacity(names.len());
    for name in names {
        let x = name.replace('-', "_");
        let mut settings: IndexMap<String, Setting> =
            settings_of(name, namespace).into_iter().collect();
        let mut take = |key: &str| -> Result<Setting> {
            settings.shift_remove(key).ok_or_else(|| {
                Error::Regions(format!(
                    "region '{x}' has no '{key}' setting: region settings are looked up by name prefix (every '--{x}...' option, with '{x}_' removed), and this name makes its own '--{x}-{}' unrecognizable; rename the region",
                    key.replace('_', "-")
                ))
            })
        };
        let int = |s: Setting, key: &str| -> Result<i128> {
            match s {
                Setting::Int(i) => Ok(i),
                other => Err(Error::Regions(format!(
                    "region '{x}': '{key}' must be a number, found {other:?}"
                ))),
            }
        };
        let text = |s: Setting, key: &str| -> Result<String> {
            match s {
                Setting::Str(t) => Ok(t),
                other => Err(Error::Regions(format!(
                    "region '{x}': '{key}' must be a text, found {other:?}"
                ))),
            }
        };
        let size = int(take("size")?, "size")?;
        let mut region = Region::new(&x, size);
        region.base_address = int(take("base_address")?, "base_address")?;
        let strategy = text(take("placement_strategy")?, "placement_strategy")?;
        region.strategy = Strategy::parse(&strategy).ok_or_else(|| {
            Error::Regions(format!(
                "region '{x}': placement strategy '{strategy}' is not one of complex, start_to_end, end_to_start"
            ))
        })?;
        region.device = text(take("device")?, "device")?;
        region.default_driver_kconfig =
            text(take("default_driver_kconfig")?, "default_driver_kconfig")?;
        region.dynamic_partition = match take("dynamic_partition")? {
            Setting::Str(s) => Some(s),
            _ => None,
        };
        region.extra_settings = settings.into_iter().collect();
        regions.push(region);
    }
    Ok(regions)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn namespace(regions: &[(&str, i128)]) -> Vec<(String, Setting)> {
        let mut ns = Vec::new();
        for &(r, size) in regions {
            for o in OPTIONS {
                let v = if o == "size" {
                    Setting::Int(size)
                } else {
                    default_setting(o)
                };
                ns.push((dest(r, o), v));
            }
        }
        ns
    }

    #[test]
    fn a_doubled_name_takes_the_other_regions_setting() {
        // `a_a_size` without every `a_` is `size`: region `a` ends up with `a_a`'s size.
        let ns = namespace(&[("a", 0x100), ("a_a", 0x200)]);
        let r = regions_from_namespace(&["a".into(), "a_a".into()], &ns).unwrap();
        assert_eq!(r[0].size, 0x200);
        assert!(r[0].extra_settings.is_empty());
        assert_eq!(r[1].size, 0x200);
    }

    #[test]
    fn dashes_become_underscores() {
        let ns = namespace(&[("ext-flash", 0x100)]);
        assert_eq!(ns[0].0, "ext_flash_size");
        let r = regions_from_namespace(&["ext-flash".into()], &ns).unwrap();
        assert_eq!(r[0].name, "ext_flash");
        assert_eq!(r[0].size, 0x100);
    }

    #[test]
    fn a_lost_own_setting_is_an_error() {
        // `base_base_address` without `base_` is `address`.
        let ns = namespace(&[("base", 0x100)]);
        let e = regions_from_namespace(&["base".into()], &ns).unwrap_err();
        assert!(e.to_string().contains("'base_address'"), "{e}");
    }
}
