#!/usr/bin/env bash
# The whole test suite, as CI runs it: on a fresh Debian machine as root, or
# on a developer's machine (where the installs below are quick no-ops).
#
#   bash scripts/test.sh
#
# It installs what the tests need, then runs, in order and stopping at the
# first failure: gofmt, go vet, staticcheck, and go test -race.
set -euo pipefail

cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive

step() {
	printf '\n==> %s\n' "$*"
}

# --- System packages -------------------------------------------------------
# Debian packages that tests need go in this list; the suite installs them
# itself so that a fresh machine passes: the AWS CLI v2 and boto3 for the
# interoperability checks (scripts/interop).
APT_PACKAGES=(awscli python3-boto3 curl chromium fonts-liberation)
if ((${#APT_PACKAGES[@]} > 0)); then
	missing=()
	for p in "${APT_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	if ((${#missing[@]} > 0)); then
		step "apt-get install ${missing[*]}"
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends "${missing[@]}"
	fi
fi

# --- Go tools --------------------------------------------------------------
STATICCHECK_VERSION=v0.8.2
GOBIN="$(go env GOBIN)"
GOBIN="${GOBIN:-$(go env GOPATH)/bin}"
export GOBIN PATH="$GOBIN:$PATH"
step "go install staticcheck@$STATICCHECK_VERSION"
go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"

# --- Checks ----------------------------------------------------------------
step "go version"
go version

step "gofmt -l ."
unformatted="$(gofmt -l .)"
if [[ -n "$unformatted" ]]; then
	echo "these files need gofmt -w:" >&2
	echo "$unformatted" >&2
	exit 1
fi

step "go vet ./..."
go vet ./...

step "staticcheck ./..."
staticcheck ./...

# Chromium is installed above, so the browser example's test must run, not
# skip: with this set, a missing browser is a failure.
export WICKET_BROWSER_TEST=1
step "go test -race ./..."
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# -count=1: CI should run the tests, not replay cached results; some tests
# run the built binary, which the test cache does not track.
status=0
go test -race -count=1 -v ./... >"$log" 2>&1 || status=$?
# The full -v output is kept for failures; success shows one line a package.
if ((status != 0)); then
	cat "$log"
else
	grep -E '^(ok|FAIL|\?|---)' "$log" | grep -v -- '--- PASS' || true
fi

# Allocation counts are only meaningful without the race detector, which
# allocates; these tests skip themselves under -race and run here.
step "go test (allocation assertions, without -race)"
go test -count=1 -v -run 'Allocs' ./sigv4/ ./policy/ >>"$log" 2>&1 || status=$?
grep -E '^(--- |ok|FAIL)' "$log" | grep -E 'Allocs|sigv4|policy' | tail -6 || true

passed=$(grep -cE '^\s*--- PASS' "$log" || true)
failed=$(grep -cE '^\s*--- FAIL' "$log" || true)
skipped=$(grep -cE '^\s*--- SKIP' "$log" || true)
packages=$(grep -cE '^(ok|FAIL)\s' "$log" || true)

# The Node interop checks run the AWS SDK for JavaScript and aws4 at the
# versions in scripts/interop/node/package-lock.json, on the machine's Node
# (20 or later). Without them run.sh reports one FAIL for the Node part and
# goes on with the rest.
step "npm ci (scripts/interop/node, examples/node-external-app)"
ilog="$(mktemp)"
trap 'rm -f "$log" "$ilog"' EXIT
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	echo "node and npm are not installed: the Node interop checks will fail" >&2
elif (($(node -p 'process.versions.node.split(".")[0]') < 20)); then
	echo "node $(node --version) is too old (the interop checks need 20 or later): the Node interop checks will fail" >&2
else
	for dir in scripts/interop/node examples/node-external-app; do
		if ! (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) >"$ilog" 2>&1; then
			echo "npm ci in $dir failed: its Node checks will fail" >&2
			sed 's/^/    /' "$ilog" | tail -30 >&2
			rm -rf "$dir/node_modules" # not a half-installed tree
		else
			echo "$dir: node $(node --version), npm $(npm --version): $(cd "$dir" && npm ls --depth=0 --parseable --long 2>/dev/null | tail -n +2 | cut -d: -f2 | paste -sd ' ')"
		fi
	done
fi

step "interop: AWS CLI, boto3 and Node against wicket serve"
istatus=0
bash scripts/interop/run.sh | tee "$ilog" || istatus=$?
ipassed=$(grep -cE '^PASS ' "$ilog" || true)
ifailed=$(grep -cE '^FAIL ' "$ilog" || true)
if ((istatus != 0 && ifailed == 0)); then
	ifailed=1 # the script itself failed before its checks
fi
passed=$((passed + ipassed))
failed=$((failed + ifailed))
if ((status == 0)); then status=$istatus; fi

printf '\n==> summary\n'
echo "gofmt, go vet, staticcheck: clean"
echo "go test -race: $packages packages; interop: $ipassed passed, $ifailed failed"
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
