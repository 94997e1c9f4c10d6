//! The inbox page (`/admin/eingang`) and its JSON API (`/api/v1/admin/inbox`): clusters of
//! questions Lotse could not answer well, with suggestions, and the actions on them. Every
//! cluster is one plain form (checkboxes for its questions, radio buttons for the suggested
//! answers, a field for any other answer), so it works without JavaScript.

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Json};
use lotse_app::inbox::{Decided, Inbox, InboxCluster};
use lotse_app::{AppError, Role, Staff, format_time};
use lotse_core::content::Answer;
use serde::Deserialize;

use super::answers::new_from_inbox;
use super::page::{Layout, PageError, render};
use crate::AppState;
use crate::error::{ApiError, ApiJson};

/// Clusters shown on the page (the largest); the rest wait until these are worked off.
const SHOWN: usize = 50;

pub struct QuestionView {
    pub id: String,
    pub text: String,
    pub reason: String,
    pub when: String,
    pub comment: Option<String>,
}

pub struct SuggestionView {
    pub id: String,
    pub title: String,
    pub score: String,
}

pub struct ClusterView {
    /// Position on the page (for unique element ids).
    pub n: usize,
    pub representative: String,
    pub count: usize,
    pub first_seen: String,
    pub last_seen: String,
    pub questions: Vec<QuestionView>,
    pub suggestions: Vec<SuggestionView>,
}

#[derive(Template)]
#[template(path = "admin/inbox.html")]
struct InboxPage {
    layout: Layout,
    open: i64,
    total_clusters: usize,
    clusters: Vec<ClusterView>,
    /// Live answers (id, title) for the "other answer" field.
    answers: Vec<(String, String)>,
    can_act: bool,
    notice: Option<String>,
    error: Option<String>,
}

fn reason(kind: &str, helpful: Option<bool>, answer: Option<&str>) -> String {
    match (kind, helpful) {
        ("fallback", _) => "nicht verstanden".into(),
        ("clarify", _) => "Rückfrage („Meinten Sie …?“)".into(),
        (_, Some(false)) => format!(
            "als nicht hilfreich bewertet (Antwort: {})",
            answer.unwrap_or("?")
        ),
        _ => kind.to_owned(),
    }
}

fn cluster_view(n: usize, c: &InboxCluster) -> ClusterView {
    ClusterView {
        n,
        representative: c.representative.clone(),
        count: c.count,
        first_seen: format_time(c.first_seen),
        last_seen: format_time(c.last_seen),
        questions: c
            .questions
            .iter()
            .map(|q| QuestionView {
                id: q.message_id.clone(),
                text: q.text.clone(),
                reason: reason(&q.kind, q.helpful, q.answer_id.as_deref()),
                when: format_time(q.created_at),
                comment: q.comment.clone(),
            })
            .collect(),
        suggestions: c
            .suggestions
            .iter()
            .map(|s| SuggestionView {
                id: s.id.clone(),
                title: s.title.clone(),
                score: format!("{:.2}", s.score),
            })
            .collect(),
    }
}

async fn page(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, PageError> {
    let inbox = state.app.inbox(&staff.tenant).await?;
    let kb = state.app.kb(&staff.tenant)?;
    let page = InboxPage {
        layout: Layout::new(state, staff, "Eingang", "eingang"),
        open: inbox.open,
        total_clusters: inbox.clusters.len(),
        clusters: inbox
            .clusters
            .iter()
            .take(SHOWN)
            .enumerate()
            .map(|(n, c)| cluster_view(n + 1, c))
            .collect(),
        answers: kb
            .views
            .iter()
            .map(|v| (v.id.clone(), v.title.clone()))
            .collect(),
        can_act: staff.role >= Role::Editor,
        notice,
        error,
    };
    Ok(render(status, &page))
}

#[derive(Deserialize, Default)]
pub struct InboxQuery {
    #[serde(default)]
    ok: String,
    #[serde(default)]
    n: usize,
    #[serde(default)]
    a: String,
}

fn notice(q: &InboxQuery) -> Option<String> {
    let fragen = if q.n == 1 { "Frage" } else { "Fragen" };
    match q.ok.as_str() {
        "assign" => Some(format!(
            "{} {fragen} der Antwort „{}“ zugeordnet. Wer so fragt, bekommt ab sofort diese Antwort.",
            q.n, q.a
        )),
        "out_of_scope" if q.a.is_empty() => Some(format!(
            "{} {fragen} als „außerhalb der Zuständigkeit“ markiert.",
            q.n
        )),
        "out_of_scope" => Some(format!(
            "{} {fragen} als „außerhalb der Zuständigkeit“ markiert. Wer so fragt, bekommt ab sofort die Antwort „{}“.",
            q.n, q.a
        )),
        "dismiss" => Some(format!("{} {fragen} verworfen.", q.n)),
        _ => None,
    }
}

/// `GET /admin/eingang`.
pub async fn show(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    Query(q): Query<InboxQuery>,
) -> Result<Response, PageError> {
    page(&state, &staff, StatusCode::OK, notice(&q), None).await
}

/// `POST /admin/eingang`: an action on the checked questions of one cluster.
pub async fn act(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map_or("", |(_, v)| v.trim())
    };
    let ids: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "m")
        .map(|(_, v)| v.clone())
        .collect();
    let action = get("action");
    let answer = match get("answer_other") {
        "" => get("answer"),
        other => other,
    };
    let invalid = |message: &str| {
        let message = message.to_owned();
        async {
            page(
                &state,
                &staff,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(message),
            )
            .await
        }
    };
    if ids.is_empty() {
        return invalid("Bitte wählen Sie mindestens eine Frage aus.").await;
    }
    let app = &state.app;
    let result = match action {
        "assign" if answer.is_empty() => {
            return invalid(
                "Bitte wählen Sie die Antwort aus, der die Fragen zugeordnet werden sollen.",
            )
            .await;
        }
        "assign" => app.inbox_assign(&staff, &ids, answer).await,
        "out_of_scope" => app.inbox_out_of_scope(&staff, &ids).await,
        "dismiss" => app.inbox_dismiss(&staff, &ids).await,
        "new" => {
            let draft = app.inbox_draft(&staff, &ids).await?;
            return new_from_inbox(&state, &staff, draft, ids).await;
        }
        _ => return invalid("Unbekannte Aktion.").await,
    };
    match result {
        Ok(done) => Ok(Redirect::to(&format!(
            "/admin/eingang?ok={action}&n={}&a={}",
            done.questions,
            done.answer_id.unwrap_or_default()
        ))
        .into_response()),
        Err(AppError::Conflict(_)) => {
            page(
                &state,
                &staff,
                StatusCode::CONFLICT,
                None,
                Some("Diese Antwort hat eine noch nicht veröffentlichte Änderung (Entwurf oder „In Prüfung“) oder ist nicht veröffentlicht. Bitte veröffentlichen Sie die Änderung zuerst oder wählen Sie eine andere Antwort. Ihre Auswahl wurde nicht gespeichert.".into()),
            )
            .await
        }
        Err(AppError::NotFound { what }) if what.starts_with("answer") => {
            page(
                &state,
                &staff,
                StatusCode::NOT_FOUND,
                None,
                Some(format!("Eine veröffentlichte Antwort mit der Kennung „{answer}“ gibt es nicht. Bitte wählen Sie eine aus der Liste.")),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// ---- JSON API ----

/// `GET /api/v1/admin/inbox`: the open inbox, clustered, largest clusters first.
pub async fn api_show(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
) -> Result<Json<Inbox>, ApiError> {
    Ok(Json(state.app.inbox(&staff.tenant).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selection {
    message_ids: Vec<String>,
    #[serde(default)]
    answer_id: Option<String>,
}

/// `POST /api/v1/admin/inbox/assign` `{"message_ids": […], "answer_id": "…"}`.
pub async fn api_assign(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    ApiJson(req): ApiJson<Selection>,
) -> Result<Json<Decided>, ApiError> {
    let Some(answer) = req.answer_id.as_deref().filter(|a| !a.is_empty()) else {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            "Bitte geben Sie die Antwort an.",
            "answer_id is required",
        ));
    };
    Ok(Json(
        state
            .app
            .inbox_assign(&staff, &req.message_ids, answer)
            .await?,
    ))
}

/// `POST /api/v1/admin/inbox/out-of-scope` `{"message_ids": […]}`.
pub async fn api_out_of_scope(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    ApiJson(req): ApiJson<Selection>,
) -> Result<Json<Decided>, ApiError> {
    Ok(Json(
        state
            .app
            .inbox_out_of_scope(&staff, &req.message_ids)
            .await?,
    ))
}

/// `POST /api/v1/admin/inbox/dismiss` `{"message_ids": […]}`.
pub async fn api_dismiss(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    ApiJson(req): ApiJson<Selection>,
) -> Result<Json<Decided>, ApiError> {
    Ok(Json(
        state.app.inbox_dismiss(&staff, &req.message_ids).await?,
    ))
}

/// `POST /api/v1/admin/inbox/draft` `{"message_ids": […]}`: a new answer pre-filled from the
/// questions (not saved; save it with `POST /api/v1/admin/answers/{id}`, `create: true` and
/// `inbox_message_ids`, which then leave the inbox).
pub async fn api_draft(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    ApiJson(req): ApiJson<Selection>,
) -> Result<Json<Answer>, ApiError> {
    Ok(Json(state.app.inbox_draft(&staff, &req.message_ids).await?))
}
