// Small DOM helpers shared by the applicant page and the clerk console.

import { formatTime, onLangChange, t } from './i18n.js';

export const $ = (selector, root = document) => root.querySelector(selector);

/**
 * Errors that only mean a media message crossed the end of its session on the wire (ICE candidates
 * still in flight when the session ended). They are expected and not worth the user's attention.
 */
export function isStaleMediaError(error) {
  return error.code === 'NOT_IN_SESSION' && ['ice', 'sdp', 'screen'].includes(error.about);
}

export async function fetchCatalog() {
  const response = await fetch('/api/catalog', { headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`catalog: HTTP ${response.status}`);
  const catalog = await response.json();
  return {
    halls: catalog.halls ?? [],
    matters: catalog.matters ?? [],
    languages: catalog.languages ?? [],
    priorityGroups: catalog.priorityGroups ?? [],
  };
}

/** Shows "reconnecting…" / "cannot connect" in the banner (#conn-banner) while the socket is down. */
export function bindConnectionBanner(client) {
  const banner = $('#conn-banner');
  const text = $('#conn-text');
  const retry = $('#conn-retry');
  let last = { state: client.state, attempt: 0 };
  const render = () => {
    const { state, attempt } = last;
    banner.hidden = !['reconnecting', 'failed'].includes(state);
    banner.classList.toggle('failed', state === 'failed');
    retry.hidden = state !== 'failed';
    text.textContent = state === 'failed' ? t('conn.lost') : t('conn.reconnecting', { attempt: Math.max(1, attempt) });
  };
  client.addEventListener('state', (e) => {
    last = e.detail;
    render();
  });
  retry.addEventListener('click', () => client.retry());
  onLangChange(render);
  return render;
}

/** A modal yes/no question; resolves true for yes. Buttons are large and labelled in words. */
export function confirmDialog(question, noLabel, yesLabel) {
  const dialog = $('#confirm-dialog');
  $('#confirm-text').textContent = question;
  $('#confirm-no').textContent = noLabel;
  $('#confirm-yes').textContent = yesLabel;
  return new Promise((resolve) => {
    const done = (answer) => {
      $('#confirm-no').onclick = null;
      $('#confirm-yes').onclick = null;
      dialog.onclose = null;
      if (dialog.open) dialog.close();
      resolve(answer);
    };
    $('#confirm-no').onclick = () => done(false);
    $('#confirm-yes').onclick = () => done(true);
    dialog.onclose = () => done(false);
    dialog.showModal();
    $('#confirm-no').focus();
  });
}

/** Renders chat lines; `me` is the role ('applicant' or 'clerk') of this page. */
export function renderChat(log, lines, me) {
  const wasAtBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  if (lines.length === 0) {
    log.replaceChildren(Object.assign(document.createElement('div'), { className: 'empty', textContent: t('chat.empty') }));
    return;
  }
  log.replaceChildren(
    ...lines.map((line) => {
      const mine = line.from === me;
      const item = document.createElement('div');
      item.className = `line${mine ? ' mine' : ''}`;
      item.dataset.from = line.from;
      const who = mine ? t('chat.me') : line.name || t(`chat.${line.from}`);
      item.append(
        Object.assign(document.createElement('span'), { className: 'who', textContent: `${who} · ${formatTime(line.at)}` }),
        Object.assign(document.createElement('span'), { className: 'text', textContent: line.text }),
      );
      return item;
    }),
  );
  if (wasAtBottom) log.scrollTop = log.scrollHeight;
}
