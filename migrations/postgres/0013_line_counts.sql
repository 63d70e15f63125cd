-- The order page counts an order's lines by status from this index alone.
CREATE INDEX lines_order_status ON lines (order_id, status);

-- Lines come only from the import, which keeps this count: the orders list never counts.
ALTER TABLE orders ADD COLUMN line_count INTEGER NOT NULL DEFAULT 0;
UPDATE orders SET line_count = (SELECT COUNT(*) FROM lines WHERE lines.order_id = orders.id);
