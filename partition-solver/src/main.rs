//! `pm-solve`: drop-in for `partition_manager.py` (default), `partition_manager_output.py`
//! (`pm-solve output`) and `partition_manager_report.py` (`pm-solve report`).
//!
//! Exit status: 0 on success, 1 when placement or output fails, 2 on argument errors.

use clap::{Arg, ArgAction, Command, Parser};
use partition_solver::output::{pm_config, pm_config_h, DomainLayout};
use partition_solver::preprocess::Preprocessor;
use partition_solver::{
    region_args, report, solve, DomainInput, Error, Fragment, Options, Setting,
};
use std::path::Path;
use std::process::ExitCode;

// The solver allocates many small maps; mimalloc handles that pattern much faster than glibc.
// Its v2 line (feature `v2`): v3 (0.1.49's default) left twice the resident memory on
// 10,000 aligned partitions (65 MB against 33 MB), and fresh pages are the main cost there.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Write files atomically: every text goes to a temporary file in its destination directory,
/// and all are renamed only once every one was written.
fn write_all(files: &[(&str, String)]) -> Result<(), Error> {
    let mut temps = Vec::new();
    for (path, text) in files {
        let p = Path::new(path);
        let dir = p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let io = |e: std::io::Error| Error::Io {
            path: path.to_string(),
            message: e.to_string(),
        };
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
        std::io::Write::write_all(&mut tmp, text.as_bytes()).map_err(io)?;
        temps.push((tmp, *path));
    }
    for (tmp, path) in temps {
        tmp.persist(path).map_err(|e| Error::Io {
            path: path.to_string(),
            message: e.to_string(),
        })?;
    }
    Ok(())
}

fn read(path: &str) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|e| Error::Io {
        path: path.to_string(),
        message: e.to_string(),
    })
}

fn parse_int(s: &str) -> Result<i128, String> {
    let t = s.trim();
    let (neg, b) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let b = b.replace('_', "");
    let v = if let Some(h) = b.strip_prefix("0x").or_else(|| b.strip_prefix("0X")) {
        i128::from_str_radix(h, 16)
    } else if let Some(o) = b.strip_prefix("0o").or_else(|| b.strip_prefix("0O")) {
        i128::from_str_radix(o, 8)
    } else if let Some(x) = b.strip_prefix("0b").or_else(|| b.strip_prefix("0B")) {
        i128::from_str_radix(x, 2)
    } else if b.len() > 1 && b.starts_with('0') && b.chars().any(|c| c != '0') {
        return Err(format!(
            "invalid int value: '{s}' (leading zeros are not allowed; use 0o for octal)"
        ));
    } else {
        b.parse()
    };
    let v = v
        .map(|v| if neg { -v } else { v })
        .map_err(|_| format!("invalid int value: '{s}'"))?;
    if v.unsigned_abs() > 1u128 << 64 {
        return Err(format!("value out of range: '{s}'"));
    }
    Ok(v)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("output") => run_output(&args[1..]),
        Some("report") => run_report(&args[1..]),
        _ => run_place(&args),
    }
}

fn fixed_args(cmd: Command) -> Command {
    cmd.arg(
        Arg::new("input-files")
            .long("input-files")
            .required(true)
            .num_args(1..)
            .help("pm.yml fragments in merge order (missing paths are skipped)"),
    )
    .arg(
        Arg::new("output-partitions")
            .long("output-partitions")
            .required(true)
            .help("partitions.yml to write"),
    )
    .arg(
        Arg::new("output-regions")
            .long("output-regions")
            .required(true)
            .help("regions.yml to write"),
    )
    .arg(
        Arg::new("static-config")
            .long("static-config")
            .help("pm_static.yml"),
    )
    .arg(
        Arg::new("regions")
            .long("regions")
            .num_args(0..)
            .help("region names; each needs --<region>-size"),
    )
    .arg(
        Arg::new("autoconf")
            .long("autoconf")
            .help("preprocess the inputs natively against this autoconf.h"),
    )
    .arg(
        Arg::new("compat")
            .long("compat")
            .action(ArgAction::SetTrue)
            .help("accept the broken layouts the reference tool accepts, as warnings"),
    )
    .arg(
        Arg::new("json")
            .long("json")
            .action(ArgAction::SetTrue)
            .help("print the result (or the error) as JSON on stdout"),
    )
}

fn run_place(args: &[String]) -> ExitCode {
    // First pass: find the region names (the reference parses in two steps too).
    let mut regions: Vec<String> = Vec::new();
    let mut it = args.iter().skip(1).peekable();
    while let Some(a) = it.next() {
        if a == "--regions" {
            while let Some(r) = it.peek() {
                if r.starts_with("--") {
                    break;
                }
                regions.push(it.next().cloned().unwrap_or_default());
            }
        }
    }
    // A region listed twice declares its options twice: argparse rejects that.
    for (i, r) in regions.iter().enumerate() {
        if regions[..i].contains(r) {
            eprintln!(
                "pm-solve: error: argument --{r}-size: conflicting option string: --{r}-size (region '{r}' is listed twice in --regions)"
            );
            return ExitCode::from(2);
        }
    }
    let mut cmd = fixed_args(Command::new("pm-solve").about(
        "Place partitions from pm.yml fragments (drop-in for partition_manager.py). Subcommands: `output` (partition_manager_output.py), `report` (memory map).",
    ));
    let leaked: Vec<&'static str> = regions
        .iter()
        .map(|r| &*Box::leak(r.clone().into_boxed_str()))
        .collect();
    for r in &leaked {
        let id = |s: &str| -> &'static str { Box::leak(format!("{r}-{s}").into_boxed_str()) };
        cmd = cmd
            .arg(
                Arg::new(id("size"))
                    .long(id("size"))
                    .required(true)
                    .value_parser(parse_int),
            )
            .arg(
                Arg::new(id("base-address"))
                    .long(id("base-address"))
                    .value_parser(parse_int),
            )
            .arg(
                Arg::new(id("placement-strategy"))
                    .long(id("placement-strategy"))
                    .value_parser(["start_to_end", "end_to_start", "complex"]),
            )
            .arg(Arg::new(id("device")).long(id("device")))
            .arg(Arg::new(id("default-driver-kconfig")).long(id("default-driver-kconfig")))
            .arg(Arg::new(id("dynamic-partition")).long(id("dynamic-partition")));
    }
    let m = match cmd.try_get_matches_from(args) {
        Ok(m) => m,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    if let Some(s) = m.get_one::<String>("static-config") {
        if std::fs::File::open(s).is_err() {
            // argparse's FileType rejects it as an argument error (exit status 2).
            eprintln!("pm-solve: error: argument --static-config: can't open '{s}'");
            return ExitCode::from(2);
        }
    }
    let json = m.get_flag("json");
    let opts = Options {
        compat: m.get_flag("compat"),
    };
    let result = (|| -> Result<partition_solver::Solution, Error> {
        let pp = match m.get_one::<String>("autoconf") {
            Some(a) => Some(Preprocessor::new().with_autoconf(&read(a)?)),
            None => None,
        };
        let mut fragments = Vec::new();
        for f in m.get_many::<String>("input-files").into_iter().flatten() {
            if !Path::new(f).exists() {
                continue;
            }
            let text = read(f)?;
            let text = match &pp {
                Some(pp) => pp.run(f, &text)?,
                None => text,
            };
            fragments.push(Fragment::new(f.clone(), text));
        }
        let static_config = match m.get_one::<String>("static-config") {
            Some(s) => Some(Fragment::new(s.clone(), read(s)?)),
            None => None,
        };
        // argparse's namespace: every region option's destination and value (or default),
        // in declaration order; each region then takes its settings by name prefix.
        let mut namespace = Vec::new();
        for r in &leaked {
            for o in region_args::OPTIONS {
                let id = format!("{r}-{o}");
                let v = match o {
                    "size" | "base-address" => m.get_one::<i128>(&id).map(|i| Setting::Int(*i)),
                    _ => m.get_one::<String>(&id).map(|s| Setting::Str(s.clone())),
                };
                namespace.push((
                    region_args::dest(r, o),
                    v.unwrap_or_else(|| region_args::default_setting(o)),
                ));
            }
        }
        let names: Vec<String> = leaked.iter().map(|r| r.to_string()).collect();
        let regs = region_args::regions_from_namespace(&names, &namespace)?;
        let sol = solve(
            &DomainInput {
                fragments,
                static_config,
                regions: regs,
            },
            &opts,
        )?;
        let p = sol.partitions_yaml();
        let r = sol.regions_yaml();
        write_all(&[
            (
                m.get_one::<String>("output-partitions")
                    .map(String::as_str)
                    .unwrap_or(""),
                p,
            ),
            (
                m.get_one::<String>("output-regions")
                    .map(String::as_str)
                    .unwrap_or(""),
                r,
            ),
        ])?;
        Ok(sol)
    })();
    match result {
        Ok(sol) => {
            if json {
                let v = serde_json::json!({
                    "partitions": report::to_json(&partition_solver::yaml::Value::Map(Box::new(sol.partitions.clone()))),
                    "regions": report::to_json(&partition_solver::solver::regions_value(&sol.regions)),
                    "log": sol.log,
                    "warnings": sol.warnings,
                });
                println!("{v:#}");
            } else {
                for l in &sol.log {
                    println!("{l}");
                }
                for w in &sol.warnings {
                    eprintln!("warning: {w}");
                }
            }
            // The process ends here: freeing a large layout entry by entry is wasted time.
            std::mem::forget(sol);
            ExitCode::SUCCESS
        }
        Err(e) => {
            if json {
                println!("{:#}", serde_json::json!({ "error": e.to_string() }));
            } else {
                eprintln!("Partition manager failed: {e}");
            }
            ExitCode::from(1)
        }
    }
}

/// `pm-solve output`: write `pm.config` and/or `pm_config.h` files.
#[derive(Parser, Debug)]
#[command(
    name = "pm-solve output",
    about = "Create pm.config / pm_config.h from partitions.yml (drop-in for partition_manager_output.py)"
)]
struct OutputArgs {
    /// partitions[_<D>].yml, one per domain (the domain comes from the file name).
    #[arg(long = "input-partitions", required = true, num_args = 1..)]
    input_partitions: Vec<String>,
    /// regions[_<D>].yml, one per domain.
    #[arg(long = "input-regions", required = true, num_args = 1..)]
    input_regions: Vec<String>,
    /// pm.config to write.
    #[arg(long = "config-file")]
    config_file: Option<String>,
    /// Images as DOMAIN:image (root domain: ":app"), paired with --header-files.
    #[arg(long, num_args = 1..)]
    images: Vec<String>,
    /// Header files to write, paired with --images.
    #[arg(long = "header-files", num_args = 1..)]
    header_files: Vec<String>,
}

fn run_output(args: &[String]) -> ExitCode {
    let a = match OutputArgs::try_parse_from(args) {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let r = (|| -> Result<(), Error> {
        let mut regions = std::collections::HashMap::<String, (String, String)>::new();
        for f in &a.input_regions {
            regions.insert(
                DomainLayout::domain_from_file_name(f, "regions"),
                (f.clone(), read(f)?),
            );
        }
        let mut layouts = Vec::new();
        for f in &a.input_partitions {
            let d = DomainLayout::domain_from_file_name(f, "partitions");
            let (rf, rt) = regions.get(&d).ok_or_else(|| {
                Error::Output(format!("no regions file for domain '{d}' (of {f})"))
            })?;
            layouts.push(DomainLayout::from_yaml(&d, (f, &read(f)?), (rf, rt))?);
        }
        let mut files = Vec::new();
        if let Some(c) = &a.config_file {
            files.push((c.as_str(), pm_config(&layouts)?));
        }
        if a.images.len() != a.header_files.len() {
            return Err(Error::Output(format!(
                "{} images but {} header files; they are paired by position",
                a.images.len(),
                a.header_files.len()
            )));
        }
        for (img, h) in a.images.iter().zip(&a.header_files) {
            let (d, i) = img.split_once(':').ok_or_else(|| {
                Error::Output(format!(
                    "image '{img}' must be written DOMAIN:image (root domain: ':{img}')"
                ))
            })?;
            let base = Path::new(h)
                .file_name()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let (text, warning) = pm_config_h(&layouts, d, i, &base, "pm-solve")?;
            if let Some(w) = warning {
                println!("{w}");
            }
            files.push((h.as_str(), text));
        }
        write_all(&files)
    })();
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pm-solve output: {e}");
            ExitCode::from(1)
        }
    }
}

/// `pm-solve report`: memory map of every region.
#[derive(Parser, Debug)]
#[command(
    name = "pm-solve report",
    about = "Print a memory map of partitions.yml files (text, SVG or a devicetree overlay)"
)]
struct ReportArgs {
    /// partitions[_<D>].yml files.
    #[arg(short, long, required = true, num_args = 1..)]
    input: Vec<String>,
    /// Write an SVG picture to this file.
    #[arg(long)]
    svg: Option<String>,
    /// Write a devicetree overlay with fixed-partitions nodes to this file.
    #[arg(long)]
    dts: Option<String>,
}

fn run_report(args: &[String]) -> ExitCode {
    let a = match ReportArgs::try_parse_from(args) {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let r = (|| -> Result<(), Error> {
        let mut all = Vec::new();
        for f in &a.input {
            let d = DomainLayout::domain_from_file_name(f, "partitions");
            let text = read(f)?;
            let v = partition_solver::yaml::load(&text).map_err(|source| Error::Yaml {
                file: f.clone(),
                source,
            })?;
            let m = v.as_map().cloned().unwrap_or_default();
            print!("{}", report::text(&d, &m));
            all.push((d, m));
        }
        let mut files = Vec::new();
        if let Some(s) = &a.svg {
            files.push((s.as_str(), report::svg(&all)));
        }
        if let Some(d) = &a.dts {
            files.push((d.as_str(), report::dts_overlay(&all)));
        }
        write_all(&files)
    })();
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pm-solve report: {e}");
            ExitCode::from(1)
        }
    }
}
