// Building the page from data: elements from a tag, attributes and children. Text always goes in
// as text (never as markup), so whatever an API field holds cannot become a script.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// Replace an element's content.
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// A table: one header row, one row per item; `columns` are [title, item => cell content].
export function table(columns, items, rowAttrs = () => ({})) {
  return h("table", { class: "grid" },
    h("thead", {}, h("tr", {}, columns.map(([title]) => h("th", {}, title)))),
    h("tbody", {}, items.map((item) => h("tr", rowAttrs(item), columns.map(([title, cell]) =>
      h("td", { "data-label": title }, cell(item)))))));
}

// A form whose fields are read into an object on submit; `submit` gets it and may throw.
export function form(cls, fields, label, submit) {
  const el = h("form", { class: cls }, fields, h("button", { type: "submit" }, label));
  el.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = el.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await submit(Object.fromEntries(new FormData(el)), el);
    } finally {
      button.disabled = false;
    }
  });
  return el;
}

export function field(label, name, attrs = {}) {
  return h("label", {}, label, " ", h("input", { name, ...attrs }));
}

export function select(label, name, options, attrs = {}) {
  return h("label", {}, label, " ", h("select", { name, ...attrs },
    options.map(([value, text]) => h("option", { value }, text ?? value))));
}

export function bytes(n) {
  if (n === null || n === undefined) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}
