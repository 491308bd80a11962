//! Zephyr's devicetree, natively: the DTS reader, the binding loader, the
//! extended tree with edtlib's semantics, and the answers to the `dt_*`
//! functions Zephyr's Kconfig files call.
//!
//! The layers, each usable alone:
//!
//! - [`dts`]: the DTS v1 language as dtc and Zephyr's dtlib read it, into a
//!   merged [`dts::Tree`] (labels, phandles, aliases, deletions applied), and
//!   printed back in the form Zephyr writes `zephyr.dts`.
//! - [`bindings`]: Zephyr's binding YAML files (`dts/bindings/` under each
//!   DTS root), with `include:` and its filters resolved, loaded only for the
//!   compatibles a tree uses.
//! - [`edt`]: the extended tree: which binding each node matches (bus
//!   aware), typed property values, `reg` translated through `ranges`,
//!   chosen nodes, aliases, labels, and compatible-to-node tables.
//! - [`kconfig`]: every function of Zephyr's `kconfigfunctions.py`,
//!   answered from an [`edt::Edt`] with the same results.
//! - [`sources`]: a board's devicetree from its sources as Zephyr's
//!   `dts.cmake` builds it (board target, `.dts` and overlays, the C
//!   preprocessor run as Zephyr runs it), into a [`dts::Tree`].
#![forbid(unsafe_code)]

pub mod bindings;
pub mod dts;
pub mod edt;
pub mod kconfig;
pub mod sources;
