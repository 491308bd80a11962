//! The 63 scenarios of the reference tool's own unit tests (spec §8), run from
//! `tests/scenarios/reference_unit_tests.yml`.

use partition_solver::sizes::{dynamic_padding, required_offset};
use partition_solver::solver::{region_order, resolve_order, solve_area};
use partition_solver::yaml::{self, Map, Value};
use partition_solver::{solve, DomainInput, Fragment, Options, Region, Strategy};
use std::collections::{BTreeSet, HashMap};

fn names(v: &Value) -> Vec<String> {
    v.as_seq()
        .map(|s| s.iter().map(Value::py_str).collect())
        .unwrap_or_default()
}

fn check_expect(sc: &Map, parts: &Map) -> Result<(), String> {
    let get = |n: &str, k: &str| {
        parts
            .get(n)
            .and_then(Value::as_map)
            .and_then(|e| e.get(k))
            .and_then(Value::as_int)
    };
    if let Some(Value::Map(exp)) = sc.get("expect") {
        for (name, v) in exp.iter() {
            let pair = v.as_seq().ok_or("bad expect")?;
            if !parts.contains_key(name) {
                return Err(format!("'{name}' missing"));
            }
            if let Some(a) = pair[0].as_int() {
                if get(name, "address") != Some(a) {
                    return Err(format!(
                        "address of {name}: {:?}, expected {a}",
                        get(name, "address")
                    ));
                }
            }
            if let Some(s) = pair[1].as_int() {
                if get(name, "size") != Some(s) {
                    return Err(format!(
                        "size of {name}: {:?}, expected {s}",
                        get(name, "size")
                    ));
                }
            }
            if let (Some(a), Some(s)) = (pair[0].as_int(), pair[1].as_int()) {
                if get(name, "end_address") != Some(a + s) {
                    return Err(format!("end_address of {name}"));
                }
            }
        }
    }
    for n in sc.get("absent").map(names).unwrap_or_default() {
        if parts.contains_key(&n) {
            return Err(format!("'{n}' should have been removed"));
        }
    }
    if let Some(pair) = sc.get("same_size") {
        let p = names(pair);
        if get(&p[0], "size") != get(&p[1], "size") || get(&p[0], "size").is_none() {
            return Err(format!("{} and {} differ in size", p[0], p[1]));
        }
    }
    if let Some(Value::Map(s0)) = sc.get("span0") {
        for (n, v) in s0.iter() {
            let span = parts
                .get(n)
                .and_then(Value::as_map)
                .and_then(|e| e.get("span"))
                .map(names)
                .unwrap_or_default();
            if span.first().map(String::as_str) != v.as_str() {
                return Err(format!("span of {n}: {span:?}"));
            }
        }
    }
    Ok(())
}

fn run(sc: &Map) -> Result<(), String> {
    let kind = sc["kind"].as_str().unwrap();
    let expect_error = sc.get("error") == Some(&Value::Bool(true));
    let empty = Value::Map(Box::default());
    let partitions = sc.get("partitions").unwrap_or(&empty).as_map().unwrap();
    let outcome: Result<(), String> = match kind {
        "area" => {
            let system = sc.get("system").unwrap_or(&empty).as_map().unwrap();
            let size = sc["size"].as_int().unwrap();
            match solve_area(partitions, system, "app", 0, size) {
                Ok(parts) if !expect_error => check_expect(sc, &parts),
                Ok(_) => return Err("accepted".into()),
                Err(e) => Err(e.to_string()),
            }
        }
        "solve" => {
            let mut regions = Vec::new();
            for r in sc["regions"].as_seq().unwrap() {
                let r = r.as_map().unwrap();
                let mut region =
                    Region::new(r["name"].as_str().unwrap(), r["size"].as_int().unwrap());
                region.base_address = r.get("base").and_then(Value::as_int).unwrap_or(0);
                region.strategy = Strategy::parse(
                    r.get("strategy")
                        .and_then(Value::as_str)
                        .unwrap_or("start_to_end"),
                )
                .unwrap();
                region.device = r.get("device").and_then(Value::as_str).unwrap_or("").into();
                region.dynamic_partition = r.get("dp").and_then(Value::as_str).map(String::from);
                regions.push(region);
            }
            let dump =
                |m: &Map| yaml::dump(&Value::Map(Box::new(m.clone())), yaml::IntStyle::Decimal);
            let input = DomainInput {
                fragments: vec![Fragment::new("pm.yml", dump(partitions))],
                static_config: sc
                    .get("static")
                    .and_then(Value::as_map)
                    .map(|s| Fragment::new("pm_static.yml", dump(s))),
                regions,
            };
            match solve(&input, &Options { compat: true }) {
                Ok(sol) if !expect_error => check_expect(sc, &sol.partitions),
                Ok(_) => return Err("accepted".into()),
                Err(e) => Err(e.to_string()),
            }
        }
        "order" => match resolve_order(partitions, "app") {
            Ok((order, containers)) if !expect_error => {
                let got: BTreeSet<String> = order.into_iter().collect();
                let want: BTreeSet<String> = names(&sc["order"]).into_iter().collect();
                if got != want {
                    return Err(format!("order {got:?}, expected {want:?}"));
                }
                if let Some(c) = sc.get("containers") {
                    let got: BTreeSet<String> = containers.keys().cloned().collect();
                    let want: BTreeSet<String> = names(c).into_iter().collect();
                    if got != want {
                        return Err(format!("containers {got:?}, expected {want:?}"));
                    }
                }
                if let Some(Value::Map(os)) = sc.get("orig_span") {
                    for (k, v) in os.iter() {
                        let got = containers
                            .get(k)
                            .and_then(Value::as_map)
                            .and_then(|e| e.get("orig_span"))
                            .map(names);
                        if got != Some(names(v)) {
                            return Err(format!("orig_span of {k}: {got:?}"));
                        }
                    }
                }
                Ok(())
            }
            Ok(_) => return Err("accepted".into()),
            Err(e) => Err(e.to_string()),
        },
        "offset" => {
            for c in sc["cases"].as_seq().unwrap() {
                let c = c.as_map().unwrap();
                let r = required_offset(
                    c["align"].as_map().unwrap(),
                    c["start"].as_int().unwrap(),
                    c["size"].as_int().unwrap(),
                    c["move_up"] == Value::Bool(true),
                );
                match (r, c.get("expect").and_then(Value::as_int)) {
                    (Ok(v), Some(e)) if v == e => {}
                    (Err(_), None) => {}
                    (r, e) => return Err(format!("offset {r:?}, expected {e:?}")),
                }
            }
            return Ok(());
        }
        "dyn" => {
            let place: HashMap<String, (i128, i128)> = sc["place"]
                .as_map()
                .unwrap()
                .iter()
                .map(|(k, v)| {
                    let p = v.as_seq().unwrap();
                    (k.clone(), (p[0].as_int().unwrap(), p[1].as_int().unwrap()))
                })
                .collect();
            let r = dynamic_padding(
                &names(&sc["dynamic"]),
                sc["cur"].as_str().unwrap(),
                &place,
                sc["move_by"].as_int().unwrap(),
                sc["move_end"] == Value::Bool(true),
                &names(&sc["solution"]),
            );
            match r {
                Ok(_) if expect_error => return Err("accepted".into()),
                Ok((a, s)) => {
                    let e = sc["expect"].as_seq().unwrap();
                    if (Some(a), Some(s)) == (e[0].as_int(), e[1].as_int()) {
                        Ok(())
                    } else {
                        Err(format!("padding {a}/{s}"))
                    }
                }
                Err(e) => Err(e),
            }
        }
        "regions" => {
            let regions: Vec<Region> = names(&sc["regions"])
                .iter()
                .map(|n| Region::new(n, 0))
                .collect();
            match region_order(partitions, &regions) {
                Ok(_) if expect_error => return Err("accepted".into()),
                Ok(order) if order == names(&sc["order"]) => Ok(()),
                Ok(order) => Err(format!("order {order:?}")),
                Err(e) => Err(e.to_string()),
            }
        }
        other => panic!("unknown kind {other}"),
    };
    match outcome {
        Err(_) if expect_error => Ok(()),
        other => other,
    }
}

#[test]
fn reference_unit_test_scenarios() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/scenarios/reference_unit_tests.yml"
    );
    let doc = yaml::load(&std::fs::read_to_string(path).unwrap()).unwrap();
    let scenarios = doc.as_seq().unwrap();
    assert_eq!(scenarios.len(), 63);
    let mut failures = Vec::new();
    for sc in scenarios {
        let sc = sc.as_map().unwrap();
        if let Err(e) = run(sc) {
            failures.push(format!(
                "#{} {}: {e}",
                sc["id"].py_str(),
                sc["name"].py_str()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of 63 failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
