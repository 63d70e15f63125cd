-- Apply to all lines (issue 26): every changed line is one UPDATE of lines and one row of
-- transactions, so each index on those tables is paid once per line.
--
-- lines_last_outbox (0018) indexed a column every emailed edit changes, so no update of a
-- line was HOT any more: each wrote a new entry into all fifteen indexes of lines
-- (EXPLAIN ANALYZE, 10,000 lines: 230-285 ms; without it, HOT again: 16-24 ms). Needs
-- attention finds the lines of an undelivered message through the message's own lines
-- (outbox_lines' primary key) instead; a line names its last email only where that email
-- lists it, so the rows are the same.
DROP INDEX lines_last_outbox;
