// transfers.js: files sent and received, with progress, speed, time left
// and cancel (app/transfers.go, views/transfers.go, views/offer.go). Files
// are sent from a picker or dropped on a contact (or anywhere, for the
// selected contact). A file someone sends is asked about first (Accept,
// Decline, Always accept from them); once in, it stays in the page until
// saved with CRVideo_SaveFile.

import { app, changed, notice, view } from './app.js';
import { on, sdk } from './sdk.js';
import { $, el, fill, button } from './dom.js';
import { describe, formatBytes, formatDuration } from './words.js';
import * as contacts from './contacts.js';
import * as dialogs from './dialogs.js';
import * as tabs from './tabs.js';

const SPEED_WINDOW_MS = 3000; // older speed samples fade over about this long
const MAX_REMAINING_MS = 99 * 3600 * 1000; // past this a transfer is "stalled"

let list = []; // newest first
let pickFor = '';
const prompts = new Map(); // task -> the open "Incoming file" dialog

export function reset() {
  for (const p of prompts.values()) p.close();
  prompts.clear();
  list = [];
  changed('transfers');
}

// Whose files are taken without asking: user IDs of the application signed
// in to, remembered in this browser (the desktop's "Always accept").
function alwaysKey() { return 'huddle.alwaysAccept.' + app.appID; }
function always() {
  try { return JSON.parse(localStorage.getItem(alwaysKey()) || '[]'); } catch (e) { return []; }
}
function addAlways(user) {
  const l = always();
  if (l.indexOf(user) < 0) l.push(user);
  try { localStorage.setItem(alwaysKey(), JSON.stringify(l)); } catch (e) { /* not remembered */ }
}

function find(task) { return list.find(function (t) { return t.task === task; }); }

// arriving is the file from peer of that name still coming in
// (NotifyFileData names no task).
function arriving(peer, name) {
  return list.find(function (t) { return !t.outgoing && t.state === 'sending' && t.peer === peer && t.name === name; });
}

function incoming(task, from, name, total) {
  const t = { task: task, peer: from, name: name, outgoing: false, sent: 0, total: total, state: 'sending',
    err: 0, speed: 0, lastAt: Date.now(), lastSent: 0, file: null, saved: false };
  list.unshift(t);
  return t;
}

export function send(peer, files) {
  for (const f of files) {
    const t = { task: '', peer: peer, name: f.name, outgoing: true, sent: 0, total: f.size, state: 'sending',
      err: 0, speed: 0, lastAt: Date.now(), lastSent: 0, file: null };
    list.unshift(t);
    t.task = sdk.SendFile(peer, f, 'file');
  }
  changed('transfers');
  tabs.select('transfers');
}

// pick asks for files (the browser's picker) and sends them to peer.
export function pick(peer) {
  pickFor = peer;
  $('file-picker').click();
}

// advance records progress and updates the smoothed speed.
function advance(t, done, total) {
  const now = Date.now();
  const dt = (now - t.lastAt) / 1000;
  if (dt > 0) {
    const rate = (done - t.lastSent) / dt;
    t.speed = t.speed === 0 ? rate : t.speed * (1 - Math.min(1, dt * 1000 / SPEED_WINDOW_MS)) + rate * Math.min(1, dt * 1000 / SPEED_WINDOW_MS);
    t.lastAt = now;
    t.lastSent = done;
  }
  t.sent = done;
  t.total = total;
}

function stateText(t) {
  switch (t.state) {
    case 'sending': {
      if (t.speed <= 0) return 'starting…';
      const left = (t.total - t.sent) / t.speed * 1000;
      if (left >= MAX_REMAINING_MS) return formatBytes(Math.floor(t.speed)) + '/s, stalled';
      return formatBytes(Math.floor(t.speed)) + '/s, ' + formatDuration(left) + ' left';
    }
    case 'done': return 'sent';
    case 'failed': return t.err === 606 ? 'declined' : 'failed: ' + describe(t.err);
    case 'offered': return 'offered: accept or decline';
    case 'declined': return 'declined';
    case 'cancelled': return 'cancelled';
    case 'received': return t.saved ? 'saved' : 'received';
  }
  return '';
}

function progress(t) {
  if (t.state === 'done' || t.state === 'received') return 1;
  return t.total > 0 ? t.sent / t.total : 0;
}

on('SendProgress', function (task, sent, total) {
  const t = find(task);
  if (!t || !t.outgoing || t.state !== 'sending') return;
  advance(t, sent, total);
  changed('transfers');
});
on('SendFileRlst', function (task, name, code) {
  const t = find(task);
  if (!t) return;
  if (code === 0) { t.state = 'done'; t.sent = t.total; }
  else if (t.state === 'sending') { t.state = code === 1104 ? 'cancelled' : 'failed'; t.err = code; }
  changed('transfers');
});
on('CancelSendRlst', function (task, code) {
  const t = find(task);
  if (!t) return;
  if (code === 0) t.state = 'cancelled';
  else notice('Could not cancel: ' + describe(code));
  changed('transfers');
});
on('NotifyFileOffer', function (task, from, name, size) {
  const t = incoming(task, from, name, size);
  changed('transfers');
  if (always().indexOf(from) >= 0) {
    sdk.AcceptFile(task);
    return;
  }
  t.state = 'offered';
  ask(t);
});
on('ReceiveProgress', function (task, from, name, got, total) {
  const t = find(task) || incoming(task, from, name, total);
  if (t.state !== 'sending') return;
  advance(t, got, total);
  changed('transfers');
});
on('NotifyFileData', function (from, file, name) {
  const t = arriving(from, name) || incoming('', from, name, file.size);
  Object.assign(t, { state: 'received', file: file, sent: file.size, total: file.size });
  notice(contacts.name(from) + ' sent you ' + name + '.');
  changed('transfers');
});
on('NotifyCancelSend', function (task) {
  const t = find(task);
  closePrompt(task);
  if (t && t.state === 'offered') {
    t.state = 'cancelled';
    notice(t.name + ' from ' + contacts.name(t.peer) + ' was withdrawn, or not accepted in time.');
  } else if (t && !t.outgoing && t.state === 'sending') {
    t.state = 'cancelled';
    notice(t.name + ' from ' + contacts.name(t.peer) + ' was cancelled; nothing of it was kept.');
  } else {
    notice('A file being sent to you was cancelled by its sender.');
  }
  changed('transfers');
});

// ask shows the Accept / Decline / Always accept prompt for an offer.
function ask(t) {
  const from = contacts.name(t.peer);
  const answer = function (f) {
    return function () { closePrompt(t.task); f(); changed('transfers'); };
  };
  const accept = answer(function () { t.state = 'sending'; t.lastAt = Date.now(); sdk.AcceptFile(t.task); });
  const decline = answer(function () { t.state = 'declined'; sdk.RejectFile(t.task); });
  const alwaysFrom = answer(function () { addAlways(t.peer); accept(); });
  prompts.set(t.task, dialogs.open('Incoming file', [
    el('p', null, from + ' wants to send you\n' + t.name + ' (' + formatBytes(t.total) + ').'),
    el('p', { class: 'muted' }, 'It will be kept in this page until you save it.'),
  ], [
    el('div', { class: 'buttons' }, button('Accept', 'confirm', accept, 'primary'), button('Decline', 'cancel', decline)),
    el('div', { class: 'buttons' }, button('Always accept from ' + from, '', alwaysFrom)),
  ], true, 'offer-dialog'));
}

function closePrompt(task) {
  const p = prompts.get(task);
  if (p) { p.close(); prompts.delete(task); }
}

view('transfers', function () {
  fill($('transfer-list'), list.map(function (t) {
    const p = progress(t);
    const cancel = t.state === 'sending' && t.task
      ? button('Cancel', 'cancel', function () { sdk.CancelSend(t.task, 'cancel'); }) : null;
    const save = !t.outgoing && t.state === 'received'
      ? button('Save as…', 'save', function () { sdk.SaveFile(t.file, t.name); t.saved = true; changed('transfers'); }) : null;
    return el('li', { class: 'transfer ' + t.state },
      el('div', { class: 'grow' },
        el('div', { class: 'what' }, t.name + ' (' + formatBytes(t.total) + ') ' + (t.outgoing ? 'to' : 'from') + ' ' +
          contacts.name(t.peer) + ' — ' + stateText(t)),
        el('div', { class: 'bar', role: 'progressbar', 'aria-valuenow': String(Math.round(p * 100)) },
          fillTo(p),
          el('span', null, Math.floor(p * 100) + '%'))),
      cancel, save);
  }));
});

// fillTo is the bar's filled part, sized through CSSOM: the page's
// Content-Security-Policy refuses inline style attributes.
function fillTo(p) {
  const f = el('div', { class: 'fill' });
  f.style.width = (p * 100).toFixed(1) + '%';
  return f;
}

// dropTarget makes a contact's row take files dropped on it.
export function dropTarget(node, peer) {
  node.addEventListener('dragover', function (ev) {
    if (!hasFiles(ev)) return;
    ev.preventDefault();
    node.classList.add('drop');
  });
  node.addEventListener('dragleave', function () { node.classList.remove('drop'); });
  node.addEventListener('drop', function (ev) {
    node.classList.remove('drop');
    if (!hasFiles(ev)) return;
    ev.preventDefault();
    ev.stopPropagation();
    const c = contacts.get(peer);
    if (!c || c.userStatus === 0) { notice(describe(603)); return; }
    send(peer, Array.from(ev.dataTransfer.files));
  });
}

function hasFiles(ev) {
  return ev.dataTransfer && Array.from(ev.dataTransfer.types || []).indexOf('Files') >= 0;
}

export function init() {
  const picker = $('file-picker');
  picker.addEventListener('change', function () {
    const files = Array.from(picker.files || []);
    picker.value = '';
    if (pickFor && files.length) send(pickFor, files);
  });
  // Dropped anywhere but on a contact: to the selected contact, or ask.
  // The browser would otherwise open the file in place of the client.
  const main = $('main');
  main.addEventListener('dragover', function (ev) {
    if (hasFiles(ev)) ev.preventDefault();
  });
  main.addEventListener('drop', function (ev) {
    if (!hasFiles(ev)) return;
    ev.preventDefault();
    const files = Array.from(ev.dataTransfer.files);
    if (files.length === 0) return;
    if (contacts.selected) { send(contacts.selected, files); return; }
    dialogs.pickContact('Send files to…', 'Send', 'To', 'Nobody is online to send them to.', '',
      function (peer) { send(peer, files); });
  });
}
