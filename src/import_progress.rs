//! What `provisio import` shows while it works: a progress bar on a terminal (by bytes of
//! the file read, with the lines so far), plain lines when the output is not a terminal
//! (a log, CI), at most one every two seconds.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use crate::store::ImportProgress;

pub enum Shown {
    Bar(ProgressBar),
    Lines(Arc<Mutex<Instant>>, u64),
}

impl Shown {
    /// For a file of `size` bytes.
    pub fn new(size: u64) -> Self {
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(size);
            bar.set_style(
                ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            Shown::Bar(bar)
        } else {
            Shown::Lines(Arc::new(Mutex::new(Instant::now())), size)
        }
    }

    pub fn callback(&self) -> Arc<dyn Fn(ImportProgress) + Send + Sync> {
        match self {
            Shown::Bar(bar) => {
                let bar = bar.clone();
                Arc::new(move |p| match p {
                    ImportProgress::Read { bytes, lines } => {
                        bar.set_position(bytes);
                        bar.set_message(format!("{lines} lines read"));
                    }
                    ImportProgress::Writing => bar.set_message("checking and writing"),
                })
            }
            Shown::Lines(last, size) => {
                let (last, size) = (last.clone(), *size);
                Arc::new(move |p| match p {
                    ImportProgress::Read { bytes, lines } => {
                        let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
                        if last.elapsed() >= Duration::from_secs(2) {
                            *last = Instant::now();
                            let percent = (bytes * 100).checked_div(size).unwrap_or(0);
                            eprintln!("import: {lines} lines read ({percent} % of the file)");
                        }
                    }
                    ImportProgress::Writing => eprintln!("import: file read; checking and writing"),
                })
            }
        }
    }

    pub fn finish(&self) {
        if let Shown::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}
