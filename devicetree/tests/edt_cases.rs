//! Data-driven cases of the extended tree: each directory of
//! `tests/cases/edt/` holds a DTS (`in.dts`), its bindings (`bindings/`)
//! and what Zephyr's edtlib makes of them (`expected.json`, recorded by
//! `scripts/record-edt-cases`): every node's status, compatibles, matched
//! binding, buses, registers and typed properties, or edtlib's error. The
//! extended tree must accept exactly what edtlib accepts, with the same
//! values, and reject the rest with a located error.

use devicetree::dts::{ReadOptions, Tree};
use devicetree::edt::{Edt, PropValue};
use serde_json::{json, Value};
use std::path::Path;

fn dump_value(edt: &Edt, v: &PropValue) -> Value {
    let node = |id| json!({ "node": edt.node(id).path() });
    match v {
        PropValue::Bool(b) => json!(b),
        PropValue::Int(i) => json!(i),
        PropValue::Array(a) => json!(a),
        PropValue::Bytes(b) => json!({ "bytes": b }),
        PropValue::String(s) => json!(s),
        PropValue::Strings(s) => json!(s),
        PropValue::Phandle(id) | PropValue::Path(id) => node(*id),
        PropValue::Phandles(ids) => Value::Array(ids.iter().map(|&i| node(i)).collect()),
        PropValue::PhandleArray(entries) => Value::Array(
            entries
                .iter()
                .map(|e| match e {
                    None => Value::Null,
                    Some(cd) => json!({
                        "controller": edt.node(cd.controller).path(),
                        "data": cd.data,
                        "name": cd.name,
                        "basename": cd.basename,
                    }),
                })
                .collect(),
        ),
        PropValue::Compound => Value::Null,
        other => panic!("unexpected value {other:?}"),
    }
}

fn dump(edt: &Edt) -> Value {
    let nodes: Vec<Value> = edt
        .nodes()
        .iter()
        .map(|n| {
            let props: serde_json::Map<String, Value> = n
                .props()
                .iter()
                .map(|(k, p)| {
                    (
                        k.clone(),
                        json!({ "type": p.spec.kind.name(), "val": dump_value(edt, &p.value) }),
                    )
                })
                .collect();
            let regs: Vec<Value> = n
                .regs()
                .iter()
                .zip(n.reg_names())
                .map(|(r, name)| json!([r.addr.map(|a| a as u64), r.size.map(|s| s as u64), name]))
                .collect();
            json!({
                "path": n.path(),
                "status": n.status(),
                "compats": n.compats(),
                "binding": n.binding().and_then(|b| b.compatible.clone()),
                "on_buses": edt.on_buses(n),
                "regs": regs,
                "props": props,
            })
        })
        .collect();
    json!({ "ok": true, "nodes": nodes })
}

fn run_case(dir: &Path) -> Result<(), String> {
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let result = Tree::from_file(&dir.join("in.dts"), &ReadOptions::default())
        .map_err(devicetree::edt::Error::from)
        .and_then(|tree| Edt::new(tree, &[dir.join("bindings")], "in.dts"));
    match (result, expected["ok"].as_bool().unwrap()) {
        (Ok(edt), true) => {
            let got = dump(&edt);
            if got != expected {
                return Err(format!(
                    "differs from edtlib:\n got: {}\nwant: {}",
                    serde_json::to_string_pretty(&got).unwrap(),
                    serde_json::to_string_pretty(&expected).unwrap()
                ));
            }
            Ok(())
        }
        (Ok(_), false) => Err(format!(
            "accepted; edtlib rejects it: {}",
            expected["error"]
        )),
        (Err(e), true) => Err(format!("rejected ({e}); edtlib accepts it")),
        (Err(e), false) => {
            // Our message is our own, but must say where: a file and line.
            let msg = e.to_string();
            let located = msg.contains("in.dts:") || msg.contains(".yaml:");
            if !located {
                return Err(format!("error without a location: {msg}"));
            }
            eprintln!(
                "{}: {msg}\n  (edtlib: {})",
                dir.display(),
                expected["error"]
            );
            Ok(())
        }
    }
}

#[test]
fn edt_cases_match_edtlib() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/edt");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    let failures: Vec<String> = dirs
        .iter()
        .filter_map(|d| run_case(d).err().map(|e| format!("{}: {e}", d.display())))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
