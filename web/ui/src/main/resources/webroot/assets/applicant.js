// Applicant page: choose matter and hall, contact details, device check, ticket, call, end.
// Talks to the server with the protocol of docs/protocol.md; the ticket survives reloads and
// network drops through the resume token kept in sessionStorage.

import { applyI18n, bindLanguageSwitch, errorText, formatTime, getLang, hasKey, onLangChange, t } from './i18n.js';
import { SignalingClient } from './signaling.js';
import { BridgeCall, Call, nextEpoch, openCameraAndMic, playStream, transportDiagnostics, watchMicLevel } from './rtc.js';
import { MediaWatch, STATE_KEYS, allowHelpKey } from './media-state.js';
import { initDeclaration } from './declaration.js';
import { initMaterials } from './materials.js';
import { initSigning } from './signing.js';
import { initDocumentCamera } from './doccam.js';
import { localized } from './formview.js';
import { getForm } from './uploads.js';
import { confirmCode, forgetToken, requestCode, tokenFor, verificationSettings } from './verify.js';
import {
  $,
  addChatLine,
  bindConnectionBanner,
  confirmDialog,
  fetchCatalog,
  isStaleMediaError,
  keepChatAtEnd,
  renderChat,
  renderParticipants,
  renderTiles,
} from './ui.js';

const TOKEN_KEY = 'tongban.resumeToken';
// The second video on before a reload (its source): the share ends with the page, so the applicant is told.
const SHARING_KEY = 'tongban.sharing';
const DRAFT_KEY = 'tongban.draft';
const MOBILE = /^1[3-9]\d{9}$/;
const APPOINTMENT_CODE = /^[A-Za-z0-9]{8}$/;
const SETUP_STEPS = 3;

const state = {
  view: 'matter',
  catalog: { halls: [], matters: [], languages: [], priorityGroups: [] },
  draft: loadDraft(),
  contactErrors: {},
  // Mobile verification (docs/protocol.md): whether the server needs it, the code's resend countdown, a status line.
  verify: { required: false, busy: false, resendAt: 0, sentTo: null, status: null },
  // idle | checking | ok | voiceOk | cameraDenied | cameraMissing (the microphone works) | denied | notFound | busy |
  // unsupported | error
  device: { status: 'idle', detail: '' },
  voiceOnly: false, // the applicant chose to queue with the microphone only (kept in the draft)
  audioOnly: false, // the call fell back to audio only: the camera sends nothing
  peerCamera: null, // the clerk's camera sends no picture: server 'camera' {reason}
  previewStream: null,
  stopMeter: () => {},
  ticket: null,
  session: null,
  call: null,
  callPromise: null,
  localStream: null,
  screenStream: null, // the second video: a shared screen or the document camera (secondSource)
  secondSource: null, // 'screen' | 'document-camera' while screenStream is on
  micOn: true,
  camOn: true,
  peerLost: false,
  chat: [],
  chatOpen: false, // the chat drawer
  unread: 0, // chat lines from others since the drawer was last open
  end: null,
  notice: null, // {key | code, kind}
  participants: [], // bridge mode: everyone in the session (server 'participants')
  recording: false, // the session is recorded (paired.recording / server 'recording')
};

const client = new SignalingClient();
state.voiceOnly = state.draft.voiceOnly === true;
// A screen share or document camera was on when the page went away: it ended with it (never restarted for
// the applicant); the resumed call says so (docs/protocol.md, client screen).
const secondVideoLost = sessionStorage.getItem(SHARING_KEY);
sessionStorage.removeItem(SHARING_KEY);
// The media state in words and its recovery (media-state.js).
const media = new MediaWatch({
  call: () => state.call,
  restart: () => restartMedia(),
  canRestart: () => client.isOpen && Boolean(state.session),
  onRepeatedFailures: () => setAudioOnly(true),
});
media.addEventListener('change', () => render());

// ---------------------------------------------------------------- startup

bindLanguageSwitch($('#lang-switch'));
onLangChange(render);
applyI18n();
bindConnectionBanner(client);
wireSetup();
wireCall();
keepDockMeasured();
keepChatAtEnd($('#chat-log'));
initDeclaration(client);
initMaterials(client);
initSigning(client, { role: 'applicant' });
const documentCamera = initDocumentCamera({
  faceTrack: () => state.localStream?.getVideoTracks()[0] ?? null,
  active: () => (state.secondSource === 'document-camera' ? state.screenStream : null),
  start: (stream) => setSecondVideo(stream, 'document-camera'),
  stop: () => stopShare(),
  framesSent: async () => (state.call?.connectionState === 'connected' ? state.call.screenFramesSent() : null),
});

client.addEventListener('ready', onReady);
client.addEventListener('ticket', (e) => onTicket(e.detail));
client.addEventListener('paired', (e) => onPaired(e.detail));
client.addEventListener('sdp', (e) => withCall(e.detail, (call) => call.handleDescription(e.detail.description)));
client.addEventListener('ice', (e) => withCall(e.detail, (call) => call.handleCandidate(e.detail.candidate)));
client.addEventListener('offer', (e) => withCall(e.detail, (call) => call.handleOffer(e.detail)));
// New TURN credentials: the call in progress uses them at its next ICE restart.
client.addEventListener('ice_servers', () => state.call?.setIceServers(client.rtcConfiguration().iceServers));
client.addEventListener('participants', (e) => onParticipants(e.detail));
client.addEventListener('recording', (e) => onRecording(e.detail));
client.addEventListener('chat', (e) => onChat(e.detail));
client.addEventListener('peer', (e) => onPeer(e.detail));
client.addEventListener('ended', (e) => onEnded(e.detail));
client.addEventListener('transferred', (e) => onTransferred(e.detail));
client.addEventListener('document_camera_request', (e) => onDocumentCameraRequest(e.detail));
client.addEventListener('camera', (e) => onPeerCamera(e.detail));
client.addEventListener('error', (e) => onServerError(e.detail));
client.connect();

// While a ticket is being resumed after a reload, show the ticket view instead of step 1.
if (sessionStorage.getItem(TOKEN_KEY)) state.view = 'ticket';
show(state.view);
loadCatalog();
loadVerificationSettings();

// Test hook (web/README.md): lets end-to-end tests read WebRTC statistics.
window.tongban = {
  pc: () => state.call?.pc ?? null,
  call: () => state.call,
  inbound: async () => (state.call ? state.call.inboundStats() : {}),
  transport: async () => transportDiagnostics(state.call?.pc),
  outbound: async () => (state.call?.outboundStats ? state.call.outboundStats() : {}),
  dropConnection: () => client.simulateDrop(),
  state: () => ({
    view: state.view,
    ws: client.state,
    wsUrl: client.url,
    wsHistory: client.history,
    ticket: state.ticket,
    sessionId: state.session?.sessionId ?? null,
    connection: state.call?.connectionState ?? null,
    sharing: state.secondSource === 'screen',
    documentCamera:
      state.secondSource === 'document-camera'
        ? { deviceId: state.screenStream.getVideoTracks()[0]?.getSettings().deviceId ?? null, label: state.screenStream.getVideoTracks()[0]?.label ?? '' }
        : null,
    media: client.hello?.media ?? null,
    recording: state.recording,
    participants: state.participants,
    offerVersion: state.call?.version ?? null,
    mediaState: media.snapshot(),
    voiceOnly: state.voiceOnly,
    audioOnly: state.audioOnly,
    device: state.device.status,
    peerCamera: state.peerCamera,
  }),
};

async function loadVerificationSettings() {
  try {
    state.verify.required = (await verificationSettings()).required === true;
  } catch {
    // Without the answer the page asks for nothing; a join refused with MOBILE_NOT_VERIFIED turns it on.
  }
  render();
}

async function loadCatalog() {
  try {
    state.catalog = await fetchCatalog();
  } catch {
    setNotice({ key: 'error.catalog', kind: 'error' });
  }
  render();
}

// ---------------------------------------------------------------- setup steps

function wireSetup() {
  $('#matter-list').addEventListener('click', (e) => {
    const button = e.target.closest('[data-id]');
    if (!button) return;
    state.draft.matterId = button.dataset.id;
    const halls = owningHalls(state.draft.matterId);
    if (!halls.some((h) => h.id === state.draft.hallId)) state.draft.hallId = halls.length === 1 ? halls[0].id : null;
    saveDraft();
    render();
    $('#hall-block').scrollIntoView({ behavior: 'smooth', block: 'nearest' });
  });
  $('#hall-list').addEventListener('click', (e) => {
    const button = e.target.closest('[data-id]');
    if (!button) return;
    state.draft.hallId = button.dataset.id;
    saveDraft();
    render();
  });
  $('#matter-next').addEventListener('click', () => show('contact'));

  $('#contact-back').addEventListener('click', () => show('matter'));
  $('#contact-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    state.draft.name = $('#name').value.trim();
    state.draft.mobile = $('#mobile').value.replace(/\s+/g, '');
    state.draft.language = $('#language').value || null;
    state.draft.priorityGroup = $('#priority-list input:checked')?.value ?? null;
    state.draft.appointmentCode = $('#appointment').value.replace(/\s+/g, '').toUpperCase() || null;
    saveDraft();
    state.contactErrors = validateContact(state.draft);
    if (Object.keys(state.contactErrors).length === 0 && needsCode()) await confirmTypedCode();
    render();
    const errors = state.contactErrors;
    if (Object.keys(errors).length === 0) show('device');
    else $(errors.name ? '#name' : errors.mobile ? '#mobile' : errors['sms-code'] ? '#sms-code' : '#appointment').focus();
  });
  // Typed values are kept as they are typed: a render while the applicant asks for a code (focus on the
  // button) must not put back older ones.
  $('#name').addEventListener('input', () => {
    state.draft.name = $('#name').value.trim();
    saveDraft();
  });
  $('#mobile').addEventListener('input', () => {
    state.draft.mobile = typedMobile();
    saveDraft();
    renderVerify();
  });
  $('#send-code').addEventListener('click', sendCode);
  // At most one priority group may be claimed: the boxes act as an optional choice.
  $('#priority-list').addEventListener('change', (e) => {
    if (e.target.checked) {
      for (const box of document.querySelectorAll('#priority-list input')) if (box !== e.target) box.checked = false;
    }
    state.draft.priorityGroup = $('#priority-list input:checked')?.value ?? null;
    saveDraft();
  });
  $('#language').addEventListener('change', () => {
    state.draft.language = $('#language').value || null;
    saveDraft();
  });
  $('#appointment').addEventListener('input', () => {
    state.draft.appointmentCode = $('#appointment').value.replace(/\s+/g, '').toUpperCase() || null;
    saveDraft();
  });

  $('#device-back').addEventListener('click', () => show('contact'));
  $('#device-retry').addEventListener('click', () => checkDevices());
  $('#device-skip').addEventListener('click', () => {
    state.voiceOnly = true;
    state.draft.voiceOnly = true;
    saveDraft();
    checkDevices({ video: false });
  });
  $('#join').addEventListener('click', join);

  $('#leave').addEventListener('click', async () => {
    if (!(await confirmDialog(t('ticket.leaveConfirm'), t('step.back'), t('ticket.leave')))) return;
    try {
      await client.request({ type: 'leave' });
    } catch (e) {
      setNotice({ code: e.code, reason: e.reason, kind: 'error' });
    }
  });
  $('#again').addEventListener('click', () => {
    state.end = null;
    state.voiceOnly = false; // a new ticket: the devices are checked afresh
    delete state.draft.voiceOnly;
    saveDraft();
    state.ticket = null;
    state.chat = [];
    setNotice(null);
    show('matter');
  });
}

/**
 * A terminal in a partner hall opens the page as /?at=<hallId>: applications taken there are accepted by
 * that hall and handed over to the owning hall (docs/protocol.md, "Signed application and hand-off").
 */
function partnerHall() {
  const at = new URLSearchParams(location.search).get('at');
  return at && /^[a-z0-9-]{2,64}$/.test(at) ? { partnerHallId: at } : {};
}

/** The number typed now, without spaces. */
function typedMobile() {
  return $('#mobile').value.replace(/\s+/g, '');
}

/** Whether the typed number still needs its SMS code before the applicant may go on. */
function needsCode() {
  return state.verify.required && !tokenFor(typedMobile());
}

async function sendCode() {
  const mobile = typedMobile();
  delete state.contactErrors['sms-code'];
  if (!MOBILE.test(mobile)) {
    state.contactErrors.mobile = 'contact.mobileInvalid';
    render();
    $('#mobile').focus();
    return;
  }
  delete state.contactErrors.mobile;
  state.draft.mobile = mobile;
  saveDraft();
  state.verify.busy = true;
  state.verify.status = null;
  render();
  try {
    const { resendAfter } = await requestCode(mobile, {
      onSolving: (on) => {
        state.verify.status = on ? { key: 'verify.solving' } : null;
        renderVerify();
      },
    });
    state.verify.sentTo = mobile;
    state.verify.status = { key: 'verify.sent', params: { mobile: `${mobile.slice(0, 3)}****${mobile.slice(-4)}` } };
    countDown(resendAfter);
    $('#sms-code').focus();
  } catch (error) {
    state.verify.status = null;
    state.contactErrors['sms-code'] = verifyErrorText(error);
    if (error.retryAfter > 0) countDown(error.retryAfter);
  } finally {
    state.verify.busy = false;
    render();
  }
}

/** Exchanges the typed code for the number's token; a refusal becomes the code field's error. */
async function confirmTypedCode() {
  const mobile = typedMobile();
  const code = $('#sms-code').value.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(code)) {
    state.contactErrors['sms-code'] = { key: state.verify.sentTo === mobile ? 'verify.codeInvalid' : 'verify.needCode' };
    return;
  }
  try {
    await confirmCode(mobile, code);
    $('#sms-code').value = '';
    state.verify.status = null;
  } catch (error) {
    state.contactErrors['sms-code'] = verifyErrorText(error);
  }
}

/** What to say about a refused verification request: a string key and its parameters. */
function verifyErrorText(error) {
  if (error.code === 'VERIFICATION_FAILED') return { key: error.reason === 'wrong' ? 'verify.wrong' : 'verify.void' };
  if (error.retryAfter > 0) return { key: 'verify.wait', params: { n: error.retryAfter } };
  return { key: hasKey(`error.${error.code}`) ? `error.${error.code}` : 'error.INTERNAL' };
}

let countdownTimer = null;

/** Disables "send code" for `seconds`, showing the time left on the button. */
function countDown(seconds) {
  state.verify.resendAt = Date.now() + seconds * 1000;
  clearInterval(countdownTimer);
  countdownTimer = setInterval(() => {
    if (Date.now() >= state.verify.resendAt) clearInterval(countdownTimer);
    renderVerify();
  }, 1000);
}

function renderVerify() {
  const verified = state.verify.required && Boolean(tokenFor(typedMobile()));
  $('#verify-block').hidden = !state.verify.required || verified;
  $('#verified-note').hidden = !verified;
  const left = Math.ceil((state.verify.resendAt - Date.now()) / 1000);
  const button = $('#send-code');
  button.disabled = state.verify.busy || left > 0;
  button.textContent = left > 0 ? t('verify.resendIn', { n: left }) : t('verify.send');
  const status = state.verify.status;
  $('#sms-code-status').textContent = status ? t(status.key, status.params) : '';
}

function validateContact({ name, mobile, appointmentCode }) {
  const errors = {};
  if (appointmentCode && !APPOINTMENT_CODE.test(appointmentCode)) errors.appointment = 'contact.appointmentInvalid';
  const length = [...(name ?? '')].length;
  if (length < 1 || length > 40 || /[<>\p{Cc}]/u.test(name)) errors.name = 'contact.nameInvalid';
  if (!MOBILE.test(mobile ?? '')) errors.mobile = 'contact.mobileInvalid';
  return errors;
}

async function checkDevices({ video = !state.voiceOnly } = {}) {
  stopPreview();
  state.device = { status: 'checking', detail: '' };
  render();
  let { stream, error, detail } = await openCameraAndMic({ video });
  // Without a usable camera (refused, missing, busy) the microphone alone may still do: the applicant may then
  // choose to queue by voice only (never chosen for them).
  let cameraError = null;
  if (error && video && ['denied', 'notFound', 'busy'].includes(error)) {
    const voice = await openCameraAndMic({ video: false });
    if (voice.error) ({ error, detail } = voice);
    else ({ stream, error, cameraError } = { stream: voice.stream, error: null, cameraError: error });
  }
  if (state.view !== 'device') {
    stream?.getTracks().forEach((track) => track.stop());
    return;
  }
  if (error) {
    state.device = { status: error, detail };
    render();
    return;
  }
  state.previewStream = stream;
  const status = cameraError ? (cameraError === 'denied' ? 'cameraDenied' : 'cameraMissing') : video ? 'ok' : 'voiceOk';
  state.device = { status, detail: '' };
  $('#device-preview').srcObject = stream;
  state.stopMeter = watchMicLevel(stream, (level) => {
    $('#mic-level').style.width = `${Math.round(level * 100)}%`;
  });
  render();
}

function stopPreview() {
  state.stopMeter();
  state.stopMeter = () => {};
  state.previewStream?.getTracks().forEach((track) => track.stop());
  state.previewStream = null;
  $('#device-preview').srcObject = null;
}

async function join() {
  const { matterId, hallId, name, mobile, language, priorityGroup, appointmentCode } = state.draft;
  $('#join').disabled = true;
  setNotice(null);
  const routing = Object.fromEntries(
    Object.entries({ language, priorityGroup, appointmentCode }).filter(([, value]) => value),
  );
  const mobileToken = tokenFor(mobile);
  if (mobileToken) routing.mobileToken = mobileToken;
  try {
    await client.request({ type: 'join', matterId, hallId, name, mobile, ...routing, ...partnerHall() });
    // onTicket (event) stores the token and shows the ticket.
  } catch (e) {
    setNotice({ code: e.code, reason: e.reason, kind: 'error' });
    if (e.code === 'MOBILE_NOT_VERIFIED') {
      forgetToken();
      state.verify.required = true;
      show('contact');
    }
    if (e.code === 'UNKNOWN_MATTER' || e.code === 'UNKNOWN_HALL') show('matter');
    if (['LANGUAGE_NOT_OFFERED', 'UNKNOWN_LANGUAGE', 'UNKNOWN_PRIORITY_GROUP'].includes(e.code)) show('contact');
    if (e.code?.startsWith('APPOINTMENT') || e.code === 'NO_SUCH_APPOINTMENT') show('contact');
    else if (e.code === 'INVALID_FIELD') show('contact');
  } finally {
    render();
  }
}

// ---------------------------------------------------------------- server messages

function onReady() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return;
  client.request({ type: 'resume', resumeToken: token }).catch((e) => {
    if (e.code === 'NETWORK') return; // the next reconnect tries again
    sessionStorage.removeItem(TOKEN_KEY);
    teardownCall();
    state.ticket = null;
    state.session = null;
    setNotice({ code: e.code, reason: e.reason, kind: 'warn' });
    show('matter');
  });
}

function onTicket(ticket) {
  if (ticket.resumeToken) sessionStorage.setItem(TOKEN_KEY, ticket.resumeToken);
  // Absent position/etaSeconds mean "none now" (e.g. no clerk on duty): never keep stale values.
  state.ticket = { ...state.ticket, ...ticket, position: ticket.position ?? null, etaSeconds: ticket.etaSeconds ?? null };
  delete state.ticket.resumeToken;
  switch (ticket.state) {
    case 'waiting':
      if (state.view !== 'ticket' && state.view !== 'call') show('ticket');
      break;
    case 'done':
      if (state.view !== 'end') finish({ kind: 'done', outcome: ticket.outcome });
      else if (ticket.outcome && state.end) state.end.outcome = ticket.outcome;
      break;
    case 'cancelled':
      finish({ kind: 'cancelled' });
      break;
    case 'expired':
      finish({ kind: 'expired' });
      break;
    default: // in_session: 'paired' follows
      break;
  }
  render();
}

function onPaired(paired) {
  teardownCall({ keepScreen: true });
  const sameSession = state.session?.sessionId === paired.sessionId || paired.resumed;
  state.session = paired;
  state.peerLost = false;
  state.peerCamera = null; // the clerk's page says it again
  if (sameSession && media.state) media.reset();
  else media.start();
  state.recording = Boolean(paired.recording);
  state.participants = [];
  if (!paired.resumed) {
    state.chat = [];
    state.chatOpen = false;
    state.unread = 0;
  }
  setNotice(null);
  if (paired.resumed && secondVideoLost && !state.screenStream && !state.shareLostTold) {
    state.shareLostTold = true;
    setNotice({ key: secondVideoLost === 'document-camera' ? 'call.doccamLost' : 'call.shareLost', kind: 'warn' });
  }
  show('call');
  state.callPromise = startCall(paired);
}

async function startCall(paired, { after = 0 } = {}) {
  await ensureLocalMedia();
  if (state.session !== paired) return null;
  const call =
    client.hello?.media === 'bridge'
      ? new BridgeCall({
          ...client.rtcConfiguration(),
          media: Promise.resolve(state.localStream),
          primaryRole: 'clerk',
          sendAnswer: (answer) => client.send({ type: 'answer', sessionId: paired.sessionId, ...answer }),
          after,
        })
      : new Call({
          offerer: false,
          ...client.rtcConfiguration(),
          localStream: state.localStream,
          sendSignal: (type, payload) => client.send({ type, sessionId: paired.sessionId, ...payload }),
        });
  call.screenTrack = state.screenStream?.getVideoTracks()[0] ?? null;
  call.cameraOff = state.audioOnly;
  call.setEnabled('audio', state.micOn);
  call.setEnabled('video', state.camOn);
  call.addEventListener('tracks', () => showRemote(call));
  call.addEventListener('state', () => render());
  state.call = call;
  $('#self-video').srcObject = state.localStream;
  // A share (or the document camera) that survived a network drop continues: tell the clerk's page again. (A
  // media restart changes nothing the server knows: not told again.)
  if (call.screenTrack && !after) {
    client.send({ type: 'screen', sessionId: paired.sessionId, active: true, source: state.secondSource });
  }
  sendCameraState();
  render();
  return call;
}

/**
 * Tells the clerk's page whether our camera sends a picture, and why not (server 'camera'): with each new call
 * only when it does not (the clerk's page starts from "it does"), on a change always.
 */
function sendCameraState({ changed = false } = {}) {
  const sessionId = state.session?.sessionId;
  if (!sessionId) return;
  const hasCamera = Boolean(state.localStream?.getVideoTracks().length);
  const reason = !hasCamera ? 'no_camera' : state.audioOnly ? 'poor_network' : !state.camOn ? 'turned_off' : null;
  if (reason) client.send({ type: 'camera', sessionId, active: false, reason });
  else if (changed) client.send({ type: 'camera', sessionId, active: true });
}

async function ensureLocalMedia() {
  if (state.localStream?.getTracks().some((track) => track.readyState === 'live')) return;
  let { stream, error } = await openCameraAndMic({ video: !state.voiceOnly });
  if (error && !state.voiceOnly) {
    // The camera went away since the device check (refused, unplugged): go on by voice, and say so.
    const voice = await openCameraAndMic({ video: false });
    if (!voice.error) ({ stream, error } = { stream: voice.stream, error: null });
  }
  state.localStream = stream;
  if (error) setNotice({ key: `device.${error}`, kind: 'warn' });
}

/**
 * The media connection failed (media-state.js) or the applicant pressed 重试. Bridge: a new peer connection and
 * media_restart (the bridge gives this page a new endpoint and offers it; docs/protocol.md). Peer to peer the
 * clerk's page is the offerer and restarts ICE; from this side the connection to the server is dropped and
 * resumed at once, which gives both pages new peer connections.
 */
async function restartMedia() {
  const session = state.session;
  if (!session || !client.isOpen) return;
  if (client.hello?.media !== 'bridge') {
    client.reconnect();
    return;
  }
  const after = nextEpoch(state.call?.version);
  teardownCall({ keepScreen: true });
  state.callPromise = startCall(session, { after });
  const call = await state.callPromise;
  if (call && state.call === call) requestMediaRestart(session.sessionId);
}

/**
 * Sends media_restart. Its answer is the offer (no reply echoes the id); a refusal — the session's media is moving
 * to another node after a failure (MEDIA_UNAVAILABLE: the move pairs both pages again), or the session just
 * ended — is no news for the applicant: the next attempt or the resume takes over.
 */
function requestMediaRestart(sessionId) {
  client.request({ type: 'media_restart', sessionId }).catch((e) => console.debug('tongban: media_restart', e.code));
}

/** Audio only (the network cannot keep video) or back to video: the camera stops or resumes sending. */
async function setAudioOnly(on) {
  if (on === state.audioOnly || !state.localStream?.getVideoTracks().length) return;
  state.audioOnly = on;
  state.camOn = !on;
  state.call?.setEnabled('video', state.camOn);
  await state.call?.setCameraSending(!on);
  sendCameraState({ changed: true });
  render();
}

function onPeerCamera(message) {
  if (message.sessionId !== state.session?.sessionId || message.from !== 'clerk') return;
  state.peerCamera = message.active ? null : { reason: message.reason };
  render();
}

async function withCall(message, action) {
  const call = await state.callPromise;
  if (call && state.call === call && message.sessionId === state.session?.sessionId) await action(call);
}

function showRemote(call) {
  if (state.call !== call) return;
  if (call.bridged) {
    showBridgedRemote(call);
    return;
  }
  const video = $('#remote-video');
  const tracks = [call.remoteTrack(0), call.remoteTrack(1)].filter(Boolean);
  if (tracks.length === 0 || video.srcObject?.getTracks().includes(tracks[0])) return;
  playStream(video, new MediaStream(tracks), { onBlocked: () => ($('#sound-on').hidden = false) });
}

/** Bridge mode: the clerk large, everyone else who sends (a helper) in a tile beside. */
function showBridgedRemote(call) {
  const clerkId = call.participantWithRole('clerk');
  const main = clerkId ? call.tracksOf(clerkId) : {};
  const mainTracks = [main.audio, main.camera].filter(Boolean);
  const video = $('#remote-video');
  if (mainTracks.length > 0 && !mainTracks.every((track) => video.srcObject?.getTracks().includes(track))) {
    playStream(video, new MediaStream(mainTracks), { onBlocked: () => ($('#sound-on').hidden = false) });
  }
  const others = [...new Set(call.remoteTracks().map((r) => r.participantId))].filter((id) => id !== clerkId);
  renderTiles($('#remote-tiles'), call, others, state.participants, { onBlocked: () => ($('#sound-on').hidden = false) });
}

function onParticipants(message) {
  if (message.sessionId !== state.session?.sessionId) return;
  state.participants = message.participants ?? [];
  if (state.call?.bridged) showBridgedRemote(state.call);
  render();
}

function onRecording(message) {
  if (message.sessionId !== state.session?.sessionId) return;
  state.recording = message.active;
  render();
}

function onChat(message) {
  if (message.sessionId !== state.session?.sessionId) return;
  if (!addChatLine(state.chat, message)) return;
  if (message.from !== 'applicant' && !state.chatOpen) state.unread += 1;
  render();
}

/** The clerk asks for the document camera: the panel opens with the request; the applicant decides. */
async function onDocumentCameraRequest(message) {
  if (message.sessionId !== state.session?.sessionId || state.secondSource === 'document-camera') return;
  const form = state.session?.matterId ? await getForm(state.session.matterId).catch(() => null) : null;
  const requirement = form?.materials?.find((m) => m.key === message.requirement);
  documentCamera.open({ material: requirement ? localized(requirement) : null });
}

function onPeer(message) {
  if (message.sessionId !== state.session?.sessionId) return;
  state.peerLost = message.state === 'disconnected';
  render();
}

function onTransferred(message) {
  if (state.session && message.sessionId !== state.session.sessionId) return;
  // The clerk handed the session over: a new 'paired' (another clerk) or 'ticket' (back in a queue) follows.
  teardownCall({ keepScreen: true });
  media.stop();
  state.session = null;
  if (message.toClerkName) setNotice({ key: 'ticket.transferred', params: { name: message.toClerkName }, kind: 'ok' });
  else {
    setNotice({ key: 'ticket.transferredQueue', params: { hall: findHall(message.toHallId)?.name ?? message.toHallId }, kind: 'warn' });
    show('ticket');
  }
}

function onEnded(message) {
  if (state.session && message.sessionId !== state.session.sessionId) return;
  teardownCall();
  media.stop();
  state.session = null;
  if (message.reason === 'clerk_lost') {
    // The ticket went back to the head of the queue: wait again.
    setNotice({ key: 'ticket.clerkLost', kind: 'warn' });
    show('ticket');
    return;
  }
  finish({ kind: 'ended', by: message.by, reason: message.reason, outcome: message.outcome });
}

function onServerError(error) {
  if (isStaleMediaError(error)) {
    console.debug('tongban: late media message after the session ended', error);
    return;
  }
  if (error.code === 'SUPERSEDED') {
    teardownCall();
    client.close();
  }
  setNotice({ code: error.code, reason: error.reason, kind: 'error' });
}

function finish(end) {
  teardownCall();
  media.stop();
  // The audio-only fallback turned the camera off for this call's network, not by the applicant's choice: the
  // next ticket starts with it on again (a camera the applicant turned off stays off).
  if (state.audioOnly) state.camOn = true;
  state.audioOnly = false;
  documentCamera.close();
  stopLocalMedia();
  sessionStorage.removeItem(TOKEN_KEY);
  state.session = null;
  state.end = { ...state.end, ...end };
  show('end');
}

// ---------------------------------------------------------------- call controls

function wireCall() {
  $('#toggle-mic').addEventListener('click', () => {
    state.micOn = !state.micOn;
    state.call?.setEnabled('audio', state.micOn);
    render();
  });
  $('#toggle-cam').addEventListener('click', () => {
    if (state.audioOnly) {
      setAudioOnly(false); // "camera on" after the fallback: video again
      return;
    }
    state.camOn = !state.camOn;
    state.call?.setEnabled('video', state.camOn);
    sendCameraState({ changed: true });
    render();
  });
  $('#media-retry').addEventListener('click', () => media.retry());
  $('#media-audio-only').addEventListener('click', () => setAudioOnly(true));
  $('#share').addEventListener('click', () => (state.secondSource === 'screen' ? stopShare() : startShare()));
  $('#hangup').addEventListener('click', async () => {
    if (!(await confirmDialog(t('call.hangupConfirm'), t('call.hangupNo'), t('call.hangupYes')))) return;
    const sessionId = state.session?.sessionId;
    if (!sessionId) return;
    try {
      await client.request({ type: 'hangup', sessionId });
    } catch (e) {
      setNotice({ code: e.code, reason: e.reason, kind: 'error' });
    }
  });
  $('#sound-on').addEventListener('click', () => {
    const video = $('#remote-video');
    video.muted = false;
    video.play().catch(() => {});
    $('#sound-on').hidden = true;
  });
  $('#chat-toggle').addEventListener('click', () => setChatOpen(!state.chatOpen));
  $('#chat-close').addEventListener('click', () => setChatOpen(false));
  $('#chat-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $('#chat-input');
    const text = input.value.trim();
    if (!text || !state.session) return;
    // chat has no direct answer: the line comes back as a 'chat' event, an error as an 'error' event
    if (client.send({ type: 'chat', sessionId: state.session.sessionId, text }) === null) {
      setNotice({ code: 'NETWORK', kind: 'error' });
      return;
    }
    input.value = '';
    input.focus();
  });
}

/** Opens or closes the chat drawer; opening it reads the lines (no unread count) and puts the cursor in. */
function setChatOpen(open) {
  state.chatOpen = open;
  if (open) state.unread = 0;
  measureDock();
  render();
  if (open) {
    $('#chat-log').scrollTop = $('#chat-log').scrollHeight; // the latest lines
    $('#chat-input').focus({ preventScroll: true });
  } else {
    $('#chat-toggle').focus({ preventScroll: true });
  }
}

/**
 * The video and controls (#dock-live) stay on screen; on a phone they sit on top of the page, so the page
 * keeps their height as scroll padding (scrolled-to fields are not hidden under them) and the chat drawer
 * opens beneath the lowest place they take, at the top of the page (--dock-h, --dock-bottom); on a desktop
 * their column is never taller than the window below the page's header (--call-top).
 */
function keepDockMeasured() {
  new ResizeObserver(measureDock).observe($('#dock-live'));
  window.addEventListener('resize', measureDock);
}

function measureDock() {
  const dock = $('#dock-live');
  const root = document.documentElement.style;
  const top = $('#step-call').getBoundingClientRect().top + window.scrollY;
  root.setProperty('--call-top', `${Math.round(top)}px`);
  root.setProperty('--dock-h', `${dock.offsetHeight}px`);
  root.setProperty('--dock-bottom', `${Math.round(top + dock.offsetHeight)}px`);
}

async function startShare() {
  let stream;
  try {
    stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
  } catch {
    setNotice({ key: 'call.shareFailed', kind: 'warn' });
    return;
  }
  const track = stream.getVideoTracks()[0];
  track.contentHint = 'detail'; // text on forms must stay readable
  track.addEventListener('ended', () => {
    if (state.screenStream === stream) stopShare();
  });
  await setSecondVideo(stream, 'screen');
}

/**
 * Puts a screen share or the document camera on the second-video slot (the screen m-line), replacing
 * whatever was there, and tells the clerk's page what it shows now.
 */
async function setSecondVideo(stream, source) {
  const previous = state.screenStream;
  state.screenStream = stream;
  state.secondSource = source;
  sessionStorage.setItem(SHARING_KEY, source);
  if (previous && previous !== stream) previous.getTracks().forEach((track) => track.stop());
  await state.call?.setScreenTrack(stream.getVideoTracks()[0]);
  if (state.session) client.send({ type: 'screen', sessionId: state.session.sessionId, active: true, source });
  render();
}

async function stopShare({ notify = true } = {}) {
  const stream = state.screenStream;
  if (!stream) return;
  const source = state.secondSource;
  state.screenStream = null;
  state.secondSource = null;
  sessionStorage.removeItem(SHARING_KEY);
  stream.getTracks().forEach((track) => track.stop());
  await state.call?.setScreenTrack(null);
  if (notify && state.session) client.send({ type: 'screen', sessionId: state.session.sessionId, active: false, source });
  render();
}

function teardownCall({ keepScreen = false } = {}) {
  state.call?.close();
  state.call = null;
  state.callPromise = null;
  if (!keepScreen) stopShare({ notify: false });
  $('#remote-video').srcObject = null;
  $('#remote-tiles').replaceChildren();
  $('#sound-on').hidden = true;
}

function stopLocalMedia() {
  state.localStream?.getTracks().forEach((track) => track.stop());
  state.localStream = null;
  $('#self-video').srcObject = null;
}

// ---------------------------------------------------------------- views

function show(view) {
  if (state.view === 'device' && view !== 'device') stopPreview();
  state.view = view;
  document.body.classList.toggle('in-call', view === 'call');
  for (const section of document.querySelectorAll('[data-view]')) section.hidden = section.dataset.view !== view;
  if (view === 'device' && state.device.status !== 'checking') checkDevices();
  render();
  window.scrollTo(0, 0);
}

function setNotice(notice) {
  state.notice = notice;
  render();
}

function render() {
  renderNotice();
  for (let n = 1; n <= SETUP_STEPS; n++) $(`#progress-${n}`).textContent = t('step.progress', { n, total: SETUP_STEPS });
  renderMatterStep();
  renderContactStep();
  renderDeviceStep();
  renderTicket();
  renderCall();
  renderEnd();
}

function renderNotice() {
  const box = $('#notice');
  const notice = state.notice;
  box.hidden = !notice;
  if (!notice) return;
  box.className = `notice ${notice.kind ?? ''}`;
  box.textContent = notice.code ? errorText(notice.code, notice.reason) : t(notice.key, notice.params);
}

function renderMatterStep() {
  const { matters } = state.catalog;
  $('#matter-list').replaceChildren(
    ...matters.map((matter) =>
      choiceButton(matter.id, matter.name, `${matter.category} · ${t('step.minutes', { n: matter.serviceMinutes })}`, state.draft.matterId),
    ),
  );
  const matter = findMatter(state.draft.matterId);
  $('#hall-block').hidden = !matter;
  if (matter) {
    $('#hall-list').replaceChildren(
      ...owningHalls(matter.id).map((hall) =>
        choiceButton(hall.id, hall.name, [hall.province, hall.city, hall.district].filter(Boolean).join(' '), state.draft.hallId),
      ),
    );
    const list = document.createElement('ul');
    for (const item of matter.materials ?? []) list.append(Object.assign(document.createElement('li'), { textContent: item }));
    const title = Object.assign(document.createElement('strong'), { textContent: t('step.materials') });
    $('#materials').replaceChildren(title, list);
  }
  $('#matter-next').disabled = !(matter && owningHalls(matter.id).some((h) => h.id === state.draft.hallId));
}

function choiceButton(id, name, meta, selectedId) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'choice';
  button.dataset.id = id;
  // A toggle button (Tab + Enter/Space) is simpler to operate than a radio group's arrow keys.
  button.setAttribute('aria-pressed', String(id === selectedId));
  button.append(
    Object.assign(document.createElement('span'), { className: 'name', textContent: name }),
    Object.assign(document.createElement('span'), { className: 'meta', textContent: meta }),
  );
  return button;
}

function renderContactStep() {
  if (document.activeElement !== $('#name')) $('#name').value = state.draft.name ?? '';
  if (document.activeElement !== $('#mobile')) $('#mobile').value = state.draft.mobile ?? '';
  renderRoutingChoices();
  for (const field of ['name', 'mobile', 'sms-code', 'appointment']) {
    // A string key, or {key, params} (the code's errors).
    const error = state.contactErrors[field];
    const box = $(`#${field}-error`);
    box.hidden = !error;
    box.textContent = !error ? '' : typeof error === 'string' ? t(error) : t(error.key, error.params);
    $(`#${field}`).setAttribute('aria-invalid', String(Boolean(error)));
  }
  renderVerify();
}

function renderRoutingChoices() {
  const { languages, priorityGroups } = state.catalog;
  const select = $('#language');
  const key = `${getLang()}:${languages.map((l) => l.id).join(',')}`;
  if (select.dataset.key !== key) {
    select.dataset.key = key;
    select.replaceChildren(
      ...languages.map((l) => Object.assign(document.createElement('option'), { value: l.id, textContent: nameOf('language', l) })),
    );
  }
  select.value = state.draft.language ?? languages[0]?.id ?? '';
  $('#priority-block').hidden = priorityGroups.length === 0;
  const checked = state.draft.priorityGroup ?? null;
  if (!$('#priority-list').contains(document.activeElement)) {
    $('#priority-list').replaceChildren(
      ...priorityGroups.map((g) => {
        const label = document.createElement('label');
        const box = Object.assign(document.createElement('input'), { type: 'checkbox', name: 'priority', value: g.id });
        box.checked = g.id === checked;
        label.append(box, ' ', Object.assign(document.createElement('span'), { textContent: nameOf('priority', g) }));
        return label;
      }),
    );
  }
  if (document.activeElement !== $('#appointment')) $('#appointment').value = state.draft.appointmentCode ?? '';
}

/** A catalogue entry's name in the page's language, falling back to the server's (Chinese) name. */
function nameOf(kind, entry) {
  const key = `${kind}.${entry.id}`;
  return hasKey(key) ? t(key) : entry.name;
}

function renderDeviceStep() {
  const { status, detail } = state.device;
  const box = $('#device-status');
  const messages = {
    idle: '',
    checking: t('device.checking'),
    ok: t('device.ok'),
    error: t('device.error', { detail }),
  };
  // A refusal is answered with how to allow it on this device and browser (not an address bar a phone lacks).
  const help = ['denied', 'cameraDenied'].includes(status) ? ` ${t(allowHelpKey())}` : '';
  box.textContent = (messages[status] ?? t(`device.${status}`)) + help;
  const usable = ['ok', 'voiceOk'].includes(status);
  const voiceOffered = ['cameraDenied', 'cameraMissing'].includes(status);
  box.className = `notice ${usable ? 'ok' : status === 'checking' || status === 'idle' ? '' : voiceOffered ? 'warn' : 'error'}`;
  $('#device-retry').hidden = usable || ['idle', 'checking'].includes(status);
  // Voice only is offered when the microphone works but the camera cannot be used; the applicant chooses it.
  $('#device-skip').hidden = !voiceOffered;
  $('#mic-block').hidden = !(usable || voiceOffered);
  $('#join').disabled = !usable || !client.isOpen;
}

function renderTicket() {
  const ticket = state.ticket;
  $('#ticket-number').textContent = ticket?.number ?? '—';
  const position = ticket?.position;
  $('#ticket-position').textContent =
    position == null ? '—' : position <= 1 ? t('ticket.next') : t('ticket.positionValue', { n: position });
  const eta = ticket?.etaSeconds;
  $('#ticket-eta').textContent =
    eta == null ? t('ticket.etaUnknown') : t('ticket.etaMinutes', { n: Math.max(1, Math.ceil(eta / 60)) });
  // The server gives no estimate while no clerk is on duty (docs/protocol.md, ticket).
  $('#ticket-no-clerk').hidden = !(ticket && ticket.state === 'waiting' && eta == null);
  // Told before the call starts: sessions of this matter are recorded (bridge mode only).
  const recorded = client.hello?.media === 'bridge' && findMatter(ticket?.matterId ?? state.draft.matterId)?.recorded;
  $('#ticket-recording').hidden = !recorded;
  $('#device-recording').hidden = !recorded;
  const matter = findMatter(ticket?.matterId ?? state.draft.matterId);
  const hall = findHall(ticket?.hallId ?? state.draft.hallId);
  $('#ticket-where').textContent = [matter?.name, hall?.name].filter(Boolean).join(' · ');
  const routing = [];
  if (ticket?.appointmentAt) routing.push(t('ticket.appointment', { time: formatTime(ticket.appointmentAt) }));
  if (ticket?.priorityGroup) {
    const group = state.catalog.priorityGroups.find((g) => g.id === ticket.priorityGroup) ?? { id: ticket.priorityGroup, name: ticket.priorityGroup };
    routing.push(t('ticket.priority', { group: nameOf('priority', group) }));
  }
  $('#ticket-routing').textContent = routing.join(' · ');
}

function renderCall() {
  const session = state.session;
  if (state.view === 'call') measureDock();
  $('#peer-name').textContent = session?.peer?.name ?? '';
  $('#peer-hall').textContent = session?.peer?.hallName ?? findHall(session?.hallId)?.name ?? '';
  $('#call-number').textContent = session?.number ?? '';

  renderMediaState();

  const mic = $('#toggle-mic');
  mic.textContent = state.micOn ? t('call.micOn') : t('call.micOff');
  mic.classList.toggle('toggled-off', !state.micOn);
  mic.setAttribute('aria-pressed', String(!state.micOn));
  const cam = $('#toggle-cam');
  cam.textContent = state.camOn ? t('call.camOn') : t('call.camOff');
  cam.classList.toggle('toggled-off', !state.camOn);
  cam.setAttribute('aria-pressed', String(!state.camOn));
  cam.disabled = !state.localStream?.getVideoTracks().length;

  const sharing = state.secondSource === 'screen';
  $('#share').textContent = sharing ? t('call.stopShare') : t('call.share');
  // Phones' browsers cannot share the screen: no button for it there.
  $('#share').hidden = !navigator.mediaDevices?.getDisplayMedia;
  $('#sharing-note').hidden = !sharing;
  $('#sharing-note').textContent = t('call.sharing');
  documentCamera.render();

  // Consent: the applicant always sees that the session is recorded and who else is present.
  $('#call-recording').hidden = !state.recording;
  $('#call-rec-badge').hidden = !state.recording;
  renderParticipants($('#call-participants'), state.participants, 'applicant', state.draft.name ?? '');
  const supervisors = state.participants.filter((p) => p.role === 'supervisor');
  $('#call-supervisor').hidden = supervisors.length === 0;
  $('#call-supervisor').textContent = t('participants.supervisorNotice', { names: supervisors.map((p) => p.name).join('、') });

  $('#chat-drawer').hidden = !state.chatOpen;
  renderChat($('#chat-log'), state.chat, 'applicant');
  $('#chat-toggle').setAttribute('aria-expanded', String(state.chatOpen));
  $('#chat-toggle').classList.toggle('primary', state.chatOpen);
  const unread = $('#chat-unread');
  unread.hidden = state.unread === 0;
  unread.textContent = String(state.unread);
  unread.setAttribute('aria-label', t('call.unread', { n: state.unread }));
}

/** The media state in words over the clerk's video, with 重试 and 仅语音 while it is not well (media-state.js). */
function renderMediaState() {
  const words = media.state ?? 'connecting';
  const troubled = ['unstable', 'reconnecting', 'failed'].includes(words);
  const overlay = $('#call-overlay');
  overlay.hidden = words === 'connected' && !state.peerLost;
  overlay.dataset.state = words;
  overlay.textContent = state.peerLost ? t('call.peerLost') : t(STATE_KEYS[words]);
  $('#media-actions').hidden = state.peerLost || !troubled;
  $('#media-audio-only').hidden = state.audioOnly || !state.localStream?.getVideoTracks().length;
  $('#audio-only-note').hidden = !state.audioOnly;
  const note = $('#peer-camera-note');
  note.hidden = !state.peerCamera;
  if (state.peerCamera) note.textContent = t(`media.peerCamera.${state.peerCamera.reason}`, { who: t('media.who.clerk') });
}

function renderEnd() {
  const end = state.end;
  if (!end) return;
  let key;
  if (end.kind === 'cancelled') key = 'end.cancelled';
  else if (end.kind === 'expired') key = 'end.expired';
  else if (end.reason === 'applicant_lost') key = 'end.applicantLost';
  else if (end.by === 'clerk') key = 'end.byClerk';
  else if (end.by === 'applicant') key = 'end.byMe';
  else if (end.kind === 'done' && state.ticket?.number) key = null;
  else key = 'end.byServer';
  $('#end-text').textContent = key ? t(key) : t('end.ticketDone', { number: state.ticket.number });
  const outcome = $('#end-outcome');
  outcome.hidden = !end.outcome;
  if (end.outcome) outcome.textContent = t('end.outcome', { outcome: t(`outcome.${end.outcome}`) });
}

// ---------------------------------------------------------------- catalog and draft

function findMatter(id) {
  return state.catalog.matters.find((m) => m.id === id) ?? null;
}

function findHall(id) {
  return state.catalog.halls.find((h) => h.id === id) ?? null;
}

function owningHalls(matterId) {
  const matter = findMatter(matterId);
  return (matter?.owningHalls ?? []).map(findHall).filter(Boolean);
}

function loadDraft() {
  try {
    return JSON.parse(sessionStorage.getItem(DRAFT_KEY)) ?? {};
  } catch {
    return {};
  }
}

function saveDraft() {
  sessionStorage.setItem(DRAFT_KEY, JSON.stringify(state.draft));
}

// Re-render when the connection opens or drops (the join button depends on it).
client.addEventListener('state', () => render());
