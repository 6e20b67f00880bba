// RTCPeerConnection helpers shared by both pages (docs/protocol.md, "Conversation in brief").
//
// The clerk offers three transceivers in a fixed order: audio (sendrecv), camera video
// (sendrecv), screen video (recvonly). The applicant answers with the third one set to
// 'sendonly' and shares the screen with replaceTrack on it, so sharing never renegotiates.

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
 * One WebRTC call. `sendSignal(type, payload)` sends 'sdp' / 'ice' to the peer through the
 * server. All signaling input is handled strictly in order on one promise chain, and remote ICE
 * candidates that arrive before the remote description wait for it.
 */
export class Call extends EventTarget {
  #chain = Promise.resolve();
  #pendingCandidates = [];
  #closed = false;

  constructor({ offerer, iceServers = [], localStream = null, sendSignal }) {
    super();
    this.offerer = offerer;
    this.localStream = localStream;
    this.sendSignal = sendSignal;
    this.screenTrack = null;
    this.pc = new RTCPeerConnection({ iceServers, bundlePolicy: 'max-bundle' });
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
      const camera = this.localStream?.getVideoTracks()[0];
      const streams = this.localStream ? [this.localStream] : [];
      this.pc.addTransceiver(audio ?? 'audio', { direction: 'sendrecv', streams });
      this.pc.addTransceiver(camera ?? 'video', { direction: 'sendrecv', streams });
      this.pc.addTransceiver('video', { direction: 'recvonly' });
      await this.pc.setLocalDescription(await this.pc.createOffer());
      this.sendSignal('sdp', { description: toInit(this.pc.localDescription) });
      this.#emitTracks();
    });
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

  /** Mutes/unmutes local tracks without renegotiation. */
  setEnabled(kind, enabled) {
    for (const track of this.localStream?.getTracks() ?? []) if (track.kind === kind) track.enabled = enabled;
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
    const cameraTrack = this.localStream?.getVideoTracks()[0] ?? null;
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
