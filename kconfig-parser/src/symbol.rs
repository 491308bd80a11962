//! Symbol interning.
//!
//! Kconfiglib keeps two namespaces: ordinary symbols (`FOO`, also numbers
//! written unquoted such as `0x10`) and constant symbols (quoted strings and
//! `n`/`m`/`y`). `"FOO"` and `FOO` are therefore different symbols. Both are
//! interned here so that every reference is a small [`SymId`].

use hashbrown::HashTable;
use std::hash::BuildHasher;

/// Handle of an interned symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SymId(pub u32);

impl SymId {
    /// The constant `n`.
    pub const N: SymId = SymId(0);
    /// The constant `m`.
    pub const M: SymId = SymId(1);
    /// The constant `y`.
    pub const Y: SymId = SymId(2);
    /// The (non-constant) symbol `MODULES`, which enables `m`.
    pub const MODULES: SymId = SymId(3);

    /// Index into per-symbol tables.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Each name is stored once, in one text buffer (`text`); `names` holds
/// its span and kind, the hash tables hold ids only.
#[derive(Clone)]
pub struct SymbolTable {
    text: String,
    names: Vec<NameSpan>,
    plain: HashTable<SymId>,
    consts: HashTable<SymId>,
}

#[derive(Debug, Clone, Copy)]
struct NameSpan {
    start: u32,
    len: u32,
    is_const: bool,
}

impl std::fmt::Debug for SymbolTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.ids().map(|i| self.name(i)))
            .finish()
    }
}

fn hash_name(name: &str) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(name)
}

impl Default for SymbolTable {
    fn default() -> Self {
        Self::new()
    }
}

impl SymbolTable {
    /// A table holding `n`, `m`, `y` and `MODULES`.
    pub fn new() -> Self {
        let mut t = SymbolTable {
            text: String::with_capacity(1 << 16),
            names: Vec::new(),
            plain: HashTable::new(),
            consts: HashTable::new(),
        };
        t.constant("n");
        t.constant("m");
        t.constant("y");
        t.plain("MODULES");
        t
    }

    fn span_str<'a>(text: &'a str, n: &NameSpan) -> &'a str {
        &text[n.start as usize..(n.start + n.len) as usize]
    }

    fn intern(&mut self, name: &str, is_const: bool) -> SymId {
        let hash = hash_name(name);
        let (text, names) = (&self.text, &self.names);
        let table = if is_const {
            &mut self.consts
        } else {
            &mut self.plain
        };
        if let Some(&id) = table.find(hash, |id| Self::span_str(text, &names[id.index()]) == name) {
            return id;
        }
        let id = SymId(names.len() as u32);
        table.insert_unique(hash, id, |id| {
            hash_name(Self::span_str(text, &names[id.index()]))
        });
        let start = self.text.len() as u32;
        self.text.push_str(name);
        self.names.push(NameSpan {
            start,
            len: name.len() as u32,
            is_const,
        });
        id
    }

    fn find(&self, name: &str, is_const: bool) -> Option<SymId> {
        let table = if is_const { &self.consts } else { &self.plain };
        table
            .find(hash_name(name), |id| {
                Self::span_str(&self.text, &self.names[id.index()]) == name
            })
            .copied()
    }

    /// Interns a symbol reference as written unquoted. `n`, `m` and `y`
    /// resolve to the constants, like Kconfiglib.
    pub fn plain(&mut self, name: &str) -> SymId {
        match name {
            "n" => return SymId::N,
            "m" => return SymId::M,
            "y" => return SymId::Y,
            _ => {}
        }
        self.intern(name, false)
    }

    /// Interns a constant symbol (a quoted string in an expression).
    pub fn constant(&mut self, name: &str) -> SymId {
        self.intern(name, true)
    }

    /// Looks up an ordinary symbol without creating it.
    pub fn lookup(&self, name: &str) -> Option<SymId> {
        self.find(name, false)
    }

    /// Looks up a constant symbol without creating it.
    pub fn lookup_const(&self, name: &str) -> Option<SymId> {
        self.find(name, true)
    }

    /// The name of a symbol.
    pub fn name(&self, id: SymId) -> &str {
        Self::span_str(&self.text, &self.names[id.index()])
    }

    /// Whether the symbol is a constant.
    pub fn is_const(&self, id: SymId) -> bool {
        self.names[id.index()].is_const
    }

    /// Number of interned symbols.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Never true (the four built-in symbols always exist).
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// All ids in interning order.
    pub fn ids(&self) -> impl Iterator<Item = SymId> {
        (0..self.names.len() as u32).map(SymId)
    }
}
