-- Apply to all lines (issue 26): every changed line is one UPDATE of lines and one row of
-- transactions, so each index on those tables is paid once per line.
--
-- lines_last_outbox (0018) indexed a column every emailed edit changes: the only index of
-- lines an edit had to rewrite. Needs attention finds the lines of an undelivered message
-- through the message's own lines (outbox_lines' primary key) instead; a line names its
-- last email only where that email lists it, so the rows are the same.
DROP INDEX lines_last_outbox;
-- Update transactions (one per changed line) are most of the table: the Transaction
-- Manager's filter by type finds them walking the table in id order, and the index serves
-- the other, rarer types (the statement names the exclusion, store/lists.rs).
DROP INDEX transactions_kind;
CREATE INDEX transactions_kind ON transactions (kind, id) WHERE kind <> 'provisioning_email_update';
-- A line's transaction has no company (it has the order's parties), and a direct order no
-- distributor: no index entry for what no query looks up (every query names a company or a
-- distributor with `=`, which a partial index on IS NOT NULL serves).
DROP INDEX transactions_company;
CREATE INDEX transactions_company ON transactions (company_id, id) WHERE company_id IS NOT NULL;
DROP INDEX transactions_distributor;
CREATE INDEX transactions_distributor ON transactions (distributor_id, id) WHERE distributor_id IS NOT NULL;
