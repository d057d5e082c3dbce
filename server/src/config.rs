//! Command-line flags and environment variables, turned into a [`Config`].
//!
//! Parsing is pure: it takes the arguments and an environment lookup as
//! values, so it is tested without touching the process. It never binds,
//! reads files or decides policy; [`crate::listen`] and
//! [`crate::static_files`] act on the result.

use std::ffi::{OsStr, OsString};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

/// Environment variable for the listen address (`IP:PORT`).
pub const ENV_ADDR: &str = "MLTRAINER_ADDR";
/// Environment variable for the directory holding the built app.
pub const ENV_DIST: &str = "MLTRAINER_DIST";
/// Environment variable that, set to `1`, permits a non-loopback address.
pub const ENV_ALLOW_PUBLIC: &str = "MLTRAINER_ALLOW_PUBLIC";
/// Environment variable for the data directory (the SQLite store).
pub const ENV_DATA_DIR: &str = "MLTRAINER_DATA_DIR";
/// Environment variable holding the access-token signing secret.
pub const ENV_JWT_SECRET: &str = "MLTRAINER_JWT_SECRET";
/// Environment variable: login attempts per minute per IP and per account.
pub const ENV_LOGIN_PER_MINUTE: &str = "MLTRAINER_LOGIN_PER_MINUTE";
/// Environment variable: expensive requests per minute per user.
pub const ENV_EXPENSIVE_PER_MINUTE: &str = "MLTRAINER_EXPENSIVE_PER_MINUTE";
/// Environment variable: the app's public origin (for CORS), e.g.
/// `https://mltrainer.example.com`. Defaults to the listening address.
pub const ENV_PUBLIC_ORIGIN: &str = "MLTRAINER_PUBLIC_ORIGIN";
/// Environment variable overriding Polygon's base URL (tests, proxies).
pub const ENV_POLYGON_BASE_URL: &str = "MLTRAINER_POLYGON_BASE_URL";
/// Environment variable overriding FRED's base URL (tests, proxies).
pub const ENV_FRED_BASE_URL: &str = "MLTRAINER_FRED_BASE_URL";
/// Environment variable: tokens (input plus output) each user may spend on
/// the coach per UTC day.
pub const ENV_DAILY_TOKEN_BUDGET: &str = "MLTRAINER_DAILY_TOKEN_BUDGET";
/// Environment variable: prune the coach's memory by age, every six hours,
/// removing unimportant messages older than this many days (unset: only
/// on request).
pub const ENV_PRUNE_AFTER_DAYS: &str = "MLTRAINER_PRUNE_AFTER_DAYS";
/// Environment variable: trial steps run at once on the server (1 to 64).
pub const ENV_TRIAL_WORKERS: &str = "MLTRAINER_TRIAL_WORKERS";
/// Environment variable: seconds a browser running a trial keeps it
/// without reporting before the server takes it over (1 to 3600).
pub const ENV_BROWSER_LEASE_SECS: &str = "MLTRAINER_BROWSER_LEASE_SECS";
/// Environment variable: the URL POSTed a Slack-compatible `{"text"}` when
/// a trial ends (http or https; optional).
pub const ENV_WEBHOOK_URL: &str = "MLTRAINER_WEBHOOK_URL";
/// Environment variable: live events buffered per user before a slow
/// WebSocket resynchronises from the store (1 to 65536).
pub const ENV_WS_BUFFER: &str = "MLTRAINER_WS_BUFFER";
/// Environment variable: WebSockets one user may have open (1 to 1024).
pub const ENV_WS_PER_USER: &str = "MLTRAINER_WS_PER_USER";
/// The data directory used when neither `--data-dir` nor `MLTRAINER_DATA_DIR` is given.
pub const DEFAULT_DATA_DIR: &str = "mltrainer-data";
/// Polygon's public API.
pub const DEFAULT_POLYGON_BASE_URL: &str = "https://api.polygon.io";
/// FRED's public API.
pub const DEFAULT_FRED_BASE_URL: &str = "https://api.stlouisfed.org";

/// The address used when neither `--addr` nor `MLTRAINER_ADDR` is given.
pub const DEFAULT_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8080);
/// The dist directory used when neither `--dist` nor `MLTRAINER_DIST` is given.
pub const DEFAULT_DIST: &str = "dist";

/// The text printed for `--help`.
pub const USAGE: &str = "\
mltrainer-server: serves the mlTrainer app

Usage: mltrainer-server [--addr IP:PORT] [--dist DIR] [--data-dir DIR]
       mltrainer-server migrate [--data-dir DIR]
       mltrainer-server user create --username NAME --role viewer|analyst|admin [--data-dir DIR]
       mltrainer-server user reset-password --username NAME [--data-dir DIR]
       mltrainer-server audit verify [--data-dir DIR]
       mltrainer-server trial run PLAN.json [--username NAME] [--data-dir DIR]
       mltrainer-server trial list [--username NAME] [--data-dir DIR]
       mltrainer-server trial cancel ID [--username NAME] [--data-dir DIR]

`trial run` runs a plan to its end in the foreground, printing its events
as JSON lines; it exits 1 unless every step succeeded. Without --username
it runs as local mode's user (only when there are no accounts).

Passwords for `user` commands are read from MLTRAINER_PASSWORD, else from
the first line of stdin; at least 12 characters.

Options:
  --addr IP:PORT  address to listen on [env: MLTRAINER_ADDR] [default: 127.0.0.1:8080]
                  (port 0 picks a free port; the listening line shows the real one)
  --dist DIR      directory of the built app, holding index.html [env: MLTRAINER_DIST] [default: dist]
  --data-dir DIR  directory of the SQLite store, created if missing [env: MLTRAINER_DATA_DIR] [default: mltrainer-data]
  -h, --help      print this help
  -V, --version   print the version

Environment:
  MLTRAINER_ALLOW_PUBLIC=1  allow a non-loopback --addr; also needs accounts and MLTRAINER_JWT_SECRET
  MLTRAINER_JWT_SECRET      access-token signing secret, at least 32 bytes (random per run if unset on loopback)
  MLTRAINER_PUBLIC_ORIGIN   the app's origin for CORS [default: http://ADDR]
  MLTRAINER_LOGIN_PER_MINUTE, MLTRAINER_EXPENSIVE_PER_MINUTE  rate limits [default: 10, 120]
  POLYGON_API_KEY, FRED_API_KEY  switch on the live data sources (never logged)
  MLTRAINER_POLYGON_BASE_URL, MLTRAINER_FRED_BASE_URL  provider base URLs [default: the public APIs]
  ANTHROPIC_API_KEY         the coach answers with Anthropic's Messages API (never logged)
  MLTRAINER_ANTHROPIC_MODEL, MLTRAINER_ANTHROPIC_BASE_URL  its model and base URL
  MLTRAINER_OPENAI_BASE_URL any OpenAI-compatible server (OpenAI, llama.cpp, Ollama, vLLM)
  MLTRAINER_OPENAI_MODEL, OPENAI_API_KEY  its model (required) and optional key
  MLTRAINER_LLM_PROVIDER    anthropic|openai|rules: force one when several are set
                            (with none configured, the built-in rule coach answers)
  MLTRAINER_DAILY_TOKEN_BUDGET  coach tokens per user per UTC day [default: 200000]
  MLTRAINER_TRIAL_WORKERS   trial steps run at once by the server [default: 2, at most 64]
  MLTRAINER_BROWSER_LEASE_SECS  a browser's trial passes to the server after this
                            many seconds without a report [default: 30, at most 3600]
  MLTRAINER_WEBHOOK_URL     http(s) URL sent a Slack-compatible message when a trial ends (never logged)
  MLTRAINER_WS_BUFFER       live events buffered per user before a slow socket resyncs [default: 256]
  MLTRAINER_WS_PER_USER     WebSockets open at once per user [default: 16]
  MLTRAINER_PRUNE_AFTER_DAYS    summarise and prune unimportant messages older than this,
                            every six hours [default: only on request]
  RUST_LOG                  log filter, e.g. debug or server=debug,tower_http=debug [default: info]

Once listening, prints one line to stdout: mlTrainer listening on http://IP:PORT/
Logs go to stderr.";

/// Everything the server needs to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The socket address to listen on.
    pub addr: SocketAddr,
    /// The directory of the built app (Trunk's `dist/`), which must hold `index.html`.
    pub dist: PathBuf,
    /// Whether a non-loopback `addr` is permitted (`MLTRAINER_ALLOW_PUBLIC=1`).
    pub allow_public: bool,
    /// Directory of the SQLite store.
    pub data_dir: PathBuf,
    /// The access-token signing secret, if configured.
    pub jwt_secret: Option<Secret>,
    /// Rate limits.
    pub limits: crate::limits::LimitSettings,
    /// The app's public origin for CORS, if not the listening address.
    pub public_origin: Option<String>,
    /// Polygon's base URL.
    pub polygon_base_url: String,
    /// FRED's base URL.
    pub fred_base_url: String,
    /// The coach's environment (LLM providers and keys), read at start.
    pub coach_env: crate::coach::env::CoachEnv,
    /// The coach's limits.
    pub coach: crate::coach::CoachSettings,
    /// Prune unimportant messages older than this many days, if set.
    pub prune_after_days: Option<u32>,
    /// Trial steps run at once by the headless runner.
    pub trial_workers: usize,
    /// Seconds a browser's trial lease lasts from each report.
    pub browser_lease_secs: u64,
    /// Where to POST a message when a trial ends, if anywhere.
    pub webhook_url: Option<crate::trials::webhook::WebhookUrl>,
    /// The live-updates hub's limits.
    pub live: crate::live::LiveSettings,
}

/// A secret from the environment: compared, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            addr: DEFAULT_ADDR,
            dist: PathBuf::from(DEFAULT_DIST),
            allow_public: false,
            data_dir: PathBuf::from(DEFAULT_DATA_DIR),
            jwt_secret: None,
            limits: crate::limits::LimitSettings::default(),
            public_origin: None,
            polygon_base_url: DEFAULT_POLYGON_BASE_URL.to_string(),
            fred_base_url: DEFAULT_FRED_BASE_URL.to_string(),
            coach_env: crate::coach::env::CoachEnv::default(),
            coach: crate::coach::CoachSettings::default(),
            prune_after_days: None,
            trial_workers: crate::trials::DEFAULT_WORKERS,
            browser_lease_secs: crate::trials::browser::DEFAULT_LEASE_SECS,
            webhook_url: None,
            live: crate::live::LiveSettings::default(),
        }
    }
}

/// An administrative subcommand, run against the store and exited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admin {
    /// Apply pending migrations.
    Migrate,
    /// Create an account.
    CreateUser {
        /// Account name.
        username: String,
        /// Its role.
        role: shared::api::Role,
    },
    /// Set a new password (and sign the user out everywhere).
    ResetPassword {
        /// Account name.
        username: String,
    },
    /// Walk the audit chain.
    VerifyAudit,
}

/// A `trial` subcommand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrialCommand {
    /// Run the plan in this file to its end, in the foreground.
    Run {
        /// The plan's JSON file.
        plan: PathBuf,
        /// Whose trial it is (default: local mode's user).
        username: Option<String>,
    },
    /// List the user's trials.
    List {
        /// Whose trials (default: local mode's user).
        username: Option<String>,
    },
    /// Cancel a trial.
    Cancel {
        /// The trial's id.
        id: i64,
        /// Whose trial (default: local mode's user).
        username: Option<String>,
    },
}

/// What the command line asks for.
// One value per process, parsed once: the size difference costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Run the server with this configuration.
    Serve(Config),
    /// Print [`USAGE`] and exit successfully.
    Help,
    /// Print the version and exit successfully.
    Version,
    /// Run a `trial` subcommand with this configuration (its data
    /// directory, providers and limits).
    Trial {
        /// What to do.
        trial: TrialCommand,
        /// The configuration, as for serving.
        config: Config,
    },
    /// Run an administrative subcommand on the store in `data_dir`.
    Admin {
        /// What to do.
        admin: Admin,
        /// The data directory.
        data_dir: PathBuf,
    },
}

/// A command line or environment that cannot be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// An argument that is not a known flag.
    #[error("unknown argument {0:?} (see --help)")]
    UnknownArgument(String),
    /// A flag that needs a value was last on the line.
    #[error("{0} needs a value (see --help)")]
    MissingValue(&'static str),
    /// A flag given more than once.
    #[error("{0} given more than once")]
    Repeated(&'static str),
    /// A value that must be text is not valid UTF-8.
    #[error("{origin} is not valid UTF-8")]
    NotUtf8 {
        /// The flag or variable it came from.
        origin: &'static str,
    },
    /// An address that does not parse as `IP:PORT`.
    #[error("invalid address {value:?} from {origin}: expected IP:PORT, e.g. 127.0.0.1:8080")]
    InvalidAddr {
        /// The text given.
        value: String,
        /// The flag or variable it came from.
        origin: &'static str,
    },
    /// `MLTRAINER_ALLOW_PUBLIC` set to something other than `0` or `1`.
    #[error("{ENV_ALLOW_PUBLIC} must be 1 or 0, not {0:?}")]
    InvalidAllowPublic(String),
    /// A rate limit that is not a positive whole number.
    #[error("{origin} must be a whole number from 1 to 1000000, not {value:?}")]
    InvalidLimit {
        /// The text given.
        value: String,
        /// The variable it came from.
        origin: &'static str,
    },
    /// A prune age that is not a whole number of days in range.
    #[error("{ENV_PRUNE_AFTER_DAYS} must be a whole number of days from 1 to 3650, not {0:?}")]
    InvalidPruneDays(String),
    /// A trial worker count that is not a whole number in range.
    #[error("{ENV_TRIAL_WORKERS} must be a whole number from 1 to 64, not {0:?}")]
    InvalidTrialWorkers(String),
    /// A browser lease that is not a whole number of seconds in range.
    #[error("{ENV_BROWSER_LEASE_SECS} must be a whole number from 1 to 3600, not {0:?}")]
    InvalidBrowserLease(String),
    /// A webhook URL that is not usable (the value is not repeated: it
    /// may hold a secret).
    #[error("{ENV_WEBHOOK_URL} is not usable: {0}")]
    InvalidWebhookUrl(&'static str),
    /// A WebSocket limit that is not a whole number in range.
    #[error("{origin} must be a whole number from 1 to {max}, not {value:?}")]
    InvalidLiveLimit {
        /// The text given.
        value: String,
        /// The variable it came from.
        origin: &'static str,
        /// The largest allowed.
        max: usize,
    },
    /// A token budget that is not a whole number in range.
    #[error("{ENV_DAILY_TOKEN_BUDGET} must be a whole number from 1000 to 1000000000, not {0:?}")]
    InvalidTokenBudget(String),
    /// The signing secret is too short.
    #[error("{ENV_JWT_SECRET} must have at least 32 bytes (it has {0}); generate one with `openssl rand -hex 32`")]
    ShortSecret(usize),
    /// A subcommand used wrongly.
    #[error("{0} (see --help)")]
    BadSubcommand(String),
}

impl Command {
    /// Parses the arguments (without the program name) and the environment.
    ///
    /// Flags win over environment variables, which win over the defaults. An
    /// environment variable set to the empty string counts as unset.
    pub fn parse<I, E>(args: I, env: E) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = OsString>,
        E: Fn(&str) -> Option<OsString>,
    {
        let mut args: Vec<OsString> = args.into_iter().collect();
        let words = subcommand_words(&mut args);
        let flags = Flags::parse(args)?;
        if flags.help {
            return Ok(Self::Help);
        }
        if flags.version {
            return Ok(Self::Version);
        }
        let env = |name: &str| env(name).filter(|value| !value.is_empty());

        let addr = match (flags.addr.clone(), env(ENV_ADDR)) {
            (Some(value), _) => parse_addr(&value, "--addr")?,
            (None, Some(value)) => parse_addr(&value, ENV_ADDR)?,
            (None, None) => DEFAULT_ADDR,
        };
        let dist = flags
            .dist
            .clone()
            .or_else(|| env(ENV_DIST))
            .map_or_else(|| PathBuf::from(DEFAULT_DIST), PathBuf::from);
        let data_dir = flags
            .data_dir
            .clone()
            .or_else(|| env(ENV_DATA_DIR))
            .map_or_else(|| PathBuf::from(DEFAULT_DATA_DIR), PathBuf::from);
        let trial = match words.first().map(String::as_str) {
            Some("trial") => Some(parse_trial(&words, &flags)?),
            _ => None,
        };
        if trial.is_none() && !words.is_empty() {
            let admin = parse_admin(&words, &flags)?;
            return Ok(Self::Admin { admin, data_dir });
        }
        if trial.is_none() && (flags.username.is_some() || flags.role.is_some()) {
            return Err(ConfigError::BadSubcommand(
                "--username and --role belong to the user subcommands".into(),
            ));
        }
        let jwt_secret = match env(ENV_JWT_SECRET) {
            None => None,
            Some(value) => {
                let bytes = value.to_string_lossy().into_owned().into_bytes();
                if bytes.len() < 32 {
                    return Err(ConfigError::ShortSecret(bytes.len()));
                }
                Some(Secret(bytes))
            }
        };
        let limit = |name: &'static str, default: u32| -> Result<u32, ConfigError> {
            match env(name) {
                None => Ok(default),
                Some(value) => {
                    let text = value.to_string_lossy().into_owned();
                    text.parse::<u32>()
                        .ok()
                        .filter(|n| (1..=1_000_000).contains(n))
                        .ok_or(ConfigError::InvalidLimit {
                            value: text,
                            origin: name,
                        })
                }
            }
        };
        let defaults = crate::limits::LimitSettings::default();
        let limits = crate::limits::LimitSettings {
            login_per_minute: limit(ENV_LOGIN_PER_MINUTE, defaults.login_per_minute)?,
            expensive_per_minute: limit(ENV_EXPENSIVE_PER_MINUTE, defaults.expensive_per_minute)?,
        };
        let text = |name: &str| env(name).map(|v| v.to_string_lossy().into_owned());
        let allow_public = match env(ENV_ALLOW_PUBLIC) {
            None => false,
            Some(value) if value == "1" => true,
            Some(value) if value == "0" => false,
            Some(value) => {
                return Err(ConfigError::InvalidAllowPublic(
                    value.to_string_lossy().into_owned(),
                ))
            }
        };
        let mut coach = crate::coach::CoachSettings::default();
        if let Some(value) = text(ENV_DAILY_TOKEN_BUDGET) {
            coach.daily_token_budget = value
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|n| (1_000..=1_000_000_000).contains(n))
                .ok_or(ConfigError::InvalidTokenBudget(value))?;
        }
        let prune_after_days = match text(ENV_PRUNE_AFTER_DAYS) {
            None => None,
            Some(value) => Some(
                value
                    .trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=3650).contains(n))
                    .ok_or(ConfigError::InvalidPruneDays(value))?,
            ),
        };
        let trial_workers = match text(ENV_TRIAL_WORKERS) {
            None => crate::trials::DEFAULT_WORKERS,
            Some(value) => value
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=crate::trials::MAX_WORKERS).contains(n))
                .ok_or(ConfigError::InvalidTrialWorkers(value))?,
        };
        let browser_lease_secs = match text(ENV_BROWSER_LEASE_SECS) {
            None => crate::trials::browser::DEFAULT_LEASE_SECS,
            Some(value) => value
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|n| (1..=crate::trials::browser::MAX_LEASE_SECS).contains(n))
                .ok_or(ConfigError::InvalidBrowserLease(value))?,
        };
        let webhook_url = text(ENV_WEBHOOK_URL)
            .map(|url| {
                crate::trials::webhook::WebhookUrl::parse(&url)
                    .map_err(ConfigError::InvalidWebhookUrl)
            })
            .transpose()?;
        let live_limit = |origin: &'static str, max: usize, default: usize| match text(origin) {
            None => Ok(default),
            Some(value) => value
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or(ConfigError::InvalidLiveLimit { value, origin, max }),
        };
        let live = crate::live::LiveSettings {
            buffer: live_limit(ENV_WS_BUFFER, 65_536, crate::live::DEFAULT_BUFFER)?,
            sockets_per_user: live_limit(
                ENV_WS_PER_USER,
                1024,
                crate::live::DEFAULT_SOCKETS_PER_USER,
            )?,
        };
        let coach_env = crate::coach::env::CoachEnv::capture(|name| text(name));
        let config = Config {
            addr,
            dist,
            allow_public,
            data_dir,
            jwt_secret,
            limits,
            public_origin: text(ENV_PUBLIC_ORIGIN),
            polygon_base_url: text(ENV_POLYGON_BASE_URL)
                .unwrap_or_else(|| DEFAULT_POLYGON_BASE_URL.to_string()),
            fred_base_url: text(ENV_FRED_BASE_URL)
                .unwrap_or_else(|| DEFAULT_FRED_BASE_URL.to_string()),
            coach_env,
            coach,
            prune_after_days,
            trial_workers,
            browser_lease_secs,
            webhook_url,
            live,
        };
        Ok(match trial {
            Some(trial) => Self::Trial { trial, config },
            None => Self::Serve(config),
        })
    }

    /// Parses the process's own arguments and environment.
    pub fn from_process() -> Result<Self, ConfigError> {
        Self::parse(std::env::args_os().skip(1), |name| std::env::var_os(name))
    }
}

/// The flags as given, before environment and defaults are applied.
#[derive(Default)]
struct Flags {
    addr: Option<OsString>,
    dist: Option<OsString>,
    data_dir: Option<OsString>,
    username: Option<OsString>,
    role: Option<OsString>,
    help: bool,
    version: bool,
}

impl Flags {
    fn parse<I: IntoIterator<Item = OsString>>(args: I) -> Result<Self, ConfigError> {
        let mut flags = Self::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let Some(text) = arg.to_str() else {
                return Err(ConfigError::UnknownArgument(
                    arg.to_string_lossy().into_owned(),
                ));
            };
            let (name, inline) = match text.split_once('=') {
                Some((name, value)) if name.starts_with("--") => (name, Some(value)),
                _ => (text, None),
            };
            let (slot, flag) = match name {
                "-h" | "--help" if inline.is_none() => {
                    flags.help = true;
                    continue;
                }
                "-V" | "--version" if inline.is_none() => {
                    flags.version = true;
                    continue;
                }
                "--addr" => (&mut flags.addr, "--addr"),
                "--dist" => (&mut flags.dist, "--dist"),
                "--data-dir" => (&mut flags.data_dir, "--data-dir"),
                "--username" => (&mut flags.username, "--username"),
                "--role" => (&mut flags.role, "--role"),
                _ => return Err(ConfigError::UnknownArgument(text.to_owned())),
            };
            if slot.is_some() {
                return Err(ConfigError::Repeated(flag));
            }
            let value = match inline {
                Some(value) => OsString::from(value),
                None => args.next().ok_or(ConfigError::MissingValue(flag))?,
            };
            *slot = Some(value);
        }
        Ok(flags)
    }
}

/// Removes and returns the leading words (arguments before the first flag)
/// that name a subcommand, e.g. `user create`.
fn subcommand_words(args: &mut Vec<OsString>) -> Vec<String> {
    let count = args
        .iter()
        .take_while(|arg| arg.to_str().is_some_and(|t| !t.starts_with('-')))
        .count();
    args.drain(..count)
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect()
}

fn parse_admin(words: &[String], flags: &Flags) -> Result<Admin, ConfigError> {
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let username = || {
        flags
            .username
            .as_ref()
            .map(|name| name.to_string_lossy().trim().to_string())
            .filter(|name| !name.is_empty())
            .ok_or_else(|| ConfigError::BadSubcommand("--username NAME is required".into()))
    };
    match words.as_slice() {
        ["migrate"] => Ok(Admin::Migrate),
        ["audit", "verify"] => Ok(Admin::VerifyAudit),
        ["user", "create"] => {
            let role = flags
                .role
                .as_ref()
                .map(|role| role.to_string_lossy().into_owned())
                .ok_or_else(|| {
                    ConfigError::BadSubcommand("--role viewer|analyst|admin is required".into())
                })?;
            let role = shared::api::Role::parse(&role).ok_or_else(|| {
                ConfigError::BadSubcommand(format!(
                    "--role must be viewer, analyst or admin, not {role:?}"
                ))
            })?;
            Ok(Admin::CreateUser {
                username: username()?,
                role,
            })
        }
        ["user", "reset-password"] => Ok(Admin::ResetPassword {
            username: username()?,
        }),
        other => Err(ConfigError::BadSubcommand(format!(
            "unknown subcommand {:?}",
            other.join(" ")
        ))),
    }
}

fn parse_trial(words: &[String], flags: &Flags) -> Result<TrialCommand, ConfigError> {
    if flags.role.is_some() {
        return Err(ConfigError::BadSubcommand(
            "--role belongs to the user subcommands".into(),
        ));
    }
    let username = flags
        .username
        .as_ref()
        .map(|name| name.to_string_lossy().trim().to_string())
        .filter(|name| !name.is_empty());
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["trial", "run", plan] => Ok(TrialCommand::Run {
            plan: PathBuf::from(plan),
            username,
        }),
        ["trial", "list"] => Ok(TrialCommand::List { username }),
        ["trial", "cancel", id] => {
            let id = id.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
                ConfigError::BadSubcommand(format!("trial cancel takes a trial id, not {id:?}"))
            })?;
            Ok(TrialCommand::Cancel { id, username })
        }
        _ => Err(ConfigError::BadSubcommand(
            "use trial run PLAN.json, trial list or trial cancel ID".into(),
        )),
    }
}

/// Parses `IP:PORT`, also accepting `localhost:PORT` as `127.0.0.1:PORT`.
fn parse_addr(value: &OsStr, origin: &'static str) -> Result<SocketAddr, ConfigError> {
    let text = value.to_str().ok_or(ConfigError::NotUtf8 { origin })?;
    let invalid = || ConfigError::InvalidAddr {
        value: text.to_owned(),
        origin,
    };
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    match text.split_once(':') {
        Some((host, port)) if host.eq_ignore_ascii_case("localhost") => {
            let port = port.parse::<u16>().map_err(|_| invalid())?;
            Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port))
        }
        _ => Err(invalid()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str], env: &[(&str, &str)]) -> Result<Command, ConfigError> {
        let env: Vec<(String, OsString)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), OsString::from(v)))
            .collect();
        Command::parse(args.iter().map(OsString::from), move |name| {
            env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    fn serve(args: &[&str], env: &[(&str, &str)]) -> Config {
        match parse(args, env) {
            Ok(Command::Serve(config)) => config,
            other => panic!("expected a config, got {other:?}"),
        }
    }

    #[test]
    fn trial_subcommands_parse_with_the_serving_config() {
        match parse(
            &["trial", "run", "plan.json", "--username", "ann"],
            &[(ENV_TRIAL_WORKERS, "3")],
        ) {
            Ok(Command::Trial { trial, config }) => {
                assert_eq!(
                    trial,
                    TrialCommand::Run {
                        plan: PathBuf::from("plan.json"),
                        username: Some("ann".into())
                    }
                );
                assert_eq!(config.trial_workers, 3);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(
            parse(&["trial", "cancel", "7"], &[]),
            Ok(Command::Trial {
                trial: TrialCommand::Cancel {
                    id: 7,
                    username: None
                },
                ..
            })
        ));
        assert!(matches!(
            parse(&["trial", "list"], &[]),
            Ok(Command::Trial {
                trial: TrialCommand::List { .. },
                ..
            })
        ));
        assert!(matches!(
            parse(&["trial", "cancel", "x"], &[]),
            Err(ConfigError::BadSubcommand(_))
        ));
        assert!(matches!(
            parse(&["trial"], &[]),
            Err(ConfigError::BadSubcommand(_))
        ));
        assert_eq!(
            parse(&[], &[(ENV_TRIAL_WORKERS, "0")]),
            Err(ConfigError::InvalidTrialWorkers("0".into()))
        );
        assert_eq!(serve(&[], &[]).trial_workers, 2);
        assert_eq!(serve(&[], &[]).browser_lease_secs, 30);
        assert_eq!(
            serve(&[], &[(ENV_BROWSER_LEASE_SECS, "2")]).browser_lease_secs,
            2
        );
        for bad in ["0", "3601", "soon"] {
            assert_eq!(
                parse(&[], &[(ENV_BROWSER_LEASE_SECS, bad)]),
                Err(ConfigError::InvalidBrowserLease(bad.into()))
            );
        }
    }

    #[test]
    fn webhook_and_live_limits() {
        let config = serve(
            &[],
            &[
                (ENV_WEBHOOK_URL, "https://hooks.example.com/T/B/SECRET"),
                (ENV_WS_BUFFER, "4"),
                (ENV_WS_PER_USER, "3"),
            ],
        );
        assert!(config.webhook_url.is_some());
        assert!(!format!("{config:?}").contains("SECRET"));
        assert_eq!(config.live.buffer, 4);
        assert_eq!(config.live.sockets_per_user, 3);
        assert_eq!(serve(&[], &[]).live, crate::live::LiveSettings::default());
        let error = parse(&[], &[(ENV_WEBHOOK_URL, "ftp://x.example/SECRET")]).unwrap_err();
        assert!(matches!(error, ConfigError::InvalidWebhookUrl(_)));
        assert!(!error.to_string().contains("SECRET"), "{error}");
        for (name, bad) in [
            (ENV_WS_BUFFER, "0"),
            (ENV_WS_BUFFER, "65537"),
            (ENV_WS_PER_USER, "x"),
        ] {
            assert!(matches!(
                parse(&[], &[(name, bad)]),
                Err(ConfigError::InvalidLiveLimit { origin, .. }) if origin == name
            ));
        }
    }

    #[test]
    fn defaults_to_loopback_8080_and_dist() {
        assert_eq!(serve(&[], &[]), Config::default());
        assert_eq!(Config::default().addr.to_string(), "127.0.0.1:8080");
    }

    #[test]
    fn flags_take_separate_or_inline_values() {
        let config = serve(&["--addr", "127.0.0.1:0", "--dist=/tmp/d"], &[]);
        assert_eq!(config.addr.to_string(), "127.0.0.1:0");
        assert_eq!(config.dist, PathBuf::from("/tmp/d"));
    }

    #[test]
    fn flags_win_over_environment_which_wins_over_defaults() {
        let env = [(ENV_ADDR, "127.0.0.1:9000"), (ENV_DIST, "/srv/app")];
        let from_env = serve(&[], &env);
        assert_eq!(from_env.addr.to_string(), "127.0.0.1:9000");
        assert_eq!(from_env.dist, PathBuf::from("/srv/app"));
        let from_flag = serve(&["--addr", "[::1]:7000"], &env);
        assert_eq!(from_flag.addr.to_string(), "[::1]:7000");
    }

    #[test]
    fn empty_environment_values_count_as_unset() {
        assert_eq!(
            serve(&[], &[(ENV_ADDR, ""), (ENV_DIST, "")]),
            Config::default()
        );
    }

    #[test]
    fn coach_budget_and_environment() {
        let config = serve(
            &[],
            &[
                (ENV_DAILY_TOKEN_BUDGET, "50000"),
                ("ANTHROPIC_API_KEY", "sk-SENTINEL-config"),
            ],
        );
        assert_eq!(config.coach.daily_token_budget, 50_000);
        assert_eq!(
            config.coach_env.get("ANTHROPIC_API_KEY").as_deref(),
            Some("sk-SENTINEL-config")
        );
        assert!(!format!("{config:?}").contains("SENTINEL"));
        for bad in ["0", "-5", "lots", "999"] {
            assert_eq!(
                parse(&[], &[(ENV_DAILY_TOKEN_BUDGET, bad)]),
                Err(ConfigError::InvalidTokenBudget(bad.to_string()))
            );
        }
        assert_eq!(config.prune_after_days, None);
        let pruning = serve(&[], &[(ENV_PRUNE_AFTER_DAYS, "90")]);
        assert_eq!(pruning.prune_after_days, Some(90));
        for bad in ["0", "3651", "soon"] {
            assert_eq!(
                parse(&[], &[(ENV_PRUNE_AFTER_DAYS, bad)]),
                Err(ConfigError::InvalidPruneDays(bad.to_string()))
            );
        }
    }

    #[test]
    fn localhost_means_ipv4_loopback() {
        assert_eq!(
            serve(&["--addr", "localhost:8081"], &[]).addr.to_string(),
            "127.0.0.1:8081"
        );
    }

    #[test]
    fn allow_public_accepts_only_one_or_zero() {
        assert!(serve(&[], &[(ENV_ALLOW_PUBLIC, "1")]).allow_public);
        assert!(!serve(&[], &[(ENV_ALLOW_PUBLIC, "0")]).allow_public);
        assert_eq!(
            parse(&[], &[(ENV_ALLOW_PUBLIC, "yes")]),
            Err(ConfigError::InvalidAllowPublic("yes".into()))
        );
    }

    #[test]
    fn bad_command_lines_are_errors_not_panics() {
        assert_eq!(
            parse(&["--port", "1"], &[]),
            Err(ConfigError::UnknownArgument("--port".into()))
        );
        assert_eq!(
            parse(&["--addr"], &[]),
            Err(ConfigError::MissingValue("--addr"))
        );
        assert_eq!(
            parse(&["--dist", "a", "--dist", "b"], &[]),
            Err(ConfigError::Repeated("--dist"))
        );
        assert!(matches!(
            parse(&["--addr", "example.com:80"], &[]),
            Err(ConfigError::InvalidAddr {
                origin: "--addr",
                ..
            })
        ));
        assert!(matches!(
            parse(&[], &[(ENV_ADDR, "8080")]),
            Err(ConfigError::InvalidAddr {
                origin: ENV_ADDR,
                ..
            })
        ));
        assert!(matches!(
            parse(&["--addr", "localhost:http"], &[]),
            Err(ConfigError::InvalidAddr { .. })
        ));
    }

    #[test]
    fn help_and_version_are_commands() {
        assert_eq!(parse(&["--help"], &[]), Ok(Command::Help));
        assert_eq!(parse(&["-V"], &[]), Ok(Command::Version));
    }

    #[test]
    fn admin_subcommands() {
        assert_eq!(
            parse(&["migrate", "--data-dir", "/tmp/x"], &[]),
            Ok(Command::Admin {
                admin: Admin::Migrate,
                data_dir: PathBuf::from("/tmp/x")
            })
        );
        assert_eq!(
            parse(
                &["user", "create", "--username", "ann", "--role", "viewer"],
                &[(ENV_DATA_DIR, "/d")]
            ),
            Ok(Command::Admin {
                admin: Admin::CreateUser {
                    username: "ann".into(),
                    role: shared::api::Role::Viewer
                },
                data_dir: PathBuf::from("/d")
            })
        );
        assert!(matches!(
            parse(&["user", "create", "--username", "ann", "--role", "boss"], &[]),
            Err(ConfigError::BadSubcommand(message)) if message.contains("boss")
        ));
        assert!(matches!(
            parse(&["user", "drop"], &[]),
            Err(ConfigError::BadSubcommand(_))
        ));
        assert!(matches!(
            parse(&["--role", "admin"], &[]),
            Err(ConfigError::BadSubcommand(_))
        ));
    }

    #[test]
    fn secrets_and_limits() {
        assert_eq!(
            parse(&[], &[(ENV_JWT_SECRET, "short")]),
            Err(ConfigError::ShortSecret(5))
        );
        let config = serve(
            &[],
            &[
                (ENV_JWT_SECRET, &"k".repeat(32)),
                (ENV_LOGIN_PER_MINUTE, "3"),
            ],
        );
        assert_eq!(config.jwt_secret, Some(Secret(vec![b'k'; 32])));
        assert!(!format!("{config:?}").contains("kkkk"));
        assert_eq!(config.limits.login_per_minute, 3);
        assert!(matches!(
            parse(&[], &[(ENV_EXPENSIVE_PER_MINUTE, "0")]),
            Err(ConfigError::InvalidLimit { .. })
        ));
    }
}
