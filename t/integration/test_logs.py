"""Request ids in the error log: the module's own lines name the request,
and with the ErrorLogFormat conf/marketpulse.conf suggests (the module
sets MP_REQUEST_ID from translate_name on) so do httpd's own lines of an
API request, such as mod_authz_core's denial."""
import os
import re
import uuid

import pytest

from conftest import ROOT


def suggested_format():
    """The ErrorLogFormat line of conf/marketpulse.conf, as an operator
    copies it."""
    with open(os.path.join(ROOT, "conf", "marketpulse.conf")) as f:
        for line in f:
            text = line.lstrip("#").strip()
            if text.startswith("ErrorLogFormat "):
                return text + "\n"
    raise AssertionError("conf/marketpulse.conf suggests no ErrorLogFormat")


@pytest.fixture(scope="module")
def logged(stack):
    """An httpd with the suggested ErrorLogFormat (server-wide, so at the
    top level of its extra conf) and an API path httpd itself refuses."""
    h = stack.httpd("logged", extra_conf=suggested_format() + (
        "MarketPulseCachePrefix logged:\n"
        "<Location /api/denied-for-test>\n"
        "    Require all denied\n"
        "</Location>\n")).start()
    yield h
    h.stop()


def lines_with(log, text):
    return [line for line in log.splitlines() if text in line]


def test_httpd_own_line_of_an_api_request_carries_its_id(logged):
    rid = "denied-" + uuid.uuid4().hex
    r = logged.get("/api/denied-for-test", headers={"X-Request-ID": rid})
    assert r.status_code == 403
    # mod_authz_core's line (AH01630), before any handler ran
    denied = lines_with(logged.error_log(), "AH01630")
    assert denied and "[authz_core:error]" in denied[-1]
    assert "[request %s]" % rid in denied[-1], denied[-1]
    # and httpd's own answer names the request as every answer does
    assert r.headers.get("X-Request-ID") == rid


def test_module_line_carries_its_id_in_the_format_too(logged):
    rid = "clear-" + uuid.uuid4().hex
    r = logged.request("POST", "/api/admin/cache/clear",
                       headers={"X-Request-ID": rid})
    assert r.status_code == 200
    cleared = lines_with(logged.error_log(), "MP01231")   # notice: cleared
    assert cleared
    # once from ErrorLogFormat, once in the module's own message
    assert cleared[-1].count("[request %s]" % rid) == 2, cleared[-1]


def test_a_line_of_no_request_keeps_the_field_whole(logged):
    # startup lines belong to no request (nor do mod_dbd's pool lines,
    # logged with ap_log_perror): the field reads "[request -]", not a
    # "[request " left open before the next field
    log = logged.error_log()
    startup = lines_with(log, "AH00489")        # "... configured -- resuming"
    assert startup and "[request -]" in startup[-1], startup
    open_fields = [t for t in re.findall(r"\[request (\S*)", log)
                   if not t.endswith("]")]
    assert not open_fields, open_fields
