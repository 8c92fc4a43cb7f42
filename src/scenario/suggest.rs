//! "Did you mean …?" for misspelled keys and values.

/// Below this similarity a candidate is not offered as a likely typo.
const THRESHOLD: f64 = 0.6;

/// Similarity in [0, 1] of two words, ignoring case: normalized Damerau-Levenshtein,
/// raised to just above the threshold when one word (of 3+ chars) starts the other
/// (`keep` → `keep_input`, `batch` → `batch_size`).
pub(super) fn similarity(word: &str, candidate: &str) -> f64 {
    let (a, b) = (word.to_lowercase(), candidate.to_lowercase());
    let score = strsim::normalized_damerau_levenshtein(&a, &b);
    let (short, long) = if a.len() <= b.len() { (&a, &b) } else { (&b, &a) };
    if short.chars().count() >= 3 && long.starts_with(short.as_str()) {
        score.max(THRESHOLD + 0.1)
    } else {
        score
    }
}

/// The candidate most similar to `word` with its score, if close enough to be a
/// likely typo; the first one wins a tie.
pub(super) fn closest<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<(f64, &'c str)> {
    candidates.into_iter().map(|c| (similarity(word, c), c)).filter(|(score, _)| *score >= THRESHOLD).fold(
        None,
        |best, (score, c)| match best {
            Some((top, _)) if top >= score => best,
            _ => Some((score, c)),
        },
    )
}

/// ` (did you mean "x"?)`, or nothing.
pub(super) fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion.map(|s| format!(" (did you mean {s:?}?)")).unwrap_or_default()
}

/// ` (did you mean "x"?)` with the closest of `candidates`, or nothing.
pub fn suggest_word(word: &str, candidates: &[&str]) -> String {
    did_you_mean(closest(word, candidates.iter().copied()).map(|(_, c)| c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_are_found() {
        let keys = ["learning_rate", "batch_size", "steps", "seed"];
        assert_eq!(closest("learing_rate", keys).map(|c| c.1), Some("learning_rate"));
        assert_eq!(closest("batch", keys).map(|c| c.1), Some("batch_size"));
        assert_eq!(closest("Steps", keys).map(|c| c.1), Some("steps"));
        assert_eq!(closest("momentum", keys), None);
        assert_eq!(closest("x", ["y"]), None);
    }

    #[test]
    fn did_you_mean_text() {
        assert_eq!(did_you_mean(Some("W1")), " (did you mean \"W1\"?)");
        assert_eq!(did_you_mean(None), "");
    }
}
