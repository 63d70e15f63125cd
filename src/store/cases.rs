//! Support cases: opened from a line when a change keeps failing before PONR, worked by
//! operators.

use chrono::{DateTime, Utc};

use super::{Statement, Store, read, write_tx};
use crate::config::Rate;
use crate::domain::{Actor, OperatorGrant};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CaseRecord {
    pub id: i64,
    pub company_id: String,
    pub subscription_id: String,
    pub order_id: String,
    pub request_type: String,
    pub description: String,
    pub status: String,
    pub note: Option<String>,
    pub creator_name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
    pub attachments: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttachmentInfo {
    pub id: i64,
    pub case_id: i64,
    pub filename: String,
    pub content_type: String,
}

/// id, case, file name, type, bytes, the case's order and company.
type AttachmentRow = (i64, i64, String, String, Vec<u8>, String, String);

/// A validated screenshot.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub filename: String,
    pub content_type: &'static str,
    pub data: Vec<u8>,
}

#[derive(Debug)]
pub struct NewCase<'a> {
    pub company_id: &'a str,
    pub subscription_id: &'a str,
    pub order_id: &'a str,
    pub request_type: &'a str,
    pub description: &'a str,
    pub created_by: i64,
    pub actor_name: &'a str,
    pub attachments: Vec<NewAttachment>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum CaseOutcome {
    Opened(i64),
    /// PROVISIO_CASE_LIMIT reached: one more fits after this long.
    OverQuota(chrono::Duration),
}

impl Store {
    /// Opens a case with its screenshots, all or nothing, unless its author already opened
    /// `quota` cases in the window (then: how long until one more fits).
    pub async fn create_case(&self, case: NewCase<'_>, quota: Rate) -> sqlx::Result<CaseOutcome> {
        write_tx!(self, |tx, pg| {
            // Counted inside the write transaction: parallel requests cannot pass it together.
            let recent: Vec<DateTime<Utc>> = sqlx::query_scalar(
                "SELECT created_at FROM cases WHERE created_by = $1 AND created_at > $2 ORDER BY created_at",
            )
            .bind(case.created_by)
            .bind(case.at - quota.per)
            .fetch_all(&mut *tx)
            .await?;
            if recent.len() >= quota.count as usize {
                let frees = recent[recent.len() - quota.count as usize] + quota.per;
                return Ok(CaseOutcome::OverQuota((frees - case.at).max(chrono::Duration::seconds(1))));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO cases (company_id, subscription_id, order_id, request_type, description, status, note,
                                    created_by, created_at, updated_at, updated_by, partner_id, distributor_id)
                 SELECT $1, $2, $3, $4, $5, 'open', NULL, $6, $7, $7, $8, partner_id, distributor_id
                 FROM lines WHERE subscription_id = $2 RETURNING id",
            )
            .bind(case.company_id)
            .bind(case.subscription_id)
            .bind(case.order_id)
            .bind(case.request_type)
            .bind(case.description)
            .bind(case.created_by)
            .bind(case.at)
            .bind(case.actor_name)
            .fetch_one(&mut *tx)
            .await?;
            for a in &case.attachments {
                sqlx::query(
                    "INSERT INTO case_attachments (case_id, filename, content_type, data) VALUES ($1, $2, $3, $4)",
                )
                .bind(id)
                .bind(&a.filename)
                .bind(a.content_type)
                .bind(&a.data)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(CaseOutcome::Opened(id))
        })
    }

    /// The cases `viewer` may see, newest first: all for operators; for a company, those it
    /// opened and those about its orders. A case carries its line's partner and
    /// distributor, so each is a walk of an index on (company, id) that stops at `limit`.
    pub async fn cases_for(&self, viewer: &Actor, limit: i64) -> sqlx::Result<Vec<CaseRecord>> {
        let mut st = Statement::default();
        let limit = st.limit(limit);
        let parties: Vec<String> = if viewer.sees_every_company() {
            vec!["TRUE".into()]
        } else {
            let company = st.text(viewer.company_id.clone());
            ["company_id", "partner_id", "distributor_id"].iter().map(|c| format!("c.{c} = {company}")).collect()
        };
        let branches: Vec<String> = parties
            .iter()
            .enumerate()
            .map(|(i, party)| {
                format!(
                    "SELECT * FROM (SELECT c.id, c.company_id, c.subscription_id, c.order_id, c.request_type,
                            c.description, c.status, c.note, c.created_by, c.created_at, c.updated_at, c.updated_by
                     FROM cases c WHERE {party} ORDER BY c.id DESC LIMIT {limit}) AS b{i}"
                )
            })
            .collect();
        st.sql = format!(
            "SELECT page.id, page.company_id, page.subscription_id, page.order_id, page.request_type,
                    page.description, page.status, page.note, u.name AS creator_name, page.created_at,
                    page.updated_at, page.updated_by,
                    (SELECT COUNT(*) FROM case_attachments a WHERE a.case_id = page.id) AS attachments
             FROM ({}) AS page JOIN users u ON u.id = page.created_by
             ORDER BY page.id DESC LIMIT {limit}",
            branches.join(" UNION ")
        );
        self.fetch_list(&st).await
    }

    pub async fn case_attachments(&self, case_id: i64) -> sqlx::Result<Vec<AttachmentInfo>> {
        read!(self, |pool, pg| {
            sqlx::query_as(
                "SELECT id, case_id, filename, content_type FROM case_attachments WHERE case_id = $1 ORDER BY id",
            )
            .bind(case_id)
            .fetch_all(pool)
            .await
        })
    }

    /// An attachment with its bytes and the order of its case (for the visibility check).
    pub async fn attachment(&self, id: i64) -> sqlx::Result<Option<(AttachmentInfo, Vec<u8>, String, String)>> {
        read!(self, |pool, pg| {
            let row: Option<AttachmentRow> = sqlx::query_as(
                "SELECT a.id, a.case_id, a.filename, a.content_type, a.data, c.order_id, c.company_id
                 FROM case_attachments a JOIN cases c ON c.id = a.case_id WHERE a.id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?;
            Ok(row.map(|(id, case_id, filename, content_type, data, order_id, company_id)| {
                (AttachmentInfo { id, case_id, filename, content_type }, data, order_id, company_id)
            }))
        })
    }

    /// The company that opened a case and the order it is about.
    pub async fn case_parties(&self, id: i64) -> sqlx::Result<Option<(String, String)>> {
        read!(self, |pool, pg| {
            sqlx::query_as("SELECT company_id, order_id FROM cases WHERE id = $1").bind(id).fetch_optional(pool).await
        })
    }

    /// Operators move a case along, with a note; false when there is no such case. The
    /// time a case became resolved is kept while it stays resolved (its screenshots are
    /// deleted 90 days after it); moving it back clears it.
    pub async fn update_case(
        &self,
        _grant: &OperatorGrant,
        id: i64,
        status: &str,
        note: &str,
        actor_name: &str,
        at: DateTime<Utc>,
    ) -> sqlx::Result<bool> {
        write_tx!(self, |tx, pg| {
            let n = sqlx::query(
                "UPDATE cases SET status = $2, note = $3, updated_at = $4, updated_by = $5,
                                  resolved_at = CASE WHEN $2 = 'resolved' THEN COALESCE(resolved_at, $4) END
                 WHERE id = $1",
            )
            .bind(id)
            .bind(status)
            .bind(note)
            .bind(at)
            .bind(actor_name)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            Ok(n == 1)
        })
    }
}
