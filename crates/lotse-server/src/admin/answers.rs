//! The answer editor pages: list with filters, edit form with preview and the status
//! workflow.

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use lotse_app::editor::languages::{LANGUAGES, VersionProblem, language, version_problems};
use lotse_app::editor::{Action, AnswerFilter, AnswerRow, Impact};
use lotse_app::{AnswerView, AppError, Role, Staff, builtin, today};
use lotse_core::content::{Answer, LanguageVersion, Review, Source, Status};
use serde::Deserialize;

use super::page::{Layout, PageError, render};
use crate::AppState;

/// The German name of a status.
pub fn status_label(s: &Status) -> &'static str {
    match *s {
        Status::Draft => "Entwurf",
        Status::Review => "In Prüfung",
        Status::Published => "Veröffentlicht",
        Status::Archived => "Archiviert",
    }
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    legal_check: Option<String>,
    #[serde(default)]
    stale: Option<String>,
}

impl ListQuery {
    pub fn filter(&self) -> AnswerFilter {
        AnswerFilter {
            query: self.q.clone(),
            topic: self.topic.clone(),
            status: self.status.clone(),
            legal_check: self.legal_check.is_some(),
            stale: self.stale.is_some(),
        }
    }
}

pub struct TopicOption {
    pub slug: String,
    pub title: String,
    pub checked: bool,
}

pub struct TopicGroup {
    pub name: String,
    pub topics: Vec<TopicOption>,
}

/// The taxonomy grouped for checkboxes, plus an extra group with selected topics that are not
/// in the taxonomy (imported content), so that saving the form keeps them.
fn topic_groups(selected: &[String]) -> Vec<TopicGroup> {
    let mut groups: Vec<TopicGroup> = Vec::new();
    let taxonomy = builtin::taxonomy();
    let others: Vec<TopicOption> = selected
        .iter()
        .filter(|s| !s.is_empty() && !taxonomy.iter().any(|t| &t.slug == *s))
        .map(|s| TopicOption {
            slug: s.clone(),
            title: s.clone(),
            checked: true,
        })
        .collect();
    for t in taxonomy {
        let option = TopicOption {
            checked: selected.contains(&t.slug),
            slug: t.slug,
            title: t.title,
        };
        match groups.last_mut() {
            Some(g) if g.name == t.group => g.topics.push(option),
            _ => groups.push(TopicGroup {
                name: t.group,
                topics: vec![option],
            }),
        }
    }
    if !others.is_empty() {
        groups.push(TopicGroup {
            name: "Weitere Themen (aus einem Import)".into(),
            topics: others,
        });
    }
    groups
}

#[derive(Template)]
#[template(path = "admin/answers.html")]
struct ListPage {
    layout: Layout,
    query: ListQuery,
    rows: Vec<AnswerRow>,
    topics: Vec<TopicGroup>,
    statuses: Vec<(&'static str, &'static str)>,
    can_edit: bool,
}

const STATUSES: [Status; 4] = [
    Status::Draft,
    Status::Review,
    Status::Published,
    Status::Archived,
];

/// `GET /admin/antworten`.
pub async fn list(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    let rows = state
        .app
        .list_answers(&staff.tenant, &query.filter(), &today())
        .await?;
    let page = ListPage {
        layout: Layout::new(&state, &staff, "Antworten", "antworten"),
        topics: topic_groups(std::slice::from_ref(&query.topic)),
        statuses: STATUSES
            .iter()
            .map(|s| (s.as_str(), status_label(s)))
            .collect(),
        can_edit: staff.role >= Role::Editor,
        query,
        rows,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "admin/edit.html")]
struct EditPage {
    layout: Layout,
    is_new: bool,
    /// The version this form is based on (sent back as `base_version`).
    version: i64,
    answer: Answer,
    questions: String,
    sources: String,
    /// Keywords, one per line.
    keywords: String,
    /// Legal references, one per line.
    legal: String,
    /// The language versions, then one empty slot for a new one.
    versions: Vec<VersionRow>,
    /// The languages offered for a version: tag and German name.
    languages: Vec<(&'static str, &'static str)>,
    /// Problems of the language versions: the field's id and a German sentence (error summary).
    problems: Vec<(String, String)>,
    status: &'static str,
    live: bool,
    pending: bool,
    topics: Vec<TopicGroup>,
    preview: Option<AnswerView>,
    error: Option<String>,
    notice: Option<&'static str>,
    can_edit: bool,
    can_publish: bool,
    four_eyes: bool,
    /// Inbox questions this new answer is written from (hidden fields; they leave the inbox
    /// when it is saved).
    inbox: Vec<String>,
    /// Questions that would no longer reach their own answer if this change were published;
    /// non-empty only when a publish is waiting for confirmation.
    impact: Vec<Impact>,
}

/// One language version in the form (`slot` numbers the fields `v{slot}_lang` …).
pub struct VersionRow {
    pub slot: usize,
    /// The empty slot for a new version.
    pub is_new: bool,
    pub lang: String,
    /// The German name of the language (or the tag, if unknown).
    pub name: String,
    /// A tag the list of languages does not offer (kept so that saving does not drop it).
    pub other_lang: bool,
    pub machine: bool,
    pub title: String,
    pub questions: String,
    pub body: String,
    pub dir: &'static str,
    /// The version rendered as citizens would see it (placeholders resolved).
    pub preview: Option<AnswerView>,
    pub lang_invalid: bool,
    pub title_invalid: bool,
    pub body_invalid: bool,
}

fn version_rows(
    state: &AppState,
    tenant: &str,
    versions: &[LanguageVersion],
    problems: &[VersionProblem],
) -> Vec<VersionRow> {
    let empty = LanguageVersion {
        lang: String::new(),
        review: Review::Human,
        title: String::new(),
        questions: Vec::new(),
        body: String::new(),
    };
    let invalid = |slot: usize, field: &str| problems.iter().any(|p| p.field() == (slot, field));
    versions
        .iter()
        .chain(std::iter::once(&empty))
        .enumerate()
        .map(|(slot, v)| {
            let known = language(&v.lang);
            let preview = (!v.body.trim().is_empty())
                .then(|| {
                    let draft = Answer::new("preview", &v.title, Vec::new(), Vec::new(), &v.body);
                    state.app.preview(tenant, &draft).ok()
                })
                .flatten();
            VersionRow {
                slot,
                is_new: slot == versions.len(),
                name: known.map_or_else(|| v.lang.clone(), |l| l.name.to_owned()),
                other_lang: !v.lang.is_empty() && !LANGUAGES.iter().any(|l| l.tag == v.lang),
                lang: v.lang.clone(),
                machine: v.review == Review::Machine,
                title: v.title.clone(),
                questions: v.questions.join("\n"),
                body: v.body.clone(),
                dir: if known.is_some_and(|l| l.rtl) {
                    "rtl"
                } else {
                    "ltr"
                },
                preview,
                lang_invalid: invalid(slot, "lang"),
                title_invalid: invalid(slot, "title"),
                body_invalid: invalid(slot, "body"),
            }
        })
        .collect()
}

#[derive(Deserialize, Default)]
pub struct EditQuery {
    #[serde(default)]
    ok: String,
}

fn notice(ok: &str) -> Option<&'static str> {
    match ok {
        "draft" => Some("Als Entwurf gespeichert."),
        "review" => Some("Gespeichert und zur Prüfung gegeben."),
        "publish" => {
            Some("Veröffentlicht. Bürgerinnen und Bürger erhalten ab sofort diese Fassung.")
        }
        "archive" => Some("Archiviert. Die Antwort wird nicht mehr ausgegeben."),
        "restore" => Some("Die ältere Fassung wurde als neuer Entwurf wiederhergestellt."),
        _ => None,
    }
}

struct EditState {
    /// The current version the form was built from (0 for a new answer).
    version: i64,
    live: bool,
    pending: bool,
    inbox: Vec<String>,
}

async fn edit_page(
    state: &AppState,
    staff: &Staff,
    is_new: bool,
    answer: Answer,
    head: EditState,
    error: Option<String>,
    notice: Option<&'static str>,
) -> Result<EditPage, AppError> {
    let four_eyes = state.app.four_eyes(&staff.tenant).await?;
    let preview = state.app.preview(&staff.tenant, &answer).ok();
    let title = if is_new {
        "Neue Antwort".to_owned()
    } else {
        format!("Antwort bearbeiten: {}", answer.title)
    };
    Ok(EditPage {
        layout: Layout::new(state, staff, title, "antworten"),
        is_new,
        version: head.version,
        questions: answer.questions.join("\n"),
        sources: answer
            .sources
            .iter()
            .map(|s| {
                if s.url.is_empty() {
                    s.title.clone()
                } else {
                    format!("{} | {}", s.title, s.url)
                }
            })
            .collect::<Vec<_>>()
            .join("\n"),
        keywords: answer.keywords.join("\n"),
        legal: answer.legal.join("\n"),
        versions: version_rows(state, &staff.tenant, &answer.versions, &[]),
        languages: LANGUAGES.iter().map(|l| (l.tag, l.name)).collect(),
        problems: Vec::new(),
        status: status_label(&answer.status),
        live: head.live,
        pending: head.pending,
        topics: topic_groups(&answer.topics),
        preview,
        error,
        notice,
        can_edit: staff.role >= Role::Editor,
        can_publish: staff.role >= Role::Reviewer || (!four_eyes && staff.role >= Role::Editor),
        four_eyes,
        inbox: head.inbox,
        impact: Vec::new(),
        answer,
    })
}

/// `GET /admin/antworten/neu`.
pub async fn new_form(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
) -> Result<Response, PageError> {
    let mut answer = Answer::new("", "", Vec::new(), Vec::new(), "");
    answer.status = Status::Draft;
    let page = edit_page(
        &state,
        &staff,
        true,
        answer,
        EditState {
            version: 0,
            live: false,
            pending: false,
            inbox: Vec::new(),
        },
        None,
        None,
    )
    .await?;
    Ok(render(StatusCode::OK, &page))
}

/// `GET /admin/antworten/{id}`.
pub async fn edit_form(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
    Query(q): Query<EditQuery>,
) -> Result<Response, PageError> {
    let (answer, head) = state.app.answer_for_edit(&staff.tenant, &id).await?;
    let head = EditState {
        version: head.version,
        live: head.published_version.is_some(),
        pending: head.published_version.is_some_and(|p| p != head.version),
        inbox: Vec::new(),
    };
    let page = edit_page(&state, &staff, false, answer, head, None, notice(&q.ok)).await?;
    Ok(render(StatusCode::OK, &page))
}

/// The editor for a new answer pre-filled from inbox questions (`POST /admin/eingang` with
/// `action=new`). Nothing is saved until the editor's form is submitted.
pub async fn new_from_inbox(
    state: &AppState,
    staff: &Staff,
    answer: Answer,
    inbox: Vec<String>,
) -> Result<Response, PageError> {
    let head = EditState {
        version: 0,
        live: false,
        pending: false,
        inbox,
    };
    let page = edit_page(state, staff, true, answer, head, None, None).await?;
    Ok(render(StatusCode::OK, &page))
}

/// Applies the submitted form to `base`; returns the answer and the pressed button.
fn apply_form(fields: &[(String, String)], mut base: Answer) -> (Answer, String) {
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map_or("", |(_, v)| v.as_str())
    };
    let date = |k: &str| Some(get(k).trim().to_owned()).filter(|d| !d.is_empty());
    if base.id.is_empty() {
        base.id = get("id").trim().to_owned();
    }
    base.title = get("title").trim().to_owned();
    base.body = get("body").replace("\r\n", "\n");
    base.topics = fields
        .iter()
        .filter(|(k, _)| k == "topics")
        .map(|(_, v)| v.clone())
        .collect();
    base.questions = get("questions")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    base.sources = get("sources")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| match l.split_once('|') {
            Some((t, u)) => Source {
                title: t.trim().to_owned(),
                url: u.trim().to_owned(),
            },
            None => Source {
                title: l.to_owned(),
                url: String::new(),
            },
        })
        .collect();
    base.keywords = lines_of(get("keywords"), true);
    base.legal = lines_of(get("legal"), false);
    base.versions = versions_from_form(fields);
    base.legal_check = fields.iter().any(|(k, _)| k == "legal_check");
    base.as_of = date("as_of");
    base.valid_from = date("valid_from");
    base.valid_until = date("valid_until");
    (base, get("action").to_owned())
}

/// The non-empty trimmed lines of a text area (and with `commas`, its comma-separated parts).
fn lines_of(text: &str, commas: bool) -> Vec<String> {
    text.split(|c| c == '\n' || (commas && c == ','))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The language versions of the form, in slot order: fields `v{slot}_lang`, `_review`
/// (`human`/`machine`), `_title`, `_questions`, `_body` and the checkbox `_remove`. Slots left
/// completely empty and slots marked for removal are dropped; half-filled ones are kept, so that
/// validation can name what is missing.
fn versions_from_form(fields: &[(String, String)]) -> Vec<LanguageVersion> {
    let mut slots: Vec<usize> = fields
        .iter()
        .filter_map(|(k, _)| {
            let rest = k.strip_prefix('v')?;
            let (n, _) = rest.split_once('_')?;
            n.parse::<usize>().ok().filter(|&n| n < 100)
        })
        .collect();
    slots.sort_unstable();
    slots.dedup();
    let mut versions = Vec::new();
    for slot in slots {
        let get = |name: &str| {
            let key = format!("v{slot}_{name}");
            fields
                .iter()
                .find(|(k, _)| *k == key)
                .map_or("", |(_, v)| v.as_str())
        };
        if !get("remove").is_empty() {
            continue;
        }
        let v = LanguageVersion {
            lang: get("lang").trim().to_owned(),
            review: if get("review") == "machine" {
                Review::Machine
            } else {
                Review::Human
            },
            title: get("title").trim().to_owned(),
            questions: lines_of(get("questions"), false),
            body: get("body").replace("\r\n", "\n"),
        };
        if v.lang.is_empty()
            && v.title.is_empty()
            && v.questions.is_empty()
            && v.body.trim().is_empty()
        {
            continue;
        }
        versions.push(v);
    }
    versions
}

/// `POST /admin/antworten/neu`.
pub async fn create(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let mut base = Answer::new("", "", Vec::new(), Vec::new(), "");
    base.status = Status::Draft;
    let (answer, action) = apply_form(&fields, base);
    let inbox = fields
        .iter()
        .filter(|(k, _)| k == "inbox")
        .map(|(_, v)| v.clone())
        .collect();
    submit(
        &state,
        &staff,
        answer,
        &action,
        true,
        EditState {
            version: 0,
            live: false,
            pending: false,
            inbox,
        },
    )
    .await
}

/// `POST /admin/antworten/{id}`.
pub async fn update(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (current, head) = state.app.answer_for_edit(&staff.tenant, &id).await?;
    let current_version = head.version;
    let base_version = fields
        .iter()
        .find(|(k, _)| k == "base_version")
        .and_then(|(_, v)| v.parse::<i64>().ok());
    let mut head = EditState {
        // A preview keeps the version the form was loaded from, so that a later save still
        // notices a change made in between.
        version: base_version.unwrap_or(current_version),
        live: head.published_version.is_some(),
        pending: head.published_version.is_some_and(|p| p != head.version),
        inbox: Vec::new(),
    };
    let (answer, action) = apply_form(&fields, current);
    if action != "preview" && head.version != current_version {
        // Someone saved in between: show this person's text unsaved, never overwrite silently.
        // Saving again (now based on the newest version) replaces it; the history keeps both.
        head.version = current_version;
        let message = "Diese Antwort wurde inzwischen von jemand anderem gespeichert. Ihre Änderungen sind noch nicht gespeichert. Vergleichen Sie im Verlauf; wenn Sie erneut speichern, ersetzt Ihre Fassung die neue.".to_owned();
        let page = edit_page(&state, &staff, false, answer, head, Some(message), None).await?;
        return Ok(render(StatusCode::CONFLICT, &page));
    }
    submit(&state, &staff, answer, &action, false, head).await
}

async fn submit(
    state: &AppState,
    staff: &Staff,
    answer: Answer,
    action: &str,
    create: bool,
    head: EditState,
) -> Result<Response, PageError> {
    // Regression protection: a publish that would change the answer of questions that work
    // today shows them and waits for "publish-confirmed" (checked in `save_edit_checked`).
    let (action, confirmed) = match action {
        "draft" => (Action::Draft, true),
        "review" => (Action::Review, true),
        "publish" => (Action::Publish, false),
        "publish-confirmed" => (Action::Publish, true),
        "archive" => (Action::Archive, true),
        // Without JavaScript: the filled slots become versions and a new empty slot appears.
        "add-version" => {
            let notice = Some(
                "Unten steht ein leeres Feld für eine weitere Sprachfassung bereit. Gespeichert ist noch nichts.",
            );
            let page = edit_page(state, staff, create, answer, head, None, notice).await?;
            return Ok(render(StatusCode::OK, &page));
        }
        // "preview" and anything else: show the form again with the preview, save nothing.
        _ => {
            let page = edit_page(state, staff, create, answer, head, None, None).await?;
            return Ok(render(StatusCode::OK, &page));
        }
    };
    let problems = version_problems(&answer.versions);
    if !problems.is_empty() {
        let mut page = edit_page(state, staff, create, answer, head, None, None).await?;
        page.versions = version_rows(state, &staff.tenant, &page.answer.versions, &problems);
        page.problems = problems
            .iter()
            .map(|p| {
                let (slot, field) = p.field();
                (format!("v{slot}-{field}"), p.german())
            })
            .collect();
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    let id = answer.id.clone();
    match state
        .app
        .save_edit_checked(staff, answer.clone(), action, create, confirmed)
        .await
    {
        Ok(_) => {
            if create && !head.inbox.is_empty() {
                state
                    .app
                    .inbox_link_new_answer(staff, &head.inbox, &id)
                    .await?;
            }
            let ok = match action {
                Action::Draft => "draft",
                Action::Review => "review",
                Action::Publish => "publish",
                Action::Archive => "archive",
            };
            Ok(Redirect::to(&format!("/admin/antworten/{id}?ok={ok}")).into_response())
        }
        Err(AppError::PublishImpact(impact)) => {
            let what = match impact.len() {
                1 => "bekommt 1 Frage, die heute richtig beantwortet wird,".to_owned(),
                n => format!("bekommen {n} Fragen, die heute richtig beantwortet werden,"),
            };
            let message = format!(
                "Wenn Sie diese Fassung veröffentlichen, {what} eine andere Antwort (Liste unten). Prüfen Sie die Liste. Veröffentlichen Sie nur, wenn das gewollt ist."
            );
            let mut page =
                edit_page(state, staff, create, answer, head, Some(message), None).await?;
            page.impact = impact;
            Ok(render(StatusCode::CONFLICT, &page))
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Forbidden(_) | AppError::Conflict(_))) => {
            let status = match &e {
                AppError::Forbidden(_) => StatusCode::FORBIDDEN,
                AppError::Conflict(_) => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let message = edit_error(&e);
            let page = edit_page(state, staff, create, answer, head, Some(message), None).await?;
            Ok(render(status, &page))
        }
        Err(e) => Err(e.into()),
    }
}

/// A German sentence for a failed save.
fn edit_error(e: &AppError) -> String {
    match e {
        AppError::Forbidden(m) if m.contains("four-eyes") => "Vier-Augen-Prinzip: Eine Änderung muss von einer anderen Person mit Freigaberecht veröffentlicht werden. Bitte geben Sie sie zur Prüfung.".into(),
        AppError::Forbidden(_) => "Dazu fehlt Ihnen die Berechtigung.".into(),
        AppError::Conflict(_) => "Eine Antwort mit dieser Kennung gibt es bereits.".into(),
        AppError::Invalid { reason, .. } => format!("Bitte prüfen Sie Ihre Angaben: {reason}"),
        _ => "Das hat nicht geklappt.".into(),
    }
}
