//! Sizes and addresses of a region's partitions: `share_size` (spec §3.6), the dynamic
//! partition, and address assignment with alignment padding `EMPTY_<n>` (spec §3.7).
//!
//! The reference restarts its address passes recursively after every padding it inserts,
//! which is quadratic and overflows Python's stack near 1,000 paddings. Here the forward pass
//! and the backward pass each run once, resuming right after an inserted padding; a full
//! restart happens only in the cases where a padding changes addresses already computed
//! (padding taken from a dynamic partition), so results are identical to the reference.

use crate::ordering::names_of;
use crate::solver::{Ctx, FastSet, Names};
use crate::yaml::{hex, Map, Value};
use std::collections::HashSet;

type RResult<T> = std::result::Result<T, String>;

const ALIGNMENT_ERROR: &str = " Unable to fulfill alignment requirement automatically. Please re-size the configured partition sizes to get a valid configuration. If you are not able to get a valid configuration either re-evaluate the alignment requirements, or use 'static configuration' (see docs) to specify the partitioning. Note that aligning more than one partition which shares size with the dynamic partition (e.g. 'app') is not supported.";

fn first_of(v: &Value) -> Option<String> {
    match v {
        Value::Seq(items) => items.first()?.as_str().map(String::from),
        Value::Str(s) => Some(s.clone()),
        Value::Map(m) => names_of(m.get("one_of")).into_iter().next(),
        _ => None,
    }
}

fn int(e: &Map, k: &str) -> Option<i128> {
    e.get(k).and_then(Value::as_int)
}

fn py_mod(a: i128, b: i128) -> i128 {
    ((a % b) + b) % b
}

/// The size left for the dynamic partition: `total` minus every sized entry but `dp`.
fn dynamic_size(ctx: &Ctx, view: &Names, total: i128, dp: Option<&str>) -> i128 {
    total
        - view
            .iter()
            .filter(|(k, _)| Some(k.as_str()) != dp)
            .filter_map(|(_, &id)| int(&ctx.store[id], "size"))
            .sum::<i128>()
}

fn size_of(
    ctx: &Ctx,
    view: &Names,
    name: &str,
    total: i128,
    dp: Option<&str>,
    depth: usize,
) -> RResult<i128> {
    if Some(name) == dp {
        return Ok(dynamic_size(ctx, view, total, dp));
    }
    if depth > 256 {
        return Err(format!("containers nest too deeply around '{name}'"));
    }
    let Some(&id) = view.get(name) else {
        return Err(format!(
            "'{name}' is used as a share_size source but does not exist here"
        ));
    };
    let e = &ctx.store[id];
    match e.get("span") {
        None => Ok(int(e, "size").unwrap_or(0)),
        Some(span) => {
            let mut s = 0;
            for m in names_of(Some(span)) {
                s += size_of(ctx, view, &m, total, dp, depth + 1)?;
            }
            Ok(s)
        }
    }
}

fn spans(ctx: &Ctx, e: &Map, target: &str) -> bool {
    let _ = ctx;
    names_of(e.get("span")).iter().any(|m| m == target)
}

fn shared_size(ctx: &Ctx, view: &Names, src: &str, total: i128, dp: Option<&str>) -> RResult<i128> {
    let size = size_of(ctx, view, src, total, dp, 0)?;
    let dynamic_src = Some(src) == dp
        || dp.is_some_and(|d| {
            view.get(src)
                .is_some_and(|&id| spans(ctx, &ctx.store[id], d))
        });
    if dynamic_src {
        let sharers = view
            .get(src)
            .and_then(|&id| int(&ctx.store[id], "sharers"))
            .ok_or_else(|| format!("'{src}' has no sharers count"))?;
        // The reference divides in floating point and truncates.
        return Ok((size as f64 / (sharers + 1) as f64).trunc() as i128);
    }
    Ok(size)
}

fn size_source(ctx: &Ctx, name: &str) -> RResult<String> {
    let mut src = name.to_string();
    let mut steps = 0;
    loop {
        let Some(&id) = ctx.system.get(&src) else {
            if src == "app" {
                return Err(format!(
                    "partition {} shares its size with 'app' directly ('share_size: [app]'), which the Partition Manager does not support (the reference tool crashes with KeyError: 'app'); share the size of a container that spans 'app' instead (for example 'mcuboot_primary_app')",
                    ctx.origin(name)
                ));
            }
            return Err(format!(
                "partition {} shares its size with '{src}', which does not exist",
                ctx.origin(name)
            ));
        };
        match ctx.store[id].get("share_size") {
            None => return Ok(src),
            Some(ss) => {
                src = first_of(ss).ok_or_else(|| {
                    format!(
                        "'share_size' of partition {} names no partition",
                        ctx.origin(&src)
                    )
                })?;
            }
        }
        steps += 1;
        if steps > ctx.system.len() + 1 {
            return Err(format!(
                "'share_size' of partition {} forms a loop",
                ctx.origin(name)
            ));
        }
    }
}

fn dependents(ctx: &Ctx, all: &Names, target: Option<&str>) -> RResult<Vec<String>> {
    let mut out = Vec::new();
    for (k, &id) in all {
        let Some(ss) = ctx.store[id].get("share_size") else {
            continue;
        };
        let Some(s0) = first_of(ss) else { continue };
        if Some(s0.as_str()) == target {
            out.push(k.clone());
            continue;
        }
        let Some(&sid) = ctx.system.get(&s0) else {
            return Err(format!(
                "partition {} shares its size with '{s0}', which does not exist",
                ctx.origin(k)
            ));
        };
        if target.is_some_and(|t| spans(ctx, &ctx.store[sid], t)) {
            out.push(k.clone());
        }
    }
    Ok(out)
}

/// Resolve `share_size` for the partitions of `all` (spec §3.6).
pub(crate) fn set_shared_size(
    ctx: &mut Ctx,
    all: &Names,
    total: i128,
    dp: Option<&str>,
) -> RResult<()> {
    let sharers: Vec<String> = all
        .iter()
        .filter(|(_, &id)| ctx.store[id].contains_key("share_size"))
        .map(|(k, _)| k.clone())
        .collect();
    if sharers.is_empty() {
        return Ok(());
    }
    for req in &sharers {
        let src = size_source(ctx, req)?;
        if let Some(&sid) = all.get(&src) {
            let e = &mut ctx.store[sid];
            let n = int(e, "sharers").unwrap_or(0);
            e.insert("sharers".into(), Value::Int(n + 1));
            ctx.store[all[req]].insert("share_size".into(), Value::Seq(vec![Value::Str(src)]));
        }
    }
    let dynamic = dependents(ctx, all, dp)?;
    let dyn_set: HashSet<&String> = dynamic.iter().collect();
    let system = ctx.system.clone();
    for req in sharers.iter().filter(|r| !dyn_set.contains(r)) {
        let ss = system
            .get(req)
            .and_then(|&id| ctx.store[id].get("share_size"))
            .and_then(first_of)
            .ok_or_else(|| format!("partition {} has an empty 'share_size'", ctx.origin(req)))?;
        let Some(&wid) = system.get(&ss) else {
            return Err(format!(
                "partition {} shares its size with '{ss}', which does not exist",
                ctx.origin(req)
            ));
        };
        let same_region = ctx.store[wid].get("region") == ctx.store[all[req]].get("region");
        let size = if same_region {
            shared_size(ctx, &system, &ss, total, dp)?
        } else {
            int(&ctx.store[wid], "size").ok_or_else(|| {
                format!(
                    "partition {} shares its size with '{ss}' in region '{}', which has no size yet (is that region solved?)",
                    ctx.origin(req),
                    ctx.store[wid].get("region").and_then(Value::as_str).unwrap_or("")
                )
            })?
        };
        ctx.store[all[req]].insert("size".into(), Value::Int(size));
    }
    let mut new_sizes = Vec::new();
    for req in &dynamic {
        let src = first_of(&ctx.store[all[req]]["share_size"]).unwrap_or_default();
        new_sizes.push((req.clone(), shared_size(ctx, all, &src, total, dp)?));
    }
    for (req, s) in new_sizes {
        ctx.store[all[&req]].insert("size".into(), Value::Int(s));
    }
    Ok(())
}

struct Addr<'a> {
    ctx: &'a mut Ctx,
    reqs: &'a mut Names,
    subs: &'a Names,
    dynamic: Vec<String>,
    dyn_set: FastSet<String>,
    /// The `size` each dynamic sharer had beside its `share_size` before sharing replaced it.
    own_sizes: Vec<(String, i128)>,
    empty_count: usize,
    dp: String,
    region: Value,
}

impl Addr<'_> {
    fn id(&self, n: &str) -> usize {
        self.reqs[n]
    }
    fn addr(&self, n: &str) -> i128 {
        int(&self.ctx.store[self.id(n)], "address").unwrap_or(0)
    }
    fn size(&self, n: &str) -> RResult<i128> {
        int(&self.ctx.store[self.id(n)], "size")
            .ok_or_else(|| format!("partition {} has no size", self.ctx.origin(n)))
    }
    fn set_addr(&mut self, n: &str, a: i128) {
        let id = self.id(n);
        match self.ctx.store[id].get_mut("address") {
            Some(v) => *v = Value::Int(a),
            None => {
                self.ctx.store[id].insert("address".into(), Value::Int(a));
            }
        }
    }
    fn end(&self, n: &str) -> RResult<i128> {
        Ok(self.addr(n) + self.size(n)?)
    }
    fn align_of(&self, n: &str) -> Option<&Map> {
        self.ctx.store[self.id(n)]
            .get("placement")?
            .as_map()?
            .get("align")?
            .as_map()
    }
    fn required_offset(&self, n: &str, move_up: bool) -> RResult<i128> {
        let Some(align) = self.align_of(n) else {
            return Ok(0);
        };
        required_offset(align, self.addr(n), self.size(n)?, move_up)
            .map_err(|m| format!("{m} (partition {})", self.ctx.origin(n)))
    }
    fn new_empty(&mut self, addr: i128, size: i128, before: bool, of: &str) -> RResult<String> {
        let name = format!("EMPTY_{}", self.empty_count);
        if self.reqs.contains_key(&name) {
            // The reference overwrites the entry and then fails its address check or drops
            // the partition silently; either way the input is unusable as it stands.
            return Err(format!(
                "the generated padding '{name}' in front of/behind '{of}' would replace the partition {}; rename that partition (names containing 'EMPTY' are reserved for alignment padding)",
                self.ctx.origin(&name)
            ));
        }
        self.empty_count += 1;
        // Room for `end_address`, added when the region is finished.
        let mut m = Map::with_capacity(5);
        m.insert("address".into(), Value::Int(addr));
        m.insert("size".into(), Value::Int(size));
        m.insert("region".into(), self.region.clone());
        let mut p = Map::with_capacity(1);
        p.insert(
            if before { "before" } else { "after" }.into(),
            Value::Seq(vec![Value::Str(of.to_string())]),
        );
        m.insert("placement".into(), Value::Map(Box::new(p)));
        let id = self.ctx.add(m);
        if let Some(old) = self.reqs.insert(name.clone(), id) {
            let o = &self.ctx.store[old];
            self.ctx.collisions.push(format!(
                "the generated padding '{name}' ({}-{}) replaces the partition '{name}' ({}-{}); rename that partition (names containing 'EMPTY' are reserved for padding)",
                hex(addr),
                hex(addr + size),
                hex(int(o, "address").unwrap_or(0)),
                hex(int(o, "address").unwrap_or(0) + int(o, "size").unwrap_or(0))
            ));
        }
        let n = self.dynamic.len() as i128;
        for i in 0..self.dynamic.len() {
            let id = self.id(&self.dynamic[i]);
            let s = int(&self.ctx.store[id], "size").unwrap_or(0);
            self.ctx.store[id].insert("size".into(), Value::Int(s - size.div_euclid(n)));
        }
        Ok(name)
    }
    fn dynamic_padding(&self, full: &[String], cur: &str, off: i128) -> RResult<(i128, i128)> {
        let align_end = self.align_of(cur).is_some_and(|a| a.contains_key("end"));
        let mut place = std::collections::HashMap::default();
        for p in &self.dynamic {
            place.insert(p.clone(), (self.addr(p), self.size(p)?));
        }
        dynamic_padding(&self.dynamic, cur, &place, off, align_end, full)
    }
}

/// How far a partition at `start` of `size` bytes must move to satisfy `align`
/// (`{start: n}` or `{end: n}`): up when `move_up`, else down (the first partition of an
/// area at address 0 cannot move down, so its padding goes behind it). Spec §3.7.
pub fn required_offset(align: &Map, start: i128, size: i128, move_up: bool) -> RResult<i128> {
    let ok = align.len() == 1 && (align.contains_key("start") || align.contains_key("end"));
    if !ok {
        return Err(format!(
            "Invalid alignment requirement {}; use exactly one of 'start' or 'end'",
            Value::Map(Box::new(align.clone())).py_repr()
        ));
    }
    let end = start + size;
    let (key, value) = align
        .iter()
        .next()
        .map(|(k, v)| (k.clone(), v.clone()))
        .unwrap_or((String::new(), Value::Null));
    let a = value.as_int().filter(|&a| a > 0).ok_or_else(|| {
        format!(
            "elements in align: {{{key}:{}}} is not a positive integer",
            value.py_repr()
        )
    })?;
    let align_start = key == "start";
    if (align_start && py_mod(start, a) == 0) || (!align_start && py_mod(end, a) == 0) {
        return Ok(0);
    }
    Ok(if move_up {
        if align_start {
            a - py_mod(start, a)
        } else {
            a - py_mod(end, a)
        }
    } else if align_start {
        py_mod(start, a)
    } else if start != 0 {
        py_mod(end, a)
    } else {
        a - py_mod(end, a)
    })
}

/// The padding that moves dynamic partition `cur` down by `off` bytes by shrinking every
/// dynamic partition (`dynamic`: the dynamic partition and its size sharers) evenly.
/// `place` gives address and size of the dynamic partitions, `solution` the order.
/// Returns the padding's provisional address and its size (spec §3.7).
pub fn dynamic_padding(
    dynamic: &[String],
    cur: &str,
    place: &std::collections::HashMap<String, (i128, i128)>,
    off: i128,
    align_end: bool,
    solution: &[String],
) -> RResult<(i128, i128)> {
    let dyn_sol: Vec<&String> = solution.iter().filter(|x| dynamic.contains(x)).collect();
    let (Some(first), Some(last)) = (dyn_sol.first(), dyn_sol.last()) else {
        return Err("no dynamic partition in the order".into());
    };
    let pos = |n: &str| solution.iter().position(|x| x == n).unwrap_or(0) as i128;
    let mut in_front = pos(cur) - pos(first);
    if off <= 0 {
        return Err("Invalid move size specified, must be > 0.".into());
    }
    if align_end {
        in_front += 1;
    }
    if in_front <= 0 {
        return Err(format!(
            "cannot align the dynamic partition '{cur}': it is the first dynamic partition.{ALIGNMENT_ERROR}"
        ));
    }
    let red = off.div_euclid(in_front);
    if red % 4 != 0 {
        return Err(format!(
            "The current configuration gives {first} a non-word-aligned size.{ALIGNMENT_ERROR}"
        ));
    }
    let first_size = place.get(first.as_str()).map_or(0, |p| p.1);
    if red >= first_size {
        return Err(format!(
            "The current configuration is invalid because it requires {first}'s size to be less than 0.{ALIGNMENT_ERROR}"
        ));
    }
    let (la, ls) = place.get(last.as_str()).copied().unwrap_or((0, 0));
    let e_size = red * dynamic.len() as i128;
    Ok((la + ls - e_size, e_size))
}

/// Assign sizes and addresses in a complex region's dynamic area (`start`, `size`), inserting
/// alignment paddings, then verify that the order tiles the area exactly.
pub(crate) fn set_addresses_and_align(
    ctx: &mut Ctx,
    reqs: &mut Names,
    subs: &Names,
    solution: Vec<String>,
    size: i128,
    dp: &str,
    start: i128,
) -> RResult<()> {
    let mut dynamic = vec![dp.to_string()];
    let own_sizes: Vec<(String, i128)> = reqs
        .iter()
        .filter(|(_, &id)| ctx.store[id].contains_key("share_size"))
        .filter_map(|(k, &id)| Some((k.clone(), int(&ctx.store[id], "size")?)))
        .collect();
    let any_sharer = reqs
        .values()
        .chain(subs.values())
        .any(|&id| ctx.store[id].contains_key("share_size"));
    if any_sharer {
        let mut all = reqs.clone();
        for (k, &id) in subs {
            all.insert(k.clone(), id);
        }
        set_shared_size(ctx, &all, size, Some(dp))?;
        dynamic.extend(dependents(ctx, &all, Some(dp))?);
    }
    let dp_size = dynamic_size(ctx, reqs, size, Some(dp));
    ctx.store[reqs[dp]].insert("size".into(), Value::Int(dp_size));
    let first = solution[0].clone();
    ctx.store[reqs[&first]].insert("address".into(), Value::Int(start));

    // Every sized partition must have a place in the order.
    let in_sol: FastSet<&String> = solution.iter().collect();
    for (k, &id) in reqs.iter() {
        if !in_sol.contains(k) && ctx.store[id].contains_key("size") {
            return Err(format!(
                "partition {} has a size but no place in region '{}': give it a 'placement' with 'before' or 'after' (the reference tool reports this as \"End of last partition is after last valid address\")",
                ctx.origin(k),
                ctx.store[id].get("region").and_then(Value::as_str).unwrap_or("")
            ));
        }
    }
    if reqs.len() <= 1 {
        return Ok(());
    }
    for p in &solution {
        let e = &ctx.store[reqs[p]];
        if e.contains_key("align") {
            return Err(format!(
                "'align' config is misplaced (should be part of 'placement') in partition {}.",
                ctx.origin(p)
            ));
        }
        if e.contains_key("align_next") {
            return Err(format!(
                "'align_next' config is misplaced (should be part of 'placement') in partition {}.",
                ctx.origin(p)
            ));
        }
    }
    let non_empty: Vec<&String> = solution.iter().filter(|p| !p.contains("EMPTY_")).collect();
    for w in non_empty.windows(2) {
        let (part, next) = (w[0], w[1]);
        let a_next = match ctx.store[reqs[part]].get_mut("placement") {
            Some(Value::Map(p)) => p.shift_remove("align_next"),
            _ => None,
        };
        let Some(a_next) = a_next else { continue };
        let a_next = a_next.as_int().unwrap_or(0);
        let e = &mut ctx.store[reqs[next]];
        let p = e.get_or_insert_with("placement", || Value::Map(Box::default()));
        let Value::Map(p) = p else {
            return Err(format!("'placement' of '{next}' is not a mapping"));
        };
        let al = p.get_or_insert_with("align", || Value::Map(Box::default()));
        let Value::Map(al) = al else {
            return Err(format!("'align' of '{next}' is not a mapping"));
        };
        if al.contains_key("end") {
            return Err(format!("Align config already present in {next} (align_next of '{part}' meets its 'align: {{end}}')"));
        }
        let mut alignment = a_next;
        if let Some(a_start) = al.get("start").and_then(Value::as_int) {
            if a_start != 0 && a_next != 0 && (a_start % a_next == 0 || a_next % a_start == 0) {
                alignment = a_next.max(a_start);
            } else {
                return Err(format!(
                    "Align config already present in {next} (align_next {} of '{part}' and align.start {} do not divide each other)",
                    hex(a_next),
                    hex(a_start)
                ));
            }
        }
        al.insert("start".into(), Value::Int(alignment));
    }

    let empty_count = reqs.keys().filter(|k| k.contains("EMPTY")).count();
    let region = ctx.store[reqs[dp]]
        .get("region")
        .cloned()
        .unwrap_or(Value::Null);
    let dyn_set: FastSet<String> = dynamic.iter().cloned().collect();
    let mut st = Addr {
        ctx,
        reqs,
        subs,
        dynamic,
        dyn_set,
        own_sizes,
        empty_count,
        dp: dp.to_string(),
        region,
    };
    let mut sol = solution;
    let area_end = start + size;
    // Progress bound of the restart loop: every restart inserts one padding, and a partition
    // needs at most a few (one for itself, one more when a dynamic padding shrinks what lies
    // before it). A dynamic partition whose alignment is undone by its own padding (a
    // `share_size` sharer with its own `size` before `end` next to an aligned partition,
    // issue 17 item 1) would restart forever; the reference runs out of recursion there and
    // reports the alignment error, as this does.
    let limit = restart_limit(&sol, |p| st.align_of(p).is_some());
    let mut restarts = 0usize;
    'restart: loop {
        restarts += 1;
        if restarts > limit {
            return Err(format!(
                "the paddings inserted to align the partitions do not converge after {limit} attempts.{ALIGNMENT_ERROR}"
            ));
        }
        let dp_idx = sol.iter().position(|x| *x == st.dp).unwrap_or(0);
        // Forward pass: from the first partition up to and including the dynamic partition.
        let mut out: Vec<String> = Vec::with_capacity(sol.len() + 16);
        // The first dynamic partition of the forward pass: paddings inserted behind it make
        // the addresses computed after it stale (found once per pass, not per padding, so
        // that 10,000 aligned partitions stay linear).
        let first_dyn = sol[..=dp_idx]
            .iter()
            .position(|p| st.dyn_set.contains(p))
            .unwrap_or(dp_idx);
        for i in 0..=dp_idx {
            let cur = sol[i].clone();
            if let Some(prev) = out.last() {
                let a = st.end(prev)?;
                st.set_addr(&cur, a);
            }
            if i == 0 {
                let al_end = st.align_of(&cur).is_some_and(|a| a.contains_key("end"));
                if al_end && sol.get(1).map(String::as_str) == Some("EMPTY_0") {
                    out.push(cur);
                    continue;
                }
            }
            let move_up = i != 0;
            let off = st.required_offset(&cur, move_up)?;
            if off == 0 {
                out.push(cur);
                continue;
            }
            if !st.dyn_set.contains(&cur) {
                let a = st.addr(&cur);
                if move_up {
                    st.set_addr(&cur, a + off);
                    let e = st.new_empty(a, off, true, &cur)?;
                    // The padding shrank every dynamic partition: the addresses behind a
                    // dynamic partition already placed in this pass are stale (a size
                    // sharer placed first, gen/55), so start over as the reference does.
                    let stale = first_dyn < i;
                    out.push(e);
                    out.push(cur);
                    if stale {
                        out.extend(sol[i + 1..].iter().cloned());
                        sol = out;
                        continue 'restart;
                    }
                } else {
                    let e_addr = a + st.size(&cur)?;
                    if a != 0 {
                        st.set_addr(&cur, a - off);
                    }
                    let e = st.new_empty(e_addr, off, false, &cur)?;
                    out.push(cur.clone());
                    let ea = st.end(&cur)?;
                    st.set_addr(&e, ea);
                    out.push(e.clone());
                }
            } else if !move_up {
                let mut full = out.clone();
                full.extend(sol[i..].iter().cloned());
                let (ea, es) = st.dynamic_padding(&full, &cur, off)?;
                let e = st.new_empty(ea, es, false, &cur)?;
                // Behind `cur`, which is at `out.len()` (paddings inserted in this pass
                // make that more than `i`).
                full.insert(out.len() + 1, e);
                sol = full;
                continue 'restart;
            } else {
                return Err(format!(
                    "Invalid combination, can not have dynamic partition in front of app with alignment ({} shares its size with the dynamic partition, is placed before it and needs alignment padding; place it after '{}' or drop its alignment)",
                    st.ctx.origin(&cur),
                    st.dp
                ));
            }
        }
        // Backward pass: from the last partition down to the one after the dynamic partition.
        let tail: Vec<String> = sol[dp_idx + 1..].to_vec();
        let mut rev: Vec<String> = Vec::with_capacity(tail.len() + 16);
        let mut dyn_above = false;
        let mut j = tail.len();
        while j > 0 {
            j -= 1;
            let cur = tail[j].clone();
            let mut guard = 0;
            loop {
                guard += 1;
                if guard > 64 {
                    return Err(format!(
                        "cannot align partition {}.{ALIGNMENT_ERROR}",
                        st.ctx.origin(&cur)
                    ));
                }
                let higher = match rev.last() {
                    Some(h) => st.addr(h),
                    None => area_end,
                };
                let a = higher - st.size(&cur)?;
                st.set_addr(&cur, a);
                let off = st.required_offset(&cur, false)?;
                if off == 0 {
                    break;
                }
                if !st.dyn_set.contains(&cur) {
                    let e_addr = a + st.size(&cur)?;
                    if a != 0 {
                        st.set_addr(&cur, a - off);
                    }
                    let e = st.new_empty(e_addr, off, false, &cur)?;
                    // The padding shrank every dynamic partition: addresses computed above
                    // a dynamic partition of this pass, or behind one of the forward pass
                    // (the dynamic partition itself, last there, moves nothing), are stale.
                    let stale_forward = first_dyn < dp_idx;
                    if dyn_above || stale_forward {
                        let mut full = out.clone();
                        full.extend(tail[..=j].iter().cloned());
                        full.push(e);
                        full.extend(rev.iter().rev().cloned());
                        sol = full;
                        continue 'restart;
                    }
                    st.set_addr(&e, higher - off);
                    rev.push(e);
                } else {
                    let mut full = out.clone();
                    full.extend(tail[..=j].iter().cloned());
                    full.extend(rev.iter().rev().cloned());
                    let (ea, es) = st.dynamic_padding(&full, &cur, off)?;
                    let e = st.new_empty(ea, es, false, &cur)?;
                    let at = out.len() + j + 1;
                    full.insert(at, e);
                    sol = full;
                    continue 'restart;
                }
            }
            if st.dyn_set.contains(&cur) {
                dyn_above = true;
            }
            rev.push(cur);
        }
        out.extend(rev.into_iter().rev());
        sol = out;
        break;
    }
    // Verify that the order tiles the area.
    let mut expected = start;
    for p in &sol {
        let a = st.addr(p);
        if a != expected {
            return Err(format!(
                "Error when inspecting {p}, invalid address {}, expected {},",
                hex(a),
                hex(expected)
            ));
        }
        expected += st.size(p)?;
    }
    if let Some(last) = sol.last() {
        if st.end(last)? != area_end {
            return Err("End of last partition is after last valid address".into());
        }
    }
    check_dynamic_split(&st, &sol, size)?;
    Ok(())
}

/// How many times the address passes may restart for an order of `sol` in which
/// `aligned` partitions need alignment: four per aligned partition and a margin.
pub fn restart_limit(sol: &[String], aligned: impl Fn(&str) -> bool) -> usize {
    4 * sol.iter().filter(|p| aligned(p)).count() + 16
}

/// Cross-check the dynamic partitions' sizes against the linear model of the dynamic space
/// ([`crate::space`]): each must be within the padding and rounding slack of the optimum.
fn check_dynamic_split(st: &Addr, sol: &[String], area: i128) -> RResult<()> {
    if st.dynamic.len() < 2 {
        return Ok(());
    }
    // A negative dynamic size is over-subscription, reported by the layout checks with the
    // partitions involved; the model (sizes >= 0) has nothing to add.
    for d in &st.dynamic {
        if st.size(d)? < 0 {
            return Ok(());
        }
    }
    let mut fixed = 0;
    let mut padding = 0;
    for p in sol {
        if !st.dyn_set.contains(p) {
            fixed += st.size(p)?;
        }
        if p.starts_with("EMPTY_") {
            padding += st.size(p)?;
        }
    }
    let mut sharers = Vec::new();
    // The own sizes the split took from the dynamic space (dynamic sharers only: a static
    // sharer's size is fixed and counted above).
    let own: i128 = st
        .own_sizes
        .iter()
        .filter(|(n, _)| st.dyn_set.contains(n))
        .map(|(_, v)| *v)
        .sum();
    for s in &st.dynamic[1..] {
        let e = &st.ctx.store[st.id(s)];
        let Some(src) = e
            .get("share_size")
            .and_then(|v| names_of(Some(v)).into_iter().next())
        else {
            return Ok(());
        };
        let Some(&sid) = st.reqs.get(&src).or_else(|| st.subs.get(&src)) else {
            return Ok(());
        };
        let source_sharers = int(&st.ctx.store[sid], "sharers").unwrap_or(0);
        if src == st.dp {
            sharers.push(crate::space::Sharer {
                name: s.clone(),
                source_has_dynamic: true,
                source_fixed: 0,
                source_sharers,
            });
            continue;
        }
        let members = names_of(st.ctx.store[sid].get("span"));
        let mut source_fixed = 0;
        for m in &members {
            if *m == st.dp {
                continue;
            }
            if st.dyn_set.contains(m) || !st.reqs.contains_key(m) {
                return Ok(()); // outside the model (nested sharers)
            }
            source_fixed += st.size(m)?;
        }
        sharers.push(crate::space::Sharer {
            name: s.clone(),
            source_has_dynamic: members.contains(&st.dp),
            source_fixed,
            source_sharers,
        });
    }
    let model = crate::space::SpaceModel {
        area,
        fixed: fixed - padding,
        own,
        dynamic: st.dp.clone(),
        sharers,
    };
    let split = match model.solve() {
        Ok(s) => s,
        // Over-subscription is reported by the layout checks with the partitions involved.
        Err(crate::space::SpaceError::OverSubscribed { .. }) => return Ok(()),
        Err(e) => return Err(e.to_string()),
    };
    let slack = padding as f64 + 4.0 * (st.dynamic.len() as f64 + 1.0);
    for (name, lp) in &split.sizes {
        let actual = st.size(name)? as f64;
        if (actual - lp).abs() > slack {
            return Err(format!(
                "internal check failed: dynamic partition '{name}' got {actual} bytes, the linear model of the dynamic space gives {lp:.0} (slack {slack}); please report this input"
            ));
        }
    }
    Ok(())
}
