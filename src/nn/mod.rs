//! The pure numeric core: parameters, initialization, forward/backward, dropout, SGD
//! and the finite-difference gradient check. Depends on ndarray and rand only.

pub mod dropout;
pub mod exp;
pub mod gradcheck;
pub mod init;
pub mod model;
pub mod params;
pub mod products;
pub mod sgd;

pub use model::{Masks, Reg, Workspace};

/// a·b + c, fused into one rounding where the processor has FMA (a software fma would be
/// far slower than two roundings where it has not). Used by the product loops and `exp`.
#[inline(always)]
fn fma(a: f64, b: f64, c: f64) -> f64 {
    if cfg!(target_feature = "fma") { a.mul_add(b, c) } else { a * b + c }
}
pub use params::{Grads, Params, Tensor};
