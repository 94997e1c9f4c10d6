//! The answer editor's use cases: list and filter, save through the status workflow (with the
//! optional four-eyes rule), history, restore, preview and the test console.
//!
//! Every save is a new version with its author. Citizens are answered from the published
//! version only, so a draft saved on top of a published answer does not take it offline.

use std::collections::HashMap;

use lotse_core::content::{Answer, Status};
use lotse_core::text::fold;
use lotse_store::{AnswerHead, AnswerVersion};
use serde::Serialize;

use crate::staff::{Role, Staff};
use crate::{App, AppError, Explained, builtin, kb};

pub mod languages;

/// Filters of the answer list; empty strings mean "any".
#[derive(Debug, Clone, Default)]
pub struct AnswerFilter {
    /// Words searched in id, title, question variants and body (umlauts folded).
    pub query: String,
    pub topic: String,
    pub status: String,
    /// Only answers whose legal details the job centre still has to check.
    pub legal_check: bool,
    /// Only answers whose `as_of` is older than 12 months or whose `valid_until` has passed.
    pub stale: bool,
}

/// One line of the answer list.
#[derive(Debug, Clone, Serialize)]
pub struct AnswerRow {
    pub id: String,
    pub title: String,
    pub topics: Vec<String>,
    pub status: Status,
    /// Citizens get a published version of this answer.
    pub live: bool,
    /// A newer draft or review version exists on top of the published one.
    pub pending: bool,
    pub legal_check: bool,
    pub stale: bool,
    pub as_of: Option<String>,
    pub version: i64,
}

/// What a save does with the status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Draft,
    Review,
    Publish,
    Archive,
}

impl Action {
    fn status(self) -> Status {
        match self {
            Action::Draft => Status::Draft,
            Action::Review => Status::Review,
            Action::Publish => Status::Published,
            Action::Archive => Status::Archived,
        }
    }
}

/// True when the answer is out of date on `today` (`YYYY-MM-DD`).
pub fn is_stale(answer: &Answer, today: &str) -> bool {
    let year_ago = today
        .get(..4)
        .and_then(|y| y.parse::<i32>().ok())
        .map(|y| format!("{:04}{}", y - 1, &today[4..]))
        .unwrap_or_default();
    answer
        .as_of
        .as_deref()
        .is_some_and(|d| d < year_ago.as_str())
        || answer.valid_until.as_deref().is_some_and(|d| d < today)
}

/// Two versions say the same, whatever their status.
fn same_content(a: &Answer, b: &Answer) -> bool {
    let mut b = b.clone();
    b.status = a.status;
    *a == b
}

/// Who wrote the content of the newest version: walking back through versions that only
/// changed the status, the author of the oldest one.
pub fn content_author(history: &[AnswerVersion]) -> Option<&str> {
    let mut author = history.first()?.author.as_str();
    for pair in history.windows(2) {
        if !same_content(&pair[0].answer, &pair[1].answer) {
            break;
        }
        author = pair[1].author.as_str();
    }
    Some(author)
}

/// Source links must be web, mail or phone links (or empty): they end up as links in citizens'
/// browsers and in staff pages.
fn check_sources(answer: &Answer) -> Result<(), AppError> {
    let ok = |u: &str| {
        u.is_empty()
            || ["https://", "http://", "mailto:", "tel:"]
                .iter()
                .any(|p| u.starts_with(p))
    };
    match answer.sources.iter().find(|s| !ok(&s.url)) {
        Some(s) => Err(AppError::Invalid {
            field: "sources".into(),
            reason: format!(
                "'{}' is not a link starting with https://, http://, mailto: or tel:",
                s.url
            ),
        }),
        None => Ok(()),
    }
}

/// Language versions must name a known language once each and have a title and a text.
fn check_versions(answer: &Answer) -> Result<(), AppError> {
    match languages::version_problems(&answer.versions).first() {
        Some(p) => Err(AppError::Invalid {
            field: format!("versions.{}.{}", p.field().0, p.field().1),
            reason: p.english(),
        }),
        None => Ok(()),
    }
}

pub(crate) fn forbidden(reason: &str) -> AppError {
    AppError::Forbidden(reason.to_owned())
}

/// A question variant that would no longer reach its own answer after a change.
#[derive(Debug, Clone, Serialize)]
pub struct Impact {
    pub question: String,
    /// The answer the variant belongs to.
    pub owner: String,
    pub owner_title: String,
    /// The answer it would get instead (`None`: clarify or fallback).
    pub after: Option<String>,
    pub after_title: Option<String>,
}

impl App {
    /// Whether the tenant requires four-eyes approval (`"four_eyes": true` in its settings).
    pub async fn four_eyes(&self, tenant: &str) -> Result<bool, AppError> {
        let t = self.db().tenant(tenant).await?;
        Ok(t.settings
            .get("four_eyes")
            .and_then(serde_json::Value::as_bool)
            == Some(true))
    }

    /// The tenant's answers (current versions) that pass the filter.
    pub async fn list_answers(
        &self,
        tenant: &str,
        filter: &AnswerFilter,
        today: &str,
    ) -> Result<Vec<AnswerRow>, AppError> {
        let answers = self.db().answers(tenant).await?;
        let heads = self.db().answer_heads(tenant).await?;
        let words: Vec<String> = fold(&filter.query)
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        // Two queries: a save between them must not pair an answer with another's state.
        let heads: std::collections::HashMap<&str, &AnswerHead> =
            heads.iter().map(|h| (h.id.as_str(), h)).collect();
        let mut rows = Vec::new();
        for a in &answers {
            let Some(h) = heads.get(a.id.as_str()) else {
                continue;
            };
            let stale = is_stale(a, today);
            let matches = (filter.topic.is_empty() || a.topics.contains(&filter.topic))
                && (filter.status.is_empty() || a.status.as_str() == filter.status)
                && (!filter.legal_check || a.legal_check)
                && (!filter.stale || stale)
                && (words.is_empty() || {
                    let hay = fold(&format!(
                        "{} {} {} {}",
                        a.id,
                        a.title,
                        a.questions.join(" "),
                        a.body
                    ));
                    words.iter().all(|w| hay.contains(w.as_str()))
                });
            if matches {
                rows.push(AnswerRow {
                    id: a.id.clone(),
                    title: a.title.clone(),
                    topics: a.topics.clone(),
                    status: a.status,
                    live: h.published_version.is_some(),
                    pending: h.published_version.is_some_and(|p| p != h.version),
                    legal_check: a.legal_check,
                    stale,
                    as_of: a.as_of.clone(),
                    version: h.version,
                });
            }
        }
        Ok(rows)
    }

    /// The current version of an answer and its state.
    pub async fn answer_for_edit(
        &self,
        tenant: &str,
        id: &str,
    ) -> Result<(Answer, AnswerHead), AppError> {
        let answer = self.db().answer(tenant, id).await?;
        let head = self.db().answer_head(tenant, id).await?;
        Ok((answer, head))
    }

    /// Saves a staff member's edit as a new version with the status the action asks for.
    /// `create` says whether this must be a new answer (else it must exist). Publishing and
    /// archiving reload the tenant's knowledge, so the change is live when this returns.
    /// This does not run the regression check; [`App::save_edit_checked`] does.
    pub async fn save_edit(
        &self,
        staff: &Staff,
        answer: Answer,
        action: Action,
        create: bool,
    ) -> Result<i64, AppError> {
        self.save_edit_checked(staff, answer, action, create, true)
            .await
    }

    /// Like [`App::save_edit`], with regression protection (issue 4 item 4): unless
    /// `confirmed`, a publish that would give other question variants another answer is refused
    /// with [`AppError::PublishImpact`] listing them, after every other check has passed (so a
    /// person who may not publish learns that first).
    pub async fn save_edit_checked(
        &self,
        staff: &Staff,
        mut answer: Answer,
        action: Action,
        create: bool,
        confirmed: bool,
    ) -> Result<i64, AppError> {
        let tenant = staff.tenant.as_str();
        if staff.role < Role::Editor {
            return Err(forbidden("viewers cannot change answers"));
        }
        let before = match self.db().answer(tenant, &answer.id).await {
            Ok(a) if create => {
                return Err(AppError::Conflict(format!(
                    "answer '{}' exists already",
                    a.id
                )));
            }
            Ok(a) => Some(a),
            Err(lotse_store::StoreError::NotFound(_)) if create => None,
            Err(e) => return Err(e.into()),
        };
        answer.status = action.status();
        self.check_topics(&answer, before.as_ref())?;
        check_sources(&answer)?;
        check_versions(&answer)?;
        if matches!(action, Action::Publish | Action::Archive) {
            self.check_may_publish(staff, &answer, before.as_ref())
                .await?;
        }
        answer
            .validate(&|t| lotse_core::content::is_valid_id(t))
            .map_err(|e| AppError::Invalid {
                field: "answer".into(),
                reason: e.to_string(),
            })?;
        let mut checked = None;
        if action == Action::Publish && !confirmed {
            let check = self.publish_check(tenant, &answer).await?;
            if !check.impacts.is_empty() {
                return Err(AppError::PublishImpact(check.impacts));
            }
            checked = Some(check);
        }
        let version = self.db().save_answer(tenant, &answer, &staff.email).await?;
        match checked {
            // The knowledge the check built is what goes live: no second build.
            Some(check) => {
                self.go_live(tenant, check.kb, check.answers, check.revision)
                    .await?
            }
            None if matches!(action, Action::Publish | Action::Archive) => {
                self.reload_tenant(tenant).await?;
            }
            None => {}
        }
        let action_name = match action {
            Action::Draft => "answer.save_draft",
            Action::Review => "answer.submit_review",
            Action::Publish => "answer.publish",
            Action::Archive => "answer.archive",
        };
        let json = |a: &Answer| serde_json::to_value(a).ok();
        self.audit(
            tenant,
            &staff.email,
            action_name,
            &answer.id,
            before.as_ref().and_then(json),
            json(&answer),
        )
        .await?;
        Ok(version)
    }

    /// Topics must come from the taxonomy; topics an answer already had (e.g. from an
    /// import) may stay.
    fn check_topics(&self, answer: &Answer, before: Option<&Answer>) -> Result<(), AppError> {
        let taxonomy = builtin::taxonomy();
        for t in &answer.topics {
            let known = taxonomy.iter().any(|x| &x.slug == t)
                || before.is_some_and(|b| b.topics.contains(t));
            if !known {
                return Err(AppError::Invalid {
                    field: "topics".into(),
                    reason: format!("'{t}' is not a topic of the taxonomy"),
                });
            }
        }
        Ok(())
    }

    /// The four-eyes rule: only reviewers and admins publish or archive, and the author of the
    /// content cannot publish it. Without four-eyes, editors may publish.
    async fn check_may_publish(
        &self,
        staff: &Staff,
        answer: &Answer,
        before: Option<&Answer>,
    ) -> Result<(), AppError> {
        if !self.four_eyes(&staff.tenant).await? {
            return Ok(());
        }
        if staff.role < Role::Reviewer {
            return Err(forbidden("four-eyes: only reviewers publish"));
        }
        if answer.status == Status::Archived {
            return Ok(());
        }
        let unchanged = before.is_some_and(|b| same_content(b, answer));
        if !unchanged {
            return Err(forbidden(
                "four-eyes: a changed text must be saved for review and published by someone else",
            ));
        }
        let history = self.db().answer_history(&staff.tenant, &answer.id).await?;
        if content_author(&history) == Some(staff.email.as_str()) {
            return Err(forbidden(
                "four-eyes: the author cannot publish their own change",
            ));
        }
        Ok(())
    }

    /// All versions of an answer, newest first.
    pub async fn history(&self, tenant: &str, id: &str) -> Result<Vec<AnswerVersion>, AppError> {
        Ok(self.db().answer_history(tenant, id).await?)
    }

    /// Makes an older version the current one again, as a new draft (it is published like any
    /// other change).
    pub async fn restore_version(
        &self,
        staff: &Staff,
        id: &str,
        version: i64,
    ) -> Result<i64, AppError> {
        let history = self.history(&staff.tenant, id).await?;
        let old = history
            .into_iter()
            .find(|v| v.version == version)
            .ok_or_else(|| AppError::NotFound {
                what: format!("version {version} of answer '{id}'"),
            })?;
        let new_version = self
            .save_edit(staff, old.answer, Action::Draft, false)
            .await?;
        let versions = serde_json::json!({"restored": version, "as": new_version});
        self.audit(
            &staff.tenant,
            &staff.email,
            "answer.restore",
            id,
            None,
            Some(versions),
        )
        .await?;
        Ok(new_version)
    }

    /// Turns the four-eyes rule on or off (admins only).
    pub async fn set_four_eyes(&self, staff: &Staff, on: bool) -> Result<(), AppError> {
        if staff.role < Role::Admin {
            return Err(forbidden("only admins change tenant settings"));
        }
        let before = self.db().tenant(&staff.tenant).await?.settings;
        let mut after = before.clone();
        if !after.is_object() {
            after = serde_json::json!({});
        }
        after["four_eyes"] = serde_json::Value::Bool(on);
        self.db().set_tenant_settings(&staff.tenant, &after).await?;
        self.audit(
            &staff.tenant,
            &staff.email,
            "tenant.settings",
            &staff.tenant,
            Some(before),
            Some(after),
        )
        .await
    }

    /// The newest entries of the tenant's audit log (reviewers and admins).
    pub async fn audit_log(
        &self,
        staff: &Staff,
        limit: i64,
    ) -> Result<Vec<lotse_store::AuditEntry>, AppError> {
        if staff.role < Role::Reviewer {
            return Err(forbidden("only reviewers and admins read the audit log"));
        }
        Ok(self.db().audit_log(&staff.tenant, limit).await?)
    }

    /// The answer as citizens would see it: placeholders resolved, Markdown rendered.
    pub fn preview(&self, tenant: &str, answer: &Answer) -> Result<kb::AnswerView, AppError> {
        let kb = self.kb(tenant)?;
        Ok(kb::render(answer, &kb.variables))
    }

    /// Regression protection (issue 4 item 4): every question variant of the live answers is
    /// asked of the live index and of an index in which `answer` is published; the variants
    /// that reached their own answer before and do not afterwards are returned. Publishing a
    /// change with a non-empty result needs an explicit confirmation.
    pub async fn publish_impact(
        &self,
        tenant: &str,
        answer: &Answer,
    ) -> Result<Vec<Impact>, AppError> {
        Ok(self.publish_check(tenant, answer).await?.impacts)
    }

    /// [`App::publish_impact`] with the knowledge it built, the answers that went into it and
    /// the tenant's revision before they were read (see [`App::go_live`]).
    async fn publish_check(&self, tenant: &str, answer: &Answer) -> Result<Checked, AppError> {
        let old = self.kb(tenant)?;
        let revision = self.db().revision(tenant).await?;
        let mut answers = self.db().live_answers(tenant).await?;
        let mut changed = answer.clone();
        changed.status = Status::Published;
        match answers.iter_mut().find(|a| a.id == changed.id) {
            Some(a) => *a = changed,
            None => answers.push(changed),
        }
        let prior = crate::Prior::of(&old.index);
        let new = self.build_kb(tenant, answers.clone(), prior).await?;
        // Some thousand questions asked twice: seconds of CPU, so off the async workers and
        // spread over the cores.
        let (impacts, kb) = tokio::task::spawn_blocking(move || (impacts(&old, &new), new))
            .await
            .map_err(|e| AppError::Internal(format!("publish check failed: {e}")))?;
        Ok(Checked {
            impacts,
            kb,
            answers,
            revision,
        })
    }

    /// The tenant's knowledge as it would be if every draft and review version were
    /// published (archived answers stay out). For trying unpublished changes before publishing.
    pub async fn candidate_kb(&self, tenant: &str) -> Result<kb::TenantKb, AppError> {
        let mut answers = self.db().answers(tenant).await?;
        for a in &mut answers {
            if matches!(a.status, Status::Draft | Status::Review) {
                a.status = Status::Published;
            }
        }
        self.build_kb(
            tenant,
            answers,
            self.kb(tenant)
                .ok()
                .and_then(|kb| crate::Prior::of(&kb.index)),
        )
        .await
    }

    /// Like [`App::try_question`], on a candidate knowledge from [`App::candidate_kb`].
    pub fn try_question_on(&self, kb: &kb::TenantKb, text: &str) -> Result<Explained, AppError> {
        self.explain_on(kb, text, None, false, None)
    }

    /// Asks as a citizen would, without recording the question (staff tests must not show up
    /// in the inbox or the statistics).
    pub fn try_question(&self, tenant: &str, text: &str) -> Result<Explained, AppError> {
        self.explain_inner(tenant, text, None, false)
    }
}

/// What the regression check found, and the knowledge it asked.
struct Checked {
    impacts: Vec<Impact>,
    kb: kb::TenantKb,
    answers: Vec<Answer>,
    revision: i64,
}

/// The question variants of `old`'s answers that reach their own answer in `old` and not in
/// `new` (see [`App::publish_impact`]). Each knowledge's replies to its own variants are kept
/// with it ([`kb::TenantKb::variant_replies`]): the knowledge a check built goes live with its
/// replies, so the next check asks only the new side.
fn impacts(old: &kb::TenantKb, new: &kb::TenantKb) -> Vec<Impact> {
    let before = old.variant_replies.get_or_init(|| variant_replies(old));
    let after_all = new.variant_replies.get_or_init(|| variant_replies(new));
    let mut at: HashMap<(&str, &str), usize> = HashMap::new();
    for (k, key) in new
        .index
        .answers()
        .iter()
        .flat_map(|a| a.questions.iter().map(|q| (a.id.as_str(), q.as_str())))
        .enumerate()
    {
        at.entry(key).or_insert(k);
    }
    let mut impacts = Vec::new();
    let mut k = 0;
    for (i, owner) in old.index.answers().iter().enumerate() {
        for q in &owner.questions {
            let worked = before[k] == Some(i);
            k += 1;
            if !worked {
                continue; // it did not work before either: not a regression
            }
            let after = match at.get(&(owner.id.as_str(), q.as_str())) {
                Some(&j) => after_all[j],
                None => reply_to(new, q), // a variant the change removes
            };
            let after_id = after.map(|j| new.views[j].id.clone());
            if after_id.as_deref() == Some(owner.id.as_str()) {
                continue;
            }
            impacts.push(Impact {
                question: q.clone(),
                owner: owner.id.clone(),
                owner_title: old.views[i].title.clone(),
                after_title: after.map(|j| new.views[j].title.clone()),
                after: after_id,
            });
        }
    }
    impacts
}

/// The answer (position) a question gets from `kb` as a citizen's question; `None` for a
/// clarify or fallback.
fn reply_to(kb: &kb::TenantKb, question: &str) -> Option<usize> {
    let d = lotse_core::reply::decide(&kb.index, question);
    match d.kind {
        lotse_core::reply::Kind::Answer => d.answer,
        _ => None,
    }
}

/// [`reply_to`] for every question variant of `kb`, answer by answer: some thousand
/// questions, spread over the cores.
fn variant_replies(kb: &kb::TenantKb) -> Vec<Option<usize>> {
    let questions: Vec<&String> = kb
        .index
        .answers()
        .iter()
        .flat_map(|a| a.questions.iter())
        .collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = questions.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let parts: Vec<_> = questions
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || part.iter().map(|q| reply_to(kb, q)).collect::<Vec<_>>())
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|p| p.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn demo() -> App {
        let db = lotse_store::testing::database().await;
        let app = App::new(db, crate::Config::default()).await.expect("app");
        assert!(app.seed_demo().await.expect("seed"));
        app
    }

    async fn edited(app: &App, id: &str, body: &str) -> Answer {
        let (mut answer, _) = app.answer_for_edit("demo", id).await.expect("answer");
        answer.body = body.into();
        answer.status = Status::Published;
        answer
    }

    async fn save(app: &App, answer: &Answer) {
        app.db()
            .save_answer("demo", answer, "staff@demo.example")
            .await
            .expect("save");
    }

    async fn go_live(app: &App, check: Checked) {
        app.go_live("demo", check.kb, check.answers, check.revision)
            .await
            .expect("live");
    }

    fn body_of(app: &App, id: &str) -> String {
        let kb = app.kb("demo").expect("kb");
        kb.views[kb.by_id[id]].body_markdown.clone()
    }

    /// The knowledge the check built goes live when nothing else changed; when another change
    /// landed between the check and the publish, the tenant is rebuilt and keeps both.
    #[tokio::test]
    async fn the_checked_knowledge_goes_live_unless_something_else_changed_meanwhile() {
        let app = demo().await;
        let first = edited(&app, "kaution-genossenschaftsanteile", "Erste Fassung.").await;
        let check = app.publish_check("demo", &first).await.expect("check");
        assert!(check.impacts.is_empty());
        save(&app, &first).await;
        go_live(&app, check).await;
        assert_eq!(
            body_of(&app, "kaution-genossenschaftsanteile"),
            "Erste Fassung."
        );
        // It went live with its replies to its own variants: the next check asks only the new side.
        let live = app.kb("demo").expect("kb");
        let variants: usize = live.index.answers().iter().map(|a| a.questions.len()).sum();
        assert_eq!(live.variant_replies.get().map(Vec::len), Some(variants));

        let second = edited(&app, "kaution-genossenschaftsanteile", "Zweite Fassung.").await;
        let check = app.publish_check("demo", &second).await.expect("check");
        // Meanwhile someone publishes another answer.
        let other = edited(&app, "regelbedarf-hoehe", "Inzwischen geändert.").await;
        save(&app, &other).await;
        app.reload_tenant("demo").await.expect("reload");
        save(&app, &second).await;
        go_live(&app, check).await;
        assert_eq!(
            body_of(&app, "kaution-genossenschaftsanteile"),
            "Zweite Fassung."
        );
        assert_eq!(body_of(&app, "regelbedarf-hoehe"), "Inzwischen geändert.");

        // The same when the other change is saved but not yet announced: the stored answers
        // differ from the checked ones.
        let third = edited(&app, "kaution-genossenschaftsanteile", "Dritte Fassung.").await;
        let check = app.publish_check("demo", &third).await.expect("check");
        let other = edited(&app, "regelbedarf-hoehe", "Noch einmal geändert.").await;
        save(&app, &other).await;
        save(&app, &third).await;
        go_live(&app, check).await;
        assert_eq!(
            body_of(&app, "kaution-genossenschaftsanteile"),
            "Dritte Fassung."
        );
        assert_eq!(body_of(&app, "regelbedarf-hoehe"), "Noch einmal geändert.");
    }
}
