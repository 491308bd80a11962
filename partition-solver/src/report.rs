//! Pictures of a layout: a text memory map for terminals, an SVG, a devicetree overlay of
//! `fixed-partitions` nodes (the migration path away from the Partition Manager), and JSON.

use crate::yaml::{hex, Map, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;

struct Row<'a> {
    name: &'a str,
    addr: i128,
    size: i128,
    container: bool,
}

fn rows_by_region(parts: &Map) -> BTreeMap<String, Vec<Row<'_>>> {
    let mut by: BTreeMap<String, Vec<Row>> = BTreeMap::default();
    for (name, v) in parts {
        let Some(e) = v.as_map() else { continue };
        let (Some(addr), Some(size)) = (
            e.get("address").and_then(Value::as_int),
            e.get("size").and_then(Value::as_int),
        ) else {
            continue;
        };
        let region = e
            .get("region")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        by.entry(region).or_default().push(Row {
            name,
            addr,
            size,
            container: e.contains_key("span"),
        });
    }
    for rows in by.values_mut() {
        rows.sort_by(|a, b| {
            a.addr
                .cmp(&b.addr)
                .then(b.size.cmp(&a.size))
                .then(b.container.cmp(&a.container))
                .then(a.name.cmp(b.name))
        });
    }
    by
}

fn human(size: i128) -> String {
    if size % 1024 == 0 && size != 0 {
        format!("{}kB", size / 1024)
    } else {
        format!("{size}B")
    }
}

/// A framed text map of every region of one domain's partitions, sorted by address;
/// containers are drawn with `+---`, partitions with `|`.
pub fn text(domain: &str, parts: &Map) -> String {
    let mut out = String::new();
    for (region, rows) in rows_by_region(parts) {
        let lo = rows.iter().map(|r| r.addr).min().unwrap_or(0);
        let hi = rows.iter().map(|r| r.addr + r.size).max().unwrap_or(0);
        let title = format!(
            " {domain} {region} ({} - {}): ",
            hex(hi - lo),
            human(hi - lo)
        );
        let width = title.len().max(60);
        let _ = writeln!(out, "{:-^width$}", title);
        for r in &rows {
            let line = format!(
                "{}: {} ({} - {})",
                hex(r.addr),
                r.name,
                hex(r.size),
                human(r.size)
            );
            if r.container {
                let _ = writeln!(out, "+---{line}");
            } else {
                let _ = writeln!(out, "| {line}");
            }
        }
        let _ = writeln!(out, "| {}: end", hex(hi));
        let _ = writeln!(out, "{}", "-".repeat(width));
        out.push('\n');
    }
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// An SVG picture: one column per (domain, region), partitions as boxes whose height grows
/// with the logarithm of their size, containers as brackets to the right.
pub fn svg(domains: &[(String, Map)]) -> String {
    let col_w = 260.0;
    let mut body = String::new();
    let mut col = 0.0;
    let mut max_h: f64 = 0.0;
    for (domain, parts) in domains {
        for (region, rows) in rows_by_region(parts) {
            let x = 20.0 + col * (col_w + 40.0);
            let _ = writeln!(
                body,
                r#"<text x="{x}" y="20" font-weight="bold">{} {}</text>"#,
                esc(domain),
                esc(&region)
            );
            let leaves: Vec<&Row> = rows.iter().filter(|r| !r.container && r.size > 0).collect();
            let mut y = 30.0;
            let mut ypos: BTreeMap<i128, f64> = BTreeMap::default();
            for r in &leaves {
                let h = 18.0 + (r.size as f64).max(1.0).log2() * 2.0;
                ypos.insert(r.addr, y);
                let fill = if r.name.starts_with("EMPTY_") {
                    "#eeeeee"
                } else {
                    "#cfe2ff"
                };
                let _ = writeln!(
                    body,
                    r#"<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{fill}" stroke="black"/><text x="{tx}" y="{ty}" font-size="11">{} {} ({})</text>"#,
                    hex(r.addr),
                    esc(r.name),
                    human(r.size),
                    w = col_w - 60.0,
                    tx = x + 4.0,
                    ty = y + 13.0
                );
                y += h;
                ypos.insert(r.addr + r.size, y);
            }
            let mut depth = 0.0;
            for r in rows.iter().filter(|r| r.container) {
                let (Some(&y0), Some(&y1)) = (ypos.get(&r.addr), ypos.get(&(r.addr + r.size)))
                else {
                    continue;
                };
                let bx = x + col_w - 55.0 + depth;
                let _ = writeln!(
                    body,
                    r#"<path d="M{bx} {y0} h6 V{y1} h-6" fill="none" stroke="gray"/><title>{}</title>"#,
                    esc(r.name)
                );
                depth = (depth + 8.0) % 48.0;
            }
            max_h = max_h.max(y);
            col += 1.0;
        }
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"monospace\">\n{body}</svg>\n",
        20.0 + col * (col_w + 40.0),
        max_h + 20.0
    )
}

/// Zephyr's conventional labels for the partitions MCUboot and the settings subsystem use.
const ZEPHYR_LABELS: &[(&str, &str)] = &[
    ("mcuboot", "boot_partition"),
    ("mcuboot_primary", "slot0_partition"),
    ("mcuboot_secondary", "slot1_partition"),
    ("mcuboot_primary_1", "slot2_partition"),
    ("mcuboot_secondary_1", "slot3_partition"),
    ("mcuboot_scratch", "scratch_partition"),
    ("settings_storage", "storage_partition"),
];

/// A devicetree overlay with one `fixed-partitions` node per flash region: the partitions
/// with a Zephyr label (MCUboot slots, settings storage) get it (a slot container replaces
/// its members), every other non-padding partition becomes `<name>_partition`. Addresses
/// are relative to the region base, as under a flash controller node.
pub fn dts_overlay(domains: &[(String, Map)]) -> String {
    let mut out = String::from("/* Generated by pm-solve from partitions.yml */\n");
    for (domain, parts) in domains {
        for (region, rows) in rows_by_region(parts) {
            if !region.contains("flash") {
                continue;
            }
            let mut covered: Vec<String> = Vec::new();
            for (name, _) in ZEPHYR_LABELS {
                if let Some(span) = parts
                    .get(name)
                    .and_then(Value::as_map)
                    .and_then(|e| e.get("span"))
                    .and_then(Value::as_seq)
                {
                    covered.extend(span.iter().map(Value::py_str));
                }
            }
            let node = if region == "flash_primary" {
                "flash0".to_string()
            } else {
                region.clone()
            };
            let base = rows.iter().map(|r| r.addr).min().unwrap_or(0);
            let _ = writeln!(
                out,
                "\n/* domain '{domain}', region '{region}' */\n&{node} {{\n\tpartitions {{\n\t\tcompatible = \"fixed-partitions\";\n\t\t#address-cells = <1>;\n\t\t#size-cells = <1>;"
            );
            for r in &rows {
                let known = ZEPHYR_LABELS
                    .iter()
                    .find(|(n, _)| *n == r.name)
                    .map(|(_, l)| *l);
                let emit = r.size > 0
                    && !r.name.starts_with("EMPTY_")
                    && match known {
                        Some(_) => true,
                        None => !r.container && !covered.iter().any(|c| c == r.name),
                    };
                if !emit {
                    continue;
                }
                let label = known
                    .map(String::from)
                    .unwrap_or_else(|| format!("{}_partition", r.name.replace(['-', '.'], "_")));
                let _ = writeln!(
                    out,
                    "\n\t\t{label}: partition@{:x} {{\n\t\t\tlabel = \"{}\";\n\t\t\treg = <{} {}>;\n\t\t}};",
                    r.addr - base,
                    r.name,
                    hex(r.addr - base),
                    hex(r.size)
                );
            }
            out.push_str("\t};\n};\n");
        }
    }
    out
}

/// A value as JSON (integers stay integers).
pub fn to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Int(i) => i64::try_from(*i)
            .map_or_else(|_| serde_json::Value::String(i.to_string()), |x| x.into()),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
        Value::Str(s) => serde_json::Value::String(s.clone()),
        Value::Seq(s) => serde_json::Value::Array(s.iter().map(to_json).collect()),
        Value::Map(m) => {
            serde_json::Value::Object(m.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> Map {
        let text = "mcuboot: {address: 0x0, size: 0xc000, region: flash_primary}\n\
mcuboot_pad: {address: 0xc000, size: 0x200, region: flash_primary}\n\
app: {address: 0xc200, size: 0x78e00, region: flash_primary}\n\
mcuboot_primary: {address: 0xc000, size: 0x79000, region: flash_primary, span: [mcuboot_pad, app]}\n\
mcuboot_secondary: {address: 0x85000, size: 0x79000, region: flash_primary}\n\
EMPTY_0: {address: 0xfe000, size: 0x1000, region: flash_primary}\n\
settings_storage: {address: 0xff000, size: 0x1000, region: flash_primary}\n";
        crate::yaml::load(text).unwrap().as_map().unwrap().clone()
    }

    #[test]
    fn overlay_uses_zephyr_labels_and_slot_containers() {
        let o = dts_overlay(&[(String::new(), layout())]);
        assert!(o.contains("slot0_partition: partition@c000 {\n\t\t\tlabel = \"mcuboot_primary\";\n\t\t\treg = <0xc000 0x79000>;"), "{o}");
        assert!(o.contains("boot_partition: partition@0"));
        assert!(o.contains("slot1_partition: partition@85000"));
        assert!(o.contains("storage_partition: partition@ff000"));
        assert!(
            !o.contains("app_partition") && !o.contains("EMPTY_0"),
            "{o}"
        );
    }

    #[test]
    fn text_and_svg_list_every_partition() {
        let t = text("", &layout());
        assert!(
            t.contains("+---0xc000: mcuboot_primary") && t.contains("| 0xc200: app"),
            "{t}"
        );
        let s = svg(&[(String::new(), layout())]);
        assert!(
            s.starts_with("<svg")
                && s.contains("mcuboot_secondary")
                && s.trim_end().ends_with("</svg>")
        );
    }
}
