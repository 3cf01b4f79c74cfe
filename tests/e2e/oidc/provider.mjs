// A real OpenID provider for the OAuth e2e tests: panva's oidc-provider with
// a non-interactive login and a small control API under /_test/.
//
//   node provider.mjs CONFIG.json [PORT]        (or PORT=... in the environment)
//
// CONFIG.json:
//   {
//     "clients": [ { "client_id": "...", "client_secret": "...",
//                    "redirect_uris": ["http://127.0.0.1:.../cb"],
//                    "token_endpoint_auth_method": "client_secret_basic" | "client_secret_post",
//                    "id_token_signed_response_alg": "RS256" | "ES256" | "EdDSA" }, ... ],
//     "keys_file": "/path/keys.json",   // optional: signing + cookie keys, made once and reused
//     "port": 0                          // optional, argv and $PORT win
//   }
//
// The issuer is http://127.0.0.1:<port> (port 0 picks a free one). One line
// "ready <issuer>" goes to stdout once it listens; SIGTERM/SIGINT stop it.
//
// Control API (JSON in and out), handled before the provider's own routes:
//   POST /_test/user      {sub, email, email_verified, name, given_name, family_name,
//                          preferred_username, picture, locale}  -> the account of the
//                          next logins (omitted fields are left out of the claims);
//                          ends every provider session so the next /auth logs in again
//   POST /_test/tamper    {mode} -> the next token response that carries an id_token
//                          gets a doctored one (then back to normal); mode null clears
//   POST /_test/id-token  {aud, sub, email, email_verified, nonce?, exp_in?, alg?, mode?, ...}
//   GET  /_test/sign?aud=...&...   the same with query parameters
//                          -> {id_token} minted with this provider's key (iss = issuer)
//   GET  /_test/last      -> {authorization, token, userinfo}: what the last requests held
//   POST /_test/reset     -> default user, no tamper, last cleared, sessions ended
//   GET  /_test/state     -> {issuer, user, tamper, kids}
//
// Tamper modes: wrong_nonce, other_key, unknown_kid, expired, wrong_aud,
// wrong_iss, alg_none, and also bad_signature (last signature byte flipped) and
// no_nonce (nonce claim removed, re-signed with the real key).

import { readFileSync, writeFileSync, renameSync, existsSync } from 'node:fs';
import * as http from 'node:http';
import * as crypto from 'node:crypto';

import Provider from 'oidc-provider';
// jose is oidc-provider's own dependency (hoisted by npm, pinned by package-lock.json).
import * as jose from 'jose';

const TAMPER_MODES = new Set([
  'wrong_nonce', 'other_key', 'unknown_kid', 'expired', 'wrong_aud', 'wrong_iss',
  'alg_none', 'bad_signature', 'no_nonce',
]);

const DEFAULT_USER = Object.freeze({
  sub: 'oidc-user-1',
  email: 'alice@example.test',
  email_verified: true,
  name: 'Alice Example',
  given_name: 'Alice',
  family_name: 'Example',
  preferred_username: 'alice',
  picture: 'http://127.0.0.1/alice.png',
  locale: 'en',
});
const USER_FIELDS = Object.keys(DEFAULT_USER);

// ---------------------------------------------------------------- arguments

const args = process.argv.slice(2);
const configPath = args[0];
if (!configPath) {
  console.error('usage: node provider.mjs CONFIG.json [PORT]');
  process.exit(2);
}
const config = JSON.parse(readFileSync(configPath, 'utf8'));
const port = Number(args[1] ?? process.env.PORT ?? config.port ?? 0);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`bad port: ${args[1] ?? process.env.PORT ?? config.port}`);
  process.exit(2);
}

// ---------------------------------------------------------------- keys

// alg of a signing request -> [key type, the jose alg used to generate it]
function keyKindFor(alg) {
  switch (alg) {
    case 'RS256': case 'RS384': case 'RS512':
    case 'PS256': case 'PS384': case 'PS512':
      return 'RSA';
    case 'ES256':
      return 'EC';
    case 'EdDSA': case 'Ed25519':
      return 'OKP';
    default:
      throw new Error(`unsupported alg ${alg}`);
  }
}

async function freshJwk(kind) {
  const genAlg = { RSA: 'RS256', EC: 'ES256', OKP: 'EdDSA' }[kind];
  const opts = { extractable: true, ...(kind === 'OKP' ? { crv: 'Ed25519' } : {}), ...(kind === 'RSA' ? { modulusLength: 2048 } : {}) };
  const { privateKey } = await jose.generateKeyPair(genAlg, opts);
  const jwk = await jose.exportJWK(privateKey);
  jwk.kid = await jose.calculateJwkThumbprint(jwk);
  jwk.use = 'sig';
  return jwk;
}

async function loadOrMakeKeys(file) {
  if (file && existsSync(file)) {
    return JSON.parse(readFileSync(file, 'utf8'));
  }
  const keys = {
    jwks: { keys: [await freshJwk('RSA'), await freshJwk('EC'), await freshJwk('OKP')] },
    cookies: [crypto.randomBytes(32).toString('base64url'), crypto.randomBytes(32).toString('base64url')],
  };
  if (file) {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(keys, null, 2), { mode: 0o600 });
    renameSync(tmp, file);
  }
  return keys;
}

const keys = await loadOrMakeKeys(config.keys_file);
const privateJwkByKid = new Map(keys.jwks.keys.map((k) => [k.kid, k]));
const privateJwkByKind = new Map(keys.jwks.keys.map((k) => [k.kty, k]));

function b64json(obj) {
  return Buffer.from(JSON.stringify(obj)).toString('base64url');
}

async function signJwt(header, payload, jwk) {
  const key = await jose.importJWK(jwk, header.alg);
  return new jose.CompactSign(Buffer.from(JSON.stringify(payload)))
    .setProtectedHeader(header)
    .sign(key);
}

// Sign (header, payload) as `mode` says; header.alg says which kind of key.
async function signAs(mode, header, payload) {
  header = { ...header };
  payload = { ...payload };
  const now = Math.floor(Date.now() / 1000);
  const kind = keyKindFor(header.alg);
  const real = (header.kid && privateJwkByKid.get(header.kid)) || privateJwkByKind.get(kind);
  header.kid = real.kid;
  switch (mode ?? null) {
    case null: case 'none': case 'normal':
      return signJwt(header, payload, real);
    case 'wrong_nonce':
      payload.nonce = `tampered-${crypto.randomBytes(9).toString('base64url')}`;
      return signJwt(header, payload, real);
    case 'no_nonce':
      delete payload.nonce;
      return signJwt(header, payload, real);
    case 'expired':
      payload.iat = now - 7200;
      payload.exp = now - 3600;
      if (payload.auth_time !== undefined) payload.auth_time = now - 7200;
      return signJwt(header, payload, real);
    case 'wrong_aud':
      payload.aud = 'some-other-client';
      if (payload.azp !== undefined) payload.azp = 'some-other-client';
      return signJwt(header, payload, real);
    case 'wrong_iss':
      payload.iss = 'http://127.0.0.1:1/not-the-issuer';
      return signJwt(header, payload, real);
    case 'other_key': // same kid, a different key of the same kind
      return signJwt(header, payload, { ...(await freshJwk(kind)), kid: real.kid });
    case 'unknown_kid': { // a different key under a kid the JWKS does not have
      const other = await freshJwk(kind);
      header.kid = other.kid;
      return signJwt(header, payload, other);
    }
    case 'bad_signature': {
      const jwt = await signJwt(header, payload, real);
      const [h, p, s] = jwt.split('.');
      const sig = Buffer.from(s, 'base64url');
      sig[sig.length - 1] ^= 0x01;
      return `${h}.${p}.${sig.toString('base64url')}`;
    }
    case 'alg_none':
      return `${b64json({ alg: 'none', typ: header.typ ?? 'JWT' })}.${b64json(payload)}.`;
    default:
      throw new Error(`unknown tamper mode ${mode}`);
  }
}

// ---------------------------------------------------------------- state

let users = new Map();
let currentUser;
let tamperMode = null;
let last = {};

function setUser(fields) {
  const user = {};
  for (const f of USER_FIELDS) {
    if (fields[f] !== undefined && fields[f] !== null) user[f] = fields[f];
  }
  if (!user.sub) user.sub = DEFAULT_USER.sub;
  user.sub = String(user.sub);
  users.set(user.sub, user);
  currentUser = user;
  endAllSessions();
}

// ---------------------------------------------------------------- storage

// A plain in-memory adapter (like the built-in one) that can end every
// Session at once, so that a changed test user logs in at the next /auth.
const store = new Map(); // "Model:id" -> { payload, exp (ms) | undefined }

function storeGet(key) {
  const e = store.get(key);
  if (!e) return undefined;
  if (e.exp !== undefined && e.exp <= Date.now()) {
    store.delete(key);
    return undefined;
  }
  return e.payload;
}

function storeSet(key, payload, expiresIn) {
  store.set(key, { payload, exp: typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : undefined });
}

function endAllSessions() {
  for (const key of [...store.keys()]) {
    if (key.startsWith('Session:') || key.startsWith('sessionUid:')) store.delete(key);
  }
}

class TestAdapter {
  constructor(model) { this.model = model; }

  key(id) { return `${this.model}:${id}`; }

  async upsert(id, payload, expiresIn) {
    if (this.model === 'Session') storeSet(`sessionUid:${payload.uid}`, id, expiresIn);
    if (payload.userCode) storeSet(`userCode:${payload.userCode}`, id, expiresIn);
    if (payload.grantId) {
      const members = storeGet(`grant:${payload.grantId}`) ?? new Set();
      members.add(this.key(id));
      storeSet(`grant:${payload.grantId}`, members);
    }
    storeSet(this.key(id), payload, expiresIn);
  }

  async find(id) { return storeGet(this.key(id)); }

  async findByUid(uid) {
    const id = storeGet(`sessionUid:${uid}`);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUserCode(userCode) {
    const id = storeGet(`userCode:${userCode}`);
    return id === undefined ? undefined : this.find(id);
  }

  async consume(id) {
    const payload = storeGet(this.key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) { store.delete(this.key(id)); }

  async revokeByGrantId(grantId) {
    for (const key of storeGet(`grant:${grantId}`) ?? []) store.delete(key);
    store.delete(`grant:${grantId}`);
  }
}

// ---------------------------------------------------------------- HTTP

function readJson(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (!text.trim()) return resolve({});
      try {
        const v = JSON.parse(text);
        resolve(v && typeof v === 'object' ? v : {});
      } catch (e) {
        reject(Object.assign(new Error(`bad JSON: ${e.message}`), { status: 400 }));
      }
    });
  });
}

// Listen first (port 0 is allowed), then build the provider for that issuer.
let handler = (req, res) => { res.statusCode = 503; res.end(); };
const server = http.createServer((req, res) => handler(req, res));
server.keepAliveTimeout = 1000;
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, '127.0.0.1', resolve);
});
const issuer = `http://127.0.0.1:${server.address().port}`;

const SCOPE_CLAIMS = {
  openid: ['sub'],
  email: ['email', 'email_verified'],
  profile: ['name', 'given_name', 'family_name', 'preferred_username', 'picture', 'locale'],
};

const clients = (config.clients ?? []).map((c) => ({
  grant_types: ['authorization_code'],
  response_types: ['code'],
  ...c,
}));

const provider = new Provider(issuer, {
  clients,
  jwks: { keys: keys.jwks.keys },
  cookies: { keys: keys.cookies },
  adapter: TestAdapter,
  scopes: ['openid', 'email', 'profile'],
  claims: SCOPE_CLAIMS,
  // ID tokens of the code flow carry the scope claims too, not only userinfo.
  conformIdTokenClaims: false,
  responseTypes: ['code'],
  pkce: { required: () => true },
  // Tokens outlive the provider session (POST /_test/user ends sessions).
  expiresWithSession: async () => false,
  enabledJWA: {
    idTokenSigningAlgValues: ['RS256', 'PS256', 'ES256', 'EdDSA', 'Ed25519'],
  },
  features: {
    devInteractions: { enabled: false },
    userinfo: { enabled: true },
    rpInitiatedLogout: { enabled: false },
  },
  interactions: {
    url: async (ctx, interaction) => `/interaction/${interaction.uid}`,
  },
  async findAccount(ctx, sub) {
    const user = users.get(sub);
    if (!user) return undefined;
    return {
      accountId: sub,
      async claims() {
        return { ...users.get(sub) };
      },
    };
  },
  async renderError(ctx, out, error) {
    ctx.type = 'json';
    ctx.body = out;
  },
});
async function mintIdToken(spec) {
  const now = Math.floor(Date.now() / 1000);
  const alg = spec.alg ?? 'RS256';
  const kind = keyKindFor(alg);
  const expIn = spec.exp_in === undefined ? 3600 : Number(spec.exp_in);
  const payload = {
    iss: issuer,
    aud: spec.aud ?? clients[0]?.client_id,
    azp: spec.azp ?? (Array.isArray(spec.aud) ? spec.aud[0] : spec.aud ?? clients[0]?.client_id),
    iat: spec.iat === undefined ? now : Number(spec.iat),
    exp: (spec.iat === undefined ? now : Number(spec.iat)) + expIn,
  };
  for (const f of USER_FIELDS) {
    if (spec[f] !== undefined) payload[f] = spec[f];
    else if (currentUser[f] !== undefined) payload[f] = currentUser[f];
  }
  const control = new Set(['alg', 'mode', 'exp_in', 'iat', 'aud', 'azp']);
  for (const [k, v] of Object.entries(spec)) {
    if (!control.has(k) && !USER_FIELDS.includes(k)) payload[k] = v;
  }
  for (const [k, v] of Object.entries(payload)) {
    if (v === null) delete payload[k];
  }
  const header = { alg, typ: 'JWT', kid: privateJwkByKind.get(kind).kid };
  return signAs(spec.mode ?? null, header, payload);
}

function fromQuery(query) {
  const spec = {};
  for (const [k, v] of query) {
    if (k === 'email_verified') spec[k] = v === 'true' || v === '1';
    else if (k === 'exp_in' || k === 'iat') spec[k] = Number(v);
    else spec[k] = v;
  }
  return spec;
}

function resetAll() {
  users = new Map();
  tamperMode = null;
  last = {};
  store.clear();
  setUser(DEFAULT_USER);
}
resetAll();

// Control API, before everything else.
provider.use(async (ctx, next) => {
  if (!ctx.path.startsWith('/_test/')) return next();
  const reply = (status, body) => {
    ctx.status = status;
    ctx.type = 'json';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = body;
  };
  try {
    const route = `${ctx.method} ${ctx.path}`;
    const body = ctx.method === 'POST' ? await readJson(ctx.req) : {};
    switch (route) {
      case 'POST /_test/user':
        setUser(body);
        return reply(200, { user: currentUser });
      case 'POST /_test/tamper': {
        const mode = body.mode ?? null;
        if (mode !== null && !TAMPER_MODES.has(mode)) {
          return reply(400, { error: `unknown mode ${mode}`, modes: [...TAMPER_MODES] });
        }
        tamperMode = mode;
        return reply(200, { tamper: tamperMode });
      }
      case 'POST /_test/id-token':
      case 'GET /_test/sign': {
        const spec = ctx.method === 'GET' ? fromQuery(new URLSearchParams(ctx.querystring)) : body;
        if (spec.mode != null && !TAMPER_MODES.has(spec.mode)) {
          return reply(400, { error: `unknown mode ${spec.mode}`, modes: [...TAMPER_MODES] });
        }
        return reply(200, { id_token: await mintIdToken(spec) });
      }
      case 'GET /_test/last':
        return reply(200, last);
      case 'POST /_test/reset':
        resetAll();
        return reply(200, { ok: true });
      case 'GET /_test/state':
        return reply(200, {
          issuer, user: currentUser, tamper: tamperMode, kids: keys.jwks.keys.map((k) => ({ kid: k.kid, kty: k.kty })),
        });
      default:
        return reply(404, { error: `no such control route ${route}` });
    }
  } catch (e) {
    return reply(e.status ?? 500, { error: String(e.message ?? e) });
  }
});

// The non-interactive "login page": finish the interaction at once with the
// current test user, granting what was asked for.
provider.use(async (ctx, next) => {
  if (!ctx.path.startsWith('/interaction/')) return next();
  let details;
  try {
    details = await provider.interactionDetails(ctx.req, ctx.res);
  } catch (e) {
    // Mostly: the client did not keep the _interaction cookie.
    ctx.status = 400;
    ctx.type = 'json';
    ctx.body = {
      error: 'interaction_not_found',
      error_description: `${e.name}: ${e.message} (the _interaction cookie set by /auth must come back)`,
    };
    return undefined;
  }
  const { prompt, params } = details;
  const result = {};
  let accountId = details.session?.accountId;
  let grant;
  if (prompt.name === 'login' || !accountId) {
    accountId = currentUser.sub;
    result.login = { accountId };
    grant = new provider.Grant({ accountId, clientId: params.client_id });
    const wanted = String(params.scope ?? 'openid').split(' ').filter((s) => s in SCOPE_CLAIMS);
    grant.addOIDCScope(wanted.join(' '));
  } else {
    grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId, clientId: params.client_id });
  }
  const d = prompt.details ?? {};
  if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
  if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
  if (d.missingResourceScopes) {
    for (const [indicator, scopes] of Object.entries(d.missingResourceScopes)) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
  }
  result.consent = { grantId: await grant.save() };
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
  ctx.status = 303;
  ctx.redirect(returnTo);
});

// What the last /auth, /token and /me requests held, and the ID token tamper.
provider.use(async (ctx, next) => {
  if (ctx.path === '/auth' && ctx.method === 'GET') {
    const q = Object.fromEntries(new URLSearchParams(ctx.querystring));
    last.authorization = { ...q, at: Date.now() / 1000 };
  }
  const authz = ctx.get('authorization');
  await next();
  if (ctx.path === '/me') {
    last.userinfo = {
      method: ctx.method,
      authorization_scheme: authz ? authz.split(' ')[0] : null,
      status: ctx.status,
      at: Date.now() / 1000,
    };
  }
  if (ctx.path !== '/token' || ctx.method !== 'POST') return;
  let form = {};
  try { form = ctx.oidc?.body ?? {}; } catch { form = {}; }
  let authMethod = 'none';
  let basicClientId;
  if (/^basic /i.test(authz)) {
    authMethod = 'client_secret_basic';
    try {
      basicClientId = decodeURIComponent(Buffer.from(authz.slice(6), 'base64').toString('utf8').split(':')[0]);
    } catch { basicClientId = undefined; }
  } else if (form.client_secret !== undefined) {
    authMethod = 'client_secret_post';
  } else if (form.client_assertion !== undefined) {
    authMethod = 'private_key_jwt_or_client_secret_jwt';
  }
  const body = ctx.body && typeof ctx.body === 'object' && !Buffer.isBuffer(ctx.body) ? ctx.body : null;
  last.token = {
    grant_type: form.grant_type ?? null,
    client_id: basicClientId ?? form.client_id ?? null,
    redirect_uri: form.redirect_uri ?? null,
    code_present: form.code !== undefined,
    code_verifier_present: form.code_verifier !== undefined,
    code_verifier: form.code_verifier ?? null,
    auth_method: authMethod,
    content_type: ctx.request.headers['content-type'] ?? null,
    status: ctx.status,
    error: body?.error ?? null,
    tampered: null,
    at: Date.now() / 1000,
  };
  if (tamperMode && ctx.status === 200 && body?.id_token) {
    const { id_token: original } = body;
    const header = jose.decodeProtectedHeader(original);
    const payload = jose.decodeJwt(original);
    ctx.body = { ...body, id_token: await signAs(tamperMode, header, payload) };
    last.token.tampered = tamperMode;
    tamperMode = null;
  }
});

handler = provider.callback();

function stop() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

console.log(`ready ${issuer}`);
