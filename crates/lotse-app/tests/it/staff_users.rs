//! User management by tenant admins: roles, password resets that end sessions, unlocking, the
//! self and last-admin protections, the audit trail, and tenant isolation.

use lotse_app::staff::{LOCKOUT_MS, LoginError, hash_token};
use lotse_app::{App, AppError, Role, Staff, now_ms};

const PW: &str = "richtig-langes-passwort";

async fn staff(app: &App, tenant: &str, email: &str, role: Role) -> Staff {
    app.add_user(tenant, email, role, Some(PW))
        .await
        .expect("user");
    app.login(email, PW, now_ms()).await.expect("login").staff
}

fn role_of(users: &[lotse_store::UserRecord], email: &str) -> Option<String> {
    users
        .iter()
        .find(|u| u.email == email)
        .map(|u| u.role.clone())
}

#[tokio::test]
async fn only_admins_manage_users_and_every_action_is_audited() {
    let app = crate::demo_app().await;
    let admin = staff(&app, "demo", "admin@demo.example", Role::Admin).await;
    for role in [Role::Viewer, Role::Editor, Role::Reviewer] {
        let s = staff(&app, "demo", &format!("{role}@demo.example"), role).await;
        assert!(matches!(
            app.staff_users(&s).await,
            Err(AppError::Forbidden(_))
        ));
        let r = app.admin_add_user(&s, "x@demo.example", Role::Admin).await;
        assert!(matches!(r, Err(AppError::Forbidden(_))), "{role}: {r:?}");
        let r = app.set_user_role(&s, &s.email, Role::Admin).await;
        assert!(matches!(r, Err(AppError::Forbidden(_))), "{role}: {r:?}");
    }

    let otp = app
        .admin_add_user(&admin, " Neu@Demo.example ", Role::Viewer)
        .await
        .expect("add");
    let users = app.staff_users(&admin).await.expect("users");
    assert_eq!(
        role_of(&users, "neu@demo.example").as_deref(),
        Some("viewer")
    );
    let neu = app.login("neu@demo.example", &otp, now_ms()).await;
    assert!(
        neu.expect("one-time password works")
            .staff
            .must_change_password
    );

    app.set_user_role(&admin, "neu@demo.example", Role::Reviewer)
        .await
        .expect("role");
    let users = app.staff_users(&admin).await.expect("users");
    assert_eq!(
        role_of(&users, "neu@demo.example").as_deref(),
        Some("reviewer")
    );
    let s = app
        .login("neu@demo.example", &otp, now_ms())
        .await
        .expect("login");
    assert_eq!(s.staff.role, Role::Reviewer, "the new role applies");

    let log = app.audit_log(&admin, 20).await.expect("log");
    let role_change = log
        .iter()
        .find(|e| e.action == "user.role")
        .expect("role audited");
    assert_eq!(role_change.actor, "admin@demo.example");
    assert_eq!(role_change.target, "neu@demo.example");
    assert_eq!(
        role_change.before,
        Some(serde_json::json!({"role": "viewer"}))
    );
    assert_eq!(
        role_change.after,
        Some(serde_json::json!({"role": "reviewer"}))
    );
    let add = log
        .iter()
        .find(|e| e.action == "user.add" && e.target == "neu@demo.example");
    assert_eq!(add.expect("add audited").actor, "admin@demo.example");
}

#[tokio::test]
async fn a_password_reset_ends_sessions_and_the_old_password() {
    let app = crate::demo_app().await;
    let admin = staff(&app, "demo", "admin@demo.example", Role::Admin).await;
    let editor = app
        .add_user("demo", "editor@demo.example", Role::Editor, Some(PW))
        .await
        .expect("add");
    assert!(editor.is_none());
    let session = app
        .login("editor@demo.example", PW, now_ms())
        .await
        .expect("login");

    let otp = app
        .reset_user_password(&admin, "editor@demo.example")
        .await
        .expect("reset");
    assert!(
        app.staff_session(&session.token, now_ms())
            .await
            .expect("session")
            .is_none(),
        "the old session is over"
    );
    assert!(
        app.db()
            .session(&hash_token(&session.token), now_ms())
            .await
            .expect("s")
            .is_none()
    );
    let old = app.login("editor@demo.example", PW, now_ms()).await;
    assert!(matches!(old, Err(LoginError::WrongCredentials)), "{old:?}");
    let new = app
        .login("editor@demo.example", &otp, now_ms())
        .await
        .expect("the one-time password works");
    assert!(new.staff.must_change_password);
    let log = app.audit_log(&admin, 5).await.expect("log");
    assert!(log.iter().any(|e| e.action == "user.password_reset"
        && e.actor == "admin@demo.example"
        && e.target == "editor@demo.example"));
}

#[tokio::test]
async fn admins_unlock_locked_accounts() {
    let app = crate::demo_app().await;
    let admin = staff(&app, "demo", "admin@demo.example", Role::Admin).await;
    app.add_user("demo", "gesperrt@demo.example", Role::Editor, Some(PW))
        .await
        .expect("add");
    let now = now_ms();
    app.db()
        .set_login_state("demo", "gesperrt@demo.example", 0, now + LOCKOUT_MS)
        .await
        .expect("lock");
    let r = app.login("gesperrt@demo.example", PW, now).await;
    assert!(matches!(r, Err(LoginError::Locked { .. })), "{r:?}");
    app.unlock_user(&admin, "gesperrt@demo.example")
        .await
        .expect("unlock");
    app.login("gesperrt@demo.example", PW, now)
        .await
        .expect("unlocked");
}

#[tokio::test]
async fn admins_cannot_delete_themselves_or_remove_the_last_admin() {
    let app = crate::demo_app().await;
    let admin = staff(&app, "demo", "admin@demo.example", Role::Admin).await;
    let r = app.delete_user(&admin, "admin@demo.example").await;
    assert!(matches!(r, Err(AppError::Forbidden(_))), "{r:?}");
    let r = app
        .set_user_role(&admin, "admin@demo.example", Role::Editor)
        .await;
    assert!(matches!(r, Err(AppError::Conflict(_))), "last admin: {r:?}");

    let second = staff(&app, "demo", "zweite@demo.example", Role::Admin).await;
    // With a second admin, the first may step down; then the second is the last one.
    app.set_user_role(&admin, "admin@demo.example", Role::Editor)
        .await
        .expect("step down");
    let r = app
        .set_user_role(&second, "zweite@demo.example", Role::Viewer)
        .await;
    assert!(matches!(r, Err(AppError::Conflict(_))), "{r:?}");
    app.delete_user(&second, "admin@demo.example")
        .await
        .expect("delete");
    assert!(app.db().user("demo", "admin@demo.example").await.is_err());
    let gone = app.login("admin@demo.example", PW, now_ms()).await;
    assert!(
        matches!(gone, Err(LoginError::WrongCredentials)),
        "{gone:?}"
    );
    let log = app.audit_log(&second, 5).await.expect("log");
    let entry = log
        .iter()
        .find(|e| e.action == "user.delete")
        .expect("audited");
    assert_eq!(entry.before, Some(serde_json::json!({"role": "editor"})));
}

#[tokio::test]
async fn admins_of_one_tenant_cannot_manage_another_tenants_users() {
    let app = crate::demo_app().await;
    app.create_tenant("b", "Jobcenter B").await.expect("tenant");
    let admin = staff(&app, "demo", "admin@demo.example", Role::Admin).await;
    app.add_user("b", "leitung@b.example", Role::Admin, Some(PW))
        .await
        .expect("b");
    app.add_user("b", "editor@b.example", Role::Editor, Some(PW))
        .await
        .expect("b");
    let users = app.staff_users(&admin).await.expect("users");
    assert!(users.iter().all(|u| u.tenant_id == "demo"), "only demo's");
    assert!(role_of(&users, "editor@b.example").is_none());
    for email in ["editor@b.example", "leitung@b.example"] {
        let not_found = |r: Result<(), AppError>| matches!(r, Err(AppError::NotFound { .. }));
        assert!(not_found(
            app.set_user_role(&admin, email, Role::Viewer).await
        ));
        assert!(not_found(app.unlock_user(&admin, email).await));
        assert!(not_found(app.delete_user(&admin, email).await));
        assert!(not_found(
            app.reset_user_password(&admin, email).await.map(|_| ())
        ));
    }
    let b = app.db().users("b").await.expect("b");
    assert_eq!(role_of(&b, "editor@b.example").as_deref(), Some("editor"));
    app.login("editor@b.example", PW, now_ms())
        .await
        .expect("b's password untouched");
}
