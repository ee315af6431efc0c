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
 *
 * The server serves this file with the vendored hash-wasm build in front
 * of it, in one function scope (web/embed.go): the content hash of
 * transfers is `hashwasm` below. A page in a meeting carries its audio
 * (voice, after rooms); the H5 SDK's video, media and queue functions are
 * stubs (at the end); docs/web-sdk.md lists every global.
 */
(function (global) {
  'use strict';

  const SDK_VERSION = 'huddle-web/0.2.0';
  const PROTOCOL_VERSION = 3; // protocol.Version
  const REPLAY_SINCE = 3; // protocol.ReplaySince: numbered pushes, login seq
  const PAGES_SINCE = 3; // protocol.PagesSince: paged lists, create_meeting's for_call
  const REQUEST_TIMEOUT_MS = 15000; // protocol.RequestTimeout: 202 past it
  const ACK_DELAY_MS = 2000; // session.ackDelay: one ack covers 2 s of pushes
  const MAX_CMD = 65536; // protocol.MaxCmd: SendCmd's limit (1100 above it)
  const RECONNECT_MIN_MS = 500; // session.Config.ReconnectMin's default
  const RECONNECT_MAX_MS = 30000; // session.Config.ReconnectMax's default
  const OFFER_TIMEOUT_MS = 60000; // session.DefaultOfferTimeout: a file offer unanswered is declined (604)

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
    NOT_IN_MEETING: 1201, MEDIA_MODE_CHANGED: 1202, MEDIA_CONNECTION_GONE: 1203, // Huddle's own (voice)
    QUE_SERVICE_NOT_START: 403, // CloudRoom's; Huddle's answer to the H5 SDK's queue functions
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
    // Huddle's additions, as in the Go SDK: reconnection, file offers and
    // the progress of a file on its way in.
    'Reconnecting', 'Reconnected', 'NotifyFileOffer', 'ReceiveProgress',
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

  function hasCallback(name) {
    const holder = global['CRVideo_' + name];
    return !!holder && typeof holder.callback === 'function';
  }

  // later fires a callback after the current call returns, so a function
  // that returns an ID (Call, SendCmd) returns it before its outcome.
  function later(name) {
    const args = arguments;
    Promise.resolve().then(function () { fire.apply(null, args); });
  }

  // ---- helpers ----------------------------------------------------------

  // monotonic: milliseconds for measuring intervals; unlike Date.now() it
  // never jumps when the system clock is set.
  function monotonic() { return global.performance.now(); }

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
    const mi = {
      ID: int(m.id), pswd: str(m.pswd), subject: str(m.subject), pubMeetUrl: str(m.url),
      creator: str(m.creator), memberCount: int(m.members), startTime: int(m.start),
    };
    rememberPswd(mi); // rooms: for CRVideo_EnterMeeting3
    return mi;
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

  // ---- the content hash of transfers (protocol.NewContentHash) ----------

  // XXH3-128 comes from hash-wasm (web/sdk/vendor/hash-wasm, MIT), which the
  // server serves in front of this file as `hashwasm` (web/embed.go): a
  // well-kept WebAssembly build, about 15 times faster than JavaScript.
  const wasm = typeof hashwasm !== 'undefined' ? hashwasm : null;

  // ContentHash hashes a transfer's bytes in order as they pass; digest()
  // gives the 16 bytes an end frame carries (big endian, high half first,
  // as the Go library's Bytes()). Creating a hasher is asynchronous, so the
  // updates queue on a promise; each runs as soon as the hasher exists.
  // A hasher that cannot be made (WebAssembly forbidden by the page's
  // Content-Security-Policy) rejects ready: the transfer stops at once.
  function ContentHash() {
    this.ready = wasm ? wasm.createXXHash128().then(function (h) { h.init(); return h; })
      : Promise.reject(new Error('hash-wasm is not loaded'));
    this.ready.catch(function (e) {
      console.error('CRVideo: no content hash, transfers cannot run (a Content-Security-Policy needs \'wasm-unsafe-eval\'):', e);
    });
    this.chain = this.ready;
  }
  ContentHash.prototype.update = function (bytes) {
    this.chain = this.chain.then(function (h) { h.update(bytes); return h; });
    this.chain.catch(function () {}); // reported once, above
  };
  ContentHash.prototype.digest = function () {
    return this.chain.then(function (h) { return h.digest('binary'); });
  };

  // ---- the connection ---------------------------------------------------

  const state = {
    serverAddr: '', // host:port, or a ws:// / wss:// URL; '' = the page's own host
    params: { reconnect: true, reconnectFor: 0, offerTimeout: OFFER_TIMEOUT_MS },
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
      reconnect(code, renotify, monotonic(), 1);
      return;
    }
    state.phase = 'idle';
    roomDropped();
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
        if (!resumed) { state.pushSeq = 0; state.ackedSeq = 0; roomDropped(); } else voiceRestart();
        if (renotify) {
          state.link.request('start_status_notify', undefined, function () { state.notifying = true; }, function () {});
        }
        fire('Reconnected', state.user, !resumed);
      }, function (code) {
        if (state.phase !== 'reconnecting') return;
        state.link = null;
        const pf = state.params.reconnectFor;
        if (!retryable(code) || (pf > 0 && monotonic() - started >= pf)) {
          state.phase = 'idle';
          roomDropped();
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
      let bytes;
      try {
        bytes = base64ToBytes(d.data);
      } catch (e) {
        return;
      }
      fire('NotifyCmdData', str(d.from), new TextDecoder().decode(bytes), bytes.buffer);
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
  const PROGRESS_EVERY_MS = 100; // SendProgress/ReceiveProgress at most this often (and at the end)
  const READ_SLICE = 1 << 20; // a sent File is read this much at a time (Blob.slice)
  const BLOB_PART = 8 << 20; // a received file is gathered in Blobs of about this size
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

  // ---- sending -----------------------------------------------------------

  // A source is what a sending task reads: the page's bytes (SendBuffer) or
  // a Blob read a slice at a time (SendFile), so a file of gigabytes never
  // sits in memory whole.
  function bytesSource(bytes) {
    return { size: bytes.length, read: function (at, n) { return Promise.resolve(bytes.subarray(at, at + n)); } };
  }
  function blobSource(blob) {
    return {
      size: blob.size,
      read: function (at, n) {
        return blob.slice(at, at + n).arrayBuffer().then(function (b) { return new Uint8Array(b); });
      },
    };
  }

  // startSend opens a transfer after the function returned its task ID;
  // result(t, code) fires the kind's result callback exactly once.
  function startSend(kind, to, name, source, cookie, result) {
    const t = {
      id: newID(), kind: kind, cookie: cookie, size: source.size, source: source, link: null,
      stream: 0, sent: 0, acked: 0, chunk: 0, window: 0, reading: false, endSent: false,
      cancelling: false, done: false, reported: -1, lastProgress: 0, result: result, hash: null,
    };
    xfer.out.set(t.id, t);
    Promise.resolve().then(function () {
      if (t.done) return; // cancelled at once
      if (state.phase !== 'online' || !state.link) {
        if (endSend(t)) result(t, ERR.NOT_LOGIN);
        return;
      }
      t.link = state.link;
      t.hash = new ContentHash();
      t.hash.ready.catch(function () { abortSend(t, ERR.INNER_ERR); });
      const d = { to: str(to), task: t.id, kind: kind, size: t.size };
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
      }, function (code) { if (endSend(t)) result(t, code); });
    });
    return t.id;
  }

  // pump reads what the window allows (one slice at a time), sends it in
  // chunks and hashes it; after the last byte it sends the end frame.
  function pump(t) {
    if (t.done || t.reading || !t.stream || t.endSent) return;
    if (t.sent === t.size) {
      t.endSent = true;
      t.hash.digest().then(function (sum) {
        if (!t.done) t.link.sendBinary(frame(FRAME_END, t.stream, t.size, sum));
      }, function () { abortSend(t, ERR.INNER_ERR); });
      return;
    }
    const room = t.window - (t.sent - t.acked);
    if (room <= 0) return;
    const at = t.sent;
    const n = Math.min(READ_SLICE, t.size - at, room);
    t.reading = true;
    t.source.read(at, n).then(function (bytes) {
      t.reading = false;
      if (t.done) return;
      if (bytes.length !== n) throw new Error('the file changed while it was sent');
      t.hash.update(bytes);
      for (let o = 0; o < n; o += t.chunk) {
        // false: the link closed, and transfersEnded settles the task
        if (!t.link.sendBinary(frame(FRAME_DATA, t.stream, at + o, bytes.subarray(o, Math.min(o + t.chunk, n))))) return;
      }
      t.sent = at + n;
      pump(t);
    }).catch(function (e) {
      t.reading = false;
      if (t.done) return;
      console.warn('CRVideo_SendFile: cannot read the file:', e);
      abortSend(t, ERR.SENDFILE_FILEINERROR);
    });
  }

  // abortSend ends a started transfer this side cannot go on with: the
  // receiver is told (xfer_cancel) and the page gets code.
  function abortSend(t, code) {
    const l = t.link, stream = t.stream;
    if (!endSend(t)) return;
    // Not numbered yet: the answer to xfer_start withdraws it.
    if (stream) l.request('xfer_cancel', { stream: stream }, function () {}, function () {});
    t.result(t, code);
  }

  function progress(t, force) {
    const now = monotonic();
    if (t.acked === t.reported || (!force && now - t.lastProgress < PROGRESS_EVERY_MS && t.acked < t.size)) return;
    t.lastProgress = now;
    t.reported = t.acked;
    fire('SendProgress', t.id, t.acked, t.size, t.cookie);
  }

  // endSend forgets a sending task; false if it had ended already.
  function endSend(t) {
    if (t.done) return false;
    t.done = true;
    t.source = null;
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

  // ---- receiving ---------------------------------------------------------

  // A received buffer (at most the server's 100 MiB) is stored in one
  // array; a file is gathered as Blob parts, which the browser may keep on
  // disk, and handed over as a File. Both are hashed as they arrive.
  function onXferOffer(d, l) {
    const rx = {
      link: l, stream: int(d.stream), from: str(d.from), task: str(d.task), kind: str(d.kind) === 'file' ? 'file' : 'buffer',
      size: int(d.size), name: cleanFileName(d.name), got: 0, hash: new ContentHash(),
      buf: null, parts: [], partBytes: 0, blobs: [],
      waiting: false, timer: 0, endSum: null, shown: -1, lastProgress: 0,
    };
    if (rx.kind === 'buffer') {
      try {
        rx.buf = new Uint8Array(rx.size);
      } catch (e) { // more than this browser can hold
        l.send({ op: 'xfer_done', d: { stream: rx.stream, code: ERR.SENDFAIL } });
        return;
      }
    }
    xfer.in.set(rx.stream, rx);
    rx.hash.ready.catch(function () { declineIn(rx, ERR.SENDFAIL, true); }); // nothing can be verified
    if (rx.kind === 'file' && hasCallback('NotifyFileOffer')) {
      // The page asks its user: data is held, not acknowledged, so at most
      // one window arrives before the answer.
      rx.waiting = true;
      rx.timer = setTimeout(function () { declineIn(rx, ERR.ERR_NOANSWER, true); }, state.params.offerTimeout);
      fire('NotifyFileOffer', rx.task, rx.from, rx.name, rx.size);
      return;
    }
    receiveProgress(rx, true);
  }

  // receiveProgress: ReceiveProgress of a file, at its start, at most
  // every 100 ms and when all bytes are in.
  function receiveProgress(rx, force) {
    const now = monotonic();
    if (rx.kind !== 'file' || rx.got === rx.shown) return;
    if (!force && now - rx.lastProgress < PROGRESS_EVERY_MS && rx.got < rx.size) return;
    rx.lastProgress = now;
    rx.shown = rx.got;
    fire('ReceiveProgress', rx.task, rx.from, rx.name, rx.got, rx.size);
  }

  // dropIn forgets a reception; false if it had ended already.
  function dropIn(rx) {
    if (xfer.in.get(rx.stream) !== rx) return false;
    xfer.in.delete(rx.stream);
    clearTimeout(rx.timer);
    rx.waiting = false;
    rx.buf = null;
    rx.parts = [];
    rx.blobs = [];
    return true;
  }

  // declineIn ends a reception with code for the sender (606 declined,
  // 604 not answered, 1000 cancelled by the page); notify tells the page
  // too (its prompt must go).
  function declineIn(rx, code, notify) {
    if (!dropIn(rx)) return false;
    rx.link.send({ op: 'xfer_done', d: { stream: rx.stream, code: code } });
    if (notify) fire('NotifyCancelSend', rx.task);
    return true;
  }

  function receivingTask(taskID) {
    for (const rx of xfer.in.values()) if (rx.task === taskID) return rx;
    return null;
  }

  function onXferCancel(d) {
    const rx = xfer.in.get(int(d.stream));
    if (rx && dropIn(rx)) fire('NotifyCancelSend', rx.task);
  }

  // onFrame stores a data frame and acknowledges it (unless an offer waits
  // for its answer), or checks the end frame's hash and delivers. Frames of
  // an ended transfer are ignored.
  function onFrame(l, data) {
    if (!(data instanceof ArrayBuffer) || data.byteLength < FRAME_HEADER) return;
    const v = new DataView(data);
    const kind = v.getUint8(0), stream = v.getUint32(1), offset = Number(v.getBigUint64(5));
    const rx = xfer.in.get(stream);
    if (!rx || rx.link !== l) return;
    const payload = new Uint8Array(data, FRAME_HEADER);
    if (kind === FRAME_DATA) {
      if (offset !== rx.got || offset + payload.length > rx.size) return; // the server already ended it
      if (rx.buf) {
        rx.buf.set(payload, offset);
      } else {
        rx.parts.push(payload);
        rx.partBytes += payload.length;
        if (rx.partBytes >= BLOB_PART) {
          rx.blobs.push(new Blob(rx.parts));
          rx.parts = [];
          rx.partBytes = 0;
        }
      }
      rx.hash.update(payload);
      rx.got += payload.length;
      if (rx.waiting) return;
      l.send({ op: 'xfer_ack', d: { stream: stream, acked: rx.got } });
      receiveProgress(rx, false);
      return;
    }
    if (kind !== FRAME_END) return;
    if (rx.waiting) {
      rx.endSum = payload.slice();
      return;
    }
    finishIn(rx, payload);
  }

  // finishIn checks the content against the end frame's hash, answers the
  // sender and hands the content to the page.
  function finishIn(rx, sum) {
    const content = rx.kind === 'file' ? new File(rx.blobs.concat(rx.parts), rx.name) : rx.buf;
    if (!dropIn(rx)) return;
    rx.hash.digest().then(function (mine) {
      return rx.got === rx.size && sum.length === 16 && mine.every(function (x, i) { return x === sum[i]; });
    }, function () { return false; }).then(function (ok) {
      if (rx.link.closed) { // gone while hashing: the sender hears 1000 from the server
        fire('NotifyCancelSend', rx.task);
        return;
      }
      rx.link.send({ op: 'xfer_done', d: { stream: rx.stream, code: ok ? ERR.NOERR : ERR.ERR_DATA } });
      if (!ok) return;
      receiveProgress(rx, true);
      if (rx.kind === 'file') fire('NotifyFileData', rx.from, content, rx.name);
      else fire('NotifyBufferData', rx.from, new TextDecoder().decode(content), content.buffer);
    });
  }

  // transfersEnded settles the transfers of a link that closed: sends fail
  // with its code, receptions are cancelled.
  function transfersEnded(l, code) {
    for (const t of Array.from(xfer.out.values())) {
      if (t.link === l && endSend(t)) t.result(t, code);
    }
    for (const rx of Array.from(xfer.in.values())) {
      if (rx.link === l && dropIn(rx)) fire('NotifyCancelSend', rx.task);
    }
  }

  // ---- the seed's functions ---------------------------------------------

  const api = {};

  // Init has nothing to load. Later H5 pages wait for its Promise
  // (CRVideo_Init().then(login)); earlier ones check its number
  // (`if (CRVideo_Init() != 0)` fails the page): the Promise reads as 0.
  api.Init = function () {
    const ready = Promise.resolve(ERR.NOERR);
    ready.valueOf = function () { return ERR.NOERR; };
    return ready;
  };
  api.Uninit = function () {
    api.Logout();
  };
  api.GetSDKVersion = function () { return SDK_VERSION; };
  api.SetServerAddr = function (addr) { state.serverAddr = str(addr).trim(); };
  // SetSDKParams takes Huddle's options: {reconnect: bool, reconnectFor: ms,
  // offerTimeout: ms}.
  // Other keys (the H5 SDK's) are accepted and ignored.
  api.SetSDKParams = function (params) {
    if (typeof params === 'string') {
      try { params = JSON.parse(params); } catch (e) { params = {}; }
    }
    params = obj(params);
    if (typeof params.reconnect === 'boolean') state.params.reconnect = params.reconnect;
    if (params.reconnectFor !== undefined) state.params.reconnectFor = Math.max(0, int(params.reconnectFor));
    if (params.offerTimeout !== undefined) state.params.offerTimeout = Math.max(0, int(params.offerTimeout)) || OFFER_TIMEOUT_MS;
  };

  api.Login = function (authAcnt, authPswd, nickName, privAcnt, privAuthCode, cookie) {
    if (state.phase !== 'idle') {
      later('LoginFail', ERR.LOGINSTATE_ERROR, cookie);
      return;
    }
    startSession({ app: str(authAcnt), pswd: str(authPswd), nick: str(nickName), user: str(privAcnt), auth: str(privAuthCode) }, cookie);
  };
  // LoginByToken: the H5 SDK's sign-in with a token; here the JWT of an
  // application with JWT user auth, alone: signed with the application's
  // secret, it proves the application too, so the page holds no password.
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
    setRoom(null); // signing out leaves the meeting, no callback
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
    createMeeting({ subject: str(meetSubject), pswd: int(createPswd) }, cookie);
  };
  // CreateCallMeeting is CreateMeeting for one call (Huddle's own, as the Go
  // SDK's): the server ends the meeting once no call rings or runs in it,
  // however its calls ended (hung up, dropped, the tab closed), and never
  // stores it, so a page that goes away leaves no meeting behind. A server
  // older than protocol.PagesSince makes a plain meeting instead.
  api.CreateCallMeeting = function (meetSubject, createPswd, cookie) {
    const r = { subject: str(meetSubject), pswd: int(createPswd) };
    if (state.serverVersion >= PAGES_SINCE) r.for_call = true;
    createMeeting(r, cookie);
  };
  function createMeeting(r, cookie) {
    if (!wellFormed(r.subject)) {
      later('CreateMeetingFail', ERR.MEETPARAM_ERR, cookie);
      return;
    }
    call('create_meeting', r,
      function (d) { fire('CreateMeetingSuccess', meetInfo(d), cookie); },
      function (code) { fire('CreateMeetingFail', code, cookie); });
  }
  // CreateMeeting2: the H5 SDK's form, without subject or password.
  api.CreateMeeting2 = function (cookie) { api.CreateMeeting('Meeting', 0, cookie); };

  api.DestroyMeeting = function (meetID, cookie) {
    call('destroy_meeting', { meet: int(meetID) },
      function () { roomLeft(int(meetID)); fire('DestroyMeetingRslt', ERR.NOERR, cookie); },
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
    // A copy: the page may reuse its buffer while this one is on its way.
    const bytes = toBytes(data).slice();
    return startSend('buffer', targetUserId, '', bytesSource(bytes), cookie, function (t, code) {
      fire('SendBufferRlst', t.id, code, cookie);
    });
  };

  // SendFile sends a File or Blob (from an <input type=file> or a drop),
  // read a slice at a time. The seed's path string cannot be read by a
  // page: SendFileRlst(taskID, path, 1103) and a console error saying so.
  api.SendFile = function (targetUserId, file, cookie) {
    if (!(typeof Blob !== 'undefined' && file instanceof Blob)) {
      const taskID = newID();
      console.error('CRVideo_SendFile needs a File or Blob (from <input type=file> or a drop); a browser page cannot read the path ' +
        JSON.stringify(str(file)) + ': SendFileRlst ' + ERR.SENDFILE_FILEINERROR);
      later('SendFileRlst', taskID, str(file), ERR.SENDFILE_FILEINERROR, cookie);
      return taskID;
    }
    const name = cleanFileName(file.name || 'file');
    return startSend('file', targetUserId, name, blobSource(file), cookie, function (t, code) {
      fire('SendFileRlst', t.id, name, code, cookie);
    });
  };

  // CancelSend stops a SendBuffer or SendFile of this page: the receiver
  // gets NotifyCancelSend and keeps nothing; CancelSendRlst(taskID, 0) and
  // no other result. As in the Go SDK it also takes the task ID of a file
  // or buffer on its way in (NotifyFileOffer, ReceiveProgress name it):
  // what arrived is dropped and the sender's result is 1000. 1104 for an
  // unknown or finished task.
  api.CancelSend = function (taskID, cookie) {
    taskID = str(taskID);
    const t = xfer.out.get(taskID);
    if (!t) {
      const rx = receivingTask(taskID);
      later('CancelSendRlst', taskID, rx && declineIn(rx, ERR.SENDFAIL, false) ? ERR.NOERR : ERR.TRANSID_INVALID, cookie);
      return;
    }
    if (t.cancelling) {
      later('CancelSendRlst', taskID, ERR.TRANSID_INVALID, cookie);
      return;
    }
    if (cookie === undefined) cookie = t.cookie;
    if (!t.stream) { // not started yet: startSend withdraws it when it is
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

  // AcceptFile takes the file NotifyFileOffer announced (Huddle's, as in
  // the Go SDK): ReceiveProgress, then NotifyFileData follow. An unknown
  // task, or an offer answered, withdrawn or timed out already, is ignored.
  api.AcceptFile = function (taskID) {
    const rx = receivingTask(str(taskID));
    if (!rx || !rx.waiting) return;
    clearTimeout(rx.timer);
    rx.waiting = false;
    // The credit held back until now: the sender carries on.
    if (rx.got > 0) rx.link.send({ op: 'xfer_ack', d: { stream: rx.stream, acked: rx.got } });
    receiveProgress(rx, true);
    if (rx.endSum) finishIn(rx, rx.endSum);
  };

  // RejectFile declines the file NotifyFileOffer announced: the sender's
  // result is 606 (ERR_REFUSE) and nothing of it is kept.
  api.RejectFile = function (taskID) {
    const rx = receivingTask(str(taskID));
    if (rx && rx.waiting) declineIn(rx, ERR.ERR_REFUSE, false);
  };

  // SaveFile offers a received file (NotifyFileData's File) to the user
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
  // What the H5 guide compares CRVideo_Init()'s result with: a browser or
  // plugin too old. Init never answers either (it reads as 0).
  global.CRVideo_OCX_VERSION_NOTUPPORTED = -1;
  global.CRVideo_WEB_BROWER_NOTUPPORTED = -2;
  // For tests: the content hash (a Promise of its 16 bytes), to compare
  // with the Go library's.
  global.CRVideo_xxh3_128 = function (data) {
    const h = new ContentHash();
    h.update(toBytes(data));
    return h.digest();
  };

  // ---- rooms: being in a meeting (docs/web-sdk.md, "Rooms") -------------
  //
  // CloudRoom's meeting component as far as Huddle has it: entering and
  // leaving a meeting, its members and their microphones, as in the Go SDK
  // (session/rooms.go). The SDK keeps the meeting the page is in and its
  // members as the server's pushes tell it; CRVideo_GetAllMembers reads
  // that copy. Accepting a call or an invite enters its meeting by itself;
  // a page that calls CRVideo_EnterMeeting after accepting, as CloudRoom's
  // pages do, gets 0 at once.

  const ASTATUS = Object.freeze({ AUNKNOWN: 0, ANULL: 1, ACLOSE: 2, AOPEN: 3, AOPENING: 4 });
  const room = {
    current: null, // {meet: CRVideo_MeetInfoObj, members: [{userID, nickname, audioStatus, videoStatus}], ownAudio, pending}
    pswds: new Map(), // meeting ID -> password, from the meeting objects the page was given (EnterMeeting3)
  };

  // rememberPswd keeps a meeting's password for CRVideo_EnterMeeting3,
  // which names only the meeting.
  function rememberPswd(m) {
    if (m.ID && m.pswd) room.pswds.set(m.ID, m.pswd);
  }

  function roomMember(m) {
    m = obj(m);
    return { userID: str(m.user), nickname: str(m.nick), audioStatus: int(m.audio), videoStatus: VNULL_MEMBER };
  }
  const VNULL_MEMBER = 1; // CRVideo_VSTATUS VNULL: Huddle has no video

  function memberIndex(r, userID) {
    return r.members.findIndex(function (m) { return m.userID === userID; });
  }

  // setRoom is the one place the page's meeting changes: the meeting's
  // audio follows it (voice, below).
  function setRoom(r) {
    room.current = r;
    voiceFollow();
  }

  // roomLeft forgets meeting meetID if the page is in it (it was destroyed).
  function roomLeft(meetID) {
    if (room.current && room.current.meet.ID === meetID) setRoom(null);
  }

  // roomDropped: the session ended, or could not be resumed, while in a
  // meeting: the page is out of it (before LineOff or Reconnected).
  function roomDropped() {
    if (!room.current) return;
    setRoom(null);
    fire('MeetingDropped');
  }

  function errName(code) {
    return Object.keys(ERR).find(function (k) { return ERR[k] === code; }) || String(code);
  }

  const roomAPI = {};

  // CRVideo_EnterMeeting(meetID, pswd, userID, nickName, cookie), the H5
  // SDK's; (meetID, pswd, cookie) too. userID and nickName, if given, must
  // be the signed-in user's (5 otherwise): Huddle takes both from the login.
  roomAPI.EnterMeeting = function (meetID, pswd, userID, nickName, cookie) {
    if (arguments.length <= 3) {
      cookie = userID;
      userID = '';
    }
    if (str(userID) && str(userID) !== state.user) {
      later('EnterMeetingRslt', ERR.MEETPARAM_ERR, cookie);
      return;
    }
    enterMeeting(int(meetID), str(pswd), cookie);
  };

  // CRVideo_EnterMeeting3(meetID, cookie): the password is the one of the
  // meeting objects the page was given (created, listed, called or invited
  // into), none otherwise.
  roomAPI.EnterMeeting3 = function (meetID, cookie) {
    enterMeeting(int(meetID), room.pswds.get(int(meetID)) || '', cookie);
  };

  function enterMeeting(meetID, pswd, cookie) {
    const d = { meet: meetID };
    if (pswd) d.pswd = pswd;
    call('enter_meeting', d,
      function () { fire('EnterMeetingRslt', ERR.NOERR, cookie); },
      function (code) { fire('EnterMeetingRslt', code, cookie); });
  }

  // CRVideo_ExitMeeting(): at once, no callback (as the H5 SDK's); the
  // others get UserLeftMeeting, and the page's calls in the meeting end.
  roomAPI.ExitMeeting = function () {
    if (!room.current) return;
    setRoom(null);
    call('exit_meeting', {}, function () {}, function () {});
  };

  roomAPI.GetAllMembers = function () {
    if (!room.current) return [];
    return room.current.members.map(function (m) { return Object.assign({}, m); });
  };

  roomAPI.GetAudioStatus = function (userID) {
    const r = room.current;
    const i = r ? memberIndex(r, str(userID)) : -1;
    return i >= 0 ? r.members[i].audioStatus : ASTATUS.AUNKNOWN;
  };

  // CRVideo_OpenMic(userID): one's own microphone (userID '' too). It shows
  // AOPENING at once and AOPEN once the server has it; every member gets
  // AudioStatusChanged. Refused: OpenMicFailed(sdkErr, errDesc).
  roomAPI.OpenMic = function (userID) { setMic(str(userID), ASTATUS.AOPEN, 'OpenMicFailed'); };
  // CRVideo_CloseMic(userID): one's own (closed at once) or, for the
  // meeting's creator, another member's. Refused: CloseMicFailed.
  roomAPI.CloseMic = function (userID) { setMic(str(userID), ASTATUS.ACLOSE, 'CloseMicFailed'); };

  function setMic(userID, want, failed) {
    const me = state.user;
    const r = room.current;
    if (!userID) userID = me;
    if (!r) {
      later(failed, ERR.MEETNOTEXIST, errName(ERR.MEETNOTEXIST));
      return;
    }
    // One's own changes here at once; the server's pushes about it are
    // only noted until every change asked for is answered, then what is
    // shown settles on the server's state (as the Go SDK's settleMic).
    const own = userID === me;
    if (own) {
      r.pending++;
      const i = memberIndex(r, me);
      if (i >= 0) {
        const old = r.members[i].audioStatus;
        const now = want === ASTATUS.AOPEN && old !== ASTATUS.AOPEN ? ASTATUS.AOPENING : want;
        if (now !== old) {
          r.members[i].audioStatus = now;
          voiceFollowMic();
          later('AudioStatusChanged', me, old, now);
        }
      }
    }
    const settle = function () {
      if (!own) return;
      r.pending--;
      const i = memberIndex(r, me);
      if (room.current !== r || r.pending > 0 || i < 0 || r.members[i].audioStatus === r.ownAudio) return;
      const old = r.members[i].audioStatus;
      r.members[i].audioStatus = r.ownAudio;
      voiceFollowMic();
      fire('AudioStatusChanged', me, old, r.ownAudio);
    };
    call('set_audio', { user: userID, audio: want }, settle, function (code) {
      settle();
      fire(failed, code, errName(code));
    });
  }

  // inRoom runs fn on the page's meeting if a push is about it (one for a
  // meeting the page has left is dropped).
  function inRoom(meetID, fn) {
    if (room.current && room.current.meet.ID === meetID) fn(room.current);
  }

  pushHandlers.meeting_entered = function (d) {
    const meet = meetInfo(d.meet);
    const members = Array.isArray(d.members) ? d.members.map(roomMember) : [];
    const r = { meet: meet, members: members, ownAudio: ASTATUS.ACLOSE, pending: 0 };
    const i = memberIndex(r, state.user);
    if (i >= 0) r.ownAudio = members[i].audioStatus;
    setRoom(r);
  };
  pushHandlers.user_enter_meeting = function (d) {
    inRoom(int(d.meet), function (r) {
      const m = roomMember(d);
      if (memberIndex(r, m.userID) >= 0) return;
      r.members.push(m);
      r.meet.memberCount = r.members.length;
      fire('UserEnterMeeting', m.userID);
    });
  };
  pushHandlers.user_left_meeting = function (d) {
    inRoom(int(d.meet), function (r) {
      const user = str(d.user);
      if (user === state.user) { // out: the call that brought the page in has ended
        setRoom(null);
        return;
      }
      const i = memberIndex(r, user);
      if (i < 0) return;
      r.members.splice(i, 1);
      r.meet.memberCount = r.members.length;
      fire('UserLeftMeeting', user);
    });
  };
  pushHandlers.audio_status_changed = function (d) {
    inRoom(int(d.meet), function (r) {
      const user = str(d.user);
      const now = int(d.new);
      if (user === state.user) {
        r.ownAudio = now;
        if (r.pending > 0) return; // shown once the change is answered
      }
      const i = memberIndex(r, user);
      if (i < 0 || r.members[i].audioStatus === now) return;
      const old = r.members[i].audioStatus;
      r.members[i].audioStatus = now;
      if (user === state.user) voiceFollowMic();
      fire('AudioStatusChanged', user, old, now);
    });
  };
  const meetingStopped = pushHandlers.meeting_stopped;
  pushHandlers.meeting_stopped = function (d, l) {
    roomLeft(int(d.meet));
    meetingStopped(d, l);
  };

  const ROOM_CALLBACKS = ['EnterMeetingRslt', 'UserEnterMeeting', 'UserLeftMeeting', 'AudioStatusChanged',
    'MeetingDropped', 'OpenMicFailed', 'CloseMicFailed'];
  for (const name of ROOM_CALLBACKS) {
    const key = 'CRVideo_' + name;
    if (!global[key] || typeof global[key] !== 'object') global[key] = { callback: null };
  }
  for (const name of Object.keys(roomAPI)) global['CRVideo_' + name] = roomAPI[name];
  global.CRVideo_ASTATUS = ASTATUS;

  // ---- voice: the meeting's audio (docs/web-sdk.md, "Voice") -----------
  //
  // While the page is in a meeting (EnterMeeting, a call or an invite
  // accepted) it is a voice endpoint with the browser's own
  // RTCPeerConnection (Opus), signalled exactly as the Go SDK's media.Call
  // (media/call.go, docs/protocol.md "Voice" and "Media modes"). Once it has
  // its microphone it says it can carry the audio peer to peer (media_join);
  // the server answers with the meeting's mode (media_mode) and says it
  // again at every change, each a new generation. Each mode is a leg, its
  // own connection; a new generation closes the old leg and opens the new
  // one, with the same microphone, without the user doing anything:
  //
  // - direct (two members who both can): a connection to the other member,
  //   through the server's TURN if they cannot reach each other; the member
  //   the server names offerer offers, the other answers, and SDP and
  //   candidates travel with direct_signal. The server forwards nothing, so
  //   it cannot silence this side: the microphone is sent only while
  //   media_mode's `mic` says it is open. A leg that has not connected
  //   within DIRECT_CONNECT_TIMEOUT_MS (or whose ICE failed first) will
  //   not: the page says so (direct_failed) and the server moves the
  //   meeting to the SFU. One that connected and dropped starts afresh
  //   (media_join, a new generation).
  // - sfu: the page always offers to the server, its microphone the
  //   offer's first section (sendrecv), one recvonly section per other
  //   speaker; media_update asks for a new offer (one outstanding at a
  //   time, the next right after it); each answer, once applied, is
  //   acknowledged (media_ready), and the server sends the speakers it
  //   added only then; a resumed session restarts ICE, and a server that
  //   no longer has the connection (the meeting's SFU moved to another
  //   node of a cluster: code 1203) gets a new one.
  //
  // The microphone (getUserMedia) is taken on entering and released on
  // leaving, hanging up, signing out or a LineOff; it sends only while the
  // page's own ASTATUS is open (OpenMic/CloseMic; the SFU forwards only
  // open microphones anyway). What others say plays through one audio
  // element per receiving section, on the chosen speaker.

  const ENERGY_EVERY_MS = 100; // MicEnergyUpdate at most this often
  const ENERGY_MAX = 10; // GetMicEnergy's scale: 0 silence (-60 dBFS or less) .. 10 full scale
  const VOLUME_MAX = 255; // the H5 SDK's volume scale
  // The codecs the page sends and receives, as the server compares them
  // (MIME types): every browser has Opus. A member without it (a G.711-only
  // build) is heard through the SFU, which transcodes.
  const VOICE_CODECS = ['audio/opus'];
  // DIRECT_CONNECT_TIMEOUT_MS bounds a direct leg's set-up, as the Go
  // SDK's media.DirectConnectTimeout: ICE and DTLS take well under a second
  // between hosts that reach each other, a few through a distant TURN.
  const DIRECT_CONNECT_TIMEOUT_MS = 6000;
  const voice = {
    meet: 0, // the meeting whose audio is wanted or running, 0 for none
    gen: 0, // bumped by every start, leg and stop: late answers of an older one are dropped
    joined: false, // media_join went out: the server's media_mode is awaited or followed
    servers: [], // the ICE servers (get_ice_servers) of every leg
    mode: '', // the current leg's: 'direct' or 'sfu', '' before the first media_mode
    modeGen: 0, // the server's generation of the mode, sent with every request of the leg
    peer: '', // direct: the other member
    offerer: false, // direct: this side offers
    directMic: false, // direct: the page's microphone is open in the room (media_mode's mic)
    connectTimer: 0, // direct: fires DIRECT_CONNECT_TIMEOUT_MS after the leg opened
    connected: false, // direct: the leg has been up
    reported: 0, // the generation reported with direct_failed, 0 if none
    pc: null,
    mic: null, // the microphone's MediaStream, null without one
    micSection: null, // the transceiver that sends the microphone
    micLevel: null, // {source, analyser} of the microphone
    negotiating: false,
    again: false, // sfu: offer again once the current negotiation ends
    restart: false, // sfu: the next offer restarts ICE
    signalled: false, // this side's SDP went out: local candidates may follow it
    receivers: 0, // sfu: receiving sections the server asked for
    conn: '', // sfu: the server's name for the connection, from its answers; sent with every later offer
    speakers: new Map(), // mid -> user, from the last answer (direct: the one section, the peer)
    heard: new Map(), // transceiver -> {user, el, source, analyser}
    remoteCands: [], // the other side's that came before its SDP was applied
    localCands: [], // this side's that came before its SDP went out
    ctx: null, // AudioContext for levels
    energy: new Map(), // user -> the level last reported
    energyTimer: 0,
    blocked: false, // playback waits for a user gesture (autoplay policy)
  };
  const devices = { mics: [], spks: [] }; // {name, id}, from enumerateDevices
  const audioCfg = { micName: '', speakerName: '' }; // CRVideo_SetAudioCfg's, read back by GetAudioCfg
  let speakerVolume = VOLUME_MAX;

  function mediaDevices() {
    return global.navigator && global.navigator.mediaDevices ? global.navigator.mediaDevices : null;
  }

  // voiceFollow starts or stops the audio as the page's meeting changed.
  function voiceFollow() {
    const want = room.current ? room.current.meet.ID : 0;
    if (want === voice.meet) return;
    voiceStop();
    if (want) voiceStart(want);
  }

  function voiceStart(meet) {
    voice.meet = meet;
    const gen = ++voice.gen;
    if (typeof global.RTCPeerConnection !== 'function') {
      console.warn('CRVideo: this browser has no WebRTC: the meeting has no audio');
      return;
    }
    const servers = new Promise(function (ok) {
      call('get_ice_servers', undefined, function (d) { ok(Array.isArray(d.servers) ? d.servers : []); },
        function () { ok([]); }); // host candidates still reach the server
    });
    Promise.all([servers, openMicrophone()]).then(function (got) {
      if (gen !== voice.gen) {
        releaseStream(got[1]);
        return;
      }
      voice.servers = got[0].map(function (s) {
        s = obj(s);
        const out = { urls: Array.isArray(s.urls) ? s.urls.map(str) : str(s.urls) };
        if (s.username) { out.username = str(s.username); out.credential = str(s.credential); }
        return out;
      });
      voice.mic = got[1];
      ensureContext();
      if (voice.mic) voice.micLevel = levelOf(voice.mic);
      voice.energyTimer = setInterval(sampleEnergy, ENERGY_EVERY_MS);
      voiceFollowMic();
      join();
    });
  }

  // join says the page can carry the meeting's audio directly; a
  // media_mode follows. Sent again, a direct pair starts afresh.
  function join() {
    const meet = voice.meet;
    voice.joined = true;
    call('media_join', { meet: meet, codecs: VOICE_CODECS }, function () {}, function (code) {
      if (meet === voice.meet) console.warn('CRVideo: the server refused the meeting\'s audio:', code);
    });
  }

  // openMicrophone resolves with the chosen microphone's stream, or null
  // when there is none (no device, permission refused, a page not on
  // https): the page then hears the others and sends nothing.
  function openMicrophone() {
    const md = mediaDevices();
    if (!md || typeof md.getUserMedia !== 'function') {
      console.warn('CRVideo: no microphone: the browser allows one only to pages on https or localhost');
      return Promise.resolve(null);
    }
    const id = deviceID(devices.mics, audioCfg.micName);
    const audio = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
    if (id) audio.deviceId = { exact: id };
    return md.getUserMedia({ audio: audio, video: false }).then(function (s) {
      refreshDevices(); // names are readable once the microphone is allowed
      return s;
    }, function (e) {
      console.warn('CRVideo: no microphone (' + e.name + '): the page hears the meeting and sends nothing');
      return null;
    });
  }

  function releaseStream(s) {
    if (s) for (const t of s.getTracks()) t.stop();
  }

  // openLeg closes the current leg, if any, and opens one for media_mode m
  // ({mode, gen, peer, offerer, mic}).
  function openLeg(m) {
    closeLeg();
    const gen = ++voice.gen;
    Object.assign(voice, { mode: m.mode, modeGen: m.gen, peer: m.peer, offerer: m.offerer, directMic: m.mic });
    if (m.mode !== 'sfu' && m.mode !== 'direct') {
      console.warn('CRVideo: unknown media mode', m.mode);
      return;
    }
    let pc;
    try {
      pc = new RTCPeerConnection({ iceServers: voice.servers });
    } catch (e) {
      console.warn('CRVideo: no audio connection:', e);
      return;
    }
    voice.pc = pc;
    pc.onicecandidate = function (e) {
      if (voice.pc !== pc || !e.candidate || !e.candidate.candidate) return;
      const c = { candidate: e.candidate.candidate, sdpMid: e.candidate.sdpMid, sdpMLineIndex: e.candidate.sdpMLineIndex };
      if (voice.signalled) sendCandidate(c);
      else voice.localCands.push(c);
    };
    voiceFollowMic();
    if (m.mode === 'sfu') {
      pc.onconnectionstatechange = function () {
        // A path that broke without the session noticing (a network
        // change): fresh ICE credentials find a new one.
        if (voice.pc === pc && pc.connectionState === 'failed') voiceRestart();
      };
      voice.micSection = addMicSection(pc);
      offer();
      return;
    }
    pc.onconnectionstatechange = function () { directStateChanged(pc); };
    voice.connectTimer = setTimeout(function () {
      if (voice.pc === pc && !voice.connected) directFailed();
    }, DIRECT_CONNECT_TIMEOUT_MS);
    if (!m.offerer) return; // the other member's offer comes with direct_signal
    voice.micSection = addMicSection(pc);
    pc.createOffer().then(function (o) { return pc.setLocalDescription(o); }).then(function () {
      if (gen !== voice.gen) return;
      directSignal({ sdp: { type: 'offer', sdp: pc.localDescription.sdp } });
      signalled();
    }).catch(function (e) {
      if (gen === voice.gen) console.warn('CRVideo: cannot make a direct audio offer:', e);
    });
  }

  // addMicSection adds the section that sends the microphone (without
  // one, it only receives).
  function addMicSection(pc) {
    const track = voice.mic ? voice.mic.getAudioTracks()[0] : null;
    return pc.addTransceiver(track || 'audio', { direction: 'sendrecv', streams: voice.mic ? [voice.mic] : [] });
  }

  // closeLeg ends the current leg: its connection and what it played.
  function closeLeg() {
    clearTimeout(voice.connectTimer);
    const pc = voice.pc;
    if (pc) {
      pc.onicecandidate = pc.onconnectionstatechange = null;
      pc.close();
    }
    for (const [t, h] of voice.heard) {
      h.el.pause();
      h.el.srcObject = null;
      if (h.level) h.level.source.disconnect();
      voice.heard.delete(t);
    }
    Object.assign(voice, {
      pc: null, micSection: null, connectTimer: 0, connected: false, negotiating: false, again: false, restart: false,
      signalled: false, receivers: 0, conn: '', speakers: new Map(), remoteCands: [], localCands: [],
    });
  }

  // signalled: this side's SDP went out, and the candidates gathered
  // before it follow.
  function signalled() {
    voice.signalled = true;
    const early = voice.localCands;
    voice.localCands = [];
    for (const c of early) sendCandidate(c);
  }

  function sendCandidate(c) {
    if (voice.mode === 'direct') {
      directSignal({ cand: c });
      return;
    }
    call('media_candidate', { meet: voice.meet, gen: voice.modeGen, cand: c }, function () {}, function (code) {
      if (code !== ERR.MEDIA_MODE_CHANGED) console.warn('CRVideo: the server refused an ICE candidate:', code);
    });
  }

  // directSignal sends the direct leg's SDP or candidate to the other
  // member. A refusal of an older generation (1202) means a media_mode is
  // on its way.
  function directSignal(d) {
    call('direct_signal', Object.assign({ meet: voice.meet, gen: voice.modeGen }, d), function () {}, function (code) {
      if (code !== ERR.MEDIA_MODE_CHANGED) console.warn('CRVideo: the server refused a direct audio signal:', code);
    });
  }

  function directStateChanged(pc) {
    if (voice.pc !== pc) return;
    const s = pc.connectionState;
    if (s === 'connected') {
      voice.connected = true;
      clearTimeout(voice.connectTimer);
    } else if (s === 'disconnected' || s === 'failed') {
      // Never up: the two cannot reach each other. Up and then lost (a
      // new network, a NAT that forgot its mapping): both start afresh.
      if (voice.connected) join();
      else directFailed();
    }
  }

  // directFailed reports, once, that the direct leg cannot connect; the
  // server's answer is a media_mode of the SFU.
  function directFailed() {
    clearTimeout(voice.connectTimer);
    if (voice.reported === voice.modeGen) return;
    voice.reported = voice.modeGen;
    call('direct_failed', { meet: voice.meet, gen: voice.modeGen }, function () {}, function (code) {
      // 1202: the other member reported it first.
      if (code !== ERR.MEDIA_MODE_CHANGED) console.warn('CRVideo: the server refused direct_failed:', code);
    });
  }

  // directApply applies the other member's offer (and answers it) or
  // answer.
  function directApply(pc, sdp) {
    const gen = voice.gen;
    voice.negotiating = true;
    let done = pc.setRemoteDescription(sdp);
    if (sdp.type === 'offer') {
      done = done.then(function () {
        // The offer's audio section is the one the microphone goes on.
        const t = pc.getTransceivers().find(function (x) { return x.receiver.track.kind === 'audio'; });
        if (!t) throw new Error('no audio in the offer');
        voice.micSection = t;
        t.direction = 'sendrecv';
        const track = voice.mic ? voice.mic.getAudioTracks()[0] : null;
        if (track && typeof t.sender.setStreams === 'function') t.sender.setStreams(voice.mic);
        return t.sender.replaceTrack(track);
      }).then(function () { return pc.createAnswer(); }).then(function (a) { return pc.setLocalDescription(a); }).then(function () {
        if (gen !== voice.gen) return;
        directSignal({ sdp: { type: 'answer', sdp: pc.localDescription.sdp } });
        signalled();
      });
    }
    done.then(function () {
      if (gen !== voice.gen) return;
      voice.negotiating = false;
      voice.speakers = new Map([[voice.micSection.mid, voice.peer]]);
      const early = voice.remoteCands;
      voice.remoteCands = [];
      for (const c of early) addRemoteCandidate(pc, c);
      listen();
    }).catch(function (e) {
      if (gen === voice.gen) console.warn('CRVideo: the other member\'s audio ' + sdp.type + ' does not apply:', e);
    });
  }

  // offer sends an offer to the SFU with at least voice.receivers
  // receiving sections, or notes that one is wanted once the current one
  // is answered.
  function offer() {
    const pc = voice.pc;
    if (!pc || voice.mode !== 'sfu') return;
    if (voice.negotiating) {
      voice.again = true;
      return;
    }
    let have = pc.getTransceivers().filter(function (t) { return t !== voice.micSection; }).length;
    for (; have < voice.receivers; have++) pc.addTransceiver('audio', { direction: 'recvonly' });
    const restart = voice.restart;
    const gen = voice.gen, meet = voice.meet, modeGen = voice.modeGen;
    voice.restart = voice.again = false;
    voice.negotiating = true;
    pc.createOffer({ iceRestart: restart }).then(function (o) { return pc.setLocalDescription(o); }).then(function () {
      if (gen !== voice.gen) return;
      const req = { meet: meet, gen: modeGen, sdp: pc.localDescription.sdp };
      if (voice.conn) req.conn = voice.conn;
      call('media_offer', req,
        function (d) { answered(gen, pc, d); },
        function (code) { refused(gen, code); });
      signalled();
    }).catch(function (e) {
      if (gen !== voice.gen) return;
      console.warn('CRVideo: cannot make an audio offer:', e);
      voice.negotiating = false;
    });
  }

  function answered(gen, pc, d) {
    if (gen !== voice.gen) return;
    voice.speakers = new Map();
    voice.conn = str(d.conn);
    for (const t of Array.isArray(d.tracks) ? d.tracks : []) voice.speakers.set(str(obj(t).mid), str(obj(t).user));
    pc.setRemoteDescription({ type: 'answer', sdp: str(d.sdp) }).then(function () {
      // Applied: the server may send the speakers it added now, not
      // before (audio the browser could not route yet).
      if (gen === voice.gen && int(d.answer) > 0) {
        call('media_ready', { meet: voice.meet, gen: voice.modeGen, answer: int(d.answer) }, function () {}, function (code) {
          if (code !== ERR.MEDIA_MODE_CHANGED) console.warn('CRVideo: the server refused media_ready:', code);
        });
      }
    }, function (e) {
      console.warn('CRVideo: the server\'s audio answer does not apply:', e);
    }).then(function () {
      if (gen !== voice.gen) return;
      voice.negotiating = false;
      const early = voice.remoteCands;
      voice.remoteCands = [];
      for (const c of early) addRemoteCandidate(pc, c);
      listen();
      if (voice.again) offer();
    });
  }

  function refused(gen, code) {
    if (gen !== voice.gen) return;
    voice.negotiating = false;
    if (code === ERR.MEDIA_MODE_CHANGED) return; // an older generation's: its media_mode is on its way
    if (code === ERR.MEDIA_CONNECTION_GONE) {
      // The server that answered before is gone (a cluster's home died or
      // stopped): this connection cannot move to the new one, whose DTLS
      // certificate differs. A new connection, as on entering.
      console.warn('CRVideo: the meeting\'s audio moved to another server: connecting to it again');
      openLeg({ mode: 'sfu', gen: voice.modeGen, peer: '', offerer: false, mic: false });
      return;
    }
    console.warn('CRVideo: the server refused the audio offer:', code);
    if (voice.again) offer(); // it asked for one since (media_update), or the session came back
  }

  function addRemoteCandidate(pc, c) {
    pc.addIceCandidate(c).catch(function (e) { console.warn('CRVideo: an ICE candidate of the other side does not apply:', e); });
  }

  // listen plays each receiving section that carries someone, on the
  // chosen speaker, and measures its level.
  function listen() {
    for (const t of voice.pc.getTransceivers()) {
      const user = t.mid !== null ? voice.speakers.get(t.mid) || '' : '';
      let h = voice.heard.get(t);
      if (!h && user) {
        const el = new Audio();
        el.autoplay = true;
        el.srcObject = new MediaStream([t.receiver.track]);
        el.volume = speakerVolume / VOLUME_MAX;
        h = { user: user, el: el, level: levelOf(el.srcObject) };
        voice.heard.set(t, h);
        applySpeaker(el);
        play(el);
      }
      if (h) h.user = user;
    }
  }

  function play(el) {
    el.play().catch(function (e) {
      if (e.name !== 'NotAllowedError') return; // replaced or stopped meanwhile
      // The browser's autoplay policy: sound starts with the user's next
      // click or key.
      if (!voice.blocked) console.warn('CRVideo: the meeting\'s audio starts at the next click or key press (the browser\'s autoplay policy)');
      voice.blocked = true;
    });
  }

  function unblock() {
    if (voice.ctx && voice.ctx.state === 'suspended') voice.ctx.resume().catch(function () {});
    if (!voice.blocked) return;
    voice.blocked = false;
    for (const h of voice.heard.values()) play(h.el);
  }
  if (typeof global.addEventListener === 'function') {
    global.addEventListener('pointerdown', unblock, true);
    global.addEventListener('keydown', unblock, true);
  }

  function ensureContext() {
    if (voice.ctx || typeof global.AudioContext !== 'function') return;
    voice.ctx = new AudioContext();
  }

  // levelOf measures a stream's loudness; null without WebAudio.
  function levelOf(stream) {
    if (!voice.ctx) return null;
    try {
      const source = voice.ctx.createMediaStreamSource(stream);
      const analyser = voice.ctx.createAnalyser();
      analyser.fftSize = 1024;
      source.connect(analyser);
      return { source: source, analyser: analyser, buf: new Float32Array(analyser.fftSize) };
    } catch (e) {
      return null;
    }
  }

  // energyOf is a level's loudness on the H5 SDK's 0..10 scale, 6 dB a
  // step from -60 dBFS.
  function energyOf(level) {
    if (!level) return 0;
    level.analyser.getFloatTimeDomainData(level.buf);
    let sum = 0;
    for (const x of level.buf) sum += x * x;
    const rms = Math.sqrt(sum / level.buf.length);
    if (rms <= 0) return 0;
    return Math.max(0, Math.min(ENERGY_MAX, Math.round((20 * Math.log10(rms) + 60) / 6)));
  }

  function ownMicOpen() {
    const r = room.current;
    const i = r ? memberIndex(r, state.user) : -1;
    return i >= 0 && (r.members[i].audioStatus === ASTATUS.AOPEN || r.members[i].audioStatus === ASTATUS.AOPENING);
  }

  // sampleEnergy reports each member's level that changed.
  function sampleEnergy() {
    const now = new Map();
    now.set(state.user, ownMicOpen() ? energyOf(voice.micLevel) : 0);
    for (const h of voice.heard.values()) if (h.user) now.set(h.user, Math.max(now.get(h.user) || 0, energyOf(h.level)));
    for (const [user, old] of voice.energy) if (!now.has(user)) now.set(user, 0);
    for (const [user, level] of now) {
      const old = voice.energy.get(user) || 0;
      if (level === old) continue;
      if (level) voice.energy.set(user, level);
      else voice.energy.delete(user);
      fire('MicEnergyUpdate', user, old, level);
    }
  }

  // voiceFollowMic sends the microphone only while the page's own is open
  // (or opening) in the room; on a direct leg, while the server says it is
  // open (media_mode's mic), since nobody else can silence it there.
  function voiceFollowMic() {
    const open = voice.mode === 'direct' ? voice.directMic : ownMicOpen();
    if (voice.mic) for (const t of voice.mic.getAudioTracks()) t.enabled = open;
  }

  // voiceRestart reconnects after the session came back from a drop (or
  // an SFU connection failed), when the old network path may be gone: an
  // SFU leg offers again with fresh ICE credentials; otherwise the page
  // joins again, and a direct pair starts afresh with a new generation.
  function voiceRestart() {
    if (!voice.joined) return; // the microphone is still being asked for: media_join follows
    if (voice.mode !== 'sfu') {
      join();
      return;
    }
    if (!voice.pc) return;
    voice.restart = true;
    offer();
  }

  function voiceStop() {
    closeLeg();
    voice.gen++;
    voice.meet = 0;
    clearInterval(voice.energyTimer);
    releaseStream(voice.mic);
    if (voice.ctx) voice.ctx.close().catch(function () {});
    for (const [user, old] of voice.energy) fire('MicEnergyUpdate', user, old, 0);
    Object.assign(voice, {
      joined: false, servers: [], mode: '', modeGen: 0, peer: '', offerer: false, directMic: false, reported: 0,
      mic: null, micLevel: null, ctx: null, energy: new Map(), energyTimer: 0, blocked: false,
    });
  }

  function candidateInit(c) {
    c = obj(c);
    return { candidate: str(c.candidate), sdpMid: c.sdpMid === undefined ? null : c.sdpMid, sdpMLineIndex: c.sdpMLineIndex === undefined ? null : c.sdpMLineIndex };
  }

  // remoteCandidate applies one of the other side's candidates, or keeps
  // it until the SDP it belongs to is applied (an ICE restart's answer,
  // a direct offer still being answered).
  function remoteCandidate(pc, c) {
    if (voice.negotiating || !pc.remoteDescription) voice.remoteCands.push(c);
    else addRemoteCandidate(pc, c);
  }

  pushHandlers.media_mode = function (d) {
    if (!voice.joined || int(d.meet) !== voice.meet) return;
    const m = { mode: str(d.mode), gen: int(d.gen), peer: str(d.peer), offerer: d.offerer === true, mic: d.mic === true };
    if (m.gen === voice.modeGen && voice.pc) {
      // The same leg: only the microphone changed.
      if (voice.mode === 'direct') {
        voice.directMic = m.mic;
        voiceFollowMic();
      }
    } else if (m.gen > voice.modeGen) {
      openLeg(m);
    }
  };
  pushHandlers.direct_signal = function (d) {
    const pc = voice.pc;
    if (!pc || voice.mode !== 'direct' || int(d.meet) !== voice.meet || int(d.gen) !== voice.modeGen) return;
    if (d.cand) {
      remoteCandidate(pc, candidateInit(d.cand));
      return;
    }
    const sdp = obj(d.sdp);
    if (sdp.type === (voice.offerer ? 'answer' : 'offer')) directApply(pc, { type: sdp.type, sdp: str(sdp.sdp) });
  };
  pushHandlers.media_candidate = function (d) {
    const pc = voice.pc;
    if (!pc || voice.mode !== 'sfu' || int(d.meet) !== voice.meet) return;
    remoteCandidate(pc, candidateInit(d.cand));
  };
  pushHandlers.media_update = function (d) {
    if (!voice.meet || int(d.meet) !== voice.meet) return;
    voice.receivers = Math.max(voice.receivers, int(d.tracks));
    offer();
  };

  // ---- devices ----

  // refreshDevices reads the microphones and speakers (their names only
  // once the page may use the microphone; before, none is listed).
  function refreshDevices() {
    const md = mediaDevices();
    if (!md || typeof md.enumerateDevices !== 'function') return Promise.resolve();
    return md.enumerateDevices().then(function (list) {
      const pick = function (kind) {
        return list.filter(function (d) { return d.kind === kind && d.deviceId; })
          .map(function (d, i) { return { name: d.label || (kind === 'audioinput' ? 'Microphone ' : 'Speaker ') + (i + 1), id: d.deviceId }; });
      };
      devices.mics = pick('audioinput');
      devices.spks = pick('audiooutput');
    }, function () {});
  }

  function deviceID(list, name) {
    const d = name ? list.find(function (x) { return x.name === name; }) : null;
    return d ? d.id : '';
  }

  function applySpeaker(el) {
    const id = deviceID(devices.spks, audioCfg.speakerName);
    if (typeof el.setSinkId !== 'function' || el.sinkId === id) return;
    el.setSinkId(id).catch(function (e) { console.warn('CRVideo: cannot play on ' + audioCfg.speakerName + ':', e); });
  }

  // switchMicrophone puts the chosen microphone on the running call.
  function switchMicrophone() {
    if (!voice.joined) return;
    const old = voice.mic;
    openMicrophone().then(function (s) {
      if (!s || !voice.joined || voice.mic !== old) { // none, or the meeting's audio ended or changed meanwhile
        releaseStream(s);
        return;
      }
      // Every leg opened from now on takes the new one; the current leg
      // swaps it in.
      releaseStream(old);
      if (voice.micLevel) voice.micLevel.source.disconnect();
      voice.mic = s;
      voice.micLevel = levelOf(s);
      voiceFollowMic();
      if (voice.micSection) {
        voice.micSection.sender.replaceTrack(s.getAudioTracks()[0]).catch(function (e) {
          console.warn('CRVideo: cannot switch the microphone:', e);
        });
      }
    });
  }

  const mdev = mediaDevices();
  if (mdev && typeof mdev.addEventListener === 'function') {
    mdev.addEventListener('devicechange', function () { refreshDevices().then(function () { fire('AudioDevChanged'); }); });
  }
  refreshDevices();

  const voiceAPI = {
    // The names of the microphones and speakers (for SetAudioCfg); a
    // browser tells them once the page may use the microphone (after the
    // first meeting), none before.
    GetAudioMicNames: function () { return devices.mics.map(function (d) { return d.name; }); },
    GetAudioSpkNames: function () { return devices.spks.map(function (d) { return d.name; }); },
    // SetAudioCfg({micName, speakerName}) chooses them by name ('' the
    // system's default); a running call switches at once. Other keys are
    // kept and read back.
    SetAudioCfg: function (cfg) {
      cfg = obj(cfg);
      const mic = audioCfg.micName;
      Object.assign(audioCfg, cfg);
      audioCfg.micName = str(audioCfg.micName);
      audioCfg.speakerName = str(audioCfg.speakerName);
      if (audioCfg.micName !== mic) switchMicrophone();
      for (const h of voice.heard.values()) applySpeaker(h.el);
    },
    GetAudioCfg: function () { return Object.assign({}, audioCfg); },
    // Loudness 0..10 of a member (the page's own with '' or its ID) as of
    // the last 100 ms; MicEnergyUpdate(userID, oldLevel, newLevel) follows
    // every change.
    GetMicEnergy: function (userID) {
      return voice.energy.get(str(userID) || state.user) || 0;
    },
    // The speaker's volume, 0..255, on everything the page hears.
    GetSpeakerVolume: function () { return speakerVolume; },
    SetSpeakerVolume: function (level) {
      const v = Number(level);
      if (!Number.isFinite(v) || v < 0 || v > VOLUME_MAX) return false;
      speakerVolume = Math.round(v);
      for (const h of voice.heard.values()) h.el.volume = speakerVolume / VOLUME_MAX;
      return true;
    },
  };
  for (const name of Object.keys(voiceAPI)) global['CRVideo_' + name] = voiceAPI[name];
  for (const name of ['MicEnergyUpdate', 'AudioDevChanged']) {
    const key = 'CRVideo_' + name;
    if (!global[key] || typeof global[key] !== 'object') global[key] = { callback: null };
  }

  // ---- the H5 SDK's functions Huddle does not implement -----------------
  //
  // Pages written for CloudRoom's H5 SDK also call its video, media and
  // queue functions. Huddle has audio only (voice, above: no camera,
  // screen, recording, playback) and no queues, so these are stubs that
  // never throw: getters answer "nothing here" (no queues, no camera:
  // status 1 VNULL), settings are kept and read back, and an action with a result
  // callback answers it after the call returns with
  //   403 QUE_SERVICE_NOT_START (CloudRoom's code) for queue actions: a
  //       Huddle server runs no queue service;
  //   4 MISMATCHCLIENTVER ("not supported by this SDK") for media actions.
  // docs/web-sdk.md lists each. A function defined above, or by another
  // part of this SDK (rooms, voice), is never replaced by its stub.
  const NOT_SUPPORTED = ERR.MISMATCHCLIENTVER;
  const NO_QUEUES = ERR.QUE_SERVICE_NOT_START;
  const VNULL = 1; // CRVideo_VSTATUS: no video device
  const kept = { video: {}, screen: {} }; // the page's settings, read back as set

  const stubs = {
    // Rooms: what CRVideo_GetAllMembers says, when this SDK has it.
    GetMemberInfo: function (userID) {
      return members().find(function (m) { return m.userID === str(userID); }) || null;
    },
    GetMemberNickName: function (userID) {
      const m = stubs.GetMemberInfo(userID);
      return m ? str(m.nickname !== undefined ? m.nickname : m.nickName) : '';
    },
    IsUserInMeeting: function (userID) { return stubs.GetMemberInfo(userID) !== null; },
    SendIMmsg: function (text, userID, cookie) {
      const taskID = newID();
      later('SendIMmsgRlst', taskID, NOT_SUPPORTED, cookie);
      return taskID;
    },

    // The microphone's own volume: the browser's automatic gain control
    // sets it (voice, above), so a page cannot.
    GetMicVolume: function () { return 0; },
    SetMicVolume: function () { return false; }, // false: not set
    GetAllVideoInfo: function () { return []; },
    SetVideoCfg: function (cfg) { kept.video = Object.assign({}, obj(cfg)); },
    GetVideoCfg: function () { return Object.assign({}, kept.video); },

    // Video: no camera, so opening one changes nothing (no
    // VideoStatusChanged) and every status is VNULL.
    OpenVideo: function () {},
    CloseVideo: function () {},
    GetVideoStatus: function () { return VNULL; },
    GetDefaultVideo: function () { return -1; },
    SetDefaultVideo: function () {},
    GetWatchableVideos: function () { return []; },
    GetEnableMutiVideo: function () { return false; },
    GetVideoImg: function () { return null; },

    // Screen sharing, playback and recording: not supported.
    StartScreenShare: function () { later('StartScreenShareRslt', NOT_SUPPORTED); },
    StopScreenShare: function () { later('StopScreenShareRslt', NOT_SUPPORTED); },
    SetScreenShareCfg: function (cfg) { kept.screen = Object.assign({}, obj(cfg)); },
    GetScreenShareCfg: function () { return Object.assign({}, kept.screen); },
    StartPlayMedia: function () { return 0; }, // the H5 SDK's "0: failed"
    PausePlayMedia: function () {},
    StopPlayMedia: function () {},
    Getmediainfo: function () { return null; },
    StartRecordIng: function () { later('RecordErr', NOT_SUPPORTED); },
    StopRecord: function () {},
    GetRecDuration: function () { return 0; },
    GetRecFileSize: function () { return 0; },

    // Queues: none to join or serve.
    InitQueueDat: function (cookie) { later('InitQueueDatRslt', NO_QUEUES, cookie); },
    RefreshAllQueueStatus: function () {},
    GetAllQueueInfo: function () { return []; },
    GetQueueStatus: function () { return null; },
    GetQueuingInfo: function () { return null; },
    GetServingQueues: function () { return []; },
    GetSessionInfo: function () { return null; },
    StartQueuing: function (queID, cookie) { later('StartQueuingRslt', NO_QUEUES, cookie); },
    StopQueuing: function (cookie) { later('StopQueuingRslt', NO_QUEUES, cookie); },
    StartService: function (queID, cookie) { later('StartServiceRslt', queID, NO_QUEUES, cookie); },
    StopService: function (queID, cookie) { later('StopServiceRslt', queID, NO_QUEUES, cookie); },
    ReqAssignUser: function (cookie) { later('ReqAssignUserRslt', NO_QUEUES, null, cookie); },
    AcceptAssignUser: function (queID, userID, cookie) { later('ResponseAssignUserRslt', NO_QUEUES, cookie); },
    RejectAssignUser: function (queID, userID, cookie) { later('ResponseAssignUserRslt', NO_QUEUES, cookie); },
  };

  // The callbacks of the stubbed features: they exist at load, so a page
  // may assign them; only the stubs' own results above are ever fired.
  const STUB_CALLBACKS = [
    'SendIMmsgRlst', 'NotifyIMmsg', 'MeetingDropped', 'NetStateChanged',
    'VideoStatusChanged', 'VideoDevChanged', 'DefVideoChanged', 'NotifyVideoData',
    'StartScreenShareRslt', 'StopScreenShareRslt', 'NotifyScreenShareStarted', 'NotifyScreenShareStopped', 'NotifyScreenShareData',
    'NotifyMediaOpened', 'NotifyMediaStart', 'NotifyMediaStop', 'NotifyMediaPause', 'RecordErr', 'RecordStateChanged',
    'InitQueueDatRslt', 'QueueStatusChanged', 'QueuingInfoChanged', 'StartQueuingRslt', 'StopQueuingRslt',
    'StartServiceRslt', 'StopServiceRslt', 'ResponseAssignUserRslt', 'AutoAssignUser', 'ReqAssignUserRslt', 'CancelAssignUser',
  ];

  function members() {
    const all = typeof global.CRVideo_GetAllMembers === 'function' ? global.CRVideo_GetAllMembers() : [];
    return Array.isArray(all) ? all : [];
  }

  for (const name of Object.keys(stubs)) {
    if (typeof global['CRVideo_' + name] !== 'function') global['CRVideo_' + name] = stubs[name];
  }
  for (const name of STUB_CALLBACKS) {
    const key = 'CRVideo_' + name;
    if (!global[key] || typeof global[key] !== 'object') global[key] = { callback: null };
  }

  // ---- what the H5 SDK has and Huddle does not --------------------------
  //
  // Whiteboards, the meeting's net disk, remote control, recording files,
  // video layouts, media objects: a page that touches one of these names
  // gets a console error naming it (then the browser's TypeError, as the
  // value is undefined). The browser's own ReferenceError names any other
  // missing global. A page may still define such a name itself.
  const ABSENT = {
    whiteboards: ['Createboard', 'Closeboard', 'InitBoardPageDat', 'CreateElementID', 'Addboardelement',
      'ModifyBoardElement', 'Delboardelement', 'Setmousehotspot', 'NotifyInitBoards', 'NotifyInitBoardPageDat',
      'NotifyCreateBoard', 'NotifyCloseBoard', 'NotifyBoardBkImage', 'NotifyAddBoardElement',
      'NotifyModifyBoardElement', 'NotifyDelBoardElement', 'NotifyMouseHotSpot'],
    'the net disk': ['GetNetDiskSummary', 'GetNetDiskFileList', 'MakeNetDiskFileID', 'Uploadnetdiskfile',
      'Deletenetdiskfile', 'Downloadnetdiskfile', 'Canclenetdiskfile', 'SetNetDiskTransportPause',
      'GetNetDiskSummaryRslt', 'GetNetDiskFileListRslt', 'NotifyNetDiskFileDeleteRslt',
      'NotifyNetDiskTransforProgress', 'NotifyNetDiskIsFull'],
    'remote control': ['GiveCtrlRight', 'ReleaseCtrlRight', 'SendMouseCtrlMsg', 'SendKeyCtrlMsg',
      'NotifyGiveCtrlRight', 'NotifyReleaseCtrlRight', 'NotifyCatchScreen', 'NotifyShareRectChanged',
      'SetCustomizeScreenImg', 'GetShareScreenDecodeImg'],
    'recording files': ['SetRecordVideos', 'SetRecordFileEncrypt', 'GetAllRecordFiles', 'CancelFileTransfer',
      'CancelUploadRecordFile', 'UploadRecordFile', 'PlaybackRecordFile', 'UploadRecordFileErr',
      'NotifyRecordFileStateChanged', 'NotifyRecordFileUploadProgress'],
    'video layouts and media objects': ['Switchtopage', 'Getcurrentmainpage', 'Getcurrentsubpage',
      'GetVideoWallMode', 'Setvideowallmode', 'GetMainVideo', 'SetMainVideo', 'NotifySwitchToPage',
      'NotifyVideoWallMode', 'NotifyMainVideoChanged', 'CreatVideoObj', 'CreatScreenShareObj', 'CreatMediaObj',
      'SetMediacfg', 'GetMediacfg', 'SetMediaplaypos', 'GetAllFilesInMediaPath', 'Getmediaimg',
      'NotifyPlayPosSetted', 'NotifyMemberMediaData', 'SetPicResource', 'SetAllAudioClose',
      'StartGetAudioPCM', 'StopGetAudioPCM', 'NotifyAudioPCMDat'],
  };
  for (const feature of Object.keys(ABSENT)) {
    for (const name of ABSENT[feature]) {
      const key = 'CRVideo_' + name;
      if (key in global) continue; // defined by this SDK or by the page
      Object.defineProperty(global, key, {
        configurable: true,
        enumerable: false,
        get: function () {
          console.error(key + ' is not in Huddle\'s SDK: ' + feature + ' are not supported (docs/web-sdk.md, "Every global")');
          return undefined;
        },
        set: function (v) { // the page's own definition wins
          Object.defineProperty(global, key, { configurable: true, enumerable: true, writable: true, value: v });
        },
      });
    }
  }
})(typeof window !== 'undefined' ? window : globalThis);
