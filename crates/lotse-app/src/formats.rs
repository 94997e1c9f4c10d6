//! Content import and export: Lotse's own format, CSV, Azure QnA Maker / Custom Question
//! Answering TSV, and Rasa NLU data (YAML and the older Markdown format).

use std::collections::BTreeMap;

use lotse_core::content::{Answer, is_valid_id, parse_answers, write_answer};

use crate::AppError;

/// The content formats Lotse reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Lotse,
    Csv,
    QnaTsv,
    Rasa,
}

impl std::str::FromStr for Format {
    type Err = AppError;
    fn from_str(s: &str) -> Result<Self, AppError> {
        match s {
            "lotse" => Ok(Format::Lotse),
            "csv" => Ok(Format::Csv),
            "qna-tsv" => Ok(Format::QnaTsv),
            "rasa" => Ok(Format::Rasa),
            other => Err(invalid(format!(
                "unknown format '{other}' (lotse, csv, qna-tsv, rasa)"
            ))),
        }
    }
}

fn invalid(reason: String) -> AppError {
    AppError::Invalid {
        field: "import".into(),
        reason,
    }
}

/// Reads answers from `text` in `format`.
pub fn import(format: Format, text: &str) -> Result<Vec<Answer>, AppError> {
    let answers = match format {
        Format::Lotse => parse_answers(text).map_err(|e| invalid(e.to_string()))?,
        Format::Csv => import_csv(text, b',')?,
        Format::QnaTsv => import_qna_tsv(text)?,
        Format::Rasa => import_rasa(text)?,
    };
    if answers.is_empty() {
        return Err(invalid("the file contains no answers".into()));
    }
    Ok(answers)
}

/// Writes answers in `format`.
pub fn export(format: Format, answers: &[Answer]) -> Result<String, AppError> {
    match format {
        Format::Lotse => Ok(answers
            .iter()
            .map(write_answer)
            .collect::<Vec<_>>()
            .join("+++\n")),
        Format::Csv => export_csv(answers),
        Format::QnaTsv => Ok(export_qna_tsv(answers)),
        Format::Rasa => Ok(export_rasa(answers)),
    }
}

/// A readable id from free text ("Wie hoch ist …" → "wie-hoch-ist"), unique within `taken`.
fn slug_id(text: &str, taken: &mut std::collections::HashSet<String>) -> String {
    let folded = lotse_core::text::fold(text);
    let words: Vec<String> = lotse_core::text::tokenize(&folded)
        .into_iter()
        .filter(|w| w.is_ascii())
        .take(6)
        .collect();
    let base = if words.is_empty() {
        "antwort".to_owned()
    } else {
        words.join("-")
    };
    let mut id = base.clone();
    let mut n = 2;
    while !taken.insert(id.clone()) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

// ---- CSV: columns id, title, topics (';'-separated), question, answer — one row per variant ----

fn import_csv(text: &str, delimiter: u8) -> Result<Vec<Answer>, AppError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| invalid(format!("CSV header: {e}")))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(q_col), Some(a_col)) = (col("question"), col("answer")) else {
        return Err(invalid(
            "the CSV needs the columns 'question' and 'answer' (optional: id, title, topics)"
                .into(),
        ));
    };
    let (id_col, title_col, topics_col) = (col("id"), col("title"), col("topics"));
    let mut grouped: BTreeMap<String, Answer> = BTreeMap::new();
    let mut order = Vec::new();
    let mut taken = std::collections::HashSet::new();
    let mut by_body: BTreeMap<String, String> = BTreeMap::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| invalid(format!("CSV line {}: {e}", i + 2)))?;
        let get = |c: Option<usize>| {
            c.and_then(|c| record.get(c))
                .unwrap_or("")
                .trim()
                .to_owned()
        };
        let (question, body) = (get(Some(q_col)), get(Some(a_col)));
        if question.is_empty() && body.is_empty() {
            continue;
        }
        let id = match get(id_col) {
            id if !id.is_empty() => id,
            _ => by_body
                .get(&body)
                .cloned()
                .unwrap_or_else(|| slug_id(&question, &mut taken)),
        };
        by_body.insert(body.clone(), id.clone());
        let entry = grouped.entry(id.clone()).or_insert_with(|| {
            order.push(id.clone());
            let title = get(title_col);
            let topics = get(topics_col)
                .split(';')
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty())
                .collect();
            Answer::new(
                &id,
                if title.is_empty() { &question } else { &title },
                topics,
                Vec::new(),
                &body,
            )
        });
        if !question.is_empty() && !entry.questions.contains(&question) {
            entry.questions.push(question);
        }
    }
    Ok(order
        .into_iter()
        .filter_map(|id| grouped.remove(&id))
        .map(with_default_topic)
        .collect())
}

fn export_csv(answers: &[Answer]) -> Result<String, AppError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| AppError::Internal(e.to_string());
    w.write_record(["id", "title", "topics", "question", "answer"])
        .map_err(io)?;
    for a in answers {
        let topics = a.topics.join(";");
        for q in a
            .questions
            .iter()
            .map(String::as_str)
            .chain(a.questions.is_empty().then_some(""))
        {
            w.write_record([a.id.as_str(), &a.title, &topics, q, &a.body])
                .map_err(io)?;
        }
    }
    String::from_utf8(
        w.into_inner()
            .map_err(|e| AppError::Internal(e.to_string()))?,
    )
    .map_err(|e| AppError::Internal(e.to_string()))
}

/// Imported answers without a topic get the generic "allgemein" topic of their id.
fn with_default_topic(mut a: Answer) -> Answer {
    if a.topics.is_empty() {
        a.topics.push("importiert".into());
    }
    a
}

// ---- Azure QnA Maker / Custom Question Answering TSV ----
// Columns: Question, Answer, Source, Metadata[, SuggestedQuestions, IsContextOnly, Prompts, QnaId].
// Rows with the same QnaId (or, without it, the same answer text) form one answer.

fn import_qna_tsv(text: &str) -> Result<Vec<Answer>, AppError> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<String> = lines
        .next()
        .ok_or_else(|| invalid("empty file".into()))?
        .split('\t')
        .map(|h| h.trim().to_lowercase())
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let (Some(q_col), Some(a_col)) = (col("question"), col("answer")) else {
        return Err(invalid(
            "a QnA TSV needs the columns 'Question' and 'Answer'".into(),
        ));
    };
    let (source_col, meta_col, id_col) = (col("source"), col("metadata"), col("qnaid"));
    let mut grouped: BTreeMap<String, Answer> = BTreeMap::new();
    let mut order = Vec::new();
    let mut taken = std::collections::HashSet::new();
    for line in lines {
        let cells: Vec<&str> = line.split('\t').collect();
        let get = |c: Option<usize>| {
            c.and_then(|c| cells.get(c))
                .map_or(String::new(), |s| s.trim().to_owned())
        };
        // QnA Maker escapes newlines in answers as the two characters "\n".
        let body = get(Some(a_col)).replace("\\n", "\n");
        let question = get(Some(q_col));
        let key = match get(id_col) {
            id if !id.is_empty() => format!("qna-{id}"),
            _ => format!("body:{body}"),
        };
        let entry = grouped.entry(key.clone()).or_insert_with(|| {
            order.push(key.clone());
            let id = if key.starts_with("qna-") && is_valid_id(&key) {
                taken.insert(key.clone());
                key.clone()
            } else {
                slug_id(&question, &mut taken)
            };
            let topics = get(meta_col)
                .split('|')
                .filter_map(|kv| kv.split_once(':'))
                .filter(|(k, _)| matches!(k.trim(), "topic" | "thema" | "category"))
                .map(|(_, v)| v.trim().to_owned())
                .collect();
            let mut a = Answer::new(&id, &question, topics, Vec::new(), &body);
            let source = get(source_col);
            if source.starts_with("http") {
                a.sources.push(lotse_core::content::Source {
                    title: source.clone(),
                    url: source,
                });
            }
            a
        });
        if !question.is_empty() && !entry.questions.contains(&question) {
            entry.questions.push(question);
        }
    }
    Ok(order
        .into_iter()
        .filter_map(|k| grouped.remove(&k))
        .map(with_default_topic)
        .collect())
}

fn export_qna_tsv(answers: &[Answer]) -> String {
    let clean = |s: &str| s.replace('\t', " ").replace('\r', "").replace('\n', "\\n");
    let mut out = String::from("Question\tAnswer\tSource\tMetadata\tQnaId\n");
    for (i, a) in answers.iter().enumerate() {
        let source = a
            .sources
            .first()
            .map_or("Editorial".to_owned(), |s| s.url.clone());
        let meta = a
            .topics
            .iter()
            .map(|t| format!("topic:{t}"))
            .collect::<Vec<_>>()
            .join("|");
        for q in &a.questions {
            out.push_str(&format!(
                "{}\t{}\t{}\t{}\t{}\n",
                clean(q),
                clean(&a.body),
                clean(&source),
                meta,
                i + 1
            ));
        }
    }
    out
}

// ---- Rasa NLU: YAML (`nlu:` with `intent:`/`examples:`) and the older Markdown (`## intent:name`) ----

#[derive(serde::Deserialize)]
struct RasaYaml {
    #[serde(default)]
    nlu: Vec<RasaItem>,
}

#[derive(serde::Deserialize)]
struct RasaItem {
    intent: Option<String>,
    #[serde(default)]
    examples: String,
}

fn import_rasa(text: &str) -> Result<Vec<Answer>, AppError> {
    let mut intents: Vec<(String, Vec<String>)> = Vec::new();
    let is_markdown = text
        .lines()
        .any(|l| l.trim_start().starts_with("## intent:"));
    if is_markdown {
        let mut current: Option<usize> = None;
        for line in text.lines() {
            let t = line.trim();
            if let Some(name) = t.strip_prefix("## intent:") {
                intents.push((name.trim().to_owned(), Vec::new()));
                current = Some(intents.len() - 1);
            } else if t.starts_with("##") {
                current = None; // synonyms, regexes, lookups: not intents
            } else if let (Some(i), Some(example)) = (current, t.strip_prefix("- ")) {
                intents[i].1.push(strip_entities(example));
            }
        }
    } else {
        let data: RasaYaml =
            serde_yaml::from_str(text).map_err(|e| invalid(format!("Rasa YAML: {e}")))?;
        for item in data.nlu {
            let Some(name) = item.intent else { continue };
            let examples = item
                .examples
                .lines()
                .filter_map(|l| l.trim().strip_prefix("- "))
                .map(strip_entities)
                .collect();
            intents.push((name, examples));
        }
    }
    // The same intent may appear in several blocks: merge them.
    let mut merged: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut order = Vec::new();
    for (name, examples) in intents {
        if !is_valid_id(&name) {
            return Err(invalid(format!(
                "the intent name '{name}' is not a valid answer id (a–z, 0–9, '-', '_', '.')"
            )));
        }
        let entry = merged.entry(name.clone()).or_insert_with(|| {
            order.push(name.clone());
            Vec::new()
        });
        for e in examples {
            if !e.is_empty() && !entry.contains(&e) {
                entry.push(e);
            }
        }
    }
    Ok(order
        .into_iter()
        .map(|name| {
            let examples = merged.remove(&name).unwrap_or_default();
            let body = format!("Antwort zu „{name}“ (aus Rasa importiert – bitte Text ergänzen).");
            Answer::new(&name, &name, vec![name.clone()], examples, &body)
        })
        .collect())
}

/// Removes Rasa entity annotations: `[Banking](bot_sector)` and `[Banking]{"entity": …}` → `Banking`.
fn strip_entities(example: &str) -> String {
    let mut out = String::with_capacity(example.len());
    let mut chars = example.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '[' {
            out.push(c);
            continue;
        }
        let mut inner = String::new();
        let mut closed = false;
        for d in chars.by_ref() {
            if d == ']' {
                closed = true;
                break;
            }
            inner.push(d);
        }
        out.push_str(&inner);
        if !closed {
            break;
        }
        let close = match chars.peek() {
            Some('(') => ')',
            Some('{') => '}',
            _ => continue,
        };
        for d in chars.by_ref() {
            if d == close {
                break;
            }
        }
    }
    out.trim().to_owned()
}

fn export_rasa(answers: &[Answer]) -> String {
    let mut out = String::from("version: \"3.1\"\nnlu:\n");
    for a in answers {
        out.push_str(&format!("- intent: {}\n  examples: |\n", a.id));
        for q in &a.questions {
            out.push_str(&format!("    - {}\n", q.replace('\n', " ")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rasa_yaml_and_markdown_give_the_same_answers() {
        let yaml = "version: \"3.1\"\nnlu:\n- intent: greet\n  examples: |\n    - Hallo\n    - Guten [Morgen](time)\n- intent: bye\n  examples: |\n    - Tschüss\n";
        let md = "## intent:greet\n- Hallo\n- Guten [Morgen]{\"entity\": \"time\"}\n\n## intent:bye\n- Tschüss\n## synonym:x\n- y\n";
        let a = import(Format::Rasa, yaml).expect("yaml");
        let b = import(Format::Rasa, md).expect("md");
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].id, "greet");
        assert_eq!(a[0].topics, vec!["greet"]);
        assert_eq!(a[0].questions, vec!["Hallo", "Guten Morgen"]);
        assert_eq!(a, b);
    }

    #[test]
    fn csv_groups_rows_by_id_and_round_trips() {
        let csv = "id,title,topics,question,answer\nkaution,Kaution,kaution-genossenschaftsanteile,Wer zahlt die Kaution?,Meist ein Darlehen.\nkaution,,,Mietkaution Jobcenter,\n";
        let a = import(Format::Csv, csv).expect("csv");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].questions.len(), 2);
        let again =
            import(Format::Csv, &export(Format::Csv, &a).expect("export")).expect("reimport");
        assert_eq!(again[0].questions, a[0].questions);
        assert_eq!(again[0].body, a[0].body);
    }

    #[test]
    fn qna_tsv_groups_by_answer() {
        let tsv = "Question\tAnswer\tSource\tMetadata\nWer zahlt die Kaution?\tMeist ein Darlehen.\\nMehr im Bescheid.\tEditorial\ttopic:kaution\nMietkaution?\tMeist ein Darlehen.\\nMehr im Bescheid.\tEditorial\t\n";
        let a = import(Format::QnaTsv, tsv).expect("tsv");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].questions.len(), 2);
        assert!(a[0].body.contains('\n'));
        assert_eq!(a[0].topics, vec!["kaution"]);
        let again =
            import(Format::QnaTsv, &export(Format::QnaTsv, &a).expect("export")).expect("reimport");
        assert_eq!(again[0].questions, a[0].questions);
    }

    #[test]
    fn bad_input_is_a_clear_error() {
        assert!(import(Format::Csv, "a,b\n1,2\n").is_err());
        assert!(import(Format::Rasa, "nlu: [").is_err());
        assert!(import(Format::Lotse, "").is_err());
        assert!("xml".parse::<Format>().is_err());
    }
}
