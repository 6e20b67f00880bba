// The clerk console's unfinished applications (待完成的申请书). Protocol: docs/protocol.md, "Unfinished
// applications".
//
// Applications the applicant signed in a session that ended before the clerk's signature and the seal, and
// sealed applications whose hand-off the owning hall refused (or that are still being retried): a clerk of
// the hall that accepted them looks at the pages, then signs and seals from here ("finish") or sends a
// refused hand-off again once its cause is fixed ("resend"). The server decides who may do what; the list
// only offers what it allows (each entry's `action`).
//
// Also tells the console whether the live session's application was signed by the applicant but not sealed,
// so that ending the session can warn the clerk first.

import { errorText, getLang, onLangChange, t } from './i18n.js';

const CHINA = 'Asia/Shanghai';
// While something is being retried or sealed elsewhere, the list refreshes itself this often.
const REFRESH_MS = 10_000;

export function initUnfinished(client, { matterName, hallName }) {
  const root = document.getElementById('unfinished');
  const state = {
    items: [],
    loaded: false,
    busy: null, // applicationId of the action running
    result: null, // {kind: 'ok' | 'warn' | 'error', text, pdfUrl, receiptUrl, applicationId}
    live: new Map(), // sessionId -> status of its application, from 'application' messages
  };

  client.addEventListener('applications', (e) => {
    state.items = e.detail.applications ?? [];
    state.loaded = true;
    render();
  });
  client.addEventListener('application', (e) => {
    state.live.set(e.detail.sessionId, e.detail.status);
    // The hand-off's result after a finish or a resend from here (the answer itself carries `re`).
    if (state.result?.applicationId === e.detail.applicationId && state.result.kind !== 'error' && e.detail.re === undefined) {
      showResult(e.detail);
    }
  });
  client.addEventListener('ended', () => refresh());

  root.addEventListener('click', async (e) => {
    const button = e.target.closest('button[data-action]');
    if (!button) return;
    if (button.dataset.action === 'refresh') {
      refresh();
      return;
    }
    const applicationId = button.dataset.application;
    if (!applicationId || state.busy) return;
    state.busy = applicationId;
    state.result = null;
    render();
    try {
      const type = button.dataset.action === 'finish' ? 'app_finish' : 'handoff_resend';
      // The answer is the sealed application (or the resent hand-off's state); the hand-off's result
      // follows as another 'application' message, shown by the listener above.
      const answer = await client.request({ type, applicationId }, 120_000);
      showResult(answer);
    } catch (err) {
      state.result = { kind: 'error', text: `${applicationId}：${errorText(err.code, err.reason)}`, applicationId };
    } finally {
      state.busy = null;
      render();
      refresh();
    }
  });

  setInterval(() => {
    if (client.isOpen && state.items.some((a) => a.status === 'sealing' || a.handoff?.status === 'pending')) refresh();
  }, REFRESH_MS);
  onLangChange(render);

  function refresh() {
    if (!client.isOpen) return;
    client.request({ type: 'list_applications' }).catch(() => {
      // Not signed in (yet), or the connection dropped: the next sign-in asks again.
    });
  }

  function showResult(app) {
    const h = app.handoff;
    const vars = { id: app.applicationId, to: h?.to ?? '', receipt: h?.receiptNo ?? '', reason: h?.reason ?? '' };
    let kind = 'ok';
    let key = 'unfinished.done.sealed';
    if (app.status === 'sealed' && h) {
      if (h.receiptNo) key = h.status === 'local' ? 'unfinished.done.local' : 'unfinished.done.delivered';
      else if (h.status === 'refused') [kind, key] = ['error', 'unfinished.done.refused'];
      else if (h.status === 'pending' && h.attempts > 0) [kind, key] = ['warn', 'unfinished.done.pending'];
    }
    state.result = { kind, text: t(key, vars), pdfUrl: app.pdfUrl, receiptUrl: h?.receiptUrl, applicationId: app.applicationId };
    render();
  }

  // ------------------------------------------------------------ rendering

  function el(tag, props = {}, ...children) {
    const node = Object.assign(document.createElement(tag), props);
    for (const c of children) if (c != null && c !== false) node.append(c);
    return node;
  }

  function time(ms) {
    return ms ? new Date(ms).toLocaleString(getLang(), { timeZone: CHINA, hour12: false, month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' }) : '';
  }

  function statusOf(a) {
    const h = a.handoff;
    if (a.status !== 'sealed' || !h) {
      return { kind: a.status === 'sealing' ? 'mat-pending' : 'mat-missing', text: t(`unfinished.status.${a.status}`) };
    }
    if (h.status === 'refused') return { kind: 'mat-replace', text: t('unfinished.status.refused', { to: h.to, reason: h.reason ?? '' }) };
    return { kind: 'mat-pending', text: t('unfinished.status.pending', { to: h.to, n: h.attempts, reason: h.reason ? t('sign.handoff.reason', { reason: h.reason }) : '' }) };
  }

  function row(a) {
    const tr = el('tr');
    tr.dataset.applicationId = a.applicationId;
    tr.dataset.status = a.handoff && a.status === 'sealed' ? `handoff-${a.handoff.status}` : a.status;
    const id = el('td', { className: 'num' }, el('div', { textContent: a.applicationId }), el('div', { className: 'hint small', textContent: t('unfinished.servedBy', { name: a.clerkName ?? a.clerkId }) }));
    const matter = el('td', {}, el('div', { textContent: matterName(a.matterId) }), el('div', { className: 'hint small', textContent: hallName(a.hallId) }));
    const applicant = el('td', {}, el('div', { textContent: a.applicant ?? '' }), el('div', { className: 'hint small', textContent: a.signedAt ? t('unfinished.signedAt', { time: time(a.signedAt) }) : '' }));
    const s = statusOf(a);
    const status = el('td', { className: 'unfinished-status' }, el('span', { className: `badge ${s.kind}`, textContent: s.text }));
    const actions = el('div', { className: 'unfinished-actions' });
    if (a.previews?.length) {
      actions.append(el('a', { href: a.pdfUrl ?? a.previews[0], target: '_blank', rel: 'noopener', className: 'btn small', textContent: t(a.pdfUrl ? 'unfinished.pdf' : 'unfinished.view') }));
    }
    if (a.action) {
      const running = state.busy === a.applicationId;
      const b = el('button', {
        type: 'button',
        className: `btn small ${a.action === 'finish' ? 'primary' : ''}`,
        textContent: t(running ? `unfinished.${a.action}ing` : `unfinished.${a.action}`),
      });
      b.dataset.action = a.action;
      b.dataset.application = a.applicationId;
      b.disabled = Boolean(state.busy) || !client.isOpen;
      actions.append(b);
    }
    tr.append(id, matter, applicant, status, el('td', {}, actions));
    return tr;
  }

  function resultBlock() {
    const r = state.result;
    if (!r) return null;
    const box = el('div', { className: `notice ${r.kind}`, id: 'unfinished-result', role: 'status' }, el('span', { textContent: r.text }));
    box.dataset.application = r.applicationId ?? '';
    const links = [];
    if (r.pdfUrl) links.push(el('a', { href: r.pdfUrl, className: 'btn small', id: 'unfinished-pdf', textContent: t('sign.download') }));
    if (r.receiptUrl) links.push(el('a', { href: r.receiptUrl, className: 'btn small', id: 'unfinished-receipt', textContent: t('sign.receipt.download') }));
    if (links.length) box.append(el('div', { className: 'actions tight' }, ...links));
    return box;
  }

  function render() {
    root.hidden = state.items.length === 0 && !state.result;
    if (root.hidden) return;
    const head = el(
      'div',
      { className: 'unfinished-head' },
      el('h2', { id: 'unfinished-title', textContent: t('unfinished.title') }),
      el('span', { id: 'unfinished-count', textContent: t('unfinished.count', { n: state.items.length }) }),
    );
    const refresh = el('button', { type: 'button', className: 'btn small', textContent: t('unfinished.refresh') });
    refresh.dataset.action = 'refresh';
    head.append(refresh);
    const parts = [head];
    if (state.items.length) parts.push(el('p', { className: 'hint', textContent: t('unfinished.hint') }));
    const result = resultBlock();
    if (result) parts.push(result);
    if (state.items.length) {
      const table = el(
        'table',
        {},
        el('thead', {}, el('tr', {}, ...['app', 'matter', 'applicant', 'status', 'actions'].map((c) => el('th', { textContent: t(`unfinished.col.${c}`) })))),
        el('tbody', { id: 'unfinished-rows' }, ...state.items.map(row)),
      );
      parts.push(table);
    }
    root.replaceChildren(...parts);
  }

  return {
    refresh,
    render,
    /** Whether the session's application was signed by the applicant and is not sealed yet. */
    unsealed: (sessionId) => state.live.get(sessionId) === 'applicant_signed',
    state: () => ({ items: state.items.map((a) => ({ applicationId: a.applicationId, status: a.status, action: a.action ?? null, handoff: a.handoff?.status ?? null })), busy: state.busy, result: state.result }),
  };
}
