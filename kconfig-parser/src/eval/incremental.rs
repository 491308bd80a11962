//! Re-evaluation after a user change, limited to what really changes.
//!
//! Why: dropping every cached value that depends on a changed symbol,
//! transitively, is correct but can be the whole tree: in Zephyr,
//! `MULTITHREADING` reaches about 25,000 of the 25,000 symbols and choices
//! through dependencies, so reading the configuration back after toggling
//! it recomputed everything (1.4 ms) although no value changed.
//!
//! How: the "is read by" graph of symbols and choices is condensed into its
//! strongly connected components (a choice and its members read each
//! other), numbered in topological order. A change recomputes the changed
//! items' components in that order; a component's readers are queued only
//! when one of its cached values (value, string, visibility, selection)
//! comes out different. Everything a component reads lies in earlier
//! components, which are final by the time it is recomputed, so each
//! recomputation sees the new inputs.
//!
//! What callers rely on: after [`Config::changed`], every cached value is
//! what a full re-evaluation would give. An item with nothing cached is not
//! recomputed and stops the walk: computing a reader computes what it reads,
//! so nothing that reads it can be cached (as in Kconfiglib's
//! `_rec_invalidate`).

use super::{Config, CHOICE_SYM_BASE};
use crate::ast::ChoiceId;
use crate::expr::ExprId;
use crate::symbol::SymId;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The "is read by" graph of items (symbols `0..nsym`, then choices) with
/// its strongly connected components in topological order.
#[derive(Debug)]
pub(super) struct DepGraph {
    /// Readers of item `i`: `readers[start[i]..start[i + 1]]`.
    start: Vec<u32>,
    readers: Vec<u32>,
    /// Component of each item; a reader's component is never before the
    /// component of what it reads.
    comp: Vec<u32>,
    /// Items of the component that finished `k`-th in Tarjan's algorithm
    /// (component number `count - 1 - k`): `members[comp_start[k]..comp_start[k + 1]]`.
    comp_start: Vec<u32>,
    members: Vec<u32>,
    /// Scratch: components queued in the current propagation.
    queued: Vec<bool>,
}

impl DepGraph {
    fn readers(&self, item: usize) -> &[u32] {
        &self.readers[self.start[item] as usize..self.start[item + 1] as usize]
    }

    fn members(&self, c: u32) -> &[u32] {
        // `members` is in finishing order, the reverse of `c`'s.
        let k = self.comp_start.len() - 2 - c as usize;
        &self.members[self.comp_start[k] as usize..self.comp_start[k + 1] as usize]
    }

    /// Builds the graph from distinct `(item, reader)` edges over `n` items
    /// (a counting sort into compressed rows).
    fn new(n: usize, edges: &[(u32, u32)]) -> Self {
        let mut start = vec![0u32; n + 1];
        for &(i, _) in edges {
            start[i as usize + 1] += 1;
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut readers = vec![0u32; edges.len()];
        for &(i, r) in edges {
            readers[fill[i as usize] as usize] = r;
            fill[i as usize] += 1;
        }
        let mut g = DepGraph {
            start,
            readers,
            comp: vec![u32::MAX; n],
            comp_start: Vec::new(),
            members: Vec::with_capacity(n),
            queued: Vec::new(),
        };
        g.components();
        g
    }

    /// Tarjan's algorithm without recursion (chains are thousands deep).
    /// Tarjan finishes a component after everything it reaches, that is
    /// readers first; the numbering is reversed at the end.
    fn components(&mut self) {
        let n = self.comp.len();
        const NONE: u32 = u32::MAX;
        let mut index = vec![NONE; n];
        let mut low = vec![0u32; n];
        let mut on_stack = vec![false; n];
        let mut stack: Vec<u32> = Vec::new();
        // (item, position in its reader list)
        let mut call: Vec<(u32, u32)> = Vec::new();
        let mut next = 0u32;
        self.comp_start.push(0);
        for root in 0..n as u32 {
            if index[root as usize] != NONE {
                continue;
            }
            call.push((root, 0));
            index[root as usize] = next;
            low[root as usize] = next;
            next += 1;
            stack.push(root);
            on_stack[root as usize] = true;
            while let Some(&mut (v, ref mut pos)) = call.last_mut() {
                let rs = self.readers(v as usize);
                if (*pos as usize) < rs.len() {
                    let w = rs[*pos as usize];
                    *pos += 1;
                    if index[w as usize] == NONE {
                        index[w as usize] = next;
                        low[w as usize] = next;
                        next += 1;
                        stack.push(w);
                        on_stack[w as usize] = true;
                        call.push((w, 0));
                    } else if on_stack[w as usize] {
                        low[v as usize] = low[v as usize].min(index[w as usize]);
                    }
                    continue;
                }
                call.pop();
                if let Some(&(parent, _)) = call.last() {
                    low[parent as usize] = low[parent as usize].min(low[v as usize]);
                }
                if low[v as usize] == index[v as usize] {
                    // A component is finished: its items go to `members`
                    // under its finishing number.
                    let k = self.comp_start.len() as u32 - 1;
                    loop {
                        let w = stack.pop().expect("Tarjan stack");
                        on_stack[w as usize] = false;
                        self.comp[w as usize] = k;
                        self.members.push(w);
                        if w == v {
                            break;
                        }
                    }
                    self.comp_start.push(self.members.len() as u32);
                }
            }
        }
        // Readers finish first: reverse the numbering into topological order.
        let count = self.comp_start.len() as u32 - 1;
        for c in &mut self.comp {
            *c = count - 1 - *c;
        }
        self.queued = vec![false; count as usize];
    }
}

/// The cached state of one item before a recomputation.
enum Cached {
    Sym {
        tri: Option<u8>,
        strv: Option<std::rc::Rc<str>>,
        vis: Option<u8>,
    },
    Choice {
        tri: Option<u8>,
        vis: Option<u8>,
        selection: Option<Option<SymId>>,
    },
}

impl Cached {
    fn is_empty(&self) -> bool {
        match self {
            Cached::Sym { tri, strv, vis } => tri.is_none() && strv.is_none() && vis.is_none(),
            Cached::Choice {
                tri,
                vis,
                selection,
            } => tri.is_none() && vis.is_none() && selection.is_none(),
        }
    }
}

impl Config<'_> {
    /// The item a symbol reference stands for (choices are referred to by
    /// `SymId`s from `CHOICE_SYM_BASE`).
    fn item_of(&self, x: SymId) -> usize {
        if x.0 >= CHOICE_SYM_BASE {
            self.syms.len() + (x.0 - CHOICE_SYM_BASE) as usize
        } else {
            x.index()
        }
    }

    /// Every `(item, reader)` pair: what the value, visibility and
    /// selection computations of each symbol and choice read.
    fn build_graph(&self) -> DepGraph {
        use crate::expr::Expr;
        let ns = self.syms.len();
        let n = ns + self.choices.len();
        let mut edges: Vec<(u32, u32)> = Vec::new();
        // Stamps (`reader + 1`): an item already recorded as read by the
        // current reader, an expression already walked for it (propagated
        // menu and `if` conditions repeat in every property of a symbol).
        let mut seen = vec![0u32; n];
        let mut walked = vec![0u32; self.exprs.len()];
        let mut refs: Vec<SymId> = Vec::new();
        let mut work: Vec<ExprId> = Vec::new();
        for item in 0..n {
            refs.clear();
            work.clear();
            if item < ns {
                let st = &self.syms[item];
                work.push(st.direct_dep);
                for n in &st.nodes {
                    work.extend(self.fin[n.0 as usize].prompt);
                }
                for &(v, c) in &st.defaults {
                    work.push(v);
                    work.push(c);
                }
                for &(x, c) in st.rev_dep.iter().chain(&st.weak_rev_dep) {
                    refs.push(x);
                    work.push(c);
                }
                for &(lo, hi, c) in &st.ranges {
                    refs.push(lo);
                    refs.push(hi);
                    work.push(c);
                }
                if let Some(c) = st.choice {
                    refs.push(SymId(CHOICE_SYM_BASE + c.0));
                }
            } else {
                let ch = &self.choices[item - ns];
                work.push(ch.direct_dep);
                for n in &ch.nodes {
                    work.extend(self.fin[n.0 as usize].prompt);
                }
                for &(v, c) in &ch.defaults {
                    work.push(v);
                    work.push(c);
                }
                refs.extend(ch.syms.iter().copied());
            }
            let stamp = item as u32 + 1;
            while let Some(e) = work.pop() {
                if std::mem::replace(&mut walked[e.0 as usize], stamp) == stamp {
                    continue;
                }
                match self.exprs.get(e) {
                    Expr::Sym(x) => refs.push(x),
                    Expr::Cmp(_, a, b) => {
                        refs.push(a);
                        refs.push(b);
                    }
                    Expr::Not(a) => work.push(a),
                    Expr::And(a, b) | Expr::Or(a, b) => {
                        work.push(a);
                        work.push(b);
                    }
                }
            }
            for &x in &refs {
                let i = self.item_of(x);
                if i != item && i < n && std::mem::replace(&mut seen[i], stamp) != stamp {
                    edges.push((i as u32, item as u32));
                }
            }
        }
        DepGraph::new(n, &edges)
    }

    /// Brings every cached value up to date after the user values of
    /// `items` (symbol indices, or the number of symbols plus a choice
    /// index) changed. See the module documentation.
    pub(super) fn changed(&mut self, items: &[usize]) {
        if items.contains(&SymId::MODULES.index()) {
            // The effective type of every tristate symbol reads MODULES.
            self.invalidate();
            return;
        }
        let mut g = match self.graph.take() {
            Some(g) => g,
            None => self.build_graph(),
        };
        let mut queue: BinaryHeap<Reverse<u32>> = BinaryHeap::new();
        for &i in items {
            let c = g.comp[i];
            if !g.queued[c as usize] {
                g.queued[c as usize] = true;
                queue.push(Reverse(c));
            }
        }
        let mut before: Vec<(usize, Cached)> = Vec::new();
        while let Some(Reverse(c)) = queue.pop() {
            g.queued[c as usize] = false;
            before.clear();
            for &m in g.members(c) {
                let cached = self.take_cached(m as usize);
                if !cached.is_empty() {
                    before.push((m as usize, cached));
                }
            }
            for (m, old) in before.drain(..) {
                if self.recompute_differs(m, &old) {
                    let DepGraph {
                        start,
                        readers,
                        comp,
                        queued,
                        ..
                    } = &mut g;
                    for &r in &readers[start[m] as usize..start[m + 1] as usize] {
                        let rc = comp[r as usize];
                        if rc != c && !queued[rc as usize] {
                            queued[rc as usize] = true;
                            queue.push(Reverse(rc));
                        }
                    }
                }
            }
        }
        self.graph = Some(g);
    }

    /// Empties the caches of one item, returning what they held.
    fn take_cached(&mut self, item: usize) -> Cached {
        let ns = self.syms.len();
        if item < ns {
            let st = &mut self.syms[item];
            st.write = false;
            Cached::Sym {
                tri: st.tri.take(),
                strv: st.strv.take(),
                vis: st.vis.take(),
            }
        } else {
            let ch = &mut self.choices[item - ns];
            Cached::Choice {
                tri: ch.tri.take(),
                vis: ch.vis.take(),
                selection: ch.selection.take(),
            }
        }
    }

    /// Recomputes what `old` had cached for `item`; true if any of it
    /// differs.
    fn recompute_differs(&mut self, item: usize, old: &Cached) -> bool {
        match old {
            Cached::Sym { tri, strv, vis } => {
                let s = SymId(item as u32);
                let mut differs = false;
                if let Some(v) = vis {
                    differs |= self.sym_visibility(s) != *v;
                }
                if let Some(t) = tri {
                    differs |= self.sym_tri(s) != *t;
                }
                if let Some(text) = strv {
                    differs |= self.sym_str(s) != *text;
                }
                differs
            }
            Cached::Choice {
                tri,
                vis,
                selection,
            } => {
                let c = ChoiceId((item - self.syms.len()) as u32);
                let mut differs = false;
                if let Some(v) = vis {
                    differs |= self.choice_visibility(c) != *v;
                }
                if let Some(t) = tri {
                    differs |= self.choice_tri(c) != *t;
                }
                if let Some(sel) = selection {
                    differs |= self.choice_selection(c) != *sel;
                }
                differs
            }
        }
    }
}
