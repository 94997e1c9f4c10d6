//! German text analysis primitives: folding, tokenising, stop words, stemming,
//! edit distance and phonetic keys.
//!
//! Everything here works on *folded* text: Unicode NFKC, lower case, umlauts and ß written out as
//! ae/oe/ue/ss, other Latin diacritics removed. Folding both the knowledge base and the question
//! the same way is what makes "Mietkostenuebernahme" meet "Mietkostenübernahme".

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Folds text for matching (see the module docs). Non-Latin scripts are kept, lower-cased.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.nfkc() {
        for lc in c.to_lowercase() {
            match lc {
                'ä' => out.push_str("ae"),
                'ö' => out.push_str("oe"),
                'ü' => out.push_str("ue"),
                'ß' => out.push_str("ss"),
                c if c.is_ascii() => out.push(c),
                c => {
                    // Strip combining marks from decomposed Latin letters (é → e), keep the rest.
                    for d in std::iter::once(c).nfd() {
                        if !is_combining_mark(d) {
                            out.push(d);
                        }
                    }
                }
            }
        }
    }
    out
}

/// Splits folded text into word tokens. Letters and digits form tokens; a change between
/// letters and digits also splits ("hartz4" → "hartz", "4"), so that spellings meet.
pub fn tokenize(folded: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut cur = String::new();
    let mut cur_digit = false;
    for c in folded.chars() {
        if c.is_alphanumeric() {
            let digit = c.is_ascii_digit();
            if !cur.is_empty() && digit != cur_digit {
                tokens.push(std::mem::take(&mut cur));
            }
            cur_digit = digit;
            cur.push(c);
        } else if !cur.is_empty() {
            tokens.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        tokens.push(cur);
    }
    tokens
}

/// German function words that carry no meaning for matching, in folded spelling.
/// Question words like "wann", "wie", "wo" and negations are kept on purpose: they
/// separate "wann kommt das Geld" from "wie viel Geld".
const STOP_WORDS: &[&str] = &[
    "a",
    "ab",
    "aber",
    "alle",
    "allem",
    "allen",
    "aller",
    "alles",
    "als",
    "also",
    "am",
    "an",
    "auch",
    "auf",
    "aus",
    "bei",
    "beim",
    "bin",
    "bis",
    "bist",
    "bitte",
    "da",
    "dabei",
    "dadurch",
    "dafuer",
    "damit",
    "dann",
    "daran",
    "darauf",
    "darf",
    "darueber",
    "das",
    "dass",
    "davon",
    "dazu",
    "dein",
    "deine",
    "dem",
    "den",
    "denn",
    "der",
    "des",
    "dich",
    "die",
    "dies",
    "diese",
    "diesem",
    "diesen",
    "dieser",
    "dieses",
    "dir",
    "doch",
    "dort",
    "du",
    "durch",
    "ein",
    "eine",
    "einem",
    "einen",
    "einer",
    "eines",
    "einfach",
    "eigentlich",
    "er",
    "es",
    "etwa",
    "etwas",
    "euch",
    "euer",
    "fuer",
    "gibt",
    "gibts",
    "hab",
    "habe",
    "haben",
    "hallo",
    "hat",
    "hatte",
    "hier",
    "ich",
    "ihm",
    "ihn",
    "ihnen",
    "ihr",
    "ihre",
    "ihrem",
    "ihren",
    "ihrer",
    "im",
    "in",
    "ins",
    "ist",
    "ja",
    "jetzt",
    "kann",
    "kannst",
    "koennen",
    "koennte",
    "man",
    "mal",
    "mein",
    "meine",
    "meinem",
    "meinen",
    "meiner",
    "meines",
    "mich",
    "mir",
    "mit",
    "moechte",
    "muss",
    "musst",
    "muessen",
    "nach",
    "noch",
    "nun",
    "nur",
    "ob",
    "oder",
    "schon",
    "sehr",
    "sein",
    "seine",
    "seinem",
    "seinen",
    "seiner",
    "sich",
    "sie",
    "sind",
    "so",
    "soll",
    "sollen",
    "sollte",
    "um",
    "und",
    "uns",
    "unser",
    "unsere",
    "unserem",
    "unseren",
    "unter",
    "vom",
    "von",
    "vor",
    "war",
    "waere",
    "waren",
    "was",
    "weil",
    "welche",
    "welchen",
    "welcher",
    "welches",
    "wenn",
    "wer",
    "werde",
    "werden",
    "wird",
    "wir",
    "will",
    "wo",
    "zu",
    "zum",
    "zur",
    "the",
    "is",
    "to",
    "of",
    "and",
    "what",
    "how",
    "do",
    "does",
    "can",
    "my",
    "for",
];

static STOP_SET: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
    std::sync::LazyLock::new(|| STOP_WORDS.iter().copied().collect());

/// True when a folded token is a stop word.
pub fn is_stop_word(token: &str) -> bool {
    STOP_SET.contains(token)
}

/// A Snowball German stemmer (created once per index; stemming is allocation-light).
pub struct Stemmer(rust_stemmers::Stemmer);

impl Default for Stemmer {
    fn default() -> Self {
        Self(rust_stemmers::Stemmer::create(
            rust_stemmers::Algorithm::German,
        ))
    }
}

impl Stemmer {
    /// Stems one folded token. Digits and non-Latin tokens pass through unchanged.
    pub fn stem(&self, token: &str) -> String {
        if !token.bytes().all(|b| b.is_ascii_lowercase()) {
            return token.to_owned();
        }
        self.0.stem(token).into_owned()
    }
}

/// Damerau–Levenshtein (optimal string alignment) distance, giving up above `max`.
/// Returns `None` when the distance exceeds `max`.
pub fn edit_distance(a: &str, b: &str, max: usize) -> Option<usize> {
    weighted_distance(a, b, max, |x, y| usize::from(x != y), |_| 1, 1)
}

/// Optimal string alignment distance with costs per substitution, per inserted or deleted
/// letter (at least 1) and per transposition, giving up above `max`.
fn weighted_distance(
    a: &str,
    b: &str,
    max: usize,
    substitution: impl Fn(char, char) -> usize,
    indel: impl Fn(char) -> usize,
    transposition: usize,
) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    // Every inserted or deleted letter costs at least 1.
    if n.abs_diff(m) > max {
        return None;
    }
    let mut prev2 = vec![0usize; m + 1];
    let mut prev = vec![0usize; m + 1];
    for j in 1..=m {
        prev[j] = prev[j - 1] + indel(b[j - 1]);
    }
    let mut cur = vec![0usize; m + 1];
    for i in 1..=n {
        cur[0] = prev[0] + indel(a[i - 1]);
        let mut row_min = cur[0];
        for j in 1..=m {
            let mut v = (prev[j] + indel(a[i - 1]))
                .min(cur[j - 1] + indel(b[j - 1]))
                .min(prev[j - 1] + substitution(a[i - 1], b[j - 1]));
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + transposition);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    (prev[m] <= max).then_some(prev[m])
}

/// The edit distance a misspelling of a word of this length may have: longer words tolerate more.
pub fn allowed_typos(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=7 => 1,
        8..=13 => 2,
        _ => 3,
    }
}

/// Groups of letters that sound alike or that speech recognition confuses: voiced and
/// voiceless pairs, the nasals, the liquids, and the lip sounds (a recogniser writes the German
/// w [v] as m or b: "Melches" for "Welches", "Monung" for "Wohnung").
const SOUND_GROUPS: &[&str] = &[
    "aeiouy", "bp", "dt", "gkcq", "fvw", "szc", "mn", "mw", "bw", "lr",
];

/// Letters a recogniser drops or adds without changing the sound much: the silent h
/// ("Honkel", "gezalt") and the unstressed e of endings ("Vermiete" for "Vermieter").
const WEAK_LETTERS: &[char] = &['h', 'e'];

/// For each ASCII lower-case letter, the groups of [`SOUND_GROUPS`] it belongs to as bits
/// (looked up for every letter pair of every compared word, so not searched each time).
static SOUND_BITS: std::sync::LazyLock<[u16; 26]> = std::sync::LazyLock::new(|| {
    let mut bits = [0u16; 26];
    for (g, group) in SOUND_GROUPS.iter().enumerate() {
        for c in group.bytes() {
            bits[usize::from(c - b'a')] |= 1 << g;
        }
    }
    bits
});

fn sound_bits(c: char) -> u16 {
    if c.is_ascii_lowercase() {
        SOUND_BITS[usize::from(c as u8 - b'a')]
    } else {
        0
    }
}

/// Cost, in half steps, of writing `a` where `b` was meant.
fn substitution_cost(a: char, b: char) -> usize {
    if a == b {
        0
    } else if sound_bits(a) & sound_bits(b) != 0 {
        1
    } else {
        2
    }
}

/// Cost, in half steps, of a letter that one spelling has and the other lacks.
fn indel_cost(c: char) -> usize {
    if WEAK_LETTERS.contains(&c) { 1 } else { 2 }
}

/// How far apart two folded words *sound*, in half steps: like [`edit_distance`], but a
/// letter replaced by a similar-sounding one ("Jobkenter", "Wonung") or a dropped h or e costs
/// half. Made for speech transcripts, where a misheard word keeps its sound and loses its
/// spelling. Returns `None` above `max_halves`.
pub fn sound_distance(a: &str, b: &str, max_halves: usize) -> Option<usize> {
    weighted_distance(a, b, max_halves, substitution_cost, indel_cost, 2)
}

/// How often each ASCII letter occurs in a word: a cheap lower bound of [`edit_distance`] and
/// [`sound_distance`], so that spelling correction runs the full comparison only on the few
/// vocabulary words that can be close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Letters([u8; 26]);

impl Letters {
    pub fn of(word: &str) -> Self {
        let mut counts = [0u8; 26];
        for b in word.bytes().filter(u8::is_ascii_lowercase) {
            let slot = &mut counts[usize::from(b - b'a')];
            *slot = slot.saturating_add(1);
        }
        Letters(counts)
    }

    /// A lower bound of the edit distance (and of the sound distance in half steps) between
    /// the two words: each edit changes at most two letter counts by one.
    pub fn min_distance(&self, other: &Letters) -> usize {
        let differing: usize = self
            .0
            .iter()
            .zip(&other.0)
            .map(|(a, b)| usize::from(a.abs_diff(*b)))
            .sum();
        differing.div_ceil(2)
    }
}

/// True when two letters sound alike (see [`sound_distance`]).
pub fn sounds_alike(a: char, b: char) -> bool {
    substitution_cost(a, b) <= 1
}

/// Kölner Phonetik: a phonetic key for German words, so that words which sound alike
/// ("Meier", "Mayer"; "Kaution", "Kauzion") share a key. Expects folded text.
pub fn koelner_phonetik(word: &str) -> String {
    // Undo the umlaut folding first: the algorithm treats ä/ö/ü as vowels.
    let chars: Vec<char> = word
        .replace("ae", "a")
        .replace("oe", "o")
        .replace("ue", "u")
        .chars()
        .filter(|c| c.is_ascii_alphabetic())
        .collect();
    let mut codes: Vec<char> = Vec::with_capacity(chars.len() * 2);
    for (i, &c) in chars.iter().enumerate() {
        let prev = if i > 0 { Some(chars[i - 1]) } else { None };
        let next = chars.get(i + 1).copied();
        let code: &str = match c {
            'a' | 'e' | 'i' | 'j' | 'o' | 'u' | 'y' => "0",
            'h' => "",
            'b' => "1",
            'p' => {
                if next == Some('h') {
                    "3"
                } else {
                    "1"
                }
            }
            'd' | 't' => {
                if matches!(next, Some('c' | 's' | 'z')) {
                    "8"
                } else {
                    "2"
                }
            }
            'f' | 'v' | 'w' => "3",
            'g' | 'k' | 'q' => "4",
            'c' => {
                let hard_next = matches!(
                    next,
                    Some('a' | 'h' | 'k' | 'l' | 'o' | 'q' | 'r' | 'u' | 'x')
                );
                match prev {
                    None => {
                        if hard_next {
                            "4"
                        } else {
                            "8"
                        }
                    }
                    Some('s' | 'z') => "8",
                    Some(_) => {
                        if matches!(next, Some('a' | 'h' | 'k' | 'o' | 'q' | 'u' | 'x')) {
                            "4"
                        } else {
                            "8"
                        }
                    }
                }
            }
            'x' => {
                if matches!(prev, Some('c' | 'k' | 'q')) {
                    "8"
                } else {
                    "48"
                }
            }
            'l' => "5",
            'm' | 'n' => "6",
            'r' => "7",
            's' | 'z' => "8",
            _ => "",
        };
        codes.extend(code.chars());
    }
    // Collapse repeated codes, then drop all "0" except at the start.
    let mut out = String::with_capacity(codes.len());
    let mut last: Option<char> = None;
    for (i, c) in codes.iter().enumerate() {
        if Some(*c) == last {
            continue;
        }
        last = Some(*c);
        if *c != '0' || i == 0 {
            out.push(*c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_writes_out_umlauts_and_strips_accents() {
        assert_eq!(
            fold("Mietkostenübernahme GRÖSSE Straße Café"),
            "mietkostenuebernahme groesse strasse cafe"
        );
        assert_eq!(fold("Як подати"), "як подати");
    }

    #[test]
    fn tokenize_splits_letters_from_digits() {
        assert_eq!(
            tokenize("hartz4 / alg-2, § 16i"),
            vec!["hartz", "4", "alg", "2", "16", "i"]
        );
    }

    #[test]
    fn stop_words_are_folded_and_recognised() {
        assert!(
            STOP_WORDS.iter().all(|w| fold(w) == *w),
            "write stop words in folded spelling"
        );
        assert!(is_stop_word("der"));
        assert!(!is_stop_word("miete"));
    }

    #[test]
    fn edit_distance_counts_transpositions_once() {
        assert_eq!(edit_distance("antrga", "antrag", 2), Some(1));
        assert_eq!(edit_distance("miete", "miete", 0), Some(0));
        assert_eq!(edit_distance("kaution", "kindergeld", 2), None);
    }

    #[test]
    fn letter_counts_never_exceed_the_distance() {
        let words = [
            "jobkenter",
            "jobcenter",
            "monung",
            "wohnung",
            "antrga",
            "antrag",
            "kaution",
        ];
        for a in words {
            for b in words {
                let bound = Letters::of(a).min_distance(&Letters::of(b));
                let halves = sound_distance(a, b, 40).unwrap_or(usize::MAX);
                let edits = edit_distance(a, b, 20).unwrap_or(usize::MAX);
                assert!(bound <= halves && bound <= edits, "{a} ~ {b}: {bound}");
            }
        }
        assert_eq!(
            Letters::of("kaution").min_distance(&Letters::of("kauzion")),
            1
        );
    }

    #[test]
    fn koelner_phonetik_matches_known_keys() {
        assert_eq!(koelner_phonetik("mueller"), "657");
        assert_eq!(koelner_phonetik("meier"), koelner_phonetik("mayer"));
        assert_eq!(koelner_phonetik("wikipedia"), "3412");
        assert_eq!(koelner_phonetik("schmidt"), koelner_phonetik("schmitt"));
    }

    #[test]
    fn sound_distance_charges_half_for_misheard_letters() {
        // (heard, meant, half steps)
        let cases = [
            ("jobkenter", "jobcenter", Some(1)),
            ("monung", "wohnung", Some(2)),
            ("schaidung", "scheidung", Some(1)),
            ("honkel", "onkel", Some(1)),
            ("kuehlschank", "kuehlschrank", Some(2)),
            ("unzug", "umzug", Some(1)),
            ("miete", "miete", Some(0)),
            ("kaution", "kindergeld", None),
        ];
        for (heard, meant, expected) in cases {
            assert_eq!(
                sound_distance(heard, meant, 4),
                expected,
                "{heard} → {meant}"
            );
        }
        // A letter of another sound still costs a whole step.
        assert_eq!(sound_distance("rutscheine", "gutscheine", 4), Some(2));
    }
}
