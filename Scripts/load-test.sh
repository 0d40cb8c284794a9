#!/usr/bin/env bash
# The README's API load test: a fresh service (SQLite by default; STORE="--postgres URL"), a small
# venue seeded through the API, then wrk posting fills between two pairs of accounts.
#   swift build -c release --product solvent && Scripts/load-test.sh
#   CONNECTIONS=128 DURATION=15 STORE="--postgres postgres://postgres@127.0.0.1:5432/solvent_load" Scripts/load-test.sh
#   BATCH=10 Scripts/load-test.sh     # POST /v1/fills/batch, 10 fills a request (each its own journaled input)
# Seeds a fresh service and runs wrk against /v1/fills. Usage: loadtest.sh [extra serve args]
set -e
rm -f "${TMPDIR:-/tmp}/solvent-load.db"*
"$(dirname "$0")/../.build/release/solvent" serve ${STORE:---db "${TMPDIR:-/tmp}/solvent-load.db"} --port 18090 "$@" 2>/tmp/load.err &
sleep 2
ADMIN=$(grep -o "sk_[0-9a-f]*" /tmp/load.err | head -1)
H="Authorization: Bearer $ADMIN"
ORACLE=$(curl -s -X POST localhost:18090/v1/keys -H "$H" -d '{"role":"oracle"}' | python3 -c "import json,sys;print(json.load(sys.stdin)['key'])")
curl -s -X POST localhost:18090/v1/assets -H "$H" -d '{"id":1,"symbol":"USDT","scale":6,"priceMaxAgeSeconds":86400}' >/dev/null
curl -s -X POST localhost:18090/v1/index-prices -H "Authorization: Bearer $ORACLE" -d '{"asset":1,"price":"1"}' >/dev/null
curl -s -X POST localhost:18090/v1/markets -H "$H" -d '{"id":1,"symbol":"BTCUSDT","settleAsset":1,"contractSize":"1","tickSize":"0.1","lotSize":"0.001","tiers":[{"initial":"0.01","maintenance":"0.005"}],"priceMaxAgeSeconds":86400}' >/dev/null
curl -s -X POST localhost:18090/v1/prices -H "Authorization: Bearer $ORACLE" -d '{"market":1,"mark":"60000"}' >/dev/null
for a in 1 2 3 4; do curl -s -X POST localhost:18090/v1/accounts -H "$H" -d "{\"account\":$a}" >/dev/null; curl -s -X POST localhost:18090/v1/deposits -H "$H" -d "{\"account\":$a,\"asset\":1,\"amount\":\"100000000\"}" > /dev/null; done
BATCH=${BATCH:-1}
sed "s/ADMINKEY/$ADMIN/; s/BATCHSIZE/$BATCH/" > /tmp/fills.lua <<'EOF'
counter = 0
batch = BATCHSIZE
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer ADMINKEY"
wrk.headers["Content-Type"] = "application/json"
local function fill()
  counter = counter + 1
  local b, s = 1, 2
  if counter % 2 == 0 then b, s = 2, 1 end
  if counter % 4 >= 2 then b, s = b + 2, s + 2 end
  return '{"market":1,"buyer":' .. b .. ',"seller":' .. s .. ',"quantity":"0.001","price":"60000","taker":"buyer"}'
end
request = function()
  if batch == 1 then return wrk.format(nil, "/v1/fills", nil, fill()) end
  local items = {}
  for i = 1, batch do items[i] = fill() end
  return wrk.format(nil, "/v1/fills/batch", nil, '{"fills":[' .. table.concat(items, ",") .. ']}')
end
EOF
# The service's own count of applied commands before and after: fills per second whatever the batch.
applied() { curl -s localhost:18090/metrics | awk '/solvent_commands_total\{result="applied"\}/ {print $2}'; }
START=$(applied); T0=$(date +%s.%N)
wrk -t${THREADS:-1} -c${CONNECTIONS:-128} -d${DURATION:-15}s --latency -s /tmp/fills.lua http://127.0.0.1:18090
END=$(applied); T1=$(date +%s.%N)
curl -s localhost:18090/metrics | grep 'solvent_commands_total'
python3 -c "n = $END - $START; t = $T1 - $T0; print(f'durable fills applied: {n:.0f} in {t:.2f} s = {n / t:.0f} fills/s ($BATCH per request)')"
[ -n "$KEEP" ] || pkill -f "solvent serve" || true
