-- Mixed load: browsing, bidding (API) and tracking hits, paced by delay(). BENCH_MIXED is a
-- file of requests, one per line: "METHOD<TAB>path<TAB>header: v|header: v<TAB>body".
local reqs, n = {}, 0
local pace = tonumber(os.getenv("BENCH_DELAY_MS") or "20")

function init(args)
  for line in io.lines(os.getenv("BENCH_MIXED")) do
    local method, path, hdrs, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t?(.*)$")
    local headers = {}
    for h in hdrs:gmatch("[^|]+") do
      local k, v = h:match("^([^:]+):%s*(.*)$")
      if k then headers[k] = v end
    end
    table.insert(reqs, wrk.format(method, path, headers, body ~= "" and body or nil))
  end
  n = tid * 7
end

function request()
  n = n + 1
  return reqs[(n % #reqs) + 1]
end

function delay()
  return pace
end

function on_response(status, headers, body)
  if status >= 500 then mark("server_errors") end
  local location = headers["Location"] or headers["location"]
  if status == 302 and location and location:find("kol_click=", 1, true) then
    mark("clicks")
  elseif status == 200 and body and body:find('class="card note-public"', 1, true) then
    mark("views")
  elseif status == 201 and body and body:find('"proposed_delivery"', 1, true) then
    mark("bids")
  end
end
