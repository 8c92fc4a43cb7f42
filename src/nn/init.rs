//! Initial parameters from init kinds (a scenario's `[init]` section).
//!
//! Each tensor draws from its own stream derived from `init.seed`, so changing one
//! tensor's kind leaves the others' values alone.

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;
use strum::{EnumDiscriminants, IntoStaticStr, VariantArray};

use super::params::{Params, Tensor};

/// How one tensor starts. [`InitKind`] is its kind without the parameter, named as a
/// scenario writes it (`"normal"`).
#[derive(Clone, Debug, PartialEq, EnumDiscriminants)]
#[strum_discriminants(
    name(InitKind),
    derive(IntoStaticStr, VariantArray),
    strum(serialize_all = "lowercase")
)]
pub enum Init {
    Zeros,
    Constant(f64),
    /// `None`: std 1/√cols.
    Normal(Option<f64>),
    /// `None`: limit √(3/cols).
    Uniform(Option<f64>),
    Xavier,
    He,
    /// Row-major values with the shape they were written in (`[rows, cols]` or `[len]`).
    Values {
        values: Vec<f64>,
        shape: Vec<usize>,
    },
}

impl Init {
    /// The kind's name, as a scenario writes it.
    pub fn name(&self) -> &'static str {
        InitKind::from(self).into()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct InitSpec {
    pub seed: u64,
    pub w1: Init,
    pub b1: Init,
    pub w2: Init,
    pub b2: Init,
}

impl Default for InitSpec {
    fn default() -> Self {
        Self { seed: 42, w1: Init::Normal(None), b1: Init::Zeros, w2: Init::Normal(None), b2: Init::Zeros }
    }
}

/// Per-tensor stream: the seed mixed with the tensor's index (golden-ratio increments,
/// then `seed_from_u64`'s own mixing).
fn stream(seed: u64, t: Tensor) -> Xoshiro256PlusPlus {
    let k = t as u64 + 1;
    Xoshiro256PlusPlus::seed_from_u64(seed ^ k.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// fan_in (the lecture's `cols`) and fan_out of a tensor.
fn fans(t: Tensor, d: usize, m: usize, k: usize) -> (usize, usize) {
    match t {
        Tensor::W1 | Tensor::B1 => (d, m),
        Tensor::W2 | Tensor::B2 => (m, k),
    }
}

/// Build the initial parameters. `values` shapes must already be checked.
pub fn init_params(spec: &InitSpec, d: usize, m: usize, k: usize) -> Params {
    let mut p = Params::zeros(d, m, k);
    for t in Tensor::ALL {
        let kind = match t {
            Tensor::W1 => &spec.w1,
            Tensor::B1 => &spec.b1,
            Tensor::W2 => &spec.w2,
            Tensor::B2 => &spec.b2,
        };
        let (fan_in, fan_out) = fans(t, d, m, k);
        fill(p.get_mut(t), kind, fan_in, fan_out, &mut stream(spec.seed, t));
    }
    p
}

fn fill(out: &mut [f64], kind: &Init, fan_in: usize, fan_out: usize, rng: &mut Xoshiro256PlusPlus) {
    let fan_in = fan_in.max(1) as f64;
    let normal = |out: &mut [f64], std: f64, rng: &mut Xoshiro256PlusPlus| {
        for v in out.iter_mut() {
            let z: f64 = rng.sample(StandardNormal);
            *v = std * z;
        }
    };
    match kind {
        Init::Zeros => out.fill(0.0),
        Init::Constant(c) => out.fill(*c),
        Init::Normal(std) => normal(out, std.unwrap_or(1.0 / fan_in.sqrt()), rng),
        Init::Xavier => normal(out, (2.0 / (fan_in + fan_out as f64)).sqrt(), rng),
        Init::He => normal(out, (2.0 / fan_in).sqrt(), rng),
        Init::Uniform(limit) => {
            let limit = limit.unwrap_or((3.0 / fan_in).sqrt());
            // limit·(2u − 1) with u uniform in [0, 1): never fails, whatever the limit
            // (a range of ±1e308 is wider than any f64 and would make a sampler refuse).
            for v in out.iter_mut() {
                let u: f64 = rng.random();
                *v = limit * (2.0 * u - 1.0);
            }
        }
        Init::Values { values, .. } => out.copy_from_slice(values),
    }
}

/// Expected shape of a tensor, for checking `values`.
pub fn shape_of(t: Tensor, d: usize, m: usize, k: usize) -> Vec<usize> {
    match t {
        Tensor::W1 => vec![m, d],
        Tensor::B1 => vec![m],
        Tensor::W2 => vec![k, m],
        Tensor::B2 => vec![k],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(w1: Init) -> InitSpec {
        InitSpec { seed: 42, w1, b1: Init::Zeros, w2: Init::Normal(None), b2: Init::Zeros }
    }

    #[test]
    fn default_normal_has_std_one_over_sqrt_cols() {
        let p = init_params(&spec(Init::Normal(None)), 400, 300, 2);
        let v = p.get(Tensor::W1);
        let var = v.iter().map(|x| x * x).sum::<f64>() / v.len() as f64;
        assert!((var.sqrt() - 0.05).abs() < 0.002, "std {}", var.sqrt());
    }

    #[test]
    fn tensors_have_independent_streams() {
        let a = init_params(&spec(Init::Normal(None)), 3, 4, 2);
        let b = init_params(&spec(Init::Zeros), 3, 4, 2);
        assert_eq!(a.w2, b.w2);
        assert_ne!(a.w1, b.w1);
    }

    #[test]
    fn same_seed_same_bits() {
        let a = init_params(&spec(Init::Uniform(None)), 5, 6, 3);
        let b = init_params(&spec(Init::Uniform(None)), 5, 6, 3);
        assert_eq!(a, b);
        let limit = (3.0f64 / 5.0).sqrt();
        assert!(a.get(Tensor::W1).iter().all(|v| v.abs() <= limit));
    }
}
