-- wrk script: cycle through the requests listed in a file (bench/run.py writes it), one per
-- line: METHOD <TAB> PATH <TAB> BODY <TAB> EXTRA-HEADERS ("Name: value|Name: value").
-- A non-empty BODY is sent as application/json (GraphQL POSTs); GETs have no body.
--   wrk -t1 -c16 -d8s --latency -s bench/wrk_requests.lua http://127.0.0.1:PORT -- requests.tsv

local reqs = {}
local i = 0

local function split_tabs(line)
  local out = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do
    table.insert(out, field)
  end
  return out
end

function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then
      local f = split_tabs(line)
      local method, path, body, extra = f[1], f[2], f[3] or "", f[4] or ""
      local headers = {}
      if body ~= "" then
        headers["Content-Type"] = "application/json"
      else
        body = nil
      end
      for h in extra:gmatch("[^|]+") do
        local k, v = h:match("^([^:]+):%s*(.*)$")
        if k then headers[k] = v end
      end
      table.insert(reqs, wrk.format(method, path, headers, body))
    end
  end
  i = math.random(#reqs)
end

function request()
  i = i % #reqs + 1
  return reqs[i]
end
