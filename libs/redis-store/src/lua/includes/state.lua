-- The breaker's shared state, one hash per breaker. Absent fields mean a new breaker: CLOSED, version 0.
local STATE_FIELDS = { 'state', 'version', 'openUntil', 'openSteps', 'halfOpenSince', 'permitsIssued', 'probeSuccesses', 'consecutive' }

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
  }
end

local function saveState(stateKey, s)
  rcall('HSET', stateKey, 'state', s.state, 'version', s.version, 'openUntil', s.openUntil, 'openSteps', s.openSteps,
    'halfOpenSince', s.halfOpenSince, 'permitsIssued', s.permitsIssued, 'probeSuccesses', s.probeSuccesses,
    'consecutive', s.consecutive)
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
