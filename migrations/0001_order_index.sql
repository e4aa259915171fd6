-- The index of orders across their Durable Objects (functions/edge/orders/order-index.ts): one row per
-- order, written by the order's Durable Object whenever what the row says changes, read by
-- GET /v1/orders. The Durable Object stays the truth; the row may lag it by a moment, never miss it.
CREATE TABLE IF NOT EXISTS order_index (
	client_id TEXT NOT NULL,
	reference TEXT NOT NULL,
	checkout_id TEXT NOT NULL,
	-- open | expired | authorized | captured | released
	status TEXT NOT NULL,
	-- 1 when something waits for the merchant (see `reasons`)
	attention INTEGER NOT NULL,
	-- 1 when an order event is in the dead letter
	dead_letter INTEGER NOT NULL,
	-- JSON array of why it needs attention
	reasons TEXT NOT NULL,
	amount REAL NOT NULL,
	authorization_id INTEGER,
	captured REAL NOT NULL,
	released REAL NOT NULL,
	refunded REAL NOT NULL,
	created_at INTEGER NOT NULL,
	-- ms; also the row's version: an older write never replaces a newer one
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (client_id, reference)
);

CREATE INDEX IF NOT EXISTS order_index_by_update ON order_index (client_id, updated_at DESC, reference);
