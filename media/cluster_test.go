package media_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/media"
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
