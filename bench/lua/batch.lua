-- POST pre-signed batches (bench/run.py writes BENCH_BODIES: "signature<TAB>json" per line);
-- each thread sends its own share once, then stops when all of it is answered.
local mine, sent, answered = {}, 0, 0

function init(args)
  local n = tonumber(os.getenv("BENCH_THREADS"))
  local i = 0
  for line in io.lines(os.getenv("BENCH_BODIES")) do
    if i % n == tid then
      local tab = line:find("\t", 1, true)
      table.insert(mine, {line:sub(1, tab - 1), line:sub(tab + 1)})
    end
    i = i + 1
  end
  -- wrk calls request() once on the first thread to check the script (script_verify_request
  -- in wrk.c) and never sends that request: it must not use up a batch, or that thread never
  -- sees all its batches answered and runs until -d (the whole 60 s).
  verifying = tid == 0
end

function request()
  if verifying then
    verifying = false
    return wrk.format("GET", "/bench/hello")
  end
  sent = sent + 1
  local item = mine[sent]
  if item == nil then
    return wrk.format("GET", "/bench/hello")
  end
  return wrk.format("POST", "/api/v1/events/batch",
    {["Content-Type"] = "application/json", ["X-Signature"] = "sha256=" .. item[1]}, item[2])
end

function on_response(status, headers, body)
  local accepted = body and body:match('"accepted":%s*(%d+)')
  if accepted then
    answered = answered + 1
    mark("batches")
    marks["accepted"] = (marks["accepted"] or 0) + tonumber(accepted)
    if answered >= #mine then wrk.thread:stop() end
  end
end
