-- wrk 4.1 script for POST /v1/auth/sign-in: the same credentials every time
-- (every request creates a new session and costs one argon2id
-- verification). The request is static, so wrk builds it once.
-- BENCH_EMAIL / BENCH_PASSWORD override the account bench/run signs up;
-- they are put into JSON as they are, so keep them free of '"' and '\'.
local email = os.getenv("BENCH_EMAIL") or "bench@example.com"
local password = os.getenv("BENCH_PASSWORD") or "correct horse battery"

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"' .. email .. '","password":"' .. password .. '"}'
