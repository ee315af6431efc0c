// meetings.js: the organisation's meetings: create, copy the link, call
// someone in, end (app/meetings.go, views/meetings.go).

import { app, changed, notice, view } from './app.js';
import { on, sdk } from './sdk.js';
import { $, el, fill, show, button } from './dom.js';
import { describe, dayTime } from './words.js';
import * as contacts from './contacts.js';
import * as calls from './calls.js';
import * as dialogs from './dialogs.js';
import * as room from './room.js';

const COOKIE_LIST = 'meetings', COOKIE_CREATE = 'create-meeting', DESTROY = 'destroy-meeting:';

let list = []; // newest first

export function reset() { list = []; changed('meetings'); }
export function refresh() { if (app.signedIn) sdk.GetMeetings(COOKIE_LIST); }

export function add(meet) {
  list.unshift(meet);
  changed('meetings');
}

export function remove(id) {
  list = list.filter(function (m) { return m.ID !== id; });
  changed('meetings');
}

on('GetMeetingsSuccess', function (meetings) {
  list = meetings.slice().sort(function (a, b) { return b.startTime - a.startTime; });
  changed('meetings');
});
on('GetMeetingsFail', function (code) { notice('Could not load meetings: ' + describe(code)); });
on('CreateMeetingSuccess', function (meet, cookie) { if (cookie === COOKIE_CREATE) add(meet); });
on('CreateMeetingFail', function (code, cookie) {
  if (cookie !== COOKIE_CREATE) return;
  if (code === 1200) { // the server's MeetingsPerCreator
    notice('Could not create the meeting: you have as many meetings as one person may have. End one you no longer need first.');
    return;
  }
  notice('Could not create the meeting: ' + describe(code));
});
on('DestroyMeetingRslt', function (code, cookie) {
  if (typeof cookie !== 'string' || !cookie.startsWith(DESTROY)) return;
  if (code !== 0 && code !== 800) { notice('Could not end the meeting: ' + describe(code)); return; }
  remove(Number(cookie.slice(DESTROY.length)));
});
on('MeetingStopped', function (id) { remove(id); });

function line(m) {
  let s = m.subject + ' · #' + m.ID + ' · by ' + contacts.name(m.creator) + ' · ' + m.memberCount + ' in it';
  if (m.pswd) s += ' · password ' + m.pswd;
  if (m.startTime > 0) s += ' · since ' + dayTime(new Date(m.startTime * 1000));
  return s;
}

function copyLink(m) {
  const done = function () { notice('Copied the link of “' + m.subject + '”.'); };
  // The Clipboard API needs a secure context (https or localhost); on
  // plain http elsewhere the link is shown to copy by hand.
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(m.pubMeetUrl).then(done, function () { showLink(m); });
  } else {
    showLink(m);
  }
}

function showLink(m) {
  const field = el('input', { value: m.pubMeetUrl, readOnly: true, class: 'link-field' });
  const dlg = dialogs.open('Link of “' + m.subject + '”', field, [button('OK', '', function () { dlg.close(); }, 'primary')]);
  field.select();
}

function end(m) {
  dialogs.confirm('End meeting', 'End “' + m.subject + '” for everyone in it?', 'Yes', function () {
    sdk.DestroyMeeting(m.ID, DESTROY + m.ID);
  });
}

function pickCallee(m) {
  dialogs.pickContact('Call someone into “' + m.subject + '” (#' + m.ID + ')', 'Call', 'Who', 'Nobody else is online.', '',
    function (id) { calls.callInto(id, m); });
}

view('meetings', function () {
  show($('meetings-empty'), list.length === 0);
  fill($('meeting-list'), list.map(function (m) {
    return el('li', { class: 'meeting', 'data-meeting': String(m.ID) },
      el('span', { class: 'grow' }, line(m)),
      joinButton(m),
      button('Link', 'copy', function () { copyLink(m); }),
      button('Call in…', 'play', function () { pickCallee(m); }),
      m.creator === app.user ? button('End', 'delete', function () { end(m); }) : null);
  }));
});

// joinButton: Join, or where the page stands with that meeting.
function joinButton(m) {
  if (room.inMeeting(m.ID)) { const b = button('Joined', '', null); b.disabled = true; return b; }
  if (room.joiningID() === m.ID) { const b = button('Joining…', '', null); b.disabled = true; return b; }
  return button('Join', 'login', function () { room.join(m); });
}

// redraw: the room changed (Join buttons follow it).
export function redraw() { changed('meetings'); }

function create() {
  const subject = el('input', { id: 'meeting-subject', placeholder: 'What is it about?', maxLength: 50 });
  const pswd = el('input', { type: 'checkbox', id: 'meeting-pswd' });
  const error = el('p', { class: 'danger' });
  const submit = function () {
    const s = subject.value.trim();
    const n = Array.from(s).length;
    if (n < 1 || n > 50) { error.textContent = '1 to 50 characters'; subject.focus(); return; }
    dlg.close();
    sdk.CreateMeeting(s, pswd.checked ? 1 : 0, COOKIE_CREATE);
  };
  subject.addEventListener('keydown', function (ev) { if (ev.key === 'Enter') submit(); });
  const dlg = dialogs.open('New meeting', [
    el('div', { class: 'form' }, el('label', { htmlFor: 'meeting-subject' }, 'Subject'), subject,
      el('span'), el('label', { class: 'check' }, pswd, ' Protect with a password')),
    error,
  ], [button('Cancel', 'cancel', function () { dlg.close(); }), button('Create', 'confirm', submit, 'primary')]);
  subject.focus();
}

export function init() {
  $('new-meeting').addEventListener('click', create);
  $('refresh-meetings').addEventListener('click', refresh);
}
