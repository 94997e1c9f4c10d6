//! A tenant's settings as its admins edit them (`/admin/einstellungen`): name and contact data,
//! structured opening hours and closed days, links, local amounts and notes, widget colour and
//! logo, enabled languages, allowed widget origins, data retention and the four-eyes rule.
//!
//! Contact data, links and notes are stored as the tenant's variables, so they fill the
//! placeholders of every answer (`{{jobcenter.telefon}}` …) and staff edit them once; the rest
//! lives in the settings document. Every field is checked, with a German sentence per problem.

use std::collections::HashMap;

use serde::Serialize;

use crate::editor::forbidden;
use crate::hours::{OpeningHours, WEEKDAYS, clock, parse_day};
use crate::platform::check_tenant_name;
use crate::{App, AppError, Role, Staff};

/// Text fields stored as variables: (form field, variable, what it is for the error sentence).
pub const VARIABLE_FIELDS: &[(&str, &str)] = &[
    ("address", "jobcenter.adresse"),
    ("phone", "jobcenter.telefon"),
    ("email", "jobcenter.email"),
    ("online_application_url", "jobcenter.online_antrag_url"),
    ("upload_url", "jobcenter.upload_url"),
    ("appointment_url", "jobcenter.termin_url"),
    ("rent_note", "kdu.richtwert_hinweis"),
    ("rent_url", "kdu.richtwerte_url"),
    ("color", "widget.farbe"),
    ("logo_url", "widget.logo"),
];

/// The languages a tenant can offer in the widget (German is always on).
pub const WIDGET_LANGUAGES: &[(&str, &str)] = &[
    ("de-x-ls", "Leichte Sprache"),
    ("en", "Englisch"),
    ("uk", "Ukrainisch"),
    ("ru", "Russisch"),
    ("ar", "Arabisch"),
    ("fa", "Persisch (Farsi)"),
    ("tr", "Türkisch"),
];

/// The interface languages the widget offers for a tenant's settings: German first, then the
/// tenant's choice in the order of [`WIDGET_LANGUAGES`]; every language when it has not chosen
/// (no `languages` key), so existing tenants keep the full switch.
pub fn widget_languages(settings: &serde_json::Value) -> Vec<String> {
    let chosen: Option<Vec<&str>> = settings
        .get("languages")
        .and_then(serde_json::Value::as_array)
        .map(|l| l.iter().filter_map(serde_json::Value::as_str).collect());
    std::iter::once("de")
        .chain(
            WIDGET_LANGUAGES
                .iter()
                .map(|(code, _)| *code)
                .filter(|code| chosen.as_ref().is_none_or(|c| c.contains(code))),
        )
        .map(str::to_owned)
        .collect()
}

/// The settings as the form shows them (all text).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TenantSettings {
    pub name: String,
    /// By form field name (see [`VARIABLE_FIELDS`]).
    pub fields: HashMap<String, String>,
    /// Per weekday (Monday first) "08:00-12:00, 14:00-17:30".
    pub hours: [String; 7],
    /// One `YYYY-MM-DD` per line.
    pub closed_days: String,
    pub languages: Vec<String>,
    /// One origin per line.
    pub allowed_origins: String,
    pub retention_days: String,
    pub four_eyes: bool,
}

/// A problem with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// `https://host` or `http://host:port`: scheme, host name and optional port, nothing else.
pub fn is_origin(o: &str) -> bool {
    let Some(rest) = o
        .strip_prefix("https://")
        .or_else(|| o.strip_prefix("http://"))
    else {
        return false;
    };
    let (host, port) = rest.split_once(':').unwrap_or((rest, ""));
    !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        && port.chars().all(|c| c.is_ascii_digit())
        && port.len() <= 5
}

/// The well-formed entries of the settings' `allowed_origins` (others are ignored, so a
/// setting can never widen a policy).
pub fn allowed_origins(settings: &serde_json::Value) -> Vec<String> {
    settings
        .get("allowed_origins")
        .and_then(serde_json::Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(serde_json::Value::as_str)
                .filter(|o| is_origin(o))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn is_link(v: &str) -> bool {
    (v.starts_with("https://") || v.starts_with("http://"))
        && v.len() > 8
        && v.len() <= 500
        && !v.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A path on this server, e.g. `/assets/logo.svg`.
fn is_local_path(v: &str) -> bool {
    v.starts_with('/')
        && !v.starts_with("//")
        && v.len() <= 500
        && !v.chars().any(char::is_whitespace)
}

fn is_date(v: &str) -> bool {
    let b = v.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (Ok(m), Ok(d)) = (v[5..7].parse::<u32>(), v[8..10].parse::<u32>()) else {
        return false;
    };
    v[..4].parse::<u32>().is_ok() && (1..=12).contains(&m) && (1..=31).contains(&d)
}

/// Checks one variable field; `None` when it is fine (empty is fine: not every job centre has
/// every link).
fn check_field(field: &str, v: &str) -> Option<&'static str> {
    if v.is_empty() {
        return None;
    }
    let long = |max: usize| v.chars().count() > max;
    let controls = v.chars().any(|c| c.is_control() && c != '\n');
    match field {
        "phone"
            if long(40)
                || !v
                    .chars()
                    .all(|c| c.is_ascii_digit() || " +-/()".contains(c)) =>
        {
            Some(
                "Die Telefonnummer darf nur Ziffern, Leerzeichen und + - / ( ) enthalten (höchstens 40 Zeichen).",
            )
        }
        "email"
            if long(254)
                || v.chars().any(char::is_whitespace)
                || v.split('@').count() != 2
                || v.starts_with('@')
                || !v.split('@').nth(1).is_some_and(|d| d.contains('.')) =>
        {
            Some("Bitte geben Sie eine gültige E-Mail-Adresse an.")
        }
        "online_application_url" | "upload_url" | "appointment_url" | "rent_url" if !is_link(v) => {
            Some("Bitte geben Sie eine vollständige Adresse an, die mit https:// beginnt.")
        }
        "logo_url" if !(is_link(v) || is_local_path(v)) => {
            Some("Das Logo braucht eine Adresse, die mit https:// oder / beginnt.")
        }
        "color"
            if !(v.len() == 7
                && v.starts_with('#')
                && v[1..].chars().all(|c| c.is_ascii_hexdigit())) =>
        {
            Some("Die Farbe wird als #RRGGBB angegeben, zum Beispiel #005ca9.")
        }
        "address" if long(300) || controls => {
            Some("Die Adresse darf höchstens 300 Zeichen lang sein.")
        }
        "rent_note" if long(2000) || controls => {
            Some("Der Hinweis darf höchstens 2.000 Zeichen lang sein.")
        }
        _ => None,
    }
}

impl App {
    /// The tenant's current settings for the form (any staff member may look).
    pub async fn tenant_settings(&self, staff: &Staff) -> Result<TenantSettings, AppError> {
        let db = self.db();
        let tenant = db.tenant(&staff.tenant).await?;
        let vars = db.variables(&staff.tenant).await?;
        let s = &tenant.settings;
        let hours = OpeningHours::from_settings(s).unwrap_or_default();
        let list = |key: &str| -> Vec<String> {
            s.get(key)
                .and_then(serde_json::Value::as_array)
                .map(|l| {
                    l.iter()
                        .filter_map(serde_json::Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        Ok(TenantSettings {
            name: tenant.name.clone(),
            fields: VARIABLE_FIELDS
                .iter()
                .map(|(f, var)| ((*f).to_owned(), vars.get(*var).cloned().unwrap_or_default()))
                .collect(),
            hours: std::array::from_fn(|i| {
                hours.days[i]
                    .iter()
                    .map(|&(a, b)| format!("{}-{}", clock(a), clock(b)))
                    .collect::<Vec<_>>()
                    .join(", ")
            }),
            closed_days: hours.closed.join("\n"),
            languages: list("languages"),
            allowed_origins: list("allowed_origins").join("\n"),
            retention_days: crate::retention::retention_days(s).to_string(),
            four_eyes: s.get("four_eyes").and_then(serde_json::Value::as_bool) == Some(true),
        })
    }

    /// Checks and saves the settings (admins only). `Ok(errors)` with every problem when a
    /// field is wrong (nothing is saved then); on success the tenant's knowledge is rebuilt so
    /// the placeholders show the new values.
    pub async fn save_tenant_settings(
        &self,
        staff: &Staff,
        new: &TenantSettings,
    ) -> Result<Vec<FieldError>, AppError> {
        if staff.role < Role::Admin {
            return Err(forbidden("only admins change tenant settings"));
        }
        let mut errors = Vec::new();
        let mut error = |field: &str, message: String| {
            errors.push(FieldError {
                field: field.to_owned(),
                message,
            });
        };
        let name = check_tenant_name(&new.name).unwrap_or_else(|e| {
            if let AppError::Invalid { reason, .. } = e {
                error("name", reason);
            }
            String::new()
        });
        let mut vars: HashMap<String, String> = HashMap::new();
        for (field, var) in VARIABLE_FIELDS {
            let value = new.fields.get(*field).map_or("", |v| v.trim());
            if let Some(message) = check_field(field, value) {
                error(field, message.to_owned());
            }
            vars.insert((*var).to_owned(), value.to_owned());
        }
        let mut hours = OpeningHours::default();
        for (i, text) in new.hours.iter().enumerate() {
            match parse_day(text) {
                Ok(intervals) => hours.days[i] = intervals,
                Err(message) => error(&format!("hours_{}", WEEKDAYS[i]), message),
            }
        }
        for day in new.closed_days.split_whitespace() {
            if is_date(day) {
                hours.closed.push(day.to_owned());
            } else {
                error(
                    "closed_days",
                    format!("„{day}“ ist kein Datum der Form JJJJ-MM-TT."),
                );
            }
        }
        hours.closed.sort();
        hours.closed.dedup();
        let mut languages = Vec::new();
        for l in &new.languages {
            if WIDGET_LANGUAGES.iter().any(|(tag, _)| tag == l) {
                languages.push(l.clone());
            } else {
                error(
                    "languages",
                    format!("Die Sprache „{l}“ wird nicht angeboten."),
                );
            }
        }
        let origins: Vec<String> = new
            .allowed_origins
            .split_whitespace()
            .map(|o| o.trim_end_matches('/').to_owned())
            .collect();
        for o in origins.iter().filter(|o| !is_origin(o)) {
            error(
                "allowed_origins",
                format!(
                    "„{o}“ ist keine Herkunft wie https://www.jobcenter-beispiel.de (ohne Pfad)."
                ),
            );
        }
        let retention = new.retention_days.trim().parse::<i64>().ok();
        if !retention.is_some_and(|d| (1..=3650).contains(&d)) {
            error(
                "retention_days",
                "Die Aufbewahrungsdauer ist eine ganze Zahl von 1 bis 3650 Tagen.".into(),
            );
        }
        if !errors.is_empty() {
            return Ok(errors);
        }
        let db = self.db();
        let before = db.tenant(&staff.tenant).await?;
        let mut after = before.settings.clone();
        if !after.is_object() {
            after = serde_json::json!({});
        }
        after["opening_hours"] = hours.to_settings();
        after["closed_days"] = serde_json::json!(hours.closed);
        after["languages"] = serde_json::json!(languages);
        after["allowed_origins"] = serde_json::json!(origins);
        after["retention_days"] = serde_json::json!(retention.unwrap_or(90));
        after["four_eyes"] = serde_json::json!(new.four_eyes);
        vars.insert("jobcenter.name".into(), name.clone());
        if hours.days.iter().any(|d| !d.is_empty()) {
            vars.insert("jobcenter.oeffnungszeiten".into(), hours.summary());
        }
        let vars_before = db.variables(&staff.tenant).await?;
        db.set_tenant_settings(&staff.tenant, &after).await?;
        db.set_variables(&staff.tenant, &vars).await?;
        if name != before.name {
            db.rename_tenant(&staff.tenant, &name).await?;
        }
        let changed_vars: HashMap<&String, &String> = vars
            .iter()
            .filter(|(k, v)| vars_before.get(*k) != Some(*v))
            .collect();
        self.audit(
            &staff.tenant,
            &staff.email,
            "tenant.settings",
            &staff.tenant,
            Some(serde_json::json!({ "name": before.name, "settings": before.settings })),
            Some(serde_json::json!({ "name": name, "settings": after, "variables": changed_vars })),
        )
        .await?;
        self.reload_tenant(&staff.tenant).await?;
        Ok(Vec::new())
    }
}
