package session_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/server"
	"huddle/server/store"
	"huddle/session"
)

func createMeeting(t *testing.T, c *testkit.Client, subject string, pswd int) session.MeetInfo {
	t.Helper()
	cookie := "create-" + subject
	c.CreateMeeting(subject, pswd, cookie)
	return testkit.Await(t, c, func(e session.CreateMeetingSuccess) bool { return e.Cookie == cookie }).Meet
}

func getMeetings(t *testing.T, c *testkit.Client) []session.MeetInfo {
	t.Helper()
	cookie := "list-" + time.Now().String()
	c.GetMeetings(cookie)
	return testkit.Await(t, c, func(e session.GetMeetingsSuccess) bool { return e.Cookie == cookie }).Meetings
}

func findMeet(list []session.MeetInfo, id int) (session.MeetInfo, bool) {
	for _, m := range list {
		if m.ID == id {
			return m, true
		}
	}
	return session.MeetInfo{}, false
}

func TestCreateMeeting(t *testing.T) {
	srv := testkit.StartServer(t)
	alice := testkit.Login(t, srv.URL, "alice")
	before := time.Now().Unix()

	m := createMeeting(t, alice, "Weekly sync", 0)
	assert.Equal(t, "Weekly sync", m.Subject)
	assert.Equal(t, "alice", m.Creator)
	assert.Empty(t, m.Pswd)
	assert.Equal(t, 0, m.MemberCount)
	assert.GreaterOrEqual(t, m.ID, 100000000, "nine digits")
	assert.Less(t, m.ID, 1000000000)
	assert.Equal(t, "huddle://meet/"+strconv.Itoa(m.ID), m.PubMeetUrl)
	assert.GreaterOrEqual(t, m.StartTime, before)

	withPswd := createMeeting(t, alice, "会议：季度计划", 1)
	assert.Regexp(t, `^[0-9]{6}$`, withPswd.Pswd)
	assert.NotEqual(t, m.ID, withPswd.ID)
	assert.NotEqual(t, m.ID+1, withPswd.ID, "IDs are not sequential")
}

func TestCreateMeetingSubjectLimits(t *testing.T) {
	srv := testkit.StartServer(t)
	alice := testkit.Login(t, srv.URL, "alice")
	// 50 characters is fine even when they take 150 bytes.
	createMeeting(t, alice, strings.Repeat("会", 50), 0)
	for i, bad := range []string{"", strings.Repeat("会", 51), strings.Repeat("a", 51), "line\nbreak", "bad\xffutf8"} {
		cookie := "bad-" + strconv.Itoa(i)
		alice.CreateMeeting(bad, 0, cookie)
		f := testkit.Await(t, alice, func(e session.CreateMeetingFail) bool { return e.Cookie == cookie })
		assert.Equal(t, session.MEETPARAM_ERR, f.Err, "subject %q", bad)
	}
	assert.Len(t, getMeetings(t, alice), 1, "nothing stored for a refused subject")
}

func TestMeetingCallsNeedLogin(t *testing.T) {
	srv := testkit.StartServer(t)
	c := testkit.NewClient(t, srv.URL)
	c.CreateMeeting("x", 0, "c1")
	assert.Equal(t, session.CreateMeetingFail{Err: session.NOT_LOGIN, Cookie: "c1"}, testkit.Await[session.CreateMeetingFail](t, c, nil))
	c.GetMeetings("c2")
	assert.Equal(t, session.GetMeetingsFail{Err: session.NOT_LOGIN, Cookie: "c2"}, testkit.Await[session.GetMeetingsFail](t, c, nil))
	c.DestroyMeeting(1, "c3")
	assert.Equal(t, session.DestroyMeetingRslt{Err: session.NOT_LOGIN, Cookie: "c3"}, testkit.Await[session.DestroyMeetingRslt](t, c, nil))
	id := c.Call("bob", session.MeetInfo{ID: 1}, "", "c4")
	assert.Equal(t, session.CallFail{CallID: id, Err: session.NOT_LOGIN, Cookie: "c4"}, testkit.Await[session.CallFail](t, c, nil))
}

func TestGetMeetingsHidesPasswordFromOthers(t *testing.T) {
	srv := testkit.StartServer(t)
	alice := testkit.Login(t, srv.URL, "alice")
	bob := testkit.Login(t, srv.URL, "bob")
	open := createMeeting(t, alice, "Open", 0)
	locked := createMeeting(t, alice, "Locked", 1)

	mine := getMeetings(t, alice)
	require.Len(t, mine, 2)
	assert.ElementsMatch(t, []session.MeetInfo{open, locked}, mine, "the creator sees the password")

	theirs := getMeetings(t, bob)
	require.Len(t, theirs, 2)
	got, _ := findMeet(theirs, locked.ID)
	assert.Empty(t, got.Pswd, "others never see it")
	assert.Equal(t, locked.Subject, got.Subject)
}

func TestDestroyMeeting(t *testing.T) {
	srv := testkit.StartServer(t)
	alice := testkit.Login(t, srv.URL, "alice")
	bob := testkit.Login(t, srv.URL, "bob")
	m := createMeeting(t, alice, "Gone soon", 0)

	bob.DestroyMeeting(m.ID, "not-mine")
	assert.Equal(t, session.AUTHERROR, testkit.Await[session.DestroyMeetingRslt](t, bob, nil).Err)
	bob.DestroyMeeting(123456789, "unknown")
	assert.Equal(t, session.MEETNOTEXIST, testkit.Await[session.DestroyMeetingRslt](t, bob, nil).Err)

	alice.DestroyMeeting(m.ID, "mine")
	assert.Equal(t, session.DestroyMeetingRslt{Err: session.NOERR, Cookie: "mine"}, testkit.Await[session.DestroyMeetingRslt](t, alice, nil))
	assert.Empty(t, getMeetings(t, bob))
	alice.DestroyMeeting(m.ID, "again")
	assert.Equal(t, session.MEETNOTEXIST, testkit.Await[session.DestroyMeetingRslt](t, alice, nil).Err)
}

func TestMeetingsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	srv := testkit.StartServerIn(t, dir)
	alice := testkit.Login(t, srv.URL, "alice")
	m := createMeeting(t, alice, "Persistent", 1)
	gone := createMeeting(t, alice, "Destroyed", 0)
	alice.DestroyMeeting(gone.ID, "d")
	require.Equal(t, session.NOERR, testkit.Await[session.DestroyMeetingRslt](t, alice, nil).Err)
	srv.Stop(t)

	srv2 := testkit.StartServerIn(t, dir)
	alice2 := testkit.Login(t, srv2.URL, "alice")
	assert.Equal(t, []session.MeetInfo{m}, getMeetings(t, alice2))
	alice2.DestroyMeeting(m.ID, "after-restart")
	assert.Equal(t, session.NOERR, testkit.Await[session.DestroyMeetingRslt](t, alice2, nil).Err)
}

func TestMeetingsDoNotCrossApplications(t *testing.T) {
	srv := testkit.StartServer(t)
	require.NoError(t, srv.AddApp(context.Background(), "other", "other-secret", store.UserAuthNone))
	alice := testkit.Login(t, srv.URL, "alice")
	m := createMeeting(t, alice, "Demo only", 0)

	eve := testkit.NewClient(t, srv.URL)
	eve.Login("other", server.PasswordFor("other-secret"), "Eve", "eve", "", "l")
	testkit.Await[session.LoginSuccess](t, eve, nil)
	assert.Empty(t, getMeetings(t, eve))
	eve.DestroyMeeting(m.ID, "x")
	assert.Equal(t, session.MEETNOTEXIST, testkit.Await[session.DestroyMeetingRslt](t, eve, nil).Err)
	// Even a same-named user of the other app is a stranger.
	alice2 := testkit.NewClient(t, srv.URL)
	alice2.Login("other", server.PasswordFor("other-secret"), "Alice", "alice", "", "l")
	testkit.Await[session.LoginSuccess](t, alice2, nil)
	alice2.DestroyMeeting(m.ID, "x")
	assert.Equal(t, session.MEETNOTEXIST, testkit.Await[session.DestroyMeetingRslt](t, alice2, nil).Err)
	assert.Len(t, getMeetings(t, alice), 1)
}
