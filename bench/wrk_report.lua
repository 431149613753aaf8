-- wrk script: cycle through the request paths listed in the file named by WRK_PATHS
-- (one per line), or request the URL given on the command line; print one JSON line.
local paths = {}
local index = 0

function init(args)
  local list = os.getenv("WRK_PATHS")
  if list then
    for line in io.lines(list) do
      if #line > 0 then table.insert(paths, line) end
    end
  end
end

function request()
  if #paths == 0 then return wrk.format() end
  index = index % #paths + 1
  return wrk.format("GET", paths[index])
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'WRK_JSON {"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_ms": %.2f, "p95_ms": %.2f, '
    .. '"p99_ms": %.2f, "bytes_per_request": %.0f, "errors": %d, "non_2xx": %d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.bytes / math.max(summary.requests, 1), errors, summary.errors.status))
end
