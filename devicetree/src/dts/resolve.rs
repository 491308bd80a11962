//! After parsing, in dtlib's order: explicit phandles registered, references
//! in values filled in (phandles assigned on first reference), aliases
//! read, unreferenced `/omit-if-no-ref/` nodes removed, labels checked for
//! uniqueness.

use rustc_hash::FxHashMap;

use super::parser::{attached, ref_to_node, Parser};
use super::tree::{Marker, MarkerKind, NodeId, Property};
use super::{Error, Location};

pub(crate) fn resolve(p: &mut Parser) -> Result<(), Error> {
    let order: Vec<NodeId> = p.tree.nodes().collect();
    register_phandles(p, &order)?;
    let mut next_free = 1u32;
    fixup(p, &order, &mut next_free)?;
    aliases(p)?;
    remove_unreferenced(p, &order);
    labels(p)
}

fn be32(v: &[u8]) -> u32 {
    match v {
        [a, b, c, d] => u32::from_be_bytes([*a, *b, *c, *d]),
        _ => 0,
    }
}

fn register_phandles(p: &mut Parser, order: &[NodeId]) -> Result<(), Error> {
    for &id in order {
        let Some(prop) = p.tree.arena[id.idx()].prop("phandle") else {
            continue;
        };
        let bad = |detail: String| Error::BadPhandle {
            location: prop.location.clone(),
            path: p.tree.path(id),
            detail,
        };
        if prop.value.len() != 4 {
            return Err(bad(format!(
                "expected a 4-byte value, found {} bytes",
                prop.value.len()
            )));
        }
        let mut self_ref = false;
        for m in &prop.markers {
            if let MarkerKind::Phandle(r) = &m.kind {
                let target = ref_to_node(&p.tree, &p.label_index, r)
                    .map_err(|e| e.at(p.lx.location(m.at)))?;
                if target != id {
                    return Err(bad(format!("'phandle = <&{r}>' refers to another node")));
                }
                self_ref = true;
                break;
            }
        }
        if self_ref {
            continue;
        }
        let v = be32(&prop.value);
        if v == 0 || v == u32::MAX {
            return Err(bad(format!("{v:#010x} is not a valid phandle")));
        }
        if let Some(&other) = p.tree.phandle_map.get(&v) {
            return Err(bad(format!(
                "phandle {v:#x} is also used by {}",
                p.tree.path(other)
            )));
        }
        p.tree.phandle_map.insert(v, id);
    }
    Ok(())
}

/// The phandle of `node`, assigning the lowest free one (and adding or
/// filling its `phandle` property, located at the referencing property)
/// when it has none.
fn node_phandle(p: &mut Parser, node: NodeId, src: &Location, next_free: &mut u32) -> [u8; 4] {
    let n = &mut p.tree.arena[node.idx()];
    if let Some(prop) = n.props.iter().find(|q| q.name == "phandle") {
        if prop.value.len() == 4 && prop.value != [0; 4] {
            let mut b = [0; 4];
            b.copy_from_slice(&prop.value[..4]);
            return b;
        }
    }
    while p.tree.phandle_map.contains_key(next_free) {
        *next_free += 1;
    }
    let ph = *next_free;
    p.tree.phandle_map.insert(ph, node);
    let bytes = ph.to_be_bytes();
    match n.props.iter_mut().find(|q| q.name == "phandle") {
        Some(prop) => {
            prop.value = bytes.to_vec();
            prop.location = src.clone();
        }
        None => n.props.push(Property {
            name: "phandle".into(),
            value: bytes.to_vec(),
            markers: vec![Marker {
                offset: 0,
                kind: MarkerKind::Cells(4),
                at: super::lexer::Pos {
                    file: 0,
                    line: 0,
                    col: 0,
                },
            }],
            labels: Vec::new(),
            location: src.clone(),
            node,
        }),
    }
    bytes
}

fn fixup(p: &mut Parser, order: &[NodeId], next_free: &mut u32) -> Result<(), Error> {
    for &id in order {
        let count = p.tree.arena[id.idx()].props.len();
        for i in 0..count {
            let prop = &mut p.tree.arena[id.idx()].props[i];
            if !prop
                .markers
                .iter()
                .any(|m| matches!(m.kind, MarkerKind::Path(_) | MarkerKind::Phandle(_)))
            {
                continue;
            }
            let old = std::mem::take(&mut prop.value);
            let mut markers = std::mem::take(&mut prop.markers);
            let src = prop.location.clone();
            let mut res = Vec::with_capacity(old.len() + 16);
            let mut prev = 0;
            for m in &mut markers {
                let mut pos = m.offset;
                res.extend_from_slice(&old[prev..pos]);
                m.offset = res.len();
                if let MarkerKind::Path(r) | MarkerKind::Phandle(r) = &m.kind {
                    let target = ref_to_node(&p.tree, &p.label_index, r)
                        .map_err(|e| e.at(p.lx.location(m.at)))?;
                    p.tree.arena[target.idx()].referenced = true;
                    if matches!(m.kind, MarkerKind::Path(_)) {
                        res.extend_from_slice(p.tree.path(target).as_bytes());
                        res.push(0);
                    } else {
                        res.extend_from_slice(&node_phandle(p, target, &src, next_free));
                        pos += 4;
                    }
                }
                prev = pos;
            }
            res.extend_from_slice(&old[prev..]);
            let prop = &mut p.tree.arena[id.idx()].props[i];
            prop.value = res;
            prop.markers = markers;
        }
    }
    Ok(())
}

fn aliases(p: &mut Parser) -> Result<(), Error> {
    let Some(&aliases) = p.tree.arena[0].children.get("aliases") else {
        return Ok(());
    };
    let mut out = Vec::new();
    for prop in &p.tree.arena[aliases.idx()].props {
        let bad = |detail: String| Error::BadAlias {
            location: prop.location.clone(),
            alias: prop.name.clone(),
            detail,
        };
        if prop.name.is_empty()
            || !prop
                .name
                .bytes()
                .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase() || c == b'-')
        {
            return Err(bad(
                "alias names may only contain lower-case letters, digits and '-'".into(),
            ));
        }
        let node = prop
            .to_path(&p.tree)
            .map_err(|e| bad(without_location(&e)))?;
        out.push((prop.name.clone(), node));
    }
    p.tree.aliases = out;
    Ok(())
}

/// An error's message without its leading location (for nesting it).
fn without_location(e: &Error) -> String {
    let s = e.to_string();
    match e {
        Error::WrongType { location, .. }
        | Error::NotUtf8 { location, .. }
        | Error::Dangling { location, .. } => s
            .strip_prefix(&format!("{location}: "))
            .map_or_else(|| s.clone(), str::to_owned),
        _ => s,
    }
}

fn remove_unreferenced(p: &mut Parser, order: &[NodeId]) {
    for &id in order {
        let n = &p.tree.arena[id.idx()];
        if n.omit_if_no_ref && !n.referenced && attached(&p.tree, id) {
            if let Some(parent) = n.parent {
                let name = n.name.clone();
                p.tree.arena[parent.idx()].children.shift_remove(&name);
                p.tree.arena[id.idx()].deleted = true;
            }
        }
    }
}

/// What a label is on: a node, a property of it, or an offset in a
/// property's value.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Owner {
    node: NodeId,
    prop: Option<usize>,
    offset: Option<usize>,
}

impl Owner {
    fn location<'t>(&self, tree: &'t super::Tree) -> &'t Location {
        let n = &tree.arena[self.node.idx()];
        match self.prop {
            Some(i) => &n.props[i].location,
            None => &n.location,
        }
    }

    fn describe(&self, tree: &super::Tree) -> String {
        let path = tree.path(self.node);
        match (self.prop, self.offset) {
            (None, _) => format!("on node {path}"),
            (Some(i), None) => format!(
                "on property '{}' of {path}",
                tree.arena[self.node.idx()].props[i].name
            ),
            (Some(i), Some(_)) => format!(
                "in the value of property '{}' of {path}",
                tree.arena[self.node.idx()].props[i].name
            ),
        }
    }
}

fn labels(p: &mut Parser) -> Result<(), Error> {
    let tree = &p.tree;
    let mut seen: FxHashMap<&str, Owner> = FxHashMap::default();
    let mut label_map = FxHashMap::default();
    let mut things: Vec<(&str, Owner)> = Vec::new();
    for id in tree.nodes() {
        let node = &tree.arena[id.idx()];
        things.clear();
        for l in &node.labels {
            let o = Owner {
                node: id,
                prop: None,
                offset: None,
            };
            things.push((l, o));
            label_map.insert(l.clone(), id);
        }
        for (pi, prop) in node.props.iter().enumerate() {
            for l in &prop.labels {
                let o = Owner {
                    node: id,
                    prop: Some(pi),
                    offset: None,
                };
                things.push((l, o));
            }
            for (l, off) in prop.offset_labels() {
                let o = Owner {
                    node: id,
                    prop: Some(pi),
                    offset: Some(off),
                };
                things.push((l, o));
            }
        }
        for &(l, o) in &things {
            match seen.get(l) {
                Some(first) if *first != o => {
                    return Err(Error::DuplicateLabel {
                        location: o.location(tree).clone(),
                        label: l.to_owned(),
                        other: first.location(tree).clone(),
                        first: first.describe(tree),
                        second: o.describe(tree),
                    });
                }
                Some(_) => {}
                None => {
                    seen.insert(l, o);
                }
            }
        }
    }
    p.tree.label_map = label_map;
    Ok(())
}
