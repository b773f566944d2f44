-- Mirrors openIntervalMs in libs/resilience: jitter only shortens, the cap is a real bound.
local function openIntervalMs(cfg, step, sample)
  local exponential = math.min(cfg.openMaxMs, cfg.openBaseMs * (cfg.openMultiplier ^ step))
  return math.max(1, math.floor(exponential * (1 - cfg.openJitter * sample) + 0.5))
end

-- Every state change goes through here: it bumps the version, resets what the new state starts
-- from, saves, and publishes, so every instance learns of it (or re-reads it later).
-- ctx: stateKey, windowKey, permitsKey, cfg, name, channel, sample, now
local function transition(ctx, s, to, reason)
  local now = ctx.now
  if to == 'OPEN' and s.state == 'CLOSED' then
    -- The new episode below empties the window: keep what tripped it.
    local t = windowTotals(ctx.windowKey, ctx.cfg, now, false)
    s.tripReason, s.trippedAt = reason, now
    s.tripCalls, s.tripFailures, s.tripSlowCalls = t.calls, t.failures, t.slowCalls
  end
  s.reason, s.changedAt = reason, now
  s.state = to
  s.version = s.version + 1
  if to == 'OPEN' then
    s.openUntil = now + openIntervalMs(ctx.cfg, s.openSteps, ctx.sample)
    s.openSteps = s.openSteps + 1
  elseif to == 'HALF_OPEN' then
    s.halfOpenSince = now
    s.permitsIssued = 0
    s.probeSuccesses = 0
  elseif to == 'CLOSED' then
    s.openSteps = 0
  end
  if to ~= 'HALF_OPEN' then
    -- A new episode: old outcomes and outstanding permits say nothing about it.
    rcall('DEL', ctx.windowKey, ctx.permitsKey)
    s.consecutive = 0
    s.permitsIssued = 0
    s.probeSuccesses = 0
  end
  saveState(ctx.stateKey, s)
  local message = {
    name = ctx.name, state = s.state, version = s.version, reason = reason, incarnation = s.incarnation,
    retryAfterMs = retryAfterMs(s, ctx.cfg, now), openSteps = s.openSteps,
  }
  if s.trippedAt > 0 then
    message.trip = { reason = s.tripReason, agoMs = agoMs(s.trippedAt, now), calls = s.tripCalls,
      failures = s.tripFailures, slowCalls = s.tripSlowCalls }
  end
  rcall('PUBLISH', ctx.channel, cjson.encode(message))
end
