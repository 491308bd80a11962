//! The cache of kconfig.py runs: a re-run with unchanged inputs prints
//! and writes what the full run did without loading the tree again.
//!
//! Zephyr's CMake runs kconfig.py at every configure, with the previous
//! `.config` as input once the first configure is done. One file beside
//! the sources list holds:
//!
//! * the **tree key**: a digest of this program's identity, the working
//!   directory, the root Kconfig file, `--zephyr-base`, the whole
//!   environment, the devicetree (`zephyr.dts` contents and the bindings
//!   directories) and the caller's fingerprint of its functions;
//! * what the tree was read from: every Kconfig file (path, size, status
//!   change times, content digest), every `source` glob or missing
//!   optional file with what it matched, and the status of every file and
//!   directory under the bindings directories;
//! * **results**: per run key (a digest of the flags, the output names and
//!   the configuration files' names and contents), the output printed
//!   before the writes, and the three texts to write.
//!
//! A run is answered from the cache only when the tree key and a run key
//! match and everything the tree was read from is as recorded: a Kconfig
//! file whose status changed is read and its digest compared (a `touch`
//! costs a read, a changed byte a full run); a glob must match the same
//! files; a bindings file or directory must have the same status. Files
//! changed less than two seconds before the cache was written are always
//! read back (their change time could hide a later change in the same
//! clock tick).
//!
//! Besides the run itself, a full run stores the result of the run CMake
//! makes next (the `.config` just written as the input, with the forced
//! file after it when there is one, without `--handwritten-input-configs`),
//! evaluated then: the first re-run is a hit too.

use super::devicetree_inputs::DevicetreeInputs;
use super::{Args, Stream, Texts};
use crate::ast::Kconfig;
use std::collections::HashMap;
use std::hash::Hasher;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Name of the cache file (in the directory of the sources list).
pub const FILE_NAME: &str = "kconfig-zephyr-cache.json";

/// Format version: a file of another version is ignored.
const VERSION: u32 = 1;

/// A 128-bit digest: two std SipHash streams (fixed keys, so
/// deterministic) fed the same fields after different prefixes. Not a
/// cryptographic hash: it detects changes, it does not resist someone
/// writing Kconfig files to collide on purpose.
struct D {
    a: std::collections::hash_map::DefaultHasher,
    b: std::collections::hash_map::DefaultHasher,
}

impl D {
    fn new() -> D {
        let mut b = std::collections::hash_map::DefaultHasher::new();
        b.write(b"second stream");
        D {
            a: std::collections::hash_map::DefaultHasher::new(),
            b,
        }
    }
    /// Adds a length-prefixed field (so that fields cannot run into each
    /// other).
    fn field(&mut self, bytes: &[u8]) -> &mut D {
        self.a.write_u64(bytes.len() as u64);
        self.a.write(bytes);
        self.b.write_u64(bytes.len() as u64);
        self.b.write(bytes);
        self
    }
    fn hex(&self) -> String {
        format!("{:016x}{:016x}", self.a.finish(), self.b.finish())
    }
}

fn digest(bytes: &[u8]) -> String {
    D::new().field(bytes).hex()
}

/// What identifies the loaded tree (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    tree: String,
    run: String,
}

impl Key {
    /// The keys of a run. Fails when the devicetree cannot be read (the
    /// run then goes on without the cache and reports it).
    pub fn new(
        args: &Args,
        cwd: &Path,
        env: &HashMap<String, String>,
        fragments: &[(String, String)],
        devicetree: Option<&DevicetreeInputs>,
        fingerprint: &str,
    ) -> Result<Key, String> {
        let mut t = D::new();
        t.field(&VERSION.to_le_bytes());
        // This program: another build may decide differently.
        if let Ok(exe) = std::env::current_exe() {
            t.field(exe.as_os_str().as_encoded_bytes());
            if let Ok(m) = std::fs::metadata(&exe) {
                t.field(&m.len().to_le_bytes())
                    .field(&m.mtime().to_le_bytes())
                    .field(&m.mtime_nsec().to_le_bytes());
            }
        }
        t.field(cwd.as_os_str().as_encoded_bytes())
            .field(args.kconfig_file.as_bytes())
            .field(args.zephyr_base.as_deref().unwrap_or("\0").as_bytes())
            .field(fingerprint.as_bytes());
        let mut vars: Vec<(&String, &String)> = env.iter().collect();
        vars.sort();
        t.field(&vars.len().to_le_bytes());
        for (k, v) in vars {
            t.field(k.as_bytes()).field(v.as_bytes());
        }
        match devicetree {
            None => {
                t.field(b"no devicetree");
            }
            Some(d) => {
                let dts = std::fs::read(&d.dts)
                    .map_err(|e| format!("cannot read {}: {e}", d.dts.display()))?;
                t.field(d.dts.as_os_str().as_encoded_bytes()).field(&dts);
                for r in &d.dts_roots {
                    t.field(r.as_os_str().as_encoded_bytes());
                }
            }
        }
        Ok(Key {
            tree: t.hex(),
            run: run_key(args, fragments),
        })
    }
}

fn run_key(args: &Args, fragments: &[(String, String)]) -> String {
    let mut r = D::new();
    r.field(&[
        args.handwritten_input_configs as u8,
        args.forced_input_configs as u8,
    ])
    .field(args.config_out.as_bytes())
    .field(args.header_out.as_bytes())
    .field(args.kconfig_list_out.as_bytes());
    for (name, text) in fragments {
        r.field(name.as_bytes()).field(text.as_bytes());
    }
    r.hex()
}

/// A file's status as far as changes go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Stat {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Stat {
    fn of(m: &std::fs::Metadata) -> Stat {
        Stat {
            dev: m.dev(),
            ino: m.ino(),
            size: m.size(),
            mtime: (m.mtime(), m.mtime_nsec()),
            ctime: (m.ctime(), m.ctime_nsec()),
        }
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct FileEntry {
    path: String,
    /// `None`: changed too recently to trust; always read back.
    stat: Option<Stat>,
    digest: String,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct ProbeEntry {
    pattern: String,
    glob: bool,
    matches: Vec<String>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct ResultEntry {
    run: String,
    output: Vec<(Stream, String)>,
    texts: Texts,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct CacheFile {
    version: u32,
    tree: String,
    files: Vec<FileEntry>,
    probes: Vec<ProbeEntry>,
    /// Files and directories under the bindings directories.
    watched: Vec<(String, Stat)>,
    results: Vec<ResultEntry>,
}

/// A cached answer.
#[derive(Debug, Clone)]
pub struct Hit {
    /// Output printed before the writes.
    pub output: Vec<(Stream, String)>,
    /// Texts to write.
    pub texts: Texts,
}

/// The cached answer for `key`, if the cache at `path` holds one and
/// everything the tree was read from is unchanged.
pub fn lookup(path: &Path, key: &Key) -> Option<Hit> {
    let text = std::fs::read(path).ok()?;
    let file: CacheFile = serde_json::from_slice(&text).ok()?;
    if file.version != VERSION || file.tree != key.tree {
        return None;
    }
    let result = file.results.iter().find(|r| r.run == key.run)?;
    if !files_unchanged(&file.files)
        || !probes_unchanged(&file.probes)
        || !watched_unchanged(&file.watched)
    {
        return None;
    }
    Some(Hit {
        output: result.output.clone(),
        texts: result.texts.clone(),
    })
}

/// Checks the Kconfig files on two threads (a Zephyr tree has ~4,000).
fn files_unchanged(files: &[FileEntry]) -> bool {
    let check = |f: &FileEntry| -> bool {
        let Ok(m) = std::fs::metadata(&f.path) else {
            return false;
        };
        if f.stat.is_some_and(|s| s == Stat::of(&m)) {
            return true;
        }
        std::fs::read(&f.path).is_ok_and(|b| digest(&b) == f.digest)
    };
    let half = files.len() / 2;
    let (a, b) = files.split_at(half);
    std::thread::scope(|s| {
        let h = s.spawn(|| a.iter().all(check));
        let rb = b.iter().all(check);
        h.join().unwrap_or(false) && rb
    })
}

fn probes_unchanged(probes: &[ProbeEntry]) -> bool {
    let mut dirs = crate::glob::DirCache::default();
    probes.iter().all(|p| {
        if p.glob {
            let mut m = crate::glob::glob_cached(&p.pattern, &mut dirs);
            m.sort();
            m == p.matches
        } else {
            // A missing optional source must still be missing.
            matches!(std::fs::metadata(&p.pattern), Err(e) if e.kind() == std::io::ErrorKind::NotFound)
        }
    })
}

fn watched_unchanged(watched: &[(String, Stat)]) -> bool {
    watched.iter().all(|(p, s)| {
        std::fs::symlink_metadata(p).is_ok_and(|m| Stat::of(&m) == *s)
    })
}

/// Every file and directory under the devicetree's bindings directories.
fn watch_bindings(devicetree: Option<&DevicetreeInputs>) -> Vec<(String, Stat)> {
    let mut out = Vec::new();
    let Some(d) = devicetree else {
        return out;
    };
    let mut stack: Vec<std::path::PathBuf> = d.bindings_dirs().collect();
    while let Some(p) = stack.pop() {
        let Ok(m) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        if m.is_dir() {
            if let Ok(rd) = std::fs::read_dir(&p) {
                for e in rd.flatten() {
                    stack.push(e.path());
                }
            }
        }
        out.push((p.to_string_lossy().into_owned(), Stat::of(&m)));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// One result to store: its key, the output before the writes, the texts.
pub struct Stored<'a> {
    /// The run's key.
    pub key: &'a Key,
    /// Output printed before the writes.
    pub output: &'a [(Stream, String)],
    /// The texts written.
    pub texts: &'a Texts,
}

/// Writes the cache for a tree and its results (atomically; a failure
/// leaves no partial file).
pub fn store(
    path: &Path,
    kc: &Kconfig,
    devicetree: Option<&DevicetreeInputs>,
    results: &[Stored<'_>],
    started: std::time::SystemTime,
) -> std::io::Result<()> {
    let Some(first) = results.first() else {
        return Ok(());
    };
    // Files changed within two seconds of the run's start may change again
    // within the same timestamp tick: they are always read back.
    let racy = started
        .checked_sub(std::time::Duration::from_secs(2))
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| (d.as_secs() as i64, d.subsec_nanos() as i64))
        .unwrap_or((i64::MAX, 0));
    let mut files = Vec::with_capacity(kc.files.len());
    for (i, f) in kc.files.iter().enumerate() {
        let Some(text) = kc.file_text(i) else {
            return Ok(());
        };
        let path = f.path.to_string_lossy().into_owned();
        let stat = std::fs::metadata(&f.path)
            .ok()
            .map(|m| Stat::of(&m))
            .filter(|s| s.ctime < racy && s.mtime < racy);
        files.push(FileEntry {
            path,
            stat,
            digest: digest(text.as_bytes()),
        });
    }
    let probes = kc
        .probes
        .iter()
        .map(|p| ProbeEntry {
            pattern: p.pattern.clone(),
            glob: p.glob,
            matches: p.matches.clone(),
        })
        .collect();
    let file = CacheFile {
        version: VERSION,
        tree: first.key.tree.clone(),
        files,
        probes,
        watched: watch_bindings(devicetree),
        results: results
            .iter()
            .filter(|r| r.key.tree == first.key.tree)
            .map(|r| ResultEntry {
                run: r.key.run.clone(),
                output: r.output.to_vec(),
                texts: r.texts.clone(),
            })
            .collect(),
    };
    let text = serde_json::to_vec(&file).map_err(std::io::Error::other)?;
    crate::output::write_atomic(path, &text)
}

/// The run CMake makes after a successful one: the `.config` just written
/// as the input (then the forced file, if any), not handwritten.
pub fn next_run(
    args: &Args,
    fragments: &[(String, String)],
    written_config: &str,
) -> (Args, Vec<(String, String)>) {
    let mut next = args.clone();
    next.handwritten_input_configs = false;
    next.configs_in = vec![args.config_out.clone()];
    let mut next_fragments = vec![(args.config_out.clone(), written_config.to_string())];
    if args.forced_input_configs {
        if let Some(last) = fragments.last() {
            next.configs_in.push(last.0.clone());
            next_fragments.push(last.clone());
        }
    }
    (next, next_fragments)
}

impl Key {
    /// The key of another run on the same tree (see [`next_run`]).
    pub fn for_run(&self, args: &Args, fragments: &[(String, String)]) -> Key {
        Key {
            tree: self.tree.clone(),
            run: run_key(args, fragments),
        }
    }
}
