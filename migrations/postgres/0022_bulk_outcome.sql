-- A bulk fix's page after apply shows each done row's contact before the change: the old
-- value of the update transaction that names the batch and the row's line
-- (store/bulk.rs, applied_facts_sql). Indexed on the batch alone, each of 10,000 rows read
-- the batch's 10,000 transactions (about 6 s on SQLite, 4.5 s on PostgreSQL); with the line
-- in the key, each row is one probe. Only bulk transactions have an entry, as before.
DROP INDEX transactions_bulk_batch;
CREATE INDEX transactions_bulk_batch ON transactions (bulk_batch_id, subscription_id) WHERE bulk_batch_id IS NOT NULL;
