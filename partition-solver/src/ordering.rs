//! Ordering of a complex region's partitions from their `before`/`after` anchors (spec §3.4).
//!
//! The reference tool's greedy passes are reproduced exactly, but in linear time: anchors are
//! looked up in per-anchor queues instead of scanning the unsolved list, and the order is a
//! linked list with gap labels instead of a Python list with `index()`/`insert()`.
//!
//! Deterministic tie-break (the reference iterates a Python set here, so its order depends on
//! the hash seed): partitions to place are taken in input (merge) order, container members
//! last as in the reference, and nested container spans are flattened depth-first keeping the
//! first occurrence of each member.

use crate::solver::{Ctx, FastMap, FastSet, Names};
use crate::yaml::{Map, Value};
use std::collections::{HashMap, HashSet, VecDeque};

type RResult<T> = std::result::Result<T, String>;

const INVALID_ONE_OF: &str = "'one_of' was detected in one of the following properties:\n\n- placement\n\n'one of' cannot be used with these properties because its functionality is supported in their keywords by default. Lists should be used instead.";

pub(crate) fn names_of(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Seq(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(String::from))
            .collect(),
        Some(Value::Str(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

pub(crate) fn first_anchor(e: &Map, dir: &str) -> Option<String> {
    let p = e.get("placement")?.as_map()?;
    match p.get(dir)? {
        Value::Seq(items) => items.first()?.as_str().map(String::from),
        Value::Str(s) => Some(s.clone()),
        _ => None,
    }
}

/// Turn every string value into a one-element list, except `size`, `region` and anything
/// under `extra_params` (the reference normalises entries this way before solving).
pub(crate) fn strings_to_lists(m: &mut Map) {
    for (k, v) in m.iter_mut() {
        if k == "extra_params" {
            continue;
        }
        match v {
            Value::Map(inner) => strings_to_lists(inner),
            Value::Str(s) if k != "size" && k != "region" => {
                *v = Value::Seq(vec![Value::Str(std::mem::take(s))]);
            }
            _ => {}
        }
    }
}

fn resolve_one_of(
    m: &mut Map,
    names: &FastSet<String>,
    invalid: bool,
    avail: &dyn Fn() -> String,
) -> RResult<()> {
    let pick = |list: Option<&Value>| -> RResult<String> {
        let items = names_of(list);
        items.iter().find(|x| names.contains(*x)).cloned().ok_or_else(|| {
            format!(
                "'one_of' dict did not evaluate to any partition. Available partitions {}, one_of {}",
                avail(),
                list.map(Value::py_repr).unwrap_or_default()
            )
        })
    };
    for (k, v) in m.iter_mut() {
        match v {
            Value::Map(inner) if inner.contains_key("one_of") => {
                if invalid {
                    return Err(INVALID_ONE_OF.into());
                }
                if inner.len() != 1 {
                    return Err("'one_of' must be the only key in its dict".into());
                }
                let first = pick(inner.get("one_of"))?;
                *v = Value::Seq(vec![Value::Str(first)]);
            }
            Value::Map(inner) => resolve_one_of(inner, names, invalid || k == "placement", avail)?,
            Value::Seq(items) => {
                for item in items.iter_mut() {
                    if let Value::Map(im) = item {
                        if invalid {
                            return Err(INVALID_ONE_OF.into());
                        }
                        if !im.contains_key("one_of") {
                            return Err(
                                "Found illegal dict inside list. Only 'one_of' dicts are allowed"
                                    .into(),
                            );
                        }
                        let first = pick(im.get("one_of"))?;
                        *item = Value::Str(first);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn filter_list(v: &mut Value, keep: &dyn Fn(&str) -> bool) {
    if let Value::Seq(items) = v {
        items.retain(|i| i.as_str().is_some_and(keep));
    }
}

/// Remove zero-size partitions and partitions whose `share_size` targets are all gone
/// (iterated to a fixed point), logging "Dropping partition ...".
fn remove_zero_sized(ctx: &mut Ctx, reqs: &mut Names, dp: &str) {
    let mut deleted: Vec<String> = Vec::new();
    let mut deleted_set: HashSet<String> = HashSet::new();
    loop {
        let mut changed = false;
        for (k, &id) in reqs.iter() {
            if deleted_set.contains(k) {
                continue;
            }
            let zero = matches!(
                ctx.store[id].get("size"),
                Some(Value::Int(0)) | Some(Value::Bool(false))
            );
            if zero {
                deleted_set.insert(k.clone());
                deleted.push(k.clone());
                changed = true;
                continue;
            }
            if !ctx.store[id].contains_key("share_size") {
                continue;
            }
            let non_zero = |p: &str| -> bool {
                p == dp
                    || (!deleted_set.contains(p)
                        && ctx.system.get(p).is_some_and(|&pid| {
                            !matches!(ctx.store[pid].get("size"), Some(Value::Int(0)))
                        }))
            };
            let mut ss = ctx.store[id]["share_size"].clone();
            let empty = match &mut ss {
                Value::Seq(_) => {
                    filter_list(&mut ss, &non_zero);
                    ss.as_seq().is_some_and(Vec::is_empty)
                }
                Value::Map(m) if m.contains_key("one_of") => {
                    if let Some(l) = m.get_mut("one_of") {
                        filter_list(l, &non_zero);
                    }
                    m.get("one_of")
                        .and_then(Value::as_seq)
                        .is_some_and(Vec::is_empty)
                }
                _ => false,
            };
            let e = &mut ctx.store[id];
            if empty {
                e.shift_remove("share_size");
                if !e.contains_key("size") {
                    deleted_set.insert(k.clone());
                    deleted.push(k.clone());
                    changed = true;
                }
            } else {
                e.insert("share_size".into(), ss);
            }
        }
        if !changed {
            break;
        }
    }
    for k in deleted {
        ctx.log
            .push(format!("Dropping partition '{k}' since its size is 0."));
        reqs.shift_remove(&k);
    }
}

/// The order-maintenance list used while placing partitions.
struct Order {
    names: Vec<String>,
    prev: Vec<usize>,
    next: Vec<usize>,
    placed: Vec<bool>,
    label: Vec<u64>,
    dirty: bool,
    head: usize,
}

const NIL: usize = usize::MAX;

impl Order {
    fn relabel(&mut self) {
        let mut n = self.head;
        let mut l: u64 = 0;
        while n != NIL {
            self.label[n] = l;
            l += 1 << 24;
            n = self.next[n];
        }
        self.dirty = false;
    }
    fn link_between(&mut self, x: usize, a: usize, b: usize) {
        self.prev[x] = a;
        self.next[x] = b;
        if a != NIL {
            self.next[a] = x;
        } else {
            self.head = x;
        }
        if b != NIL {
            self.prev[b] = x;
        }
        self.placed[x] = true;
        if !self.dirty && a != NIL && b != NIL && self.label[b] - self.label[a] >= 2 {
            self.label[x] = self.label[a] + (self.label[b] - self.label[a]) / 2;
        } else {
            self.dirty = true;
        }
    }
    fn insert_before(&mut self, x: usize, anchor: usize) {
        let a = self.prev[anchor];
        self.link_between(x, a, anchor);
    }
    fn insert_after(&mut self, x: usize, anchor: usize) {
        let b = self.next[anchor];
        self.link_between(x, anchor, b);
    }
    fn to_vec(&self) -> Vec<usize> {
        let mut out = Vec::new();
        let mut n = self.head;
        while n != NIL {
            out.push(n);
            n = self.next[n];
        }
        out
    }
}

/// Resolve the order of a complex region: returns the order (without `start`/`end`) and the
/// containers (removed from `reqs`).
pub(crate) fn resolve(ctx: &mut Ctx, reqs: &mut Names, dp: &str) -> RResult<(Vec<String>, Names)> {
    let trace = std::env::var_os("PM_SOLVE_TRACE").is_some();
    let t = std::time::Instant::now();
    let lap = |w: &str| {
        if trace {
            eprintln!("[pm-solve]     {w}: {:?}", t.elapsed());
        }
    };
    for &id in reqs.values() {
        strings_to_lists(&mut ctx.store[id]);
    }
    remove_zero_sized(ctx, reqs, dp);
    lap("zero-size");

    for (k, &id) in reqs.iter() {
        if let Some(Value::Map(p)) = ctx.store[id].get("placement") {
            if p.is_empty() {
                return Err(format!(
                    "Found empty 'placement' property for partition {}",
                    ctx.origin(k)
                ));
            }
        }
    }

    let mut known: FastSet<String> = reqs.keys().cloned().collect();
    known.insert("start".into());
    known.insert("end".into());
    let avail = || {
        let mut l: Vec<Value> = reqs.keys().map(|k| Value::Str(k.clone())).collect();
        l.push(Value::Str("end".into()));
        l.push(Value::Str("start".into()));
        Value::Seq(l).py_repr()
    };
    for (k, &id) in reqs.iter() {
        let mut e = std::mem::take(&mut ctx.store[id]);
        let r = resolve_one_of(&mut e, &known, k == "placement", &avail);
        ctx.store[id] = e;
        r.map_err(|m| format!("{m} (in partition {})", ctx.origin(k)))?;
    }

    lap("one_of");
    // Drop references to partitions that do not exist.
    for &id in reqs.values() {
        let e = &mut ctx.store[id];
        let in_reqs = |x: &str| x == dp || known.contains(x);
        if let Some(Value::Map(p)) = e.get_mut("placement") {
            for dir in ["before", "after"] {
                if let Some(v) = p.get_mut(dir) {
                    filter_list(v, &in_reqs);
                    if v.as_seq().is_some_and(Vec::is_empty) {
                        p.shift_remove(dir);
                    }
                }
            }
        }
        let in_map = |x: &str| x == dp || (x != "start" && x != "end" && known.contains(x));
        if let Some(v) = e.get_mut("span") {
            filter_list(v, &in_map);
        }
        if let Some(v) = e.get_mut("inside") {
            filter_list(v, &in_map);
            if v.as_seq().is_some_and(Vec::is_empty) {
                e.shift_remove("inside");
            }
        }
    }

    // Containers.
    let mut subs = Names::default();
    for (k, &id) in reqs.iter() {
        if ctx.store[id].contains_key("span") {
            subs.insert(k.clone(), id);
        }
    }
    for k in subs.keys() {
        reqs.shift_remove(k);
    }
    for (k, &id) in reqs.iter() {
        let inside = names_of(ctx.store[id].get("inside"));
        if let Some(first) = inside.first() {
            let Some(&cid) = subs.get(first) else {
                return Err(format!(
                    "partition {} is 'inside' '{first}', which is not a container (it has no 'span'); name a container or remove 'inside'",
                    ctx.origin(k)
                ));
            };
            match ctx.store[cid].get_mut("span") {
                Some(Value::Seq(items)) => items.push(Value::Str(k.clone())),
                _ => {
                    ctx.store[cid].insert("span".into(), Value::Seq(vec![Value::Str(k.clone())]));
                }
            }
        }
    }
    clean_containers(ctx, reqs, &mut subs)?;

    lap("containers");
    // Partitions to place, in the reference's list order (container members last).
    let unsorted: Vec<String> = reqs
        .iter()
        .filter(|(_, &id)| {
            ctx.store[id]
                .get("placement")
                .and_then(Value::as_map)
                .is_some_and(|p| p.contains_key("before") || p.contains_key("after"))
        })
        .map(|(k, _)| k.clone())
        .collect();
    let unsorted_set: FastSet<&String> = unsorted.iter().collect();
    let mut sorted_subs: Vec<(usize, &String)> = subs
        .iter()
        .map(|(k, &id)| {
            (
                ctx.store[id]
                    .get("span")
                    .and_then(Value::as_seq)
                    .map_or(0, Vec::len),
                k,
            )
        })
        .collect();
    sorted_subs.sort_by_key(|(n, _)| *n);
    let mut in_result: FastSet<String> = FastSet::default();
    let mut chunks: Vec<Vec<String>> = Vec::new();
    for (_, s) in &sorted_subs {
        let mut chunk = Vec::new();
        for m in names_of(ctx.store[subs[*s]].get("span")) {
            if unsorted_set.contains(&m) && !in_result.contains(&m) {
                chunk.push(m);
            }
        }
        for m in &chunk {
            in_result.insert(m.clone());
        }
        chunks.push(chunk);
    }
    let mut unsolved: Vec<String> = unsorted
        .iter()
        .filter(|p| !in_result.contains(*p))
        .cloned()
        .collect();
    for c in chunks.into_iter().rev() {
        unsolved.extend(c);
    }

    // Identical placements are chained in name order.
    let mut buckets: indexmap::IndexMap<String, Vec<String>, crate::solver::FastBuild> =
        indexmap::IndexMap::default();
    for p in &unsolved {
        let mut key = String::new();
        if let Some(pl) = ctx.store[reqs[p]].get("placement") {
            pl.write_py_repr(&mut key);
        }
        buckets.entry(key).or_default().push(p.clone());
    }
    for (_, mut parts) in buckets {
        if parts.len() > 1 {
            parts.sort();
            for w in parts.windows(2) {
                let e = &mut ctx.store[reqs[&w[0]]];
                if let Some(Value::Map(p)) = e.get_mut("placement") {
                    p.insert("before".into(), Value::Seq(vec![Value::Str(w[1].clone())]));
                    p.shift_remove("after");
                }
            }
        }
    }

    lap("ties");
    for (k, &id) in reqs.iter() {
        let e = &ctx.store[id];
        if first_anchor(e, "before").as_deref() == Some("start")
            || first_anchor(e, "after").as_deref() == Some("end")
        {
            return Err(format!(
                "Partition \"{k}\" was placed before start or after end. (partition {})",
                ctx.origin(k)
            ));
        }
    }

    let t = std::time::Instant::now();
    let solution = place(ctx, reqs, &subs, dp, &unsolved)?;
    if std::env::var_os("PM_SOLVE_TRACE").is_some() {
        eprintln!("[pm-solve]   place: {:?}", t.elapsed());
    }

    // Containers must cover consecutive partitions.
    let pos: FastMap<&str, usize> = solution
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    for (sub, &id) in &subs {
        let span = names_of(ctx.store[id].get("span"));
        let mut idx = Vec::new();
        for m in &span {
            match pos.get(m.as_str()) {
                Some(&i) => idx.push(i),
                None => {
                    return Err(format!(
                        "member {} of container '{sub}' has no place in the order: give it a 'placement' with 'before' or 'after'",
                        ctx.origin(m)
                    ))
                }
            }
        }
        if let (Some(&lo), Some(&hi)) = (idx.iter().min(), idx.iter().max()) {
            if hi - lo + 1 != idx.len() {
                let sol_v = Value::Seq(solution.iter().map(|s| Value::Str(s.clone())).collect());
                return Err(format!(
                    "partition {sub} ({}) does not span over consecutive parts. Solution: {}",
                    ctx.store[id]
                        .get("span")
                        .map(Value::py_repr)
                        .unwrap_or_default(),
                    sol_v.py_repr()
                ));
            }
        }
    }
    Ok((solution, subs))
}

fn clean_containers(ctx: &mut Ctx, reqs: &Names, subs: &mut Names) -> RResult<()> {
    let mut del: Vec<String> = Vec::new();
    let mut del_set: HashSet<String> = HashSet::new();
    loop {
        let mut new = false;
        for (k, &id) in subs.iter() {
            if del_set.contains(k) {
                continue;
            }
            let span = names_of(ctx.store[id].get("span"));
            if span.iter().all(|x| del_set.contains(x)) {
                del_set.insert(k.clone());
                del.push(k.clone());
                new = true;
            }
        }
        if !new {
            break;
        }
    }
    for k in &del {
        ctx.log
            .push(format!("Dropping partition '{k}' since it is empty."));
        subs.shift_remove(k);
    }
    fn flat(
        name: &str,
        ctx: &Ctx,
        reqs: &Names,
        subs: &Names,
        memo: &mut HashMap<String, Vec<String>>,
        visiting: &mut Vec<String>,
    ) -> RResult<Vec<String>> {
        if let Some(v) = memo.get(name) {
            return Ok(v.clone());
        }
        if visiting.iter().any(|v| v == name) {
            return Err(format!(
                "containers span each other in a loop: {}",
                visiting.join(" -> ")
            ));
        }
        visiting.push(name.to_string());
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for m in names_of(ctx.store[subs[name]].get("span")) {
            if subs.contains_key(&m) {
                for x in flat(&m, ctx, reqs, subs, memo, visiting)? {
                    if seen.insert(x.clone()) {
                        out.push(x);
                    }
                }
            } else if reqs.contains_key(&m) && seen.insert(m.clone()) {
                out.push(m);
            }
        }
        visiting.pop();
        memo.insert(name.to_string(), out.clone());
        Ok(out)
    }
    let mut memo = HashMap::default();
    let mut flats = Vec::new();
    for k in subs.keys() {
        let f = flat(k, ctx, reqs, subs, &mut memo, &mut Vec::new())?;
        if f.is_empty() {
            return Err(format!("partition {k} is empty"));
        }
        flats.push(f);
    }
    for ((_, &id), f) in subs.iter().zip(flats) {
        let v = Value::Seq(f.into_iter().map(Value::Str).collect());
        ctx.store[id].insert("span".into(), v.clone());
        ctx.store[id].insert("orig_span".into(), v);
    }
    Ok(())
}

/// The before/after passes (spec §3.4 step 8).
fn place(
    ctx: &Ctx,
    reqs: &Names,
    subs: &Names,
    dp: &str,
    unsolved: &[String],
) -> RResult<Vec<String>> {
    let n = unsolved.len() + 3;
    let mut names: Vec<String> = vec!["start".into(), dp.to_string(), "end".into()];
    names.extend(unsolved.iter().cloned());
    let mut node: FastMap<String, usize> = FastMap::with_capacity_and_hasher(n, Default::default());
    for (i, nm) in names.iter().enumerate() {
        node.entry(nm.clone()).or_insert(i);
    }
    let mut order = Order {
        names,
        prev: vec![NIL; n],
        next: vec![NIL; n],
        placed: vec![false; n],
        label: vec![0; n],
        dirty: true,
        head: 0,
    };
    order.placed[0] = true;
    order.placed[1] = true;
    order.placed[2] = true;
    order.next[0] = 1;
    order.prev[1] = 0;
    order.next[1] = 2;
    order.prev[2] = 1;
    order.relabel();

    // Per-anchor queues of unsolved partitions (by node index), in unsolved order.
    let mut queues: [FastMap<String, VecDeque<usize>>; 2] =
        [FastMap::default(), FastMap::default()];
    for (i, p) in unsolved.iter().enumerate() {
        let e = &ctx.store[reqs[p]];
        for (d, dir) in ["before", "after"].iter().enumerate() {
            if let Some(a) = first_anchor(e, dir) {
                queues[d].entry(a).or_default().push_back(i + 3);
            }
        }
    }
    let spans: FastMap<&str, Vec<String>> = subs
        .iter()
        .map(|(k, &id)| (k.as_str(), names_of(ctx.store[id].get("span"))))
        .collect();
    let mut remaining = unsolved.len();
    while remaining > 0 {
        let before = remaining;
        for (d, queue) in queues.iter_mut().enumerate() {
            let mut pool: Vec<String> = order
                .to_vec()
                .into_iter()
                .map(|i| order.names[i].clone())
                .collect();
            pool.extend(subs.keys().cloned());
            let mut idx = 0;
            let mut current = pool[0].clone();
            loop {
                let dep = loop {
                    let Some(q) = queue.get_mut(&current) else {
                        break None;
                    };
                    match q.front() {
                        Some(&x) if order.placed[x] => {
                            q.pop_front();
                        }
                        Some(&x) => break Some(x),
                        None => break None,
                    }
                };
                if let Some(x) = dep {
                    let anchor = match node.get(current.as_str()) {
                        Some(&a)
                            if order.placed[a]
                                && order.names[a] == current
                                && !spans.contains_key(current.as_str()) =>
                        {
                            a
                        }
                        _ => {
                            let Some(members) = spans.get(current.as_str()) else {
                                return Err(format!("cannot place relative to '{current}'"));
                            };
                            if order.dirty {
                                order.relabel();
                            }
                            let placed: Vec<usize> = members
                                .iter()
                                .filter_map(|m| node.get(m.as_str()).copied())
                                .filter(|&m| order.placed[m])
                                .collect();
                            let pick = if d == 0 {
                                placed.iter().min_by_key(|&&m| order.label[m])
                            } else {
                                placed.iter().max_by_key(|&&m| order.label[m])
                            };
                            match pick {
                                Some(&m) => m,
                                None => {
                                    return Err(format!(
                                        "partition {} is placed {} container '{current}', but none of its members has been placed yet",
                                        ctx.origin(&order.names[x]),
                                        if d == 0 { "before" } else { "after" }
                                    ))
                                }
                            }
                        }
                    };
                    if d == 0 {
                        order.insert_before(x, anchor);
                    } else {
                        order.insert_after(x, anchor);
                    }
                    remaining -= 1;
                    current = order.names[x].clone();
                } else {
                    idx += 1;
                    if idx >= pool.len() {
                        break;
                    }
                    current = pool[idx].clone();
                }
            }
        }
        if remaining == before {
            let left: Vec<Value> = (3..n)
                .filter(|&i| !order.placed[i])
                .map(|i| Value::Str(order.names[i].clone()))
                .collect();
            let detail: Vec<String> = (3..n)
                .filter(|&i| !order.placed[i])
                .map(|i| {
                    let nm = &order.names[i];
                    let e = &ctx.store[reqs[nm]];
                    let a = first_anchor(e, "before")
                        .map(|a| format!("before '{a}'"))
                        .or_else(|| first_anchor(e, "after").map(|a| format!("after '{a}'")))
                        .unwrap_or_default();
                    format!("{} {a}", ctx.origin(nm))
                })
                .collect();
            return Err(format!(
                "Unable to solve the following partitions (endless loop):\n{}\n(their anchors are never placed: {})",
                Value::Seq(left).py_repr(),
                detail.join(", ")
            ));
        }
    }
    Ok(order
        .to_vec()
        .into_iter()
        .filter(|&i| i != 0 && i != 2)
        .map(|i| order.names[i].clone())
        .collect())
}
