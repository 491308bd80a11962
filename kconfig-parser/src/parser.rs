//! The statement parser and source loader.
//!
//! [`load`] reads the root file and every file it sources, in order, into
//! one [`Kconfig`]. Parsing is streaming, like Kconfiglib: a `source`
//! statement parses the sourced files in place, so macro variables assigned
//! before it are visible inside them. Properties are recorded on the node
//! they were written on; nothing is propagated here.

use crate::ast::{
    push_prop, Choice, ChoiceId, Default, FileId, Kconfig, Loc, Node, NodeId, NodeKind, Options,
    Prompt, Range, ReverseDep, SourceFile, Span, Type, Warning,
};
use crate::error::{LoadError, LoadErrorKind};
use crate::expr::{CmpOp, ExprArena, ExprId};
use crate::lexer::{self, Kw, LexError, LineKind, TokKind, Token};
use crate::macros::{HostFunctions, MacroEvent, Preprocessor, Site};
use crate::symbol::{SymId, SymbolTable};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Deepest chain of nested `source` statements accepted.
pub const MAX_SOURCE_DEPTH: usize = 100;
/// Deepest nesting of `menu`/`if`/`choice` blocks accepted.
pub const MAX_BLOCK_DEPTH: usize = 200;
/// Deepest nesting of parentheses/`!` in an expression accepted.
pub const MAX_EXPR_DEPTH: usize = 200;

/// What to load and with which environment.
pub struct LoadOptions {
    /// The root Kconfig file, as given (relative to `$srctree` or absolute).
    pub kconfig: PathBuf,
    /// `$srctree`; `None` = take `srctree` from `env`, else unset.
    pub srctree: Option<PathBuf>,
    /// The directory relative paths start from (the process working
    /// directory when `None`).
    pub base_dir: Option<PathBuf>,
    /// The environment seen by macros (`$(VAR)`) and `option env`.
    pub env: HashMap<String, String>,
    /// Functions provided by the embedding tool (e.g. [`crate::ReplayFunctions`]).
    pub host: Option<Box<dyn HostFunctions>>,
    /// Follow `source` statements (default). When false, a file is parsed
    /// on its own: `source` lines are checked but not entered.
    pub follow_sources: bool,
    /// Read sourced files ahead on a second thread (default). The result is
    /// the same either way; without it every file is read by the parser,
    /// which takes about a third longer on a large tree.
    pub read_ahead: bool,
    /// Preprocessor variables defined before the root file is read (e.g.
    /// those of a whole tree, to parse one of its files on its own).
    pub variables: indexmap::IndexMap<String, crate::ast::Variable, rustc_hash::FxBuildHasher>,
}

impl LoadOptions {
    /// Options for `kconfig` with an empty environment.
    pub fn new(kconfig: impl Into<PathBuf>) -> Self {
        LoadOptions {
            kconfig: kconfig.into(),
            srctree: None,
            base_dir: None,
            env: HashMap::new(),
            host: None,
            follow_sources: true,
            read_ahead: true,
            variables: indexmap::IndexMap::default(),
        }
    }
}

/// Loads and parses a whole Kconfig tree.
///
/// ```no_run
/// let kc = kconfig_parser::load(kconfig_parser::LoadOptions::new("Kconfig")).unwrap();
/// println!("{} files", kc.reads.len());
/// ```
pub fn load(opts: LoadOptions) -> Result<Kconfig, LoadError> {
    let base = match opts.base_dir {
        Some(b) => b,
        None => std::env::current_dir().map_err(|e| LoadError {
            kind: LoadErrorKind::Io,
            file: ".".into(),
            line: 0,
            column: 0,
            text: String::new(),
            message: format!("cannot determine the working directory: {e}"),
        })?,
    };
    let base = std::fs::canonicalize(&base).unwrap_or(base);
    let srctree = match opts.srctree {
        Some(s) => s.to_string_lossy().into_owned(),
        None => opts.env.get("srctree").cloned().unwrap_or_default(),
    };
    let srctree_dir = base.join(&srctree);
    let real = std::fs::canonicalize(&srctree_dir).unwrap_or(srctree_dir.clone());
    let mut prefix = real.to_string_lossy().into_owned();
    if !prefix.ends_with('/') {
        prefix.push('/');
    }
    let top_name = opts.kconfig.to_string_lossy().into_owned();
    let top_path = srctree_dir.join(&opts.kconfig);
    let helper_env = (opts.follow_sources && opts.read_ahead).then(|| opts.env.clone());
    let mut pp = Preprocessor::new(opts.env, opts.host);
    pp.variables = opts.variables;
    let mut p = Parser::new(
        Kconfig {
            srctree: srctree.clone(),
            ..empty_kconfig()
        },
        pp,
        prefix,
        Arc::from(top_name.as_str()),
        opts.follow_sources,
    );
    let top_id = p.file_id(&top_name, top_path.clone());
    p.kc.reads.push(top_id);
    let text = read_text(&top_path).map_err(|e| LoadError {
        kind: LoadErrorKind::Io,
        file: top_name.clone(),
        line: 0,
        column: 0,
        text: String::new(),
        message: format!(
            "cannot read the root Kconfig file {}: {e}",
            top_path.display()
        ),
    })?;
    // A root file that sources nothing (most small trees) gains nothing
    // from a helper thread, which costs about 0.15 ms to start and stop.
    let sources_any = memchr::memmem::find(text.as_bytes(), b"source").is_some();
    if let Some(env) = helper_env.filter(|_| sources_any) {
        p.read_ahead = crate::readahead::ReadAhead::start(crate::readahead::Start {
            root_name: top_name.clone(),
            root_text: text.clone(),
            prefix: p.prefix.clone(),
            env,
            variables: p
                .pp
                .variables
                .iter()
                .map(|(n, v)| (n.clone(), v.value.clone(), v.recursive))
                .collect(),
        });
    }
    p.cur.file = top_id;
    p.cur.text = Arc::new(text);
    p.kc.texts.0.push(p.cur.text.clone());
    p.kc.nodes.push(Node::new(
        NodeKind::Top,
        Loc {
            file: top_id,
            line: 1,
        },
        None,
        p.include_path.clone(),
    ));
    p.parse_block(None, NodeId(0))?;
    let mainmenu = p.kc.mainmenu.clone();
    p.kc.nodes[0].prompt = Some(Prompt {
        text: mainmenu,
        cond: ExprId::Y,
    });
    p.kc.index_definitions();
    p.flush_events();
    p.kc.variables = std::mem::take(&mut p.pp.variables);
    p.kc.env_vars = std::mem::take(&mut p.pp.env_used);
    p.kc.side_effects = p.pp.side_effects;
    Ok(p.kc)
}

/// Parses one expression written in Kconfig syntax against an already
/// loaded tree (Kconfiglib's `eval_string` parsing step): new symbol names
/// are interned into `kc`. `m` is rewritten to `m && MODULES`, as in
/// conditions.
pub fn parse_expression(kc: &mut Kconfig, text: &str) -> Result<ExprId, LoadError> {
    let taken = std::mem::replace(kc, empty_kconfig());
    let mut p = Parser::new(
        taken,
        Preprocessor::new(HashMap::new(), None),
        String::new(),
        Arc::from("<expression>"),
        false,
    );
    p.cur.line = 1;
    p.line_buf = format!("if {text}");
    let r = (|| {
        p.process_line(false)?;
        if p.first_kw() != Some(Kw::If) {
            return Err(p.err("expected an expression"));
        }
        let e = p.parse_expr(true, 0)?;
        p.expect_eol()?;
        Ok(e)
    })();
    *kc = p.kc;
    r
}

fn empty_kconfig() -> Kconfig {
    Kconfig {
        files: Vec::new(),
        reads: Vec::new(),
        symbols: SymbolTable::new(),
        exprs: ExprArena::new(),
        nodes: Vec::new(),
        choices: Vec::new(),
        default_list: Vec::new(),
        select_list: Vec::new(),
        imply_list: Vec::new(),
        range_list: Vec::new(),
        def_offsets: Vec::new(),
        def_nodes: Vec::new(),
        cd_offsets: Vec::new(),
        cd_nodes: Vec::new(),
        mainmenu: "Main menu".into(),
        variables: indexmap::IndexMap::default(),
        env_vars: Vec::new(),
        warnings: Vec::new(),
        info: Vec::new(),
        srctree: String::new(),
        probes: Vec::new(),
        side_effects: 0,
        texts: crate::ast::FileTexts::default(),
    }
}

fn read_text(path: &Path) -> std::io::Result<String> {
    // open, one read, close for the usual small file: a read of a regular
    // file returns less than asked only at its end, so a short read needs
    // no second read (or fstat) to find the end. Larger files are read on.
    use std::io::Read;
    const CHUNK: usize = 64 * 1024;
    thread_local! {
        static BUF: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0; CHUNK]);
    }
    let mut f = std::fs::File::open(path)?;
    let bytes = BUF.with(|buf| -> std::io::Result<Vec<u8>> {
        let mut buf = buf.borrow_mut();
        let n = f.read(&mut buf[..])?;
        let mut out = buf[..n].to_vec();
        if n == CHUNK {
            f.read_to_end(&mut out)?;
        }
        Ok(out)
    })?;
    Ok(decode_text(bytes))
}

/// A file's bytes as the parser reads them: UTF-8 (invalid sequences
/// replaced, as Python's `errors="replace"` does), CRLF turned into LF.
pub(crate) fn decode_text(bytes: Vec<u8>) -> String {
    let mut s = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    if memchr::memchr(b'\r', s.as_bytes()).is_some() {
        s = s.replace("\r\n", "\n");
    }
    s
}

/// Python's `os.path.join` for two parts.
pub(crate) fn py_join(a: &str, b: &str) -> String {
    if b.starts_with('/') || a.is_empty() {
        return b.to_string();
    }
    // One exact allocation (`format!` is several times slower here).
    let mut out = String::with_capacity(a.len() + 1 + b.len());
    out.push_str(a);
    if !a.ends_with('/') {
        out.push('/');
    }
    out.push_str(b);
    out
}

pub(crate) fn py_dirname(p: &str) -> &str {
    match p.rfind('/') {
        Some(0) => "/",
        Some(i) => p[..i].trim_end_matches('/'),
        None => "",
    }
}

struct Cursor {
    file: FileId,
    name: Arc<str>,
    text: Arc<String>,
    pos: usize,
    line: u32,
}

struct Parser {
    kc: Kconfig,
    pp: Preprocessor,
    prefix: String,
    file_ids: rustc_hash::FxHashMap<String, FileId>,
    cur: Cursor,
    include_path: Arc<[Loc]>,
    line_buf: String,
    toks: Vec<Token>,
    tok_i: usize,
    kind: LineKind,
    reuse: bool,
    named_choices: rustc_hash::FxHashMap<String, ChoiceId>,
    block_depth: usize,
    tok_pool: Vec<Vec<Token>>,
    line_pool: Vec<String>,
    follow_sources: bool,
    file_cache: rustc_hash::FxHashMap<String, Arc<String>>,
    dir_cache: crate::glob::DirCache,
    /// Reads sourced files ahead on a second thread (not when sources are
    /// not followed).
    read_ahead: Option<crate::readahead::ReadAhead>,
    /// [`Preprocessor::side_effects`] when the caches were last valid.
    side_effects_seen: u64,
}

impl Node {
    fn new(kind: NodeKind, loc: Loc, parent: Option<NodeId>, include_path: Arc<[Loc]>) -> Self {
        Node {
            kind,
            loc,
            parent,
            children: Vec::new(),
            ty: None,
            prompt: None,
            dep: ExprId::Y,
            visible_if: ExprId::Y,
            defaults: Span::default(),
            selects: Span::default(),
            implies: Span::default(),
            ranges: Span::default(),
            help: None,
            options: Options::default(),
            include_path,
        }
    }
}

type PResult<T> = Result<T, LoadError>;

impl Parser {
    /// A parser positioned before the first line of an empty file `name`.
    fn new(
        kc: Kconfig,
        pp: Preprocessor,
        prefix: String,
        name: Arc<str>,
        follow_sources: bool,
    ) -> Self {
        Parser {
            kc,
            pp,
            prefix,
            file_ids: rustc_hash::FxHashMap::default(),
            cur: Cursor {
                file: FileId(0),
                name,
                text: Arc::new(String::new()),
                pos: 0,
                line: 0,
            },
            include_path: Arc::from(Vec::new()),
            line_buf: String::new(),
            toks: Vec::new(),
            tok_i: 0,
            kind: LineKind::Nothing,
            reuse: false,
            named_choices: rustc_hash::FxHashMap::default(),
            block_depth: 0,
            tok_pool: Vec::new(),
            line_pool: Vec::new(),
            file_cache: rustc_hash::FxHashMap::default(),
            dir_cache: crate::glob::DirCache::default(),
            follow_sources,
            read_ahead: None,
            side_effects_seen: 0,
        }
    }

    fn file_id(&mut self, name: &str, path: PathBuf) -> FileId {
        if let Some(&id) = self.file_ids.get(name) {
            return id;
        }
        let id = FileId(self.kc.files.len() as u32);
        self.kc.files.push(SourceFile {
            name: name.to_string(),
            path,
        });
        self.file_ids.insert(name.to_string(), id);
        id
    }

    fn loc(&self) -> Loc {
        Loc {
            file: self.cur.file,
            line: self.cur.line,
        }
    }

    fn err_at(&self, kind: LoadErrorKind, column: usize, message: impl Into<String>) -> LoadError {
        LoadError {
            kind,
            file: self.cur.name.to_string(),
            line: self.cur.line,
            column: if column == usize::MAX {
                0
            } else {
                column as u32 + 1
            },
            text: self.line_buf.clone(),
            message: message.into(),
        }
    }

    /// A syntax error at the current token (or the end of the line).
    fn err(&self, message: impl Into<String>) -> LoadError {
        // Point at the token (for a string: at its opening quote).
        let col = self
            .toks
            .get(self.tok_i)
            .map(|t| {
                if t.kind == TokKind::Str {
                    (t.start as usize).saturating_sub(1)
                } else {
                    t.start as usize
                }
            })
            .unwrap_or(self.line_buf.trim_end().len());
        self.err_at(LoadErrorKind::Syntax, col, message)
    }

    fn warn(&mut self, text: String) {
        self.kc.warnings.push(Warning { text });
    }

    fn warn_here(&mut self, msg: &str) {
        let t = format!("{}:{}: warning: {}", self.cur.name, self.cur.line, msg);
        self.warn(t);
    }

    fn flush_events(&mut self) {
        for ev in self.pp.events.drain(..) {
            match ev {
                MacroEvent::Warning(w) => self.kc.warnings.push(Warning { text: w }),
                MacroEvent::Info(i) => self.kc.info.push(i),
            }
        }
    }

    /// Reads one physical line (without its newline). Returns the line and
    /// whether a newline followed it.
    fn read_physical(&mut self) -> Option<(usize, usize, bool)> {
        let text = &self.cur.text;
        if self.cur.pos >= text.len() {
            return None;
        }
        let start = self.cur.pos;
        match memchr(b'\n', &text.as_bytes()[start..]) {
            Some(off) => {
                self.cur.pos = start + off + 1;
                Some((start, start + off, true))
            }
            None => {
                self.cur.pos = text.len();
                Some((start, text.len(), false))
            }
        }
    }

    /// Joins continuation lines onto `line_buf` (which holds a physical
    /// line) and tokenizes it.
    fn process_line(&mut self, mut had_newline: bool) -> PResult<()> {
        while had_newline && self.line_buf.ends_with('\\') {
            self.line_buf.pop();
            match self.read_physical() {
                Some((s, e, nl)) => {
                    self.cur.line += 1;
                    let (buf, text) = (&mut self.line_buf, &self.cur.text);
                    buf.push_str(&text[s..e]);
                    had_newline = nl;
                }
                None => break,
            }
        }
        let site = Site {
            file: &self.cur.name,
            line: self.cur.line,
        };
        let r = lexer::tokenize(&mut self.line_buf, &mut self.toks, &mut self.pp, site);
        if !self.pp.events.is_empty() {
            self.flush_events();
        }
        if self.pp.side_effects != self.side_effects_seen {
            self.after_side_effect();
        }
        match r {
            Ok(k) => {
                self.kind = k;
                self.tok_i = 1;
                Ok(())
            }
            Err(LexError {
                column,
                message,
                macro_error,
            }) => {
                let kind = if macro_error {
                    LoadErrorKind::Macro
                } else {
                    LoadErrorKind::Syntax
                };
                Err(self.err_at(kind, column, message))
            }
        }
    }

    /// A `$(shell)` command or an impure host function ran while the line
    /// was expanded: it may have written files sourced later, so nothing
    /// read before it is used again (Kconfiglib reads each `source` anew).
    fn after_side_effect(&mut self) {
        self.side_effects_seen = self.pp.side_effects;
        if let Some(r) = &self.read_ahead {
            r.side_effect(self.side_effects_seen);
        }
        self.file_cache.clear();
        self.dir_cache = crate::glob::DirCache::default();
    }

    /// Advances to the next statement line (skipping blank lines, comments
    /// and assignments). False at the end of the file.
    fn next_line(&mut self) -> PResult<bool> {
        if self.reuse {
            self.reuse = false;
            return Ok(true);
        }
        loop {
            let Some((s, e, nl)) = self.read_physical() else {
                return Ok(false);
            };
            self.cur.line += 1;
            self.line_buf.clear();
            let (buf, text) = (&mut self.line_buf, &self.cur.text);
            buf.push_str(&text[s..e]);
            self.process_line(nl)?;
            if self.kind != LineKind::Nothing {
                return Ok(true);
            }
        }
    }

    fn first_kw(&self) -> Option<Kw> {
        match self.toks.first() {
            Some(Token {
                kind: TokKind::Kw(k),
                ..
            }) => Some(*k),
            _ => None,
        }
    }

    fn peek(&self) -> Option<TokKind> {
        self.toks.get(self.tok_i).map(|t| t.kind)
    }

    fn check(&mut self, k: TokKind) -> bool {
        if self.peek() == Some(k) {
            self.tok_i += 1;
            true
        } else {
            false
        }
    }

    fn text_of(&self, i: usize) -> &str {
        lexer::token_text(&self.line_buf, &self.toks[i])
    }

    fn expect_eol(&self) -> PResult<()> {
        if self.tok_i < self.toks.len() {
            return Err(self.err("extra tokens at the end of the line: expected end of line"));
        }
        Ok(())
    }

    /// Kconfiglib's style warning for a bare word where a string is
    /// expected (`source foo/Kconfig`, `bool Prompt`); a named choice's
    /// name is a bare word by design.
    fn warn_unquoted(&mut self) {
        let i = self.tok_i;
        if i == 0 || self.toks.get(i).map(|t| t.kind) != Some(TokKind::Word) {
            return;
        }
        match self.toks[i - 1].kind {
            TokKind::Kw(k) if lexer::takes_string(k) && k != Kw::Choice => {
                let msg = format!(
                    "style: quotes recommended around '{}' in '{}'",
                    self.text_of(i),
                    self.line_buf.trim()
                );
                self.warn_here(&msg);
            }
            _ => {}
        }
    }

    fn expect_str_and_eol(&mut self) -> PResult<String> {
        self.warn_unquoted();
        match self.peek() {
            Some(TokKind::Str) | Some(TokKind::Word) => {
                let s = self.text_of(self.tok_i).to_string();
                self.tok_i += 1;
                self.expect_eol()?;
                Ok(s)
            }
            _ => Err(self.err("expected a quoted string")),
        }
    }

    fn expect_sym(&mut self) -> PResult<SymId> {
        let i = self.tok_i;
        match self.peek() {
            Some(TokKind::Word) => {
                self.tok_i += 1;
                let name = lexer::token_text(&self.line_buf, &self.toks[i]);
                Ok(self.kc.symbols.plain(name))
            }
            Some(TokKind::Str) => {
                self.tok_i += 1;
                let name = lexer::token_text(&self.line_buf, &self.toks[i]);
                Ok(self.kc.symbols.constant(name))
            }
            _ => Err(self.err("expected a symbol name or a quoted string")),
        }
    }

    fn expect_nonconst_sym(&mut self) -> PResult<SymId> {
        let save = self.tok_i;
        let s = self.expect_sym()?;
        if self.kc.symbols.is_const(s) {
            self.tok_i = save;
            return Err(self.err("expected a (non-constant) symbol name"));
        }
        Ok(s)
    }

    fn parse_expr(&mut self, transform_m: bool, depth: usize) -> PResult<ExprId> {
        if depth > MAX_EXPR_DEPTH {
            return Err(self.err(format!(
                "expression nested more than {MAX_EXPR_DEPTH} levels deep"
            )));
        }
        self.parse_chain(
            TokKind::Or,
            Self::parse_and,
            ExprArena::or_raw,
            transform_m,
            depth,
        )
    }

    fn parse_and(&mut self, transform_m: bool, depth: usize) -> PResult<ExprId> {
        self.parse_chain(
            TokKind::And,
            Self::parse_factor,
            ExprArena::and_raw,
            transform_m,
            depth,
        )
    }

    /// `operand (op operand)*`, folded to the right as Kconfiglib builds it
    /// (`a || (b || c)`), in a loop: Zephyr has chains of hundreds.
    fn parse_chain(
        &mut self,
        op: TokKind,
        operand: fn(&mut Self, bool, usize) -> PResult<ExprId>,
        join: fn(&mut ExprArena, ExprId, ExprId) -> ExprId,
        transform_m: bool,
        depth: usize,
    ) -> PResult<ExprId> {
        let first = operand(self, transform_m, depth)?;
        if self.peek() != Some(op) {
            return Ok(first);
        }
        let mut operands = vec![first];
        while self.check(op) {
            operands.push(operand(self, transform_m, depth)?);
        }
        let mut e = operands.pop().expect("one operand");
        while let Some(a) = operands.pop() {
            e = join(&mut self.kc.exprs, a, e);
        }
        Ok(e)
    }

    fn parse_factor(&mut self, transform_m: bool, depth: usize) -> PResult<ExprId> {
        if depth > MAX_EXPR_DEPTH {
            return Err(self.err(format!(
                "expression nested more than {MAX_EXPR_DEPTH} levels deep"
            )));
        }
        match self.peek() {
            Some(TokKind::Word) | Some(TokKind::Str) => {
                let s = self.expect_sym()?;
                let op = match self.peek() {
                    Some(TokKind::Eq) => Some(CmpOp::Eq),
                    Some(TokKind::Ne) => Some(CmpOp::Ne),
                    Some(TokKind::Lt) => Some(CmpOp::Lt),
                    Some(TokKind::Le) => Some(CmpOp::Le),
                    Some(TokKind::Gt) => Some(CmpOp::Gt),
                    Some(TokKind::Ge) => Some(CmpOp::Ge),
                    _ => None,
                };
                if let Some(op) = op {
                    self.tok_i += 1;
                    let b = self.expect_sym()?;
                    return Ok(self.kc.exprs.cmp(op, s, b));
                }
                if transform_m && s == SymId::M {
                    let m = self.kc.exprs.sym(SymId::M);
                    let modules = self.kc.exprs.sym(SymId::MODULES);
                    return Ok(self.kc.exprs.and_raw(m, modules));
                }
                Ok(self.kc.exprs.sym(s))
            }
            Some(TokKind::Not) => {
                self.tok_i += 1;
                let e = self.parse_factor(transform_m, depth + 1)?;
                Ok(self.kc.exprs.not(e))
            }
            Some(TokKind::LParen) => {
                self.tok_i += 1;
                let e = self.parse_expr(transform_m, depth + 1)?;
                if !self.check(TokKind::RParen) {
                    return Err(self.err("malformed expression: expected ')'"));
                }
                Ok(e)
            }
            _ => {
                Err(self
                    .err("malformed expression: expected a symbol, a quoted string, '!' or '('"))
            }
        }
    }

    fn parse_cond(&mut self) -> PResult<ExprId> {
        let e = if self.check(TokKind::Kw(Kw::If)) {
            self.parse_expr(true, 0)?
        } else {
            ExprId::Y
        };
        self.expect_eol()?;
        Ok(e)
    }

    fn new_node(&mut self, kind: NodeKind, parent: NodeId) -> NodeId {
        let id = NodeId(self.kc.nodes.len() as u32);
        let n = Node::new(kind, self.loc(), Some(parent), self.include_path.clone());
        self.kc.nodes.push(n);
        self.kc.nodes[parent.0 as usize].children.push(id);
        id
    }

    fn parse_block(&mut self, end: Option<Kw>, parent: NodeId) -> PResult<()> {
        self.block_depth += 1;
        if self.block_depth > MAX_BLOCK_DEPTH {
            return Err(self.err_at(
                LoadErrorKind::TooDeep,
                usize::MAX,
                format!("menu/if/choice blocks nested more than {MAX_BLOCK_DEPTH} levels deep"),
            ));
        }
        let r = self.parse_block_inner(end, parent);
        self.block_depth -= 1;
        r
    }

    fn parse_block_inner(&mut self, end: Option<Kw>, parent: NodeId) -> PResult<()> {
        while self.next_line()? {
            if self.kind == LineKind::Help {
                self.tok_i = 0;
                return Err(self.err("'help' outside a config/choice/menu entry"));
            }
            let Some(k) = self.first_kw() else {
                self.tok_i = 0;
                return Err(self.err("unrecognized construct"));
            };
            match k {
                Kw::Config | Kw::Menuconfig | Kw::Configdefault => {
                    let sym = self.expect_nonconst_sym().map_err(|_| {
                        self.err("missing or bad symbol name: expected a name after the keyword")
                    })?;
                    self.expect_eol()?;
                    let kind = if k == Kw::Configdefault {
                        NodeKind::ConfigDefault { sym }
                    } else {
                        NodeKind::Config {
                            sym,
                            menuconfig: k == Kw::Menuconfig,
                        }
                    };
                    let node = self.new_node(kind, parent);
                    self.parse_props(node)?;
                    if k == Kw::Menuconfig && self.kc.nodes[node.0 as usize].prompt.is_none() {
                        let nl = self.name_and_loc(sym);
                        self.warn(format!("warning: the menuconfig symbol {nl} has no prompt"));
                    }
                }
                Kw::Source | Kw::Rsource | Kw::Osource | Kw::Orsource => {
                    let pattern = self.expect_str_and_eol()?;
                    if self.follow_sources {
                        self.source(k, &pattern, parent)?;
                    }
                }
                Kw::If => {
                    let node = self.new_node(NodeKind::If, parent);
                    let dep = self.parse_expr(true, 0)?;
                    self.expect_eol()?;
                    self.kc.nodes[node.0 as usize].dep = dep;
                    self.parse_block(Some(Kw::Endif), node)?;
                }
                Kw::Menu => {
                    let node = self.new_node(NodeKind::Menu, parent);
                    let title = self.expect_str_and_eol()?;
                    self.kc.nodes[node.0 as usize].prompt = Some(Prompt {
                        text: title,
                        cond: ExprId::Y,
                    });
                    self.parse_props(node)?;
                    self.parse_block(Some(Kw::Endmenu), node)?;
                }
                Kw::Comment => {
                    let node = self.new_node(NodeKind::Comment, parent);
                    let text = self.expect_str_and_eol()?;
                    self.kc.nodes[node.0 as usize].prompt = Some(Prompt {
                        text,
                        cond: ExprId::Y,
                    });
                    self.parse_props(node)?;
                }
                Kw::Choice => {
                    let choice = if self.tok_i >= self.toks.len() {
                        None
                    } else {
                        Some(self.expect_str_and_eol()?)
                    };
                    let id = match &choice {
                        Some(name) => match self.named_choices.get(name) {
                            Some(&id) => id,
                            None => {
                                let id = ChoiceId(self.kc.choices.len() as u32);
                                self.kc.choices.push(Choice {
                                    name: Some(name.clone()),
                                    nodes: Vec::new(),
                                });
                                self.named_choices.insert(name.clone(), id);
                                id
                            }
                        },
                        None => {
                            let id = ChoiceId(self.kc.choices.len() as u32);
                            self.kc.choices.push(Choice {
                                name: None,
                                nodes: Vec::new(),
                            });
                            id
                        }
                    };
                    let node = self.new_node(NodeKind::Choice(id), parent);
                    self.kc.choices[id.0 as usize].nodes.push(node);
                    self.parse_props(node)?;
                    self.parse_block(Some(Kw::Endchoice), node)?;
                }
                Kw::Mainmenu => {
                    self.kc.mainmenu = self.expect_str_and_eol()?;
                }
                k if Some(k) == end => {
                    self.expect_eol()?;
                    return Ok(());
                }
                Kw::Endchoice | Kw::Endif | Kw::Endmenu => {
                    self.tok_i = 0;
                    let what = match k {
                        Kw::Endchoice => "choice",
                        Kw::Endif => "if",
                        _ => "menu",
                    };
                    let expected = match end {
                        Some(Kw::Endchoice) => " (the open block needs 'endchoice')",
                        Some(Kw::Endif) => " (the open block needs 'endif')",
                        Some(Kw::Endmenu) => " (the open block needs 'endmenu')",
                        _ => "",
                    };
                    return Err(self.err(format!("no corresponding '{what}'{expected}")));
                }
                _ => {
                    self.tok_i = 0;
                    return Err(self.err(
                        "unrecognized construct: expected config, menuconfig, choice, comment, \
                         menu, if, source or an end keyword",
                    ));
                }
            }
        }
        if let Some(e) = end {
            let kw = match e {
                Kw::Endchoice => "endchoice",
                Kw::Endif => "endif",
                _ => "endmenu",
            };
            return Err(LoadError {
                kind: LoadErrorKind::Unterminated,
                file: self.cur.name.to_string(),
                line: self.cur.line,
                column: 0,
                text: String::new(),
                message: format!(
                    "expected '{kw}' at end of '{}' (blocks must be closed in the file that opens them)",
                    self.cur.name
                ),
            });
        }
        Ok(())
    }

    fn name_and_loc(&self, sym: SymId) -> String {
        // Only for warnings while parsing: scan the nodes made so far.
        let locs: Vec<String> = self
            .kc
            .nodes
            .iter()
            .filter(|n| matches!(n.kind, NodeKind::Config { sym: s, .. } if s == sym))
            .map(|n| self.kc.loc_str(n.loc))
            .collect();
        let name = self.kc.symbols.name(sym);
        if locs.is_empty() {
            format!("{name} (undefined)")
        } else {
            format!("{name} (defined at {})", locs.join(", "))
        }
    }

    fn source(&mut self, k: Kw, pattern: &str, parent: NodeId) -> PResult<()> {
        let mut pat = pattern.to_string();
        if matches!(k, Kw::Rsource | Kw::Orsource) {
            pat = py_join(py_dirname(&self.cur.name), &pat);
        }
        let full = py_join(&self.prefix, &pat);
        // Without wildcards the pattern names one file: read it directly
        // (one system call fewer than checking first).
        let mut pre_read = None;
        let mut matches = if crate::glob::has_magic(&full) {
            match self.read_ahead.as_ref().and_then(|r| r.take_glob(&full)) {
                Some(m) => m,
                None => {
                    let mut m = crate::glob::glob_cached(&full, &mut self.dir_cache);
                    m.sort();
                    m
                }
            }
        } else {
            match self.read_cached(&full) {
                Ok(t) => {
                    pre_read = Some(t);
                    vec![full.clone()]
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
                Err(_) => vec![full.clone()],
            }
        };
        if crate::glob::has_magic(&full) || matches.is_empty() {
            self.kc.probes.push(crate::ast::SourceProbe {
                pattern: full.clone(),
                glob: crate::glob::has_magic(&full),
                matches: matches.clone(),
            });
        }
        if matches.is_empty() && matches!(k, Kw::Source | Kw::Rsource) {
            let srctree = if self.kc.srctree.is_empty() {
                "unset or blank".to_string()
            } else {
                format!("set to '{}'", self.kc.srctree)
            };
            return Err(LoadError {
                kind: LoadErrorKind::MissingSource,
                file: self.cur.name.to_string(),
                line: self.cur.line,
                column: 0,
                text: self.line_buf.clone(),
                message: format!(
                    "'{pat}' not found (sourced from {}:{}). Check that environment variables \
                     are set correctly (e.g. $srctree, which is {srctree}); unset environment \
                     variables expand to the empty string",
                    self.cur.name, self.cur.line
                ),
            });
        }
        for m in matches.drain(..) {
            self.enter_file(&m, parent, pre_read.take())?;
        }
        Ok(())
    }

    /// Reads a file, once per load: Kconfig trees source some files several
    /// times (overlapping globs) and the contents cannot change meanwhile.
    fn read_cached(&mut self, path: &str) -> std::io::Result<Arc<String>> {
        if let Some(t) = self.file_cache.get(path) {
            return Ok(t.clone());
        }
        let t = match self.read_ahead.as_ref().and_then(|r| r.take_file(path)) {
            Some(read) => read?,
            None => {
                let t = Arc::new(read_text(Path::new(path))?);
                if let Some(r) = &self.read_ahead {
                    r.parser_read(path, &t);
                }
                t
            }
        };
        self.file_cache.insert(path.to_string(), t.clone());
        Ok(t)
    }

    fn enter_file(&mut self, path: &str, parent: NodeId, text: Option<Arc<String>>) -> PResult<()> {
        let name = path
            .strip_prefix(self.prefix.as_str())
            .unwrap_or(path)
            .to_string();
        let here = self.loc();
        let chain: Arc<[Loc]> = self
            .include_path
            .iter()
            .copied()
            .chain(std::iter::once(here))
            .collect();
        let chain_names = |kc: &Kconfig, chain: &[Loc]| -> Vec<String> {
            chain.iter().map(|l| kc.loc_str(*l)).collect()
        };
        if chain.iter().any(|l| self.kc.file_name(l.file) == name) {
            return Err(LoadError {
                kind: LoadErrorKind::RecursiveSource,
                file: self.cur.name.to_string(),
                line: self.cur.line,
                column: 0,
                text: self.line_buf.clone(),
                message: format!(
                    "recursive 'source' of '{name}' detected. Include path:\n{}",
                    chain_names(&self.kc, &chain).join("\n")
                ),
            });
        }
        if chain.len() > MAX_SOURCE_DEPTH {
            return Err(self.err_at(
                LoadErrorKind::TooDeep,
                usize::MAX,
                format!("'source' nested more than {MAX_SOURCE_DEPTH} files deep"),
            ));
        }
        let text = match text {
            Some(t) => Ok(t),
            None => self.read_cached(path),
        }
        .map_err(|e| LoadError {
            kind: LoadErrorKind::Io,
            file: self.cur.name.to_string(),
            line: self.cur.line,
            column: 0,
            text: self.line_buf.clone(),
            message: format!("cannot read '{path}' (sourced here): {e}"),
        })?;
        let id = self.file_id(&name, PathBuf::from(path));
        if id.0 as usize == self.kc.texts.0.len() {
            self.kc.texts.0.push(text.clone());
        }
        self.kc.reads.push(id);
        let saved_cursor = std::mem::replace(
            &mut self.cur,
            Cursor {
                file: id,
                name: Arc::from(name.as_str()),
                text,
                pos: 0,
                line: 0,
            },
        );
        let saved_path = std::mem::replace(&mut self.include_path, chain);
        let saved_line =
            std::mem::replace(&mut self.line_buf, self.line_pool.pop().unwrap_or_default());
        let saved_toks = std::mem::replace(&mut self.toks, self.tok_pool.pop().unwrap_or_default());
        let r = self.parse_block(None, parent);
        self.cur = saved_cursor;
        self.include_path = saved_path;
        let mut used = std::mem::replace(&mut self.line_buf, saved_line);
        used.clear();
        self.line_pool.push(used);
        let used = std::mem::replace(&mut self.toks, saved_toks);
        self.tok_pool.push(used);
        self.reuse = false;
        r
    }

    fn set_type(&mut self, node: NodeId, ty: Type) {
        self.kc.nodes[node.0 as usize].ty = Some(ty);
    }

    fn parse_prompt(&mut self, node: NodeId) -> PResult<()> {
        self.warn_unquoted();
        let text = match self.peek() {
            Some(TokKind::Str) | Some(TokKind::Word) => {
                let s = self.text_of(self.tok_i).to_string();
                self.tok_i += 1;
                s
            }
            _ => return Err(self.err("expected a prompt string")),
        };
        let stripped = text.trim();
        let text = if stripped.len() != text.len() {
            stripped.to_string()
        } else {
            text
        };
        let cond = self.parse_cond()?;
        self.kc.nodes[node.0 as usize].prompt = Some(Prompt { text, cond });
        Ok(())
    }

    /// Parses the property lines of an entry, then checks the rules of
    /// `transitional` symbols (Linux 6.18): they exist only to carry a value
    /// from an old `.config` into the defaults of their successor, so they
    /// need a type and may have nothing but that type and help text.
    fn parse_props(&mut self, node: NodeId) -> PResult<()> {
        let mut forbidden = None;
        self.parse_props_lines(node, &mut forbidden)?;
        let n = &self.kc.nodes[node.0 as usize];
        if !n.options.transitional {
            return Ok(());
        }
        let sym = match n.kind {
            NodeKind::Config { sym, .. } => sym,
            _ => {
                return Err(self.err_at_line(
                    n.loc.line,
                    "'transitional' is only valid for symbols (config entries)",
                ))
            }
        };
        let name = self.kc.symbols.name(sym).to_string();
        if let Some((line, what)) = forbidden {
            return Err(self.err_at_line(
                line,
                format!(
                    "transitional symbol {name} cannot have {what}: a transitional symbol only \
                     carries an old .config value and may have just a type and help text"
                ),
            ));
        }
        if n.ty.is_none() {
            return Err(self.err_at_line(
                n.loc.line,
                format!(
                    "transitional symbol {name} has no type: add bool, tristate, string, hex or int"
                ),
            ));
        }
        Ok(())
    }

    /// A syntax error on an earlier line of the current file, at column 1.
    fn err_at_line(&self, line: u32, message: impl Into<String>) -> LoadError {
        LoadError {
            kind: LoadErrorKind::Syntax,
            file: self.cur.name.to_string(),
            line,
            column: 1,
            text: String::new(),
            message: message.into(),
        }
    }

    fn parse_props_lines(
        &mut self,
        node: NodeId,
        forbidden: &mut Option<(u32, &'static str)>,
    ) -> PResult<()> {
        let idx = node.0 as usize;
        let kind = self.kc.nodes[idx].kind;
        let is_sym = matches!(
            kind,
            NodeKind::Config { .. } | NodeKind::ConfigDefault { .. }
        );
        let is_configdefault = matches!(kind, NodeKind::ConfigDefault { .. });
        while self.next_line()? {
            if self.kind == LineKind::Help {
                if is_configdefault {
                    self.tok_i = 0;
                    return Err(
                        self.err("only 'default' lines are allowed in a configdefault entry")
                    );
                }
                self.parse_help(node)?;
                continue;
            }
            let Some(k) = self.first_kw() else {
                self.reuse = true;
                return Ok(());
            };
            if is_configdefault && !matches!(k, Kw::Default) && is_property(k) {
                self.tok_i = 0;
                return Err(self.err("only 'default' lines are allowed in a configdefault entry"));
            }
            if forbidden.is_none() {
                let what = match k {
                    Kw::Bool | Kw::Tristate | Kw::String | Kw::Hex | Kw::Int
                        if self.tok_i < self.toks.len() =>
                    {
                        Some("a prompt")
                    }
                    Kw::Prompt => Some("a prompt"),
                    Kw::Default
                    | Kw::DefBool
                    | Kw::DefTristate
                    | Kw::DefInt
                    | Kw::DefHex
                    | Kw::DefString => Some("defaults"),
                    Kw::Depends => Some("dependencies"),
                    Kw::Select => Some("selects"),
                    Kw::Imply => Some("implies"),
                    Kw::Range => Some("ranges"),
                    Kw::Option | Kw::Modules => Some("options"),
                    _ => None,
                };
                if let Some(what) = what {
                    *forbidden = Some((self.cur.line, what));
                }
            }
            match k {
                Kw::Bool | Kw::Tristate | Kw::String | Kw::Hex | Kw::Int => {
                    self.set_type(node, kw_type(k));
                    if self.tok_i < self.toks.len() {
                        self.parse_prompt(node)?;
                    }
                }
                Kw::Depends => {
                    if !self.check(TokKind::Kw(Kw::On)) {
                        return Err(self.err("expected 'on' after 'depends'"));
                    }
                    let mut e = self.parse_expr(true, 0)?;
                    if self.check(TokKind::Kw(Kw::If)) {
                        // `depends on A if B` (Linux 6.19, Kconfiglib
                        // forks): A when B is not n, else y, i.e.
                        // `A || (B == n)` as Linux builds it. This differs
                        // from `A || !B` when B is m (then the dependency
                        // is A, not at least m).
                        let c = self.parse_expr(true, 0)?;
                        let c_is_n = self.kc.exprs.equals_const(c, false);
                        e = self.kc.exprs.or_raw(e, c_is_n);
                    }
                    self.expect_eol()?;
                    let d = self.kc.nodes[idx].dep;
                    self.kc.nodes[idx].dep = self.kc.exprs.make_and(d, e);
                }
                Kw::Select | Kw::Imply => {
                    if !is_sym {
                        return Err(self.err(if k == Kw::Select {
                            "only symbols can select"
                        } else {
                            "only symbols can imply"
                        }));
                    }
                    let target = self.expect_nonconst_sym()?;
                    let cond = self.parse_cond()?;
                    let r = ReverseDep { target, cond };
                    let kc = &mut self.kc;
                    if k == Kw::Select {
                        push_prop(&mut kc.select_list, &mut kc.nodes[idx].selects, r);
                    } else {
                        push_prop(&mut kc.imply_list, &mut kc.nodes[idx].implies, r);
                    }
                }
                Kw::Default => {
                    let value = self.parse_expr(false, 0)?;
                    let cond = self.parse_cond()?;
                    let kc = &mut self.kc;
                    push_prop(
                        &mut kc.default_list,
                        &mut kc.nodes[idx].defaults,
                        Default { value, cond },
                    );
                }
                Kw::DefBool | Kw::DefTristate | Kw::DefInt | Kw::DefHex | Kw::DefString => {
                    let ty = match k {
                        Kw::DefBool => Type::Bool,
                        Kw::DefTristate => Type::Tristate,
                        Kw::DefInt => Type::Int,
                        Kw::DefHex => Type::Hex,
                        _ => Type::String,
                    };
                    self.set_type(node, ty);
                    let value = self.parse_expr(false, 0)?;
                    let cond = self.parse_cond()?;
                    let kc = &mut self.kc;
                    push_prop(
                        &mut kc.default_list,
                        &mut kc.nodes[idx].defaults,
                        Default { value, cond },
                    );
                }
                Kw::Prompt => {
                    self.parse_prompt(node)?;
                }
                Kw::Range => {
                    let low = self.expect_sym()?;
                    let high = self.expect_sym()?;
                    let cond = self.parse_cond()?;
                    let kc = &mut self.kc;
                    push_prop(
                        &mut kc.range_list,
                        &mut kc.nodes[idx].ranges,
                        Range { low, high, cond },
                    );
                }
                Kw::Visible => {
                    if !self.check(TokKind::Kw(Kw::If)) {
                        return Err(self.err("expected 'if' after 'visible'"));
                    }
                    let e = self.parse_expr(true, 0)?;
                    self.expect_eol()?;
                    let v = self.kc.nodes[idx].visible_if;
                    self.kc.nodes[idx].visible_if = self.kc.exprs.make_and(v, e);
                }
                Kw::Option => self.parse_option(node)?,
                Kw::Modules => {
                    self.expect_eol()?;
                    self.kc.nodes[idx].options.modules = true;
                }
                Kw::Transitional => {
                    self.expect_eol()?;
                    self.kc.nodes[idx].options.transitional = true;
                }
                Kw::Optional => {
                    if !matches!(kind, NodeKind::Choice(_)) {
                        return Err(self.err("\"optional\" is only valid for choices"));
                    }
                    self.expect_eol()?;
                    self.kc.nodes[idx].options.optional = true;
                }
                _ => {
                    self.reuse = true;
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    fn parse_option(&mut self, node: NodeId) -> PResult<()> {
        let idx = node.0 as usize;
        if self.check(TokKind::Kw(Kw::Env)) {
            if !self.check(TokKind::Eq) {
                return Err(self.err("expected '=' after 'env'"));
            }
            let var = self.expect_str_and_eol()?;
            let sym = match self.kc.nodes[idx].kind {
                NodeKind::Config { sym, .. } => Some(sym),
                _ => None,
            };
            let sym_name = sym
                .map(|s| self.kc.symbols.name(s).to_string())
                .unwrap_or_default();
            match self.pp.env_peek(&var).map(str::to_string) {
                Some(v) => {
                    // The value becomes a default right here, between the
                    // `default` lines written before and after the option.
                    let c = self.kc.symbols.constant(&v);
                    let value = self.kc.exprs.sym(c);
                    let kc = &mut self.kc;
                    kc.nodes[idx].options.env_at = kc.nodes[idx].defaults.len;
                    push_prop(
                        &mut kc.default_list,
                        &mut kc.nodes[idx].defaults,
                        Default {
                            value,
                            cond: ExprId::Y,
                        },
                    );
                    kc.nodes[idx].options.env_default = true;
                }
                None => {
                    // Kconfiglib swaps the two names in this message; kept
                    // for identical output.
                    self.warn_here(&format!(
                        "{var} has 'option env=\"{sym_name}\"', but the environment variable {sym_name} is not set"
                    ));
                }
            }
            if var != sym_name {
                self.warn_here(&format!(
                    "Kconfiglib expands environment variables in strings directly, meaning you \
                     do not need 'option env=...' \"bounce\" symbols. For compatibility with the \
                     C tools, rename {sym_name} to {var} (so that the symbol name matches the \
                     environment variable name)."
                ));
            }
            if self.kc.nodes[idx].options.env.is_none() && !self.kc.nodes[idx].options.env_default {
                self.kc.nodes[idx].options.env_at = self.kc.nodes[idx].defaults.len;
            }
            self.kc.nodes[idx].options.env = Some(var);
        } else if self.check(TokKind::Kw(Kw::DefconfigList)) {
            self.expect_eol()?;
            self.kc.nodes[idx].options.defconfig_list = true;
        } else if self.check(TokKind::Kw(Kw::Modules)) {
            self.expect_eol()?;
            self.kc.nodes[idx].options.modules = true;
        } else if self.check(TokKind::Kw(Kw::AllnoconfigY)) {
            if !matches!(self.kc.nodes[idx].kind, NodeKind::Config { .. }) {
                return Err(self.err("the 'allnoconfig_y' option is only valid for symbols"));
            }
            self.expect_eol()?;
            self.kc.nodes[idx].options.allnoconfig_y = true;
        } else {
            return Err(self.err(
                "unrecognized option: expected env=\"VAR\", defconfig_list, modules or allnoconfig_y",
            ));
        }
        Ok(())
    }

    fn parse_help(&mut self, node: NodeId) -> PResult<()> {
        // First non-blank line sets the indentation.
        let first = loop {
            match self.read_physical() {
                None => {
                    self.cur.line += 1;
                    self.empty_help(node);
                    return Ok(());
                }
                Some((s, e, nl)) => {
                    self.cur.line += 1;
                    if !self.cur.text[s..e].trim().is_empty() {
                        break (s, e, nl);
                    }
                }
            }
        };
        let (s, e, nl) = first;
        let indent = indent_width(&self.cur.text[s..e]);
        if indent == 0 {
            self.empty_help(node);
            self.line_buf.clear();
            let (buf, text) = (&mut self.line_buf, &self.cur.text);
            buf.push_str(&text[s..e]);
            self.process_line(nl)?;
            self.reuse = self.kind != LineKind::Nothing;
            if !self.reuse {
                // The line was an assignment or blank; continue normally.
            }
            return Ok(());
        }
        let mut help = String::with_capacity(256);
        push_dedented(&mut help, &self.cur.text[s..e], indent);
        help.push('\n');
        let mut nlines = 1u32;
        let mut after: Option<(usize, usize, bool)> = None;
        while let Some((s, e, nl)) = self.read_physical() {
            let raw = &self.cur.text[s..e];
            if raw.bytes().all(|b| b.is_ascii_whitespace()) && raw.trim().is_empty() {
                help.push('\n');
                nlines += 1;
                continue;
            }
            if indent_width(raw) < indent {
                after = Some((s, e, nl));
                break;
            }
            push_dedented(&mut help, raw, indent);
            help.push('\n');
            nlines += 1;
        }
        // The first line was counted already.
        self.cur.line += nlines - 1;
        let keep = help.trim_end().len();
        help.truncate(keep);
        self.kc.nodes[node.0 as usize].help = Some(help);
        if let Some((s, e, nl)) = after {
            self.cur.line += 1;
            self.line_buf.clear();
            let (buf, t) = (&mut self.line_buf, &self.cur.text);
            buf.push_str(&t[s..e]);
            self.process_line(nl)?;
            self.reuse = self.kind != LineKind::Nothing;
        }
        Ok(())
    }

    fn empty_help(&mut self, node: NodeId) {
        let what = match self.kc.nodes[node.0 as usize].kind {
            NodeKind::Config { sym, .. } | NodeKind::ConfigDefault { sym } => {
                self.name_and_loc(sym)
            }
            NodeKind::Choice(_) => "<choice>".to_string(),
            _ => "menu".to_string(),
        };
        self.warn(format!("warning: {what} has 'help' but empty help text"));
        self.kc.nodes[node.0 as usize].help = Some(String::new());
    }
}

fn is_property(k: Kw) -> bool {
    matches!(
        k,
        Kw::Bool
            | Kw::Tristate
            | Kw::String
            | Kw::Hex
            | Kw::Int
            | Kw::Depends
            | Kw::Select
            | Kw::Imply
            | Kw::DefBool
            | Kw::DefTristate
            | Kw::DefInt
            | Kw::DefHex
            | Kw::DefString
            | Kw::Prompt
            | Kw::Range
            | Kw::Visible
            | Kw::Option
            | Kw::Modules
            | Kw::Transitional
            | Kw::Optional
    )
}

fn kw_type(k: Kw) -> Type {
    match k {
        Kw::Bool => Type::Bool,
        Kw::Tristate => Type::Tristate,
        Kw::String => Type::String,
        Kw::Hex => Type::Hex,
        _ => Type::Int,
    }
}

/// Python's `str.expandtabs()` (8-column stops).
/// Width of the leading whitespace after tab expansion, and whether the
/// line is blank.
fn indent_width(s: &str) -> usize {
    let mut col = 0;
    for b in s.bytes() {
        match b {
            b' ' => col += 1,
            b'\t' => col += 8 - col % 8,
            b'\x0b' | b'\x0c' | b'\r' => col += 1,
            _ => break,
        }
    }
    col
}

/// Appends `raw` with tabs expanded (8-column stops) minus its first
/// `indent` columns, without an intermediate allocation.
fn push_dedented(out: &mut String, raw: &str, indent: usize) {
    if !raw.contains('\t') {
        out.push_str(&raw[indent.min(raw.len())..]);
        return;
    }
    // Leading blanks: count columns until `indent` is consumed.
    let bytes = raw.as_bytes();
    let mut col = 0;
    let mut i = 0;
    while i < bytes.len() && col < indent && (bytes[i] == b' ' || bytes[i] == b'\t') {
        col = if bytes[i] == b'\t' {
            col + 8 - col % 8
        } else {
            col + 1
        };
        i += 1;
    }
    // A tab that crossed the indentation leaves its remaining columns.
    for _ in indent..col {
        out.push(' ');
    }
    let rest = &raw[i..];
    if !rest.contains('\t') {
        out.push_str(rest);
        return;
    }
    for c in rest.chars() {
        if c == '\t' {
            let n = 8 - col % 8;
            for _ in 0..n {
                out.push(' ');
            }
            col += n;
        } else {
            out.push(c);
            col += 1;
        }
    }
}

#[cfg(test)]
fn expand_tabs(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('\t') {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    let mut col = 0;
    for c in s.chars() {
        if c == '\t' {
            let n = 8 - col % 8;
            out.extend(std::iter::repeat_n(' ', n));
            col += n;
        } else {
            out.push(c);
            col += 1;
        }
    }
    std::borrow::Cow::Owned(out)
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    memchr::memchr(needle, hay)
}

#[cfg(test)]
mod tests {
    use super::{expand_tabs, indent_width, push_dedented};
    use proptest::prelude::*;

    proptest! {
        /// The allocation-free dedent equals expanding tabs, then cutting.
        #[test]
        fn dedent_matches_expand_then_cut(raw in "[ \t]{0,6}[a-z\t ]{0,12}", cut in 0usize..20) {
            let indent = cut.min(indent_width(&raw));
            let mut got = String::new();
            push_dedented(&mut got, &raw, indent);
            let exp = expand_tabs(&raw);
            prop_assert_eq!(got.as_str(), &exp[indent.min(exp.len())..]);
        }
    }
}
