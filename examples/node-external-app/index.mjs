// An external app that loads an asset from a private bucket without any
// login, the well-known JavaScript way: guest credentials from an identity
// pool (fromCognitoIdentityPool: GetId, then GetCredentialsForIdentity) and
// a presigned URL from the aws4 package, fetched with no SDK at all — what
// a page does with <img src>.
//
//   node index.mjs --endpoint http://127.0.0.1:9000 --pool us-east-1:… \
//     --bucket photos --key public/cat.jpg [--out cat.jpg] [--denied private/x.jpg]
//
// With --denied it also proves that a key outside the guest policy is
// refused. Exits 1 when anything goes wrong.
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { fromCognitoIdentityPool } from "@aws-sdk/credential-providers";
import aws4 from "aws4";

// The SDK warns that its releases from 2027 on need Node 22.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const { values: opt } = parseArgs({
	options: {
		endpoint: { type: "string" },
		pool: { type: "string" },
		bucket: { type: "string" },
		key: { type: "string" },
		out: { type: "string" },
		denied: { type: "string" },
		expires: { type: "string", default: "900" },
	},
});
for (const name of ["endpoint", "pool", "bucket", "key"]) {
	if (!opt[name]) {
		console.error(`missing --${name}`);
		process.exit(2);
	}
}
// Amplify and the SDKs read the region from the pool id: region:uuid.
const region = opt.pool.split(":")[0];
const endpoint = new URL(opt.endpoint);

// 1. Guest credentials. On AWS, leave out clientConfig.endpoint.
const credentials = fromCognitoIdentityPool({
	identityPoolId: opt.pool,
	clientConfig: { region, endpoint: opt.endpoint },
});
const creds = await credentials();

// 2. A presigned GET, path-style. The URL stops working when the
// credentials expire (an hour), whatever X-Amz-Expires says.
function presign(key) {
	const path = `/${opt.bucket}/${key.split("/").map(encodeURIComponent).join("/")}?X-Amz-Expires=${opt.expires}`;
	const signed = aws4.sign({ host: endpoint.host, method: "GET", path, service: "s3", region, signQuery: true }, creds);
	return `${endpoint.protocol}//${endpoint.host}${signed.path}`;
}

// 3. Fetch it like any URL.
const url = presign(opt.key);
const resp = await fetch(url);
if (resp.status !== 200) {
	console.error(`GET ${opt.bucket}/${opt.key}: ${resp.status} ${(await resp.text()).slice(0, 300)}`);
	process.exit(1);
}
const body = Buffer.from(await resp.arrayBuffer());
if (opt.out) {
	await writeFile(opt.out, body);
}
console.log(`downloaded ${opt.bucket}/${opt.key}: ${body.length} bytes (credentials expire ${creds.expiration?.toISOString()})`);

if (opt.denied) {
	const refused = await fetch(presign(opt.denied));
	if (refused.status !== 403) {
		console.error(`GET ${opt.bucket}/${opt.denied}: ${refused.status}, want 403: the guest reached a key outside its policy`);
		process.exit(1);
	}
	console.log(`refused ${opt.bucket}/${opt.denied}: 403, as the guest policy says`);
}
