//! Intel HEX: a strict streaming reader and a streaming writer.
//!
//! Reader rules (see the crate docs for the table of malformed cases):
//! * a record is `:` + an even number of hex digits (either case); LF or CRLF line ends;
//!   any other character, a lone CR, or a blank before/after the record is an error at its
//!   line and column; empty lines are skipped with one warning;
//! * byte count must match the payload, the checksum must make the byte sum 0 mod 256,
//!   types 00-05 only; 01 carries 0 bytes, 02/04 carry 2, 03/05 carry 4 (errors otherwise);
//!   a non-data record with an address field other than 0000 is a warning;
//! * type 04 sets the upper 16 address bits: addresses continue linearly and wrap at 4 GiB;
//!   type 02 sets a segment base: address = base + ((offset + i) mod 64 KiB) (the
//!   specification's in-segment wrap); the last 02/04 seen decides the mode;
//! * the first EOF record ends the data: anything but empty lines after it is ignored with a
//!   warning, and a missing EOF record is a warning;
//! * every start record (03/05) is kept in order; a second one is also a warning.
//!
//! The writer emits canonical output: ascending addresses, records of at most the chosen
//! length that never cross a 64 KiB boundary nor a hole, type-04 records where needed.

use std::io::{self, Read, Write};

use crate::diagnostic::{Location, ParseErrorKind, Warning, WarningKind};
use crate::hexdigits;
use crate::image::MemoryImage;
use crate::input::{InputData, InputFormat, LocatedStart, ReadError, ReadOptions};
use crate::records::{Framing, RecordScanner};
use crate::sink::{self, Sink};
use crate::start::StartAddress;

/// Longest valid record: `:` + 2 * (5 + 255) digits.
const MAX_RECORD_CHARS: usize = 1 + 2 * 260;

/// `:`, then count, address (2 bytes), type, data and a checksum that makes the sum 0.
const FRAMING: Framing = Framing {
    skip: 1,
    max_chars: MAX_RECORD_CHARS,
    uncounted: 5,
    sum: 0,
};

#[derive(Clone, Copy)]
enum Mode {
    /// Upper 16 bits (already shifted).
    Linear(u32),
    /// Segment base (already multiplied by 16).
    Segment(u32),
}

/// Reads an Intel HEX file from `src`; `name` is used in messages.
pub fn read<R: Read>(src: R, name: &str) -> Result<InputData, ReadError> {
    read_with(src, name, &ReadOptions::default())
}

/// [`read`] with the given leniency.
pub fn read_with<R: Read>(src: R, name: &str, opts: &ReadOptions) -> Result<InputData, ReadError> {
    let mut data = InputData::new(name, InputFormat::IntelHex);
    let mut records = RecordScanner::new(src, name, b':');
    let mut mode = Mode::Linear(0);
    let mut rec = [0u8; 262];
    while records.next_record()? {
        let len = records.decode(&FRAMING, 5, &mut rec, opts.verify_checksums)?;
        let count = len - 5;
        let offset = u16::from_be_bytes([rec[1], rec[2]]);
        let rtype = rec[3];
        let payload = &rec[4..4 + count];
        if rtype == 0 {
            put_data(&mut data, mode, offset, payload, records.number());
            continue;
        }
        let need = |name: &'static str, expected: usize| {
            if count == expected {
                Ok(())
            } else {
                Err(records.fail(
                    2,
                    ParseErrorKind::BadPayloadLength {
                        record: name,
                        expected,
                        found: count,
                    },
                ))
            }
        };
        match rtype {
            1 => {
                need("an end-of-file record (type 01)", 0)?;
                records.ends_input();
            }
            2 => {
                need("an extended segment address record (type 02)", 2)?;
                mode = Mode::Segment((u16::from_be_bytes([payload[0], payload[1]]) as u32) << 4);
            }
            3 => {
                need("a start segment address record (type 03)", 4)?;
                let address = StartAddress::Segment {
                    cs: u16::from_be_bytes([payload[0], payload[1]]),
                    ip: u16::from_be_bytes([payload[2], payload[3]]),
                };
                push_start(&mut data, address, records.location(1));
            }
            4 => {
                need("an extended linear address record (type 04)", 2)?;
                mode = Mode::Linear((u16::from_be_bytes([payload[0], payload[1]]) as u32) << 16);
            }
            5 => {
                need("a start linear address record (type 05)", 4)?;
                let address = StartAddress::Linear(u32::from_be_bytes([
                    payload[0], payload[1], payload[2], payload[3],
                ]));
                push_start(&mut data, address, records.location(1));
            }
            _ => {
                return Err(records.fail(
                    8,
                    ParseErrorKind::UnknownRecordType {
                        found: format!("{rtype:02X}"),
                        expected: "00 to 05",
                    },
                ))
            }
        }
        if offset != 0 {
            data.warnings.push(Warning {
                location: records.location(4),
                kind: WarningKind::NonZeroAddressField { value: offset },
            });
        }
    }
    records.finish(&mut data.warnings);
    Ok(data)
}

fn put_data(data: &mut InputData, mode: Mode, offset: u16, payload: &[u8], line: u64) {
    let line = Some(line);
    match mode {
        Mode::Linear(upper) => data.put(upper.wrapping_add(offset as u32), payload, line),
        Mode::Segment(base) => {
            let room = (0x1_0000 - offset as usize).min(payload.len());
            data.put(base + offset as u32, &payload[..room], line);
            if room < payload.len() {
                data.put(base, &payload[room..], line);
            }
        }
    }
}

fn push_start(data: &mut InputData, address: StartAddress, location: Location) {
    if !data.starts.is_empty() {
        data.warnings.push(Warning {
            location: location.clone(),
            kind: WarningKind::DuplicateStart {
                address: address.to_string(),
            },
        });
    }
    data.starts.push(LocatedStart { address, location });
}

/// Line terminator of written text files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LineEnding {
    /// `\n` (what mergehex.py writes).
    #[default]
    Lf,
    /// `\r\n`.
    Crlf,
}

impl LineEnding {
    pub(crate) fn bytes(self) -> &'static [u8] {
        match self {
            LineEnding::Lf => b"\n",
            LineEnding::Crlf => b"\r\n",
        }
    }
}

/// Where the writer puts extended linear address (type 04) records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AddressRecords {
    /// Only if some data lies above 0xFFFF; then one before the first data record and one
    /// whenever the upper 16 bits change (Python intelhex / mergehex.py output).
    #[default]
    WhenNeeded,
    /// One at the start of every contiguous segment and whenever the upper 16 bits change,
    /// even when they are 0000 (for programmers that want an 04 per segment; the
    /// srec_cat-like style).
    EverySegment,
    /// Extended segment address (type 02, i16hex) records instead of type 04, placed as in
    /// `WhenNeeded`, for programmers that only know 02. Each 64 KiB block gets the segment
    /// base `block * 0x1000`, so no record wraps. Images reaching above 1 MiB cannot be
    /// written this way ([`write()`] fails with `InvalidInput`).
    Segment,
}

/// End of the address range type-02 records can reach without wrapping.
const SEGMENT_LIMIT: u64 = 0x10_0000;

/// Number of data bytes per record, 1..=255.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordLength(u8);

impl RecordLength {
    /// `None` for 0.
    pub fn new(n: u8) -> Option<RecordLength> {
        (n > 0).then_some(RecordLength(n))
    }

    /// The length.
    pub fn get(self) -> usize {
        self.0 as usize
    }
}

impl Default for RecordLength {
    fn default() -> Self {
        RecordLength(16)
    }
}

/// Intel HEX output options. The default is exactly mergehex.py's output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WriteOptions {
    /// Data bytes per record (default 16).
    pub record_length: RecordLength,
    /// Line terminator (default LF).
    pub line_ending: LineEnding,
    /// Type-04 placement.
    pub address_records: AddressRecords,
}

impl WriteOptions {
    /// 32-byte records and an 04 at each segment (the srec_cat-like layout).
    pub fn srec_cat_style() -> WriteOptions {
        WriteOptions {
            record_length: RecordLength(32),
            line_ending: LineEnding::Lf,
            address_records: AddressRecords::EverySegment,
        }
    }
}

struct RecordOut<'a, 's> {
    sink: &'s mut Sink,
    eol: &'a [u8],
}

impl RecordOut<'_, '_> {
    #[inline]
    fn record(&mut self, rtype: u8, offset: u16, payload: &[u8]) -> io::Result<()> {
        let eol = self.eol;
        let line = self.sink.space(MAX_RECORD_CHARS + 2);
        line[0] = b':';
        let mut at = 1;
        let [hi, lo] = offset.to_be_bytes();
        let mut sum = (payload.len() as u8)
            .wrapping_add(hi)
            .wrapping_add(lo)
            .wrapping_add(rtype);
        hexdigits::put(line, &mut at, payload.len() as u8);
        hexdigits::put(line, &mut at, hi);
        hexdigits::put(line, &mut at, lo);
        hexdigits::put(line, &mut at, rtype);
        for &b in payload {
            sum = sum.wrapping_add(b);
            hexdigits::put(line, &mut at, b);
        }
        hexdigits::put(line, &mut at, sum.wrapping_neg());
        line[at..at + eol.len()].copy_from_slice(eol);
        at += eol.len();
        self.sink.commit(at)
    }
}

/// Writes `image` as Intel HEX to `out` (buffered internally; pass an unbuffered file).
///
/// The start address, if any, is written as a type 03 or 05 record (as it was read) just
/// before the EOF record, where objcopy and srec_cat put it.
pub fn write<W: Write + Send>(image: &MemoryImage, opts: &WriteOptions, out: W) -> io::Result<()> {
    sink::pipelined(out, |sink| {
        let mut w = RecordOut {
            sink,
            eol: opts.line_ending.bytes(),
        };
        let every = opts.address_records == AddressRecords::EverySegment;
        let segment = opts.address_records == AddressRecords::Segment;
        let end = image.bounds().map_or(0, |(_, end)| end);
        if segment && end > SEGMENT_LIMIT {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "data up to 0x{:08X} cannot be addressed with type-02 records (1 MiB at most); \
                     use type-04 records",
                    end - 1
                ),
            ));
        }
        let need = every || end > 0x1_0000;
        let reclen = opts.record_length.get();
        let mut upper: Option<u32> = None;
        for seg in image.segments() {
            let mut addr = seg.start();
            let mut rest = seg.data();
            let mut first = true;
            while !rest.is_empty() {
                let hi = addr >> 16;
                if need && (upper != Some(hi) || (every && first)) {
                    if segment {
                        w.record(2, 0, &((hi << 12) as u16).to_be_bytes())?;
                    } else {
                        w.record(4, 0, &(hi as u16).to_be_bytes())?;
                    }
                    upper = Some(hi);
                }
                first = false;
                let to_boundary = 0x1_0000 - (addr & 0xFFFF) as usize;
                let n = reclen.min(to_boundary).min(rest.len());
                w.record(0, addr as u16, &rest[..n])?;
                rest = &rest[n..];
                addr = addr.wrapping_add(n as u32);
            }
        }
        match image.start_address() {
            Some(StartAddress::Segment { cs, ip }) => {
                let mut p = [0u8; 4];
                p[..2].copy_from_slice(&cs.to_be_bytes());
                p[2..].copy_from_slice(&ip.to_be_bytes());
                w.record(3, 0, &p)?;
            }
            Some(StartAddress::Linear(a)) => w.record(5, 0, &a.to_be_bytes())?,
            None => {}
        }
        w.record(1, 0, &[])
    })
}
