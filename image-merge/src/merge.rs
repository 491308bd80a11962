//! Merging inputs into one memory image under an overlap policy and a start policy.
//!
//! Every input's data runs are writes, ordered by input (as given) and then by file order.
//! When no two writes touch the same address (the usual case) the runs are moved into the
//! image without copying. Otherwise a sweep over the run boundaries resolves each address
//! by the policy and reports the overlaps (see [`crate::overlap`] for their definition).

use std::collections::HashMap;

use crate::diagnostic::Warning;
use crate::image::{MemoryImage, Segment};
use crate::input::{InputData, InputFormat, LocatedStart};
use crate::overlap::{Overlap, OverlapLines, OverlapPolicy, OverlapReport};
use crate::source_lines::SourceLines;
use crate::start::{StartAddress, StartPolicy};

/// Merge options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MergeOptions {
    /// Overlap policy (default: error).
    pub overlap: OverlapPolicy,
    /// Start address policy (default: drop).
    pub start: StartPolicy,
}

/// A range of the output and the input it came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Provenance {
    /// First address.
    pub start: u32,
    /// Last address (inclusive).
    pub end: u32,
    /// Index of the input.
    pub input: usize,
}

/// What each input contributed (for reports).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InputSummary {
    /// Name.
    pub name: String,
    /// Format.
    #[serde(flatten)]
    pub format: InputFormat,
    /// Data bytes read (twice-written addresses count twice).
    pub data_bytes: u64,
    /// Start address records read.
    pub starts: Vec<StartAddress>,
}

/// A successful merge.
#[derive(Debug, Clone)]
pub struct Merged {
    /// The merged image (start address set by the start policy).
    pub image: MemoryImage,
    /// Index of the input whose start address was kept.
    pub start_from: Option<usize>,
    /// Overlaps that the policy resolved (empty under `error`; identical ones under
    /// `identical`; all under `first`/`last`).
    pub overlaps: Vec<Overlap>,
    /// Which input each output range came from, ascending.
    pub provenance: Vec<Provenance>,
    /// The inputs' warnings, in input order.
    pub warnings: Vec<Warning>,
    /// One summary per input.
    pub inputs: Vec<InputSummary>,
}

/// Why a merge failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    /// Overlaps the policy forbids.
    #[error("{0}")]
    Overlap(OverlapReport),
    /// Start addresses that differ under `error-on-conflict`.
    #[error("start addresses differ: {} at {} but {} at {}", first.address, first.location, second.address, second.location)]
    StartConflict {
        /// The first start address.
        first: LocatedStart,
        /// The first one that differs from it.
        second: LocatedStart,
    },
}

struct Run {
    input: usize,
    start: u64,
    end: u64,
    data: Vec<u8>,
    /// Input line of each byte, for runs read from text files.
    lines: Option<Box<SourceLines>>,
}

impl Run {
    /// The input line that wrote `addr` (inside the run), if known.
    fn line_at(&self, addr: u64) -> Option<u64> {
        self.lines.as_ref()?.line_at(addr - self.start)
    }
}

/// Merges `inputs` (consumed, so their buffers are reused) in the given order.
pub fn merge(inputs: Vec<InputData>, opts: &MergeOptions) -> Result<Merged, MergeError> {
    let names: Vec<String> = inputs.iter().map(|i| i.name.clone()).collect();
    let mut warnings = Vec::new();
    let mut summaries = Vec::new();
    let mut starts: Vec<(usize, LocatedStart)> = Vec::new();
    let mut runs: Vec<Run> = Vec::new();
    for (i, input) in inputs.into_iter().enumerate() {
        summaries.push(InputSummary {
            name: input.name.clone(),
            format: input.format,
            data_bytes: input.data_len(),
            starts: input.starts.iter().map(|s| s.address).collect(),
        });
        warnings.extend(input.warnings);
        starts.extend(input.starts.into_iter().map(|s| (i, s)));
        runs.extend(input.runs.into_iter().map(|seg| {
            let (start, end) = (seg.start() as u64, seg.end());
            let (data, lines) = seg.into_data_and_lines();
            Run {
                input: i,
                start,
                end,
                data,
                lines,
            }
        }));
    }
    let (start, start_from) = choose_start(&starts, opts.start)?;

    // Order of writes = index in `runs`; sort by address, stable, so ties keep write order.
    let mut order: Vec<usize> = (0..runs.len()).collect();
    order.sort_by_key(|&r| runs[r].start);
    let mut max_end = 0u64;
    let overlapping = order.iter().any(|&r| {
        let o = runs[r].start < max_end;
        max_end = max_end.max(runs[r].end);
        o
    });

    let mut image = MemoryImage::new();
    let mut provenance: Vec<Provenance> = Vec::new();
    let mut overlaps = Vec::new();
    if !overlapping {
        let mut slots: Vec<Option<Run>> = runs.into_iter().map(Some).collect();
        for r in order {
            let run = slots[r].take().expect("each run once");
            note(&mut provenance, run.input, run.start, run.end);
            image.push_segment(Segment::new(run.start as u32, run.data).expect("non-empty run"));
        }
    } else {
        let all = sweep(
            &runs,
            &order,
            opts.overlap,
            &names,
            &mut image,
            &mut provenance,
        );
        let offending: Vec<Overlap> = match opts.overlap {
            OverlapPolicy::Error => all.clone(),
            OverlapPolicy::Identical => all.iter().filter(|o| o.differing > 0).cloned().collect(),
            OverlapPolicy::First | OverlapPolicy::Last => Vec::new(),
        };
        if !offending.is_empty() {
            return Err(MergeError::Overlap(OverlapReport {
                policy: opts.overlap,
                overlaps: offending,
            }));
        }
        overlaps = all;
    }
    image.set_start_address(start);
    Ok(Merged {
        image,
        start_from,
        overlaps,
        provenance,
        warnings,
        inputs: summaries,
    })
}

fn choose_start(
    starts: &[(usize, LocatedStart)],
    policy: StartPolicy,
) -> Result<(Option<StartAddress>, Option<usize>), MergeError> {
    let pick = |s: Option<&(usize, LocatedStart)>| (s.map(|x| x.1.address), s.map(|x| x.0));
    Ok(match policy {
        StartPolicy::Drop => (None, None),
        StartPolicy::First => pick(starts.first()),
        StartPolicy::Last => pick(starts.last()),
        StartPolicy::ErrorOnConflict => {
            if let Some((_, first)) = starts.first() {
                if let Some((_, second)) = starts.iter().find(|s| s.1.address != first.address) {
                    return Err(MergeError::StartConflict {
                        first: first.clone(),
                        second: second.clone(),
                    });
                }
            }
            pick(starts.first())
        }
    })
}

fn note(prov: &mut Vec<Provenance>, input: usize, start: u64, end: u64) {
    if let Some(last) = prov.last_mut() {
        if last.input == input && last.end as u64 + 1 == start {
            last.end = (end - 1) as u32;
            return;
        }
    }
    prov.push(Provenance {
        start: start as u32,
        end: (end - 1) as u32,
        input,
    });
}

/// Walks the elementary intervals between run boundaries. For each, the covering runs in
/// write order decide the content (first or last write) and every consecutive pair of
/// writes is compared for the report.
fn sweep(
    runs: &[Run],
    order: &[usize],
    policy: OverlapPolicy,
    names: &[String],
    image: &mut MemoryImage,
    prov: &mut Vec<Provenance>,
) -> Vec<Overlap> {
    let mut bounds: Vec<u64> = runs.iter().flat_map(|r| [r.start, r.end]).collect();
    bounds.sort_unstable();
    bounds.dedup();
    let mut entries: Vec<Overlap> = Vec::new();
    let mut open: HashMap<(usize, usize), usize> = HashMap::new();
    let mut active: Vec<usize> = Vec::new(); // run indices, ascending = write order
    let mut next = 0;
    for w in bounds.windows(2) {
        let (lo, hi) = (w[0], w[1]);
        active.retain(|&r| runs[r].end > lo);
        while next < order.len() && runs[order[next]].start <= lo {
            let r = order[next];
            let at = active.partition_point(|&a| a < r);
            active.insert(at, r);
            next += 1;
        }
        if active.is_empty() {
            continue;
        }
        let slice = |r: usize| {
            let run = &runs[r];
            &run.data[(lo - run.start) as usize..(hi - run.start) as usize]
        };
        let winner = match policy {
            OverlapPolicy::Last => *active.last().expect("non-empty"),
            _ => active[0],
        };
        image.push_back(lo as u32, slice(winner));
        note(prov, runs[winner].input, lo, hi);
        if active.len() < 2 {
            continue;
        }
        // Consecutive write pairs, grouped by (earlier input, later input).
        let mut pairs: Vec<((usize, usize), usize, usize)> = active
            .windows(2)
            .map(|p| ((runs[p[0]].input, runs[p[1]].input), p[0], p[1]))
            .collect();
        pairs.sort_by_key(|p| p.0);
        let mut g = 0;
        while g < pairs.len() {
            let key = pairs[g].0;
            let h = g + pairs[g..].iter().take_while(|p| p.0 == key).count();
            let group = &pairs[g..h];
            let (differing, first_off) = if group.len() == 1 {
                let (a, b) = (slice(group[0].1), slice(group[0].2));
                let d = a.iter().zip(b).filter(|(x, y)| x != y).count() as u64;
                let f = a.iter().zip(b).position(|(x, y)| x != y);
                (d, f)
            } else {
                let len = (hi - lo) as usize;
                let mut d = 0u64;
                let mut f = None;
                for i in 0..len {
                    if group.iter().any(|p| slice(p.1)[i] != slice(p.2)[i]) {
                        d += 1;
                        f = f.or(Some(i));
                    }
                }
                (d, f)
            };
            let first_difference = first_off.map(|o| (lo + o as u64) as u32);
            let bytes = hi - lo;
            match open.get(&key) {
                Some(&e) if entries[e].end as u64 + 1 == lo => {
                    let o = &mut entries[e];
                    o.end = (hi - 1) as u32;
                    o.bytes += bytes;
                    o.differing += differing;
                    o.first_difference = o.first_difference.or(first_difference);
                }
                _ => {
                    open.insert(key, entries.len());
                    // Inside one input: the lines of the first write and of its repeat.
                    let (first, again) = (&runs[group[0].1], &runs[group[0].2]);
                    let lines = if key.0 == key.1 {
                        first.line_at(lo).zip(again.line_at(lo))
                    } else {
                        None
                    };
                    entries.push(Overlap {
                        first_input: key.0,
                        first: names[key.0].clone(),
                        second_input: key.1,
                        second: names[key.1].clone(),
                        start: lo as u32,
                        end: (hi - 1) as u32,
                        bytes,
                        differing,
                        first_difference,
                        lines: lines.map(|(first, repeated)| OverlapLines { first, repeated }),
                    });
                }
            }
            g = h;
        }
    }
    entries.sort_by_key(|o| (o.start, o.first_input, o.second_input));
    entries
}
