//! A password-hashing flood: what it costs the server in memory, and what a legitimate user
//! signing in meanwhile sees — next to the same user's sign-ins without the flood, in the same
//! run.
//!
//!     DATABASE_URL=postgres://… cargo bench -p server --bench hashing [-- REQUESTS CONCURRENCY]
//!
//! Defaults: 400 sign-ups of new accounts (each one hashes a password; sign-ins with wrong
//! passwords from one address are cut short by the throttle instead), 32 at a time. Memory is
//! the process' resident set (server and clients share the process, so it is an upper bound):
//! before, the peak while flooding (sampled every 20 ms), and 3 s after.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::{Bench, percentile_ms, rss_mb};

/// The server binary's allocator (`src/main.rs`), so that the memory measured is the server's.
/// (With glibc's instead, the default flood left the process at 131 MB before / 495 MB peak /
/// 476 MB three seconds after.)
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A legitimate user's sign-ins, one after another, `count` times: latencies and busy answers.
async fn sign_ins(bench: &Bench, count: usize) -> (Vec<Duration>, usize) {
    let mut times = Vec::with_capacity(count);
    let mut busy = 0;
    for _ in 0..count {
        let t = Instant::now();
        let (status, body, _) = bench.call("sign_in", "email=legit%40bench.test&password=correct+horse+battery".into(), None).await;
        match status {
            200 => times.push(t.elapsed()),
            503 => busy += 1,
            other => panic!("legitimate sign-in: {other} {body}"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    times.sort();
    (times, busy)
}

#[tokio::main]
async fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let requests = args.first().copied().unwrap_or(400);
    let concurrency = args.get(1).copied().unwrap_or(32);
    let bench = Arc::new(Bench::start(40).await);
    bench.call("sign_up", "email=legit%40bench.test&password=correct+horse+battery&role=shopper".into(), None).await;

    let (quiet, _) = sign_ins(&bench, 20).await;
    let before = rss_mb();

    let peak_bits = Arc::new(AtomicU64::new(before.to_bits()));
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let (peak, sampling) = (peak_bits.clone(), sampling.clone());
        tokio::spawn(async move {
            while sampling.load(Ordering::Relaxed) {
                let now = rss_mb();
                if now > f64::from_bits(peak.load(Ordering::Relaxed)) {
                    peak.store(now.to_bits(), Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let flooders: Vec<_> = (0..concurrency)
        .map(|_| {
            let (bench, next) = (bench.clone(), next.clone());
            tokio::spawn(async move {
                let (mut created, mut busy) = (0usize, 0usize);
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= requests as u64 {
                        return (created, busy);
                    }
                    let form = format!("email=flood{i}%40bench.test&password=flood+password+{i}&role=shopper");
                    match bench.call("sign_up", form, None).await {
                        (200, _, _) => created += 1,
                        (503, _, _) => busy += 1,
                        (status, body, _) => panic!("flood: {status} {body}"),
                    }
                }
            })
        })
        .collect();
    let (during, refused_legit) = sign_ins(&bench, 20).await;
    let mut created = 0;
    let mut busy = 0;
    for f in flooders {
        let (c, b) = f.await.unwrap();
        created += c;
        busy += b;
    }
    let flood_secs = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(3)).await;
    sampling.store(false, Ordering::Relaxed);
    sampler.await.unwrap();
    let after = rss_mb();
    let peak = f64::from_bits(peak_bits.load(Ordering::Relaxed));
    let baseline = bench.select_one(20, 200).await;
    Arc::into_inner(bench).expect("all tasks done").finish().await;

    println!();
    println!("| hashing flood ({requests} sign-ups, {concurrency} at a time)    | value |");
    println!("|---------------------------------------------------|-------|");
    println!("| accounts created / answered busy (503)            | {created} / {busy} in {flood_secs:.1} s |");
    println!("| resident memory before / peak / 3 s after         | {before:.0} MB / {peak:.0} MB / {after:.0} MB |");
    println!("| legitimate sign-in p50 / p99, no flood            | {:.1} ms / {:.1} ms |", percentile_ms(&quiet, 0.5), percentile_ms(&quiet, 0.99));
    if during.is_empty() {
        println!("| legitimate sign-in during the flood               | all {refused_legit} answered busy |");
    } else {
        println!(
            "| legitimate sign-in p50 / p99 during the flood     | {:.1} ms / {:.1} ms ({refused_legit} of 20 busy) |",
            percentile_ms(&during, 0.5),
            percentile_ms(&during, 0.99)
        );
    }
    println!("| SELECT 1 p50 (baseline)                           | {:.3} ms |", percentile_ms(&baseline, 0.5));
}
