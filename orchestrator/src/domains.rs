//! `domains.yaml`: the flash plan that Zephyr's `west flash` reads.
//!
//! Format (as Zephyr's sysbuild writes it): the default image (`default`), the
//! top build directory, one entry per image with a build directory, and the
//! order in which images are flashed (`flash_order`, from `flash` edges).

use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::manifest::{ImageKind, Strategy};
use crate::output_file::write_if_changed;
use crate::plan::Plan;

/// One image's entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainEntry {
    /// Image name.
    pub name: String,
    /// Its build directory.
    pub build_dir: PathBuf,
    /// Its source directory.
    pub source_dir: PathBuf,
}

/// The content of `domains.yaml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Domains {
    /// The main image.
    pub default: String,
    /// The top build directory.
    pub build_dir: PathBuf,
    /// Every built image.
    pub domains: Vec<DomainEntry>,
    /// Built images in flash order.
    pub flash_order: Vec<String>,
}

impl Domains {
    /// The flash plan of `plan`: images built from source, in flash order.
    pub fn of(plan: &Plan) -> Domains {
        let built = |name: &str| {
            plan.image(name)
                .is_some_and(|i| i.strategy == Strategy::FromSource)
        };
        Domains {
            default: plan
                .images
                .iter()
                .find(|i| i.kind == ImageKind::Main)
                .map(|i| i.name.clone())
                .unwrap_or_default(),
            build_dir: plan.build_dir.clone(),
            domains: plan
                .images
                .iter()
                .filter(|i| i.strategy == Strategy::FromSource)
                .map(|i| DomainEntry {
                    name: i.name.clone(),
                    build_dir: i.build_dir.clone(),
                    source_dir: i.source.clone(),
                })
                .collect(),
            flash_order: plan
                .flash_order
                .iter()
                .filter(|n| built(n))
                .cloned()
                .collect(),
        }
    }

    /// The YAML text.
    pub fn to_yaml(&self) -> String {
        serde_norway::to_string(self).unwrap_or_default()
    }

    /// Writes `domains.yaml` into `build_dir` (only when its content changes).
    pub fn write(&self, build_dir: &Path) -> io::Result<PathBuf> {
        let path = build_dir.join("domains.yaml");
        write_if_changed(&path, self.to_yaml().as_bytes())?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_round_trips() {
        let d = Domains {
            default: "app".into(),
            build_dir: "/b".into(),
            domains: vec![DomainEntry {
                name: "app".into(),
                build_dir: "/b/app".into(),
                source_dir: "/s/app".into(),
            }],
            flash_order: vec!["app".into()],
        };
        let text = d.to_yaml();
        assert!(
            text.starts_with("default: app\nbuild_dir: /b\ndomains:\n- name: app\n"),
            "{text}"
        );
        let back: Domains = serde_norway::from_str(&text).unwrap();
        assert_eq!(back, d);
    }
}
