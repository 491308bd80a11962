//! The `images.toml` model: the images of an application, their memory domains
//! and the dependencies between them.
//!
//! Parsing is two-staged: serde reads the TOML into raw structures that keep
//! each value's span, then [`Manifest::parse`] validates them into types in
//! which illegal states cannot be expressed (a `use_hex` image always has a HEX
//! path, every dependency names an existing image, there is exactly one main
//! image). Every error carries the file, line and column of the offending value.
//!
//! ```
//! use orchestrator::manifest::{Manifest, Strategy};
//! let text = r#"
//! [[image]]
//! name = "app"
//! source = "app"
//! kind = "main"
//! configure = ["mcuboot"]
//!
//! [[image]]
//! name = "mcuboot"
//! source = "boot"
//! kind = "bootloader"
//! strategy = "use_hex"
//! hex = "prebuilt/mcuboot.hex"
//! "#;
//! let m = Manifest::parse(std::path::Path::new("/app/images.toml"), text).unwrap();
//! assert_eq!(m.images[1].strategy, Strategy::UseHex { hex: "/app/prebuilt/mcuboot.hex".into() });
//! assert_eq!(m.main_image().name, "app");
//! ```

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::Deserialize;
use thiserror::Error;
use toml::Spanned;

use crate::location::{LineIndex, Location};

/// Name of the root memory domain when `images.toml` declares none.
pub const DEFAULT_DOMAIN: &str = "APP";

/// Image names that would clash with multibuild's own entries in the build directory.
pub const RESERVED_IMAGE_NAMES: [&str; 1] = ["logs"];

/// Default HEX output of an image, relative to its build directory.
pub const DEFAULT_OUTPUT: &str = "zephyr/zephyr.hex";

/// A validated `images.toml`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Manifest {
    /// The manifest file.
    pub path: PathBuf,
    /// The application directory (the manifest's directory); relative paths in
    /// the manifest are taken relative to it.
    pub app_dir: PathBuf,
    /// Variable names forwarded unchanged to every image when defined.
    pub shared_vars: Vec<String>,
    /// Memory domains; the first is the root domain. Never empty: without a
    /// `[[domain]]` table there is one root domain named [`DEFAULT_DOMAIN`].
    pub domains: Vec<Domain>,
    /// Images in declaration (insertion) order.
    pub images: Vec<Image>,
}

/// A memory domain: one memory map (normally one core) with its own layout and
/// merged HEX file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Domain {
    /// Unique domain name.
    pub name: String,
    /// Memory regions for the partition solver, in declaration order.
    pub regions: Vec<Region>,
    /// Where the domain is declared (the manifest file alone for the implicit root).
    pub location: Location,
}

/// A memory region of a domain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Region {
    /// Region name, e.g. `flash_primary`.
    pub name: String,
    /// First address.
    pub base: u64,
    /// Size in bytes (non-zero; `base + size` does not overflow).
    pub size: u64,
    /// How the partition solver places partitions in it.
    pub placement: RegionPlacement,
    /// Device name partitions of the region are attributed to.
    pub device: Option<String>,
}

/// Placement strategy of a region, as the Partition Manager names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionPlacement {
    /// Ordering and alignment constraints (`placement:` in pm.yml).
    Complex,
    /// Packed from the start, free space at the end.
    StartToEnd,
    /// Packed from the end, free space at the start.
    EndToStart,
}

/// The role of an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageKind {
    /// The application: receives plain `-DNAME=VALUE` definitions.
    Main,
    /// A bootloader (flashed first by convention; should have a static slot).
    Bootloader,
    /// Anything else.
    Other,
}

/// Where an image's binary comes from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "strategy")]
pub enum Strategy {
    /// Configured and built from its CMake project.
    FromSource,
    /// Not built; this prebuilt HEX file (absolute path) is merged instead.
    UseHex {
        /// The prebuilt HEX file.
        hex: PathBuf,
    },
    /// Neither built nor merged; its partition stays reserved.
    Skip,
}

/// A dependency of one image on another.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Dependency {
    /// The image depended on (exists in the manifest; not the image itself).
    pub image: String,
    /// Where the dependency is written.
    pub location: Location,
}

/// The three kinds of ordering edges between images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    /// The dependency is configured before the dependent.
    Configure,
    /// The dependency is built before the dependent.
    Build,
    /// The dependency is flashed before the dependent (`flash_order`).
    Flash,
}

impl ImageKind {
    /// The manifest spelling.
    pub fn name(self) -> &'static str {
        match self {
            ImageKind::Main => "main",
            ImageKind::Bootloader => "bootloader",
            ImageKind::Other => "other",
        }
    }
}

impl EdgeKind {
    /// The manifest key of this kind.
    pub fn key(self) -> &'static str {
        match self {
            EdgeKind::Configure => "configure",
            EdgeKind::Build => "build",
            EdgeKind::Flash => "flash",
        }
    }
}

impl fmt::Display for EdgeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// One image of the application.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Image {
    /// Unique name: build sub-directory, variable prefix, partition name.
    pub name: String,
    /// The image's CMake project (absolute).
    pub source: PathBuf,
    /// Name of its memory domain (exists in [`Manifest::domains`]).
    pub domain: String,
    /// Its role.
    pub kind: ImageKind,
    /// Where its binary comes from, as the manifest says (Kconfig may override).
    pub strategy: Strategy,
    /// Its HEX output relative to its build directory.
    pub output: PathBuf,
    /// CMake cache variables from `[image.vars]`, values as CMake strings.
    pub vars: IndexMap<String, String>,
    /// Images configured before this one.
    pub configure: Vec<Dependency>,
    /// Images built before this one.
    pub build: Vec<Dependency>,
    /// Images flashed before this one.
    pub flash: Vec<Dependency>,
    /// Where the image's `[[image]]` table is.
    pub location: Location,
}

impl Image {
    /// The dependencies of one kind.
    pub fn deps(&self, kind: EdgeKind) -> &[Dependency] {
        match kind {
            EdgeKind::Configure => &self.configure,
            EdgeKind::Build => &self.build,
            EdgeKind::Flash => &self.flash,
        }
    }
}

/// An invalid manifest: where, and what is wrong.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("{location}: {kind}")]
pub struct ManifestError {
    /// Position of the offending value.
    pub location: Location,
    /// What is wrong (boxed: errors are rare, results stay small).
    pub kind: Box<ManifestErrorKind>,
}

/// What is wrong in a manifest.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ManifestErrorKind {
    /// The file cannot be read.
    #[error("cannot read the manifest: {0}")]
    Read(String),
    /// TOML syntax or a value of the wrong type / an unknown key.
    #[error("{0}")]
    Syntax(String),
    /// An image or domain name that cannot serve as a directory and variable prefix.
    #[error("invalid {what} name `{name}`: expected a letter followed by letters, digits or `_`")]
    InvalidName {
        /// "image", "domain" or "region".
        what: &'static str,
        /// The name.
        name: String,
    },
    /// An image name that multibuild uses for its own files in the build directory.
    #[error("image name `{0}` is reserved (multibuild keeps its own files under that name in the build directory); rename the image")]
    ReservedName(String),
    /// Two images (domains, regions of a domain) with the same name, ignoring case.
    #[error("duplicate {what} name `{name}` (first defined at {first}; names are compared without case)")]
    Duplicate {
        /// "image", "domain" or "region".
        what: &'static str,
        /// The name.
        name: String,
        /// The first definition.
        first: Location,
    },
    /// An unknown enumeration value.
    #[error("unknown {what} `{value}`: expected one of {expected}")]
    UnknownValue {
        /// The key.
        what: &'static str,
        /// The value found.
        value: String,
        /// The accepted values.
        expected: &'static str,
    },
    /// `strategy = "use_hex"` without `hex`.
    #[error("image `{0}` has strategy `use_hex` but no `hex = \"path/to/file.hex\"`")]
    MissingHex(String),
    /// `hex` given with another strategy.
    #[error("`hex` is only meaningful with `strategy = \"use_hex\"` (image `{0}`)")]
    HexWithoutUseHex(String),
    /// A domain name that is not declared.
    #[error("image `{image}` is in unknown domain `{domain}`; declared domains: {declared}")]
    UnknownDomain {
        /// The image.
        image: String,
        /// The domain it names.
        domain: String,
        /// The declared domains, comma-separated.
        declared: String,
    },
    /// A dependency on an image that does not exist.
    #[error("image `{image}` has a {kind} dependency on unknown image `{target}`; known images: {known}")]
    UnknownDependency {
        /// The dependent image.
        image: String,
        /// The edge kind.
        kind: EdgeKind,
        /// The missing image.
        target: String,
        /// The known images, comma-separated.
        known: String,
    },
    /// An image depending on itself.
    #[error("image `{image}` has a {kind} dependency on itself")]
    SelfDependency {
        /// The image.
        image: String,
        /// The edge kind.
        kind: EdgeKind,
    },
    /// No image has `kind = "main"`.
    #[error("no image has `kind = \"main\"`: exactly one main image is required (it receives plain -D definitions)")]
    NoMainImage,
    /// More than one main image.
    #[error("image `{0}` is a second main image (the first is at {1}); exactly one image may have `kind = \"main\"`")]
    SecondMainImage(String, Location),
    /// No images at all.
    #[error("the manifest declares no `[[image]]`")]
    NoImages,
    /// A region of size zero or one reaching past the address space.
    #[error("region `{0}` must have a non-zero size and end within the 64-bit address space")]
    BadRegion(String),
    /// A value not usable as a CMake variable value.
    #[error("variable `{0}`: expected a string, integer or boolean")]
    BadVarValue(String),
    /// A variable name that CMake cannot take.
    #[error("invalid variable name `{0}`: expected letters, digits and `_`")]
    BadVarName(String),
}

// ---- raw serde structures -------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    #[serde(default)]
    shared_vars: Vec<Spanned<String>>,
    #[serde(default)]
    domain: Vec<Spanned<RawDomain>>,
    #[serde(default)]
    image: Vec<Spanned<RawImage>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDomain {
    name: Spanned<String>,
    #[serde(default)]
    region: Vec<Spanned<RawRegion>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegion {
    name: Spanned<String>,
    #[serde(default)]
    base: u64,
    size: Spanned<u64>,
    #[serde(default)]
    placement: Option<Spanned<String>>,
    #[serde(default)]
    device: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawImage {
    name: Spanned<String>,
    source: Spanned<String>,
    #[serde(default)]
    domain: Option<Spanned<String>>,
    #[serde(default)]
    kind: Option<Spanned<String>>,
    #[serde(default)]
    strategy: Option<Spanned<String>>,
    #[serde(default)]
    hex: Option<Spanned<String>>,
    #[serde(default)]
    output: Option<Spanned<String>>,
    #[serde(default)]
    vars: IndexMap<String, Spanned<toml::Value>>,
    #[serde(default)]
    configure: Vec<Spanned<String>>,
    #[serde(default)]
    build: Vec<Spanned<String>>,
    #[serde(default)]
    flash: Vec<Spanned<String>>,
}

/// True for names usable as a directory, a variable prefix and a partition
/// name: an ASCII letter followed by ASCII letters, digits or `_`.
pub fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// True for CMake variable names the orchestrator forwards: letters, digits, `_`.
pub fn is_valid_var_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

struct Ctx<'a> {
    path: &'a Path,
    lines: LineIndex<'a>,
}

impl Ctx<'_> {
    fn loc<T>(&self, spanned: &Spanned<T>) -> Location {
        self.lines.location(self.path, spanned.span().start)
    }

    fn err<T>(&self, spanned: &Spanned<T>, kind: ManifestErrorKind) -> ManifestError {
        ManifestError {
            location: self.loc(spanned),
            kind: Box::new(kind),
        }
    }
}

impl Manifest {
    /// Reads and validates the manifest file `path`.
    pub fn load(path: &Path) -> Result<Manifest, ManifestError> {
        let text = std::fs::read_to_string(path).map_err(|e| ManifestError {
            location: Location::file(path),
            kind: Box::new(ManifestErrorKind::Read(e.to_string())),
        })?;
        Manifest::parse(path, &text)
    }

    /// Validates `text`, the content of the manifest file `path`. Relative
    /// paths in it are resolved against `path`'s directory. Never panics.
    pub fn parse(path: &Path, text: &str) -> Result<Manifest, ManifestError> {
        let cx = Ctx {
            path,
            lines: LineIndex::new(text),
        };
        let raw: RawManifest = toml::from_str(text).map_err(|e| ManifestError {
            location: e.span().map_or_else(
                || Location::file(path),
                |span| Location::at_offset(path, text, span.start),
            ),
            kind: Box::new(ManifestErrorKind::Syntax(
                e.message().trim_end().to_string(),
            )),
        })?;
        let app_dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();

        let mut shared_vars = Vec::new();
        for var in &raw.shared_vars {
            if !is_valid_var_name(var.get_ref()) {
                return Err(cx.err(var, ManifestErrorKind::BadVarName(var.get_ref().clone())));
            }
            shared_vars.push(var.get_ref().clone());
        }

        let domains = validate_domains(&cx, &raw.domain)?;
        let images = validate_images(&cx, &app_dir, &raw.image, &domains)?;
        Ok(Manifest {
            path: path.to_path_buf(),
            app_dir,
            shared_vars,
            domains,
            images,
        })
    }

    /// The image with `kind = "main"` (validation guarantees exactly one).
    pub fn main_image(&self) -> &Image {
        self.images
            .iter()
            .find(|i| i.kind == ImageKind::Main)
            .unwrap_or(&self.images[0])
    }

    /// The image named `name`.
    pub fn image(&self, name: &str) -> Option<&Image> {
        self.images.iter().find(|i| i.name == name)
    }

    /// The root domain (images without `domain` belong to it).
    pub fn root_domain(&self) -> &Domain {
        &self.domains[0]
    }
}

fn check_unique<'a>(
    cx: &Ctx<'_>,
    seen: &mut IndexMap<String, Location>,
    what: &'static str,
    name: &'a Spanned<String>,
) -> Result<&'a str, ManifestError> {
    if !is_valid_name(name.get_ref()) {
        return Err(cx.err(
            name,
            ManifestErrorKind::InvalidName {
                what,
                name: name.get_ref().clone(),
            },
        ));
    }
    // Names are compared without case: they become upper-case `PM_<NAME>_*`
    // variables and directories on file systems that may ignore case.
    if let Some(first) = seen.get(&name.get_ref().to_ascii_uppercase()) {
        return Err(cx.err(
            name,
            ManifestErrorKind::Duplicate {
                what,
                name: name.get_ref().clone(),
                first: first.clone(),
            },
        ));
    }
    if what == "image" && RESERVED_IMAGE_NAMES.contains(&name.get_ref().as_str()) {
        return Err(cx.err(
            name,
            ManifestErrorKind::ReservedName(name.get_ref().clone()),
        ));
    }
    seen.insert(name.get_ref().to_ascii_uppercase(), cx.loc(name));
    Ok(name.get_ref())
}

fn validate_domains(
    cx: &Ctx<'_>,
    raw: &[Spanned<RawDomain>],
) -> Result<Vec<Domain>, ManifestError> {
    if raw.is_empty() {
        return Ok(vec![Domain {
            name: DEFAULT_DOMAIN.to_string(),
            regions: Vec::new(),
            location: Location::file(cx.path),
        }]);
    }
    let mut seen = IndexMap::new();
    let mut domains = Vec::new();
    for d in raw {
        let d = d.get_ref();
        let name = check_unique(cx, &mut seen, "domain", &d.name)?;
        let mut region_names = IndexMap::new();
        let mut regions = Vec::new();
        for r in &d.region {
            let r = r.get_ref();
            let rname = check_unique(cx, &mut region_names, "region", &r.name)?;
            let placement = match r.placement.as_ref() {
                None => RegionPlacement::StartToEnd,
                Some(p) => match p.get_ref().as_str() {
                    "complex" => RegionPlacement::Complex,
                    "start_to_end" => RegionPlacement::StartToEnd,
                    "end_to_start" => RegionPlacement::EndToStart,
                    other => {
                        return Err(cx.err(
                            p,
                            ManifestErrorKind::UnknownValue {
                                what: "placement",
                                value: other.to_string(),
                                expected: "complex, start_to_end, end_to_start",
                            },
                        ))
                    }
                },
            };
            let size = *r.size.get_ref();
            if size == 0 || r.base.checked_add(size).is_none() {
                return Err(cx.err(&r.size, ManifestErrorKind::BadRegion(rname.to_string())));
            }
            regions.push(Region {
                name: rname.to_string(),
                base: r.base,
                size,
                placement,
                device: r.device.clone(),
            });
        }
        domains.push(Domain {
            name: name.to_string(),
            regions,
            location: cx.loc(&d.name),
        });
    }
    Ok(domains)
}

fn var_value(
    cx: &Ctx<'_>,
    name: &str,
    value: &Spanned<toml::Value>,
) -> Result<String, ManifestError> {
    match value.get_ref() {
        toml::Value::String(s) => Ok(s.clone()),
        toml::Value::Integer(i) => Ok(i.to_string()),
        toml::Value::Boolean(b) => Ok(if *b { "ON" } else { "OFF" }.to_string()),
        toml::Value::Array(items) => {
            // A CMake list: `;`-separated strings.
            let mut parts = Vec::new();
            for item in items {
                match item {
                    toml::Value::String(s) => parts.push(s.clone()),
                    toml::Value::Integer(i) => parts.push(i.to_string()),
                    _ => {
                        return Err(cx.err(value, ManifestErrorKind::BadVarValue(name.to_string())))
                    }
                }
            }
            Ok(parts.join(";"))
        }
        _ => Err(cx.err(value, ManifestErrorKind::BadVarValue(name.to_string()))),
    }
}

fn validate_images(
    cx: &Ctx<'_>,
    app_dir: &Path,
    raw: &[Spanned<RawImage>],
    domains: &[Domain],
) -> Result<Vec<Image>, ManifestError> {
    if raw.is_empty() {
        return Err(ManifestError {
            location: Location::file(cx.path),
            kind: Box::new(ManifestErrorKind::NoImages),
        });
    }
    let mut seen = IndexMap::new();
    let mut images = Vec::new();
    let mut main: Option<Location> = None;
    for spanned in raw {
        let r = spanned.get_ref();
        let name = check_unique(cx, &mut seen, "image", &r.name)?.to_string();
        let kind = match r.kind.as_ref() {
            None => ImageKind::Other,
            Some(k) => match k.get_ref().as_str() {
                "main" => ImageKind::Main,
                "bootloader" => ImageKind::Bootloader,
                "other" => ImageKind::Other,
                other => {
                    return Err(cx.err(
                        k,
                        ManifestErrorKind::UnknownValue {
                            what: "kind",
                            value: other.to_string(),
                            expected: "main, bootloader, other",
                        },
                    ))
                }
            },
        };
        if kind == ImageKind::Main {
            if let Some(first) = &main {
                return Err(cx.err(
                    r.kind.as_ref().unwrap_or(&r.name),
                    ManifestErrorKind::SecondMainImage(name, first.clone()),
                ));
            }
            main = Some(cx.loc(&r.name));
        }
        let strategy = match r.strategy.as_ref().map(|s| s.get_ref().as_str()) {
            None | Some("from_source") => Strategy::FromSource,
            Some("use_hex") => match &r.hex {
                Some(hex) => Strategy::UseHex {
                    hex: app_dir.join(hex.get_ref()),
                },
                None => {
                    return Err(cx.err(
                        r.strategy.as_ref().unwrap_or(&r.name),
                        ManifestErrorKind::MissingHex(name),
                    ))
                }
            },
            Some("skip") => Strategy::Skip,
            Some(other) => {
                return Err(cx.err(
                    r.strategy.as_ref().unwrap_or(&r.name),
                    ManifestErrorKind::UnknownValue {
                        what: "strategy",
                        value: other.to_string(),
                        expected: "from_source, use_hex, skip",
                    },
                ))
            }
        };
        if let (Some(hex), false) = (&r.hex, matches!(strategy, Strategy::UseHex { .. })) {
            return Err(cx.err(hex, ManifestErrorKind::HexWithoutUseHex(name)));
        }
        let domain = match &r.domain {
            None => domains[0].name.clone(),
            Some(d) => {
                if !domains.iter().any(|x| &x.name == d.get_ref()) {
                    return Err(cx.err(
                        d,
                        ManifestErrorKind::UnknownDomain {
                            image: name,
                            domain: d.get_ref().clone(),
                            declared: domains
                                .iter()
                                .map(|x| x.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", "),
                        },
                    ));
                }
                d.get_ref().clone()
            }
        };
        let mut vars = IndexMap::new();
        for (var, value) in &r.vars {
            if !is_valid_var_name(var) {
                return Err(cx.err(value, ManifestErrorKind::BadVarName(var.clone())));
            }
            vars.insert(var.clone(), var_value(cx, var, value)?);
        }
        let deps = |list: &[Spanned<String>]| -> Vec<Dependency> {
            list.iter()
                .map(|d| Dependency {
                    image: d.get_ref().clone(),
                    location: cx.loc(d),
                })
                .collect()
        };
        images.push(Image {
            source: app_dir.join(r.source.get_ref()),
            domain,
            kind,
            strategy,
            output: r.output.as_ref().map_or_else(
                || PathBuf::from(DEFAULT_OUTPUT),
                |o| PathBuf::from(o.get_ref()),
            ),
            vars,
            configure: deps(&r.configure),
            build: deps(&r.build),
            flash: deps(&r.flash),
            location: cx.loc(&r.name),
            name,
        });
    }
    if main.is_none() {
        return Err(ManifestError {
            location: Location::file(cx.path),
            kind: Box::new(ManifestErrorKind::NoMainImage),
        });
    }
    // Dependencies name existing images, never the image itself.
    let names: HashSet<&str> = images.iter().map(|i| i.name.as_str()).collect();
    for image in &images {
        for kind in [EdgeKind::Configure, EdgeKind::Build, EdgeKind::Flash] {
            for dep in image.deps(kind) {
                if dep.image == image.name {
                    return Err(ManifestError {
                        location: dep.location.clone(),
                        kind: Box::new(ManifestErrorKind::SelfDependency {
                            image: image.name.clone(),
                            kind,
                        }),
                    });
                }
                if !names.contains(dep.image.as_str()) {
                    return Err(ManifestError {
                        location: dep.location.clone(),
                        kind: Box::new(ManifestErrorKind::UnknownDependency {
                            image: image.name.clone(),
                            kind,
                            target: dep.image.clone(),
                            known: images
                                .iter()
                                .map(|i| i.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", "),
                        }),
                    });
                }
            }
        }
    }
    Ok(images)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Manifest, ManifestError> {
        Manifest::parse(Path::new("/app/images.toml"), text)
    }

    fn err(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    const TWO: &str = r#"
shared_vars = ["CMAKE_BUILD_TYPE"]

[[domain]]
name = "APP"
[[domain.region]]
name = "flash_primary"
base = 0x0
size = 0x100000
placement = "complex"

[[image]]
name = "app"
source = "app"
kind = "main"
configure = ["boot"]
[image.vars]
FOO = "bar"
COUNT = 3
ENABLE = true
LIST = ["a", "b"]

[[image]]
name = "boot"
source = "../boot"
kind = "bootloader"
output = "boot.hex"
"#;

    #[test]
    fn full_manifest_is_modelled() {
        let m = parse(TWO).unwrap();
        assert_eq!(m.shared_vars, ["CMAKE_BUILD_TYPE"]);
        assert_eq!(m.domains.len(), 1);
        assert_eq!(m.domains[0].regions[0].size, 0x100000);
        assert_eq!(m.domains[0].regions[0].placement, RegionPlacement::Complex);
        let app = &m.images[0];
        assert_eq!(app.kind, ImageKind::Main);
        assert_eq!(app.source, Path::new("/app/app"));
        assert_eq!(app.output, Path::new(DEFAULT_OUTPUT));
        assert_eq!(app.domain, "APP");
        assert_eq!(app.vars["FOO"], "bar");
        assert_eq!(app.vars["COUNT"], "3");
        assert_eq!(app.vars["ENABLE"], "ON");
        assert_eq!(app.vars["LIST"], "a;b");
        assert_eq!(app.configure[0].image, "boot");
        assert_eq!(
            app.configure[0].location.to_string(),
            "/app/images.toml:16:14"
        );
        assert_eq!(m.images[1].output, Path::new("boot.hex"));
        assert_eq!(m.images[1].strategy, Strategy::FromSource);
        assert_eq!(m.main_image().name, "app");
    }

    #[test]
    fn implicit_root_domain() {
        let m = parse("[[image]]\nname = \"app\"\nsource = \".\"\nkind = \"main\"\n").unwrap();
        assert_eq!(m.domains[0].name, DEFAULT_DOMAIN);
        assert_eq!(m.images[0].domain, DEFAULT_DOMAIN);
    }

    #[test]
    fn errors_name_line_and_column() {
        assert_eq!(
            err("[[image]]\nname = \"app\"\nsource = \".\"\nkind = \"mian\"\n"),
            "/app/images.toml:4:8: unknown kind `mian`: expected one of main, bootloader, other"
        );
        assert!(err("[[image]]\nname = \"app\"\nsourc = \".\"\n")
            .starts_with("/app/images.toml:3:1: unknown field `sourc`"));
        assert!(err("[[image]]\nname = 3\n").starts_with("/app/images.toml:2:8: invalid type"));
        assert_eq!(
            err("[[image]]\nname = \"a\"\nsource = \".\"\nkind = \"main\"\nbuild = [\"b\"]\n"),
            "/app/images.toml:5:10: image `a` has a build dependency on unknown image `b`; known images: a"
        );
        assert_eq!(
            err("[[image]]\nname = \"a\"\nsource = \".\"\nkind = \"main\"\nflash = [\"a\"]\n"),
            "/app/images.toml:5:10: image `a` has a flash dependency on itself"
        );
        assert_eq!(
            err("[[image]]\nname = \"a\"\nsource = \".\"\n"),
            "/app/images.toml: no image has `kind = \"main\"`: exactly one main image is required (it receives plain -D definitions)"
        );
        assert!(err("[[image]]\nname = \"a\"\nsource = \".\"\nkind = \"main\"\n[[image]]\nname = \"a\"\nsource = \".\"\n")
            .starts_with("/app/images.toml:6:8: duplicate image name `a` (first defined at /app/images.toml:2:8;"));
        assert!(err("[[image]]\nname = \"a-b\"\nsource = \".\"\n")
            .contains("2:8: invalid image name `a-b`"));
        assert!(err("[[image]]\nname = \"logs\"\nsource = \".\"\n")
            .contains("2:8: image name `logs` is reserved"));
        assert!(err("[[image]]\nname = \"a\"\nsource = \".\"\nkind = \"main\"\n[[image]]\nname = \"A\"\nsource = \".\"\n")
            .contains("6:8: duplicate image name `A` (first defined at /app/images.toml:2:8; names are compared without case)"));
        assert!(err(
            "[[image]]\nname = \"a\"\nsource = \".\"\nkind = \"main\"\nstrategy = \"use_hex\"\n"
        )
        .contains("5:12: image `a` has strategy `use_hex` but no `hex"));
        assert!(
            err("[[image]]\nname = \"a\"\nsource = \".\"\nkind = \"main\"\nhex = \"x.hex\"\n")
                .contains("5:7: `hex` is only meaningful")
        );
        assert!(err(
            "[[image]]\nname = \"a\"\nsource = \".\"\nkind = \"main\"\ndomain = \"NET\"\n"
        )
        .contains("5:10: image `a` is in unknown domain `NET`; declared domains: APP"));
        assert!(err("[[image]]\nname = \"a\"\nsource = \".\"\nkind = \"main\"\n[[image]]\nname = \"b\"\nsource = \".\"\nkind = \"main\"\n")
            .contains("8:8: image `b` is a second main image (the first is at /app/images.toml:2:8)"));
        assert!(
            err("[[domain]]\nname = \"D\"\n[[domain.region]]\nname = \"r\"\nsize = 0\n")
                .contains("5:8: region `r` must have a non-zero size")
        );
        assert!(err("shared_vars = [\"A B\"]\n").contains("1:16: invalid variable name `A B`"));
        assert_eq!(
            err(""),
            "/app/images.toml: the manifest declares no `[[image]]`"
        );
        assert!(err(
            "[[image]]\nname = \"a\"\nsource = \".\"\nkind = \"main\"\n[image.vars]\nX = 1.5\n"
        )
        .contains("6:5: variable `X`: expected a string, integer or boolean"));
        assert!(err("[[image\n").starts_with("/app/images.toml:1:"));
    }

    #[test]
    fn strategies() {
        let m = parse(
            "[[image]]\nname = \"a\"\nsource = \".\"\nkind = \"main\"\n\
             [[image]]\nname = \"b\"\nsource = \".\"\nstrategy = \"skip\"\n\
             [[image]]\nname = \"c\"\nsource = \".\"\nstrategy = \"use_hex\"\nhex = \"/abs/c.hex\"\n",
        )
        .unwrap();
        assert_eq!(m.images[0].strategy, Strategy::FromSource);
        assert_eq!(m.images[1].strategy, Strategy::Skip);
        assert_eq!(
            m.images[2].strategy,
            Strategy::UseHex {
                hex: "/abs/c.hex".into()
            }
        );
    }

    use super::Strategy;
    use proptest::prelude::{any, prop_assert, prop_assert_eq, proptest};

    /// A generated image: name index, strategy (0 from_source, 1 use_hex, 2 skip),
    /// dependencies (indices) per kind, and variables.
    type Gen = (u8, Vec<usize>, Vec<usize>, Vec<usize>, Vec<(String, i64)>);

    fn gen_image() -> impl proptest::strategy::Strategy<Value = Gen> {
        (
            0u8..3,
            proptest::collection::vec(0usize..6, 0..3),
            proptest::collection::vec(0usize..6, 0..3),
            proptest::collection::vec(0usize..6, 0..3),
            proptest::collection::vec(("[A-Z][A-Z0-9_]{0,6}", any::<i64>()), 0..3),
        )
    }

    proptest! {
        #[test]
        fn generated_manifests_round_trip(images in proptest::collection::vec(gen_image(), 1..6)) {
            let n = images.len();
            let mut text = String::new();
            for (i, (strategy, configure, build, flash, vars)) in images.iter().enumerate() {
                text.push_str(&format!("[[image]]\nname = \"img{i}\"\nsource = \"src/{i}\"\n"));
                if i == 0 {
                    text.push_str("kind = \"main\"\n");
                }
                match strategy {
                    1 => text.push_str(&format!("strategy = \"use_hex\"\nhex = \"hex/{i}.hex\"\n")),
                    2 => text.push_str("strategy = \"skip\"\n"),
                    _ => {}
                }
                for (key, deps) in [("configure", configure), ("build", build), ("flash", flash)] {
                    let names: Vec<String> = deps.iter().map(|d| d % n).filter(|&d| d != i).map(|d| format!("\"img{d}\"")).collect();
                    text.push_str(&format!("{key} = [{}]\n", names.join(", ")));
                }
                text.push_str("[image.vars]\n");
                let mut seen = std::collections::HashSet::new();
                for (name, value) in vars {
                    if seen.insert(name.clone()) {
                        text.push_str(&format!("{name} = {value}\n"));
                    }
                }
            }
            let m = parse(&text).unwrap();
            prop_assert_eq!(m.images.len(), n);
            for (i, (strategy, configure, _, _, vars)) in images.iter().enumerate() {
                let image = &m.images[i];
                prop_assert_eq!(&image.name, &format!("img{i}"));
                prop_assert_eq!(&image.source, &Path::new("/app/src").join(i.to_string()));
                prop_assert_eq!(image.kind, if i == 0 { ImageKind::Main } else { ImageKind::Other });
                let expected = match strategy {
                    1 => Strategy::UseHex { hex: format!("/app/hex/{i}.hex").into() },
                    2 => Strategy::Skip,
                    _ => Strategy::FromSource,
                };
                prop_assert_eq!(&image.strategy, &expected);
                let deps: Vec<String> = configure.iter().map(|d| d % n).filter(|&d| d != i).map(|d| format!("img{d}")).collect();
                let got: Vec<String> = image.configure.iter().map(|d| d.image.clone()).collect();
                prop_assert_eq!(got, deps);
                for (name, value) in vars {
                    prop_assert!(image.vars.contains_key(name));
                    let _ = value;
                }
            }
        }
    }
}
