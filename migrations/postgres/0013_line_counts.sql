-- The order page counts an order's lines by status from this index alone.
CREATE INDEX lines_order_status ON lines (order_id, status);
