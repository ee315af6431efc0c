/*
 * crvideo.js: Huddle's CRVideo_* JavaScript SDK (docs/web-sdk.md).
 *
 * One plain ES2017 script, no build step. Pages written against the
 * CloudRoom meeting-management SDK (the seed, meetingMrg.md) call the same
 * global functions and assign the same callback globals:
 *
 *   CRVideo_LoginSuccess.callback = function (usrID, cookie) { ... };
 *   CRVideo_Init().then(function () { CRVideo_Login(app, md5pswd, nick, user, "", "c1"); });
 *
 * It speaks Huddle's wire protocol (docs/protocol.md) over one WebSocket to
 * the server that served it (CRVideo_SetServerAddr to choose another), the
 * same way the Go SDK (session/) does: hello with protocol 3, login, lenient
 * decoding of what the server sends, numbered pushes acknowledged with
 * `ack`, long lists fetched page by page and delivered as one result, and a
 * lossless resume when the connection drops.
 */
(function (global) {
  'use strict';

  const SDK_VERSION = 'huddle-web/0.1.0';
  const PROTOCOL_VERSION = 3; // protocol.Version
  const REPLAY_SINCE = 3; // protocol.ReplaySince: numbered pushes, login seq
  const REQUEST_TIMEOUT_MS = 15000; // protocol.RequestTimeout: 202 past it
  const ACK_DELAY_MS = 2000; // session.ackDelay: one ack covers 2 s of pushes
  const MAX_CMD = 65536; // protocol.MaxCmd: SendCmd's limit (1100 above it)
  const RECONNECT_MIN_MS = 500; // session.Config.ReconnectMin's default
  const RECONNECT_MAX_MS = 30000; // session.Config.ReconnectMax's default

  // CRVIDEOSDK_ERR_DEF, the numbers the callbacks carry.
  const ERR = Object.freeze({
    NOERR: 0, UNKNOWERR: 1, OUTOF_MEM: 2, INNER_ERR: 3, MISMATCHCLIENTVER: 4,
    MEETPARAM_ERR: 5, ERR_DATA: 6, ANCTPSWD_ERR: 7, SERVER_EXCEPTION: 8,
    LOGINSTATE_ERROR: 9, USER_BEEN_KICKOUT: 10, NOT_LOGIN: 12,
    CUSTOMAUTH_NOINFO: 14, CUSTOMAUTH_NOTSUPPORT: 15, CUSTOMAUTH_EXCEPTION: 16,
    CUSTOMAUTH_FAILED: 17, TOKEN_TIMEOUT: 18, NOSERVER_RSP: 202,
    CREATE_CONN_FAILED: 203, SOCKETEXCEPTION: 204, SOCKETTIMEOUT: 205,
    FORCEDCLOSECONNECTION: 206, CONNECTIONLOST: 207, SSL_ERR: 209,
    INVALID_CALLID: 600, ERR_CALL_EXIST: 601, ERR_BUSY: 602, ERR_OFFLINE: 603,
    ERR_NOANSWER: 604, ERR_USER_NOT_FOUND: 605, ERR_REFUSE: 606,
    MEETNOTEXIST: 800, AUTHERROR: 801, MEMBEROVERFLOWERROR: 802, SENDFAIL: 1000,
    SENDCMD_LARGE: 1100, SENDBUFFER_LARGE: 1101, SENDDATA_TARGETINVALID: 1102,
    SENDFILE_FILEINERROR: 1103, TRANSID_INVALID: 1104, RATE_LIMITED: 1200,
  });

  // ---- callback globals -------------------------------------------------

  // Every callback global exists at load, so a page may assign
  // CRVideo_X.callback in any order, before or after CRVideo_Init.
  const CALLBACKS = [
    'LoginSuccess', 'LoginFail', 'LineOff',
    'SetDNDStatusSuccess', 'SetDNDStatusFail',
    'GetUserStatusSuccess', 'GetUserStatusFail',
    'StartUserStatusNotifyRslt', 'StopUserStatusNotifyRslt', 'NotifyUserStatus',
    'CreateMeetingSuccess', 'CreateMeetingFail', 'DestroyMeetingRslt', 'MeetingStopped',
    'GetMeetingsSuccess', 'GetMeetingsFail',
    'CallSuccess', 'CallFail', 'AcceptCallSuccess', 'AcceptCallFail',
    'RejectCallSuccess', 'RejectCallFail', 'HangupCallSuccess', 'HangupCallFail',
    'NotifyCallIn', 'NotifyCallAccepted', 'NotifyCallRejected', 'NotifyCallHungup',
    'ClientInviteRslt', 'ClientCancelInviteRslt', 'NotifyInviteStatus',
    'SendCmdRlst', 'SendBufferRlst', 'SendFileRlst', 'SendProgress', 'CancelSendRlst',
    'NotifyCmdData', 'NotifyBufferData', 'NotifyFileData', 'NotifyCancelSend',
    // Huddle's additions (the Go SDK's Reconnecting/Reconnected events).
    'Reconnecting', 'Reconnected',
  ];
  // Other names pages use for the same callbacks: the later H5 SDK's
  // spellings. An alias is the same object, so assigning either works.
  const CALLBACK_ALIASES = {
    NotifyCallHangup: 'NotifyCallHungup',
    SendCmdRslt: 'SendCmdRlst', SendBufferRslt: 'SendBufferRlst',
    SendFileRslt: 'SendFileRlst', CancelSendRslt: 'CancelSendRlst',
    StopMeetingRslt: 'DestroyMeetingRslt',
  };

  for (const name of CALLBACKS) {
    const key = 'CRVideo_' + name;
    if (!global[key] || typeof global[key] !== 'object') global[key] = { callback: null };
  }
  for (const alias of Object.keys(CALLBACK_ALIASES)) {
    global['CRVideo_' + alias] = global['CRVideo_' + CALLBACK_ALIASES[alias]];
  }

  // fire calls the page's callback for name, if it assigned one. A page's
  // exception is reported and does not stop the SDK.
  function fire(name) {
    const args = Array.prototype.slice.call(arguments, 1);
    const holder = global['CRVideo_' + name];
    const cb = holder && holder.callback;
    if (typeof cb !== 'function') return;
    try {
      cb.apply(null, args);
    } catch (e) {
      console.error('CRVideo_' + name + '.callback threw:', e);
    }
  }

  // later fires a callback after the current call returns, so a function
  // that returns an ID (Call, SendCmd) returns it before its outcome.
  function later(name) {
    const args = arguments;
    Promise.resolve().then(function () { fire.apply(null, args); });
  }

  // ---- helpers ----------------------------------------------------------

  function str(v) { return typeof v === 'string' ? v : (v === undefined || v === null ? '' : String(v)); }
  function int(v) { const n = Number(v); return Number.isFinite(n) ? Math.trunc(n) : 0; }
  function obj(v) { return v && typeof v === 'object' ? v : {}; }

  // wellFormed: JSON strings must be UTF-8 on the wire; a lone surrogate
  // would arrive altered, so it is refused with 5 like the Go SDK refuses
  // invalid UTF-8.
  function wellFormed(s) {
    s = str(s);
    if (typeof s.isWellFormed === 'function') return s.isWellFormed();
    return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
  }

  // newID: 128 random bits as 32 lowercase hex digits (call and invite IDs).
  function newID() {
    const b = new Uint8Array(16);
    global.crypto.getRandomValues(b);
    return Array.from(b, function (x) { return x.toString(16).padStart(2, '0'); }).join('');
  }

  function toBytes(data) {
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return new TextEncoder().encode(str(data));
  }
  function bytesToBase64(b) {
    let s = '';
    for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000));
    return btoa(s);
  }
  function base64ToBytes(s) {
    const bin = atob(str(s));
    const b = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) b[i] = bin.charCodeAt(i);
    return b;
  }

  // meetInfo turns the wire's Meeting into CRVideo_MeetInfoObj.
  function meetInfo(m) {
    m = obj(m);
    return {
      ID: int(m.id), pswd: str(m.pswd), subject: str(m.subject), pubMeetUrl: str(m.url),
      creator: str(m.creator), memberCount: int(m.members), startTime: int(m.start),
    };
  }
  // meetRef is what call and invite send of a CRVideo_MeetInfoObj.
  function meetRef(m) {
    m = obj(m);
    const ref = { id: int(m.ID !== undefined ? m.ID : m.id) };
    const pswd = str(m.pswd);
    if (pswd) ref.pswd = pswd;
    return ref;
  }
  function userStatus(u) {
    u = obj(u);
    return { userID: str(u.user), userStatus: int(u.status), DNDType: int(u.dnd), nickName: str(u.nick) };
  }

  // closeCode maps how the WebSocket closed to what LineOff reports
  // (protocol.LineOffCode).
  function closeCode(code) {
    switch (code) {
      case 4001: return ERR.USER_BEEN_KICKOUT;
      case 4004: return ERR.SOCKETTIMEOUT;
      case 1001: case 1008: case 1009: case 4002: case 4003: case 4005:
        return ERR.FORCEDCLOSECONNECTION;
      default: return ERR.SOCKETEXCEPTION;
    }
  }
  // retryable: the drops after which signing in again may succeed
  // (session.retryable).
  function retryable(code) {
    return [202, 203, 204, 205, 206, 207, 8, 1200].indexOf(code) >= 0;
  }

  // ---- XXH3-128: the content hash of transfers (protocol.NewContentHash) --

  // A port of the reference algorithm (as github.com/zeebo/xxh3 writes it)
  // on BigInt: 64-bit arithmetic is what it needs, and BigInt keeps the
  // code checkable line by line against the Go one. web/ tests compare it
  // with the Go library for every length class.
  const XXH = (function () {
    const M = (1n << 64n) - 1n;
    const P32_1 = 2654435761n, P32_2 = 2246822519n, P32_3 = 3266489917n;
    const P64_1 = 11400714785074694791n, P64_2 = 14029467366897019727n;
    const P64_3 = 1609587929392839161n, P64_4 = 9650029242287828579n;
    const P64_5 = 2870177450012600261n;
    const SECRET = new Uint8Array([
    0xb8, 0xfe, 0x6c, 0x39, 0x23, 0xa4, 0x4b, 0xbe, 0x7c, 0x01, 0x81, 0x2c, 0xf7, 0x21, 0xad, 0x1c,
    0xde, 0xd4, 0x6d, 0xe9, 0x83, 0x90, 0x97, 0xdb, 0x72, 0x40, 0xa4, 0xa4, 0xb7, 0xb3, 0x67, 0x1f,
    0xcb, 0x79, 0xe6, 0x4e, 0xcc, 0xc0, 0xe5, 0x78, 0x82, 0x5a, 0xd0, 0x7d, 0xcc, 0xff, 0x72, 0x21,
    0xb8, 0x08, 0x46, 0x74, 0xf7, 0x43, 0x24, 0x8e, 0xe0, 0x35, 0x90, 0xe6, 0x81, 0x3a, 0x26, 0x4c,
    0x3c, 0x28, 0x52, 0xbb, 0x91, 0xc3, 0x00, 0xcb, 0x88, 0xd0, 0x65, 0x8b, 0x1b, 0x53, 0x2e, 0xa3,
    0x71, 0x64, 0x48, 0x97, 0xa2, 0x0d, 0xf9, 0x4e, 0x38, 0x19, 0xef, 0x46, 0xa9, 0xde, 0xac, 0xd8,
    0xa8, 0xfa, 0x76, 0x3f, 0xe3, 0x9c, 0x34, 0x3f, 0xf9, 0xdc, 0xbb, 0xc7, 0xc7, 0x0b, 0x4f, 0x1d,
    0x8a, 0x51, 0xe0, 0x4b, 0xcd, 0xb4, 0x59, 0x31, 0xc8, 0x9f, 0x7e, 0xc9, 0xd9, 0x78, 0x73, 0x64,
    0xea, 0xc5, 0xac, 0x83, 0x34, 0xd3, 0xeb, 0xc3, 0xc5, 0x81, 0xa0, 0xff, 0xfa, 0x13, 0x63, 0xeb,
    0x17, 0x0d, 0xdd, 0x51, 0xb7, 0xf0, 0xda, 0x49, 0xd3, 0x16, 0x55, 0x26, 0x29, 0xd4, 0x68, 0x9e,
    0x2b, 0x16, 0xbe, 0x58, 0x7d, 0x47, 0xa1, 0xfc, 0x8f, 0xf8, 0xb8, 0xd1, 0x7a, 0xd0, 0x31, 0xce,
    0x45, 0xcb, 0x3a, 0x8f, 0x95, 0x16, 0x04, 0x28, 0xaf, 0xd7, 0xfb, 0xca, 0xbb, 0x4b, 0x40, 0x7e,
    ]);
    const sv = new DataView(SECRET.buffer);
    const k64 = function (o) { return sv.getBigUint64(o, true); };
    const k32 = function (o) { return BigInt(sv.getUint32(o, true)); };

    const mulFold = function (a, b) { const p = a * b; return (p >> 64n) ^ (p & M); };
    const avalanche = function (x) {
      x ^= x >> 37n;
      x = (x * 0x165667919e3779f9n) & M;
      return x ^ (x >> 32n);
    };
    const avalanche64 = function (x) { // XXH64's
      x ^= x >> 33n;
      x = (x * P64_2) & M;
      x ^= x >> 29n;
      x = (x * P64_3) & M;
      return x ^ (x >> 32n);
    };
    const bswap64 = function (x) {
      let r = 0n;
      for (let i = 0; i < 8; i++) { r = (r << 8n) | (x & 0xffn); x >>= 8n; }
      return r;
    };
    const bswap32 = function (x) {
      return ((x & 0xffn) << 24n) | ((x & 0xff00n) << 8n) | ((x >> 8n) & 0xff00n) | ((x >> 24n) & 0xffn);
    };
    const rotl32 = function (x, r) { return ((x << BigInt(r)) | (x >> BigInt(32 - r))) & 0xffffffffn; };

    function hash(b) {
      const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      const r64 = function (o) { return dv.getBigUint64(o, true); };
      const r32 = function (o) { return BigInt(dv.getUint32(o, true)); };
      const l = b.length, L = BigInt(l);
      let lo, hi;
      // mix32B: one round of the 17-240 byte paths.
      const mix32 = function (a, c, s) {
        const a0 = r64(a), a1 = r64(a + 8), c0 = r64(c), c1 = r64(c + 8);
        lo = (lo + mulFold(a0 ^ k64(s), a1 ^ k64(s + 8))) & M;
        lo ^= (c0 + c1) & M;
        hi = (hi + mulFold(c0 ^ k64(s + 16), c1 ^ k64(s + 24))) & M;
        hi ^= (a0 + a1) & M;
      };
      const finish17to240 = function () {
        const h = (lo * P64_1 + hi * P64_4 + L * P64_2) & M;
        const low = (lo + hi) & M;
        return [(M + 1n - avalanche(h)) & M, avalanche(low)];
      };

      if (l === 0) return [0x99aa06d3014798d8n, 0x6001c324468d497fn];
      if (l <= 3) {
        const c1 = BigInt(b[0]), c2 = BigInt(b[l >> 1]), c3 = BigInt(b[l - 1]);
        const cl = (c1 << 16n) | (c2 << 24n) | c3 | (L << 8n);
        const ch = rotl32(bswap32(cl), 13);
        return [avalanche64(ch ^ (k32(8) ^ k32(12))), avalanche64(cl ^ (k32(0) ^ k32(4)))];
      }
      if (l <= 8) {
        const in64 = r32(0) + (r32(l - 4) << 32n);
        const keyed = in64 ^ (k64(16) ^ k64(24));
        const p = keyed * ((P64_1 + (L << 2n)) & M);
        hi = p >> 64n; lo = p & M;
        hi = (hi + (lo << 1n)) & M;
        lo ^= hi >> 3n;
        lo ^= lo >> 35n;
        lo = (lo * 0x9fb21c651e98df25n) & M;
        lo ^= lo >> 28n;
        return [avalanche(hi), lo];
      }
      if (l <= 16) {
        const inLo = r64(0);
        let inHi = r64(l - 8);
        const p = (inLo ^ inHi ^ (k64(32) ^ k64(40))) * P64_1;
        let mh = p >> 64n, ml = p & M;
        ml = (ml + ((L - 1n) << 54n)) & M;
        inHi ^= k64(48) ^ k64(56);
        mh = (mh + inHi + (inHi & 0xffffffffn) * (P32_2 - 1n)) & M;
        ml ^= bswap64(mh);
        const q = ml * P64_2;
        hi = ((q >> 64n) + mh * P64_2) & M;
        lo = q & M;
        return [avalanche(hi), avalanche(lo)];
      }
      if (l <= 128) {
        lo = (L * P64_1) & M; hi = 0n;
        if (l > 32) {
          if (l > 64) {
            if (l > 96) mix32(48, l - 64, 96);
            mix32(32, l - 48, 64);
          }
          mix32(16, l - 32, 32);
        }
        mix32(0, l - 16, 0);
        return finish17to240();
      }
      if (l <= 240) {
        lo = (L * P64_1) & M; hi = 0n;
        for (let i = 0; i < 4; i++) mix32(32 * i, 32 * i + 16, 32 * i);
        lo = avalanche(lo); hi = avalanche(hi);
        const rounds = Math.floor(l / 32);
        for (let i = 4; i < rounds; i++) mix32(32 * i, 32 * i + 16, 3 + 32 * (i - 4));
        mix32(l - 16, l - 32, 103);
        return finish17to240();
      }

      // Long input: 8 accumulators over 64-byte stripes, scrambled every
      // 1024-byte block.
      const acc = [P32_3, P64_1, P64_2, P64_3, P64_4, P32_2, P64_5, P32_1];
      const keys = []; // the secret's 64-bit words at every byte offset a stripe uses
      for (let o = 0; o <= 184; o++) keys.push(k64(o));
      const stripe = function (p, s) {
        for (let i = 0; i < 8; i += 2) {
          const v0 = r64(p + 8 * i), v1 = r64(p + 8 * i + 8);
          const d0 = v0 ^ keys[s + 8 * i], d1 = v1 ^ keys[s + 8 * i + 8];
          acc[i] = (acc[i] + v1 + (d0 & 0xffffffffn) * (d0 >> 32n)) & M;
          acc[i + 1] = (acc[i + 1] + v0 + (d1 & 0xffffffffn) * (d1 >> 32n)) & M;
        }
      };
      const blocks = Math.floor((l - 1) / 1024);
      for (let n = 0; n < blocks; n++) {
        for (let s = 0; s < 16; s++) stripe(n * 1024 + s * 64, s * 8);
        for (let i = 0; i < 8; i++) {
          let a = acc[i];
          a ^= a >> 47n;
          a ^= keys[128 + 8 * i];
          acc[i] = (a * P32_1) & M;
        }
      }
      const rest = Math.floor((l - 1 - blocks * 1024) / 64);
      for (let s = 0; s < rest; s++) stripe(blocks * 1024 + s * 64, s * 8);
      stripe(l - 64, 121);
      const merge = function (s, start) {
        let r = start;
        for (let i = 0; i < 4; i++) r = (r + mulFold(acc[2 * i] ^ keys[s + 16 * i], acc[2 * i + 1] ^ keys[s + 16 * i + 8])) & M;
        return avalanche(r);
      };
      return [merge(117, (~(L * P64_2)) & M), merge(11, (L * P64_1) & M)];
    }

    // sum128 gives the 16 bytes a transfer's end frame carries: the hash,
    // big endian, high half first.
    return function sum128(bytes) {
      const h = hash(bytes);
      const out = new Uint8Array(16);
      const ov = new DataView(out.buffer);
      ov.setBigUint64(0, h[0]);
      ov.setBigUint64(8, h[1]);
      return out;
    };
  })();

  // ---- the connection ---------------------------------------------------

  const state = {
    serverAddr: '', // host:port, or a ws:// / wss:// URL; '' = the page's own host
    params: { reconnect: true, reconnectFor: 0 },
    link: null, // the current Link
    phase: 'idle', // idle | connecting | online | reconnecting
    login: null, // the login payload, for signing in again
    loginCookie: '',
    user: '',
    resume: '', // this session's resume token (memory only)
    serverVersion: 0,
    pushSeq: 0, ackedSeq: 0, ackTimer: 0,
    notifying: false, notifyCookie: '',
    statusWatches: new Set(),
    retryTimer: 0,
  };

  function wsURL() {
    const addr = state.serverAddr;
    if (/^wss?:\/\//i.test(addr)) return addr.replace(/\/*$/, '') + (/\/ws$/.test(addr) ? '' : '/ws');
    if (/^https?:\/\//i.test(addr)) return addr.replace(/^http/i, 'ws').replace(/\/*$/, '') + '/ws';
    const secure = global.location && global.location.protocol === 'https:';
    const host = addr || (global.location && global.location.host) || '127.0.0.1:7090';
    return (secure ? 'wss://' : 'ws://') + host + '/ws';
  }

  // Link is one WebSocket: requests with IDs and their answers, pushes.
  function Link(onOpen, onClose) {
    this.nextID = 1;
    this.pending = new Map(); // id -> {ok, fail, timer}
    this.opened = false;
    this.closed = false;
    this.lineOffCode = 0; // from a line_off push: the reason of the close that follows
    this.onClose = onClose;
    let ws;
    try {
      ws = new WebSocket(wsURL());
    } catch (e) {
      console.error('CRVideo: cannot connect to ' + state.serverAddr + ':', e);
      Promise.resolve().then(() => this.end(ERR.CREATE_CONN_FAILED));
      return;
    }
    this.ws = ws;
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => { this.opened = true; onOpen(this); };
    ws.onmessage = (e) => this.receive(e.data);
    ws.onclose = (e) => {
      const code = this.lineOffCode || (this.opened ? closeCode(e.code) : ERR.CREATE_CONN_FAILED);
      this.end(code, e.code);
    };
    ws.onerror = function () {}; // onclose follows and says what happened
  }

  Link.prototype.sendBinary = function (buf) {
    if (this.closed || !this.ws || this.ws.readyState !== 1) return false;
    this.ws.send(buf);
    return true;
  };

  Link.prototype.send = function (msg) {
    if (this.closed || !this.ws || this.ws.readyState !== 1) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  };

  // request sends op and calls ok(payload) or fail(code) once.
  Link.prototype.request = function (op, d, ok, fail) {
    const id = this.nextID++;
    const msg = { op: op, id: id };
    if (d !== undefined) msg.d = d;
    if (!this.send(msg)) {
      Promise.resolve().then(function () { fail(ERR.NOT_LOGIN); });
      return;
    }
    const timer = setTimeout(() => {
      if (this.pending.delete(id)) fail(ERR.NOSERVER_RSP);
    }, REQUEST_TIMEOUT_MS);
    this.pending.set(id, { ok: ok, fail: fail, timer: timer });
  };

  Link.prototype.receive = function (data) {
    if (typeof data !== 'string') {
      onFrame(this, data);
      return;
    }
    for (const line of data.split('\n')) {
      if (!line.trim()) continue;
      let m;
      try {
        m = JSON.parse(line);
      } catch (e) {
        continue; // lenient: a line this SDK cannot read is skipped
      }
      if (!m || typeof m !== 'object') continue;
      if (m.re !== undefined) {
        const p = this.pending.get(m.re);
        if (!p) continue;
        this.pending.delete(m.re);
        clearTimeout(p.timer);
        const code = int(m.code);
        if (code) p.fail(code, obj(m.d), str(m.msg));
        else p.ok(obj(m.d));
      } else if (typeof m.ev === 'string') {
        onPush(this, m);
      }
    }
  };

  // end closes the link once and fails what still waits for an answer.
  Link.prototype.end = function (code, wsCode) {
    if (this.closed) return;
    this.closed = true;
    if (this.ws && this.ws.readyState <= 1) {
      try { this.ws.close(); } catch (e) { /* already closing */ }
    }
    const pending = Array.from(this.pending.values());
    this.pending.clear();
    for (const p of pending) {
      clearTimeout(p.timer);
      p.fail(code);
    }
    transfersEnded(this, code);
    if (this.onClose) this.onClose(this, code, wsCode);
  };

  // openSession connects, says hello and logs in (both at once, as the
  // protocol allows); done(reply) or fail(code) once.
  function openSession(login, done, fail) {
    let settled = false;
    const finish = function (f, v) { if (!settled) { settled = true; f(v); } };
    const link = new Link(function (l) {
      l.request('hello', { v: PROTOCOL_VERSION, client: SDK_VERSION }, function (d) {
        state.serverVersion = int(d.v);
      }, function (code) {
        finish(fail, code);
        l.end(code);
      });
      // The login's seq only goes to a server that knows it; the hello
      // answer comes first on the wire, so it is known by the time a
      // resume's login is sent (a resume only follows a successful login).
      l.request('login', login, function (d) {
        if (state.link !== l) return;
        finish(done, d);
      }, function (code) {
        finish(fail, code);
        l.end(code);
      });
    }, function (l, code) {
      finish(fail, code);
      linkClosed(l, code);
    });
    state.link = link;
  }

  function loginPayload(base) {
    const d = { app: base.app, pswd: base.pswd, nick: base.nick, user: base.user };
    if (base.auth) d.auth = base.auth;
    return d;
  }

  function startSession(base, cookie) {
    state.phase = 'connecting';
    state.login = base;
    state.loginCookie = cookie;
    state.pushSeq = 0;
    state.ackedSeq = 0;
    state.resume = '';
    openSession(loginPayload(base), function (d) {
      state.phase = 'online';
      state.user = str(d.user);
      state.resume = str(d.resume);
      fire('LoginSuccess', state.user, cookie);
    }, function (code) {
      if (state.phase !== 'connecting') return;
      state.phase = 'idle';
      state.link = null;
      fire('LoginFail', code, cookie);
    });
  }

  // linkClosed: a signed-in session's link ended. A drop that may pass is
  // retried (with the resume token) unless the page turned that off;
  // anything else is LineOff.
  function linkClosed(l, code) {
    if (state.link !== l || state.phase !== 'online') return;
    state.link = null;
    clearTimeout(state.ackTimer);
    state.ackTimer = 0;
    const renotify = state.notifying;
    state.notifying = false;
    if (state.params.reconnect && retryable(code)) {
      state.phase = 'reconnecting';
      fire('Reconnecting', code);
      reconnect(code, renotify, Date.now(), 1);
      return;
    }
    state.phase = 'idle';
    fire('LineOff', code);
  }

  function backoff(n) {
    const d = n < 32 ? Math.min(RECONNECT_MIN_MS * Math.pow(2, n - 1), RECONNECT_MAX_MS) : RECONNECT_MAX_MS;
    return d / 2 + Math.random() * (d / 2);
  }

  function reconnect(lastCode, renotify, started, attempt) {
    state.retryTimer = setTimeout(function () {
      state.retryTimer = 0;
      if (state.phase !== 'reconnecting') return;
      const login = loginPayload(state.login);
      login.resume = state.resume;
      if (state.serverVersion >= REPLAY_SINCE) login.seq = state.pushSeq;
      openSession(login, function (d) {
        if (state.phase !== 'reconnecting') return;
        const resumed = d.resumed === true;
        state.phase = 'online';
        state.user = str(d.user);
        state.resume = str(d.resume);
        if (!resumed) { state.pushSeq = 0; state.ackedSeq = 0; }
        if (renotify) {
          state.link.request('start_status_notify', undefined, function () { state.notifying = true; }, function () {});
        }
        fire('Reconnected', state.user, !resumed);
      }, function (code) {
        if (state.phase !== 'reconnecting') return;
        state.link = null;
        const pf = state.params.reconnectFor;
        if (!retryable(code) || (pf > 0 && Date.now() - started >= pf)) {
          state.phase = 'idle';
          fire('LineOff', code);
          return;
        }
        reconnect(code, renotify, started, attempt + 1);
      });
    }, backoff(attempt));
  }

  // call runs a request of the signed-in session; fail(12) when there is none.
  function call(op, d, ok, fail) {
    if (state.phase !== 'online' || !state.link) {
      Promise.resolve().then(function () { fail(ERR.NOT_LOGIN); });
      return;
    }
    state.link.request(op, d, ok, fail);
  }

  // ---- pushes -------------------------------------------------------------

  const pushHandlers = {
    user_status: function (d) {
      const u = userStatus(d);
      for (const w of state.statusWatches) w.set(u.userID, u);
      fire('NotifyUserStatus', u, state.notifyCookie);
    },
    line_off: function (d, l) {
      l.lineOffCode = int(d.code) || ERR.FORCEDCLOSECONNECTION;
    },
    error: function (d) {
      // A message without ID the server could not use: a bug in this SDK.
      console.warn('CRVideo: the server reported', int(d.code), str(d.msg));
    },
    meeting_stopped: function (d) { fire('MeetingStopped', int(d.meet)); },
    call_in: function (d) { fire('NotifyCallIn', str(d.call), meetInfo(d.meet), str(d.caller), str(d.ext)); },
    call_accepted: function (d) { fire('NotifyCallAccepted', str(d.call), meetInfo(d.meet), str(d.ext)); },
    call_rejected: function (d) { fire('NotifyCallRejected', str(d.call), int(d.code), str(d.ext)); },
    call_hungup: function (d) { fire('NotifyCallHungup', str(d.call), str(d.ext)); },
    invite_status: function (d) { fire('NotifyInviteStatus', str(d.invite), int(d.status)); },
    cmd_data: function (d, l) {
      // Acknowledge first: the sender's SendCmdRlst waits for it.
      l.send({ op: 'cmd_ack', d: { n: int(d.n) } });
      let data = '';
      try {
        data = new TextDecoder().decode(base64ToBytes(d.data));
      } catch (e) {
        return;
      }
      fire('NotifyCmdData', str(d.from), data);
    },
    xfer_offer: onXferOffer,
    xfer_ack: onXferAck,
    xfer_result: onXferResult,
    xfer_cancel: onXferCancel,
  };

  function onPush(l, m) {
    if (state.link !== l) return;
    if (typeof m.seq === 'number') {
      // Lines of one push share a number; a lower one was handled already
      // (a resume replays from the last acknowledged).
      if (m.seq < state.pushSeq) return;
      state.pushSeq = m.seq;
      if (!state.ackTimer) state.ackTimer = setTimeout(sendAck, ACK_DELAY_MS);
    }
    const h = pushHandlers[m.ev];
    if (h) h(obj(m.d), l); // pushes this SDK does not know are ignored
  }

  function sendAck() {
    state.ackTimer = 0;
    const seq = state.pushSeq;
    if (state.phase !== 'online' || !state.link || seq <= state.ackedSeq || state.serverVersion < REPLAY_SINCE) return;
    state.ackedSeq = seq;
    state.link.send({ op: 'ack', d: { seq: seq } });
  }

  // fetchPages asks for op's pages one after another and hands each to
  // page; done(0) after the last, or done(code).
  function fetchPages(op, page, done) {
    const ask = function (after) {
      call(op, after ? { after: after } : undefined, function (d) {
        const next = str(d.next);
        page(d);
        if (next && next === after) done(ERR.ERR_DATA); // a server going round in circles
        else if (next) ask(next);
        else done(ERR.NOERR);
      }, done);
    };
    ask('');
  }

  // ---- transfers (docs/protocol.md, "Transparent channel") ---------------

  const FRAME_HEADER = 13; // kind, stream, offset
  const FRAME_DATA = 1, FRAME_END = 2;
  const PROGRESS_EVERY_MS = 100; // SendProgress at most this often (and at the end)
  const xfer = {
    out: new Map(), // taskID -> sending task
    outByStream: new Map(), // stream -> sending task
    in: new Map(), // stream -> receiving task
  };

  function frame(kind, stream, offset, payload) {
    const f = new Uint8Array(FRAME_HEADER + payload.length);
    const v = new DataView(f.buffer);
    v.setUint8(0, kind);
    v.setUint32(1, stream);
    v.setBigUint64(5, BigInt(offset));
    f.set(payload, FRAME_HEADER);
    return f.buffer;
  }

  // cleanFileName keeps a received (hostile) name harmless, as
  // session.CleanFileName does: base name, no control or bidi characters,
  // none of <>:"|?*, no trailing dots or spaces, no reserved Windows name.
  function cleanFileName(name) {
    name = str(name).split(/[\\/]/).pop();
    name = name.replace(/[\u0000-\u001f\u007f<>:"|?*\u202a-\u202e\u2066-\u2069\u200e\u200f]/g, '');
    name = name.replace(/[. ]+$/, '');
    if (/^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i.test(name)) name = '_' + name;
    while (new TextEncoder().encode(name).length > 200) name = name.slice(0, -1);
    return name || 'file';
  }

  // startSend opens a transfer once the content is read; result(t, code)
  // fires the kind's result callback exactly once.
  function startSend(kind, to, name, size, content, cookie, result) {
    const t = {
      id: newID(), kind: kind, cookie: cookie, size: size, bytes: null, link: null,
      stream: 0, sent: 0, acked: 0, chunk: 0, window: 0, endSent: false,
      cancelling: false, done: false, reported: -1, lastProgress: 0, result: result,
    };
    xfer.out.set(t.id, t);
    const fail = function (code) { if (endSend(t)) result(t, code); };
    content.then(function (bytes) {
      if (t.done) return;
      t.bytes = bytes;
      if (state.phase !== 'online' || !state.link) { fail(ERR.NOT_LOGIN); return; }
      t.link = state.link;
      const d = { to: str(to), task: t.id, kind: kind, size: size };
      if (name) d.name = name;
      t.link.request('xfer_start', d, function (r) {
        const stream = int(r.stream);
        if (t.done) { // cancelled while it started: withdraw it
          t.link.request('xfer_cancel', { stream: stream }, function () {}, function () {});
          return;
        }
        t.stream = stream;
        t.chunk = int(r.chunk) || 256 << 10;
        t.window = int(r.window) || 4 << 20;
        xfer.outByStream.set(stream, t);
        pump(t);
      }, fail);
    }, function (e) {
      console.warn('CRVideo_SendFile: cannot read the file:', e);
      fail(ERR.SENDFILE_FILEINERROR);
    });
    return t.id;
  }

  // pump sends what the window allows, then the end frame with the hash.
  function pump(t) {
    while (!t.done && t.sent < t.size && t.sent - t.acked < t.window) {
      const n = Math.min(t.chunk, t.size - t.sent, t.window - (t.sent - t.acked));
      if (!t.link.sendBinary(frame(FRAME_DATA, t.stream, t.sent, t.bytes.subarray(t.sent, t.sent + n)))) return;
      t.sent += n;
    }
    if (!t.done && !t.endSent && t.sent === t.size) {
      t.endSent = true;
      t.link.sendBinary(frame(FRAME_END, t.stream, t.size, XXH(t.bytes)));
    }
  }

  function progress(t, force) {
    const now = Date.now();
    if (t.acked === t.reported || (!force && now - t.lastProgress < PROGRESS_EVERY_MS && t.acked < t.size)) return;
    t.lastProgress = now;
    t.reported = t.acked;
    fire('SendProgress', t.id, t.acked, t.size, t.cookie);
  }

  // endSend forgets a sending task; false if it had ended already.
  function endSend(t) {
    if (t.done) return false;
    t.done = true;
    t.bytes = null;
    xfer.out.delete(t.id);
    if (t.stream) xfer.outByStream.delete(t.stream);
    return true;
  }

  function onXferAck(d) {
    const t = xfer.outByStream.get(int(d.stream));
    if (!t) return;
    t.acked = Math.max(t.acked, Math.min(int(d.acked), t.size));
    progress(t, false);
    pump(t);
  }

  function onXferResult(d) {
    const t = xfer.outByStream.get(int(d.stream));
    if (!t) return;
    const code = int(d.code);
    if (code === 0) {
      t.acked = t.size;
      progress(t, true);
    }
    if (endSend(t)) t.result(t, code);
  }

  function onXferOffer(d, l) {
    const stream = int(d.stream);
    const size = int(d.size);
    let buf;
    try {
      buf = new Uint8Array(size);
    } catch (e) { // more than this browser can hold
      l.send({ op: 'xfer_done', d: { stream: stream, code: ERR.SENDFAIL } });
      return;
    }
    xfer.in.set(stream, {
      link: l, stream: stream, from: str(d.from), task: str(d.task), kind: str(d.kind),
      size: size, name: cleanFileName(d.name), buf: buf, got: 0,
    });
  }

  function onXferCancel(d) {
    const rx = xfer.in.get(int(d.stream));
    if (!rx) return;
    xfer.in.delete(rx.stream);
    fire('NotifyCancelSend', rx.task);
  }

  // onFrame stores a data frame and acknowledges it, or checks the end
  // frame's hash and delivers. Frames of an ended transfer are ignored.
  function onFrame(l, data) {
    if (!(data instanceof ArrayBuffer) || data.byteLength < FRAME_HEADER) return;
    const v = new DataView(data);
    const kind = v.getUint8(0), stream = v.getUint32(1), offset = Number(v.getBigUint64(5));
    const rx = xfer.in.get(stream);
    if (!rx || rx.link !== l) return;
    const payload = new Uint8Array(data, FRAME_HEADER);
    if (kind === FRAME_DATA) {
      if (offset !== rx.got || offset + payload.length > rx.size) return; // the server already ended it
      rx.buf.set(payload, offset);
      rx.got += payload.length;
      l.send({ op: 'xfer_ack', d: { stream: stream, acked: rx.got } });
      return;
    }
    if (kind !== FRAME_END) return;
    xfer.in.delete(stream);
    const sum = XXH(rx.buf);
    const ok = rx.got === rx.size && payload.length === 16 && sum.every(function (x, i) { return x === payload[i]; });
    l.send({ op: 'xfer_done', d: { stream: stream, code: ok ? ERR.NOERR : ERR.ERR_DATA } });
    if (!ok) return;
    if (rx.kind === 'file') {
      fire('NotifyFileData', rx.from, new File([rx.buf], rx.name), rx.name);
    } else {
      fire('NotifyBufferData', rx.from, new TextDecoder().decode(rx.buf), rx.buf.buffer);
    }
  }

  // transfersEnded settles the transfers of a link that closed: sends fail
  // with its code, receptions are cancelled.
  function transfersEnded(l, code) {
    for (const t of Array.from(xfer.out.values())) {
      if (t.link === l && endSend(t)) t.result(t, code);
    }
    for (const rx of Array.from(xfer.in.values())) {
      if (rx.link !== l) continue;
      xfer.in.delete(rx.stream);
      fire('NotifyCancelSend', rx.task);
    }
  }

  // ---- the seed's functions ---------------------------------------------

  const api = {};

  api.Init = function () { return Promise.resolve(); };
  api.Uninit = function () {
    api.Logout();
  };
  api.GetSDKVersion = function () { return SDK_VERSION; };
  api.SetServerAddr = function (addr) { state.serverAddr = str(addr).trim(); };
  // SetSDKParams takes Huddle's options: {reconnect: bool, reconnectFor: ms}.
  // Other keys (the H5 SDK's) are accepted and ignored.
  api.SetSDKParams = function (params) {
    if (typeof params === 'string') {
      try { params = JSON.parse(params); } catch (e) { params = {}; }
    }
    params = obj(params);
    if (typeof params.reconnect === 'boolean') state.params.reconnect = params.reconnect;
    if (params.reconnectFor !== undefined) state.params.reconnectFor = Math.max(0, int(params.reconnectFor));
  };

  api.Login = function (authAcnt, authPswd, nickName, privAcnt, privAuthCode, cookie) {
    if (state.phase !== 'idle') {
      later('LoginFail', ERR.LOGINSTATE_ERROR, cookie);
      return;
    }
    startSession({ app: str(authAcnt), pswd: str(authPswd), nick: str(nickName), user: str(privAcnt), auth: str(privAuthCode) }, cookie);
  };
  // LoginByToken: the H5 SDK's sign-in with a token; here the JWT user auth
  // (privAuthCode) of an application set up for it.
  api.LoginByToken = function (authAcnt, token, nickName, privAcnt, cookie) {
    api.Login(authAcnt, '', nickName, privAcnt, token, cookie);
  };

  // UpdateToken replaces the JWT (privAuthCode) that signing in again uses:
  // a reconnect after the old token expired still succeeds. The session on
  // the server needs no new token while it lasts.
  api.UpdateToken = function (token) {
    if (state.login) state.login.auth = str(token);
  };

  api.Logout = function () {
    clearTimeout(state.retryTimer);
    clearTimeout(state.ackTimer);
    state.retryTimer = 0;
    state.ackTimer = 0;
    const l = state.link;
    state.phase = 'idle';
    state.link = null;
    state.notifying = false;
    state.resume = '';
    state.statusWatches.clear();
    if (l) {
      l.send({ op: 'logout' });
      l.end(ERR.NOT_LOGIN);
    }
  };

  api.SetDNDStatus = function (DNDStatus, cookie) {
    call('set_dnd', { dnd: int(DNDStatus) },
      function () { fire('SetDNDStatusSuccess', cookie); },
      function (code) { fire('SetDNDStatusFail', code, cookie); });
  };

  // GetUserStatus delivers every user of the application in one result;
  // status pushes that arrive while it pages are laid over the pages.
  api.GetUserStatus = function (cookie) {
    const watch = new Map();
    const pages = [];
    state.statusWatches.add(watch);
    fetchPages('get_user_status', function (d) {
      for (const u of Array.isArray(d.users) ? d.users : []) pages.push(userStatus(u));
    }, function (code) {
      state.statusWatches.delete(watch);
      if (code) {
        fire('GetUserStatusFail', code, cookie);
        return;
      }
      const out = pages.map(function (u) {
        const p = watch.get(u.userID);
        if (p) watch.delete(u.userID);
        return p || u;
      });
      if (watch.size) {
        for (const u of watch.values()) out.push(u);
        out.sort(function (a, b) { return a.userID < b.userID ? -1 : a.userID > b.userID ? 1 : 0; });
      }
      fire('GetUserStatusSuccess', out, cookie);
    });
  };

  api.StartUserStatusNotify = function (cookie) {
    call('start_status_notify', undefined, function () {
      state.notifying = true;
      state.notifyCookie = cookie;
      fire('StartUserStatusNotifyRslt', ERR.NOERR, cookie);
    }, function (code) { fire('StartUserStatusNotifyRslt', code, cookie); });
  };

  api.StopUserStatusNotify = function (cookie) {
    call('stop_status_notify', undefined, function () {
      state.notifying = false;
      fire('StopUserStatusNotifyRslt', ERR.NOERR, cookie);
    }, function (code) { fire('StopUserStatusNotifyRslt', code, cookie); });
  };

  api.CreateMeeting = function (meetSubject, createPswd, cookie) {
    if (!wellFormed(meetSubject)) {
      later('CreateMeetingFail', ERR.MEETPARAM_ERR, cookie);
      return;
    }
    call('create_meeting', { subject: str(meetSubject), pswd: int(createPswd) },
      function (d) { fire('CreateMeetingSuccess', meetInfo(d), cookie); },
      function (code) { fire('CreateMeetingFail', code, cookie); });
  };
  // CreateMeeting2: the H5 SDK's form, without subject or password.
  api.CreateMeeting2 = function (cookie) { api.CreateMeeting('Meeting', 0, cookie); };

  api.DestroyMeeting = function (meetID, cookie) {
    call('destroy_meeting', { meet: int(meetID) },
      function () { fire('DestroyMeetingRslt', ERR.NOERR, cookie); },
      function (code) { fire('DestroyMeetingRslt', code, cookie); });
  };

  api.GetMeetings = function (cookie) {
    const meetings = [];
    fetchPages('get_meetings', function (d) {
      for (const m of Array.isArray(d.meetings) ? d.meetings : []) meetings.push(meetInfo(m));
    }, function (code) {
      if (code) fire('GetMeetingsFail', code, cookie);
      else fire('GetMeetingsSuccess', meetings, cookie);
    });
  };

  api.Call = function (calledUserID, meetObj, usrExtDat, cookie) {
    const id = newID();
    if (!wellFormed(usrExtDat)) {
      later('CallFail', id, ERR.MEETPARAM_ERR, cookie);
      return id;
    }
    call('call', { call: id, to: str(calledUserID), meet: meetRef(meetObj), ext: str(usrExtDat) },
      function () { fire('CallSuccess', id, cookie); },
      function (code) { fire('CallFail', id, code, cookie); });
    return id;
  };

  api.AcceptCall = function (callID, meetObj, usrExtDat, cookie) {
    if (!wellFormed(usrExtDat)) {
      later('AcceptCallFail', callID, ERR.MEETPARAM_ERR, cookie);
      return;
    }
    const d = { call: str(callID), ext: str(usrExtDat) };
    const ref = meetRef(meetObj);
    if (ref.id) d.meet = ref;
    call('accept_call', d,
      function () { fire('AcceptCallSuccess', callID, cookie); },
      function (code) { fire('AcceptCallFail', callID, code, cookie); });
  };

  api.RejectCall = function (callID, usrExtDat, cookie) {
    if (!wellFormed(usrExtDat)) {
      later('RejectCallFail', callID, ERR.MEETPARAM_ERR, cookie);
      return;
    }
    call('reject_call', { call: str(callID), ext: str(usrExtDat) },
      function () { fire('RejectCallSuccess', callID, cookie); },
      function (code) { fire('RejectCallFail', callID, code, cookie); });
  };

  api.HungupCall = function (callID, usrExtDat, cookie) {
    if (!wellFormed(usrExtDat)) {
      later('HangupCallFail', callID, ERR.MEETPARAM_ERR, cookie);
      return;
    }
    call('hangup_call', { call: str(callID), ext: str(usrExtDat) },
      function () { fire('HangupCallSuccess', callID, cookie); },
      function (code) { fire('HangupCallFail', callID, code, cookie); });
  };
  api.HangupCall = api.HungupCall; // the H5 SDK's spelling

  api.ClientInvite = function (called, meetObj, cookie) {
    const id = newID();
    call('invite', { invite: id, to: str(called), meet: meetRef(meetObj) },
      function () { fire('ClientInviteRslt', id, ERR.NOERR, cookie); },
      function (code) { fire('ClientInviteRslt', id, code, cookie); });
    return id;
  };

  api.ClientCancelInvite = function (inviteID, cookie) {
    call('cancel_invite', { invite: str(inviteID) },
      function () { fire('ClientCancelInviteRslt', inviteID, ERR.NOERR, cookie); },
      function (code) { fire('ClientCancelInviteRslt', inviteID, code, cookie); });
  };

  // SendCmd sends up to 64 KiB (a string, UTF-8 encoded, or an
  // ArrayBuffer/typed array); SendCmdRlst comes once the receiver's SDK
  // has it. cookie is Huddle's addition, as in the Go SDK.
  api.SendCmd = function (targetUserId, data, cookie) {
    const taskID = newID();
    const bytes = toBytes(data);
    if (bytes.length > MAX_CMD) {
      later('SendCmdRlst', taskID, ERR.SENDCMD_LARGE, cookie);
      return taskID;
    }
    call('send_cmd', { to: str(targetUserId), data: bytesToBase64(bytes) },
      function () { fire('SendCmdRlst', taskID, ERR.NOERR, cookie); },
      function (code) { fire('SendCmdRlst', taskID, code, cookie); });
    return taskID;
  };

  // SendBuffer sends data (a string, UTF-8 encoded, or an ArrayBuffer or
  // typed array) in chunks: SendProgress as the receiver stores it, then
  // SendBufferRlst. cookie is Huddle's addition, as in the Go SDK.
  api.SendBuffer = function (targetUserId, data, cookie) {
    const bytes = toBytes(data);
    return startSend('buffer', targetUserId, '', bytes.length, Promise.resolve(bytes), cookie, function (t, code) {
      fire('SendBufferRlst', t.id, code, cookie);
    });
  };

  // SendFile sends a File or Blob (from an <input type=file> or a drop).
  // The seed's path string cannot be read by a page: it fails with 1103.
  api.SendFile = function (targetUserId, file, cookie) {
    if (!(typeof Blob !== 'undefined' && file instanceof Blob)) {
      const taskID = newID();
      console.warn('CRVideo_SendFile needs a File or Blob; a browser page cannot read the path ' + JSON.stringify(str(file)));
      later('SendFileRlst', taskID, str(file), ERR.SENDFILE_FILEINERROR, cookie);
      return taskID;
    }
    const name = cleanFileName(file.name || 'file');
    const bytes = file.arrayBuffer().then(function (b) { return new Uint8Array(b); });
    return startSend('file', targetUserId, name, file.size, bytes, cookie, function (t, code) {
      fire('SendFileRlst', t.id, name, code, cookie);
    });
  };

  // CancelSend stops a SendBuffer or SendFile of this page: the receiver
  // gets NotifyCancelSend and keeps nothing; CancelSendRlst(taskID, 0) and
  // no other result. 1104 for an unknown or finished task.
  api.CancelSend = function (taskID, cookie) {
    const t = xfer.out.get(str(taskID));
    if (!t || t.cancelling) {
      later('CancelSendRlst', taskID, ERR.TRANSID_INVALID, cookie);
      return;
    }
    if (cookie === undefined) cookie = t.cookie;
    if (!t.stream) { // not started yet: startSend tells the server when it is
      endSend(t);
      later('CancelSendRlst', taskID, ERR.NOERR, cookie);
      return;
    }
    t.cancelling = true;
    t.link.request('xfer_cancel', { stream: t.stream }, function () {
      endSend(t);
      fire('CancelSendRlst', taskID, ERR.NOERR, cookie);
    }, function (code) {
      t.cancelling = false;
      fire('CancelSendRlst', taskID, code, cookie);
    });
  };

  // SaveFile offers a received file (NotifyFileData's tmpFile) to the user
  // as a download, under name (default: its own).
  api.SaveFile = function (file, name) {
    const url = URL.createObjectURL(file);
    const a = document.createElement('a');
    a.href = url;
    a.download = cleanFileName(name || file.name || 'file');
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
  };

  for (const name of Object.keys(api)) global['CRVideo_' + name] = api[name];
  global.CRVideo_ERR_DEF = ERR;
  // For tests: the content hash, to compare with the Go library's.
  global.CRVideo_xxh3_128 = XXH;
})(typeof window !== 'undefined' ? window : globalThis);
