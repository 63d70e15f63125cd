-- Apply to all lines (issue 26): every changed line is one UPDATE of lines and one row of
-- transactions, so each index on those tables is paid once per line.
--
-- lines_last_outbox (0018) indexed a column every emailed edit changes: the only index of
-- lines an edit had to rewrite. Needs attention finds the lines of an undelivered message
-- through the message's own lines (outbox_lines' primary key) instead; a line names its
-- last email only where that email lists it, so the rows are the same.
DROP INDEX lines_last_outbox;
