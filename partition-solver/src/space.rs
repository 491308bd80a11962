//! The dynamic space of a complex region as a linear program (good_lp, `microlp` backend by
//! default, HiGHS with the `highs` feature).
//!
//! Once the order is fixed and the alignment paddings are known (exact combinatorial steps,
//! `ordering` and [`crate::sizes`]), what remains to decide is how the free space is
//! shared between the dynamic partition and the partitions whose `share_size` points at it
//! (directly or through a container that spans it, e.g. MCUboot's secondary slot). Sizes are
//! variables, the rules are linear constraints:
//!
//! * every byte of the area is used: `x_dp + Σ x_s + fixed = area`;
//! * before the split, the dynamic partition provisionally holds what the fixed partitions
//!   and the sharers' own `size`s (given beside `share_size`) leave:
//!   `p = area - fixed - Σ own`;
//! * each sharer gets an equal part of its source, the source counted with the provisional
//!   size and divided among itself and its `n` sharers:
//!   `(n + 1)·x_s = [source spans dp]·p + fixed part of source`.
//!
//! So an own `size` is taken from the whole dynamic space once and handed back to the
//! dynamic partition after the split (every sharer of the source gets the same size,
//! whichever of them had its own `size`); and sharers of two different sources that both
//! span the dynamic partition each divide the whole space as if they were alone, which is
//! how the reference over-shares it (`crate::checks` rejects that layout: a sharer larger
//! than its source).
//!
//! The reference tool computes the same split with a closed formula, truncating to integers
//! and taking each padding evenly out of the dynamic partitions; the solver keeps that formula
//! for byte-compatibility and uses this model to check its result (every dynamic size within
//! the padding and rounding slack of the LP optimum) and to report, when the region is
//! over-subscribed, how many bytes are missing.

use good_lp::{variable, Expression, ProblemVariables, Solution, SolverModel};

/// One partition sharing its size with a source that may span the dynamic partition.
#[derive(Debug, Clone, PartialEq)]
pub struct Sharer {
    /// Partition name.
    pub name: String,
    /// Whether its source is the dynamic partition or a container spanning it.
    pub source_has_dynamic: bool,
    /// The fixed bytes of the source (its members other than the dynamic partition).
    pub source_fixed: i128,
    /// How many partitions share the source's size (the `sharers` count the split divides
    /// by, less one: the source itself keeps a part).
    pub source_sharers: i128,
}

/// The dynamic space of one area.
#[derive(Debug, Clone, PartialEq)]
pub struct SpaceModel {
    /// Bytes of the dynamic area.
    pub area: i128,
    /// Bytes taken by partitions of fixed size (paddings included).
    pub fixed: i128,
    /// The own `size`s of the dynamic sharers: taken from the dynamic space before the split.
    pub own: i128,
    /// The dynamic partition's name.
    pub dynamic: String,
    /// Its size sharers.
    pub sharers: Vec<Sharer>,
}

/// Sizes from the linear program: the dynamic partition first, then each sharer.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// `(name, size)` pairs, dynamic partition first.
    pub sizes: Vec<(String, f64)>,
}

/// Why the model has no solution.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpaceError {
    /// The fixed partitions (and the sharers' fixed parts) need more than the area.
    #[error("the area of {area:#x} bytes is {missing:#x} bytes short: fixed partitions need {fixed:#x} bytes and the size sharers' own sizes {sources:#x} more")]
    OverSubscribed {
        /// Area size.
        area: i128,
        /// Fixed bytes.
        fixed: i128,
        /// The sharers' own sizes (taken before the split).
        sources: i128,
        /// Bytes missing.
        missing: i128,
    },
    /// The LP solver failed for another reason.
    #[error("linear program failed: {0}")]
    Solver(String),
}

impl SpaceModel {
    /// Solve the model.
    pub fn solve(&self) -> Result<Split, SpaceError> {
        let sources = self.own;
        let free = self.area - self.fixed - sources;
        if free < 0 {
            return Err(SpaceError::OverSubscribed {
                area: self.area,
                fixed: self.fixed,
                sources,
                missing: -free,
            });
        }
        let provisional = (self.area - self.fixed - self.own) as f64;
        let mut vars = ProblemVariables::new();
        // Free: the reference's split can over-share (see the module doc); the layout
        // checks report a negative size with the partitions involved.
        let dp = vars.add(variable());
        let xs: Vec<_> = self
            .sharers
            .iter()
            .map(|_| vars.add(variable().min(0)))
            .collect();
        let mut total = Expression::from(dp);
        for x in &xs {
            total += *x;
        }
        let mut model = vars
            .maximise(dp)
            .using(default_backend)
            .with(total.eq(self.area as f64 - self.fixed as f64));
        for (s, x) in self.sharers.iter().zip(&xs) {
            let mut src = s.source_fixed as f64;
            if s.source_has_dynamic {
                src += provisional;
            }
            let parts = (s.source_sharers.max(0) + 1) as f64;
            model = model.with((parts * Expression::from(*x)).eq(src));
        }
        let sol = model
            .solve()
            .map_err(|e| SpaceError::Solver(e.to_string()))?;
        let mut sizes = vec![(self.dynamic.clone(), sol.value(dp))];
        for (s, x) in self.sharers.iter().zip(&xs) {
            sizes.push((s.name.clone(), sol.value(*x)));
        }
        Ok(Split { sizes })
    }
}

#[cfg(feature = "highs")]
use good_lp::highs as default_backend;
#[cfg(not(feature = "highs"))]
use good_lp::microlp as default_backend;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mcuboot_secondary_slot_split() {
        // nRF52840: 1 MiB, MCUboot 0xc000, settings 0x2000 fixed, pad 0x200 inside the
        // primary slot; the secondary slot shares the primary slot's size.
        let m = SpaceModel {
            area: 0x100000,
            fixed: 0xc000 + 0x2000 + 0x200,
            own: 0,
            dynamic: "app".into(),
            sharers: vec![Sharer {
                name: "mcuboot_secondary".into(),
                source_has_dynamic: true,
                source_fixed: 0x200,
                source_sharers: 1,
            }],
        };
        let s = m.solve().unwrap();
        assert!((s.sizes[0].1 - 0x78e00 as f64).abs() < 1e-3, "{s:?}");
        assert!((s.sizes[1].1 - 0x79000 as f64).abs() < 1e-3, "{s:?}");
    }

    #[test]
    fn over_subscription_reports_missing_bytes() {
        let m = SpaceModel {
            area: 0x100000,
            fixed: 0x120000,
            own: 0,
            dynamic: "app".into(),
            sharers: vec![],
        };
        assert_eq!(
            m.solve(),
            Err(SpaceError::OverSubscribed {
                area: 0x100000,
                fixed: 0x120000,
                sources: 0,
                missing: 0x20000
            })
        );
    }
}
