// The simpler pages: images, networks and subnets, pools, volumes, media, tasks, keys, host.
// Each lists a /v1 collection as a table and offers its create and delete.

import { h, fill, table, form, field, select, bytes } from "./dom.js";
import { all, get, post, del, upload } from "./api.js";
import { attempt } from "./app.js";
import { followTask } from "./tasks.js";

const remove = (path, after) => h("button", { type: "button", class: "delete",
  onclick: () => attempt(async () => { await del(path); after(); }) }, "delete");

export async function imagesView(main) {
  const images = await all("images");
  fill(main, h("h1", {}, "Images"), table([
    ["Name", (i) => i.name], ["OS", (i) => i.os ?? ""], ["Arch", (i) => i.architecture ?? ""],
    ["State", (i) => i.state], ["Description", (i) => i.description ?? ""],
    ["", (i) => (i.owner_id === "system" ? "" : remove(`/v1/images/${i.id}`, () => imagesView(main)))],
  ], images));
}

export async function networksView(main) {
  const [networks, subnets] = await Promise.all([all("networks"), all("subnets").catch(() => [])]);
  const again = () => networksView(main);
  fill(main, h("h1", {}, "Networks"),
    table([
      ["Name", (n) => n.name], ["Address blocks", (n) => n.address_blocks.join(", ")],
      ["Subnets", (n) => subnets.filter((s) => s.network === n.id).map((s) => `${s.name} ${s.address_block}`).join(", ")],
      ["", (n) => (n.owner_id === "system" ? "" : remove(`/v1/networks/${n.id}`, again))],
    ], networks),
    form("create-network", [field("Name", "name", { required: true }), field("Address block", "block", { required: true, placeholder: "10.10.0.0/16" })],
      "Create network", (f) => attempt(async () => { await post("/v1/networks", { name: f.name, address_blocks: [f.block] }); again(); })),
    h("h2", {}, "Subnets"),
    table([
      ["Name", (s) => s.name], ["Network", (s) => networks.find((n) => n.id === s.network)?.name ?? s.network],
      ["Block", (s) => s.address_block], ["", (s) => remove(`/v1/subnets/${s.id}`, again)],
    ], subnets),
    form("create-subnet", [
      select("Network", "network_id", networks.map((n) => [n.id, n.name])),
      field("Name", "name", { required: true }), field("Address block", "address_block", { required: true, placeholder: "10.10.1.0/24" }),
    ], "Create subnet", (f) => attempt(async () => { await post("/v1/subnets", f); again(); })));
}

export async function poolsView(main) {
  const pools = await all("pools");
  fill(main, h("h1", {}, "Storage pools"), table([
    ["Name", (p) => p.name], ["Type", (p) => p.type], ["State", (p) => p.state], ["Realm", (p) => p.realm],
    ["Capacity", (p) => bytes(p.capacity_bytes)], ["Used", (p) => bytes(p.allocation_bytes)],
    ["Free", (p) => bytes(p.available_bytes)],
  ], pools));
}

export async function volumesView(main) {
  const volumes = await all("volumes");
  const again = () => volumesView(main);
  fill(main, h("h1", {}, "Volumes"),
    table([
      ["Name", (v) => v.name], ["Size", (v) => `${v.capacity_gb} GB`], ["State", (v) => v.state],
      ["Instance", (v) => (v.instance ? h("a", { href: `#/instances/${v.instance}` }, v.device ?? v.instance) : "")],
      ["", (v) => (v.instance ? "" : remove(`/v1/volumes/${v.id}`, again))],
    ], volumes),
    form("create-volume", [field("Name", "name"), field("Size GB", "capacity_gb", { type: "number", min: 1, value: 1, required: true })],
      "Create volume", (f) => attempt(async () => {
        await post("/v1/volumes", { capacity_gb: Number(f.capacity_gb), ...(f.name ? { name: f.name } : {}) });
        again();
      })));
}

async function browse(where, source, path = "") {
  const q = new URLSearchParams({ source: source.id, path });
  const listing = await get(`/v1/media?${q}`);
  fill(where, h("h3", {}, `${source.name}:/${path}`),
    path ? h("button", { type: "button", onclick: () => attempt(() => browse(where, source, path.split("/").slice(0, -1).join("/"))) }, "up") : null,
    table([
      ["Name", (m) => (m.is_dir
        ? h("a", { href: "#/media", onclick: (e) => { e.preventDefault(); attempt(() => browse(where, source, m.path)); } }, `${m.name}/`)
        : m.name)],
      ["Type", (m) => m.type ?? ""], ["Size", (m) => (m.is_dir ? "" : bytes(m.size))],
      ["Bootable", (m) => (m.bootable ? "yes" : "")], ["Id", (m) => (m.is_dir ? "" : m.id)], ["Note", (m) => m.error ?? ""],
    ], listing.media, (m) => ({ class: "medium" })));
}

// An upload: announce it, stream the file in one PUT (the bar follows the bytes sent), then
// finish it, which checks and files the medium as a task.
async function sendFile(source, file, path, bar, where) {
  const made = await post("/v1/media/uploads", { source: source.id, path, size: file.size });
  const at = `/v1/media/uploads/${encodeURIComponent(made.id)}`;
  await upload("PUT", `${at}?offset=0`, file, (p) => { bar.value = Math.round(p * 99); });
  const task = await post(`${at}/finish`);
  if (task?.status && task.status !== "succeeded") await followTask(task, where);
  bar.value = 100;
}

export async function mediaView(main) {
  const sources = (await get("/v1/media/sources")).sources;
  const cache = await get("/v1/media/cache").catch(() => null);
  const listing = h("section", { class: "listing" });
  const bar = h("progress", { max: 100, value: 0, class: "upload-progress" });
  const again = () => mediaView(main);
  fill(main, h("h1", {}, "Media"),
    table([
      ["Name", (s) => h("a", { href: "#/media", onclick: (e) => { e.preventDefault(); attempt(() => browse(listing, s)); } }, s.name)],
      ["Type", (s) => s.type], ["Where", (s) => s.path ?? (s.server ? `${s.server}:${s.export}` : `${s.urls.length} URLs`)],
      ["Cache", (s) => (s.cache ? "yes" : "")], ["", (s) => remove(`/v1/media/sources/${s.id}`, again)],
    ], sources, (s) => ({ class: "source", dataset: { name: s.name } })),
    listing,
    h("h2", {}, "Add a source"),
    form("create-source", [
      field("Name", "name", { required: true }), select("Type", "type", [["dir"], ["nfs"], ["url-list"]]),
      field("Path (dir)", "path"), field("Server (nfs)", "server"), field("Export (nfs)", "export"),
      field("URLs (url-list, one per line)", "urls"),
      h("label", { class: "check" }, h("input", { type: "checkbox", name: "cache" }), " cache remote media"),
    ], "Add source", (f) => attempt(async () => {
      const body = { name: f.name, type: f.type, cache: f.cache === "on" };
      for (const k of ["path", "server", "export"]) if (f[k]) body[k] = f[k];
      if (f.urls) body.urls = f.urls.split(/\s+/).filter(Boolean);
      await post("/v1/media/sources", body);
      again();
    })),
    h("h2", {}, "Upload"),
    sources.some((s) => s.type === "dir") ? form("upload-media", [
      select("Into", "source", sources.filter((s) => s.type === "dir").map((s) => [s.id, s.name])),
      h("label", {}, "File ", h("input", { type: "file", name: "file", required: true })),
      field("As (path in the source)", "path"), bar,
    ], "Upload", (f) => attempt(async () => {
      const source = sources.find((s) => s.id === f.source);
      await sendFile(source, f.file, f.path || f.file.name, bar, listing);
      await browse(listing, source);
    })) : h("p", {}, "Uploads go into a dir source."),
    cache ? [h("h2", {}, `Cache (${bytes(cache.used)} of ${bytes(cache.limit)})`), table([
      ["SHA-256", (c) => c.sha256.slice(0, 16)], ["Size", (c) => bytes(c.size)], ["URLs", (c) => c.urls.join(" ")],
      ["Used by", (c) => c.users.join(", ")],
    ], cache.cache)] : null);
}

export async function tasksView(main) {
  const tasks = await all("tasks");
  fill(main, h("h1", {}, "Tasks"), table([
    ["Name", (t) => t.name], ["Kind", (t) => t.kind], ["Status", (t) => t.status],
    ["Progress", (t) => h("progress", { max: 100, value: t.progress })], ["Message", (t) => t.error?.message ?? t.message ?? ""],
    ["Updated", (t) => t.updated],
  ], tasks.reverse()));
}

export async function keysView(main) {
  const keys = await all("keys");
  const shown = h("div", { class: "new-key" });
  const again = () => keysView(main);
  fill(main, h("h1", {}, "Keys"),
    table([["Name", (k) => k.name], ["Fingerprint", (k) => k.fingerprint ?? ""], ["", (k) => remove(`/v1/keys/${k.id}`, again)]], keys),
    form("create-key", [field("Name", "name", { required: true }), field("Public key (empty: make one)", "public_key")],
      "Add key", (f) => attempt(async () => {
        const made = await post("/v1/keys", f.public_key ? { name: f.name, public_key: f.public_key } : { name: f.name });
        await again();
        if (made.private_key) fill(main.querySelector(".new-key") ?? main, h("p", {}, "The private key, shown this once:"), h("pre", {}, made.private_key));
      })),
    shown);
}

export async function hostView(main) {
  const [facts, nics, ovs] = await Promise.all([
    get("/v1/host"), get("/v1/host/interfaces").catch(() => null), get("/v1/host/ovsbridges").catch(() => null),
  ]);
  const list = (page) => (page ? Object.values(page).find(Array.isArray) ?? [] : []);
  fill(main, h("h1", {}, "Host"),
    h("dl", { class: "facts" }, Object.entries(facts).map(([k, v]) => [h("dt", {}, k), h("dd", {}, k === "memory_mib" ? `${v} MiB` : String(v))])),
    h("h2", {}, "Interfaces"),
    table([["Name", (i) => i.name], ["Kind", (i) => i.kind ?? i.type ?? ""], ["State", (i) => i.state ?? i.operstate ?? ""],
      ["Can carry", (i) => (i.usable_for ?? i.nic_types ?? []).join?.(", ") ?? ""]], list(nics)),
    h("h2", {}, "Open vSwitch bridges"),
    table([["Name", (b) => b.name ?? String(b)], ["Ports", (b) => (b.ports ?? []).join(", ")]], list(ovs)));
}
