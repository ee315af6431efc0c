// sdk.js: the client talks to Huddle only through /sdk/crvideo.js, the
// same CRVideo_* globals any page uses. Each callback global has one slot;
// on lets several parts of the client listen to the same one.

const listeners = {};

export function on(name, fn) {
  const holder = window['CRVideo_' + name];
  if (!holder) throw new Error('crvideo.js has no CRVideo_' + name);
  if (!listeners[name]) {
    listeners[name] = [];
    holder.callback = function () {
      for (const f of listeners[name]) f.apply(null, arguments);
    };
  }
  listeners[name].push(fn);
}

// has says whether the SDK this server ships offers a global (newer SDKs
// add functions; the client uses them where they exist).
export function has(name) { return typeof window['CRVideo_' + name] !== 'undefined'; }

export const sdk = new Proxy({}, {
  get: function (_, name) {
    const f = window['CRVideo_' + String(name)];
    if (typeof f !== 'function') throw new Error('crvideo.js has no CRVideo_' + String(name));
    return f;
  },
});
