package app

import (
	"slices"

	"huddle/protocol"
	"huddle/session"
)

// Room is the meeting the user is in, with its members and their
// microphones: a call's meeting (accepting enters it, hanging up leaves
// it) or one joined from the Meetings tab. It is the SDK's copy
// (session.GetAllMembers), read again after every event, so it is never
// stale and never shows a member twice.
type Room struct {
	c       *Client
	Meet    session.MeetInfo // ID 0: in none
	Members []session.MemberInfo
	// Joining is the meeting a Join is entering, 0 for none.
	Joining int
}

func newRoom(c *Client) *Room { return &Room{c: c} }

const cookieJoin = "join"

// In says whether the user is in a meeting.
func (r *Room) In() bool { return r.Meet.ID != 0 }

// Join enters meeting meet with password pswd (the one listed, for the
// meetings the user created or is in; else what they typed). A wrong or
// missing password asks for it through OnMeetingPassword.
func (r *Room) Join(meet session.MeetInfo, pswd string) {
	switch {
	case r.Meet.ID == meet.ID:
		return
	case r.c.Calls.Phase != CallIdle:
		r.c.notice("Hang up before joining another meeting.")
		return
	case r.In():
		r.c.sess.ExitMeeting() // one meeting at a time; the server runs these in order
	}
	r.Joining = meet.ID
	r.c.sess.EnterMeeting(meet.ID, pswd, cookieJoin)
	r.c.changed(PartRoom)
}

// Leave leaves the meeting; in a call that is hanging up.
func (r *Room) Leave() {
	if r.c.Calls.Phase == CallActive {
		r.c.Calls.HangUp()
		return
	}
	r.c.sess.ExitMeeting()
	r.sync()
}

// Me is the user's own member entry; ok false when not in a meeting.
func (r *Room) Me() (session.MemberInfo, bool) {
	i := slices.IndexFunc(r.Members, func(m session.MemberInfo) bool { return m.UserID == r.c.UserID() })
	if i < 0 {
		return session.MemberInfo{}, false
	}
	return r.Members[i], true
}

// MicOn says whether the user's microphone is open (or opening).
func (r *Room) MicOn() bool {
	me, _ := r.Me()
	return me.AudioStatus == protocol.AudioOpen || me.AudioStatus == protocol.AudioOpening
}

// ToggleMic mutes or unmutes the user.
func (r *Room) ToggleMic() {
	if r.MicOn() {
		r.c.sess.CloseMic("")
	} else {
		r.c.sess.OpenMic("")
	}
}

// CanMute says whether the user may close member's microphone: their own,
// or anyone's in a meeting they created.
func (r *Room) CanMute(m session.MemberInfo) bool {
	return m.AudioStatus == protocol.AudioOpen && (m.UserID == r.c.UserID() || r.Meet.Creator == r.c.UserID())
}

// Mute closes member userID's microphone (see CanMute).
func (r *Room) Mute(userID string) { r.c.sess.CloseMic(userID) }

// sync reads the SDK's meeting and members; views hear of a change.
func (r *Room) sync() {
	meet, _ := r.c.sess.CurrentMeeting()
	members := r.c.sess.GetAllMembers()
	if meet == r.Meet && slices.Equal(members, r.Members) {
		return
	}
	r.Meet, r.Members = meet, members
	r.c.changed(PartRoom)
}

// reset forgets the meeting: the session is gone.
func (r *Room) reset() {
	if r.In() || r.Joining != 0 {
		r.Meet, r.Members, r.Joining = session.MeetInfo{}, nil, 0
		r.c.changed(PartRoom)
	}
}

// handle takes the room's own events; false for anything else (the
// Client syncs the room after every event anyway).
func (r *Room) handle(ev session.Event) bool {
	switch e := ev.(type) {
	case session.EnterMeetingRslt:
		if e.Cookie != cookieJoin {
			return false
		}
		id := r.Joining
		r.Joining = 0
		switch e.Err {
		case session.NOERR:
			r.c.Meetings.Refresh() // its member count changed
		case session.AUTHERROR:
			if r.c.OnMeetingPassword != nil && id != 0 {
				r.c.OnMeetingPassword(id)
			}
		case session.MEMBEROVERFLOWERROR:
			r.c.notice("Could not join: the meeting is full.")
		case session.MEETNOTEXIST:
			r.c.notice("Could not join: the meeting has ended.")
			r.c.Meetings.remove(id)
		default:
			r.c.notice("Could not join the meeting: " + Describe(e.Err))
		}
		r.c.changed(PartRoom)
	case session.OpenMicFailed:
		r.c.notice("Could not unmute: " + Describe(e.Err))
	case session.CloseMicFailed:
		r.c.notice("Could not mute: " + Describe(e.Err))
	case session.MeetingStopped:
		if e.MeetID == r.Meet.ID && r.c.Calls.Phase == CallIdle {
			r.c.notice("The meeting “" + r.Meet.Subject + "” was ended by its creator.")
		}
		return false // the call and the meetings list hear of it too
	case session.UserEnterMeeting, session.UserLeftMeeting, session.AudioStatusChanged, session.MeetingDropped:
	default:
		return false
	}
	return true
}

// MicWord is a member's microphone state in words.
func MicWord(audio int) string {
	switch audio {
	case protocol.AudioNoMic:
		return "no microphone"
	case protocol.AudioClosed:
		return "muted"
	case protocol.AudioOpen:
		return "microphone on"
	case protocol.AudioOpening:
		return "unmuting…"
	}
	return "microphone unknown"
}
