"""The database gate (MarketPulseDBSlots) counts for all the children of a
host: a request served by another child still waits for the slot; a child
killed while it holds a slot does not take the slot with it; each
generation's gates (the reads' and the exports') are removed at a restart
and at the stop."""
import os
import signal
import subprocess
import threading
import time

import pytest
import requests

from conftest import fresh, timed_get, wait_until

# prefork: one request per child, so the second request is surely served
# by another child than the first
ONE_SLOT_THREE_CHILDREN = """
StartServers 3
MinSpareServers 3
MaxSpareServers 5
MarketPulseDBSlots 1
MarketPulseDBWait 300
MarketPulseStatementTimeout 1500
"""


@pytest.fixture
def prefork_one_slot(stack):
    h = stack.httpd("gate-prefork", mpm="prefork",
                    extra_conf=ONE_SLOT_THREE_CHILDREN).start()
    yield h
    h.stop()


def parent_pid(httpd):
    with open(os.path.join(httpd.stack.run_dir, httpd.name, "httpd.pid")) as f:
        return int(f.read().split()[0])


def children(pid):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)],
                         capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def semaphore_sets():
    out = subprocess.run(["ipcs", "-s"], capture_output=True, text=True,
                         check=True).stdout
    return {line.split()[1] for line in out.splitlines()
            if line.startswith("0x")}


def answers_200(httpd):
    try:
        return httpd.get(fresh("/api/customers")).status_code == 200
    except requests.ConnectionError:     # reset by a child being killed
        return False


class SlowRequest:
    """A dashboard request that holds the host's only slot: it waits on a
    lock of `transactions` until the statement timeout or the lock goes."""

    def __init__(self, stack, httpd):
        self.conn = stack.connect()
        self.conn.autocommit = False
        self.conn.cursor().execute(
            "LOCK TABLE transactions IN ACCESS EXCLUSIVE MODE")
        self.result = None
        self.thread = threading.Thread(target=self.run, args=(httpd,))
        self.thread.start()
        time.sleep(0.3)

    def run(self, httpd):
        try:
            self.result = timed_get(httpd, fresh("/api/dashboard"))
        except Exception as e:              # its child was killed
            self.result = e

    def finish(self):
        self.conn.rollback()
        self.conn.close()
        self.thread.join(10)
        return self.result


def test_another_child_waits_for_the_slot(stack, prefork_one_slot):
    slow = SlowRequest(stack, prefork_one_slot)
    # /api/customers does not read `transactions`: only the gate stops it
    r, took = timed_get(prefork_one_slot, fresh("/api/customers"))
    slow_r, _ = slow.finish()
    assert r.status_code == 503, r.text
    assert "busy" in r.json()["error"]["message"]
    assert took < 1.2
    assert slow_r.status_code == 200          # once the lock went
    assert prefork_one_slot.get(fresh("/api/customers")).status_code == 200


def test_child_killed_holding_the_slot_gives_it_back(stack, prefork_one_slot):
    parent = parent_pid(prefork_one_slot)
    slow = SlowRequest(stack, prefork_one_slot)
    for pid in children(parent):
        os.kill(pid, signal.SIGKILL)
    slow.finish()
    # the parent forks new children; the slot came back with the killed
    # one, so they are served rather than answered "busy"
    assert wait_until(lambda: answers_200(prefork_one_slot), timeout=15)
    statuses = [prefork_one_slot.get(fresh("/api/customers")).status_code
                for _ in range(10)]
    assert statuses == [200] * 10


def test_each_generation_removes_its_gate(stack):
    before = semaphore_sets()
    h = stack.httpd("gate-restarts").start()
    try:
        made = semaphore_sets() - before
        assert len(made) == 2           # one host: the reads', the exports'
        for _ in range(2):
            os.kill(parent_pid(h), signal.SIGUSR1)      # graceful restart
            assert wait_until(lambda: semaphore_sets() - before - made)
            made = semaphore_sets() - before
            assert len(made) == 2, made
            assert wait_until(lambda: answers_200(h))
    finally:
        h.stop()
    assert semaphore_sets() - before == set()
