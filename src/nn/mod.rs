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

/// `Clone` for a struct of owned buffers whose `clone_from` copies into the buffers already
/// there, field by field (derive(Clone)'s `clone_from` builds a whole new value): a copy
/// kept for reuse is refreshed without allocating while the shapes stay. Fields listed
/// after `compared` are cloned only when they differ (for types whose own `clone_from`
/// allocates, but which rarely change). Both methods name every field, so a field added
/// to the struct and not here does not compile.
macro_rules! clone_reusing {
    ($t:ident { $($f:ident),* $(,)? } $(compared { $($c:ident),* $(,)? })?) => {
        impl Clone for $t {
            fn clone(&self) -> Self {
                $t { $($f: self.$f.clone(),)* $($($c: self.$c.clone(),)*)? }
            }
            fn clone_from(&mut self, source: &Self) {
                let $t { $($f,)* $($($c,)*)? } = source;
                $(self.$f.clone_from($f);)*
                $($(if self.$c != *$c {
                    self.$c.clone_from($c);
                })*)?
            }
        }
    };
}
pub(crate) use clone_reusing;

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
