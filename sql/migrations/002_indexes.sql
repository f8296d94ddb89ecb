-- Indexes for the read paths: the newest-first keyset walk of
-- /api/transactions (alone and filtered by customer or product), the
-- window bounds (min/max of transaction_date) and the list filters.
CREATE INDEX transactions_date_id_idx
    ON transactions (transaction_date, id);
CREATE INDEX transactions_customer_date_id_idx
    ON transactions (customer_id, transaction_date, id);
CREATE INDEX transactions_product_date_id_idx
    ON transactions (product_id, transaction_date, id);
CREATE INDEX customers_segment_idx ON customers (segment);
CREATE INDEX customers_country_idx ON customers (country);
CREATE INDEX products_category_idx ON products (category);
