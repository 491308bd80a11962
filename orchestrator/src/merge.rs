//! The final step of a build: check that every image's HEX lies inside its
//! partition, merge each domain's images into `merged[_<D>].hex`, and all
//! domains into `merged_domains.hex`, with the `image-merge` library.
//!
//! Overlap policy: an address written by two images is an error, except where
//! the layout nests the partitions (a container spanning another image's
//! partition); there the inner image's bytes replace the outer's. Inputs are
//! therefore merged from the outermost partition to the innermost with "last
//! write wins", and every overlap the merge reports is checked against the
//! layout. Across domains any overlap is an error. Outputs are written only
//! when their content changes (atomically), so a no-op build leaves them alone.

use std::path::{Path, PathBuf};

use image_merge::{
    merge, InputData, InputFormat, InputSpec, MemoryImage, MergeError, MergeOptions, OutputFormat,
    OverlapPolicy,
};
use thiserror::Error;

use crate::layout::{Layout, Partition};
use crate::output_file::write_if_changed;
use crate::plan::{Plan, PlannedImage};

/// The files the merge step wrote (or found up to date).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeOutputs {
    /// Per domain with at least one HEX: its name and `merged[_<D>].hex`.
    pub domains: Vec<(String, PathBuf)>,
    /// `merged_domains.hex`, when more than one domain has HEX files.
    pub all_domains: Option<PathBuf>,
    /// Warnings of the HEX readers (tolerated oddities in the inputs).
    pub warnings: Vec<String>,
}

/// Why the merge step failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum MergeStepError {
    /// A HEX file cannot be read or is malformed.
    #[error("image `{image}`: {source}")]
    Read {
        /// The image.
        image: String,
        /// The reader's error (names file, line and column).
        source: image_merge::ReadError,
    },
    /// A HEX file has data outside its image's partition.
    #[error("image `{image}`: {hex} has data at {start:#010x}..{end:#010x}, outside its partition `{image}` {p_start:#010x}..{p_end:#010x}; link the image at the PM_{upper}_ADDRESS it is given, or enlarge the partition", upper = image.to_uppercase())]
    OutsidePartition {
        /// The image.
        image: String,
        /// Its HEX file.
        hex: PathBuf,
        /// First address of the offending data.
        start: u64,
        /// One past its last address.
        end: u64,
        /// Partition start.
        p_start: u64,
        /// Partition end (exclusive).
        p_end: u64,
    },
    /// Images of one domain overlap where the layout does not nest them.
    #[error("domain `{domain}`: images overlap where the layout does not nest their partitions:\n  {}", overlaps.join("\n  "))]
    Overlap {
        /// The domain.
        domain: String,
        /// Each overlap: the two inputs and the address range.
        overlaps: Vec<String>,
    },
    /// Domains overlap.
    #[error("merging the domains: {0}")]
    DomainOverlap(MergeError),
    /// An output cannot be written.
    #[error("{path}: cannot write: {source}")]
    Write {
        /// The output.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// The merged HEX file of domain `index` of `domains` (the first is the root):
/// `merged.hex`, or `merged_<D>.hex` for other domains.
pub fn domain_output(build_dir: &Path, domain: &str, is_root: bool) -> PathBuf {
    if is_root {
        build_dir.join("merged.hex")
    } else {
        build_dir.join(format!("merged_{domain}.hex"))
    }
}

/// Reads an image's HEX file and checks that all its data lies in `partition`.
pub fn read_checked(
    image: &str,
    hex: &Path,
    partition: &Partition,
) -> Result<InputData, MergeStepError> {
    let mut data = image_merge::read_input(&InputSpec {
        path: hex.to_path_buf(),
        format: InputFormat::IntelHex,
    })
    .map_err(|source| MergeStepError::Read {
        image: image.to_string(),
        source,
    })?;
    for run in &data.runs {
        let (start, end) = (u64::from(run.start()), run.end());
        if start < partition.address || end > partition.end() {
            return Err(MergeStepError::OutsidePartition {
                image: image.to_string(),
                hex: hex.to_path_buf(),
                start,
                end,
                p_start: partition.address,
                p_end: partition.end(),
            });
        }
    }
    data.name = format!("{image} ({})", hex.display());
    Ok(data)
}

/// How many partitions of `layout` contain `name` (a nested partition is deeper
/// than every container of it).
fn depth(layout: &Layout, name: &str) -> usize {
    layout
        .partitions
        .keys()
        .filter(|outer| outer.as_str() != name && layout.nests(outer, name))
        .count()
}

/// Merges the HEX files of one domain's images, outermost partition first.
pub fn merge_domain(
    domain: &str,
    layout: &Layout,
    images: &[&PlannedImage],
) -> Result<(MemoryImage, Vec<String>), MergeStepError> {
    let mut ordered: Vec<&PlannedImage> = images.to_vec();
    ordered.sort_by_key(|i| depth(layout, &i.name));
    let mut inputs = Vec::new();
    let mut names = Vec::new();
    for image in &ordered {
        if let Some(hex) = &image.hex {
            inputs.push(read_checked(&image.name, hex, &image.partition)?);
            names.push(image.name.clone());
        }
    }
    let warnings: Vec<String> = inputs
        .iter()
        .flat_map(|i| i.warnings.iter().map(|w| w.to_string()))
        .collect();
    let options = MergeOptions {
        overlap: OverlapPolicy::Last,
        ..MergeOptions::default()
    };
    let merged = merge(inputs, &options).map_err(MergeStepError::DomainOverlap)?;
    let forbidden: Vec<String> = merged
        .overlaps
        .iter()
        .filter(|o| {
            o.first_input == o.second_input
                || !layout.nests(&names[o.first_input], &names[o.second_input])
        })
        .map(|o| o.to_string())
        .collect();
    if !forbidden.is_empty() {
        return Err(MergeStepError::Overlap {
            domain: domain.to_string(),
            overlaps: forbidden,
        });
    }
    Ok((merged.image, warnings))
}

fn write_hex(path: &Path, image: &MemoryImage) -> Result<(), MergeStepError> {
    let mut bytes = Vec::new();
    image_merge::output::write_to(
        image,
        &OutputFormat::IntelHex(Default::default()),
        &mut bytes,
    )
    .and_then(|()| write_if_changed(path, &bytes).map(|_| ()))
    .map_err(|source| MergeStepError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Checks and merges every domain of `plan` (see the module documentation).
pub fn check_and_merge(plan: &Plan) -> Result<MergeOutputs, MergeStepError> {
    let mut outputs = MergeOutputs {
        domains: Vec::new(),
        all_domains: None,
        warnings: Vec::new(),
    };
    let mut merged_domains: Vec<(String, MemoryImage)> = Vec::new();
    for (index, (domain, layout)) in plan.layouts.iter().enumerate() {
        let images: Vec<&PlannedImage> = plan
            .images
            .iter()
            .filter(|i| &i.domain == domain && i.hex.is_some())
            .collect();
        if images.is_empty() {
            continue;
        }
        let (image, warnings) = merge_domain(domain, layout, &images)?;
        outputs.warnings.extend(warnings);
        let path = domain_output(&plan.build_dir, domain, index == 0);
        write_hex(&path, &image)?;
        outputs.domains.push((domain.clone(), path));
        merged_domains.push((domain.clone(), image));
    }
    if merged_domains.len() > 1 {
        let inputs: Vec<InputData> = merged_domains
            .into_iter()
            .map(|(domain, image)| InputData {
                name: format!("domain {domain}"),
                format: InputFormat::IntelHex,
                runs: image.into_segments(),
                starts: Vec::new(),
                warnings: Vec::new(),
            })
            .collect();
        let merged =
            merge(inputs, &MergeOptions::default()).map_err(MergeStepError::DomainOverlap)?;
        let path = plan.build_dir.join("merged_domains.hex");
        write_hex(&path, &merged.image)?;
        outputs.all_domains = Some(path);
    }
    Ok(outputs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::Layout;
    use image_merge::intel_hex;

    fn hex_file(dir: &Path, name: &str, address: u32, bytes: &[u8]) -> PathBuf {
        let image = MemoryImage::from_bytes(
            bytes
                .iter()
                .enumerate()
                .map(|(i, b)| (address + i as u32, *b)),
        );
        let path = dir.join(name);
        let mut out = Vec::new();
        intel_hex::write(&image, &Default::default(), &mut out).unwrap();
        std::fs::write(&path, out).unwrap();
        path
    }

    fn planned(name: &str, hex: PathBuf, layout: &Layout) -> PlannedImage {
        PlannedImage {
            name: name.into(),
            kind: crate::manifest::ImageKind::Other,
            domain: "APP".into(),
            source: PathBuf::new(),
            strategy: crate::manifest::Strategy::FromSource,
            strategy_origin: crate::strategy::StrategyOrigin::Manifest,
            build_dir: PathBuf::new(),
            hex: Some(hex),
            partition: layout.get(name).unwrap().clone(),
            vars: Default::default(),
            layout_vars: Vec::new(),
            build_deps: Vec::new(),
            configure_deps: Vec::new(),
            kconfig: None,
            autoconf_h: None,
            pm_config_h: None,
        }
    }

    #[test]
    fn data_outside_the_partition_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::parse_static(
            Path::new("pm_static.yml"),
            "a:\n  address: 0x100\n  size: 0x10\n",
        )
        .unwrap();
        let hex = hex_file(dir.path(), "a.hex", 0x10f, &[1, 2]);
        let e = read_checked("a", &hex, layout.get("a").unwrap())
            .unwrap_err()
            .to_string();
        assert!(e.contains("has data at 0x0000010f..0x00000111, outside its partition `a` 0x00000100..0x00000110"), "{e}");
    }

    #[test]
    fn overlap_is_an_error_unless_the_layout_nests_the_partitions() {
        let dir = tempfile::tempdir().unwrap();
        // `outer` spans `inner`; `other` overlaps `outer` without nesting.
        let layout = Layout::parse_static(
            Path::new("pm_static.yml"),
            "inner:\n  address: 0x10\n  size: 0x10\nouter:\n  address: 0x0\n  size: 0x40\n  span: [inner]\nother:\n  address: 0x30\n  size: 0x20\n",
        )
        .unwrap();
        let inner = planned(
            "inner",
            hex_file(dir.path(), "i.hex", 0x10, &[0xAA; 4]),
            &layout,
        );
        let outer = planned(
            "outer",
            hex_file(dir.path(), "o.hex", 0x0, &[0x55; 0x20]),
            &layout,
        );
        // Given inner first, the merge still lets the inner image win.
        let (image, _) = merge_domain("APP", &layout, &[&inner, &outer]).unwrap();
        assert_eq!(image.get(0x10), Some(0xAA));
        assert_eq!(image.get(0x14), Some(0x55));

        let outer2 = planned(
            "outer",
            hex_file(dir.path(), "o2.hex", 0x30, &[1; 8]),
            &layout,
        );
        let other = planned(
            "other",
            hex_file(dir.path(), "x.hex", 0x34, &[2; 8]),
            &layout,
        );
        let e = merge_domain("APP", &layout, &[&outer2, &other])
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with(
                "domain `APP`: images overlap where the layout does not nest their partitions:"
            ),
            "{e}"
        );
        assert!(e.contains("0x00000034-0x00000037"), "{e}");
    }
}
