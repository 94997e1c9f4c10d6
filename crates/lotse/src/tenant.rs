//! `lotse tenant …`: platform administration from the command line (the operator acts with the
//! platform-admin right; every action is audit-logged in the tenant acted on).

use std::io::{BufRead as _, IsTerminal as _};

use anyhow::{Context, Result};
use clap::Subcommand;
use lotse_app::App;
use lotse_app::platform::{Actor, TenantInfo};

#[derive(Subcommand)]
pub enum TenantCommand {
    /// List every tenant.
    List,
    /// Show one tenant with its settings and sharing.
    Show { id: String },
    /// Create an empty tenant (add its first admin with `lotse user add`).
    Create {
        id: String,
        #[arg(long)]
        name: String,
    },
    /// Rename a tenant (its display name; the id stays).
    Rename { id: String, name: String },
    /// Suspend a tenant: its citizens get an error, its staff cannot sign in.
    Suspend { id: String },
    /// Resume a suspended tenant.
    Resume { id: String },
    /// Delete a tenant and all its data. Asks for the id again (or give it with --confirm).
    Delete {
        id: String,
        #[arg(long)]
        confirm: Option<String>,
    },
    /// Subscribe a tenant to the shared knowledge maintained by another (`--base`), or end the
    /// subscription (`--none`).
    Subscribe {
        id: String,
        #[arg(long, conflicts_with = "none", required_unless_present = "none")]
        base: Option<String>,
        #[arg(long)]
        none: bool,
    },
}

pub async fn run(app: &App, command: TenantCommand) -> Result<()> {
    let by = Actor::Operator;
    match command {
        TenantCommand::List => {
            for t in app.platform_tenants(by).await? {
                println!("{}", line(&t));
            }
        }
        TenantCommand::Show { id } => {
            let t = app.platform_tenant(by, &id).await?;
            println!("{}", line(&t));
            println!(
                "Einstellungen: {}",
                serde_json::to_string_pretty(&t.tenant.settings)?
            );
            let mut vars: Vec<_> = app.db().variables(&id).await?.into_iter().collect();
            vars.sort();
            for (k, v) in vars {
                println!("  {{{{{k}}}}} = {v}");
            }
        }
        TenantCommand::Create { id, name } => {
            app.platform_create(by, &id, &name).await?;
            println!(
                "Jobcenter '{id}' angelegt. Erstes Konto: lotse user add --tenant {id} --role admin E-MAIL"
            );
        }
        TenantCommand::Rename { id, name } => {
            app.platform_rename(by, &id, &name).await?;
            println!("Jobcenter '{id}' heißt jetzt „{name}“.");
        }
        TenantCommand::Suspend { id } => {
            app.platform_suspend(by, &id, true).await?;
            println!("Jobcenter '{id}' gesperrt: keine Antworten, keine Anmeldung.");
        }
        TenantCommand::Resume { id } => {
            app.platform_suspend(by, &id, false).await?;
            println!("Jobcenter '{id}' wieder freigegeben.");
        }
        TenantCommand::Delete { id, confirm } => {
            let confirm = match confirm {
                Some(c) => c,
                None => ask_confirmation(&id)?,
            };
            app.platform_delete(by, &id, &confirm).await?;
            println!("Jobcenter '{id}' mit allen Daten gelöscht.");
        }
        TenantCommand::Subscribe { id, base, none: _ } => {
            app.set_subscription(&id, base.as_deref(), "cli").await?;
            app.settle().await;
            match base {
                Some(b) => println!("'{id}' bezieht jetzt das gemeinsame Wissen von '{b}'."),
                None => println!("'{id}' bezieht kein gemeinsames Wissen mehr."),
            }
        }
    }
    Ok(())
}

fn line(t: &TenantInfo) -> String {
    let mut out = format!(
        "{}\t{}\t{} Antworten",
        t.tenant.id, t.tenant.name, t.answers
    );
    if t.tenant.suspended_at.is_some() {
        out.push_str("\tGESPERRT");
    }
    if let Some(base) = &t.base {
        out.push_str(&format!("\tbezieht Wissen von {base}"));
    }
    if !t.subscribers.is_empty() {
        out.push_str(&format!("\tteilt Wissen mit {}", t.subscribers.join(", ")));
    }
    out
}

fn ask_confirmation(id: &str) -> Result<String> {
    anyhow::ensure!(
        std::io::stdin().is_terminal(),
        "to delete without a terminal, confirm with --confirm {id}"
    );
    eprintln!(
        "Das löscht '{id}' mit allen Antworten, Konten, Fragen und Protokollen. Zur Bestätigung die Kennung eintippen:"
    );
    let mut text = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut text)
        .context("reading the confirmation")?;
    Ok(text.trim().to_owned())
}
