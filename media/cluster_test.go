package media_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/media"
	"huddle/server"
	"huddle/session"
)

// Voice through the SFU on a cluster: alice signs in on the application's home, bob on
// the other node (an edge, which passes his frames to the home). The
// meeting's SFU runs on the home; bob, who speaks only G.711 and may use
// only TURN relays, gets the home's TURN, whose "still signed in" check
// finds him though his WebSocket is on the edge. They hear each other.
func TestVoiceAcrossClusterNodes(t *testing.T) {
	cl := testkit.StartCluster(t, 2, withTURN)
	home, edge := cl.Nodes[0], cl.Nodes[1]
	alice := testkit.Login(t, home.URL, "alice") // the first sign-in makes node1 the home
	bob := testkit.Login(t, edge.URL, "bob")
	meet := callInto(t, alice, bob)
	_, aliceHears := sfuVoice(t, alice, meet.ID, &media.Tone{Freq: 440, Amplitude: 0.5})

	pcmu, err := media.CodecsNamed("PCMU")
	require.NoError(t, err)
	openMic(t, bob)
	bobHears := media.NewCaptureSink()
	call, err := media.StartSFUCall(bob.Session, meet.ID, media.PeerConfig{
		Source: &media.Tone{Freq: 660, Amplitude: 0.5}, Sink: bobHears, JitterFrames: media.RecorderJitter,
		Codecs: pcmu, ICEServers: iceServers(t, bob), RelayOnly: true,
	})
	require.NoError(t, err)
	testkit.Pump(t, bob, call.Handle)
	t.Cleanup(func() { call.Close() })

	media.HeardTone(t, bobHears, 440)
	media.HeardTone(t, aliceHears, 660)
	pair, err := call.Peer().PeerConnection().GetSenders()[0].Transport().ICETransport().GetSelectedCandidatePair()
	require.NoError(t, err)
	require.Equal(t, "relay", pair.Local.Typ.String())
	require.Positive(t, nodeMetric(t, home.Addr, "huddle_media_rtp_forwarded_total"), "the home forwards")
	require.Positive(t, nodeMetric(t, home.Addr, "huddle_turn_allocations"), "bob's relay is on the home")
	require.Zero(t, nodeMetric(t, edge.Addr, "huddle_media_rtp_forwarded_total"), "the edge carries no media")
}

// The application's home stopped (a rolling restart) during a call
// through its SFU between two users on the other nodes: their sessions
// resume on the new home, whose SFU has no connection for them. The
// stopping home ended its connections (DTLS close, on which pion closes
// the client's connection), so each client, restarting after the resume,
// opens a new connection instead: both hear each other again without
// leaving the meeting. (A home killed with kill -9 says nothing: there the
// restart offer gets MEDIA_CONNECTION_GONE, internal/clustertest.)
func TestVoiceComesBackWhenTheHomeMoves(t *testing.T) {
	cl := testkit.StartCluster(t, 3)
	testkit.Login(t, cl.Nodes[0].URL, "first") // node1 is the home
	reconnecting := func(cfg *session.Config) {
		cfg.Reconnect = true
		cfg.ReconnectMin, cfg.ReconnectMax = 50*time.Millisecond, 500*time.Millisecond
	}
	alice := testkit.NewClient(t, cl.Nodes[1].URL, reconnecting)
	alice.Login(server.DemoAppID, server.PasswordFor(server.DemoAppSecret), "Nick alice", "alice", "", "login")
	testkit.Await[session.LoginSuccess](t, alice, nil)
	bob := testkit.NewClient(t, cl.Nodes[2].URL, reconnecting)
	bob.Login(server.DemoAppID, server.PasswordFor(server.DemoAppSecret), "Nick bob", "bob", "", "login")
	testkit.Await[session.LoginSuccess](t, bob, nil)
	meet := callInto(t, alice, bob)
	aliceHears := restartingSFUVoice(t, alice, meet.ID, &media.Tone{Freq: 440, Amplitude: 0.5})
	bobHears := restartingSFUVoice(t, bob, meet.ID, &media.Tone{Freq: 660, Amplitude: 0.5})
	media.HeardTone(t, bobHears, 440)
	media.HeardTone(t, aliceHears, 660)

	fromAlice, fromBob := len(aliceHears.Snapshot()), len(bobHears.Snapshot())
	cl.Nodes[0].Stop(t)
	testkit.Await[session.Reconnected](t, alice, nil)
	testkit.Await[session.Reconnected](t, bob, nil)
	heardToneAgain(t, bobHears, fromBob, 440)
	heardToneAgain(t, aliceHears, fromAlice, 660)
}

// restartingSFUVoice is sfuVoice restarting after each resumed session,
// as the app and the bot do.
func restartingSFUVoice(t *testing.T, c *testkit.Client, meet int, src media.Source) *media.CaptureSink {
	t.Helper()
	openMic(t, c)
	sink := media.NewCaptureSink()
	call, err := media.StartSFUCall(c.Session, meet, media.PeerConfig{Source: src, Sink: sink, JitterFrames: media.RecorderJitter})
	require.NoError(t, err)
	testkit.Pump(t, c, func(ev session.Event) bool {
		if _, ok := ev.(session.Reconnected); ok {
			call.Restart()
			return false // the test awaits it too
		}
		return call.Handle(ev)
	})
	t.Cleanup(func() { call.Close() })
	t.Cleanup(func() {
		if t.Failed() {
			p := call.Peer()
			t.Logf("%s: err %v, peer state %v, stats %+v\n%s", c.UserID(), call.Err(), p.PeerConnection().ConnectionState(), p.Stats(), c.Dump())
		}
	})
	return sink
}

// heardToneAgain waits until sink, after sample from, has heard a whole
// second of freq without a gap: more than what was on its way when the
// old path ended.
func heardToneAgain(t *testing.T, sink *media.CaptureSink, from int, freq float64) {
	t.Helper()
	const window = media.SampleRate / 10
	require.Eventually(t, func() bool {
		pcm := sink.Snapshot()[from:]
		run := 0
		for i := 0; i+window <= len(pcm); i += window {
			if media.Power(pcm[i:i+window], media.SampleRate, freq) < 0.5 {
				run = 0
			} else if run++; run == 10 {
				return true
			}
		}
		return false
	}, 20*time.Second, 50*time.Millisecond, "a second of %v Hz after sample %d", freq, from)
}
