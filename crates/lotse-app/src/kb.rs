//! One tenant's knowledge, ready to answer: the engine index over its published answers plus
//! what is needed to render them (placeholders resolved, Markdown rendered once).

use std::collections::HashMap;

use lotse_core::analyze::Synonyms;
use lotse_core::calibrate::Calibration;
use lotse_core::content::{Answer, LanguageVersion, Review, Source, Status};
use lotse_core::engine::{EngineConfig, Index, IndexAnswer};
use lotse_core::lang;
use lotse_core::render::{fill_placeholders, markdown_to_html};
use lotse_core::reply::OUT_OF_SCOPE_SAMPLES;
use lotse_core::semantic::{HybridFit, Vectors};
use serde::Serialize;

use crate::hours::{OpeningHours, STATUS_PLACEHOLDER};

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
    /// BCP-47 language of this text: `de`, `de-x-ls` (Leichte Sprache), `en`, …
    pub language: String,
    /// For a language version: checked by a person (`human`) or machine-translated (`machine`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review: Option<Review>,
    /// A note in the asker's language, e.g. that this answer exists only in German.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
}

/// A clarify option.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Alternative {
    pub id: String,
    pub title: String,
    pub topics: Vec<String>,
}

/// What a quick rebuild keeps from the tenant's previous index: the fitted confidence
/// calibration and, if it had sentence vectors, the hybrid weights.
#[derive(Debug, Clone, Copy)]
pub struct Prior {
    pub calibration: Calibration,
    pub hybrid: Option<HybridFit>,
}

impl Prior {
    /// The prior of a fitted index (`None` when its calibration is the built-in default).
    pub fn of(index: &Index) -> Option<Prior> {
        (index.calibration().samples > 0).then(|| Prior {
            calibration: *index.calibration(),
            hybrid: index.has_semantic().then(|| *index.hybrid()),
        })
    }
}

/// The engine's view of an answer: German variants, title and keywords for the words; the
/// language versions' titles and questions for the meaning only.
pub fn index_answer(a: &Answer) -> IndexAnswer {
    IndexAnswer {
        id: a.id.clone(),
        title: a.title.clone(),
        topics: a.topics.clone(),
        questions: a.questions.clone(),
        keywords: a.keywords.clone(),
        semantic_texts: a
            .versions
            .iter()
            .flat_map(|v| std::iter::once(&v.title).chain(v.questions.iter()))
            .cloned()
            .collect(),
        body: a.body.clone(),
    }
}

/// The published answers that are valid on `today`.
pub fn live<'a>(answers: &'a [Answer], today: &str) -> Vec<&'a Answer> {
    answers
        .iter()
        .filter(|a| a.status == Status::Published && a.is_valid_on(today))
        .collect()
}

/// See the module docs.
pub struct TenantKb {
    pub tenant_id: String,
    pub tenant_name: String,
    pub index: Index,
    /// Rendered answers, aligned with `index.answers()`.
    pub views: Vec<AnswerView>,
    /// Rendered language versions per answer (aligned with `views`), by language code.
    pub versions: Vec<HashMap<String, AnswerView>>,
    pub by_id: HashMap<String, usize>,
    pub variables: HashMap<String, String>,
    pub fallback: AnswerView,
    /// Whisper's initial prompt: the tenant's vocabulary (see [`crate::speech::vocabulary_prompt`]).
    pub speech_prompt: String,
    /// The platform suspended the tenant: [`crate::App::kb`] refuses this knowledge.
    pub suspended: bool,
    /// Structured opening hours (tenant settings) for `{{jobcenter.oeffnungsstatus}}`.
    pub hours: Option<OpeningHours>,
    /// Web sites (`https://host[:port]`) allowed to embed the widget; empty: any.
    pub allowed_origins: Vec<String>,
    /// The reply (answer position; `None` for clarify or fallback) to every question variant of
    /// `index.answers()`, answer by answer: the regression check's side of this knowledge,
    /// computed by the first check that needs it and kept while the knowledge lives.
    pub variant_replies: std::sync::OnceLock<Vec<Option<usize>>>,
}

/// The reply when nothing matched: honest, with the tenant's contact options (SPEC §2.1).
const FALLBACK_MARKDOWN: &str = "Dazu habe ich leider keine passende Antwort gefunden. Ihre Frage geht an unser Team, \
damit ich sie künftig beantworten kann. Bitte versuchen Sie es auch mit anderen Worten.\n\n\
**So erreichen Sie uns persönlich:**\n\n\
- Telefon: {{jobcenter.telefon}}\n\
- E-Mail: {{jobcenter.email}}\n\
- Öffnungszeiten: {{jobcenter.oeffnungszeiten}} {{jobcenter.oeffnungsstatus}}\n\
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
            None,
        )
    }

    /// Like [`TenantKb::build`]; with a `prior` (from the tenant's previous index) the confidence
    /// calibration and hybrid weights are kept instead of re-fitted: the quick path after a
    /// staff change. With `vectors` (sentence vectors of the answers' texts) the index ranks by
    /// meaning too.
    #[allow(clippy::too_many_arguments)]
    pub fn build_with(
        tenant_id: &str,
        tenant_name: &str,
        answers: &[Answer],
        variables: HashMap<String, String>,
        synonyms: &[Vec<String>],
        engine: EngineConfig,
        today: &str,
        prior: Option<Prior>,
        vectors: Option<&Vectors>,
    ) -> TenantKb {
        let live = live(answers, today);
        let views: Vec<AnswerView> = live.iter().map(|a| render(a, &variables)).collect();
        let versions = live
            .iter()
            .map(|a| {
                a.versions
                    .iter()
                    .map(|v| (v.lang.clone(), render_version(a, v, &variables)))
                    .collect()
            })
            .collect();
        let index_answers = live.iter().map(|a| index_answer(a)).collect();
        let speech_prompt = crate::speech::vocabulary_prompt(
            live.iter().map(|a| {
                let mut texts = vec![a.title.as_str()];
                texts.extend(a.questions.iter().map(String::as_str));
                texts.extend(a.keywords.iter().map(String::as_str));
                texts
            }),
            synonyms,
        );
        let synonyms = Synonyms::new(synonyms).with_glossary(crate::builtin::glossary());
        // Vectors but no hybrid weights yet (the model arrived since): fit them now.
        let prior = prior.filter(|p| vectors.is_none() || p.hybrid.is_some());
        let index = match prior {
            Some(p) => Index::rebuild_hybrid(
                index_answers,
                synonyms,
                engine,
                p.calibration,
                p.hybrid,
                vectors,
            ),
            None => Index::build_hybrid(
                index_answers,
                synonyms,
                engine,
                OUT_OF_SCOPE_SAMPLES,
                vectors,
            ),
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
            versions,
            by_id,
            variables,
            fallback,
            speech_prompt,
            suspended: false,
            hours: None,
            allowed_origins: Vec::new(),
            variant_replies: std::sync::OnceLock::new(),
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
        review: None,
        notice: None,
    }
}

/// Renders a language version of an answer (sources and `as_of` are the German answer's).
fn render_version(
    answer: &Answer,
    version: &LanguageVersion,
    variables: &HashMap<String, String>,
) -> AnswerView {
    let mut translated = answer.clone();
    translated.title = version.title.clone();
    translated.body = version.body.clone();
    let mut view = render(&translated, variables);
    view.language = version.lang.clone();
    view.review = Some(version.review);
    view
}

/// "Only in German" in the asker's language; with `plain`, the German text given is the
/// Leichte Sprache version. English for languages without their own sentence.
pub fn only_german_notice(language: &str, plain: bool) -> String {
    let (only, easy) = match lang::base(language) {
        "de" => (
            "Diese Antwort gibt es noch nicht in Leichter Sprache.",
            "Diese Antwort gibt es noch nicht in Leichter Sprache.",
        ),
        "uk" => (
            "Ця відповідь є лише німецькою мовою.",
            "Ця відповідь є лише німецькою мовою – тут у спрощеній німецькій (Leichte Sprache).",
        ),
        "ru" => (
            "Этот ответ есть только на немецком языке.",
            "Этот ответ есть только на немецком языке – здесь на простом немецком (Leichte Sprache).",
        ),
        "ar" => (
            "هذه الإجابة متوفرة باللغة الألمانية فقط.",
            "هذه الإجابة متوفرة باللغة الألمانية فقط، وهنا بلغة ألمانية مبسطة (Leichte Sprache).",
        ),
        "fa" | "prs" => (
            "این پاسخ فقط به زبان آلمانی موجود است.",
            "این پاسخ فقط به زبان آلمانی موجود است؛ اینجا به آلمانی ساده (Leichte Sprache).",
        ),
        "tr" => (
            "Bu yanıt yalnızca Almanca olarak mevcuttur.",
            "Bu yanıt yalnızca Almanca olarak mevcuttur – burada kolay Almanca (Leichte Sprache) ile.",
        ),
        _ => (
            "This answer is only available in German.",
            "This answer is only available in German – here in easy-to-read German (Leichte Sprache).",
        ),
    };
    if plain { easy } else { only }.to_owned()
}

impl TenantKb {
    /// The answer `i` for someone asking in `language`: the version in that language if there
    /// is one; for Leichte Sprache (`de-x-ls`) its version or the German text with a note; for
    /// another language without a version, the Leichte Sprache version if there is one (easier
    /// to read for people still learning German), else the German text, with a note in the
    /// asker's language either way.
    pub fn view_in(&self, i: usize, language: &str) -> AnswerView {
        let german = &self.views[i];
        let language = language.trim();
        if language.is_empty() || language.eq_ignore_ascii_case("de") {
            return german.clone();
        }
        if let Some(v) = self.version(i, language) {
            return v.clone();
        }
        let base = lang::base(language);
        if base == "de" {
            if !language.eq_ignore_ascii_case("de-x-ls") {
                return german.clone();
            }
            let mut v = german.clone();
            v.notice = Some(only_german_notice("de", false));
            return v;
        }
        match self.version(i, "de-x-ls").cloned() {
            Some(mut v) => {
                v.notice = Some(only_german_notice(base, true));
                v
            }
            None => {
                let mut v = german.clone();
                v.notice = Some(only_german_notice(base, false));
                v
            }
        }
    }

    /// Fills the placeholders computed at reply time (`{{jobcenter.oeffnungsstatus}}`: open or
    /// closed now, and when it opens next) for the moment `utc_ms`. Without structured opening
    /// hours the placeholder becomes empty.
    pub fn at_time(&self, mut view: AnswerView, utc_ms: i64) -> AnswerView {
        if !view.body_markdown.contains(STATUS_PLACEHOLDER) {
            return view;
        }
        let status = self
            .hours
            .as_ref()
            .map(|h| h.status_at(utc_ms))
            .unwrap_or_default();
        view.body_markdown = view.body_markdown.replace(STATUS_PLACEHOLDER, &status);
        view.body_html = view.body_html.replace(STATUS_PLACEHOLDER, &status);
        view
    }

    /// The fallback reply for someone asking in `language`.
    pub fn fallback_in(&self, language: &str) -> AnswerView {
        let mut v = self.fallback.clone();
        let base = lang::base(language);
        if !language.is_empty() && base != "de" {
            v.notice = Some(only_german_notice(base, false));
        }
        v
    }

    /// An answer's title for someone asking in `language` (for clarify options).
    pub fn title_in(&self, i: usize, language: &str) -> String {
        self.version(i, language)
            .map_or_else(|| self.views[i].title.clone(), |v| v.title.clone())
    }

    /// Answer `i`'s version in `language`: that tag exactly, else its primary language
    /// ("en-GB" asks for "en"; "de-AT" is German, which has no version).
    fn version(&self, i: usize, language: &str) -> Option<&AnswerView> {
        let find = |code: &str| {
            self.versions[i]
                .iter()
                .find(|(l, _)| l.eq_ignore_ascii_case(code))
                .map(|(_, v)| v)
        };
        find(language).or_else(|| {
            let base = lang::base(language);
            (base != "de").then(|| find(base)).flatten()
        })
    }
}
