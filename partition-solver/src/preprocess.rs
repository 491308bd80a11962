//! Native C preprocessing of `pm.yml` fragments (spec §2.1), reproducing what
//! `cpp -x assembler-with-cpp -nostdinc -undef -D__DTS__ -P -E` prints for the subset the
//! fragments use: `#include <autoconf.h>` / `<zephyr/autoconf.h>`, `#define`/`#undef`,
//! `#if`/`#ifdef`/`#ifndef`/`#elif`/`#else`/`#endif` with `defined` and integer
//! expressions, object-like macro substitution, C comments, blank-line removal, and cpp's
//! token spacing (indentation kept as columns, whitespace runs collapsed, a space inserted
//! after a macro expansion where tokens would otherwise paste).

use crate::error::{Error, Result};
use std::collections::HashMap;

/// Object-like macros (`CONFIG_X` → `0x1000`), e.g. from an `autoconf.h`.
#[derive(Debug, Clone, Default)]
pub struct Preprocessor {
    /// Macros available after `#include <autoconf.h>`.
    autoconf: Vec<(String, String)>,
    /// Macros defined on the "command line" (`__DTS__`).
    predefined: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Name,
    Number,
    Str,
    Char,
    Punct,
}

#[derive(Debug, Clone)]
struct Tok {
    kind: Kind,
    text: String,
    white: bool,
}

impl Preprocessor {
    /// An empty preprocessor (only `__DTS__` defined, as the NCS build does).
    pub fn new() -> Preprocessor {
        Preprocessor {
            autoconf: Vec::new(),
            predefined: vec![("__DTS__".into(), "1".into())],
        }
    }

    /// Take the `#define` lines of an `autoconf.h` text.
    pub fn with_autoconf(mut self, text: &str) -> Preprocessor {
        for line in text.lines() {
            let t = line.trim_start();
            let Some(rest) = t.strip_prefix('#') else {
                continue;
            };
            let rest = rest.trim_start();
            let Some(def) = rest.strip_prefix("define") else {
                continue;
            };
            if !def.starts_with([' ', '\t']) {
                continue;
            }
            let def = strip_comments_line(def.trim());
            let (name, value) = match def.find([' ', '\t']) {
                Some(i) => (&def[..i], def[i..].trim()),
                None => (def.as_str(), ""),
            };
            if !name.contains('(') {
                self.autoconf.push((name.to_string(), value.to_string()));
            }
        }
        self
    }

    /// Add one macro available after `#include <autoconf.h>` (e.g. from a Kconfig evaluation).
    pub fn define_config(&mut self, name: &str, value: &str) {
        self.autoconf.push((name.to_string(), value.to_string()));
    }

    /// Preprocess `text` (named `file` in messages).
    pub fn run(&self, file: &str, text: &str) -> Result<String> {
        let mut macros: HashMap<String, Vec<Tok>> = HashMap::default();
        for (n, v) in &self.predefined {
            macros.insert(n.clone(), tokenize(v));
        }
        let lines = join_comments(text);
        // (active, taken, parent_active)
        let mut stack: Vec<(bool, bool, bool)> = Vec::new();
        let mut out = String::new();
        let active = |stack: &Vec<(bool, bool, bool)>| stack.last().is_none_or(|s| s.0);
        for (lineno, line) in lines {
            let err = |message: String| Error::Preprocess {
                file: file.to_string(),
                line: lineno,
                message,
            };
            let trimmed = line.trim_start();
            if let Some(rest) = trimmed.strip_prefix('#') {
                let rest = rest.trim_start();
                let word: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                let arg = rest[word.len()..].trim();
                let is_directive = matches!(
                    word.as_str(),
                    "if" | "ifdef"
                        | "ifndef"
                        | "elif"
                        | "else"
                        | "endif"
                        | "include"
                        | "define"
                        | "undef"
                        | "error"
                        | "warning"
                        | "pragma"
                        | "line"
                ) || word.is_empty() && arg.is_empty();
                if is_directive {
                    match word.as_str() {
                        "if" | "ifdef" | "ifndef" => {
                            let parent = active(&stack);
                            let cond = if !parent {
                                false
                            } else if word == "if" {
                                eval_condition(arg, &macros).map_err(err)? != 0
                            } else {
                                let name: String = arg
                                    .chars()
                                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                                    .collect();
                                if name.is_empty() {
                                    return Err(err(format!("#{word} needs a macro name")));
                                }
                                macros.contains_key(&name) == (word == "ifdef")
                            };
                            stack.push((cond, cond, parent));
                        }
                        "elif" => {
                            let Some(top) = stack.last_mut() else {
                                return Err(err("#elif without #if".into()));
                            };
                            if top.1 || !top.2 {
                                top.0 = false;
                            } else {
                                let c = eval_condition(arg, &macros).map_err(err)? != 0;
                                top.0 = c;
                                top.1 = c;
                            }
                        }
                        "else" => {
                            let Some(top) = stack.last_mut() else {
                                return Err(err("#else without #if".into()));
                            };
                            top.0 = !top.1 && top.2;
                            top.1 = true;
                        }
                        "endif" if stack.pop().is_none() => {
                            return Err(err("#endif without #if".into()));
                        }
                        "endif" => {}
                        _ if !active(&stack) => {}
                        "include" => {
                            let target = arg.trim_matches(|c| c == '<' || c == '>' || c == '"');
                            if target == "autoconf.h"
                                || target == "zephyr/autoconf.h"
                                || target.ends_with("/autoconf.h")
                            {
                                for (n, v) in &self.autoconf {
                                    macros.insert(n.clone(), tokenize(v));
                                }
                            } else {
                                return Err(err(format!(
                                    "cannot include '{target}': only autoconf.h (or zephyr/autoconf.h) is available to pm.yml fragments"
                                )));
                            }
                        }
                        "define" => {
                            let name: String = arg
                                .chars()
                                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                                .collect();
                            if name.is_empty() {
                                return Err(err("#define needs a macro name".into()));
                            }
                            if arg[name.len()..].starts_with('(') {
                                return Err(err(format!("function-like macro '{name}' is not supported in pm.yml fragments")));
                            }
                            macros.insert(name.clone(), tokenize(arg[name.len()..].trim()));
                        }
                        "undef" => {
                            macros.remove(arg.split_whitespace().next().unwrap_or(""));
                        }
                        "error" => return Err(err(format!("#error {arg}"))),
                        _ => {}
                    }
                    continue;
                }
            }
            if !active(&stack) {
                continue;
            }
            let printed = render_line(&line, &macros);
            if !printed.trim().is_empty() {
                out.push_str(&printed);
                out.push('\n');
            }
        }
        if !stack.is_empty() {
            return Err(Error::Preprocess {
                file: file.to_string(),
                line: text.lines().count(),
                message: "unterminated #if (missing #endif)".into(),
            });
        }
        Ok(out)
    }
}

fn strip_comments_line(s: &str) -> String {
    let joined = join_comments(s);
    joined
        .into_iter()
        .map(|(_, l)| l)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Remove C and C++ comments. A comment is replaced by one space; a comment that spans lines
/// joins them into one logical line whose continuation keeps the columns of the last line
/// (cpp prints the following tokens at their source column).
fn join_comments(text: &str) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut cur = String::new();
    let mut start_line = 1;
    let mut line = 1;
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut in_str: Option<char> = None;
    while i < chars.len() {
        let c = chars[i];
        if let Some(q) = in_str {
            cur.push(c);
            if c == '\\' && i + 1 < chars.len() && chars[i + 1] != '\n' {
                cur.push(chars[i + 1]);
                i += 2;
                continue;
            }
            if c == q || c == '\n' {
                if c == '\n' {
                    cur.pop();
                    out.push((start_line, std::mem::take(&mut cur)));
                    line += 1;
                    start_line = line;
                }
                in_str = None;
            }
            i += 1;
            continue;
        }
        match c {
            '\n' => {
                out.push((start_line, std::mem::take(&mut cur)));
                line += 1;
                start_line = line;
                i += 1;
            }
            '"' | '\'' => {
                in_str = Some(c);
                cur.push(c);
                i += 1;
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                let mut j = i + 2;
                let mut col_after_newline: Option<usize> = None;
                while j < chars.len() && !(chars[j] == '*' && chars.get(j + 1) == Some(&'/')) {
                    if chars[j] == '\n' {
                        line += 1;
                        col_after_newline = Some(0);
                    } else if let Some(c) = col_after_newline.as_mut() {
                        *c += 1;
                    }
                    j += 1;
                }
                match col_after_newline {
                    // Multi-line comment: what follows keeps its column on the last line.
                    Some(col) if cur.trim().is_empty() => {
                        cur = " ".repeat(col + 2);
                    }
                    Some(_) => cur.push(' '),
                    None => cur.push(' '),
                }
                i = (j + 2).min(chars.len());
                if col_after_newline.is_some() && j >= chars.len() {
                    break;
                }
            }
            '/' if chars.get(i + 1) == Some(&'/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            _ => {
                cur.push(c);
                i += 1;
            }
        }
    }
    if !cur.is_empty() {
        out.push((start_line, cur));
    }
    out
}

fn tokenize(s: &str) -> Vec<Tok> {
    let chars: Vec<char> = s.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    let mut white = false;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            white = true;
            i += 1;
            continue;
        }
        let start = i;
        let kind = if c.is_ascii_alphabetic() || c == '_' {
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            Kind::Name
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            i += 1;
            while i < chars.len() {
                let d = chars[i];
                let exponent_sign =
                    matches!(d, '+' | '-') && matches!(chars[i - 1], 'e' | 'E' | 'p' | 'P');
                if exponent_sign || d.is_ascii_alphanumeric() || d == '_' || d == '.' {
                    i += 1;
                } else {
                    break;
                }
            }
            Kind::Number
        } else if c == '"' || c == '\'' {
            i += 1;
            while i < chars.len() && chars[i] != c {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(chars.len());
            if c == '"' {
                Kind::Str
            } else {
                Kind::Char
            }
        } else {
            i += 1;
            Kind::Punct
        };
        toks.push(Tok {
            kind,
            text: chars[start..i].iter().collect(),
            white,
        });
        white = false;
    }
    toks
}

/// GCC's `cpp_avoid_paste` for the token kinds pm.yml files contain.
fn would_paste(a: &Tok, b: &Tok) -> bool {
    let c = b.text.chars().next().unwrap_or(' ');
    match a.kind {
        Kind::Name => matches!(b.kind, Kind::Name | Kind::Number | Kind::Char | Kind::Str),
        Kind::Number => {
            matches!(b.kind, Kind::Number | Kind::Name | Kind::Char) || matches!(c, '.' | '+' | '-')
        }
        Kind::Punct => {
            let p = a.text.as_str();
            if c == '='
                && matches!(
                    p,
                    "=" | "!" | ">" | "<" | "+" | "-" | "*" | "/" | "%" | "&" | "|" | "^"
                )
            {
                return true;
            }
            match p {
                ">" => c == '>',
                "<" => matches!(c, '<' | '%' | ':'),
                "+" => c == '+',
                "-" => matches!(c, '-' | '>'),
                "/" => matches!(c, '/' | '*'),
                "%" => matches!(c, ':' | '%'),
                "&" => c == '&',
                "|" => c == '|',
                ":" => matches!(c, ':' | '>'),
                "." => matches!(c, '.' | '%') || b.kind == Kind::Number,
                "#" => matches!(c, '#' | '%'),
                _ => false,
            }
        }
        _ => false,
    }
}

/// Expand macros in a token list. Each output token carries whether a padding (macro
/// boundary) precedes it.
fn expand(
    toks: &[Tok],
    macros: &HashMap<String, Vec<Tok>>,
    active: &mut Vec<String>,
    out: &mut Vec<(Tok, bool)>,
) {
    let mut pending_white: Option<bool> = None;
    let mut boundary = false;
    for t in toks {
        if t.kind == Kind::Name && !active.contains(&t.text) {
            if let Some(body) = macros.get(&t.text) {
                active.push(t.text.clone());
                let mut inner = Vec::new();
                expand(body, macros, active, &mut inner);
                active.pop();
                let white = pending_white.take().unwrap_or(false) || t.white;
                if inner.is_empty() {
                    pending_white = Some(white);
                } else {
                    inner[0].0.white = white;
                    inner[0].1 = true;
                    out.extend(inner);
                }
                boundary = true;
                continue;
            }
        }
        let mut t2 = t.clone();
        if let Some(w) = pending_white.take() {
            t2.white = t2.white || w;
        }
        out.push((t2, boundary));
        boundary = false;
    }
    if boundary {
        // Mark the end of an expansion at the end of this list for the caller.
        out.push((
            Tok {
                kind: Kind::Punct,
                text: String::new(),
                white: pending_white.unwrap_or(false),
            },
            true,
        ));
    }
}

fn render_line(line: &str, macros: &HashMap<String, Vec<Tok>>) -> String {
    let indent = line.chars().take_while(|c| c.is_whitespace()).count();
    let toks = tokenize(line);
    let mut expanded = Vec::new();
    expand(&toks, macros, &mut Vec::new(), &mut expanded);
    let mut s = String::new();
    let mut prev: Option<Tok> = None;
    let mut pad_white = false;
    let mut after_boundary = false;
    for (t, boundary) in expanded {
        if t.text.is_empty() {
            // End-of-expansion marker.
            after_boundary = true;
            pad_white = pad_white || t.white;
            continue;
        }
        let avoid = boundary || after_boundary;
        match &prev {
            None => {
                let n = if t.white || pad_white {
                    indent.max(1)
                } else {
                    indent
                };
                s.push_str(&" ".repeat(n));
            }
            Some(p) => {
                if t.white || pad_white || (avoid && would_paste(p, &t)) {
                    s.push(' ');
                }
            }
        }
        s.push_str(&t.text);
        prev = Some(t);
        pad_white = false;
        after_boundary = false;
    }
    s
}

/// Evaluate a `#if` expression.
fn eval_condition(
    expr: &str,
    macros: &HashMap<String, Vec<Tok>>,
) -> std::result::Result<i128, String> {
    // Replace `defined X` / `defined(X)` before expansion.
    let toks = tokenize(expr);
    let mut pre = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if toks[i].kind == Kind::Name && toks[i].text == "defined" {
            let (name, skip) = if toks.get(i + 1).is_some_and(|t| t.text == "(") {
                (toks.get(i + 2).map(|t| t.text.clone()), 4)
            } else {
                (toks.get(i + 1).map(|t| t.text.clone()), 2)
            };
            let name = name.ok_or("'defined' needs a macro name")?;
            let v = if macros.contains_key(&name) { "1" } else { "0" };
            pre.push(Tok {
                kind: Kind::Number,
                text: v.into(),
                white: true,
            });
            i += skip;
            continue;
        }
        pre.push(toks[i].clone());
        i += 1;
    }
    let mut expanded = Vec::new();
    expand(&pre, macros, &mut Vec::new(), &mut expanded);
    let toks: Vec<Tok> = expanded
        .into_iter()
        .map(|(t, _)| t)
        .filter(|t| !t.text.is_empty())
        .collect();
    let mut p = ExprParser {
        toks: &toks,
        pos: 0,
    };
    let v = p.ternary()?;
    if p.pos != toks.len() {
        return Err(format!(
            "unexpected '{}' in #if expression '{expr}'",
            toks[p.pos].text
        ));
    }
    Ok(v)
}

struct ExprParser<'a> {
    toks: &'a [Tok],
    pos: usize,
}

impl ExprParser<'_> {
    fn peek(&self) -> Option<&str> {
        self.toks.get(self.pos).map(|t| t.text.as_str())
    }
    fn peek2(&self) -> Option<String> {
        let a = self.toks.get(self.pos)?;
        let b = self.toks.get(self.pos + 1)?;
        (!b.white && a.kind == Kind::Punct && b.kind == Kind::Punct)
            .then(|| format!("{}{}", a.text, b.text))
    }
    fn op(&mut self, ops: &[&str]) -> Option<String> {
        if let Some(two) = self.peek2() {
            if ops.contains(&two.as_str()) {
                self.pos += 2;
                return Some(two);
            }
        }
        let one = self.peek()?.to_string();
        // A one-character operator must not be the start of a two-character one.
        if ops.contains(&one.as_str()) {
            if let Some(two) = self.peek2() {
                if ["&&", "||", "<<", ">>", "<=", ">=", "==", "!="].contains(&two.as_str()) {
                    return None;
                }
            }
            self.pos += 1;
            return Some(one);
        }
        None
    }
    fn ternary(&mut self) -> std::result::Result<i128, String> {
        let c = self.binary(0)?;
        if self.peek() == Some("?") {
            self.pos += 1;
            let a = self.ternary()?;
            if self.peek() != Some(":") {
                return Err("expected ':' in #if expression".into());
            }
            self.pos += 1;
            let b = self.ternary()?;
            return Ok(if c != 0 { a } else { b });
        }
        Ok(c)
    }
    fn binary(&mut self, level: usize) -> std::result::Result<i128, String> {
        const LEVELS: [&[&str]; 10] = [
            &["||"],
            &["&&"],
            &["|"],
            &["^"],
            &["&"],
            &["==", "!="],
            &["<", ">", "<=", ">="],
            &["<<", ">>"],
            &["+", "-"],
            &["*", "/", "%"],
        ];
        if level == LEVELS.len() {
            return self.unary();
        }
        let mut lhs = self.binary(level + 1)?;
        while let Some(op) = self.op(LEVELS[level]) {
            let rhs = self.binary(level + 1)?;
            lhs = match op.as_str() {
                "||" => i128::from(lhs != 0 || rhs != 0),
                "&&" => i128::from(lhs != 0 && rhs != 0),
                "|" => lhs | rhs,
                "^" => lhs ^ rhs,
                "&" => lhs & rhs,
                "==" => i128::from(lhs == rhs),
                "!=" => i128::from(lhs != rhs),
                "<" => i128::from(lhs < rhs),
                ">" => i128::from(lhs > rhs),
                "<=" => i128::from(lhs <= rhs),
                ">=" => i128::from(lhs >= rhs),
                "<<" => lhs.checked_shl(rhs.clamp(0, 127) as u32).unwrap_or(0),
                ">>" => lhs >> rhs.clamp(0, 127),
                "+" => lhs.wrapping_add(rhs),
                "-" => lhs.wrapping_sub(rhs),
                "*" => lhs.wrapping_mul(rhs),
                "/" | "%" => {
                    if rhs == 0 {
                        return Err("division by zero in #if expression".into());
                    }
                    if op == "/" {
                        lhs / rhs
                    } else {
                        lhs % rhs
                    }
                }
                _ => lhs,
            };
        }
        Ok(lhs)
    }
    fn unary(&mut self) -> std::result::Result<i128, String> {
        let Some(t) = self.toks.get(self.pos) else {
            return Err("incomplete #if expression".into());
        };
        self.pos += 1;
        match (t.kind, t.text.as_str()) {
            (Kind::Punct, "!") => Ok(i128::from(self.unary()? == 0)),
            (Kind::Punct, "-") => Ok(self.unary()?.wrapping_neg()),
            (Kind::Punct, "+") => self.unary(),
            (Kind::Punct, "~") => Ok(!self.unary()?),
            (Kind::Punct, "(") => {
                let v = self.ternary()?;
                if self.peek() != Some(")") {
                    return Err("missing ')' in #if expression".into());
                }
                self.pos += 1;
                Ok(v)
            }
            (Kind::Number, n) => {
                parse_c_int(n).ok_or_else(|| format!("bad number '{n}' in #if expression"))
            }
            (Kind::Name, _) => Ok(0),
            (Kind::Char, c) => Ok(c.chars().nth(1).map_or(0, |ch| ch as i128)),
            (_, other) => Err(format!("unexpected '{other}' in #if expression")),
        }
    }
}

fn parse_c_int(n: &str) -> Option<i128> {
    let s = n.trim_end_matches(['u', 'U', 'l', 'L']);
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        i128::from_str_radix(h, 16).ok()
    } else if let Some(b) = s.strip_prefix("0b").or_else(|| s.strip_prefix("0B")) {
        i128::from_str_radix(b, 2).ok()
    } else if s.len() > 1 && s.starts_with('0') {
        i128::from_str_radix(&s[1..], 8).ok()
    } else {
        s.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutes_and_selects() {
        let pp = Preprocessor::new().with_autoconf("#define CONFIG_A 0x1000\n#define CONFIG_B 1\n");
        let text = "#include <zephyr/autoconf.h>\n# comment\nx:\n  size: CONFIG_A\n#if defined(CONFIG_B) && !CONFIG_C\n  y: [CONFIG_A,CONFIG_A]\n#else\n  z: 1\n#endif\n";
        let out = pp.run("t.yml", text).unwrap();
        assert_eq!(out, "# comment\nx:\n  size: 0x1000\n  y: [0x1000,0x1000]\n");
    }

    #[test]
    fn avoid_paste_after_expansion() {
        let pp = Preprocessor::new().with_autoconf("#define A 1\n");
        let out = pp
            .run("t", "#include <autoconf.h>\nz: A-A A.b A:1 {s: A}\n")
            .unwrap();
        assert_eq!(out, "z: 1 -1 1 .b 1:1 {s: 1}\n");
    }
}
