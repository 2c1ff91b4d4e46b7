// The instances list: every instance the caller may see, kept current from the event stream
// (a state change is shown as it arrives, then the row is read again for its new actions).

import { h, fill } from "./dom.js";
import { all, get, onEvent } from "./api.js";
import { actionButtons } from "./actions.js";

function row(instance, refresh) {
  return h("tr", { id: `i-${instance.id}`, dataset: { state: instance.state } },
    h("td", { "data-label": "Name" }, h("a", { href: `#/instances/${instance.id}` }, instance.name)),
    h("td", { "data-label": "State", class: "state" }, h("span", { class: `state ${instance.state}` }, instance.state)),
    h("td", { "data-label": "From" }, instance.template ? `template ${instance.template}` : instance.image ?? ""),
    h("td", { "data-label": "Addresses" }, [...instance.public_addresses, ...instance.private_addresses].join(" ")),
    h("td", { "data-label": "Actions" }, actionButtons(instance, () => refresh(instance.id))));
}

export async function instancesView(main) {
  const instances = await all("instances");
  const tbody = h("tbody");
  const refresh = async (id) => {
    const el = document.getElementById(`i-${id}`);
    try {
      const fresh = await get(`/v1/instances/${id}`);
      const next = row(fresh, refresh);
      if (el) el.replaceWith(next); else tbody.append(next);
    } catch {
      el?.remove(); // gone (deleted, or not ours)
    }
  };
  const rows = document.createDocumentFragment();
  for (const instance of instances) rows.append(row(instance, refresh));
  tbody.append(rows);
  fill(main,
    h("div", { class: "bar" }, h("h1", {}, "Instances"), h("a", { class: "button", href: "#/create" }, "Create")),
    h("table", { class: "grid instances" },
      h("thead", {}, h("tr", {}, ["Name", "State", "From", "Addresses", "Actions"].map((t) => h("th", {}, t)))),
      tbody));
  main.dataset.rendered = String(performance.now());
  const stops = [
    onEvent("instance.state", (e) => {
      const el = document.getElementById(`i-${e.instance_id}`);
      if (el) {
        el.dataset.state = e.state;
        fill(el.querySelector("td.state"), h("span", { class: `state ${e.state}` }, e.state));
      }
      refresh(e.instance_id);
    }),
    onEvent("instance.deleted", (e) => document.getElementById(`i-${e.instance_id}`)?.remove()),
    onEvent("stream.reset", () => window.dispatchEvent(new HashChangeEvent("hashchange"))), // list again
  ];
  return () => stops.forEach((stop) => stop());
}
