//! The pure numeric core: parameters, initialization, forward/backward, dropout, SGD
//! and the finite-difference gradient check.
//!
//! Read [`reference`](mod@reference) first: the whole network in plain ndarray, the
//! lecture's formulas one line each. [`model`] (forward, backward) and [`sgd`] (the step)
//! compute the same numbers fast, with [`products`] and [`exp`] as their kernels; the tests
//! check them against the reference.
//!
//! Depends on ndarray; rand and rand_distr (the seeded draws of [`init`] and [`dropout`]);
//! gemm and rayon (the largest products on all threads, the largest tensors' updates in
//! two halves); strum (the names of the setting enums). Nothing else of the crate: the
//! settings it runs on (`InitSpec`, `L1Mode`, `DropoutSpec`) are defined here and
//! re-exported by `crate::scenario`; nothing of training runs, the UI or the command line.

pub mod dropout;
pub mod exp;
pub mod gradcheck;
pub mod init;
pub mod model;
pub mod params;
pub mod products;
pub mod reference;
pub mod sgd;

pub use model::{Masks, Reg, Workspace};

/// a·b + c, fused into one rounding where the processor has FMA (a software fma would be
/// far slower than two roundings where it has not). Used by the product loops and `exp`.
#[inline(always)]
fn fma(a: f64, b: f64, c: f64) -> f64 {
    if cfg!(target_feature = "fma") { a.mul_add(b, c) } else { a * b + c }
}
pub use params::{Grads, Params, Tensor};
