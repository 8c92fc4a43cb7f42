//! The event loop: drain input, train in time slices between frames, draw at most
//! ~30 frames per second, and always restore the terminal.
//!
//! The loop is generic over the terminal backend and the event source, so benchmarks
//! drive it with a `TestBackend` and scripted keys.

use std::io;
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::crossterm::cursor::{Hide, Show};
use ratatui::crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event, MouseButton, MouseEventKind,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::layout::Rect;

use crate::app::keymap::{action_for, from_crossterm};
use crate::app::{App, Budget};
use crate::signals::Signals;
use crate::ui;

/// Time between frames (~30 per second).
pub const FRAME: Duration = Duration::from_millis(33);
/// How often the loss and diagnosis are recomputed when the scenario logs rarely.
const REFRESH: Duration = Duration::from_millis(500);

/// Where terminal events come from.
pub trait Events {
    /// Whether an event is ready within `timeout`.
    fn poll(&mut self, timeout: Duration) -> io::Result<bool>;
    fn read(&mut self) -> io::Result<Event>;
    /// A signal that ends the program (its number), once received.
    fn ended(&mut self) -> Option<i32> {
        None
    }
    /// Whether a TSTP arrived since the last call.
    fn stop_requested(&mut self) -> bool {
        false
    }
    /// Give the terminal back, stop until continued, then take it again.
    fn suspend(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The real terminal's events, and the signals sent to the process.
pub struct Crossterm {
    pub signals: Signals,
}

impl Events for Crossterm {
    fn poll(&mut self, timeout: Duration) -> io::Result<bool> {
        event::poll(timeout)
    }
    fn read(&mut self) -> io::Result<Event> {
        event::read()
    }
    fn ended(&mut self) -> Option<i32> {
        self.signals.ended()
    }
    fn stop_requested(&mut self) -> bool {
        self.signals.take_stop()
    }
    fn suspend(&mut self) -> io::Result<()> {
        give_back()?;
        crate::signals::stop_self()?;
        take()
    }
}

/// The terminal as the UI uses it: raw mode, the alternate screen, no cursor, mouse capture.
fn take() -> io::Result<()> {
    terminal::enable_raw_mode()?;
    execute!(io::stdout(), EnterAlternateScreen, EnableMouseCapture, Hide)
}

/// The terminal as the shell had it: raw mode off, the main screen, the cursor shown, no
/// mouse capture.
fn give_back() -> io::Result<()> {
    let screen = execute!(io::stdout(), DisableMouseCapture, LeaveAlternateScreen, Show);
    terminal::disable_raw_mode()?;
    screen
}

/// Mouse capture is not undone by `ratatui::restore()`: this guard undoes it on every
/// exit path, panics included.
struct MouseCapture;

impl MouseCapture {
    fn enable() -> io::Result<Self> {
        execute!(io::stdout(), EnableMouseCapture)?;
        Ok(MouseCapture)
    }
}

impl Drop for MouseCapture {
    fn drop(&mut self) {
        let _ = execute!(io::stdout(), DisableMouseCapture);
    }
}

/// Run the UI until the user quits or a signal ends it; returns that signal's number.
/// `ratatui::init` installs a panic hook that restores the terminal; the terminal is given
/// back on the normal, error and signal paths. TERM, INT, HUP and QUIT are noted (not
/// acted on at once), so the loop ends at its next turn, within a frame.
pub fn run(app: App) -> io::Result<Option<i32>> {
    let signals = Signals::install(&Signals::ending(), true)?;
    watchdog(signals.clone());
    let mut terminal = ratatui::init();
    let result = MouseCapture::enable().and_then(|guard| {
        let r = event_loop(&mut terminal, &mut Crossterm { signals }, app, None);
        drop(guard);
        r
    });
    ratatui::restore();
    let _ = execute!(io::stdout(), Show);
    result.map(|stats| stats.signal)
}

/// The loop acts on an ending signal within a frame, unless it is stuck inside the terminal
/// library (reading a terminal that hung up spins there). Past a second, this thread gives the
/// terminal back itself and exits with the signal's status.
fn watchdog(signals: Signals) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_millis(50));
            if let Some(sig) = signals.ended() {
                std::thread::sleep(Duration::from_secs(1));
                let _ = give_back();
                std::process::exit(128 + sig);
            }
        }
    });
}

/// Feed one terminal event to the app; returns whether the screen should be redrawn.
pub fn handle_event(app: &mut App, ev: Event, size: Rect) -> bool {
    match ev {
        Event::Key(k) if k.is_press() => {
            if let Some(action) = from_crossterm(k).and_then(action_for) {
                app.handle(action);
            }
            true
        }
        Event::Mouse(m) if m.kind == MouseEventKind::Down(MouseButton::Left) => {
            click(app, m.column, m.row, size);
            true
        }
        Event::Resize(..) => true,
        _ => false,
    }
}

/// A click on a heatmap selects the element under it.
pub fn click(app: &mut App, x: u16, y: u16, size: Rect) {
    let Some(run) = app.run() else { return };
    let Some(areas) = ui::layout::areas(size, app) else { return };
    let hit = areas.maps.iter().find(|m| m.inner.contains(ratatui::layout::Position { x, y }));
    let Some(m) = hit else { return };
    let (rows, cols) = run.shape(m.tensor);
    let t = m.tensor as usize;
    let g =
        ui::heatmap::geometry(rows, cols, m.inner, app.view.zoom[t], Some(app.view.cursor[t]), app.colors);
    if let Some(e) = g.element_at(x, y) {
        app.select(m.tensor, e);
    }
}

/// What a run of the loop did, for benchmarks.
#[derive(Clone, Debug, Default)]
pub struct LoopStats {
    pub steps: u64,
    pub frames: u64,
    /// When each frame finished drawing (recorded only for runs with an end time, so
    /// the interactive loop keeps memory flat).
    pub draws: Vec<Instant>,
    /// The signal that ended the loop, if one did.
    pub signal: Option<i32>,
}

/// The loop itself. With `until`, it also stops at that time (benchmarks); it always
/// stops when the app quits.
pub fn event_loop<B: Backend>(
    terminal: &mut Terminal<B>,
    events: &mut impl Events,
    mut app: App,
    until: Option<Instant>,
) -> io::Result<LoopStats>
where
    B::Error: Send + Sync + 'static,
{
    app.evaluate_in_background();
    let mut stats = LoopStats::default();
    let mut rate_since = Instant::now();
    let mut rate_steps = 0u64;
    let mut last_train = Instant::now();
    let mut last_refresh = Instant::now();
    let mut next_frame = Instant::now();
    let mut dirty = true;
    loop {
        // While training flat out, only look for input; otherwise wait for it up to a frame.
        let wait = Duration::from_secs_f64(app.wait_hint(FRAME.as_secs_f64()));
        let mut input = false;
        if events.poll(wait)? {
            let size = terminal.size().map_err(io::Error::other)?;
            let area = Rect::new(0, 0, size.width, size.height);
            // Drain everything pending before drawing.
            loop {
                input |= handle_event(&mut app, events.read()?, area);
                if app.quit || !events.poll(Duration::ZERO)? {
                    break;
                }
            }
        }
        if let Some(sig) = events.ended() {
            stats.signal = Some(sig);
            return Ok(stats);
        }
        if app.suspend || events.stop_requested() {
            app.suspend = false;
            events.suspend()?;
            // Whatever the shell drew meanwhile is gone: draw every cell again.
            terminal.clear().map_err(io::Error::other)?;
            dirty = true;
            last_train = Instant::now();
        }
        let now = Instant::now();
        if app.quit || until.is_some_and(|u| now >= u) {
            return Ok(stats);
        }
        // Input is shown at once; otherwise train until the next frame is due, stopping
        // early when a key arrives. Time spent on input is still owed at a finite speed.
        let budget = if input {
            Budget::Nothing
        } else {
            let elapsed = now.duration_since(last_train).as_secs_f64();
            last_train = now;
            app.budget(elapsed)
        };
        let deadline = next_frame.max(now + Duration::from_millis(1));
        let trained = match budget {
            Budget::Nothing => 0,
            Budget::Steps(n) => {
                // A finite speed may use most of a frame; what does not fit is owed.
                let done = train_until(&mut app, n, now + FRAME * 3 / 4, events)?;
                app.refund(n - done);
                done
            }
            Budget::AsManyAsFit => train_until(&mut app, u64::MAX, deadline, events)?,
        };
        dirty |= input;
        stats.steps += trained;
        rate_steps += trained;
        dirty |= trained > 0;
        if last_refresh.elapsed() >= REFRESH {
            app.refresh_stale_in_background();
            last_refresh = Instant::now();
        }
        dirty |= app.collect();
        let secs = rate_since.elapsed().as_secs_f64();
        if secs >= 1.0 {
            app.measured_rate = rate_steps as f64 / secs;
            rate_since = Instant::now();
            rate_steps = 0;
        }
        let now = Instant::now();
        if dirty && (input || now >= next_frame || trained == 0) {
            app.update_scales();
            terminal.draw(|f| ui::render(&app, f.area(), f.buffer_mut())).map_err(io::Error::other)?;
            dirty = false;
            stats.frames += 1;
            if until.is_some() {
                stats.draws.push(Instant::now());
            }
            next_frame = now + FRAME;
        }
    }
}

/// Train up to `n` steps but stop at `deadline` or when input is waiting, checking
/// both about every millisecond of work. Returns the steps taken.
fn train_until(app: &mut App, n: u64, deadline: Instant, events: &mut impl Events) -> io::Result<u64> {
    let mut done = 0;
    let mut chunk = 1u64;
    while done < n {
        let started = Instant::now();
        if started >= deadline || events.poll(Duration::ZERO)? {
            break;
        }
        let k = chunk.min(n - done);
        let took = app.train(k);
        done += took;
        if took < k {
            break;
        }
        // Size the next chunk to about a millisecond.
        let per_step = started.elapsed().as_secs_f64() / k as f64;
        chunk = ((1e-3 / per_step.max(1e-9)) as u64).clamp(1, 4096);
    }
    Ok(done)
}
