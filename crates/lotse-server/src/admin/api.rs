//! The staff JSON API under `/api/v1/admin` (same session as the pages; writes need the
//! `X-CSRF-Token` header). Errors use the common `{"error": {"code", …}}` format.

use axum::extract::{Path, Query, State};
use axum::{Extension, Json};
use lotse_app::editor::languages::version_problems;
use lotse_app::editor::{Action, AnswerRow, Impact};
use lotse_app::{Explained, Staff, today};
use lotse_core::content::Answer;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::answers::ListQuery;
use crate::AppState;
use crate::error::{ApiError, ApiJson};

/// `GET /api/v1/admin/me`: who is signed in, and the CSRF token for writes.
pub async fn me(Extension(staff): Extension<Staff>) -> Json<Value> {
    Json(json!({
        "tenant": staff.tenant,
        "email": staff.email,
        "role": staff.role,
        "csrf_token": staff.csrf_token,
    }))
}

/// `GET /api/v1/admin/answers`: the filtered answer list (same filters as the page).
pub async fn list(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    Query(query): Query<ListQuery>,
) -> Result<Json<Vec<AnswerRow>>, ApiError> {
    Ok(Json(
        state
            .app
            .list_answers(&staff.tenant, &query.filter(), &today())
            .await?,
    ))
}

#[derive(Serialize)]
pub struct AnswerState {
    answer: Answer,
    version: i64,
    published_version: Option<i64>,
}

/// `GET /api/v1/admin/answers/{id}`: the current version and the live version number.
pub async fn get_answer(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
) -> Result<Json<AnswerState>, ApiError> {
    let (answer, head) = state.app.answer_for_edit(&staff.tenant, &id).await?;
    Ok(Json(AnswerState {
        answer,
        version: head.version,
        published_version: head.published_version,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaveRequest {
    answer: Answer,
    /// `draft`, `review`, `publish` or `archive`.
    action: String,
    /// True to create a new answer (the id must be free).
    #[serde(default)]
    create: bool,
    /// The version the change is based on; when the answer has moved on since, 409 `conflict`.
    #[serde(default)]
    base_version: Option<i64>,
    /// Inbox questions this new answer was written from (see `POST /api/v1/admin/inbox/draft`);
    /// they leave the inbox once it is saved.
    #[serde(default)]
    inbox_message_ids: Vec<String>,
    /// Regression protection: a `publish` that would give question variants that work today
    /// another answer is refused (409 `publish_needs_confirmation`, the list in
    /// `error.details.affected`) unless this is true.
    #[serde(default)]
    confirm: bool,
}

/// `POST /api/v1/admin/answers/{id}`: saves a new version.
pub async fn save(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<SaveRequest>,
) -> Result<Json<Value>, ApiError> {
    let action = match req.action.as_str() {
        "draft" => Action::Draft,
        "review" => Action::Review,
        "publish" => Action::Publish,
        "archive" => Action::Archive,
        _ => {
            return Err(ApiError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_field",
                "Unbekannte Aktion.",
                "action must be draft, review, publish or archive",
            ));
        }
    };
    if req.answer.id != id {
        return Err(id_mismatch());
    }
    // The same check runs in `save_edit`; here it also gives the German sentences, all of them.
    let problems = version_problems(&req.answer.versions);
    if let Some(first) = problems.first() {
        let list: Vec<Value> = problems
            .iter()
            .map(|p| {
                let (slot, field) = p.field();
                json!({ "field": format!("versions[{slot}].{field}"), "message": p.german(), "message_en": p.english() })
            })
            .collect();
        return Err(ApiError {
            details: Some(json!({ "problems": list })),
            ..ApiError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_field",
                first.german(),
                first.english(),
            )
        });
    }
    if let Some(base) = req.base_version {
        let (_, head) = state.app.answer_for_edit(&staff.tenant, &id).await?;
        if head.version != base {
            return Err(ApiError::new(
                axum::http::StatusCode::CONFLICT,
                "conflict",
                "Diese Antwort wurde inzwischen von jemand anderem gespeichert.",
                format!("the answer is at version {}, not {base}", head.version),
            ));
        }
    }
    let version = state
        .app
        .save_edit_checked(&staff, req.answer, action, req.create, req.confirm)
        .await?;
    if req.create && !req.inbox_message_ids.is_empty() {
        state
            .app
            .inbox_link_new_answer(&staff, &req.inbox_message_ids, &id)
            .await?;
    }
    Ok(Json(json!({ "id": id, "version": version })))
}

/// What publishing a version would change: the question variants that reach their own
/// answer today and would get another one (or none) afterwards.
#[derive(Serialize)]
pub struct ImpactReport {
    id: String,
    /// The version checked (`None` for a submitted, unsaved answer).
    version: Option<i64>,
    count: usize,
    affected: Vec<Impact>,
}

/// `GET /api/v1/admin/answers/{id}/impact`: the regression check for publishing the current
/// version as it is (e.g. one waiting in review). Read-only.
pub async fn impact_current(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
) -> Result<Json<ImpactReport>, ApiError> {
    let (answer, head) = state.app.answer_for_edit(&staff.tenant, &id).await?;
    let affected = state.app.publish_impact(&staff.tenant, &answer).await?;
    Ok(Json(ImpactReport {
        id,
        version: Some(head.version),
        count: affected.len(),
        affected,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImpactRequest {
    answer: Answer,
}

/// `POST /api/v1/admin/answers/{id}/impact` with `{"answer": …}`: the regression check for
/// publishing a changed answer, without saving anything.
pub async fn impact_of(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ImpactRequest>,
) -> Result<Json<ImpactReport>, ApiError> {
    if req.answer.id != id {
        return Err(id_mismatch());
    }
    let affected = state.app.publish_impact(&staff.tenant, &req.answer).await?;
    Ok(Json(ImpactReport {
        id,
        version: None,
        count: affected.len(),
        affected,
    }))
}

fn id_mismatch() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_field",
        "Die Kennung passt nicht zur Adresse.",
        "answer.id must equal the id in the path",
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleRequest {
    text: String,
}

/// `POST /api/v1/admin/console`: a question with the engine's reasoning (not recorded).
pub async fn console(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    ApiJson(req): ApiJson<ConsoleRequest>,
) -> Result<Json<Explained>, ApiError> {
    Ok(Json(state.app.try_question(&staff.tenant, &req.text)?))
}

pub async fn not_found() -> ApiError {
    ApiError::not_found("route")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

/// `POST /api/v1/admin/preview`: title and Markdown body rendered exactly as citizens see
/// them (placeholders resolved, sanitised HTML). Used by the editor's live preview.
pub async fn preview(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    ApiJson(req): ApiJson<PreviewRequest>,
) -> Result<Json<Value>, ApiError> {
    let draft = Answer::new("preview", &req.title, Vec::new(), Vec::new(), &req.body);
    let view = state.app.preview(&staff.tenant, &draft)?;
    Ok(Json(
        json!({ "title": view.title, "body_html": view.body_html }),
    ))
}
