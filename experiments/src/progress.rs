//! Live progress on stderr, drawn by `indicatif`: on a terminal, a bar per running epoch (batch
//! progress, the last batch's loss, the last epoch's validation accuracy, the sweep's ETA) that
//! stays in place while lines scroll above it; otherwise (CI logs, pipes) one line per epoch and
//! no bar at all.
//!
//! Every bar belongs to one process-wide `MultiProgress`, and on a terminal every line is written
//! while it holds its bars back (`suspend`), so lines printed by runs trained side by side (one
//! thread each) and by the sweep never cut through a bar; each line is written whole, with its
//! newline, under the stderr lock.

use std::io::{IsTerminal, Write};
use std::sync::OnceLock;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Progress display.
#[derive(Debug)]
pub struct Progress {
    /// stderr is a terminal.
    term: bool,
    /// Draw a bar (a terminal, and not [`Progress::lines_only`]).
    live: bool,
    prefix: String,
    eta: Option<Duration>,
    last_epoch: String,
    bar: Option<ProgressBar>,
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

/// The bars and lines of this process, on stderr.
fn multi() -> &'static MultiProgress {
    static MULTI: OnceLock<MultiProgress> = OnceLock::new();
    MULTI.get_or_init(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()))
}

/// `[prefix epoch  3/50] [####........]  25% loss 0.4231 | last valid acc 91.2% | ETA 1:05`.
fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template("{prefix} [{bar:12}] {percent:>3}%{msg}").map_or_else(
        |_| ProgressStyle::default_bar(),
        |s| s.progress_chars("#>."),
    )
}

/// Writes `line` and a newline to stderr in one write, under its lock (lines from threads never
/// interleave).
fn write_line(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(format!("{line}\n").as_bytes());
    let _ = err.flush();
}

impl Progress {
    /// A bar when stderr is a terminal, one line per epoch otherwise.
    pub fn new() -> Self {
        Self::with_bar(true)
    }

    /// One line per epoch, never a bar (for runs trained side by side).
    pub fn lines_only() -> Self {
        Self::with_bar(false)
    }

    fn with_bar(bar: bool) -> Self {
        let term = std::io::stderr().is_terminal();
        Self {
            term,
            live: bar && term,
            prefix: String::new(),
            eta: None,
            last_epoch: String::new(),
            bar: None,
        }
    }

    /// Whether a bar is drawn (lines are updated in place).
    pub fn is_tty(&self) -> bool {
        self.live
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
        self.clear_bar();
    }

    fn message(&self, loss: Option<f64>) -> String {
        let loss = loss.map(|l| format!(" loss {l:.4}")).unwrap_or_default();
        let eta = self
            .eta
            .map(|d| format!(" | ETA {}", fmt_duration(d)))
            .unwrap_or_default();
        format!("{loss}{}{eta}", self.last_epoch)
    }

    /// Within an epoch: moves the bar (terminal only; indicatif redraws at most 20 times a
    /// second).
    pub fn batch(
        &mut self,
        epoch: usize,
        epochs: usize,
        done: usize,
        total: usize,
        loss: Option<f64>,
    ) {
        if !self.live {
            return;
        }
        let message = self.message(loss);
        let bar = self.bar.get_or_insert_with(|| {
            let bar = ProgressBar::new(total as u64).with_style(bar_style());
            multi().add(bar)
        });
        bar.set_prefix(format!("{} epoch {epoch:>2}/{epochs}", self.prefix));
        bar.set_length(total as u64);
        bar.set_position(done as u64);
        bar.set_message(message);
    }

    /// End of an epoch (epoch 0: at initialization). Not on a terminal: one line per epoch. On a
    /// terminal: a line of its own only if `keep` (the first and last epochs, a divergence);
    /// otherwise `summary` is shown on the bar until the next epoch ends.
    pub fn epoch_line(&mut self, text: &str, summary: &str, keep: bool) {
        if self.live && !keep {
            self.last_epoch = format!(" | {summary}");
            if let Some(bar) = &self.bar {
                bar.set_message(self.message(None));
            }
            return;
        }
        let line = format!("{} {text}", self.prefix);
        self.println(&line);
    }

    /// A line of its own (this run's bar is removed first; other bars stay below the line).
    pub fn println(&mut self, line: &str) {
        self.clear_bar();
        if self.term {
            // Bars (of other runs) are cleared, the line written, the bars redrawn below it.
            multi().suspend(|| write_line(line));
        } else {
            write_line(line);
        }
    }

    fn clear_bar(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
            multi().remove(&bar);
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.clear_bar();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(fmt_duration(Duration::from_secs(65)), "1:05");
        assert_eq!(fmt_duration(Duration::from_secs(3 * 3600 + 61)), "3:01:01");
    }

    #[test]
    fn lines_only_never_draws_a_bar() {
        let mut p = Progress::lines_only();
        p.start_run("relu-he", 0, 2, Some(Duration::from_secs(90)));
        p.batch(1, 5, 10, 100, Some(0.5));
        assert!(p.bar.is_none() && !p.is_tty());
        p.epoch_line("epoch 1/5", "last valid acc 90.0%", false);
        // Not a terminal: the summary is printed, not kept for a bar.
        assert!(p.last_epoch.is_empty());
    }

    #[test]
    fn the_bar_message_carries_loss_last_epoch_and_eta() {
        let mut p = Progress::lines_only();
        p.start_run("relu-he", 2, 9, Some(Duration::from_secs(125)));
        p.last_epoch = " | last valid acc 91.2%".into();
        assert_eq!(
            p.message(Some(0.42311)),
            " loss 0.4231 | last valid acc 91.2% | ETA 2:05"
        );
        assert_eq!(p.prefix, "[3/9 relu-he]");
        assert!(ProgressStyle::with_template("{prefix} [{bar:12}] {percent:>3}%{msg}").is_ok());
    }
}
