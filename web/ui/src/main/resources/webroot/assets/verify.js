// The applicant's mobile verification (docs/protocol.md, "Mobile verification"): asks the server for an SMS
// code, solves the proof-of-work challenge when the server asks for one, and exchanges the code for the
// mobile token that `join` carries. The token is kept in sessionStorage with its number and expiry.

const TOKEN_KEY = 'tongban.mobileToken';

/** An error answered by the server: its stable code, and retryAfter (seconds) or reason when given. */
export class VerifyError extends Error {
  constructor(code, message, { retryAfter = 0, reason = null } = {}) {
    super(message || code);
    this.code = code;
    this.retryAfter = retryAfter;
    this.reason = reason;
  }
}

/** Whether this server needs a verified number: {required, codeLength, resendSeconds}. */
export async function verificationSettings() {
  const response = await fetch('/api/verify', { cache: 'no-cache' });
  if (!response.ok) throw new VerifyError('NETWORK');
  return response.json();
}

/**
 * Asks for a code to `mobile`; when the server wants a challenge solved first, solves it (reporting through
 * `onSolving(true/false)`) and asks again. Answers {resendAfter, validFor}.
 */
export async function requestCode(mobile, { onSolving = () => {} } = {}) {
  let body = { mobile };
  for (let round = 0; round < 3; round++) {
    const response = await post('/api/verify/code', body);
    if (response.ok) return response.json();
    const error = await errorOf(response);
    if (error.code !== 'CHALLENGE_REQUIRED' || !error.challenge) throw toError(error);
    onSolving(true);
    try {
      body = { mobile, challenge: error.challenge, nonce: await solve(error.challenge, error.bits) };
    } finally {
      onSolving(false);
    }
  }
  throw new VerifyError('CHALLENGE_INVALID');
}

/** Exchanges the SMS code for the number's token, and keeps it. */
export async function confirmCode(mobile, code) {
  const response = await post('/api/verify/confirm', { mobile, code });
  if (!response.ok) throw toError(await errorOf(response));
  const { mobileToken, validFor } = await response.json();
  sessionStorage.setItem(TOKEN_KEY, JSON.stringify({ mobile, token: mobileToken, until: Date.now() + validFor * 1000 }));
  return mobileToken;
}

/** The kept token for `mobile` if it is still good for a few minutes, else null. */
export function tokenFor(mobile) {
  try {
    const kept = JSON.parse(sessionStorage.getItem(TOKEN_KEY) ?? 'null');
    return kept && kept.mobile === mobile && kept.until - Date.now() > 2 * 60_000 ? kept.token : null;
  } catch {
    return null;
  }
}

/** Forgets the kept token (the server refused it). */
export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/**
 * Finds a decimal nonce such that SHA-256(challenge + ":" + nonce) begins with `bits` zero bits. Hashes in
 * batches, so that the page stays responsive.
 */
export async function solve(challenge, bits) {
  const encoder = new TextEncoder();
  const batch = 512;
  for (let start = 0; start < 2 ** 32; start += batch) {
    const hashes = await Promise.all(
      Array.from({ length: batch }, (_, i) => crypto.subtle.digest('SHA-256', encoder.encode(`${challenge}:${start + i}`))),
    );
    for (let i = 0; i < batch; i++) {
      if (leadingZeroBits(new Uint8Array(hashes[i])) >= bits) return String(start + i);
    }
  }
  throw new VerifyError('CHALLENGE_INVALID');
}

function leadingZeroBits(bytes) {
  let zeros = 0;
  for (const b of bytes) {
    if (b === 0) {
      zeros += 8;
      continue;
    }
    return zeros + Math.clz32(b) - 24;
  }
  return zeros;
}

function post(path, body) {
  return fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    cache: 'no-store',
  }).catch(() => {
    throw new VerifyError('NETWORK');
  });
}

async function errorOf(response) {
  try {
    const { error } = await response.json();
    return error ?? { code: 'INTERNAL' };
  } catch {
    return { code: response.status >= 500 ? 'SMS_UNAVAILABLE' : 'INTERNAL' };
  }
}

function toError(error) {
  return new VerifyError(error.code, error.message, { retryAfter: error.retryAfter ?? 0, reason: error.reason ?? null });
}
