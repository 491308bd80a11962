// Fuzz bodies shared by the cargo-fuzz target (`fuzz_targets/dts.rs`) and by the normal test
// `devicetree/tests/dts_fuzz_bodies.rs`, which runs them over the case inputs and mutations
// of them (cargo-fuzz needs nightly). A body must never panic on any input; when the input
// reads, it also walks the tree through the public API and checks that printing the tree
// and reading the text back gives the same tree.

#[allow(dead_code)]
mod fuzz_bodies {
    use devicetree::dts::{NodeId, PropType, ReadOptions, Tree};

    /// Everything about a tree that printing must keep (not the locations).
    pub fn same_tree(a: &Tree, b: &Tree) -> Result<(), String> {
        if a.memreserves() != b.memreserves() {
            return Err("memreserves differ".into());
        }
        let an: Vec<NodeId> = a.nodes().collect();
        let bn: Vec<NodeId> = b.nodes().collect();
        if an.len() != bn.len() {
            return Err(format!("{} nodes, then {}", an.len(), bn.len()));
        }
        for (&x, &y) in an.iter().zip(&bn) {
            let (nx, ny) = (a.node(x), b.node(y));
            let path = a.path(x);
            if path != b.path(y) || nx.labels() != ny.labels() {
                return Err(format!("node {path} differs from {}", b.path(y)));
            }
            let px: Vec<_> = nx.props().collect();
            let py: Vec<_> = ny.props().collect();
            if px.len() != py.len() {
                return Err(format!("{path}: property count differs"));
            }
            for (p, q) in px.iter().zip(&py) {
                let same = p.name() == q.name()
                    && p.value() == q.value()
                    && p.labels() == q.labels()
                    // An empty value prints as `name;` (as dtlib prints it),
                    // which has neither a type nor labels inside.
                    && (p.value().is_empty()
                        || (p.prop_type() == q.prop_type()
                            && p.offset_labels().eq(q.offset_labels())));
                if !same {
                    return Err(format!(
                        "{path}: property '{}' differs: {:?} {:?} / {:?} {:?}",
                        p.name(),
                        p.prop_type(),
                        p.value(),
                        q.prop_type(),
                        q.value()
                    ));
                }
            }
        }
        let aa: Vec<_> = a.aliases().map(|(n, id)| (n.to_owned(), a.path(id))).collect();
        let ba: Vec<_> = b.aliases().map(|(n, id)| (n.to_owned(), b.path(id))).collect();
        if aa != ba {
            return Err("aliases differ".into());
        }
        Ok(())
    }

    /// Uses every lookup and conversion of the API on the tree.
    fn walk(tree: &Tree) {
        for id in tree.nodes() {
            let path = tree.path(id);
            assert_eq!(tree.get_node(&path).ok(), Some(id), "get_node({path})");
            let node = tree.node(id);
            let _ = (node.name(), node.unit_addr(), node.parent(), node.location());
            for c in node.children() {
                assert_eq!(tree.node(c).parent(), Some(id));
                assert_eq!(node.child(tree.node(c).name()), Some(c));
            }
            for l in node.labels() {
                assert_eq!(tree.label_to_node(l), Some(id), "label {l}");
            }
            for p in node.props() {
                let t = p.prop_type();
                assert_eq!(p.to_num().is_ok(), t == PropType::Num);
                let _ = p.to_nums();
                assert_eq!(p.to_bytes().is_ok(), t == PropType::Bytes);
                let _ = p.to_string();
                let _ = p.to_strings();
                let _ = p.to_node(tree);
                let _ = p.to_nodes(tree);
                let _ = p.to_path(tree);
                let _ = p.to_dts();
            }
        }
        for (alias, id) in tree.aliases() {
            assert_eq!(tree.get_node(alias).ok(), Some(id));
        }
    }

    /// The DTS reader on arbitrary text (inputs that name other files are
    /// skipped: the fuzzer must not read the machine's files).
    pub fn dts_body(bytes: &[u8]) {
        let Ok(text) = std::str::from_utf8(bytes) else {
            return;
        };
        if text.contains("/include/") || text.contains("/incbin/") {
            return;
        }
        let opts = ReadOptions::default();
        let Ok(tree) = Tree::from_source(text, "fuzz.dts", &opts) else {
            return;
        };
        walk(&tree);
        let printed = tree.to_dts();
        let again = match Tree::from_source(&printed, "printed.dts", &opts) {
            Ok(t) => t,
            Err(e) => panic!("the printed tree does not read back: {e}\n{printed}"),
        };
        if let Err(e) = same_tree(&tree, &again) {
            panic!("printing changed the tree: {e}\n{printed}");
        }
    }
}
