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

/// The address used when neither `--addr` nor `MLTRAINER_ADDR` is given.
pub const DEFAULT_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8080);
/// The dist directory used when neither `--dist` nor `MLTRAINER_DIST` is given.
pub const DEFAULT_DIST: &str = "dist";

/// The text printed for `--help`.
pub const USAGE: &str = "\
mltrainer-server: serves the mlTrainer app

Usage: mltrainer-server [--addr IP:PORT] [--dist DIR]

Options:
  --addr IP:PORT  address to listen on [env: MLTRAINER_ADDR] [default: 127.0.0.1:8080]
                  (port 0 picks a free port; the listening line shows the real one)
  --dist DIR      directory of the built app, holding index.html [env: MLTRAINER_DIST] [default: dist]
  -h, --help      print this help
  -V, --version   print the version

Environment:
  MLTRAINER_ALLOW_PUBLIC=1  allow a non-loopback --addr (there are no accounts yet)
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
}

impl Default for Config {
    fn default() -> Self {
        Self {
            addr: DEFAULT_ADDR,
            dist: PathBuf::from(DEFAULT_DIST),
            allow_public: false,
        }
    }
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Run the server with this configuration.
    Serve(Config),
    /// Print [`USAGE`] and exit successfully.
    Help,
    /// Print the version and exit successfully.
    Version,
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
        let flags = Flags::parse(args)?;
        if flags.help {
            return Ok(Self::Help);
        }
        if flags.version {
            return Ok(Self::Version);
        }
        let env = |name: &str| env(name).filter(|value| !value.is_empty());

        let addr = match (flags.addr, env(ENV_ADDR)) {
            (Some(value), _) => parse_addr(&value, "--addr")?,
            (None, Some(value)) => parse_addr(&value, ENV_ADDR)?,
            (None, None) => DEFAULT_ADDR,
        };
        let dist = flags
            .dist
            .or_else(|| env(ENV_DIST))
            .map_or_else(|| PathBuf::from(DEFAULT_DIST), PathBuf::from);
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
        Ok(Self::Serve(Config {
            addr,
            dist,
            allow_public,
        }))
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
}
