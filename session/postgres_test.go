package session_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/pgtest"
	"huddle/internal/testkit"
	"huddle/protocol"
	"huddle/server"
	"huddle/server/store"
	"huddle/session"
)

// A server on PostgreSQL behaves as on SQLite for what the store keeps:
// sign-in (the demo application and the user rows), presence and
// do-not-disturb, meetings created, listed and destroyed; and a restart
// loses nothing stored.
func TestServerOnPostgres(t *testing.T) {
	dsn := pgtest.DSN(t)
	onPostgres := func() testkit.Option {
		st, err := store.OpenPostgres(context.Background(), dsn)
		require.NoError(t, err)
		return testkit.WithStore(st)
	}
	srv := testkit.StartServer(t, onPostgres())
	alice := testkit.Login(t, srv.URL, "alice")
	alice.StartUserStatusNotify("watch")
	require.Equal(t, session.NOERR, testkit.Await[session.StartUserStatusNotifyRslt](t, alice, nil).Err)
	bob := testkit.Login(t, srv.URL, "bob")
	testkit.Await(t, alice, func(n session.NotifyUserStatus) bool {
		return n.Status.UserID == "bob" && n.Status.UserStatus == protocol.StatusIdle
	})
	bob.SetDNDStatus(2, "dnd")
	testkit.Await[session.SetDNDStatusSuccess](t, bob, nil)
	testkit.Await(t, alice, func(n session.NotifyUserStatus) bool { return n.Status.UserID == "bob" && n.Status.DNDType == 2 })

	kept := createMeeting(t, alice, "Kept on PostgreSQL", 1)
	gone := createMeeting(t, bob, "Destroyed", 0)
	assert.ElementsMatch(t, []int{kept.ID, gone.ID}, meetingIDs(getMeetings(t, bob)))
	bob.DestroyMeeting(gone.ID, "d")
	require.Equal(t, session.NOERR, testkit.Await[session.DestroyMeetingRslt](t, bob, nil).Err)
	assert.Equal(t, []session.MeetInfo{kept}, getMeetings(t, alice))
	// Stored in PostgreSQL, not in a SQLite file beside it.
	direct, err := store.OpenPostgres(context.Background(), dsn)
	require.NoError(t, err)
	defer direct.Close()
	inDB, err := direct.Meetings(context.Background(), server.DemoAppID)
	require.NoError(t, err)
	require.Len(t, inDB, 1)
	assert.Equal(t, int64(kept.ID), inDB[0].ID)
	assert.NoFileExists(t, filepath.Join(srv.DataDir, "huddle.db"))

	srv = srv.Restart(t, onPostgres())
	alice = testkit.Login(t, srv.URL, "alice")
	assert.Equal(t, []session.MeetInfo{kept}, getMeetings(t, alice), "the meeting, with its password, survives")
	alice.GetUserStatus("all")
	users := testkit.Await[session.GetUserStatusSuccess](t, alice, nil).Users
	b, ok := statusOf(users, "bob")
	require.True(t, ok, "bob's user row survives: %+v", users)
	// Offline: bob's session ended with the server. A cluster hands its
	// sessions over when its nodes stop: his waits for him for the grace.
	bobStatus := protocol.StatusOffline
	if testkit.InCluster {
		bobStatus = protocol.StatusIdle
	}
	assert.Equal(t, session.UserStatus{UserID: "bob", UserStatus: bobStatus, DNDType: 2, NickName: "Nick bob"}, b)
	alice.DestroyMeeting(kept.ID, "after-restart")
	assert.Equal(t, session.NOERR, testkit.Await[session.DestroyMeetingRslt](t, alice, nil).Err)
	assert.Empty(t, getMeetings(t, alice))
}

func meetingIDs(list []session.MeetInfo) []int {
	var ids []int
	for _, m := range list {
		ids = append(ids, m.ID)
	}
	return ids
}
