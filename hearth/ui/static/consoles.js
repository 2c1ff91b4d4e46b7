// The instance's consoles in the browser, over the WebSockets of /v1 (one-time tickets):
// the serial console in xterm.js (window.Terminal, loaded by the shell), the screen in noVNC.

import { h, fill } from "./dom.js";
import { consoleSocket } from "./api.js";

function status(pane, text) {
  const el = pane.querySelector(".console-status") ?? pane.appendChild(h("p", { class: "console-status" }));
  fill(el, text);
}

export async function openConsole(pane, instance) {
  const screen = h("div", { class: "terminal" });
  fill(pane, screen, h("p", { class: "console-status" }, "connecting…"));
  const url = await consoleSocket(instance.id, "console");
  const term = new window.Terminal({ convertEol: false, scrollback: 5000, fontSize: 14 });
  term.open(screen);
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  const encoder = new TextEncoder();
  ws.onopen = () => { status(pane, "connected"); term.focus(); };
  ws.onmessage = (e) => term.write(typeof e.data === "string" ? e.data : new Uint8Array(e.data));
  ws.onclose = (e) => status(pane, `closed${e.reason ? ": " + e.reason : ""} (${e.code})`);
  const typed = term.onData((data) => ws.readyState === WebSocket.OPEN && ws.send(encoder.encode(data)));
  return () => { typed.dispose(); ws.close(); term.dispose(); };
}

export async function openScreen(pane, instance) {
  const screen = h("div", { class: "screen" });
  fill(pane, screen, h("p", { class: "console-status" }, "connecting…"));
  const url = await consoleSocket(instance.id, "vnc");
  const { default: RFB } = await import("/ui/vendor/novnc/core/rfb.js");
  const rfb = new RFB(screen, url, { wsProtocols: ["binary"] });
  rfb.scaleViewport = true;
  rfb.addEventListener("connect", () => status(pane, "connected"));
  rfb.addEventListener("disconnect", (e) => status(pane, e.detail.clean ? "disconnected" : "connection lost"));
  rfb.addEventListener("securityfailure", (e) => status(pane, `refused: ${e.detail.reason ?? e.detail.status}`));
  return () => rfb.disconnect();
}
