// transfers.js: files sent and received, with progress, speed, time left
// and cancel (app/transfers.go, views/transfers.go). Files are sent from a
// picker or dropped on a contact (or anywhere, for the selected contact);
// a received file stays in the page until saved with CRVideo_SaveFile.

import { changed, notice, view } from './app.js';
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

export function reset() { list = []; changed('transfers'); }

function find(task) { return list.find(function (t) { return t.task === task; }); }

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
    case 'failed': return 'failed: ' + describe(t.err);
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
on('NotifyFileData', function (from, file, name) {
  list.unshift({ task: '', peer: from, name: name, outgoing: false, sent: file.size, total: file.size,
    state: 'received', err: 0, speed: 0, file: file, saved: false });
  notice(contacts.name(from) + ' sent you ' + name + '.');
  changed('transfers');
});
on('NotifyCancelSend', function () { notice('A file being sent to you was cancelled by its sender.'); });

view('transfers', function () {
  fill($('transfer-list'), list.map(function (t) {
    const p = progress(t);
    const cancel = t.outgoing && t.state === 'sending'
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
