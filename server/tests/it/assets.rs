//! The static site on routes of its own (issue 19): the bundle's content-hashed files are
//! cached for a year and never revalidated, sent precompressed, and stay cacheable for signed-in
//! people too (the pages' `no-store` does not reach them); the favicon is cached for a day.

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use leptos::prelude::LeptosOptions;

const CSS: &str = "paydesk.testhash0123.css";

/// A site folder like a build's: a hashed stylesheet with its gzip copy, the favicon.
fn site(name: &str) -> std::path::PathBuf {
    let root = std::env::temp_dir().join(format!("paydesk-assets-{name}-{}", std::process::id()));
    std::fs::create_dir_all(root.join("pkg")).unwrap();
    std::fs::write(root.join("pkg").join(CSS), "body { color: black }").unwrap();
    std::fs::write(root.join("pkg").join(format!("{CSS}.gz")), b"\x1f\x8b not really gzip").unwrap();
    std::fs::write(root.join("favicon.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"/>").unwrap();
    root
}

fn options(root: &std::path::Path, hashed: bool) -> LeptosOptions {
    LeptosOptions::builder().output_name("paydesk").site_root(root.display().to_string()).hash_files(hashed).build()
}

async fn fetch(app: &axum::Router, path: &str, signed_in: bool) -> Answer {
    let mut request = Request::get(path).header("accept-encoding", "gzip");
    if signed_in {
        request = request.header("cookie", "paydesk_session=some-session-token");
    }
    send(app, request.body(Body::empty()).unwrap()).await
}

fn header(answer: &Answer, name: &str) -> String {
    answer.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

#[tokio::test]
async fn hashed_bundle_files_are_immutable_precompressed_and_the_same_for_everyone() {
    let root = site("hashed");
    let app = app_with_options(unreachable_pool(), options(&root, true));
    for signed_in in [false, true] {
        let answer = fetch(&app, &format!("/pkg/{CSS}"), signed_in).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(header(&answer, "cache-control"), "public, max-age=31536000, immutable", "signed in: {signed_in}");
        assert_eq!(header(&answer, "content-encoding"), "gzip", "the precompressed copy is sent as it is");
        assert!(header(&answer, "content-type").starts_with("text/css"));
        assert_eq!(header(&answer, "x-content-type-options"), "nosniff");
        assert!(answer.headers.get("set-cookie").is_none());
    }
    let favicon = fetch(&app, "/favicon.svg", true).await;
    assert_eq!(favicon.status, StatusCode::OK);
    assert_eq!(header(&favicon, "cache-control"), "public, max-age=86400");
    let missing = fetch(&app, "/pkg/paydesk.nothere.js", false).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_ne!(header(&missing, "cache-control"), "public, max-age=31536000, immutable", "a 404 is not kept for a year");
    std::fs::remove_dir_all(root).ok();
}

#[tokio::test]
async fn unhashed_bundle_files_are_revalidated() {
    let root = site("plain");
    let app = app_with_options(unreachable_pool(), options(&root, false));
    let answer = fetch(&app, &format!("/pkg/{CSS}"), false).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(header(&answer, "cache-control"), "no-cache");
    std::fs::remove_dir_all(root).ok();
}
