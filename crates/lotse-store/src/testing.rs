//! Databases for tests: SQLite in memory always, and PostgreSQL when `LOTSE_TEST_POSTGRES_URL`
//! names a server (CI starts a throwaway cluster and sets it).
//!
//! Every PostgreSQL test database is a schema of its own (`lotse_test_…`, chosen through the
//! connection's `search_path`), so tests run in parallel without seeing each other's rows.
//! Schemas left by earlier runs (older than an hour) are dropped when the first one of a
//! process is created, so a developer's long-lived server does not fill up.

use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::{Connection, Executor, Row};

use crate::{Db, Result, StoreError, now_ms};

/// The variable that names the PostgreSQL server for tests.
pub const POSTGRES_ENV: &str = "LOTSE_TEST_POSTGRES_URL";

/// The PostgreSQL server for tests, if one is configured.
pub fn postgres_url() -> Option<String> {
    std::env::var(POSTGRES_ENV).ok().filter(|u| !u.is_empty())
}

/// The URL of a new, empty schema on the test server (`None` without one).
pub async fn fresh_postgres_url() -> Result<Option<String>> {
    let Some(base) = postgres_url() else {
        return Ok(None);
    };
    static NEXT: AtomicU64 = AtomicU64::new(0);
    static SWEPT: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&base).await?;
    let now = now_ms();
    SWEPT
        .get_or_try_init(|| async {
            let old: Vec<String> = sqlx::query(
                "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'lotse\\_test\\_%'",
            )
            .fetch_all(&mut conn)
            .await?
            .iter()
            .map(|r| r.get::<String, _>(0))
            .filter(|name| {
                name.split('_')
                    .nth(2)
                    .and_then(|ms| ms.parse::<i64>().ok())
                    .is_some_and(|ms| ms < now - 3_600_000)
            })
            .collect();
            for name in old {
                conn.execute(format!("DROP SCHEMA IF EXISTS {name} CASCADE").as_str())
                    .await?;
            }
            Ok::<(), StoreError>(())
        })
        .await?;
    let schema = format!(
        "lotse_test_{now}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    conn.execute(format!("CREATE SCHEMA {schema}").as_str())
        .await?;
    let sep = if base.contains('?') { '&' } else { '?' };
    Ok(Some(format!("{base}{sep}options[search_path]={schema}")))
}

/// The databases a conformance test runs on: SQLite in memory, and a fresh PostgreSQL schema
/// when the test server is configured. Each comes with a name for assertion messages.
pub async fn databases() -> Vec<(&'static str, Db)> {
    let mut dbs = vec![(
        "sqlite",
        Db::open_url("sqlite::memory:")
            .await
            .expect("SQLite in memory"),
    )];
    if let Some(url) = fresh_postgres_url().await.expect("PostgreSQL test server") {
        dbs.push((
            "postgres",
            Db::open_url(&url).await.expect("PostgreSQL schema"),
        ));
    }
    dbs
}

/// One database for a test: a fresh PostgreSQL schema when the test server is configured,
/// else SQLite in memory. For the tests of the crates above the store, so they run on the
/// backend CI asks for.
pub async fn database() -> Db {
    match fresh_postgres_url().await.expect("PostgreSQL test server") {
        Some(url) => Db::open_url(&url).await.expect("PostgreSQL schema"),
        None => Db::open_url("sqlite::memory:")
            .await
            .expect("SQLite in memory"),
    }
}

/// `$2 || '-' || $1 || '-' || $2` with `a`, `b`: `"b-a-b"` when placeholders bind by number.
pub async fn placeholder_check(db: &Db) -> Result<String> {
    Ok(sqlx::query_scalar("SELECT $2 || '-' || $1 || '-' || $2")
        .bind("a")
        .bind("b")
        .fetch_one(&db.pool)
        .await?)
}
