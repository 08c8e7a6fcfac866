// A small AWS Signature Version 4 query-string signer (a presigned URL) on
// Web Crypto, for GET requests to S3. It follows AWS's "Authenticating
// Requests: Using Query Parameters" rules:
//
//   canonical request = method \n canonical URI \n canonical query \n
//                       canonical headers \n signed headers \n payload hash
//   string to sign    = "AWS4-HMAC-SHA256" \n date \n scope \n hex(SHA-256(canonical request))
//   signing key       = HMAC chain of "AWS4"+secret, date, region, service, "aws4_request"
//
// S3 neither normalizes nor double-encodes the path: each segment of the key
// is URI-encoded once, '/' is kept, and empty segments stay as they are.
//
// crypto.subtle exists only in a secure context: https, or http on
// localhost / 127.0.0.1.

const encoder = new TextEncoder();

// uriEncode encodes s as SigV4 requires: every byte of its UTF-8 form except
// RFC 3986's unreserved characters (A-Z a-z 0-9 - _ . ~) becomes %XX with
// upper-case hex digits. encodeURIComponent is not enough: it leaves
// ! ' ( ) * as they are.
export function uriEncode(s) {
  let out = "";
  for (const b of encoder.encode(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) {
      out += c;
    } else {
      out += "%" + b.toString(16).toUpperCase().padStart(2, "0");
    }
  }
  return out;
}

// uriEncodePath encodes each segment of a path, keeping the slashes.
export function uriEncodePath(path) {
  return path.split("/").map(uriEncode).join("/");
}

function hex(buf) {
  return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function sha256Hex(s) {
  return hex(await crypto.subtle.digest("SHA-256", encoder.encode(s)));
}

async function hmac(key, s) {
  const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return crypto.subtle.sign("HMAC", k, encoder.encode(s));
}

// amzDate formats t as SigV4's basic ISO 8601 form, 20060102T150405Z.
export function amzDate(t) {
  return t.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

// presign returns the query-string-signed URL of a GET of path (the raw,
// unencoded path, such as "/bucket/some key.png") on origin, the scheme and
// host of the endpoint ("https://s3.example.com:9000"). Options:
//   credentials  {accessKeyId, secretAccessKey, sessionToken?}
//   region       the region, such as "us-east-1"
//   service      "s3" unless given
//   expires      seconds the URL is valid, 1 to 604800 (default 900)
//   date         the signing time (default now)
// The session token is part of the signed query (X-Amz-Security-Token), as
// S3 requires for temporary credentials. Only the host header is signed and
// the payload is UNSIGNED-PAYLOAD, so a browser's <img> can load the URL.
export async function presign(origin, path, { credentials, region, service = "s3", expires = 900, date = new Date() }) {
  if (!globalThis.crypto?.subtle) {
    throw new Error("Web Crypto (crypto.subtle) is not available: serve the page over https, or from localhost or 127.0.0.1");
  }
  if (!Number.isInteger(expires) || expires < 1 || expires > 604800) {
    throw new Error(`expires must be a whole number of seconds from 1 to 604800, not ${expires}`);
  }
  const url = new URL(origin);
  const stamp = amzDate(date);
  const day = stamp.slice(0, 8);
  const scope = `${day}/${region}/${service}/aws4_request`;

  const params = [
    ["X-Amz-Algorithm", "AWS4-HMAC-SHA256"],
    ["X-Amz-Credential", `${credentials.accessKeyId}/${scope}`],
    ["X-Amz-Date", stamp],
    ["X-Amz-Expires", String(expires)],
    ["X-Amz-SignedHeaders", "host"],
  ];
  if (credentials.sessionToken) {
    params.push(["X-Amz-Security-Token", credentials.sessionToken]);
  }
  // Sorted by encoded name, then encoded value, in code-point order (all
  // ASCII after encoding, so this is byte order).
  const query = params
    .map(([k, v]) => [uriEncode(k), uriEncode(v)])
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");

  const canonicalURI = uriEncodePath(path.startsWith("/") ? path : "/" + path);
  // url.host leaves out a default port, as the browser's Host header does.
  const canonicalRequest = ["GET", canonicalURI, query, `host:${url.host}\n`, "host", "UNSIGNED-PAYLOAD"].join("\n");
  const stringToSign = ["AWS4-HMAC-SHA256", stamp, scope, await sha256Hex(canonicalRequest)].join("\n");

  let key = encoder.encode("AWS4" + credentials.secretAccessKey);
  for (const part of [day, region, service, "aws4_request"]) {
    key = await hmac(key, part);
  }
  const signature = hex(await hmac(key, stringToSign));
  return `${url.protocol}//${url.host}${canonicalURI}?${query}&X-Amz-Signature=${signature}`;
}
