#!/usr/bin/env bash
# Instructions per request of the signed-in pages, counted by valgrind's callgrind: unlike
# requests per second, the count does not move with whatever else the machine is doing, so
# two builds can be compared on a busy machine (docs/performance.md).
#
#   benches/tools/instructions.sh BINARY sqlite|postgres [LABEL]
#
# Serves the pages bench's data set (benches/tools/bench_data.py) with BINARY on a fresh
# database, makes the Transaction Manager's history with ten apply-to-all edits (a server
# without valgrind; their emails drained first), then serves it under callgrind and, for each
# page, counts the instructions of N requests (N=20) three times and prints the least per
# request. Only the portal's process is counted: PostgreSQL's own work is not.
# Needs valgrind, curl, python3, and psql for PostgreSQL (postgres://postgres@127.0.0.1:5432).
set -u
bin=$(realpath "$1"); be=$2; label=${3:-$(basename "$bin")}; N=${N:-20}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; cd "$work"
python3 "$here/bench_data.py" data.json
if [ "$be" = sqlite ]; then export DATABASE_URL=sqlite://$work/db.sqlite; else
  db=provisio_instructions_$$
  psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db" >/dev/null
  export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$db
fi
export PROVISIO_MFA=none PROVISIO_LOG=warn PROVISIO_RESEND_LIMIT=100000/h,100000/d
"$bin" migrate >/dev/null && "$bin" import data.json >/dev/null || { echo "import failed"; exit 1; }
[ "$be" = sqlite ] || psql -h 127.0.0.1 -U postgres -d "$db" -qc "VACUUM ANALYZE" >/dev/null

up() { for _ in $(seq 1 300); do curl -sf "$base/healthz" >/dev/null && return; sleep 0.5; done; echo "no server"; exit 1; }
signin() {
  rm -f jar
  local token code
  token=$(curl -s -c jar -b jar "$base/login" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"$//')
  code=$(curl -s -o /dev/null -w '%{http_code}' -c jar -b jar --data-urlencode email=u@p.example \
    --data-urlencode "password=bench password" --data-urlencode next= --data-urlencode "csrf_token=$token" "$base/login")
  [ "$code" = 303 ] || { echo "sign-in answered $code"; exit 1; }
  csrf=$(curl -s -b jar "$base/orders" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"$//')
}
queued() {
  if [ "$be" = sqlite ]; then
    python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT COUNT(*) FROM outbox WHERE status='queued'\").fetchone()[0])" "$work/db.sqlite"
  else psql -h 127.0.0.1 -U postgres -d "$db" -tAc "SELECT COUNT(*) FROM outbox WHERE status='queued'"; fi
}

port=$((20000 + RANDOM % 20000)); base=http://127.0.0.1:$port
"$bin" serve --bind "127.0.0.1:$port" >serve0.log 2>&1 & pid=$!
up; signin
for i in $(seq 0 9); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -b jar --data-urlencode "email=new$i@customer.example" \
    --data-urlencode apply_to_all=on --data-urlencode "csrf_token=$csrf" "$base/orders/WO-100/lines/Sub-100-00000/contact")
  [ "$code" = 303 ] || { echo "edit answered $code"; kill $pid; exit 1; }
done
for _ in $(seq 1 300); do [ "$(queued)" = 0 ] && break; sleep 0.5; done
kill $pid; wait $pid 2>/dev/null

port=$((20000 + RANDOM % 20000)); base=http://127.0.0.1:$port
valgrind --tool=callgrind --callgrind-out-file="$work/cg.%p" "$bin" serve --bind "127.0.0.1:$port" >serve.log 2>&1 & pid=$!
up; signin
for path in /orders/WO-100 /orders/WO-10000 /orders /subscriptions /transactions; do
  urls=(); for _ in $(seq 1 "$N"); do urls+=("$base$path"); done
  curl -s -b jar "${urls[@]:0:5}" >/dev/null
  bytes=$(curl -s -b jar "$base$path" | wc -c)
  best=
  for _ in 1 2 3; do
    callgrind_control -z $pid >/dev/null
    curl -s -b jar "${urls[@]}" >/dev/null
    callgrind_control -d $pid >/dev/null
    out=$(ls -t "$work"/cg.* | head -1)
    ir=$(grep -m1 '^summary:\|^totals:' "$out" | awk '{print $2}'); rm -f "$out"
    if [ -z "$best" ] || [ "$ir" -lt "$best" ]; then best=$ir; fi
  done
  printf '%-12s %-8s %-16s %7d bytes %12d instructions per request\n' "$label" "$be" "$path" "$bytes" $((best / N))
done
kill $pid; wait $pid 2>/dev/null
[ "$be" = sqlite ] || psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE $db WITH (FORCE)" >/dev/null
