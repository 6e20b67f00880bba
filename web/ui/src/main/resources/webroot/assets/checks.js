// Clerk: the identity check (身份核实) — a still of the applicant from the live video next to the ID
// card, the decision — and the materials (提交材料): what the applicant uploaded, stills from the
// applicant's document camera (高拍仪; only while the applicant has it on — the clerk may ask for it),
// received / ask for a replacement.

import { errorText, onLangChange, t } from './i18n.js';
import { localized } from './formview.js';
import { formatSize, getForm, captureFrame, thumbnail, upload } from './uploads.js';

export function initChecks(client, { onChange = () => {} } = {}) {
  const root = document.getElementById('checks');
  const state = {
    session: null,
    form: null,
    materials: new Map(),
    stills: [],
    identity: null,
    busy: new Set(),
    notice: null,
    docCamera: false, // the applicant's second video shows the document camera (server 'screen')
    asked: false, // we asked for it and it is not on yet
  };
  const ours = (m) => state.session && m.sessionId === state.session.sessionId;

  client.addEventListener('paired', async (e) => {
    const paired = e.detail;
    if (paired.role !== 'clerk') return; // helpers and supervisors (bridge mode) do not check identity
    if (state.session?.sessionId !== paired.sessionId) {
      state.materials.clear();
      state.stills = [];
      state.identity = null;
      state.asked = false;
    }
    // A new pairing (also after a reconnect) starts without a second video; the applicant's page says again.
    state.docCamera = false;
    state.session = paired;
    state.form = await getForm(paired.matterId);
    root.hidden = !state.form;
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
    if (e.detail.kind === 'face_still') {
      state.stills = [...state.stills.filter((s) => s.materialId !== e.detail.materialId), e.detail];
    } else {
      state.materials.set(e.detail.materialId, e.detail);
    }
    render();
  });
  client.addEventListener('screen', (e) => {
    if (!ours(e.detail)) return;
    state.docCamera = Boolean(e.detail.active) && e.detail.source === 'document-camera';
    if (state.docCamera) state.asked = false;
    render();
  });
  client.addEventListener('identity', (e) => {
    if (!ours(e.detail)) return;
    state.identity = e.detail;
    render();
  });

  root.addEventListener('click', async (e) => {
    const button = e.target.closest('button[data-action]');
    if (!button || !state.session) return;
    const { action, requirement, material } = button.dataset;
    const sessionId = state.session.sessionId;
    try {
      if (action === 'face') {
        await capture('face_still', null, document.getElementById('applicant-video'), 'face');
      } else if (action === 'doc') {
        // Only from the document camera: never a frame of the face camera or a shared screen.
        if (!state.docCamera) {
          setNotice(t('checks.noDocCamera'), 'error');
          return;
        }
        await capture('document_still', requirement, document.getElementById('screen-video'), `doc-${requirement}`);
      } else if (action === 'ask-doccam') {
        if (client.send({ type: 'document_camera_request', sessionId }) === null) throw Object.assign(new Error(), { code: 'NETWORK' });
        state.asked = true;
      } else if (action === 'match') {
        const still = state.stills[state.stills.length - 1];
        await client.request({ type: 'identity_decision', sessionId, stillId: still.materialId, decision: 'match' });
      } else if (action === 'mismatch') {
        const reason = root.querySelector('#identity-reason').value.trim();
        if (!reason) {
          setNotice(t('checks.reasonRequired'), 'error');
          root.querySelector('#identity-reason').focus();
          return;
        }
        const still = state.stills[state.stills.length - 1];
        await client.request({ type: 'identity_decision', sessionId, stillId: still.materialId, decision: 'mismatch', reason });
      } else if (action === 'receive') {
        client.send({ type: 'material_decision', sessionId, materialId: material, decision: 'received' });
      } else if (action === 'replace') {
        const input = root.querySelector(`input[data-reason-for="${CSS.escape(material)}"]`);
        const reason = input?.value.trim();
        if (!reason) {
          input.hidden = false;
          input.focus();
          setNotice(t('checks.reasonRequired'), 'error');
          return;
        }
        client.send({ type: 'material_decision', sessionId, materialId: material, decision: 'replace', reason });
      }
      setNotice(null);
    } catch (err) {
      setNotice(errorText(err.code, err.reason), 'error');
    }
  });

  async function capture(kind, requirement, video, busyKey) {
    const blob = await captureFrame(video);
    if (!blob) {
      setNotice(t('checks.noVideo'), 'error');
      return;
    }
    state.busy.add(busyKey);
    render();
    try {
      await upload(client, state.session.sessionId, { kind, requirement }, blob);
    } finally {
      state.busy.delete(busyKey);
      render();
    }
  }

  function setNotice(text, kind = '') {
    state.notice = text ? { text, kind } : null;
    render();
  }

  function el(tag, props = {}, ...children) {
    const node = Object.assign(document.createElement(tag), props);
    for (const c of children) if (c != null) node.append(c);
    return node;
  }

  function button(action, text, extra = {}, cls = 'btn small') {
    const b = el('button', { type: 'button', className: cls, textContent: text });
    b.dataset.action = action;
    for (const [k, v] of Object.entries(extra)) b.dataset[k] = v;
    return b;
  }

  function render() {
    if (!state.form || !state.session) return;
    const all = [...state.materials.values()];
    const idKey = state.form.identity?.idCardMaterial;
    const idCard = [...all].reverse().find((m) => m.requirement === idKey && m.mime.startsWith('image/'));
    const still = state.stills[state.stills.length - 1];

    const identity = el('div', { className: 'check-card', id: 'identity-card' });
    identity.append(el('h3', { textContent: t('checks.identity') }));
    const pics = el('div', { className: 'id-pics' });
    pics.append(
      el('figure', {}, still ? thumbnail(still) : el('div', { className: 'thumb empty', textContent: t('checks.noStill') }), el('figcaption', { textContent: t('checks.still') })),
      el('figure', {}, idCard ? thumbnail(idCard) : el('div', { className: 'thumb empty', textContent: t('checks.noIdCard') }), el('figcaption', { textContent: t('checks.idCard') })),
    );
    identity.append(pics);
    const idActions = el('div', { className: 'actions tight' });
    const face = button('face', state.busy.has('face') ? t('checks.capturing') : t('checks.takeStill'), {}, 'btn small');
    face.disabled = state.busy.has('face');
    idActions.append(face);
    const match = button('match', t('checks.match'), {}, 'btn small primary');
    const mismatch = button('mismatch', t('checks.mismatch'), {}, 'btn small danger');
    match.disabled = mismatch.disabled = !still;
    idActions.append(match, mismatch);
    identity.append(idActions);
    identity.append(el('input', { id: 'identity-reason', className: 'reason', placeholder: t('checks.mismatchReason'), maxLength: 500 }));
    if (state.identity) {
      const ok = state.identity.status === 'verified';
      const problems = (state.identity.problems ?? []).map((p) => t(`idcheck.problem.${p}`)).join('；');
      const result = el('div', { className: `notice ${ok ? 'ok' : 'error'}`, id: 'identity-result', textContent: ok ? t('checks.verified') : t('checks.failed', { problems }) });
      result.dataset.status = state.identity.status;
      identity.append(result);
    }

    const list = el('div', { className: 'check-card', id: 'materials-card' });
    list.append(el('h3', { textContent: t('checks.materials') }));
    const camera = el('div', {
      className: `notice ${state.docCamera ? 'ok' : 'warn'}`,
      id: 'doccam-state',
      textContent: t(state.docCamera ? 'checks.docCameraOn' : state.asked ? 'checks.docCameraAsked' : 'checks.docCameraOff'),
    });
    camera.dataset.on = String(state.docCamera);
    if (!state.docCamera) camera.append(' ', button('ask-doccam', t('checks.askDocCamera')));
    list.append(camera);
    for (const req of state.form.materials) {
      const items = all.filter((m) => m.requirement === req.key);
      const received = items.some((m) => m.status === 'received');
      const row = el('div', { className: `mat-row ${received ? 'status-received' : ''}` });
      row.dataset.requirement = req.key;
      const head = el('div', { className: 'mat-head' }, el('strong', { textContent: localized(req) }));
      if (req.required) head.firstChild.append(el('span', { className: 'req', textContent: ' *' }));
      if (req.generated) {
        head.append(el('span', { className: 'badge mat-generated', textContent: t('mat.generated') }));
      } else {
        head.append(el('span', { className: `badge mat-${received ? 'received' : items.length ? 'pending' : 'missing'}`, textContent: t(`mat.status.${received ? 'received' : items.length ? 'pending' : 'missing'}`) }));
        const doc = button('doc', state.busy.has(`doc-${req.key}`) ? t('checks.capturing') : t('checks.docCamera'), { requirement: req.key });
        doc.disabled = state.busy.has(`doc-${req.key}`) || !state.docCamera;
        if (!state.docCamera) doc.title = t('checks.noDocCamera');
        head.append(doc);
      }
      row.append(head);
      for (const m of items) {
        const item = el('div', { className: `mat-file status-${m.status}` });
        item.dataset.material = m.materialId;
        item.append(thumbnail(m));
        const info = el('div', { className: 'info' });
        info.append(
          el('div', { className: 'meta', textContent: `${m.by === 'clerk' ? t('mat.byClerk') : m.fileName ?? t('mat.byApplicant')} · ${m.mime} · ${formatSize(m.size)}` }),
          el('div', { className: 'sha', textContent: `SHA-256 ${m.sha256.slice(0, 16)}…`, title: m.sha256 }),
          el('div', { className: `status s-${m.status}`, textContent: m.status === 'replace' ? t('mat.replaceReason', { reason: m.reason ?? '' }) : t(`mat.status.${m.status}`) }),
        );
        if (m.status === 'pending') {
          const acts = el('div', { className: 'actions tight' });
          acts.append(button('receive', t('checks.receive'), { material: m.materialId }, 'btn small primary'), button('replace', t('checks.replace'), { material: m.materialId }));
          const reason = el('input', { className: 'reason', placeholder: t('checks.replaceReason'), maxLength: 500 });
          reason.dataset.reasonFor = m.materialId;
          info.append(acts, reason);
        }
        item.append(info);
        row.append(item);
      }
      list.append(row);
    }
    const notice = state.notice ? el('div', { className: `notice ${state.notice.kind}`, textContent: state.notice.text }) : null;
    const keep = document.activeElement?.classList.contains('reason') ? document.activeElement : null;
    const keepValue = keep?.value;
    const keepFor = keep?.dataset.reasonFor ?? keep?.id;
    root.replaceChildren(...[el('h2', { textContent: t('checks.title') }), notice, el('div', { className: 'checks-grid' }, identity, list)].filter(Boolean));
    if (keepFor) {
      const again = root.querySelector(`[data-reason-for="${CSS.escape(keepFor)}"]`) ?? root.querySelector(`#${CSS.escape(keepFor)}`);
      if (again) {
        again.value = keepValue;
        again.focus();
      }
    }
  }

  onLangChange(render);
}
