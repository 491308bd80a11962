//! Per-symbol and per-choice state in the shape of the reference goldens'
//! `symbols.json` / `choices.json` (what `kconfig dump --json` prints).

use crate::ast::{ChoiceId, Type};
use crate::eval::{Config, UserValue};
use crate::symbol::SymId;
use serde::Serialize;
use std::collections::BTreeMap;

/// A user value as JSON: 0/1/2 for bool/tristate, text otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum JsonUserValue {
    /// n/m/y.
    Tri(u8),
    /// Text.
    Str(String),
}

/// The state of one symbol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SymbolInfo {
    /// Effective type ("unknown" when untyped).
    #[serde(rename = "type")]
    pub ty: String,
    /// Declared type.
    pub orig_type: String,
    /// Has a definition.
    pub defined: bool,
    /// `file:line` of every definition.
    pub locations: Vec<String>,
    /// Value as text.
    pub str_value: String,
    /// Value as n/m/y (0/1/2).
    pub tri_value: u8,
    /// User value from configuration files.
    pub user_value: Option<JsonUserValue>,
    /// Visibility (0/1/2).
    pub visibility: u8,
    /// Values a user may set.
    pub assignable: Vec<u8>,
    /// Written to `.config`.
    pub written: bool,
    /// Its `.config` line.
    pub config_string: String,
    /// Member of a choice.
    pub choice: bool,
    /// Direct dependency as Kconfig text.
    pub direct_dep: String,
    /// Names of the symbols selecting it.
    pub selected_by: Vec<String>,
    /// Names of the symbols implying it.
    pub implied_by: Vec<String>,
    /// `option env` variable.
    pub env_var: Option<String>,
}

/// The state of one choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChoiceInfo {
    /// Name of a named choice.
    pub name: Option<String>,
    /// `file:line` of every definition.
    pub locations: Vec<String>,
    /// Effective type.
    #[serde(rename = "type")]
    pub ty: String,
    /// Mode (0/1/2).
    pub mode: u8,
    /// Visibility (0/1/2).
    pub visibility: u8,
    /// Selected member.
    pub selection: Option<String>,
    /// Member the user selected.
    pub user_selection: Option<String>,
    /// Members.
    pub syms: Vec<String>,
}

fn type_name(t: Option<Type>) -> String {
    t.map(|t| t.keyword().to_string())
        .unwrap_or_else(|| "unknown".into())
}

impl Config<'_> {
    /// The state of symbol `s` (serializable: what `kconfig dump --json`
    /// prints per symbol). With [`crate::explain::explain`] it answers "why
    /// does this symbol have this value".
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use kconfig_parser::{explain::explain, load, Config, LoadOptions};
    /// let dir = std::env::temp_dir().join(format!("kconfig-doc-info-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// std::fs::write(
    ///     dir.join("Kconfig"),
    ///     "config A\n\tbool \"A\"\n\tselect B\nconfig B\n\tbool\n\tdepends on C\nconfig C\n\tbool\n",
    /// )?;
    /// let mut opts = LoadOptions::new("Kconfig");
    /// opts.base_dir = Some(dir.clone());
    /// let kc = load(opts)?;
    /// let mut cfg = Config::new(&kc);
    /// let (a, b) = (cfg.lookup("A").unwrap(), cfg.lookup("B").unwrap());
    /// cfg.set_value(a, "y");
    /// let info = cfg.symbol_info(b);
    /// assert_eq!((info.str_value.as_str(), info.visibility), ("y", 0));
    /// assert_eq!(info.selected_by, ["A"]);
    /// assert!(serde_json::to_string(&info)?.contains("\"direct_dep\":\"C\""));
    /// let why = explain(&mut cfg, b);
    /// assert!(why.contains("selected by"), "{why}");
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn symbol_info(&mut self, s: SymId) -> SymbolInfo {
        let kc = self.kconfig();
        let locations: Vec<String> = self
            .definition_nodes(s)
            .iter()
            .map(|n| kc.loc_str(kc.node(*n).loc))
            .collect();
        let str_value = self.sym_str(s).to_string();
        let tri_value = self.sym_tri(s);
        let config_string = self.config_string(s);
        let mut selected_by: Vec<String> = self
            .selectors(s, false)
            .into_iter()
            .map(|x| kc.symbols.name(x).to_string())
            .collect();
        selected_by.sort();
        selected_by.dedup();
        let mut implied_by: Vec<String> = self
            .selectors(s, true)
            .into_iter()
            .map(|x| kc.symbols.name(x).to_string())
            .collect();
        implied_by.sort();
        implied_by.dedup();
        SymbolInfo {
            ty: type_name(self.sym_type_of(s)),
            orig_type: type_name(self.orig_type_of(s)),
            defined: !locations.is_empty(),
            locations,
            str_value,
            tri_value,
            user_value: self.user_value(s).map(|u| match u {
                UserValue::Tri(t) => JsonUserValue::Tri(t),
                UserValue::Str(s) => JsonUserValue::Str(s),
            }),
            visibility: self.sym_visibility(s),
            assignable: self.assignable(s),
            written: !config_string.is_empty(),
            config_string,
            choice: self.choice_of(s).is_some(),
            direct_dep: self.direct_dep_text(s),
            selected_by,
            implied_by,
            env_var: self.env_var_of(s),
        }
    }

    /// Every non-constant symbol by name.
    pub fn dump_symbols(&mut self) -> BTreeMap<String, SymbolInfo> {
        let kc = self.kconfig();
        let ids: Vec<SymId> = kc
            .symbols
            .ids()
            .filter(|s| !kc.symbols.is_const(*s))
            .collect();
        ids.into_iter()
            .map(|s| (kc.symbols.name(s).to_string(), self.symbol_info(s)))
            .collect()
    }

    /// The state of choice `c`.
    pub fn choice_info(&mut self, c: ChoiceId) -> ChoiceInfo {
        let kc = self.kconfig();
        let ch = &kc.choices[c.0 as usize];
        let name = |s: SymId| kc.symbols.name(s).to_string();
        ChoiceInfo {
            name: ch.name.clone(),
            locations: ch
                .nodes
                .iter()
                .map(|n| kc.loc_str(kc.node(*n).loc))
                .collect(),
            ty: type_name(self.choice_type_of(c)),
            mode: self.choice_tri(c),
            visibility: self.choice_vis(c),
            selection: self.choice_selection(c).map(name),
            user_selection: self.choice_user_selection(c).map(name),
            syms: self.choice_members(c).iter().map(|s| name(*s)).collect(),
        }
    }

    /// Every choice in definition order.
    pub fn dump_choices(&mut self) -> Vec<ChoiceInfo> {
        (0..self.kconfig().choices.len() as u32)
            .map(|i| self.choice_info(ChoiceId(i)))
            .collect()
    }
}
