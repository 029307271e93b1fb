-- wrk script for Drop-in's benchmarks: one URL per wrk process, its method and body from the
-- environment, every response's status counted, and one machine-readable line at the end.
--
--   BENCH_METHOD=POST BENCH_BODY='a=1' wrk -s bench/wrk_report.lua -H 'Content-Type: ...' URL
--
-- The last line of wrk's output is then:
--   BENCH_JSON {"requests":N,"duration_us":N,"bytes":N,"errors":{...},"latency_us":{...},"statuses":{...}}
-- which bench/benchlib.py reads. wrk's own latency percentiles are exact to its histogram's microsecond.

wrk.method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
if body ~= nil and body ~= "" then
  wrk.body = body
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

local function json_object(tbl)
  local parts = {}
  for key, value in pairs(tbl) do
    table.insert(parts, string.format('"%s":%s', tostring(key), tostring(value)))
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses") or {}) do
      merged[status] = (merged[status] or 0) + count
    end
  end
  local lat = {
    min = latency.min, max = latency.max, mean = string.format("%.1f", latency.mean),
    p50 = latency:percentile(50), p90 = latency:percentile(90),
    p99 = latency:percentile(99), p999 = latency:percentile(99.9),
  }
  local errors = {
    connect = summary.errors.connect, read = summary.errors.read, write = summary.errors.write,
    status = summary.errors.status, timeout = summary.errors.timeout,
  }
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"errors":%s,"latency_us":%s,"statuses":%s}\n',
    summary.requests, summary.duration, summary.bytes, json_object(errors), json_object(lat), json_object(merged)))
end
