// Applicant: the guided declaration (申报) during a session — a step-by-step wizard of the matter's
// form with its draft kept on the server — and the applicant's side of co-browsing: the clerk's
// pointer, the consent dialog for control, the persistent banner while control is on, and revocation
// by button or Esc. Protocol: docs/protocol.md, "Guided declaration and co-browsing".
//
// Sensitive fields (PINs, codes, passwords) live only in this page's memory: they are never sent.

import { confirmDialog } from './ui.js';
import { errorText, onLangChange, t } from './i18n.js';
import { FormView, localized, renderSteps } from './formview.js';
import { isEmpty, todayInChina, validateFields } from './validate.js';

const FLUSH_MS = 150;

export function initDeclaration(client, { onChange = () => {} } = {}) {
  const root = document.getElementById('declaration');
  root.innerHTML = `
    <div class="decl-head">
      <div>
        <div class="progress" id="decl-progress"></div>
        <h2 id="decl-title"></h2>
      </div>
      <span class="decl-status" id="decl-saved" aria-live="polite"></span>
    </div>
    <p class="hint decl-visible" id="decl-visible"></p>
    <div class="cobrowse-banner" id="decl-banner" role="status" aria-live="assertive" hidden>
      <span id="decl-banner-text"></span>
      <button type="button" class="btn small danger" id="decl-revoke"></button>
    </div>
    <nav class="steps" id="decl-steps" aria-label="steps"></nav>
    <div class="decl-notice notice" id="decl-notice" role="alert" hidden></div>
    <div class="decl-stage" id="decl-stage">
      <div class="decl-body" id="decl-body"></div>
      <div class="remote-pointer" id="decl-pointer" aria-hidden="true" hidden><span></span></div>
    </div>
    <div class="actions decl-actions" id="decl-actions">
      <button type="button" class="btn big" id="decl-back"></button>
      <button type="button" class="btn primary big" id="decl-next"></button>
      <button type="button" class="btn primary big" id="decl-submit" data-applicant-only="true"></button>
    </div>
    <div class="decl-done" id="decl-done" hidden>
      <div class="big-icon" aria-hidden="true">✔</div>
      <h3 id="decl-done-title"></h3>
      <p id="decl-done-text"></p>
      <dl class="summary" id="decl-summary"></dl>
    </div>`;
  const dialog = document.createElement('dialog');
  dialog.id = 'control-dialog';
  dialog.innerHTML = `
    <h2 id="control-dialog-title"></h2>
    <p class="u-fs-115" id="control-dialog-text"></p>
    <ul class="control-rules" id="control-dialog-rules"></ul>
    <div class="actions">
      <button type="button" class="btn big" id="control-deny"></button>
      <button type="button" class="btn primary big" id="control-grant"></button>
    </div>`;
  document.body.append(dialog);
  const $ = (id) => document.getElementById(id);

  const view = new FormView($('decl-body'), { prefix: 'f' });
  const state = {
    session: null,
    form: null,
    status: 'draft',
    mode: 'view',
    epoch: 0,
    clerkName: '',
    request: null, // the pending control_request
    furthest: 0,
    out: {}, // changes not yet sent: {values, step, focus, scroll}
    flushTimer: 0,
    notice: null,
    saving: 'idle', // idle | saving | saved | offline
  };
  view.editable = () => state.status === 'draft';

  // ------------------------------------------------------------ protocol

  client.addEventListener('paired', (e) => start(e.detail));
  client.addEventListener('ended', (e) => {
    if (state.session && e.detail.sessionId === state.session.sessionId) stop();
  });
  client.addEventListener('declaration', (e) => ours(e.detail) && applySnapshot(e.detail));
  client.addEventListener('cobrowse', (e) => ours(e.detail) && onCobrowse(e.detail));
  client.addEventListener('control_request', (e) => ours(e.detail) && askConsent(e.detail));
  client.addEventListener('remote_input', (e) => ours(e.detail) && onRemoteInput(e.detail));
  client.addEventListener('remote_step', (e) => ours(e.detail) && onRemoteStep(e.detail));
  client.addEventListener('pointer', (e) => ours(e.detail) && onPointer(e.detail));
  client.addEventListener('error', (e) => {
    const about = e.detail.about;
    if (['decl_state', 'decl_open', 'decl_submit', 'control_answer', 'control_revoke'].includes(about)) {
      setNotice({ text: errorText(e.detail.code, e.detail.reason), kind: 'error' });
    }
  });

  const ours = (m) => state.session && m.sessionId === state.session.sessionId;

  async function start(paired) {
    state.session = paired;
    if (!state.form || state.form.matterId !== paired.matterId) {
      state.form = null;
      try {
        const response = await fetch(`/api/forms/${encodeURIComponent(paired.matterId)}`, { headers: { Accept: 'application/json' } });
        if (!response.ok) {
          hide();
          return;
        }
        state.form = await response.json();
      } catch {
        setNotice({ text: t('decl.formFailed'), kind: 'error' });
        return;
      }
      view.today = todayInChina();
      view.setForm(state.form);
    }
    if (state.session !== paired) return;
    try {
      applySnapshot(await client.request({ type: 'decl_open', sessionId: paired.sessionId }));
    } catch (err) {
      setNotice({ text: errorText(err.code, err.reason), kind: 'error' });
    }
  }

  function stop() {
    flush();
    state.session = null;
    state.mode = 'view';
    state.request = null;
    if (dialog.open) dialog.close();
    hide();
  }

  function hide() {
    root.hidden = true;
    onChange(false);
  }

  function applySnapshot(d) {
    root.hidden = false;
    onChange(true);
    state.status = d.status;
    state.epoch = d.epoch;
    state.mode = d.mode;
    const unsent = state.out.values ?? {};
    const sensitive = Object.fromEntries(
      Object.entries(view.values).filter(([key]) => view.field(key)?.type === 'sensitive'),
    );
    // Server values, then anything typed here that had not reached the server yet, then the
    // sensitive values that never leave this page.
    view.values = { ...(d.values ?? {}), ...stripNulls(unsent), ...sensitive };
    if (view.step !== d.step || !view.root.childElementCount) view.showStep(d.step);
    else view.setValues(view.values, { force: true });
    state.furthest = Math.max(state.furthest, d.step);
    if (Object.keys(unsent).length) queue({ values: unsent });
    render();
  }

  function stripNulls(values) {
    return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== null));
  }

  /** Collects changes and sends them at most every FLUSH_MS. */
  function queue(change) {
    if (!state.session || state.status !== 'draft') return;
    if (change.values) state.out.values = { ...(state.out.values ?? {}), ...change.values };
    for (const key of ['step', 'focus', 'scroll']) if (key in change) state.out[key] = change[key];
    if (change.values || 'step' in change) setSaving('saving');
    if (!state.flushTimer) state.flushTimer = setTimeout(flush, FLUSH_MS);
  }

  function flush() {
    clearTimeout(state.flushTimer);
    state.flushTimer = 0;
    if (!state.session || Object.keys(state.out).length === 0) return;
    const message = { type: 'decl_state', sessionId: state.session.sessionId, ...state.out };
    if (client.send(message) === null) {
      setSaving('offline'); // kept in state.out: sent again after the reconnect
      return;
    }
    const wroteSomething = Boolean(state.out.values) || 'step' in state.out;
    state.out = {};
    if (wroteSomething) setSaving('saved');
  }

  function setSaving(s) {
    state.saving = s;
    renderSaved();
  }

  // ------------------------------------------------------------ the applicant's own input

  view.addEventListener('input', (e) => {
    const { key, value, field } = e.detail;
    if (field.type === 'sensitive') return; // stays in this page
    queue({ values: { [key]: value ?? null } });
  });
  view.addEventListener('focus', (e) => queue({ focus: e.detail }));
  window.addEventListener('scroll', () => {
    if (root.hidden || !state.session) return;
    const rect = root.getBoundingClientRect();
    const range = rect.height - window.innerHeight;
    const fraction = range > 0 ? Math.min(1, Math.max(0, -rect.top / range)) : 0;
    queue({ scroll: Math.round(fraction * 1000) / 1000 });
  }, { passive: true });

  $('decl-back').addEventListener('click', () => goTo(view.step - 1));
  $('decl-next').addEventListener('click', () => {
    const errors = validateFields(state.form, view.values, view.today, [state.form.steps[view.step]]);
    view.setErrors(errors);
    if (Object.keys(errors).length) {
      focusField(Object.keys(errors)[0]);
      return;
    }
    goTo(view.step + 1);
  });
  $('decl-submit').addEventListener('click', submit);
  $('decl-revoke').addEventListener('click', () => revoke('button'));
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && state.mode === 'control' && !dialog.open) {
      e.preventDefault();
      revoke('esc');
    }
  });

  function goTo(index) {
    if (!state.form) return;
    const next = Math.max(0, Math.min(index, state.form.steps.length - 1));
    if (next === view.step) return;
    view.showStep(next);
    state.furthest = Math.max(state.furthest, next);
    queue({ step: next });
    render();
    root.scrollIntoView({ behavior: 'smooth', block: 'start' });
  }

  function focusField(key) {
    const node = view.fieldElement(key);
    node?.querySelector('input, select, textarea')?.focus();
    node?.scrollIntoView({ behavior: 'smooth', block: 'center' });
  }

  async function submit() {
    const errors = validateFields(state.form, view.values, view.today);
    if (Object.keys(errors).length) {
      const first = Object.keys(errors)[0];
      const step = view.stepOf(first);
      if (step !== view.step) goTo(step);
      view.setErrors(errors);
      setNotice({ text: t('decl.fixErrors'), kind: 'error' });
      focusField(first);
      return;
    }
    if (!(await confirmDialog(t('decl.submitConfirm'), t('decl.submitNo'), t('decl.submitYes')))) return;
    flush();
    $('decl-submit').disabled = true;
    try {
      applySnapshot(await client.request({ type: 'decl_submit', sessionId: state.session.sessionId }));
      setNotice(null);
    } catch (err) {
      setNotice({ text: errorText(err.code, err.reason), kind: 'error' });
    } finally {
      $('decl-submit').disabled = false;
    }
  }

  // ------------------------------------------------------------ co-browsing

  function onCobrowse(m) {
    state.mode = m.mode;
    state.epoch = m.epoch;
    state.clerkName = m.clerkName ?? state.clerkName;
    if (m.mode !== 'pointer' && m.mode !== 'control') $('decl-pointer').hidden = true;
    if (m.event === 'revoked' && m.by === 'server') setNotice({ text: t('decl.revokedByServer'), kind: 'error' });
    else if (m.event === 'revoked') setNotice({ text: t('decl.revokedByMe'), kind: 'ok' }, 6000);
    else if (m.event === 'released') setNotice({ text: t('decl.releasedByClerk', { clerk: state.clerkName }), kind: 'ok' }, 6000);
    else if (m.event === 'set' && m.mode === 'pointer') setNotice({ text: t('decl.pointerOn', { clerk: state.clerkName }), kind: 'info' }, 6000);
    else setNotice(null);
    render();
  }

  function askConsent(request) {
    state.request = request;
    state.clerkName = request.clerkName;
    $('control-dialog-title').textContent = t('decl.consent.title');
    $('control-dialog-text').textContent = t('decl.consent.text', { clerk: request.clerkName, hall: request.hallName });
    $('control-dialog-rules').replaceChildren(
      ...['decl.consent.rule1', 'decl.consent.rule2', 'decl.consent.rule3'].map((key) =>
        Object.assign(document.createElement('li'), { textContent: t(key) }),
      ),
    );
    $('control-deny').textContent = t('decl.consent.deny');
    $('control-grant').textContent = t('decl.consent.grant', { clerk: request.clerkName });
    if (!dialog.open) dialog.showModal();
    $('control-deny').focus();
  }

  async function answer(granted) {
    if (!state.request || !state.session) return;
    state.request = null;
    if (dialog.open) dialog.close();
    try {
      await client.request({ type: 'control_answer', sessionId: state.session.sessionId, granted });
    } catch (err) {
      setNotice({ text: errorText(err.code, err.reason), kind: 'error' });
    }
  }
  $('control-grant').addEventListener('click', () => answer(true));
  $('control-deny').addEventListener('click', () => answer(false));
  dialog.addEventListener('cancel', (e) => {
    e.preventDefault(); // Esc in the dialog means "no"
    answer(false);
  });

  function revoke(via) {
    if (!state.session) return;
    // Local first: from this moment no remote input is applied, whatever is still on the wire.
    state.mode = 'view';
    state.epoch += 1;
    $('decl-pointer').hidden = true;
    setNotice({ text: t('decl.revokedByMe'), kind: 'ok' }, 6000);
    client.send({ type: 'control_revoke', sessionId: state.session.sessionId, via });
  }

  function onRemoteInput(m) {
    if (state.mode !== 'control' || m.epoch !== state.epoch || state.status !== 'draft') return;
    const field = view.field(m.field);
    if (!field || field.type === 'sensitive' || field.applicantOnly) return; // the server refuses these too
    const step = view.stepOf(m.field);
    if (step !== view.step) goTo(step);
    view.setValue(m.field, m.value, { force: true });
    view.flash(m.field, 'remote-filled', 1500);
    queue({ values: { [m.field]: m.value ?? null } });
  }

  function onRemoteStep(m) {
    if (state.mode !== 'control' || m.epoch !== state.epoch) return;
    goTo(m.step);
  }

  function onPointer(m) {
    if (state.mode !== 'pointer' && state.mode !== 'control') return;
    const stage = $('decl-stage');
    const pointer = $('decl-pointer');
    pointer.hidden = false;
    pointer.style.left = `${m.x * stage.clientWidth}px`;
    pointer.style.top = `${m.y * stage.clientHeight}px`;
    pointer.querySelector('span').textContent = state.clerkName;
    if (m.field) view.flash(m.field, 'pointed');
  }

  // ------------------------------------------------------------ rendering

  function setNotice(notice, ms = 0) {
    state.notice = notice;
    clearTimeout(state.noticeTimer);
    if (notice && ms) state.noticeTimer = setTimeout(() => setNotice(null), ms);
    render();
  }

  function render() {
    if (!state.form) return;
    const total = state.form.steps.length;
    $('decl-title').textContent = localized(state.form, 'title');
    $('decl-progress').textContent = t('decl.progress', { n: view.step + 1, total });
    $('decl-visible').textContent = t('decl.visibleNote');
    const done = new Set();
    for (let i = 0; i < total; i++) {
      if (i < state.furthest && !Object.keys(validateFields(state.form, view.values, view.today, [state.form.steps[i]])).length) done.add(i);
    }
    renderSteps($('decl-steps'), state.form, view.step, {
      done,
      onClick: state.status === 'draft' ? (i) => (i <= state.furthest ? goTo(i) : $('decl-next').click()) : null,
    });
    const submitted = state.status === 'submitted';
    const last = view.step === total - 1;
    $('decl-back').textContent = t('step.back');
    $('decl-next').textContent = t('step.next');
    $('decl-submit').textContent = t('decl.submit');
    $('decl-back').hidden = submitted || view.step === 0;
    $('decl-next').hidden = submitted || last;
    $('decl-submit').hidden = submitted || !last;
    $('decl-stage').hidden = submitted;
    $('decl-steps').hidden = submitted;
    $('decl-done').hidden = !submitted;
    if (submitted) renderSummary();

    const banner = $('decl-banner');
    banner.hidden = !(state.mode === 'control' || state.mode === 'pointer');
    banner.className = `cobrowse-banner ${state.mode}`;
    $('decl-banner-text').textContent =
      state.mode === 'control' ? t('decl.banner.control', { clerk: state.clerkName }) : t('decl.banner.pointer', { clerk: state.clerkName });
    $('decl-revoke').hidden = state.mode !== 'control';
    $('decl-revoke').textContent = t('decl.revoke');
    root.classList.toggle('under-control', state.mode === 'control');

    const notice = $('decl-notice');
    notice.hidden = !state.notice;
    if (state.notice) {
      notice.className = `decl-notice notice ${state.notice.kind === 'info' ? '' : state.notice.kind}`;
      notice.textContent = state.notice.text;
    }
    view.refreshEditable();
    renderSaved();
  }

  function renderSaved() {
    const box = $('decl-saved');
    const key = { saving: 'decl.saving', saved: 'decl.saved', offline: 'decl.offline' }[state.saving];
    box.textContent = state.status === 'submitted' ? t('decl.submittedTag') : key ? t(key) : '';
    box.dataset.state = state.status === 'submitted' ? 'submitted' : state.saving;
  }

  function renderSummary() {
    $('decl-done-title').textContent = t('decl.doneTitle');
    $('decl-done-text').textContent = t('decl.doneText');
    const rows = [];
    for (const f of state.form.steps.flatMap((s) => s.fields)) {
      const v = view.values[f.key];
      let text;
      if (f.type === 'sensitive') text = isEmpty(v) ? t('decl.notSet') : t('decl.sensitiveSet');
      else text = displayValue(f, v);
      rows.push(Object.assign(document.createElement('dt'), { textContent: localized(f) }), Object.assign(document.createElement('dd'), { textContent: text }));
    }
    $('decl-summary').replaceChildren(...rows);
  }

  onLangChange(() => {
    if (!state.form) return;
    view.showStep(view.step);
    render();
    if (dialog.open && state.request) askConsent(state.request);
  });

  // Test hook and debugging: what the wizard holds (sensitive values included: they never leave this page).
  window.tongbanDeclaration = {
    state: () => ({ mode: state.mode, epoch: state.epoch, status: state.status, step: view.step, values: { ...view.values } }),
  };
  return { flush };
}

/** A value as text for summaries and the mirror's log. */
export function displayValue(f, v) {
  if (isEmpty(v)) return '—';
  switch (f.type) {
    case 'address':
      return ['province', 'city', 'district', 'detail'].map((p) => v[p] ?? '').join('');
    case 'select':
      return localized(f.options.find((o) => o.value === v)) || v;
    case 'checkbox':
      return v ? t('decl.yes') : t('decl.no');
    case 'number':
      return f.unit ? `${v} ${f.unit}` : v;
    default:
      return String(v);
  }
}
