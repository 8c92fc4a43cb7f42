//! Dropout masks: one fresh mask per SGD step shared by the whole batch, or the fixed
//! masks of a worked example. Output units are never dropped.

use ndarray::Array1;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use strum::{IntoStaticStr, VariantArray};

use super::model::Masks;

/// What a kept unit is multiplied by: 1/keep ("inverted") or 1 ("classic").
#[derive(Clone, Copy, Debug, PartialEq, Eq, IntoStaticStr, VariantArray)]
#[strum(serialize_all = "lowercase")]
pub enum DropoutMode {
    Inverted,
    Classic,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DropoutSpec {
    pub keep_input: f64,
    pub keep_hidden: f64,
    pub mode: DropoutMode,
    /// Fixed masks (true = kept), the same at every step.
    pub input_mask: Option<Vec<bool>>,
    pub hidden_mask: Option<Vec<bool>>,
    pub seed: u64,
}

impl Default for DropoutSpec {
    fn default() -> Self {
        Self {
            keep_input: 1.0,
            keep_hidden: 1.0,
            mode: DropoutMode::Inverted,
            input_mask: None,
            hidden_mask: None,
            seed: 3,
        }
    }
}

#[derive(Debug)]
pub struct Dropout {
    keep: [f64; 2],
    mode: DropoutMode,
    fixed: [Option<Vec<bool>>; 2],
    rng: Xoshiro256PlusPlus,
}

clone_reusing!(Dropout { keep, mode, fixed, rng });

impl Dropout {
    pub fn new(spec: &DropoutSpec) -> Self {
        Dropout {
            keep: [spec.keep_input, spec.keep_hidden],
            mode: spec.mode,
            fixed: [spec.input_mask.clone(), spec.hidden_mask.clone()],
            rng: Xoshiro256PlusPlus::seed_from_u64(spec.seed),
        }
    }

    /// New keep probabilities and mode from the next draw on (the generator goes on where
    /// it is; fixed masks stay).
    pub fn set(&mut self, keep: [f64; 2], mode: DropoutMode) {
        self.keep = keep;
        self.mode = mode;
    }

    /// Whether any unit can ever be dropped (otherwise masks are all ones).
    pub fn active(&self) -> bool {
        (0..2).any(|l| self.keep[l] < 1.0 || self.fixed[l].is_some())
    }

    /// A layer's fixed mask (true = kept), if it has one (layer 0 inputs, 1 hidden).
    pub fn fixed(&self, layer: usize) -> Option<&[bool]> {
        self.fixed[layer].as_deref()
    }

    /// Whether a layer draws a fresh random mask every step.
    pub fn random(&self, layer: usize) -> bool {
        self.fixed[layer].is_none() && self.keep[layer] < 1.0
    }

    /// The multiplier of a kept unit: 1/keep in inverted mode, 1 in classic mode.
    pub fn scale(&self, layer: usize) -> f64 {
        match self.mode {
            DropoutMode::Inverted => 1.0 / self.keep[layer],
            DropoutMode::Classic => 1.0,
        }
    }

    /// Fill `masks` for the next step (advances the generator only for random layers).
    pub fn draw(&mut self, masks: &mut Masks) {
        for (layer, out) in [&mut masks.input, &mut masks.hidden].into_iter().enumerate() {
            let s = self.scale(layer);
            if let Some(fixed) = &self.fixed[layer] {
                for (o, &kept) in out.iter_mut().zip(fixed) {
                    *o = if kept { s } else { 0.0 };
                }
            } else if self.keep[layer] < 1.0 {
                let keep = self.keep[layer];
                for o in out.iter_mut() {
                    *o = if self.rng.random::<f64>() < keep { s } else { 0.0 };
                }
            } else {
                out.fill(1.0);
            }
        }
    }

    /// Evaluation never drops: classic mode scales by the keep probabilities (the same
    /// as multiplying W1 by keep_input and W2 by keep_hidden), inverted mode does nothing.
    pub fn eval_masks(&self, d: usize, m: usize) -> Masks {
        match self.mode {
            DropoutMode::Inverted => Masks::ones(d, m),
            DropoutMode::Classic => Masks {
                input: Array1::from_elem(d, self.keep[0]),
                hidden: Array1::from_elem(m, self.keep[1]),
            },
        }
    }
}
