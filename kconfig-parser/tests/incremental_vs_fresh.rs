//! Incremental recomputation against evaluation from scratch, on real trees.
//!
//! For random sequences of API changes (set and unset symbol values, valid
//! and invalid, set and unset choice modes, unset everything) on every tree
//! of the Kconfiglib test suite with its fragments, one `Config` is changed
//! step by step while, between steps, either one value or all of them are
//! read (so changes meet partly and fully filled caches). After each step
//! every symbol's value, visibility and assignable values, every choice's
//! mode, visibility and selection, and the `.config` text must equal those
//! of a fresh `Config` that replays the same changes. The trees cover what
//! the model test (`proptest_eval.rs`) does not generate: tristate choices,
//! choices in menus, `option env`, symbols referenced before definition,
//! and so on.

mod common;

use common::{corpus, kconfiglib_cases, kconfiglib_options};
use kconfig_parser::ast::{ChoiceId, Type};
use kconfig_parser::{load, Config, Kconfig, SymId};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Change {
    Set(SymId, &'static str),
    Unset(SymId),
    ChoiceSet(ChoiceId, &'static str),
    ChoiceUnset(ChoiceId),
    UnsetAll,
}

fn apply(cfg: &mut Config<'_>, c: &Change) {
    match *c {
        Change::Set(s, v) => {
            cfg.set_value(s, v);
        }
        Change::Unset(s) => {
            cfg.unset_value(s);
        }
        Change::ChoiceSet(ch, v) => {
            cfg.set_choice_value(ch, v);
        }
        Change::ChoiceUnset(ch) => cfg.unset_choice_value(ch),
        Change::UnsetAll => cfg.unset_values(),
    }
}

/// Everything the API reports about the values of the tree.
fn snapshot(cfg: &mut Config<'_>) -> Vec<String> {
    let syms = cfg.unique_defined_symbols().to_vec();
    let mut out: Vec<String> = syms
        .iter()
        .map(|&s| {
            format!(
                "{} {} {} {:?}",
                cfg.kconfig().symbols.name(s),
                cfg.sym_str(s),
                cfg.sym_visibility(s),
                cfg.assignable(s)
            )
        })
        .collect();
    for c in 0..cfg.kconfig().choices.len() {
        let c = ChoiceId(c as u32);
        out.push(format!(
            "choice {} {} {:?}",
            cfg.choice_tri(c),
            cfg.choice_vis(c),
            cfg.choice_selection(c)
        ));
    }
    out.push(cfg.config_text(""));
    out
}

struct Tree {
    name: String,
    kc: Kconfig,
    fragments: Vec<(String, String)>,
}

fn trees() -> Vec<Tree> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for case in kconfiglib_cases() {
        let (opts, env_json) = kconfiglib_options(&case);
        let fragments: Vec<(String, String)> = env_json["fragments"]
            .as_array()
            .map(|a| a.iter().filter_map(|f| f.as_str()).collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .map(|f| {
                let text = std::fs::read_to_string(corpus().join(f)).unwrap();
                (f.to_string(), text)
            })
            .collect();
        // One tree per Kconfig file and fragment set.
        let key = format!("{} {:?}", env_json["kconfig"], env_json["fragments"]);
        if !seen.insert(key) {
            continue;
        }
        let Ok(kc) = load(opts) else { continue };
        out.push(Tree {
            name: case,
            kc,
            fragments,
        });
    }
    out
}

fn configured<'k>(t: &'k Tree) -> Config<'k> {
    let mut cfg = Config::new(&t.kc);
    for (i, (name, text)) in t.fragments.iter().enumerate() {
        cfg.load_config(text, name, i == 0);
    }
    cfg
}

/// xorshift64*, seeded by proptest.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n as u64) as usize
    }
}

fn random_change(r: &mut Rng, cfg: &Config<'_>) -> Change {
    let syms = cfg.unique_defined_symbols();
    let choices = cfg.kconfig().choices.len();
    let k = r.below(100);
    if choices > 0 && k < 15 {
        let c = ChoiceId(r.below(choices) as u32);
        return if k < 11 {
            Change::ChoiceSet(c, ["y", "m", "n"][r.below(3)])
        } else {
            Change::ChoiceUnset(c)
        };
    }
    if syms.is_empty() || k < 17 {
        return Change::UnsetAll;
    }
    let s = syms[r.below(syms.len())];
    if k < 35 {
        return Change::Unset(s);
    }
    let values: &[&'static str] = match cfg.orig_type_of(s) {
        Some(Type::Bool) | Some(Type::Tristate) => &["n", "m", "y"],
        Some(Type::Int) => &["0", "5", "-3", "100", "0x10", "abc"],
        Some(Type::Hex) => &["0x0", "0x10", "ff", "-1", "zz"],
        Some(Type::String) => &["", "x", "hello world"],
        None => &["y"],
    };
    Change::Set(s, values[r.below(values.len())])
}

fn check(t: &Tree, seed: u64) -> Result<(), TestCaseError> {
    let mut r = Rng(seed | 1);
    let mut cfg = configured(t);
    let mut done: Vec<Change> = Vec::new();
    for _ in 0..1 + r.below(10) {
        if r.below(2) == 0 {
            // Fill part of the cache before the change.
            let syms = cfg.unique_defined_symbols().to_vec();
            if !syms.is_empty() {
                let _ = cfg.sym_str(syms[r.below(syms.len())]);
            }
        } else {
            let _ = cfg.config_text("");
        }
        let change = random_change(&mut r, &cfg);
        apply(&mut cfg, &change);
        done.push(change);
        if r.below(3) == 0 {
            continue; // changes in a row, compared at the next step
        }
        let mut fresh = configured(t);
        for c in &done {
            apply(&mut fresh, c);
        }
        let (ours, theirs) = (snapshot(&mut cfg), snapshot(&mut fresh));
        if let Some(i) = (0..ours.len()).find(|&i| ours[i] != theirs[i]) {
            return Err(TestCaseError::fail(format!(
                "{}: after {done:?}\nincremental: {}\nfresh:       {}",
                t.name, ours[i], theirs[i]
            )));
        }
    }
    Ok(())
}

#[test]
fn incremental_changes_match_fresh_evaluations_on_every_test_tree() {
    let trees = trees();
    assert!(trees.len() >= 40, "only {} trees", trees.len());
    // 32 sequences per tree by default (PROPTEST_CASES=N gives N/8).
    let per_tree = (ProptestConfig::default().cases / 8).max(1);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: per_tree * trees.len() as u32,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    runner
        .run(&(0..trees.len(), any::<u64>()), |(i, seed)| {
            check(&trees[i], seed)
        })
        .unwrap();
}
