//! A progress bar on stderr, redrawn in place: only when stderr is a terminal and the
//! output is not `--json`, so scripts and logs never see control characters.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::Instant;

/// Characters of the bar itself.
const BAR_WIDTH: usize = 24;

pub struct ProgressBar {
    enabled: bool,
    started: Instant,
    /// The line last drawn, so an unchanged line is not redrawn.
    last: Mutex<String>,
}

impl ProgressBar {
    /// A bar that draws only on a terminal and never with `--json`.
    pub fn on_stderr(json_output: bool) -> ProgressBar {
        ProgressBar {
            enabled: !json_output && std::io::stderr().is_terminal(),
            started: Instant::now(),
            last: Mutex::new(String::new()),
        }
    }

    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// Draws `percent` (0–100) and the message.
    pub fn show(&self, percent: f64, message: &str) {
        if !self.enabled {
            return;
        }
        let line = render(percent, self.started.elapsed().as_secs(), message, width());
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if *last != line {
            let mut error = std::io::stderr().lock();
            let _ = write!(error, "\r\x1b[2K{line}");
            let _ = error.flush();
            *last = line;
        }
    }

    /// Ends the bar's line, so what follows starts on a fresh one.
    pub fn finish(&self) {
        let last = self
            .last
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if self.enabled && !last.is_empty() {
            eprintln!();
        }
    }
}

/// The terminal's width from `COLUMNS`, else 100.
fn width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|columns| columns.parse().ok())
        .filter(|&columns: &usize| columns >= 40)
        .unwrap_or(100)
}

/// `[#########---------------]  37% 0:42 message`, cut to `width` characters.
pub fn render(percent: f64, elapsed_seconds: u64, message: &str, width: usize) -> String {
    let percent = if percent.is_finite() {
        percent.clamp(0.0, 100.0)
    } else {
        0.0
    };
    let filled = ((percent / 100.0) * BAR_WIDTH as f64).round() as usize;
    let bar: String = "#".repeat(filled) + &"-".repeat(BAR_WIDTH - filled);
    let line = format!(
        "[{bar}] {percent:>3.0}% {}:{:02} {message}",
        elapsed_seconds / 60,
        elapsed_seconds % 60
    );
    line.chars().take(width.saturating_sub(1)).collect()
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn the_bar_fills_with_the_percentage() {
        assert_eq!(
            render(50.0, 75, "trial 5 of 10", 100),
            "[############------------]  50% 1:15 trial 5 of 10"
        );
        assert!(render(0.0, 0, "", 100).starts_with("[------------------------]   0%"));
        assert!(render(100.0, 0, "", 100).starts_with("[########################] 100%"));
        assert!(render(f64::NAN, 0, "", 100).contains("  0%"));
        assert!(render(250.0, 0, "", 100).contains("100%"));
    }

    #[test]
    fn a_long_message_is_cut_to_the_width() {
        let line = render(10.0, 0, &"x".repeat(500), 60);
        assert_eq!(line.chars().count(), 59);
    }
}
