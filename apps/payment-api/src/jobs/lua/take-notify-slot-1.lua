--[[
  Takes one notification slot of a destination (an address, phone number or device token) in
  the current window, fleet-wide. A payment holds at most one slot per destination: asking again
  for the same payment (a recovery, a reconciliation run again) takes nothing more.

  KEYS[1] window hash   notify-rate:{<sha256 of channel:target>}:<window number>
                        field per payment id that took a slot

  ARGV[1] payment id
  ARGV[2] slots per destination per window
  ARGV[3] window, ms (the hash lives two windows)

  Returns 1 (the payment holds a slot: send) | 0 (the destination's slots are taken: do not send)
]]
local rcall = redis.call

if rcall('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 1 end
if rcall('HLEN', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
rcall('HSET', KEYS[1], ARGV[1], 1)
rcall('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[3]))
return 1
