--[[
  Settles a claimed Idempotency-Key: stores the answer that every replay of the request gets, or
  (for an answer the client should retry, such as 503) gives the key back. Only the claim that
  holds the key may settle it, and only while it is pending: a request overtaken by a recovery
  (its lease expired and another request took the key over, claim-idempotency-key-1.lua) can
  neither overwrite nor delete the answer the recovery stored, and a key with its answer keeps it.

  KEYS[1] key record   idem:{<sha256 of the key>}   paymentId, state, response, claimedBy

  ARGV[1] payment id that claimed it
  ARGV[2] the claim's token (claimedBy); a pending record without claimedBy (claimed before
          tokens existed) is settled by its payment id alone
  ARGV[3] 'done' to store the answer, 'release' to delete the record
  ARGV[4] the answer, JSON (for 'done')

  Returns { 1 } settled | { 0 } not this claim's: no record, another payment's, or taken over
  by another claim | { -1, response } the key has its answer already: kept as it is
]]
local rcall = redis.call

local record = rcall('HMGET', KEYS[1], 'paymentId', 'state', 'response', 'claimedBy')
if record[1] ~= ARGV[1] then return { 0 } end
if record[2] == 'done' then return { -1, record[3] } end
if record[4] and record[4] ~= ARGV[2] then return { 0 } end
if ARGV[3] == 'release' then
  rcall('DEL', KEYS[1])
else
  rcall('HSET', KEYS[1], 'state', 'done', 'response', ARGV[4])
end
return { 1 }
