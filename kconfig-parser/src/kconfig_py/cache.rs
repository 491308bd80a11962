//! The cache of kconfig.py runs: a re-run with unchanged inputs prints
//! and writes what the full run did without loading the tree again.
//!
//! Zephyr's CMake runs kconfig.py at every configure, with the previous
//! `.config` as input once the first configure is done. One file beside
//! the sources list holds:
//!
//! * the **tree key**: a digest of this program's identity, the working
//!   directory, the root Kconfig file, `--zephyr-base`, the whole
//!   environment, the devicetree (the contents of `zephyr.dts` and of
//!   `edt.pickle`, which the devicetree step writes from the DTS and every
//!   binding, and the DTS roots) and the caller's fingerprint of its
//!   functions;
//! * what the tree was read from: every Kconfig file (path, status, content
//!   digest), the status of every directory a `source` glob read, and every
//!   optional source that was missing;
//! * the sources list, and **results**: per run key (a digest of the flags,
//!   the output names and the configuration files' names and contents),
//!   the output printed before the writes, `.config` and `autoconf.h`.
//!
//! A run is answered from the cache only when the tree key and a run key
//! match and everything the tree was read from is as recorded: a Kconfig
//! file whose status changed is read and its digest compared (a `touch`
//! costs a read, a changed byte a full run); a directory a glob read must
//! have the same status (adding, removing or renaming an entry changes it);
//! a missing optional source must still be missing. Files and directories
//! changed less than two seconds before the run started are always read
//! back or globbed again (a later change could keep the same times).
//!
//! A binding edited after the devicetree step, without that step running
//! again, is not seen: kconfig.py does not see it either (it answers from
//! the pickle).
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
pub const FILE_NAME: &str = "kconfig-zephyr.cache";

/// Format version (also in the file's first bytes): part of the key.
const VERSION: u32 = 2;

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
                // The devicetree step (gen_edt.py) writes the pickle from
                // the DTS and every binding at each configure: its contents
                // change whenever a binding change can change an answer.
                let pickle = std::fs::read(&d.pickle)
                    .map_err(|e| format!("cannot read {}: {e}", d.pickle.display()))?;
                t.field(&pickle);
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

    /// Changed less than two seconds before `racy` (a later change may
    /// keep the same times).
    fn is_racy(&self, racy: (i64, i64)) -> bool {
        self.mtime >= racy || self.ctime >= racy
    }
}

/// One thing to check before a cached answer is used.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Check {
    /// A Kconfig file: same status, or else the same content digest.
    File {
        path: String,
        stat: Option<Stat>,
        digest: String,
    },
    /// A directory (or a missing optional source) whose status must be the
    /// same: `None`, it must still be missing.
    Status {
        path: String,
        stat: Option<Stat>,
        follow: bool,
    },
    /// A glob that must still match the same paths (a directory it reads
    /// changed too recently for its status to be trusted).
    Glob {
        pattern: String,
        matches: Vec<String>,
    },
}

impl Check {
    fn holds(&self, dirs: &mut crate::glob::DirCache) -> bool {
        match self {
            Check::File {
                path,
                stat,
                digest: d,
            } => {
                let Ok(m) = std::fs::metadata(path) else {
                    return false;
                };
                if stat.is_some_and(|s| s == Stat::of(&m)) {
                    return true;
                }
                std::fs::read(path).is_ok_and(|b| digest(&b) == *d)
            }
            Check::Status { path, stat, follow } => {
                let m = if *follow {
                    std::fs::metadata(path)
                } else {
                    std::fs::symlink_metadata(path)
                };
                match (m, stat) {
                    (Ok(m), Some(s)) => Stat::of(&m) == *s,
                    (Err(e), None) => e.kind() == std::io::ErrorKind::NotFound,
                    _ => false,
                }
            }
            Check::Glob { pattern, matches } => {
                let mut m = crate::glob::glob_cached(pattern, dirs);
                m.sort();
                m == *matches
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct ResultEntry {
    run: String,
    output: Vec<(Stream, String)>,
    config: String,
    autoconf: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct CacheFile {
    tree: String,
    checks: Vec<Check>,
    sources: String,
    results: Vec<ResultEntry>,
}

/// The file's first bytes: name and format version.
const MAGIC: &[u8; 8] = b"KZCACHE2";

/// A small binary encoding (the cache is read on every re-run: decoding
/// must cost well under a millisecond).
struct Enc(Vec<u8>);

impl Enc {
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn str(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }
    fn stat(&mut self, s: &Option<Stat>) {
        match s {
            None => self.0.push(0),
            Some(s) => {
                self.0.push(1);
                for v in [s.dev, s.ino, s.size] {
                    self.u64(v);
                }
                for v in [s.mtime.0, s.mtime.1, s.ctime.0, s.ctime.1] {
                    self.u64(v as u64);
                }
            }
        }
    }
}

struct Dec<'a>(&'a [u8]);

impl<'a> Dec<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u64(&mut self) -> Option<u64> {
        self.take(8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes)
    }
    fn len(&mut self) -> Option<usize> {
        usize::try_from(self.u64()?)
            .ok()
            .filter(|&n| n <= self.0.len())
    }
    fn str(&mut self) -> Option<String> {
        let n = self.len()?;
        std::str::from_utf8(self.take(n)?).ok().map(str::to_string)
    }
    fn stat(&mut self) -> Option<Option<Stat>> {
        match self.u8()? {
            0 => Some(None),
            _ => {
                let (dev, ino, size) = (self.u64()?, self.u64()?, self.u64()?);
                let mut t = [0i64; 4];
                for v in t.iter_mut() {
                    *v = self.u64()? as i64;
                }
                Some(Some(Stat {
                    dev,
                    ino,
                    size,
                    mtime: (t[0], t[1]),
                    ctime: (t[2], t[3]),
                }))
            }
        }
    }
}

impl CacheFile {
    fn encode(&self) -> Vec<u8> {
        let mut e = Enc(MAGIC.to_vec());
        e.str(&self.tree);
        e.u64(self.checks.len() as u64);
        for c in &self.checks {
            match c {
                Check::File { path, stat, digest } => {
                    e.0.push(0);
                    e.str(path);
                    e.stat(stat);
                    e.str(digest);
                }
                Check::Status { path, stat, follow } => {
                    e.0.push(1 + *follow as u8);
                    e.str(path);
                    e.stat(stat);
                }
                Check::Glob { pattern, matches } => {
                    e.0.push(3);
                    e.str(pattern);
                    e.u64(matches.len() as u64);
                    for m in matches {
                        e.str(m);
                    }
                }
            }
        }
        e.str(&self.sources);
        e.u64(self.results.len() as u64);
        for r in &self.results {
            e.str(&r.run);
            e.u64(r.output.len() as u64);
            for (s, t) in &r.output {
                e.0.push(matches!(s, Stream::Stderr) as u8);
                e.str(t);
            }
            e.str(&r.config);
            e.str(&r.autoconf);
        }
        e.0
    }

    fn decode(bytes: &[u8]) -> Option<CacheFile> {
        let mut d = Dec(bytes.strip_prefix(MAGIC.as_slice())?);
        let tree = d.str()?;
        let n = d.len()?;
        let mut checks = Vec::with_capacity(n);
        for _ in 0..n {
            checks.push(match d.u8()? {
                0 => Check::File {
                    path: d.str()?,
                    stat: d.stat()?,
                    digest: d.str()?,
                },
                k @ (1 | 2) => Check::Status {
                    path: d.str()?,
                    stat: d.stat()?,
                    follow: k == 2,
                },
                3 => {
                    let pattern = d.str()?;
                    let m = d.len()?;
                    let mut matches = Vec::with_capacity(m);
                    for _ in 0..m {
                        matches.push(d.str()?);
                    }
                    Check::Glob { pattern, matches }
                }
                _ => return None,
            });
        }
        let sources = d.str()?;
        let n = d.len()?;
        let mut results = Vec::with_capacity(n);
        for _ in 0..n {
            let run = d.str()?;
            let m = d.len()?;
            let mut output = Vec::with_capacity(m);
            for _ in 0..m {
                let s = if d.u8()? == 0 {
                    Stream::Stdout
                } else {
                    Stream::Stderr
                };
                output.push((s, d.str()?));
            }
            results.push(ResultEntry {
                run,
                output,
                config: d.str()?,
                autoconf: d.str()?,
            });
        }
        d.0.is_empty().then_some(CacheFile {
            tree,
            checks,
            sources,
            results,
        })
    }
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
    let bytes = std::fs::read(path).ok()?;
    let file = CacheFile::decode(&bytes)?;
    if file.tree != key.tree {
        return None;
    }
    let result = file.results.into_iter().find(|r| r.run == key.run)?;
    // About 4,500 status checks on Zephyr: on two threads.
    let (a, b) = file.checks.split_at(file.checks.len() / 2);
    let all = |c: &[Check]| {
        let mut dirs = crate::glob::DirCache::default();
        c.iter().all(|c| c.holds(&mut dirs))
    };
    let ok = std::thread::scope(|s| {
        let h = s.spawn(|| all(a));
        let rb = all(b);
        h.join().unwrap_or(false) && rb
    });
    ok.then_some(Hit {
        output: result.output,
        texts: Texts {
            config: result.config,
            autoconf: result.autoconf,
            sources: file.sources,
        },
    })
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

/// What a loaded tree was read from, as the cache checks it.
pub struct TreeRecord(Vec<Check>);

/// Describes what `kc` was read from (file status and digests, the
/// directories its globs read). `None` when the tree cannot be described
/// (a file's text is missing, a glob matches differently now: the tree is
/// stale already). Independent of the results, so it can run while the
/// next run is evaluated.
pub fn describe(kc: &Kconfig, started: std::time::SystemTime) -> Option<TreeRecord> {
    // Files changed within two seconds of the run's start may change again
    // within the same timestamp tick: they are always read back.
    let racy = started
        .checked_sub(std::time::Duration::from_secs(2))
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| (d.as_secs() as i64, d.subsec_nanos() as i64))
        .unwrap_or((i64::MAX, 0));
    let mut checks = Vec::with_capacity(kc.files.len() + 1000);
    for (i, f) in kc.files.iter().enumerate() {
        let text = kc.file_text(i)?;
        let stat = std::fs::metadata(&f.path)
            .ok()
            .map(|m| Stat::of(&m))
            .filter(|s| !s.is_racy(racy));
        checks.push(Check::File {
            path: f.path.to_string_lossy().into_owned(),
            stat,
            digest: digest(text.as_bytes()),
        });
    }
    let mut dirs_cache = crate::glob::DirCache::default();
    let mut dirs: Vec<String> = Vec::new();
    for p in &kc.probes {
        if !p.glob {
            checks.push(Check::Status {
                path: p.pattern.clone(),
                stat: None,
                follow: true,
            });
            continue;
        }
        let mut mine = Vec::new();
        let mut m = crate::glob::glob_watched(&p.pattern, &mut dirs_cache, &mut mine);
        m.sort();
        if m != p.matches {
            // Changed since the tree was read: this tree is stale already.
            return None;
        }
        let racy_dir = mine
            .iter()
            .any(|d| std::fs::metadata(d).is_ok_and(|m| Stat::of(&m).is_racy(racy)));
        if racy_dir {
            checks.push(Check::Glob {
                pattern: p.pattern.clone(),
                matches: m,
            });
        } else {
            dirs.extend(mine);
        }
    }
    dirs.sort();
    dirs.dedup();
    for d in dirs {
        let stat = std::fs::metadata(&d).ok().map(|m| Stat::of(&m));
        checks.push(Check::Status {
            path: d,
            stat,
            follow: true,
        });
    }
    Some(TreeRecord(checks))
}

/// Writes the cache for a tree and its results (atomically; a failure
/// leaves no partial file).
pub fn store(path: &Path, tree: TreeRecord, results: &[Stored<'_>]) -> std::io::Result<()> {
    let Some(first) = results.first() else {
        return Ok(());
    };
    let file = CacheFile {
        tree: first.key.tree.clone(),
        checks: tree.0,
        sources: first.texts.sources.clone(),
        results: results
            .iter()
            .filter(|r| r.key.tree == first.key.tree && r.texts.sources == first.texts.sources)
            .map(|r| ResultEntry {
                run: r.key.run.clone(),
                output: r.output.to_vec(),
                config: r.texts.config.clone(),
                autoconf: r.texts.autoconf.clone(),
            })
            .collect(),
    };
    crate::output::write_atomic(path, &file.encode())
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
