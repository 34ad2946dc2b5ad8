//! "Did you mean...?" for names typed by hand (pairs, groups, phases, variables).

/// The candidate closest to `typed`, if one is close enough to be a plausible typo.
pub fn closest<'a>(typed: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    ranked(typed, candidates, 1).into_iter().next()
}

/// Up to `n` plausible candidates, best first.
pub fn ranked<'a>(typed: &str, candidates: impl IntoIterator<Item = &'a str>, n: usize) -> Vec<&'a str> {
    let typed_lower = typed.to_lowercase();
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&typed_lower, &c.to_lowercase()), c))
        .filter(|(score, _)| *score >= 0.75)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(n).map(|(_, c)| c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_typos_not_strangers() {
        let names = ["acme", "globex", "initech", "early"];
        assert_eq!(closest("acm", names), Some("acme"));
        assert_eq!(closest("erly", names), Some("early"));
        assert_eq!(closest("zzzzzz", names), None);
        assert_eq!(ranked("glbex", names, 3), vec!["globex"]);
    }
}
