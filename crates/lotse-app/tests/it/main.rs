//! Integration tests of the use cases: the built-in knowledge base and the answering behaviour.

mod content;
mod engine;
mod import;
mod inbox;
mod languages;
mod retention;
mod retrain;
mod shared;
mod staff;
mod staff_totp;
mod staff_users;

use lotse_app::{App, Config};

/// An app on a fresh database (SQLite in memory, or a PostgreSQL schema with
/// `LOTSE_TEST_POSTGRES_URL`) with the demo tenant seeded.
pub async fn demo_app() -> App {
    let db = lotse_store::testing::database().await;
    let app = App::new(db, Config::default()).await.expect("app");
    assert!(app.seed_demo().await.expect("seed"));
    app
}
