//! Start (entry point) addresses and the policy for combining them across inputs.

use std::fmt;

/// An execution start address as the input formats carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StartAddress {
    /// Intel HEX type 03: 8086 CS:IP.
    Segment {
        /// Code segment.
        cs: u16,
        /// Instruction pointer.
        ip: u16,
    },
    /// Intel HEX type 05 (EIP) or an S-record S7/S8/S9 termination address.
    Linear(u32),
}

impl StartAddress {
    /// The 32-bit address the CPU starts at: CS*16+IP for a segment address (how srec_cat
    /// converts a type 03 into a type 05), the value itself for a linear one.
    pub fn linear(self) -> u32 {
        match self {
            StartAddress::Segment { cs, ip } => ((cs as u32) << 4).wrapping_add(ip as u32),
            StartAddress::Linear(a) => a,
        }
    }
}

impl serde::Serialize for StartAddress {
    /// `{"kind": "segment", "cs": .., "ip": .., "linear": ..}` or
    /// `{"kind": "linear", "linear": ..}`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        match *self {
            StartAddress::Segment { cs, ip } => {
                m.serialize_entry("kind", "segment")?;
                m.serialize_entry("cs", &cs)?;
                m.serialize_entry("ip", &ip)?;
            }
            StartAddress::Linear(_) => m.serialize_entry("kind", "linear")?,
        }
        m.serialize_entry("linear", &self.linear())?;
        m.end()
    }
}

impl fmt::Display for StartAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartAddress::Segment { cs, ip } => write!(f, "CS:IP {cs:04X}:{ip:04X} (type 03)"),
            StartAddress::Linear(a) => write!(f, "0x{a:08X} (linear)"),
        }
    }
}

/// What to do with the start addresses of the inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StartPolicy {
    /// Drop every start address (Zephyr mergehex.py's behaviour): the output has none.
    #[default]
    Drop,
    /// Keep the first start address met (inputs in order, records in file order).
    First,
    /// Keep the last start address met.
    Last,
    /// Keep the start address if all inputs that have one agree exactly; differing ones
    /// (including a type 03 against a type 05) are a merge conflict.
    ErrorOnConflict,
}
