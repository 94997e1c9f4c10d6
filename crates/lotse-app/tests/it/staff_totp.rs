//! The TOTP second factor at the use-case boundary, with explicit clocks: set-up and
//! confirmation, the second sign-in step, ±1 step tolerance, replayed codes, lock-out, expiry,
//! switching off and the admin reset. Codes are computed from the secret like an app would.

use lotse_app::staff::totp::{TotpState, code_at};
use lotse_app::staff::{CHALLENGE_MS, LoginError};
use lotse_app::{App, AppError, Role, Staff, now_ms};

const PW: &str = "richtig-langes-passwort";
/// A fixed moment in the middle of a 30-second step.
const T0: i64 = 1_800_000_015_000;
const STEP: i64 = 30_000;

async fn staff(app: &App, email: &str, role: Role) -> Staff {
    app.add_user("demo", email, role, Some(PW))
        .await
        .expect("user");
    app.login(email, PW, now_ms()).await.expect("login").staff
}

/// Sets up and confirms the second factor at `T0`; returns the secret.
async fn enable(app: &App, s: &Staff) -> String {
    let setup = app.totp_begin(s).await.expect("begin");
    assert!(
        setup.uri.starts_with("otpauth://totp/Lotse%3A"),
        "{}",
        setup.uri
    );
    assert!(setup.uri.contains(&format!("secret={}", setup.secret)));
    let code = code_at(&setup.secret, T0).expect("code");
    app.totp_confirm(s, &code, T0).await.expect("confirm");
    setup.secret
}

/// A code of `secret` that is wrong at `now` (none of the three accepted steps).
fn wrong_code(secret: &str, now: i64) -> String {
    let right: Vec<String> = (-1..=1)
        .map(|k| code_at(secret, now + k * STEP).expect("code"))
        .collect();
    (0..)
        .map(|n: u32| format!("{:06}", (n * 7919) % 1_000_000))
        .find(|c| !right.contains(c))
        .expect("a wrong code")
}

fn challenge(r: Result<lotse_app::staff::NewSession, LoginError>) -> String {
    match r {
        Err(LoginError::SecondFactorNeeded(c)) => c.0,
        other => panic!("expected the second step, got {other:?}"),
    }
}

#[tokio::test]
async fn a_confirmed_second_factor_is_asked_for_at_sign_in() {
    let app = crate::demo_app().await;
    let s = staff(&app, "anna@demo.example", Role::Editor).await;
    assert!(matches!(app.totp_state(&s).await, Ok(TotpState::Off)));

    // Not active before a first code is confirmed; a wrong first code is refused.
    let setup = app.totp_begin(&s).await.expect("begin");
    assert!(matches!(
        app.totp_state(&s).await,
        Ok(TotpState::Pending(_))
    ));
    assert!(app.login("anna@demo.example", PW, T0).await.is_ok());
    let e = app
        .totp_confirm(&s, &wrong_code(&setup.secret, T0), T0)
        .await
        .expect_err("wrong code");
    assert!(
        matches!(e, AppError::Invalid { ref field, .. } if field == "code"),
        "{e}"
    );
    app.totp_cancel(&s).await.expect("cancel");
    assert!(matches!(app.totp_state(&s).await, Ok(TotpState::Off)));

    let secret = enable(&app, &s).await;
    assert!(matches!(app.totp_state(&s).await, Ok(TotpState::On)));
    assert!(matches!(
        app.totp_begin(&s).await,
        Err(AppError::Conflict(_))
    ));

    // The password alone is not a session.
    let ch = challenge(app.login("anna@demo.example", PW, T0 + 1_000).await);
    // The code that confirmed the set-up is used: a replay.
    let replay = app
        .login_second_factor(&ch, &code_at(&secret, T0).expect("c"), T0 + 1_000)
        .await;
    assert!(matches!(replay, Err(LoginError::CodeReused)), "{replay:?}");
    let wrong = app
        .login_second_factor(&ch, &wrong_code(&secret, T0), T0 + 1_000)
        .await;
    assert!(matches!(wrong, Err(LoginError::WrongCode)), "{wrong:?}");
    // The next step's code is accepted (clock drift of one step), with spaces.
    let next = code_at(&secret, T0 + STEP).expect("c");
    let spaced = format!("{} {}", &next[..3], &next[3..]);
    let session = app
        .login_second_factor(&ch, &spaced, T0 + 1_000)
        .await
        .expect("signed in");
    assert_eq!(session.staff.email, "anna@demo.example");
    assert!(
        app.staff_session(&session.token, now_ms())
            .await
            .expect("s")
            .is_some()
    );
    // The challenge is used up, and so is the code.
    assert!(matches!(
        app.login_second_factor(&ch, &next, T0 + 2_000).await,
        Err(LoginError::ChallengeExpired)
    ));
    let ch = challenge(app.login("anna@demo.example", PW, T0 + 2_000).await);
    assert!(matches!(
        app.login_second_factor(&ch, &next, T0 + 2_000).await,
        Err(LoginError::CodeReused)
    ));
    // A code two steps off is wrong; a challenge older than five minutes has expired.
    assert!(matches!(
        app.login_second_factor(
            &ch,
            &code_at(&secret, T0 + 3 * STEP).expect("c"),
            T0 + 2_000
        )
        .await,
        Err(LoginError::WrongCode)
    ));
    let late = T0 + 2_000 + CHALLENGE_MS + 1;
    assert!(matches!(
        app.login_second_factor(&ch, &code_at(&secret, late).expect("c"), late)
            .await,
        Err(LoginError::ChallengeExpired)
    ));

    let log = app.db().audit_log("demo", 50).await.expect("audit");
    assert!(
        log.iter()
            .any(|e| e.action == "totp.enable" && e.actor == "anna@demo.example")
    );
    assert!(log.iter().any(|e| {
        e.action == "login"
            && e.after
                .as_ref()
                .is_some_and(|a| a["second_factor"] == "totp")
    }));
}

#[tokio::test]
async fn wrong_codes_lock_the_account_and_a_right_password_does_not_reset_the_count() {
    let app = crate::demo_app().await;
    let s = staff(&app, "ben@demo.example", Role::Editor).await;
    let secret = enable(&app, &s).await;
    let now = T0 + 5 * STEP;
    let wrong = wrong_code(&secret, now);
    let ch = challenge(app.login("ben@demo.example", PW, now).await);
    for _ in 0..3 {
        assert!(matches!(
            app.login_second_factor(&ch, &wrong, now).await,
            Err(LoginError::WrongCode)
        ));
    }
    // Starting again with the right password keeps the three failures.
    let ch = challenge(app.login("ben@demo.example", PW, now).await);
    assert!(matches!(
        app.login_second_factor(&ch, &wrong, now).await,
        Err(LoginError::WrongCode)
    ));
    let fifth = app.login_second_factor(&ch, &wrong, now).await;
    assert!(matches!(fifth, Err(LoginError::Locked { .. })), "{fifth:?}");
    // Locked: even the right code does not help, and the password step is refused too.
    let right = code_at(&secret, now).expect("c");
    assert!(matches!(
        app.login_second_factor(&ch, &right, now).await,
        Err(LoginError::ChallengeExpired | LoginError::Locked { .. })
    ));
    assert!(matches!(
        app.login("ben@demo.example", PW, now).await,
        Err(LoginError::Locked { .. })
    ));
}

#[tokio::test]
async fn switching_off_needs_password_and_code_and_admins_can_reset() {
    let app = crate::demo_app().await;
    let admin = staff(&app, "chefin@demo.example", Role::Admin).await;
    let s = staff(&app, "carla@demo.example", Role::Reviewer).await;
    let secret = enable(&app, &s).await;
    let now = T0 + 10 * STEP;
    let code = code_at(&secret, now).expect("c");
    let e = app
        .totp_disable(&s, "falsches-passwort", &code, now)
        .await
        .expect_err("wrong password");
    assert!(matches!(e, AppError::Invalid { ref field, .. } if field == "current_password"));
    let e = app
        .totp_disable(&s, PW, &wrong_code(&secret, now), now)
        .await
        .expect_err("wrong code");
    assert!(matches!(e, AppError::Invalid { ref field, .. } if field == "code"));
    app.totp_disable(&s, PW, &code, now).await.expect("off");
    assert!(matches!(app.totp_state(&s).await, Ok(TotpState::Off)));
    assert!(app.login("carla@demo.example", PW, now).await.is_ok());

    // The admin reset: only admins, only their tenant; afterwards the password suffices.
    enable(&app, &s).await;
    assert!(matches!(
        app.reset_user_totp(&s, "carla@demo.example").await,
        Err(AppError::Forbidden(_))
    ));
    assert!(matches!(
        app.reset_user_totp(&admin, "editor@b.example").await,
        Err(AppError::NotFound { .. })
    ));
    let ch = challenge(app.login("carla@demo.example", PW, now).await);
    app.reset_user_totp(&admin, "Carla@demo.example")
        .await
        .expect("reset");
    // A sign-in half-way through cannot be finished with the old secret any more.
    assert!(matches!(
        app.login_second_factor(&ch, &code_at(&secret, now).expect("c"), now)
            .await,
        Err(LoginError::ChallengeExpired)
    ));
    assert!(app.login("carla@demo.example", PW, now).await.is_ok());

    // A password reset ends a sign-in that waits for its code, too.
    let secret = enable(&app, &s).await;
    let ch = challenge(app.login("carla@demo.example", PW, now).await);
    app.reset_user_password(&admin, "carla@demo.example")
        .await
        .expect("reset");
    assert!(matches!(
        app.login_second_factor(&ch, &code_at(&secret, now).expect("c"), now)
            .await,
        Err(LoginError::ChallengeExpired)
    ));
    let log = app.db().audit_log("demo", 50).await.expect("audit");
    assert!(
        log.iter()
            .any(|e| e.action == "totp.disable" && e.target == "carla@demo.example")
    );
    assert!(log.iter().any(|e| e.action == "user.totp_reset"
        && e.actor == "chefin@demo.example"
        && e.target == "carla@demo.example"));
}
