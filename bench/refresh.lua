-- wrk 4.1 script for POST /v1/auth/refresh with honest token rotation.
--
-- A refresh token is single use: the server answers with a new pair, and the
-- old token only keeps working for refresh_grace seconds (after that,
-- presenting it again is token_reused and revokes the session). Hammering the
-- route with one fixed token would therefore measure the grace path for
-- 10 s and then nothing but 401s.
--
-- What this script does instead: bench/run signs in once per session it
-- wants (more sessions than connections) and writes one refresh token per
-- line into a file. Each wrk thread takes its share of those tokens into a
-- FIFO pool. request() takes the next token from the pool; response() parses
-- the new refresh_token out of the 200 body and puts it back in the pool. A
-- token is therefore presented exactly once, every session always presents
-- its current token, and no two requests of one session are ever in flight
-- at the same time. wrk does not tell the script which connection a
-- response belongs to, hence a pool rather than a token per connection; with
-- one request in flight per connection the pool never runs dry unless
-- responses are lost.
--
-- usage: wrk ... -s bench/refresh.lua URL -- TOKENS_FILE NTHREADS
-- (NTHREADS must equal wrk's -t). At the end done() prints one line:
--   refresh_lua ok=<200 with a new token> bad=<anything else> starved=<requests sent with no token available>

local threads = {}
local next_id = 0

function setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

local pool = {}
local head, tail = 1, 0
ok, bad, starved = 0, 0, 0

local function push(t)
   tail = tail + 1
   pool[tail] = t
end

local function pop()
   if head > tail then
      return nil
   end
   local t = pool[head]
   pool[head] = nil
   head = head + 1
   return t
end

function init(args)
   local file, nthreads = args[1], tonumber(args[2])
   if file == nil or nthreads == nil then
      error("usage: wrk ... -s refresh.lua URL -- TOKENS_FILE NTHREADS")
   end
   local n = 0
   for line in io.lines(file) do
      if line ~= "" then
         if n % nthreads == id then
            push(line)
         end
         n = n + 1
      end
   end
end

local headers = { ["Content-Type"] = "application/json" }

function request()
   local t = pop()
   if t == nil then
      -- Only when responses went missing (reconnects, errors). Send a token
      -- that cannot exist so it shows up as a non-2xx response rather than
      -- silently reusing one.
      starved = starved + 1
      t = "starved"
   end
   return wrk.format("POST", "/v1/auth/refresh", headers,
                     '{"refresh_token":"' .. t .. '"}')
end

function response(status, hdrs, body)
   local t = nil
   if status == 200 then
      t = string.match(body, '"refresh_token"%s*:%s*"([^"]+)"')
   end
   if t ~= nil then
      ok = ok + 1
      push(t)
   else
      bad = bad + 1
   end
end

function done(summary, latency, requests)
   local o, b, s = 0, 0, 0
   for _, thread in ipairs(threads) do
      o = o + (thread:get("ok") or 0)
      b = b + (thread:get("bad") or 0)
      s = s + (thread:get("starved") or 0)
   end
   io.write(string.format("refresh_lua ok=%d bad=%d starved=%d\n", o, b, s))
end
