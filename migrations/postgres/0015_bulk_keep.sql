-- Retention of uploaded files (penetration test: previews had no quota and were never
-- deleted). PROVISIO_BULK_KEEP after its upload an unapplied preview is deleted with its
-- rows; the same time after apply an applied batch's rows (its outcome) are deleted, and the
-- batch itself too unless transactions name it, in which case it stays, marked purged_at.
ALTER TABLE bulk_batches ADD COLUMN purged_at TIMESTAMPTZ;
-- A user's unapplied previews, oldest first: the quota of 5 counts them on every upload.
CREATE INDEX bulk_batches_unapplied ON bulk_batches (user_id, created_at) WHERE applied_at IS NULL;
-- What the scheduler purges each run: old previews, and applied batches whose rows are kept.
CREATE INDEX bulk_batches_preview_age ON bulk_batches (created_at) WHERE applied_at IS NULL;
CREATE INDEX bulk_batches_outcome_age ON bulk_batches (applied_at)
    WHERE applied_at IS NOT NULL AND purged_at IS NULL;
-- Whether a purged batch is still named by a transaction (a probe per batch).
CREATE INDEX transactions_bulk_batch ON transactions (bulk_batch_id) WHERE bulk_batch_id IS NOT NULL;

-- Screenshots of a support case are deleted 90 days after the case was resolved. Until now
-- only updated_at was kept; a case already resolved counts as resolved at its last change.
ALTER TABLE cases ADD COLUMN resolved_at TIMESTAMPTZ;
ALTER TABLE cases ADD COLUMN attachments_purged_at TIMESTAMPTZ;
UPDATE cases SET resolved_at = updated_at WHERE status = 'resolved';
CREATE INDEX cases_resolved ON cases (resolved_at) WHERE status = 'resolved' AND attachments_purged_at IS NULL;
