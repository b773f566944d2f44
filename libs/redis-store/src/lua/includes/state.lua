-- The breaker's shared state, one hash per breaker. Absent fields mean a new breaker: CLOSED, version 0.
-- reason/changedAt: the last transition (Redis time). trip*: the window when it last tripped, kept
-- because the trip empties the window and people reading an OPEN breaker need to see why it opened.
-- incarnation: made when the hash is first created (the first script to read it), never changed:
-- after Redis lost its data the state starts again at version 0 under a new incarnation, which
-- every view takes at once, however high its own version.
local STATE_FIELDS = { 'state', 'version', 'openUntil', 'openSteps', 'halfOpenSince', 'permitsIssued', 'probeSuccesses', 'consecutive',
  'reason', 'changedAt', 'tripReason', 'trippedAt', 'tripCalls', 'tripFailures', 'tripSlowCalls', 'incarnation' }

-- Redis TIME to the microsecond: two data losses never get the same id (the hash is gone in between).
local function newIncarnation(stateKey)
  local t = rcall('TIME')
  local id = t[1] .. '.' .. string.format('%06d', tonumber(t[2]))
  rcall('HSET', stateKey, 'incarnation', id)
  return id
end

-- Times in the future were left by a faster clock: Redis failed over to a replica whose clock is
-- behind, so TIME went backwards. Left alone they would prolong OPEN and HALF_OPEN by the whole
-- skew. The last transition cannot have happened after now: the skew is at least changedAt - now,
-- and every time kept is moved back by it (OPEN then lasts its drawn interval from now). Whatever
-- is still ahead is bounded anyway: openUntil by the longest interval of its backoff step (no
-- jitter), halfOpenSince by now. Saved at once, so the bounds do not move with now.
local function clampToNow(stateKey, s, cfg, now)
  local skew = math.max(0, s.changedAt - now)
  local before = { s.openUntil, s.halfOpenSince, s.changedAt, s.trippedAt }
  -- 0 means never, and stays so.
  local function earlier(t) if t == 0 then return 0 end return t - skew end
  s.openUntil, s.changedAt = earlier(s.openUntil), earlier(s.changedAt)
  s.halfOpenSince, s.trippedAt = math.min(now, earlier(s.halfOpenSince)), math.min(now, earlier(s.trippedAt))
  if s.state == 'OPEN' and s.openSteps > 0 then
    local longest = math.min(cfg.openMaxMs, cfg.openBaseMs * (cfg.openMultiplier ^ (s.openSteps - 1)))
    s.openUntil = math.min(s.openUntil, now + math.ceil(longest))
  end
  if s.openUntil ~= before[1] or s.halfOpenSince ~= before[2] or s.changedAt ~= before[3] or s.trippedAt ~= before[4] then
    rcall('HSET', stateKey, 'openUntil', s.openUntil, 'halfOpenSince', s.halfOpenSince, 'changedAt', s.changedAt, 'trippedAt', s.trippedAt)
  end
  return s
end

-- The state at Redis time `now`, with times a faster clock left in the future clamped (clampToNow).
local function loadState(stateKey, cfg, now)
  local raw = rcall('HMGET', stateKey, unpack(STATE_FIELDS))
  return clampToNow(stateKey, {
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
    incarnation = raw[16] or newIncarnation(stateKey),
  }, cfg, now)
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
