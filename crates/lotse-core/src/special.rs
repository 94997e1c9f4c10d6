//! Recognises emergencies before ranking, so that a person in crisis always gets the emergency
//! answers (and their numbers) first, however the rest of the question reads.

use crate::text::{fold, tokenize};

/// Word sequences (folded) that signal an acute emergency. A pattern matches when all its
/// words occur in the question (in any order); a word ending in `*` matches as a prefix.
const EMERGENCY_PATTERNS: &[&[&str]] = &[
    &["suizid*"],
    &["selbstmord*"],
    &["umbringen"],
    &["umzubringen"],
    &["bringe", "mich", "um"],
    &["nicht", "mehr", "leben"],
    &["leben", "nehmen"],
    &["will", "sterben"],
    &["moechte", "sterben"],
    &["schlaegt", "mich"],
    &["schlagt", "mich"],
    &["bedroht", "mich"],
    &["vergewaltig*"],
    &["haeusliche", "gewalt"],
    &["gewalt", "partner"],
    &["heute", "nacht", "schlafen"],
    &["heute", "nacht", "obdachlos"],
    &["heute", "obdachlos"],
    &["auf", "der", "strasse", "schlafen"],
    &["keine", "unterkunft", "heute"],
    &["nichts", "gegessen"],
    &["nichts", "zu", "essen"],
    &["verhungern"],
];

/// True when the question signals an acute emergency (SPEC §2.1).
pub fn is_emergency(question: &str) -> bool {
    let tokens = tokenize(&fold(question));
    EMERGENCY_PATTERNS.iter().any(|pattern| {
        pattern.iter().all(|p| match p.strip_suffix('*') {
            Some(prefix) => tokens.iter().any(|t| t.starts_with(prefix)),
            None => tokens.iter().any(|t| t == p),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_emergencies() {
        for q in [
            "Mein Ex steht vor der Tür und droht, mich umzubringen.",
            "ich will nicht mehr leben",
            "Ich habe seit drei Tagen nichts gegessen",
            "wo kann ich heute nacht schlafen",
            "Mein Mann schlägt mich",
        ] {
            assert!(is_emergency(q), "{q}");
        }
    }

    #[test]
    fn ordinary_questions_are_no_emergency() {
        for q in [
            "Wie hoch ist der Regelsatz?",
            "Ich habe eine Nachzahlung für die Heizung",
            "Wann kommt mein Geld?",
        ] {
            assert!(!is_emergency(q), "{q}");
        }
    }
}
