"""The contract of the API: every answer of the module that a test receives
is checked against docs/openapi.json.  conftest.py's Httpd.get/request call
Contract.check on each response, so a new test is checked without asking.

What is checked, for the operation the request names (its path under a
mount point of `servers`, its method):
  - the status is one the operation documents;
  - every header the response object marks required is there, and every
    documented header that is there matches its schema; a header of the
    document's own (components.headers) the response does not document
    is a drift too;
  - the Content-Type is one of the response's media types, and a JSON
    body validates against its schema (JSON Schema 2020-12, the formats
    python3-jsonschema asserts: date; date-time has its pattern); a
    response documented without content has no body.
The document's info states the conventions no operation lists, and they
are checked as stated: HEAD is GET without a body; OPTIONS is 204 with
Allow; another method is 405 MethodNotAllowed with Allow; a path the
document lacks is 404 NotFound.  Allow must name exactly the path's
documented methods, HEAD (with GET) and OPTIONS.  Cross-origin requests
(info, "Browsers: CORS") are held to the rules stated there: an
Access-Control-Allow-Origin only for a request with an Origin, naming it
or `*`, with Vary naming Origin; credentials never with `*`; every
header of the document's own that the answer sends and a page cannot
read without it (not CORS-safelisted, not Set-Cookie) exposed; the
preflight fields only on the answer to a preflight, there with the
methods of Allow.

Not checked: answers outside the mount points (/metrics), httpd's own HTML
error pages for a 4xx (a <Location> denied or with MarketPulse Off, a
request line httpd refused: httpd core's refusals, not the module's), and
bodies of streamed responses (stream=True: the test reads them itself;
status and headers are still checked)."""
import json
import os
import re
import threading
from urllib.parse import unquote, urlsplit

import jsonschema
from jsonschema.exceptions import best_match

DOCUMENT = os.path.join(os.path.dirname(__file__), "..", "..", "docs",
                        "openapi.json")
MAX_ERRORS = 5                  # schema errors told of one answer
METHODS = ("get", "put", "post", "delete", "options", "head", "patch",
           "trace")
# what a page reads without Access-Control-Expose-Headers, and what it
# never reads (Fetch: CORS-safelisted response headers, forbidden ones)
CORS_READABLE = {"cache-control", "content-language", "content-length",
                 "content-type", "expires", "last-modified", "pragma"}
CORS_NEVER_READ = {"set-cookie", "set-cookie2"}
CORS_PREFLIGHT_ONLY = ("Access-Control-Allow-Methods",
                       "Access-Control-Allow-Headers",
                       "Access-Control-Max-Age")


class Drift(AssertionError):
    """An answer that the document does not describe."""


def pointer_escape(key):
    return str(key).replace("~", "~0").replace("/", "~1")


def path_pattern(template):
    """/customers/{id} -> a regex matching /customers/<one segment>"""
    return re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+",
                                   re.escape(template)) + "$")


def media_type(value):
    """'Application/JSON; charset=UTF-8' -> 'application/json;charset=utf-8'"""
    return ";".join(p.strip() for p in (value or "").lower().split(";")
                    if p.strip())


class Contract:
    def __init__(self, path=DOCUMENT):
        with open(path) as f:
            self.doc = json.load(f)
        # longest first: /api/v1/... is under /api/v1, not /api
        self.mounts = sorted((s["url"] for s in self.doc["servers"]),
                             key=len, reverse=True)
        self.own_headers = {h.lower() for h in self.doc["components"]["headers"]}
        # literal paths before templates: /transactions/export is not an id
        self.paths = [(path_pattern(p), p) for p in
                      sorted(self.doc["paths"], key=lambda p: ("{" in p, p))]
        self.resolver = jsonschema.RefResolver.from_schema(self.doc)
        self.counts = {"checked": 0, "httpd error page": 0,
                       "outside the mount points": 0}
        self.unraised = []          # drifts seen in threads other than main
        self.lock = threading.Lock()

    # -- the document -----------------------------------------------------

    def resolve(self, pointer):
        node = self.doc
        for key in pointer.lstrip("#/").split("/") if pointer != "#" else []:
            key = key.replace("~1", "/").replace("~0", "~")
            node = node[int(key)] if isinstance(node, list) else node[key]
        return node

    def deref(self, node, pointer):
        """(object, its pointer) following a $ref, as OpenAPI objects do."""
        while "$ref" in node:
            pointer = node["$ref"]
            node = self.resolve(pointer)
        return node, pointer

    def api_path(self, path):
        path = re.sub("//+", "/", path)      # httpd's MergeSlashes On
        for mount in self.mounts:
            if path == mount or path.startswith(mount + "/"):
                rest = path[len(mount):].rstrip("/")    # a trailing / is ignored
                return rest or "/"
        return None

    def path_item(self, api_path):
        return next((p for pattern, p in self.paths
                     if pattern.match(api_path)), None)

    def allowed(self, item):
        methods = {m.upper() for m in item if m in METHODS}
        if "GET" in methods:
            methods.add("HEAD")
        return methods | {"OPTIONS"}

    def expectation(self, method, api_path):
        """What the document says of this request: (responses, their
        pointer, whether a body is sent, the Allow methods or None)."""
        p = self.path_item(api_path)
        if p is None:
            return ({"404": {"$ref": "#/components/responses/NotFound"}},
                    "#/components/responses (unknown path)", True, None)
        item = self.doc["paths"][p]
        base = "#/paths/" + pointer_escape(p)
        m = method.lower()
        if m == "head" and "head" not in item and "get" in item:
            m = "get"
        if m in item:
            return (item[m]["responses"], "%s/%s/responses" % (base, m),
                    method != "HEAD", None)
        if m == "options":
            # info: OPTIONS answers 204 No Content with Allow
            return ({"204": {"description": "OPTIONS", "headers": {
                "X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"},
                "Allow": {"$ref": "#/components/headers/Allow"}}}},
                base + " (OPTIONS, info.description)", True,
                self.allowed(item))
        return ({"405": {"$ref": "#/components/responses/MethodNotAllowed"}},
                base + " (method not documented)", method != "HEAD",
                self.allowed(item))

    # -- one answer -------------------------------------------------------

    def problems(self, method, path, status, headers, body, sent=None):
        """The drifts of one answer, each a line naming its place in the
        document; body is None when it was not read (streamed); sent are
        the request's headers, when known."""
        api_path = self.api_path(path)
        if api_path is None:
            return self.count("outside the mount points")
        ctype = media_type(headers.get("Content-Type"))
        if 400 <= status < 500 and ctype.startswith("text/html"):
            return self.count("httpd error page")
        self.count("checked")
        responses, where, has_body, allow = self.expectation(method, api_path)
        key = next((k for k in (str(status), "%dXX" % (status // 100),
                                "default") if k in responses), None)
        if key is None:
            return ["status %d is not documented (%s: %s)"
                    % (status, where, ", ".join(sorted(responses)))]
        resp, where = self.deref(responses[key], "%s/%s" % (where, key))
        out = self.header_problems(resp, where, headers)
        if sent is not None:
            out += self.cors_problems(method, status, sent, headers)
        if allow is not None:
            sent = {m.strip() for m in headers.get("Allow", "").split(",")
                    if m.strip()}
            if sent != allow:
                out.append("header Allow: %r, the document's methods are %s "
                           "(%s)" % (headers.get("Allow"), ", ".join(
                               sorted(allow)), where))
        return out + self.content_problems(resp, where, ctype,
                                           body if has_body else None)

    def count(self, what):
        with self.lock:
            self.counts[what] += 1
        return []

    def header_problems(self, resp, where, headers):
        out = []
        documented = {n.lower() for n in resp.get("headers", {})}
        for name, h in resp.get("headers", {}).items():
            h, hwhere = self.deref(h, "%s/headers/%s" % (where,
                                                        pointer_escape(name)))
            value = headers.get(name)
            if value is None:
                if h.get("required"):
                    out.append("header %s is missing (%s)" % (name, hwhere))
                continue
            for e in self.errors(h["schema"], hwhere + "/schema", value):
                out.append("header %s: %s" % (name, e))
        for name in headers:
            if name.lower() in self.own_headers - documented:
                out.append("header %s is sent but not documented for this "
                           "response (%s/headers)" % (name, where))
        return out

    def cors_problems(self, method, status, sent, headers):
        """The rules of info's "Browsers: CORS" for one answer."""
        origin = sent.get("Origin")
        allowed = headers.get("Access-Control-Allow-Origin")
        # a preflight that failed (404) is answered as any request is
        preflight = method == "OPTIONS" and origin is not None \
            and "Access-Control-Request-Method" in sent and status < 300
        if allowed is None:
            return ["header %s without Access-Control-Allow-Origin (info: "
                    "Browsers: CORS)" % n for n in headers
                    if n.lower().startswith("access-control-")]
        out = []
        if allowed not in ("*", origin):
            out.append("header Access-Control-Allow-Origin: %r for Origin "
                       "%r (info: Browsers: CORS)" % (allowed, origin))
        vary = {v.strip().lower() for v in headers.get("Vary", "").split(",")}
        if "origin" not in vary:
            out.append("header Vary: %r does not name Origin (info: "
                       "Browsers: CORS)" % headers.get("Vary"))
        credentials = headers.get("Access-Control-Allow-Credentials")
        if credentials is not None and (credentials != "true"
                                        or allowed == "*"):
            out.append("header Access-Control-Allow-Credentials: %r with "
                       "Access-Control-Allow-Origin %r (info: Browsers: "
                       "CORS)" % (credentials, allowed))
        if preflight:
            return out + self.preflight_problems(headers)
        out += ["header %s on an answer to no preflight (info: Browsers: "
                "CORS)" % n for n in CORS_PREFLIGHT_ONLY if n in headers]
        exposed = {n.strip().lower() for n in headers.get(
            "Access-Control-Expose-Headers", "").split(",")}
        hidden = sorted(n for n in headers if n.lower() in self.own_headers
                        - CORS_READABLE - CORS_NEVER_READ - exposed)
        if hidden:
            out.append("header(s) %s sent but not in Access-Control-Expose-"
                       "Headers (info: Browsers: CORS)" % ", ".join(hidden))
        return out

    def preflight_problems(self, headers):
        out = []
        methods = {m.strip() for m in headers.get(
            "Access-Control-Allow-Methods", "").split(",") if m.strip()}
        allow = {m.strip() for m in headers.get("Allow", "").split(",")
                 if m.strip()} - {"OPTIONS"}
        if methods != allow:
            out.append("header Access-Control-Allow-Methods: %r, Allow "
                       "names %s (info: Browsers: CORS)" % (headers.get(
                           "Access-Control-Allow-Methods"),
                           ", ".join(sorted(allow))))
        for name in CORS_PREFLIGHT_ONLY[1:]:
            if name not in headers:
                out.append("header %s is missing from the answer to a "
                           "preflight (info: Browsers: CORS)" % name)
        if not headers.get("Access-Control-Max-Age", "0").isdigit():
            out.append("header Access-Control-Max-Age: %r is no number of "
                       "seconds" % headers.get("Access-Control-Max-Age"))
        return out

    def content_problems(self, resp, where, ctype, body):
        """The media type (also of HEAD and streamed answers, whose body is
        None here), then the body."""
        content = resp.get("content")
        if not content:
            return ["a body of %d bytes where none is documented (%s)"
                    % (len(body), where)] if body else []
        key = next((k for k in content if media_type(k) == ctype), None)
        if key is None:
            return ["Content-Type %r is not documented (%s/content: %s)"
                    % (ctype, where, ", ".join(content))]
        schema = content[key].get("schema")
        if schema is None or body is None:
            return []
        swhere = "%s/content/%s/schema" % (where, pointer_escape(key))
        text = body.decode("utf-8", errors="replace")
        base = ctype.split(";")[0]
        if base == "application/json" or base.endswith("+json"):
            try:
                instance = json.loads(text)
            except ValueError as e:
                return ["the body is not JSON (%s): %r" % (e, text[:200])]
        else:
            instance = text
        return ["body %s" % e for e in self.errors(schema, swhere, instance)]

    def errors(self, schema, where, instance):
        """Schema errors, each with the instance path and the place in the
        document of the keyword that failed."""
        v = jsonschema.Draft202012Validator(
            schema, resolver=self.resolver,
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
        out = []
        for e in sorted(v.iter_errors(instance), key=lambda e: e.path):
            e = best_match([e])      # into oneOf/anyOf: the closest branch
            out.append("at %s: %s (%s)" % (e.json_path, e.message[:300],
                                           self.keyword_at(schema, where, e)))
        if len(out) > MAX_ERRORS:    # a list answer repeats one drift a row
            out[MAX_ERRORS:] = ["... and %d more" % (len(out) - MAX_ERRORS)]
        return out

    def keyword_at(self, schema, where, error):
        """The failed keyword as a pointer into the document, through the
        $refs (#/components/schemas/Id/type).  The validator's path does
        not name the $refs it followed, so where a key is not found (or
        leads nowhere) the walk tries the node's $ref."""
        path = list(error.absolute_schema_path)
        return self.locate(schema, where, path) or "%s, then %s" % (
            where, "/".join(str(k) for k in path))

    def locate(self, node, where, keys):
        if not keys:
            return where
        key, rest = keys[0], keys[1:]
        if key == "$ref" and isinstance(node, dict) and "$ref" in node:
            return self.locate(self.resolve(node["$ref"]), node["$ref"], rest)
        found = None
        if isinstance(node, dict) and key in node:
            found = self.locate(node[key], where + "/" + pointer_escape(key),
                                rest)
        elif isinstance(node, list) and isinstance(key, int) \
                and key < len(node):
            found = self.locate(node[key], "%s/%d" % (where, key), rest)
        if found is None and isinstance(node, dict) and "$ref" in node:
            found = self.locate(self.resolve(node["$ref"]), node["$ref"], keys)
        return found

    def check(self, response, streamed=False):
        """Checks a requests response and returns it."""
        __tracebackhide__ = True     # pytest shows the test's line instead
        self.check_raw(response.request.method, response.request.path_url,
                       response.status_code, response.headers,
                       None if streamed else response.content,
                       response.request.headers)
        return response

    def check_raw(self, method, target, status, headers, body, sent=None):
        """Checks one answer (headers, and the request's sent when known:
        any case-insensitive mapping, as http.client's); a drift fails the
        test, and one seen in another thread than the main one is kept for
        the test's teardown."""
        __tracebackhide__ = True
        found = self.problems(method, unquote(urlsplit(target).path), status,
                              headers, body, sent)
        if not found:
            return
        message = "%s %s -> %d drifts from docs/openapi.json:\n  %s" % (
            method, target, status, "\n  ".join(found))
        if threading.current_thread() is threading.main_thread():
            raise Drift(message)
        with self.lock:
            self.unraised.append(message)

    def take_unraised(self):
        with self.lock:
            found, self.unraised = self.unraised, []
        return found
