package app

import (
	"fmt"
	"time"

	"huddle/protocol"
	"huddle/session"
)

// CallPhase is where the one call of this app stands.
type CallPhase int

const (
	CallIdle      CallPhase = iota
	CallPreparing           // creating the call's meeting
	CallRinging             // we called; the other side is ringing
	CallIncoming            // someone calls us
	CallActive              // accepted: both are in the meeting
)

// RingTimeout is how long the server lets a call ring (the seed's 30 s).
const RingTimeout = 30 * time.Second

// Invite is a third person asked into the active call.
type Invite struct {
	ID        string
	UserID    string
	Status    int // session.Invite*; -1 while the server has not confirmed
	Err       session.ErrCode
	Cancelled bool
}

// Open says whether the invite is still ringing and can be cancelled.
func (i *Invite) Open() bool {
	return !i.Cancelled && i.Err == session.NOERR && (i.Status == -1 || i.Status == protocol.InviteRinging)
}

// StatusText is the invite's live status in words.
func (i *Invite) StatusText() string {
	switch {
	case i.Err != session.NOERR:
		return "failed: " + Describe(i.Err)
	case i.Cancelled:
		return "cancelled"
	}
	switch i.Status {
	case -1:
		return "calling…"
	case protocol.InviteRinging:
		return "ringing"
	case protocol.InviteConnected:
		return "connected"
	case protocol.InviteRejected:
		return "rejected"
	case protocol.InviteNoAnswer:
		return "no answer"
	case protocol.InviteHungUp:
		return "hung up"
	}
	return "unknown"
}

// Calls is the call state machine, driven by the user's actions and the
// session's call events.
type Calls struct {
	c          *Client
	Phase      CallPhase
	CallID     string
	Peer       string // the other party's user ID
	Meet       session.MeetInfo
	Members    []string // everyone else in the active call
	Since      time.Time
	Invites    []*Invite
	LastEnded  string // why the last call ended, for the user
	ownMeeting bool   // we created Meet for this call and remove it after
	// For the call log: who rang whom, since when, and whether we declined.
	incoming, declined bool
	ringingSince       time.Time
	answering          bool // Accept was clicked: the ringtone stops

}

func newCalls(c *Client) *Calls { return &Calls{c: c} }

const (
	cookieCallMeet    = "call-meeting"
	cookieCallMeetEnd = "call-meeting-end"
)

// Elapsed is the time since ringing began or the call was answered.
func (k *Calls) Elapsed() time.Duration { return k.c.now().Sub(k.Since) }

// RingRemaining is what is left of an incoming call's 30 s.
func (k *Calls) RingRemaining() time.Duration {
	return max(0, RingTimeout-k.Elapsed())
}

// Call rings peer in a new meeting made for the call, or, when the user is
// in a meeting (joined from the Meetings tab), into that one: a user is in
// one meeting at a time.
func (k *Calls) Call(peer string) {
	if k.c.Room.In() && k.Phase == CallIdle {
		k.CallInto(peer, k.c.Room.Meet)
		return
	}
	if !k.start(peer) {
		return
	}
	k.Phase = CallPreparing
	subject := "Call: " + k.c.Contacts.Name(k.c.UserID()) + " & " + k.c.Contacts.Name(peer)
	if r := []rune(subject); len(r) > 50 {
		subject = string(r[:50])
	}
	// A call meeting, which the server ends with the call however the call
	// ends: this app cannot remove it itself when it drops off, quits or
	// crashes mid-call.
	k.c.sess.CreateCallMeeting(subject, 0, cookieCallMeet)
	k.c.changed(PartCalls)
}

// CallInto rings peer into an existing meeting.
func (k *Calls) CallInto(peer string, meet session.MeetInfo) {
	if !k.start(peer) {
		return
	}
	k.ring(meet)
}

func (k *Calls) start(peer string) bool {
	if k.Phase != CallIdle {
		k.c.notice(Describe(session.ERR_CALL_EXIST))
		return false
	}
	if peer == k.c.UserID() {
		k.c.notice("You cannot call yourself.")
		return false
	}
	k.Peer, k.Since, k.Invites, k.Members, k.ownMeeting, k.LastEnded = peer, k.c.now(), nil, nil, false, ""
	k.incoming, k.declined, k.ringingSince = false, false, k.Since
	return true
}

func (k *Calls) ring(meet session.MeetInfo) {
	k.Meet, k.Phase = meet, CallRinging
	k.CallID = k.c.sess.Call(k.Peer, meet, "", "call")
	k.c.changed(PartCalls)
}

// Cancel stops an outgoing call before it is answered.
func (k *Calls) Cancel() {
	switch k.Phase {
	case CallPreparing:
		k.end("Call cancelled.") // the meeting, once made, is removed
	case CallRinging:
		k.c.sess.HungupCall(k.CallID, "", "cancel")
		k.end("Call cancelled.")
	}
}

// Accept answers the incoming call.
func (k *Calls) Accept() {
	if k.Phase == CallIncoming && !k.answering {
		k.c.sess.AcceptCall(k.CallID, k.Meet, "", "accept")
		k.answering = true
		k.c.changed(PartCalls)
	}
}

// Reject declines the incoming call.
func (k *Calls) Reject() {
	if k.Phase == CallIncoming {
		k.c.sess.RejectCall(k.CallID, "", "reject")
		k.declined = true
		k.end("You declined the call from " + k.c.Contacts.Name(k.Peer) + ".")
	}
}

// HangUp leaves the active call.
func (k *Calls) HangUp() {
	if k.Phase == CallActive {
		k.c.sess.HungupCall(k.CallID, "", "hangup")
		k.end("Call ended after " + FormatDuration(k.Elapsed()) + ".")
	}
}

// Invite asks a third person into the active call.
func (k *Calls) Invite(user string) {
	if k.Phase != CallActive {
		return
	}
	inv := &Invite{UserID: user, Status: -1}
	k.Invites = append(k.Invites, inv)
	inv.ID = k.c.sess.ClientInvite(user, k.Meet, "invite")
	k.c.changed(PartCalls)
}

// CancelInvite stops a ringing invite.
func (k *Calls) CancelInvite(id string) {
	if inv := k.invite(id); inv != nil && inv.Open() {
		k.c.sess.ClientCancelInvite(id, "cancel-invite")
		inv.Cancelled = true
		k.c.changed(PartCalls)
	}
}

func (k *Calls) invite(id string) *Invite {
	for _, inv := range k.Invites {
		if inv.ID == id {
			return inv
		}
	}
	return nil
}

// end closes the call with a reason the user is shown.
func (k *Calls) end(reason string) {
	if k.Phase != CallIdle {
		k.c.CallLog.add(k.record(reason))
	}
	if k.ownMeeting && k.Meet.ID != 0 {
		k.c.sess.DestroyMeeting(k.Meet.ID, cookieCallMeetEnd)
		k.c.Meetings.remove(k.Meet.ID)
	}
	k.Phase, k.CallID, k.Meet, k.Members, k.Invites, k.ownMeeting = CallIdle, "", session.MeetInfo{}, nil, nil, false
	k.LastEnded = reason
	k.c.changed(PartCalls)
}

// reset drops the call without talking to the server (the link is gone).
func (k *Calls) reset(reason string) {
	if k.Phase == CallIdle {
		return
	}
	if k.ownMeeting {
		// The server ends a call meeting with its call; there is no link
		// to destroy it over anyway.
		k.c.Meetings.remove(k.Meet.ID)
		k.ownMeeting = false
	}
	if reason != "" {
		reason = "The call ended: " + reason
	}
	k.end(reason)
}

// lost ends the call after a reconnect that could not resume the session
// (Reconnected.StateLost): the server ended it, and every call with it.
// One still being prepared has no server side yet and goes on.
func (k *Calls) lost() {
	if k.Phase == CallIdle || k.Phase == CallPreparing {
		return
	}
	k.end("The call ended while the connection was down.")
}

// handle takes the call events; false for anything else.
func (k *Calls) handle(ev session.Event) bool {
	name := func() string { return k.c.Contacts.Name(k.Peer) }
	switch e := ev.(type) {
	case session.CreateMeetingSuccess:
		if e.Cookie != cookieCallMeet {
			return false
		}
		if k.Phase != CallPreparing { // cancelled meanwhile
			k.c.sess.DestroyMeeting(e.Meet.ID, cookieCallMeetEnd)
			return true
		}
		k.ownMeeting = true
		k.c.Meetings.add(e.Meet)
		k.ring(e.Meet)
	case session.CreateMeetingFail:
		if e.Cookie != cookieCallMeet {
			return false
		}
		if k.Phase == CallPreparing {
			k.end("Could not start the call: " + Describe(e.Err))
		}
	case session.DestroyMeetingRslt:
		return e.Cookie == cookieCallMeetEnd // nothing to tell: the call is over
	case session.CallSuccess:
	case session.CallFail:
		if k.Phase == CallRinging && e.CallID == k.CallID {
			k.end("Could not call " + name() + ": " + Describe(e.Err))
		}
	case session.NotifyCallAccepted:
		if k.Phase == CallRinging && e.CallID == k.CallID {
			k.Phase, k.Since, k.Members = CallActive, k.c.now(), []string{k.Peer}
			k.c.Meetings.Refresh() // its member count changed
			k.c.changed(PartCalls)
		}
	case session.NotifyCallRejected:
		if k.Phase == CallRinging && e.CallID == k.CallID {
			switch e.Err {
			case session.ERR_REFUSE:
				k.end(name() + " declined the call.")
			case session.ERR_NOANSWER:
				k.end(name() + " did not answer.")
			default:
				k.end("The call to " + name() + " failed: " + Describe(e.Err))
			}
		}
	case session.NotifyCallHungup:
		if e.CallID != k.CallID || k.Phase == CallIdle {
			return true
		}
		if k.Phase == CallIncoming {
			k.end("Missed call from " + name() + ".")
		} else {
			k.end(name() + " hung up.")
		}
	case session.NotifyCallIn:
		if k.Phase != CallIdle { // the server should not ring a busy user; say so if it does
			k.c.sess.RejectCall(e.CallID, "", "busy")
			return true
		}
		k.Phase, k.CallID, k.Peer, k.Meet, k.Since = CallIncoming, e.CallID, e.CallerID, e.Meet, k.c.now()
		k.Invites, k.Members, k.ownMeeting, k.LastEnded = nil, nil, false, ""
		k.incoming, k.declined, k.ringingSince, k.answering = true, false, k.Since, false
		k.c.changed(PartCalls)
		if k.c.OnCallIn != nil {
			k.c.OnCallIn(name())
		}
	case session.AcceptCallSuccess:
		if k.Phase == CallIncoming && e.CallID == k.CallID {
			k.Phase, k.Since, k.Members = CallActive, k.c.now(), []string{k.Peer}
			k.c.Meetings.Refresh() // the meeting we joined shows with us in it
			k.c.changed(PartCalls)
		}
	case session.AcceptCallFail:
		if k.Phase == CallIncoming && e.CallID == k.CallID {
			k.end("Could not answer: " + Describe(e.Err))
		}
	case session.RejectCallSuccess, session.HangupCallSuccess:
	case session.RejectCallFail, session.HangupCallFail:
		// The call is already over on our side; the server ends it too when
		// it cannot find it, so there is nothing the user could do.
	case session.ClientInviteRslt:
		if inv := k.invite(e.InviteID); inv != nil && e.Err != session.NOERR {
			inv.Err = e.Err
		} else if inv != nil && inv.Status == -1 {
			inv.Status = protocol.InviteRinging
		}
		k.c.changed(PartCalls)
	case session.ClientCancelInviteRslt:
		if inv := k.invite(e.InviteID); inv != nil && e.Err != session.NOERR {
			inv.Cancelled = false
			k.c.notice("Could not cancel the invite: " + Describe(e.Err))
			k.c.changed(PartCalls)
		}
	case session.NotifyInviteStatus:
		inv := k.invite(e.InviteID)
		if inv == nil {
			return true
		}
		inv.Status = e.Status
		if e.Status == protocol.InviteConnected {
			k.Members = append(k.Members, inv.UserID)
		}
		if e.Status == protocol.InviteHungUp {
			for i, m := range k.Members {
				if m == inv.UserID {
					k.Members = append(k.Members[:i], k.Members[i+1:]...)
					break
				}
			}
		}
		k.c.changed(PartCalls)
	case session.MeetingStopped:
		if k.Phase != CallIdle && e.MeetID == k.Meet.ID {
			k.ownMeeting = false
			k.end("The meeting of this call was ended by its creator.")
		}
		return false // the meetings list drops it too
	default:
		return false
	}
	return true
}

// FormatDuration shows a duration as m:ss (or h:mm:ss).
func FormatDuration(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d/time.Hour), int(d/time.Minute)%60, int(d/time.Second)%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%d:%02d", m, s)
}
