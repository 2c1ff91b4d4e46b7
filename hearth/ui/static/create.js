// Creating an instance from a template or from an image and hardware profile, with the
// task's progress (every create answers 202 + task).

import { h, fill, form, field, select } from "./dom.js";
import { all, api } from "./api.js";
import { attempt } from "./app.js";
import { followTask, madeInstance } from "./tasks.js";

// A create answers 202 with its task and the Location of the instance to be; the page goes
// there once the task has made it.
async function create(body, progress) {
  const r = await api("POST", "/v1/instances", body, { raw: true });
  const made = await r.json();
  if (r.status !== 202) { location.hash = `#/instances/${made.id}`; return; }
  const done = await followTask(made, progress);
  const at = /\/v1\/instances\/([^/?#]+)$/.exec(r.headers.get("Location") ?? "");
  const id = at ? decodeURIComponent(at[1]) : madeInstance(done);
  location.hash = id ? `#/instances/${id}` : "#/instances";
}

export async function createView(main) {
  const [templates, images, profiles] = await Promise.all([
    all("templates").catch(() => []), all("images").catch(() => []), all("hardware_profiles").catch(() => []),
  ]);
  const progress = h("div", { class: "progress" });
  fill(main,
    h("h1", {}, "Create an instance"),
    h("div", { class: "columns" },
      h("section", {}, h("h2", {}, "From a template"),
        templates.length ? form("create-template", [
          select("Template", "template", templates.map((t) => [t.name, hasProblems(t) ? `${t.name} (invalid)` : t.name]),
          ),
          field("Name", "name", { required: true, autocomplete: "off" }),
          h("label", { class: "check" }, h("input", { type: "checkbox", name: "start", checked: true }), " start it"),
        ], "Create", (f) => attempt(() => create({ template: f.template, name: f.name, start: f.start === "on" }, progress)))
          : h("p", {}, "No templates yet: ", h("a", { href: "#/templates" }, "make one"), ".")),
      h("section", {}, h("h2", {}, "From an image"),
        form("create-image", [
          select("Image", "image_id", images.map((i) => [i.id, i.name])),
          select("Hardware profile", "hwp_id", profiles.map((p) => [p.id, p.name])),
          field("Name", "name", { required: true, autocomplete: "off" }),
        ], "Create", (f) => attempt(() => create({ image_id: f.image_id, hwp_id: f.hwp_id, name: f.name }, progress))))),
    progress);
}

export function hasProblems(template) {
  return Object.values(template.invalid ?? {}).some((v) => (Array.isArray(v) ? v.length : v));
}
