-- A large distributor (issue 16): every list and search page costs the same at a million
-- lines as at ten thousand. Each statement walks an index in the page's own order and stops
-- at the page's end, with the viewer's company as the index's first column:
--
-- * lines carry their order's partner and distributor (an order's parties change only by
--   an import, which keeps them in step), so "the lines this company may see" is an index
--   range, not a join filtered line by line;
-- * pages of lines and orders are ordered by lower(id), the key their prefix search uses
--   (ids are unique case-insensitively, so it is a key), and every cursor is a range bound;
-- * the pending filter (closed lines) has partial indexes of its own.
--
-- The ids are searched and ordered byte by byte, as on SQLite: the columns say so with
-- their collation, so lower(id) is in "C" too and one statement serves both databases.
DROP INDEX orders_id_ci;
DROP INDEX lines_subscription_ci;
DROP INDEX transactions_order_ci;
DROP INDEX transactions_subscription_ci;
DROP INDEX orders_partner;
DROP INDEX orders_distributor;
ALTER TABLE orders ALTER COLUMN id TYPE TEXT COLLATE "C";
ALTER TABLE lines ALTER COLUMN subscription_id TYPE TEXT COLLATE "C",
                  ALTER COLUMN order_id TYPE TEXT COLLATE "C",
                  ADD COLUMN partner_id TEXT,
                  ADD COLUMN distributor_id TEXT;
ALTER TABLE transactions ALTER COLUMN subscription_id TYPE TEXT COLLATE "C",
                         ALTER COLUMN order_id TYPE TEXT COLLATE "C";
ALTER TABLE outbox ALTER COLUMN order_id TYPE TEXT COLLATE "C";
ALTER TABLE outbox_lines ALTER COLUMN subscription_id TYPE TEXT COLLATE "C";
ALTER TABLE cases ALTER COLUMN order_id TYPE TEXT COLLATE "C",
                  ALTER COLUMN subscription_id TYPE TEXT COLLATE "C";
ALTER TABLE bulk_rows ALTER COLUMN order_id TYPE TEXT COLLATE "C",
                      ALTER COLUMN subscription_id TYPE TEXT COLLATE "C";
UPDATE lines SET partner_id = o.partner_id, distributor_id = o.distributor_id FROM orders o WHERE o.id = lines.order_id;
ALTER TABLE lines ALTER COLUMN partner_id SET NOT NULL;

CREATE UNIQUE INDEX orders_id_ci ON orders (lower(id));
CREATE UNIQUE INDEX lines_subscription_ci ON lines (lower(subscription_id));
CREATE INDEX transactions_subscription_ci ON transactions (lower(subscription_id), id);
CREATE INDEX transactions_order_ci ON transactions (lower(order_id), id);

CREATE INDEX lines_partner ON lines (partner_id, lower(subscription_id), order_id);
CREATE INDEX lines_distributor ON lines (distributor_id, lower(subscription_id), order_id);
CREATE INDEX lines_closed ON lines (lower(subscription_id)) WHERE status = 'closed';
CREATE INDEX lines_partner_closed ON lines (partner_id, lower(subscription_id)) WHERE status = 'closed';
CREATE INDEX lines_distributor_closed ON lines (distributor_id, lower(subscription_id)) WHERE status = 'closed';

CREATE INDEX orders_partner ON orders (partner_id, lower(id));
CREATE INDEX orders_distributor ON orders (distributor_id, lower(id));

-- The closing job reads awaiting lines by their first email. As a partial index this serves
-- that job alone: a page of awaiting lines walks the page's own order instead of reading
-- every awaiting line from here and sorting them.
DROP INDEX lines_closing;
CREATE INDEX lines_closing ON lines (email_sent_at) WHERE status = 'awaiting';

-- The Transaction Manager likewise: a line's transactions carry its order's parties (set
-- from the line when written), so a company's transactions are an index range too;
-- permission changes keep their company_id.
ALTER TABLE transactions ADD COLUMN partner_id TEXT;
ALTER TABLE transactions ADD COLUMN distributor_id TEXT;
UPDATE transactions SET partner_id = o.partner_id, distributor_id = o.distributor_id
    FROM orders o WHERE o.id = transactions.order_id;
CREATE INDEX transactions_partner ON transactions (partner_id, id);
CREATE INDEX transactions_distributor ON transactions (distributor_id, id);

-- Lines come only from the import, which writes every line of an order it has just written
-- in the same transaction, and no order is ever deleted: the reference holds by construction,
-- and its check was a trigger per line (as for transactions in 0007).
ALTER TABLE lines DROP CONSTRAINT lines_order_id_fkey;

-- Support cases too: a case carries its line's partner and distributor (the company that
-- opened it is company_id), so a company's cases page walks an index per party.
ALTER TABLE cases ADD COLUMN partner_id TEXT;
ALTER TABLE cases ADD COLUMN distributor_id TEXT;
UPDATE cases SET partner_id = o.partner_id, distributor_id = o.distributor_id
    FROM orders o WHERE o.id = cases.order_id;
CREATE INDEX cases_partner ON cases (partner_id, id);
CREATE INDEX cases_distributor ON cases (distributor_id, id);
