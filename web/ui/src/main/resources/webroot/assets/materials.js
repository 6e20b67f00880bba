// Applicant: the materials (提交材料) of the matter during a session — upload images or PDFs with a
// progress bar, see what the clerk captured and decided — and the identity check's result.

import { errorText, onLangChange, t } from './i18n.js';
import { localized } from './formview.js';
import { UploadError, formatSize, getForm, thumbnail, upload } from './uploads.js';

export function initMaterials(client, { onChange = () => {} } = {}) {
  const root = document.getElementById('uploads');
  const state = { session: null, form: null, materials: new Map(), progress: new Map(), errors: new Map(), identity: null, stillTaken: false };
  const ours = (m) => state.session && m.sessionId === state.session.sessionId;

  client.addEventListener('paired', async (e) => {
    const paired = e.detail;
    if (state.session?.sessionId !== paired.sessionId) {
      state.materials.clear();
      state.identity = null;
      state.stillTaken = false;
    }
    state.session = paired;
    state.form = await getForm(paired.matterId);
    root.hidden = !state.form || state.form.materials.length === 0;
    onChange(!root.hidden);
    render();
  });
  client.addEventListener('ended', (e) => {
    if (ours(e.detail)) {
      state.session = null;
      root.hidden = true;
      onChange(false);
    }
  });
  client.addEventListener('material', (e) => {
    if (!ours(e.detail)) return;
    if (e.detail.kind === 'face_still') state.stillTaken = true;
    else state.materials.set(e.detail.materialId, e.detail);
    render();
  });
  client.addEventListener('identity', (e) => {
    if (!ours(e.detail)) return;
    state.identity = e.detail;
    render();
  });

  root.addEventListener('change', async (e) => {
    const input = e.target.closest('input[type=file][data-requirement]');
    if (!input || !input.files.length || !state.session) return;
    const requirement = input.dataset.requirement;
    const file = input.files[0];
    input.value = '';
    state.errors.delete(requirement);
    state.progress.set(requirement, 0);
    render();
    try {
      await upload(client, state.session.sessionId, { kind: 'upload', requirement, fileName: file.name.slice(0, 200) }, file, (f) => {
        state.progress.set(requirement, f);
        renderProgress(requirement);
      });
    } catch (err) {
      state.errors.set(requirement, err instanceof UploadError && err.reason ? t(`upload.err.${err.reason}`) : errorText(err.code));
    } finally {
      state.progress.delete(requirement);
      render();
    }
  });

  function statusOf(items) {
    if (items.some((m) => m.status === 'received')) return 'received';
    const last = items[items.length - 1];
    if (!last) return 'missing';
    return last.status === 'replace' ? 'replace' : 'pending';
  }

  function render() {
    if (!state.form) return;
    const all = [...state.materials.values()];
    const rows = state.form.materials.map((req) => {
      const items = all.filter((m) => m.requirement === req.key);
      const status = statusOf(items);
      const row = document.createElement('div');
      row.className = `mat-row status-${status}`;
      row.dataset.requirement = req.key;
      const head = document.createElement('div');
      head.className = 'mat-head';
      const name = Object.assign(document.createElement('strong'), { textContent: localized(req) });
      if (req.required) name.append(Object.assign(document.createElement('span'), { className: 'req', textContent: ' *' }));
      const badge = Object.assign(document.createElement('span'), { className: `badge mat-${status}`, textContent: t(`mat.status.${status}`) });
      head.append(name, badge);
      row.append(head);
      const replace = [...items].reverse().find((m) => m.status === 'replace');
      if (status === 'replace' && replace?.reason) row.append(Object.assign(document.createElement('div'), { className: 'mat-reason', textContent: t('mat.replaceReason', { reason: replace.reason }) }));
      if (req.hint) row.append(Object.assign(document.createElement('div'), { className: 'dhint', textContent: req.hint }));
      const files = document.createElement('div');
      files.className = 'mat-files';
      for (const m of items) {
        const item = document.createElement('div');
        item.className = `mat-file status-${m.status}`;
        item.append(thumbnail(m), Object.assign(document.createElement('span'), { className: 'meta', textContent: `${m.by === 'clerk' ? t('mat.byClerk') : m.fileName ?? ''} · ${formatSize(m.size)}` }));
        files.append(item);
      }
      row.append(files);
      const actions = document.createElement('div');
      actions.className = 'mat-actions';
      if (status !== 'received') {
        const label = document.createElement('label');
        label.className = 'btn small primary';
        label.textContent = items.length ? t('mat.uploadAgain') : t('mat.upload');
        const input = Object.assign(document.createElement('input'), { type: 'file', accept: 'image/png,image/jpeg,application/pdf', className: 'visually-hidden' });
        input.dataset.requirement = req.key;
        label.append(input);
        actions.append(label);
      }
      const progress = document.createElement('div');
      progress.className = 'upload-progress';
      progress.hidden = !state.progress.has(req.key);
      progress.append(Object.assign(document.createElement('div'), { className: 'bar' }));
      progress.setAttribute('role', 'progressbar');
      actions.append(progress);
      row.append(actions);
      if (state.errors.has(req.key)) row.append(Object.assign(document.createElement('div'), { className: 'derror', textContent: state.errors.get(req.key) }));
      return row;
    });
    const identity = document.createElement('div');
    identity.className = 'identity-line';
    identity.id = 'identity-status';
    const id = state.identity;
    identity.textContent = id ? (id.status === 'verified' ? t('idcheck.verified') : t('idcheck.failed')) : state.stillTaken ? t('idcheck.stillTaken') : t('idcheck.pending');
    identity.dataset.status = id?.status ?? (state.stillTaken ? 'still' : 'none');
    root.replaceChildren(
      Object.assign(document.createElement('h2'), { textContent: t('mat.title') }),
      Object.assign(document.createElement('p'), { className: 'hint', textContent: t('mat.hint') }),
      identity,
      ...rows,
    );
    for (const key of state.progress.keys()) renderProgress(key);
  }

  function renderProgress(key) {
    const box = root.querySelector(`.mat-row[data-requirement="${CSS.escape(key)}"] .upload-progress`);
    if (!box) return;
    box.hidden = false;
    const f = state.progress.get(key) ?? 0;
    box.querySelector('.bar').style.width = `${Math.round(f * 100)}%`;
    box.setAttribute('aria-valuenow', String(Math.round(f * 100)));
  }

  onLangChange(render);
}
