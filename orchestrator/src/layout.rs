//! Memory layouts: where each partition of a domain lies, as data.
//!
//! The build pipeline takes a [`Layout`] per domain and never computes one
//! itself: a layout comes from a static `pm_static.yml` (this module's parser)
//! or, for dynamic placement from `pm.yml` files, from the partition solver
//! ([`crate::placement`]).
//! From a layout the orchestrator derives each image's `PM_<P>_ADDRESS`,
//! `PM_<P>_SIZE` and `PM_<P>_END_ADDRESS` configure variables (the names of
//! `pm_config.h`) and the checks and overlap policy of the final merge.
//!
//! `pm_static.yml` is the Partition Manager's static file: a YAML map from
//! partition name to an entry with `address` and `size` (`region` defaults to
//! `sram_primary` for names ending in `_sram`, else `flash_primary`; `span`
//! makes a container of other partitions; other keys such as `end_address`,
//! `device`, `orig_span` are tolerated, `end_address` is recomputed). Entries of
//! size 0 are dropped, as the Partition Manager does.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::Deserialize;
use thiserror::Error;

use crate::location::Location;

/// One placed partition.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Partition {
    /// First address.
    pub address: u64,
    /// Size in bytes (`address + size` does not overflow).
    pub size: u64,
    /// The region it lies in.
    pub region: String,
    /// For a container: the partitions it spans, in order (empty otherwise).
    pub span: Vec<String>,
    /// The device it is on, when the layout names one.
    pub device: Option<String>,
}

impl Partition {
    /// One past the last address.
    pub fn end(&self) -> u64 {
        self.address + self.size
    }
}

/// Where a layout comes from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LayoutSource {
    /// A static file.
    Static {
        /// The `pm_static*.yml` file.
        file: PathBuf,
    },
    /// Placed by the partition solver (see [`crate::placement`]).
    Solved {
        /// The `pm.yml` files of the domain's images.
        fragments: Vec<PathBuf>,
        /// The static file used as static configuration, if any.
        static_file: Option<PathBuf>,
    },
}

/// The partitions of one memory domain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Layout {
    /// Partitions by name, in file order.
    pub partitions: IndexMap<String, Partition>,
    /// Names placed statically (fixed across builds).
    pub static_names: Vec<String>,
    /// Where the layout comes from.
    pub source: LayoutSource,
}

/// An invalid static layout.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("{location}: {message}")]
pub struct LayoutError {
    /// Where.
    pub location: Location,
    /// What is wrong, and how to fix it where practical.
    pub message: String,
}

#[derive(Deserialize)]
struct RawEntry {
    #[serde(default)]
    address: Option<u64>,
    #[serde(default)]
    size: Option<u64>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    span: Option<RawSpan>,
    #[serde(default)]
    device: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawSpan {
    One(String),
    Many(Vec<RawSpanItem>),
    OneOf { one_of: Vec<String> },
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawSpanItem {
    Name(String),
    OneOf { one_of: Vec<String> },
}

/// The line of the top-level key `name:` in `text` (block-style YAML), so that
/// semantic errors point at the entry.
fn entry_location(file: &Path, text: &str, name: &str) -> Location {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let key = line
            .strip_prefix(name)
            .or_else(|| line.strip_prefix(&format!("\"{name}\"")))
            .or_else(|| line.strip_prefix(&format!("'{name}'")));
        if key.is_some_and(|rest| rest.trim_start().starts_with(':')) {
            return Location::at_offset(file, text, offset);
        }
        offset += line.len();
    }
    Location::file(file)
}

impl Layout {
    /// Reads the static layout file `path`.
    pub fn load_static(path: &Path) -> Result<Layout, LayoutError> {
        let text = std::fs::read_to_string(path).map_err(|e| LayoutError {
            location: Location::file(path),
            message: format!("cannot read the static layout: {e}"),
        })?;
        Layout::parse_static(path, &text)
    }

    /// Parses `text`, the content of the static layout file `path`. Never panics.
    pub fn parse_static(path: &Path, text: &str) -> Result<Layout, LayoutError> {
        let raw: Option<IndexMap<String, RawEntry>> =
            serde_norway::from_str(text).map_err(|e| LayoutError {
                location: e.location().map_or_else(
                    || Location::file(path),
                    |l| Location {
                        file: path.to_path_buf(),
                        line: l.line(),
                        column: l.column(),
                    },
                ),
                message: format!(
                    "{}; expected a map from partition name to {{address, size[, region, span]}}",
                    e.to_string().split(" at line ").next().unwrap_or_default()
                ),
            })?;
        let raw = raw.unwrap_or_default();
        let err = |name: &str, message: String| LayoutError {
            location: entry_location(path, text, name),
            message,
        };
        let existing: HashSet<&str> = raw
            .iter()
            .filter(|(_, e)| e.size != Some(0))
            .map(|(n, _)| n.as_str())
            .collect();
        let mut upper: IndexMap<String, &str> = IndexMap::new();
        for name in raw.keys() {
            if let Some(first) = upper.insert(name.to_uppercase(), name) {
                return Err(err(
                    name,
                    format!("partitions `{first}` and `{name}` differ only in case; both would define PM_{}_* variables", name.to_uppercase()),
                ));
            }
        }
        let mut partitions = IndexMap::new();
        let mut containers = Vec::new();
        for (name, entry) in &raw {
            if entry.size == Some(0) {
                continue;
            }
            let region = entry.region.clone().unwrap_or_else(|| {
                if name.ends_with("_sram") {
                    "sram_primary".into()
                } else {
                    "flash_primary".into()
                }
            });
            let span = match &entry.span {
                None => Vec::new(),
                Some(span) => resolve_span(span, &existing)
                    .map_err(|message| err(name, format!("partition `{name}`: {message}")))?,
            };
            match (entry.address, entry.size) {
                (Some(address), Some(size)) => {
                    if address.checked_add(size).is_none() {
                        return Err(err(
                            name,
                            format!("partition `{name}` ends past the 64-bit address space"),
                        ));
                    }
                    partitions.insert(
                        name.clone(),
                        Partition {
                            address,
                            size,
                            region,
                            span,
                            device: entry.device.clone(),
                        },
                    );
                }
                (address, size) if !span.is_empty() => {
                    containers.push((name.clone(), address, size, region, span, entry.device.clone()));
                }
                (None, _) => {
                    return Err(err(name, format!("partition `{name}` has no `address`; a static partition needs `address` and `size`")))
                }
                (_, None) => {
                    return Err(err(name, format!("partition `{name}` has no `size`; a static partition needs `address` and `size`")))
                }
            }
        }
        // Containers given without address or size cover their members.
        for (name, address, size, region, span, device) in containers {
            let members: Vec<&Partition> = span.iter().filter_map(|m| partitions.get(m)).collect();
            if members.len() != span.len() {
                return Err(err(&name, format!("container `{name}` has no `address`/`size` and spans a partition without them; give the container an `address` and `size`")));
            }
            let start = members.iter().map(|p| p.address).min().unwrap_or(0);
            let end = members.iter().map(|p| p.end()).max().unwrap_or(0);
            partitions.insert(
                name,
                Partition {
                    address: address.unwrap_or(start),
                    size: size.unwrap_or(end - start),
                    region,
                    span,
                    device,
                },
            );
        }
        Ok(Layout {
            static_names: partitions.keys().cloned().collect(),
            partitions,
            source: LayoutSource::Static {
                file: path.to_path_buf(),
            },
        })
    }

    /// The partition named `name`.
    pub fn get(&self, name: &str) -> Option<&Partition> {
        self.partitions.get(name)
    }

    /// True when `name` is placed statically.
    pub fn is_static(&self, name: &str) -> bool {
        self.static_names.iter().any(|n| n == name)
    }

    /// True when partition `inner` lies in container `outer`, directly or
    /// through nested containers. The merge allows "replace" only there.
    pub fn nests(&self, outer: &str, inner: &str) -> bool {
        let mut stack = vec![outer];
        let mut seen = HashSet::new();
        while let Some(name) = stack.pop() {
            if !seen.insert(name) {
                continue;
            }
            if let Some(p) = self.partitions.get(name) {
                for member in &p.span {
                    if member == inner {
                        return true;
                    }
                    stack.push(member);
                }
            }
        }
        false
    }

    /// The configure variables describing the layout, for every partition P in
    /// layout order: `PM_<P>_ADDRESS`, `PM_<P>_SIZE`, `PM_<P>_END_ADDRESS`, with
    /// P upper-cased and the values in `0x`-prefixed lower-case hex, as in
    /// `pm_config.h`.
    pub fn cmake_vars(&self) -> Vec<(String, String)> {
        let mut vars = Vec::with_capacity(self.partitions.len() * 3);
        for (name, p) in &self.partitions {
            let upper = name.to_uppercase();
            vars.push((format!("PM_{upper}_ADDRESS"), format!("{:#x}", p.address)));
            vars.push((format!("PM_{upper}_SIZE"), format!("{:#x}", p.size)));
            vars.push((format!("PM_{upper}_END_ADDRESS"), format!("{:#x}", p.end())));
        }
        vars
    }

    /// True when `var` is one of the names [`Layout::cmake_vars`] produces.
    pub fn defines_var(&self, var: &str) -> bool {
        let Some(rest) = var.strip_prefix("PM_") else {
            return false;
        };
        ["_END_ADDRESS", "_ADDRESS", "_SIZE"].iter().any(|suffix| {
            rest.strip_suffix(suffix)
                .is_some_and(|p| self.partitions.keys().any(|name| name.to_uppercase() == p))
        })
    }
}

fn resolve_span(span: &RawSpan, existing: &HashSet<&str>) -> Result<Vec<String>, String> {
    let one_of = |list: &[String]| -> Result<String, String> {
        list.iter()
            .find(|n| existing.contains(n.as_str()))
            .cloned()
            .ok_or_else(|| format!("`one_of` {list:?} names no partition of the layout"))
    };
    Ok(match span {
        RawSpan::One(name) => vec![name.clone()],
        RawSpan::OneOf { one_of: list } => vec![one_of(list)?],
        RawSpan::Many(items) => items
            .iter()
            .map(|item| match item {
                RawSpanItem::Name(n) => Ok(n.clone()),
                RawSpanItem::OneOf { one_of: list } => one_of(list),
            })
            .collect::<Result<_, _>>()?,
    }
    .into_iter()
    .filter(|n| existing.contains(n.as_str()))
    .collect())
}

/// The static layout file of `domain` in `app_dir`: `pm_static.yml` for the
/// root domain, `pm_static_<domain>.yml` for the others.
pub fn static_file(app_dir: &Path, domain: &str, is_root: bool) -> PathBuf {
    if is_root {
        app_dir.join("pm_static.yml")
    } else {
        app_dir.join(format!("pm_static_{domain}.yml"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(text: &str) -> Result<Layout, LayoutError> {
        Layout::parse_static(Path::new("pm_static.yml"), text)
    }

    #[test]
    fn static_file_with_containers() {
        let l = parse(
            "mcuboot:\n  address: 0x0\n  size: 0xc000\n  region: flash_primary\n\
             mcuboot_pad:\n  address: 0xc000\n  size: 0x200\n\
             app:\n  address: 0xc200\n  end_address: 0x1\n  size: 0x6de00\n\
             mcuboot_primary:\n  span: [mcuboot_pad, app, {one_of: [missing, gone]}]\n  orig_span: [x]\n\
             empty:\n  address: 0x0\n  size: 0\n\
             app_sram:\n  address: 0x20000000\n  size: 0x1000\n\
             dropped_members:\n  address: 0x100\n  size: 0x10\n  span: [nothing]\n",
        );
        let e = l.unwrap_err();
        assert_eq!(
            e.to_string(),
            "pm_static.yml:12:1: partition `mcuboot_primary`: `one_of` [\"missing\", \"gone\"] names no partition of the layout"
        );
        let l = parse(
            "mcuboot:\n  address: 0x0\n  size: 0xc000\n  region: flash_primary\n\
             mcuboot_pad:\n  address: 0xc000\n  size: 0x200\n\
             app:\n  address: 0xc200\n  end_address: 0x1\n  size: 0x6de00\n\
             mcuboot_primary:\n  span: [mcuboot_pad, app, {one_of: [missing, app]}]\n\
             empty:\n  address: 0x0\n  size: 0\n\
             app_sram:\n  address: 0x20000000\n  size: 0x1000\n",
        )
        .unwrap();
        assert_eq!(l.get("app").unwrap().end(), 0x7a000);
        assert!(l.get("empty").is_none());
        assert_eq!(l.get("app_sram").unwrap().region, "sram_primary");
        let primary = l.get("mcuboot_primary").unwrap();
        assert_eq!((primary.address, primary.size), (0xc000, 0x6e000));
        assert!(l.nests("mcuboot_primary", "app"));
        assert!(!l.nests("app", "mcuboot_primary"));
        let vars = l.cmake_vars();
        assert_eq!(vars[0], ("PM_MCUBOOT_ADDRESS".into(), "0x0".into()));
        assert_eq!(vars[7], ("PM_APP_SIZE".into(), "0x6de00".into()));
        assert_eq!(vars[8], ("PM_APP_END_ADDRESS".into(), "0x7a000".into()));
        assert!(l.defines_var("PM_APP_END_ADDRESS"));
        assert!(l.defines_var("PM_MCUBOOT_PRIMARY_SIZE"));
        assert!(!l.defines_var("PM_OTHER_SIZE"));
    }

    #[test]
    fn errors_point_at_the_entry() {
        assert_eq!(
            parse("a:\n  address: 0\n  size: 1\nb:\n  address: 0x10\n").unwrap_err().to_string(),
            "pm_static.yml:4:1: partition `b` has no `size`; a static partition needs `address` and `size`"
        );
        let e = parse("a:\n  address: [1]\n").unwrap_err().to_string();
        assert!(e.starts_with("pm_static.yml:2:"), "{e}");
        assert_eq!(
            parse("a:\n  address: 0\n  size: 1\nA:\n  address: 1\n  size: 1\n").unwrap_err().to_string(),
            "pm_static.yml:4:1: partitions `a` and `A` differ only in case; both would define PM_A_* variables"
        );
        let e = parse("a: [\n").unwrap_err().to_string();
        assert!(e.starts_with("pm_static.yml:"), "{e}");
        assert!(parse("").unwrap().partitions.is_empty());
    }

    proptest! {
        #[test]
        fn generated_layouts_round_trip(parts in proptest::collection::vec((0u64..1 << 40, 1u64..1 << 20), 1..8)) {
            let mut text = String::new();
            for (i, (address, size)) in parts.iter().enumerate() {
                text.push_str(&format!("p{i}:\n  address: {address:#x}\n  size: {size}\n"));
            }
            let l = parse(&text).unwrap();
            for (i, (address, size)) in parts.iter().enumerate() {
                let p = l.get(&format!("p{i}")).unwrap();
                prop_assert_eq!((p.address, p.size), (*address, *size));
            }
        }

        #[test]
        fn parsing_never_panics(text in "\\PC{0,60}(\n  \\PC{0,20}){0,4}") {
            let _ = parse(&text);
        }
    }
}
