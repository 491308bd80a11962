//! `kconfig`: command-line front end of the `kconfig-parser` crate.

use clap::{Parser, Subcommand};
use kconfig_parser::{load, LoadOptions, ReplayFunctions};
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "kconfig",
    about = "Kconfig parser and evaluator (Kconfiglib compatible)"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(clap::Args)]
struct TreeArgs {
    /// Root Kconfig file.
    #[arg(long)]
    kconfig: PathBuf,
    /// Source tree root ($srctree); defaults to the `srctree` variable.
    #[arg(long)]
    srctree: Option<PathBuf>,
    /// Environment variable for the macros (NAME=VALUE), repeatable. The
    /// process environment is used as well; these override it.
    #[arg(long = "env", value_name = "NAME=VALUE")]
    env: Vec<String>,
    /// Replay table of host function results (functions_trace.json).
    #[arg(long)]
    replay: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Load the whole tree and report the number of files and entries.
    Parse {
        #[command(flatten)]
        tree: TreeArgs,
        /// Write the distinct real paths of every file read (Zephyr's
        /// sources.txt), one per line.
        #[arg(long)]
        sources_out: Option<PathBuf>,
    },
}

fn options(t: &TreeArgs) -> Result<LoadOptions, String> {
    let mut env: HashMap<String, String> = std::env::vars().collect();
    for kv in &t.env {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| format!("--env {kv}: expected NAME=VALUE"))?;
        env.insert(k.to_string(), v.to_string());
    }
    let mut o = LoadOptions::new(&t.kconfig);
    o.srctree = t.srctree.clone();
    if let Some(s) = &t.srctree {
        env.insert("srctree".into(), s.to_string_lossy().into_owned());
    }
    o.env = env;
    if let Some(r) = &t.replay {
        let text = std::fs::read_to_string(r)
            .map_err(|e| format!("cannot read replay table {}: {e}", r.display()))?;
        o.host = Some(Box::new(ReplayFunctions::from_json(&text)?));
    }
    Ok(o)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Parse {
            tree: t,
            sources_out,
        } => {
            let opts = match options(&t) {
                Ok(o) => o,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::FAILURE;
                }
            };
            match load(opts) {
                Ok(kc) => {
                    for w in &kc.warnings {
                        eprintln!("{}", w.text);
                    }
                    if let Some(out) = sources_out {
                        let mut text = String::new();
                        for p in kc.source_paths() {
                            text.push_str(&p.to_string_lossy());
                            text.push('\n');
                        }
                        if let Err(e) = kconfig_parser::output::write_atomic(&out, text.as_bytes())
                        {
                            eprintln!("error: cannot write {}: {e}", out.display());
                            return ExitCode::FAILURE;
                        }
                    }
                    println!(
                        "{} files read ({} distinct), {} entries",
                        kc.reads.len(),
                        kc.files.len(),
                        kc.entry_count()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
