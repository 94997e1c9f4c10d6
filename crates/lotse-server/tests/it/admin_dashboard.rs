//! The staff dashboard and its CSV export: figures of today, disliked answers, sign-in needed.

use axum::http::{StatusCode, header};

use super::admin::{default_setup, get_with, login};
use super::send;

#[tokio::test]
async fn the_dashboard_shows_todays_figures_and_exports_them_as_csv() {
    let (r, app) = default_setup().await;
    let answered = app
        .ask("demo", "Wie hoch ist der Regelsatz?", None)
        .expect("ask");
    app.ask("demo", "Wie hoch ist der Regelsatz?", None)
        .expect("ask");
    app.ask("demo", "Xylophon Quadratwurzel Gurkensalat", None)
        .expect("ask");
    app.flush().await;
    app.feedback("demo", &answered.message_id, false, None)
        .await
        .expect("down");
    let title = answered.answer.expect("answer").title;

    let s = login(&r, "viewer@demo.example").await;
    let (status, _, _, html) = send(&r, get_with("/admin/dashboard", &s.cookie)).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("<a href=\"/admin/dashboard\" aria-current=\"page\">Dashboard</a>"));
    assert!(
        html.contains("<svg") && html.contains("role=\"img\""),
        "{html}"
    );
    let today = lotse_app::today();
    let german = format!("{}.{}.{}", &today[8..10], &today[5..7], &today[..4]);
    let row = format!(
        "<tr><th scope=\"row\">{german}</th><td>3</td><td>67 %</td><td>0 %</td><td>33 %</td><td>0</td><td>1</td><td>2</td></tr>"
    );
    assert!(html.contains(&row), "today first: {row}\n{html}");
    assert!(html.contains("nicht hilfreich bewertet"));
    assert!(
        html.contains(&title),
        "the disliked answer is listed: {html}"
    );

    let (status, headers, _, csv) = send(&r, get_with("/admin/dashboard.csv", &s.cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .is_ok_and(|c| c.starts_with("text/csv"))
    );
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .is_some_and(|h| h.starts_with("Tag;Fragen;beantwortet"))
    );
    assert_eq!(csv.lines().count(), 31, "a header and 30 days");
    assert_eq!(
        csv.lines().last(),
        Some(format!("{today};3;2;0;1;0;1;2").as_str())
    );

    for uri in ["/admin/dashboard", "/admin/dashboard.csv"] {
        let (status, headers, _, _) = send(&r, get_with(uri, "")).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{uri} needs a session");
        assert_eq!(headers[header::LOCATION], "/admin/login");
    }
}
