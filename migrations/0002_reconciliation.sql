-- Reconciliation with Flexiti (functions/edge/reconciliation/): one row per difference found, however
-- often its day is reconciled, and each client and day's last completed run. Written by the day's
-- reconciliation Durable Object after it recorded the difference with its event; read by
-- GET /v1/reconciliations. The Durable Object stays the truth; a failed write is retried by its alarm.
CREATE TABLE IF NOT EXISTS reconciliation_mismatch (
	-- rcm_…: from client, day, kind and subject; also the webhook-id of its reconciliation.mismatch event
	id TEXT PRIMARY KEY,
	client_id TEXT NOT NULL,
	-- YYYY-MM-DD (UTC)
	day TEXT NOT NULL,
	-- missing_from_ledger | missing_at_flexiti | amount_differs
	kind TEXT NOT NULL,
	-- capture | authorization
	subject TEXT NOT NULL,
	reference TEXT,
	authorization_id INTEGER,
	capture_id INTEGER,
	flexiti_amount REAL,
	ledger_amount REAL,
	detail TEXT NOT NULL,
	-- ms
	found_at INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS reconciliation_mismatch_by_day ON reconciliation_mismatch (client_id, day DESC, id);

CREATE TABLE IF NOT EXISTS reconciliation_run (
	client_id TEXT NOT NULL,
	day TEXT NOT NULL,
	-- ms, of the last completed run
	finished_at INTEGER NOT NULL,
	-- differences found for the day so far
	mismatches INTEGER NOT NULL,
	PRIMARY KEY (client_id, day)
);
