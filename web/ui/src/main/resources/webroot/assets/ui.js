// Small DOM helpers shared by the applicant page and the clerk console.

import { formatTime, onLangChange, t } from './i18n.js';
import { playStream } from './rtc.js';

export const $ = (selector, root = document) => root.querySelector(selector);

/**
 * Errors that only mean a media message crossed the end of its session on the wire (ICE candidates
 * still in flight when the session ended). They are expected and not worth the user's attention.
 */
export function isStaleMediaError(error) {
  return error.code === 'NOT_IN_SESSION' && ['ice', 'sdp', 'screen', 'answer'].includes(error.about);
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
/**
 * Adds a chat line to a session's lines in order of its number (`seq`); a line already there (sent
 * again after a resume) is left out. Returns whether it was new.
 */
export function addChatLine(lines, line) {
  if (lines.some((l) => l.seq === line.seq)) return false;
  let i = lines.length;
  while (i > 0 && lines[i - 1].seq > line.seq) i--;
  lines.splice(i, 0, line);
  return true;
}

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

/**
 * Keeps a chat log showing its latest lines when it changes size (a drawer or tab opened, the window resized),
 * unless the reader scrolled up to older ones.
 */
export function keepChatAtEnd(log) {
  let atEnd = true;
  log.addEventListener('scroll', () => (atEnd = log.scrollHeight - log.scrollTop - log.clientHeight < 40), { passive: true });
  new ResizeObserver(() => {
    if (atEnd) log.scrollTop = log.scrollHeight;
  }).observe(log);
}

/** "李娜（协助人员 · 南京市鼓楼区政务服务中心）" */
export function participantLabel(p) {
  const role = t(`role.${p.role}`);
  return t('participants.label', { name: p.name, role: p.hallName ? `${role} · ${p.hallName}` : role });
}

/**
 * Bridge mode: the list of people in the session (server 'participants'), one line each, with the
 * ones who only listen marked. Hidden while empty (peer-to-peer mode). The server masks the applicant's
 * name for everyone (张*); the applicant's own page shows their own name in full ({@code myName}, what
 * they typed on this page).
 */
export function renderParticipants(container, participants, myRole, myName = '') {
  container.hidden = participants.length === 0;
  const title = Object.assign(document.createElement('strong'), { textContent: t('participants.title') });
  const list = document.createElement('ul');
  for (const p of participants) {
    const item = document.createElement('li');
    item.dataset.role = p.role;
    const me = p.role === myRole && myRole === 'applicant';
    item.textContent = participantLabel(me && myName ? { ...p, name: myName } : p);
    if (!p.sends) item.append(Object.assign(document.createElement('span'), { className: 'badge listen', textContent: t('participants.listensOnly') }));
    if (me) item.append(` ${t('participants.you')}`);
    list.append(item);
  }
  container.replaceChildren(title, list);
}

/**
 * Bridge mode: one video tile (camera and sound) per other sender, captioned with name and role.
 * Tiles are kept across calls so that playing videos are not restarted.
 */
export function renderTiles(container, call, participantIds, participants, { onBlocked } = {}) {
  const wanted = new Set(participantIds);
  for (const tile of [...container.children]) if (!wanted.has(tile.dataset.participant)) tile.remove();
  for (const id of participantIds) {
    const tracks = call.tracksOf(id);
    const list = [tracks.audio, tracks.camera].filter(Boolean);
    if (list.length === 0) continue;
    let tile = [...container.children].find((el) => el.dataset.participant === id);
    if (!tile) {
      tile = document.createElement('figure');
      tile.className = 'tile';
      tile.dataset.participant = id;
      const video = Object.assign(document.createElement('video'), { autoplay: true, playsInline: true });
      tile.append(video, document.createElement('figcaption'));
      container.append(tile);
    }
    const video = tile.querySelector('video');
    if (!list.every((track) => video.srcObject?.getTracks().includes(track))) {
      playStream(video, new MediaStream(list), { onBlocked });
    }
    const p = participants.find((x) => x.participantId === id);
    tile.querySelector('figcaption').textContent = p ? participantLabel(p) : t(`role.${id.split('-')[0]}`);
  }
}
