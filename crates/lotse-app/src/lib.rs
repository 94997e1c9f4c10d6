//! Lotse's use cases: ask, give feedback, import and export content, seed the demo tenant.
//!
//! This crate combines the pure engine (`lotse-core`) with persistence (`lotse-store`). It knows
//! nothing about HTTP. Answering never waits for the database: each tenant's knowledge is an
//! immutable [`kb::TenantKb`] behind an atomic pointer, rebuilt off the request path when content
//! changes, and citizen questions are written (redacted) by a background writer in batches.

pub mod builtin;
pub mod cluster;
pub mod config;
pub mod dashboard;
pub mod diff;
pub mod editor;
pub mod formats;
pub mod hours;
pub mod inbox;
pub mod kb;
mod pins;
pub mod platform;
pub mod retention;
pub mod retrain;
pub mod semantic;
pub mod settings;
pub mod shared;
pub mod speech;
pub mod staff;
pub mod stats;
mod writer;

use std::collections::HashMap;
use std::sync::Arc;

use arc_swap::ArcSwap;
use lotse_core::content::{Answer, Status, is_valid_id};
use lotse_core::redact::redact;
use lotse_core::reply::{Decision, Kind, decide_with};
use lotse_core::semantic::{Encoder, Vectors, texts_to_embed};
use lotse_store::{Db, MessageRecord, StoreError};
use serde::Serialize;

pub use config::Config;
pub use kb::{Alternative, AnswerView, Prior, TenantKb};
pub use lotse_store::{
    AnswerHead, AnswerVersion, AuditEntry, DailyStats, InboxItem, InboxState, Traffic, now_ms,
};
pub use staff::{Role, Staff};

/// Errors of the use cases, in terms the HTTP edge and the CLI map to messages.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{what} not found")]
    NotFound { what: String },
    #[error("the question is empty")]
    EmptyQuestion,
    #[error("the question is longer than {max} characters")]
    QuestionTooLong { max: usize },
    #[error("invalid {field}: {reason}")]
    Invalid { field: String, reason: String },
    #[error("conflict: {0}")]
    Conflict(String),
    /// The staff member's role or the four-eyes rule does not allow this.
    #[error("not allowed: {0}")]
    Forbidden(String),
    /// Speech input failed (not available, unusable audio, busy, nothing recognised).
    #[error(transparent)]
    Speech(#[from] lotse_speech::SpeechError),
    /// The server has no text-to-speech program.
    #[error("read-aloud is not available on this server")]
    ReadAloudUnavailable,
    #[error("internal error: {0}")]
    Internal(String),
    /// The tenant is suspended by the platform: no answers, no sign-in.
    #[error("tenant '{tenant}' is suspended")]
    Suspended { tenant: String },
    /// Publishing would give question variants that work today another answer (regression
    /// protection): the caller must show them and confirm explicitly.
    #[error("publishing would change the answer of {} question variants", .0.len())]
    PublishImpact(Vec<editor::Impact>),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => AppError::NotFound { what },
            StoreError::Conflict(m) => AppError::Conflict(m),
            StoreError::Invalid { field, reason } => AppError::Invalid {
                field: field.into(),
                reason,
            },
            StoreError::Unavailable(m) => AppError::Internal(m),
        }
    }
}

/// A reply to a citizen's question (the public API's `ask` response).
#[derive(Debug, Clone, Serialize)]
pub struct AskReply {
    pub conversation_id: String,
    pub message_id: String,
    pub kind: Kind,
    pub confidence: f32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<AnswerView>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<Alternative>,
}

/// A reply together with the engine's reasoning, for `lotse ask --explain` and the staff console.
#[derive(Debug, Clone, Serialize)]
pub struct Explained {
    pub reply: AskReply,
    pub decision: Decision,
}

/// The application: database, configuration and every tenant's live knowledge.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    config: Config,
    kbs: ArcSwap<HashMap<String, Arc<TenantKb>>>,
    writer: writer::Writer,
    /// Serialises knowledge rebuilds so that two quick edits cannot swap in an older index last.
    rebuild: tokio::sync::Mutex<()>,
    /// Questions just assigned in the inbox, answered until the rebuilt index contains them.
    pins: pins::Pins,
    /// Background rebuilds not yet finished (see [`App::settle`]).
    pending: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
    speech: speech::Speech,
    /// The embedding model and its vector cache.
    semantic: Arc<semantic::Semantic>,
    /// Wakes the background task that embeds missing texts (see [`App::complete_vectors`]).
    vectors_wanted: Arc<tokio::sync::Notify>,
    /// The stored revision each tenant's live knowledge was built from (see `cluster.rs`).
    revisions: std::sync::Mutex<HashMap<String, i64>>,
    /// This process among several on one database (job claims, logs).
    instance: String,
}

/// Knowledge-base texts without a vector that a rebuild embeds at once (a staff edit adds a few);
/// more (an import, a new model) are embedded in the background and the tenant re-indexed.
const EMBED_INLINE_MAX: usize = 48;

impl App {
    /// Opens the application on a database; loads every tenant's knowledge. Without speech input
    /// (see [`App::with_recognizer`]).
    pub async fn new(db: Db, config: Config) -> Result<App, AppError> {
        App::with_recognizer(db, config, Arc::new(lotse_speech::Unavailable)).await
    }

    /// Like [`App::new`], with a speech recogniser (whisper.cpp, or a fake in tests).
    pub async fn with_recognizer(
        db: Db,
        config: Config,
        recognizer: Arc<dyn lotse_speech::Recognizer>,
    ) -> Result<App, AppError> {
        let writer = writer::Writer::spawn(db.clone());
        let speech = speech::Speech::new(recognizer, &config.speech);
        let semantic = Arc::new(semantic::Semantic::new(&config));
        let app = App {
            inner: Arc::new(Inner {
                db,
                config,
                kbs: ArcSwap::from_pointee(HashMap::new()),
                writer,
                rebuild: tokio::sync::Mutex::new(()),
                pins: pins::Pins::default(),
                pending: std::sync::Mutex::new(Vec::new()),
                speech,
                semantic,
                vectors_wanted: Arc::new(tokio::sync::Notify::new()),
                revisions: std::sync::Mutex::new(HashMap::new()),
                instance: uuid::Uuid::new_v4().to_string(),
            }),
        };
        // Build every tenant's index at start-up, as many at once as there are cores.
        let tenants = app.inner.db.tenants().await?;
        let parallel = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        let mut map = HashMap::new();
        for chunk in tenants.chunks(parallel) {
            let mut builds = tokio::task::JoinSet::new();
            for t in chunk {
                let (app, id) = (app.clone(), t.id.clone());
                builds.spawn(async move {
                    app.note_revision(&id, app.inner.db.revision(&id).await?);
                    let answers = app.inner.db.live_answers(&id).await?;
                    Ok::<_, AppError>((id.clone(), app.build_kb(&id, answers, None).await?))
                });
            }
            while let Some(done) = builds.join_next().await {
                let (id, kb) =
                    done.map_err(|e| AppError::Internal(format!("index build failed: {e}")))??;
                map.insert(id, Arc::new(kb));
            }
        }
        app.inner.kbs.store(Arc::new(map));
        Ok(app)
    }

    /// Loads the embedding model in the background, then embeds what the cache lacks, and
    /// again whenever a rebuild meets more new texts than it embeds inline. The task holds the
    /// application only weakly, so it ends when the application is dropped.
    pub fn start_semantic(&self) {
        let semantic = self.inner.semantic.clone();
        if !semantic.active() {
            tracing::info!("{}", semantic.state().describe());
            return;
        }
        let weak = Arc::downgrade(&self.inner);
        let wanted = self.inner.vectors_wanted.clone();
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            let loader = semantic.clone();
            let loaded = tokio::task::spawn_blocking(move || loader.load())
                .await
                .unwrap_or(false);
            if !loaded {
                tracing::warn!("{}", semantic.state().describe());
                return;
            }
            tracing::info!(
                seconds = started.elapsed().as_secs_f64(),
                cached_vectors = semantic.cached(),
                "embedding model loaded"
            );
            loop {
                let Some(inner) = weak.upgrade() else { return };
                App { inner }.complete_vectors().await;
                wanted.notified().await;
            }
        });
    }

    /// Loads the embedding model now and embeds what the cache lacks (for command-line use,
    /// where the answer must not depend on timing). Returns the model's state.
    pub async fn load_semantic(&self) -> semantic::State {
        let semantic = self.inner.semantic.clone();
        if semantic.active() {
            let loader = semantic.clone();
            let _ = tokio::task::spawn_blocking(move || loader.load()).await;
            if semantic.ready() {
                self.complete_vectors().await;
            }
        }
        semantic.state()
    }

    /// The embedding model's state (for `/readyz` and the staff pages).
    pub fn semantic(&self) -> &semantic::Semantic {
        &self.inner.semantic
    }

    /// Embeds every tenant's texts that have no vector yet and re-indexes those tenants (after
    /// the model has loaded, or after a large import). Idempotent.
    pub async fn complete_vectors(&self) {
        for tenant in self.tenant_ids() {
            let Ok(kb) = self.kb(&tenant) else { continue };
            let texts = texts_to_embed(kb.index.answers(), lotse_core::reply::OUT_OF_SCOPE_SAMPLES);
            let (_, missing) = self.inner.semantic.lookup(&texts);
            let complete = kb.index.has_semantic() && kb.index.hybrid().samples > 0;
            if missing.is_empty() && complete {
                continue;
            }
            if !missing.is_empty() {
                let semantic = self.inner.semantic.clone();
                let started = std::time::Instant::now();
                let n = missing.len();
                let added =
                    tokio::task::spawn_blocking(move || semantic.embed_into_cache(&missing))
                        .await
                        .unwrap_or(0);
                tracing::info!(
                    tenant,
                    texts = n,
                    added,
                    seconds = started.elapsed().as_secs_f64(),
                    "knowledge base embedded"
                );
                if added == 0 {
                    continue;
                }
            }
            if let Err(e) = self.refresh_tenant(&tenant).await {
                tracing::error!(error = %e, tenant, "re-indexing with vectors failed");
            }
        }
    }

    fn track(&self, handle: tokio::task::JoinHandle<()>) {
        if let Ok(mut pending) = self.inner.pending.lock() {
            pending.retain(|h| !h.is_finished());
            pending.push(handle);
        }
    }

    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The live knowledge of a tenant. A suspended tenant's is refused ([`AppError::Suspended`]):
    /// every public route and the CLI's questions go through here.
    pub fn kb(&self, tenant: &str) -> Result<Arc<TenantKb>, AppError> {
        let kb = self.kb_any(tenant)?;
        if kb.suspended {
            return Err(AppError::Suspended {
                tenant: tenant.to_owned(),
            });
        }
        Ok(kb)
    }

    /// The knowledge of a tenant, suspended or not (for rebuilds).
    pub(crate) fn kb_any(&self, tenant: &str) -> Result<Arc<TenantKb>, AppError> {
        self.inner
            .kbs
            .load()
            .get(tenant)
            .cloned()
            .ok_or_else(|| AppError::NotFound {
                what: format!("tenant '{tenant}'"),
            })
    }

    /// The ids of all tenants with live knowledge.
    pub fn tenant_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.inner.kbs.load().keys().cloned().collect();
        ids.sort();
        ids
    }

    /// Tenants whose live knowledge ranks by meaning too (sentence vectors in the index and
    /// their weights fitted). Right after a first start with the embedding model this is 0
    /// until the knowledge base is embedded and re-indexed; operators and benchmarks wait for it.
    pub fn tenants_matching_by_meaning(&self) -> usize {
        self.inner
            .kbs
            .load()
            .values()
            .filter(|kb| kb.index.has_semantic() && kb.index.hybrid().samples > 0)
            .count()
    }

    /// Drops a deleted tenant's knowledge.
    pub(crate) fn forget_tenant(&self, tenant: &str) {
        let mut map = HashMap::clone(&self.inner.kbs.load());
        map.remove(tenant);
        self.inner.kbs.store(Arc::new(map));
    }

    /// After a change of a tenant's answers, variables, synonyms or settings: tells the other
    /// instances (see `cluster.rs`), then rebuilds the tenant's knowledge here and swaps it in.
    /// Answers keep being served from the previous knowledge until the new one is ready.
    pub async fn reload_tenant(&self, tenant: &str) -> Result<(), AppError> {
        self.inner.db.announce_change(tenant).await?;
        self.refresh_tenant(tenant).await?;
        self.reload_subscribers(tenant).await
    }

    /// Tenants subscribed to this one's shared knowledge get its change too (in the
    /// background: a base may have many subscribers; `settle` waits for them). Each is
    /// announced in turn, so the other instances rebuild them as well.
    async fn reload_subscribers(&self, tenant: &str) -> Result<(), AppError> {
        for subscriber in self.inner.db.subscribers(tenant).await? {
            self.reload_soon(&subscriber);
        }
        Ok(())
    }

    /// Like [`App::reload_tenant`] after a publish whose regression check built `kb` from
    /// `answers` (read at `revision`): when nothing else changed since, that knowledge goes live
    /// as it is, so the published change is answered at once instead of after a second build.
    /// Anything else that changed meanwhile (another edit, an inbox assignment, variables)
    /// has announced itself or still will, and then the tenant is rebuilt from the database.
    pub(crate) async fn go_live(
        &self,
        tenant: &str,
        kb: TenantKb,
        mut answers: Vec<Answer>,
        revision: i64,
    ) -> Result<(), AppError> {
        let announced = self.inner.db.announce_change(tenant).await?;
        {
            let _guard = self.inner.rebuild.lock().await;
            let pinned_upto = self.inner.pins.current();
            let mut stored = self.inner.db.live_answers(tenant).await?;
            stored.sort_by(|a, b| a.id.cmp(&b.id));
            answers.sort_by(|a, b| a.id.cmp(&b.id));
            if announced == revision + 1 && stored == answers {
                self.install(tenant, kb, pinned_upto, announced);
            } else {
                tracing::debug!(tenant, "changed since the publish check: rebuilding");
                self.rebuild_locked(tenant).await?;
            }
        }
        self.reload_subscribers(tenant).await
    }

    /// Rebuilds a tenant's knowledge from the database and swaps it in, here only (another
    /// instance's change, new vectors).
    pub async fn refresh_tenant(&self, tenant: &str) -> Result<(), AppError> {
        let _guard = self.inner.rebuild.lock().await;
        self.rebuild_locked(tenant).await
    }

    /// Like [`App::refresh_tenant`], but only when the stored revision differs from the one
    /// the live knowledge was built from (checked under the rebuild lock, so a notification of
    /// a change this instance made itself, or a burst of them, costs no extra rebuild).
    /// Returns whether it rebuilt.
    pub async fn refresh_if_stale(&self, tenant: &str) -> Result<bool, AppError> {
        let _guard = self.inner.rebuild.lock().await;
        let stored = self.inner.db.revision(tenant).await?;
        if self.known_revision(tenant) == Some(stored) && self.kb_any(tenant).is_ok() {
            return Ok(false);
        }
        self.rebuild_locked(tenant).await?;
        Ok(true)
    }

    /// The revision a tenant's live knowledge was built from.
    pub fn known_revision(&self, tenant: &str) -> Option<i64> {
        self.inner
            .revisions
            .lock()
            .ok()
            .and_then(|r| r.get(tenant).copied())
    }

    fn note_revision(&self, tenant: &str, revision: i64) {
        if let Ok(mut r) = self.inner.revisions.lock() {
            r.insert(tenant.to_owned(), revision);
        }
    }

    /// This process's id among several instances on one database.
    pub fn instance(&self) -> &str {
        &self.inner.instance
    }

    async fn rebuild_locked(&self, tenant: &str) -> Result<(), AppError> {
        // Every pin up to here is saved already, so the knowledge read now contains it.
        let pinned_upto = self.inner.pins.current();
        // Read before the content: a change after this point leaves the knowledge marked
        // stale, so the next check rebuilds it again rather than missing it.
        let revision = self.inner.db.revision(tenant).await?;
        let answers = self.inner.db.live_answers(tenant).await?;
        // A staff change keeps the tenant's calibration (quick: live within a second); the
        // nightly re-fit and start-up fit it anew.
        // A small change (an edit, a few variants) keeps a fitted calibration; an import or a
        // first fill re-fits it.
        let prior = self.kb_any(tenant).ok().and_then(|kb| {
            let before = kb.views.len();
            let small = before.abs_diff(answers.len()) <= (before / 10).max(5);
            small.then(|| Prior::of(&kb.index)).flatten()
        });
        let kb = self.build_kb(tenant, answers, prior).await?;
        self.install(tenant, kb, pinned_upto, revision);
        Ok(())
    }

    /// Swaps in a tenant's new knowledge (under the rebuild lock), built from the database at
    /// `revision` with every pin up to `pinned_upto` in it.
    fn install(&self, tenant: &str, kb: TenantKb, pinned_upto: u64, revision: i64) {
        let mut map = HashMap::clone(&self.inner.kbs.load());
        map.insert(tenant.to_owned(), Arc::new(kb));
        self.inner.kbs.store(Arc::new(map));
        self.inner.pins.drop_upto(tenant, pinned_upto);
        self.note_revision(tenant, revision);
    }

    /// Rebuilds a tenant's knowledge in the background (after an inbox assignment, whose
    /// questions are pinned meanwhile, see `pins.rs`).
    pub(crate) fn reload_soon(&self, tenant: &str) {
        let app = self.clone();
        let tenant = tenant.to_owned();
        let handle = tokio::spawn(async move {
            if let Err(e) = app.reload_tenant(&tenant).await {
                tracing::error!(error = %e, tenant, "knowledge rebuild failed");
            }
        });
        self.track(handle);
    }

    /// Waits until every background rebuild has finished (for tests and shutdown).
    pub async fn settle(&self) {
        loop {
            let handles = match self.inner.pending.lock() {
                Ok(mut pending) => std::mem::take(&mut *pending),
                Err(_) => return,
            };
            if handles.is_empty() {
                return;
            }
            for h in handles {
                let _ = h.await;
            }
        }
    }

    /// Builds a tenant's knowledge from `answers` (on a blocking thread) without swapping it in.
    pub(crate) async fn build_kb(
        &self,
        tenant: &str,
        answers: Vec<Answer>,
        prior: Option<Prior>,
    ) -> Result<TenantKb, AppError> {
        self.build_kb_with(tenant, answers, prior, self.inner.config.engine)
            .await
    }

    /// Like [`App::build_kb`] with the given engine configuration (the nightly job's re-fit).
    pub(crate) async fn build_kb_with(
        &self,
        tenant: &str,
        answers: Vec<Answer>,
        prior: Option<Prior>,
        engine: lotse_core::engine::EngineConfig,
    ) -> Result<TenantKb, AppError> {
        let db = &self.inner.db;
        let t = db.tenant(tenant).await?;
        let mut variables = builtin::shared_variables();
        variables.extend(db.variables(tenant).await?);
        let (answers, shared_synonyms) = self.with_shared(tenant, answers).await?;
        let mut synonyms = builtin::synonyms();
        synonyms.extend(shared_synonyms);
        synonyms.extend(db.synonyms(tenant).await?);
        let suspended = t.suspended_at.is_some();
        let hours = hours::OpeningHours::from_settings(&t.settings);
        let allowed_origins = settings::allowed_origins(&t.settings);
        let today = today();
        let semantic = self.inner.semantic.clone();
        let (kb, missing) = tokio::task::spawn_blocking(move || {
            let vectors = vectors_for(&semantic, &answers, &today);
            let missing = vectors.as_ref().map_or(0, |(_, m)| *m);
            let kb = TenantKb::build_with(
                &t.id,
                &t.name,
                &answers,
                variables,
                &synonyms,
                engine,
                &today,
                prior,
                vectors.as_ref().map(|(v, _)| v),
            );
            (
                TenantKb {
                    suspended,
                    hours,
                    allowed_origins,
                    ..kb
                },
                missing,
            )
        })
        .await
        .map_err(|e| AppError::Internal(format!("index build failed: {e}")))?;
        if missing > 0 && self.inner.semantic.ready() {
            // Too many new texts to embed inline: in the background, then re-index.
            self.inner.vectors_wanted.notify_one();
        }
        Ok(kb)
    }

    /// Answers a citizen's question (SPEC §2.1). The question is stored only in redacted form.
    pub fn ask(
        &self,
        tenant: &str,
        text: &str,
        conversation_id: Option<&str>,
    ) -> Result<AskReply, AppError> {
        self.ask_in(tenant, text, conversation_id, None)
    }

    /// Like [`App::ask`] for someone who reads `language` (BCP-47, e.g. the widget's interface
    /// language, or `de-x-ls` for Leichte Sprache). A question written in another language is
    /// answered in that language whatever `language` says.
    pub fn ask_in(
        &self,
        tenant: &str,
        text: &str,
        conversation_id: Option<&str>,
        language: Option<&str>,
    ) -> Result<AskReply, AppError> {
        let kb = self.kb(tenant)?;
        Ok(self
            .explain_on(&kb, text, conversation_id, true, language)?
            .reply)
    }

    /// Like [`App::ask`], with the engine's reasoning.
    pub fn explain(
        &self,
        tenant: &str,
        text: &str,
        conversation_id: Option<&str>,
    ) -> Result<Explained, AppError> {
        self.explain_inner(tenant, text, conversation_id, true)
    }

    fn explain_inner(
        &self,
        tenant: &str,
        text: &str,
        conversation_id: Option<&str>,
        record: bool,
    ) -> Result<Explained, AppError> {
        let kb = self.kb(tenant)?;
        self.explain_on(&kb, text, conversation_id, record, None)
    }

    /// Answers from the given knowledge (the live one, or a candidate in the test console).
    pub(crate) fn explain_on(
        &self,
        kb: &TenantKb,
        text: &str,
        conversation_id: Option<&str>,
        record: bool,
        language: Option<&str>,
    ) -> Result<Explained, AppError> {
        let tenant = kb.tenant_id.as_str();
        let text = text.trim();
        if text.is_empty() {
            return Err(AppError::EmptyQuestion);
        }
        let max = self.inner.config.limits.max_question_chars;
        if text.chars().count() > max {
            return Err(AppError::QuestionTooLong { max });
        }
        let conversation_id = conversation_or_new(conversation_id);
        let message_id = uuid::Uuid::new_v4().to_string();
        let semantic = &*self.inner.semantic;
        let encoder = semantic.ready().then_some(semantic as &dyn Encoder);
        let mut decision = decide_with(&kb.index, text, encoder);
        if !decision.emergency
            && let Some(i) = self
                .inner
                .pins
                .get(tenant, text)
                .and_then(|id| kb.by_id.get(&id).copied())
        {
            decision.kind = Kind::Answer;
            decision.answer = Some(i);
            decision.alternatives.clear();
            decision.confidence = 1.0;
            decision.ranking.notes.push(
                "Im Eingang dieser Antwort zugeordnet (gilt sofort, bis der Index neu aufgebaut ist)"
                    .into(),
            );
        }
        // A question in another language is answered in that language (or with a note); a German
        // question in the language the widget asks for (e.g. Leichte Sprache).
        let reply_language = if decision.language != "de" {
            decision.language
        } else {
            language
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .unwrap_or("de")
        };
        let answer = match decision.kind {
            Kind::Answer => decision.answer.map(|i| kb.view_in(i, reply_language)),
            Kind::Fallback => Some(kb.fallback_in(reply_language)),
            Kind::Clarify => None,
        }
        .map(|v| kb.at_time(v, now_ms()));
        let alternatives = decision
            .alternatives
            .iter()
            .map(|&i| Alternative {
                id: kb.views[i].id.clone(),
                title: kb.title_in(i, reply_language),
                topics: kb.views[i].topics.clone(),
            })
            .collect();
        let reply = AskReply {
            conversation_id: conversation_id.clone(),
            message_id: message_id.clone(),
            kind: decision.kind,
            confidence: (decision.confidence * 1000.0).round() / 1000.0,
            answer,
            alternatives,
        };
        if !record {
            return Ok(Explained { reply, decision });
        }
        self.inner.writer.record(MessageRecord {
            tenant_id: tenant.to_owned(),
            id: message_id,
            conversation_id,
            text_redacted: redact(text),
            kind: decision.kind.as_str().to_owned(),
            answer_id: decision.answer.map(|i| kb.views[i].id.clone()),
            confidence: decision.confidence,
            created_at: now_ms(),
        });
        Ok(Explained { reply, decision })
    }

    /// A published answer by id (a citizen chose a clarify option). Recorded like a question.
    pub fn answer_by_id(
        &self,
        tenant: &str,
        id: &str,
        conversation_id: Option<&str>,
    ) -> Result<AskReply, AppError> {
        self.answer_by_id_in(tenant, id, conversation_id, None)
    }

    /// Like [`App::answer_by_id`] in `language` (see [`TenantKb::view_in`]).
    pub fn answer_by_id_in(
        &self,
        tenant: &str,
        id: &str,
        conversation_id: Option<&str>,
        language: Option<&str>,
    ) -> Result<AskReply, AppError> {
        let kb = self.kb(tenant)?;
        let i = *kb.by_id.get(id).ok_or_else(|| AppError::NotFound {
            what: format!("answer '{id}'"),
        })?;
        let view = kb.at_time(kb.view_in(i, language.unwrap_or("de")), now_ms());
        let conversation_id = conversation_or_new(conversation_id);
        let message_id = uuid::Uuid::new_v4().to_string();
        self.inner.writer.record(MessageRecord {
            tenant_id: tenant.to_owned(),
            id: message_id.clone(),
            conversation_id: conversation_id.clone(),
            text_redacted: format!("[Auswahl] {}", view.title),
            kind: "answer".into(),
            answer_id: Some(view.id.clone()),
            confidence: 1.0,
            created_at: now_ms(),
        });
        Ok(AskReply {
            conversation_id,
            message_id,
            kind: Kind::Answer,
            confidence: 1.0,
            answer: Some(view),
            alternatives: Vec::new(),
        })
    }

    /// Records a citizen's thumbs up/down on a reply. The comment is redacted before storing.
    pub async fn feedback(
        &self,
        tenant: &str,
        message_id: &str,
        helpful: bool,
        comment: Option<&str>,
    ) -> Result<(), AppError> {
        self.kb(tenant)?;
        if message_id.is_empty() || message_id.len() > 64 {
            return Err(AppError::Invalid {
                field: "message_id".into(),
                reason: "must be the message_id of a reply".into(),
            });
        }
        if comment.is_some_and(|c| c.chars().count() > 1000) {
            return Err(AppError::Invalid {
                field: "comment".into(),
                reason: "at most 1,000 characters".into(),
            });
        }
        let comment = comment.map(str::trim).filter(|c| !c.is_empty()).map(redact);
        // The message may still be queued for writing: flush once before giving up on it.
        let db = &self.inner.db;
        match db
            .insert_feedback(tenant, message_id, helpful, comment.as_deref())
            .await
        {
            Err(StoreError::NotFound(_)) => {
                self.inner.writer.flush().await;
                db.insert_feedback(tenant, message_id, helpful, comment.as_deref())
                    .await?;
            }
            other => other?,
        }
        Ok(())
    }

    /// Waits until every recorded question is in the database (for tests and shutdown).
    pub async fn flush(&self) {
        self.inner.writer.flush().await;
    }

    /// Creates the demo tenant with the built-in knowledge base, unless it exists.
    /// Returns true when it was created.
    pub async fn seed_demo(&self) -> Result<bool, AppError> {
        let demo = builtin::demo_tenant().map_err(AppError::Internal)?;
        match self.inner.db.tenant(&demo.id).await {
            Ok(_) => return Ok(false),
            Err(StoreError::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
        self.inner.db.create_tenant(&demo.id, &demo.name).await?;
        self.inner
            .db
            .set_variables(&demo.id, &demo.variables)
            .await?;
        if demo.settings.is_object() {
            self.inner
                .db
                .set_tenant_settings(&demo.id, &demo.settings)
                .await?;
        }
        let answers = builtin::answers().map_err(AppError::Internal)?;
        self.save_answers(&demo.id, &answers, "system").await?;
        Ok(true)
    }

    /// Creates a tenant (for imports with `--create-tenant`).
    pub async fn create_tenant(&self, id: &str, name: &str) -> Result<(), AppError> {
        self.inner.db.create_tenant(id, name).await?;
        self.reload_tenant(id).await
    }

    /// Validates and saves answers as new versions, then reloads the tenant's knowledge.
    pub async fn save_answers(
        &self,
        tenant: &str,
        answers: &[Answer],
        author: &str,
    ) -> Result<usize, AppError> {
        for a in answers {
            a.validate(&|t| is_valid_id(t))
                .map_err(|e| AppError::Invalid {
                    field: "answer".into(),
                    reason: e.to_string(),
                })?;
        }
        self.inner.db.save_answers(tenant, answers, author).await?;
        self.reload_tenant(tenant).await?;
        Ok(answers.len())
    }

    /// Imports content in `format` into a tenant.
    pub async fn import(
        &self,
        tenant: &str,
        format: formats::Format,
        text: &str,
        author: &str,
    ) -> Result<usize, AppError> {
        self.inner.db.tenant(tenant).await?;
        let answers = formats::import(format, text)?;
        self.save_answers(tenant, &answers, author).await
    }

    /// Exports a tenant's current answers (all statuses except archived) in `format`.
    pub async fn export(&self, tenant: &str, format: formats::Format) -> Result<String, AppError> {
        self.inner.db.tenant(tenant).await?;
        let answers: Vec<Answer> = self
            .inner
            .db
            .answers(tenant)
            .await?
            .into_iter()
            .filter(|a| a.status != Status::Archived)
            .collect();
        formats::export(format, &answers)
    }
}

/// The conversation a citizen continues, or a new one when the id is missing or malformed.
fn conversation_or_new(conversation_id: Option<&str>) -> String {
    match conversation_id {
        Some(c) if is_valid_id(c) && c.len() <= 64 => c.to_owned(),
        _ => uuid::Uuid::new_v4().to_string(),
    }
}

/// The cached vectors of the texts of `answers` that are live on `today` (and of the
/// out-of-scope sentences), embedding a few missing ones at once when the model is ready.
/// `None` when semantic matching is not active; else the vectors and how many texts still lack one.
fn vectors_for(
    semantic: &semantic::Semantic,
    answers: &[Answer],
    today: &str,
) -> Option<(Vectors, usize)> {
    if !semantic.active() {
        return None;
    }
    let index_answers: Vec<_> = kb::live(answers, today)
        .into_iter()
        .map(kb::index_answer)
        .collect();
    let texts = texts_to_embed(&index_answers, lotse_core::reply::OUT_OF_SCOPE_SAMPLES);
    let (mut vectors, mut missing) = semantic.lookup(&texts);
    if !missing.is_empty() && missing.len() <= EMBED_INLINE_MAX && semantic.ready() {
        semantic.embed_into_cache(&missing);
        (vectors, missing) = semantic.lookup(&texts);
    }
    if vectors.is_empty() {
        return None;
    }
    Some((vectors, missing.len()))
}

/// Today's date (UTC) as `YYYY-MM-DD`.
pub fn today() -> String {
    date_of(now_ms())
}

/// The (UTC) date of a point in time (Unix milliseconds) as `YYYY-MM-DD`.
pub fn date_of(ms: i64) -> String {
    let (y, m, d) = civil_from_days(ms.div_euclid(86_400_000));
    format!("{y:04}-{m:02}-{d:02}")
}

/// A point in time (Unix milliseconds) as `YYYY-MM-DD HH:MM` (UTC), for staff pages and logs.
pub fn format_time(ms: i64) -> String {
    let (y, m, d) = civil_from_days(ms.div_euclid(86_400_000));
    let minutes = ms.rem_euclid(86_400_000) / 60_000;
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        minutes / 60,
        minutes % 60
    )
}

/// Converts days since 1970-01-01 to a (year, month, day) civil date (H. Hinnant's algorithm).
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_are_right() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_635), (2026, 7, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
