--[[
  Claims an Idempotency-Key for a new payment, or says what became of the key before.

  KEYS[1] key record   idem:{<sha256 of the key>}   bodyHash, paymentId, state (pending|done), response

  ARGV[1] hash of the request body
  ARGV[2] payment id to use if the key is new
  ARGV[3] how long the record lives, ms

  Returns { 'new', paymentId } | { 'conflict' } (same key, another body) |
          { 'done', response JSON } | { 'pending', paymentId } (a request with this key is running)
]]
local rcall = redis.call

local record = rcall('HMGET', KEYS[1], 'bodyHash', 'paymentId', 'state', 'response')
if not record[1] then
  rcall('HSET', KEYS[1], 'bodyHash', ARGV[1], 'paymentId', ARGV[2], 'state', 'pending')
  rcall('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
  return { 'new', ARGV[2] }
end
if record[1] ~= ARGV[1] then return { 'conflict' } end
if record[3] == 'done' then return { 'done', record[4] } end
return { 'pending', record[2] }
