//! Expressions: a compact arena of nodes addressed by [`ExprId`].
//!
//! The shapes follow Kconfiglib: `A || B || C` is `Or(A, Or(B, C))` and
//! `A && B && C` is `And(A, And(B, C))`; relations compare two symbols.
//! [`ExprArena::make_and`]/[`ExprArena::make_or`] simplify with the constants
//! `y`/`n` exactly like Kconfiglib's `_make_and`/`_make_or`, which matters
//! for printed dependencies. Printing ([`ExprArena::display`]) reproduces
//! Kconfiglib's `expr_str` text.

use crate::symbol::{SymId, SymbolTable};

/// Symbol ids below this use the dense table.
const DENSE_LIMIT: usize = 1 << 24;

/// Handle of an expression node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ExprId(pub u32);

impl ExprId {
    /// The expression `n`.
    pub const N: ExprId = ExprId(0);
    /// The expression `m`.
    pub const M: ExprId = ExprId(1);
    /// The expression `y`.
    pub const Y: ExprId = ExprId(2);
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
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

impl CmpOp {
    /// The operator's text.
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

/// One expression node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Expr {
    /// A symbol (or constant).
    Sym(SymId),
    /// `!e`
    Not(ExprId),
    /// `a && b`
    And(ExprId, ExprId),
    /// `a || b`
    Or(ExprId, ExprId),
    /// `a OP b`
    Cmp(CmpOp, SymId, SymId),
}

/// The arena holding every expression of a tree.
#[derive(Debug, Clone)]
pub struct ExprArena {
    nodes: Vec<Expr>,
    /// The shared `Sym` node of each symbol (dense by symbol id; choice
    /// references of the evaluator, with high ids, go to `sym_other`).
    sym_exprs: Vec<Option<ExprId>>,
    sym_other: rustc_hash::FxHashMap<SymId, ExprId>,
}

impl Default for ExprArena {
    fn default() -> Self {
        Self::new()
    }
}

impl ExprArena {
    /// An arena with `n`, `m`, `y` at ids 0, 1, 2.
    pub fn new() -> Self {
        let mut a = ExprArena {
            nodes: Vec::new(),
            sym_exprs: Vec::new(),
            sym_other: Default::default(),
        };
        a.sym(SymId::N);
        a.sym(SymId::M);
        a.sym(SymId::Y);
        a
    }

    /// The node of an id.
    pub fn get(&self, id: ExprId) -> Expr {
        self.nodes[id.0 as usize]
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Never true (the constants always exist).
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    fn push(&mut self, e: Expr) -> ExprId {
        let id = ExprId(self.nodes.len() as u32);
        self.nodes.push(e);
        id
    }

    /// The expression consisting of one symbol (shared per symbol).
    pub fn sym(&mut self, s: SymId) -> ExprId {
        if let Some(id) = self.sym_id_expr(s) {
            return id;
        }
        let id = self.push(Expr::Sym(s));
        if s.index() < DENSE_LIMIT {
            if self.sym_exprs.len() <= s.index() {
                self.sym_exprs.resize(s.index() + 1, None);
            }
            self.sym_exprs[s.index()] = Some(id);
        } else {
            self.sym_other.insert(s, id);
        }
        id
    }

    /// The shared expression of a symbol if one exists.
    pub fn sym_id_expr(&self, s: SymId) -> Option<ExprId> {
        if s.index() < DENSE_LIMIT {
            self.sym_exprs.get(s.index()).copied().flatten()
        } else {
            self.sym_other.get(&s).copied()
        }
    }

    /// `!e`.
    pub fn not(&mut self, e: ExprId) -> ExprId {
        self.push(Expr::Not(e))
    }

    /// `a OP b`.
    pub fn cmp(&mut self, op: CmpOp, a: SymId, b: SymId) -> ExprId {
        self.push(Expr::Cmp(op, a, b))
    }

    /// `a && b` without simplification.
    pub fn and_raw(&mut self, a: ExprId, b: ExprId) -> ExprId {
        self.push(Expr::And(a, b))
    }

    /// `a || b` without simplification.
    pub fn or_raw(&mut self, a: ExprId, b: ExprId) -> ExprId {
        self.push(Expr::Or(a, b))
    }

    /// An expression that is `y` exactly when `e` evaluates to `y`
    /// (`want_y`) or to `n` (otherwise), and `n` else; built over the leaves
    /// of `e` the way Linux's kconfig does it for `depends on A if B`
    /// (`A || (B == n)`): a symbol leaf becomes `S = y` / `S = n`, `&&`/`||`
    /// swap as De Morgan says, `!` flips the wanted value, a comparison is
    /// kept or negated. Iterative, so long `&&` chains cannot exhaust the
    /// stack.
    pub fn equals_const(&mut self, e: ExprId, want_y: bool) -> ExprId {
        enum Step {
            Visit(ExprId, bool),
            Combine(bool),
        }
        let mut work = vec![Step::Visit(e, want_y)];
        let mut out: Vec<ExprId> = Vec::new();
        while let Some(step) = work.pop() {
            match step {
                Step::Visit(e, y) => match self.get(e) {
                    Expr::Sym(s) => {
                        let c = if y { SymId::Y } else { SymId::N };
                        out.push(self.cmp(CmpOp::Eq, s, c));
                    }
                    Expr::Not(a) => work.push(Step::Visit(a, !y)),
                    Expr::And(a, b) | Expr::Or(a, b) => {
                        let is_and = matches!(self.get(e), Expr::And(..));
                        // (a && b) is y iff both are; n iff either is.
                        // (a || b) is y iff either is; n iff both are.
                        work.push(Step::Combine(is_and == y));
                        work.push(Step::Visit(b, y));
                        work.push(Step::Visit(a, y));
                    }
                    Expr::Cmp(..) => {
                        let r = if y { e } else { self.not(e) };
                        out.push(r);
                    }
                },
                Step::Combine(and) => {
                    let b = out.pop().unwrap_or(ExprId::N);
                    let a = out.pop().unwrap_or(ExprId::N);
                    let r = if and {
                        self.and_raw(a, b)
                    } else {
                        self.or_raw(a, b)
                    };
                    out.push(r);
                }
            }
        }
        out.pop().unwrap_or(ExprId::N)
    }

    /// `a && b`, simplified when an operand is the constant `y` or `n`.
    pub fn make_and(&mut self, a: ExprId, b: ExprId) -> ExprId {
        if a == ExprId::Y {
            return b;
        }
        if b == ExprId::Y {
            return a;
        }
        if a == ExprId::N || b == ExprId::N {
            return ExprId::N;
        }
        self.and_raw(a, b)
    }

    /// `a || b`, simplified when an operand is the constant `y` or `n`.
    pub fn make_or(&mut self, a: ExprId, b: ExprId) -> ExprId {
        if a == ExprId::N {
            return b;
        }
        if b == ExprId::N {
            return a;
        }
        if a == ExprId::Y || b == ExprId::Y {
            return ExprId::Y;
        }
        self.or_raw(a, b)
    }

    /// Kconfiglib's `expr_str`: the expression as Kconfig text, with
    /// constants quoted (except n/m/y) and choices shown by `choice_name`.
    pub fn display(&self, id: ExprId, syms: &SymbolTable) -> String {
        let mut out = String::new();
        self.write(id, syms, &mut out);
        out
    }

    /// Like [`ExprArena::display`], with `special` giving the text of
    /// symbols outside the table (the evaluator's choice references).
    pub fn display_with(
        &self,
        id: ExprId,
        syms: &SymbolTable,
        special: &dyn Fn(SymId) -> String,
    ) -> String {
        let mut out = String::new();
        self.write_impl(id, syms, special, &mut out);
        out
    }

    fn write_sym(
        s: SymId,
        syms: &SymbolTable,
        special: &dyn Fn(SymId) -> String,
        out: &mut String,
    ) {
        if s.index() >= syms.len() {
            out.push_str(&special(s));
            return;
        }
        let name = syms.name(s);
        if syms.is_const(s) && !matches!(name, "n" | "m" | "y") {
            out.push('"');
            for c in name.chars() {
                if c == '"' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
        } else {
            out.push_str(name);
        }
    }

    /// Appends the text of `id` to `out` (see [`ExprArena::display`]).
    pub fn write(&self, id: ExprId, syms: &SymbolTable, out: &mut String) {
        self.write_impl(id, syms, &|s| format!("<#{}>", s.0), out)
    }

    fn write_impl(
        &self,
        id: ExprId,
        syms: &SymbolTable,
        special: &dyn Fn(SymId) -> String,
        out: &mut String,
    ) {
        // Iterative over the right spine of same-operator chains so that long
        // `||` chains do not recurse deeply.
        let mut cur = id;
        loop {
            match self.get(cur) {
                Expr::Sym(s) => {
                    Self::write_sym(s, syms, special, out);
                    return;
                }
                Expr::Not(e) => {
                    out.push('!');
                    if let Expr::Sym(s) = self.get(e) {
                        Self::write_sym(s, syms, special, out);
                    } else {
                        out.push('(');
                        self.write_impl(e, syms, special, out);
                        out.push(')');
                    }
                    return;
                }
                Expr::Cmp(op, a, b) => {
                    Self::write_sym(a, syms, special, out);
                    out.push(' ');
                    out.push_str(op.as_str());
                    out.push(' ');
                    Self::write_sym(b, syms, special, out);
                    return;
                }
                Expr::And(a, b) | Expr::Or(a, b) => {
                    let is_and = matches!(self.get(cur), Expr::And(..));
                    self.write_operand(a, is_and, syms, special, out);
                    out.push_str(if is_and { " && " } else { " || " });
                    // The right operand: parenthesize if it is the other
                    // binary operator, otherwise continue the chain.
                    let other = match self.get(b) {
                        Expr::And(..) => !is_and,
                        Expr::Or(..) => is_and,
                        _ => false,
                    };
                    if other {
                        out.push('(');
                        self.write_impl(b, syms, special, out);
                        out.push(')');
                        return;
                    }
                    cur = b;
                }
            }
        }
    }

    fn write_operand(
        &self,
        e: ExprId,
        parent_is_and: bool,
        syms: &SymbolTable,
        special: &dyn Fn(SymId) -> String,
        out: &mut String,
    ) {
        let paren = match self.get(e) {
            Expr::And(..) => !parent_is_and,
            Expr::Or(..) => parent_is_and,
            _ => false,
        };
        if paren {
            out.push('(');
            self.write_impl(e, syms, special, out);
            out.push(')');
        } else {
            self.write_impl(e, syms, special, out);
        }
    }

    /// Every symbol the expression references, in first-reference order
    /// (Kconfiglib's `expr_items`, without duplicates).
    pub fn items(&self, id: ExprId) -> Vec<SymId> {
        let mut out = Vec::new();
        let mut stack = vec![id];
        while let Some(e) = stack.pop() {
            match self.get(e) {
                Expr::Sym(s) => out.push(s),
                Expr::Not(a) => stack.push(a),
                Expr::And(a, b) | Expr::Or(a, b) => {
                    stack.push(b);
                    stack.push(a);
                }
                Expr::Cmp(_, a, b) => {
                    out.push(a);
                    out.push(b);
                }
            }
        }
        let mut seen = rustc_hash::FxHashSet::default();
        out.retain(|s| seen.insert(*s));
        out
    }

    /// Splits a chain of `op` (And when `and` is true) into its operands,
    /// left to right (Kconfiglib's `split_expr`).
    pub fn split(&self, id: ExprId, and: bool) -> Vec<ExprId> {
        let mut out = Vec::new();
        let mut stack = vec![id];
        while let Some(e) = stack.pop() {
            match self.get(e) {
                Expr::And(a, b) if and => {
                    stack.push(b);
                    stack.push(a);
                }
                Expr::Or(a, b) if !and => {
                    stack.push(b);
                    stack.push(a);
                }
                _ => out.push(e),
            }
        }
        out
    }
}
