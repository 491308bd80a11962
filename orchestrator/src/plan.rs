//! The build plan: everything resolved and checked before anything is
//! configured: image order, each image's variables, strategy, partition and
//! HEX file, and the layout of every domain.
//!
//! All the checks that need no build run here, so that a bad manifest, a
//! missing prebuilt HEX or a prebuilt image without a fixed slot is reported
//! before the first (slow) CMake run.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use thiserror::Error;

use crate::kconfig::{self, Evaluated, KconfigError, KconfigInputs};
use crate::layout::{static_file, Layout, LayoutError, LayoutSource, Partition};
use crate::location::Location;
use crate::manifest::{EdgeKind, ImageKind, Manifest, Strategy};
use crate::order::{image_order, CycleError};
use crate::output_file::write_if_changed;
use crate::placement::{self, OutputText, PlacedImage, PlacementError};
use crate::strategy::{self, StrategyError, StrategyOrigin, KCONFIG_TEMPLATE};
use crate::vars::{route, Define, ResolvedVar, RouteError};

/// Environment variables that reach every image's build (they are inherited;
/// recorded here so the plan shows them).
pub const BUILD_ENV: [&str; 2] = ["VERBOSE", "CMAKE_BUILD_PARALLEL_LEVEL"];

/// One image, resolved.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PlannedImage {
    /// Name.
    pub name: String,
    /// Role.
    pub kind: ImageKind,
    /// Memory domain.
    pub domain: String,
    /// CMake project.
    pub source: PathBuf,
    /// Effective strategy.
    pub strategy: Strategy,
    /// Where the strategy comes from.
    pub strategy_origin: StrategyOrigin,
    /// `BUILD_DIR/<name>`.
    pub build_dir: PathBuf,
    /// The HEX file that represents the image in the merge: its build output,
    /// the prebuilt file, or none for a skipped image.
    pub hex: Option<PathBuf>,
    /// The image's own partition (named like the image) in its domain's layout.
    pub partition: Partition,
    /// Variables from the manifest and the command line.
    pub vars: IndexMap<String, ResolvedVar>,
    /// `PM_*` variables of the domain's layout.
    pub layout_vars: Vec<(String, String)>,
    /// Images whose build must finish before this one's starts.
    pub build_deps: Vec<String>,
    /// Images configured before this one because it depends on them.
    pub configure_deps: Vec<String>,
    /// What its Kconfig step evaluated, when it has a `Kconfig` file.
    pub kconfig: Option<KconfigInputs>,
    /// Its `autoconf.h`, passed to its configure as `AUTOCONF_H`.
    pub autoconf_h: Option<PathBuf>,
    /// Its `pm_config.h`, passed to its configure as `PM_CONFIG_H` (images of
    /// domains placed by the solver).
    pub pm_config_h: Option<PathBuf>,
}

impl PlannedImage {
    /// True when the image is configured and built.
    pub fn is_built(&self) -> bool {
        self.strategy == Strategy::FromSource
    }
}

/// A resolved plan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Plan {
    /// The manifest file.
    pub manifest: PathBuf,
    /// The application directory.
    pub app_dir: PathBuf,
    /// The build directory.
    pub build_dir: PathBuf,
    /// Images in configure order.
    pub images: Vec<PlannedImage>,
    /// Image names in flash order (flash edges; skipped images excluded).
    pub flash_order: Vec<String>,
    /// Layout per domain, in domain order.
    pub layouts: IndexMap<String, Layout>,
    /// Extra arguments of every image's configure (`EXTRA_MULTI_IMAGE_CMAKE_ARGS`).
    pub extra_cmake_args: Vec<String>,
    /// The build environment variables that are set, as they reach every build.
    pub build_env: IndexMap<String, String>,
    /// Files the Kconfig and layout steps produced, written by the build
    /// (each only when its content changed).
    pub outputs: Vec<OutputText>,
    /// Problems the partition solver accepted (none unless compatibility
    /// mode is used).
    pub warnings: Vec<String>,
}

/// A plan that cannot be made.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PlanError {
    /// A dependency cycle.
    #[error(transparent)]
    Cycle(#[from] CycleError),
    /// A definition that cannot be routed.
    #[error(transparent)]
    Route(#[from] RouteError),
    /// A static layout file is invalid.
    #[error(transparent)]
    Layout(#[from] LayoutError),
    /// A domain with images but no layout.
    #[error("{location}: domain `{domain}` has no layout: expected a static layout in {file} listing the partitions of images {images}")]
    NoLayout {
        /// The domain.
        domain: String,
        /// Where it is declared.
        location: Location,
        /// The static file that was looked for.
        file: PathBuf,
        /// Its images, comma-separated.
        images: String,
    },
    /// An image without a partition.
    #[error("{location}: image `{image}` has no partition `{image}` in the layout of domain `{domain}` ({file}); add one with `address` and `size`")]
    NoPartition {
        /// The image.
        image: String,
        /// Its domain.
        domain: String,
        /// Where the image is declared.
        location: Location,
        /// The layout's file.
        file: PathBuf,
    },
    /// A prebuilt or skipped image whose partition is not static.
    #[error(transparent)]
    NotStatic(Box<NotStatic>),
    /// A prebuilt HEX file that does not exist.
    #[error(
        "{location}: the prebuilt HEX file of image `{image}`{chosen_by} does not exist: {path}"
    )]
    MissingHex {
        /// The image.
        image: String,
        /// Empty, or which Kconfig symbol chose the file.
        chosen_by: String,
        /// The file.
        path: PathBuf,
        /// Where the image is declared.
        location: Location,
    },
    /// An image partition outside the regions its domain declares.
    #[error(transparent)]
    OutsideRegion(Box<OutsideRegion>),
    /// A CMake project without CMakeLists.txt.
    #[error("{location}: image `{image}`: no CMakeLists.txt in its source directory {path}")]
    MissingSource {
        /// The image.
        image: String,
        /// The source directory.
        path: PathBuf,
        /// Where the image is declared.
        location: Location,
    },
}

/// A prebuilt or skipped image whose partition is not static.
#[derive(Debug, Error)]
#[error("{location}: image `{image}` uses strategy `{strategy}`{chosen_by} but its partition is not fixed in {file}; a prebuilt or skipped image needs a static slot there")]
pub struct NotStatic {
    /// The image.
    pub image: String,
    /// `use_hex` or `skip`.
    pub strategy: &'static str,
    /// Empty, or which Kconfig symbol chose the strategy.
    pub chosen_by: String,
    /// Where the image is declared.
    pub location: Location,
    /// The static file expected to hold it.
    pub file: PathBuf,
}

/// An image partition outside the regions its domain declares.
#[derive(Debug, Error)]
#[error("{location}: partition `{image}` {start:#x}..{end:#x} (region `{region}`) does not lie inside a region of domain `{domain}`: {regions}; fix its address/size or region in {file}")]
pub struct OutsideRegion {
    /// The image.
    pub image: String,
    /// Partition start.
    pub start: u64,
    /// Partition end (exclusive).
    pub end: u64,
    /// The region the partition names.
    pub region: String,
    /// The domain.
    pub domain: String,
    /// The declared regions, described.
    pub regions: String,
    /// Where the image is declared.
    pub location: Location,
    /// The layout's file.
    pub file: PathBuf,
}

/// Any error of [`Plan::prepare`].
#[derive(Debug, Error)]
pub enum PrepareError {
    /// The manifest is invalid.
    #[error(transparent)]
    Manifest(#[from] crate::manifest::ManifestError),
    /// A static layout is invalid.
    #[error(transparent)]
    Layout(#[from] LayoutError),
    /// The plan cannot be made.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// An image's Kconfig cannot be evaluated.
    #[error(transparent)]
    Kconfig(#[from] KconfigError),
    /// The strategy symbols of the main image's Kconfig are inconsistent.
    #[error("{0} (in the Kconfig of main image `{1}`)")]
    Strategy(StrategyError, String),
    /// A domain cannot be placed.
    #[error(transparent)]
    Placement(#[from] PlacementError),
    /// A file of the build directory cannot be written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// The manifest of an application: `APP_DIR/images.toml`, or `app` itself
/// when it names a file.
pub fn manifest_path(app: &Path) -> PathBuf {
    if app.is_file() {
        app.to_path_buf()
    } else {
        app.join("images.toml")
    }
}

/// Reads the static layout of every domain that has one
/// (`pm_static.yml` for the root domain, `pm_static_<domain>.yml` otherwise).
pub fn load_static_layouts(manifest: &Manifest) -> Result<IndexMap<String, Layout>, LayoutError> {
    let mut layouts = IndexMap::new();
    for (i, domain) in manifest.domains.iter().enumerate() {
        let file = static_file(&manifest.app_dir, &domain.name, i == 0);
        if file.exists() {
            layouts.insert(domain.name.clone(), Layout::load_static(&file)?);
        }
    }
    Ok(layouts)
}

/// The directory Kconfig files find the strategy template in
/// (`ORCHESTRATOR_KCONFIG_DIR`): this crate's `kconfig/` directory when it
/// holds the template this binary was built with, otherwise
/// `BUILD_DIR/multibuild/kconfig/`, where the template is written (only when
/// changed).
pub fn template_dir(build_dir: &Path) -> Result<PathBuf, PrepareError> {
    const NAME: &str = "Kconfig.template.build_strategy";
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("kconfig");
    if std::fs::read_to_string(shipped.join(NAME)).is_ok_and(|t| t == KCONFIG_TEMPLATE) {
        return Ok(shipped);
    }
    let dir = build_dir.join("multibuild").join("kconfig");
    let path = dir.join(NAME);
    write_if_changed(&path, KCONFIG_TEMPLATE.as_bytes())
        .map_err(|source| PrepareError::Io { path, source })?;
    Ok(dir)
}

/// `path` made absolute against the current directory (without resolving links).
pub fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

fn strategy_name(s: &Strategy) -> &'static str {
    match s {
        Strategy::FromSource => "from_source",
        Strategy::UseHex { .. } => "use_hex",
        Strategy::Skip => "skip",
    }
}

impl Plan {
    /// Resolves `manifest` with the command-line `defines`, the given `layouts`
    /// (domain name to layout), strategy overrides (image name to strategy, e.g.
    /// from Kconfig) and the environment lookup `env`.
    pub fn new(
        manifest: &Manifest,
        defines: &[Define],
        build_dir: &Path,
        layouts: IndexMap<String, Layout>,
        overrides: &IndexMap<String, (Strategy, StrategyOrigin)>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Plan, PlanError> {
        let configure_order = image_order(manifest, EdgeKind::Configure)?;
        image_order(manifest, EdgeKind::Build)?;
        let flash_order = image_order(manifest, EdgeKind::Flash)?;

        let domain_layout = |domain: &str| layouts.get(domain);
        let routing = route(manifest, defines, |image, var| {
            manifest
                .image(image)
                .and_then(|i| domain_layout(&i.domain))
                .is_some_and(|l| l.defines_var(var))
        })?;

        let mut images = Vec::new();
        for &index in &configure_order {
            let image = &manifest.images[index];
            let (strategy, strategy_origin) = overrides
                .get(&image.name)
                .cloned()
                .unwrap_or_else(|| (image.strategy.clone(), StrategyOrigin::Manifest));
            let chosen_by = match &strategy_origin {
                StrategyOrigin::Manifest => String::new(),
                StrategyOrigin::Kconfig { symbol } => {
                    format!(" (chosen by CONFIG_{symbol} in the main image's configuration)")
                }
            };
            let domain_index = manifest
                .domains
                .iter()
                .position(|d| d.name == image.domain)
                .unwrap_or(0);
            let file = static_file(&manifest.app_dir, &image.domain, domain_index == 0);
            let Some(layout) = layouts.get(&image.domain) else {
                let domain = &manifest.domains[domain_index];
                return Err(PlanError::NoLayout {
                    domain: domain.name.clone(),
                    location: domain.location.clone(),
                    file,
                    images: manifest
                        .images
                        .iter()
                        .filter(|i| i.domain == domain.name)
                        .map(|i| format!("`{}`", i.name))
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            };
            let Some(partition) = layout.get(&image.name) else {
                if strategy != Strategy::FromSource {
                    return Err(PlanError::NotStatic(Box::new(NotStatic {
                        image: image.name.clone(),
                        strategy: strategy_name(&strategy),
                        chosen_by: chosen_by.clone(),
                        location: image.location.clone(),
                        file,
                    })));
                }
                return Err(PlanError::NoPartition {
                    image: image.name.clone(),
                    domain: image.domain.clone(),
                    location: image.location.clone(),
                    file,
                });
            };
            let regions = &manifest.domains[domain_index].regions;
            let inside = |r: &crate::manifest::Region| {
                r.name == partition.region
                    && partition.address >= r.base
                    && partition.end() <= r.base + r.size
            };
            if !regions.is_empty() && !regions.iter().any(inside) {
                return Err(PlanError::OutsideRegion(Box::new(OutsideRegion {
                    image: image.name.clone(),
                    start: partition.address,
                    end: partition.end(),
                    region: partition.region.clone(),
                    domain: image.domain.clone(),
                    regions: regions
                        .iter()
                        .map(|r| format!("`{}` {:#x}..{:#x}", r.name, r.base, r.base + r.size))
                        .collect::<Vec<_>>()
                        .join(", "),
                    location: image.location.clone(),
                    file,
                })));
            }
            let build_dir = build_dir.join(&image.name);
            let hex = match &strategy {
                Strategy::FromSource => {
                    if !image.source.join("CMakeLists.txt").is_file() {
                        return Err(PlanError::MissingSource {
                            image: image.name.clone(),
                            path: image.source.clone(),
                            location: image.location.clone(),
                        });
                    }
                    Some(build_dir.join(&image.output))
                }
                Strategy::UseHex { hex } => Some(hex.clone()),
                Strategy::Skip => None,
            };
            if strategy != Strategy::FromSource {
                if !layout.is_static(&image.name) {
                    return Err(PlanError::NotStatic(Box::new(NotStatic {
                        image: image.name.clone(),
                        strategy: strategy_name(&strategy),
                        chosen_by: chosen_by.clone(),
                        location: image.location.clone(),
                        file,
                    })));
                }
                if let Strategy::UseHex { hex } = &strategy {
                    if !hex.is_file() {
                        return Err(PlanError::MissingHex {
                            image: image.name.clone(),
                            chosen_by: chosen_by.clone(),
                            path: hex.clone(),
                            location: image.location.clone(),
                        });
                    }
                }
            }
            images.push(PlannedImage {
                name: image.name.clone(),
                kind: image.kind,
                domain: image.domain.clone(),
                source: image.source.clone(),
                strategy,
                strategy_origin,
                build_dir,
                hex,
                partition: partition.clone(),
                vars: routing.per_image[&image.name].clone(),
                layout_vars: layout.cmake_vars(),
                build_deps: image.build.iter().map(|d| d.image.clone()).collect(),
                configure_deps: image.configure.iter().map(|d| d.image.clone()).collect(),
                kconfig: None,
                autoconf_h: None,
                pm_config_h: None,
            });
        }
        let skipped = |name: &str| {
            images
                .iter()
                .any(|i| i.name == name && i.strategy == Strategy::Skip)
        };
        let flash_order = flash_order
            .into_iter()
            .map(|i| manifest.images[i].name.clone())
            .filter(|name| !skipped(name))
            .collect();
        let build_env = BUILD_ENV
            .iter()
            .filter_map(|name| env(name).map(|v| (name.to_string(), v)))
            .collect();
        Ok(Plan {
            manifest: manifest.path.clone(),
            app_dir: manifest.app_dir.clone(),
            build_dir: build_dir.to_path_buf(),
            images,
            flash_order,
            layouts,
            extra_cmake_args: routing.extra_cmake_args,
            build_env,
            outputs: Vec::new(),
            warnings: Vec::new(),
        })
    }

    /// Reads the application `app` (a directory with `images.toml`, or the
    /// manifest itself), runs the Kconfig and layout steps, and resolves
    /// everything with the command-line `defines` for a build in `build_dir`
    /// (made absolute):
    ///
    /// 1. the main image's Kconfig is evaluated ([`crate::kconfig`]); its
    ///    strategy symbols ([`crate::strategy`]) override the manifest's
    ///    strategy of the other images;
    /// 2. the Kconfig of every other image built from source is evaluated;
    /// 3. every domain with `pm.yml` files is placed by the solver
    ///    ([`crate::placement`]); the other domains keep their static layout;
    /// 4. the plan is resolved ([`Plan::new`]) and each image gets its
    ///    `autoconf.h` and `pm_config.h`.
    ///
    /// Nothing is written (except, in an installation without this crate's
    /// `kconfig/` directory, the strategy template; see [`template_dir`]):
    /// the texts of `.config`, `autoconf.h`, the layout files and
    /// `pm_config.h` are in [`Plan::outputs`], written by the build.
    pub fn prepare(
        app: &Path,
        build_dir: &Path,
        defines: &[Define],
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Plan, PrepareError> {
        let manifest = Manifest::load(&absolute(&manifest_path(app)))?;
        let build_dir = absolute(build_dir);
        // Cheap checks first: a cycle is reported before any evaluation.
        for kind in [EdgeKind::Configure, EdgeKind::Build, EdgeKind::Flash] {
            image_order(&manifest, kind).map_err(PlanError::from)?;
        }
        // Routing once without the layout gives each image its Kconfig inputs;
        // Plan::new routes again and checks the layout's reserved names.
        let routing = route(&manifest, defines, |_, _| false).map_err(PlanError::from)?;

        let mut evaluated: IndexMap<String, Evaluated> = IndexMap::new();
        let mut overrides = IndexMap::new();
        let main = manifest.main_image();
        let mut kconfig_dir: Option<PathBuf> = None;
        let mut evaluate =
            |image: &crate::manifest::Image| -> Result<Option<Evaluated>, PrepareError> {
                let Some(inputs) = kconfig::inputs(
                    &image.name,
                    &image.source,
                    &manifest.app_dir,
                    &routing.per_image[&image.name],
                ) else {
                    return Ok(None);
                };
                if kconfig_dir.is_none() {
                    kconfig_dir = Some(template_dir(&build_dir)?);
                }
                let dir = kconfig_dir.as_deref().unwrap_or(Path::new("."));
                Ok(Some(kconfig::evaluate(&inputs, dir)?))
            };
        if main.strategy == Strategy::FromSource {
            if let Some(e) = evaluate(main)? {
                for image in manifest.images.iter().filter(|i| i.name != main.name) {
                    let chosen = strategy::from_kconfig(&image.name, &manifest.app_dir, |s| {
                        e.symbols.get(s).cloned()
                    })
                    .map_err(|err| PrepareError::Strategy(err, main.name.clone()))?;
                    if let Some(chosen) = chosen {
                        overrides.insert(image.name.clone(), chosen);
                    }
                }
                evaluated.insert(main.name.clone(), e);
            }
        }
        for image in manifest.images.iter().filter(|i| i.name != main.name) {
            let strategy = overrides
                .get(&image.name)
                .map_or(&image.strategy, |(s, _)| s);
            if *strategy == Strategy::FromSource {
                if let Some(e) = evaluate(image)? {
                    evaluated.insert(image.name.clone(), e);
                }
            }
        }

        let placed: Vec<PlacedImage<'_>> = manifest
            .images
            .iter()
            .filter(|i| {
                overrides.get(&i.name).map_or(&i.strategy, |(s, _)| s) == &Strategy::FromSource
            })
            .map(|i| PlacedImage {
                name: &i.name,
                domain: &i.domain,
                source: &i.source,
                autoconf: evaluated.get(&i.name).map(|e| e.autoconf.as_str()),
            })
            .collect();
        let solved = placement::solve_domains(&manifest, &placed, &build_dir)?;
        let mut layouts = IndexMap::new();
        for (i, domain) in manifest.domains.iter().enumerate() {
            if let Some(s) = solved.get(&domain.name) {
                layouts.insert(domain.name.clone(), s.layout.clone());
            } else {
                let file = static_file(&manifest.app_dir, &domain.name, i == 0);
                if file.exists() {
                    layouts.insert(domain.name.clone(), Layout::load_static(&file)?);
                }
            }
        }

        let mut plan = Plan::new(&manifest, defines, &build_dir, layouts, &overrides, env)?;
        for s in solved.values() {
            plan.outputs.extend(s.files.iter().cloned());
            plan.warnings.extend(s.warnings.iter().cloned());
        }
        for image in &mut plan.images {
            if let Some(e) = evaluated.shift_remove(&image.name) {
                let config = image.build_dir.join(kconfig::DOT_CONFIG);
                let autoconf = image.build_dir.join(kconfig::AUTOCONF_H);
                plan.outputs.push(OutputText {
                    path: config,
                    contents: e.config,
                });
                plan.outputs.push(OutputText {
                    path: autoconf.clone(),
                    contents: e.autoconf,
                });
                image.kconfig = Some(e.inputs);
                image.autoconf_h = Some(autoconf);
            }
            if image.is_built() && solved.contains_key(&image.domain) {
                let text = placement::pm_config_h(&solved, &manifest, &image.domain, &image.name)?;
                let path = image.build_dir.join(placement::PM_CONFIG_H);
                plan.outputs.push(OutputText {
                    path: path.clone(),
                    contents: text,
                });
                image.pm_config_h = Some(path);
            }
        }
        Ok(plan)
    }

    /// Writes [`Plan::outputs`], each only when its content changed (so a
    /// no-op build touches nothing and recompiles nothing).
    pub fn write_outputs(&self) -> std::io::Result<()> {
        for out in &self.outputs {
            write_if_changed(&out.path, out.contents.as_bytes()).map_err(|e| {
                std::io::Error::new(e.kind(), format!("{}: {e}", out.path.display()))
            })?;
        }
        Ok(())
    }

    /// A text picture of every domain's layout (partition-solver's memory map).
    pub fn memory_map(&self) -> String {
        self.layouts
            .iter()
            .map(|(domain, layout)| placement::picture(domain, layout))
            .collect()
    }

    /// The image named `name`.
    pub fn image(&self, name: &str) -> Option<&PlannedImage> {
        self.images.iter().find(|i| i.name == name)
    }

    /// The plan as JSON (what `multibuild plan --json` prints).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The plan as text for people (what `multibuild plan` prints).
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let _ = writeln!(out, "manifest:  {}", self.manifest.display());
        let _ = writeln!(out, "build dir: {}", self.build_dir.display());
        let order: Vec<&str> = self.images.iter().map(|i| i.name.as_str()).collect();
        let _ = writeln!(out, "configure order: {}", order.join(", "));
        let _ = writeln!(out, "flash order:     {}", self.flash_order.join(", "));
        if !self.extra_cmake_args.is_empty() {
            let _ = writeln!(
                out,
                "extra configure arguments: {}",
                self.extra_cmake_args.join(" ")
            );
        }
        for (name, value) in &self.build_env {
            let _ = writeln!(out, "build environment: {name}={value}");
        }
        for image in &self.images {
            let _ = writeln!(
                out,
                "\nimage {} ({}, domain {})",
                image.name,
                image.kind.name(),
                image.domain
            );
            let _ = writeln!(out, "  source:    {}", image.source.display());
            let origin = match &image.strategy_origin {
                StrategyOrigin::Manifest => "images.toml".to_string(),
                StrategyOrigin::Kconfig { symbol } => format!("Kconfig {symbol}"),
            };
            let strategy = match &image.strategy {
                Strategy::UseHex { hex } => format!("use_hex {}", hex.display()),
                other => strategy_name(other).to_string(),
            };
            let _ = writeln!(out, "  strategy:  {strategy} (from {origin})");
            let _ = writeln!(out, "  build dir: {}", image.build_dir.display());
            if let Some(k) = &image.kconfig {
                let inputs: Vec<String> = k.inputs.iter().map(|i| i.name()).collect();
                let _ = writeln!(
                    out,
                    "  kconfig:   {} with {}",
                    k.kconfig.display(),
                    if inputs.is_empty() {
                        "defaults only".to_string()
                    } else {
                        inputs.join(", ")
                    }
                );
            }
            for (name, path) in [
                ("AUTOCONF_H", &image.autoconf_h),
                ("PM_CONFIG_H", &image.pm_config_h),
            ] {
                if let Some(path) = path {
                    let _ = writeln!(out, "  {name}: {}", path.display());
                }
            }
            let _ = writeln!(
                out,
                "  partition: {:#x}..{:#x} ({:#x} bytes, {})",
                image.partition.address,
                image.partition.end(),
                image.partition.size,
                image.partition.region
            );
            if !image.build_deps.is_empty() {
                let _ = writeln!(out, "  built after: {}", image.build_deps.join(", "));
            }
            for (name, var) in &image.vars {
                let from = match &var.origin {
                    crate::vars::Origin::Manifest => "images.toml".to_string(),
                    crate::vars::Origin::Shared => "shared -D".to_string(),
                    crate::vars::Origin::Plain => "-D (main image)".to_string(),
                    crate::vars::Origin::Prefixed { given } => format!("-D{given}"),
                };
                let _ = writeln!(out, "  var {name}={} (from {from})", var.value);
            }
        }
        for (domain, layout) in &self.layouts {
            let from = match &layout.source {
                LayoutSource::Static { file } => format!("static, {}", file.display()),
                LayoutSource::Solved { fragments, .. } => format!(
                    "solved from {}",
                    fragments
                        .iter()
                        .map(|f| f.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            let _ = writeln!(out, "\nlayout of domain {domain} ({from}):");
            for (name, p) in &layout.partitions {
                let _ = writeln!(
                    out,
                    "  {name:<24} {:#010x}..{:#010x} {:>#10x} {}{}",
                    p.address,
                    p.end(),
                    p.size,
                    p.region,
                    if layout.is_static(name) {
                        " (static)"
                    } else {
                        ""
                    }
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct App {
        dir: tempfile::TempDir,
    }

    impl App {
        fn new(manifest: &str, pm_static: &str) -> App {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("images.toml"), manifest).unwrap();
            std::fs::write(dir.path().join("pm_static.yml"), pm_static).unwrap();
            for image in ["app", "boot"] {
                std::fs::create_dir_all(dir.path().join(image)).unwrap();
                std::fs::write(dir.path().join(image).join("CMakeLists.txt"), "").unwrap();
            }
            App { dir }
        }

        fn plan(&self, defines: &[&str]) -> Result<Plan, PlanError> {
            let m = Manifest::load(&self.dir.path().join("images.toml")).unwrap();
            let layouts = load_static_layouts(&m)?;
            let defines: Vec<Define> = defines.iter().map(|d| d.parse().unwrap()).collect();
            Plan::new(
                &m,
                &defines,
                Path::new("/b"),
                layouts,
                &IndexMap::new(),
                |name| (name == "VERBOSE").then(|| "1".to_string()),
            )
        }
    }

    const MANIFEST: &str = "[[image]]\nname = \"app\"\nsource = \"app\"\nkind = \"main\"\nconfigure = [\"boot\"]\nflash = [\"boot\"]\nbuild = [\"boot\"]\n\
                            [[image]]\nname = \"boot\"\nsource = \"boot\"\nkind = \"bootloader\"\n";
    const LAYOUT: &str =
        "boot:\n  address: 0x0\n  size: 0x8000\napp:\n  address: 0x8000\n  size: 0x8000\n";

    #[test]
    fn plan_resolves_order_vars_and_layout() {
        let app = App::new(MANIFEST, LAYOUT);
        let plan = app.plan(&["boot_X=1", "Y=2"]).unwrap();
        let names: Vec<_> = plan.images.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["boot", "app"]);
        assert_eq!(plan.flash_order, ["boot", "app"]);
        let boot = plan.image("boot").unwrap();
        assert_eq!(boot.vars["X"].value, "1");
        assert_eq!(boot.build_dir, Path::new("/b/boot"));
        assert_eq!(
            boot.hex.as_deref(),
            Some(Path::new("/b/boot/zephyr/zephyr.hex"))
        );
        assert_eq!(plan.image("app").unwrap().vars["Y"].value, "2");
        assert_eq!(plan.image("app").unwrap().build_deps, ["boot"]);
        assert!(boot
            .layout_vars
            .contains(&("PM_APP_END_ADDRESS".into(), "0x10000".into())));
        assert_eq!(plan.build_env["VERBOSE"], "1");
        let text = plan.to_text();
        assert!(text.contains("configure order: boot, app"), "{text}");
        assert!(text.contains("var X=1 (from -Dboot_X)"), "{text}");
        let json: serde_json::Value = serde_json::from_str(&plan.to_json()).unwrap();
        assert_eq!(json["images"][0]["name"], "boot");
    }

    #[test]
    fn prebuilt_and_skipped_images_need_static_slots_and_files() {
        let manifest = MANIFEST.replace(
            "kind = \"bootloader\"\n",
            "kind = \"bootloader\"\nstrategy = \"use_hex\"\nhex = \"boot.hex\"\n",
        );
        let app = App::new(&manifest, LAYOUT);
        let e = app.plan(&[]).unwrap_err().to_string();
        assert!(
            e.contains("images.toml:9:8: the prebuilt HEX file of image `boot` does not exist"),
            "{e}"
        );
        std::fs::write(app.dir.path().join("boot.hex"), ":00000001FF\n").unwrap();
        assert!(app.plan(&[]).is_ok());

        let app = App::new(
            &manifest.replace("use_hex\"\nhex = \"boot.hex\"", "skip\""),
            "app:\n  address: 0\n  size: 4\n",
        );
        let e = app.plan(&[]).unwrap_err().to_string();
        assert!(
            e.contains("image `boot` uses strategy `skip` but its partition is not fixed in"),
            "{e}"
        );
    }

    #[test]
    fn cycles_and_reserved_names_fail_the_plan() {
        let app = App::new(
            &MANIFEST.replace(
                "kind = \"bootloader\"\n",
                "kind = \"bootloader\"\nconfigure = [\"app\"]\n",
            ),
            LAYOUT,
        );
        let e = app.plan(&[]).unwrap_err().to_string();
        assert!(
            e.starts_with("configure dependency cycle: app -> boot -> app"),
            "{e}"
        );
        let app = App::new(MANIFEST, LAYOUT);
        let e = app.plan(&["boot_PM_APP_SIZE=1"]).unwrap_err().to_string();
        assert!(e.contains("multibuild sets itself from the layout"), "{e}");
    }

    #[test]
    fn image_partitions_must_lie_in_a_declared_region() {
        let manifest = format!(
            "[[domain]]\nname = \"APP\"\n[[domain.region]]\nname = \"flash_primary\"\nsize = 0x10000\n{MANIFEST}"
        );
        let app = App::new(&manifest, LAYOUT);
        assert!(app.plan(&[]).is_ok());
        let app = App::new(
            &manifest,
            &LAYOUT.replace("size: 0x8000\napp", "size: 0x18000\napp"),
        );
        let e = app.plan(&[]).unwrap_err().to_string();
        assert!(e.contains("partition `boot` 0x0..0x18000 (region `flash_primary`) does not lie inside a region of domain `APP`: `flash_primary` 0x0..0x10000"), "{e}");
    }

    #[test]
    fn missing_layout_and_source_are_reported() {
        let app = App::new(MANIFEST, LAYOUT);
        std::fs::remove_file(app.dir.path().join("pm_static.yml")).unwrap();
        let e = app.plan(&[]).unwrap_err().to_string();
        assert!(
            e.contains("domain `APP` has no layout: expected a static layout in"),
            "{e}"
        );
        let app = App::new(MANIFEST, LAYOUT);
        std::fs::remove_file(app.dir.path().join("app/CMakeLists.txt")).unwrap();
        let e = app.plan(&[]).unwrap_err().to_string();
        assert!(e.contains("image `app`: no CMakeLists.txt"), "{e}");
    }
}
