//! Why a tensor has not moved: read off the factors of the last gradient computed.
//!
//! Every claim is checked on the actual values of that step (before its update);
//! nothing is inferred from the scenario's name.

use ndarray::s;

use crate::nn::model::{Masks, Reg, Workspace};
use crate::nn::{Grads, Params, Tensor};
use crate::scenario::L1Mode;

/// A reason code, as in the JSON `why_code`, and the facts its sentence is made of.
/// The sentence is formatted on demand ([`Why::text`]), so a training step allocates
/// nothing while a tensor stays frozen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Why {
    pub code: Option<&'static str>,
    pub tensor: Tensor,
    pub reason: Reason,
}

/// What makes z1 what it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// W1 = 0 and b1 = 0.
    Zero,
    /// z1 ≤ 0 although W1 or b1 is not 0.
    NonPositive,
    AllHiddenDropped,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Reason {
    HZero { n: usize, cause: Cause },
    W2Zero,
    ReluDead { n: usize, cause: Cause },
    HiddenDropped { m: usize },
    InputsDropped { d: usize },
    ErrorZero { n: usize },
    L1Threshold { by: f64 },
    Underflow { largest: f64, w2_rows_equal: bool },
    Cancels { n: usize, w2_rows_equal: bool },
}

fn grad_formula(t: Tensor) -> &'static str {
    match t {
        Tensor::W1 => "∇W1 = g xᵀ",
        Tensor::B1 => "∇b1 = g",
        Tensor::W2 => "∇W2 = (ŷ−y)hᵀ",
        Tensor::B2 => "∇b2 = ŷ−y",
    }
}

fn z1_cause(c: Cause) -> &'static str {
    match c {
        Cause::Zero => "z1 = W1x + b1 = 0 (W1 = 0, b1 = 0)",
        Cause::NonPositive => "z1 = W1x + b1 ≤ 0 for every hidden unit",
        Cause::AllHiddenDropped => "every hidden unit is dropped",
    }
}

impl Why {
    /// The tensors this reason rests on: W1 and b1 for h = 0 or relu′ = 0 (unless the mask
    /// dropped every hidden unit), W2 for W2 = 0; nothing otherwise.
    pub fn depends_on(&self) -> &'static [Tensor] {
        match self.reason {
            Reason::HZero { cause: Cause::AllHiddenDropped, .. }
            | Reason::ReluDead { cause: Cause::AllHiddenDropped, .. } => &[],
            _ => super::status::depends_on_code(self.code),
        }
    }

    /// The sentence in the lecture's terms, with the numbers.
    pub fn text(&self) -> String {
        let t = self.tensor;
        let f = grad_formula(t);
        let name = t.name();
        match self.reason {
            Reason::HZero { n, cause } => {
                format!("{f} is 0: h = 0 on all {n} examples because {}", z1_cause(cause))
            }
            Reason::W2Zero => format!("{f} is 0: g = ((ŷ−y)ᵀW2) ⊙ relu′(z1) = 0 because W2 = 0"),
            Reason::ReluDead { n, cause } => format!(
                "{f} is 0: g = ((ŷ−y)ᵀW2) ⊙ relu′(z1) = 0 because relu′(z1) = 0 on all {n} \
                 examples ({}, and relu′(0) = 0)",
                z1_cause(cause)
            ),
            Reason::HiddenDropped { m } => format!("{f} is 0: the dropout mask drops all {m} hidden units"),
            Reason::InputsDropped { d } => {
                format!("{f} is 0: the dropout mask drops all {d} inputs, so x̃ = 0")
            }
            Reason::ErrorZero { n } if t == Tensor::B2 => {
                format!("{f} is 0: ŷ − y averages to 0 over the {n} examples of the batch")
            }
            Reason::ErrorZero { n } => format!("{f} is 0: ŷ = y exactly on all {n} examples of the batch"),
            Reason::L1Threshold { by } => format!(
                "proximal L1 holds {name} at 0: every step |lr·∇{name}| ≤ lr·l1 = {by:.3e}, \
                 so soft-thresholding returns 0"
            ),
            Reason::Underflow { largest, w2_rows_equal } => {
                let mut text = format!(
                    "the update lr·∇{name} (largest {largest:.3e}) is below the float resolution of {name}"
                );
                if matches!(t, Tensor::W1 | Tensor::B1) && w2_rows_equal {
                    text.push_str("; ∇ is rounding error: every row of W2 is the same, so (ŷ−y)ᵀW2 cancels");
                }
                text
            }
            Reason::Cancels { w2_rows_equal: true, .. } if matches!(t, Tensor::W1 | Tensor::B1) => format!(
                "{f} is 0: g = ((ŷ−y)ᵀW2) ⊙ relu′(z1) = 0 because every row of W2 is the same, \
                 so (ŷ−y)ᵀW2 = (Σ(ŷ−y))·w = 0 (ŷ and y both sum to 1)"
            ),
            Reason::Cancels { n, .. } => {
                format!("{f} is 0 on all {n} examples, though no single factor is 0 (the terms cancel)")
            }
        }
    }
}

/// The values of one step that the gradient is made of.
pub struct Factors<'a> {
    pub params: &'a Params,
    pub ws: &'a Workspace,
    pub masks: &'a Masks,
    pub grads: &'a Grads,
    pub reg: &'a Reg,
    pub lr: f64,
}

fn all_zero(v: &[f64]) -> bool {
    v.iter().all(|&x| x == 0.0)
}

impl Factors<'_> {
    fn n(&self) -> usize {
        self.ws.n
    }

    /// Reasons that apply to a tensor, in the order they are tried.
    fn candidates(t: Tensor) -> &'static [&'static str] {
        match t {
            Tensor::W2 => &["h_zero", "dropped", "error_zero", "l1_threshold", "underflow"],
            Tensor::W1 => &["w2_zero", "relu_dead", "dropped", "error_zero", "l1_threshold", "underflow"],
            Tensor::B1 => &["w2_zero", "relu_dead", "dropped", "error_zero", "underflow"],
            Tensor::B2 => &["error_zero", "underflow"],
        }
    }

    /// The first reason that holds for a tensor that did not change this step. When
    /// the gradient is 0 with no single factor 0, the code is `None` and the sentence
    /// says what cancels.
    pub fn explain(&self, t: Tensor) -> Option<Why> {
        let found = Self::candidates(t)
            .iter()
            .find_map(|&code| self.holds(t, code).map(|reason| Why { code: Some(code), tensor: t, reason }));
        found.or_else(|| self.cancels(t).map(|reason| Why { code: None, tensor: t, reason }))
    }

    /// A zero gradient whose factors are not 0: the terms cancel. The common case is
    /// W2 with identical rows, where (ŷ−y)ᵀW2 = (Σ(ŷ−y))·w = 0 because ŷ and y both sum to 1.
    fn cancels(&self, t: Tensor) -> Option<Reason> {
        all_zero(self.grads.get(t))
            .then(|| Reason::Cancels { n: self.n(), w2_rows_equal: self.w2_rows_equal() })
    }

    /// Why z1 is what it is, when W1 and b1 explain it.
    fn z1_cause(&self) -> Cause {
        if all_zero(self.params.get(Tensor::W1)) && all_zero(self.params.get(Tensor::B1)) {
            Cause::Zero
        } else {
            Cause::NonPositive
        }
    }

    fn holds(&self, t: Tensor, code: &str) -> Option<Reason> {
        let n = self.n();
        let z1 = self.ws.z1.slice(s![..n, ..]);
        let m = self.params.hidden();
        let all_hidden_dropped = (0..m).all(|j| !self.masks.hidden_kept(j));
        match code {
            "h_zero" => self.ws.h.slice(s![..n, ..]).iter().all(|&h| h == 0.0).then(|| {
                let cause = if all_hidden_dropped { Cause::AllHiddenDropped } else { self.z1_cause() };
                Reason::HZero { n, cause }
            }),
            "w2_zero" => all_zero(self.params.get(Tensor::W2)).then_some(Reason::W2Zero),
            "relu_dead" => {
                z1.iter().all(|&z| z <= 0.0).then(|| Reason::ReluDead { n, cause: self.z1_cause() })
            }
            "dropped" => {
                let d = self.params.inputs();
                let all_inputs_dropped = (0..d).all(|i| !self.masks.input_kept(i));
                if all_hidden_dropped {
                    Some(Reason::HiddenDropped { m })
                } else if t == Tensor::W1 && all_inputs_dropped {
                    Some(Reason::InputsDropped { d })
                } else {
                    None
                }
            }
            "error_zero" => self.error_zero(t).then_some(Reason::ErrorZero { n }),
            "l1_threshold" => self.l1_threshold(t),
            "underflow" => self.underflow(t),
            _ => None,
        }
    }

    fn w2_rows_equal(&self) -> bool {
        let w2 = &self.params.w2;
        w2.nrows() > 1 && w2.rows().into_iter().all(|r| r == w2.row(0))
    }

    fn error_zero(&self, t: Tensor) -> bool {
        let err = self.ws.err.slice(s![..self.n(), ..]);
        if t == Tensor::B2 {
            err.columns().into_iter().all(|c| c.sum() == 0.0)
        } else {
            err.iter().all(|&e| e == 0.0)
        }
    }

    fn l1_threshold(&self, t: Tensor) -> Option<Reason> {
        let l = t.layer()?;
        let by = self.lr * self.reg.l1[l];
        let holds = self.reg.l1_mode == L1Mode::Proximal
            && by > 0.0
            && all_zero(self.params.get(t))
            && self.grads.get(t).iter().all(|g| (self.lr * g).abs() <= by);
        holds.then_some(Reason::L1Threshold { by })
    }

    fn underflow(&self, t: Tensor) -> Option<Reason> {
        let w = self.params.get(t);
        let g = self.grads.get(t);
        let largest = g.iter().fold(0.0f64, |a, &g| a.max((self.lr * g).abs()));
        let none_moves = w.iter().zip(g).all(|(&w, &g)| w - self.lr * g == w);
        (largest > 0.0 && none_moves)
            .then(|| Reason::Underflow { largest, w2_rows_equal: self.w2_rows_equal() })
    }
}
