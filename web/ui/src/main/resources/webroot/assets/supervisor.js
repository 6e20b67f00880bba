// Supervisor board: every queue (hall × matter) with its length, longest wait, expected wait of a new
// ticket, overflow state and clerks by status, and every signed-in clerk; pushed live by the server
// over the WebSocket (`watch` → `board`, docs/protocol.md). Only supervisor accounts may watch.

import { applyI18n, bindLanguageSwitch, errorText, formatDuration, formatTime, onLangChange, t } from './i18n.js';
import { SignalingClient } from './signaling.js';
import { tokenKeeper } from './auth.js';
import { $, bindConnectionBanner, fetchCatalog } from './ui.js';

const TOKEN_KEY = 'tongban.supervisorToken';

const state = {
  token: sessionStorage.getItem(TOKEN_KEY),
  catalog: { halls: [], matters: [] },
  board: null,
  boardAt: 0, // local time the board arrived, to tick the waits between pushes
  loginError: null,
  notice: null,
};

const client = new SignalingClient();
// The token is refreshed before it expires; the open connection stays signed in whatever happens to it.
const tokens = tokenKeeper(TOKEN_KEY, {
  onRefresh: (token) => (state.token = token),
  onEnded: (code) => setNotice({ code, kind: 'error' }),
});

bindLanguageSwitch($('#lang-switch'));
onLangChange(render);
applyI18n();
bindConnectionBanner(client);

client.addEventListener('ready', () => {
  if (state.token) watch();
});
client.addEventListener('board', (e) => {
  state.board = e.detail;
  state.boardAt = Date.now();
  render();
});
client.addEventListener('error', (e) => setNotice({ code: e.detail.code, reason: e.detail.reason, kind: 'error' }));

$('#login-form').addEventListener('submit', login);
$('#logout').addEventListener('click', async () => {
  await tokens.logout(); // revoked on the server, on every node
  location.reload();
});

fetchCatalog()
  .then((catalog) => (state.catalog = catalog))
  .catch(() => setNotice({ key: 'error.catalog', kind: 'error' }))
  .finally(render);
if (state.token) {
  tokens.resume();
  client.connect();
}
render();
setInterval(renderTimes, 1000);

// Test hook: lets end-to-end tests read what the board shows.
window.tongban = { state: () => ({ ws: client.state, board: state.board }) };

async function login(e) {
  e.preventDefault();
  const submit = $('#login-submit');
  submit.disabled = true;
  state.loginError = null;
  try {
    const response = await fetch('/api/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ username: $('#username').value.trim(), password: $('#password').value }),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok || !body.token) {
      state.loginError = body.error?.code ?? (response.status === 429 ? 'LOGIN_THROTTLED' : 'AUTH_FAILED');
      return;
    }
    state.token = body.token;
    tokens.store(body.token, body.expiresIn);
    $('#password').value = '';
    if (client.isOpen) watch();
    else client.connect();
  } catch {
    state.loginError = 'NETWORK';
  } finally {
    submit.disabled = false;
    render();
  }
}

async function watch() {
  try {
    await client.request({ type: 'watch', token: state.token });
    setNotice(null);
  } catch (e) {
    if (e.code === 'NETWORK') return;
    // Not a supervisor, or the token expired or was revoked: back to the login form (a fresh connection
    // for the next try).
    tokens.forget();
    state.token = null;
    state.board = null;
    state.loginError = e.code;
    client.close();
    render();
  }
}

function setNotice(notice) {
  state.notice = notice;
  render();
}

function render() {
  const watching = Boolean(state.token && state.board);
  $('#login-view').hidden = Boolean(state.token);
  $('#board-view').hidden = !watching;
  $('#logout').hidden = !state.token;
  $('#login-error').hidden = !state.loginError;
  $('#login-error').textContent = state.loginError ? errorText(state.loginError) : '';
  const notice = $('#notice');
  notice.hidden = !state.notice;
  if (state.notice) {
    notice.className = `notice ${state.notice.kind ?? ''}`;
    notice.textContent = state.notice.code ? errorText(state.notice.code, state.notice.reason) : t(state.notice.key);
  }
  if (!watching) return;
  renderQueues();
  renderClerks();
  renderTimes();
}

function renderQueues() {
  $('#queue-rows').replaceChildren(
    ...state.board.queues.map((q) => {
      const row = document.createElement('tr');
      row.dataset.queue = `${q.hallId}|${q.matterId}`;
      row.classList.toggle('hot', q.waiting > 0 && q.available + q.busy + q.wrapUp === 0);
      const longest = cell('num longest', '');
      longest.dataset.seconds = String(q.waiting > 0 ? q.longestWaitSeconds : -1);
      const expected =
        q.expectedWaitSeconds == null ? t('board.noClerk') : formatDuration(q.expectedWaitSeconds);
      const overflow = document.createElement('td');
      // Open on an empty queue only means "a ticket would wait long": show it where it matters.
      if (q.overflowOpen && q.waiting > 0) overflow.append(Object.assign(document.createElement('span'), { className: 'pill open', textContent: t('board.overflowOpen') }));
      const states = document.createElement('td');
      states.className = 'states';
      for (const [kind, n] of [['available', q.available], ['busy', q.busy], ['wrap_up', q.wrapUp], ['away', q.away]]) {
        states.append(Object.assign(document.createElement('span'), { className: kind, textContent: String(n), title: t(`status.${kind}`) }));
      }
      row.append(
        cell('', hallName(q.hallId)),
        cell('', matterName(q.matterId)),
        cell('num waiting', String(q.waiting)),
        longest,
        cell('num', expected),
        overflow,
        cell('', `${q.priorityClaims} / ${q.appointmentsDue}`),
        states,
      );
      return row;
    }),
  );
}

function renderClerks() {
  const clerks = state.board.clerks;
  $('#clerks-empty').hidden = clerks.length > 0;
  $('#clerk-rows').replaceChildren(
    ...clerks.map((c) => {
      const row = document.createElement('tr');
      row.dataset.clerk = c.clerkId;
      const since = cell('num since', '');
      since.dataset.seconds = String(c.sinceSeconds);
      row.append(cell('', `${c.name} (${c.clerkId})`), cell('', hallName(c.hallId)), cell('status', t(`status.${c.status}`)), since);
      return row;
    }),
  );
}

function renderTimes() {
  if (!state.board) return;
  const elapsed = (Date.now() - state.boardAt) / 1000;
  for (const td of document.querySelectorAll('#queue-rows td.longest, #clerk-rows td.since')) {
    const seconds = Number(td.dataset.seconds);
    td.textContent = seconds < 0 ? '—' : formatDuration(seconds + elapsed);
  }
  $('#updated').textContent = t('board.updated', { time: formatTime(state.board.at) });
}

function cell(className, text) {
  const td = document.createElement('td');
  if (className) td.className = className;
  td.textContent = text;
  return td;
}

function matterName(id) {
  return state.catalog.matters.find((m) => m.id === id)?.name ?? id;
}

function hallName(id) {
  return state.catalog.halls.find((h) => h.id === id)?.name ?? id;
}


