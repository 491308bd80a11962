//! `pm.config` and `pm_config.h` (spec §5.3), byte-compatible with
//! `partition_manager_output.py`, including its naming quirks: `PM__` for the root domain seen
//! from another domain, unprefixed `PM_<n>_LABEL` and `<lo>_ID` values, cumulative `NUM`,
//! and affiliations repeated across domains.

use crate::error::{Error, Result};
use crate::solver::{regions_value, Solution};
use crate::yaml::{self, hex, Map, Value};
use indexmap::IndexMap;

/// One domain's `partitions.yml` and `regions.yml` content, as the output step reads them.
#[derive(Debug, Clone)]
pub struct DomainLayout {
    /// Domain name; empty for the root domain.
    pub domain: String,
    /// Partitions (keys sorted, as loaded from `partitions.yml`).
    pub partitions: Map,
    /// Regions by name.
    pub regions: Map,
}

/// Keys sorted at every level, as PyYAML writes and the output step reloads them.
fn sorted(m: &Map) -> Map {
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort();
    keys.into_iter()
        .map(|k| (k.clone(), sorted_value(&m[k])))
        .collect()
}

fn sorted_value(v: &Value) -> Value {
    match v {
        Value::Map(m) => Value::Map(Box::new(sorted(m))),
        Value::Seq(s) => Value::Seq(s.iter().map(sorted_value).collect()),
        other => other.clone(),
    }
}

impl DomainLayout {
    /// From a solved domain.
    pub fn from_solution(domain: &str, sol: &Solution) -> DomainLayout {
        let regions = match regions_value(&sol.regions) {
            Value::Map(m) => *m,
            _ => Map::default(),
        };
        DomainLayout {
            domain: domain.to_string(),
            partitions: sorted(&sol.partitions),
            regions: sorted(&regions),
        }
    }

    /// From the texts of `partitions[_<D>].yml` and `regions[_<D>].yml`.
    pub fn from_yaml(
        domain: &str,
        partitions: (&str, &str),
        regions: (&str, &str),
    ) -> Result<DomainLayout> {
        let load = |(name, text): (&str, &str)| -> Result<Map> {
            match yaml::load(text).map_err(|source| Error::Yaml {
                file: name.to_string(),
                source,
            })? {
                Value::Map(m) => Ok(*m),
                Value::Null => Ok(Map::default()),
                other => Err(Error::Input {
                    file: name.to_string(),
                    location: Some((1, 1)),
                    message: format!("expected a mapping, found a {}", other.kind()),
                }),
            }
        };
        Ok(DomainLayout {
            domain: domain.to_string(),
            partitions: load(partitions)?,
            regions: load(regions)?,
        })
    }

    /// The domain a `partitions_<D>.yml` / `regions_<D>.yml` file name stands for ("" for the
    /// root domain), by the reference's rule.
    pub fn domain_from_file_name(file_name: &str, stem: &str) -> String {
        let base = std::path::Path::new(file_name)
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let marker = format!("{stem}_");
        match (base.find(&marker), base.find(".yml")) {
            (Some(i), Some(j)) if i + marker.len() <= j => base[i + marker.len()..j].to_string(),
            _ => String::new(),
        }
    }
}

/// Which file the lines are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dest {
    /// `pm_config.h`: `#define NAME VALUE`, with `_DEV`/`_DEFAULT_DRIVER_KCONFIG`.
    Header,
    /// `pm.config`: `NAME=VALUE`, with `_SPAN`.
    Config,
}

fn int_of(e: &Map, k: &str, name: &str) -> Result<i128> {
    e.get(k)
        .and_then(Value::as_int)
        .ok_or_else(|| Error::Output(format!("partition '{name}' has no integer '{k}'")))
}

fn truthy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) | Some(Value::Bool(false)) | Some(Value::Int(0)) => false,
        Some(Value::Str(s)) => !s.is_empty(),
        Some(Value::Seq(s)) => !s.is_empty(),
        Some(Value::Map(m)) => !m.is_empty(),
        _ => true,
    }
}

/// The lines shared by both outputs. `current` is the domain a header is generated for
/// (`None` for `pm.config`, where nothing is domain-prefixed).
pub fn config_lines(
    domains: &[DomainLayout],
    dest: Dest,
    current: Option<&str>,
) -> Result<Vec<String>> {
    let (head, split) = match dest {
        Dest::Header => ("#define ", " "),
        Dest::Config => ("", "="),
    };
    let mut lines = Vec::new();
    let mut affiliations: IndexMap<String, Vec<String>> = IndexMap::default();
    let mut id = 0usize;
    for d in domains {
        let add = |lines: &mut Vec<String>, text: &str, value: &str| {
            if current.is_none() || current == Some(d.domain.as_str()) || text.contains("LABEL") {
                lines.push(format!("{head}PM_{text}{split}{value}"));
            } else {
                lines.push(format!("{head}PM_{}_{text}{split}{value}", d.domain));
            }
        };
        let mut parts: Vec<(&String, &Map)> = Vec::new();
        for (k, v) in &d.partitions {
            let e = v
                .as_map()
                .ok_or_else(|| Error::Output(format!("partition '{k}' is not a mapping")))?;
            parts.push((k, e));
        }
        let mut keyed = Vec::with_capacity(parts.len());
        for (k, e) in parts {
            keyed.push((int_of(e, "address", k)?, k, e));
        }
        keyed.sort_by_key(|(a, _, _)| *a);
        for (address, name, p) in keyed {
            let up = name.to_uppercase();
            let lo = name.to_lowercase();
            let region_name = p.get("region").and_then(Value::as_str).unwrap_or("");
            let region = d.regions.get(region_name).and_then(Value::as_map).ok_or_else(|| {
                Error::Output(format!(
                    "partition '{name}' of domain '{}' is in region '{region_name}', which is not in the regions file",
                    d.domain
                ))
            })?;
            let base = region
                .get("base_address")
                .and_then(Value::as_int)
                .unwrap_or(0);
            add(&mut lines, &format!("{up}_OFFSET"), &hex(address - base));
            add(&mut lines, &format!("{up}_ADDRESS"), &hex(address));
            add(
                &mut lines,
                &format!("{up}_END_ADDRESS"),
                &hex(int_of(p, "end_address", name)?),
            );
            add(
                &mut lines,
                &format!("{up}_SIZE"),
                &hex(int_of(p, "size", name)?),
            );
            add(&mut lines, &format!("{up}_NAME"), name);
            match p.get("affiliation") {
                Some(Value::Seq(items)) => {
                    for a in items {
                        affiliations
                            .entry(a.py_str())
                            .or_default()
                            .push(name.clone());
                    }
                }
                Some(other @ Value::Str(_)) => {
                    affiliations
                        .entry(other.py_str())
                        .or_default()
                        .push(name.clone());
                }
                _ => {}
            }
            if let Some(Value::Map(ep)) = p.get("extra_params") {
                for (k, v) in ep.iter() {
                    add(&mut lines, &format!("{up}_EXTRA_PARAM_{k}"), &v.py_str());
                }
            }
            let has_device = p.contains_key("region") && truthy(region.get("device"));
            if has_device {
                add(&mut lines, &format!("{up}_ID"), &id.to_string());
                add(&mut lines, &format!("{lo}_ID"), &format!("PM_{up}_ID"));
                add(&mut lines, &format!("{lo}_IS_ENABLED"), "1");
                if current.is_none() || current == Some(d.domain.as_str()) {
                    add(&mut lines, &format!("{id}_LABEL"), &up);
                } else {
                    add(
                        &mut lines,
                        &format!("{id}_LABEL"),
                        &format!("{}_{up}", d.domain),
                    );
                }
                id += 1;
            }
            match dest {
                Dest::Header => {
                    if has_device {
                        let dev = region.get("device").map(Value::py_str).unwrap_or_default();
                        add(&mut lines, &format!("{up}_DEV"), &dev);
                        if truthy(region.get("default_driver_kconfig")) {
                            let k = region
                                .get("default_driver_kconfig")
                                .map(Value::py_str)
                                .unwrap_or_default();
                            add(&mut lines, &format!("{up}_DEFAULT_DRIVER_KCONFIG"), &k);
                        }
                    }
                }
                Dest::Config => {
                    if let Some(span) = p.get("span") {
                        let items: Vec<String> = match span {
                            Value::Seq(s) => s.iter().map(Value::py_str).collect(),
                            other => vec![other.py_str()],
                        };
                        add(
                            &mut lines,
                            &format!("{up}_SPAN"),
                            &format!("\"{}\"", items.join(" ")),
                        );
                    }
                }
            }
        }
        add(&mut lines, "NUM", &id.to_string());
        let depth = |key: &str| -> usize {
            let mut k = key.to_string();
            let mut depth = 0;
            while let Some(first) = d
                .partitions
                .get(&k)
                .and_then(Value::as_map)
                .and_then(|e| e.get("span"))
                .and_then(|s| s.as_seq().and_then(|s| s.first()).map(Value::py_str))
            {
                depth += 1;
                k = first;
                if depth > d.partitions.len() {
                    break;
                }
            }
            depth
        };
        let mut by_size: Vec<(i128, usize, &String)> = Vec::new();
        for (k, v) in &d.partitions {
            let s = v
                .as_map()
                .and_then(|e| e.get("size"))
                .and_then(Value::as_int)
                .unwrap_or(0);
            by_size.push((s, depth(k), k));
        }
        by_size.sort_by_key(|(s, dp, _)| (*s, *dp));
        let names: Vec<&str> = by_size.iter().map(|(_, _, k)| k.as_str()).collect();
        add(
            &mut lines,
            "ALL_BY_SIZE",
            &format!("\"{}\"", names.join(" ")),
        );
        for (aff, members) in &affiliations {
            let fns: String = members
                .iter()
                .map(|m| format!(" fn({})", m.to_uppercase()))
                .collect();
            add(
                &mut lines,
                &format!("FOREACH_AFFILIATED_TO_{aff}(fn)"),
                &fns,
            );
        }
    }
    Ok(lines)
}

/// `pm.config` text (no trailing newline, as the reference writes it).
pub fn pm_config(domains: &[DomainLayout]) -> Result<String> {
    Ok(config_lines(domains, Dest::Config, None)?.join("\n"))
}

/// `pm_config.h` text for `image` of `domain`; `file_name` gives the include guard and
/// `generator` the first comment line. Returns the text and any warning printed.
///
/// The header ends with `PM_ADDRESS`/`PM_SIZE` of the image and `PM_SRAM_ADDRESS`/
/// `PM_SRAM_SIZE` of `<image>_sram` or else `sram_primary`. A domain without either (only
/// flash regions) gets no `PM_SRAM_*` lines and a warning; the reference crashes there.
pub fn pm_config_h(
    domains: &[DomainLayout],
    domain: &str,
    image: &str,
    file_name: &str,
    generator: &str,
) -> Result<(String, Option<String>)> {
    let mut lines = config_lines(domains, Dest::Header, Some(domain))?;
    let d = domains.iter().find(|d| d.domain == domain).ok_or_else(|| {
        Error::Output(format!(
            "domain '{domain}' (of image '{domain}:{image}') was not given"
        ))
    })?;
    let entry = d
        .partitions
        .get(image)
        .and_then(Value::as_map)
        .ok_or_else(|| {
            Error::Output(format!(
                "image '{image}' has no partition in domain '{domain}'"
            ))
        })?;
    let mut pm_image = image.to_string();
    let mut warning = None;
    if entry.keys().any(|k| k.contains("span")) {
        let deprecated = format!("{image}_image");
        if truthy(d.partitions.get(&deprecated)) {
            warning = Some(format!(
                "WARNING: Partition image '{image}' is a container partition with a span of one or more images, but has the same name of its image; using '{deprecated}' from the static configuration. Rename the container partition."
            ));
            pm_image = deprecated;
        } else {
            return Err(Error::Output(format!(
                "Partition image '{image}' is a container with a span of one or more images, but has the same name of its image. Container partitions are not allowed to share the name of the  image that defines it. Please rename the span '{image}' in the pm.yml file of child '{image}'."
            )));
        }
    }
    let get = |n: &str| -> Result<(i128, i128)> {
        let e = d.partitions.get(n).and_then(Value::as_map).ok_or_else(|| {
            Error::Output(format!("partition '{n}' missing in domain '{domain}'"))
        })?;
        Ok((int_of(e, "address", n)?, int_of(e, "size", n)?))
    };
    let (a, s) = get(&pm_image)?;
    lines.push(format!("#define PM_ADDRESS {}", hex(a)));
    lines.push(format!("#define PM_SIZE {}", hex(s)));
    // RAM: `<image>_sram`, else the domain's `sram_primary`. The reference crashes when
    // neither exists (spec §5.3); a domain with only flash regions still gets its header,
    // without RAM macros (nothing is invented), and the caller is told.
    let sram = format!("{image}_sram");
    let ram = if d.partitions.contains_key(&sram) {
        Some(get(&sram)?)
    } else if d.partitions.contains_key("sram_primary") {
        Some(get("sram_primary")?)
    } else {
        None
    };
    match ram {
        Some((sa, ss)) => {
            lines.push(format!("#define PM_SRAM_ADDRESS {}", hex(sa)));
            lines.push(format!("#define PM_SRAM_SIZE {}", hex(ss)));
        }
        None => {
            let w = format!(
                "domain '{domain}' has neither '{sram}' nor 'sram_primary': the header of image '{image}' has no PM_SRAM_ADDRESS/PM_SRAM_SIZE (pass the RAM region if the image takes its RAM from the Partition Manager)"
            );
            warning = Some(match warning {
                Some(first) => format!("{first}\n{w}"),
                None => w,
            });
        }
    }
    let stem = file_name.split(".h").next().unwrap_or("").to_uppercase();
    lines.insert(0, format!("/* File generated by {generator}, do not modify */\n#ifndef {stem}_H__\n#define {stem}_H__"));
    lines.push(format!("#endif /* {stem}_H__ */"));
    Ok((lines.join("\n"), warning))
}
