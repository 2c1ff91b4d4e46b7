// One instance: its facts and actions (live from the event stream), and tabs for its serial
// console, its screen, NICs, removable media, volumes and stats.

import { h, fill, table, form, field, select, bytes } from "./dom.js";
import { all, get, post, api, del, onEvent } from "./api.js";
import { attempt } from "./app.js";
import { actionButtons } from "./actions.js";
import { openConsole, openScreen } from "./consoles.js";

const TABS = ["details", "console", "screen", "nics", "media", "volumes", "stats"];

export async function instanceView(main, id) {
  let instance = await get(`/v1/instances/${id}`);
  const head = h("div", { class: "bar" });
  const tabBar = h("nav", { class: "tabs" });
  const pane = h("section", { class: "pane" });
  let current = "details";
  let closeTab = null;

  const drawHead = () => fill(head,
    h("h1", {}, instance.name, " ", h("span", { class: `state ${instance.state}`, id: "state" }, instance.state)),
    actionButtons(instance, (action) => action === "delete" ? (location.hash = "#/instances") : reload()));
  const reload = async () => {
    try { instance = await get(`/v1/instances/${id}`); } catch { location.hash = "#/instances"; return; }
    drawHead();
    if (current === "details" || current === "stats") show(current);
  };
  const show = async (tab) => {
    if (closeTab) { closeTab(); closeTab = null; }
    current = tab;
    for (const b of tabBar.children) b.classList.toggle("current", b.dataset.tab === tab);
    fill(pane);
    await attempt(async () => { closeTab = (await TAB_VIEWS[tab](pane, instance, reload)) || null; });
  };
  fill(tabBar, TABS.map((tab) => h("button", { type: "button", dataset: { tab }, onclick: () => show(tab) }, tab)));
  drawHead();
  fill(main, head, tabBar, pane);
  await show("details");
  const stops = [
    onEvent("instance.state", (e) => { if (e.instance_id === id) reload(); }),
    onEvent("instance.device", (e) => { if (e.instance_id === id && ["nics", "media", "volumes"].includes(current)) show(current); }),
    onEvent("instance.deleted", (e) => { if (e.instance_id === id) location.hash = "#/instances"; }),
  ];
  return () => { stops.forEach((s) => s()); if (closeTab) closeTab(); };
}

const TAB_VIEWS = {
  details(pane, i) {
    const rows = [
      ["id", i.id], ["state", i.state + (i.state_reason ? ` (${i.state_reason})` : "")], ["image", i.image],
      ["template", i.template], ["realm", i.realm], ["hardware profile", i.hardware_profile],
      ["memory", i.memory_mib ? `${i.memory_mib} MiB` : null], ["vCPUs", i.vcpus], ["key", i.key_name],
      ["addresses", [...i.public_addresses, ...i.private_addresses].join(" ")],
      ["networks", (i.network_bindings || []).map((b) => `${b.network}${b.ip_address ? " " + b.ip_address : ""}`).join(", ")],
      ["consoles", i.consoles ? `serial: ${i.consoles.serial ? "yes" : "no"}, graphics: ${i.consoles.graphics ?? "none"}` : null],
      ["created", i.created],
    ];
    fill(pane, h("dl", { class: "facts" }, rows.filter(([, v]) => v !== null && v !== undefined && v !== "")
      .map(([k, v]) => [h("dt", {}, k), h("dd", {}, String(v))])));
  },

  console: (pane, i) => openConsole(pane, i),
  screen: (pane, i) => openScreen(pane, i),

  async nics(pane, i) {
    const nics = (await get(`/v1/instances/${i.id}/interfaces`)).interfaces;
    const networks = await all("networks").catch(() => []);
    fill(pane,
      table([
        ["MAC", (n) => n.mac], ["Type", (n) => n.type], ["Source", (n) => n.source ?? ""],
        ["Model", (n) => n.model], ["State", (n) => n.state ?? ""], ["IPs", (n) => (n.ips || []).join(" ")],
        ["", (n) => h("button", { type: "button", class: "remove-nic", onclick: () => attempt(async () => {
          await del(`/v1/instances/${i.id}/interfaces/${encodeURIComponent(n.mac)}`);
          await TAB_VIEWS.nics(pane, i);
        }) }, "remove")],
      ], nics, (n) => ({ class: "nic", dataset: { mac: n.mac } })),
      h("h2", {}, "Add a NIC"),
      form("add-nic", [
        select("Type", "type", [["network"], ["bridge"], ["ovs"], ["macvtap"], ["user"]]),
        h("label", {}, "Source ", h("input", { name: "source", list: "nic-sources", placeholder: "network, bridge or device" })),
        h("datalist", { id: "nic-sources" }, networks.map((n) => h("option", { value: n.name }))),
        select("Mode (macvtap)", "mode", [["", "—"], ["bridge"], ["vepa"]]),
      ], "Add NIC", async (f) => attempt(async () => {
        const body = { type: f.type };
        if (f.source) body.source = f.source;
        if (f.mode && f.type === "macvtap") body.mode = f.mode;
        await post(`/v1/instances/${i.id}/interfaces`, body);
        await TAB_VIEWS.nics(pane, i);
      })));
  },

  async media(pane, i) {
    const disks = (await get(`/v1/instances/${i.id}/disks`)).disks;
    const sources = (await get("/v1/media/sources").catch(() => ({ sources: [] }))).sources;
    const media = [];
    for (const s of sources) {
      const items = await get(`/v1/media?source=${encodeURIComponent(s.id)}&recursive=true`).catch(() => ({ media: [] }));
      for (const m of items.media.filter((x) => !x.is_dir)) media.push([m.id, `${s.name}: ${m.path}`]);
    }
    // The media library as a choice; `none` is what choosing nothing means here.
    const library = (none) => h("select", { name: "media", class: "library" },
      h("option", { value: "" }, none), media.map(([value, text]) => h("option", { value }, text)));
    const change = (d) => form("change-media", [h("label", {}, "Medium ", library("— eject —"))], "Change",
      (f) => attempt(async () => {
        await api("PUT", `/v1/instances/${i.id}/disks/${d.dev}`, { media: f.media || null });
        await TAB_VIEWS.media(pane, i);
      }));
    fill(pane,
      table([
        ["Device", (d) => d.dev], ["Type", (d) => d.type], ["Medium", (d) => d.url ?? d.path ?? "(empty)"],
        ["Change / eject", change],
      ], disks, (d) => ({ class: "disk", dataset: { dev: d.dev } })),
      h("h2", {}, "Attach a drive"),
      form("attach-media", [
        select("Type", "type", [["cdrom"], ["floppy"]]),
        h("label", {}, "Medium ", library("— empty drive —")),
        field("or URL / path", "url", { placeholder: "https://… or a library path" }),
      ], "Attach", (f) => attempt(async () => {
        const body = { type: f.type };
        const media = f.url || f.media;
        if (media) body.media = media;
        await post(`/v1/instances/${i.id}/disks`, body);
        await TAB_VIEWS.media(pane, i);
      })));
  },

  async volumes(pane, i) {
    const volumes = await all("volumes");
    const mine = volumes.filter((v) => v.instance === i.id);
    const free = volumes.filter((v) => !v.instance);
    fill(pane,
      table([
        ["Volume", (v) => v.name], ["Size", (v) => `${v.capacity_gb} GB`], ["Device", (v) => v.device ?? ""],
        ["", (v) => h("button", { type: "button", onclick: () => attempt(async () => {
          await post(`/v1/volumes/${v.id}/detach`); await TAB_VIEWS.volumes(pane, i);
        }) }, "detach")],
      ], mine),
      h("h2", {}, "Attach a volume"),
      free.length ? form("attach-volume", [
        select("Volume", "volume", free.map((v) => [v.id, `${v.name} (${v.capacity_gb} GB)`])),
        field("Device", "device", { value: "vdb", required: true }),
      ], "Attach", (f) => attempt(async () => {
        await post(`/v1/volumes/${f.volume}/attach`, { instance_id: i.id, device: f.device });
        await TAB_VIEWS.volumes(pane, i);
      })) : h("p", {}, "No free volume: make one on the Volumes page."));
  },

  async stats(pane, i) {
    const draw = async () => {
      try {
        const m = await get(`/v1/instances/${i.id}/metrics`);
        fill(pane, table([["Metric", (x) => x.name], ["Value", (x) => x.unit === "bytes" ? bytes(x.value) : `${x.value} ${x.unit}`]], m.metrics));
      } catch (error) {
        fill(pane, h("p", { class: "error" }, error.message));
      }
    };
    await draw();
    const timer = setInterval(draw, 5000);
    return () => clearInterval(timer);
  },
};
