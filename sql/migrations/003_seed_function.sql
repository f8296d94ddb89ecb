-- The deterministic demo data generator: mp_seed(n) replaces all data with
-- n transactions, max(100, n/20) customers and 200 products in 10
-- categories over the 365 days ending 2025-11-20, about 70/15/10/5
-- completed/pending/cancelled/refunded.  Every value comes from a hash of
-- the row number, so the same n gives the same rows on any machine.

-- A non-negative pseudo-random bigint for row i and stream `salt`.
CREATE OR REPLACE FUNCTION mp_hash(i bigint, salt bigint) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN hashint8extended(i, salt) & 9223372036854775807;

CREATE OR REPLACE FUNCTION mp_seed(n bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    ncust    bigint := greatest(100, n / 20);
    last_day timestamptz := timestamptz '2025-11-20 00:00:00+00';
    categories text[] := ARRAY['Electronics', 'Home', 'Garden', 'Sports',
        'Books', 'Toys', 'Beauty', 'Grocery', 'Office', 'Automotive'];
    adjectives text[] := ARRAY['Classic', 'Pro', 'Ultra', 'Eco', 'Smart',
        'Compact', 'Deluxe', 'Prime', 'Lite', 'Max'];
    nouns text[] := ARRAY['Widget', 'Kit', 'Set', 'Pack', 'Station',
        'Bundle', 'Device', 'Box', 'Tool', 'Pad'];
    first_names text[] := ARRAY['Ada', 'Ben', 'Chloe', 'Dmitri', 'Elena',
        'Farid', 'Grace', 'Hiro', 'Ines', 'Jonas', 'Keiko', 'Liam', 'Maya',
        'Noor', 'Omar', 'Priya', 'Quinn', 'Rosa', 'Sven', 'Tariq'];
    last_names text[] := ARRAY['Abbott', 'Berg', 'Costa', 'Dubois', 'Evans',
        'Fischer', 'Garcia', 'Hansen', 'Ito', 'Jensen', 'Kowalski', 'Lopez',
        'Moreau', 'Nakamura', 'Okafor', 'Patel', 'Rossi', 'Silva', 'Tanaka',
        'Weber'];
    countries text[] := ARRAY['US', 'GB', 'DE', 'FR', 'ES', 'IT', 'NL', 'SE',
        'JP', 'BR', 'IN', 'CA'];
    restore text[] := '{}';
    item record;
    stmt text;
BEGIN
    IF n < 0 THEN
        RAISE EXCEPTION 'mp_seed: n must be >= 0, not %', n;
    END IF;
    TRUNCATE transactions, customers, products;

    -- Bulk load without the foreign keys and secondary indexes, then put
    -- them back exactly as the catalog had them: one pass each instead of
    -- one check and n index insertions per row.
    FOR item IN
        SELECT format('ALTER TABLE transactions ADD CONSTRAINT %I %s',
                      conname, pg_get_constraintdef(oid)) AS redo,
               format('ALTER TABLE transactions DROP CONSTRAINT %I',
                      conname) AS undo
          FROM pg_constraint
         WHERE conrelid = 'transactions'::regclass AND contype = 'f'
        UNION ALL
        SELECT i.indexdef, format('DROP INDEX %I.%I', i.schemaname,
                                  i.indexname)
          FROM pg_indexes i
         WHERE i.schemaname = 'public' AND i.tablename = 'transactions'
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                            WHERE c.conrelid = 'transactions'::regclass
                              AND c.conname = i.indexname)
    LOOP
        restore := restore || item.redo;
        EXECUTE item.undo;
    END LOOP;

    INSERT INTO products (id, sku, name, category, unit_price)
    SELECT i, 'SKU-' || lpad(i::text, 5, '0'),
           adjectives[1 + mp_hash(i, 11) % 10] || ' '
               || nouns[1 + mp_hash(i, 12) % 10] || ' ' || i,
           categories[1 + (i - 1) % 10],
           round(4.99 + (mp_hash(i, 13) % 49500) / 100.0, 2)
      FROM generate_series(1, 200) AS i;

    INSERT INTO customers (id, name, email, segment, country, created_at)
    SELECT i, first_names[1 + mp_hash(i, 21) % 20] || ' '
                  || last_names[1 + mp_hash(i, 22) % 20],
           'customer' || i || '@example.com',
           CASE WHEN mp_hash(i, 23) % 100 < 10 THEN 'enterprise'
                WHEN mp_hash(i, 23) % 100 < 40 THEN 'smb'
                ELSE 'consumer' END,
           countries[1 + mp_hash(i, 24) % 12],
           timestamptz '2022-01-01 00:00:00+00'
               + (mp_hash(i, 25) % (1000 * 86400)) * interval '1 second'
      FROM generate_series(1, ncust) AS i;

    INSERT INTO transactions (id, customer_id, product_id, quantity,
                              unit_price, amount, status, transaction_date,
                              created_at)
    SELECT g.i, g.customer_id, g.product_id, g.quantity, p.unit_price,
           p.unit_price * g.quantity,
           CASE WHEN g.s < 70 THEN 'completed' WHEN g.s < 85 THEN 'pending'
                WHEN g.s < 95 THEN 'cancelled' ELSE 'refunded' END,
           g.at, g.at + (mp_hash(g.i, 36) % 3600) * interval '1 second'
      FROM (SELECT i, 1 + mp_hash(i, 31) % ncust AS customer_id,
                   -- squaring skews sales towards the low product ids,
                   -- so the best sellers stand out as in real data
                   1 + (((mp_hash(i, 32) % 1000)::float8 / 1000) ^ 2
                        * 200)::bigint % 200 AS product_id,
                   1 + mp_hash(i, 33) % 5 AS quantity,
                   mp_hash(i, 34) % 100 AS s,
                   last_day - interval '364 days'
                       + (mp_hash(i, 35) % (365 * 86400))
                         * interval '1 second' AS at
              FROM generate_series(1, n) AS i) g
      JOIN products p ON p.id = g.product_id;

    FOREACH stmt IN ARRAY restore LOOP
        EXECUTE stmt;
    END LOOP;
END
$$;
