//! Several `lotse serve` instances on one PostgreSQL database (issue 7, item 5).
//!
//! Each instance keeps every tenant's knowledge in memory. A change made through one instance
//! is announced by [`App::reload_tenant`] (the tenant's revision goes up and PostgreSQL
//! notifies every listener); [`follow`] is the task that hears it and rebuilds that tenant
//! here, and that compares all revisions every [`CHECK_EVERY`] as a safety net for
//! notifications lost while a connection was down. On SQLite there is nothing to listen to,
//! but the check still notices changes the command line made (`lotse import` while serving).
//!
//! Background jobs run once per UTC day across instances: [`claim`] lets exactly one instance
//! have a job's day (the first to insert the row wins).

use std::time::Duration;

use lotse_store::Changes;

use crate::App;

/// How often the revisions are compared with the database.
pub const CHECK_EVERY: Duration = Duration::from_secs(30);

/// Follows the changes of other instances for as long as the process lives.
pub async fn follow(app: App) {
    let mut changes = listen(&app).await;
    let mut check = tokio::time::interval(CHECK_EVERY);
    check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    check.tick().await;
    loop {
        tokio::select! {
            changed = next(&mut changes) => match changed {
                Ok(tenant) => {
                    refresh(&app, &tenant).await;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "change notifications failed; listening again at the next check");
                    changes = None;
                }
            },
            _ = check.tick() => {
                if changes.is_none() {
                    changes = listen(&app).await;
                }
                check_revisions(&app).await;
            }
        }
    }
}

/// Rebuilds every tenant whose stored revision differs from the one its live knowledge was
/// built from (also tenants another instance created), and drops the tenants another instance
/// deleted. Returns the tenants rebuilt.
pub async fn check_revisions(app: &App) -> Vec<String> {
    let revisions = match app.db().revisions().await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, "revision check failed");
            return Vec::new();
        }
    };
    for gone in app.tenant_ids() {
        if !revisions.contains_key(&gone) {
            tracing::info!(
                tenant = gone,
                "tenant deleted elsewhere; its knowledge is dropped"
            );
            app.forget_tenant(&gone);
        }
    }
    let mut rebuilt = Vec::new();
    let mut tenants: Vec<_> = revisions.into_iter().collect();
    tenants.sort();
    for (tenant, revision) in tenants {
        if app.known_revision(&tenant) != Some(revision) && refresh(app, &tenant).await {
            rebuilt.push(tenant);
        }
    }
    rebuilt
}

/// Claims today's (UTC) run of `job` for this instance: true for exactly one instance.
pub async fn claim(app: &App, job: &str, now: i64) -> bool {
    let day = crate::date_of(now);
    match app.db().claim_job(job, &day, app.instance()).await {
        Ok(true) => true,
        Ok(false) => {
            tracing::info!(job, day, "job already run by another instance today");
            false
        }
        Err(e) => {
            tracing::error!(job, error = %e, "job claim failed; not running it");
            false
        }
    }
}

async fn listen(app: &App) -> Option<Changes> {
    match app.db().listen_changes().await {
        Ok(changes) => changes,
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for change notifications");
            None
        }
    }
}

async fn next(changes: &mut Option<Changes>) -> lotse_store::Result<String> {
    match changes {
        Some(c) => c.next().await,
        None => std::future::pending().await,
    }
}

async fn refresh(app: &App, tenant: &str) -> bool {
    let started = std::time::Instant::now();
    match app.refresh_if_stale(tenant).await {
        Ok(rebuilt) => {
            if rebuilt {
                tracing::info!(
                    tenant,
                    seconds = started.elapsed().as_secs_f64(),
                    "knowledge rebuilt after a change elsewhere"
                );
            }
            rebuilt
        }
        Err(crate::AppError::NotFound { .. }) => {
            // Deleted by another instance.
            if app.kb_any(tenant).is_ok() {
                tracing::info!(tenant, "tenant deleted elsewhere; its knowledge is dropped");
                app.forget_tenant(tenant);
            }
            false
        }
        Err(e) => {
            tracing::warn!(tenant, error = %e, "rebuild after a change elsewhere failed");
            false
        }
    }
}
