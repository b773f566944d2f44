-- The reply every breaker script ends with: { code, state, version, retryAfterMs, calls, failures,
-- slowCalls, openSteps, consecutive, reason, changedAgoMs, tripReason, trippedAgoMs, tripCalls,
-- tripFailures, tripSlowCalls, incarnation } (-1 for never). Parsed by parseScriptReply in fleet-snapshot.ts.
local function snapshotReply(code, s, cfg, windowKey, now, prune)
  local t = windowTotals(windowKey, cfg, now, prune)
  return { code, s.state, s.version, retryAfterMs(s, cfg, now), t.calls, t.failures, t.slowCalls, s.openSteps, s.consecutive,
    s.reason, agoMs(s.changedAt, now), s.tripReason, agoMs(s.trippedAt, now), s.tripCalls, s.tripFailures, s.tripSlowCalls, s.incarnation }
end
