-- Cycles through a file of pre-signed requests (one per line, tab-separated: path, Client-Id, Request-Id,
-- Request-Timestamp, Signature, body). Arguments: <file> <threads> [lines per group]. Each thread takes
-- whole groups (an inquiry and its payment stay together, in order) so no two threads send the same request.
local counter = 0

function setup(thread)
  thread:set("thread_index", counter)
  counter = counter + 1
end

function init(args)
  local file, threads, group, lag = args[1], tonumber(args[2]), tonumber(args[3] or "1"), tonumber(args[4] or "0")
  local firsts, seconds = {}, {}
  local i = 0
  for line in io.lines(file) do
    if math.floor(i / group) % threads == thread_index then
      local path, client, id, ts, sig, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      local request = wrk.format("POST", path, {
        ["Content-Type"] = "application/json",
        ["Client-Id"] = client,
        ["Request-Id"] = id,
        ["Request-Timestamp"] = ts,
        ["Signature"] = sig,
      }, body)
      if group == 2 and i % 2 == 1 then
        seconds[#seconds + 1] = request
      else
        firsts[#firsts + 1] = request
      end
    end
    i = i + 1
  end
  -- A thread's connections take its requests in turn, so the second of a pair (a payment) sent right after the
  -- first (its inquiry) could overtake it on another connection. Each second is sent `lag` requests after its
  -- first (more than the thread has connections), as a till pays a while after it asked.
  requests = {}
  for k = 1, #firsts + lag do
    if k <= #firsts then requests[#requests + 1] = firsts[k] end
    if k - lag >= 1 and seconds[k - lag] then requests[#requests + 1] = seconds[k - lag] end
  end
  next_request = 0
end

function request()
  next_request = next_request + 1
  if next_request > #requests then
    -- Out of pre-signed requests: sending one again is a replay, which the gateway answers 409 (counted as an error).
    next_request = 1
  end
  return requests[next_request]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"errors":%d,"non2xx":%d,"p50_us":%d,"p99_us":%d,"p999_us":%d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout + e.status, e.status,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
