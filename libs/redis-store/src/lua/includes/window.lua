-- The fleet's sliding window, one hash per breaker:
--   '<epoch>:c' / '<epoch>:f' / '<epoch>:s'  calls, failures, slow calls in the bucket numbered epoch
--   'r:<instanceId>'                         Redis time of that instance's last failure or slow call
-- Same layout as SlidingWindow in libs/resilience; `prune` deletes expired fields (write scripts only).
local function windowTotals(windowKey, cfg, now, prune)
  local bucketMs = cfg.windowMs / cfg.windowBuckets
  local oldestEpoch = math.floor(now / bucketMs) - cfg.windowBuckets
  local since = now - cfg.windowMs
  local t = { calls = 0, failures = 0, slowCalls = 0, reporters = 0 }
  local expired = {}
  local flat = rcall('HGETALL', windowKey)
  for i = 1, #flat, 2 do
    local field, value = flat[i], tonumber(flat[i + 1])
    local instance = string.match(field, '^r:(.*)$')
    if instance then
      if value > since then t.reporters = t.reporters + 1 else expired[#expired + 1] = field end
    else
      local epoch, kind = string.match(field, '^(%d+):(%a)$')
      if tonumber(epoch) <= oldestEpoch then expired[#expired + 1] = field
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
