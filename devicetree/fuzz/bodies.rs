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

    /// The fixed tree the binding body builds extended trees of: nodes of
    /// the compatibles `vnd,a` and `vnd,b` with every kind of value, a
    /// child without `compatible`, a bus and a phandle-array.
    const BINDING_TREE: &str = r#"/dts-v1/;
/ {
	#address-cells = <1>;
	#size-cells = <1>;
	ctl: a@1000 {
		compatible = "vnd,a";
		reg = <0x1000 0x10>;
		#address-cells = <1>;
		#size-cells = <0>;
		#gpio-cells = <2>;
		gpio-controller;
		n = <1>;
		arr = <1 2 3>;
		s = "x";
		ss = "x", "y";
		b;
		bytes = [01 02];
		ph = <&ctl>;
		gpios = <&ctl 1 2>;
		kid@0 { reg = <0>; k = <5>; };
	};
	b {
		compatible = "vnd,b", "vnd,a";
		status = "disabled";
		p = &ctl;
	};
};
"#;

    /// Binding files from fuzz input: up to four files separated by lines
    /// `--- NAME`, named `a.yaml`, `b.yaml`, ... when unnamed, loaded for
    /// the compatibles `vnd,a` and `vnd,b`.
    pub fn load_bindings(
        text: &str,
    ) -> Result<devicetree::bindings::Bindings, devicetree::bindings::Error> {
        let mut sources = Vec::new();
        let mut name = String::from("a.yaml");
        let mut current = String::new();
        for line in text.split_inclusive('\n') {
            if let Some(n) = line.strip_prefix("--- ") {
                if sources.len() == 3 {
                    break;
                }
                sources.push((std::path::PathBuf::from(format!("/bindings/{name}")), current));
                current = String::new();
                name = n.trim().chars().filter(|c| c.is_ascii_alphanumeric() || *c == '.').collect();
                if name.is_empty() {
                    name = format!("{}.yaml", (b'a' + sources.len() as u8) as char);
                }
            } else {
                current.push_str(line);
            }
        }
        sources.push((std::path::PathBuf::from(format!("/bindings/{name}")), current));
        let compats: rustc_hash::FxHashSet<String> =
            ["vnd,a", "vnd,b"].iter().map(|s| s.to_string()).collect();
        devicetree::bindings::Bindings::from_sources(&sources, &compats)
    }

    /// The extended tree of the fixed tree with `bindings`.
    pub fn binding_tree(
        bindings: &devicetree::bindings::Bindings,
    ) -> Result<devicetree::edt::Edt, devicetree::edt::Error> {
        let tree = Tree::from_source(BINDING_TREE, "fuzz.dts", &ReadOptions::default())
            .expect("the fixed tree reads");
        devicetree::edt::Edt::with_bindings(tree, bindings, "fuzz.dts")
    }

    /// Loading bindings from fuzz input must never panic; when it
    /// succeeds, the extended tree of a fixed tree with these bindings
    /// must build or fail with an error, and Kconfig functions over it
    /// answer or fail, never panic.
    pub fn bindings_body(bytes: &[u8]) {
        let Ok(text) = std::str::from_utf8(bytes) else {
            return;
        };
        let Ok(bindings) = load_bindings(text) else {
            return;
        };
        if let Ok(edt) = binding_tree(&bindings) {
            let f = devicetree::kconfig::Functions::new(Some(std::sync::Arc::new(edt)), None);
            for (name, args) in [
                ("dt_node_int_prop_int", &["/a@1000", "n"][..]),
                ("dt_node_array_prop_hex", &["/a@1000", "arr", "1", "k"][..]),
                ("dt_node_ph_array_prop_int", &["/a@1000", "gpios", "0", "pin"][..]),
                ("dt_compat_any_has_prop", &["vnd,a", "s", "x"][..]),
                ("dt_node_ph_prop_path", &["/a@1000", "ph"][..]),
                ("dt_gpio_hogs_enabled", &[][..]),
            ] {
                let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
                let _ = f.call(name, &args);
            }
        }
    }

    /// Applies mutation `edits` to `input`, for the tests that run these
    /// bodies over mutated seeds: each edit `(at, piece, op)` inserts
    /// `pieces[piece]`, deletes a few bytes, overwrites one byte or
    /// truncates, at `at` (modulo the length).
    pub fn mutate(input: &[u8], pieces: &[&str], edits: &[(u16, usize, u8)]) -> Vec<u8> {
        let mut b = input.to_vec();
        for &(at, piece, op) in edits {
            let at = usize::from(at) % (b.len() + 1);
            let piece = pieces[piece % pieces.len()];
            match op {
                0 => {
                    b.splice(at..at, piece.bytes());
                }
                1 => {
                    let end = (at + 1 + piece.len() % 8).min(b.len());
                    b.drain(at..end);
                }
                2 => {
                    if at < b.len() {
                        b[at] = piece.as_bytes().first().copied().unwrap_or(b' ');
                    }
                }
                _ => b.truncate(at),
            }
        }
        b
    }
}
