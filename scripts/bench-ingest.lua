-- wrk script of scripts/bench-scale.sh: POSTs batches of 500 transactions.
--   MP_BATCH_MODE=same   the same batch every time: after the first, its
--                        (customer, day) pairs are already buying days
--   MP_BATCH_MODE=fresh  a new batch every request (other customers,
--                        days and products per thread, request and run):
--                        new buying days, as live sales would bring
local mode = os.getenv("MP_BATCH_MODE") or "fresh"
local statuses = {"completed", "completed", "completed", "completed",
                  "completed", "completed", "completed", "pending",
                  "pending", "refunded"}

local function batch(n)
    local items = {}
    for i = 0, 499 do
        items[#items + 1] = string.format(
            '{"customer_id":%d,"product_id":%d,"quantity":%d,"status":"%s",' ..
            '"transaction_date":"2025-%02d-%02dT%02d:%02d:00Z"}',
            1 + (i * 7919 + n * 104729) % 100000, 1 + (i * 31 + n) % 200,
            1 + i % 5, statuses[1 + i % 10], 1 + (i + n) % 11,
            1 + (i * 7 + n) % 28, i % 24, i % 60)
    end
    return "[" .. table.concat(items, ",") .. "]"
end

local threads = 0
function setup(thread)
    threads = threads + 1
    thread:set("id", threads)
end

local n, same
function init(args)
    n = id * 1000003 + (os.time() % 100000) * 7
    if mode == "same" then
        same = batch(0)
    end
end

function request()
    n = n + 1
    return wrk.format("POST", nil, {["Content-Type"] = "application/json",
                                    ["X-API-Key"] = os.getenv("MP_API_KEY")},
                      same or batch(n))
end
