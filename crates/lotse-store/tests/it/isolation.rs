//! Property test of tenant isolation in the store: random sequences of reads and writes by two
//! tenants over the same pool of ids (answers, messages, accounts, shared decisions, variables),
//! so that one tenant keeps naming the other's ids. Every datum is stamped with the tenant that
//! wrote it; after every step each read returns exactly what a per-tenant model says, and only
//! data stamped with the reading tenant.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use lotse_core::content::Answer;
use lotse_store::{Db, LocalMode, MessageRecord};
use proptest::prelude::*;

const TENANTS: [&str; 2] = ["a", "b"];
const IDS: [&str; 4] = ["x", "y", "z", "w"];

#[derive(Debug, Clone, Copy)]
enum Op {
    SaveAnswer,
    ReadAnswer,
    History,
    Message,
    Feedback,
    AddUser,
    DeleteUser,
    SetRole,
    Hide,
    Variable,
}

fn op() -> impl Strategy<Value = (usize, Op, usize)> {
    let kind = prop_oneof![
        Just(Op::SaveAnswer),
        Just(Op::ReadAnswer),
        Just(Op::History),
        Just(Op::Message),
        Just(Op::Feedback),
        Just(Op::AddUser),
        Just(Op::DeleteUser),
        Just(Op::SetRole),
        Just(Op::Hide),
        Just(Op::Variable),
    ];
    (0..TENANTS.len(), kind, 0..IDS.len())
}

/// What each tenant should hold.
#[derive(Default)]
struct Model {
    answers: BTreeMap<String, Vec<String>>,
    messages: BTreeSet<String>,
    feedback: BTreeSet<String>,
    users: BTreeSet<String>,
    hidden: BTreeSet<String>,
    variables: HashMap<String, String>,
}

fn email(id: &str) -> String {
    format!("{id}@example.org")
}

async fn run(ops: &[(usize, Op, usize)]) -> Result<(), TestCaseError> {
    let db = Db::open_url("sqlite::memory:").await.expect("db");
    let mut models: [Model; 2] = Default::default();
    for (i, t) in TENANTS.iter().enumerate() {
        db.create_tenant(t, t).await.expect("tenant");
        // Each tenant keeps an admin, so deleting the pool's accounts is never the last admin.
        let admin = format!("admin@{t}.example");
        db.insert_user(t, &admin, "admin", "$argon2id$x", false)
            .await
            .expect("admin");
        models[i].users.insert(admin);
    }
    for (step, &(ti, op, idi)) in ops.iter().enumerate() {
        let (t, id) = (TENANTS[ti], IDS[idi]);
        let m = &mut models[ti];
        match op {
            Op::SaveAnswer => {
                let body = format!("{t}:{step}");
                let a = Answer::new(
                    id,
                    t,
                    vec!["antrag-erstantrag".into()],
                    vec![body.clone()],
                    &body,
                );
                db.save_answer(t, &a, t).await.expect("save");
                m.answers.entry(id.into()).or_default().push(body);
            }
            Op::ReadAnswer => {
                let got = db.answer(t, id).await.ok().map(|a| a.body);
                prop_assert_eq!(got, m.answers.get(id).and_then(|v| v.last().cloned()));
            }
            Op::History => {
                let got = db.answer_history(t, id).await.map(|h| h.len()).unwrap_or(0);
                prop_assert_eq!(got, m.answers.get(id).map_or(0, Vec::len));
            }
            Op::Message => {
                let record = MessageRecord {
                    tenant_id: t.into(),
                    id: id.into(),
                    conversation_id: id.into(),
                    text_redacted: t.into(),
                    kind: "fallback".into(),
                    answer_id: None,
                    confidence: 0.0,
                    created_at: i64::try_from(step).expect("step"),
                };
                db.insert_messages(&[record]).await.expect("message");
                m.messages.insert(id.into());
            }
            Op::Feedback => {
                let done = db.insert_feedback(t, id, false, Some(t)).await;
                prop_assert_eq!(done.is_ok(), m.messages.contains(id));
                if done.is_ok() {
                    m.feedback.insert(id.into());
                }
            }
            Op::AddUser => {
                // Addresses are unique across tenants: the other tenant's is refused.
                let taken = models.iter().any(|o| o.users.contains(&email(id)));
                let done = db.insert_user(t, &email(id), "editor", t, false).await;
                prop_assert_eq!(done.is_ok(), !taken);
                if done.is_ok() {
                    models[ti].users.insert(email(id));
                }
            }
            Op::DeleteUser => {
                let done = db.delete_user(t, &email(id)).await;
                prop_assert_eq!(done.is_ok(), m.users.remove(&email(id)));
            }
            Op::SetRole => {
                let done = db.set_user_role(t, &email(id), "viewer").await;
                prop_assert_eq!(done.is_ok(), m.users.contains(&email(id)));
            }
            Op::Hide => {
                db.set_shared_local(t, id, Some((LocalMode::Hidden, None)), t)
                    .await
                    .expect("hide");
                m.hidden.insert(id.into());
            }
            Op::Variable => {
                let vars = HashMap::from([(id.to_owned(), t.to_owned())]);
                db.set_variables(t, &vars).await.expect("vars");
                m.variables.insert(id.into(), t.into());
            }
        }
        check(&db, &models).await?;
    }
    Ok(())
}

/// Every read of every tenant equals its model and holds only data stamped with it.
async fn check(db: &Db, models: &[Model; 2]) -> Result<(), TestCaseError> {
    for (t, m) in TENANTS.iter().zip(models) {
        let answers = db.answers(t).await.expect("answers");
        let ids: Vec<&str> = answers.iter().map(|a| a.id.as_str()).collect();
        prop_assert_eq!(
            ids,
            m.answers.keys().map(String::as_str).collect::<Vec<_>>()
        );
        for a in &answers {
            prop_assert!(a.body.starts_with(&format!("{t}:")), "{} in {}", a.body, t);
        }
        let messages = db.messages(t, 100).await.expect("messages");
        for msg in &messages {
            prop_assert_eq!(&msg.tenant_id, t);
            prop_assert_eq!(&msg.text_redacted, t);
        }
        let ids: BTreeSet<String> = messages.into_iter().map(|m| m.id).collect();
        prop_assert_eq!(&ids, &m.messages);
        let (up, down) = db.feedback_counts(t).await.expect("feedback");
        prop_assert_eq!((up, down), (0, i64::try_from(m.feedback.len()).expect("n")));
        let users: BTreeSet<String> = db
            .users(t)
            .await
            .expect("users")
            .into_iter()
            .map(|u| {
                assert_eq!(u.tenant_id, *t);
                u.email
            })
            .collect();
        prop_assert_eq!(&users, &m.users);
        let hidden: BTreeSet<String> = db
            .shared_local(t)
            .await
            .expect("local")
            .into_keys()
            .collect();
        prop_assert_eq!(&hidden, &m.hidden);
        prop_assert_eq!(&db.variables(t).await.expect("vars"), &m.variables);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn random_cross_tenant_accesses_never_cross(ops in proptest::collection::vec(op(), 1..24)) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(run(&ops))?;
    }
}
