-- Idempotency keys of POST /api/transactions: the first answer to a key,
-- kept until it expires, so a retried POST gets that answer again and
-- inserts nothing.  The row is inserted before the write in the same
-- database transaction: a concurrent retry with the same key waits on it
-- and then reads the answer (or takes the key over when the first one
-- rolled back).  Details: docs/architecture.md ("Idempotency").
CREATE TABLE idempotency_keys (
    key           text PRIMARY KEY,
    request_hash  text NOT NULL,     -- sha1 of method, path and body
    status        int,               -- NULL until the answer is stored
    body          text,
    location      text,              -- Location of a single insert
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL
);
CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);
