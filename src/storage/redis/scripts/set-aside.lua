--[[
  Moves records that cannot be restored out of the live set into the set-aside hash, as
  one atomic step, so a record is always in exactly one of the two.

  KEYS[1]  jobs      HASH   job id -> packed record (msgpack, see record.ts)
  KEYS[2]  due       ZSET   job id scored by dueAt
  KEYS[3]  setAside  HASH   job id -> packed set-aside record (job, reason, at)
  KEYS[4]  events    STREAM one small entry per record set aside, trimmed with MAXLEN ~

  ARGV[1]  approximate maximum length of the events stream
  ARGV[2..] pairs: id, packed set-aside record

  Returns the number of records set aside.
]]

local jobs, due, setAside, events = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local maxLen = ARGV[1]

-- Checked before any write: Redis does not roll back a script that fails half-way.
if (#ARGV - 1) % 2 ~= 0 then
  return redis.error_reply('jobify set-aside: expected id/record pairs after ARGV[1]')
end

local moved = 0
for i = 2, #ARGV, 2 do
  local id = ARGV[i]
  redis.call('HSET', setAside, id, ARGV[i + 1])
  redis.call('HDEL', jobs, id)
  redis.call('ZREM', due, id)
  redis.call('XADD', events, 'MAXLEN', '~', maxLen, '*', 'id', id, 'type', 'set-aside')
  moved = moved + 1
end
return moved
