--[[
  Deletes a consumer of a stream's group only if it has nothing pending, checked in the same step:
  XGROUP DELCONSUMER drops the consumer's pending entries with it, and an entry dropped so would
  never be delivered again (neither new nor claimable). A consumer deleted while it is alive is
  harmless: its next read makes it again.

  KEYS[1] stream   an outbox stream (pay:outbox:{<n>})

  ARGV[1] group
  ARGV[2] consumer

  Returns 1 deleted, 0 kept (it has pending entries)
]]
local rcall = redis.call

if #rcall('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2]) > 0 then return 0 end
rcall('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
return 1
