//! realistic-core: what the server and the CLI share.
//!
//! - [`VERSION`]: the line `GET /version` answers and `--version` prints.
//! - [`Config`]: the server's JSON config file (`-f FILE`), validated by `realistic-ctl check`.
//! - [`Info`]: the JSON body of `GET /api/info`.
//! - [`static_path`] and [`content_type`]: how a request path maps to a file of the UI export.

use std::path::{Component, Path, PathBuf};

use percent_encoding::percent_decode_str;
use serde::{Deserialize, Serialize};

// The tests change this line to prove an app-only rebuild.
pub const VERSION: &str = "realistic 1.0";

/// The server's config file; every field is optional.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Shown by the UI and returned in `GET /api/info`.
    pub greeting: String,
    /// Feature flags the UI may show.
    pub features: Vec<String>,
    /// Seconds to wait for open connections on SIGTERM before exiting.
    pub shutdown_grace_seconds: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config { greeting: "hello from cairn".to_string(), features: Vec::new(), shutdown_grace_seconds: 5 }
    }
}

impl Config {
    /// Parses and checks a config file's text.
    pub fn parse(text: &str) -> Result<Config, String> {
        let config: Config = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if config.greeting.trim().is_empty() {
            return Err("greeting must not be empty".to_string());
        }
        if config.shutdown_grace_seconds > 300 {
            return Err("shutdown_grace_seconds must be at most 300".to_string());
        }
        Ok(config)
    }
}

/// `GET /api/info`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Info {
    pub name: String,
    pub version: String,
    pub greeting: String,
    pub features: Vec<String>,
    pub uptime_seconds: u64,
    pub requests: u64,
}

/// Maps a request path to a file under `ui_dir` the way a Next.js static export lays it out:
/// `/` is `index.html`, `/a/` is `a/index.html`, `/about` is `about` if that file exists or else
/// `about.html`. Percent-escapes are decoded; anything but plain names (`..`, absolute) is
/// refused. Returns None when no such file exists.
pub fn static_path(ui_dir: &Path, request_path: &str) -> Option<PathBuf> {
    let decoded = percent_decode_str(request_path).decode_utf8().ok()?;
    let relative = decoded.trim_start_matches('/');
    let relative = if relative.is_empty() || relative.ends_with('/') {
        format!("{}index.html", relative)
    } else {
        relative.to_string()
    };
    if !Path::new(&relative).components().all(|c| matches!(c, Component::Normal(_))) {
        return None;
    }
    let file = ui_dir.join(&relative);
    if file.is_file() {
        return Some(file);
    }
    let html = ui_dir.join(format!("{}.html", relative));
    if html.is_file() {
        return Some(html);
    }
    None
}

/// The Content-Type for a file, by its extension.
pub fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn config_defaults_and_checks() {
        assert_eq!(Config::parse("{}").unwrap(), Config::default());
        let config = Config::parse(r#"{"greeting": "hi", "features": ["a"]}"#).unwrap();
        assert_eq!(config.greeting, "hi");
        assert_eq!(config.features, vec!["a".to_string()]);
        assert!(Config::parse(r#"{"greeting": " "}"#).is_err());
        assert!(Config::parse(r#"{"colour": "red"}"#).is_err());
        assert!(Config::parse(r#"{"shutdown_grace_seconds": 301}"#).is_err());
    }

    #[test]
    fn static_paths() {
        let dir = std::env::temp_dir().join(format!("realistic-core-test-{}", std::process::id()));
        fs::create_dir_all(dir.join("docs")).unwrap();
        fs::write(dir.join("index.html"), "i").unwrap();
        fs::write(dir.join("about.html"), "a").unwrap();
        fs::write(dir.join("docs/index.html"), "d").unwrap();
        fs::write(dir.join("a b.js"), "j").unwrap();
        assert_eq!(static_path(&dir, "/"), Some(dir.join("index.html")));
        assert_eq!(static_path(&dir, "/about"), Some(dir.join("about.html")));
        assert_eq!(static_path(&dir, "/docs/"), Some(dir.join("docs/index.html")));
        assert_eq!(static_path(&dir, "/a%20b.js"), Some(dir.join("a b.js")));
        assert_eq!(static_path(&dir, "/../etc/passwd"), None);
        assert_eq!(static_path(&dir, "/missing"), None);
        assert_eq!(content_type(Path::new("x.js")), "text/javascript; charset=utf-8");
        fs::remove_dir_all(&dir).unwrap();
    }
}
