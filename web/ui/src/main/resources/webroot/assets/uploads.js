// Files for a session: ask for a one-time slot over the WebSocket, POST the bytes with upload progress
// (XMLHttpRequest: fetch reports no upload progress), get back the 'material' message. Stills are
// frames of a <video> drawn on a canvas. Protocol: docs/protocol.md, "Identity check and materials".

const forms = new Map();

/** The matter's form (cached per page). */
export function getForm(matterId) {
  if (!forms.has(matterId)) {
    forms.set(
      matterId,
      fetch(`/api/forms/${encodeURIComponent(matterId)}`, { headers: { Accept: 'application/json' } }).then((r) => (r.ok ? r.json() : null)),
    );
  }
  return forms.get(matterId);
}

/** An upload failure: `code` from docs/protocol.md, `reason` docsign's code for rejected content. */
export class UploadError extends Error {
  constructor(code, reason, message) {
    super(message || code);
    this.code = code;
    this.reason = reason;
  }
}

/** Uploads a Blob; resolves with the material message. `onProgress(fraction)` while sending. */
export async function upload(client, sessionId, { kind, requirement, fileName }, blob, onProgress = () => {}) {
  const slot = await client.request({ type: 'upload_slot', sessionId, kind, ...(requirement ? { requirement } : {}), ...(fileName ? { fileName } : {}) });
  if (blob.size > slot.maxBytes) throw new UploadError('UPLOAD_TOO_LARGE');
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', slot.url);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    });
    xhr.addEventListener('load', () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // not JSON
      }
      if (xhr.status === 201 && body) {
        onProgress(1);
        resolve(body);
      } else {
        reject(new UploadError(body?.error?.code ?? 'INTERNAL', body?.error?.reason, body?.error?.message));
      }
    });
    xhr.addEventListener('error', () => reject(new UploadError('NETWORK')));
    xhr.send(blob);
  });
}

/** A JPEG of the video's current frame, or null when it shows nothing yet. */
export function captureFrame(video, quality = 0.9) {
  if (!video || !video.videoWidth || !video.videoHeight) return Promise.resolve(null);
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext('2d').drawImage(video, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
}

export function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A thumbnail (image) or a PDF tile, linking to the signed URL. */
export function thumbnail(material) {
  const link = Object.assign(document.createElement('a'), { href: material.url, target: '_blank', rel: 'noopener', className: 'thumb' });
  link.dataset.material = material.materialId;
  if (material.mime.startsWith('image/')) {
    link.append(Object.assign(document.createElement('img'), { src: material.url, alt: material.fileName ?? material.requirement ?? '' }));
  } else {
    link.append(Object.assign(document.createElement('span'), { className: 'pdf', textContent: 'PDF' }));
  }
  return link;
}
