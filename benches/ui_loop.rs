//! The UI's event loop at full speed, driven with scripted keys into a TestBackend:
//! steps per second against headless training of the same scenario in the same run,
//! and the time from a key press to the redraw that shows it.
//!
//! `cargo bench --bench ui_loop` prints the figures; nothing is asserted.

use std::io;
use std::time::{Duration, Instant};

use nnviz::app::{App, Overrides};
use nnviz::runner::{Events, event_loop};
use nnviz::theme::ColorMode;
use nnviz::train::Trainer;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

/// Keys due at fixed times; records when each was read.
struct Script {
    start: Instant,
    keys: Vec<(Duration, KeyCode)>,
    next: usize,
    read_at: Vec<(Instant, Instant)>,
}

impl Events for Script {
    fn poll(&mut self, timeout: Duration) -> io::Result<bool> {
        let due = |s: &Script| s.keys.get(s.next).is_some_and(|(at, _)| s.start + *at <= Instant::now());
        if due(self) {
            return Ok(true);
        }
        let until = Instant::now() + timeout;
        while Instant::now() < until {
            if due(self) {
                return Ok(true);
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        Ok(due(self))
    }

    fn read(&mut self) -> io::Result<Event> {
        let (at, code) = self.keys[self.next];
        self.next += 1;
        self.read_at.push((self.start + at, Instant::now()));
        Ok(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    }
}

fn figures(name: &str, seconds: f64) {
    let loaded = nnviz::load::load(name, None).expect("workload loads");
    let steps_override = Some(u64::MAX / 2);

    // Headless: the trainer alone, logging as the scenario says, for the same time.
    let mut t = Trainer::from_loaded(&loaded);
    let start = Instant::now();
    let mut steps = 0u64;
    while start.elapsed().as_secs_f64() < seconds {
        t.step();
        steps += 1;
        if t.step.is_multiple_of(loaded.scenario.train.log_every) {
            t.metrics();
        }
    }
    let headless = steps as f64 / start.elapsed().as_secs_f64();

    // The UI loop at max speed, with a key every 250 ms (Tab and arrows: no pause).
    let mut app = App::new(ColorMode::TrueColor)
        .with_overrides(Overrides { steps: steps_override, ..Overrides::default() });
    app.open(loaded);
    app.set_speed(nnviz::app::pacing::SPEEDS.len() - 1);
    let codes = [KeyCode::Tab, KeyCode::Down, KeyCode::Right, KeyCode::BackTab];
    let keys: Vec<(Duration, KeyCode)> = (1..(seconds * 4.0) as u64)
        .map(|i| (Duration::from_millis(250 * i), codes[i as usize % 4]))
        .collect();
    let mut script = Script { start: Instant::now(), keys, next: 0, read_at: Vec::new() };
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test backend");
    let until = script.start + Duration::from_secs_f64(seconds);
    let stats = event_loop(&mut terminal, &mut script, app, Some(until)).expect("loop runs");
    let ui = stats.steps as f64 / seconds;
    let latencies: Vec<f64> = script
        .read_at
        .iter()
        .filter_map(|(due, read)| {
            stats.draws.iter().find(|d| *d >= read).map(|d| (*d - *due).as_secs_f64() * 1e3)
        })
        .collect();
    let max = latencies.iter().copied().fold(0.0, f64::max);
    let mean = latencies.iter().sum::<f64>() / latencies.len().max(1) as f64;
    println!(
        "{name:<8} headless {headless:>9.0} steps/s   UI {ui:>9.0} steps/s ({:.0}%)   {} frames   key→redraw mean {mean:.1} ms, max {max:.1} ms ({} keys)",
        100.0 * ui / headless,
        stats.frames,
        latencies.len()
    );
}

/// A key held down (auto-repeat every 30 ms) at a finite speed: training must go on at
/// that speed, the key presses being drawn between steps.
fn held_key(name: &str, seconds: f64) {
    let loaded = nnviz::load::load(name, None).expect("workload loads");
    let mut app = App::new(ColorMode::TrueColor)
        .with_overrides(Overrides { steps: Some(u64::MAX / 2), ..Overrides::default() });
    app.open(loaded);
    // zero_w2 opens paused at step 0 (`[ui] paused`); this measures the loop training.
    app.paused = false;
    let speed =
        nnviz::app::pacing::SPEEDS.iter().position(|s| *s == Some(100)).expect("100 steps/s is a speed");
    app.set_speed(speed);
    let keys: Vec<(Duration, KeyCode)> = (1..(seconds * 1000.0 / 30.0) as u64)
        .map(|i| (Duration::from_millis(30 * i), KeyCode::Tab))
        .collect();
    let mut script = Script { start: Instant::now(), keys, next: 0, read_at: Vec::new() };
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test backend");
    let until = script.start + Duration::from_secs_f64(seconds);
    let stats = event_loop(&mut terminal, &mut script, app, Some(until)).expect("loop runs");
    println!(
        "{name:<8} 100 steps/s with a key held (every 30 ms): {:.0} steps/s, {} keys",
        stats.steps as f64 / seconds,
        script.read_at.len()
    );
}

fn main() {
    // `cargo test` runs benches with --bench absent; keep that quick.
    let quick = !std::env::args().any(|a| a == "--bench");
    let seconds = if quick { 0.3 } else { 4.0 };
    for w in ["benches/workloads/tiny.toml", "benches/workloads/digits.toml", "benches/workloads/wide.toml"] {
        figures(w, seconds);
    }
    held_key("zero_w2", seconds.max(1.0));
}
