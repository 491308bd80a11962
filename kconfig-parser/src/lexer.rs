//! Line tokenizer (nom combinators for the lexemes).
//!
//! Kconfig is line oriented: a logical line (backslash continuations joined)
//! is either blank/comment, a statement starting with a keyword, or a macro
//! assignment / bare macro call. Macros are expanded while tokenizing, before
//! a token is formed: inside any word, whether a symbol name (`BOARD_$(X)`,
//! `config $(image)_FOO`) or an unquoted string (`choice $(image)_STRATEGY`,
//! `source $(DIR)/Kconfig`), inside quoted strings, and on assignment
//! left-hand sides. The expansion replaces text in
//! the line buffer from the current position on, so every token is a byte
//! range of the final buffer and no token allocates.

use crate::macros::{expand_env_refs, AssignOp, MacroError, Preprocessor, Site};
use nom::branch::alt;
use nom::bytes::complete::{tag, take_while, take_while1};
use nom::IResult;
use nom::Parser;

/// Keywords.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Kw {
    Mainmenu,
    Menu,
    Endmenu,
    Config,
    Menuconfig,
    Configdefault,
    Choice,
    Endchoice,
    Comment,
    If,
    Endif,
    Source,
    Rsource,
    Osource,
    Orsource,
    Prompt,
    Bool,
    Tristate,
    String,
    Hex,
    Int,
    DefBool,
    DefTristate,
    DefInt,
    DefHex,
    DefString,
    Default,
    Depends,
    On,
    Select,
    Imply,
    Visible,
    Range,
    Help,
    Option,
    Env,
    DefconfigList,
    Modules,
    AllnoconfigY,
    Optional,
    Transitional,
}

/// Looks up a keyword.
pub fn keyword(s: &str) -> Option<Kw> {
    // Every keyword starts with a lower-case letter or '-'; symbol names
    // (the most common words) usually do not, so most lookups stop here.
    match s.as_bytes().first() {
        Some(b'a'..=b'z' | b'-') => {}
        _ => return None,
    }
    Some(match s {
        "mainmenu" => Kw::Mainmenu,
        "menu" => Kw::Menu,
        "endmenu" => Kw::Endmenu,
        "config" => Kw::Config,
        "menuconfig" => Kw::Menuconfig,
        "configdefault" => Kw::Configdefault,
        "choice" => Kw::Choice,
        "endchoice" => Kw::Endchoice,
        "comment" => Kw::Comment,
        "if" => Kw::If,
        "endif" => Kw::Endif,
        "source" => Kw::Source,
        "rsource" => Kw::Rsource,
        "osource" | "gsource" => Kw::Osource,
        "orsource" | "grsource" => Kw::Orsource,
        "prompt" => Kw::Prompt,
        "bool" | "boolean" => Kw::Bool,
        "tristate" => Kw::Tristate,
        "string" => Kw::String,
        "hex" => Kw::Hex,
        "int" => Kw::Int,
        "def_bool" => Kw::DefBool,
        "def_tristate" => Kw::DefTristate,
        "def_int" => Kw::DefInt,
        "def_hex" => Kw::DefHex,
        "def_string" => Kw::DefString,
        "default" => Kw::Default,
        "depends" => Kw::Depends,
        "on" => Kw::On,
        "select" => Kw::Select,
        "imply" => Kw::Imply,
        "visible" => Kw::Visible,
        "range" => Kw::Range,
        "help" | "---help---" => Kw::Help,
        "option" => Kw::Option,
        "env" => Kw::Env,
        "defconfig_list" => Kw::DefconfigList,
        "modules" => Kw::Modules,
        "allnoconfig_y" => Kw::AllnoconfigY,
        "optional" => Kw::Optional,
        "transitional" => Kw::Transitional,
        _ => return None,
    })
}

/// Keywords after which a bare word is a string (an unquoted prompt or a
/// choice name), not a symbol.
pub fn takes_string(k: Kw) -> bool {
    matches!(
        k,
        Kw::Bool
            | Kw::Tristate
            | Kw::String
            | Kw::Hex
            | Kw::Int
            | Kw::Choice
            | Kw::Comment
            | Kw::Mainmenu
            | Kw::Menu
            | Kw::Prompt
            | Kw::Source
            | Kw::Rsource
            | Kw::Osource
            | Kw::Orsource
    )
}

/// Token kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokKind {
    /// A keyword.
    Kw(Kw),
    /// An unquoted word (symbol name, number, unquoted prompt).
    Word,
    /// A quoted string.
    Str,
    /// `&&`
    And,
    /// `||`
    Or,
    /// `!`
    Not,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// A token: its kind and the byte range of its text in the line buffer
/// (for strings: the content without quotes, escapes removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Kind.
    pub kind: TokKind,
    /// Start byte in the line buffer.
    pub start: u32,
    /// End byte in the line buffer.
    pub end: u32,
    /// Replacement text when `$VAR` environment references in a string were
    /// substituted.
    pub owned: Option<Box<str>>,
}

/// What a logical line is.
#[derive(Debug, PartialEq, Eq)]
pub enum LineKind {
    /// Blank, comment, assignment or bare macro call (already processed).
    Nothing,
    /// A statement; tokens are in the tokenizer's buffer.
    Statement,
    /// `help` / `---help---` (and Kconfiglib's tolerated `-help-` variants).
    Help,
}

/// Lexing failure with the byte column in the (expanded) line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    /// Byte offset in the line buffer.
    pub column: usize,
    /// What went wrong / what was expected.
    pub message: String,
    /// The failure came from macro expansion.
    pub macro_error: bool,
}

impl From<MacroError> for LexError {
    fn from(e: MacroError) -> Self {
        LexError {
            column: 0,
            message: e.0,
            macro_error: true,
        }
    }
}

/// Byte classes: bit 0 = word character (`A-Z a-z 0-9 _ $ / . -`),
/// bit 1 = command character (`A-Z a-z 0-9 _ -`).
const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        let alnum = c.is_ascii_alphanumeric();
        if alnum || matches!(c, b'_' | b'$' | b'/' | b'.' | b'-') {
            t[b] |= 1;
        }
        if alnum || matches!(c, b'_' | b'-') {
            t[b] |= 2;
        }
        b += 1;
    }
    t
};

fn is_cmd_byte(b: u8) -> bool {
    CLASS[b as usize] & 2 != 0
}

fn is_word_byte(b: u8) -> bool {
    CLASS[b as usize] & 1 != 0
}

fn is_cmd_char(c: char) -> bool {
    c.is_ascii() && is_cmd_byte(c as u8)
}

fn is_word_char(c: char) -> bool {
    c.is_ascii() && is_word_byte(c as u8)
}

/// nom: the first word of a statement line.
fn command_word(i: &str) -> IResult<&[u8], &[u8]> {
    take_while1(is_cmd_byte).parse(i.as_bytes())
}

/// nom: an identifier/keyword lexeme.
fn word(i: &str) -> IResult<&[u8], &[u8]> {
    take_while1(is_word_byte).parse(i.as_bytes())
}

/// nom: an operator.
fn operator(i: &str) -> IResult<&str, TokKind> {
    alt((
        tag("&&").map(|_| TokKind::And),
        tag("||").map(|_| TokKind::Or),
        tag("!=").map(|_| TokKind::Ne),
        tag("!").map(|_| TokKind::Not),
        tag("=").map(|_| TokKind::Eq),
        tag("(").map(|_| TokKind::LParen),
        tag(")").map(|_| TokKind::RParen),
        tag("<=").map(|_| TokKind::Le),
        tag("<").map(|_| TokKind::Lt),
        tag(">=").map(|_| TokKind::Ge),
        tag(">").map(|_| TokKind::Gt),
    ))
    .parse(i)
}

/// nom: an assignment operator with surrounding blanks.
fn assign_op(i: &str) -> IResult<&str, AssignOp> {
    let (i, _) = take_while(char::is_whitespace).parse(i)?;
    let (i, op) = alt((
        tag(":=").map(|_| AssignOp::Simple),
        tag("+=").map(|_| AssignOp::Append),
        tag("=").map(|_| AssignOp::Recursive),
    ))
    .parse(i)?;
    let (i, _) = take_while(|c: char| c.is_whitespace() && c != '\n').parse(i)?;
    Ok((i, op))
}

fn skip_ws(s: &str, mut i: usize) -> usize {
    let b = s.as_bytes();
    while i < b.len() && (b[i] as char).is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// Tokenizes one logical line. `line` is modified in place by macro
/// expansion; tokens are pushed to `out` (cleared first).
pub fn tokenize(
    line: &mut String,
    out: &mut Vec<Token>,
    pp: &mut Preprocessor,
    site: Site<'_>,
) -> Result<LineKind, LexError> {
    out.clear();
    let start = skip_ws(line, 0);
    if start == line.len() || line.as_bytes()[start] == b'#' {
        return Ok(LineKind::Nothing);
    }
    let first = match command_word(&line[start..]) {
        // The matched bytes are ASCII, so this slice is on char boundaries.
        Ok((_, w)) => {
            let w = &line[start..start + w.len()];
            Some((w, keyword(w)))
        }
        Err(_) => None,
    };
    let (first_len, kw) = match first {
        Some((w, Some(k))) => (w.len(), k),
        Some((w, None)) => {
            if line.trim_matches(|c: char| c == ' ' || c == '\t' || c == '-' || c == '\n') == "help"
                && w.starts_with('-')
            {
                return Ok(LineKind::Help);
            }
            assignment(line, start, pp, site)?;
            return Ok(LineKind::Nothing);
        }
        None => {
            assignment(line, start, pp, site)?;
            return Ok(LineKind::Nothing);
        }
    };
    if kw == Kw::Help {
        return Ok(LineKind::Help);
    }
    out.push(Token {
        kind: TokKind::Kw(kw),
        start: start as u32,
        end: (start + first_len) as u32,
        owned: None,
    });
    let mut i = skip_ws(line, start + first_len);
    while i < line.len() {
        let c = line.as_bytes()[i];
        if is_word_char(c as char) {
            let wl = word(&line[i..]).map(|(_, w)| w.len()).unwrap_or(0);
            let w = &line[i..i + wl];
            if let Some(k) = keyword(w) {
                let end = i + w.len();
                out.push(Token {
                    kind: TokKind::Kw(k),
                    start: i as u32,
                    end: end as u32,
                    owned: None,
                });
                i = skip_ws(line, end);
                continue;
            }
            // A `$(…)` reference is expanded wherever a word holds one: in
            // a symbol name (`config $(image)_FOO`, `depends on $(X)_Y`) and
            // in an unquoted string word alike (`choice $(image)_STRATEGY`,
            // `source $(DIR)/Kconfig`), so the tokenizer only ever sees the
            // expanded text of the word.
            let end = if w.bytes().any(|b| b == b'$') {
                // Kept for the message should the word expand to nothing.
                let dt_word = line[i..].contains("$(dt_").then(|| line[i..].to_string());
                let end = expand_name(line, i, pp, site)?;
                if line[i..end].trim().is_empty() {
                    return Err(LexError {
                        column: i,
                        message: blank_expansion_message(dt_word.as_deref().unwrap_or(""), pp),
                        macro_error: false,
                    });
                }
                end
            } else {
                i + w.len()
            };
            out.push(Token {
                kind: TokKind::Word,
                start: i as u32,
                end: end as u32,
                owned: None,
            });
            i = skip_ws(line, end);
            continue;
        }
        if c == b'"' || c == b'\'' {
            // Most strings hold no escape and no `$`: their token is the
            // text between the quotes as it stands. Others take the slow
            // path (escapes removed, macros and `$VAR` expanded), which
            // also reports an unterminated string.
            let bytes = line.as_bytes();
            let plain = memchr::memchr(c, &bytes[i + 1..]).filter(|&len| {
                !bytes[i + 1..i + 1 + len]
                    .iter()
                    .any(|&b| b == b'$' || b == b'\\')
            });
            let tok = if let Some(len) = plain {
                let t = Token {
                    kind: TokKind::Str,
                    start: (i + 1) as u32,
                    end: (i + 1 + len) as u32,
                    owned: None,
                };
                i += len + 2;
                t
            } else {
                let end = expand_str(line, i, pp, site)?;
                let content = &line[i + 1..end - 1];
                let owned = expand_env_refs(content, pp).map(String::into_boxed_str);
                let t = Token {
                    kind: TokKind::Str,
                    start: (i + 1) as u32,
                    end: (end - 1) as u32,
                    owned,
                };
                i = end;
                t
            };
            out.push(tok);
            i = skip_ws(line, i);
            continue;
        }
        if c == b'#' {
            break;
        }
        match operator(&line[i..]) {
            Ok((rest, kind)) => {
                let end = line.len() - rest.len();
                out.push(Token {
                    kind,
                    start: i as u32,
                    end: end as u32,
                    owned: None,
                });
                i = skip_ws(line, end);
            }
            Err(_) => {
                return Err(LexError {
                    column: i,
                    message: format!(
                    "unexpected character '{}': expected a symbol, a quoted string or an operator",
                    line[i..].chars().next().unwrap_or(' ')
                ),
                    macro_error: false,
                })
            }
        }
    }
    Ok(LineKind::Statement)
}

/// Expands a symbol name starting at `i` (Kconfiglib's `_expand_name`);
/// returns the end of the name.
fn expand_name(
    line: &mut String,
    mut i: usize,
    pp: &mut Preprocessor,
    site: Site<'_>,
) -> Result<usize, LexError> {
    loop {
        let b = line.as_bytes();
        let mut j = i;
        while j < b.len() {
            let c = b[j];
            if c == b'$' && b.get(j + 1) == Some(&b'(') {
                break;
            }
            if !is_word_char(c as char) {
                break;
            }
            j += 1;
        }
        if j < b.len() && b[j] == b'$' && b.get(j + 1) == Some(&b'(') {
            i = pp.expand_macro(line, j, &[], site).map_err(|e| LexError {
                column: j,
                message: e.0,
                macro_error: true,
            })?;
        } else {
            return Ok(j);
        }
    }
}

/// Expands a quoted string starting at the quote at `i` (escapes removed,
/// macros expanded in place); returns the index after the closing quote.
fn expand_str(
    line: &mut String,
    i: usize,
    pp: &mut Preprocessor,
    site: Site<'_>,
) -> Result<usize, LexError> {
    let quote = line.as_bytes()[i];
    let mut j = i + 1;
    loop {
        let b = line.as_bytes();
        let Some(off) = b[j..]
            .iter()
            .position(|&c| c == quote || c == b'\\' || c == b'$')
        else {
            return Err(LexError {
                column: i,
                message: "unterminated string".into(),
                macro_error: false,
            });
        };
        let p = j + off;
        match b[p] {
            c if c == quote => return Ok(p + 1),
            b'\\' => {
                line.remove(p);
                // Skip the escaped character (which may be multi-byte).
                j = match line[p..].chars().next() {
                    Some(ch) => p + ch.len_utf8(),
                    None => p,
                };
            }
            _ => {
                if b.get(p + 1) == Some(&b'(') {
                    j = pp.expand_macro(line, p, &[], site).map_err(|e| LexError {
                        column: p,
                        message: e.0,
                        macro_error: true,
                    })?;
                } else {
                    j = p + 1;
                }
            }
        }
    }
}

/// A macro assignment or a bare macro call (Kconfiglib's
/// `_parse_assignment`).
fn assignment(
    line: &mut String,
    start: usize,
    pp: &mut Preprocessor,
    site: Site<'_>,
) -> Result<(), LexError> {
    let mut i = start;
    loop {
        let b = line.as_bytes();
        while i < b.len() && is_cmd_char(b[i] as char) {
            i += 1;
        }
        if line[i..].starts_with("$(") {
            i = pp.expand_macro(line, i, &[], site).map_err(|e| LexError {
                column: i,
                message: e.0,
                macro_error: true,
            })?;
        } else {
            break;
        }
    }
    if line[start..].trim().is_empty() {
        return Ok(());
    }
    let line: &str = line;
    let name = &line[start..i];
    let Ok((rest, op)) = assign_op(&line[i..]) else {
        return Err(LexError {
            column: skip_ws(line, i),
            message: "syntax error: expected a keyword, or a macro assignment ('=', ':=' or '+=')"
                .into(),
            macro_error: false,
        });
    };
    let value = rest.strip_suffix('\n').unwrap_or(rest);
    pp.assign(name, op, value, site).map_err(|e| LexError {
        column: i,
        message: e.0,
        macro_error: true,
    })
}

/// The text of a token.
pub fn token_text<'a>(line: &'a str, t: &'a Token) -> &'a str {
    match &t.owned {
        Some(s) => s,
        None => &line[t.start as usize..t.end as usize],
    }
}

/// The error for a word whose macros expand to nothing. When the word calls
/// one of Zephyr's devicetree functions and nothing answers them, that is
/// almost certainly the cause, so the message says how to provide them.
fn blank_expansion_message(word: &str, pp: &Preprocessor) -> String {
    let dt_call = word
        .match_indices("$(dt_")
        .map(|(i, _)| &word[i + 2..])
        .map(|rest| &rest[..rest.find([',', ')']).unwrap_or(rest.len())])
        .find(|name| !pp.is_function(name));
    match dt_call {
        Some(name) => format!(
            "macro expanded to blank string: `{name}` is one of Zephyr's devicetree functions and \
             nothing answers it; give the board's devicetree (`--devicetree build/zephyr/zephyr.dts`, \
             bindings from `--dts-root`) or a recorded table (`--replay`)"
        ),
        None => "macro expanded to blank string".into(),
    }
}
