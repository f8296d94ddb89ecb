-- 006's mp_rollup_buyers counted a customer's first buying day (and the
-- removal of its only one) as splitting a gap -infinity..infinity that a
-- customer without days does not have, so customer_gaps kept a row
-- (infinity, -infinity) with a negative count.  No answer read it (no
-- window contains either end) but a rebuild does not make it.  006 is
-- corrected in place; databases that ran the old 006 get the corrected
-- function here, and lose the row.
\ir 006_set_based_buyers.sql
DELETE FROM customer_gaps WHERE later = 'infinity' AND earlier = '-infinity';
