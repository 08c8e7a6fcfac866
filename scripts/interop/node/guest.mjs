// The guest flow with the AWS SDK for JavaScript and the npm aws4 package,
// as an external web app would run it: guest credentials from an identity
// pool (fromCognitoIdentityPool: GetId, then GetCredentialsForIdentity),
// presigned GETs made with aws4 and fetched without any SDK, and the ways
// such a URL must stop working.
//
//   node guest.mjs ENDPOINT POOL_ID [ROOT_ACCESS_KEY ROOT_SECRET_KEY]
//
// Missing arguments come from WICKET_ENDPOINT, WICKET_POOL_ID,
// WICKET_ROOT_ACCESS_KEY and WICKET_ROOT_SECRET_KEY. The pool must let
// guests in with a role that may read guest-assets/public/* and nothing
// else, and the bucket must hold public/logo.txt (whose body is
// WICKET_LOGO_BODY, default "wicket logo\n") and private/secret.txt;
// scripts/interop/run.sh sets this up. Root's keys sign the revocation.
//
// Prints one "PASS name" or "FAIL name" line a check; exits 1 when one
// failed, 2 when the arguments are wrong.
import { fromCognitoIdentityPool } from "@aws-sdk/credential-providers";
import aws4 from "aws4";

// The SDK warns on stderr, once, that its releases from 2027 on need Node
// 22; this suite runs the versions pinned in package-lock.json on Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const [endpoint = process.env.WICKET_ENDPOINT, poolId = process.env.WICKET_POOL_ID,
	rootAccessKey = process.env.WICKET_ROOT_ACCESS_KEY, rootSecretKey = process.env.WICKET_ROOT_SECRET_KEY] = process.argv.slice(2);
if (!endpoint || !poolId || !rootAccessKey || !rootSecretKey) {
	console.error("usage: node guest.mjs ENDPOINT POOL_ID [ROOT_ACCESS_KEY ROOT_SECRET_KEY] (or WICKET_ENDPOINT, WICKET_POOL_ID, WICKET_ROOT_ACCESS_KEY, WICKET_ROOT_SECRET_KEY)");
	process.exit(2);
}
const region = "us-east-1";
const host = new URL(endpoint).host; // 127.0.0.1:port: what the signature covers
const logoBody = process.env.WICKET_LOGO_BODY ?? "wicket logo\n";
const root = { accessKeyId: rootAccessKey, secretAccessKey: rootSecretKey };

let failed = 0;
// check runs fn, which returns nothing to pass or a string saying what was
// wrong, or throws.
async function check(name, fn) {
	let why;
	try {
		why = await fn();
	} catch (err) {
		why = `threw ${err?.name ?? ""}: ${err?.message ?? err}`;
	}
	if (why) {
		failed++;
		console.log(`FAIL ${name}`);
		for (const line of String(why).split("\n").slice(0, 20)) console.log(`    ${line}`);
	} else {
		console.log(`PASS ${name}`);
	}
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// presign makes a path-style presigned GET of /bucket/key, as aws4 does for
// a browser's <img src>. query may carry X-Amz-Expires.
function presign(creds, key, query = "") {
	const signed = aws4.sign({ host, method: "GET", path: `/guest-assets/${key}${query}`, service: "s3", region, signQuery: true }, creds);
	return `${new URL(endpoint).protocol}//${host}${signed.path}`;
}

async function get(url) {
	const resp = await fetch(url);
	return { status: resp.status, body: await resp.text() };
}

// wants checks that url answers status (and body, when given).
async function wants(url, status, body) {
	const got = await get(url);
	if (got.status !== status || (body !== undefined && got.body !== body)) {
		return `GET ${url}\n-> ${got.status} ${JSON.stringify(got.body.slice(0, 400))}\nwant ${status}${body !== undefined ? " " + JSON.stringify(body) : ""}`;
	}
}

// wicketCall makes a root-signed call of one of Wicket's own Cognito
// operations, which the SDK does not know.
async function wicketCall(op, payload) {
	const body = JSON.stringify(payload);
	const signed = aws4.sign({
		host, method: "POST", path: "/", service: "cognito-identity", region, body,
		headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": `AWSCognitoIdentityService.${op}` },
	}, root);
	// fetch sets Host and Content-Length itself, to the values signed.
	const headers = Object.fromEntries(Object.entries(signed.headers).filter(([k]) => !/^(host|content-length)$/i.test(k)));
	const resp = await fetch(`${endpoint}/`, { method: "POST", headers, body });
	return { status: resp.status, body: await resp.text() };
}

const provider = fromCognitoIdentityPool({ identityPoolId: poolId, clientConfig: { region, endpoint } });
let creds;
await check("node: fromCognitoIdentityPool gives guest credentials", async () => {
	creds = await provider();
	const problems = [];
	if (!/^us-east-1:[0-9a-f-]{36}$/.test(creds.identityId ?? "")) problems.push(`identityId ${creds.identityId}`);
	if (!/^ASIA/.test(creds.accessKeyId)) problems.push(`accessKeyId ${creds.accessKeyId}`);
	if (!creds.secretAccessKey || !creds.sessionToken) problems.push("no secret or session token");
	const left = creds.expiration instanceof Date ? creds.expiration.getTime() - Date.now() : NaN;
	if (!(left > 55 * 60e3 && left < 61 * 60e3)) problems.push(`expiration ${creds.expiration}, want about an hour from now`);
	return problems.join("\n");
});
if (!creds) {
	console.log("node: no credentials, skipping the rest");
	process.exit(1);
}

const logoURL = presign(creds, "public/logo.txt");
await check("node: aws4 presigned GET of public/logo.txt fetches the object", () => wants(logoURL, 200, logoBody));
await check("node: aws4 presigned GET of private/secret.txt is 403", () => wants(presign(creds, "private/secret.txt"), 403));
await check("node: the presigned URL without its query is 403", () => wants(logoURL.split("?")[0], 403));
await check("node: a presigned URL with another key is 403", () => wants(logoURL.replace("logo.txt", "logo.txz"), 403));
await check("node: X-Amz-Expires=1 works at once and is 403 after 2 s", async () => {
	// Sign just after a second begins, as X-Amz-Date counts whole seconds:
	// the URL is then good for most of a second. On a machine so busy that
	// the first GET took longer than that, try again.
	let url;
	for (let attempt = 1; ; attempt++) {
		await sleep(1050 - (Date.now() % 1000));
		const signed = Date.now();
		url = presign(creds, "public/logo.txt", "?X-Amz-Expires=1");
		const fresh = await wants(url, 200, logoBody);
		if (!fresh) break;
		if (Date.now() - signed < 900 || attempt === 3) return `while fresh: ${fresh}`;
	}
	await sleep(2000);
	return wants(url, 403);
});
await check("node: WicketRevokeIdentity (root-signed with aws4) succeeds", async () => {
	const got = await wicketCall("WicketRevokeIdentity", { IdentityId: creds.identityId });
	if (got.status !== 200) return `-> ${got.status} ${got.body}`;
});
await check("node: the good presigned URL is refused once the identity is revoked", async () => {
	// AWS cannot revoke a presigned URL. Wicket refuses a revoked session
	// token as S3 refuses one it does not accept: 400 InvalidToken. 403
	// AccessDenied, which AWS answers when a role's older sessions are
	// revoked by policy, would do as well.
	const got = await get(logoURL);
	const code = /<Code>([^<]*)<\/Code>/.exec(got.body)?.[1];
	if (!(got.status === 400 && code === "InvalidToken") && !(got.status === 403 && code === "AccessDenied")) {
		return `GET ${logoURL}\n-> ${got.status} ${JSON.stringify(got.body.slice(0, 400))}\nwant 400 InvalidToken or 403 AccessDenied`;
	}
});
await check("node: WicketRevokeIdentity unsigned is refused", async () => {
	const got = await fetch(`${endpoint}/`, {
		method: "POST", body: JSON.stringify({ IdentityId: creds.identityId }),
		headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSCognitoIdentityService.WicketRevokeIdentity" },
	});
	const body = await got.text();
	if (got.status < 400 || got.status >= 500) return `-> ${got.status} ${body}, want a 4xx`;
});
await check("node: credentials issued after the revocation work", async () => {
	// Credentials carry their time of issue in whole seconds; Wicket holds
	// back credentials asked for in the second of a revocation until the
	// next one, so that they are not refused as issued before it.
	const again = await provider();
	if (again.identityId !== creds.identityId) return `identity ${again.identityId}, want ${creds.identityId}`;
	return wants(presign(again, "public/logo.txt"), 200, logoBody);
});

process.exit(failed > 0 ? 1 : 0);
