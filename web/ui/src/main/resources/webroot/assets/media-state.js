// The state of a call's media in words, and its recovery (web/README.md, "Media states and recovery").
//
// Shared by the applicant's call page and the clerk's workbench. The state comes from the peer
// connection (connectionState, iceConnectionState) and from whether inbound audio/video packets keep
// arriving (getStats):
//
//   connecting    连接中                 the first connection is being made
//   connected     已接通                 media flows
//   unstable      网络不稳定             connected, but nothing has arrived for a few seconds
//   reconnecting  网络不稳定，正在重连    the transport is disconnected or failed; a restart is under way
//   failed        已断开                 the restarts gave up: the person presses 重试
//
// Recovery: when the transport is 'failed', or 'disconnected' for DISCONNECTED_GRACE_MS, or the first
// connection has not come up within FIRST_CONNECT_MS, the page's restart() runs (bridge: media_restart and a
// new peer connection; peer to peer: an ICE restart), again after ATTEMPT_TIMEOUT_MS while the connection
// is not back, with a growing pause (BACKOFF_MS), at most MAX_ATTEMPTS times; then 'failed'. retry() starts
// over at once. After REPEATED_RECOVERIES recoveries within REPEATED_WINDOW_MS the page is told to fall back
// to audio only (onRepeatedFailures).

export const DISCONNECTED_GRACE_MS = 4000;
export const FIRST_CONNECT_MS = 15000;
export const ATTEMPT_TIMEOUT_MS = 10000;
export const BACKOFF_MS = [0, 2000, 4000, 8000];
export const MAX_ATTEMPTS = BACKOFF_MS.length;
export const STALL_MS = 5000;
export const REPEATED_RECOVERIES = 3;
export const REPEATED_WINDOW_MS = 120000;
const TICK_MS = 1000;

/** The i18n key of each state's words. */
export const STATE_KEYS = {
  connecting: 'media.connecting',
  connected: 'media.connected',
  unstable: 'media.unstable',
  reconnecting: 'media.reconnecting',
  failed: 'media.failed',
};

/**
 * Watches the current call of a page. `call()` returns the call (BridgeCall or Call) or null; `restart()`
 * rebuilds or restarts its media and may return a promise; `canRestart()` says whether a restart can be
 * sent now (the signaling connection is open: while it is not, the page resumes anyway). Dispatches
 * 'change' whenever the state changes.
 */
export class MediaWatch extends EventTarget {
  #timer = null;
  #pc = null;
  #since = 0; // when the peer connection's current state began
  #lastInbound = { packets: -1, at: 0 };
  #recovering = false;
  #lastAttemptAt = 0;
  #recoveries = [];
  #polling = false;
  #transport = null; // the transport state last seen, and since when (#since)

  constructor({
    call,
    restart,
    canRestart = () => true,
    onRepeatedFailures = () => {},
    now = () => Date.now(),
    tickMs = TICK_MS,
  }) {
    super();
    this.tickMs = tickMs;
    this.callOf = call;
    this.restartMedia = restart;
    this.canRestart = canRestart;
    this.onRepeatedFailures = onRepeatedFailures;
    this.now = now;
    this.state = null; // null while there is no call
    this.attempts = 0;
    this.restarts = 0; // restarts sent in this session (test hook)
    this.recovered = 0; // recoveries in this session (test hook)
    this.history = []; // the states shown, in order (test hook)
  }

  /** Starts watching (a session began). */
  start() {
    this.stop();
    this.attempts = 0;
    this.restarts = 0;
    this.recovered = 0;
    this.history = [];
    this.#recovering = false;
    this.#recoveries = [];
    this.#timer = setInterval(() => this.#tick(), this.tickMs);
    this.#tick();
  }

  /** Looks at the call now (besides once a second and on every state change of its peer connection). */
  check() {
    return this.#tick();
  }

  /** Stops watching (the session ended). */
  stop() {
    clearInterval(this.#timer);
    this.#timer = null;
    this.#pc = null;
    this.#set(null);
  }

  /** 重试: restarts now, whatever happened before. */
  retry() {
    this.attempts = 0;
    this.#recovering = true;
    this.#attempt();
  }

  /**
   * A new peer connection for the same session, made by a resume: its clock starts afresh. A recovery under way
   * goes on counting its attempts (peer to peer, the applicant's restart is such a resume).
   */
  reset() {
    this.#pc = null;
    this.#transport = null;
    this.#tick();
  }

  snapshot() {
    return {
      state: this.state,
      attempts: this.attempts,
      restarts: this.restarts,
      recovered: this.recovered,
      history: [...this.history],
    };
  }

  async #tick() {
    if (!this.#timer || this.#polling) return;
    const pc = this.callOf()?.pc ?? null;
    const now = this.now();
    if (pc !== this.#pc) {
      this.#pc = pc;
      this.#since = now;
      this.#lastInbound = { packets: -1, at: now };
      pc?.addEventListener('connectionstatechange', () => this.#tick());
      pc?.addEventListener('iceconnectionstatechange', () => this.#tick());
    }
    if (!pc) {
      this.#set(this.#recovering ? (this.attempts >= MAX_ATTEMPTS ? 'failed' : 'reconnecting') : 'connecting');
      return;
    }
    const transport = transportState(pc);
    if (transport !== this.#transport) {
      this.#transport = transport;
      this.#since = now;
    }
    if (transport === 'connected') {
      if (this.#recovering) this.#recoveredNow(now);
      const stalled = await this.#stalled(pc, now);
      if (this.#timer && this.#pc === pc) this.#set(stalled ? 'unstable' : 'connected'); // not stopped meanwhile
      return;
    }
    const waited = now - this.#since;
    const broken =
      transport === 'failed' ||
      (transport === 'disconnected' && waited >= DISCONNECTED_GRACE_MS) ||
      (!this.#recovering && transport === 'connecting' && waited >= FIRST_CONNECT_MS);
    if (broken && !this.#recovering) {
      this.#recovering = true;
      this.attempts = 0;
    }
    if (this.#recovering) {
      const sinceAttempt = now - this.#lastAttemptAt;
      if (this.attempts === 0) this.#attempt();
      else if (this.attempts < MAX_ATTEMPTS && sinceAttempt >= ATTEMPT_TIMEOUT_MS + BACKOFF_MS[this.attempts]) this.#attempt();
      else if (this.attempts >= MAX_ATTEMPTS && sinceAttempt >= ATTEMPT_TIMEOUT_MS) {
        this.#set('failed');
        return;
      }
      this.#set(this.attempts >= MAX_ATTEMPTS && sinceAttempt >= ATTEMPT_TIMEOUT_MS ? 'failed' : 'reconnecting');
      return;
    }
    this.#set(transport === 'disconnected' ? 'reconnecting' : 'connecting');
  }

  #attempt() {
    if (!this.canRestart()) {
      this.#set('reconnecting');
      return; // the signaling connection is down: its resume rebuilds the call; try again on a later tick
    }
    this.attempts += 1;
    this.restarts += 1;
    this.#lastAttemptAt = this.now();
    this.#set('reconnecting');
    Promise.resolve()
      .then(() => this.restartMedia())
      .catch((e) => console.warn('tongban: media restart failed', e));
  }

  #recoveredNow(now) {
    this.#recovering = false;
    this.attempts = 0;
    this.recovered += 1;
    this.#recoveries = [...this.#recoveries.filter((at) => now - at < REPEATED_WINDOW_MS), now];
    if (this.#recoveries.length >= REPEATED_RECOVERIES) {
      this.#recoveries = [];
      this.onRepeatedFailures();
    }
  }

  /** Whether nothing inbound has arrived for STALL_MS while connected (after something did arrive). */
  async #stalled(pc, now) {
    this.#polling = true;
    try {
      let packets = 0;
      for (const stat of (await pc.getStats()).values()) {
        if (stat.type === 'inbound-rtp') packets += stat.packetsReceived ?? 0;
      }
      if (packets !== this.#lastInbound.packets) {
        this.#lastInbound = { packets, at: now };
        return false;
      }
      return packets > 0 && now - this.#lastInbound.at >= STALL_MS;
    } catch {
      return false;
    } finally {
      this.#polling = false;
    }
  }

  #set(state) {
    if (state === this.state) return;
    this.state = state;
    if (state) this.history.push(state);
    this.dispatchEvent(new CustomEvent('change', { detail: state }));
  }
}

/** The transport's state, from connectionState and (older browsers) iceConnectionState. */
function transportState(pc) {
  const c = pc.connectionState;
  const ice = pc.iceConnectionState;
  if (c === 'closed' || ice === 'closed') return 'failed';
  if (c === 'failed' || ice === 'failed') return 'failed';
  if (c === 'disconnected' || ice === 'disconnected') return 'disconnected';
  if (c === 'connected' || (c === undefined && (ice === 'connected' || ice === 'completed'))) return 'connected';
  return 'connecting';
}

/**
 * What the page says about how to allow the camera and microphone, for this device and browser: an i18n key
 * under device.allow.* (web/README.md, "Voice only and the help text").
 */
export function allowHelpKey(userAgent = navigator.userAgent, maxTouchPoints = navigator.maxTouchPoints ?? 0) {
  const ua = userAgent;
  if (/MicroMessenger/i.test(ua)) return 'device.allow.wechat';
  const ios = /iPhone|iPad|iPod/i.test(ua) || (/Macintosh/.test(ua) && maxTouchPoints > 1);
  if (ios) return 'device.allow.ios';
  const android = /Android/i.test(ua);
  if (android) return /Firefox/i.test(ua) ? 'device.allow.androidFirefox' : 'device.allow.android';
  if (/Firefox/i.test(ua)) return 'device.allow.firefox';
  if (/Edg\//.test(ua)) return 'device.allow.edge';
  if (/Chrome|Chromium/i.test(ua)) return 'device.allow.chrome';
  if (/Safari/i.test(ua)) return 'device.allow.safari';
  return 'device.allow.other';
}
