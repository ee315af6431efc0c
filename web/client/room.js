// room.js: being in a meeting (views/room.go, app/room.go): Join from the
// Meetings tab (the password asked when the meeting has one), a panel
// above the tabs with who is in it and their microphones, Mute/Unmute for
// one's own, Mute for others when one created the meeting, and Leave
// (in a call, Hang up leaves). The SDK keeps the members; this part
// reads them again after every room event. The sound is the SDK's (its
// voice follows the meeting and the microphone's state); this part shows
// who is speaking (MicEnergyUpdate) and picks the microphone and speaker
// (Audio…), remembered in this browser.

import { app, changed, notice, view } from './app.js';
import { on, sdk } from './sdk.js';
import { $, el, fill, show, button, icon } from './dom.js';
import { describe } from './words.js';
import * as contacts from './contacts.js';
import * as meetings from './meetings.js';
import * as calls from './calls.js';
import * as dialogs from './dialogs.js';

const COOKIE_JOIN = 'join';
// CRVideo_ASTATUS: the microphone's state.
const ANULL = 1, ACLOSE = 2, AOPEN = 3, AOPENING = 4;

let meet = null; // the meeting the page is in, once the server said so
let joining = null; // the meeting asked to join
let joined = null; // the last meeting joined from the Meetings tab
let members = [];
let shown = ''; // what was last drawn, to redraw only on a change
// Speaking: a member whose level (the SDK's 0..10, 6 dB a step) reaches
// SPEAKING_LEVEL (about -36 dBFS, the desktop's SpeakingLevel) shows as
// speaking, and stays so SPEAKING_HOLD_MS so it does not flicker between
// words (app/speaking.go).
const SPEAKING_LEVEL = 4;
const SPEAKING_HOLD_MS = 500;
const loudAt = new Map(); // user -> when their level last reached SPEAKING_LEVEL
let speakingTimer = 0;
const AUDIO_SAVED = 'huddle.audio'; // {micName, speakerName}: the devices chosen in Audio…

export function reset() { meet = null; joining = null; joined = null; members = []; shown = ''; loudAt.clear(); changed('room'); }

function speaking(user) {
  const at = loudAt.get(user);
  return at !== undefined && performance.now() - at < SPEAKING_HOLD_MS;
}

// heard notes a member's level; the panel is redrawn when someone starts
// or stops speaking (the hold's end is a timer's).
function heard(user, level) {
  const was = speaking(user);
  if (level >= SPEAKING_LEVEL) loudAt.set(user, performance.now());
  if (speaking(user) !== was) changed('room');
  if (!speakingTimer && loudAt.size) speakingTimer = setInterval(expire, 100);
}

function expire() {
  let any = false;
  for (const [user, at] of loudAt) {
    if (performance.now() - at >= SPEAKING_HOLD_MS) { loudAt.delete(user); any = true; }
  }
  if (any) changed('room');
  if (!loudAt.size) { clearInterval(speakingTimer); speakingTimer = 0; }
}

function savedAudio() {
  try { return Object.assign({ micName: '', speakerName: '' }, JSON.parse(localStorage.getItem(AUDIO_SAVED) || '{}')); } catch (e) { return { micName: '', speakerName: '' }; }
}

// pickAudio asks for the microphone and speaker; the choice applies at
// once (a running call switches) and is remembered.
function pickAudio() {
  const cur = savedAudio();
  const select = function (id, names, chosen) {
    const s = el('select', { id: id }, el('option', { value: '' }, 'System default'),
      names.map(function (n) { return el('option', { value: n, selected: n === chosen }, n); }));
    if (chosen && names.indexOf(chosen) < 0) s.appendChild(el('option', { value: chosen, selected: true }, chosen + ' (not connected)'));
    return s;
  };
  const mic = select('audio-mic', sdk.GetAudioMicNames(), cur.micName);
  const spk = select('audio-speaker', sdk.GetAudioSpkNames(), cur.speakerName);
  const dlg = dialogs.open('Audio', el('div', { class: 'form' },
    el('label', { htmlFor: 'audio-mic' }, 'Microphone'), mic,
    el('label', { htmlFor: 'audio-speaker' }, 'Speaker'), spk), [
    button('Cancel', 'cancel', function () { dlg.close(); }),
    button('OK', 'confirm', function () {
      dlg.close();
      const cfg = { micName: mic.value, speakerName: spk.value };
      try { localStorage.setItem(AUDIO_SAVED, JSON.stringify(cfg)); } catch (e) { /* private mode: not remembered */ }
      sdk.SetAudioCfg(cfg);
    }, 'primary'),
  ]);
}

function micWord(audio) {
  switch (audio) {
    case ANULL: return 'no microphone';
    case ACLOSE: return 'muted';
    case AOPEN: return 'microphone on';
    case AOPENING: return 'unmuting…';
  }
  return 'microphone unknown';
}

function me() { return members.find(function (m) { return m.userID === app.user; }); }
function micOn() { const m = me(); return !!m && (m.audioStatus === AOPEN || m.audioStatus === AOPENING); }

// sync reads the SDK's members; the meeting is the one joined, or the
// call's while the call lasts.
function sync() {
  if (!app.signedIn) return;
  members = sdk.GetAllMembers();
  if (members.length === 0) meet = null;
  else if (!meet) meet = calls.k.meet || joined;
  const now = JSON.stringify([meet && meet.ID, members, calls.k.phase]);
  if (now !== shown) { shown = now; changed('room'); }
}

export function join(m, pswd) {
  if (meet && meet.ID === m.ID) return;
  if (calls.k.phase !== 'idle') { notice('Hang up before joining another meeting.'); return; }
  if (meet) sdk.ExitMeeting(); // one meeting at a time
  joining = m;
  sdk.EnterMeeting(m.ID, pswd || '', COOKIE_JOIN);
  changed('room');
}

function leave() {
  if (calls.k.phase === 'active') { calls.hangUp(); return; }
  sdk.ExitMeeting();
  meet = joined = null;
  sync();
}

function askPassword(m) {
  const pswd = el('input', { type: 'password', id: 'meeting-password' });
  const go = function () { dlg.close(); join(m, pswd.value); };
  pswd.addEventListener('keydown', function (ev) { if (ev.key === 'Enter') go(); });
  const dlg = dialogs.open('Password for “' + m.subject + '” (#' + m.ID + ')',
    el('div', { class: 'form' }, el('label', { htmlFor: 'meeting-password' }, 'Password'), pswd),
    [button('Cancel', 'cancel', function () { dlg.close(); }), button('Join', 'confirm', go, 'primary')]);
  pswd.focus();
}

on('EnterMeetingRslt', function (code, cookie) {
  if (cookie !== COOKIE_JOIN) return;
  const m = joining;
  joining = null;
  if (code === 0) {
    meet = joined = m;
    meetings.refresh(); // its member count changed
  } else if (code === 801 && m) {
    askPassword(m);
  } else if (code === 802) {
    notice('Could not join: the meeting is full.');
  } else if (code === 800) {
    notice('Could not join: the meeting has ended.');
    if (m) meetings.remove(m.ID);
  } else {
    notice('Could not join the meeting: ' + describe(code));
  }
  sync();
});
on('OpenMicFailed', function (code) { notice('Could not unmute: ' + describe(code)); });
on('CloseMicFailed', function (code) { notice('Could not mute: ' + describe(code)); });
on('MeetingStopped', function (id) {
  if (meet && id === meet.ID && calls.k.phase === 'idle') notice('The meeting “' + meet.subject + '” was ended by its creator.');
  if (meet && id === meet.ID) meet = joined = null;
  sync();
});
for (const name of ['UserEnterMeeting', 'UserLeftMeeting', 'AudioStatusChanged', 'MeetingDropped',
  'NotifyCallAccepted', 'AcceptCallSuccess', 'NotifyCallHungup', 'HangupCallSuccess']) {
  on(name, function () { setTimeout(sync, 0); }); // after the SDK and the call have taken it in
}

export function joiningID() { return joining ? joining.ID : 0; }
export function inMeeting(id) { return !!meet && meet.ID === id; }

view('room', function () {
  meetings.redraw();
  const inRoom = !!meet && members.length > 0;
  show($('room-panel'), inRoom);
  if (!inRoom) return;
  $('room-title').textContent = 'Meeting “' + meet.subject + '” · ' + members.length + ' in it';
  const mic = $('room-mic');
  fill(mic, icon(micOn() ? 'volume-off' : 'volume-up'), el('span', null, micOn() ? 'Mute' : 'Unmute'));
  mic.title = micOn() ? 'Mute' : 'Unmute';
  show($('room-leave'), calls.k.phase === 'idle');
  const creator = meet.creator === app.user;
  fill($('room-members'), members.map(function (m) {
    let name = contacts.name(m.userID);
    if (name === m.userID && m.nickname) name = m.nickname; // not a contact loaded yet
    if (m.userID === app.user) name += ' (you)';
    const canMute = m.userID !== app.user && creator && m.audioStatus === AOPEN;
    const talking = speaking(m.userID);
    return el('div', { class: 'member' + (talking ? ' speaking' : ''), 'data-user': m.userID, 'data-speaking': talking ? 'yes' : 'no' },
      el('span', { class: 'talk', title: talking ? 'speaking' : '' }), el('span', null, name + ': ' + micWord(m.audioStatus)),
      canMute ? button('Mute', '', function () { sdk.CloseMic(m.userID); }) : null);
  }));
});

export function init() {
  // Entering by a call (accepting, or the callee accepting) and leaving
  // with its end come as pushes the SDK takes without a callback: the
  // members are read again every second too, as the call's clock ticks.
  setInterval(sync, 1000);
  $('room-mic').addEventListener('click', function () {
    if (micOn()) sdk.CloseMic('');
    else sdk.OpenMic('');
  });
  $('room-leave').addEventListener('click', leave);
  $('room-audio').addEventListener('click', pickAudio);
  on('MicEnergyUpdate', heard);
  sdk.SetAudioCfg(savedAudio()); // the devices chosen last time, by name
}
