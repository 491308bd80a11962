//! The dependency-loop check, with Kconfiglib's order of search and its
//! report (each item of the loop with its definition).

use super::*;

impl<'k> Config<'k> {
    /// Kconfiglib's dependency-loop check (`_build_dep` +
    /// `_check_dep_loop_sym`/`_check_dep_loop_choice`): a depth-first walk
    /// over "is depended on by" edges, entering a choice through one member
    /// and then visiting its other members. Returns Kconfiglib's report
    /// ("Dependency loop" with each item's definition) for the first loop.
    pub fn dependency_loop(&mut self) -> Option<String> {
        let nsym = self.syms.len();
        let total = nsym + self.choices.len();
        // Item ids: symbols 0..nsym, choices nsym.. .
        // Edges `(item, dependent)` in the order found; turned into one
        // flat adjacency array below (tens of thousands of small vectors
        // were a large part of this check's cost).
        let mut edges: Vec<(u32, u32)> = Vec::new();
        // Edges are added one dependent item at a time: `seen_edge[id] ==
        // from + 1` means id -> from exists already (a set, like
        // Kconfiglib's `_dependents`).
        let mut seen_edge: Vec<usize> = vec![0; total];
        // `walked[e] == from + 1`: expression `e` was walked for `from`
        // already. Propagated dependencies repeat the same menu and `if`
        // conditions in every default, prompt and range of a symbol; their
        // edges are all in place after the first walk (in the same order,
        // so the loop found and its report do not change).
        let mut walked: Vec<u32> = vec![0; self.exprs.len()];
        let mut work: Vec<ExprId> = Vec::new();
        type Seen = Vec<usize>;
        let add = |edges: &mut Vec<(u32, u32)>,
                   (seen_edge, walked): (&mut Seen, &mut Vec<u32>),
                   from: usize,
                   e: ExprId,
                   work: &mut Vec<ExprId>| {
            work.clear();
            work.push(e);
            while let Some(x) = work.pop() {
                let w = &mut walked[x.0 as usize];
                if *w as usize == from + 1 {
                    continue;
                }
                *w = from as u32 + 1;
                let mut item = |s: SymId| {
                    let id = if s.0 >= CHOICE_SYM_BASE {
                        nsym + (s.0 - CHOICE_SYM_BASE) as usize
                    } else if self.kc.symbols.is_const(s) {
                        return;
                    } else {
                        s.index()
                    };
                    if seen_edge[id] != from + 1 {
                        seen_edge[id] = from + 1;
                        edges.push((id as u32, from as u32));
                    }
                };
                match self.exprs.get(x) {
                    Expr::Sym(s) => item(s),
                    Expr::Cmp(_, a, b) => {
                        item(a);
                        item(b);
                    }
                    Expr::Not(a) => work.push(a),
                    Expr::And(a, b) | Expr::Or(a, b) => {
                        work.push(b);
                        work.push(a);
                    }
                }
            }
        };
        for &s in &self.unique_defined {
            let i = s.index();
            let st = &self.syms[i];
            for n in &st.nodes {
                if self.kc.node(*n).prompt.is_some() {
                    if let Some(p) = self.fin[n.0 as usize].prompt {
                        add(&mut edges, (&mut seen_edge, &mut walked), i, p, &mut work);
                    }
                }
            }
            for &(v, c) in &st.defaults {
                add(&mut edges, (&mut seen_edge, &mut walked), i, v, &mut work);
                add(&mut edges, (&mut seen_edge, &mut walked), i, c, &mut work);
            }
            for &(x, c) in st.rev_dep.iter().chain(&st.weak_rev_dep) {
                let xe = self.exprs.sym_id_expr(x);
                if let Some(xe) = xe {
                    add(&mut edges, (&mut seen_edge, &mut walked), i, xe, &mut work);
                } else if seen_edge[x.index()] != i + 1 {
                    seen_edge[x.index()] = i + 1;
                    edges.push((x.index() as u32, i as u32));
                }
                add(&mut edges, (&mut seen_edge, &mut walked), i, c, &mut work);
            }
            for &(l, h, c) in &st.ranges {
                for b in [l, h] {
                    if !self.kc.symbols.is_const(b) && seen_edge[b.index()] != i + 1 {
                        seen_edge[b.index()] = i + 1;
                        edges.push((b.index() as u32, i as u32));
                    }
                }
                add(&mut edges, (&mut seen_edge, &mut walked), i, c, &mut work);
            }
            add(
                &mut edges,
                (&mut seen_edge, &mut walked),
                i,
                st.direct_dep,
                &mut work,
            );
        }
        for (ci, ch) in self.choices.iter().enumerate() {
            let i = nsym + ci;
            for n in &ch.nodes {
                if self.kc.node(*n).prompt.is_some() {
                    if let Some(p) = self.fin[n.0 as usize].prompt {
                        add(&mut edges, (&mut seen_edge, &mut walked), i, p, &mut work);
                    }
                }
            }
            for &(_, c) in &ch.defaults {
                add(&mut edges, (&mut seen_edge, &mut walked), i, c, &mut work);
            }
        }
        // Adjacency in compressed rows: the dependents of item `id` are
        // `adj[start[id]..start[id + 1]]`, in the order they were found.
        let mut start = vec![0u32; total + 1];
        for &(id, _) in &edges {
            start[id as usize + 1] += 1;
        }
        for i in 0..total {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut adj = vec![0u32; edges.len()];
        for &(id, from) in &edges {
            adj[fill[id as usize] as usize] = from;
            fill[id as usize] += 1;
        }
        drop(edges);
        let dependents = |id: usize| &adj[start[id] as usize..start[id + 1] as usize];
        // Iterative DFS mirroring the recursive reference. A frame walks
        // either a symbol's dependents (then its choice) or a choice's
        // members (skipping the member it was entered through).
        #[derive(Clone, Copy)]
        enum Frame {
            Sym {
                id: usize,
                ignore_choice: bool,
                next: usize,
                choice_done: bool,
            },
            Choice {
                id: usize,
                skip: Option<usize>,
                next: usize,
            },
        }
        let mut visited = vec![0u8; total];
        let mut stack: Vec<Frame> = Vec::new();
        let mut roots: Vec<usize> = self.unique_defined.iter().map(|s| s.index()).collect();
        roots.extend(nsym..total);
        for root in roots {
            if visited[root] != 0 {
                continue;
            }
            stack.clear();
            stack.push(if root >= nsym {
                Frame::Choice {
                    id: root,
                    skip: None,
                    next: 0,
                }
            } else {
                Frame::Sym {
                    id: root,
                    ignore_choice: false,
                    next: 0,
                    choice_done: false,
                }
            });
            visited[root] = 1;
            while let Some(top) = stack.last_mut() {
                // The next item to visit from this frame, if any.
                let step: Option<(usize, Frame)> = match top {
                    Frame::Sym {
                        id,
                        ignore_choice,
                        next,
                        choice_done,
                    } => {
                        let deps = dependents(*id);
                        if *next < deps.len() {
                            let d = deps[*next] as usize;
                            *next += 1;
                            Some((
                                d,
                                if d >= nsym {
                                    Frame::Choice {
                                        id: d,
                                        skip: None,
                                        next: 0,
                                    }
                                } else {
                                    Frame::Sym {
                                        id: d,
                                        ignore_choice: false,
                                        next: 0,
                                        choice_done: false,
                                    }
                                },
                            ))
                        } else if !*choice_done
                            && !*ignore_choice
                            && self.syms[*id].choice.is_some()
                        {
                            *choice_done = true;
                            let c = nsym + self.syms[*id].choice.map(|c| c.0 as usize).unwrap_or(0);
                            Some((
                                c,
                                Frame::Choice {
                                    id: c,
                                    skip: Some(*id),
                                    next: 0,
                                },
                            ))
                        } else {
                            None
                        }
                    }
                    Frame::Choice { id, skip, next } => {
                        let members = &self.choices[*id - nsym].syms;
                        let mut found = None;
                        while *next < members.len() {
                            let m = members[*next].index();
                            *next += 1;
                            if Some(m) != *skip {
                                found = Some((
                                    m,
                                    Frame::Sym {
                                        id: m,
                                        ignore_choice: true,
                                        next: 0,
                                        choice_done: false,
                                    },
                                ));
                                break;
                            }
                        }
                        found
                    }
                };
                match step {
                    Some((item, frame)) => match visited[item] {
                        0 => {
                            visited[item] = 1;
                            stack.push(frame);
                        }
                        1 => {
                            // Loop: collect the stack from `item` back up.
                            let ids: Vec<usize> = stack
                                .iter()
                                .map(|f| match f {
                                    Frame::Sym { id, .. } | Frame::Choice { id, .. } => *id,
                                })
                                .collect();
                            let start = ids.iter().rposition(|x| *x == item).unwrap_or(0);
                            let mut lp: Vec<usize> = vec![item];
                            lp.extend(ids[start + 1..].iter().rev());
                            return Some(self.loop_report(&lp, nsym));
                        }
                        _ => {}
                    },
                    None => {
                        let id = match stack.pop() {
                            Some(Frame::Sym { id, .. }) | Some(Frame::Choice { id, .. }) => id,
                            None => break,
                        };
                        visited[id] = 2;
                    }
                }
            }
        }
        None
    }

    pub(super) fn item_str(&self, item: usize, nsym: usize) -> String {
        let nodes: Vec<NodeId> = if item >= nsym {
            self.choices[item - nsym].nodes.clone()
        } else {
            self.syms[item].nodes.clone()
        };
        nodes
            .iter()
            .map(|n| self.node_str(*n))
            .collect::<Vec<_>>()
            .join("\n\n")
    }

    pub(super) fn rev_dep_text(&mut self, list: &[(SymId, ExprId)]) -> String {
        let mut e = ExprId::N;
        for &(x, c) in list {
            let xe = self.exprs.sym(x);
            let a = self.exprs.make_and(xe, c);
            e = self.exprs.make_or(e, a);
        }
        self.expr_text(e)
    }

    pub(super) fn loop_report(&mut self, lp: &[usize], nsym: usize) -> String {
        let mut msg = String::from("\nDependency loop\n===============\n\n");
        for (k, &item) in lp.iter().enumerate() {
            if k > 0 {
                msg.push_str("...depends on ");
                if item < nsym && self.syms[item].choice.is_some() {
                    msg.push_str("the choice symbol ");
                }
            }
            let nl = if item >= nsym {
                self.choice_name_and_loc(ChoiceId((item - nsym) as u32))
            } else {
                self.name_and_loc(SymId(item as u32))
            };
            msg.push_str(&format!(
                "{nl}, with definition...\n\n{}\n\n",
                self.item_str(item, nsym)
            ));
            if item < nsym {
                let rev = self.syms[item].rev_dep.clone();
                if !rev.is_empty() {
                    let t = self.rev_dep_text(&rev);
                    msg.push_str(&format!("(select-related dependencies: {t})\n\n"));
                }
                if !self.syms[item].weak_rev_dep.is_empty() {
                    // Kconfiglib prints the select-related expression here too.
                    let t = self.rev_dep_text(&rev);
                    msg.push_str(&format!("(imply-related dependencies: {t})\n\n"));
                }
            }
        }
        let first = lp[0];
        let nl = if first >= nsym {
            self.choice_name_and_loc(ChoiceId((first - nsym) as u32))
        } else {
            self.name_and_loc(SymId(first as u32))
        };
        msg.push_str(&format!("...depends again on {nl}"));
        msg
    }
}
