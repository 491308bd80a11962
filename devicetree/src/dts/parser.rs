//! The DTS grammar, read as dtlib reads it: one pass that builds the merged
//! tree directly (repeated nodes merged, deletions applied at once), leaving
//! references as markers that [`super::resolve`] fills in afterwards.

use indexmap::IndexMap;
use rustc_hash::FxHashMap;

use super::lexer::{describe, unescape, Kind, Lexer, Pos, Punct, Token};
use super::tree::{Marker, MarkerKind, MemReserve, Node, NodeId, Property, Tree};
use super::{Error, Location, ReadOptions};

/// How deep nodes may nest.
const MAX_NODE_DEPTH: usize = 200;
/// How deep parentheses, unary operators and `?:` may nest in an expression.
const MAX_EXPR_DEPTH: usize = 64;

pub(crate) struct Parser {
    pub lx: Lexer,
    pub tree: Tree,
    /// Every node a label was ever put on, in order (deleted ones included).
    pub label_index: FxHashMap<String, Vec<NodeId>>,
    root_defined: bool,
    expr_depth: usize,
}

/// Why a reference could not be resolved (turned into an [`Error`] with the
/// reference's location by the caller).
pub(crate) enum RefError {
    NoLabel(String),
    NotAbsolute(String),
    NoPath { path: String, component: String },
}

impl RefError {
    pub fn at(self, location: Location) -> Error {
        match self {
            RefError::NoLabel(label) => Error::UnknownLabel { location, label },
            RefError::NotAbsolute(path) => Error::Syntax {
                location,
                expected: "a path starting with '/' inside &{...}".into(),
                found: format!("'{path}'"),
            },
            RefError::NoPath { path, component } => Error::UnknownPath {
                location,
                path,
                component,
            },
        }
    }
}

/// Whether the node is still in the tree (neither it nor an ancestor deleted).
pub(crate) fn attached(tree: &Tree, mut id: NodeId) -> bool {
    loop {
        let n = &tree.arena[id.idx()];
        if n.deleted {
            return false;
        }
        match n.parent {
            Some(p) => id = p,
            None => return true,
        }
    }
}

/// The node a reference (the text after `&`) points to now.
pub(crate) fn ref_to_node(
    tree: &Tree,
    labels: &FxHashMap<String, Vec<NodeId>>,
    r: &str,
) -> Result<NodeId, RefError> {
    if let Some(inner) = r.strip_prefix('{') {
        let path = inner.strip_suffix('}').unwrap_or(inner);
        if !path.starts_with('/') {
            return Err(RefError::NotAbsolute(path.into()));
        }
        let mut cur = tree.root();
        for comp in path.split('/').filter(|c| !c.is_empty()) {
            match tree.arena[cur.idx()].children.get(comp) {
                Some(&c) => cur = c,
                None => {
                    return Err(RefError::NoPath {
                        path: path.into(),
                        component: comp.into(),
                    })
                }
            }
        }
        return Ok(cur);
    }
    let cands = labels.get(r).map(Vec::as_slice).unwrap_or(&[]);
    let mut live = cands.iter().copied().filter(|&c| attached(tree, c));
    match (live.next(), live.next()) {
        (None, _) => Err(RefError::NoLabel(r.into())),
        (Some(one), None) => Ok(one),
        // Several nodes carry the label (an error reported later): the first
        // in tree order wins, as in dtlib.
        (Some(one), Some(_)) => Ok(tree
            .nodes()
            .find(|n| cands.contains(n) && attached(tree, *n))
            .unwrap_or(one)),
    }
}

fn push_no_dup(v: &mut Vec<String>, s: &str) {
    if !v.iter().any(|x| x == s) {
        v.push(s.to_owned());
    }
}

impl Parser {
    pub fn new(text: String, file_name: &str, opts: &ReadOptions) -> Parser {
        let lx = Lexer::new(text, file_name, opts.include_dirs.clone());
        let root_loc = lx.location(Pos {
            file: 0,
            line: 1,
            col: 1,
        });
        let root = Node {
            name: "/".into(),
            parent: None,
            children: IndexMap::default(),
            labels: Vec::new(),
            props: Vec::new(),
            location: root_loc,
            omit_if_no_ref: false,
            referenced: false,
            deleted: false,
        };
        Parser {
            lx,
            tree: Tree {
                arena: vec![root],
                memreserves: Vec::new(),
                aliases: Vec::new(),
                label_map: FxHashMap::default(),
                phandle_map: FxHashMap::default(),
                plugin: false,
            },
            label_index: FxHashMap::default(),
            root_defined: false,
            expr_depth: 0,
        }
    }

    fn loc(&self, p: Pos) -> Location {
        self.lx.location(p)
    }

    fn syntax(&self, t: &Token, expected: &str) -> Error {
        Error::Syntax {
            location: self.loc(t.pos),
            expected: expected.into(),
            found: describe(self.lx.text(t), t.kind),
        }
    }

    fn is(t: &Token, p: Punct) -> bool {
        t.kind == Kind::Punct(p)
    }

    fn expect(&mut self, p: Punct, context: &str) -> Result<Token, Error> {
        let t = self.lx.next()?;
        if Self::is(&t, p) {
            Ok(t)
        } else {
            Err(self.syntax(&t, &format!("'{}' {context}", p.text())))
        }
    }

    fn check(&mut self, p: Punct) -> Result<bool, Error> {
        if Self::is(&self.lx.peek()?, p) {
            self.lx.next()?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    pub fn parse(&mut self) -> Result<(), Error> {
        self.header()?;
        self.memreserves()?;
        self.top_level()
    }

    fn header(&mut self) -> Result<(), Error> {
        let mut seen = false;
        while self.lx.peek()?.kind == Kind::DtsV1 {
            seen = true;
            self.lx.next()?;
            self.expect(Punct::Semi, "after /dts-v1/")?;
            if self.lx.peek()?.kind == Kind::Plugin {
                self.lx.next()?;
                self.expect(Punct::Semi, "after /plugin/")?;
                self.tree.plugin = true;
            }
        }
        if !seen {
            let t = self.lx.peek()?;
            return Err(self.syntax(&t, "'/dts-v1/;' at the start of the file"));
        }
        Ok(())
    }

    fn memreserves(&mut self) -> Result<(), Error> {
        loop {
            let mut labels = Vec::new();
            while self.lx.peek()?.kind == Kind::Label {
                let t = self.lx.next()?;
                push_no_dup(&mut labels, self.lx.text(&t));
            }
            let t = self.lx.peek()?;
            if t.kind == Kind::MemReserve {
                self.lx.next()?;
                let address = self.u64_prim("a /memreserve/ address")?;
                let size = self.u64_prim("a /memreserve/ size")?;
                self.expect(Punct::Semi, "after /memreserve/ address size")?;
                self.tree.memreserves.push(MemReserve {
                    labels,
                    address,
                    size,
                });
            } else if !labels.is_empty() {
                return Err(self.syntax(&t, "/memreserve/ after labels at the start of the file"));
            } else {
                return Ok(());
            }
        }
    }

    fn u64_prim(&mut self, what: &str) -> Result<u64, Error> {
        let at = self.lx.peek()?.pos;
        let v = self.prim()?;
        u64::try_from(v).map_err(|_| Error::Overflow {
            location: self.loc(at),
            detail: format!("{v} is not valid as {what} (0 to 2^64-1)"),
        })
    }

    fn top_level(&mut self) -> Result<(), Error> {
        loop {
            let t = self.lx.next()?;
            match t.kind {
                Kind::Punct(Punct::Slash) => {
                    if !self.root_defined {
                        self.root_defined = true;
                        self.tree.arena[0].location = self.loc(t.pos);
                    }
                    self.node_body(self.tree.root(), 0)?;
                }
                Kind::Label | Kind::Ref => {
                    if t.kind == Kind::Label && Self::is(&self.lx.peek()?, Punct::Slash) {
                        // `label: / { ... };`: how a labelled root is printed.
                        let slash = self.lx.next()?;
                        if !self.root_defined {
                            self.root_defined = true;
                            self.tree.arena[0].location = self.loc(slash.pos);
                        }
                        let root = self.tree.root();
                        self.add_node_label(root, &t);
                        self.node_body(root, 0)?;
                        continue;
                    }
                    let (label, r) = if t.kind == Kind::Label {
                        let r = self.lx.next()?;
                        if r.kind != Kind::Ref {
                            return Err(self.syntax(
                                &r,
                                "a node reference (&label or &{/path}) after a top-level label",
                            ));
                        }
                        (Some(t), r)
                    } else {
                        (None, t)
                    };
                    let node = self.ref_node(&r)?;
                    self.node_body(node, 0)?;
                    if let Some(l) = label {
                        self.add_node_label(node, &l);
                    }
                }
                Kind::DelNode => {
                    let node = self.next_ref_node()?;
                    self.delete(node);
                    self.expect(Punct::Semi, "after /delete-node/ &reference")?;
                }
                Kind::OmitIfNoRef => {
                    let node = self.next_ref_node()?;
                    self.tree.arena[node.idx()].omit_if_no_ref = true;
                    self.expect(Punct::Semi, "after /omit-if-no-ref/ &reference")?;
                }
                Kind::Eof => {
                    if !self.root_defined {
                        return Err(self.syntax(&t, "a root node '/ { ... };'"));
                    }
                    return Ok(());
                }
                _ => {
                    return Err(self.syntax(
                        &t,
                        "'/ {', '&label {', '&{/path} {', /delete-node/ or /omit-if-no-ref/",
                    ))
                }
            }
        }
    }

    fn ref_node(&self, r: &Token) -> Result<NodeId, Error> {
        ref_to_node(&self.tree, &self.label_index, self.lx.text(r))
            .map_err(|e| e.at(self.loc(r.pos)))
    }

    fn next_ref_node(&mut self) -> Result<NodeId, Error> {
        let r = self.lx.next()?;
        if r.kind != Kind::Ref {
            return Err(self.syntax(&r, "a node reference (&label or &{/path})"));
        }
        self.ref_node(&r)
    }

    fn add_node_label(&mut self, node: NodeId, t: &Token) {
        let l = self.lx.text(t);
        let n = &mut self.tree.arena[node.idx()];
        if !n.labels.iter().any(|x| x == l) {
            n.labels.push(l.to_owned());
            self.label_index.entry(l.to_owned()).or_default().push(node);
        }
    }

    /// Removes a node from the tree (the root: empties it).
    fn delete(&mut self, id: NodeId) {
        let n = &mut self.tree.arena[id.idx()];
        match n.parent {
            None => {
                n.children.clear();
                n.props.clear();
            }
            Some(p) => {
                n.deleted = true;
                let name = std::mem::take(&mut n.name);
                self.tree.arena[p.idx()].children.shift_remove(&name);
                self.tree.arena[id.idx()].name = name;
            }
        }
    }

    /// Labels and `/omit-if-no-ref/` before a node or property name.
    fn name_prefix(&mut self) -> Result<(Vec<Token>, bool), Error> {
        let mut labels: Vec<Token> = Vec::new();
        let mut omit = false;
        loop {
            let t = self.lx.peek()?;
            match t.kind {
                Kind::Label => labels.push(t),
                Kind::OmitIfNoRef => omit = true,
                Kind::Name => return Ok((labels, omit)),
                _ if !labels.is_empty() || omit => {
                    return Err(self.syntax(&t, "a node or property name after labels"))
                }
                _ => return Ok((labels, omit)),
            }
            self.lx.next()?;
        }
    }

    /// `{ ... };` of a node.
    fn node_body(&mut self, node: NodeId, depth: usize) -> Result<(), Error> {
        let open = self.expect(Punct::LBrace, "to open the node")?;
        if depth >= MAX_NODE_DEPTH {
            return Err(Error::TooDeep {
                location: self.loc(open.pos),
                what: "nodes",
                limit: MAX_NODE_DEPTH,
            });
        }
        let mut created: Vec<NodeId> = Vec::new();
        loop {
            let (labels, omit) = self.name_prefix()?;
            let t = self.lx.next()?;
            match t.kind {
                Kind::Name => {
                    let after = self.lx.peek()?;
                    if Self::is(&after, Punct::LBrace) {
                        let child = self.child(node, &t, &mut created)?;
                        for l in &labels {
                            self.add_node_label(child, l);
                        }
                        if omit {
                            self.tree.arena[child.idx()].omit_if_no_ref = true;
                        }
                        self.node_body(child, depth + 1)?;
                    } else {
                        self.property(node, &t, &labels, omit)?;
                    }
                }
                Kind::DelNode => {
                    let n = self.lx.next()?;
                    if n.kind != Kind::Name {
                        return Err(self.syntax(&n, "a node name after /delete-node/"));
                    }
                    let child = self.tree.arena[node.idx()]
                        .children
                        .get(self.lx.text(&n))
                        .copied();
                    if let Some(c) = child {
                        self.delete(c);
                    }
                    self.expect(Punct::Semi, "after /delete-node/ name")?;
                }
                Kind::DelProp => {
                    let n = self.lx.next()?;
                    if n.kind != Kind::Name {
                        return Err(self.syntax(&n, "a property name after /delete-property/"));
                    }
                    let name = self.lx.text(&n);
                    self.tree.arena[node.idx()].props.retain(|p| p.name != name);
                    self.expect(Punct::Semi, "after /delete-property/ name")?;
                }
                Kind::Punct(Punct::RBrace) => {
                    self.expect(Punct::Semi, "after '}'")?;
                    return Ok(());
                }
                _ => return Err(self.syntax(&t, "a node name, a property name or '}'")),
            }
        }
    }

    /// The child named by `t`: the existing one (merging) or a new one.
    fn child(
        &mut self,
        node: NodeId,
        t: &Token,
        created: &mut Vec<NodeId>,
    ) -> Result<NodeId, Error> {
        let name = self.lx.text(t);
        if let Some(&c) = self.tree.arena[node.idx()].children.get(name) {
            if created.contains(&c) {
                return Err(Error::DuplicateNode {
                    location: self.loc(t.pos),
                    path: self.tree.path(c),
                });
            }
            return Ok(c);
        }
        let id = NodeId(self.tree.arena.len() as u32);
        let location = self.loc(t.pos);
        self.tree.arena.push(Node {
            name: name.to_owned(),
            parent: Some(node),
            children: IndexMap::default(),
            labels: Vec::new(),
            props: Vec::new(),
            location,
            omit_if_no_ref: false,
            referenced: false,
            deleted: false,
        });
        self.tree.arena[node.idx()]
            .children
            .insert(name.to_owned(), id);
        created.push(id);
        Ok(id)
    }

    fn property(
        &mut self,
        node: NodeId,
        t: &Token,
        labels: &[Token],
        omit: bool,
    ) -> Result<(), Error> {
        if omit {
            return Err(self.syntax(
                t,
                "a node after /omit-if-no-ref/ (it applies to nodes only)",
            ));
        }
        let name = self.lx.text(t);
        if name.contains('@') {
            return Err(self.syntax(
                t,
                "a property name without '@' (only node names have unit addresses)",
            ));
        }
        let location = self.loc(t.pos);
        // Assigning again moves the property to the end, as dtlib does.
        let props = &mut self.tree.arena[node.idx()].props;
        let mut prop = match props.iter().position(|p| p.name == name) {
            Some(i) => props.remove(i),
            None => Property {
                name: name.to_owned(),
                value: Vec::new(),
                markers: Vec::new(),
                labels: Vec::new(),
                location: location.clone(),
                node,
            },
        };
        prop.location = location;
        for l in labels {
            push_no_dup(&mut prop.labels, self.lx.text(l));
        }
        let result = if self.check(Punct::Assign)? {
            self.value(&mut prop)
        } else {
            let t = self.lx.next()?;
            if Self::is(&t, Punct::Semi) {
                Ok(())
            } else {
                Err(self.syntax(&t, "'{', '=' or ';' after the name"))
            }
        };
        self.tree.arena[node.idx()].props.push(prop);
        result
    }

    fn value_labels(&mut self, prop: &mut Property) -> Result<(), Error> {
        while self.lx.peek()?.kind == Kind::Label {
            let t = self.lx.next()?;
            prop.markers.push(Marker {
                offset: prop.value.len(),
                kind: MarkerKind::Label(self.lx.text(&t).into()),
                at: t.pos,
            });
        }
        Ok(())
    }

    /// The right-hand side of `name = ...;`.
    fn value(&mut self, prop: &mut Property) -> Result<(), Error> {
        prop.value.clear();
        prop.markers.clear();
        loop {
            self.value_labels(prop)?;
            let t = self.lx.next()?;
            match t.kind {
                Kind::Punct(Punct::Lt) => self.cells(prop, 4, &t)?,
                Kind::Bits => {
                    let w = self.lx.next()?;
                    if w.kind != Kind::Num {
                        return Err(self.syntax(&w, "a width (8, 16, 32 or 64) after /bits/"));
                    }
                    let bytes = match w.num {
                        8 => 1,
                        16 => 2,
                        32 => 4,
                        64 => 8,
                        width => {
                            return Err(Error::BadBits {
                                location: self.loc(w.pos),
                                width,
                            })
                        }
                    };
                    let open = self.expect(Punct::Lt, "after /bits/ width")?;
                    self.cells(prop, bytes, &open)?;
                }
                Kind::Punct(Punct::LBracket) => self.bytes(prop, &t)?,
                Kind::Str => {
                    prop.markers.push(Marker {
                        offset: prop.value.len(),
                        kind: MarkerKind::Str,
                        at: t.pos,
                    });
                    let raw = self.lx.text(&t).as_bytes();
                    if raw.contains(&b'\\') {
                        let s = unescape(raw).map_err(|_| Error::Overflow {
                            location: self.loc(t.pos),
                            detail: "an octal escape above \\377 in a string".into(),
                        })?;
                        prop.value.extend_from_slice(&s);
                    } else {
                        prop.value.extend_from_slice(raw);
                    }
                    prop.value.push(0);
                }
                Kind::Ref => prop.markers.push(Marker {
                    offset: prop.value.len(),
                    kind: MarkerKind::Path(self.lx.text(&t).into()),
                    at: t.pos,
                }),
                Kind::Incbin => self.incbin(prop, &t)?,
                _ => {
                    return Err(self.syntax(
                        &t,
                        "a value ('<', '[', a string, &reference, /bits/ or /incbin/)",
                    ))
                }
            }
            self.value_labels(prop)?;
            let t = self.lx.next()?;
            match t.kind {
                Kind::Punct(Punct::Semi) => return Ok(()),
                Kind::Punct(Punct::Comma) => continue,
                _ => return Err(self.syntax(&t, "';' or ',' after a value")),
            }
        }
    }

    /// `< ... >` with elements of `n` bytes (after the `<`).
    fn cells(&mut self, prop: &mut Property, n: u8, open: &Token) -> Result<(), Error> {
        prop.markers.push(Marker {
            offset: prop.value.len(),
            kind: MarkerKind::Cells(n),
            at: open.pos,
        });
        loop {
            let t = self.lx.peek()?;
            match t.kind {
                Kind::Ref => {
                    self.lx.next()?;
                    if n != 4 {
                        return Err(self.syntax(
                            &t,
                            "a number (phandle references are only allowed in 32-bit cells)",
                        ));
                    }
                    prop.markers.push(Marker {
                        offset: prop.value.len(),
                        kind: MarkerKind::Phandle(self.lx.text(&t).into()),
                        at: t.pos,
                    });
                    prop.value.extend_from_slice(&[0; 4]);
                }
                Kind::Label => {
                    self.lx.next()?;
                    prop.markers.push(Marker {
                        offset: prop.value.len(),
                        kind: MarkerKind::Label(self.lx.text(&t).into()),
                        at: t.pos,
                    });
                }
                Kind::Punct(Punct::Gt) => {
                    self.lx.next()?;
                    return Ok(());
                }
                Kind::Eof => return Err(self.syntax(&t, "'>' to close the cells")),
                _ => {
                    let v = self.prim()?;
                    let bits = 8 * u32::from(n);
                    let fits = if v >= 0 {
                        v < (1i128 << bits)
                    } else {
                        v >= -(1i128 << (bits - 1))
                    };
                    if !fits {
                        return Err(Error::Overflow {
                            location: self.loc(t.pos),
                            detail: format!("{v} does not fit in {bits} bits"),
                        });
                    }
                    let bytes = (v as u64).to_be_bytes();
                    prop.value.extend_from_slice(&bytes[8 - usize::from(n)..]);
                }
            }
        }
    }

    /// `[ ... ]` (after the `[`).
    fn bytes(&mut self, prop: &mut Property, open: &Token) -> Result<(), Error> {
        prop.markers.push(Marker {
            offset: prop.value.len(),
            kind: MarkerKind::Cells(1),
            at: open.pos,
        });
        loop {
            let t = self.lx.next()?;
            match t.kind {
                Kind::Byte => prop.value.push(t.num as u8),
                Kind::Label => prop.markers.push(Marker {
                    offset: prop.value.len(),
                    kind: MarkerKind::Label(self.lx.text(&t).into()),
                    at: t.pos,
                }),
                Kind::Punct(Punct::RBracket) => return Ok(()),
                _ => return Err(self.syntax(&t, "a two-digit hex byte or ']'")),
            }
        }
    }

    /// `/incbin/ ("file")` or `/incbin/ ("file", offset, size)`.
    fn incbin(&mut self, prop: &mut Property, kw: &Token) -> Result<(), Error> {
        prop.markers.push(Marker {
            offset: prop.value.len(),
            kind: MarkerKind::Cells(1),
            at: kw.pos,
        });
        self.expect(Punct::LParen, "after /incbin/")?;
        let f = self.lx.next()?;
        if f.kind != Kind::Str {
            return Err(self.syntax(&f, "a quoted file name"));
        }
        let t = self.lx.next()?;
        let range = if Self::is(&t, Punct::Comma) {
            let off = self.u64_prim("an /incbin/ offset")?;
            self.expect(Punct::Comma, "after the /incbin/ offset")?;
            let size = self.u64_prim("an /incbin/ size")?;
            self.expect(Punct::RParen, "after the /incbin/ size")?;
            Some((off, size))
        } else if Self::is(&t, Punct::RParen) {
            None
        } else {
            return Err(self.syntax(&t, "',' or ')' after the /incbin/ file name"));
        };
        let name_bytes = unescape(self.lx.text(&f).as_bytes()).unwrap_or_default();
        let name = String::from_utf8_lossy(&name_bytes).into_owned();
        let (_, data) = self.lx.open(&name, kw.pos)?;
        let data = match range {
            None => &data[..],
            Some((off, size)) => {
                let start = usize::try_from(off).unwrap_or(usize::MAX).min(data.len());
                let end = start
                    .saturating_add(usize::try_from(size).unwrap_or(usize::MAX))
                    .min(data.len());
                &data[start..end]
            }
        };
        prop.value.extend_from_slice(data);
        Ok(())
    }

    // Expressions, with dtc's precedence. Values are i128 so that every u64
    // literal and its negation fit; anything beyond is an overflow error.

    fn deeper(&mut self, at: Pos) -> Result<(), Error> {
        self.expr_depth += 1;
        if self.expr_depth > MAX_EXPR_DEPTH {
            return Err(Error::TooDeep {
                location: self.loc(at),
                what: "expressions",
                limit: MAX_EXPR_DEPTH,
            });
        }
        Ok(())
    }

    /// A number, a character literal or a parenthesized expression.
    fn prim(&mut self) -> Result<i128, Error> {
        let t = self.lx.next()?;
        match t.kind {
            Kind::Num | Kind::Char => Ok(i128::from(t.num)),
            Kind::Punct(Punct::LParen) => {
                self.deeper(t.pos)?;
                let v = self.ternary()?;
                self.expr_depth -= 1;
                self.expect(Punct::RParen, "to close the expression")?;
                Ok(v)
            }
            _ => Err(self.syntax(&t, "a number, a character literal or '('")),
        }
    }

    fn ternary(&mut self) -> Result<i128, Error> {
        let at = self.lx.peek()?.pos;
        self.deeper(at)?;
        let c = self.logical_or()?;
        let v = if self.check(Punct::Question)? {
            let a = self.ternary()?;
            self.expect(Punct::Colon, "in '? :'")?;
            let b = self.ternary()?;
            if c != 0 {
                a
            } else {
                b
            }
        } else {
            c
        };
        self.expr_depth -= 1;
        Ok(v)
    }

    fn logical_or(&mut self) -> Result<i128, Error> {
        let mut v = self.logical_and()?;
        while self.check(Punct::OrOr)? {
            let r = self.logical_and()?;
            v = i128::from(v != 0 || r != 0);
        }
        Ok(v)
    }

    fn logical_and(&mut self) -> Result<i128, Error> {
        let mut v = self.bit_or()?;
        while self.check(Punct::AndAnd)? {
            let r = self.bit_or()?;
            v = i128::from(v != 0 && r != 0);
        }
        Ok(v)
    }

    fn bit_or(&mut self) -> Result<i128, Error> {
        let mut v = self.bit_xor()?;
        while self.check(Punct::Or)? {
            v |= self.bit_xor()?;
        }
        Ok(v)
    }

    fn bit_xor(&mut self) -> Result<i128, Error> {
        let mut v = self.bit_and()?;
        while self.check(Punct::Caret)? {
            v ^= self.bit_and()?;
        }
        Ok(v)
    }

    fn bit_and(&mut self) -> Result<i128, Error> {
        let mut v = self.equality()?;
        while self.check(Punct::And)? {
            v &= self.equality()?;
        }
        Ok(v)
    }

    fn equality(&mut self) -> Result<i128, Error> {
        let mut v = self.relational()?;
        loop {
            if self.check(Punct::EqEq)? {
                v = i128::from(v == self.relational()?);
            } else if self.check(Punct::NotEq)? {
                v = i128::from(v != self.relational()?);
            } else {
                return Ok(v);
            }
        }
    }

    fn relational(&mut self) -> Result<i128, Error> {
        let mut v = self.shift()?;
        loop {
            let t = self.lx.peek()?;
            let op = match t.kind {
                Kind::Punct(p @ (Punct::Lt | Punct::Gt | Punct::Le | Punct::Ge)) => p,
                _ => return Ok(v),
            };
            self.lx.next()?;
            let r = self.shift()?;
            v = i128::from(match op {
                Punct::Lt => v < r,
                Punct::Gt => v > r,
                Punct::Le => v <= r,
                _ => v >= r,
            });
        }
    }

    fn overflow(&self, at: Pos, what: &str) -> Error {
        Error::Overflow {
            location: self.loc(at),
            detail: what.into(),
        }
    }

    fn shift(&mut self) -> Result<i128, Error> {
        let mut v = self.additive()?;
        loop {
            let t = self.lx.peek()?;
            let left = match t.kind {
                Kind::Punct(Punct::Shl) => true,
                Kind::Punct(Punct::Shr) => false,
                _ => return Ok(v),
            };
            self.lx.next()?;
            let r = self.additive()?;
            if r < 0 {
                return Err(self.overflow(t.pos, "negative shift count"));
            }
            v = if left {
                if v == 0 {
                    0
                } else if r >= 127 {
                    return Err(self.overflow(t.pos, "the result of '<<' is too large"));
                } else {
                    let s = v << r;
                    if s >> r != v {
                        return Err(self.overflow(t.pos, "the result of '<<' is too large"));
                    }
                    s
                }
            } else if r >= 127 {
                if v < 0 {
                    -1
                } else {
                    0
                }
            } else {
                v >> r
            };
        }
    }

    fn additive(&mut self) -> Result<i128, Error> {
        let mut v = self.multiplicative()?;
        loop {
            let t = self.lx.peek()?;
            let add = match t.kind {
                Kind::Punct(Punct::Plus) => true,
                Kind::Punct(Punct::Minus) => false,
                _ => return Ok(v),
            };
            self.lx.next()?;
            let r = self.multiplicative()?;
            let res = if add {
                v.checked_add(r)
            } else {
                v.checked_sub(r)
            };
            v = res.ok_or_else(|| self.overflow(t.pos, "the result is too large"))?;
        }
    }

    fn multiplicative(&mut self) -> Result<i128, Error> {
        let mut v = self.unary()?;
        loop {
            let t = self.lx.peek()?;
            let op = match t.kind {
                Kind::Punct(p @ (Punct::Star | Punct::Slash | Punct::Percent)) => p,
                _ => return Ok(v),
            };
            self.lx.next()?;
            let at = self.lx.peek()?.pos;
            let r = self.unary()?;
            if op != Punct::Star && r == 0 {
                return Err(Error::DivisionByZero {
                    location: self.loc(at),
                });
            }
            let res = match op {
                Punct::Star => v.checked_mul(r),
                // Floor division and modulo, as dtlib computes them.
                Punct::Slash => v.checked_div(r).map(|q| {
                    if (v % r != 0) && ((v < 0) != (r < 0)) {
                        q - 1
                    } else {
                        q
                    }
                }),
                _ => v.checked_rem(r).map(|m| {
                    if m != 0 && ((m < 0) != (r < 0)) {
                        m + r
                    } else {
                        m
                    }
                }),
            };
            v = res.ok_or_else(|| self.overflow(t.pos, "the result is too large"))?;
        }
    }

    fn unary(&mut self) -> Result<i128, Error> {
        let t = self.lx.peek()?;
        let op = match t.kind {
            Kind::Punct(p @ (Punct::Minus | Punct::Tilde | Punct::Not)) => p,
            _ => return self.prim(),
        };
        self.lx.next()?;
        self.deeper(t.pos)?;
        let v = self.unary()?;
        self.expr_depth -= 1;
        match op {
            Punct::Minus => v
                .checked_neg()
                .ok_or_else(|| self.overflow(t.pos, "the result is too large")),
            Punct::Tilde => Ok(!v),
            _ => Ok(i128::from(v == 0)),
        }
    }
}
