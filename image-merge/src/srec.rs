//! Motorola S-record: a strict streaming reader and a streaming writer.
//!
//! Reader rules: a record is `S`, a type digit, then an even number of hex digits (either
//! case): count, address (2 bytes for S0/S1/S5/S9, 3 for S2/S6/S8, 4 for S3/S7), data and
//! a checksum that makes the byte sum 0xFF. S0 (header) is checked and ignored; S1-S3 are
//! data; S5/S6 must equal the number of data records before them; S7-S9 end the file and
//! give the start address. S4 and unknown types are errors. Empty lines, a missing
//! termination record and content after it are warnings, as in the Intel HEX reader.
//!
//! S-record cannot say "no start address": the writer emits a termination record with
//! address 0 when the image has none, which reads back as start address 0. A type-03
//! CS:IP start is written as CS*16+IP.

use std::io::{self, Read, Write};

use crate::diagnostic::ParseErrorKind;
use crate::hexdigits;
use crate::image::MemoryImage;
use crate::input::{InputData, InputFormat, LocatedStart, ReadError, ReadOptions};
use crate::intel_hex::LineEnding;
use crate::records::{Framing, RecordScanner};
use crate::sink::{self, Sink};
use crate::start::StartAddress;

const MAX_RECORD_CHARS: usize = 2 + 2 * 256;

/// `S`, the type digit, then count, address, data and a checksum that makes the sum 0xFF.
const FRAMING: Framing = Framing {
    skip: 2,
    max_chars: MAX_RECORD_CHARS,
    uncounted: 1,
    sum: 0xFF,
};

fn address_len(t: u8) -> Option<usize> {
    match t {
        0 | 1 | 5 | 9 => Some(2),
        2 | 6 | 8 => Some(3),
        3 | 7 => Some(4),
        _ => None,
    }
}

/// Reads an S-record file from `src`; `name` is used in messages.
pub fn read<R: Read>(src: R, name: &str) -> Result<InputData, ReadError> {
    read_with(src, name, &ReadOptions::default())
}

/// [`read`] with the given leniency.
pub fn read_with<R: Read>(src: R, name: &str, opts: &ReadOptions) -> Result<InputData, ReadError> {
    let mut data = InputData::new(name, InputFormat::SRecord);
    let mut records = RecordScanner::new(src, name, b'S');
    let mut data_records: u32 = 0;
    let mut rec = [0u8; 260];
    while records.next_record()? {
        let text = records.text();
        let unknown = |found: String| {
            records.fail(
                2,
                ParseErrorKind::UnknownRecordType {
                    found,
                    expected: "S0, S1, S2, S3, S5, S6, S7, S8 or S9",
                },
            )
        };
        let t = match text.get(1) {
            Some(c @ b'0'..=b'9') => c - b'0',
            Some(&c) => return Err(unknown(format!("S{}", c as char))),
            None => return Err(unknown("S followed by nothing".into())),
        };
        let alen = address_len(t).ok_or_else(|| unknown(format!("S{t}")))?;
        let len = records.decode(&FRAMING, 2 + alen, &mut rec, opts.verify_checksums)?;
        let addr = rec[1..1 + alen]
            .iter()
            .fold(0u32, |a, &b| (a << 8) | b as u32);
        let payload = &rec[1 + alen..len - 1];
        match t {
            0 => {}
            1..=3 => {
                data.put(addr, payload, Some(records.number()));
                data_records = data_records.saturating_add(1);
            }
            5 | 6 => {
                if !payload.is_empty() {
                    return Err(records.fail(
                        3,
                        ParseErrorKind::BadPayloadLength {
                            record: "a record count (S5/S6)",
                            expected: 0,
                            found: payload.len(),
                        },
                    ));
                }
                if addr != data_records {
                    return Err(records.fail(
                        5,
                        ParseErrorKind::CountMismatch {
                            declared: addr,
                            counted: data_records,
                        },
                    ));
                }
            }
            _ => {
                if !payload.is_empty() {
                    return Err(records.fail(
                        3,
                        ParseErrorKind::BadPayloadLength {
                            record: "a termination record (S7/S8/S9)",
                            expected: 0,
                            found: payload.len(),
                        },
                    ));
                }
                data.starts.push(LocatedStart {
                    address: StartAddress::Linear(addr),
                    location: records.location(1),
                });
                records.ends_input();
            }
        }
    }
    records.finish(&mut data.warnings);
    Ok(data)
}

/// S-record output options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteOptions {
    /// Data bytes per record, 1..=255 (values above the address width's limit are lowered:
    /// 252 for S1, 251 for S2, 250 for S3).
    pub record_length: u8,
    /// Line terminator.
    pub line_ending: LineEnding,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            record_length: 16,
            line_ending: LineEnding::Lf,
        }
    }
}

/// Writes `image` as S-records: an empty S0 header, S1/S2/S3 data (the narrowest address
/// width that fits every address and the start address), an S5/S6 record count when it fits
/// in 24 bits, and the matching S9/S8/S7 termination record carrying the start address
/// (0 when there is none).
pub fn write<W: Write + Send>(image: &MemoryImage, opts: &WriteOptions, out: W) -> io::Result<()> {
    let top = image
        .bounds()
        .map_or(0, |(_, end)| end.saturating_sub(1))
        .max(image.start_address().map_or(0, |s| s.linear() as u64));
    let (dtype, alen) = if top <= 0xFFFF {
        (1u8, 2usize)
    } else if top <= 0xFF_FFFF {
        (2, 3)
    } else {
        (3, 4)
    };
    let max_len = 255 - alen - 1;
    let reclen = (opts.record_length.max(1) as usize).min(max_len);
    let eol = opts.line_ending.bytes();
    sink::pipelined(out, |sink| {
        let record = |sink: &mut Sink, t: u8, alen: usize, addr: u32, payload: &[u8]| {
            let line = sink.space(MAX_RECORD_CHARS + 2);
            line[0] = b'S';
            line[1] = b'0' + t;
            let mut at = 2;
            let count = (alen + payload.len() + 1) as u8;
            let mut sum = count;
            hexdigits::put(line, &mut at, count);
            for &b in &addr.to_be_bytes()[4 - alen..] {
                sum = sum.wrapping_add(b);
                hexdigits::put(line, &mut at, b);
            }
            for &b in payload {
                sum = sum.wrapping_add(b);
                hexdigits::put(line, &mut at, b);
            }
            hexdigits::put(line, &mut at, !sum);
            line[at..at + eol.len()].copy_from_slice(eol);
            at += eol.len();
            sink.commit(at)
        };
        record(sink, 0, 2, 0, &[])?;
        let mut count: u64 = 0;
        for seg in image.segments() {
            let mut addr = seg.start();
            for chunk in seg.data().chunks(reclen) {
                record(sink, dtype, alen, addr, chunk)?;
                addr = addr.wrapping_add(chunk.len() as u32);
                count += 1;
            }
        }
        if count <= 0xFFFF {
            record(sink, 5, 2, count as u32, &[])?;
        } else if count <= 0xFF_FFFF {
            record(sink, 6, 3, count as u32, &[])?;
        }
        let start = image.start_address().map_or(0, |s| s.linear());
        record(sink, 10 - dtype, alen, start, &[])
    })
}
