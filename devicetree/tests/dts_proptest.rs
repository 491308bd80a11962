//! Random trees, written as DTS, read, printed and read again: the second
//! tree equals the first (names, labels, property values and types, value
//! labels, aliases, memreserves; locations aside).

use std::fmt::Write as _;

use devicetree::dts::{ReadOptions, Tree};
use proptest::prelude::*;

include!("../fuzz/bodies.rs");

#[derive(Debug, Clone)]
enum Piece {
    Cells(Vec<Cell>),
    Bits(u8, Vec<u64>),
    Bytes(Vec<u8>),
    Str(String),
    PathRef(usize),
}

#[derive(Debug, Clone)]
enum Cell {
    Num(u32),
    Expr(u16, u16),
    Ref(usize),
    Label,
}

#[derive(Debug, Clone)]
struct GenNode {
    parent: usize,
    unit: Option<u32>,
    props: Vec<(u8, Vec<(bool, Piece)>)>,
}

fn cell() -> impl Strategy<Value = Cell> {
    prop_oneof![
        any::<u32>().prop_map(Cell::Num),
        (any::<u16>(), any::<u16>()).prop_map(|(a, b)| Cell::Expr(a, b)),
        any::<usize>().prop_map(Cell::Ref),
        Just(Cell::Label),
    ]
}

fn piece() -> impl Strategy<Value = Piece> {
    prop_oneof![
        prop::collection::vec(cell(), 0..5).prop_map(Piece::Cells),
        (
            prop::sample::select(vec![8u8, 16, 64]),
            prop::collection::vec(any::<u64>(), 0..4)
        )
            .prop_map(|(w, v)| Piece::Bits(w, v)),
        prop::collection::vec(any::<u8>(), 0..6).prop_map(Piece::Bytes),
        "[ -~\t\n\u{e9}\u{1}]{0,8}".prop_map(Piece::Str),
        any::<usize>().prop_map(Piece::PathRef),
    ]
}

fn node() -> impl Strategy<Value = GenNode> {
    (
        any::<usize>(),
        prop::option::of(any::<u32>()),
        prop::collection::vec(
            (
                0u8..6,
                prop::collection::vec((any::<bool>(), piece()), 0..4),
            ),
            0..4,
        ),
    )
        .prop_map(|(parent, unit, props)| GenNode {
            parent,
            unit,
            props,
        })
}

fn quote(s: &str) -> String {
    let mut q = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => q.push_str("\\\\"),
            '"' => q.push_str("\\\""),
            '\n' => q.push_str("\\n"),
            '\t' => q.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(q, "\\x{:02x}", c as u32);
            }
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

/// The DTS text of a random tree: node 0 is the root, node i > 0 hangs
/// below some node before it; every node has the label `nI`.
fn to_source(nodes: &[GenNode], memreserve: Option<(u64, u64)>) -> String {
    let n = nodes.len();
    let mut children = vec![Vec::new(); n];
    for i in 1..n {
        children[nodes[i].parent % i].push(i);
    }
    let mut s = String::from("/dts-v1/;\n");
    if let Some((a, b)) = memreserve {
        let _ = writeln!(s, "m: /memreserve/ {a:#x} {b};");
    }
    let mut value_label = 0;
    fn emit(i: usize, nodes: &[GenNode], children: &[Vec<usize>], s: &mut String, vl: &mut usize) {
        let n = nodes.len();
        if i == 0 {
            s.push_str("/ {\n");
        } else {
            let _ = write!(s, "n{i}: c{i}");
            if let Some(u) = nodes[i].unit {
                let _ = write!(s, "@{u:x}");
            }
            s.push_str(" {\n");
        }
        for (name, values) in &nodes[i].props {
            let _ = write!(s, "p{name}");
            if values.is_empty() {
                s.push_str(";\n");
                continue;
            }
            s.push_str(" =");
            for (k, (label, v)) in values.iter().enumerate() {
                if k > 0 {
                    s.push(',');
                }
                if *label {
                    *vl += 1;
                    let _ = write!(s, " v{vl}:");
                }
                match v {
                    Piece::Cells(cells) => {
                        s.push_str(" <");
                        for c in cells {
                            match c {
                                Cell::Num(x) => {
                                    let _ = write!(s, " {x:#x}");
                                }
                                Cell::Expr(a, b) => {
                                    let _ = write!(s, " ({a} + {b} * 2)");
                                }
                                Cell::Ref(r) => {
                                    let _ = write!(s, " &n{}", r % n);
                                }
                                Cell::Label => {
                                    *vl += 1;
                                    let _ = write!(s, " v{vl}:");
                                }
                            }
                        }
                        s.push_str(" >");
                    }
                    Piece::Bits(w, xs) => {
                        let _ = write!(s, " /bits/ {w} <");
                        for x in xs {
                            let x = if *w == 64 { *x } else { x % (1u64 << w) };
                            let _ = write!(s, " {x}");
                        }
                        s.push_str(" >");
                    }
                    Piece::Bytes(b) => {
                        s.push_str(" [");
                        for x in b {
                            let _ = write!(s, "{x:02x}");
                        }
                        s.push(']');
                    }
                    Piece::Str(t) => {
                        s.push(' ');
                        s.push_str(&quote(t));
                    }
                    Piece::PathRef(r) => {
                        let _ = write!(s, " &n{}", r % n);
                    }
                }
            }
            s.push_str(";\n");
        }
        for &c in &children[i] {
            emit(c, nodes, children, s, vl);
        }
        s.push_str("};\n");
    }
    emit(0, nodes, &children, &mut s, &mut value_label);
    s.replace("&n0", "&{/}")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn printed_trees_read_back_equal(
        nodes in prop::collection::vec(node(), 1..12),
        memreserve in prop::option::of((any::<u64>(), any::<u32>())),
        twice in any::<bool>(),
    ) {
        let mut src = to_source(&nodes, memreserve.map(|(a, b)| (a, u64::from(b))));
        if twice {
            // The same tree again, merged onto the first (values override).
            let again = to_source(&nodes, None);
            src.push_str(again.trim_start_matches("/dts-v1/;\n"));
        }
        let opts = ReadOptions::default();
        let tree = match Tree::from_source(&src, "gen.dts", &opts) {
            Ok(t) => t,
            Err(e) => return Err(TestCaseError::fail(format!("{e}\n{src}"))),
        };
        let printed = tree.to_dts();
        let back = Tree::from_source(&printed, "printed.dts", &opts)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{printed}")))?;
        if let Err(e) = fuzz_bodies::same_tree(&tree, &back) {
            return Err(TestCaseError::fail(format!("{e}\n{src}\n{printed}")));
        }
    }
}
