//! Search over every defined symbol by name, prompt and help text.
//!
//! The index holds each symbol's fields lower-cased once, so a query (one
//! per keystroke in the UI) is a few substring scans per symbol: on
//! Zephyr's 22,000 symbols well under a frame (see `benches/menu_search.rs`).

use crate::ast::NodeId;
use crate::eval::Config;
use crate::symbol::SymId;

/// One searchable symbol.
#[derive(Debug, Clone)]
pub struct SearchEntry {
    /// The symbol.
    pub sym: SymId,
    /// The node a jump lands on (its first node with a prompt, else its
    /// first definition).
    pub node: NodeId,
    /// Its name.
    pub name: String,
    /// Its first prompt ("" without one).
    pub prompt: String,
    name_lc: String,
    prompt_lc: String,
    help_lc: String,
}

/// The symbols of a tree, ready to be searched.
#[derive(Debug, Clone, Default)]
pub struct SearchIndex {
    /// Entries in definition order.
    pub entries: Vec<SearchEntry>,
}

impl SearchIndex {
    /// Indexes every defined symbol of `cfg`'s tree.
    pub fn new(cfg: &Config<'_>) -> Self {
        let kc = cfg.kconfig();
        let mut entries = Vec::new();
        for &s in cfg.unique_defined_symbols() {
            let nodes = cfg.definition_nodes(s);
            let Some(&first) = nodes.first() else {
                continue;
            };
            let with_prompt = nodes.iter().copied().find(|n| kc.node(*n).prompt.is_some());
            let node = with_prompt.unwrap_or(first);
            let prompt = with_prompt
                .and_then(|n| kc.node(n).prompt.as_ref())
                .map(|p| p.text.clone())
                .unwrap_or_default();
            let help = nodes
                .iter()
                .find_map(|n| kc.node(*n).help.as_deref())
                .unwrap_or("");
            let name = kc.symbols.name(s).to_string();
            entries.push(SearchEntry {
                sym: s,
                node,
                name_lc: name.to_lowercase(),
                prompt_lc: prompt.to_lowercase(),
                help_lc: help.to_lowercase(),
                name,
                prompt,
            });
        }
        SearchIndex { entries }
    }

    /// Indices of the entries matching every word of `query` (case
    /// insensitive, a `CONFIG_` prefix ignored) in the name, prompt or
    /// help text: exact names first, then names starting with the query,
    /// names containing it, prompts, and help texts; definition order
    /// within each group. An empty query matches nothing.
    pub fn search(&self, query: &str) -> Vec<usize> {
        let q = query.trim().to_lowercase();
        let q = q.strip_prefix("config_").unwrap_or(&q);
        let words: Vec<&str> = q.split_whitespace().collect();
        if words.is_empty() {
            return Vec::new();
        }
        let finders: Vec<memchr::memmem::Finder<'_>> =
            words.iter().map(memchr::memmem::Finder::new).collect();
        let mut ranked: [Vec<usize>; 5] = Default::default();
        for (i, e) in self.entries.iter().enumerate() {
            let all = finders.iter().all(|f| {
                f.find(e.name_lc.as_bytes()).is_some()
                    || f.find(e.prompt_lc.as_bytes()).is_some()
                    || f.find(e.help_lc.as_bytes()).is_some()
            });
            if !all {
                continue;
            }
            let rank = if words.len() == 1 && e.name_lc == words[0] {
                0
            } else if words.len() == 1 && e.name_lc.starts_with(words[0]) {
                1
            } else if finders
                .iter()
                .all(|f| f.find(e.name_lc.as_bytes()).is_some())
            {
                2
            } else if finders
                .iter()
                .all(|f| f.find(e.prompt_lc.as_bytes()).is_some())
            {
                3
            } else {
                4
            };
            ranked[rank].push(i);
        }
        ranked.concat()
    }
}
