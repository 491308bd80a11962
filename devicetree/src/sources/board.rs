//! Zephyr's hardware model v2 as far as the devicetree needs it: which
//! directory holds a board, which board target (`name[@revision][/qualifiers]`)
//! a `BOARD` string selects, and the architectures whose `dts/<arch>`
//! directories the preprocessor searches.
//!
//! The rules are those of Zephyr's `cmake/modules/boards.cmake`,
//! `scripts/list_boards.py` and `scripts/list_hardware.py`: a board is a
//! `board.yml` anywhere under `<board root>/boards/`; its qualifiers are
//! `soc[/cpucluster][/variant...]` (cpuclusters come from the SoC's
//! `soc.yml`); a board with one SoC may leave the SoC out; revisions follow
//! the `revision:` section (default, exact match or the nearest lower one).

use super::Error;
use crate::bindings::{Located, Value};
use std::path::{Path, PathBuf};

/// A board target as Zephyr resolves `BOARD`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BoardTarget {
    /// The board's name (`mps2`).
    pub name: String,
    /// The qualifiers with their leading `/` (`/an385`), empty when the
    /// board has none.
    pub qualifiers: String,
    /// The revision in effect (after defaults and nearest-lower matching),
    /// if the board has revisions.
    pub revision: Option<String>,
    /// The board's directories (the first is `BOARD_DIR`).
    pub dirs: Vec<PathBuf>,
    /// Whether the board has a single SoC (`BOARD_<name>_SINGLE_SOC`), which
    /// allows file names without the SoC.
    pub single_soc: bool,
}

impl BoardTarget {
    /// `BOARD_DIR`: the board's main directory.
    pub fn dir(&self) -> &Path {
        &self.dirs[0]
    }

    /// The normalized target (`mps2_an385`): name and qualifiers joined by
    /// `_`, what board file names start with.
    pub fn normalized(&self) -> String {
        join_name(&self.name, &self.qualifiers, None)
    }

    /// The name with the SoC left out of the qualifiers (`mps2`,
    /// `qemu_cortex_m0`), the short form single-SoC boards may use.
    pub fn shortened(&self) -> Option<String> {
        if self.qualifiers.is_empty() {
            return None;
        }
        let rest = self.qualifiers[1..]
            .find('/')
            .map_or("", |i| &self.qualifiers[1 + i..]);
        Some(join_name(&self.name, rest, None))
    }
}

/// `name` and each `/`-separated qualifier (and the revision with `.` as
/// `_`) joined by `_`, as Zephyr's `zephyr_build_string` builds file names.
pub(crate) fn join_name(name: &str, qualifiers: &str, revision: Option<&str>) -> String {
    let mut s = name.to_owned();
    for q in qualifiers.split('/').filter(|q| !q.is_empty()) {
        s.push('_');
        s.push_str(q);
    }
    if let Some(r) = revision {
        s.push('_');
        s.push_str(&r.replace('.', "_"));
    }
    s
}

/// Splits `BOARD` into name, revision and qualifiers (`name@rev/q1/q2`).
fn split_board(board: &str) -> Result<(&str, Option<&str>, &str), Error> {
    let bad = || Error::BadBoard {
        board: board.to_owned(),
        message: "expected <board>[@<revision>][/<qualifiers>]".into(),
    };
    let (head, quals) = match board.find('/') {
        Some(i) => (&board[..i], &board[i..]),
        None => (board, ""),
    };
    if quals.contains('@') || quals == "/" {
        return Err(bad());
    }
    let (name, rev) = match head.split_once('@') {
        Some((n, r)) if !r.is_empty() && !r.contains('@') => (n, Some(r)),
        Some(_) => return Err(bad()),
        None => (head, None),
    };
    if name.is_empty() {
        return Err(bad());
    }
    Ok((name, rev, quals))
}

fn read_yaml(path: &Path) -> Result<Located, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    crate::bindings::yaml::parse(&text).map_err(|e| Error::Yaml {
        path: path.to_path_buf(),
        line: e.line,
        column: e.column,
        message: e.message,
    })
}

fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    match v {
        Value::Map(m) => m.get(key).map(|l| &l.value),
        _ => None,
    }
}

fn seq(v: Option<&Value>) -> &[Located] {
    match v {
        Some(Value::Seq(s)) => s,
        _ => &[],
    }
}

/// A scalar as text (YAML may type `1` or `1.0` as numbers; Zephyr's
/// CMake sees their text).
fn scalar(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Str(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(f.to_string()),
        Value::Bool(b) => Some(if *b { "True" } else { "False" }.into()),
        _ => None,
    }
}

/// Every file called `name` under `dir`, in sorted path order.
fn find_files(dir: &Path, name: &str, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.filter_map(|e| e.ok()).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            find_files(&e.path(), name, out);
        } else if e.file_name() == name {
            out.push(e.path());
        }
    }
}

/// The cpuclusters of each of `socs` as the `soc.yml` files under the SoC
/// roots declare them (including `extend:` entries); one walk for all.
fn soc_cpuclusters(soc_roots: &[PathBuf], socs: &[String]) -> Result<Vec<Vec<String>>, Error> {
    let mut out = vec![Vec::new(); socs.len()];
    if socs.is_empty() {
        return Ok(out);
    }
    let mut files = Vec::new();
    for root in soc_roots {
        find_files(&root.join("soc"), "soc.yml", &mut files);
    }
    for f in files {
        // Cheap filter: most soc.yml files name none of these SoCs.
        match std::fs::read_to_string(&f) {
            Ok(t) if socs.iter().any(|s| t.contains(s.as_str())) => {}
            _ => continue,
        }
        let y = read_yaml(&f)?;
        for (soc, clusters) in socs.iter().zip(out.iter_mut()) {
            collect_clusters(&y.value, soc, clusters, 0);
        }
    }
    Ok(out)
}

fn collect_clusters(v: &Value, soc: &str, out: &mut Vec<String>, depth: u32) {
    if depth > 8 {
        return;
    }
    let Value::Map(m) = v else { return };
    for (k, item) in m.iter() {
        for e in seq(Some(&item.value)) {
            if k == "socs" {
                let named =
                    scalar(get(&e.value, "name")).or_else(|| scalar(get(&e.value, "extend")));
                if named.as_deref() == Some(soc) {
                    for c in seq(get(&e.value, "cpuclusters")) {
                        if let Some(n) = scalar(get(&c.value, "name")) {
                            out.push(n);
                        }
                    }
                }
            } else {
                collect_clusters(&e.value, soc, out, depth + 1);
            }
        }
    }
}

fn variant_qualifiers(v: &Value, prefix: Option<&str>, out: &mut Vec<String>, depth: u32) {
    let Some(name) = scalar(get(v, "name")) else {
        return;
    };
    let q = match prefix {
        Some(p) => format!("{p}/{name}"),
        None => name,
    };
    out.push(q.clone());
    if depth < 16 {
        for sub in seq(get(v, "variants")) {
            variant_qualifiers(&sub.value, Some(&q), out, depth + 1);
        }
    }
}

/// Resolves `board` (`name[@revision][/qualifiers]`) against the boards
/// under `board_roots` (searched in order; Zephyr appends `ZEPHYR_BASE`
/// last) with SoC definitions under `soc_roots`.
pub fn resolve_board(
    board: &str,
    board_roots: &[PathBuf],
    soc_roots: &[PathBuf],
) -> Result<BoardTarget, Error> {
    let (name, revision, quals) = split_board(board)?;
    let mut files = Vec::new();
    for root in board_roots {
        find_files(&root.join("boards"), "board.yml", &mut files);
    }
    let mut found: Option<(PathBuf, Value)> = None;
    for f in files {
        match std::fs::read_to_string(&f) {
            Ok(t) if t.contains(name) => {}
            _ => continue,
        }
        let y = read_yaml(&f)?;
        let mut boards: Vec<Value> = seq(get(&y.value, "boards"))
            .iter()
            .map(|l| l.value.clone())
            .collect();
        if let Some(b) = get(&y.value, "board") {
            boards.push(b.clone());
        }
        for b in boards {
            if get(&b, "extend").is_some() || scalar(get(&b, "name")).as_deref() != Some(name) {
                continue;
            }
            if found.is_some() {
                return Err(Error::BadBoard {
                    board: board.to_owned(),
                    message: format!("defined more than once (again in {})", f.display()),
                });
            }
            let dir = f.parent().unwrap_or(Path::new(".")).to_path_buf();
            found = Some((dir, b));
        }
    }
    let Some((dir, b)) = found else {
        return Err(Error::BoardNotFound {
            board: name.to_owned(),
            roots: board_roots.to_vec(),
        });
    };

    // Qualifiers: soc[/cluster][/variant...] and board-level variants.
    let socs = seq(get(&b, "socs"));
    let mut valid = Vec::new();
    let names: Vec<String> = socs
        .iter()
        .filter_map(|s| scalar(get(&s.value, "name")))
        .collect();
    let all_clusters = soc_cpuclusters(soc_roots, &names)?;
    let named = socs
        .iter()
        .filter(|s| scalar(get(&s.value, "name")).is_some());
    for ((s, soc), clusters) in named.zip(&names).zip(all_clusters) {
        let soc = soc.clone();
        let variants = seq(get(&s.value, "variants"));
        if clusters.is_empty() {
            valid.push(soc.clone());
            for v in variants {
                variant_qualifiers(&v.value, Some(&soc), &mut valid, 0);
            }
        } else {
            for c in &clusters {
                let id = format!("{soc}/{c}");
                valid.push(id.clone());
                for v in variants {
                    if scalar(get(&v.value, "cpucluster")).as_deref() == Some(c) {
                        variant_qualifiers(&v.value, Some(&id), &mut valid, 0);
                    }
                }
            }
        }
    }
    for v in seq(get(&b, "variants")) {
        variant_qualifiers(&v.value, None, &mut valid, 0);
    }
    let single_soc = socs.len() == 1;
    let mut qualifiers = quals.to_owned();
    if !valid.is_empty() {
        if single_soc {
            let soc = scalar(get(&socs[0].value, "name")).unwrap_or_default();
            if qualifiers.is_empty() {
                qualifiers = format!("/{soc}");
            } else if let Some(rest) = qualifiers.strip_prefix("//") {
                qualifiers = format!("/{soc}/{rest}");
            }
        }
        if !valid.iter().any(|q| format!("/{q}") == qualifiers) {
            return Err(Error::BadBoard {
                board: board.to_owned(),
                message: format!(
                    "qualifiers '{qualifiers}' not found; valid board targets: {}",
                    valid
                        .iter()
                        .map(|q| format!("{name}/{q}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
    }

    let revision = check_revision(board, name, revision, get(&b, "revision"), &dir)?;
    Ok(BoardTarget {
        name: name.to_owned(),
        qualifiers,
        revision,
        dirs: vec![dir],
        single_soc,
    })
}

/// Zephyr's `board_check_revision`: the default when none is given, the
/// format checked, and the given revision or the nearest lower valid one
/// (unless `exact`).
fn check_revision(
    board: &str,
    name: &str,
    given: Option<&str>,
    spec: Option<&Value>,
    dir: &Path,
) -> Result<Option<String>, Error> {
    let bad = |message: String| Error::BadBoard {
        board: board.to_owned(),
        message,
    };
    let format = spec.and_then(|s| scalar(get(s, "format")));
    let Some(format) = format else {
        return match given {
            Some(r) => Err(bad(format!(
                "invalid board revision {r}: board '{name}' defines no revisions"
            ))),
            None => Ok(None),
        };
    };
    let spec = spec.unwrap_or(&Value::Null);
    if format == "custom" {
        // revision.cmake decides; the given revision is taken as is.
        return Ok(given.map(str::to_owned));
    }
    let rev = match given
        .map(str::to_owned)
        .or_else(|| scalar(get(spec, "default")))
    {
        Some(r) => r,
        None => {
            return Err(bad(format!(
                "board '{name}' requires a revision: use {name}@<revision>"
            )))
        }
    };
    let exact = matches!(get(spec, "exact"), Some(Value::Bool(true)));
    let mut valid: Vec<String> = seq(get(spec, "revisions"))
        .iter()
        .filter_map(|r| scalar(get(&r.value, "name")))
        .collect();
    let upper = format.to_ascii_uppercase();
    let rev = match upper.as_str() {
        "LETTER" if rev.len() == 1 && rev.as_bytes()[0].is_ascii_uppercase() => rev,
        "NUMBER" if !rev.is_empty() && rev.bytes().all(|c| c.is_ascii_digit()) => rev,
        "MAJOR.MINOR.PATCH" => {
            let parts: Vec<&str> = rev.split('.').collect();
            if parts.len() > 3
                || parts
                    .iter()
                    .any(|p| p.is_empty() || !p.bytes().all(|c| c.is_ascii_digit()))
            {
                return Err(bad(format!(
                    "invalid revision '{rev}': expected MAJOR.MINOR.PATCH"
                )));
            }
            let mut p: Vec<String> = parts.iter().map(|s| s.to_string()).collect();
            while p.len() < 3 {
                p.push("0".into());
            }
            p.join(".")
        }
        _ => {
            return Err(bad(format!(
                "invalid revision '{rev}': board '{name}' uses revision format {format}"
            )))
        }
    };
    if valid.is_empty() {
        // Revisions are the `<board>_<rev>.conf` files in the board directory.
        if let Ok(rd) = std::fs::read_dir(dir) {
            let prefix = format!("{name}_");
            for e in rd.filter_map(|e| e.ok()) {
                let f = e.file_name().to_string_lossy().into_owned();
                if let Some(r) = f
                    .strip_prefix(&prefix)
                    .and_then(|r| r.strip_suffix(".conf"))
                {
                    valid.push(r.replace('_', "."));
                }
            }
        }
    }
    if valid.contains(&rev) {
        return Ok(Some(rev));
    }
    let key = |r: &str| -> Vec<u64> { r.split('.').map(|p| p.parse().unwrap_or(0)).collect() };
    let lower = |a: &str, b: &str| -> bool {
        if upper == "LETTER" {
            a < b
        } else {
            key(a) < key(b)
        }
    };
    let mut active: Option<&String> = None;
    if !exact {
        for t in &valid {
            let ok = if upper == "MAJOR.MINOR.PATCH" {
                !lower(&rev, t)
            } else {
                lower(t, &rev)
            };
            if ok && active.is_none_or(|a| !lower(t, a)) {
                active = Some(t);
            }
        }
    }
    match active {
        Some(a) => Ok(Some(a.clone())),
        None => Err(bad(format!(
            "board revision '{rev}' not found; valid revisions: {}",
            valid.join(", ")
        ))),
    }
}

/// The architectures Zephyr knows (`arch/archs.yml` under each arch
/// root), in the order `pre_dt.cmake` adds their `dts/<arch>` directories.
///
/// Zephyr adds every architecture's directory, not only the board's: the
/// board's architecture comes from Kconfig, which runs after the
/// devicetree. `hwm_v2.cmake` reads `list_hardware.py`'s output from the
/// last line up, so the order is the reverse of the roots' and files'.
pub fn arch_names(arch_roots: &[PathBuf]) -> Result<Vec<String>, Error> {
    let mut names = Vec::new();
    let mut seen = Vec::new();
    for root in arch_roots {
        if seen.contains(root) {
            continue;
        }
        seen.push(root.clone());
        let f = root.join("arch/archs.yml");
        if !f.is_file() {
            continue;
        }
        let y = read_yaml(&f)?;
        for a in seq(get(&y.value, "archs")) {
            if let Some(n) = scalar(get(&a.value, "name")) {
                names.push(n);
            }
        }
    }
    names.reverse();
    Ok(names)
}
