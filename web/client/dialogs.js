// dialogs.js: in-page dialogs (<dialog>, modal), as the desktop app opens
// them in its window: a title, a body, buttons at the bottom.

import { el, button } from './dom.js';
import * as contacts from './contacts.js';

// open shows a dialog. sticky: Escape does not close it (a ringing call
// must be answered with a button). Returns {node, close}.
export function open(title, body, buttons, sticky, cls) {
  const d = el('dialog', { class: 'dialog ' + (cls || '') },
    el('h3', null, title),
    el('div', { class: 'body' }, body),
    el('div', { class: 'buttons' }, buttons));
  d.addEventListener('cancel', function (ev) {
    if (sticky) ev.preventDefault();
  });
  d.addEventListener('close', function () { d.remove(); });
  document.body.appendChild(d);
  d.showModal();
  return {
    node: d,
    close: function () { if (d.open) d.close(); else d.remove(); },
  };
}

export function info(title, text) {
  const dlg = open(title, el('p', null, text), [button('OK', '', function () { dlg.close(); }, 'primary')]);
}

export function confirm(title, text, yes, then) {
  const dlg = open(title, el('p', null, text), [
    button('No', 'cancel', function () { dlg.close(); }),
    button(yes, 'confirm', function () { dlg.close(); then(); }, 'primary'),
  ]);
}

// pickContact asks for one online contact other than except and hands the
// chosen ID to then; with nobody to choose it says nobody instead
// (views/ui.go).
export function pickContact(title, confirmLabel, field, nobody, except, then) {
  const people = contacts.online(except);
  if (people.length === 0) {
    info(title, nobody);
    return;
  }
  const sel = el('select', { id: 'pick-who' },
    el('option', { value: '', disabled: true, selected: true }, '(Select one)'),
    people.map(function (u) { return el('option', { value: u.userID }, contacts.name(u.userID) + ' (' + u.userID + ')'); }));
  const ok = button(confirmLabel, '', function () { dlg.close(); then(sel.value); }, 'primary');
  ok.disabled = true;
  sel.addEventListener('change', function () { ok.disabled = !sel.value; });
  const dlg = open(title, el('div', { class: 'form' }, el('label', { htmlFor: 'pick-who' }, field), sel),
    [button('Cancel', 'cancel', function () { dlg.close(); }), ok]);
  sel.focus();
}
