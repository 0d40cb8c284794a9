#!/usr/bin/env bash
# Response and request conformance of the running service against openapi/openapi.json:
# starts `solvent serve` on a fresh journal and a free port, seeds a small venue through the API
# with the admin key serve prints on first start, and runs schemathesis (pip) over every
# operation with that key. Fails on a server error, an undocumented status code or content type,
# or a response that does not match its schema.
# Usage: Scripts/api-conformance.sh [path/to/solvent] [max examples per operation, default 20]
set -euo pipefail
cd "$(dirname "$0")/.."
SOLVENT=${1:-.build/debug/solvent}
EXAMPLES=${2:-20}
ST=$(command -v st || command -v schemathesis || true)
[ -n "$ST" ] || { echo "schemathesis is not installed (pip install schemathesis)"; exit 2; }
DIR=$(mktemp -d /tmp/solvent-conformance.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$SOLVENT" serve --db "$DIR/solvent.db" --port "$PORT" 2>"$DIR/serve.log" &
SERVE=$!
trap 'kill $SERVE 2>/dev/null || true; wait $SERVE 2>/dev/null || true; rm -rf "$DIR"' EXIT
for _ in $(seq 1 100); do grep -q "listening on" "$DIR/serve.log" 2>/dev/null && break; sleep 0.1; done
KEY=$(sed -n 's/.*admin key (shown once, stored hashed): //p' "$DIR/serve.log")
[ -n "$KEY" ] || { echo "no admin key from solvent serve:"; cat "$DIR/serve.log"; exit 1; }
BASE="http://127.0.0.1:$PORT"
call() { curl -sf -X "$1" "$BASE$2" -H "Authorization: Bearer $3" -H 'Content-Type: application/json' -d "$4" >/dev/null || { echo "seed failed: $1 $2"; exit 1; }; }
ORACLE=$(curl -sf -X POST "$BASE/v1/keys" -H "Authorization: Bearer $KEY" -d '{"role": "oracle"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
# A venue for the reads to describe: an asset, a market with liquidation rules and an oracle,
# funded accounts 1-4 holding positions, an option market and a smile, a collateral asset
# priced by its oracle.
call POST /v1/assets "$KEY" '{"id": 1, "symbol": "USDT", "scale": 6, "priceMaxAgeSeconds": 31536000}'
call POST /v1/index-prices "$ORACLE" '{"asset": 1, "price": "1"}'
call POST /v1/markets "$KEY" '{"id": 1, "symbol": "BTCUSDT", "settleAsset": 1, "contractSize": "1", "tickSize": "0.1", "lotSize": "0.001", "tiers": [{"cap": "1000000", "initial": "0.01", "maintenance": "0.005"}, {"initial": "0.05", "maintenance": "0.025"}], "priceMaxAgeSeconds": 31536000}'
call PUT /v1/markets/1/liquidation "$KEY" '{"mechanism": "auction", "lossAllocation": "adl"}'
call PUT /v1/markets/1/oracle "$KEY" '{"sources": [{"id": 1}, {"id": 2, "weight": 2}], "minimumSources": 1}'
call POST /v1/prices "$ORACLE" '{"market": 1, "mark": "60000", "index": "60000"}'
call POST /v1/insurance-fund "$KEY" '{"asset": 1, "amount": "100000"}'
for account in 1 2 3 4; do
  call POST /v1/accounts "$KEY" "{\"account\": $account}"
  call POST /v1/deposits "$KEY" "{\"account\": $account, \"asset\": 1, \"amount\": \"10000\"}"
done
call POST /v1/fills "$KEY" '{"market": 1, "buyer": 1, "seller": 2, "quantity": "1", "price": "60000"}'
call POST /v1/fills "$KEY" '{"market": 1, "buyer": 3, "seller": 4, "quantity": "0.5", "price": "60000"}'
call POST /v1/option-markets "$KEY" '{"id": 2, "symbol": "BTC-65000-C", "settleAsset": 1, "underlying": 1, "right": "call", "strike": "65000", "expirySeconds": 4102444800, "contractSize": "1", "tickSize": "0.1", "lotSize": "0.001", "tiers": [{"initial": "0.1", "maintenance": "0.05"}]}'
call POST /v1/volatility-smiles "$ORACLE" '{"underlying": 1, "expirySeconds": 4102444800, "strikes": ["55000", "65000"], "volatilities": ["0.6", "0.5"]}'
call POST /v1/assets "$KEY" '{"id": 2, "symbol": "ETH", "scale": 8, "priceMaxAgeSeconds": 31536000}'
call PUT /v1/assets/2/oracle "$KEY" '{"sources": [{"id": 1}, {"id": 2}, {"id": 3}], "minimumSources": 2}'
call POST /v1/collateral-samples "$ORACLE" '{"asset": 2, "samples": [{"source": 1, "price": "3000"}, {"source": 2, "price": "3001"}, {"source": 3, "price": "2999"}]}'
call POST /v1/deposits "$KEY" '{"account": 1, "asset": 2, "amount": "1"}'
call POST /v1/commitments "$KEY" '{}'
echo "solvent serve on $BASE, seeded; schemathesis $("$ST" --version | awk '{print $NF}'), at most $EXAMPLES examples per operation"
newkey() { curl -sf -X POST "$BASE/v1/keys" -H "Authorization: Bearer $KEY" -d "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])'; }
call POST /v1/accounts "$KEY" '{"account": 900}'
LIQUIDATOR=$(newkey '{"role": "liquidator", "account": 900}')
TRADER=$(newkey '{"role": "trader", "account": 1}')
CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
# One pass per role: the admin key over every operation but revoking and expiring keys (it finds
# the keys' ids and would end its own), then the oracle's, the liquidator's and the trader's own
# operations with their keys (an admin key gets 403 there), and the key lifecycle last.
FAILED=0
run() {
  local name=$1 key=$2; shift 2
  echo "== schemathesis: $name"
  "$ST" run "$BASE/openapi.json" --header "Authorization: Bearer $key" --checks "$CHECKS" \
    --max-examples "$EXAMPLES" --phases examples,coverage,fuzzing --seed 1 --no-color "$@" || FAILED=1
}
run admin "$KEY" --exclude-operation-id revokeKey --exclude-operation-id expireKey
run oracle "$ORACLE" --include-operation-id setMarkPrice --include-operation-id setIndexPrice --include-operation-id postOracleSamples \
  --include-operation-id postCollateralSamples --include-operation-id setVolatilitySmile --include-operation-id tick
run liquidator "$LIQUIDATOR" --include-operation-id liquidate --include-operation-id bidAuction --include-operation-id resetAuction \
  --include-operation-id registerBackstop --include-operation-id getAdlRanks
run trader "$TRADER" --include-operation-id getMyProof --include-operation-id getAccount --include-operation-id withdraw \
  --include-operation-id setLeverage --include-operation-id adjustIsolatedMargin --include-operation-id setMarginModel
run "admin: revoking and expiring keys" "$KEY" --include-operation-id revokeKey --include-operation-id expireKey
grep -q "Fatal error\|Assertion failed\|Precondition failed" "$DIR/serve.log" && { echo "solvent serve crashed:"; tail -20 "$DIR/serve.log"; FAILED=1; }
kill -0 $SERVE 2>/dev/null || { echo "solvent serve is no longer running"; tail -20 "$DIR/serve.log"; FAILED=1; }
exit $FAILED
