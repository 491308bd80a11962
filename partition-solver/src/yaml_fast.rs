//! A fast reader for the YAML subset that `pm.yml`, `pm_static.yml` and `partitions.yml`
//! files use: block mappings and sequences, single-line flow collections, plain and quoted
//! single-line scalars, comments, anchors and aliases. Anything else (merge keys `<<`, keys
//! that are not strings, block scalars, tags,
//! multi-line scalars, documents markers, complex keys, tabs in indentation) makes it give
//! up and [`crate::yaml`] falls back to the general `yaml-rust2` parser, so results never
//! depend on which reader ran. Scalars are resolved with the same YAML 1.1 rules.

use crate::yaml::{resolve_plain, KeyPositions, Map, Value};
use std::collections::HashMap;

/// Capacity of a top-level entry's mapping: a partition gets `region`, `address`,
/// `end_address` and `device` added while it is placed, so room for eight keys avoids
/// growing (copying) every entry's mapping then.
const ENTRY_ROOM: usize = 8;

struct Line<'a> {
    no: usize,
    indent: usize,
    text: &'a str,
}

struct P<'a> {
    lines: Vec<Line<'a>>,
    pos: usize,
    anchors: HashMap<String, Value>,
}

/// Parse `text`, or `None` when it uses YAML outside the supported subset.
pub fn load(text: &str) -> Option<(Value, KeyPositions)> {
    let mut lines = Vec::with_capacity(text.len() / 16 + 1);
    for (i, raw) in text.lines().enumerate() {
        let body = raw.trim_start_matches(' ');
        if body.starts_with('\t') {
            return None;
        }
        let t = strip_comment(body)?.trim_end();
        if t.is_empty() {
            continue;
        }
        if t == "---" || t == "..." || t.starts_with("--- ") || t.starts_with('%') {
            return None;
        }
        lines.push(Line {
            no: i + 1,
            indent: raw.len() - body.len(),
            text: t,
        });
    }
    let mut p = P {
        lines,
        pos: 0,
        anchors: HashMap::default(),
    };
    if p.lines.is_empty() {
        return Some((Value::Null, KeyPositions::default()));
    }
    let indent = p.lines[0].indent;
    if indent != 0 {
        return None;
    }
    // Lines at indentation 0 are the top-level keys (or items): size the map for them.
    let top = p.lines.iter().filter(|l| l.indent == 0).count();
    let mut positions = KeyPositions::with_capacity_and_hasher(top, Default::default());
    let v = p.block(indent, Some(&mut positions), top)?;
    if p.pos != p.lines.len() {
        return None;
    }
    Some((v, positions))
}

/// Remove a trailing comment (`#` after whitespace, outside quotes and flow brackets'
/// quoted parts). `None` if a quote is unterminated.
fn strip_comment(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i < b.len() {
        let c = b[i];
        match quote {
            Some(q) => {
                if c == q {
                    if q == b'\'' && b.get(i + 1) == Some(&b'\'') {
                        i += 1;
                    } else {
                        quote = None;
                    }
                } else if c == b'\\' && q == b'"' {
                    return None;
                }
            }
            None => {
                if c == b'#' && (i == 0 || b[i - 1] == b' ') {
                    return Some(&s[..i]);
                }
                if (c == b'\'' || c == b'"')
                    && (i == 0 || matches!(b[i - 1], b' ' | b'[' | b'{' | b',' | b':'))
                {
                    quote = Some(c);
                }
            }
        }
        i += 1;
    }
    if quote.is_some() {
        return None;
    }
    Some(s)
}

/// Split `key: rest` at the first `: ` (or trailing `:`) outside quotes/brackets.
fn split_key(t: &str) -> Option<(&str, &str)> {
    let b = t.as_bytes();
    if matches!(
        b.first(),
        Some(b'?' | b'[' | b'{' | b'&' | b'*' | b'!' | b'|' | b'>' | b'<')
    ) {
        return None;
    }
    let mut i = 0;
    if b.first() == Some(&b'\'') || b.first() == Some(&b'"') {
        let q = b[0];
        i = 1;
        while i < b.len() {
            if b[i] == q {
                if q == b'\'' && b.get(i + 1) == Some(&b'\'') {
                    i += 2;
                    continue;
                }
                break;
            }
            i += 1;
        }
        i += 1;
        if b.get(i) != Some(&b':') {
            return None;
        }
        return if i + 1 == b.len() || b[i + 1] == b' ' {
            Some((&t[..i], t[i + 1..].trim_start()))
        } else {
            None
        };
    }
    while i < b.len() {
        if b[i] == b':' && (i + 1 == b.len() || b[i + 1] == b' ') {
            return Some((&t[..i], t[i + 1..].trim_start()));
        }
        i += 1;
    }
    None
}

/// A key's text; `None` (the general parser takes over) for a key YAML reads as another
/// type than a string, which the general parser reports (see `yaml::Document`).
fn key_text(k: &str) -> Option<String> {
    match scalar(k)? {
        Value::Str(s) => Some(s),
        _ => None,
    }
}

/// A single scalar (plain or quoted).
fn scalar(s: &str) -> Option<Value> {
    let s = s.trim();
    if let Some(inner) = s.strip_prefix('\'') {
        let inner = inner.strip_suffix('\'')?;
        return Some(Value::Str(inner.replace("''", "'")));
    }
    if let Some(inner) = s.strip_prefix('"') {
        let inner = inner.strip_suffix('"')?;
        if inner.contains('\\') || inner.contains('"') {
            return None;
        }
        return Some(Value::Str(inner.to_string()));
    }
    if s.starts_with([
        '!', '&', '*', '|', '>', '%', '@', '`', '[', ']', '{', '}', ',', '?',
    ]) || s.contains(": ")
        || s.ends_with(':')
        || (s.starts_with('-') && (s.len() == 1 || s.as_bytes()[1] == b' '))
    {
        return None;
    }
    Some(resolve_plain(s))
}

impl<'a> P<'a> {
    /// A block node whose lines are indented by `indent`.
    /// `room`: capacity a mapping parsed here starts with and keeps (the top level's
    /// entries get room for the keys the solver adds); 0: exactly as many as it has.
    fn block(
        &mut self,
        indent: usize,
        mut positions: Option<&mut KeyPositions>,
        room: usize,
    ) -> Option<Value> {
        let first = self.lines.get(self.pos)?;
        if first.indent != indent {
            return None;
        }
        if first.text == "-" || first.text.starts_with("- ") {
            let mut items = Vec::new();
            while let Some(l) = self.lines.get(self.pos) {
                if l.indent != indent || !(l.text == "-" || l.text.starts_with("- ")) {
                    break;
                }
                let rest = l.text[1..].trim_start();
                self.pos += 1;
                if rest.is_empty() {
                    let next = self.lines.get(self.pos)?;
                    if next.indent <= indent {
                        items.push(Value::Null);
                        continue;
                    }
                    let ni = next.indent;
                    items.push(self.block(ni, None, 0)?);
                } else {
                    if split_key(rest).is_some() || rest.starts_with("- ") {
                        return None;
                    }
                    if self.lines.get(self.pos).is_some_and(|n| n.indent > indent) {
                        return None;
                    }
                    items.push(self.inline(rest)?);
                }
            }
            items.shrink_to_fit();
            return Some(Value::Seq(items));
        }
        let top = positions.is_some();
        let child_room = if top { ENTRY_ROOM } else { 0 };
        let mut map = Map::with_capacity(room);
        while let Some(l) = self.lines.get(self.pos) {
            if l.indent < indent {
                break;
            }
            if l.indent > indent {
                return None;
            }
            let (k, rest) = split_key(l.text)?;
            let key = key_text(k)?;
            if key == "<<" {
                return None;
            }
            let (no, col) = (l.no, l.indent + 1);
            self.pos += 1;
            let (anchor, rest) = match rest.strip_prefix('&') {
                Some(a) => {
                    let end = a.find(' ').unwrap_or(a.len());
                    (Some(a[..end].to_string()), a[end..].trim_start())
                }
                None => (None, rest),
            };
            let v = if rest.is_empty() {
                match self.lines.get(self.pos) {
                    Some(n) if n.indent > indent => {
                        let ni = n.indent;
                        self.block(ni, None, child_room)?
                    }
                    // An indentless sequence under a mapping key.
                    Some(n)
                        if n.indent == indent && (n.text == "-" || n.text.starts_with("- ")) =>
                    {
                        self.block(indent, None, 0)?
                    }
                    _ => Value::Null,
                }
            } else {
                if let Some(n) = self.lines.get(self.pos) {
                    if n.indent > indent {
                        return None; // multi-line scalar or similar
                    }
                }
                self.inline(rest)?
            };
            if let Some(a) = anchor {
                self.anchors.insert(a, v.clone());
            }
            if let Some(p) = positions.as_deref_mut() {
                p.insert(key.clone(), (no, col));
            }
            map.insert(key, v);
        }
        if !top && room == 0 {
            map.shrink_to_fit();
        }
        Some(Value::Map(Box::new(map)))
    }

    /// A value written on one line: alias, flow collection or scalar.
    fn inline(&mut self, s: &str) -> Option<Value> {
        if let Some(a) = s.strip_prefix('*') {
            return self.anchors.get(a.trim()).cloned();
        }
        if s.starts_with('[') || s.starts_with('{') {
            let b = s.as_bytes();
            let mut i = 0;
            let v = flow(b, &mut i)?;
            while i < b.len() && b[i] == b' ' {
                i += 1;
            }
            return (i == b.len()).then_some(v);
        }
        scalar(s)
    }
}

fn skip_ws(b: &[u8], i: &mut usize) {
    while *i < b.len() && b[*i] == b' ' {
        *i += 1;
    }
}

/// A flow collection or a scalar inside one.
fn flow(b: &[u8], i: &mut usize) -> Option<Value> {
    skip_ws(b, i);
    match b.get(*i)? {
        b'[' => {
            *i += 1;
            let mut items = Vec::new();
            loop {
                skip_ws(b, i);
                if b.get(*i)? == &b']' {
                    *i += 1;
                    items.shrink_to_fit();
                    return Some(Value::Seq(items));
                }
                let v = flow(b, i)?;
                skip_ws(b, i);
                if b.get(*i) == Some(&b':') {
                    return None; // single-pair mapping inside a sequence
                }
                items.push(v);
                skip_ws(b, i);
                match b.get(*i)? {
                    b',' => *i += 1,
                    b']' => {}
                    _ => return None,
                }
            }
        }
        b'{' => {
            *i += 1;
            let mut map = Map::default();
            loop {
                skip_ws(b, i);
                if b.get(*i)? == &b'}' {
                    *i += 1;
                    map.shrink_to_fit();
                    return Some(Value::Map(Box::new(map)));
                }
                let k = flow(b, i)?;
                skip_ws(b, i);
                if b.get(*i)? != &b':' {
                    return None;
                }
                *i += 1;
                skip_ws(b, i);
                let v = if matches!(b.get(*i)?, b',' | b'}') {
                    Value::Null
                } else {
                    flow(b, i)?
                };
                let key = match k {
                    Value::Str(s) => s,
                    Value::Null => "None".into(),
                    Value::Seq(_) | Value::Map(_) => return None,
                    other => other.py_str(),
                };
                map.insert(key, v);
                skip_ws(b, i);
                match b.get(*i)? {
                    b',' => *i += 1,
                    b'}' => {}
                    _ => return None,
                }
            }
        }
        b'\'' | b'"' => {
            let q = b[*i];
            let start = *i;
            *i += 1;
            while *i < b.len() {
                if b[*i] == q {
                    if q == b'\'' && b.get(*i + 1) == Some(&b'\'') {
                        *i += 2;
                        continue;
                    }
                    break;
                }
                *i += 1;
            }
            *i += 1;
            scalar(std::str::from_utf8(b.get(start..*i)?).ok()?)
        }
        _ => {
            let start = *i;
            while *i < b.len() {
                let c = b[*i];
                if c == b','
                    || c == b']'
                    || c == b'}'
                    || (c == b':'
                        && matches!(b.get(*i + 1), None | Some(b' ' | b',' | b']' | b'}')))
                {
                    break;
                }
                if c == b'[' || c == b'{' || c == b'#' {
                    return None;
                }
                *i += 1;
            }
            let s = std::str::from_utf8(&b[start..*i]).ok()?.trim_end();
            if s.is_empty() {
                return None;
            }
            scalar(s)
        }
    }
}
