//! The four tensors of the network, and gradients of the same shapes.

use ndarray::{Array, Array1, Array2, Dimension, s};

/// W1 is hidden × inputs (m×d), W2 classes × hidden (k×m): rows are units.
#[derive(Debug, PartialEq)]
pub struct Params {
    pub w1: Array2<f64>,
    pub b1: Array1<f64>,
    pub w2: Array2<f64>,
    pub b2: Array1<f64>,
}

/// A clone's buffers start pages too (see [`zeros_paged`]); cloning into parameters of the
/// same shapes copies into their buffers.
impl Clone for Params {
    fn clone(&self) -> Self {
        let mut p = Params::zeros(self.inputs(), self.hidden(), self.classes());
        p.clone_from(self);
        p
    }

    fn clone_from(&mut self, source: &Self) {
        fn copy<D: Dimension>(to: &mut Array<f64, D>, from: &Array<f64, D>) {
            if to.dim() != from.dim() {
                *to = zeros_paged(from.raw_dim());
            }
            to.assign(from);
        }
        copy(&mut self.w1, &source.w1);
        copy(&mut self.b1, &source.b1);
        copy(&mut self.w2, &source.w2);
        copy(&mut self.b2, &source.b2);
    }
}

/// Zeros whose first element starts a page (4096 bytes). The tensors, their gradients and
/// the activation buffers are all made so, and then the buffers a loop streams through
/// together sit at the same offset within their pages. A load whose address matches an
/// earlier, still pending store in its low 12 bits waits for that store ("4K aliasing");
/// where the heap put one 16-KiB buffer 16 bytes past the other, the update loop over the
/// digits network's W1 ran 2.6× slower. Rows whose width is a multiple of 8 also start on
/// a cache line, so 64-byte vector loads never straddle two.
pub fn zeros_paged<D: Dimension>(shape: D) -> Array<f64, D> {
    const PAGE: usize = 4096 / std::mem::size_of::<f64>();
    let len = shape.size();
    let v = vec![0.0; len + PAGE - 1];
    let skip = (v.as_ptr() as usize / std::mem::size_of::<f64>()).wrapping_neg() % PAGE;
    Array1::from(v).slice_move(s![skip..skip + len]).into_shape_with_order(shape).expect("a contiguous slice")
}

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
            w1: zeros_paged(ndarray::Dim([m, d])),
            b1: zeros_paged(ndarray::Dim([m])),
            w2: zeros_paged(ndarray::Dim([k, m])),
            b2: zeros_paged(ndarray::Dim([k])),
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
