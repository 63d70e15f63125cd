//! `provisio import FILE`: companies, users and orders from JSON (docs/import.md).
//!
//! The file is read as a stream ([`read`]): each item is checked as it arrives and staged
//! in temporary tables, then the whole file is checked against the database and applied
//! with a fixed number of set-based statements ([`apply`]), all in one database
//! transaction: a bad file imports nothing. Everything is upserted by its id, so importing
//! the same file twice changes nothing; PONR is never undone and a status never moves back.

mod apply;
mod read;

use std::io::Read;
use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::Store;

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ImportFile {
    #[serde(default)]
    pub companies: Vec<CompanyIn>,
    #[serde(default)]
    pub users: Vec<UserIn>,
    #[serde(default)]
    pub orders: Vec<OrderIn>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CompanyIn {
    pub id: String,
    pub name: String,
    pub kind: String,
    #[serde(default)]
    pub language: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
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

#[derive(Debug, Clone, Deserialize, Serialize)]
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

#[derive(Debug, Clone, Deserialize, Serialize)]
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

/// How far an import has come, for a progress bar or log lines.
#[derive(Debug, Clone, Copy)]
pub enum ImportProgress {
    /// Read and staged so far: bytes of the file, order lines.
    Read { bytes: u64, lines: u64 },
    /// The file is read; it is being checked against the database and written.
    Writing,
}

/// Where progress goes (called from the reading thread and the database task).
pub type Progress = Option<Arc<dyn Fn(ImportProgress) + Send + Sync>>;

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
}

impl Store {
    /// Applies a whole file in one transaction, or nothing.
    pub async fn import(&self, file: &ImportFile, now: DateTime<Utc>) -> Result<ImportSummary, ImportError> {
        let json = serde_json::to_vec(file).map_err(|e| field("(file)", e.to_string()))?;
        self.import_json(std::io::Cursor::new(json), now, None).await
    }

    /// Reads an import file from `reader` as a stream and applies it in one transaction,
    /// or nothing. The file is parsed on a thread of its own while the database stages
    /// what was read; memory stays bounded by the largest order, not the file.
    pub async fn import_json<R: Read + Send + 'static>(
        &self,
        reader: R,
        now: DateTime<Utc>,
        progress: Progress,
    ) -> Result<ImportSummary, ImportError> {
        // At most 16 items of about 1,000 lines between the reader and the database.
        let (sender, items) = tokio::sync::mpsc::channel(16);
        let reading = progress.clone();
        let reader = tokio::task::spawn_blocking(move || read::read_items(reader, sender, reading));
        let applied = self.apply_import(items, now, progress).await;
        // The reader ends on its own once the receiver is gone.
        reader.await.map_err(|e| field("(file)", format!("the reader stopped: {e}")))?;
        applied
    }
}
