//! Property tests (issue 8): normalisation and redaction on generated input, including
//! arbitrary Unicode. They check that nothing panics, that folding and masking are idempotent,
//! and that an e-mail address or IBAN put anywhere into a sentence never survives masking; and
//! (issue 5) that the sound distance of speech-transcript correction keeps its bounds.

use lotse_core::redact::{redact, strip};
use lotse_core::text::{Letters, edit_distance, fold, sound_distance, tokenize};
use proptest::prelude::*;

/// German-looking text: words, umlauts, digits and punctuation, plus any Unicode now and then.
fn germanish() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-zÄÖÜäöüß0-9 .,:;!?§€/()@+-]{0,120}",
        any::<String>(),
        "(Frau|Herr|ich heiße|Mein Sohn|geb\\.|Tel\\.|IBAN|Aktenzeichen) [A-Za-zÄÖÜäöüß0-9 .:/-]{0,40}",
    ]
}

fn email() -> impl Strategy<Value = String> {
    (
        "[a-z][a-z0-9._-]{0,15}[a-z0-9]",
        "[a-z][a-z0-9-]{0,12}[a-z0-9]",
        "(de|com|net|org)",
    )
        .prop_map(|(local, host, tld)| format!("{local}@{host}.{tld}"))
}

/// A German IBAN, written in groups of four or in one piece.
fn iban() -> impl Strategy<Value = String> {
    ("[0-9]{2}", "[0-9]{18}", any::<bool>()).prop_map(|(check, rest, grouped)| {
        let raw = format!("DE{check}{rest}");
        if grouped {
            raw.as_bytes()
                .chunks(4)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            raw
        }
    })
}

/// Words that may stand next to the injected identifier.
fn sentence_part() -> impl Strategy<Value = String> {
    "[A-Za-zÄÖÜäöüß ,.:!?]{0,40}"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn folding_is_idempotent_and_never_panics(text in germanish()) {
        let once = fold(&text);
        prop_assert_eq!(fold(&once), once.clone());
        // Folded text has no upper-case Latin letters and no umlauts left.
        prop_assert!(!once.chars().any(|c| c.is_ascii_uppercase() || "äöüßÄÖÜ".contains(c)));
        let _ = tokenize(&once);
    }

    #[test]
    fn sound_distance_is_symmetric_and_within_its_bounds(
        a in "[a-zäöüß]{0,14}",
        b in "[a-zäöüß]{0,14}",
    ) {
        let (a, b) = (fold(&a), fold(&b));
        let halves = sound_distance(&a, &b, 64).expect("no limit reached");
        prop_assert_eq!(sound_distance(&b, &a, 64), Some(halves));
        // Each edit costs half a step at least and a whole step at most.
        let edits = edit_distance(&a, &b, 64).expect("no limit reached");
        prop_assert!(edits <= halves && halves <= 2 * edits, "{} {} {}", a, b, halves);
        // The letter counts that spelling correction filters by never exceed either.
        prop_assert!(Letters::of(&a).min_distance(&Letters::of(&b)) <= edits);
        // Giving up early agrees with the full comparison.
        prop_assert_eq!(sound_distance(&a, &b, halves), Some(halves));
        if halves > 0 {
            prop_assert_eq!(sound_distance(&a, &b, halves - 1), None);
        }
    }

    #[test]
    fn tokens_of_folded_text_are_folded(text in germanish()) {
        for token in tokenize(&fold(&text)) {
            prop_assert_eq!(fold(&token), token);
        }
    }

    #[test]
    fn redaction_never_panics_and_is_idempotent(text in germanish()) {
        let once = redact(&text);
        prop_assert_eq!(redact(&once), once);
        let _ = strip(&text);
    }

    #[test]
    fn injected_email_never_survives(
        before in sentence_part(),
        mail in email(),
        after in sentence_part(),
    ) {
        let text = format!("{before} {mail} {after}");
        let out = redact(&text);
        prop_assert!(!out.contains(&mail), "{} → {}", text, out);
        prop_assert!(out.contains("[E-MAIL]"), "{} → {}", text, out);
        prop_assert!(!strip(&text).contains(&mail));
    }

    #[test]
    fn injected_iban_never_survives(
        before in sentence_part(),
        iban in iban(),
        after in sentence_part(),
    ) {
        let text = format!("{before} {iban} {after}");
        let out = redact(&text);
        let digits: String = iban.chars().filter(char::is_ascii_digit).collect();
        let out_digits: String = out.chars().filter(char::is_ascii_digit).collect();
        prop_assert!(!out.contains(&iban), "{} → {}", text, out);
        prop_assert!(!out_digits.contains(&digits[2..]), "{} → {}", text, out);
        prop_assert!(out.contains("[IBAN]"), "{} → {}", text, out);
    }
}
