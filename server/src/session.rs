//! The session of each request, resolved once before any page or server function runs: they
//! read it from the request (`app::accounts::session::current_user`) instead of querying the
//! sessions table again for every check.

use app::accounts::session::ResolvedSession;
use axum::body::Body;
use axum::extract::State;
use axum::http::Request;
use axum::middleware::Next;
use axum::response::Response;
use sqlx::PgPool;

pub async fn resolve(State(pool): State<PgPool>, mut req: Request<Body>, next: Next) -> Response {
    let resolved = ResolvedSession::of(&pool, req.headers()).await;
    req.extensions_mut().insert(resolved);
    next.run(req).await
}
