//! The layout rules, checked on the source: dependencies point one way. Inside each crate, no
//! two top-level modules use each other (directly or around a loop) — a newcomer can read the
//! modules bottom-up — and the `domain` crate depends on no web framework, database driver or
//! async runtime.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace root").to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules of the crate in `src` and, for each, the other top-level modules its
/// code names through `crate::`.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let relative = file.strip_prefix(src).unwrap();
        let first = relative.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_string();
        if first == "lib" || first == "main" {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        let uses = graph.entry(first.clone()).or_default();
        for line in text.lines() {
            let code = line.split("//").next().unwrap_or_default();
            for (at, _) in code.match_indices("crate::") {
                let name: String = code[at + 7..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                if !name.is_empty() && name != first {
                    uses.insert(name);
                }
            }
        }
    }
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for uses in graph.values_mut() {
        uses.retain(|m| modules.contains(m));
    }
    graph
}

/// A loop of modules, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(m: &str, graph: &BTreeMap<String, BTreeSet<String>>, path: &mut Vec<String>, done: &mut BTreeSet<String>) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == m) {
            let mut cycle = path[at..].to_vec();
            cycle.push(m.to_string());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_string());
        for next in graph.get(m).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|m| visit(m, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_crate_has_an_import_cycle_between_its_top_level_modules() {
    for krate in ["domain", "backend", "app", "server"] {
        let graph = module_graph(&workspace().join(krate).join("src"));
        assert!(graph.len() >= 2, "{krate}: modules found: {graph:?}");
        if let Some(cycle) = find_cycle(&graph) {
            panic!("{krate}: these modules use each other in a loop: {}", cycle.join(" → "));
        }
    }
}

#[test]
fn the_cycle_check_finds_a_loop() {
    let graph: BTreeMap<String, BTreeSet<String>> = [("a", vec!["b"]), ("b", vec!["c"]), ("c", vec!["a"]), ("d", vec![])]
        .into_iter()
        .map(|(m, uses)| (m.to_string(), uses.into_iter().map(String::from).collect()))
        .collect();
    assert_eq!(find_cycle(&graph).unwrap().len(), 4);
    let mut acyclic = graph.clone();
    acyclic.get_mut("c").unwrap().clear();
    assert_eq!(find_cycle(&acyclic), None);
}

/// `backend` is below the web layer: no Leptos, no Axum.
#[test]
fn the_backend_crate_knows_no_web_framework() {
    let manifest = std::fs::read_to_string(workspace().join("backend/Cargo.toml")).unwrap();
    for forbidden in ["leptos", "axum", "app ", "app.", "server"] {
        assert!(!manifest.lines().any(|l| l.trim_start().starts_with(forbidden)), "backend depends on {forbidden}");
    }
}

#[test]
fn the_domain_crate_needs_no_framework_database_or_runtime() {
    // sqlx is allowed only as an optional feature the server turns on (storing values as text).
    let manifest = std::fs::read_to_string(workspace().join("domain/Cargo.toml")).unwrap();
    let dependencies = manifest.split("[dependencies]").nth(1).unwrap().split("\n[").next().unwrap();
    for forbidden in ["leptos", "axum", "sqlx", "tokio", "tower", "hyper", "reqwest"] {
        let needed = dependencies.lines().any(|l| l.trim_start().starts_with(forbidden) && !l.contains("optional = true"));
        assert!(!needed, "domain depends on {forbidden}:\n{dependencies}");
    }
}

/// The first load carries a shopper's pages only (issue 19): the merchant console, the staff
/// pages and the shopper's account and support pages are lazy routes. A route there given a
/// plain component would pull its page into the module every visitor downloads first.
#[test]
fn only_the_shoppers_pages_are_in_the_first_load() {
    let routes = std::fs::read_to_string(workspace().join("app/src/shell/mod.rs")).unwrap();
    let mut parent = String::new();
    let mut checked = 0;
    let mut eager = Vec::new();
    for line in routes.lines().map(str::trim_start) {
        if let Some(rest) = line.strip_prefix("<ParentRoute path=path!(\"") {
            parent = rest.split('"').next().unwrap_or_default().to_string();
        } else if let Some(rest) = line.strip_prefix("<Route path=path!(\"") {
            let path = format!("{parent}/{}", rest.split('"').next().unwrap_or_default());
            let on_demand = ["/merchant/", "/staff/", "/account", "/notifications", "/support"]
                .iter()
                .any(|p| path.trim_start_matches('/').starts_with(p.trim_start_matches('/')));
            checked += 1;
            if on_demand && !line.contains("view={Lazy::<") {
                eager.push(path);
            }
        }
    }
    assert!(checked > 20, "the route table was not found");
    assert!(eager.is_empty(), "pages in the first load that belong to a lazy group (shell/lazy.rs): {eager:?}");
}
