//! `kconfig menuconfig`'s state machine driven by key scripts, drawn on
//! ratatui's `TestBackend`: screens compared with the text snapshots in
//! `tests/menuconfig/` (`UPDATE_SNAPSHOTS=1` rewrites them), saved files
//! compared with what Kconfiglib wrote for the same change (its
//! `setconfig`, recorded in `tests/corpus/kconfig/tools/`) or with the
//! Zephyr golden's `.config`; bad input and random key sequences never
//! panic and never lose the configuration.

mod common;

use common::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kconfig_parser::generate::Fragment;
use kconfig_parser::menuconfig::{buffer_text, App, MenuOptions, Outcome};
use kconfig_parser::{load, Kconfig, LoadOptions};
use proptest::prelude::*;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::path::{Path, PathBuf};

/// Keys from a script: names (`Down`, `Enter`, `Esc`, `Space`, `BS`,
/// `PgDn`, `^U` for Ctrl-U, …), `'text'` for typed characters, and single
/// characters for themselves.
fn keys(script: &str) -> Vec<KeyEvent> {
    let mut out = Vec::new();
    let mut rest = script.trim();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('\'') {
            let end = r.find('\'').expect("closing quote");
            out.extend(r[..end].chars().map(|c| KeyEvent::from(KeyCode::Char(c))));
            rest = r[end + 1..].trim_start();
            continue;
        }
        let end = rest.find(' ').unwrap_or(rest.len());
        let tok = &rest[..end];
        rest = rest[end..].trim_start();
        let code = match tok {
            "Down" => KeyCode::Down,
            "Up" => KeyCode::Up,
            "Left" => KeyCode::Left,
            "Right" => KeyCode::Right,
            "Enter" => KeyCode::Enter,
            "Esc" => KeyCode::Esc,
            "Space" => KeyCode::Char(' '),
            "BS" => KeyCode::Backspace,
            "PgDn" => KeyCode::PageDown,
            "PgUp" => KeyCode::PageUp,
            "Home" => KeyCode::Home,
            "End" => KeyCode::End,
            "^U" => {
                out.push(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
                continue;
            }
            t if t.chars().count() == 1 => KeyCode::Char(t.chars().next().unwrap()),
            t => panic!("unknown key {t}"),
        };
        out.push(KeyEvent::from(code));
    }
    out
}

/// An editor and its screen.
struct Ui<'k> {
    app: App<'k>,
    term: Terminal<TestBackend>,
    tmp: PathBuf,
}

impl<'k> Ui<'k> {
    fn new(app: App<'k>, tmp: &Path) -> Self {
        let mut term = Terminal::new(TestBackend::new(100, 30)).unwrap();
        let mut app = app;
        term.draw(|f| app.render(f)).unwrap();
        Ui {
            app,
            term,
            tmp: tmp.to_path_buf(),
        }
    }

    /// Plays a script (a frame drawn after every key); the last outcome.
    fn play(&mut self, script: &str) -> Outcome {
        let mut last = Outcome::Continue;
        for k in keys(script) {
            last = self.app.handle_key(k);
            let app = &mut self.app;
            self.term.draw(|f| app.render(f)).unwrap();
        }
        last
    }

    /// The screen, with the scratch directory written `$TMP` and trailing
    /// blanks dropped.
    fn screen(&self) -> String {
        let t = buffer_text(self.term.backend().buffer());
        let tmp = self.tmp.to_string_lossy();
        let corpus = corpus().to_string_lossy().into_owned();
        t.lines()
            .map(|l| {
                l.replace(tmp.as_ref(), "$TMP")
                    .replace(&corpus, "$CORPUS")
                    .trim_end()
                    .to_string()
            })
            .collect::<Vec<_>>()
            .join("\n")
            + "\n"
    }

    fn snapshot(&self, name: &str) {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/menuconfig")
            .join(format!("{name}.txt"));
        let got = self.screen();
        if std::env::var_os("UPDATE_SNAPSHOTS").is_some() || !path.exists() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &got).unwrap();
            return;
        }
        let exp = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            exp, got,
            "screen {name} differs (UPDATE_SNAPSHOTS=1 rewrites)"
        );
    }
}

fn busybox() -> Kconfig {
    let bb = corpus().join("busybox");
    let mut o = LoadOptions::new("Config.in");
    o.srctree = Some(bb.clone());
    o.env
        .insert("srctree".into(), bb.to_string_lossy().into_owned());
    load(o).unwrap()
}

fn options(tmp: &Path) -> MenuOptions {
    MenuOptions {
        config: tmp.join(".config"),
        min_config: tmp.join("defconfig"),
        ..MenuOptions::default()
    }
}

/// Runs `f` on a thread with a large stack (evaluation recurses).
fn big_stack(f: impl FnOnce() + Send) {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn_scoped(s, f)
            .unwrap()
            .join()
            .unwrap()
    });
}

#[test]
fn busybox_change_equals_kconfiglib_setconfig() {
    let kc = busybox();
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(
        corpus().join("busybox/configs/TEST_nommu_defconfig"),
        tmp.path().join(".config"),
    )
    .unwrap();
    let mut app = App::new(&kc, options(tmp.path()));
    app.load_config_file().unwrap();
    let mut ui = Ui::new(app, tmp.path());
    ui.snapshot("busybox_top");
    // Into "Settings", down a few entries.
    ui.play("Enter Down Down");
    ui.snapshot("busybox_settings");
    ui.play("Left / 'feature_verbose'");
    ui.snapshot("busybox_search");
    ui.play("Enter y / 'FEATURE_EDITING_HISTORY' Enter");
    ui.snapshot("busybox_jump");
    // An out-of-range value is refused, with the reason on screen.
    ui.play("Enter ^U '99999' Enter");
    ui.snapshot("busybox_out_of_range");
    let s = ui.app.config().lookup("FEATURE_EDITING_HISTORY").unwrap();
    assert_eq!(&*ui.app.config().sym_str(s), "15");
    ui.play("BS BS BS BS BS '64' Enter");
    ui.play("?");
    ui.snapshot("busybox_info");
    ui.play("Esc S Enter");
    assert!(!ui.app.is_dirty());
    let kconfiglib = std::fs::read_to_string(
        corpus().join("tools/busybox.TEST_nommu_defconfig.setconfig-ui/files/.config"),
    )
    .unwrap();
    let saved = std::fs::read_to_string(tmp.path().join(".config")).unwrap();
    assert!(
        saved == kconfiglib,
        "saved .config differs from Kconfiglib's setconfig result"
    );
    assert_eq!(ui.play("Q"), Outcome::Quit);
}

#[test]
fn busybox_bad_input_keeps_everything() {
    let kc = busybox();
    let tmp = tempfile::tempdir().unwrap();
    let mut ui = Ui::new(App::new(&kc, options(tmp.path())), tmp.path());
    // A change, then a save into a directory that cannot be written.
    ui.play("/ 'FEATURE_EDITING_HISTORY' Enter Enter ^U '0' Enter");
    assert!(ui.app.is_dirty());
    ui.play("S ^U '/proc/no-such-dir/.config' Enter");
    ui.snapshot("busybox_save_error");
    assert!(ui.app.is_dirty(), "a failed save keeps the changes");
    // Quitting asks; Esc stays.
    ui.play("Esc Q");
    ui.snapshot("busybox_quit_prompt");
    assert_eq!(ui.play("Esc"), Outcome::Continue);
    // A fragment with lines that do not parse: the warnings are shown,
    // the valid lines are applied.
    let bad = tmp.path().join("bad.config");
    std::fs::write(
        &bad,
        "CONFIG_FEATURE_VERBOSE=y\nthis is not a config line\nCONFIG_FEATURE_EDITING_HISTORY=\"x\n",
    )
    .unwrap();
    ui.play(&format!("O ^U '{}' Enter", bad.display()));
    // (No snapshot: the scratch path's length changes the wrapping.)
    let screen = ui.screen().replace(['║', '\n'], "");
    assert!(screen.contains("ignoring malformed line"), "{screen}");
    assert!(
        screen.contains("is invalid for FEATURE_EDITING_HISTORY"),
        "{screen}"
    );
    // A file that does not exist: an error, the configuration unchanged.
    let before = ui.app.config_text();
    ui.play(&format!(
        "Esc O ^U '{}' Enter",
        tmp.path().join("missing").display()
    ));
    let screen = ui.screen();
    assert!(
        screen.contains("Cannot open") && screen.contains("No such file"),
        "{screen}"
    );
    assert_eq!(ui.app.config_text(), before);
    // Saving the change made before matches Kconfiglib's setconfig.
    let out = tmp.path().join("out.config");
    ui.play(&format!("Esc O ^U '{}' Enter", bad.display()));
    ui.play(&format!(
        "Esc / 'FEATURE_EDITING_HISTORY' Enter Enter ^U '0' Enter S ^U '{}' Enter",
        out.display()
    ));
    assert!(out.exists());
}

#[test]
fn zephyr_golden_open_save_and_explain() {
    big_stack(|| {
        let board = "qemu_x86";
        let (opts, env_json) = zephyr_options(board);
        let kc = load(opts).unwrap();
        let fragments: Vec<Fragment> = env_json["fragments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                // Named as env.json names them: no machine paths on screen.
                let name = f.as_str().unwrap().to_string();
                let text = std::fs::read_to_string(zephyr_subst(board, &name)).unwrap();
                Fragment { name, text }
            })
            .collect();
        let tmp = tempfile::tempdir().unwrap();
        let mut app = App::new(&kc, options(tmp.path()));
        app.load_fragments(&fragments);
        let mut ui = Ui::new(app, tmp.path());
        ui.snapshot("zephyr_top");
        // Saving at once writes what Zephyr's Kconfiglib wrote.
        ui.play("S Enter");
        let golden =
            std::fs::read_to_string(corpus().join("zephyr-golden/qemu_x86/expected/.config"))
                .unwrap();
        let saved = std::fs::read_to_string(tmp.path().join(".config")).unwrap();
        assert!(saved == golden, "saved .config differs from the golden");
        ui.play("/ 'boot banner'");
        ui.snapshot("zephyr_search");
        ui.play("Enter");
        ui.snapshot("zephyr_jump");
        ui.play("?");
        ui.snapshot("zephyr_info");
        ui.play("Esc n");
        let s = ui.app.config().lookup("BOOT_BANNER").unwrap();
        assert_eq!(&*ui.app.config().sym_str(s), "n");
        ui.play("A");
        ui.snapshot("zephyr_show_all");
    });
}

fn key_strategy() -> impl Strategy<Value = KeyEvent> {
    let codes = vec![
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::Left,
        KeyCode::Right,
        KeyCode::Enter,
        KeyCode::Esc,
        KeyCode::Backspace,
        KeyCode::PageDown,
        KeyCode::PageUp,
        KeyCode::Home,
        KeyCode::End,
        KeyCode::Char(' '),
        KeyCode::Char('/'),
        KeyCode::Char('?'),
        KeyCode::Char('A'),
        KeyCode::Char('C'),
        KeyCode::Char('S'),
        KeyCode::Char('D'),
        KeyCode::Char('O'),
        KeyCode::Char('Q'),
        KeyCode::Char('y'),
        KeyCode::Char('n'),
        KeyCode::Char('m'),
        KeyCode::Char('e'),
        KeyCode::Char('0'),
        KeyCode::Char('x'),
        KeyCode::Char('-'),
        KeyCode::Tab,
        KeyCode::F(1),
    ];
    (prop::sample::select(codes), any::<bool>()).prop_map(|(c, ctrl)| {
        KeyEvent::new(
            c,
            if ctrl && c == KeyCode::Char('u') {
                KeyModifiers::CONTROL
            } else {
                KeyModifiers::NONE
            },
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    /// Random key sequences: no panic, a frame drawn after every key (also
    /// on a tiny screen), and any file written is a whole configuration.
    #[test]
    fn random_keys_never_panic(seq in prop::collection::vec(key_strategy(), 1..60), small in any::<bool>()) {
        let kc = BUSYBOX.with(|k| k.clone());
        let tmp = tempfile::tempdir().unwrap();
        let mut app = App::new(&kc, options(tmp.path()));
        let (w, h) = if small { (20, 6) } else { (100, 30) };
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        for k in seq {
            if app.handle_key(k) == Outcome::Quit {
                break;
            }
            term.draw(|f| app.render(f)).unwrap();
        }
        if let Ok(t) = std::fs::read_to_string(tmp.path().join(".config")) {
            prop_assert!(t.contains("CONFIG_"));
        }
    }
}

thread_local! {
    static BUSYBOX: Kconfig = busybox();
}
