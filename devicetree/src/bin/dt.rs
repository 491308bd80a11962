//! `dt`: Zephyr's devicetree from the command line. A thin front end over
//! the `devicetree` library.

use clap::{Parser, Subcommand};
use devicetree::dts::{ReadOptions, Tree};
use devicetree::edt::Edt;
use devicetree::kconfig::Functions;
use devicetree::sources::zephyr::ZephyrBuild;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "dt",
    version,
    about = "Zephyr's devicetree: read DTS, apply bindings, answer Kconfig's dt_* functions",
    after_help = "Examples:\n  dt print build/zephyr/zephyr.dts\n  dt build -b mps2/an385 --app $ZEPHYR_BASE/samples/hello_world -o zephyr.dts\n  dt call --dts build/zephyr/zephyr.dts --dts-root $ZEPHYR_BASE dt_chosen_reg_size_int zephyr,flash 0 K"
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
    /// Build a board's devicetree from its sources as Zephyr's dts.cmake
    /// does (board .dts, overlays, C preprocessor) and print or write the
    /// merged tree in the form Zephyr writes `zephyr.dts`.
    #[command(
        after_help = "Example:\n  dt build -b qemu_cortex_m3 --app app --overlay extra.overlay -o build/zephyr.dts\n  dt build -b mps2/an385 --call dt_chosen_reg_size_int zephyr,sram 0 K"
    )]
    Build {
        /// The board target (`BOARD`): `name[@revision][/qualifiers]`.
        #[arg(short = 'b', long)]
        board: String,
        /// The application's source directory (default: the current directory).
        #[arg(long, value_name = "DIR", default_value = ".")]
        app: PathBuf,
        /// `DTC_OVERLAY_FILE` (repeatable): replaces the application's
        /// default overlays (`boards/<board>.overlay`, `app.overlay`, ...).
        #[arg(long = "overlay", value_name = "FILE")]
        overlays: Vec<PathBuf>,
        /// `EXTRA_DTC_OVERLAY_FILE` (repeatable): applied last.
        #[arg(long = "extra-overlay", value_name = "FILE")]
        extra_overlays: Vec<PathBuf>,
        /// `ZEPHYR_BASE` (default: $ZEPHYR_BASE).
        #[arg(long, value_name = "DIR")]
        zephyr_base: Option<PathBuf>,
        /// A Zephyr module directory (repeatable; its module.yml may add roots).
        #[arg(long = "module", value_name = "DIR")]
        modules: Vec<PathBuf>,
        /// Extra `DTS_ROOT` (repeatable).
        #[arg(long = "dts-root", value_name = "DIR")]
        dts_roots: Vec<PathBuf>,
        /// Extra `BOARD_ROOT` (repeatable).
        #[arg(long = "board-root", value_name = "DIR")]
        board_roots: Vec<PathBuf>,
        /// The C preprocessor driver (default: $DTS_CPP, else `cpp`).
        #[arg(long, value_name = "PROGRAM", env = "DTS_CPP")]
        cpp: Option<PathBuf>,
        /// Write the tree here (atomically) instead of stdout.
        #[arg(short = 'o', long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Also build the extended tree with the bindings under each DTS
        /// root's `dts/bindings`, as `gen_edt.py` does, so that a tree that
        /// does not fit its bindings is an error.
        #[arg(long)]
        edt: bool,
        /// Print the preprocessing inputs (files, include directories, cpp
        /// command) instead of the tree.
        #[arg(long)]
        show_inputs: bool,
        /// Answer this Kconfig function (and the following arguments) on
        /// the built tree instead of printing it.
        #[arg(long, num_args = 1.., value_name = "FUNCTION ARGS", allow_hyphen_values = true)]
        call: Vec<String>,
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
        /// Keep an index of the binding files here between runs (created
        /// when missing): unchanged bindings the tree does not use are then
        /// not opened.
        #[arg(long, value_name = "FILE")]
        bindings_index: Option<PathBuf>,
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
        Cmd::Build {
            board,
            app,
            overlays,
            extra_overlays,
            zephyr_base,
            modules,
            dts_roots,
            board_roots,
            cpp,
            output,
            show_inputs,
            edt,
            call,
        } => {
            let base = match zephyr_base {
                Some(b) => b,
                None => PathBuf::from(
                    std::env::var_os("ZEPHYR_BASE")
                        .ok_or("no Zephyr: give --zephyr-base DIR or set ZEPHYR_BASE")?,
                ),
            };
            let mut build = ZephyrBuild::new(base, &board, app);
            build.dtc_overlay_file = (!overlays.is_empty()).then_some(overlays);
            build.extra_dtc_overlay_file = extra_overlays;
            build.modules = modules;
            build.dts_roots = dts_roots;
            build.board_roots = board_roots;
            build.cpp = cpp;
            let resolved = build.resolve().map_err(|e| e.to_string())?;
            if show_inputs {
                let i = &resolved.inputs;
                let mut s = format!(
                    "board: {}{}",
                    resolved.board.name, resolved.board.qualifiers
                );
                if let Some(r) = &resolved.board.revision {
                    s += &format!(" (revision {r})");
                }
                s += "\nfiles:\n";
                for f in &i.files {
                    s += &format!("  {}\n", f.display());
                }
                s += &format!("cd {} && {}", i.working_dir.display(), i.cpp.display());
                for a in i.cpp_args() {
                    s += &format!(" {}", a.to_string_lossy());
                }
                s += "\n";
                return write_stdout(&s);
            }
            let tree = resolved.inputs.tree().map_err(|e| e.to_string())?;
            if edt && call.is_empty() {
                let dirs: Vec<PathBuf> = resolved
                    .dts_roots
                    .iter()
                    .map(|r| r.join("dts/bindings"))
                    .collect();
                let text = tree.to_dts();
                Edt::new(tree, &dirs, "zephyr.dts.pre").map_err(|e| e.to_string())?;
                return match output {
                    Some(path) => write_atomic(&path, &text),
                    None => write_stdout(&text),
                };
            }
            if !call.is_empty() {
                let dirs: Vec<PathBuf> = resolved
                    .dts_roots
                    .iter()
                    .map(|r| r.join("dts/bindings"))
                    .collect();
                let edt = Edt::new(tree, &dirs, "zephyr.dts.pre").map_err(|e| e.to_string())?;
                let f = Functions::new(Some(Arc::new(edt)), std::env::var("SHIELD_AS_LIST").ok());
                let answer = f.call(&call[0], &call[1..])?;
                return write_stdout(&format!("{answer}\n"));
            }
            let text = tree.to_dts();
            match output {
                Some(path) => write_atomic(&path, &text),
                None => write_stdout(&text),
            }
        }
        Cmd::Call {
            dts,
            dts_roots,
            bindings_index,
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
            let edt = Edt::from_dts_file_indexed(&dts, &roots, bindings_index.as_deref())
                .map_err(|e| e.to_string())?;
            let shields = std::env::var("SHIELD_AS_LIST").ok();
            let f = Functions::new(Some(Arc::new(edt)), shields);
            let answer = f.call(&function, &args)?;
            write_stdout(&format!("{answer}\n"))
        }
    }
}

/// Writes `text` to a temporary file beside `path` and renames it into
/// place: after an error the old file is untouched.
fn write_atomic(path: &std::path::Path, text: &str) -> Result<(), String> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| format!("{}: cannot create a temporary file: {e}", dir.display()))?;
    tmp.write_all(text.as_bytes())
        .map_err(|e| format!("{}: {e}", tmp.path().display()))?;
    tmp.persist(path)
        .map_err(|e| format!("{}: {}", path.display(), e.error))?;
    Ok(())
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
