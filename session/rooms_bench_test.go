package session_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/protocol"
	"huddle/server"
	"huddle/session"
)

// BenchmarkRoomFanout is the time from one member's OpenMic or CloseMic
// until every member of the meeting has the AudioStatusChanged, through a
// server on loopback: a full meeting (Limits.RoomMembers, 50) against the
// baseline, measured in the same run, of a two-person one. It reports both
// and full/pair (each push goes to every member, so up to 25 would be
// linear in the members; the clients share this machine's two cores).
func BenchmarkRoomFanout(b *testing.B) {
	// The speaker toggles far above the message rate one client may keep up.
	srv := testkit.StartServer(b, testkit.WithLimits(func(l *server.Limits) { l.MsgRate, l.MsgBurst = 1e6, 1e6 }))
	full, fullGot := benchRoom(b, srv.URL, "full", 50)
	pair, pairGot := benchRoom(b, srv.URL, "pair", 2)

	toggle := func(speaker *session.Session, got <-chan int, members int, open bool) time.Duration {
		want := protocol.AudioClosed
		start := time.Now()
		if open {
			want = protocol.AudioOpen
			speaker.OpenMic("")
		} else {
			speaker.CloseMic("")
		}
		for n := 0; n < members; {
			switch <-got {
			case want:
				n++
			case refused:
				b.Fatal("the speaker's microphone change was refused")
			}
		}
		return time.Since(start)
	}
	var fullT, pairT time.Duration
	open := true
	for b.Loop() {
		fullT += toggle(full, fullGot, 50, open)
		pairT += toggle(pair, pairGot, 2, open)
		open = !open
	}
	ms := func(d time.Duration) float64 { return d.Seconds() * 1000 / float64(b.N) }
	b.ReportMetric(ms(fullT), "members-50-ms")
	b.ReportMetric(ms(pairT), "members-2-ms")
	b.ReportMetric(float64(fullT)/float64(pairT), "members-50/2")
}

const refused = -1 // on the channel of benchRoom: OpenMicFailed or CloseMicFailed

// benchRoom signs n users in and puts them in one meeting; it returns the
// first (the speaker) and a channel of the speaker's microphone states as
// each member hears them (the speaker's own opening, 4, excluded).
func benchRoom(b *testing.B, url, name string, n int) (*session.Session, <-chan int) {
	got := make(chan int, 4*n)
	var speaker *session.Session
	var meet session.MeetInfo
	for i := range n {
		user := fmt.Sprintf("%s-%d", name, i)
		events := make(chan session.Event, 16)
		s := session.New(session.Config{ServerURL: url, Handler: func(ev session.Event) {
			switch ev.(type) {
			case session.OpenMicFailed, session.CloseMicFailed:
				got <- refused
				return
			}
			if e, ok := ev.(session.AudioStatusChanged); ok {
				if e.UserID == name+"-0" && e.NewStatus != protocol.AudioOpening {
					got <- e.NewStatus
				}
				return
			}
			select { // set-up events; later ones (others entering) are not needed
			case events <- ev:
			default:
			}
		}})
		b.Cleanup(s.Close)
		s.Login("demo", demoPswd, user, user, "", "")
		require.IsType(b, session.LoginSuccess{}, <-events)
		if i == 0 {
			speaker = s
			s.CreateMeeting(name, 0, "")
			meet = (<-events).(session.CreateMeetingSuccess).Meet
		}
		s.EnterMeeting(meet.ID, meet.Pswd, "")
		for ev := range events {
			if e, ok := ev.(session.EnterMeetingRslt); ok {
				require.Equal(b, session.NOERR, e.Err)
				break
			}
		}
	}
	return speaker, got
}
