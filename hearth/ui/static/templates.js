// Templates: the list with each one's `invalid` problems, and a form to create or edit one —
// OS, memory, vCPUs, disks, install media or a kernel, libvirt networks and direct interfaces
// (macvtap in bridge or vepa mode, Open vSwitch, Linux bridge), graphics.

import { h, fill, table, field, select } from "./dom.js";
import { all, get, post, api, del } from "./api.js";
import { attempt } from "./app.js";
import { hasProblems } from "./create.js";

function problems(t) {
  const found = Object.entries(t.invalid ?? {}).filter(([, v]) => (Array.isArray(v) ? v.length : v));
  if (!found.length) return h("span", { class: "ok" }, "ok");
  return h("ul", { class: "problems" }, found.map(([k, v]) => h("li", {}, `${k}: ${[v].flat().join(", ")}`)));
}

function interfaceRow(nic = { type: "macvtap", source: "", mode: "bridge" }) {
  const row = h("div", { class: "nic-row" },
    select("Type", "nic_type", [["macvtap"], ["ovs"], ["bridge"]]),
    field("Device / bridge", "nic_source", { value: nic.source ?? "", required: true }),
    select("Mode", "nic_mode", [["bridge"], ["vepa"], ["", "—"]]),
    h("button", { type: "button", class: "remove", onclick: () => row.remove() }, "×"));
  row.querySelector("[name=nic_type]").value = nic.type;
  row.querySelector("[name=nic_mode]").value = nic.type === "macvtap" ? (nic.mode ?? "bridge") : "";
  return row;
}

function body(el) {
  const f = new FormData(el);
  const v = (k) => (f.get(k) ?? "").toString().trim();
  const out = { os: v("os") };
  if (v("memory")) out.memory = { current: Number(v("memory")) };
  if (v("vcpus")) out.vcpus = { current: Number(v("vcpus")) };
  const disks = [];
  if (v("base")) disks.push({ base: v("base") });
  if (v("size")) disks.push({ size: Number(v("size")) });
  out.disks = disks;
  for (const k of ["cdrom", "kernel", "initrd", "cmdline"]) out[k] = v(k) || null;
  out.networks = v("networks") ? v("networks").split(/[\s,]+/).filter(Boolean) : [];
  out.interfaces = [...el.querySelectorAll(".nic-row")].map((row) => {
    const type = row.querySelector("[name=nic_type]").value;
    const nic = { type, source: row.querySelector("[name=nic_source]").value.trim() };
    if (type === "macvtap") nic.mode = row.querySelector("[name=nic_mode]").value || "bridge";
    return nic;
  });
  if (v("graphics")) out.graphics = { type: v("graphics") }; // left out: the server's default stays
  return out;
}

function editor(template, images, done) {
  const t = template ?? {};
  const el = h("form", { class: "template-form" },
    template ? h("h2", {}, `Edit ${t.name}`) : [h("h2", {}, "New template"), field("Name", "name", { required: true })],
    field("OS (osinfo id)", "os", { value: t.os ?? "", required: true, placeholder: "debian12" }),
    field("Memory MiB", "memory", { type: "number", min: 1, value: t.memory?.current ?? "" }),
    field("vCPUs", "vcpus", { type: "number", min: 1, value: t.vcpus?.current ?? "" }),
    select("Base image", "base", [["", "—"], ...images.map((i) => [i.id, i.name])]),
    field("or a new disk, GiB", "size", { type: "number", min: 1 }),
    field("CD-ROM (path or URL)", "cdrom", { value: t.cdrom ?? "" }),
    field("Kernel", "kernel", { value: t.kernel ?? "" }),
    field("Initrd", "initrd", { value: t.initrd ?? "" }),
    field("Kernel command line", "cmdline", { value: t.cmdline ?? "" }),
    field("libvirt networks", "networks", { value: (t.networks ?? []).join(", "), placeholder: "default" }),
    h("fieldset", { class: "interfaces" }, h("legend", {}, "Direct interfaces"),
      (t.interfaces ?? []).map(interfaceRow),
      h("button", { type: "button", class: "add-interface", onclick: (e) => e.target.before(interfaceRow()) }, "add interface")),
    select("Graphics", "graphics", [["", "default"], ["none"], ["vnc"], ["spice"]]),
    h("button", { type: "submit" }, template ? "Save" : "Create template"));
  const disk = (t.disks ?? [])[0];
  if (disk?.base) el.querySelector("[name=base]").value = disk.base;
  else if (disk?.size) el.querySelector("[name=size]").value = disk.size;
  el.querySelector("[name=graphics]").value = t.graphics?.type ?? "";
  el.addEventListener("submit", (e) => {
    e.preventDefault();
    attempt(async () => {
      const b = body(el);
      if (template) await api("PATCH", `/v1/templates/${encodeURIComponent(t.name)}`, b);
      else await post("/v1/templates", { name: new FormData(el).get("name"), ...b });
      done();
    });
  });
  return el;
}

export async function templatesView(main) {
  const [templates, images] = await Promise.all([all("templates"), all("images").catch(() => [])]);
  const side = h("section", { class: "editor" });
  const redraw = () => templatesView(main);
  fill(side, editor(null, images, redraw));
  fill(main, h("h1", {}, "Templates"),
    table([
      ["Name", (t) => t.name], ["OS", (t) => t.os], ["Memory", (t) => `${t.memory?.current ?? "?"} MiB`],
      ["vCPUs", (t) => t.vcpus?.current ?? "?"],
      ["NICs", (t) => [...(t.networks ?? []).map((n) => `network ${n}`),
        ...(t.interfaces ?? []).map((i) => `${i.type} ${i.source}${i.mode ? " " + i.mode : ""}`)].join(", ")],
      ["Problems", problems],
      ["", (t) => h("span", {},
        h("button", { type: "button", class: "edit", onclick: async () => fill(side, editor(await get(`/v1/templates/${encodeURIComponent(t.name)}`), images, redraw)) }, "edit"),
        h("button", { type: "button", onclick: () => attempt(async () => { await del(`/v1/templates/${encodeURIComponent(t.name)}`); redraw(); }) }, "delete"))],
    ], templates, (t) => ({ class: hasProblems(t) ? "template invalid" : "template", dataset: { name: t.name } })),
    side);
}
