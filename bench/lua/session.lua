-- A browser's cookie jar, for the session cookie only. A signed-in page re-signs the session
-- cookie once it is older than app/sessions.py's REFRESH_SECONDS, and a browser sends the new
-- one from then on. wrk alone would send the cookie the bench signed in with for the whole
-- run: a minute in, every request would re-sign and re-send it, a cost no browser causes.
local formatted = nil

function on_response(status, headers, body)
  local set = headers["Set-Cookie"] or headers["set-cookie"]
  local fresh = set and set:match("^(session=[^;]*)")
  if fresh then
    local cookie = wrk.headers["Cookie"] or ""
    wrk.headers["Cookie"] = cookie:gsub("session=[^;]*", function() return fresh end, 1)
    formatted = wrk.format()
  end
end

function request()
  formatted = formatted or wrk.format()
  return formatted
end
