// The browser's only way to the server: /v1 over fetch with the session cookie, the session's
// CSRF token on every request that changes anything, and the API's own error message on failure.

const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? "";

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `the server answered ${status}`);
    this.status = status;
    this.body = body;
  }
}

export async function api(method, path, body, { raw = false, headers = {} } = {}) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json", ...headers } };
  if (method !== "GET" && method !== "HEAD") init.headers["X-CSRF-Token"] = csrf;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const r = await fetch(path, init);
  if (r.status === 401) { location.reload(); throw new ApiError(401, await r.json().catch(() => null)); }
  if (!r.ok) throw new ApiError(r.status, await r.json().catch(() => null));
  if (raw || r.status === 204) return r;
  return r.json();
}

export const get = (path) => api("GET", path);
export const post = (path, body) => api("POST", path, body);
export const del = (path) => api("DELETE", path);

// Every item of a collection, following the `next` cursor.
export async function all(plural, query = "") {
  const items = [];
  let cursor = null;
  do {
    const q = new URLSearchParams(query);
    q.set("limit", "1000");
    if (cursor) q.set("cursor", cursor);
    const page = await get(`/v1/${plural}?${q}`);
    items.push(...page[plural]);
    cursor = page.next;
  } while (cursor);
  return items;
}

// A streamed upload with progress (fetch cannot report upload progress; XMLHttpRequest can).
export function upload(method, path, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, path);
    xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { /* an empty answer */ }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body);
      else reject(new ApiError(xhr.status, body));
    };
    xhr.onerror = () => reject(new ApiError(0, { message: "the upload was cut off" }));
    xhr.send(file);
  });
}

// One EventSource for the whole page; views subscribe to event kinds while they are shown.
const listeners = new Map();
let source = null;

export function onEvent(kind, fn) {
  if (!source) {
    source = new EventSource("/v1/events");
    // Whether the page is following the stream now (tests and people can tell a stale page).
    source.addEventListener("stream.open", () => { document.body.dataset.stream = "open"; });
    source.addEventListener("error", () => { document.body.dataset.stream = "reconnecting"; });
    for (const k of ["instance.state", "instance.deleted", "instance.device", "task.progress", "stream.reset"]) {
      source.addEventListener(k, (e) => {
        const data = JSON.parse(e.data);
        for (const f of listeners.get(k) ?? []) f(data);
      });
    }
  }
  if (!listeners.has(kind)) listeners.set(kind, new Set());
  listeners.get(kind).add(fn);
  return () => listeners.get(kind).delete(fn);
}

// A console's WebSocket: a one-time ticket first (POST, so it needs the CSRF token), then the socket.
export async function consoleSocket(instanceId, kind) {
  const ticket = await post(`/v1/instances/${instanceId}/${kind}/ticket`);
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}${ticket.url}`;
}
