//! The extended devicetree: a [`Tree`] seen through its bindings, with
//! edtlib's semantics.
//!
//! What a caller can rely on, as edtlib computes it:
//! - every node of the tree is here (enabled or not), in the tree's
//!   pre-order; `status` is `okay` when absent;
//! - a node's binding is the first of its `compatible` entries that has
//!   one, preferring a binding for the bus the node is on; a node without
//!   `compatible` takes its parent's `child-binding`; `/zephyr,user` and
//!   `/cpus` get a binding inferred from their own properties;
//! - [`ENode::props`] holds only properties the binding declares (plus
//!   defaults it gives), typed by the binding, and for nodes without a
//!   binding the standard properties (`compatible`, `reg`, `status`, ...);
//! - `reg` addresses are translated through every parent's `ranges` to the
//!   CPU's view;
//! - the compatible tables list okay nodes first, then the others.

use crate::bindings::{Binding, Bindings, PropKind, PropertySpec, Value};
use crate::dts::{self, NodeId, PropType, Tree};
use indexmap::IndexMap;
use rustc_hash::{FxHashMap, FxHashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// An error building the extended tree: the tree or a binding is wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The DTS could not be read.
    #[error(transparent)]
    Dts(#[from] dts::Error),
    /// A binding could not be loaded.
    #[error(transparent)]
    Binding(#[from] crate::bindings::Error),
    /// The tree does not fit its bindings: where, and what is wrong.
    #[error("{location}: {message}")]
    Semantic {
        /// The node's (or property's) location in the DTS.
        location: dts::Location,
        /// What is wrong and what was expected.
        message: String,
    },
}

/// A property's value, typed by its binding.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PropValue {
    /// `boolean`.
    Bool(bool),
    /// `int`.
    Int(i64),
    /// `array`.
    Array(Vec<i64>),
    /// `uint8-array`.
    Bytes(Vec<u8>),
    /// `string`.
    String(String),
    /// `string-array`.
    Strings(Vec<String>),
    /// `phandle`.
    Phandle(NodeId),
    /// `phandles`.
    Phandles(Vec<NodeId>),
    /// `phandle-array`: one entry per reference (`None` for a zero phandle
    /// or one that points nowhere, as edtlib allows).
    PhandleArray(Vec<Option<ControllerAndData>>),
    /// `path`.
    Path(NodeId),
    /// `compound`: present, with no typed value (edtlib keeps such a
    /// standard property, `ranges` or `interrupts-extended`, on nodes
    /// without a binding; a binding's compound properties are not kept).
    Compound,
}

/// One entry of a `phandle-array`: the controller and its named cells.
#[derive(Debug, Clone, PartialEq)]
pub struct ControllerAndData {
    /// The controller (after `*-map` nexus translation).
    pub controller: NodeId,
    /// Cell values by the names of the controller binding's `<space>-cells`.
    pub data: IndexMap<String, i64>,
    /// The entry's name from `<space>-names`, if any.
    pub name: Option<String>,
    /// The specifier space (`gpio`, `pwm`, ...).
    pub basename: String,
}

/// A typed property.
#[derive(Debug, Clone)]
pub struct Property {
    /// Its binding's description of it.
    pub spec: PropertySpec,
    /// Its value.
    pub value: PropValue,
}

/// One `reg` entry, its address translated to the CPU's view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Register {
    /// Address (`None` when `#address-cells` is 0).
    pub addr: Option<u128>,
    /// Size (`None` when `#size-cells` is 0).
    pub size: Option<u128>,
}

/// A node of the extended tree.
#[derive(Debug, Clone)]
pub struct ENode {
    id: NodeId,
    path: String,
    compats: Vec<String>,
    status: String,
    binding: Option<Arc<Binding>>,
    bus_node: Option<NodeId>,
    props: IndexMap<String, Property>,
    regs: Vec<Register>,
    reg_names: Vec<Option<String>>,
}

impl ENode {
    /// The node in the [`Tree`].
    pub fn id(&self) -> NodeId {
        self.id
    }
    /// Its path (`/soc/uart@40002000`).
    pub fn path(&self) -> &str {
        &self.path
    }
    /// Its `compatible` strings, in order.
    pub fn compats(&self) -> &[String] {
        &self.compats
    }
    /// `status`, `okay` when absent.
    pub fn status(&self) -> &str {
        &self.status
    }
    /// True when `status` is `okay`.
    pub fn is_okay(&self) -> bool {
        self.status == "okay"
    }
    /// The binding it matched.
    pub fn binding(&self) -> Option<&Arc<Binding>> {
        self.binding.as_ref()
    }
    /// The buses this node provides (`bus:` of its binding).
    pub fn buses(&self) -> &[String] {
        self.binding.as_ref().map_or(&[], |b| &b.buses)
    }
    /// The nearest ancestor providing a bus (none for `fixed-partitions`).
    pub fn bus_node(&self) -> Option<NodeId> {
        self.bus_node
    }
    /// Typed properties, in binding order.
    pub fn props(&self) -> &IndexMap<String, Property> {
        &self.props
    }
    /// `reg`, translated.
    pub fn regs(&self) -> &[Register] {
        &self.regs
    }
    /// `reg-names`, one per register when present.
    pub fn reg_names(&self) -> &[Option<String>] {
        &self.reg_names
    }
}

/// The extended tree.
pub struct Edt {
    tree: Tree,
    nodes: Vec<ENode>,
    index: FxHashMap<NodeId, usize>,
    compat2okay: FxHashMap<String, Vec<usize>>,
    compat2nodes: FxHashMap<String, Vec<usize>>,
    label2node: FxHashMap<String, usize>,
    dts_path: String,
}

impl fmt::Debug for Edt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Edt")
            .field("dts_path", &self.dts_path)
            .field("nodes", &self.nodes.len())
            .finish()
    }
}

/// Paths whose binding is inferred from their own properties (as Zephyr's
/// `gen_edt.py` asks edtlib to).
const INFER_BINDING_PATHS: [&str; 2] = ["/zephyr,user", "/cpus"];

/// Properties every node may have without its binding declaring them.
const UNDECLARED_OK: [&str; 7] = [
    "compatible",
    "status",
    "ranges",
    "phandle",
    "interrupt-parent",
    "interrupts-extended",
    "device_type",
];

/// The types of the standard properties of nodes without a binding.
const DEFAULT_PROP_TYPES: [(&str, PropKind); 10] = [
    ("compatible", PropKind::StringArray),
    ("status", PropKind::String),
    ("ranges", PropKind::Compound),
    ("reg", PropKind::Array),
    ("reg-names", PropKind::StringArray),
    ("label", PropKind::String),
    ("interrupts", PropKind::Array),
    ("interrupts-extended", PropKind::Compound),
    ("interrupt-names", PropKind::StringArray),
    ("interrupt-controller", PropKind::Boolean),
];

const OK_STATUS: [&str; 5] = ["okay", "disabled", "reserved", "fail", "fail-sss"];

impl Edt {
    /// Reads a final `zephyr.dts` (no preprocessing) and the bindings for
    /// its compatibles under `DIR/dts/bindings` for each of `dts_roots`.
    pub fn from_dts_file(path: &Path, dts_roots: &[PathBuf]) -> Result<Edt, Error> {
        Edt::from_dts_file_indexed(path, dts_roots, None)
    }

    /// [`Edt::from_dts_file`] with an index of the binding files kept at
    /// `binding_index` between runs (see [`Bindings::load_indexed`]): the
    /// same tree, without opening the bindings the tree does not use.
    pub fn from_dts_file_indexed(
        path: &Path,
        dts_roots: &[PathBuf],
        binding_index: Option<&Path>,
    ) -> Result<Edt, Error> {
        let tree = Tree::from_file(path, &dts::ReadOptions::default())?;
        let dirs: Vec<PathBuf> = dts_roots.iter().map(|r| r.join("dts/bindings")).collect();
        let compats = tree_compats(&tree)?;
        let bindings = Bindings::load_indexed(&dirs, &compats, binding_index)?;
        Edt::with_bindings(tree, &bindings, &path.display().to_string())
    }

    /// Builds the extended tree of `tree` with the bindings found under
    /// `binding_dirs` (each searched recursively). `dts_path` names the
    /// tree in messages.
    pub fn new(tree: Tree, binding_dirs: &[PathBuf], dts_path: &str) -> Result<Edt, Error> {
        let compats = tree_compats(&tree)?;
        let bindings = Bindings::load(binding_dirs, &compats)?;
        Edt::with_bindings(tree, &bindings, dts_path)
    }

    /// Builds the extended tree of `tree` with bindings already loaded.
    pub fn with_bindings(tree: Tree, bindings: &Bindings, dts_path: &str) -> Result<Edt, Error> {
        check_tree(&tree)?;
        let mut edt = Edt {
            tree,
            nodes: Vec::new(),
            index: FxHashMap::default(),
            compat2okay: FxHashMap::default(),
            compat2nodes: FxHashMap::default(),
            label2node: FxHashMap::default(),
            dts_path: dts_path.to_string(),
        };
        let ids: Vec<NodeId> = edt.tree.nodes().collect();
        for id in ids {
            let node = edt.init_node(id, bindings)?;
            edt.index.insert(id, edt.nodes.len());
            edt.nodes.push(node);
        }
        for i in 0..edt.nodes.len() {
            let props = edt.init_props(i)?;
            edt.nodes[i].props = props;
        }
        edt.init_tables();
        Ok(edt)
    }

    /// The DTS file name the tree was read from (as messages name it).
    pub fn dts_path(&self) -> &str {
        &self.dts_path
    }

    /// The underlying tree.
    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    /// Every node, in the tree's pre-order.
    pub fn nodes(&self) -> &[ENode] {
        &self.nodes
    }

    /// The extended node of a tree node.
    pub fn node(&self, id: NodeId) -> &ENode {
        &self.nodes[self.index[&id]]
    }

    /// The node at a path or alias (`/soc/uart@1000`, `led0`), as edtlib's
    /// `get_node`.
    pub fn get_node(&self, path: &str) -> Option<&ENode> {
        self.tree.get_node(path).ok().map(|id| self.node(id))
    }

    /// The node with a label.
    pub fn label_node(&self, label: &str) -> Option<&ENode> {
        self.label2node.get(label).map(|&i| &self.nodes[i])
    }

    /// The node a `/chosen` property points at (a path or a reference).
    pub fn chosen_node(&self, name: &str) -> Option<&ENode> {
        let chosen = self.tree.get_node("/chosen").ok()?;
        let prop = self.tree.node(chosen).prop(name)?;
        prop.to_path(&self.tree).ok().map(|id| self.node(id))
    }

    /// The okay nodes with a compatible, in tree order.
    pub fn compat_okay(&self, compat: &str) -> impl Iterator<Item = &ENode> + '_ {
        self.compat2okay
            .get(compat)
            .into_iter()
            .flatten()
            .map(|&i| &self.nodes[i])
    }

    /// True when any node (okay or not) has the compatible.
    pub fn has_compat(&self, compat: &str) -> bool {
        self.compat2nodes.contains_key(compat)
    }

    /// The nodes with a compatible: okay ones first, then the others.
    pub fn compat_nodes(&self, compat: &str) -> impl Iterator<Item = &ENode> + '_ {
        self.compat2nodes
            .get(compat)
            .into_iter()
            .flatten()
            .map(|&i| &self.nodes[i])
    }

    /// The parent of a node.
    pub fn parent(&self, node: &ENode) -> Option<&ENode> {
        self.tree.node(node.id).parent().map(|p| self.node(p))
    }

    /// The node's labels.
    pub fn labels(&self, node: &ENode) -> &[String] {
        self.tree.node(node.id).labels()
    }

    /// The buses of the node's bus node (what edtlib calls `on_buses`).
    pub fn on_buses(&self, node: &ENode) -> &[String] {
        node.bus_node.map_or(&[], |b| self.node(b).buses())
    }

    /// Whether a node is a GPIO hog (has `gpio-hog` among its typed
    /// properties) with a valid controller parent; errors as edtlib's
    /// `gpio_hogs` when the parent is no GPIO controller.
    pub fn gpio_hogs(&self, node: &ENode) -> Result<usize, Error> {
        if !node.props.contains_key("gpio-hog") {
            return Ok(0);
        }
        let dnode = self.tree.node(node.id);
        let Some(parent) = dnode.parent() else {
            return Err(self.semantic(node.id, "GPIO hog lacks a parent GPIO controller node"));
        };
        let pnode = self.tree.node(parent);
        let pe = self.node(parent);
        if !pe.props.contains_key("gpio-controller") {
            return Err(self.semantic(node.id, "GPIO hog lacks a parent GPIO controller node"));
        }
        let Some(cells) = pnode.prop("#gpio-cells") else {
            return Err(self.semantic(node.id, "GPIO hog's parent node lacks #gpio-cells"));
        };
        let n = cells.to_num().map_err(Error::from)? as usize;
        let gpios = dnode.prop("gpios").map_or(&[][..], |p| p.value());
        if n == 0 {
            return Ok(0);
        }
        if !gpios.len().is_multiple_of(4 * n) {
            return Err(self.semantic(
                node.id,
                format!(
                    "'gpios' has length {}, which is not evenly divisible by {} (= 4*(<#gpio-cells> (= {n})))",
                    gpios.len(),
                    4 * n
                ),
            ));
        }
        Ok(gpios.len() / (4 * n))
    }

    fn semantic(&self, id: NodeId, message: impl Into<String>) -> Error {
        Error::Semantic {
            location: self.tree.node(id).location().clone(),
            message: format!("{}: {}", self.tree.path(id), message.into()),
        }
    }

    fn init_node(&self, id: NodeId, bindings: &Bindings) -> Result<ENode, Error> {
        let dnode = self.tree.node(id);
        let path = self.tree.path(id);
        let compats: Vec<String> = match dnode.prop("compatible") {
            Some(p) => p.to_strings()?.into_iter().map(str::to_string).collect(),
            None => Vec::new(),
        };
        let status = match dnode.prop("status") {
            None => "okay".to_string(),
            Some(p) => p.to_string()?.to_string(),
        };
        let parent = dnode.parent().map(|p| &self.nodes[self.index[&p]]);
        let bus_node = match parent {
            None => None,
            Some(_) if compats.iter().any(|c| c == "fixed-partitions") => None,
            Some(p) if !p.buses().is_empty() => Some(p.id),
            Some(p) => p.bus_node,
        };
        let on_buses: &[String] = bus_node.map_or(&[], |b| self.nodes[self.index[&b]].buses());
        let binding = if INFER_BINDING_PATHS.contains(&path.as_str()) {
            if !compats.is_empty() {
                return Err(self.semantic(id, "compatible in node with inferred binding"));
            }
            Some(Arc::new(self.inferred_binding(id)?))
        } else if !compats.is_empty() {
            let mut found = None;
            for compat in &compats {
                found = on_buses
                    .iter()
                    .find_map(|bus| bindings.get(compat, Some(bus)))
                    .or_else(|| bindings.get(compat, None))
                    .cloned();
                if found.is_some() {
                    break;
                }
            }
            found
        } else {
            parent.and_then(|p| p.binding.as_ref().and_then(|b| b.child_binding.clone()))
        };
        let mut node = ENode {
            id,
            path,
            compats,
            status,
            binding,
            bus_node,
            props: IndexMap::new(),
            regs: Vec::new(),
            reg_names: Vec::new(),
        };
        self.init_regs(&mut node)?;
        Ok(node)
    }

    /// edtlib's binding synthesised from a node's own properties.
    fn inferred_binding(&self, id: NodeId) -> Result<Binding, Error> {
        let dnode = self.tree.node(id);
        let mut props = Vec::new();
        for p in dnode.props() {
            let kind = match p.prop_type() {
                PropType::Empty => PropKind::Boolean,
                PropType::Bytes => PropKind::Uint8Array,
                PropType::Num => PropKind::Int,
                PropType::Nums => PropKind::Array,
                PropType::String => PropKind::String,
                PropType::Strings => PropKind::StringArray,
                PropType::Phandle => PropKind::Phandle,
                PropType::Phandles => PropKind::Phandles,
                PropType::PhandlesAndNums => PropKind::PhandleArray,
                PropType::Path => PropKind::Path,
                PropType::Compound => {
                    return Err(self.semantic(
                        id,
                        format!(
                            "cannot infer a binding from property '{}' (its value mixes types)",
                            p.name()
                        ),
                    ))
                }
            };
            props.push((p.name().to_string(), kind));
        }
        Ok(crate::bindings::synthesized(Path::new("<inferred>"), props))
    }

    fn address_cells(&self, parent: Option<NodeId>) -> Result<usize, Error> {
        match parent.and_then(|p| self.tree.node(p).prop("#address-cells")) {
            Some(p) => Ok(p.to_num()? as usize),
            None => Ok(2),
        }
    }

    fn size_cells(&self, parent: Option<NodeId>) -> Result<usize, Error> {
        match parent.and_then(|p| self.tree.node(p).prop("#size-cells")) {
            Some(p) => Ok(p.to_num()? as usize),
            None => Ok(1),
        }
    }

    fn init_regs(&self, node: &mut ENode) -> Result<(), Error> {
        let dnode = self.tree.node(node.id);
        let Some(reg) = dnode.prop("reg") else {
            return Ok(());
        };
        let parent = dnode.parent();
        let (ac, sc) = (self.address_cells(parent)?, self.size_cells(parent)?);
        let chunks = self.slice(node.id, "reg", reg.value(), 4 * (ac + sc), || {
            format!("4*(<#address-cells> (= {ac}) + <#size-cells> (= {sc}))")
        })?;
        let is_pci = self.is_pci(node);
        for chunk in chunks {
            let addr = if ac == 0 {
                None
            } else {
                Some(self.translate(be_num(&chunk[..4 * ac]), node.id)?)
            };
            let size = if sc == 0 {
                None
            } else {
                Some(be_num(&chunk[4 * ac..]))
            };
            if sc != 0 && size == Some(0) && !is_pci {
                return Err(self.semantic(
                    node.id,
                    "zero-sized 'reg' seems meaningless (maybe you want a size of one or #size-cells = 0 instead)",
                ));
            }
            node.regs.push(Register { addr, size });
        }
        node.reg_names = self.names(node.id, "reg", node.regs.len())?;
        Ok(())
    }

    fn is_pci(&self, node: &ENode) -> bool {
        node.bus_node.is_some_and(|b| {
            self.nodes[self.index[&b]]
                .buses()
                .iter()
                .any(|x| x == "pcie")
        })
    }

    /// `<base>-names` matched to `count` entries (edtlib errors when the
    /// counts differ).
    fn names(&self, id: NodeId, base: &str, count: usize) -> Result<Vec<Option<String>>, Error> {
        let key = format!("{base}-names");
        match self.tree.node(id).prop(&key) {
            None => Ok(vec![None; count]),
            Some(p) => {
                let names = p.to_strings()?;
                if names.len() != count {
                    return Err(self.semantic(
                        id,
                        format!(
                            "{key} property has {} strings, expected {count} strings",
                            names.len()
                        ),
                    ));
                }
                Ok(names.into_iter().map(|s| Some(s.to_string())).collect())
            }
        }
    }

    fn slice<'v>(
        &self,
        id: NodeId,
        name: &str,
        value: &'v [u8],
        size: usize,
        hint: impl Fn() -> String,
    ) -> Result<Vec<&'v [u8]>, Error> {
        if size == 0 {
            return Ok(Vec::new());
        }
        if !value.len().is_multiple_of(size) {
            return Err(self.semantic(
                id,
                format!(
                    "'{name}' property has length {}, which is not evenly divisible by {size} (= {}); note that #*-cells properties come either from the parent node or from the controller",
                    value.len(),
                    hint()
                ),
            ));
        }
        Ok(value.chunks(size).collect())
    }

    /// Translates a child address through the parents' `ranges`.
    fn translate(&self, addr: u128, id: NodeId) -> Result<u128, Error> {
        let mut addr = addr;
        let mut node = id;
        for _ in 0..1024 {
            let Some(parent) = self.tree.node(node).parent() else {
                return Ok(addr);
            };
            let Some(ranges) = self.tree.node(parent).prop("ranges") else {
                return Ok(addr);
            };
            if ranges.value().is_empty() {
                node = parent;
                continue;
            }
            let ca = self.address_cells(Some(parent))?;
            let pa = self.address_cells(self.tree.node(parent).parent())?;
            let cs = self.size_cells(Some(parent))?;
            let entry = 4 * (ca + pa + cs);
            let chunks = self.slice(parent, "ranges", ranges.value(), entry, || {
                format!(
                    "4*(<#address-cells> (= {ca}) + <#address-cells for parent> (= {pa}) + <#size-cells> (= {cs}))"
                )
            })?;
            let mut mapped = None;
            for c in chunks {
                let child = be_num(&c[..4 * ca]);
                let par = be_num(&c[4 * ca..4 * (ca + pa)]);
                let len = be_num(&c[4 * (ca + pa)..]);
                if child <= addr && addr < child.saturating_add(len) {
                    mapped = Some(par.wrapping_add(addr - child));
                    break;
                }
            }
            match mapped {
                Some(a) => {
                    addr = a;
                    node = parent;
                }
                None => return Ok(addr),
            }
        }
        Ok(addr)
    }

    fn init_props(&self, i: usize) -> Result<IndexMap<String, Property>, Error> {
        let node = &self.nodes[i];
        let dnode = self.tree.node(node.id);
        let mut props = IndexMap::new();
        match &node.binding {
            Some(b) if !b.properties.is_empty() => {
                for spec in b.properties.values() {
                    let Some(value) = self.prop_value(node, spec, &b.path)? else {
                        continue;
                    };
                    self.check_enum_const(node, spec, &value, &b.path)?;
                    if spec.name.starts_with('#') || spec.name.ends_with("-map") {
                        continue;
                    }
                    props.insert(
                        spec.name.clone(),
                        Property {
                            spec: spec.clone(),
                            value,
                        },
                    );
                }
                for p in dnode.props() {
                    let name = p.name();
                    if name.ends_with("-controller")
                        || name.starts_with('#')
                        || UNDECLARED_OK.contains(&name)
                    {
                        continue;
                    }
                    if !b.properties.contains_key(name) {
                        return Err(Error::Semantic {
                            location: p.location().clone(),
                            message: format!(
                                "'{name}' appears in {} but is not declared in 'properties:' in {}",
                                node.path,
                                b.path.display()
                            ),
                        });
                    }
                }
            }
            _ => {
                for p in dnode.props() {
                    let Some((_, kind)) = DEFAULT_PROP_TYPES.iter().find(|(n, _)| *n == p.name())
                    else {
                        continue;
                    };
                    let spec = crate::bindings::default_spec(p.name(), *kind);
                    let value = self
                        .prop_value(node, &spec, Path::new("<standard>"))?
                        .unwrap_or(PropValue::Compound);
                    props.insert(p.name().to_string(), Property { spec, value });
                }
            }
        }
        Ok(props)
    }

    fn check_enum_const(
        &self,
        node: &ENode,
        spec: &PropertySpec,
        value: &PropValue,
        binding: &Path,
    ) -> Result<(), Error> {
        let as_values: Vec<Value> = match value {
            PropValue::Int(v) => vec![Value::Int(i128::from(*v))],
            PropValue::Array(vs) => vs.iter().map(|v| Value::Int(i128::from(*v))).collect(),
            PropValue::String(s) => vec![Value::Str(s.clone())],
            PropValue::Strings(ss) => ss.iter().map(|s| Value::Str(s.clone())).collect(),
            PropValue::Bool(b) => vec![Value::Bool(*b)],
            _ => Vec::new(),
        };
        if let Some(en) = &spec.enum_values {
            for v in &as_values {
                if !en.contains(v) {
                    return Err(self.semantic(
                        node.id,
                        format!(
                            "value of property '{}' ({}) is not in the 'enum' list in {} ({})",
                            spec.name,
                            py_repr(v),
                            binding.display(),
                            Value::Seq(
                                en.iter()
                                    .map(|e| crate::bindings::Located {
                                        value: e.clone(),
                                        line: 0,
                                        column: 0
                                    })
                                    .collect()
                            )
                        ),
                    ));
                }
            }
        }
        if let Some(c) = &spec.const_value {
            let same = match (value, c) {
                (PropValue::Int(_) | PropValue::String(_) | PropValue::Bool(_), c) => {
                    as_values.len() == 1 && as_values[0] == *c
                }
                (PropValue::Array(_) | PropValue::Strings(_), Value::Seq(items)) => {
                    items.len() == as_values.len()
                        && items.iter().zip(&as_values).all(|(a, b)| a.value == *b)
                }
                (PropValue::Bytes(bs), Value::Seq(items)) => {
                    items.len() == bs.len()
                        && items
                            .iter()
                            .zip(bs)
                            .all(|(a, b)| a.value == Value::Int(i128::from(*b)))
                }
                _ => false,
            };
            if !same {
                return Err(self.semantic(
                    node.id,
                    format!(
                        "value of property '{}' is different from the 'const' value specified in {} ({})",
                        spec.name,
                        binding.display(),
                        c
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The typed value of one declared property (`None`: absent with no
    /// default, or `compound`).
    fn prop_value(
        &self,
        node: &ENode,
        spec: &PropertySpec,
        binding: &Path,
    ) -> Result<Option<PropValue>, Error> {
        let dnode = self.tree.node(node.id);
        let Some(prop) = dnode.prop(&spec.name) else {
            if spec.required && node.is_okay() {
                return Err(self.semantic(
                    node.id,
                    format!(
                        "'{}' is marked as required in 'properties:' in {}, but does not appear in the node",
                        spec.name,
                        binding.display()
                    ),
                ));
            }
            if let Some(d) = &spec.default {
                return Ok(default_value(spec.kind, d));
            }
            return Ok((spec.kind == PropKind::Boolean).then_some(PropValue::Bool(false)));
        };
        let located = |e: dts::Error| Error::from(e);
        let value = match spec.kind {
            PropKind::Boolean => {
                if prop.prop_type() != PropType::Empty {
                    return Err(Error::Semantic {
                        location: prop.location().clone(),
                        message: format!(
                            "'{}' in {} is defined with 'type: boolean' in {}, but is assigned a value instead of being empty ('{};')",
                            spec.name,
                            node.path,
                            binding.display(),
                            spec.name
                        ),
                    });
                }
                PropValue::Bool(true)
            }
            PropKind::Int => PropValue::Int(i64::from(prop.to_num().map_err(located)?)),
            PropKind::Array => PropValue::Array(
                prop.to_nums()
                    .map_err(located)?
                    .into_iter()
                    .map(i64::from)
                    .collect(),
            ),
            PropKind::Uint8Array => PropValue::Bytes(prop.to_bytes().map_err(located)?.to_vec()),
            PropKind::String => PropValue::String(prop.to_string().map_err(located)?.to_string()),
            PropKind::StringArray => PropValue::Strings(
                prop.to_strings()
                    .map_err(located)?
                    .into_iter()
                    .map(str::to_string)
                    .collect(),
            ),
            PropKind::Phandle => PropValue::Phandle(prop.to_node(&self.tree).map_err(located)?),
            PropKind::Phandles => PropValue::Phandles(prop.to_nodes(&self.tree).map_err(located)?),
            PropKind::PhandleArray => {
                if !matches!(
                    prop.prop_type(),
                    PropType::Phandle | PropType::Phandles | PropType::PhandlesAndNums
                ) {
                    return Err(Error::Semantic {
                        location: prop.location().clone(),
                        message: format!(
                            "expected property '{}' in {} to be assigned with '{} = < &foo ... &bar 1 ... &baz 2 3 >' (a mix of phandles and numbers)",
                            spec.name, node.path, spec.name
                        ),
                    });
                }
                PropValue::PhandleArray(self.phandle_array(node, prop, spec)?)
            }
            PropKind::Path => PropValue::Path(prop.to_path(&self.tree).map_err(located)?),
            PropKind::Compound => return Ok(None),
        };
        Ok(Some(value))
    }

    fn phandle_array(
        &self,
        node: &ENode,
        prop: &dts::Property,
        spec: &PropertySpec,
    ) -> Result<Vec<Option<ControllerAndData>>, Error> {
        let name = prop.name();
        let space = match &spec.specifier_space {
            Some(s) => s.clone(),
            None if name.ends_with("gpios") => "gpio".to_string(),
            None => name[..name.len().saturating_sub(1)].to_string(),
        };
        let cells_key = format!("#{space}-cells");
        let mut raw = prop.value();
        let mut out = Vec::new();
        while !raw.is_empty() {
            if raw.len() < 4 {
                return Err(self.prop_error(prop, format!("bad value for '{name}'")));
            }
            let phandle = be_u32(&raw[..4]);
            raw = &raw[4..];
            let Some(ctrl) = self.tree.phandle_to_node(phandle) else {
                out.push(None);
                continue;
            };
            let n = self.cells_of(ctrl, &cells_key, node.id)?;
            if raw.len() < 4 * n {
                return Err(
                    self.prop_error(prop, format!("missing data after phandle in '{name}'"))
                );
            }
            let (spec_bytes, rest) = raw.split_at(4 * n);
            raw = rest;
            let (mapped, data) = self.map_specifier(&space, node.id, ctrl, spec_bytes.to_vec())?;
            let enode = self.node(mapped);
            let cell_names: &[String] = match &enode.binding {
                None => {
                    return Err(self.semantic(
                        node.id,
                        format!(
                            "{space} controller {} for '{name}' lacks a binding",
                            enode.path
                        ),
                    ))
                }
                Some(b) => b.specifier_cells.get(&space).map_or(&[], |v| v.as_slice()),
            };
            let values: Vec<i64> = data.chunks(4).map(|c| i64::from(be_u32(c))).collect();
            if values.len() != cell_names.len() || data.len() % 4 != 0 {
                return Err(self.semantic(
                    node.id,
                    format!(
                        "unexpected '{space}-cells:' length in binding for {} - {} instead of {}",
                        enode.path,
                        cell_names.len(),
                        values.len()
                    ),
                ));
            }
            out.push(Some(ControllerAndData {
                controller: mapped,
                data: cell_names.iter().cloned().zip(values).collect(),
                name: None,
                basename: space.clone(),
            }));
        }
        let names = self.names(node.id, &space, out.len())?;
        for (entry, n) in out.iter_mut().zip(names) {
            if let Some(e) = entry {
                e.name = n;
            }
        }
        Ok(out)
    }

    fn prop_error(&self, prop: &dts::Property, message: String) -> Error {
        Error::Semantic {
            location: prop.location().clone(),
            message,
        }
    }

    fn cells_of(&self, ctrl: NodeId, key: &str, referrer: NodeId) -> Result<usize, Error> {
        match self.tree.node(ctrl).prop(key) {
            Some(p) => Ok(p.to_num()? as usize),
            None => Err(self.semantic(
                ctrl,
                format!(
                    "expected '{key}' property (referenced by {})",
                    self.tree.path(referrer)
                ),
            )),
        }
    }

    /// Follows `<space>-map` nexus properties from `parent` for a child
    /// specifier (edtlib's `_map`, with `-map-mask` and `-map-pass-thru`).
    fn map_specifier(
        &self,
        space: &str,
        child: NodeId,
        parent: NodeId,
        child_spec: Vec<u8>,
    ) -> Result<(NodeId, Vec<u8>), Error> {
        let (mut child, mut parent, mut child_spec) = (child, parent, child_spec);
        let map_key = format!("{space}-map");
        let mask_key = format!("{space}-map-mask");
        let pass_key = format!("{space}-map-pass-thru");
        let cells_key = format!("#{space}-cells");
        for _ in 0..64 {
            let pnode = self.tree.node(parent);
            let Some(map) = pnode.prop(&map_key) else {
                return Ok((parent, child_spec));
            };
            let masked = match pnode.prop(&mask_key) {
                None => child_spec.clone(),
                Some(mask) => {
                    if mask.value().len() != child_spec.len() {
                        return Err(self.semantic(
                            child,
                            format!(
                                "expected '{mask_key}' in {} to be {} bytes, is {} bytes",
                                self.tree.path(parent),
                                child_spec.len(),
                                mask.value().len()
                            ),
                        ));
                    }
                    child_spec
                        .iter()
                        .zip(mask.value())
                        .map(|(a, b)| a & b)
                        .collect()
                }
            };
            let mut raw = map.value();
            let mut next = None;
            while !raw.is_empty() {
                if raw.len() < child_spec.len() + 4 {
                    return Err(self.prop_error(
                        map,
                        format!("bad value for '{map_key}', missing/truncated data"),
                    ));
                }
                let entry = &raw[..child_spec.len()];
                raw = &raw[child_spec.len()..];
                let phandle = be_u32(&raw[..4]);
                raw = &raw[4..];
                let Some(map_parent) = self.tree.phandle_to_node(phandle) else {
                    return Err(
                        self.prop_error(map, format!("bad phandle ({phandle}) in '{map_key}'"))
                    );
                };
                let n = 4 * self.cells_of(map_parent, &cells_key, child)?;
                if raw.len() < n {
                    return Err(self.prop_error(
                        map,
                        format!("bad value for '{map_key}', missing/truncated parent data"),
                    ));
                }
                let mut parent_spec = raw[..n].to_vec();
                raw = &raw[n..];
                if entry == masked.as_slice() {
                    if let Some(pass) = pnode.prop(&pass_key) {
                        let pass = pass.value();
                        if pass.len() != child_spec.len() {
                            return Err(self.semantic(
                                child,
                                format!(
                                    "expected '{pass_key}' in {} to be {} bytes, is {} bytes",
                                    self.tree.path(parent),
                                    child_spec.len(),
                                    pass.len()
                                ),
                            ));
                        }
                        let inverted: Vec<u8> = pass.iter().map(|b| !b).collect();
                        let merged = bytes_or(
                            &bytes_and(&child_spec, pass),
                            &bytes_and(&parent_spec, &inverted),
                        );
                        parent_spec = merged[merged.len() - parent_spec.len()..].to_vec();
                    }
                    next = Some((map_parent, parent_spec));
                    break;
                }
            }
            let Some((map_parent, parent_spec)) = next else {
                return Err(self.semantic(
                    child,
                    format!(
                        "child specifier does not appear in '{map_key}' of {}",
                        self.tree.path(parent)
                    ),
                ));
            };
            child = parent;
            parent = map_parent;
            child_spec = parent_spec;
        }
        Err(self.semantic(
            child,
            format!("'{map_key}' chain longer than 64 nexus nodes"),
        ))
    }

    fn init_tables(&mut self) {
        let mut notokay: Vec<(String, usize)> = Vec::new();
        for (i, node) in self.nodes.iter().enumerate() {
            for label in self.tree.node(node.id).labels() {
                self.label2node.insert(label.clone(), i);
            }
            for compat in &node.compats {
                if node.is_okay() {
                    self.compat2okay.entry(compat.clone()).or_default().push(i);
                } else {
                    notokay.push((compat.clone(), i));
                }
            }
        }
        for (compat, nodes) in &self.compat2okay {
            self.compat2nodes.insert(compat.clone(), nodes.clone());
        }
        for (compat, i) in notokay {
            self.compat2nodes.entry(compat).or_default().push(i);
        }
    }
}

/// Every compatible string in the tree.
fn tree_compats(tree: &Tree) -> Result<FxHashSet<String>, Error> {
    let mut out = FxHashSet::default();
    for id in tree.nodes() {
        if let Some(p) = tree.node(id).prop("compatible") {
            for c in p.to_strings()? {
                out.insert(c.to_string());
            }
        }
    }
    Ok(out)
}

/// edtlib's checks of the plain tree: `status` values and `ranges` shape.
fn check_tree(tree: &Tree) -> Result<(), Error> {
    for id in tree.nodes() {
        let node = tree.node(id);
        if let Some(status) = node.prop("status") {
            let s = status.to_string()?;
            if !OK_STATUS.contains(&s) {
                return Err(Error::Semantic {
                    location: status.location().clone(),
                    message: format!(
                        "unknown 'status' value \"{s}\" in {}, expected one of {} (see the devicetree specification)",
                        tree.path(id),
                        OK_STATUS.join(", ")
                    ),
                });
            }
        }
        if let Some(ranges) = node.prop("ranges") {
            if !matches!(ranges.prop_type(), PropType::Empty | PropType::Nums) {
                return Err(Error::Semantic {
                    location: ranges.location().clone(),
                    message: format!(
                        "expected 'ranges = < ... >;' in {} (see the devicetree specification)",
                        tree.path(id)
                    ),
                });
            }
        }
    }
    Ok(())
}

fn default_value(kind: PropKind, d: &Value) -> Option<PropValue> {
    let ints = |items: &[crate::bindings::Located]| -> Vec<i64> {
        items
            .iter()
            .map(|i| match i.value {
                Value::Int(v) => v as i64,
                Value::Bool(b) => i64::from(b),
                _ => 0,
            })
            .collect()
    };
    Some(match (kind, d) {
        (PropKind::Int, Value::Int(v)) => PropValue::Int(*v as i64),
        (PropKind::Int, Value::Bool(b)) => PropValue::Int(i64::from(*b)),
        (PropKind::String, Value::Str(s)) => PropValue::String(s.clone()),
        (PropKind::Array, Value::Seq(items)) => PropValue::Array(ints(items)),
        (PropKind::Uint8Array, Value::Seq(items)) => {
            PropValue::Bytes(ints(items).into_iter().map(|v| v as u8).collect())
        }
        (_, Value::Seq(items)) => PropValue::Strings(
            items
                .iter()
                .map(|i| i.value.as_str().unwrap_or_default().to_string())
                .collect(),
        ),
        _ => return None,
    })
}

/// Python's `repr()` of a scalar value, for messages.
fn py_repr(v: &Value) -> String {
    match v {
        Value::Str(s) => format!("'{s}'"),
        other => other.to_string(),
    }
}

/// A big-endian number of any length up to 16 bytes (longer values keep
/// their low 16 bytes; no real address has more than 3 cells).
fn be_num(bytes: &[u8]) -> u128 {
    bytes
        .iter()
        .fold(0u128, |acc, &b| (acc << 8) | u128::from(b))
}

fn be_u32(bytes: &[u8]) -> u32 {
    let mut b = [0u8; 4];
    let n = bytes.len().min(4);
    b[..n].copy_from_slice(&bytes[..n]);
    u32::from_be_bytes(b)
}

/// Bitwise AND of two byte strings, the shorter padded on the left with
/// ones (edtlib's nexus arithmetic).
fn bytes_and(a: &[u8], b: &[u8]) -> Vec<u8> {
    let n = a.len().max(b.len());
    let pad = |x: &[u8], i: usize| {
        if i + x.len() < n {
            0xff
        } else {
            x[i + x.len() - n]
        }
    };
    (0..n).map(|i| pad(a, i) & pad(b, i)).collect()
}

/// Bitwise OR of two byte strings, the shorter padded on the left with
/// zeros.
fn bytes_or(a: &[u8], b: &[u8]) -> Vec<u8> {
    let n = a.len().max(b.len());
    let pad = |x: &[u8], i: usize| {
        if i + x.len() < n {
            0
        } else {
            x[i + x.len() - n]
        }
    };
    (0..n).map(|i| pad(a, i) | pad(b, i)).collect()
}
