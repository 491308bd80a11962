//! An index of binding files, kept between runs: for each file its size,
//! modification time and inode, and its own top-level `compatible` when
//! that can be read from its text.
//!
//! Finding the bindings of a tree means looking at every one of the ~3,200
//! files under `dts/bindings` (any file may declare a compatible the tree
//! uses). Opening and reading them all costs about four system calls per
//! file; with an index, a file whose status is unchanged costs one (its
//! status) and is read only when its compatible is used by the tree. A file
//! whose status changed, or that the index does not know, is read and its
//! entry renewed. Like make and ninja, this trusts that a file's content
//! does not change without its size, modification time or inode changing.
//!
//! The index is a cache: a missing, unreadable or malformed index is
//! rebuilt, and failing to write it is not an error. It is written
//! atomically (a temporary file renamed over it) and only when an entry
//! changed.

use rustc_hash::FxHashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

const HEADER: &str = "# devicetree binding index v1: mtime_ns size inode compatible path\n";

/// A file's status as the index records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    mtime_ns: i128,
    size: u64,
    inode: u64,
}

impl Stamp {
    /// The status of `path`, `None` where the platform gives no inode.
    pub(crate) fn of(path: &Path) -> std::io::Result<Option<Stamp>> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let m = std::fs::metadata(path)?;
            Ok(Some(Stamp {
                mtime_ns: i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec()),
                size: m.size(),
                inode: m.ino(),
            }))
        }
        #[cfg(not(unix))]
        {
            let _ = path;
            Ok(None)
        }
    }
}

/// What the index knows of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) stamp: Stamp,
    /// The file's own compatible, `None` when its text does not tell it
    /// with certainty (the file is then searched on every run).
    pub(crate) compatible: Option<String>,
}

/// The index read from disk, and the entries of this run.
#[derive(Debug, Default)]
pub(crate) struct Index {
    old: FxHashMap<PathBuf, Entry>,
}

impl Index {
    /// Reads the index at `path`; an index that is missing or malformed is
    /// empty.
    pub(crate) fn read(path: &Path) -> Index {
        let Ok(text) = std::fs::read_to_string(path) else {
            return Index::default();
        };
        let Some(body) = text.strip_prefix(HEADER) else {
            return Index::default();
        };
        let mut old = FxHashMap::default();
        for line in body.lines() {
            let mut parts = line.splitn(5, ' ');
            let (Some(m), Some(s), Some(i), Some(c), Some(p)) = (
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
            ) else {
                return Index::default();
            };
            let (Ok(mtime_ns), Ok(size), Ok(inode)) = (m.parse(), s.parse(), i.parse()) else {
                return Index::default();
            };
            let compatible = (c != "-").then(|| c.to_string());
            old.insert(
                PathBuf::from(p),
                Entry {
                    stamp: Stamp {
                        mtime_ns,
                        size,
                        inode,
                    },
                    compatible,
                },
            );
        }
        Index { old }
    }

    /// The entry of `path` when its status is still `stamp`.
    pub(crate) fn lookup(&self, path: &Path, stamp: Stamp) -> Option<&Entry> {
        self.old.get(path).filter(|e| e.stamp == stamp)
    }

    /// Writes `entries` (in the order given) to `path` when they differ
    /// from what was read. Errors are ignored: the index is a cache.
    pub(crate) fn save(&self, path: &Path, entries: &[(PathBuf, Entry)]) {
        let unchanged = entries.len() == self.old.len()
            && entries
                .iter()
                .all(|(p, e)| self.old.get(p).is_some_and(|o| o == e));
        if unchanged {
            return;
        }
        let mut text = String::with_capacity(entries.len() * 100 + HEADER.len());
        text.push_str(HEADER);
        for (p, e) in entries {
            let Some(p) = p.to_str().filter(|p| !p.contains('\n')) else {
                continue;
            };
            // A compatible with a blank in it is kept as unknown (the
            // format separates fields by blanks).
            let c = e
                .compatible
                .as_deref()
                .filter(|c| !c.is_empty() && c != &"-" && !c.contains(char::is_whitespace))
                .unwrap_or("-");
            let s = e.stamp;
            text.push_str(&format!("{} {} {} {c} {p}\n", s.mtime_ns, s.size, s.inode));
        }
        let Some(dir) = path.parent() else { return };
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let _ = std::fs::create_dir_all(dir);
        let Ok(mut tmp) = tempfile::NamedTempFile::new_in(dir) else {
            return;
        };
        if tmp.write_all(text.as_bytes()).is_ok() {
            let _ = tmp.persist(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_staleness() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.yaml");
        std::fs::write(&f, "compatible: \"vnd,a\"\n").unwrap();
        let stamp = Stamp::of(&f).unwrap().unwrap();
        let idx_path = dir.path().join("idx");
        let entries = vec![(
            f.clone(),
            Entry {
                stamp,
                compatible: Some("vnd,a".into()),
            },
        )];
        Index::default().save(&idx_path, &entries);
        let idx = Index::read(&idx_path);
        assert_eq!(idx.lookup(&f, stamp), Some(&entries[0].1));
        std::fs::write(&f, "compatible: \"vnd,bb\"\n").unwrap();
        let changed = Stamp::of(&f).unwrap().unwrap();
        assert_ne!(changed, stamp, "a size change shows");
        assert_eq!(idx.lookup(&f, changed), None);
        std::fs::write(&idx_path, "garbage").unwrap();
        assert!(Index::read(&idx_path).old.is_empty());
    }
}
