//! The built-in knowledge base, embedded at build time from `content/`.

use std::collections::HashMap;

use lotse_core::content::{Answer, parse_answer};

include!(concat!(env!("OUT_DIR"), "/builtin_answers.rs"));

pub const TAXONOMY_TSV: &str = include_str!("../../../content/taxonomy.tsv");
pub const SHARED_VARIABLES_YAML: &str = include_str!("../../../content/variables.yaml");
pub const SYNONYMS_YAML: &str = include_str!("../../../content/synonyms.yaml");
pub const TRANSLATIONS_YAML: &str = include_str!("../../../content/translations.yaml");
pub const DEMO_TENANT_YAML: &str = include_str!("../../../content/demo-tenant.yaml");

/// A topic of the taxonomy.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Topic {
    pub slug: String,
    pub group: String,
    pub title: String,
}

/// The topic taxonomy (slug, group, German title).
pub fn taxonomy() -> Vec<Topic> {
    TAXONOMY_TSV
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut cols = l.split('\t');
            Some(Topic {
                slug: cols.next()?.trim().to_owned(),
                group: cols.next()?.to_owned(),
                title: cols.next()?.to_owned(),
            })
        })
        .filter(|t| !t.slug.is_empty())
        .collect()
}

/// Parses every built-in answer. Errors name the file.
pub fn answers() -> Result<Vec<Answer>, String> {
    ANSWER_FILES
        .iter()
        .map(|(name, text)| parse_answer(text).map_err(|e| format!("content/answers/{name}: {e}")))
        .collect()
}

/// Shared variables (amounts that change by law).
pub fn shared_variables() -> HashMap<String, String> {
    serde_yaml::from_str(SHARED_VARIABLES_YAML).unwrap_or_default()
}

#[derive(serde::Deserialize, Default)]
struct SynonymFile {
    #[serde(default)]
    groups: Vec<Vec<String>>,
}

/// The shared synonym groups.
pub fn synonyms() -> Vec<Vec<String>> {
    serde_yaml::from_str::<SynonymFile>(SYNONYMS_YAML)
        .map(|f| f.groups)
        .unwrap_or_default()
}

/// The shared cross-language glossary (`content/translations.yaml`), parsed once.
pub fn glossary() -> std::sync::Arc<lotse_core::glossary::Glossary> {
    static GLOSSARY: std::sync::OnceLock<std::sync::Arc<lotse_core::glossary::Glossary>> =
        std::sync::OnceLock::new();
    GLOSSARY
        .get_or_init(|| {
            let parsed = lotse_core::glossary::Glossary::from_yaml(TRANSLATIONS_YAML)
                .unwrap_or_else(|e| {
                    // The content tests parse it; a broken file only loses the translations.
                    tracing::error!(error = %e, "content/translations.yaml");
                    lotse_core::glossary::Glossary::default()
                });
            std::sync::Arc::new(parsed)
        })
        .clone()
}

/// The demo tenant definition.
#[derive(serde::Deserialize)]
pub struct DemoTenant {
    pub id: String,
    pub name: String,
    pub variables: HashMap<String, String>,
    /// The tenant settings document (structured opening hours).
    #[serde(default)]
    pub settings: serde_json::Value,
}

pub fn demo_tenant() -> Result<DemoTenant, String> {
    serde_yaml::from_str(DEMO_TENANT_YAML).map_err(|e| format!("content/demo-tenant.yaml: {e}"))
}
