//! The located syntax tree of a whole Kconfig tree.
//!
//! The tree is kept the way it was written: every `config`, `menuconfig`,
//! `configdefault`, `choice`, `menu`, `comment` and `if` becomes a [`Node`]
//! with its own properties, its file and line, and its children. Nothing is
//! propagated or merged here (that is the evaluator's job), so the tree can
//! be printed back to Kconfig text and compared.
//!
//! Symbol names are interned ([`SymId`]) and expressions live in one arena
//! ([`ExprArena`]), so the evaluator works on small integer handles.

use crate::expr::{ExprArena, ExprId};
use crate::symbol::{SymId, SymbolTable};
use indexmap::IndexMap;
use std::path::PathBuf;

/// Index of a file in [`Kconfig::files`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// Index of a node in [`Kconfig::nodes`]. Node 0 is the top (main menu).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

/// Index of a choice in [`Kconfig::choices`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChoiceId(pub u32);

/// A position in the tree: file and (1-based) line. For a statement continued
/// with backslashes the line is the last physical line, as Kconfiglib counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Loc {
    /// The file.
    pub file: FileId,
    /// 1-based line number.
    pub line: u32,
}

/// A file that was read.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name as Kconfiglib reports it: relative to `$srctree` when the
    /// file lies inside it, otherwise as given (absolute for files outside).
    pub name: String,
    /// The path the file was read from.
    pub path: PathBuf,
}

/// Value types of symbols and choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Type {
    /// `bool` (also written `boolean`).
    Bool,
    /// `tristate`.
    Tristate,
    /// `string`.
    String,
    /// `int`.
    Int,
    /// `hex`.
    Hex,
}

impl Type {
    /// The keyword that declares the type.
    pub fn keyword(self) -> &'static str {
        match self {
            Type::Bool => "bool",
            Type::Tristate => "tristate",
            Type::String => "string",
            Type::Int => "int",
            Type::Hex => "hex",
        }
    }

    /// The `def_*` keyword of the type.
    pub fn def_keyword(self) -> &'static str {
        match self {
            Type::Bool => "def_bool",
            Type::Tristate => "def_tristate",
            Type::String => "def_string",
            Type::Int => "def_int",
            Type::Hex => "def_hex",
        }
    }
}

/// What a node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// The implicit top node (holds the `mainmenu` prompt).
    Top,
    /// `config NAME` or `menuconfig NAME`.
    Config {
        /// The symbol defined.
        sym: SymId,
        /// Written as `menuconfig`.
        menuconfig: bool,
    },
    /// `configdefault NAME` (Zephyr's Kconfiglib): extra defaults only.
    ConfigDefault {
        /// The symbol given defaults.
        sym: SymId,
    },
    /// `choice [NAME]` … `endchoice`.
    Choice(ChoiceId),
    /// `menu "title"` … `endmenu`.
    Menu,
    /// `comment "text"`.
    Comment,
    /// `if EXPR` … `endif` (its condition is in [`Node::dep`]).
    If,
}

/// A prompt: text plus the condition after `if` (the constant `y` if none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    /// The text (surrounding whitespace stripped, as Kconfiglib does).
    pub text: String,
    /// The condition.
    pub cond: ExprId,
}

/// `default EXPR [if COND]` (also from `def_*` lines and `option env`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Default {
    /// The value expression.
    pub value: ExprId,
    /// The condition (`y` if none).
    pub cond: ExprId,
}

/// `select SYM [if COND]` / `imply SYM [if COND]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReverseDep {
    /// The target symbol.
    pub target: SymId,
    /// The condition (`y` if none).
    pub cond: ExprId,
}

/// `range LOW HIGH [if COND]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// Lower bound symbol (often a constant).
    pub low: SymId,
    /// Upper bound symbol.
    pub high: SymId,
    /// The condition (`y` if none).
    pub cond: ExprId,
}

/// `option …` flags and the bare `modules`/`transitional` attributes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// `option env="VAR"`.
    pub env: Option<String>,
    /// With `option env`: how many of the node's `default` lines came
    /// before the `option env` line. When the variable was set while
    /// parsing, its value (a constant) was added to the node's defaults at
    /// exactly this index, as Kconfiglib does, so `default` lines above the
    /// option take precedence over it and those below do not.
    pub env_at: u32,
    /// With `option env`: the variable was set, so the default at
    /// [`Options::env_at`] comes from it (and is not a written `default`).
    pub env_default: bool,
    /// `option defconfig_list`.
    pub defconfig_list: bool,
    /// `option modules` or bare `modules`.
    pub modules: bool,
    /// `option allnoconfig_y`.
    pub allnoconfig_y: bool,
    /// `optional` (choices).
    pub optional: bool,
    /// `transitional` (Linux 6.18).
    pub transitional: bool,
}

/// A run of properties of one node in one of the tree's property lists
/// (all nodes share four lists instead of owning small vectors).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Span {
    /// First index.
    pub start: u32,
    /// Number of entries.
    pub len: u32,
}

impl Span {
    /// The indexes covered.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..(self.start + self.len) as usize
    }

    /// No entries.
    pub fn is_empty(self) -> bool {
        self.len == 0
    }
}

/// Appends `item` to the span `span` of `list`, keeping the span
/// contiguous (a node's properties are parsed together).
pub(crate) fn push_prop<T: Clone>(list: &mut Vec<T>, span: &mut Span, item: T) {
    if span.len == 0 {
        span.start = list.len() as u32;
    } else if (span.start + span.len) as usize != list.len() {
        // Not at the end (cannot happen while parsing): move the run.
        let moved: Vec<T> = list[span.range()].to_vec();
        span.start = list.len() as u32;
        list.extend(moved);
    }
    list.push(item);
    span.len += 1;
}

/// One entry of the menu tree with the properties written on it.
#[derive(Debug, Clone)]
pub struct Node {
    /// What the node is.
    pub kind: NodeKind,
    /// Where the entry starts (for `if` nodes: the `if` line).
    pub loc: Loc,
    /// Enclosing node (None only for the top node).
    pub parent: Option<NodeId>,
    /// Child nodes in order (menus, choices, ifs and the top node have them).
    pub children: Vec<NodeId>,
    /// The type keyword given on this node, if any.
    pub ty: Option<Type>,
    /// The prompt given on this node (the last one if several).
    pub prompt: Option<Prompt>,
    /// The AND of the `depends on` lines (for `if` nodes: the condition).
    pub dep: ExprId,
    /// The AND of the `visible if` lines (menus).
    pub visible_if: ExprId,
    /// `default` and `def_*` lines in order ([`Kconfig::defaults`]).
    pub defaults: Span,
    /// `select` lines ([`Kconfig::selects`]).
    pub selects: Span,
    /// `imply` lines ([`Kconfig::implies`]).
    pub implies: Span,
    /// `range` lines ([`Kconfig::ranges`]).
    pub ranges: Span,
    /// Help text (indentation stripped, trailing blank lines dropped).
    pub help: Option<String>,
    /// Options.
    pub options: Options,
    /// The chain of `source` statements that led to this node's file.
    pub include_path: std::sync::Arc<[Loc]>,
}

/// A choice (several nodes when a named choice is reopened).
#[derive(Debug, Clone)]
pub struct Choice {
    /// The name of a named choice.
    pub name: Option<SymName>,
    /// Its definition nodes in order.
    pub nodes: Vec<NodeId>,
}

/// A symbol name as stored for choices (owned string).
pub type SymName = String;

/// A preprocessor variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    /// Stored value (already expanded for `:=` variables).
    pub value: String,
    /// Defined with `=` (expanded on use) rather than `:=`.
    pub recursive: bool,
}

/// A diagnostic that does not stop loading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The message in Kconfiglib's format, e.g.
    /// `Kconfig:3: warning: …` or `warning: …`.
    pub text: String,
}

/// A whole parsed Kconfig tree.
#[derive(Debug, Clone)]
pub struct Kconfig {
    /// Every distinct file read, in first-read order.
    pub files: Vec<SourceFile>,
    /// Every file read in parse order, duplicates kept (Kconfiglib's
    /// `kconfig_filenames`).
    pub reads: Vec<FileId>,
    /// Interned symbols (including constants such as `"foo"` and `n`/`m`/`y`).
    pub symbols: SymbolTable,
    /// All expressions.
    pub exprs: ExprArena,
    /// All nodes; node 0 is the top node.
    pub nodes: Vec<Node>,
    /// All choices in first-definition order.
    pub choices: Vec<Choice>,
    pub(crate) default_list: Vec<Default>,
    pub(crate) select_list: Vec<ReverseDep>,
    pub(crate) imply_list: Vec<ReverseDep>,
    pub(crate) range_list: Vec<Range>,
    /// Definition nodes per symbol, grouped: `def_offsets[s]..def_offsets[s+1]`
    /// indexes `def_nodes` (built once after parsing; see [`Kconfig::sym_nodes`]).
    pub(crate) def_offsets: Vec<u32>,
    pub(crate) def_nodes: Vec<NodeId>,
    pub(crate) cd_offsets: Vec<u32>,
    pub(crate) cd_nodes: Vec<NodeId>,
    /// The `mainmenu` text ("Main menu" if none).
    pub mainmenu: String,
    /// Preprocessor variables in definition order.
    pub variables: IndexMap<String, Variable, rustc_hash::FxBuildHasher>,
    /// Environment variables that were referenced (Kconfiglib's `env_vars`).
    pub env_vars: Vec<String>,
    /// Parse-time warnings in order.
    pub warnings: Vec<Warning>,
    /// Messages of `$(info,…)`.
    pub info: Vec<String>,
    /// `$srctree` as given (empty when unset).
    pub srctree: String,
    /// Every `source` pattern that named no single existing file: globs
    /// (with what they matched) and optional sources of missing files (no
    /// match). With [`Kconfig::files`] this is everything on disk the tree
    /// depends on: a cache of the tree ([`crate::kconfig_py`]) is valid while
    /// the files are unchanged and every probe gives the same matches.
    pub probes: Vec<SourceProbe>,
    /// How many `$(shell)` commands and impure host functions ran while
    /// loading (their results may differ on another run: such a tree is
    /// never cached).
    pub side_effects: u64,
    /// The text of each file in [`Kconfig::files`] as it was parsed.
    pub(crate) texts: FileTexts,
}

/// One `source` pattern resolved against the file system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceProbe {
    /// The expanded pattern, as a path (with `$srctree` prefixed).
    pub pattern: String,
    /// Whether the pattern has glob wildcards.
    pub glob: bool,
    /// The paths it matched, sorted.
    pub matches: Vec<String>,
}

/// File texts kept after parsing (their `Debug` shows only the count: a
/// Zephyr tree holds about 5 MB of them).
#[derive(Clone, Default)]
pub(crate) struct FileTexts(pub(crate) Vec<std::sync::Arc<String>>);

impl std::fmt::Debug for FileTexts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} file texts", self.0.len())
    }
}

impl Kconfig {
    /// The text of file `i` of [`Kconfig::files`] as it was parsed.
    pub fn file_text(&self, i: usize) -> Option<&str> {
        self.texts.0.get(i).map(|t| t.as_str())
    }

    /// The node with this id.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.0 as usize]
    }

    /// The `default` lines of a node.
    pub fn defaults(&self, n: &Node) -> &[Default] {
        &self.default_list[n.defaults.range()]
    }

    /// The `select` lines of a node.
    pub fn selects(&self, n: &Node) -> &[ReverseDep] {
        &self.select_list[n.selects.range()]
    }

    /// The `imply` lines of a node.
    pub fn implies(&self, n: &Node) -> &[ReverseDep] {
        &self.imply_list[n.implies.range()]
    }

    /// The `range` lines of a node.
    pub fn ranges(&self, n: &Node) -> &[Range] {
        &self.range_list[n.ranges.range()]
    }

    /// The name a file is reported under.
    pub fn file_name(&self, id: FileId) -> &str {
        &self.files[id.0 as usize].name
    }

    /// `file:line` text of a location.
    pub fn loc_str(&self, loc: Loc) -> String {
        format!("{}:{}", self.file_name(loc.file), loc.line)
    }

    /// The `config`/`menuconfig` nodes defining `s`, in parse order.
    pub fn sym_nodes(&self, s: SymId) -> &[NodeId] {
        Self::group(&self.def_offsets, &self.def_nodes, s)
    }

    /// The `configdefault` nodes of `s`, in parse order.
    pub fn sym_configdefaults(&self, s: SymId) -> &[NodeId] {
        Self::group(&self.cd_offsets, &self.cd_nodes, s)
    }

    /// Number of symbols with at least one `config`/`menuconfig` node.
    pub fn defined_symbol_count(&self) -> usize {
        self.def_offsets.windows(2).filter(|w| w[1] > w[0]).count()
    }

    fn group<'a>(offsets: &[u32], nodes: &'a [NodeId], s: SymId) -> &'a [NodeId] {
        match (offsets.get(s.index()), offsets.get(s.index() + 1)) {
            (Some(&a), Some(&b)) => &nodes[a as usize..b as usize],
            _ => &[],
        }
    }

    /// Groups the definition nodes per symbol (after parsing).
    pub(crate) fn index_definitions(&mut self) {
        let n = self.symbols.len();
        let mut def_count = vec![0u32; n + 1];
        let mut cd_count = vec![0u32; n + 1];
        for node in &self.nodes {
            match node.kind {
                NodeKind::Config { sym, .. } => def_count[sym.index() + 1] += 1,
                NodeKind::ConfigDefault { sym } => cd_count[sym.index() + 1] += 1,
                _ => {}
            }
        }
        for i in 1..=n {
            def_count[i] += def_count[i - 1];
            cd_count[i] += cd_count[i - 1];
        }
        let mut def_nodes = vec![NodeId(0); def_count[n] as usize];
        let mut cd_nodes = vec![NodeId(0); cd_count[n] as usize];
        let (mut dpos, mut cpos) = (def_count.clone(), cd_count.clone());
        for (i, node) in self.nodes.iter().enumerate() {
            match node.kind {
                NodeKind::Config { sym, .. } => {
                    def_nodes[dpos[sym.index()] as usize] = NodeId(i as u32);
                    dpos[sym.index()] += 1;
                }
                NodeKind::ConfigDefault { sym } => {
                    cd_nodes[cpos[sym.index()] as usize] = NodeId(i as u32);
                    cpos[sym.index()] += 1;
                }
                _ => {}
            }
        }
        self.def_offsets = def_count;
        self.def_nodes = def_nodes;
        self.cd_offsets = cd_count;
        self.cd_nodes = cd_nodes;
    }

    /// Number of entries (every node except the top node and `if` blocks).
    pub fn entry_count(&self) -> usize {
        self.nodes
            .iter()
            .filter(|n| !matches!(n.kind, NodeKind::Top | NodeKind::If))
            .count()
    }

    /// Distinct real paths of every file read (Zephyr's `sources.txt`), in
    /// Python's string order.
    ///
    /// Real paths are resolved component by component with a cache of the
    /// directories already resolved: one `lstat` per new directory or file
    /// instead of a `readlink` per component of every path (≈41k system
    /// calls for Zephyr); a symbolic link is resolved completely.
    pub fn source_paths(&self) -> Vec<PathBuf> {
        let mut cache: std::collections::HashMap<PathBuf, PathBuf> =
            std::collections::HashMap::new();
        let mut v: Vec<PathBuf> = self
            .files
            .iter()
            .map(|f| real_path(&f.path, &mut cache))
            .collect();
        // Python sorts the path strings: `cmsis-dsp/Kconfig` before
        // `cmsis/Kconfig` ('-' < '/'), where `Path`'s order compares
        // components and puts `cmsis` first.
        v.sort_by(|a, b| {
            a.as_os_str()
                .as_encoded_bytes()
                .cmp(b.as_os_str().as_encoded_bytes())
        });
        v.dedup();
        v
    }
}

/// `std::fs::canonicalize` through a cache of resolved prefixes (the input
/// itself when it cannot be resolved).
fn real_path(
    p: &std::path::Path,
    cache: &mut std::collections::HashMap<PathBuf, PathBuf>,
) -> PathBuf {
    if let Some(r) = cache.get(p) {
        return r.clone();
    }
    let full = || std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let r = match (p.parent(), p.file_name()) {
        (Some(parent), Some(name)) if p.is_absolute() => {
            let is_link = std::fs::symlink_metadata(p)
                .map(|m| m.file_type().is_symlink())
                .unwrap_or(true);
            if is_link {
                full()
            } else {
                real_path(parent, cache).join(name)
            }
        }
        // Relative paths, `..` endings and the root: resolved at once.
        _ => full(),
    };
    cache.insert(p.to_path_buf(), r.clone());
    r
}
