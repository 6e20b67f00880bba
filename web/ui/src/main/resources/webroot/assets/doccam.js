// Applicant: the document camera (高拍仪) — a second camera pointed at the papers. The applicant picks it
// (the page proposes a camera other than the one of the video call), turns it on and off; its video goes
// where a shared screen goes (docs/protocol.md, "Identity check and materials"). The clerk may only ask
// (document_camera_request): the request opens this panel, it never starts the camera.

import { onLangChange, t } from './i18n.js';
import { listCameras, openCamera } from './rtc.js';
import { $ } from './ui.js';

/** How long a connected call may go without a frame of the document camera leaving before it is given up. */
const SEND_CHECK_MS = 10_000;

/**
 * Wires the panel. `faceTrack()` is the call's camera track (or null), `active()` the document camera's
 * stream while it is on; `start(stream)` puts a stream on the second-video slot, `stop()` takes it off;
 * `framesSent()` resolves with the frames sent on that slot so far, or null while the call is not
 * connected. Returns {open(request), close(), render()}.
 */
export function initDocumentCamera({ faceTrack, active, start, stop, framesSent }) {
  const state = { open: false, cameras: [], selected: null, busy: false, error: null, request: null, failed: new Set() };

  $('#doccam').addEventListener('click', async () => {
    if (active()) {
      await stop();
      close();
    } else {
      open();
    }
  });
  $('#doccam-cancel').addEventListener('click', () => close());
  $('#doccam-refresh').addEventListener('click', () => refresh());
  $('#doccam-start').addEventListener('click', () => turnOn());
  $('#doccam-device').addEventListener('change', () => {
    state.selected = $('#doccam-device').value || null;
    // While on, choosing another camera switches to it at once.
    if (active()) turnOn();
    else render();
  });
  navigator.mediaDevices?.addEventListener?.('devicechange', () => {
    if (state.open) refresh();
  });
  onLangChange(render);

  /** Opens the panel; `request` ({material}) when the clerk asked for it. */
  function open(request = null) {
    state.open = true;
    state.request = request;
    state.error = null;
    render();
    // It opens above the form, which may be scrolled far down: bring it into view.
    $('#doccam-panel').scrollIntoView({ behavior: 'smooth', block: 'nearest' });
    refresh();
  }

  function close() {
    state.open = false;
    state.request = null;
    state.error = null;
    render();
  }

  async function refresh() {
    const cameras = await listCameras();
    const faceId = faceTrack()?.getSettings?.().deviceId;
    const inUse = active()?.getVideoTracks()[0]?.getSettings?.().deviceId;
    // The face camera is busy with the call: offer every other camera.
    state.cameras = cameras.filter((c) => c.deviceId !== faceId);
    const still = state.cameras.some((c) => c.deviceId === state.selected && !state.failed.has(c.deviceId));
    if (inUse && state.cameras.some((c) => c.deviceId === inUse)) state.selected = inUse;
    else if (!still) state.selected = (state.cameras.find((c) => !state.failed.has(c.deviceId)) ?? state.cameras[0])?.deviceId ?? null;
    render();
  }

  async function turnOn() {
    const deviceId = state.selected;
    if (!deviceId || state.busy) return;
    state.busy = true;
    state.error = null;
    render();
    const { stream, error } = await openCamera(deviceId);
    state.busy = false;
    if (error) {
      state.error = `doccam.error.${error}`;
      render();
      return;
    }
    const track = stream.getVideoTracks()[0];
    track.contentHint = 'detail'; // small print on receipts must stay readable
    track.addEventListener('ended', () => {
      // Unplugged: the clerk is told it stopped.
      if (active() === stream) stop();
    });
    state.request = null;
    state.open = false; // the panel stays while the camera is on, and goes when it is replaced or stopped
    state.failed.delete(deviceId);
    await start(stream);
    render();
    watchSending(stream, deviceId);
  }

  /**
   * A camera whose picture the browser cannot encode (a depth or infrared camera, say) shows here but
   * reaches nobody: when no frame leaves within SEND_CHECK_MS of connected call time, it is turned off
   * and the applicant is asked to choose another.
   */
  async function watchSending(stream, deviceId) {
    let baseline = null;
    let waited = 0;
    while (active() === stream) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const sent = active() === stream ? await framesSent() : null;
      if (active() !== stream) return;
      if (sent === null) continue; // not connected: nothing can leave yet
      if (baseline === null) baseline = sent;
      else if (sent > baseline) return; // frames leave: the clerk sees it
      else if ((waited += 500) >= SEND_CHECK_MS) {
        state.failed.add(deviceId);
        await stop();
        state.open = true;
        state.error = 'doccam.notSending';
        state.selected = null;
        await refresh();
        return;
      }
    }
  }

  function render() {
    const stream = active();
    const on = Boolean(stream);
    $('#doccam').textContent = on ? t('doccam.stop') : t('doccam.use');
    $('#doccam').setAttribute('aria-pressed', String(on));
    $('#doccam').disabled = !navigator.mediaDevices?.getUserMedia;
    const panel = $('#doccam-panel');
    panel.hidden = !(state.open || on);
    if (panel.hidden) {
      $('#doccam-preview').srcObject = null;
      return;
    }
    const request = $('#doccam-request');
    request.hidden = !state.request || on;
    request.textContent = state.request?.material
      ? t('doccam.requestFor', { material: state.request.material })
      : t('doccam.request');
    const select = $('#doccam-device');
    select.replaceChildren(
      ...state.cameras.map((c, i) =>
        Object.assign(document.createElement('option'), {
          value: c.deviceId,
          textContent: (c.label || t('doccam.camera', { n: i + 1 })) + (state.failed.has(c.deviceId) ? t('doccam.failedSuffix') : ''),
        }),
      ),
    );
    select.value = state.selected ?? '';
    select.disabled = state.cameras.length === 0 || state.busy;
    const status = $('#doccam-status');
    const key = state.error ?? (on ? 'doccam.on' : state.busy ? 'doccam.opening' : state.cameras.length === 0 ? 'doccam.none' : null);
    status.hidden = !key;
    status.textContent = key ? t(key) : '';
    status.className = `notice ${state.error || (!on && state.cameras.length === 0) ? 'warn' : on ? 'ok' : ''}`;
    $('#doccam-start').hidden = on;
    $('#doccam-start').disabled = !state.selected || state.busy;
    $('#doccam-cancel').hidden = on;
    $('#doccam-refresh').hidden = on || state.cameras.length > 0;
    const preview = $('#doccam-preview');
    preview.hidden = !on;
    if (preview.srcObject !== stream) preview.srcObject = stream;
  }

  return { open, close, render };
}
