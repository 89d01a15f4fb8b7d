//! realistic-ctl: the realistic sample's command-line tool.
//!
//!   realistic-ctl health [--url URL] [--timeout-ms N]   GET URL/health; exit 0 on "200 ok"
//!   realistic-ctl info [--url URL]                      GET URL/api/info, print it
//!   realistic-ctl check FILE                            validate a server config file
//!   realistic-ctl version                               print the version
//!
//! `--url` defaults to $REALISTIC_URL or http://127.0.0.1:8080; `health` suits a container's
//! health check (no shell or curl needed in the image).

use std::path::PathBuf;
use std::process;
use std::time::Duration;

use clap::{Parser, Subcommand};
use hyper::{Client, Uri};
use realistic_core::{Config, Info, VERSION};

#[derive(Parser, Debug)]
#[command(name = "realistic-ctl", version = VERSION, about = "The realistic sample's command-line tool")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check that a server answers GET /health with 200.
    Health {
        #[arg(long, env = "REALISTIC_URL", default_value = "http://127.0.0.1:8080")]
        url: String,
        #[arg(long, default_value_t = 2000)]
        timeout_ms: u64,
    },
    /// Print a server's GET /api/info.
    Info {
        #[arg(long, env = "REALISTIC_URL", default_value = "http://127.0.0.1:8080")]
        url: String,
    },
    /// Validate a server config file.
    Check { file: PathBuf },
    /// Print the version.
    Version,
}

fn main() {
    let args = Args::parse();
    let code = match args.command {
        Command::Version => {
            println!("{}", VERSION);
            0
        }
        Command::Check { file } => check(&file),
        Command::Health { url, timeout_ms } => {
            runtime().block_on(health(&url, Duration::from_millis(timeout_ms)))
        }
        Command::Info { url } => runtime().block_on(info(&url)),
    };
    process::exit(code);
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime")
}

fn check(file: &PathBuf) -> i32 {
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("realistic-ctl: cannot read {}: {}", file.display(), e);
            return 2;
        }
    };
    match Config::parse(&text) {
        Ok(config) => {
            println!("{}: ok ({} features)", file.display(), config.features.len());
            0
        }
        Err(e) => {
            eprintln!("realistic-ctl: {}: {}", file.display(), e);
            1
        }
    }
}

async fn get(url: &str, path: &str) -> Result<(u16, Vec<u8>), String> {
    let uri: Uri = format!("{}{}", url.trim_end_matches('/'), path).parse().map_err(|e| format!("bad url: {}", e))?;
    let response = Client::new().get(uri).await.map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let body = hyper::body::to_bytes(response.into_body()).await.map_err(|e| e.to_string())?;
    Ok((status, body.to_vec()))
}

async fn health(url: &str, timeout: Duration) -> i32 {
    match tokio::time::timeout(timeout, get(url, "/health")).await {
        Ok(Ok((200, body))) if body == b"ok\n" => {
            println!("healthy");
            0
        }
        Ok(Ok((status, _))) => {
            eprintln!("realistic-ctl: unhealthy: status {}", status);
            1
        }
        Ok(Err(e)) => {
            eprintln!("realistic-ctl: unhealthy: {}", e);
            1
        }
        Err(_) => {
            eprintln!("realistic-ctl: unhealthy: no answer in {} ms", timeout.as_millis());
            1
        }
    }
}

async fn info(url: &str) -> i32 {
    match get(url, "/api/info").await {
        Ok((200, body)) => match serde_json::from_slice::<Info>(&body) {
            Ok(info) => {
                println!("{} {} up {}s, {} requests", info.name, info.version, info.uptime_seconds, info.requests);
                0
            }
            Err(e) => {
                eprintln!("realistic-ctl: bad /api/info: {}", e);
                1
            }
        },
        Ok((status, _)) => {
            eprintln!("realistic-ctl: /api/info: status {}", status);
            1
        }
        Err(e) => {
            eprintln!("realistic-ctl: {}", e);
            1
        }
    }
}
