//! Several instances on one database: change announcements and job claims (issue 7, item 5).
//!
//! A change that affects answering bumps the tenant's `revision` and, on PostgreSQL, sends a
//! notification on [`CHANNEL`] with the tenant id (delivered when the transaction commits).
//! Every instance listens ([`Db::listen_changes`]) and rebuilds that tenant; it also compares
//! the stored revisions with the ones its indexes were built from every little while
//! ([`Db::revisions`]), which catches notifications lost while a connection was down. Jobs
//! claim their period in `job_claims` ([`Db::claim_job`]): the first instance wins, the others
//! skip, so the nightly re-fit and the retention purge run once per day, not once per instance.

use std::collections::HashMap;

use sqlx::Row;

use crate::{Backend, Db, Result, StoreError, now_ms};

/// The PostgreSQL notification channel of tenant changes; the payload is the tenant id.
pub const CHANNEL: &str = "lotse_changes";

/// A stream of tenant ids changed by any instance (PostgreSQL `LISTEN`).
pub struct Changes {
    listener: sqlx::postgres::PgListener,
}

impl Changes {
    /// The next changed tenant. After a lost connection the listener reconnects by itself;
    /// notifications sent meanwhile are lost (the revision check catches up with them).
    pub async fn next(&mut self) -> Result<String> {
        loop {
            match self.listener.try_recv().await {
                Ok(Some(n)) => return Ok(n.payload().to_owned()),
                Ok(None) => {
                    tracing::warn!("change notifications: connection lost, reconnecting");
                }
                Err(e) => return Err(StoreError::Unavailable(e.to_string())),
            }
        }
    }
}

impl Db {
    /// Records that something affecting a tenant's answers changed: bumps its revision and
    /// tells the other instances. Returns the new revision.
    pub async fn announce_change(&self, tenant: &str) -> Result<i64> {
        let mut tx = self.write_tx().await?;
        let revision: i64 = sqlx::query_scalar(
            "UPDATE tenants SET revision = revision + 1 WHERE id = $1 RETURNING revision",
        )
        .bind(tenant)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("tenant '{tenant}'")))?;
        self.notify_in(&mut tx, tenant).await?;
        tx.commit().await?;
        Ok(revision)
    }

    /// Tells the other instances (PostgreSQL) that `tenant` changed, when `tx` commits.
    pub(crate) async fn notify_in(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        tenant: &str,
    ) -> Result<()> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(tenant)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// The revision of one tenant (see [`Db::announce_change`]).
    pub async fn revision(&self, tenant: &str) -> Result<i64> {
        sqlx::query_scalar("SELECT revision FROM tenants WHERE id = $1")
            .bind(tenant)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("tenant '{tenant}'")))
    }

    /// Every tenant's revision.
    pub async fn revisions(&self) -> Result<HashMap<String, i64>> {
        let rows = sqlx::query("SELECT id, revision FROM tenants")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    /// Listens for changes announced by any instance. `None` on SQLite: one file has one
    /// server, and the revision check notices changes made by the command line.
    pub async fn listen_changes(&self) -> Result<Option<Changes>> {
        let Some(url) = &self.url else {
            return Ok(None);
        };
        let mut listener = sqlx::postgres::PgListener::connect(url).await?;
        listener.listen(CHANNEL).await?;
        Ok(Some(Changes { listener }))
    }

    /// Claims the run of `job` for `period` (e.g. a UTC day) for `instance`. True for exactly
    /// one caller per job and period, however many instances ask at once.
    pub async fn claim_job(&self, job: &str, period: &str, instance: &str) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO job_claims (job, period, instance, claimed_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (job, period) DO NOTHING",
        )
        .bind(job)
        .bind(period)
        .bind(instance)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
