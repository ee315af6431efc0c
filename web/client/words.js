// words.js: what the desktop app says (app/errtext.go, app/contacts.go,
// app/calls.go, app/transfers.go), in the same words, so both clients read
// alike.

// Error codes are never shown bare: each says what it means to a person.
const errText = {
  1: 'Something went wrong on the server.',
  2: 'The server ran out of memory.',
  3: 'The server hit an internal error.',
  4: 'This version of Huddle and the server cannot talk to each other; update whichever is older.',
  5: 'Some of the details given are not valid.',
  6: 'The server sent something Huddle could not understand.',
  7: 'The application ID or secret is wrong.',
  8: 'The server had a problem; try again in a moment.',
  9: 'You are already signed in, or still signing in.',
  10: 'You signed in somewhere else, so you were signed out here.',
  12: 'You are not signed in.',
  14: 'This organisation requires an auth code to sign in.',
  15: 'This organisation does not use auth codes; leave the auth code empty.',
  16: 'The auth code could not be checked right now.',
  17: 'The auth code was not accepted.',
  18: 'The auth code has expired; get a new one.',
  202: 'The server did not answer in time.',
  203: 'Could not reach the server; check the address and your network.',
  204: 'The network connection dropped.',
  205: 'The network connection timed out.',
  206: 'The server closed the connection.',
  207: 'The connection to the server was lost.',
  209: "The server's security certificate could not be verified.",
  600: 'That call no longer exists.',
  601: 'You are already in a call.',
  602: 'They are busy or do not want to be disturbed.',
  603: 'They are offline.',
  604: 'Nobody answered.',
  605: 'There is no such user.',
  606: 'They declined the call.',
  800: 'That meeting does not exist or has ended.',
  801: 'You are not allowed to do that in this meeting (wrong password or not its creator).',
  802: 'The meeting is full.',
  1000: 'Not delivered: the receiver cancelled it, went offline or could not store it.',
  1100: 'The message is too long (64 KiB at most).',
  1101: 'The data is too large to send.',
  1102: 'They are offline or do not exist, so nothing was sent.',
  1103: 'The file cannot be read or is too large to send.',
  1104: 'That transfer has already finished or cannot be cancelled.',
  1200: 'Too many requests; wait a moment and try again.',
};

// describe turns an SDK error code into a sentence.
export function describe(code) {
  if (code === 0) return 'Done.';
  return errText[code] || 'Unexpected error (' + code + ').';
}

// Presence, as protocol.Status* numbers it.
export const OFFLINE = 0, IDLE = 1, BUSY = 2, IN_MEETING = 3;

export function statusWord(status) {
  switch (status) {
    case IDLE: return 'idle';
    case BUSY: return 'busy';
    case IN_MEETING: return 'in meeting';
    default: return 'offline';
  }
}

// statusClass names the colour of a presence dot (style.css).
export function statusClass(status) {
  return 'dot s' + (status >= IDLE && status <= IN_MEETING ? status : 0);
}

// formatDuration shows milliseconds as m:ss (or h:mm:ss).
export function formatDuration(ms) {
  const t = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(t / 3600), m = Math.floor(t / 60) % 60, s = t % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? h + ':' + String(m).padStart(2, '0') + ':' + ss : m + ':' + ss;
}

// formatBytes: 1023 B, 1.0 KiB, 3.0 MiB …
export function formatBytes(n) {
  if (n < 1024) return n + ' B';
  let div = 1024, exp = 0;
  for (let m = Math.floor(n / 1024); m >= 1024; m = Math.floor(m / 1024)) { div *= 1024; exp++; }
  return (n / div).toFixed(1) + ' ' + 'KMGTPE'[exp] + 'iB';
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const two = function (n) { return String(n).padStart(2, '0'); };

// clock is 15:04; dayTime is "Jan 2 15:04"; longDayTime "Mon 2 Jan 15:04".
export function clock(d) { return two(d.getHours()) + ':' + two(d.getMinutes()); }
export function dayTime(d) { return MONTHS[d.getMonth()] + ' ' + d.getDate() + ' ' + clock(d); }
export function longDayTime(d) { return DAYS[d.getDay()] + ' ' + d.getDate() + ' ' + MONTHS[d.getMonth()] + ' ' + clock(d); }
