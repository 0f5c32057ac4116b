//! Static files against the cheapest answers of the same server, in the same run: requests per
//! second for `/healthz` (no database), the favicon and the content-hashed stylesheet (served on
//! their own routes, precompressed gzip), and the server-rendered shop list page — all through
//! the whole router with its layers, over loopback HTTP.
//!
//!     DATABASE_URL=postgres://… cargo bench -p server --bench static_files [-- CONNECTIONS SECONDS]
//!
//! Defaults: 32 connections (as wrk's `-c 32` in issue 19), 5 seconds per route. The client runs
//! in the same process on the same 2 cores, so the absolute figures are lower than wrk's; the
//! ratios to `/healthz` are what to compare.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::Bench;
use http_body_util::{BodyExt, Full};
use leptos::prelude::LeptosOptions;
use leptos::server_fn::Bytes;

const HASHED_CSS: &str = "paydesk.bench0123456789abcdef.css";

/// A site folder like the build's: the stylesheet under a hashed name with its gzip copy, the
/// favicon at the root.
fn site() -> std::path::PathBuf {
    let root = std::env::temp_dir().join(format!("paydesk-static-bench-{}", std::process::id()));
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    std::fs::create_dir_all(root.join("pkg")).unwrap();
    std::fs::copy(workspace.join("style/main.css"), root.join("pkg").join(HASHED_CSS)).unwrap();
    std::fs::copy(workspace.join("public/favicon.svg"), root.join("favicon.svg")).unwrap();
    let gzip = std::process::Command::new("gzip").args(["-k", "-9", "-f"]).arg(root.join("pkg").join(HASHED_CSS)).status();
    assert!(gzip.is_ok_and(|s| s.success()), "gzip makes the precompressed copy");
    root
}

/// Requests per second for `path` over `connections` keep-alive connections for `seconds`; every
/// answer must be a 200 with the body read to its end.
async fn load(bench: &Bench, path: &str, connections: usize, seconds: u64) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let http = bench.http.clone();
        let url = format!("{}{path}", bench.base);
        let done = done.clone();
        tasks.push(tokio::spawn(async move {
            while Instant::now() < until {
                let req = http::Request::get(&url).header("accept-encoding", "br, gzip").body(Full::new(Bytes::new())).unwrap();
                let res = http.request(req).await.expect("answered");
                assert_eq!(res.status(), 200, "{url}");
                res.into_body().collect().await.expect("body read");
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

/// The headers a route answers with (for the table: the cache policy and encoding).
async fn headers(bench: &Bench, path: &str) -> (String, String) {
    let req = http::Request::get(format!("{}{path}", bench.base)).header("accept-encoding", "br, gzip").body(Full::new(Bytes::new())).unwrap();
    let res = bench.http.request(req).await.unwrap();
    let get = |name: &str| res.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("-").to_string();
    (get("cache-control"), get("content-encoding"))
}

#[tokio::main]
async fn main() {
    let args: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let connections = *args.first().unwrap_or(&32) as usize;
    let seconds = *args.get(1).unwrap_or(&5);

    let root = site();
    // The pages' script and stylesheet links read the hashes from `hash.txt` beside the binary,
    // as in a real build.
    let hash_file = std::env::current_exe().unwrap().with_file_name("hash.txt");
    std::fs::write(&hash_file, "js: bench0123456789abcdef\nwasm: bench0123456789abcdef\ncss: bench0123456789abcdef\n").unwrap();
    let options = LeptosOptions::builder().output_name("paydesk").site_root(root.display().to_string()).hash_files(true).build();
    let bench = Bench::start_with(8, options).await;
    bench.open_shop().await;

    let routes = [
        ("/healthz", "health check"),
        ("/favicon.svg", "favicon (231 B)"),
        (&*format!("/pkg/{HASHED_CSS}"), "stylesheet (hashed)"),
        ("/", "shop list page"),
    ];
    let mut rows = Vec::new();
    for (path, what) in routes {
        load(&bench, path, connections, 1).await; // warm-up
        let rate = load(&bench, path, connections, seconds).await;
        let (cache, encoding) = headers(&bench, path).await;
        rows.push((what, path.to_string(), rate, cache, encoding));
    }
    let health = rows[0].2;
    println!("\nstatic files vs /healthz ({connections} connections, {seconds} s each, client in-process)\n");
    println!("| route | path | requests/s | × /healthz | Cache-Control | Content-Encoding |");
    println!("|---|---|---:|---:|---|---|");
    for (what, path, rate, cache, encoding) in &rows {
        println!("| {what} | `{path}` | {rate:.0} | {:.2} | {cache} | {encoding} |", rate / health);
    }
    bench.finish().await;
    std::fs::remove_dir_all(root).ok();
    std::fs::remove_file(hash_file).ok();
}
