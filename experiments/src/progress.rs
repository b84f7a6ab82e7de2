//! Live progress on stderr: a line updated in place (`\r`) when stderr is a terminal, one line
//! per epoch otherwise; for a sweep, the run's position and an ETA.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Progress display.
#[derive(Debug)]
pub struct Progress {
    tty: bool,
    prefix: String,
    eta: Option<Duration>,
    last_draw: Option<Instant>,
    dirty: bool,
    last_epoch: String,
}

impl Default for Progress {
    fn default() -> Self {
        Self::new()
    }
}

/// `m:ss` or `h:mm:ss`.
pub fn fmt_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

impl Progress {
    /// Detects whether stderr is a terminal.
    pub fn new() -> Self {
        Self {
            tty: std::io::stderr().is_terminal(),
            prefix: String::new(),
            eta: None,
            last_draw: None,
            dirty: false,
            last_epoch: String::new(),
        }
    }

    /// One line per epoch, never in place (for runs trained side by side).
    pub fn lines_only() -> Self {
        Self {
            tty: false,
            ..Self::new()
        }
    }

    /// Whether lines are updated in place.
    pub fn is_tty(&self) -> bool {
        self.tty
    }

    /// Starts run `index` (0-based) of `total`, with the sweep's estimated time left.
    pub fn start_run(&mut self, id: &str, index: usize, total: usize, eta: Option<Duration>) {
        self.prefix = if total > 1 {
            format!("[{}/{} {id}]", index + 1, total)
        } else {
            format!("[{id}]")
        };
        self.eta = eta;
        self.last_epoch.clear();
    }

    fn eta_text(&self) -> String {
        self.eta
            .map(|d| format!(" | ETA {}", fmt_duration(d)))
            .unwrap_or_default()
    }

    /// Within an epoch: redraws the in-place line (terminal only, at most 10 times a second).
    pub fn batch(
        &mut self,
        epoch: usize,
        epochs: usize,
        done: usize,
        total: usize,
        loss: Option<f64>,
    ) {
        if !self.tty {
            return;
        }
        let now = Instant::now();
        if self
            .last_draw
            .is_some_and(|t| now - t < Duration::from_millis(100))
            && done < total
        {
            return;
        }
        self.last_draw = Some(now);
        let width = 12;
        let filled = (done * width).checked_div(total).unwrap_or(width);
        let bar: String = "#".repeat(filled) + &".".repeat(width - filled);
        let loss = loss.map(|l| format!(" loss {l:.4}")).unwrap_or_default();
        let pct = (done * 100).checked_div(total).unwrap_or(100);
        let line = format!(
            "{} epoch {epoch:>2}/{epochs} [{bar}] {pct:>3}%{loss}{}{}",
            self.prefix,
            self.last_epoch,
            self.eta_text()
        );
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{line}");
        let _ = err.flush();
        self.dirty = true;
    }

    /// End of an epoch (epoch 0: at initialization). Not on a terminal: one line per epoch. On a
    /// terminal: a line of its own only if `keep` (the first and last epochs, a divergence);
    /// otherwise `summary` is shown on the in-place line until the next epoch ends.
    pub fn epoch_line(&mut self, text: &str, summary: &str, keep: bool) {
        if self.tty && !keep {
            self.last_epoch = format!(" | {summary}");
            return;
        }
        let line = format!("{} {text}", self.prefix);
        self.println(&line);
    }

    /// A line of its own (clears an in-place line first).
    pub fn println(&mut self, line: &str) {
        let mut err = std::io::stderr().lock();
        if self.dirty {
            let _ = write!(err, "\r\x1b[2K");
            self.dirty = false;
        }
        let _ = writeln!(err, "{line}");
        let _ = err.flush();
        self.last_draw = None;
    }
}
