//! Inputs of one Partition Manager run: regions, fragments, options.

use crate::yaml::{Map, Value};

/// How the partitions of a region are placed (spec §2.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Ordering from `placement` rules, a dynamic partition takes what is left.
    Complex,
    /// Partitions packed from the region start, in input order; the rest is free space.
    StartToEnd,
    /// Partitions packed from the region end downwards, in input order.
    EndToStart,
}

impl Strategy {
    /// The spelling used on the command line and in `regions.yml`.
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Complex => "complex",
            Strategy::StartToEnd => "start_to_end",
            Strategy::EndToStart => "end_to_start",
        }
    }
    /// Parse the command-line spelling.
    pub fn parse(s: &str) -> Option<Strategy> {
        match s {
            "complex" => Some(Strategy::Complex),
            "start_to_end" => Some(Strategy::StartToEnd),
            "end_to_start" => Some(Strategy::EndToStart),
            _ => None,
        }
    }
}

/// One memory region (`--regions` plus its `--<r>-...` settings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// Region name (`flash_primary`, `sram_primary`, `otp`, ...).
    pub name: String,
    /// Size in bytes.
    pub size: i128,
    /// First address.
    pub base_address: i128,
    /// Placement strategy.
    pub strategy: Strategy,
    /// Device name (empty: none). Partitions of a region with a device get flash-map IDs.
    pub device: String,
    /// Kconfig symbol enabling the device's default driver (empty: none).
    pub default_driver_kconfig: String,
    /// Dynamic partition of a complex region (`None`: `app`).
    pub dynamic_partition: Option<String>,
    /// Other regions' settings that the reference's by-prefix lookup attaches to this region
    /// (see [`crate::region_args`]), under the names it gives them (`primary_size` for a
    /// region `flash` listed with `flash_primary`). They do not affect placement; they are
    /// written to `regions.yml` as the reference writes them.
    pub extra_settings: Vec<(String, Setting)>,
}

/// The value of one region setting, as the command line gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setting {
    /// A number (`size`, `base_address`).
    Int(i128),
    /// A text (`placement_strategy`, `device`, `default_driver_kconfig`, `dynamic_partition`).
    Str(String),
    /// Not given and without a default (`dynamic_partition`).
    None,
}

impl Setting {
    /// The `regions.yml` value.
    pub fn to_value(&self) -> Value {
        match self {
            Setting::Int(i) => Value::Int(*i),
            Setting::Str(s) => Value::Str(s.clone()),
            Setting::None => Value::Null,
        }
    }
}

impl Region {
    /// A region with default settings (`start_to_end`, base 0, no device).
    pub fn new(name: &str, size: i128) -> Region {
        Region {
            name: name.to_string(),
            size,
            base_address: 0,
            strategy: Strategy::StartToEnd,
            device: String::new(),
            default_driver_kconfig: String::new(),
            dynamic_partition: None,
            extra_settings: Vec::new(),
        }
    }

    /// The `regions.yml` entry of this region.
    pub fn to_value(&self) -> Value {
        let mut m = Map::default();
        m.insert("base_address".into(), Value::Int(self.base_address));
        m.insert(
            "default_driver_kconfig".into(),
            Value::Str(self.default_driver_kconfig.clone()),
        );
        m.insert("device".into(), Value::Str(self.device.clone()));
        m.insert(
            "dynamic_partition".into(),
            self.dynamic_partition
                .clone()
                .map_or(Value::Null, Value::Str),
        );
        m.insert("name".into(), Value::Str(self.name.clone()));
        m.insert(
            "placement_strategy".into(),
            Value::Str(self.strategy.as_str().into()),
        );
        m.insert("size".into(), Value::Int(self.size));
        for (k, v) in &self.extra_settings {
            m.insert(k.clone(), v.to_value());
        }
        Value::from(m)
    }
}

/// One input file: its name (used in messages) and its YAML text (already preprocessed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    /// Path or name shown in messages.
    pub name: String,
    /// YAML text.
    pub text: String,
}

impl Fragment {
    /// A fragment from a name and text.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Fragment {
        Fragment {
            name: name.into(),
            text: text.into(),
        }
    }
}

/// Everything one domain's placement needs.
#[derive(Debug, Clone, Default)]
pub struct DomainInput {
    /// `pm.yml` fragments in merge order.
    pub fragments: Vec<Fragment>,
    /// Optional `pm_static.yml`.
    pub static_config: Option<Fragment>,
    /// Regions in command-line order.
    pub regions: Vec<Region>,
}

/// Switches of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Accept the layouts the reference tool accepts although they are broken
    /// (over-subscribed regions, overlapping static partitions, lost padding entries),
    /// reporting them as warnings instead of errors.
    pub compat: bool,
}
