//! The progress bar: a listener around the terminal renderer, on stderr,
//! shown only when stderr is a terminal and the run lasts over a second.
//! The renderer's lines are drawn with the bar suspended, so neither
//! garbles the other. CLI-only (indicatif).

use graph_contract::run::{Event, Listener};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// A progress bar over `len` cases, shared by every pass's listeners.
#[derive(Clone)]
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    start: Instant,
    shown: Arc<AtomicBool>,
}

impl Progress {
    pub fn new(len: u64) -> Progress {
        use std::io::IsTerminal as _;
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                Some(len),
                indicatif::ProgressDrawTarget::hidden(),
            );
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} cases, {per_sec}, {elapsed}",
            ) {
                bar.set_style(style);
            }
            bar
        });
        Progress {
            bar,
            start: Instant::now(),
            shown: Arc::new(AtomicBool::new(false)),
        }
    }

    fn tick(&self) {
        if let Some(bar) = &self.bar {
            if !self.shown.load(Relaxed) && self.start.elapsed() > Duration::from_secs(1) {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                self.shown.store(true, Relaxed);
            }
            bar.inc(1);
        }
    }

    fn suspend(&self, f: impl FnOnce()) {
        match &self.bar {
            Some(bar) if self.shown.load(Relaxed) => bar.suspend(f),
            _ => f(),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    /// A listener that ticks the bar per finished case and draws `inner`
    /// (if any) with the bar suspended.
    pub fn around(&self, inner: Option<Box<dyn Listener>>) -> Box<dyn Listener> {
        Box::new(WithProgress {
            progress: self.clone(),
            inner,
        })
    }
}

struct WithProgress {
    progress: Progress,
    inner: Option<Box<dyn Listener>>,
}

impl Listener for WithProgress {
    fn event(&mut self, event: &Event<'_>) {
        if let Event::CaseFinished { .. } = event {
            self.progress.tick();
        }
        if let Event::RunFinished(_) = event {
            self.progress.finish();
        }
        if let Some(inner) = &mut self.inner {
            self.progress.suspend(|| inner.event(event));
        }
    }

    fn done(&mut self) -> Result<(), graph_contract::error::Error> {
        self.inner.as_mut().map_or(Ok(()), |i| i.done())
    }
}
