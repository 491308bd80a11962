//! `dt`: Zephyr's devicetree from the command line. A thin front end over
//! the `devicetree` library.

use clap::{Parser, Subcommand};
use devicetree::dts::{ReadOptions, Tree};
use devicetree::edt::Edt;
use devicetree::kconfig::Functions;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "dt",
    version,
    about = "Zephyr's devicetree: read DTS, apply bindings, answer Kconfig's dt_* functions",
    after_help = "Examples:\n  dt print build/zephyr/zephyr.dts\n  dt call --dts build/zephyr/zephyr.dts --dts-root $ZEPHYR_BASE dt_chosen_reg_size_int zephyr,flash 0 K"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Read a DTS file (no preprocessing) and print the merged tree in the
    /// form Zephyr writes `zephyr.dts`.
    Print {
        /// The DTS file.
        file: PathBuf,
        /// Directory searched by `/include/` (repeatable).
        #[arg(short = 'I', long = "include")]
        include_dirs: Vec<PathBuf>,
    },
    /// Answer one of Zephyr's Kconfig functions (`dt_*`, `add`, ...) from a
    /// final devicetree and its bindings.
    #[command(
        after_help = "Example:\n  dt call --dts build/zephyr/zephyr.dts dt_compat_enabled arm,cortex-m3"
    )]
    Call {
        /// The final devicetree (`zephyr.dts`).
        #[arg(long)]
        dts: PathBuf,
        /// A DTS root whose `dts/bindings` holds bindings (repeatable;
        /// default: $ZEPHYR_BASE).
        #[arg(long = "dts-root", value_name = "DIR")]
        dts_roots: Vec<PathBuf>,
        /// The function's name.
        function: String,
        /// Its arguments.
        args: Vec<String>,
    },
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.cmd {
        Cmd::Print { file, include_dirs } => {
            let mut opts = ReadOptions::default();
            opts.include_dirs = include_dirs;
            let tree = Tree::from_file(&file, &opts).map_err(|e| e.to_string())?;
            write_stdout(&tree.to_dts())
        }
        Cmd::Call {
            dts,
            dts_roots,
            function,
            args,
        } => {
            let roots = if dts_roots.is_empty() {
                let base = std::env::var_os("ZEPHYR_BASE")
                    .ok_or("no bindings: give --dts-root DIR or set ZEPHYR_BASE")?;
                vec![PathBuf::from(base)]
            } else {
                dts_roots
            };
            let edt = Edt::from_dts_file(&dts, &roots).map_err(|e| e.to_string())?;
            let shields = std::env::var("SHIELD_AS_LIST").ok();
            let f = Functions::new(Some(Arc::new(edt)), shields);
            let answer = f.call(&function, &args)?;
            write_stdout(&format!("{answer}\n"))
        }
    }
}

/// Writes to stdout; a closed pipe (`dt print ... | head`) is not an error.
fn write_stdout(text: &str) -> Result<(), String> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(format!("writing stdout: {e}")),
        _ => Ok(()),
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dt: error: {e}");
            ExitCode::FAILURE
        }
    }
}
