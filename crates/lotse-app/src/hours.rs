//! Structured opening hours and the placeholder `{{jobcenter.oeffnungsstatus}}` computed at
//! reply time: "Jetzt geschlossen, morgen ab 8 Uhr geöffnet." in Europe/Berlin local time.
//!
//! The hours live in the tenant settings (`opening_hours`: per weekday `mo`…`so` a list of
//! `["08:00", "12:00"]` intervals; `closed_days`: `YYYY-MM-DD` dates such as holidays). German
//! local time is UTC+1, and UTC+2 from the last Sunday of March 01:00 UTC to the last Sunday of
//! October 01:00 UTC (EU rule), computed here without a time-zone database.

use serde::{Deserialize, Serialize};

/// The placeholder replaced at reply time.
pub const STATUS_PLACEHOLDER: &str = "{{jobcenter.oeffnungsstatus}}";

/// Weekday keys in the settings, Monday first.
pub const WEEKDAYS: [&str; 7] = ["mo", "di", "mi", "do", "fr", "sa", "so"];
const WEEKDAY_NAMES: [&str; 7] = [
    "Montag",
    "Dienstag",
    "Mittwoch",
    "Donnerstag",
    "Freitag",
    "Samstag",
    "Sonntag",
];

/// Opening intervals in minutes after local midnight, per weekday (Monday first), and the
/// dates it is closed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpeningHours {
    pub days: [Vec<(u16, u16)>; 7],
    pub closed: Vec<String>,
}

impl OpeningHours {
    /// Reads the tenant settings' `opening_hours` and `closed_days`; `None` when no weekday has
    /// hours (the placeholder then becomes empty). Malformed entries are skipped: the settings
    /// page validates what it saves.
    pub fn from_settings(settings: &serde_json::Value) -> Option<OpeningHours> {
        let hours = settings.get("opening_hours")?;
        let mut days: [Vec<(u16, u16)>; 7] = Default::default();
        for (i, key) in WEEKDAYS.iter().enumerate() {
            let Some(list) = hours.get(key).and_then(serde_json::Value::as_array) else {
                continue;
            };
            for pair in list {
                let from = pair.get(0).and_then(serde_json::Value::as_str);
                let to = pair.get(1).and_then(serde_json::Value::as_str);
                if let (Some(a), Some(b)) = (from.and_then(parse_time), to.and_then(parse_time))
                    && a < b
                {
                    days[i].push((a, b));
                }
            }
            days[i].sort_unstable();
        }
        if days.iter().all(Vec::is_empty) {
            return None;
        }
        let closed = settings
            .get("closed_days")
            .and_then(serde_json::Value::as_array)
            .map(|l| {
                l.iter()
                    .filter_map(serde_json::Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        Some(OpeningHours { days, closed })
    }

    /// The hours as the settings store them.
    pub fn to_settings(&self) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        for (i, key) in WEEKDAYS.iter().enumerate() {
            let list: Vec<[String; 2]> = self.days[i]
                .iter()
                .map(|&(a, b)| [clock(a), clock(b)])
                .collect();
            map.insert((*key).to_owned(), serde_json::json!(list));
        }
        serde_json::Value::Object(map)
    }

    /// A readable summary for `{{jobcenter.oeffnungszeiten}}`: "Montag: 8:00–12:00 Uhr; …".
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        for (i, intervals) in self.days.iter().enumerate() {
            if intervals.is_empty() {
                continue;
            }
            let times: Vec<String> = intervals
                .iter()
                .map(|&(a, b)| format!("{}–{}", clock_short(a), clock_short(b)))
                .collect();
            parts.push(format!("{} {} Uhr", WEEKDAY_NAMES[i], times.join(" und ")));
        }
        parts.join(", ")
    }

    /// The sentence for `{{jobcenter.oeffnungsstatus}}` at `utc_ms`.
    pub fn status_at(&self, utc_ms: i64) -> String {
        let local = utc_ms + berlin_offset_ms(utc_ms);
        let day = local.div_euclid(DAY_MS);
        let minute = u16::try_from(local.rem_euclid(DAY_MS) / 60_000).unwrap_or(0);
        let today = self.intervals_on(day);
        if let Some(&(_, end)) = today.iter().find(|&&(a, b)| a <= minute && minute < b) {
            return format!("Jetzt geöffnet bis {} Uhr.", clock_short(end));
        }
        if let Some(&(start, _)) = today.iter().find(|&&(a, _)| a > minute) {
            return format!(
                "Jetzt geschlossen, heute ab {} Uhr geöffnet.",
                clock_short(start)
            );
        }
        for ahead in 1..=31 {
            let Some(&(start, _)) = self.intervals_on(day + ahead).first() else {
                continue;
            };
            let when = match ahead {
                1 => "morgen".to_owned(),
                2..=6 => format!("am {}", WEEKDAY_NAMES[weekday(day + ahead)]),
                _ => {
                    let (_, m, d) = crate::civil_from_days(day + ahead);
                    format!("am {}, {d}. {}.", WEEKDAY_NAMES[weekday(day + ahead)], m)
                }
            };
            return format!(
                "Jetzt geschlossen, {when} ab {} Uhr geöffnet.",
                clock_short(start)
            );
        }
        "Jetzt geschlossen.".to_owned()
    }

    fn intervals_on(&self, day: i64) -> &[(u16, u16)] {
        let (y, m, d) = crate::civil_from_days(day);
        let date = format!("{y:04}-{m:02}-{d:02}");
        if self.closed.contains(&date) {
            return &[];
        }
        &self.days[weekday(day)]
    }
}

const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;

/// Monday = 0 for days since 1970-01-01 (a Thursday).
fn weekday(day: i64) -> usize {
    usize::try_from((day + 3).rem_euclid(7)).unwrap_or(0)
}

/// Germany's offset from UTC at `utc_ms`: summer time from the last Sunday of March 01:00 UTC
/// to the last Sunday of October 01:00 UTC.
pub fn berlin_offset_ms(utc_ms: i64) -> i64 {
    let (year, _, _) = crate::civil_from_days(utc_ms.div_euclid(DAY_MS));
    let start = last_sunday(year, 3) * DAY_MS + HOUR_MS;
    let end = last_sunday(year, 10) * DAY_MS + HOUR_MS;
    if (start..end).contains(&utc_ms) {
        2 * HOUR_MS
    } else {
        HOUR_MS
    }
}

/// Days since 1970-01-01 of the last Sunday of a month with 31 days (March, October).
fn last_sunday(year: i64, month: u32) -> i64 {
    let last = days_from_civil(year, month, 31);
    last - i64::try_from((weekday(last) + 1) % 7).unwrap_or(0)
}

/// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `HH:MM` (or `H:MM`) to minutes after midnight; `24:00` is allowed as an end.
pub fn parse_time(text: &str) -> Option<u16> {
    let (h, m) = text.trim().split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    if m >= 60 || h > 24 || (h == 24 && m > 0) {
        return None;
    }
    Some(h * 60 + m)
}

/// Parses one weekday's form field: "08:00-12:00, 14:00-17:30" (empty: closed).
pub fn parse_day(text: &str) -> Result<Vec<(u16, u16)>, String> {
    let mut out: Vec<(u16, u16)> = Vec::new();
    for part in text
        .split([',', ';'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let (a, b) = part
            .split_once(['-', '–'])
            .ok_or_else(|| format!("„{part}“ ist keine Zeitspanne wie 08:00-12:00."))?;
        let (a, b) = match (parse_time(a), parse_time(b)) {
            (Some(a), Some(b)) => (a, b),
            _ => return Err(format!("„{part}“ ist keine Zeitspanne wie 08:00-12:00.")),
        };
        if a >= b {
            return Err(format!("In „{part}“ muss das Ende nach dem Beginn liegen."));
        }
        out.push((a, b));
    }
    out.sort_unstable();
    if out.windows(2).any(|w| w[0].1 > w[1].0) {
        return Err("Die Zeitspannen eines Tages dürfen sich nicht überschneiden.".into());
    }
    Ok(out)
}

/// `08:00`.
pub fn clock(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// `8` for full hours, else `17:30`.
fn clock_short(minutes: u16) -> String {
    if minutes.is_multiple_of(60) {
        (minutes / 60).to_string()
    } else {
        format!("{}:{:02}", minutes / 60, minutes % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unix ms of a UTC date and time.
    fn utc(y: i64, mo: u32, d: u32, h: i64, mi: i64) -> i64 {
        days_from_civil(y, mo, d) * DAY_MS + h * HOUR_MS + mi * 60_000
    }

    fn musterkreis() -> OpeningHours {
        let mut days: [Vec<(u16, u16)>; 7] = Default::default();
        for (i, day) in days.iter_mut().enumerate().take(5) {
            day.push((8 * 60, 12 * 60));
            if i == 3 {
                day.push((14 * 60, 17 * 60 + 30));
            }
        }
        OpeningHours {
            days,
            closed: vec!["2026-12-24".into()],
        }
    }

    #[test]
    fn summer_time_switches_on_the_last_sundays_at_one_utc() {
        // 2026: 29 March and 25 October.
        assert_eq!(berlin_offset_ms(utc(2026, 3, 29, 0, 59)), HOUR_MS);
        assert_eq!(berlin_offset_ms(utc(2026, 3, 29, 1, 0)), 2 * HOUR_MS);
        assert_eq!(berlin_offset_ms(utc(2026, 10, 25, 0, 59)), 2 * HOUR_MS);
        assert_eq!(berlin_offset_ms(utc(2026, 10, 25, 1, 0)), HOUR_MS);
        assert_eq!(berlin_offset_ms(utc(2027, 1, 10, 12, 0)), HOUR_MS);
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(
            crate::civil_from_days(days_from_civil(2028, 2, 29)),
            (2028, 2, 29)
        );
    }

    #[test]
    fn the_status_says_when_it_opens_next_in_german_local_time() {
        let h = musterkreis();
        let cases = [
            // Saturday 21 Nov 2026, 15:00 CET: Monday opens.
            (
                utc(2026, 11, 21, 14, 0),
                "Jetzt geschlossen, am Montag ab 8 Uhr geöffnet.",
            ),
            // Sunday evening: tomorrow.
            (
                utc(2026, 11, 22, 19, 0),
                "Jetzt geschlossen, morgen ab 8 Uhr geöffnet.",
            ),
            // Monday 07:30 CET (06:30 UTC): today at 8.
            (
                utc(2026, 11, 23, 6, 30),
                "Jetzt geschlossen, heute ab 8 Uhr geöffnet.",
            ),
            // Monday 08:00 CET.
            (utc(2026, 11, 23, 7, 0), "Jetzt geöffnet bis 12 Uhr."),
            // Thursday 12:30 CET: the afternoon opening.
            (
                utc(2026, 11, 26, 11, 30),
                "Jetzt geschlossen, heute ab 14 Uhr geöffnet.",
            ),
            (utc(2026, 11, 26, 13, 0), "Jetzt geöffnet bis 17:30 Uhr."),
            // Summer: Monday 8 July 07:30 UTC is 09:30 CEST, open; 10:30 UTC is 12:30, closed.
            (utc(2026, 7, 6, 7, 30), "Jetzt geöffnet bis 12 Uhr."),
            (
                utc(2026, 7, 6, 10, 30),
                "Jetzt geschlossen, morgen ab 8 Uhr geöffnet.",
            ),
            // 23 Dec (Wednesday) afternoon: 24 Dec is closed, so Friday.
            (
                utc(2026, 12, 23, 15, 0),
                "Jetzt geschlossen, am Freitag ab 8 Uhr geöffnet.",
            ),
        ];
        for (at, want) in cases {
            assert_eq!(h.status_at(at), want, "{}", crate::format_time(at));
        }
        assert_eq!(
            OpeningHours::default().status_at(0),
            "Jetzt geschlossen.",
            "no hours at all"
        );
    }

    #[test]
    fn hours_round_trip_through_the_settings_and_forms_are_checked() {
        let h = musterkreis();
        let mut settings = serde_json::json!({ "opening_hours": h.to_settings() });
        settings["closed_days"] = serde_json::json!(["2026-12-24"]);
        assert_eq!(OpeningHours::from_settings(&settings), Some(h.clone()));
        assert_eq!(OpeningHours::from_settings(&serde_json::json!({})), None);
        assert!(h.summary().starts_with("Montag 8–12 Uhr, "));
        assert!(h.summary().contains("Donnerstag 8–12 und 14–17:30 Uhr"));
        assert_eq!(
            parse_day("08:00-12:00, 14:00–17:30"),
            Ok(vec![(480, 720), (840, 1050)])
        );
        assert_eq!(parse_day(" "), Ok(vec![]));
        for bad in [
            "8-12",
            "12:00-08:00",
            "08:00-12:00, 11:00-13:00",
            "25:00-26:00",
            "08:60-09:00",
        ] {
            assert!(parse_day(bad).is_err(), "{bad}");
        }
    }
}
