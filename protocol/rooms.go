package protocol

// Rooms: being in a meeting, as CloudRoom's meeting component has it
// (EnterMeeting, ExitMeeting, members, microphone states). docs/protocol.md,
// "Rooms", describes each operation and push.
const (
	OpEnterMeeting = "enter_meeting"
	OpExitMeeting  = "exit_meeting"
	OpSetAudio     = "set_audio"
)

const (
	// EvMeetingEntered goes to a user who has just entered a meeting, by
	// enter_meeting or by a call or invite being accepted: the meeting and
	// everyone in it, the user included.
	EvMeetingEntered = "meeting_entered"
	EvUserEnter      = "user_enter_meeting"
	EvUserLeft       = "user_left_meeting"
	EvAudioStatus    = "audio_status_changed"
)

// RoomsSince is the first protocol version whose clients get the room
// pushes. A version 2 client decodes strictly and knows none of them: it
// is in meetings (counted, listed to others) but hears nothing of them.
const RoomsSince = 3

// Microphone states of a member (CloudRoom's ASTATUS).
const (
	AudioUnknown = 0 // not known
	AudioNoMic   = 1 // the member has no microphone
	AudioClosed  = 2 // closed (a soft switch)
	AudioOpen    = 3 // open
	AudioOpening = 4 // opening: asked for, the server has not confirmed yet (client side only)
)

// EnterMeeting asks to enter meeting Meet; Pswd must match its password.
type EnterMeeting struct {
	Meet int    `json:"meet"`
	Pswd string `json:"pswd,omitempty"`
}

// Member is one user in a meeting.
type Member struct {
	User  string `json:"user"`
	Nick  string `json:"nick,omitempty"`
	Audio int    `json:"audio"`
}

// MeetingEntered is EvMeetingEntered's payload. Members are in the order
// they entered.
type MeetingEntered struct {
	Meet    Meeting  `json:"meet"`
	Members []Member `json:"members"`
}

// UserEnter is EvUserEnter: Member entered meeting Meet.
type UserEnter struct {
	Meet int `json:"meet"`
	Member
}

// UserLeft is EvUserLeft: User left meeting Meet.
type UserLeft struct {
	Meet int    `json:"meet"`
	User string `json:"user"`
}

// SetAudio sets the microphone state of User (a member of the asker's
// meeting) to Audio: AudioOpen or AudioClosed, or AudioNoMic for oneself.
type SetAudio struct {
	User  string `json:"user"`
	Audio int    `json:"audio"`
}

// AudioStatus is EvAudioStatus: User's microphone went from Old to New.
type AudioStatus struct {
	Meet int    `json:"meet"`
	User string `json:"user"`
	Old  int    `json:"old"`
	New  int    `json:"new"`
}
