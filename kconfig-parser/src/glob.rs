//! Glob patterns of `source` statements, with Python `glob.glob` semantics
//! (what Kconfiglib uses): `*`, `?` and `[…]` match within one path
//! component, names starting with `.` only match a pattern starting with
//! `.`, and a pattern without wildcards matches when the path exists.
//! Callers sort the matches.

use std::path::Path;

/// Whether `s` contains glob wildcards (`*`, `?`, `[`).
pub fn has_magic(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// `fnmatch` of one component (case-sensitive).
pub fn fnmatch(name: &str, pat: &str) -> bool {
    if name.is_ascii() && pat.is_ascii() {
        return fnmatch_units(name.as_bytes(), pat.as_bytes());
    }
    let n: Vec<char> = name.chars().collect();
    let p: Vec<char> = pat.chars().collect();
    fnmatch_units(&n, &p)
}

/// The matcher over bytes (ASCII) or chars.
fn fnmatch_units<T: Copy + PartialEq + PartialOrd + Unit>(n: &[T], p: &[T]) -> bool {
    // Iterative matcher with backtracking on the last '*'.
    let (mut ni, mut pi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() {
            let c = p[pi];
            if c.is('*') {
                star = Some((pi, ni));
                pi += 1;
                continue;
            } else if c.is('?') {
                ni += 1;
                pi += 1;
                continue;
            } else if c.is('[') {
                if let Some((matched, next)) = class_match(p, pi, n[ni]) {
                    if matched {
                        ni += 1;
                        pi = next;
                        continue;
                    }
                } else if n[ni].is('[') {
                    ni += 1;
                    pi += 1;
                    continue;
                }
            } else if c == n[ni] {
                ni += 1;
                pi += 1;
                continue;
            }
        }
        match star {
            Some((sp, sn)) => {
                pi = sp + 1;
                ni = sn + 1;
                star = Some((sp, sn + 1));
            }
            None => return false,
        }
    }
    while pi < p.len() && p[pi].is('*') {
        pi += 1;
    }
    pi == p.len()
}

/// A code unit of a pattern (byte or char).
trait Unit {
    fn is(self, c: char) -> bool;
}

impl Unit for u8 {
    fn is(self, c: char) -> bool {
        self as char == c
    }
}

impl Unit for char {
    fn is(self, c: char) -> bool {
        self == c
    }
}

/// Matches `c` against the class starting at `p[i] == '['`. Returns
/// `(matched, index after the class)`, or None if the class is unterminated
/// (then `[` is literal).
fn class_match<T: Copy + PartialEq + PartialOrd + Unit>(
    p: &[T],
    i: usize,
    c: T,
) -> Option<(bool, usize)> {
    let mut j = i + 1;
    let negate = j < p.len() && p[j].is('!');
    if negate {
        j += 1;
    }
    let start = j;
    let mut matched = false;
    while j < p.len() {
        if p[j].is(']') && j > start {
            return Some((matched != negate, j + 1));
        }
        if j + 2 < p.len() && p[j + 1].is('-') && !p[j + 2].is(']') {
            if p[j] <= c && c <= p[j + 2] {
                matched = true;
            }
            j += 3;
        } else {
            if p[j] == c {
                matched = true;
            }
            j += 1;
        }
    }
    None
}

/// Directory listings made while expanding globs, kept for the rest of a
/// load: Zephyr expands `soc/*/*/Kconfig`, `soc/*/*/Kconfig.soc`,
/// `soc/*/*/Kconfig.defconfig`, … which list the same directories again
/// and again. Reusing a listing gives the same matches as long as the tree
/// does not change during the load (which a load assumes anyway).
#[derive(Debug, Default)]
pub struct DirCache {
    /// UTF-8 entry names per directory path (`None`: not readable).
    dirs: rustc_hash::FxHashMap<String, Option<Vec<String>>>,
}

impl DirCache {
    fn list(&mut self, dir: &str) -> Option<&[String]> {
        if !self.dirs.contains_key(dir) {
            let names = std::fs::read_dir(dir).ok().map(|entries| {
                entries
                    .flatten()
                    .filter_map(|e| e.file_name().into_string().ok())
                    .collect()
            });
            self.dirs.insert(dir.to_string(), names);
        }
        self.dirs.get(dir).and_then(|d| d.as_deref())
    }
}

/// Every existing path matching `pattern` (unsorted).
pub fn glob(pattern: &str) -> Vec<String> {
    glob_cached(pattern, &mut DirCache::default())
}

/// [`glob`], listing each directory at most once per `cache`.
pub fn glob_cached(pattern: &str, cache: &mut DirCache) -> Vec<String> {
    glob_impl(pattern, cache, &mut None)
}

/// [`glob_cached`], also naming every directory whose entries decide the
/// matches (listed, or looked into for a literal name; `.` for a relative
/// pattern's current directory): while none of them changes (a directory's
/// modification time changes whenever an entry is added, removed or
/// renamed), the glob matches the same paths.
pub fn glob_watched(pattern: &str, cache: &mut DirCache, dirs: &mut Vec<String>) -> Vec<String> {
    let mut w = Some(std::mem::take(dirs));
    let out = glob_impl(pattern, cache, &mut w);
    *dirs = w.unwrap_or_default();
    out
}

fn glob_impl(pattern: &str, cache: &mut DirCache, watch: &mut Option<Vec<String>>) -> Vec<String> {
    if !has_magic(pattern) {
        if let Some(w) = watch {
            w.push(match pattern.rfind('/') {
                Some(0) => "/".to_string(),
                Some(p) => pattern[..p].to_string(),
                None => ".".to_string(),
            });
        }
        return if Path::new(pattern).symlink_metadata().is_ok() {
            vec![pattern.to_string()]
        } else {
            Vec::new()
        };
    }
    let (dir, base) = match pattern.rfind('/') {
        Some(p) => (&pattern[..p], &pattern[p + 1..]),
        None => ("", pattern),
    };
    let dirs: Vec<String> = if dir.is_empty() {
        vec![String::new()]
    } else if has_magic(dir) {
        glob_impl(dir, cache, watch)
    } else {
        vec![dir.to_string()]
    };
    let mut out = Vec::new();
    for d in dirs {
        let sep_d = if d.is_empty() && pattern.starts_with('/') {
            "/".to_string()
        } else {
            d.clone()
        };
        if let Some(w) = watch {
            w.push(if sep_d.is_empty() {
                ".".to_string()
            } else {
                sep_d.clone()
            });
        }
        if !has_magic(base) {
            let full = join(&d, base, pattern.starts_with('/'));
            if Path::new(&full).symlink_metadata().is_ok() {
                out.push(full);
            }
            continue;
        }
        let read = if sep_d.is_empty() {
            "."
        } else {
            sep_d.as_str()
        };
        let Some(names) = cache.list(read) else {
            continue;
        };
        for name in names {
            if name.starts_with('.') && !base.starts_with('.') {
                continue;
            }
            if fnmatch(name, base) {
                out.push(join(&d, name, pattern.starts_with('/')));
            }
        }
    }
    out
}

/// `dir/name` (`/name` at the root of an absolute pattern). Built with
/// one exact allocation: `format!` costs about ten times as much here, and
/// Zephyr's globs join thousands of paths per load.
fn join(dir: &str, name: &str, absolute: bool) -> String {
    if dir.is_empty() && !absolute {
        return name.to_string();
    }
    let mut out = String::with_capacity(dir.len() + 1 + name.len());
    out.push_str(dir);
    out.push('/');
    out.push_str(name);
    out
}

#[cfg(test)]
mod tests {
    use super::fnmatch;

    #[test]
    fn fnmatch_basics() {
        assert!(fnmatch("Kconfig.defconfig", "Kconfig.*"));
        assert!(fnmatch("abc", "a?c"));
        assert!(fnmatch("abc", "a[a-c]c"));
        assert!(!fnmatch("abc", "a[!b]c"));
        assert!(fnmatch("a", "*"));
        assert!(!fnmatch("ab", "a"));
        assert!(fnmatch("x_y_z", "*_*_z"));
    }

    /// One listing cache shared by several globs gives each glob the
    /// matches it gets on its own.
    #[test]
    fn shared_dir_cache_matches_fresh_globs() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_str().unwrap();
        for f in [
            "soc/a/x/Kconfig",
            "soc/a/x/Kconfig.soc",
            "soc/a/y/Kconfig.defconfig",
            "soc/b/z/Kconfig",
            "soc/b/.hidden/Kconfig",
            "soc/b/z/.Kconfig",
        ] {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        }
        let mut cache = super::DirCache::default();
        for pat in [
            "soc/*/*/Kconfig",
            "soc/*/*/Kconfig.soc",
            "soc/*/*/Kconfig*",
            "soc/*/*/.K*",
            "soc/*",
            "soc/a/x/Kconfig",
            "soc/missing/*",
        ] {
            let full = format!("{root}/{pat}");
            let mut fresh = super::glob(&full);
            let mut cached = super::glob_cached(&full, &mut cache);
            fresh.sort();
            cached.sort();
            assert_eq!(cached, fresh, "{pat}");
        }
        let mut all = super::glob_cached(&format!("{root}/soc/*/*/Kconfig"), &mut cache);
        all.sort();
        assert_eq!(
            all,
            [
                format!("{root}/soc/a/x/Kconfig"),
                format!("{root}/soc/b/z/Kconfig")
            ]
        );
    }
}
