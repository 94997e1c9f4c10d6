//! Scoring of evaluation questions as SPEC §4 counts them.

use serde::{Deserialize, Serialize};

/// Topics that mean "not the job centre's business": a `fallback` counts as handled for them.
pub const OUT_OF_SCOPE_TOPICS: &[&str] = &["ausserhalb-zustaendigkeit", "politik-reform-meinung"];

/// The outcome of one evaluation question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A confident answer with a right topic (or a fallback for an out-of-scope question).
    Correct,
    /// A clarify that offers an answer with a right topic (counts half).
    ClarifyRight,
    /// A confident answer with no right topic ("confidently wrong").
    Wrong,
    /// A clarify whose options miss the right topic (not confident, but no help either).
    ClarifyWrong,
    /// A fallback for an in-scope question.
    Abstained,
}

impl Outcome {
    pub fn credit(self) -> f64 {
        match self {
            Outcome::Correct => 1.0,
            Outcome::ClarifyRight => 0.5,
            Outcome::Wrong | Outcome::ClarifyWrong | Outcome::Abstained => 0.0,
        }
    }
}

/// Scores one reply. `answer_topics` are the topics of the returned answer (for `answer`),
/// `alternative_topics` those of each clarify option.
pub fn score(
    kind: &str,
    answer_topics: &[String],
    alternative_topics: &[Vec<String>],
    expect: &[String],
) -> Outcome {
    let hits = |topics: &[String]| topics.iter().any(|t| expect.contains(t));
    let out_of_scope = expect
        .iter()
        .any(|e| OUT_OF_SCOPE_TOPICS.contains(&e.as_str()));
    match kind {
        "answer" if hits(answer_topics) => Outcome::Correct,
        "answer" => Outcome::Wrong,
        "clarify" if alternative_topics.iter().any(|t| hits(t)) => Outcome::ClarifyRight,
        "clarify" if out_of_scope => Outcome::Correct,
        "clarify" => Outcome::ClarifyWrong,
        _ if out_of_scope => Outcome::Correct,
        _ => Outcome::Abstained,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn scores_like_the_spec() {
        let expect = v(&["umzug-zusicherung"]);
        assert_eq!(
            score("answer", &v(&["umzug-zusicherung"]), &[], &expect),
            Outcome::Correct
        );
        assert_eq!(
            score(
                "answer",
                &v(&["kaution-genossenschaftsanteile"]),
                &[],
                &expect
            ),
            Outcome::Wrong
        );
        assert_eq!(
            score(
                "clarify",
                &[],
                &[v(&["x"]), v(&["umzug-zusicherung"])],
                &expect
            ),
            Outcome::ClarifyRight
        );
        assert_eq!(score("fallback", &[], &[], &expect), Outcome::Abstained);
        assert_eq!(
            score("fallback", &[], &[], &v(&["ausserhalb-zustaendigkeit"])),
            Outcome::Correct
        );
    }
}
