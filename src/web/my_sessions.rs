//! Your sessions (docs/product.md rule 15; ASVS 3.3.4): the user's live sessions on
//! `/account/security`, each named by a public id of its own (never its key, which only
//! the cookie holds), with where it was started, and "Sign out" for one of them or for every
//! one but this. An ended session's row is gone, so its cookie is refused at once on every
//! instance. A user reaches only their own sessions: any other id is 404.

use actix_web::{HttpResponse, web};

use super::csrf::{NoFields, SignedForm};
use super::ctx::Ctx;
use super::errors::PageError;
use super::user_agent;
use crate::store::{EndSessions, SessionListed, User};

/// One session as the security page lists it.
pub struct SessionRow {
    /// Its public id (`data-session`).
    pub id: String,
    pub started: String,
    /// Its last use, to within a quarter of the idle time (the lazy refresh).
    pub last_used: String,
    pub client: String,
    /// The browser in a few words ("Chrome on Linux").
    pub browser: String,
    /// This request's own session (`data-current="true"`).
    pub current: bool,
    pub end_action: String,
}

/// The sessions part of the security page.
pub struct SessionsSection {
    pub rows: Vec<SessionRow>,
    /// Sessions other than this one exist: "Sign out everywhere else" has something to do.
    pub others: bool,
}

/// The browser of a `User-Agent` in a few words, in the reader's language.
fn browser(ctx: &Ctx, header: &str) -> String {
    match user_agent::describe(header) {
        (Some(browser), Some(system)) => ctx.tr.ta("sessions-browser-on", [("browser", browser), ("system", system)]),
        (Some(browser), None) => browser.to_string(),
        (None, _) => ctx.tr.t("sessions-browser-unknown"),
    }
}

/// The user's live sessions, newest first, this one marked.
pub async fn section(ctx: &Ctx, user: &User) -> Result<SessionsSection, PageError> {
    let current = ctx.session_key_hash().unwrap_or_default();
    let listed = ctx.state.store.live_sessions(user.id, current, ctx.state.config.clock.now()).await?;
    let rows: Vec<SessionRow> = listed
        .into_iter()
        .map(|s| SessionRow {
            end_action: format!("/account/sessions/{}/end", s.public_id),
            started: ctx.tr.when(&s.created_at),
            last_used: ctx.tr.when(&s.refreshed_at),
            client: if s.client.is_empty() { ctx.tr.t("sessions-client-unknown") } else { s.client.clone() },
            browser: browser(ctx, &s.user_agent),
            current: s.current,
            id: s.public_id,
        })
        .collect();
    let others = rows.iter().any(|r| !r.current);
    Ok(SessionsSection { rows, others })
}

/// Ends the chosen sessions of the signed-in user; what was ended.
async fn end_sessions(ctx: &Ctx, user: &User, which: EndSessions<'_>) -> Result<Vec<SessionListed>, PageError> {
    let current = ctx.session_key_hash().ok_or_else(|| anyhow::anyhow!("a signed-in request has its session"))?;
    Ok(ctx.state.store.end_own_sessions(user, current, which, ctx.state.config.clock.now()).await?)
}

fn back_to_security() -> HttpResponse {
    HttpResponse::SeeOther().insert_header(("Location", "/account/security")).finish()
}

/// `POST /account/sessions/{id}/end`: ends one of the user's sessions (this one too: then
/// the user is signed out here, 303 to `/login`); 404 for an id that is not theirs.
pub async fn end(posted: SignedForm<NoFields>, id: web::Path<String>) -> Result<HttpResponse, PageError> {
    let SignedForm { ctx, user, .. } = posted;
    let ended = end_sessions(&ctx, &user, EndSessions::One(&id)).await?;
    let Some(session) = ended.first() else { return Err(PageError::NotFound) };
    if session.current {
        ctx.end_session();
        return Ok(HttpResponse::SeeOther().insert_header(("Location", "/login")).finish());
    }
    let described = format!("{} · {}", browser(&ctx, &session.user_agent), session.client);
    ctx.flash(ctx.tr.ta("sessions-ended-one", [("session", described.as_str())]));
    Ok(back_to_security())
}

/// `POST /account/sessions/end-others`: ends every session of the user's but this one.
pub async fn end_others(posted: SignedForm<NoFields>) -> Result<HttpResponse, PageError> {
    let SignedForm { ctx, user, .. } = posted;
    let ended = end_sessions(&ctx, &user, EndSessions::Others).await?;
    ctx.flash(ctx.tr.tn("sessions-ended-others", "count", ended.len() as i64));
    Ok(back_to_security())
}
