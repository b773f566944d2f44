-- The fleet's sliding window, one hash per breaker:
--   '<epoch>:c' / '<epoch>:f' / '<epoch>:s'  calls, failures, slow calls in the bucket numbered epoch
--   'r:<instanceId>'                         Redis time of that instance's last failure or slow call
-- Same layout as SlidingWindow in libs/resilience; `prune` deletes expired fields (write scripts only).
-- Fields from the future were left by a faster clock (Redis failed over to a replica whose clock
-- is behind): a bucket ahead of now is folded into the current one and a report ahead of now is
-- set to now, at once and by every script, so they leave the window one window from now instead
-- of counting for the whole skew more. Any other field is not ours: the script fails on it (the
-- breaker reports itself broken) rather than guess.
local function windowTotals(windowKey, cfg, now, prune)
  local bucketMs = cfg.windowMs / cfg.windowBuckets
  local currentEpoch = math.floor(now / bucketMs)
  local oldestEpoch = currentEpoch - cfg.windowBuckets
  local since = now - cfg.windowMs
  local t = { calls = 0, failures = 0, slowCalls = 0, reporters = 0 }
  local expired = {}
  local flat = rcall('HGETALL', windowKey)
  for i = 1, #flat, 2 do
    local field, value = flat[i], tonumber(flat[i + 1])
    local instance = string.match(field, '^r:(.*)$')
    local epoch, kind = string.match(field, '^(%d+):([cfs])$')
    if value == nil or (instance == nil and epoch == nil) then
      error('window field ' .. field .. ' = ' .. tostring(flat[i + 1]) .. ' is not <bucket>:c|f|s or r:<instance> with a number')
    end
    if instance then
      if value > now then rcall('HSET', windowKey, field, now) end
      if value > since then t.reporters = t.reporters + 1 else expired[#expired + 1] = field end
    else
      epoch = tonumber(epoch)
      if epoch > currentEpoch then
        rcall('HINCRBY', windowKey, currentEpoch .. ':' .. kind, value)
        rcall('HDEL', windowKey, field)
      end
      if epoch <= oldestEpoch then expired[#expired + 1] = field
      elseif kind == 'c' then t.calls = t.calls + value
      elseif kind == 'f' then t.failures = t.failures + value
      else t.slowCalls = t.slowCalls + value end
    end
  end
  if prune and #expired > 0 then rcall('HDEL', windowKey, unpack(expired)) end
  return t
end

-- Mirrors tripReason in libs/resilience: the rule without the fleet's minimum of failing instances.
local function ruleReason(t, consecutive, cfg)
  if cfg.consecutiveFailures > 0 and consecutive >= cfg.consecutiveFailures then return 'consecutive-failures' end
  if t.calls < cfg.minimumCalls then return nil end
  if t.failures / t.calls >= cfg.failureRateThreshold then return 'failure-rate' end
  if t.slowCalls / t.calls >= cfg.slowCallRateThreshold then return 'slow-call-rate' end
  return nil
end

-- The fleet trips only when minReportingInstances distinct instances reported failures or slow calls.
local function tripReason(t, consecutive, cfg)
  if t.reporters < cfg.minReportingInstances then return nil end
  return ruleReason(t, consecutive, cfg)
end
