//! Zephyr's devicetree bindings: the YAML files under each DTS root's
//! `dts/bindings/` that say which properties a compatible's nodes have and
//! of what type.
//!
//! Loading follows edtlib: every `.yaml`/`.yml` file below the binding
//! directories is a candidate, but only files whose top-level `compatible`
//! is used by the tree are parsed (a tree uses a few dozen of the ~3,200
//! files); `include:` is resolved by file name across all directories
//! (strings, lists, and `name` maps with `property-allowlist`,
//! `property-blocklist` and `child-binding` filters), merged into the
//! including binding with edtlib's rules (the includer wins; `required` is
//! or-ed; any other conflicting value is an error). A binding's
//! `child-binding` is a binding of its own, and is registered under its
//! compatible too when it has one.

mod index;
pub(crate) mod yaml;

pub use yaml::{Located, Map, SyntaxError, Value};

use indexmap::IndexMap;
use rustc_hash::{FxHashMap, FxHashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Deepest `include:` chain followed (a loop of includes is reported, not
/// followed forever).
const MAX_INCLUDE_DEPTH: usize = 32;

/// A binding error: the file, the line and column when known, and what is
/// wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A binding or the tree is wrong: `file:line:column: message`.
    #[error("{location}: {message}")]
    Invalid {
        /// Where.
        location: FileLocation,
        /// What is wrong and what was expected.
        message: String,
    },
    /// A binding file could not be read.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's message.
        message: String,
    },
}

/// A file and, when known, a 1-based line and column in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileLocation {
    /// The file.
    pub path: PathBuf,
    /// 1-based line (0: the whole file).
    pub line: u32,
    /// 1-based column (0: the whole line).
    pub column: u32,
}

impl fmt::Display for FileLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if self.column > 0 {
                write!(f, ":{}", self.column)?;
            }
        }
        Ok(())
    }
}

fn invalid(path: &Path, at: Option<&Located>, message: impl Into<String>) -> Error {
    Error::Invalid {
        location: FileLocation {
            path: path.to_path_buf(),
            line: at.map_or(0, |l| l.line),
            column: at.map_or(0, |l| l.column),
        },
        message: message.into(),
    }
}

/// The type a binding gives a property (`type:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PropKind {
    /// `boolean`: present or not.
    Boolean,
    /// `int`: one 32-bit cell.
    Int,
    /// `array`: 32-bit cells.
    Array,
    /// `uint8-array`: bytes.
    Uint8Array,
    /// `string`.
    String,
    /// `string-array`.
    StringArray,
    /// `phandle`: one node reference.
    Phandle,
    /// `phandles`: node references.
    Phandles,
    /// `phandle-array`: references each followed by its specifier cells.
    PhandleArray,
    /// `path`: a path or a reference to a node.
    Path,
    /// `compound`: anything else (no typed value).
    Compound,
}

impl PropKind {
    /// Every kind with its name in bindings.
    pub const ALL: [(&'static str, PropKind); 11] = [
        ("boolean", PropKind::Boolean),
        ("int", PropKind::Int),
        ("array", PropKind::Array),
        ("uint8-array", PropKind::Uint8Array),
        ("string", PropKind::String),
        ("string-array", PropKind::StringArray),
        ("phandle", PropKind::Phandle),
        ("phandles", PropKind::Phandles),
        ("phandle-array", PropKind::PhandleArray),
        ("path", PropKind::Path),
        ("compound", PropKind::Compound),
    ];

    /// The kind named `name` in a binding.
    pub fn from_name(name: &str) -> Option<PropKind> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
    }

    /// The name bindings use.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, k)| *k == self)
            .map_or("compound", |(n, _)| n)
    }
}

/// What a binding says about one property.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PropertySpec {
    /// The property's name.
    pub name: String,
    /// Its type.
    pub kind: PropKind,
    /// `required: true` (an enabled node must have it).
    pub required: bool,
    /// `deprecated: true`.
    pub deprecated: bool,
    /// `default:` (used when the node lacks the property).
    pub default: Option<Value>,
    /// `enum:` values the property may take.
    pub enum_values: Option<Vec<Value>>,
    /// `const:` value the property must have.
    pub const_value: Option<Value>,
    /// `specifier-space:` of a phandle-array.
    pub specifier_space: Option<String>,
    /// `description:`.
    pub description: Option<String>,
}

/// One binding, includes merged.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Binding {
    /// The file it came from.
    pub path: Arc<Path>,
    /// `compatible:` (a child binding may have none).
    pub compatible: Option<String>,
    /// `description:`.
    pub description: Option<String>,
    /// `bus:`: the buses this node provides to its children.
    pub buses: Vec<String>,
    /// `on-bus:`: the bus this binding applies on.
    pub on_bus: Option<String>,
    /// `properties:` in binding order (own first, then included).
    pub properties: IndexMap<String, PropertySpec>,
    /// `<specifier>-cells:`: the names of a controller's specifier cells.
    pub specifier_cells: IndexMap<String, Vec<String>>,
    /// `child-binding:`: the binding of child nodes without `compatible`.
    pub child_binding: Option<Arc<Binding>>,
}

/// The bindings a tree needs, by compatible and bus.
#[derive(Debug, Clone, Default)]
pub struct Bindings {
    by_compat: FxHashMap<(String, Option<String>), Arc<Binding>>,
}

impl Bindings {
    /// Loads the bindings under `dirs` (each searched recursively for
    /// `.yaml`/`.yml` files) whose compatible is in `compats`. A file
    /// name included by another binding is looked up across all
    /// directories; when two directories have the same file name, the
    /// later directory's file is the one included (edtlib's rule).
    pub fn load(dirs: &[PathBuf], compats: &FxHashSet<String>) -> Result<Bindings, Error> {
        Bindings::load_indexed(dirs, compats, None)
    }

    /// [`Bindings::load`] with an index of the binding files kept at
    /// `index` between runs (see the `index` module: a file whose size,
    /// modification time and inode are unchanged is opened only when its
    /// compatible is used). The same bindings load either way; the index
    /// is a cache, rebuilt when missing or malformed.
    pub fn load_indexed(
        dirs: &[PathBuf],
        compats: &FxHashSet<String>,
        index: Option<&Path>,
    ) -> Result<Bindings, Error> {
        let files = binding_files(dirs)?;
        let texts = read_candidates(&files, compats, index)?;
        Bindings::build(&files, None, texts, compats)
    }

    /// Loads bindings from files held in memory (`(path, text)`, in the
    /// order a directory walk would give them), with the same rules as
    /// [`Bindings::load`]: for embedders with bindings of their own, and
    /// for fuzzing without a file system.
    pub fn from_sources(
        sources: &[(PathBuf, String)],
        compats: &FxHashSet<String>,
    ) -> Result<Bindings, Error> {
        let files: Vec<PathBuf> = sources.iter().map(|(p, _)| p.clone()).collect();
        let memory: FxHashMap<PathBuf, String> = sources.iter().cloned().collect();
        let texts = sources
            .iter()
            .filter(|(_, text)| match declared_compatible(text.as_bytes()) {
                Some(c) => compats.contains(c),
                None => compats.iter().any(|c| text.contains(c.as_str())),
            })
            .cloned()
            .collect();
        Bindings::build(&files, Some(&memory), texts, compats)
    }

    fn build(
        files: &[PathBuf],
        memory: Option<&FxHashMap<PathBuf, String>>,
        texts: Vec<(PathBuf, String)>,
        compats: &FxHashSet<String>,
    ) -> Result<Bindings, Error> {
        let mut by_name: FxHashMap<String, PathBuf> = FxHashMap::default();
        for f in files {
            if let Some(name) = f.file_name().and_then(|n| n.to_str()) {
                by_name.insert(name.to_string(), f.clone());
            }
        }
        let loader = Loader {
            by_name: &by_name,
            memory,
            included: Default::default(),
        };
        let mut out = Bindings::default();
        for (path, text) in texts {
            let root = parse_file(&path, &text)?;
            let Value::Map(map) = &root.value else {
                continue;
            };
            match map.get("compatible").map(|c| &c.value) {
                Some(Value::Str(c)) if compats.contains(c) => {}
                _ => continue,
            }
            let path: Arc<Path> = Arc::from(path.as_path());
            let binding = Arc::new(loader.binding(&path, Map::clone(map), true, true)?);
            let mut next = Some(binding);
            while let Some(b) = next {
                next = b.child_binding.clone();
                out.register(b)?;
            }
        }
        Ok(out)
    }

    /// Builds a set from bindings already loaded (for tests and embedders
    /// with bindings of their own).
    pub fn from_bindings(list: impl IntoIterator<Item = Binding>) -> Result<Bindings, Error> {
        let mut out = Bindings::default();
        for b in list {
            out.register(Arc::new(b))?;
        }
        Ok(out)
    }

    fn register(&mut self, b: Arc<Binding>) -> Result<(), Error> {
        let Some(compat) = b.compatible.clone() else {
            return Ok(());
        };
        let key = (compat, b.on_bus.clone());
        if let Some(old) = self.by_compat.get(&key) {
            let mut message = format!(
                "both {} and {} have 'compatible: {}'",
                old.path.display(),
                b.path.display(),
                key.0
            );
            if let Some(bus) = &key.1 {
                message.push_str(&format!(" and 'on-bus: {bus}'"));
            }
            return Err(invalid(&b.path, None, message));
        }
        self.by_compat.insert(key, b);
        Ok(())
    }

    /// The binding for `compat` on `bus` (`None`: the one for any bus).
    pub fn get(&self, compat: &str, bus: Option<&str>) -> Option<&Arc<Binding>> {
        self.by_compat
            .get(&(compat.to_string(), bus.map(str::to_string)))
    }

    /// Number of (compatible, bus) entries.
    pub fn len(&self) -> usize {
        self.by_compat.len()
    }

    /// True when no binding was loaded.
    pub fn is_empty(&self) -> bool {
        self.by_compat.is_empty()
    }

    /// Every binding, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Binding>> + '_ {
        self.by_compat.values()
    }
}

/// Every `.yaml`/`.yml` file under `dirs`, directories in the given
/// order, each walked in sorted order (so results never depend on the file
/// system's listing order). A directory that does not exist is skipped.
fn binding_files(dirs: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    for dir in dirs {
        let mut stack = vec![dir.clone()];
        while let Some(d) = stack.pop() {
            let entries = match std::fs::read_dir(&d) {
                Ok(e) => e,
                Err(e) if d == *dir && e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => {
                    return Err(Error::Io {
                        path: d,
                        message: e.to_string(),
                    })
                }
            };
            // Kind of each entry: a directory, a regular file (symbolic
            // links followed), or something else (a FIFO or device named
            // `x.yaml` is never opened: it could block or never end).
            let mut names: Vec<(std::ffi::OsString, Option<bool>)> = entries
                .filter_map(Result::ok)
                .map(|e| {
                    let kind = match e.file_type() {
                        Ok(t) if t.is_symlink() => std::fs::metadata(e.path())
                            .ok()
                            .and_then(|m| (m.is_dir() || m.is_file()).then_some(m.is_dir())),
                        Ok(t) if t.is_dir() => Some(true),
                        Ok(t) if t.is_file() => Some(false),
                        _ => None,
                    };
                    (e.file_name(), kind)
                })
                .collect();
            // By name bytes: cheaper than comparing paths component-wise.
            names.sort_unstable_by(|a, b| a.0.as_encoded_bytes().cmp(b.0.as_encoded_bytes()));
            let mut subdirs = Vec::new();
            for (name, kind) in names {
                let p = d.join(name);
                if kind == Some(true) {
                    subdirs.push(p);
                } else if kind == Some(false)
                    && p.extension().is_some_and(|e| e == "yaml" || e == "yml")
                {
                    out.push(p);
                }
            }
            stack.extend(subdirs.into_iter().rev());
        }
    }
    Ok(out)
}

/// Reads the candidate files and keeps those that declare one of the tree's
/// compatibles (or, when a file's own compatible cannot be read from its
/// text, mention one), on a few threads: the system calls for ~3,200 small
/// files are most of the cost. With an index, a file whose status is
/// unchanged is not even opened unless its compatible is used.
fn read_candidates(
    files: &[PathBuf],
    compats: &FxHashSet<String>,
    index_path: Option<&Path>,
) -> Result<Vec<(PathBuf, String)>, Error> {
    if compats.is_empty() {
        return Ok(Vec::new());
    }
    let index = index_path.map(index::Index::read);
    let finder = aho_corasick::AhoCorasick::new(compats.iter())
        .map_err(|e| invalid(Path::new("<compatibles>"), None, e.to_string()))?;
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 4);
    let chunk = files.len().div_ceil(threads).max(1);
    type Part = (Vec<(usize, String)>, Vec<(PathBuf, index::Entry)>);
    let results: Vec<Result<Part, Error>> = std::thread::scope(|s| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .enumerate()
            .map(|(ci, part)| {
                let finder = &finder;
                let index = index.as_ref();
                s.spawn(move || {
                    let mut keep = Vec::new();
                    let mut entries = Vec::new();
                    // One buffer for all files, read without asking for
                    // the size first (`fs::read` does).
                    let mut buf = vec![0u8; 64 * 1024];
                    for (i, path) in part.iter().enumerate() {
                        let io = |e: std::io::Error| Error::Io {
                            path: path.clone(),
                            message: e.to_string(),
                        };
                        let stamp = match index {
                            Some(_) => index::Stamp::of(path).map_err(io)?,
                            None => None,
                        };
                        let known = stamp.and_then(|st| index?.lookup(path, st));
                        if let Some(entry) = known {
                            entries.push((path.clone(), entry.clone()));
                            if entry
                                .compatible
                                .as_ref()
                                .is_some_and(|c| !compats.contains(c))
                            {
                                continue;
                            }
                        }
                        let filled = read_into(path, &mut buf).map_err(io)?;
                        let bytes = &buf[..filled];
                        let declared = declared_compatible(bytes);
                        if let (Some(stamp), None) = (stamp, known) {
                            entries.push((
                                path.clone(),
                                index::Entry {
                                    stamp,
                                    compatible: declared.map(str::to_string),
                                },
                            ));
                        }
                        let wanted = match declared {
                            Some(c) => compats.contains(c),
                            None => finder.is_match(bytes),
                        };
                        if wanted {
                            let text = String::from_utf8(bytes.to_vec()).map_err(|e| {
                                invalid(
                                    path,
                                    None,
                                    format!(
                                        "not UTF-8 (byte {} is invalid)",
                                        e.utf8_error().valid_up_to()
                                    ),
                                )
                            })?;
                            keep.push((ci * chunk + i, text));
                        }
                    }
                    Ok((keep, entries))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Ok(Default::default())))
            .collect()
    });
    let mut out = Vec::new();
    let mut all_entries = Vec::new();
    for r in results {
        let (keep, entries) = r?;
        for (i, text) in keep {
            out.push((files[i].clone(), text));
        }
        all_entries.extend(entries);
    }
    if let (Some(index), Some(path)) = (&index, index_path) {
        index.save(path, &all_entries);
    }
    Ok(out)
}

/// The YAML of a binding file, its syntax errors located in it.
fn parse_file(path: &Path, text: &str) -> Result<Located, Error> {
    yaml::parse(text).map_err(|e| Error::Invalid {
        location: FileLocation {
            path: path.to_path_buf(),
            line: e.line,
            column: e.column,
        },
        message: format!("not valid YAML: {}", e.message),
    })
}

/// Reads a whole file into `buf` (grown as needed), returning its length.
fn read_into(path: &Path, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    /// Far beyond any binding (the largest in Zephyr is about 60 KiB).
    const LIMIT: usize = 16 << 20;
    let mut f = std::fs::File::open(path)?;
    let mut filled = 0;
    loop {
        if filled == buf.len() {
            if filled >= LIMIT {
                return Err(std::io::Error::other(
                    "larger than 16 MiB: not a binding file",
                ));
            }
            buf.resize(buf.len() * 2, 0);
        }
        match std::io::Read::read(&mut f, &mut buf[filled..]) {
            Ok(0) => return Ok(filled),
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// A binding file's own top-level `compatible:`, read from its text
/// without parsing the YAML, when that is certain: a top-level key starts
/// in column 0, so the last `compatible:` line there, with a plain or
/// simply quoted scalar, is the value PyYAML loads. `None` (no such line,
/// flow or block syntax, escapes, an anchor) leaves the decision to a full
/// parse. A tree uses a few dozen of ~3,200 binding files; this keeps the
/// others from being searched or parsed.
fn declared_compatible(text: &[u8]) -> Option<&str> {
    const KEY: &[u8] = b"compatible:";
    let mut value: Option<&[u8]> = None;
    if let Some(rest) = text.strip_prefix(KEY) {
        value = Some(rest);
    }
    for i in memchr::memmem::find_iter(text, b"\ncompatible:") {
        value = Some(&text[i + 1 + KEY.len()..]);
    }
    let rest = value?;
    let line = &rest[..memchr::memchr(b'\n', rest).unwrap_or(rest.len())];
    let v = std::str::from_utf8(line).ok()?.trim();
    let (unquoted, tail) = match v.chars().next()? {
        q @ ('"' | '\'') => {
            let end = v[1..].find(q)?;
            (&v[1..1 + end], v[2 + end..].trim())
        }
        c if c.is_ascii_alphanumeric() => match v.find(" #") {
            Some(i) => (v[..i].trim_end(), ""),
            None => (v, ""),
        },
        _ => return None,
    };
    if !(tail.is_empty() || tail.starts_with('#')) || unquoted.contains('\\') {
        return None;
    }
    Some(unquoted)
}

/// Resolves includes by file name and builds typed bindings.
struct Loader<'a> {
    by_name: &'a FxHashMap<String, PathBuf>,
    /// File contents when loading from memory (`None`: the file system).
    memory: Option<&'a FxHashMap<PathBuf, String>>,
    /// Included files, includes resolved, by path: most bindings include
    /// the same few files (`base.yaml` and what it includes).
    included: std::cell::RefCell<FxHashMap<PathBuf, Map>>,
}

impl Loader<'_> {
    /// Builds a binding from its raw mapping (`raw` is consumed: includes
    /// are merged into it, as edtlib does).
    fn binding(
        &self,
        path: &Arc<Path>,
        raw: Map,
        require_compatible: bool,
        require_description: bool,
    ) -> Result<Binding, Error> {
        let raw = self.merge_includes(raw, path, 0)?;
        let child_binding =
            match raw.get("child-binding") {
                None => None,
                Some(Located {
                    value: Value::Map(m),
                    ..
                }) => Some(Arc::new(self.binding(path, Map::clone(m), false, false)?)),
                Some(other) => return Err(invalid(
                    path,
                    Some(other),
                    "malformed 'child-binding:', expected a binding (a mapping of keys to values)",
                )),
            };
        check_top(path, &raw, require_compatible, require_description)?;
        let str_of = |key: &str| {
            raw.get(key)
                .and_then(|v| v.value.as_str())
                .map(str::to_string)
        };
        let buses = match raw.get("bus").map(|b| &b.value) {
            Some(Value::Str(s)) => vec![s.clone()],
            Some(Value::Seq(items)) => items
                .iter()
                .filter_map(|i| i.value.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        let mut properties = IndexMap::new();
        if let Some(Located {
            value: Value::Map(props),
            ..
        }) = raw.get("properties")
        {
            for (name, opts) in props.iter() {
                properties.insert(name.clone(), property_spec(path, name, opts)?);
            }
        }
        let mut specifier_cells = IndexMap::new();
        for (key, val) in &raw {
            if let Some(space) = key.strip_suffix("-cells") {
                let names = match &val.value {
                    Value::Seq(items) => items
                        .iter()
                        .map(|i| i.value.as_str().map(str::to_string))
                        .collect::<Option<Vec<_>>>(),
                    _ => None,
                };
                let Some(names) = names else {
                    return Err(invalid(
                        path,
                        Some(val),
                        format!("malformed '{key}:', expected a list of strings"),
                    ));
                };
                specifier_cells.insert(space.to_string(), names);
            }
        }
        Ok(Binding {
            path: path.clone(),
            compatible: str_of("compatible"),
            description: str_of("description"),
            buses,
            on_bus: str_of("on-bus"),
            properties,
            specifier_cells,
            child_binding,
        })
    }

    /// Reads an included file by name and resolves its own includes.
    fn load_raw(&self, name: &str, from: &Path, at: &Located, depth: usize) -> Result<Map, Error> {
        let Some(path) = self.by_name.get(name) else {
            return Err(invalid(
                from,
                Some(at),
                format!("'{name}' not found: no binding directory has a file of that name"),
            ));
        };
        if depth > MAX_INCLUDE_DEPTH {
            return Err(invalid(
                from,
                Some(at),
                format!("'include:' of '{name}' nested more than {MAX_INCLUDE_DEPTH} deep (an include loop?)"),
            ));
        }
        if let Some(map) = self.included.borrow().get(path) {
            return Ok(map.clone());
        }
        let text = match self.memory {
            Some(m) => m.get(path).cloned().unwrap_or_default(),
            None => std::fs::read_to_string(path).map_err(|e| Error::Io {
                path: path.clone(),
                message: e.to_string(),
            })?,
        };
        let root = parse_file(path, &text)?;
        let Value::Map(map) = root.value else {
            return Err(invalid(path, None, "invalid contents, expected a mapping"));
        };
        let merged = self.merge_includes(Arc::unwrap_or_clone(map), path, depth + 1)?;
        self.included
            .borrow_mut()
            .insert(path.clone(), merged.clone());
        Ok(merged)
    }

    /// edtlib's include merge: the included files are merged together in
    /// order, then into `raw` (which wins).
    fn merge_includes(&self, mut raw: Map, path: &Path, depth: usize) -> Result<Map, Error> {
        let Some(include) = raw.shift_remove("include") else {
            return Ok(raw);
        };
        let mut merged = Map::new();
        match &include.value {
            Value::Str(name) => {
                let contents = self.load_raw(name, path, &include, depth)?;
                merge(&mut merged, &contents, None, path, false)?;
            }
            Value::Seq(items) => {
                for elem in items {
                    let at = if elem.line == 0 { &include } else { elem };
                    match &elem.value {
                        Value::Str(name) => {
                            let contents = self.load_raw(name, path, at, depth)?;
                            merge(&mut merged, &contents, None, path, false)?;
                        }
                        Value::Map(m) => {
                            let filter = IncludeFilter::from_map(m, path, at)?;
                            let mut contents = self.load_raw(&filter.name, path, at, depth)?;
                            filter.apply(&mut contents, path, at)?;
                            merge(&mut merged, &contents, None, path, false)?;
                        }
                        other => {
                            return Err(invalid(
                                path,
                                Some(at),
                                format!(
                                    "all elements in 'include:' should be either strings or maps with a 'name' key and optional 'property-allowlist' or 'property-blocklist' keys, but got: {other}"
                                ),
                            ))
                        }
                    }
                }
            }
            other => {
                return Err(invalid(
                    path,
                    Some(&include),
                    format!(
                        "'include:' should be a string or list, but has type {}",
                        other.type_name()
                    ),
                ))
            }
        }
        merge(&mut raw, &merged, None, path, true)?;
        Ok(raw)
    }
}

/// One `name:` element of an `include:` list with its filters.
struct IncludeFilter {
    name: String,
    /// The property filter of the top level, then of each `child-binding`
    /// level below it.
    levels: Vec<PropFilter>,
}

/// Which properties of an included binding level are kept.
enum PropFilter {
    /// All of them.
    All,
    /// Only these (`property-allowlist`).
    Allow(Vec<String>),
    /// All but these (`property-blocklist`).
    Block(Vec<String>),
}

impl IncludeFilter {
    fn from_map(m: &Map, path: &Path, at: &Located) -> Result<IncludeFilter, Error> {
        let Some(name) = m.get("name").and_then(|n| n.value.as_str()) else {
            return Err(invalid(
                path,
                Some(at),
                "'include:' element should have a 'name' key",
            ));
        };
        let mut levels = Vec::new();
        let mut level: Option<&Map> = Some(m);
        let mut top = true;
        while let Some(l) = level {
            let known: &[&str] = if top {
                &[
                    "name",
                    "property-allowlist",
                    "property-blocklist",
                    "child-binding",
                ]
            } else {
                &["property-allowlist", "property-blocklist", "child-binding"]
            };
            if let Some((k, v)) = l.iter().find(|(k, _)| !known.contains(&k.as_str())) {
                return Err(invalid(
                    path,
                    Some(v),
                    format!(
                        "'include:' of file '{name}' has an unexpected key '{k}'{}; expected {}",
                        if top { "" } else { " in a 'child-binding'" },
                        known.join(", ")
                    ),
                ));
            }
            let list = |key: &str| -> Result<Option<Vec<String>>, Error> {
                match l.get(key) {
                    None => Ok(None),
                    Some(Located {
                        value: Value::Seq(items),
                        ..
                    }) => Ok(Some(items.iter().map(|i| i.value.to_string()).collect())),
                    Some(other) => Err(invalid(
                        path,
                        Some(other),
                        format!("'{key}' value {} should be a list", other.value),
                    )),
                }
            };
            let filter = match (list("property-allowlist")?, list("property-blocklist")?) {
                (Some(_), Some(_)) => {
                    return Err(invalid(
                        path,
                        Some(at),
                        format!(
                            "'include:' of file '{name}' should not specify both 'property-allowlist:' and 'property-blocklist:'{}",
                            if top { "" } else { " in a 'child-binding:'" }
                        ),
                    ))
                }
                (Some(allow), None) => PropFilter::Allow(allow),
                (None, Some(block)) => PropFilter::Block(block),
                (None, None) => PropFilter::All,
            };
            levels.push(filter);
            level = match l.get("child-binding").map(|c| &c.value) {
                Some(Value::Map(c)) => Some(c),
                _ => None,
            };
            top = false;
        }
        Ok(IncludeFilter {
            name: name.to_string(),
            levels,
        })
    }

    fn apply(&self, contents: &mut Map, _path: &Path, _at: &Located) -> Result<(), Error> {
        let mut level: Option<&mut Map> = Some(contents);
        for filter in &self.levels {
            let Some(l) = level else { break };
            if let Some(Located {
                value: Value::Map(props),
                ..
            }) = l.get_mut("properties")
            {
                match filter {
                    PropFilter::All => {}
                    PropFilter::Allow(allow) => {
                        Arc::make_mut(props).retain(|k, _| allow.contains(k))
                    }
                    PropFilter::Block(block) => {
                        Arc::make_mut(props).retain(|k, _| !block.contains(k))
                    }
                }
            }
            level = match l.get_mut("child-binding") {
                Some(Located {
                    value: Value::Map(c),
                    ..
                }) => Some(Arc::make_mut(c)),
                _ => None,
            };
        }
        Ok(())
    }
}

/// edtlib's `_merge_props`: merges `from` into `to`, recursively for
/// mappings on both sides; `to` keeps its values; conflicting values are an
/// error except for `title`/`description`/`compatible`, and `required`,
/// which is or-ed (a `required: true` include may not be weakened when
/// `check_required`).
fn merge(
    to: &mut Map,
    from: &Map,
    parent: Option<&str>,
    path: &Path,
    check_required: bool,
) -> Result<(), Error> {
    for (key, from_val) in from {
        match to.get_mut(key) {
            None => {
                to.insert(key.clone(), from_val.clone());
            }
            Some(to_val) => {
                if let (Value::Map(tm), Value::Map(fm)) = (&mut to_val.value, &from_val.value) {
                    merge(Arc::make_mut(tm), fm, Some(key), path, check_required)?;
                    continue;
                }
                if to_val.value == from_val.value
                    || matches!(key.as_str(), "title" | "description" | "compatible")
                {
                    continue;
                }
                if key == "required" {
                    let (Value::Bool(t), Value::Bool(f)) = (&to_val.value, &from_val.value) else {
                        return Err(invalid(
                            path,
                            Some(to_val),
                            format!(
                                "malformed 'required:' setting for '{}' in 'properties', expected true/false",
                                parent.unwrap_or("")
                            ),
                        ));
                    };
                    if check_required && *f && !*t {
                        return Err(invalid(
                            path,
                            Some(to_val),
                            format!(
                                "'required' of '{}' from an included file overwritten ('True' replaced with 'False'): an including binding cannot make a required property optional",
                                parent.unwrap_or("")
                            ),
                        ));
                    }
                    let r = *t || *f;
                    to_val.value = Value::Bool(r);
                    continue;
                }
                return Err(invalid(
                    path,
                    Some(to_val),
                    format!(
                        "(in '{}'): '{key}' from included file overwritten ('{}' replaced with '{}')",
                        parent.unwrap_or("None"),
                        from_val.value,
                        to_val.value
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// edtlib's checks of a binding's top level.
fn check_top(
    path: &Path,
    raw: &Map,
    require_compatible: bool,
    require_description: bool,
) -> Result<(), Error> {
    const OK_TOP: [&str; 7] = [
        "title",
        "description",
        "compatible",
        "bus",
        "on-bus",
        "properties",
        "child-binding",
    ];
    match raw.get("compatible") {
        Some(Located {
            value: Value::Str(_),
            ..
        }) => {}
        Some(other) => {
            return Err(invalid(
                path,
                Some(other),
                format!(
                    "malformed 'compatible: {}' field: should be a string, not {}",
                    other.value,
                    other.value.type_name()
                ),
            ))
        }
        None if require_compatible => return Err(invalid(path, None, "missing 'compatible'")),
        None => {}
    }
    for key in ["title", "description"] {
        match raw.get(key) {
            Some(Located {
                value: Value::Str(s),
                ..
            }) if !s.is_empty() => {}
            Some(other) => {
                return Err(invalid(
                    path,
                    Some(other),
                    format!("malformed or empty '{key}'"),
                ))
            }
            None if key == "description" && require_description => {
                return Err(invalid(path, None, "missing 'description'"))
            }
            None => {}
        }
    }
    for (key, val) in raw {
        let legacy = match key.as_str() {
            "#cells" => Some("expected *-cells syntax"),
            "child" | "child-bus" => Some("use 'bus: <bus>' instead"),
            "parent" | "parent-bus" => Some("use 'on-bus: <bus>' instead"),
            "sub-node" => Some("use 'child-binding' instead"),
            _ => None,
        };
        if let Some(hint) = legacy {
            return Err(invalid(path, Some(val), format!("legacy '{key}:', {hint}")));
        }
        if !OK_TOP.contains(&key.as_str()) && !key.ends_with("-cells") {
            return Err(invalid(
                path,
                Some(val),
                format!(
                    "unknown key '{key}', expected one of {}, or *-cells",
                    OK_TOP.join(", ")
                ),
            ));
        }
    }
    if let Some(bus) = raw.get("bus") {
        let ok = match &bus.value {
            Value::Str(_) => true,
            Value::Seq(items) => items.iter().all(|i| matches!(i.value, Value::Str(_))),
            _ => false,
        };
        if !ok {
            return Err(invalid(
                path,
                Some(bus),
                "malformed 'bus:' value, expected a string or a list of strings",
            ));
        }
    }
    if let Some(on_bus) = raw.get("on-bus") {
        if !matches!(on_bus.value, Value::Str(_)) {
            return Err(invalid(
                path,
                Some(on_bus),
                "malformed 'on-bus:' value, expected a string",
            ));
        }
    }
    Ok(())
}

/// Checks one entry of `properties:` (edtlib's rules) and types it.
fn property_spec(path: &Path, name: &str, opts: &Located) -> Result<PropertySpec, Error> {
    const OK_KEYS: [&str; 8] = [
        "description",
        "type",
        "required",
        "enum",
        "const",
        "default",
        "deprecated",
        "specifier-space",
    ];
    let empty = Map::new();
    let map = match &opts.value {
        Value::Map(m) => m,
        Value::Null => &empty,
        other => {
            return Err(invalid(
                path,
                Some(opts),
                format!(
                    "'properties: {name}:' should be a mapping, not {}",
                    other.type_name()
                ),
            ))
        }
    };
    for (k, v) in map {
        if !OK_KEYS.contains(&k.as_str()) {
            return Err(invalid(
                path,
                Some(v),
                format!(
                    "unknown setting '{k}' in 'properties: {name}: ...', expected one of {}",
                    OK_KEYS.join(", ")
                ),
            ));
        }
    }
    let Some(type_val) = map.get("type") else {
        return Err(invalid(
            path,
            Some(opts),
            format!("missing 'type:' for '{name}' in 'properties'"),
        ));
    };
    let kind = type_val
        .value
        .as_str()
        .and_then(PropKind::from_name)
        .ok_or_else(|| {
            invalid(
                path,
                Some(type_val),
                format!(
                    "'{name}' in 'properties:' has unknown type '{}', expected one of {}",
                    type_val.value,
                    PropKind::ALL.map(|(n, _)| n).join(", ")
                ),
            )
        })?;
    let specifier_space = map.get("specifier-space");
    if let Some(s) = specifier_space {
        if kind != PropKind::PhandleArray {
            return Err(invalid(
                path,
                Some(s),
                format!(
                    "'specifier-space' in 'properties: {name}' has type '{}', expected 'phandle-array'",
                    kind.name()
                ),
            ));
        }
    }
    if kind == PropKind::PhandleArray && !name.ends_with('s') && specifier_space.is_none() {
        return Err(invalid(
            path,
            Some(opts),
            format!(
                "'{name}' in 'properties:' has type 'phandle-array' and its name does not end in 's', but no 'specifier-space' was provided"
            ),
        ));
    }
    let const_value = map.get("const").map(|c| c.value.clone());
    let truthy = |v: &Value| {
        !matches!(v, Value::Null | Value::Bool(false) | Value::Int(0))
            && !matches!(v, Value::Str(s) if s.is_empty())
            && !matches!(v, Value::Seq(s) if s.is_empty())
    };
    if let Some(c) = &const_value {
        if truthy(c)
            && !matches!(
                kind,
                PropKind::Int
                    | PropKind::Array
                    | PropKind::Uint8Array
                    | PropKind::String
                    | PropKind::StringArray
            )
        {
            return Err(invalid(
                path,
                map.get("const"),
                format!(
                    "const for property '{name}' has type '{}', expected one of int, array, uint8-array, string, string-array",
                    kind.name()
                ),
            ));
        }
    }
    let default = match map.get("default") {
        None
        | Some(Located {
            value: Value::Null, ..
        }) => None,
        Some(d) => {
            if matches!(
                kind,
                PropKind::Boolean
                    | PropKind::Compound
                    | PropKind::Phandle
                    | PropKind::Phandles
                    | PropKind::PhandleArray
                    | PropKind::Path
            ) {
                return Err(invalid(
                    path,
                    Some(d),
                    format!(
                        "'default:' can't be combined with 'type: {}' for '{name}' in 'properties:'",
                        kind.name()
                    ),
                ));
            }
            if !default_fits(kind, &d.value) {
                return Err(invalid(
                    path,
                    Some(d),
                    format!(
                        "'default: {}' is invalid for '{name}' in 'properties:', which has type {}",
                        d.value,
                        kind.name()
                    ),
                ));
            }
            Some(d.value.clone())
        }
    };
    let flag = |key: &str| -> Result<bool, Error> {
        match map.get(key) {
            None => Ok(false),
            Some(Located {
                value: Value::Bool(b),
                ..
            }) => Ok(*b),
            Some(other) => Err(invalid(
                path,
                Some(other),
                format!(
                    "malformed '{key}:' setting '{}' for '{name}' in 'properties', expected true/false",
                    other.value
                ),
            )),
        }
    };
    let (required, deprecated) = (flag("required")?, flag("deprecated")?);
    if required && deprecated {
        return Err(invalid(
            path,
            Some(opts),
            format!(
                "'{name}' in 'properties' should not have both 'deprecated' and 'required' set"
            ),
        ));
    }
    let description = match map.get("description") {
        None => None,
        Some(Located {
            value: Value::Str(s),
            ..
        }) => Some(s.clone()),
        Some(other) => {
            return Err(invalid(
                path,
                Some(other),
                format!("missing, malformed, or empty 'description' for '{name}' in 'properties'"),
            ))
        }
    };
    let enum_values = match map.get("enum") {
        None => None,
        Some(Located {
            value: Value::Seq(items),
            ..
        }) => Some(items.iter().map(|i| i.value.clone()).collect()),
        Some(other) => {
            return Err(invalid(
                path,
                Some(other),
                format!("enum for property '{name}' is not a list"),
            ))
        }
    };
    Ok(PropertySpec {
        name: name.to_string(),
        kind,
        required,
        deprecated,
        default,
        enum_values,
        const_value,
        specifier_space: specifier_space.and_then(|s| s.value.as_str().map(str::to_string)),
        description,
    })
}

/// edtlib's check that a `default:` fits the property's type.
fn default_fits(kind: PropKind, v: &Value) -> bool {
    match (kind, v) {
        (PropKind::Int, Value::Int(_) | Value::Bool(_)) | (PropKind::String, Value::Str(_)) => true,
        (_, Value::Seq(items)) => {
            let all = |f: &dyn Fn(&Value) -> bool| items.iter().all(|i| f(&i.value));
            (kind == PropKind::Array && all(&|x| matches!(x, Value::Int(_) | Value::Bool(_))))
                || (kind == PropKind::Uint8Array
                    && all(&|x| matches!(x, Value::Int(i) if (0..=255).contains(i))))
                || all(&|x| matches!(x, Value::Str(_)))
        }
        _ => false,
    }
}

/// The specification edtlib gives a standard property (`reg`, `status`,
/// ...) on a node without a binding.
pub(crate) fn default_spec(name: &str, kind: PropKind) -> PropertySpec {
    PropertySpec {
        name: name.to_string(),
        kind,
        required: false,
        deprecated: false,
        default: None,
        enum_values: (name == "status").then(|| {
            ["ok", "okay", "disabled", "reserved", "fail", "fail-sss"]
                .iter()
                .map(|s| Value::Str((*s).to_string()))
                .collect()
        }),
        const_value: None,
        specifier_space: None,
        description: None,
    }
}

/// A binding declaring exactly `props` (edtlib's binding inferred from a
/// node's own properties).
pub(crate) fn synthesized(path: &Path, props: Vec<(String, PropKind)>) -> Binding {
    Binding {
        path: Arc::from(path),
        compatible: None,
        description: Some("Inferred binding from properties.".to_string()),
        buses: Vec::new(),
        on_bus: None,
        properties: props
            .into_iter()
            .map(|(name, kind)| {
                let mut spec = default_spec(&name, kind);
                spec.enum_values = None;
                (name, spec)
            })
            .collect(),
        specifier_cells: IndexMap::new(),
        child_binding: None,
    }
}
