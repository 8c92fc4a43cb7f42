//! The four tensors of the network, and gradients of the same shapes.

use ndarray::{Array1, Array2};

/// W1 is hidden × inputs (m×d), W2 classes × hidden (k×m): rows are units.
#[derive(Debug, PartialEq)]
pub struct Params {
    pub w1: Array2<f64>,
    pub b1: Array1<f64>,
    pub w2: Array2<f64>,
    pub b2: Array1<f64>,
}

clone_reusing!(Params { w1, b1, w2, b2 });

/// Gradients share the parameters' shapes.
pub type Grads = Params;

/// One of the four tensors, in the lecture's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tensor {
    W1,
    B1,
    W2,
    B2,
}

impl Tensor {
    pub const ALL: [Tensor; 4] = [Tensor::W1, Tensor::B1, Tensor::W2, Tensor::B2];

    pub fn name(self) -> &'static str {
        match self {
            Tensor::W1 => "W1",
            Tensor::B1 => "b1",
            Tensor::W2 => "W2",
            Tensor::B2 => "b2",
        }
    }

    /// Index into per-matrix settings (`[W1, W2]`), for weight matrices only.
    pub fn layer(self) -> Option<usize> {
        match self {
            Tensor::W1 => Some(0),
            Tensor::W2 => Some(1),
            Tensor::B1 | Tensor::B2 => None,
        }
    }
}

impl Params {
    pub fn zeros(d: usize, m: usize, k: usize) -> Self {
        Params {
            w1: Array2::zeros((m, d)),
            b1: Array1::zeros(m),
            w2: Array2::zeros((k, m)),
            b2: Array1::zeros(k),
        }
    }

    pub fn inputs(&self) -> usize {
        self.w1.ncols()
    }
    pub fn hidden(&self) -> usize {
        self.w1.nrows()
    }
    pub fn classes(&self) -> usize {
        self.w2.nrows()
    }

    /// The tensor's elements in row-major order.
    pub fn get(&self, t: Tensor) -> &[f64] {
        let s = match t {
            Tensor::W1 => self.w1.as_slice(),
            Tensor::B1 => self.b1.as_slice(),
            Tensor::W2 => self.w2.as_slice(),
            Tensor::B2 => self.b2.as_slice(),
        };
        s.expect("parameter arrays are created in standard layout and never re-strided")
    }

    pub fn get_mut(&mut self, t: Tensor) -> &mut [f64] {
        let s = match t {
            Tensor::W1 => self.w1.as_slice_mut(),
            Tensor::B1 => self.b1.as_slice_mut(),
            Tensor::W2 => self.w2.as_slice_mut(),
            Tensor::B2 => self.b2.as_slice_mut(),
        };
        s.expect("parameter arrays are created in standard layout and never re-strided")
    }

    /// Frobenius norm of one tensor, scaled by its largest |value| so that the squares of
    /// large finite entries do not overflow.
    pub fn norm(&self, t: Tensor) -> f64 {
        frobenius(self.get(t))
    }

    /// softmax(b2): what the network predicts for every input when h = 0 (all hidden units
    /// off), computed as exp(b − max b) / Σ exp(b − max b).
    pub fn softmax_b2(&self) -> Vec<f64> {
        let max = self.b2.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        let exp: Vec<f64> = self.b2.iter().map(|&b| (b - max).exp()).collect();
        let sum: f64 = exp.iter().sum();
        exp.into_iter().map(|e| e / sum).collect()
    }

    pub fn all_finite(&self) -> bool {
        Tensor::ALL.iter().all(|&t| self.get(t).iter().all(|v| v.is_finite()))
    }

    pub fn fill(&mut self, value: f64) {
        for t in Tensor::ALL {
            self.get_mut(t).fill(value);
        }
    }
}

/// √Σv², computed as max|v|·√Σ(v/max)² so that it is finite whenever every entry is.
pub fn frobenius(v: &[f64]) -> f64 {
    frobenius_of(v.iter().copied())
}

/// [`frobenius`] of values made on the fly (read three times), in the same order.
pub fn frobenius_of(v: impl Iterator<Item = f64> + Clone) -> f64 {
    let largest = v.clone().fold(0.0f64, |a, x| a.max(x.abs()));
    if largest == 0.0 || !largest.is_finite() || v.clone().any(|x| x.is_nan()) {
        return if v.clone().any(|x| x.is_nan()) { f64::NAN } else { largest };
    }
    largest * v.map(|x| (x / largest) * (x / largest)).sum::<f64>().sqrt()
}
