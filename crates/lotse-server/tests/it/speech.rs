//! Speech input and read-aloud over HTTP, with a fake recogniser (the real model's tests live in
//! lotse-speech and the speech benchmark).

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use lotse_app::{App, Config};
use lotse_server::{AppState, router};
use lotse_speech::{Fake, Recognizer, wav};
use lotse_store::Db;

use crate::{get, send};

async fn speech_router(recognizer: Arc<dyn Recognizer>, queue: usize) -> (Router, App) {
    let mut config = Config::default();
    config.rate_limit.enabled = false;
    config.speech.queue = queue;
    config.speech.max_seconds = 5;
    let db = Db::open_url("sqlite::memory:").await.expect("db");
    let app = App::with_recognizer(db, config, recognizer)
        .await
        .expect("app");
    app.seed_demo().await.expect("seed");
    (router(AppState::new(app.clone(), None)), app)
}

fn post_wav(body: Vec<u8>) -> Request<Body> {
    Request::post("/api/v1/tenants/demo/transcribe")
        .header(header::CONTENT_TYPE, "audio/wav")
        .body(Body::from(body))
        .expect("request")
}

fn seconds(secs: f32, rate: u32) -> Vec<u8> {
    let samples: Vec<i16> = (0..(secs * rate as f32) as usize)
        .map(|i| ((i as f32 * 0.07).sin() * 6000.0) as i16)
        .collect();
    wav::encode(&samples, rate)
}

#[tokio::test]
async fn transcribe_returns_text_duration_and_language_and_prompts_with_the_tenant_vocabulary() {
    let fake = Arc::new(Fake::new("Wer zahlt meine Miete?"));
    let (r, _) = speech_router(fake.clone(), 2).await;
    let (status, _, body, text) = send(&r, post_wav(seconds(2.0, 16_000))).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(body["text"], "Wer zahlt meine Miete?");
    assert_eq!(body["duration_ms"], 2000);
    assert_eq!(body["language"], "de");
    let prompts = fake.prompts();
    assert!(
        prompts[0].contains("Jobcenter") && prompts[0].contains("Weiterbewilligungsantrag"),
        "the demo tenant's vocabulary: {prompts:?}"
    );
    let (_, _, body, _) = send(&r, get("/readyz")).await;
    assert_eq!(body["speech"], "ok");
    let (_, _, body, _) = send(&r, get("/api/v1/tenants/demo/config")).await;
    assert_eq!(body["speech"], true);
    assert_eq!(body["speech_auto_send"], false);
}

#[tokio::test]
async fn unusable_audio_gets_a_stable_code_and_a_german_sentence() {
    let (r, _) = speech_router(Arc::new(Fake::new("Hallo")), 2).await;
    let cases = [
        (
            b"OggS....".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "audio_not_wav",
        ),
        (
            seconds(1.0, 44_100),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "audio_format_unsupported",
        ),
        (
            seconds(6.0, 16_000),
            StatusCode::UNPROCESSABLE_ENTITY,
            "audio_too_long",
        ),
        (
            seconds(0.1, 16_000),
            StatusCode::UNPROCESSABLE_ENTITY,
            "audio_too_short",
        ),
        (
            vec![0; 400_000],
            StatusCode::PAYLOAD_TOO_LARGE,
            "audio_too_large",
        ),
    ];
    for (body, want_status, want_code) in cases {
        let (status, _, json, text) = send(&r, post_wav(body)).await;
        assert_eq!(status, want_status, "{want_code}: {text}");
        assert_eq!(json["error"]["code"], want_code, "{text}");
        assert!(
            json["error"]["message"]
                .as_str()
                .is_some_and(|m| m.len() > 10)
        );
    }
    let (r, _) = speech_router(Arc::new(Fake::new("[Musik]")), 2).await;
    let (status, _, json, _) = send(&r, post_wav(seconds(1.0, 16_000))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json["error"]["code"], "speech_not_understood");
    let (status, _, json, _) = send(
        &r,
        Request::post("/api/v1/tenants/nope/transcribe")
            .body(Body::from(seconds(1.0, 16_000)))
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(json["error"]["code"], "tenant_not_found");
}

fn ask_wav(query: &str, content_type: &str, body: Vec<u8>) -> Request<Body> {
    Request::post(format!("/api/v1/tenants/demo/ask{query}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .expect("request")
}

#[tokio::test]
async fn a_spoken_question_is_transcribed_and_answered_in_one_request() {
    let fake = Arc::new(Fake::new("Wer zahlt meine Miete?"));
    let (r, _) = speech_router(fake.clone(), 2).await;
    let typed = crate::post_json(
        "/api/v1/tenants/demo/ask",
        r#"{"text":"Wer zahlt meine Miete?"}"#,
    );
    let (_, _, typed, _) = send(&r, typed).await;

    let (status, _, json, text) = send(&r, ask_wav("", "audio/wav", seconds(2.0, 16_000))).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(json["transcript"]["text"], "Wer zahlt meine Miete?");
    assert_eq!(json["transcript"]["duration_ms"], 2000);
    assert_eq!(json["transcript"]["language"], "de");
    // The same reply as the typed question gets.
    assert_eq!(json["kind"], typed["kind"], "{text}");
    assert_eq!(json["answer"]["id"], typed["answer"]["id"], "{text}");
    assert_eq!(
        fake.prompts().len(),
        1,
        "transcribed with the tenant's prompt"
    );

    // The conversation and the reading language travel in the query.
    let conversation = json["conversation_id"]
        .as_str()
        .expect("conversation")
        .to_owned();
    let query = format!("?conversation_id={conversation}&language=de");
    let (status, _, json, text) = send(
        &r,
        ask_wav(&query, "audio/wav; codecs=1", seconds(2.0, 16_000)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(json["conversation_id"], conversation.as_str());
    assert!(json["transcript"].is_object());

    // A typed question's reply has no transcript.
    assert!(typed.get("transcript").is_none());
}

#[tokio::test]
async fn a_spoken_question_gets_the_same_clear_errors_as_a_transcription() {
    let (r, _) = speech_router(Arc::new(Fake::new("Hallo")), 2).await;
    let cases = [
        (
            b"OggS....".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "audio_not_wav",
        ),
        (
            seconds(6.0, 16_000),
            StatusCode::UNPROCESSABLE_ENTITY,
            "audio_too_long",
        ),
        (
            vec![0; 400_000],
            StatusCode::PAYLOAD_TOO_LARGE,
            "audio_too_large",
        ),
    ];
    for (body, want_status, want_code) in cases {
        let (status, _, json, text) = send(&r, ask_wav("", "audio/wav", body)).await;
        assert_eq!(status, want_status, "{want_code}: {text}");
        assert_eq!(json["error"]["code"], want_code, "{text}");
    }
    // A JSON question keeps the ordinary body limit although the route takes recordings.
    let long = "Miete ".repeat(20_000);
    let (status, _, json, text) = send(
        &r,
        crate::post_json(
            "/api/v1/tenants/demo/ask",
            &serde_json::json!({ "text": long }).to_string(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{text}");
    assert_eq!(json["error"]["code"], "payload_too_large");

    // Without a recogniser: 503 speech_unavailable, and typed questions are unaffected.
    let (r, _) = speech_router(Arc::new(lotse_speech::Unavailable), 2).await;
    let (status, _, json, _) = send(&r, ask_wav("", "audio/wav", seconds(2.0, 16_000))).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(json["error"]["code"], "speech_unavailable");
    let (status, _, _, text) = send(
        &r,
        crate::post_json("/api/v1/tenants/demo/ask", r#"{"text":"Miete"}"#),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
}

#[tokio::test]
async fn a_full_queue_answers_503_with_retry_after_instead_of_hanging() {
    let (fake, release) = Fake::held("Miete");
    let fake = Arc::new(fake);
    let (r, _) = speech_router(fake.clone(), 0).await;
    let first = tokio::spawn({
        let r = r.clone();
        async move { send(&r, post_wav(seconds(1.0, 16_000))).await }
    });
    // Wait until the first transcription is running (the fake has seen its prompt).
    while fake.prompts().is_empty() {
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    let (status, headers, json, _) = send(&r, post_wav(seconds(1.0, 16_000))).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(json["error"]["code"], "speech_busy");
    assert!(headers.get(header::RETRY_AFTER).is_some());
    release.send(()).expect("release");
    let (status, _, json, _) = first.await.expect("first request");
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json["text"], "Miete");
}

#[tokio::test]
async fn answers_are_read_aloud_as_wav_or_reported_unavailable() {
    let (r, app) = speech_router(Arc::new(Fake::new("x")), 2).await;
    let kb = app.kb("demo").expect("demo");
    let id = kb.views[0].id.clone();
    let (status, headers, json, text) = send(
        &r,
        get(&format!("/api/v1/tenants/demo/answers/{id}/speech")),
    )
    .await;
    if app.read_aloud_available() {
        assert_eq!(status, StatusCode::OK, "{text}");
        assert_eq!(headers[header::CONTENT_TYPE], "audio/wav");
        assert!(text.starts_with("RIFF"));
    } else {
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(json["error"]["code"], "read_aloud_unavailable");
    }
    let (status, _, json, _) =
        send(&r, get("/api/v1/tenants/demo/answers/gibt-es-nicht/speech")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(json["error"]["code"], "answer_not_found");
}
