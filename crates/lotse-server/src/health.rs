//! Liveness and readiness.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

use crate::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Readiness {
    pub status: String,
    pub database: String,
    pub tenants: usize,
    /// Speech recognition: `ok`, or `unavailable` in builds without the speech feature or model.
    pub speech: String,
    /// Read-aloud on the server: `ok`, or `unavailable` without espeak-ng.
    pub read_aloud: String,
    /// Semantic matching (the embedding model): `ready`, `loading`, `model_missing`,
    /// `not_built`, `disabled` or `failed`. Lotse answers in every state; without the model,
    /// from the words alone.
    pub embeddings: String,
    /// A sentence about the embedding model's state, for operators.
    pub embeddings_detail: String,
    /// Knowledge-base texts with a cached sentence vector.
    pub embedded_texts: usize,
    /// Tenants whose answers are matched by meaning as well as by words. After a first start
    /// with the model this stays below `tenants` until their texts are embedded (a minute or
    /// two on two cores); until then they are answered from the words alone.
    pub tenants_matching_by_meaning: usize,
}

/// The process is alive.
#[utoipa::path(get, path = "/healthz", responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
    })
}

/// Ready to answer: database reachable and knowledge loaded.
#[utoipa::path(get, path = "/readyz", responses((status = 200, body = Readiness), (status = 503, body = Readiness)))]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let db_ok = state.app.db().ping().await.is_ok();
    let tenants = state.app.tenant_ids().len();
    let ready = db_ok && tenants > 0;
    let semantic = state.app.semantic().state();
    let body = Readiness {
        status: if ready { "ready" } else { "not_ready" }.into(),
        database: if db_ok { "ok" } else { "unavailable" }.into(),
        tenants,
        speech: availability(state.app.speech_available()),
        read_aloud: availability(state.app.read_aloud_available()),
        embeddings: semantic.label().into(),
        embeddings_detail: semantic.describe(),
        embedded_texts: state.app.semantic().cached(),
        tenants_matching_by_meaning: state.app.tenants_matching_by_meaning(),
    };
    (
        if ready {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        },
        Json(body),
    )
}

fn availability(ok: bool) -> String {
    if ok { "ok" } else { "unavailable" }.into()
}
