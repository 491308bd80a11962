//! What a person sees during and after a build: a live status line per image
//! (redrawn in place on a terminal, one line per change otherwise) and a final
//! table with each image's result, times and log file.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The state of one image during a build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Not reached yet.
    Pending,
    /// CMake configure running.
    Configuring,
    /// Configured (or up to date), waiting for its build dependencies or a job slot.
    Waiting,
    /// Building with this many job slots.
    Building(usize),
    /// Built.
    Built,
    /// Configure or build failed.
    Failed,
    /// Not built because this image failed or was skipped.
    Skipped(String),
    /// Not built because the run stopped at another image's failure.
    NotStarted,
    /// Prebuilt HEX used (`use_hex`).
    Prebuilt,
    /// Not built by request (`skip`).
    NotBuilt,
}

impl Status {
    fn describe(&self) -> String {
        match self {
            Status::Pending => "pending".into(),
            Status::Configuring => "configuring".into(),
            Status::Waiting => "waiting".into(),
            Status::Building(jobs) => {
                format!("building ({jobs} job{})", if *jobs == 1 { "" } else { "s" })
            }
            Status::Built => "built".into(),
            Status::Failed => "FAILED".into(),
            Status::Skipped(because) => format!("skipped ({because} failed)"),
            Status::NotStarted => "not started".into(),
            Status::Prebuilt => "prebuilt HEX".into(),
            Status::NotBuilt => "skipped by strategy".into(),
        }
    }

    fn is_active(&self) -> bool {
        matches!(self, Status::Configuring | Status::Building(_))
    }
}

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Redraw one line per image in place (a terminal).
    Live,
    /// Print a line on every change (logs, CI).
    Lines,
    /// Print nothing.
    Quiet,
}

impl Mode {
    /// `Live` when standard error is a terminal, `Lines` otherwise.
    pub fn detect() -> Mode {
        use std::io::IsTerminal;
        if std::io::stderr().is_terminal() {
            Mode::Live
        } else {
            Mode::Lines
        }
    }
}

/// The live display.
pub struct Progress {
    mode: Mode,
    names: Vec<String>,
    status: Vec<Status>,
    since: Vec<Instant>,
    drawn: usize,
    out: Box<dyn Write + Send>,
}

impl Progress {
    /// A display of `names` writing to standard error.
    pub fn new(mode: Mode, names: Vec<String>) -> Progress {
        Progress::to_writer(mode, names, Box::new(std::io::stderr()))
    }

    /// A display of `names` writing to `out`.
    pub fn to_writer(mode: Mode, names: Vec<String>, out: Box<dyn Write + Send>) -> Progress {
        let now = Instant::now();
        Progress {
            mode,
            status: vec![Status::Pending; names.len()],
            since: vec![now; names.len()],
            names,
            drawn: 0,
            out,
        }
    }

    /// Sets image `index`'s status.
    pub fn set(&mut self, index: usize, status: Status) {
        if index >= self.status.len() || self.status[index] == status {
            return;
        }
        self.status[index] = status;
        self.since[index] = Instant::now();
        match self.mode {
            Mode::Live => self.redraw(),
            Mode::Lines => {
                let _ = writeln!(
                    self.out,
                    "multibuild: {}: {}",
                    self.names[index],
                    self.status[index].describe()
                );
            }
            Mode::Quiet => {}
        }
    }

    /// Refreshes the timers of the live display.
    pub fn tick(&mut self) {
        if self.mode == Mode::Live {
            self.redraw();
        }
    }

    fn redraw(&mut self) {
        let width = self.names.iter().map(|n| n.len()).max().unwrap_or(0);
        let mut text = String::new();
        if self.drawn > 0 {
            text.push_str(&format!("\x1b[{}A", self.drawn));
        }
        for (i, name) in self.names.iter().enumerate() {
            let status = &self.status[i];
            let timer = if status.is_active() {
                format!(" {:.1}s", self.since[i].elapsed().as_secs_f64())
            } else {
                String::new()
            };
            text.push_str(&format!(
                "\x1b[2K  {name:<width$}  {}{timer}\n",
                status.describe()
            ));
        }
        self.drawn = self.names.len();
        let _ = self.out.write_all(text.as_bytes());
        let _ = self.out.flush();
    }
}

/// One row of the final table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Image name.
    pub image: String,
    /// Final status.
    pub status: Status,
    /// Whether CMake configure ran (`None`: not applicable).
    pub configured: Option<bool>,
    /// Configure time.
    pub configure_time: Duration,
    /// Build time.
    pub build_time: Duration,
    /// The image's log file (none for images that are not built).
    pub log: Option<PathBuf>,
}

fn seconds(d: Duration) -> String {
    format!("{:.2}s", d.as_secs_f64())
}

/// The summary table: image, result, configure (time or "up to date"),
/// build time, log path.
pub fn summary_table(rows: &[Row]) -> String {
    let header = ["image", "result", "configure", "build", "log"];
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|r| {
            [
                r.image.clone(),
                r.status.describe(),
                match r.configured {
                    None => "-".into(),
                    Some(false) => "up to date".into(),
                    Some(true) => seconds(r.configure_time),
                },
                if r.build_time.is_zero() {
                    "-".into()
                } else {
                    seconds(r.build_time)
                },
                r.log
                    .as_ref()
                    .map_or_else(|| "-".into(), |p| p.display().to_string()),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |row: &[String; 5]| -> String {
        let mut s = String::new();
        for (i, (c, w)) in row.iter().zip(widths).enumerate() {
            if i + 1 == row.len() {
                s.push_str(c);
            } else {
                s.push_str(&format!("{c:<w$}  "));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(&header.map(String::from));
    out.push_str(&line(&widths.map(|w| "-".repeat(w))));
    for row in &cells {
        out.push_str(&line(row));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_mode_prints_each_change_once() {
        let sink = Sink::default();
        let mut p = Progress::to_writer(
            Mode::Lines,
            vec!["app".into(), "boot".into()],
            Box::new(sink.clone()),
        );
        p.set(1, Status::Building(2));
        p.set(1, Status::Building(2));
        p.set(1, Status::Built);
        p.tick();
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        assert_eq!(
            text,
            "multibuild: boot: building (2 jobs)\nmultibuild: boot: built\n"
        );
    }

    #[test]
    fn live_mode_redraws_in_place() {
        let sink = Sink::default();
        let mut p = Progress::to_writer(Mode::Live, vec!["a".into()], Box::new(sink.clone()));
        p.set(0, Status::Configuring);
        p.set(0, Status::Built);
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        assert!(text.contains("\x1b[1A\x1b[2K  a  built\n"), "{text:?}");
    }

    #[test]
    fn table_aligns_columns() {
        let table = summary_table(&[
            Row {
                image: "bootloader".into(),
                status: Status::Built,
                configured: Some(true),
                configure_time: Duration::from_millis(310),
                build_time: Duration::from_millis(50),
                log: Some("/b/logs/bootloader.log".into()),
            },
            Row {
                image: "app".into(),
                status: Status::Prebuilt,
                configured: None,
                configure_time: Duration::ZERO,
                build_time: Duration::ZERO,
                log: None,
            },
        ]);
        assert_eq!(
            table,
            "image       result        configure  build  log\n\
             ----------  ------------  ---------  -----  ----------------------\n\
             bootloader  built         0.31s      0.05s  /b/logs/bootloader.log\n\
             app         prebuilt HEX  -          -      -\n"
        );
    }
}
