// RTCPeerConnection helpers shared by both pages (docs/protocol.md).
//
// Two ways media flows, chosen by the server (hello.media):
// - 'bridge' (BridgeCall): every participant connects to the server's media bridge. The server
//   offers; the page answers each offer, sending its audio, camera and screen on the m-lines the
//   offer names (offer.uploads) and receiving everyone else's tracks on the others. The stream id
//   (a=msid) of a received track is the sender's participantId, which starts with its role.
// - 'p2p' (Call): the clerk offers three transceivers in a fixed order: audio (sendrecv), camera
//   video (sendrecv), screen video (recvonly). The applicant answers with the third one set to
//   'sendonly'.
// Either way the screen is shared with replaceTrack on the screen m-line: no renegotiation. The same
// m-line carries the applicant's document camera instead, when it is on (doccam.js).

export const AUDIO = 0;
export const CAMERA = 1;
export const SCREEN = 2;

/** Asks for camera and microphone; returns {stream, error} where error is a stable key. */
export async function openCameraAndMic({ video = true } = {}) {
  if (!navigator.mediaDevices?.getUserMedia || !window.RTCPeerConnection) {
    return { stream: null, error: 'unsupported' };
  }
  try {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true },
      video: video ? { width: { ideal: 1280 }, height: { ideal: 720 } } : false,
    });
    return { stream, error: null };
  } catch (e) {
    return { stream: null, error: mediaErrorKey(e), detail: e.message || e.name };
  }
}

/**
 * Opens one camera by device id, video only (the document camera), large enough for small print;
 * returns {stream, error} like openCameraAndMic.
 */
export async function openCamera(deviceId) {
  try {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { deviceId: { exact: deviceId }, width: { ideal: 1920 }, height: { ideal: 1080 } },
    });
    return { stream, error: null };
  } catch (e) {
    return { stream: null, error: mediaErrorKey(e), detail: e.message || e.name };
  }
}

/** The cameras: [{deviceId, label}] (labels are empty until camera permission is granted). */
export async function listCameras() {
  try {
    const devices = await navigator.mediaDevices.enumerateDevices();
    return devices.filter((d) => d.kind === 'videoinput' && d.deviceId).map((d) => ({ deviceId: d.deviceId, label: d.label }));
  } catch {
    return [];
  }
}

function mediaErrorKey(e) {
  switch (e?.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'denied';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'notFound';
    case 'NotReadableError':
    case 'AbortError':
      return 'busy';
    default:
      return 'error';
  }
}

/**
 * The first offer version of the endpoint after the one `version` belongs to (versions are the endpoint's epoch
 * × 1,000,000 plus the offer number, docs/protocol.md): a call built for a media_restart ignores the older ones.
 */
export function nextEpoch(version) {
  return (Math.floor((version ?? 0) / 1_000_000) + 1) * 1_000_000;
}

/**
 * One WebRTC call. `sendSignal(type, payload)` sends 'sdp' / 'ice' to the peer through the
 * server. All signaling input is handled strictly in order on one promise chain, and remote ICE
 * candidates that arrive before the remote description wait for it.
 */
export class Call extends EventTarget {
  #chain = Promise.resolve();
  #pendingCandidates = [];
  #closed = false;

  constructor({ offerer, iceServers = [], iceTransportPolicy = 'all', localStream = null, sendSignal }) {
    super();
    this.offerer = offerer;
    this.localStream = localStream;
    this.sendSignal = sendSignal;
    this.screenTrack = null;
    this.cameraOff = false; // audio only: the camera transceiver sends no track
    this.pc = new RTCPeerConnection({ iceServers, iceTransportPolicy, bundlePolicy: 'max-bundle' });
    this.pc.addEventListener('icecandidate', (event) => {
      // The end-of-candidates marker (null) is not relayed: it is optional and the peer copes.
      if (event.candidate && event.candidate.candidate) this.sendSignal('ice', { candidate: event.candidate.toJSON() });
    });
    this.pc.addEventListener('connectionstatechange', () => {
      this.dispatchEvent(new CustomEvent('state', { detail: this.pc.connectionState }));
    });
  }

  get connectionState() {
    return this.pc.connectionState;
  }

  transceiver(index) {
    return this.pc.getTransceivers()[index] ?? null;
  }

  /** The remote track of a transceiver (audio, camera or screen), once it exists. */
  remoteTrack(index) {
    return this.transceiver(index)?.receiver.track ?? null;
  }

  /** Clerk: builds the three transceivers and sends the offer. */
  start() {
    return this.#enqueue(async () => {
      const audio = this.localStream?.getAudioTracks()[0];
      const camera = this.cameraOff ? null : this.localStream?.getVideoTracks()[0];
      const streams = this.localStream ? [this.localStream] : [];
      this.pc.addTransceiver(audio ?? 'audio', { direction: 'sendrecv', streams });
      this.pc.addTransceiver(camera ?? 'video', { direction: 'sendrecv', streams });
      this.pc.addTransceiver('video', { direction: 'recvonly' });
      await this.pc.setLocalDescription(await this.pc.createOffer());
      this.sendSignal('sdp', { description: toInit(this.pc.localDescription) });
      this.#emitTracks();
    });
  }

  /**
   * Clerk (the offerer): restarts ICE — new credentials, new candidate pairs — with a new offer the applicant
   * answers as any other. Nothing happens while an offer is still unanswered.
   */
  restartIce() {
    return this.#enqueue(async () => {
      if (!this.offerer || this.pc.signalingState !== 'stable') return;
      this.pc.restartIce();
      await this.pc.setLocalDescription(await this.pc.createOffer({ iceRestart: true }));
      this.sendSignal('sdp', { description: toInit(this.pc.localDescription) });
    });
  }

  /** Audio only (false) or back to video (true): the camera transceiver sends no track, or the camera again. */
  async setCameraSending(on) {
    this.cameraOff = !on;
    const camera = this.transceiver(CAMERA);
    if (camera) await camera.sender.replaceTrack(on ? (this.localStream?.getVideoTracks()[0] ?? null) : null);
  }

  /** Handles a relayed description: the applicant answers offers, the clerk applies answers. */
  handleDescription(description) {
    return this.#enqueue(async () => {
      if (description.type === 'offer') {
        if (this.offerer) return; // never expected: the clerk is always the offerer
        await this.pc.setRemoteDescription(description);
        this.#attachApplicantTracks();
        await this.pc.setLocalDescription(await this.pc.createAnswer());
        this.sendSignal('sdp', { description: toInit(this.pc.localDescription) });
      } else {
        if (this.pc.signalingState !== 'have-local-offer') return; // stale answer after a restart
        await this.pc.setRemoteDescription(description);
      }
      for (const candidate of this.#pendingCandidates.splice(0)) await this.#addCandidate(candidate);
      this.#emitTracks();
    });
  }

  handleCandidate(candidate) {
    if (!candidate) return Promise.resolve();
    return this.#enqueue(async () => {
      if (!this.pc.remoteDescription) this.#pendingCandidates.push(candidate);
      else await this.#addCandidate(candidate);
    });
  }

  /** Applicant: puts a screen track (or null) on the screen transceiver. */
  async setScreenTrack(track) {
    this.screenTrack = track;
    const screen = this.transceiver(SCREEN);
    if (screen) await screen.sender.replaceTrack(track);
  }

  /** Frames sent so far on the screen transceiver (cumulative over its life). */
  screenFramesSent() {
    return framesSent(this.transceiver(SCREEN)?.sender);
  }

  /** Mutes/unmutes local tracks without renegotiation. */
  setEnabled(kind, enabled) {
    for (const track of this.localStream?.getTracks() ?? []) if (track.kind === kind) track.enabled = enabled;
  }

  /**
   * Fresh ICE servers (new TURN credentials from `ice_servers`) for this connection's next gathering (an ICE
   * restart); what is connected stays connected.
   */
  setIceServers(iceServers) {
    if (this.#closed) return;
    this.pc.setConfiguration({ ...this.pc.getConfiguration(), iceServers });
  }

  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.pc.close();
    this.dispatchEvent(new CustomEvent('state', { detail: 'closed' }));
  }

  /** Inbound statistics per transceiver, for the connection indicator and the test hook. */
  async inboundStats() {
    const result = {};
    const names = ['audio', 'camera', 'screen'];
    const transceivers = this.pc.getTransceivers();
    for (let i = 0; i < transceivers.length && i < names.length; i++) {
      const report = await transceivers[i].receiver.getStats();
      for (const stat of report.values()) {
        if (stat.type !== 'inbound-rtp') continue;
        result[names[i]] = {
          kind: stat.kind,
          packetsReceived: stat.packetsReceived ?? 0,
          bytesReceived: stat.bytesReceived ?? 0,
          framesDecoded: stat.framesDecoded ?? 0,
          frameWidth: stat.frameWidth ?? 0,
          frameHeight: stat.frameHeight ?? 0,
        };
      }
    }
    return result;
  }

  #attachApplicantTracks() {
    const [audio, camera, screen] = this.pc.getTransceivers();
    const streams = this.localStream ? [this.localStream] : [];
    const audioTrack = this.localStream?.getAudioTracks()[0] ?? null;
    const cameraTrack = this.cameraOff ? null : (this.localStream?.getVideoTracks()[0] ?? null);
    if (audio) {
      audio.direction = 'sendrecv';
      audio.sender.replaceTrack(audioTrack);
      audio.sender.setStreams?.(...streams);
    }
    if (camera) {
      camera.direction = 'sendrecv';
      camera.sender.replaceTrack(cameraTrack);
      camera.sender.setStreams?.(...streams);
    }
    if (screen) {
      screen.direction = 'sendonly';
      screen.sender.replaceTrack(this.screenTrack);
    }
  }

  async #addCandidate(candidate) {
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (e) {
      console.warn('tongban: ICE candidate rejected', e);
    }
  }

  #emitTracks() {
    this.dispatchEvent(new CustomEvent('tracks'));
  }

  #enqueue(task) {
    const run = this.#chain.then(() => (this.#closed ? undefined : task()));
    this.#chain = run.catch((e) => {
      console.error('tongban: signaling step failed', e);
      this.dispatchEvent(new CustomEvent('failure', { detail: e }));
    });
    return run;
  }
}

/**
 * This page's connection to the server's media bridge (bridge mode). `media` is a promise of the
 * local camera/microphone stream (or null: receive only); `sendAnswer({version, sdp})` sends the
 * answer to an offer; `primaryRole` is the role whose tracks `inboundStats()` reports at the top
 * level ('clerk' on the applicant page, 'applicant' on the console). Offers are applied strictly in
 * order; an offer not newer than the last applied one is ignored.
 */
export class BridgeCall extends EventTarget {
  #chain = Promise.resolve();
  #closed = false;
  #applied = 0;
  #uploads = {};
  #remote = new Map();

  constructor({ iceServers = [], iceTransportPolicy = 'all', media = Promise.resolve(null), sendAnswer, primaryRole, after = 0 }) {
    super();
    // After a media_restart: offers for the endpoint given up (versions up to `after`) are not for this call.
    this.#applied = after;
    this.bridged = true;
    this.cameraOff = false; // audio only: the camera upload sends no track
    this.media = media;
    this.localStream = null;
    this.sendAnswer = sendAnswer;
    this.primaryRole = primaryRole;
    this.screenTrack = null;
    this.pc = new RTCPeerConnection({
      iceServers,
      iceTransportPolicy,
      bundlePolicy: 'max-bundle',
      rtcpMuxPolicy: 'require',
    });
    this.pc.addEventListener('connectionstatechange', () => {
      this.dispatchEvent(new CustomEvent('state', { detail: this.pc.connectionState }));
    });
  }

  get connectionState() {
    return this.pc.connectionState;
  }

  /** The latest offer version answered. */
  get version() {
    return this.#applied;
  }

  handleOffer(offer) {
    return this.#enqueue(async () => {
      if (offer.version <= this.#applied) return;
      this.localStream = await this.media;
      if (this.#closed) return; // the session ended while the camera was opening
      await this.pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
      this.#uploads = offer.uploads ?? {};
      this.#remote = remoteMedia(offer.sdp);
      for (const transceiver of this.pc.getTransceivers()) {
        const kind = Object.keys(this.#uploads).find((k) => this.#uploads[k] === transceiver.mid);
        if (!kind) continue; // someone else's track: the answer receives it
        transceiver.direction = 'sendonly';
        const track = this.#localTrack(kind);
        if (transceiver.sender.track !== track) await transceiver.sender.replaceTrack(track);
      }
      if (this.#closed) return;
      await this.pc.setLocalDescription(await this.pc.createAnswer());
      this.sendAnswer({ version: offer.version, sdp: this.pc.localDescription.sdp });
      this.#applied = offer.version;
      this.dispatchEvent(new CustomEvent('tracks'));
    });
  }

  /** Audio only (false) or back to video (true): the camera upload sends no track, or the camera again. */
  async setCameraSending(on) {
    this.cameraOff = !on;
    const camera = this.#uploadTransceiver('camera');
    if (camera) await camera.sender.replaceTrack(this.#localTrack('camera'));
  }

  /** Puts a screen track (or null) on the screen upload m-line. */
  async setScreenTrack(track) {
    this.screenTrack = track;
    const screen = this.#uploadTransceiver('screen');
    if (screen) await screen.sender.replaceTrack(track);
  }

  /** Frames sent so far on the screen upload m-line (cumulative over its life). */
  screenFramesSent() {
    return framesSent(this.#uploadTransceiver('screen')?.sender);
  }

  /** Mutes/unmutes local tracks without renegotiation. */
  setEnabled(kind, enabled) {
    for (const track of this.localStream?.getTracks() ?? []) if (track.kind === kind) track.enabled = enabled;
  }

  /** Every track received now: [{participantId, role, kind ('audio'|'camera'|'screen'), track, mid}]. */
  remoteTracks() {
    const out = [];
    for (const transceiver of this.pc.getTransceivers()) {
      const info = this.#remote.get(transceiver.mid);
      if (info && transceiver.receiver.track) out.push({ ...info, track: transceiver.receiver.track, mid: transceiver.mid });
    }
    return out;
  }

  /** The tracks of one participant: {audio, camera, screen}, each a track or undefined. */
  tracksOf(participantId) {
    const out = {};
    for (const r of this.remoteTracks()) if (r.participantId === participantId) out[r.kind] = r.track;
    return out;
  }

  /** The participant id of the first sender with the given role, or null. */
  participantWithRole(role) {
    return this.remoteTracks().find((r) => r.role === role)?.participantId ?? null;
  }

  /**
   * Inbound statistics: {audio, camera, screen} of the primary participant at the top level (as the
   * peer-to-peer Call reports its one peer) and `participants: {participantId: {role, audio, camera,
   * screen}}` for everyone.
   */
  async inboundStats() {
    const participants = {};
    for (const r of this.remoteTracks()) {
      const transceiver = this.pc.getTransceivers().find((t) => t.mid === r.mid);
      const report = await transceiver.receiver.getStats();
      for (const stat of report.values()) {
        if (stat.type !== 'inbound-rtp') continue;
        participants[r.participantId] ??= { role: r.role };
        // A reused m-line can report its previous stream too: keep the one that carried the most.
        const entry = inboundEntry(stat);
        const seen = participants[r.participantId][r.kind];
        if (!seen || entry.packetsReceived >= seen.packetsReceived) participants[r.participantId][r.kind] = entry;
      }
    }
    const primary = Object.keys(participants).find((id) => participants[id].role === this.primaryRole);
    const { role, ...top } = primary ? participants[primary] : {};
    return { ...top, participants };
  }

  /** Outbound statistics per upload: {audio, camera, screen} with packets, frames and PLIs received. */
  async outboundStats() {
    const out = {};
    for (const kind of Object.keys(this.#uploads)) {
      const transceiver = this.#uploadTransceiver(kind);
      if (!transceiver) continue;
      const report = await transceiver.sender.getStats();
      for (const stat of report.values()) {
        if (stat.type !== 'outbound-rtp') continue;
        out[kind] = {
          ssrc: stat.ssrc,
          packetsSent: stat.packetsSent ?? 0,
          framesSent: stat.framesSent ?? 0,
          keyFramesEncoded: stat.keyFramesEncoded ?? 0,
          pliCount: stat.pliCount ?? 0,
        };
      }
    }
    return out;
  }

  /**
   * Fresh ICE servers (new TURN credentials from `ice_servers`) for this connection's next gathering (an ICE
   * restart); what is connected stays connected.
   */
  setIceServers(iceServers) {
    if (this.#closed) return;
    this.pc.setConfiguration({ ...this.pc.getConfiguration(), iceServers });
  }

  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.pc.close();
    this.dispatchEvent(new CustomEvent('state', { detail: 'closed' }));
  }

  #localTrack(kind) {
    if (kind === 'screen') return this.screenTrack;
    if (kind === 'audio') return this.localStream?.getAudioTracks()[0] ?? null;
    return this.cameraOff ? null : (this.localStream?.getVideoTracks()[0] ?? null);
  }

  #uploadTransceiver(kind) {
    const mid = this.#uploads[kind];
    return mid === undefined ? null : (this.pc.getTransceivers().find((t) => t.mid === mid) ?? null);
  }

  /** Runs signaling steps one after another; a failure is reported (event 'failure'), not thrown. */
  #enqueue(task) {
    this.#chain = this.#chain
      .then(() => (this.#closed ? undefined : task()))
      .catch((e) => {
        if (this.#closed) return; // the call was closed mid-step: nothing to report
        console.error('tongban: applying the bridge offer failed', e);
        this.dispatchEvent(new CustomEvent('failure', { detail: e }));
      });
    return this.#chain;
  }
}

/**
 * The m-lines of a bridge offer that carry someone's track to us: mid → {participantId, role,
 * kind}. Their a=msid is "<participantId> <participantId>-<kind>"; participant ids start with the
 * role ("clerk-wujin01-1", "applicant-2").
 */
function remoteMedia(sdp) {
  const out = new Map();
  for (const section of sdp.split(/\r?\nm=/).slice(1)) {
    const mid = /\na=mid:(\S+)/.exec(section)?.[1];
    const msid = /\na=msid:(\S+) (\S+)/.exec(section);
    if (!mid || !msid || !/\na=sendonly/.test(section)) continue;
    const [, participantId, trackId] = msid;
    const kind = trackId.slice(participantId.length + 1);
    out.set(mid, { participantId, role: participantId.split('-')[0], kind });
  }
  return out;
}

async function framesSent(sender) {
  let frames = 0;
  if (!sender) return frames;
  for (const stat of (await sender.getStats()).values()) {
    if (stat.type === 'outbound-rtp') frames = Math.max(frames, stat.framesSent ?? 0);
  }
  return frames;
}

/**
 * What the transport of `pc` is doing, for diagnosing a call without media (test hook): the connection,
 * ICE and DTLS states, the selected candidate pair with its addresses and check counts, and every pair's
 * state.
 */
export async function transportDiagnostics(pc) {
  if (!pc) return null;
  const out = {
    connectionState: pc.connectionState,
    iceConnectionState: pc.iceConnectionState,
    iceGatheringState: pc.iceGatheringState,
    signalingState: pc.signalingState,
    pairs: [],
  };
  const report = await pc.getStats();
  const byId = new Map([...report.values()].map((s) => [s.id, s]));
  for (const s of report.values()) {
    if (s.type === 'transport') {
      out.dtlsState = s.dtlsState;
      out.iceState = s.iceState;
      out.selectedPair = s.selectedCandidatePairId ?? null;
    } else if (s.type === 'candidate-pair') {
      const local = byId.get(s.localCandidateId);
      const remote = byId.get(s.remoteCandidateId);
      out.pairs.push({
        id: s.id,
        state: s.state,
        nominated: s.nominated,
        local: local ? `${local.candidateType} ${local.address}:${local.port}` : null,
        remote: remote ? `${remote.candidateType} ${remote.address}:${remote.port}` : null,
        requestsSent: s.requestsSent,
        responsesReceived: s.responsesReceived,
        requestsReceived: s.requestsReceived,
        bytesSent: s.bytesSent,
        bytesReceived: s.bytesReceived,
      });
    }
  }
  return out;
}

function inboundEntry(stat) {
  return {
    kind: stat.kind,
    packetsReceived: stat.packetsReceived ?? 0,
    bytesReceived: stat.bytesReceived ?? 0,
    framesDecoded: stat.framesDecoded ?? 0,
    keyFramesDecoded: stat.keyFramesDecoded ?? 0,
    frameWidth: stat.frameWidth ?? 0,
    frameHeight: stat.frameHeight ?? 0,
  };
}

function toInit(description) {
  return { type: description.type, sdp: description.sdp };
}

/**
 * Plays a stream in a <video>; if the browser blocks autoplay with sound, starts muted and calls
 * onBlocked so the page can offer a "tap for sound" button.
 */
export async function playStream(video, stream, { onBlocked } = {}) {
  if (video.srcObject !== stream) video.srcObject = stream;
  try {
    await video.play();
  } catch (e) {
    if (e.name !== 'NotAllowedError' || video.muted) return;
    video.muted = true;
    try {
      await video.play();
      onBlocked?.();
    } catch {
      // nothing more to try
    }
  }
}

/** Reports a rough 0..1 microphone level via callback until stop() is called. */
export function watchMicLevel(stream, callback) {
  const track = stream?.getAudioTracks()[0];
  if (!track || !window.AudioContext) return () => {};
  const context = new AudioContext();
  const source = context.createMediaStreamSource(new MediaStream([track]));
  const analyser = context.createAnalyser();
  analyser.fftSize = 512;
  source.connect(analyser);
  const samples = new Uint8Array(analyser.fftSize);
  let frame = 0;
  const tick = () => {
    analyser.getByteTimeDomainData(samples);
    let peak = 0;
    for (const s of samples) peak = Math.max(peak, Math.abs(s - 128));
    callback(Math.min(1, peak / 64));
    frame = requestAnimationFrame(tick);
  };
  tick();
  return () => {
    cancelAnimationFrame(frame);
    context.close();
  };
}
