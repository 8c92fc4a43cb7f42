//! JSON shapes of the headless output. JSON has no NaN or infinity: such numbers
//! are written as null.

use ndarray::{Array1, Array2};
use serde::{Serialize, Serializer};

use crate::nn::{Params, Tensor};

/// A number that serializes as null when it is not finite.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Num(pub f64);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.is_finite() { s.serialize_f64(self.0) } else { s.serialize_none() }
    }
}

pub fn opt(v: Option<f64>) -> Option<Num> {
    v.map(Num)
}

/// One value per tensor, keyed W1, b1, W2, b2.
#[derive(Clone, Debug, Serialize)]
pub struct PerTensor<T> {
    #[serde(rename = "W1")]
    pub w1: T,
    pub b1: T,
    #[serde(rename = "W2")]
    pub w2: T,
    pub b2: T,
}

impl<T> PerTensor<T> {
    pub fn from_fn(mut f: impl FnMut(Tensor) -> T) -> Self {
        PerTensor { w1: f(Tensor::W1), b1: f(Tensor::B1), w2: f(Tensor::W2), b2: f(Tensor::B2) }
    }
}

/// One value per weight matrix, keyed W1, W2.
#[derive(Clone, Debug, Serialize)]
pub struct PerMatrix<T> {
    #[serde(rename = "W1")]
    pub w1: T,
    #[serde(rename = "W2")]
    pub w2: T,
}

impl<T> PerMatrix<T> {
    pub fn from_fn(mut f: impl FnMut(Tensor) -> T) -> Self {
        PerMatrix { w1: f(Tensor::W1), w2: f(Tensor::W2) }
    }
}

pub fn matrix(a: &Array2<f64>) -> Vec<Vec<Num>> {
    a.rows().into_iter().map(|r| r.iter().map(|&v| Num(v)).collect()).collect()
}

pub fn vector(a: &Array1<f64>) -> Vec<Num> {
    a.iter().map(|&v| Num(v)).collect()
}

/// Parameters (or gradients) as nested arrays.
#[derive(Clone, Debug, Serialize)]
pub struct Tensors {
    #[serde(rename = "W1")]
    pub w1: Vec<Vec<Num>>,
    pub b1: Vec<Num>,
    #[serde(rename = "W2")]
    pub w2: Vec<Vec<Num>>,
    pub b2: Vec<Num>,
}

impl From<&Params> for Tensors {
    fn from(p: &Params) -> Self {
        Tensors { w1: matrix(&p.w1), b1: vector(&p.b1), w2: matrix(&p.w2), b2: vector(&p.b2) }
    }
}

/// `"settings":{"learning_rate","l2":{"W1","W2"},"l1":{…},"l1_mode","keep_input","keep_hidden","dropout_mode"}`:
/// the values in force for the next update (after the schedule's entry at that step).
#[derive(Clone, Debug, Serialize)]
pub struct SettingsJson {
    pub learning_rate: Num,
    pub l2: PerMatrix<Num>,
    pub l1: PerMatrix<Num>,
    pub l1_mode: &'static str,
    pub keep_input: Num,
    pub keep_hidden: Num,
    pub dropout_mode: &'static str,
}

impl From<&crate::scenario::Settings> for SettingsJson {
    fn from(s: &crate::scenario::Settings) -> Self {
        let layer = |t: Tensor| if t == Tensor::W1 { 0 } else { 1 };
        SettingsJson {
            learning_rate: Num(s.learning_rate),
            l2: PerMatrix::from_fn(|t| Num(s.l2[layer(t)])),
            l1: PerMatrix::from_fn(|t| Num(s.l1[layer(t)])),
            l1_mode: s.l1_mode.into(),
            keep_input: Num(s.keep_input),
            keep_hidden: Num(s.keep_hidden),
            dropout_mode: s.dropout_mode.into(),
        }
    }
}
