//! The ordered string-keyed map behind YAML mappings ([`crate::yaml::Map`]).
//!
//! Almost every mapping the Partition Manager handles is tiny (a partition entry has up to
//! about eight keys, `placement` two or three, `align` one), and a large layout has tens of
//! thousands of them. A hash map costs a separate index allocation and a hash per lookup
//! for each of them; here the entries are one vector searched linearly, and only a mapping
//! that grows past `INDEX_FROM` entries (the top level of a layout) gets a hash index.
//! The interface follows `indexmap::IndexMap` (insertion order, in-place replacement,
//! `shift_remove`), so callers can rely on the same order semantics.

use crate::yaml::{Fnv, Value};
use hashbrown::HashTable;
use std::hash::Hasher as _;

/// Mappings with more entries than this get a hash index.
const INDEX_FROM: usize = 16;

fn hash_key(k: &str) -> u64 {
    let mut h = Fnv::default();
    h.write(k.as_bytes());
    h.write_u8(0xff);
    h.finish()
}

/// An ordered map from strings to YAML values. Create one with `Map::default()`.
#[derive(Default)]
pub struct Map {
    entries: Vec<(String, Value)>,
    /// Positions in `entries`, present once the map has more than [`INDEX_FROM`] entries.
    index: Option<Box<HashTable<usize>>>,
}

impl Clone for Map {
    fn clone(&self) -> Map {
        Map {
            entries: self.entries.clone(),
            index: self.index.clone(),
        }
    }
}

impl std::fmt::Debug for Map {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

type Pair = (String, Value);
type RefPair<'a> = (&'a String, &'a Value);
type MutPair<'a> = (&'a String, &'a mut Value);

/// Iterator over `(&key, &value)` in order.
pub type Iter<'a> = std::iter::Map<std::slice::Iter<'a, Pair>, fn(&'a Pair) -> RefPair<'a>>;
/// Iterator over `(&key, &mut value)` in order.
pub type IterMut<'a> =
    std::iter::Map<std::slice::IterMut<'a, Pair>, fn(&'a mut Pair) -> MutPair<'a>>;

impl Map {
    /// An empty map with room for `n` entries.
    pub fn with_capacity(n: usize) -> Map {
        let mut m = Map {
            entries: Vec::with_capacity(n),
            index: None,
        };
        if n > INDEX_FROM {
            m.index = Some(Box::new(HashTable::with_capacity(n)));
        }
        m
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Reserve room for `n` more entries.
    pub fn reserve(&mut self, n: usize) {
        self.entries.reserve(n);
        if let Some(ix) = &mut self.index {
            let entries = &self.entries;
            ix.reserve(n, |&i| hash_key(&entries[i].0));
        } else if self.entries.len() + n > INDEX_FROM {
            self.build_index(self.entries.len() + n);
        }
    }

    fn build_index(&mut self, capacity: usize) {
        let mut ix = HashTable::with_capacity(capacity);
        for (i, (k, _)) in self.entries.iter().enumerate() {
            let entries = &self.entries;
            ix.insert_unique(hash_key(k), i, |&j| hash_key(&entries[j].0));
        }
        self.index = Some(Box::new(ix));
    }

    /// Release unused capacity (parsed mappings that will not grow).
    pub fn shrink_to_fit(&mut self) {
        self.entries.shrink_to_fit();
    }

    /// Position of `key`.
    pub fn get_index_of(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(ix) => ix
                .find(hash_key(key), |&i| self.entries[i].0 == key)
                .copied(),
            None => {
                // Length and first byte rule out most keys without a call to memcmp.
                let first = key.as_bytes().first();
                self.entries.iter().position(|(k, _)| {
                    k.len() == key.len() && k.as_bytes().first() == first && k == key
                })
            }
        }
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.get_index_of(key).map(|i| &self.entries[i].1)
    }

    /// The value of `key`, mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.get_index_of(key).map(|i| &mut self.entries[i].1)
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get_index_of(key).is_some()
    }

    /// Insert or replace: a new key goes last, an existing key keeps its position and its
    /// old value is returned.
    pub fn insert(&mut self, key: String, value: Value) -> Option<Value> {
        if let Some(i) = self.get_index_of(&key) {
            return Some(std::mem::replace(&mut self.entries[i].1, value));
        }
        let i = self.entries.len();
        match &mut self.index {
            Some(ix) => {
                let entries = &self.entries;
                ix.insert_unique(hash_key(&key), i, |&j| hash_key(&entries[j].0));
                self.entries.push((key, value));
            }
            None => {
                self.entries.push((key, value));
                if self.entries.len() > INDEX_FROM {
                    self.build_index(self.entries.capacity());
                }
            }
        }
        None
    }

    /// The value of `key`, inserting `f()` first if it is missing.
    pub fn get_or_insert_with(&mut self, key: &str, f: impl FnOnce() -> Value) -> &mut Value {
        let i = match self.get_index_of(key) {
            Some(i) => i,
            None => {
                self.insert(key.to_string(), f());
                self.entries.len() - 1
            }
        };
        &mut self.entries[i].1
    }

    /// Remove `key`, keeping the order of the others; returns its value.
    pub fn shift_remove(&mut self, key: &str) -> Option<Value> {
        let i = self.get_index_of(key)?;
        let (_, v) = self.entries.remove(i);
        if self.index.is_some() {
            self.index = None;
            if self.entries.len() > INDEX_FROM {
                self.build_index(self.entries.len());
            }
        }
        Some(v)
    }

    /// Keep only the entries for which `keep` is true, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(&String, &mut Value) -> bool) {
        let before = self.entries.len();
        self.entries.retain_mut(|(k, v)| keep(k, v));
        if self.entries.len() != before && self.index.is_some() {
            self.index = None;
            if self.entries.len() > INDEX_FROM {
                self.build_index(self.entries.len());
            }
        }
    }

    /// Entries in order.
    pub fn iter(&self) -> Iter<'_> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// Entries in order, values mutable.
    pub fn iter_mut(&mut self) -> IterMut<'_> {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    /// Keys in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &String> + ExactSizeIterator {
        self.entries.iter().map(|(k, _)| k)
    }

    /// Values in order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Value> + ExactSizeIterator {
        self.entries.iter().map(|(_, v)| v)
    }

    /// Values in order, mutably.
    pub fn values_mut(
        &mut self,
    ) -> impl DoubleEndedIterator<Item = &mut Value> + ExactSizeIterator {
        self.entries.iter_mut().map(|(_, v)| v)
    }

    /// The entry at position `i`.
    pub fn get_index(&self, i: usize) -> Option<(&String, &Value)> {
        self.entries.get(i).map(|(k, v)| (k, v))
    }
}

impl std::ops::Index<&str> for Map {
    type Output = Value;
    /// The value of `key`; panics when it is missing (use [`Map::get`] otherwise).
    fn index(&self, key: &str) -> &Value {
        self.get(key).expect("key not in map")
    }
}

impl std::ops::Index<&String> for Map {
    type Output = Value;
    fn index(&self, key: &String) -> &Value {
        &self[key.as_str()]
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a String, &'a Value);
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &'a mut Map {
    type Item = (&'a String, &'a mut Value);
    type IntoIter = IterMut<'a>;
    fn into_iter(self) -> IterMut<'a> {
        self.iter_mut()
    }
}

impl IntoIterator for Map {
    type Item = (String, Value);
    type IntoIter = std::vec::IntoIter<(String, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl Extend<(String, Value)> for Map {
    fn extend<I: IntoIterator<Item = (String, Value)>>(&mut self, iter: I) {
        let iter = iter.into_iter();
        self.reserve(iter.size_hint().0);
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl FromIterator<(String, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Map {
        let mut m = Map::default();
        m.extend(iter);
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u8, i64),
        Remove(u8),
        Retain(u8),
        GetOrInsert(u8, i64),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (0u8..48, any::<i64>()).prop_map(|(k, v)| Op::Insert(k, v)),
            2 => (0u8..48).prop_map(Op::Remove),
            1 => (2u8..7).prop_map(Op::Retain),
            1 => (0u8..48, any::<i64>()).prop_map(|(k, v)| Op::GetOrInsert(k, v)),
        ]
    }

    proptest! {
        /// Agrees with `indexmap::IndexMap` (the map it replaces) on order, values and
        /// lookups, below and above the size where the hash index is built.
        #[test]
        fn agrees_with_indexmap(ops in proptest::collection::vec(op(), 0..200)) {
            let mut m = Map::default();
            let mut model: indexmap::IndexMap<String, Value> = indexmap::IndexMap::new();
            for o in ops {
                match o {
                    Op::Insert(k, v) => {
                        let k = format!("k{k}");
                        prop_assert_eq!(
                            m.insert(k.clone(), Value::Int(v.into())),
                            model.insert(k, Value::Int(v.into()))
                        );
                    }
                    Op::Remove(k) => {
                        let k = format!("k{k}");
                        prop_assert_eq!(m.shift_remove(&k), model.shift_remove(&k));
                    }
                    Op::Retain(d) => {
                        let keep = |k: &String| !k.len().is_multiple_of(usize::from(d)) || k.ends_with('1');
                        m.retain(|k, _| keep(k));
                        model.retain(|k, _| keep(k));
                    }
                    Op::GetOrInsert(k, v) => {
                        let k = format!("k{k}");
                        let a = m.get_or_insert_with(&k, || Value::Int(v.into())).clone();
                        let b = model.entry(k).or_insert_with(|| Value::Int(v.into())).clone();
                        prop_assert_eq!(a, b);
                    }
                }
                prop_assert_eq!(m.len(), model.len());
            }
            let got: Vec<(&String, &Value)> = m.iter().collect();
            let want: Vec<(&String, &Value)> = model.iter().collect();
            prop_assert_eq!(got, want);
            for k in 0u8..48 {
                let k = format!("k{k}");
                prop_assert_eq!(m.get(&k), model.get(&k));
                prop_assert_eq!(m.get_index_of(&k), model.get_index_of(&k));
            }
        }
    }

    #[test]
    fn order_replace_remove_small_and_indexed() {
        for n in [3usize, 40] {
            let mut m = Map::default();
            for i in 0..n {
                assert!(m.insert(format!("k{i}"), Value::Int(i as i128)).is_none());
            }
            assert_eq!(m.insert("k1".into(), Value::Int(-1)), Some(Value::Int(1)));
            assert_eq!(m.get("k1"), Some(&Value::Int(-1)));
            assert_eq!(m.keys().nth(1).map(String::as_str), Some("k1"));
            assert_eq!(m.shift_remove("k0"), Some(Value::Int(0)));
            assert_eq!(m.keys().next().map(String::as_str), Some("k1"));
            assert_eq!(m.len(), n - 1);
            for i in 1..n {
                assert!(m.contains_key(&format!("k{i}")));
            }
            assert!(!m.contains_key("k0"));
            m.retain(|k, _| k != "k2");
            assert!(!m.contains_key("k2") && m.contains_key("k1"));
            assert_eq!(m.len(), n - 2);
        }
    }
}
