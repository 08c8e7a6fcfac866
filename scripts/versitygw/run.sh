#!/usr/bin/env bash
# Peer conformance: runs the S3 integration tests shipped with versitygw
# v1.8.0 (`versitygw test NAME`) against a real `wicket serve` on loopback,
# one test per process, each by name. The selection is the explicit list
# scripts/versitygw/tests.txt (one test name per line); see --list.
#
#   bash scripts/versitygw/run.sh                 all tests in tests.txt
#   bash scripts/versitygw/run.sh REGEX...        only the names matching one
#                                                 of the extended regexes,
#                                                 e.g. '^PostObject_' 'Cors'
#   bash scripts/versitygw/run.sh --list          regenerate the selection from
#                                                 `versitygw test --help` by
#                                                 family name, diff it against
#                                                 tests.txt and print its count
#   bash scripts/versitygw/run.sh --install       only install versitygw
#
# Environment:
#   VGW_SHARDS=2     servers+runners in parallel (each its own server, port
#                    and data directory); 1 runs everything in one shard
#   VGW_TIMEOUT=30   seconds per test before it is killed (counted FAIL)
#   VGW_OUT=DIR      where logs go (default scripts/versitygw/out):
#                    DIR/logs/NAME.log   output of each failed test
#                    DIR/failed.txt      names of the failed tests
#                    DIR/passed.txt      names of the passed tests
#                    DIR/server-N.log    server logs of shard N
#                    DIR/leftovers.txt   passing tests that left a bucket
#   VERSITYGW=PATH   use this versitygw binary instead of installing one
#
# Output: one line per test, "PASS name" or "FAIL name", then
# "versitygw: N passed, N failed". Exit status is 0 either way (the suite is
# a conformance measurement, not a gate); set VGW_STRICT=1 to exit 1 on any
# failure.
#
# Isolation: versitygw names its buckets test-bucket-1, -2, ... per process,
# so a bucket a failed test leaves behind would break the next test. After
# each test the runner lists the buckets; when a test failed, left a bucket
# behind, or the server stopped answering, the shard's server is restarted on
# a fresh, empty data directory (~0.1 s), which also drops leftover objects,
# multipart uploads, policies and CORS configurations.
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
here=$root/scripts/versitygw

VGW_VERSION=v1.8.0
VGW_PKG=github.com/versity/versitygw/cmd/versitygw
SHARDS=${VGW_SHARDS:-2}
TIMEOUT=${VGW_TIMEOUT:-30}
OUT=${VGW_OUT:-$here/out}
AK=AKIAVERSITYGWROOT001
SK=versitygw-root-secret-00000000000000000000

# --- versitygw ---------------------------------------------------------------
# Installed with `go install` through the Go module proxy into a cache
# directory, once per version (a cold install downloads ~200 modules and
# builds them: several minutes).
install_versitygw() {
	if [[ -n "${VERSITYGW:-}" ]]; then
		vgw=$(realpath "$VERSITYGW")
		return 0
	fi
	local bin="${XDG_CACHE_HOME:-$HOME/.cache}/wicket-versitygw/$VGW_VERSION/bin"
	vgw=$bin/versitygw
	[[ -x "$vgw" ]] && return 0
	echo "installing versitygw $VGW_VERSION into $bin (takes a few minutes)" >&2
	mkdir -p "$bin"
	# Outside the wicket module, so its go.mod and GOFLAGS play no part.
	(cd / && GOBIN="$bin" GOFLAGS= go install "$VGW_PKG@$VGW_VERSION") || {
		echo "go install $VGW_PKG@$VGW_VERSION failed" >&2
		exit 1
	}
}

# The families of the conformance issue, as the first "_"-separated word of
# a test name. Tests named with typos of a family (CompletedMultipartUpload_,
# UnsignedStreaminPayloadTrailer_) are not matched: the issue counts 511.
FAMILIES=(
	PutObject GetObject HeadObject CopyObject DeleteObject DeleteObjects
	ListObjects ListObjectsV2 CreateBucket DeleteBucket HeadBucket ListBuckets
	GetBucketLocation
	CreateMultipartUpload UploadPart UploadPartCopy CompleteMultipartUpload
	AbortMultipartUpload ListMultipartUploads ListParts
	PresignedAuth Authentication
	SignedStreamingPayload SignedStreamingPayloadTrailer UnsignedStreamingPayloadTrailer
	PostObject
	PutBucketCors GetBucketCors DeleteBucketCors PreflightOPTIONS CORSMiddleware
	PutObjectTagging GetObjectTagging DeleteObjectTagging
	PutBucketPolicy GetBucketPolicy DeleteBucketPolicy
)

list_selection() {
	local re
	re="^($(IFS='|'; echo "${FAMILIES[*]}"))_"
	"$vgw" test --help 2>&1 | awk '/ Runs .* integration test$/ {print $1}' |
		grep -E "$re" | LC_ALL=C sort
}

case "${1:-}" in
--install)
	install_versitygw
	echo "$vgw"
	exit 0
	;;
--list)
	install_versitygw
	tmp=$(mktemp)
	list_selection >"$tmp"
	echo "selection from the listing: $(wc -l <"$tmp") tests (the issue says 511)"
	if diff -u "$here/tests.txt" "$tmp"; then
		echo "tests.txt is up to date"
	else
		echo "tests.txt differs (- tests.txt, + listing)"
	fi
	rm -f "$tmp"
	exit 0
	;;
-h | --help)
	sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
	exit 0
	;;
esac

install_versitygw

# --- selection ---------------------------------------------------------------
mapfile -t tests < <(grep -v '^[[:space:]]*\(#\|$\)' "$here/tests.txt")
if (($# > 0)); then
	mapfile -t tests < <(printf '%s\n' "${tests[@]}" | grep -E "$(IFS='|'; echo "$*")")
fi
if ((${#tests[@]} == 0)); then
	echo "no test selected" >&2
	exit 1
fi
((SHARDS < 1)) && SHARDS=1
((SHARDS > ${#tests[@]})) && SHARDS=${#tests[@]}

# --- wicket ------------------------------------------------------------------
work=$(mktemp -d)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

go build -o "$work/wicket" ./cmd/wicket || exit 1

rm -rf "$OUT/logs"
mkdir -p "$OUT/logs"
: >"$OUT/failed.txt"
: >"$OUT/passed.txt"

free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# A clean AWS environment for versitygw's SDK: no profile, no CA bundle.
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_CA_BUNDLE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3 \
	AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION AWS_DEFAULT_REGION
export AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=$work/aws-config AWS_SHARED_CREDENTIALS_FILE=$work/aws-credentials
: >"$AWS_CONFIG_FILE"
: >"$AWS_SHARED_CREDENTIALS_FILE"

EMPTY_SHA=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855

# run_shard N TEST...: one server, tests run one after another.
run_shard() {
	local shard=$1
	shift
	local port endpoint spid="" data=$work/data-$shard slog=$OUT/server-$shard.log
	port=$(free_port)
	endpoint=http://127.0.0.1:$port
	: >"$slog"

	start_server() {
		if [[ -n "$spid" ]]; then
			kill "$spid" 2>/dev/null
			wait "$spid" 2>/dev/null
		fi
		rm -rf "$data"
		WICKET_ROOT_ACCESS_KEY=$AK WICKET_ROOT_SECRET_KEY=$SK \
			"$work/wicket" serve --addr "127.0.0.1:$port" --data "$data" --log-level warn >>"$slog" 2>&1 &
		spid=$!
		local _
		for _ in $(seq 200); do
			curl -fsS "$endpoint/_wicket/health" >/dev/null 2>&1 && return 0
			sleep 0.05
		done
		echo "shard $shard: wicket did not start (see $slog)" >&2
		return 1
	}
	# leftover_buckets: prints the names of the buckets; fails when the
	# server does not answer ListBuckets.
	leftover_buckets() {
		local xml
		xml=$(curl -fsS --max-time 10 --aws-sigv4 "aws:amz:us-east-1:s3" --user "$AK:$SK" \
			-H "x-amz-content-sha256: $EMPTY_SHA" "$endpoint/") || return 1
		grep -o '<Name>[^<]*</Name>' <<<"$xml" | sed 's/<[^>]*>//g'
		return 0
	}

	trap '[[ -n "$spid" ]] && kill "$spid" 2>/dev/null' EXIT
	trap 'exit 143' INT TERM
	# versitygw runs "./versitygw admin ..." for its user-account tests;
	# an empty working directory makes those fail the same way everywhere.
	mkdir -p "$work/cwd-$shard"
	cd "$work/cwd-$shard" || return 1
	start_server || return 1
	local t log rc left
	for t in "$@"; do
		log=$work/$shard.log
		timeout -k 5 "$TIMEOUT" "$vgw" test -a "$AK" -s "$SK" -e "$endpoint" "$t" >"$log" 2>&1
		rc=$?
		if left=$(leftover_buckets); then :; else left="(server not answering)"; fi
		if ((rc == 0)) && ! grep -q 'FAIL ' "$log"; then
			echo "PASS $t"
			echo "$t" >>"$OUT/passed.txt"
		else
			echo "FAIL $t"
			echo "$t" >>"$OUT/failed.txt"
			{
				sed 's/\x1b\[[0-9;]*m//g' "$log"
				((rc == 124 || rc == 137)) && echo "(killed after ${TIMEOUT}s)"
				echo "(exit status $rc)"
			} >"$OUT/logs/$t.log"
		fi
		if ((rc != 0)) || [[ -n "$left" ]]; then
			if [[ -n "$left" && $rc == 0 ]]; then
				echo "$t: left buckets behind: $left" >>"$OUT/leftovers.txt"
			fi
			echo "--- restart after $t" >>"$slog"
			start_server || return 1
		fi
	done
}

: >"$OUT/leftovers.txt"
start=$SECONDS
# Deal the tests round-robin so that each shard gets a mix of families.
for ((s = 0; s < SHARDS; s++)); do
	part=()
	for ((i = s; i < ${#tests[@]}; i += SHARDS)); do part+=("${tests[i]}"); done
	run_shard "$s" "${part[@]}" &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
pids=()

LC_ALL=C sort -o "$OUT/failed.txt" "$OUT/failed.txt"
LC_ALL=C sort -o "$OUT/passed.txt" "$OUT/passed.txt"
passed=$(wc -l <"$OUT/passed.txt")
failed=$(wc -l <"$OUT/failed.txt")
missing=$((${#tests[@]} - passed - failed))
if ((missing > 0)); then
	echo "$missing tests did not run (a server failed to start; see $OUT/server-*.log)" >&2
	failed=$((failed + missing))
fi
echo "selected ${#tests[@]} tests, $((SECONDS - start))s; failures: $OUT/failed.txt, logs: $OUT/logs/" >&2
echo "versitygw: $passed passed, $failed failed"
if [[ "${VGW_STRICT:-0}" == 1 ]] && ((failed > 0)); then
	exit 1
fi
exit 0
