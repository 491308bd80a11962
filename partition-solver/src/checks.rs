//! Checks the reference tool does not make (spec §6 last row, §7): a layout it would write
//! silently broken is reported here. Each message names the partitions, their addresses,
//! the files they came from and the number of bytes involved.

use crate::model::{DomainInput, Strategy};
use crate::ordering::names_of;
use crate::solver::{Ctx, Names, Solution};
use crate::yaml::{hex, Value};

struct Part<'a> {
    name: &'a str,
    addr: i128,
    size: i128,
    is_static: bool,
}

/// Every problem of the finished layout (empty when it is sound).
pub(crate) fn check_layout(
    sol: &Solution,
    ctx: &Ctx,
    statics: &Names,
    input: &DomainInput,
) -> Vec<String> {
    let mut problems: Vec<String> = ctx.collisions.clone();
    let get = |n: &str| -> Option<(i128, i128)> {
        let e = sol.partitions.get(n)?.as_map()?;
        Some((e.get("address")?.as_int()?, e.get("size")?.as_int()?))
    };
    for region in &sol.regions {
        let lo = region.base_address;
        let hi = region.base_address + region.size;
        let mut parts: Vec<Part> = Vec::with_capacity(sol.partitions.len());
        for (name, v) in &sol.partitions {
            let Some(e) = v.as_map() else { continue };
            if e.get("region").and_then(Value::as_str) != Some(region.name.as_str())
                || e.contains_key("span")
            {
                continue;
            }
            let (Some(addr), Some(size)) = (
                e.get("address").and_then(Value::as_int),
                e.get("size").and_then(Value::as_int),
            ) else {
                continue;
            };
            parts.push(Part {
                name,
                addr,
                size,
                is_static: statics.contains_key(name),
            });
        }
        for p in &parts {
            if p.size < 0 {
                let used: i128 = parts.iter().filter(|q| q.size > 0).map(|q| q.size).sum();
                // The smallest set of requirements that cannot fit together: the largest
                // ones, taken until their sum exceeds the region (fewest rules in conflict).
                let mut biggest: Vec<&Part> = parts
                    .iter()
                    .filter(|q| q.size > 0 && q.name != p.name)
                    .collect();
                biggest.sort_by_key(|q| (-q.size, q.name));
                let mut sum = 0;
                let mut set = Vec::new();
                for q in &biggest {
                    set.push(format!("{} needs {}", ctx.origin(q.name), hex(q.size)));
                    sum += q.size;
                    if sum > region.size {
                        break;
                    }
                }
                let what = if region.strategy == Strategy::Complex {
                    "the dynamic partition"
                } else {
                    "the free-space partition"
                };
                problems.push(format!(
                    "region '{}' is over-subscribed: the partitions need {} bytes, the region has {} ({} short; {what} '{}' would get size {}); {}: {} (together {})",
                    region.name,
                    hex(used),
                    hex(region.size),
                    hex(-p.size),
                    p.name,
                    hex(p.size),
                    if sum > region.size { "smallest set of requirements that cannot fit together" } else { "requirements" },
                    set.join(", "),
                    hex(sum)
                ));
            } else if p.size > 0 && (p.addr < lo || p.addr + p.size > hi) {
                problems.push(format!(
                    "partition {} ({}-{}) lies outside region '{}' ({}-{}){}",
                    ctx.origin(p.name),
                    hex(p.addr),
                    hex(p.addr + p.size),
                    region.name,
                    hex(lo),
                    hex(hi),
                    if p.is_static || statics.contains_key(&region.name) {
                        "; check the static configuration (a stale free-space entry of a simple region pushes new partitions out)"
                    } else {
                        ""
                    }
                ));
            }
        }
        let mut sorted: Vec<&Part> = Vec::with_capacity(parts.len());
        sorted.extend(parts.iter().filter(|p| p.size > 0));
        sorted.sort_by_key(|p| (p.addr, p.name));
        for w in sorted.windows(2) {
            let (a, b) = (w[0], w[1]);
            if b.addr < a.addr + a.size {
                problems.push(format!(
                    "partitions {} ({}-{}) and {} ({}-{}) overlap by {} bytes in region '{}'",
                    ctx.origin(a.name),
                    hex(a.addr),
                    hex(a.addr + a.size),
                    ctx.origin(b.name),
                    hex(b.addr),
                    hex(b.addr + b.size),
                    hex(a.addr + a.size - b.addr),
                    region.name
                ));
            }
        }
    }
    // A static container must still hold its members, and nothing else may have moved into
    // it. A container larger than its members (a frozen slot with room to spare, as the
    // `mcuboot_primary_2` entries of the NCS nRF70 layouts) is sound: the build only ever
    // writes the members, so the spare bytes are unused, not shared.
    for (name, _) in statics {
        let Some(e) = sol.partitions.get(name).and_then(Value::as_map) else {
            continue;
        };
        if !e.contains_key("span") {
            continue;
        }
        let Some((ca, cs)) = get(name) else { continue };
        let members = leaf_members(sol, name);
        let placed: Vec<(String, i128, i128)> = members
            .iter()
            .filter_map(|m| get(m).map(|(a, s)| (m.clone(), a, s)))
            .filter(|p| p.2 > 0)
            .collect();
        if placed.is_empty() {
            continue;
        }
        let lo = placed.iter().map(|p| p.1).min().unwrap_or(ca);
        let hi = placed.iter().map(|p| p.1 + p.2).max().unwrap_or(ca + cs);
        let region = e.get("region").and_then(Value::as_str).unwrap_or("");
        let intruders: Vec<String> = sol
            .partitions
            .iter()
            .filter(|(n, v)| {
                !members.contains(n)
                    && v.as_map().is_some_and(|m| {
                        !m.contains_key("span")
                            && m.get("region").and_then(Value::as_str) == Some(region)
                    })
            })
            .filter_map(|(n, _)| {
                let (a, s) = get(n)?;
                (s > 0 && a < ca + cs && a + s > ca)
                    .then(|| format!("{n} ({}-{})", hex(a), hex(a + s)))
            })
            .collect();
        let moved_out = lo < ca || hi > ca + cs;
        if moved_out || !intruders.is_empty() {
            let member_desc: Vec<String> = placed
                .iter()
                .map(|(m, a, s)| format!("{m} is {}-{}", hex(*a), hex(a + s)))
                .collect();
            problems.push(format!(
                "static container {} ({}-{}) {} ({}){}; update the static configuration ({})",
                ctx.origin(name),
                hex(ca),
                hex(ca + cs),
                if moved_out {
                    "no longer holds its members"
                } else {
                    "no longer matches its members"
                },
                member_desc.join(", "),
                if intruders.is_empty() {
                    String::new()
                } else {
                    format!(" and overlaps {}", intruders.join(", "))
                },
                input
                    .static_config
                    .as_ref()
                    .map_or("pm_static.yml", |f| f.name.as_str())
            ));
        }
    }
    problems.extend(oversized_sharers(sol, ctx));
    problems
}

/// A `share_size` sharer must not be larger than its source: the point of sharing is an
/// equal slot (MCUboot's secondary slot receives what the primary slot holds), and an own
/// `size` beside `share_size` only ever makes the sharer smaller. The reference's split
/// makes it larger in one case: sharers of two different containers that both span the
/// dynamic partition each divide the whole dynamic space as if they were alone, so together
/// they take what the dynamic partition (and so their sources) should have kept.
fn oversized_sharers(sol: &Solution, ctx: &Ctx) -> Vec<String> {
    let size = |n: &str| -> Option<i128> { sol.partitions.get(n)?.as_map()?.get("size")?.as_int() };
    let source_of = |n: &str| -> Option<String> {
        let e = sol.partitions.get(n)?.as_map()?;
        names_of(e.get("share_size")).into_iter().next()
    };
    let mut problems = Vec::new();
    // Sources spanning a region's dynamic partition, per dynamic partition.
    let spans_dynamic = |src: &str| -> Option<String> {
        let e = sol.partitions.get(src)?.as_map()?;
        let region = e.get("region").and_then(Value::as_str)?;
        let r = sol.regions.iter().find(|r| r.name == region)?;
        if r.strategy != Strategy::Complex {
            return None;
        }
        let dp = r.dynamic_partition.clone().unwrap_or_else(|| "app".into());
        (src == dp || names_of(e.get("span")).contains(&dp)).then_some(dp)
    };
    for (name, _) in &sol.partitions {
        let Some(src) = source_of(name) else { continue };
        let (Some(s), Some(ss)) = (size(name), size(&src)) else {
            continue;
        };
        if s <= ss {
            continue;
        }
        let mut why = String::new();
        if let Some(dp) = spans_dynamic(&src) {
            let others: Vec<String> = sol
                .partitions
                .keys()
                .filter_map(|k| {
                    let o = source_of(k)?;
                    (o != src && spans_dynamic(&o).as_deref() == Some(dp.as_str()))
                        .then(|| format!("'{k}' shares '{o}'"))
                })
                .collect();
            if !others.is_empty() {
                why = format!(
                    ": {} also span{} the dynamic partition '{dp}', and the sharers of each container divide the whole dynamic space as if they were alone ({}), leaving '{dp}' {} bytes; let all of them share one container's size",
                    if others.len() == 1 { "another container" } else { "other containers" },
                    if others.len() == 1 { "s" } else { "" },
                    others.join(", "),
                    size(&dp).map_or_else(|| "no".to_string(), hex)
                );
            }
        }
        problems.push(format!(
            "partition {} shares the size of '{src}' ({}) but got {} bytes, {} more than its source{why}",
            ctx.origin(name),
            hex(ss),
            hex(s),
            hex(s - ss)
        ));
    }
    problems
}

/// The partitions a container covers, through nested containers (a static file may list
/// `mcuboot_primary: {span: [mcuboot_pad, mcuboot_primary_app]}` with the latter a
/// container of `app`). Containers met twice are expanded once, so a cycle ends.
fn leaf_members(sol: &Solution, container: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = vec![container.to_string()];
    let mut todo = vec![container.to_string()];
    while let Some(c) = todo.pop() {
        let span = sol
            .partitions
            .get(&c)
            .and_then(Value::as_map)
            .and_then(|e| e.get("span"));
        for m in names_of(span) {
            let nested = sol
                .partitions
                .get(&m)
                .and_then(Value::as_map)
                .is_some_and(|e| e.contains_key("span"));
            if nested {
                if !seen.contains(&m) {
                    seen.push(m.clone());
                    todo.push(m);
                }
            } else if !out.contains(&m) {
                out.push(m);
            }
        }
    }
    out
}
