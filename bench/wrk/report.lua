-- Appended to every workload script: print one JSON line wrk's runner parses.
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout + summary.errors.status
  io.write(string.format(
    'JSON {"requests": %d, "duration_us": %d, "errors": %d, "p50_ms": %.3f, "p99_ms": %.3f}\n',
    summary.requests, summary.duration, errors,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
