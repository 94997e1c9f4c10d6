//! Platform administration (issue 7, item 1): tenants are created, renamed, suspended, resumed
//! and deleted by staff accounts with the platform-admin right (`lotse user add
//! --platform-admin`, or `lotse user platform-admin`) or by the operator at the command line.
//!
//! Every action is audit-logged: in the acting staff member's tenant and, while it exists, in
//! the tenant acted on. A suspended tenant keeps its data but answers no citizen
//! ([`AppError::Suspended`], see [`App::kb`]) and lets no staff member sign in (its sessions
//! end at once). Deletion needs the tenant id typed as confirmation and removes all its data.

use lotse_store::Tenant;
use serde::Serialize;

use crate::editor::forbidden;
use crate::{App, AppError, Staff, now_ms};

/// Who acts on the platform.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    /// A signed-in staff member; needs the platform-admin right.
    Staff(&'a Staff),
    /// The operator at the command line (has access to the database anyway).
    Operator,
}

impl Actor<'_> {
    fn name(&self) -> &str {
        match self {
            Actor::Staff(s) => &s.email,
            Actor::Operator => "cli",
        }
    }

    fn check(&self) -> Result<(), AppError> {
        match self {
            Actor::Staff(s) if !s.platform_admin => {
                Err(forbidden("only platform admins manage tenants"))
            }
            _ => Ok(()),
        }
    }
}

/// A tenant as the platform page lists it.
#[derive(Debug, Clone, Serialize)]
pub struct TenantInfo {
    #[serde(flatten)]
    pub tenant: Tenant,
    /// The tenant whose shared knowledge it subscribes to.
    pub base: Option<String>,
    /// Tenants that subscribe to its shared knowledge.
    pub subscribers: Vec<String>,
    /// Answers of its own (all statuses).
    pub answers: usize,
}

/// A tenant's display name: 1–200 characters, no control characters.
pub fn check_tenant_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(AppError::Invalid {
            field: "name".into(),
            reason: "Der Name muss 1 bis 200 Zeichen lang sein (ohne Steuerzeichen).".into(),
        });
    }
    Ok(name.to_owned())
}

impl App {
    /// Every tenant with its sharing relations.
    pub async fn platform_tenants(&self, by: Actor<'_>) -> Result<Vec<TenantInfo>, AppError> {
        by.check()?;
        let db = self.db();
        let mut out = Vec::new();
        for tenant in db.tenants().await? {
            out.push(TenantInfo {
                base: db.subscription(&tenant.id).await?,
                subscribers: db.subscribers(&tenant.id).await?,
                answers: db.answer_heads(&tenant.id).await?.len(),
                tenant,
            });
        }
        Ok(out)
    }

    /// One tenant with its sharing relations.
    pub async fn platform_tenant(&self, by: Actor<'_>, id: &str) -> Result<TenantInfo, AppError> {
        by.check()?;
        let db = self.db();
        Ok(TenantInfo {
            tenant: db.tenant(id).await?,
            base: db.subscription(id).await?,
            subscribers: db.subscribers(id).await?,
            answers: db.answer_heads(id).await?.len(),
        })
    }

    /// Creates an empty tenant and makes it answer (with the fallback until it has content).
    pub async fn platform_create(
        &self,
        by: Actor<'_>,
        id: &str,
        name: &str,
    ) -> Result<(), AppError> {
        by.check()?;
        let name = check_tenant_name(name)?;
        if !lotse_store::is_valid_tenant_id(id) {
            return Err(AppError::Invalid {
                field: "id".into(),
                reason: "Die Kennung besteht aus 1 bis 64 Zeichen a–z, 0–9 und '-'.".into(),
            });
        }
        self.create_tenant(id, &name).await?;
        let after = Some(serde_json::json!({ "name": name }));
        self.platform_audit(by, id, "tenant.create", None, after)
            .await
    }

    pub async fn platform_rename(
        &self,
        by: Actor<'_>,
        id: &str,
        name: &str,
    ) -> Result<(), AppError> {
        by.check()?;
        let name = check_tenant_name(name)?;
        let before = self.db().tenant(id).await?.name;
        self.db().rename_tenant(id, &name).await?;
        self.platform_audit(
            by,
            id,
            "tenant.rename",
            Some(serde_json::json!({ "name": before })),
            Some(serde_json::json!({ "name": name })),
        )
        .await?;
        self.reload_tenant(id).await
    }

    /// Suspends (`true`) or resumes (`false`) a tenant. Suspending ends its staff sessions.
    pub async fn platform_suspend(
        &self,
        by: Actor<'_>,
        id: &str,
        suspend: bool,
    ) -> Result<(), AppError> {
        by.check()?;
        if let Actor::Staff(s) = by
            && suspend
            && s.tenant == id
        {
            return Err(AppError::Invalid {
                field: "id".into(),
                reason: "Das eigene Jobcenter kann man nicht sperren.".into(),
            });
        }
        self.db()
            .set_tenant_suspended(id, suspend.then(now_ms))
            .await?;
        let action = if suspend {
            "tenant.suspend"
        } else {
            "tenant.resume"
        };
        self.platform_audit(by, id, action, None, None).await?;
        self.reload_tenant(id).await
    }

    /// Deletes a tenant and all its data. `confirm` must be the tenant id, typed again.
    pub async fn platform_delete(
        &self,
        by: Actor<'_>,
        id: &str,
        confirm: &str,
    ) -> Result<(), AppError> {
        by.check()?;
        if confirm.trim() != id {
            return Err(AppError::Invalid {
                field: "confirm".into(),
                reason: "Zur Bestätigung bitte die Kennung des Jobcenters genau eintippen.".into(),
            });
        }
        if let Actor::Staff(s) = by
            && s.tenant == id
        {
            return Err(AppError::Invalid {
                field: "id".into(),
                reason: "Das eigene Jobcenter kann man nicht löschen.".into(),
            });
        }
        let before = self.db().tenant(id).await?;
        let subscribers = self.db().subscribers(id).await?;
        if !subscribers.is_empty() {
            return Err(AppError::Invalid {
                field: "id".into(),
                reason: format!(
                    "Dieses Jobcenter pflegt gemeinsames Wissen für {}. Beenden Sie zuerst diese Abos.",
                    subscribers.join(", ")
                ),
            });
        }
        self.db().delete_tenant(id).await?;
        self.forget_tenant(id);
        tracing::info!(tenant = id, by = by.name(), "tenant deleted");
        if let Actor::Staff(s) = by {
            let before = serde_json::to_value(&before).ok();
            self.audit(&s.tenant, &s.email, "tenant.delete", id, before, None)
                .await?;
        }
        Ok(())
    }

    /// The other active job centres (id, name): whose published answers staff may adopt, and
    /// whose shared knowledge an admin may subscribe to.
    pub async fn other_job_centres(
        &self,
        staff: &Staff,
    ) -> Result<Vec<(String, String)>, AppError> {
        Ok(self
            .db()
            .tenants()
            .await?
            .into_iter()
            .filter(|t| t.id != staff.tenant && t.suspended_at.is_none())
            .map(|t| (t.id, t.name))
            .collect())
    }

    /// Grants or withdraws the platform-admin right (command line only: whoever has the
    /// database has the platform).
    pub async fn set_platform_admin(
        &self,
        tenant: &str,
        email: &str,
        on: bool,
    ) -> Result<(), AppError> {
        let email = crate::staff::normalize_email(email);
        self.db().set_platform_admin(tenant, &email, on).await?;
        self.audit(
            tenant,
            "cli",
            "user.platform_admin",
            &email,
            None,
            Some(serde_json::json!({ "platform_admin": on })),
        )
        .await
    }

    /// Writes a platform action to the audit log of the tenant acted on and, for a staff
    /// member of another tenant, to theirs too.
    async fn platform_audit(
        &self,
        by: Actor<'_>,
        id: &str,
        action: &str,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> Result<(), AppError> {
        self.audit(id, by.name(), action, id, before.clone(), after.clone())
            .await?;
        if let Actor::Staff(s) = by
            && s.tenant != id
        {
            self.audit(&s.tenant, &s.email, action, id, before, after)
                .await?;
        }
        Ok(())
    }
}
