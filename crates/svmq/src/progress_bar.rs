//! A progress bar on stderr (indicatif), drawn only when stderr is a terminal and the
//! output is not `--json`, so scripts and logs never see control characters.

use std::io::IsTerminal;

use indicatif::{ProgressDrawTarget, ProgressStyle};

/// `[#########---------------]  37% 00:00:42 message`.
const TEMPLATE: &str = "[{bar:24}] {percent:>3}% {elapsed_precise} {wide_msg}";

pub struct ProgressBar {
    bar: indicatif::ProgressBar,
    enabled: bool,
}

impl ProgressBar {
    /// A bar that draws only on a terminal and never with `--json`.
    pub fn on_stderr(json_output: bool) -> ProgressBar {
        let enabled = !json_output && std::io::stderr().is_terminal();
        let target = if enabled {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = indicatif::ProgressBar::with_draw_target(Some(100), target);
        if let Ok(style) = ProgressStyle::with_template(TEMPLATE) {
            bar.set_style(style.progress_chars("#-"));
        }
        ProgressBar { bar, enabled }
    }

    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// Draws `percent` (0–100; anything else is clamped, NaN is 0) and the message.
    pub fn show(&self, percent: f64, message: &str) {
        self.bar.set_position(position(percent));
        self.bar.set_message(message.replace(['\n', '\r'], " "));
    }

    /// Prints `line` on stderr above the bar (the bar, when drawn, is redrawn below).
    pub fn println(&self, line: &str) {
        let line = line.replace(['\n', '\r'], " ");
        if self.enabled {
            self.bar.println(line);
        } else {
            eprintln!("{line}");
        }
    }

    /// Ends the bar's line, so what follows starts on a fresh one.
    pub fn finish(&self) {
        if !self.bar.is_finished() {
            self.bar.abandon();
        }
    }
}

/// The bar's position out of 100.
fn position(percent: f64) -> u64 {
    if percent.is_finite() {
        percent.clamp(0.0, 100.0).round() as u64
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::position;

    #[test]
    fn any_percentage_becomes_a_position_within_the_bar() {
        assert_eq!(position(50.4), 50);
        assert_eq!(position(f64::NAN), 0);
        assert_eq!(position(-3.0), 0);
        assert_eq!(position(250.0), 100);
        assert_eq!(position(f64::INFINITY), 0);
    }
}
