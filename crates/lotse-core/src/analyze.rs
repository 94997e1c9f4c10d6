//! The analyser turns a question into weighted terms: folding, synonyms, spelling correction
//! towards the knowledge base's own vocabulary, compound splitting, phonetic matching and stemming.
//!
//! The analyser is built from the knowledge base (its vocabulary is what questions are corrected
//! towards), so one is built per index and never changes while answers are served.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::glossary::Glossary;
use crate::text::{
    Letters, Stemmer, allowed_typos, edit_distance, fold, is_stop_word, koelner_phonetik,
    sound_distance, sounds_alike, tokenize,
};

mod heard;

/// Phrases (tokens) with their canonical tokens.
type Phrases = Vec<(Vec<String>, Vec<String>)>;

/// Groups of interchangeable words and phrases; the first entry of a group is canonical.
#[derive(Debug, Default, Clone)]
pub struct Synonyms {
    /// First token of a phrase → (phrase tokens, canonical tokens), longest phrases first.
    by_first: HashMap<String, Phrases>,
    /// The domain's words in other languages (for questions not written in German); shared by
    /// every index, so not copied per build.
    glossary: Arc<Glossary>,
}

impl Synonyms {
    pub fn new<S: AsRef<str>>(groups: &[Vec<S>]) -> Self {
        let mut by_first: HashMap<String, Phrases> = HashMap::new();
        for group in groups {
            let Some(canonical) = group.first() else {
                continue;
            };
            let canonical = tokenize(&fold(canonical.as_ref()));
            if canonical.is_empty() {
                continue;
            }
            for term in group.iter().skip(1) {
                let phrase = tokenize(&fold(term.as_ref()));
                if phrase.is_empty() || phrase == canonical {
                    continue;
                }
                by_first
                    .entry(phrase[0].clone())
                    .or_default()
                    .push((phrase, canonical.clone()));
            }
        }
        for list in by_first.values_mut() {
            list.sort_by_key(|p| std::cmp::Reverse(p.0.len()));
        }
        Synonyms {
            by_first,
            glossary: Arc::default(),
        }
    }

    /// The same synonyms with the cross-language glossary.
    pub fn with_glossary(mut self, glossary: Arc<Glossary>) -> Self {
        self.glossary = glossary;
        self
    }

    pub fn glossary(&self) -> &Glossary {
        &self.glossary
    }

    /// Replaces every known phrase by its canonical tokens (longest match first).
    fn apply(&self, tokens: Vec<String>, notes: &mut Vec<String>) -> Vec<String> {
        if self.by_first.is_empty() {
            return tokens;
        }
        let mut out = Vec::with_capacity(tokens.len());
        let mut i = 0;
        'outer: while i < tokens.len() {
            if let Some(candidates) = self.by_first.get(&tokens[i]) {
                for (phrase, canonical) in candidates {
                    if tokens[i..].starts_with(phrase) {
                        notes.push(format!(
                            "Synonym: {} → {}",
                            phrase.join(" "),
                            canonical.join(" ")
                        ));
                        out.extend(canonical.iter().cloned());
                        i += phrase.len();
                        continue 'outer;
                    }
                }
            }
            out.push(tokens[i].clone());
            i += 1;
        }
        out
    }

    /// Every token that occurs in any group, so that spelling correction can reach them.
    fn vocabulary(&self) -> impl Iterator<Item = &String> {
        self.by_first
            .values()
            .flatten()
            .flat_map(|(p, c)| p.iter().chain(c.iter()))
    }
}

/// Weight of a stop word relative to a content word.
pub const STOP_WORD_WEIGHT: f32 = 0.2;

/// Weight of a question word that the knowledge base does not know and that no correction
/// reached. Such a word matches no answer, but at full weight it still dilutes the match of
/// the words around it; a speech transcript has many of them ("Ausdäderien", "Lodsiarm"). It
/// still counts a little, so that a question of nothing but unknown words stays unanswered.
pub const UNKNOWN_WORD_WEIGHT: f32 = 0.25;

/// A weighted, stemmed term of an analysed text.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub stem: String,
    pub weight: f32,
}

/// The result of analysing one text.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    pub terms: Vec<Term>,
    /// Surface words after correction and synonyms, without stop words (input for n-grams).
    pub words: Vec<String>,
    /// All tokens after correction and synonyms, stop words included, in order (word n-grams).
    pub tokens: Vec<String>,
    /// The sentence mark the text ends with (`?`, `!` or `.`), if any: questions, exclamations
    /// and statements are different kinds of utterance.
    pub end: Option<char>,
    /// Human-readable notes for explanations: corrections, compound splits, synonyms.
    pub notes: Vec<String>,
    /// German words the glossary found in a question in another language (see
    /// [`Analyzer::analyze_foreign`]).
    pub translated: Vec<String>,
}

/// See the module docs.
pub struct Analyzer {
    stemmer: Stemmer,
    synonyms: Synonyms,
    /// Folded surface words of the knowledge base with their frequency.
    vocab: HashMap<String, u32>,
    stems: HashSet<String>,
    /// Real words that are not matched: the words of the answers' texts. A question word found
    /// here is never "corrected" into a vocabulary word ("Behandlung" is not a misspelt
    /// "Behinderung").
    plain: HashSet<String>,
    /// Vocabulary words by character count with their letter counts, for spelling correction.
    by_len: Vec<Vec<(String, Letters)>>,
    phonetic: HashMap<String, Vec<String>>,
}

impl Analyzer {
    /// Builds the analyser from the texts of the knowledge base (variants, titles, keywords).
    pub fn new<'a>(texts: impl Iterator<Item = &'a str>, synonyms: Synonyms) -> Self {
        let stemmer = Stemmer::default();
        let mut vocab: HashMap<String, u32> = HashMap::new();
        for text in texts {
            for token in tokenize(&fold(text)) {
                *vocab.entry(token).or_default() += 1;
            }
        }
        for token in synonyms.vocabulary() {
            vocab.entry(token.clone()).or_insert(1);
        }
        let mut stems = HashSet::new();
        let mut by_len: Vec<Vec<(String, Letters)>> = Vec::new();
        let mut phonetic: HashMap<String, Vec<String>> = HashMap::new();
        for word in vocab.keys() {
            if is_stop_word(word) || !word.chars().all(char::is_alphabetic) {
                continue;
            }
            stems.insert(stemmer.stem(word));
            let len = word.chars().count();
            if by_len.len() <= len {
                by_len.resize(len + 1, Vec::new());
            }
            by_len[len].push((word.clone(), Letters::of(word)));
            if len >= 4 {
                phonetic
                    .entry(koelner_phonetik(word))
                    .or_default()
                    .push(word.clone());
            }
        }
        for list in &mut by_len {
            list.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        }
        for list in phonetic.values_mut() {
            list.sort_unstable();
        }
        Analyzer {
            stemmer,
            synonyms,
            vocab,
            stems,
            plain: HashSet::new(),
            by_len,
            phonetic,
        }
    }

    /// The same analyser, with the words of `texts` (the answers' texts) known as real words:
    /// they are left as they are in a question instead of being corrected towards the
    /// vocabulary, and they still match nothing.
    pub fn with_plain_words<'a>(mut self, texts: impl Iterator<Item = &'a str>) -> Self {
        for text in texts {
            for token in tokenize(&fold(text)) {
                if !self.vocab.contains_key(&token) && token.chars().all(char::is_alphabetic) {
                    self.plain.insert(token);
                }
            }
        }
        self
    }

    /// Number of distinct words the analyser knows.
    pub fn vocabulary_size(&self) -> usize {
        self.vocab.len()
    }

    /// Analyses a knowledge-base text (no spelling correction: the vocabulary comes from it).
    pub fn analyze_document(&self, text: &str) -> Analysis {
        self.analyze(text, false)
    }

    /// Analyses a question written in another language: the German words the glossary finds in
    /// it are added to it (with a note each), then it is analysed like a German question.
    pub fn analyze_foreign(&self, text: &str) -> Analysis {
        let found = self.synonyms.glossary.translate(text);
        if found.is_empty() {
            return self.analyze_query(text);
        }
        let german: Vec<&str> = found.iter().map(|(g, _)| g.as_str()).collect();
        let mut analysis = self.analyze_query(&format!("{text} {}", german.join(" ")));
        for (german, word) in found.iter().rev() {
            analysis
                .notes
                .insert(0, format!("Übersetzt: {word} → {german}"));
        }
        analysis.translated = found.into_iter().map(|(german, _)| german).collect();
        analysis
    }

    /// Analyses a citizen's question, correcting unknown words towards the vocabulary.
    pub fn analyze_query(&self, text: &str) -> Analysis {
        self.analyze(text, true)
    }

    fn analyze(&self, text: &str, correct: bool) -> Analysis {
        let mut notes = Vec::new();
        let mut tokens = tokenize(&fold(text));
        if correct {
            tokens = self.repair(tokens, &mut notes);
        }
        let tokens = self.synonyms.apply(tokens, &mut notes);
        let mut terms = Vec::with_capacity(tokens.len() * 2);
        let mut words = Vec::with_capacity(tokens.len());
        let all_tokens = tokens.clone();
        for token in tokens {
            if is_stop_word(&token) {
                // Kept with a low weight: "was kannst du" must not become an empty question.
                terms.push(Term {
                    stem: token,
                    weight: STOP_WORD_WEIGHT,
                });
                continue;
            }
            let known = self.vocab.contains_key(&token);
            let parts = self.split_compound(&token);
            if let Some(parts) = &parts {
                notes.push(format!("Wortzerlegung: {token} → {}", parts.join(" · ")));
                let part_weight = if known { 0.5 } else { 1.0 };
                for part in parts {
                    terms.push(Term {
                        stem: self.stemmer.stem(part),
                        weight: part_weight,
                    });
                }
            }
            let whole_weight = if known {
                1.0
            } else if parts.is_some() {
                0.3
            } else if correct && !self.stems.contains(&self.stemmer.stem(&token)) {
                UNKNOWN_WORD_WEIGHT
            } else {
                1.0
            };
            terms.push(Term {
                stem: self.stemmer.stem(&token),
                weight: whole_weight,
            });
            words.push(token);
        }
        let end = text
            .trim_end()
            .chars()
            .last()
            .filter(|c| matches!(c, '?' | '!' | '.'));
        Analysis {
            terms,
            words,
            tokens: all_tokens,
            end,
            notes,
            translated: Vec::new(),
        }
    }

    /// A vocabulary word for an unknown token: the closest by edit distance (allowed distance
    /// grows with word length), else one that sounds the same (Kölner Phonetik).
    fn correct(&self, token: &str) -> Option<String> {
        self.closest(token).map(|(word, _)| word)
    }

    /// True when a token needs no correction: a vocabulary word, a stop word, a number, a form
    /// of a known word or a compound of known parts.
    fn is_known(&self, token: &str) -> bool {
        self.vocab.contains_key(token)
            || self.plain.contains(token)
            || is_stop_word(token)
            || !token.chars().all(char::is_alphabetic)
            || self.stems.contains(&self.stemmer.stem(token))
            || self.split_compound(token).is_some()
    }

    /// The correction of [`Analyzer::correct`] with its cost in half steps of
    /// [`sound_distance`]. A candidate qualifies by ordinary edit distance (typing errors) or by
    /// a small sound distance (misheard words: "Monung" → "wohnung", which is two typing errors
    /// but sounds nearly the same); among qualifying words the one that sounds closest wins,
    /// then the more frequent.
    fn closest(&self, token: &str) -> Option<(String, usize)> {
        if self.is_known(token) {
            return None;
        }
        let len = token.chars().count();
        let max = allowed_typos(len);
        if max == 0 {
            return None;
        }
        let max_sound = max_sound_halves(len);
        let mut best: Option<(usize, u32, &String)> = None;
        // Short words keep their first letter (or one that sounds alike) when misspelt or
        // misheard; requiring it avoids "wumm" → "dumm".
        let first = token.chars().next().unwrap_or_default();
        let reach = max.max(max_sound / 2);
        let cap = max_sound.max(2 * max);
        let letters = Letters::of(token);
        for l in len.saturating_sub(reach)..=len + reach {
            for (word, word_letters) in self.by_len.get(l).into_iter().flatten() {
                let word_first = word.chars().next().unwrap_or_default();
                if len <= 7 && word_first != first && !sounds_alike(word_first, first) {
                    continue;
                }
                if letters.min_distance(word_letters) > cap {
                    continue;
                }
                let sound = sound_distance(token, word, cap);
                let Some(d) = sound.filter(|&d| {
                    d <= max_sound
                        || (word_first == first || len > 7)
                            && edit_distance(token, word, max).is_some()
                }) else {
                    continue;
                };
                let freq = self.vocab.get(word).copied().unwrap_or(0);
                let better = match best {
                    None => true,
                    Some((bd, bf, _)) => d < bd || (d == bd && freq > bf),
                };
                if better {
                    best = Some((d, freq, word));
                }
            }
        }
        if let Some((d, _, word)) = best {
            return Some((word.clone(), d));
        }
        if len >= 5 {
            let candidates = self.phonetic.get(&koelner_phonetik(token))?;
            let limit = len / 2;
            return candidates
                .iter()
                .filter_map(|w| edit_distance(token, w, limit).map(|d| (d, w)))
                .min_by_key(|(d, _)| *d)
                .map(|(d, w)| (w.clone(), 2 * d));
        }
        None
    }

    fn is_part(&self, part: &str) -> bool {
        let len = part.len();
        if len < 3 || is_stop_word(part) {
            return false;
        }
        (self.vocab.contains_key(part)
            && (len >= 4 || self.vocab.get(part).is_some_and(|f| *f >= 2)))
            || (len >= 4
                && (self.stems.contains(part) || self.stems.contains(&self.stemmer.stem(part))))
    }

    /// Splits a compound into known parts with the fewest parts, allowing the linking
    /// elements -s- and -n- between parts (Weiterbewilligungsantrag → weiter · bewilligung · antrag).
    pub fn split_compound(&self, word: &str) -> Option<Vec<String>> {
        if word.len() < 7 || !word.bytes().all(|b| b.is_ascii_lowercase()) {
            return None;
        }
        let n = word.len();
        // best[i] = (parts, previous cut, part end) for the prefix word[..i]
        let mut best: Vec<Option<(usize, usize, usize)>> = vec![None; n + 1];
        best[0] = Some((0, 0, 0));
        for i in 3..=n {
            for j in 0..=i.saturating_sub(3) {
                let Some((count, _, _)) = best[j] else {
                    continue;
                };
                if j == 0 && i == n {
                    continue; // the word itself is no split
                }
                let segment = &word[j..i];
                // Prefer reading a final -s/-n as a linking element (Bewilligungs|antrag).
                let end = if (segment.ends_with('s') || segment.ends_with('n'))
                    && i < n
                    && self.is_part(&segment[..segment.len() - 1])
                {
                    Some(i - 1)
                } else if self.is_part(segment) {
                    Some(i)
                } else {
                    None
                };
                if let Some(end) = end {
                    let candidate = (count + 1, j, end);
                    if best[i].is_none_or(|b| candidate.0 < b.0) {
                        best[i] = Some(candidate);
                    }
                }
            }
        }
        let (count, _, _) = best[n]?;
        if count < 2 {
            return None;
        }
        let mut parts = Vec::with_capacity(count);
        let mut i = n;
        while i > 0 {
            let (_, j, end) = best[i]?;
            let part = &word[j..end];
            // A part that is itself a compound is split further (weiterbewilligung → weiter · bewilligung).
            match self.split_compound(part) {
                Some(sub) => parts.extend(sub.into_iter().rev()),
                None => parts.push(part.to_owned()),
            }
            i = j;
        }
        parts.reverse();
        Some(parts)
    }
}

/// How far, in half steps of [`sound_distance`], a misheard word of this length may sound from
/// the word meant: half the typing errors' allowance for short words (one similar letter),
/// the same for longer ones.
fn max_sound_halves(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=5 => 1,
        6..=7 => 2,
        _ => 2 * allowed_typos(len),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyzer() -> Analyzer {
        let texts = [
            "Wie stelle ich einen Antrag auf Weiterbewilligung?",
            "Wer zahlt die Miete und die Kosten der Unterkunft?",
            "Wann kommt das Geld? Übernahme der Kaution",
            "Bewilligung Zeitraum Antrag Antrag",
            "Wie geht es weiter?",
        ];
        let synonyms = Synonyms::new(&[
            vec!["grundsicherungsgeld", "bürgergeld", "hartz 4", "alg 2"],
            vec!["kosten der unterkunft", "kdu"],
        ]);
        Analyzer::new(texts.into_iter(), synonyms)
    }

    fn stems(a: &Analysis) -> Vec<String> {
        a.terms.iter().map(|t| t.stem.clone()).collect()
    }

    #[test]
    fn compounds_split_into_known_parts() {
        let a = analyzer();
        assert_eq!(
            a.split_compound("weiterbewilligungsantrag"),
            Some(vec!["weiter".into(), "bewilligung".into(), "antrag".into()])
        );
        assert_eq!(a.split_compound("kaution"), None);
    }

    #[test]
    fn synonyms_map_to_the_canonical_term() {
        let a = analyzer();
        let q = a.analyze_query("Hartz 4 und KdU");
        assert!(
            q.words.contains(&"grundsicherungsgeld".to_owned()),
            "{:?}",
            q.words
        );
        assert!(q.words.contains(&"unterkunft".to_owned()), "{:?}", q.words);
    }

    #[test]
    fn words_of_the_answers_texts_are_not_corrected_into_other_words() {
        let texts = [
            "Gibt es einen Mehrbedarf bei Behinderung?",
            "Wer zahlt die Miete?",
        ];
        let plain = Analyzer::new(texts.into_iter(), Synonyms::default());
        // Without the answers' texts, "Behandlung" looks like a misspelt "Behinderung".
        let q = plain.analyze_query("Behandlung beim Tierarzt");
        assert!(q.words.contains(&"behinderung".to_owned()), "{:?}", q.words);
        let a = Analyzer::new(texts.into_iter(), Synonyms::default())
            .with_plain_words(["Die Krankenkasse zahlt die Behandlung beim Arzt."].into_iter());
        let q = a.analyze_query("Behandlung beim Tierarzt");
        assert!(q.words.contains(&"behandlung".to_owned()), "{:?}", q.words);
        assert!(
            !q.words.contains(&"behinderung".to_owned()),
            "{:?}",
            q.words
        );
        // A plain word is still no match: it weighs like an unknown word.
        let t = q
            .terms
            .iter()
            .find(|t| t.stem.starts_with("behandl"))
            .expect("term");
        assert!(t.weight < 0.5, "{t:?}");
        // Typing errors in vocabulary words are still corrected.
        let q = a.analyze_query("Behinderrung");
        assert!(q.words.contains(&"behinderung".to_owned()), "{:?}", q.words);
    }

    #[test]
    fn typos_are_corrected_towards_the_vocabulary() {
        let a = analyzer();
        let q = a.analyze_query("kauzion uebernahme");
        assert!(q.words.contains(&"kaution".to_owned()), "{:?}", q);
        let q = a.analyze_query("weiterbewiligung");
        assert!(q.words.contains(&"weiterbewilligung".to_owned()), "{:?}", q);
    }

    #[test]
    fn unknown_words_of_a_question_count_less() {
        let a = analyzer();
        let weight =
            |q: &Analysis, stem: &str| q.terms.iter().find(|t| t.stem == stem).map(|t| t.weight);
        let q = a.analyze_query("Kaution Xylophon");
        assert_eq!(weight(&q, "kaution"), Some(1.0));
        assert_eq!(weight(&q, "xylophon"), Some(UNKNOWN_WORD_WEIGHT));
        // The knowledge base's own texts define the vocabulary: nothing in them is unknown.
        let d = a.analyze_document("Kaution Xylophon");
        assert_eq!(weight(&d, "xylophon"), Some(1.0));
    }

    #[test]
    fn stop_words_are_down_weighted_and_words_stemmed() {
        let a = analyzer();
        let q = a.analyze_query("Wer zahlt die Mieten?");
        assert_eq!(
            stems(&q),
            vec![
                "wer".to_owned(),
                "zahlt".into(),
                "die".into(),
                "miet".into()
            ]
        );
        let weights: Vec<f32> = q.terms.iter().map(|t| t.weight).collect();
        assert_eq!(weights, vec![STOP_WORD_WEIGHT, 1.0, STOP_WORD_WEIGHT, 1.0]);
        // Stop words stay out of the n-gram words but in the token sequence, with the sentence mark.
        assert_eq!(q.words, vec!["zahlt".to_owned(), "mieten".into()]);
        assert_eq!(
            q.tokens,
            vec![
                "wer".to_owned(),
                "zahlt".into(),
                "die".into(),
                "mieten".into()
            ]
        );
        assert_eq!(q.end, Some('?'));
        assert_eq!(a.analyze_query("Miete zahlen").end, None);
    }
}
