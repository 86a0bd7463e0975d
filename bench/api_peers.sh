#!/usr/bin/env bash
# The API rows of ../shared/bench/against-peers.sh on their own, against a corpus and home it kept
# (BENCH_DIR=DIR bash ../shared/bench/against-peers.sh N): a fresh `reckon serve`, Datasette on the
# same SQLite file, wrk twice over record ids drawn from all N, then once over 3,000 varied searches.
#   bash bench/api_peers.sh DIR N
#   SRC=/tmp/main-src bash bench/api_peers.sh DIR N     # another version's code (git archive main | tar -x -C /tmp/main-src)
#   SERVE_ARGS=--no-ingest bash bench/api_peers.sh DIR N  # a home without the corpus or a built site
# The id and search scripts are the shared script's own (same seed, same queries).
set -u
W=$1; N=$2; PY=.venv/bin/python; RK=.venv/bin/reckon; home=$W/home; corpus=$W/corpus
export RECKON_SEARCH_ENGINE=${RECKON_SEARCH_ENGINE:-tantivy}
[ -n "${SRC:-}" ] && export PYTHONPATH=$SRC
cat > "$W/ids.lua" <<'L'
counter = 0
request = function() counter = counter + 1; local id = string.format("rec-bench-%06d", (counter * 7919 + math.random(0, 99999)) % tonumber(os.getenv("N"))); local p = string.gsub(wrk.path, "ID", id); return wrk.format("GET", p) end
L
$PY - "$W" <<'PY'
import random, sys
words = open(sys.argv[1] + "/words.txt").read().split(); r = random.Random(5); paths = []
for i in range(3000):
    k = r.random(); a, b = r.choice(words), r.choice(words)
    q = a if k < .35 else f"{a}+{b}" if k < .55 else f"%22{a}+{b}%22" if k < .7 else f"{a}~" if k < .8 else f"{a}&harm_type=ht-bench-{r.randrange(24):02d}&from={1850 + r.randrange(100)}&to={1960 + r.randrange(60)}"
    paths.append(f'"/api/search?q={q}"')
open(sys.argv[1] + "/search.lua", "w").write("paths = {" + ",".join(paths) + "}\ncounter = 0\nrequest = function() counter = counter + 1; return wrk.format('GET', paths[(counter % #paths) + 1]) end\n")
PY
echo "== API rows, $N records, ${SRC:-$(git rev-parse --short HEAD)}, load $(cut -d' ' -f1-3 /proc/loadavg)"
$RK --home "$home" serve ${SERVE_ARGS:---content "$corpus"} --port 8791 >"$W/serve.log" 2>&1 & RS=$!
.venv/bin/datasette serve "$home/reckon.db" --port 8792 --setting default_cache_ttl 0 >"$W/ds.log" 2>&1 & DS=$!
for i in $(seq 1 600); do curl -fs -o /dev/null http://127.0.0.1:8791/api/records/rec-bench-000500 && curl -fs -o /dev/null http://127.0.0.1:8792/reckon/record/rec-bench-000500.json && break; sleep 1; done
for r in 1 2; do
  echo "record GET, distinct ids, reckon:    $(N=$N wrk -t2 -c32 -d10s --latency -s "$W/ids.lua" http://127.0.0.1:8791/api/records/ID 2>&1 | grep -E 'Requests/sec|99%|Non-2xx' | tr -s ' ' | tr '\n' ' ')"
  echo "record GET, distinct ids, datasette: $(N=$N wrk -t2 -c32 -d10s --latency -s "$W/ids.lua" http://127.0.0.1:8792/reckon/record/ID.json 2>&1 | grep -E 'Requests/sec|99%|Non-2xx' | tr -s ' ' | tr '\n' ' ')"
done
echo "search, varied queries, reckon:      $(wrk -t2 -c16 -d10s --latency -s "$W/search.lua" http://127.0.0.1:8791 2>&1 | grep -E 'Requests/sec|99%|Non-2xx' | tr -s ' ' | tr '\n' ' ')"
kill $RS $DS 2>/dev/null; wait $RS $DS 2>/dev/null
echo "== load $(cut -d' ' -f1-3 /proc/loadavg)"
