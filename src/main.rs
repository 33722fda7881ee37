//! The `kanbao` command line: a thin layer over the library crate.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{ArgGroup, Args, Parser, Subcommand};

use kanbao::app::{App, ambiguous_note, thousands};
use kanbao::config::{AmbiguousSetting, ColorSetting, Config, ThemeName};
use kanbao::terminal::probe::{self, Detected};
use kanbao::terminal::sgr::{self, Pen};
use kanbao::terminal::snapshot;
use kanbao::ui::Theme;
use kanbao_core::{Ambiguous, fit, str_width};
use kanbao_core::{Destination, Library, LibraryDb};
use kanbao_core::{Lazy, LineKind, TypesetOptions};
use kanbao_core::{Subscription, Subscriptions};
use kanbao_core::{sanitize, sanitize_line};
use ratatui::style::Modifier;

// The output rules. Everything kanbao prints goes through the sanitizer,
// as article text does: messages, warnings, errors (the whole anyhow chain)
// and the paths and URLs in them, which come from the user's disk or the
// network and may hold escape sequences. JSON goes through
// `kanbao_core::json_line`, XML through `kanbao_core::xml_attribute`.

/// `text` as kanbao prints it: escape sequences, other control characters
/// and bidi controls removed; line breaks kept.
fn shown(text: impl std::fmt::Display) -> String {
    sanitize(&text.to_string())
}

/// Prints a line on stdout, through [`shown`].
macro_rules! say {
    ($($arg:tt)*) => { println!("{}", shown(format_args!($($arg)*))) };
}

/// Writes a line to `out`, through [`shown`].
macro_rules! say_to {
    ($out:expr, $($arg:tt)*) => { writeln!($out, "{}", shown(format_args!($($arg)*))) };
}

/// `kanbao: warning: …` on stderr, through [`shown`].
fn warn(message: impl std::fmt::Display) {
    eprintln!("kanbao: warning: {}", shown(message));
}

/// `kanbao: …` on stderr (one failed source or feed), through [`shown`].
fn complain(message: impl std::fmt::Display) {
    eprintln!("kanbao: {}", shown(message));
}

/// `kanbao: error: …` on stderr: the error and its causes, through [`shown`].
fn print_error(e: &anyhow::Error) {
    eprintln!("kanbao: error: {}", shown(format_args!("{e:#}")));
}

/// 看报 — a terminal news browser with CJK-correct typesetting.
///
/// With no command, opens the browser on PATHs (JSON/JSONL files or
/// directories, read-only), or on your library (its database), or on the
/// built-in sample library.
#[derive(Parser)]
#[command(name = "kanbao", version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Article files (.json, .jsonl) or directories to browse.
    paths: Vec<PathBuf>,
    #[command(flatten)]
    common: Common,
}

#[derive(Args, Clone, Copy)]
struct Common {
    /// How East Asian Ambiguous characters (“ ” … — ·) are counted: narrow = 1 cell, wide = 2,
    /// auto = ask the terminal (no answer within 100 ms means narrow). Default: the config
    /// file's display.ambiguous, else narrow.
    #[arg(long, value_enum, global = true)]
    ambiguous: Option<AmbiguousSetting>,
    /// When to use colours; NO_COLOR in the environment means never. Default: the config
    /// file's display.color, else auto.
    #[arg(long, value_enum, global = true)]
    color: Option<ColorSetting>,
}

/// The command line's choices over the config file's, over the defaults.
struct Settings {
    ambiguous: AmbiguousSetting,
    color: ColorSetting,
    config: Config,
    /// Problems found in the config file, each naming line and key.
    config_problems: Vec<String>,
}

impl Settings {
    fn new(common: Common) -> Settings {
        let (config, config_problems) = match kanbao::config::default_path() {
            Some(path) => kanbao::config::load(&path),
            None => (Config::default(), Vec::new()),
        };
        let ambiguous = common.ambiguous.unwrap_or(config.display.ambiguous);
        let mut color = common.color.unwrap_or(config.display.color);
        if config.display.theme == ThemeName::Mono && common.color.is_none() {
            color = ColorSetting::Never;
        }
        Settings {
            ambiguous,
            color,
            config,
            config_problems,
        }
    }

    fn warn_config(&self) {
        self.config_problems.iter().for_each(warn);
    }

    fn theme(&self, is_terminal: bool) -> Theme {
        Theme {
            color: self.color_for(is_terminal),
            palette: self.config.colors,
        }
    }
}

impl Settings {
    /// The ambiguous width to use, and a line for the help overlay saying
    /// where it came from. `auto` asks the terminal only when there is one.
    fn ambiguous(&self, terminal: bool) -> (Ambiguous, String) {
        match self.ambiguous {
            AmbiguousSetting::Narrow => (Ambiguous::Narrow, ambiguous_note(Ambiguous::Narrow)),
            AmbiguousSetting::Wide => (Ambiguous::Wide, ambiguous_note(Ambiguous::Wide)),
            AmbiguousSetting::Auto if terminal => match probe::probe_ambiguous(probe::TIMEOUT) {
                Detected::Answered(Ambiguous::Wide) => (
                    Ambiguous::Wide,
                    "“ ” … count 2 cells: your terminal draws them wide".into(),
                ),
                Detected::Answered(Ambiguous::Narrow) => (
                    Ambiguous::Narrow,
                    "“ ” … count 1 cell: your terminal draws them narrow".into(),
                ),
                Detected::NoAnswer => (
                    Ambiguous::Narrow,
                    "“ ” … count 1 cell: no answer from the terminal (try --ambiguous wide)".into(),
                ),
            },
            AmbiguousSetting::Auto => (
                Ambiguous::Narrow,
                "“ ” … count 1 cell (no terminal to ask)".into(),
            ),
        }
    }

    fn options(&self, terminal: bool) -> TypesetOptions {
        TypesetOptions {
            ambiguous: self.ambiguous(terminal).0,
        }
    }

    fn color_for(&self, is_terminal: bool) -> bool {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        match self.color {
            ColorSetting::Always => true,
            ColorSetting::Never => false,
            ColorSetting::Auto => is_terminal && !no_color,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Print articles typeset to a width (title, metadata line, blank line, paragraphs).
    /// Without --index or --id: every article, newest first; without PATHs, of your
    /// library (else the sample library).
    Read {
        /// Columns to typeset for (default: the terminal's width, else 80, at most
        /// `reader.measure`).
        #[arg(long, short)]
        width: Option<usize>,
        /// Print only the article at this position of load order (0-based; see `list --json`).
        #[arg(long, conflicts_with = "id")]
        index: Option<usize>,
        /// Print only the article with this id.
        #[arg(long)]
        id: Option<String>,
        /// Article files or directories (default: your library, else the sample library).
        paths: Vec<PathBuf>,
    },
    /// Draw the browser after replaying keys, and print the screen.
    Snapshot {
        /// Screen size, e.g. 80x24.
        #[arg(long, value_parser = parse_size)]
        size: (u16, u16),
        /// Keys to replay, in vim notation: `jj<Enter><C-d>`.
        #[arg(long, default_value = "")]
        keys: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = snapshot::Format::Text)]
        format: snapshot::Format,
        /// Article files or directories (default: your library, else the sample library).
        paths: Vec<PathBuf>,
    },
    /// One line per article, newest first.
    List {
        /// JSON Lines with id, title, published, source, url, lang, path, line and index.
        #[arg(long)]
        json: bool,
        /// Only articles matching a query, as in the browser's `/`: words, "phrases",
        /// source: lang: after: before: is:unread is:starred.
        #[arg(long, short)]
        query: Option<String>,
        /// Only starred articles.
        #[arg(long)]
        starred: bool,
        /// Only unread articles.
        #[arg(long)]
        unread: bool,
        /// Article files or directories (default: your library, else the sample library).
        paths: Vec<PathBuf>,
    },
    /// Import feeds, web pages, text dumps or article files into your library
    /// (an OPML file adds its feeds to your subscriptions).
    Import {
        /// Files, directories or http(s) URLs.
        #[arg(required = true)]
        sources: Vec<String>,
        /// Write article JSON files (one per article) into this directory instead of
        /// your library ($XDG_DATA_HOME/kanbao/library.sqlite3).
        #[arg(long)]
        into: Option<PathBuf>,
        /// Time zone of dates that state none, e.g. Asia/Shanghai or +08:00.
        #[arg(long)]
        tz: Option<String>,
        /// Also subscribe to the local files (file: addresses, bare paths) an
        /// OPML file lists; without it they are skipped, and listed.
        #[arg(long)]
        allow_local: bool,
    },
    /// Follow a feed (an http(s) URL or a local feed file).
    Subscribe {
        /// The feed's address.
        url: String,
        /// A title to show for it.
        #[arg(long)]
        title: Option<String>,
    },
    /// Stop following a feed.
    Unsubscribe {
        /// The feed: its address, its title, or the beginning of one title
        /// (`kanbao feeds` lists them).
        #[arg(value_name = "FEED")]
        url: String,
    },
    /// List your subscriptions: title, unread and total articles, when each was
    /// last fetched, and the error of the last attempt if it failed.
    Feeds {
        /// One JSON object per feed (title, url, unread, total, updated, error).
        #[arg(long)]
        json: bool,
    },
    /// Fetch every subscription (4 at a time, conditional GET) and import what changed.
    Update {
        /// Write article JSON files (one per article) into this directory instead of
        /// your library ($XDG_DATA_HOME/kanbao/library.sqlite3).
        #[arg(long)]
        into: Option<PathBuf>,
    },
    /// Print your subscriptions for other readers (--opml), or your library as
    /// article JSON Lines with its read and starred marks (--jsonl).
    #[command(group(ArgGroup::new("format").required(true).args(["opml", "jsonl"])))]
    Export {
        /// Your subscriptions as OPML 2.0.
        #[arg(long)]
        opml: bool,
        /// Your library's articles, one JSON object per line (`kanbao import` reads it back).
        #[arg(long)]
        jsonl: bool,
        /// Only articles matching a query (with --jsonl), as in `kanbao list --query`.
        #[arg(long, short, conflicts_with = "opml")]
        query: Option<String>,
    },
    /// Mark articles read or unread, starred or not, by key (`kanbao list --json`
    /// gives each article's `key`); the browser's marks, in the same store.
    #[command(group(clap::ArgGroup::new("mark").required(true).args(["read", "unread", "star", "unstar"])))]
    Mark {
        /// Mark them read.
        #[arg(long)]
        read: bool,
        /// Mark them unread.
        #[arg(long)]
        unread: bool,
        /// Star them.
        #[arg(long)]
        star: bool,
        /// Take their stars away.
        #[arg(long)]
        unstar: bool,
        /// The articles' keys.
        #[arg(required = true)]
        keys: Vec<String>,
    },
    /// Print how many articles of your library are unread (of one source, if given:
    /// a subscription's address, title or the start of one, or a source name).
    Unread {
        /// One line per feed: unread, total and the feed (`-` for articles of no feed),
        /// separated by spaces.
        #[arg(long, conflicts_with = "source")]
        by_feed: bool,
        /// Only this source's unread articles.
        source: Option<String>,
    },
    /// Bring the library's search index up to date (a big import leaves that to the
    /// browser, or to this command, e.g. from cron after `kanbao update`).
    Index,
    /// Check your config file (or print the documented defaults with --default).
    Config {
        /// Print the default config file, every key documented.
        #[arg(long)]
        default: bool,
    },
    /// Validate article files; print every problem as path:line:col: message; exit 1 if any.
    Check {
        /// Article files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

fn parse_size(s: &str) -> Result<(u16, u16), String> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or("expected WIDTHxHEIGHT, e.g. 80x24")?;
    let w = w
        .trim()
        .parse()
        .map_err(|_| format!("bad width {w:?} in {s:?}"))?;
    let h = h
        .trim()
        .parse()
        .map_err(|_| format!("bad height {h:?} in {s:?}"))?;
    Ok((w, h))
}

/// The articles a command works on: PATHs (read-only), else the user's
/// library database, else the sample; with the database when they came from
/// it. Loaded as the browser loads them: metadata in memory, bodies of JSON
/// articles (and of the database's) left on disk until shown or searched,
/// the metadata cache used (100,000 articles take ~130 MB, not ~1.2 GB).
fn load(paths: &[PathBuf]) -> anyhow::Result<(Library, Option<LibraryDb>)> {
    if paths.is_empty() {
        let opened = kanbao_core::open_default_library(None)?;
        opened.notes.iter().for_each(warn);
        Ok((opened.library, opened.db))
    } else {
        Ok((Library::load_lazy(paths, None, None), None))
    }
}

/// The user's library database (the 0.1 directory imported the first
/// time, said on stderr).
fn open_db() -> anyhow::Result<LibraryDb> {
    let (db, migrated) = LibraryDb::open_default()?;
    if let Some(m) = migrated {
        warn(m.note(db.path()));
        m.problems.iter().for_each(warn);
    }
    Ok(db)
}

/// [`open_db`], for writing.
fn open_library() -> anyhow::Result<LibraryDb> {
    let db = open_db()?;
    if let Some(why) = db.read_only() {
        bail!("{}: {why}", db.path().display());
    }
    Ok(db)
}

/// Where `import` and `update` write: `--into DIR`, else the library database.
fn destination(into: Option<PathBuf>) -> anyhow::Result<Destination> {
    Ok(match into {
        Some(dir) => Destination::Dir(dir),
        None => Destination::Db(open_library()?),
    })
}

fn warn_problems(lib: &Library) {
    lib.problems.iter().for_each(warn);
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // A usage error quotes the argument it refuses: it goes out through
        // the output rules, as every message does (plain, without clap's
        // colours, which would be sanitized away with the argument's).
        Err(e) if e.use_stderr() => {
            eprint!("{}", shown(e.render()));
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
        Err(e) => e.exit(),
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        // `kanbao list | head`: the reader went away; that is not an error.
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            print_error(&e);
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<u8> {
    let settings = Settings::new(cli.common);
    // Dates are shown in the reader's zone, not each source's.
    kanbao_core::set_shown_zone(Some(settings.config.zone()), None);
    if !matches!(cli.command, None | Some(Command::Config { .. })) {
        settings.warn_config();
    }
    let common = &settings;
    match cli.command {
        None => browse(&cli.paths, common),
        Some(Command::Read {
            width,
            index,
            id,
            paths,
        }) => read(&paths, width, index, id, common),
        Some(Command::Snapshot {
            size,
            keys,
            format,
            paths,
        }) => {
            let (lib, _) = load(&paths)?;
            warn_problems(&lib);
            let options = common.options(false);
            let settings = common.config.settings(options);
            let mut app = App::with(lib, options, settings, size.0, size.1);
            let theme = common.theme(common.color != ColorSetting::Never);
            let buf = snapshot::replay(&mut app, &keys, &theme)?;
            print!("{}", snapshot::format(&buf, format));
            Ok(0)
        }
        Some(Command::List {
            json,
            query,
            starred,
            unread,
            paths,
        }) => {
            let mut query = query.unwrap_or_default();
            if starred {
                query.push_str(" is:starred");
            }
            if unread {
                query.push_str(" is:unread");
            }
            let query = kanbao_core::Query::parse(&query)
                .map_err(|e| anyhow::anyhow!("--query is malformed:\n{}", e.pointer(&query)))?;
            list(&paths, json, &query, common)
        }
        Some(Command::Import {
            sources,
            into,
            tz,
            allow_local,
        }) => {
            let subs = subscriptions_path()?;
            let mut into = destination(into)?;
            let report = kanbao_core::import_sources(
                &sources,
                &mut into,
                tz.as_deref(),
                &subs,
                allow_local,
            )?;
            report.problems.iter().for_each(complain);
            report.skipped.iter().for_each(warn);
            report.local.iter().for_each(complain);
            carry_marks(&report.rescoped, &report.marked);
            if report.subscribed > 0 {
                say!(
                    "added {} feeds to your subscriptions; `kanbao update` fetches them",
                    report.subscribed
                );
            }
            say!("{}: {}", into.path().display(), report.summary);
            if let kanbao_core::Destination::Db(db) = &mut into {
                index_after_import(db);
                save_orders(db);
            }
            Ok(u8::from(report.summary.failed > 0))
        }
        Some(Command::Subscribe { url, title }) => {
            let url = feed_address(&url)?;
            let path = subscriptions_path()?;
            let mut subs = Subscriptions::load(&path)?;
            if subs.add(Subscription {
                url: url.clone(),
                title,
                ..Default::default()
            }) {
                subs.save(&path)?;
                say!("subscribed to {url}; `kanbao update` fetches it");
            } else {
                say!("already subscribed to {url}");
            }
            Ok(0)
        }
        Some(Command::Unsubscribe { url }) => {
            let path = subscriptions_path()?;
            let mut subs = Subscriptions::load(&path)?;
            let wanted = feed_address(&url).unwrap_or(url.clone());
            let found = match subs.named(&url) {
                kanbao_core::Named::None => subs.named(&wanted),
                named => named,
            };
            let i = match found {
                kanbao_core::Named::One(i) => i,
                kanbao_core::Named::None => {
                    bail!("no subscription is called or addressed {url}; `kanbao feeds` lists them")
                }
                kanbao_core::Named::Several(many) => {
                    say_ambiguous(&url, &subs, &many);
                    return Ok(2);
                }
            };
            let gone = subs.feeds.remove(i);
            subs.save(&path)?;
            let name = match &gone.title {
                Some(t) => format!("{t} ({})", gone.url),
                None => gone.url.clone(),
            };
            say!("unsubscribed from {name} (its articles stay in your library)");
            Ok(0)
        }
        Some(Command::Feeds { json }) => feeds(json),
        Some(Command::Update { into }) => update(into),
        Some(Command::Export {
            jsonl: true, query, ..
        }) => export_jsonl(query.as_deref()),
        Some(Command::Export { .. }) => {
            let subs = Subscriptions::load(&subscriptions_path()?)?;
            print!("{}", subs.to_opml());
            Ok(0)
        }
        Some(Command::Unread {
            source: Some(source),
            ..
        }) => unread_of(&source),
        Some(Command::Unread { by_feed, .. }) => unread(by_feed),
        Some(Command::Mark {
            read,
            unread,
            star,
            unstar,
            keys,
        }) => mark(read, unread, star, unstar, &keys),
        Some(Command::Index) => index(),
        Some(Command::Config { default: true }) => {
            print!("{}", kanbao::config::DEFAULT_TOML);
            Ok(0)
        }
        Some(Command::Config { default: false }) => {
            let path = kanbao::config::default_path();
            let shown = path
                .as_ref()
                .map_or("(no config directory)".into(), |p| p.display().to_string());
            for p in &common.config_problems {
                say!("{p}");
            }
            if common.config_problems.is_empty() {
                let exists = path.as_ref().is_some_and(|p| p.exists());
                say!(
                    "{shown}: {}",
                    if exists {
                        "no problems"
                    } else {
                        "not there; the defaults are used (`kanbao config --default` prints them)"
                    }
                );
                Ok(0)
            } else {
                say!(
                    "{shown}: {} problem(s); those keys use their defaults",
                    common.config_problems.len()
                );
                Ok(1)
            }
        }
        Some(Command::Check { paths }) => {
            let lib = Library::load(&paths);
            let mut out = std::io::stdout().lock();
            for p in &lib.problems {
                say_to!(out, "{p}")?;
            }
            let n = lib.problems.len();
            if n == 0 {
                say_to!(
                    out,
                    "{} articles in {} files: no problems",
                    lib.articles.len(),
                    lib.files
                )?;
                Ok(0)
            } else {
                say_to!(
                    out,
                    "{} articles in {} files: {n} problem{}",
                    lib.articles.len(),
                    lib.files,
                    if n == 1 { "" } else { "s" }
                )?;
                Ok(1)
            }
        }
    }
}

fn subscriptions_path() -> anyhow::Result<PathBuf> {
    Subscriptions::default_path().ok_or_else(|| {
        anyhow::anyhow!("cannot find the config directory: set XDG_CONFIG_HOME or HOME")
    })
}

/// A feed address to store: http(s) URLs as given, local files as file:// URLs.
fn feed_address(arg: &str) -> anyhow::Result<String> {
    if kanbao_core::is_url(arg) {
        let url = url::Url::parse(arg).with_context(|| format!("{arg} is not a valid address"))?;
        return Ok(url.to_string());
    }
    let path = if arg.starts_with("file:") {
        let url = url::Url::parse(arg).with_context(|| format!("{arg} is not a valid address"))?;
        url.to_file_path()
            .map_err(|()| anyhow::anyhow!("{arg} is not a valid file:// address"))?
    } else {
        std::fs::canonicalize(arg).with_context(|| {
            format!("{arg} is neither an http(s) address nor a file that exists")
        })?
    };
    // A local feed is a regular file: `update` refuses anything else.
    if let Ok(meta) = std::fs::metadata(&path)
        && !meta.is_file()
    {
        bail!(
            "{} is not a regular file: a local feed must be one",
            path.display()
        );
    }
    if arg.starts_with("file:") {
        return Ok(arg.to_owned());
    }
    url::Url::from_file_path(&path)
        .map(|u| u.to_string())
        .map_err(|_| anyhow::anyhow!("cannot turn {} into a file:// address", path.display()))
}

/// Moves the marks of articles an older kanbao stored unscoped to their
/// scoped identity, and sets those imported articles carried; a failure is
/// a warning.
fn carry_marks(rescoped: &[kanbao_core::Rescoped], marked: &[kanbao_core::Marked]) {
    if rescoped.is_empty() && marked.is_empty() {
        return;
    }
    let mut marks = kanbao_core::MarkStore::open_default();
    let problem = marks.problem().map(str::to_owned);
    let result = kanbao_core::carry_marks(&mut marks, rescoped)
        .and_then(|()| kanbao_core::apply_marks(&mut marks, marked))
        .and_then(|()| marks.tick(true));
    for p in problem
        .into_iter()
        .chain(result.err().map(|e| e.to_string()))
    {
        eprintln!("kanbao: warning: {}", sanitize_line(&p));
    }
}

/// After `kanbao import`: a few thousand articles go into the search index
/// at once; more are left to the browser, which takes them in in the
/// background (indexing is most of an import's time), and searches read
/// them meanwhile, so they are found all the same.
fn index_after_import(db: &mut LibraryDb) {
    /// What is indexed at once: about a second of work.
    const AT_ONCE: usize = 4 * kanbao_core::INDEX_BATCH;
    match db.unindexed() {
        Ok(0) => {}
        Ok(n) if n <= AT_ONCE => {
            if let Err(e) = db.catch_up_index(kanbao_core::INDEX_BATCH, |_| true) {
                warn(e.to_string());
            }
        }
        Ok(n) => say!(
            "{} articles wait for the search index: the browser takes them in while it is open \
             (until then a search reads them all, and finds the same, more slowly)",
            thousands(n)
        ),
        Err(e) => warn(e.to_string()),
    }
}

/// After an import or update: the list's orders read and saved, so that
/// the next browser lists the library in any order from its first key
/// (reading them takes it half a second on a million articles).
fn save_orders(db: &LibraryDb) {
    if let Err(e) = db.save_orders() {
        warn(e.to_string());
    }
}

/// The browser's indexer: takes the articles the search index has not yet
/// taken in (a big import leaves them), a batch per short transaction, in
/// a thread of its own, while the browser is open.
fn index_in_background() {
    std::thread::spawn(|| {
        let Some(path) = kanbao_core::library_db() else {
            return;
        };
        let Ok(mut db) = LibraryDb::open(&path) else {
            return;
        };
        if db.read_only().is_none() && db.unindexed().is_ok_and(|n| n > 0) {
            let _ = db.catch_up_index(kanbao_core::INDEX_BATCH, |_| true);
        }
    });
}

/// `kanbao update`: every subscription, with a progress bar on a terminal.
fn update(into: Option<PathBuf>) -> anyhow::Result<u8> {
    let path = subscriptions_path()?;
    let mut subs = Subscriptions::load(&path)?;
    if subs.feeds.is_empty() {
        say!("no subscriptions yet: `kanbao subscribe URL` or `kanbao import feeds.opml`");
        return Ok(0);
    }
    let mut into = destination(into)?;
    let bar = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(subs.feeds.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {wide_msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let fetcher = kanbao_core::Fetcher::new();
    let results = kanbao_core::update_all(&mut subs, &mut into, &fetcher, 4, &|r| {
        bar.set_message(sanitize_line(&r.url));
        bar.inc(1);
    });
    bar.finish_and_clear();
    subs.save(&path)?;
    if let kanbao_core::Destination::Db(db) = &into {
        save_orders(db);
    }
    let rescoped: Vec<_> = results.iter().flat_map(|r| r.rescoped.clone()).collect();
    carry_marks(&rescoped, &[]);
    let mut total = kanbao_core::Summary::default();
    for r in &results {
        match &r.outcome {
            Ok(kanbao_core::FeedOutcome::NotModified) => {
                say!("unchanged  {}", sanitize_line(&r.url))
            }
            Ok(kanbao_core::FeedOutcome::Stored(s)) => {
                say!("updated    {}: {s}", sanitize_line(&r.url));
                total.add(*s);
            }
            Err(e) => {
                complain(sanitize_line(&e.to_string()));
                total.failed += 1;
            }
        }
    }
    say!(
        "{} feeds into {}: {total}",
        results.len(),
        into.path().display()
    );
    Ok(u8::from(total.failed > 0))
}

/// `kanbao export --jsonl`: the library database as article JSON Lines,
/// with the read and starred marks.
fn export_jsonl(query: Option<&str>) -> anyhow::Result<u8> {
    let query = query
        .map(|q| {
            kanbao_core::Query::parse(q)
                .map_err(|e| anyhow::anyhow!("--query is malformed:\n{}", e.pointer(q)))
        })
        .transpose()?;
    if !LibraryDb::default_exists() {
        warn("no library yet: `kanbao import` or `kanbao update` makes one; nothing exported");
        return Ok(0);
    }
    let db = open_db()?;
    let marks = kanbao_core::MarkStore::open_default();
    if let Some(p) = marks.problem() {
        warn(p);
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    db.export_jsonl(
        query.as_ref(),
        std::sync::Arc::new(marks.snapshot()),
        &mut out,
    )?;
    Ok(0)
}

/// `kanbao index`: the articles the search index has not taken in yet
/// (a big import leaves them), a batch per short transaction, with a
/// progress bar on a terminal.
fn index() -> anyhow::Result<u8> {
    if !LibraryDb::default_exists() {
        say!("no library yet: nothing to index");
        return Ok(0);
    }
    let mut db = open_db()?;
    let waiting = db.unindexed()?;
    if waiting == 0 {
        say!("the search index is up to date");
        return Ok(0);
    }
    let bar = if std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new(waiting as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    let done = db.catch_up_index(kanbao_core::INDEX_BATCH, |n| {
        bar.set_position(n as u64);
        true
    })?;
    bar.finish_and_clear();
    say!("{} articles indexed", thousands(done));
    Ok(0)
}

/// Whether an article of the library has this key.
type KeyCheck = Box<dyn Fn(&str) -> anyhow::Result<bool>>;

/// `kanbao feeds`: the subscriptions with their counts, last update and
/// last error, in the order they were added.
fn feeds(json: bool) -> anyhow::Result<u8> {
    let subs = Subscriptions::load(&subscriptions_path()?)?;
    let counts: std::collections::HashMap<String, (usize, usize)> =
        match LibraryDb::default_exists() {
            true => {
                let db = open_db()?;
                let marks = kanbao_core::MarkStore::open_default();
                db.unread_by_feed(&marks)?
                    .into_iter()
                    .filter_map(|c| Some((c.feed?, (c.unread, c.total))))
                    .collect()
            }
            false => Default::default(),
        };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if subs.feeds.is_empty() && !json {
        say!("no subscriptions yet: `kanbao subscribe URL` or `kanbao import feeds.opml`");
        return Ok(0);
    }
    let width = counts
        .values()
        .map(|&(_, total)| thousands(total).len())
        .max()
        .unwrap_or(1);
    for f in &subs.feeds {
        let (unread, total) = counts.get(&f.url).copied().unwrap_or((0, 0));
        if json {
            let record = serde_json::json!({
                "title": f.title,
                "url": f.url,
                "unread": unread,
                "total": total,
                "updated": f.updated,
                "error": f.error,
            });
            writeln!(out, "{}", kanbao_core::json_line(&record))?;
            continue;
        }
        let title = f.title.as_deref().unwrap_or("(no title yet)");
        let when = match (&f.error, &f.updated) {
            (Some(e), _) => format!("failed: {e}"),
            (None, Some(at)) => format!("updated {at}"),
            (None, None) => "not fetched yet".to_string(),
        };
        say_to!(
            out,
            "{:>width$} {:>width$}  {title}  {}  {when}",
            thousands(unread),
            thousands(total),
            f.url
        )?;
    }
    out.flush()?;
    Ok(0)
}

/// `kanbao mark`: marks articles of the library by key, all or none (a
/// key no article of the library has is an error naming it, and nothing
/// changes).
fn mark(read: bool, unread: bool, star: bool, unstar: bool, keys: &[String]) -> anyhow::Result<u8> {
    let known: KeyCheck = match kanbao_core::open_default(None)? {
        kanbao_core::DefaultLibrary::Database { db, notes } => {
            notes.iter().for_each(warn);
            Box::new(move |key| Ok(db.rowid_of(key)?.is_some()))
        }
        kanbao_core::DefaultLibrary::Loaded(opened) => {
            opened.notes.iter().for_each(warn);
            let all: std::collections::HashSet<String> = opened
                .library
                .articles
                .iter()
                .map(|a| a.key().into_owned())
                .collect();
            Box::new(move |key| Ok(all.contains(key)))
        }
    };
    let mut unknown = Vec::new();
    for key in keys {
        if !known(key)? {
            unknown.push(key.as_str());
        }
    }
    if !unknown.is_empty() {
        for key in &unknown {
            complain(format!(
                "no article with key {key:?} in your library (`kanbao list --json` gives each article's key)"
            ));
        }
        say!("nothing marked");
        return Ok(2);
    }
    let mut marks = open_marks();
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    if read {
        marks.mark_all_read(&refs)?;
    } else if unread {
        marks.mark_all_unread(&refs)?;
    } else {
        for key in &refs {
            marks.set_starred(key, star && !unstar)?;
        }
    }
    marks.tick(true)?;
    let what = match (read, unread, star) {
        (true, _, _) => "read",
        (_, true, _) => "unread",
        (_, _, true) => "starred",
        _ => "unstarred",
    };
    let n = keys.len();
    say!(
        "{} article{} marked {what}",
        thousands(n),
        if n == 1 { "" } else { "s" }
    );
    Ok(0)
}

/// `kanbao unread`: how many articles of the library are unread, from the
/// keys alone (no article is loaded).
/// A name that fits several subscriptions: each, by title and address.
fn say_ambiguous(name: &str, subs: &Subscriptions, many: &[usize]) {
    complain(format!("{name:?} names {} subscriptions:", many.len()));
    for &i in many {
        let f = &subs.feeds[i];
        eprintln!(
            "  {}  {}",
            sanitize_line(f.title.as_deref().unwrap_or("")),
            sanitize_line(&f.url)
        );
    }
    eprintln!("kanbao: give more of the title, or the address");
}

/// `kanbao unread SOURCE`: the unread count of one feed or source name.
fn unread_of(name: &str) -> anyhow::Result<u8> {
    let subs = Subscriptions::load(&subscriptions_path()?)?;
    let feed = match subs.named(name) {
        kanbao_core::Named::One(i) => Some(subs.feeds[i].url.clone()),
        kanbao_core::Named::Several(many) => {
            say_ambiguous(name, &subs, &many);
            return Ok(2);
        }
        kanbao_core::Named::None => None,
    };
    let db = LibraryDb::default_exists().then(open_db).transpose()?;
    let marks = kanbao_core::MarkStore::open_default();
    let counts = match &db {
        Some(db) => db.source_counts(&marks)?,
        None => Vec::new(),
    };
    let found = counts.iter().find(|c| match &feed {
        Some(f) => c.feed.as_deref() == Some(f.as_str()),
        None => c.feed.is_none() && c.name.as_deref() == Some(name),
    });
    match (found, &feed) {
        (Some(c), _) => say!("{}", c.unread),
        // A subscription not fetched yet has nothing unread.
        (None, Some(_)) => say!("0"),
        (None, None) => bail!(
            "no subscription or source is called {name}; `kanbao feeds` lists the subscriptions"
        ),
    }
    Ok(0)
}

fn unread(by_feed: bool) -> anyhow::Result<u8> {
    let db = LibraryDb::default_exists().then(open_db).transpose()?;
    let marks = kanbao_core::MarkStore::open_default();
    if let Some(p) = marks.problem() {
        warn(p);
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match (&db, by_feed) {
        (None, false) => say_to!(out, "0")?,
        (None, true) => {}
        (Some(db), false) => say_to!(out, "{}", db.unread_count(&marks)?)?,
        (Some(db), true) => {
            let counts = db.unread_by_feed(&marks)?;
            let width = |n: usize| n.to_string().len();
            let w = counts.iter().map(|c| width(c.total)).max().unwrap_or(1);
            for c in counts {
                let feed = c.feed.as_deref().unwrap_or("-");
                say_to!(out, "{:>w$} {:>w$} {feed}", c.unread, c.total)?;
            }
        }
    }
    out.flush()?;
    Ok(0)
}

fn browse(paths: &[PathBuf], common: &Settings) -> anyhow::Result<u8> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        bail!("the browser needs a terminal; use `kanbao list` or `kanbao read` to print articles");
    }
    let paths: Vec<PathBuf> = if paths.is_empty() {
        common.config.library.paths.clone()
    } else {
        paths.to_vec()
    };
    let (w, h) = crossterm::terminal::size().unwrap_or((80, 24));
    let (ambiguous, note) = common.ambiguous(true);
    let options = TypesetOptions { ambiguous };
    let mut settings = common.config.settings(options);
    settings.ambiguous_note = note;
    // The library database is not loaded: the list is a window over it,
    // one query away from the first screen.
    let mut notes = Vec::new();
    let mut database = None;
    if paths.is_empty() {
        match kanbao_core::open_default(None) {
            Ok(kanbao_core::DefaultLibrary::Database { db, notes: said }) => {
                notes = said;
                database = Some(db);
            }
            Ok(kanbao_core::DefaultLibrary::Loaded(opened)) => {
                notes = opened.notes;
                return browse_library(opened.library, None, paths, settings, common, notes);
            }
            Err(e) => {
                let mut sample = Library::sample();
                let why = format!("{e}; showing the sample library");
                sample.problems.push(kanbao_core::Diagnostic::new(why));
                return browse_library(sample, None, paths, settings, common, notes);
            }
        }
    }
    if let Some(db) = database {
        index_in_background();
        let app = App::with_database(db, options, settings.clone(), w, h)?;
        return browse_app(app, None, paths, common, notes);
    }
    // Loaded in the background, bodies left on disk: a big library shows
    // its progress at once instead of a blank terminal.
    let to_load = paths.clone();
    // Debug builds only: KANBAO_LOAD_PATIENCE_MS lets the end-to-end tests
    // see the loading screen whatever the machine's speed.
    let patience = std::env::var("KANBAO_LOAD_PATIENCE_MS")
        .ok()
        .filter(|_| cfg!(debug_assertions))
        .and_then(|v| v.parse().ok())
        .unwrap_or(150);
    let patience = std::time::Duration::from_millis(patience);
    let loaded = kanbao::terminal::event_loop::Loading::start(patience, move |p| {
        Library::load_lazy(&to_load, None, Some(p))
    });
    let (lib, loading) = match loaded {
        Ok(lib) => (lib, None),
        Err(loading) => (Library::default(), Some(loading)),
    };
    browse_library(lib, loading, paths, settings, common, Vec::new())
}

/// The browser over `library` (still `loading`, perhaps).
fn browse_library(
    library: Library,
    loading: Option<kanbao::terminal::event_loop::Loading>,
    paths: Vec<PathBuf>,
    settings: kanbao::app::Settings,
    common: &Settings,
    notes: Vec<String>,
) -> anyhow::Result<u8> {
    let (w, h) = crossterm::terminal::size().unwrap_or((80, 24));
    let options = TypesetOptions {
        ambiguous: common.ambiguous(true).0,
    };
    let app = App::with(library, options, settings, w, h);
    browse_app(app, loading, paths, common, notes)
}

/// Runs the browser `app` until the user quits; then says what there is to
/// say (config problems, `notes`, the library's problems).
fn browse_app(
    mut app: App,
    loading: Option<kanbao::terminal::event_loop::Loading>,
    paths: Vec<PathBuf>,
    common: &Settings,
    notes: Vec<String>,
) -> anyhow::Result<u8> {
    app.set_marks(kanbao_core::MarkStore::open_default());
    app.set_subscriptions_path(Subscriptions::default_path());
    app.refresh_order();
    if let Some(p) = app.marks().problem() {
        let p = p.to_owned();
        app.set_notice(p);
    }
    if !common.config_problems.is_empty() {
        app.set_notice(format!(
            "config: {} problem(s), defaults used; `kanbao config` shows them",
            common.config_problems.len()
        ));
    }
    let theme = common.theme(true);
    let updater = browser_updater(paths.clone());
    let code = kanbao::terminal::event_loop::run(
        &mut app,
        theme,
        updater,
        loading,
        common.config.display.mouse,
    )?;
    common.warn_config();
    notes.iter().for_each(warn);
    app.library().problems.iter().for_each(warn);
    Ok(code.clamp(0, 255) as u8)
}

/// The browser's `r`: update the subscriptions into the user's library
/// database, then reload what the browser shows (from the database, when it
/// shows the library).
fn browser_updater(paths: Vec<PathBuf>) -> Option<kanbao::terminal::event_loop::Updater> {
    use kanbao::terminal::event_loop::{Reloaded, UpdateReport};
    let subs_path = Subscriptions::default_path()?;
    kanbao_core::library_db()?;
    let said = |said: String| UpdateReport {
        said,
        reloaded: Reloaded::Nothing,
        rescoped: Vec::new(),
        failed: Vec::new(),
    };
    Some(std::sync::Arc::new(move || {
        let mut subs = match Subscriptions::load(&subs_path) {
            Ok(s) if s.feeds.is_empty() => {
                return said("no subscriptions: kanbao subscribe URL".into());
            }
            Ok(s) => s,
            Err(e) => return said(shown(format_args!("{e:#}"))),
        };
        let mut into = match LibraryDb::open_default() {
            Ok((db, _)) if db.read_only().is_some() => {
                let why = db.read_only().unwrap_or_default();
                return said(shown(format_args!("{}: {why}", db.path().display())));
            }
            Ok((db, _)) => Destination::Db(db),
            Err(e) => return said(shown(e)),
        };
        let fetcher = kanbao_core::Fetcher::new();
        let results = kanbao_core::update_all(&mut subs, &mut into, &fetcher, 4, &|_| {});
        drop(into);
        let mut total = kanbao_core::Summary::default();
        let mut failed = Vec::new();
        for r in &results {
            match &r.outcome {
                Ok(kanbao_core::FeedOutcome::Stored(s)) => total.add(*s),
                Ok(kanbao_core::FeedOutcome::NotModified) => {}
                Err(e) => {
                    total.failed += 1;
                    // Named by its title where it has one; the error names
                    // the address.
                    let title = subs
                        .feeds
                        .iter()
                        .find(|f| f.url == r.url)
                        .and_then(|f| f.title.clone());
                    let mut problem = kanbao_core::Diagnostic::new(e.to_string());
                    problem.path = title.unwrap_or_default();
                    failed.push(problem);
                }
            }
        }
        let _ = subs.save(&subs_path);
        // The library database is read again by the browser itself (its
        // window over it); files are loaded again here.
        let reloaded = match paths.is_empty() {
            true => Reloaded::Database,
            false => Reloaded::Library(Library::load_lazy(&paths, None, None)),
        };
        let why = match failed.is_empty() {
            true => String::new(),
            false => "; ! says why".into(),
        };
        UpdateReport {
            said: format!(
                "updated {} feeds: {} new, {} failed{why}",
                results.len(),
                total.new,
                total.failed
            ),
            reloaded,
            rescoped: results.into_iter().flat_map(|r| r.rescoped).collect(),
            failed,
        }
    }))
}

fn read(
    paths: &[PathBuf],
    width: Option<usize>,
    index: Option<usize>,
    id: Option<String>,
    common: &Settings,
) -> anyhow::Result<u8> {
    let (lib, _) = load(paths)?;
    warn_problems(&lib);
    let stdout = std::io::stdout();
    let tty = stdout.is_terminal();
    // The terminal's width (else 80), no wider than `reader.measure`, as
    // the browser's reader sets text.
    let width = width.unwrap_or_else(|| {
        let columns = match tty {
            true => crossterm::terminal::size()
                .map(|(w, _)| usize::from(w))
                .unwrap_or(80),
            false => 80,
        };
        columns.min(usize::from(common.config.reader.measure))
    });
    let selected: Vec<usize> = match (index, id) {
        (Some(i), _) => {
            if i >= lib.articles.len() {
                bail!(
                    "--index {i} is out of range: there are {} articles (0–{})",
                    lib.articles.len(),
                    lib.articles.len().saturating_sub(1)
                );
            }
            vec![i]
        }
        (None, Some(id)) => {
            let found: Vec<usize> = (0..lib.articles.len())
                .filter(|&i| lib.articles[i].id == id)
                .collect();
            if found.is_empty() {
                bail!("no article with id {id:?}; `kanbao list --json` shows the ids");
            }
            found
        }
        // Newest first, as the list shows them.
        (None, None) => lib.newest_first(),
    };
    let color = common.color_for(tty);
    let options = common.options(tty);
    let mut out = std::io::BufWriter::new(stdout.lock());
    for (n, &i) in selected.iter().enumerate() {
        if n > 0 {
            let rule = if options.ambiguous == Ambiguous::Wide {
                "-"
            } else {
                "─"
            };
            writeln!(
                out,
                "\n{}\n",
                rule.repeat(width.max(2) / str_width(rule, options.ambiguous))
            )?;
        }
        // Streamed: a 20 MiB word is a million lines, never all in memory.
        let mut doc = Lazy::new(&lib.articles[i].with_body(), width, &options);
        doc.each_line(|mut line| {
            // Clean since the article was loaded; the rule holds anyway.
            line.text = shown(&line.text);
            let modifier = match line.kind {
                LineKind::Title => Modifier::BOLD,
                LineKind::Meta => Modifier::DIM,
                LineKind::Link => Modifier::UNDERLINED,
                _ => Modifier::empty(),
            };
            if color && !modifier.is_empty() {
                writeln!(
                    out,
                    "{}",
                    sgr::painted(Pen::DEFAULT.with(modifier), &line.text)
                )?;
            } else {
                writeln!(out, "{}", line.text)?;
            }
            Ok::<_, std::io::Error>(())
        })?;
    }
    out.flush().context("writing to stdout")?;
    Ok(0)
}

fn list(
    paths: &[PathBuf],
    json: bool,
    query: &kanbao_core::Query,
    common: &Settings,
) -> anyhow::Result<u8> {
    if paths.is_empty() {
        match kanbao_core::open_default(None)? {
            kanbao_core::DefaultLibrary::Database { db, notes } => {
                notes.iter().for_each(warn);
                return list_database(&db, json, query, common);
            }
            kanbao_core::DefaultLibrary::Loaded(opened) => {
                opened.notes.iter().for_each(warn);
                return list_library(&opened.library, json, query, common);
            }
        }
    }
    list_library(&Library::load_lazy(paths, None, None), json, query, common)
}

/// The read and starred marks, a problem opening them said.
fn open_marks() -> kanbao_core::MarkStore {
    let state = kanbao_core::MarkStore::open_default();
    if let Some(p) = state.problem() {
        warn(p);
    }
    state
}

/// The marks for `list`: a problem opening them is said only when the
/// query asks about them (`list --json` shows them, and a store that
/// cannot be opened has none).
fn marks_for_list(say_problem: bool) -> kanbao_core::MarkStore {
    match say_problem {
        true => open_marks(),
        false => kanbao_core::MarkStore::open_default(),
    }
}

/// `kanbao list` of articles loaded (files, or the sample).
fn list_library(
    lib: &Library,
    json: bool,
    query: &kanbao_core::Query,
    common: &Settings,
) -> anyhow::Result<u8> {
    warn_problems(lib);
    let mut order = lib.newest_first();
    let state = (json || !query.is_empty()).then(|| marks_for_list(!query.is_empty()));
    if let Some(state) = state.as_ref().filter(|_| !query.is_empty()) {
        if lib.search_index.is_some() && query.has_text_terms() {
            let index = lib.search_index.clone().unwrap_or_default();
            let found = kanbao_core::search::all_matches(&lib.articles, index, query, state);
            let mut hit = vec![false; lib.articles.len()];
            found.into_iter().for_each(|i| hit[i] = true);
            order.retain(|&i| hit[i]);
        } else {
            order.retain(|&i| query.matches(&lib.articles[i], state));
        }
    }
    let amb = common.ambiguous(std::io::stdout().is_terminal()).0;
    let sources = order
        .iter()
        .filter_map(|&i| lib.articles[i].source.as_deref());
    let source_w = list_source_width(sources, amb);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let marks = state.as_ref().filter(|_| json);
    for &i in &order {
        list_one(&mut out, &lib.articles[i], i, marks, source_w, amb)?;
    }
    out.flush()?;
    Ok(0)
}

/// `kanbao list` of the library database, never loaded whole: the rows in
/// date order from the date index, those the query matches found by a
/// search of the rows (the full-text index narrowing it), the articles
/// read a few thousand rows at a time as they are printed.
fn list_database(
    db: &LibraryDb,
    json: bool,
    query: &kanbao_core::Query,
    common: &Settings,
) -> anyhow::Result<u8> {
    let mut order = db.whole(kanbao_core::Order::Date)?;
    // `index` in --json: the article's place in the library, rows in the
    // order they were stored, as `read --index` counts them.
    let mut by_row: Vec<u32> = Vec::new();
    if json {
        by_row = order.clone();
        by_row.sort_unstable();
    }
    let state = (json || query.uses_marks()).then(|| marks_for_list(query.uses_marks()));
    if !query.is_empty() {
        let marks: std::sync::Arc<dyn kanbao_core::Marks + Send + Sync> =
            if let Some(state) = state.as_ref().filter(|_| query.uses_marks()) {
                std::sync::Arc::new(state.snapshot())
            } else {
                std::sync::Arc::new(kanbao_core::NoMarks)
            };
        let found = db.search(query, marks)?;
        order.retain(|&r| found.binary_search(&i64::from(r)).is_ok());
    }
    let amb = common.ambiguous(std::io::stdout().is_terminal()).0;
    let names = match query.is_empty() {
        true => db.sources()?,
        false => db.sources_of(&order)?,
    };
    let source_w = list_source_width(names.iter().map(String::as_str), amb);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut problems = Vec::new();
    for chunk in order.chunks(5_000) {
        let mut rows: std::collections::HashMap<u32, _> = db.rows(chunk)?.into_iter().collect();
        for row in chunk {
            match rows.remove(row) {
                Some(Ok(a)) => {
                    let index = match json {
                        true => by_row.binary_search(row).unwrap_or(0),
                        false => 0,
                    };
                    list_one(
                        &mut out,
                        &a,
                        index,
                        state.as_ref().filter(|_| json),
                        source_w,
                        amb,
                    )?;
                }
                Some(Err(problem)) => problems.push(problem),
                None => {}
            }
        }
    }
    out.flush()?;
    problems.iter().for_each(warn);
    Ok(0)
}

/// The list's source column: the widest source name, at most 16 cells.
fn list_source_width<'a>(
    sources: impl Iterator<Item = &'a str>,
    amb: kanbao_core::Ambiguous,
) -> usize {
    sources
        .map(|s| str_width(s, amb))
        .max()
        .unwrap_or(0)
        .min(16)
}

/// One line of `kanbao list`: date, source and title, or (`--json`) the
/// article's record.
fn list_one(
    out: &mut impl Write,
    a: &kanbao_core::Article,
    index: usize,
    json: Option<&kanbao_core::MarkStore>,
    source_w: usize,
    amb: kanbao_core::Ambiguous,
) -> anyhow::Result<()> {
    if let Some(marks) = json {
        let key = a.key();
        // The URL as `o` would open it, or why it would not.
        let (url, refused) = match a.link() {
            Some(Ok(link)) => (Some(String::from(link)), None),
            Some(Err(why)) => (None, Some(why.to_string())),
            None => (None, None),
        };
        let mut record = serde_json::json!({
            "id": a.id,
            "title": a.title,
            "published": a.published.as_ref().map(|p| p.to_rfc3339()),
            "source": a.source,
            "url": url,
            "feed": a.feed,
            "lang": a.lang,
            "path": &*a.origin.path,
            "line": a.origin.line,
            "index": index,
            // The identity marks are kept by, as `kanbao mark` takes it.
            "key": &*key,
            "read": marks.is_read(&key),
            "starred": marks.is_starred(&key),
        });
        if let Some(why) = refused {
            record["url_refused"] = why.into();
        }
        writeln!(out, "{}", kanbao_core::json_line(&record))?;
    } else {
        let date = a
            .published
            .as_ref()
            .map(|p| p.display())
            .unwrap_or_default();
        let source = fit(a.source.as_deref().unwrap_or(""), source_w, amb);
        say_to!(out, "{date:<16}  {source}  {}", a.title)?;
    }
    Ok(())
}
