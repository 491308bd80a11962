//! Bodies of the fuzz targets in `fuzz/` (cargo-fuzz, nightly), kept in the
//! library so that ordinary tests run them over seed inputs too. Each body
//! parses arbitrary bytes and checks the invariants a successful parse
//! promises; any panic is a bug.

use std::path::Path;

use crate::layout::Layout;
use crate::manifest::{EdgeKind, ImageKind, Manifest, Strategy};
use crate::vars::Define;

/// `images.toml`: never panics; a successful parse has exactly one main
/// image, unique names, dependencies on existing other images, and every error
/// points inside the text.
pub fn manifest(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Manifest::parse(Path::new("/fuzz/images.toml"), text) {
        Ok(m) => {
            assert_eq!(
                m.images
                    .iter()
                    .filter(|i| i.kind == ImageKind::Main)
                    .count(),
                1
            );
            assert!(!m.domains.is_empty());
            for (n, image) in m.images.iter().enumerate() {
                assert!(m.images[..n].iter().all(|o| o.name != image.name));
                assert!(m.domains.iter().any(|d| d.name == image.domain));
                if let Strategy::UseHex { hex } = &image.strategy {
                    assert!(hex.starts_with("/fuzz"));
                }
                for kind in [EdgeKind::Configure, EdgeKind::Build, EdgeKind::Flash] {
                    for dep in image.deps(kind) {
                        assert_ne!(dep.image, image.name);
                        assert!(m.image(&dep.image).is_some());
                    }
                }
            }
            // Ordering never panics; it either orders every image or names a cycle.
            for kind in [EdgeKind::Configure, EdgeKind::Build, EdgeKind::Flash] {
                match crate::order::image_order(&m, kind) {
                    Ok(order) => assert_eq!(order.len(), m.images.len()),
                    Err(cycle) => assert!(!cycle.path.is_empty()),
                }
            }
        }
        Err(e) => assert!(e.location.line <= text.lines().count() + 1),
    }
}

/// `pm_static.yml`: never panics; every partition of a successful parse ends
/// within the address space and containers only span existing partitions.
pub fn static_layout(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(layout) = Layout::parse_static(Path::new("pm_static.yml"), text) {
        for p in layout.partitions.values() {
            assert!(p.address.checked_add(p.size).is_some());
            for member in &p.span {
                assert!(layout.get(member).is_some());
            }
        }
        let vars = layout.cmake_vars();
        assert_eq!(vars.len(), layout.partitions.len() * 3);
    }
}

/// `-DNAME[:TYPE]=VALUE`: never panics; a parsed definition prints back to
/// the same text.
pub fn define(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(d) = text.parse::<Define>() {
        assert_eq!(d.to_string(), text);
    }
}

/// A `.config` text (read back by the Kconfig step for the strategy
/// symbols): never panics; every set symbol is a name without `CONFIG_`.
pub fn dot_config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for name in crate::kconfig::parse_config(text).keys() {
        assert!(!name.contains('='));
        assert!(text.contains(&format!("CONFIG_{name}=")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn seeds() -> Vec<String> {
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/bootloader-app");
        vec![
            std::fs::read_to_string(example.join("images.toml")).unwrap(),
            std::fs::read_to_string(example.join("layouts/static.yml")).unwrap(),
            "a:\n  span: [b, {one_of: [c, a]}]\nb:\n  address: 1\n  size: 2\n".into(),
            "[[image]]\nname = \"a\"\nsource = \".\"\nkind = \"main\"\nbuild = [\"a\"]\n".into(),
            "FOO:BOOL=ON".into(),
            "CONFIG_A=y\nCONFIG_S=\"a \\\"b\\\" \\\\\"\n# CONFIG_B is not set\n".into(),
        ]
    }

    #[test]
    fn bodies_hold_on_the_seeds_and_their_truncations() {
        for seed in seeds() {
            for end in 0..=seed.len() {
                if seed.is_char_boundary(end) {
                    let cut = &seed.as_bytes()[..end];
                    manifest(cut);
                    static_layout(cut);
                    define(cut);
                    dot_config(cut);
                }
            }
        }
    }

    proptest! {
        #[test]
        fn bodies_hold_on_mutated_seeds(which in 0usize..6, at in 0usize..400, insert in "[\\[\\]=:\"{}a-z0-9\n ,_-]{0,12}") {
            let seed = &seeds()[which];
            let mut at = at.min(seed.len());
            while !seed.is_char_boundary(at) {
                at -= 1;
            }
            let text = format!("{}{}{}", &seed[..at], insert, &seed[at..]);
            manifest(text.as_bytes());
            static_layout(text.as_bytes());
            define(text.as_bytes());
            dot_config(text.as_bytes());
        }
    }
}
