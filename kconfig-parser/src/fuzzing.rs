//! The body of the fuzz target (`fuzz/fuzz_targets/parse.rs`), here so that
//! normal tests can run it over the corpus and mutations of it.

use crate::{load, parse_expression, HostFunctions, LoadOptions};

/// Replaces `$(shell,…)` so fuzz inputs never run commands.
struct NoShell;

impl HostFunctions for NoShell {
    fn arity(&self, name: &str) -> Option<(usize, Option<usize>)> {
        (name == "shell").then_some((1, Some(1)))
    }
    fn call(&mut self, _: &str, _: &[String], _: &str, _: u32) -> Result<String, String> {
        Ok(String::new())
    }
}

/// Writes `data` as a Kconfig file in a temporary directory and loads it
/// (with `$(shell)` disabled); also parses its first line as an expression
/// and prints the tree. Returns whether the load succeeded. Panics only if
/// the library panics.
pub fn parse_bytes(data: &[u8]) -> bool {
    let dir = std::env::temp_dir().join(format!("kconfig-fuzz-{}", std::process::id()));
    if std::fs::create_dir_all(&dir).is_err() || std::fs::write(dir.join("Kconfig"), data).is_err()
    {
        return false;
    }
    let mut o = LoadOptions::new("Kconfig");
    o.base_dir = Some(dir);
    o.host = Some(Box::new(NoShell));
    match load(o) {
        Ok(mut kc) => {
            if let Ok(text) = std::str::from_utf8(data) {
                let _ = parse_expression(&mut kc, text.lines().next().unwrap_or(""));
            }
            let _ = crate::printer::print(&kc);
            true
        }
        Err(e) => {
            let _ = e.to_string();
            false
        }
    }
}
