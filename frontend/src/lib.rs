//! The browser entry point: hydrates the server-rendered page into the live app.
// The release build (without `--cfg erase_components`) names every page's whole view type
// while computing layouts; the default limit of 128 no longer holds them.
#![recursion_limit = "256"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Pages are lazy routes (see app's shell/lazy.rs): hydration waits for the page's chunk.
    leptos::mount::hydrate_lazy(app::App);
}
