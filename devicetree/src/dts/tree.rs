//! The merged tree: an arena of nodes addressed by [`NodeId`], with the
//! lookup tables dtlib builds (labels, phandles, aliases).

use indexmap::IndexMap;
use rustc_hash::{FxBuildHasher, FxHashMap};

use super::lexer::Pos;
use super::{Error, Location};

/// A node's index in its [`Tree`]'s arena.
///
/// Ids stay valid for the tree's lifetime: deleting a node (`/delete-node/`,
/// `/omit-if-no-ref/`) only makes it unreachable from the root, so an id
/// obtained earlier can still be passed to [`Tree::node`]. Ids of different
/// trees must not be mixed (an id out of range panics in [`Tree::node`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct NodeId(pub(crate) u32);

impl NodeId {
    pub(crate) fn idx(self) -> usize {
        self.0 as usize
    }
}

/// A property's type as dtlib infers it from the syntax of its (last)
/// assignment; labels inside the value do not count.
///
/// | assignment | type |
/// | --- | --- |
/// | `foo;` (or an empty value) | `Empty` |
/// | `foo = [01 02];`, `foo = /bits/ 8 <1>;` | `Bytes` |
/// | `foo = <1>;` | `Num` |
/// | `foo = <1 2>;`, `foo = <1>, <2>;`, `foo = <>;` | `Nums` |
/// | `foo = "a";` | `String` |
/// | `foo = "a", "b";` | `Strings` |
/// | `foo = &l;` | `Path` |
/// | `foo = <&l>;` | `Phandle` |
/// | `foo = <&l &m>;`, `foo = <&l>, <&m>;` | `Phandles` |
/// | `foo = <&l 1 2>;` | `PhandlesAndNums` |
/// | anything else (16/64-bit cells, mixed kinds, several byte arrays) | `Compound` |
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PropType {
    /// No value.
    Empty,
    /// One `[ ]` byte array or one `/bits/ 8` array.
    Bytes,
    /// Exactly one 32-bit cell.
    Num,
    /// 32-bit cells (any other count), in one or several `< >`.
    Nums,
    /// One string.
    String,
    /// Several strings.
    Strings,
    /// One `&label` or `&{/path}` outside cells.
    Path,
    /// Exactly one phandle reference in one cell.
    Phandle,
    /// Only phandle references in cells.
    Phandles,
    /// Cells mixing phandle references and numbers.
    PhandlesAndNums,
    /// Anything else.
    Compound,
}

/// What a part of a property's value was written as (dtlib's markers); the
/// printer and the type classification read them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum MarkerKind {
    /// Start of a cell array with elements of this many bytes (1, 2, 4, 8).
    Cells(u8),
    /// Start of a string.
    Str,
    /// A path reference outside cells (`&l`, `&{/p}`); the text after `&`.
    Path(Box<str>),
    /// A phandle reference in cells; the text after `&`.
    Phandle(Box<str>),
    /// A label inside the value.
    Label(Box<str>),
}

#[derive(Clone, Debug)]
pub(crate) struct Marker {
    pub offset: usize,
    pub kind: MarkerKind,
    /// Where the marker's token was (for errors while resolving references).
    pub at: Pos,
}

/// A memory reservation (`/memreserve/ address size;`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemReserve {
    /// Labels written before `/memreserve/`, without duplicates.
    pub labels: Vec<String>,
    /// Start address.
    pub address: u64,
    /// Size in bytes.
    pub size: u64,
}

/// A property: its name, its encoded value and how it was written.
#[derive(Clone, Debug)]
pub struct Property {
    pub(crate) name: String,
    pub(crate) value: Vec<u8>,
    pub(crate) markers: Vec<Marker>,
    pub(crate) labels: Vec<String>,
    pub(crate) location: Location,
    pub(crate) node: NodeId,
}

/// A node of the merged tree.
#[derive(Clone, Debug)]
pub struct Node {
    pub(crate) name: String,
    pub(crate) parent: Option<NodeId>,
    pub(crate) children: IndexMap<String, NodeId, FxBuildHasher>,
    pub(crate) labels: Vec<String>,
    pub(crate) props: Vec<Property>,
    pub(crate) location: Location,
    pub(crate) omit_if_no_ref: bool,
    pub(crate) referenced: bool,
    /// Removed from its parent (by `/delete-node/` or `/omit-if-no-ref/`).
    pub(crate) deleted: bool,
}

/// A devicetree read from DTS and merged as dtlib does: repeated nodes
/// merged, deletions applied, references resolved, phandles assigned.
///
/// Build one with [`Tree::from_file`] or [`Tree::from_source`]; print it with
/// [`Tree::to_dts`]. A tree is immutable once built.
#[derive(Clone, Debug)]
pub struct Tree {
    pub(crate) arena: Vec<Node>,
    pub(crate) memreserves: Vec<MemReserve>,
    pub(crate) aliases: Vec<(String, NodeId)>,
    pub(crate) label_map: FxHashMap<String, NodeId>,
    pub(crate) phandle_map: FxHashMap<u32, NodeId>,
    pub(crate) plugin: bool,
}

/// Pre-order walk over the nodes reachable from a start node.
struct PreOrder<'a> {
    tree: &'a Tree,
    stack: Vec<NodeId>,
}

impl Iterator for PreOrder<'_> {
    type Item = NodeId;
    fn next(&mut self) -> Option<NodeId> {
        let id = self.stack.pop()?;
        self.stack
            .extend(self.tree.arena[id.idx()].children.values().rev().copied());
        Some(id)
    }
}

impl Tree {
    /// The root node `/`.
    pub fn root(&self) -> NodeId {
        NodeId(0)
    }

    /// The node with this id (also a deleted one: ids stay valid).
    ///
    /// # Panics
    ///
    /// If the id does not come from this tree.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.arena[id.idx()]
    }

    /// Every node reachable from the root in pre-order: a parent before its
    /// children, children in their order (dtlib's `node_iter`).
    pub fn nodes(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.subtree(self.root())
    }

    /// The node and its descendants in pre-order.
    pub fn subtree(&self, id: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        PreOrder {
            tree: self,
            stack: vec![id],
        }
    }

    /// The node's path: `/` for the root, `/soc/uart@1000` below it.
    pub fn path(&self, id: NodeId) -> String {
        let mut names = Vec::new();
        let mut cur = id;
        while let Some(p) = self.arena[cur.idx()].parent {
            names.push(self.arena[cur.idx()].name.as_str());
            cur = p;
        }
        if names.is_empty() {
            return "/".into();
        }
        let mut s = String::new();
        for n in names.iter().rev() {
            s.push('/');
            s.push_str(n);
        }
        s
    }

    /// Looks a node up as dtlib's `get_node` does: a path from the root
    /// (`/soc/uart@1000`; repeated and trailing `/` are ignored) or, without
    /// a leading `/`, an alias from `/aliases` optionally followed by a path
    /// below it (`serial0`, `serial0/child`).
    pub fn get_node(&self, path_or_alias: &str) -> Result<NodeId, Error> {
        if let Some(rest) = path_or_alias.strip_prefix('/') {
            return self.walk(self.root(), rest, path_or_alias);
        }
        let (alias, rest) = path_or_alias.split_once('/').unwrap_or((path_or_alias, ""));
        match self.aliases.iter().find(|(a, _)| a == alias) {
            Some(&(_, id)) => self.walk(id, rest, path_or_alias),
            None => Err(Error::NoSuchNode {
                path: path_or_alias.into(),
                detail: format!("no alias '{alias}' (a path from the root must start with '/')"),
            }),
        }
    }

    pub(crate) fn walk(&self, from: NodeId, rest: &str, full: &str) -> Result<NodeId, Error> {
        let mut cur = from;
        for comp in rest.split('/').filter(|c| !c.is_empty()) {
            match self.arena[cur.idx()].children.get(comp) {
                Some(&c) => cur = c,
                None => {
                    return Err(Error::NoSuchNode {
                        path: full.into(),
                        detail: format!("component '{comp}' does not exist"),
                    })
                }
            }
        }
        Ok(cur)
    }

    /// The node that carries this label (labels are unique in a tree).
    pub fn label_to_node(&self, label: &str) -> Option<NodeId> {
        self.label_map.get(label).copied()
    }

    /// The aliases of `/aliases`, in the order of its properties.
    pub fn aliases(&self) -> impl Iterator<Item = (&str, NodeId)> + '_ {
        self.aliases.iter().map(|(a, id)| (a.as_str(), *id))
    }

    /// The node with this phandle (assigned or explicit).
    pub fn phandle_to_node(&self, phandle: u32) -> Option<NodeId> {
        self.phandle_map.get(&phandle).copied()
    }

    /// The `/memreserve/` entries in order.
    pub fn memreserves(&self) -> &[MemReserve] {
        &self.memreserves
    }

    /// Whether the source had `/plugin/;` (an overlay).
    pub fn is_plugin(&self) -> bool {
        self.plugin
    }
}

impl Node {
    /// The name with its unit address: `uart@1000` (`/` for the root).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The part of the name after `@`, or `""`.
    pub fn unit_addr(&self) -> &str {
        self.name.split_once('@').map_or("", |(_, a)| a)
    }

    /// The parent node; `None` for the root.
    pub fn parent(&self) -> Option<NodeId> {
        self.parent
    }

    /// The children in order of first definition.
    pub fn children(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.children.values().copied()
    }

    /// The child with this full name (`uart@1000`).
    pub fn child(&self, name: &str) -> Option<NodeId> {
        self.children.get(name).copied()
    }

    /// The node's labels in order of appearance, without duplicates.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// The properties in dtlib's order: by last assignment (assigning a
    /// property again moves it to the end), a generated `phandle` last.
    pub fn props(&self) -> impl Iterator<Item = &Property> + '_ {
        self.props.iter()
    }

    /// The property with this name.
    pub fn prop(&self, name: &str) -> Option<&Property> {
        self.props.iter().find(|p| p.name == name)
    }

    /// Where the node was first defined (its name's position).
    pub fn location(&self) -> &Location {
        &self.location
    }
}

impl Property {
    /// The property's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value as dtc encodes it: cells big-endian, strings NUL-terminated,
    /// phandle references replaced by the phandles, path references by the
    /// NUL-terminated path.
    pub fn value(&self) -> &[u8] {
        &self.value
    }

    /// Labels written before the property name, without duplicates.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Where the property was last assigned (its name's position).
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// The node that has the property.
    pub fn node(&self) -> NodeId {
        self.node
    }

    /// Labels inside the value with their byte offsets (`x = <0 a: 1>` gives
    /// `("a", 4)`), in order.
    pub fn offset_labels(&self) -> impl Iterator<Item = (&str, usize)> + '_ {
        self.markers.iter().filter_map(|m| match &m.kind {
            MarkerKind::Label(l) => Some((&**l, m.offset)),
            _ => None,
        })
    }

    /// The type dtlib infers from how the value was written.
    pub fn prop_type(&self) -> PropType {
        let mut kinds = self
            .markers
            .iter()
            .filter(|m| !matches!(m.kind, MarkerKind::Label(_)));
        let Some(first) = kinds.next() else {
            return PropType::Empty;
        };
        let (mut n, mut cells32, mut strs, mut phandles, mut other) = (0, 0, 0, 0, 0);
        for m in std::iter::once(first).chain(kinds) {
            n += 1;
            match m.kind {
                MarkerKind::Cells(4) => cells32 += 1,
                MarkerKind::Str => strs += 1,
                MarkerKind::Phandle(_) => phandles += 1,
                _ => other += 1,
            }
        }
        let len = self.value.len();
        match first.kind {
            MarkerKind::Cells(1) if n == 1 => return PropType::Bytes,
            MarkerKind::Path(_) if n == 1 => return PropType::Path,
            _ => {}
        }
        if other > 0 {
            return PropType::Compound;
        }
        if cells32 == n {
            return if n == 1 && len == 4 {
                PropType::Num
            } else {
                PropType::Nums
            };
        }
        if strs == n {
            return if n == 1 {
                PropType::String
            } else {
                PropType::Strings
            };
        }
        if strs == 0 && cells32 > 0 && phandles > 0 {
            if n == 2 && cells32 == 1 && matches!(first.kind, MarkerKind::Cells(4)) && len == 4 {
                return PropType::Phandle;
            }
            return if len == 4 * phandles {
                PropType::Phandles
            } else {
                PropType::PhandlesAndNums
            };
        }
        PropType::Compound
    }

    fn wrong_type(&self, tree: Option<&Tree>, expected: &'static str) -> Error {
        Error::WrongType {
            location: self.location.clone(),
            name: self.name.clone(),
            node: tree.map_or_else(String::new, |t| t.path(self.node)),
            expected,
            found: self.prop_type(),
        }
    }

    /// The value as one unsigned 32-bit number; the property must be of type
    /// [`PropType::Num`] (`foo = <1>;`).
    pub fn to_num(&self) -> Result<u32, Error> {
        if self.prop_type() != PropType::Num {
            return Err(self.wrong_type(None, "'< (number) >'"));
        }
        Ok(be32(&self.value))
    }

    /// The value as unsigned 32-bit numbers; the property must be of type
    /// [`PropType::Num`] or [`PropType::Nums`].
    pub fn to_nums(&self) -> Result<Vec<u32>, Error> {
        if !matches!(self.prop_type(), PropType::Num | PropType::Nums) {
            return Err(self.wrong_type(None, "'< (number) (number) ... >'"));
        }
        Ok(self.value.chunks_exact(4).map(be32).collect())
    }

    /// The raw value; the property must be of type [`PropType::Bytes`].
    pub fn to_bytes(&self) -> Result<&[u8], Error> {
        if self.prop_type() != PropType::Bytes {
            return Err(self.wrong_type(None, "'[ (byte) (byte) ... ]'"));
        }
        Ok(&self.value)
    }

    /// The value as one string (without its NUL); the property must be of
    /// type [`PropType::String`] and valid UTF-8.
    // Named as dtlib names it; this is not `ToString`.
    #[allow(
        clippy::inherent_to_string_shadow_display,
        clippy::should_implement_trait
    )]
    pub fn to_string(&self) -> Result<&str, Error> {
        if self.prop_type() != PropType::String {
            return Err(self.wrong_type(None, "'\"string\"'"));
        }
        self.utf8_body()
    }

    fn utf8_body(&self) -> Result<&str, Error> {
        let body = self.value.strip_suffix(b"\0").unwrap_or(&self.value);
        std::str::from_utf8(body).map_err(|_| Error::NotUtf8 {
            location: self.location.clone(),
            name: self.name.clone(),
            node: String::new(),
        })
    }

    /// The value as strings; the property must be of type
    /// [`PropType::String`] or [`PropType::Strings`] and valid UTF-8.
    pub fn to_strings(&self) -> Result<Vec<&str>, Error> {
        if !matches!(self.prop_type(), PropType::String | PropType::Strings) {
            return Err(self.wrong_type(None, "'\"string\", \"string\", ...'"));
        }
        let body = self.utf8_body()?;
        Ok(body.split('\0').collect())
    }

    /// The node the phandle points to; the property must be of type
    /// [`PropType::Phandle`] (`foo = <&bar>;`).
    pub fn to_node(&self, tree: &Tree) -> Result<NodeId, Error> {
        if self.prop_type() != PropType::Phandle {
            return Err(self.wrong_type(Some(tree), "'< &foo >'"));
        }
        self.phandle_node(tree, be32(&self.value))
    }

    fn phandle_node(&self, tree: &Tree, ph: u32) -> Result<NodeId, Error> {
        tree.phandle_to_node(ph).ok_or_else(|| Error::Dangling {
            location: self.location.clone(),
            name: self.name.clone(),
            node: tree.path(self.node),
            detail: format!("no node has phandle {ph:#x}"),
        })
    }

    /// The nodes the phandles point to; the property must be of type
    /// [`PropType::Phandle`] or [`PropType::Phandles`], or be `<>`.
    pub fn to_nodes(&self, tree: &Tree) -> Result<Vec<NodeId>, Error> {
        let t = self.prop_type();
        let ok = matches!(t, PropType::Phandle | PropType::Phandles)
            || (t == PropType::Nums && self.value.is_empty());
        if !ok {
            return Err(self.wrong_type(Some(tree), "'< &foo &bar ... >'"));
        }
        self.value
            .chunks_exact(4)
            .map(|c| self.phandle_node(tree, be32(c)))
            .collect()
    }

    /// The node named by the value; the property must be of type
    /// [`PropType::Path`] (`foo = &bar;`) or [`PropType::String`] holding a
    /// path or alias path that exists.
    pub fn to_path(&self, tree: &Tree) -> Result<NodeId, Error> {
        if !matches!(self.prop_type(), PropType::Path | PropType::String) {
            return Err(self.wrong_type(Some(tree), "either '&foo' or '\"/path/to/node\"'"));
        }
        let path = self.utf8_body().map_err(|_| Error::NotUtf8 {
            location: self.location.clone(),
            name: self.name.clone(),
            node: tree.path(self.node),
        })?;
        tree.get_node(path).map_err(|_| Error::Dangling {
            location: self.location.clone(),
            name: self.name.clone(),
            node: tree.path(self.node),
            detail: format!("no node \"{path}\""),
        })
    }
}

fn be32(b: &[u8]) -> u32 {
    match b {
        [a, b, c, d, ..] => u32::from_be_bytes([*a, *b, *c, *d]),
        _ => 0,
    }
}
