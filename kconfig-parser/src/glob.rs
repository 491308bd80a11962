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

/// Every existing path matching `pattern` (unsorted).
pub fn glob(pattern: &str) -> Vec<String> {
    if !has_magic(pattern) {
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
        glob(dir)
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
        let Ok(entries) = std::fs::read_dir(read) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name();
            let Some(name) = name.to_str() else { continue };
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

fn join(dir: &str, name: &str, absolute: bool) -> String {
    if dir.is_empty() {
        if absolute {
            format!("/{name}")
        } else {
            name.to_string()
        }
    } else {
        format!("{dir}/{name}")
    }
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
}
