-- Redis TIME in milliseconds: the one clock every instance of the fleet agrees on.
local function nowMs()
  local t = rcall('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
