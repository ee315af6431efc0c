// contacts.js: everyone in the organisation with live presence, searchable
// (app/contacts.go, views/contacts.go): online first, then by name.

import { app, changed, notice, view } from './app.js';
import { on, sdk } from './sdk.js';
import { $, el, fill, button } from './dom.js';
import { OFFLINE, IDLE, statusWord, statusClass, describe } from './words.js';
import * as messages from './messages.js';
import * as calllog from './calllog.js';
import * as calls from './calls.js';
import * as transfers from './transfers.js';

let byID = new Map(); // userID -> {userID, userStatus, DNDType, nickName}, self included
let query = '';
export let selected = '';

export function reset() { byID = new Map(); selected = ''; changed('contacts'); changed('self'); }

// name is how a user is called on screen: the nickname, or the ID.
export function name(id) {
  const u = byID.get(id);
  return u && u.nickName ? u.nickName : id;
}

export function get(id) { return byID.get(id); }

export function self() {
  return byID.get(app.user) || { userID: app.user, userStatus: IDLE, DNDType: 0, nickName: '' };
}

// online lists the contacts one may call, invite or send to, but except.
export function online(except) {
  return shown(true).filter(function (u) { return u.userStatus !== OFFLINE && u.userID !== except; });
}

function shown(all) {
  const q = all ? '' : query;
  const out = [];
  for (const u of byID.values()) {
    if (u.userID === app.user) continue;
    if (q && u.nickName.toLowerCase().indexOf(q) < 0 && u.userID.toLowerCase().indexOf(q) < 0) continue;
    out.push(u);
  }
  out.sort(function (a, b) {
    const ao = a.userStatus !== OFFLINE, bo = b.userStatus !== OFFLINE;
    if (ao !== bo) return ao ? -1 : 1;
    const an = (a.nickName || a.userID).toLowerCase(), bn = (b.nickName || b.userID).toLowerCase();
    if (an !== bn) return an < bn ? -1 : 1;
    return a.userID < b.userID ? -1 : a.userID > b.userID ? 1 : 0;
  });
  return out;
}

export function select(id) {
  selected = id;
  messages.open(id);
  changed('contacts');
}

on('GetUserStatusSuccess', function (users) {
  byID = new Map();
  for (const u of users) byID.set(u.userID, u);
  changed('contacts');
  changed('self');
});
on('GetUserStatusFail', function (code) { notice('Could not load contacts: ' + describe(code)); });
on('NotifyUserStatus', function (u) {
  const old = byID.get(u.userID);
  if (old && !u.nickName) u.nickName = old.nickName; // a change without a nickname keeps the known one
  byID.set(u.userID, u);
  changed('contacts');
  if (u.userID === app.user) changed('self');
});
on('StartUserStatusNotifyRslt', function (code) {
  if (code !== 0) notice('Live presence is unavailable: ' + describe(code));
});

function detail(u) {
  let d = statusWord(u.userStatus);
  if (u.DNDType) d += ' · do not disturb';
  const n = messages.unread(u.userID);
  if (n > 0) d += ' · ' + n + ' new';
  const m = calllog.unseenFrom(u.userID);
  if (m === 1) d += ' · 1 missed call';
  else if (m > 1) d += ' · ' + m + ' missed calls';
  return d;
}

function row(u) {
  const id = u.userID;
  const off = u.userStatus === OFFLINE;
  const send = button('', 'upload', function (ev) { ev.stopPropagation(); transfers.pick(id); }, 'icon-button');
  send.title = 'Send a file';
  send.disabled = off;
  const call = button('Call', 'play', function (ev) { ev.stopPropagation(); calls.call(id); });
  call.disabled = off;
  const li = el('li', { class: 'contact' + (id === selected ? ' selected' : ''), 'data-user': id, tabIndex: 0,
    onclick: function () { select(id); },
    onkeydown: function (ev) { if (ev.key === 'Enter') select(id); } },
  el('span', { class: statusClass(u.userStatus) }),
  el('b', { class: 'name' }, (u.nickName || id) + '  (' + id + ')'),
  el('span', { class: 'detail' }, detail(u)), send, call);
  transfers.dropTarget(li, id);
  return li;
}

// At most this many rows are drawn: a list of thousands is searched, not
// scrolled, and drawing them all on every presence change would be slow.
const MAX_ROWS = 500;

view('contacts', function () {
  const list = shown(false);
  $('contact-count').textContent = String(list.length);
  const rows = list.slice(0, MAX_ROWS).map(row);
  if (list.length > MAX_ROWS) {
    rows.push(el('li', { class: 'more' }, (list.length - MAX_ROWS) + ' more: search to find them.'));
  }
  fill($('contact-list'), rows);
  if (selected) messages.title();
});

export function init() {
  $('search').addEventListener('input', function () {
    query = $('search').value.trim().toLowerCase();
    changed('contacts');
  });
}

// load asks for the list and live changes (at sign-in, after a reconnect).
export function load(notify) {
  if (notify) sdk.StartUserStatusNotify('presence');
  sdk.GetUserStatus('contacts');
}
