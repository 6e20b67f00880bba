// Clerk: the live mirror of the applicant's declaration (values, step, focus, scroll — state, not
// video) and the co-browsing modes: view only (default), pointer (the clerk's pointer and highlights
// appear on the applicant's form) and control (after the applicant's consent: the clerk types into
// fields and moves between steps). Sensitive values never arrive here; submitting, consent and intent
// have no control on this side at all. Protocol: docs/protocol.md, "Guided declaration and co-browsing".

import { errorText, formatTime, onLangChange, t } from './i18n.js';
import { FormView, localized, renderSteps } from './formview.js';
import { todayInChina } from './validate.js';

const INPUT_DEBOUNCE_MS = 250;
const POINTER_EVERY_MS = 100;

export function initCobrowse(client, { onChange = () => {} } = {}) {
  const root = document.getElementById('cobrowse');
  root.innerHTML = `
    <div class="mirror-head">
      <h3 id="mirror-title"></h3>
      <span class="live-dot" id="mirror-live"></span>
    </div>
    <div class="mode-bar" role="group" id="mode-bar">
      <button type="button" class="btn small" id="mode-view" data-mode="view"></button>
      <button type="button" class="btn small" id="mode-pointer" data-mode="pointer"></button>
      <button type="button" class="btn small" id="mode-control"></button>
    </div>
    <div class="notice" id="mirror-state" role="status" aria-live="polite" hidden></div>
    <nav class="steps" id="mirror-steps" aria-label="steps"></nav>
    <div class="mirror-stage" id="mirror-stage"><div class="decl-body" id="mirror-body"></div></div>
    <p class="mirror-foot" id="mirror-foot"></p>`;
  const $ = (id) => document.getElementById(id);
  const view = new FormView($('mirror-body'), { prefix: 'm', mirror: true });
  const state = {
    session: null,
    form: null,
    mode: 'view',
    epoch: 0,
    pending: false,
    status: 'draft',
    submittedAt: null,
    message: null,
    focus: null,
    timers: new Map(),
    lastPointer: 0,
    errors: [], // the last protocol errors about co-browsing (for the console and tests)
  };
  view.editable = (f) =>
    state.mode === 'control' && state.status === 'draft' && f.type !== 'sensitive' && !f.applicantOnly;

  // The session's own clerk only: a helper or supervisor (bridge mode) has no mirror.
  client.addEventListener('paired', (e) => e.detail.role === 'clerk' && start(e.detail));
  client.addEventListener('ended', (e) => {
    if (state.session && e.detail.sessionId === state.session.sessionId) stop();
  });
  const ours = (m) => state.session && m.sessionId === state.session.sessionId;
  client.addEventListener('declaration', (e) => ours(e.detail) && applySnapshot(e.detail));
  client.addEventListener('decl_state', (e) => ours(e.detail) && onState(e.detail));
  client.addEventListener('cobrowse', (e) => ours(e.detail) && onCobrowse(e.detail));
  client.addEventListener('error', (e) => {
    state.errors = [...state.errors.slice(-19), { code: e.detail.code, about: e.detail.about }];
    if (e.detail.code === 'CONTROL_NOT_GRANTED' && ['remote_input', 'remote_step'].includes(e.detail.about)) {
      setMessage('mirror.inputRefused', 'warn');
    }
  });

  async function start(paired) {
    state.session = paired;
    state.mode = 'view';
    state.pending = false;
    state.message = null;
    try {
      const response = await fetch(`/api/forms/${encodeURIComponent(paired.matterId)}`, { headers: { Accept: 'application/json' } });
      if (!response.ok) {
        hide();
        return;
      }
      state.form = await response.json();
      view.today = todayInChina();
      view.setForm(state.form);
      applySnapshot(await client.request({ type: 'decl_open', sessionId: paired.sessionId }));
    } catch (err) {
      setMessage(null);
      console.warn('tongban: mirror not available', err);
    }
  }

  function stop() {
    cancelInputs();
    state.session = null;
    hide();
  }

  function hide() {
    root.hidden = true;
    onChange(false);
  }

  function applySnapshot(d) {
    root.hidden = false;
    onChange(true);
    state.mode = d.mode;
    state.epoch = d.epoch;
    state.pending = Boolean(d.pendingBy);
    state.status = d.status;
    state.submittedAt = d.submittedAt ?? null;
    view.values = { ...(d.values ?? {}) };
    view.showStep(d.step);
    render();
  }

  function onState(m) {
    if (m.step != null && m.step !== view.step) view.showStep(m.step);
    if (m.values) {
      for (const [key, value] of Object.entries(m.values)) view.setValue(key, value);
    }
    if ('focus' in m || m.focus) {
      state.focus = m.focus ?? null;
      view.setRemoteFocus(state.focus);
    }
    if (m.scroll != null) {
      const stage = $('mirror-stage');
      stage.scrollTop = m.scroll * (stage.scrollHeight - stage.clientHeight);
    }
    $('mirror-live').dataset.at = String(Date.now());
    render();
  }

  function onCobrowse(m) {
    const wasControl = state.mode === 'control';
    state.mode = m.mode;
    state.epoch = m.epoch;
    state.pending = m.pending;
    if (wasControl && m.mode !== 'control') cancelInputs();
    const messages = {
      requested: ['mirror.waiting', ''],
      granted: ['mirror.granted', 'ok'],
      denied: ['mirror.denied', 'warn'],
      revoked: ['mirror.revoked', 'warn'],
      released: ['mirror.released', ''],
    };
    const [key, kind] = m.event === 'revoked' && m.by === 'server'
      ? ['mirror.revokedByServer', 'warn']
      : messages[m.event] ?? [null, null];
    if (key) setMessage(key, kind);
    else if (m.event === 'set') setMessage(null);
    render();
  }

  // ------------------------------------------------------------ the clerk's actions

  $('mode-bar').addEventListener('click', async (e) => {
    const button = e.target.closest('button');
    if (!button || !state.session) return;
    try {
      if (button.id === 'mode-control') {
        if (state.mode === 'control') await client.request({ type: 'control_revoke', sessionId: state.session.sessionId });
        else await client.request({ type: 'control_request', sessionId: state.session.sessionId });
      } else {
        await client.request({ type: 'cobrowse_mode', sessionId: state.session.sessionId, mode: button.dataset.mode });
      }
    } catch (err) {
      setMessage({ text: errorText(err.code, err.reason) }, 'error');
    }
  });

  view.addEventListener('input', (e) => {
    const { key, value } = e.detail;
    if (state.mode !== 'control') return;
    clearTimeout(state.timers.get(key));
    state.timers.set(
      key,
      setTimeout(() => {
        state.timers.delete(key);
        if (state.mode === 'control' && state.session) {
          client.send({ type: 'remote_input', sessionId: state.session.sessionId, field: key, value: value ?? null });
        }
      }, INPUT_DEBOUNCE_MS),
    );
  });

  function cancelInputs() {
    for (const timer of state.timers.values()) clearTimeout(timer);
    state.timers.clear();
  }

  const stage = $('mirror-stage');
  stage.addEventListener('mousemove', (e) => sendPointer(e, false));
  stage.addEventListener('click', (e) => sendPointer(e, true));

  function sendPointer(e, force) {
    if (!state.session || (state.mode !== 'pointer' && state.mode !== 'control')) return;
    const now = Date.now();
    if (!force && now - state.lastPointer < POINTER_EVERY_MS) return;
    state.lastPointer = now;
    const rect = stage.getBoundingClientRect();
    const clamp = (n) => Math.round(Math.min(1, Math.max(0, n)) * 1000) / 1000;
    const x = clamp((e.clientX - rect.left) / rect.width);
    const y = clamp((e.clientY - rect.top + stage.scrollTop) / Math.max(stage.scrollHeight, 1));
    const field = e.target.closest('[data-field]')?.dataset.field;
    client.send({ type: 'pointer', sessionId: state.session.sessionId, x, y, ...(force && field ? { field } : {}) });
    if (force && field) view.flash(field, 'pointed');
  }

  // ------------------------------------------------------------ rendering

  function setMessage(keyOrText, kind = '') {
    state.message = keyOrText ? { keyOrText, kind } : null;
    render();
  }

  function render() {
    if (!state.form) return;
    $('mirror-title').textContent = `${t('mirror.title')} · ${localized(state.form, 'title')}`;
    $('mirror-live').textContent = t('mirror.live');
    renderSteps($('mirror-steps'), state.form, view.step, {
      onClick:
        state.mode === 'control' && state.status === 'draft'
          ? (i) => client.send({ type: 'remote_step', sessionId: state.session.sessionId, step: i })
          : null,
    });
    $('mode-view').textContent = t('mirror.mode.view');
    $('mode-pointer').textContent = t('mirror.mode.pointer');
    $('mode-control').textContent =
      state.mode === 'control' ? t('mirror.mode.endControl') : state.pending ? t('mirror.mode.waiting') : t('mirror.mode.control');
    for (const button of $('mode-bar').querySelectorAll('[data-mode]')) {
      button.setAttribute('aria-pressed', String(state.mode === button.dataset.mode));
      button.classList.toggle('primary', state.mode === button.dataset.mode);
    }
    $('mode-control').classList.toggle('danger', state.mode === 'control');
    $('mode-control').disabled = state.pending || state.status !== 'draft';
    root.dataset.mode = state.mode;
    root.classList.toggle('in-control', state.mode === 'control');

    const box = $('mirror-state');
    let message = state.message;
    if (state.status === 'submitted') {
      message = { keyOrText: { text: t('mirror.submitted', { time: state.submittedAt ? formatTime(state.submittedAt) : '' }) }, kind: 'ok' };
    }
    box.hidden = !message;
    if (message) {
      box.className = `notice ${message.kind ?? ''}`;
      box.textContent = typeof message.keyOrText === 'string' ? t(message.keyOrText) : message.keyOrText.text;
    }
    $('mirror-foot').textContent = t('mirror.noControlZone');
    view.refreshEditable();
  }

  onLangChange(() => {
    if (!state.form) return;
    view.showStep(view.step);
    view.setRemoteFocus(state.focus);
    render();
  });

  // Test hook: `send` lets a test act as a tampered clerk client that skips this page's rules.
  window.tongbanCobrowse = {
    send: (message) => client.send({ sessionId: state.session?.sessionId, ...message }),
    errors: () => state.errors,
    state: () => ({ mode: state.mode, epoch: state.epoch, pending: state.pending, status: state.status, step: view.step, values: { ...view.values } }),
  };
}
