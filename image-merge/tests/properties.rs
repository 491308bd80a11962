//! Property tests: write-then-read round trips for every format, the merge against a plain
//! address -> byte model for every policy (image, provenance and the overlap report), and
//! agreement with the `ihex` crate in both directions.

use std::collections::BTreeMap;

use image_merge::input::{InputData, InputFormat};
use image_merge::intel_hex::{self, AddressRecords, LineEnding, RecordLength};
use image_merge::{binary, merge, srec, MemoryImage, MergeError, MergeOptions, Overlap};
use image_merge::{OverlapLines, OverlapPolicy, Segment, StartAddress, StartPolicy};
use proptest::prelude::*;

fn arb_start() -> impl Strategy<Value = Option<StartAddress>> {
    prop_oneof![
        Just(None),
        any::<u32>().prop_map(|a| Some(StartAddress::Linear(a))),
        (any::<u16>(), any::<u16>()).prop_map(|(cs, ip)| Some(StartAddress::Segment { cs, ip })),
    ]
}

/// Addresses that exercise the interesting places: low memory, 64 KiB boundaries, the
/// i16hex range, and the top of the 4 GiB space.
fn arb_base() -> impl Strategy<Value = u32> {
    prop_oneof![
        0u32..0x2_0000,
        (1u32..0x100, 0u32..600).prop_map(|(k, d)| (k << 16).wrapping_sub(300).wrapping_add(d)),
        0xFFFF_F000u32..=0xFFFF_FFFF,
        any::<u32>(),
    ]
}

fn arb_image() -> impl Strategy<Value = MemoryImage> {
    arb_image_at(arb_base())
}

/// Images below 1 MiB, crossing 64 KiB boundaries (what type-02 records can address).
fn arb_small_image() -> impl Strategy<Value = MemoryImage> {
    arb_image_at(prop_oneof![
        0u32..0xF_FE00,
        (1u32..0x10, 0u32..600).prop_map(|(k, d)| (k << 16) - 300 + d),
    ])
}

fn arb_image_at(base: impl Strategy<Value = u32>) -> impl Strategy<Value = MemoryImage> {
    (
        prop::collection::vec((base, prop::collection::vec(any::<u8>(), 1..400)), 0..6),
        arb_start(),
    )
        .prop_map(|(chunks, start)| {
            let mut map = BTreeMap::new();
            for (base, bytes) in chunks {
                for (i, b) in bytes.into_iter().enumerate() {
                    if let Some(a) = base.checked_add(i as u32) {
                        map.insert(a, b);
                    }
                }
            }
            let mut img = MemoryImage::from_bytes(map);
            img.set_start_address(start);
            img
        })
}

/// Reads one input back into an image (start: the last one read).
fn reread(data: InputData) -> MemoryImage {
    assert!(data.warnings.is_empty(), "{:?}", data.warnings);
    let opts = MergeOptions {
        overlap: OverlapPolicy::Error,
        start: StartPolicy::Last,
    };
    merge(vec![data], &opts).expect("no overlap").image
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn intel_hex_round_trip(
        img in arb_image(),
        len in 1u8..=255,
        crlf in any::<bool>(),
        every in any::<bool>(),
    ) {
        let opts = intel_hex::WriteOptions {
            record_length: RecordLength::new(len).unwrap(),
            line_ending: if crlf { LineEnding::Crlf } else { LineEnding::Lf },
            address_records: if every { AddressRecords::EverySegment } else { AddressRecords::WhenNeeded },
        };
        let mut text = Vec::new();
        intel_hex::write(&img, &opts, &mut text).unwrap();
        let back = reread(intel_hex::read(&text[..], "rt.hex").unwrap());
        prop_assert_eq!(back, img);
    }

    #[test]
    fn intel_hex_segment_records_round_trip(
        img in prop_oneof![3 => arb_small_image(), 1 => arb_image()],
        len in 1u8..=255,
        crlf in any::<bool>(),
    ) {
        let opts = intel_hex::WriteOptions {
            record_length: RecordLength::new(len).unwrap(),
            line_ending: if crlf { LineEnding::Crlf } else { LineEnding::Lf },
            address_records: AddressRecords::Segment,
        };
        let mut text = Vec::new();
        let written = intel_hex::write(&img, &opts, &mut text);
        if img.bounds().is_some_and(|(_, end)| end > 0x10_0000) {
            prop_assert!(written.is_err());
        } else {
            written.unwrap();
            let t = String::from_utf8(text.clone()).unwrap();
            prop_assert!(!t.contains(":02000004"));
            let back = reread(intel_hex::read(&text[..], "rt.hex").unwrap());
            prop_assert_eq!(back, img);
        }
    }

    #[test]
    fn srec_round_trip(img in arb_image(), len in 1u8..=250, crlf in any::<bool>()) {
        let opts = srec::WriteOptions {
            record_length: len,
            line_ending: if crlf { LineEnding::Crlf } else { LineEnding::Lf },
        };
        let mut text = Vec::new();
        srec::write(&img, &opts, &mut text).unwrap();
        let back = reread(srec::read(&text[..], "rt.srec").unwrap());
        // S-record always has a start address (documented): none is written as 0, and a
        // CS:IP is written as CS*16+IP.
        let mut expected = img.clone();
        expected.set_start_address(Some(StartAddress::Linear(
            img.start_address().map_or(0, |s| s.linear()),
        )));
        prop_assert_eq!(back, expected);
    }

    #[test]
    fn binary_round_trip(
        base in arb_base(),
        chunks in prop::collection::vec((0u32..3000, prop::collection::vec(any::<u8>(), 1..200)), 1..5),
        fill in any::<u8>(),
    ) {
        let base = base.min(0xFFFF_0000);
        let mut map = BTreeMap::new();
        for (off, bytes) in chunks {
            for (i, b) in bytes.into_iter().enumerate() {
                map.insert(base + off + i as u32, b);
            }
        }
        let img = MemoryImage::from_bytes(map.clone());
        let mut flat = Vec::new();
        binary::write(&img, &binary::WriteOptions { fill, range: None }, &mut flat).unwrap();
        let (lo, hi) = img.bounds().unwrap();
        prop_assert_eq!(flat.len() as u64, hi - lo as u64);
        let back = reread(binary::read(&flat, lo, "rt.bin").unwrap());
        let expected = MemoryImage::from_bytes(
            (lo as u64..hi).map(|a| (a as u32, *map.get(&(a as u32)).unwrap_or(&fill))),
        );
        prop_assert_eq!(back, expected);
    }
}

// ------------------------------------------------------------------------- merge model

type Writes = Vec<(usize, Vec<(u32, Vec<u8>)>)>;

fn arb_inputs() -> impl Strategy<Value = Writes> {
    prop::collection::vec(
        prop::collection::vec((0u32..300, prop::collection::vec(0u8..3, 1..60)), 0..4),
        1..5,
    )
    .prop_map(|v| v.into_iter().enumerate().collect())
}

fn to_inputs(w: &Writes) -> Vec<InputData> {
    w.iter()
        .map(|(i, runs)| InputData {
            name: format!("in{i}.hex"),
            format: InputFormat::IntelHex,
            runs: runs
                .iter()
                .map(|(a, d)| Segment::new(*a, d.clone()).unwrap())
                .collect(),
            starts: vec![],
            warnings: vec![],
        })
        .collect()
}

/// The model: every address's writes in order; consecutive writes form a pair keyed by
/// (earlier input, later input); a pair differs at an address if any instance differs.
/// Pairs are grouped into maximal runs of consecutive addresses.
fn model(w: &Writes, policy: OverlapPolicy) -> (BTreeMap<u32, (u8, usize)>, Vec<Overlap>) {
    let mut writes: BTreeMap<u32, Vec<(usize, u8)>> = BTreeMap::new();
    for (i, runs) in w {
        for (a, d) in runs {
            for (k, &b) in d.iter().enumerate() {
                writes.entry(a + k as u32).or_default().push((*i, b));
            }
        }
    }
    let mut image = BTreeMap::new();
    // (key) -> address -> differs
    let mut pairs: BTreeMap<(usize, usize), BTreeMap<u32, bool>> = BTreeMap::new();
    for (&a, ws) in &writes {
        let (src, b) = match policy {
            OverlapPolicy::Last => *ws.last().unwrap(),
            _ => ws[0],
        };
        image.insert(a, (b, src));
        for p in ws.windows(2) {
            let d = pairs
                .entry((p[0].0, p[1].0))
                .or_default()
                .entry(a)
                .or_insert(false);
            *d |= p[0].1 != p[1].1;
        }
    }
    let mut overlaps = Vec::new();
    for ((x, y), addrs) in pairs {
        let mut cur: Option<Overlap> = None;
        for (a, differs) in addrs {
            match &mut cur {
                Some(o) if o.end + 1 == a => {
                    o.end = a;
                    o.bytes += 1;
                    if differs {
                        o.differing += 1;
                        o.first_difference = o.first_difference.or(Some(a));
                    }
                }
                _ => {
                    overlaps.extend(cur.take());
                    cur = Some(Overlap {
                        first_input: x,
                        first: format!("in{x}.hex"),
                        second_input: y,
                        second: format!("in{y}.hex"),
                        start: a,
                        end: a,
                        bytes: 1,
                        differing: differs as u64,
                        first_difference: differs.then_some(a),
                        lines: None,
                    });
                }
            }
        }
        overlaps.extend(cur);
    }
    overlaps.sort_by_key(|o| (o.start, o.first_input, o.second_input));
    (image, overlaps)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn merge_agrees_with_the_byte_map_model(w in arb_inputs(), p in 0usize..4) {
        let policy = [OverlapPolicy::Error, OverlapPolicy::Identical, OverlapPolicy::First, OverlapPolicy::Last][p];
        let (bytes, overlaps) = model(&w, policy);
        let offending: Vec<Overlap> = match policy {
            OverlapPolicy::Error => overlaps.clone(),
            OverlapPolicy::Identical => overlaps.iter().filter(|o| o.differing > 0).cloned().collect(),
            _ => vec![],
        };
        let opts = MergeOptions { overlap: policy, start: StartPolicy::Drop };
        match merge(to_inputs(&w), &opts) {
            Err(MergeError::Overlap(r)) => {
                prop_assert!(!offending.is_empty());
                prop_assert_eq!(r.overlaps, offending);
            }
            Err(e) => prop_assert!(false, "unexpected error {e}"),
            Ok(m) => {
                prop_assert!(offending.is_empty());
                let expected = MemoryImage::from_bytes(bytes.iter().map(|(&a, &(b, _))| (a, b)));
                prop_assert_eq!(&m.image, &expected);
                prop_assert_eq!(&m.overlaps, &overlaps);
                // Provenance covers exactly the image, naming the winning input.
                let mut covered = 0u64;
                for p in &m.provenance {
                    for a in p.start..=p.end {
                        prop_assert_eq!(bytes[&a].1, p.input);
                        covered += 1;
                    }
                }
                prop_assert_eq!(covered, bytes.len() as u64);
            }
        }
    }
}

// ------------------------------------------------------------------ ihex crate agreement

/// Resolves `ihex` crate records with the specification's addressing (the same rules our
/// reader documents): 04 linear, wrapping at 4 GiB; 02 segment, wrapping inside 64 KiB;
/// the last 02/04 decides; later writes win; the last start record counts.
fn resolve(records: &[ihex::Record]) -> (BTreeMap<u32, u8>, Option<StartAddress>) {
    let mut map = BTreeMap::new();
    let mut start = None;
    let mut seg: Option<u32> = None;
    let mut upper = 0u32;
    for r in records {
        match r {
            ihex::Record::Data { offset, value } => {
                for (i, &b) in value.iter().enumerate() {
                    let a = match seg {
                        Some(base) => base + ((*offset as u32 + i as u32) & 0xFFFF),
                        None => upper.wrapping_add(*offset as u32).wrapping_add(i as u32),
                    };
                    map.insert(a, b);
                }
            }
            ihex::Record::ExtendedSegmentAddress(s) => seg = Some((*s as u32) << 4),
            ihex::Record::ExtendedLinearAddress(u) => {
                upper = (*u as u32) << 16;
                seg = None;
            }
            ihex::Record::StartLinearAddress(a) => start = Some(StartAddress::Linear(*a)),
            ihex::Record::StartSegmentAddress { cs, ip } => {
                start = Some(StartAddress::Segment { cs: *cs, ip: *ip })
            }
            ihex::Record::EndOfFile => break,
        }
    }
    (map, start)
}

fn arb_record() -> impl Strategy<Value = ihex::Record> {
    prop_oneof![
        6 => (any::<u16>(), prop::collection::vec(any::<u8>(), 1..40))
            .prop_map(|(offset, value)| ihex::Record::Data { offset, value }),
        1 => prop_oneof![Just(0u16), Just(1), Just(0xFFFF), any::<u16>()]
            .prop_map(ihex::Record::ExtendedLinearAddress),
        1 => prop_oneof![Just(0u16), Just(0x1000), any::<u16>()]
            .prop_map(ihex::Record::ExtendedSegmentAddress),
        1 => any::<u32>().prop_map(ihex::Record::StartLinearAddress),
        1 => (any::<u16>(), any::<u16>())
            .prop_map(|(cs, ip)| ihex::Record::StartSegmentAddress { cs, ip }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn ihex_crate_reads_what_we_write(img in arb_image(), len in 1u8..=255, every in any::<bool>()) {
        let opts = intel_hex::WriteOptions {
            record_length: RecordLength::new(len).unwrap(),
            line_ending: LineEnding::Lf,
            address_records: if every { AddressRecords::EverySegment } else { AddressRecords::WhenNeeded },
        };
        let mut text = Vec::new();
        intel_hex::write(&img, &opts, &mut text).unwrap();
        let text = String::from_utf8(text).unwrap();
        let records: Vec<ihex::Record> = ihex::Reader::new(&text)
            .collect::<Result<_, _>>()
            .expect("ihex accepts our output");
        let (map, start) = resolve(&records);
        prop_assert_eq!(MemoryImage::from_bytes(map), {
            let mut i = img.clone();
            i.set_start_address(None);
            i
        });
        prop_assert_eq!(start, img.start_address());
    }

    #[test]
    fn we_agree_with_the_ihex_crate_on_random_valid_files(
        mut records in prop::collection::vec(arb_record(), 0..30),
        crlf in any::<bool>(),
        lower in any::<bool>(),
    ) {
        records.push(ihex::Record::EndOfFile);
        let mut text = ihex::create_object_file_representation(&records).unwrap();
        if lower {
            text = text.to_lowercase();
        }
        if crlf {
            text = text.replace('\n', "\r\n");
        }
        let theirs: Vec<ihex::Record> = ihex::Reader::new(&text)
            .collect::<Result<_, _>>()
            .expect("ihex reads its own output");
        let (map, start) = resolve(&theirs);
        let data = intel_hex::read(text.as_bytes(), "random.hex").expect("we accept valid files");
        let opts = MergeOptions { overlap: OverlapPolicy::Last, start: StartPolicy::Last };
        let ours = merge(vec![data], &opts).unwrap().image;
        let mut expected = MemoryImage::from_bytes(map);
        expected.set_start_address(start);
        prop_assert_eq!(ours, expected);
    }
}

/// Records that write the same addresses again and again: small offsets, offsets at the
/// end of a 64 KiB segment (linear continuation or in-segment wrap), two address modes.
fn arb_overlapping_record() -> impl Strategy<Value = ihex::Record> {
    let data = |offsets: std::ops::RangeInclusive<u16>| {
        (offsets, prop::collection::vec(any::<u8>(), 1..40))
            .prop_map(|(offset, value)| ihex::Record::Data { offset, value })
    };
    prop_oneof![
        6 => data(0..=96),
        2 => data(0xFFE0..=0xFFFF),
        1 => prop_oneof![Just(0u16), Just(1)].prop_map(ihex::Record::ExtendedLinearAddress),
        1 => prop_oneof![Just(0u16), Just(0x1000)].prop_map(ihex::Record::ExtendedSegmentAddress),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// An overlap inside one file names the lines of the first two records that wrote its
    /// first address (the model: every address's writing lines, in file order).
    #[test]
    fn self_overlaps_name_the_lines_of_the_records(
        records in prop::collection::vec((arb_overlapping_record(), 0usize..3), 0..40),
    ) {
        let mut text = String::new();
        let mut line = 0u64;
        let mut writes: BTreeMap<u32, Vec<u64>> = BTreeMap::new();
        let (mut seg, mut upper) = (None::<u32>, 0u32);
        for (r, blanks) in &records {
            // Some records are followed by blank lines (counted, skipped).
            line += 1;
            text.push_str(&r.to_record_string().unwrap());
            text.push('\n');
            for _ in 0..*blanks {
                line += 1;
                text.push('\n');
            }
            let at = line - *blanks as u64;
            match r {
                ihex::Record::Data { offset, value } => {
                    for i in 0..value.len() as u32 {
                        let a = match seg {
                            Some(base) => base + ((*offset as u32 + i) & 0xFFFF),
                            None => upper.wrapping_add(*offset as u32).wrapping_add(i),
                        };
                        writes.entry(a).or_default().push(at);
                    }
                }
                ihex::Record::ExtendedSegmentAddress(s) => seg = Some((*s as u32) << 4),
                ihex::Record::ExtendedLinearAddress(u) => {
                    upper = (*u as u32) << 16;
                    seg = None;
                }
                _ => unreachable!(),
            }
        }
        text.push_str(":00000001FF\n");
        let data = intel_hex::read(text.as_bytes(), "self.hex").unwrap();
        let opts = MergeOptions { overlap: OverlapPolicy::Last, start: StartPolicy::Drop };
        let merged = merge(vec![data], &opts).unwrap();
        // Every address written more than once is in exactly one reported range.
        let twice = writes.values().filter(|w| w.len() > 1).count() as u64;
        prop_assert_eq!(merged.overlaps.iter().map(|o| o.bytes).sum::<u64>(), twice);
        for o in &merged.overlaps {
            let w = &writes[&o.start];
            prop_assert_eq!(
                o.lines,
                Some(OverlapLines { first: w[0], repeated: w[1] }),
                "{}\n{}", o, text
            );
        }
    }
}
