// An instance's actions allowed now (its `actions`), as buttons that post them to /v1.

import { h } from "./dom.js";
import { post, del } from "./api.js";
import { attempt } from "./app.js";

export function actionButtons(instance, after = () => {}) {
  const buttons = instance.actions.map((action) => h("button", {
    type: "button", class: `action ${action}`, dataset: { action },
    onclick: () => attempt(async () => { await post(`/v1/instances/${instance.id}/${action}`); after(action); }),
  }, action));
  if (["STOPPED", "ERROR", "FINISHED"].includes(instance.state)) {
    buttons.push(h("button", {
      type: "button", class: "action delete", dataset: { action: "delete" },
      onclick: () => attempt(async () => { await del(`/v1/instances/${instance.id}`); after("delete"); }),
    }, "delete"));
  }
  return h("span", { class: "actions" }, buttons);
}
