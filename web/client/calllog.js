// calllog.js: past calls, newest first, each with a way to call back;
// missed calls count on the Calls tab until it is looked at
// (app/calllog.go, views/calllog.go).

import { app, changed, view } from './app.js';
import { $, el, fill, show, button, icon } from './dom.js';
import { formatDuration, longDayTime } from './words.js';
import * as contacts from './contacts.js';
import * as calls from './calls.js';

const MAX_CALLS = 500; // app.MaxStoredCalls

let records = []; // oldest first: {peer, at, incoming, outcome, duration, note, seen}

export function reset() { records = []; changed('calllog'); }

// dump and restore: what history keeps of the log.
export function dump() { return records; }
export function restore(saved) {
  records = (Array.isArray(saved) ? saved : []).slice(-MAX_CALLS).map(function (r) {
    return { peer: String(r.peer), at: Number(r.at) || 0, incoming: !!r.incoming, outcome: String(r.outcome),
      duration: Number(r.duration) || 0, note: String(r.note || ''), seen: !!r.seen };
  });
  changed('calllog');
  changed('contacts');
}

export function add(r) {
  r.seen = r.outcome !== 'missed';
  records.push(r);
  if (records.length > MAX_CALLS) records.splice(0, records.length - MAX_CALLS);
  changed('calllog');
  changed('contacts');
  seeIfShown();
}

export function unseenFrom(peer) {
  return records.filter(function (r) { return !r.seen && (!peer || r.peer === peer); }).length;
}

// seeIfShown marks missed calls seen when the log is on screen.
export function seeIfShown() {
  if (app.tab !== 'calls' || document.hidden || unseenFrom('') === 0) return;
  for (const r of records) r.seen = true;
  changed('calllog');
  changed('contacts');
}
document.addEventListener('visibilitychange', seeIfShown);

function title(r, name) {
  if (r.outcome === 'missed') return 'Missed call from ' + name;
  if (r.outcome === 'declined') return 'Declined call from ' + name;
  if (r.incoming) return 'Call from ' + name;
  if (r.outcome === 'unanswered') return 'Unanswered call to ' + name;
  return 'Call to ' + name;
}

view('calllog', function () {
  const n = unseenFrom('');
  $('calls-tab-text').textContent = n > 0 ? 'Calls (' + n + ')' : 'Calls';
  show($('calls-empty'), records.length === 0);
  fill($('call-log'), records.slice().reverse().map(function (r) {
    let d = longDayTime(new Date(r.at));
    if (r.outcome === 'answered') d += ' · ' + formatDuration(r.duration);
    else if (r.outcome === 'unanswered' && r.note) d += ' · ' + r.note;
    const mark = r.outcome === 'missed' ? 'error' : r.outcome === 'answered' ? 'confirm' : 'cancel';
    return el('li', { class: 'call-record ' + r.outcome },
      el('span', { class: 'mark' }, icon(mark)),
      el('div', { class: 'grow' }, el('b', null, title(r, contacts.name(r.peer))), el('div', { class: 'detail' }, d)),
      button('Call back', 'play', function () { calls.call(r.peer); }));
  }));
});
