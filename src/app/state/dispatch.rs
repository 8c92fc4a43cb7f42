//! Action dispatch: what each key does on the screen it is pressed on.

use std::path::PathBuf;

use super::{App, Screen, View};
use crate::app::action::Action;
use crate::app::keymap::label_of;
use crate::app::knobs::KNOBS;
use crate::app::panels::{Boundary, Panels, SubView};
use crate::app::run::Run;
use crate::bundled;
use crate::load;
use crate::nn::Tensor;

impl App {
    pub fn handle(&mut self, action: Action) {
        self.message = None;
        self.dispatch(action);
        // Whatever the key, the screen it causes shows the run's current state.
        if self.screen == Screen::Single {
            self.update_panels(false);
        }
    }

    fn dispatch(&mut self, action: Action) {
        if action == Action::Suspend {
            self.suspend = true;
            return;
        }
        if let Screen::Menu { selected } = self.screen {
            self.handle_menu(action, selected);
            return;
        }
        if self.help {
            if matches!(action, Action::Help | Action::Back) {
                self.help = false;
            } else if action == Action::Quit {
                self.quit = true;
            }
            return;
        }
        if self.tour_action(action) {
            return;
        }
        if self.knobs.is_some() && self.knob_action(action) {
            return;
        }
        if self.screen == Screen::Compare && self.handle_compare(action) {
            return;
        }
        match action {
            Action::TogglePause => self.toggle_pause(),
            Action::Step => self.step_once(),
            Action::Faster => self.pacing.faster(),
            Action::Slower => self.pacing.slower(),
            Action::Restart => self.restart(None, false),
            Action::RestartFresh => {
                self.fresh = splitmix(self.fresh);
                self.restart(Some(self.fresh % 1_000_000), false);
            }
            Action::ReplayRestart => self.restart(None, true),
            Action::Knobs => self.knobs = Some(0),
            Action::Write => self.write_here(),
            Action::Reload => self.reload(),
            Action::Save => self.save_here(),
            Action::FocusNext => self.view.focus = cycle(self.view.focus, 1),
            Action::FocusPrev => self.view.focus = cycle(self.view.focus, 3),
            Action::Up => self.move_cursor(-1, 0),
            Action::Down => self.move_cursor(1, 0),
            Action::Left => self.move_cursor(0, -1),
            Action::Right => self.move_cursor(0, 1),
            Action::ToggleGrads => self.view.show_grads = !self.view.show_grads,
            Action::ZoomIn => {
                let z = &mut self.view.zoom[self.view.focus as usize];
                *z = (*z + 1).min(12);
            }
            Action::ZoomOut => {
                let z = &mut self.view.zoom[self.view.focus as usize];
                *z = z.saturating_sub(1);
            }
            Action::ToggleSharedScale => self.view.shared_scale = !self.view.shared_scale,
            Action::ToggleMask => self.view.mask = !self.view.mask,
            // Flips what is shown now; from then on the choice sticks.
            Action::ToggleLogY => self.log_y = Some(!self.log_y_on()),
            Action::ToggleInfo => self.info = !self.info,
            Action::Backprop => self.toggle_sub(SubView::Backprop),
            Action::Boundary => self.toggle_sub(SubView::Boundary),
            Action::Ensemble => self.toggle_sub(SubView::Ensemble),
            Action::Network => self.toggle_sub(SubView::Network),
            Action::GradCheck => self.toggle_sub(SubView::GradCheck),
            Action::PrevExample => self.move_example(-1),
            Action::NextExample => self.move_example(1),
            Action::NextUnit => self.next_unit(),
            Action::Help => self.help = true,
            Action::Back => {
                if self.info {
                    self.info = false;
                } else if self.sub.is_some() {
                    self.close_sub();
                } else if self.comparing() {
                    self.screen = Screen::Compare;
                } else if let Some(selected) = self.from_menu.take() {
                    self.runs.clear();
                    self.screen = Screen::Menu { selected };
                } else {
                    self.quit = true;
                }
            }
            Action::Enter | Action::Suspend | Action::NextLesson | Action::PrevLesson | Action::Lessons => {}
            Action::Quit => self.quit = true,
        }
    }

    /// Keys that mean something else in the compare view; returns whether it took the key.
    fn handle_compare(&mut self, action: Action) -> bool {
        let n = self.runs.len();
        match action {
            Action::Left | Action::FocusPrev => self.current = (self.current + n - 1) % n,
            Action::Right | Action::FocusNext => self.current = (self.current + 1) % n,
            Action::Enter => {
                self.screen = Screen::Single;
                self.view = View::default();
                self.close_sub();
            }
            Action::Back => {
                if self.info {
                    self.info = false;
                } else {
                    self.quit = true;
                }
            }
            Action::Up
            | Action::Down
            | Action::ToggleGrads
            | Action::ZoomIn
            | Action::ZoomOut
            | Action::ToggleMask => {}
            Action::Backprop
            | Action::Boundary
            | Action::Ensemble
            | Action::GradCheck
            | Action::Network
            | Action::PrevExample
            | Action::NextExample
            | Action::NextUnit => {
                self.message = Some("Enter opens the selected run; b, d, e, G and v work there".to_string());
            }
            _ => return false,
        }
        true
    }

    fn handle_menu(&mut self, action: Action, selected: usize) {
        let n = self.menu.len().max(1);
        match action {
            Action::Up => self.screen = Screen::Menu { selected: (selected + n - 1) % n },
            Action::Down => self.screen = Screen::Menu { selected: (selected + 1) % n },
            Action::Enter => {
                let (name, _) = bundled::BUNDLED[selected];
                match load::load(name, self.overrides.seed) {
                    Ok(loaded) => {
                        self.paused = self.overrides.paused;
                        self.open(loaded);
                        self.from_menu = Some(selected);
                    }
                    Err(e) => self.message = Some(e.to_string()),
                }
            }
            Action::Help => self.help = !self.help,
            Action::Quit | Action::Back => self.quit = true,
            _ => {}
        }
    }

    fn toggle_pause(&mut self) {
        if let Some(s) = self.run().and_then(|r| r.trainer.diverged).filter(|_| !self.comparing()) {
            self.message = Some(format!("diverged at step {s}: r restarts"));
            return;
        }
        if self.all_done() {
            // Resume past train.steps (diverged runs stay where they stopped).
            for run in &mut self.runs {
                run.stop_at = None;
            }
            self.paused = false;
        } else {
            self.paused = !self.paused;
        }
    }

    fn step_once(&mut self) {
        let diverged = self.run().and_then(|r| r.trainer.diverged).filter(|_| !self.comparing());
        if let Some(s) = diverged {
            self.message = Some(format!("diverged at step {s}: r restarts"));
            return;
        }
        if !self.paused && !self.all_done() {
            self.message =
                Some(format!("pause first ({}), then n steps once", label_of(Action::TogglePause)));
            return;
        }
        // Stepping past the end keeps the run paused: one step, not a resumed run.
        self.paused = true;
        for run in &mut self.runs {
            if run.done() && run.trainer.diverged.is_none() {
                run.stop_at = None;
            }
            run.step(self.background);
            // A single step always shows its effect: refresh unless the step already did.
            if run.metrics.step != run.trainer.step {
                run.refresh_now_or_in_background(self.background);
            }
        }
        self.update_panels(true);
        self.observe_tour();
    }

    /// Every run back to step 0; with a seed, that seed for init, batches and dropout
    /// of every run (the same for all, so the comparison stays fair). The scenario's own
    /// settings, or with `replay` its schedule with the live changes in it.
    fn restart(&mut self, seed: Option<u64>, replay: bool) {
        let mut dropped = 0;
        for i in 0..self.runs.len() {
            let mut loaded = self.runs[i].loaded.clone();
            if let Some(s) = seed {
                loaded.scenario.init.seed = s;
                loaded.scenario.train.seed = s;
                loaded.scenario.dropout.seed = s;
            }
            let live = self.runs[i].trainer.scenario.schedule.clone();
            dropped += usize::from(self.runs[i].departs());
            let stop = self.stop_at(&loaded);
            self.runs[i] = if replay {
                let mut with_live = loaded.clone();
                with_live.scenario.schedule = live;
                let mut run = Run::start(with_live, stop, self.background);
                run.loaded = loaded;
                run
            } else {
                Run::start(loaded, stop, self.background)
            };
        }
        self.pacing.forget_credit();
        self.update_panels(true);
        self.tour_restarted();
        let mut msg = match seed {
            Some(s) => format!("restarted with fresh seed {s} (init, batches, dropout; same data)"),
            None => "restarted from step 0 with the same seeds".to_string(),
        };
        if replay {
            msg.push_str(", replaying the live changes at their steps");
        } else if dropped > 0 {
            msg.push_str(&format!(
                "; the live changes were dropped ({} replays them)",
                label_of(Action::ReplayRestart)
            ));
        }
        self.message = Some(msg);
    }

    /// The keys of the open knobs panel: Up/Down choose a row, Right/Left move its value,
    /// `c` or Esc close it. Returns whether it took the key (every other key keeps its
    /// meaning).
    fn knob_action(&mut self, action: Action) -> bool {
        let Some(row) = self.knobs else { return false };
        let n = KNOBS.len();
        match action {
            Action::Up => self.knobs = Some((row + n - 1) % n),
            Action::Down => self.knobs = Some((row + 1) % n),
            Action::Right | Action::Left => {
                let Some(run) = self.runs.get_mut(self.current) else { return true };
                if let Some(s) = run.trainer.diverged {
                    self.message = Some(format!("diverged at step {s}: no update follows (r restarts)"));
                    return true;
                }
                let knob = KNOBS[row];
                let s = knob.nudge(&run.trainer.settings(), action == Action::Right);
                run.trainer.change_settings(&s);
                self.message = Some(format!(
                    "{} {} from the update after step {} on",
                    knob.name(),
                    knob.value(&s),
                    run.trainer.step
                ));
            }
            Action::Knobs | Action::Back => self.knobs = None,
            _ => return false,
        }
        true
    }

    /// `w`: the shown run as a scenario file in the current folder (see [`crate::live`]).
    fn write_here(&mut self) {
        let dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let Some(run) = self.run() else { return };
        self.message = Some(match crate::live::write(&dir, &run.loaded, &run.trainer) {
            Ok((path, changes)) => format!(
                "wrote {} ({changes} schedule entries; nnviz --headless --steps N replays it)",
                path.display()
            ),
            Err(e) => format!("could not write, nothing written: {e}"),
        });
    }

    /// `o`: read every run's scenario from disk again and restart it; an error is shown and
    /// the runs stay as they are.
    fn reload(&mut self) {
        if self.from_sweep {
            self.message = Some(
                "not reloaded: these runs are a sweep's variants (--sweep); start nnviz again to read the file"
                    .to_owned(),
            );
            return;
        }
        let mut fresh = Vec::with_capacity(self.runs.len());
        let dropped = self.runs.iter().any(Run::departs);
        for run in &self.runs {
            match load::load(&run.loaded.file, self.overrides.seed) {
                Ok(l) => fresh.push(l),
                Err(e) => {
                    self.message = Some(format!("not reloaded: {e}"));
                    return;
                }
            }
        }
        for (i, l) in fresh.into_iter().enumerate() {
            let stop = self.stop_at(&l);
            self.runs[i] = Run::start(l, stop, self.background);
        }
        self.pacing.forget_credit();
        self.update_panels(true);
        self.tour_restarted();
        self.message = Some(if dropped {
            "reloaded from disk and restarted at step 0; the live changes were dropped".to_owned()
        } else {
            "reloaded from disk and restarted at step 0".to_owned()
        });
    }

    /// Open a sub-view (computing what it shows), or close it when it is the open one.
    fn toggle_sub(&mut self, v: SubView) {
        if self.sub == Some(v) {
            self.close_sub();
        } else {
            self.sub = Some(v);
            self.panels = Panels::default();
            self.update_panels(true);
        }
    }

    /// `[` / `]`: another example of the batch, within its bounds.
    fn move_example(&mut self, by: isize) {
        match self.sub {
            Some(SubView::Backprop) => {
                if let Some(b) = &mut self.panels.backprop {
                    b.select(self.example.saturating_add_signed(by));
                    self.example = b.example;
                }
            }
            Some(SubView::Network) => {
                self.example = self.example.saturating_add_signed(by);
                self.update_panels(true);
            }
            Some(SubView::Boundary) if matches!(self.panels.boundary, Some(Boundary::Images(_))) => {
                self.example = self.example.saturating_add_signed(by);
                self.update_panels(true);
            }
            _ => {
                self.message = Some(format!(
                    "[ and ] pick the example in the backprop view ({}), the network diagram ({}) and on 8×8 images in {}",
                    label_of(Action::Backprop),
                    label_of(Action::Network),
                    label_of(Action::Boundary)
                ));
            }
        }
    }

    /// `u` in the boundary view on 2-D inputs: predicted class → hidden unit 0 → … → the
    /// last unit → predicted class.
    fn next_unit(&mut self) {
        let m = self.run().map_or(0, |r| r.trainer.params.hidden());
        if self.sub == Some(SubView::Boundary) && matches!(self.panels.boundary, Some(Boundary::Plane(_))) {
            self.unit = match self.unit {
                None if m > 0 => Some(0),
                Some(j) if j + 1 < m => Some(j + 1),
                _ => None,
            };
            self.update_panels(true);
        } else {
            self.message = Some(format!(
                "{} cycles the hidden units in the boundary view ({}) of 2-D data",
                label_of(Action::NextUnit),
                label_of(Action::Boundary)
            ));
        }
    }

    fn move_cursor(&mut self, dr: isize, dc: isize) {
        let Some(run) = self.run() else { return };
        let t = self.view.focus;
        let (rows, cols) = run.shape(t);
        let (r, c) = self.view.cursor[t as usize];
        let clamp = |v: usize, d: isize, n: usize| v.saturating_add_signed(d).min(n.saturating_sub(1));
        self.view.cursor[t as usize] = (clamp(r, dr, rows), clamp(c, dc, cols));
    }

    /// Put the cursor on an element (mouse click).
    pub fn select(&mut self, t: Tensor, element: (usize, usize)) {
        self.view.focus = t;
        self.view.cursor[t as usize] = element;
    }

    fn save_here(&mut self) {
        let dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        self.message = Some(match self.save(&dir) {
            Ok((json, csv)) => format!("saved {} and {}", json.display(), csv.display()),
            Err(e) => format!("could not save, nothing written: {e}"),
        });
    }
}

fn cycle(t: Tensor, by: usize) -> Tensor {
    Tensor::ALL[(t as usize + by) % 4]
}

/// One step of SplitMix64: fresh seeds that differ from run to run of `R`.
fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
