-- 006's check that no buying day's count goes below zero looks only at
-- the (customer, day) pairs that lose orders.  It joined every pair of
-- the batch to customer_days: ~1.5 ms of a 500-sale batch of new sales
-- (~3 % of its database time), none of which can go below zero.  006 is
-- changed in place; databases that ran it get the new function here.
\ir 006_set_based_buyers.sql
