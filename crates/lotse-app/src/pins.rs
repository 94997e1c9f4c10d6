//! Questions staff have just assigned to an answer in the inbox, answered exactly until the
//! rebuilt knowledge contains them as variants.
//!
//! Rebuilding a tenant's index (classifier training, calibration) takes most of a second, and
//! SPEC §2.5 promises that an assignment takes effect within a second. So an assignment first
//! *pins* the exact questions (folded, tokens only) to the answer, which the very next citizen
//! with that question gets at once, and rebuilds in the background, after which similar
//! questions get it too and the pins are dropped. Reading the pins is lock-free (an atomic
//! pointer), like the knowledge itself.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use arc_swap::ArcSwap;
use lotse_core::text::{fold, tokenize};

/// Per tenant: pinned question key → (sequence number, answer id).
type Map = HashMap<String, Arc<HashMap<String, (u64, String)>>>;

#[derive(Default)]
pub(crate) struct Pins {
    map: ArcSwap<Map>,
    seq: AtomicU64,
}

/// The key a question is pinned by: folded tokens, so case, umlaut spelling and punctuation
/// do not matter.
pub(crate) fn key(text: &str) -> String {
    tokenize(&fold(text)).join(" ")
}

impl Pins {
    /// The sequence number of the newest pin; a rebuild that starts reading the database
    /// after this was taken contains every pin up to it.
    pub(crate) fn current(&self) -> u64 {
        self.seq.load(Ordering::SeqCst)
    }

    /// Pins questions (already saved as variants) to an answer.
    pub(crate) fn add(&self, tenant: &str, questions: &[String], answer_id: &str) {
        let seq = self.seq.fetch_add(1, Ordering::SeqCst) + 1;
        self.map.rcu(|map| {
            let mut map = Map::clone(map);
            let mut pins = map.get(tenant).map(|p| (**p).clone()).unwrap_or_default();
            for q in questions {
                let k = key(q);
                if !k.is_empty() {
                    pins.insert(k, (seq, answer_id.to_owned()));
                }
            }
            map.insert(tenant.to_owned(), Arc::new(pins));
            map
        });
    }

    /// The answer a question is pinned to.
    pub(crate) fn get(&self, tenant: &str, text: &str) -> Option<String> {
        let map = self.map.load();
        let pins = map.get(tenant)?;
        if pins.is_empty() {
            return None;
        }
        pins.get(&key(text)).map(|(_, id)| id.clone())
    }

    /// Drops the pins that a rebuild which started at `upto` contains.
    pub(crate) fn drop_upto(&self, tenant: &str, upto: u64) {
        if self.map.load().get(tenant).is_none() {
            return;
        }
        self.map.rcu(|map| {
            let mut map = Map::clone(map);
            if let Some(p) = map.get(tenant) {
                let kept: HashMap<String, (u64, String)> = p
                    .iter()
                    .filter(|(_, (seq, _))| *seq > upto)
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                if kept.is_empty() {
                    map.remove(tenant);
                } else {
                    map.insert(tenant.to_owned(), Arc::new(kept));
                }
            }
            map
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_match_spelling_variants_and_are_dropped_by_a_later_rebuild() {
        let pins = Pins::default();
        pins.add("a", &["Zuschuss zum Deutschlandticket?".into()], "ticket");
        assert_eq!(
            pins.get("a", "zuschuss  zum deutschlandticket").as_deref(),
            Some("ticket")
        );
        assert_eq!(pins.get("b", "Zuschuss zum Deutschlandticket?"), None);
        let before = pins.current();
        pins.add("a", &["Übernahme?".into()], "other");
        pins.drop_upto("a", before);
        assert_eq!(pins.get("a", "Zuschuss zum Deutschlandticket?"), None);
        assert_eq!(pins.get("a", "uebernahme").as_deref(), Some("other"));
        pins.drop_upto("a", pins.current());
        assert_eq!(pins.get("a", "Übernahme"), None);
    }
}
