//! Build strategies selected through Kconfig, as in the nRF Connect SDK.
//!
//! The main image's configuration may choose, for each image `<IMAGE>` (its
//! name upper-cased), one of `<IMAGE>_BUILD_STRATEGY_FROM_SOURCE`,
//! `<IMAGE>_BUILD_STRATEGY_USE_HEX_FILE` (with `<IMAGE>_HEX_FILE`) or
//! `<IMAGE>_BUILD_STRATEGY_SKIP_BUILD`; the choice overrides `strategy` in
//! `images.toml`. `kconfig/Kconfig.template.build_strategy` in this crate is
//! the template users source to declare those symbols. This module turns
//! symbol values (from whatever evaluated the main image's Kconfig) into a
//! [`Strategy`].

use std::path::Path;

use thiserror::Error;

use crate::manifest::Strategy;

/// The template Kconfig file declaring the strategy symbols of one image.
pub const KCONFIG_TEMPLATE: &str = include_str!("../kconfig/Kconfig.template.build_strategy");

/// Where an image's effective strategy comes from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum StrategyOrigin {
    /// `strategy` in images.toml (or its default).
    Manifest,
    /// A Kconfig symbol of the main image.
    Kconfig {
        /// The symbol that selected it, without `CONFIG_`.
        symbol: String,
    },
}

/// Inconsistent strategy symbols.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StrategyError {
    /// More than one strategy symbol set.
    #[error("image `{image}`: both {first} and {second} are set; a build strategy is a choice")]
    Conflict {
        /// The image.
        image: String,
        /// One symbol.
        first: String,
        /// Another.
        second: String,
    },
    /// USE_HEX_FILE without a file.
    #[error("image `{image}`: {image_upper}_BUILD_STRATEGY_USE_HEX_FILE is set but {image_upper}_HEX_FILE is empty; set it to the prebuilt HEX file")]
    MissingHexFile {
        /// The image.
        image: String,
        /// Its upper-case symbol prefix.
        image_upper: String,
    },
}

/// True for a Kconfig bool value that means "set".
fn is_set(value: Option<String>) -> bool {
    value.as_deref() == Some("y")
}

/// The strategy the symbols select for `image`, or `None` when none of its
/// strategy symbols is set. `symbol(name)` returns a symbol's value (`y` for a
/// set bool; a string without quotes), names given without `CONFIG_`.
/// A relative `<IMAGE>_HEX_FILE` is taken relative to `app_dir`.
pub fn from_kconfig(
    image: &str,
    app_dir: &Path,
    symbol: impl Fn(&str) -> Option<String>,
) -> Result<Option<(Strategy, StrategyOrigin)>, StrategyError> {
    let upper = image.to_uppercase();
    let candidates = [
        ("FROM_SOURCE", 0u8),
        ("USE_HEX_FILE", 1u8),
        ("SKIP_BUILD", 2u8),
    ];
    let mut chosen: Option<(String, u8)> = None;
    for (suffix, which) in candidates {
        let name = format!("{upper}_BUILD_STRATEGY_{suffix}");
        if is_set(symbol(&name)) {
            if let Some((first, _)) = &chosen {
                return Err(StrategyError::Conflict {
                    image: image.to_string(),
                    first: first.clone(),
                    second: name,
                });
            }
            chosen = Some((name, which));
        }
    }
    let Some((name, which)) = chosen else {
        return Ok(None);
    };
    let strategy = match which {
        0 => Strategy::FromSource,
        1 => {
            let file = symbol(&format!("{upper}_HEX_FILE")).unwrap_or_default();
            if file.is_empty() {
                return Err(StrategyError::MissingHexFile {
                    image: image.to_string(),
                    image_upper: upper,
                });
            }
            Strategy::UseHex {
                hex: app_dir.join(file),
            }
        }
        _ => Strategy::Skip,
    };
    Ok(Some((strategy, StrategyOrigin::Kconfig { symbol: name })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn pick(symbols: &[(&str, &str)]) -> Result<Option<Strategy>, StrategyError> {
        let map: HashMap<String, String> = symbols
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        from_kconfig("mcuboot", Path::new("/app"), |s| map.get(s).cloned())
            .map(|o| o.map(|(s, _)| s))
    }

    #[test]
    fn symbols_select_the_strategy() {
        assert_eq!(pick(&[]), Ok(None));
        assert_eq!(
            pick(&[("MCUBOOT_BUILD_STRATEGY_FROM_SOURCE", "n")]),
            Ok(None)
        );
        assert_eq!(
            pick(&[("MCUBOOT_BUILD_STRATEGY_FROM_SOURCE", "y")]),
            Ok(Some(Strategy::FromSource))
        );
        assert_eq!(
            pick(&[("MCUBOOT_BUILD_STRATEGY_SKIP_BUILD", "y")]),
            Ok(Some(Strategy::Skip))
        );
        assert_eq!(
            pick(&[
                ("MCUBOOT_BUILD_STRATEGY_USE_HEX_FILE", "y"),
                ("MCUBOOT_HEX_FILE", "prebuilt/boot.hex")
            ]),
            Ok(Some(Strategy::UseHex {
                hex: "/app/prebuilt/boot.hex".into()
            }))
        );
    }

    #[test]
    fn inconsistent_symbols_are_errors() {
        assert_eq!(
            pick(&[("MCUBOOT_BUILD_STRATEGY_USE_HEX_FILE", "y")]).unwrap_err().to_string(),
            "image `mcuboot`: MCUBOOT_BUILD_STRATEGY_USE_HEX_FILE is set but MCUBOOT_HEX_FILE is empty; set it to the prebuilt HEX file"
        );
        assert!(pick(&[
            ("MCUBOOT_BUILD_STRATEGY_FROM_SOURCE", "y"),
            ("MCUBOOT_BUILD_STRATEGY_SKIP_BUILD", "y")
        ])
        .is_err());
    }

    #[test]
    fn template_declares_the_symbols_this_module_reads() {
        for symbol in [
            "$(image)_BUILD_STRATEGY_FROM_SOURCE",
            "$(image)_BUILD_STRATEGY_USE_HEX_FILE",
            "$(image)_BUILD_STRATEGY_SKIP_BUILD",
            "$(image)_HEX_FILE",
        ] {
            assert!(
                KCONFIG_TEMPLATE.contains(&format!("config {symbol}\n")),
                "{symbol}"
            );
        }
    }
}
