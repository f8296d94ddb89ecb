-- customer_sales carries the customer's name, segment and country, so a
-- cursor page of /api/customers sorted by value, orders or last purchase
-- is one index walk of customer_sales.  Joined to customers, each of its
-- rows also cost a primary-key probe (four of a page's five buffer
-- reads: 404 of 509 for 100 rows), two fifths of the statement's time.
-- The transaction triggers never write these columns and they are in no
-- index.  The sort by name still walks customers' (name, id) index, and
-- filtered pages still join customers, whose segment and country indexes
-- find a rare filter's few customers.
--
-- Statement-level triggers on customers keep the cards, and the counts
-- per segment and country, with the customer_sales rows taken in key
-- order, as the transaction triggers take them: a statement that changes
-- many customers while batches are written cannot deadlock with them.
-- 004's row-level trigger updated in whatever order a statement visited
-- its rows.  A new customer's zero row gets its card; a change of name,
-- segment or country is copied; a deleted customer's row goes (004 left
-- it behind); a changed id (possible only for a customer no transaction
-- names, so with no sales) moves the row.
--
-- Applied to a running system: customers first, then customer_sales,
-- the order in which a batch takes them, both at the strength the
-- statements below need (so no lock is raised midway), and the migration
-- waits for the batches in flight instead of deadlocking with one.
LOCK TABLE customers, customer_sales IN ACCESS EXCLUSIVE MODE;
DROP TRIGGER customers_rollup ON customers;
DROP FUNCTION mp_customer_rollup_trigger();

ALTER TABLE customer_sales
    ADD COLUMN name text, ADD COLUMN segment text, ADD COLUMN country char(2);
UPDATE customer_sales s
   SET name = c.name, segment = c.segment, country = c.country
  FROM customers c WHERE c.id = s.customer_id;
DELETE FROM customer_sales s
 WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = s.customer_id);
-- A customer added while 004's trigger was disabled has no row: with its
-- sales, as a rebuild would make it.
INSERT INTO customer_sales (customer_id, orders, revenue, first_at, last_at,
                            name, segment, country)
SELECT c.id, count(t.id), coalesce(sum(t.amount), 0),
       min(t.transaction_date), max(t.transaction_date),
       c.name, c.segment, c.country
  FROM customers c
  LEFT JOIN transactions t
         ON t.customer_id = c.id AND t.status = 'completed'
 WHERE NOT EXISTS (SELECT 1 FROM customer_sales s
                    WHERE s.customer_id = c.id)
 GROUP BY c.id;
ANALYZE customer_sales;

-- gone: ids whose row goes; came: ids whose row is made or takes a new
-- card.  Both in key order, as every writer of customer_sales.
CREATE FUNCTION mp_customer_cards(gone bigint[], came bigint[])
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM customer_sales WHERE customer_id = ANY (gone)
      ORDER BY customer_id FOR UPDATE;
    DELETE FROM customer_sales WHERE customer_id = ANY (gone);
    INSERT INTO customer_sales AS s (customer_id, orders, revenue, name,
                                     segment, country)
    SELECT c.id, 0, 0, c.name, c.segment, c.country
      FROM customers c WHERE c.id = ANY (came)
     ORDER BY c.id
    ON CONFLICT (customer_id) DO UPDATE
       SET name = excluded.name, segment = excluded.segment,
           country = excluded.country;
END
$$;

CREATE FUNCTION mp_customer_counts(d text[], c text[], n int[])
RETURNS void
LANGUAGE sql AS $$
    INSERT INTO customer_counts AS s (segment, country, customers)
    SELECT seg, ctry, sum(x) FROM unnest(d, c, n) AS u(seg, ctry, x)
     GROUP BY 1, 2 HAVING sum(x) <> 0 ORDER BY 1, 2
    ON CONFLICT (segment, country) DO UPDATE
       SET customers = s.customers + excluded.customers;
$$;

-- Customers that went (old_rows) and came (new_rows); an update is
-- both.  The counts move by the difference.  An update moves a row only
-- when the id changed, and copies a card only when it changed.
CREATE FUNCTION mp_customer_rollup_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    gone bigint[];  came bigint[];
    seg  text[];    ctry text[];  n int[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(id), array_agg(segment), array_agg(country::text),
               array_agg(1)
          INTO came, seg, ctry, n FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(id), array_agg(segment), array_agg(country::text),
               array_agg(-1)
          INTO gone, seg, ctry, n FROM old_rows;
    ELSE
        SELECT array_agg(o.id) INTO gone FROM old_rows o
         WHERE NOT EXISTS (SELECT 1 FROM new_rows w WHERE w.id = o.id);
        SELECT array_agg(w.id) INTO came
          FROM new_rows w LEFT JOIN old_rows o ON o.id = w.id
         WHERE o.id IS NULL
            OR (o.name, o.segment, o.country)
               IS DISTINCT FROM (w.name, w.segment, w.country);
        SELECT array_agg(x.segment), array_agg(x.country::text),
               array_agg(x.k)
          INTO seg, ctry, n
          FROM (SELECT segment, country, -1 AS k FROM old_rows
                UNION ALL
                SELECT segment, country, 1 FROM new_rows) x;
    END IF;
    PERFORM mp_customer_counts(seg, ctry, n);
    PERFORM mp_customer_cards(coalesce(gone, '{}'), coalesce(came, '{}'));
    RETURN NULL;
END
$$;
CREATE TRIGGER customers_rollup_insert AFTER INSERT ON customers
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mp_customer_rollup_trigger();
CREATE TRIGGER customers_rollup_update AFTER UPDATE ON customers
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mp_customer_rollup_trigger();
CREATE TRIGGER customers_rollup_delete AFTER DELETE ON customers
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mp_customer_rollup_trigger();

-- 009's upsert, unchanged but for a missing row.  The cards stay
-- nullable: NOT NULL is checked on the proposed row before its conflict
-- is found, and the proposed row has no card.  A customer without a row
-- (one added while the customers trigger was disabled) would get one
-- without a card here, so the batch fails instead, saying what to run.
-- Its error is not a constraint violation, which the write path would
-- take for a bad item.
CREATE OR REPLACE FUNCTION mp_rollup_customer_sales(d mp_txn_delta[])
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    bare bigint;
BEGIN
    WITH kept AS (
        INSERT INTO customer_sales AS s (customer_id, orders, revenue,
                                         first_at, last_at)
        SELECT customer_id, sum(sign), sum(sign * amount),
               min(at) FILTER (WHERE sign > 0),
               max(at) FILTER (WHERE sign > 0)
          FROM unnest(d) WHERE status = 'completed'
         GROUP BY 1
         ORDER BY 1
        ON CONFLICT (customer_id) DO UPDATE
           SET orders = s.orders + excluded.orders,
               revenue = s.revenue + excluded.revenue,
               first_at = least(s.first_at, excluded.first_at),
               last_at = greatest(s.last_at, excluded.last_at)
        RETURNING s.customer_id, s.name)
    SELECT customer_id INTO bare FROM kept WHERE name IS NULL LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'customer_sales had no row for customer % (added '
                        'with the customers triggers off): run '
                        'mp_rollup_rebuild()', bare;
    END IF;

    -- A completed sale that went may have been a customer's first or last:
    -- those two are read again from the customer's own rows.
    UPDATE customer_sales s
       SET first_at = t.first_at, last_at = t.last_at
      FROM (SELECT x.customer_id,
                   (SELECT min(transaction_date) FROM transactions
                     WHERE customer_id = x.customer_id
                       AND status = 'completed') AS first_at,
                   (SELECT max(transaction_date) FROM transactions
                     WHERE customer_id = x.customer_id
                       AND status = 'completed') AS last_at
              FROM (SELECT DISTINCT customer_id FROM unnest(d)
                     WHERE status = 'completed' AND sign < 0) x) t
     WHERE s.customer_id = t.customer_id;
END
$$;

-- 004's rebuild with the cards in customer_sales.
CREATE OR REPLACE FUNCTION mp_rollup_rebuild_tables() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE sales_daily, product_daily, product_monthly, product_sales,
             customer_sales, customer_counts, customer_days, customer_gaps,
             customer_periods;
    INSERT INTO sales_daily
    SELECT mp_utc_day(transaction_date), status, count(*), sum(quantity),
           sum(amount)
      FROM transactions GROUP BY 1, 2;
    INSERT INTO product_daily
    SELECT mp_utc_day(transaction_date), product_id, count(*), sum(quantity),
           sum(amount)
      FROM transactions WHERE status = 'completed' GROUP BY 1, 2;
    INSERT INTO product_monthly
    SELECT date_trunc('month', day)::date, product_id, sum(orders),
           sum(units), sum(revenue)
      FROM product_daily GROUP BY 1, 2;
    INSERT INTO product_sales
    SELECT product_id, sum(orders), sum(units), sum(revenue)
      FROM product_daily GROUP BY 1;
    INSERT INTO customer_sales (customer_id, orders, revenue, first_at,
                                last_at, name, segment, country)
    SELECT c.id, coalesce(t.orders, 0), coalesce(t.revenue, 0), t.first_at,
           t.last_at, c.name, c.segment, c.country
      FROM customers c
      LEFT JOIN (SELECT customer_id, count(*) AS orders,
                        sum(amount) AS revenue,
                        min(transaction_date) AS first_at,
                        max(transaction_date) AS last_at
                   FROM transactions WHERE status = 'completed'
                  GROUP BY 1) t ON t.customer_id = c.id;
    INSERT INTO customer_counts
    SELECT segment, country, count(*) FROM customers GROUP BY 1, 2;
    INSERT INTO customer_days
    SELECT customer_id, mp_utc_day(transaction_date), count(*)
      FROM transactions WHERE status = 'completed' GROUP BY 1, 2;
    INSERT INTO customer_gaps
    SELECT later, earlier, count(*)
      FROM (SELECT day AS later,
                   coalesce(lag(day) OVER (PARTITION BY customer_id
                                           ORDER BY day),
                            '-infinity') AS earlier
              FROM customer_days
            UNION ALL
            SELECT 'infinity', max(day) FROM customer_days
             GROUP BY customer_id) e
     GROUP BY 1, 2;
    INSERT INTO customer_periods
    SELECT 'day', day, count(*) FROM customer_days GROUP BY 2;
    INSERT INTO customer_periods
    SELECT g, date_trunc(g, day)::date, count(DISTINCT customer_id)
      FROM customer_days, unnest(ARRAY['week', 'month']) AS g
     GROUP BY 1, 2;
END
$$;
