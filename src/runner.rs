//! The event loop: drain input, train in time slices between frames, draw at most
//! ~30 frames per second, and always restore the terminal.

use std::io;
use std::time::{Duration, Instant};

use ratatui::crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event, MouseButton, MouseEventKind,
};
use ratatui::crossterm::execute;
use ratatui::layout::Rect;

use crate::app::keymap::{action_for, from_crossterm};
use crate::app::{App, Budget};
use crate::ui;

/// Time between frames (~30 per second).
const FRAME: Duration = Duration::from_millis(33);
/// How often the loss and diagnosis are recomputed when the scenario logs rarely.
const REFRESH: Duration = Duration::from_millis(500);
/// Training time per frame at full speed: what is left of the frame after drawing.
const SLICE: Duration = Duration::from_millis(25);

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

/// Run the UI until the user quits. `ratatui::init` installs a panic hook that restores
/// the terminal; `restore` runs on the normal and error paths.
pub fn run(app: App) -> io::Result<()> {
    let mut terminal = ratatui::init();
    let result = MouseCapture::enable().and_then(|guard| {
        let r = event_loop(&mut terminal, app);
        drop(guard);
        r
    });
    ratatui::restore();
    result
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
    let Some(run) = &app.run else { return };
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

/// Steps per second over roughly the last second.
struct Rate {
    since: Instant,
    steps: u64,
}

fn event_loop(terminal: &mut ratatui::DefaultTerminal, mut app: App) -> io::Result<()> {
    let mut rate = Rate { since: Instant::now(), steps: 0 };
    let mut last_train = Instant::now();
    let mut next_frame = Instant::now();
    let mut dirty = true;
    let mut last_refresh = Instant::now();
    loop {
        // Wait for input until the next frame is due (or not at all while training flat out).
        let training_flat_out = matches!(app.budget(0.0), Budget::AsManyAsFit);
        let wait = if training_flat_out { Duration::ZERO } else { FRAME };
        if event::poll(wait)? {
            let size = terminal.size()?;
            let area = Rect::new(0, 0, size.width, size.height);
            // Drain everything pending before drawing.
            loop {
                dirty |= handle_event(&mut app, event::read()?, area);
                if app.quit || !event::poll(Duration::ZERO)? {
                    break;
                }
            }
        }
        if app.quit {
            return Ok(());
        }
        let now = Instant::now();
        let elapsed = now.duration_since(last_train).as_secs_f64();
        last_train = now;
        let trained = match app.budget(elapsed) {
            Budget::Nothing => 0,
            Budget::Steps(n) => train_until(&mut app, n, now + SLICE),
            Budget::AsManyAsFit => train_until(&mut app, u64::MAX, now + SLICE),
        };
        rate.steps += trained;
        if last_refresh.elapsed() >= REFRESH {
            app.refresh_if_stale();
            last_refresh = Instant::now();
        }
        dirty |= trained > 0;
        let secs = rate.since.elapsed().as_secs_f64();
        if secs >= 1.0 {
            app.measured_rate = rate.steps as f64 / secs;
            rate = Rate { since: Instant::now(), steps: 0 };
        }
        let now = Instant::now();
        if dirty && (now >= next_frame || trained == 0) {
            terminal.draw(|f| ui::render(&app, f.area(), f.buffer_mut()))?;
            dirty = false;
            next_frame = now + FRAME;
        }
    }
}

/// Train up to `n` steps but stop at `deadline`, checking the clock about every
/// millisecond of work. Returns the steps taken.
fn train_until(app: &mut App, n: u64, deadline: Instant) -> u64 {
    let mut done = 0;
    let mut chunk = 1u64;
    while done < n {
        let started = Instant::now();
        if started >= deadline {
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
    done
}
