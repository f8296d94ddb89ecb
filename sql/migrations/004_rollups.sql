-- Summary tables the analytics read instead of scanning `transactions`,
-- kept exact by statement-level triggers in the same database transaction
-- as every insert, update and delete.  Design and the reasons for it:
-- docs/architecture.md ("Rollups").  mp_rollup_rebuild() recomputes all
-- of them from scratch (the seed loader uses it).

-- Per UTC day and status: the dashboard totals and status counts, the
-- daily trend, the revenue series.
CREATE TABLE sales_daily (
    day      date NOT NULL,
    status   text NOT NULL,
    orders   bigint NOT NULL,
    units    bigint NOT NULL,
    amount   numeric NOT NULL,
    PRIMARY KEY (day, status)
);

-- Completed sales per product: by day (product trends, short windows),
-- by month (long windows: full months plus the days at either end) and
-- over all time (the product list, windows that cover every sale).
CREATE TABLE product_daily (
    day         date NOT NULL,
    product_id  bigint NOT NULL,
    orders      bigint NOT NULL,
    units       bigint NOT NULL,
    revenue     numeric NOT NULL,
    PRIMARY KEY (day, product_id)
);
CREATE TABLE product_monthly (
    month       date NOT NULL,
    product_id  bigint NOT NULL,
    orders      bigint NOT NULL,
    units       bigint NOT NULL,
    revenue     numeric NOT NULL,
    PRIMARY KEY (month, product_id)
);
CREATE TABLE product_sales (
    product_id  bigint PRIMARY KEY,
    orders      bigint NOT NULL,
    units       bigint NOT NULL,
    revenue     numeric NOT NULL
);

-- Completed sales per customer, a row for every customer (zeros when they
-- never bought), indexed for each sort of the customer list.
CREATE TABLE customer_sales (
    customer_id  bigint PRIMARY KEY,
    orders       bigint NOT NULL,
    revenue      numeric NOT NULL,
    first_at     timestamptz,
    last_at      timestamptz
);
CREATE INDEX customer_sales_revenue_idx ON customer_sales (revenue, customer_id);
CREATE INDEX customer_sales_orders_idx ON customer_sales (orders, customer_id);
CREATE INDEX customer_sales_last_idx
    ON customer_sales ((coalesce(last_at, '-infinity'::timestamptz)), customer_id);
CREATE INDEX customers_name_id_idx ON customers (name, id);

-- How many customers per segment and country: the list's total without
-- counting half a million rows.
CREATE TABLE customer_counts (
    segment    text NOT NULL,
    country    char(2) NOT NULL,
    customers  bigint NOT NULL,
    PRIMARY KEY (segment, country)
);

-- Distinct buyers.  customer_days holds the days each customer bought
-- something completed.  Consecutive buying days of one customer form a
-- gap (earlier, later); the first day has earlier = -infinity, the last
-- has later = infinity.  customer_gaps counts customers per gap.  The
-- customers who bought in [F, T] are those with a gap entering the window
-- (later in [F, T], earlier < F), or equally one leaving it (earlier in
-- [F, T], later > T): one count over a few hundred rows instead of a
-- DISTINCT over millions.  customer_periods has the same count for whole
-- days, ISO weeks and months.
CREATE TABLE customer_days (
    customer_id  bigint NOT NULL,
    day          date NOT NULL,
    orders       bigint NOT NULL,
    PRIMARY KEY (customer_id, day)
);
CREATE TABLE customer_gaps (
    later      date NOT NULL,
    earlier    date NOT NULL,
    customers  bigint NOT NULL,
    PRIMARY KEY (later, earlier)
);
CREATE INDEX customer_gaps_earlier_idx ON customer_gaps (earlier, later);
CREATE TABLE customer_periods (
    granularity  text NOT NULL CHECK (granularity IN ('day', 'week', 'month')),
    start        date NOT NULL,
    customers    bigint NOT NULL,
    PRIMARY KEY (granularity, start)
);

-- Ids for new transactions (the seed numbers its rows 1..n itself).
CREATE SEQUENCE transactions_id_seq OWNED BY transactions.id;
ALTER TABLE transactions
    ALTER COLUMN id SET DEFAULT nextval('transactions_id_seq');

-- One changed transaction as the rollups see it: +1 for a row that
-- appeared, -1 for one that went (an update is both).
CREATE TYPE mp_txn_delta AS (
    customer_id  bigint,
    product_id   bigint,
    at           timestamptz,
    status       text,
    quantity     bigint,
    amount       numeric,
    sign         int
);

CREATE FUNCTION mp_utc_day(at timestamptz) RETURNS date
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN (at AT TIME ZONE 'UTC')::date;

-- Every upsert below takes its rows in key order, so concurrent writers
-- lock rollup rows in one global order and cannot deadlock each other.
CREATE FUNCTION mp_rollup_sales(d mp_txn_delta[]) RETURNS void
LANGUAGE sql AS $$
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
$$;

-- Buying days: walks the (customer, day) pairs whose completed count
-- changed, in key order; a day that starts or stops being a buying day
-- moves the gaps around it and the period counts.
CREATE FUNCTION mp_rollup_buyers(d mp_txn_delta[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    ch       record;
    left_n   bigint;
    sgn      int;
    prev     date;
    next     date;
    g        text;
    gl       date[] := '{}';
    ge       date[] := '{}';
    gd       int[] := '{}';
    pg       text[] := '{}';
    ps       date[] := '{}';
    pd       int[] := '{}';
BEGIN
    FOR ch IN
        SELECT customer_id, mp_utc_day(at) AS day, sum(sign) AS delta
          FROM unnest(d) WHERE status = 'completed'
         GROUP BY 1, 2 HAVING sum(sign) <> 0
         ORDER BY 1, 2
    LOOP
        UPDATE customer_days SET orders = orders + ch.delta
         WHERE customer_id = ch.customer_id AND day = ch.day
        RETURNING orders INTO left_n;
        IF NOT FOUND THEN
            IF ch.delta < 0 THEN
                RAISE EXCEPTION 'customer_days out of step for customer % '
                                'on %: run mp_rollup_rebuild()',
                                ch.customer_id, ch.day;
            END IF;
            INSERT INTO customer_days VALUES (ch.customer_id, ch.day, ch.delta);
            sgn := 1;
        ELSIF left_n = 0 THEN
            DELETE FROM customer_days
             WHERE customer_id = ch.customer_id AND day = ch.day;
            sgn := -1;
        ELSE
            CONTINUE;
        END IF;
        SELECT coalesce(max(day), '-infinity') INTO prev FROM customer_days
         WHERE customer_id = ch.customer_id AND day < ch.day;
        SELECT coalesce(min(day), 'infinity') INTO next FROM customer_days
         WHERE customer_id = ch.customer_id AND day > ch.day;
        -- the gap prev..next splits into prev..day and day..next (or back)
        gl := gl || ARRAY[next, ch.day, next];
        ge := ge || ARRAY[prev, prev, ch.day];
        gd := gd || ARRAY[-sgn, sgn, sgn];
        FOREACH g IN ARRAY ARRAY['day', 'week', 'month'] LOOP
            IF date_trunc(g, prev) IS DISTINCT FROM date_trunc(g, ch.day)
               AND date_trunc(g, next) IS DISTINCT FROM date_trunc(g, ch.day)
            THEN
                pg := pg || g;
                ps := ps || date_trunc(g, ch.day)::date;
                pd := pd || sgn;
            END IF;
        END LOOP;
    END LOOP;

    INSERT INTO customer_gaps AS s (later, earlier, customers)
    SELECT l, e, sum(x) FROM unnest(gl, ge, gd) AS u(l, e, x)
     GROUP BY 1, 2 HAVING sum(x) <> 0 ORDER BY 1, 2
    ON CONFLICT (later, earlier) DO UPDATE
       SET customers = s.customers + excluded.customers;
    INSERT INTO customer_periods AS s (granularity, start, customers)
    SELECT k, st, sum(x) FROM unnest(pg, ps, pd) AS u(k, st, x)
     GROUP BY 1, 2 HAVING sum(x) <> 0 ORDER BY 1, 2
    ON CONFLICT (granularity, start) DO UPDATE
       SET customers = s.customers + excluded.customers;
END
$$;

CREATE FUNCTION mp_rollup_trigger() RETURNS trigger
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
        PERFORM mp_rollup_sales(d);
        PERFORM mp_rollup_buyers(d);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER transactions_rollup_insert AFTER INSERT ON transactions
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mp_rollup_trigger();
CREATE TRIGGER transactions_rollup_update AFTER UPDATE ON transactions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mp_rollup_trigger();
CREATE TRIGGER transactions_rollup_delete AFTER DELETE ON transactions
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mp_rollup_trigger();

-- New customers get their zero row and are counted.
CREATE FUNCTION mp_customer_rollup_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE customer_counts SET customers = customers - 1
         WHERE segment = OLD.segment AND country = OLD.country;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO customer_counts AS s VALUES (NEW.segment, NEW.country, 1)
        ON CONFLICT (segment, country) DO UPDATE
           SET customers = s.customers + 1;
    END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO customer_sales VALUES (NEW.id, 0, 0, NULL, NULL)
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER customers_rollup AFTER INSERT OR DELETE OR UPDATE OF segment, country
    ON customers FOR EACH ROW EXECUTE FUNCTION mp_customer_rollup_trigger();

-- Recomputes every rollup from the base tables.
CREATE FUNCTION mp_rollup_rebuild() RETURNS void
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
    INSERT INTO customer_sales
    SELECT c.id, coalesce(t.orders, 0), coalesce(t.revenue, 0), t.first_at,
           t.last_at
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

-- The seed loader fills the rollups once at the end instead of through
-- the triggers, and numbers new transactions after its own.
ALTER FUNCTION mp_seed(bigint) RENAME TO mp_seed_rows;
CREATE FUNCTION mp_seed(n bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    ALTER TABLE transactions DISABLE TRIGGER USER;
    ALTER TABLE customers DISABLE TRIGGER USER;
    PERFORM mp_seed_rows(n);
    PERFORM mp_rollup_rebuild();
    ALTER TABLE transactions ENABLE TRIGGER USER;
    ALTER TABLE customers ENABLE TRIGGER USER;
    PERFORM setval('transactions_id_seq', greatest(n, 1), n > 0);
END
$$;

SELECT mp_rollup_rebuild();
SELECT setval('transactions_id_seq',
              coalesce((SELECT max(id) FROM transactions), 1),
              (SELECT count(*) > 0 FROM transactions));
