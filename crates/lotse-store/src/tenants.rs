//! Platform administration of tenants: rename, suspend, resume, delete, and the platform-admin
//! right of staff accounts. Each function names the one tenant it changes.

use crate::{Db, Result, StoreError};

/// Every table with tenant data, in an order that deleting row by row respects the foreign
/// keys (children first). `tenants` itself comes last, separately.
const TENANT_TABLES: &[&str] = &[
    "sessions",
    "login_challenges",
    "users",
    "audit_log",
    "inbox_decisions",
    "feedback",
    "messages",
    "conversations",
    "question_variants",
    "answer_versions",
    "answers",
    "synonyms",
    "tenant_variables",
    "daily_stats",
    "shared_local",
    "shared_seen",
    "shared_subscriptions",
];

impl Db {
    pub async fn rename_tenant(&self, tenant: &str, name: &str) -> Result<()> {
        let done = sqlx::query("UPDATE tenants SET name = $2 WHERE id = $1")
            .bind(tenant)
            .bind(name)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("tenant '{tenant}'")));
        }
        Ok(())
    }

    /// Suspends a tenant (`Some(time)`) or resumes it (`None`). Suspending ends every sign-in
    /// session and half-finished sign-in of its staff in the same transaction.
    pub async fn set_tenant_suspended(&self, tenant: &str, at: Option<i64>) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query("UPDATE tenants SET suspended_at = $2 WHERE id = $1")
            .bind(tenant)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("tenant '{tenant}'")));
        }
        if at.is_some() {
            for table in ["sessions", "login_challenges"] {
                sqlx::query(&format!("DELETE FROM {table} WHERE tenant_id = $1"))
                    .bind(tenant)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Deletes a tenant and all its data in one transaction. A tenant whose shared knowledge
    /// others subscribe to is refused (`Conflict`): they would lose answers without notice.
    pub async fn delete_tenant(&self, tenant: &str) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let subscribers: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM shared_subscriptions WHERE base_id = $1")
                .bind(tenant)
                .fetch_one(&mut *tx)
                .await?;
        if subscribers > 0 {
            return Err(StoreError::Conflict(format!(
                "tenant '{tenant}' maintains shared knowledge with {subscribers} subscribers"
            )));
        }
        for table in TENANT_TABLES {
            sqlx::query(&format!("DELETE FROM {table} WHERE tenant_id = $1"))
                .bind(tenant)
                .execute(&mut *tx)
                .await?;
        }
        let done = sqlx::query("DELETE FROM tenants WHERE id = $1")
            .bind(tenant)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("tenant '{tenant}'")));
        }
        // Other instances drop the tenant's knowledge when they hear of it (see cluster.rs).
        self.notify_in(&mut tx, tenant).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Grants or withdraws the platform-admin right of a staff account.
    pub async fn set_platform_admin(&self, tenant: &str, email: &str, on: bool) -> Result<()> {
        let done =
            sqlx::query("UPDATE users SET platform_admin = $3 WHERE tenant_id = $1 AND email = $2")
                .bind(tenant)
                .bind(email)
                .bind(on)
                .execute(&self.pool)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("user '{email}'")));
        }
        Ok(())
    }

    /// How many rows of each tenant table belong to `tenant` (for tests and the deletion
    /// confirmation: what would be removed).
    pub async fn tenant_row_counts(&self, tenant: &str) -> Result<Vec<(&'static str, i64)>> {
        let mut counts = Vec::with_capacity(TENANT_TABLES.len());
        for table in TENANT_TABLES {
            let n: i64 = sqlx::query_scalar(&format!(
                "SELECT COUNT(*) FROM {table} WHERE tenant_id = $1"
            ))
            .bind(tenant)
            .fetch_one(&self.pool)
            .await?;
            counts.push((*table, n));
        }
        Ok(counts)
    }
}
