//! Groups similar questions, so that 40 phrasings of one new issue show up in the staff inbox
//! as one cluster (SPEC §2.5).
//!
//! Each question is analysed like the engine analyses its knowledge base ([`Analyzer`]:
//! folding, the shared synonyms, compound splitting into parts that occur in the other
//! questions, stemming) and becomes a vector of its stems plus the character 3–5-grams
//! of its words (which survive typos and word forms). Clustering is greedy with centroids, in
//! the given order: a question joins the cluster whose centroid is most similar (cosine) if
//! that similarity reaches the threshold, else it starts a new cluster; then clusters whose
//! centroids reach the threshold are merged. That is linear in questions × clusters and, unlike
//! single-link, does not chain unrelated questions through a few in-between ones.

use std::collections::HashMap;

use crate::analyze::{Analyzer, Synonyms};

/// Cosine similarity a question needs to join a cluster. Measured on the unit tests' German
/// phrasings: the result is the same for every threshold from 0.2 to 0.35 (one issue's 40
/// phrasings share a cluster, other issues with words in common stay apart); 0.3 is in the
/// middle, leaning towards keeping issues apart.
pub const DEFAULT_THRESHOLD: f32 = 0.3;

const GRAM_MIN: usize = 3;
const GRAM_MAX: usize = 5;

type Vector = HashMap<String, f32>;

/// One cluster: indexes into the input, the most typical question first.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    pub members: Vec<usize>,
}

impl Cluster {
    /// The question closest to the cluster's centroid.
    pub fn representative(&self) -> usize {
        self.members[0]
    }
}

fn features(analyzer: &Analyzer, text: &str) -> Vector {
    let analysis = analyzer.analyze_document(text);
    let mut v: Vector = HashMap::new();
    for word in &analysis.words {
        let padded: Vec<char> = format!(" {word} ").chars().collect();
        for n in GRAM_MIN..=GRAM_MAX {
            for w in padded.windows(n) {
                *v.entry(w.iter().collect()).or_default() += 1.0;
            }
        }
    }
    for term in &analysis.terms {
        // Whole stems count more than single n-grams: "antrag" and "anrufen" share "an".
        *v.entry(format!("\u{1}{}", term.stem)).or_default() += 3.0 * term.weight;
    }
    v
}

fn normalise(v: &mut Vector) {
    let norm = v.values().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.values_mut().for_each(|x| *x /= norm);
    }
}

fn dot(a: &Vector, b: &Vector) -> f32 {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    small
        .iter()
        .filter_map(|(k, x)| large.get(k).map(|y| x * y))
        .sum()
}

fn add(sum: &mut Vector, v: &Vector) {
    for (k, x) in v {
        *sum.entry(k.clone()).or_default() += x;
    }
}

fn unit(v: &Vector) -> Vector {
    let mut u = v.clone();
    normalise(&mut u);
    u
}

/// L2-normalised feature vectors of the texts. There is deliberately no IDF over the inbox:
/// the word that 40 phrasings of one issue share ("Deutschlandticket") is exactly what should
/// hold them together, and IDF would weigh it down; stop words already weigh little.
pub fn vectors(texts: &[&str], synonyms: &Synonyms) -> Vec<HashMap<String, f32>> {
    let analyzer = Analyzer::new(texts.iter().copied(), synonyms.clone());
    let mut vs: Vec<Vector> = texts.iter().map(|t| features(&analyzer, t)).collect();
    vs.iter_mut().for_each(normalise);
    vs
}

/// Clusters `texts` (see the module docs); largest clusters first, ties by first occurrence.
pub fn cluster(texts: &[&str], synonyms: &Synonyms, threshold: f32) -> Vec<Cluster> {
    let vs = vectors(texts, synonyms);
    // (member indexes, sum of member vectors, unit centroid)
    let mut groups: Vec<(Vec<usize>, Vector, Vector)> = Vec::new();
    for (i, v) in vs.iter().enumerate() {
        if v.is_empty() {
            groups.push((vec![i], v.clone(), v.clone()));
            continue;
        }
        let best = groups
            .iter()
            .enumerate()
            .map(|(g, (_, _, c))| (g, dot(v, c)))
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match best {
            Some((g, sim)) if sim >= threshold => {
                let (members, sum, centroid) = &mut groups[g];
                members.push(i);
                add(sum, v);
                *centroid = unit(sum);
            }
            _ => groups.push((vec![i], v.clone(), v.clone())),
        }
    }
    // Merge clusters that grew towards each other (one pass).
    let mut a = 0;
    while a < groups.len() {
        let mut b = a + 1;
        while b < groups.len() {
            // Two single questions were compared when the second was placed already.
            let both_single = groups[a].0.len() == 1 && groups[b].0.len() == 1;
            if !both_single
                && !groups[a].2.is_empty()
                && dot(&groups[a].2, &groups[b].2) >= threshold
            {
                let (members, sum, _) = groups.remove(b);
                groups[a].0.extend(members);
                add(&mut groups[a].1, &sum);
                groups[a].2 = unit(&groups[a].1);
            } else {
                b += 1;
            }
        }
        a += 1;
    }
    let mut clusters: Vec<Cluster> = groups
        .into_iter()
        .map(|(mut members, _, centroid)| {
            members.sort_by(|&x, &y| dot(&vs[y], &centroid).total_cmp(&dot(&vs[x], &centroid)));
            Cluster { members }
        })
        .collect();
    clusters.sort_by_key(|c| {
        (
            std::cmp::Reverse(c.members.len()),
            c.members.iter().copied().min(),
        )
    });
    clusters
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 40 ways citizens ask whether the job centre pays for the Deutschlandticket.
    const TICKET: &[&str] = &[
        "Bekomme ich einen Zuschuss zum Deutschlandticket?",
        "Zahlt das Jobcenter das Deutschlandticket?",
        "Gibt es das Deutschlandticket günstiger mit Bürgergeld?",
        "deutschlandticket jobcenter",
        "Wird mir das Deutschlandticket erstattet?",
        "Übernimmt ihr die Kosten für das Deutschland-Ticket?",
        "Kann ich ein ermäßigtes Deutschlandticket bekommen?",
        "Gibt es Geld für das Deutschlandticket?",
        "deutschlandtiket zuschuss",
        "Bezahlt das Amt mein Deutschlandticket?",
        "Deutschlandticket für Bürgergeldempfänger?",
        "Wie bekomme ich das Deutschlandticket als Sozialticket?",
        "Ist das Deutschlandticket im Regelsatz enthalten?",
        "Muss ich das Deutschlandticket selbst bezahlen?",
        "Deutschlandticket Kostenübernahme",
        "Hilft mir das Jobcenter beim Deutschlandticket?",
        "Zuschuss Deutschlandticket Hartz 4",
        "Bekomme ich das Deutschlandticket umsonst?",
        "Gibt es ein vergünstigtes Deutschlandticket?",
        "deutschland ticket bezahlt ihr das",
        "Wer zahlt mein Deutschlandticket?",
        "Kriege ich das Deutschlandticket billiger?",
        "Deutschlandticket ermäßigt beantragen",
        "Kann das Jobcenter das Deutschlandticket übernehmen?",
        "Ich brauche das Deutschlandticket für Bewerbungen, zahlt ihr das?",
        "Deutschlandticket Erstattung",
        "Deutschlandticket bezuschusst?",
        "Gibt es für Bürgergeld ein Deutschlandticket?",
        "Das Deutschlandticket ist zu teuer, gibt es Hilfe?",
        "Deutschlandticket Sozialrabatt",
        "Wo beantrage ich den Zuschuss zum Deutschlandticket?",
        "Deutschlandticket für Arbeitslose",
        "Gibt es Unterstützung beim Deutschlandticket?",
        "Zahlt ihr das deutschlandticket",
        "Deutschlandticket vom Jobcenter",
        "Deutschlandticket Förderung Jobcenter",
        "Bekomme ich ein Deutschlandticket geschenkt?",
        "Deutschlandticket mit Bescheid günstiger?",
        "Deutschlandticket Kosten",
        "Gibt es einen Rabatt für das Deutschlandticket?",
    ];

    /// Other issues, with words in common with the ticket questions and each other.
    const HEATING: &[&str] = &[
        "Zahlt das Jobcenter meine Heizkostennachzahlung?",
        "Ich habe eine Nachzahlung für die Heizkosten bekommen",
        "Heizkosten Nachzahlung übernehmen?",
        "Wer zahlt die Nachzahlung der Heizkosten?",
        "Nachzahlung Heizkostenabrechnung Jobcenter",
    ];
    const PRINTER: &[&str] = &[
        "Gibt es einen Drucker im Jobcenter für Bewerbungen?",
        "Kann ich im Jobcenter etwas ausdrucken?",
        "Drucker Jobcenter benutzen",
    ];

    fn share_of_largest(clusters: &[Cluster], of: std::ops::Range<usize>) -> usize {
        clusters
            .iter()
            .map(|c| c.members.iter().filter(|m| of.contains(m)).count())
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn forty_phrasings_of_one_issue_become_one_cluster() {
        let texts: Vec<&str> = TICKET
            .iter()
            .chain(HEATING)
            .chain(PRINTER)
            .copied()
            .collect();
        let clusters = cluster(&texts, &Synonyms::default(), DEFAULT_THRESHOLD);
        let ticket = 0..TICKET.len();
        let heating = TICKET.len()..TICKET.len() + HEATING.len();
        let printer = heating.end..texts.len();
        assert_eq!(
            share_of_largest(&clusters, ticket.clone()),
            TICKET.len(),
            "{clusters:?}"
        );
        let first = &clusters[0];
        assert!(
            first.members.iter().all(|m| ticket.contains(m)),
            "largest first, and pure: {:?}",
            first.members.iter().map(|&m| texts[m]).collect::<Vec<_>>()
        );
        assert_eq!(share_of_largest(&clusters, heating.clone()), HEATING.len());
        for c in &clusters {
            let mixes = [&ticket, &heating, &printer]
                .iter()
                .filter(|r| c.members.iter().any(|m| r.contains(m)))
                .count();
            assert_eq!(mixes, 1, "a cluster mixes issues: {c:?}");
        }
        assert!(
            texts[first.representative()]
                .to_lowercase()
                .contains("deutschlandticket")
        );
    }

    #[test]
    fn unrelated_questions_stay_apart_and_order_is_by_size() {
        let texts = [
            "Wie wird das Wetter morgen?",
            "Zahlt das Jobcenter meine Heizkostennachzahlung?",
            "Wer zahlt die Nachzahlung der Heizkosten?",
            "Xylophon Quadratwurzel Gurkensalat",
        ];
        let clusters = cluster(&texts, &Synonyms::default(), DEFAULT_THRESHOLD);
        assert_eq!(clusters.len(), 3, "{clusters:?}");
        assert_eq!(clusters[0].members.len(), 2);
        assert_eq!(clusters[1].members, vec![0], "ties keep the input order");
    }

    #[test]
    fn synonyms_bring_old_and_new_names_together() {
        let synonyms = Synonyms::new(&[vec!["buergergeld", "hartz 4", "alg 2"]]);
        let texts = [
            "Hartz 4 Mehrbedarf Schwangerschaft",
            "ALG 2 Mehrbedarf Schwangerschaft",
        ];
        let clusters = cluster(&texts, &synonyms, DEFAULT_THRESHOLD);
        assert_eq!(clusters.len(), 1);
        let vs = vectors(&texts, &synonyms);
        assert!(dot(&vs[0], &vs[1]) > 0.99, "identical after synonyms");
    }

    #[test]
    fn empty_and_punctuation_only_questions_do_not_panic() {
        let clusters = cluster(
            &["", "???", "Deutschlandticket?"],
            &Synonyms::default(),
            0.3,
        );
        assert_eq!(clusters.iter().map(|c| c.members.len()).sum::<usize>(), 3);
        assert!(cluster(&[], &Synonyms::default(), 0.3).is_empty());
    }
}
