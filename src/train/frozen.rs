//! Why a tensor has not moved: read off the factors of the last gradient computed.
//!
//! Every claim is checked on the actual values of that step (before its update);
//! nothing is inferred from the scenario's name.

use ndarray::s;

use crate::nn::model::{Masks, Reg, Workspace};
use crate::nn::{Grads, Params, Tensor};
use crate::scenario::L1Mode;

/// A reason code, as in the JSON `why_code`, and the sentence for people.
#[derive(Clone, Debug, PartialEq)]
pub struct Why {
    pub code: Option<&'static str>,
    pub text: String,
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
            .find_map(|&code| self.holds(t, code).map(|text| Why { code: Some(code), text }));
        found.or_else(|| self.cancels(t).map(|text| Why { code: None, text }))
    }

    /// A zero gradient whose factors are not 0: the terms cancel. The common case is
    /// W2 with identical rows, where (ŷ−y)ᵀW2 = (Σ(ŷ−y))·w = 0 because ŷ and y both sum to 1.
    fn cancels(&self, t: Tensor) -> Option<String> {
        if !all_zero(self.grads.get(t)) {
            return None;
        }
        let f = Self::grad_formula(t);
        Some(if matches!(t, Tensor::W1 | Tensor::B1) && self.w2_rows_equal() {
            format!(
                "{f} is 0: g = ((ŷ−y)ᵀW2) ⊙ relu′(z1) = 0 because every row of W2 is the same, \
                 so (ŷ−y)ᵀW2 = (Σ(ŷ−y))·w = 0 (ŷ and y both sum to 1)"
            )
        } else {
            format!("{f} is 0 on all {} examples, though no single factor is 0 (the terms cancel)", self.n())
        })
    }

    fn grad_formula(t: Tensor) -> &'static str {
        match t {
            Tensor::W1 => "∇W1 = g xᵀ",
            Tensor::B1 => "∇b1 = g",
            Tensor::W2 => "∇W2 = (ŷ−y)hᵀ",
            Tensor::B2 => "∇b2 = ŷ−y",
        }
    }

    /// Why z1 is what it is, when W1 and b1 explain it.
    fn z1_cause(&self) -> &'static str {
        if all_zero(self.params.get(Tensor::W1)) && all_zero(self.params.get(Tensor::B1)) {
            "z1 = W1x + b1 = 0 (W1 = 0, b1 = 0)"
        } else {
            "z1 = W1x + b1 ≤ 0 for every hidden unit"
        }
    }

    fn holds(&self, t: Tensor, code: &str) -> Option<String> {
        let n = self.n();
        let f = Self::grad_formula(t);
        let z1 = self.ws.z1.slice(s![..n, ..]);
        let m = self.params.hidden();
        let all_hidden_dropped = (0..m).all(|j| !self.masks.hidden_kept(j));
        match code {
            "h_zero" => self.ws.h.slice(s![..n, ..]).iter().all(|&h| h == 0.0).then(|| {
                let cause = if all_hidden_dropped {
                    "every hidden unit is dropped".to_string()
                } else {
                    self.z1_cause().to_string()
                };
                format!("{f} is 0: h = 0 on all {n} examples because {cause}")
            }),
            "w2_zero" => all_zero(self.params.get(Tensor::W2))
                .then(|| format!("{f} is 0: g = ((ŷ−y)ᵀW2) ⊙ relu′(z1) = 0 because W2 = 0")),
            "relu_dead" => z1.iter().all(|&z| z <= 0.0).then(|| {
                format!(
                    "{f} is 0: g = ((ŷ−y)ᵀW2) ⊙ relu′(z1) = 0 because relu′(z1) = 0 on all {n} \
                     examples ({}, and relu′(0) = 0)",
                    self.z1_cause()
                )
            }),
            "dropped" => {
                let d = self.params.inputs();
                let all_inputs_dropped = (0..d).all(|i| !self.masks.input_kept(i));
                if all_hidden_dropped {
                    Some(format!("{f} is 0: the dropout mask drops all {m} hidden units"))
                } else if t == Tensor::W1 && all_inputs_dropped {
                    Some(format!("{f} is 0: the dropout mask drops all {d} inputs, so x̃ = 0"))
                } else {
                    None
                }
            }
            "error_zero" => self.error_zero(t).then(|| {
                if t == Tensor::B2 {
                    format!("{f} is 0: ŷ − y averages to 0 over the {n} examples of the batch")
                } else {
                    format!("{f} is 0: ŷ = y exactly on all {n} examples of the batch")
                }
            }),
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

    fn l1_threshold(&self, t: Tensor) -> Option<String> {
        let l = t.layer()?;
        let by = self.lr * self.reg.l1[l];
        let holds = self.reg.l1_mode == L1Mode::Proximal
            && by > 0.0
            && all_zero(self.params.get(t))
            && self.grads.get(t).iter().all(|g| (self.lr * g).abs() <= by);
        holds.then(|| {
            let name = t.name();
            format!(
                "proximal L1 holds {name} at 0: every step |lr·∇{name}| ≤ lr·l1 = {by:.3e}, \
                 so soft-thresholding returns 0"
            )
        })
    }

    fn underflow(&self, t: Tensor) -> Option<String> {
        let w = self.params.get(t);
        let g = self.grads.get(t);
        let largest = g.iter().fold(0.0f64, |a, &g| a.max((self.lr * g).abs()));
        let none_moves = w.iter().zip(g).all(|(&w, &g)| w - self.lr * g == w);
        (largest > 0.0 && none_moves).then(|| {
            let name = t.name();
            let mut text = format!(
                "the update lr·∇{name} (largest {largest:.3e}) is below the float resolution of {name}"
            );
            if matches!(t, Tensor::W1 | Tensor::B1) && self.w2_rows_equal() {
                text.push_str("; ∇ is rounding error: every row of W2 is the same, so (ŷ−y)ᵀW2 cancels");
            }
            text
        })
    }
}
