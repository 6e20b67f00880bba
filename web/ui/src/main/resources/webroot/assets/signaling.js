// WebSocket client for the signaling protocol v1 (docs/protocol.md).
//
// - one socket to /ws?v=1 on this origin (or the node it failed over to);
// - request ids: request() returns a promise settled by the answer that echoes the id as `re`
//   (ticket, clerk, paired, ended, pong) or rejected by the `error` that echoes it;
// - reconnects with exponential backoff for up to two minutes (the server's resume grace), then
//   reports state 'failed' and waits for retry();
// - fails over in a cluster: `hello.servers` lists the live nodes (this one first), and a `servers`
//   message replaces the list when the cluster changes; reconnect attempts
//   go round that list starting with the next node (any node serves any client, and the one that just
//   failed is the likeliest to fail again), so when a node dies or hangs its clients reach a surviving
//   one and resume there;
// - a connection that has not said hello within CONNECT_TIMEOUT_MS is given up (a hung node accepts TCP
//   connections and never answers), and so is one whose keep-alive ping got no pong: at once, without
//   waiting for a close handshake that a dead or hung node never completes;
// - drops a ticket, paired or ended message older (by its version) than one already received;
// - keeps the ICE servers to use: `hello.iceServers` (STUN) until the server sends `ice_servers` (STUN and
//   TURN with time-limited credentials, once the connection holds a ticket or an account); the latest
//   unexpired set outlives a reconnect. rtcConfiguration() is what a new RTCPeerConnection gets.
//
// Events (EventTarget): 'state' (detail: {state, attempt}), 'ready' (detail: hello, after every
// (re)connect), 'message' (detail: the message), and one event per message type, e.g. 'ticket'.
// An 'error' that answers a pending request() rejects that request and is not published.

const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];
const GIVE_UP_AFTER_MS = 120_000;
// A hung node is noticed within PING_EVERY_MS + PONG_TIMEOUT_MS (18 s); the first backoff later the client
// is at another node (docs/cluster.md, "Clients fail over"). The server answers a ping after the messages
// queued before it, and a handler may wait up to 8 s for a media bridge: the pong timeout is longer.
const PING_EVERY_MS = 8_000;
const PONG_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 15_000;
// Close codes after which reconnecting would not help (docs/protocol.md).
const FINAL_CLOSE_CODES = new Set([1002, 1009, 4001]);

export class SignalingError extends Error {
  constructor(code, message, about, reason) {
    super(message || code);
    this.code = code;
    this.about = about;
    this.reason = reason;
  }
}

export class SignalingClient extends EventTarget {
  #url;
  #ws = null;
  #state = 'idle';
  #nextId = 1;
  #pending = new Map();
  #attempt = 0;
  #downSince = 0;
  #retryTimer = 0;
  #pingTimer = 0;
  #pongTimer = 0;
  #connectTimer = 0;
  #stopped = false;
  // The cluster's nodes from the last hello (this client's node first) and the next one to try.
  #servers = [];
  #nextServer = 0;
  // The highest version seen of each ticket and session (see #isStale).
  #versions = new Map();
  hello = null;
  // The latest `ice_servers` message, and the transport policy of the last hello.
  #ice = null;
  #iceTransportPolicy = 'all';
  /** The last connection states, oldest first (for diagnosis and tests). */
  history = [];

  constructor(url = SignalingClient.defaultUrl()) {
    super();
    this.#url = url;
    window.addEventListener('online', () => {
      if (this.#state === 'reconnecting' || this.#state === 'failed') this.retry();
    });
  }

  static defaultUrl() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${scheme}//${location.host}/ws?v=1`;
  }

  get state() {
    return this.#state;
  }

  /** The server this client is (or was last) connected to. */
  get url() {
    return this.#url;
  }

  get isOpen() {
    return this.#ws?.readyState === WebSocket.OPEN && this.hello !== null;
  }

  connect() {
    this.#stopped = false;
    if (this.#ws) return;
    this.#setState(this.#attempt === 0 ? 'connecting' : 'reconnecting');
    if (this.#attempt > 0 && this.#servers.length > 1) {
      // The next node first, then the others in turn, the one we were on last.
      this.#url = this.#servers[this.#nextServer % this.#servers.length];
      this.#nextServer += 1;
    }
    const ws = new WebSocket(this.#url);
    this.#ws = ws;
    ws.addEventListener('message', (event) => this.#onFrame(event.data));
    ws.addEventListener('close', (event) => this.#onClose(ws, event));
    // 'error' is always followed by 'close'; nothing to do here.
    clearTimeout(this.#connectTimer);
    this.#connectTimer = setTimeout(() => {
      if (this.#ws === ws && this.hello === null) this.#abandon(ws, 'connect timeout');
    }, CONNECT_TIMEOUT_MS);
  }

  // Gives a connection up now: a dead or hung node never completes the close handshake, and the browser
  // would report the close only after its own long timeout. The real close event, whenever it comes, finds
  // this socket no longer current and is ignored.
  #abandon(ws, reason) {
    try {
      ws.close(4000, reason);
    } catch {
      // already closing
    }
    this.#onClose(ws, { code: 4000, reason });
  }

  /** Reconnects now, e.g. after the user pressed "retry". */
  retry() {
    clearTimeout(this.#retryTimer);
    this.#downSince = Date.now();
    this.#attempt = Math.max(1, this.#attempt);
    if (!this.#ws) this.connect();
  }

  /** Closes for good: no reconnect. */
  close() {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#connectTimer);
    this.#stopKeepAlive();
    this.#ws?.close(1000);
    this.#ws = null;
    this.#failPending(new SignalingError('NETWORK', 'closed'));
    this.#setState('closed');
  }

  /**
   * Drops the socket and reconnects at once, resuming: the peer-to-peer applicant page's media restart (the
   * resume gives both pages new peer connections).
   */
  reconnect() {
    // Abandoned at once: on the bad network that asks for a restart the close handshake can take long, and
    // the page could not restart meanwhile.
    if (this.#ws) this.#abandon(this.#ws, 'media restart');
  }

  /** Drops the socket as a network failure would (the client reconnects); for tests. */
  simulateDrop() {
    this.#ws?.close(4000, 'simulated drop');
  }

  /** Sends a message; returns its id, or null when the socket is not open. */
  send(message) {
    if (this.#ws?.readyState !== WebSocket.OPEN) return null;
    const id = message.id ?? String(this.#nextId++);
    this.#ws.send(JSON.stringify({ ...message, id }));
    return id;
  }

  /** Sends a message and waits for the answer echoing its id. */
  request(message, timeoutMs = REQUEST_TIMEOUT_MS) {
    return new Promise((resolve, reject) => {
      const id = this.send(message);
      if (id === null) {
        reject(new SignalingError('NETWORK', 'not connected'));
        return;
      }
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new SignalingError('NETWORK', 'timeout'));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
    });
  }

  /**
   * The configuration for a new RTCPeerConnection: the latest unexpired `ice_servers` (STUN and TURN), else
   * the hello's STUN servers, and the hello's transport policy (docs/protocol.md, "STUN and TURN").
   */
  rtcConfiguration() {
    const ice = this.#ice && this.#ice.expiresAt > Date.now() ? this.#ice.iceServers : null;
    return { iceServers: ice ?? this.hello?.iceServers ?? [], iceTransportPolicy: this.#iceTransportPolicy };
  }

  #onFrame(data) {
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      console.warn('tongban: unparsable frame', data);
      return;
    }
    if (message.type === 'hello') {
      this.hello = message;
      this.#iceTransportPolicy = message.iceTransportPolicy === 'relay' ? 'relay' : 'all';
      clearTimeout(this.#connectTimer);
      this.#servers = Array.isArray(message.servers) ? message.servers : [];
      this.#nextServer = this.#servers.length > 1 ? 1 : 0;
      this.#attempt = 0;
      this.#setState('open');
      this.#startKeepAlive();
      this.dispatchEvent(new CustomEvent('ready', { detail: message }));
      return;
    }
    if (this.#isStale(message)) return;
    if (message.type === 'servers' && Array.isArray(message.servers)) {
      // The cluster changed after hello: fail over along the new list from now on.
      this.#servers = message.servers;
      this.#nextServer = this.#servers.length > 1 ? 1 : 0;
    }
    if (message.type === 'ice_servers' && Array.isArray(message.iceServers)) this.#ice = message;
    if (message.type === 'pong') {
      clearTimeout(this.#pongTimer);
      this.#pongTimer = 0;
    }
    if (message.re !== undefined && this.#pending.has(message.re)) {
      const { resolve, reject, timer } = this.#pending.get(message.re);
      this.#pending.delete(message.re);
      clearTimeout(timer);
      if (message.type === 'error') {
        // An error answering a request goes to its caller only.
        reject(new SignalingError(message.code, message.message, message.about, message.reason));
        return;
      }
      // Other answers are also published as events: pages update their state from one place.
      resolve(message);
    }
    this.dispatchEvent(new CustomEvent('message', { detail: message }));
    this.dispatchEvent(new CustomEvent(message.type, { detail: message }));
  }

  // Tickets and sessions carry the version of the state they were built from (docs/protocol.md): pushes
  // from different places can race, so one older than what this client was already told is dropped.
  #isStale(message) {
    if (typeof message.version !== 'number') return false;
    let key = null;
    if (message.type === 'ticket') key = `ticket:${message.ticketId}`;
    else if (message.type === 'paired' || message.type === 'ended') key = `session:${message.sessionId}`;
    if (key === null) return false;
    const seen = this.#versions.get(key);
    if (seen !== undefined && message.version < seen) return true;
    this.#versions.set(key, message.version);
    return false;
  }

  #onClose(ws, event) {
    if (ws !== this.#ws) return;
    this.#ws = null;
    this.hello = null;
    this.#stopKeepAlive();
    clearTimeout(this.#connectTimer);
    this.#failPending(new SignalingError('NETWORK', `closed (${event.code})`));
    if (this.#stopped) return;
    if (FINAL_CLOSE_CODES.has(event.code)) {
      this.#setState('closed', { code: event.code });
      return;
    }
    if (this.#attempt === 0) this.#downSince = Date.now();
    if (Date.now() - this.#downSince > GIVE_UP_AFTER_MS) {
      this.#setState('failed');
      return;
    }
    const delay = BACKOFF_MS[Math.min(this.#attempt, BACKOFF_MS.length - 1)];
    this.#attempt += 1;
    // Small jitter so that a hall full of browsers does not reconnect in lockstep.
    this.#retryTimer = setTimeout(() => this.connect(), delay + Math.random() * 250);
    this.#setState('reconnecting');
  }

  #failPending(error) {
    for (const { reject, timer } of this.#pending.values()) {
      clearTimeout(timer);
      reject(error);
    }
    this.#pending.clear();
  }

  #startKeepAlive() {
    this.#stopKeepAlive();
    this.#pingTimer = setInterval(() => {
      if (this.send({ type: 'ping' }) === null) return;
      // A ping still unanswered keeps its deadline: a later ping must not push it back (the pong timeout is
      // longer than the ping interval).
      if (this.#pongTimer) return;
      // No pong: the connection is dead even if the browser has not noticed; force a reconnect.
      const ws = this.#ws;
      this.#pongTimer = setTimeout(() => {
        this.#pongTimer = 0;
        if (this.#ws === ws) this.#abandon(ws, 'pong timeout');
      }, PONG_TIMEOUT_MS);
    }, PING_EVERY_MS);
  }

  #stopKeepAlive() {
    clearInterval(this.#pingTimer);
    clearTimeout(this.#pongTimer);
    this.#pongTimer = 0;
  }

  #setState(state, extra = {}) {
    this.#state = state;
    this.history = [...this.history.slice(-19), state];
    this.dispatchEvent(new CustomEvent('state', { detail: { state, attempt: this.#attempt, ...extra } }));
  }
}
