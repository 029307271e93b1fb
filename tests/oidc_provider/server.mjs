// A real OpenID Provider for Drop-in's tests: panva's certified `oidc-provider`, configured with test
// clients and accounts, its own plain-HTML sign-in page, and a few controls under /__test/ that only this
// test server has. Never deploy it.
//
//   PORT=0 node tests/oidc_provider/server.mjs   ->  prints "listening http://127.0.0.1:<port>" when ready
//
// The issuer is exactly http://127.0.0.1:<port>. Everything (sessions, codes, grants, keys) lives in memory
// and is gone when the process ends. Set OIDC_PROVIDER_VERBOSE=1 to see the library's notices and errors.

import * as crypto from 'node:crypto';
import * as http from 'node:http';

const VERBOSE = Boolean(process.env.OIDC_PROVIDER_VERBOSE);

// Quiet logs: the library prints notices (stdout) and warnings (stderr), such as its advice to run on a
// newer Node LTS, through console.info/console.warn. Stdout is kept for the one "listening" line.
const consoleInfo = console.info.bind(console);
const consoleWarn = console.warn.bind(console);
console.info = (...args) => { if (VERBOSE) consoleInfo(...args); };
console.warn = (...args) => { if (VERBOSE) consoleWarn(...args); };
console.log = (...args) => { if (VERBOSE) consoleInfo(...args); };

// The provider's clock: every "now" it uses (token iat/exp, code and session expiry, its in-memory store)
// comes from Date.now(), moved by POST /__test/clock. Set-Cookie expiry dates are put back on the real
// clock (see moveCookiesBackToRealTime) so that a browser does not drop cookies the moved clock made old.
const realNow = Date.now.bind(Date);
let clockOffsetMs = 0;
Date.now = () => realNow() + clockOffsetMs;

const { default: Provider, errors } = await import('oidc-provider');

// ---------------------------------------------------------------------------------------------------
// Accounts: a table keyed by login name, changed at run time by POST /__test/accounts.

const STARTING_ACCOUNTS = [
  { login: 'mfa@nhs.test', sub: 'sub-mfa', email: 'mfa@nhs.test', email_verified: true, name: 'Mfa Tester', amr: ['pwd', 'mfa'] },
  { login: 'plain@nhs.test', sub: 'sub-plain', email: 'plain@nhs.test', email_verified: true, name: 'Plain Tester', amr: ['pwd'] },
  { login: 'unverified@nhs.test', sub: 'sub-unverified', email: 'unverified@nhs.test', email_verified: false, name: 'Unverified Tester', amr: ['pwd'] },
];

let accounts = new Map();

function resetAccounts() {
  accounts = new Map(STARTING_ACCOUNTS.map((a) => [a.login, { ...a, amr: [...a.amr] }]));
}
resetAccounts();

// A login name not in the table is an account of its own: sub "sub-<login>", email = login, verified.
function implicitAccount(login) {
  return { login, sub: `sub-${login}`, email: login, email_verified: true, name: login, amr: ['pwd'] };
}

function accountForLogin(login) {
  if (!accounts.has(login)) {
    accounts.set(login, implicitAccount(login));
  }
  return accounts.get(login);
}

function accountForSub(sub) {
  for (const account of accounts.values()) {
    if (account.sub === sub) return account;
  }
  return undefined;
}

// Adds or replaces an account. A sub names one account: an entry of another login with the same sub is
// replaced too, so a test can give an existing sub a new email (or a new login name).
function setAccount(body) {
  const login = typeof body.login === 'string' ? body.login.trim() : '';
  if (!login) throw new TypeError('"login" (a non-empty string) is required');
  const base = accounts.get(login) || implicitAccount(login);
  const account = {
    login,
    sub: body.sub ?? base.sub,
    email: body.email ?? base.email,
    // null: the provider sends no email_verified at all (as Microsoft Entra ID does not).
    email_verified: body.email_verified === null ? null : (body.email_verified ?? base.email_verified),
    // Entra ID's optional claim: the address's domain owner is verified.
    xms_edov: body.xms_edov ?? base.xms_edov,
    name: body.name ?? base.name,
    amr: body.amr ?? base.amr,
  };
  if (typeof account.sub !== 'string' || !account.sub) throw new TypeError('"sub" must be a non-empty string');
  if (typeof account.email !== 'string') throw new TypeError('"email" must be a string');
  if (account.email_verified !== null && typeof account.email_verified !== 'boolean') {
    throw new TypeError('"email_verified" must be true, false or null (not sent)');
  }
  if (account.xms_edov !== undefined && typeof account.xms_edov !== 'boolean') {
    throw new TypeError('"xms_edov" must be true or false');
  }
  if (!Array.isArray(account.amr) || !account.amr.every((v) => typeof v === 'string')) {
    throw new TypeError('"amr" must be a list of strings');
  }
  for (const [otherLogin, other] of accounts) {
    if (other.sub === account.sub && otherLogin !== login) accounts.delete(otherLogin);
  }
  accounts.set(login, account);
  return account;
}

// ---------------------------------------------------------------------------------------------------
// Redirect URIs: the tests' clients live at http://testserver/ (Django's test client) or on a live server
// at http://127.0.0.1:<port>/ or http://localhost:<port>/. Any URI under those is accepted, nothing else.

function isTestClientUri(value) {
  let url;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' || url.username || url.password || url.hash) return false;
  if (url.hostname === 'testserver') return url.port === '';
  return url.hostname === '127.0.0.1' || url.hostname === 'localhost';
}

// ---------------------------------------------------------------------------------------------------
// Keys: a fresh RSA key for RS256 ID tokens, and fresh cookie-signing keys, at every start.

function signingKey() {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: crypto.randomUUID(), alg: 'RS256', use: 'sig' };
}

// ---------------------------------------------------------------------------------------------------
// Plain HTML pages, without JavaScript.

function esc(value) {
  return String(value ?? '')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${esc(title)} - Test identity provider</title>
  <style>
    body { font-family: Arial, sans-serif; margin: 2rem auto; max-width: 30rem; padding: 0 1rem; color: #212b32; }
    label { display: block; font-weight: bold; margin-bottom: .3rem; }
    input { font-size: 1rem; padding: .4rem; width: 100%; box-sizing: border-box; margin-bottom: 1rem; }
    button { font-size: 1rem; padding: .5rem 1rem; margin-right: .5rem; }
    :focus { outline: 3px solid #ffeb3b; }
    .error { color: #d5281b; font-weight: bold; }
  </style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

function loginPage(uid, client, { login = '', error = '' } = {}) {
  const clientName = client?.clientName || client?.clientId || 'the service';
  return page('Sign in', `
  <h1>Sign in to the test identity provider</h1>
  <p>You are signing in to ${esc(clientName)}.</p>
  ${error ? `<p class="error" id="login-error">${esc(error)}</p>` : ''}
  <form method="post" action="/interaction/${esc(uid)}/login" novalidate>
    <label for="login">Email address</label>
    <input id="login" name="login" type="email" autocomplete="username" spellcheck="false"
      value="${esc(login)}"${error ? ' aria-describedby="login-error" aria-invalid="true"' : ''} autofocus>
    <button type="submit">Sign in</button>
    <button type="submit" formaction="/interaction/${esc(uid)}/abort">Cancel</button>
  </form>`);
}

async function logoutSource(ctx, form) {
  // `form` is the library's empty <form id="op.logoutForm" ...> with its xsrf field; the buttons belong to it.
  ctx.type = 'html';
  ctx.body = page('Sign out', `
  <h1>Sign out of the test identity provider?</h1>
  ${form}
  <button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign out</button>
  <button type="submit" form="op.logoutForm">No, stay signed in</button>`);
}

async function postLogoutSuccessSource(ctx) {
  ctx.type = 'html';
  ctx.body = page('Signed out', '<h1>You have signed out of the test identity provider</h1>');
}

async function renderError(ctx, out) {
  ctx.type = 'html';
  ctx.body = page('Error', `
  <h1>Something went wrong at the test identity provider</h1>
  ${Object.entries(out).map(([k, v]) => `<p><strong>${esc(k)}</strong>: <span class="${esc(k)}">${esc(v)}</span></p>`).join('\n  ')}`);
}

// ---------------------------------------------------------------------------------------------------
// The provider.

function configuration() {
  return {
    clients: [
      {
        client_id: 'dropin',
        client_secret: 'dropin-test-secret',
        client_name: 'Drop-in',
        // Placeholders: any URI under the tests' hosts is accepted (see isTestClientUri).
        redirect_uris: ['http://testserver/oidc/callback/'],
        post_logout_redirect_uris: ['http://testserver/'],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_basic', // client_secret_post is accepted as well
        id_token_signed_response_alg: 'RS256',
      },
      {
        client_id: 'other-client',
        client_secret: 'other-test-secret',
        client_name: 'Another service',
        redirect_uris: ['http://testserver/oidc/callback/'],
        post_logout_redirect_uris: ['http://testserver/'],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'RS256',
      },
    ],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    responseTypes: ['code'],
    // A request must name its redirect_uri, even though each client has just one (placeholder) registered.
    allowOmittingSingleRegisteredRedirectUri: false,
    pkce: { required: () => true }, // S256 is the only method this version supports
    scopes: ['openid', 'email', 'profile'],
    claims: {
      // amr comes from the sign-in (the interaction's login result), not from the account's claims; listed
      // under openid it is in every ID token that has it, as Entra ID and NHSmail put it, without the
      // client asking for it by the claims parameter.
      openid: ['sub', 'amr'],
      email: ['email', 'email_verified', 'xms_edov'],
      profile: ['name'],
      acr: null,
      auth_time: null,
      iss: null,
      sid: null,
    },
    // Put the scope's claims in the ID token itself, so a client need not call userinfo.
    conformIdTokenClaims: false,
    async findAccount(ctx, sub) {
      const account = accountForSub(sub);
      if (!account) return undefined;
      return {
        accountId: account.sub,
        async claims() {
          const current = accountForSub(sub) || account; // read at the time of issue
          const claims = { sub: current.sub, email: current.email, name: current.name };
          if (current.email_verified !== null) claims.email_verified = current.email_verified;
          if (current.xms_edov !== undefined) claims.xms_edov = current.xms_edov;
          return claims;
        },
      };
    },
    jwks: { keys: [signingKey()] },
    cookies: {
      keys: [crypto.randomBytes(32).toString('base64url')],
      // Names of their own: on 127.0.0.1 a browser sends cookies to every port, the client's too.
      names: { session: 'op_session', interaction: 'op_interaction', resume: 'op_interaction_resume' },
    },
    features: {
      devInteractions: { enabled: false },
      // What NHSmail and Entra ID offer a plain web client, no more: no DPoP, no pushed requests.
      dPoP: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      userinfo: { enabled: true },
      revocation: { enabled: false },
      introspection: { enabled: false },
    },
    renderError,
    ttl: {
      AccessToken: 60 * 60,
      AuthorizationCode: 60,
      IdToken: 60 * 60, // the library's default, one hour
      Interaction: 60 * 60,
      Session: 14 * 24 * 60 * 60,
      Grant: 14 * 24 * 60 * 60,
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  };
}

// ---------------------------------------------------------------------------------------------------
// HTTP: the interaction pages and test controls here, everything else the provider's own callback.

function moveCookiesBackToRealTime(res) {
  // Once, as the headers go out: the library sets Set-Cookie several times while it adds cookies.
  const writeHead = res.writeHead.bind(res);
  res.writeHead = (...args) => {
    const cookies = res.getHeader('set-cookie');
    if (clockOffsetMs && cookies) {
      const shift = (cookie) => cookie.replace(/(;\s*expires=)([^;]+)/i, (whole, prefix, date) => {
        const when = Date.parse(date);
        if (Number.isNaN(when) || when <= 0) return whole; // a deleted cookie stays deleted
        return prefix + new Date(when - clockOffsetMs).toUTCString();
      });
      res.setHeader('set-cookie', Array.isArray(cookies) ? cookies.map(shift) : shift(String(cookies)));
    }
    return writeHead(...args);
  };
}

function readBody(req, limit = 64 * 1024) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res, status, body, type = 'text/html; charset=utf-8') {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Cache-Control', 'no-store');
  res.end(body);
}

function sendJson(res, status, value) {
  send(res, status, `${JSON.stringify(value)}\n`, 'application/json');
}

async function handleTestControl(req, res, path) {
  if (req.method !== 'POST') return sendJson(res, 405, { error: 'POST only' });
  let body = {};
  const text = await readBody(req);
  if (text.trim()) {
    try {
      body = JSON.parse(text);
    } catch {
      return sendJson(res, 400, { error: 'the body must be JSON' });
    }
  }
  try {
    switch (path) {
      case '/__test/accounts':
        return sendJson(res, 200, { account: setAccount(body) });
      case '/__test/clock': {
        const seconds = Number(body.offset_seconds);
        if (!Number.isFinite(seconds)) return sendJson(res, 400, { error: '"offset_seconds" must be a number' });
        clockOffsetMs = Math.round(seconds * 1000);
        return sendJson(res, 200, { offset_seconds: clockOffsetMs / 1000, now: Math.floor(Date.now() / 1000) });
      }
      case '/__test/reset':
        resetAccounts();
        clockOffsetMs = 0;
        return sendJson(res, 200, { reset: true });
      default:
        return sendJson(res, 404, { error: 'no such test control' });
    }
  } catch (err) {
    return sendJson(res, 400, { error: err.message });
  }
}

async function handleInteraction(provider, req, res, uid, action) {
  let details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch (err) {
    if (err instanceof errors.SessionNotFound) {
      return send(res, 400, page('Sign-in expired', `
  <h1>This sign-in has expired or was already used</h1>
  <p>Go back to the service and start again.</p>`));
    }
    throw err;
  }
  if (details.uid !== uid) {
    return send(res, 400, page('Sign-in mismatch', '<h1>This sign-in page does not belong to this browser</h1>'));
  }
  const { prompt, params, session } = details;
  const client = await provider.Client.find(params.client_id);

  if (action === 'abort' && req.method === 'POST') {
    return provider.interactionFinished(req, res, {
      error: 'access_denied',
      error_description: 'End-User aborted interaction',
    }, { mergeWithLastSubmission: false });
  }

  if (prompt.name === 'login') {
    if (action === 'login' && req.method === 'POST') {
      const form = new URLSearchParams(await readBody(req));
      const login = (form.get('login') || '').trim();
      if (!login) {
        return send(res, 400, loginPage(uid, client, { error: 'Enter your email address' }));
      }
      const account = accountForLogin(login);
      return provider.interactionFinished(req, res, {
        login: { accountId: account.sub, amr: [...account.amr], remember: true },
      }, { mergeWithLastSubmission: false });
    }
    if (!action && req.method === 'GET') return send(res, 200, loginPage(uid, client));
    return send(res, 405, page('Not allowed', '<h1>Method not allowed</h1>'));
  }

  if (prompt.name === 'consent') {
    // Consent is given at once, for all that the client asked: no consent page.
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = prompt.details;
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    if (missingResourceScopes) {
      for (const [indicator, scopes] of Object.entries(missingResourceScopes)) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
    }
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  return send(res, 400, page('Unsupported', `<h1>Unsupported prompt: ${esc(prompt.name)}</h1>`));
}

const server = http.createServer();
const port = Number(process.env.PORT || 0);

server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration());

  provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(value) {
    return isTestClientUri(value);
  };
  provider.Client.prototype.postLogoutRedirectUriAllowed = function postLogoutRedirectUriAllowed(value) {
    return isTestClientUri(value);
  };

  if (VERBOSE) {
    provider.on('server_error', (ctx, err) => consoleWarn('server_error', err));
    provider.on('authorization.error', (ctx, err) => consoleWarn('authorization.error', err.message));
    provider.on('grant.error', (ctx, err) => consoleWarn('grant.error', err.message, err.error_description));
  } else {
    provider.on('server_error', (ctx, err) => process.stderr.write(`oidc test provider server_error: ${err.stack}\n`));
  }

  const providerCallback = provider.callback();

  server.on('request', async (req, res) => {
    moveCookiesBackToRealTime(res);
    const { pathname } = new URL(req.url, issuer);
    try {
      if (pathname.startsWith('/__test/')) {
        await handleTestControl(req, res, pathname);
        return;
      }
      const match = pathname.match(/^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|abort))?\/?$/);
      if (match) {
        await handleInteraction(provider, req, res, match[1], match[2]);
        return;
      }
      providerCallback(req, res);
    } catch (err) {
      process.stderr.write(`oidc test provider error: ${err.stack}\n`);
      if (!res.headersSent) send(res, 500, page('Error', '<h1>The test identity provider failed</h1>'));
      else res.end();
    }
  });

  process.stdout.write(`listening ${issuer}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections?.();
    process.exit(0);
  });
}
