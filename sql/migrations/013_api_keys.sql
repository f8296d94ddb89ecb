-- API keys (issue 19).  A key is `mp_<id>_<secret>`: the id finds the
-- row, the secret is never stored, only its HMAC-SHA256 under the
-- server's pepper (MarketPulseAuthPepper), so a copy of this table
-- opens nothing.  scripts/keys.sh creates, lists and revokes keys.
CREATE TABLE api_keys (
    id            text PRIMARY KEY CHECK (id ~ '^[a-z0-9]{8,32}$'),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    tier          text NOT NULL CHECK (tier ~ '^[A-Za-z0-9_-]{1,32}$'),
    scopes        text[] NOT NULL
                  CHECK (scopes <@ ARRAY['read', 'write', 'admin']),
    secret_hash   text NOT NULL CHECK (secret_hash ~ '^[0-9a-f]{64}$'),
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);

-- The module's lookup: the key's row, and its last use noted when the
-- note is older than a minute.  The module caches what this returns
-- (MarketPulseKeyCacheTTL), so PostgreSQL sees one call per key, child
-- and TTL; the coarse note keeps that call from being a write each time.
CREATE FUNCTION marketpulse_api_key(p_id text)
RETURNS TABLE (secret_hash text, tier text, scopes text, revoked boolean)
LANGUAGE sql VOLATILE AS $$
    UPDATE api_keys k SET last_used_at = now()
     WHERE k.id = p_id AND k.revoked_at IS NULL
       AND (k.last_used_at IS NULL
            OR k.last_used_at < now() - interval '1 minute');
    SELECT k.secret_hash, k.tier, array_to_string(k.scopes, ','),
           k.revoked_at IS NOT NULL
      FROM api_keys k WHERE k.id = p_id;
$$;

-- Idempotency keys are scoped by API key: the module stores a keyed
-- client's key as `<api key id> <Idempotency-Key>` (the space cannot
-- occur in a client's key, so no client can name another's) and an
-- anonymous client's as it came, as builds before this one did.  The
-- unique key stays `key`, so an older build keeps working on this
-- schema during a rolling upgrade; this column records the owner.
ALTER TABLE idempotency_keys ADD COLUMN api_key_id text;
