//! Routing of command-line `-D` definitions to images.
//!
//! The rules, from lowest to highest precedence:
//!
//! 1. `[image.vars]` of the manifest;
//! 2. a definition whose name is listed in `shared_vars` reaches every image
//!    unchanged, and any other plain definition reaches the main image only;
//! 3. `-D<image>_NAME=VALUE` reaches image `<image>` as `NAME=VALUE` (if
//!    several image names are prefixes of the definition, each of them gets
//!    its own remainder, as NCS child images do).
//!
//! Within one level a later definition wins. `EXTRA_MULTI_IMAGE_CMAKE_ARGS` is
//! not forwarded as a variable: its `;`-separated items are extra arguments of
//! every image's CMake configure. `IMAGE_NAME`, `AUTOCONF_H`, `PM_CONFIG_H`
//! and the layout's `PM_*` names are set by the orchestrator and cannot be
//! defined by the user.

use std::fmt;
use std::str::FromStr;

use indexmap::IndexMap;
use thiserror::Error;

use crate::manifest::{is_valid_var_name, Manifest};

/// The definition whose items become extra arguments of every image's configure.
pub const EXTRA_CMAKE_ARGS: &str = "EXTRA_MULTI_IMAGE_CMAKE_ARGS";

/// Variables the orchestrator itself passes to every image.
pub const RESERVED: [&str; 3] = ["IMAGE_NAME", "AUTOCONF_H", "PM_CONFIG_H"];

/// One `-DNAME[:TYPE]=VALUE` of the command line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Define {
    /// Variable name as written (possibly with an image prefix).
    pub name: String,
    /// CMake cache type (`BOOL`, `STRING`, `PATH`, ...) when given.
    pub ty: Option<String>,
    /// The value (may be empty).
    pub value: String,
}

/// A malformed definition.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DefineError {
    /// No `=`.
    #[error("`-D{0}`: expected NAME=VALUE or NAME:TYPE=VALUE")]
    MissingValue(String),
    /// A name with characters CMake variable names cannot have.
    #[error("`-D{0}`: invalid variable name (expected letters, digits and `_`)")]
    BadName(String),
}

impl FromStr for Define {
    type Err = DefineError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (lhs, value) = s
            .split_once('=')
            .ok_or_else(|| DefineError::MissingValue(s.to_string()))?;
        let (name, ty) = match lhs.split_once(':') {
            Some((name, ty)) if !ty.is_empty() && ty.chars().all(|c| c.is_ascii_uppercase()) => {
                (name, Some(ty.to_string()))
            }
            Some(_) => return Err(DefineError::BadName(s.to_string())),
            None => (lhs, None),
        };
        if !is_valid_var_name(name) {
            return Err(DefineError::BadName(s.to_string()));
        }
        Ok(Define {
            name: name.to_string(),
            ty,
            value: value.to_string(),
        })
    }
}

impl fmt::Display for Define {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.ty {
            Some(ty) => write!(f, "{}:{}={}", self.name, ty, self.value),
            None => write!(f, "{}={}", self.name, self.value),
        }
    }
}

/// Why an image has a variable.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum Origin {
    /// `[image.vars]` in the manifest.
    Manifest,
    /// A command-line definition listed in `shared_vars`.
    Shared,
    /// A plain command-line definition (main image only).
    Plain,
    /// A command-line definition with this image's prefix.
    Prefixed {
        /// The definition's full name, e.g. `mcuboot_CONF_FILE`.
        given: String,
    },
}

/// A variable as it will be passed to an image.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ResolvedVar {
    /// The value.
    pub value: String,
    /// The CMake cache type, when given.
    pub ty: Option<String>,
    /// Where it comes from.
    pub origin: Origin,
}

/// The outcome of routing: each image's variables and the extra configure arguments.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Routing {
    /// Per image (manifest order), its variables in first-definition order.
    pub per_image: IndexMap<String, IndexMap<String, ResolvedVar>>,
    /// Extra arguments of every image's CMake configure.
    pub extra_cmake_args: Vec<String>,
}

/// A definition that cannot be routed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RouteError {
    /// A user definition of a variable the orchestrator sets itself.
    #[error("`{given}` would set `{name}` of image `{image}`, which multibuild sets itself{hint}")]
    Reserved {
        /// The definition as given.
        given: String,
        /// The variable.
        name: String,
        /// The image.
        image: String,
        /// How to do what the user meant.
        hint: &'static str,
    },
}

fn hint_for(name: &str) -> &'static str {
    if name.starts_with("PM_") {
        " from the layout; change pm_static.yml (or pm.yml) instead"
    } else {
        ""
    }
}

/// Routes the definitions `defines` (in command-line order) to the images of
/// `manifest`. `reserved_pm` tells whether a name is one of the layout's `PM_*`
/// variables for a given image.
pub fn route(
    manifest: &Manifest,
    defines: &[Define],
    reserved_pm: impl Fn(&str, &str) -> bool,
) -> Result<Routing, RouteError> {
    let mut per_image: IndexMap<String, IndexMap<String, ResolvedVar>> = manifest
        .images
        .iter()
        .map(|image| {
            let vars = image
                .vars
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        ResolvedVar {
                            value: v.clone(),
                            ty: None,
                            origin: Origin::Manifest,
                        },
                    )
                })
                .collect();
            (image.name.clone(), vars)
        })
        .collect();
    let mut extra_cmake_args = Vec::new();
    let main = manifest.main_image().name.clone();

    let prefixed_targets = |define: &Define| -> Vec<(String, String)> {
        manifest
            .images
            .iter()
            .filter_map(|image| {
                let rest = define.name.strip_prefix(&image.name)?.strip_prefix('_')?;
                (!rest.is_empty()).then(|| (image.name.clone(), rest.to_string()))
            })
            .collect()
    };

    // Level 2: shared and plain definitions.
    for define in defines {
        if define.name == EXTRA_CMAKE_ARGS {
            extra_cmake_args = define
                .value
                .split(';')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            continue;
        }
        if !prefixed_targets(define).is_empty() {
            continue;
        }
        let var = |origin| ResolvedVar {
            value: define.value.clone(),
            ty: define.ty.clone(),
            origin,
        };
        if manifest.shared_vars.contains(&define.name) {
            for vars in per_image.values_mut() {
                vars.insert(define.name.clone(), var(Origin::Shared));
            }
        } else if let Some(vars) = per_image.get_mut(&main) {
            vars.insert(define.name.clone(), var(Origin::Plain));
        }
    }
    // Level 3: prefixed definitions.
    for define in defines {
        if define.name == EXTRA_CMAKE_ARGS {
            continue;
        }
        for (image, name) in prefixed_targets(define) {
            if let Some(vars) = per_image.get_mut(&image) {
                vars.insert(
                    name,
                    ResolvedVar {
                        value: define.value.clone(),
                        ty: define.ty.clone(),
                        origin: Origin::Prefixed {
                            given: define.name.clone(),
                        },
                    },
                );
            }
        }
    }
    for (image, vars) in &per_image {
        for (name, var) in vars {
            if RESERVED.contains(&name.as_str()) || reserved_pm(image, name) {
                let given = match &var.origin {
                    Origin::Prefixed { given } => format!("-D{given}"),
                    Origin::Manifest => format!("[image.vars] {name}"),
                    _ => format!("-D{name}"),
                };
                return Err(RouteError::Reserved {
                    given,
                    name: name.clone(),
                    image: image.clone(),
                    hint: hint_for(name),
                });
            }
        }
    }
    Ok(Routing {
        per_image,
        extra_cmake_args,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::path::Path;

    fn manifest() -> Manifest {
        Manifest::parse(
            Path::new("images.toml"),
            "shared_vars = [\"CMAKE_BUILD_TYPE\"]\n\
             [[image]]\nname = \"app\"\nsource = \".\"\nkind = \"main\"\n[image.vars]\nFOO = \"manifest\"\n\
             [[image]]\nname = \"mcuboot\"\nsource = \".\"\n",
        )
        .unwrap()
    }

    fn d(s: &str) -> Define {
        s.parse().unwrap()
    }

    fn value<'a>(r: &'a Routing, image: &str, var: &str) -> Option<&'a str> {
        r.per_image[image].get(var).map(|v| v.value.as_str())
    }

    #[test]
    fn definitions_are_routed_by_prefix_shared_list_and_main() {
        let m = manifest();
        let r = route(
            &m,
            &[
                d("mcuboot_CONF_FILE=boot.conf"),
                d("FOO=plain"),
                d("CMAKE_BUILD_TYPE=Release"),
                d("mcuboot_CMAKE_BUILD_TYPE=Debug"),
                d("EXTRA_MULTI_IMAGE_CMAKE_ARGS=--trace-expand;--log-level=DEBUG"),
                d("FLAG:BOOL=ON"),
            ],
            |_, _| false,
        )
        .unwrap();
        assert_eq!(value(&r, "mcuboot", "CONF_FILE"), Some("boot.conf"));
        assert_eq!(value(&r, "app", "CONF_FILE"), None);
        assert_eq!(value(&r, "app", "FOO"), Some("plain"));
        assert_eq!(value(&r, "mcuboot", "FOO"), None);
        assert_eq!(value(&r, "app", "CMAKE_BUILD_TYPE"), Some("Release"));
        // The prefixed definition wins over the shared one, whatever the order.
        assert_eq!(value(&r, "mcuboot", "CMAKE_BUILD_TYPE"), Some("Debug"));
        assert_eq!(r.per_image["app"]["FLAG"].ty.as_deref(), Some("BOOL"));
        assert_eq!(r.extra_cmake_args, ["--trace-expand", "--log-level=DEBUG"]);
        assert_eq!(
            r.per_image["mcuboot"]["CONF_FILE"].origin,
            Origin::Prefixed {
                given: "mcuboot_CONF_FILE".into()
            }
        );
    }

    #[test]
    fn manifest_values_are_overridden_by_the_command_line() {
        let m = manifest();
        let r = route(&m, &[], |_, _| false).unwrap();
        assert_eq!(value(&r, "app", "FOO"), Some("manifest"));
        let r = route(&m, &[d("app_FOO=prefixed"), d("FOO=plain")], |_, _| false).unwrap();
        assert_eq!(value(&r, "app", "FOO"), Some("prefixed"));
    }

    #[test]
    fn reserved_names_are_refused() {
        let m = manifest();
        let e = route(&m, &[d("mcuboot_IMAGE_NAME=x")], |_, _| false).unwrap_err();
        assert_eq!(
            e.to_string(),
            "`-Dmcuboot_IMAGE_NAME` would set `IMAGE_NAME` of image `mcuboot`, which multibuild sets itself"
        );
        let e = route(&m, &[d("PM_APP_ADDRESS=0x0")], |_, n| n == "PM_APP_ADDRESS").unwrap_err();
        assert!(e
            .to_string()
            .ends_with("change pm_static.yml (or pm.yml) instead"));
    }

    #[test]
    fn define_syntax() {
        assert_eq!(d("A=").value, "");
        assert_eq!(d("A=b=c").value, "b=c");
        assert_eq!(d("A:PATH=/x").to_string(), "A:PATH=/x");
        assert!("A".parse::<Define>().is_err());
        assert!("A B=1".parse::<Define>().is_err());
        assert!("A:lower=1".parse::<Define>().is_err());
        assert!("=1".parse::<Define>().is_err());
    }

    proptest! {
        #[test]
        fn define_round_trips(name in "[A-Za-z_][A-Za-z0-9_]{0,12}", ty in proptest::option::of("[A-Z]{1,8}"), value in "\\PC{0,20}") {
            let text = match &ty { Some(t) => format!("{name}:{t}={value}"), None => format!("{name}={value}") };
            let parsed: Define = text.parse().unwrap();
            prop_assert_eq!(parsed.to_string(), text);
        }

        #[test]
        fn define_parsing_never_panics(text in "\\PC{0,30}") {
            let _ = text.parse::<Define>();
        }
    }
}
