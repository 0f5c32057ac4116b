//! The static site, served on routes of its own rather than through the app's fallback:
//!
//! - `/pkg/*` — the browser bundle (JS, WASM, CSS). When the build
//!   content-hashed their names (`hash-files`, every `cargo leptos build`), a name never names
//!   other bytes, so browsers and caches keep them a year without asking again
//!   (`Cache-Control: public, max-age=31536000, immutable`). Without hashed names they must be
//!   revalidated (`no-cache`). The precompressed `.br` / `.gz` files of the release build are
//!   sent as they are to browsers that accept them.
//! - the public files at the site root (`/favicon.svg`) — stable names, so cached for a day
//!   and revalidated after.

use axum::Router;
use axum::http::{HeaderValue, header};
use leptos::prelude::LeptosOptions;
use std::path::Path;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

/// A year, and never revalidated: the file's name changes with its content.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Unhashed bundle names (a build without `hash-files`): always revalidated.
pub const REVALIDATE: &str = "no-cache";
/// Public files keep their names across builds: a day, then revalidated.
pub const PUBLIC_FILE: &str = "public, max-age=86400";

/// Whether the bundle's names carry their content's hash: `cargo leptos build` (with
/// `hash-files`) writes the hashes to `hash.txt` beside the server binary, and the pages' script
/// and stylesheet links read them from there. `LEPTOS_HASH_FILES`, when set, decides instead.
pub fn with_hashed_names(mut options: LeptosOptions) -> LeptosOptions {
    if std::env::var_os("LEPTOS_HASH_FILES").is_none() {
        let beside_binary = std::env::current_exe().ok().and_then(|exe| exe.parent().map(|dir| dir.join(options.hash_file.as_ref())));
        options.hash_files = beside_binary.is_some_and(|file| file.is_file());
    }
    options
}

/// The routes of the static site, to merge into the app's router.
pub fn routes<S: Clone + Send + Sync + 'static>(options: &LeptosOptions) -> Router<S> {
    let root = Path::new(options.site_root.as_ref());
    let pkg = root.join(options.site_pkg_dir.as_ref());
    let bundle_cache = if options.hash_files { IMMUTABLE } else { REVALIDATE };
    let bundle = ServeDir::new(pkg).precompressed_br().precompressed_gzip();
    let mut router = Router::new().nest_service(
        &format!("/{}", options.site_pkg_dir),
        tower::ServiceBuilder::new().layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, when_found(bundle_cache))).service(bundle),
    );
    for name in public_files(root, options.site_pkg_dir.as_ref()) {
        let file = ServeFile::new(root.join(&name)).precompressed_br().precompressed_gzip();
        router = router.route_service(
            &format!("/{name}"),
            tower::ServiceBuilder::new().layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, when_found(PUBLIC_FILE))).service(file),
        );
    }
    router
}

/// The cache policy for answers that found their file: a 404 (a file not deployed yet) must not
/// be kept for a year.
fn when_found<B>(policy: &'static str) -> impl Fn(&axum::http::Response<B>) -> Option<HeaderValue> + Clone {
    move |response| response.status().is_success().then(|| HeaderValue::from_static(policy))
}

/// The files directly in the site root (not the bundle folder, not the precompressed copies),
/// listed once when the router is built: the site root only changes with a new build.
fn public_files(root: &Path, pkg_dir: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(root) else { return Vec::new() };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| name != pkg_dir && !name.ends_with(".br") && !name.ends_with(".gz") && !name.starts_with('.'))
        .filter(|name| name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)))
        .collect();
    names.sort();
    names
}
