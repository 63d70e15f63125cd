//! The actions on a line, one use case each, for every surface: the order page and the
//! Cloud/SaaS Subscriptions page (`web/line_actions.rs`), API v1 (`web/api/handlers.rs`),
//! and the bulk fix's rows (through the same [`check_line`], in `store/bulk.rs`).
//!
//! Each runs the checks once, in the order docs/http.md gives: visible (404), permitted
//! (403), the line's state (409), the input (422), the email limits (429, counted by the
//! store under the order's lock). It returns what it did or one [`Stopped`]; the surfaces
//! only translate that into HTML, problem+json or an outcome row.
//!
//! A use case is two steps, so that a surface can read its own input between them (the
//! API's body comes after the state, as a page's form would): [`LineActions::check`] makes
//! a [`Checked`] line, which only it can make, and [`LineActions::edit`],
//! [`LineActions::resend`] and [`LineActions::resend_all`] take one.

use std::borrow::Cow;

use chrono::{DateTime, Utc};

use crate::domain::{
    Actor, ContactEmail, ContactEmailError, EditGrant, EditScope, LineCheck, NotAllowed, Refusal, SendLimit,
    check_line, stale_refusal,
};
use crate::store::{
    ApiToken, ContactEdit, CopyOutcome, EditOutcome, LimitPreview, LineAction, LineRecord, OrderHead, ResendAll,
    ResendAllOutcome, ResendAllSummary, ResendOutcome, Store, User,
};

/// Who acts: a signed-in user or an API token, each what it is.
#[derive(Debug, Clone, Copy)]
pub enum Principal<'a> {
    User(&'a User),
    /// Acts with the rights of a user of its company with the edit permission for the
    /// `write` scope, never as an operator (docs/http.md, API v1).
    Token(&'a ApiToken),
}

impl Principal<'_> {
    /// Its rights (docs/product.md rules 2 and 3).
    pub fn actor(&self) -> Actor {
        match self {
            Principal::User(user) => user.actor(),
            Principal::Token(token) => Actor::api_token(token.id, &token.company_id, token.can_write()),
        }
    }

    /// How the transactions it makes name it.
    pub fn name(&self) -> Cow<'_, str> {
        match self {
            Principal::User(user) => Cow::Borrowed(&user.name),
            Principal::Token(token) => Cow::Owned(format!("API token {}", token.name)),
        }
    }

    fn company_id(&self) -> &str {
        match self {
            Principal::User(user) => &user.company_id,
            Principal::Token(token) => &token.company_id,
        }
    }

    /// Where "Send me a copy" goes: the user's own account address; a token has none.
    fn own_address(&self) -> Option<&str> {
        match self {
            Principal::User(user) => Some(&user.email),
            Principal::Token(_) => None,
        }
    }
}

/// The line an action is about, and the page whose rules apply (docs/product.md rule 9):
/// the order page names the order; the subscriptions page and the API may leave it to the
/// line.
#[derive(Debug, Clone, Copy)]
pub struct LineRef<'a> {
    pub scope: EditScope,
    pub order_id: Option<&'a str>,
    pub subscription_id: &'a str,
}

/// Whom to ask for a change one may not make (403): the order's creator, and the admins of
/// one's own company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhomToAsk {
    pub creator_name: String,
    pub creator_email: String,
    pub admins: Vec<(String, String)>,
}

/// Why an action was not taken. Nothing was written.
#[derive(Debug)]
pub enum Stopped {
    /// The line is not there, or not for this principal to see (404).
    NotFound,
    /// Visible, but not theirs to change (403).
    Forbidden(Box<WhomToAsk>),
    /// A rule of the line's state (409): PONR, closed on the order page, complete, before
    /// the first email, changed since it was read.
    Refused(Refusal),
    /// The new address is not one (422).
    Invalid(ContactEmailError),
    /// Too many emails for a line or recipient: the next fits after this long (429).
    Limited(chrono::Duration),
    /// The database failed (500), or could not be reached (503).
    Failed(sqlx::Error),
}

impl From<sqlx::Error> for Stopped {
    fn from(e: sqlx::Error) -> Self {
        Stopped::Failed(e)
    }
}

impl From<crate::store::Stopped> for Stopped {
    fn from(stopped: crate::store::Stopped) -> Self {
        match stopped {
            crate::store::Stopped::Refused(refusal) => Stopped::Refused(refusal),
            crate::store::Stopped::Limited(wait) => Stopped::Limited(wait),
            crate::store::Stopped::NotFound => Stopped::NotFound,
        }
    }
}

/// The action a line is checked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Edit,
    Resend,
    /// Resend for every line of the order.
    EveryLine,
}

/// A line that passed the checks of one action: only [`LineActions::check`] makes one,
/// and the actions take it, so that none can skip a check.
#[derive(Debug)]
pub struct Checked {
    pub order: OrderHead,
    pub line: LineRecord,
    pub scope: EditScope,
    grant: EditGrant,
}

/// A new provisioning contact as a surface read it.
#[derive(Debug, Clone, Copy)]
pub struct NewContact<'a> {
    /// As typed: parsed here (422 when it is not an address).
    pub email: &'a str,
    pub apply_to_all: bool,
    /// The line's version the dialog or client read, if it sent one (409 when stale).
    pub expected_version: Option<i64>,
    pub copy_to_me: bool,
}

#[derive(Debug)]
pub struct Edited {
    pub contact: ContactEmail,
    /// The subscription ids whose contact changed (empty: it already was that address).
    pub lines: Vec<String>,
    /// Whether any of them gets the email at once (the others get it on their RSD).
    pub emailed: bool,
    pub copy: CopyOutcome,
    /// The update transactions written, one per changed line.
    pub transactions: Vec<i64>,
}

#[derive(Debug)]
pub struct Resent {
    pub recipient: String,
    pub transaction: i64,
    pub copy: CopyOutcome,
}

#[derive(Debug)]
pub struct ResentAll {
    /// The lines, in the order's order, and the recipients, one email each.
    pub lines: Vec<String>,
    pub recipients: Vec<String>,
}

/// The use cases over one store, now, under the configured email limits.
pub struct LineActions<'a> {
    pub store: &'a Store,
    pub limit: SendLimit,
    pub at: DateTime<Utc>,
}

impl<'a> LineActions<'a> {
    pub fn new(store: &'a Store, limit: SendLimit) -> Self {
        Self { store, limit, at: Utc::now() }
    }

    /// Visible (404), permitted (403), the line's state for `check` (409): reads the
    /// order's head, then the line.
    pub async fn check(&self, who: Principal<'_>, at: LineRef<'_>, action: Action) -> Result<Checked, Stopped> {
        let order_id = match at.order_id {
            Some(order_id) => Cow::Borrowed(order_id),
            None => Cow::Owned(self.store.order_of_subscription(at.subscription_id).await?.ok_or(Stopped::NotFound)?),
        };
        let order = self.store.order_head(&order_id).await?.ok_or(Stopped::NotFound)?;
        let actor = who.actor();
        // Not visible: the line is not read at all, so its existence is not told.
        if !actor.may_see(&order.parties()) {
            return Err(Stopped::NotFound);
        }
        let line = self.store.order_line(&order.id, at.subscription_id).await?.ok_or(Stopped::NotFound)?;
        let check = match action {
            Action::Edit => LineCheck::Edit,
            Action::Resend => LineCheck::Resend { email_sent_at: line.email_sent_at, rsd: line.rsd },
            Action::EveryLine => LineCheck::EveryLine,
        };
        match check_line(&actor, &order.parties(), at.scope, line.status(), order.org_mapped_at, check) {
            Ok(grant) => Ok(Checked { order, line, scope: at.scope, grant }),
            Err(NotAllowed::NotFound) => Err(Stopped::NotFound),
            Err(NotAllowed::Forbidden) => Err(self.forbidden(who, &order).await),
            Err(NotAllowed::Refused(refusal)) => Err(Stopped::Refused(refusal)),
        }
    }

    /// 403, naming whom to ask. The company's admins are read only here; without them
    /// (the list cannot be read) the refusal still names the creator.
    async fn forbidden(&self, who: Principal<'_>, order: &OrderHead) -> Stopped {
        let admins = self.store.company_admins(who.company_id()).await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "could not read the company's admins");
            Vec::new()
        });
        Stopped::Forbidden(Box::new(WhomToAsk {
            creator_name: order.creator_name.clone(),
            creator_email: order.creator_email.clone(),
            admins,
        }))
    }

    /// How many other lines "Apply to all lines" would change too (counted over the whole
    /// order, not a page), for the edit dialog.
    pub async fn other_editable_lines(&self, checked: &Checked) -> Result<i64, Stopped> {
        let editable = self.store.editable_line_count(&checked.order.id, checked.scope).await?;
        // The line itself passed the state checks, so it is one of the editable ones.
        Ok((editable - 1).max(0))
    }

    /// What "Send for every line of this order" would reach, for the resend dialog.
    pub async fn every_line_offer(&self, checked: &Checked) -> Result<ResendAllSummary, Stopped> {
        Ok(self.store.resend_all_summary(&checked.order.id, checked.scope).await?)
    }

    /// Whether one more email about the line, and one more to `recipient`, would fit the
    /// limits now (read only): for the dialogs to say so before "Yes".
    pub async fn limit_preview(&self, checked: &Checked, recipient: Option<&str>) -> Result<LimitPreview, Stopped> {
        let line = &checked.line;
        Ok(self.store.limit_preview(&checked.order.id, &line.subscription_id, recipient, self.limit, self.at).await?)
    }

    fn action<'b>(&self, who: &'b Principal<'b>, name: &'b str, checked: &'b Checked, copy: bool) -> LineAction<'b> {
        LineAction {
            grant: &checked.grant,
            actor_name: name,
            subscription_id: &checked.line.subscription_id,
            scope: checked.scope,
            at: self.at,
            limit: self.limit,
            copy_to: if copy { who.own_address() } else { None },
        }
    }

    /// A new provisioning contact for the line (and, asked, every editable line of its
    /// order): the version the dialog read (409, before the input), the address (422),
    /// then the store's write under the order's lock (its state again, the limits: 429).
    pub async fn edit(&self, who: Principal<'_>, checked: &Checked, input: NewContact<'_>) -> Result<Edited, Stopped> {
        let line = &checked.line;
        if let Some(stale) = stale_refusal(input.expected_version, line.version, &line.updated_by, &line.contact) {
            return Err(Stopped::Refused(stale));
        }
        let contact = ContactEmail::parse(input.email).map_err(Stopped::Invalid)?;
        let name = who.name();
        let outcome = self
            .store
            .edit_contact(ContactEdit {
                action: self.action(&who, &name, checked, input.copy_to_me),
                new_contact: &contact,
                apply_to_all: input.apply_to_all,
                expected_version: input.expected_version,
            })
            .await?;
        match outcome {
            EditOutcome::Changed { lines, emailed, copy, transactions } => {
                Ok(Edited { contact, lines, emailed, copy, transactions })
            }
            EditOutcome::Stopped(stopped) => Err(stopped.into()),
        }
    }

    /// The provisioning email of the line again (checked for [`Action::Resend`]).
    pub async fn resend(&self, who: Principal<'_>, checked: &Checked, copy_to_me: bool) -> Result<Resent, Stopped> {
        let name = who.name();
        match self.store.resend(self.action(&who, &name, checked, copy_to_me)).await? {
            ResendOutcome::Queued { recipient, transaction, copy } => Ok(Resent { recipient, transaction, copy }),
            ResendOutcome::Stopped(stopped) => Err(stopped.into()),
        }
    }

    /// The email again for every line of the order that the page may resend (checked for
    /// [`Action::EveryLine`]): 409 when none may, 429 when any line or recipient would
    /// go over its limit.
    pub async fn resend_all(&self, who: Principal<'_>, checked: &Checked) -> Result<ResentAll, Stopped> {
        let name = who.name();
        let outcome = self
            .store
            .resend_all(ResendAll {
                grant: &checked.grant,
                actor_name: &name,
                scope: checked.scope,
                at: self.at,
                limit: self.limit,
            })
            .await?;
        match outcome {
            ResendAllOutcome::Queued { lines, recipients } => Ok(ResentAll { lines, recipients }),
            ResendAllOutcome::Stopped(stopped) => Err(stopped.into()),
        }
    }
}
