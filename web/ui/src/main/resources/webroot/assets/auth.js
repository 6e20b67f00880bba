// A clerk's or supervisor's session token (docs/protocol.md, "Sign-in and session tokens"): short-lived,
// kept in sessionStorage with its expiry, and exchanged for a fresh one (POST /api/auth/refresh) a few
// minutes before it expires, so that a reconnect of the WebSocket late in a long session still signs in.
// Signing out revokes it on the server (POST /api/auth/logout).

const REFRESH_BEFORE_MS = 5 * 60 * 1000;
const RETRY_MS = 30 * 1000;

/**
 * The token under `storageKey`. `onRefresh(token)` is called with each fresh token; `onEnded(code)` when
 * the server will not refresh it any more (signed out elsewhere, password changed, sign-in too old).
 */
export function tokenKeeper(storageKey, { onRefresh = () => {}, onEnded = () => {} } = {}) {
  const expiresKey = `${storageKey}.expiresAt`;
  let timer = null;

  function schedule() {
    clearTimeout(timer);
    timer = null;
    if (!sessionStorage.getItem(storageKey)) return;
    const expiresAt = Number(sessionStorage.getItem(expiresKey) || 0);
    timer = setTimeout(refresh, Math.max(0, expiresAt - Date.now() - REFRESH_BEFORE_MS));
  }

  async function refresh() {
    const token = sessionStorage.getItem(storageKey);
    if (!token) return;
    try {
      const response = await fetch('/api/auth/refresh', {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
      });
      const body = await response.json().catch(() => ({}));
      if (sessionStorage.getItem(storageKey) !== token) return; // signed out or in again meanwhile
      if (response.ok && body.token) {
        keeper.store(body.token, body.expiresIn);
        onRefresh(body.token);
        return;
      }
      if (response.status === 401) {
        keeper.forget();
        onEnded(body.error?.code ?? 'AUTH_FAILED');
        return;
      }
    } catch {
      // Offline or the node is gone: try again shortly (another node accepts the same token).
    }
    clearTimeout(timer);
    timer = setTimeout(refresh, RETRY_MS);
  }

  const keeper = {
    get token() {
      return sessionStorage.getItem(storageKey);
    },
    /** Keeps a token that lasts `expiresIn` seconds, and refreshes it before then. */
    store(token, expiresIn) {
      sessionStorage.setItem(storageKey, token);
      // A server that does not say (older build) gets its token refreshed at once.
      sessionStorage.setItem(expiresKey, String(Date.now() + (Number(expiresIn) || 0) * 1000));
      schedule();
    },
    /** After a reload: refresh the stored token in time. */
    resume() {
      schedule();
    },
    forget() {
      clearTimeout(timer);
      timer = null;
      sessionStorage.removeItem(storageKey);
      sessionStorage.removeItem(expiresKey);
    },
    /** Signs out: the server revokes the token (on every node), and it is forgotten here. */
    async logout() {
      const token = sessionStorage.getItem(storageKey);
      keeper.forget();
      if (!token) return;
      await fetch('/api/auth/logout', {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}` },
        keepalive: true,
      }).catch(() => {});
    },
  };
  return keeper;
}
