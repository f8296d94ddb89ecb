-- Buying days kept with a few set-based statements instead of 004's walk
-- over every changed (customer, day) pair (four statements per pair:
-- about half of a batch's rollup time).  Same results: test_rollups
-- compares the kept tables with a rebuild after random batches.
--
-- A pair "flips" when its day becomes a buying day of the customer (+1)
-- or stops being one (-1); only flips move gaps and period counts.  For a
-- customer with one flip in the batch (nearly all), the neighbours of the
-- flipped day are the same before and after it, so they are read once
-- from customer_days afterwards and the gap prev..next splits into
-- prev..day and day..next (or joins back).  A customer with several flips
-- has its gaps and periods compared as whole sets, before against after.
-- The gap and period upserts stay one statement each, in key order, so
-- concurrent writers still lock rollup rows in one global order.  Writers
-- do not interleave on one customer: mp_rollup_sales has already locked
-- the customer's customer_sales row, and each statement here takes a new
-- snapshot, so it sees what a writer it waited for committed.
CREATE OR REPLACE FUNCTION mp_rollup_buyers(d mp_txn_delta[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    bad  record;
    fc   bigint[];  fd date[];  fs int[];    -- flips
    gl   date[];    ge date[];  gx int[];    -- gap deltas, several flips
    pk   text[];    ps date[];  px int[];    -- period deltas, several flips
    sd   date[];    sp date[];  sn date[];  ss int[];  -- one flip: day,
                                             -- prev, next, sign
BEGIN
    -- only a pair that loses orders can go below zero: a batch of new
    -- sales looks nothing up here
    SELECT c.customer_id, c.day INTO bad
      FROM (SELECT customer_id, mp_utc_day(at) AS day, sum(sign) AS delta
              FROM unnest(d) WHERE status = 'completed'
             GROUP BY 1, 2 HAVING sum(sign) < 0) c
      LEFT JOIN customer_days cd USING (customer_id, day)
     WHERE coalesce(cd.orders, 0) + c.delta < 0
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'customer_days out of step for customer % on %: '
                        'run mp_rollup_rebuild()', bad.customer_id, bad.day;
    END IF;

    SELECT array_agg(customer_id ORDER BY customer_id, day),
           array_agg(day ORDER BY customer_id, day),
           array_agg(sgn ORDER BY customer_id, day)
      INTO fc, fd, fs
      FROM (SELECT c.customer_id, c.day,
                   CASE WHEN cd.orders IS NULL THEN 1 ELSE -1 END AS sgn
              FROM (SELECT customer_id, mp_utc_day(at) AS day,
                           sum(sign) AS delta
                      FROM unnest(d) WHERE status = 'completed'
                     GROUP BY 1, 2 HAVING sum(sign) <> 0) c
              LEFT JOIN customer_days cd USING (customer_id, day)
             WHERE cd.orders IS NULL OR cd.orders + c.delta = 0) f;
    IF fc IS NULL THEN
        -- no day starts or stops being a buying day: counts only
        UPDATE customer_days cd SET orders = cd.orders + c.delta
          FROM (SELECT customer_id, mp_utc_day(at) AS day,
                       sum(sign) AS delta
                  FROM unnest(d) WHERE status = 'completed'
                 GROUP BY 1, 2 HAVING sum(sign) <> 0 ORDER BY 1, 2) c
         WHERE cd.customer_id = c.customer_id AND cd.day = c.day;
        RETURN;
    END IF;

    -- customers with several flips: whole day sets, before and after
    WITH f AS (SELECT * FROM unnest(fc, fd, fs) AS f(customer_id, day, sgn)),
     multi AS (SELECT customer_id FROM f GROUP BY 1 HAVING count(*) > 1),
     before AS (
        SELECT cd.customer_id, cd.day FROM customer_days cd
         WHERE cd.customer_id IN (SELECT customer_id FROM multi)),
     days AS (
        SELECT customer_id, day, -1 AS sgn FROM before
        UNION ALL
        SELECT customer_id, day, 1 FROM before b
         WHERE NOT EXISTS (SELECT 1 FROM f
                            WHERE f.customer_id = b.customer_id
                              AND f.day = b.day AND f.sgn = -1)
        UNION ALL
        SELECT customer_id, day, 1 FROM f
         WHERE sgn = 1 AND customer_id IN (SELECT customer_id FROM multi)),
     g AS (
        SELECT sgn, day, coalesce(lag(day) OVER w, '-infinity') AS earlier,
               lead(day) OVER w IS NULL AS last
          FROM days
        WINDOW w AS (PARTITION BY customer_id, sgn ORDER BY day)),
     gaps AS (
        SELECT day AS later, earlier, sgn FROM g
        UNION ALL
        SELECT 'infinity', day, sgn FROM g WHERE last),
     periods AS (
        SELECT DISTINCT customer_id, sgn, k,
               date_trunc(k, day::timestamp)::date AS start
          FROM days, unnest(ARRAY['day', 'week', 'month']) AS k)
    -- each set's arrays from one aggregation, so their orders agree
    SELECT g.l, g.e, g.x, p.k, p.s, p.x
      INTO gl, ge, gx, pk, ps, px
      FROM (SELECT array_agg(later) AS l, array_agg(earlier) AS e,
                   array_agg(sgn) AS x FROM gaps) g,
           (SELECT array_agg(k) AS k, array_agg(start) AS s,
                   array_agg(sgn) AS x FROM periods) p;

    INSERT INTO customer_days AS s (customer_id, day, orders)
    SELECT customer_id, mp_utc_day(at), sum(sign)
      FROM unnest(d) WHERE status = 'completed'
     GROUP BY 1, 2 HAVING sum(sign) <> 0
     ORDER BY 1, 2
    ON CONFLICT (customer_id, day) DO UPDATE
       SET orders = s.orders + excluded.orders;
    DELETE FROM customer_days cd
     USING unnest(fc, fd, fs) AS f(customer_id, day, sgn)
     WHERE f.sgn = -1 AND cd.customer_id = f.customer_id
       AND cd.day = f.day AND cd.orders = 0;

    -- customers with one flip: its neighbours, now that it is applied
    SELECT array_agg(f.day), array_agg(n.prev), array_agg(n.next),
           array_agg(f.sgn)
      INTO sd, sp, sn, ss
      FROM unnest(fc, fd, fs) AS f(customer_id, day, sgn)
     CROSS JOIN LATERAL (
        SELECT coalesce((SELECT max(cd.day) FROM customer_days cd
                          WHERE cd.customer_id = f.customer_id
                            AND cd.day < f.day), '-infinity') AS prev,
               coalesce((SELECT min(cd.day) FROM customer_days cd
                          WHERE cd.customer_id = f.customer_id
                            AND cd.day > f.day), 'infinity') AS next) n
     WHERE f.customer_id IN (SELECT customer_id
                               FROM unnest(fc) AS c(customer_id)
                              GROUP BY 1 HAVING count(*) = 1);

    INSERT INTO customer_gaps AS s (later, earlier, customers)
    SELECT l, e, sum(x)
      FROM (SELECT * FROM unnest(gl, ge, gx) AS u(l, e, x)
            UNION ALL
            -- a customer's only day splits no gap: there is no
            -- -infinity..infinity gap of a customer without days
            SELECT n, p, -x FROM unnest(sd, sp, sn, ss) AS u(dy, p, n, x)
             WHERE p > '-infinity' OR n < 'infinity'
            UNION ALL
            SELECT dy, p, x FROM unnest(sd, sp, sn, ss) AS u(dy, p, n, x)
            UNION ALL
            SELECT n, dy, x FROM unnest(sd, sp, sn, ss) AS u(dy, p, n, x)) t
     GROUP BY 1, 2 HAVING sum(x) <> 0 ORDER BY 1, 2
    ON CONFLICT (later, earlier) DO UPDATE
       SET customers = s.customers + excluded.customers;

    -- a flipped day changes its period's count unless a neighbour shares
    -- the period
    INSERT INTO customer_periods AS s (granularity, start, customers)
    SELECT k, st, sum(x)
      FROM (SELECT * FROM unnest(pk, ps, px) AS u(k, st, x)
            UNION ALL
            SELECT k, date_trunc(k, dy::timestamp)::date, x
              FROM unnest(sd, sp, sn, ss) AS u(dy, p, n, x),
                   unnest(ARRAY['day', 'week', 'month']) AS k
             WHERE date_trunc(k, p::timestamp)
                     IS DISTINCT FROM date_trunc(k, dy::timestamp)
               AND date_trunc(k, n::timestamp)
                     IS DISTINCT FROM date_trunc(k, dy::timestamp)) t
     GROUP BY 1, 2 HAVING sum(x) <> 0 ORDER BY 1, 2
    ON CONFLICT (granularity, start) DO UPDATE
       SET customers = s.customers + excluded.customers;
END
$$;
