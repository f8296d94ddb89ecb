-- A cursor page of /api/customers runs one prepared, generic plan
-- (queries/customers.c): the backward or forward walk of a sort index,
-- of customer_sales or (by name) of customers, joined row by row to the
-- other table.  Planned for a limit it cannot see, a parallel walk
-- (Gather Merge) looks cheaper, but starting two workers costs
-- milliseconds on a page that takes a tenth of one.  Requests read these
-- two tables by index, a page or one customer at a time; where a request
-- reads every row (MarketPulseRollups Off), the work is aggregating
-- transactions, which keeps its workers.
ALTER TABLE customer_sales SET (parallel_workers = 0);
ALTER TABLE customers SET (parallel_workers = 0);
