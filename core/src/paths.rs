//! Where kanbao keeps its files: the XDG base directories, each with a
//! `kanbao` directory in it. This is the only place that reads
//! `XDG_CONFIG_HOME`, `XDG_DATA_HOME`, `XDG_STATE_HOME`, `XDG_CACHE_HOME`
//! and `HOME`.
//!
//! A variable that is set but empty counts as unset (as the XDG Base
//! Directory specification says); without the variable, the directory is
//! the specification's default under `$HOME`. Without either, there is no
//! directory (`None`).

use std::ffi::OsString;
use std::path::PathBuf;

/// `$XDG_CONFIG_HOME/kanbao` (default `~/.config/kanbao`): `config.toml`
/// and `subscriptions.json`.
pub fn config_dir() -> Option<PathBuf> {
    kanbao_dir(env, "XDG_CONFIG_HOME", ".config")
}

/// `$XDG_DATA_HOME/kanbao` (default `~/.local/share/kanbao`): the library
/// database.
pub fn data_dir() -> Option<PathBuf> {
    kanbao_dir(env, "XDG_DATA_HOME", ".local/share")
}

/// `$XDG_STATE_HOME/kanbao` (default `~/.local/state/kanbao`): the read and
/// starred marks.
pub fn state_dir() -> Option<PathBuf> {
    kanbao_dir(env, "XDG_STATE_HOME", ".local/state")
}

/// `$XDG_CACHE_HOME/kanbao` (default `~/.cache/kanbao`): the metadata cache.
pub fn cache_dir() -> Option<PathBuf> {
    kanbao_dir(env, "XDG_CACHE_HOME", ".cache")
}

/// `$XDG_DATA_HOME/kanbao/library` (default `~/.local/share/kanbao/library`):
/// where kanbao 0.1 stored articles, one JSON file each; imported into the
/// library database ([`library_db`]) the first time it is opened.
pub fn library_dir() -> Option<PathBuf> {
    data_dir().map(|d| d.join("library"))
}

/// `$XDG_DATA_HOME/kanbao/library.sqlite3` (default
/// `~/.local/share/kanbao/library.sqlite3`): the library database, where
/// `kanbao import` and `kanbao update` store articles and what `kanbao`
/// opens with no arguments.
pub fn library_db() -> Option<PathBuf> {
    data_dir().map(|d| d.join("library.sqlite3"))
}

fn env(name: &str) -> Option<OsString> {
    std::env::var_os(name)
}

/// `$var/kanbao`, else `$HOME/home_default/kanbao`, looking variables up
/// with `get`.
fn kanbao_dir(
    get: impl Fn(&str) -> Option<OsString>,
    var: &str,
    home_default: &str,
) -> Option<PathBuf> {
    let base = get(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| get("HOME").map(|h| PathBuf::from(h).join(home_default)))?;
    Some(base.join("kanbao"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| {
            vars.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn the_variable_wins_over_home() {
        let get = with(&[("XDG_STATE_HOME", "/state"), ("HOME", "/home/u")]);
        assert_eq!(
            kanbao_dir(get, "XDG_STATE_HOME", ".local/state"),
            Some(PathBuf::from("/state/kanbao"))
        );
    }

    #[test]
    fn an_empty_variable_is_unset() {
        let get = with(&[("XDG_CONFIG_HOME", ""), ("HOME", "/home/u")]);
        assert_eq!(
            kanbao_dir(get, "XDG_CONFIG_HOME", ".config"),
            Some(PathBuf::from("/home/u/.config/kanbao"))
        );
    }

    #[test]
    fn without_either_there_is_no_directory() {
        assert_eq!(kanbao_dir(with(&[]), "XDG_CACHE_HOME", ".cache"), None);
    }

    #[test]
    fn the_real_directories_end_in_kanbao() {
        // Only the shape: the environment is shared between tests.
        for dir in [config_dir(), data_dir(), state_dir(), cache_dir()]
            .into_iter()
            .flatten()
        {
            assert!(dir.ends_with("kanbao"), "{}", dir.display());
        }
        if let Some(dir) = library_dir() {
            assert!(dir.ends_with("kanbao/library"), "{}", dir.display());
        }
        if let Some(db) = library_db() {
            assert!(db.ends_with("kanbao/library.sqlite3"), "{}", db.display());
        }
    }
}
