//! The test console: ask as a citizen would and see the reply with the engine's reasoning.
//! Questions asked here are not recorded (they must not reach the inbox or the statistics).

use askama::Template;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use lotse_app::{AnswerView, AppError, Staff};
use lotse_core::engine::DocKind;
use serde::Deserialize;

use super::page::{Layout, PageError, render};
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct ConsoleQuery {
    #[serde(default)]
    q: String,
    /// Also answer with unpublished changes (drafts and reviews) as if they were published.
    #[serde(default)]
    entwuerfe: Option<String>,
}

/// One ranked answer with the parts of its score, formatted for the page.
pub struct CandidateView {
    pub id: String,
    pub title: String,
    pub score: String,
    pub bm25: String,
    pub ngram: String,
    pub centroid: String,
    pub classifier: String,
    /// Cosine of the question's sentence vector to the answer's closest text, when the model was asked.
    pub semantic: String,
    pub semantic_matched: String,
    pub via: &'static str,
    pub matched: String,
    pub chosen: bool,
}

pub struct ReplyView {
    pub kind: &'static str,
    pub confidence: String,
    pub answer: Option<AnswerView>,
    pub alternatives: Vec<(String, String)>,
    pub emergency: bool,
    pub terms: String,
    pub notes: Vec<String>,
    /// The question's language and whether the meaning (embedding model) was part of the scores.
    pub language: String,
    pub semantic: &'static str,
    pub candidates: Vec<CandidateView>,
}

#[derive(Template)]
#[template(path = "admin/console.html")]
struct ConsolePage {
    layout: Layout,
    question: String,
    with_drafts: bool,
    reply: Option<ReplyView>,
    candidate: Option<ReplyView>,
    /// The unpublished changes give another reply.
    changed: bool,
    error: Option<String>,
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "answer" => "Antwort (sicher)",
        "clarify" => "Rückfrage („Meinten Sie …?“)",
        _ => "Nicht verstanden (Kontaktangebot)",
    }
}

fn via_label(kind: DocKind) -> &'static str {
    match kind {
        DocKind::Variant => "Frageformulierung",
        DocKind::Title => "Titel",
        DocKind::Keywords => "Stichwörter",
    }
}

/// The page's view of an explained reply.
fn reply_view(kb: &lotse_app::TenantKb, explained: &lotse_app::Explained) -> ReplyView {
    let title = |id: &str| {
        kb.by_id
            .get(id)
            .map_or_else(String::new, |&i| kb.views[i].title.clone())
    };
    let r = &explained.reply;
    let d = &explained.decision;
    let chosen = r.answer.as_ref().map(|a| a.id.clone());
    ReplyView {
        kind: kind_label(r.kind.as_str()),
        confidence: format!("{:.0} %", r.confidence * 100.0),
        answer: r.answer.clone(),
        alternatives: r
            .alternatives
            .iter()
            .map(|a| (a.id.clone(), a.title.clone()))
            .collect(),
        emergency: d.emergency,
        terms: d.ranking.terms.join(", "),
        notes: d.ranking.notes.clone(),
        language: format!(
            "{}{}",
            d.language,
            if d.language_sure { "" } else { " (unsicher)" }
        ),
        semantic: if d.ranking.semantic {
            "einbezogen: Punkte = Wortabgleich + Bedeutung"
        } else {
            "nicht gefragt (Wortabgleich sicher genug, oder das Modell ist nicht geladen)"
        },
        candidates: d
            .ranking
            .candidates
            .iter()
            .map(|c| CandidateView {
                title: title(&c.id),
                score: format!("{:.3}", c.score),
                bm25: format!("{:.3}", c.bm25),
                ngram: format!("{:.3}", c.ngram),
                centroid: format!("{:.3}", c.centroid),
                classifier: format!("{:.3}", c.classifier),
                semantic: c.semantic.map_or_else(|| "–".into(), |x| format!("{x:.3}")),
                semantic_matched: c.semantic_matched.clone().unwrap_or_default(),
                via: via_label(c.matched_kind),
                matched: c.matched.clone(),
                chosen: chosen.as_deref() == Some(c.id.as_str()),
                id: c.id.clone(),
            })
            .collect(),
    }
}

/// What a reply amounts to, to tell whether unpublished changes alter it.
fn outcome(e: &lotse_app::Explained) -> (String, Option<String>, Vec<String>) {
    let r = &e.reply;
    (
        r.kind.as_str().to_owned(),
        r.answer.as_ref().map(|a| a.id.clone()),
        r.alternatives.iter().map(|a| a.id.clone()).collect(),
    )
}

/// `GET /admin/konsole?q=…[&entwuerfe=1]`.
pub async fn page(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    Query(query): Query<ConsoleQuery>,
) -> Result<Response, PageError> {
    let question = query.q.trim().to_owned();
    let with_drafts = query.entwuerfe.is_some();
    let (mut reply, mut candidate, mut changed, mut error) = (None, None, false, None);
    if !question.is_empty() {
        match state.app.try_question(&staff.tenant, &question) {
            Ok(live) => {
                let kb = state.app.kb(&staff.tenant)?;
                reply = Some(reply_view(&kb, &live));
                if with_drafts {
                    let ckb = state.app.candidate_kb(&staff.tenant).await?;
                    let c = state.app.try_question_on(&ckb, &question)?;
                    changed = outcome(&c) != outcome(&live);
                    candidate = Some(reply_view(&ckb, &c));
                }
            }
            Err(AppError::QuestionTooLong { max }) => {
                error = Some(format!("Die Frage ist zu lang (höchstens {max} Zeichen)."));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let page = ConsolePage {
        layout: Layout::new(&state, &staff, "Testkonsole", "konsole"),
        question,
        with_drafts,
        reply,
        candidate,
        changed,
        error,
    };
    Ok(render(StatusCode::OK, &page))
}
