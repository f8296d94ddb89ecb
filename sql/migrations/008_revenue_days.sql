-- A day series of /api/revenue read as stored points instead of built
-- per request.  Building 365 points (the join of sales_daily with
-- customer_periods, rounding, money as text, one JSON object each) was
-- two thirds of the statement's time; revenue_days keeps each day's
-- point as the JSON the API answers, so the series is one range read
-- and a json_agg that copies text.  Weeks, months and the direct form
-- still build theirs, with the same mp_revenue_point.
--
-- A point depends on two rollup rows of its day, sales_daily (completed)
-- and customer_periods (day), so it is rendered after both are kept: by
-- triggers named to fire after transactions_rollup_* (PostgreSQL fires
-- the triggers of one event in name order).

-- One point of a revenue series, as the API answers it.  Inlined into
-- the statements that call it (a single-expression SQL function).  The
-- date through to_char: a stored point must not take the DateStyle of
-- whichever session wrote it.
CREATE FUNCTION mp_revenue_point(start date, revenue numeric, orders numeric,
                                 buyers numeric) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'date', to_char(start, 'YYYY-MM-DD'),
        'total_revenue', round(coalesce(revenue, 0), 2)::text,
        'transaction_count', coalesce(orders, 0),
        'avg_transaction_value',
            round(coalesce(revenue / nullif(orders, 0), 0), 2)::text,
        'unique_customers', coalesce(buyers, 0))
$$;

-- Days with completed sales only: a day without is a zero point, made
-- when it is read.
CREATE TABLE revenue_days (
    day    date PRIMARY KEY,
    point  json NOT NULL
);

-- Renders the points of days.  The rows are locked first, in day order
-- (a new day gets a placeholder row to lock), and their sources read in
-- a later statement: its snapshot then holds every write of a
-- transaction that rendered the same day before us, and a transaction
-- still writing the same day renders it again after we commit.
CREATE FUNCTION mp_rollup_revenue_days(days date[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO revenue_days (day, point)
    SELECT day, '{}'::json
      FROM (SELECT DISTINCT day FROM unnest(days) AS d(day)) d
     ORDER BY day
    ON CONFLICT (day) DO NOTHING;
    PERFORM 1 FROM revenue_days WHERE day = ANY (days) ORDER BY day
        FOR UPDATE;

    WITH fresh AS (
        SELECT d.day, s.amount, s.orders, cp.customers
          FROM (SELECT DISTINCT day FROM unnest(days) AS d(day)) d
          LEFT JOIN sales_daily s
                 ON s.day = d.day AND s.status = 'completed'
          LEFT JOIN customer_periods cp
                 ON cp.granularity = 'day' AND cp.start = d.day),
     gone AS (
        DELETE FROM revenue_days r USING fresh f
         WHERE r.day = f.day AND coalesce(f.orders, 0) = 0)
    INSERT INTO revenue_days AS r (day, point)
    SELECT day, mp_revenue_point(day, amount, orders, customers)
      FROM fresh WHERE orders <> 0
     ORDER BY day
    ON CONFLICT (day) DO UPDATE SET point = excluded.point;
END
$$;

CREATE FUNCTION mp_revenue_days_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    days date[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        days := ARRAY(SELECT mp_utc_day(transaction_date) FROM new_rows
                       WHERE status = 'completed');
    ELSIF TG_OP = 'UPDATE' THEN
        days := ARRAY(SELECT mp_utc_day(transaction_date) FROM new_rows
                       WHERE status = 'completed'
                      UNION
                      SELECT mp_utc_day(transaction_date) FROM old_rows
                       WHERE status = 'completed');
    ELSE
        days := ARRAY(SELECT mp_utc_day(transaction_date) FROM old_rows
                       WHERE status = 'completed');
    END IF;
    IF cardinality(days) > 0 THEN
        PERFORM mp_rollup_revenue_days(days);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER transactions_series_insert AFTER INSERT ON transactions
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mp_revenue_days_trigger();
CREATE TRIGGER transactions_series_update AFTER UPDATE ON transactions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mp_revenue_days_trigger();
CREATE TRIGGER transactions_series_delete AFTER DELETE ON transactions
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mp_revenue_days_trigger();

-- The rebuild makes the points from the rebuilt rollups (call it, not
-- mp_rollup_rebuild_tables, which leaves revenue_days as it was).
ALTER FUNCTION mp_rollup_rebuild() RENAME TO mp_rollup_rebuild_tables;
CREATE FUNCTION mp_rollup_rebuild() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM mp_rollup_rebuild_tables();
    TRUNCATE revenue_days;
    PERFORM mp_rollup_revenue_days(ARRAY(
        SELECT day FROM sales_daily WHERE status = 'completed'));
END
$$;

SELECT mp_rollup_revenue_days(ARRAY(
    SELECT day FROM sales_daily WHERE status = 'completed'));
