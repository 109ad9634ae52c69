-- Shared by every bench script (bench/wrk.py prepends it): per-thread status counts, and one
-- machine-readable line at the end: "BENCHJSON {...}".
local threads = {}
statuses = {}
marks = {}

function setup(thread)
  thread:set("tid", #threads)
  thread:set("nthreads_hint", 0)
  table.insert(threads, thread)
end

function mark(name)
  marks[name] = (marks[name] or 0) + 1
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if on_response then on_response(status, headers, body) end
end

local function merge(into, from)
  for k, v in pairs(from or {}) do into[tostring(k)] = (into[tostring(k)] or 0) + v end
end

local function encode(t)
  local parts = {}
  for k, v in pairs(t) do table.insert(parts, string.format('"%s":%d', k, v)) end
  return "{" .. table.concat(parts, ",") .. "}"
end

function done(summary, latency, requests)
  local counts, all_marks = {}, {}
  for _, t in ipairs(threads) do
    merge(counts, t:get("statuses"))
    merge(all_marks, t:get("marks"))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"statuses":%s,"marks":%s}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout,
    encode(counts), encode(all_marks)))
end
