//! The top level of a placement run: merge the inputs, apply the static configuration, order
//! the regions and solve each one (spec §3.1, §3.2, §3.3).
//!
//! Partition entries live in one arena (`Ctx::store`) and are referred to by index from the
//! global map and from each region's map, so that an edit made while solving one region is
//! visible everywhere, as in the reference tool (its output depends on that sharing).

use crate::error::{Error, Result};
use crate::model::{DomainInput, Fragment, Options, Region, Strategy};
use crate::yaml::{self, Map, Value};
use indexmap::IndexMap;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

pub(crate) use crate::yaml::FastBuild;
pub(crate) type FastMap<K, V> = HashMap<K, V, FastBuild>;
pub(crate) type FastSet<K> = HashSet<K, FastBuild>;

/// Names of partitions mapped to arena indices, in the order the reference's dicts have.
pub(crate) type Names = IndexMap<String, usize, FastBuild>;

/// Shared state of one run.
pub(crate) struct Ctx {
    /// Every partition entry ever created.
    pub store: Vec<Map>,
    /// The merged inputs (the reference's global `pm_config`), after static names are removed.
    pub system: Names,
    /// Which file each partition came from (for messages).
    pub origins: Origins,
    /// Informational messages ("Dropping partition ...").
    pub log: Vec<String>,
    /// Entries that silently replaced another one (padding name collisions).
    pub collisions: Vec<String>,
    /// The auxiliary `app` containers (`{span: [DP]}`) added to complex regions whose dynamic
    /// partition is not `app` (spec §3.3 step 1), with the rank they have when regions'
    /// results are merged (see [`app_rank`]).
    pub aux_apps: Vec<(usize, u8)>,
}

impl Ctx {
    pub fn add(&mut self, m: Map) -> usize {
        self.store.push(m);
        self.store.len() - 1
    }
    pub fn is_aux_app(&self, id: usize) -> bool {
        self.aux_apps.iter().any(|&(a, _)| a == id)
    }
    /// Rank of an entry named `app` when the regions' results are merged (spec §3.1 step 5
    /// lets the later region win, which makes the result depend on the `--regions` order;
    /// NCS always passes `sram_primary` first, so its auxiliary `app` is overwritten by the
    /// flash region's `app`). Ranks reproduce that outcome for any order:
    /// 2 = a real dynamic partition `app`; 1 = an auxiliary container spanning an image
    /// (a domain's image as the flash region's dynamic partition); 0 = an auxiliary container
    /// spanning a region's own free space (dynamic partition named like its region, as
    /// `sram_primary`).
    pub fn app_rank(&self, id: usize) -> u8 {
        self.aux_apps
            .iter()
            .find(|&&(a, _)| a == id)
            .map_or(2, |&(_, r)| r)
    }
    pub fn origin(&self, name: &str) -> String {
        match self.origins.get(name) {
            Some(f) => format!("'{name}' (from {f})"),
            None => format!("'{name}'"),
        }
    }
}

/// The outcome of one domain's placement: the content of `partitions.yml` and `regions.yml`.
#[derive(Debug, Clone)]
pub struct Solution {
    /// Every partition of every region, as written to `partitions.yml` (keys in result order).
    pub partitions: Map,
    /// The regions, in solving order.
    pub regions: Vec<Region>,
    /// Informational messages, as the reference tool prints them.
    pub log: Vec<String>,
    /// Problems accepted because of [`Options::compat`].
    pub warnings: Vec<String>,
}

impl Solution {
    /// `partitions.yml` text (PyYAML style: sorted keys, hex integers).
    pub fn partitions_yaml(&self) -> String {
        yaml::dump_map_text(&self.partitions, yaml::IntStyle::Hex)
    }
    /// `regions.yml` text.
    pub fn regions_yaml(&self) -> String {
        yaml::dump(&regions_value(&self.regions), yaml::IntStyle::Hex)
    }
    /// Address of a partition.
    pub fn address(&self, name: &str) -> Option<i128> {
        self.partitions
            .get(name)?
            .as_map()?
            .get("address")?
            .as_int()
    }
    /// Size of a partition.
    pub fn size(&self, name: &str) -> Option<i128> {
        self.partitions.get(name)?.as_map()?.get("size")?.as_int()
    }
}

/// The `regions.yml` mapping of a list of regions.
pub fn regions_value(regions: &[Region]) -> Value {
    Value::Map(Box::new(
        regions
            .iter()
            .map(|r| (r.name.clone(), r.to_value()))
            .collect(),
    ))
}

/// Parse one fragment into a map of partitions (`None` for an empty document).
pub fn parse_fragment(f: &Fragment) -> Result<Option<(Map, yaml::KeyPositions)>> {
    let doc = yaml::load_document(&f.text).map_err(|source| Error::Yaml {
        file: f.name.clone(),
        source,
    })?;
    // A partition name must be a string: YAML 1.1 reads `123:` as an integer and `on:` or
    // `yes:` as a boolean, after which the reference crashes (or would name a partition
    // `True`). Quoting is the fix.
    if let Some(k) = doc.non_string_keys.first() {
        return Err(Error::Input {
            file: f.name.clone(),
            location: Some(k.at),
            message: format!(
                "partition name '{}' is read by YAML as the {} {}, not as a name; quote it ('{}':) to use it as a partition name",
                k.text, k.kind, k.value, k.text
            ),
        });
    }
    let (v, pos) = (doc.value, doc.positions);
    match v {
        Value::Null => Ok(None),
        Value::Map(m) => {
            for (k, e) in m.iter() {
                if !matches!(e, Value::Map(_)) {
                    return Err(Error::Input {
                        file: f.name.clone(),
                        location: pos.get(k).copied(),
                        message: format!(
                            "partition '{k}' must be a mapping of properties (size, placement, ...), found a {}",
                            e.kind()
                        ),
                    });
                }
            }
            Ok(Some((*m, pos)))
        }
        other => Err(Error::Input {
            file: f.name.clone(),
            location: Some((1, 1)),
            message: format!(
                "expected a mapping of partition names to properties, found a {}",
                other.kind()
            ),
        }),
    }
}

/// Check the types of the keys the solver computes with, so that a bad value is reported with
/// its file and line instead of failing deep inside the solver.
fn validate_entry(file: &str, pos: Option<(usize, usize)>, name: &str, e: &Map) -> Result<()> {
    let bad = |message: String| Error::Input {
        file: file.to_string(),
        location: pos,
        message,
    };
    const LIMIT: i128 = 1 << 64;
    for key in ["size", "address"] {
        if let Some(v) = e.get(key) {
            if v.as_int().is_some_and(|i| !(-LIMIT..=LIMIT).contains(&i)) {
                return Err(bad(format!(
                    "'{key}' of partition '{name}' is out of range ({})",
                    v.py_repr()
                )));
            }
            if v.as_int().is_none() {
                let hint = match v.as_str() {
                    Some(s) if s.starts_with("CONFIG_") => {
                        format!(" ('{s}' is not defined in autoconf.h: enable it or give a number)")
                    }
                    _ => String::new(),
                };
                return Err(bad(format!(
                    "'{key}' of partition '{name}' must be an integer, found {}{hint}",
                    v.py_repr()
                )));
            }
        }
    }
    if let Some(Value::Map(p)) = e.get("placement") {
        if let Some(a) = p.get("align") {
            match a {
                Value::Map(am) => {
                    for (k, v) in am.iter() {
                        if v.as_int().is_none() {
                            return Err(bad(format!(
                                "'placement.align.{k}' of partition '{name}' must be an integer, found {}",
                                v.py_repr()
                            )));
                        }
                        if v.as_int().is_some_and(|i| i <= 0 || i > LIMIT) {
                            return Err(bad(format!(
                                "'placement.align.{k}' of partition '{name}' must be positive and at most 2^64"
                            )));
                        }
                    }
                }
                other => {
                    return Err(bad(format!(
                        "'placement.align' of partition '{name}' must be a mapping with 'start' or 'end', found {}",
                        other.py_repr()
                    )))
                }
            }
        }
        if let Some(v) = p.get("align_next") {
            if v.as_int().is_none_or(|i| i <= 0 || i > LIMIT) {
                return Err(bad(format!(
                    "'placement.align_next' of partition '{name}' must be a positive integer, found {}",
                    v.py_repr()
                )));
            }
        }
    } else if let Some(p) = e.get("placement").filter(|p| !matches!(p, Value::Null)) {
        return Err(bad(format!(
            "'placement' of partition '{name}' must be a mapping, found {}",
            p.py_repr()
        )));
    }
    if let Some(r) = e.get("region") {
        if r.as_str().is_none() {
            return Err(bad(format!(
                "'region' of partition '{name}' must be a region name, found {}",
                r.py_repr()
            )));
        }
    }
    Ok(())
}

/// Which file each partition came from, for messages (file names shared, not copied).
pub(crate) type Origins = FastMap<String, Rc<str>>;

/// Merge fragments in order (spec §2.2).
pub(crate) fn merge_fragments(fragments: &[Fragment]) -> Result<(Map, Origins)> {
    let mut merged = Map::default();
    let mut origins = Origins::default();
    for f in fragments {
        let Some((m, pos)) = parse_fragment(f)? else {
            continue;
        };
        let file: Rc<str> = Rc::from(f.name.as_str());
        origins.reserve(m.len());
        if merged.is_empty() {
            // Nothing to conflict with: the first fragment's map is the merge so far.
            for (k, v) in &m {
                if let Value::Map(e) = v {
                    validate_entry(&f.name, pos.get(k).copied(), k, e)?;
                }
                origins.insert(k.clone(), file.clone());
            }
            merged = m;
            continue;
        }
        merged.reserve(m.len());
        for (k, v) in m {
            if let Value::Map(e) = &v {
                validate_entry(&f.name, pos.get(&k).copied(), &k, e)?;
            }
            if let Some(old) = merged.get(&k) {
                if *old != v {
                    return Err(Error::Conflict(Box::new(crate::error::Conflict {
                        first_file: origins.get(&k).map(|o| o.to_string()).unwrap_or_default(),
                        first_value: old.py_repr(),
                        second_file: f.name.clone(),
                        second_value: v.py_repr(),
                        name: k,
                    })));
                }
                merged.insert(k, v);
            } else {
                origins.insert(k.clone(), file.clone());
                merged.insert(k, v);
            }
        }
    }
    Ok((merged, origins))
}

fn fix_syntactic_sugar(ctx: &mut Ctx, names: &Names) {
    for (k, &id) in names.iter() {
        let e = &mut ctx.store[id];
        if !e.contains_key("region") {
            let r = if k.ends_with("_sram") {
                "sram_primary"
            } else {
                "flash_primary"
            };
            e.insert("region".into(), Value::Str(r.into()));
        }
    }
}

pub(crate) fn region_of(e: &Map) -> &str {
    e.get("region").and_then(Value::as_str).unwrap_or("")
}

/// Solve one domain.
///
/// ```
/// use partition_solver::{solve, DomainInput, Fragment, Options, Region, Strategy};
/// let mut flash = Region::new("flash_primary", 0x10000);
/// flash.strategy = Strategy::Complex;
/// let input = DomainInput {
///     fragments: vec![Fragment::new("pm.yml", "boot: {size: 0x1000, placement: {after: start}}")],
///     static_config: None,
///     regions: vec![flash],
/// };
/// let sol = solve(&input, &Options::default()).unwrap();
/// assert_eq!(sol.address("app"), Some(0x1000));
/// assert_eq!(sol.size("app"), Some(0xf000));
/// ```
pub fn solve(input: &DomainInput, opts: &Options) -> Result<Solution> {
    let trace = std::env::var_os("PM_SOLVE_TRACE").is_some();
    let t0 = std::time::Instant::now();
    let lap = |what: &str| {
        if trace {
            let rss = std::fs::read_to_string("/proc/self/statm")
                .ok()
                .and_then(|s| s.split(' ').nth(1)?.parse::<u64>().ok())
                .map_or(String::new(), |pages| {
                    format!(", resident {} KiB", pages * 4)
                });
            eprintln!("[pm-solve] {what}: {:?}{rss}", t0.elapsed());
        }
    };
    for r in &input.regions {
        let limit = 1i128 << 64;
        if r.size < 0 || r.size > limit || r.base_address.abs() > limit {
            return Err(Error::Regions(format!(
                "region '{}' has an out-of-range size or base address ({:#x} at {:#x})",
                r.name, r.size, r.base_address
            )));
        }
    }
    lap("start");
    let (merged, origins) = merge_fragments(&input.fragments)?;
    lap("merged");
    // Room for every input entry and as many paddings/free-space entries again: growing a
    // large vector copies it into fresh memory, and fresh pages are the main cost at scale.
    let mut ctx = Ctx {
        store: Vec::with_capacity(2 * merged.len() + 16),
        system: Names::with_capacity_and_hasher(merged.len(), FastBuild::default()),
        origins,
        log: Vec::new(),
        collisions: Vec::new(),
        aux_apps: Vec::new(),
    };
    for (k, v) in merged {
        if let Value::Map(m) = v {
            let id = ctx.add(*m);
            ctx.system.insert(k, id);
        }
    }

    // Static configuration (spec §2.4).
    let mut statics = Names::default();
    if let Some(sf) = &input.static_config {
        if let Some((m, pos)) = parse_fragment(sf)? {
            for (k, v) in m {
                if let Value::Map(e) = v {
                    validate_entry(&sf.name, pos.get(&k).copied(), &k, &e)?;
                    ctx.origins.insert(k.clone(), Rc::from(sf.name.as_str()));
                    let id = ctx.add(*e);
                    statics.insert(k, id);
                }
            }
        }
        fix_syntactic_sugar(&mut ctx, &statics);
        for k in statics.keys() {
            if !k.is_empty() && ctx.system.shift_remove(k).is_some() {
                ctx.log.push(format!(
                    "Partition '{k}' is not included in the dynamic resolving since it is statically defined."
                ));
            }
        }
    }
    let system = std::mem::take(&mut ctx.system);
    fix_syntactic_sugar(&mut ctx, &system);
    ctx.system = system;
    if !opts.compat {
        check_statics(&ctx, &statics, &input.regions)?;
    }

    let regions = sort_regions(&ctx, &input.regions)?;
    // Where this layout deliberately differs from the reference's (a warning even without
    // `compat`: the user must know the outputs are not the reference's).
    let mut deviations: Vec<String> = Vec::new();
    let (dropped, doubled) = region_selection(&ctx, &statics, &regions);
    deviations.extend(dropped);
    if !doubled.is_empty() {
        if opts.compat {
            deviations.extend(doubled);
        } else {
            return Err(Error::Layout(doubled.join("; ")));
        }
    }
    let mut result = Names::with_capacity_and_hasher(2 * ctx.store.len(), FastBuild::default());
    for region in &regions {
        let part: Names = ctx
            .system
            .iter()
            .filter(|(_, &id)| region_of(&ctx.store[id]).contains(region.name.as_str()))
            .map(|(k, &id)| (k.clone(), id))
            .collect();
        let stat: Names = statics
            .iter()
            .filter(|(_, &id)| region_of(&ctx.store[id]).contains(region.name.as_str()))
            .map(|(k, &id)| (k.clone(), id))
            .collect();
        let solved =
            solve_region(&mut ctx, region, part, &stat).map_err(|message| Error::Region {
                region: region.name.clone(),
                size: region.size,
                message,
            })?;
        for (k, id) in solved {
            if let Some(&old) = result.get(&k) {
                if k == "app" && old != id && (ctx.is_aux_app(old) || ctx.is_aux_app(id)) {
                    // An auxiliary `app` container only stands in for the image: the entry
                    // with the higher rank wins whatever the region order (ties: the later
                    // region, as in the reference).
                    if ctx.app_rank(id) >= ctx.app_rank(old) {
                        result.insert(k, id);
                    } else {
                        deviations.push(app_kept_warning(&ctx, &regions, input, old, id));
                    }
                    continue;
                }
                if old != id {
                    ctx.collisions.push(format!(
                        "two partitions named '{k}' (regions '{}' and '{}'); the later one would silently replace the earlier one",
                        region_of(&ctx.store[old]),
                        region_of(&ctx.store[id])
                    ));
                }
            }
            result.insert(k, id);
        }
    }

    lap("regions solved");
    let mut partitions = Map::with_capacity(result.len());
    for (k, id) in result {
        partitions.insert(k, Value::Map(Box::new(std::mem::take(&mut ctx.store[id]))));
    }
    let mut sol = Solution {
        partitions,
        regions,
        log: ctx.log.clone(),
        warnings: Vec::new(),
    };
    lap("result built");
    let problems = crate::checks::check_layout(&sol, &ctx, &statics, input);
    lap("checked");
    sol.warnings = deviations;
    if !problems.is_empty() {
        if opts.compat {
            sol.warnings.extend(problems);
        } else {
            return Err(Error::Layout(problems.join("; ")));
        }
    }
    Ok(sol)
}

/// How the reference selects a region's partitions, and what that loses (issue 17 item 8):
/// region `r` takes every partition whose `region` *contains* `r`'s name.
///
/// Returns warnings for partitions no region selects (their region was not passed, or was
/// passed as `ext-flash`, which the command line turns into `ext_flash`): both tools leave
/// them out, the reference without a word. And problems for partitions that two regions
/// select (`flash` with `flash_primary`): the second region places them again, over the
/// first placement, which leaves a hole in the first region; an error unless `compat`.
fn region_selection(ctx: &Ctx, statics: &Names, regions: &[Region]) -> (Vec<String>, Vec<String>) {
    let mut dropped = Vec::new();
    let mut doubled = Vec::new();
    let given: Vec<&str> = regions.iter().map(|r| r.name.as_str()).collect();
    for (name, &id) in ctx.system.iter().chain(statics.iter()) {
        let pr = region_of(&ctx.store[id]);
        let selecting: Vec<&str> = given.iter().copied().filter(|r| pr.contains(r)).collect();
        match selecting.as_slice() {
            [] => {
                let dash = given
                    .iter()
                    .find(|r| pr.replace('-', "_") == **r)
                    .map(|r| format!(" (region names on the command line have '-' turned into '_': write 'region: {r}')"))
                    .unwrap_or_default();
                dropped.push(format!(
                    "partition {} is in region '{pr}', which is not among the regions given ({}): it is left out of the layout, as partition_manager.py leaves it out without a word{dash}",
                    ctx.origin(name),
                    given.join(", ")
                ));
            }
            [_] => {}
            [first, rest @ ..] => doubled.push(format!(
                "partition {} of region '{pr}' is taken by region{} '{}' as well as '{first}': a region takes every partition whose region name contains its own name, so the partition would be placed twice and its first place left as a hole; rename region{} '{}' so that no region name is part of another",
                ctx.origin(name),
                if rest.len() > 1 { "s" } else { "" },
                rest.join("', '"),
                if rest.len() > 1 { "s" } else { "" },
                rest.iter().chain([first]).filter(|r| **r != pr).copied().collect::<Vec<_>>().join("', '"),
            )),
        }
    }
    (dropped, doubled)
}

/// The warning for an `app` entry kept where the reference overwrites it: regions' results
/// are merged in solving order, so the reference lets the later region's `app` win, and when
/// that is the auxiliary `app` container of a region with another dynamic partition (RAM's
/// `sram_primary`), the image's real `app` partition is lost from its output. This solver
/// keeps the image's `app` (see [`Ctx::app_rank`]) and says so.
fn app_kept_warning(
    ctx: &Ctx,
    regions: &[Region],
    input: &DomainInput,
    kept: usize,
    dropped: usize,
) -> String {
    let (kr, dr) = (region_of(&ctx.store[kept]), region_of(&ctx.store[dropped]));
    let reordered = regions
        .iter()
        .map(|r| &r.name)
        .ne(input.regions.iter().map(|r| &r.name));
    let why = if reordered {
        let mut sharers = ctx.system.iter().filter_map(|(n, &id)| {
            let e = &ctx.store[id];
            let src = crate::ordering::names_of(e.get("share_size"))
                .into_iter()
                .next()?;
            let sr = region_of(&ctx.store[*ctx.system.get(&src)?]);
            (region_of(e) == dr && sr == kr).then(|| format!("'{n}' shares the size of '{src}'"))
        });
        match sharers.next() {
            Some(s) => format!(" (it solves '{dr}' after '{kr}' because {s})"),
            None => format!(" (it solves '{dr}' after '{kr}')"),
        }
    } else {
        format!(" ('{dr}' comes after '{kr}' in the regions given)")
    };
    format!(
        "layout differs from partition_manager.py's: it writes the auxiliary 'app' container of region '{dr}' over the 'app' partition of region '{kr}'{why}, which loses the image's partition; this layout keeps the 'app' of region '{kr}'"
    )
}

/// Order the regions so that a region whose partitions share size with partitions of
/// another region comes after it; ties keep the given order (spec §3.1 step 4).
pub(crate) fn sort_regions(ctx: &Ctx, regions: &[Region]) -> Result<Vec<Region>> {
    fn key(ctx: &Ctx, region: &str, used: &mut Vec<String>, depth: usize) -> Result<usize> {
        if used.iter().any(|u| u == region) || depth > 10_000 {
            return Err(Error::Regions(format!(
                "Found 'share_size' loop between the following regions: {}",
                used.join(", ")
            )));
        }
        used.push(region.to_string());
        let mut k = 1;
        for (name, &id) in &ctx.system {
            let e = &ctx.store[id];
            if region_of(e) != region {
                continue;
            }
            let Some(ss) = e.get("share_size") else {
                continue;
            };
            let candidates: Vec<&str> = match ss {
                Value::Str(s) => vec![s.as_str()],
                Value::Seq(items) => items.iter().filter_map(Value::as_str).collect(),
                Value::Map(m) => m
                    .get("one_of")
                    .and_then(Value::as_seq)
                    .map(|s| s.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default(),
                _ => Vec::new(),
            };
            for c in candidates {
                if c == name {
                    continue;
                }
                if let Some(&cid) = ctx.system.get(c) {
                    let other = region_of(&ctx.store[cid]);
                    if other != region {
                        let mut u = used.clone();
                        k = k.max(1 + key(ctx, other, &mut u, depth + 1)?);
                    }
                }
            }
        }
        Ok(k)
    }
    let mut keyed = Vec::new();
    for r in regions {
        keyed.push((key(ctx, &r.name, &mut Vec::new(), 0)?, r.clone()));
    }
    keyed.sort_by_key(|(k, _)| *k);
    Ok(keyed.into_iter().map(|(_, r)| r).collect())
}

type RResult<T> = std::result::Result<T, String>;

fn solve_region(
    ctx: &mut Ctx,
    region: &Region,
    mut reqs: Names,
    statics: &Names,
) -> RResult<Names> {
    match region.strategy {
        Strategy::StartToEnd | Strategy::EndToStart => {
            solve_simple(ctx, region, &mut reqs, statics)?;
        }
        Strategy::Complex => {
            let dp = region
                .dynamic_partition
                .clone()
                .unwrap_or_else(|| "app".into());
            if dp != "app" {
                for &id in reqs.values() {
                    replace_app(&mut ctx.store[id], &dp);
                }
                let mut app = Map::default();
                app.insert("span".into(), Value::Seq(vec![Value::Str(dp.clone())]));
                app.insert("region".into(), Value::Str(region.name.clone()));
                let id = ctx.add(app);
                ctx.aux_apps.push((id, u8::from(dp != region.name)));
                reqs.insert("app".into(), id);
            }
            let mut dpe = Map::default();
            dpe.insert("region".into(), Value::Str(region.name.clone()));
            let id = ctx.add(dpe);
            reqs.insert(dp.clone(), id);
            solve_complex(ctx, region, &dp, &mut reqs, statics)?;
        }
    }
    for (name, &id) in &reqs {
        let e = &mut ctx.store[id];
        let (Some(a), Some(s)) = (
            e.get("address").and_then(Value::as_int),
            e.get("size").and_then(Value::as_int),
        ) else {
            return Err(format!(
                "partition '{name}' has no {}; static partitions need 'address' and 'size'",
                if e.contains_key("address") {
                    "size"
                } else {
                    "address"
                }
            ));
        };
        e.insert("end_address".into(), Value::Int(a + s));
    }
    Ok(reqs)
}

fn replace_app(e: &mut Map, dp: &str) {
    for (_, v) in e.iter_mut() {
        match v {
            Value::Map(m) => replace_app(m, dp),
            Value::Seq(items) if items.iter().any(|i| i.as_str() == Some("app")) => {
                for i in items.iter_mut() {
                    if i.as_str() == Some("app") {
                        *i = Value::Str(dp.to_string());
                    }
                }
            }
            _ => {}
        }
    }
}

/// Gaps between statically placed partitions: `(start, end)` pairs, as the reference computes
/// them (set difference of end points and start points).
pub(crate) fn gaps(first: i128, last: i128, parts: &[(i128, i128)]) -> Vec<(i128, i128)> {
    let starts: HashSet<i128> = std::iter::once(last)
        .chain(parts.iter().map(|&(a, _)| a))
        .collect();
    let ends: HashSet<i128> = std::iter::once(first)
        .chain(parts.iter().map(|&(a, s)| a + s))
        .collect();
    let mut gs: Vec<i128> = ends.difference(&starts).copied().collect();
    let mut ge: Vec<i128> = starts.difference(&ends).copied().collect();
    gs.sort_unstable();
    ge.sort_unstable();
    gs.into_iter().zip(ge).collect()
}

fn fmt_gaps(g: &[(i128, i128)]) -> String {
    g.iter()
        .map(|(a, b)| format!("0x{a:x}-0x{b:x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn int_of(e: &Map, k: &str) -> Option<i128> {
    e.get(k).and_then(Value::as_int)
}

fn solve_simple(ctx: &mut Ctx, region: &Region, reqs: &mut Names, statics: &Names) -> RResult<()> {
    crate::sizes::set_shared_size(ctx, reqs, region.size, None)?;
    let start = region.base_address;
    let size = region.size;
    let mut reserved = 0;
    if !statics.is_empty() {
        let parts: Vec<(i128, i128)> = statics
            .values()
            .filter_map(|&id| {
                let e = &ctx.store[id];
                Some((int_of(e, "address")?, int_of(e, "size")?))
            })
            .collect();
        let g = gaps(start, start + size, &parts);
        if !g.is_empty() {
            let correct = match region.strategy {
                Strategy::StartToEnd => g[0].1 == start + size,
                _ => g[0].0 == start,
            };
            if g.len() != 1 {
                return Err(format!(
                    "Incorrect amount of gaps found in static configuration for region '{}'. There must be exactly one gap in the static configuration to support placing the non-statically-defined partitions. Gaps found ({}):{} The most common solution to this problem is to re-order the defined static partitions so that only one gap remains.",
                    region.name,
                    g.len(),
                    fmt_gaps(&g)
                ));
            } else if !correct {
                return Err(format!(
                    "Statically defined partitions are not packed at {} of region '{}'.",
                    if region.strategy == Strategy::StartToEnd {
                        "start"
                    } else {
                        "end"
                    },
                    region.name
                ));
            }
        }
        reserved = statics
            .values()
            .filter(|&&id| region_of(&ctx.store[id]) == region.name)
            .filter_map(|&id| int_of(&ctx.store[id], "size"))
            .sum();
        for (k, &id) in statics {
            reqs.insert(k.clone(), id);
        }
    }
    let end_to_start = region.strategy == Strategy::EndToStart;
    let mut address = if end_to_start {
        start + size - reserved
    } else {
        start + reserved
    };
    let names: Vec<(String, usize)> = reqs
        .iter()
        .filter(|(_, &id)| !ctx.store[id].contains_key("address"))
        .map(|(k, &id)| (k.clone(), id))
        .collect();
    for (name, id) in names {
        let Some(psize) = int_of(&ctx.store[id], "size") else {
            return Err(format!(
                "partition {} in region '{}' has no size (give 'size' or a 'share_size' that exists)",
                ctx.origin(&name),
                region.name
            ));
        };
        if end_to_start {
            address -= psize;
        }
        let e = &mut ctx.store[id];
        e.insert("address".into(), Value::Int(address));
        if !end_to_start {
            address += psize;
        }
        if !region.device.is_empty() {
            e.insert("device".into(), Value::Str(region.device.clone()));
        }
    }
    if !statics.contains_key(&region.name) {
        if reqs.contains_key(&region.name) {
            return Err(format!(
                "Found partition named {}, this is the name of a region, and is a reserved name (rename the partition {})",
                region.name,
                ctx.origin(&region.name)
            ));
        }
        let mut free = Map::default();
        free.insert("region".into(), Value::Str(region.name.clone()));
        let (a, s) = if end_to_start {
            (start, address - start)
        } else {
            (address, start + size - address)
        };
        free.insert("address".into(), Value::Int(a));
        free.insert("size".into(), Value::Int(s));
        let id = ctx.add(free);
        reqs.insert(region.name.clone(), id);
    }
    Ok(())
}

fn solve_complex(
    ctx: &mut Ctx,
    region: &Region,
    dp: &str,
    reqs: &mut Names,
    statics: &Names,
) -> RResult<()> {
    let mut start = region.base_address;
    let mut free = region.size;
    if !statics.is_empty() {
        let parts: Vec<(i128, i128)> = statics
            .iter()
            .filter(|(k, &id)| k.as_str() != dp && !ctx.store[id].contains_key("span"))
            .filter_map(|(_, &id)| {
                let e = &ctx.store[id];
                Some((int_of(e, "address")?, int_of(e, "size")?))
            })
            .collect();
        let g = gaps(start, start + free, &parts);
        if g.len() != 1 {
            return Err(format!(
                "Incorrect amount of gaps found in static configuration. There must be exactly one gap in the static configuration to support placing the dynamic partitions (such as 'app'). Gaps found ({}):{} The most common solution to this problem is to fill the smallest of these gaps with statically defined partition(s) until there is only one gap left. Alternatively re-order the already defined static partitions so that only one gap remains.",
                g.len(),
                fmt_gaps(&g)
            ));
        }
        start = g[0].0;
        free = g[0].1 - g[0].0;
        if reqs.len() == 1 {
            for (k, &id) in statics {
                reqs.insert(k.clone(), id);
            }
            let e = &mut ctx.store[reqs[dp]];
            e.insert("address".into(), Value::Int(start));
            e.insert("size".into(), Value::Int(free));
            return Ok(());
        }
    }
    let trace = std::env::var_os("PM_SOLVE_TRACE").is_some();
    let t = std::time::Instant::now();
    let (solution, subs) = crate::ordering::resolve(ctx, reqs, dp)?;
    if trace {
        eprintln!("[pm-solve]   resolved: {:?}", t.elapsed());
    }
    crate::sizes::set_addresses_and_align(ctx, reqs, &subs, solution, free, dp, start)?;
    if trace {
        eprintln!("[pm-solve]   addresses: {:?}", t.elapsed());
    }
    place_containers(ctx, reqs, &subs)?;
    if trace {
        eprintln!("[pm-solve]   containers: {:?}", t.elapsed());
    }
    for (k, &id) in statics {
        if k != dp {
            if let Some(&old) = reqs.get(k) {
                if old != id {
                    ctx.collisions.push(format!(
                        "the static partition '{k}' from the static configuration replaces the generated partition '{k}' ({:#x}-{:#x}); rename or remove the stale entry in pm_static.yml",
                        int_of(&ctx.store[old], "address").unwrap_or(0),
                        int_of(&ctx.store[old], "address").unwrap_or(0)
                            + int_of(&ctx.store[old], "size").unwrap_or(0)
                    ));
                }
            }
            reqs.insert(k.clone(), id);
        }
    }
    Ok(())
}

fn ctx_from(partitions: &Map) -> Ctx {
    let mut ctx = Ctx {
        store: Vec::new(),
        system: Names::default(),
        origins: HashMap::default(),
        log: Vec::new(),
        collisions: Vec::new(),
        aux_apps: Vec::new(),
    };
    for (k, v) in partitions {
        let id = ctx.add(v.as_map().cloned().unwrap_or_default());
        ctx.system.insert(k.clone(), id);
    }
    ctx
}

/// The order in which `regions` are solved for these partitions (region names), or the
/// `share_size` loop between regions.
pub fn region_order(partitions: &Map, regions: &[Region]) -> Result<Vec<String>> {
    let ctx = ctx_from(partitions);
    Ok(sort_regions(&ctx, regions)?
        .into_iter()
        .map(|r| r.name)
        .collect())
}

/// Resolve only the order of one complex region's partitions (dynamic partition `dp`):
/// returns the order and the containers left after cleaning (with their flattened
/// `orig_span`). This is the first half of the complex-region solver (spec §3.4).
pub fn resolve_order(partitions: &Map, dp: &str) -> Result<(Vec<String>, Map)> {
    let mut ctx = ctx_from(partitions);
    let mut reqs = ctx.system.clone();
    let (order, subs) =
        crate::ordering::resolve(&mut ctx, &mut reqs, dp).map_err(|message| Error::Region {
            region: String::new(),
            size: 0,
            message,
        })?;
    let containers = subs
        .iter()
        .map(|(k, &id)| (k.clone(), Value::Map(Box::new(ctx.store[id].clone()))))
        .collect();
    Ok((order, containers))
}

/// Containers cover their members, padding between them included (spec §3.8).
fn place_containers(ctx: &mut Ctx, reqs: &mut Names, subs: &Names) -> RResult<()> {
    for (name, &id) in subs {
        let span: Vec<String> = ctx.store[id]
            .get("orig_span")
            .and_then(Value::as_seq)
            .map(|s| {
                s.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let mut lo = i128::MAX;
        let mut hi = i128::MIN;
        for m in &span {
            let Some(&mid) = reqs.get(m) else {
                return Err(format!("member '{m}' of container '{name}' was not placed"));
            };
            let e = &ctx.store[mid];
            let (Some(a), Some(s)) = (int_of(e, "address"), int_of(e, "size")) else {
                return Err(format!(
                    "member {} of container '{name}' was not placed: give it a 'placement' with 'before' or 'after'",
                    ctx.origin(m)
                ));
            };
            lo = lo.min(a);
            hi = hi.max(a + s);
        }
        if span.is_empty() || hi - lo == 0 {
            return Err(format!("No compatible parent partition found for {name}"));
        }
        let e = &mut ctx.store[id];
        let span_v = e
            .get("orig_span")
            .cloned()
            .unwrap_or(Value::Seq(Vec::new()));
        e.insert("span".into(), span_v);
        e.insert("size".into(), Value::Int(hi - lo));
        e.insert("address".into(), Value::Int(lo));
        reqs.insert(name.clone(), id);
    }
    Ok(())
}

/// The complex-region solver on one dynamic area, as the reference's unit tests drive it:
/// `partitions` are the region's entries (the dynamic partition's own entry, if given, is
/// kept), `extra_system` further entries of other regions visible to `share_size`.
/// Returns the region's entries with addresses, sizes and paddings.
pub fn solve_area(
    partitions: &Map,
    extra_system: &Map,
    dp: &str,
    start: i128,
    size: i128,
) -> Result<Map> {
    let mut all = partitions.clone();
    for (k, v) in extra_system {
        all.insert(k.clone(), v.clone());
    }
    let mut ctx = ctx_from(&all);
    let system = ctx.system.clone();
    fix_syntactic_sugar(&mut ctx, &system);
    let mut reqs: Names = partitions
        .keys()
        .map(|k| (k.clone(), ctx.system[k]))
        .collect();
    if !reqs.contains_key(dp) {
        let mut m = Map::default();
        m.insert("region".into(), Value::Str("flash_primary".into()));
        let id = ctx.add(m);
        reqs.insert(dp.to_string(), id);
    }
    let err = |message: String| Error::Region {
        region: "flash_primary".into(),
        size,
        message,
    };
    let (solution, subs) = crate::ordering::resolve(&mut ctx, &mut reqs, dp).map_err(err)?;
    crate::sizes::set_addresses_and_align(&mut ctx, &mut reqs, &subs, solution, size, dp, start)
        .map_err(err)?;
    place_containers(&mut ctx, &mut reqs, &subs).map_err(err)?;
    let mut out = Map::default();
    for (k, &id) in &reqs {
        let e = &mut ctx.store[id];
        if let (Some(a), Some(s)) = (int_of(e, "address"), int_of(e, "size")) {
            e.insert("end_address".into(), Value::Int(a + s));
        }
        out.insert(k.clone(), Value::Map(Box::new(e.clone())));
    }
    Ok(out)
}

/// Parse and check a static configuration (`pm_static.yml`): every entry must be a mapping
/// whose `address`/`size` (when present) are integers. Returns the entries.
pub fn load_static(f: &Fragment) -> Result<Map> {
    let Some((m, pos)) = parse_fragment(f)? else {
        return Ok(Map::default());
    };
    for (k, v) in &m {
        if let Value::Map(e) = v {
            validate_entry(&f.name, pos.get(k).copied(), k, e)?;
        }
    }
    Ok(m)
}

/// Whether `name` is the dynamic partition of complex region `r`: its static entry is
/// ignored by the reference (the space is recomputed from the gap), so it takes no part in
/// the static overlap checks either (issue 17 item 4: NCS files keep a stale `app` entry).
fn is_dynamic_partition(name: &str, r: &Region) -> bool {
    r.strategy == Strategy::Complex && name == r.dynamic_partition.as_deref().unwrap_or("app")
}

/// Static partitions must not overlap each other nor leave their region (the reference
/// never checks; overlapping ones also confuse its gap computation). The region's dynamic
/// partition is left out: its static entry is ignored ([`is_dynamic_partition`]).
fn check_statics(ctx: &Ctx, statics: &Names, regions: &[Region]) -> Result<()> {
    let mut problems = Vec::new();
    for r in regions {
        let mut parts: Vec<(i128, i128, &String)> = statics
            .iter()
            .filter(|(k, &id)| {
                region_of(&ctx.store[id]) == r.name
                    && !ctx.store[id].contains_key("span")
                    && !is_dynamic_partition(k, r)
            })
            .filter_map(|(k, &id)| {
                Some((
                    int_of(&ctx.store[id], "address")?,
                    int_of(&ctx.store[id], "size")?,
                    k,
                ))
            })
            .collect();
        parts.sort();
        for &(a, s, k) in &parts {
            if s > 0 && (a < r.base_address || a + s > r.base_address + r.size) {
                problems.push(format!(
                    "static partition {} ({:#x}-{:#x}) lies outside region '{}' ({:#x}-{:#x})",
                    ctx.origin(k),
                    a,
                    a + s,
                    r.name,
                    r.base_address,
                    r.base_address + r.size
                ));
            }
        }
        for w in parts.windows(2) {
            let ((a1, s1, k1), (a2, _, k2)) = (w[0], w[1]);
            if a2 < a1 + s1 {
                problems.push(format!(
                    "static partitions {} ({:#x}-{:#x}) and {} (from {:#x}) overlap by {:#x} bytes in region '{}'",
                    ctx.origin(k1),
                    a1,
                    a1 + s1,
                    ctx.origin(k2),
                    a2,
                    a1 + s1 - a2,
                    r.name
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Layout(problems.join("; ")))
    }
}
