//! Criterion benches of the image-merge crate, in process (no process start-up, no disk):
//! parsing Intel HEX text, merging, and writing it back, on deterministic synthetic images
//! laid out like the corpus generator's (16-byte records, holes, type-04 records).
//! Whole-process timings against srec_cat and mergehex.py are made by
//! `scripts/bench-hexmerge`; both are reported in `benches/RESULTS.md`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use image_merge::{intel_hex, merge, MemoryImage, MergeOptions};

/// A deterministic image: `size` data bytes from `base` in runs of ~64 KiB with holes.
fn image(base: u32, size: usize, seed: u64) -> MemoryImage {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut bytes = Vec::with_capacity(size);
    let mut addr = base;
    let mut left = size;
    while left > 0 {
        let run = left.min(32 * 1024 + (next() % (64 * 1024)) as usize);
        for _ in 0..run {
            bytes.push((addr, next() as u8));
            addr += 1;
        }
        left -= run;
        addr += 1 + (next() % 512) as u32;
    }
    MemoryImage::from_bytes(bytes)
}

fn hex_text(img: &MemoryImage) -> Vec<u8> {
    let mut out = Vec::new();
    intel_hex::write(img, &Default::default(), &mut out).unwrap();
    out
}

fn benches(c: &mut Criterion) {
    const MIB: usize = 1024 * 1024;
    let inputs: Vec<Vec<u8>> = (0..4)
        .map(|i| hex_text(&image(0x1000_0000 + i * 0x0060_0000, 2 * MIB, i as u64 + 1)))
        .collect();
    let text_bytes: usize = inputs.iter().map(Vec::len).sum();

    let mut g = c.benchmark_group("image_merge");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(inputs[0].len() as u64));
    g.bench_function("parse_intel_hex_2MiB_data", |b| {
        b.iter(|| intel_hex::read(black_box(&inputs[0][..]), "in.hex").unwrap())
    });

    g.throughput(Throughput::Bytes(text_bytes as u64));
    g.bench_function("parse_merge_write_4x2MiB_data", |b| {
        b.iter(|| {
            let data = inputs
                .iter()
                .map(|t| intel_hex::read(&t[..], "in.hex").unwrap())
                .collect();
            let merged = merge(data, &MergeOptions::default()).unwrap();
            let mut out = Vec::with_capacity(text_bytes + 4096);
            intel_hex::write(&merged.image, &Default::default(), &mut out).unwrap();
            black_box(out.len())
        })
    });

    let merged_img = {
        let data = inputs
            .iter()
            .map(|t| intel_hex::read(&t[..], "in.hex").unwrap())
            .collect();
        merge(data, &MergeOptions::default()).unwrap().image
    };
    g.bench_function("write_intel_hex_8MiB_data", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(text_bytes + 4096);
            intel_hex::write(black_box(&merged_img), &Default::default(), &mut out).unwrap();
            black_box(out.len())
        })
    });

    // The bootloader + application case: 46 KiB + 900 KiB of data.
    let boot = hex_text(&image(0, 46 * 1024, 11));
    let app = hex_text(&image(0xC000 + 0x1000, 900 * 1024, 12));
    g.throughput(Throughput::Bytes((boot.len() + app.len()) as u64));
    g.bench_function("bootloader_plus_app", |b| {
        b.iter(|| {
            let data = vec![
                intel_hex::read(&boot[..], "boot.hex").unwrap(),
                intel_hex::read(&app[..], "app.hex").unwrap(),
            ];
            let merged = merge(data, &MergeOptions::default()).unwrap();
            let mut out = Vec::new();
            intel_hex::write(&merged.image, &Default::default(), &mut out).unwrap();
            black_box(out.len())
        })
    });
    g.finish();
}

criterion_group!(image_merge_benches, benches);
criterion_main!(image_merge_benches);
