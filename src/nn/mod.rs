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
pub use params::{Grads, Params, Tensor};
