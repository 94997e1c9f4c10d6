//! The background writer for citizen questions: answering never waits for the database.
//! Records are batched into one transaction; a full queue drops records (counted in the log)
//! rather than slowing answers down.

use lotse_store::{Db, MessageRecord};
use tokio::sync::{mpsc, oneshot};

enum Job {
    Record(MessageRecord),
    Flush(oneshot::Sender<()>),
}

pub struct Writer {
    tx: mpsc::Sender<Job>,
}

const QUEUE: usize = 20_000;
const BATCH: usize = 500;

impl Writer {
    pub fn spawn(db: Db) -> Writer {
        let (tx, mut rx) = mpsc::channel::<Job>(QUEUE);
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(BATCH);
            let mut waiting = Vec::new();
            while let Some(job) = rx.recv().await {
                let mut next = Some(job);
                while let Some(job) = next.take() {
                    match job {
                        Job::Record(r) => batch.push(r),
                        Job::Flush(done) => waiting.push(done),
                    }
                    if batch.len() < BATCH {
                        next = rx.try_recv().ok();
                    }
                }
                if let Err(e) = db.insert_messages(&batch).await {
                    tracing::error!(error = %e, lost = batch.len(), "could not store citizen questions");
                }
                batch.clear();
                for done in waiting.drain(..) {
                    let _ = done.send(());
                }
            }
        });
        Writer { tx }
    }

    pub fn record(&self, record: MessageRecord) {
        if self.tx.try_send(Job::Record(record)).is_err() {
            tracing::warn!("question log queue full: a question was not stored");
        }
    }

    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Job::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}
