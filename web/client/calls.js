// calls.js: the one call of this page, driven by the user and the SDK's
// call callbacks (app/calls.go, views/calls.go): a dialog while ringing
// either way, a panel above the tabs during the call, invites with their
// live status (0 ringing … 4 hung up).

import { app, changed, notice, view } from './app.js';
import { on, sdk } from './sdk.js';
import { $, el, fill, show, button } from './dom.js';
import { describe, formatDuration } from './words.js';
import * as contacts from './contacts.js';
import * as meetings from './meetings.js';
import * as calllog from './calllog.js';
import * as dialogs from './dialogs.js';
import * as ringtone from './ringtone.js';

const RING_MS = 30000; // the seed's 30 s without an answer
const COOKIE_MEET = 'call-meeting', COOKIE_MEET_END = 'call-meeting-end';

// Invite statuses (NotifyInviteStatus), -1 before the server confirmed.
const INVITE_WORDS = { '-1': 'calling…', 0: 'ringing', 1: 'connected', 2: 'rejected', 3: 'no answer', 4: 'hung up' };

export const k = {
  phase: 'idle', // preparing, ringing, incoming, active
  callID: '', peer: '', meet: null, members: [], since: 0, invites: [],
  ownMeeting: false, incoming: false, declined: false, ringingSince: 0,
};
let dlg = null, dlgPhase = 'idle', dlgText = null;

function name() { return contacts.name(k.peer); }

function start(peer) {
  if (k.phase !== 'idle') { notice(describe(601)); return false; }
  if (peer === app.user) { notice('You cannot call yourself.'); return false; }
  Object.assign(k, { peer: peer, since: Date.now(), invites: [], members: [], ownMeeting: false,
    incoming: false, declined: false });
  k.ringingSince = k.since;
  return true;
}

// call rings peer in a new meeting made for the call.
export function call(peer) {
  if (!start(peer)) return;
  k.phase = 'preparing';
  const subject = Array.from('Call: ' + contacts.name(app.user) + ' & ' + contacts.name(peer)).slice(0, 50).join('');
  sdk.CreateCallMeeting(subject, 0, COOKIE_MEET);
  changed('calls');
}

// callInto rings peer into an existing meeting.
export function callInto(peer, meet) {
  if (!start(peer)) return;
  ring(meet);
}

function ring(meet) {
  k.meet = meet;
  k.phase = 'ringing';
  k.callID = sdk.Call(k.peer, meet, '', 'call');
  changed('calls');
}

export function cancel() {
  if (k.phase === 'preparing') end('Call cancelled.');
  else if (k.phase === 'ringing') { sdk.HungupCall(k.callID, '', 'cancel'); end('Call cancelled.'); }
}

export function accept() {
  if (k.phase === 'incoming') sdk.AcceptCall(k.callID, k.meet, '', 'accept');
}

export function reject() {
  if (k.phase !== 'incoming') return;
  sdk.RejectCall(k.callID, '', 'reject');
  k.declined = true;
  end('You declined the call from ' + name() + '.');
}

export function hangUp() {
  if (k.phase !== 'active') return;
  sdk.HungupCall(k.callID, '', 'hangup');
  end('Call ended after ' + formatDuration(Date.now() - k.since) + '.');
}

export function invite(user) {
  if (k.phase !== 'active') return;
  const inv = { id: '', user: user, status: -1, err: 0, cancelled: false };
  k.invites.push(inv);
  inv.id = sdk.ClientInvite(user, k.meet, 'invite');
  changed('calls');
}

function inviteOpen(inv) { return !inv.cancelled && !inv.err && (inv.status === -1 || inv.status === 0); }

function cancelInvite(id) {
  const inv = findInvite(id);
  if (!inv || !inviteOpen(inv)) return;
  sdk.ClientCancelInvite(id, 'cancel-invite');
  inv.cancelled = true;
  changed('calls');
}

function findInvite(id) { return k.invites.find(function (i) { return i.id === id; }); }

function end(reason) {
  if (k.phase !== 'idle') calllog.add(record(reason));
  if (k.ownMeeting && k.meet && k.meet.ID) {
    sdk.DestroyMeeting(k.meet.ID, COOKIE_MEET_END);
    meetings.remove(k.meet.ID);
  }
  Object.assign(k, { phase: 'idle', callID: '', meet: null, members: [], invites: [], ownMeeting: false });
  if (reason) notice(reason);
  changed('calls');
}

// reset drops the call without telling the server (the link is gone).
export function reset(reason) {
  if (k.phase === 'idle') return;
  if (k.ownMeeting && k.meet) { meetings.remove(k.meet.ID); k.ownMeeting = false; }
  end(reason ? 'The call ended: ' + reason : '');
}

// lost: a reconnect could not resume the session, so the server ended
// the call; one still being prepared has no server side yet.
export function lost() {
  if (k.phase === 'idle' || k.phase === 'preparing') return;
  end('The call ended while the connection was down.');
}

function record(reason) {
  const r = { peer: k.peer, at: k.ringingSince, incoming: k.incoming, note: reason, duration: 0 };
  if (k.phase === 'active') { r.outcome = 'answered'; r.duration = Date.now() - k.since; }
  else if (k.phase === 'incoming') r.outcome = k.declined ? 'declined' : 'missed';
  else r.outcome = 'unanswered';
  return r;
}

on('CreateMeetingSuccess', function (meet, cookie) {
  if (cookie !== COOKIE_MEET) return;
  if (k.phase !== 'preparing') { sdk.DestroyMeeting(meet.ID, COOKIE_MEET_END); return; } // cancelled meanwhile
  k.ownMeeting = true;
  meetings.add(meet);
  ring(meet);
});
on('CreateMeetingFail', function (code, cookie) {
  if (cookie === COOKIE_MEET && k.phase === 'preparing') end('Could not start the call: ' + describe(code));
});
on('CallFail', function (id, code) {
  if (k.phase === 'ringing' && id === k.callID) end('Could not call ' + name() + ': ' + describe(code));
});
on('NotifyCallAccepted', function (id) {
  if (k.phase !== 'ringing' || id !== k.callID) return;
  Object.assign(k, { phase: 'active', since: Date.now(), members: [k.peer] });
  meetings.refresh(); // its member count changed
  changed('calls');
});
on('NotifyCallRejected', function (id, code) {
  if (k.phase !== 'ringing' || id !== k.callID) return;
  if (code === 606) end(name() + ' declined the call.');
  else if (code === 604) end(name() + ' did not answer.');
  else end('The call to ' + name() + ' failed: ' + describe(code));
});
on('NotifyCallHungup', function (id) {
  if (id !== k.callID || k.phase === 'idle') return;
  end(k.phase === 'incoming' ? 'Missed call from ' + name() + '.' : name() + ' hung up.');
});
on('NotifyCallIn', function (id, meet, caller) {
  if (k.phase !== 'idle') { sdk.RejectCall(id, '', 'busy'); return; } // the server should not ring a busy user
  Object.assign(k, { phase: 'incoming', callID: id, peer: caller, meet: meet, since: Date.now(),
    invites: [], members: [], ownMeeting: false, incoming: true, declined: false });
  k.ringingSince = k.since;
  changed('calls');
});
on('AcceptCallSuccess', function (id) {
  if (k.phase !== 'incoming' || id !== k.callID) return;
  Object.assign(k, { phase: 'active', since: Date.now(), members: [k.peer] });
  meetings.refresh();
  changed('calls');
});
on('AcceptCallFail', function (id, code) {
  if (k.phase === 'incoming' && id === k.callID) end('Could not answer: ' + describe(code));
});
on('ClientInviteRslt', function (id, code) {
  const inv = findInvite(id);
  if (!inv) return;
  if (code) inv.err = code;
  else if (inv.status === -1) inv.status = 0;
  changed('calls');
});
on('ClientCancelInviteRslt', function (id, code) {
  const inv = findInvite(id);
  if (!inv || !code) return;
  inv.cancelled = false;
  notice('Could not cancel the invite: ' + describe(code));
  changed('calls');
});
on('NotifyInviteStatus', function (id, status) {
  const inv = findInvite(id);
  if (!inv) return;
  inv.status = status;
  if (status === 1) k.members.push(inv.user);
  if (status === 4) k.members = k.members.filter(function (m) { return m !== inv.user; });
  changed('calls');
});
on('MeetingStopped', function (meetID) {
  if (k.phase !== 'idle' && k.meet && meetID === k.meet.ID) {
    k.ownMeeting = false;
    end('The meeting of this call was ended by its creator.');
  }
});

function inviteWords(inv) {
  if (inv.err) return 'failed: ' + describe(inv.err);
  if (inv.cancelled) return 'cancelled';
  return INVITE_WORDS[inv.status] || 'unknown';
}

function openDialog(title, buttons) {
  dlgText = el('p', { class: 'call-text' });
  dlg = dialogs.open('Call', [el('b', { class: 'call-title' }, title), dlgText],
    buttons, true, 'call-dialog');
}

view('calls', function () {
  if (k.phase !== dlgPhase) {
    if (dlg) { dlg.close(); dlg = null; }
    dlgPhase = k.phase;
    if (k.phase === 'preparing' || k.phase === 'ringing') {
      openDialog('Calling ' + name(), [button('Cancel', 'cancel', cancel)]);
    } else if (k.phase === 'incoming') {
      openDialog(name() + ' is calling', [button('Reject', 'cancel', reject, 'danger-button'),
        button('Accept', 'confirm', accept, 'primary')]);
    }
    ringtone.ring(k.phase === 'incoming' ? 'incoming' : k.phase === 'ringing' ? 'outgoing' : '');
    document.title = k.phase === 'incoming' ? name() + ' is calling — Huddle' : 'Huddle';
  }
  tick();
  const active = k.phase === 'active';
  show($('call-panel'), active);
  if (!active) return;
  $('call-who').textContent = 'In a call with ' + k.members.map(contacts.name).join(', ');
  fill($('call-invites'), k.invites.map(function (inv) {
    return el('div', { class: 'invite', 'data-user': inv.user },
      el('span', null, 'Invited ' + contacts.name(inv.user) + ': ' + inviteWords(inv)),
      inviteOpen(inv) ? button('Cancel invite', '', function () { cancelInvite(inv.id); }) : null);
  }));
});

// tick updates the clocks: ringing time, time left to answer, call length.
function tick() {
  const elapsed = Date.now() - k.since;
  if (dlgText && (k.phase === 'preparing' || k.phase === 'ringing')) {
    dlgText.textContent = 'Ringing… ' + formatDuration(elapsed);
  } else if (dlgText && k.phase === 'incoming') {
    const subject = k.meet && k.meet.subject ? 'Meeting: ' + k.meet.subject + '\n' : '';
    dlgText.textContent = subject + 'Answer within ' + formatDuration(Math.max(0, RING_MS - elapsed)) + '.';
  }
  if (k.phase === 'active') $('call-clock').textContent = formatDuration(elapsed);
}

export function init() {
  $('call-hangup').addEventListener('click', hangUp);
  $('call-invite').addEventListener('click', function () {
    dialogs.pickContact('Invite into the call', 'Invite', 'Who', 'Nobody else is online.', k.peer, invite);
  });
  setInterval(tick, 1000);
  // Leaving the page ends the call here and now, rather than when the
  // server notices the connection is gone.
  window.addEventListener('pagehide', function () {
    if (k.phase === 'ringing' || k.phase === 'active') sdk.HungupCall(k.callID, '', 'leave');
    if (k.phase === 'incoming') sdk.RejectCall(k.callID, '', 'leave');
    if (k.ownMeeting && k.meet) sdk.DestroyMeeting(k.meet.ID, COOKIE_MEET_END);
  });
}
