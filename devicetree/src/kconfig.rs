//! The preprocessor functions Zephyr's Kconfig files call
//! (`scripts/kconfig/kconfigfunctions.py`), answered from an [`Edt`].
//!
//! Every function gives what Zephyr's Python gives for the same arguments,
//! including its edge cases: a missing or disabled node, an index past the
//! end (and Python's negative indexes), the `k`/`K`/`m`/`M`/`g`/`G` and
//! `kb`/`mb`/`gb` unit arguments (shifts by 10/20/30 and 13/23/33 bits),
//! `_hex` results in Python's `hex()` form, and `dt_chosen_path` answering
//! `n` when there is no devicetree at all. Where Python would raise (a
//! non-numeric index, an unknown unit, a division by zero), the call is an
//! error naming the function and the argument.
//!
//! ```
//! use devicetree::kconfig::Functions;
//! let f = Functions::new(None, None);
//! assert_eq!(f.call("dt_compat_enabled", &["arm,cortex-m3".into()]).unwrap(), "n");
//! assert_eq!(f.call("add_hex", &["0x10".into(), "16".into()]).unwrap(), "0x20");
//! ```

use crate::bindings::PropKind;
use crate::edt::{ENode, Edt, PropValue};
use std::sync::Arc;

/// Zephyr's Kconfig functions over one devicetree (or none).
#[derive(Debug, Clone)]
pub struct Functions {
    edt: Option<Arc<Edt>>,
    shields: Option<String>,
}

/// Every function: name, minimum and maximum argument count.
const ARITY: &[(&str, usize, usize)] = &[
    ("dt_has_compat", 1, 1),
    ("dt_compat_enabled", 1, 1),
    ("dt_compat_enabled_num", 1, 1),
    ("dt_compat_on_bus", 2, 2),
    ("dt_compat_any_has_prop", 2, 3),
    ("dt_compat_any_not_has_prop", 2, 2),
    ("dt_chosen_label", 1, 1),
    ("dt_chosen_enabled", 1, 1),
    ("dt_chosen_path", 1, 1),
    ("dt_chosen_has_compat", 2, 2),
    ("dt_path_enabled", 1, 1),
    ("dt_alias_enabled", 1, 1),
    ("dt_nodelabel_exists", 1, 1),
    ("dt_nodelabel_enabled", 1, 1),
    ("dt_nodelabel_enabled_with_compat", 2, 2),
    ("dt_chosen_reg_addr_int", 1, 3),
    ("dt_chosen_reg_addr_hex", 1, 3),
    ("dt_chosen_reg_size_int", 1, 3),
    ("dt_chosen_reg_size_hex", 1, 3),
    ("dt_node_reg_addr_int", 1, 3),
    ("dt_node_reg_addr_hex", 1, 3),
    ("dt_node_reg_size_int", 1, 3),
    ("dt_node_reg_size_hex", 1, 3),
    ("dt_nodelabel_reg_addr_int", 1, 3),
    ("dt_nodelabel_reg_addr_hex", 1, 3),
    ("dt_nodelabel_reg_size_int", 1, 3),
    ("dt_nodelabel_reg_size_hex", 1, 3),
    ("dt_node_bool_prop", 2, 2),
    ("dt_nodelabel_bool_prop", 2, 2),
    ("dt_nodelabel_int_prop", 2, 2),
    ("dt_chosen_bool_prop", 2, 2),
    ("dt_node_has_prop", 2, 2),
    ("dt_nodelabel_has_prop", 2, 2),
    ("dt_node_int_prop_int", 2, 3),
    ("dt_node_int_prop_hex", 2, 3),
    ("dt_node_array_prop_int", 3, 4),
    ("dt_node_array_prop_hex", 3, 4),
    ("dt_node_ph_array_prop_int", 4, 5),
    ("dt_node_ph_array_prop_hex", 4, 5),
    ("dt_node_ph_prop_path", 2, 2),
    ("dt_node_str_prop_equals", 3, 3),
    ("dt_nodelabel_has_compat", 2, 2),
    ("dt_node_has_compat", 2, 2),
    ("dt_nodelabel_path", 1, 1),
    ("dt_node_parent", 1, 1),
    ("dt_nodelabel_array_prop_has_val", 3, 3),
    ("dt_gpio_hogs_enabled", 0, 0),
    ("dt_chosen_partition_addr_int", 1, 3),
    ("dt_chosen_partition_addr_hex", 1, 3),
    ("normalize_upper", 1, 1),
    ("shields_list_contains", 1, 1),
    ("substring", 2, 3),
    ("add", 1, 255),
    ("add_hex", 1, 255),
    ("sub", 1, 255),
    ("sub_hex", 1, 255),
    ("mul", 1, 255),
    ("mul_hex", 1, 255),
    ("div", 1, 255),
    ("div_hex", 1, 255),
    ("mod", 1, 255),
    ("mod_hex", 1, 255),
    ("max", 1, 255),
    ("max_hex", 1, 255),
    ("min", 1, 255),
    ("min_hex", 1, 255),
    ("inc", 1, 255),
    ("inc_hex", 1, 255),
    ("dec", 1, 255),
    ("dec_hex", 1, 255),
];

fn yn(b: bool) -> String {
    if b { "y" } else { "n" }.to_string()
}

/// Python's `hex()`.
fn py_hex(v: i128) -> String {
    if v < 0 {
        format!("-0x{:x}", v.unsigned_abs())
    } else {
        format!("0x{v:x}")
    }
}

/// Python's `int(text)` (base 10): surrounding whitespace, a sign, digits
/// with single underscores between them, Unicode decimal digits.
fn py_int(text: &str) -> Option<i128> {
    py_int_base(text, false)
}

/// `int(text, base=0)` when `auto`: `0x`/`0o`/`0b` prefixes, and no
/// leading zeros on a decimal other than zero itself.
fn py_int_base(text: &str, auto: bool) -> Option<i128> {
    let t = text.trim_matches(|c: char| c.is_whitespace());
    let (neg, t) = match t.chars().next()? {
        '-' => (true, &t[1..]),
        '+' => (false, &t[1..]),
        _ => (false, t),
    };
    let (radix, body, prefixed) = if auto {
        let lower = t.get(..2).map(str::to_ascii_lowercase);
        match lower.as_deref() {
            Some("0x") => (16, &t[2..], true),
            Some("0o") => (8, &t[2..], true),
            Some("0b") => (2, &t[2..], true),
            _ => (10, t, false),
        }
    } else {
        (10, t, false)
    };
    // After a prefix one underscore may come first ("0x_1f").
    let body = if prefixed {
        body.strip_prefix('_').unwrap_or(body)
    } else {
        body
    };
    if body.is_empty() || body.starts_with('_') || body.ends_with('_') || body.contains("__") {
        return None;
    }
    let mut v: i128 = 0;
    let mut digits = 0usize;
    let mut all_zero = true;
    for c in body.chars().filter(|&c| c != '_') {
        let d = if radix == 10 {
            decimal_digit(c)?
        } else {
            c.to_digit(radix)?
        };
        all_zero &= d == 0;
        digits += 1;
        v = v
            .checked_mul(i128::from(radix))?
            .checked_add(i128::from(d))?;
    }
    if auto && !prefixed && digits > 1 && !all_zero && body.starts_with('0') {
        return None;
    }
    Some(if neg { -v } else { v })
}

/// The value of a decimal digit in any script (Python's `int()` accepts
/// them all); the ASCII digits and the common Unicode blocks of ten.
fn decimal_digit(c: char) -> Option<u32> {
    if let Some(d) = c.to_digit(10) {
        return Some(d);
    }
    // Unicode Nd characters come in runs of ten starting at a zero.
    const ZEROS: &[u32] = &[
        0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6,
        0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0,
        0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0,
        0xAA50, 0xABF0, 0xFF10,
    ];
    let u = c as u32;
    ZEROS
        .iter()
        .find(|&&z| (z..z + 10).contains(&u))
        .map(|z| u - z)
}

/// Python's list indexing: negative counts from the end; `None` when out
/// of range.
fn py_index<T>(items: &[T], index: i128) -> Option<&T> {
    let len = items.len() as i128;
    let i = if index < 0 { len + index } else { index };
    if (0..len).contains(&i) {
        items.get(i as usize)
    } else {
        None
    }
}

type CallResult = Result<String, String>;

impl Functions {
    /// Functions over `edt` (`None`: no devicetree, as Zephyr without an
    /// `EDT_PICKLE`). `shields` is the value of `SHIELD_AS_LIST` (`;`
    /// separated), `None` when that variable is unset.
    pub fn new(edt: Option<Arc<Edt>>, shields: Option<String>) -> Functions {
        Functions { edt, shields }
    }

    /// The devicetree the answers come from.
    pub fn edt(&self) -> Option<&Arc<Edt>> {
        self.edt.as_ref()
    }

    /// `(min, max)` argument counts when `name` is one of the functions.
    pub fn arity(name: &str) -> Option<(usize, usize)> {
        ARITY
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|&(_, lo, hi)| (lo, hi))
    }

    /// Every function name.
    pub fn names() -> impl Iterator<Item = &'static str> {
        ARITY.iter().map(|(n, _, _)| *n)
    }

    /// Calls `name` with expanded arguments. An `Err` says what Python
    /// would have raised.
    pub fn call(&self, name: &str, args: &[String]) -> CallResult {
        let Some((lo, hi)) = Self::arity(name) else {
            return Err(format!("unknown function '{name}'"));
        };
        if args.len() < lo || args.len() > hi {
            return Err(format!(
                "{name} takes {lo}..{hi} arguments, {} given",
                args.len()
            ));
        }
        let arg = |i: usize| args.get(i).map(String::as_str);
        match name {
            "normalize_upper" => return Ok(normalize_upper(&args[0])),
            "shields_list_contains" => {
                return Ok(yn(self
                    .shields
                    .as_deref()
                    .is_some_and(|l| l.split(';').any(|s| s == args[0]))))
            }
            "substring" => return substring(&args[0], &args[1], arg(2)),
            _ => {}
        }
        if let Some(r) = arith(name, args) {
            return r;
        }
        let Some(edt) = self.edt.as_deref() else {
            return Ok(no_devicetree(name));
        };
        let dt = Dt { edt };
        dt.call(name, args)
    }
}

/// What each function answers when there is no devicetree.
fn no_devicetree(name: &str) -> String {
    match name {
        "dt_chosen_label" | "dt_node_ph_prop_path" | "dt_nodelabel_path" | "dt_node_parent" => {
            String::new()
        }
        n if n.ends_with("_hex") => "0x0".to_string(),
        n if n.ends_with("_int")
            || n == "dt_compat_enabled_num"
            || n == "dt_nodelabel_int_prop" =>
        {
            "0".to_string()
        }
        _ => "n".to_string(),
    }
}

fn normalize_upper(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

fn substring(s: &str, start: &str, stop: Option<&str>) -> CallResult {
    let chars: Vec<char> = s.chars().collect();
    let len = chars.len() as i128;
    let clamp = |v: i128| -> usize {
        let v = if v < 0 { (len + v).max(0) } else { v.min(len) };
        v as usize
    };
    let a = clamp(int_arg("substring", start)?);
    let b = match stop {
        Some(t) => clamp(int_arg("substring", t)?),
        None => chars.len(),
    };
    Ok(if a < b {
        chars[a..b].iter().collect()
    } else {
        String::new()
    })
}

fn int_arg(func: &str, text: &str) -> Result<i128, String> {
    py_int(text).ok_or_else(|| format!("{func}: invalid literal for int() with base 10: '{text}'"))
}

/// The arithmetic helpers; `None` when `name` is not one of them.
fn arith(name: &str, args: &[String]) -> Option<CallResult> {
    let (base, hex) = match name.strip_suffix("_hex") {
        Some(b) => (b, true),
        None => (name, false),
    };
    if !matches!(
        base,
        "add" | "sub" | "mul" | "div" | "mod" | "max" | "min" | "inc" | "dec"
    ) {
        return None;
    }
    let mut nums = Vec::new();
    for a in args {
        for v in a.split(',') {
            match py_int_base(v, true) {
                Some(n) => nums.push(n),
                None => {
                    return Some(Err(format!(
                        "{name}: invalid literal for int() with base 0: '{v}'"
                    )))
                }
            }
        }
    }
    let fmt = |v: i128| if hex { py_hex(v) } else { v.to_string() };
    let overflow = || format!("{name}: result does not fit in 128 bits");
    let result = match base {
        "inc" | "dec" => {
            let d = if base == "inc" { 1 } else { -1 };
            let mut out = Vec::new();
            for v in nums {
                match v.checked_add(d) {
                    Some(r) => out.push(fmt(r)),
                    None => return Some(Err(overflow())),
                }
            }
            return Some(Ok(out.join(",")));
        }
        "div" => {
            // Python's true division: floats, truncated by int() at the end.
            let mut it = nums.iter();
            let mut acc = *it.next()? as f64;
            for &v in it {
                if v == 0 {
                    return Some(Err(format!("{name}: division by zero")));
                }
                acc /= v as f64;
            }
            if !acc.is_finite() {
                return Some(Err(format!("{name}: result is not a finite number")));
            }
            acc.trunc() as i128
        }
        _ => {
            let mut it = nums.iter().copied();
            let mut acc = it.next()?;
            for v in it {
                let r = match base {
                    "add" => acc.checked_add(v),
                    "sub" => acc.checked_sub(v),
                    "mul" => acc.checked_mul(v),
                    "mod" => {
                        if v == 0 {
                            return Some(Err(format!("{name}: integer modulo by zero")));
                        }
                        // Python's % takes the divisor's sign.
                        let m = acc.checked_rem(v);
                        m.map(|m| {
                            if m != 0 && ((m < 0) != (v < 0)) {
                                m + v
                            } else {
                                m
                            }
                        })
                    }
                    "max" => Some(acc.max(v)),
                    _ => Some(acc.min(v)),
                };
                match r {
                    Some(r) => acc = r,
                    None => return Some(Err(overflow())),
                }
            }
            acc
        }
    };
    Some(Ok(fmt(result)))
}

/// Bits a unit argument shifts by (`None`: a unit Python rejects).
fn unit_shift(unit: Option<&str>) -> Option<u32> {
    Some(match unit.unwrap_or("") {
        "" => 0,
        "k" | "K" => 10,
        "m" | "M" => 20,
        "g" | "G" => 30,
        "kb" | "Kb" => 13,
        "mb" | "Mb" => 23,
        "gb" | "Gb" => 33,
        _ => return None,
    })
}

struct Dt<'a> {
    edt: &'a Edt,
}

impl<'a> Dt<'a> {
    fn path_node(&self, path: &str) -> Option<&'a ENode> {
        self.edt.get_node(path)
    }

    fn label_node(&self, label: &str) -> Option<&'a ENode> {
        self.edt.label_node(label)
    }

    fn chosen(&self, name: &str) -> Option<&'a ENode> {
        self.edt.chosen_node(name)
    }

    fn call(&self, name: &str, args: &[String]) -> CallResult {
        let a0 = args.first().map(String::as_str).unwrap_or("");
        let a1 = args.get(1).map(String::as_str).unwrap_or("");
        let opt = |i: usize| args.get(i).map(String::as_str);
        let edt = self.edt;
        Ok(match name {
            "dt_has_compat" => yn(edt.has_compat(a0)),
            "dt_compat_enabled" => yn(edt.compat_okay(a0).next().is_some()),
            "dt_compat_enabled_num" => edt.compat_okay(a0).count().to_string(),
            "dt_compat_on_bus" => yn(edt
                .compat_okay(a0)
                .any(|n| edt.on_buses(n).iter().any(|b| b == a1))),
            "dt_compat_any_has_prop" => yn(edt.compat_okay(a0).any(|n| {
                n.props().get(a1).is_some_and(|p| match opt(2) {
                    None => true,
                    Some(v) => self.py_str(&p.value) == v,
                })
            })),
            "dt_compat_any_not_has_prop" => {
                yn(edt.compat_okay(a0).any(|n| !n.props().contains_key(a1)))
            }
            "dt_chosen_label" => match self.chosen(a0) {
                None => String::new(),
                Some(n) => match n.props().get("label").map(|p| &p.value) {
                    Some(PropValue::String(s)) => s.clone(),
                    Some(other) => self.py_str(other),
                    None => edt.tree().node(n.id()).name().to_string(),
                },
            },
            "dt_chosen_enabled" => yn(self.chosen(a0).is_some_and(ENode::is_okay)),
            "dt_chosen_path" => self
                .chosen(a0)
                .map_or(String::new(), |n| n.path().to_string()),
            "dt_chosen_has_compat" => {
                yn(self.chosen(a0).is_some_and(|n| n.compats().iter().any(|c| c == a1)))
            }
            "dt_path_enabled" => yn(self.path_node(a0).is_some_and(ENode::is_okay)),
            "dt_alias_enabled" => {
                yn(!a0.starts_with('/') && self.path_node(a0).is_some_and(ENode::is_okay))
            }
            "dt_nodelabel_exists" => yn(self.label_node(a0).is_some()),
            "dt_nodelabel_enabled" => yn(self.label_node(a0).is_some_and(ENode::is_okay)),
            "dt_nodelabel_enabled_with_compat" => yn(edt
                .compat_okay(a1)
                .any(|n| edt.labels(n).iter().any(|l| l == a0))),
            "dt_chosen_reg_addr_int" | "dt_chosen_reg_addr_hex" | "dt_chosen_reg_size_int"
            | "dt_chosen_reg_size_hex" => {
                let node = self.chosen(a0);
                self.reg(name, node, opt(1), opt(2))?
            }
            "dt_node_reg_addr_int" | "dt_node_reg_addr_hex" | "dt_node_reg_size_int"
            | "dt_node_reg_size_hex" => {
                let node = self.path_node(a0);
                self.reg(name, node, opt(1), opt(2))?
            }
            "dt_nodelabel_reg_addr_int"
            | "dt_nodelabel_reg_addr_hex"
            | "dt_nodelabel_reg_size_int"
            | "dt_nodelabel_reg_size_hex" => match self.label_node(a0) {
                None => {
                    if name.ends_with("_hex") {
                        "0x0".to_string()
                    } else {
                        "0".to_string()
                    }
                }
                node => self.reg(name, node, opt(1), opt(2))?,
            },
            "dt_chosen_partition_addr_int" | "dt_chosen_partition_addr_hex" => {
                let v = match self.chosen(a0) {
                    None => 0,
                    Some(n) => match edt.parent(n) {
                        None => 0,
                        Some(p) => {
                            let gp = edt.parent(p);
                            self.reg_value(name, gp, true, opt(1), opt(2))?
                                + self.reg_value(name, Some(n), true, Some("0"), opt(2))?
                        }
                    },
                };
                self.format(name, v)
            }
            "dt_node_bool_prop" => yn(bool_prop(self.path_node(a0), a1)),
            "dt_nodelabel_bool_prop" => yn(bool_prop(self.label_node(a0), a1)),
            "dt_chosen_bool_prop" => yn(bool_prop(self.chosen(a0), a1)),
            "dt_node_has_prop" => yn(self.path_node(a0).is_some_and(|n| n.props().contains_key(a1))),
            "dt_nodelabel_has_prop" => {
                yn(self.label_node(a0).is_some_and(|n| n.props().contains_key(a1)))
            }
            "dt_nodelabel_int_prop" => self
                .int_prop(name, self.label_node(a0), a1, None)?
                .to_string(),
            "dt_node_int_prop_int" | "dt_node_int_prop_hex" => match self.path_node(a0) {
                None => "0".to_string(),
                node => {
                    let v = self.int_prop(name, node, a1, opt(2))?;
                    self.format(name, v)
                }
            },
            "dt_node_array_prop_int" | "dt_node_array_prop_hex" => match self.path_node(a0) {
                None => "0".to_string(),
                Some(n) => {
                    let v = match n.props().get(a1).map(|p| &p.value) {
                        Some(PropValue::Array(vals)) if n.props()[a1].spec.kind == PropKind::Array => {
                            let index = int_arg(name, &args[2])?;
                            if index >= vals.len() as i128 {
                                0
                            } else {
                                let v = py_index(vals, index).ok_or_else(|| {
                                    format!("{name}: list index {index} out of range")
                                })?;
                                shift(name, i128::from(*v), opt(3))?
                            }
                        }
                        _ => 0,
                    };
                    self.format(name, v)
                }
            },
            "dt_node_ph_array_prop_int" | "dt_node_ph_array_prop_hex" => {
                match self.path_node(a0) {
                    None => "0".to_string(),
                    Some(n) => {
                        let v = match n.props().get(a1).map(|p| &p.value) {
                            Some(PropValue::PhandleArray(entries)) => {
                                let index = int_arg(name, &args[2])?;
                                if index >= entries.len() as i128 {
                                    0
                                } else {
                                    let entry = py_index(entries, index).ok_or_else(|| {
                                        format!("{name}: list index {index} out of range")
                                    })?;
                                    match entry {
                                        None => {
                                            return Err(format!(
                                                "{name}: entry {index} of '{a1}' on {a0} has no controller ('NoneType' object has no attribute 'data')"
                                            ))
                                        }
                                        Some(cd) => match cd.data.get(args[3].as_str()) {
                                            None => 0,
                                            Some(v) => shift(name, i128::from(*v), opt(4))?,
                                        },
                                    }
                                }
                            }
                            _ => 0,
                        };
                        self.format(name, v)
                    }
                }
            }
            "dt_node_ph_prop_path" => match self.path_node(a0) {
                None => String::new(),
                Some(n) => match n.props().get(a1).map(|p| &p.value) {
                    Some(PropValue::Phandle(target)) => edt.node(*target).path().to_string(),
                    _ => String::new(),
                },
            },
            "dt_node_str_prop_equals" => yn(self.path_node(a0).is_some_and(|n| {
                matches!(n.props().get(a1).map(|p| &p.value), Some(PropValue::String(s)) if s == &args[2])
            })),
            "dt_nodelabel_has_compat" => {
                yn(self.label_node(a0).is_some_and(|n| n.compats().iter().any(|c| c == a1)))
            }
            "dt_node_has_compat" => {
                yn(self.path_node(a0).is_some_and(|n| n.compats().iter().any(|c| c == a1)))
            }
            "dt_nodelabel_path" => self
                .label_node(a0)
                .map_or(String::new(), |n| n.path().to_string()),
            "dt_node_parent" => self
                .path_node(a0)
                .and_then(|n| edt.parent(n))
                .map_or(String::new(), |p| p.path().to_string()),
            "dt_nodelabel_array_prop_has_val" => match self.label_node(a0) {
                Some(n) => match n.props().get(a1).map(|p| &p.value) {
                    Some(PropValue::Array(vals)) => {
                        let want = py_int_base(&args[2], true).ok_or_else(|| {
                            format!("{name}: invalid literal for int() with base 0: '{}'", args[2])
                        })?;
                        yn(vals.iter().any(|&v| i128::from(v) == want))
                    }
                    _ => "n".to_string(),
                },
                None => "n".to_string(),
            },
            "dt_gpio_hogs_enabled" => {
                let mut any = false;
                for n in edt.nodes() {
                    let hogs = edt.gpio_hogs(n).map_err(|e| e.to_string())?;
                    if hogs > 0 && n.is_okay() {
                        any = true;
                        break;
                    }
                }
                yn(any)
            }
            other => return Err(format!("unknown function '{other}'")),
        })
    }

    fn format(&self, name: &str, v: i128) -> String {
        if name.ends_with("_hex") {
            py_hex(v)
        } else {
            v.to_string()
        }
    }

    /// `_node_reg_addr`/`_node_reg_size`, formatted by the name's suffix.
    fn reg(
        &self,
        name: &str,
        node: Option<&ENode>,
        index: Option<&str>,
        unit: Option<&str>,
    ) -> CallResult {
        let addr = name.contains("_addr_");
        let v = self.reg_value(name, node, addr, index, unit)?;
        Ok(self.format(name, v))
    }

    fn reg_value(
        &self,
        name: &str,
        node: Option<&ENode>,
        addr: bool,
        index: Option<&str>,
        unit: Option<&str>,
    ) -> Result<i128, String> {
        let Some(node) = node else { return Ok(0) };
        if node.regs().is_empty() {
            return Ok(0);
        }
        let index = match index {
            None => 0,
            Some(t) => int_arg(name, t)?,
        };
        if index >= node.regs().len() as i128 {
            return Ok(0);
        }
        let reg = py_index(node.regs(), index)
            .ok_or_else(|| format!("{name}: list index {index} out of range"))?;
        let value = if addr { reg.addr } else { reg.size };
        match value {
            None => Ok(0),
            Some(v) => shift(name, v.min(i128::MAX as u128) as i128, unit),
        }
    }

    /// `_node_int_prop`: the `int` property's value, shifted by the unit.
    fn int_prop(
        &self,
        name: &str,
        node: Option<&ENode>,
        prop: &str,
        unit: Option<&str>,
    ) -> Result<i128, String> {
        match node.and_then(|n| n.props().get(prop)) {
            Some(p) if p.spec.kind == PropKind::Int => match p.value {
                PropValue::Int(v) => shift(name, i128::from(v), unit),
                _ => Ok(0),
            },
            _ => Ok(0),
        }
    }

    /// Python's `str()` of a property value (what
    /// `dt_compat_any_has_prop` compares with).
    fn py_str(&self, v: &PropValue) -> String {
        let quote = |s: &str| {
            if s.contains('\'') && !s.contains('"') {
                format!("\"{s}\"")
            } else {
                format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
            }
        };
        let node_repr = |id: crate::dts::NodeId| {
            let n = self.edt.node(id);
            let binding = match n.binding() {
                Some(b) if !b.path.starts_with("<") => format!("binding {}", b.path.display()),
                _ => "no binding".to_string(),
            };
            format!(
                "<Node {} in '{}', {binding}>",
                n.path(),
                self.edt.dts_path()
            )
        };
        match v {
            PropValue::Bool(true) => "True".into(),
            PropValue::Bool(false) => "False".into(),
            PropValue::Int(i) => i.to_string(),
            PropValue::Array(a) => format!(
                "[{}]",
                a.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ")
            ),
            PropValue::Bytes(b) => {
                let mut s = String::from("b'");
                for &c in b {
                    match c {
                        b'\\' => s.push_str("\\\\"),
                        b'\'' => s.push_str("\\'"),
                        b'\t' => s.push_str("\\t"),
                        b'\n' => s.push_str("\\n"),
                        b'\r' => s.push_str("\\r"),
                        0x20..=0x7e => s.push(c as char),
                        _ => s.push_str(&format!("\\x{c:02x}")),
                    }
                }
                s.push('\'');
                s
            }
            PropValue::String(s) => s.clone(),
            PropValue::Compound => "None".into(),
            PropValue::Strings(ss) => format!(
                "[{}]",
                ss.iter().map(|s| quote(s)).collect::<Vec<_>>().join(", ")
            ),
            PropValue::Phandle(id) | PropValue::Path(id) => node_repr(*id),
            PropValue::Phandles(ids) => format!(
                "[{}]",
                ids.iter().map(|&i| node_repr(i)).collect::<Vec<_>>().join(", ")
            ),
            PropValue::PhandleArray(entries) => format!(
                "[{}]",
                entries
                    .iter()
                    .map(|e| match e {
                        None => "None".to_string(),
                        Some(cd) => format!(
                            "ControllerAndData(node={}, controller={}, data={{{}}}, name={}, basename='{}')",
                            "<node>",
                            node_repr(cd.controller),
                            cd.data
                                .iter()
                                .map(|(k, v)| format!("'{k}': {v}"))
                                .collect::<Vec<_>>()
                                .join(", "),
                            cd.name.as_deref().map_or("None".to_string(), quote),
                            cd.basename
                        ),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

fn bool_prop(node: Option<&ENode>, prop: &str) -> bool {
    node.and_then(|n| n.props().get(prop)).is_some_and(|p| {
        p.spec.kind == PropKind::Boolean && matches!(p.value, PropValue::Bool(true))
    })
}

/// `value >> unit`, an error for a unit Python would reject.
fn shift(name: &str, value: i128, unit: Option<&str>) -> Result<i128, String> {
    let s = unit_shift(unit).ok_or_else(|| {
        format!(
            "{name}: unknown unit '{}' (expected k, K, m, M, g, G, kb, Kb, mb, Mb, gb or Gb)",
            unit.unwrap_or("")
        )
    })?;
    Ok(value >> s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_int_rules() {
        assert_eq!(py_int(" 12 "), Some(12));
        assert_eq!(py_int("1_0"), Some(10));
        assert_eq!(py_int("1__0"), None);
        assert_eq!(py_int("٣"), Some(3));
        assert_eq!(py_int("0x10"), None);
        assert_eq!(py_int_base("0x10", true), Some(16));
        assert_eq!(py_int_base("010", true), None);
        assert_eq!(py_int_base("00", true), Some(0));
        assert_eq!(py_int_base("-0b11", true), Some(-3));
    }

    #[test]
    fn arithmetic_as_python() {
        let f = Functions::new(None, None);
        let call =
            |n: &str, a: &[&str]| f.call(n, &a.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(call("div", &["10", "3", "2"]).unwrap(), "1");
        assert_eq!(call("div", &["-7", "2"]).unwrap(), "-3");
        assert_eq!(call("mod", &["-7", "2"]).unwrap(), "1");
        assert_eq!(call("sub_hex", &["1", "2"]).unwrap(), "-0x1");
        assert_eq!(call("inc", &["1,2", "3"]).unwrap(), "2,3,4");
        assert_eq!(call("add", &["4"]).unwrap(), "4");
        assert!(call("div", &["1", "0"]).is_err());
        assert!(call("add", &[""]).is_err());
        assert_eq!(call("substring", &["hello", "1", "-1"]).unwrap(), "ell");
        assert_eq!(call("normalize_upper", &["a-b.c_d"]).unwrap(), "A_B_C_D");
        assert_eq!(call("dt_chosen_path", &["zephyr,sram"]).unwrap(), "n");
        assert_eq!(call("dt_node_reg_addr_hex", &["/x"]).unwrap(), "0x0");
        assert_eq!(call("dt_chosen_label", &["x"]).unwrap(), "");
    }
}
