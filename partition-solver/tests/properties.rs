//! Property tests: random valid inputs are solved into sound layouts, deterministically;
//! inputs with a planted conflict are rejected; YAML values round-trip.

use partition_solver::yaml::{self, Map, Value};
use partition_solver::{solve, DomainInput, Fragment, Options, Region, Strategy as Placement};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Spec {
    size: u32,
    /// 0: after start, 1: before end, 2: after an earlier one, 3: before an earlier one,
    /// 4: before app, 5: after app
    anchor: u8,
    target: usize,
    align: Option<(bool, u32)>,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        1u32..64,
        0u8..6,
        0usize..1000,
        prop::option::of((any::<bool>(), 0u32..4)),
    )
        .prop_map(|(s, anchor, target, align)| Spec {
            size: s * 0x100,
            anchor,
            target,
            align: align.map(|(start, p)| (start, 0x400 << p)),
        })
}

fn render(specs: &[Spec], spans: &[(usize, usize)]) -> (String, i128) {
    let mut t = String::new();
    let mut total: i128 = 0;
    for (i, s) in specs.iter().enumerate() {
        let anchor = match s.anchor {
            0 => "after: [start]".to_string(),
            1 => "before: [end]".to_string(),
            2 if i > 0 => format!("after: [p{}]", s.target % i),
            3 if i > 0 => format!("before: [p{}]", s.target % i),
            4 => "before: [app]".to_string(),
            _ => "after: [app]".to_string(),
        };
        let align = match s.align {
            Some((true, a)) => format!(", align: {{start: {a:#x}}}"),
            Some((false, a)) => format!(", align: {{end: {a:#x}}}"),
            None => String::new(),
        };
        t.push_str(&format!(
            "p{i}: {{size: {:#x}, placement: {{{anchor}{align}}}}}\n",
            s.size
        ));
        total += i128::from(s.size) + s.align.map_or(0, |a| i128::from(a.1));
    }
    for (g, &(a, b)) in spans.iter().enumerate() {
        let members: Vec<String> = (a..b).map(|i| format!("p{i}")).collect();
        t.push_str(&format!("group{g}: {{span: [{}]}}\n", members.join(", ")));
    }
    (t, total)
}

fn input(text: &str, size: i128) -> DomainInput {
    let mut flash = Region::new("flash_primary", size);
    flash.strategy = Placement::Complex;
    flash.device = "flash_controller".into();
    DomainInput {
        fragments: vec![Fragment::new("pm.yml", text)],
        static_config: None,
        regions: vec![flash],
    }
}

fn get(m: &Map, n: &str, k: &str) -> i128 {
    m[n].as_map().unwrap()[k].as_int().unwrap()
}

fn first_anchor(e: &Map, dir: &str) -> Option<String> {
    e.get("placement")?
        .as_map()?
        .get(dir)?
        .as_seq()?
        .first()?
        .as_str()
        .map(String::from)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, .. ProptestConfig::default() })]

    #[test]
    fn random_valid_inputs_give_sound_layouts(specs in prop::collection::vec(spec(), 1..25)) {
        let (text, total) = render(&specs, &[]);
        let size = ((total * 4) as u128).next_power_of_two().max(0x10000) as i128;
        let inp = input(&text, size);
        let sol = match solve(&inp, &Options::default()) {
            Ok(s) => s,
            // The reference's own alignment limits (e.g. padding behind a first partition that
            // cannot move) are legitimate rejections; anything else is a failure.
            Err(e) => {
                let m = e.to_string();
                prop_assert!(m.contains("align") || m.contains("Error when inspecting"), "{m}\n{text}");
                return Ok(());
            }
        };
        let parts = &sol.partitions;
        // Tiling: non-container partitions cover the region exactly, without overlap.
        let mut leaves: Vec<(i128, i128, &String)> = parts
            .iter()
            .filter(|(_, v)| !v.as_map().unwrap().contains_key("span"))
            .map(|(k, _)| (get(parts, k, "address"), get(parts, k, "size"), k))
            .collect();
        leaves.sort();
        let mut at = 0;
        for (a, s, k) in &leaves {
            prop_assert_eq!(*a, at, "{} misplaced\n{}", k, text);
            prop_assert!(*s >= 0);
            at = a + s;
        }
        prop_assert_eq!(at, size);
        for (i, s) in specs.iter().enumerate() {
            let name = format!("p{i}");
            let e = parts[&name].as_map().unwrap();
            prop_assert_eq!(get(parts, &name, "size"), i128::from(s.size));
            let (a, end) = (get(parts, &name, "address"), get(parts, &name, "end_address"));
            if let Some(al) = e.get("placement").and_then(|p| p.as_map()).and_then(|p| p.get("align")).and_then(|a| a.as_map()) {
                if let Some(v) = al.get("start").and_then(Value::as_int) { prop_assert_eq!(a % v, 0, "{} start", name); }
                if let Some(v) = al.get("end").and_then(Value::as_int) {
                    // The reference pads behind a first partition it cannot move; its end is
                    // then aligned unless it starts at 0 and is larger than the alignment.
                    if a != 0 { prop_assert_eq!(end % v, 0, "{} end", name); }
                }
            }
            if let Some(t) = first_anchor(e, "after") {
                if t != "start" && t != "app" {
                    prop_assert!(a >= get(parts, &t, "end_address"), "{} after {}", name, t);
                }
            }
            if let Some(t) = first_anchor(e, "before") {
                if t != "end" && t != "app" && first_anchor(e, "after").is_none() {
                    prop_assert!(end <= get(parts, &t, "address"), "{} before {}", name, t);
                }
            }
        }
        // Deterministic.
        let again = solve(&inp, &Options::default()).unwrap();
        prop_assert_eq!(again.partitions_yaml(), sol.partitions_yaml());
    }

    #[test]
    fn planted_conflicts_are_rejected(specs in prop::collection::vec(spec(), 1..15), kind in 0u8..4) {
        let (mut text, total) = render(&specs, &[]);
        let size = ((total * 4) as u128).next_power_of_two().max(0x10000) as i128;
        match kind {
            0 => text.push_str("x1: {size: 0x100, placement: {before: [x2]}}\nx2: {size: 0x100, placement: {before: [x1]}}\n"),
            1 => text.push_str(&format!("huge: {{size: {:#x}, placement: {{after: [start]}}}}\n", size)),
            2 => text.push_str("bad: {size: 0x100, placement: {after: {one_of: [p0, start]}}}\n"),
            _ => text.push_str("late: {size: 0x100, placement: {after: [end]}}\n"),
        }
        prop_assert!(solve(&input(&text, size), &Options::default()).is_err(), "{}", text);
    }

    #[test]
    fn containers_cover_their_members(n in 2usize..20, sizes in prop::collection::vec(1u32..16, 20)) {
        let specs: Vec<Spec> = (0..n)
            .map(|i| Spec { size: sizes[i] * 0x100, anchor: if i == 0 { 0 } else { 2 }, target: i - usize::from(i > 0), align: None })
            .collect();
        let spans: Vec<(usize, usize)> = (0..n / 3).map(|g| (g * 3, g * 3 + 3)).collect();
        let (text, _) = render(&specs, &spans);
        let sol = solve(&input(&text, 0x100000), &Options::default()).unwrap();
        for (g, &(a, b)) in spans.iter().enumerate() {
            let name = format!("group{g}");
            prop_assert_eq!(get(&sol.partitions, &name, "address"), get(&sol.partitions, &format!("p{a}"), "address"));
            prop_assert_eq!(get(&sol.partitions, &name, "end_address"), get(&sol.partitions, &format!("p{}", b - 1), "end_address"));
        }
    }
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(|i| Value::Int(i128::from(i))),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
        "[a-zA-Z_][a-zA-Z0-9_ ./-]{0,12}".prop_map(Value::Str),
        "(0x[0-9a-f]{1,4}|0[0-7]{1,3}|08|yes|off|1:20|~|null|[0-9]{1,3}\\.[0-9])"
            .prop_map(Value::Str),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..4).prop_map(Value::Seq),
            prop::collection::vec(("[a-z_][a-z0-9_]{0,8}", inner), 1..4)
                .prop_map(|kv| Value::Map(Box::new(kv.into_iter().collect()))),
        ]
    })
}

proptest! {
    #[test]
    fn yaml_round_trips(entries in prop::collection::vec(("[a-z_][a-z0-9_]{0,8}", value()), 1..6)) {
        let v = Value::Map(Box::new(entries.into_iter().collect()));
        let text = yaml::dump(&v, yaml::IntStyle::Hex);
        let back = yaml::load_general(&text).map(|(v, _)| v);
        prop_assert_eq!(back.as_ref(), Ok(&v), "{}", text);
        if let Some((fast, _)) = partition_solver::yaml_fast::load(&text) {
            prop_assert_eq!(&fast, &v, "{}", text);
        }
    }
}
