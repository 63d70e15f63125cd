//! Refusals and failures, answered the same way by every handler: a page for a plain
//! request, a fragment for htmx (docs/http.md, "Answers of the action routes").

use actix_web::body::BoxBody;
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, Responder};
use askama::Template;

use super::assets;
use super::ctx::{Ctx, accepted_language, language_of};
use super::views::{Layout, MessagePage, Refusal, RefusalDialog, RefusalPage};
use crate::i18n::Tr;

/// How long a client is asked to wait before trying again while the database is away.
const UNAVAILABLE_RETRY_AFTER: &str = "10";

/// Every way a page request can end other than as its handler meant: handlers return
/// `Result<_, PageError>` and use `?`, and the route helpers of `web/mod.rs` hand the
/// error to [`Responder::respond_to`], which reads the language and `HX-Request` from the
/// request itself (a dialog's fragment for htmx, a page otherwise).
pub struct PageError(Kind);

enum Kind {
    Csrf,
    NotFound,
    Internal(anyhow::Error),
    /// The change needs a fresh check first (`web::account::fresh_check`): to
    /// `/login/confirm`, then back to this page.
    FreshCheck {
        back: String,
    },
    /// A refusal (403, 409, 429) whose words its feature chooses, in the request's language.
    Refusal {
        status: StatusCode,
        retry_after: Option<i64>,
        view: Box<dyn FnOnce(&Ctx) -> Refusal>,
    },
}

impl PageError {
    #[allow(non_upper_case_globals)]
    pub const Csrf: PageError = PageError(Kind::Csrf);
    #[allow(non_upper_case_globals)]
    pub const NotFound: PageError = PageError(Kind::NotFound);

    /// The change waits for a fresh check, after which the user comes back to `back`.
    pub fn fresh_check(back: String) -> Self {
        PageError(Kind::FreshCheck { back })
    }

    /// A refusal with `status`, worded by `view` once the language is known.
    pub fn refusal(status: StatusCode, view: impl FnOnce(&Ctx) -> Refusal + 'static) -> Self {
        PageError(Kind::Refusal { status, retry_after: None, view: Box::new(view) })
    }

    /// A refusal that says when to try again (429: `Retry-After`).
    pub fn refusal_for(status: StatusCode, seconds: i64, view: impl FnOnce(&Ctx) -> Refusal + 'static) -> Self {
        PageError(Kind::Refusal { status, retry_after: Some(seconds), view: Box::new(view) })
    }

    pub fn status(&self) -> StatusCode {
        match &self.0 {
            Kind::Csrf => StatusCode::FORBIDDEN,
            Kind::NotFound => StatusCode::NOT_FOUND,
            Kind::Internal(e) if unavailable_in_chain(e) => StatusCode::SERVICE_UNAVAILABLE,
            Kind::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Kind::Refusal { status, .. } => *status,
            Kind::FreshCheck { .. } => StatusCode::SEE_OTHER,
        }
    }
}

impl std::fmt::Debug for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Kind::Internal(e) => write!(f, "PageError({e:?})"),
            _ => write!(f, "PageError({})", self.status()),
        }
    }
}

impl From<anyhow::Error> for PageError {
    fn from(e: anyhow::Error) -> Self {
        PageError(Kind::Internal(e))
    }
}

impl From<sqlx::Error> for PageError {
    fn from(e: sqlx::Error) -> Self {
        PageError(Kind::Internal(e.into()))
    }
}

impl From<askama::Error> for PageError {
    fn from(e: askama::Error) -> Self {
        PageError(Kind::Internal(e.into()))
    }
}

impl Responder for PageError {
    type Body = BoxBody;

    fn respond_to(self, req: &HttpRequest) -> HttpResponse {
        match Ctx::read(req) {
            Ok(ctx) => self.respond(&ctx),
            Err(e) => e.error_response(),
        }
    }
}

/// Renders a template with a status; a template error becomes a 500.
pub fn html(status: StatusCode, template: &impl Template) -> HttpResponse {
    match template.render() {
        Ok(body) => HttpResponseBuilder::new(status).content_type("text/html; charset=utf-8").body(body),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            HttpResponse::InternalServerError().content_type("text/plain").body("internal error")
        }
    }
}

/// A refusal (403, 409, 429): inside the dialog for htmx, as a page otherwise.
fn refusal(ctx: &Ctx, status: StatusCode, refusal: Refusal) -> HttpResponse {
    if ctx.htmx {
        html(status, &RefusalDialog { t: ctx.tr.clone(), refusal })
    } else {
        html(status, &RefusalPage { layout: ctx.layout(), t: ctx.tr.clone(), refusal })
    }
}

impl PageError {
    /// The answer, worded for `ctx`'s language.
    pub fn respond(self, ctx: &Ctx) -> HttpResponse {
        let tr = &ctx.tr;
        let (status, title, message, link) = match self.0 {
            Kind::Refusal { status, retry_after, view } => {
                let mut response = refusal(ctx, status, view(ctx));
                if let Some(seconds) = retry_after {
                    response.headers_mut().insert(RETRY_AFTER, HeaderValue::from(seconds));
                }
                return response;
            }
            Kind::FreshCheck { back } => {
                let target = format!(
                    "/login/confirm?{}",
                    serde_urlencoded::to_string([("next", back.as_str())]).unwrap_or_default()
                );
                // A fragment cannot redirect the page: htmx follows HX-Redirect.
                return if ctx.htmx {
                    HttpResponse::Unauthorized().insert_header(("HX-Redirect", target)).finish()
                } else {
                    HttpResponse::SeeOther().insert_header(("Location", target)).finish()
                };
            }
            Kind::Csrf => (
                StatusCode::FORBIDDEN,
                tr.t("csrf-title"),
                tr.t("csrf-message"),
                Some((tr.t("csrf-reload"), reload_target(ctx))),
            ),
            Kind::NotFound => (StatusCode::NOT_FOUND, tr.t("not-found-title"), tr.t("not-found-message"), None),
            Kind::Internal(e) if unavailable_in_chain(&e) => {
                tracing::error!(error = ?e, "the database is unavailable");
                return unavailable_page(tr.clone(), ctx.here.clone());
            }
            Kind::Internal(e) => {
                tracing::error!(error = ?e, "request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, tr.t("error-title"), tr.t("error-message"), None)
            }
        };
        if ctx.htmx {
            let back_href = "/orders".to_string();
            return html(
                status,
                &RefusalDialog { t: tr.clone(), refusal: Refusal { title, message, link, back_href } },
            );
        }
        html(status, &MessagePage { layout: ctx.layout(), t: tr.clone(), title, message, link })
    }
}

/// Where "reload the form" leads: the page the form was on; else the GET of the same path
/// (every form route but logout has one), else the orders.
fn reload_target(ctx: &Ctx) -> String {
    match &ctx.came_from {
        Some(page) => page.clone(),
        None if ctx.here.starts_with("/logout") || ctx.here.starts_with("/settings") => "/orders".to_string(),
        None => ctx.here.clone(),
    }
}

/// Whether a database error means the database cannot be reached right now (stopped,
/// restarting, refusing connections, the connection lost, the disk gone): the request
/// changed nothing and may simply be tried again later, so it answers 503, not 500.
pub fn database_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                // https://www.postgresql.org/docs/current/errcodes-appendix.html: connection
                // exceptions, operator intervention (shutdown, terminated, starting up), too
                // many connections, the database gone or not accepting connections.
                let code = pg.code();
                code.starts_with("08")
                    || code.starts_with("57P")
                    || code == "53300"
                    || code == "3D000"
                    || (code == "55000" && pg.message().contains("accepting connections"))
            } else if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                // Primary result codes: BUSY, LOCKED, READONLY, IOERR, FULL, CANTOPEN, NOTADB.
                let primary = db.code().and_then(|c| c.parse::<i32>().ok()).map(|c| c & 0xff);
                matches!(primary, Some(5 | 6 | 8 | 10 | 13 | 14 | 26))
            } else {
                false
            }
        }
        _ => false,
    }
}

fn unavailable_in_chain(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| cause.downcast_ref::<sqlx::Error>().is_some_and(database_unavailable))
}

fn with_retry_after(mut response: HttpResponse) -> HttpResponse {
    response.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static(UNAVAILABLE_RETRY_AFTER));
    response
}

/// 503 "the database is unavailable", in the visitor's language, made without the
/// database (no session, no user): it is what a request gets when even its session
/// cannot be read.
fn unavailable_page(tr: Tr, here: String) -> HttpResponse {
    let layout = Layout {
        tr: tr.clone(),
        lang_choice: tr.lang().to_string(),
        csrf: String::new(),
        user_name: None,
        user_company: None,
        manages_company: false,
        mailbox: false,
        flash: None,
        css: assets::url("app.css"),
        icon: assets::url("favicon.svg"),
        htmx: assets::url("htmx.min.js"),
        js: assets::url("app.js"),
        here,
    };
    let page = MessagePage {
        layout,
        t: tr.clone(),
        title: tr.t("unavailable-title"),
        message: tr.t("unavailable-message"),
        link: None,
    };
    with_retry_after(html(StatusCode::SERVICE_UNAVAILABLE, &page))
}

/// The answer to a request whose session could not be read (the request context finds
/// `store::sessions::UNREADABLE`): the 503 page, whatever the cause (the page cannot be
/// served without knowing who asks); the cause goes to the log.
pub fn session_unreadable(req: &HttpRequest, cause: &str) -> actix_web::Error {
    tracing::error!(error = %cause, "cannot read the session");
    let tr = Tr::new(accepted_language(req).unwrap_or("en"));
    let here = req.uri().path_and_query().map(|pq| pq.as_str().to_string()).unwrap_or_else(|| "/".into());
    actix_web::error::InternalError::from_response(cause.to_string(), unavailable_page(tr, here)).into()
}

/// The answer when what a handler changed in the session could not be stored (sign-in,
/// sign-out): the 503 page, from what the request asked for (`web::sessions`).
pub fn session_store_failed(
    accept_language: Option<&str>,
    uri: &actix_web::http::Uri,
    e: &actix_web::Error,
) -> HttpResponse {
    tracing::error!(error = %e, "cannot store the session");
    let tr = Tr::new(accept_language.and_then(language_of).unwrap_or("en"));
    let here = uri.path_and_query().map(|pq| pq.as_str().to_string()).unwrap_or_else(|| "/".into());
    unavailable_page(tr, here)
}

/// What a page handler returns: an answer, or `Result<answer, PageError>` (the route
/// helpers of `web/mod.rs` take both, through [`Paged`]).
pub trait PageOutput {
    type Answer: Responder;
    fn into_result(self) -> Result<Self::Answer, PageError>;
}

impl PageOutput for HttpResponse {
    type Answer = HttpResponse;
    fn into_result(self) -> Result<HttpResponse, PageError> {
        Ok(self)
    }
}

impl<R: Responder> PageOutput for Result<R, PageError> {
    type Answer = R;
    fn into_result(self) -> Result<R, PageError> {
        self
    }
}

/// A page handler as the router calls it: its error answered by [`PageError`]'s
/// `Responder`, which reads the request's language and `HX-Request` itself.
#[derive(Clone)]
pub struct Paged<F>(pub F);

/// The answer of a [`Paged`] handler.
pub struct PageAnswer<R>(Result<R, PageError>);

impl<R: Responder> Responder for PageAnswer<R> {
    type Body = actix_web::body::EitherBody<R::Body, BoxBody>;

    fn respond_to(self, req: &HttpRequest) -> HttpResponse<Self::Body> {
        match self.0 {
            Ok(answer) => answer.respond_to(req).map_into_left_body(),
            Err(e) => e.respond_to(req).map_into_right_body(),
        }
    }
}

fn page_answer<O: PageOutput>(output: O) -> PageAnswer<O::Answer> {
    PageAnswer(output.into_result())
}

impl<F, Args> actix_web::Handler<Args> for Paged<F>
where
    F: actix_web::Handler<Args>,
    F::Output: PageOutput,
{
    type Output = PageAnswer<<F::Output as PageOutput>::Answer>;
    type Future = futures_util::future::Map<F::Future, fn(F::Output) -> Self::Output>;

    fn call(&self, args: Args) -> Self::Future {
        use futures_util::FutureExt;
        self.0.call(args).map(page_answer::<F::Output> as fn(F::Output) -> Self::Output)
    }
}
