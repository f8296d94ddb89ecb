-- wrk script of the load tests (t/integration/test_load.py) and of
-- scripts/soak.sh.  MP_LOAD picks what every connection asks for:
--   cached    the dashboard, the same URL every time: cache hits
--   uncached  list and detail pages with a query no request used before:
--             a cache miss each, so every request reaches PostgreSQL
--   mixed     nine reads (cached and uncached) for every write: a POST of
--             one transaction with its own Idempotency-Key
-- Every response's status is counted; done() prints one line per status,
-- "status <code> <count>", and the errors wrk saw, for the caller to read.
local mode = os.getenv("MP_LOAD") or "cached"
local tag = os.getenv("MP_LOAD_TAG") or tostring(os.time())
-- a key with the write scope, where the stack reads keys (scripts/keys.sh)
local key = os.getenv("MP_API_KEY")

local threads = {}
function setup(thread)
    thread:set("id", #threads + 1)
    threads[#threads + 1] = thread
end

local n = 0
statuses = {}
function init(args)
    statuses = {}
end

local pages = {
    "/api/customers?limit=20&sort=lifetime_value",
    "/api/products?limit=20&sort=revenue",
    "/api/transactions?limit=50",
    "/api/revenue?granularity=week&from=2025-01-01&to=2025-06-30",
}

local function uncached()
    local path = pages[1 + n % #pages]
    return wrk.format("GET", path .. "&load=" .. tag .. "-" .. id .. "-" .. n)
end

local function write()
    local body = string.format(
        '{"customer_id":%d,"product_id":%d,"quantity":%d,' ..
        '"status":"completed","transaction_date":"2025-%02d-%02dT12:00:00Z"}',
        1 + n % 100, 1 + (n * 7) % 100, 1 + n % 3, 1 + n % 11, 1 + n % 28)
    return wrk.format("POST", "/api/transactions", {
        ["Content-Type"] = "application/json",
        ["Idempotency-Key"] = "load-" .. tag .. "-" .. id .. "-" .. n,
        ["X-API-Key"] = key,
    }, body)
end

function request()
    n = n + 1
    if mode == "uncached" then
        return uncached()
    elseif mode == "mixed" then
        if n % 10 == 0 then
            return write()
        elseif n % 2 == 0 then
            return uncached()
        end
    end
    return wrk.format("GET", "/api/dashboard")
end

function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
    local total = {}
    for _, thread in ipairs(threads) do
        local counts = thread:get("statuses")
        for status, count in pairs(counts) do
            total[status] = (total[status] or 0) + count
        end
    end
    for status, count in pairs(total) do
        io.write(string.format("status %d %d\n", status, count))
    end
    local e = summary.errors
    io.write(string.format("errors connect=%d read=%d write=%d status=%d " ..
                           "timeout=%d\n", e.connect, e.read, e.write,
                           e.status, e.timeout))
    io.write(string.format("requests %d p99_ms %.2f\n", summary.requests,
                           latency:percentile(99) / 1000))
end
