package app

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/session"
)

func TestParseLink(t *testing.T) {
	for link, want := range map[string]int{
		"huddle://meet/720938361":  720938361,
		"huddle://meet/42/":        42,
		"HUDDLE://Meet/42":         42,
		"huddle://meet/42?from=me": 42,
		" huddle://meet/7 ":        7,
	} {
		id, err := ParseLink(link)
		require.NoError(t, err, link)
		assert.Equal(t, want, id, link)
	}
	for link, says := range map[string]string{
		"https://meet/42":                      "is not a Huddle link",
		"huddle://call/42":                     "does not point to a meeting",
		"huddle://meet/":                       "has no valid meeting ID",
		"huddle://meet/abc":                    "has no valid meeting ID",
		"huddle://meet/-3":                     "has no valid meeting ID",
		"huddle://meet/0":                      "has no valid meeting ID",
		"huddle://meet/4/2":                    "has no valid meeting ID",
		"huddle://meet/9999999999999999999999": "has no valid meeting ID",
	} {
		_, err := ParseLink(link)
		require.Error(t, err, link)
		assert.Contains(t, err.Error(), says, link)
	}
	assert.True(t, IsLink("huddle://meet/1"))
	assert.False(t, IsLink("--server"))
}

type opened struct {
	meet     *session.MeetInfo
	notFound string
}

func TestLinkOpensMeetingAfterSignInAndCallsSomeoneIn(t *testing.T) {
	srv := testkit.StartServer(t)
	bob := testkit.Login(t, srv.URL, "bob")
	bob.CreateMeeting("Design review", 0, "m")
	meet := testkit.Await[session.CreateMeetingSuccess](t, bob, nil).Meet
	bob.CreateMeeting("Another one", 0, "m2")
	testkit.Await[session.CreateMeetingSuccess](t, bob, nil)
	testkit.StartBot(t, srv.URL, "ada", 0)

	l := newLoop(t)
	c := New(l.run)
	var got []opened
	c.OnMeetingOpened = func(m *session.MeetInfo, nf string) { got = append(got, opened{m, nf}) }
	id, err := ParseLink(meet.PubMeetUrl)
	require.NoError(t, err, "the server's own links parse")
	l.do(func() {
		c.OpenMeeting(id) // as the app does with a link given at start, before sign-in
		c.SignIn(Settings{ServerURL: srv.URL, AppID: "demo", SecretMD5: SecretHash("demo"), Nick: "A", UserID: "alice"})
	})
	t.Cleanup(func() { l.do(c.Close) })
	l.await(t, "the meeting is shown", func() bool { return len(got) == 1 })
	l.do(func() {
		require.NotNil(t, got[0].meet)
		assert.Equal(t, "Design review", got[0].meet.Subject)
		assert.Equal(t, meet.ID, c.Meetings.Highlighted)
		assert.GreaterOrEqual(t, c.Meetings.Index(meet.ID), 0)
		c.Calls.CallInto("ada", *got[0].meet)
	})
	l.await(t, "ada answered, in that meeting", func() bool { return c.Calls.Phase == CallActive })
	l.do(func() { assert.Equal(t, meet.ID, c.Calls.Meet.ID) })

	// A link to a meeting that is gone says so, in words, and highlights nothing.
	l.do(func() { c.OpenMeeting(123456) })
	l.await(t, "not found", func() bool { return len(got) == 2 })
	l.do(func() {
		assert.Nil(t, got[1].meet)
		assert.Equal(t, "Meeting #123456 was not found: it may have ended, or the link is for another organisation.", got[1].notFound)
		assert.Equal(t, 0, c.Meetings.Highlighted)
	})
}

func TestMeetingEndedByItsCreatorLeavesListAndEndsCall(t *testing.T) {
	srv := testkit.StartServer(t)
	bob := testkit.Login(t, srv.URL, "bob")
	bob.CreateMeeting("Standup", 0, "m")
	meet := testkit.Await[session.CreateMeetingSuccess](t, bob, nil).Meet
	bob.CreateMeeting("Retro", 0, "m2")
	other := testkit.Await[session.CreateMeetingSuccess](t, bob, nil).Meet
	c, l, _ := signIn(t, srv.URL, "alice")
	l.await(t, "both listed", func() bool { return len(c.Meetings.List) == 2 })

	// Bob calls alice into Standup; she answers.
	call := bob.Call("alice", meet, "", "c")
	l.await(t, "ringing", func() bool { return c.Calls.Phase == CallIncoming })
	l.do(c.Calls.Accept)
	testkit.Await(t, bob, func(e session.NotifyCallAccepted) bool { return e.CallID == call })
	l.await(t, "in the call", func() bool { return c.Calls.Phase == CallActive })

	bob.DestroyMeeting(meet.ID, "d")
	l.await(t, "Standup gone and the call over", func() bool {
		return c.Meetings.Index(meet.ID) < 0 && c.Calls.Phase == CallIdle
	})
	l.do(func() {
		assert.Equal(t, "The meeting of this call was ended by its creator.", c.Calls.LastEnded)
		assert.Equal(t, []session.MeetInfo{other}, c.Meetings.List, "the other meeting stays")
	})
	// Only members are told (docs/protocol.md); the list is fetched again
	// when the Meetings tab is opened, which drops Retro too.
	bob.DestroyMeeting(other.ID, "d2")
	testkit.Await[session.DestroyMeetingRslt](t, bob, func(e session.DestroyMeetingRslt) bool { return e.Cookie == "d2" })
	l.do(c.Meetings.Refresh)
	l.await(t, "Retro gone", func() bool { return len(c.Meetings.List) == 0 })
}
