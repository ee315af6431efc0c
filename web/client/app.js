// app.js: what every part of the client shares: who is signed in, the
// redraw of changed parts (coalesced to one per frame, as the desktop
// app coalesces presence storms), and the status bar's notices.

export const app = {
  user: '', // the signed-in user's ID
  appID: '', // the application signed in to
  signedIn: false,
  reconnecting: false,
  tab: 'contacts',
};

const views = {};
const dirty = new Set();
let scheduled = false;

// Parts redrawn at most this often, however many changes come: presence
// of a whole organisation can change at once (a server restart), and the
// desktop app redraws its contacts at most every 100 ms (refreshEvery).
const THROTTLED = { contacts: 100 };
const throttled = {}; // part -> its pending timer

// view registers how a part is drawn.
export function view(part, draw) { views[part] = draw; }

const watchers = [];

// watch calls fn with every part that changes (history saves on it).
export function watch(fn) { watchers.push(fn); }

// changed marks a part for redrawing soon.
export function changed(part) {
  for (const w of watchers) w(part);
  if (THROTTLED[part]) {
    if (!throttled[part]) {
      throttled[part] = setTimeout(function () {
        throttled[part] = 0;
        if (views[part]) views[part]();
      }, THROTTLED[part]);
    }
    return;
  }
  dirty.add(part);
  if (scheduled) return;
  scheduled = true;
  // A timer, not requestAnimationFrame: a tab in the background gets no
  // frames, and an incoming call must still update the title and ring.
  setTimeout(function () {
    scheduled = false;
    const parts = Array.from(dirty);
    dirty.clear();
    for (const p of parts) if (views[p]) views[p]();
  }, 0);
}

let noticeAt = 0;
// notice shows a sentence in the status bar for a while (flashFor).
export function notice(text) {
  noticeAt = Date.now();
  const n = document.getElementById('note');
  n.textContent = text;
  n.title = text;
  setTimeout(function () {
    if (Date.now() - noticeAt >= 8000) { n.textContent = ''; n.title = ''; }
  }, 8000);
}
