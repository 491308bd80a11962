//! YAML as PyYAML's safe loader reads binding files, with a location on
//! every value.
//!
//! Zephyr loads bindings with PyYAML, whose implicit types follow YAML 1.1
//! (`0x10` and `010` are integers, `yes`/`off` booleans). `yaml-rust2`
//! delivers raw scalar events; plain scalars are resolved here by the 1.1
//! rules, so a binding means the same to both tools. Maps keep their key
//! order, which decides the order of a binding's properties.

use indexmap::IndexMap;
use std::fmt;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Deepest nesting of sequences and mappings accepted in one file: far
/// beyond any binding, and small enough that no recursion over a value can
/// exhaust the stack.
const MAX_DEPTH: usize = 64;

/// One YAML value, as PyYAML's safe loader types it.
#[derive(Debug, Clone)]
pub enum Value {
    /// `~`, `null` or an empty scalar.
    Null,
    /// YAML 1.1 booleans (`true`, `yes`, `on`, ...).
    Bool(bool),
    /// YAML 1.1 integers (decimal, `0x`, `0b`, leading-zero octal, `_`).
    Int(i128),
    /// A float (bindings have none; kept so that one is reported by type).
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Located>),
    /// A mapping with its keys in file order, shared: binding includes
    /// hand the same included mapping to many bindings, and merging copies
    /// a level only where it changes it.
    Map(std::sync::Arc<Map>),
}

/// A mapping: keys (their text as PyYAML would print a scalar key) in file order.
pub type Map = IndexMap<String, Located>;

/// A value and the line and column (1-based) where it starts.
#[derive(Debug, Clone)]
pub struct Located {
    /// The value.
    pub value: Value,
    /// 1-based line of its first character.
    pub line: u32,
    /// 1-based column of its first character.
    pub column: u32,
}

impl PartialEq for Value {
    /// Python's `==` on loaded values: locations do not count, and
    /// `True == 1` as in Python.
    fn eq(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (Null, Null) => true,
            (Bool(a), Bool(b)) => a == b,
            (Int(a), Int(b)) => a == b,
            (Bool(a), Int(b)) | (Int(b), Bool(a)) => i128::from(*a) == *b,
            (Float(a), Float(b)) => a == b,
            (Float(a), Int(b)) | (Int(b), Float(a)) => *a == *b as f64,
            (Str(a), Str(b)) => a == b,
            (Seq(a), Seq(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y),
            (Map(a), Map(b)) => {
                a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| v == w))
            }
            _ => false,
        }
    }
}

impl PartialEq for Located {
    fn eq(&self, other: &Located) -> bool {
        self.value == other.value
    }
}

impl Value {
    /// The Python type name, for messages (`int`, `str`, `list`, ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::Seq(_) => "list",
            Value::Map(_) => "dict",
        }
    }

    /// The string, when this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    /// Python's `str()` of the loaded value, as messages quote it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn repr(v: &Value, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match v {
                Value::Str(s) => write!(f, "'{s}'"),
                other => write!(f, "{other}"),
            }
        }
        match self {
            Value::Null => f.write_str("None"),
            Value::Bool(true) => f.write_str("True"),
            Value::Bool(false) => f.write_str("False"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x:?}"),
            Value::Str(s) => f.write_str(s),
            Value::Seq(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    repr(&item.value, f)?;
                }
                f.write_str("]")
            }
            Value::Map(map) => {
                f.write_str("{")?;
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "'{k}': ")?;
                    repr(&v.value, f)?;
                }
                f.write_str("}")
            }
        }
    }
}

/// A YAML syntax error at a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// What went wrong.
    pub message: String,
}

/// Parses one YAML document (the first, as `yaml.load` does; an empty
/// file is `Null`).
pub fn parse(text: &str) -> Result<Located, SyntaxError> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    if let Err(e) = parser.load(&mut builder, false) {
        let m = e.marker();
        return Err(SyntaxError {
            line: m.line() as u32,
            column: m.col() as u32 + 1,
            message: e.info().to_string(),
        });
    }
    if let Some(e) = builder.error {
        return Err(e);
    }
    Ok(builder.root.unwrap_or(Located {
        value: Value::Null,
        line: 1,
        column: 1,
    }))
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    anchors: std::collections::HashMap<usize, Located>,
    root: Option<Located>,
    error: Option<SyntaxError>,
}

struct Frame {
    kind: FrameKind,
    anchor: usize,
    line: u32,
    column: u32,
}

enum FrameKind {
    Seq(Vec<Located>),
    Map(Map, Option<String>),
}

fn located(value: Value, mark: Marker) -> Located {
    Located {
        value,
        line: mark.line() as u32,
        column: mark.col() as u32 + 1,
    }
}

impl Builder {
    fn fail(&mut self, mark: Marker, message: impl Into<String>) {
        if self.error.is_none() {
            self.error = Some(SyntaxError {
                line: mark.line() as u32,
                column: mark.col() as u32 + 1,
                message: message.into(),
            });
        }
    }

    fn push(&mut self, v: Located, anchor: usize, mark: Marker) {
        if anchor > 0 {
            self.anchors.insert(anchor, v.clone());
        }
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(v);
                }
            }
            Some(Frame {
                kind: FrameKind::Seq(items),
                ..
            }) => items.push(v),
            Some(Frame {
                kind: FrameKind::Map(map, key),
                ..
            }) => match key.take() {
                None => match &v.value {
                    Value::Str(s) => *key = Some(s.clone()),
                    Value::Seq(_) | Value::Map(_) => {
                        self.fail(mark, "a mapping key must be a scalar");
                    }
                    other => *key = Some(other.to_string()),
                },
                Some(k) => {
                    // PyYAML keeps the last of repeated keys, at the
                    // first key's position in the order.
                    map.insert(k, v);
                }
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                let v = resolve_scalar(text, style, tag.as_ref());
                self.push(located(v, mark), anchor, mark);
            }
            Event::Alias(id) => match self.anchors.get(&id).cloned() {
                Some(v) => self.push(v, 0, mark),
                None => self.fail(mark, "alias to an unknown anchor"),
            },
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.stack.len() >= MAX_DEPTH {
                    self.fail(mark, format!("nesting deeper than {MAX_DEPTH} levels"));
                    return;
                }
                let kind = if matches!(ev, Event::SequenceStart(..)) {
                    FrameKind::Seq(Vec::new())
                } else {
                    FrameKind::Map(Map::new(), None)
                };
                self.stack.push(Frame {
                    kind,
                    anchor,
                    line: mark.line() as u32,
                    column: mark.col() as u32 + 1,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(frame) = self.stack.pop() {
                    let value = match frame.kind {
                        FrameKind::Seq(items) => Value::Seq(items),
                        FrameKind::Map(map, _) => Value::Map(std::sync::Arc::new(map)),
                    };
                    let v = Located {
                        value,
                        line: frame.line,
                        column: frame.column,
                    };
                    self.push(v, frame.anchor, mark);
                }
            }
            _ => {}
        }
    }
}

fn has_tag(tag: Option<&Tag>, suffix: &str) -> bool {
    tag.is_some_and(|t| t.suffix == suffix || t.suffix.ends_with(&format!(":{suffix}")))
}

/// Resolves one scalar as PyYAML's safe loader does. The legacy
/// `!include name.yaml` tag of Zephyr's binding loader gives a one-element
/// list.
fn resolve_scalar(text: String, style: TScalarStyle, tag: Option<&Tag>) -> Value {
    if tag.is_some_and(|t| t.handle == "!" && t.suffix == "include") {
        return Value::Seq(vec![Located {
            value: Value::Str(text),
            line: 0,
            column: 0,
        }]);
    }
    if style != TScalarStyle::Plain || has_tag(tag, "str") {
        return Value::Str(text);
    }
    match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Value::Bool(true)
        }
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Value::Bool(false)
        }
        _ => {}
    }
    if text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return Value::Str(text);
    }
    if let Some(i) = yaml11_int(&text) {
        return Value::Int(i);
    }
    if let Some(x) = yaml11_float(&text) {
        return Value::Float(x);
    }
    Value::Str(text)
}

/// A YAML 1.1 integer: `0x1f`, `0b101`, `017` (octal), `1_000`, `1:20`
/// (sexagesimal), with an optional sign.
fn yaml11_int(text: &str) -> Option<i128> {
    let (neg, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let digits = |s: &str, radix: u32| -> Option<i128> {
        if s.is_empty() || !s.chars().all(|c| c == '_' || c.is_digit(radix)) {
            return None;
        }
        let mut v: i128 = 0;
        for c in s.chars().filter(|&c| c != '_') {
            v = v
                .checked_mul(i128::from(radix))?
                .checked_add(i128::from(c.to_digit(radix)?))?;
        }
        Some(v)
    };
    let v = if let Some(b) = body.strip_prefix("0b") {
        digits(b, 2)?
    } else if let Some(h) = body.strip_prefix("0x") {
        digits(h, 16)?
    } else if body == "0" {
        0
    } else if let Some(o) = body.strip_prefix('0') {
        digits(o, 8)?
    } else if body.contains(':') {
        let mut v: i128 = 0;
        for (i, part) in body.split(':').enumerate() {
            let p = digits(part, 10)?;
            if i > 0 && p > 59 {
                return None;
            }
            v = v.checked_mul(60)?.checked_add(p)?;
        }
        if !body.starts_with(|c: char| ('1'..='9').contains(&c)) {
            return None;
        }
        v
    } else {
        if !body.starts_with(|c: char| ('1'..='9').contains(&c)) {
            return None;
        }
        digits(body, 10)?
    };
    Some(if neg { -v } else { v })
}

/// A YAML 1.1 float (`1.5`, `6.8523015e+5`, `.inf`, `.nan`).
fn yaml11_float(text: &str) -> Option<f64> {
    let t = text.replace('_', "");
    match t.as_str() {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    if !t.contains('.') {
        return None;
    }
    t.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml11_scalars() {
        let v = parse("a: 0x10\nb: 010\nc: yes\nd: 1_000\ne: '5'\nf:\ng: [1, two]\n").unwrap();
        let Value::Map(m) = v.value else {
            panic!("map")
        };
        assert_eq!(m["a"].value, Value::Int(16));
        assert_eq!(m["b"].value, Value::Int(8));
        assert_eq!(m["c"].value, Value::Bool(true));
        assert_eq!(m["d"].value, Value::Int(1000));
        assert_eq!(m["e"].value, Value::Str("5".into()));
        assert_eq!(m["f"].value, Value::Null);
        assert_eq!(m["g"].value.to_string(), "[1, 'two']");
        assert_eq!((m["g"].line, m["g"].column), (7, 4));
    }

    #[test]
    fn deep_nesting_is_an_error() {
        let text = "[".repeat(10_000);
        assert!(parse(&text).is_err());
    }
}
