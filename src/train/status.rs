//! Whether each tensor is moving, waiting, stalled or frozen for good, decided from the
//! values at the moment of asking.
//!
//! "Frozen" is a claim about every later step, so it needs a proof: the tensor's gradient is
//! exactly 0 on every training example for a reason that cannot go away, because everything
//! the reason rests on is itself frozen. A reason that can go away (a random mask, ŷ = y,
//! L1 holding a weight at 0, underflow, terms that cancel) only ever makes a tensor
//! `waiting` or `stalled`.

use crate::nn::Tensor;

/// One tensor's state, as in the JSON `status`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Status {
    /// Step 0: nothing has been computed.
    #[default]
    NotStepped,
    /// Changed at some step.
    Moving,
    /// Never changed, and provably never will.
    Frozen,
    /// Never changed, not frozen, and the next step changes it.
    Waiting,
    /// Never changed, not frozen, and the next step does not change it either.
    Stalled,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::NotStepped => "not_stepped",
            Status::Moving => "moving",
            Status::Frozen => "frozen",
            Status::Waiting => "waiting",
            Status::Stalled => "stalled",
        }
    }
}

/// A reason that holds on the whole training split for as long as what it rests on does not
/// change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lasting {
    /// The fixed mask drops every hidden unit.
    Dropped,
    /// The fixed mask drops every input, so x̃ = 0 (W1).
    InputsDropped,
    /// relu′(z1) = 0 for every kept unit on every training example (W1, b1).
    ReluDead,
    /// h̃ = 0 on every training example (W2).
    HZero,
    /// W2 = 0 on every kept hidden unit, so g = 0 (W1, b1).
    W2Zero,
}

impl Lasting {
    /// The `why_code` this reason corresponds to.
    pub fn code(self) -> &'static str {
        match self {
            Lasting::Dropped | Lasting::InputsDropped => "dropped",
            Lasting::ReluDead => "relu_dead",
            Lasting::HZero => "h_zero",
            Lasting::W2Zero => "w2_zero",
        }
    }

    pub fn depends_on(self) -> &'static [Tensor] {
        match self {
            Lasting::Dropped | Lasting::InputsDropped => &[],
            Lasting::ReluDead | Lasting::HZero => &[Tensor::W1, Tensor::B1],
            Lasting::W2Zero => &[Tensor::W2],
        }
    }
}

/// What a `why_code` of one step rests on (`[]` for reasons that rest on no tensor).
pub fn depends_on_code(code: Option<&str>) -> &'static [Tensor] {
    match code {
        Some("h_zero" | "relu_dead") => &[Tensor::W1, Tensor::B1],
        Some("w2_zero") => &[Tensor::W2],
        _ => &[],
    }
}

/// One tensor's status and what it rests on.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TensorStatus {
    pub status: Status,
    /// Whether the next step's update changes at least one element.
    pub changes_next_step: bool,
    /// The tensors the reason rests on: the lasting reason of a frozen tensor, the last
    /// step's reason of a waiting or stalled one; empty otherwise.
    pub depends_on: &'static [Tensor],
    /// A frozen tensor's lasting reason.
    pub lasting: Option<Lasting>,
}

/// The values the statuses are decided from, all measured at one step.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Facts {
    pub step: u64,
    /// Per tensor: no element has changed since step 0.
    pub never_changed: [bool; 4],
    /// Per tensor: the next step's update changes an element.
    pub changes_next_step: [bool; 4],
    /// Per tensor: the `why_code` of the last step, while it has not changed, and the
    /// tensors that reason rests on.
    pub last_why: [Option<&'static str>; 4],
    pub last_depends: [&'static [Tensor]; 4],
    /// Parameters are finite (otherwise nothing is claimed for good).
    pub finite: bool,
    /// The fixed hidden mask drops every hidden unit.
    pub all_hidden_dropped: bool,
    /// The fixed input mask drops every input.
    pub all_inputs_dropped: bool,
    /// Every hidden unit that is not dropped for good has z1 ≤ 0 on every training
    /// example, under every input mask the scenario can draw.
    pub kept_hidden_silent: bool,
    /// W2 is 0 in every column of a hidden unit not dropped for good.
    pub w2_kept_zero: bool,
    /// Per tensor: regularization adds nothing to the update of its retained entries
    /// (no L1/L2 on it, or those entries are 0); always true for biases.
    pub no_penalty_pull: [bool; 4],
}

impl Facts {
    /// The lasting reasons that hold for a tensor, in the order they are preferred (at most
    /// three: W1 can be dropped, silent and cut off by W2 = 0 at once).
    fn lasting(&self, t: Tensor) -> Reasons {
        let mut out = Reasons::default();
        if !self.finite || !self.no_penalty_pull[t as usize] {
            return out;
        }
        match t {
            Tensor::W1 | Tensor::B1 => {
                if self.all_hidden_dropped {
                    out.push(Lasting::Dropped);
                } else if t == Tensor::W1 && self.all_inputs_dropped {
                    out.push(Lasting::InputsDropped);
                }
                if !self.all_hidden_dropped && self.kept_hidden_silent {
                    out.push(Lasting::ReluDead);
                }
                if !self.all_hidden_dropped && self.w2_kept_zero {
                    out.push(Lasting::W2Zero);
                }
            }
            Tensor::W2 => {
                if self.all_hidden_dropped {
                    out.push(Lasting::Dropped);
                } else if self.kept_hidden_silent {
                    out.push(Lasting::HZero);
                }
            }
            Tensor::B2 => {}
        }
        out
    }

    /// Every tensor's status: the largest set of never-changed tensors each of which has a
    /// lasting reason resting only on tensors of the set is frozen.
    pub fn statuses(&self) -> [TensorStatus; 4] {
        let reasons = Tensor::ALL.map(|t| self.lasting(t));
        let reasons = reasons.each_ref().map(Reasons::as_slice);
        let mut frozen: [bool; 4] = Tensor::ALL
            .map(|t| self.step > 0 && self.never_changed[t as usize] && !reasons[t as usize].is_empty());
        let rests_in = |r: &Lasting, set: &[bool; 4]| r.depends_on().iter().all(|&d| set[d as usize]);
        loop {
            let next = Tensor::ALL
                .map(|t| frozen[t as usize] && reasons[t as usize].iter().any(|r| rests_in(r, &frozen)));
            if next == frozen {
                break;
            }
            frozen = next;
        }
        Tensor::ALL.map(|t| {
            let i = t as usize;
            let changes_next_step = self.changes_next_step[i];
            let (status, lasting) = if self.step == 0 {
                (Status::NotStepped, None)
            } else if !self.never_changed[i] {
                (Status::Moving, None)
            } else if frozen[i] {
                // Of the reasons that hold for good, the one the last step named, if it is one.
                let lasting = reasons[i].iter().copied().filter(|r| rests_in(r, &frozen));
                let named = lasting.clone().find(|r| Some(r.code()) == self.last_why[i]);
                (Status::Frozen, named.or_else(|| lasting.clone().next()))
            } else if changes_next_step {
                (Status::Waiting, None)
            } else {
                (Status::Stalled, None)
            };
            let depends_on = match status {
                Status::Frozen => lasting.map_or(&[][..], Lasting::depends_on),
                Status::Waiting | Status::Stalled => self.last_depends[i],
                Status::NotStepped | Status::Moving => &[],
            };
            TensorStatus { status, changes_next_step, depends_on, lasting }
        })
    }
}

/// Up to three lasting reasons, in a fixed array (the statuses are decided at every refresh).
#[derive(Clone, Copy, Debug)]
struct Reasons {
    held: [Lasting; 3],
    len: usize,
}

impl Default for Reasons {
    fn default() -> Self {
        Reasons { held: [Lasting::Dropped; 3], len: 0 }
    }
}

impl Reasons {
    fn push(&mut self, r: Lasting) {
        self.held[self.len] = r;
        self.len += 1;
    }

    fn as_slice(&self) -> &[Lasting] {
        &self.held[..self.len]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts {
        Facts {
            step: 1,
            never_changed: [true; 4],
            changes_next_step: [false; 4],
            finite: true,
            no_penalty_pull: [true; 4],
            ..Facts::default()
        }
    }

    #[test]
    fn a_reason_resting_on_a_moving_tensor_is_not_for_good() {
        // W1 = b1 = 0 would keep z1 = 0, but only while W1 and b1 stay; here only W2 = 0
        // holds, and W2 has moved.
        let f = Facts {
            never_changed: [true, true, false, false],
            changes_next_step: [true, true, true, true],
            last_why: [Some("w2_zero"), Some("w2_zero"), None, None],
            last_depends: [&[Tensor::W2], &[Tensor::W2], &[], &[]],
            w2_kept_zero: true,
            ..facts()
        };
        let s = f.statuses();
        assert_eq!(s[0].status, Status::Waiting);
        assert_eq!(s[0].depends_on, vec![Tensor::W2]);
        assert_eq!(s[2].status, Status::Moving);
    }

    #[test]
    fn a_cycle_of_frozen_tensors_is_frozen() {
        let f = Facts { never_changed: [true, true, true, false], kept_hidden_silent: true, ..facts() };
        let s = f.statuses();
        assert_eq!(
            s.each_ref().map(|s| s.status),
            [Status::Frozen, Status::Frozen, Status::Frozen, Status::Moving]
        );
        assert_eq!(s[2].lasting, Some(Lasting::HZero));
        assert_eq!(s[0].depends_on, vec![Tensor::W1, Tensor::B1]);
    }

    #[test]
    fn a_penalty_that_pulls_keeps_a_tensor_from_being_frozen() {
        let f = Facts { kept_hidden_silent: true, no_penalty_pull: [false, true, true, true], ..facts() };
        let s = f.statuses();
        // W1 will shrink under L2; b1 and W2 rest on W1, so they are not frozen either.
        assert_eq!(s.each_ref().map(|s| s.status), [Status::Stalled; 4]);
    }

    #[test]
    fn a_fixed_mask_that_drops_every_hidden_unit_rests_on_nothing() {
        let f = Facts { all_hidden_dropped: true, ..facts() };
        let s = f.statuses();
        assert_eq!(s[2].lasting, Some(Lasting::Dropped));
        assert!(s[2].depends_on.is_empty());
        assert_eq!(s[3].status, Status::Stalled);
    }

    #[test]
    fn step_zero_is_not_stepped() {
        let f = Facts {
            step: 0,
            kept_hidden_silent: true,
            changes_next_step: [false, false, true, true],
            ..facts()
        };
        let s = f.statuses();
        assert!(s.iter().all(|s| s.status == Status::NotStepped && s.depends_on.is_empty()));
        assert!(s[2].changes_next_step && !s[0].changes_next_step);
    }
}
