// Clerk console, routing parts: the timed wrap-up, queue badges (partner hall, priority,
// appointment), the applicant's language and priority claim with its check, and transfer of the
// live session to another clerk or back to a hall's queue. Protocol: docs/protocol.md (transfer,
// priority, clerk.wrapUpUntil, queue entries, paired.peer).

import { hasKey, t } from './i18n.js';
import { $ } from './ui.js';

/** Wires the session panel's priority and transfer controls. */
export function wireRouting({ client, getState, setNotice, render }) {
  const check = async (verdict) => {
    const state = getState();
    if (!state.session) return;
    try {
      await client.request({ type: 'priority', sessionId: state.session.sessionId, verdict });
      state.priorityChecked = { sessionId: state.session.sessionId, verdict };
    } catch (e) {
      setNotice({ code: e.code, reason: e.reason, kind: 'error' });
    }
    render();
  };
  $('#priority-confirm').addEventListener('click', () => check('confirmed'));
  $('#priority-reject').addEventListener('click', () => check('rejected'));
  $('#transfer-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const state = getState();
    if (!state.session) return;
    const toClerkId = $('#transfer-clerk').value.trim().toLowerCase();
    const toHallId = $('#transfer-hall').value;
    const target = toClerkId ? { toClerkId } : toHallId ? { toHallId } : null;
    if (!target) return;
    try {
      await client.request({ type: 'transfer', sessionId: state.session.sessionId, ...target });
      $('#transfer-clerk').value = '';
      setNotice({ key: 'session.transferred', kind: 'ok' });
    } catch (err) {
      setNotice({ code: err.code, reason: err.reason, kind: 'error' });
    }
  });
}

/** The header during a timed wrap-up: a countdown and the button that ends it early. */
export function renderWrapUp(clerk, pill, toggle) {
  if (clerk?.status !== 'wrap_up' || !clerk.wrapUpUntil) return false;
  const left = Math.max(0, Math.ceil((clerk.wrapUpUntil - Date.now()) / 1000));
  pill.textContent = `${t('clerk.status')}: ${t('status.wrapUpLeft', { n: left })}`;
  toggle.hidden = false;
  toggle.textContent = t('status.endWrapUp');
  return true;
}

/** Badges of a queue entry beyond returned/disconnected. */
export function routingBadges(ticket, badge) {
  const out = [];
  if (ticket.overflow) out.push(badge('overflow', t('queue.overflow')));
  if (ticket.priorityGroup) out.push(badge('priority', t('queue.priority')));
  if (ticket.appointmentAt) out.push(badge('appointment', t('queue.appointment')));
  return out;
}

/** The session panel's language, priority claim and transfer controls. */
export function renderRouting(state) {
  const session = state.session;
  const peer = session?.peer ?? {};
  const languages = state.catalog.languages ?? [];
  const language = languages.find((l) => l.id === peer.language);
  $('#s-language').textContent = peer.language
    ? `${t('session.language')}: ${nameOf('language', language ?? { id: peer.language, name: peer.language })}`
    : '';
  const claim = peer.priorityGroup;
  $('#s-priority').hidden = !claim;
  if (claim) {
    const group = (state.catalog.priorityGroups ?? []).find((g) => g.id === claim) ?? { id: claim, name: claim };
    const checked = state.priorityChecked?.sessionId === session.sessionId ? state.priorityChecked.verdict : null;
    $('#s-priority-text').textContent = `${t('session.priority')}: ${nameOf('priority', group)}${
      checked ? ` · ${t(checked === 'confirmed' ? 'session.priorityConfirmed' : 'session.priorityRejected')}` : ''
    }`;
    $('#priority-confirm').hidden = Boolean(checked);
    $('#priority-reject').hidden = Boolean(checked);
  }
  const select = $('#transfer-hall');
  const owning = (state.catalog.matters ?? []).find((m) => m.id === session?.matterId)?.owningHalls ?? [];
  const key = `${session?.sessionId}:${owning.join(',')}`;
  if (select.dataset.key !== key) {
    select.dataset.key = key;
    select.replaceChildren(
      Object.assign(document.createElement('option'), { value: '', textContent: '—' }),
      ...owning.map((id) =>
        Object.assign(document.createElement('option'), {
          value: id,
          textContent: (state.catalog.halls ?? []).find((h) => h.id === id)?.name ?? id,
        }),
      ),
    );
  }
}

function nameOf(kind, entry) {
  const key = `${kind}.${entry.id}`;
  return hasKey(key) ? t(key) : entry.name;
}
