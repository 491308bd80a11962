//! Differential comparison with the reference tool's recorded outcomes (issue 17): every NCS
//! static layout alone and with a settings partition, and the seeded generator's cases
//! (`partition_solver::cases`), against `tests/corpus/pm/differential/*.jsonl`, recorded by
//! `scripts/record-pm-reference` (never run here).
//!
//! Each case falls in one class: the same outcome (same accept/reject, and when both accept
//! the same `pm.config` and a byte-identical `pm_config.h`), both reject, a justified
//! rejection (the reference accepts, pm-solve rejects, and the reference's own
//! `partitions.yml` has a broken property, named by the independent check below), or a
//! difference. Any difference fails the test.

use partition_solver::cases::{self, Case};
use partition_solver::output::{pm_config, pm_config_h, DomainLayout};
use partition_solver::yaml::{self, Value};
use partition_solver::{solve, Options};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus/pm")
}

fn recordings(file: &str) -> BTreeMap<String, serde_json::Value> {
    let text = fs::read_to_string(corpus().join("differential").join(file))
        .unwrap_or_else(|e| panic!("{file}: {e}"));
    text.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (v["name"].as_str().unwrap().to_string(), v)
        })
        .collect()
}

/// `pm.config` texts equal up to the member order of `_SPAN` values (Python set order).
fn same_config(ours: &str, theirs: &str) -> bool {
    let a: Vec<&str> = ours.split('\n').collect();
    let b: Vec<&str> = theirs.split('\n').collect();
    let words = |s: &str| -> (String, BTreeSet<String>) {
        let (k, v) = s.split_once('=').unwrap_or((s, ""));
        (
            k.to_string(),
            v.trim_matches('"').split(' ').map(String::from).collect(),
        )
    };
    a.len() == b.len()
        && a.iter().zip(&b).all(|(x, y)| {
            x == y || (x.contains("_SPAN=") && y.contains("_SPAN=") && words(x) == words(y))
        })
}

/// What is broken in a layout the reference wrote (`None`: nothing found). Written from
/// scratch over the recorded `partitions.yml` so that it judges independently of the
/// crate's own checks.
fn broken_property(case: &Case, partitions: &str) -> Option<String> {
    let v = yaml::load(partitions).ok()?;
    let m = v.as_map()?;
    let get = |e: &Value, k: &str| e.as_map()?.get(k)?.as_int();
    let region_of = |e: &Value| {
        e.as_map()
            .and_then(|m| m.get("region"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    for (name, e) in m.iter() {
        if get(e, "size").is_some_and(|s| s < 0) {
            return Some(format!("negative size of '{name}'"));
        }
    }
    for r in &case.input.regions {
        let (lo, hi) = (r.base_address, r.base_address + r.size);
        let mut parts: Vec<(i128, i128, &str)> = m
            .iter()
            .filter(|(_, e)| {
                region_of(e) == r.name && e.as_map().is_some_and(|x| !x.contains_key("span"))
            })
            .filter_map(|(n, e)| Some((get(e, "address")?, get(e, "size")?, n.as_str())))
            .filter(|p| p.1 > 0)
            .collect();
        parts.sort();
        for p in &parts {
            if p.0 < lo || p.0 + p.1 > hi {
                return Some(format!("'{}' outside region '{}'", p.2, r.name));
            }
        }
        for w in parts.windows(2) {
            if w[1].0 < w[0].0 + w[0].1 {
                return Some(format!("'{}' and '{}' overlap", w[0].2, w[1].2));
            }
        }
        if r.strategy == partition_solver::Strategy::Complex {
            let mut at = lo;
            for p in &parts {
                if p.0 > at {
                    return Some(format!("hole {at:#x}-{:#x} in region '{}'", p.0, r.name));
                }
                at = at.max(p.0 + p.1);
            }
            if at < hi {
                return Some(format!("hole {at:#x}-{hi:#x} in region '{}'", r.name));
            }
        }
    }
    for (name, e) in m.iter() {
        let Some(span) = e
            .as_map()
            .and_then(|x| x.get("span"))
            .and_then(Value::as_seq)
        else {
            continue;
        };
        let members: Vec<(i128, i128)> = span
            .iter()
            .filter_map(|s| {
                let me = m.get(s.as_str()?)?;
                Some((get(me, "address")?, get(me, "size")?))
            })
            .collect();
        if members.is_empty() {
            continue;
        }
        let lo = members.iter().map(|x| x.0).min()?;
        let hi = members.iter().map(|x| x.0 + x.1).max()?;
        if get(e, "address") != Some(lo) || get(e, "address")? + get(e, "size")? != hi {
            return Some(format!("container '{name}' does not match its members"));
        }
    }
    // A size sharer larger than its source: sharing means an equal slot, an own size beside
    // `share_size` only makes it smaller.
    for (name, e) in m.iter() {
        let Some(src) = e
            .as_map()
            .and_then(|x| x.get("share_size"))
            .and_then(Value::as_seq)
            .and_then(|s| s.first())
            .and_then(Value::as_str)
        else {
            continue;
        };
        if let (Some(s), Some(ss)) = (get(e, "size"), m.get(src).and_then(|x| get(x, "size"))) {
            if s > ss {
                return Some(format!("'{name}' larger than its size source '{src}'"));
            }
        }
    }
    // Partitions of the inputs lost on the way (a region not passed, a name collision).
    let regions: BTreeSet<&str> = case.input.regions.iter().map(|r| r.name.as_str()).collect();
    for f in case
        .input
        .fragments
        .iter()
        .chain(case.input.static_config.as_ref())
    {
        let Ok(Value::Map(inputs)) = yaml::load(&f.text) else {
            continue;
        };
        for (name, e) in inputs.iter() {
            let r = e
                .as_map()
                .and_then(|x| x.get("region"))
                .and_then(Value::as_str)
                .unwrap_or("flash_primary");
            if !m.contains_key(name) && get(e, "size").is_some_and(|s| s > 0) {
                return Some(if regions.contains(r) {
                    format!("'{name}' lost")
                } else {
                    format!("'{name}' dropped: its region '{r}' was not passed")
                });
            }
        }
    }
    None
}

#[derive(Default)]
struct Tally {
    same: usize,
    both_reject: usize,
    justified: BTreeMap<String, usize>,
    justified_cases: Vec<String>,
    header_not_compared: usize,
    differences: Vec<String>,
}

fn compare(cases: &[Case], recorded: &BTreeMap<String, serde_json::Value>) -> Tally {
    let mut t = Tally::default();
    assert_eq!(
        cases.len(),
        recorded.len(),
        "case count differs from the recordings: re-record"
    );
    for case in cases {
        let rec = recorded.get(&case.name).unwrap_or_else(|| {
            panic!(
                "{}: no recording; run scripts/record-pm-reference",
                case.name
            )
        });
        assert_eq!(
            rec["fingerprint"].as_str(),
            Some(cases::fingerprint(case).as_str()),
            "{}: inputs changed since the recording; run scripts/record-pm-reference",
            case.name
        );
        let ours = solve(&case.input, &Options::default());
        // Seed 0's outcome first, then those other hash seeds gave (any one is the
        // reference's answer: real builds run with a random seed).
        let mut outcomes = vec![rec];
        if let Some(alts) = rec["alternatives"].as_array() {
            outcomes.extend(alts);
        }
        let accepted: Vec<&serde_json::Value> = outcomes
            .iter()
            .copied()
            .filter(|o| o["ok"].as_bool() == Some(true))
            .collect();
        let some_reject = outcomes.iter().any(|o| o["ok"].as_bool() == Some(false));
        match ours {
            Err(_) if some_reject => t.both_reject += 1,
            Err(e) => {
                let layout = accepted[0]["partitions"].as_str().unwrap_or("");
                match broken_property(case, layout) {
                    Some(p) => {
                        let class = p.split('\'').next().unwrap_or("").trim().to_string();
                        let class = if class.is_empty() { p.clone() } else { class };
                        *t.justified.entry(class).or_default() += 1;
                        t.justified_cases
                            .push(format!("{}: {p}; here: {e}", case.name));
                    }
                    None => t.differences.push(format!(
                        "{}: rejected here, accepted by the reference with a sound layout: {e}",
                        case.name
                    )),
                }
            }
            Ok(_) if accepted.is_empty() => t.differences.push(format!(
                "{}: accepted here, rejected by the reference: {}",
                case.name, rec["error"]
            )),
            Ok(sol) => {
                let layout = DomainLayout::from_solution("", &sol);
                let config = pm_config(std::slice::from_ref(&layout)).unwrap_or_default();
                let header = pm_config_h(
                    std::slice::from_ref(&layout),
                    "",
                    "app",
                    "pm_config.h",
                    "partition_manager_output.py",
                )
                .map(|x| x.0)
                .unwrap_or_default();
                let matches = |o: &serde_json::Value| {
                    o["pm_config"]
                        .as_str()
                        .is_none_or(|c| same_config(&config, c))
                        && o["pm_config_h"].as_str().is_none_or(|h| header == h)
                };
                if accepted.iter().any(|o| matches(o)) {
                    t.same += 1;
                    if accepted[0]["pm_config_h"].is_null() {
                        t.header_not_compared += 1;
                    }
                } else if let (false, Some(p)) = (
                    sol.warnings.is_empty(),
                    broken_property(case, accepted[0]["partitions"].as_str().unwrap_or("")),
                ) {
                    *t.justified.entry(format!("warned: {p}")).or_default() += 1;
                    t.justified_cases
                        .push(format!("{}: {p}; warned: {:?}", case.name, sol.warnings));
                } else {
                    t.differences.push(format!(
                        "{}: outputs differ\nours:\n{config}\ntheirs:\n{}",
                        case.name,
                        accepted[0]["pm_config"].as_str().unwrap_or("")
                    ));
                }
            }
        }
    }
    t
}

fn report(what: &str, t: &Tally) {
    eprintln!(
        "{what}: {} same, {} rejected by both, {} justified rejections {:?}, {} differences ({} headers not compared: the reference's output script failed)",
        t.same,
        t.both_reject,
        t.justified.values().sum::<usize>(),
        t.justified,
        t.differences.len(),
        t.header_not_compared
    );
    for j in &t.justified_cases {
        eprintln!("  justified: {j}");
    }
    for d in &t.differences {
        eprintln!("  {d}");
    }
}

#[test]
fn ncs_static_layouts_match_the_reference() {
    let cases = cases::ncs_cases(&corpus().join("ncs")).unwrap();
    assert_eq!(cases.len(), 2 * 178);
    let t = compare(&cases, &recordings("ncs_static.jsonl"));
    report("NCS static layouts", &t);
    assert!(
        t.differences.is_empty(),
        "{} unjustified differences",
        t.differences.len()
    );
}

/// Generated cases that still differ from the reference, each listed with its cause, so
/// that issue 17 stays open for them; any other difference fails the test. Empty: the last
/// ones (gen/148 and 292 at the linear cross-check, gen/55 at the address check, gen/189,
/// 313 and 322 keeping the image's `app`, gen/306 a hash-seed order found with seeds past
/// 5) are fixed, justified or recorded.
const KNOWN_OPEN: [&str; 0] = [];

#[test]
fn generated_cases_match_the_reference() {
    let recorded = recordings("generated.jsonl");
    let cases: Vec<Case> = (0..recorded.len() as u64).map(cases::generated).collect();
    let t = compare(&cases, &recorded);
    report("generated cases", &t);
    let open: Vec<&String> = t
        .differences
        .iter()
        .filter(|d| !KNOWN_OPEN.iter().any(|k| d.starts_with(&format!("{k}:"))))
        .collect();
    assert!(
        open.is_empty(),
        "{} unjustified differences: {open:?}",
        open.len()
    );
}
