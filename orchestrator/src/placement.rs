//! The layout step: dynamic placement of a domain's partitions from the
//! images' `pm.yml` files with partition-solver.
//!
//! For every memory domain in which at least one image built from source has
//! a `pm.yml` in its source directory:
//!
//! 1. each such `pm.yml` is preprocessed against its image's `autoconf.h`
//!    (partition-solver's `preprocess`; an image without Kconfig gets an empty
//!    one), in the order of images.toml;
//! 2. the domain is solved with the regions of its `[[domain.region]]` tables
//!    and the domain's static file (`pm_static.yml` for the root domain,
//!    `pm_static_<D>.yml` otherwise) as static configuration;
//! 3. the solution becomes the domain's [`Layout`] (so the `PM_<P>_*`
//!    configure variables, the merge checks and `multibuild plan` use it) and
//!    the texts of `partitions[_<D>].yml`, `regions[_<D>].yml`,
//!    `pm[_<D>].config` (root domain without suffix) and each image's
//!    `pm_config.h`, which the pipeline writes only when changed.
//!
//! In a complex region the dynamic partition takes the space left. In the
//! complex region `flash_primary` (or, without one, the domain's first complex
//! region) it is the domain's *dynamic image*: the main image in its domain,
//! otherwise the domain's first image. Any other complex region's dynamic
//! partition is named like the region (`sram_primary`), as the nRF Connect SDK
//! passes them; declare RAM regions before flash regions, in the SDK's order
//! (`sram_primary`, then `flash_primary`), since the solver places regions in
//! declaration order and a domain needs a RAM region for `pm_config.h`. Domains without any `pm.yml` keep their
//! static layout, exactly as without this step.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use partition_solver::output::{self, DomainLayout};
use partition_solver::preprocess::Preprocessor;
use partition_solver::yaml::{Map, Value};
use partition_solver::{solve, DomainInput, Fragment, Options, Region, Strategy};
use thiserror::Error;

use crate::layout::{static_file, Layout, LayoutSource, Partition};
use crate::location::Location;
use crate::manifest::{Manifest, RegionPlacement};

/// The partition requirements file looked for in an image's source directory.
pub const PM_YML: &str = "pm.yml";

/// `pm_config.h` of an image, relative to its build directory.
pub const PM_CONFIG_H: &str = "multibuild/include/pm_config.h";

/// An image taking part in placement: built from source, in a domain.
#[derive(Debug, Clone)]
pub struct PlacedImage<'a> {
    /// Name.
    pub name: &'a str,
    /// Memory domain.
    pub domain: &'a str,
    /// Source directory (where `pm.yml` is looked for).
    pub source: &'a Path,
    /// The image's `autoconf.h` text, when it has a Kconfig.
    pub autoconf: Option<&'a str>,
}

/// A file the layout step produces: where it goes and its content.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OutputText {
    /// Destination.
    pub path: PathBuf,
    /// Content.
    #[serde(skip)]
    pub contents: String,
}

/// One solved domain.
#[derive(Debug, Clone)]
pub struct SolvedDomain {
    /// The layout.
    pub layout: Layout,
    /// partition-solver's view of it (for `pm_config.h` and pictures).
    pub output: DomainLayout,
    /// `partitions`, `regions` and `pm` files of the domain.
    pub files: Vec<OutputText>,
    /// The solver's accepted-problem warnings.
    pub warnings: Vec<String>,
}

/// Why a domain cannot be placed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PlacementError {
    /// A file cannot be read.
    #[error("{path}: cannot read: {reason}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The system's message.
        reason: String,
    },
    /// A `pm.yml` does not preprocess.
    #[error("image `{image}`: {source}")]
    Preprocess {
        /// The image.
        image: String,
        /// The located error.
        source: partition_solver::Error,
    },
    /// A domain with `pm.yml` files but no regions.
    #[error("{location}: domain `{domain}` has partition requirements ({files}) but no regions; declare its memory with [[domain.region]] tables (name, base, size, placement)")]
    NoRegions {
        /// The domain.
        domain: String,
        /// Where it is declared.
        location: Location,
        /// The `pm.yml` files, comma-separated.
        files: String,
    },
    /// The solver found no layout.
    #[error("domain `{domain}`: partition placement failed: {source}")]
    Solve {
        /// The domain.
        domain: String,
        /// The solver's error (names the partitions and files).
        source: partition_solver::Error,
    },
    /// The solution cannot be rendered.
    #[error("domain `{domain}`: {source}")]
    Output {
        /// The domain.
        domain: String,
        /// The output generator's error.
        source: partition_solver::Error,
    },
}

/// File name of a per-domain output: `<stem>.<ext>` for the root domain,
/// `<stem>_<D>.<ext>` for the others.
pub fn domain_file(stem: &str, ext: &str, domain: &str, is_root: bool) -> String {
    if is_root {
        format!("{stem}.{ext}")
    } else {
        format!("{stem}_{domain}.{ext}")
    }
}

fn read(path: &Path) -> Result<String, PlacementError> {
    std::fs::read_to_string(path).map_err(|e| PlacementError::Read {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// The solver's region for a manifest region; `dynamic` is the dynamic
/// partition of a complex region.
fn solver_region(region: &crate::manifest::Region, dynamic: Option<String>) -> Region {
    let mut r = Region::new(&region.name, i128::from(region.size));
    r.base_address = i128::from(region.base);
    r.strategy = match region.placement {
        RegionPlacement::Complex => Strategy::Complex,
        RegionPlacement::StartToEnd => Strategy::StartToEnd,
        RegionPlacement::EndToStart => Strategy::EndToStart,
    };
    r.device = region.device.clone().unwrap_or_default();
    if region.placement == RegionPlacement::Complex {
        r.dynamic_partition = dynamic;
    }
    r
}

/// Converts a solved partition map into a [`Layout`]; `static_names` are the
/// partitions of the static file.
fn to_layout(partitions: &Map, static_names: &[String], source: LayoutSource) -> Layout {
    let mut out = IndexMap::new();
    for (name, value) in partitions {
        let Some(entry) = value.as_map() else {
            continue;
        };
        let int = |key: &str| {
            entry
                .get(key)
                .and_then(Value::as_int)
                .and_then(|v| u64::try_from(v).ok())
        };
        let (Some(address), Some(size)) = (int("address"), int("size")) else {
            continue;
        };
        if size == 0 || address.checked_add(size).is_none() {
            continue;
        }
        let span = match entry.get("span") {
            Some(Value::Seq(items)) => items.iter().map(Value::py_str).collect(),
            Some(Value::Str(s)) => vec![s.clone()],
            _ => Vec::new(),
        };
        out.insert(
            name.clone(),
            Partition {
                address,
                size,
                region: entry
                    .get("region")
                    .and_then(Value::as_str)
                    .unwrap_or("flash_primary")
                    .to_string(),
                span,
                device: None,
            },
        );
    }
    Layout {
        static_names: out
            .keys()
            .filter(|n| static_names.contains(n))
            .cloned()
            .collect(),
        partitions: out,
        source,
    }
}

/// Solves every domain of `manifest` in which one of `images` has a `pm.yml`;
/// outputs go to `build_dir`. Returns the solved domains by name (domain order).
pub fn solve_domains(
    manifest: &Manifest,
    images: &[PlacedImage<'_>],
    build_dir: &Path,
) -> Result<IndexMap<String, SolvedDomain>, PlacementError> {
    let mut solved = IndexMap::new();
    let main = manifest.main_image();
    for (index, domain) in manifest.domains.iter().enumerate() {
        let is_root = index == 0;
        let mut fragments = Vec::new();
        let mut files = Vec::new();
        for image in images.iter().filter(|i| i.domain == domain.name) {
            let path = image.source.join(PM_YML);
            if !path.is_file() {
                continue;
            }
            let text = read(&path)?;
            let pre = Preprocessor::new().with_autoconf(image.autoconf.unwrap_or(""));
            let name = path.display().to_string();
            let text = pre
                .run(&name, &text)
                .map_err(|source| PlacementError::Preprocess {
                    image: image.name.to_string(),
                    source,
                })?;
            fragments.push(Fragment::new(name, text));
            files.push(path);
        }
        if fragments.is_empty() {
            continue;
        }
        if domain.regions.is_empty() {
            return Err(PlacementError::NoRegions {
                domain: domain.name.clone(),
                location: domain.location.clone(),
                files: files
                    .iter()
                    .map(|f| f.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        let static_path = static_file(&manifest.app_dir, &domain.name, is_root);
        let static_config = if static_path.is_file() {
            Some(Fragment::new(
                static_path.display().to_string(),
                read(&static_path)?,
            ))
        } else {
            None
        };
        let static_names: Vec<String> = match &static_config {
            Some(f) => partition_solver::solver::load_static(f)
                .map(|m| m.keys().cloned().collect())
                .map_err(|source| PlacementError::Solve {
                    domain: domain.name.clone(),
                    source,
                })?,
            None => Vec::new(),
        };
        let dynamic_image = if main.domain == domain.name {
            main.name.clone()
        } else {
            manifest
                .images
                .iter()
                .find(|i| i.domain == domain.name)
                .map_or_else(|| "app".to_string(), |i| i.name.clone())
        };
        let complex: Vec<&str> = domain
            .regions
            .iter()
            .filter(|r| r.placement == RegionPlacement::Complex)
            .map(|r| r.name.as_str())
            .collect();
        let image_region = complex
            .iter()
            .find(|&&r| r == "flash_primary")
            .or(complex.first())
            .copied();
        let regions = domain
            .regions
            .iter()
            .map(|r| {
                let dynamic = if Some(r.name.as_str()) == image_region {
                    dynamic_image.clone()
                } else {
                    r.name.clone()
                };
                solver_region(r, Some(dynamic))
            })
            .collect();
        let input = DomainInput {
            fragments,
            static_config,
            regions,
        };
        let solution =
            solve(&input, &Options::default()).map_err(|source| PlacementError::Solve {
                domain: domain.name.clone(),
                source,
            })?;
        let label = if is_root { "" } else { domain.name.as_str() };
        let output_layout = DomainLayout::from_solution(label, &solution);
        let pm_config =
            output::pm_config(std::slice::from_ref(&output_layout)).map_err(|source| {
                PlacementError::Output {
                    domain: domain.name.clone(),
                    source,
                }
            })?;
        let layout = to_layout(
            &solution.partitions,
            &static_names,
            LayoutSource::Solved {
                fragments: files,
                static_file: input.static_config.as_ref().map(|_| static_path.clone()),
            },
        );
        let out = |stem: &str, ext: &str, contents: String| OutputText {
            path: build_dir.join(domain_file(stem, ext, &domain.name, is_root)),
            contents,
        };
        let files = vec![
            out("partitions", "yml", solution.partitions_yaml()),
            out("regions", "yml", solution.regions_yaml()),
            out("pm", "config", pm_config),
        ];
        solved.insert(
            domain.name.clone(),
            SolvedDomain {
                layout,
                output: output_layout,
                files,
                warnings: solution.warnings,
            },
        );
    }
    Ok(solved)
}

/// The `pm_config.h` text of `image` in `domain` (every solved domain is
/// described; the image's own domain without prefix).
pub fn pm_config_h(
    solved: &IndexMap<String, SolvedDomain>,
    manifest: &Manifest,
    domain: &str,
    image: &str,
) -> Result<String, PlacementError> {
    let layouts: Vec<DomainLayout> = solved.values().map(|d| d.output.clone()).collect();
    let label = if manifest.root_domain().name == domain {
        ""
    } else {
        domain
    };
    output::pm_config_h(&layouts, label, image, "pm_config.h", "multibuild")
        .map(|(text, _)| text)
        .map_err(|source| PlacementError::Output {
            domain: domain.to_string(),
            source,
        })
}

/// A text picture of `layout` (partition-solver's memory map), titled `domain`.
pub fn picture(domain: &str, layout: &Layout) -> String {
    let mut parts = Map::default();
    for (name, p) in &layout.partitions {
        let mut entry = Map::default();
        entry.insert("address".into(), Value::Int(i128::from(p.address)));
        entry.insert("size".into(), Value::Int(i128::from(p.size)));
        entry.insert("region".into(), Value::Str(p.region.clone()));
        if !p.span.is_empty() {
            entry.insert(
                "span".into(),
                Value::Seq(p.span.iter().cloned().map(Value::Str).collect()),
            );
        }
        parts.insert(name.clone(), Value::from(entry));
    }
    partition_solver::report::text(domain, &parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(manifest: &str, files: &[(&str, &str)]) -> (tempfile::TempDir, Manifest) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("images.toml"), manifest).unwrap();
        for (path, text) in files {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let m = Manifest::load(&dir.path().join("images.toml")).unwrap();
        (dir, m)
    }

    const MANIFEST: &str = "[[domain]]\nname = \"APP\"\n\
        [[domain.region]]\nname = \"sram_primary\"\nbase = 0x20000000\nsize = 0x10000\nplacement = \"complex\"\n\
        [[domain.region]]\nname = \"flash_primary\"\nsize = 0x100000\nplacement = \"complex\"\n\
        [[image]]\nname = \"app\"\nsource = \"app\"\nkind = \"main\"\n\
        [[image]]\nname = \"boot\"\nsource = \"boot\"\nkind = \"bootloader\"\n";

    fn placed<'a>(m: &'a Manifest, autoconf: Option<&'a str>) -> Vec<PlacedImage<'a>> {
        m.images
            .iter()
            .map(|i| PlacedImage {
                name: &i.name,
                domain: &i.domain,
                source: &i.source,
                autoconf: if i.name == "app" { autoconf } else { None },
            })
            .collect()
    }

    #[test]
    fn pm_yml_files_are_preprocessed_and_solved() {
        let (dir, m) = app(
            MANIFEST,
            &[
                (
                    "boot/pm.yml",
                    "boot:\n  size: 0x8000\n  placement:\n    before: [app]\n",
                ),
                (
                    "app/pm.yml",
                    "#include <autoconf.h>\n#ifdef CONFIG_STORAGE\nstorage:\n  size: CONFIG_STORAGE_SIZE\n  placement:\n    after: [app]\n#endif\n",
                ),
            ],
        );
        let b = dir.path().join("build");
        let solved = solve_domains(&m, &placed(&m, None), &b).unwrap();
        let l = &solved["APP"].layout;
        assert_eq!(
            (l.get("boot").unwrap().address, l.get("boot").unwrap().size),
            (0, 0x8000)
        );
        assert_eq!(l.get("app").unwrap().address, 0x8000);
        assert_eq!(l.get("app").unwrap().end(), 0x100000);
        assert!(l.get("storage").is_none());
        assert!(l.static_names.is_empty());

        let conf = "#define CONFIG_STORAGE 1\n#define CONFIG_STORAGE_SIZE 0x4000\n";
        let solved = solve_domains(&m, &placed(&m, Some(conf)), &b).unwrap();
        let l = &solved["APP"].layout;
        assert_eq!(l.get("storage").unwrap().address, 0xfc000);
        assert_eq!(l.get("app").unwrap().end(), 0xfc000);
        let names: Vec<_> = solved["APP"].files.iter().map(|f| f.path.clone()).collect();
        assert_eq!(
            names,
            [
                b.join("partitions.yml"),
                b.join("regions.yml"),
                b.join("pm.config")
            ]
        );
        assert!(solved["APP"].files[2]
            .contents
            .contains("PM_STORAGE_ADDRESS=0xfc000"));
        let h = pm_config_h(&solved, &m, "APP", "app").unwrap();
        assert!(h.contains("#define PM_STORAGE_ADDRESS 0xfc000"), "{h}");
        assert!(h.contains("#define PM_ADDRESS 0x8000"), "{h}");
        let picture = picture("APP", l);
        assert!(picture.contains("0xfc000: storage"), "{picture}");
    }

    #[test]
    fn each_domain_is_solved_and_headers_name_the_other_domains() {
        let manifest = format!(
            "{MANIFEST}[[domain]]\nname = \"CPUNET\"\n\
             [[domain.region]]\nname = \"sram_primary\"\nbase = 0x21000000\nsize = 0x8000\nplacement = \"complex\"\n\
             [[domain.region]]\nname = \"flash_primary\"\nbase = 0x1000000\nsize = 0x40000\nplacement = \"complex\"\n\
             [[image]]\nname = \"net\"\nsource = \"net\"\ndomain = \"CPUNET\"\n"
        );
        let (dir, m) = app(
            &manifest,
            &[
                (
                    "boot/pm.yml",
                    "boot:\n  size: 0x8000\n  placement:\n    before: [app]\n",
                ),
                (
                    "net/pm.yml",
                    "net_storage:\n  size: 0x2000\n  placement:\n    after: [net]\n",
                ),
            ],
        );
        let solved = solve_domains(&m, &placed(&m, None), dir.path()).unwrap();
        let net = &solved["CPUNET"].layout;
        // The domain's first image is its dynamic partition.
        assert_eq!(net.get("net").unwrap().address, 0x1000000);
        assert_eq!(net.get("net_storage").unwrap().end(), 0x1040000);
        let files: Vec<_> = solved["CPUNET"]
            .files
            .iter()
            .map(|f| f.path.clone())
            .collect();
        assert_eq!(
            files,
            [
                dir.path().join("partitions_CPUNET.yml"),
                dir.path().join("regions_CPUNET.yml"),
                dir.path().join("pm_CPUNET.config")
            ]
        );
        let h = pm_config_h(&solved, &m, "CPUNET", "net").unwrap();
        assert!(
            h.contains("#define PM_NET_STORAGE_ADDRESS 0x103e000"),
            "{h}"
        );
        assert!(h.contains("#define PM__BOOT_ADDRESS 0x0"), "{h}");
        let h = pm_config_h(&solved, &m, "APP", "app").unwrap();
        assert!(
            h.contains("#define PM_CPUNET_NET_STORAGE_ADDRESS 0x103e000"),
            "{h}"
        );
    }

    #[test]
    fn static_file_fixes_partitions_and_errors_name_the_domain() {
        let (dir, m) = app(
            MANIFEST,
            &[
                (
                    "boot/pm.yml",
                    "boot:\n  size: 0x8000\n  placement:\n    before: [app]\n",
                ),
                ("pm_static.yml", "boot:\n  address: 0x0\n  size: 0x10000\n"),
            ],
        );
        let solved = solve_domains(&m, &placed(&m, None), dir.path()).unwrap();
        let l = &solved["APP"].layout;
        assert_eq!(l.get("boot").unwrap().size, 0x10000);
        assert_eq!(l.static_names, ["boot"]);
        assert_eq!(l.get("app").unwrap().address, 0x10000);

        let (dir, m) = app(
            &MANIFEST.replace("size = 0x100000", "size = 0x4000"),
            &[(
                "boot/pm.yml",
                "boot:\n  size: 0x8000\n  placement:\n    before: [app]\n",
            )],
        );
        let e = solve_domains(&m, &placed(&m, None), dir.path())
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("domain `APP`: partition placement failed"),
            "{e}"
        );

        let no_regions = "[[image]]\nname = \"app\"\nsource = \"app\"\nkind = \"main\"\n";
        let (dir, m) = app(no_regions, &[("app/pm.yml", "x:\n  size: 4\n")]);
        let e = solve_domains(&m, &placed(&m, None), dir.path())
            .unwrap_err()
            .to_string();
        assert!(e.contains("domain `APP` has partition requirements"), "{e}");

        let (dir, m) = app(MANIFEST, &[("app/pm.yml", "#if\nx: 1\n")]);
        let e = solve_domains(&m, &placed(&m, None), dir.path())
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("image `app`: ") && e.contains("pm.yml:1"),
            "{e}"
        );
    }
}
