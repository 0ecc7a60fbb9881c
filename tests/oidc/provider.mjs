// A real, certified OpenID Provider for the sign-in tests: `oidc-provider` from npm
// (installed into target/oidc by scripts/test), configured by the test through
// OIDC_CONFIG (JSON):
//   port      the port to listen on (0: any; a restart passes the first one again)
//   clients   client registrations (client_id, client_secret, redirect_uris, ...)
//   accounts  { login: claims } — the dev login form takes any password
//   tamper    how to spoil the ID token of the token endpoint's answer, re-signed with
//             this provider's own key: wrong-nonce, expired, wrong-aud, alg-none,
//             hs256 (signed with the client secret), foreign-key (a key not in the
//             JWKS); none by default
// Each start makes a new RSA signing key (a new `kid`): restarting is a key rotation.
// Prints one line of JSON, {"issuer": ...}, when it listens. GET /__test/jwks-hits
// counts the key set's fetches; GET /__test/tamper?mode=M changes the spoiling
// (no mode: none) without a new key.
import http from 'node:http';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';
import { SignJWT, UnsecuredJWT, decodeJwt, exportJWK, generateKeyPair } from 'jose';

const config = JSON.parse(process.env.OIDC_CONFIG || '{}');

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), kid: crypto.randomUUID(), use: 'sig', alg: 'RS256' };
const foreign = await generateKeyPair('RS256');

const server = http.createServer();
await new Promise((resolve) => server.listen(config.port || 0, '127.0.0.1', resolve));
const { port } = server.address();
const issuer = `http://127.0.0.1:${port}`;

const accounts = config.accounts || {};
const provider = new Provider(issuer, {
  clients: config.clients || [],
  jwks: { keys: [jwk] },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  scopes: ['openid', 'email', 'profile'],
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  pkce: { required: () => true },
  // Claims in the ID token itself, not only from userinfo.
  conformIdTokenClaims: false,
  findAccount: async (ctx, sub) => {
    if (!accounts[sub]) return undefined;
    return { accountId: sub, claims: async () => ({ sub, ...accounts[sub] }) };
  },
  // First-party: no consent screen.
  loadExistingGrant: async (ctx) => {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
  ttl: { IdToken: 3600, AccessToken: 3600, AuthorizationCode: 60, Session: 3600, Interaction: 3600, Grant: 3600 },
});
provider.proxy = false;

let jwksHits = 0;
provider.use(async (ctx, next) => {
  if (ctx.path === '/__test/jwks-hits') {
    ctx.body = { hits: jwksHits };
    return;
  }
  if (ctx.path === '/__test/tamper') {
    config.tamper = ctx.query.mode || null;
    ctx.body = { tamper: config.tamper };
    return;
  }
  if (ctx.path === '/jwks') jwksHits += 1;
  await next();
  if (ctx.path === '/token' && ctx.body && ctx.body.id_token && config.tamper) {
    ctx.body = { ...ctx.body, id_token: await spoil(ctx.body.id_token) };
  }
});

async function spoil(token) {
  const claims = decodeJwt(token);
  const now = Math.floor(Date.now() / 1000);
  const sign = (payload, key = privateKey, kid = jwk.kid) =>
    new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid }).sign(key);
  switch (config.tamper) {
    case 'wrong-nonce':
      return sign({ ...claims, nonce: 'not-the-nonce-sent' });
    case 'expired':
      return sign({ ...claims, iat: now - 7200, exp: now - 3600 });
    case 'wrong-aud':
      return sign({ ...claims, aud: 'another-client', azp: 'another-client' });
    case 'alg-none':
      return new UnsecuredJWT(claims).encode();
    case 'hs256': {
      const client = (config.clients || []).find((c) => c.client_id === claims.aud) || {};
      const secret = new TextEncoder().encode(client.client_secret || '');
      return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(secret);
    }
    case 'foreign-key':
      return sign(claims, foreign.privateKey, 'foreign');
    default:
      throw new Error(`unknown tamper ${config.tamper}`);
  }
}

server.on('request', provider.callback());
process.stdout.write(`${JSON.stringify({ issuer })}\n`);
process.on('SIGTERM', () => process.exit(0));
