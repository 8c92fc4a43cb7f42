//! How fast the app trains: the chosen speed, the steps owed at it, and when the live
//! views are due. The clock stays outside: the runner reports the time that passed.

/// Training speeds in steps per second; `None` is as fast as possible.
pub const SPEEDS: &[Option<u32>] = &[
    Some(1),
    Some(2),
    Some(5),
    Some(10),
    Some(20),
    Some(50),
    Some(100),
    Some(200),
    Some(500),
    Some(1000),
    Some(2000),
    Some(5000),
    None,
];

/// Up to this speed (steps/s) an open backprop or boundary view is recomputed after
/// every step; faster, every [`LIVE_PERIOD`] and at the runner's refreshes.
const FOLLOW_EVERY_STEP: u32 = 20;
/// Faster than that, seconds between updates of an open backprop or boundary view.
const LIVE_PERIOD: f64 = 0.1;

/// What to train next: the runner decides how much time that may take.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Budget {
    Nothing,
    /// A number of steps (finite speed).
    Steps(u64),
    /// As many as fit in the time slice.
    AsManyAsFit,
}

/// The speed chosen with `+` and `-`, and what keeps it on average.
#[derive(Clone, Debug)]
pub struct Pacing {
    /// An index into [`SPEEDS`].
    speed: usize,
    /// Fractional steps owed at a finite speed.
    credit: f64,
    /// Seconds (as the runner reports them to `budget`) since the live views were updated.
    since_panels: f64,
}

impl Default for Pacing {
    fn default() -> Self {
        Pacing { speed: SPEEDS.len() - 4, credit: 0.0, since_panels: 0.0 }
    }
}

impl Pacing {
    /// Steps per second; `None` is as fast as possible.
    fn rate(&self) -> Option<u32> {
        SPEEDS[self.speed]
    }

    /// Choose the speed `SPEEDS[index]`.
    pub fn set_speed(&mut self, index: usize) {
        self.speed = index;
    }

    pub fn faster(&mut self) {
        self.speed = (self.speed + 1).min(SPEEDS.len() - 1);
    }

    pub fn slower(&mut self) {
        self.speed = self.speed.saturating_sub(1);
    }

    pub fn label(&self) -> String {
        match self.rate() {
            Some(1) => "1 step/s".to_string(),
            Some(n) => format!("{n} steps/s"),
            None => "max speed".to_string(),
        }
    }

    /// Nothing is owed any more (new runs, a restart).
    pub fn forget_credit(&mut self) {
        self.credit = 0.0;
    }

    /// How long the loop may wait for input before the next step is owed: a frame when
    /// nothing trains, less at a finite speed.
    pub fn wait_hint(&self, training: bool, frame: f64) -> f64 {
        match self.rate() {
            Some(rate) if training => ((1.0 - self.credit).max(0.0) / f64::from(rate)).min(frame),
            None if training => 0.0,
            _ => frame,
        }
    }

    /// How much to train given the time since the last call.
    pub fn budget(&mut self, training: bool, elapsed_secs: f64) -> Budget {
        self.since_panels += elapsed_secs;
        if !training {
            self.credit = 0.0;
            return Budget::Nothing;
        }
        match self.rate() {
            None => Budget::AsManyAsFit,
            Some(rate) => {
                // At most a tenth of a second is caught up at once, so a stall
                // does not turn into a burst.
                self.credit =
                    (self.credit + elapsed_secs * f64::from(rate)).min(f64::from(rate) / 10.0 + 1.0);
                let steps = self.credit.floor();
                self.credit -= steps;
                if steps >= 1.0 { Budget::Steps(steps as u64) } else { Budget::Nothing }
            }
        }
    }

    /// Give back steps a budget granted but the time slice did not fit, so a finite
    /// speed is kept on average.
    pub fn refund(&mut self, steps: u64) {
        if let Some(rate) = self.rate() {
            self.credit = (self.credit + steps as f64).min(f64::from(rate) / 10.0 + 1.0);
        }
    }

    /// Whether an open backprop or boundary view is due after training: at a readable
    /// speed after every step; faster, about ten times a second.
    pub fn live_views_due(&self) -> bool {
        self.rate().is_some_and(|r| r <= FOLLOW_EVERY_STEP) || self.since_panels >= LIVE_PERIOD
    }

    /// The live views have just been updated.
    pub fn live_views_updated(&mut self) {
        self.since_panels = 0.0;
    }
}
