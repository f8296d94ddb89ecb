-- The tables of SPEC.md, with their constraints.
CREATE TABLE customers (
    id          bigint PRIMARY KEY,
    name        text NOT NULL,
    email       text NOT NULL UNIQUE,
    segment     text NOT NULL
                CHECK (segment IN ('enterprise', 'smb', 'consumer')),
    country     char(2) NOT NULL,
    created_at  timestamptz NOT NULL
);

CREATE TABLE products (
    id          bigint PRIMARY KEY,
    sku         text NOT NULL UNIQUE,
    name        text NOT NULL,
    category    text NOT NULL,
    unit_price  numeric(12,2) NOT NULL CHECK (unit_price >= 0)
);

CREATE TABLE transactions (
    id                bigint PRIMARY KEY,
    customer_id       bigint NOT NULL REFERENCES customers (id),
    product_id        bigint NOT NULL REFERENCES products (id),
    quantity          int NOT NULL CHECK (quantity > 0),
    unit_price        numeric(12,2) NOT NULL,
    amount            numeric(14,2) NOT NULL,
    status            text NOT NULL
                      CHECK (status IN ('completed', 'pending', 'cancelled',
                                        'refunded')),
    transaction_date  timestamptz NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now()
);
