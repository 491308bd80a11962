//! Inputs: how one is named on a command line, its format, and what reading it yields.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Location, ParseError, Warning};
use crate::image::{Segment, ADDRESS_SPACE};
use crate::source_lines::SourceLines;
use crate::start::StartAddress;
use crate::{binary, intel_hex, srec};

/// The format of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "format", rename_all = "kebab-case")]
pub enum InputFormat {
    /// Intel HEX (types 00-05).
    IntelHex,
    /// Motorola S-record (S0-S9).
    SRecord,
    /// Raw bytes placed at `base`.
    Binary {
        /// Address of the first byte.
        base: u32,
    },
}

/// One input: a path and its format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputSpec {
    /// The file.
    pub path: PathBuf,
    /// How to read it.
    pub format: InputFormat,
}

/// Why a command-line input could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("input '{arg}': {reason}")]
pub struct InputSpecError {
    /// The argument.
    pub arg: String,
    /// What is wrong and how to write it.
    pub reason: String,
}

/// Parses an integer in decimal or with a `0x`/`0b`/`0o` prefix (`_` separators allowed).
pub fn parse_number(s: &str) -> Option<u64> {
    let t = s.trim().replace('_', "");
    let (digits, radix) = if let Some(r) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        (r, 16)
    } else if let Some(r) = t.strip_prefix("0b").or_else(|| t.strip_prefix("0B")) {
        (r, 2)
    } else if let Some(r) = t.strip_prefix("0o").or_else(|| t.strip_prefix("0O")) {
        (r, 8)
    } else {
        (t.as_str(), 10)
    };
    u64::from_str_radix(digits, radix).ok()
}

impl InputSpec {
    /// Interprets a command-line argument.
    ///
    /// * `PATH@ADDR` is raw binary placed at `ADDR` (decimal or `0x` hex), e.g.
    ///   `app.bin@0x1000` (a path that itself contains `@` and exists is taken as a path);
    /// * otherwise the extension decides (`.hex .ihex .ihx .h86 .hxl .hxh .mcs` Intel HEX;
    ///   `.srec .s19 .s28 .s37 .s .mot .mhx .s1 .s2 .s3 .sx .exo` S-record; `.bin` needs a base
    ///   address and is an error without one), and without a known extension the first byte
    ///   of the file (`S` S-record, anything else Intel HEX, whose reader then reports
    ///   precisely what is wrong).
    pub fn parse(arg: &str) -> Result<InputSpec, InputSpecError> {
        let err = |reason: String| InputSpecError {
            arg: arg.to_string(),
            reason,
        };
        if let Some((path, addr)) = arg.rsplit_once('@') {
            if !Path::new(arg).exists() {
                let base = parse_number(addr)
                    .filter(|&a| a < ADDRESS_SPACE)
                    .ok_or_else(|| {
                        err(format!(
                            "expected a 32-bit base address after '@' (e.g. file.bin@0x1000), found '{addr}'"
                        ))
                    })?;
                return Ok(InputSpec {
                    path: PathBuf::from(path),
                    format: InputFormat::Binary { base: base as u32 },
                });
            }
        }
        let path = PathBuf::from(arg);
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .unwrap_or_default();
        let format = match ext.as_str() {
            "hex" | "ihex" | "ihx" | "h86" | "hxl" | "hxh" | "mcs" => InputFormat::IntelHex,
            "srec" | "s19" | "s28" | "s37" | "s" | "mot" | "mhx" | "s1" | "s2" | "s3" | "sx"
            | "exo" => InputFormat::SRecord,
            "bin" => {
                return Err(err(format!(
                    "raw binary needs a base address: write it as {arg}@0x<address>"
                )))
            }
            _ => sniff(&path),
        };
        Ok(InputSpec { path, format })
    }

    /// The name used in messages (the path as given).
    pub fn name(&self) -> String {
        self.path.display().to_string()
    }
}

fn sniff(path: &Path) -> InputFormat {
    use std::io::Read;
    let mut first = [0u8; 64];
    let n = File::open(path)
        .and_then(|mut f| f.read(&mut first))
        .unwrap_or(0);
    match first[..n].iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'S') => InputFormat::SRecord,
        _ => InputFormat::IntelHex,
    }
}

/// A start address record and where it was.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LocatedStart {
    /// The address.
    pub address: StartAddress,
    /// Where.
    pub location: Location,
}

/// What one input holds, before overlaps are resolved.
///
/// `runs` are the data in file order: consecutive records that continue each other are
/// already joined, so a well-formed file gives a handful of runs. Runs may overlap each
/// other (an address written twice in one file); [`crate::merge()`] resolves that under the
/// overlap policy, exactly as for overlaps between files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputData {
    /// The input's name in messages.
    pub name: String,
    /// Its format.
    pub format: InputFormat,
    /// Data runs in file order.
    pub runs: Vec<Segment>,
    /// Start address records in file order.
    pub starts: Vec<LocatedStart>,
    /// Warnings (never silently dropped).
    pub warnings: Vec<Warning>,
}

impl InputData {
    pub(crate) fn new(name: &str, format: InputFormat) -> InputData {
        InputData {
            name: name.to_string(),
            format,
            runs: Vec::new(),
            starts: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Number of data bytes read (counting twice-written addresses twice).
    pub fn data_len(&self) -> u64 {
        self.runs.iter().map(|r| r.data().len() as u64).sum()
    }

    /// Appends bytes at `addr` in file order, read from `line` of a text file (`None` for
    /// binary input), joining them to the current run when they continue it. Bytes that
    /// would pass 4 GiB wrap to address 0 (the spec's i32hex rule).
    #[inline]
    pub(crate) fn put(&mut self, addr: u32, bytes: &[u8], line: Option<u64>) {
        if bytes.is_empty() {
            return;
        }
        let room = (ADDRESS_SPACE - addr as u64).min(bytes.len() as u64) as usize;
        let (now, wrapped) = bytes.split_at(room);
        match self.runs.last_mut() {
            Some(last) if last.end() == addr as u64 => last.extend(now, line),
            _ => {
                let run = match line {
                    Some(line) => {
                        let mut lines = SourceLines::new();
                        lines.push(now.len(), line);
                        Segment::with_lines(addr, now.to_vec(), lines)
                    }
                    None => Segment::new(addr, now.to_vec()),
                };
                self.runs.push(run.expect("non-empty, in range"));
            }
        }
        if !wrapped.is_empty() {
            self.put(0, wrapped, line);
        }
    }
}

/// Why an input could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be opened or read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// A malformed record.
    #[error(transparent)]
    Parse(#[from] ParseError),
}

/// Reader leniency. The default is strict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// Verify record checksums (default). When off, records with a wrong checksum are
    /// accepted and counted in one warning per file (never silently).
    pub verify_checksums: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            verify_checksums: true,
        }
    }
}

/// Reads one input, strictly.
pub fn read_input(spec: &InputSpec) -> Result<InputData, ReadError> {
    read_input_with(spec, &ReadOptions::default())
}

/// Reads one input with the given leniency.
pub fn read_input_with(spec: &InputSpec, opts: &ReadOptions) -> Result<InputData, ReadError> {
    let name = spec.name();
    let io = |source| ReadError::Io {
        path: name.clone(),
        source,
    };
    match spec.format {
        InputFormat::IntelHex => {
            let f = File::open(&spec.path).map_err(io)?;
            intel_hex::read_with(f, &name, opts)
        }
        InputFormat::SRecord => {
            let f = File::open(&spec.path).map_err(io)?;
            srec::read_with(f, &name, opts)
        }
        InputFormat::Binary { base } => {
            let bytes = std::fs::read(&spec.path).map_err(io)?;
            binary::read(&bytes, base, &name).map_err(ReadError::Parse)
        }
    }
}

/// Reads several inputs, in parallel threads when there are several and the machine has
/// more than one core. The result is in the order of `specs`; on failure the error of the
/// first failing input (in `specs` order) is returned.
pub fn read_inputs(specs: &[InputSpec]) -> Result<Vec<InputData>, ReadError> {
    read_inputs_with(specs, &ReadOptions::default())
}

/// [`read_inputs`] with the given leniency.
pub fn read_inputs_with(
    specs: &[InputSpec],
    opts: &ReadOptions,
) -> Result<Vec<InputData>, ReadError> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(specs.len());
    if threads <= 1 {
        return specs.iter().map(|s| read_input_with(s, opts)).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<Option<Result<InputData, ReadError>>> =
        (0..specs.len()).map(|_| None).collect();
    let slots: Vec<std::sync::Mutex<&mut Option<Result<InputData, ReadError>>>> =
        results.iter_mut().map(std::sync::Mutex::new).collect();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= specs.len() {
                    break;
                }
                let r = read_input_with(&specs[i], opts);
                **slots[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(r);
            });
        }
    });
    drop(slots);
    results
        .into_iter()
        .map(|r| r.expect("every input was read by a worker"))
        .collect()
}
