//! The HTTP error type: stable machine-readable codes, a German sentence for people, and an
//! English one for developers. 500s are opaque: details go to the log, never to the client.

use axum::Json;
use axum::extract::FromRequest;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lotse_app::AppError;
use lotse_speech::{AudioError, SpeechError};
use serde::Serialize;

/// An error response: `{"error": {"code", "message", "message_en"}}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub message_en: String,
    pub retry_after: Option<u64>,
    /// Machine-readable details for the caller to act on (e.g. the affected questions of a
    /// publish that needs confirmation); `None` for most errors.
    pub details: Option<serde_json::Value>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `question_too_long`.
    pub code: String,
    /// A German sentence for people.
    pub message: String,
    /// The same in English.
    pub message_en: String,
    /// Present for some codes only, e.g. `publish_needs_confirmation`: `{"affected": [...]}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            message_en: message_en.into(),
            retry_after: None,
            details: None,
        }
    }

    pub fn tenant_not_found() -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "tenant_not_found",
            "Dieses Jobcenter ist hier nicht eingerichtet.",
            "No job centre with this id exists here.",
        )
    }

    pub fn not_found(what: &str) -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "Das gesuchte Element gibt es nicht.",
            format!("{what} was not found."),
        )
    }

    pub fn internal() -> Self {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Es ist ein technischer Fehler aufgetreten. Bitte versuchen Sie es später noch einmal.",
            "An internal error occurred.",
        )
    }

    pub fn too_many_requests(retry_after: u64) -> Self {
        ApiError {
            retry_after: Some(retry_after),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "Zu viele Anfragen in kurzer Zeit. Bitte warten Sie einen Moment.",
                "Too many requests; retry later.",
            )
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound { what } if what.starts_with("tenant") => {
                ApiError::tenant_not_found()
            }
            AppError::NotFound { what } if what.starts_with("message") => ApiError::new(
                StatusCode::NOT_FOUND,
                "message_not_found",
                "Zu dieser Antwort kann keine Rückmeldung gespeichert werden.",
                "No reply with this message_id exists.",
            ),
            AppError::NotFound { what } if what.starts_with("answer") => ApiError::new(
                StatusCode::NOT_FOUND,
                "answer_not_found",
                "Diese Antwort gibt es nicht (mehr).",
                "No published answer with this id exists.",
            ),
            AppError::NotFound { what } => ApiError::not_found(&what),
            AppError::EmptyQuestion => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "question_empty",
                "Bitte geben Sie eine Frage ein.",
                "The question text is empty.",
            ),
            AppError::QuestionTooLong { max } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "question_too_long",
                format!(
                    "Ihre Frage ist zu lang. Bitte fassen Sie sich kürzer (höchstens {max} Zeichen)."
                ),
                format!("The question is longer than {max} characters."),
            ),
            AppError::Invalid { field, reason } if field.starts_with("versions.") => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_field",
                format!("Eine Sprachfassung ist ungültig ({field})."),
                reason,
            ),
            AppError::Invalid { field, reason } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_field",
                format!("Eine Angabe ist ungültig ({field})."),
                format!("Invalid {field}: {reason}"),
            ),
            AppError::Conflict(m) => {
                ApiError::new(StatusCode::CONFLICT, "conflict", "Das gibt es bereits.", m)
            }
            AppError::Forbidden(m) => ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "Dazu fehlt Ihnen die Berechtigung.",
                m,
            ),
            AppError::Speech(e) => speech_error(e),
            AppError::ReadAloudUnavailable => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "read_aloud_unavailable",
                "Das Vorlesen ist auf diesem Server nicht eingerichtet.",
                "Read-aloud is not available on this server.",
            ),
            AppError::PublishImpact(impact) => {
                let n = impact.len();
                ApiError {
                    details: Some(serde_json::json!({ "affected": impact })),
                    ..ApiError::new(
                        StatusCode::CONFLICT,
                        "publish_needs_confirmation",
                        format!(
                            "Wenn Sie diese Fassung veröffentlichen, bekommen {n} Fragen, die heute richtig beantwortet werden, eine andere Antwort. Prüfen Sie die Liste und bestätigen Sie ausdrücklich (\"confirm\": true)."
                        ),
                        format!(
                            "Publishing would give {n} question variants that work today another answer (error.details.affected); send \"confirm\": true to publish anyway."
                        ),
                    )
                }
            }
            AppError::Suspended { .. } => ApiError::new(
                StatusCode::FORBIDDEN,
                "tenant_suspended",
                "Dieses Jobcenter ist auf der Plattform zurzeit gesperrt. Bitte wenden Sie sich auf anderem Weg direkt an Ihr Jobcenter.",
                "This tenant is suspended.",
            ),
            AppError::Internal(m) => {
                tracing::error!(error = %m, "internal error");
                ApiError::internal()
            }
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonDataError(e) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_request",
                "Die Anfrage enthält ungültige Felder.",
                e.body_text(),
            ),
            JsonRejection::MissingJsonContentType(_) => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Die Anfrage muss JSON sein (Content-Type: application/json).",
                "Expected Content-Type: application/json.",
            ),
            JsonRejection::BytesRejection(_)
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE =>
            {
                payload_too_large()
            }
            _ if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => payload_too_large(),
            other => ApiError::new(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                "Die Anfrage konnte nicht gelesen werden (kein gültiges JSON).",
                other.body_text(),
            ),
        }
    }
}

/// Speech input errors: each a stable code and a sentence the widget can show as it is.
fn speech_error(e: SpeechError) -> ApiError {
    match e {
        SpeechError::Unavailable => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "speech_unavailable",
            "Die Spracheingabe ist auf diesem Server nicht eingerichtet. Bitte tippen Sie Ihre Frage.",
            "Speech recognition is not available on this server.",
        ),
        SpeechError::Busy { retry_after_secs } => ApiError {
            retry_after: Some(retry_after_secs),
            ..ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "speech_busy",
                "Die Spracheingabe ist gerade ausgelastet. Bitte versuchen Sie es in ein paar Sekunden noch einmal oder tippen Sie Ihre Frage.",
                "Speech recognition is busy; retry after the given seconds.",
            )
        },
        SpeechError::InvalidAudio(AudioError::NotWav) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "audio_not_wav",
            "Die Aufnahme muss eine WAV-Datei sein.",
            "The body must be a WAV file (16 kHz, mono, 16-bit PCM).",
        ),
        SpeechError::InvalidAudio(AudioError::WrongFormat {
            rate,
            channels,
            bits,
        }) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "audio_format_unsupported",
            "Die Aufnahme hat ein falsches Format: nötig sind 16 kHz, mono, 16 Bit.",
            format!(
                "WAV must be 16 kHz mono 16-bit PCM; got {rate} Hz, {channels} channel(s), {bits} bit."
            ),
        ),
        SpeechError::InvalidAudio(AudioError::TooLong { max_secs }) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "audio_too_long",
            format!("Die Aufnahme ist zu lang. Bitte sprechen Sie höchstens {max_secs} Sekunden."),
            format!("The recording is longer than {max_secs} seconds."),
        ),
        SpeechError::InvalidAudio(AudioError::TooShort) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "audio_too_short",
            "Die Aufnahme ist zu kurz. Bitte halten Sie die Taste gedrückt, während Sie sprechen.",
            "The recording is empty or shorter than a quarter second.",
        ),
        SpeechError::NotUnderstood => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "speech_not_understood",
            "Ich habe Sie leider nicht verstanden. Bitte sprechen Sie noch einmal oder tippen Sie Ihre Frage.",
            "No speech was recognised in the recording.",
        ),
        SpeechError::Failed(m) => {
            tracing::error!(error = %m, "transcription failed");
            ApiError::internal()
        }
    }
}

/// An audio upload over the size limit.
pub fn audio_too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "audio_too_large",
        "Die Aufnahme ist zu groß. Bitte fassen Sie Ihre Frage kürzer.",
        "The audio upload is larger than the limit.",
    )
}

pub fn payload_too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "Die Anfrage ist zu groß.",
        "The request body is too large.",
    )
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.into(),
                message: self.message,
                message_en: self.message_en,
                details: self.details,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        set_retry_after(&mut response, self.retry_after);
        response
    }
}

/// Sets `Retry-After` (seconds) on an error response, if the error has one.
pub(crate) fn set_retry_after(response: &mut Response, secs: Option<u64>) {
    if let Some(secs) = secs
        && let Ok(v) = HeaderValue::from_str(&secs.to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
}

/// A JSON body extractor whose rejections are [`ApiError`]s in the common format.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);
