//! `kconfig menuconfig`: the interactive configuration editor.
//!
//! [`App`] is the whole user interface as a state machine: it takes key
//! events ([`App::handle_key`]) and draws itself into a ratatui frame
//! ([`App::render`]); it never touches a terminal, so tests drive it with
//! key scripts and read the screen from ratatui's `TestBackend`. The binary
//! only moves events from crossterm to it and frames back.
//!
//! Navigation and keys follow Kconfiglib's menuconfig (arrows, Enter,
//! Space, `/` search, `?` symbol information, `A` show-all, `S` save, `O`
//! open, `Q` quit, plus `D` minimal configuration and `C` symbol names):
//! the menu tree is the evaluated one (implicit submenus shown indented,
//! `visible if` honoured), values change through [`Config::set_value`] so
//! everything that depends on them updates at once, and typed int/hex
//! values are checked against their type and active range on every key.
//! Saving goes through [`crate::output::write_atomic`]; a failed save
//! keeps the changes and says why.
//!
//! Evaluation recurses along dependency chains: run the `App` on a thread
//! with a large stack on big trees (see [`Config`]).

pub mod search;

use crate::ast::{Kconfig, NodeId, NodeKind, Type};
use crate::eval::{parse_int, Config};
use crate::generate::Fragment;
use crate::symbol::SymId;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};
use ratatui::Frame;
use search::SearchIndex;
use std::path::PathBuf;

/// Where the editor saves, and how files are written.
#[derive(Debug, Clone)]
pub struct MenuOptions {
    /// The configuration file (`S` saves here; `O` changes it).
    pub config: PathBuf,
    /// The minimal configuration file (`D`).
    pub min_config: PathBuf,
    /// Header written first in both files.
    pub header: String,
    /// Symbol prefix of written lines.
    pub prefix: String,
}

impl Default for MenuOptions {
    fn default() -> Self {
        MenuOptions {
            config: ".config".into(),
            min_config: "defconfig".into(),
            header: String::new(),
            prefix: "CONFIG_".into(),
        }
    }
}

/// What the caller should do after a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Keep going (redraw).
    Continue,
    /// Leave the editor.
    Quit,
}

/// One line of the menu on screen.
#[derive(Debug, Clone, Copy)]
struct Row {
    node: NodeId,
    indent: u16,
    visible: bool,
}

/// What a file dialog is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PathFor {
    Save,
    SaveMin,
    Open,
}

#[derive(Debug, Clone)]
enum Dialog {
    /// Typing a value for an int/hex/string symbol.
    Edit {
        sym: SymId,
        text: String,
        error: Option<String>,
    },
    Search {
        query: String,
        results: Vec<usize>,
        cursor: usize,
    },
    Info {
        title: String,
        lines: Vec<String>,
        scroll: usize,
    },
    Path {
        purpose: PathFor,
        text: String,
    },
    Message {
        title: String,
        text: String,
    },
    ConfirmQuit,
}

/// The editor: a configuration, the menu being shown, the cursor, and the
/// dialog on top, if any.
pub struct App<'k> {
    cfg: Config<'k>,
    opts: MenuOptions,
    /// Menus entered, outermost first, with the cursor each was left at.
    stack: Vec<(NodeId, usize)>,
    menu: NodeId,
    cursor: usize,
    offset: usize,
    rows: Vec<Row>,
    show_all: bool,
    show_names: bool,
    dirty: bool,
    dialog: Option<Dialog>,
    status: String,
    index: Option<SearchIndex>,
    /// Height of the menu list at the last draw (for page keys).
    page: usize,
}

fn tri(v: u8) -> &'static str {
    ["n", "m", "y"][v as usize & 3]
}

impl<'k> App<'k> {
    /// An editor over `kc` with every symbol at its default.
    pub fn new(kc: &'k Kconfig, opts: MenuOptions) -> Self {
        let mut cfg = Config::new(kc);
        cfg.prefix = opts.prefix.clone();
        let mut app = App {
            cfg,
            opts,
            stack: Vec::new(),
            menu: NodeId(0),
            cursor: 0,
            offset: 0,
            rows: Vec::new(),
            show_all: false,
            show_names: false,
            dirty: false,
            dialog: None,
            status: String::new(),
            index: None,
            page: 10,
        };
        app.refresh();
        app
    }

    /// Loads configuration fragments as `kconfig gen` does (the first
    /// replaces all user values, the rest merge); the messages and warnings
    /// are shown.
    pub fn load_fragments(&mut self, fragments: &[Fragment]) {
        let mut msgs = Vec::new();
        for (i, f) in fragments.iter().enumerate() {
            msgs.push(self.cfg.load_config(&f.text, &f.name, i == 0));
        }
        self.after_load(msgs);
    }

    /// Loads the configuration file the editor saves to, if it exists
    /// (Kconfiglib's menuconfig starts from `.config`).
    pub fn load_config_file(&mut self) -> Result<(), String> {
        let p = self.opts.config.clone();
        if !p.exists() {
            self.status = format!("Using default symbol values (no '{}')", p.display());
            return Ok(());
        }
        let text =
            std::fs::read_to_string(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
        let m = self.cfg.load_config(&text, &p.to_string_lossy(), true);
        self.after_load(vec![m]);
        Ok(())
    }

    fn after_load(&mut self, msgs: Vec<String>) {
        let warnings: Vec<String> = self.cfg.warnings.drain(..).collect();
        self.status = msgs.last().cloned().unwrap_or_default();
        if !warnings.is_empty() {
            self.dialog = Some(Dialog::Message {
                title: "Warnings".into(),
                text: format!("{}\n\n{}", msgs.join("\n"), warnings.join("\n")),
            });
        }
        self.refresh();
    }

    /// The configuration being edited.
    pub fn config(&mut self) -> &mut Config<'k> {
        &mut self.cfg
    }

    /// Whether there are changes not saved yet.
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// The status line's text (last message).
    pub fn status(&self) -> &str {
        &self.status
    }

    /// The `.config` text of the current values (what `S` writes).
    pub fn config_text(&mut self) -> String {
        self.cfg.config_text(&self.opts.header)
    }

    fn kc(&self) -> &'k Kconfig {
        self.cfg.kconfig()
    }

    fn is_menu_like(&self, n: NodeId) -> bool {
        matches!(
            self.kc().node(n).kind,
            NodeKind::Top
                | NodeKind::Menu
                | NodeKind::Choice(_)
                | NodeKind::Config {
                    menuconfig: true,
                    ..
                }
        )
    }

    /// Recomputes the rows of the current menu, keeping the cursor on the
    /// same node when it is still shown.
    fn refresh(&mut self) {
        let at = self.rows.get(self.cursor).map(|r| r.node);
        let mut rows = Vec::new();
        let first = self.cfg.menu_first_child(self.menu);
        self.collect(first, 0, &mut rows);
        self.rows = rows;
        if let Some(n) = at {
            if let Some(i) = self.rows.iter().position(|r| r.node == n) {
                self.cursor = i;
            }
        }
        self.cursor = self.cursor.min(self.rows.len().saturating_sub(1));
    }

    /// Kconfiglib's shown nodes: visible nodes (all prompted ones in
    /// show-all mode), with the children of nodes that are not menus
    /// indented below them; visible children of an invisible symbol are
    /// shown in its place.
    fn collect(&mut self, mut node: Option<NodeId>, indent: u16, out: &mut Vec<Row>) {
        while let Some(n) = node {
            let has_prompt = self.kc().node(n).prompt.is_some();
            let visible = has_prompt && self.cfg.node_visibility(n) > 0;
            let child = self.cfg.menu_first_child(n);
            if visible || (self.show_all && has_prompt) {
                out.push(Row {
                    node: n,
                    indent,
                    visible,
                });
                if child.is_some() && !self.is_menu_like(n) {
                    self.collect(child, indent + 1, out);
                }
            } else if child.is_some() && !self.is_menu_like(n) {
                self.collect(child, indent, out);
            }
            node = self.cfg.menu_next(n);
        }
    }

    fn node_sym(&self, n: NodeId) -> Option<SymId> {
        match self.kc().node(n).kind {
            NodeKind::Config { sym, .. } | NodeKind::ConfigDefault { sym } => Some(sym),
            _ => None,
        }
    }

    /// Handles one key; returns whether to go on.
    pub fn handle_key(&mut self, key: KeyEvent) -> Outcome {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return self.quit();
        }
        match self.dialog.take() {
            Some(d) => self.dialog_key(d, key),
            None => self.menu_key(key),
        }
    }

    fn quit(&mut self) -> Outcome {
        if self.dirty {
            self.dialog = Some(Dialog::ConfirmQuit);
            Outcome::Continue
        } else {
            Outcome::Quit
        }
    }

    fn menu_key(&mut self, key: KeyEvent) -> Outcome {
        let n = self.rows.len();
        match key.code {
            KeyCode::Up | KeyCode::Char('k') => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => {
                self.cursor = (self.cursor + 1).min(n.saturating_sub(1))
            }
            KeyCode::PageUp => self.cursor = self.cursor.saturating_sub(self.page.max(1)),
            KeyCode::PageDown => {
                self.cursor = (self.cursor + self.page.max(1)).min(n.saturating_sub(1))
            }
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = n.saturating_sub(1),
            // Esc at the top leaves the editor; Left and Backspace only go
            // back.
            KeyCode::Esc if self.stack.is_empty() => return self.quit(),
            KeyCode::Left | KeyCode::Backspace | KeyCode::Esc => {
                self.leave_menu();
            }
            KeyCode::Right | KeyCode::Enter => {
                if let Some(r) = self.rows.get(self.cursor).copied() {
                    if self.is_menu_like(r.node) {
                        self.enter_menu(r.node);
                    } else if key.code == KeyCode::Enter {
                        self.change(r.node);
                    }
                }
            }
            KeyCode::Char(' ') => {
                if let Some(r) = self.rows.get(self.cursor).copied() {
                    match self.kc().node(r.node).kind {
                        NodeKind::Menu | NodeKind::Choice(_) => self.enter_menu(r.node),
                        _ => self.change(r.node),
                    }
                }
            }
            KeyCode::Char(c @ ('y' | 'n' | 'm' | 'Y' | 'N' | 'M')) => {
                if let Some(r) = self.rows.get(self.cursor).copied() {
                    self.set_tri(r.node, c.to_ascii_lowercase());
                }
            }
            KeyCode::Char('/') => {
                if self.index.is_none() {
                    self.index = Some(SearchIndex::new(&self.cfg));
                }
                self.dialog = Some(Dialog::Search {
                    query: String::new(),
                    results: Vec::new(),
                    cursor: 0,
                });
            }
            KeyCode::Char('?') => {
                if let Some(r) = self.rows.get(self.cursor).copied() {
                    self.open_info(r.node);
                }
            }
            KeyCode::Char('a' | 'A') => {
                self.show_all = !self.show_all;
                self.status = format!("Show-all mode {}", if self.show_all { "on" } else { "off" });
                self.refresh();
            }
            KeyCode::Char('c' | 'C') => self.show_names = !self.show_names,
            KeyCode::Char('s' | 'S') => {
                self.dialog = Some(Dialog::Path {
                    purpose: PathFor::Save,
                    text: self.opts.config.to_string_lossy().into_owned(),
                })
            }
            KeyCode::Char('d' | 'D') => {
                self.dialog = Some(Dialog::Path {
                    purpose: PathFor::SaveMin,
                    text: self.opts.min_config.to_string_lossy().into_owned(),
                })
            }
            KeyCode::Char('o' | 'O') => {
                self.dialog = Some(Dialog::Path {
                    purpose: PathFor::Open,
                    text: self.opts.config.to_string_lossy().into_owned(),
                })
            }
            KeyCode::Char('q' | 'Q') => return self.quit(),
            _ => {}
        }
        Outcome::Continue
    }

    fn enter_menu(&mut self, n: NodeId) {
        self.stack.push((self.menu, self.cursor));
        self.menu = n;
        self.cursor = 0;
        self.offset = 0;
        self.rows.clear();
        self.refresh();
    }

    /// Back to the parent menu; false at the top.
    fn leave_menu(&mut self) -> bool {
        let Some((m, c)) = self.stack.pop() else {
            return false;
        };
        self.menu = m;
        self.rows.clear();
        self.cursor = c;
        self.offset = 0;
        self.refresh();
        true
    }

    /// Space/Enter on a symbol: the next assignable value (a choice member
    /// is selected), or the value dialog for int/hex/string.
    fn change(&mut self, n: NodeId) {
        let Some(s) = self.node_sym(n) else {
            return;
        };
        if self.cfg.sym_visibility(s) == 0 {
            self.status = format!(
                "{} is not visible: its value cannot be changed",
                self.kc().symbols.name(s)
            );
            return;
        }
        match self.cfg.sym_type_of(s) {
            Some(Type::Bool | Type::Tristate) => {
                if self.cfg.choice_of(s).is_some() {
                    self.set_value(s, "y");
                    return;
                }
                let a = self.cfg.assignable(s);
                if a.len() <= 1 {
                    self.status = format!(
                        "{} is fixed by select or dependencies",
                        self.kc().symbols.name(s)
                    );
                    return;
                }
                let cur = self.cfg.sym_tri(s);
                let next = a.iter().copied().find(|&v| v > cur).unwrap_or(a[0]);
                self.set_value(s, tri(next));
            }
            Some(_) => {
                let text = self.cfg.sym_str(s).to_string();
                let error = self.validate(s, &text);
                self.dialog = Some(Dialog::Edit {
                    sym: s,
                    text,
                    error,
                });
            }
            None => {}
        }
    }

    fn set_tri(&mut self, n: NodeId, c: char) {
        let Some(s) = self.node_sym(n) else {
            return;
        };
        if !matches!(self.cfg.sym_type_of(s), Some(Type::Bool | Type::Tristate)) {
            return;
        }
        let v = match c {
            'n' => 0,
            'm' => 1,
            _ => 2,
        };
        if self.cfg.assignable(s).contains(&v) {
            self.set_value(s, tri(v));
        } else {
            self.status = format!("{} cannot be set to {}", self.kc().symbols.name(s), tri(v));
        }
    }

    fn set_value(&mut self, s: SymId, v: &str) {
        let before = self.cfg.sym_str(s);
        if self.cfg.set_value(s, v) {
            self.dirty = true;
            let after = self.cfg.sym_str(s);
            self.status = if *after == *v || before != after {
                format!("{} = {}", self.kc().symbols.name(s), after)
            } else {
                format!(
                    "{} stays {} (dependencies)",
                    self.kc().symbols.name(s),
                    after
                )
            };
        }
        // Range and type warnings are shown in the value dialog instead.
        self.cfg.warnings.clear();
        self.refresh();
    }

    /// Why `text` cannot be `s`'s value, if it cannot (type, then range).
    fn validate(&mut self, s: SymId, text: &str) -> Option<String> {
        let t = self.cfg.sym_type_of(s)?;
        let base = match t {
            Type::Int => 10,
            Type::Hex => 16,
            _ => return None,
        };
        let v = match parse_int(text, base) {
            Some(v) if base == 10 || v >= 0 => v,
            _ => {
                return Some(format!(
                    "'{text}' is not a valid {} value",
                    if base == 10 {
                        "decimal (int)"
                    } else {
                        "hexadecimal"
                    }
                ))
            }
        };
        let (lo, hi) = self.cfg.active_range(s)?;
        let (l, h) = (parse_int(&lo, base)?, parse_int(&hi, base)?);
        (v < l || v > h).then(|| format!("{text} is outside the range {lo}..{hi}"))
    }

    fn open_info(&mut self, n: NodeId) {
        let kc = self.kc();
        let node = kc.node(n);
        let mut lines = Vec::new();
        let title;
        match self.node_sym(n) {
            Some(s) => {
                title = format!("{}{}", self.opts.prefix, kc.symbols.name(s));
                if let Some(p) = &node.prompt {
                    lines.push(format!("Prompt: {}", p.text));
                }
                let ty = self
                    .cfg
                    .orig_type_of(s)
                    .map(|t| t.keyword())
                    .unwrap_or("unknown");
                lines.push(format!("Type: {ty}   Value: {}", self.cfg.sym_str(s)));
                lines.push(String::new());
                lines.push("Help:".into());
                let help = self
                    .cfg
                    .definition_nodes(s)
                    .iter()
                    .find_map(|d| kc.node(*d).help.clone());
                match help {
                    Some(h) => lines.extend(h.lines().map(|l| format!("  {l}"))),
                    None => lines.push("  (no help text)".into()),
                }
                lines.push(String::new());
                lines.push("Why this value:".into());
                let why = crate::explain::explain(&mut self.cfg, s);
                self.cfg.warnings.clear();
                lines.extend(why.lines().map(str::to_string));
                lines.push(String::new());
                lines.push("Definitions:".into());
                for d in self.cfg.definition_nodes(s).to_vec() {
                    lines.push(format!("  at {}", kc.loc_str(kc.node(d).loc)));
                    for inc in kc.node(d).include_path.iter().rev() {
                        lines.push(format!("    included via {}", self.short(kc.loc_str(*inc))));
                    }
                    lines.extend(
                        self.cfg
                            .node_str(d)
                            .lines()
                            .map(|l| format!("    {}", l.replace('\t', "  "))),
                    );
                }
            }
            None => {
                title = node
                    .prompt
                    .as_ref()
                    .map(|p| p.text.clone())
                    .unwrap_or_default();
                lines.push(format!("Defined at {}", kc.loc_str(node.loc)));
                lines.push(String::new());
                lines.extend(self.cfg.node_str(n).lines().map(|l| l.replace('\t', "  ")));
                if let Some(h) = &node.help {
                    lines.push(String::new());
                    lines.extend(h.lines().map(|l| format!("  {l}")));
                }
            }
        }
        self.dialog = Some(Dialog::Info {
            title,
            lines,
            scroll: 0,
        });
    }

    fn dialog_key(&mut self, d: Dialog, key: KeyEvent) -> Outcome {
        match d {
            Dialog::Edit { sym, mut text, .. } => match key.code {
                KeyCode::Esc => self.status = "Value unchanged".into(),
                KeyCode::Enter => match self.validate(sym, &text) {
                    Some(e) => {
                        self.dialog = Some(Dialog::Edit {
                            sym,
                            text,
                            error: Some(e),
                        })
                    }
                    None => self.set_value(sym, &text.clone()),
                },
                _ => {
                    edit_text(&mut text, key);
                    let error = self.validate(sym, &text);
                    self.dialog = Some(Dialog::Edit { sym, text, error });
                }
            },
            Dialog::Search {
                mut query,
                mut results,
                mut cursor,
            } => match key.code {
                KeyCode::Esc => {}
                KeyCode::Up => {
                    cursor = cursor.saturating_sub(1);
                    self.dialog = Some(Dialog::Search {
                        query,
                        results,
                        cursor,
                    });
                }
                KeyCode::Down => {
                    cursor = (cursor + 1).min(results.len().saturating_sub(1));
                    self.dialog = Some(Dialog::Search {
                        query,
                        results,
                        cursor,
                    });
                }
                KeyCode::PageDown => {
                    cursor = (cursor + self.page.max(1)).min(results.len().saturating_sub(1));
                    self.dialog = Some(Dialog::Search {
                        query,
                        results,
                        cursor,
                    });
                }
                KeyCode::PageUp => {
                    cursor = cursor.saturating_sub(self.page.max(1));
                    self.dialog = Some(Dialog::Search {
                        query,
                        results,
                        cursor,
                    });
                }
                KeyCode::Enter => {
                    let node = results
                        .get(cursor)
                        .and_then(|&i| self.index.as_ref()?.entries.get(i))
                        .map(|e| e.node);
                    match node {
                        Some(n) => self.jump_to(n),
                        None => {
                            self.dialog = Some(Dialog::Search {
                                query,
                                results,
                                cursor,
                            })
                        }
                    }
                }
                _ => {
                    edit_text(&mut query, key);
                    results = match &self.index {
                        Some(ix) => ix.search(&query),
                        None => Vec::new(),
                    };
                    self.dialog = Some(Dialog::Search {
                        query,
                        results,
                        cursor: 0,
                    });
                }
            },
            Dialog::Info {
                title,
                lines,
                mut scroll,
            } => match key.code {
                KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q' | 'Q' | '?') | KeyCode::Left => {}
                code => {
                    let max = lines.len().saturating_sub(1);
                    scroll = match code {
                        KeyCode::Up | KeyCode::Char('k') => scroll.saturating_sub(1),
                        KeyCode::Down | KeyCode::Char('j') => (scroll + 1).min(max),
                        KeyCode::PageUp => scroll.saturating_sub(self.page.max(1)),
                        KeyCode::PageDown | KeyCode::Char(' ') => {
                            (scroll + self.page.max(1)).min(max)
                        }
                        KeyCode::Home => 0,
                        KeyCode::End => max,
                        _ => scroll,
                    };
                    self.dialog = Some(Dialog::Info {
                        title,
                        lines,
                        scroll,
                    });
                }
            },
            Dialog::Path { purpose, mut text } => match key.code {
                KeyCode::Esc => {}
                KeyCode::Enter => self.path_done(purpose, text),
                _ => {
                    edit_text(&mut text, key);
                    self.dialog = Some(Dialog::Path { purpose, text });
                }
            },
            Dialog::Message { .. } => {}
            Dialog::ConfirmQuit => match key.code {
                KeyCode::Char('y' | 'Y') => {
                    if self.save(PathFor::Save, self.opts.config.clone()) {
                        return Outcome::Quit;
                    }
                }
                KeyCode::Char('n' | 'N') => return Outcome::Quit,
                KeyCode::Esc => {}
                _ => self.dialog = Some(Dialog::ConfirmQuit),
            },
        }
        Outcome::Continue
    }

    fn path_done(&mut self, purpose: PathFor, text: String) {
        if text.trim().is_empty() {
            self.status = "No file name given".into();
            return;
        }
        let p = PathBuf::from(text);
        match purpose {
            PathFor::Save | PathFor::SaveMin => {
                self.save(purpose, p);
            }
            PathFor::Open => match std::fs::read_to_string(&p) {
                Ok(t) => {
                    let m = self.cfg.load_config(&t, &p.to_string_lossy(), true);
                    self.opts.config = p;
                    self.dirty = false;
                    self.after_load(vec![m]);
                }
                Err(e) => {
                    self.dialog = Some(Dialog::Message {
                        title: "Error".into(),
                        text: format!(
                            "Cannot open {}: {e}\n\nThe configuration is unchanged.",
                            p.display()
                        ),
                    })
                }
            },
        }
    }

    /// Writes the configuration (or the minimal one) to `p` atomically;
    /// false (with a message, changes kept) on failure.
    fn save(&mut self, purpose: PathFor, p: PathBuf) -> bool {
        let (text, what) = match purpose {
            PathFor::SaveMin => (
                self.cfg.min_config_text(&self.opts.header),
                "Minimal configuration",
            ),
            _ => (self.cfg.config_text(&self.opts.header), "Configuration"),
        };
        self.cfg.warnings.clear();
        match crate::output::write_atomic(&p, text.as_bytes()) {
            Ok(()) => {
                self.status = format!("{what} saved to '{}'", p.display());
                if purpose == PathFor::Save {
                    self.opts.config = p;
                    self.dirty = false;
                } else {
                    self.opts.min_config = p;
                }
                true
            }
            Err(e) => {
                self.dialog = Some(Dialog::Message {
                    title: "Error".into(),
                    text: format!(
                        "Cannot save to {}: {e}\n\nNothing was written; your changes are kept. Save elsewhere with S.",
                        p.display()
                    ),
                });
                false
            }
        }
    }

    /// Shows the menu holding `n` with the cursor on it (show-all mode is
    /// turned on when `n` is not visible).
    fn jump_to(&mut self, n: NodeId) {
        let mut chain = Vec::new();
        let mut p = self.cfg.menu_parent(n);
        while let Some(x) = p {
            if self.is_menu_like(x) {
                chain.push(x);
            }
            p = self.cfg.menu_parent(x);
        }
        chain.reverse();
        // chain[0] is the top node.
        self.stack.clear();
        self.menu = NodeId(0);
        self.rows.clear();
        self.cursor = 0;
        self.refresh();
        for &m in chain.iter().skip(1) {
            self.enter_menu(m);
        }
        let mut found = self.rows.iter().position(|r| r.node == n);
        if found.is_none() && !self.show_all {
            self.show_all = true;
            self.refresh();
            found = self.rows.iter().position(|r| r.node == n);
            self.status = "Show-all mode on (the symbol is not visible)".into();
        }
        match found {
            Some(i) => self.cursor = i,
            None => {
                self.status = "The symbol has no prompt: it is not shown in the menus (? on it in search is not available)".into();
            }
        }
    }

    /// Draws the editor into `f`.
    pub fn render(&mut self, f: &mut Frame<'_>) {
        let area = f.area();
        let [top, body, keys, status] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(3),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(area);
        let kc = self.kc();
        let title_style = Style::new()
            .fg(Color::Black)
            .bg(Color::Cyan)
            .add_modifier(Modifier::BOLD);
        let mut crumbs = vec![kc.mainmenu.clone()];
        for &(m, _) in self.stack.iter().skip(1) {
            crumbs.push(self.menu_title(m));
        }
        if self.menu != NodeId(0) {
            crumbs.push(self.menu_title(self.menu));
        }
        let flags = format!(
            "{}{}",
            if self.show_all { " [show-all]" } else { "" },
            if self.dirty { " [modified]" } else { "" }
        );
        f.render_widget(
            Paragraph::new(Line::from(vec![
                Span::raw(format!(" {}", crumbs.join(" > "))),
                Span::styled(flags, Style::new().fg(Color::Red).bg(Color::Cyan)),
            ]))
            .style(title_style),
            top,
        );
        // The menu.
        let block = Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(Style::new().fg(Color::Blue))
            .title(Span::styled(
                format!(" {} ", crumbs.last().cloned().unwrap_or_default()),
                Style::new().add_modifier(Modifier::BOLD),
            ));
        let inner = block.inner(body);
        f.render_widget(block, body);
        let h = inner.height as usize;
        self.page = h.max(1);
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if h > 0 && self.cursor >= self.offset + h {
            self.offset = self.cursor + 1 - h;
        }
        let mut lines = Vec::new();
        for i in self.offset..(self.offset + h).min(self.rows.len()) {
            let r = self.rows[i];
            lines.push(self.row_line(r, i == self.cursor, inner.width as usize));
        }
        if self.rows.is_empty() {
            lines.push(Line::styled(
                "  (no visible entries; A shows all)",
                Style::new().fg(Color::DarkGray),
            ));
        }
        f.render_widget(Paragraph::new(lines), inner);
        // Keys and status.
        let help = match &self.dialog {
            None => "↑↓ move  ⏎/→ enter  ␣ change  y/n/m set  ← back  / search  ? info  A all  C names  S save  D defconfig  O open  Q quit",
            Some(Dialog::Edit { .. }) => "type a value  ⏎ accept  Esc cancel",
            Some(Dialog::Search { .. }) => "type to search name, prompt, help  ↑↓ select  ⏎ jump  Esc close",
            Some(Dialog::Info { .. }) => "↑↓ PgUp PgDn scroll  Esc/? close",
            Some(Dialog::Path { .. }) => "file name  ⏎ accept  Esc cancel",
            Some(Dialog::Message { .. }) => "any key closes",
            Some(Dialog::ConfirmQuit) => "Y save and quit  N quit without saving  Esc stay",
        };
        f.render_widget(
            Paragraph::new(help).style(Style::new().fg(Color::Black).bg(Color::Gray)),
            keys,
        );
        f.render_widget(Paragraph::new(format!(" {}", self.status)), status);
        if let Some(d) = self.dialog.clone() {
            self.render_dialog(f, area, &d);
        }
    }

    /// A location relative to `$srctree` when it lies inside it (Zephyr's
    /// root Kconfig is given as an absolute path).
    fn short(&self, loc: String) -> String {
        let st = self.kc().srctree.trim_end_matches('/');
        match loc.strip_prefix(st).and_then(|r| r.strip_prefix('/')) {
            Some(r) if !st.is_empty() => r.to_string(),
            _ => loc,
        }
    }

    fn menu_title(&self, n: NodeId) -> String {
        self.kc()
            .node(n)
            .prompt
            .as_ref()
            .map(|p| p.text.clone())
            .unwrap_or_default()
    }

    /// One menu line: value box, prompt, name, arrow.
    fn row_line(&mut self, r: Row, selected: bool, width: usize) -> Line<'static> {
        let kc = self.kc();
        let node = kc.node(r.node);
        let prompt = node
            .prompt
            .as_ref()
            .map(|p| p.text.clone())
            .unwrap_or_default();
        let mut value = String::new();
        let mut text = prompt.clone();
        let mut arrow = "";
        match node.kind {
            NodeKind::Menu => {
                value = "   ".into();
                arrow = "  --->";
            }
            NodeKind::Comment => {
                value = "   ".into();
                text = format!("*** {prompt} ***");
            }
            NodeKind::Choice(c) => {
                value = "   ".into();
                let sel = self.cfg.choice_selection(c);
                if self.cfg.choice_tri(c) == 2 {
                    if let Some(s) = sel {
                        let sp = self
                            .cfg
                            .definition_nodes(s)
                            .iter()
                            .find_map(|n| kc.node(*n).prompt.as_ref().map(|p| p.text.clone()));
                        text = format!(
                            "{prompt} ({})",
                            sp.unwrap_or_else(|| kc.symbols.name(s).to_string())
                        );
                    }
                }
                arrow = "  --->";
            }
            NodeKind::Config { sym, .. } | NodeKind::ConfigDefault { sym } => {
                value = self.value_box(sym);
                if self.show_names {
                    text = format!("{text} ({})", kc.symbols.name(sym));
                }
                if let NodeKind::Config {
                    menuconfig: true, ..
                } = node.kind
                {
                    arrow = if self.cfg.menu_first_child(r.node).is_some() {
                        "  --->"
                    } else {
                        "  ----"
                    };
                }
            }
            _ => {}
        }
        let indent = "  ".repeat(r.indent as usize);
        // A visible mark besides the colours: readable on monochrome
        // terminals and in screen captures.
        let mark = if selected { '›' } else { ' ' };
        let mut s = format!("{mark}{value} {indent}{text}{arrow}");
        let w = s.chars().count();
        if w < width {
            s.push_str(&" ".repeat(width - w));
        }
        let mut style = Style::new();
        if !r.visible {
            style = style.fg(Color::DarkGray);
        } else if node.kind == NodeKind::Comment {
            style = style.fg(Color::Yellow);
        }
        if selected {
            style = style
                .bg(Color::Blue)
                .fg(Color::White)
                .add_modifier(Modifier::BOLD);
        }
        Line::styled(s, style)
    }

    fn value_box(&mut self, s: SymId) -> String {
        match self.cfg.sym_type_of(s) {
            Some(t @ (Type::Bool | Type::Tristate)) => {
                let v = self.cfg.sym_tri(s);
                if let Some(c) = self.cfg.choice_of(s) {
                    if self.cfg.choice_tri(c) == 2 {
                        let on = self.cfg.choice_selection(c) == Some(s);
                        return if on { "(X)".into() } else { "( )".into() };
                    }
                }
                let fixed = self.cfg.assignable(s).len() == 1;
                let mark = match v {
                    2 => "*",
                    1 => "M",
                    _ => " ",
                };
                if fixed {
                    format!("-{mark}-")
                } else if t == Type::Tristate {
                    format!("<{mark}>")
                } else {
                    format!("[{mark}]")
                }
            }
            Some(_) => format!("({})", self.cfg.sym_str(s)),
            None => "   ".into(),
        }
    }

    fn render_dialog(&mut self, f: &mut Frame<'_>, area: Rect, d: &Dialog) {
        let popup = |w: u16, h: u16| {
            let w = w.min(area.width.saturating_sub(2)).max(10.min(area.width));
            let h = h.min(area.height.saturating_sub(2)).max(3.min(area.height));
            Rect {
                x: area.x + (area.width - w) / 2,
                y: area.y + (area.height - h) / 2,
                width: w,
                height: h,
            }
        };
        let frame_block = |title: String, color: Color| {
            Block::bordered()
                .border_type(BorderType::Double)
                .border_style(Style::new().fg(color))
                .title(Span::styled(
                    format!(" {title} "),
                    Style::new().add_modifier(Modifier::BOLD),
                ))
        };
        match d {
            Dialog::Edit { sym, text, error } => {
                let r = popup(70, 8);
                let name = self.kc().symbols.name(*sym).to_string();
                let ty = self
                    .cfg
                    .orig_type_of(*sym)
                    .map(|t| t.keyword())
                    .unwrap_or("");
                let range = self
                    .cfg
                    .active_range(*sym)
                    .map(|(l, h)| format!(", range {l}..{h}"))
                    .unwrap_or_default();
                let mut lines = vec![
                    Line::raw(format!("{ty} value of {name}{range}")),
                    Line::styled(
                        format!("> {text}_"),
                        Style::new().add_modifier(Modifier::BOLD),
                    ),
                ];
                match error {
                    Some(e) => lines.push(Line::styled(e.clone(), Style::new().fg(Color::Red))),
                    None => lines.push(Line::styled("ok", Style::new().fg(Color::Green))),
                }
                f.render_widget(Clear, r);
                f.render_widget(
                    Paragraph::new(lines)
                        .block(frame_block("Value".into(), Color::Yellow))
                        .wrap(Wrap { trim: false }),
                    r,
                );
            }
            Dialog::Search {
                query,
                results,
                cursor,
            } => {
                let r = popup(area.width.saturating_sub(4), area.height.saturating_sub(2));
                f.render_widget(Clear, r);
                let block = frame_block(format!("Search ({} matches)", results.len()), Color::Cyan);
                let inner = block.inner(r);
                f.render_widget(block, r);
                let h = inner.height.saturating_sub(2) as usize;
                let start = cursor.saturating_sub(h.saturating_sub(1));
                let mut lines = vec![
                    Line::styled(
                        format!("/ {query}_"),
                        Style::new().add_modifier(Modifier::BOLD),
                    ),
                    Line::raw(""),
                ];
                if let Some(ix) = self.index.as_ref() {
                    let items: Vec<(usize, SymId, String, String)> = results
                        .iter()
                        .enumerate()
                        .skip(start)
                        .take(h)
                        .map(|(i, &e)| {
                            let e = &ix.entries[e];
                            (i, e.sym, e.name.clone(), e.prompt.clone())
                        })
                        .collect();
                    for (i, s, name, prompt) in items {
                        let v = self.cfg.sym_str(s);
                        let vis = self.cfg.sym_visibility(s) > 0;
                        let mut st = if vis {
                            Style::new()
                        } else {
                            Style::new().fg(Color::DarkGray)
                        };
                        if i == *cursor {
                            st = st.bg(Color::Blue).fg(Color::White);
                        }
                        let line = format!("{name}={v}  {prompt}");
                        let line = format!("{line:<w$}", w = inner.width as usize);
                        lines.push(Line::styled(line, st));
                    }
                }
                f.render_widget(Paragraph::new(lines), inner);
            }
            Dialog::Info {
                title,
                lines,
                scroll,
            } => {
                let r = popup(area.width.saturating_sub(4), area.height.saturating_sub(2));
                f.render_widget(Clear, r);
                let text: Vec<Line> = lines
                    .iter()
                    .skip(*scroll)
                    .map(|l| Line::raw(l.clone()))
                    .collect();
                f.render_widget(
                    Paragraph::new(text).block(frame_block(title.clone(), Color::Green)),
                    r,
                );
            }
            Dialog::Path { purpose, text } => {
                let r = popup(70, 6);
                f.render_widget(Clear, r);
                let (t, what) = match purpose {
                    PathFor::Save => ("Save", "Save the configuration to:"),
                    PathFor::SaveMin => ("Save minimal", "Save the minimal configuration to:"),
                    PathFor::Open => ("Open", "Load a configuration from:"),
                };
                let lines = vec![
                    Line::raw(what),
                    Line::styled(
                        format!("> {text}_"),
                        Style::new().add_modifier(Modifier::BOLD),
                    ),
                ];
                f.render_widget(
                    Paragraph::new(lines).block(frame_block(t.into(), Color::Yellow)),
                    r,
                );
            }
            Dialog::Message { title, text } => {
                let r = popup(76, 14);
                f.render_widget(Clear, r);
                let color = if title == "Error" {
                    Color::Red
                } else {
                    Color::Yellow
                };
                f.render_widget(
                    Paragraph::new(text.clone())
                        .block(frame_block(title.clone(), color))
                        .wrap(Wrap { trim: false }),
                    r,
                );
            }
            Dialog::ConfirmQuit => {
                let r = popup(60, 6);
                f.render_widget(Clear, r);
                let lines = vec![
                    Line::raw(format!(
                        "Save the changes to '{}'?",
                        self.opts.config.display()
                    )),
                    Line::raw(""),
                    Line::styled(
                        "(Y)es  (N)o  (Esc) cancel",
                        Style::new().add_modifier(Modifier::BOLD),
                    ),
                ];
                f.render_widget(
                    Paragraph::new(lines).block(frame_block("Quit".into(), Color::Yellow)),
                    r,
                );
            }
        }
    }
}

/// Line editing in a text field: printable characters append, Backspace
/// deletes the last character, Ctrl-U clears.
fn edit_text(text: &mut String, key: KeyEvent) {
    match key.code {
        KeyCode::Backspace => {
            text.pop();
        }
        KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => text.clear(),
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) && !c.is_control() => {
            text.push(c)
        }
        _ => {}
    }
}

/// The text of a drawn screen, one line per row (trailing spaces kept):
/// what the UI tests compare.
pub fn buffer_text(buf: &ratatui::buffer::Buffer) -> String {
    let mut out = String::new();
    let w = buf.area.width as usize;
    for (i, c) in buf.content.iter().enumerate() {
        out.push_str(c.symbol());
        if (i + 1) % w == 0 {
            out.push('\n');
        }
    }
    out
}
