-- The Transaction Manager: newest first, by type, status, line or order, for one company.
CREATE INDEX transactions_kind ON transactions (kind, id);
CREATE INDEX transactions_status ON transactions (status, id);
CREATE INDEX transactions_order ON transactions (order_id, id);
