//! Writing the merged image to a file atomically, in the chosen format.
//!
//! The output is written to a temporary file in the destination directory and renamed
//! over the destination only when everything succeeded, so after any error there is no
//! output file (and an existing one is untouched). Writing over one of the inputs is refused.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use crate::image::MemoryImage;
use crate::{binary, intel_hex, srec};

/// Output format and its options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// Intel HEX.
    IntelHex(intel_hex::WriteOptions),
    /// Motorola S-record.
    SRecord(srec::WriteOptions),
    /// Flat binary.
    Binary(binary::WriteOptions),
}

impl Default for OutputFormat {
    fn default() -> Self {
        OutputFormat::IntelHex(intel_hex::WriteOptions::default())
    }
}

/// Writes `image` to `out` in `format`.
pub fn write_to<W: io::Write + Send>(
    image: &MemoryImage,
    format: &OutputFormat,
    out: W,
) -> io::Result<()> {
    match format {
        OutputFormat::IntelHex(o) => intel_hex::write(image, o, out),
        OutputFormat::SRecord(o) => srec::write(image, o, out),
        OutputFormat::Binary(o) => binary::write(image, o, out),
    }
}

/// Why the output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The output path is one of the inputs.
    #[error(
        "refusing to write {output}: it is also an input ({input}); choose another output path"
    )]
    OutputIsInput {
        /// Output path.
        output: String,
        /// The input it names.
        input: String,
    },
    /// An I/O error.
    #[error("{path}: cannot write: {source}")]
    Io {
        /// Output path.
        path: String,
        /// The OS error.
        source: io::Error,
    },
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Fails if `output` names the same file as one of `inputs`.
pub fn check_not_input(output: &Path, inputs: &[PathBuf]) -> Result<(), WriteError> {
    for i in inputs {
        if same_file(output, i) {
            return Err(WriteError::OutputIsInput {
                output: output.display().to_string(),
                input: i.display().to_string(),
            });
        }
    }
    Ok(())
}

/// Writes `image` to `path` via a temporary file in the same directory and a rename.
///
/// Refuses to write over any of `inputs`. On error the temporary file is removed and
/// `path` is left as it was.
pub fn write_file(
    image: &MemoryImage,
    format: &OutputFormat,
    path: &Path,
    inputs: &[PathBuf],
) -> Result<(), WriteError> {
    check_not_input(path, inputs)?;
    let err = |source| WriteError::Io {
        path: path.display().to_string(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".hexmerge-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(err)?;
    let file: &File = tmp.as_file();
    write_to(image, format, file).map_err(err)?;
    // Keep the permissions a normally created file would get (tempfile uses 0600).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = match std::fs::metadata(path) {
            Ok(m) => m.permissions().mode(),
            Err(_) => 0o666 & !umask(),
        };
        file.set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(err)?;
    }
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}

#[cfg(unix)]
fn umask() -> u32 {
    // Without libc: assume the common 022 (the file ends up 0644 like most tools' output).
    0o022
}
