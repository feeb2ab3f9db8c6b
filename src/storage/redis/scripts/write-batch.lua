--[[
  Applies one batch of job writes, in order, as one atomic step.

  KEYS[1]  jobs      HASH   job id -> packed record (msgpack, see record.ts)
  KEYS[2]  due       ZSET   job id scored by dueAt (epoch ms)
  KEYS[3]  events    STREAM one small entry per write, trimmed with MAXLEN ~

  ARGV[1]  approximate maximum length of the events stream
  ARGV[2..] the writes, one after another, each either
             'put',    id, dueAt, status, packed record
             'delete', id

  Returns the number of writes applied.
]]

local jobs, due, events = KEYS[1], KEYS[2], KEYS[3]
local maxLen = ARGV[1]
local width = { put = 5, delete = 2 }

-- Redis does not roll back a script that fails half-way, so a malformed batch is refused
-- before anything is written: the batch then applies entirely or not at all.
local i = 2
while i <= #ARGV do
  local op = ARGV[i]
  local n = width[op]
  if not n then
    return redis.error_reply('jobify write-batch: unknown write type ' .. tostring(op))
  end
  if i + n - 1 > #ARGV then
    return redis.error_reply('jobify write-batch: truncated ' .. op .. ' at argument ' .. i)
  end
  if op == 'put' and not tonumber(ARGV[i + 2]) then
    return redis.error_reply('jobify write-batch: dueAt of ' .. ARGV[i + 1] .. ' is not a number')
  end
  i = i + n
end

local applied = 0
i = 2
while i <= #ARGV do
  local op, id = ARGV[i], ARGV[i + 1]
  if op == 'put' then
    local dueAt, status = ARGV[i + 2], ARGV[i + 3]
    redis.call('HSET', jobs, id, ARGV[i + 4])
    redis.call('ZADD', due, dueAt, id)
    redis.call('XADD', events, 'MAXLEN', '~', maxLen, '*',
      'id', id, 'type', 'put', 'status', status, 'dueAt', dueAt)
  else
    redis.call('HDEL', jobs, id)
    redis.call('ZREM', due, id)
    redis.call('XADD', events, 'MAXLEN', '~', maxLen, '*', 'id', id, 'type', 'delete')
  end
  applied = applied + 1
  i = i + width[op]
end
return applied
