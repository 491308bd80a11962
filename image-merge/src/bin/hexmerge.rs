//! `hexmerge`: merge Intel HEX / S-record / binary images into one file.
//!
//! A drop-in for Zephyr's `mergehex.py`: `hexmerge -o OUT [--overlap error|ignore|replace]
//! IN...` writes byte-identical output. Exit status: 0 success, 1 overlap or start-address
//! conflict, 2 bad input, bad usage or an output that cannot be written.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use image_merge::input::parse_number;
use image_merge::intel_hex::{self, AddressRecords, LineEnding, RecordLength};
use image_merge::report::Report;
use image_merge::{
    binary, merge, read_inputs_with, srec, write_file, InputSpec, MergeError, MergeOptions,
    OutputFormat, OverlapPolicy, ReadOptions, StartAddress, StartPolicy, Warning, WarningKind,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// Intel HEX.
    Ihex,
    /// Motorola S-record.
    Srec,
    /// Flat binary (holes filled with --fill).
    Bin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ReportKind {
    /// JSON on standard output.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum AddressRecordMode {
    /// Type-04 records only when data lies above 64 KiB (mergehex.py).
    Needed,
    /// A type-04 record at the start of every segment.
    EverySegment,
    /// Type-02 (i16hex) records instead of 04, where needed; images below 1 MiB only.
    Segment,
}

/// Merge firmware images (Intel HEX, S-record, raw binary) into one file, with exact
/// overlap reports. Drop-in for Zephyr's mergehex.py.
#[derive(Debug, Parser)]
#[command(name = "hexmerge", version, allow_negative_numbers = false)]
struct Cli {
    /// Output file (written atomically; never over an input); `-` for standard output.
    #[arg(short, long, default_value = "merged.hex")]
    output: PathBuf,

    /// What to do when an address is written more than once. `ignore` = first,
    /// `replace` = last (mergehex.py names).
    #[arg(long, value_enum, default_value_t = OverlapPolicy::Error)]
    overlap: OverlapPolicy,

    /// What to do with the inputs' start address records.
    #[arg(long, value_enum, default_value_t = StartPolicy::Drop)]
    start: StartPolicy,

    /// Set the output's start address (linear), whatever the inputs say.
    #[arg(long, value_parser = parse_u32)]
    start_address: Option<u32>,

    /// Output format (default: from the output's extension: .bin binary,
    /// .srec/.s19/.s28/.s37/.mot S-record, anything else Intel HEX).
    #[arg(long, value_enum)]
    format: Option<Format>,

    /// Data bytes per record, 1-255 (default 16). S-record output lowers it to what its
    /// address width allows (252 for S1, 251 for S2, 250 for S3).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=255))]
    record_length: Option<u8>,

    /// Line ending of text output.
    #[arg(long, value_enum, default_value_t = LineEnding::Lf)]
    line_ending: LineEnding,

    /// Where to put Intel HEX type-04 records.
    #[arg(long, value_enum, default_value_t = AddressRecordMode::Needed)]
    address_records: AddressRecordMode,

    /// srec_cat-like Intel HEX layout: 32-byte records and an 04 record at each segment
    /// (--record-length still overrides the length).
    #[arg(long)]
    srec_cat_style: bool,

    /// Fill byte for holes in binary output.
    #[arg(long, value_parser = parse_u8, default_value = "0xFF")]
    fill: u8,

    /// Only output addresses in START:END (END exclusive); for binary output this is also
    /// the file's extent, holes filled with --fill. Data outside is dropped with a warning.
    #[arg(long, value_parser = parse_range)]
    range: Option<(u32, u64)>,

    /// Print a report of what came from where (not with `-o -`); on an overlap error, the
    /// overlapping ranges.
    #[arg(long, value_enum)]
    report: Option<ReportKind>,

    /// Accept records with a wrong checksum (one warning per file says how many).
    #[arg(long)]
    ignore_checksums: bool,

    /// Do not print warnings.
    #[arg(short, long)]
    quiet: bool,

    /// Inputs, merged in this order: Intel HEX or S-record files, or raw binary as
    /// FILE@ADDRESS (e.g. app.bin@0x1000).
    inputs: Vec<String>,
}

fn parse_u32(s: &str) -> Result<u32, String> {
    parse_number(s)
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| format!("expected a 32-bit number (decimal or 0x hex), found '{s}'"))
}

fn parse_u8(s: &str) -> Result<u8, String> {
    parse_number(s)
        .and_then(|v| u8::try_from(v).ok())
        .ok_or_else(|| format!("expected a byte value 0-255 (decimal or 0x hex), found '{s}'"))
}

fn parse_range(s: &str) -> Result<(u32, u64), String> {
    let (a, b) = s
        .split_once(':')
        .ok_or_else(|| format!("expected START:END (END exclusive), found '{s}'"))?;
    let lo = parse_u32(a)?;
    let hi = parse_number(b)
        .filter(|&v| v <= 1 << 32)
        .ok_or_else(|| format!("expected an end address up to 0x100000000, found '{b}'"))?;
    if hi <= lo as u64 {
        return Err(format!("empty range '{s}': END must be above START"));
    }
    Ok((lo, hi))
}

fn output_format(cli: &Cli) -> OutputFormat {
    let fmt = cli.format.unwrap_or_else(|| {
        let ext = cli
            .output
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "bin" => Format::Bin,
            "srec" | "s19" | "s28" | "s37" | "mot" => Format::Srec,
            _ => Format::Ihex,
        }
    });
    match fmt {
        Format::Ihex => {
            let mut o = if cli.srec_cat_style {
                intel_hex::WriteOptions::srec_cat_style()
            } else {
                intel_hex::WriteOptions::default()
            };
            if let Some(n) = cli.record_length.and_then(RecordLength::new) {
                o.record_length = n;
            }
            o.line_ending = cli.line_ending;
            match cli.address_records {
                AddressRecordMode::Needed => {}
                AddressRecordMode::EverySegment => o.address_records = AddressRecords::EverySegment,
                AddressRecordMode::Segment => o.address_records = AddressRecords::Segment,
            }
            OutputFormat::IntelHex(o)
        }
        Format::Srec => OutputFormat::SRecord(srec::WriteOptions {
            record_length: cli.record_length.unwrap_or(16),
            line_ending: cli.line_ending,
        }),
        Format::Bin => OutputFormat::Binary(binary::WriteOptions {
            fill: cli.fill,
            range: cli.range,
        }),
    }
}

fn warn(cli: &Cli, w: &Warning) {
    if !cli.quiet {
        eprintln!("hexmerge: {w}");
    }
}

fn run(cli: &Cli) -> Result<(), (u8, String)> {
    let bad = |e: &dyn std::fmt::Display| (2, format!("error: {e}"));
    let specs: Vec<InputSpec> = cli
        .inputs
        .iter()
        .map(|a| InputSpec::parse(a))
        .collect::<Result<_, _>>()
        .map_err(|e| bad(&e))?;
    let paths: Vec<PathBuf> = specs.iter().map(|s| s.path.clone()).collect();
    image_merge::output::check_not_input(&cli.output, &paths).map_err(|e| bad(&e))?;
    let timing = std::env::var_os("HEXMERGE_TIMING").is_some();
    let t0 = std::time::Instant::now();
    let phase = |what: &str| {
        if timing {
            eprintln!(
                "hexmerge: timing: {what} done at {:.3} s",
                t0.elapsed().as_secs_f64()
            );
        }
    };
    let read_opts = ReadOptions {
        verify_checksums: !cli.ignore_checksums,
    };
    let inputs = read_inputs_with(&specs, &read_opts).map_err(|e| bad(&e))?;
    phase("read");
    let opts = MergeOptions {
        overlap: cli.overlap,
        start: cli.start,
    };
    let mut merged = match merge(inputs, &opts) {
        Ok(m) => m,
        Err(e @ MergeError::Overlap(_)) => {
            if let (MergeError::Overlap(r), Some(ReportKind::Json)) = (&e, cli.report) {
                let json = serde_json::json!({ "error": "overlap", "report": r });
                println!("{}", serde_json::to_string_pretty(&json).expect("serialises"));
            }
            return Err((
                1,
                format!(
                    "error: {e}\nhint: --overlap identical accepts identical bytes; \
                     --overlap first|last lets the first or last input win; nothing was written"
                ),
            ))
        }
        Err(e @ MergeError::StartConflict { .. }) => {
            return Err((
                1,
                format!("error: {e}\nhint: choose one with --start first|last or --start-address ADDR; nothing was written"),
            ))
        }
    };
    phase("merge");
    for w in &merged.warnings {
        warn(cli, w);
    }
    if let Some(a) = cli.start_address {
        merged
            .image
            .set_start_address(Some(StartAddress::Linear(a)));
        merged.start_from = None;
    }
    if let Some((lo, hi)) = cli.range {
        let dropped = merged.image.crop(lo, hi);
        if dropped > 0 {
            warn(
                cli,
                &Warning {
                    location: image_merge::Location {
                        file: cli.output.display().to_string(),
                        line: 0,
                        column: 0,
                    },
                    kind: WarningKind::Cropped { bytes: dropped },
                },
            );
        }
    }
    let format = output_format(cli);
    if cli.output.as_os_str() == "-" {
        image_merge::output::write_to(&merged.image, &format, std::io::stdout())
            .map_err(|e| bad(&format!("standard output: {e}")))?;
    } else {
        write_file(&merged.image, &format, &cli.output, &paths).map_err(|e| bad(&e))?;
    }
    phase("write");
    if cli.report == Some(ReportKind::Json) && cli.output.as_os_str() != "-" {
        println!(
            "{}",
            Report::new(&merged, &cli.output.display().to_string()).to_json()
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err((code, msg)) => {
            eprintln!("hexmerge: {msg}");
            ExitCode::from(code)
        }
    }
}
