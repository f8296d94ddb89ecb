-- The rows every batch shares are locked last.  A batch of 500 sales
-- spread over the year touches nearly every row of sales_daily's recent
-- days, of product_sales (200 products) and of product_monthly, so a
-- writer that has locked one of them holds up every other writer until it
-- commits.  004 took those first (mp_rollup_sales began with sales_daily)
-- and kept them through the per-customer work after them: customer_sales
-- and the buying days, about two thirds of the trigger.  Concurrent
-- batches then ran one at a time for most of their trigger time.  Now the
-- per-customer tables, which two batches rarely share, come first, and
-- the shared ones last, so concurrent batches overlap in everything up to
-- them.
--
-- Still one global order: every writer (insert, status change, delete)
-- goes through mp_rollup_trigger, which now takes customer_sales, then
-- customer_days, customer_gaps, customer_periods, then sales_daily and the
-- product tables, then (a later trigger) revenue_days, each in key order.
-- mp_rollup_buyers still finds the customer's customer_sales row locked.
--
-- Both functions here are PL/pgSQL, not SQL as in 004: PostgreSQL plans
-- the statements of a SQL function on every call, PL/pgSQL once per
-- session.  Six upserts planned per batch were ~1.4 ms of ~50.

-- Completed sales per customer, moved out of mp_rollup_sales unchanged.
CREATE FUNCTION mp_rollup_customer_sales(d mp_txn_delta[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO customer_sales AS s (customer_id, orders, revenue, first_at,
                                     last_at)
    SELECT customer_id, sum(sign), sum(sign * amount),
           min(at) FILTER (WHERE sign > 0), max(at) FILTER (WHERE sign > 0)
      FROM unnest(d) WHERE status = 'completed'
     GROUP BY 1
     ORDER BY 1
    ON CONFLICT (customer_id) DO UPDATE
       SET orders = s.orders + excluded.orders,
           revenue = s.revenue + excluded.revenue,
           first_at = least(s.first_at, excluded.first_at),
           last_at = greatest(s.last_at, excluded.last_at);

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

-- Day and product totals: the rows every batch shares.
CREATE OR REPLACE FUNCTION mp_rollup_sales(d mp_txn_delta[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sales_daily AS s (day, status, orders, units, amount)
    SELECT mp_utc_day(at), status, sum(sign), sum(sign * quantity),
           sum(sign * amount)
      FROM unnest(d)
     GROUP BY 1, 2
    HAVING sum(sign) <> 0 OR sum(sign * quantity) <> 0
        OR sum(sign * amount) <> 0
     ORDER BY 1, 2
    ON CONFLICT (day, status) DO UPDATE
       SET orders = s.orders + excluded.orders,
           units = s.units + excluded.units,
           amount = s.amount + excluded.amount;

    INSERT INTO product_daily AS s (day, product_id, orders, units, revenue)
    SELECT mp_utc_day(at), product_id, sum(sign), sum(sign * quantity),
           sum(sign * amount)
      FROM unnest(d) WHERE status = 'completed'
     GROUP BY 1, 2 HAVING sum(sign) <> 0 OR sum(sign * amount) <> 0
     ORDER BY 1, 2
    ON CONFLICT (day, product_id) DO UPDATE
       SET orders = s.orders + excluded.orders,
           units = s.units + excluded.units,
           revenue = s.revenue + excluded.revenue;

    INSERT INTO product_monthly AS s (month, product_id, orders, units, revenue)
    SELECT date_trunc('month', mp_utc_day(at))::date, product_id, sum(sign),
           sum(sign * quantity), sum(sign * amount)
      FROM unnest(d) WHERE status = 'completed'
     GROUP BY 1, 2 HAVING sum(sign) <> 0 OR sum(sign * amount) <> 0
     ORDER BY 1, 2
    ON CONFLICT (month, product_id) DO UPDATE
       SET orders = s.orders + excluded.orders,
           units = s.units + excluded.units,
           revenue = s.revenue + excluded.revenue;

    INSERT INTO product_sales AS s (product_id, orders, units, revenue)
    SELECT product_id, sum(sign), sum(sign * quantity), sum(sign * amount)
      FROM unnest(d) WHERE status = 'completed'
     GROUP BY 1 HAVING sum(sign) <> 0 OR sum(sign * amount) <> 0
     ORDER BY 1
    ON CONFLICT (product_id) DO UPDATE
       SET orders = s.orders + excluded.orders,
           units = s.units + excluded.units,
           revenue = s.revenue + excluded.revenue;
END
$$;

CREATE OR REPLACE FUNCTION mp_rollup_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    d mp_txn_delta[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        d := ARRAY(SELECT ROW(customer_id, product_id, transaction_date,
                              status, quantity, amount, 1)::mp_txn_delta
                     FROM new_rows);
    ELSIF TG_OP = 'UPDATE' THEN
        d := ARRAY(SELECT ROW(customer_id, product_id, transaction_date,
                              status, quantity, amount, 1)::mp_txn_delta
                     FROM new_rows
                   UNION ALL
                   SELECT ROW(customer_id, product_id, transaction_date,
                              status, quantity, amount, -1)::mp_txn_delta
                     FROM old_rows);
    ELSE
        d := ARRAY(SELECT ROW(customer_id, product_id, transaction_date,
                              status, quantity, amount, -1)::mp_txn_delta
                     FROM old_rows);
    END IF;
    IF cardinality(d) > 0 THEN
        PERFORM mp_rollup_customer_sales(d);
        PERFORM mp_rollup_buyers(d);
        PERFORM mp_rollup_sales(d);
    END IF;
    RETURN NULL;
END
$$;
