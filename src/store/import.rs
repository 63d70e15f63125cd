//! `provisio import FILE`: companies, users and orders from JSON (CONTRACT.md, "Import file").
//!
//! The file is checked whole before anything is written, then applied in one database
//! transaction: a bad file imports nothing. Everything is upserted by its id, so importing
//! the same file twice changes nothing; PONR is never undone and a status never moves back.

use std::collections::{HashMap, HashSet};

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use super::{Store, write_tx};
use crate::domain::{ContactEmail, LineStatus};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportFile {
    #[serde(default)]
    pub companies: Vec<CompanyIn>,
    #[serde(default)]
    pub users: Vec<UserIn>,
    #[serde(default)]
    pub orders: Vec<OrderIn>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompanyIn {
    pub id: String,
    pub name: String,
    pub kind: String,
    #[serde(default)]
    pub language: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserIn {
    pub email: String,
    pub name: String,
    pub company: String,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub can_edit: bool,
    #[serde(default)]
    pub operator: bool,
    /// Manages the users and API tokens of their own company.
    #[serde(default)]
    pub company_admin: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderIn {
    pub id: String,
    pub partner: String,
    #[serde(default)]
    pub distributor: Option<String>,
    pub created_by: String,
    pub customer: String,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub org_mapped_at: Option<DateTime<Utc>>,
    pub lines: Vec<LineIn>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineIn {
    pub subscription: String,
    pub offer: String,
    pub rsd: NaiveDate,
    pub contact: String,
    pub status: String,
    #[serde(default)]
    pub email_sent_at: Option<DateTime<Utc>>,
}

/// Why a file was refused, naming the offending field: `orders[2].lines[0].contact: …`.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{path}: {message}")]
    Field { path: String, message: String },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

fn field(path: impl Into<String>, message: impl Into<String>) -> ImportError {
    ImportError::Field { path: path.into(), message: message.into() }
}

/// The kind of company `id`, looked up in the file first and then in the database
/// (a macro, so that it expands inside each database's transaction).
macro_rules! company_kind {
    ($tx:ident, $kinds:ident, $id:expr) => {{
        let id: &str = $id;
        match $kinds.get(id) {
            Some(kind) => Some(kind.clone()),
            None => {
                let kind: Option<String> = sqlx::query_scalar("SELECT kind FROM companies WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *$tx)
                    .await?;
                if let Some(kind) = &kind {
                    $kinds.insert(id.to_string(), kind.clone());
                }
                kind
            }
        }
    }};
}

/// "not a valid email address", and why when there is more to say.
fn email_problem(e: crate::domain::ContactEmailError) -> String {
    match e {
        crate::domain::ContactEmailError::Invalid => e.plain().to_string(),
        other => format!("not a valid email address ({})", other.plain()),
    }
}

const LANGUAGES: [&str; 3] = ["en", "ko", "sv"];

fn check_language(path: String, language: &Option<String>) -> Result<(), ImportError> {
    match language {
        Some(l) if !LANGUAGES.contains(&l.as_str()) => Err(field(path, "expected en, ko or sv")),
        _ => Ok(()),
    }
}

fn check_id(path: String, id: &str) -> Result<(), ImportError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok { Ok(()) } else { Err(field(path, "expected 1 to 64 letters, digits, '-', '_' or '.'")) }
}

fn check_text(path: String, text: &str) -> Result<(), ImportError> {
    if text.trim().is_empty() || text.len() > 200 || text.chars().any(char::is_control) {
        Err(field(path, "expected 1 to 200 characters on one line"))
    } else {
        Ok(())
    }
}

impl ImportFile {
    /// Parses JSON, naming the field path of a malformed value.
    pub fn parse(json: &str) -> Result<Self, ImportError> {
        let de = &mut serde_json::Deserializer::from_str(json);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let path = if path == "." { "(file)".to_string() } else { path };
            field(path, e.inner().to_string())
        })
    }

    /// Everything that can be checked without the database.
    fn check(&self) -> Result<(), ImportError> {
        let mut company_ids = HashSet::new();
        for (i, c) in self.companies.iter().enumerate() {
            check_id(format!("companies[{i}].id"), &c.id)?;
            if !company_ids.insert(c.id.as_str()) {
                return Err(field(format!("companies[{i}].id"), format!("duplicate company {}", c.id)));
            }
            check_text(format!("companies[{i}].name"), &c.name)?;
            if !["partner", "distributor", "vendor"].contains(&c.kind.as_str()) {
                return Err(field(format!("companies[{i}].kind"), "expected partner, distributor or vendor"));
            }
            check_language(format!("companies[{i}].language"), &c.language)?;
        }
        let mut emails = HashSet::new();
        for (i, u) in self.users.iter().enumerate() {
            let email =
                ContactEmail::parse(&u.email).map_err(|e| field(format!("users[{i}].email"), email_problem(e)))?;
            if !emails.insert(email.as_str().to_lowercase()) {
                return Err(field(format!("users[{i}].email"), format!("duplicate user {}", u.email)));
            }
            check_text(format!("users[{i}].name"), &u.name)?;
            if let Some(p) = &u.password
                && (p.chars().count() < 8 || p.len() > 1024)
            {
                return Err(field(format!("users[{i}].password"), "expected 8 to 1024 characters"));
            }
        }
        let mut order_ids = HashSet::new();
        let mut subscriptions = HashSet::new();
        for (i, o) in self.orders.iter().enumerate() {
            check_id(format!("orders[{i}].id"), &o.id)?;
            if !order_ids.insert(o.id.to_lowercase()) {
                return Err(field(format!("orders[{i}].id"), format!("duplicate order {}", o.id)));
            }
            check_text(format!("orders[{i}].customer"), &o.customer)?;
            check_language(format!("orders[{i}].language"), &o.language)?;
            if o.lines.is_empty() {
                return Err(field(format!("orders[{i}].lines"), "an order has at least one line"));
            }
            for (j, l) in o.lines.iter().enumerate() {
                let path = format!("orders[{i}].lines[{j}]");
                check_id(format!("{path}.subscription"), &l.subscription)?;
                if !subscriptions.insert(l.subscription.to_lowercase()) {
                    return Err(field(
                        format!("{path}.subscription"),
                        format!("duplicate subscription {}", l.subscription),
                    ));
                }
                check_text(format!("{path}.offer"), &l.offer)?;
                ContactEmail::parse(&l.contact).map_err(|e| field(format!("{path}.contact"), email_problem(e)))?;
                if LineStatus::parse(&l.status).is_none() {
                    return Err(field(format!("{path}.status"), "expected awaiting, closed or complete"));
                }
            }
        }
        Ok(())
    }
}

/// A line as the database has it: order, contact, status, offer, RSD, first email.
type ExistingLine = (String, String, String, String, NaiveDate, Option<DateTime<Utc>>);

/// What one import did, for the command's summary line.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub companies: usize,
    pub users: usize,
    pub orders: usize,
    pub lines: usize,
    pub contact_changes: usize,
}

fn hash_password(password: &str) -> Result<String, ImportError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| field("users", format!("could not hash a password: {e}")))
}

fn password_matches(password: &str, hash: &str) -> bool {
    Argon2::default().verify_password(password.as_bytes(), hash).is_ok()
}

impl Store {
    /// Applies a whole file in one transaction, or nothing.
    pub async fn import(&self, file: &ImportFile, now: DateTime<Utc>) -> Result<ImportSummary, ImportError> {
        file.check()?;
        let mut summary = ImportSummary::default();
        write_tx!(self, |tx, pg| {
            let file_companies: HashMap<&str, &str> =
                file.companies.iter().map(|c| (c.id.as_str(), c.kind.as_str())).collect();
            for c in &file.companies {
                sqlx::query(
                    "INSERT INTO companies (id, name, kind, language) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind,
                                                    language = excluded.language",
                )
                .bind(&c.id)
                .bind(c.name.trim())
                .bind(&c.kind)
                .bind(&c.language)
                .execute(&mut *tx)
                .await?;
                summary.companies += 1;
            }
            // The kind of a company named by the file, from the file or else the database.
            let mut kinds: HashMap<String, String> =
                file_companies.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            let mut user_ids: HashMap<String, i64> = HashMap::new();

            for (i, u) in file.users.iter().enumerate() {
                let company_kind = company_kind!(tx, kinds, &u.company);
                if company_kind.is_none() {
                    return Err(field(format!("users[{i}].company"), format!("unknown company {}", u.company)));
                }
                let email = u.email.trim().to_lowercase();
                let existing: Option<(i64, Option<String>)> =
                    sqlx::query_as("SELECT id, password_hash FROM users WHERE email = $1")
                        .bind(&email)
                        .fetch_optional(&mut *tx)
                        .await?;
                // Re-hashing an unchanged password would change the row: keep the hash when
                // the file's password still matches it.
                let hash = match (&u.password, &existing) {
                    (Some(p), Some((_, Some(h)))) if password_matches(p, h) => Some(h.clone()),
                    (Some(p), _) => Some(hash_password(p)?),
                    (None, Some((_, h))) => h.clone(),
                    (None, None) => None,
                };
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO users (email, name, company_id, password_hash, can_edit, operator, company_admin)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)
                     ON CONFLICT (email) DO UPDATE SET name = excluded.name, company_id = excluded.company_id,
                        password_hash = excluded.password_hash, can_edit = excluded.can_edit,
                        operator = excluded.operator, company_admin = excluded.company_admin
                     RETURNING id",
                )
                .bind(&email)
                .bind(u.name.trim())
                .bind(&u.company)
                .bind(hash.as_deref())
                .bind(u.can_edit)
                .bind(u.operator)
                .bind(u.company_admin)
                .fetch_one(&mut *tx)
                .await?;
                // A changed password ends the user's sessions (in the same transaction).
                if let Some((_, Some(old))) = &existing
                    && hash.as_deref() != Some(old.as_str())
                {
                    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
                }
                user_ids.insert(email, id);
                summary.users += 1;
            }

            for (i, o) in file.orders.iter().enumerate() {
                if company_kind!(tx, kinds, &o.partner).as_deref() != Some("partner") {
                    return Err(field(format!("orders[{i}].partner"), format!("no partner company {}", o.partner)));
                }
                if let Some(d) = &o.distributor
                    && company_kind!(tx, kinds, d).as_deref() != Some("distributor")
                {
                    return Err(field(format!("orders[{i}].distributor"), format!("no distributor company {d}")));
                }
                let creator_email = o.created_by.trim().to_lowercase();
                let creator = match user_ids.get(&creator_email) {
                    Some(id) => Some(*id),
                    None => {
                        sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
                            .bind(&creator_email)
                            .fetch_optional(&mut *tx)
                            .await?
                    }
                };
                let Some(creator) = creator else {
                    return Err(field(format!("orders[{i}].created_by"), format!("unknown user {}", o.created_by)));
                };
                sqlx::query(
                    "INSERT INTO orders (id, partner_id, distributor_id, created_by, customer, language,
                                         org_mapped_at, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                     ON CONFLICT (id) DO UPDATE SET partner_id = excluded.partner_id,
                        distributor_id = excluded.distributor_id, created_by = excluded.created_by,
                        customer = excluded.customer, language = excluded.language,
                        org_mapped_at = COALESCE(orders.org_mapped_at, excluded.org_mapped_at)",
                )
                .bind(&o.id)
                .bind(&o.partner)
                .bind(&o.distributor)
                .bind(creator)
                .bind(o.customer.trim())
                .bind(&o.language)
                .bind(o.org_mapped_at)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(|e| {
                    unique_violation(e, format!("orders[{i}].id"), "another order has this id in another case")
                })?;
                summary.orders += 1;

                for (j, l) in o.lines.iter().enumerate() {
                    let path = format!("orders[{i}].lines[{j}]");
                    let contact = ContactEmail::parse(&l.contact)
                        .map_err(|e| field(format!("{path}.contact"), email_problem(e)))?;
                    let status = LineStatus::parse(&l.status).expect("checked above");
                    let existing: Option<ExistingLine> = sqlx::query_as(
                        "SELECT order_id, contact, status, offer, rsd, email_sent_at FROM lines
                             WHERE subscription_id = $1",
                    )
                    .bind(&l.subscription)
                    .fetch_optional(&mut *tx)
                    .await?;
                    match existing {
                        None => {
                            sqlx::query(
                                "INSERT INTO lines (subscription_id, order_id, position, offer, rsd, contact, status,
                                                    email_sent_at, version, updated_at, updated_by)
                                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, 'import')",
                            )
                            .bind(&l.subscription)
                            .bind(&o.id)
                            .bind(j as i32)
                            .bind(l.offer.trim())
                            .bind(l.rsd)
                            .bind(contact.as_str())
                            .bind(status.as_str())
                            .bind(l.email_sent_at)
                            .bind(now)
                            .execute(&mut *tx)
                            .await
                            .map_err(|e| {
                                unique_violation(
                                    e,
                                    format!("{path}.subscription"),
                                    "another subscription has this id in another case",
                                )
                            })?;
                        }
                        Some((order_id, _, _, _, _, _)) if order_id != o.id => {
                            return Err(field(
                                format!("{path}.subscription"),
                                format!("{} belongs to order {order_id}", l.subscription),
                            ));
                        }
                        Some((_, old_contact, old_status, old_offer, old_rsd, old_sent)) => {
                            let old_status = LineStatus::parse(&old_status).unwrap_or(LineStatus::Complete);
                            let new_status = old_status.advance_to(status);
                            // The first email started the closing clock: keep the earliest.
                            let sent = match (old_sent, l.email_sent_at) {
                                (Some(a), Some(b)) => Some(a.min(b)),
                                (a, b) => a.or(b),
                            };
                            let changed = old_contact != contact.as_str()
                                || new_status != old_status
                                || old_offer != l.offer.trim()
                                || old_rsd != l.rsd
                                || sent != old_sent;
                            if !changed {
                                continue;
                            }
                            if old_contact != contact.as_str() {
                                sqlx::query(
                                    "INSERT INTO transactions (kind, subscription_id, order_id, old_value, new_value,
                                        actor_user_id, actor, status, detail, created_at, updated_at)
                                     VALUES ('provisioning_email_update', $1, $2, $3, $4, NULL, 'import', 'success',
                                             NULL, $5, $5)",
                                )
                                .bind(&l.subscription)
                                .bind(&o.id)
                                .bind(&old_contact)
                                .bind(contact.as_str())
                                .bind(now)
                                .execute(&mut *tx)
                                .await?;
                                summary.contact_changes += 1;
                            }
                            sqlx::query(
                                "UPDATE lines SET offer = $2, rsd = $3, contact = $4, status = $5, email_sent_at = $6,
                                    version = version + 1, updated_at = $7, updated_by = 'import'
                                 WHERE subscription_id = $1",
                            )
                            .bind(&l.subscription)
                            .bind(l.offer.trim())
                            .bind(l.rsd)
                            .bind(contact.as_str())
                            .bind(new_status.as_str())
                            .bind(sent)
                            .bind(now)
                            .execute(&mut *tx)
                            .await?;
                        }
                    }
                    summary.lines += 1;
                }
                // Lines come only from the import: the order keeps their count, so a list
                // of orders never counts lines.
                sqlx::query(
                    "UPDATE orders SET line_count = (SELECT COUNT(*) FROM lines WHERE order_id = $1) WHERE id = $1",
                )
                .bind(&o.id)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(summary)
        })
    }
}

fn unique_violation(e: sqlx::Error, path: String, message: &str) -> ImportError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => field(path, message),
        _ => ImportError::Database(e),
    }
}
