//! The public JSON API (SPEC §3) and its OpenAPI description.

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::error::{ApiError, ApiJson, ErrorBody};

/// `POST /api/v1/tenants/{tenant}/ask` request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AskRequest {
    /// The citizen's question (1–1,000 characters).
    pub text: String,
    /// Continue a conversation (as returned by an earlier reply).
    #[serde(default)]
    pub conversation_id: Option<String>,
    /// BCP-47 language the asker reads (e.g. the widget's interface language; `de-x-ls` for
    /// Leichte Sprache). A question written in another language is answered in that one.
    #[serde(default)]
    pub language: Option<String>,
}

/// A source or legal reference.
#[derive(Serialize, ToSchema)]
pub struct SourceDoc {
    pub title: String,
    pub url: String,
}

/// An answer as citizens receive it.
#[derive(Serialize, ToSchema)]
pub struct AnswerDoc {
    pub id: String,
    pub title: String,
    /// Topic slugs; the first is the main topic.
    pub topics: Vec<String>,
    pub body_markdown: String,
    /// Sanitised HTML of the body.
    pub body_html: String,
    pub sources: Vec<SourceDoc>,
    /// Rechtsstand (YYYY-MM-DD).
    pub as_of: Option<String>,
    /// Language of this text (`de`, `de-x-ls` for Leichte Sprache, `en`, …).
    pub language: String,
    /// For a language version: `human` (geprüft) or `machine` (maschinell übersetzt).
    pub review: Option<String>,
    /// A note in the asker's language, e.g. that the answer exists only in German.
    pub notice: Option<String>,
}

/// A clarify option.
#[derive(Serialize, ToSchema)]
pub struct AlternativeDoc {
    pub id: String,
    pub title: String,
    pub topics: Vec<String>,
}

/// The reply to a question.
#[derive(Serialize, ToSchema)]
pub struct AskResponse {
    pub conversation_id: String,
    /// Used for feedback.
    pub message_id: String,
    /// `answer` (confident), `clarify` (choose from `alternatives`) or `fallback` (not understood; contact options in `answer`).
    pub kind: String,
    /// Estimated probability that the answer is right (0–1).
    pub confidence: f32,
    pub answer: Option<AnswerDoc>,
    pub alternatives: Option<Vec<AlternativeDoc>>,
}

/// `POST /api/v1/tenants/{tenant}/feedback` request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    pub message_id: String,
    pub helpful: bool,
    #[serde(default)]
    pub comment: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct OkResponse {
    pub ok: bool,
}

/// What the widget needs to know about a tenant.
#[derive(Serialize, ToSchema)]
pub struct WidgetConfig {
    pub tenant: String,
    pub name: String,
    pub greeting: String,
    pub color: String,
    /// Whether speech input is available on this server.
    pub speech: bool,
    /// Send a transcript at once instead of leaving it in the input box to check.
    pub speech_auto_send: bool,
    /// Whether the server reads answers aloud (`GET …/answers/{id}/speech`) for browsers
    /// without a German voice of their own.
    pub read_aloud: bool,
    pub privacy_url: String,
    /// The tenant's logo (a path on this server or an http(s) address), if it set one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
    /// The interface languages the tenant offers: German always, plus its choice (`de-x-ls`
    /// for the Leichte Sprache switch). All of them when the tenant has not chosen.
    pub languages: Vec<String>,
}

#[derive(Deserialize)]
pub struct ConversationQuery {
    pub conversation_id: Option<String>,
    /// The language to answer in (as in `ask`).
    pub language: Option<String>,
}

/// A reply to a question asked by voice (`POST …/ask` with a WAV body): the reply as for a typed
/// question, and what was heard.
#[derive(Serialize, ToSchema)]
pub struct SpokenAskResponse {
    #[serde(flatten)]
    #[schema(value_type = AskResponse)]
    pub reply: lotse_app::AskReply,
    pub transcript: TranscribeResponse,
}

/// Answers a citizen's question: typed (JSON), or spoken (a WAV body as for `transcribe`, with
/// `conversation_id` and `language` in the query), which is transcribed and answered in one
/// request; the reply then carries the transcript. The widget transcribes first and lets the
/// citizen check the text; this form is for clients that answer straight away.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/ask",
    request_body(
        description = "A typed question (JSON), or a spoken one (WAV, 16 kHz mono 16-bit PCM, at most 30 s, as for `transcribe`)",
        content((AskRequest = "application/json"), (Vec<u8> = "audio/wav")),
    ),
    params(
        ("tenant" = String, Path, description = "Tenant id, e.g. `demo`"),
        ("conversation_id" = Option<String>, Query, description = "Spoken questions only (typed ones carry it in the JSON)"),
        ("language" = Option<String>, Query, description = "Spoken questions only (typed ones carry it in the JSON)"),
    ),
    responses(
        (status = 200, description = "The reply; for a spoken question with `transcript` (`SpokenAskResponse`)", body = AskResponse),
        (status = 400, description = "Malformed JSON (`malformed_json`)", body = ErrorBody),
        (status = 404, description = "Unknown tenant (`tenant_not_found`)", body = ErrorBody),
        (status = 413, description = "Body too large (`payload_too_large`, `audio_too_large`)", body = ErrorBody),
        (status = 415, description = "Neither JSON nor WAV (`unsupported_media_type`), or a WAV in another format (`audio_not_wav`, `audio_format_unsupported`)", body = ErrorBody),
        (status = 422, description = "Empty or too long question (`question_empty`, `question_too_long`, `invalid_request`); recording too long, too short or not understood (`audio_too_long`, `audio_too_short`, `speech_not_understood`)", body = ErrorBody),
        (status = 429, description = "Too many requests (`rate_limited`, with Retry-After)", body = ErrorBody),
        (status = 503, description = "Spoken question: `speech_unavailable`, `speech_busy` (with Retry-After)", body = ErrorBody),
    ))]
pub async fn ask(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    Query(q): Query<ConversationQuery>,
    request: Request,
) -> Result<Response, ApiError> {
    // Tenant first: an unknown tenant is a 404 whatever the body says.
    state.app.kb(&tenant)?;
    if is_wav(request.headers()) {
        let t = transcribe_body(&state, &tenant, request).await?;
        let reply = answer_text(
            &state,
            tenant,
            t.text.clone(),
            q.conversation_id,
            q.language,
        )
        .await?;
        return Ok(Json(SpokenAskResponse {
            reply,
            transcript: t.into(),
        })
        .into_response());
    }
    // The route accepts recordings, so a JSON body gets the ordinary (smaller) limit here.
    let limit = state.app.config().limits.max_body_bytes;
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| crate::error::payload_too_large())?;
    let request = Request::from_parts(parts, Body::from(bytes));
    let ApiJson(req) = ApiJson::<AskRequest>::from_request(request, &state).await?;
    let reply = answer_text(&state, tenant, req.text, req.conversation_id, req.language).await?;
    Ok(Json(reply).into_response())
}

/// Whether a request body is declared as a WAV recording.
fn is_wav(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            ["audio/wav", "audio/wave", "audio/x-wav", "audio/vnd.wave"]
                .contains(&v.trim().to_ascii_lowercase().as_str())
        })
}

/// Answers a question's text, counted in the metrics.
async fn answer_text(
    state: &AppState,
    tenant: String,
    text: String,
    conversation_id: Option<String>,
    language: Option<String>,
) -> Result<lotse_app::AskReply, ApiError> {
    let started = std::time::Instant::now();
    let reply = if state.app.semantic().ready() {
        // The model may be asked (tens of milliseconds of CPU): off the async workers.
        let app = state.app.clone();
        tokio::task::spawn_blocking(move || {
            app.ask_in(
                &tenant,
                &text,
                conversation_id.as_deref(),
                language.as_deref(),
            )
        })
        .await
        .map_err(|e| lotse_app::AppError::Internal(format!("answering failed: {e}")))??
    } else {
        state.app.ask_in(
            &tenant,
            &text,
            conversation_id.as_deref(),
            language.as_deref(),
        )?
    };
    metrics::counter!("lotse_questions_total", "kind" => reply.kind.as_str()).increment(1);
    metrics::histogram!("lotse_answer_seconds").record(started.elapsed().as_secs_f64());
    Ok(reply)
}

/// Transcribes a request's WAV body (the checks and errors of `transcribe`), counted in the
/// metrics.
async fn transcribe_body(
    state: &AppState,
    tenant: &str,
    request: Request,
) -> Result<lotse_speech::Transcript, ApiError> {
    if !state.app.speech_available() {
        return Err(lotse_app::AppError::Speech(lotse_speech::SpeechError::Unavailable).into());
    }
    let body = Bytes::from_request(request, state)
        .await
        .map_err(|_| crate::error::audio_too_large())?;
    let started = std::time::Instant::now();
    let t = state.app.transcribe(tenant, &body).await?;
    metrics::counter!("lotse_transcriptions_total").increment(1);
    metrics::histogram!("lotse_transcribe_seconds").record(started.elapsed().as_secs_f64());
    Ok(t)
}

/// A published answer by id (for a clarify choice).
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/answers/{id}",
    params(("tenant" = String, Path), ("id" = String, Path), ("conversation_id" = Option<String>, Query), ("language" = Option<String>, Query)),
    responses((status = 200, body = AskResponse), (status = 404, description = "`tenant_not_found` or `answer_not_found`", body = ErrorBody)))]
pub async fn answer(
    State(state): State<AppState>,
    Path((tenant, id)): Path<(String, String)>,
    Query(q): Query<ConversationQuery>,
) -> Result<Json<lotse_app::AskReply>, ApiError> {
    Ok(Json(state.app.answer_by_id_in(
        &tenant,
        &id,
        q.conversation_id.as_deref(),
        q.language.as_deref(),
    )?))
}

/// Records whether a reply helped.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/feedback", request_body = FeedbackRequest,
    params(("tenant" = String, Path)),
    responses((status = 200, body = OkResponse), (status = 400, body = ErrorBody), (status = 404, description = "`tenant_not_found` or `message_not_found`", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn feedback(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    ApiJson(req): ApiJson<FeedbackRequest>,
) -> Result<Json<OkResponse>, ApiError> {
    state.app.kb(&tenant)?;
    state
        .app
        .feedback(
            &tenant,
            &req.message_id,
            req.helpful,
            req.comment.as_deref(),
        )
        .await?;
    metrics::counter!("lotse_feedback_total", "helpful" => if req.helpful { "yes" } else { "no" })
        .increment(1);
    Ok(Json(OkResponse { ok: true }))
}

/// The tenant's widget settings.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/config", params(("tenant" = String, Path)),
    responses((status = 200, body = WidgetConfig), (status = 404, body = ErrorBody)))]
pub async fn widget_config(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
) -> Result<Json<WidgetConfig>, ApiError> {
    let kb = state.app.kb(&tenant)?;
    let settings = state.app.db().tenant(&tenant).await.map_err(|e| {
        tracing::error!(error = %e, "widget config: tenant settings");
        ApiError::internal()
    })?;
    Ok(Json(WidgetConfig {
        logo_url: kb
            .variables
            .get("widget.logo")
            .filter(|l| !l.trim().is_empty())
            .cloned(),
        languages: lotse_app::settings::widget_languages(&settings.settings),
        name: kb.tenant_name.clone(),
        greeting: format!(
            "Guten Tag! Ich bin der digitale Assistent des {}. Stellen Sie mir Ihre Frage zum Grundsicherungsgeld – zum Beispiel zu Antrag, Miete oder Einkommen.",
            kb.tenant_name
        ),
        color: kb
            .variables
            .get("widget.farbe")
            .cloned()
            .unwrap_or_else(|| "#005ca9".into()),
        speech: state.app.speech_available(),
        speech_auto_send: state.app.config().speech.auto_send,
        read_aloud: state.app.read_aloud_available(),
        privacy_url: format!("/t/{tenant}/datenschutz"),
        tenant,
    }))
}

/// A transcript (`POST /api/v1/tenants/{tenant}/transcribe`).
#[derive(Serialize, ToSchema)]
pub struct TranscribeResponse {
    pub text: String,
    /// Length of the recording.
    pub duration_ms: u64,
    /// Language of recognition (`de`).
    pub language: String,
}

impl From<lotse_speech::Transcript> for TranscribeResponse {
    fn from(t: lotse_speech::Transcript) -> Self {
        TranscribeResponse {
            text: t.text,
            duration_ms: t.duration_ms,
            language: t.language,
        }
    }
}

/// Speech input: a WAV recording (16 kHz, mono, 16-bit PCM, at most 30 s) to text. The widget
/// records, decodes and resamples in the browser and uploads the WAV as the request body.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/transcribe", params(("tenant" = String, Path)),
    request_body(content = Vec<u8>, content_type = "audio/wav", description = "WAV, 16 kHz mono 16-bit PCM"),
    responses(
        (status = 200, body = TranscribeResponse),
        (status = 404, description = "`tenant_not_found`", body = ErrorBody),
        (status = 413, description = "`audio_too_large`", body = ErrorBody),
        (status = 415, description = "`audio_not_wav`, `audio_format_unsupported`", body = ErrorBody),
        (status = 422, description = "`audio_too_long`, `audio_too_short`, `speech_not_understood`", body = ErrorBody),
        (status = 503, description = "`speech_unavailable` (no model on this server), `speech_busy` (with Retry-After)", body = ErrorBody),
    ))]
pub async fn transcribe(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    request: Request,
) -> Result<Json<TranscribeResponse>, ApiError> {
    state.app.kb(&tenant)?;
    Ok(Json(
        transcribe_body(&state, &tenant, request).await?.into(),
    ))
}

/// An answer read aloud (WAV, German, espeak-ng on the server), for browsers without a German
/// voice. Cached per answer version.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/answers/{id}/speech",
    params(("tenant" = String, Path), ("id" = String, Path)),
    responses(
        (status = 200, description = "WAV audio", content_type = "audio/wav"),
        (status = 404, description = "`tenant_not_found` or `answer_not_found`", body = ErrorBody),
        (status = 503, description = "`read_aloud_unavailable`: no espeak-ng on this server", body = ErrorBody),
    ))]
pub async fn answer_speech(
    State(state): State<AppState>,
    Path((tenant, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let wav = state.app.read_aloud(&tenant, &id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "audio/wav"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        wav.as_ref().clone(),
    )
        .into_response())
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Lotse",
        description = "On-premise question answering for German job centres. Errors: `{\"error\": {\"code\", \"message\", \"message_en\"}}`."
    ),
    paths(
        ask,
        answer,
        feedback,
        widget_config,
        transcribe,
        answer_speech,
        crate::health::healthz,
        crate::health::readyz
    ),
    components(schemas(
        AskRequest,
        AskResponse,
        SpokenAskResponse,
        AnswerDoc,
        AlternativeDoc,
        SourceDoc,
        FeedbackRequest,
        OkResponse,
        WidgetConfig,
        TranscribeResponse,
        ErrorBody
    ))
)]
pub struct ApiDoc;
