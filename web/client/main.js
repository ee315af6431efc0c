// main.js: the web client's entry: sign in, the status bar and the
// connection banner (views/signin.go, views/statusbar.go,
// app/client.go), and the start of every other part.

import { app, changed, notice, view } from './app.js';
import { on, sdk } from './sdk.js';
import { $, show } from './dom.js';
import { describe, statusWord, statusClass } from './words.js';
import { md5hex } from './md5.js';
import * as ringtone from './ringtone.js';
import * as contacts from './contacts.js';
import * as messages from './messages.js';
import * as calls from './calls.js';
import * as calllog from './calllog.js';
import * as meetings from './meetings.js';
import * as transfers from './transfers.js';
import * as tabs from './tabs.js';
import * as history from './history.js';
import * as room from './room.js';

// The sign-in details are remembered in this browser, the secret only as
// its MD5 (what the protocol sends anyway), like the desktop's settings.
const SAVED = 'huddle.signin';
const DEFAULTS = { app: 'demo', secretMD5: md5hex('demo'), nick: '', user: '', auth: '' };

function saved() {
  try {
    return Object.assign({}, DEFAULTS, JSON.parse(localStorage.getItem(SAVED) || '{}'));
  } catch (e) {
    return Object.assign({}, DEFAULTS);
  }
}

let pending = null; // the details of the sign-in under way
let dndWanted = 0;

function showSignIn(reason) {
  const s = saved();
  $('f-server').textContent = location.host;
  $('f-app').value = s.app;
  $('f-secret').value = '';
  $('f-secret').placeholder = s.secretMD5 ? 'Saved (type to change)' : '';
  $('f-nick').value = s.nick;
  $('f-user').value = s.user;
  $('f-auth').value = s.auth;
  $('f-use-auth').checked = s.auth !== '';
  show($('f-auth'), s.auth !== '');
  $('signin-message').textContent = reason || '';
  $('signin-button').disabled = false;
  show($('main'), false);
  show($('signin'), true);
  document.title = 'Huddle';
}

function submit(ev) {
  ev.preventDefault();
  const s = saved();
  const d = {
    app: $('f-app').value.trim(),
    secretMD5: $('f-secret').value ? md5hex($('f-secret').value) : s.secretMD5,
    nick: $('f-nick').value.trim(),
    user: $('f-user').value.trim(),
    auth: $('f-use-auth').checked ? $('f-auth').value.trim() : '',
  };
  const msg = $('signin-message');
  if (!d.app) { msg.textContent = 'Enter the application ID.'; return; }
  if (!d.nick) { msg.textContent = 'Enter a nickname so others know who you are.'; return; }
  msg.textContent = 'Signing in…';
  $('signin-button').disabled = true;
  ringtone.unlock(); // inside the click: the ringtone may play later
  pending = d;
  sdk.Login(d.app, d.secretMD5, d.nick, d.user, d.auth, 'signin');
}

function resetAll() {
  calls.reset('');
  room.reset();
  contacts.reset();
  messages.reset();
  meetings.reset();
  transfers.reset();
  calllog.reset();
}

function signedOut(reason) {
  history.close();
  app.signedIn = false;
  app.reconnecting = false;
  banner('');
  resetAll();
  showSignIn(reason);
}

function banner(text) {
  $('banner-text').textContent = text;
  show($('banner'), text !== '');
}

on('LoginSuccess', function (usrID) {
  const d = pending || saved();
  pending = null;
  d.user = usrID;
  try { localStorage.setItem(SAVED, JSON.stringify(d)); } catch (e) { /* private mode: not remembered */ }
  resetAll();
  app.user = usrID;
  app.appID = d.app;
  history.open(d.app, usrID);
  app.signedIn = true;
  show($('signin'), false);
  show($('main'), true);
  tabs.select('contacts');
  contacts.load(true);
  meetings.refresh();
  changed('self');
});
on('LoginFail', function (code) {
  pending = null;
  showSignIn(describe(code));
});
on('Reconnecting', function () {
  // The call and meetings are kept: the server holds them for a grace
  // period, so a short drop ends nothing.
  app.signedIn = false;
  app.reconnecting = true;
  banner('Connection lost — reconnecting…');
  changed('self');
});
on('Reconnected', function (usrID, stateLost) {
  // Presence changes while the link was down were not sent: the list is
  // read again. When the state was lost the server ended the call.
  app.signedIn = true;
  app.reconnecting = false;
  app.user = usrID;
  if (stateLost) calls.lost();
  contacts.load(false);
  if (stateLost) meetings.refresh();
  banner('');
  changed('self');
});
on('LineOff', function (code) {
  let reason = describe(code);
  if (app.reconnecting) reason = 'Could not reconnect: ' + reason; // the SDK gave up
  calls.reset(describe(code));
  signedOut(reason);
});
on('SetDNDStatusSuccess', function (cookie) {
  if (cookie !== 'dnd') return;
  const me = contacts.self();
  me.DNDType = dndWanted;
  changed('self');
  changed('contacts');
});
on('SetDNDStatusFail', function (code, cookie) {
  if (cookie !== 'dnd') return;
  notice('Could not change do-not-disturb: ' + describe(code));
  changed('self');
});

view('self', function () {
  const me = contacts.self();
  const own = app.reconnecting ? 'reconnecting…' : !app.signedIn ? 'offline' : statusWord(me.userStatus);
  $('self-dot').className = statusClass(app.signedIn ? me.userStatus : 0);
  $('self').textContent = contacts.name(app.user) + ' (' + app.user + ') · ' + own;
  $('dnd').checked = me.DNDType !== 0;
  $('dnd').disabled = !app.signedIn; // DND cannot change while the link is down
});

function init() {
  $('signin-form').addEventListener('submit', submit);
  $('f-use-auth').addEventListener('change', function () { show($('f-auth'), $('f-use-auth').checked); });
  $('dnd').addEventListener('change', function () {
    dndWanted = $('dnd').checked ? 1 : 0;
    sdk.SetDNDStatus(dndWanted, 'dnd');
  });
  $('sign-out').addEventListener('click', function () {
    sdk.Logout();
    signedOut('');
  });
  $('give-up').addEventListener('click', function () {
    if (!app.reconnecting) return;
    sdk.Logout();
    signedOut('Signed out: the server could not be reached.');
  });
  tabs.init();
  contacts.init();
  messages.init();
  calls.init();
  meetings.init();
  room.init();
  transfers.init();
  showSignIn('');
}

CRVideo_Init().then(init);
