// Supervisor board: every queue (hall × matter) with its length, longest wait, expected wait of a new
// ticket, overflow state and clerks by status, and every signed-in clerk; pushed live by the server
// over the WebSocket (`watch` → `board`, docs/protocol.md). Only supervisor accounts may watch.
// Today's charts come from `GET /api/supervisor/today` (every minute, and the live board's figures as their
// last point); a queue whose longest wait passes its threshold turns red and is listed in the alert strip;
// 导出今日 CSV downloads `GET /api/supervisor/today.csv`.

import { applyI18n, bindLanguageSwitch, errorText, formatDuration, formatTime, onLangChange, t } from './i18n.js';
import { SignalingClient } from './signaling.js';
import { tokenKeeper } from './auth.js';
import { $, bindConnectionBanner, fetchCatalog } from './ui.js';
import { BoardCharts } from './board-charts.js';

const TOKEN_KEY = 'tongban.supervisorToken';

const state = {
  token: sessionStorage.getItem(TOKEN_KEY),
  catalog: { halls: [], matters: [] },
  board: null,
  boardAt: 0, // local time the board arrived, to tick the waits between pushes
  loginError: null,
  notice: null,
  today: null, // the server's report of the day (GET /api/supervisor/today)
  clerksQueue: null, // hall|matter whose clerks the stacked area shows
};
let charts = null;

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
  const waitingBefore = totalWaiting(state.board);
  state.board = e.detail;
  state.boardAt = Date.now();
  render();
  // Fewer waiting: a ticket was taken (or given up), so the day's waits and service level changed. Again a
  // moment later: the push may overtake the take's row in the database.
  if (waitingBefore != null && totalWaiting(state.board) < waitingBefore) {
    loadToday();
    setTimeout(loadToday, 3000);
  }
});
client.addEventListener('error', (e) => setNotice({ code: e.detail.code, reason: e.detail.reason, kind: 'error' }));

$('#login-form').addEventListener('submit', login);
$('#export-csv').addEventListener('click', exportCsv);
$('#clerks-queue').addEventListener('change', (e) => {
  state.clerksQueue = e.target.value;
  renderCharts();
});
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
setInterval(() => {
  if (state.token && state.board) loadToday();
}, 60_000);

// Test hook: lets end-to-end tests read what the board shows.
window.tongban = {
  state: () => ({ ws: client.state, board: state.board, today: state.today }),
  charts: () => charts?.summary() ?? null,
  reloadToday: () => loadToday(),
};

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
    loadToday();
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
  renderCharts();
}

/** Today's report from the server; the charts and the service levels follow it. */
async function loadToday() {
  try {
    const response = await fetch('/api/supervisor/today', {
      headers: { Authorization: `Bearer ${state.token}`, Accept: 'application/json' },
      cache: 'no-store',
    });
    if (!response.ok) return; // the live board still shows; the next minute tries again
    state.today = await response.json();
    render();
  } catch {
    // Offline for a moment: the connection banner says so.
  }
}

async function exportCsv() {
  const button = $('#export-csv');
  button.disabled = true;
  try {
    const response = await fetch('/api/supervisor/today.csv', {
      headers: { Authorization: `Bearer ${state.token}` },
      cache: 'no-store',
    });
    if (!response.ok) throw new Error(String(response.status));
    const name = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? 'tongban.csv';
    const url = URL.createObjectURL(await response.blob());
    const a = Object.assign(document.createElement('a'), { href: url, download: name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch {
    setNotice({ key: 'board.exportFailed', kind: 'error' });
  } finally {
    button.disabled = false;
  }
}

function totalWaiting(board) {
  return board ? board.queues.reduce((n, q) => n + q.waiting, 0) : null;
}

function queueName(q) {
  return `${hallName(q.hallId)} · ${matterName(q.matterId)}`;
}

function renderCharts() {
  if (!globalThis.echarts) return;
  if (!charts) {
    charts = new BoardCharts({
      waiting: $('#chart-waiting'),
      longest: $('#chart-longest'),
      service: $('#chart-service'),
      clerks: $('#chart-clerks'),
    });
  }
  const queues = state.board.queues;
  const select = $('#clerks-queue');
  const keys = queues.map((q) => `${q.hallId}|${q.matterId}`);
  if (!state.clerksQueue || !keys.includes(state.clerksQueue)) {
    // The first queue with clerks on duty, else the first.
    const staffed = queues.find((q) => q.available + q.busy + q.wrapUp + q.away > 0);
    state.clerksQueue = staffed ? `${staffed.hallId}|${staffed.matterId}` : keys[0];
  }
  select.replaceChildren(
    ...queues.map((q) =>
      Object.assign(document.createElement('option'), { value: `${q.hallId}|${q.matterId}`, textContent: queueName(q) }),
    ),
  );
  select.value = state.clerksQueue;
  charts.render(state.today, state.board, queueName, state.clerksQueue);
  const takes = (state.today?.queues ?? []).reduce((n, q) => n + q.takes, 0);
  const within = (state.today?.queues ?? []).reduce((n, q) => n + q.withinThreshold, 0);
  $('#today-summary').textContent = state.today ? t('board.todaySummary', { takes, within }) : '';
}

function renderQueues() {
  $('#queue-rows').replaceChildren(
    ...state.board.queues.map((q) => {
      const row = document.createElement('tr');
      row.dataset.queue = `${q.hallId}|${q.matterId}`;
      row.classList.toggle('hot', q.waiting > 0 && q.available + q.busy + q.wrapUp === 0);
      const longest = cell('num longest', '');
      longest.dataset.seconds = String(q.waiting > 0 ? q.longestWaitSeconds : -1);
      longest.dataset.threshold = String(q.alertWaitSeconds);
      row.dataset.alert = String(Boolean(q.alert));
      const expected =
        q.expectedWaitSeconds == null ? t('board.noClerk') : formatDuration(q.expectedWaitSeconds);
      const day = state.today?.queues.find((d) => d.hallId === q.hallId && d.matterId === q.matterId);
      const level = day?.serviceLevel == null ? '—' : `${Math.round(day.serviceLevel * 100)}%`;
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
        cell('num threshold', formatDuration(q.alertWaitSeconds)),
        cell('num', expected),
        cell('num service-level', level),
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
  renderAlerts(elapsed);
}

/**
 * A queue whose longest wait is past its threshold (as the server said at the last push, or by the seconds
 * since) is red in the table and listed in the strip; it clears when a push shows it back under.
 */
function renderAlerts(elapsed) {
  const alerts = [];
  for (const q of state.board.queues) {
    const longest = q.waiting > 0 ? Math.floor(q.longestWaitSeconds + elapsed) : 0;
    const on = q.waiting > 0 && (q.alert || longest > q.alertWaitSeconds);
    const key = `${q.hallId}|${q.matterId}`;
    document.querySelector(`#queue-rows tr[data-queue="${CSS.escape(key)}"]`)?.classList.toggle('alert', on);
    if (on) alerts.push({ q, longest });
  }
  const strip = $('#alert-strip');
  strip.hidden = alerts.length === 0;
  // Rebuilt every second: the waits in the words tick.
  $('#alert-list').replaceChildren(
    ...alerts.map(({ q, longest }) => {
      const li = document.createElement('li');
      li.dataset.queue = `${q.hallId}|${q.matterId}`;
      li.textContent = t('board.alertItem', {
        hall: hallName(q.hallId),
        matter: matterName(q.matterId),
        longest: formatDuration(longest),
        threshold: formatDuration(q.alertWaitSeconds),
      });
      return li;
    }),
  );
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


