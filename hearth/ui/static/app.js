// The UI's entry: the navigation, the hash router (#/instances, #/instances/<id>, …) and the
// error banner. Each view is a function that fills <main> and returns what to undo when it goes.

import { h, fill } from "./dom.js";
import { instancesView } from "./instances.js";
import { instanceView } from "./instance.js";
import { createView } from "./create.js";
import { templatesView } from "./templates.js";
import * as catalog from "./catalog.js";

const routes = [
  [/^instances$/, instancesView, "Instances"],
  [/^instances\/([^/]+)$/, instanceView],
  [/^create$/, createView, "Create"],
  [/^templates$/, templatesView, "Templates"],
  [/^images$/, catalog.imagesView, "Images"],
  [/^networks$/, catalog.networksView, "Networks"],
  [/^pools$/, catalog.poolsView, "Pools"],
  [/^volumes$/, catalog.volumesView, "Volumes"],
  [/^media$/, catalog.mediaView, "Media"],
  [/^tasks$/, catalog.tasksView, "Tasks"],
  [/^keys$/, catalog.keysView, "Keys"],
  [/^host$/, catalog.hostView, "Host"],
];

const main = document.getElementById("main");
const flashEl = document.getElementById("flash");
let undo = null;

// Show what went wrong in the API's own words (or clear the banner with null).
export function flash(error) {
  flashEl.hidden = !error;
  fill(flashEl, error ? (error.message || String(error)) : "");
}

// Run an action; its failure lands in the banner instead of the console.
export async function attempt(fn) {
  try {
    flash(null);
    return await fn();
  } catch (error) {
    flash(error);
    return undefined;
  }
}

async function route() {
  const path = location.hash.replace(/^#\/?/, "") || "instances";
  if (undo) { undo(); undo = null; }
  flash(null);
  for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("current", a.dataset.path === path.split("/")[0]);
  for (const [pattern, view] of routes) {
    const match = path.match(pattern);
    if (!match) continue;
    fill(main, h("p", { class: "loading" }, "Loading…"));
    try {
      undo = (await view(main, ...match.slice(1))) || null;
    } catch (error) {
      fill(main);
      flash(error);
    }
    return;
  }
  fill(main, h("p", {}, `No page ${path}.`));
}

fill(document.getElementById("nav"), routes.filter((r) => r[2]).map(([pattern, , title]) => {
  const path = pattern.source.replace(/[\^$]/g, "");
  return h("a", { href: `#/${path}`, dataset: { path } }, title);
}));
window.addEventListener("hashchange", route);
route();
