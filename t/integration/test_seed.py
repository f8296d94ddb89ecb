"""The demo data generator: the same N gives the same rows, with the
proportions SPEC.md asks for."""
import os
import subprocess

from conftest import ROOT, SEED_TRANSACTIONS

FINGERPRINT = """
SELECT md5(string_agg(t::text, ',' ORDER BY t.id)) FROM transactions t
UNION ALL SELECT md5(string_agg(c::text, ',' ORDER BY c.id)) FROM customers c
UNION ALL SELECT md5(string_agg(p::text, ',' ORDER BY p.id)) FROM products p"""


def seed(stack, n):
    subprocess.run(["sh", os.path.join(ROOT, "scripts", "seed.sh"), str(n)],
                   env=stack.env, check=True, capture_output=True, timeout=300)


def test_same_n_gives_the_same_rows(stack, api):
    before = stack.sql(FINGERPRINT)
    seed(stack, SEED_TRANSACTIONS)
    assert stack.sql(FINGERPRINT) == before


def test_seed_shape(stack):
    (customers,), = stack.sql("SELECT count(*) FROM customers")
    assert customers == max(100, SEED_TRANSACTIONS // 20)
    (products, categories), = stack.sql(
        "SELECT count(*), count(DISTINCT category) FROM products")
    assert (products, categories) == (200, 10)
    (first, last), = stack.sql(
        "SELECT (min(transaction_date) AT TIME ZONE 'UTC')::date::text,"
        "       (max(transaction_date) AT TIME ZONE 'UTC')::date::text"
        "  FROM transactions")
    assert (first, last) == ("2024-11-21", "2025-11-20")
    shares = dict(stack.sql("SELECT status, count(*)::float / %s FROM transactions"
                            " GROUP BY status", (SEED_TRANSACTIONS,)))
    for status, share in {"completed": .70, "pending": .15, "cancelled": .10,
                          "refunded": .05}.items():
        assert abs(shares[status] - share) < 0.02, (status, shares[status])
    (bad,), = stack.sql("SELECT count(*) FROM transactions"
                        " WHERE amount <> unit_price * quantity")
    assert bad == 0
