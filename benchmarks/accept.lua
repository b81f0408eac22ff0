-- Distinct valid webmentions: every request names a new source page on the benchmark's nginx
-- (BENCH_SOURCE, e.g. http://127.0.0.1:8090/src), so each is a new mention stored before its 201.
local source = os.getenv("BENCH_SOURCE") or "http://127.0.0.1:8090/src"
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("id", os.time() .. "-" .. threads)
end

local counter = 0
local prefix

local function encode(text)
  return (text:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
  prefix = encode(source .. "/" .. id .. "-")
end

function request()
  counter = counter + 1
  local body = "source=" .. prefix .. counter .. "&target=https%3A%2F%2Fblog.example%2Fposts%2F1"
  return wrk.format("POST", "/webmention", { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end

-- BENCH_DELAY_MS paces each connection (the soak keeps the backlog within what the drain verifies).
local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "")
if pause then
  function delay()
    return pause
  end
end
