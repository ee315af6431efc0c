// ringtone.js: the sounds of a ringing call, synthesised with WebAudio (no
// audio files to ship): a two-tone ring for an incoming call, a ringback
// tone while calling out.

let ctx = null;

// unlock makes the audio context inside a user gesture (the sign-in
// click): browsers keep a context made without one silent.
export function unlock() {
  const AC = window.AudioContext || window.webkitAudioContext;
  if (!AC) return;
  if (!ctx) ctx = new AC();
  if (ctx.state === 'suspended') ctx.resume().catch(function () {});
}

let timer = 0;
let playing = '';

// The patterns: [frequencies, on seconds] bursts, repeated every period.
const PATTERNS = {
  incoming: { period: 2000, bursts: [[[440, 480], 0, 0.4], [[440, 480], 0.6, 0.4]] },
  outgoing: { period: 4000, bursts: [[[440, 480], 0, 1.5]] },
};

function burst(freqs, at, dur) {
  const gain = ctx.createGain();
  gain.gain.setValueAtTime(0, at);
  gain.gain.linearRampToValueAtTime(0.08, at + 0.02);
  gain.gain.setValueAtTime(0.08, at + dur - 0.03);
  gain.gain.linearRampToValueAtTime(0, at + dur);
  gain.connect(ctx.destination);
  for (const f of freqs) {
    const osc = ctx.createOscillator();
    osc.frequency.value = f;
    osc.connect(gain);
    osc.start(at);
    osc.stop(at + dur);
  }
}

// ring plays kind ('incoming' or 'outgoing') until stop; '' stops.
export function ring(kind) {
  if (kind === playing) return;
  stop();
  if (!kind || !ctx) return;
  playing = kind;
  const p = PATTERNS[kind];
  const once = function () {
    const t = ctx.currentTime + 0.05;
    for (const b of p.bursts) burst(b[0], t + b[1], b[2]);
  };
  once();
  timer = setInterval(once, p.period);
}

export function stop() {
  clearInterval(timer);
  timer = 0;
  playing = '';
}
