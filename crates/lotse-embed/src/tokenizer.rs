//! The SentencePiece Unigram tokenizer of XLM-RoBERTa (which multilingual-e5-small uses), read from the
//! standard `tokenizer.json`, with a compact vocabulary.
//!
//! The `tokenizers` crate gives the same ids but keeps its 250,002 pieces in a byte trie with a hash
//! map per node (783 k nodes): about 290 MB resident, more than the whole model. Here the pieces sit in
//! one hash map (about 20 MB) and the Viterbi search looks up every substring up to the longest piece,
//! which costs microseconds for a question. The pipeline is that of `tokenizer.json`: the precompiled
//! SentencePiece character map, runs of spaces collapsed, `▁` for spaces and before the first word,
//! words split before each `▁`, Viterbi per word with an unknown-piece penalty of 10 and consecutive
//! unknown characters fused, then `<s> … </s>`. Ties go to the shorter first piece, as in `tokenizers`.
//! One deliberate difference: special-token strings typed by a user (`<mask>`) stay text.

use std::collections::HashMap;

use serde::Deserialize;
use spm_precompiled::Precompiled;

const UNK_PENALTY: f64 = 10.0;
const SPACE: char = '▁';

#[derive(Deserialize)]
struct File {
    normalizer: Option<serde_json::Value>,
    pre_tokenizer: Option<serde_json::Value>,
    model: Model,
}

#[derive(Deserialize)]
struct Model {
    #[serde(rename = "type")]
    kind: String,
    unk_id: Option<u32>,
    vocab: Vec<(String, f64)>,
}

/// Decodes standard base64 (with `=` padding), as `tokenizer.json` stores the character map.
fn base64(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let text = text.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut buffer, mut bits) = (0u32, 0);
    for &c in text {
        buffer = (buffer << 6) | u32::from(value(c)?);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

/// A tokenizer for XLM-RoBERTa-style Unigram models.
pub struct Tokenizer {
    normalizer: Option<Precompiled>,
    pieces: HashMap<Box<str>, u32>,
    scores: Vec<f64>,
    max_piece_bytes: usize,
    unk: u32,
    unk_score: f64,
    bos: u32,
    eos: u32,
    pad: u32,
}

impl std::fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokenizer")
            .field("pieces", &self.scores.len())
            .finish_non_exhaustive()
    }
}

impl Tokenizer {
    /// Parses the contents of a `tokenizer.json`; the error says what is not supported.
    pub fn from_json(json: &[u8]) -> Result<Self, String> {
        let file: File = serde_json::from_slice(json).map_err(|e| e.to_string())?;
        if file.model.kind != "Unigram" {
            return Err(format!("model type {} is not Unigram", file.model.kind));
        }
        let metaspace = file
            .pre_tokenizer
            .as_ref()
            .and_then(|p| p.get("type"))
            .and_then(|t| t.as_str());
        if metaspace != Some("Metaspace") {
            return Err("the pre-tokenizer is not Metaspace".into());
        }
        let normalizer = match &file.normalizer {
            None => None,
            Some(n) => {
                let parts = match n.get("normalizers").and_then(|p| p.as_array()) {
                    Some(parts) => parts.clone(),
                    None => vec![n.clone()],
                };
                let precompiled = parts
                    .iter()
                    .find(|p| p.get("type").and_then(|t| t.as_str()) == Some("Precompiled"));
                match precompiled
                    .and_then(|p| p.get("precompiled_charsmap"))
                    .and_then(|c| c.as_str())
                {
                    Some(charsmap) => {
                        let bytes = base64(charsmap).ok_or("precompiled_charsmap is not base64")?;
                        Some(Precompiled::from(&bytes).map_err(|e| e.to_string())?)
                    }
                    None => None,
                }
            }
        };
        let id = |piece: &str| {
            file.model
                .vocab
                .iter()
                .position(|(p, _)| p == piece)
                .and_then(|i| u32::try_from(i).ok())
                .ok_or_else(|| format!("the vocabulary has no {piece}"))
        };
        let (bos, eos, pad) = (id("<s>")?, id("</s>")?, id("<pad>")?);
        let unk = file.model.unk_id.ok_or("the model has no unk_id")?;
        let mut pieces = HashMap::with_capacity(file.model.vocab.len());
        let mut scores = Vec::with_capacity(file.model.vocab.len());
        let mut max_piece_bytes = 1;
        let mut min_score = f64::INFINITY;
        for (i, (piece, score)) in file.model.vocab.into_iter().enumerate() {
            let i = u32::try_from(i).map_err(|_| "vocabulary too large")?;
            max_piece_bytes = max_piece_bytes.max(piece.len());
            min_score = min_score.min(score);
            scores.push(score);
            pieces.insert(piece.into_boxed_str(), i);
        }
        if unk as usize >= scores.len() {
            return Err("unk_id outside the vocabulary".into());
        }
        let unk_score = min_score - UNK_PENALTY;
        Ok(Self {
            normalizer,
            pieces,
            scores,
            max_piece_bytes,
            unk,
            unk_score,
            bos,
            eos,
            pad,
        })
    }

    pub fn pad_id(&self) -> u32 {
        self.pad
    }

    /// `<s>`, the ids of `text` (cut so that at most `max_tokens` ids result), `</s>`.
    pub fn encode(&self, text: &str, max_tokens: usize) -> Vec<u32> {
        let normalized = match &self.normalizer {
            Some(n) => n.normalize_string(text),
            None => text.to_owned(),
        };
        // Runs of spaces become one (the `Replace " {2,}"` step), spaces become `▁`, and a `▁` goes
        // before the first word.
        let mut metaspaced = String::with_capacity(normalized.len() + 3);
        let mut previous_space = false;
        for c in normalized.chars() {
            let space = c == ' ';
            if space && previous_space {
                continue;
            }
            previous_space = space;
            metaspaced.push(if space { SPACE } else { c });
        }
        if !metaspaced.starts_with(SPACE) {
            metaspaced.insert(0, SPACE);
        }
        let mut ids = vec![self.bos];
        let mut start = 0;
        // Words begin at each `▁` (the delimiter stays with the word that follows it).
        let boundaries = metaspaced
            .char_indices()
            .filter(|&(_, c)| c == SPACE)
            .map(|(i, _)| i)
            .skip(1);
        for end in boundaries.chain(std::iter::once(metaspaced.len())) {
            self.viterbi(&metaspaced[start..end], &mut ids);
            start = end;
        }
        ids.truncate(max_tokens.saturating_sub(1).max(1));
        ids.push(self.eos);
        ids
    }

    /// Appends the best segmentation of one word.
    fn viterbi(&self, word: &str, ids: &mut Vec<u32>) {
        if word.is_empty() {
            return;
        }
        // best[end] = (score, start, id) of the best path ending at byte `end`.
        let mut best: Vec<Option<(f64, usize, u32)>> = vec![None; word.len() + 1];
        best[0] = Some((0.0, 0, self.unk));
        for (start, c) in word.char_indices() {
            let Some((base, _, _)) = best[start] else {
                continue;
            };
            let mut single = false;
            let limit = (start + self.max_piece_bytes).min(word.len());
            let ends = word[start..]
                .char_indices()
                .skip(1)
                .map(|(i, _)| start + i)
                .chain(std::iter::once(word.len()));
            for end in ends.take_while(|&end| end <= limit) {
                let Some(&id) = self.pieces.get(&word[start..end]) else {
                    continue;
                };
                let score = base + self.scores[id as usize];
                if best[end].is_none_or(|(s, _, _)| score > s) {
                    best[end] = Some((score, start, id));
                }
                single |= end - start == c.len_utf8();
            }
            if !single {
                let end = start + c.len_utf8();
                let score = base + self.unk_score;
                if best[end].is_none_or(|(s, _, _)| score > s) {
                    best[end] = Some((score, start, self.unk));
                }
            }
        }
        let mut path = Vec::new();
        let mut end = word.len();
        while end > 0 {
            let Some((_, start, id)) = best[end] else {
                break;
            };
            // Consecutive unknown characters become one unknown token.
            if !(id == self.unk && path.last() == Some(&self.unk)) {
                path.push(id);
            }
            end = start;
        }
        ids.extend(path.into_iter().rev());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-made Unigram vocabulary: ids 4.. are `▁a` (−1), `b` (−2), `▁ab` (−2.5), `▁` (−4), `c` (−3).
    fn tokenizer() -> Tokenizer {
        let json = r#"{
            "normalizer": null,
            "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "add_prefix_space": true},
            "model": {"type": "Unigram", "unk_id": 3, "vocab": [
                ["<s>", 0.0], ["<pad>", 0.0], ["</s>", 0.0], ["<unk>", 0.0],
                ["▁a", -1.0], ["b", -2.0], ["▁ab", -2.5], ["▁", -4.0], ["c", -3.0]
            ]}
        }"#;
        Tokenizer::from_json(json.as_bytes()).expect("parses")
    }

    #[test]
    fn viterbi_prefers_the_best_total_score() {
        // `▁ab` (−2.5) beats `▁a` + `b` (−3).
        assert_eq!(tokenizer().encode("ab", 128), [0, 6, 2]);
    }

    #[test]
    fn words_start_at_spaces_and_space_runs_collapse() {
        let t = tokenizer();
        assert_eq!(t.encode("a b", 128), [0, 4, 7, 5, 2]);
        assert_eq!(t.encode("a   b", 128), [0, 4, 7, 5, 2]);
    }

    #[test]
    fn consecutive_unknown_characters_become_one_unknown_token() {
        assert_eq!(tokenizer().encode("xy c", 128), [0, 7, 3, 7, 8, 2]);
    }

    #[test]
    fn truncation_keeps_the_end_marker() {
        assert_eq!(tokenizer().encode("a a a a", 4), [0, 4, 4, 2]);
    }

    #[test]
    fn refuses_other_models_and_decodes_base64() {
        let bpe =
            r#"{"pre_tokenizer": {"type": "Metaspace"}, "model": {"type": "BPE", "vocab": []}}"#;
        assert!(Tokenizer::from_json(bpe.as_bytes()).is_err());
        assert_eq!(base64("aGk=").as_deref(), Some(&b"hi"[..]));
        assert_eq!(base64("a*"), None);
    }
}
