// Clerk console: login, status, the waiting queue, the live session (camera, shared screen,
// chat) and the outcome of every session. Protocol: docs/protocol.md.

import { applyI18n, bindLanguageSwitch, errorText, formatDuration, onLangChange, t } from './i18n.js';
import { SignalingClient } from './signaling.js';
import { tokenKeeper } from './auth.js';
import { BridgeCall, Call, SCREEN, nextEpoch, openCameraAndMic, playStream, transportDiagnostics } from './rtc.js';
import { MediaWatch, STATE_KEYS } from './media-state.js';
import { initCobrowse } from './cobrowse.js';
import { initChecks } from './checks.js';
import { initSigning } from './signing.js';
import { initUnfinished } from './unfinished.js';
import { initWorkbench } from './workbench.js';
import {
  $,
  addChatLine,
  bindConnectionBanner,
  fetchCatalog,
  isStaleMediaError,
  keepChatAtEnd,
  renderChat,
  renderParticipants,
  renderTiles,
} from './ui.js';
import { renderRouting, renderWrapUp, routingBadges, wireRouting } from './clerk-routing.js';

const TOKEN_KEY = 'tongban.clerkToken';
const PROFILE_KEY = 'tongban.clerkProfile';
// An outcome still owed for an ended session survives a reload of the console.
const PENDING_OUTCOME_KEY = 'tongban.pendingOutcome';

const state = {
  token: sessionStorage.getItem(TOKEN_KEY),
  profile: loadProfile(), // from POST /api/login: clerkId, name, hallId, hallName, matters
  clerk: null, // last 'clerk' message
  catalog: { halls: [], matters: [] },
  queue: [],
  queueAt: Date.now(),
  localStream: null,
  media: null, // promise: camera and microphone opened (or failed)
  session: null,
  call: null,
  screenActive: false,
  secondSource: null, // what the applicant's second video shows: 'screen' | 'document-camera'
  peerLost: false,
  audioOnly: false, // the call fell back to audio only: our camera sends nothing
  peerCamera: null, // the applicant's camera sends no picture: server 'camera' {reason}
  chat: [],
  outcomeFor: null, // {sessionId, mode: 'end' | 'ended' | 'lost'}
  notice: null,
  sessionNotice: null,
  loginError: null,
  changePassword: null, // { username } after PASSWORD_CHANGE_REQUIRED
  passwordError: null, // { code, reason } or { key }
  wasConnected: false,
  participants: [], // bridge mode: everyone in the session
  invited: [], // invitations not yet taken up (own session)
  recording: false,
  invitation: null, // an invitation to help in another clerk's session
  monitor: null, // supervisors: {sessions, at}; null for other clerks
};

const client = new SignalingClient();
// The media state in words and its recovery (media-state.js).
const media = new MediaWatch({
  call: () => state.call,
  restart: () => restartMedia(),
  canRestart: () => client.isOpen && Boolean(state.session),
  onRepeatedFailures: () => setAudioOnly(true),
});
media.addEventListener('change', () => render());
// The token is refreshed before it expires; the open connection stays signed in whatever happens to it.
const tokens = tokenKeeper(TOKEN_KEY, {
  onRefresh: (token) => (state.token = token),
  onEnded: (code) => setNotice({ code, kind: 'error' }),
});

// ---------------------------------------------------------------- startup

bindLanguageSwitch($('#lang-switch'));
onLangChange(render);
applyI18n();
bindConnectionBanner(client);
wireLogin();
wireConsole();
keepChatAtEnd($('#chat-log'));
const workbench = initWorkbench({ render: () => render() });
initCobrowse(client, {
  onChange: (on) => {
    $('#session-media').classList.toggle('with-mirror', on);
    render();
  },
});
initChecks(client, { onChange: () => render() });
initSigning(client, { role: 'clerk', onChange: () => render() });
const unfinished = initUnfinished(client, { matterName, hallName });

client.addEventListener('ready', onReady);
client.addEventListener('clerk', (e) => onClerk(e.detail));
client.addEventListener('queue', (e) => onQueue(e.detail));
client.addEventListener('paired', (e) => onPaired(e.detail));
client.addEventListener('sdp', (e) => onSession(e.detail, () => state.call?.handleDescription(e.detail.description)));
client.addEventListener('ice', (e) => onSession(e.detail, () => state.call?.handleCandidate(e.detail.candidate)));
client.addEventListener('offer', (e) => onSession(e.detail, () => state.call?.handleOffer?.(e.detail)));
// New TURN credentials: the call in progress uses them at its next ICE restart.
client.addEventListener('ice_servers', () => state.call?.setIceServers(client.rtcConfiguration().iceServers));
client.addEventListener('participants', (e) => onSession(e.detail, () => onParticipants(e.detail)));
client.addEventListener('recording', (e) => onSession(e.detail, () => (state.recording = e.detail.active)));
client.addEventListener('invitation', (e) => onInvitation(e.detail));
client.addEventListener('chat', (e) => onSession(e.detail, () => onChat(e.detail)));
client.addEventListener('screen', (e) =>
  onSession(e.detail, () => {
    setScreenActive(e.detail.active, e.detail.source);
    workbench.secondVideo(state.screenActive, state.secondSource);
  }),
);
client.addEventListener('peer', (e) => onSession(e.detail, () => onPeer(e.detail)));
client.addEventListener('camera', (e) =>
  onSession(e.detail, () => {
    if (e.detail.from === 'applicant') state.peerCamera = e.detail.active ? null : { reason: e.detail.reason };
  }),
);
client.addEventListener('ended', (e) => onEnded(e.detail));
client.addEventListener('error', (e) => {
  if (isStaleMediaError(e.detail)) console.debug('tongban: late media message after the session ended', e.detail);
  else setNotice({ code: e.detail.code, reason: e.detail.reason, kind: 'error' });
});
client.addEventListener('state', () => render());

fetchCatalog()
  .then((catalog) => (state.catalog = catalog))
  .catch(() => setNotice({ key: 'error.catalog', kind: 'error' }))
  .finally(() => {
    render();
    unfinished.render(); // matter and hall names
  });
if (state.token) {
  tokens.resume();
  startConsole();
}
render();
setInterval(renderQueueTimes, 1000);
// A supervisor's list of running sessions stays fresh while they are not in one.
setInterval(() => {
  if (state.monitor && !state.session && client.isOpen) refreshMonitor();
}, 5000);

// Test hook (web/README.md): lets end-to-end tests read WebRTC statistics.
window.tongban = {
  pc: () => state.call?.pc ?? null,
  call: () => state.call,
  inbound: async () => (state.call ? state.call.inboundStats() : {}),
  transport: async () => transportDiagnostics(state.call?.pc),
  outbound: async () => (state.call?.outboundStats ? state.call.outboundStats() : {}),
  dropConnection: () => client.simulateDrop(),
  state: () => ({
    ws: client.state,
    wsUrl: client.url,
    wsHistory: client.history,
    status: state.clerk?.status ?? null,
    queue: state.queue,
    sessionId: state.session?.sessionId ?? null,
    connection: state.call?.connectionState ?? null,
    screenActive: state.screenActive,
    secondVideo: state.screenActive ? state.secondSource : null,
    outcomePending: state.outcomeFor !== null,
    media: client.hello?.media ?? null,
    role: state.session?.role ?? null,
    recording: state.recording,
    participants: state.participants,
    offerVersion: state.call?.version ?? null,
    unfinished: unfinished.state(),
    workbench: workbench.state(),
    mediaState: media.snapshot(),
    audioOnly: state.audioOnly,
    peerCamera: state.peerCamera,
  }),
};

// ---------------------------------------------------------------- login

function wireLogin() {
  $('#login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const submit = $('#login-submit');
    submit.disabled = true;
    submit.textContent = t('login.busy');
    state.loginError = null;
    try {
      const username = $('#username').value.trim();
      const response = await fetch('/api/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ username, password: $('#password').value }),
      });
      const body = await response.json().catch(() => ({}));
      if (body.error?.code === 'PASSWORD_CHANGE_REQUIRED') {
        // A password somebody else chose (setup, a one-time password): the clerk sets their own first.
        state.changePassword = { username };
        state.passwordError = null;
        $('#pw-current').value = $('#password').value;
        $('#password').value = '';
        return;
      }
      if (!response.ok || !body.token) {
        state.loginError = body.error?.code ?? (response.status === 429 ? 'LOGIN_THROTTLED' : 'AUTH_FAILED');
        return;
      }
      $('#password').value = '';
      signedIn(body);
    } catch {
      state.loginError = 'NETWORK';
    } finally {
      submit.disabled = false;
      submit.textContent = t('login.submit');
      render();
      if (state.changePassword) $('#pw-new').focus();
    }
  });
  $('#password-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    if ($('#pw-new').value !== $('#pw-again').value) {
      state.passwordError = { key: 'password.mismatch' };
      render();
      return;
    }
    const submit = $('#password-submit');
    submit.disabled = true;
    submit.textContent = t('password.busy');
    state.passwordError = null;
    try {
      const response = await fetch('/api/login/password', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({
          username: state.changePassword.username,
          password: $('#pw-current').value,
          newPassword: $('#pw-new').value,
        }),
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok || !body.token) {
        state.passwordError = {
          code: body.error?.code ?? (response.status === 429 ? 'LOGIN_THROTTLED' : 'AUTH_FAILED'),
          reason: body.error?.reason,
        };
        return;
      }
      state.changePassword = null;
      for (const id of ['#pw-current', '#pw-new', '#pw-again']) $(id).value = '';
      signedIn(body);
    } catch {
      state.passwordError = { code: 'NETWORK' };
    } finally {
      submit.disabled = false;
      submit.textContent = t('password.submit');
      render();
    }
  });
  $('#password-cancel').addEventListener('click', () => {
    state.changePassword = null;
    state.passwordError = null;
    for (const id of ['#pw-current', '#pw-new', '#pw-again']) $(id).value = '';
    render();
  });
  $('#logout').addEventListener('click', async () => {
    await tokens.logout(); // revoked on the server, on every node
    sessionStorage.removeItem(PROFILE_KEY);
    sessionStorage.removeItem(PENDING_OUTCOME_KEY);
    client.close();
    teardownCall();
    state.localStream?.getTracks().forEach((track) => track.stop());
    location.reload();
  });
}

/** The answer of a sign-in (or of a change of password): the token and the clerk's profile. */
function signedIn(body) {
  state.token = body.token;
  state.profile = body.clerk ?? null;
  tokens.store(body.token, body.expiresIn);
  sessionStorage.setItem(PROFILE_KEY, JSON.stringify(state.profile));
  startConsole();
}

function startConsole() {
  if (client.isOpen) authenticate();
  else client.connect();
  if (!state.media) {
    state.media = openCameraAndMic().then(({ stream, error }) => {
      state.localStream = stream;
      if (error) setNotice({ key: `device.${error}`, kind: 'warn' });
      $('#idle-self-video').srcObject = stream;
      $('#self-video').srcObject = stream;
    });
  }
  render();
}

function onReady() {
  const lost = state.session;
  if (lost) teardownCall();
  if (state.token) authenticate(lost);
}

async function authenticate(lost = null) {
  try {
    const me = await client.request({ type: 'auth', token: state.token });
    if (lost && state.session === lost && me.status !== 'busy') {
      // Our connection dropped during a session and the server ended it (clerk_lost): the applicant is
      // back at the head of the queue. (When the session is still live — our node failed, or the drop
      // was brief — we are 'busy' and a resumed 'paired' follows.)
      state.session = null;
      setNotice({ key: 'clerk.sessionLostReconnect', kind: 'warn' });
      render();
    }
    const pending = loadPendingOutcome();
    if (pending && !state.outcomeFor) askOutcome(pending);
    if (state.profile?.supervisor) refreshMonitor();
    unfinished.refresh();
  } catch (e) {
    if (e.code === 'NETWORK') return;
    // Bad, expired or revoked token: back to the login form.
    tokens.forget();
    state.token = null;
    state.clerk = null;
    state.loginError = e.code;
    render();
  }
}

// ---------------------------------------------------------------- console

function wireConsole() {
  $('#media-retry').addEventListener('click', () => media.retry());
  $('#media-audio-only').addEventListener('click', () => setAudioOnly(true));
  $('#video-back').addEventListener('click', () => setAudioOnly(false));
  $('#status-toggle').addEventListener('click', () => {
    const next = state.clerk?.status === 'available' ? 'away' : 'available';
    client.request({ type: 'status', status: next }).catch((e) => setNotice({ code: e.code, reason: e.reason, kind: 'error' }));
  });
  $('#take-next').addEventListener('click', () => take());
  $('#queue-rows').addEventListener('click', (e) => {
    const button = e.target.closest('button[data-ticket]');
    if (button) take(button.dataset.ticket);
  });
  $('#end-session').addEventListener('click', () => {
    if (!state.session) return;
    if (state.session.role === 'helper' || state.session.role === 'supervisor') {
      // Answered with 'ended' (reason 'left'), handled as an event.
      client
        .request({ type: 'leave_session', sessionId: state.session.sessionId })
        .catch((e) => setNotice({ code: e.code, reason: e.reason, kind: 'error' }));
      return;
    }
    askOutcome({ sessionId: state.session.sessionId, mode: 'end' });
  });
  $('#invite-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const clerkId = $('#invite-clerk').value.trim();
    if (!clerkId || !state.session) return;
    try {
      const answer = await client.request({ type: 'invite', sessionId: state.session.sessionId, clerkId });
      onParticipants(answer);
      $('#invite-clerk').value = '';
      state.sessionNotice = 'invite.sent';
    } catch (err) {
      setNotice({ code: err.code, reason: err.reason, kind: 'error' });
    }
    render();
  });
  $('#invitation-join').addEventListener('click', async () => {
    const invitation = state.invitation;
    if (!invitation) return;
    state.invitation = null;
    try {
      // Answered with 'paired' (role helper), handled as an event.
      await client.request({ type: 'join_session', sessionId: invitation.sessionId, role: 'helper' });
    } catch (err) {
      setNotice({ code: err.code, reason: err.reason, kind: 'error' });
    }
    render();
  });
  $('#invitation-dismiss').addEventListener('click', () => {
    state.invitation = null;
    render();
  });
  $('#monitor-refresh').addEventListener('click', () => refreshMonitor());
  $('#monitor-rows').addEventListener('click', async (e) => {
    const button = e.target.closest('button[data-session]');
    if (!button) return;
    try {
      await client.request({ type: 'join_session', sessionId: button.dataset.session, role: 'supervisor' });
    } catch (err) {
      setNotice({ code: err.code, reason: err.reason, kind: 'error' });
      refreshMonitor();
    }
  });
  $('#chat-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $('#chat-input');
    const text = input.value.trim();
    if (!text || !state.session) return;
    if (client.send({ type: 'chat', sessionId: state.session.sessionId, text }) === null) {
      setNotice({ code: 'NETWORK', kind: 'error' });
      return;
    }
    input.value = '';
    input.focus();
  });
  $('#sound-on').addEventListener('click', () => {
    const video = $('#applicant-video');
    video.muted = false;
    video.play().catch(() => {});
    $('#sound-on').hidden = true;
  });
  $('#screen-full').addEventListener('click', () => {
    $('#screen-video').requestFullscreen?.().catch(() => {});
  });
  $('#outcome-cancel').addEventListener('click', () => {
    if (state.outcomeFor?.mode !== 'end') return; // an outcome for an ended session is required
    state.outcomeFor = null;
    $('#outcome-dialog').close();
  });
  $('#outcome-dialog').addEventListener('cancel', (e) => {
    if (state.outcomeFor?.mode !== 'end') e.preventDefault();
    else state.outcomeFor = null;
  });
  $('#outcome-form').addEventListener('submit', submitOutcome);
  wireRouting({ client, getState: () => state, setNotice, render });
}

async function take(ticketId) {
  setNotice(null);
  try {
    await client.request(ticketId ? { type: 'take', ticketId } : { type: 'take' });
  } catch (e) {
    setNotice({ code: e.code, reason: e.reason, kind: 'error' });
  }
}

function onClerk(clerk) {
  state.clerk = clerk;
  state.loginError = null;
  render();
}

function onQueue(queue) {
  state.queue = queue.tickets ?? [];
  state.queueAt = Date.now();
  render();
}

async function onPaired(paired) {
  teardownCall();
  setNotice(null);
  if (state.session?.sessionId !== paired.sessionId) {
    state.chat = [];
    state.participants = [];
    state.invited = [];
    state.audioOnly = false;
    workbench.start();
    media.start();
  } else {
    media.reset();
  }
  state.peerCamera = null; // the applicant's page says it again
  state.session = paired;
  state.peerLost = false;
  state.recording = Boolean(paired.recording);
  state.sessionNotice = paired.resumed ? 'session.resumed' : null;
  if (paired.role === 'helper' || paired.role === 'supervisor') state.sessionNotice = 'session.joinedAs';
  setScreenActive(false);
  workbench.secondVideo(false); // the applicant's page says again what it shows
  render();
  if (client.hello?.media === 'bridge') {
    state.call = bridgeCall(paired);
    sendCameraState();
    render();
    return;
  }
  // The offer must carry our camera and microphone: wait for them if the browser is still asking.
  await state.media;
  if (state.session !== paired) return;
  const call = new Call({
    offerer: true,
    ...client.rtcConfiguration(),
    localStream: state.localStream,
    sendSignal: (type, payload) => client.send({ type, sessionId: paired.sessionId, ...payload }),
  });
  call.cameraOff = state.audioOnly;
  call.addEventListener('tracks', () => showRemote(call));
  call.addEventListener('state', () => render());
  state.call = call;
  call.start();
  sendCameraState();
  render();
}

/** Bridge mode: the server offers; offers that arrive while the camera is still opening wait in the call. */
function bridgeCall(paired, after = 0) {
  const call = new BridgeCall({
    ...client.rtcConfiguration(),
    media: state.media.then(() => (paired.role === 'supervisor' ? null : state.localStream)),
    primaryRole: 'applicant',
    sendAnswer: (answer) => client.send({ type: 'answer', sessionId: paired.sessionId, ...answer }),
    after,
  });
  call.cameraOff = state.audioOnly;
  call.addEventListener('tracks', () => showRemote(call));
  call.addEventListener('state', () => render());
  return call;
}

/**
 * The media connection failed (media-state.js) or the clerk pressed 重试. Bridge: a new peer connection and
 * media_restart (a new endpoint on the bridge, offered to this page; the applicant's second video stays as it
 * was). Peer to peer: an ICE restart with a new offer (this page is the offerer).
 */
function restartMedia() {
  const session = state.session;
  if (!session || !client.isOpen) return;
  if (!state.call?.bridged) {
    state.call?.restartIce();
    return;
  }
  const after = nextEpoch(state.call.version);
  state.call.close();
  $('#applicant-video').srcObject = null;
  $('#screen-video').srcObject = null;
  $('#peer-tiles').replaceChildren();
  state.call = bridgeCall(session, after);
  // No reply echoes the id (the answer is the offer); a refusal (the media is moving after a node failure, the
  // session just ended) is left to the next attempt or the new pairing.
  client.request({ type: 'media_restart', sessionId: session.sessionId }).catch((e) => console.debug('tongban: media_restart', e.code));
  render();
}

/**
 * Tells the applicant's page whether our camera sends a picture (server 'camera'): with each new call only when
 * it does not (the page starts from "it does"), on a change always. Only the session's own clerk: helpers and
 * supervisors are not a party.
 */
function sendCameraState({ changed = false } = {}) {
  const session = state.session;
  if (!session || session.role !== 'clerk') return;
  state.media.then(() => {
    if (state.session !== session) return;
    const hasCamera = Boolean(state.localStream?.getVideoTracks().length);
    const reason = !hasCamera ? 'no_camera' : state.audioOnly ? 'poor_network' : null;
    if (reason) client.send({ type: 'camera', sessionId: session.sessionId, active: false, reason });
    else if (changed) client.send({ type: 'camera', sessionId: session.sessionId, active: true });
  });
}

/** Audio only (the network cannot keep video) or back to video. */
async function setAudioOnly(on) {
  if (on === state.audioOnly || !state.localStream?.getVideoTracks().length || !state.session) return;
  state.audioOnly = on;
  await state.call?.setCameraSending(!on);
  sendCameraState({ changed: true });
  render();
}

function onSession(message, action) {
  if (!state.session || message.sessionId !== state.session.sessionId) return;
  action();
  render();
}

function onChat(line) {
  if (addChatLine(state.chat, line) && line.from !== state.session.role) workbench.chatLine();
}

function onPeer(message) {
  state.peerLost = message.state === 'disconnected';
  state.sessionNotice = state.peerLost ? 'session.peerLost' : 'session.peerBack';
}

function setScreenActive(active, source = state.secondSource ?? 'screen') {
  state.screenActive = Boolean(active);
  const video = $('#screen-video');
  // The same track now shows something else (screen ↔ document camera): start over, so that a still is
  // never taken from a frame of the previous source.
  if (source !== state.secondSource) video.srcObject = null;
  state.secondSource = state.screenActive ? source : null;
  const call = state.call;
  const applicant = call?.bridged ? call.participantWithRole('applicant') : null;
  const track = call?.bridged ? (applicant ? call.tracksOf(applicant).screen : null) : call?.remoteTrack(SCREEN);
  if (state.screenActive && track) {
    if (video.srcObject?.getVideoTracks()[0] !== track) playStream(video, new MediaStream([track]));
  } else {
    video.srcObject = null;
  }
}

function showRemote(call) {
  if (state.call !== call) return;
  if (call.bridged) {
    showBridgedRemote(call);
    return;
  }
  const video = $('#applicant-video');
  const tracks = [call.remoteTrack(0), call.remoteTrack(1)].filter(Boolean);
  if (tracks.length === 0 || video.srcObject?.getTracks().includes(tracks[0])) return;
  playStream(video, new MediaStream(tracks), { onBlocked: () => ($('#sound-on').hidden = false) });
  if (state.screenActive) setScreenActive(true);
}

/** Bridge mode: the applicant's camera and screen as in a two-party call, everyone else in tiles. */
function showBridgedRemote(call) {
  const applicant = call.participantWithRole('applicant');
  const own = applicant ? call.tracksOf(applicant) : {};
  const tracks = [own.audio, own.camera].filter(Boolean);
  const video = $('#applicant-video');
  if (tracks.length > 0 && !tracks.every((track) => video.srcObject?.getTracks().includes(track))) {
    playStream(video, new MediaStream(tracks), { onBlocked: () => ($('#sound-on').hidden = false) });
  }
  if (state.screenActive) setScreenActive(true);
  const others = [...new Set(call.remoteTracks().map((r) => r.participantId))].filter((id) => id !== applicant);
  renderTiles($('#peer-tiles'), call, others, state.participants, { onBlocked: () => ($('#sound-on').hidden = false) });
}

function onParticipants(message) {
  state.participants = message.participants ?? [];
  state.invited = message.invited ?? [];
  if (state.call?.bridged) showBridgedRemote(state.call);
}

function onInvitation(invitation) {
  state.invitation = invitation;
  render();
}

async function refreshMonitor() {
  try {
    const answer = await client.request({ type: 'list_sessions' });
    state.monitor = { sessions: answer.sessions ?? [] };
  } catch (e) {
    // Not a supervisor (FORBIDDEN_FOR_ROLE), or peer-to-peer mode (WRONG_STATE): no monitor panel.
    if (e.code !== 'NETWORK') state.monitor = null;
  }
  render();
}

function onEnded(ended) {
  if (!state.session || ended.sessionId !== state.session.sessionId) {
    // An ended session we no longer show (e.g. after our own reconnect) may still need an outcome.
    if (ended.outcomeRequired) askOutcome({ sessionId: ended.sessionId, mode: 'lost' });
    return;
  }
  teardownCall();
  media.stop();
  state.session = null;
  state.sessionNotice = null;
  state.audioOnly = false;
  state.peerCamera = null;
  state.participants = [];
  state.invited = [];
  state.recording = false;
  if (state.monitor) refreshMonitor();
  if (ended.outcomeRequired) {
    askOutcome({ sessionId: ended.sessionId, mode: ended.reason === 'applicant_lost' ? 'lost' : 'ended' });
  } else if (state.outcomeFor?.mode === 'end') {
    state.outcomeFor = null;
    $('#outcome-dialog').close();
  }
  render();
}

function teardownCall() {
  state.call?.close();
  state.call = null;
  state.screenActive = false;
  state.secondSource = null;
  $('#applicant-video').srcObject = null;
  $('#screen-video').srcObject = null;
  $('#peer-tiles').replaceChildren();
  $('#sound-on').hidden = true;
}

// ---------------------------------------------------------------- outcome

function askOutcome(target) {
  state.outcomeFor = target;
  if (target.mode !== 'end') sessionStorage.setItem(PENDING_OUTCOME_KEY, JSON.stringify(target));
  const dialog = $('#outcome-dialog');
  $('#outcome-form').reset();
  $('#outcome-error').hidden = true;
  renderOutcomeDialog();
  if (!dialog.open) dialog.showModal();
}

async function submitOutcome(e) {
  e.preventDefault();
  const target = state.outcomeFor;
  if (!target) return;
  const outcome = new FormData($('#outcome-form')).get('outcome');
  if (!outcome) {
    $('#outcome-error').hidden = false;
    $('#outcome-error').textContent = t('outcomeDialog.required');
    return;
  }
  const note = $('#outcome-note').value.trim() || undefined;
  if (target.mode === 'end') {
    try {
      // Answered with 'ended' (handled as an event too).
      await client.request({ type: 'hangup', sessionId: target.sessionId, outcome, note });
    } catch (err) {
      $('#outcome-error').hidden = false;
      $('#outcome-error').textContent = errorText(err.code, err.reason);
      return;
    }
  } else {
    try {
      // Answered with 'clerk' (status back to what the clerk chose).
      await client.request({ type: 'outcome', sessionId: target.sessionId, outcome, note });
    } catch (err) {
      if (err.code !== 'NOT_IN_SESSION' && err.code !== 'WRONG_STATE') {
        $('#outcome-error').hidden = false;
        $('#outcome-error').textContent = errorText(err.code, err.reason);
        return;
      }
      // The session is gone or already has its outcome: nothing more can be recorded.
      setNotice({ key: 'outcomeDialog.gone', kind: 'warn' });
    }
    sessionStorage.removeItem(PENDING_OUTCOME_KEY);
  }
  state.outcomeFor = null;
  $('#outcome-dialog').close();
  render();
}

function renderOutcomeDialog() {
  const mode = state.outcomeFor?.mode;
  if (!mode) return;
  const hints = { end: 'outcomeDialog.hintEnd', ended: 'outcomeDialog.hintEnded', lost: 'outcomeDialog.hintLost' };
  $('#outcome-hint').textContent = t(hints[mode]);
  // Ending now leaves the applicant's signed application unsealed: say so (it can be finished later).
  $('#outcome-unsealed').hidden = mode !== 'end' || !unfinished.unsealed(state.outcomeFor.sessionId);
  $('#outcome-cancel').hidden = mode !== 'end';
}

// ---------------------------------------------------------------- rendering

function setNotice(notice) {
  state.notice = notice;
  render();
}

function render() {
  const loggedIn = Boolean(state.token);
  $('#login-view').hidden = loggedIn || Boolean(state.changePassword);
  $('#password-view').hidden = loggedIn || !state.changePassword;
  $('#console-view').hidden = !loggedIn;
  // A demo account (published password): a small mark in the header, the sentence as its tooltip.
  $('#demo-notice').hidden = !state.profile?.demo;
  $('#demo-notice').title = t('login.demo');
  $('#login-error').hidden = !state.loginError;
  $('#login-error').textContent = state.loginError ? errorText(state.loginError) : '';
  const pwError = state.passwordError;
  $('#password-error').hidden = !pwError;
  $('#password-error').textContent = !pwError ? '' : pwError.key ? t(pwError.key) : errorText(pwError.code, pwError.reason);

  const notice = $('#notice');
  notice.hidden = !state.notice;
  if (state.notice) {
    notice.className = `notice ${state.notice.kind ?? ''}`;
    notice.textContent = state.notice.code ? errorText(state.notice.code, state.notice.reason) : t(state.notice.key);
  }

  renderHeader(loggedIn);
  if (!loggedIn) return;
  renderQueue();
  renderInvitation();
  renderMonitor();
  renderSession();
  renderOutcomeDialog();
}

function renderHeader(loggedIn) {
  const profile = state.profile ?? {};
  const clerk = state.clerk;
  $('#who').hidden = !loggedIn;
  $('#logout').hidden = !loggedIn;
  $('#clerk-name').textContent = clerk?.name ?? profile.name ?? '';
  $('#clerk-hall').textContent = profile.hallName ?? hallName(clerk?.hallId ?? profile.hallId);
  const status = clerk?.status;
  const pill = $('#status-pill');
  pill.hidden = !loggedIn || !status;
  pill.className = `status-pill ${status ?? ''}`;
  pill.dataset.status = status ?? '';
  pill.textContent = status ? `${t('clerk.status')}: ${t(`status.${status}`)}` : '';
  const toggle = $('#status-toggle');
  // busy and wrap_up are set by the server: no toggle then.
  toggle.hidden = !loggedIn || !(status === 'available' || status === 'away');
  toggle.disabled = !client.isOpen;
  toggle.textContent = status === 'available' ? t('status.setAway') : t('status.setAvailable');
  if (loggedIn) renderWrapUp(clerk, pill, toggle);
}

function renderQueue() {
  const inSession = Boolean(state.session);
  const available = state.clerk?.status === 'available';
  const count = state.queue.length;
  $('#queue-count').textContent = t('queue.count', { n: count });
  $('#away-hint').hidden = !(state.clerk?.status === 'away');
  $('#queue-empty').hidden = count > 0;
  const canTake = available && !inSession && client.isOpen;
  $('#take-next').disabled = !canTake || !state.queue.some((ticket) => ticket.connected !== false);
  $('#queue-rows').replaceChildren(
    ...state.queue.map((ticket) => {
      const row = document.createElement('tr');
      row.dataset.ticketId = ticket.ticketId;
      const number = cell('num', ticket.number);
      if (ticket.returned) number.append(badge('returned', t('queue.returned')));
      if (ticket.connected === false) number.append(badge('disconnected', t('queue.disconnected')));
      number.append(...routingBadges(ticket, badge));
      const waiting = cell('waiting', '');
      waiting.dataset.seconds = String(ticket.waitingSeconds ?? 0);
      const action = document.createElement('td');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'btn small';
      button.dataset.ticket = ticket.ticketId;
      button.textContent = t('queue.take');
      button.disabled = !canTake || ticket.connected === false;
      action.append(button);
      row.append(number, cell('', matterName(ticket.matterId)), cell('', ticket.applicant ?? ''), waiting, action);
      return row;
    }),
  );
  renderQueueTimes();
  $('#console-view').classList.toggle('in-session', inSession);
  // In a session the page is the workbench: it fits the window and only its panes scroll.
  document.body.classList.toggle('in-session', inSession);
  $('#idle-self').hidden = inSession;
  $('#s-queue').textContent = t('queue.count', { n: count });
}

function renderQueueTimes() {
  if (state.clerk?.status === 'wrap_up') renderHeader(Boolean(state.token));
  const elapsed = (Date.now() - state.queueAt) / 1000;
  for (const waiting of document.querySelectorAll('#queue-rows td.waiting')) {
    waiting.textContent = formatDuration(Number(waiting.dataset.seconds) + elapsed);
  }
}

function renderSession() {
  const session = state.session;
  $('#session-view').hidden = !session;
  if (!session) return;
  workbench.render(); // first: which pane shows decides how the chat log scrolls
  $('#s-name').textContent = session.peer?.name ?? '';
  $('#s-mobile').textContent = session.peer?.mobile ?? '';
  $('#s-matter').textContent = `${matterName(session.matterId)} · ${hallName(session.hallId)}`;
  $('#s-number').textContent = session.number ?? '';
  $('#session-media').classList.toggle('screen-on', state.screenActive);
  $('#screen-stage').hidden = !state.screenActive;
  $('#screen-caption').textContent = t(state.secondSource === 'document-camera' ? 'session.documentCamera' : 'session.screen');
  renderMediaState();
  const sessionNotice = $('#session-notice');
  sessionNotice.hidden = !state.sessionNotice;
  sessionNotice.className = `notice ${state.peerLost ? 'warn' : 'ok'}`;
  sessionNotice.textContent = state.sessionNotice
    ? t(state.sessionNotice, {
        role: t(`role.${session.role}`),
        names: state.invited.map((i) => i.name).join('、'),
      })
    : '';
  const own = session.role === 'clerk';
  const bridged = client.hello?.media === 'bridge';
  $('#end-session').textContent = own ? t('session.end') : t('session.leave');
  $('#s-recording').hidden = !state.recording;
  $('#invite-form').hidden = !(own && bridged);
  renderParticipants($('#s-participants'), state.participants, session.role);
  // A supervisor listens silently: nothing to type into, and no self view (nobody sees them).
  $('#chat-form').hidden = session.role === 'supervisor';
  $('#self-row').hidden = session.role === 'supervisor';
  renderChat($('#chat-log'), state.chat, own ? 'clerk' : session.role);
  renderRouting(state);
  // Transfer and priority checks belong to the session's own clerk, not to helpers and supervisors.
  $('#routing-panel').hidden = !own;
  $('#transfer-form').hidden = !own;
}

/** The media state in words over the applicant's video, with 重试 and 仅语音 while it is not well. */
function renderMediaState() {
  const words = media.state ?? 'connecting';
  const troubled = ['unstable', 'reconnecting', 'failed'].includes(words);
  const overlay = $('#call-overlay');
  overlay.hidden = words === 'connected' && !state.peerLost;
  overlay.dataset.state = words;
  overlay.textContent = state.peerLost ? t('session.peerLost') : t(STATE_KEYS[words]);
  $('#media-actions').hidden = state.peerLost || !troubled;
  $('#media-audio-only').hidden = state.audioOnly || !state.localStream?.getVideoTracks().length;
  $('#audio-only-note').hidden = !state.audioOnly;
  const note = $('#peer-camera-note');
  note.hidden = !state.peerCamera;
  if (state.peerCamera) note.textContent = t(`media.peerCamera.${state.peerCamera.reason}`, { who: t('media.who.applicant') });
}

function renderInvitation() {
  const invitation = state.invitation;
  $('#invitation').hidden = !invitation || Boolean(state.session);
  if (!invitation) return;
  $('#invitation-text').textContent = t('invitation.text', {
    from: invitation.from?.name ?? '',
    hall: invitation.from?.hallName ?? hallName(invitation.hallId),
    number: invitation.number,
    matter: matterName(invitation.matterId),
  });
}

function renderMonitor() {
  const monitor = state.monitor;
  $('#monitor').hidden = !monitor || Boolean(state.session);
  if (!monitor) return;
  $('#monitor-empty').hidden = monitor.sessions.length > 0;
  $('#monitor-rows').replaceChildren(
    ...monitor.sessions.map((s) => {
      const row = document.createElement('tr');
      row.dataset.sessionId = s.sessionId;
      const action = document.createElement('td');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'btn small';
      button.dataset.session = s.sessionId;
      button.textContent = t('monitor.join');
      action.append(button);
      const number = cell('num', s.number);
      if (s.recording) number.append(badge('rec', t('session.recording')));
      row.append(number, cell('', matterName(s.matterId)), cell('', s.clerkName), cell('', t('monitor.people', { n: s.participants })), action);
      return row;
    }),
  );
}

function cell(className, text) {
  const td = document.createElement('td');
  if (className) td.className = className;
  td.textContent = text;
  return td;
}

function badge(kind, text) {
  return Object.assign(document.createElement('span'), { className: `badge ${kind}`, textContent: text });
}

function matterName(id) {
  return state.catalog.matters.find((m) => m.id === id)?.name ?? id ?? '';
}

function hallName(id) {
  return state.catalog.halls.find((h) => h.id === id)?.name ?? id ?? '';
}

function loadPendingOutcome() {
  try {
    return JSON.parse(sessionStorage.getItem(PENDING_OUTCOME_KEY));
  } catch {
    return null;
  }
}

function loadProfile() {
  try {
    return JSON.parse(sessionStorage.getItem(PROFILE_KEY));
  } catch {
    return null;
  }
}
