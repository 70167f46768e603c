// The merchant side of the provider's Node.js SNAP SDK (npm doku-nodejs-library, unmodified) receiving what Tunai
// sends: a plain node:http server whose token route runs validateSignature (Tunai's RSA signature, checked with
// Tunai's public key as dokuPublicKey) and generateTokenB2B, and whose notification route runs validateTokenB2B,
// validateSymmetricSignature and generateNotificationResponse. The SDK's helpers read an Express request
// (req.get(name), req.body, req.route.path); the server hands them an object with exactly those members.
// Before listening the SDK obtains its own B2B token from Tunai (its constructor does), which is the token its
// validateSymmetricSignature signs with. Prints one JSON line per event: {"step", ...}; exits after one notification.
'use strict';
const http = require('node:http');
const base = process.env.TUNAI_BASE_URL;
const Config = require('doku-nodejs-library/_commons/config');
Config.CORE_SANDBOX_BASE_URL = base;
Config.CORE_PRODUCTION_BASE_URL = base;
const { Snap } = require('doku-nodejs-library');

const TOKEN_PATH = '/v1.0/access-token/b2b';
const NOTIFICATION_PATH = '/v1.0/transfer-va/payment';

function report(step, detail) {
  process.stdout.write(JSON.stringify(Object.assign({ step }, detail)) + '\n');
}

function expressLike(req, raw, routePath) {
  return {
    get: (name) => req.headers[name.toLowerCase()],
    headers: req.headers,
    body: raw.length ? JSON.parse(raw) : {},
    route: { path: routePath },
  };
}

async function main() {
  const snap = new Snap({
    isProduction: false,
    privateKey: process.env.TUNAI_SNAP_PRIVATE_KEY,
    publicKey: process.env.TUNAI_SNAP_PUBLIC_KEY,
    dokuPublicKey: process.env.TUNAI_SNAP_GATEWAY_PUBLIC_KEY,
    clientID: process.env.TUNAI_CLIENT_ID,
    secretKey: process.env.TUNAI_SECRET_KEY,
    issuer: 'merchant',
  });
  for (let i = 0; i < 200 && !snap.tokenB2B; i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!snap.tokenB2B) {
    report('sdk-token', { ok: false });
    process.exit(2);
  }
  report('sdk-token', { ok: true });

  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { raw += chunk; });
    req.on('end', () => {
      const answer = (status, body) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      try {
        if (req.url === TOKEN_PATH) {
          const request = expressLike(req, raw, TOKEN_PATH);
          const valid = snap.validateSignature(request);
          const token = snap.generateTokenB2B(valid);
          report('token', { signatureValid: valid });
          answer(valid ? 200 : 401, token.body);
        } else if (req.url === NOTIFICATION_PATH) {
          const request = expressLike(req, raw, NOTIFICATION_PATH);
          const claims = snap.validateTokenB2B(req.headers['authorization']);
          const signatureValid = snap.validateSymmetricSignature(request);
          const response = snap.generateNotificationResponse(!!claims && signatureValid, request.body);
          report('notification', { tokenValid: !!claims, signatureValid, body: request.body, response });
          answer(200, response);
          setTimeout(() => process.exit(0), 200);
        } else {
          answer(404, {});
        }
      } catch (e) {
        report('error', { error: String(e && e.stack || e) });
        answer(500, {});
      }
    });
  });
  server.listen(0, '127.0.0.1', () => report('listening', { port: server.address().port }));
}

main().catch((e) => {
  report('error', { error: String(e && e.stack || e) });
  process.exit(1);
});
