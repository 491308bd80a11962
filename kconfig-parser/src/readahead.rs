//! Reading sourced files ahead of the parser, on a second thread.
//!
//! Why: a Zephyr load opens, reads and closes about 4,300 files and lists
//! hundreds of directories for its globs. Each of those system calls costs
//! about 1.5 µs on a virtual machine, about 20 ms in all: a third of a whole
//! `kconfig gen`. The parser cannot do this work out of order (a `source`
//! is entered where it stands, and macro variables flow from file to file),
//! but it does not have to do it itself: a helper thread walks the same tree
//! in the same depth-first order, guesses each sourced path from the
//! literal `source` lines, the environment and simple variable assignments,
//! and hands over the contents it read and the glob matches it found.
//!
//! What the parser can rely on: [`ReadAhead::take_file`] and
//! [`ReadAhead::take_glob`] return exactly what reading the path or
//! expanding the pattern would return at that moment, or `None` when the
//! helper has not got to it (the parser then does the work itself and
//! hands the text to the helper, which walks on from it without reading the
//! file again). A wrong guess costs one wasted read, never a wrong
//! result, because the parser only ever asks for the paths it resolved
//! itself. The parser never waits for the helper, except for a file the
//! helper is reading at that moment.
//!
//! Side effects: a `$(shell,…)` command (or a host function that is not
//! pure) may write a file that is sourced afterwards. Every such call that
//! returns starts a new epoch ([`ReadAhead::side_effect`]); the helper tags
//! each read and glob with the epoch it started in, and the parser drops
//! results from an earlier epoch and reads again itself.

use std::collections::HashMap;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use rustc_hash::FxHashMap;

use crate::glob::{glob_cached, has_magic, DirCache};
use crate::parser::{decode_text, py_dirname, py_join};

/// Source nesting the helper follows (the parser stops at its own limit).
const MAX_DEPTH: usize = 64;

/// The largest file the helper reads (Zephyr's largest Kconfig file, the
/// generated `Kconfig.dts`, is about 0.4 MiB); the parser reads larger
/// ones itself.
const MAX_GUESS_BYTES: u64 = 16 << 20;

/// A helper thread reading a Kconfig tree ahead of its parser. Dropping it
/// stops the helper and waits for it (at most the one read it is doing).
pub(crate) struct ReadAhead {
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// What the helper starts from: the root file, the `$srctree` prefix the
/// parser joins relative paths to, and the macro environment.
pub(crate) struct Start {
    /// The root file's name as the parser knows it (relative paths of
    /// `rsource` start from its directory).
    pub root_name: String,
    pub root_text: String,
    /// `$srctree` as an absolute path ending in `/`.
    pub prefix: String,
    pub env: HashMap<String, String>,
    /// Preprocessor variables defined before the root file: name, value,
    /// and whether it is recursive (`=`) rather than simple (`:=`).
    pub variables: Vec<(String, String, bool)>,
}

struct Shared {
    state: Mutex<State>,
    /// Signalled when a file the parser waits for is ready.
    ready: Condvar,
    stop: AtomicBool,
    /// Calls with possible side effects the parser has made so far.
    epoch: AtomicU64,
}

#[derive(Default)]
struct State {
    files: FxHashMap<String, FileSlot>,
    globs: FxHashMap<String, Slot<(Vec<String>, u64), ()>>,
    /// The parser waits on `ready`: the helper signals only then (a
    /// signal is a system call).
    waiting: bool,
    /// The helper has ended (normally or not): nothing `Busy` will become
    /// `Ready` any more.
    finished: bool,
}

/// A file: its contents, or once taken by the parser the text it read
/// itself (for the helper to walk on).
type FileSlot = Slot<(io::Result<Arc<String>>, u64), Option<Arc<String>>>;

enum Slot<T, U> {
    /// The helper is reading it now.
    Busy,
    /// What the helper found, with the epoch its read started in.
    Ready(T),
    /// Handed to the parser, or claimed by it before the helper got there
    /// (with the text once the parser has read it, for the helper to walk).
    Taken(U),
}

impl ReadAhead {
    pub(crate) fn start(start: Start) -> Option<ReadAhead> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            ready: Condvar::new(),
            stop: AtomicBool::new(false),
            epoch: AtomicU64::new(0),
        });
        let helper = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("kconfig-readahead".into())
            .spawn(move || {
                let _finish = Finish(&helper);
                Walker::new(&helper, &start).run(&start);
            })
            .ok()?;
        Some(ReadAhead {
            shared,
            thread: Some(thread),
        })
    }

    /// The contents of `path` if the helper has read it or is reading it
    /// now; `None` when the parser must read it itself.
    pub(crate) fn take_file(&self, path: &str) -> Option<io::Result<Arc<String>>> {
        let mut st = self.shared.lock();
        loop {
            let finished = st.finished;
            match st.files.get_mut(path) {
                None => {
                    st.files.insert(path.to_string(), Slot::Taken(None));
                    return None;
                }
                Some(Slot::Taken(_)) => return None,
                Some(slot @ Slot::Ready(_)) => {
                    let Slot::Ready((r, epoch)) = std::mem::replace(slot, Slot::Taken(None)) else {
                        unreachable!()
                    };
                    if epoch != self.shared.epoch.load(Ordering::Relaxed) {
                        return None; // read before a side effect: stale
                    }
                    // Kept for a second `source` of the same file.
                    if let Ok(text) = &r {
                        *slot = Slot::Taken(Some(Arc::clone(text)));
                    }
                    return Some(r);
                }
                Some(Slot::Busy) => {
                    if finished {
                        return None;
                    }
                    st.waiting = true;
                    st = self
                        .shared
                        .ready
                        .wait(st)
                        .unwrap_or_else(|e| e.into_inner());
                }
            }
        }
    }

    /// Gives the helper the text of a file the parser read itself, so
    /// that the helper can walk on from it.
    pub(crate) fn parser_read(&self, path: &str, text: &Arc<String>) {
        if let Some(Slot::Taken(slot @ None)) = self.shared.lock().files.get_mut(path) {
            *slot = Some(Arc::clone(text));
        }
    }

    /// Records that a call with possible side effects returned (the
    /// preprocessor's count, [`crate::macros::Preprocessor::side_effects`]):
    /// what the helper read before is not handed over any more.
    pub(crate) fn side_effect(&self, count: u64) {
        self.shared.epoch.store(count, Ordering::Release);
    }

    /// The sorted matches of `pattern` if the helper has expanded it;
    /// `None` when the parser must expand it itself.
    pub(crate) fn take_glob(&self, pattern: &str) -> Option<Vec<String>> {
        let mut st = self.shared.lock();
        match st.globs.get_mut(pattern) {
            None => {
                st.globs.insert(pattern.to_string(), Slot::Taken(()));
                None
            }
            Some(slot @ Slot::Ready(_)) => match std::mem::replace(slot, Slot::Taken(())) {
                Slot::Ready((m, epoch)) => {
                    (epoch == self.shared.epoch.load(Ordering::Relaxed)).then_some(m)
                }
                _ => unreachable!(),
            },
            Some(_) => None,
        }
    }
}

/// Marks the helper finished when its thread ends, even by a panic, so
/// that the parser never waits for a file the helper will not deliver.
struct Finish<'s>(&'s Shared);

impl Drop for Finish<'_> {
    fn drop(&mut self) {
        let mut st = self.0.lock();
        st.finished = true;
        st.waiting = false;
        self.0.ready.notify_all();
    }
}

impl Drop for ReadAhead {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A `source` line or a variable assignment, in file order.
enum Stmt<'a> {
    Source {
        relative: bool,
        path: &'a str,
    },
    Assign {
        name: &'a str,
        op: Op,
        value: &'a str,
    },
}

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Simple,
    Recursive,
    Append,
}

/// A variable as far as the helper can know it.
enum Var {
    Known {
        value: String,
        recursive: bool,
    },
    /// Assigned from something the helper does not evaluate (a function).
    Unknown,
}

struct Walker<'s> {
    shared: &'s Shared,
    prefix: &'s str,
    env: &'s HashMap<String, String>,
    vars: FxHashMap<String, Var>,
    dirs: DirCache,
    /// The epoch `dirs` was listed in.
    dirs_epoch: u64,
    /// The files being walked, outermost first.
    open: Vec<String>,
}

impl<'s> Walker<'s> {
    fn new(shared: &'s Shared, start: &'s Start) -> Self {
        let vars = start
            .variables
            .iter()
            .map(|(n, v, recursive)| {
                (
                    n.clone(),
                    Var::Known {
                        value: v.clone(),
                        recursive: *recursive,
                    },
                )
            })
            .collect();
        Walker {
            shared,
            prefix: &start.prefix,
            env: &start.env,
            vars,
            dirs: DirCache::default(),
            dirs_epoch: 0,
            open: Vec::new(),
        }
    }

    fn run(mut self, start: &Start) {
        let stmts = scan(&start.root_text);
        self.follow(&start.root_name, &stmts);
    }

    fn stopped(&self) -> bool {
        self.shared.stop.load(Ordering::Relaxed)
    }

    /// Takes the statements of one file in order: assignments update the
    /// helper's variables, sources are read and walked depth first.
    fn follow(&mut self, name: &str, stmts: &[Stmt<'_>]) {
        for stmt in stmts {
            if self.stopped() {
                return;
            }
            match *stmt {
                Stmt::Assign { name, op, value } => self.assign(name, op, value),
                Stmt::Source { relative, path } => {
                    let Some(mut pat) = self.expand(path, 0) else {
                        continue;
                    };
                    if relative {
                        pat = py_join(py_dirname(name), &pat);
                    }
                    let full = py_join(self.prefix, &pat);
                    if has_magic(&full) {
                        for m in self.glob(&full) {
                            if self.stopped() {
                                return;
                            }
                            self.visit(&m);
                        }
                    } else {
                        self.visit(&full);
                    }
                }
            }
        }
    }

    fn assign(&mut self, name: &str, op: Op, value: &str) {
        let var = match op {
            Op::Recursive => Var::Known {
                value: value.to_string(),
                recursive: true,
            },
            Op::Simple => match self.expand(value, 0) {
                Some(v) => Var::Known {
                    value: v,
                    recursive: false,
                },
                None => Var::Unknown,
            },
            Op::Append => {
                let add = self.expand(value, 0);
                match (self.vars.remove(name), add) {
                    (None, Some(v)) => Var::Known {
                        value: v,
                        recursive: false,
                    },
                    (
                        Some(Var::Known {
                            mut value,
                            recursive,
                        }),
                        Some(v),
                    ) => {
                        if !value.is_empty() && !v.is_empty() {
                            value.push(' ');
                        }
                        value.push_str(&v);
                        Var::Known { value, recursive }
                    }
                    _ => Var::Unknown,
                }
            }
        };
        self.vars.insert(name.to_string(), var);
    }

    /// `$(NAME)` references replaced by variables, then the environment;
    /// `None` for anything the helper does not evaluate (functions,
    /// `$NAME`, escapes).
    fn expand(&self, s: &str, depth: usize) -> Option<String> {
        if !s.contains(['$', '\\']) {
            return Some(s.to_string());
        }
        if depth > 8 || s.contains('\\') {
            return None;
        }
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(i) = rest.find('$') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            if !after.starts_with('(') {
                return None;
            }
            let close = after.find(')')?;
            let name = &after[1..close];
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return None;
            }
            match self.vars.get(name) {
                Some(Var::Known {
                    value,
                    recursive: true,
                }) => out.push_str(&self.expand(value, depth + 1)?),
                Some(Var::Known { value, .. }) => out.push_str(value),
                Some(Var::Unknown) => return None,
                None => out.push_str(self.env.get(name).map(String::as_str).unwrap_or("")),
            }
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        Some(out)
    }

    /// Expands a pattern, handing the matches over unless the parser
    /// expanded it first (the helper still needs them to walk on).
    fn glob(&mut self, pattern: &str) -> Vec<String> {
        let publish = {
            let mut st = self.shared.lock();
            match st.globs.get(pattern) {
                Some(_) => false,
                None => {
                    st.globs.insert(pattern.to_string(), Slot::Busy);
                    true
                }
            }
        };
        let epoch = self.shared.epoch.load(Ordering::Acquire);
        if epoch != self.dirs_epoch {
            // Directories listed before a side effect may have changed.
            self.dirs = DirCache::default();
            self.dirs_epoch = epoch;
        }
        let mut matches = glob_cached(pattern, &mut self.dirs);
        matches.sort();
        if publish {
            let mut st = self.shared.lock();
            if let Some(slot) = st.globs.get_mut(pattern) {
                *slot = Slot::Ready((matches.clone(), epoch));
            }
        }
        matches
    }

    /// Reads one file unless the parser or the helper already has, hands
    /// it over, then walks what it sources.
    fn visit(&mut self, path: &str) {
        // A file within itself is the parser's error to report; the
        // helper only must not walk on forever.
        if self.open.len() >= MAX_DEPTH || self.open.iter().any(|p| p == path) {
            return;
        }
        let claimed = {
            let mut st = self.shared.lock();
            match st.files.get(path) {
                None => {
                    st.files.insert(path.to_string(), Slot::Busy);
                    None
                }
                Some(Slot::Taken(text)) => Some(text.clone()),
                // Walked already (a file sourced twice).
                Some(_) => return,
            }
        };
        if let Some(text) = claimed {
            // The parser got there first: walk on from its copy, or from
            // a private read while it is reading the file itself.
            let text = match text {
                Some(t) => t,
                None => match read_guess(path) {
                    Some(Ok(t)) => Arc::new(t),
                    _ => return,
                },
            };
            self.walk(path, &text);
            return;
        }
        let epoch = self.shared.epoch.load(Ordering::Acquire);
        let Some(read) = read_guess(path) else {
            // Not a plain file: the parser reads it itself, if it is
            // sourced at all.
            let mut st = self.shared.lock();
            st.files.remove(path);
            if st.waiting {
                st.waiting = false;
                self.shared.ready.notify_all();
            }
            return;
        };
        let read = read.map(Arc::new);
        let text = read.as_ref().ok().map(Arc::clone);
        {
            let mut st = self.shared.lock();
            if let Some(slot) = st.files.get_mut(path) {
                *slot = Slot::Ready((read, epoch));
            }
            if st.waiting {
                st.waiting = false;
                self.shared.ready.notify_all();
            }
        }
        if let Some(text) = text {
            self.walk(path, &text);
        }
    }

    /// Follows the statements of a file read at `path`.
    fn walk(&mut self, path: &str, text: &str) {
        let name = path.strip_prefix(self.prefix).unwrap_or(path).to_string();
        self.open.push(path.to_string());
        self.follow(&name, &scan(text));
        self.open.pop();
    }
}

/// Reads `path` as the parser would, but only a non-empty regular file of
/// at most [`MAX_GUESS_BYTES`]: the helper also follows paths guessed from lines
/// that are not `source` statements (help text), and must never block on
/// a FIFO or read a device without end. `None` for anything else, which is
/// left to the parser; an error (no such file, no permission) is the same
/// answer the parser would get.
fn read_guess(path: &str) -> Option<io::Result<String>> {
    use std::io::Read;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Opening a FIFO for reading would wait for a writer.
        options.custom_flags(libc::O_NONBLOCK);
    }
    let mut f = match options.open(path) {
        Ok(f) => f,
        Err(e) => return Some(Err(e)),
    };
    let meta = f.metadata().ok()?;
    // Length 0 may be a file whose size is not known in advance (`/proc`).
    if !meta.is_file() || meta.len() == 0 || meta.len() > MAX_GUESS_BYTES {
        return None;
    }
    // The size is known: one exact buffer, read until it is full (a file
    // that grows meanwhile is read as far as it was, like the parser's
    // own read).
    let mut bytes = vec![0u8; meta.len() as usize];
    let mut filled = 0;
    while filled < bytes.len() {
        match f.read(&mut bytes[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Some(Err(e)),
        }
    }
    bytes.truncate(filled);
    Some(Ok(decode_text(bytes)))
}

/// The `source` lines and variable assignments of one file, found line
/// by line without tokenizing. Help text is skipped by the parser's rule
/// (it ends at the first non-blank line indented less than its first
/// line), so that prose is not taken for statements; a line that still
/// looks like one is only a wasted guess.
fn scan(text: &str) -> Vec<Stmt<'_>> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    // In help text: `Some(None)` before its first non-blank line, then
    // `Some(Some(indentation))`.
    let mut help: Option<Option<usize>> = None;
    let mut start = 0;
    while start < bytes.len() {
        let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
        let line = &text[start..end];
        start = end + 1;
        // The first byte that is not a blank, by the same columns as the
        // parser counts help indentation (tabs to multiples of 8).
        let (mut i, mut col) = (0, 0);
        for &b in line.as_bytes() {
            match b {
                b' ' | b'\x0b' | b'\x0c' | b'\r' => col += 1,
                b'\t' => col += 8 - col % 8,
                _ => break,
            }
            i += 1;
        }
        let l = &line[i..];
        if let Some(indent) = help {
            if l.bytes().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            match indent {
                None if col > 0 => {
                    help = Some(Some(col));
                    continue;
                }
                Some(w) if col >= w => continue,
                _ => help = None,
            }
        }
        match l.as_bytes().first() {
            // Only lines starting with a letter can be either statement
            // (most are `config`, type, `depends on` or help lines).
            Some(b) if b.is_ascii_alphabetic() => {
                if l.strip_prefix("help").is_some_and(|r| r.trim().is_empty()) {
                    help = Some(None);
                } else if let Some(stmt) = source_stmt(l).or_else(|| assign_stmt(l)) {
                    out.push(stmt);
                }
            }
            Some(b'-') if l.trim_end().trim_matches('-') == "help" => help = Some(None),
            _ => {}
        }
    }
    out
}

fn source_stmt(l: &str) -> Option<Stmt<'_>> {
    let (relative, rest) = if let Some(r) = l.strip_prefix("source") {
        (false, r)
    } else if let Some(r) = l.strip_prefix("rsource") {
        (true, r)
    } else if let Some(r) = l.strip_prefix("osource") {
        (false, r)
    } else if let Some(r) = l.strip_prefix("orsource") {
        (true, r)
    } else {
        return None;
    };
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    let rest = rest.trim_matches([' ', '\t']);
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let inner = rest[1..].strip_suffix(quote)?;
    if inner.contains(quote) {
        return None;
    }
    Some(Stmt::Source {
        relative,
        path: inner,
    })
}

fn assign_stmt(l: &str) -> Option<Stmt<'_>> {
    let end = l
        .bytes()
        .position(|b| !(b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))?;
    let name = &l[..end];
    if name.is_empty() {
        return None;
    }
    let rest = l[end..].trim_start_matches([' ', '\t']);
    let (op, value) = if let Some(v) = rest.strip_prefix(":=") {
        (Op::Simple, v)
    } else if let Some(v) = rest.strip_prefix("+=") {
        (Op::Append, v)
    } else if let Some(v) = rest.strip_prefix('=') {
        (Op::Recursive, v)
    } else {
        return None;
    };
    Some(Stmt::Assign {
        name,
        op,
        value: value.trim_matches([' ', '\t']),
    })
}
