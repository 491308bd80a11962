//! YAML 1.1 values as PyYAML's `safe_load` sees them, and a `dump` in PyYAML's style.
//!
//! The Partition Manager reads and writes YAML through PyYAML, whose implicit typing follows
//! YAML 1.1: `0x1000` and `0b101` are integers, `017` is octal, `08` is a string, `1:20` is
//! sexagesimal 80, `yes`/`off` are booleans. A YAML 1.2 library resolves these differently, so
//! this module takes the raw scalar events of `yaml-rust2` and resolves plain scalars itself.
//! The emitter writes block style with keys sorted and integers in hex, as
//! `partition_manager.py` does, so that its files are interchangeable with the reference.

use std::collections::HashMap;
use std::fmt::Write as _;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// FNV-1a: partition names are short and trusted, so a fast non-keyed hash is right here.
#[derive(Default, Clone, Copy)]
pub struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        // Final avalanche (MurmurHash3's fmix64): hash tables take their control bits from
        // the top of the hash, which plain FNV mixes poorly for keys that differ at the end.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// The hasher of [`Map`].
pub type FastBuild = std::hash::BuildHasherDefault<Fnv>;

/// An ordered map with string keys (non-string scalar keys are converted to their text).
/// Create one with `Map::default()`.
pub use crate::ordered_map::Map;

/// One YAML value. Integers are `i128` so that sums of many 64-bit values cannot overflow.
#[derive(Debug, Clone)]
pub enum Value {
    /// `~`, `null` or an empty scalar.
    Null,
    /// YAML 1.1 booleans (`true`, `yes`, `on`, ...).
    Bool(bool),
    /// Any YAML 1.1 integer form.
    Int(i128),
    /// A float (kept only so that such input round-trips; the solver rejects it).
    Float(f64),
    /// Any other scalar.
    Str(String),
    /// A sequence.
    Seq(Vec<Value>),
    /// A mapping, in document order (boxed: keeps every value small).
    Map(Box<Map>),
}

impl From<Map> for Value {
    /// Boxes the mapping (how `Value` stores every mapping).
    fn from(m: Map) -> Value {
        Value::Map(Box::new(m))
    }
}

impl PartialEq for Value {
    /// Python equality: mappings compare regardless of order, `True == 1`, `1 == 1.0`.
    fn eq(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (Null, Null) => true,
            (Str(a), Str(b)) => a == b,
            (Seq(a), Seq(b)) => a == b,
            (Map(a), Map(b)) => a.len() == b.len() && a.iter().all(|(k, v)| b.get(k) == Some(v)),
            (Float(a), Float(b)) => a == b,
            (Float(a), b) | (b, Float(a)) => b.as_number().is_some_and(|n| n as f64 == *a),
            (a, b) => match (a.as_number(), b.as_number()) {
                (Some(x), Some(y)) => x == y,
                _ => false,
            },
        }
    }
}

impl Value {
    fn as_number(&self) -> Option<i128> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Bool(b) => Some(i128::from(*b)),
            _ => None,
        }
    }
    /// The integer, if this is one (booleans are not integers here).
    pub fn as_int(&self) -> Option<i128> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
    /// The mapping, if this is one.
    pub fn as_map(&self) -> Option<&Map> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }
    /// The mapping, mutably.
    pub fn as_map_mut(&mut self) -> Option<&mut Map> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }
    /// The sequence, if this is one.
    pub fn as_seq(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }
    /// The sequence, mutably.
    pub fn as_seq_mut(&mut self) -> Option<&mut Vec<Value>> {
        match self {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }
    /// Python's `str()` of the value (used for `EXTRA_PARAM` values and messages).
    pub fn py_str(&self) -> String {
        match self {
            Value::Str(s) => s.clone(),
            other => other.py_repr(),
        }
    }
    /// Append Python's `repr()` of the value to `out` (no intermediate strings).
    pub fn write_py_repr(&self, out: &mut String) {
        match self {
            Value::Str(s) => {
                out.push('\'');
                out.push_str(s);
                out.push('\'');
            }
            Value::Seq(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.write_py_repr(out);
                }
                out.push(']');
            }
            Value::Map(m) => {
                out.push('{');
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push('\'');
                    out.push_str(k);
                    out.push_str("': ");
                    v.write_py_repr(out);
                }
                out.push('}');
            }
            other => out.push_str(&other.py_repr()),
        }
    }
    /// Python's `repr()` of the value.
    pub fn py_repr(&self) -> String {
        match self {
            Value::Null => "None".into(),
            Value::Bool(true) => "True".into(),
            Value::Bool(false) => "False".into(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => format!("{f:?}"),
            Value::Str(s) => format!("'{s}'"),
            Value::Seq(items) => {
                let inner: Vec<String> = items.iter().map(Value::py_repr).collect();
                format!("[{}]", inner.join(", "))
            }
            Value::Map(m) => {
                let inner: Vec<String> = m
                    .iter()
                    .map(|(k, v)| format!("'{k}': {}", v.py_repr()))
                    .collect();
                format!("{{{}}}", inner.join(", "))
            }
        }
    }
    /// A short name of the value's type for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "float",
            Value::Str(_) => "string",
            Value::Seq(_) => "list",
            Value::Map(_) => "mapping",
        }
    }
}

/// A YAML syntax error with its position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct YamlError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What went wrong.
    pub message: String,
}

/// Where each top-level key of a document starts (1-based line and column).
pub type KeyPositions = HashMap<String, (usize, usize), FastBuild>;

struct Builder {
    stack: Vec<(Frame, usize)>,
    anchors: HashMap<usize, Value>,
    root: Option<Value>,
    docs: usize,
    key_positions: KeyPositions,
    non_string_keys: Vec<NonStringKey>,
    error: Option<YamlError>,
}

/// A top-level key that YAML 1.1 reads as another type than a string (`123:`, `on:`,
/// `~:`): PyYAML keeps it as that type; callers that need names report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NonStringKey {
    /// The key as written.
    pub text: String,
    /// What YAML reads it as (`integer`, `boolean`, ...) and the value Python would print.
    pub kind: &'static str,
    /// The value's Python text (`123`, `True`, `None`): the name the map holds it under.
    pub value: String,
    /// 1-based line and column.
    pub at: (usize, usize),
}

/// One mapping being built. PyYAML's merge key (`<<: *base`, YAML 1.1's `!!merge`): the
/// merged mappings' pairs come first and the mapping's own pairs after them, so that an own
/// key overrides a merged one (keeping the merged key's position, as a Python dict does);
/// of several merged mappings in one `<<: [*a, *b]`, the first wins.
struct MapFrame {
    map: Map,
    key: Option<String>,
    key_mark: Option<Marker>,
    /// The pending key is the merge key `<<`.
    merging: bool,
    /// Pairs merged in so far.
    merged: Vec<(String, Value)>,
    /// Where the first merge key is (the position of top-level keys merged in).
    merge_mark: Option<Marker>,
}

enum Frame {
    Seq(Vec<Value>),
    Map(Box<MapFrame>),
}

impl Builder {
    fn push_value(&mut self, v: Value, anchor: usize, mark: Marker) {
        if anchor > 0 {
            self.anchors.insert(anchor, v.clone());
        }
        let depth = self.stack.len();
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(v);
                }
            }
            Some((Frame::Seq(items), _)) => items.push(v),
            Some((Frame::Map(f), _)) => match f.key.take() {
                None => {
                    let k = match v {
                        Value::Str(s) => s,
                        Value::Null => "None".to_string(),
                        other => other.py_str(),
                    };
                    f.key = Some(k);
                    f.key_mark = Some(mark);
                }
                Some(_) if f.merging => {
                    f.merging = false;
                    f.merge_mark.get_or_insert(mark);
                    let maps: Vec<Map> = match v {
                        Value::Map(m) => vec![*m],
                        Value::Seq(items) => {
                            let mut maps = Vec::with_capacity(items.len());
                            for item in items.into_iter().rev() {
                                match item {
                                    Value::Map(m) => maps.push(*m),
                                    other => {
                                        self.error = Some(YamlError {
                                            line: mark.line(),
                                            column: mark.col() + 1,
                                            message: format!(
                                                "expected a mapping for merging ('<<'), but found a {}",
                                                other.kind()
                                            ),
                                        });
                                        return;
                                    }
                                }
                            }
                            maps
                        }
                        other => {
                            self.error = Some(YamlError {
                                line: mark.line(),
                                column: mark.col() + 1,
                                message: format!(
                                    "expected a mapping or list of mappings for merging ('<<'), but found a {}",
                                    other.kind()
                                ),
                            });
                            return;
                        }
                    };
                    for m in maps {
                        f.merged.extend(m);
                    }
                }
                Some(k) => {
                    if depth == 1 {
                        if let Some(m) = f.key_mark.take() {
                            self.key_positions
                                .insert(k.clone(), (m.line(), m.col() + 1));
                        }
                    }
                    f.map.insert(k, v);
                }
            },
        }
    }

    /// The finished mapping of a frame: merged pairs first, own pairs over them.
    fn finish_map(&mut self, f: MapFrame, top_level: bool) -> Map {
        if f.merged.is_empty() {
            return f.map;
        }
        let mut out = Map::with_capacity(f.merged.len() + f.map.len());
        let at = f.merge_mark.map(|m| (m.line(), m.col() + 1));
        for (k, v) in f.merged {
            if top_level {
                if let Some(at) = at {
                    self.key_positions.entry(k.clone()).or_insert(at);
                }
            }
            out.insert(k, v);
        }
        for (k, v) in f.map {
            out.insert(k, v);
        }
        out
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        match ev {
            Event::DocumentStart => {
                self.docs += 1;
            }
            Event::Scalar(text, style, anchor, tag) => {
                let depth = self.stack.len();
                if let Some((Frame::Map(f), _)) = self.stack.last_mut() {
                    if f.key.is_none() {
                        // PyYAML resolves a plain `<<` (or one tagged `!!merge`) to the merge
                        // key; a quoted one is an ordinary string.
                        let merge = (style == TScalarStyle::Plain && text == "<<")
                            || is_tag(tag.as_ref(), "merge");
                        f.merging = merge;
                        let v = resolve_scalar(&text, style, tag.as_ref());
                        if depth == 1 && !merge && !matches!(v, Value::Str(_)) {
                            self.non_string_keys.push(NonStringKey {
                                text: text.clone(),
                                kind: v.kind(),
                                value: match &v {
                                    Value::Null => "None".into(),
                                    other => other.py_str(),
                                },
                                at: (mark.line(), mark.col() + 1),
                            });
                        }
                        self.push_value(v, anchor, mark);
                        return;
                    }
                }
                let v = resolve_scalar(&text, style, tag.as_ref());
                self.push_value(v, anchor, mark);
            }
            Event::Alias(id) => match self.anchors.get(&id).cloned() {
                Some(v) => self.push_value(v, 0, mark),
                None => {
                    self.error = Some(YamlError {
                        line: mark.line(),
                        column: mark.col() + 1,
                        message: "alias to an unknown anchor".into(),
                    })
                }
            },
            Event::SequenceStart(anchor, _) => self.stack.push((Frame::Seq(Vec::new()), anchor)),
            Event::MappingStart(anchor, _) => self.stack.push((
                Frame::Map(Box::new(MapFrame {
                    map: Map::default(),
                    key: None,
                    key_mark: None,
                    merging: false,
                    merged: Vec::new(),
                    merge_mark: None,
                })),
                anchor,
            )),
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((frame, anchor)) = self.stack.pop() {
                    let v = match frame {
                        Frame::Seq(items) => Value::Seq(items),
                        Frame::Map(f) => {
                            let top_level = self.stack.is_empty();
                            Value::Map(Box::new(self.finish_map(*f, top_level)))
                        }
                    };
                    self.push_value(v, anchor, mark);
                }
            }
            _ => {}
        }
    }
}

fn is_tag(tag: Option<&Tag>, suffix: &str) -> bool {
    tag.is_some_and(|t| t.suffix == suffix || t.suffix.ends_with(&format!(":{suffix}")))
}

/// Resolve one scalar the way PyYAML's `SafeLoader` does (YAML 1.1 implicit types).
pub fn resolve_scalar(text: &str, style: TScalarStyle, tag: Option<&Tag>) -> Value {
    if style != TScalarStyle::Plain || is_tag(tag, "str") {
        return Value::Str(text.to_string());
    }
    if is_tag(tag, "int") {
        if let Some(i) = parse_yaml11_int(text) {
            return Value::Int(i);
        }
    }
    resolve_plain(text)
}

/// Resolve an unquoted scalar by YAML 1.1 rules.
pub fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Value::Bool(true)
        }
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Value::Bool(false)
        }
        _ => {}
    }
    // Integers and floats start with a digit, a sign or a dot: a word is a string.
    if text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return Value::Str(text.to_string());
    }
    if let Some(i) = parse_yaml11_int(text) {
        return Value::Int(i);
    }
    if let Some(f) = parse_yaml11_float(text) {
        return Value::Float(f);
    }
    Value::Str(text.to_string())
}

/// Parse a YAML 1.1 integer (`0x1f`, `0b101`, `017` octal, `1_000`, `1:20` sexagesimal).
pub fn parse_yaml11_int(text: &str) -> Option<i128> {
    let (neg, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if body.is_empty() {
        return None;
    }
    let all = |s: &str, f: fn(char) -> bool| !s.is_empty() && s.chars().all(|c| f(c) || c == '_');
    let value: i128 = if let Some(bin) = body.strip_prefix("0b") {
        if !all(bin, |c| c == '0' || c == '1') {
            return None;
        }
        radix(bin, 2)?
    } else if let Some(hex) = body.strip_prefix("0x") {
        if !all(hex, |c| c.is_ascii_hexdigit()) {
            return None;
        }
        radix(hex, 16)?
    } else if body == "0" {
        0
    } else if let Some(oct) = body.strip_prefix('0') {
        if !all(oct, |c| ('0'..='7').contains(&c)) {
            return None;
        }
        radix(oct, 8)?
    } else if body.contains(':') {
        // [1-9][0-9_]*(:[0-5]?[0-9])+
        let mut parts = body.split(':');
        let first = parts.next()?;
        if !first.starts_with(|c: char| ('1'..='9').contains(&c))
            || !all(first, |c| c.is_ascii_digit())
        {
            return None;
        }
        let mut acc = radix(first, 10)?;
        for p in parts {
            let ok = match p.as_bytes() {
                [d] => d.is_ascii_digit(),
                [a, b] => (b'0'..=b'5').contains(a) && b.is_ascii_digit(),
                _ => false,
            };
            if !ok {
                return None;
            }
            acc = acc.checked_mul(60)?.checked_add(p.parse::<i128>().ok()?)?;
        }
        acc
    } else {
        if !body.starts_with(|c: char| ('1'..='9').contains(&c))
            || !all(body, |c| c.is_ascii_digit())
        {
            return None;
        }
        radix(body, 10)?
    };
    Some(if neg { -value } else { value })
}

fn radix(digits: &str, base: u32) -> Option<i128> {
    if !digits.contains('_') {
        // The usual case: nothing to remove.
        return if digits.is_empty() {
            Some(0)
        } else if digits.len() > 36 {
            None
        } else {
            i128::from_str_radix(digits, base).ok()
        };
    }
    let cleaned: String = digits.chars().filter(|&c| c != '_').collect();
    if cleaned.is_empty() {
        return Some(0);
    }
    if cleaned.len() > 36 {
        return None;
    }
    i128::from_str_radix(&cleaned, base).ok()
}

fn parse_yaml11_float(text: &str) -> Option<f64> {
    let body = text.trim_start_matches(['-', '+']);
    match body {
        ".inf" | ".Inf" | ".INF" => {
            return Some(if text.starts_with('-') {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            })
        }
        ".nan" | ".NaN" | ".NAN" if body.len() == text.len() => return Some(f64::NAN),
        _ => {}
    }
    // [-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let dot = mantissa.find('.')?;
    let (int_part, frac) = (&mantissa[..dot], &mantissa[dot + 1..]);
    let ok_int = int_part.is_empty()
        || (int_part.starts_with(|c: char| c.is_ascii_digit())
            && int_part.chars().all(|c| c.is_ascii_digit() || c == '_'));
    let ok_frac = frac.chars().all(|c| c.is_ascii_digit() || c == '_');
    if !ok_int || !ok_frac || (int_part.is_empty() && frac.is_empty()) {
        return None;
    }
    if let Some(e) = exp {
        let digits = e.strip_prefix(['-', '+'])?;
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
    }
    let cleaned: String = text.chars().filter(|&c| c != '_').collect();
    cleaned.parse().ok()
}

/// Parse a YAML document. An empty document gives `Value::Null`.
pub fn load(text: &str) -> Result<Value, YamlError> {
    load_with_positions(text).map(|(v, _)| v)
}

/// Parse a YAML document and report where each top-level key starts.
pub fn load_with_positions(text: &str) -> Result<(Value, KeyPositions), YamlError> {
    load_document(text).map(|d| (d.value, d.positions))
}

/// A parsed document with what the callers that read partition names need besides the value.
#[derive(Debug, Clone)]
pub struct Document {
    /// The value.
    pub value: Value,
    /// Where each top-level key starts.
    pub positions: KeyPositions,
    /// Top-level keys YAML reads as other types than strings, in document order.
    pub non_string_keys: Vec<NonStringKey>,
}

/// Parse a YAML document (the fast subset reader first, the general parser otherwise).
pub fn load_document(text: &str) -> Result<Document, YamlError> {
    if let Some((value, positions)) = crate::yaml_fast::load(text) {
        return Ok(Document {
            value,
            positions,
            non_string_keys: Vec::new(),
        });
    }
    general(text)
}

/// Parse with the general YAML parser only (the fast subset reader is skipped). Both give
/// the same result on every input the fast reader accepts.
pub fn load_general(text: &str) -> Result<(Value, KeyPositions), YamlError> {
    general(text).map(|d| (d.value, d.positions))
}

fn general(text: &str) -> Result<Document, YamlError> {
    let mut builder = Builder {
        stack: Vec::new(),
        anchors: HashMap::default(),
        root: None,
        docs: 0,
        key_positions: HashMap::default(),
        non_string_keys: Vec::new(),
        error: None,
    };
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut builder, false).map_err(|e| YamlError {
        line: e.marker().line(),
        column: e.marker().col() + 1,
        message: e.info().to_string(),
    })?;
    if let Some(e) = builder.error {
        return Err(e);
    }
    Ok(Document {
        value: builder.root.unwrap_or(Value::Null),
        positions: builder.key_positions,
        non_string_keys: builder.non_string_keys,
    })
}

/// Python's `hex()`: `0x1f`, `-0x20`.
pub fn hex(i: i128) -> String {
    if i < 0 {
        format!("-0x{:x}", -i)
    } else {
        format!("0x{i:x}")
    }
}

/// Append Python's `hex()` of `i` (what [`hex`] returns) without the formatting machinery:
/// a layout has a few integers per partition.
fn write_hex(out: &mut String, i: i128) {
    if i < 0 {
        out.push('-');
    }
    out.push_str("0x");
    let mut n = i.unsigned_abs();
    let mut buf = [0u8; 32];
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b"0123456789abcdef"[(n & 0xf) as usize];
        n >>= 4;
        if n == 0 {
            break;
        }
    }
    for &c in &buf[at..] {
        out.push(char::from(c));
    }
}

/// How a value should be dumped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntStyle {
    /// `0x1000`, as `partition_manager.py` writes.
    Hex,
    /// `4096`, as PyYAML writes by default (the failure report).
    Decimal,
}

/// Dump a value in PyYAML's block style with sorted keys. `span`/`orig_span` lists that are
/// equal within one mapping are written once with an anchor and once as an alias, as the
/// reference tool's output has them.
pub fn dump(value: &Value, ints: IntStyle) -> String {
    let mut out = String::new();
    let mut anchors = 0usize;
    match value {
        Value::Map(m) if !m.is_empty() => dump_map(m, 0, ints, &mut out, &mut anchors),
        Value::Seq(s) if !s.is_empty() => dump_seq(s, 0, ints, &mut out, &mut anchors),
        other => {
            out.push_str(&scalar_text(other, ints));
            out.push('\n');
        }
    }
    out
}

/// [`dump`] of a mapping, without wrapping it in a [`Value`].
pub fn dump_map_text(m: &Map, ints: IntStyle) -> String {
    if m.is_empty() {
        return "{}\n".into();
    }
    let mut out = String::with_capacity(m.len() * 192);
    dump_map(m, 0, ints, &mut out, &mut 0);
    out
}

fn pad(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(' ');
    }
}

fn write_key(out: &mut String, k: &str) {
    if plain_ok(k) {
        out.push_str(k);
    } else {
        out.push_str(&quote_if_needed(k));
    }
}

fn dump_map(m: &Map, indent: usize, ints: IntStyle, out: &mut String, anchors: &mut usize) {
    // Sorted by key bytes (Python's order for str); the first eight bytes as a big-endian
    // number settle most comparisons without a call to memcmp.
    // Small mappings (nearly all) are sorted in a stack array.
    const SMALL: usize = 16;
    let key = |i: usize| m.get_index(i).map_or("", |(k, _)| k.as_str());
    let mut small = [0usize; SMALL];
    let large: Vec<usize>;
    let order: &[usize] = if m.len() <= SMALL {
        for (i, slot) in small.iter_mut().enumerate().take(m.len()) {
            *slot = i;
        }
        small[..m.len()].sort_unstable_by(|&a, &b| key(a).cmp(key(b)));
        &small[..m.len()]
    } else {
        let prefix = |k: &str| {
            let mut p = [0u8; 8];
            let n = k.len().min(8);
            p[..n].copy_from_slice(&k.as_bytes()[..n]);
            u64::from_be_bytes(p)
        };
        let mut keyed: Vec<(u64, usize)> = (0..m.len()).map(|i| (prefix(key(i)), i)).collect();
        keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| key(a.1).cmp(key(b.1))));
        large = keyed.into_iter().map(|(_, i)| i).collect();
        &large
    };
    let share = matches!((m.get("span"), m.get("orig_span")), (Some(a @ Value::Seq(s)), Some(b)) if a == b && !s.is_empty());
    let mut alias: Option<usize> = None;
    for (k, v) in order.iter().filter_map(|&i| m.get_index(i)) {
        pad(out, indent);
        write_key(out, k);
        if share && (k == "orig_span" || k == "span") {
            match alias {
                None => {
                    *anchors += 1;
                    alias = Some(*anchors);
                    let _ = writeln!(out, ": &id{:03}", *anchors);
                    if let Value::Seq(s) = v {
                        dump_seq(s, indent, ints, out, anchors);
                    }
                }
                Some(id) => {
                    let _ = writeln!(out, ": *id{id:03}");
                }
            }
            continue;
        }
        match v {
            Value::Map(inner) if !inner.is_empty() => {
                out.push_str(":\n");
                dump_map(inner, indent + 2, ints, out, anchors);
            }
            Value::Seq(inner) if !inner.is_empty() => {
                out.push_str(":\n");
                dump_seq(inner, indent, ints, out, anchors);
            }
            other => {
                out.push_str(": ");
                write_scalar(out, other, ints);
                out.push('\n');
            }
        }
    }
}

fn dump_seq(s: &[Value], indent: usize, ints: IntStyle, out: &mut String, anchors: &mut usize) {
    for v in s {
        match v {
            Value::Map(inner) if !inner.is_empty() => {
                // First key on the dash line, the rest indented under it.
                let mut sub = String::new();
                dump_map(inner, indent + 2, ints, &mut sub, anchors);
                let trimmed = sub.trim_start_matches(' ');
                pad(out, indent);
                out.push_str("- ");
                out.push_str(trimmed);
            }
            Value::Seq(inner) if !inner.is_empty() => {
                pad(out, indent);
                out.push_str("-\n");
                dump_seq(inner, indent + 2, ints, out, anchors);
            }
            other => {
                pad(out, indent);
                out.push_str("- ");
                write_scalar(out, other, ints);
                out.push('\n');
            }
        }
    }
}

fn write_scalar(out: &mut String, v: &Value, ints: IntStyle) {
    match v {
        Value::Int(i) => match ints {
            IntStyle::Hex => write_hex(out, *i),
            IntStyle::Decimal => {
                let _ = write!(out, "{i}");
            }
        },
        Value::Str(s) if plain_ok(s) => out.push_str(s),
        other => out.push_str(&scalar_text(other, ints)),
    }
}

fn scalar_text(v: &Value, ints: IntStyle) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => if *b { "true" } else { "false" }.into(),
        Value::Int(i) => match ints {
            IntStyle::Hex => hex(*i),
            IntStyle::Decimal => i.to_string(),
        },
        Value::Float(f) => {
            if f.is_nan() {
                ".nan".into()
            } else if f.is_infinite() {
                if *f > 0.0 { ".inf" } else { "-.inf" }.into()
            } else {
                format!("{f:?}")
            }
        }
        Value::Str(s) => quote_if_needed(s),
        Value::Seq(_) => "[]".into(),
        Value::Map(_) => "{}".into(),
    }
}

/// Whether a string can be written as a plain scalar and read back as the same string.
fn plain_ok(s: &str) -> bool {
    // Fast path: a word of letters, digits and `_` starting with a letter or `_` is plain
    // unless it is one of the null/boolean words (numbers start with a digit, sign or dot).
    let b = s.as_bytes();
    if b.first()
        .is_some_and(|&c| c.is_ascii_alphabetic() || c == b'_')
        && b.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_')
    {
        return !is_null_or_bool_word(s);
    }
    !s.is_empty()
        && s != "~"
        // A plain `<<` is the merge key (PyYAML quotes the string too).
        && s != "<<"
        && !is_null_or_bool_word(s)
        && (!s.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '.'))
            || (parse_yaml11_int(s).is_none() && parse_yaml11_float(s).is_none()))
        && !s.starts_with([
            '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%',
            '@', '`', ' ',
        ])
        && !s.ends_with([' ', ':'])
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.chars().any(|c| c.is_control())
}

/// The words PyYAML resolves to null or a boolean.
fn is_null_or_bool_word(s: &str) -> bool {
    matches!(
        s,
        "null"
            | "Null"
            | "NULL"
            | "yes"
            | "Yes"
            | "YES"
            | "true"
            | "True"
            | "TRUE"
            | "on"
            | "On"
            | "ON"
            | "no"
            | "No"
            | "NO"
            | "false"
            | "False"
            | "FALSE"
            | "off"
            | "Off"
            | "OFF"
    )
}

fn quote_if_needed(s: &str) -> String {
    if plain_ok(s) {
        s.to_string()
    } else if s.chars().any(|c| c.is_control()) {
        let mut q = String::from('"');
        for c in s.chars() {
            match c {
                '"' => q.push_str("\\\""),
                '\\' => q.push_str("\\\\"),
                '\n' => q.push_str("\\n"),
                '\t' => q.push_str("\\t"),
                c if c.is_control() => {
                    let _ = write!(q, "\\x{:02x}", c as u32);
                }
                c => q.push(c),
            }
        }
        q.push('"');
        q
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every partition entry is a tree of values; a mapping held inline made each value
    /// (and each map slot) 80 bytes. Boxed, a value is as small as its `i128` allows.
    #[test]
    fn values_stay_small() {
        assert!(std::mem::size_of::<Value>() <= 32);
    }

    #[test]
    fn yaml11_integers() {
        assert_eq!(parse_yaml11_int("0x1000"), Some(4096));
        assert_eq!(parse_yaml11_int("017"), Some(15));
        assert_eq!(parse_yaml11_int("08"), None);
        assert_eq!(parse_yaml11_int("0o17"), None);
        assert_eq!(parse_yaml11_int("0b101"), Some(5));
        assert_eq!(parse_yaml11_int("1_000"), Some(1000));
        assert_eq!(parse_yaml11_int("0x_10"), Some(16));
        assert_eq!(parse_yaml11_int("1:20"), Some(80));
        assert_eq!(parse_yaml11_int("-0x20"), Some(-32));
        assert_eq!(resolve_plain("yes"), Value::Bool(true));
        assert_eq!(resolve_plain("08"), Value::Str("08".into()));
    }

    #[test]
    fn round_trip() {
        let text =
            "b:\n  span: &id001\n  - x\n  orig_span: *id001\na: {size: 0x10, name: '0x10'}\n";
        let v = load(text).unwrap();
        let dumped = dump(&v, IntStyle::Hex);
        assert_eq!(load(&dumped).unwrap(), v);
        assert!(dumped.contains("orig_span: &id001"));
    }
}
