//! The tree's lookups and dtlib's conversions, on one small tree.

use devicetree::dts::{Error, PropType, ReadOptions, Tree};

const SRC: &str = r#"/dts-v1/;
/ {
	aliases { uart = &u0; };
	soc {
		u0: serial@1000 {
			reg = <0x1000 0x100>;
			one = <7>;
			neg = <(-1)>;
			names = "a", "b";
			name = "x";
			bytes = [01 02];
			self = <&u0>;
			many = <&u0 &gpio>;
			mixed = <&gpio 1 2>;
			path = &gpio;
			empty;
			nums-empty = <>;
			wide = /bits/ 16 <1>;
			child { };
		};
		gpio: gpio@2000 { };
	};
};
"#;

fn tree() -> Tree {
    Tree::from_source(SRC, "api.dts", &ReadOptions::default()).unwrap()
}

#[test]
fn lookups() {
    let t = tree();
    let u0 = t.get_node("/soc/serial@1000").unwrap();
    assert_eq!(t.get_node("uart").unwrap(), u0);
    assert_eq!(
        t.path(t.get_node("uart/child").unwrap()),
        "/soc/serial@1000/child"
    );
    assert_eq!(t.get_node("//soc//serial@1000/").unwrap(), u0);
    assert!(matches!(t.get_node("nope"), Err(Error::NoSuchNode { .. })));
    assert!(t.get_node("/soc/nope").is_err());
    assert_eq!(t.label_to_node("gpio"), t.get_node("/soc/gpio@2000").ok());
    assert_eq!(t.aliases().collect::<Vec<_>>(), [("uart", u0)]);
    let n = t.node(u0);
    assert_eq!((n.name(), n.unit_addr()), ("serial@1000", "1000"));
    assert_eq!(n.location().to_string(), "api.dts:5:7");
    // u0 is referenced first (by itself), then gpio.
    assert_eq!(t.phandle_to_node(1), Some(u0));
    assert_eq!(t.phandle_to_node(2), t.label_to_node("gpio"));
    let order: Vec<String> = t.nodes().map(|id| t.path(id)).collect();
    assert_eq!(
        order,
        [
            "/",
            "/aliases",
            "/soc",
            "/soc/serial@1000",
            "/soc/serial@1000/child",
            "/soc/gpio@2000"
        ]
    );
}

#[test]
fn conversions() {
    let t = tree();
    let n = t.node(t.get_node("uart").unwrap());
    let p = |name| n.prop(name).unwrap();
    assert_eq!(p("one").to_num().unwrap(), 7);
    assert_eq!(p("neg").to_num().unwrap(), u32::MAX);
    assert_eq!(p("reg").to_nums().unwrap(), [0x1000, 0x100]);
    assert!(matches!(
        p("reg").to_num(),
        Err(Error::WrongType {
            found: PropType::Nums,
            ..
        })
    ));
    assert_eq!(p("names").to_strings().unwrap(), ["a", "b"]);
    assert_eq!(p("name").to_string().unwrap(), "x");
    assert!(p("names").to_string().is_err());
    assert_eq!(p("bytes").to_bytes().unwrap(), [1, 2]);
    assert_eq!(p("self").to_node(&t).unwrap(), t.get_node("uart").unwrap());
    assert_eq!(p("many").to_nodes(&t).unwrap().len(), 2);
    assert_eq!(p("nums-empty").to_nodes(&t).unwrap(), []);
    assert_eq!(
        p("path").to_path(&t).unwrap(),
        t.label_to_node("gpio").unwrap()
    );
    assert_eq!(p("path").value(), b"/soc/gpio@2000\0");
    let types: Vec<_> = n.props().map(|p| p.prop_type()).collect();
    use PropType::*;
    assert_eq!(
        types,
        [
            Nums,
            Num,
            Num,
            Strings,
            String,
            Bytes,
            Phandle,
            Phandles,
            PhandlesAndNums,
            Path,
            Empty,
            Nums,
            Compound,
            Num
        ]
    );
    let err = p("mixed").to_node(&t).unwrap_err().to_string();
    assert_eq!(
        err,
        "api.dts:14:4: expected property 'mixed' on /soc/serial@1000 to be assigned with '< &foo >', but it is of type PhandlesAndNums"
    );
}
