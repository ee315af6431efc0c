package session_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/protocol"
	"huddle/session"
)

// mediaMode has c send media_join for meet and returns the mode it is told.
func mediaMode(t *testing.T, c *testkit.Client, meet int) session.NotifyMediaMode {
	t.Helper()
	n := len(testkit.All[session.NotifyMediaMode](c))
	c.MediaJoin(meet, nil, "join")
	return nextMode(t, c, n)
}

// nextMode waits for c's media_mode push after the first n.
func nextMode(t *testing.T, c *testkit.Client, n int) session.NotifyMediaMode {
	t.Helper()
	require.Eventually(t, func() bool { return len(testkit.All[session.NotifyMediaMode](c)) > n }, 10*time.Second, 5*time.Millisecond)
	return testkit.All[session.NotifyMediaMode](c)[n]
}

// direct_failed is refused with its code when malformed, for no meeting,
// from outside the meeting's audio or for a generation that is not the
// meeting's direct one. Taken, it moves the pair to the SFU, and the
// server does not put the same two on a direct connection again while both
// stay: not when one joins again, nor after a third comes and goes; once
// one of them has left and come back, they are tried directly afresh.
func TestDirectFailedIsCheckedAndRemembered(t *testing.T) {
	srv := testkit.StartServer(t)
	alice, bob, carol := testkit.Login(t, srv.URL, "alice"), testkit.Login(t, srv.URL, "bob"), testkit.Login(t, srv.URL, "carol")
	meet := createMeeting(t, alice, "voice", 0)
	enter(t, alice, meet)
	enter(t, bob, meet)
	mediaMode(t, alice, meet.ID)
	direct := mediaMode(t, bob, meet.ID)
	require.Equal(t, protocol.ModeDirect, direct.Mode)

	refused := func(c *testkit.Client, meetID, gen int) session.ErrCode {
		t.Helper()
		n := len(testkit.All[session.DirectFailedFail](c))
		c.DirectFailed(meetID, gen)
		require.Eventually(t, func() bool { return len(testkit.All[session.DirectFailedFail](c)) > n }, 10*time.Second, 5*time.Millisecond)
		return testkit.All[session.DirectFailedFail](c)[n].Err
	}
	require.Equal(t, protocol.NotInMeeting, refused(carol, meet.ID, direct.Gen), "carol is not in the meeting")
	require.Equal(t, protocol.MeetNotExist, refused(alice, meet.ID+1000, direct.Gen))
	require.Equal(t, protocol.MediaModeChanged, refused(alice, meet.ID, direct.Gen-1), "an old generation")
	raw := loginRaw(t, srv.URL, "mallory")
	require.Equal(t, protocol.ErrData, raw.call(protocol.OpDirectFailed, map[string]any{"meet": "x", "gen": 1}).Code, "malformed")
	require.Equal(t, protocol.ErrData, raw.call(protocol.OpDirectFailed, map[string]any{"meet": meet.ID, "gen": 1, "why": "x"}).Code, "an unknown field")
	testkit.Sync(t, bob)
	require.Len(t, testkit.All[session.NotifyMediaMode](bob), 1, "nothing refused changed the mode")

	// bob says it: both are moved to the SFU in a new generation; alice's
	// report of the same connection, coming after, changes nothing.
	na, nb := len(testkit.All[session.NotifyMediaMode](alice)), len(testkit.All[session.NotifyMediaMode](bob))
	bob.DirectFailed(meet.ID, direct.Gen)
	sfu := nextMode(t, bob, nb)
	require.Equal(t, session.NotifyMediaMode{MeetID: meet.ID, Gen: direct.Gen + 1, Mode: protocol.ModeSFU}, sfu)
	require.Equal(t, sfu, nextMode(t, alice, na))
	require.Equal(t, protocol.MediaModeChanged, refused(alice, meet.ID, direct.Gen), "already reported")
	require.Empty(t, testkit.All[session.DirectFailedFail](bob))

	// alice joins again (a new connection of hers): still the SFU.
	require.Equal(t, protocol.ModeSFU, mediaMode(t, alice, meet.ID).Mode)
	// carol comes and goes: the SFU throughout.
	enter(t, carol, meet)
	require.Equal(t, protocol.ModeSFU, mediaMode(t, carol, meet.ID).Mode)
	carol.ExitMeeting()
	testkit.Await(t, bob, func(e session.UserLeftMeeting) bool { return e.UserID == "carol" })
	testkit.Sync(t, bob)
	for _, m := range testkit.All[session.NotifyMediaMode](bob)[nb:] {
		require.Equal(t, protocol.ModeSFU, m.Mode, "the unreachable pair was tried directly again")
	}

	// bob leaves and comes back (from another network, maybe): direct.
	nb = len(testkit.All[session.NotifyMediaMode](bob))
	bob.ExitMeeting()
	testkit.Await(t, alice, func(e session.UserLeftMeeting) bool { return e.UserID == "bob" })
	enter(t, bob, meet)
	again := mediaMode(t, bob, meet.ID)
	require.Equal(t, protocol.ModeDirect, again.Mode)
	require.Equal(t, "alice", again.Peer)
	require.Len(t, testkit.All[session.NotifyMediaMode](bob), nb+1)
}
