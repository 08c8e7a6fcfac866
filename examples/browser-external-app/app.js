// A page on any origin that, as a guest of an identity pool, gets temporary
// credentials in the browser and shows objects of a private bucket through
// presigned URLs: no login, no backend, no SDK.
//
// Settings come from the query string, falling back to config below:
//   endpoint  the Wicket (or AWS) endpoint, e.g. http://127.0.0.1:9000
//   region    default: the part of the pool id before ':'
//   pool      the identity pool id, region:uuid
//   bucket    the bucket
//   key       the object to show, one the guest role allows
//   denied    an object the guest role does not allow: it must not load

import { presign } from "./sigv4.js";

const config = {
  endpoint: "http://127.0.0.1:9000",
  region: "",
  pool: "",
  bucket: "",
  key: "public/logo.png",
  denied: "private/secret.png",
  expires: 900, // seconds a presigned URL is valid (never past the credentials)
};

const $ = (id) => document.getElementById(id);

function settings() {
  const q = new URLSearchParams(location.search);
  const s = { ...config };
  for (const name of ["endpoint", "region", "pool", "bucket", "key", "denied"]) {
    if (q.has(name)) s[name] = q.get(name);
  }
  s.endpoint = s.endpoint.replace(/\/+$/, "");
  if (!s.region) s.region = s.pool.split(":")[0];
  for (const name of ["endpoint", "region", "pool", "bucket", "key"]) {
    if (!s[name]) throw new Error(`no ${name}: add ?${name}=… to the page's address`);
  }
  return s;
}

function status(text) {
  $("status").textContent = text;
  const li = document.createElement("li");
  li.textContent = text;
  $("log").append(li);
}

// cognito calls one unsigned operation of the Cognito Identity API. The
// browser sends a CORS preflight first (X-Amz-Target and this Content-Type
// are not CORS-safelisted), which the endpoint must answer.
async function cognito(endpoint, op, body) {
  const res = await fetch(endpoint + "/", {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": "AWSCognitoIdentityService." + op,
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let data = {};
  try {
    data = JSON.parse(text);
  } catch {
    // not JSON: shown as text below
  }
  if (!res.ok) {
    const type = String(data.__type ?? "").split("#").pop();
    throw new Error(`${op}: HTTP ${res.status} ${type}: ${data.message ?? data.Message ?? text}`);
  }
  return data;
}

// guestCredentials runs the enhanced (simplified) flow, as the AWS SDK's
// fromCognitoIdentityPool does: GetId, then GetCredentialsForIdentity.
async function guestCredentials(s) {
  status("GetId…");
  const { IdentityId } = await cognito(s.endpoint, "GetId", { IdentityPoolId: s.pool });
  $("identity-id").textContent = IdentityId;
  status("GetCredentialsForIdentity…");
  const { Credentials: c } = await cognito(s.endpoint, "GetCredentialsForIdentity", { IdentityId });
  return {
    identityId: IdentityId,
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretKey,
    sessionToken: c.SessionToken,
    expiration: new Date(c.Expiration * 1000), // epoch seconds
  };
}

// objectURL presigns a GET of key. The URL is path-style: endpoint/bucket/key.
export async function objectURL(s, creds, key, date = new Date()) {
  const endpoint = new URL(s.endpoint);
  const base = decodeURIComponent(endpoint.pathname.replace(/\/+$/, ""));
  // A presigned URL made with temporary credentials dies with them.
  const left = Math.floor((creds.expiration - date) / 1000);
  const expires = Math.max(1, Math.min(s.expires, left));
  return presign(endpoint.origin, `${base}/${s.bucket}/${key}`, { credentials: creds, region: s.region, expires, date });
}

// show loads url into the <img> with id, and resolves to "loaded" or
// "error" when the browser is done with it.
function show(id, url) {
  const img = $(id);
  const state = $(id + "-state");
  return new Promise((resolve) => {
    img.addEventListener("load", () => {
      state.textContent = `loaded (${img.naturalWidth}×${img.naturalHeight})`;
      img.dataset.result = "loaded";
      resolve("loaded");
    }, { once: true });
    img.addEventListener("error", () => {
      state.textContent = "did not load";
      img.dataset.result = "error";
      resolve("error");
    }, { once: true });
    img.src = url;
  });
}

async function main() {
  const s = settings();
  $("public-key").textContent = s.key;
  $("denied-key").textContent = s.denied;
  $("denied").closest("figure").hidden = !s.denied;
  if (!isSecureContext) {
    throw new Error("this page is not a secure context, so Web Crypto is missing: serve it over https or from localhost / 127.0.0.1");
  }
  const creds = await guestCredentials(s);
  window.wicketGuest = { settings: s, credentials: creds, objectURL };
  status(`guest credentials ${creds.accessKeyId}, until ${creds.expiration.toISOString()}; loading images…`);
  const jobs = [show("public", await objectURL(s, creds, s.key))];
  if (s.denied) jobs.push(show("denied", await objectURL(s, creds, s.denied)));
  const [pub, denied] = await Promise.all(jobs);
  const said = { loaded: "loaded", error: "did not load" };
  status(`done: ${s.key} ${said[pub]}` + (s.denied ? `, ${s.denied} ${said[denied]}` : ""));
}

main()
  .then(() => {
    document.body.dataset.state = "done";
  })
  .catch((err) => {
    status("failed: " + err.message);
    console.error(err);
    document.body.dataset.state = "failed";
  });
