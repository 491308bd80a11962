//! Stable topological ordering of images along one kind of dependency edge.
//!
//! The order keeps the manifest's insertion order wherever the edges allow:
//! at each step the earliest-declared image whose dependencies are all placed
//! comes next. It is therefore the lexicographically smallest topological
//! order by declaration index, so adding an edge never reorders unrelated
//! images. A cycle is reported as the path that closes it, with the place
//! where each edge is declared.

use std::collections::BTreeSet;
use std::fmt;

use thiserror::Error;

use crate::location::Location;
use crate::manifest::{EdgeKind, Manifest};

/// One edge of a reported cycle: `image` waits for `waits_for`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CycleEdge {
    /// The dependent image.
    pub image: String,
    /// The image it depends on.
    pub waits_for: String,
    /// Where the dependency is declared.
    pub location: Location,
}

/// A dependency cycle: the edges in path order; the last edge's `waits_for`
/// is the first edge's `image`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub struct CycleError {
    /// The edge kind whose graph has the cycle.
    pub kind: EdgeKind,
    /// The cycle, at least one edge long.
    pub path: Vec<CycleEdge>,
}

impl fmt::Display for CycleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} dependency cycle: ", self.kind)?;
        for edge in &self.path {
            write!(f, "{} -> ", edge.image)?;
        }
        write!(f, "{}", self.path[0].image)?;
        for edge in &self.path {
            write!(
                f,
                "\n  `{}` {} after `{}` (declared at {})",
                edge.image,
                match self.kind {
                    EdgeKind::Configure => "is configured",
                    EdgeKind::Build => "is built",
                    EdgeKind::Flash => "is flashed",
                },
                edge.waits_for,
                edge.location
            )?;
        }
        write!(f, "\n  remove one of these dependencies to break the cycle")
    }
}

/// Orders `count` nodes so that every node comes after the nodes it depends
/// on; `deps(i)` lists node `i`'s dependencies (indices below `count`; each
/// with the payload reported when it is part of a cycle). Returns the order,
/// or one cycle as the list of `(node, dependency, payload)` edges.
pub fn stable_topological_order<P: Clone>(
    count: usize,
    deps: impl Fn(usize) -> Vec<(usize, P)>,
) -> Result<Vec<usize>, Vec<(usize, usize, P)>> {
    let all: Vec<Vec<(usize, P)>> = (0..count).map(&deps).collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); count];
    let mut waiting: Vec<usize> = vec![0; count];
    for (node, list) in all.iter().enumerate() {
        for (dep, _) in list {
            dependents[*dep].push(node);
            waiting[node] += 1;
        }
    }
    let mut ready: BTreeSet<usize> = (0..count).filter(|&n| waiting[n] == 0).collect();
    let mut order = Vec::with_capacity(count);
    while let Some(node) = ready.pop_first() {
        order.push(node);
        for &d in &dependents[node] {
            waiting[d] -= 1;
            if waiting[d] == 0 {
                ready.insert(d);
            }
        }
    }
    if order.len() == count {
        return Ok(order);
    }
    // Every node left over has a dependency that is also left over, so
    // following such dependencies from any of them must revisit a node.
    let mut placed = vec![false; count];
    for &n in &order {
        placed[n] = true;
    }
    let start = (0..count).find(|&n| !placed[n]).unwrap_or(0);
    let mut visited_at: Vec<Option<usize>> = vec![None; count];
    let mut walk: Vec<(usize, usize, P)> = Vec::new();
    let mut node = start;
    loop {
        if let Some(pos) = visited_at[node] {
            return Err(walk.split_off(pos));
        }
        visited_at[node] = Some(walk.len());
        let Some((dep, payload)) = all[node].iter().find(|(d, _)| !placed[*d]).cloned() else {
            // Unreachable for a consistent graph; report what was walked.
            return Err(walk);
        };
        walk.push((node, dep, payload));
        node = dep;
    }
}

/// Orders the manifest's images along `kind` edges; returns image indices.
pub fn image_order(manifest: &Manifest, kind: EdgeKind) -> Result<Vec<usize>, CycleError> {
    let index_of = |name: &str| manifest.images.iter().position(|i| i.name == name);
    stable_topological_order(manifest.images.len(), |n| {
        manifest.images[n]
            .deps(kind)
            .iter()
            .filter_map(|d| index_of(&d.image).map(|i| (i, d.location.clone())))
            .collect()
    })
    .map_err(|cycle| CycleError {
        kind,
        path: cycle
            .into_iter()
            .map(|(node, dep, location)| CycleEdge {
                image: manifest.images[node].name.clone(),
                waits_for: manifest.images[dep].name.clone(),
                location,
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::path::Path;

    fn manifest(text: &str) -> Manifest {
        Manifest::parse(Path::new("images.toml"), text).unwrap()
    }

    #[test]
    fn insertion_order_is_kept_where_edges_allow() {
        let m = manifest(
            "[[image]]\nname = \"app\"\nsource = \".\"\nkind = \"main\"\nconfigure = [\"boot\"]\n\
             [[image]]\nname = \"net\"\nsource = \".\"\n\
             [[image]]\nname = \"boot\"\nsource = \".\"\n",
        );
        assert_eq!(image_order(&m, EdgeKind::Configure).unwrap(), [1, 2, 0]);
        assert_eq!(image_order(&m, EdgeKind::Build).unwrap(), [0, 1, 2]);
    }

    #[test]
    fn cycle_is_reported_as_a_path_with_declarations() {
        let m = manifest(
            "[[image]]\nname = \"app\"\nsource = \".\"\nkind = \"main\"\nbuild = [\"net\"]\n\
             [[image]]\nname = \"net\"\nsource = \".\"\nbuild = [\"boot\"]\n\
             [[image]]\nname = \"boot\"\nsource = \".\"\nbuild = [\"app\"]\n",
        );
        let err = image_order(&m, EdgeKind::Build).unwrap_err();
        assert_eq!(
            err.to_string(),
            "build dependency cycle: app -> net -> boot -> app\n  \
             `app` is built after `net` (declared at images.toml:5:10)\n  \
             `net` is built after `boot` (declared at images.toml:9:10)\n  \
             `boot` is built after `app` (declared at images.toml:13:10)\n  \
             remove one of these dependencies to break the cycle"
        );
    }

    #[test]
    fn cycle_path_excludes_the_lead_in() {
        // 0 -> 1 -> 2 -> 1: the cycle is 1 -> 2 -> 1, not including 0.
        let deps = [vec![1], vec![2], vec![1]];
        let cycle = stable_topological_order(3, |n| deps[n].iter().map(|&d| (d, ())).collect())
            .unwrap_err();
        let nodes: Vec<_> = cycle.iter().map(|(a, b, _)| (*a, *b)).collect();
        assert_eq!(nodes, [(1, 2), (2, 1)]);
    }

    /// The model: repeatedly take the smallest node whose dependencies are all taken.
    fn model(count: usize, deps: &[Vec<usize>]) -> Option<Vec<usize>> {
        let mut taken = vec![false; count];
        let mut out = Vec::new();
        for _ in 0..count {
            let next = (0..count).find(|&n| !taken[n] && deps[n].iter().all(|&d| taken[d]))?;
            taken[next] = true;
            out.push(next);
        }
        Some(out)
    }

    proptest! {
        #[test]
        fn agrees_with_the_model(count in 1usize..9, raw in proptest::collection::vec((0usize..9, 0usize..9), 0..16)) {
            let mut deps = vec![Vec::new(); count];
            for (a, b) in raw {
                let (a, b) = (a % count, b % count);
                if a != b && !deps[a].contains(&b) {
                    deps[a].push(b);
                }
            }
            let result = stable_topological_order(count, |n| deps[n].iter().map(|&d| (d, ())).collect());
            match (result, model(count, &deps)) {
                (Ok(order), Some(expected)) => prop_assert_eq!(order, expected),
                (Err(cycle), None) => {
                    // A real cycle: consecutive edges, closed, each edge exists.
                    prop_assert!(!cycle.is_empty());
                    for (i, (a, b, _)) in cycle.iter().enumerate() {
                        prop_assert!(deps[*a].contains(b));
                        prop_assert_eq!(*b, cycle[(i + 1) % cycle.len()].0);
                    }
                }
                (got, want) => prop_assert!(false, "got {:?}, model {:?}", got.map(|_| ()), want),
            }
        }
    }
}
