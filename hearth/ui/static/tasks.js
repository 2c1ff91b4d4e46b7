// Following a task to its end with a progress bar (task.progress events, with a poll as backstop).

import { h, fill } from "./dom.js";
import { get, onEvent } from "./api.js";

export function followTask(task, where) {
  const bar = h("progress", { max: 100, value: task.progress ?? 0, class: "task-progress" });
  const text = h("span", { class: "task-message" }, task.message ?? task.status);
  fill(where, h("div", { class: "task" }, h("strong", {}, task.name), " ", bar, " ", text));
  return new Promise((resolve, reject) => {
    let stop = () => {};
    const seen = (t) => {
      bar.value = t.progress ?? bar.value;
      fill(text, t.message ?? t.status);
      if (t.status === "succeeded") { stop(); resolve(t); }
      if (t.status === "failed") { stop(); reject(new Error(t.error?.message ?? t.message ?? "the task failed")); }
    };
    const unsubscribe = onEvent("task.progress", (e) => {
      if ((e.task_id ?? e.id) === task.id && e.status) seen(e);
    });
    const timer = setInterval(async () => { try { seen(await get(`/v1/tasks/${task.id}`)); } catch { /* next time */ } }, 1000);
    stop = () => { unsubscribe(); clearInterval(timer); };
  });
}

// The instance a finished create task made (its result names it).
export function madeInstance(task) {
  const r = task.result ?? {};
  return r.id ?? r.instance_id ?? r.instances?.[0]?.id ?? r.instances?.[0] ?? null;
}
