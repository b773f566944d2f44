--[[
  Settles a claimed Idempotency-Key: stores the answer that every replay of the request gets, or
  (for an answer the client should retry, such as 503) gives the key back.

  KEYS[1] key record   idem:{<sha256 of the key>}

  ARGV[1] payment id that claimed it (nothing happens if another claim holds the key)
  ARGV[2] 'done' to store the answer, 'release' to delete the record
  ARGV[3] the answer, JSON (for 'done')

  Returns 1 settled, 0 the key is not held by this payment
]]
local rcall = redis.call

if rcall('HGET', KEYS[1], 'paymentId') ~= ARGV[1] then return 0 end
if ARGV[2] == 'release' then
  rcall('DEL', KEYS[1])
else
  rcall('HSET', KEYS[1], 'state', 'done', 'response', ARGV[3])
end
return 1
