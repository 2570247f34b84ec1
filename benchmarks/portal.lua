-- wrk script of benchmarks/portal.sh: prints one machine-readable RESULT line (requests/s,
-- p50/p99/max in ms, error responses, socket errors).
--
-- Error responses are wrk's own count of statuses >= 400 (summary.errors.status); no
-- response() callback is defined because it would make wrk copy every body into Lua (several
-- times the cost of serving a cached page on a 2-core machine). The targets never redirect;
-- portal.sh checks with curl that each answers 200 before the run.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d rps=%.1f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f bad_status=%d socket_errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
