#!/usr/bin/env bash
# End-to-end interoperability: starts a real `wicket serve` on loopback and
# drives it with the AWS CLI v2 and boto3 (Debian's packages), and with the
# AWS SDK for JavaScript and aws4 (scripts/interop/node, installed there by
# `npm ci`), as a user would. Prints one PASS/FAIL line per check and, last,
# a line "interop: N passed, N failed". Exits non-zero when a check fails.
#
#   bash scripts/interop/run.sh        (scripts/test.sh runs it)
set -uo pipefail
cd "$(dirname "$0")/../.."

AWS=/usr/bin/aws
PY=/usr/bin/python3
work="$(mktemp -d)"
pid=""
cleanup() {
	[[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/wicket" ./cmd/wicket || exit 1

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
endpoint="http://127.0.0.1:$port"
export WICKET_ROOT_ACCESS_KEY=AKIAINTEROPROOT00001 WICKET_ROOT_SECRET_KEY=interop-root-secret-0000000000000000000
"$work/wicket" serve --addr "127.0.0.1:$port" --data "$work/data" --log-level warn >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
	curl -fsS "$endpoint/_wicket/health" >/dev/null 2>&1 && break
	sleep 0.1
done

# A clean AWS environment: only what this script sets.
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_CA_BUNDLE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3
export AWS_ACCESS_KEY_ID=$WICKET_ROOT_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$WICKET_ROOT_SECRET_KEY
export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_PAGER=""
export AWS_CONFIG_FILE="$work/aws-config" AWS_SHARED_CREDENTIALS_FILE="$work/aws-credentials"
printf '[default]\nregion = us-east-1\ns3 =\n    addressing_style = path\n' >"$AWS_CONFIG_FILE"
: >"$AWS_SHARED_CREDENTIALS_FILE"
export WICKET_ENDPOINT="$endpoint"

passed=0
failed=0
check() { # check NAME COMMAND...: passes when the command exits 0
	local name=$1
	shift
	if out=$("$@" 2>&1); then
		passed=$((passed + 1))
		echo "PASS $name"
	else
		failed=$((failed + 1))
		echo "FAIL $name"
		echo "$out" | sed 's/^/    /' | tail -20
	fi
}
s3() { "$AWS" --endpoint-url "$endpoint" s3 "$@"; }
s3api() { "$AWS" --endpoint-url "$endpoint" s3api "$@"; }
fails_with() { # fails_with CODE COMMAND...: the command fails and names CODE
	local code=$1
	shift
	local out
	if out=$("$@" 2>&1); then
		echo "succeeded, expected $code"
		return 1
	fi
	grep -q -- "$code" <<<"$out" || {
		echo "$out"
		return 1
	}
}

head -c 3000000 /dev/urandom >"$work/big.bin"
echo "hello wicket" >"$work/small.txt"
mkdir -p "$work/tree/sub dir" && echo a >"$work/tree/a.txt" && echo b >"$work/tree/sub dir/b.txt" && echo c >"$work/tree/c+d.txt"

echo "== AWS CLI $("$AWS" --version 2>&1)"
check "cli: mb" s3 mb s3://cli-bucket
check "cli: cp up" s3 cp "$work/big.bin" s3://cli-bucket/dir/big.bin
check "cli: cp down, identical" bash -c "$(declare -f s3); AWS=$AWS endpoint=$endpoint; s3 cp s3://cli-bucket/dir/big.bin '$work/big.out' && cmp '$work/big.bin' '$work/big.out'"
check "cli: multipart cp (8 MiB threshold)" bash -c "head -c 20000000 /dev/urandom >'$work/huge.bin' && $AWS --endpoint-url $endpoint s3 cp '$work/huge.bin' s3://cli-bucket/huge.bin && $AWS --endpoint-url $endpoint s3 cp s3://cli-bucket/huge.bin '$work/huge.out' && cmp '$work/huge.bin' '$work/huge.out'"
check "cli: sync" s3 sync "$work/tree" s3://cli-bucket/tree
check "cli: ls recursive sees synced keys" bash -c "$AWS --endpoint-url $endpoint s3 ls --recursive s3://cli-bucket/tree/ | grep -q 'tree/sub dir/b.txt' && $AWS --endpoint-url $endpoint s3 ls --recursive s3://cli-bucket/tree/ | grep -q 'tree/c+d.txt'"
# Empty files: botocore before 1.43.77 sends them with "Expect: 100-continue"
# and, answered without an interim 100, stalls its next request for 60 s.
check "cli: sync of empty files, no 60 s stall" bash -c "mkdir -p '$work/empties' && for i in 1 2 3 4 5; do : >'$work/empties/e'\$i; echo x >'$work/empties/f'\$i; done && timeout 30 $AWS --endpoint-url $endpoint s3 sync '$work/empties' s3://cli-bucket/empties && test \$($AWS --endpoint-url $endpoint s3 ls s3://cli-bucket/empties/ | wc -l) = 10"
# Listings give Last-Modified to the second, as GET does: a download synced
# with --exact-timestamps is not downloaded again.
check "cli: sync --exact-timestamps copies nothing the second time" bash -c "$AWS --endpoint-url $endpoint s3 sync s3://cli-bucket/tree '$work/tree.down' >/dev/null && out=\$($AWS --endpoint-url $endpoint s3 sync --exact-timestamps s3://cli-bucket/tree '$work/tree.down') && test -z \"\$out\""
check "cli: ls prefixes" bash -c "$AWS --endpoint-url $endpoint s3 ls s3://cli-bucket/ | grep -q 'PRE dir/'"
check "cli: presign + curl" bash -c "u=\$($AWS --endpoint-url $endpoint s3 presign s3://cli-bucket/dir/big.bin --expires-in 300) && curl -fsS \"\$u\" -o '$work/presigned.out' && cmp '$work/big.bin' '$work/presigned.out'"
check "cli: presigned URL refused once tampered" bash -c "u=\$($AWS --endpoint-url $endpoint s3 presign s3://cli-bucket/dir/big.bin) && code=\$(curl -s -o /dev/null -w '%{http_code}' \"\${u/big.bin/big.bim}\") && test \"\$code\" = 403"
check "s3api: ranged get" bash -c "$AWS --endpoint-url $endpoint s3api get-object --bucket cli-bucket --key dir/big.bin --range bytes=10-19 '$work/range.out' >/dev/null && cmp <(head -c 20 '$work/big.bin' | tail -c 10) '$work/range.out'"
etag=$(s3api head-object --bucket cli-bucket --key dir/big.bin --query ETag --output text 2>/dev/null)
check "s3api: if-none-match gives 304" fails_with "304" s3api get-object --bucket cli-bucket --key dir/big.bin --if-none-match "$etag" "$work/cond.out"
check "s3api: if-match mismatch gives 412" fails_with "PreconditionFailed" s3api get-object --bucket cli-bucket --key dir/big.bin --if-match '"nope"' "$work/cond.out"
check "s3api: copy-object" s3api copy-object --bucket cli-bucket --key copied.bin --copy-source cli-bucket/dir/big.bin
check "s3api: copied ETag equals source" bash -c "test \"\$($AWS --endpoint-url $endpoint s3api head-object --bucket cli-bucket --key copied.bin --query ETag --output text)\" = '$etag'"
check "s3api: multipart upload" bash -c '
	set -e
	id=$('"$AWS"' --endpoint-url '"$endpoint"' s3api create-multipart-upload --bucket cli-bucket --key mpu.bin --query UploadId --output text)
	head -c 5242880 '"$work"'/huge.bin >'"$work"'/p1
	tail -c +5242881 '"$work"'/huge.bin | head -c 1000 >'"$work"'/p2
	e1=$('"$AWS"' --endpoint-url '"$endpoint"' s3api upload-part --bucket cli-bucket --key mpu.bin --upload-id "$id" --part-number 1 --body '"$work"'/p1 --query ETag --output text)
	e2=$('"$AWS"' --endpoint-url '"$endpoint"' s3api upload-part --bucket cli-bucket --key mpu.bin --upload-id "$id" --part-number 2 --body '"$work"'/p2 --query ETag --output text)
	'"$AWS"' --endpoint-url '"$endpoint"' s3api list-parts --bucket cli-bucket --key mpu.bin --upload-id "$id" | grep -q PartNumber
	'"$AWS"' --endpoint-url '"$endpoint"' s3api complete-multipart-upload --bucket cli-bucket --key mpu.bin --upload-id "$id" \
		--multipart-upload "{\"Parts\":[{\"PartNumber\":1,\"ETag\":$e1},{\"PartNumber\":2,\"ETag\":$e2}]}" | grep -q -- "-2"
	'"$AWS"' --endpoint-url '"$endpoint"' s3api get-object --bucket cli-bucket --key mpu.bin '"$work"'/mpu.out >/dev/null
	cmp <(cat '"$work"'/p1 '"$work"'/p2) '"$work"'/mpu.out'
check "s3api: abort multipart" bash -c "id=\$($AWS --endpoint-url $endpoint s3api create-multipart-upload --bucket cli-bucket --key gone --query UploadId --output text) && $AWS --endpoint-url $endpoint s3api abort-multipart-upload --bucket cli-bucket --key gone --upload-id \$id && ! $AWS --endpoint-url $endpoint s3api list-parts --bucket cli-bucket --key gone --upload-id \$id"
check "cli: cp --sse AES256, S3's default encryption" s3 cp "$work/small.txt" s3://cli-bucket/sse.txt --sse AES256
check "cli: cp --acl public-read is AccessControlListNotSupported, as with ACLs disabled" fails_with "AccessControlListNotSupported" s3 cp "$work/small.txt" s3://cli-bucket/public.txt --acl public-read
check "cli: cp --acl bucket-owner-full-control" s3 cp "$work/small.txt" s3://cli-bucket/owned.txt --acl bucket-owner-full-control
check "cli: cp --storage-class STANDARD_IA, kept as STANDARD" s3 cp "$work/small.txt" s3://cli-bucket/ia.txt --storage-class STANDARD_IA
check "cli: an unknown storage class is InvalidStorageClass" fails_with "InvalidStorageClass" s3api put-object --bucket cli-bucket --key bad.txt --body "$work/small.txt" --storage-class FOO
check "cli: cp --sse aws:kms is NotImplemented, not stored in the clear" fails_with "NotImplemented" s3 cp "$work/small.txt" s3://cli-bucket/kms.txt --sse aws:kms
check "cli: rb refuses a non-empty bucket" fails_with "BucketNotEmpty" s3 rb s3://cli-bucket
check "cli: rm --recursive" s3 rm --recursive s3://cli-bucket
check "cli: rb" s3 rb s3://cli-bucket
check "cli: missing bucket is NoSuchBucket" fails_with "NoSuchBucket" s3 ls s3://cli-bucket

# Object Lock, as the AWS CLI drives it (it adds the Content-MD5 or checksum
# these operations require). Wicket keeps one version per key, so a locked
# object's overwrite and delete are refused rather than versioned.
check "lock: mb with object lock" s3api create-bucket --bucket cli-locked --object-lock-enabled-for-bucket
check "lock: default retention" s3api put-object-lock-configuration --bucket cli-locked --object-lock-configuration '{"ObjectLockEnabled":"Enabled","Rule":{"DefaultRetention":{"Mode":"GOVERNANCE","Days":1}}}'
check "lock: get configuration" bash -c "$AWS --endpoint-url $endpoint s3api get-object-lock-configuration --bucket cli-locked --query ObjectLockConfiguration.Rule.DefaultRetention.Mode --output text | grep -qx GOVERNANCE"
check "lock: put under default retention" s3api put-object --bucket cli-locked --key held.txt --body "$work/tree/a.txt" --checksum-algorithm CRC32
check "versions: list-object-versions lists the object as version null" bash -c "$AWS --endpoint-url $endpoint s3api list-object-versions --bucket cli-locked --query 'Versions[0].[Key,VersionId,IsLatest]' --output text | grep -qx 'held.txt	null	True'"
check "versions: delete-object of another version is InvalidArgument" fails_with "Invalid version id specified" s3api delete-object --bucket cli-locked --key held.txt --version-id 3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY
check "versions: the object is still there" s3api head-object --bucket cli-locked --key held.txt
check "owner: --expected-bucket-owner of the account" s3api list-objects-v2 --bucket cli-locked --expected-bucket-owner 000000000000
check "owner: --expected-bucket-owner of another account is AccessDenied" fails_with "AccessDenied" s3api list-objects-v2 --bucket cli-locked --expected-bucket-owner 111122223333
check "lock: retention on the object" bash -c "$AWS --endpoint-url $endpoint s3api get-object-retention --bucket cli-locked --key held.txt --query Retention.Mode --output text | grep -qx GOVERNANCE"
check "lock: legal hold on" s3api put-object-legal-hold --bucket cli-locked --key held.txt --legal-hold Status=ON
check "lock: delete refused" fails_with "AccessDenied" s3api delete-object --bucket cli-locked --key held.txt
check "lock: legal hold off" s3api put-object-legal-hold --bucket cli-locked --key held.txt --legal-hold Status=OFF
check "lock: delete refused under governance" fails_with "AccessDenied" s3api delete-object --bucket cli-locked --key held.txt
check "lock: root bypasses governance" s3api delete-object --bucket cli-locked --key held.txt --bypass-governance-retention
check "acl: get-bucket-acl is the owner's full control" bash -c "$AWS --endpoint-url $endpoint s3api get-bucket-acl --bucket cli-locked --query 'Grants[0].[Grantee.Type,Permission]' --output text | grep -qx 'CanonicalUser	FULL_CONTROL'"
check "acl: public-read refused, ACLs are disabled" fails_with "AccessControlListNotSupported" s3api put-bucket-acl --bucket cli-locked --acl public-read
check "acl: ownership controls enforced" bash -c "$AWS --endpoint-url $endpoint s3api get-bucket-ownership-controls --bucket cli-locked --query 'OwnershipControls.Rules[0].ObjectOwnership' --output text | grep -qx BucketOwnerEnforced"
check "lock: rb" s3 rb s3://cli-locked

echo "== IAM and bucket policies (AWS CLI)"
iamc() { "$AWS" --endpoint-url "$endpoint" iam "$@"; }
# as USER COMMAND...: run with USER's access key (made below).
as() {
	local who=$1
	shift
	AWS_ACCESS_KEY_ID=$(cat "$work/$who.ak") AWS_SECRET_ACCESS_KEY=$(cat "$work/$who.sk") "$@"
}
s3 mb s3://iam-bucket >/dev/null 2>&1
s3 mb s3://public-bucket >/dev/null 2>&1
echo "team report" >"$work/report.txt"
s3 cp "$work/report.txt" s3://iam-bucket/team/report.txt >/dev/null 2>&1
s3 cp "$work/report.txt" s3://iam-bucket/secret/plan.txt >/dev/null 2>&1
s3 cp "$work/small.txt" s3://public-bucket/logo.txt >/dev/null 2>&1
cat >"$work/user-policy.json" <<'JSON'
{"Version": "2012-10-17", "Statement": [
  {"Sid": "ReadTeam", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::iam-bucket/team/*"},
  {"Sid": "WriteOwn", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::iam-bucket/home/${aws:username}/*"},
  {"Sid": "ListTeam", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::iam-bucket",
   "Condition": {"StringLike": {"s3:prefix": "team/*"}}}]}
JSON
check "iam: create-user" iamc create-user --user-name alice
check "iam: put-user-policy" iamc put-user-policy --user-name alice --policy-name team --policy-document "file://$work/user-policy.json"
check "iam: get-user-policy round-trips the document" bash -c "$AWS --endpoint-url $endpoint iam get-user-policy --user-name alice --policy-name team --query PolicyDocument.Statement[0].Sid --output text | grep -qx ReadTeam"
check "iam: create-access-key" bash -c "$AWS --endpoint-url $endpoint iam create-access-key --user-name alice --query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text >'$work/alice.keys' && cut -f1 '$work/alice.keys' >'$work/alice.ak' && cut -f2 '$work/alice.keys' >'$work/alice.sk' && grep -q '^AKIA' '$work/alice.ak'"
check "iam: malformed policy is MalformedPolicyDocument" fails_with "MalformedPolicyDocument" iamc put-user-policy --user-name alice --policy-name bad --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}'
check "iam: duplicate user is EntityAlreadyExists" fails_with "EntityAlreadyExists" iamc create-user --user-name alice
check "iam: delete-user with a key is DeleteConflict" fails_with "DeleteConflict" iamc delete-user --user-name alice
check "user: reads team/" as alice s3 cp s3://iam-bucket/team/report.txt "$work/team.out"
check "user: lists team/" bash -c "$(declare -f as s3); AWS=$AWS endpoint=$endpoint work=$work; as alice s3 ls s3://iam-bucket/team/ | grep -q report.txt"
check "user: writes home/alice/" as alice s3 cp "$work/small.txt" s3://iam-bucket/home/alice/note.txt
check "user: cannot read secret/" fails_with "403" as alice s3 cp s3://iam-bucket/secret/plan.txt "$work/secret.out"
check "user: cannot write team/" fails_with "AccessDenied" as alice s3 cp "$work/small.txt" s3://iam-bucket/team/x.txt
check "user: the denial names the permission, as AWS does within an account" fails_with 'is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::iam-bucket/team/x.txt" because no identity-based policy allows the s3:PutObject action' as alice s3api put-object --bucket iam-bucket --key team/x.txt --body "$work/small.txt"
check "user: cannot write another home" fails_with "AccessDenied" as alice s3 cp "$work/small.txt" s3://iam-bucket/home/bob/x.txt
check "user: cannot list the bucket root" fails_with "AccessDenied" as alice s3 ls s3://iam-bucket/
check "user: cannot delete" fails_with "AccessDenied" as alice s3 rm s3://iam-bucket/team/report.txt
check "user: cannot grant herself more" fails_with "AccessDenied" as alice "$AWS" --endpoint-url "$endpoint" iam attach-user-policy --user-name alice --policy-arn arn:aws:iam::aws:policy/AdministratorAccess
# Temporary credentials from the AWS CLI's STS calls: session policies,
# managed and inline, and tags, as botocore serializes them.
cat >"$work/writer-trust.json" <<'JSON'
{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::000000000000:user/alice"},
  "Action": ["sts:AssumeRole", "sts:TagSession"]}]}
JSON
check "iam: create-role team-writer (trusts alice)" iamc create-role --role-name team-writer --assume-role-policy-document "file://$work/writer-trust.json"
check "iam: put-role-policy team-writer (s3:* on iam-bucket)" iamc put-role-policy --role-name team-writer --policy-name all --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::iam-bucket/*"}]}'
# session FILE COMMAND...: run with the temporary credentials in FILE.
session() {
	local f=$1
	shift
	AWS_ACCESS_KEY_ID=$(cut -f1 "$f") AWS_SECRET_ACCESS_KEY=$(cut -f2 "$f") AWS_SESSION_TOKEN=$(cut -f3 "$f") "$@"
}
check "sts: assume-role with --policy-arns and --tags" bash -c "$(declare -f as); work=$work; as alice $AWS --endpoint-url $endpoint sts assume-role --role-arn arn:aws:iam::000000000000:role/team-writer --role-session-name ro --policy-arns arn=arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess --tags Key=team,Value=reports --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text >'$work/ro.creds' && grep -q '^ASIA' '$work/ro.creds'"
check "sts: the read-only session reads" session "$work/ro.creds" s3 cp s3://iam-bucket/team/report.txt "$work/ro.out"
check "sts: the read-only session cannot write, though the role may" fails_with "AccessDenied" session "$work/ro.creds" s3 cp "$work/small.txt" s3://iam-bucket/team/ro.txt
check "sts: get-session-token credentials cannot call IAM" bash -c "$AWS --endpoint-url $endpoint sts get-session-token --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text >'$work/root.creds' && ! AWS_ACCESS_KEY_ID=\$(cut -f1 '$work/root.creds') AWS_SECRET_ACCESS_KEY=\$(cut -f2 '$work/root.creds') AWS_SESSION_TOKEN=\$(cut -f3 '$work/root.creds') $AWS --endpoint-url $endpoint iam list-users 2>'$work/rootsess.err' && grep -q InvalidClientTokenId '$work/rootsess.err'"
check "iam: simulate-principal-policy" bash -c "test \"\$($AWS --endpoint-url $endpoint iam simulate-principal-policy --policy-source-arn arn:aws:iam::000000000000:user/alice --action-names s3:GetObject --resource-arns arn:aws:s3:::iam-bucket/secret/plan.txt --query 'EvaluationResults[0].EvalDecision' --output text)\" = implicitDeny"
cat >"$work/public-policy.json" <<'JSON'
{"Version": "2012-10-17", "Statement": [{"Sid": "PublicRead", "Effect": "Allow", "Principal": "*",
  "Action": "s3:GetObject", "Resource": "arn:aws:s3:::public-bucket/*"}]}
JSON
check "s3api: put-bucket-policy (public read)" s3api put-bucket-policy --bucket public-bucket --policy "file://$work/public-policy.json"
check "anonymous: curl reads the public object" bash -c "curl -fsS '$endpoint/public-bucket/logo.txt' | cmp - '$work/small.txt'"
check "anonymous: curl cannot list the public bucket" bash -c "test \"\$(curl -s -o /dev/null -w '%{http_code}' '$endpoint/public-bucket')\" = 403"
check "anonymous: curl cannot write the public bucket" bash -c "test \"\$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data x '$endpoint/public-bucket/x.txt')\" = 403"
check "block public access: RestrictPublicBuckets keeps anonymous callers out" bash -c "$AWS --endpoint-url $endpoint s3api put-public-access-block --bucket public-bucket --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true && test \"\$(curl -s -o /dev/null -w '%{http_code}' '$endpoint/public-bucket/logo.txt')\" = 403"
check "block public access: BlockPublicPolicy refuses a public policy" fails_with "BlockPublicPolicy block public access setting" s3api put-bucket-policy --bucket public-bucket --policy "file://$work/public-policy.json"
check "block public access: delete-public-access-block opens the bucket again" bash -c "$AWS --endpoint-url $endpoint s3api delete-public-access-block --bucket public-bucket && curl -fsS '$endpoint/public-bucket/logo.txt' | cmp - '$work/small.txt'"
check "anonymous: curl cannot read the private bucket" bash -c "test \"\$(curl -s -o /dev/null -w '%{http_code}' '$endpoint/iam-bucket/team/report.txt')\" = 403"
check "wicket policy explain names the deciding statement" bash -c "'$work/wicket' policy explain --endpoint-url $endpoint --principal arn:aws:iam::000000000000:user/alice --action s3:GetObject --resource arn:aws:s3:::iam-bucket/team/report.txt | grep -q ReadTeam"
echo '{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEqualz":{"a":"b"}}}]}' >"$work/bad-policy.json"
check "wicket policy check rejects a bad document" bash -c "! '$work/wicket' policy check '$work/bad-policy.json' 2>'$work/check.err' && grep -q StringEqualz '$work/check.err'"
check "wicket policy check accepts a good one" bash -c "'$work/wicket' policy check '$work/user-policy.json' | grep -qx ok"

echo "== identity pools (AWS CLI and Node)"
# The guest flow of DESIGN.md with stock clients: root sets up a bucket, an
# identity pool that lets guests in, and the guest role; a guest with no
# keys at all gets credentials from the pool and may read public/* only.
# Independent steps run at once (each AWS CLI call costs a second of CPU).
cognito() { "$AWS" --endpoint-url "$endpoint" cognito-identity "$@"; }
# keyless COMMAND...: run with no AWS keys in the environment, as a guest's
# first calls are made (GetId and GetCredentialsForIdentity are unsigned).
keyless() { env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN "$@"; }
# check_bg NAME COMMAND...: check, run in the background; checks_wait waits
# for them and reports them in the order they were started.
bg_n=0
bg_pids=()
check_bg() {
	bg_n=$((bg_n + 1))
	printf '%s' "$1" >"$work/bg.$bg_n.name"
	shift
	(
		"$@" >"$work/bg.$bg_n.out" 2>&1
		echo $? >"$work/bg.$bg_n.rc"
	) &
	bg_pids+=($!)
}
checks_wait() {
	local i name
	((${#bg_pids[@]} > 0)) && wait "${bg_pids[@]}"
	for ((i = 1; i <= bg_n; i++)); do
		name=$(cat "$work/bg.$i.name")
		if [[ "$(cat "$work/bg.$i.rc" 2>/dev/null)" == 0 ]]; then
			passed=$((passed + 1))
			echo "PASS $name"
		else
			failed=$((failed + 1))
			echo "FAIL $name"
			sed 's/^/    /' "$work/bg.$i.out" | tail -20
		fi
		rm -f "$work/bg.$i".*
	done
	bg_n=0
	bg_pids=()
}
echo "wicket logo" >"$work/logo.txt"
echo "not for guests" >"$work/secret.txt"
guest_bucket() { # root: the bucket and its two objects
	s3 mb s3://guest-assets && s3 cp "$work/logo.txt" s3://guest-assets/public/logo.txt &&
		s3 cp "$work/secret.txt" s3://guest-assets/private/secret.txt
}
check_bg "s3: guest-assets with public/logo.txt and private/secret.txt" guest_bucket
pool=$(cognito create-identity-pool --identity-pool-name guests --allow-unauthenticated-identities --query IdentityPoolId --output text 2>"$work/pool.err")
check "cognito: create-identity-pool gives a region:uuid id" bash -c "grep -qE '^us-east-1:[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}\$' <<<'$pool' || { echo 'pool id: $pool'; cat '$work/pool.err'; false; }"
cat >"$work/guest-trust.json" <<JSON
{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
  "Action": "sts:AssumeRoleWithWebIdentity",
  "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": "$pool"},
                "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "unauthenticated"}}}]}
JSON
cat >"$work/guest-policy.json" <<'JSON'
{"Version": "2012-10-17", "Statement": [{"Sid": "ReadPublic", "Effect": "Allow", "Action": "s3:GetObject",
  "Resource": "arn:aws:s3:::guest-assets/public/*"}]}
JSON
guest_role=$(iamc create-role --role-name guest-role --assume-role-policy-document "file://$work/guest-trust.json" --query Role.Arn --output text 2>"$work/role.err")
check "iam: create-role guest-role (trust: the pool's guests)" bash -c "test '$guest_role' = arn:aws:iam::000000000000:role/guest-role || { echo 'role: $guest_role'; cat '$work/role.err'; false; }"
check "iam: put-role-policy (read public/*)" iamc put-role-policy --role-name guest-role --policy-name read-public --policy-document "file://$work/guest-policy.json"
check "cognito: set-identity-pool-roles unauthenticated=guest-role" cognito set-identity-pool-roles --identity-pool-id "$pool" --roles "unauthenticated=$guest_role"
checks_wait

# The Node checks (scripts/interop/node/guest.mjs) need only the pool and
# the bucket: they run meanwhile, with an identity of their own, and are
# reported after the AWS CLI's.
NODE=$(command -v node)
node_ready=""
if [[ -n "$NODE" && -d scripts/interop/node/node_modules/aws4 && -d scripts/interop/node/node_modules/@aws-sdk/credential-providers ]]; then
	node_ready=1
	(
		status=0
		keyless "$NODE" scripts/interop/node/guest.mjs "$endpoint" "$pool" "$WICKET_ROOT_ACCESS_KEY" "$WICKET_ROOT_SECRET_KEY" >"$work/node.out" 2>&1 || status=$?
		echo "$status" >"$work/node.rc"
	) &
	node_pid=$!
fi

guest_id=$(keyless "$AWS" --endpoint-url "$endpoint" cognito-identity get-id --identity-pool-id "$pool" --query IdentityId --output text 2>"$work/getid.err")
check "guest cli: get-id with no keys" bash -c "grep -qE '^us-east-1:[0-9a-f-]{36}\$' <<<'$guest_id' || { echo 'identity: $guest_id'; cat '$work/getid.err'; false; }"
keyless "$AWS" --endpoint-url "$endpoint" cognito-identity get-credentials-for-identity --identity-id "$guest_id" >"$work/guest-creds.json" 2>&1
# The CLI shows Cognito's Expiration (epoch seconds on the wire) as a date;
# the wire form is checked with curl below.
read -r guest_ak guest_sk guest_token < <("$PY" -c 'import json,sys; c=json.load(open(sys.argv[1]))["Credentials"]; print(c["AccessKeyId"], c["SecretKey"], c["SessionToken"])' "$work/guest-creds.json" 2>/dev/null)
check "guest cli: get-credentials-for-identity with no keys" bash -c "[[ '$guest_ak' == ASIA* && -n '$guest_sk' && -n '$guest_token' ]] || { cat '$work/guest-creds.json'; false; }"
# guest COMMAND...: run with the guest's temporary credentials.
guest() { AWS_ACCESS_KEY_ID=$guest_ak AWS_SECRET_ACCESS_KEY=$guest_sk AWS_SESSION_TOKEN=$guest_token "$@"; }
guest_reads_logo() { guest s3 cp s3://guest-assets/public/logo.txt - | cmp - "$work/logo.txt"; }
guest_is() { # guest_is ARN: sts get-caller-identity names ARN
	local got
	got=$(guest "$AWS" --endpoint-url "$endpoint" sts get-caller-identity --query Arn --output text) || return 1
	[[ "$got" == "$1" ]] || { echo "caller $got, want $1"; return 1; }
}
guest_presign() { # a presigned URL of public/logo.txt serves it; without its query, 403
	local u code
	u=$(guest s3 presign s3://guest-assets/public/logo.txt --expires-in 300) || return 1
	[[ "$u" == *X-Amz-Security-Token=* ]] || { echo "no session token in $u"; return 1; }
	curl -fsS "$u" | cmp - "$work/logo.txt" || { echo "GET $u failed"; return 1; }
	code=$(curl -s -o /dev/null -w '%{http_code}' "${u%%\?*}")
	[[ "$code" == 403 ]] || { echo "GET ${u%%\?*} = $code, want 403"; return 1; }
}
wire_expiration() { # GetCredentialsForIdentity's Expiration is a JSON number, an hour ahead
	curl -sS -X POST "$endpoint/" -H 'Content-Type: application/x-amz-json-1.1' \
		-H 'X-Amz-Target: AWSCognitoIdentityService.GetCredentialsForIdentity' -d "{\"IdentityId\":\"$guest_id\"}" |
		"$PY" -c 'import json,sys,time; e=json.load(sys.stdin)["Credentials"]["Expiration"]; assert isinstance(e,(int,float)) and 3300 < e-time.time() < 3660, e'
}
check_bg "guest cli: s3 cp public/logo.txt -" guest_reads_logo
check_bg "guest cli: private/secret.txt is refused" fails_with "403" guest s3 cp s3://guest-assets/private/secret.txt -
check_bg "guest cli: upload is refused" fails_with "AccessDenied" guest s3 cp "$work/logo.txt" s3://guest-assets/public/mine.txt
check_bg "guest cli: listing is refused" fails_with "AccessDenied" guest s3 ls s3://guest-assets/public/
check_bg "guest cli: sts get-caller-identity is the role session" guest_is arn:aws:sts::000000000000:assumed-role/guest-role/CognitoIdentityCredentials
check_bg "guest cli: s3 presign + curl, 403 without the signature" guest_presign
check_bg "guest curl: Expiration is epoch seconds on the wire" wire_expiration
check_bg "cognito: get-identity-pool-roles round-trips" bash -c "test \"\$($AWS --endpoint-url $endpoint cognito-identity get-identity-pool-roles --identity-pool-id '$pool' --query Roles.unauthenticated --output text)\" = '$guest_role'"
check_bg "guest cli: get-id for an unknown pool is ResourceNotFoundException" fails_with "ResourceNotFoundException" keyless "$AWS" --endpoint-url "$endpoint" cognito-identity get-id --identity-pool-id us-east-1:00000000-0000-0000-0000-000000000000
checks_wait

echo "== Node $("${NODE:-node}" --version 2>&1) (@aws-sdk/credential-providers, aws4)"
if [[ -z "$node_ready" ]]; then
	failed=$((failed + 1))
	echo "FAIL node: guest.mjs (needs node, and \`npm ci\` in scripts/interop/node, which scripts/test.sh runs)"
else
	wait "$node_pid"
	nfailed=0
	while IFS= read -r line; do
		case "$line" in
		PASS*) passed=$((passed + 1)) ;;
		FAIL*) failed=$((failed + 1)) nfailed=$((nfailed + 1)) ;;
		esac
		echo "$line"
	done <"$work/node.out"
	nstatus=$(cat "$work/node.rc" 2>/dev/null || echo "?")
	if [[ "$nstatus" != 0 ]] && ((nfailed == 0)); then
		failed=$((failed + 1))
		echo "FAIL node: guest.mjs exited $nstatus"
	fi
fi

# The Node example of the README (examples/node-external-app), as a user runs it.
check "example: node-external-app downloads a guest asset, is refused a private one" \
	keyless "${NODE:-node}" examples/node-external-app/index.mjs --endpoint "$endpoint" --pool "$pool" \
	--bucket guest-assets --key public/logo.txt --denied private/secret.txt

echo "== boto3 $($PY -c 'import boto3; print(boto3.__version__)')"
while IFS= read -r line; do
	case "$line" in
	PASS*) passed=$((passed + 1)) ;;
	FAIL*) failed=$((failed + 1)) ;;
	esac
	echo "$line"
done < <("$PY" scripts/interop/boto3_test.py "$endpoint" "$work" 2>&1)

if ((failed > 0)); then
	echo "--- server log (last 30 lines)"
	tail -30 "$work/server.log"
fi
echo "interop: $passed passed, $failed failed"
((failed == 0))
