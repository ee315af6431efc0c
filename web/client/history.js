// history.js: each account's conversations, unread counts and call log,
// kept in this browser's localStorage as the desktop keeps them in a file
// (app/history.go), so a reload or the next visit finds them. Writes are
// coalesced; what is kept is bounded (the models bound their lines and
// calls, and the whole is held under MAX_CHARS, oldest lines going first).

import { watch } from './app.js';
import * as messages from './messages.js';
import * as calllog from './calllog.js';

const SAVE_AFTER_MS = 500; // app.saveHistoryAfter
// localStorage holds about 5 MB per site (in UTF-16 characters on some
// browsers): one account keeps well under it.
const MAX_CHARS = 1 << 20;

let key = ''; // the account's entry; '' while signed out
let timer = 0;

watch(function (part) {
  if (!key || (part !== 'messages' && part !== 'calllog')) return;
  clearTimeout(timer);
  timer = setTimeout(save, SAVE_AFTER_MS);
});

// open reads the history of the account just signed in.
export function open(appID, user) {
  key = 'huddle.history.' + JSON.stringify([location.host, appID, user]);
  let data = null;
  try {
    data = JSON.parse(localStorage.getItem(key) || 'null');
  } catch (e) {
    data = null; // unreadable: start afresh rather than fail the sign-in
  }
  if (!data || typeof data !== 'object') return;
  messages.restore(data.messages, data.unread);
  calllog.restore(data.calls);
}

// close writes what is pending, then forgets the account (sign-out).
export function close() {
  if (timer) { clearTimeout(timer); save(); }
  key = '';
}

function save() {
  timer = 0;
  if (!key) return;
  const m = messages.dump(MAX_CHARS);
  const data = JSON.stringify({ messages: m.messages, unread: m.unread, calls: calllog.dump() });
  try {
    localStorage.setItem(key, data);
  } catch (e) {
    console.warn('Huddle: this browser would not keep the conversations:', e.name);
  }
}

// A page being closed writes what is pending.
window.addEventListener('pagehide', function () { if (timer) { clearTimeout(timer); save(); } });
