//! The images of a Zephyr application as sysbuild adds them, what sysbuild
//! forces into each image's Kconfig, and the cache file through which each
//! image's Zephyr CMake sees the sysbuild-level variables.
//!
//! Sysbuild adds the main application first (named after its directory),
//! then MCUboot when `SB_CONFIG_BOOTLOADER_MCUBOOT` is set, with CONFIGURE
//! and FLASH dependencies making MCUboot come first. MCUboot's module then
//! feeds two values of MCUboot's configure (its trailer sizes) into the
//! application's forced configuration, which is why the application is
//! configured after MCUboot and not in parallel with it.
//!
//! Images read their variables from `<build>/<image>_sysbuild_cache.txt`:
//! `<image>_VAR` there is for that image only, a bare `VAR` is read by the
//! main image (and by every image for the variables Zephyr looks up
//! globally, such as `BOARD_ROOT`). Writing every command-line definition
//! into that file therefore routes `-D<image>_CONF_FILE`,
//! `-D<image>_CONFIG_X` and a bare `-DCONFIG_X` exactly as sysbuild does.

use std::path::{Path, PathBuf};

use super::sysconfig::{conf_file_with_suffix, SysbuildConfig};
use super::workspace::Workspace;
use super::{Defines, ZephyrError};

/// What role an image has (sysbuild's `APP_TYPE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppType {
    /// The application (`DEFAULT_IMAGE`).
    Main,
    /// A bootloader (MCUboot).
    Bootloader,
}

/// One image of the build.
#[derive(Debug, Clone)]
pub struct Image {
    /// Its name: its build directory under the build directory and its
    /// variable prefix.
    pub name: String,
    /// Its CMake project.
    pub source_dir: PathBuf,
    /// Its role.
    pub app_type: AppType,
    /// Images whose configure must finish before this one's starts.
    pub configure_after: Vec<String>,
    /// Images flashed before this one.
    pub flash_after: Vec<String>,
}

/// The images sysbuild would add for `app_dir` with configuration `sb`, in
/// sysbuild's insertion order. Application-level sysbuild CMake code
/// (`sysbuild/CMakeLists.txt`, `sysbuild.cmake`) is reported as unsupported
/// rather than ignored.
pub fn discover(
    app_dir: &Path,
    ws: &Workspace,
    sb: &SysbuildConfig,
) -> Result<Vec<Image>, ZephyrError> {
    for (file, what) in [
        (
            "sysbuild/CMakeLists.txt",
            "the application's sysbuild project",
        ),
        ("sysbuild.cmake", "the application's sysbuild.cmake"),
    ] {
        let p = app_dir.join(file);
        if p.is_file() {
            return Err(ZephyrError::Unsupported {
                path: p,
                what: what.to_string(),
            });
        }
    }
    let main = app_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| ZephyrError::NotAnApplication(app_dir.to_path_buf()))?;
    let mut images = vec![Image {
        name: main,
        source_dir: app_dir.to_path_buf(),
        app_type: AppType::Main,
        configure_after: Vec::new(),
        flash_after: Vec::new(),
    }];
    if sb.enabled("BOOTLOADER_MCUBOOT") {
        let m = ws.module("mcuboot").ok_or(ZephyrError::NoMcuboot)?;
        images[0].configure_after.push("mcuboot".into());
        images[0].flash_after.push("mcuboot".into());
        images.push(Image {
            name: "mcuboot".into(),
            source_dir: m.dir.join("boot/zephyr"),
            app_type: AppType::Bootloader,
            configure_after: Vec::new(),
            flash_after: Vec::new(),
        });
    }
    Ok(images)
}

/// The images in CONFIGURE order: a stable topological sort (insertion
/// order kept where the dependencies allow), grouped in waves of images
/// whose dependencies are all in earlier waves (a wave may be configured in
/// parallel).
pub fn configure_waves(images: &[Image]) -> Result<Vec<Vec<usize>>, ZephyrError> {
    let mut done = vec![false; images.len()];
    let mut waves = Vec::new();
    while done.iter().any(|d| !d) {
        let wave: Vec<usize> = (0..images.len())
            .filter(|&i| !done[i])
            .filter(|&i| {
                images[i].configure_after.iter().all(|dep| {
                    images
                        .iter()
                        .position(|x| &x.name == dep)
                        .is_some_and(|j| done[j])
                })
            })
            .collect();
        if wave.is_empty() {
            let blocked: Vec<String> = (0..images.len())
                .filter(|&i| !done[i])
                .map(|i| {
                    format!(
                        "{} (after {})",
                        images[i].name,
                        images[i].configure_after.join(", ")
                    )
                })
                .collect();
            return Err(ZephyrError::Internal(format!(
                "unmet or cyclic configure dependencies: {}",
                blocked.join("; ")
            )));
        }
        for &i in &wave {
            done[i] = true;
        }
        waves.push(wave);
    }
    Ok(waves)
}

/// The flash order: FLASH dependencies first, otherwise insertion order.
pub fn flash_order(images: &[Image]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    fn visit(i: &Image, images: &[Image], out: &mut Vec<String>, depth: usize) {
        if out.contains(&i.name) || depth > images.len() {
            return;
        }
        for dep in &i.flash_after {
            if let Some(d) = images.iter().find(|x| &x.name == dep) {
                visit(d, images, out, depth + 1);
            }
        }
        if !out.contains(&i.name) {
            out.push(i.name.clone());
        }
    }
    for i in images {
        visit(i, images, &mut out, 0);
    }
    out
}

/// Variables that a sysbuild image reads with its own name as prefix; a
/// `-D<prefix>_<one of these>` must name an image.
const PER_IMAGE: [&str; 22] = [
    "CONF_FILE",
    "EXTRA_CONF_FILE",
    "OVERLAY_CONFIG",
    "DTC_OVERLAY_FILE",
    "EXTRA_DTC_OVERLAY_FILE",
    "DTS_EXTRA_CPPFLAGS",
    "IMGTOOL",
    "SNIPPET",
    "SHIELD",
    "BOARD",
    "BOARD_REVISION",
    "CMAKE_BUILD_TYPE",
    "CMAKE_VERBOSE_MAKEFILE",
    "APPLICATION_CONFIG_DIR",
    "FILE_SUFFIX",
    "BOARD_ROOT",
    "SOC_ROOT",
    "ARCH_ROOT",
    "DTS_ROOT",
    "MODULE_EXT_ROOT",
    "SCA_ROOT",
    "SNIPPET_ROOT",
];

/// Sysbuild-level names that look like `<prefix>_<per-image variable>`.
const GLOBAL: [&str; 6] = [
    "SB_CONF_FILE",
    "SB_EXTRA_CONF_FILE",
    "SB_OVERLAY_CONFIG",
    "SB_APPLICATION_CONFIG_DIR",
    "EXTRA_CONF_FILE",
    "EXTRA_DTC_OVERLAY_FILE",
];

/// Rejects a definition whose image prefix names no image (sysbuild would
/// silently leave it unused).
pub fn check_prefixes(defines: &Defines, images: &[Image]) -> Result<(), ZephyrError> {
    let names: Vec<&str> = images.iter().map(|i| i.name.as_str()).collect();
    for (name, _) in defines.iter() {
        if GLOBAL.contains(&name) || name.starts_with("SB_CONFIG_") || name.starts_with("CONFIG_") {
            continue;
        }
        let split = if let Some(i) = name.find("_CONFIG_") {
            Some((&name[..i], &name[i + 1..]))
        } else {
            PER_IMAGE.iter().find_map(|s| {
                name.strip_suffix(s)
                    .and_then(|p| p.strip_suffix('_'))
                    .filter(|p| !p.is_empty())
                    .map(|p| (p, &name[p.len() + 1..]))
            })
        };
        let Some((prefix, rest)) = split else {
            continue;
        };
        if names.contains(&prefix) || ["SB", "CLI", "CLI_SB"].contains(&prefix) {
            continue;
        }
        return Err(ZephyrError::UnknownImagePrefix {
            define: name.to_string(),
            prefix: prefix.to_string(),
            rest: rest.to_string(),
            images: names.join(", "),
        });
    }
    Ok(())
}

/// The cache entries sysbuild derives for `image` from the application's
/// `sysbuild/` directory: `sysbuild/<image>/` as its configuration
/// directory, `sysbuild/<image>[_<suffix>].conf` as an extra fragment,
/// `sysbuild/<image>[_<suffix>].overlay` as its devicetree overlay; none of
/// them when `-D<image>_CONF_FILE` is given, and each one only where the
/// user did not set the variable.
pub fn derived_entries(app_dir: &Path, image: &str, defines: &Defines) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let var = |s: &str| format!("{image}_{s}");
    if defines
        .get(&var("CONF_FILE"))
        .is_some_and(|v| !v.is_empty())
    {
        return out;
    }
    let dir = app_dir.join("sysbuild");
    let suffix = defines.get("FILE_SUFFIX");
    let own = dir.join(image);
    if own.exists() {
        out.push((var("APPLICATION_CONFIG_DIR"), own.display().to_string()));
    }
    let has = |s: &str| defines.get(&var(s)).is_some_and(|v| !v.is_empty());
    if !has("OVERLAY_CONFIG") && !has("EXTRA_CONF_FILE") {
        if let Some(f) = conf_file_with_suffix(&dir, &format!("{image}.conf"), suffix) {
            out.push((var("EXTRA_CONF_FILE"), f.display().to_string()));
        }
    }
    if !has("DTC_OVERLAY_FILE") {
        let mut candidates = Vec::new();
        if let Some(s) = suffix.filter(|s| !s.is_empty()) {
            candidates.push(dir.join(format!("{image}_{s}.overlay")));
        }
        candidates.push(dir.join(format!("{image}.overlay")));
        if let Some(f) = candidates.into_iter().find(|p| p.exists()) {
            out.push((var("DTC_OVERLAY_FILE"), f.display().to_string()));
        }
    }
    out
}

/// Sysbuild-level variables that hold paths relative to the application.
const APP_RELATIVE: [&str; 7] = [
    "APPLICATION_CONFIG_DIR",
    "BOARD_ROOT",
    "SOC_ROOT",
    "ARCH_ROOT",
    "SCA_ROOT",
    "SNIPPET_ROOT",
    "MODULE_EXT_ROOT",
];

/// The text of `<build>/<image>_sysbuild_cache.txt`: `NAME:TYPE=VALUE`
/// lines sorted by name (CMake's order), then the image's board, name and
/// main-image flag.
pub fn sysbuild_cache(
    image: &Image,
    app_dir: &Path,
    ws: &Workspace,
    board: &str,
    defines: &Defines,
    images: &[Image],
) -> String {
    let mut entries: Vec<(String, String, String)> = Vec::new();
    for (name, ty, value) in defines.typed() {
        if name.starts_with("CMAKE_") || name == "BOARD" {
            continue;
        }
        if let Some(sym) = name.strip_prefix("SB_CONFIG_") {
            entries.push((
                format!("CLI_SB_CONFIG_{sym}"),
                "INTERNAL".into(),
                value.into(),
            ));
            continue;
        }
        let value = if APP_RELATIVE.contains(&name) {
            value
                .split(';')
                .map(|p| app_dir.join(p).display().to_string())
                .collect::<Vec<_>>()
                .join(";")
        } else {
            value.to_string()
        };
        entries.push((name.to_string(), ty.to_string(), value));
    }
    entries.push((
        "APP_DIR".into(),
        "PATH".into(),
        app_dir.display().to_string(),
    ));
    entries.push((
        "ZEPHYR_BASE".into(),
        "PATH".into(),
        ws.zephyr_base.display().to_string(),
    ));
    for i in images {
        for (n, v) in derived_entries(app_dir, &i.name, defines) {
            entries.push((n, "INTERNAL".into(), v));
        }
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries.dedup_by(|a, b| a.0 == b.0);
    let mut text = String::new();
    for (n, t, v) in entries {
        text.push_str(&format!("{n}:{t}={v}\n"));
    }
    text.push_str(&format!("BOARD:STRING={board}\n"));
    text.push_str(&format!("SYSBUILD_NAME:STRING={}\n", image.name));
    if image.app_type == AppType::Main {
        text.push_str("SYSBUILD_MAIN_APP:BOOL=True\n");
    }
    text
}

/// MCUboot's configure results the application's forced configuration
/// needs (MCUboot module's post-configure hook).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct McubootFooter {
    /// `mcuboot_image_footer_size` of MCUboot's cache.
    pub footer: u64,
    /// `mcuboot_image_upgrade_footer_size`.
    pub upgrade_footer: u64,
}

/// A forced-configuration text under construction.
struct Forced(String);

impl Forced {
    fn bool(&mut self, name: &str, on: bool) {
        self.0
            .push_str(&format!("CONFIG_{name}={}\n", if on { "y" } else { "n" }));
    }
    fn string(&mut self, name: &str, value: &str) {
        self.0.push_str(&format!("CONFIG_{name}=\"{value}\"\n"));
    }
    fn raw(&mut self, name: &str, value: &str) {
        self.0.push_str(&format!("CONFIG_{name}={value}\n"));
    }
}

/// MCUboot's upgrade modes: the `SB_CONFIG_MCUBOOT_MODE_*` choices and the
/// MCUboot symbol each selects (several choices may select one mode).
const BOOT_MODES: [(&[&str], &str); 9] = [
    (&["SINGLE_APP"], "SINGLE_APPLICATION_SLOT"),
    (&["SWAP_USING_OFFSET"], "BOOT_SWAP_USING_OFFSET"),
    (&["SWAP_SCRATCH"], "BOOT_SWAP_USING_SCRATCH"),
    (&["OVERWRITE_ONLY"], "BOOT_UPGRADE_ONLY"),
    (
        &["SWAP_WITHOUT_SCRATCH", "SWAP_USING_MOVE"],
        "BOOT_SWAP_USING_MOVE",
    ),
    (&["DIRECT_XIP", "DIRECT_XIP_WITH_REVERT"], "BOOT_DIRECT_XIP"),
    (&["RAM_LOAD", "RAM_LOAD_WITH_REVERT"], "BOOT_RAM_LOAD"),
    (&["FIRMWARE_UPDATER"], "BOOT_FIRMWARE_LOADER"),
    (&["SINGLE_APP_RAM_LOAD"], "SINGLE_APPLICATION_SLOT_RAM_LOAD"),
];

/// The order in which sysbuild tests the mode choices (first match wins).
const MODE_TEST_ORDER: [usize; 9] = [0, 1, 4, 2, 3, 5, 6, 8, 7];

const SIGNATURE_TYPES: [&str; 4] = ["NONE", "RSA", "ECDSA_P256", "ED25519"];

/// The application's MCUboot mode symbols (`MCUBOOT_BOOTLOADER_MODE_*`),
/// one per sysbuild choice, in sysbuild's test order.
const APP_MODES: [&str; 11] = [
    "SINGLE_APP",
    "SWAP_USING_OFFSET",
    "SWAP_USING_MOVE",
    "SWAP_SCRATCH",
    "OVERWRITE_ONLY",
    "DIRECT_XIP",
    "DIRECT_XIP_WITH_REVERT",
    "RAM_LOAD",
    "RAM_LOAD_WITH_REVERT",
    "SINGLE_APP_RAM_LOAD",
    "FIRMWARE_UPDATER",
];

/// The text of `<image>/zephyr/.config.sysbuild`: what sysbuild forces into
/// `image`'s Kconfig from the sysbuild configuration (MCUboot's mode,
/// signature type and key for both MCUboot and the application), in the
/// order sysbuild writes it. `footer` is MCUboot's trailer sizes, forced
/// into the main image when MCUboot is built.
pub fn forced_config(image: &Image, sb: &SysbuildConfig, footer: Option<McubootFooter>) -> String {
    let mut f = Forced("# sysbuild controlled configuration settings\n".into());
    let mcuboot = sb.enabled("BOOTLOADER_MCUBOOT");
    match image.app_type {
        AppType::Bootloader => {
            f.string("BOOT_SIGNATURE_KEY_FILE", sb.get("BOOT_SIGNATURE_KEY_FILE"));
        }
        AppType::Main => {
            if let Some(ft) = footer {
                f.raw("ROM_END_OFFSET", &format!("{:#x}", ft.footer));
                f.raw(
                    "MCUBOOT_UPDATE_FOOTER_SIZE",
                    &format!("{:#x}", ft.upgrade_footer),
                );
            }
        }
    }
    if sb.enabled("COMPILER_WARNINGS_AS_ERRORS") {
        f.bool("COMPILER_WARNINGS_AS_ERRORS", true);
    }
    match image.app_type {
        AppType::Bootloader => {
            let selected = MODE_TEST_ORDER.iter().find(|&&i| {
                BOOT_MODES[i]
                    .0
                    .iter()
                    .any(|c| sb.enabled(&format!("MCUBOOT_MODE_{c}")))
            });
            if selected == Some(&7)
                && sb.enabled("MCUBOOT_MODE_FIRMWARE_UPDATER_BOOT_MODE_ENTRANCE")
            {
                for s in [
                    "RETAINED_MEM",
                    "RETENTION",
                    "RETENTION_BOOT_MODE",
                    "BOOT_FIRMWARE_LOADER_BOOT_MODE",
                ] {
                    f.bool(s, true);
                }
            }
            for (i, (_, sym)) in BOOT_MODES.iter().enumerate() {
                f.bool(sym, selected == Some(&i));
            }
            f.bool(
                "BOOT_DIRECT_XIP_REVERT",
                sb.enabled("MCUBOOT_MODE_DIRECT_XIP_WITH_REVERT"),
            );
            f.bool(
                "BOOT_RAM_LOAD_REVERT",
                sb.enabled("MCUBOOT_MODE_RAM_LOAD_WITH_REVERT"),
            );
            let sig = SIGNATURE_TYPES
                .iter()
                .find(|t| sb.enabled(&format!("BOOT_SIGNATURE_TYPE_{t}")));
            for t in SIGNATURE_TYPES {
                f.bool(&format!("BOOT_SIGNATURE_TYPE_{t}"), sig == Some(&t));
            }
            if sb.enabled("BOOT_ENCRYPTION") {
                f.bool("BOOT_ENCRYPT_IMAGE", true);
                f.string(
                    "BOOT_ENCRYPTION_KEY_FILE",
                    sb.get("BOOT_ENCRYPTION_KEY_FILE"),
                );
                if sb.enabled("BOOT_ENCRYPTION_ALG_AES_128") {
                    f.bool("BOOT_ENCRYPT_ALG_AES_128", true);
                } else if sb.enabled("BOOT_ENCRYPTION_ALG_AES_256") {
                    f.bool("BOOT_ENCRYPT_ALG_AES_256", true);
                }
            }
        }
        AppType::Main => {
            f.bool("BOOTLOADER_MCUBOOT", mcuboot);
            f.string(
                "MCUBOOT_SIGNATURE_KEY_FILE",
                sb.get("BOOT_SIGNATURE_KEY_FILE"),
            );
            f.string(
                "MCUBOOT_ENCRYPTION_KEY_FILE",
                sb.get("BOOT_ENCRYPTION_KEY_FILE"),
            );
            if mcuboot {
                f.bool(
                    "MCUBOOT_GENERATE_UNSIGNED_IMAGE",
                    sb.get("SIGNATURE_TYPE") == "NONE",
                );
                let mode = APP_MODES
                    .iter()
                    .find(|m| sb.enabled(&format!("MCUBOOT_MODE_{m}")));
                if let Some(m) = mode {
                    f.bool(&format!("MCUBOOT_BOOTLOADER_MODE_{m}"), true);
                    if m.starts_with("RAM_LOAD") {
                        f.bool("XIP", false);
                        f.raw("FLASH_SIZE", "0");
                    }
                    if *m == "FIRMWARE_UPDATER"
                        && sb.enabled("MCUBOOT_MODE_FIRMWARE_UPDATER_BOOT_MODE_ENTRANCE")
                    {
                        for s in ["REBOOT", "RETAINED_MEM", "RETENTION", "RETENTION_BOOT_MODE"] {
                            f.bool(s, true);
                        }
                    }
                }
                if sb.enabled("BOOT_ENCRYPTION") {
                    if sb.enabled("BOOT_ENCRYPTION_ALG_AES_128") {
                        f.bool("MCUBOOT_ENCRYPTION_ALG_AES_128", true);
                    } else if sb.enabled("BOOT_ENCRYPTION_ALG_AES_256") {
                        f.bool("MCUBOOT_ENCRYPTION_ALG_AES_256", true);
                    }
                }
            }
        }
    }
    f.0
}

/// MCUboot's trailer sizes from its `CMakeCache.txt`, when it has them.
pub fn mcuboot_footer(mcuboot_build: &Path) -> Option<McubootFooter> {
    let text = std::fs::read_to_string(mcuboot_build.join("CMakeCache.txt")).ok()?;
    let get = |name: &str| {
        text.lines().find_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k.split(':').next() == Some(name)).then(|| v.trim().parse::<u64>().ok())?
        })
    };
    Some(McubootFooter {
        footer: get("mcuboot_image_footer_size")?,
        upgrade_footer: get("mcuboot_image_upgrade_footer_size")?,
    })
}
