//! A readable difference between two versions of an answer: per changed field, its lines
//! marked as kept, removed or added (longest common subsequence of lines).

use lotse_core::content::Answer;
use serde::Serialize;

/// How a line differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Same,
    Removed,
    Added,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    pub change: Change,
    pub text: String,
}

/// The difference in one field.
#[derive(Debug, Clone, Serialize)]
pub struct FieldDiff {
    /// The German field name shown to staff.
    pub field: &'static str,
    pub lines: Vec<Line>,
}

fn opt(v: Option<&String>) -> String {
    v.cloned().unwrap_or_default()
}

/// The fields of an answer as text, in the order the editor shows them.
fn fields(a: &Answer) -> Vec<(&'static str, String)> {
    let sources = a
        .sources
        .iter()
        .map(|s| format!("{} {}", s.title, s.url).trim().to_owned())
        .collect::<Vec<_>>()
        .join("\n");
    vec![
        ("Status", a.status.as_str().to_owned()),
        ("Titel", a.title.clone()),
        ("Themen", a.topics.join("\n")),
        ("Frageformulierungen", a.questions.join("\n")),
        ("Text", a.body.clone()),
        ("Quellen", sources),
        ("Rechtsstand", opt(a.as_of.as_ref())),
        ("Gültig ab", opt(a.valid_from.as_ref())),
        ("Gültig bis", opt(a.valid_until.as_ref())),
    ]
}

/// The changed fields between `old` and `new`.
pub fn answer_diff(old: &Answer, new: &Answer) -> Vec<FieldDiff> {
    fields(old)
        .into_iter()
        .zip(fields(new))
        .filter(|((_, a), (_, b))| a != b)
        .map(|((field, a), (_, b))| FieldDiff {
            field,
            lines: line_diff(&a, &b),
        })
        .collect()
}

/// Line diff by longest common subsequence (answers are short, so O(n·m) is fine).
pub fn line_diff(old: &str, new: &str) -> Vec<Line> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let line = |change, text: &str| Line {
        change,
        text: text.to_owned(),
    };
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n && j < m {
        if a[i] == b[j] {
            out.push(line(Change::Same, a[i]));
            i += 1;
            j += 1;
        } else if lcs[i + 1][j] >= lcs[i][j + 1] {
            out.push(line(Change::Removed, a[i]));
            i += 1;
        } else {
            out.push(line(Change::Added, b[j]));
            j += 1;
        }
    }
    out.extend(a[i..].iter().map(|t| line(Change::Removed, t)));
    out.extend(b[j..].iter().map(|t| line(Change::Added, t)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_diff_marks_changed_lines() {
        let d = line_diff("a\nb\nc", "a\nx\nc\nd");
        let marks: Vec<(Change, &str)> = d.iter().map(|l| (l.change, l.text.as_str())).collect();
        assert_eq!(
            marks,
            vec![
                (Change::Same, "a"),
                (Change::Removed, "b"),
                (Change::Added, "x"),
                (Change::Same, "c"),
                (Change::Added, "d"),
            ]
        );
    }
}
