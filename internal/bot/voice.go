package bot

import (
	"time"

	"github.com/pion/webrtc/v4"

	"huddle/media"
	"huddle/protocol"
	"huddle/session"
)

// voiceState is the bot's part in calls' audio; owned by Run's goroutine.
type voiceState struct {
	called  bool // CallUser has been called (once per run)
	placing bool // a call meeting is being created for CallUser
	invited bool // InviteUser has been invited into the current call
	call    *media.Call
	hangup  <-chan time.Time
	meet    int // the meeting whose audio is wanted, 0 for none
}

// maybeCall calls CallUser the first time u shows them online: in a
// meeting made for the call, as the desktop app does.
func (b *Bot) maybeCall(u session.UserStatus) {
	v := &b.voice
	if v.called || b.cfg.CallUser == "" || u.UserID != b.cfg.CallUser || u.UserStatus == protocol.StatusOffline || b.call != "" {
		return
	}
	v.called, v.placing = true, true
	b.log.Info("calling", "to", b.cfg.CallUser)
	b.sess.CreateCallMeeting("call from "+b.cfg.Name, 0, "bot-call")
}

// voiceEvent handles the events of placing a call and of its audio; true
// if ev was one of them.
func (b *Bot) voiceEvent(ev session.Event) bool {
	v := &b.voice
	if v.call != nil && v.call.Handle(ev) {
		if err := v.call.Err(); err != nil {
			b.log.Warn("voice", "err", err)
		}
		return true
	}
	switch e := ev.(type) {
	case session.CreateMeetingSuccess:
		if e.Cookie != "bot-call" || !v.placing {
			return false
		}
		v.placing = false
		b.call = b.sess.Call(b.cfg.CallUser, e.Meet, "", "bot-call")
		b.meet = e.Meet
	case session.CreateMeetingFail:
		if e.Cookie != "bot-call" {
			return false
		}
		v.placing = false
		b.log.Warn("cannot make the call's meeting", "err", e.Err.String())
	case session.CallFail:
		if e.CallID != b.call {
			return false
		}
		b.endCall("the call failed: " + e.Err.String())
	case session.NotifyCallRejected:
		if e.CallID != b.call {
			return false
		}
		b.endCall("the call was not answered: " + e.Err.String())
	case session.NotifyCallAccepted:
		if e.CallID != b.call {
			return false
		}
		b.meet = e.Meet
		b.connected()
	case session.GetICEServersSuccess:
		if e.Cookie != "bot-voice" {
			return false
		}
		b.startVoice(media.ICEServers(e.Servers))
	case session.GetICEServersFail:
		if e.Cookie != "bot-voice" {
			return false
		}
		b.log.Warn("no ICE servers, trying without", "err", e.Err.String())
		b.startVoice(nil)
	case session.OpenMicFailed:
		b.log.Warn("cannot open the microphone", "err", e.Err.String())
	default:
		return false
	}
	return true
}

// connected: the bot's call is up and it is in the call's meeting.
func (b *Bot) connected() {
	v := &b.voice
	b.log.Info("call connected", "call", b.call, "meeting", b.meet.ID)
	v.meet = b.meet.ID
	b.sess.GetICEServers("bot-voice")
	if b.cfg.HangupAfter > 0 {
		v.hangup = time.After(b.cfg.HangupAfter)
	}
	if b.cfg.InviteUser != "" && !v.invited {
		v.invited = true
		b.log.Info("inviting", "who", b.cfg.InviteUser, "meeting", b.meet.ID)
		b.sess.ClientInvite(b.cfg.InviteUser, b.meet, "bot-invite")
	}
}

// startVoice joins the meeting's audio, once the ICE servers are known;
// with Play it opens its microphone.
func (b *Bot) startVoice(servers []webrtc.ICEServer) {
	v := &b.voice
	if v.meet == 0 || v.call != nil {
		return // the call ended while the servers were asked for
	}
	call, err := media.StartCall(b.sess, v.meet, media.PeerConfig{
		Source: b.cfg.Play, Sink: b.cfg.Record, ICEServers: servers, JitterFrames: b.cfg.JitterFrames, Codecs: b.cfg.Codecs, Log: b.log,
	})
	if err != nil {
		b.log.Warn("voice", "err", err)
		return
	}
	v.call = call
	if b.cfg.Play != nil {
		b.sess.OpenMic("")
	}
}

// restartVoice restarts ICE after the session came back from a drop: the
// network path the audio took may be gone with it.
func (b *Bot) restartVoice() {
	if b.voice.call != nil {
		b.log.Info("restarting the audio path")
		b.voice.call.Restart()
	}
}

// stopVoice leaves the meeting's audio.
func (b *Bot) stopVoice() {
	v := &b.voice
	v.meet, v.hangup = 0, nil
	if v.call != nil {
		v.call.Close()
		v.call = nil
	}
}
