//! Symbol interning.
//!
//! Kconfiglib keeps two namespaces: ordinary symbols (`FOO`, also numbers
//! written unquoted such as `0x10`) and constant symbols (quoted strings and
//! `n`/`m`/`y`). `"FOO"` and `FOO` are therefore different symbols. Both are
//! interned here so that every reference is a small [`SymId`].

use rustc_hash::FxHashMap;

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

/// One interned name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolName {
    /// The name (for constants: the string's text).
    pub name: Box<str>,
    /// Constant symbol (quoted string or n/m/y).
    pub is_const: bool,
}

/// The interner. Ids are dense and stable; `n`, `m`, `y` and `MODULES` are
/// always the first four.
#[derive(Debug, Clone)]
pub struct SymbolTable {
    names: Vec<SymbolName>,
    plain: FxHashMap<Box<str>, SymId>,
    consts: FxHashMap<Box<str>, SymId>,
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
            names: Vec::new(),
            plain: FxHashMap::default(),
            consts: FxHashMap::default(),
        };
        t.constant("n");
        t.constant("m");
        t.constant("y");
        t.plain("MODULES");
        t
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
        if let Some(&id) = self.plain.get(name) {
            return id;
        }
        let id = SymId(self.names.len() as u32);
        self.names.push(SymbolName {
            name: name.into(),
            is_const: false,
        });
        self.plain.insert(name.into(), id);
        id
    }

    /// Interns a constant symbol (a quoted string in an expression).
    pub fn constant(&mut self, name: &str) -> SymId {
        if let Some(&id) = self.consts.get(name) {
            return id;
        }
        let id = SymId(self.names.len() as u32);
        self.names.push(SymbolName {
            name: name.into(),
            is_const: true,
        });
        self.consts.insert(name.into(), id);
        id
    }

    /// Looks up an ordinary symbol without creating it.
    pub fn lookup(&self, name: &str) -> Option<SymId> {
        self.plain.get(name).copied()
    }

    /// Looks up a constant symbol without creating it.
    pub fn lookup_const(&self, name: &str) -> Option<SymId> {
        self.consts.get(name).copied()
    }

    /// The name of a symbol.
    pub fn name(&self, id: SymId) -> &str {
        &self.names[id.index()].name
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
