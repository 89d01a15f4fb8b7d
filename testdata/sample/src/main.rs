//! sample-server: the tiny HTTP/1.1 server that cairn's tests and demo build into an image.
//!
//!   GET /health   200 "ok\n"
//!   GET /version  200 "<VERSION>\n"
//!   GET /config   200 the file given with `-f FILE` (404 without one)
//!   GET /other    static file from $UI_DIR (default /app/ui); "/" is index.html
//!
//! Listens on 0.0.0.0:$PORT (default 8080). `sample-server --version` prints VERSION and exits.
//! Only std networking; the three small dependencies come from Debian's packaged crates.

use std::env;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::process;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;

use fnv::FnvHashMap;
use percent_encoding::percent_decode_str;

// The tests change this line to prove an app-only rebuild.
const VERSION: &str = "sample 1.0";

static REQUESTS: AtomicU64 = AtomicU64::new(0);

struct Server {
    ui_dir: PathBuf,
    config: Option<Vec<u8>>,
    types: FnvHashMap<&'static str, &'static str>,
}

fn main() {
    let mut config_path = None;
    let mut args = env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--version" | "-V" => {
                println!("{}", VERSION);
                return;
            }
            "-f" | "--config" => config_path = args.next(),
            _ => fail(&format!("usage: sample-server [--version] [-f CONFIG]; unknown '{}'", arg)),
        }
    }
    let config = config_path.map(|path| {
        fs::read(&path).unwrap_or_else(|e| fail(&format!("cannot read config {}: {}", path, e)))
    });
    let port = env::var("PORT").unwrap_or_else(|_| "8080".to_string());
    let ui_dir = PathBuf::from(env::var("UI_DIR").unwrap_or_else(|_| "/app/ui".to_string()));

    let types = [
        ("html", "text/html; charset=utf-8"),
        ("js", "text/javascript; charset=utf-8"),
        ("css", "text/css; charset=utf-8"),
        ("json", "application/json"),
        ("txt", "text/plain; charset=utf-8"),
        ("svg", "image/svg+xml"),
        ("png", "image/png"),
    ];
    let server = Arc::new(Server { ui_dir, config, types: types.into_iter().collect() });

    let address = format!("0.0.0.0:{}", port);
    let listener = TcpListener::bind(&address)
        .unwrap_or_else(|e| fail(&format!("cannot listen on {}: {}", address, e)));
    eprintln!("sample-server {} listening on {}, ui {}", VERSION, address, server.ui_dir.display());
    for stream in listener.incoming().flatten() {
        let server = Arc::clone(&server);
        thread::spawn(move || server.handle(stream));
    }
}

fn fail(message: &str) -> ! {
    eprintln!("sample-server: {}", message);
    process::exit(1);
}

impl Server {
    // One request per connection (Connection: close); errors just drop the connection.
    fn handle(&self, stream: TcpStream) {
        let mut reader = BufReader::new(&stream);
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).is_err() {
            return;
        }
        loop {
            let mut header = String::new();
            match reader.read_line(&mut header) {
                Ok(n) if n > 0 && !header.trim_end().is_empty() => continue,
                _ => break,
            }
        }
        let count = REQUESTS.fetch_add(1, Ordering::Relaxed) + 1;
        let mut words = request_line.split_whitespace();
        let method = words.next().unwrap_or("");
        let target = words.next().unwrap_or("/");
        let path = target.split('?').next().unwrap_or("/");

        let (status, content_type, body) = if method != "GET" && method != "HEAD" {
            ("405 Method Not Allowed", "text/plain", b"method not allowed\n".to_vec())
        } else {
            self.route(path)
        };
        let mut counter = itoa::Buffer::new();
        let mut length = itoa::Buffer::new();
        let head = format!(
            "HTTP/1.1 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nX-Request-Count: {}\r\nConnection: close\r\n\r\n",
            status,
            content_type,
            length.format(body.len()),
            counter.format(count)
        );
        let mut stream = &stream;
        let _ = stream.write_all(head.as_bytes());
        if method != "HEAD" {
            let _ = stream.write_all(&body);
        }
    }

    fn route(&self, path: &str) -> (&'static str, &'static str, Vec<u8>) {
        let text = "text/plain; charset=utf-8";
        match path {
            "/health" => ("200 OK", text, b"ok\n".to_vec()),
            "/version" => ("200 OK", text, format!("{}\n", VERSION).into_bytes()),
            "/config" => match &self.config {
                Some(config) => ("200 OK", text, config.clone()),
                None => ("404 Not Found", text, b"no config\n".to_vec()),
            },
            _ => match self.static_file(path) {
                Some((content_type, body)) => ("200 OK", content_type, body),
                None => ("404 Not Found", text, b"not found\n".to_vec()),
            },
        }
    }

    // Maps "/a%20b.js" to $UI_DIR/a b.js; anything but plain names (.., absolute) is refused.
    fn static_file(&self, path: &str) -> Option<(&'static str, Vec<u8>)> {
        let decoded = percent_decode_str(path).decode_utf8().ok()?;
        let relative = decoded.trim_start_matches('/');
        let relative = if relative.is_empty() || relative.ends_with('/') {
            format!("{}index.html", relative)
        } else {
            relative.to_string()
        };
        if !Path::new(&relative).components().all(|c| matches!(c, Component::Normal(_))) {
            return None;
        }
        let file = self.ui_dir.join(&relative);
        let body = fs::read(&file).ok()?;
        let extension = file.extension().and_then(|e| e.to_str()).unwrap_or("");
        let content_type = self.types.get(extension).copied().unwrap_or("application/octet-stream");
        Some((content_type, body))
    }
}
