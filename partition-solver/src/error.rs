//! Errors of the partition solver.

use crate::yaml::YamlError;

/// Why a layout could not be produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// A file is not valid YAML.
    #[error("{file}: {source}")]
    Yaml {
        /// The file.
        file: String,
        /// Position and reason.
        source: YamlError,
    },
    /// A file has the wrong shape (for example a list where a mapping of partitions is needed).
    #[error("{file}{}: {message}", location.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default())]
    Input {
        /// The file.
        file: String,
        /// Line and column where known.
        location: Option<(usize, usize)>,
        /// What was expected.
        message: String,
    },
    /// The same partition defined differently in two fragments.
    #[error("{0}")]
    Conflict(Box<Conflict>),
    /// The placement rules of a region cannot be satisfied.
    #[error("failed to partition region '{region}' (size {size:#x}): {message}")]
    Region {
        /// Region name.
        region: String,
        /// Region size.
        size: i128,
        /// What is wrong and, where possible, how to fix it.
        message: String,
    },
    /// The region list itself is wrong (share_size loop, bad arguments).
    #[error("{0}")]
    Regions(String),
    /// A layout the reference tool would accept but that is broken (spec §6/§7).
    #[error("invalid layout: {0}")]
    Layout(String),
    /// The output generator was given inconsistent partitions/regions.
    #[error("{0}")]
    Output(String),
    /// A preprocessing error in a `pm.yml` fragment.
    #[error("{file}:{line}: {message}")]
    Preprocess {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// Details of [`Error::Conflict`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("partition '{name}' is defined differently in {first_file} ({first_value}) and {second_file} ({second_value}); definitions of one partition in several files must be identical")]
pub struct Conflict {
    /// Partition name.
    pub name: String,
    /// File of the first definition.
    pub first_file: String,
    /// The first definition.
    pub first_value: String,
    /// File of the conflicting definition.
    pub second_file: String,
    /// The conflicting definition.
    pub second_value: String,
}

/// Result alias.
pub type Result<T> = std::result::Result<T, Error>;
