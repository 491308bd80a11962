// Fuzz bodies shared by the cargo-fuzz targets (`fuzz_targets/*.rs`) and by the normal test
// `image-merge/tests/fuzz_bodies.rs`, which runs them over the corpus and mutations of it
// (cargo-fuzz needs nightly). Each body must never panic on any input; when the input
// parses, it also checks that writing the merged image and reading it back gives the same
// image, for every overlap policy.

#[allow(dead_code)]
mod fuzz_bodies {
    use image_merge::input::InputData;
    use image_merge::{intel_hex, merge, srec, MergeOptions, OverlapPolicy, StartPolicy};

    fn check(data: InputData) {
        for overlap in [
            OverlapPolicy::Error,
            OverlapPolicy::Identical,
            OverlapPolicy::First,
            OverlapPolicy::Last,
        ] {
            let opts = MergeOptions {
                overlap,
                start: StartPolicy::Last,
            };
            let Ok(merged) = merge(vec![data.clone()], &opts) else {
                continue;
            };
            let mut text = Vec::new();
            intel_hex::write(&merged.image, &Default::default(), &mut text).expect("write");
            let back = intel_hex::read(&text[..], "rewritten").expect("our output parses");
            let again = merge(vec![back], &opts).expect("our output has no overlap");
            assert_eq!(again.image, merged.image, "Intel HEX round trip");
            let mut text = Vec::new();
            srec::write(&merged.image, &Default::default(), &mut text).expect("write");
            let back = srec::read(&text[..], "rewritten").expect("our S-records parse");
            let again = merge(vec![back], &opts).expect("no overlap");
            assert_eq!(
                again.image.segments(),
                merged.image.segments(),
                "S-record round trip"
            );
        }
    }

    /// Intel HEX reader.
    pub fn intel_hex_body(bytes: &[u8]) {
        if let Ok(d) = intel_hex::read(bytes, "fuzz.hex") {
            check(d);
        }
    }

    /// S-record reader.
    pub fn srec_body(bytes: &[u8]) {
        if let Ok(d) = srec::read(bytes, "fuzz.srec") {
            check(d);
        }
    }

    /// Binary reader: the first 4 bytes are the base address.
    pub fn binary_body(bytes: &[u8]) {
        if bytes.len() < 4 {
            return;
        }
        let base = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        if let Ok(d) = image_merge::binary::read(&bytes[4..], base, "fuzz.bin") {
            check(d);
        }
    }
}
