//! One tenant's knowledge, ready to answer: the engine index over its published answers plus
//! what is needed to render them (placeholders resolved, Markdown rendered once).

use std::collections::HashMap;

use lotse_core::analyze::Synonyms;
use lotse_core::calibrate::Calibration;
use lotse_core::content::{Answer, Source, Status};
use lotse_core::engine::{EngineConfig, Index, IndexAnswer};
use lotse_core::render::{fill_placeholders, markdown_to_html};
use lotse_core::reply::OUT_OF_SCOPE_SAMPLES;
use serde::Serialize;

/// An answer as citizens receive it (SPEC §3).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AnswerView {
    pub id: String,
    pub title: String,
    pub topics: Vec<String>,
    pub body_markdown: String,
    pub body_html: String,
    pub sources: Vec<Source>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
    pub language: String,
}

/// A clarify option.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Alternative {
    pub id: String,
    pub title: String,
    pub topics: Vec<String>,
}

/// See the module docs.
pub struct TenantKb {
    pub tenant_id: String,
    pub tenant_name: String,
    pub index: Index,
    /// Rendered answers, aligned with `index.answers()`.
    pub views: Vec<AnswerView>,
    pub by_id: HashMap<String, usize>,
    pub variables: HashMap<String, String>,
    pub fallback: AnswerView,
    /// Whisper's initial prompt: the tenant's vocabulary (see [`crate::speech::vocabulary_prompt`]).
    pub speech_prompt: String,
}

/// The reply when nothing matched: honest, with the tenant's contact options (SPEC §2.1).
const FALLBACK_MARKDOWN: &str = "Dazu habe ich leider keine passende Antwort gefunden. Ihre Frage geht an unser Team, \
damit ich sie künftig beantworten kann. Bitte versuchen Sie es auch mit anderen Worten.\n\n\
**So erreichen Sie uns persönlich:**\n\n\
- Telefon: {{jobcenter.telefon}}\n\
- E-Mail: {{jobcenter.email}}\n\
- Öffnungszeiten: {{jobcenter.oeffnungszeiten}}\n\
- Adresse: {{jobcenter.adresse}}\n";

impl TenantKb {
    /// Builds the knowledge of a tenant from its stored answers. Only published answers that
    /// are valid on `today` are answered with.
    pub fn build(
        tenant_id: &str,
        tenant_name: &str,
        answers: &[Answer],
        variables: HashMap<String, String>,
        synonyms: &[Vec<String>],
        engine: EngineConfig,
        today: &str,
    ) -> TenantKb {
        Self::build_with(
            tenant_id,
            tenant_name,
            answers,
            variables,
            synonyms,
            engine,
            today,
            None,
        )
    }

    /// Like [`TenantKb::build`]; with `calibration` (the tenant's previous one) the confidence
    /// calibration is kept instead of re-fitted: the quick path after a staff change.
    #[allow(clippy::too_many_arguments)]
    pub fn build_with(
        tenant_id: &str,
        tenant_name: &str,
        answers: &[Answer],
        variables: HashMap<String, String>,
        synonyms: &[Vec<String>],
        engine: EngineConfig,
        today: &str,
        calibration: Option<Calibration>,
    ) -> TenantKb {
        let live: Vec<&Answer> = answers
            .iter()
            .filter(|a| a.status == Status::Published && a.is_valid_on(today))
            .collect();
        let views: Vec<AnswerView> = live.iter().map(|a| render(a, &variables)).collect();
        let index_answers = live
            .iter()
            .map(|a| IndexAnswer {
                id: a.id.clone(),
                title: a.title.clone(),
                topics: a.topics.clone(),
                questions: a.questions.clone(),
                keywords: a.keywords.clone(),
            })
            .collect();
        let speech_prompt = crate::speech::vocabulary_prompt(
            live.iter().map(|a| {
                let mut texts = vec![a.title.as_str()];
                texts.extend(a.questions.iter().map(String::as_str));
                texts.extend(a.keywords.iter().map(String::as_str));
                texts
            }),
            synonyms,
        );
        let synonyms = Synonyms::new(synonyms);
        let index = match calibration {
            Some(c) => Index::rebuild(index_answers, synonyms, engine, c),
            None => Index::build(index_answers, synonyms, engine, OUT_OF_SCOPE_SAMPLES),
        };
        let by_id = views
            .iter()
            .enumerate()
            .map(|(i, v)| (v.id.clone(), i))
            .collect();
        let fallback_answer = Answer::new(
            "fallback",
            "Dazu habe ich keine passende Antwort",
            Vec::new(),
            Vec::new(),
            FALLBACK_MARKDOWN,
        );
        let fallback = render(&fallback_answer, &variables);
        TenantKb {
            tenant_id: tenant_id.to_owned(),
            tenant_name: tenant_name.to_owned(),
            index,
            views,
            by_id,
            variables,
            fallback,
            speech_prompt,
        }
    }
}

/// Renders an answer for citizens: placeholders filled, Markdown to sanitised HTML.
/// Link values (`https://…`) go into the Markdown as `<https://…>` so that they become links
/// both as bare text and inside `[text]({{…}})` (CommonMark allows `<…>` destinations).
pub fn render(answer: &Answer, variables: &HashMap<String, String>) -> AnswerView {
    let linked: HashMap<String, String> = variables
        .iter()
        .map(|(k, v)| {
            let is_link = (v.starts_with("https://") || v.starts_with("http://"))
                && !v.contains(char::is_whitespace);
            (
                k.clone(),
                if is_link { format!("<{v}>") } else { v.clone() },
            )
        })
        .collect();
    let body_markdown = fill_placeholders(&answer.body, &linked);
    AnswerView {
        id: answer.id.clone(),
        title: fill_placeholders(&answer.title, variables),
        topics: answer.topics.clone(),
        body_html: markdown_to_html(&body_markdown),
        body_markdown,
        sources: answer.sources.clone(),
        as_of: answer.as_of.clone(),
        language: "de".into(),
    }
}
