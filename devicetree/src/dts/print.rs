//! Printing a tree in the form Zephyr's dtlib writes `zephyr.dts`: a comment
//! with each node's origin, labels, properties with their origins aligned in
//! a column, values in the canonical syntax (`< 0x1 >`, `[ C2 28 ]`,
//! `&label`, escaped strings) and long arrays wrapped after 80 columns.

use std::fmt::Write as _;

use super::tree::{MarkerKind, NodeId, Property, Tree};

pub(crate) fn tree_to_dts(t: &Tree) -> String {
    let mut out = String::with_capacity(64 * 1024);
    out.push_str("/dts-v1/;\n");
    if t.plugin {
        out.push_str("/plugin/;\n");
    }
    if !t.memreserves.is_empty() {
        out.push('\n');
        for m in &t.memreserves {
            for l in &m.labels {
                out.push_str(l);
                out.push_str(": ");
            }
            let _ = writeln!(out, "/memreserve/ {:#018x} {:#018x};", m.address, m.size);
        }
    }
    node(t, t.root(), 0, &mut out);
    out.push('\n');
    out
}

fn tabs(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push('\t');
    }
}

/// A file name as it can stand in a `/* ... */` comment: a name holding
/// `*/` (possible through a cpp line marker) would end the comment early
/// and the printed tree would not read back, so that pair is broken up.
fn comment_safe(file: &str) -> std::borrow::Cow<'_, str> {
    if file.contains("*/") {
        std::borrow::Cow::Owned(file.replace("*/", "*\\/"))
    } else {
        std::borrow::Cow::Borrowed(file)
    }
}

fn node(t: &Tree, id: NodeId, depth: usize, out: &mut String) {
    let n = t.node(id);
    out.push('\n');
    tabs(out, depth);
    let _ = writeln!(
        out,
        "/* node '{}' defined in {}:{} */",
        t.path(id),
        comment_safe(&n.location.file),
        n.location.line
    );
    tabs(out, depth);
    for l in &n.labels {
        out.push_str(l);
        out.push_str(": ");
    }
    out.push_str(&n.name);
    out.push_str(" {\n");

    let texts: Vec<String> = n.props.iter().map(prop_to_string).collect();
    // Width of the widest line, counting the one-tab indent as one column.
    let width = texts
        .iter()
        .flat_map(|s| s.split('\n'))
        .map(|l| 1 + l.trim_end().chars().count())
        .max()
        .unwrap_or(0);
    for (p, text) in n.props.iter().zip(&texts) {
        let mut lines = text.split('\n').peekable();
        while let Some(line) = lines.next() {
            tabs(out, depth + 1);
            out.push_str(line);
            if lines.peek().is_none() {
                let pad = (width + 1).saturating_sub(1 + line.chars().count());
                for _ in 0..pad {
                    out.push(' ');
                }
                let _ = write!(
                    out,
                    "/* in {}:{} */",
                    comment_safe(&p.location.file),
                    p.location.line
                );
            }
            out.push('\n');
        }
    }
    for c in n.children() {
        node(t, c, depth + 1, out);
        out.push('\n');
    }
    tabs(out, depth);
    out.push_str("};");
}

/// A string that counts its characters as it grows (the wrapping and
/// alignment rules count characters, not bytes).
struct Out {
    s: String,
    chars: usize,
}

impl Out {
    fn push(&mut self, text: &str) {
        self.s.push_str(text);
        self.chars += text.chars().count();
    }
}

fn start_str(size: u8) -> &'static str {
    match size {
        1 => " [",
        2 => " /bits/ 16 <",
        8 => " /bits/ 64 <",
        _ => " <",
    }
}

fn end_str(size: u8) -> &'static str {
    if size == 1 {
        " ]"
    } else {
        " >"
    }
}

/// One property as dtlib prints it, without indentation or comment.
///
/// One deliberate difference: a label inside a value that follows a string
/// or path (`x = "a", l: "b";`) is printed before the next value; dtlib
/// closes an array there that was never opened (or fails), which does not
/// read back. Likewise an empty array before or after other values
/// (`x = <>, <1>;`, `x = "", <>;`) is printed so that it reads back.
pub(crate) fn prop_to_string(p: &Property) -> String {
    let mut o = Out {
        s: String::new(),
        chars: 0,
    };
    for l in &p.labels {
        o.push(l);
        o.push(": ");
    }
    o.push(&p.name);
    let v = &p.value;
    if v.is_empty() {
        o.push(";");
        return o.s;
    }
    o.push(" =");
    let newline = format!("\n{}", " ".repeat(o.chars));
    // The element size of the array being printed, while one is open.
    let mut open: Option<u8> = None;
    let mut array_start = 0usize;
    let mut array_newline = String::new();
    for (i, m) in p.markers.iter().enumerate() {
        let next = p.markers.get(i + 1);
        // dtlib separates values only when bytes follow; a trailing empty
        // `<>` or `[]` needs the comma too to read back.
        let more = p.markers[i + 1..]
            .iter()
            .any(|n| !matches!(n.kind, MarkerKind::Label(_)));
        let end = next.map_or(v.len(), |n| n.offset).min(v.len());
        let mut pos = m.offset.min(end);
        match &m.kind {
            MarkerKind::Str => {
                o.push(" \"");
                o.push(&escape(&v[pos..end.saturating_sub(1).max(pos)]));
                o.push("\"");
                if more {
                    o.push(",");
                    o.push(&newline);
                }
                continue;
            }
            MarkerKind::Path(r) => {
                o.push(" &");
                o.push(r);
                if more {
                    o.push(",");
                    o.push(&newline);
                }
                continue;
            }
            MarkerKind::Label(l) => {
                o.push(" ");
                o.push(l);
                o.push(":");
            }
            MarkerKind::Phandle(r) => {
                o.push(" &");
                o.push(r);
                pos = (pos + 4).min(end.max(pos));
                if pos != v.len() && o.chars - array_start > 80 {
                    o.push(&array_newline.clone());
                    array_start = o.chars;
                }
            }
            MarkerKind::Cells(size) => {
                open = Some(*size);
                o.push(start_str(*size));
                array_start = o.chars;
                array_newline = format!("\n{}", " ".repeat(array_start));
            }
        }
        let Some(size) = open else {
            continue;
        };
        let step = usize::from(size);
        while pos + step <= end {
            let num = v[pos..pos + step]
                .iter()
                .fold(0u64, |a, &b| (a << 8) | u64::from(b));
            let before = o.s.len();
            if size == 1 {
                let _ = write!(o.s, " {num:02X}");
            } else {
                let _ = write!(o.s, " {num:#x}");
            }
            // ASCII only: bytes are characters.
            o.chars += o.s.len() - before;
            pos += step;
            if pos != v.len() && o.chars - array_start > 80 {
                o.push(&array_newline.clone());
                array_start = o.chars;
            }
        }
        let continues =
            next.is_some_and(|n| matches!(n.kind, MarkerKind::Phandle(_) | MarkerKind::Label(_)));
        if !continues {
            o.push(end_str(size));
            open = None;
            if more {
                o.push(",");
                o.push(&newline);
            }
        }
    }
    o.push(";");
    o.s
}

/// A string's bytes as dtlib shows them: UTF-8 text with `\\ \" \a \b \t
/// \n \v \f \r` escaped, bytes that are not UTF-8 as `\xNN`.
fn escape(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len());
    for chunk in b.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => s.push_str("\\\\"),
                '"' => s.push_str("\\\""),
                '\x07' => s.push_str("\\a"),
                '\x08' => s.push_str("\\b"),
                '\t' => s.push_str("\\t"),
                '\n' => s.push_str("\\n"),
                '\x0b' => s.push_str("\\v"),
                '\x0c' => s.push_str("\\f"),
                '\r' => s.push_str("\\r"),
                _ => s.push(c),
            }
        }
        for x in chunk.invalid() {
            let _ = write!(s, "\\x{x:02x}");
        }
    }
    s
}
