//! Zephyr's Kconfig preprocessor functions answered natively, from a final
//! `zephyr.dts` and the bindings under each DTS root (the `devicetree`
//! crate), instead of Python's `kconfigfunctions.py` over `edt.pickle`.
//!
//! The answers are the same as Zephyr's for every function of that file
//! (devicetree lookups, string and arithmetic helpers); see
//! [`devicetree::kconfig`] for the edge cases kept.

use crate::macros::HostFunctions;
use devicetree::edt::Edt;
use devicetree::kconfig::Functions;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// [`HostFunctions`] over a devicetree: every function of Zephyr's
/// `kconfigfunctions.py`.
#[derive(Debug, Clone)]
pub struct DevicetreeFunctions {
    functions: Functions,
}

impl DevicetreeFunctions {
    /// Functions over `edt` (`None`: no devicetree, as Zephyr without an
    /// `EDT_PICKLE`). `shields` is `SHIELD_AS_LIST` (`;`-separated), `None`
    /// when that variable is not set.
    pub fn new(edt: Option<Arc<Edt>>, shields: Option<String>) -> DevicetreeFunctions {
        DevicetreeFunctions {
            functions: Functions::new(edt, shields),
        }
    }
}

impl HostFunctions for DevicetreeFunctions {
    fn arity(&self, name: &str) -> Option<(usize, Option<usize>)> {
        Functions::arity(name).map(|(lo, hi)| (lo, Some(hi)))
    }

    fn call(
        &mut self,
        name: &str,
        args: &[String],
        file: &str,
        line: u32,
    ) -> Result<String, String> {
        self.functions
            .call(name, args)
            .map_err(|e| format!("{file}:{line}: error in $({name},...): {e}"))
    }

    /// Every function only looks things up: none writes a file or runs a
    /// command.
    fn is_pure(&self, _name: &str) -> bool {
        true
    }
}

/// Zephyr's Kconfig functions over the final devicetree `dts` (a
/// `zephyr.dts`, read with no preprocessing) and the bindings under
/// `DIR/dts/bindings` for each of `dts_roots`; `dts` `None` answers as
/// Zephyr does without a devicetree. `shields` is `SHIELD_AS_LIST`.
pub fn zephyr_functions(
    dts: Option<&Path>,
    dts_roots: &[PathBuf],
    shields: Option<String>,
) -> Result<Box<dyn HostFunctions>, String> {
    let edt = match dts {
        None => None,
        Some(path) => Some(Arc::new(
            Edt::from_dts_file(path, dts_roots).map_err(|e| format!("devicetree error: {e}"))?,
        )),
    };
    Ok(Box::new(DevicetreeFunctions::new(edt, shields)))
}
