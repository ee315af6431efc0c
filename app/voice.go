package app

import (
	"fyne.io/fyne/v2"

	"huddle/media"
	"huddle/protocol"
	"huddle/session"
)

// Voice is the audio of the meeting the user is in (a call's or one
// joined): it connects when the room has a meeting and hangs up when it
// has none. Two members talk directly, more through the server's SFU
// (media.StartCall follows the server's mode). Mute is the room's
// microphone (Room.ToggleMic): the SFU forwards only open microphones, and
// in a direct call the server tells the app to stop sending. Echo:
// SystemAudio cancels the speaker's echo where the build can
// (media.EchoCancellation); where it cannot, the Audio… dialog recommends
// a headset.
type Voice struct {
	c    *Client
	call *media.Call
	meet int // the meeting whose audio is wanted or running, 0 for none
	stop func()
	// Input and Output name the chosen microphone and speaker ("" for the
	// system's default); SetDevices changes them.
	Input, Output string
	speakers      speakers
}

func newVoice(c *Client) *Voice { return &Voice{c: c} }

// AudioDevices opens a microphone and a speaker by name ("" for the
// default) for a call; close releases both. The desktop app uses the
// system's (media.OpenMicrophone, media.OpenSpeaker); tests use tones and
// recorders.
type AudioDevices func(input, output string) (mic media.Source, speaker media.Sink, close func(), err error)

const cookieVoice = "voice"

// Active says whether audio is connected to a meeting.
func (v *Voice) Active() bool { return v.call != nil }

// Levels are how loud each member is right now (0..1), for speaking
// indicators; by user ID. The user's own is their microphone's, and 0
// while it is closed in the room (muted: the others hear nothing).
func (v *Voice) Levels() map[string]float64 {
	if v.call == nil {
		return map[string]float64{}
	}
	levels := v.call.Levels()
	mine := 0.0
	if me, _ := v.c.Room.Me(); me.AudioStatus == protocol.AudioOpen {
		if p := v.call.Peer(); p != nil {
			mine = p.MicLevel()
		}
	}
	levels[v.c.UserID()] = mine
	return levels
}

// SampleLevels reads the members' levels now and says whether anyone
// started or stopped speaking (Speaking); the UI calls it a few times a
// second while audio is connected.
func (v *Voice) SampleLevels() bool {
	return v.speakers.update(v.Levels(), v.c.now())
}

// Speaking says whether the member is speaking, as of the last
// SampleLevels: over SpeakingLevel within the last SpeakingHold.
func (v *Voice) Speaking(user string) bool { return v.speakers.on[user] }

// SetDevices chooses the microphone and speaker, remembers them, and
// reconnects a running call with them.
func (v *Voice) SetDevices(input, output string) {
	v.Input, v.Output = input, output
	if v.c.OnVoiceSettings != nil {
		v.c.OnVoiceSettings(VoiceSettings{Input: input, Output: output})
	}
	if meet := v.meet; v.call != nil {
		v.hangUp()
		v.want(meet)
	}
}

// sync follows the room: audio for its meeting, none without one.
func (v *Voice) sync() {
	if v.c.Room.Meet.ID == v.meet {
		return
	}
	v.hangUp()
	if v.c.Room.Meet.ID != 0 {
		v.want(v.c.Room.Meet.ID)
	}
}

// want asks for the ICE servers; the call starts with their answer.
func (v *Voice) want(meet int) {
	if v.c.Audio == nil || v.c.sess == nil {
		return // a build or test without audio
	}
	v.meet = meet
	v.c.sess.GetICEServers(cookieVoice)
}

func (v *Voice) start(servers []session.ICEServer) {
	if v.meet == 0 || v.call != nil {
		return
	}
	mic, spk, closeDevices, err := v.c.Audio(v.Input, v.Output)
	if err != nil {
		v.c.notice("No audio: " + err.Error())
		return
	}
	call, err := media.StartCall(v.c.sess, v.meet, media.PeerConfig{Source: mic, Sink: spk, ICEServers: media.ICEServers(servers)})
	if err != nil {
		closeDevices()
		v.c.notice("No audio: " + err.Error())
		return
	}
	v.call, v.stop = call, closeDevices
	v.c.changed(PartRoom)
}

// hangUp ends the audio, if any.
func (v *Voice) hangUp() {
	v.meet = 0
	if v.call == nil {
		return
	}
	call, stop := v.call, v.stop
	v.call, v.stop = nil, nil
	v.speakers.reset()
	// Closing waits for the peer's goroutines, and the devices' threads:
	// off the UI goroutine.
	go func() {
		call.Close()
		stop()
	}()
	v.c.changed(PartRoom)
}

// restart restarts ICE after the session came back from a drop.
func (v *Voice) restart() {
	if v.call != nil {
		v.call.Restart()
	}
}

// handle takes the call's signalling events.
func (v *Voice) handle(ev session.Event) bool {
	if v.call != nil && v.call.Handle(ev) {
		return true
	}
	switch e := ev.(type) {
	case session.GetICEServersSuccess:
		if e.Cookie != cookieVoice {
			return false
		}
		v.start(e.Servers)
	case session.GetICEServersFail:
		if e.Cookie != cookieVoice {
			return false
		}
		v.start(nil) // host candidates still reach a server on the same network
	default:
		return false
	}
	return true
}

// VoiceSettings are the remembered microphone and speaker.
type VoiceSettings struct{ Input, Output string }

const (
	prefVoiceInput  = "voice.input"
	prefVoiceOutput = "voice.output"
)

// LoadVoiceSettings reads the remembered devices ("" for the defaults).
func LoadVoiceSettings(p fyne.Preferences) VoiceSettings {
	return VoiceSettings{Input: p.String(prefVoiceInput), Output: p.String(prefVoiceOutput)}
}

// Save remembers the devices.
func (s VoiceSettings) Save(p fyne.Preferences) {
	p.SetString(prefVoiceInput, s.Input)
	p.SetString(prefVoiceOutput, s.Output)
}
