//! `graph-contract watch`: run the selection, then wait; a page saved
//! re-runs its cases, `r` every case, `f` the failing ones, `q` quits. When
//! the target stops answering it says so once, and re-runs every case when
//! it answers again. This file is the loop (file events, keys, the target
//! probe, the terminal's mode); what a run shows and what changed since the
//! last one are the library's ([`graph_contract::watch`]), and every
//! verdict the engine's.
//!
//! Decisions, and why:
//! - **The same knobs as `check`** ([`super::check::SCOPES`]), read and
//!   validated once: a watch is a `check` that goes on. `--repeat` is a
//!   benchmark's knob: a watch runs one pass.
//! - **One thread decides.** Keys (a thread reading stdin), file events
//!   (the `notify` watcher's thread) and the once-a-second probe come to
//!   the main thread over one channel; a run happens there, so a key
//!   pressed during a run waits for its end (Ctrl-C does not).
//! - **Debounced.** A save is several file events (write, close, rename):
//!   they are gathered until [`DEBOUNCE`] passes without one, then every
//!   page they touch is read again and its cases run once.
//! - **The session is opened again only when the cases changed**: a page
//!   read again (the built-in mock must serve it too); `r` and `f` reuse it.
//! - **Single keys on a terminal.** Standard input in cbreak mode (ICANON
//!   and ECHO off, ISIG on so Ctrl-C still signals, output processing
//!   untouched); the mode it had is put back on `q`, on SIGINT/SIGTERM
//!   (then exit 130/143), on a panic, and around Ctrl-Z. Not a terminal:
//!   one command a line, end of input quits.
//! - **The probe is a TCP connect** to the target's host and port, before
//!   each run and every [`PROBE_EVERY`] while idle: a service restarted
//!   after a code change refuses connections for a while, and a run then
//!   would fail every case on the transport. With the built-in mock there
//!   is nothing to probe.
//! - **`--insecure` is said at the start of every run**, as `check` says it
//!   (the same function, [`super::check::warn_insecure`]): a watch left
//!   open for an hour must not scroll its only warning away. The report
//!   files a run writes list it among what the run ran under, as
//!   `check`'s do ([`super::check::enforced`]).
//! - **Every byte through the redacting writer** ([`super::stdout`]).

use super::ConfigError;
use graph_contract::config::{self, Env, Given};
use graph_contract::harness::panics;
use graph_contract::redact::Redactor;
use graph_contract::report::{self, Files, diff::View};
use graph_contract::run::{self, Event, Listeners, Session};
use graph_contract::watch::{self, Header, Key, Pages, Previous, Screen};
use std::collections::HashSet;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

/// How long file events must stop before the pages are read again.
pub const DEBOUNCE: Duration = Duration::from_millis(200);
/// How often the target is probed while idle.
pub const PROBE_EVERY: Duration = Duration::from_secs(1);

/// What the main thread is told.
enum Input {
    Key(Key),
    /// Paths the file watcher reported.
    Files(Vec<PathBuf>),
    /// A line to show (an unknown command, a watcher error).
    Say(String),
}

/// Which cases a run sends (besides those with no result yet).
enum Which {
    All,
    Failing,
    /// The cases of these pages (display paths).
    Pages(HashSet<String>),
}

pub fn run(given: &Given) -> Result<ExitCode, ConfigError> {
    let config = config::build(given, &Env::process(), super::check::SCOPES)?;
    let secrets = config.settings.secrets();
    panics::known_secrets(secrets.clone());
    let redactor = Arc::new(Redactor::new(secrets));
    let rerun = super::check::rerun(given);
    watch_loop(config, rerun, &redactor).map_err(|e| e.redacted(&redactor))
}

fn watch_loop(
    config: config::Config,
    rerun: report::Rerun,
    redactor: &Arc<Redactor>,
) -> Result<ExitCode, ConfigError> {
    let read = run::read_cases(&config)?;
    if let Some(line) = run::select::nothing_to_check(&config.select, &read.cases) {
        super::emit(redactor, &format!("{}\n", report::visible(&line)));
    }
    let target = match &config.settings.target {
        Some(url) => Some(
            graph_contract::target::Target::parse(url)
                .map_err(graph_contract::error::Error::config)?,
        ),
        None => None,
    };
    let probe = target.as_ref().and_then(|t| {
        let addr = watch::probe_address(t.base())?;
        Some((t.base().as_str().trim_end_matches('/').to_owned(), addr))
    });
    let pages = Pages::new(&config.pages, config.select.clone(), read.cases);
    let (tx, rx) = mpsc::channel::<Input>();
    let _terminal = tty::Cbreak::enable();
    tty::on_signals_and_panics();
    spawn_keys(tx.clone(), _terminal.is_some());
    let (_watcher, problems) = watch_files(&pages, tx.clone());
    drop(tx);
    let mut w = Watch {
        color: report::stdout_color(),
        enforced: super::check::enforced(&config),
        config,
        redactor: redactor.clone(),
        rerun,
        pages,
        previous: Arc::new(Previous::default()),
        session: None,
        dirty: true,
        runs: 0,
        probe,
        waiting: None,
        notes: HashSet::new(),
        pending_warnings: read.warnings,
    };
    for p in problems {
        w.say(&format!("graph-contract: warning: {p}"));
    }
    w.run(Which::All, "start".to_owned());
    let mut changed: Vec<PathBuf> = Vec::new();
    let mut settle: Option<Instant> = None;
    let mut next_probe = Instant::now() + PROBE_EVERY;
    loop {
        let now = Instant::now();
        let mut wake = if w.probe.is_some() {
            next_probe
        } else {
            now + Duration::from_secs(3600)
        };
        if let Some(s) = settle {
            wake = wake.min(s);
        }
        match rx.recv_timeout(wake.saturating_duration_since(now)) {
            Ok(Input::Key(Key::Quit)) | Err(RecvTimeoutError::Disconnected) => break,
            Ok(Input::Key(k)) => w.key(k),
            Ok(Input::Files(paths)) => {
                changed.extend(paths);
                settle = Some(Instant::now() + DEBOUNCE);
            }
            Ok(Input::Say(text)) => w.say(&text),
            Err(RecvTimeoutError::Timeout) => {}
        }
        if settle.is_some_and(|s| Instant::now() >= s) {
            settle = None;
            w.files(std::mem::take(&mut changed));
        }
        if w.probe.is_some() && Instant::now() >= next_probe {
            w.probe_idle();
            next_probe = Instant::now() + PROBE_EVERY;
        }
    }
    Ok(ExitCode::from(run::exit::OK))
}

/// The watch's state between runs.
struct Watch {
    /// How the report files say to re-run one case.
    rerun: report::Rerun,
    config: config::Config,
    redactor: Arc<Redactor>,
    color: bool,
    enforced: Vec<&'static str>,
    pages: Pages,
    /// Every case's last result.
    previous: Arc<Previous>,
    session: Option<Arc<Session>>,
    /// The cases changed since the session was opened.
    dirty: bool,
    runs: usize,
    /// The target as shown, and `host:port` to probe.
    probe: Option<(String, String)>,
    /// Why the target is not answering, while it is not.
    waiting: Option<String>,
    /// The session notes already shown (a session opened again repeats them).
    notes: HashSet<String>,
    /// Reading warnings, told to the first run's listeners.
    pending_warnings: Vec<String>,
}

impl Watch {
    fn say(&self, line: &str) {
        super::emit(&self.redactor, &format!("{line}\n"));
    }

    fn key(&mut self, k: Key) {
        match k {
            Key::Help => self.say(watch::HELP),
            Key::All => self.run(Which::All, "r: every case".to_owned()),
            Key::Failing => self.run(Which::Failing, "f: the failing cases".to_owned()),
            Key::Quit => {}
        }
    }

    /// Pages the watcher reported: read them again, run their cases.
    fn files(&mut self, paths: Vec<PathBuf>) {
        let changes = self.pages.update(&paths);
        let mut moved = Vec::new();
        for c in changes {
            match &c {
                watch::PageChange::Unreadable { page, error } => self.say(&format!(
                    "graph-contract: cannot read {}: {} (its last cases are kept)",
                    report::visible(page),
                    report::visible(error)
                )),
                watch::PageChange::Removed { page, cases } => {
                    self.say(&format!(
                        "{} removed: its {} dropped",
                        report::visible(page),
                        report::count(*cases, "case is", "cases are")
                    ));
                    moved.push(c);
                }
                _ => moved.push(c),
            }
        }
        if moved.is_empty() {
            return;
        }
        self.dirty = true;
        let why = watch::why(&moved);
        if let (Some((shown, _)), Some(reason)) = (&self.probe, &self.waiting) {
            self.say(&format!(
                "{why}: run when target {shown} answers ({reason})"
            ));
            return;
        }
        let pages = moved
            .iter()
            .filter(|c| c.reruns())
            .map(|c| c.page().to_owned())
            .collect();
        self.run(Which::Pages(pages), why);
    }

    /// The idle probe: say when the target stops answering, re-run every
    /// case when it answers again.
    fn probe_idle(&mut self) {
        let Some((shown, addr)) = self.probe.clone() else {
            return;
        };
        match probe(&addr) {
            Ok(()) if self.waiting.is_some() => {
                self.waiting = None;
                self.say(&format!(
                    "target {shown} answers again: re-running every case"
                ));
                self.run(Which::All, "target answers again".to_owned());
            }
            Ok(()) => {}
            Err(why) => self.not_answering(&shown, why),
        }
    }

    fn not_answering(&mut self, shown: &str, why: String) {
        if self.waiting.is_none() {
            self.say(&watch::not_answering(shown, &why));
        }
        self.waiting = Some(why);
    }

    /// The session over the current cases, opened again when they changed;
    /// `None` (said why) when there is none to run.
    fn session(&mut self) -> Option<Arc<Session>> {
        if !self.dirty
            && let Some(s) = &self.session
        {
            return Some(s.clone());
        }
        let cases = self.pages.cases();
        if cases.is_empty() {
            if !self.previous.is_empty() {
                self.say("no case left in the watched pages (every one dropped)");
                self.previous = Arc::new(Previous::default());
            }
            self.say("no case selected in the watched pages: waiting for a page to change");
            self.session = None;
            return None;
        }
        match Session::open(self.config.settings.clone(), Arc::new(cases)) {
            Ok(s) => {
                let s = Arc::new(s);
                for note in s.notes() {
                    if self.notes.insert(note.clone()) {
                        self.say(&format!(
                            "graph-contract: warning: {}",
                            report::visible(note)
                        ));
                    }
                }
                self.session = Some(s.clone());
                self.dirty = false;
                Some(s)
            }
            Err(e) => {
                let e = e.redacted(&self.redactor);
                self.say(&format!(
                    "graph-contract: {}",
                    e.render_from_file(self.color).trim_end()
                ));
                None
            }
        }
    }

    /// One run: the wanted cases (and those with no result yet) sent, the
    /// others kept, finished over the whole selection.
    fn run(&mut self, which: Which, why: String) {
        let start = Instant::now();
        if let Some((shown, addr)) = self.probe.clone() {
            if let Err(reason) = probe(&addr) {
                if self.waiting.is_some() {
                    self.say(&format!(
                        "still waiting for target {shown} ({reason}); re-running when it answers"
                    ));
                }
                self.not_answering(&shown, reason);
                return;
            }
            self.waiting = None;
        }
        let Some(session) = self.session() else {
            return;
        };
        let cases = &session.cases;
        let previous = self.previous.clone();
        let indices = match &which {
            Which::All => watch::to_run(&previous, cases, |_| true),
            Which::Failing => watch::to_run(&previous, cases, |i| previous.failed(&cases[i])),
            Which::Pages(pages) => {
                watch::to_run(&previous, cases, |i| pages.contains(&cases[i].page))
            }
        };
        if matches!(which, Which::Failing) && indices.is_empty() {
            self.say("no failing case to re-run");
            return;
        }
        self.runs += 1;
        let header = Header {
            run: self.runs,
            why,
            clock: clock(),
        };
        let screen = Screen::new(
            super::stdout(&self.redactor),
            header,
            previous.clone(),
            View::of(self.config.details),
            self.color,
        );
        let listeners = Listeners::new(vec![
            Box::new(screen),
            Box::new(
                Files::new(self.config.outputs.clone(), self.redactor.clone())
                    .rerun(self.rerun.clone()),
            ),
        ]);
        session.start(&listeners, indices.len(), 1, 1);
        super::check::warn_insecure(&self.config.settings.send.tls, &listeners);
        for w in std::mem::take(&mut self.pending_warnings) {
            listeners.emit(&Event::Warning(&w));
        }
        let jobs = self.config.settings.send.jobs;
        let fresh = session.run_events(&indices, jobs, &listeners);
        // nothing is held open on the service while the user edits
        session.release_connections();
        let mut merged = watch::merge(&previous, cases, fresh);
        if let Err(e) = session.finish(&listeners, &mut merged, &self.enforced, start.elapsed(), 0)
        {
            let e = e.redacted(&self.redactor);
            self.say(&format!(
                "graph-contract: {}",
                e.render_from_file(self.color).trim_end()
            ));
        }
        self.previous = Arc::new(Previous::of(cases, &merged));
    }
}

/// A TCP connect to `host:port`, a second at most per address.
fn probe(addr: &str) -> Result<(), String> {
    use std::net::ToSocketAddrs as _;
    let addrs = addr
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve its host: {e}"))?;
    let mut last = None;
    for a in addrs {
        match std::net::TcpStream::connect_timeout(&a, PROBE_EVERY) {
            Ok(_) => return Ok(()),
            Err(e) => last = Some(e),
        }
    }
    Err(last.map_or_else(
        || "its host has no address".to_owned(),
        |e| watch::probe_error(&e),
    ))
}

/// The local time, `12:04:31`.
fn clock() -> String {
    // SAFETY: `time` with a null pointer only returns the time;
    // `localtime_r` writes into the `tm` given, which lives on this stack.
    unsafe {
        let now = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&now, &mut tm).is_null() {
            return "--:--:--".to_owned();
        }
        format!("{:02}:{:02}:{:02}", tm.tm_hour, tm.tm_min, tm.tm_sec)
    }
}

/// Keys from standard input, on a thread of their own: single keys on a
/// terminal, one command a line otherwise; end of input quits.
fn spawn_keys(tx: Sender<Input>, terminal: bool) {
    use std::io::{BufRead as _, Read as _};
    // No thread, no keys: the watch still follows the pages; Ctrl-C ends it.
    let _ = std::thread::Builder::new()
        .name("graph-contract-keys".into())
        .spawn(move || {
            let stdin = std::io::stdin();
            if terminal {
                let mut b = [0u8; 1];
                loop {
                    match stdin.lock().read(&mut b) {
                        Ok(0) => break,
                        Ok(_) => {
                            let input = match Key::of_byte(b[0]) {
                                Some(k) => Input::Key(k),
                                None if b[0].is_ascii_graphic() => Input::Say(format!(
                                    "unknown key {:?}: {}",
                                    b[0] as char,
                                    watch::KEY_HINT
                                )),
                                None => continue,
                            };
                            if tx.send(input).is_err() {
                                return;
                            }
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(_) => break,
                    }
                }
            } else {
                for line in stdin.lock().lines() {
                    let Ok(line) = line else { break };
                    let input = match Key::of_line(&line) {
                        Ok(Some(k)) => Input::Key(k),
                        Ok(None) => continue,
                        Err(e) => Input::Say(e),
                    };
                    if tx.send(input).is_err() {
                        return;
                    }
                }
            }
            let _ = tx.send(Input::Key(Key::Quit));
        });
}

/// The file watcher over the pages' roots; what could not be watched.
fn watch_files(
    pages: &Pages,
    tx: Sender<Input>,
) -> (Option<notify::RecommendedWatcher>, Vec<String>) {
    use notify::Watcher as _;
    let said = tx.clone();
    let watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        let input = match res {
            Ok(ev) if matches!(ev.kind, notify::EventKind::Access(_)) => return,
            Ok(ev) => Input::Files(ev.paths),
            Err(e) => Input::Say(format!("graph-contract: warning: file watcher: {e}")),
        };
        let _ = tx.send(input);
    });
    let mut watcher = match watcher {
        Ok(w) => w,
        Err(e) => {
            drop(said);
            return (
                None,
                vec![format!(
                    "cannot watch the pages ({e}): only the keys re-run cases"
                )],
            );
        }
    };
    drop(said);
    let mut problems = Vec::new();
    for (path, recursive) in pages.watched() {
        let mode = if recursive {
            notify::RecursiveMode::Recursive
        } else {
            notify::RecursiveMode::NonRecursive
        };
        if let Err(e) = watcher.watch(&path, mode) {
            problems.push(format!(
                "cannot watch {} ({e}): its pages are not followed",
                path.display()
            ));
        }
    }
    (Some(watcher), problems)
}

/// The terminal's mode: cbreak while watching, the mode it had put back
/// whatever the way out.
mod tty {
    use std::io::IsTerminal as _;
    use std::sync::OnceLock;

    /// The mode standard input had, and the one the watch sets.
    static SAVED: OnceLock<libc::termios> = OnceLock::new();
    static CBREAK: OnceLock<libc::termios> = OnceLock::new();

    /// Standard input in cbreak mode until dropped.
    pub struct Cbreak(());

    impl Cbreak {
        /// `None` when standard input is not a terminal (or its mode
        /// cannot be read or set).
        pub fn enable() -> Option<Cbreak> {
            if !std::io::stdin().is_terminal() {
                return None;
            }
            // SAFETY: tcgetattr/tcsetattr on fd 0 with a termios that lives
            // on this stack (or in a static once set).
            unsafe {
                let mut saved: libc::termios = std::mem::zeroed();
                if libc::tcgetattr(libc::STDIN_FILENO, &mut saved) != 0 {
                    return None;
                }
                let mut cbreak = saved;
                cbreak.c_lflag &= !(libc::ICANON | libc::ECHO);
                cbreak.c_lflag |= libc::ISIG;
                cbreak.c_cc[libc::VMIN] = 1;
                cbreak.c_cc[libc::VTIME] = 0;
                let _ = SAVED.set(saved);
                let _ = CBREAK.set(cbreak);
                if libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &cbreak) != 0 {
                    return None;
                }
            }
            Some(Cbreak(()))
        }
    }

    impl Drop for Cbreak {
        fn drop(&mut self) {
            restore();
        }
    }

    /// Put back the mode standard input had (async-signal-safe).
    pub fn restore() {
        if let Some(t) = SAVED.get() {
            // SAFETY: tcsetattr is async-signal-safe; `t` is a static.
            unsafe {
                libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, t);
            }
        }
    }

    /// Set cbreak mode again (after Ctrl-Z and `fg`).
    fn reapply() {
        if let Some(t) = CBREAK.get() {
            // SAFETY: as in `restore`.
            unsafe {
                libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, t);
            }
        }
    }

    extern "C" fn on_exit_signal(sig: libc::c_int) {
        restore();
        // SAFETY: _exit is async-signal-safe; nothing else runs after it.
        unsafe { libc::_exit(128 + sig) }
    }

    extern "C" fn on_stop(_: libc::c_int) {
        restore();
        // SAFETY: signal and raise are async-signal-safe: stop as the
        // default would, and come back (SIGCONT) to cbreak mode.
        unsafe {
            libc::signal(libc::SIGTSTP, libc::SIG_DFL);
            libc::raise(libc::SIGTSTP);
        }
    }

    extern "C" fn on_continue(_: libc::c_int) {
        handle(libc::SIGTSTP, on_stop);
        reapply();
    }

    fn handle(sig: libc::c_int, f: extern "C" fn(libc::c_int)) {
        // SAFETY: a zeroed sigaction with its handler and an empty mask is
        // a valid argument; the handlers only call async-signal-safe code.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = f as *const () as libc::sighandler_t;
            libc::sigemptyset(&mut sa.sa_mask);
            sa.sa_flags = libc::SA_RESTART;
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }

    /// SIGINT, SIGTERM, SIGQUIT and SIGHUP put the mode back and exit
    /// 128 + the signal (130, 143, 131, 129); a panic
    /// puts it back before its message; Ctrl-Z puts it back while stopped.
    pub fn on_signals_and_panics() {
        handle(libc::SIGINT, on_exit_signal);
        handle(libc::SIGTERM, on_exit_signal);
        handle(libc::SIGQUIT, on_exit_signal);
        handle(libc::SIGHUP, on_exit_signal);
        if SAVED.get().is_some() {
            handle(libc::SIGTSTP, on_stop);
            handle(libc::SIGCONT, on_continue);
        }
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    }
}
