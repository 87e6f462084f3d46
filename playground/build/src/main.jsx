// The exo playground: GraphiQL with exo's configuration (window.exoConfig,
// injected by the Go handler), an "Authenticate" dialog that signs a JWT
// for each request, an optional upstream endpoint for operations and a
// schema live update for exo dev / exo yolo.
import { useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { Dialog, ToolbarButton, useGraphiQLActions } from '@graphiql/react';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import 'graphiql/style.css';
import { editorWorker, jsonWorker, graphqlWorker } from 'exo:workers';
import './exo.css';

// Monaco's web workers, inlined: each one runs from a blob URL.
const workerURLs = {};
function workerURL(name, src) {
  if (!workerURLs[name]) {
    workerURLs[name] = URL.createObjectURL(new Blob([src], { type: 'text/javascript' }));
  }
  return workerURLs[name];
}
globalThis.MonacoEnvironment = {
  getWorker(_id, label) {
    switch (label) {
      case 'json':
        return new Worker(workerURL('json', jsonWorker));
      case 'graphql':
        return new Worker(workerURL('graphql', graphqlWorker));
    }
    return new Worker(workerURL('editor', editorWorker));
  },
};

const config = Object.assign(
  {
    playgroundHttpPath: '/playground',
    graphqlHttpPath: '/graphql',
    enableSchemaLiveUpdate: false,
    oidcUrl: '',
    upstreamGraphQLEndpoint: '',
    jwtSourceHeader: '',
    jwtSourceCookie: '',
  },
  window.exoConfig || {},
);

const localURL = new URL(config.graphqlHttpPath, window.location.href).toString();
const upstreamURL = config.upstreamGraphQLEndpoint || '';

// ---- authentication ----------------------------------------------------

const AUTH_KEY = 'exo:playground:auth';

function loadAuth() {
  try {
    return JSON.parse(window.localStorage.getItem(AUTH_KEY)) || null;
  } catch {
    return null;
  }
}

function saveAuth(auth) {
  if (auth) {
    window.localStorage.setItem(AUTH_KEY, JSON.stringify(auth));
  } else {
    window.localStorage.removeItem(AUTH_KEY);
  }
}

function base64url(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const utf8 = s => new TextEncoder().encode(s);

// signHS256 returns a JWT for claims signed with secret (HMAC-SHA256).
async function signHS256(claims, secret) {
  if (!window.crypto || !window.crypto.subtle) {
    throw new Error('signing a JWT needs a secure context (https or localhost)');
  }
  const now = Math.floor(Date.now() / 1000);
  const payload = Object.assign({ iat: now, exp: now + 3600 }, claims);
  const input =
    base64url(utf8(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))) +
    '.' +
    base64url(utf8(JSON.stringify(payload)));
  const key = await window.crypto.subtle.importKey(
    'raw',
    utf8(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const sig = new Uint8Array(await window.crypto.subtle.sign('HMAC', key, utf8(input)));
  return input + '.' + base64url(sig);
}

async function currentToken() {
  const auth = loadAuth();
  if (!auth) return null;
  if (auth.token) return auth.token;
  if (auth.secret) return signHS256(auth.claims || {}, auth.secret);
  return null;
}

// authHeaders returns the headers (or sets the cookie) carrying the token
// where the server looks for it (EXO_JWT_SOURCE_HEADER / _COOKIE).
async function authHeaders() {
  const token = await currentToken();
  if (config.jwtSourceCookie) {
    const name = config.jwtSourceCookie;
    document.cookie = token
      ? `${name}=${token}; path=/; SameSite=Lax`
      : `${name}=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT`;
    return {};
  }
  if (!token) return {};
  return { [config.jwtSourceHeader || 'Authorization']: 'Bearer ' + token };
}

// ---- fetcher -----------------------------------------------------------

function isIntrospection(body) {
  try {
    const req = JSON.parse(body);
    return req.operationName === 'IntrospectionQuery';
  } catch {
    return false;
  }
}

async function exoFetch(url, init) {
  const headers = Object.assign({}, init.headers, { _exo_playground: 'true' }, await authHeaders());
  let target = url;
  if (upstreamURL && !isIntrospection(init.body)) {
    // exo playground --endpoint: the schema comes from the local server,
    // operations run against the remote endpoint.
    target = upstreamURL;
  }
  // Cookies go along (cross-origin too) only when the token travels in one:
  // a server answering CORS with "*" refuses credentialed requests.
  const credentials = config.jwtSourceCookie ? 'include' : 'same-origin';
  return window.fetch(target, Object.assign({}, init, { headers, credentials }));
}

const fetcher = createGraphiQLFetcher({ url: localURL, fetch: exoFetch });

// ---- components --------------------------------------------------------

function KeyIcon() {
  return (
    <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.5" aria-hidden="true">
      <circle cx="8" cy="15" r="4" />
      <path d="M10.8 12.2 19 4m-3 3 3 3m-6-3 3 3" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}

function AuthDialog({ open, onOpenChange, onChange }) {
  const saved = loadAuth() || {};
  const [mode, setMode] = useState(saved.token ? 'token' : 'secret');
  const [secret, setSecret] = useState(saved.secret || '');
  const [claims, setClaims] = useState(saved.claims ? JSON.stringify(saved.claims, null, 2) : '{\n  "sub": "1"\n}');
  const [token, setToken] = useState(saved.token || '');
  const [error, setError] = useState('');

  async function signIn(e) {
    e.preventDefault();
    setError('');
    try {
      let auth;
      if (mode === 'token') {
        if (!token.trim()) throw new Error('Enter a token');
        auth = { token: token.trim() };
      } else {
        if (!secret) throw new Error('Enter the secret');
        let parsed;
        try {
          parsed = JSON.parse(claims || '{}');
        } catch (err) {
          throw new Error('Claims are not valid JSON: ' + err.message);
        }
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
          throw new Error('Claims must be a JSON object');
        }
        await signHS256(parsed, secret); // fail now rather than on the first request
        auth = { secret, claims: parsed };
      }
      saveAuth(auth);
      onChange(auth);
      onOpenChange(false);
    } catch (err) {
      setError(err.message);
    }
  }

  function signOut() {
    saveAuth(null);
    if (config.jwtSourceCookie) {
      document.cookie = `${config.jwtSourceCookie}=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT`;
    }
    onChange(null);
    onOpenChange(false);
  }

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <div className="exo-auth">
        <div className="graphiql-dialog-header">
          <Dialog.Title className="graphiql-dialog-title">Authenticate</Dialog.Title>
          <Dialog.Close />
        </div>
        <form className="graphiql-dialog-section exo-auth-form" onSubmit={signIn}>
          <div className="exo-auth-modes">
            <label>
              <input type="radio" checked={mode === 'secret'} onChange={() => setMode('secret')} /> Secret and claims
            </label>
            <label>
              <input type="radio" checked={mode === 'token'} onChange={() => setMode('token')} /> Token
            </label>
          </div>
          {config.oidcUrl ? (
            <p className="exo-auth-note">
              The server verifies tokens from {config.oidcUrl}. Sign in with that provider elsewhere and paste the
              token here.
            </p>
          ) : null}
          {mode === 'secret' ? (
            <>
              <label>
                Secret
                <input
                  type="password"
                  name="secret"
                  autoComplete="off"
                  value={secret}
                  onChange={e => setSecret(e.target.value)}
                  placeholder="EXO_JWT_SECRET"
                />
              </label>
              <label>
                Claims
                <textarea name="claims" rows={6} value={claims} onChange={e => setClaims(e.target.value)} />
              </label>
            </>
          ) : (
            <label>
              Token
              <textarea name="token" rows={4} value={token} onChange={e => setToken(e.target.value)} />
            </label>
          )}
          {error ? <p className="exo-auth-error">{error}</p> : null}
          <div className="exo-auth-buttons">
            <button type="submit" className="graphiql-button exo-auth-signin">
              Sign In
            </button>
            {saved.secret || saved.token ? (
              <button type="button" className="graphiql-button" onClick={signOut}>
                Sign Out
              </button>
            ) : null}
          </div>
        </form>
      </div>
    </Dialog>
  );
}

function AuthButton() {
  const [open, setOpen] = useState(false);
  const [auth, setAuth] = useState(loadAuth());
  return (
    <>
      <ToolbarButton
        label={auth ? 'Authenticated (click to change or sign out)' : 'Authenticate'}
        onClick={() => setOpen(true)}
        className={auth ? 'exo-auth-on' : ''}
      >
        <KeyIcon />
      </ToolbarButton>
      {open ? <AuthDialog open={open} onOpenChange={setOpen} onChange={setAuth} /> : null}
    </>
  );
}

// LiveUpdate re-reads the schema when the server's changes (exo dev and
// exo yolo rebuild the server whenever the model changes).
const FINGERPRINT_QUERY =
  'query ExoSchemaFingerprint { __schema { types { name kind fields(includeDeprecated: true) { name args { name } type { name kind ofType { name kind ofType { name kind ofType { name } } } } } inputFields { name } enumValues(includeDeprecated: true) { name } } } }';

function LiveUpdate() {
  const { introspect } = useGraphiQLActions();
  useEffect(() => {
    let last = null;
    let stopped = false;
    async function poll() {
      if (stopped || document.hidden) return;
      try {
        const res = await window.fetch(localURL, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', _exo_playground: 'true' },
          body: JSON.stringify({ query: FINGERPRINT_QUERY, operationName: 'ExoSchemaFingerprint' }),
        });
        const text = await res.text();
        if (!res.ok || stopped) return;
        if (last !== null && text !== last) introspect();
        last = text;
      } catch {
        // the server is restarting: try again later
      }
    }
    poll();
    const id = window.setInterval(poll, 2000);
    return () => {
      stopped = true;
      window.clearInterval(id);
    };
  }, [introspect]);
  return null;
}

function App() {
  return (
    <GraphiQL fetcher={fetcher} shouldPersistHeaders={false} defaultEditorToolsVisibility={false}>
      <GraphiQL.Logo>
        <span className="exo-logo">
          Exo
          {upstreamURL ? (
            <span className="exo-endpoint" title="Operations run against this endpoint">
              Endpoint: {upstreamURL}
            </span>
          ) : null}
        </span>
      </GraphiQL.Logo>
      <GraphiQL.Toolbar>
        {({ prettify, merge, copy }) => (
          <>
            {prettify}
            {merge}
            {copy}
            <AuthButton />
            {config.enableSchemaLiveUpdate ? <LiveUpdate /> : null}
          </>
        )}
      </GraphiQL.Toolbar>
    </GraphiQL>
  );
}

createRoot(document.getElementById('root')).render(<App />);
