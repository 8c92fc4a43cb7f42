//! Metric history with bounded memory: when full, every other point is dropped and
//! points are recorded half as often from then on, so hours of training keep memory flat.

use super::Metrics;

/// One logged point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub step: u64,
    pub train_loss: Option<f64>,
    pub val_loss: Option<f64>,
    pub train_acc: Option<f64>,
    pub val_acc: Option<f64>,
}

impl From<&Metrics> for Point {
    fn from(m: &Metrics) -> Self {
        Point {
            step: m.step,
            train_loss: m.train.map(|e| e.loss),
            val_loss: m.val.map(|e| e.loss),
            train_acc: m.train.map(|e| e.acc),
            val_acc: m.val.map(|e| e.acc),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct History {
    points: Vec<Point>,
    capacity: usize,
    /// Record every `every` steps: the scenario's log_every, doubled at each thinning.
    every: u64,
    log_every: u64,
}

impl History {
    /// `capacity` ≥ 4 points; `every` is the scenario's `log_every`.
    pub fn new(capacity: usize, every: u64) -> Self {
        let every = every.max(1);
        History { points: Vec::with_capacity(capacity), capacity: capacity.max(4), every, log_every: every }
    }

    /// Whether a point is due at `step` (step 0 always is).
    pub fn due(&self, step: u64) -> bool {
        step.is_multiple_of(self.every)
    }

    /// The current recording interval in steps.
    pub fn every(&self) -> u64 {
        self.every
    }

    /// Whether old points were dropped to stay within the capacity.
    pub fn downsampled(&self) -> bool {
        self.every > self.log_every
    }

    pub fn push(&mut self, p: Point) {
        if self.points.last().is_some_and(|l| l.step == p.step) {
            self.points.pop();
        }
        if self.points.len() == self.capacity {
            // Keep points at even positions (step 0 stays) and log half as often.
            let mut i = 0;
            self.points.retain(|_| {
                i += 1;
                i % 2 == 1
            });
            self.every *= 2;
        }
        self.points.push(p);
    }

    pub fn points(&self) -> &[Point] {
        &self.points
    }

    /// (step, value) of every point where `value` is finite, for a chart.
    pub fn series(&self, value: fn(&Point) -> Option<f64>) -> Vec<(f64, f64)> {
        self.points
            .iter()
            .filter_map(|p| value(p).filter(|v| v.is_finite()).map(|v| (p.step as f64, v)))
            .collect()
    }

    /// max / min of the finite positive losses (training and validation) logged: how
    /// many orders of magnitude a loss chart has to show. `None` with nothing to plot.
    pub fn loss_ratio(&self) -> Option<f64> {
        let (lo, hi) = self
            .points
            .iter()
            .flat_map(|p| [p.train_loss, p.val_loss])
            .flatten()
            .filter(|v| v.is_finite() && *v > 0.0)
            .fold((f64::INFINITY, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
        (hi > 0.0).then(|| hi / lo)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(step: u64) -> Point {
        Point { step, train_loss: Some(1.0), val_loss: None, train_acc: None, val_acc: None }
    }

    #[test]
    fn memory_stays_bounded_and_step_zero_stays() {
        let mut h = History::new(8, 10);
        for step in 0..10_000 {
            if h.due(step) {
                h.push(point(step));
            }
        }
        assert!(h.points().len() <= 8);
        assert_eq!(h.points()[0].step, 0);
        assert!(h.downsampled());
        assert!(h.points().windows(2).all(|w| w[0].step < w[1].step));
    }

    #[test]
    fn loss_ratio_spans_train_and_val_and_skips_what_cannot_be_plotted() {
        let mut h = History::new(8, 1);
        assert_eq!(h.loss_ratio(), None);
        h.push(Point {
            step: 0,
            train_loss: Some(2.0),
            val_loss: Some(f64::NAN),
            train_acc: None,
            val_acc: None,
        });
        h.push(Point { step: 1, train_loss: Some(0.0), val_loss: Some(0.1), train_acc: None, val_acc: None });
        assert_eq!(h.loss_ratio(), Some(20.0));
    }

    #[test]
    fn same_step_replaces() {
        let mut h = History::new(8, 1);
        h.push(point(3));
        h.push(point(3));
        assert_eq!(h.points().len(), 1);
        assert!(!h.downsampled());
    }
}
