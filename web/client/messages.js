// messages.js: a short conversation per contact over SendCmd
// (app/messages.go, views/messages.go).

import { changed, view } from './app.js';
import { on, sdk } from './sdk.js';
import { $, el, fill } from './dom.js';
import { clock, describe, formatBytes } from './words.js';
import * as contacts from './contacts.js';

// What is kept per contact (app.MaxStoredMessagesPerContact) and the
// largest message (SendCmd's 64 KiB).
const MAX_PER_CONTACT = 200;
const MAX_MESSAGE = 65536;

let byPeer = new Map(); // peer -> [{mine, text, at, task, err}]
let unreadBy = new Map();
let peer = '';

export function reset() { byPeer = new Map(); unreadBy = new Map(); peer = ''; }

export function unread(id) { return unreadBy.get(id) || 0; }

// dump is what history keeps: the conversations (at most maxChars of
// text, the oldest lines left out first) and the unread counts.
export function dump(maxChars) {
  const all = [];
  for (const [p, conv] of byPeer) for (const m of conv) all.push([p, m]);
  all.sort(function (a, b) { return b[1].at - a[1].at; }); // newest first
  const out = {};
  let chars = 0;
  for (const [p, m] of all) {
    chars += m.text.length + 64; // the line's fields too
    if (chars > maxChars) break;
    (out[p] = out[p] || []).unshift({ mine: m.mine, text: m.text, at: m.at.getTime(), err: m.err });
  }
  const unread = {};
  for (const [p, n] of unreadBy) unread[p] = n;
  return { messages: out, unread: unread };
}

// restore takes back what dump gave (read at sign-in).
export function restore(saved, unread) {
  byPeer = new Map();
  for (const p of Object.keys(saved || {})) {
    if (!Array.isArray(saved[p])) continue;
    byPeer.set(p, saved[p].slice(-MAX_PER_CONTACT).map(function (m) {
      return { mine: !!m.mine, text: String(m.text), at: new Date(Number(m.at) || 0), task: '', err: Number(m.err) || 0 };
    }));
  }
  unreadBy = new Map();
  for (const p of Object.keys(unread || {})) if (Number(unread[p]) > 0) unreadBy.set(p, Number(unread[p]));
  changed('messages');
  changed('contacts');
}

function add(id, msg) {
  const conv = byPeer.get(id) || [];
  conv.push(msg);
  if (conv.length > MAX_PER_CONTACT) conv.splice(0, conv.length - MAX_PER_CONTACT);
  byPeer.set(id, conv);
}

export function open(id) {
  peer = id;
  if (unreadBy.delete(id)) changed('contacts');
  $('msg-input').disabled = false;
  $('msg-send').disabled = false;
  title();
  changed('messages');
}

export function title() {
  if (peer) $('conv-title').textContent = 'Conversation with ' + contacts.name(peer);
}

export function send(text) {
  if (!peer || !text) return;
  const msg = { mine: true, text: text, at: new Date(), task: '', err: 0 };
  if (new TextEncoder().encode(text).length > MAX_MESSAGE) msg.err = 1100;
  else msg.task = sdk.SendCmd(peer, text, 'message');
  add(peer, msg);
  changed('messages');
}

on('SendCmdRlst', function (task, code) {
  if (code === 0) return;
  for (const conv of byPeer.values()) {
    for (const m of conv) {
      if (m.mine && m.task === task && !m.err) { m.err = code; changed('messages'); return; }
    }
  }
});

const strictUTF8 = new TextDecoder('utf-8', { fatal: true });

// A command that is not UTF-8 text (another app's binary SendCmd) is
// said to be one, not shown as replacement characters.
function textOf(data, bytes) {
  if (!(bytes instanceof ArrayBuffer)) return String(data);
  try {
    return strictUTF8.decode(bytes);
  } catch (e) {
    return '(a command that is not text, ' + formatBytes(bytes.byteLength) + ')';
  }
}

on('NotifyCmdData', function (from, data, bytes) {
  const text = textOf(data, bytes);
  add(from, { mine: false, text: text, at: new Date(), task: '', err: 0 });
  if (peer !== from || document.hidden) unreadBy.set(from, unread(from) + 1);
  changed('messages');
  changed('contacts');
});

// Coming back to the page reads the open conversation.
document.addEventListener('visibilitychange', function () {
  if (!document.hidden && peer && unreadBy.delete(peer)) changed('contacts');
});

view('messages', function () {
  const list = $('conv');
  const who = contacts.name(peer);
  fill(list, (byPeer.get(peer) || []).map(function (m) {
    return el('li', { class: m.mine ? 'mine' : 'theirs' },
      el('span', { class: 'time' }, clock(m.at)), ' ',
      el('b', null, (m.mine ? 'You' : who) + ':'), ' ', m.text,
      m.err ? el('div', { class: 'danger' }, '(not delivered: ' + describe(m.err) + ')') : null);
  }));
  list.scrollTop = list.scrollHeight;
});

export function init() {
  $('msg-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    const input = $('msg-input');
    send(input.value);
    input.value = '';
  });
}
