//! Loads the configuration: built-in defaults < config file < `LOTSE__SECTION__KEY` environment
//! variables. The environment is passed in (never read globally elsewhere, never written back).

use std::path::Path;

use anyhow::{Context, Result, bail};
use lotse_app::Config;
use toml::{Table, Value};

/// The process environment's `LOTSE__…` variables.
pub fn env_vars() -> Vec<(String, String)> {
    std::env::vars()
        .filter(|(k, _)| k.starts_with("LOTSE__"))
        .collect()
}

/// Builds the effective configuration.
pub fn load(file: Option<&Path>, env: &[(String, String)]) -> Result<Config> {
    let mut tree = match Value::try_from(Config::default()).context("default configuration")? {
        Value::Table(t) => t,
        _ => bail!("default configuration is not a table"),
    };
    let default_file = Path::new("lotse.toml");
    let file = file.or_else(|| default_file.exists().then_some(default_file));
    if let Some(path) = file {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let table: Table = toml::from_str(&text)
            .with_context(|| format!("{} is not valid TOML", path.display()))?;
        merge(&mut tree, table);
    }
    for (key, raw) in env {
        let Some(path) = key.strip_prefix("LOTSE__") else {
            continue;
        };
        let parts: Vec<String> = path.split("__").map(str::to_lowercase).collect();
        if parts.len() != 2 || parts.iter().any(String::is_empty) {
            bail!("{key}: environment keys have the form LOTSE__SECTION__KEY");
        }
        let mut table = Table::new();
        let mut inner = Table::new();
        inner.insert(parts[1].clone(), parse_scalar(raw));
        table.insert(parts[0].clone(), Value::Table(inner));
        merge(&mut tree, table);
    }
    Value::Table(tree)
        .try_into()
        .context("invalid configuration")
}

/// An environment value as TOML: booleans and numbers typed, everything else a string.
fn parse_scalar(raw: &str) -> Value {
    if let Ok(b) = raw.parse::<bool>() {
        return Value::Boolean(b);
    }
    if let Ok(i) = raw.parse::<i64>() {
        return Value::Integer(i);
    }
    if let Ok(f) = raw.parse::<f64>() {
        return Value::Float(f);
    }
    Value::String(raw.to_owned())
}

fn merge(base: &mut Table, over: Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(Value::Table(b)), Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_beats_file_beats_defaults() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("lotse.toml");
        std::fs::write(
            &file,
            "[server]\nlisten = \"0.0.0.0:9000\"\n[rate_limit]\nper_minute = 10\n",
        )
        .expect("write");
        let env = vec![("LOTSE__RATE_LIMIT__ENABLED".to_owned(), "false".to_owned())];
        let cfg = load(Some(&file), &env).expect("loads");
        assert_eq!(cfg.server.listen, "0.0.0.0:9000", "file beats default");
        assert_eq!(cfg.rate_limit.per_minute, 10);
        assert!(!cfg.rate_limit.enabled, "env beats file");
        assert_eq!(cfg.limits.max_question_chars, 1000, "default stays");
        let env = vec![("LOTSE__RATE_LIMIT__PER_MINUTE".to_owned(), "7".to_owned())];
        assert_eq!(
            load(Some(&file), &env)
                .expect("loads")
                .rate_limit
                .per_minute,
            7,
            "env beats file"
        );
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors() {
        let env = vec![("LOTSE__SERVER__LISTN".to_owned(), "x".to_owned())];
        assert!(load(None, &env).is_err());
        let env = vec![(
            "LOTSE__RATE_LIMIT__ENABLED".to_owned(),
            "vielleicht".to_owned(),
        )];
        assert!(load(None, &env).is_err());
        let env = vec![("LOTSE__RATE_LIMIT".to_owned(), "1".to_owned())];
        assert!(load(None, &env).is_err());
    }
}
