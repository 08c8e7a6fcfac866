#!/usr/bin/env bash
# Performance of Wicket beside MinIO and nginx, on this machine, in one run.
#
#   bash scripts/perf/run.sh
#
# It builds wicket and the load tool (cmd/s3bench), builds MinIO from the Go
# module proxy (github.com/minio/minio at its latest version, cached so that
# a rerun starts at once), installs nginx if it is missing, starts all three
# on loopback with their data on the same disk, and drives each with the same
# s3bench. It prints one row per target with both numbers, their ratio and
# PASS or FAIL, then the same table in Markdown for the README. Exits 1 when
# a target is missed.
#
# Environment:
#   DURATION=10s        measured time of each throughput scenario (plus WARMUP)
#   WARMUP=2s           load before measuring, not counted
#   REPEAT=1            runs of each scenario per server, alternating; the best
#                       counts (other load on a shared machine only slows a run)
#   WICKET_LOG_LEVEL    passed to wicket serve --log-level (its default: info)
#   MINIO_VERSION       a MinIO module version instead of the latest
#   PERF_CACHE          where MinIO binaries are kept (~/.cache/wicket-perf)
#   KEEP=1              keep the work directory (data, logs, raw results)
#
# Every load goes to 127.0.0.1 only, and every run is bounded in time.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD

DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
REPEAT=${REPEAT:-1}
PERF_CACHE=${PERF_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/wicket-perf}

# The same key pair for both servers. MinIO takes it as its root user.
export AWS_ACCESS_KEY_ID=AKIAPERFROOT00000001
export AWS_SECRET_ACCESS_KEY=perf-root-secret-000000000000000000000000
unset AWS_SESSION_TOKEN

work="$(mktemp -d /tmp/wicket-perf.XXXXXX)"
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	if [[ "${KEEP:-}" == 1 ]]; then
		echo "kept $work" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '==> %s\n' "$*" >&2; }

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_http() { # wait_http URL: until it answers 2xx, for at most 30 s
	local i
	for i in $(seq 300); do
		curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "no answer from $1" >&2
	return 1
}

# --- Build -------------------------------------------------------------------
mkdir -p "$work/bin"
log "go build wicket and s3bench ($(go version | cut -d' ' -f3))"
go build -o "$work/bin/wicket" ./cmd/wicket
go build -o "$work/bin/s3bench" ./cmd/s3bench

minio_bin() { # prints the path of a MinIO binary, building it if needed
	mkdir -p "$PERF_CACHE"
	local version=${MINIO_VERSION:-}
	if [[ -z "$version" ]]; then
		# Outside the module, so that its go.mod has no say.
		version=$(cd "$work" && GOFLAGS=-mod=mod go list -m -f '{{.Version}}' github.com/minio/minio@latest 2>/dev/null) || version=""
	fi
	if [[ -z "$version" ]]; then
		local cached
		cached=$(ls -t "$PERF_CACHE"/minio-* 2>/dev/null | head -1)
		[[ -n "$cached" ]] || { echo "cannot resolve github.com/minio/minio@latest and no MinIO is cached" >&2; return 1; }
		log "module proxy unreachable; using cached $(basename "$cached")"
		echo "$cached"
		return
	fi
	local bin="$PERF_CACHE/minio-$version"
	if [[ ! -x "$bin" ]]; then
		log "go install github.com/minio/minio@$version (once; several minutes)"
		local gobin="$work/minio-build"
		if ! (cd "$work" && GOBIN="$gobin" go install "github.com/minio/minio@$version") >&2; then
			# A MinIO that needs a newer Go: the approved toolchain comes from
			# the module proxy like any module.
			log "retrying with GOTOOLCHAIN=go1.27.3"
			(cd "$work" && GOTOOLCHAIN=go1.27.3 GOBIN="$gobin" go install "github.com/minio/minio@$version") >&2
		fi
		mv "$gobin/minio" "$bin"
	fi
	echo "$bin"
}
MINIO=$(minio_bin)
minio_version=$(basename "$MINIO" | sed 's/^minio-//')

apt_install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2; }
if ! command -v nginx >/dev/null; then
	log "apt-get install nginx-light"
	apt_install nginx-light || apt_install nginx
fi
if ! command -v strace >/dev/null; then
	log "apt-get install strace (to count each server's sync calls)"
	apt_install strace || true
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

# --- Servers -----------------------------------------------------------------
start_wicket() { # start_wicket NAME: sets wicket_pid and wicket_url
	local port
	port=$(free_port)
	WICKET_ROOT_ACCESS_KEY=$AWS_ACCESS_KEY_ID WICKET_ROOT_SECRET_KEY=$AWS_SECRET_ACCESS_KEY \
		"$work/bin/wicket" serve --addr "127.0.0.1:$port" --data "$work/$1" \
		${WICKET_LOG_LEVEL:+--log-level "$WICKET_LOG_LEVEL"} >"$work/$1.log" 2>&1 &
	wicket_pid=$!
	pids+=("$wicket_pid")
	wicket_url="http://127.0.0.1:$port"
	wait_http "$wicket_url/_wicket/health"
}

start_wicket wicket-data
WICKET_PID=$wicket_pid
WICKET=$wicket_url
log "wicket on $WICKET (pid $WICKET_PID, log level ${WICKET_LOG_LEVEL:-default})"

port=$(free_port)
console=$(free_port)
MINIO_ROOT_USER=$AWS_ACCESS_KEY_ID MINIO_ROOT_PASSWORD=$AWS_SECRET_ACCESS_KEY \
	MINIO_BROWSER=off MINIO_UPDATE=off \
	"$MINIO" server "$work/minio-data" --address "127.0.0.1:$port" --console-address "127.0.0.1:$console" --quiet \
	>"$work/minio.log" 2>&1 &
MINIO_PID=$!
pids+=("$MINIO_PID")
MINIO_URL="http://127.0.0.1:$port"
wait_http "$MINIO_URL/minio/health/ready"
log "minio $minio_version on $MINIO_URL (pid $MINIO_PID, single drive)"

# nginx serves the same 64 MiB object as a static file, at the same path.
LARGE=$((64 << 20))
BUCKET=perf
mkdir -p "$work/www/$BUCKET/s3bench/$LARGE" "$work/nginx"
head -c "$LARGE" /dev/urandom >"$work/www/$BUCKET/s3bench/$LARGE/0"
port=$(free_port)
cat >"$work/nginx/nginx.conf" <<EOF
daemon off;
user root;
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	client_body_temp_path $work/nginx/body;
	proxy_temp_path $work/nginx/proxy;
	fastcgi_temp_path $work/nginx/fastcgi;
	uwsgi_temp_path $work/nginx/uwsgi;
	scgi_temp_path $work/nginx/scgi;
	default_type application/octet-stream;
	server {
		listen 127.0.0.1:$port;
		root $work/www;
	}
}
EOF
"$NGINX" -e "$work/nginx/error.log" -p "$work/nginx" -c "$work/nginx/nginx.conf" &
pids+=($!)
NGINX_URL="http://127.0.0.1:$port"
wait_http "$NGINX_URL/$BUCKET/s3bench/$LARGE/0"
log "nginx $("$NGINX" -v 2>&1 | sed 's/.*\///') on $NGINX_URL"

# --- Load --------------------------------------------------------------------
bench() { # bench URL ARGS...: prints s3bench's JSON line
	"$work/bin/s3bench" --endpoint "$1" --bucket "$BUCKET" --timeout 5m "${@:2}"
}
field() { # field NAME JSON
	sed -n "s/.*\"$1\":\([-0-9.e+]*\).*/\1/p" <<<"$2"
}
# better METRIC JSON JSON: the better of two results (more ops/s, more MB/s,
# or a lower p50).
better() {
	local a b
	a=$(field "$1" "$2")
	b=$(field "$1" "$3")
	if [[ -z "$a" ]]; then echo "$3"; return; fi
	if [[ -z "$b" ]]; then echo "$2"; return; fi
	if awk -v a="$a" -v b="$b" -v m="$1" 'BEGIN { exit !(m == "p50_ms" ? b < a : b > a) }'; then
		echo "$3"
	else
		echo "$2"
	fi
}

# scenario NAME METRIC ARGS...: runs ARGS against wicket and the other
# server(s) REPEAT times, alternating, and sets W and O (JSON lines) to the
# best of each. The other server is $other (MinIO unless set).
scenario() {
	local name=$1 metric=$2 i
	shift 2
	W="" O=""
	for ((i = 0; i < REPEAT; i++)); do
		# Odd repetitions run the other server first, so that neither
		# always follows the other's writeback or warm caches.
		if ((i % 2 == 0)); then
			run_wicket "$name" "$metric" "$@"
			run_other "$name" "$metric" "$@"
		else
			run_other "$name" "$metric" "$@"
			run_wicket "$name" "$metric" "$@"
		fi
	done
}
run_wicket() {
	local name=$1 metric=$2 w
	shift 2
	sync # the previous run's writeback is not this run's cost
	w=$(bench "$WICKET" "$@" || true)
	echo "$name wicket: $w" >>"$work/raw.txt"
	W=$(better "$metric" "$W" "$w")
}
run_other() {
	local name=$1 metric=$2 o
	shift 2
	sync
	o=$(bench "$other" ${other_args[@]+"${other_args[@]}"} "$@" || true)
	echo "$name other: $o" >>"$work/raw.txt"
	O=$(better "$metric" "$O" "$o")
}

rows=()
failed=0
# row LABEL WICKET OTHER RATIO TARGET PASS: one line of the table
row() {
	rows+=("$1|$2|$3|$4|$5|$6")
	[[ "$6" == PASS ]] || failed=$((failed + 1))
	printf '%-46s %16s %16s %8s %8s  %s\n' "$1" "$2" "$3" "$4" "$5" "$6" >&2
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
pass() { # pass VALUE OP LIMIT
	awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN { ok = (op == ">=" ? v >= l : v <= l); print (v != "n/a" && ok ? "PASS" : "FAIL") }'
}
ops_row() { # ops_row LABEL TARGET: from W and O, in requests per second
	local w o r
	w=$(field ops_per_sec "$W")
	o=$(field ops_per_sec "$O")
	r=$(ratio "${w:-0}" "${o:-0}")
	row "$1" "$(printf '%.0f/s' "${w:-0}")" "$(printf '%.0f/s' "${o:-0}")" "$r" "≥ $2" "$(pass "$r" ">=" "$2")"
}
mb_row() { # mb_row LABEL TARGET: from W and O, in MB/s
	local w o r
	w=$(field mb_per_sec "$W")
	o=$(field mb_per_sec "$O")
	r=$(ratio "${w:-0}" "${o:-0}")
	row "$1" "$(printf '%.0f MB/s' "${w:-0}")" "$(printf '%.0f MB/s' "${o:-0}")" "$r" "≥ $2" "$(pass "$r" ">=" "$2")"
}

printf '\n%-46s %16s %16s %8s %8s  %s\n' "scenario (32 connections unless said)" "wicket" "minio / nginx" "ratio" "target" "result" >&2

small=(--size 4KiB --concurrency 32 --duration "$DURATION" --warmup "$WARMUP")
other=$MINIO_URL other_args=()
# Both servers get the bucket and 1000 objects of 4 KiB.
bench "$WICKET" --op get --prepare --objects 1000 --size 4KiB --count 1 >/dev/null
bench "$MINIO_URL" --op get --prepare --objects 1000 --size 4KiB --count 1 >/dev/null

scenario "get" ops_per_sec --op get "${small[@]}"
ops_row "4 KiB GET, header-signed" 2.0
scenario "get-presigned" ops_per_sec --op get-presigned "${small[@]}"
ops_row "4 KiB GET, presigned" 2.0
scenario "put" ops_per_sec --op put --objects 1000000 "${small[@]}"
ops_row "4 KiB PUT, durable, signed payload" 2.0

scenario "latency" p50_ms --op latency --size 4KiB --duration "$DURATION" --warmup "$WARMUP"
w=$(field p50_ms "$W")
o=$(field p50_ms "$O")
row "4 KiB GET on 1 connection, median (MinIO/Wicket)" "${w:-?} ms" "${o:-?} ms" "$(ratio "${o:-0}" "${w:-0}")" "≤ 0.25ms" "$(pass "${w:-n/a}" "<=" 0.25)"

# 64 MiB GET: nginx is the reference; MinIO is shown beside it.
bench "$WICKET" --op get-large --prepare --size 64MiB --objects 1 --count 1 >/dev/null
bench "$MINIO_URL" --op get-large --prepare --size 64MiB --objects 1 --count 1 >/dev/null
big=(--size 64MiB --objects 1 --duration "$DURATION" --warmup "$WARMUP")
other=$NGINX_URL other_args=(--anonymous)
scenario "get-large" mb_per_sec --op get-large --concurrency 32 "${big[@]}"
mb_row "64 MiB GET vs nginx static file" 0.9
other=$MINIO_URL other_args=()
scenario "get-large-minio" mb_per_sec --op get-large --concurrency 32 "${big[@]}"
wm=$(field mb_per_sec "$W") mm=$(field mb_per_sec "$O")
printf '%-46s %16s %16s %8s\n' "  (the same against MinIO, for reference)" "$(printf '%.0f MB/s' "${wm:-0}")" "$(printf '%.0f MB/s' "${mm:-0}")" "$(ratio "${wm:-0}" "${mm:-0}")" >&2
minio_large_get="${mm:-0}"

scenario "put-large" mb_per_sec --op put-large --concurrency 1 "${big[@]}"
mb_row "64 MiB PUT, signed payload, 1 connection" 1.5
scenario "put-large-4" mb_per_sec --op put-large --concurrency 4 "${big[@]}"
wm=$(field mb_per_sec "$W") mm=$(field mb_per_sec "$O")
printf '%-46s %16s %16s %8s\n' "  (the same on 4 connections, for reference)" "$(printf '%.0f MB/s' "${wm:-0}")" "$(printf '%.0f MB/s' "${mm:-0}")" "$(ratio "${wm:-0}" "${mm:-0}")" >&2
put4="${wm:-0}|${mm:-0}"

# --- Durability --------------------------------------------------------------
# Counts the sync calls each server makes for 200 small PUTs: both must
# reach the disk before they answer.
syncs_per_put() { # syncs_per_put PID URL
	if ! command -v strace >/dev/null; then
		echo "n/a (no strace)"
		return
	fi
	local out="$work/strace.$1"
	strace -f -qq -c -e trace=fsync,fdatasync,sync_file_range,syncfs -o "$out" -p "$1" &
	local st=$!
	sleep 1
	bench "$2" --op put --size 4KiB --concurrency 8 --count 200 --objects 1000000 >/dev/null || true
	kill -INT "$st" 2>/dev/null
	wait "$st" 2>/dev/null || true
	awk '$NF ~ /^(fsync|fdatasync|sync_file_range|syncfs)$/ { n[$NF] = $4 } END {
		s = ""; t = 0
		for (k in n) { s = s (s == "" ? "" : ", ") n[k] " " k; t += n[k] }
		printf "%.2f per PUT (%s)", t / 200, s
	}' "$out"
}
wsync=$(syncs_per_put "$WICKET_PID" "$WICKET")
msync=$(syncs_per_put "$MINIO_PID" "$MINIO_URL")
echo "durable: 200 PUTs of 4 KiB, sync calls: wicket $wsync; minio $msync" >&2

# --- Memory ------------------------------------------------------------------
# A fresh wicket, so that nothing earlier counts: its resident set before,
# and its peak (VmHWM) over a 2 GiB PUT (generated as it is sent, signed)
# and the GET of it.
kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
start_wicket rss-data
bench "$wicket_url" --op put --prepare --size 4KiB --count 10 >/dev/null
bench "$wicket_url" --op get --prepare --size 4KiB --objects 10 --count 100 >/dev/null
rss0=$(kb "$wicket_pid" VmRSS)
echo 5 >"/proc/$wicket_pid/clear_refs" 2>/dev/null || true # resets VmHWM to the current RSS
hwm0=$(kb "$wicket_pid" VmHWM)
before=$((hwm0 > rss0 ? hwm0 : rss0))
# VmRSS sampled as well, in case the kernel cannot reset VmHWM.
(
	while kill -0 "$wicket_pid" 2>/dev/null; do
		kb "$wicket_pid" VmRSS
		sleep 0.02
	done
) >"$work/rss.samples" 2>/dev/null &
sampler=$!
pids+=("$sampler")
bput=$(bench "$wicket_url" --op put-large --size 2GiB --count 1 --concurrency 1 --objects 1 --fresh=false || true)
bget=$(bench "$wicket_url" --op get-large --size 2GiB --count 1 --concurrency 1 --objects 1 || true)
kill "$sampler" 2>/dev/null || true
peak=$(kb "$wicket_pid" VmHWM)
sampled=$(sort -n "$work/rss.samples" | tail -1)
peak=$((${sampled:-0} > peak ? ${sampled:-0} : peak))
grow=$(((peak - before) / 1024))
echo "2 GiB: PUT $(field mb_per_sec "$bput") MB/s, GET $(field mb_per_sec "$bget") MB/s; RSS $((before / 1024)) MiB before, peak $((peak / 1024)) MiB" >&2
if [[ -n "$(field ops_per_sec "$bput")" && -n "$(field ops_per_sec "$bget")" && $grow -lt 64 ]]; then
	r=PASS
else
	r=FAIL
fi
row "peak RSS growth, 2 GiB PUT then GET" "+$grow MiB" "" "" "< 64 MiB" "$r"

# --- Report ------------------------------------------------------------------
load=$(cut -d' ' -f1-3 /proc/loadavg)
cat <<EOF

Wicket $(git -C "$repo" describe --always --dirty 2>/dev/null || echo '?'), MinIO $minio_version (single drive), nginx $("$NGINX" -v 2>&1 | sed 's/.*\///'); $(go version | cut -d' ' -f3)
$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); load average at the end: $load; DURATION=$DURATION WARMUP=$WARMUP REPEAT=$REPEAT

| scenario | Wicket | MinIO (nginx) | ratio | target | |
|---|---:|---:|---:|---|---|
EOF
for r in "${rows[@]}"; do
	IFS='|' read -r a b c d e f <<<"$r"
	echo "| $a | $b | $c | $d | $e | $f |"
done
echo
echo "64 MiB GET against MinIO: $(printf '%.0f' "$minio_large_get") MB/s. 64 MiB PUT on 4 connections: Wicket ${put4%|*} MB/s, MinIO ${put4#*|} MB/s."
echo "Durability, sync calls for 200 PUTs of 4 KiB: Wicket $wsync; MinIO $msync."
echo "perf: $((${#rows[@]} - failed)) passed, $failed failed"
((failed == 0))
