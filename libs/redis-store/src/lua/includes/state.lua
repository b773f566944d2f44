-- The breaker's shared state, one hash per breaker. Absent fields mean a new breaker: CLOSED, version 0.
-- reason/changedAt: the last transition (Redis time). trip*: the window when it last tripped, kept
-- because the trip empties the window and people reading an OPEN breaker need to see why it opened.
local STATE_FIELDS = { 'state', 'version', 'openUntil', 'openSteps', 'halfOpenSince', 'permitsIssued', 'probeSuccesses', 'consecutive',
  'reason', 'changedAt', 'tripReason', 'trippedAt', 'tripCalls', 'tripFailures', 'tripSlowCalls' }

local function loadState(stateKey)
  local raw = rcall('HMGET', stateKey, unpack(STATE_FIELDS))
  return {
    state = raw[1] or 'CLOSED',
    version = tonumber(raw[2]) or 0,
    openUntil = tonumber(raw[3]) or 0,
    openSteps = tonumber(raw[4]) or 0,
    halfOpenSince = tonumber(raw[5]) or 0,
    permitsIssued = tonumber(raw[6]) or 0,
    probeSuccesses = tonumber(raw[7]) or 0,
    consecutive = tonumber(raw[8]) or 0,
    reason = raw[9] or '',
    changedAt = tonumber(raw[10]) or 0,
    tripReason = raw[11] or '',
    trippedAt = tonumber(raw[12]) or 0,
    tripCalls = tonumber(raw[13]) or 0,
    tripFailures = tonumber(raw[14]) or 0,
    tripSlowCalls = tonumber(raw[15]) or 0,
  }
end

local function saveState(stateKey, s)
  rcall('HSET', stateKey, 'state', s.state, 'version', s.version, 'openUntil', s.openUntil, 'openSteps', s.openSteps,
    'halfOpenSince', s.halfOpenSince, 'permitsIssued', s.permitsIssued, 'probeSuccesses', s.probeSuccesses,
    'consecutive', s.consecutive, 'reason', s.reason, 'changedAt', s.changedAt, 'tripReason', s.tripReason,
    'trippedAt', s.trippedAt, 'tripCalls', s.tripCalls, 'tripFailures', s.tripFailures, 'tripSlowCalls', s.tripSlowCalls)
end

-- How long ago a Redis time was; -1 for never.
local function agoMs(at, now)
  if at == 0 then return -1 end
  return math.max(0, now - at)
end

-- Mirrors BreakerMachine.retryAfterMs in libs/resilience.
local function retryAfterMs(s, cfg, now)
  if s.state == 'OPEN' then return math.max(0, s.openUntil - now) end
  if s.state == 'HALF_OPEN' then
    if s.permitsIssued < cfg.halfOpenPermits then return 0 end
    return math.max(0, s.halfOpenSince + cfg.halfOpenMaxWaitMs - now)
  end
  if s.state == 'FORCED_OPEN' then return cfg.openBaseMs end
  return 0
end
