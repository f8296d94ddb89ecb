-- customer_sales carries the customer's name, segment and country, so a
-- page of /api/customers sorted by value, orders or last purchase is one
-- index walk of customer_sales.  Joined to customers, each of its rows
-- also cost a primary-key probe (four of a page's five buffer reads:
-- 404 of 509 for 100 rows), two fifths of the statement's time.  Ingest
-- does not pay for them: the columns are in no index, and the rollup
-- triggers never write them.  The sort by name still walks customers'
-- (name, id) index and joins customer_sales by key.
--
-- The customers trigger keeps them (the rollup triggers only ever update
-- a customer's row, which the customers trigger made): a new customer's
-- zero row gets its card, a change of name, segment or country is
-- copied, and a deleted customer's row goes (004 left it behind, for a
-- rebuild to drop).
ALTER TABLE customer_sales
    ADD COLUMN name text, ADD COLUMN segment text, ADD COLUMN country char(2);
UPDATE customer_sales s
   SET name = c.name, segment = c.segment, country = c.country
  FROM customers c WHERE c.id = s.customer_id;
DELETE FROM customer_sales s
 WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = s.customer_id);

CREATE OR REPLACE FUNCTION mp_customer_rollup_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE'
        AND (OLD.segment, OLD.country) IS DISTINCT FROM
            (NEW.segment, NEW.country)) THEN
        UPDATE customer_counts SET customers = customers - 1
         WHERE segment = OLD.segment AND country = OLD.country;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE'
        AND (OLD.segment, OLD.country) IS DISTINCT FROM
            (NEW.segment, NEW.country)) THEN
        INSERT INTO customer_counts AS s VALUES (NEW.segment, NEW.country, 1)
        ON CONFLICT (segment, country) DO UPDATE
           SET customers = s.customers + 1;
    END IF;
    IF TG_OP = 'DELETE' THEN
        DELETE FROM customer_sales WHERE customer_id = OLD.id;
    ELSE
        INSERT INTO customer_sales AS s (customer_id, orders, revenue, name,
                                         segment, country)
        VALUES (NEW.id, 0, 0, NEW.name, NEW.segment, NEW.country)
        ON CONFLICT (customer_id) DO UPDATE
           SET name = excluded.name, segment = excluded.segment,
               country = excluded.country;
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER customers_rollup ON customers;
CREATE TRIGGER customers_rollup
    AFTER INSERT OR DELETE OR UPDATE OF name, segment, country
    ON customers FOR EACH ROW EXECUTE FUNCTION mp_customer_rollup_trigger();

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
        RAISE EXCEPTION 'customer_sales had no row for customer %: '
                        'run mp_rollup_rebuild()', bare;
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
