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
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;

/// [`HostFunctions`] over a devicetree: every function of Zephyr's
/// `kconfigfunctions.py`.
pub struct DevicetreeFunctions {
    ready: OnceLock<Result<Functions, String>>,
    pending: Option<JoinHandle<Result<Functions, String>>>,
}

impl std::fmt::Debug for DevicetreeFunctions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevicetreeFunctions")
            .field("ready", &self.ready.get().is_some())
            .finish()
    }
}

impl DevicetreeFunctions {
    /// Functions over `edt` (`None`: no devicetree, as Zephyr without an
    /// `EDT_PICKLE`). `shields` is `SHIELD_AS_LIST` (`;`-separated), `None`
    /// when that variable is not set.
    pub fn new(edt: Option<Arc<Edt>>, shields: Option<String>) -> DevicetreeFunctions {
        DevicetreeFunctions {
            ready: OnceLock::from(Ok(Functions::new(edt, shields))),
            pending: None,
        }
    }

    /// Functions over the devicetree `dts` (a final `zephyr.dts`) and the
    /// bindings under each of `dts_roots`, built on a thread of its own
    /// while the caller goes on (parsing Kconfig files): the first call
    /// waits for it, and reports its error if it failed.
    pub fn spawn(dts: PathBuf, dts_roots: Vec<PathBuf>, shields: Option<String>) -> Self {
        Self::spawn_indexed(dts, dts_roots, shields, None)
    }

    /// [`DevicetreeFunctions::spawn`] with an index of the binding files
    /// kept at `binding_index` between runs (see
    /// [`devicetree::bindings::Bindings::load_indexed`]): the same answers,
    /// without opening the ~3,000 binding files the tree does not use.
    pub fn spawn_indexed(
        dts: PathBuf,
        dts_roots: Vec<PathBuf>,
        shields: Option<String>,
        binding_index: Option<PathBuf>,
    ) -> Self {
        let handle = std::thread::spawn(move || {
            let edt = Edt::from_dts_file_indexed(&dts, &dts_roots, binding_index.as_deref())
                .map_err(|e| format!("devicetree error: {e}"))?;
            Ok(Functions::new(Some(Arc::new(edt)), shields))
        });
        DevicetreeFunctions {
            ready: OnceLock::new(),
            pending: Some(handle),
        }
    }

    fn functions(&mut self) -> &Result<Functions, String> {
        if let Some(handle) = self.pending.take() {
            let built = handle
                .join()
                .unwrap_or_else(|_| Err("devicetree error: the devicetree thread panicked".into()));
            let _ = self.ready.set(built);
        }
        self.ready
            .get()
            .expect("set by new() or by joining the thread")
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
        match self.functions() {
            Ok(f) => f
                .call(name, args)
                .map_err(|e| format!("{file}:{line}: error in $({name},...): {e}")),
            Err(e) => Err(format!(
                "{file}:{line}: $({name},...) needs the devicetree: {e}"
            )),
        }
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
/// Zephyr does without a devicetree. `shields` is `SHIELD_AS_LIST`. The
/// devicetree is read on a thread of its own while Kconfig files are
/// parsed; an error in it is reported by the first function call.
pub fn zephyr_functions(
    dts: Option<&Path>,
    dts_roots: &[PathBuf],
    shields: Option<String>,
) -> Result<Box<dyn HostFunctions>, String> {
    zephyr_functions_indexed(dts, dts_roots, shields, None)
}

/// [`zephyr_functions`] with an index of the binding files kept at
/// `binding_index` between runs (a build directory is the place for it).
pub fn zephyr_functions_indexed(
    dts: Option<&Path>,
    dts_roots: &[PathBuf],
    shields: Option<String>,
    binding_index: Option<&Path>,
) -> Result<Box<dyn HostFunctions>, String> {
    Ok(Box::new(match dts {
        None => DevicetreeFunctions::new(None, shields),
        Some(path) => DevicetreeFunctions::spawn_indexed(
            path.to_path_buf(),
            dts_roots.to_vec(),
            shields,
            binding_index.map(Path::to_path_buf),
        ),
    }))
}
