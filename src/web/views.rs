//! Template structs: one per page or fragment. Permissions and states are computed before
//! rendering and handed over as plain values.

use askama::Template;

use super::assets;
use super::ctx::Ctx;
use crate::i18n::Tr;

/// What the page frame shows.
pub struct Layout {
    pub tr: Tr,
    /// The language the user chose (the switcher shows it even before its catalog exists).
    pub lang_choice: String,
    pub csrf: String,
    pub user_name: Option<String>,
    /// The name of the user's company (never its id).
    pub user_company: Option<String>,
    /// The "Company" link: company admins and operators manage users (and tokens).
    pub manages_company: bool,
    /// The "Mailbox" link: operators, in the demo with the file mailbox.
    pub mailbox: bool,
    pub flash: Option<String>,
    pub css: String,
    pub icon: String,
    pub htmx: String,
    pub js: String,
    pub here: String,
}

impl Layout {
    pub fn new(ctx: &Ctx, flash: Option<String>) -> Self {
        Self {
            tr: ctx.tr.clone(),
            lang_choice: ctx
                .user
                .as_ref()
                .and_then(|u| u.language.clone())
                .unwrap_or_else(|| ctx.tr.lang().to_string()),
            csrf: ctx.csrf.clone(),
            user_name: ctx.user.as_ref().map(|u| u.name.clone()),
            user_company: ctx.company_name.clone(),
            manages_company: ctx.user.as_ref().is_some_and(|u| u.actor().company_grant(&u.company_id).is_some()),
            mailbox: ctx.state.demo
                && ctx.state.config.mail.smtp.is_none()
                && ctx.user.as_ref().is_some_and(|u| u.actor().operator_grant().is_some()),
            flash,
            css: assets::url("app.css"),
            icon: assets::url("favicon.svg"),
            htmx: assets::url("htmx.min.js"),
            js: assets::url("app.js"),
            here: ctx.here.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub layout: Layout,
    pub t: Tr,
    pub email: String,
    pub next: String,
    pub error: Option<String>,
    /// Signing in with a passkey: the script's URL, where passkeys are on.
    pub passkeys_js: Option<String>,
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub layout: Layout,
    pub t: Tr,
    pub title: String,
    pub message: String,
    pub link: Option<(String, String)>,
}

pub struct OrderRow {
    pub id: String,
    pub customer: String,
    pub partner: String,
    pub distributor: Option<String>,
    pub lines: i64,
    pub ponr: Option<String>,
}

#[derive(Template)]
#[template(path = "orders.html")]
pub struct OrdersPage {
    pub layout: Layout,
    pub t: Tr,
    pub q: String,
    pub orders: Vec<OrderRow>,
    pub next: Option<String>,
}

/// One order line as the order page shows it; rendered by `_line_row.html`, for the whole
/// page and for the rows an htmx answer swaps.
pub struct LineRow {
    pub subscription_id: String,
    pub order_id: String,
    pub customer: String,
    /// Rendered on the Cloud/SaaS Subscriptions page (order and customer columns).
    pub subs_page: bool,
    /// Closed: provisioning is still pending.
    pub pending: bool,
    /// When the line closes and billing starts (or when it did).
    pub closing_note: Option<String>,
    pub offer: String,
    pub rsd: String,
    pub status: &'static str,
    pub status_label: String,
    pub contact: String,
    pub edit_href: String,
    pub history_href: String,
    /// Edit is offered; otherwise the button is shown disabled with `blocked`.
    pub can_edit: bool,
    pub blocked: Option<String>,
    /// The id of what explains a disabled Edit: the row's own reason, or the page's case 1.1
    /// note (`permission-note`).
    pub blocked_note: String,
    /// Edit is refused for want of permission alone (case 1.1).
    pub permission_blocked: bool,
    /// For closed lines: where to fix them ("Click here").
    pub subscriptions_href: Option<String>,
    pub resend_href: String,
    /// Resend is offered; otherwise it is shown disabled with `resend_blocked`.
    pub can_resend: bool,
    pub resend_blocked: Option<String>,
    /// The line's last provisioning email: queued, accepted by the mail server, or failed.
    pub email_note: Option<String>,
    pub email_failed: bool,
    /// `data-email-state`: none, queued, in_progress, accepted or failed.
    pub email_state: &'static str,
    /// While the email is queued or in progress: the status fragment to poll, and after
    /// how many seconds (it backs off; a row in a final state polls no more).
    pub status_href: Option<String>,
    pub poll_seconds: u64,
}

/// The answer to a status poll: the row again, and what to announce once it is final.
#[derive(Template)]
#[template(path = "_line_status.html")]
pub struct LineStatusFragment {
    pub t: Tr,
    pub row: LineRow,
    pub announce: Option<String>,
}

#[derive(Template)]
#[template(path = "order.html")]
pub struct OrderPage {
    pub layout: Layout,
    pub t: Tr,
    pub order_id: String,
    pub customer: String,
    pub partner: String,
    pub distributor: Option<String>,
    pub creator_name: String,
    pub creator_email: String,
    pub ponr: Option<String>,
    pub admin_console_url: String,
    /// Case 1.1: the viewer may not change this order.
    pub permission_note: Option<String>,
    /// The order's lines by status, over the whole order.
    pub awaiting: i64,
    pub closed: i64,
    pub complete: i64,
    /// The search inside the order: a subscription id prefix.
    pub q: String,
    /// Whether this is a page after the first.
    pub paged: bool,
    pub rows: Vec<LineRow>,
    pub next: Option<String>,
}

pub struct EditForm {
    pub preview: EmailPreview,
    pub action: String,
    pub cancel_href: String,
    pub csrf: String,
    pub subscription_id: String,
    pub current: String,
    pub value: String,
    pub version: i64,
    pub apply_to_all: bool,
    pub other_lines: i64,
    pub error: Option<String>,
    /// "Send me a copy": the acting user's own address, and whether it is ticked.
    pub copy_to: String,
    pub copy_to_me: bool,
}

/// What a dialog shows of the email it would send, before "Yes": its subject and opening in
/// the customer's language, when it goes, and the limit that would refuse it, if one would.
pub struct EmailPreview {
    pub language: String,
    pub subject: String,
    pub opening: String,
    pub when: String,
    pub limited: Option<String>,
}

#[derive(Template)]
#[template(path = "_edit_dialog.html")]
pub struct EditDialog {
    pub t: Tr,
    pub form: EditForm,
}

#[derive(Template)]
#[template(path = "edit_page.html")]
pub struct EditPage {
    pub layout: Layout,
    pub t: Tr,
    pub form: EditForm,
}

pub struct ResendForm {
    pub preview: EmailPreview,
    pub action: String,
    pub cancel_href: String,
    pub csrf: String,
    pub subscription_id: String,
    pub contact: String,
    pub sender: String,
    /// "Send for every line of this order": how many lines and which recipients, when
    /// the order has more than this line to send.
    pub every_line: Option<String>,
    /// "Send me a copy": the acting user's own address.
    pub copy_to: String,
}

#[derive(Template)]
#[template(path = "_resend_dialog.html")]
pub struct ResendDialog {
    pub t: Tr,
    pub form: ResendForm,
}

#[derive(Template)]
#[template(path = "resend_page.html")]
pub struct ResendPage {
    pub layout: Layout,
    pub t: Tr,
    pub form: ResendForm,
}

/// Why an action was refused, inside the dialog or as a page.
pub struct Refusal {
    pub title: String,
    pub message: String,
    pub link: Option<(String, String)>,
    pub back_href: String,
}

#[derive(Template)]
#[template(path = "_refusal.html")]
pub struct RefusalDialog {
    pub t: Tr,
    pub refusal: Refusal,
}

#[derive(Template)]
#[template(path = "refusal_page.html")]
pub struct RefusalPage {
    pub layout: Layout,
    pub t: Tr,
    pub refusal: Refusal,
}

/// The htmx answer to a saved edit: the changed rows (out of band), the message, and an
/// empty dialog that closes itself and returns focus to the line.
#[derive(Template)]
#[template(path = "_edit_done.html")]
pub struct EditDone {
    pub t: Tr,
    pub rows: Vec<LineRow>,
    pub message: String,
    pub focus: String,
}

pub struct HistoryRow {
    pub subscription_id: String,
    pub order_id: String,
    pub when: String,
    pub kind: String,
    /// "old → new" for an update; the recipient of a resend or reminder; the worded change
    /// for a permission change.
    pub change: String,
    pub actor: String,
    pub status: String,
    pub status_label: String,
    pub detail: String,
    pub id: i64,
    pub kind_code: String,
    /// While in progress: the status fragment to poll, and after how many seconds.
    pub status_href: Option<String>,
    pub poll_seconds: u64,
    /// Offers Retry: a failed delivery, shown to someone with an operator's grant.
    pub retryable: bool,
    /// The email it queued, as its recipient saw it (`/emails/{id}`).
    pub email_href: Option<String>,
    /// A failed delivery's technical text (the transport's own words), for operators only.
    pub technical: Option<String>,
}

/// The answer to a transaction row's status poll: the row again, and its final state to
/// announce.
#[derive(Template)]
#[template(path = "_transaction_status.html")]
pub struct TransactionStatusFragment {
    pub layout: Layout,
    pub t: Tr,
    pub r: HistoryRow,
    pub announce: Option<String>,
}

#[derive(Template)]
#[template(path = "history.html")]
pub struct HistoryPage {
    pub layout: Layout,
    pub t: Tr,
    pub order_id: String,
    pub subscription_id: String,
    pub rows: Vec<HistoryRow>,
    /// The next page of older transactions, if there are more.
    pub older: Option<String>,
}

#[derive(Template)]
#[template(path = "transactions.html")]
pub struct TransactionsPage {
    pub layout: Layout,
    pub t: Tr,
    pub kind: String,
    pub status: String,
    pub q: String,
    pub from: String,
    pub to: String,
    pub error: Option<String>,
    pub rows: Vec<HistoryRow>,
    pub next: Option<String>,
    pub csv: String,
}

/// The Company section's head: its own navigation (users, API tokens) and, for operators,
/// the company to manage.
pub struct CompanyNav {
    /// The page shown: `users` or `tokens`.
    pub section: &'static str,
    /// `?company=ID` when an operator manages another company, else empty: kept on every link.
    pub query: String,
    /// The company managed.
    pub company_id: String,
    /// Operators: every company (id, name) to pick from; empty for company admins.
    pub companies: Vec<(String, String)>,
}

/// One user row of the Company page, with the actions the admin may take on it.
pub struct CompanyUserRow {
    pub email: String,
    pub name: String,
    pub can_edit: bool,
    pub company_admin: bool,
    pub active: bool,
    pub invited: bool,
    pub last_sign_in: Option<String>,
    /// An operator: what they may do instead of the edit permission and the admin flag,
    /// which make no difference for them.
    pub operator_note: Option<(String, String)>,
    /// Where the row's forms post.
    pub action: String,
    /// (field, value, button label) of each one-field form.
    pub actions: Vec<(&'static str, &'static str, String)>,
    /// The API tokens of theirs that deactivating them revokes, with the sentence that says
    /// so beside the Deactivate button; None when there are none, or they are inactive.
    pub revokes_tokens: Option<(i64, String)>,
}

/// The invitation form's values and errors.
#[derive(Default)]
pub struct InviteForm {
    pub name: String,
    pub email: String,
    pub name_error: Option<String>,
    pub email_error: Option<String>,
    /// (field id suffix, message) for the error summary.
    pub errors: Vec<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "_company_users.html")]
pub struct CompanyUsersFragment {
    pub t: Tr,
    pub csrf: String,
    pub message: Option<String>,
    pub action_error: Option<String>,
    pub users: Vec<CompanyUserRow>,
    pub invite: InviteForm,
    pub invite_action: String,
}

#[derive(Template)]
#[template(path = "company_users.html")]
pub struct CompanyUsersPage {
    pub layout: Layout,
    pub t: Tr,
    pub company_name: String,
    pub nav: CompanyNav,
    /// The page's content, which htmx answers alone.
    pub list: CompanyUsersFragment,
}

#[derive(Template)]
#[template(path = "invitation.html")]
pub struct InvitationPage {
    pub layout: Layout,
    pub t: Tr,
    pub name: String,
    pub email: String,
    pub company: String,
    pub action: String,
    pub error: Option<String>,
}

/// A one-time code enrolment waiting for its first code: the key as text and as a QR code
/// (an SVG drawn here, as a `data:` URL).
pub struct TotpEnrolment {
    pub secret: String,
    pub qr: String,
}

/// `GET /account/security`: the user's second factors, recovery codes, passkeys and
/// sessions (the last two filled in by their own features).
#[derive(Template)]
#[template(path = "account_security.html")]
pub struct AccountSecurityPage {
    pub layout: Layout,
    pub t: Tr,
    pub csrf: String,
    /// PROVISIO_MFA covers this user and they have no second factor yet.
    pub required: bool,
    pub totp_on: bool,
    pub enrolment: Option<TotpEnrolment>,
    pub recovery_left: i64,
    /// New recovery codes, shown in this answer only.
    pub recovery_codes: Vec<String>,
    pub error: Option<String>,
    /// The user's passkeys and the form to add one (`_account_passkeys.html`).
    pub passkeys: super::passkeys::PasskeysSection,
    /// The user's live sessions (`_account_sessions.html`).
    pub sessions: super::my_sessions::SessionsSection,
}

/// `GET /login/second-factor`: the second step of sign-in (the form posts back to itself;
/// the sign-in it finishes is in a signed cookie).
/// The passkey option's title on the second step and the fresh check: an alternative to the
/// code form, or the one way offered (`_passkey_option.html`).
pub fn passkey_title_key(code: &bool) -> &'static str {
    if *code { "second-factor-passkey-or" } else { "second-factor-passkey-title" }
}

#[derive(Template)]
#[template(path = "second_factor.html")]
pub struct SecondFactorPage {
    pub layout: Layout,
    pub t: Tr,
    pub error: Option<String>,
    /// The code form: the user has one-time codes (or no passkey option to offer instead).
    pub code: bool,
    /// The passkey option: the script's URL, where the user has a passkey and passkeys are on.
    pub passkeys_js: Option<String>,
}

/// `GET /login/confirm`: the fresh check before an admin change.
#[derive(Template)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    pub layout: Layout,
    pub t: Tr,
    pub csrf: String,
    /// The user has one-time codes: ask for a code.
    pub code: bool,
    /// The user has no second factor that can answer here: ask for the password.
    pub password: bool,
    /// The user's passkeys can answer: the script's URL (`web::passkeys::confirm_options`).
    pub passkeys_js: Option<String>,
    pub next: String,
    pub error: Option<String>,
}
