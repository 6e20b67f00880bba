// The signed application (申请书) on both pages. Protocol: docs/protocol.md, "Signed application and
// hand-off".
//
// Applicant: reads the page images of the rendered application, asks for the one-time intent code (shown
// here only — the clerk never sees it) and types it back (意愿认证), draws the handwritten signature, and
// signs with a key made in this browser: ECDSA P-256, not extractable, certified by the hall CA for this
// session; then follows the clerk's signature, the seal and the hand-off to the owning hall, and downloads
// the application and the receipt (回执).
//
// Clerk: prepares the application, sees the same pages and the applicant's progress (never the code),
// signs and seals once the applicant signed, and follows the hand-off. The clerk's page has no intent or
// signing controls; the server refuses them from a clerk's connection anyway (NO_CONTROL_ZONE).

import { errorText, getLang, onLangChange, t } from './i18n.js';
import { SignalingError } from './signaling.js';

const PAD_WIDTH = 480;
// sign_complete: the first send and up to three more after reconnecting; how long to wait for the resume
// (the client itself gives up after two minutes).
const SIGN_COMPLETE_ATTEMPTS = 4;
const RESUME_WAIT_MS = 150_000;
// The documents carry Beijing time; the page shows the same, wherever the browser is.
const CHINA = 'Asia/Shanghai';

function formatTime(ms) {
  return new Date(ms).toLocaleTimeString(getLang(), { timeZone: CHINA, hour: '2-digit', minute: '2-digit' });
}

function formatDateTime(ms) {
  return new Date(ms).toLocaleString(getLang(), { timeZone: CHINA, hour12: false });
}
const PAD_HEIGHT = 160;

export function initSigning(client, { role, onChange = () => {} }) {
  const root = document.getElementById('signing');
  const clerk = role === 'clerk';
  const state = {
    session: null,
    hasForm: false,
    app: null, // the last 'application' message
    intent: null, // {code, expiresAt} — applicant only
    busy: null, // what is running: 'prepare' | 'intent' | 'confirm' | 'sign' | 'seal'
    working: null, // i18n key of the current signing stage
    notice: null,
    strokes: [],
    key: null, // the CryptoKeyPair of this signing attempt (applicant)
    resends: 0, // sign_complete sent again after a dropped connection (applicant)
    errors: [],
  };
  const ours = (m) => state.session && m.sessionId === state.session.sessionId;

  client.addEventListener('paired', async (e) => {
    const paired = e.detail;
    if (clerk && paired.role !== 'clerk') return; // helpers and supervisors (bridge mode) do not sign
    if (state.session?.sessionId !== paired.sessionId) {
      Object.assign(state, { app: null, intent: null, busy: null, working: null, notice: null, strokes: [], key: null });
    }
    state.session = paired;
    try {
      const r = await fetch(`/api/forms/${encodeURIComponent(paired.matterId)}`, { headers: { Accept: 'application/json' } });
      state.hasForm = r.ok;
    } catch {
      state.hasForm = false;
    }
    render();
  });
  client.addEventListener('ended', (e) => {
    if (ours(e.detail)) {
      state.session = null;
      render();
    }
  });
  client.addEventListener('application', (e) => {
    if (!ours(e.detail)) return;
    const previous = state.app;
    state.app = e.detail;
    const first = !previous;
    if (e.detail.status !== 'prepared') state.intent = null;
    if (previous && previous.pdfSha256 !== e.detail.pdfSha256 && e.detail.status === 'prepared') state.intent = null;
    render();
    // The applicant's attention goes to the application the moment it appears.
    if (first && !clerk && e.detail.status === 'prepared') root.scrollIntoView({ behavior: 'smooth', block: 'start' });
  });
  client.addEventListener('intent_code', (e) => {
    if (!ours(e.detail)) return;
    state.intent = e.detail;
    render();
    root.querySelector('#intent-input')?.focus();
  });

  // Errors about signing messages that no request awaited (e.g. sent through the test hook).
  const SIGNING_TYPES = new Set(['app_prepare', 'intent_request', 'intent_confirm', 'sign_begin', 'sign_complete', 'clerk_sign']);
  client.addEventListener('error', (e) => {
    if (!SIGNING_TYPES.has(e.detail.about)) return;
    state.errors.push({ about: e.detail.about, code: e.detail.code });
    state.notice = { text: errorText(e.detail.code, e.detail.reason), kind: 'error' };
    render();
  });

  root.addEventListener('click', async (e) => {
    const button = e.target.closest('button[data-action]');
    if (!button || !state.session || state.busy) return;
    const action = button.dataset.action;
    if (action === 'clear') {
      state.strokes = [];
      drawPad();
      render();
      return;
    }
    // Read before run() re-renders the panel (and replaces the input).
    const code = root.querySelector('#intent-input')?.value.trim() ?? '';
    await run(action, async () => {
      const sessionId = state.session.sessionId;
      if (action === 'prepare') {
        await client.request({ type: 'app_prepare', sessionId }, 60_000);
      } else if (action === 'intent') {
        await client.request({ type: 'intent_request', sessionId });
      } else if (action === 'confirm') {
        await client.request({ type: 'intent_confirm', sessionId, code });
      } else if (action === 'sign') {
        await signWithBrowserKey(sessionId);
      } else if (action === 'seal') {
        await client.request({ type: 'clerk_sign', sessionId }, 60_000);
      }
    });
  });
  root.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && e.target.id === 'intent-input') {
      e.preventDefault();
      root.querySelector('button[data-action=confirm]')?.click();
    }
  });

  async function run(action, work) {
    state.busy = action;
    state.notice = null;
    render();
    try {
      await work();
    } catch (err) {
      state.errors.push({ about: action, code: err.code ?? 'INTERNAL' });
      // A browser-side failure (no code) is not shown raw either: its text is for developers.
      state.notice = { text: errorText(err.code ?? 'INTERNAL', err.reason), kind: 'error' };
    } finally {
      state.busy = null;
      state.working = null;
      render();
    }
  }

  /**
   * The applicant's signature: a fresh non-extractable ECDSA P-256 key; its public half and the handwriting
   * go to the server, which has the hall CA certify it and hands back the DER signed attributes; WebCrypto
   * signs them (hashing with SHA-256 itself) and the raw r||s value goes back.
   */
  async function signWithBrowserKey(sessionId) {
    if (state.strokes.length === 0) throw new Error(t('sign.pad.empty'));
    state.working = 'sign.working.key';
    render();
    state.key = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
    const spki = await crypto.subtle.exportKey('spki', state.key.publicKey);
    state.working = 'sign.working.cert';
    render();
    const data = await client.request({ type: 'sign_begin', sessionId, publicKey: base64(spki), handwriting: handwritingPng() }, 60_000);
    state.working = 'sign.working.sign';
    render();
    const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, state.key.privateKey, unbase64(data.data));
    await completeSignature({ type: 'sign_complete', sessionId, signature: base64(signature) });
  }

  /**
   * Sends the signature value. When the connection drops before the answer (or the answer does not come),
   * waits until the page has resumed its session — on this node or, after a failover, on another — and
   * sends the same value again: the prepared signature is kept in the cluster, the key only here, and the
   * server completes once and answers a repeat of the same value with the signed application.
   */
  async function completeSignature(message) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await client.request(message, 60_000);
      } catch (err) {
        // A repeat told "already signed" while the page shows it signed: the first attempt went through.
        if (attempt > 1 && err.code === 'WRONG_STATE' && state.app && !['prepared', 'intent_confirmed'].includes(state.app.status)) return null;
        if (err.code !== 'NETWORK' || attempt >= SIGN_COMPLETE_ATTEMPTS) throw err;
        state.working = 'sign.working.reconnect';
        state.resends += 1;
        render();
        await sessionBack(message.sessionId);
        state.working = 'sign.working.sign';
        render();
      }
    }
  }

  /** Resolves once this session is paired again on an open connection (after a resume); rejects when it ends. */
  function sessionBack(sessionId) {
    if (client.isOpen) return Promise.resolve(); // no answer on a live connection: send again at once
    return new Promise((resolve, reject) => {
      const done = (fn, arg) => {
        client.removeEventListener('paired', onPaired);
        client.removeEventListener('ended', onEnded);
        client.removeEventListener('state', onState);
        clearTimeout(timer);
        fn(arg);
      };
      const onPaired = (e) => e.detail.sessionId === sessionId && done(resolve);
      const onEnded = (e) => e.detail.sessionId === sessionId && done(reject, new SignalingError('WRONG_STATE', 'the session ended'));
      const onState = (e) => ['failed', 'closed'].includes(e.detail.state) && done(reject, new SignalingError('NETWORK', e.detail.state));
      const timer = setTimeout(() => done(reject, new SignalingError('NETWORK', 'not resumed')), RESUME_WAIT_MS);
      client.addEventListener('paired', onPaired);
      client.addEventListener('ended', onEnded);
      client.addEventListener('state', onState);
    });
  }

  // ------------------------------------------------------------ handwriting pad

  let pad = null;
  let drawing = null;

  function bindPad(canvas) {
    pad = canvas;
    const point = (e) => {
      const r = canvas.getBoundingClientRect();
      return [((e.clientX - r.left) / r.width) * PAD_WIDTH, ((e.clientY - r.top) / r.height) * PAD_HEIGHT];
    };
    canvas.addEventListener('pointerdown', (e) => {
      e.preventDefault();
      canvas.setPointerCapture?.(e.pointerId);
      drawing = [point(e)];
      state.strokes.push(drawing);
      drawPad();
    });
    canvas.addEventListener('pointermove', (e) => {
      if (!drawing) return;
      drawing.push(point(e));
      drawPad();
    });
    const end = () => {
      if (!drawing) return;
      drawing = null;
      render();
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
    drawPad();
  }

  function paint(ctx, scale = 1) {
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.strokeStyle = '#14245a';
    ctx.lineWidth = 3.2 * scale;
    for (const stroke of state.strokes) {
      ctx.beginPath();
      stroke.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(x * scale, y * scale) : ctx.lineTo(x * scale, y * scale)));
      if (stroke.length === 1) ctx.lineTo(stroke[0][0] * scale + 0.1, stroke[0][1] * scale);
      ctx.stroke();
    }
  }

  function drawPad() {
    if (!pad) return;
    const ctx = pad.getContext('2d');
    ctx.clearRect(0, 0, PAD_WIDTH, PAD_HEIGHT);
    paint(ctx);
  }

  /** The strokes as a PNG with a transparent background (base64), drawn afresh at 1:1. */
  function handwritingPng() {
    const canvas = document.createElement('canvas');
    canvas.width = PAD_WIDTH;
    canvas.height = PAD_HEIGHT;
    paint(canvas.getContext('2d'));
    return canvas.toDataURL('image/png').split(',')[1];
  }

  // ------------------------------------------------------------ rendering

  function el(tag, props = {}, ...children) {
    const node = Object.assign(document.createElement(tag), props);
    for (const c of children) if (c != null && c !== false) node.append(c);
    return node;
  }

  function button(action, text, cls = 'btn primary') {
    const b = el('button', { type: 'button', className: cls, textContent: text });
    b.dataset.action = action;
    b.disabled = Boolean(state.busy);
    return b;
  }

  const STEPS = ['review', 'intent', 'sign', 'seal', 'receipt'];

  function currentStep(app) {
    if (!app) return -1;
    if (app.status === 'prepared') return state.intent ? 1 : 0;
    if (app.status === 'intent_confirmed') return 2;
    if (app.status === 'applicant_signed') return 3;
    return app.handoff?.receiptNo ? 5 : 4;
  }

  function steps(app) {
    const at = currentStep(app);
    const nav = el('ol', { className: 'sign-steps' });
    STEPS.forEach((s, i) => {
      const li = el('li', { textContent: t(`sign.step.${s}`) });
      li.className = i < at ? 'done' : i === at ? 'current' : '';
      nav.append(li);
    });
    return nav;
  }

  function previews(app) {
    const box = el('div', { className: 'sign-preview', id: 'sign-preview' });
    box.setAttribute('aria-label', t('sign.preview.label'));
    app.previews.forEach((url, i) => {
      const img = el('img', { src: url, alt: t('sign.preview.alt', { n: i + 1 }), loading: 'eager' });
      img.dataset.page = String(i);
      const link = el('a', { href: url, target: '_blank', rel: 'noopener' }, img);
      box.append(el('figure', {}, link, el('figcaption', { textContent: t('sign.preview.page', { n: i + 1, total: app.previews.length }) })));
    });
    return box;
  }

  function signers(app) {
    if (!app.signers?.length) return null;
    const list = el('ul', { className: 'sign-signers', id: 'sign-signers' });
    for (const s of app.signers) {
      // The applicant reads who signed in plain words: 您, 办事员, 大厅印章.
      const role = clerk ? t(`sign.role.${s.role}`) : t(`sign.roleForApplicant.${s.role}`);
      const li = el('li', { textContent: t('sign.signer', { role, name: s.name ?? '', time: formatTime(s.at) }) });
      li.dataset.role = s.role;
      list.append(li);
    }
    return list;
  }

  function finalBlock(app) {
    const box = el('div', { className: 'sign-final', id: 'sign-final' });
    const v = app.verification;
    // The clerk gets the technical verdict (signatures, PAdES level); the applicant the same in plain words.
    const sealed = clerk ? t('sign.sealed', { hall: app.handoff?.to ?? '' }) : t('sign.sealedForApplicant');
    box.append(el('p', { className: 'notice ok', id: 'sign-sealed', textContent: sealed }));
    if (v) {
      const text = clerk
        ? t('sign.verdict', { verdict: t(`sign.verdict.${v.verdict}`), n: v.signatures, level: v.level ?? '' })
        : t(`sign.verdictForApplicant.${v.verdict}`);
      const verdict = el('p', { className: 'sign-verdict', id: 'sign-verdict', textContent: text });
      verdict.dataset.verdict = v.verdict;
      box.append(verdict);
    }
    const download = el('a', { className: 'btn primary', id: 'sign-download', href: app.pdfUrl, textContent: t('sign.download') });
    download.setAttribute('download', `${app.applicationId}.pdf`);
    box.append(el('div', { className: 'actions tight' }, download));
    box.append(handoffBlock(app));
    return box;
  }

  function handoffBlock(app) {
    const h = app.handoff;
    const box = el('div', { className: 'sign-handoff', id: 'sign-handoff' });
    box.dataset.status = h?.status ?? 'none';
    box.append(el('h3', { textContent: t('sign.handoff.title') }));
    if (!h) return box;
    // The reason of a failed or refused hand-off is the nodes' technical text: for the clerk only.
    const reason = clerk && h.reason ? t('sign.handoff.reason', { reason: h.reason }) : '';
    const text = {
      local: t('sign.handoff.local', { to: h.to }),
      pending: clerk
        ? t('sign.handoff.pending', { from: h.from, to: h.to, n: h.attempts, reason })
        : t('sign.handoff.pendingForApplicant', { to: h.to }),
      delivered: t('sign.handoff.delivered', { from: h.from, to: h.to }),
      refused: clerk ? t('sign.handoff.refused', { to: h.to, reason: h.reason ?? '' }) : t('sign.handoff.refusedForApplicant', { to: h.to }),
    }[h.status];
    box.append(el('p', { className: `notice ${h.status === 'refused' ? 'error' : h.status === 'pending' ? 'warn' : 'ok'}`, id: 'handoff-status', textContent: text }));
    if (h.receiptNo) {
      const receipt = el('div', { className: 'receipt', id: 'receipt' });
      receipt.append(
        el('div', { className: 'receipt-title', textContent: t('sign.receipt.title') }),
        el('dl', {},
          el('dt', { textContent: t('sign.receipt.no') }), el('dd', { id: 'receipt-no', textContent: h.receiptNo }),
          el('dt', { textContent: t('sign.receipt.app') }), el('dd', { textContent: app.applicationId }),
          el('dt', { textContent: t('sign.receipt.by') }), el('dd', { textContent: h.to }),
          el('dt', { textContent: t('sign.receipt.at') }), el('dd', { textContent: h.receivedAt ? formatDateTime(h.receivedAt) : '' })),
      );
      const link = el('a', { className: 'btn', id: 'receipt-download', href: h.receiptUrl, textContent: t('sign.receipt.download') });
      link.setAttribute('download', `${app.applicationId}-receipt.pdf`);
      receipt.append(el('div', { className: 'actions tight' }, link));
      box.append(receipt);
    }
    return box;
  }

  function applicantActions(app) {
    const box = el('div', { className: 'sign-actions', id: 'sign-actions' });
    if (app.status === 'prepared' && !state.intent) {
      box.append(el('p', { className: 'hint', textContent: t('sign.review.hint') }), button('intent', t('sign.intent.request'), 'btn primary big'));
    } else if (app.status === 'prepared') {
      const minutes = Math.max(1, Math.round((state.intent.expiresAt - Date.now()) / 60_000));
      box.append(
        el('p', { className: 'hint', textContent: t('sign.intent.hint') }),
        el('div', { className: 'intent-code', id: 'intent-code', textContent: state.intent.code }),
        el('p', { className: 'hint small', textContent: t('sign.intent.expires', { n: minutes }) }),
        el('label', { htmlFor: 'intent-input', className: 'dlabel', textContent: t('sign.intent.input') }),
      );
      const input = el('input', { id: 'intent-input', inputMode: 'numeric', maxLength: 6, autocomplete: 'one-time-code', className: 'intent-input' });
      input.dataset.applicantOnly = 'true';
      box.append(el('div', { className: 'actions tight' }, input, button('confirm', t('sign.intent.confirm'), 'btn primary big')));
    } else if (app.status === 'intent_confirmed') {
      box.append(
        el('p', { className: 'notice ok', id: 'intent-done', textContent: t('sign.intent.done', { time: formatTime(app.intentAt) }) }),
        el('h3', { textContent: t('sign.pad.title') }),
        el('p', { className: 'hint', textContent: t('sign.pad.hint', { hall: state.session?.peer?.hallName ?? '' }) }),
      );
      const canvas = el('canvas', { id: 'sign-pad', className: 'sign-pad', width: PAD_WIDTH, height: PAD_HEIGHT });
      canvas.setAttribute('aria-label', t('sign.pad.title'));
      box.append(canvas);
      bindPad(canvas);
      const submit = button('sign', state.working ? t(state.working) : t('sign.submit'), 'btn primary big');
      submit.disabled = Boolean(state.busy) || state.strokes.length === 0;
      box.append(el('div', { className: 'actions tight' }, button('clear', t('sign.pad.clear'), 'btn'), submit));
    } else if (app.status === 'applicant_signed') {
      box.append(el('p', { className: 'notice ok', id: 'applicant-signed', textContent: t('sign.applicantSigned') }));
    }
    return box;
  }

  function clerkActions(app) {
    const box = el('div', { className: 'sign-actions', id: 'sign-actions' });
    if (!app) {
      box.append(el('p', { className: 'hint', textContent: t('sign.clerk.prepareHint') }), button('prepare', state.busy === 'prepare' ? t('sign.clerk.preparing') : t('sign.clerk.prepare')));
    } else if (app.status === 'prepared') {
      box.append(el('p', { className: 'notice', id: 'clerk-waiting', textContent: t('sign.clerk.waitingIntent') }), button('prepare', t('sign.clerk.again'), 'btn small'));
    } else if (app.status === 'intent_confirmed') {
      box.append(el('p', { className: 'notice ok', id: 'clerk-waiting', textContent: t('sign.clerk.intentDone', { time: formatTime(app.intentAt) }) }));
    } else if (app.status === 'applicant_signed') {
      box.append(el('p', { className: 'notice ok', textContent: t('sign.clerk.applicantSigned') }), button('seal', state.busy === 'seal' ? t('sign.clerk.sealing') : t('sign.clerk.seal'), 'btn primary big'));
    }
    return box;
  }

  function render() {
    const visible = Boolean(state.session) && (clerk ? state.hasForm : Boolean(state.app));
    root.hidden = !visible;
    onChange(visible);
    if (!visible) {
      pad = null;
      return;
    }
    const app = state.app;
    const head = el('div', { className: 'sign-head' }, el('h2', { id: 'sign-title', textContent: t('sign.title') }));
    if (app) {
      const badge = el('span', { className: `badge sign-status s-${app.status}`, id: 'sign-status', textContent: t(`sign.status.${app.status}`) });
      badge.dataset.status = app.status;
      head.append(el('span', { className: 'sign-no', textContent: t('sign.no', { id: app.applicationId }) }), badge);
    }
    const parts = [head];
    if (app) parts.push(steps(app));
    if (state.notice) parts.push(el('div', { className: `notice ${state.notice.kind}`, id: 'sign-notice', role: 'alert', textContent: state.notice.text }));
    const body = el('div', { className: 'sign-body' });
    if (app) body.append(previews(app));
    const side = el('div', { className: 'sign-side' });
    side.append(clerk ? clerkActions(app) : app ? applicantActions(app) : null);
    if (app) {
      const list = signers(app);
      if (list) side.append(list);
      if (app.status === 'sealed') side.append(finalBlock(app));
    }
    body.append(side);
    parts.push(body);
    const keep = document.activeElement?.id === 'intent-input' ? document.activeElement.value : null;
    root.replaceChildren(...parts);
    if (keep !== null) {
      const input = root.querySelector('#intent-input');
      if (input) {
        input.value = keep;
        input.focus();
      }
    }
  }

  onLangChange(render);

  // Test hook (web/README.md): the page's signing state, and a raw send for forged-client tests.
  window.tongbanSigning = {
    state: () => ({ status: state.app?.status ?? null, busy: state.busy, working: state.working, resends: state.resends, strokes: state.strokes.length, hasIntentCode: Boolean(state.intent), handoff: state.app?.handoff ?? null }),
    keyExtractable: () => (state.key ? state.key.privateKey.extractable : null),
    exportPrivateKey: async () => {
      try {
        await crypto.subtle.exportKey('pkcs8', state.key.privateKey);
        return 'exported';
      } catch (e) {
        return e.name;
      }
    },
    send: (message) => client.send({ sessionId: state.session?.sessionId, ...message }),
    errors: () => state.errors,
  };
}

function base64(buffer) {
  const bytes = new Uint8Array(buffer);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function unbase64(text) {
  const s = atob(text);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}
