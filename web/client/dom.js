// dom.js: building the page from data. Text always goes in as text (never
// as markup): nicknames, messages and file names come from other people.

// el makes an element: attrs sets properties (on* are listeners, class and
// data-* are attributes); children are nodes or strings.
export function el(tag, attrs) {
  const e = document.createElement(tag);
  if (attrs) {
    for (const k of Object.keys(attrs)) {
      const v = attrs[k];
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (k === 'class' || k.startsWith('data-') || k.startsWith('aria-')) e.setAttribute(k, v);
      else e[k] = v;
    }
  }
  for (let i = 2; i < arguments.length; i++) add(e, arguments[i]);
  return e;
}

function add(e, c) {
  if (c === undefined || c === null || c === false) return;
  if (Array.isArray(c)) { c.forEach(function (x) { add(e, x); }); return; }
  e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
}

export function $(id) { return document.getElementById(id); }

// fill replaces an element's children.
export function fill(e) {
  e.textContent = '';
  for (let i = 1; i < arguments.length; i++) add(e, arguments[i]);
}

export function show(e, on) { e.hidden = !on; }

// icon is one of the symbols defined in index.html's SVG sprite.
export function icon(name) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('class', 'icon');
  svg.setAttribute('aria-hidden', 'true');
  const use = document.createElementNS(ns, 'use');
  use.setAttribute('href', '#i-' + name);
  svg.appendChild(use);
  return svg;
}

// button: an icon (optional) and a label.
export function button(label, iconName, onclick, cls) {
  return el('button', { type: 'button', class: cls || '', onclick: onclick, title: label || '' },
    iconName ? icon(iconName) : null, label ? el('span', null, label) : null);
}
