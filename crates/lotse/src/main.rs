//! The `lotse` binary: command line, configuration, telemetry and wiring. Thin on purpose:
//! every command calls into `lotse-app` (use cases) or `lotse-server` (HTTP).

mod config;
mod eval;
mod speech;
mod tenant;

use std::io::Read as _;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use lotse_app::App;
use lotse_app::formats::Format;
use lotse_store::Db;

#[derive(Parser)]
#[command(
    name = "lotse",
    version,
    about = "Lotse – Fragen und Antworten für Jobcenter (on-premise)"
)]
struct Cli {
    /// Configuration file (default: ./lotse.toml if it exists).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Data directory (SQLite database).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (creates the demo tenant on first start).
    Serve {
        #[arg(long)]
        listen: Option<String>,
    },
    /// Import content into a tenant.
    Import {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        create_tenant: bool,
        #[arg(long, default_value = "lotse")]
        format: String,
        file: PathBuf,
    },
    /// Export a tenant's content (to stdout or --output).
    Export {
        #[arg(long)]
        tenant: String,
        #[arg(long, default_value = "lotse")]
        format: String,
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Ask one question from the terminal.
    Ask {
        #[arg(long, default_value = "demo")]
        tenant: String,
        /// Show why: matched variant, score parts, runner-up answers.
        #[arg(long)]
        explain: bool,
        question: Vec<String>,
    },
    /// Evaluate JSONL questions (`{"text", "expect": [slugs]}`) against a tenant.
    Eval {
        #[arg(long, default_value = "demo")]
        tenant: String,
        /// Print every question, not only the summary and the misses.
        #[arg(long)]
        verbose: bool,
        file: PathBuf,
    },
    /// Run the nightly learning job now: re-fit, check the regression suite, swap in if not
    /// worse, record yesterday's figures (all tenants, or one).
    Retrain {
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Platform administration: tenants (job centres) and their shared knowledge.
    Tenant {
        #[command(subcommand)]
        command: tenant::TenantCommand,
    },
    /// Move a whole installation to another database, e.g. `--from sqlite:///var/lib/lotse/lotse.db
    /// --to postgres://lotse@db/lotse` (or back). The target must have no tenants; the source
    /// is only read. Stop the servers first, or changes made meanwhile stay behind.
    MigrateStore {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
    },
    /// Write a consistent copy of the SQLite database to FILE, also while Lotse runs
    /// (PostgreSQL: pg_dump, see docs/operations.md).
    Backup { file: PathBuf },
    /// Replace the SQLite database with a backup. Stop Lotse first.
    Restore { file: PathBuf },
    /// Staff accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Speech models (whisper.cpp): list, check, install.
    Models {
        #[command(subcommand)]
        command: ModelsCommand,
    },
    /// Configuration commands.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a staff account. The password is read from stdin when stdin is not a terminal;
    /// otherwise a one-time password is printed, to be changed at the first sign-in.
    Add {
        #[arg(long)]
        tenant: String,
        /// admin | editor | reviewer | viewer
        #[arg(long)]
        role: String,
        /// Also grant the platform-admin right (manages all tenants at /admin/plattform).
        #[arg(long)]
        platform_admin: bool,
        email: String,
    },
    /// Grant (or with --off withdraw) the platform-admin right of an existing account.
    PlatformAdmin {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        off: bool,
        email: String,
    },
}

#[derive(Subcommand)]
enum ModelsCommand {
    /// The known model files and which are installed.
    List,
    /// Check a model file's size and checksum (default: the configured model).
    Check { file: Option<PathBuf> },
    /// Install a model into the data directory: from a local file, or downloaded from its
    /// official address.
    Install {
        /// base, base-q8_0, base-q5_1, small (or a file name such as ggml-base.bin)
        name: String,
        #[arg(long)]
        from: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration (defaults < lotse.toml < LOTSE__… environment).
    Print,
}

/// `lotse ask … | head -3`: when the reader of stdout goes away, `println!` panics with a broken
/// pipe. Like other command-line tools, stop quietly instead of printing a panic and a backtrace.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}

fn main() -> Result<()> {
    quiet_on_closed_stdout();
    let cli = Cli::parse();
    if matches!(cli.command, Command::Serve { .. }) {
        // Before any thread starts: may re-execute the process with OMP_WAIT_POLICY set.
        speech::ensure_passive_openmp();
    }
    let mut cfg = config::load(cli.config.as_deref(), &config::env_vars())?;
    if let Some(dir) = &cli.data_dir {
        cfg.server.data_dir = dir.clone();
    }
    if let Command::Serve {
        listen: Some(listen),
    } = &cli.command
    {
        cfg.server.listen = listen.clone();
    }
    cfg.validate()
        .map_err(anyhow::Error::msg)
        .context("invalid configuration")?;
    if let Command::Models { command } = &cli.command {
        return match command {
            ModelsCommand::List => {
                speech::list(&cfg);
                Ok(())
            }
            ModelsCommand::Check { file } => speech::check_file(&cfg, file.as_deref()),
            ModelsCommand::Install { name, from } => speech::install(&cfg, name, from.as_deref()),
        };
    }
    if let Command::Config {
        command: ConfigCommand::Print,
    } = &cli.command
    {
        print!(
            "{}",
            toml::to_string_pretty(&cfg).context("printing the configuration")?
        );
        return Ok(());
    }
    init_logging(&cfg.log);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(run(cli.command, cfg))
}

fn init_logging(log: &lotse_app::config::LogConfig) {
    // whisper.cpp reports every step of loading a model at info level: keep it to warnings
    // unless the configured filter names it.
    let level = if log.level.contains("whisper_rs") {
        log.level.clone()
    } else {
        format!("{},whisper_rs=warn", log.level)
    };
    let filter = tracing_subscriber::EnvFilter::try_new(&level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,whisper_rs=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if log.format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn open(cfg: &lotse_app::Config) -> Result<App> {
    let db = if cfg.database.url.is_empty() {
        Db::open_dir(&cfg.server.data_dir).await
    } else {
        Db::open_url(&cfg.database.url).await
    }
    .context("opening the database")?;
    let app = App::new(db, cfg.clone())
        .await
        .context("loading the knowledge")?;
    Ok(app)
}

async fn run(command: Command, cfg: lotse_app::Config) -> Result<()> {
    match command {
        Command::Serve { .. } => serve(cfg).await,
        Command::Import {
            tenant,
            create_tenant,
            format,
            file,
        } => {
            let format: Format = format.parse()?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let app = open(&cfg).await?;
            if create_tenant && app.kb(&tenant).is_err() {
                app.create_tenant(&tenant, &tenant).await?;
            }
            let n = app.import(&tenant, format, &text, "import").await?;
            println!("{n} Antworten in '{tenant}' importiert.");
            Ok(())
        }
        Command::Export {
            tenant,
            format,
            output,
        } => {
            let format: Format = format.parse()?;
            let app = open(&cfg).await?;
            let text = app.export(&tenant, format).await?;
            match output {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("writing {}", path.display()))?,
                None => print!("{text}"),
            }
            Ok(())
        }
        Command::Ask {
            tenant,
            explain,
            question,
        } => {
            let app = open(&cfg).await?;
            app.seed_demo().await?;
            app.load_semantic().await;
            let mut text = question.join(" ");
            if text.trim().is_empty() {
                std::io::stdin()
                    .read_to_string(&mut text)
                    .context("reading the question from stdin")?;
            }
            let explained = app.explain(&tenant, &text, None)?;
            app.flush().await;
            print_reply(&explained, explain);
            Ok(())
        }
        Command::Eval {
            tenant,
            verbose,
            file,
        } => {
            let app = open(&cfg).await?;
            app.seed_demo().await?;
            let state = app.load_semantic().await;
            eprintln!("{}", state.describe());
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let report = eval::run(&app, &tenant, &text, verbose)?;
            app.flush().await;
            print!("{report}");
            Ok(())
        }
        Command::Retrain { tenant } => retrain(&cfg, tenant.as_deref()).await,
        Command::MigrateStore { from, to } => migrate_store(&from, &to).await,
        Command::Backup { file } => backup(&cfg, &file).await,
        Command::Restore { file } => restore(&cfg, &file).await,
        Command::User {
            command:
                UserCommand::Add {
                    tenant,
                    role,
                    platform_admin,
                    email,
                },
        } => add_user(&cfg, &tenant, &role, &email, platform_admin).await,
        Command::User {
            command: UserCommand::PlatformAdmin { tenant, off, email },
        } => {
            let app = open(&cfg).await?;
            app.set_platform_admin(&tenant, &email, !off).await?;
            println!(
                "{email} in '{tenant}': Plattform-Verwaltung {}.",
                if off { "entzogen" } else { "erteilt" }
            );
            Ok(())
        }
        Command::Tenant { command } => {
            // No demo seeding here: a platform that deleted the demo tenant keeps it deleted.
            let app = open(&cfg).await?;
            tenant::run(&app, command).await
        }
        Command::Config { .. } | Command::Models { .. } => Ok(()),
    }
}

async fn retrain(cfg: &lotse_app::Config, tenant: Option<&str>) -> Result<()> {
    let app = open(cfg).await?;
    app.seed_demo().await?;
    app.load_semantic().await;
    let now = lotse_app::now_ms();
    let results = match tenant {
        Some(t) => vec![(
            t.to_owned(),
            lotse_app::retrain::run_once(&app, t, now, cfg.engine).await,
        )],
        None => lotse_app::retrain::run_all(&app, now).await,
    };
    let mut failed = 0;
    for (tenant, result) in results {
        match result {
            Ok(o) => {
                let t = &o.traffic;
                println!(
                    "{tenant}: {}\n  {} ({} ms). Tag {}: {} Fragen, {} beantwortet, {} Rückfragen, {} ohne Antwort, {} hilfreich / {} nicht hilfreich, {} offen im Eingang.",
                    if o.swapped {
                        "übernommen"
                    } else {
                        "NICHT übernommen"
                    },
                    o.reason,
                    o.build_ms,
                    o.day,
                    t.questions,
                    t.answered,
                    t.clarify,
                    t.fallback,
                    t.thumbs_up,
                    t.thumbs_down,
                    o.inbox_open
                );
                for lost in &o.lost {
                    println!("  verloren: {lost}");
                }
            }
            Err(e) => {
                failed += 1;
                println!("{tenant}: Fehler: {e}");
            }
        }
    }
    app.flush().await;
    anyhow::ensure!(failed == 0, "{failed} tenant(s) failed");
    Ok(())
}

async fn add_user(
    cfg: &lotse_app::Config,
    tenant: &str,
    role: &str,
    email: &str,
    platform_admin: bool,
) -> Result<()> {
    use std::io::IsTerminal as _;
    let role: lotse_app::Role = role.parse()?;
    let email = lotse_app::staff::normalize_email(email);
    let email = email.as_str();
    let password = if std::io::stdin().is_terminal() {
        None
    } else {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading the password from stdin")?;
        let line = text.lines().next().unwrap_or_default().to_owned();
        anyhow::ensure!(
            !line.is_empty(),
            "stdin is empty: pipe the password in, or run in a terminal for a one-time password"
        );
        Some(line)
    };
    let app = open(cfg).await?;
    app.seed_demo().await?;
    let one_time = app
        .add_user(tenant, email, role, password.as_deref())
        .await
        .with_context(|| format!("creating the account '{email}' in '{tenant}'"))?;
    if platform_admin {
        app.set_platform_admin(tenant, email, true).await?;
        println!("{email} hat das Recht zur Plattform-Verwaltung (/admin/plattform).");
    }
    match one_time {
        Some(pw) => println!(
            "Konto {email} ({role}) in '{tenant}' angelegt.\nEinmal-Passwort: {pw}\nBei der ersten Anmeldung unter /admin/login muss es geändert werden."
        ),
        None => println!("Konto {email} ({role}) in '{tenant}' angelegt."),
    }
    Ok(())
}

fn print_reply(e: &lotse_app::Explained, explain: bool) {
    let r = &e.reply;
    println!("Art: {}  (Sicherheit {:.2})", r.kind.as_str(), r.confidence);
    if let Some(a) = &r.answer {
        println!(
            "\n# {}  [{}]\n\n{}",
            a.title,
            a.topics.join(", "),
            a.body_markdown
        );
    }
    for alt in &r.alternatives {
        println!(
            "  Meinten Sie: {}  [{}] ({})",
            alt.title,
            alt.topics.join(", "),
            alt.id
        );
    }
    if explain {
        let d = &e.decision;
        println!("\n--- Erklärung ---");
        if d.emergency {
            println!("Notfall-Regel hat angeschlagen: nur Notfall-Antworten wurden betrachtet.");
        }
        println!(
            "Sprache: {}{}  ·  Bedeutung (Embedding): {}",
            d.language,
            if d.language_sure { "" } else { " (unsicher)" },
            if d.ranking.semantic {
                "einbezogen"
            } else {
                "nicht gefragt (Wortabgleich sicher genug, oder Modell nicht geladen)"
            }
        );
        println!("Begriffe: {}", d.ranking.terms.join(", "));
        for note in &d.ranking.notes {
            println!("{note}");
        }
        for c in &d.ranking.candidates {
            println!(
                "{:>6.3}  {:<40} classifier {:.3}  bm25 {:.3}  n-gram {:.3}  centroid {:.3}  via {:?} „{}“",
                c.score, c.id, c.classifier, c.bm25, c.ngram, c.centroid, c.matched_kind, c.matched
            );
            if let Some(cos) = c.semantic {
                println!(
                    "        lexikalisch {:.3}  semantisch: Kosinus {:.3} zu „{}“",
                    c.lexical,
                    cos,
                    c.semantic_matched.as_deref().unwrap_or("–")
                );
            }
        }
    }
}

async fn migrate_store(from: &str, to: &str) -> Result<()> {
    let source = Db::open_url(from)
        .await
        .context("opening the source database")?;
    let target = Db::open_url(to)
        .await
        .context("opening the target database")?;
    let started = std::time::Instant::now();
    let counts = source
        .copy_into(&target)
        .await
        .context("copying the installation")?;
    for (table, rows) in &counts {
        println!("{table:<20} {rows:>9} Zeilen");
    }
    anyhow::ensure!(
        source.dump().await? == target.dump().await?,
        "the copy differs from the source; the target is not usable"
    );
    println!(
        "Alle Daten übertragen und geprüft ({:.1} s). Stellen Sie database.url auf das Ziel um.",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The SQLite file the configuration names (`database.url` empty: `lotse.db` in the data
/// directory); an error for PostgreSQL.
fn sqlite_path(cfg: &lotse_app::Config) -> Result<PathBuf> {
    let url = cfg.database.url.as_str();
    if url.is_empty() {
        return Ok(cfg.server.data_dir.join("lotse.db"));
    }
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .context("backup and restore are for SQLite; back PostgreSQL up with pg_dump (docs/operations.md)")?;
    let path = path.split('?').next().unwrap_or_default();
    anyhow::ensure!(
        !path.is_empty() && path != ":memory:",
        "database.url names no SQLite file"
    );
    Ok(PathBuf::from(path))
}

async fn backup(cfg: &lotse_app::Config, file: &std::path::Path) -> Result<()> {
    let path = sqlite_path(cfg)?;
    anyhow::ensure!(path.exists(), "no database at {}", path.display());
    let db = Db::open_url(&format!("sqlite://{}", path.display()))
        .await
        .context("opening the database")?;
    db.backup_to(file)
        .await
        .with_context(|| format!("writing the backup to {}", file.display()))?;
    println!("Sicherung geschrieben: {}", file.display());
    Ok(())
}

/// Removes the write-ahead log and shared-memory files SQLite keeps beside a database.
fn remove_sqlite_sidecars(db: &std::path::Path) {
    for suffix in ["-wal", "-shm"] {
        let mut side = db.as_os_str().to_owned();
        side.push(suffix);
        let _ = std::fs::remove_file(side);
    }
}

async fn restore(cfg: &lotse_app::Config, file: &std::path::Path) -> Result<()> {
    let path = sqlite_path(cfg)?;
    anyhow::ensure!(file.exists(), "no backup at {}", file.display());
    // Check (and migrate, if it is older) a copy first; the database is replaced only by a
    // backup that opens and passes SQLite's integrity check.
    let staged = path.with_extension("db.restore");
    std::fs::copy(file, &staged)
        .with_context(|| format!("copying {} to {}", file.display(), staged.display()))?;
    let checked = async {
        let db = Db::open_url(&format!("sqlite://{}", staged.display()))
            .await
            .context("the backup cannot be opened as a Lotse database")?;
        let check = db.integrity_check().await?;
        let tenants = db.tenants().await?.len();
        db.close().await;
        anyhow::ensure!(check == "ok", "the backup is damaged: {check}");
        Ok(tenants)
    }
    .await;
    let tenants = match checked {
        Ok(tenants) => tenants,
        Err(e) => {
            // Leave nothing behind but the untouched database.
            let _ = std::fs::remove_file(&staged);
            remove_sqlite_sidecars(&staged);
            return Err(e);
        }
    };
    remove_sqlite_sidecars(&path);
    std::fs::rename(&staged, &path).with_context(|| format!("replacing {}", path.display()))?;
    println!(
        "Wiederhergestellt: {} ({tenants} Mandanten). Lotse kann wieder gestartet werden.",
        path.display()
    );
    Ok(())
}

async fn serve(cfg: lotse_app::Config) -> Result<()> {
    let started = std::time::Instant::now();
    let db = if cfg.database.url.is_empty() {
        Db::open_dir(&cfg.server.data_dir).await
    } else {
        Db::open_url(&cfg.database.url).await
    }
    .context("opening the database")?;
    let recognizer = speech::recognizer(&cfg);
    let app = App::with_recognizer(db, cfg.clone(), recognizer)
        .await
        .context("loading the knowledge")?;
    if app.seed_demo().await? {
        tracing::info!("created the demo tenant 'demo' with the built-in knowledge base");
    }
    // The embedding model loads in the background; until then questions are answered lexically.
    app.start_semantic();
    let listener = tokio::net::TcpListener::bind(&cfg.server.listen)
        .await
        .with_context(|| format!("cannot listen on {}", cfg.server.listen))?;
    let addr = listener.local_addr()?;
    // The nightly learning job: a plain task that sleeps until the configured hour (UTC).
    let nightly = cfg.retrain.nightly.then(|| {
        tracing::info!(hour_utc = cfg.retrain.hour_utc, "nightly re-fit scheduled");
        tokio::spawn(lotse_app::retrain::nightly(
            app.clone(),
            cfg.retrain.hour_utc,
        ))
    });
    // The retention job: deletes citizen data after each tenant's retention period, at
    // start-up and then daily (always on: the privacy notice promises it).
    let retention = tokio::spawn(lotse_app::retention::daily(app.clone()));
    // Several instances on one database: rebuild a tenant when another instance changed it
    // (PostgreSQL notifications, and a revision check every 30 s on every backend).
    let follow = tokio::spawn(lotse_app::cluster::follow(app.clone()));
    let state = lotse_server::AppState::new(app.clone(), lotse_server::install_metrics());
    let router = lotse_server::router(state);
    tracing::info!(%addr, ready_after_ms = started.elapsed().as_millis() as u64, "Lotse is ready: http://{addr}/t/demo");
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown())
    .await
    .context("server failed")?;
    if let Some(task) = nightly {
        task.abort();
    }
    retention.abort();
    follow.abort();
    app.flush().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}
