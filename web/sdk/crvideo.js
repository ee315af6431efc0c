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
    if (typeof data !== 'string') return; // binary frames: transfers, not yet in this SDK
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

  // Not yet in the web SDK (docs/web-sdk.md): transfers need the binary
  // frames and XXH3-128. They answer their result callback with SENDFAIL
  // and say so on the console, so a page does not wait forever.
  api.SendBuffer = function (targetUserId, data, cookie) {
    const taskID = newID();
    console.warn('CRVideo_SendBuffer is not supported by this version of the web SDK');
    later('SendBufferRlst', taskID, ERR.SENDFAIL, cookie);
    return taskID;
  };
  api.SendFile = function (targetUserId, file, cookie) {
    const taskID = newID();
    const name = file && typeof file === 'object' && 'name' in file ? str(file.name) : str(file);
    console.warn('CRVideo_SendFile is not supported by this version of the web SDK');
    later('SendFileRlst', taskID, name, ERR.SENDFAIL, cookie);
    return taskID;
  };
  api.CancelSend = function (taskID, cookie) {
    later('CancelSendRlst', taskID, ERR.TRANSID_INVALID, cookie);
  };

  for (const name of Object.keys(api)) global['CRVideo_' + name] = api[name];
  global.CRVideo_ERR_DEF = ERR;
})(typeof window !== 'undefined' ? window : globalThis);
