//! The DTS lexer: tokens borrowed from the source buffers (no allocation per
//! token), `/include/` and cpp line markers handled here as dtc and dtlib do.
//!
//! The language is context dependent: `cpu@0`, `#address-cells` or `1x` are
//! names where a node or property name may start, while elsewhere digits are
//! numbers and `[` starts two-digit bytes. The lexer keeps dtlib's three
//! states and switches them on the same tokens.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use nom::bytes::complete::{take_while1, take_while_m_n};
use nom::Parser;

use super::{Error, Location};

/// How deep `/include/`s may nest.
const MAX_INCLUDE_DEPTH: usize = 64;

/// A compact source position; the file is an index into [`Lexer::names`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pos {
    pub file: u32,
    pub line: u32,
    pub col: u32,
}

/// Punctuation and operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Punct {
    EqEq,
    NotEq,
    Not,
    Assign,
    Comma,
    Semi,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Tilde,
    Question,
    Colon,
    Caret,
    LParen,
    RParen,
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    Shl,
    Le,
    Lt,
    Shr,
    Ge,
    Gt,
    OrOr,
    Or,
    AndAnd,
    And,
}

const PUNCTS: &[(&str, Punct)] = &[
    ("==", Punct::EqEq),
    ("!=", Punct::NotEq),
    ("!", Punct::Not),
    ("=", Punct::Assign),
    (",", Punct::Comma),
    (";", Punct::Semi),
    ("+", Punct::Plus),
    ("-", Punct::Minus),
    ("*", Punct::Star),
    ("/", Punct::Slash),
    ("%", Punct::Percent),
    ("~", Punct::Tilde),
    ("?", Punct::Question),
    (":", Punct::Colon),
    ("^", Punct::Caret),
    ("(", Punct::LParen),
    (")", Punct::RParen),
    ("{", Punct::LBrace),
    ("}", Punct::RBrace),
    ("[", Punct::LBracket),
    ("]", Punct::RBracket),
    ("<<", Punct::Shl),
    ("<=", Punct::Le),
    ("<", Punct::Lt),
    (">>", Punct::Shr),
    (">=", Punct::Ge),
    (">", Punct::Gt),
    ("||", Punct::OrOr),
    ("|", Punct::Or),
    ("&&", Punct::AndAnd),
    ("&", Punct::And),
];

impl Punct {
    pub fn text(self) -> &'static str {
        PUNCTS
            .iter()
            .find(|(_, p)| *p == self)
            .map_or("?", |(s, _)| s)
    }
}

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Eof,
    /// A string; the span is its contents (escapes not yet processed).
    Str,
    DtsV1,
    Plugin,
    MemReserve,
    Bits,
    DelProp,
    DelNode,
    OmitIfNoRef,
    Incbin,
    /// `name:`; the span is the name.
    Label,
    /// A character literal; `num` is its value.
    Char,
    /// `&name` or `&{/path}`; the span is what follows `&`.
    Ref,
    /// An integer literal; `num` is its value.
    Num,
    /// A node or property name (without a leading backslash).
    Name,
    /// A two-digit byte inside `[ ]`; `num` is its value.
    Byte,
    Punct(Punct),
    /// Anything else.
    Bad,
}

/// One token: what it is, where, and its text as a span of a buffer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Token {
    pub kind: Kind,
    pub pos: Pos,
    pub buf: u32,
    pub start: u32,
    pub end: u32,
    pub num: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Default,
    PropNodeName,
    Byte,
}

/// One file being read (the top file or an `/include/`d one).
struct Frame {
    buf: usize,
    pos: usize,
    line: u32,
    line_start: usize,
    file: u32,
}

pub(crate) struct Lexer {
    bufs: Vec<String>,
    frames: Vec<Frame>,
    /// File names by index; positions refer to them.
    pub names: Vec<Arc<str>>,
    state: State,
    peeked: Option<Token>,
    include_dirs: Vec<PathBuf>,
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b",._+*#?@-".contains(&c)
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn is_path_ref_char(c: u8) -> bool {
    is_name_char(c) || c == b'/'
}

/// Shows a token's text (or a description of it) in error messages.
pub(crate) fn describe(text: &str, kind: Kind) -> String {
    match kind {
        Kind::Eof => "end of input".into(),
        Kind::Str => format!("string \"{}\"", clip(text)),
        Kind::Label => format!("label '{}:'", clip(text)),
        Kind::Ref => format!("reference '&{}'", clip(text)),
        Kind::Name => format!("name '{}'", clip(text)),
        Kind::Char => format!("character literal '{}'", clip(text)),
        Kind::Bad => match text.chars().next() {
            Some(c) if c.is_ascii_graphic() => format!("'{c}'"),
            Some(c) => format!("character {:?}", c),
            None => "end of input".into(),
        },
        _ => format!("'{}'", clip(text)),
    }
}

fn clip(s: &str) -> &str {
    match s.char_indices().nth(40) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

impl Lexer {
    pub fn new(text: String, file_name: &str, include_dirs: Vec<PathBuf>) -> Lexer {
        Lexer {
            bufs: vec![text],
            frames: vec![Frame {
                buf: 0,
                pos: 0,
                line: 1,
                line_start: 0,
                file: 0,
            }],
            names: vec![Arc::from(file_name)],
            state: State::Default,
            peeked: None,
            include_dirs,
        }
    }

    /// The token's text.
    pub fn text(&self, t: &Token) -> &str {
        self.bufs
            .get(t.buf as usize)
            .and_then(|b| b.get(t.start as usize..t.end as usize))
            .unwrap_or("")
    }

    pub fn location(&self, p: Pos) -> Location {
        Location {
            file: self.names[p.file as usize].clone(),
            line: p.line,
            column: p.col,
        }
    }

    fn cur(&self) -> &Frame {
        self.frames.last().expect("the top frame is never popped")
    }

    fn cur_mut(&mut self) -> &mut Frame {
        self.frames
            .last_mut()
            .expect("the top frame is never popped")
    }

    fn here(&self) -> Pos {
        let f = self.cur();
        Pos {
            file: f.file,
            line: f.line,
            col: (f.pos - f.line_start + 1) as u32,
        }
    }

    /// Moves the current frame's position to `to`, counting lines.
    fn advance(&mut self, to: usize) {
        let f = self.frames.last_mut().expect("frame");
        let bytes = self.bufs[f.buf].as_bytes();
        for (i, &b) in bytes[f.pos..to].iter().enumerate() {
            if b == b'\n' {
                f.line = f.line.saturating_add(1);
                f.line_start = f.pos + i + 1;
            }
        }
        f.pos = to;
    }

    pub fn peek(&mut self) -> Result<Token, Error> {
        if let Some(t) = self.peeked {
            return Ok(t);
        }
        let t = self.lex()?;
        self.peeked = Some(t);
        Ok(t)
    }

    pub fn next(&mut self) -> Result<Token, Error> {
        match self.peeked.take() {
            Some(t) => Ok(t),
            None => self.lex(),
        }
    }

    fn err_unterminated(&self, p: Pos, what: &'static str, closing: &'static str) -> Error {
        Error::Unterminated {
            location: self.location(p),
            what,
            closing,
        }
    }

    /// Skips whitespace, comments and line markers; handles end of included
    /// files. Returns with the position at a token's start (or the top file's end).
    fn skip(&mut self) -> Result<(), Error> {
        loop {
            let f = self
                .frames
                .last_mut()
                .expect("the top frame is never popped");
            let bytes = self.bufs[f.buf].as_bytes();
            let mut i = f.pos;
            while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\r' | 0x0b | 0x0c) {
                i += 1;
            }
            if i < bytes.len() && bytes[i] == b'\n' {
                f.pos = i + 1;
                f.line = f.line.saturating_add(1);
                f.line_start = i + 1;
                continue;
            }
            let at_line_start = i == f.line_start;
            f.pos = i;
            let rest = &self.bufs[f.buf].as_bytes()[i..];
            if rest.is_empty() {
                if self.frames.len() > 1 {
                    self.frames.pop();
                    continue;
                }
                return Ok(());
            }
            if rest.starts_with(b"/*") {
                let start = self.here();
                match find_comment_end(&rest[2..]) {
                    Some(n) => self.advance(i + 2 + n + 2),
                    None => return Err(self.err_unterminated(start, "comment", "'*/'")),
                }
                continue;
            }
            if rest.starts_with(b"//") {
                let n = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
                self.cur_mut().pos = i + n;
                continue;
            }
            if at_line_start && rest[0] == b'#' {
                if let Some((len, line, name)) = line_marker(rest) {
                    let name: Arc<str> = Arc::from(name.as_str());
                    let idx = match self.names.iter().position(|n| *n == name) {
                        Some(k) => k,
                        None => {
                            self.names.push(name);
                            self.names.len() - 1
                        }
                    };
                    let f = self.cur_mut();
                    f.pos = i + len;
                    f.file = idx as u32;
                    // The newline ending the marker moves to `line`.
                    f.line = line.saturating_sub(1);
                    continue;
                }
            }
            if rest.starts_with(b"/include/") {
                self.include(i)?;
                continue;
            }
            return Ok(());
        }
    }

    /// Enters the file named by the `/include/` at `i`.
    fn include(&mut self, i: usize) -> Result<(), Error> {
        let start = self.here();
        let f = self.cur();
        let bytes = self.bufs[f.buf].as_bytes();
        let mut j = i + "/include/".len();
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        if bytes.get(j) != Some(&b'"') {
            let found = if j < bytes.len() {
                describe(&String::from_utf8_lossy(&bytes[j..j + 1]), Kind::Bad)
            } else {
                "end of input".into()
            };
            return Err(Error::Syntax {
                location: self.location(start),
                expected: "a quoted file name after /include/".into(),
                found,
            });
        }
        let Some(n) = string_end(&bytes[j + 1..]) else {
            return Err(self.err_unterminated(start, "string", "'\"'"));
        };
        let raw = &bytes[j + 1..j + 1 + n];
        let name_bytes = unescape(raw).map_err(|_| Error::Syntax {
            location: self.location(start),
            expected: "an octal escape of at most \\377".into(),
            found: "a larger one".into(),
        })?;
        let name = String::from_utf8_lossy(&name_bytes).into_owned();
        self.advance(j + 1 + n + 1);
        if self.frames.len() > MAX_INCLUDE_DEPTH {
            return Err(Error::TooDeep {
                location: self.location(start),
                what: "/include/",
                limit: MAX_INCLUDE_DEPTH,
            });
        }
        let (path, text) = self.open(&name, start)?;
        let text = String::from_utf8(text).map_err(|_| Error::Include {
            location: self.location(start),
            file: name.clone(),
            reason: "not valid UTF-8".into(),
        })?;
        let path_name = path.to_string_lossy().into_owned();
        if self
            .frames
            .iter()
            .any(|fr| *self.names[fr.file as usize] == *path_name)
        {
            return Err(Error::RecursiveInclude {
                location: self.location(start),
                file: path_name,
            });
        }
        self.names.push(Arc::from(path_name.as_str()));
        self.bufs.push(text);
        self.frames.push(Frame {
            buf: self.bufs.len() - 1,
            pos: 0,
            line: 1,
            line_start: 0,
            file: (self.names.len() - 1) as u32,
        });
        Ok(())
    }

    /// Reads a file named by `/include/` or `/incbin/`: first beside the
    /// current file, then in each include directory.
    pub fn open(&self, name: &str, at: Pos) -> Result<(PathBuf, Vec<u8>), Error> {
        let cur_name = &self.names[self.cur().file as usize];
        let dir = Path::new(&**cur_name)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let mut candidates = vec![dir.join(name)];
        candidates.extend(self.include_dirs.iter().map(|d| d.join(name)));
        for c in &candidates {
            match std::fs::read(c) {
                Ok(t) => return Ok((c.clone(), t)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => {
                    return Err(Error::Include {
                        location: self.location(at),
                        file: name.into(),
                        reason: e.to_string(),
                    })
                }
            }
        }
        let searched: Vec<String> = candidates.iter().map(|c| c.display().to_string()).collect();
        Err(Error::Include {
            location: self.location(at),
            file: name.into(),
            reason: format!("not found (searched {})", searched.join(", ")),
        })
    }

    fn lex(&mut self) -> Result<Token, Error> {
        self.skip()?;
        let pos = self.here();
        let f = self.cur();
        let (buf, i) = (f.buf, f.pos);
        let bytes = self.bufs[buf].as_bytes();
        let rest = &bytes[i..];
        let tok = |kind, start: usize, end: usize, num| Token {
            kind,
            pos,
            buf: buf as u32,
            start: start as u32,
            end: end as u32,
            num,
        };
        if rest.is_empty() {
            return Ok(tok(Kind::Eof, i, i, 0));
        }
        let c = rest[0];
        // Tokens recognized in every state (dtlib's first regex).
        let (t, len) = if c == b'"' {
            let Some(n) = string_end(&rest[1..]) else {
                return Err(self.err_unterminated(pos, "string", "'\"'"));
            };
            (tok(Kind::Str, i + 1, i + 1 + n, 0), n + 2)
        } else if let Some((kind, kw)) = keyword(rest) {
            (tok(kind, i, i + kw, 0), kw)
        } else if is_ident_start(c) && label_len(rest).is_some() {
            let n = label_len(rest).unwrap_or(0);
            (tok(Kind::Label, i, i + n, 0), n + 1)
        } else if c == b'\'' {
            let Some(n) = char_end(&rest[1..]) else {
                return Err(self.err_unterminated(pos, "character literal", "\"'\""));
            };
            let val = unescape(&rest[1..1 + n]).ok().filter(|v| v.len() == 1);
            let Some(v) = val else {
                return Err(Error::Syntax {
                    location: self.location(pos),
                    expected: "exactly one character (or escape) in a character literal".into(),
                    found: format!("'{}'", String::from_utf8_lossy(&rest[1..1 + n])),
                });
            };
            (tok(Kind::Char, i + 1, i + 1 + n, u64::from(v[0])), n + 2)
        } else if let Some(n) = ref_len(rest) {
            (tok(Kind::Ref, i + 1, i + n, 0), n)
        } else if let Some(t) = self.state_token(i, pos, buf)? {
            t
        } else if let Some((s, p)) = PUNCTS.iter().find(|(s, _)| rest.starts_with(s.as_bytes())) {
            (tok(Kind::Punct(*p), i, i + s.len(), 0), s.len())
        } else {
            let n = self.bufs[buf]
                .get(i..)
                .and_then(|s| s.chars().next())
                .map_or(1, char::len_utf8);
            (tok(Kind::Bad, i, i + n, 0), n)
        };
        self.advance(i + len);
        match t.kind {
            Kind::Name => self.state = State::Default,
            Kind::DelProp
            | Kind::DelNode
            | Kind::OmitIfNoRef
            | Kind::Punct(Punct::LBrace)
            | Kind::Punct(Punct::Semi) => self.state = State::PropNodeName,
            Kind::Punct(Punct::LBracket) => self.state = State::Byte,
            Kind::MemReserve | Kind::Bits | Kind::Punct(Punct::RBracket) => {
                self.state = State::Default
            }
            _ => {}
        }
        Ok(t)
    }

    /// Numbers, names or bytes, depending on the state.
    fn state_token(&self, i: usize, pos: Pos, buf: usize) -> Result<Option<(Token, usize)>, Error> {
        // Positions are always on character boundaries (tokens end on ASCII
        // bytes or after a whole character).
        let text = self.bufs[buf].get(i..).unwrap_or("");
        let tok = |kind, start: usize, end: usize, num| Token {
            kind,
            pos,
            buf: buf as u32,
            start: start as u32,
            end: end as u32,
            num,
        };
        match self.state {
            State::Default => {
                let Some((val, n)) = number(text).map_err(|e| match e {
                    NumError::Overflow => Error::Overflow {
                        location: self.location(pos),
                        detail: format!(
                            "the literal {} does not fit in 64 bits",
                            clip(&text[..digits_len(text)])
                        ),
                    },
                    NumError::Octal => Error::Syntax {
                        location: self.location(pos),
                        expected: "octal digits (0-7) after a leading 0".into(),
                        found: format!("'{}'", clip(&text[..digits_len(text)])),
                    },
                })?
                else {
                    return Ok(None);
                };
                Ok(Some((tok(Kind::Num, i, i + n, val), n)))
            }
            State::PropNodeName => {
                let skip = usize::from(text.starts_with('\\'));
                let r: nom::IResult<&str, &str> =
                    take_while1(|c: char| c.is_ascii() && is_name_char(c as u8))
                        .parse(&text[skip..]);
                match r {
                    Ok((_, name)) => {
                        let n = skip + name.len();
                        Ok(Some((tok(Kind::Name, i + skip, i + n, 0), n)))
                    }
                    Err(_) => Ok(None),
                }
            }
            State::Byte => {
                let r: nom::IResult<&str, &str> =
                    take_while_m_n(2, 2, |c: char| c.is_ascii_hexdigit()).parse(text);
                match r {
                    Ok((_, hex)) => {
                        let v = u64::from_str_radix(hex, 16).unwrap_or(0);
                        Ok(Some((tok(Kind::Byte, i, i + 2, v), 2)))
                    }
                    Err(_) => Ok(None),
                }
            }
        }
    }
}

enum NumError {
    Overflow,
    Octal,
}

fn digits_len(text: &str) -> usize {
    text.bytes()
        .position(|b| !b.is_ascii_alphanumeric())
        .unwrap_or(text.len())
}

/// An integer literal as dtc reads it: `0x` hex, leading-`0` octal or
/// decimal, then an optional `U`, `L`, `UL`, `LL` or `ULL`. Returns the value
/// and the length, or `None` when no digit starts here.
fn number(text: &str) -> Result<Option<(u64, usize)>, NumError> {
    let b = text.as_bytes();
    let hex: nom::IResult<&str, &str> =
        take_while1(|c: char| c.is_ascii_hexdigit()).parse(text.get(2..).unwrap_or(""));
    let (val, mut n) = if b.len() > 2 && b[0] == b'0' && (b[1] | 0x20) == b'x' && hex.is_ok() {
        let digits = hex.map(|(_, d)| d).unwrap_or("");
        let v = u64::from_str_radix(digits, 16).map_err(|_| NumError::Overflow)?;
        (v, 2 + digits.len())
    } else {
        let r: nom::IResult<&str, &str> = take_while1(|c: char| c.is_ascii_digit()).parse(text);
        let Ok((_, digits)) = r else {
            return Ok(None);
        };
        let v = if digits.len() > 1 && digits.starts_with('0') {
            if digits.bytes().any(|d| d > b'7') {
                return Err(NumError::Octal);
            }
            u64::from_str_radix(digits, 8)
        } else {
            digits.parse::<u64>()
        };
        (v.map_err(|_| NumError::Overflow)?, digits.len())
    };
    for suffix in ["ULL", "UL", "LL", "U", "L"] {
        if text[n..].starts_with(suffix) {
            n += suffix.len();
            break;
        }
    }
    Ok(Some((val, n)))
}

/// The `/keyword/` at the start of `rest`, if any (not `/include/`, which
/// [`Lexer::skip`] handles).
fn keyword(rest: &[u8]) -> Option<(Kind, usize)> {
    if rest.first() != Some(&b'/') {
        return None;
    }
    const KWS: &[(&str, Kind)] = &[
        ("/dts-v1/", Kind::DtsV1),
        ("/plugin/", Kind::Plugin),
        ("/memreserve/", Kind::MemReserve),
        ("/bits/", Kind::Bits),
        ("/delete-property/", Kind::DelProp),
        ("/delete-node/", Kind::DelNode),
        ("/omit-if-no-ref/", Kind::OmitIfNoRef),
        ("/incbin/", Kind::Incbin),
    ];
    KWS.iter()
        .find(|(s, _)| rest.starts_with(s.as_bytes()))
        .map(|(s, k)| (*k, s.len()))
}

/// `ident:` at the start: the identifier's length.
fn label_len(rest: &[u8]) -> Option<usize> {
    let n = rest.iter().position(|&c| !is_ident_char(c))?;
    (rest[n] == b':').then_some(n)
}

/// `&ident` or `&{path}`: the whole length.
fn ref_len(rest: &[u8]) -> Option<usize> {
    if rest.first() != Some(&b'&') {
        return None;
    }
    let r = &rest[1..];
    if r.first().is_some_and(|&c| is_ident_start(c)) {
        let n = r.iter().position(|&c| !is_ident_char(c)).unwrap_or(r.len());
        return Some(1 + n);
    }
    if r.first() == Some(&b'{') {
        let n = r[1..].iter().position(|&c| !is_path_ref_char(c))?;
        if r[1 + n] == b'}' {
            return Some(1 + 1 + n + 1);
        }
    }
    None
}

/// Length of a string's contents up to its closing quote.
fn string_end(b: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

fn char_end(b: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'\'' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// Where `*/` starts in `hay`.
fn find_comment_end(hay: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(k) = hay[from..].iter().position(|&c| c == b'*') {
        let at = from + k;
        if hay.get(at + 1) == Some(&b'/') {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// A cpp line marker at the start of a line: `# 12 "file" 1 3` or
/// `#line 12 "file"`. Returns its length, the line number and the file.
fn line_marker(rest: &[u8]) -> Option<(usize, u32, String)> {
    let mut i = 1;
    if rest[i..].starts_with(b"line") {
        i += 4;
    }
    let blanks = |i: usize| {
        rest[i..]
            .iter()
            .position(|&c| c != b' ' && c != b'\t')
            .unwrap_or(rest.len() - i)
    };
    let digits = |i: usize| {
        rest[i..]
            .iter()
            .position(|c| !c.is_ascii_digit())
            .unwrap_or(rest.len() - i)
    };
    let n = blanks(i);
    if n == 0 {
        return None;
    }
    i += n;
    let d = digits(i);
    if d == 0 {
        return None;
    }
    let line: u32 = std::str::from_utf8(&rest[i..i + d])
        .ok()?
        .parse()
        .unwrap_or(u32::MAX);
    i += d;
    let n = blanks(i);
    if n == 0 || rest.get(i + n) != Some(&b'"') {
        return None;
    }
    i += n + 1;
    let len = string_end(&rest[i..])?;
    let name = unescape(&rest[i..i + len]).ok()?;
    let name = String::from_utf8_lossy(&name).into_owned();
    i += len + 1;
    for _ in 0..4 {
        let n = blanks(i);
        let d = digits(i + n);
        if n == 0 || d == 0 {
            break;
        }
        i += n + d;
    }
    Some((i, line, name))
}

/// Processes C escapes in a string or character literal as dtc does:
/// `\a \b \t \n \v \f \r`, up to three octal digits, `\x` with one or two hex
/// digits, and `\c` for any other `c`. Fails on an octal escape above 255.
pub(crate) fn unescape(b: &[u8]) -> Result<Vec<u8>, ()> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' || i + 1 >= b.len() {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let c = b[i + 1];
        i += 2;
        match c {
            b'a' => out.push(0x07),
            b'b' => out.push(0x08),
            b't' => out.push(b'\t'),
            b'n' => out.push(b'\n'),
            b'v' => out.push(0x0b),
            b'f' => out.push(0x0c),
            b'r' => out.push(b'\r'),
            b'0'..=b'7' => {
                let mut v = u32::from(c - b'0');
                let mut k = 0;
                while k < 2 && i < b.len() && (b'0'..=b'7').contains(&b[i]) {
                    v = v * 8 + u32::from(b[i] - b'0');
                    i += 1;
                    k += 1;
                }
                out.push(u8::try_from(v).map_err(|_| ())?);
            }
            b'x' if i < b.len() && b[i].is_ascii_hexdigit() => {
                let mut v = 0u8;
                let mut k = 0;
                while k < 2 && i < b.len() && b[i].is_ascii_hexdigit() {
                    v = v * 16 + (b[i] as char).to_digit(16).unwrap_or(0) as u8;
                    i += 1;
                    k += 1;
                }
                out.push(v);
            }
            _ => {
                // Any other escaped character stands for itself (all of its
                // UTF-8 bytes).
                out.push(c);
            }
        }
    }
    Ok(out)
}
