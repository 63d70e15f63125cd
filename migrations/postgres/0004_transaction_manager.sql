-- The Transaction Manager: newest first, by type, status, line or order, for one company.
CREATE INDEX transactions_kind ON transactions (kind, id);
CREATE INDEX transactions_status ON transactions (status, id);
CREATE INDEX transactions_order ON transactions (order_id, id);
-- Search by subscription or web order id prefix, case-insensitively (byte order).
CREATE INDEX transactions_subscription_ci ON transactions ((lower(subscription_id) COLLATE "C"), id);
CREATE INDEX transactions_order_ci ON transactions ((lower(order_id) COLLATE "C"), id);
