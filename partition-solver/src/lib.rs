//! Partition Manager compatible placement of flash/RAM partitions from `pm.yml` constraints.
//!
//! A drop-in for nRF Connect SDK's `partition_manager.py` and `partition_manager_output.py`:
//! [`solve`] places one domain's partitions (spec `partition-manager.md` §3) and
//! [`output`] writes `pm.config` / `pm_config.h` (§5.3). Layouts match the reference tool
//! exactly; layouts the reference accepts although they are broken (over-subscribed
//! regions, overlapping static partitions, lost padding entries) are errors unless
//! [`Options::compat`] is set.
//!
//! Entry point for callers (the build orchestrator):
//!
//! ```
//! use partition_solver::{solve, output, DomainInput, Fragment, Options, Region, Strategy};
//! let mut flash = Region::new("flash_primary", 0x100000);
//! flash.strategy = Strategy::Complex;
//! flash.device = "flash_controller".into();
//! let mut ram = Region::new("sram_primary", 0x40000);
//! ram.strategy = Strategy::Complex;
//! ram.base_address = 0x2000_0000;
//! ram.dynamic_partition = Some("sram_primary".into());
//! let input = DomainInput {
//!     fragments: vec![Fragment::new("mcuboot/pm.yml",
//!         "mcuboot: {size: 0xc000, placement: {before: [app]}}")],
//!     static_config: None,
//!     regions: vec![ram, flash],
//! };
//! let sol = solve(&input, &Options::default()).unwrap();
//! assert_eq!(sol.address("app"), Some(0xc000));
//! let layout = output::DomainLayout::from_solution("", &sol);
//! let config = output::pm_config(&[layout]).unwrap();
//! assert!(config.starts_with("PM_MCUBOOT_OFFSET=0x0"));
//! ```

pub mod cases;
pub mod checks;
pub mod error;
pub mod fuzzing;
pub mod model;
pub mod ordered_map;
pub(crate) mod ordering;
pub mod output;
pub mod preprocess;
pub mod region_args;
pub mod report;
pub mod sizes;
pub mod solver;
pub mod space;
pub mod synthetic;
pub mod yaml;
pub mod yaml_fast;

pub use error::{Error, Result};
pub use model::{DomainInput, Fragment, Options, Region, Setting, Strategy};
pub use solver::{solve, Solution};
