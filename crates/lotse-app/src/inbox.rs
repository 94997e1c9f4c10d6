//! The staff inbox, where Lotse learns every day (SPEC §2.5): questions that ended in
//! `fallback` or `clarify` or got a thumbs-down, grouped into clusters of similar questions
//! with suggested answers, and the actions staff take on them.
//!
//! **Assigning is a training action, not a content change.** The questions become question
//! variants of a *published* answer, as a new published version by the staff member. The exact
//! questions are pinned to the answer at once (the next citizen who asks gets it) and the
//! tenant's knowledge is rebuilt in the background, after which similar questions get it too
//! (`pins.rs`; [`App::settle`] waits for the rebuild). This is allowed for editors even when the tenant has the four-eyes rule on: the rule
//! protects what citizens *read*, and the text of the answer is unchanged and was approved
//! already; variants only decide *which questions* get it. The new version is in the answer's
//! history with its author and in the audit log, so a wrong assignment is seen and undone like
//! any other change (restore the previous version). An answer with an unpublished draft or
//! review version on top is refused (`Conflict`): a new published version would otherwise
//! replace the pending one as the current version, or the pending one would lose the variants
//! when it is published.
//!
//! **Out of scope** questions become variants of the tenant's general out-of-scope answer
//! (id `ausserhalb-zustaendigkeit`, or the first live answer with that topic), for the same
//! reason as an assignment: the next citizen with such a question gets the polite "we are not
//! responsible, try …" reply instead of a fallback. Without such an answer they are only marked.
//!
//! **A new answer** is pre-filled from the questions (title from the most typical one, the
//! questions as variants, status draft) and opened in the editor; the questions leave the
//! inbox when the draft is saved ([`App::inbox_link_new_answer`]), and it goes through the
//! normal workflow (and four-eyes) to be published.

use std::collections::HashMap;

use lotse_core::analyze::Synonyms;
use lotse_core::cluster::{DEFAULT_THRESHOLD, cluster};
use lotse_core::content::{Answer, Status};
use lotse_core::reply::decide;
use lotse_core::text::fold;
use lotse_store::{InboxDecision, InboxItem, InboxState};
use serde::Serialize;

use crate::staff::{Role, Staff};
use crate::{App, AppError, builtin, now_ms};

/// At most this many open questions (the newest) are clustered for the inbox page.
pub const INBOX_LIMIT: i64 = 1000;
/// Clusters that get suggestions (the largest; the page shows these first).
pub const SUGGESTED_CLUSTERS: usize = 50;
/// Questions one action may take at once (a cluster is rarely larger; it keeps a request small).
pub const MAX_SELECTION: usize = 500;
/// The id of the general out-of-scope answer of the built-in knowledge base.
pub const OUT_OF_SCOPE_ANSWER: &str = "ausserhalb-zustaendigkeit";
const OUT_OF_SCOPE_TOPIC: &str = "ausserhalb-zustaendigkeit";

/// An existing answer that probably fits a cluster.
#[derive(Debug, Clone, Serialize)]
pub struct Suggestion {
    pub id: String,
    pub title: String,
    /// The engine's mean score over the cluster's questions that ranked it.
    pub score: f32,
}

/// Similar open questions.
#[derive(Debug, Clone, Serialize)]
pub struct InboxCluster {
    /// The most typical question (closest to the cluster's centre).
    pub representative: String,
    pub count: usize,
    pub first_seen: i64,
    pub last_seen: i64,
    /// The questions, the most typical first.
    pub questions: Vec<InboxItem>,
    pub suggestions: Vec<Suggestion>,
}

/// The open inbox of a tenant, largest clusters first.
#[derive(Debug, Clone, Serialize)]
pub struct Inbox {
    /// Open questions in the inbox (all of them, also beyond [`INBOX_LIMIT`]).
    pub open: i64,
    pub clusters: Vec<InboxCluster>,
}

/// What an action did.
#[derive(Debug, Clone, Serialize)]
pub struct Decided {
    /// Questions that left the inbox.
    pub questions: usize,
    /// The answer they became variants of, if any.
    pub answer_id: Option<String>,
    /// New question variants (duplicates of existing ones are not added twice).
    pub variants_added: usize,
    /// The answer's new version, if one was saved.
    pub version: Option<i64>,
}

/// A redacted question as a question variant: the placeholders of removed personal data
/// (`[TELEFON]`, `[NAME]` …) carry nothing to match on.
pub fn variant_text(redacted: &str) -> String {
    let mut out = String::with_capacity(redacted.len());
    let mut rest = redacted;
    while let Some(start) = rest.find('[') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        match tail.find(']') {
            Some(end)
                if end > 1
                    && tail[1..end]
                        .chars()
                        .all(|c| c.is_uppercase() || c == '-' || c == '_') =>
            {
                rest = &tail[end + 1..];
            }
            _ => {
                out.push('[');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A suggested answer id for a new answer, from its title (`a-z0-9-`, at most 60 characters).
pub fn slug(title: &str) -> String {
    let mut s = String::new();
    for token in lotse_core::text::tokenize(&fold(title)) {
        if s.len() + token.len() > 60 {
            break;
        }
        if !s.is_empty() {
            s.push('-');
        }
        s.push_str(&token);
    }
    s
}

fn forbidden_for_viewers(staff: &Staff) -> Result<(), AppError> {
    if staff.role < Role::Editor {
        return Err(AppError::Forbidden(
            "viewers cannot work the inbox".to_owned(),
        ));
    }
    Ok(())
}

impl App {
    /// The tenant's open inbox, clustered, with suggestions for the largest clusters.
    pub async fn inbox(&self, tenant: &str) -> Result<Inbox, AppError> {
        let db = self.db();
        let items = db.inbox(tenant, INBOX_LIMIT).await?;
        let open = db.inbox_count(tenant).await?;
        let mut groups = builtin::synonyms();
        groups.extend(db.synonyms(tenant).await?);
        let kb = self.kb(tenant)?;
        let clusters = tokio::task::spawn_blocking(move || {
            let texts: Vec<String> = items.iter().map(|i| variant_text(&i.text)).collect();
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let found = cluster(&refs, &Synonyms::new(&groups), DEFAULT_THRESHOLD);
            found
                .into_iter()
                .enumerate()
                .map(|(n, c)| {
                    let questions: Vec<InboxItem> =
                        c.members.iter().map(|&m| items[m].clone()).collect();
                    let suggestions = if n < SUGGESTED_CLUSTERS {
                        let member_texts: Vec<&str> =
                            c.members.iter().take(5).map(|&m| refs[m]).collect();
                        suggest(&kb, &member_texts)
                    } else {
                        Vec::new()
                    };
                    InboxCluster {
                        representative: items[c.representative()].text.clone(),
                        count: questions.len(),
                        first_seen: questions.iter().map(|q| q.created_at).min().unwrap_or(0),
                        last_seen: questions.iter().map(|q| q.created_at).max().unwrap_or(0),
                        questions,
                        suggestions,
                    }
                })
                .collect()
        })
        .await
        .map_err(|e| AppError::Internal(format!("clustering failed: {e}")))?;
        Ok(Inbox { open, clusters })
    }

    /// The open inbox questions among `ids`; `NotFound` when none is open (unknown, another
    /// tenant's, or decided already).
    async fn open_items(&self, tenant: &str, ids: &[String]) -> Result<Vec<InboxItem>, AppError> {
        if ids.len() > MAX_SELECTION {
            return Err(AppError::Invalid {
                field: "message_ids".into(),
                reason: format!("at most {MAX_SELECTION} questions at once"),
            });
        }
        let items = self.db().inbox_items(tenant, ids).await?;
        if items.is_empty() {
            return Err(AppError::NotFound {
                what: "inbox question".into(),
            });
        }
        Ok(items)
    }

    /// Assigns inbox questions to a published answer: they become its question variants and
    /// the next citizen who asks gets it (see the module docs for the four-eyes reasoning).
    pub async fn inbox_assign(
        &self,
        staff: &Staff,
        ids: &[String],
        answer_id: &str,
    ) -> Result<Decided, AppError> {
        forbidden_for_viewers(staff)?;
        let items = self.open_items(&staff.tenant, ids).await?;
        self.add_variants(staff, &items, answer_id, InboxState::Assigned)
            .await
    }

    /// Marks inbox questions as out of scope; they become variants of the out-of-scope answer
    /// when the tenant has one (see the module docs).
    pub async fn inbox_out_of_scope(
        &self,
        staff: &Staff,
        ids: &[String],
    ) -> Result<Decided, AppError> {
        forbidden_for_viewers(staff)?;
        let items = self.open_items(&staff.tenant, ids).await?;
        let kb = self.kb(&staff.tenant)?;
        let target = kb
            .by_id
            .get(OUT_OF_SCOPE_ANSWER)
            .map(|_| OUT_OF_SCOPE_ANSWER)
            .or_else(|| {
                kb.views
                    .iter()
                    .find(|v| v.topics.iter().any(|t| t == OUT_OF_SCOPE_TOPIC))
                    .map(|v| v.id.as_str())
            });
        match target {
            Some(id) => {
                let id = id.to_owned();
                match self
                    .add_variants(staff, &items, &id, InboxState::OutOfScope)
                    .await
                {
                    // The out-of-scope answer is being edited: mark only.
                    Err(AppError::Conflict(_)) => {
                        self.mark(staff, &items, InboxState::OutOfScope, None).await
                    }
                    other => other,
                }
            }
            None => self.mark(staff, &items, InboxState::OutOfScope, None).await,
        }
    }

    /// Dismisses inbox questions (nothing to learn from them).
    pub async fn inbox_dismiss(&self, staff: &Staff, ids: &[String]) -> Result<Decided, AppError> {
        forbidden_for_viewers(staff)?;
        let items = self.open_items(&staff.tenant, ids).await?;
        self.mark(staff, &items, InboxState::Dismissed, None).await
    }

    /// A new draft answer pre-filled from inbox questions (not saved): the most typical
    /// question as title, the questions as variants.
    pub async fn inbox_draft(&self, staff: &Staff, ids: &[String]) -> Result<Answer, AppError> {
        forbidden_for_viewers(staff)?;
        let items = self.open_items(&staff.tenant, ids).await?;
        let questions = dedup_variants(&[], &items);
        let title = questions.first().cloned().unwrap_or_default();
        let mut answer = Answer::new(&slug(&title), &title, Vec::new(), questions, "");
        answer.status = Status::Draft;
        Ok(answer)
    }

    /// After a new answer was saved from inbox questions: they leave the inbox, assigned to it.
    pub async fn inbox_link_new_answer(
        &self,
        staff: &Staff,
        ids: &[String],
        answer_id: &str,
    ) -> Result<Decided, AppError> {
        forbidden_for_viewers(staff)?;
        let items = self.open_items(&staff.tenant, ids).await?;
        self.db().answer_head(&staff.tenant, answer_id).await?;
        self.mark(staff, &items, InboxState::Assigned, Some(answer_id))
            .await
    }

    async fn mark(
        &self,
        staff: &Staff,
        items: &[InboxItem],
        state: InboxState,
        answer_id: Option<&str>,
    ) -> Result<Decided, AppError> {
        let ids: Vec<String> = items.iter().map(|i| i.message_id.clone()).collect();
        let decision = InboxDecision {
            message_ids: &ids,
            state,
            answer_id,
            decided_by: &staff.email,
            decided_at: now_ms(),
        };
        self.db()
            .decide_inbox(&staff.tenant, &decision, &[])
            .await?;
        self.audit_inbox(staff, state, answer_id, &ids, None)
            .await?;
        Ok(Decided {
            questions: ids.len(),
            answer_id: answer_id.map(str::to_owned),
            variants_added: 0,
            version: None,
        })
    }

    async fn add_variants(
        &self,
        staff: &Staff,
        items: &[InboxItem],
        answer_id: &str,
        state: InboxState,
    ) -> Result<Decided, AppError> {
        let tenant = staff.tenant.as_str();
        let (answer, head) = match self.answer_for_edit(tenant, answer_id).await {
            Err(AppError::NotFound { .. }) => {
                return Err(AppError::NotFound {
                    what: format!("answer '{answer_id}'"),
                });
            }
            other => other?,
        };
        if answer.status != Status::Published || head.published_version != Some(head.version) {
            return Err(AppError::Conflict(format!(
                "answer '{answer_id}' is not published or has an unpublished change"
            )));
        }
        let added = dedup_variants(&answer.questions, items);
        let mut updated = answer.clone();
        updated.questions.extend(added.iter().cloned());
        let ids: Vec<String> = items.iter().map(|i| i.message_id.clone()).collect();
        let decision = InboxDecision {
            message_ids: &ids,
            state,
            answer_id: Some(answer_id),
            decided_by: &staff.email,
            decided_at: now_ms(),
        };
        let to_save = if added.is_empty() {
            Vec::new()
        } else {
            vec![updated]
        };
        let versions = self.db().decide_inbox(tenant, &decision, &to_save).await?;
        if !added.is_empty() {
            // Live at once for these exact questions; similar ones follow when the rebuilt
            // index is swapped in (see `pins.rs`).
            self.inner.pins.add(tenant, &added, answer_id);
            self.reload_soon(tenant);
        }
        let change = serde_json::json!({"before": answer.questions, "added": added});
        self.audit_inbox(staff, state, Some(answer_id), &ids, Some(change))
            .await?;
        Ok(Decided {
            questions: ids.len(),
            answer_id: Some(answer_id.to_owned()),
            variants_added: added.len(),
            version: versions.first().copied(),
        })
    }

    async fn audit_inbox(
        &self,
        staff: &Staff,
        state: InboxState,
        answer_id: Option<&str>,
        ids: &[String],
        variants: Option<serde_json::Value>,
    ) -> Result<(), AppError> {
        let action = match state {
            InboxState::Assigned => "inbox.assign",
            InboxState::OutOfScope => "inbox.out_of_scope",
            InboxState::Dismissed => "inbox.dismiss",
        };
        let after = serde_json::json!({
            "messages": ids,
            "answer": answer_id,
            "variants": variants,
        });
        self.audit(
            &staff.tenant,
            &staff.email,
            action,
            answer_id.unwrap_or("inbox"),
            None,
            Some(after),
        )
        .await
    }
}

/// The questions' texts as new variants: placeholders removed, without duplicates among
/// themselves or of `existing` (compared folded).
fn dedup_variants(existing: &[String], items: &[InboxItem]) -> Vec<String> {
    let norm = |s: &str| fold(s).split_whitespace().collect::<Vec<_>>().join(" ");
    let mut seen: std::collections::HashSet<String> = existing.iter().map(|q| norm(q)).collect();
    let mut out = Vec::new();
    for item in items {
        let text = variant_text(&item.text);
        if text.is_empty() || !seen.insert(norm(&text)) {
            continue;
        }
        out.push(text);
    }
    out
}

/// The answers the engine ranks highest for a cluster's questions, by mean score.
fn suggest(kb: &crate::TenantKb, texts: &[&str]) -> Vec<Suggestion> {
    let mut scores: HashMap<usize, (f32, u32)> = HashMap::new();
    for text in texts.iter().filter(|t| !t.trim().is_empty()) {
        let decision = decide(&kb.index, text);
        for c in decision.ranking.candidates.iter().take(3) {
            let e = scores.entry(c.answer).or_default();
            e.0 += c.score;
            e.1 += 1;
        }
    }
    let n = texts.len().max(1) as f32;
    let mut ranked: Vec<(usize, f32)> = scores
        .into_iter()
        .map(|(a, (sum, _))| (a, sum / n))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked
        .into_iter()
        .take(3)
        .filter_map(|(a, score)| {
            let v = kb.views.get(a)?;
            Some(Suggestion {
                id: v.id.clone(),
                title: v.title.clone(),
                score: (score * 1000.0).round() / 1000.0,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_of_personal_data_are_not_variants() {
        assert_eq!(
            variant_text("Ich bin [NAME], Tel. [TELEFON] – wo ist mein Geld?"),
            "Ich bin , Tel. – wo ist mein Geld?"
        );
        assert_eq!(
            variant_text("[Auswahl] x [a] [SV-NUMMER]"),
            "[Auswahl] x [a]"
        );
    }

    #[test]
    fn slugs_are_valid_ids() {
        assert_eq!(
            slug("Bekomme ich einen Zuschuss zum Deutschlandticket?"),
            "bekomme-ich-einen-zuschuss-zum-deutschlandticket"
        );
        assert!(lotse_core::content::is_valid_id(&slug("Öffnungszeiten?")));
    }

    #[test]
    fn variants_are_not_added_twice() {
        let item = |t: &str| InboxItem {
            message_id: t.into(),
            text: t.into(),
            kind: "fallback".into(),
            answer_id: None,
            confidence: 0.1,
            helpful: None,
            comment: None,
            created_at: 0,
        };
        let items = [item("Gibt es  Geld?"), item("gibt es geld?"), item("Neu?")];
        assert_eq!(
            dedup_variants(&["Neu?".into()], &items),
            vec!["Gibt es Geld?".to_owned()]
        );
    }
}
