//! realistic-server: the realistic sample's HTTP/1.1 server (hyper 0.14 on tokio).
//!
//!   GET /health     200 "ok\n"
//!   GET /version    200 "<VERSION>\n"
//!   GET /api/info   200 JSON: name, version, greeting, features, uptime_seconds, requests
//!   GET /config     200 the file given with `-f FILE` (404 without one)
//!   GET /other      a file of the UI's static export in --ui-dir / $UI_DIR (default /app/ui):
//!                   "/" is index.html, "/about" is about.html; otherwise 404.html with 404
//!
//! Listens on $BIND:$PORT (default 0.0.0.0:8080); logs one line a request to stderr (filter with
//! RUST_LOG, default "info"); on SIGTERM or Ctrl-C stops accepting and lets open requests finish
//! for at most the config's shutdown_grace_seconds. `realistic-server --version` prints the
//! version and exits.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::service::{make_service_fn, service_fn};
use hyper::{Body, Method, Request, Response, Server, StatusCode};
use realistic_core::{content_type, static_path, Config, Info, VERSION};
use tracing::{error, info, warn};
use tracing_subscriber::EnvFilter;

#[derive(Parser, Debug)]
#[command(name = "realistic-server", version = VERSION, about = "The realistic sample's HTTP server")]
struct Args {
    /// Port to listen on.
    #[arg(long, env = "PORT", default_value_t = 8080)]
    port: u16,
    /// Address to listen on.
    #[arg(long, env = "BIND", default_value = "0.0.0.0")]
    bind: IpAddr,
    /// Directory of the UI's static export (ui/out).
    #[arg(long, env = "UI_DIR", default_value = "/app/ui")]
    ui_dir: PathBuf,
    /// JSON config file (see realistic-core's Config).
    #[arg(short = 'f', long = "config", env = "CONFIG_FILE")]
    config: Option<PathBuf>,
}

struct State {
    ui_dir: PathBuf,
    config: Config,
    config_text: Option<Vec<u8>>,
    started: Instant,
    requests: AtomicU64,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();

    let (config, config_text) = match &args.config {
        None => (Config::default(), None),
        Some(path) => {
            let text = std::fs::read(path)
                .unwrap_or_else(|e| fail(&format!("cannot read config {}: {}", path.display(), e)));
            let config = Config::parse(&String::from_utf8_lossy(&text))
                .unwrap_or_else(|e| fail(&format!("bad config {}: {}", path.display(), e)));
            (config, Some(text))
        }
    };
    let grace = Duration::from_secs(config.shutdown_grace_seconds);
    let state = Arc::new(State {
        ui_dir: args.ui_dir,
        config,
        config_text,
        started: Instant::now(),
        requests: AtomicU64::new(0),
    });

    let address = SocketAddr::new(args.bind, args.port);
    let builder = Server::try_bind(&address)
        .unwrap_or_else(|e| fail(&format!("cannot listen on {}: {}", address, e)));
    let make_service = make_service_fn(move |_connection| {
        let state = Arc::clone(&state);
        async move { Ok::<_, Infallible>(service_fn(move |request| handle(Arc::clone(&state), request))) }
    });
    info!(version = VERSION, %address, "listening");

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = builder.serve(make_service).with_graceful_shutdown(async {
        stopped.await.ok();
    });
    tokio::pin!(server);
    tokio::select! {
        result = &mut server => {
            if let Err(e) = result {
                fail(&format!("server error: {}", e));
            }
        }
        signal = shutdown_signal() => {
            info!(signal, "shutting down");
            let _ = stop.send(());
            match tokio::time::timeout(grace, server).await {
                Ok(Ok(())) => info!("stopped"),
                Ok(Err(e)) => error!(error = %e, "server error while stopping"),
                Err(_) => warn!(grace_seconds = grace.as_secs(), "open connections outlived the grace period"),
            }
        }
    }
}

fn fail(message: &str) -> ! {
    eprintln!("realistic-server: {}", message);
    process::exit(1);
}

async fn shutdown_signal() -> &'static str {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .unwrap_or_else(|e| fail(&format!("cannot handle SIGTERM: {}", e)));
    tokio::select! {
        _ = terminate.recv() => "SIGTERM",
        _ = tokio::signal::ctrl_c() => "SIGINT",
    }
}

async fn handle(state: Arc<State>, request: Request<Body>) -> Result<Response<Body>, Infallible> {
    let started = Instant::now();
    let count = state.requests.fetch_add(1, Ordering::Relaxed) + 1;
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let mut response = if method != Method::GET && method != Method::HEAD {
        text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n")
    } else {
        route(&state, &path).await
    };
    if let Ok(value) = HeaderValue::from_str(&count.to_string()) {
        response.headers_mut().insert("x-request-count", value);
    }
    info!(
        %method,
        path = %path,
        status = response.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    Ok(response)
}

async fn route(state: &State, path: &str) -> Response<Body> {
    match path {
        "/health" => text(StatusCode::OK, "ok\n"),
        "/version" => text(StatusCode::OK, format!("{}\n", VERSION)),
        "/api/info" => {
            let info = Info {
                name: "realistic".to_string(),
                version: VERSION.to_string(),
                greeting: state.config.greeting.clone(),
                features: state.config.features.clone(),
                uptime_seconds: state.started.elapsed().as_secs(),
                requests: state.requests.load(Ordering::Relaxed),
            };
            let body = serde_json::to_vec_pretty(&info).expect("Info serializes");
            with_type(StatusCode::OK, "application/json", body)
        }
        "/config" => match &state.config_text {
            Some(text) => with_type(StatusCode::OK, "application/json", text.clone()),
            None => text(StatusCode::NOT_FOUND, "no config\n"),
        },
        _ => match static_file(state, path).await {
            Some(response) => response,
            None => not_found(state).await,
        },
    }
}

async fn static_file(state: &State, path: &str) -> Option<Response<Body>> {
    let file = static_path(&state.ui_dir, path)?;
    let body = tokio::fs::read(&file).await.ok()?;
    Some(with_type(StatusCode::OK, content_type(&file), body))
}

// The export's own 404 page when it has one.
async fn not_found(state: &State) -> Response<Body> {
    match tokio::fs::read(state.ui_dir.join("404.html")).await {
        Ok(body) => with_type(StatusCode::NOT_FOUND, "text/html; charset=utf-8", body),
        Err(_) => text(StatusCode::NOT_FOUND, "not found\n"),
    }
}

fn text(status: StatusCode, body: impl Into<Body>) -> Response<Body> {
    with_type(status, "text/plain; charset=utf-8", body)
}

fn with_type(status: StatusCode, content_type: &'static str, body: impl Into<Body>) -> Response<Body> {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
