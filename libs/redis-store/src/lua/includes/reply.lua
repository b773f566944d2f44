-- The reply every breaker script ends with: { code, state, version, retryAfterMs, calls, failures,
-- slowCalls, openSteps, consecutive }. Parsed by parseSnapshotReply in breaker-commands.ts.
local function snapshotReply(code, s, cfg, windowKey, now, prune)
  local t = windowTotals(windowKey, cfg, now, prune)
  return { code, s.state, s.version, retryAfterMs(s, cfg, now), t.calls, t.failures, t.slowCalls, s.openSteps, s.consecutive }
end
