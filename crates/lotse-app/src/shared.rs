//! Shared knowledge with local overrides (issue 7, item 2).
//!
//! A tenant may subscribe to the shared knowledge base that another tenant maintains (e.g.
//! "SGB II allgemein"). Its citizens get the base's published answers, rendered with the
//! subscriber's own placeholders, minus the ones it hides, with its own answer in place of a
//! shared one of the same id (an override), plus its own answers. The composition happens when
//! the subscriber's knowledge is built ([`App::with_shared`]); a publish in the base rebuilds
//! every subscriber (see [`App::reload_tenant`]).
//!
//! What changed in the base since the subscriber's staff last looked is computed from the
//! base's published versions against the ones recorded at the last "gesehen"; an override
//! remembers the base version it was made from, so a newer one flags it for review.

use std::collections::{HashMap, HashSet};

use lotse_core::content::{Answer, Status};
use lotse_store::{LocalMode, SharedLocal};
use serde::Serialize;

use crate::editor::forbidden;
use crate::{App, AppError, Role, Staff};

/// What happened to a shared answer since the subscriber's staff last looked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Unchanged,
    New,
    Changed,
}

/// The subscriber's use of a shared answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Use {
    /// Citizens get the shared text.
    Inherited,
    Hidden,
    /// The tenant's own answer replaces it; `review` when the shared original changed since.
    Overridden {
        review: bool,
    },
}

/// One shared answer as the subscriber's staff see it.
#[derive(Debug, Clone, Serialize)]
pub struct SharedAnswer {
    pub id: String,
    pub title: String,
    /// The base's published version.
    pub version: i64,
    pub change: Change,
    #[serde(rename = "use")]
    pub used: Use,
}

/// The subscriber's view of its shared knowledge.
#[derive(Debug, Clone, Serialize)]
pub struct SharedOverview {
    /// The base tenant's id and name (`None`: no subscription).
    pub base: Option<(String, String)>,
    pub answers: Vec<SharedAnswer>,
    /// Shared answers the staff saw last time that the base no longer publishes.
    pub removed: Vec<String>,
}

impl SharedOverview {
    /// Overrides whose shared original changed since they were made or last reviewed.
    pub fn needs_review(&self) -> usize {
        self.answers
            .iter()
            .filter(|a| a.used == Use::Overridden { review: true })
            .count()
    }

    /// New or changed shared answers and removed ones since the last look.
    pub fn changes(&self) -> usize {
        self.answers
            .iter()
            .filter(|a| a.change != Change::Unchanged)
            .count()
            + self.removed.len()
    }
}

impl App {
    /// The answers citizens of `tenant` get, given its own live answers: with a subscription,
    /// the base's live answers are added, minus hidden ones and ones the tenant has its own
    /// answer for. Returns the answers (ordered by id) and the base's synonym groups.
    pub(crate) async fn with_shared(
        &self,
        tenant: &str,
        own: Vec<Answer>,
    ) -> Result<(Vec<Answer>, Vec<Vec<String>>), AppError> {
        let db = self.db();
        let Some(base) = db.subscription(tenant).await? else {
            return Ok((own, Vec::new()));
        };
        let local = db.shared_local(tenant).await?;
        let own_ids: HashSet<String> = own.iter().map(|a| a.id.clone()).collect();
        let mut answers = own;
        answers.extend(db.live_answers(&base).await?.into_iter().filter(|a| {
            !own_ids.contains(&a.id) && local.get(&a.id).map(|l| l.mode) != Some(LocalMode::Hidden)
        }));
        answers.sort_by(|a, b| a.id.cmp(&b.id));
        Ok((answers, db.synonyms(&base).await?))
    }

    /// The published versions of the base's answers, by id.
    async fn base_versions(&self, base: &str) -> Result<HashMap<String, i64>, AppError> {
        Ok(self
            .db()
            .answer_heads(base)
            .await?
            .into_iter()
            .filter_map(|h| h.published_version.map(|v| (h.id, v)))
            .collect())
    }

    /// The subscriber's shared knowledge: every shared answer with what changed and how it is
    /// used here. Any staff member of the tenant may look.
    pub async fn shared_overview(&self, staff: &Staff) -> Result<SharedOverview, AppError> {
        let tenant = &staff.tenant;
        let db = self.db();
        let Some(base) = db.subscription(tenant).await? else {
            return Ok(SharedOverview {
                base: None,
                answers: Vec::new(),
                removed: Vec::new(),
            });
        };
        let base_name = db.tenant(&base).await?.name;
        let versions = self.base_versions(&base).await?;
        let seen = db.shared_seen(tenant).await?;
        let local = db.shared_local(tenant).await?;
        let answers = db
            .live_answers(&base)
            .await?
            .into_iter()
            .map(|a| {
                let version = versions.get(&a.id).copied().unwrap_or(0);
                let change = match seen.get(&a.id) {
                    None => Change::New,
                    Some(&v) if v != version => Change::Changed,
                    Some(_) => Change::Unchanged,
                };
                let used = match local.get(&a.id) {
                    Some(SharedLocal {
                        mode: LocalMode::Hidden,
                        ..
                    }) => Use::Hidden,
                    Some(SharedLocal {
                        mode: LocalMode::Override,
                        base_version,
                        ..
                    }) => Use::Overridden {
                        review: *base_version != Some(version),
                    },
                    None => Use::Inherited,
                };
                SharedAnswer {
                    id: a.id,
                    title: a.title,
                    version,
                    change,
                    used,
                }
            })
            .collect();
        let mut removed: Vec<String> = seen
            .into_keys()
            .filter(|id| !versions.contains_key(id))
            .collect();
        removed.sort();
        Ok(SharedOverview {
            base: Some((base, base_name)),
            answers,
            removed,
        })
    }

    /// Subscribes the staff member's tenant to `base`'s shared knowledge (admins), or ends the
    /// subscription (`None`). Local decisions of an earlier subscription are dropped.
    pub async fn subscribe(&self, staff: &Staff, base: Option<&str>) -> Result<(), AppError> {
        if staff.role < Role::Admin {
            return Err(forbidden("only admins choose the shared knowledge"));
        }
        self.set_subscription(&staff.tenant, base, &staff.email)
            .await
    }

    /// Like [`App::subscribe`] without a staff member (the command line).
    pub async fn set_subscription(
        &self,
        tenant: &str,
        base: Option<&str>,
        actor: &str,
    ) -> Result<(), AppError> {
        let db = self.db();
        db.tenant(tenant).await?;
        let before = db.subscription(tenant).await?;
        let seen = match base {
            Some(base) => {
                db.tenant(base).await?;
                if db.subscription(base).await?.is_some() {
                    return Err(AppError::Invalid {
                        field: "base".into(),
                        reason: format!(
                            "'{base}' subscribes to shared knowledge itself; only one level of sharing is supported"
                        ),
                    });
                }
                if !db.subscribers(tenant).await?.is_empty() {
                    return Err(AppError::Invalid {
                        field: "base".into(),
                        reason: "this tenant maintains shared knowledge for others".into(),
                    });
                }
                self.base_versions(base).await?
            }
            None => HashMap::new(),
        };
        db.set_subscription(tenant, base, &seen).await?;
        self.audit(
            tenant,
            actor,
            "shared.subscribe",
            base.unwrap_or(""),
            before.map(|b| serde_json::json!({ "base": b })),
            base.map(|b| serde_json::json!({ "base": b })),
        )
        .await?;
        self.reload_tenant(tenant).await
    }

    /// Hides a shared answer from the tenant's citizens, or shows it again (editors and up;
    /// under four-eyes reviewers, because it changes what citizens read).
    pub async fn set_shared_hidden(
        &self,
        staff: &Staff,
        answer_id: &str,
        hidden: bool,
    ) -> Result<(), AppError> {
        self.may_change_citizens_view(staff).await?;
        let base = self.base_of(&staff.tenant).await?;
        self.base_versions(&base)
            .await?
            .get(answer_id)
            .ok_or_else(|| AppError::NotFound {
                what: format!("answer '{answer_id}'"),
            })?;
        let db = self.db();
        let before = db.shared_local(&staff.tenant).await?.remove(answer_id);
        if before
            .as_ref()
            .is_some_and(|l| l.mode == LocalMode::Override)
        {
            return Err(AppError::Conflict(format!(
                "answer '{answer_id}' is overridden here; archive the own answer first"
            )));
        }
        let decision = hidden.then_some((LocalMode::Hidden, None));
        db.set_shared_local(&staff.tenant, answer_id, decision, &staff.email)
            .await?;
        let action = if hidden { "shared.hide" } else { "shared.show" };
        self.audit(&staff.tenant, &staff.email, action, answer_id, None, None)
            .await?;
        self.reload_tenant(&staff.tenant).await
    }

    /// Starts an override: the shared answer's published text becomes the tenant's own answer
    /// (a draft with the same id, to be edited and published through the normal workflow;
    /// until then citizens keep getting the shared text). Remembers the base version.
    pub async fn override_shared(&self, staff: &Staff, answer_id: &str) -> Result<(), AppError> {
        if staff.role < Role::Editor {
            return Err(forbidden("viewers do not edit answers"));
        }
        let db = self.db();
        let base = self.base_of(&staff.tenant).await?;
        if db.answer_head(&staff.tenant, answer_id).await.is_ok() {
            return Err(AppError::Conflict(format!(
                "answer '{answer_id}' exists here already"
            )));
        }
        let (answer, version) = self.published_of(&base, answer_id).await?;
        let draft = Answer {
            status: Status::Draft,
            ..answer
        };
        db.save_answer(&staff.tenant, &draft, &staff.email).await?;
        db.set_shared_local(
            &staff.tenant,
            answer_id,
            Some((LocalMode::Override, Some(version))),
            &staff.email,
        )
        .await?;
        self.audit(
            &staff.tenant,
            &staff.email,
            "shared.override",
            answer_id,
            None,
            Some(serde_json::json!({ "base": base, "base_version": version })),
        )
        .await
    }

    /// Marks an override as reviewed against the shared original's current version.
    pub async fn override_reviewed(&self, staff: &Staff, answer_id: &str) -> Result<(), AppError> {
        if staff.role < Role::Editor {
            return Err(forbidden("viewers do not edit answers"));
        }
        let db = self.db();
        let base = self.base_of(&staff.tenant).await?;
        let local = db.shared_local(&staff.tenant).await?.remove(answer_id);
        let Some(SharedLocal {
            mode: LocalMode::Override,
            base_version: before,
            ..
        }) = local
        else {
            return Err(AppError::NotFound {
                what: format!("override '{answer_id}'"),
            });
        };
        let (_, version) = self.published_of(&base, answer_id).await?;
        db.set_shared_local(
            &staff.tenant,
            answer_id,
            Some((LocalMode::Override, Some(version))),
            &staff.email,
        )
        .await?;
        self.audit(
            &staff.tenant,
            &staff.email,
            "shared.reviewed",
            answer_id,
            Some(serde_json::json!({ "base_version": before })),
            Some(serde_json::json!({ "base_version": version })),
        )
        .await
    }

    /// Records that the staff have seen the shared knowledge as it is now ("gesehen").
    pub async fn shared_seen(&self, staff: &Staff) -> Result<(), AppError> {
        let base = self.base_of(&staff.tenant).await?;
        let versions = self.base_versions(&base).await?;
        self.db().set_shared_seen(&staff.tenant, &versions).await?;
        self.audit(
            &staff.tenant,
            &staff.email,
            "shared.seen",
            &base,
            None,
            None,
        )
        .await
    }

    /// "Übernehmen": copies a published answer of another (active) tenant into the staff
    /// member's tenant as a draft with the same id. Only published content is readable this
    /// way, which citizens of that tenant can read anyway.
    pub async fn adopt(&self, staff: &Staff, from: &str, answer_id: &str) -> Result<(), AppError> {
        if staff.role < Role::Editor {
            return Err(forbidden("viewers do not edit answers"));
        }
        if from == staff.tenant {
            return Err(AppError::Invalid {
                field: "from".into(),
                reason: "the answer is this tenant's own already".into(),
            });
        }
        let db = self.db();
        if db.tenant(from).await?.suspended_at.is_some() {
            return Err(AppError::NotFound {
                what: format!("tenant '{from}'"),
            });
        }
        if db.answer_head(&staff.tenant, answer_id).await.is_ok() {
            return Err(AppError::Conflict(format!(
                "answer '{answer_id}' exists here already"
            )));
        }
        let (answer, version) = self.published_of(from, answer_id).await?;
        let draft = Answer {
            status: Status::Draft,
            ..answer
        };
        db.save_answer(&staff.tenant, &draft, &staff.email).await?;
        self.audit(
            &staff.tenant,
            &staff.email,
            "answer.adopt",
            answer_id,
            None,
            Some(serde_json::json!({ "from": from, "version": version })),
        )
        .await
    }

    /// The published answers of another active tenant that staff may adopt (id, title).
    pub async fn adoptable(
        &self,
        staff: &Staff,
        from: &str,
    ) -> Result<Vec<(String, String)>, AppError> {
        let db = self.db();
        if from == staff.tenant || db.tenant(from).await?.suspended_at.is_some() {
            return Err(AppError::NotFound {
                what: format!("tenant '{from}'"),
            });
        }
        Ok(db
            .live_answers(from)
            .await?
            .into_iter()
            .map(|a| (a.id, a.title))
            .collect())
    }

    /// The base tenant of a subscriber (`NotFound` without a subscription).
    async fn base_of(&self, tenant: &str) -> Result<String, AppError> {
        self.db()
            .subscription(tenant)
            .await?
            .ok_or_else(|| AppError::NotFound {
                what: "shared knowledge subscription".into(),
            })
    }

    /// A tenant's published answer and its version (`NotFound` when it has none).
    async fn published_of(&self, tenant: &str, id: &str) -> Result<(Answer, i64), AppError> {
        let head = self.db().answer_head(tenant, id).await?;
        let version = head.published_version.ok_or_else(|| AppError::NotFound {
            what: format!("answer '{id}'"),
        })?;
        let answer = self
            .db()
            .answer_history(tenant, id)
            .await?
            .into_iter()
            .find(|v| v.version == version)
            .map(|v| v.answer)
            .ok_or_else(|| AppError::NotFound {
                what: format!("answer '{id}'"),
            })?;
        Ok((answer, version))
    }

    /// Editors and up change what citizens read; under four-eyes, reviewers and up.
    async fn may_change_citizens_view(&self, staff: &Staff) -> Result<(), AppError> {
        let needed = if self.four_eyes(&staff.tenant).await? {
            Role::Reviewer
        } else {
            Role::Editor
        };
        if staff.role < needed {
            return Err(forbidden("this changes what citizens read"));
        }
        Ok(())
    }
}
