//! The bundled scenarios, embedded so an installed nnviz works from any folder.
//! `tests/bundled.rs` checks this list against the files in `scenarios/`.

macro_rules! bundled {
    ($($name:literal),* $(,)?) => {
        /// (name, TOML text), in the order `--list` shows them.
        pub const BUNDLED: &[(&str, &str)] = &[
            $(($name, include_str!(concat!("../scenarios/", $name, ".toml")))),*
        ];
    };
}

bundled![
    "zero_all",
    "zero_w1",
    "zero_w2",
    "zero_w2_baseline",
    "random_init",
    "constant_init",
    "large_init",
    "forward_slide",
    "dropout_slide",
    "digits",
    "l1_subgradient",
    "l1_proximal",
    "regularization/none",
    "regularization/l2",
    "regularization/l1",
    "regularization/l1_l2",
    "regularization/dropout",
    "mnist",
];

/// Find a bundled scenario by name; `zero_w2`, `zero_w2.toml` and
/// `scenarios/zero_w2.toml` all name the same one.
pub fn find(arg: &str) -> Option<(&'static str, &'static str)> {
    let name = arg.strip_prefix("scenarios/").unwrap_or(arg);
    let name = name.strip_suffix(".toml").unwrap_or(name);
    BUNDLED.iter().find(|(n, _)| *n == name).copied()
}
