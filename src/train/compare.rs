//! Choosing among runs on validation, never on test.

/// The run with the best validation accuracy; ties go to the lower validation loss, then
/// to the first in order. `None` when no run has a validation split.
pub fn choose(val: &[(Option<f64>, Option<f64>)]) -> Option<usize> {
    let mut best: Option<(usize, f64, f64)> = None;
    for (i, &(acc, loss)) in val.iter().enumerate() {
        let Some(acc) = acc.filter(|a| a.is_finite()) else { continue };
        let loss = loss.filter(|l| l.is_finite()).unwrap_or(f64::INFINITY);
        let better = match best {
            None => true,
            Some((_, a, l)) => acc > a || (acc == a && loss < l),
        };
        if better {
            best = Some((i, acc, loss));
        }
    }
    best.map(|(i, _, _)| i)
}

#[cfg(test)]
mod tests {
    use super::choose;

    #[test]
    fn best_accuracy_then_lower_loss_then_first() {
        assert_eq!(choose(&[(Some(0.9), Some(0.3)), (Some(0.95), Some(0.5))]), Some(1));
        assert_eq!(choose(&[(Some(0.9), Some(0.3)), (Some(0.9), Some(0.2))]), Some(1));
        assert_eq!(choose(&[(Some(0.9), Some(0.2)), (Some(0.9), Some(0.2))]), Some(0));
        assert_eq!(choose(&[(None, None), (None, None)]), None);
        assert_eq!(choose(&[(Some(f64::NAN), None), (Some(0.1), None)]), Some(1));
    }
}
